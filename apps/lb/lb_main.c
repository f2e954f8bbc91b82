/* lb: the L4 load balancer appliance. A router between its ports (router/router.h) with
 * the load balancer engine (lb/lb.h): services on virtual addresses spread over weighted
 * backends by Maglev, in nat mode (at the router's prerouting hook, connections tracked)
 * or dsr (handled by this stage before the router: the flow's backend from the affinity
 * table, then the MAC rewrite or the tunnel, and out by the router's neighbours). Health
 * checks go from the appliance's own stack (lb_health.c); a backend that fails them leaves
 * the Maglev tables, and comes back when it passes them. One config in the rule language
 * (docs/LB.md); the control socket's "lb" namespace edits it live.
 */
#include "lb_app.h"

#include "app_conf.h"
#include "pkt_answer.h"
#include "pkt_parse.h"
#include "plat.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LBA_NAME(id, str) str,
#define LBA_LB_NAME(id, str) "lb_" str,
#define LBA_PARSE_NAME(id, str) "parse_" str,
const char *const lba_reasons[LBA_N_REASONS] = { LB_REASONS(LBA_LB_NAME) RTR_REASONS(LBA_NAME)
							 PKT_PARSE_REASONS(LBA_PARSE_NAME) };
static_assert(LBA_N_REASONS <= PKT_MAX_REASONS, "the lb stage's reasons");
#undef LBA_PARSE_NAME
#undef LBA_LB_NAME
#undef LBA_NAME
static_assert(LBA_RETIRED <= APR_RETIRED, "the replaced configs fit in the core's list");
static_assert(LB_MAX_SVC_IDS >= 2 * LBC_MAX_SERVICES && LB_SLOTS >= 2 * LBC_MAX_SERVICES &&
		      LB_MAX_IDS >= 2 * LBC_MAX_BACKENDS_ALL,
	      "ids and slots to spare for every service and backend a config may have");

#define FLOW_SWEEP_BUCKETS 64            /* affinity buckets looked at a ms */

/* Too big for the tunnel to be: the sender is told the tunnel's MTU (IPv4 with DF, and
 * IPv6: RFC 1191, RFC 8201) within the router's answer rate, from our address on the way
 * back; IPv4 without DF is dropped too (no fragmenting of a tunnel's packets here). */
static void too_big(struct lb_app *a, const struct lb_service *v, const struct rtr_conf *rc, struct pkt_buf *p, int iif,
		    uint32_t mtu, uint64_t now_ms)
{
	const struct pkt_meta *m = &p->meta;
	bool v6 = m->l3 == PKT_L3_IPV6;
	const uint8_t *ip = p->data + m->l3_off;
	const uint8_t *src = rtr_source(&rc->ifc[iif], v6 ? 6 : 4, ip + (v6 ? 8 : 12));
	a->lb.svc[v->id].dropped++;
	if ((v6 || (pkt_rd16(ip + 6) & 0x4000)) && src && pkt_answer_ok(p) &&
	    lba_hooks.answer_allowed(a, now_ms) &&
	    pkt_answer_icmp(p, v6 ? 2 : 3, v6 ? 0 : 4, mtu, src)) {
		a->too_big_told++;
		rtr_count_out(&a->rtr, rc, (uint16_t)iif, p);
		pkt_fwd(p, rc->ifc[iif].port);
		return;
	}
	pkt_drop(p, LBA_LB + LB_R_TOO_BIG);
}

void lba_dsr_forward(struct lb_app *a, const struct lb_set *s, const struct lb_service *v, const struct rtr_conf *rc,
		     struct pkt_worker *w, struct pkt_buf *p, const struct pkt_flow_key *k, uint64_t tag, int iif)
{
	const struct lb_backend *be;
	if (!lb_dsr_pick(&a->lb, s, v, p, k, tag, w->now_ms, &be))
		return;
	if (v->encap != LBC_ENCAP_NONE) {
		/* the tunnel's MTU, found when the set was built (the routes are the config's) */
		if (be->tun_mtu && (uint32_t)(p->meta.l3_end - p->meta.l3_off) > be->tun_mtu) {
			too_big(a, v, rc, p, iif, be->tun_mtu, w->now_ms);
			return;
		}
		if (!lb_encap(&a->lb, v, be, p, (uint32_t)tag))
			return;
	}
	rtr_steer_hop(&a->rtr, rc, w, p, be->addr, &a->hop[be->id], w->now_ms);
}

