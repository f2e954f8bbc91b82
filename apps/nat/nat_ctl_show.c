/* The nat appliance's answers to "show WHAT" on the control socket (apps/ctl.h), as text or
 * as one JSON document (--json); docs/CONTROL.md lists their fields:
 *
 *   nat sessions [limit N]   the translated connections: inside, outside and remote
 *                            endpoints, kind, state, expiry (1000 unless told)
 *   nat mappings [limit N]   the endpoint-independent mappings (1000 unless told)
 *   nat counters             the engine's counters, drops by reason
 *   nat rules [CHAIN]        the NAT chains: rules with handles, hit counts and pools
 *   connections [limit N]    the connection table, each translation's reply key
 *   interfaces               the router's interfaces, their addresses and counters
 *                            (connections and interfaces: every namespace's, ctl_show.h)
 *   config                   the running config's text, as it was loaded
 *
 * The listings walk the connection table (or the mappings) once, on the worker between
 * bursts: their output is bounded by the limit (and CTL_ANSWER_MAX), the walk by the
 * table's size. Nothing here is kept but what the engine keeps: connections carry no
 * packet or byte counts.
 */
#include "nat_ctl_int.h"

#include "ctl_show.h"
#include "pkt_addr.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const filter_names[] = { "endpoint-independent", "address-dependent",
					    "address-and-port-dependent" };
static const char *const map_protos[NAT_PROTO__COUNT] = { "tcp", "udp", "icmp" };

static const struct nata_conf *running(const struct nat_app *a)
{
	return atomic_load_explicit(&((struct nat_app *)a)->active, memory_order_acquire);
}

