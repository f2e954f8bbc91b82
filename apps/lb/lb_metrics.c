/* The lb appliance's Prometheus families (lb_app.h, metrics.h): per service and per
 * backend, labelled by name; the affinity table; the engine's drops by reason; then the
 * families every routing appliance shares (conntrack, fragments, the router's answers). */
#include "lb_app.h"

#include "metrics.h"
#include "mx_engines.h"

#include <stdatomic.h>

static void svc_family(struct mx_out *o, const struct lb_app *a, const struct lba_conf *c, const struct lb_set *s,
		       const char *name, const char *type, const char *help, unsigned what)
{
	mx_family(o, name, type, help);
	for (unsigned i = (unsigned)mx_skip(o, s->n_svc); i < s->n_svc && !o->full; i++) {
		if (!mx_wanted(o)) {
			mx_sample(o, name, NULL, 0);
			continue;
		}
		const struct lb_svc_stats *st = &a->lb.svc[s->svc[i].id];
		uint64_t v = what == 0 ? st->pkts : what == 1 ? st->bytes : what == 2 ? st->flows : st->dropped;
		char labels[128] = "";
		mx_label(labels, sizeof(labels), "service", c->lb.svc[i].name);
		mx_sample(o, name, labels, v);
	}
}

static unsigned n_backends(const struct lb_set *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->n_svc; i++)
		n += s->svc[i].n_be;
	return n;
}

static void be_family(struct mx_out *o, const struct lb_app *a, const struct lba_conf *c, const struct lb_set *s,
		      const char *name, const char *type, const char *help, unsigned what)
{
	mx_family(o, name, type, help);
	unsigned total = n_backends(s), skip = (unsigned)mx_skip(o, total), k = 0;
	for (unsigned i = 0; i < s->n_svc && !o->full; i++) {
		const struct lb_service *v = &s->svc[i];
		for (unsigned b = 0; b < v->n_be && !o->full; b++, k++) {
			if (k < skip)
				continue;
			if (!mx_wanted(o)) {
				mx_sample(o, name, NULL, 0);
				continue;
			}
			const struct lb_backend *be = &v->be[b];
			const struct lba_be *h = &a->be[be->id];
			const struct lb_be_stats *st = &a->lb.be[be->id];
			uint64_t val = what == 0 ? st->pkts : what == 1 ? st->bytes : what == 2 ? st->flows
				     : what == 3 ? (be->state == LB_BE_UP) : what == 4 ? h->checks : h->failures;
			char labels[160] = "";
			mx_label(labels, sizeof(labels), "service", c->lb.svc[i].name);
			mx_label(labels, sizeof(labels), "backend", h->name);
			if (what == 3)
				mx_label(labels, sizeof(labels), "state", lb_be_state_names[be->state]);
			mx_sample(o, name, labels, val);
		}
	}
}

void lba_metrics(void *state, struct mx_out *o)
{
	if (o->full)
		return;
	struct lb_app *a = state;
	const struct lba_conf *c = atomic_load(&a->active);
	const struct lb_set *s = atomic_load(&a->set);
	svc_family(o, a, c, s, "sluice_lb_service_packets_total", "counter", "Packets of each service's flows, both ways (nat).", 0);
	svc_family(o, a, c, s, "sluice_lb_service_bytes_total", "counter", "Bytes of each service's flows.", 1);
	svc_family(o, a, c, s, "sluice_lb_service_flows_total", "counter", "New flows each service gave a backend.", 2);
	svc_family(o, a, c, s, "sluice_lb_service_dropped_total", "counter", "Packets of each service dropped (no backend, no room).", 3);
	be_family(o, a, c, s, "sluice_lb_backend_packets_total", "counter", "Packets each backend was sent (and, nat, sent back).", 0);
	be_family(o, a, c, s, "sluice_lb_backend_bytes_total", "counter", "Bytes each backend was sent.", 1);
	be_family(o, a, c, s, "sluice_lb_backend_flows_total", "counter", "New flows each backend was given.", 2);
	be_family(o, a, c, s, "sluice_lb_backend_up", "gauge", "1 when the backend takes new flows (state: up, drain, down).", 3);
	be_family(o, a, c, s, "sluice_lb_backend_checks_total", "counter", "Health checks of each backend.", 4);
	be_family(o, a, c, s, "sluice_lb_backend_check_failures_total", "counter", "Health checks each backend failed.", 5);
	mx_family(o, "sluice_lb_affinity_flows", "gauge", "Flows the dsr affinity table holds.");
	mx_sample(o, "sluice_lb_affinity_flows", NULL, a->lb.flows->live);
	mx_family(o, "sluice_lb_affinity_evicted_total", "counter", "Flows the affinity table dropped for room (they keep "
		  "their backend while the pool does not change).");
	mx_sample(o, "sluice_lb_affinity_evicted_total", NULL, a->lb.flows->c.evicted);
	mx_family(o, "sluice_lb_table_builds_total", "counter", "Maglev tables built again (config, weight, drain, health).");
	mx_sample(o, "sluice_lb_table_builds_total", NULL, a->set_builds);
	mx_family(o, "sluice_lb_encapsulated_total", "counter", "Packets sent to a backend in IP-in-IP or GUE.");
	mx_sample(o, "sluice_lb_encapsulated_total", NULL, a->lb.encapsulated);
	mx_family(o, "sluice_lb_too_big_told_total", "counter", "Senders of packets too big for a tunnel told its MTU "
		  "(ICMP fragmentation needed, packet too big).");
	mx_sample(o, "sluice_lb_too_big_told_total", NULL, a->too_big_told);
	mx_conntrack(o, a->ct);
	mx_fragments(o, a->rtr.frag);
	mx_router_answers(o, &a->rtr, 0);
}
