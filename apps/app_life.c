/* One appliance's life cycle on either platform (app_life.h). */
#include "app_life.h"
#include "metrics.h"
#include "sluice_version.h"

#include <stddef.h>

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
	pkt_worker_init(&l->w, &l->pipe);
	l->w.now_ms = plat_clock_ns() / 1000000;
	l->last_ms = l->w.now_ms;
	l->set_up = true;
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
	if (l->plat_poll)
		l->plat_poll(l->plat_poll_arg);
}

uint64_t app_life_run(struct app_life *l, const volatile sig_atomic_t *stop, uint64_t max_rx_pkts,
		      void (*plat_poll)(void *arg), void *arg)
{
	l->plat_poll = plat_poll;
	l->plat_poll_arg = arg;
	struct app_run_limits lim = { .max_rx_pkts = max_rx_pkts, .poll = life_poll, .poll_arg = l,
				      .clock_ms = clock_ms };
	uint64_t rx = app_run(&l->w, l->ports, l->n_ports, stop, &lim);
	l->rx_pkts += rx;
	return rx;
}

int app_life_reload(struct app_life *l, const struct plat_blob *b, char *err, size_t errlen)
{
	if (!l->app->reload) {
		plat_snprintf(err, errlen, "%s has no config to reload", l->app->name);
	} else if (l->app->reload(l->state, b->name, b->data, b->len, err, errlen) == 0) {
		l->reloads++;
		plat_log(PLAT_LOG_INFO, "%s: reloaded %s", l->who, b->name);
		return 0;
	}
	l->reload_failures++;
	plat_log(PLAT_LOG_ERROR, "%s: reload refused, still running the previous config: %s", l->who, err);
	return -1;
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
	if (l->set_up && l->app->teardown)
		l->app->teardown(l->state);
	l->set_up = false;
}

/* ---- metrics ---------------------------------------------------------------------- */

static void port_families(const struct app_life *l, struct mx_out *o)
{
	struct vnet_stats st[PKT_MAX_PORTS];
	for (uint16_t i = 0; i < l->n_ports; i++)
		vnet_stats(l->ports[i], &st[i]);
	static const struct { const char *name, *help; size_t off; } fam[] = {
		{ "sluice_port_receive_packets_total", "Frames the port received.", offsetof(struct vnet_stats, rx_pkts) },
		{ "sluice_port_receive_bytes_total", "Bytes of the frames the port received.", offsetof(struct vnet_stats, rx_bytes) },
		{ "sluice_port_transmit_packets_total", "Frames the port sent.", offsetof(struct vnet_stats, tx_pkts) },
		{ "sluice_port_transmit_bytes_total", "Bytes of the frames the port sent.", offsetof(struct vnet_stats, tx_bytes) },
		{ "sluice_port_transmit_errors_total", "Frames the device refused to send.", offsetof(struct vnet_stats, tx_errors) },
	};
	char labels[PKT_MAX_PORTS][64];
	for (uint16_t i = 0; i < l->n_ports; i++) {
		labels[i][0] = 0;
		mx_label(labels[i], sizeof(labels[i]), "port", l->ports[i]->name);
	}
	for (unsigned f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		mx_family(o, fam[f].name, "counter", fam[f].help);
		for (uint16_t i = 0; i < l->n_ports; i++)
			mx_sample(o, fam[f].name, labels[i], *(const uint64_t *)((const char *)&st[i] + fam[f].off));
	}
	static const struct { const char *reason; size_t off; } err[] = {
		{ "no_buffer", offsetof(struct vnet_stats, rx_nobuf) },
		{ "device", offsetof(struct vnet_stats, rx_errors) },
		{ "too_long", offsetof(struct vnet_stats, rx_too_long) },
		{ "truncated", offsetof(struct vnet_stats, rx_truncated) },
	};
	mx_family(o, "sluice_port_receive_errors_total", "counter",
		  "Frames lost or cut on receive, by reason (truncated: delivered shorter than on the wire).");
	for (uint16_t i = 0; i < l->n_ports; i++)
		for (unsigned e = 0; e < sizeof(err) / sizeof(err[0]); e++) {
			char lb[96];
			memcpy(lb, labels[i], sizeof(labels[i]));
			mx_label(lb, sizeof(lb), "reason", err[e].reason);
			mx_sample(o, "sluice_port_receive_errors_total", lb, *(const uint64_t *)((const char *)&st[i] + err[e].off));
		}
}

