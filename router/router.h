/* router.h - the IP router every routing appliance shares (fw in router mode, nat, lb).
 *
 * Each port is an interface with its own addresses (cf_config.h's interface declarations),
 * or carries VLAN interfaces; a packet goes where the routing table says:
 *
 *   ingress: its interface (port and tag), our MAC or a group address, ARP answered and
 *            learnt from, IP only, bad fragments and source routes dropped; tracked
 *            (ct_track: conntrack sees every IP packet first, as Linux's does);
 *   prerouting hook: the engine may rewrite the destination (DNAT, a NAT reply);
 *   for one of our addresses (or broadcast/multicast) -> input hook -> read here:
 *            neighbour discovery answered and learnt from, echo requests answered;
 *   for anyone else -> martians dropped, TTL/hop limit, route lookup, MTU (an ICMP error,
 *            or IPv4 without DF fragmented on the way out) -> forward hook -> TTL
 *            decremented -> postrouting hook (SNAT) -> Ethernet rewritten for the next
 *            hop (ARP/ND resolved, packets waiting meanwhile);
 *   what the router answers itself (echo replies, neighbour advertisements, time exceeded,
 *            no route, host unreachable) -> output hook -> back to the neighbour the
 *            packet came from.
 *
 * The hooks are the engine's: each returns RTR_ACCEPT to let the packet go on, or
 * RTR_DONE when it disposed of it itself (pkt_drop with its own reason, or an answer sent
 * back out with pkt_fwd). A hook that accepts a new connection commits it (ct_commit);
 * the router never creates connections. Later fragments skip the hooks: they follow their
 * datagram's first fragment (frag.h), leaving with the addresses it left with and by the
 * way it went.
 *
 * The config half (struct rtr_conf) is built off to the side with the engine's config and
 * swapped in with it; the state (struct rtr) is the worker's: its neighbour cache,
 * fragment table, counters and answer rate.
 */
#ifndef SLUICE_ROUTER_H
#define SLUICE_ROUTER_H

#include "cf_config.h"
#include "ct.h"
#include "frag.h"
#include "neigh.h"
#include "pkt_pipe.h"
#include "route.h"

/* X(NAME, "name"): why the router drops a packet. The engine maps each to a reason of its
 * own stage (struct rtr_init.reason), so its names and order stay its own. */
#define RTR_REASONS(X)                                                                             \
	X(NOT_OURS, "not_ours")         /* sent to another MAC address */                           \
	X(VLAN, "vlan")                 /* tagged for no VLAN interface of its port, or twice */    \
	X(NO_ROOM, "no_room")           /* no room in the buffer for a VLAN tag's change */         \
	X(NOT_IP, "not_ip")             /* neither IP nor ARP */                                    \
	X(TTL, "ttl")                   /* TTL or hop limit ran out, and no error was sent */       \
	X(NO_ROUTE, "no_route")         /* no route, and no error was sent */                       \
	X(MARTIAN, "martian")           /* an address that must not be forwarded */                \
	X(SOURCE_ROUTE, "source_route") /* an IPv4 loose or strict source route option */          \
	X(MTU, "mtu")                   /* too big for the way out, and no error was sent */        \
	X(NEIGH_WAIT_FULL, "neigh_wait_full") /* the next hop is unresolved and its queue full */   \
	X(NEIGH_FAILED, "neigh_failed") /* the next hop did not answer ARP/ND */                    \
	X(NEIGH_TABLE_FULL, "neigh_table_full") /* no room for the next hop */                      \
	X(ARP, "arp")                   /* an ARP message, read (and learnt from) */                \
	X(LOCAL, "local")               /* for the appliance itself, read; nothing to answer */     \
	X(FRAGMENT, "fragment")         /* a later fragment of a refused datagram, or one for us */ \
	X(FRAG_BAD, "frag_bad")         /* a fragment that could hide a header (RFC 1858, 7112) */  \
	X(FRAG_FULL, "frag_full")       /* a fragment before its first, with no room to wait */

#define RTR_R_ENUM(id, str) RTR_R_##id,
enum rtr_reason { RTR_REASONS(RTR_R_ENUM) RTR_R__COUNT };
#undef RTR_R_ENUM

/* One interface as the router sees it: a port's own (untagged frames), or a VLAN on a
 * port (frames tagged with its ID). Engines name interfaces by their index in the config;
 * frames leave by the interface's port, tagged for a VLAN. */
struct rtr_iface {
	uint8_t mac[6];
	uint8_t ll6[16];                    /* its IPv6 link-local address (fe80::/64, EUI-64) */
	uint16_t port;                      /* the port its frames use */
	uint16_t vlan;                      /* 0: untagged; else its VLAN ID */
	uint8_t stats;                      /* its counters: rtr.ifs[stats] */
	const struct cf_iface *cfg;         /* its addresses (cfg->addr[], either family) */
};

