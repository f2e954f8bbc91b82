/* The fw appliance as a router (router/router.h): each port is an interface with its own
 * addresses, and a packet goes where the routing table says, after the chain of its path
 * has judged it:
 *
 *   for one of our addresses (or broadcast/multicast)  -> input chain  -> the router reads
 *        it (neighbour discovery, echo requests);
 *   for anyone else -> forward chain -> on to its next hop;
 *   what the router answers itself (echo replies, neighbour advertisements, time
 *        exceeded, no route) -> output chain -> back to the neighbour the packet came from.
 *
 * ARP is not filtered (nftables' ip, ip6 and inet tables do not see it either), nor are
 * the ARP requests and neighbour solicitations the router sends to resolve next hops.
 * Rejected packets are answered straight back out of the port they came in on, as in
 * bridge mode, an ICMP answer from our address on the way back (a router is seen; Linux
 * does the same). An accepted connection is committed to conntrack at once.
 */
#include "fw_app.h"

static const struct fwa_conf *conf_of(const struct rtr_pkt *x)
{
	/* the router's half is a member of the app's config */
	return (const struct fwa_conf *)(const void *)((const char *)x->c - offsetof(struct fwa_conf, rc));
}

/* hook's chain on x's packet: committed and true when accepted, else dropped or
 * answered */
static enum rtr_verdict chain(struct fw_app *a, enum fw_hook hook, struct rtr_pkt *x)
{
	struct fw_decision d;
	fw_judge(conf_of(x)->rs, hook, x->cp, x->p, x->iif, x->oif, x->now, &a->log, &a->flow, &d);
	if (d.verdict != FW_ACCEPT) {
		if (hook == FW_HOOK_OUTPUT) {
			pkt_drop(x->p, d.rule < 0 ? FWA_POLICY : FWA_RULE);   /* our own answers are never answered */
		} else {
			uint8_t from[16];
			fwa_refuse(a, x->p, &d, rtr_answer_source(x, from) ? from : NULL, x->now);
		}
		return RTR_DONE;
	}
	if (!ct_commit(a->ct, x->p, x->now, x->cp)) {
		pkt_drop(x->p, FWA_CT_FULL);
		return RTR_DONE;
	}
	return RTR_ACCEPT;
}

static enum rtr_verdict input(void *app, struct rtr_pkt *x)
{
	return chain(app, FW_HOOK_INPUT, x);
}

static enum rtr_verdict forward(void *app, struct rtr_pkt *x)
{
	return chain(app, FW_HOOK_FORWARD, x);
}

static enum rtr_verdict output(void *app, struct rtr_pkt *x)
{
	return chain(app, FW_HOOK_OUTPUT, x);
}

static bool answer_allowed(void *app, uint64_t now_ms)
{
	return fwa_answer_allowed(app, now_ms);
}

const struct rtr_hooks fw_router_hooks = {
	.input = input,
	.forward = forward,
	.output = output,
	.answer_allowed = answer_allowed,
};
