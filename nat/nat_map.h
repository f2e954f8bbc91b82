/* nat_map.h - NAT44 mappings: which outside address and port an inside endpoint gets,
 * kept while it has sessions, and who may reach it from outside.
 *
 * Behaviour (RFC 4787 for UDP, RFC 5382 for TCP, RFC 5508 for ICMP queries, whose
 * identifier is the "port"):
 *   - endpoint-independent mapping: an inside endpoint (pool, protocol, address, port) has
 *     one mapping in a pool, whatever the remote, for as long as any session uses it
 *     (RFC 4787 REQ-1, RFC 5382 REQ-1; ICMP query ids likewise, RFC 5508);
 *   - paired pooling: every mapping of an inside host in a pool uses one outside address
 *     (RFC 4787 REQ-2), chosen for a new host by a hash of its address (spreading hosts
 *     over the pool), or, deterministic, by nat_det.h's layout;
 *   - the port: the inside port when the pool preserves ports and it is free and allowed,
 *     else a free port of the same parity (RFC 4787 REQ-4; parity is a preference: with
 *     none of its parity left, any free port), from a pseudo-random start (RFC 6056).
 *     Used ports are known exactly, a bitmap per outside address and protocol, so the
 *     pool is exhausted only when every allowed port is taken, and a search is a bounded
 *     scan of 64-bit words (at most twice over the 1,024 words of an address);
 *   - filtering (RFC 4787 §5, RFC 5382 REQ-3): endpoint-independent, address-dependent
 *     (a remote address with a session on the mapping) or address and port dependent
 *     (nothing unsolicited), asked with nat_map_filter_allows;
 *   - limits: mappings, inside hosts, sessions per inside host and pool (which bound its
 *     ports, RFC 6888 REQ-4); every refusal is counted by its reason.
 *
 * Sessions drive everything: the engine opens one per connection it creates
 * (nat_map_session_open from inside, nat_map_session_join for an inbound connection the
 * filter let in to an existing mapping) and closes it when the connection ends. A mapping
 * lives from its first session to the end of its last, its port then goes back to the
 * pool, and an inside host's entry (its outside address, its session count) goes with
 * its last session.
 *
 * Memory: everything is sized by struct nat_map_limits and allocated by nat_map_create;
 * nothing after. Records live in arrays with free lists, so a mapping's address never
 * changes while it lives (its index, nat_map_index, fits a connection's 32-bit user word).
 * A mapping costs a 32-byte record and two index slots of 12 bytes (inside and outside
 * keys) in tables at most 3/4 full at max_mappings: 56 bytes at full tables, 64 to 96 at
 * max_mappings depending on where it falls between powers of two. An inside host costs 8
 * bytes and a slot, an ADF pool's (mapping, remote address) pair a slot, an outside address
 * 24 KiB of port bitmaps (TCP, UDP and ICMP).
 *
 * Pools and reloads: pools belong to the config, the map to the worker. Port state is per
 * outside address, so nat_map_set_pools tells the map which addresses the pools use (it
 * takes their bitmaps from the max_addrs it was made with) before any session, and again
 * at every reload, on the worker between bursts; likewise the reservations
 * (nat_map_reserve_clear, then nat_map_reserve for each). The map itself is kept across
 * reloads, so every mapping survives one: a mapping whose pool changed or went away
 * keeps its address and port until its last session ends (as Linux's conntrack keeps a
 * connection's translation), new mappings follow the new pools, and a port reserved while
 * a mapping holds it becomes unavailable when that mapping ends. A pool's id names its
 * mappings across reloads: keep the id of a pool that stays.
 *
 * Threading: one map per worker, which alone calls it; no locks. The hot calls (session
 * open, join, close, finds, filter) take bounded time, divide nothing and allocate nothing.
 * Several workers sharing a pool must not share ports: give each its own addresses or
 * port range (a dynamic pool), or its share of a deterministic one (nat_det_share).
 */
#ifndef SLUICE_NAT_MAP_H
#define SLUICE_NAT_MAP_H

#include "nat_det.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nat_proto { NAT_TCP, NAT_UDP, NAT_ICMP, NAT_PROTO__COUNT };  /* ICMP: the query identifier is the "port" */
/* What may reach a mapping's outside endpoint with no session of its own (RFC 4787 §5). */
enum nat_filter {
	NAT_FILTER_EIF,                 /* endpoint-independent: anyone */
	NAT_FILTER_ADF,                 /* address-dependent: an address the mapping has a session with */
	NAT_FILTER_APDF,                /* address and port dependent: nobody */
};

#define NAT_POOL_MAX_ID 16383           /* pool ids are 14 bits of the mappings' keys */

