/* nat: the NAT44 appliance. A router between its ports (router/router.h: each port an
 * interface with its addresses, static routes, ARP and neighbour discovery) with the NAT
 * engine (nat/nat.h) at its prerouting and postrouting hooks, and, when its config
 * declares firewall chains, the stateful firewall at its input, forward and output hooks:
 * one config in the rule language holds them all (docs/NAT.md, docs/RULES.md).
 *
 * A new config (reload, a commit over the control socket) is built off to the side and
 * swapped in with one atomic store between bursts; the old one is freed once every worker
 * has passed a burst boundary since (pkt_epoch.h). The connection table (and with it every
 * translated connection), the mappings and the neighbour cache survive it.
 */
#include "nat_app.h"

#include "app_conf.h"
#include "plat.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POOL_ADDRS 1024       /* outside addresses the pools may hold (24 KiB of port state each) */

#define NATA_NAME(id, str) str,
#define NATA_PARSE_NAME(id, str) "parse_" str,
const char *const nata_reasons[NATA_N_REASONS] = { NATA_REASONS(NATA_NAME) RTR_REASONS(NATA_NAME)
							   NAT_REASONS(NATA_NAME) PKT_PARSE_REASONS(NATA_PARSE_NAME) };
static_assert(NATA_N_REASONS <= PKT_MAX_REASONS, "the nat stage's reasons, its own, the router's, the NAT's and the parser's");
#undef NATA_PARSE_NAME
#undef NATA_NAME
static_assert(NATA_RETIRED <= APR_RETIRED, "the replaced configs fit in the core's list");

static void nat_process(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	struct nat_app *a = ctx;
	struct nata_conf *c = atomic_load_explicit(&a->active, memory_order_acquire);
	rtr_burst(&a->rtr, &c->rc, w, pkts, n);
}

static const struct pkt_stage_def nat_stage = {
	.name = "nat",
	.reasons = nata_reasons,
	.n_reasons = NATA_N_REASONS,
	.process = nat_process,
};

static void conf_free(void *conf)
{
	struct nata_conf *c = conf;
	if (!c)
		return;
	rtr_conf_free(&c->rc);
	fw_ruleset_free(c->rs);
	free(c->text);
	free(c);
}

/* Outside addresses c's pools hold. */
static uint32_t pool_addrs(const struct nat_config *c)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < c->n_pool; i++) {
		const struct nat_pool *p = &c->pool[i];
		n += p->det_on ? p->det.out_hi - p->det.out_lo + 1 : p->addr_hi - p->addr_lo + 1;
	}
	return n;
}

