/* lb_app.h - the lb appliance's state, shared by its files: a router (router/router.h)
 * between its ports with the load balancer engine (lb/lb.h) in front of it (dsr services'
 * packets, forwarded by the stage itself) and at its prerouting hook (nat services'
 * connections), health checks from the appliance's own stack (lb_health.c), and the
 * control socket's "lb" namespace. Internal to apps/lb. */
#ifndef SLUICE_LB_APP_H
#define SLUICE_LB_APP_H

#include "app.h"
#include "app_routed.h"
#include "ct.h"
#include "lb.h"
#include "pkt_addr.h"
#include "router.h"

#include <stdatomic.h>

/* The stage's reasons: the engine's (named lb_*), the router's, then the parser's. */
#define LBA_LB 0
#define LBA_RTR (LBA_LB + LB_R__COUNT)
#define LBA_PARSE (LBA_RTR + RTR_R__COUNT)
#define LBA_N_REASONS (LBA_PARSE + PKT_PARSE__COUNT)
extern const char *const lba_reasons[LBA_N_REASONS];

/* Everything a reload replaces, built off to the side and swapped as one pointer. */
struct lba_conf {
	uint64_t gen;
	char name[96];
	struct cf_config *cf;               /* the shared declarations */
	struct lb_config lb;                /* the services */
	struct rtr_conf rc;
	char *text;                         /* the text it was built from, NUL-terminated */
	size_t text_len;
};

#define LBA_RETIRED 1                   /* as nat's: the router's counters have slots for one */
#define LBA_SETS_RETIRED 8              /* replaced sets waiting for the workers */

/* A backend as the appliance knows it across configs: its id is its slot. */
enum lba_hc_state { LBA_HC_UP, LBA_HC_DOWN };
struct lba_be {
	bool used;
	bool seen;                          /* in the config being applied (the sweep of removed ones) */
	char svc[CF_NAME_MAX], name[CF_NAME_MAX];
	uint8_t hc;                         /* enum lba_hc_state */
	uint8_t ok_run, fail_run;           /* checks passed / failed in a row */
	uint64_t checks, failures;          /* counted */
	uint64_t next_ms;                   /* the next check's time */
	uint64_t changed_ms;                /* when its health last changed */
	char last[64];                      /* the last check's result: "ok", "refused", "status 503" */
	void *probe;                        /* the check running (lb_health.c), or NULL */
};

struct lb_app {
	struct lba_conf *_Atomic active;
	struct lb_set *_Atomic set;
	struct apr_core core;               /* replaced configs, the tick's sweeps */
	struct { struct lb_set *s; uint64_t ticket; } sets_retired[LBA_SETS_RETIRED];
	unsigned n_sets_retired;
	uint64_t set_gen, set_builds, set_build_failures, set_build_us;
	struct ct_table *ct;
	bool ct_shrunk;
	struct rtr rtr;
	struct lb lb;
	uint64_t last_tick_ms;
	struct fw_log log;                  /* the core's: no firewall writes to it */
	struct fw_bucket answer_rate;       /* the router's answers a second */
	uint64_t too_big_told;              /* senders told the tunnel's MTU */
	struct pkt_pool *pool;
	const uint8_t *port_mac[PKT_MAX_PORTS];
	uint16_t n_ports;
	void (*emit)(void *arg, const char *line);
	void *emit_arg;
	struct lba_be be[LB_MAX_IDS];       /* by id */
	struct rtr_hop hop[LB_MAX_IDS];     /* dsr: the worker's way to each backend id */
	uint16_t be_slot[2 * LB_MAX_IDS];   /* ids by hash of (service, name), LB_NONE: free */
	uint16_t next_id;
	uint16_t next_svc_id;
	char svc_names[LB_MAX_SVC_IDS][CF_NAME_MAX]; /* service ids by name ("" free) */
	bool host_up;                       /* the host stack is up: health checks may run */
	unsigned probes_running;
	uint64_t health_look_ms;
	bool health_dirty;                  /* a backend's health changed: the set is built again */
	uint64_t now_ms;
	void *ctl_doc;                      /* the control socket's view (lb_ctl.c) */
};

static inline struct lba_conf *lba_conf_of(const struct rtr_conf *rc)
{
	return (struct lba_conf *)(void *)((char *)(uintptr_t)rc - offsetof(struct lba_conf, rc));
}

/* addr of family as text, in buf. */
static inline const char *lba_addr(char *buf, size_t len, uint8_t family, const uint8_t *addr)
{
	size_t at = 0;
	if (family == 6)
		pkt_addr_put_ip6(buf, len, &at, addr);
	else
		pkt_addr_put_ip4(buf, len, &at, addr);
	return buf;
}

/* A dsr packet p of service v that came in by interface iif (our MAC, TTL above 1, not a
 * fragment), key k and tag its flow's: its backend's, then MAC rewrite or the tunnel, out
 * by the router (rtr_steer_hop, the way to the backend kept in a->hop). One too big for
 * the tunnel is answered (fragmentation needed, packet too big) when it may be, else
 * dropped. lb_main.c. */
void lba_dsr_forward(struct lb_app *a, const struct lb_set *s, const struct lb_service *v, const struct rtr_conf *rc,
		     struct pkt_worker *w, struct pkt_buf *p, const struct pkt_flow_key *k, uint64_t tag, int iif);

/* The router's hooks (lb_hooks.c). */
extern const struct rtr_hooks lba_hooks;

/* Backend ids and the running set (lb_set.c). */
/* The id of (svc, name), given one when new; LB_NONE when all are taken. */
uint16_t lba_be_id(struct lb_app *a, const char *svc, const char *name);
/* The id of a service's name, given one when new; LB_NONE when all are taken. */
uint16_t lba_svc_id(struct lb_app *a, const char *name);
/* Builds the set for c with the backends' health now, and swaps it in (the old one
 * retired). -1 with err: c's are kept as they were. */
int lba_set_swap(struct lb_app *a, const struct lba_conf *c, char *err, size_t errlen);
/* After a config was applied: the ids of backends it no longer has freed (their flows
 * forgotten), health state of those it kept untouched. */
void lba_be_sweep(struct lb_app *a, const struct lba_conf *c);
void lba_sets_reclaim(struct lb_app *a, bool all);

/* Health checks (lb_health.c, over the host stack). */
void lba_health_tick(struct lb_app *a, uint64_t now_ms);
void lba_health_stop(struct lb_app *a);
/* A backend removed: its running check, if any, ended. */
void lba_health_forget(struct lb_app *a, uint16_t id);
/* The host stack is up (app_def.host_up): the checks may start; and down. */
int lba_host_up(void *state, char *err, size_t errlen);
void lba_host_down(void *state);
/* Whether backend id's checks say it is down. */
static inline bool lba_be_down(const struct lb_app *a, uint16_t id)
{
	return a->be[id].hc == LBA_HC_DOWN;
}

/* The control socket's namespace (lb_ctl.c) and metrics (lb_metrics.c). */
extern const struct ctl_ns lba_ctl_ns;
void lba_metrics(void *state, struct mx_out *o);

#endif
