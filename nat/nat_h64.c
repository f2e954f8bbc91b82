/* Linear probing over 12-byte slots; an empty slot holds NAT_H64_NONE as its value. The
 * key is kept as two 32-bit halves so that a slot needs only 4-byte alignment (16 slots in
 * three cache lines instead of four). Deletion is Knuth's algorithm R (TAOCP 6.4): the
 * entries after the hole move back into it when their home slot allows, so every key stays
 * reachable from its home slot by a run with no empty slot. */
#include "nat_h64.h"

#include "pkt.h"

#include <assert.h>
#include <stdlib.h>

struct nat_h64_slot {
	uint32_t key_lo, key_hi;
	uint32_t val;
};
static_assert(sizeof(struct nat_h64_slot) == 12, "a slot is 12 bytes");

struct nat_h64 {
	uint64_t seed;
	uint32_t mask;              /* capacity - 1 */
	uint32_t count, max;
	struct nat_h64_slot slot[];
};

static inline uint32_t h64_home(const struct nat_h64 *h, uint64_t key)
{
	return (uint32_t)nat_h64_mix(key ^ h->seed) & h->mask;
}

static inline uint64_t slot_key(const struct nat_h64_slot *s)
{
	return (uint64_t)s->key_hi << 32 | s->key_lo;
}

struct nat_h64 *nat_h64_create(uint32_t max, uint64_t seed)
{
	if (max == 0 || max > NAT_H64_MAX)
		return NULL;
	uint64_t cap = 8;
	while (cap * 3 < (uint64_t)max * 4)         /* max <= 3/4 of the slots */
		cap <<= 1;
	size_t bytes = sizeof(struct nat_h64) + (size_t)cap * sizeof(struct nat_h64_slot);
	struct nat_h64 *h = malloc(bytes);
	if (!h)
		return NULL;
	pkt_mem_large(h, bytes);
	h->seed = seed;
	h->mask = (uint32_t)(cap - 1);
	h->count = 0;
	h->max = max;
	for (uint64_t i = 0; i < cap; i++)
		h->slot[i].val = NAT_H64_NONE;
	return h;
}

void nat_h64_destroy(struct nat_h64 *h)
{
	free(h);
}

/* The slot holding key, or the empty slot ending its probe run (where it would go). The
 * table is never full (max < capacity), so the run ends. */
static inline uint32_t h64_probe(const struct nat_h64 *h, uint64_t key)
{
	uint32_t lo = (uint32_t)key, hi = (uint32_t)(key >> 32);
	uint32_t i = h64_home(h, key);
	for (;;) {
		const struct nat_h64_slot *s = &h->slot[i];
		if (s->val == NAT_H64_NONE || (s->key_lo == lo && s->key_hi == hi))
			return i;
		i = (i + 1) & h->mask;
	}
}

uint32_t nat_h64_get(const struct nat_h64 *h, uint64_t key)
{
	return h->slot[h64_probe(h, key)].val;
}

uint32_t *nat_h64_find(struct nat_h64 *h, uint64_t key)
{
	struct nat_h64_slot *s = &h->slot[h64_probe(h, key)];
	return s->val == NAT_H64_NONE ? NULL : &s->val;
}

bool nat_h64_put(struct nat_h64 *h, uint64_t key, uint32_t val)
{
	struct nat_h64_slot *s = &h->slot[h64_probe(h, key)];
	if (s->val == NAT_H64_NONE) {
		if (h->count >= h->max)
			return false;
		h->count++;
		s->key_lo = (uint32_t)key;
		s->key_hi = (uint32_t)(key >> 32);
	}
	s->val = val;
	return true;
}

bool nat_h64_del(struct nat_h64 *h, uint64_t key)
{
	uint32_t hole = h64_probe(h, key);
	if (h->slot[hole].val == NAT_H64_NONE)
		return false;
	h->count--;
	for (uint32_t j = (hole + 1) & h->mask; h->slot[j].val != NAT_H64_NONE; j = (j + 1) & h->mask) {
		/* The entry at j may fill the hole when the hole lies on its way from its home:
		 * home .. hole .. j, going round the table. */
		uint32_t home = h64_home(h, slot_key(&h->slot[j]));
		if (((j - home) & h->mask) >= ((j - hole) & h->mask)) {
			h->slot[hole] = h->slot[j];
			hole = j;
		}
	}
	h->slot[hole].val = NAT_H64_NONE;
	return true;
}

uint32_t nat_h64_count(const struct nat_h64 *h)
{
	return h->count;
}

uint32_t nat_h64_max(const struct nat_h64 *h)
{
	return h->max;
}

uint32_t nat_h64_capacity(const struct nat_h64 *h)
{
	return h->mask + 1;
}

size_t nat_h64_memory(const struct nat_h64 *h)
{
	return sizeof(*h) + ((size_t)h->mask + 1) * sizeof(struct nat_h64_slot);
}
