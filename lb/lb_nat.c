/* The nat mode (lb.h): a connection's first packet picks its backend by Maglev and is
 * committed to connection tracking with a translated reply key, the backend's address and
 * port toward the client (or, with snat, toward the appliance's address and a port of its
 * own), so that the replies are found and rewritten back; every later packet follows its
 * connection. IPv4 (ct_nat_bind translates IPv4 connections).
 */
#include "lb.h"

#include "pkt_xlate.h"

#include <string.h>

#define SNAT_TRIES 16                    /* source ports tried for one connection */

static inline void count(struct lb *lb, uint16_t svc, uint16_t be, const struct pkt_buf *p)
{
	lb->svc[svc].pkts++;
	lb->svc[svc].bytes += p->len;
	lb->be[be].pkts++;
	lb->be[be].bytes += p->len;
}

bool lb_nat_new(struct lb *lb, const struct lb_set *s, const struct lb_service *svc, struct pkt_buf *p,
		struct ct_pkt *cp, uint64_t now_ms)
{
	(void)s;
	uint16_t i = lbm_lookup(svc->table, svc->m, cp->hash);
	enum lb_reason why = LB_R_NO_BACKEND;
	if (i == LBM_EMPTY)
		goto drop;
	const struct lb_backend *be = &svc->be[i];
	why = LB_R_CT_FULL;
	if (!ct_commit(lb->ct, p, now_ms, cp) || !cp->e)
		goto drop;
	struct ct_entry *e = cp->e;
	struct ct_nat_tuple r;
	memcpy(r.src, be->addr, 4);
	r.sport = be->port;
	if (svc->snat)
		memcpy(r.dst, svc->snat_fixed ? svc->snat_addr : be->src, 4);
	else
		memcpy(r.dst, cp->key.src, 4);
	r.dport = cp->key.sport;
	bool bound = ct_nat_bind(lb->ct, e, &r);
	/* snat: the client's port first, then ports spread by the flow's hash (never below
	 * 1024), as long as another connection to the backend holds the key */
	for (unsigned k = 1; !bound && svc->snat && k < SNAT_TRIES; k++) {
		r.dport = (uint16_t)(1024 + (cp->hash * 0x9e3779b1u + k * 40503u) % 64512u);
		lb->snat_retries++;
		bound = ct_nat_bind(lb->ct, e, &r);
	}
	if (!bound) {
		ct_remove(lb->ct, e);
		cp->e = NULL;
		why = LB_R_CLASH;
		goto drop;
	}
	e->flags |= CT_F_APP1;
	e->user[0] = be->id;
	e->user[1] = svc->id;
	lb->svc[svc->id].flows++;
	lb->be[be->id].flows++;
	count(lb, svc->id, be->id, p);
	if (svc->snat)
		pkt_xlate_both(p, r.dst, r.dport, be->addr, be->port);
	else
		pkt_xlate_dst(p, be->addr, be->port);
	return true;
drop:
	lb->svc[svc->id].pkts++;
	lb->svc[svc->id].dropped++;
	pkt_drop(p, (uint16_t)(lb->reason_base + why));
	return false;
}

void lb_nat_established(struct lb *lb, struct pkt_buf *p, const struct ct_pkt *cp)
{
	const struct ct_entry *e = cp->e;
	count(lb, (uint16_t)(e->user[1] % LB_MAX_SVC_IDS), (uint16_t)(e->user[0] % LB_MAX_IDS), p);
	if (cp->dir == 0) {
		/* client to backend: the reply key's source is the backend; its destination
		 * the client's address as the backend sees it */
		if (memcmp(e->nat.dst, e->key.src, 4) || e->nat.dport != e->key.sport)
			pkt_xlate_both(p, e->nat.dst, e->nat.dport, e->nat.src, e->nat.sport);
		else
			pkt_xlate_dst(p, e->nat.src, e->nat.sport);
	} else {
		/* backend to client: from the VIP, to the client */
		pkt_xlate_both(p, e->key.dst, e->key.dport, e->key.src, e->key.sport);
	}
}
