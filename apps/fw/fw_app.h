/* fw_app.h - the fw appliance's state, shared by its two ways of forwarding: the
 * transparent bridge (fw.c) and the router (fw_router.c). Internal to apps/fw. */
#ifndef SLUICE_FW_APP_H
#define SLUICE_FW_APP_H

#include "app.h"
#include "ct.h"
#include "frag.h"
#include "fw.h"
#include "neigh.h"
#include "pkt_parse.h"
#include "route.h"

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

/* One interface as the router sees it: a port's own (untagged frames), or a VLAN on a
 * port (frames tagged with its ID). Rules, routes and neighbours name interfaces by their
 * index in the config; frames leave by the interface's port, tagged for a VLAN. */
struct fwa_iface {
	uint8_t mac[6];
	uint8_t ll6[16];                    /* its IPv6 link-local address (fe80::/64, EUI-64) */
	uint16_t port;                      /* the port its frames use */
	uint16_t vlan;                      /* 0: untagged; else its VLAN ID */
	uint8_t stats;                      /* its counters: fw_app.ifs[stats] */
	const struct fw_iface *cfg;         /* its addresses (cfg->addr[], either family) */
};

#define FWA_RETIRED 8                   /* replaced configs waiting for the workers at most */

/* Everything a reload replaces, built off to the side and swapped as one pointer. */
struct fwa_conf {
	uint64_t gen;                       /* 1 for the first config, then one more per reload */
	char name[96];                      /* where it came from, for messages */
	struct fw_ruleset *rs;
	struct rt_table *rt;                /* router mode: connected, local and static routes */
	unsigned n_iface;
	struct fwa_iface ifc[FW_MAX_IFACES];
	uint8_t port_ifx[PKT_MAX_PORTS];    /* the interface of each port's untagged frames */
};

/* An interface's counters (router mode). They belong to its link, a port and VLAN ID, and
 * so outlive a reload that renames or renumbers it; one the running config does not have
 * starts from zero. Slots: the running config's, the retired one's and the new one's. */
#define FWA_IF_SLOTS (3 * FW_MAX_IFACES)
struct fwa_if_stats {
	uint64_t rx_pkts, rx_bytes;         /* frames it took in (before any rule or check) */
	uint64_t tx_pkts, tx_bytes;         /* frames it handed to its port: forwarded, answers, requests */
};

struct fw_app {
	struct fwa_conf *_Atomic active;
	/* configs replaced, freed once no worker can hold them (pkt_epoch.h; with no epoch,
	 * the pipeline's owner runs the only worker: at the next tick or reload) */
	struct { struct fwa_conf *c; uint64_t ticket; } retired[FWA_RETIRED];
	unsigned n_retired;
	struct pkt_epoch *epoch;            /* the pipeline's, or NULL */
	uint64_t nb_gen;                    /* the config whose static neighbours the cache holds */
	uint64_t last_tick_ms;              /* the clock at the previous tick */
	struct ct_table *ct;
	bool ct_shrunk;                     /* the default size did not fit: halved until it did */
	struct nb_cache *nb;                /* router mode */
	struct frag_table *frag;            /* fragments follow their first one (frag.h) */
	struct pkt_pool *pool;
	const uint8_t *port_mac[PKT_MAX_PORTS];
	struct fw_log log;
	struct fw_flow_stats flow;          /* decisions kept per connection (fw_decide_flow) */
	uint16_t n_ports;
	bool router;
	struct fw_bucket reject_rate;       /* answers a second: rejects and the router's ICMP errors */
	uint64_t rejected, icmp_errors, arp_replies, nd_adverts, echo_replies, requests;
	uint64_t frag_lost;                 /* fragments that waited and could not follow their first */
	uint64_t unreachable_dropped;       /* dead next hop, and no host unreachable could be sent */
	uint64_t frag_out, frag_out_failed; /* fragments made for a smaller MTU; ones that could not go */
	uint64_t no_room;                   /* packets sent outside a burst without room for a VLAN tag */
	uint64_t reloads, reload_failures;
	struct fwa_if_stats ifs[FWA_IF_SLOTS];
	void (*emit)(void *arg, const char *line);
	void *emit_arg;
	bool told_csum_partial;    /* the console was told once why checksums left to offload fail */
	/* the running config as the control socket edits it (fw_doc.h); NULL when there was no
	 * memory to read it at the last load (the control socket's transactions then refuse) */
	struct fwd_doc *doc;
	struct fwc_txn *ctl_txn;            /* the transaction whose text is being reloaded (fw_ctl.c) */
};

/* hook's decision for p, tracked as cp, arriving on iif and leaving by oif (-1: none):
 * accepted at once by a chain that begins "ct state ... accept", from the connection's
 * kept decision for packets of its own flow, else by the classifier. */