/* One burst: dsr services' packets forwarded here, the rest through the router (whose
 * prerouting hook takes nat services' connections). */
static void lb_process(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	struct lb_app *a = ctx;
	struct lba_conf *c = atomic_load_explicit(&a->active, memory_order_acquire);
	const struct lb_set *s = atomic_load_explicit(&a->set, memory_order_acquire);
	struct pkt_buf *rest[PKT_BURST], *dsr[PKT_BURST];
	const struct lb_service *svc[PKT_BURST];
	int in[PKT_BURST];
	struct pkt_flow_key key[PKT_BURST];
	uint64_t tag[PKT_BURST];
	uint16_t n_rest = 0, n_dsr = 0;
	const struct rtr_conf *rc = &c->rc;
	if (!s->n_dsr) {
		/* nat services only: the router's hook does all */
		rtr_burst(&a->rtr, rc, w, pkts, n);
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_buf *p = pkts[i];
		const struct pkt_meta *m = &p->meta;
		if (pkt_parse(p) != PKT_PARSE_OK || !(m->flags & PKT_F_L4) || (m->flags & PKT_F_FRAG) ||
		    (m->l4proto != PKT_IPPROTO_TCP && m->l4proto != PKT_IPPROTO_UDP)) {
			rest[n_rest++] = p;
			continue;
		}
		struct pkt_flow_key *k = &key[n_dsr];
		pkt_flow_key(p, k);
		k->vlan = 0;            /* VLANs are links of the router: not part of a flow (as ct's keys here) */
		const struct lb_service *v = lb_find(s, k->dst, k->family, k->proto, k->dport);
		int iif = v && v->mode == LBC_DSR ? rtr_ingress(rc, p) : -1;
		const uint8_t *ip = p->data + m->l3_off;
		/* the router takes what is not plainly ours to forward: another MAC (dropped),
		 * a TTL that runs out (answered), IP options and extension headers (its checks,
		 * then its prerouting hook forwards them as here) */
		if (iif < 0 || !pkt_mac_eq(p->data, rc->ifc[iif].mac) || ip[m->l3 == PKT_L3_IPV6 ? 7 : 8] <= 1 ||
		    (m->flags & PKT_F_IP_OPTS)) {
			rest[n_rest++] = p;
			continue;
		}
		rtr_count_in(&a->rtr, rc, (uint16_t)iif, p);
		svc[n_dsr] = v;
		in[n_dsr] = iif;
		tag[n_dsr] = lbf_tag(k);
		lbf_prefetch(a->lb.flows, tag[n_dsr]);
		dsr[n_dsr++] = p;
	}
	for (uint16_t i = 0; i < n_dsr; i++)
		lba_dsr_forward(a, s, svc[i], rc, w, dsr[i], &key[i], tag[i], in[i]);
	if (n_rest)
		rtr_burst(&a->rtr, rc, w, rest, n_rest);
}

static const struct pkt_stage_def lb_stage = {
	.name = "lb",
	.reasons = lba_reasons,
	.n_reasons = LBA_N_REASONS,
	.process = lb_process,
};

static void conf_free(void *conf)
{
	struct lba_conf *c = conf;
	if (!c)
		return;
	rtr_conf_free(&c->rc);
	lb_config_free(&c->lb);
	if (c->cf) {
		cf_config_free(c->cf);
		free(c->cf);
	}
	free(c->text);
	free(c);
}

