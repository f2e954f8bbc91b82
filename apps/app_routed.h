/* app_routed.h - what the appliances that route by one config in the rule language (fw,
 * nat) do alike off the packet path, around the config they swap at a reload and the
 * tables they keep:
 *
 *   apr_init()      at setup: the app's tables, its console, its first words (a connection
 *                   table that had to shrink);
 *   apr_tick()      once a millisecond: the replaced configs freed, the tables swept by
 *                   the time gone, the router's timers, the firewall's log lines written;
 *   apr_reclaim(),  at a reload, around the app's own atomic swap of its config: the
 *   apr_retire()    replaced one kept until no worker can hold it (pkt_epoch.h), counted;
 *   apr_report()    the tables' counters;
 *   apr_fini()      at teardown: every config freed.
 *
 * Each app keeps its own config type (swapped as one typed pointer, which its other files
 * and tests read) and its own checks; the core sees a config as a pointer to free.
 */
#ifndef SLUICE_APP_ROUTED_H
#define SLUICE_APP_ROUTED_H

#include "app.h"
#include "ct.h"
#include "frag.h"
#include "fw.h"
#include "pkt_epoch.h"
#include "router.h"

#define APR_RETIRED 8                   /* room for replaced configs; an app may allow fewer */

/* What an app hands its core at setup: its tables and records, which stay its own. */
struct apr_parts {
	const char *app;                    /* "fw", "nat": names its lines */
	void (*conf_free)(void *c);         /* frees one of the app's configs, or nothing given NULL */
	struct ct_table *ct;
	struct frag_table *frag;            /* the fragments waiting for their first one */
	struct rtr *rtr;                    /* NULL: no router (fw's bridge) */
	struct fw_log *log;                 /* the firewall's lines waiting to be written */
	uint64_t *last_tick_ms;             /* the clock at the previous tick */
};

struct apr_core {
	struct apr_parts p;
	struct pkt_epoch *epoch;            /* the pipeline's, or NULL */
	void (*emit)(void *arg, const char *line);   /* the console (NULL: none) */
	void *emit_arg;
	/* configs replaced, freed once no worker can hold them (pkt_epoch.h; with no epoch,
	 * the pipeline's owner runs the only worker: at the next tick or reload) */
	struct { void *c; uint64_t ticket; } retired[APR_RETIRED];
	unsigned n_retired;
	uint64_t reloads, reload_failures;
	bool told_csum_partial;             /* the console was told once why checksums left to offload fail */
};

/* Takes p, the pipeline's epoch and env's console, empties the log and, when the
 * connection table's default size did not fit (ct_shrunk, app_conf.h), says so. */
void apr_init(struct apr_core *k, const struct apr_parts *p, const struct pkt_pipeline *pipe,
	      const struct app_env *env, bool ct_shrunk);

/* The tick, between bursts: reclaims, then sweeps; rc and rs are the running config's (the
 * router's, and the ruleset the log lines name). */
void apr_tick(struct apr_core *k, struct pkt_worker *w, uint64_t now_ms, const struct rtr_conf *rc,
	      const struct fw_ruleset *rs);

/* Frees the replaced configs no worker can hold any more. */
void apr_reclaim(struct apr_core *k);
/* Right after the app's swap put a new config in old's place: old kept until no worker can
 * hold it, the reload counted. The app checked n_retired against its limit first. */
void apr_retire(struct apr_core *k, void *old);

/* The counters of the ruleset rs (NULL: none), the connection table, the fragments and,
 * for a router, of rc's interfaces; one line per call of emit. */
void apr_report(const struct apr_core *k, const struct fw_ruleset *rs, const struct rtr_conf *rc,
		void (*emit)(void *arg, const char *line), void *arg);

/* Frees the replaced configs and active, the running one. */
void apr_fini(struct apr_core *k, void *active);

#endif
