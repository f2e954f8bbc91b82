/* The flow affinity table: buckets of four ways, one cache line for the lookup. Expiry is
 * compared as a signed difference of 32-bit ticks, so the tick counter may wrap (every
 * 139 years of 1,024 ms ticks, but a platform's clock may start anywhere). */
#include "lb_flow.h"

#include <stdlib.h>
#include <string.h>

/* XXH64's lane round and avalanche over the key's five words: every bit of the key
 * reaches every bit of the tag, and a key and its reverse differ (the words are mixed in
 * order, unlike pkt_flow_hash). */
#define LBF_P1 0x9e3779b185ebca87ull
#define LBF_P2 0xc2b2ae3d27d4eb4full
#define LBF_P3 0x165667b19e3779f9ull
#define LBF_P4 0x85ebca77c2b2ae63ull
#define LBF_P5 0x27d4eb2f165667c5ull

static inline uint64_t lbf_rotl(uint64_t x, unsigned r)
{
	return x << r | x >> (64 - r);
}

uint64_t lbf_tag(const struct pkt_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = LBF_P5 + sizeof(*k);
	for (unsigned i = 0; i < sizeof(*k); i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		h ^= lbf_rotl(v * LBF_P2, 31) * LBF_P1;
		h = lbf_rotl(h, 27) * LBF_P1 + LBF_P4;
	}
	h ^= h >> 33;
	h *= LBF_P2;
	h ^= h >> 29;
	h *= LBF_P3;
	h ^= h >> 32;
	return h ? h : 1;                    /* 0 marks a free way */
}

static inline bool lbf_live(const struct lbf_way *w, uint32_t now)
{
	return (int32_t)(w->expires - now) > 0;
}

struct lbf_table *lbf_create(uint32_t max_flows)
{
	if (max_flows == 0 || max_flows > LBF_MAX_FLOWS)
		return NULL;
	/* half full at max_flows: two ways of four a bucket */
	uint32_t nb = 1;
	while ((uint64_t)nb * 2 < max_flows)
		nb <<= 1;
	struct lbf_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	size_t bytes = (size_t)nb * sizeof(struct lbf_bucket);      /* a multiple of 64, as aligned_alloc wants */
	t->b = aligned_alloc(64, bytes);
	t->over = calloc(nb, 1);
	if (!t->b || !t->over) {
		free(t->b);
		free(t->over);
		free(t);
		return NULL;
	}
	pkt_mem_large(t->b, bytes);
	memset(t->b, 0, bytes);
	t->mask = nb - 1;
	return t;
}

void lbf_destroy(struct lbf_table *t)
{
	if (!t)
		return;
	free(t->b);
	free(t->over);
	free(t);
}

uint32_t lbf_capacity(const struct lbf_table *t)
{
	return (t->mask + 1) * LBF_WAYS;
}

/* The bucket w is a way of. */
static inline uint32_t bucket_index(const struct lbf_table *t, const struct lbf_way *w)
{
	return (uint32_t)(((uintptr_t)w - (uintptr_t)t->b) / sizeof(struct lbf_bucket));
}

/* w's flow leaves it: its first bucket's count of flows living elsewhere goes down if
 * this was its second bucket. */
static inline void vacate(struct lbf_table *t, const struct lbf_way *w)
{
	uint32_t home = (uint32_t)w->tag & t->mask;
	if (home != bucket_index(t, w) && t->over[home] != 255)
		t->over[home]--;
}

static inline void lbf_free_way(struct lbf_table *t, struct lbf_way *w)
{
	vacate(t, w);
	w->tag = 0;
	t->live--;
}

/* The way of tag in bk: it, NULL when it is not there, or NULL with *gone set when it was
 * there expired (freed, counted). */
static struct lbf_way *find_in(struct lbf_table *t, struct lbf_bucket *bk, uint64_t tag, uint32_t now, bool *gone)
{
	for (unsigned i = 0; i < LBF_WAYS; i++) {
		struct lbf_way *w = &bk->way[i];
		if (w->tag != tag)
			continue;
		if (!lbf_live(w, now)) {
			lbf_free_way(t, w);
			t->c.expired++;
			*gone = true;
			return NULL;
		}
		return w;
	}
	return NULL;
}