/* Loads and checks a config for this appliance; NULL with one line in err. */
static struct nata_conf *conf_build(const char *name, const char *text, size_t len, const uint8_t *const *port_mac,
				    uint16_t n_ports, char *err, size_t errlen)
{
	struct nata_conf *c = calloc(1, sizeof(*c));
	struct fw_config *fc = calloc(1, sizeof(*fc));
	if (!c || !fc) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(c);
		free(fc);
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (!(c->text = malloc(len + 1))) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(c);
		free(fc);
		return NULL;
	}
	memcpy(c->text, text, len);
	c->text[len] = 0;
	c->text_len = len;
	nat_config_init(&c->nat);
	struct cf_ext ext[2];
	fw_config_ext(fc, &ext[0]);
	nat_config_ext(&c->nat, &ext[1]);
	struct cf_err ce = { "" };
	if (cf_parse(&fc->cf, ext, 2, name, text, len, &ce)) {
		snprintf(err, errlen, "%s", ce.msg);
		fw_config_free(fc);
		free(fc);
		free(c->text);
		free(c);
		return NULL;
	}
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
		c->filtering |= fc->chain[h].declared;
	/* a NAT's connection timeouts are the RFCs' unless the config says otherwise; a
	 * router's VLANs are links (no VLAN in a connection's key); every connection may have
	 * a translated reply key */
	struct ct_config nat_ct = fc->cf.ct;
	nat_ct_defaults(&nat_ct);
	for (unsigned i = 0; i < CT_TO__COUNT; i++)
		if (!(fc->cf.ct_timeout_set & 1u << i))
			fc->cf.ct.timeout_s[i] = nat_ct.timeout_s[i];
	fc->cf.ct.vlan_zones = false;
	fc->cf.ct.nat = true;
	c->rs = fw_ruleset_build(fc, name, &ce);
	free(fc);
	if (!c->rs) {
		snprintf(err, errlen, "%s", ce.msg);
		free(c->text);
		free(c);
		return NULL;
	}
	const struct cf_config *cf = &c->rs->cfg.cf;
	bool addressed = false;
	for (unsigned i = 0; i < cf->n_iface; i++)
		addressed |= cf->iface[i].n_addr > 0;
	if (!addressed) {
		snprintf(err, errlen, "%s: nat routes between its interfaces: give them their addresses "
			 "(interface NAME { address A.B.C.D/N })", name);
		conf_free(c);
		return NULL;
	}
	uint32_t total = 0;
	for (unsigned i = 0; i < c->nat.n_rule[NAT_HOOK_POST]; i++) {
		const struct nat_rule *r = &c->nat.rule[NAT_HOOK_POST][i];
		if (r->action != NAT_A_SNAT && r->action != NAT_A_MASQUERADE)
			continue;
		const struct nat_pool *p = &c->nat.pool[r->pool];
		total += p->det_on ? p->det.out_hi - p->det.out_lo + 1 : p->addr_hi - p->addr_lo + 1;
		if (total > MAX_POOL_ADDRS) {
			snprintf(err, errlen, "%s:%u:%u: the pools hold %u outside addresses with this rule's; at most %u "
				 "in all (port state for each)", name, r->line, r->col, total, MAX_POOL_ADDRS);
			conf_free(c);
			return NULL;
		}
	}
	if (rtr_conf_build(&c->rc, cf, name, port_mac, n_ports, err, errlen) ||
	    app_mgmt_check(&cf->mgmt, name, err, errlen)) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* Between bursts, on the worker: the map takes the new config's pools and reservations
 * (the ports its port forwards use on the outside addresses). */
static int map_take(struct nat_app *a, const struct nata_conf *c, char *err, size_t errlen)
{
	const struct nat_config *nc = &c->nat;
	int rc = nat_map_set_pools(a->nat.map, nc->pool, nc->n_pool);
	if (rc) {
		snprintf(err, errlen, "%s: %s", c->name,
			 rc == -12 ? "the pools' outside addresses and those still in use are more than the "
				     "appliance has room for: restart to take them"
				   : "a pool is malformed");
		return -1;
	}
	a->nat.log_on = nc->log;
	/* a port forward's ports are never a mapping's, on any pool address it may be for */
	nat_map_reserve_clear(a->nat.map);
	for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_PRE]; i++) {
		const struct nat_rule *r = &nc->rule[NAT_HOOK_PRE][i];
		const struct nat_match *m = &r->m;
		if (r->action != NAT_A_DNAT || !m->dport.on || m->dport.neg)
			continue;
		uint8_t proto = m->proto == 6 ? NAT_TCP : NAT_UDP;
		for (unsigned k = 0; k < nc->n_pool; k++) {
			const struct nat_pool *p = &nc->pool[k];
			uint32_t lo = p->det_on ? p->det.out_lo : p->addr_lo, hi = p->det_on ? p->det.out_hi : p->addr_hi;
			for (uint64_t ad = lo; ad <= hi; ad++) {
				uint8_t b[4] = { (uint8_t)(ad >> 24), (uint8_t)(ad >> 16), (uint8_t)(ad >> 8), (uint8_t)ad };
				if (m->daddr.kind == 1 && !m->daddr.neg && !nat_in_prefix4(b, &m->daddr.prefix))
					continue;
				if (nat_map_reserve(a->nat.map, proto, (uint32_t)ad, m->dport.lo, m->dport.hi)) {
					snprintf(err, errlen, "%s:%u:%u: too many port forwards on pool addresses (at most %d)",
						 c->name, r->line, r->col, NAT_MAP_MAX_RESERVED);
					return -1;
				}
			}
		}
	}
	return 0;
}

