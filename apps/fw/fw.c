/* fw: the stateful firewall appliance, in one of two modes chosen by its config:
 *
 *   bridge (no interface has an address): a transparent bump in the wire between its two
 *     ports. Every frame from one port is parsed, tracked (dataplane/ct.h), judged by the
 *     forward chain (firewall/fw.h) and, if accepted, sent out of the other port unchanged.
 *   router (the interfaces have addresses): between up to 8 ports, with static routes,
 *     ARP and neighbour discovery and the input, forward and output chains at the
 *     router's hooks (router/router.h, fw_router.c).
 *
 * The config names the ports: the first interface declared is port 0, the second port 1,
 * so "iif lan" means "arrived on port 0". A rejected packet is turned into its TCP reset
 * or ICMP error and sent back where it came from.
 *
 * Fragments follow their datagram's first fragment, which the rules judge (frag.h); they
 * are not reassembled.
 *
 * A new config (reload, SIGHUP in sluice-hosted) is built off to the side, rules and
 * routes together, and swapped in with one atomic store between bursts; the old one is
 * freed once every worker has passed a burst boundary since (pkt_epoch.h). The connection
 * table and the neighbour cache survive.
 */
#include "fw_app.h"
#include "app_conf.h"
#include "fw_reject.h"
#include "pkt_parse.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REJECT_RATE 1000          /* answers a second, as a burst too */
#define REJECT_COST (1000000000ull / REJECT_RATE)

#define FWA_NAME(id, str) str,
#define FWA_PARSE_NAME(id, str) "parse_" str,
const char *const fw_app_reasons[FWA_N_REASONS] = { FWA_REASONS(FWA_NAME) PKT_PARSE_REASONS(FWA_PARSE_NAME) };
static_assert(FWA_N_REASONS <= PKT_MAX_REASONS, "the fw stage's reasons, its own and the parser's");
#undef FWA_PARSE_NAME
#undef FWA_NAME

bool fwa_answer_allowed(struct fw_app *a, uint64_t now_ms)
{
	return fw_bucket_take(&a->reject_rate, REJECT_COST, REJECT_COST * REJECT_RATE, now_ms * 1000000ull);
}

void fwa_refuse(struct fw_app *a, struct pkt_buf *p, const struct fw_decision *d, const uint8_t *icmp_src,
		uint64_t now_ms)
{
	if (d->verdict == FW_REJECT) {
		if (fwa_answer_allowed(a, now_ms) && fw_reject_build(p, d->reject_with, d->reject_code, icmp_src)) {
			a->rejected++;
			pkt_fwd(p, p->port);
		} else {
			pkt_drop(p, FWA_REJECT_SILENT);
		}
		return;
	}
	pkt_drop(p, d->rule < 0 ? FWA_POLICY : FWA_RULE);
}

/* A later fragment: true when it follows its datagram (the caller sends it on as the
 * datagram went); else it was dropped, or left waiting for its first fragment. */
static bool frag_follow(struct fw_app *a, struct pkt_buf *p, const struct frag_key *k, uint64_t now_ms)
{
	switch (frag_later(a->frag, k, p, now_ms)) {
	case FRAG_PASS:
		return true;
	case FRAG_HELD:
		pkt_taken(p);
		break;
	case FRAG_FULL:
		pkt_drop(p, FWA_FRAG_FULL);
		break;
	default:
		pkt_drop(p, FWA_FRAGMENT);
		break;
	}
	return false;
}