/* What needs the interfaces: each backend reachable the way its service's mode needs. */
static int check_backends(const struct lba_conf *c, char *err, size_t errlen)
{
	for (unsigned s = 0; s < c->lb.n_svc; s++) {
		const struct lbc_service *v = &c->lb.svc[s];
		for (unsigned b = 0; b < v->n_backend; b++) {
			const struct lbc_backend *cb = &v->backend[b];
			char a[64];
			lba_addr(a, sizeof(a), cb->family, cb->addr);
			const struct rt_nexthop *nh = cb->family == 6 ? rt_lookup6(c->rc.rt, cb->addr)
								       : rt_lookup4(c->rc.rt, cb->addr);
			if (!nh) {
				snprintf(err, errlen, "%s:%u:%u: backend %s (%s): no route to it", c->name, cb->line, cb->col,
					 cb->name, a);
				return -1;
			}
			if (nh->kind == RT_LOCAL) {
				snprintf(err, errlen, "%s:%u:%u: backend %s (%s) is the appliance's own address", c->name,
					 cb->line, cb->col, cb->name, a);
				return -1;
			}
			if (v->mode == LBC_DSR && v->encap == LBC_ENCAP_NONE && nh->kind != RT_CONNECTED) {
				snprintf(err, errlen, "%s:%u:%u: backend %s (%s) is not on a link of the appliance (its route "
					 "goes through a gateway): dsr by MAC rewrite needs it on one; tunnel to it with "
					 "'mode dsr encap ipip' or 'encap gue'", c->name, cb->line, cb->col, cb->name, a);
				return -1;
			}
			bool needs_src = (v->mode == LBC_DSR && v->encap != LBC_ENCAP_NONE) ||
					 (v->mode == LBC_NAT && v->snat && !v->snat_addr_set);
			if (needs_src && !rtr_source(&c->rc.ifc[nh->port], cb->family, nh->kind == RT_GATEWAY ? nh->gw : cb->addr)) {
				snprintf(err, errlen, "%s:%u:%u: backend %s (%s): the interface toward it has no IPv%d address "
					 "to send from", c->name, cb->line, cb->col, cb->name, a, cb->family);
				return -1;
			}
		}
	}
	return 0;
}

/* Loads and checks a config for this appliance; NULL with one line in err. */
static struct lba_conf *conf_build(const char *name, const char *text, size_t len, const uint8_t *const *port_mac,
				   uint16_t n_ports, char *err, size_t errlen)
{
	struct lba_conf *c = calloc(1, sizeof(*c));
	if (!c || !(c->cf = calloc(1, sizeof(*c->cf))) || !(c->text = malloc(len + 1))) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (c)
			free(c->cf);
		free(c);
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	memcpy(c->text, text, len);
	c->text[len] = 0;
	c->text_len = len;
	lb_config_init(&c->lb);
	struct cf_ext ext;
	lb_config_ext(&c->lb, &ext);
	c->lb.text = c->text;                  /* the services' spans in it (the control socket's edits) */
	struct cf_err ce = { "" };
	if (cf_parse(c->cf, &ext, 1, name, c->text, len, &ce)) {
		snprintf(err, errlen, "%s", ce.msg);
		conf_free(c);
		return NULL;
	}
	/* a router's VLANs are links; connections may have a translated reply key */
	c->cf->ct.vlan_zones = false;
	c->cf->ct.nat = true;
	bool addressed = false;
	for (unsigned i = 0; i < c->cf->n_iface; i++)
		addressed |= c->cf->iface[i].n_addr > 0;
	if (!addressed) {
		snprintf(err, errlen, "%s: lb routes between its interfaces: give them their addresses "
			 "(interface NAME { address A.B.C.D/N })", name);
		conf_free(c);
		return NULL;
	}
	if (rtr_conf_build(&c->rc, c->cf, name, port_mac, n_ports, err, errlen) ||
	    app_mgmt_check(&c->cf->mgmt, name, err, errlen) || check_backends(c, err, errlen)) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static void lba_free(struct lb_app *a)
{
	if (!a)
		return;
	lba_sets_reclaim(a, true);
	lb_set_free(atomic_load(&a->set));
	lb_fini(&a->lb);
	rtr_fini(&a->rtr);
	ct_table_destroy(a->ct);
	free(a);
}

static int lba_setup(struct pkt_pipeline *pipe, void **state, const struct app_env *env, char *err, size_t errlen)
{
	*state = NULL;
	if (env->opts && *env->opts) {
		snprintf(err, errlen, "lb: unknown option '%s' (lb takes none: everything is in its config)", env->opts);
		return -1;
	}
	if (!env->config) {
		snprintf(err, errlen, "lb: no config: give it one (the rule language, docs/LB.md)");
		return -1;
	}
	struct lba_conf *c = conf_build(env->config_name, env->config, env->config_len, env->port_mac, pipe->n_ports,
					err, errlen);
	if (!c)
		return -1;
	struct lb_app *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "lb: out of memory for its state");
		conf_free(c);
		return -1;
	}
	memset(a->be_slot, 0xff, sizeof(a->be_slot));
	a->ct = app_ct_create(&c->cf->ct, c->cf->ct_max_set, &a->ct_shrunk);
	struct rtr_init ri = { .hooks = &lba_hooks, .app = a, .ct = a->ct, .pool = env->pool,
			       .parse_reason_base = LBA_PARSE };
	for (unsigned i = 0; i < RTR_R__COUNT; i++)
		ri.reason[i] = (uint16_t)(LBA_RTR + i);
	if (!a->ct) {
		snprintf(err, errlen, "lb: out of memory for a connection table of %u entries", c->cf->ct.max_entries);
		goto fail;
	}
	if (lb_init(&a->lb, a->ct, c->lb.flows, LBA_LB)) {
		snprintf(err, errlen, "lb: out of memory for a flow table of %u flows (lb { flows N })", c->lb.flows);
		goto fail;
	}
	if (rtr_init(&a->rtr, &ri)) {
		snprintf(err, errlen, "lb: out of memory for its state");
		goto fail;
	}
	a->pool = env->pool;
	a->n_ports = pipe->n_ports;
	memcpy(a->port_mac, env->port_mac, sizeof(a->port_mac));
	a->emit = env->log;
	a->emit_arg = env->log_arg;
	struct apr_parts parts = { .app = "lb", .conf_free = conf_free, .ct = a->ct, .rtr = &a->rtr, .frag = a->rtr.frag,
				   .log = &a->log, .last_tick_ms = &a->last_tick_ms };
	apr_init(&a->core, &parts, pipe, env, a->ct_shrunk);
	if (lba_set_swap(a, c, err, errlen))
		goto fail;
	c->gen = 1;
	c->rc.gen = 1;
	rtr_stats_assign(&a->rtr, &c->rc, NULL, NULL);
	rtr_neighbors(&a->rtr, &c->rc);
	atomic_init(&a->active, c);
	if (!pkt_pipe_add(pipe, &lb_stage, a)) {
		snprintf(err, errlen, "lb: pipeline full");
		atomic_store(&a->active, NULL);
		goto fail;
	}
	*state = a;
	return 0;
