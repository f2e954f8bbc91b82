/* fw_class_int.h - what the classifier's build (fw_class.c) and lookup
 * (fw_class_lookup.c) share. Not a public header: users include fw_class.h. */
#ifndef SLUICE_FW_CLASS_INT_H
#define SLUICE_FW_CLASS_INT_H

#include "fw_class.h"

typedef unsigned __int128 u128;

/* One field, compiled: elementary intervals starting at lo[i], each with its vector. */
struct fw_dimtab {
	enum fw_dim dim;
	unsigned n;
	uint32_t *lo32;                /* fields up to 32 bits */
	u128 *lo128;                   /* IPv6 addresses */
	const uint64_t **vec;          /* vector of interval i */
	const uint64_t *absent;        /* the vector when the packet lacks the field */
	/* With many intervals, a direct index by the value's top 16 bits (shift 16: IPv4
	 * addresses) or by the whole value (shift 0: fields of 16 bits or fewer): the interval
	 * holding the block's first value, so a lookup is one read and a search of the few
	 * intervals that start inside the block (none, for a 16-bit field). */
	uint16_t *idx;
	unsigned shift;
	bool no_idx;                   /* an index would pay, but there was no memory for it */
};

/* Two fields searched as one. For two fields with few intervals whose vectors are dense
 * (each matches many rules), the AND of their vectors is worked out at build time for
 * every pair of intervals, the field's absence counting as one more interval (index n).
 * The scan then ANDs one sparse vector instead of two dense ones: rules that alternate
 * between the two fields, matching one or the other but never both, cost nothing. */
struct fw_pair {
	int a, b;                      /* indexes into dims[], a < b; a < 0: no pair */
	const uint64_t **vec;          /* (dims[a].n + 1) * (dims[b].n + 1), row by a */
};

struct fw_class {
	unsigned n_rules;
	unsigned n_words;              /* 64-rule words per vector */
	unsigned n_sum;                /* summary words per vector */
	unsigned n_dims;
	struct fw_dimtab dims[FW_D__COUNT];
	uint64_t *pool;                /* every distinct vector: n_sum summary words, then n_words */
	const uint64_t *all;           /* the vector of every rule */
	struct fw_pair pair;
	size_t pool_words;
	unsigned n_vectors;
	unsigned n_intervals;
};

extern const u128 fw_class_dim_max[FW_D__COUNT];

static inline u128 addr_value(const uint8_t *a, unsigned bytes)
{
	u128 v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | a[i];
	return v;
}

/* Last i with lo[i] <= v (lo[0] is 0), without a branch per step. */
static inline unsigned search32(const uint32_t *lo, unsigned n, uint32_t v)
{
	const uint32_t *base = lo;
	while (n > 1) {
		unsigned half = n / 2;
		base = base[half] <= v ? base + half : base;
		n -= half;
	}
	return (unsigned)(base - lo);
}

static inline unsigned search128(const u128 *lo, unsigned n, u128 v)
{
	const u128 *base = lo;
	while (n > 1) {
		unsigned half = n / 2;
		base = base[half] <= v ? base + half : base;
		n -= half;
	}
	return (unsigned)(base - lo);
}

#endif