static inline __attribute__((always_inline)) void fwa_decide(struct fw_app *a, struct fw_ruleset *rs, enum fw_hook hook, const struct ct_pkt *cp,
			      const struct pkt_buf *p, int iif, int oif, uint64_t now_ms, struct fw_decision *d)
{
	uint8_t state = cp->state == CT_S_UNTRACKED ? 0 : cp->state;
	if (fw_fast_accept(rs, hook, state)) {
		*d = (struct fw_decision){ .verdict = FW_ACCEPT };
		return;
	}
	if (cp->e && (state == CT_S_NEW || state == CT_S_ESTABLISHED)) {
		fw_decide_flow(rs, hook, fw_flow_memo(rs, cp->e, cp->dir), p, iif, oif, state, now_ms, &a->log, &a->flow,
			       d);
		return;
	}
	struct fw_pkt fp;
	fw_pkt_fill(&fp, p, iif, oif, state);
	fw_decide(rs, hook, &fp, p, now_ms, &a->log, d);
}

/* May this packet be answered now (the answers' rate)? */
bool fwa_answer_allowed(struct fw_app *a, uint64_t now_ms);
/* A packet the chain did not accept: dropped (policy or rule), or answered if rejected
 * (ICMP answers from icmp_src, NULL: the packet's destination; fw_reject.h). */
void fwa_refuse(struct fw_app *a, struct pkt_buf *p, const struct fw_decision *d, const uint8_t *icmp_src,
		uint64_t now_ms);

/* A later fragment: true when it follows its datagram (the caller sends it on as the
 * datagram went); else it was dropped, or left waiting for its first fragment. */
bool fwa_frag_later(struct fw_app *a, struct pkt_buf *p, const struct frag_key *k, uint64_t now_ms);

/* The interface p arrived on (its port, and its VLAN tag if any), or -1: tagged for no
 * VLAN interface of that port, or twice. A priority-tagged frame (VLAN ID 0) is the
 * port's own (the router takes its tag off). */
static inline int fwa_ingress(const struct fwa_conf *c, const struct pkt_buf *p)
{
	const struct pkt_meta *m = &p->meta;
	uint16_t vid = m->n_vlan ? (uint16_t)(m->vlan & 0x0fff) : 0;
	if (__builtin_expect(!vid && m->n_vlan < 2, 1))
		return c->port_ifx[p->port];
	if (m->n_vlan > 1)
		return -1;
	for (unsigned i = 0; i < c->n_iface; i++)
		if (c->ifc[i].vlan == vid && c->ifc[i].port == p->port)
			return (int)i;
	return -1;
}

/* p leaves by interface ifx: counted */
static inline void fwa_sent(struct fw_app *a, const struct fwa_conf *c, uint16_t ifx, const struct pkt_buf *p)
{
	struct fwa_if_stats *s = &a->ifs[c->ifc[ifx].stats];
	s->tx_pkts++;
	s->tx_bytes += p->len;
}

/* f's link as the neighbour cache knows it: its port and VLAN ID, which a reload that
 * declares interfaces in another order does not change (their numbers may). */
static inline uint16_t fwa_link(const struct fwa_iface *f)
{
	return (uint16_t)(f->port << 12 | f->vlan);
}

/* The interface of a neighbour cache link, or -1 when the config has none there. */
static inline int fwa_link_ifx(const struct fwa_conf *c, uint16_t link)
{
	for (unsigned i = 0; i < c->n_iface; i++)
		if (fwa_link(&c->ifc[i]) == link)
			return (int)i;
	return -1;
}

/* On f's link: inside one of its connected prefixes (or link-local, for IPv6)? */
bool fwa_on_link(const struct fwa_iface *f, int family, const uint8_t *ip);

/* The router's stage body, its tick (neighbour retries) and its part of a config's
 * building (interfaces and routes; -1 with FILE:LINE:COL in err). */
void fw_router_burst(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf **pkts,
		     uint16_t n);
void fw_router_tick(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, uint64_t now_ms, unsigned steps);
/* The config's static neighbours into the cache, replacing the previous config's. */
void fw_router_neighbors(struct fw_app *a, const struct fwa_conf *c);
/* Gives each of c's interfaces its counters: those of its link in the running config,
 * else a slot that no config in use holds, zeroed. Before c is swapped in. */
void fw_router_stats_assign(struct fw_app *a, struct fwa_conf *c);
/* One line per interface of c: its counters. */
void fw_router_stats_format(const struct fw_app *a, const struct fwa_conf *c, void (*emit)(void *arg, const char *line),
			    void *arg);
/* The app's Prometheus families (fw_metrics.c). */
void fw_metrics(void *state, struct mx_out *o);
int fw_router_build(struct fwa_conf *c, const char *name, const uint8_t *const *port_mac, uint16_t n_ports, char *err,
		    size_t errlen);

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
