/* The lb appliance at the router's hooks (router.h): nat services' connections at
 * prerouting (a new one given its backend and translated, the later packets of either
 * direction translated as their connection says); what is forwarded must be a service's;
 * the router's own answers (ARP, ND, echo, ICMP errors) go as they are. ARP is answered
 * for the IPv4 VIPs and fixed snat addresses, neighbour solicitations for the IPv6 VIPs,
 * so that clients and backends on a link reach them without routes. */
#include "lb_app.h"

#include "fw.h"
#include "pkt_parse.h"
#include "pkt_xlate.h"

#include <stdatomic.h>
#include <string.h>

#define ANSWER_RATE 1000          /* answers a second, as a burst too */
#define ANSWER_COST (1000000000ull / ANSWER_RATE)

static bool answer_allowed(void *app, uint64_t now_ms)
{
	struct lb_app *a = app;
	return fw_bucket_take(&a->answer_rate, ANSWER_COST, ANSWER_COST * ANSWER_RATE, now_ms * 1000000ull);
}

static enum rtr_verdict drop(struct rtr_pkt *x, enum lb_reason r)
{
	pkt_drop(x->p, (uint16_t)(LBA_LB + r));
	return RTR_DONE;
}

static enum rtr_verdict prerouting(void *app, struct rtr_pkt *x)
{
	struct lb_app *a = app;
	struct ct_pkt *cp = x->cp;
	const struct pkt_meta *m = &x->p->meta;
	/* a TTL that runs out here is the router's to answer, about the packet as it came:
	 * nothing translated, no connection made */
	if (x->p->data[m->l3_off + (x->v6 ? 7 : 8)] <= 1)
		return RTR_ACCEPT;
	if (cp->e && lb_nat_owns(cp->e)) {
		/* an ICMP error about a connection (a backend's fragmentation needed): made
		 * what its receiver knows, as the NAT does */
		if (cp->state == CT_S_RELATED)
			return pkt_xlate_icmp_related(x->p, cp->e, cp->dir) ? RTR_ACCEPT : drop(x, LB_R_RELATED);
		lb_nat_established(&a->lb, x->p, cp);
		return RTR_ACCEPT;
	}
	/* a service's packet is TCP or UDP with its header: only then is the key conntrack
	 * left in cp this packet's (it keys no ND, no ICMP error) */
	if (!(m->flags & PKT_F_L4) || (m->l4proto != PKT_IPPROTO_TCP && m->l4proto != PKT_IPPROTO_UDP))
		return RTR_ACCEPT;
	const struct pkt_flow_key *k = &cp->key;
	const struct lb_set *s = atomic_load_explicit(&a->set, memory_order_acquire);
	const struct lb_service *v = lb_find(s, k->dst, k->family, k->proto, k->dport);
	if (!v)
		return RTR_ACCEPT;
	if (v->mode == LBC_DSR) {
		/* what the stage left to the router: fragments are refused (a later one has no
		 * ports to find its flow by); packets with IP options or extension headers go as
		 * the stage sends the others */
		if (m->flags & PKT_F_FRAG)
			return drop(x, LB_R_FRAGMENT);
		lba_dsr_forward(a, s, v, x->c, x->w, x->p, k, lbf_tag(k), x->iif);
		return RTR_DONE;
	}
	if (cp->state == CT_S_INVALID)
		return drop(x, LB_R_INVALID);
	if (cp->state != CT_S_NEW || cp->e)
		return RTR_ACCEPT;
	return lb_nat_new(&a->lb, s, v, x->p, cp, x->now) ? RTR_ACCEPT : RTR_DONE;
}

static enum rtr_verdict input(void *app, struct rtr_pkt *x)
{
	(void)app;
	(void)x;
	return RTR_ACCEPT;
}

/* Only a service's traffic goes through: the load balancer is not an open router. */
static enum rtr_verdict forward(void *app, struct rtr_pkt *x)
{
	(void)app;
	if (x->cp->e && lb_nat_owns(x->cp->e))
		return RTR_ACCEPT;
	return drop(x, LB_R_NOT_SERVICE);
}

static enum rtr_verdict output(void *app, struct rtr_pkt *x)
{
	(void)app;
	(void)x;
	return RTR_ACCEPT;
}

/* The VIPs (ARP for IPv4, ND for IPv6, on every interface) and the fixed snat addresses
 * (IPv4: nat is IPv4 only). */
static bool owns(void *app, int ifx, int family, const uint8_t *ip)
{
	(void)ifx;
	struct lb_app *a = app;
	const struct lb_set *s = atomic_load_explicit(&a->set, memory_order_acquire);
	for (unsigned i = 0; i < s->n_svc; i++) {
		const struct lb_service *v = &s->svc[i];
		if (v->family == family && !memcmp(v->vip, ip, family == 4 ? 4 : 16))
			return true;
		if (family == 4 && v->snat_fixed && !memcmp(v->snat_addr, ip, 4))
			return true;
	}
	return false;
}

const struct rtr_hooks lba_hooks = {
	.prerouting = prerouting,
	.input = input,
	.forward = forward,
	.output = output,
	.answer_allowed = answer_allowed,
	.owns = owns,
};