static int nata_setup(struct pkt_pipeline *pipe, void **state, const struct app_env *env, char *err, size_t errlen)
{
	*state = NULL;
	if (env->opts && *env->opts) {
		snprintf(err, errlen, "nat: unknown option '%s' (nat takes none: everything is in its config)", env->opts);
		return -1;
	}
	if (!env->config) {
		snprintf(err, errlen, "nat: no config: give it one (the rule language, docs/NAT.md)");
		return -1;
	}
	struct nata_conf *c = conf_build(env->config_name, env->config, env->config_len, env->port_mac, pipe->n_ports,
					 err, errlen);
	if (!c)
		return -1;
	struct cf_config *cf = &c->rs->cfg.cf;
	struct nat_app *a = calloc(1, sizeof(*a));
	uint32_t addrs = pool_addrs(&c->nat);
	struct nat_map_limits lim = {
		.host_sessions = c->nat.host_limit,
		.max_addrs = 2 * (addrs < 8 ? 8 : addrs),
	};
	plat_random(&lim.seed, sizeof(lim.seed));
	/* the connection table and the mappings (as many as it has connections) together:
	 * where the default size does not fit both (an image in a few MiB), the table halves
	 * until they do, as app_ct_create halves it alone */
	struct nat_map *map = NULL;
	while (a) {
		a->ct = app_ct_create(&cf->ct, cf->ct_max_set, &a->ct_shrunk);
		if (!a->ct)
			break;
		lim.max_mappings = cf->ct.max_entries;
		map = nat_map_create(&lim);
		if (map || cf->ct_max_set || cf->ct.max_entries <= 1024)
			break;
		ct_table_destroy(a->ct);
		a->ct = NULL;
		cf->ct.max_entries /= 2;
	}
	if (a && a->ct && !map)
		snprintf(err, errlen, "nat: out of memory for %u mappings", cf->ct.max_entries);
	if (map) {
		nat_init_map(&a->nat, a->ct, map);
		a->ct_shrunk |= !cf->ct_max_set && cf->ct.max_entries < 65536;
	}
	struct rtr_init ri = { .hooks = &nata_hooks, .app = a, .ct = a ? a->ct : NULL, .pool = env->pool,
			       .parse_reason_base = NATA_PARSE };
	for (unsigned i = 0; i < RTR_R__COUNT; i++)
		ri.reason[i] = (uint16_t)(NATA_RTR + i);
	if (!a || !a->ct || !map || rtr_init(&a->rtr, &ri) || map_take(a, c, err, errlen)) {
		if (a && !a->ct)
			snprintf(err, errlen, "nat: out of memory for a connection table of %u entries", cf->ct.max_entries);
		else if (a && !map)
			;       /* said above */
		else if (!a || !a->rtr.nb)
			snprintf(err, errlen, "nat: out of memory for its state");
		if (a) {
			nat_fini(&a->nat);
			rtr_fini(&a->rtr);
			ct_table_destroy(a->ct);
		}
		free(a);
		conf_free(c);
		return -1;
	}
	c->gen = 1;
	c->rc.gen = 1;
	a->next_pool_id = (uint16_t)c->nat.n_pool;    /* the first config's pools are 0..n-1 */
	rtr_stats_assign(&a->rtr, &c->rc, NULL, NULL);
	rtr_neighbors(&a->rtr, &c->rc);
	atomic_init(&a->active, c);
	a->pool = env->pool;
	a->n_ports = pipe->n_ports;
	memcpy(a->port_mac, env->port_mac, sizeof(a->port_mac));
	a->emit = env->log;
	a->emit_arg = env->log_arg;
	a->nat.log = env->log;
	a->nat.log_arg = env->log_arg;
	struct apr_parts parts = { .app = "nat", .conf_free = conf_free, .ct = a->ct, .rtr = &a->rtr, .frag = a->rtr.frag,
				   .log = &a->log, .last_tick_ms = &a->last_tick_ms };
	apr_init(&a->core, &parts, pipe, env, a->ct_shrunk);
	if (!pkt_pipe_add(pipe, &nat_stage, a)) {
		snprintf(err, errlen, "nat: pipeline full");
		nat_fini(&a->nat);
		rtr_fini(&a->rtr);
		ct_table_destroy(a->ct);
		conf_free(c);
		free(a);
		return -1;
	}
	natc_loaded(a, c->name, c->text, c->text_len);
	*state = a;
	return 0;
}

