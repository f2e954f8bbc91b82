/* fw's answers to "show WHAT" on the control socket (apps/ctl.h), as text or as one JSON
 * document (--json):
 *
 *   rules [CHAIN]            the chains, their policies and rules with their handles
 *                            (as nft -a list ruleset)
 *   counters                 per rule with a counter (or a limit that held packets back):
 *                            packets, bytes; each chain's policy packets
 *   connections [limit N]    the connection table, N entries at most (1000), and its total
 *                            (every namespace's: ctl_show.h)
 *   interfaces               router: each interface, its port, VLAN, MAC, addresses and
 *                            counters (ctl_show.h); bridge: its two ports
 *   config                   the running config's document, rendered
 *   sets [NAME]              the sets, their kinds and sizes; NAME: its elements
 *
 * Counters are read from the running ruleset by rule index, which follows the document's
 * order (a reload compiles the document's rendering, rule after rule).
 */
#include "ctl.h"
#include "ctl_show.h"
#include "fw_app.h"
#include "fw_doc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const set_kinds[] = { "ipv4", "ipv6", "port" };

static const char *policy_name(enum fw_verdict v)
{
	return v == FW_DROP ? "drop" : "accept";
}

static int show_rules(const struct fw_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	const struct fwd_doc *d = a->doc;
	int only = -1;
	if (args->argc > 1 && (only = ctld_hook(fwd_hook_names, FW_HOOK__COUNT, args->argv[1], strlen(args->argv[1]))) < 0)
		return ctls_error(o, args, 1, "unknown chain '%s' (input, forward or output)", args->argv[1]);
	bool first = true;
	if (o->json)
		ctl_printf(o, "{\"chains\":[");
	for (unsigned i = 0; i < d->base.n_stmts; i++) {
		const struct ctld_stmt *it = &d->base.stmts[i];
		if (it->kind != CTLD_CHAIN || (only >= 0 && it->hook != only))
			continue;
		const struct ctld_chain *c = &d->chain[it->hook];
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
		for (unsigned i = 0; i < d->base.n_stmts; i++) {
			const struct ctld_stmt *it = &d->base.stmts[i];
			if (it->kind != CTLD_CHAIN || (only >= 0 && it->hook != only))
				continue;
			const struct ctld_chain *c = &d->chain[it->hook];
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
		if (d->chain[h].n != rs->cfg.chain[h].n_rules)
			return ctls_doc_differs(o);
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
		const struct ctld_chain *c = &d->chain[h];
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

static void mac_text(const uint8_t *m, char *buf, size_t len)
{
	if (!m) {
		snprintf(buf, len, "none");
		return;
	}
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int show_interfaces(const struct fw_app *a, struct ctl_out *o)
{
	const struct fwa_conf *c = atomic_load_explicit(&((struct fw_app *)a)->active, memory_order_acquire);
	if (o->json)
		ctl_printf(o, "{\"mode\":\"%s\",\"interfaces\":[", a->router ? "router" : "bridge");
	if (a->router) {
		ctls_router_ifaces(o, &c->rc, &a->rtr);
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
	struct ctld_text t = { 0 };
	if (fwd_render(a->doc, &t)) {
		ctld_text_free(&t);
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
	ctld_text_free(&t);
	ctl_ok(o, "%s", "");
	return 0;
}

static int show_sets(const struct fw_app *a, const struct ctl_args *args, struct ctl_out *o)
{
	const struct fwd_doc *d = a->doc;
	if (args->argc > 1) {
		const struct fwd_set *s = fwd_set_find(d, args->argv[1], strlen(args->argv[1]));
		if (!s)
			return ctls_error(o, args, 1, "no set named '%s'", args->argv[1]);
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
	for (unsigned i = 0; i < d->base.n_stmts; i++) {
		const struct fwd_set *s = fwd_stmt_set(&d->base.stmts[i]);
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
	if (w == 6)
		return ctls_error(o, args, 0, "unknown show '%s': rules, counters, connections, interfaces, config or sets",
				  what);
	if (w < 4 && !a->doc)
		return ctls_no_doc(o);
	if (w != 4 && args->argc > most[w])
		return ctls_error(o, args, most[w], "show %s takes %s, got '%s'", what,
				  most[w] == 1 ? "nothing more" : w ? "a set's name at most" : "one chain at most",
				  args->argv[most[w]]);
	switch (w) {
	case 0: return show_rules(a, args, o);
	case 1: return show_counters(a, o);
	case 2: return show_config(a, o);
	case 3: return show_sets(a, args, o);
	case 4: return ctls_connections(o, args, a->ct, a->last_tick_ms);
	default: return show_interfaces(a, o);
	}
}
