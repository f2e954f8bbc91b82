/* lb.h - the L4 load balancer engine: services (a virtual address, protocol and port)
 * spread over weighted backends by Maglev consistent hashing (lb_maglev.h), in one of two
 * modes per service:
 *
 *   nat  the destination is rewritten to the backend (and, with snat, the source to the
 *        appliance's address toward it), the connection tracked (dataplane/ct.h, a
 *        translated reply key) so that replies, which come back through the appliance,
 *        are rewritten back; the connection is the flow's affinity. IPv4.
 *   dsr  direct server return: the packet goes to the backend unchanged but for its
 *        Ethernet header (backends on a link of the appliance, holding the VIP on a
 *        loopback), or encapsulated in IP-in-IP or GUE (RFC draft-ietf-intarea-gue,
 *        variant 0) for backends behind routers; replies go straight to the client. The
 *        flow affinity table (lb_flow.h) keeps each flow's backend.
 *
 * The running view (struct lb_set) is built off to the side from the config (lb_conf.h)
 * and each backend's state (up, draining, down by its health checks), and swapped in as
 * one pointer: a weight, a drain, a failed check or a new backend is a new set. Backends
 * have ids (0..LB_MAX_IDS-1), kept by the appliance across sets, so that a flow's backend
 * is found again in the next set: a flow whose backend is still there and not down stays
 * with it; one whose backend went away, or is down, is given a new one.
 *
 * The packet path (struct lb, one per worker) takes no lock and allocates nothing; the
 * flow's Maglev entry is one multiply and one load.
 */
#ifndef SLUICE_LB_H
#define SLUICE_LB_H

#include "ct.h"
#include "lb_conf.h"
#include "lb_flow.h"
#include "lb_maglev.h"
#include "pkt_pipe.h"

#include <stdbool.h>
#include <stdint.h>

#define LB_MAX_IDS 8192                  /* backend ids: twice the backends a config holds */
#define LB_MAX_SVC_IDS 128               /* service ids: twice the services */
#define LB_SLOTS 256                     /* the services' index (open addressing) */
#define LB_NONE 0xffffu

/* X(NAME, "name"): why the engine drops a packet. */
#define LB_REASONS(X)                                                                   \
	X(NO_BACKEND, "no_backend")     /* the service has no backend that takes new flows */ \
	X(CT_FULL, "ct_full")           /* nat: no room in the connection table */          \
	X(CLASH, "clash")               /* nat: no free reply key toward the backend (snat: ports) */ \
	X(INVALID, "invalid")           /* nat: conntrack found it invalid */                \
	X(RELATED, "related")           /* nat: an ICMP error about a connection, not translated */ \
	X(FRAGMENT, "fragment")         /* a fragment for a dsr service */                  \
	X(NO_ROOM, "no_room")           /* no headroom to encapsulate */                    \
	X(TOO_BIG, "too_big")           /* dsr encap: too big for the tunnel (the sender told when it may be) */ \
	X(NOT_SERVICE, "not_service")   /* forwarded traffic that is no service's */

#define LB_R_ENUM(id, str) LB_R_##id,
enum lb_reason { LB_REASONS(LB_R_ENUM) LB_R__COUNT };
#undef LB_R_ENUM
extern const char *const lb_reason_names[LB_R__COUNT];

enum lb_be_state { LB_BE_UP, LB_BE_DRAIN, LB_BE_DOWN };
extern const char *const lb_be_state_names[3];

/* One backend as the packet path sees it. The appliance fills it for lb_set_build. */
struct lb_backend {
	uint8_t addr[16];                /* network order, IPv4 in the first 4 bytes */
	uint8_t src[16];                 /* the appliance's address toward it: nat's snat source
	                                    (unless the service gives one) and the tunnel's */
	uint8_t family;
	uint8_t state;                   /* enum lb_be_state */
	uint16_t port;                   /* host order: the VIP's unless the config gives one */
	uint16_t id;
	uint32_t weight;
	uint32_t tun_mtu;                /* dsr encap: the largest inner datagram its tunnel takes
	                                    (the way out's MTU less the outer headers), found when
	                                    the set is built; 0: no limit known */
};

struct lb_service {
	uint8_t vip[16];
	uint8_t family, proto;
	uint16_t port;
	uint8_t mode, encap;             /* enum lbc_mode, enum lbc_encap */
	uint16_t gue_port;
	bool snat;
	bool snat_fixed;                 /* snat_addr given; else each backend's src */
	uint8_t snat_addr[4];
	uint16_t id;                     /* its service id (counters) */
	uint16_t n_be, n_take;           /* backends; those holding Maglev entries */
	uint32_t flow_timeout;           /* dsr: ticks (lb_flow.h) */
	uint32_t m;                      /* the table's size */
	uint16_t *table;                 /* m entries: an index in be, or LBM_EMPTY */
	struct lb_backend *be;
};

struct lb_set {
	uint64_t gen;
	unsigned n_svc;
	unsigned n_dsr;                  /* dsr services among them */
	struct lb_service *svc;
	uint16_t slot[LB_SLOTS];         /* service index by (vip, proto, port), LB_NONE: free */
	uint32_t by_id[LB_MAX_IDS];      /* a backend id's service << 16 | index, UINT32_MAX: none */
};