static void bridge_burst(struct fw_app *a, struct fw_ruleset *rs, struct pkt_worker *w, struct pkt_buf **pkts,
			 uint16_t n)
{
	uint64_t now = w->now_ms;
	/* the connection table's lines for the whole burst first, then the work */
	struct ct_pkt cps[PKT_BURST];
	ct_parse_prefetch_burst(a->ct, pkts, cps, n, FWA_PARSE);
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_buf *p = pkts[i];
		struct ct_pkt *cp = &cps[i];
		if (p->verdict != PKT_V_CONTINUE)
			continue;       /* malformed: dropped by the parser */
		int iif = p->port, oif = p->port ^ 1;
		struct frag_key fk;
		enum frag_class fc = FRAG_NONE;
		if (p->meta.flags & PKT_F_FRAG) {
			fc = frag_classify(p, &fk);
			if (fc == FRAG_BAD) {
				pkt_drop(p, FWA_FRAG_BAD);
				continue;
			}
			if (fc == FRAG_LATER) {
				if (frag_follow(a, p, &fk, now))
					pkt_fwd(p, (uint16_t)oif);
				continue;
			}
		}
		ct_track_prefetched(a->ct, p, now, cp);
		struct fw_decision d;
		fw_judge(rs, FW_HOOK_FORWARD, cp, p, iif, oif, now, &a->log, &a->flow, &d);
		bool accepted = false;
		if (d.verdict != FW_ACCEPT) {
			fwa_refuse(a, p, &d, NULL, now);
		} else if (ct_commit(a->ct, p, now, cp)) {
			pkt_fwd(p, (uint16_t)oif);
			accepted = true;
		} else {
			pkt_drop(p, FWA_CT_FULL);
		}
		if (fc == FRAG_FIRST) {
			struct pkt_buf *rel[FRAG_HOLD];
			unsigned k = frag_decided(a->frag, &fk, accepted, now, rel);
			for (unsigned j = 0; j < k; j++) {
				if (accepted)
					pkt_txq_push(w, (uint16_t)oif, rel[j]);
				else
					pkt_discard(w, rel[j], FWA_FRAGMENT);
			}
		}
	}
}

static void fw_process(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	struct fw_app *a = ctx;
	struct fwa_conf *c = atomic_load_explicit(&a->active, memory_order_acquire);
	if (a->router)
		rtr_burst(&a->rtr, &c->rc, w, pkts, n);
	else
		bridge_burst(a, c->rs, w, pkts, n);
}

static const struct pkt_stage_def fw_stage = {
	.name = "fw",
	.reasons = fw_app_reasons,
	.n_reasons = FWA_N_REASONS,
	.process = fw_process,
};

static bool router_mode(const struct cf_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_iface; i++)
		if (cfg->iface[i].n_addr)
			return true;
	return false;
}

/* What bridge mode cannot do with a config, as FILE:LINE:COL. */
static int check_bridge(const struct cf_config *cfg, const char *name, uint16_t n_ports, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->n_iface; i++)
		if (cfg->iface[i].parent >= 0) {
			snprintf(err, errlen, "%s:%u:%u: VLAN interface '%s' needs router mode: give the interfaces their "
				 "addresses (a bridge passes VLANs as they are, and 'vlan id' matches them)", name,
				 cfg->iface[i].line, cfg->iface[i].col, cfg->iface[i].name);
			return -1;
		}
	if (cfg->n_iface > n_ports) {
		const struct cf_iface *ifc = &cfg->iface[n_ports];
		snprintf(err, errlen, "%s:%u:%u: interface '%s' has no port: the appliance has %u (interfaces take ports "
			 "in the order declared)", name, ifc->line, ifc->col, ifc->name, n_ports);
		return -1;
	}
	if (n_ports != 2) {
		snprintf(err, errlen, "%s: a bridge joins exactly 2 ports, the appliance has %u; give the interfaces "
			 "addresses to route between them instead", name, n_ports);
		return -1;
	}
	if (cfg->n_route) {
		snprintf(err, errlen, "%s:%u:%u: a route needs router mode: give the interfaces their addresses (a bridge "
			 "has none)", name, cfg->route[0].line, cfg->route[0].col);
		return -1;
	}
	return 0;
}

static void conf_free(void *conf)
{
	struct fwa_conf *c = conf;
	if (!c)
		return;
	rtr_conf_free(&c->rc);
	fw_ruleset_free(c->rs);
	free(c);
}

