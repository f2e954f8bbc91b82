/* fw: the stateful firewall appliance, as a transparent bridge (bump in the wire) between
 * its two ports. Every frame from one port is parsed, tracked (dataplane/ct.h), judged by
 * the forward chain of the ruleset (firewall/fw.h) and, if accepted, sent out of the
 * other port unchanged; a rejected packet is turned into its TCP reset or ICMP error and
 * sent back where it came from.
 *
 * The config names the ports: the first interface declared is port 0, the second port 1,
 * so "iif lan" means "arrived on port 0". In bridge mode only the forward chain sees
 * traffic, and routes are refused (routing is router mode, not built yet).
 *
 * IPv4 fragments and IPv6 Fragment headers are dropped before the rules (reason
 * "fragment"): a fragment carries no ports to judge, and there is no reassembly yet.
 *
 * A new ruleset (reload, SIGHUP in sluice-hosted) is built off to the side and swapped in
 * with one atomic store between bursts; the old one is freed at the worker's next tick,
 * when it can no longer be reading it. The connection table and its state survive.
 */
#include "app.h"
#include "ct.h"
#include "fw.h"
#include "fw_reject.h"
#include "pkt_parse.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REJECT_RATE 1000          /* answers a second, as a burst too */
#define REJECT_COST (1000000000ull / REJECT_RATE)
#define SWEEP_BUCKETS 64          /* conntrack buckets expired per tick */

enum fw_app_reason { FWA_POLICY, FWA_RULE, FWA_FRAGMENT, FWA_CT_FULL, FWA_REJECT_SILENT, FWA__COUNT };
static const char *const fw_app_reasons[FWA__COUNT] = {
	"policy", "rule", "fragment", "ct_full", "reject_silent",
};

struct fw_app {
	struct fw_ruleset *_Atomic active;
	struct fw_ruleset *retired;   /* the previous ruleset, freed at the next tick */
	struct ct_table *ct;
	struct fw_log log;
	uint16_t n_ports;
	struct fw_bucket reject_rate;
	uint64_t rejected, reloads, reload_failures;
	void (*emit)(void *arg, const char *line);
	void *emit_arg;
};

static void fw_process(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	struct fw_app *a = ctx;
	struct fw_ruleset *rs = atomic_load_explicit(&a->active, memory_order_acquire);
	uint64_t now = w->now_ms;
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_buf *p = pkts[i];
		if (i + 1 < n)
			__builtin_prefetch(pkts[i + 1]->data + pkts[i + 1]->meta.l3_off);
		if (p->meta.flags & PKT_F_FRAG) {
			pkt_drop(p, FWA_FRAGMENT);
			continue;
		}
		struct ct_pkt cp;
		ct_track(a->ct, p, now, &cp);
		int iif = p->port, oif = p->port ^ 1;
		struct fw_pkt fp;
		fw_pkt_fill(&fp, p, iif, oif, cp.state == CT_S_UNTRACKED ? 0 : cp.state);
		struct fw_decision d;
		fw_decide(rs, FW_HOOK_FORWARD, &fp, p, now, &a->log, &d);
		switch (d.verdict) {
		case FW_ACCEPT:
			if (ct_commit(a->ct, p, now, &cp))
				pkt_fwd(p, (uint16_t)oif);
			else
				pkt_drop(p, FWA_CT_FULL);
			break;
		case FW_REJECT:
			if (fw_bucket_take(&a->reject_rate, REJECT_COST, REJECT_COST * REJECT_RATE, now * 1000000ull) &&
			    fw_reject_build(p, d.reject_with, d.reject_code)) {
				a->rejected++;
				pkt_fwd(p, (uint16_t)iif);
			} else {
				pkt_drop(p, FWA_REJECT_SILENT);
			}
			break;
		default:
			pkt_drop(p, d.rule < 0 ? FWA_POLICY : FWA_RULE);
			break;
		}
	}
}

static const struct pkt_stage_def fw_stage = {
	.name = "fw",
	.reasons = fw_app_reasons,
	.n_reasons = FWA__COUNT,
	.process = fw_process,
};

