/* The lb appliance's backend ids and its running set (lb_app.h): a backend keeps its id
 * (and with it its flows, counters and health) for as long as configs keep a backend of
 * that name in that service; the set the packet path reads is built again from the
 * running config and the backends' health whenever either changes, and swapped in. */
#include "lb_app.h"

#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t name_hash(const char *svc, const char *name)
{
	uint32_t h = 2166136261u;
	for (const char *s = svc; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const char *s = name; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

#define SLOTS (2 * LB_MAX_IDS)

uint16_t lba_be_id(struct lb_app *a, const char *svc, const char *name)
{
	uint32_t h = name_hash(svc, name) & (SLOTS - 1);
	for (unsigned k = 0; k < SLOTS; k++, h = (h + 1) & (SLOTS - 1)) {
		uint16_t id = a->be_slot[h];
		if (id == LB_NONE)
			break;
		if (!strcmp(a->be[id].svc, svc) && !strcmp(a->be[id].name, name))
			return id;
	}
	/* a new one: the next free id after the last given, so that a freed id is reused
	 * as late as possible */
	for (unsigned k = 0; k < LB_MAX_IDS; k++) {
		uint16_t id = (uint16_t)((a->next_id + k) % LB_MAX_IDS);
		if (a->be[id].used)
			continue;
		struct lba_be *b = &a->be[id];
		memset(b, 0, sizeof(*b));
		b->used = true;
		snprintf(b->svc, sizeof(b->svc), "%s", svc);
		snprintf(b->name, sizeof(b->name), "%s", name);
		b->hc = LBA_HC_UP;              /* up until its checks say otherwise */
		snprintf(b->last, sizeof(b->last), "not checked yet");
		b->changed_ms = a->now_ms;
		b->next_ms = 0;                 /* its first check is placed by the tick */
		a->be_slot[h] = id;
		a->next_id = (uint16_t)((id + 1) % LB_MAX_IDS);
		return id;
	}
	return LB_NONE;
}

/* Frees id's slot: the index is rebuilt from the ids still used (a removal is rare). */
static void be_free(struct lb_app *a, uint16_t id)
{
	a->be[id].used = false;
	memset(a->be_slot, 0xff, sizeof(a->be_slot));
	for (unsigned i = 0; i < LB_MAX_IDS; i++) {
		if (!a->be[i].used)
			continue;
		uint32_t h = name_hash(a->be[i].svc, a->be[i].name) & (SLOTS - 1);
		while (a->be_slot[h] != LB_NONE)
			h = (h + 1) & (SLOTS - 1);
		a->be_slot[h] = (uint16_t)i;
	}
}

uint16_t lba_svc_id(struct lb_app *a, const char *name)
{
	for (unsigned i = 0; i < LB_MAX_SVC_IDS; i++)
		if (!strcmp(a->svc_names[i], name))
			return (uint16_t)i;
	/* a new one: the next free id after the last given, so that a removed service's
	 * nat connections, which live on with its id, are not counted as a new service's */
	for (unsigned k = 0; k < LB_MAX_SVC_IDS; k++) {
		unsigned i = (a->next_svc_id + k) % LB_MAX_SVC_IDS;
		if (a->svc_names[i][0])
			continue;
		snprintf(a->svc_names[i], CF_NAME_MAX, "%s", name);
		memset(&a->lb.svc[i], 0, sizeof(a->lb.svc[i]));
		a->next_svc_id = (uint16_t)((i + 1) % LB_MAX_SVC_IDS);
		return (uint16_t)i;
	}
	return LB_NONE;
}

/* The way toward addr: the appliance's address on the interface its route leaves by (into
 * out), and that interface's MTU (0: no route). */
static uint32_t way_toward(const struct lba_conf *c, uint8_t family, const uint8_t *addr, uint8_t out[16])
{
	memset(out, 0, 16);
	const struct rt_nexthop *nh = family == 6 ? rt_lookup6(c->rc.rt, addr) : rt_lookup4(c->rc.rt, addr);
	if (!nh || nh->kind == RT_LOCAL || nh->port >= c->rc.n_iface)
		return 0;
	const uint8_t *s = rtr_source(&c->rc.ifc[nh->port], family, nh->kind == RT_GATEWAY ? nh->gw : addr);
	if (s)
		memcpy(out, s, family == 6 ? 16 : 4);
	return c->rc.ifc[nh->port].cfg->mtu;
}

void lba_sets_reclaim(struct lb_app *a, bool all)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < a->n_sets_retired; i++) {
		if (all || !a->core.epoch || pkt_epoch_safe(a->core.epoch, a->sets_retired[i].ticket))
			lb_set_free(a->sets_retired[i].s);
		else
			a->sets_retired[kept++] = a->sets_retired[i];
	}
	a->n_sets_retired = kept;
}

