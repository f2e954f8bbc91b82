/* The nat appliance at the router's hooks (router.h): the NAT44 engine before routing
 * (destinations) and after it (sources, new connections), the firewall's chains where
 * the config declares them, and conntrack's commit of what they accepted. */
#include "nat_app.h"

#include "fw_reject.h"
#include "pkt_xlate.h"
#include "pkt_answer.h"
#include "pkt_flow.h"
#include "pkt_parse.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#define ANSWER_RATE 1000          /* answers a second, as a burst too */
#define ANSWER_COST (1000000000ull / ANSWER_RATE)

static bool answer_allowed(void *app, uint64_t now_ms)
{
	struct nat_app *a = app;
	return fw_bucket_take(&a->answer_rate, ANSWER_COST, ANSWER_COST * ANSWER_RATE, now_ms * 1000000ull);
}

static const struct nata_conf *conf_of(const struct rtr_pkt *x)
{
	/* the router's half is a member of the app's config */
	return (const struct nata_conf *)(const void *)((const char *)x->c - offsetof(struct nata_conf, rc));
}

static const struct cf_config *cf_of(const struct nata_conf *c)
{
	return &c->rs->cfg.cf;
}

/* Did prerouting translate the destination of x's packet (a port forward's, a reply's)?
 * conntrack's key is the packet's as it came in. */
static bool dst_translated(const struct rtr_pkt *x)
{
	const struct pkt_buf *p = x->p;
	const struct ct_pkt *cp = x->cp;
	const struct pkt_meta *m = &p->meta;
	if (m->l3 != PKT_L3_IPV4 || cp->key.family != 4 || (cp->state != CT_S_NEW && cp->state != CT_S_ESTABLISHED))
		return false;
	const uint8_t *ip = p->data + m->l3_off, *l4 = p->data + m->l4_off;
	if (memcmp(ip + 16, cp->key.dst, 4))
		return true;
	if (!(m->flags & PKT_F_L4))
		return false;
	if (m->l4proto == PKT_IPPROTO_TCP || m->l4proto == PKT_IPPROTO_UDP)
		return pkt_rd16(l4 + 2) != cp->key.dport;
	uint16_t sp, dp;
	return m->l4proto == PKT_IPPROTO_ICMP && pkt_flow_icmp_ports(PKT_IPPROTO_ICMP, l4[0], pkt_rd16(l4 + 4), &sp, &dp) &&
	       (sp != cp->key.sport || dp != cp->key.dport);
}

/* A forward chain's answer to a packet whose destination prerouting translated, built over
 * the packet as it is now: made what the sender addressed, as Linux's NAT translates the
 * answer it attaches to the connection. A reset from the address and port the sender used,
 * an ICMP error's quote as it was sent. k: the packet's key as it came in (conntrack's). */
static void answer_as_sent(struct pkt_buf *p, const struct pkt_flow_key *k)
{
	if (pkt_parse(p) != PKT_PARSE_OK || p->meta.l3 != PKT_L3_IPV4 || !(p->meta.flags & PKT_F_L4))
		return;
	uint8_t *ip = p->data + p->meta.l3_off, *l4 = p->data + p->meta.l4_off;
	if (p->meta.l4proto == PKT_IPPROTO_TCP) {
		if (memcmp(ip + 12, k->dst, 4) || pkt_rd16(l4) != k->dport)
			pkt_xlate_src(p, k->dst, k->dport);
		return;
	}
	if (p->meta.l4proto != PKT_IPPROTO_ICMP || p->meta.l3_end < p->meta.l4_off + 8 + 20)
		return;
	/* the quoted ICMP query's identifier: a request's key has it first, a response's last */
	const uint8_t *q = l4 + 8, *qt = q + (q[0] & 15u) * 4u;
	bool response = q[9] == PKT_IPPROTO_ICMP && qt + 1 <= p->data + p->meta.l3_end &&
			(qt[0] == 0 || qt[0] == 14 || qt[0] == 16 || qt[0] == 18);
	struct pkt_xlate_icmp xi;
	memcpy(xi.outer_src_match, ip + 12, 4);
	memcpy(xi.outer_src, ip + 12, 4);
	memcpy(xi.outer_dst, ip + 16, 4);
	memcpy(xi.in_src, k->src, 4);
	memcpy(xi.in_dst, k->dst, 4);
	xi.in_sport = response ? k->dport : k->sport;
	xi.in_dport = k->dport;
	pkt_xlate_icmp_error(p, &xi);
}

/* The firewall chain hook's decision; true when accepted (else p was dropped or answered). */
static bool judged(struct nat_app *a, const struct nata_conf *c, enum fw_hook hook, struct rtr_pkt *x)
{
	if (!c->filtering)
		return true;
	struct fw_decision d;
	fw_judge(c->rs, hook, x->cp, x->p, x->iif, x->oif, x->now, &a->log, &a->flow, &d);
	if (d.verdict == FW_ACCEPT)
		return true;
	if (d.verdict == FW_REJECT && hook != FW_HOOK_OUTPUT) {   /* our own answers are never answered */
		uint8_t from[16];
		bool have = rtr_answer_source(x, from);
		bool translated = hook == FW_HOOK_FORWARD && dst_translated(x);
		if (answer_allowed(a, x->now) && fw_reject_build(x->p, d.reject_with, d.reject_code, have ? from : NULL)) {
			if (translated)
				answer_as_sent(x->p, &x->cp->key);
			a->rejected++;
			pkt_fwd(x->p, x->p->port);
		} else {
			pkt_drop(x->p, NATA_REJECT_SILENT);
		}
		return false;
	}
	pkt_drop(x->p, d.rule < 0 ? NATA_POLICY : NATA_RULE);
	return false;
}

