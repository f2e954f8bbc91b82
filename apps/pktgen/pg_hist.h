/* pg_hist.h - pktgen's latency histogram: log-linear buckets over TSC cycles.
 *
 * Values below 2^PG_HIST_SUB_BITS get a bucket each; above, every power of two is cut into
 * 2^PG_HIST_SUB_BITS equal buckets, so a bucket's width is at most 1/128 of its lower
 * bound (a quantile is within 0.8 % of the truth), like HdrHistogram. Adding a value is a
 * count-leading-zeros, a shift and an increment: no division, no branch on the data beyond
 * min and max. Values of 2^PG_HIST_MAX_EXP cycles and more (minutes) land in the last
 * bucket and are counted as such. One histogram per stream per worker; merging adds them.
 */
#ifndef SLUICE_PG_HIST_H
#define SLUICE_PG_HIST_H

#include <stdint.h>

#define PG_HIST_SUB_BITS 7
#define PG_HIST_MAX_EXP 40
#define PG_HIST_BUCKETS ((PG_HIST_MAX_EXP - PG_HIST_SUB_BITS + 1) << PG_HIST_SUB_BITS)

struct pg_hist {
	uint64_t count;            /* values added */
	uint64_t sum;              /* their sum (cycles), for the mean */
	uint64_t min, max;         /* exact (min is UINT64_MAX while count == 0) */
	uint64_t overflow;         /* values at or above 2^PG_HIST_MAX_EXP (in the last bucket) */
	uint64_t bucket[PG_HIST_BUCKETS];
};

void pg_hist_init(struct pg_hist *h);

/* The bucket that holds v. */
static inline unsigned pg_hist_index(uint64_t v)
{
	if (v < (1ull << PG_HIST_SUB_BITS))
		return (unsigned)v;
	if (v >= (1ull << PG_HIST_MAX_EXP))
		return PG_HIST_BUCKETS - 1;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);          /* PG_HIST_SUB_BITS .. MAX_EXP-1 */
	unsigned shift = e - PG_HIST_SUB_BITS;
	/* (shift + 1) blocks of 2^SUB_BITS precede; v >> shift is in [2^SUB_BITS, 2^(SUB_BITS+1)) */
	return ((shift + 1) << PG_HIST_SUB_BITS) + (unsigned)(v >> shift) - (1u << PG_HIST_SUB_BITS);
}

static inline void pg_hist_add(struct pg_hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (v >= (1ull << PG_HIST_MAX_EXP))
		h->overflow++;
	h->bucket[pg_hist_index(v)]++;
}

/* The smallest value bucket i holds, and one past the largest. */
uint64_t pg_hist_low(unsigned i);
uint64_t pg_hist_high(unsigned i);

/* The value at quantile q_ppm (parts per million: 500000 is the median, 999000 p99.9): the
 * smallest v such that at least q * count values are <= v (q = q_ppm / 10^6), given as the
 * middle of its bucket clamped to [min, max] (exact for values below 2^PG_HIST_SUB_BITS;
 * 1000000 gives max, 0 gives min). 0 when empty. Integer arithmetic only (the image has no
 * floating point). */
uint64_t pg_hist_quantile(const struct pg_hist *h, uint32_t q_ppm);

/* into += from. */
void pg_hist_merge(struct pg_hist *into, const struct pg_hist *from);

#endif
