/* ct_internal.h - what ct.c (the table) and ct_proto.c (the protocols) share. Not a public
 * header: users of the tracker include ct.h. */
#ifndef SLUICE_CT_INTERNAL_H
#define SLUICE_CT_INTERNAL_H

#include "ct.h"

#define CT_BUCKET_SLOTS 8
#define CT_EVICT_SCAN 64          /* buckets a full table looks through for a victim */

struct ct_bucket {
	uint32_t sig[CT_BUCKET_SLOTS];  /* the entry's flow hash */
	uint32_t idx[CT_BUCKET_SLOTS];  /* entry number + 1, 0: empty */
};
static_assert(sizeof(struct ct_bucket) == 64, "a bucket is one cache line");

struct ct_table {
	struct ct_config cfg;
	uint64_t timeout_ms[CT_TO__COUNT];
	uint32_t n_buckets;
	uint32_t n_free;
	uint32_t sweep_cursor, evict_cursor;
	struct ct_bucket *buckets;
	struct ct_entry *entries;
	uint32_t *free;                 /* stack of free entry numbers (1-based) */
	struct ct_counters cnt;
};

static inline uint32_t ct_bucket2(const struct ct_table *t, uint32_t hash)
{
	uint32_t b1 = hash & (t->n_buckets - 1);
	uint32_t b2 = ((hash >> 16 | hash << 16) * 0x9e3779b1u) & (t->n_buckets - 1);
	return b2 == b1 ? b1 ^ 1 : b2;
}

/* The live entry holding k in either direction (*dir says which), or NULL. An expired one
 * found on the way is freed. */
struct ct_entry *ct_find(struct ct_table *t, const struct pkt_flow_key *k, uint32_t hash, uint64_t now,
			 unsigned *dir);
/* A fresh zeroed entry for k (keys and hash filled), evicting if it must; NULL: refused. */
struct ct_entry *ct_insert(struct ct_table *t, const struct pkt_flow_key *k, uint32_t hash, uint64_t now);
void ct_remove(struct ct_table *t, struct ct_entry *e);

#endif