static void nata_teardown(void *state)
{
	struct nat_app *a = state;
	if (!a)
		return;
	apr_fini(&a->core, atomic_load(&a->active));
	natc_teardown(a);
	ct_table_destroy(a->ct);         /* no release hook: the mappings go with the map */
	nat_fini(&a->nat);
	rtr_fini(&a->rtr);
	free(a);
}

static void nata_tick(void *state, struct pkt_worker *w, uint64_t now_ms)
{
	struct nat_app *a = state;
	const struct nata_conf *c = atomic_load_explicit(&a->active, memory_order_relaxed);
	apr_tick(&a->core, w, now_ms, &c->rc, c->rs);
}

/* The slow half of a reload: parse, compile, routes. Reads only what setup fixed (the
 * ports' MACs and number), so it may run on another thread than the worker's. */
static void *nata_build(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	const struct nat_app *a = state;
	return conf_build(name, text, len, a->port_mac, a->n_ports, err, errlen);
}

static void nata_discard(void *built)
{
	conf_free(built);
}

/* Pools keep their ids across a reload when they stay as they were (same interface,
 * addresses, ports and ways), so their endpoints keep their mappings; a new pool gets an
 * id no pool had before in this run, so no live mapping of another is taken for its. */
static void pool_ids(struct nat_app *a, const struct nata_conf *run, struct nata_conf *c)
{
	struct nat_config *nc = &c->nat;
	for (unsigned i = 0; i < nc->n_pool; i++) {
		struct nat_pool *p = &nc->pool[i];
		int same = -1;
		for (unsigned j = 0; j < run->nat.n_pool && same < 0; j++) {
			const struct nat_pool *q = &run->nat.pool[j];
			if (run->nat.pool_oif[j] == nc->pool_oif[i] && q->addr_lo == p->addr_lo && q->addr_hi == p->addr_hi &&
			    q->port_lo == p->port_lo && q->port_hi == p->port_hi && q->preserve == p->preserve &&
			    q->parity == p->parity && q->filter == p->filter && q->det_on == p->det_on &&
			    (!q->det_on || !memcmp(&q->det, &p->det, sizeof(q->det))))
				same = (int)j;
		}
		bool taken = false;
		if (same >= 0) {
			p->id = run->nat.pool[same].id;
			for (unsigned k = 0; k < i; k++)
				taken |= nc->pool[k].id == p->id;      /* two equal pools: the second is new */
		}
		if (same < 0 || taken)
			p->id = a->next_pool_id++ & NAT_POOL_MAX_ID;
	}
}