static void ip4_host(uint32_t v, char *buf, size_t len)
{
	uint8_t a[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	ctls_addr(a, 4, buf, len);
}

void natc_endpoint(const uint8_t a[4], bool port_on, uint16_t port, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	pkt_addr_put_ip4(buf, len, &n, a);
	if (port_on) {
		pkt_addr_put(buf, len, &n, ":");
		pkt_addr_put_uint(buf, len, &n, port);
	}
}

/* ---- nat sessions ---------------------------------------------------------------------- */

static void one_session(void *arg, const struct ct_entry *e)
{
	struct ctls_list *w = arg;
	if (!(e->flags & CT_F_NAT) || !ctls_list_take(w))
		return;
	struct ct_nat_tuple r;
	ct_nat_reply(e, &r);
	const struct pkt_flow_key *k = &e->key;
	bool ports = k->proto == 6 || k->proto == 17, icmp = k->proto == 1;
	char pn[8], in[24], out[24], rem[24], to[24];
	natc_endpoint(k->src, ports || icmp, k->sport, in, sizeof(in));
	natc_endpoint(r.dst, ports || icmp, r.dport, out, sizeof(out));
	natc_endpoint(k->dst, ports, k->dport, rem, sizeof(rem));
	natc_endpoint(r.src, ports, r.sport, to, sizeof(to));
	bool snat = memcmp(k->src, r.dst, 4) || ((ports || icmp) && k->sport != r.dport);
	bool dnat = memcmp(k->dst, r.src, 4) || (ports && k->dport != r.sport);
	const char *kind = snat && dnat ? "both" : dnat ? "dnat" : "snat";
	const char *proto = ctls_proto(k->proto, pn, sizeof(pn));
	const char *state = k->proto == 6 && e->proto_state < CT_TCP__COUNT ? ct_tcp_state_names[e->proto_state] : proto;
	bool reply = e->flags & CT_F_SEEN_REPLY, assured = e->flags & CT_F_ASSURED;
	unsigned long long exp = e->expires > w->now ? (e->expires - w->now) / 1000 : 0;
	struct ctl_out *o = w->o;
	if (o->json) {
		ctl_printf(o, "%s{\"proto\":\"%s\",\"kind\":\"%s\",\"inside\":\"%s\",\"outside\":\"%s\",\"remote\":\"%s\","
			   "\"translated_remote\":\"%s\",\"state\":\"%s\",\"seen_reply\":%s,\"assured\":%s,\"expires_in\":%llu}",
			   w->shown ? "," : "", proto, kind, in, out, rem, to, state, reply ? "true" : "false",
			   assured ? "true" : "false", exp);
	} else {
		ctl_printf(o, "%s %s inside %s outside %s remote %s", proto, state, in, out, rem);
		if (dnat)
			ctl_printf(o, " -> %s", to);
		ctl_printf(o, " %s%s%s expires in %llus\n", kind, reply ? "" : " [UNREPLIED]", assured ? " [ASSURED]" : "",
			   exp);
	}
	w->shown++;
}

static int show_sessions(const struct nat_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	struct ctls_list w;
	if (ctls_list_begin(&w, o, args, 2, "sessions", a->last_tick_ms))
		return -1;
	ct_foreach(a->ct, one_session, &w);
	ctls_list_end(&w, "session", false);
	return 0;
}

/* ---- nat mappings ---------------------------------------------------------------------- */

static void one_mapping(void *arg, const struct nat_mapping *mp)
{
	struct ctls_list *w = arg;
	if (!ctls_list_take(w))
		return;
	uint8_t ia[4] = { (uint8_t)(mp->in_addr >> 24), (uint8_t)(mp->in_addr >> 16), (uint8_t)(mp->in_addr >> 8),
			  (uint8_t)mp->in_addr };
	uint8_t oa[4] = { (uint8_t)(mp->out_addr >> 24), (uint8_t)(mp->out_addr >> 16), (uint8_t)(mp->out_addr >> 8),
			  (uint8_t)mp->out_addr };
	char in[24], out[24];
	natc_endpoint(ia, true, mp->in_port, in, sizeof(in));
	natc_endpoint(oa, true, mp->out_port, out, sizeof(out));
	const char *proto = mp->proto < NAT_PROTO__COUNT ? map_protos[mp->proto] : "?";
	unsigned long long now_s = w->now / 1000, age = now_s > mp->created_s ? now_s - mp->created_s : 0;
	if (w->o->json)
		ctl_printf(w->o, "%s{\"proto\":\"%s\",\"inside\":\"%s\",\"outside\":\"%s\",\"pool\":%u,\"sessions\":%u,"
			   "\"age\":%llu}", w->shown ? "," : "", proto, in, out, mp->pool, mp->sessions, age);
	else
		ctl_printf(w->o, "%s inside %s outside %s pool %u sessions %u age %llus\n", proto, in, out, mp->pool,
			   mp->sessions, age);
	w->shown++;
}

static int show_mappings(const struct nat_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	struct ctls_list w;
	if (ctls_list_begin(&w, o, args, 2, "mappings", a->last_tick_ms))
		return -1;
	nat_map_foreach(a->nat.map, one_mapping, &w);
	ctls_list_end(&w, "mapping", false);
	return 0;
}

/* ---- nat counters ---------------------------------------------------------------------- */

/* A drop reason without the stage's "nat_" prefix. */
static const char *reason(unsigned r)
{
	const char *s = nat_reason_names[r];
	return strncmp(s, "nat_", 4) ? s : s + 4;
}

static int show_counters(const struct nat_app *a, struct ctl_out *o)
{
	const struct nat_counters *k = &a->nat.cnt;
	const struct nat_map_counters *m = nat_map_counters(a->nat.map);
	if (o->json) {
		ctl_printf(o, "{\"connections\":{\"snat\":%llu,\"dnat\":%llu,\"inbound\":%llu,\"hairpin\":%llu,\"released\":%llu},"
			   "\"packets\":{\"out\":%llu,\"in\":%llu},\"icmp_errors\":%llu,"
			   "\"mappings\":{\"now\":%u,\"hosts\":%u,\"created\":%llu,\"freed\":%llu,\"sessions\":%llu},\"drops\":{",
			   (unsigned long long)k->snat, (unsigned long long)k->dnat, (unsigned long long)k->inbound,
			   (unsigned long long)k->hairpin, (unsigned long long)k->released,
			   (unsigned long long)k->out_translated, (unsigned long long)k->in_translated,
			   (unsigned long long)k->icmp_errors, m->mappings, m->hosts, (unsigned long long)m->mappings_created,
			   (unsigned long long)m->mappings_freed, (unsigned long long)m->sessions);
		for (unsigned i = 1; i < NAT_R__COUNT; i++)
			ctl_printf(o, "%s\"%s\":%llu", i > 1 ? "," : "", reason(i), (unsigned long long)k->drops[i]);
		ctl_printf(o, "}}\n");
	} else {
		ctl_printf(o, "connections: %llu snat, %llu dnat, %llu inbound, %llu hairpinned, %llu released\n",
			   (unsigned long long)k->snat, (unsigned long long)k->dnat, (unsigned long long)k->inbound,
			   (unsigned long long)k->hairpin, (unsigned long long)k->released);
		ctl_printf(o, "packets translated: %llu out, %llu in; %llu ICMP errors with their quote\n",
			   (unsigned long long)k->out_translated, (unsigned long long)k->in_translated,
			   (unsigned long long)k->icmp_errors);
		ctl_printf(o, "mappings: %u now, %u inside hosts; %llu made, %llu freed, %llu sessions opened\n", m->mappings,
			   m->hosts, (unsigned long long)m->mappings_created, (unsigned long long)m->mappings_freed,
			   (unsigned long long)m->sessions);
		for (unsigned i = 1; i < NAT_R__COUNT; i++)
			ctl_printf(o, "dropped %s: %llu\n", reason(i), (unsigned long long)k->drops[i]);
	}
	ctl_ok(o, "%s", "");
	return 0;
}

/* ---- nat rules ------------------------------------------------------------------------- */

/* A pool as text: "ADDR[-ADDR] ports LO-HI FILTER[ deterministic block N]" (its parts in
 * the arguments too, for JSON). */
static void pool_parts(const struct nat_pool *p, char *addrs, size_t alen, char *ports, size_t plen)
{
	uint32_t lo = p->det_on ? p->det.out_lo : p->addr_lo, hi = p->det_on ? p->det.out_hi : p->addr_hi;
	char a[16], b[16];
	ip4_host(lo, a, sizeof(a));
	ip4_host(hi, b, sizeof(b));
	if (lo == hi)
		snprintf(addrs, alen, "%s", a);
	else
		snprintf(addrs, alen, "%s-%s", a, b);
	snprintf(ports, plen, "%u-%u", p->det_on ? p->det.port_lo : p->port_lo, p->det_on ? p->det.port_hi : p->port_hi);
}

static void rule_line(struct ctl_out *o, const struct nata_conf *c, const struct nat *n, unsigned h, unsigned i,
		      const struct ctld_rule *r, bool first)
{
	const struct nat_rule *nr = &c->nat.rule[h][i];
	const struct nat_pool *p = nr->action == NAT_A_SNAT || nr->action == NAT_A_MASQUERADE ? &c->nat.pool[nr->pool] : NULL;
	char addrs[40] = "", ports[16] = "";
	if (p)
		pool_parts(p, addrs, sizeof(addrs), ports, sizeof(ports));
	const char *filter = p && p->filter < 3 ? filter_names[p->filter] : "";
	if (o->json) {
		ctl_printf(o, "%s{\"chain\":\"%s\",\"handle\":%llu,\"rule\":", first ? "" : ",", natd_hook_names[h],
			   (unsigned long long)r->handle);
		ctl_json_str(o, r->text);
		ctl_printf(o, ",\"hits\":%llu", (unsigned long long)n->hits[h][i]);
		if (p) {
			ctl_printf(o, ",\"pool\":{\"id\":%u,\"addresses\":\"%s\",\"ports\":\"%s\",\"filter\":\"%s\"", p->id, addrs,
				   ports, filter);
			if (p->det_on)
				ctl_printf(o, ",\"deterministic\":{\"block\":%u}", p->det.block);
			ctl_printf(o, "}");
		}
		ctl_printf(o, "}");
		return;
	}
	ctl_printf(o, "\t%s # handle %llu # hits %llu", r->text, (unsigned long long)r->handle,
		   (unsigned long long)n->hits[h][i]);
	if (p) {
		ctl_printf(o, " # pool %u: %s ports %s %s", p->id, addrs, ports, filter);
		if (p->det_on)
			ctl_printf(o, " deterministic block %u", p->det.block);
	}
	ctl_printf(o, "\n");
}

static int show_rules(const struct nat_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	const struct natd_doc *d = a->doc;
	const struct nata_conf *c = running(a);
	int only = -1;
	if (args->argc > 2 &&
	    (only = ctld_hook(natd_hook_names, NAT_HOOK__COUNT, args->argv[2], strlen(args->argv[2]))) < 0)
		return ctls_error(o, args, 2, "unknown chain '%s' (prerouting or postrouting)", args->argv[2]);
	if (args->argc > 3)
		return ctls_error(o, args, 3, "show nat rules takes one chain at most, got '%s'", args->argv[3]);
	if (!d)
		return ctls_no_doc(o);
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++)
		if (d->chain[h].n != c->nat.n_rule[h])
			return ctls_doc_differs(o);
	if (o->json)
		ctl_printf(o, "{\"chains\":[");
	bool first = true;
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++) {
		const struct ctld_chain *ch = &d->chain[h];
		if (!ch->declared || (only >= 0 && (unsigned)only != h))
			continue;
		if (o->json) {
			ctl_printf(o, "%s{\"chain\":\"%s\",\"rules\":%u}", first ? "" : ",", natd_hook_names[h], ch->n);
			first = false;
			continue;
		}
		ctl_printf(o, "chain %s {\n", natd_hook_names[h]);
		for (unsigned i = 0; i < ch->n; i++)
			rule_line(o, c, &a->nat, h, i, &ch->rules[i], false);
		ctl_printf(o, "}\n");
	}
	if (o->json) {
		ctl_printf(o, "],\"rules\":[");
		first = true;
		for (unsigned h = 0; h < NAT_HOOK__COUNT; h++) {
			const struct ctld_chain *ch = &d->chain[h];
			if (!ch->declared || (only >= 0 && (unsigned)only != h))
				continue;
			for (unsigned i = 0; i < ch->n; i++, first = false)
				rule_line(o, c, &a->nat, h, i, &ch->rules[i], first);
		}
		ctl_printf(o, "]}\n");
	}
	ctl_ok(o, "%s", "");
	return 0;
}

