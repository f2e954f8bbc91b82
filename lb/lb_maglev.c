/* Maglev's population (NSDI'16, section 3.4) with Envoy's weights. Every backend of
 * non-zero weight walks its own permutation of the entries, offset + j * skip (mod m), and
 * the backends take turns claiming the next entry of theirs still free. With weights the
 * turns go in rounds: in round r (from 1) a backend takes a turn when r * weight >=
 * turns_taken * max_weight, at most one a round, so a backend of the heaviest weight takes
 * one every round and one of a third of it one every third round.
 *
 * Walking the rounds one by one is O(rounds * n), and the rounds are many when weights
 * are far apart (65,535 against 1: as many rounds as entries). Instead, a backend's k-th
 * turn (from 0) falls in round max(k + 1, ceil(k * max_weight / weight)), and a heap
 * ordered by (round, rank) hands out the turns in the very order the rounds would: O(m log n)
 * plus the walks, about m ln m probes in all.
 *
 * The rank is the backend's place among the keys in ascending order, so which key owns
 * which entry does not depend on the order of the array. */
#include "lb_maglev.h"

#include <stdlib.h>

bool lbm_is_prime(uint32_t m)
{
	if (m < 2)
		return false;
	if (m < 4)
		return true;
	if (m % 2 == 0 || m % 3 == 0)
		return false;
	/* 6k - 1 and 6k + 1; 64-bit so that d * d does not wrap near 2^32 */
	for (uint64_t d = 5; d * d <= m; d += 6)
		if (m % d == 0 || m % (d + 2) == 0)
			return false;
	return true;
}

/* splitmix64's finalizer (Stafford's variant 13) over the key and a seed: the two seeds
 * give the two independent hashes of the paper. */
static uint64_t lbm_mix(uint64_t key, uint64_t seed)
{
	uint64_t z = key + seed * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct lbm_walker {
	uint64_t key;
	uint64_t round;                  /* of its next turn */
	uint32_t pos;                    /* the next entry of its permutation to try */
	uint32_t skip;
	uint32_t turns;                  /* taken so far (the entries it holds) */
	uint32_t weight;
	uint16_t index;                  /* in the caller's array */
};

static int lbm_by_key(const void *a, const void *b)
{
	const struct lbm_walker *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* equal keys are the caller's error; the index keeps qsort's result defined */
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The round of turn k: the first round r after the previous turn with
 * r * weight >= k * max_weight. */
static uint64_t lbm_round(uint32_t k, uint32_t weight, uint32_t max_weight)
{
	uint64_t r = ((uint64_t)k * max_weight + weight - 1) / weight;
	return r > (uint64_t)k + 1 ? r : (uint64_t)k + 1;
}

/* The heap holds ranks (places in the sorted walker array); the earlier round first, then
 * the lower rank, as a round visits the backends in rank order. */
static bool lbm_before(const struct lbm_walker *w, uint32_t a, uint32_t b)
{
	return w[a].round != w[b].round ? w[a].round < w[b].round : a < b;
}

static void lbm_sift_down(const struct lbm_walker *w, uint32_t *heap, uint32_t len, uint32_t i)
{
	uint32_t v = heap[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= len)
			break;
		if (c + 1 < len && lbm_before(w, heap[c + 1], heap[c]))
			c++;
		if (!lbm_before(w, heap[c], v))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = v;
}

int lbm_build(uint16_t *table, uint32_t m, const struct lbm_backend *b, uint32_t n)
{
	if (m < LBM_SIZE_MIN || m > LBM_SIZE_MAX || !lbm_is_prime(m) || n > LBM_MAX_BACKENDS)
		return -1;
	uint32_t live = 0, max_weight = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (b[i].weight > LBM_WEIGHT_MAX)
			return -1;
		if (b[i].weight) {
			live++;
			if (b[i].weight > max_weight)
				max_weight = b[i].weight;
		}
	}
	if (!live) {
		for (uint32_t e = 0; e < m; e++)
			table[e] = LBM_EMPTY;
		return 0;
	}
	/* everything that can fail comes before the table is touched */
	struct lbm_walker *w = malloc(live * sizeof(*w));
	uint32_t *heap = malloc(live * sizeof(*heap));
	if (!w || !heap) {
		free(w);
		free(heap);
		return -1;
	}
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!b[i].weight)
			continue;
		w[k++] = (struct lbm_walker){
			.key = b[i].key,
			.round = 1,
			.pos = (uint32_t)(lbm_mix(b[i].key, 1) % m),
			.skip = (uint32_t)(lbm_mix(b[i].key, 2) % (m - 1)) + 1,
			.weight = b[i].weight,
			.index = (uint16_t)i,
		};
	}
	qsort(w, live, sizeof(*w), lbm_by_key);
	/* everyone's first turn is in round 1, in rank order: already a heap */
	for (uint32_t r = 0; r < live; r++)
		heap[r] = r;

	for (uint32_t e = 0; e < m; e++)
		table[e] = LBM_EMPTY;
	for (uint32_t filled = 0; filled < m; filled++) {
		struct lbm_walker *x = &w[heap[0]];
		/* skip is below the prime m, so the walk meets every entry: a free one is found
		 * while the table is not full */
		while (table[x->pos] != LBM_EMPTY) {
			x->pos += x->skip;
			if (x->pos >= m)
				x->pos -= m;
		}
		table[x->pos] = x->index;
		x->pos += x->skip;
		if (x->pos >= m)
			x->pos -= m;
		x->turns++;
		x->round = lbm_round(x->turns, x->weight, max_weight);
		lbm_sift_down(w, heap, live, 0);
	}
	free(w);
	free(heap);
	return 0;
}
