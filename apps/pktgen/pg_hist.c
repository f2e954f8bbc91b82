/* pktgen's latency histogram (pg_hist.h): bucket bounds, quantiles and merging. Integer
 * arithmetic only, and only 64-bit division: the image has no floating point. */
#include "pg_hist.h"

#include <string.h>

#define SUB (1u << PG_HIST_SUB_BITS)
#define LAST (PG_HIST_BUCKETS - 1u)

void pg_hist_init(struct pg_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Bucket i >= SUB is sub-bucket (i % SUB) of block i / SUB, whose values v >> (block - 1)
 * run over [SUB, 2 * SUB): the inverse of pg_hist_index(). */
uint64_t pg_hist_low(unsigned i)
{
	if (i < SUB)
		return i;
	if (i > LAST)
		i = LAST;
	unsigned shift = (i >> PG_HIST_SUB_BITS) - 1;
	return (uint64_t)(SUB + (i & (SUB - 1))) << shift;
}

/* The last bucket also holds everything from 2^PG_HIST_MAX_EXP up: it ends at the top. */
uint64_t pg_hist_high(unsigned i)
{
	if (i < SUB)
		return i + 1;
	if (i >= LAST)
		return UINT64_MAX;
	unsigned shift = (i >> PG_HIST_SUB_BITS) - 1;
	return (uint64_t)(SUB + (i & (SUB - 1)) + 1) << shift;
}

uint64_t pg_hist_quantile(const struct pg_hist *h, uint32_t q_ppm)
{
	if (!h->count)
		return 0;
	if (q_ppm == 0)
		return h->min;
	if (q_ppm >= 1000000)
		return h->max;
	/* rank = ceil(count * q / 10^6), split so that nothing overflows 64 bits:
	 * count = a * 10^6 + b, and b * q < 10^12. */
	uint64_t a = h->count / 1000000, b = h->count % 1000000;
	uint64_t rank = a * q_ppm + (b * q_ppm + 999999) / 1000000;
	if (rank < 1)
		rank = 1;
	uint64_t cum = 0;
	unsigned i;
	for (i = 0; i < LAST; i++) {
		cum += h->bucket[i];
		if (cum >= rank)
			break;
	}
	uint64_t lo = pg_hist_low(i), hi = pg_hist_high(i);
	if (i == LAST) {
		/* The overflow values are the largest; below them the bucket is an ordinary one
		 * ending at 2^PG_HIST_MAX_EXP. */
		if (rank > cum + h->bucket[i] - h->overflow)
			return h->max;
		hi = 1ull << PG_HIST_MAX_EXP;
	}
	uint64_t v = lo + (hi - lo) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

void pg_hist_merge(struct pg_hist *into, const struct pg_hist *from)
{
	into->count += from->count;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	into->overflow += from->overflow;
	for (unsigned i = 0; i < PG_HIST_BUCKETS; i++)
		into->bucket[i] += from->bucket[i];
}