/* The config's half the router reads: built by rtr_conf_build, read-only after. */
struct rtr_conf {
	uint64_t gen;                       /* the engine's config generation (static neighbours follow it) */
	const struct cf_config *cfg;        /* the declarations it was built from (the engine's) */
	struct rt_table *rt;                /* connected, local and static routes */
	unsigned n_iface;
	struct rtr_iface ifc[CF_MAX_IFACES];
	uint8_t port_ifx[PKT_MAX_PORTS];    /* the interface of each port's untagged frames */
};

/* An interface's counters. They belong to its link, a port and VLAN ID, and so outlive a
 * reload that renames or renumbers it; one the running config does not have starts from
 * zero. Slots: the running config's, one replaced one's and the new one's. */
#define RTR_IF_SLOTS (3 * CF_MAX_IFACES)
struct rtr_if_stats {
	uint64_t rx_pkts, rx_bytes;         /* frames it took in (before any rule or check) */
	uint64_t tx_pkts, tx_bytes;         /* frames it handed to its port: forwarded, answers, requests */
};

struct rtr;

/* A packet on its way through the router, as the hooks see it. */
struct rtr_pkt {
	struct rtr *r;
	const struct rtr_conf *c;
	struct pkt_worker *w;
	struct pkt_buf *p;
	struct ct_pkt *cp;                  /* tracked at ingress (the output hook: just now) */
	int iif;                            /* interface it came in by, -1 for our own answers */
	int oif;                            /* interface it leaves by, -1: for us, or not routed yet */
	bool v6;
	uint64_t now;                       /* ms */
	void *note;                         /* the engine's, from prerouting to postrouting (one packet) */
	/* output hook, an ICMP error of the router's own (time exceeded, no route, fragmentation
	 * needed) about a packet that went through prerouting: that packet as tracked at
	 * ingress (its key is the packet as it came), else NULL */
	const struct ct_pkt *origin;
};

enum rtr_verdict { RTR_ACCEPT, RTR_DONE };

struct rtr_hooks {
	/* Before the route lookup; may rewrite the destination. NULL: accept. */
	enum rtr_verdict (*prerouting)(void *app, struct rtr_pkt *x);
	/* For the appliance itself. */
	enum rtr_verdict (*input)(void *app, struct rtr_pkt *x);
	/* Forwarded: TTL already decremented (a rejected packet is quoted so, as Linux does). */
	enum rtr_verdict (*forward)(void *app, struct rtr_pkt *x);
	/* Forwarded and accepted; may rewrite the source. NULL: accept. */
	enum rtr_verdict (*postrouting)(void *app, struct rtr_pkt *x);
	/* The router's own answers, written over the packet they answer. */
	enum rtr_verdict (*output)(void *app, struct rtr_pkt *x);
	/* May the router answer now (its ICMP errors; the engine's own answers share the rate)? */
	bool (*answer_allowed)(void *app, uint64_t now_ms);
	/* An address of family (4 or 6: ip is 4 or 16 bytes) the engine answers for on
	 * interface ifx besides the interface's own (a NAT pool's, a load balancer's VIPs):
	 * ARP requests, and neighbour solicitations, multicast or unicast to it. NULL: none. */
	bool (*owns)(void *app, int ifx, int family, const uint8_t *ip);
};

struct rtr_init {
	const struct rtr_hooks *hooks;
	void *app;
	struct ct_table *ct;                /* the engine's connection table */
	struct pkt_pool *pool;              /* for requests and fragments the router makes */
	uint16_t reason[RTR_R__COUNT];      /* the engine's stage reason for each router reason */
	uint16_t parse_reason_base;         /* the stage's reason of pkt_parse result 0 */
};

/* The router's state: one per worker. */
struct rtr {
	struct rtr_init in;
	struct nb_cache *nb;
	struct frag_table *frag;            /* fragments follow their first one (frag.h) */
	uint64_t nb_gen;                    /* the config whose static neighbours the cache holds */
	uint64_t icmp_errors, arp_replies, nd_adverts, echo_replies, requests;
	uint64_t frag_lost;                 /* fragments that waited and could not follow their first */
	uint64_t unreachable_dropped;       /* dead next hop, and no host unreachable could be sent */
	uint64_t frag_out, frag_out_failed; /* fragments made for a smaller MTU; ones that could not go */
	uint64_t no_room;                   /* packets sent outside a burst without room for a VLAN tag */
	struct rtr_if_stats ifs[RTR_IF_SLOTS];
};

/* -1 when out of memory (nothing to free then). */
int rtr_init(struct rtr *r, const struct rtr_init *in);
void rtr_fini(struct rtr *r);

/* Builds c from cfg (which must outlive c): interfaces take the ports in the order
 * declared, VLANs ride on them; the routing table holds each interface's connected and
 * local routes, then the static ones. -1 with "NAME:LINE:COL: why" in err. */