int lba_set_swap(struct lb_app *a, const struct lba_conf *c, char *err, size_t errlen)
{
	lba_sets_reclaim(a, false);
	if (a->n_sets_retired >= LBA_SETS_RETIRED) {
		snprintf(err, errlen, "%s: replaced services are still read by the workers: try again in a moment", c->name);
		return -1;
	}
	const struct lb_config *lc = &c->lb;
	struct lb_set_input in[LBC_MAX_SERVICES];
	struct lb_backend *bes[LBC_MAX_SERVICES] = { 0 };
	int rc = -1;
	uint64_t t0 = plat_clock_ns();
	for (unsigned s = 0; s < lc->n_svc; s++) {
		const struct lbc_service *v = &lc->svc[s];
		in[s].cfg = v;
		in[s].id = lba_svc_id(a, v->name);
		in[s].flow_timeout_s = v->proto == 6 ? lc->flow_timeout_tcp_s : lc->flow_timeout_udp_s;
		if (in[s].id == LB_NONE) {
			snprintf(err, errlen, "%s:%u:%u: no service id left for service %s (%u in use): restart", c->name,
				 v->line, v->col, v->name, LB_MAX_SVC_IDS);
			goto out;
		}
		if (!(bes[s] = calloc(v->n_backend ? v->n_backend : 1, sizeof(*bes[s])))) {
			snprintf(err, errlen, "%s: out of memory for the backends", c->name);
			goto out;
		}
		for (unsigned b = 0; b < v->n_backend; b++) {
			const struct lbc_backend *cb = &v->backend[b];
			struct lb_backend *x = &bes[s][b];
			memcpy(x->addr, cb->addr, 16);
			x->family = cb->family;
			x->port = cb->port ? cb->port : v->port;
			x->weight = cb->weight;
			x->id = lba_be_id(a, v->name, cb->name);
			if (x->id == LB_NONE) {
				snprintf(err, errlen, "%s:%u:%u: no backend id left (%u in use): restart", c->name, cb->line,
					 cb->col, LB_MAX_IDS);
				goto out;
			}
			x->state = cb->drain ? LB_BE_DRAIN : lba_be_down(a, x->id) ? LB_BE_DOWN : LB_BE_UP;
			uint32_t mtu = way_toward(c, cb->family, cb->addr, x->src);
			uint32_t over = (cb->family == 6 ? 40u : 20u) + (v->encap == LBC_ENCAP_GUE ? 12u : 0u);
			x->tun_mtu = v->encap != LBC_ENCAP_NONE && mtu > over ? mtu - over : 0;
		}
		in[s].be = bes[s];
	}
	struct lb_set *set = lb_set_build(in, lc->n_svc, err, errlen);
	if (!set)
		goto out;
	set->gen = ++a->set_gen;
	struct lb_set *old = atomic_exchange_explicit(&a->set, set, memory_order_acq_rel);
	if (old) {
		a->sets_retired[a->n_sets_retired].s = old;
		a->sets_retired[a->n_sets_retired++].ticket = a->core.epoch ? pkt_epoch_retire(a->core.epoch) : 0;
	}
	a->set_builds++;
	a->set_build_us = (plat_clock_ns() - t0) / 1000;
	rc = 0;
out:
	if (rc)
		a->set_build_failures++;
	for (unsigned s = 0; s < lc->n_svc; s++)
		free(bes[s]);
	return rc;
}

void lba_be_sweep(struct lb_app *a, const struct lba_conf *c)
{
	for (unsigned i = 0; i < LB_MAX_IDS; i++)
		a->be[i].seen = false;
	bool svc_seen[LB_MAX_SVC_IDS] = { false };
	for (unsigned s = 0; s < c->lb.n_svc; s++) {
		const struct lbc_service *v = &c->lb.svc[s];
		uint16_t sid = lba_svc_id(a, v->name);
		if (sid != LB_NONE)
			svc_seen[sid] = true;
		for (unsigned b = 0; b < v->n_backend; b++) {
			uint16_t id = lba_be_id(a, v->name, v->backend[b].name);
			if (id != LB_NONE)
				a->be[id].seen = true;
		}
	}
	for (unsigned i = 0; i < LB_MAX_IDS; i++) {
		if (!a->be[i].used || a->be[i].seen)
			continue;
		lba_health_forget(a, (uint16_t)i);
		lbf_forget_backend(a->lb.flows, (uint16_t)i);
		memset(&a->lb.be[i], 0, sizeof(a->lb.be[i]));
		be_free(a, (uint16_t)i);
	}
	for (unsigned i = 0; i < LB_MAX_SVC_IDS; i++)
		if (!svc_seen[i])
			a->svc_names[i][0] = 0;
}
