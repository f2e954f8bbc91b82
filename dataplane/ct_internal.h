/* ct_internal.h - what ct.c (the table) and ct_proto.c (the protocols) share. Not a public
 * header: users of the tracker include ct.h. */
#ifndef SLUICE_CT_INTERNAL_H
#define SLUICE_CT_INTERNAL_H

#include "ct.h"

#include <string.h>

#define CT_BUCKET_SLOTS 8
#define CT_EVICT_SCAN 64          /* buckets a full table looks through for a victim */
#define CT_PREFETCH_ENTRIES 16384 /* live connections (2 MiB) from which a burst prefetches theirs */

/* A slot holds one key of an entry: its original key (and, without NAT, that key's
 * reverse), or with CT_F_NAT its reply key, in a slot of its own marked CT_IDX_REPLY. */
struct ct_bucket {
	uint32_t sig[CT_BUCKET_SLOTS];  /* the key's flow hash */
	uint32_t idx[CT_BUCKET_SLOTS];  /* entry number (1-based) | CT_IDX_REPLY for a reply key; 0: empty */
};
static_assert(sizeof(struct ct_bucket) == 64, "a bucket is one cache line");
#define CT_IDX_REPLY 0x80000000u
#define CT_IDX_MASK 0x7fffffffu
static_assert(CT_MAX_ENTRIES <= CT_IDX_MASK, "entry numbers leave bit 31 to mark reply keys");

struct ct_table {
	struct ct_config cfg;
	uint64_t timeout_ms[CT_TO__COUNT];
	uint32_t n_buckets;
	uint32_t n_free;
	uint16_t vlan_mask;             /* 0x0fff with cfg.vlan_zones, else 0 (unzone) */
	uint32_t sweep_cursor, evict_cursor;
	struct ct_bucket *buckets;
	/* Per bucket: how many keys whose first bucket this is live in their second (255:
	 * that many or more, for good). A lookup reads the second bucket only when it is not
	 * zero, so a new flow's lookup costs one bucket line. A translated entry's reply key
	 * counts in its own first bucket. */
	uint8_t *spill;
	struct ct_entry *entries;
	uint32_t *free;                 /* stack of free entry numbers (1-based) */
	uint32_t n_nat;                 /* live entries with CT_F_NAT */
	uint64_t clock;                 /* now of the last ct_insert or ct_key_in_use (ct_nat_bind's) */
	void (*release)(void *arg, const struct ct_entry *e);
	void *release_arg;
	struct ct_counters cnt;
};

/* The entry of a slot's idx (either key's). */
static inline __attribute__((always_inline)) struct ct_entry *ct_slot_entry(const struct ct_table *t, uint32_t idx)
{
	return &t->entries[(idx & CT_IDX_MASK) - 1];
}

static inline uint32_t ct_bucket2(const struct ct_table *t, uint32_t hash)
{
	uint32_t b1 = hash & (t->n_buckets - 1);
	uint32_t b2 = ((hash >> 16 | hash << 16) * 0x9e3779b1u) & (t->n_buckets - 1);
	return b2 == b1 ? b1 ^ 1 : b2;
}

static inline uint64_t ct_key_word_(const struct pkt_flow_key *k, unsigned i)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)k + 8 * i, 8);
	return v;
}

/* Whether k is connection key e seen in direction dir (1: the reply, with source and
 * destination swapped). Keys are compared as five 64-bit words: the source address (two),
 * the destination (two), then the ports (the low 32 bits, swapped for the reply), VLAN,
 * protocol and family. When k is IPv4 three words decide: its second words are zero, and
 * an entry whose last word (which holds the family) agrees is IPv4 too; e's second words
 * are not read, which lets a translated entry keep its reply key there (struct
 * ct_nat_key_ in ct.h). */
static inline __attribute__((always_inline)) bool ct_key_eq(const struct pkt_flow_key *e, const struct pkt_flow_key *k,
							     unsigned dir)
{
	unsigned src = dir ? 2 : 0, dst = 2 - src;
	uint64_t last = ct_key_word_(e, 4);
	if (dir)
		last = (last & ~0xffffffffull) | (last & 0xffff) << 16 | (last >> 16 & 0xffff);
	uint64_t d = (ct_key_word_(e, src) ^ ct_key_word_(k, 0)) | (ct_key_word_(e, dst) ^ ct_key_word_(k, 2)) |
		     (last ^ ct_key_word_(k, 4));
	if (k->family == 4)
		return !d;
	return !(d | (ct_key_word_(e, src + 1) ^ ct_key_word_(k, 1)) | (ct_key_word_(e, dst + 1) ^ ct_key_word_(k, 3)));
}

/* Whether IPv4 key k is translated entry e's reply key (its direction 1). Reads e's first
 * line only: the reply key's words are e->key's IPv4 padding, its protocol, VLAN and family
 * e->key's last word. An IPv6 k never is (the family differs). */