static int show_nat(const struct nat_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	static const char *const whats[] = { "sessions", "mappings", "counters", "rules" };
	const char *what = args->argc > 1 ? args->argv[1] : NULL;
	unsigned w = 0;
	while (what && w < 4 && strcmp(what, whats[w]))
		w++;
	if (!what || w == 4)
		return what ? ctls_error(o, args, 1, "unknown show nat '%s': sessions, mappings, counters or rules", what)
			    : ctls_error(o, args, 1, "show nat what? sessions, mappings, counters or rules");
	switch (w) {
	case 0: return show_sessions(a, args, o);
	case 1: return show_mappings(a, args, o);
	case 2: return args->argc > 2 ? ctls_error(o, args, 2, "show nat counters takes nothing more, got '%s'",
						   args->argv[2])
				      : show_counters(a, o);
	default: return show_rules(a, args, o);
	}
}

/* ---- interfaces, config ------------------------------------------------------------------ */

static int show_interfaces(const struct nat_app *a, struct ctl_out *o)
{
	const struct nata_conf *c = running(a);
	if (o->json)
		ctl_printf(o, "{\"mode\":\"router\",\"interfaces\":[");
	ctls_router_ifaces(o, &c->rc, &a->rtr);
	if (o->json)
		ctl_printf(o, "]}\n");
	ctl_ok(o, "router");
	return 0;
}

static int show_config(const struct nat_app *a, struct ctl_out *o)
{
	const struct nata_conf *c = running(a);
	ctls_config(o, c->name, c->text, c->text_len);
	return 0;
}

int natc_show(void *app, const struct ctl_args *args, struct ctl_out *o)
{
	const struct nat_app *a = app;
	const char *what = args->argc ? args->argv[0] : "";
	if (!strcmp(what, "nat"))
		return show_nat(a, args, o);
	if (!strcmp(what, "connections"))
		return ctls_connections(o, args, a->ct, a->last_tick_ms);
	bool ifs = !strcmp(what, "interfaces"), conf = !strcmp(what, "config");
	if (!ifs && !conf)
		return ctls_error(o, args, 0, "unknown show '%s': nat sessions|mappings|counters|rules, connections, "
				  "interfaces or config", what);
	if (args->argc > 1)
		return ctls_error(o, args, 1, "show %s takes nothing more, got '%s'", what, args->argv[1]);
	return ifs ? show_interfaces(a, o) : show_config(a, o);
}