/* Where one snat/masquerade rule translates to. */
struct nat_pool {
	uint16_t id;                    /* unique per config, <= NAT_POOL_MAX_ID: mappings are per pool */
	uint32_t addr_lo, addr_hi;      /* outside addresses, host order, inclusive (masquerade: one);
	                                   det: det.out_lo..det.out_hi, these are not read */
	uint16_t port_lo, port_hi;      /* TCP/UDP ports allowed (default 1024-65535); ICMP ids use
	                                   0-65535; det: each host's block, these are not read */
	bool preserve;                  /* try the inside port first (default on) */
	bool parity;                    /* otherwise keep its parity (RFC 4787 REQ-4, default on; TCP, UDP) */
	uint8_t filter;                 /* enum nat_filter the engine applies to its mappings (default
	                                   EIF); ADF: their remote addresses are counted */
	bool det_on;                    /* deterministic: the host's address and block from det */
	struct nat_det det;
};
/* The defaults: id, addresses addr_lo..addr_hi, ports 1024-65535, preserve and parity on,
 * EIF, not deterministic. */
void nat_pool_init(struct nat_pool *p, uint16_t id, uint32_t addr_lo, uint32_t addr_hi);

/* One mapping, read-only outside nat_map.c. */
struct nat_mapping {
	uint32_t created_s;             /* now_ms / 1000 of its first session */
	uint32_t permit;                /* ADF: an outside address its host sent to by hairpin
	                                   when that address's filter dropped the packet; let in
	                                   from it as if a session had it (nat_map_permit; 0 none) */
	uint32_t in_addr, out_addr;     /* host order */
	uint32_t sessions;              /* open sessions (0: the record is free) */
	uint32_t host;                  /* the map's: its inside host's record */
	uint16_t in_port, out_port;
	uint16_t pool;
	uint8_t proto;                  /* enum nat_proto */
	uint8_t flags;                  /* the map's */
};

struct nat_map_limits {
	uint32_t max_mappings;          /* mappings at once (1 to 2^30) */
	uint32_t max_hosts;             /* inside hosts (per pool) with a mapping at once; 0: max_mappings */
	uint32_t host_sessions;         /* sessions per inside host and pool, 0: no limit */
	uint32_t max_addrs;             /* outside addresses with port state at once, over all pools
	                                   (a reload that changes addresses needs old and new); 0: 64 */
	uint32_t max_remotes;           /* (mapping, remote address) pairs of ADF pools' mappings (each
	                                   has a session: the connection table's size is enough);
	                                   0: max_mappings */
	uint64_t seed;                  /* the port search's starts, the hosts' spread, the indexes'
	                                   hashing: from the platform's entropy */
};

#define NAT_MAP_RESULTS(X)                                                                      \
	X(OK, "ok")                                                                              \
	X(HOST_LIMIT, "host_limit")     /* the inside host has host_sessions sessions in the pool */ \
	X(NO_PORT, "no_port")           /* no allowed port is free on the host's address (or in its \
	                                   block; or the address was never given to set_pools) */ \
	X(FULL, "full")                 /* max_mappings, max_hosts or max_remotes reached */       \
	X(NOT_IN_POOL, "not_in_pool")   /* det: the host is outside the prefix (or the share) */

#define NAT_MAP_R_ENUM(id, str) NAT_MAP_##id,
enum nat_map_result { NAT_MAP_RESULTS(NAT_MAP_R_ENUM) NAT_MAP__COUNT };
#undef NAT_MAP_R_ENUM
extern const char *const nat_map_result_names[NAT_MAP__COUNT];

struct nat_map;

/* NULL: no memory, or a limit out of range (max_mappings 0, a maximum above 2^30). */
struct nat_map *nat_map_create(const struct nat_map_limits *l);
void nat_map_destroy(struct nat_map *m);

/* The pools the sessions will name: gives each outside address they use its port state
 * (fresh ones empty but for the reservations), and lets go of the addresses no pool
 * names any more once their last mapping ends. Called before the first session and at
 * every reload, between bursts. 0; -EINVAL with nothing changed when a pool is malformed
 * (an id above NAT_POOL_MAX_ID, a range reversed); -ENOMEM with nothing changed when the
 * addresses in use and the new ones are more than max_addrs. Work: the pools' addresses,
 * plus clearing 24 KiB per new one. */
int nat_map_set_pools(struct nat_map *m, const struct nat_pool *pools, unsigned n);

#define NAT_MAP_MAX_RESERVED 256
/* Outside ports lo..hi of out_addr that must never be allocated (destination NAT port
 * forwards, the appliance's own services), for protocol proto; ICMP ids too. A port a
 * mapping holds stays its until it ends. An address no pool uses needs none, but it is
 * kept for a later set_pools. 0; -EINVAL (proto, lo > hi); -ENOMEM: NAT_MAP_MAX_RESERVED
 * reservations already. Work: the range, an index lookup per port already taken. */