/* The appliance's view of one service for the build: its config, its id, and its
 * backends (in the config's order) with their ids, states and sources. */
struct lb_set_input {
	const struct lbc_service *cfg;
	uint16_t id;
	const struct lb_backend *be;
	uint32_t flow_timeout_s;
};

/* A backend's stable identity for Maglev (struct lbm_backend.key): its service's name and
 * its own (FNV-1a), never its position, so that a table does not move when backends are
 * declared in another order. */
uint64_t lb_backend_key(const char *svc, const char *be);

/* Builds the set of n services (Maglev tables included). NULL with why in err: out of
 * memory. */
struct lb_set *lb_set_build(const struct lb_set_input *in, unsigned n, char *err, size_t errlen);
void lb_set_free(struct lb_set *s);

static inline uint32_t lb_slot_hash(const uint8_t *vip, uint8_t proto, uint16_t port)
{
	uint32_t a;
	__builtin_memcpy(&a, vip + 12, 4);
	uint32_t b;
	__builtin_memcpy(&b, vip, 4);
	uint32_t h = (a ^ b ^ (uint32_t)port << 8 ^ proto) * 0x9e3779b1u;
	return h >> 24;
}

/* The service at (vip, proto, port) of family, or NULL. vip: 16 bytes, IPv4 in the first 4
 * and zeros (as pkt_flow_key keeps them). */
static inline const struct lb_service *lb_find(const struct lb_set *s, const uint8_t *vip, uint8_t family,
					       uint8_t proto, uint16_t port)
{
	for (uint32_t i = lb_slot_hash(vip, proto, port), k = 0; k < LB_SLOTS; k++, i = (i + 1) & (LB_SLOTS - 1)) {
		uint16_t x = s->slot[i];
		if (x == LB_NONE)
			return NULL;
		const struct lb_service *v = &s->svc[x];
		if (v->port == port && v->proto == proto && v->family == family && !__builtin_memcmp(v->vip, vip, 16))
			return v;
	}
	return NULL;
}

/* A backend id's service and backend in s, or false (gone). */
static inline bool lb_by_id(const struct lb_set *s, uint16_t id, const struct lb_service **svc,
			    const struct lb_backend **be)
{
	uint32_t x = id < LB_MAX_IDS ? s->by_id[id] : UINT32_MAX;
	if (x == UINT32_MAX)
		return false;
	*svc = &s->svc[x >> 16];
	*be = &s->svc[x >> 16].be[x & 0xffff];
	return true;
}

struct lb_svc_stats {
	uint64_t pkts, bytes, flows, dropped;
};
struct lb_be_stats {
	uint64_t pkts, bytes, flows;
};

/* The packet path's state: one per worker. */
struct lb {
	struct lbf_table *flows;         /* dsr's affinity */
	struct ct_table *ct;             /* nat's connections (the appliance's table) */
	uint16_t reason_base;            /* the stage's reason of LB_R_NO_BACKEND */
	uint64_t encapsulated, snat_retries;
	struct lb_svc_stats svc[LB_MAX_SVC_IDS];
	struct lb_be_stats be[LB_MAX_IDS];
};

/* NULL when out of memory. */
int lb_init(struct lb *lb, struct ct_table *ct, uint32_t max_flows, uint16_t reason_base);
void lb_fini(struct lb *lb);

/* ---- dsr (lb_dsr.c) ---- */

/* A dsr packet's backend, chosen for its flow (k its key, parsed from p): the flow's
 * remembered backend if it is still in s and not down, else Maglev's, remembered; a TCP
 * SYN (a new connection on the flow's addresses and ports) always Maglev's. Sets
 * *be, or returns false with p dropped (no backend). Counted. */
bool lb_dsr_pick(struct lb *lb, const struct lb_set *s, const struct lb_service *svc, struct pkt_buf *p,
		 const struct pkt_flow_key *k, uint64_t tag, uint64_t now_ms, const struct lb_backend **be);
/* Encapsulates p for be (svc's encap: IP-in-IP or GUE, from be->src to be->addr): false
 * with p dropped when the buffer has no headroom. p's meta then describes the outer packet.
 * flow_hash gives GUE's source port (the flow's entropy for the backend's receive side). */
bool lb_encap(struct lb *lb, const struct lb_service *svc, const struct lb_backend *be, struct pkt_buf *p,
	      uint32_t flow_hash);

/* ---- nat (lb_nat.c) ---- */

/* A nat service's first packet of a connection (cp new, from ct_track): a backend by
 * Maglev, the connection committed and its reply key bound, the packet rewritten. false
 * with p dropped (no backend, table full, no snat port). */
bool lb_nat_new(struct lb *lb, const struct lb_set *s, const struct lb_service *svc, struct pkt_buf *p,
		struct ct_pkt *cp, uint64_t now_ms);
/* A packet of a connection lb_nat_new made (CT_F_APP1 on cp->e): rewritten for its
 * direction. */
void lb_nat_established(struct lb *lb, struct pkt_buf *p, const struct ct_pkt *cp);
/* Whether e is one of the engine's connections. */
static inline bool lb_nat_owns(const struct ct_entry *e)
{
	return (e->flags & (CT_F_NAT | CT_F_APP1)) == (CT_F_NAT | CT_F_APP1);
}

#endif