static enum rtr_verdict nat_verdict(struct rtr_pkt *x, enum nat_reason r)
{
	if (r == NAT_OK)
		return RTR_ACCEPT;
	pkt_drop(x->p, (uint16_t)(NATA_NAT + r));
	return RTR_DONE;
}

static enum rtr_verdict prerouting(void *app, struct rtr_pkt *x)
{
	struct nat_app *a = app;
	const struct nata_conf *c = conf_of(x);
	return nat_verdict(x, nat_prerouting(&a->nat, &c->nat, cf_of(c), x->p, x->cp, x->iif, x->now, &a->note));
}

/* For the appliance itself. Its connections are tracked only for the firewall's chains
 * (ct state): without them an unsolicited packet to the wan address leaves no state
 * behind (which a new mapping's port would then have to avoid). */
static enum rtr_verdict input(void *app, struct rtr_pkt *x)
{
	struct nat_app *a = app;
	const struct nata_conf *c = conf_of(x);
	if (!judged(a, c, FW_HOOK_INPUT, x))
		return RTR_DONE;
	if (c->filtering && !ct_commit(a->ct, x->p, x->now, x->cp)) {
		pkt_drop(x->p, NATA_CT_FULL);
		return RTR_DONE;
	}
	return RTR_ACCEPT;
}

/* The forward chain judges; the connection is committed after postrouting, with its
 * translation. */
static enum rtr_verdict forward(void *app, struct rtr_pkt *x)
{
	return judged(app, conf_of(x), FW_HOOK_FORWARD, x) ? RTR_ACCEPT : RTR_DONE;
}

/* A new connection the NAT had no room for (no port left, the mappings or the connection
 * table full, the host at its limit) is answered: ICMP destination unreachable,
 * communication administratively prohibited, to its sender (RFC 5508: a NAT that cannot
 * make a session for lack of resources SHOULD say so), quoting the packet as it was sent,
 * at the router's answer rate; so the sender learns at once instead of retrying into the
 * same wall. What is never answered (an ICMP error, a fragment after the first) is
 * dropped, as are all refusals over the rate. true: answered. */
static bool answer_no_room(struct nat_app *a, struct rtr_pkt *x, enum nat_reason r)
{
	if (r != NAT_R_NO_PORT && r != NAT_R_TABLE_FULL && r != NAT_R_HOST_LIMIT && r != NAT_R_CT_FULL)
		return false;
	if (x->p->meta.l3 != PKT_L3_IPV4 || !pkt_answer_ok(x->p) || !answer_allowed(a, x->now))
		return false;
	uint8_t from[16];
	bool have = rtr_answer_source(x, from);
	bool translated = dst_translated(x);
	if (!pkt_answer_icmp(x->p, 3, 13, 0, have ? from : NULL))
		return false;
	if (translated)
		answer_as_sent(x->p, &x->cp->key);
	a->rejected++;
	pkt_fwd(x->p, x->p->port);
	return true;
}

static enum rtr_verdict postrouting(void *app, struct rtr_pkt *x)
{
	struct nat_app *a = app;
	const struct nata_conf *c = conf_of(x);
	enum nat_reason r = nat_postrouting(&a->nat, &c->nat, cf_of(c), x->p, x->cp, x->iif, x->oif, x->now, &a->note);
	if (r != NAT_OK && answer_no_room(a, x, r))
		return RTR_DONE;
	return nat_verdict(x, r);
}

static enum rtr_verdict output(void *app, struct rtr_pkt *x)
{
	struct nat_app *a = app;
	const struct nata_conf *c = conf_of(x);
	if (!judged(a, c, FW_HOOK_OUTPUT, x))
		return RTR_DONE;
	if (nat_verdict(x, nat_output(&a->nat, x->p, x->cp)) != RTR_ACCEPT)
		return RTR_DONE;
	/* the router's error about a new connection's first packet, whose destination a port
	 * forward rewrote before the route (its TTL ran out, no route to the inside server):
	 * quoted as it was sent, never with the inside address */
	const struct ct_pkt *o = x->origin;
	if (o && !o->e && o->key.family == 4)
		answer_as_sent(x->p, &o->key);
	if (c->filtering && !ct_commit(a->ct, x->p, x->now, x->cp)) {
		pkt_drop(x->p, NATA_CT_FULL);
		return RTR_DONE;
	}
	return RTR_ACCEPT;
}

/* The pool's addresses (IPv4: the NAT translates IPv4 only). */
static bool owns(void *app, int ifx, int family, const uint8_t *ip)
{
	if (family != 4)
		return false;
	struct nat_app *a = app;
	const struct nata_conf *c = atomic_load_explicit(&a->active, memory_order_relaxed);
	return nat_owns(&c->nat, ifx, ip);
}

const struct rtr_hooks nata_hooks = {
	.prerouting = prerouting,
	.input = input,
	.forward = forward,
	.postrouting = postrouting,
	.output = output,
	.answer_allowed = answer_allowed,
	.owns = owns,
};