int nat_map_reserve(struct nat_map *m, uint8_t proto, uint32_t out_addr, uint16_t lo, uint16_t hi);
/* Drops every reservation (ports mappings hold stay theirs). */
void nat_map_reserve_clear(struct nat_map *m);

/* For a new session of inside endpoint proto/in_addr/in_port through pool p (given to
 * set_pools) to remote address remote: the endpoint's existing mapping in p
 * (endpoint-independent mapping, even if p changed since it was made), or a new one on
 * the outside address the host already uses in p (paired pooling; a new host, or one
 * whose address p no longer has, gets the address its hash picks, or the next of up to
 * three more when that one has no port; det: det's), with the inside port when p
 * preserves ports and it is free and allowed, else a free port of its parity from a
 * pseudo-random start, else any free port. The session is counted on the mapping and the
 * host (and the remote address, for an ADF pool) only when *out is returned with OK
 * (else *out is NULL and nothing changed). Results other than OK are counted by reason. */
enum nat_map_result nat_map_session_open(struct nat_map *m, const struct nat_pool *p, uint8_t proto, uint32_t in_addr,
					 uint16_t in_port, uint32_t remote, uint64_t now_ms, const struct nat_mapping **out);
/* A veto on the ports a new mapping may take: veto(arg, proto, out_addr, out_port) true
 * refuses that port (the engine: conntrack already holds the connection the new mapping
 * would make, with the remote it is for), and the search goes on to the next free port;
 * at most 16 refusals a search, then NAT_MAP_NO_PORT. NULL: none. */
void nat_map_set_veto(struct nat_map *m, bool (*veto)(void *arg, uint8_t proto, uint32_t out_addr, uint16_t out_port),
		      void *arg);
/* An inbound new session to existing mapping mp (the filter allowed it) from remote:
 * counted as above; OK, HOST_LIMIT or FULL (max_remotes). */
enum nat_map_result nat_map_session_join(struct nat_map *m, const struct nat_mapping *mp, uint32_t remote);
/* A session of mapping mp with remote (as opened or joined) ended: the last one frees the
 * mapping (its port back to the pool) and the host entry when it has none left. mp is
 * invalid once its last session closed. */
void nat_map_session_close(struct nat_map *m, const struct nat_mapping *mp, uint32_t remote);

/* The outside address inside host in_addr takes through pool p for what has no port to
 * map (another protocol, an ICMP response): its paired address (RFC 4787 REQ-2) when it
 * has mappings in p on one of p's addresses, det's address for it in a deterministic
 * pool, else p's first. */
uint32_t nat_map_host_addr(const struct nat_map *m, const struct nat_pool *p, uint32_t in_addr);

const struct nat_mapping *nat_map_find_in(const struct nat_map *m, uint16_t pool, uint8_t proto, uint32_t in_addr,
					  uint16_t in_port);
const struct nat_mapping *nat_map_find_out(const struct nat_map *m, uint8_t proto, uint32_t out_addr, uint16_t out_port);
/* May remote send to mp's outside endpoint with no session (filtering mode f)? EIF: yes;
 * ADF: when some session of mp has remote's address (counted for mappings made through
 * a pool whose filter is ADF; for others, no: a reload that turns ADF on applies to new
 * mappings), or mp's permit is remote; APDF: no. */
bool nat_map_filter_allows(const struct nat_map *m, const struct nat_mapping *mp, enum nat_filter f, uint32_t remote);
/* mp's host sent to outside address remote (of another mapping, by hairpin) and that
 * mapping's filter dropped the packet: mp lets remote in from now on, as long as it
 * lives, as if a session had it (RFC 4787 REQ-9 hairpinning under address-dependent
 * filtering: the other host's answer then gets through). One address a mapping, the last
 * one. */
void nat_map_permit(struct nat_map *m, const struct nat_mapping *mp, uint32_t remote);

/* A live mapping's index (below max_mappings), and back; nat_map_at: NULL when free. */
uint32_t nat_map_index(const struct nat_map *m, const struct nat_mapping *mp);
const struct nat_mapping *nat_map_at(const struct nat_map *m, uint32_t index);

struct nat_map_counters {
	uint64_t mappings_created, mappings_freed, sessions; /* sessions: opened and joined */
	uint64_t no_port, host_limit, table_full, not_in_pool;
	uint32_t mappings, hosts;       /* now */
};
const struct nat_map_counters *nat_map_counters(const struct nat_map *m);
/* Calls fn for every live mapping, in index order. */
void nat_map_foreach(const struct nat_map *m, void (*fn)(void *arg, const struct nat_mapping *mp), void *arg);
/* Memory held, bytes (for the benchmark's bytes per session). */
size_t nat_map_memory(const struct nat_map *m);

#endif
