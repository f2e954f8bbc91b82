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
#include <stdbool.h>
#include <stddef.h>

struct mx_out;
struct ctl_ns;

/* The ports an app's source sends on (app_def.source). */
struct app_ports {
	struct vnet_port *const *port;
	uint16_t n;
};

/* Sends up to n of pkts on port: returns how many the port took (counted as the port's
 * transmitted packets); pkts[sent..n) stay the caller's, in order. */
uint16_t app_send(struct pkt_worker *w, const struct app_ports *ports, uint16_t port, struct pkt_buf **pkts,
		  uint16_t n);

/* What the platform gives an app when it sets it up. */
struct app_env {
	const char *opts;            /* the app's option string, "" when none */
	const char *config_name;     /* the config's name in messages (a file, a boot module) */
	const char *config;          /* the config text, NULL when none was given */
	size_t config_len;
	void (*log)(void *arg, const char *line); /* the console, one line per call */
	void *log_arg;
	struct pkt_pool *pool;       /* where the app may take buffers for packets of its own */
	const uint8_t *port_mac[PKT_MAX_PORTS]; /* each port's link-layer address */
};

struct app_def {
	const char *name;
	const char *summary;         /* one line for --help */
	uint16_t min_ports, max_ports;
	bool needs_config;           /* refuses to start without a config */
	/* Appends the app's stages to pipe (pipe->n_ports is already set). Returns 0, or -1
	 * with one line in err. */
	int (*setup)(struct pkt_pipeline *pipe, void **state, const struct app_env *env, char *err,
		     size_t errlen);
	void (*teardown)(void *state);
	/* Optional: called between bursts, about once a millisecond, with the clock (ms).
	 * Packets it queues on w (pkt_txq_push) are sent at the end of the round. */
	void (*tick)(void *state, struct pkt_worker *w, uint64_t now_ms);
	/* Optional: a new config, built off to the side and swapped in between bursts; on an
	 * error nothing changes and err says why. */
	int (*reload)(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen);
	/* Optional, the same reload in two halves, so that the slow one runs away from the poll
	 * loop (plat_work_start; app_life_reload_start): build makes the new config from the
	 * text, reading only what setup fixed and touching nothing the worker reads (NULL with
	 * err when the text is refused); apply, between bursts, checks it against the running
	 * state and swaps it in, or refuses it (nothing changes), and takes it either way (NULL:
	 * build's refusal, counted); discard frees one never applied. */
	void *(*build)(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen);
	int (*apply)(void *state, void *built, const char *name, const char *text, size_t len, char *err,
		     size_t errlen);
	void (*discard)(void *built);
	/* Optional: the app's own counters, one line per call of emit, for the shutdown report. */
	void (*report)(void *state, void (*emit)(void *arg, const char *line), void *arg);
	/* Optional: the app's own Prometheus families (metrics.h), written again from the
	 * start for every chunk of a scrape. */
	void (*metrics)(void *state, struct mx_out *o);
	/* Optional: the management plane the app's config declares (mgmt.h), read once after
	 * setup: true with its addresses in spec ("[port=N,]ADDRS", the form of the platforms'
	 * options), its metrics and control ports (0: the defaults) and where the config says so, for
	 * messages ("rules.conf:12:1"). The platform's own options win over it. */
	bool (*mgmt)(void *state, char *spec, size_t len, uint16_t *metrics_port, uint16_t *ctl_port, char *where,
		     size_t wlen);
	/* Optional: the frames the app keeps for inspection (fw: the last logged ones), oldest
	 * first: caplen bytes of a len-byte frame seen at time_ms. */
	void (*capture)(void *state, void (*frame)(void *arg, uint64_t time_ms, const uint8_t *data, uint16_t caplen,
						    uint16_t len), void *arg);
	/* Optional, for an app that serves on the host stack (httpd): called once the stack is
	 * up on the management interface (its listeners may be opened: lwIP's raw API), and
	 * before it is taken down. -1 with err stops the start. */
	int (*host_up)(void *state, char *err, size_t errlen);
	void (*host_down)(void *state);
	/* Optional: the app's command namespace on the control socket (ctl.h): "fw add rule
	 * ...", "show rules". */
	const struct ctl_ns *ctl;
	/* Optional, for an app that makes traffic of its own (pktgen): called at the start of
	 * every round, before the ports are read. It sends with app_send(), which leaves what
	 * a port did not take with the app (no packet of its own is dropped for a full ring).
	 * Returns false once the app has finished: the run then ends as on a stop. */
	bool (*source)(void *state, struct pkt_worker *w, const struct app_ports *ports);
};

/* NULL-terminated list of every app. */
extern const struct app_def *const app_registry[];

const struct app_def *app_find(const char *name);

struct app_run_limits {
	uint64_t max_rx_pkts;        /* stop after this many received packets (0: no limit) */
	/* Called once a millisecond of clock_ms, between rounds (with no clock_ms, every
	 * round; NULL: never): the platform's timers, its console, device health. It may set
	 * *stop. What it queues is sent at once. */
	void (*poll)(void *arg);
	void *poll_arg;
	/* The platform's monotonic clock in ms, read into w->now_ms every round (every fourth
	 * with a source, whose rounds are short and which keeps time on its own) (NULL: 0). */
	uint64_t (*clock_ms)(void);
	/* Called at the start of every round (NULL: never); false ends the run. */
	bool (*source)(void *arg, struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n);
	void *source_arg;
};

/* Polls ports[0..n) until *stop becomes non-zero, no port can receive any more (and there
 * is no source) or the source says it has finished.
 * Returns the number of packets received. */
uint64_t app_run(struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n,
		 const volatile sig_atomic_t *stop, const struct app_run_limits *lim);

/* Sends whatever the pipeline queued for each port. */
void app_flush(struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n);

#endif