/* What bridge mode cannot do with a config, as FILE:LINE:COL. */
static int check_bridge(const struct fw_ruleset *rs, const char *name, uint16_t n_ports, char *err, size_t errlen)
{
	const struct fw_config *cfg = &rs->cfg;
	if (cfg->n_iface > n_ports) {
		const struct fw_iface *ifc = &cfg->iface[n_ports];
		snprintf(err, errlen, "%s:%u:%u: interface '%s' has no port: the appliance has %u (interfaces take ports "
			 "in the order declared)", name, ifc->line, ifc->col, ifc->name, n_ports);
		return -1;
	}
	if (cfg->n_route) {
		snprintf(err, errlen, "%s: routes need router mode, which is not built yet; fw runs as a bridge "
			 "(%u route(s) declared)", name, cfg->n_route);
		return -1;
	}
	return 0;
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
	struct fw_err fe = { "" };
	struct fw_ruleset *rs = fw_ruleset_load(env->config_name, env->config, env->config_len, &fe);
	if (!rs) {
		snprintf(err, errlen, "%s", fe.msg);
		return -1;
	}
	if (check_bridge(rs, env->config_name, pipe->n_ports, err, errlen)) {
		fw_ruleset_free(rs);
		return -1;
	}
	struct fw_app *a = calloc(1, sizeof(*a));
	if (a)
		a->ct = ct_table_create(&rs->cfg.ct);
	if (!a || !a->ct) {
		snprintf(err, errlen, "fw: out of memory for a connection table of %u entries", rs->cfg.ct.max_entries);
		free(a);
		fw_ruleset_free(rs);
		return -1;
	}
	atomic_init(&a->active, rs);
	fw_log_init(&a->log);
	a->n_ports = pipe->n_ports;
	a->emit = env->log;
	a->emit_arg = env->log_arg;
	if (!pkt_pipe_add(pipe, &pkt_parse_stage, NULL) || !pkt_pipe_add(pipe, &fw_stage, a)) {
		snprintf(err, errlen, "fw: pipeline full");
		ct_table_destroy(a->ct);
		fw_ruleset_free(rs);
		free(a);
		return -1;
	}
	*state = a;
	return 0;
}

static void fw_teardown(void *state)
{
	struct fw_app *a = state;
	if (!a)
		return;
	fw_ruleset_free(a->retired);
	fw_ruleset_free(atomic_load(&a->active));
	ct_table_destroy(a->ct);
	free(a);
}

static void fw_tick(void *state, uint64_t now_ms)
{
	struct fw_app *a = state;
	/* the worker is between bursts: nothing it read from the old ruleset is in use */
	if (a->retired) {
		fw_ruleset_free(a->retired);
		a->retired = NULL;
	}
	ct_sweep(a->ct, now_ms, SWEEP_BUCKETS);
	const struct fw_ruleset *rs = atomic_load_explicit(&a->active, memory_order_relaxed);
	while (a->log.tail != a->log.head) {
		char line[256];
		fw_log_format(rs, &a->log.ring[a->log.tail++ % FW_LOG_RING], line, sizeof(line));
		if (a->emit)
			a->emit(a->emit_arg, line);
	}
}

static int fw_reload(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct fw_app *a = state;
	struct fw_err fe = { "" };
	struct fw_ruleset *rs = fw_ruleset_load(name, text, len, &fe);
	if (!rs) {
		snprintf(err, errlen, "%s", fe.msg);
		a->reload_failures++;
		return -1;
	}
	if (check_bridge(rs, name, a->n_ports, err, errlen) < 0) {
		fw_ruleset_free(rs);
		a->reload_failures++;
		return -1;
	}
	if (!ct_table_tune(a->ct, &rs->cfg.ct)) {
		snprintf(err, errlen, "%s:%u:%u: conntrack max cannot change while running (it is %u); restart to resize",
			 name, rs->cfg.ct_line, rs->cfg.ct_col, ct_table_config(a->ct)->max_entries);
		fw_ruleset_free(rs);
		a->reload_failures++;
		return -1;
	}
	/* a reload before the last one's tick: that older ruleset is out of use as well */
	fw_ruleset_free(a->retired);
	a->retired = atomic_exchange_explicit(&a->active, rs, memory_order_acq_rel);
	a->reloads++;
	return 0;
}

static void fw_report(void *state, void (*emit)(void *arg, const char *line), void *arg)
{
	struct fw_app *a = state;
	const struct fw_ruleset *rs = atomic_load(&a->active);
	fw_ruleset_report(rs, emit, arg);
	ct_counters_format(a->ct, emit, arg);
	char line[160];
	snprintf(line, sizeof(line), "fw: %llu rejected with an answer, %llu log lines (%llu over the rate), "
		 "%llu reloads (%llu refused)", (unsigned long long)a->rejected, (unsigned long long)a->log.logged,
		 (unsigned long long)a->log.suppressed, (unsigned long long)a->reloads,
		 (unsigned long long)a->reload_failures);
	emit(arg, line);
}

const struct app_def app_fw = {
	.name = "fw",
	.summary = "stateful firewall, a transparent bridge between port 0 and port 1;\n"
		   "             needs a ruleset (--config FILE, docs/RULES.md)",
	.min_ports = 2,
	.max_ports = 2,
	.needs_config = true,
	.setup = fw_setup,
	.teardown = fw_teardown,
	.tick = fw_tick,
	.reload = fw_reload,
	.report = fw_report,
};