fail:
	lba_free(a);
	conf_free(c);
	return -1;
}

static void lba_teardown(void *state)
{
	struct lb_app *a = state;
	if (!a)
		return;
	lba_health_stop(a);
	apr_fini(&a->core, atomic_load(&a->active));
	lba_free(a);
}

static void lba_tick(void *state, struct pkt_worker *w, uint64_t now_ms)
{
	struct lb_app *a = state;
	const struct lba_conf *c = atomic_load_explicit(&a->active, memory_order_relaxed);
	a->now_ms = now_ms;
	apr_tick(&a->core, w, now_ms, &c->rc, NULL);
	lba_sets_reclaim(a, false);
	lbf_sweep(a->lb.flows, lbf_ticks(now_ms), FLOW_SWEEP_BUCKETS);
	if (a->host_up)
		lba_health_tick(a, now_ms);
	if (a->health_dirty) {
		char err[256];
		if (lba_set_swap(a, c, err, sizeof(err)) == 0)
			a->health_dirty = false;        /* else tried again at the next tick */
	}
}

static void *lba_build(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	const struct lb_app *a = state;
	return conf_build(name, text, len, a->port_mac, a->n_ports, err, errlen);
}

static void lba_discard(void *built)
{
	conf_free(built);
}

static int lba_apply(void *state, void *built, const char *name, const char *text, size_t len, char *err,
		     size_t errlen)
{
	(void)text;
	(void)len;
	struct lb_app *a = state;
	struct lba_conf *c = built;
	struct lba_conf *run = atomic_load_explicit(&a->active, memory_order_relaxed);
	if (c && !c->cf->ct_max_set)
		c->cf->ct.max_entries = ct_table_config(a->ct)->max_entries;
	if (c && c->cf->ct.max_entries != ct_table_config(a->ct)->max_entries) {
		snprintf(err, errlen, "%s:%u:%u: conntrack max cannot change while running (it is %u); restart to resize",
			 name, c->cf->ct_line, c->cf->ct_col, ct_table_config(a->ct)->max_entries);
		conf_free(c);
		c = NULL;
	}
	if (c && c->lb.flows != run->lb.flows) {
		snprintf(err, errlen, "%s:%u:%u: lb flows cannot change while running (it is %u); restart to resize", name,
			 c->lb.line, c->lb.col, run->lb.flows);
		conf_free(c);
		c = NULL;
	}
	apr_reclaim(&a->core);
	if (c && a->core.n_retired >= LBA_RETIRED) {
		snprintf(err, errlen, "%s: a replaced config is still read by the workers: try again in a moment", name);
		conf_free(c);
		c = NULL;
	}
	if (c && lba_set_swap(a, c, err, errlen)) {
		conf_free(c);
		c = NULL;
	}
	if (!c) {
		a->core.reload_failures++;
		return -1;
	}
	ct_table_tune(a->ct, &c->cf->ct);
	c->gen = run->gen + 1;
	c->rc.gen = c->gen;
	rtr_stats_assign(&a->rtr, &c->rc, &run->rc, NULL);
	struct lba_conf *old = atomic_exchange_explicit(&a->active, c, memory_order_acq_rel);
	apr_retire(&a->core, old);
	lba_be_sweep(a, c);
	a->health_dirty = true;     /* the set again, now that removed backends' ids are free */
	return 0;
}

