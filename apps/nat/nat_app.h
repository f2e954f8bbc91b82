/* nat_app.h - the nat appliance's state, shared by its files: a router (router/router.h)
 * between its ports with the NAT44 engine (nat/nat.h) at its prerouting and postrouting
 * hooks and, when the config declares firewall chains, the firewall (firewall/fw.h) at its
 * input, forward and output hooks. Internal to apps/nat. */
#ifndef SLUICE_NAT_APP_H
#define SLUICE_NAT_APP_H

#include "app.h"
#include "app_routed.h"
#include "ct.h"
#include "fw.h"
#include "nat.h"
#include "router.h"

struct natd_doc;
struct natc_txn;

#define NATA_REASONS(X)                                                                             \
	X(POLICY, "policy")             /* a firewall chain's policy dropped it */                     \
	X(RULE, "rule")                 /* a firewall rule dropped it */                               \
	X(REJECT_SILENT, "reject_silent") /* rejected without an answer (never answered, or over the rate) */ \
	X(CT_FULL, "ct_full")           /* accepted, but the connection table had no room */

#define NATA_ENUM(id, str) NATA_##id,
enum nata_reason { NATA_REASONS(NATA_ENUM) NATA__COUNT };
#undef NATA_ENUM
/* The stage's reasons: its own, the router's, the NAT's (without "ok"), then the parser's. */
#define NATA_RTR NATA__COUNT
#define NATA_NAT (NATA_RTR + RTR_R__COUNT - 1)   /* + enum nat_reason (from 1) */
#define NATA_PARSE (NATA_NAT + NAT_R__COUNT)
#define NATA_N_REASONS (NATA_PARSE + PKT_PARSE__COUNT)
extern const char *const nata_reasons[NATA_N_REASONS];

/* Everything a reload replaces, built off to the side and swapped as one pointer. */
struct nata_conf {
	uint64_t gen;
	char name[96];
	struct fw_ruleset *rs;              /* the firewall's chains (none declared: all accepted)
	                                       and the shared declarations, rs->cfg.cf */
	bool filtering;                     /* some firewall chain is declared */
	struct nat_config nat;
	struct rtr_conf rc;
	char *text;                         /* the config text it was built from (show config, the
	                                       control socket's document), NUL-terminated */
	size_t text_len;
};

#define NATA_RETIRED 1                  /* replaced configs waiting for the workers at most:
                                           the router's interface counters have slots for one */

struct nat_app {
	struct nata_conf *_Atomic active;
	struct apr_core core;               /* the replaced configs, the tick's sweeps (app_routed.h) */
	struct ct_table *ct;
	bool ct_shrunk;
	uint16_t next_pool_id;              /* the id a new pool gets at a reload */
	struct rtr rtr;
	struct nat nat;
	struct nat_note note;               /* the packet between prerouting and postrouting */
	struct fw_log log;
	struct fw_flow_stats flow;
	struct fw_bucket answer_rate;       /* answers a second: rejects and the router's ICMP errors */
	uint64_t rejected;
	uint64_t last_tick_ms;
	struct pkt_pool *pool;
	const uint8_t *port_mac[PKT_MAX_PORTS];
	uint16_t n_ports;
	void (*emit)(void *arg, const char *line);
	void *emit_arg;
	/* the running config as the control socket edits it (nat_ctl_int.h): the NAT chains'
	 * rules with handles, the rest as its text; NULL when there was no memory to read it at
	 * the last load (transactions and show nat rules then refuse) */
	struct natd_doc *doc;
	struct natc_txn *ctl_txn;           /* the transaction whose text is being reloaded */
	struct {                            /* translated connections, counted for the metrics by a
	                                       walk of the table at most once a second */
		uint32_t n;
		uint64_t at_ms;
		bool ok;
	} mx_sessions;
};

/* The router's hooks (nat_hooks.c). */
extern const struct rtr_hooks nata_hooks;

/* The control socket's namespace (nat_ctl*.c): "nat add rule ...", "show nat sessions", ... */
extern const struct ctl_ns nata_ctl_ns;
/* The document of the config text setup loaded (nat_ctl.c). */
void natc_loaded(struct nat_app *a, const char *name, const char *text, size_t len);
/* Right after a reload swapped c in for old, between bursts: the document of c's text (new
 * handles, hit counts from zero), or, when that text is the one a transaction rendered,
 * its document (handles kept) with the hit counts of the rules it kept carried over. */
void natc_reloaded(struct nat_app *a, const struct nata_conf *old, const struct nata_conf *c);
void natc_teardown(struct nat_app *a);
/* The app's Prometheus families (nat_metrics.c). */
void nata_metrics(void *state, struct mx_out *o);

#endif
