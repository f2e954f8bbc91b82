/* The load balancer's running view (struct lb_set) and the packet path's state (lb.h). */
#include "lb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LB_NAME(id, str) str,
const char *const lb_reason_names[LB_R__COUNT] = { LB_REASONS(LB_NAME) };
#undef LB_NAME
const char *const lb_be_state_names[3] = { "up", "drain", "down" };

uint64_t lb_backend_key(const char *svc, const char *be)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = svc; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (const char *s = be; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

void lb_set_free(struct lb_set *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n_svc; i++) {
		free(s->svc[i].table);
		free(s->svc[i].be);
	}
	free(s->svc);
	free(s);
}

static int fill_service(struct lb_service *v, const struct lb_set_input *in, char *err, size_t errlen)
{
	const struct lbc_service *c = in->cfg;
	memcpy(v->vip, c->vip, 16);
	v->family = c->family;
	v->proto = c->proto;
	v->port = c->port;
	v->mode = (uint8_t)c->mode;
	v->encap = (uint8_t)c->encap;
	v->gue_port = c->gue_port;
	v->snat = c->snat;
	v->snat_fixed = c->snat_addr_set;
	memcpy(v->snat_addr, c->snat_addr, 4);
	v->id = in->id;
	/* in whole ticks, plus one: the tick of a flow's last packet counts whole (lb_flow.h),
	 * so that no flow goes before it has been idle for its timeout */
	v->flow_timeout = (uint32_t)(((uint64_t)in->flow_timeout_s * 1000 + 1023) >> 10) + 1;
	v->m = c->table_size;
	v->n_be = (uint16_t)c->n_backend;
	v->table = malloc((size_t)v->m * sizeof(*v->table));
	v->be = calloc(c->n_backend ? c->n_backend : 1, sizeof(*v->be));
	struct lbm_backend *mb = calloc(c->n_backend ? c->n_backend : 1, sizeof(*mb));
	if (!v->table || !v->be || !mb) {
		free(mb);
		snprintf(err, errlen, "service %s: out of memory for its table", c->name);
		return -1;
	}
	for (unsigned b = 0; b < c->n_backend; b++) {
		v->be[b] = in->be[b];
		mb[b].key = lb_backend_key(c->name, c->backend[b].name);
		/* only a backend that is up takes new flows */
		mb[b].weight = v->be[b].state == LB_BE_UP ? v->be[b].weight : 0;
		v->n_take += mb[b].weight != 0;
	}
	int rc = lbm_build(v->table, v->m, mb, c->n_backend);
	free(mb);
	if (rc) {
		snprintf(err, errlen, "service %s: its Maglev table could not be built (size %u, %u backends)", c->name,
			 v->m, c->n_backend);
		return -1;
	}
	return 0;
}

struct lb_set *lb_set_build(const struct lb_set_input *in, unsigned n, char *err, size_t errlen)
{
	struct lb_set *s = calloc(1, sizeof(*s));
	if (!s || !(s->svc = calloc(n ? n : 1, sizeof(*s->svc)))) {
		free(s);
		snprintf(err, errlen, "out of memory for the services");
		return NULL;
	}
	memset(s->slot, 0xff, sizeof(s->slot));
	memset(s->by_id, 0xff, sizeof(s->by_id));
	for (unsigned i = 0; i < n; i++) {
		struct lb_service *v = &s->svc[i];
		s->n_svc = i + 1;
		if (fill_service(v, &in[i], err, errlen)) {
			lb_set_free(s);
			return NULL;
		}
		s->n_dsr += v->mode == LBC_DSR;
		uint32_t h = lb_slot_hash(v->vip, v->proto, v->port);
		while (s->slot[h] != LB_NONE)
			h = (h + 1) & (LB_SLOTS - 1);
		s->slot[h] = (uint16_t)i;
		for (unsigned b = 0; b < v->n_be; b++)
			if (v->be[b].id < LB_MAX_IDS)
				s->by_id[v->be[b].id] = (uint32_t)i << 16 | b;
	}
	return s;
}

int lb_init(struct lb *lb, struct ct_table *ct, uint32_t max_flows, uint16_t reason_base)
{
	memset(lb, 0, sizeof(*lb));
	lb->ct = ct;
	lb->reason_base = reason_base;
	lb->flows = lbf_create(max_flows);
	return lb->flows ? 0 : -1;
}

void lb_fini(struct lb *lb)
{
	lbf_destroy(lb->flows);
	lb->flows = NULL;
}