/* The other half, between bursts: checked against what runs, then swapped in. */
static int nata_apply(void *state, void *built, const char *name, const char *text, size_t len, char *err,
		      size_t errlen)
{
	(void)text;
	(void)len;
	struct nat_app *a = state;
	struct nata_conf *c = built;
	struct nata_conf *run = atomic_load_explicit(&a->active, memory_order_relaxed);
	struct cf_config *cf = c ? &c->rs->cfg.cf : NULL;
	/* every check before anything changes: a refused config leaves all as it was */
	if (c && !cf->ct_max_set)     /* the default: the running table's size */
		cf->ct.max_entries = ct_table_config(a->ct)->max_entries;
	if (c && cf->ct.max_entries != ct_table_config(a->ct)->max_entries) {
		snprintf(err, errlen, "%s:%u:%u: conntrack max cannot change while running (it is %u); restart to resize",
			 name, cf->ct_line, cf->ct_col, ct_table_config(a->ct)->max_entries);
		conf_free(c);
		c = NULL;
	}
	if (c && c->nat.host_limit != run->nat.host_limit) {
		if (c->nat.line)
			snprintf(err, errlen, "%s:%u:%u: host-limit cannot change while running (it is %u); restart to "
				 "change it", name, c->nat.line, c->nat.col, run->nat.host_limit);
		else
			snprintf(err, errlen, "%s: host-limit cannot change while running (it is %u, this config has the "
				 "default %u); restart to change it", name, run->nat.host_limit, c->nat.host_limit);
		conf_free(c);
		c = NULL;
	}
	apr_reclaim(&a->core);
	if (c && a->core.n_retired >= NATA_RETIRED) {
		snprintf(err, errlen, "%s: a replaced config is still read by the workers: try again in a moment", name);
		conf_free(c);
		c = NULL;
	}
	if (c)
		pool_ids(a, run, c);
	if (c && map_take(a, c, err, errlen)) {
		char why[200];
		if (map_take(a, run, why, sizeof(why)) && a->emit)     /* the running pools back */
			a->emit(a->emit_arg, why);
		conf_free(c);
		c = NULL;
	}
	if (!c) {
		a->core.reload_failures++;
		return -1;
	}
	ct_table_tune(a->ct, &cf->ct);    /* the size is the running one: this cannot fail */
	c->gen = run->gen + 1;
	c->rc.gen = c->gen;
	rtr_stats_assign(&a->rtr, &c->rc, &run->rc, NULL);
	struct nata_conf *old = atomic_exchange_explicit(&a->active, c, memory_order_acq_rel);
	apr_retire(&a->core, old);
	natc_reloaded(a, old, c);
	return 0;
}

static int nata_reload(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return nata_apply(state, nata_build(state, name, text, len, err, errlen), name, text, len, err, errlen);
}

static bool nata_mgmt(void *state, char *spec, size_t len, uint16_t *metrics_port, uint16_t *ctl_port, char *where,
		      size_t wlen)
{
	struct nat_app *a = state;
	const struct nata_conf *c = atomic_load(&a->active);
	const struct cf_mgmt *m = &c->rs->cfg.cf.mgmt;
	return app_mgmt_spec(m, c->name, m->iface < 0 ? -1 : c->rc.ifc[m->iface].port, spec, len, metrics_port, ctl_port,
			     where, wlen);
}

static void nata_report(void *state, void (*emit)(void *arg, const char *line), void *arg)
{
	struct nat_app *a = state;
	const struct nata_conf *c = atomic_load(&a->active);
	nat_counters_format(&a->nat, emit, arg);
	apr_report(&a->core, c->filtering ? c->rs : NULL, &c->rc, emit, arg);
	char line[200];
	snprintf(line, sizeof(line), "nat: %llu rejected with an answer, %llu reloads (%llu refused)",
		 (unsigned long long)a->rejected, (unsigned long long)a->core.reloads,
		 (unsigned long long)a->core.reload_failures);
	emit(arg, line);
}

const struct app_def app_nat = {
	.name = "nat",
	.summary = "NAT44 router: source NAT (masquerade, pools, deterministic blocks) and port\n"
		   "             forwards between its ports, with an optional firewall ruleset;\n"
		   "             needs a config (--config FILE, docs/NAT.md)",
	.min_ports = 2,
	.max_ports = PKT_MAX_PORTS,
	.needs_config = true,
	.setup = nata_setup,
	.teardown = nata_teardown,
	.tick = nata_tick,
	.reload = nata_reload,
	.build = nata_build,
	.apply = nata_apply,
	.discard = nata_discard,
	.report = nata_report,
	.mgmt = nata_mgmt,
	.metrics = nata_metrics,
	.ctl = &nata_ctl_ns,
};
