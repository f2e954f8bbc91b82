/* app_life.h - one appliance's life cycle, the same on both platforms.
 *
 * The image (kernel/run.c) and the hosted launcher (hosted/main.c) open their ports, then
 * hand them here; this code does the rest in the same order on both:
 *
 *   app_life_setup()     the app builds its pipeline from its options and config blob;
 *   app_life_run()       the poll loop (app_run) and, about once a millisecond of the
 *                        platform's clock, the timers (plat.h), the app's tick and the
 *                        platform's own hook (console, signals, device health);
 *   app_life_reload()    a new config from any trigger (SIGHUP, the console, the control
 *                        socket), built off to the side and swapped in between bursts,
 *                        or refused with the running config untouched;
 *   app_life_finish()    the last tick (log lines still held), what it queued sent;
 *   app_life_report()    the counters, one line per call;
 *   app_life_teardown()  everything handed back.
 *
 * Every message goes through plat_log(). Nothing here is on the packet path except
 * app_run() itself.
 */
#ifndef SLUICE_APP_LIFE_H
#define SLUICE_APP_LIFE_H

#include "app.h"
#include "mgmt.h"
#include "plat.h"

struct app_life_conf {
	const struct app_def *app;
	struct vnet_port *ports[PKT_MAX_PORTS];   /* the app's ports, in order */
	uint16_t n_ports;
	struct pkt_pool *pool;
	const char *who;                           /* the prefix of its messages: "sluice-hosted" */
	const char *opts;                          /* the app's options, "" when none */
	bool has_config;                           /* config holds blob 0 (plat_config) */
	struct plat_blob config;
	struct mg_conf mgmt;                       /* the management port (mgmt.h); .port NULL: none */
};

struct app_life {
	const struct app_def *app;
	const char *who;
	void *state;
	struct pkt_pipeline pipe;
	struct pkt_epoch epoch;                    /* the workers' (pkt_epoch.h): pipe.epoch */
	struct pkt_worker w;
	struct vnet_port *ports[PKT_MAX_PORTS];
	uint16_t n_ports;
	struct pkt_pool *pool;
	uint64_t started_ns;
	uint64_t last_ms;                          /* the millisecond of the last tick */
	uint64_t reloads, reload_failures;
	uint64_t rx_pkts;                          /* received by app_life_run so far */
	/* the platform's hook, once a millisecond after the app's tick; it may set *stop */
	void (*plat_poll)(void *arg);
	void *plat_poll_arg;
	struct {                                   /* a reload being built (app_life_reload_start) */
		struct plat_work work;
		struct plat_blob b;
		void *built;
		bool busy;
		char err[1024];
	} rl;
	bool set_up;
	bool mgmt_on;                              /* the management plane runs (mgmt.h) */
	/* more Prometheus families: the host stack's, the metrics server's own */
	struct { void (*fn)(void *arg, struct mx_out *o); void *arg; } sources[4];
	unsigned n_sources;
};

/* Sets the app up on conf's ports, and the management plane on conf->mgmt.port. Returns 0, or -1 with one line in err (the app's own,
 * FILE:LINE:COL for a config). */
int app_life_setup(struct app_life *l, const struct app_life_conf *conf, char *err, size_t errlen);

/* Polls until *stop or every port's receive side ended or max_rx_pkts (0: no limit) were
 * received. plat_poll (may be NULL) runs once a millisecond. Returns packets received. */
uint64_t app_life_run(struct app_life *l, const volatile sig_atomic_t *stop, uint64_t max_rx_pkts,
		      void (*plat_poll)(void *arg), void *arg);

/* Replaces the config with blob b, between bursts. Returns 0, or -1 with the reason in err
 * and the running config untouched; either way the outcome is logged and counted. */
int app_life_reload(struct app_life *l, const struct plat_blob *b, char *err, size_t errlen);

/* The same, with the slow half (the app's build: parse, compile) away from the poll loop
 * where the platform can (plat_work_start: hosted, a thread; the image builds at once):
 * returns 0 when started (b's text must stay until the poll says done), 1 when another
 * reload is being built (try again later). app_life_reload_poll(), between bursts,
 * returns 1 while it builds, then 0 or -1 (err) as app_life_reload() would, once. */
int app_life_reload_start(struct app_life *l, const struct plat_blob *b);
int app_life_reload_poll(struct app_life *l, char *err, size_t errlen);

/* The last tick, and what it queued, sent. */
void app_life_finish(struct app_life *l);

/* The pipeline's counters, then devices(dev_arg) (the platform's lines about its ports;
 * NULL: none), then the app's own counters; one line per call of emit. */
void app_life_report(const struct app_life *l, void (*emit)(void *arg, const char *line), void *arg,
		     void (*devices)(void *dev_arg), void *dev_arg);

/* Packets the app sent on all ports. */
uint64_t app_life_tx_pkts(const struct app_life *l);

/* One chunk of the metrics page (metrics.h): the appliance's build and uptime, its ports,
 * its drops by stage and reason, its pool, its reloads, the app's families and those of
 * the sources added. */
void app_life_metrics(const struct app_life *l, struct mx_out *o);

void app_life_teardown(struct app_life *l);

#endif
