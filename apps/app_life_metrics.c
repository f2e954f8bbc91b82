/* The life cycle's Prometheus families (app_life_metrics in app_life.h): what every
 * appliance has, whatever its app. Apart from app_life.c so that an image without a
 * management plane, which never serves them, does not link them. */
#include "app_life.h"
#include "metrics.h"
#include "sluice_version.h"

#include <stddef.h>
#include <string.h>

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
	char es[64] = "";
	mx_label(es, sizeof(es), "source", plat_entropy_source());
	mx_family(o, "sluice_entropy_source_info", "gauge",
		  "Where the appliance's random numbers come from (always 1): rdseed, rdrand, virtio-rng, getrandom, or tsc jitter.");
	mx_sample(o, "sluice_entropy_source_info", es, 1);
	mx_family(o, "sluice_uptime_seconds", "gauge", "Seconds since the appliance started.");
	mx_sample_milli(o, "sluice_uptime_seconds", NULL, (plat_clock_ns() - l->started_ns) / 1000000);
	mx_family(o, "sluice_config_reloads_total", "counter", "Config reloads, by result.");
	mx_sample(o, "sluice_config_reloads_total", "result=\"applied\"", l->reloads);
	mx_sample(o, "sluice_config_reloads_total", "result=\"refused\"", l->reload_failures);
	port_families(l, o);
	pipeline_families(l, o);
	if (l->app->metrics && !o->full)
		l->app->metrics(l->state, o);
	for (unsigned i = 0; i < l->n_sources && !o->full; i++)
		l->sources[i].fn(l->sources[i].arg, o);
}
