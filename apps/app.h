/* app.h - appliances: the registry and the poll loop that runs one.
 *
 * An app declares itself with a struct app_def: its name, how many ports it needs and a
 * setup call that appends its stages to a pipeline. The platform (hosted launcher or the
 * image's kernel) opens the ports, calls setup, then app_run(), which polls every port,
 * pushes each received burst through the pipeline and sends what it forwarded, until it
 * is told to stop or every receive side has ended (a replayed capture).
 */
#ifndef SLUICE_APP_H
#define SLUICE_APP_H

#include "pkt_pipe.h"
#include "vnet.h"

#include <signal.h>
#include <stddef.h>

struct app_def {
	const char *name;
	const char *summary;         /* one line for --help */
	uint16_t min_ports, max_ports;
	/* Appends the app's stages to pipe (pipe->n_ports is already set). opts is the
	 * app's option string ("" when none). Returns 0, or -1 with one line in err. */
	int (*setup)(struct pkt_pipeline *pipe, void **state, const char *opts, char *err,
		     size_t errlen);
	void (*teardown)(void *state);
};

/* NULL-terminated list of every app. */
extern const struct app_def *const app_registry[];

const struct app_def *app_find(const char *name);

struct app_run_limits {
	uint64_t max_rx_pkts;        /* stop after this many received packets (0: no limit) */
	/* Called once per round over the ports (NULL: nothing): the platform's timers, its
	 * console, device health. It may set *stop. Keep it cheap when there is nothing to do. */
	void (*poll)(void *arg);
	void *poll_arg;
};

/* Polls ports[0..n) until *stop becomes non-zero or no port can receive any more.
 * Returns the number of packets received. */
uint64_t app_run(struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n,
		 const volatile sig_atomic_t *stop, const struct app_run_limits *lim);

/* Sends whatever the pipeline queued for each port. */
void app_flush(struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n);

#endif
