/* The nat appliance at the router's hooks (router.h): the NAT44 engine before routing
 * (destinations) and after it (sources, new connections), the firewall's chains where
 * the config declares them, and conntrack's commit of what they accepted. */
#include "nat_app.h"

#include "fw_reject.h"

#include <stdatomic.h>
#include <stddef.h>

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

/* The firewall chain hook's decision; true when accepted (else p was dropped or answered). */
static bool judged(struct nat_app *a, const struct nata_conf *c, enum fw_hook hook, struct rtr_pkt *x)
{
	if (!c->filtering)
		return true;
	struct fw_decision d;
	fw_judge(c->rs, hook, x->cp, x->p, x->iif, x->oif, x->now, &a->log, &a->flow, &d);
	if (d.verdict == FW_ACCEPT)
		return true;
	if (d.verdict == FW_REJECT) {
		uint8_t from[16];
		bool have = rtr_answer_source(x, from);
		if (answer_allowed(a, x->now) && fw_reject_build(x->p, d.reject_with, d.reject_code, have ? from : NULL)) {
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

static enum rtr_verdict input(void *app, struct rtr_pkt *x)
{
	struct nat_app *a = app;
	if (!judged(a, conf_of(x), FW_HOOK_INPUT, x))
		return RTR_DONE;
	if (!ct_commit(a->ct, x->p, x->now, x->cp)) {
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

static enum rtr_verdict postrouting(void *app, struct rtr_pkt *x)
{
	struct nat_app *a = app;
	const struct nata_conf *c = conf_of(x);
	return nat_verdict(x, nat_postrouting(&a->nat, &c->nat, cf_of(c), x->p, x->cp, x->iif, x->oif, x->now,
					      &a->note));
}

static enum rtr_verdict output(void *app, struct rtr_pkt *x)
{
	struct nat_app *a = app;
	if (!judged(a, conf_of(x), FW_HOOK_OUTPUT, x))
		return RTR_DONE;
	if (nat_verdict(x, nat_output(&a->nat, x->p, x->cp)) != RTR_ACCEPT)
		return RTR_DONE;
	if (!ct_commit(a->ct, x->p, x->now, x->cp)) {
		pkt_drop(x->p, NATA_CT_FULL);
		return RTR_DONE;
	}
	return RTR_ACCEPT;
}

static bool owns(void *app, int ifx, const uint8_t ip[4])
{
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