static inline __attribute__((always_inline)) bool ct_nat_eq(const struct ct_entry *e, const struct pkt_flow_key *k)
{
	uint8_t a[2][8] = { { 0 }, { 0 } };  /* the addresses as an IPv4 key's words: 4 bytes, then zeros */
	memcpy(a[0], e->nat.src, 4);
	memcpy(a[1], e->nat.dst, 4);
	uint64_t s, d, last = ct_key_word_(&e->key, 4);
	memcpy(&s, a[0], 8);
	memcpy(&d, a[1], 8);
	memcpy(&last, &e->nat.sport, 4);      /* the reply's ports, then the key's VLAN, protocol, family */
	return !((s ^ ct_key_word_(k, 0)) | (d ^ ct_key_word_(k, 2)) | (last ^ ct_key_word_(k, 4)));
}

/* Whether the key in slot value idx is k, and in which direction of its entry: a reply
 * key's slot is direction 1 by that key only; an original key's slot is direction 0, or 1
 * by its reverse unless the entry is translated (its reply is its reply key's then). */
static inline __attribute__((always_inline)) bool ct_slot_eq(const struct ct_table *t, uint32_t idx,
							      const struct pkt_flow_key *k, unsigned *dir)
{
	const struct ct_entry *e = ct_slot_entry(t, idx);
	if (idx & CT_IDX_REPLY) {
		*dir = 1;
		return ct_nat_eq(e, k);
	}
	if (ct_key_eq(&e->key, k, 0)) {
		*dir = 0;
		return true;
	}
	*dir = 1;
	return !(e->flags & CT_F_NAT) && ct_key_eq(&e->key, k, 1);
}

/* Frees the entry in b's slot (both its slots), counted as expired. */
void ct_expire_slot(struct ct_table *t, struct ct_bucket *b, unsigned slot);

/* The slots of b whose signature is hash, as bits (slot s: bit s), eight compares at once. */
typedef uint32_t ct_u32x4 __attribute__((vector_size(16)));
typedef uint64_t ct_u64x2 __attribute__((vector_size(16)));
static inline unsigned ct_sig_match(const struct ct_bucket *b, uint32_t hash)
{
	ct_u32x4 lo, hi;
	memcpy(&lo, b->sig, sizeof(lo));
	memcpy(&hi, b->sig + 4, sizeof(hi));
	const ct_u32x4 h = { hash, hash, hash, hash };
	const ct_u32x4 bit_lo = { 1, 2, 4, 8 }, bit_hi = { 16, 32, 64, 128 };
	ct_u64x2 m = (ct_u64x2)(((ct_u32x4)(lo == h) & bit_lo) | ((ct_u32x4)(hi == h) & bit_hi));
	uint64_t x = m[0] | m[1];
	return (unsigned)(x | x >> 32);
}

/* The slot of b holding k in either direction (*dir says which), or -1. */
static inline __attribute__((always_inline)) int ct_scan(const struct ct_table *t, const struct ct_bucket *b,
							 const struct pkt_flow_key *k, uint32_t hash, unsigned *dir)
{
	for (unsigned m = ct_sig_match(b, hash); m; m &= m - 1) {
		unsigned s = (unsigned)__builtin_ctz(m);
		if (b->idx[s] && ct_slot_eq(t, b->idx[s], k, dir))
			return (int)s;
	}
	return -1;
}

/* The live entry holding k in either direction (*dir says which), or NULL. An expired one
 * found on the way is freed. The second bucket is looked at only when the first lacks k
 * and some flow of the first lives in its second. */
static inline __attribute__((always_inline)) struct ct_entry *ct_find(struct ct_table *t, const struct pkt_flow_key *k,
								      uint32_t hash, uint64_t now, unsigned *dir)
{
	uint32_t b1 = hash & (t->n_buckets - 1);
	struct ct_bucket *b = &t->buckets[b1];
	int s = ct_scan(t, b, k, hash, dir);
	if (s < 0) {
		if (!t->spill[b1])
			return NULL;
		b = &t->buckets[ct_bucket2(t, hash)];
		s = ct_scan(t, b, k, hash, dir);
		if (s < 0)
			return NULL;
	}
	struct ct_entry *e = ct_slot_entry(t, b->idx[s]);
	if (e->expires <= now) {
		ct_expire_slot(t, b, (unsigned)s);
		return NULL;
	}
	return e;
}

/* A fresh zeroed entry for k (keys and hash filled), evicting if it must; NULL: refused. */
struct ct_entry *ct_insert(struct ct_table *t, const struct pkt_flow_key *k, uint32_t hash, uint64_t now);
/* Frees e (both its slots; the release hook for a translated one), not counted. */

#endif