int rtr_conf_build(struct rtr_conf *c, const struct cf_config *cfg, const char *name, const uint8_t *const *port_mac,
		   uint16_t n_ports, char *err, size_t errlen);
void rtr_conf_free(struct rtr_conf *c);
/* Gives each of c's interfaces its counters: those of its link in run (the running
 * config) or old (one replaced, still held; NULL: none), else a free slot, zeroed. Before
 * c is swapped in. */
void rtr_stats_assign(struct rtr *r, struct rtr_conf *c, const struct rtr_conf *run, const struct rtr_conf *old);

/* c's static neighbours into the cache, replacing the previous config's (rtr_tick does
 * it when the config's generation changed; setup calls it first). */
void rtr_neighbors(struct rtr *r, const struct rtr_conf *c);

/* The stage body for a burst under config c. */
void rtr_burst(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n);
/* Once a ms or so: neighbour retries and failures (host unreachable), fragment expiry. */
void rtr_tick(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, uint64_t now_ms, unsigned steps);

/* For an engine that forwards some packets itself, before the router's hooks (the load
 * balancer's direct server return). rtr_count_in counts p as taken in by interface iif
 * (rtr_ingress). rtr_steer sends p, an IP packet the engine took from the burst (parsed,
 * not a fragment, for our MAC), to the neighbour via instead of its destination: the route
 * to via says the way out (a connected prefix: via itself is the neighbour; else its
 * gateway), its TTL or hop limit is decremented and its Ethernet header rewritten, or it
 * waits for the neighbour. Its verdict is set either way: forwarded, taken (waiting), or
 * dropped with the router's reason (no route to via or via is ours, TTL of 1 or less,
 * bigger than the way out's MTU, the neighbour's troubles). via is of p's family. */
void rtr_count_in(struct rtr *r, const struct rtr_conf *c, uint16_t iif, const struct pkt_buf *p);
/* And p as sent out of interface ifx by the engine itself (an answer of its own). */
void rtr_count_out(struct rtr *r, const struct rtr_conf *c, uint16_t ifx, const struct pkt_buf *p);
void rtr_steer(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p, const uint8_t *via,
	       uint64_t now);

/* The way to one address kept between packets by an engine that steers many to it (the
 * load balancer's backends), the caller's per worker: rtr_steer_hop does what rtr_steer
 * does, and when the way out is untagged and its neighbour resolved, keeps the way (the
 * interface, the MTU, both MAC addresses) in h. The next packets for the same address then
 * skip the route lookup and the neighbour cache while h holds: the same address and family,
 * the same config (rtr_conf's generation), no change in the neighbour cache
 * (nb_generation), and the neighbour not yet due a refresh (nb_peek). A packet that came
 * tagged takes rtr_steer's way. Zero h to start. */
struct rtr_hop {
	uint64_t conf_gen;                  /* rtr_conf.gen it was found under; 0: nothing kept */
	uint64_t until_ms;
	uint32_t nb_gen;
	uint32_t mtu;
	uint16_t ifx, port;
	uint8_t v6;                         /* via is IPv6 */
	uint8_t eth[12];                    /* the neighbour's MAC, then the interface's */
	uint8_t via[16];                    /* the address it leads to (IPv4: the first 4 bytes) */
};
void rtr_steer_hop(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p, const uint8_t *via,
		   struct rtr_hop *h, uint64_t now);

/* Our address on interface f for talking to near (NULL: any): the address whose prefix
 * holds it, else the first of the family, else (IPv6) the link-local one; NULL if none. */
const uint8_t *rtr_source(const struct rtr_iface *f, int family, const uint8_t *near);
/* On f's link: inside one of its connected prefixes (or link-local, for IPv6)? */
bool rtr_on_link(const struct rtr_iface *f, int family, const uint8_t *ip);
/* The address the engine answers x's packet from (a reject's ICMP error): ours on the way
 * back, as a router is seen (Linux does the same). false when the interface has none. */
bool rtr_answer_source(const struct rtr_pkt *x, uint8_t out[16]);

/* The interface p arrived on (its port, and its VLAN tag if any), or -1: tagged for no
 * VLAN interface of that port, or twice. A priority-tagged frame (VLAN ID 0) is the
 * port's own (the router takes its tag off). */
static inline int rtr_ingress(const struct rtr_conf *c, const struct pkt_buf *p)
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

/* f's link as the neighbour cache knows it: its port and VLAN ID, which a reload that
 * declares interfaces in another order does not change (their numbers may). */
static inline uint16_t rtr_link(const struct rtr_iface *f)
{
	return (uint16_t)(f->port << 12 | f->vlan);
}

/* One line per interface of c: its counters; then the router's own counters. */
void rtr_stats_format(const struct rtr *r, const struct rtr_conf *c, void (*emit)(void *arg, const char *line),
		      void *arg);

#endif
