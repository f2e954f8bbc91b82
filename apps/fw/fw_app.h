/* fw_app.h - the fw appliance's state, shared by its two ways of forwarding: the
 * transparent bridge (fw.c) and the router (router/router.h, with the chains at its hooks:
 * fw_router.c). Internal to apps/fw. */
#ifndef SLUICE_FW_APP_H
#define SLUICE_FW_APP_H

#include "app.h"
#include "app_routed.h"
#include "ct.h"
#include "frag.h"
#include "fw.h"
#include "neigh.h"
#include "pkt_parse.h"
#include "route.h"
#include "router.h"

struct ctl_args;
struct ctl_out;
struct fwd_doc;
struct fwc_txn;

#define FWA_REASONS(X)                                                                              \
	X(POLICY, "policy")             /* the chain's policy dropped it */                            \
	X(RULE, "rule")                 /* a rule dropped it */                                        \
	X(FRAGMENT, "fragment")         /* a later fragment of a refused datagram, or one for us */    \
	X(FRAG_BAD, "frag_bad")         /* a fragment that could hide a header (RFC 1858, 7112) */     \
	X(FRAG_FULL, "frag_full")       /* a fragment before its first, with no room to wait */        \
	X(CT_FULL, "ct_full")           /* accepted, but the connection table had no room */           \
	X(REJECT_SILENT, "reject_silent") /* rejected without an answer (never answered, or over the rate) */ \
	X(NOT_OURS, "not_ours")         /* router: sent to another MAC address */                      \
	X(VLAN, "vlan")                 /* router: tagged for no VLAN interface of its port, or twice */ \
	X(NO_ROOM, "no_room")           /* router: no room in the buffer for a VLAN tag's change */   \
	X(NOT_IP, "not_ip")             /* router: neither IP nor ARP */                               \
	X(TTL, "ttl")                   /* router: TTL or hop limit ran out, and no error was sent */  \
	X(NO_ROUTE, "no_route")         /* router: no route, and no error was sent */                  \
	X(MARTIAN, "martian")           /* router: an address that must not be forwarded */            \
	X(SOURCE_ROUTE, "source_route") /* router: an IPv4 loose or strict source route option */     \
	X(MTU, "mtu")                   /* router: too big for the way out, and no error was sent */   \
	X(NEIGH_WAIT_FULL, "neigh_wait_full") /* router: the next hop is unresolved and its queue full */ \
	X(NEIGH_FAILED, "neigh_failed") /* router: the next hop did not answer ARP/ND */               \
	X(NEIGH_TABLE_FULL, "neigh_table_full") /* router: no room for the next hop */                 \
	X(ARP, "arp")                   /* router: an ARP message, read (and learnt from) */            \
	X(LOCAL, "local")               /* router: for the appliance itself, read; nothing to answer */

#define FWA_ENUM(id, str) FWA_##id,
enum fw_app_reason { FWA_REASONS(FWA_ENUM) FWA__COUNT };
#undef FWA_ENUM
/* The fw stage parses its packets itself (in the pass that keys them for the connection
 * table), so pkt_parse()'s reasons follow its own: FWA_PARSE + enum pkt_parse_result,
 * counted as "parse_<reason>". */
#define FWA_PARSE FWA__COUNT
#define FWA_N_REASONS (FWA__COUNT + PKT_PARSE__COUNT)

extern const char *const fw_app_reasons[FWA_N_REASONS];

#define FWA_RETIRED APR_RETIRED         /* replaced configs waiting for the workers at most */

/* Everything a reload replaces, built off to the side and swapped as one pointer. */
struct fwa_conf {
	uint64_t gen;                       /* 1 for the first config, then one more per reload */
	char name[96];                      /* where it came from, for messages */
	struct fw_ruleset *rs;
	struct rtr_conf rc;                 /* router mode: interfaces and routes */
};

struct fw_app {
	struct fwa_conf *_Atomic active;
	struct apr_core core;               /* the replaced configs, the tick's sweeps (app_routed.h) */
	uint64_t last_tick_ms;              /* the clock at the previous tick */
	struct ct_table *ct;
	bool ct_shrunk;                     /* the default size did not fit: halved until it did */
	struct rtr rtr;                     /* router mode */
	struct frag_table *frag;            /* bridge mode: fragments follow their first one (frag.h) */
	struct pkt_pool *pool;
	const uint8_t *port_mac[PKT_MAX_PORTS];
	struct fw_log log;
	struct fw_flow_stats flow;          /* decisions kept per connection (fw_decide_flow) */
	uint16_t n_ports;
	bool router;
	bool router_ok;                     /* rtr was made (rtr_fini is due) */
	struct fw_bucket reject_rate;       /* answers a second: rejects and the router's ICMP errors */
	uint64_t rejected;
	/* the running config as the control socket edits it (fw_doc.h); NULL when there was no
	 * memory to read it at the last load (the control socket's transactions then refuse) */
	struct fwd_doc *doc;
	struct fwc_txn *ctl_txn;            /* the transaction whose text is being reloaded (fw_ctl.c) */
};

/* May this packet be answered now (the answers' rate)? */
bool fwa_answer_allowed(struct fw_app *a, uint64_t now_ms);
/* A packet the chain did not accept: dropped (policy or rule), or answered if rejected
 * (ICMP answers from icmp_src, NULL: the packet's destination; fw_reject.h). */
void fwa_refuse(struct fw_app *a, struct pkt_buf *p, const struct fw_decision *d, const uint8_t *icmp_src,
		uint64_t now_ms);

/* The router's hooks for the chains (fw_router.c). */
extern const struct rtr_hooks fw_router_hooks;
/* The app's Prometheus families (fw_metrics.c). */
void fw_metrics(void *state, struct mx_out *o);

/* The control socket's namespace (fw_ctl.c, fw_ctl_show.c): "fw add rule ...", "show rules". */
extern const struct ctl_ns fw_ctl_ns;
/* The document of the config text setup loaded. */
void fwc_loaded(struct fw_app *a, const char *name, const char *text, size_t len);
/* Right after a reload swapped rs in for old: the document of text (new handles), or, when
 * text is the one a transaction rendered, the counters of the rules it kept carried over. */
void fwc_reloaded(struct fw_app *a, struct fw_ruleset *old, struct fw_ruleset *rs, const char *name, const char *text,
		  size_t len);
void fwc_teardown(struct fw_app *a);
int fwc_show(void *app, const struct ctl_args *args, struct ctl_out *o);

#endif