struct lbf_way *lbf_find(struct lbf_table *t, uint64_t tag, uint32_t now, uint32_t timeout)
{
	/* a flow is in one of its two buckets at most (inserted only when found in neither) */
	bool gone = false;
	struct lbf_way *w = find_in(t, lbf_bucket_of(t, tag), tag, now, &gone);
	if (!w && !gone && t->over[(uint32_t)tag & t->mask] && lbf_bucket2_of(t, tag) != lbf_bucket_of(t, tag))
		w = find_in(t, lbf_bucket2_of(t, tag), tag, now, &gone);
	if (!w) {
		t->c.misses++;
		return NULL;
	}
	w->expires = now + timeout;
	t->c.hits++;
	return w;
}

struct lbf_way *lbf_insert(struct lbf_table *t, uint64_t tag, uint32_t now, uint32_t timeout, uint16_t backend,
			   const uint8_t *client, uint16_t sport)
{
	struct lbf_bucket *bks[2] = { lbf_bucket_of(t, tag), lbf_bucket2_of(t, tag) };
	unsigned n = bks[1] == bks[0] ? 1 : 2;
	struct lbf_bucket *bk = NULL, *old_bk = bks[0];
	unsigned at = 0, oldest = 0;
	/* a free or expired way, the first bucket's first; else the way expiring first of both */
	for (unsigned k = 0; k < n && !bk; k++) {
		for (unsigned i = 0; i < LBF_WAYS; i++) {
			struct lbf_way *w = &bks[k]->way[i];
			if (!w->tag) {
				bk = bks[k], at = i;
				t->live++;
				break;
			}
			if (!lbf_live(w, now)) {
				bk = bks[k], at = i;             /* freed and taken at once: live stays */
				vacate(t, w);
				t->c.expired++;
				break;
			}
			if ((int32_t)(w->expires - old_bk->way[oldest].expires) < 0)
				old_bk = bks[k], oldest = i;
		}
	}
	if (!bk) {
		bk = old_bk, at = oldest;
		vacate(t, &bk->way[at]);
		t->c.evicted++;
	}
	if (bk != bks[0] && t->over[(uint32_t)tag & t->mask] != 255)
		t->over[(uint32_t)tag & t->mask]++;
	struct lbf_way *w = &bk->way[at];
	*w = (struct lbf_way){ .tag = tag, .expires = now + timeout, .backend = backend, .sport = sport };
	if (client)
		memcpy(bk->client[at], client, 16);
	else
		memset(bk->client[at], 0, 16);
	t->c.inserted++;
	return w;
}

void lbf_remove(struct lbf_table *t, struct lbf_way *w)
{
	if (!w->tag)
		return;
	lbf_free_way(t, w);
	t->c.removed++;
}

void lbf_sweep(struct lbf_table *t, uint32_t now, unsigned budget)
{
	uint32_t nb = t->mask + 1;
	if (budget > nb)
		budget = nb;                             /* once round is enough */
	uint32_t at = t->sweep_at;
	for (unsigned n = 0; n < budget; n++) {
		struct lbf_bucket *bk = &t->b[at];
		for (unsigned i = 0; i < LBF_WAYS; i++) {
			struct lbf_way *w = &bk->way[i];
			if (w->tag && !lbf_live(w, now)) {
				lbf_free_way(t, w);
				t->c.expired++;
			}
		}
		at = (at + 1) & t->mask;
	}
	t->sweep_at = at;
}

void lbf_foreach(const struct lbf_table *t, uint32_t now,
		 bool (*fn)(void *arg, const struct lbf_way *w, const uint8_t *client), void *arg)
{
	for (uint64_t at = 0; at <= t->mask; at++) {
		const struct lbf_bucket *bk = &t->b[at];
		for (unsigned i = 0; i < LBF_WAYS; i++) {
			const struct lbf_way *w = &bk->way[i];
			if (w->tag && lbf_live(w, now) && !fn(arg, w, bk->client[i]))
				return;
		}
	}
}

void lbf_forget_backend(struct lbf_table *t, uint16_t id)
{
	for (uint64_t at = 0; at <= t->mask; at++) {
		struct lbf_bucket *bk = &t->b[at];
		for (unsigned i = 0; i < LBF_WAYS; i++) {
			struct lbf_way *w = &bk->way[i];
			if (w->tag && w->backend == id) {
				lbf_free_way(t, w);
				t->c.removed++;
			}
		}
	}
}
