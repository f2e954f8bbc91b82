/* One appliance's life cycle on either platform (app_life.h). */
#include "app_life.h"

#include <string.h>

static void log_line(void *arg, const char *line)
{
	(void)arg;
	plat_log(PLAT_LOG_INFO, "%s", line);
}

int app_life_setup(struct app_life *l, const struct app_life_conf *c, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->app = c->app;
	l->who = c->who ? c->who : "sluice";
	l->n_ports = c->n_ports;
	l->pool = c->pool;
	l->started_ns = plat_clock_ns();
	l->pipe.n_ports = c->n_ports;
	pkt_epoch_init(&l->epoch, 1);         /* one worker: l->w, epoch_id 0 */
	l->pipe.epoch = &l->epoch;
	for (uint16_t i = 0; i < c->n_ports; i++) {
		l->ports[i] = c->ports[i];
		l->pipe.port_names[i] = c->ports[i]->name;
	}
	if (c->n_ports < c->app->min_ports || c->n_ports > c->app->max_ports) {
		plat_snprintf(err, errlen, "%s takes %u to %u ports, got %u", c->app->name, c->app->min_ports,
			      c->app->max_ports, c->n_ports);
		return -1;
	}
	if (c->app->needs_config && !c->has_config) {
		plat_snprintf(err, errlen, "%s needs a config", c->app->name);
		return -1;
	}
	struct app_env env = {
		.opts = c->opts ? c->opts : "",
		.config_name = c->has_config ? c->config.name : NULL,
		.config = c->has_config ? c->config.data : NULL,
		.config_len = c->has_config ? c->config.len : 0,
		.log = log_line,
		.pool = c->pool,
	};
	for (uint16_t i = 0; i < c->n_ports; i++)
		env.port_mac[i] = c->ports[i]->mac;
	if (c->app->setup(&l->pipe, &l->state, &env, err, errlen) != 0)
		return -1;
	l->set_up = true;
	/* the management plane, from the platform's options or the app's config (mgmt.h) */
	if (app_mgmt) {
		if (app_mgmt->configure(l, &c->mgmt, err, errlen) != 0) {
			app_life_teardown(l);
			return -1;
		}
	} else if (c->mgmt.on) {
		plat_snprintf(err, errlen, "this image of %s has no management plane", c->app->name);
		app_life_teardown(l);
		return -1;
	}
	pkt_worker_init(&l->w, &l->pipe);
	if (l->mgmt_on) {
		l->w.host_deliver = app_mgmt->deliver;
		l->w.host_arg = l;
	}
	l->w.now_ms = plat_clock_ns() / 1000000;
	l->last_ms = l->w.now_ms;
	return 0;
}

static uint64_t clock_ms(void)
{
	return plat_clock_ns() / 1000000;
}

/* Once a round; the work below once a millisecond of the app's clock. */
static void life_poll(void *arg)
{
	struct app_life *l = arg;
	uint64_t now = l->w.now_ms;
	if (now == l->last_ms)
		return;
	l->last_ms = now;
	plat_timers_run(plat_clock_ns());
	if (l->app->tick)
		l->app->tick(l->state, &l->w, now);
	if (l->mgmt_on)
		app_mgmt->poll(l, now);
	if (l->plat_poll)
		l->plat_poll(l->plat_poll_arg);
}

static bool life_source(void *arg, struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n)
{
	struct app_life *l = arg;
	struct app_ports p = { .port = ports, .n = n };
	return l->app->source(l->state, w, &p);
}

uint64_t app_life_run(struct app_life *l, const volatile sig_atomic_t *stop, uint64_t max_rx_pkts,
		      void (*plat_poll)(void *arg), void *arg)
{
	l->plat_poll = plat_poll;
	l->plat_poll_arg = arg;
	struct app_run_limits lim = { .max_rx_pkts = max_rx_pkts, .poll = life_poll, .poll_arg = l,
				      .clock_ms = clock_ms, .source = l->app->source ? life_source : NULL, .source_arg = l };
	uint64_t rx = app_run(&l->w, l->ports, l->n_ports, stop, &lim);
	/* the app's ports ended (replayed captures): a replayed management port still has
	 * its frames to hand to the stack */
	while (l->mgmt_on && !*stop && !app_mgmt->rx_done(l) && (!max_rx_pkts || rx < max_rx_pkts)) {
		l->w.now_ms = clock_ms();
		if (l->w.now_ms == l->last_ms)
			app_mgmt->poll(l, l->w.now_ms);   /* a capture's clock stops with its last frame */
		life_poll(l);
	}
	l->rx_pkts += rx;
	return rx;
}

