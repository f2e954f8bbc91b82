/* The nat appliance's Prometheus metrics (metrics.h): the NAT's own families, then those it
 * shares with fw (mx_engines.h): the firewall's counted rules when the config declares
 * firewall chains, the connection table, the fragments and the router's answers.
 *
 *   sluice_nat_sessions                         gauge: translated connections now
 *   sluice_nat_mappings, sluice_nat_hosts       gauges: mappings, inside hosts with one
 *   sluice_nat_mappings_total{event}            created, freed
 *   sluice_nat_translated_packets_total{direction}   out, in
 *   sluice_nat_connections_total{kind}          snat, dnat, inbound, hairpin
 *   sluice_nat_released_total                   translated connections conntrack let go
 *   sluice_nat_icmp_errors_total                ICMP errors translated with their quote
 *   sluice_nat_drops_total{reason}              invalid, no_mapping, filtered, no_port, ...
 *   sluice_nat_rule_hits_total{chain,rule,line} connections each NAT rule decided
 *
 * The engine keeps no count of the translated connections: sluice_nat_sessions is a walk of
 * the connection table, made at most once a second (a scrape's chunks within that second
 * read the same count). The pools' ports in use are not exported: the map keeps them as
 * bitmaps it does not count, and a count over the mappings at every scrape would cost a
 * walk of them all.
 */
#include "nat_app.h"

#include "metrics.h"
#include "mx_engines.h"

#include <stdatomic.h>
#include <string.h>

#define SESSIONS_EVERY_MS 1000

static void count_nat(void *arg, const struct ct_entry *e)
{
	*(uint32_t *)arg += (e->flags & CT_F_NAT) != 0;
}

static uint32_t sessions(struct nat_app *a)
{
	uint64_t now = a->last_tick_ms;
	if (!a->mx_sessions.ok || now - a->mx_sessions.at_ms >= SESSIONS_EVERY_MS || now < a->mx_sessions.at_ms) {
		uint32_t n = 0;
		ct_foreach(a->ct, count_nat, &n);
		a->mx_sessions.n = n;
		a->mx_sessions.at_ms = now;
		a->mx_sessions.ok = true;
	}
	return a->mx_sessions.n;
}

static void one(struct mx_out *o, const char *name, const char *type, const char *help, uint64_t v)
{
	mx_family(o, name, type, help);
	mx_sample(o, name, NULL, v);
}

static void labelled(struct mx_out *o, const char *name, const char *key, const char *value, uint64_t v)
{
	char labels[64] = "";
	mx_label(labels, sizeof(labels), key, value);
	mx_sample(o, name, labels, v);
}

static void nat_families(struct mx_out *o, struct nat_app *a, const struct nata_conf *c)
{
	const struct nat_counters *k = &a->nat.cnt;
	const struct nat_map_counters *m = nat_map_counters(a->nat.map);
	mx_family(o, "sluice_nat_sessions", "gauge", "Translated connections in the connection table.");
	mx_sample(o, "sluice_nat_sessions", NULL, mx_wanted(o) ? sessions(a) : 0);
	one(o, "sluice_nat_mappings", "gauge", "Endpoint-independent mappings.", m->mappings);
	one(o, "sluice_nat_hosts", "gauge", "Inside hosts with a mapping.", m->hosts);
	mx_family(o, "sluice_nat_mappings_total", "counter", "Mappings, by what became of them.");
	labelled(o, "sluice_nat_mappings_total", "event", "created", m->mappings_created);
	labelled(o, "sluice_nat_mappings_total", "event", "freed", m->mappings_freed);
	mx_family(o, "sluice_nat_translated_packets_total", "counter",
		  "Packets translated: leaving (the opener's direction), coming back.");
	labelled(o, "sluice_nat_translated_packets_total", "direction", "out", k->out_translated);
	labelled(o, "sluice_nat_translated_packets_total", "direction", "in", k->in_translated);
	mx_family(o, "sluice_nat_connections_total", "counter",
		  "Translated connections: source translated, destination translated, in through a mapping, "
		  "hairpinned (one connection may count under several kinds).");
	labelled(o, "sluice_nat_connections_total", "kind", "snat", k->snat);
	labelled(o, "sluice_nat_connections_total", "kind", "dnat", k->dnat);
	labelled(o, "sluice_nat_connections_total", "kind", "inbound", k->inbound);
	labelled(o, "sluice_nat_connections_total", "kind", "hairpin", k->hairpin);
	one(o, "sluice_nat_released_total", "counter", "Translated connections conntrack let go.", k->released);
	one(o, "sluice_nat_icmp_errors_total", "counter", "ICMP errors translated with the packet they quote.",
	    k->icmp_errors);
	mx_family(o, "sluice_nat_drops_total", "counter", "Packets the NAT dropped, by reason.");
	for (unsigned i = 1; i < NAT_R__COUNT; i++) {
		const char *r = nat_reason_names[i];
		labelled(o, "sluice_nat_drops_total", "reason", strncmp(r, "nat_", 4) ? r : r + 4, k->drops[i]);
	}
	static const char *const chains[NAT_HOOK__COUNT] = { "prerouting", "postrouting" };
	mx_family(o, "sluice_nat_rule_hits_total", "counter", "New connections each NAT rule decided (the first that matched).");
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++) {
		unsigned n = c->nat.n_rule[h];
		for (unsigned r = (unsigned)mx_skip(o, n); r < n && !o->full; r++) {
			if (!mx_wanted(o)) {
				mx_sample(o, "sluice_nat_rule_hits_total", NULL, 0);
				continue;
			}
			char labels[96] = "";
			mx_label(labels, sizeof(labels), "chain", chains[h]);
			mx_label_u(labels, sizeof(labels), "rule", r);
			mx_label_u(labels, sizeof(labels), "line", c->nat.rule[h][r].line);
			mx_sample(o, "sluice_nat_rule_hits_total", labels, a->nat.hits[h][r]);
		}
	}
}

void nata_metrics(void *state, struct mx_out *o)
{
	if (o->full)
		return;
	struct nat_app *a = state;
	const struct nata_conf *c = atomic_load(&a->active);
	nat_families(o, a, c);
	if (c->filtering)
		mx_fw_rules(o, c->rs);
	mx_conntrack(o, a->ct);
	mx_fragments(o, a->rtr.frag);
	mx_router_answers(o, &a->rtr, a->rejected);
}
