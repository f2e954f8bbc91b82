/* lb_flow.h - the load balancer's flow affinity table: which backend each flow it has
 * seen went to, so that a flow keeps its backend when the pool changes (a backend added,
 * removed, re-weighted or drained moves Maglev entries; a flow found here does not move).
 *
 * One table per worker, no lock, no allocation after create. A flow is known by a 64-bit
 * tag (lbf_tag: a hash of its whole key, direction included), so a lookup compares one
 * word. Buckets of four ways fill one cache line (tag, expiry, backend, client port); the
 * client's address, for listings only, sits on a second line the lookup never reads.
 * A flow has two buckets, tag & mask and (tag >> 32) & mask (two choices: a bucket's
 * fifth flow goes to its other bucket), and is looked for in the first, then, if any flow
 * of the first went there (struct lbf_table.over), in the second.
 * Inserting takes a free or expired way, the first bucket's before the second's, else the
 * way of both that expires first (evicted, counted): the table is bounded, and a flow
 * that loses its entry keeps its backend anyway while the pool does not change (Maglev
 * gives the same). At the documented sizing (half full) almost no flow is evicted.
 *
 * Time is in ticks of 1,024 ms (now_ms >> 10: no division on the packet path); an entry
 * expires timeout ticks after its last packet. Tag 0 marks a free way; lbf_tag never
 * returns 0.
 */
#ifndef SLUICE_LB_FLOW_H
#define SLUICE_LB_FLOW_H

#include "pkt_flow.h"

#include <stdbool.h>
#include <stdint.h>

#define LBF_WAYS 4
#define LBF_MAX_FLOWS (1u << 26)

struct lbf_way {
	uint64_t tag;                    /* 0: free */
	uint32_t expires;                /* the tick it is gone at (live while (int32_t)(expires - now) > 0) */
	uint16_t backend;                /* the caller's backend id */
	uint16_t sport;                  /* the client's port (listings) */
};

struct lbf_bucket {
	struct lbf_way way[LBF_WAYS];
	uint8_t client[LBF_WAYS][16];    /* the client's address, IPv4 in the first 4 bytes (listings) */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct lbf_bucket) == 128, "a bucket: its ways on one line, the addresses on the next");

struct lbf_counters {
	uint64_t hits, misses, inserted, evicted, expired, removed;
};

struct lbf_table {
	struct lbf_bucket *b;
	/* per bucket: how many flows whose first bucket it is live in their second (255:
	 * that many or more, for good). A lookup that misses the first bucket reads the
	 * second only when this says a flow may be there: a new flow costs one line */
	uint8_t *over;
	uint32_t mask;                   /* buckets - 1 */
	uint32_t sweep_at;               /* the next bucket lbf_sweep looks at */
	uint32_t live;                   /* ways holding a flow (expired ones included until found) */
	struct lbf_counters c;
};

static inline uint32_t lbf_ticks(uint64_t now_ms)
{
	return (uint32_t)(now_ms >> 10);
}

/* The flow's tag: a 64-bit hash of all of k (not symmetric: a flow and its reply differ),
 * never 0. */
uint64_t lbf_tag(const struct pkt_flow_key *k);

/* A table for max_flows flows (1..LBF_MAX_FLOWS): buckets a power of two, at least
 * max_flows / 2 of them (half full when max_flows are held). NULL when out of memory or
 * max_flows is out of range. */
struct lbf_table *lbf_create(uint32_t max_flows);
void lbf_destroy(struct lbf_table *t);
/* The number of ways (the most flows it can hold). */
uint32_t lbf_capacity(const struct lbf_table *t);

static inline struct lbf_bucket *lbf_bucket_of(const struct lbf_table *t, uint64_t tag)
{
	return &t->b[(uint32_t)tag & t->mask];
}

/* The flow's other bucket: (tag >> 32) & mask (it may be the same one). */
static inline struct lbf_bucket *lbf_bucket2_of(const struct lbf_table *t, uint64_t tag)
{
	return &t->b[(uint32_t)(tag >> 32) & t->mask];
}

static inline void lbf_prefetch(const struct lbf_table *t, uint64_t tag)
{
	__builtin_prefetch(lbf_bucket_of(t, tag), 1, 3);
	__builtin_prefetch(&t->over[(uint32_t)tag & t->mask], 0, 3);
}

/* The live entry of the flow, its expiry moved to now + timeout; NULL when there is none
 * (an expired one found is freed, counted). Counts a hit or a miss. */
struct lbf_way *lbf_find(struct lbf_table *t, uint64_t tag, uint32_t now, uint32_t timeout);
/* Records the flow (which lbf_find did not find) with its backend; client (16 bytes) and
 * sport for listings. Takes a free or expired way, else evicts the way expiring first.
 * Never fails. */
struct lbf_way *lbf_insert(struct lbf_table *t, uint64_t tag, uint32_t now, uint32_t timeout, uint16_t backend,
			   const uint8_t *client, uint16_t sport);
/* Forgets the flow of w (a way of t). */
void lbf_remove(struct lbf_table *t, struct lbf_way *w);

/* Frees the expired ways of up to budget buckets, continuing where the last call stopped. */
void lbf_sweep(struct lbf_table *t, uint32_t now, unsigned budget);
/* Calls fn for every live (unexpired at now) way, with its client address. Stops when fn
 * returns false. */
void lbf_foreach(const struct lbf_table *t, uint32_t now,
		 bool (*fn)(void *arg, const struct lbf_way *w, const uint8_t *client), void *arg);
/* Forgets every flow whose backend is id (a backend removed). */
void lbf_forget_backend(struct lbf_table *t, uint16_t id);

#endif