static int lba_reload(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return lba_apply(state, lba_build(state, name, text, len, err, errlen), name, text, len, err, errlen);
}

static bool lba_mgmt(void *state, char *spec, size_t len, uint16_t *metrics_port, uint16_t *ctl_port, char *where,
		     size_t wlen)
{
	struct lb_app *a = state;
	const struct lba_conf *c = atomic_load(&a->active);
	const struct cf_mgmt *m = &c->cf->mgmt;
	return app_mgmt_spec(m, c->name, m->iface < 0 ? -1 : c->rc.ifc[m->iface].port, spec, len, metrics_port, ctl_port,
			     where, wlen);
}

static void lba_report(void *state, void (*emit)(void *arg, const char *line), void *arg)
{
	struct lb_app *a = state;
	const struct lba_conf *c = atomic_load(&a->active);
	const struct lb_set *s = atomic_load(&a->set);
	char line[256];
	for (unsigned i = 0; i < s->n_svc; i++) {
		const struct lb_service *v = &s->svc[i];
		const struct lb_svc_stats *st = &a->lb.svc[v->id];
		snprintf(line, sizeof(line), "lb: service %s: %u backends (%u taking new flows), %llu packets, %llu flows, "
			 "%llu dropped", c->lb.svc[i].name, v->n_be, v->n_take, (unsigned long long)st->pkts,
			 (unsigned long long)st->flows, (unsigned long long)st->dropped);
		emit(arg, line);
	}
	const struct lbf_counters *fc = &a->lb.flows->c;
	snprintf(line, sizeof(line), "lb: flows: %u held, %llu inserted, %llu evicted, %llu expired; %llu encapsulated, "
		 "%llu senders told the tunnel's MTU", a->lb.flows->live, (unsigned long long)fc->inserted,
		 (unsigned long long)fc->evicted, (unsigned long long)fc->expired, (unsigned long long)a->lb.encapsulated,
		 (unsigned long long)a->too_big_told);
	emit(arg, line);
	apr_report(&a->core, NULL, &c->rc, emit, arg);
	snprintf(line, sizeof(line), "lb: %llu reloads (%llu refused), %llu tables built", (unsigned long long)a->core.reloads,
		 (unsigned long long)a->core.reload_failures, (unsigned long long)a->set_builds);
	emit(arg, line);
}

const struct app_def app_lb = {
	.name = "lb",
	.summary = "L4 load balancer: services on virtual addresses spread over weighted\n"
		   "             backends by Maglev hashing, in nat or dsr mode (MAC rewrite,\n"
		   "             IP-in-IP, GUE), with health checks; needs a config\n"
		   "             (--config FILE, docs/LB.md)",
	.min_ports = 1,
	.max_ports = PKT_MAX_PORTS,
	.needs_config = true,
	.setup = lba_setup,
	.teardown = lba_teardown,
	.tick = lba_tick,
	.reload = lba_reload,
	.build = lba_build,
	.apply = lba_apply,
	.discard = lba_discard,
	.report = lba_report,
	.mgmt = lba_mgmt,
	.metrics = lba_metrics,
	.host_up = lba_host_up,
	.host_down = lba_host_down,
	.ctl = &lba_ctl_ns,
};