static void pipeline_families(const struct app_life *l, struct mx_out *o)
{
	const struct pkt_counters *c = &l->w.cnt;
	mx_family(o, "sluice_drops_total", "counter", "Packets dropped, by the stage that dropped them and why.");
	for (uint16_t s = 0; s < l->pipe.n_stages; s++) {
		const struct pkt_stage_def *d = l->pipe.stages[s].def;
		for (uint16_t r = 0; r < d->n_reasons; r++) {
			if (!c->stage_drops[s][r]) {
				mx_hole(o);     /* Prometheus needs no zero for each of ~70 reasons */
				continue;
			}
			char lb[96] = "";
			mx_label(lb, sizeof(lb), "stage", d->name);
			mx_label(lb, sizeof(lb), "reason", d->reasons[r]);
			mx_sample(o, "sluice_drops_total", lb, c->stage_drops[s][r]);
		}
	}
	for (unsigned r = 0; r < PKT_PIPE__COUNT; r++) {
		char lb[96] = "";
		mx_label(lb, sizeof(lb), "stage", "pipeline");
		mx_label(lb, sizeof(lb), "reason", pkt_pipe_reason_names[r]);
		mx_sample(o, "sluice_drops_total", lb, c->pipe_drops[r]);
	}
	mx_family(o, "sluice_host_stack_packets_total", "counter", "Packets the pipeline handed to the host stack.");
	mx_sample(o, "sluice_host_stack_packets_total", NULL, c->host_pkts);
	const struct pkt_pool *p = l->pool;
	if (p) {
		mx_family(o, "sluice_pool_buffers", "gauge", "Packet buffers in the pool.");
		mx_sample(o, "sluice_pool_buffers", NULL, p->size);
		if (p->stack) {     /* a native pool knows how many are free; DPDK's says in its own stats */
			mx_family(o, "sluice_pool_buffers_in_use", "gauge", "Packet buffers in use.");
			mx_sample(o, "sluice_pool_buffers_in_use", NULL, p->size - p->avail);
		}
		mx_family(o, "sluice_pool_alloc_failures_total", "counter", "Requests for buffers that got fewer than asked.");
		mx_sample(o, "sluice_pool_alloc_failures_total", NULL, p->alloc_fails);
	}
}

void app_life_metrics(const struct app_life *l, struct mx_out *o)
{
	char lb[96] = "";
	mx_label(lb, sizeof(lb), "app", l->app->name);
	mx_label(lb, sizeof(lb), "version", SLUICE_VERSION);
	mx_family(o, "sluice_build_info", "gauge", "The appliance and its version (always 1).");
	mx_sample(o, "sluice_build_info", lb, 1);
	mx_family(o, "sluice_uptime_seconds", "gauge", "Seconds since the appliance started.");
	mx_sample_milli(o, "sluice_uptime_seconds", NULL, (plat_clock_ns() - l->started_ns) / 1000000);
	mx_family(o, "sluice_config_reloads_total", "counter", "Config reloads, by result.");
	mx_sample(o, "sluice_config_reloads_total", "result=\"applied\"", l->reloads);
	mx_sample(o, "sluice_config_reloads_total", "result=\"refused\"", l->reload_failures);
	port_families(l, o);
	pipeline_families(l, o);
	if (l->app->metrics)
		l->app->metrics(l->state, o);
	for (unsigned i = 0; i < l->n_sources; i++)
		l->sources[i].fn(l->sources[i].arg, o);
}