/* A reload's outcome: counted, logged, the management plane told. */
static int reload_done(struct app_life *l, const char *name, int rc, const char *err)
{
	if (rc == 0) {
		l->reloads++;
		plat_log(PLAT_LOG_INFO, "%s: reloaded %s", l->who, name);
		if (app_mgmt)
			app_mgmt->reloaded(l, name);
		return 0;
	}
	l->reload_failures++;
	plat_log(PLAT_LOG_ERROR, "%s: reload refused, still running the previous config: %s", l->who, err);
	return -1;
}

int app_life_reload(struct app_life *l, const struct plat_blob *b, char *err, size_t errlen)
{
	/* every caller (the console, a signal, the control socket) runs on the worker's thread
	 * between bursts: the worker holds nothing from the running config */
	pkt_epoch_quiescent(&l->epoch, l->w.epoch_id);
	int rc = -1;
	if (l->app->build) {
		void *built = l->app->build(l->state, b->name, b->data, b->len, err, errlen);
		rc = l->app->apply(l->state, built, b->name, b->data, b->len, err, errlen);
	} else if (l->app->reload) {
		rc = l->app->reload(l->state, b->name, b->data, b->len, err, errlen);
	} else {
		plat_snprintf(err, errlen, "%s has no config to reload", l->app->name);
	}
	return reload_done(l, b->name, rc, err);
}

static void reload_build(void *arg)
{
	struct app_life *l = arg;
	l->rl.built = l->app->build(l->state, l->rl.b.name, l->rl.b.data, l->rl.b.len, l->rl.err, sizeof(l->rl.err));
}

int app_life_reload_start(struct app_life *l, const struct plat_blob *b)
{
	if (l->rl.busy)
		return 1;
	l->rl.b = *b;
	l->rl.built = NULL;
	l->rl.err[0] = 0;
	l->rl.busy = true;
	if (l->app->build && plat_work_start(&l->rl.work, reload_build, l) != 0)
		reload_build(l);             /* no thread: here, as the image does */
	return 0;
}

int app_life_reload_poll(struct app_life *l, char *err, size_t errlen)
{
	if (!l->rl.busy) {
		plat_snprintf(err, errlen, "no reload is being built");
		return -1;
	}
	if (l->app->build && !plat_work_done(&l->rl.work))
		return 1;
	l->rl.busy = false;
	if (!l->app->build)                  /* an app in one half: all of it now */
		return app_life_reload(l, &l->rl.b, err, errlen);
	pkt_epoch_quiescent(&l->epoch, l->w.epoch_id);
	plat_snprintf(err, errlen, "%s", l->rl.err);
	int rc = l->app->apply(l->state, l->rl.built, l->rl.b.name, l->rl.b.data, l->rl.b.len, err, errlen);
	return reload_done(l, l->rl.b.name, rc, err);
}

void app_life_finish(struct app_life *l)
{
	if (l->app->tick)
		l->app->tick(l->state, &l->w, clock_ms());
	app_flush(&l->w, l->ports, l->n_ports);
}

void app_life_report(const struct app_life *l, void (*emit)(void *arg, const char *line), void *arg,
		     void (*devices)(void *dev_arg), void *dev_arg)
{
	pkt_counters_format(&l->pipe, &l->w.cnt, emit, arg);
	if (devices)
		devices(dev_arg);
	if (l->app->report)
		l->app->report(l->state, emit, arg);
}

uint64_t app_life_tx_pkts(const struct app_life *l)
{
	uint64_t tx = 0;
	for (uint16_t i = 0; i < l->n_ports; i++)
		tx += l->w.cnt.port[i].tx_pkts;
	return tx;
}

void app_life_teardown(struct app_life *l)
{
	if (l->rl.busy) {                    /* a reload still being built: waited for, dropped */
		while (l->app->build && !plat_work_done(&l->rl.work))
			;
		if (l->rl.built && l->app->discard)
			l->app->discard(l->rl.built);
		l->rl.busy = false;
	}
	if (l->mgmt_on) {
		unsigned held = app_mgmt->stop(l);
		if (held)
			plat_log(PLAT_LOG_ERROR, "%s: the host stack kept %u packet buffers at shutdown", l->who, held);
		l->mgmt_on = false;
	}
	if (l->set_up && l->app->teardown)
		l->app->teardown(l->state);
	l->set_up = false;
}
