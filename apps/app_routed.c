/* What the routed appliances (fw, nat) do alike off the packet path (app_routed.h). */
#include "app_routed.h"
#include "app_conf.h"

#include <stdio.h>

#define SWEEP_BUCKETS 64          /* conntrack buckets expired per tick */
#define TICK_CATCHUP 64           /* ms of sweeping one tick may make up for */

void apr_init(struct apr_core *k, const struct apr_parts *p, const struct pkt_pipeline *pipe,
	      const struct app_env *env, bool ct_shrunk)
{
	*k = (struct apr_core){ .p = *p, .epoch = pipe->epoch, .emit = env->log, .emit_arg = env->log_arg };
	fw_log_init(p->log);
	if (ct_shrunk && k->emit) {
		char line[200];
		uint32_t max = ct_table_config(p->ct)->max_entries;
		snprintf(line, sizeof(line), "%s: conntrack: the default of 65536 entries does not fit in memory; the "
			 "table holds %u%s (conntrack { max N } sets it)", p->app, max, max > 1024 ? ", half of what fits" : "");
		k->emit(k->emit_arg, line);
	}
}

void apr_reclaim(struct apr_core *k)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < k->n_retired; i++) {
		if (!k->epoch || pkt_epoch_safe(k->epoch, k->retired[i].ticket))
			k->p.conf_free(k->retired[i].c);
		else
			k->retired[kept++] = k->retired[i];
	}
	k->n_retired = kept;
}

void apr_retire(struct apr_core *k, void *old)
{
	k->retired[k->n_retired].c = old;
	k->retired[k->n_retired++].ticket = k->epoch ? pkt_epoch_retire(k->epoch) : 0;
	k->reloads++;
}

void apr_tick(struct apr_core *k, struct pkt_worker *w, uint64_t now_ms, const struct rtr_conf *rc,
	      const struct fw_ruleset *rs)
{
	apr_reclaim(k);
	/* The sweeps walk their tables by the time gone since the last tick, not by the number
	 * of ticks: a ms's worth a ms, up to TICK_CATCHUP ms's worth at once. So retries and
	 * expiries keep time when ticks are far apart (a busy worker; a replay on the
	 * capture's clock, which moves only with the frames). */
	uint64_t gone = now_ms - *k->p.last_tick_ms;
	unsigned steps = gone == 0 ? 1 : gone > TICK_CATCHUP ? TICK_CATCHUP : (unsigned)gone;
	*k->p.last_tick_ms = now_ms;
	ct_sweep(k->p.ct, now_ms, SWEEP_BUCKETS * steps);
	frag_sweep(k->p.frag, now_ms, SWEEP_BUCKETS * steps);
	if (k->p.rtr)
		rtr_tick(k->p.rtr, rc, w, now_ms, steps);
	app_csum_hint(k->p.ct, &k->told_csum_partial, k->p.app, k->emit, k->emit_arg);
	struct fw_log *log = k->p.log;
	while (log->tail != log->head) {
		char line[256];
		fw_log_format(rs, &log->ring[log->tail++ % FW_LOG_RING], line, sizeof(line));
		if (k->emit)
			k->emit(k->emit_arg, line);
	}
}

void apr_report(const struct apr_core *k, const struct fw_ruleset *rs, const struct rtr_conf *rc,
		void (*emit)(void *arg, const char *line), void *arg)
{
	if (rs)
		fw_ruleset_report(rs, emit, arg);
	ct_counters_format(k->p.ct, emit, arg);
	frag_counters_format(k->p.frag, emit, arg);
	if (k->p.rtr)
		rtr_stats_format(k->p.rtr, rc, emit, arg);
}

void apr_fini(struct apr_core *k, void *active)
{
	for (unsigned i = 0; i < k->n_retired; i++)
		k->p.conf_free(k->retired[i].c);
	k->n_retired = 0;
	k->p.conf_free(active);
}