/* Loads and checks a config for this appliance; NULL with one line in err. */
static struct fwa_conf *conf_build(const char *name, const char *text, size_t len, const uint8_t *const *port_mac,
				   uint16_t n_ports, bool *router, char *err, size_t errlen)
{
	struct cf_err fe = { "" };
	struct fwa_conf *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->rs = fw_ruleset_load(name, text, len, &fe);
	if (!c->rs) {
		snprintf(err, errlen, "%s", fe.msg);
		conf_free(c);
		return NULL;
	}
	*router = router_mode(&c->rs->cfg.cf);
	/* a router's VLANs are links, and a connection may leave on another one than it came
	 * in by: its key has no VLAN ID. A bridge keeps VLANs apart as zones. */
	c->rs->cfg.cf.ct.vlan_zones = !*router;
	if (*router ? rtr_conf_build(&c->rc, &c->rs->cfg.cf, name, port_mac, n_ports, err, errlen)
		    : check_bridge(&c->rs->cfg.cf, name, n_ports, err, errlen)) {
		conf_free(c);
		return NULL;
	}
	if (app_mgmt_check(&c->rs->cfg.cf.mgmt, name, err, errlen)) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static int fw_setup(struct pkt_pipeline *pipe, void **state, const struct app_env *env, char *err, size_t errlen)
{
	*state = NULL;
	if (env->opts && *env->opts) {
		snprintf(err, errlen, "fw: unknown option '%s' (fw takes none: everything is in its config)", env->opts);
		return -1;
	}
	if (!env->config) {
		snprintf(err, errlen, "fw: no ruleset: give it a config (the rule language, docs/RULES.md)");
		return -1;
	}
	bool router;
	struct fwa_conf *c = conf_build(env->config_name, env->config, env->config_len, env->port_mac, pipe->n_ports,
					&router, err, errlen);
	if (!c)
		return -1;
	struct fw_app *a = calloc(1, sizeof(*a));
	if (a) {
		a->ct = app_ct_create(&c->rs->cfg.cf.ct, c->rs->cfg.cf.ct_max_set, &a->ct_shrunk);
		if (router) {
			struct rtr_init ri = { .hooks = &fw_router_hooks, .app = a, .ct = a->ct, .pool = env->pool,
					       .parse_reason_base = FWA_PARSE };
#define FWA_RTR_REASON(id, str) ri.reason[RTR_R_##id] = FWA_##id;
			RTR_REASONS(FWA_RTR_REASON)
#undef FWA_RTR_REASON
			a->router_ok = rtr_init(&a->rtr, &ri) == 0;
		} else {
			a->frag = frag_create();
		}
	}
	if (!a || !a->ct || (router ? !a->router_ok : !a->frag)) {
		if (a && !a->ct)
			snprintf(err, errlen, "fw: out of memory for a connection table of %u entries",
				 c->rs->cfg.cf.ct.max_entries);
		else
			snprintf(err, errlen, "fw: out of memory for its %s", !a ? "state" : router ? "router" : "fragment table");
		if (a) {
			ct_table_destroy(a->ct);
			if (a->router_ok)
				rtr_fini(&a->rtr);
			frag_destroy(a->frag);
		}
		free(a);
		conf_free(c);
		return -1;
	}
	c->gen = 1;
	c->rc.gen = 1;
	if (router) {
		rtr_stats_assign(&a->rtr, &c->rc, NULL, NULL);
		rtr_neighbors(&a->rtr, &c->rc);
	}
	atomic_init(&a->active, c);
	a->router = router;
	a->pool = env->pool;
	a->n_ports = pipe->n_ports;
	memcpy(a->port_mac, env->port_mac, sizeof(a->port_mac));
	struct apr_parts parts = { .app = "fw", .conf_free = conf_free, .ct = a->ct, .rtr = router ? &a->rtr : NULL,
				   .frag = router ? a->rtr.frag : a->frag, .log = &a->log, .last_tick_ms = &a->last_tick_ms };
	apr_init(&a->core, &parts, pipe, env, a->ct_shrunk);
	if (!pkt_pipe_add(pipe, &fw_stage, a)) {
		snprintf(err, errlen, "fw: pipeline full");
		ct_table_destroy(a->ct);
		if (router)
			rtr_fini(&a->rtr);
		frag_destroy(a->frag);
		conf_free(c);
		free(a);
		return -1;
	}
	fwc_loaded(a, env->config_name, env->config, env->config_len);    /* the control socket's document */
	*state = a;
	return 0;
}

static void fw_teardown(void *state)
{
	struct fw_app *a = state;
	if (!a)
		return;
	apr_fini(&a->core, atomic_load(&a->active));
	fwc_teardown(a);
	ct_table_destroy(a->ct);
	if (a->router)
		rtr_fini(&a->rtr);
	frag_destroy(a->frag);
	free(a);
}

static void fw_tick(void *state, struct pkt_worker *w, uint64_t now_ms)
{
	struct fw_app *a = state;
	const struct fwa_conf *c = atomic_load_explicit(&a->active, memory_order_relaxed);
	apr_tick(&a->core, w, now_ms, &c->rc, c->rs);
}

/* A config built off the poll loop (fw_build), waiting for fw_apply. */
struct fw_built {
	struct fwa_conf *c;
	bool router;
};

/* The slow half of a reload: parse, compile, routes. Reads only what setup fixed (the
 * ports' MACs and number), so it may run on another thread than the worker's. */
static void *fw_build(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	const struct fw_app *a = state;
	struct fw_built *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	b->c = conf_build(name, text, len, a->port_mac, a->n_ports, &b->router, err, errlen);
	if (!b->c) {
		free(b);
		return NULL;
	}
	return b;
}

static void fw_discard(void *built)
{
	struct fw_built *b = built;
	if (b)
		conf_free(b->c);
	free(b);
}

/* The other half, between bursts: checked against what runs, then swapped in. */
static int fw_apply(void *state, void *built, const char *name, const char *text, size_t len, char *err,
		    size_t errlen)
{
	struct fw_app *a = state;
	struct fw_built *b = built;
	struct fwa_conf *c = b ? b->c : NULL;
	bool router = b && b->router;
	free(b);
	if (c && router != a->router) {
		snprintf(err, errlen, "%s: this config would make fw a %s, and it runs as a %s: restart to change that", name,
			 router ? "router (its interfaces have addresses)" : "bridge (no interface has an address)",
			 a->router ? "router" : "bridge");
		conf_free(c);
		c = NULL;
	}
	if (c && !c->rs->cfg.cf.ct_max_set)     /* the default: the running table's size */
		c->rs->cfg.cf.ct.max_entries = ct_table_config(a->ct)->max_entries;
	if (c && !ct_table_tune(a->ct, &c->rs->cfg.cf.ct)) {
		snprintf(err, errlen, "%s:%u:%u: conntrack max cannot change while running (it is %u); restart to resize",
			 name, c->rs->cfg.cf.ct_line, c->rs->cfg.cf.ct_col, ct_table_config(a->ct)->max_entries);
		conf_free(c);
		c = NULL;
	}
	apr_reclaim(&a->core);
	/* a router's interface counters have slots for the running config, one replaced one and
	 * the new one (FWA_IF_SLOTS); a bridge's list holds FWA_RETIRED */
	unsigned most = a->router ? 1 : FWA_RETIRED, n_retired = a->core.n_retired;
	if (c && n_retired >= most) {
		snprintf(err, errlen, "%s: %u replaced config%s still read by the workers: try again in a moment", name,
			 n_retired, n_retired == 1 ? " is" : "s are");
		conf_free(c);
		c = NULL;
	}
	if (!c) {
		a->core.reload_failures++;
		return -1;
	}
	const struct fwa_conf *run = atomic_load_explicit(&a->active, memory_order_relaxed);
	c->gen = run->gen + 1;
	c->rc.gen = c->gen;
	if (router) {  /* fw_apply leaves at most one replaced config in a router's list */
		const struct fwa_conf *prev = n_retired ? a->core.retired[0].c : NULL;
		rtr_stats_assign(&a->rtr, &c->rc, &run->rc, prev ? &prev->rc : NULL);
	}
	struct fwa_conf *old = atomic_exchange_explicit(&a->active, c, memory_order_acq_rel);
	fwc_reloaded(a, old->rs, c->rs, name, text, len);   /* the document; a commit's counters */
	apr_retire(&a->core, old);
	return 0;
}

static int fw_reload(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return fw_apply(state, fw_build(state, name, text, len, err, errlen), name, text, len, err, errlen);
}

static bool fw_mgmt(void *state, char *spec, size_t len, uint16_t *metrics_port, uint16_t *ctl_port, char *where,
		    size_t wlen)
{
	struct fw_app *a = state;
	const struct fwa_conf *c = atomic_load(&a->active);
	const struct cf_mgmt *m = &c->rs->cfg.cf.mgmt;
	int port = m->iface < 0 ? -1 : a->router ? c->rc.ifc[m->iface].port : m->iface;  /* a bridge: interface i, port i */
	return app_mgmt_spec(m, c->name, port, spec, len, metrics_port, ctl_port, where, wlen);
}

static void fw_report(void *state, void (*emit)(void *arg, const char *line), void *arg)
{
	struct fw_app *a = state;
	const struct fwa_conf *c = atomic_load(&a->active);
	apr_report(&a->core, c->rs, &c->rc, emit, arg);
	char line[320];
	snprintf(line, sizeof(line), "fw: %llu rejected with an answer, %llu log lines (%llu over the rate), "
		 "%llu reloads (%llu refused)", (unsigned long long)a->rejected, (unsigned long long)a->log.logged,
		 (unsigned long long)a->log.suppressed, (unsigned long long)a->core.reloads,
		 (unsigned long long)a->core.reload_failures);
	emit(arg, line);
	snprintf(line, sizeof(line), "fw: decisions kept per connection: %llu used, %llu written, %llu left to the "
		 "classifier", (unsigned long long)a->flow.hits, (unsigned long long)a->flow.misses,
		 (unsigned long long)a->flow.general);
	emit(arg, line);
}

static void fw_capture(void *state, void (*frame)(void *arg, uint64_t time_ms, const uint8_t *data, uint16_t caplen,
						   uint16_t len), void *arg)
{
	const struct fw_app *a = state;
	uint32_t head = a->log.head, first = head > FW_LOG_RING ? head - FW_LOG_RING : 0;
	for (uint32_t i = first; i != head; i++) {
		const struct fw_log_entry *e = &a->log.ring[i % FW_LOG_RING];
		frame(arg, e->time_ms, e->snap, e->snap_len, e->len);
	}
}

const struct app_def app_fw = {
	.name = "fw",
	.summary = "stateful firewall: a router between its ports when its interfaces have\n"
		   "             addresses, else a transparent bridge between port 0 and port 1;\n"
		   "             needs a ruleset (--config FILE, docs/RULES.md)",
	.min_ports = 2,
	.max_ports = PKT_MAX_PORTS,
	.needs_config = true,
	.setup = fw_setup,
	.teardown = fw_teardown,
	.tick = fw_tick,
	.reload = fw_reload,
	.build = fw_build,
	.apply = fw_apply,
	.discard = fw_discard,
	.report = fw_report,
	.metrics = fw_metrics,
	.mgmt = fw_mgmt,
	.capture = fw_capture,
	.ctl = &fw_ctl_ns,
};
