/* fw's answers to "show WHAT" on the control socket (apps/ctl.h), as text or as one JSON
 * document (--json):
 *
 *   rules [CHAIN]            the chains, their policies and rules with their handles
 *                            (as nft -a list ruleset)
 *   counters                 per rule with a counter (or a limit that held packets back):
 *                            packets, bytes; each chain's policy packets
 *   connections [limit N]    the connection table, N entries at most (1000), and its total
 *   interfaces               router: each interface, its port, VLAN, MAC, addresses and
 *                            counters; bridge: its two ports
 *   config                   the running config's document, rendered
 *   sets [NAME]              the sets, their kinds and sizes; NAME: its elements
 *
 * Counters are read from the running ruleset by rule index, which follows the document's
 * order (a reload compiles the document's rendering, rule after rule).
 */
#include "ctl.h"
#include "fw_app.h"
#include "fw_doc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_LIMIT_DEFAULT 1000
#define CONN_LIMIT_MAX 1000000

static const char *const set_kinds[] = { "ipv4", "ipv6", "port" };

static const char *policy_name(enum fw_verdict v)
{
	return v == FW_DROP ? "drop" : "accept";
}

/* An error at args' word i: "ctl:LINE:COL: ...". */
static int at(struct ctl_out *o, const struct ctl_args *args, int i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int at(struct ctl_out *o, const struct ctl_args *args, int i, const char *fmt, ...)
{
	char why[CTL_STATUS_MAX - 32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ctl_error(o, "ctl:%u:%u: %s", args->lineno, i < args->argc ? args->col[i] : 0, why);
	return -1;
}

static int no_doc(struct ctl_out *o)
{
	ctl_error(o, "the running config has no document (no memory to read it at the last load): reload to retry");
	return -1;
}

static int show_rules(const struct fw_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	const struct fwd_doc *d = a->doc;
	int only = -1;
	if (args->argc > 1 && (only = fwd_hook(args->argv[1], strlen(args->argv[1]))) < 0) {
		return at(o, args, 1, "unknown chain '%s' (input, forward or output)", args->argv[1]);
	}
	bool first = true;
	if (o->json)
		ctl_printf(o, "{\"chains\":[");
	for (unsigned i = 0; i < d->n_items; i++) {
		const struct fwd_item *it = &d->items[i];
		if (it->kind != FWD_CHAIN || (only >= 0 && it->hook != (enum fw_hook)only))
			continue;
		const struct fwd_chain *c = &d->chain[it->hook];
		if (o->json) {
			ctl_printf(o, "%s{\"chain\":\"%s\",\"policy\":\"%s\"}", first ? "" : ",", fwd_hook_names[it->hook],
				   policy_name(c->policy));
			first = false;
			continue;
		}
		ctl_printf(o, "chain %s policy %s {\n", fwd_hook_names[it->hook], policy_name(c->policy));
		for (unsigned k = 0; k < c->n; k++)
			ctl_printf(o, "\t%s # handle %llu\n", c->rules[k].text, (unsigned long long)c->rules[k].handle);
		ctl_printf(o, "}\n");
	}
	if (o->json) {
		ctl_printf(o, "],\"rules\":[");
		first = true;
		for (unsigned i = 0; i < d->n_items; i++) {
			const struct fwd_item *it = &d->items[i];
			if (it->kind != FWD_CHAIN || (only >= 0 && it->hook != (enum fw_hook)only))
				continue;
			const struct fwd_chain *c = &d->chain[it->hook];
			for (unsigned k = 0; k < c->n; k++) {
				ctl_printf(o, "%s{\"chain\":\"%s\",\"handle\":%llu,\"rule\":", first ? "" : ",",
					   fwd_hook_names[it->hook], (unsigned long long)c->rules[k].handle);
				ctl_json_str(o, c->rules[k].text);
				ctl_printf(o, "}");
				first = false;
			}
		}
		ctl_printf(o, "]}\n");
	}
	ctl_ok(o, "%s", "");
	return 0;
}

static int show_counters(const struct fw_app *a, struct ctl_out *o)
{
	const struct fwd_doc *d = a->doc;
	const struct fw_ruleset *rs = atomic_load_explicit(&((struct fw_app *)a)->active, memory_order_acquire)->rs;
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
		if (d->chain[h].n != rs->cfg.chain[h].n_rules) {
			ctl_error(o, "the running rules and their document differ: reload to read them again");
			return -1;
		}
	bool first = true;
	if (o->json)
		ctl_printf(o, "{\"policies\":[");
	for (unsigned h = 0; h < FW_HOOK__COUNT && o->json; h++)
		if (d->chain[h].declared) {
			ctl_printf(o, "%s{\"chain\":\"%s\",\"policy\":\"%s\",\"packets\":%llu}", first ? "" : ",",
				   fwd_hook_names[h], policy_name(d->chain[h].policy), (unsigned long long)rs->policy_pkts[h]);
			first = false;
		}
	if (o->json)
		ctl_printf(o, "],\"counters\":[");
	first = true;
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		const struct fwd_chain *c = &d->chain[h];
		if (!c->declared)
			continue;
		if (!o->json)
			ctl_printf(o, "chain %s policy %s: %llu packets\n", fwd_hook_names[h], policy_name(c->policy),
				   (unsigned long long)rs->policy_pkts[h]);
		for (unsigned k = 0; k < c->n; k++) {
			const struct fw_rule_state *st = &rs->state[h][k];
			if (!rs->cfg.chain[h].rules[k].counter && !st->limited)
				continue;
			if (!o->json) {
				ctl_printf(o, "\thandle %llu: %llu packets, %llu bytes", (unsigned long long)c->rules[k].handle,
					   (unsigned long long)st->pkts, (unsigned long long)st->bytes);
				if (st->limited)
					ctl_printf(o, ", %llu over its limit", (unsigned long long)st->limited);
				ctl_printf(o, ": %s\n", c->rules[k].text);
				continue;
			}
			ctl_printf(o, "%s{\"chain\":\"%s\",\"handle\":%llu,\"rule\":", first ? "" : ",", fwd_hook_names[h],
				   (unsigned long long)c->rules[k].handle);
			ctl_json_str(o, c->rules[k].text);
			ctl_printf(o, ",\"packets\":%llu,\"bytes\":%llu,\"over_limit\":%llu}", (unsigned long long)st->pkts,
				   (unsigned long long)st->bytes, (unsigned long long)st->limited);
			first = false;
		}
	}
	if (o->json)
		ctl_printf(o, "]}\n");
	ctl_ok(o, "%s", "");
	return 0;
}

struct conn_walk {
	struct ctl_out *o;
	uint64_t now;
	unsigned limit, shown, total;
};

static void addr_text(const uint8_t *a, unsigned family, char *buf, size_t len)
{
	struct cf_prefix p = { .family = (uint8_t)family, .len = family == 4 ? 32 : 128 };
	memcpy(p.addr, a, family == 4 ? 4 : 16);
	fwd_prefix_text(&p, false, buf, len);
}

static void one_conn(void *arg, const struct ct_entry *e)
{
	struct conn_walk *cw = arg;
	if (cw->total++ >= cw->limit)
		return;
	const struct pkt_flow_key *k = &e->key;
	char src[48], dst[48], proto[8];
	addr_text(k->src, k->family, src, sizeof(src));
	addr_text(k->dst, k->family, dst, sizeof(dst));
	static const char *const names[] = { [1] = "icmp", [6] = "tcp", [17] = "udp", [58] = "icmpv6" };
	if (k->proto < sizeof(names) / sizeof(names[0]) && names[k->proto])
		snprintf(proto, sizeof(proto), "%s", names[k->proto]);
	else
		snprintf(proto, sizeof(proto), "%u", k->proto);
	const char *state = k->proto == 6 && e->proto_state < CT_TCP__COUNT ? ct_tcp_state_names[e->proto_state] : "";
	unsigned long long expires = e->expires > cw->now ? (e->expires - cw->now) / 1000 : 0;
	bool reply = e->flags & CT_F_SEEN_REPLY, assured = e->flags & CT_F_ASSURED;
	struct ctl_out *o = cw->o;
	if (o->json) {
		ctl_printf(o, "%s{\"family\":%u,\"proto\":\"%s\",\"state\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\","
			   "\"sport\":%u,\"dport\":%u,\"vlan\":%u,\"seen_reply\":%s,\"assured\":%s,\"expires\":%llu}",
			   cw->shown ? "," : "", k->family, proto, state, src, dst, k->sport, k->dport, k->vlan,
			   reply ? "true" : "false", assured ? "true" : "false", expires);
	} else {
		ctl_printf(o, "%s%s%s src=%s dst=%s sport=%u dport=%u", proto, *state ? " " : "", state, src, dst, k->sport,
			   k->dport);
		if (k->vlan)
			ctl_printf(o, " vlan=%u", k->vlan);
		ctl_printf(o, "%s%s expires in %llus\n", reply ? "" : " [UNREPLIED]", assured ? " [ASSURED]" : "", expires);
	}
	cw->shown++;
}

static int show_connections(const struct fw_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	struct conn_walk cw = { .o = o, .now = a->last_tick_ms, .limit = CONN_LIMIT_DEFAULT };
	if (args->argc > 1) {
		const char *n = args->argc > 2 ? args->argv[2] : "";
		unsigned long long v = 0;
		bool ok = !strcmp(args->argv[1], "limit") && *n && strlen(n) <= 7 && args->argc == 3;
		for (const char *p = n; ok && *p; p++) {
			ok = *p >= '0' && *p <= '9';
			v = v * 10 + (unsigned long long)(*p - '0');
		}
		if (!ok || v > CONN_LIMIT_MAX) {
			return at(o, args, 1, "expected 'limit N' (at most %u connections), got '%s%s%s'", CONN_LIMIT_MAX,
				  args->argv[1], *n ? " " : "", n);
		}
		cw.limit = (unsigned)v;
	}
	if (o->json)
		ctl_printf(o, "{\"connections\":[");
	ct_foreach(a->ct, one_conn, &cw);
	if (o->json)
		ctl_printf(o, "],\"shown\":%u,\"total\":%u}\n", cw.shown, cw.total);
	else
		ctl_printf(o, "%u connection%s, %u shown\n", cw.total, cw.total == 1 ? "" : "s", cw.shown);
	ctl_ok(o, "%u connection%s", cw.total, cw.total == 1 ? "" : "s");
	return 0;
}

static void mac_text(const uint8_t *m, char *buf, size_t len)
{
	if (!m) {
		snprintf(buf, len, "none");
		return;
	}
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void router_interfaces(const struct fw_app *a, const struct fwa_conf *c, struct ctl_out *o)
{
	for (unsigned i = 0; i < c->rc.n_iface; i++) {
		const struct rtr_iface *f = &c->rc.ifc[i];
		const struct rtr_if_stats *s = &a->rtr.ifs[f->stats];
		char mac[24], addr[64];
		mac_text(f->mac, mac, sizeof(mac));
		if (o->json) {
			ctl_printf(o, "%s{\"name\":", i ? "," : "");
			ctl_json_str(o, f->cfg->name);
			ctl_printf(o, ",\"port\":%u,\"vlan\":%u,\"mac\":\"%s\",\"mtu\":%u,\"addresses\":[", f->port, f->vlan, mac,
				   f->cfg->mtu);
		} else {
			ctl_printf(o, "interface %s: port %u", f->cfg->name, f->port);
			if (f->vlan)
				ctl_printf(o, " vlan %u", f->vlan);
			ctl_printf(o, " mac %s mtu %u", mac, f->cfg->mtu);
		}
		for (unsigned k = 0; k < f->cfg->n_addr; k++) {
			fwd_prefix_text(&f->cfg->addr[k], true, addr, sizeof(addr));
			ctl_printf(o, o->json ? "%s\"%s\"" : "%s%s", o->json ? (k ? "," : "") : " address ", addr);
		}
		if (o->json)
			ctl_printf(o, "],\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu}",
				   (unsigned long long)s->rx_pkts, (unsigned long long)s->rx_bytes,
				   (unsigned long long)s->tx_pkts, (unsigned long long)s->tx_bytes);
		else
			ctl_printf(o, ": rx %llu packets %llu bytes, tx %llu packets %llu bytes\n",
				   (unsigned long long)s->rx_pkts, (unsigned long long)s->rx_bytes,
				   (unsigned long long)s->tx_pkts, (unsigned long long)s->tx_bytes);
	}
}

static int show_interfaces(const struct fw_app *a, struct ctl_out *o)
{
	const struct fwa_conf *c = atomic_load_explicit(&((struct fw_app *)a)->active, memory_order_acquire);
	if (o->json)
		ctl_printf(o, "{\"mode\":\"%s\",\"interfaces\":[", a->router ? "router" : "bridge");
	if (a->router) {
		router_interfaces(a, c, o);
	} else {
		const struct cf_config *cfg = &c->rs->cfg.cf;
		for (unsigned p = 0; p < 2 && p < a->n_ports; p++) {
			const char *name = p < cfg->n_iface ? cfg->iface[p].name : "";
			char mac[24];
			mac_text(a->port_mac[p], mac, sizeof(mac));
			if (o->json) {
				ctl_printf(o, "%s{\"name\":", p ? "," : "");
				ctl_json_str(o, name);
				ctl_printf(o, ",\"port\":%u,\"mac\":\"%s\"}", p, mac);
			} else {
				ctl_printf(o, "bridge port %u%s%s mac %s\n", p, *name ? " interface " : "", name, mac);
			}
		}
	}
	if (o->json)
		ctl_printf(o, "]}\n");
	ctl_ok(o, "%s", a->router ? "router" : "bridge");
	return 0;
}

static int show_config(const struct fw_app *a, struct ctl_out *o)
{
	struct fwd_text t = { 0 };
	if (fwd_render(a->doc, &t)) {
		fwd_text_free(&t);
		ctl_error(o, "out of memory");
		return -1;
	}
	if (o->json) {
		ctl_printf(o, "{\"config\":");
		ctl_json_str(o, t.s);
		ctl_printf(o, "}\n");
	} else {
		ctl_write(o, t.s, t.len);
	}
	fwd_text_free(&t);
	ctl_ok(o, "%s", "");
	return 0;
}

static int show_sets(const struct fw_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	const struct fwd_doc *d = a->doc;
	if (args->argc > 1) {
		const struct fwd_set *s = fwd_set_find(d, args->argv[1], strlen(args->argv[1]));
		if (!s) {
			return at(o, args, 1, "no set named '%s'", args->argv[1]);
		}
		if (o->json) {
			ctl_printf(o, "{\"set\":");
			ctl_json_str(o, s->name);
			ctl_printf(o, ",\"kind\":\"%s\",\"elements\":[", set_kinds[s->kind]);
		}
		for (unsigned k = 0; k < s->n; k++)
			ctl_printf(o, o->json ? "%s\"%s\"" : "%s%s\n", o->json && k ? "," : "", s->elems[k].text);
		if (o->json)
			ctl_printf(o, "]}\n");
		ctl_ok(o, "set %s %s: %u element%s", s->name, set_kinds[s->kind], s->n, s->n == 1 ? "" : "s");
		return 0;
	}
	bool first = true;
	if (o->json)
		ctl_printf(o, "{\"sets\":[");
	for (unsigned i = 0; i < d->n_items; i++) {
		const struct fwd_set *s = d->items[i].set;
		if (!s)
			continue;
		if (o->json) {
			ctl_printf(o, "%s{\"name\":", first ? "" : ",");
			ctl_json_str(o, s->name);
			ctl_printf(o, ",\"kind\":\"%s\",\"elements\":%u}", set_kinds[s->kind], s->n);
		} else {
			ctl_printf(o, "set %s %s: %u element%s\n", s->name, set_kinds[s->kind], s->n, s->n == 1 ? "" : "s");
		}
		first = false;
	}
	if (o->json)
		ctl_printf(o, "]}\n");
	ctl_ok(o, "%s", "");
	return 0;
}

int fwc_show(void *app, const struct ctl_args *args, struct ctl_out *o)
{
	static const char *const whats[] = { "rules", "counters", "config", "sets", "connections", "interfaces" };
	static const int most[] = { 2, 1, 1, 2, 3, 1 };        /* words, WHAT included */
	const struct fw_app *a = app;
	const char *what = args->argc ? args->argv[0] : "";
	unsigned w = 0;
	while (w < 6 && strcmp(what, whats[w]))
		w++;
	if (w == 6) {
		return at(o, args, 0, "unknown show '%s': rules, counters, connections, interfaces, config or sets", what);
	}
	if (w < 4 && !a->doc)
		return no_doc(o);
	if (w != 4 && args->argc > most[w]) {
		return at(o, args, most[w], "show %s takes %s, got '%s'", what,
			  most[w] == 1 ? "nothing more" : w ? "a set's name at most" : "one chain at most", args->argv[most[w]]);
	}
	switch (w) {
	case 0: return show_rules(a, args, o);
	case 1: return show_counters(a, o);
	case 2: return show_config(a, o);
	case 3: return show_sets(a, args, o);
	case 4: return show_connections(a, args, o);
	default: return show_interfaces(a, o);
	}
}
