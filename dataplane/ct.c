/* Connection tracking: the table (two-choice buckets of eight), lookup, commit, eviction,
 * expiry and counters. The protocols are in ct_proto.c. */
#include "ct.h"
#include "ct_internal.h"

#include "pkt_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT_TO_NAME(id, str, s) str,
const char *const ct_timeout_names[CT_TO__COUNT] = { CT_TIMEOUTS(CT_TO_NAME) };
#undef CT_TO_NAME
#define CT_INV_NAME(id, str) str,
const char *const ct_invalid_names[CT_INV__COUNT] = { CT_INVALID_REASONS(CT_INV_NAME) };
#undef CT_INV_NAME
const char *const ct_tcp_state_names[CT_TCP__COUNT] = {
	"none", "syn_sent", "syn_sent2", "syn_recv", "established", "fin_wait", "close_wait", "last_ack", "time_wait", "close",
};

void ct_config_default(struct ct_config *cfg)
{
#define CT_TO_DEFAULT(id, str, s) cfg->timeout_s[CT_TO_##id] = s;
	CT_TIMEOUTS(CT_TO_DEFAULT)
#undef CT_TO_DEFAULT
	cfg->max_entries = 65536;
	cfg->tcp_loose = true;
	cfg->checksum = true;
	cfg->vlan_zones = true;
}

struct ct_table *ct_table_create(const struct ct_config *cfg)
{
	if (!cfg->max_entries || cfg->max_entries > (1u << 28))
		return NULL;
	struct ct_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->vlan_mask = cfg->vlan_zones ? 0x0fff : 0;
	for (unsigned i = 0; i < CT_TO__COUNT; i++)
		t->timeout_ms[i] = (uint64_t)cfg->timeout_s[i] * 1000;
	/* eight slots a bucket and two buckets to choose from: at most half the slots full */
	uint32_t nb = 2;
	while (nb * CT_BUCKET_SLOTS < 2 * cfg->max_entries)
		nb <<= 1;
	t->n_buckets = nb;
	t->buckets = aligned_alloc(64, (size_t)nb * sizeof(struct ct_bucket));
	t->spill = calloc(nb, 1);
	t->entries = aligned_alloc(64, (size_t)cfg->max_entries * sizeof(struct ct_entry));
	t->free = malloc((size_t)cfg->max_entries * sizeof(uint32_t));
	if (!t->buckets || !t->spill || !t->entries || !t->free) {
		ct_table_destroy(t);
		return NULL;
	}
	pkt_mem_large(t->buckets, (size_t)nb * sizeof(struct ct_bucket));
	pkt_mem_large(t->entries, (size_t)cfg->max_entries * sizeof(struct ct_entry));
	memset(t->buckets, 0, (size_t)nb * sizeof(struct ct_bucket));
	for (uint32_t i = 0; i < cfg->max_entries; i++)
		t->free[i] = cfg->max_entries - i;   /* entry numbers are 1-based; 1 is on top */
	t->n_free = cfg->max_entries;
	return t;
}

bool ct_table_tune(struct ct_table *t, const struct ct_config *cfg)
{
	if (cfg->max_entries != t->cfg.max_entries)
		return false;
	bool zones = t->cfg.vlan_zones;     /* the keys already made depend on it */
	t->cfg = *cfg;
	t->cfg.vlan_zones = zones;
	for (unsigned i = 0; i < CT_TO__COUNT; i++)
		t->timeout_ms[i] = (uint64_t)cfg->timeout_s[i] * 1000;
	return true;
}

void ct_table_destroy(struct ct_table *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->spill);
	free(t->entries);
	free(t->free);
	free(t);
}

uint32_t ct_count(const struct ct_table *t) { return t->cfg.max_entries - t->n_free; }
const struct ct_counters *ct_counters(const struct ct_table *t) { return &t->cnt; }
const struct ct_config *ct_table_config(const struct ct_table *t) { return &t->cfg; }

#define bucket2 ct_bucket2

static void slot_free(struct ct_table *t, struct ct_bucket *b, unsigned slot)
{
	uint32_t b1 = t->entries[b->idx[slot] - 1].hash & (t->n_buckets - 1);
	if (b != &t->buckets[b1] && t->spill[b1] < 255)
		t->spill[b1]--;     /* it lived in its second bucket */
	t->free[t->n_free++] = b->idx[slot];
	b->idx[slot] = 0;
	b->sig[slot] = 0;
}

void ct_expire_slot(struct ct_table *t, struct ct_bucket *b, unsigned slot)
{
	slot_free(t, b, slot);
	t->cnt.expired++;
}

void ct_remove(struct ct_table *t, struct ct_entry *e)
{
	uint32_t idx = (uint32_t)(e - t->entries) + 1;
	uint32_t bi[2] = { e->hash & (t->n_buckets - 1), bucket2(t, e->hash) };
	for (unsigned n = 0; n < 2; n++)
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
			if (t->buckets[bi[n]].idx[s] == idx) {
				slot_free(t, &t->buckets[bi[n]], s);
				return;
			}
}

/* An entry that may be dropped for a new one: expired, or never completed. */
static inline int evictable(const struct ct_entry *e, uint64_t now)
{
	if (e->expires <= now)
		return 2;
	return !(e->flags & CT_F_ASSURED);
}

/* In bucket b, the best victim: expired before unfinished, then the soonest to expire.
 * Returns the slot or -1. */
static int victim(const struct ct_table *t, const struct ct_bucket *b, uint64_t now, int *rank)
{
	int best = -1;
	*rank = 0;
	uint64_t best_exp = UINT64_MAX;
	for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++) {
		if (!b->idx[s])
			continue;
		const struct ct_entry *e = &t->entries[b->idx[s] - 1];
		int r = evictable(e, now);
		if (r > *rank || (r && r == *rank && e->expires < best_exp)) {
			best = (int)s;
			*rank = r;
			best_exp = e->expires;
		}
	}
	return best;
}

static void evict(struct ct_table *t, struct ct_bucket *b, unsigned s, int rank)
{
	slot_free(t, b, s);
	if (rank == 2)
		t->cnt.expired++;
	else
		t->cnt.evicted++;
}

/* Frees one entry anywhere for a new one: the two buckets first, then a bounded walk. */
static bool make_room(struct ct_table *t, struct ct_bucket *cand[2], uint64_t now)
{
	int r0, r1;
	int s0 = victim(t, cand[0], now, &r0), s1 = victim(t, cand[1], now, &r1);
	if (s0 >= 0 && r0 >= r1) {
		evict(t, cand[0], (unsigned)s0, r0);
		return true;
	}
	if (s1 >= 0) {
		evict(t, cand[1], (unsigned)s1, r1);
		return true;
	}
	for (unsigned i = 0; i < CT_EVICT_SCAN; i++) {
		struct ct_bucket *b = &t->buckets[t->evict_cursor];
		t->evict_cursor = (t->evict_cursor + 1) & (t->n_buckets - 1);
		int r, s = victim(t, b, now, &r);
		if (s >= 0) {
			evict(t, b, (unsigned)s, r);
			return true;
		}
	}
	return false;
}

static int empty_slots(const struct ct_bucket *b)
{
	int n = 0;
	for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
		n += !b->idx[s];
	return n;
}

struct ct_entry *ct_insert(struct ct_table *t, const struct pkt_flow_key *k, uint32_t hash, uint64_t now)
{
	struct ct_bucket *cand[2] = { &t->buckets[hash & (t->n_buckets - 1)], &t->buckets[bucket2(t, hash)] };
	if (!empty_slots(cand[0]) && !empty_slots(cand[1])) {
		/* both buckets full: only an entry from one of them makes a slot */
		int r0, r1;
		int s0 = victim(t, cand[0], now, &r0), s1 = victim(t, cand[1], now, &r1);
		if (s0 >= 0 && r0 >= r1)
			evict(t, cand[0], (unsigned)s0, r0);
		else if (s1 >= 0)
			evict(t, cand[1], (unsigned)s1, r1);
		else
			goto refused;
	}
	if (!t->n_free && !make_room(t, cand, now))
		goto refused;
	/* the first bucket while it has room, so that a lookup (and the burst's prefetch)
	 * nearly always needs that one line: at the default sizing a bucket holds two
	 * entries on average, and overflows into the second only at the tail */
	struct ct_bucket *b = cand[0];
	if (!empty_slots(b)) {
		b = cand[1];
		uint8_t *spill = &t->spill[hash & (t->n_buckets - 1)];
		if (*spill < 255)
			++*spill;
	}
	unsigned s = 0;
	while (b->idx[s])
		s++;
	uint32_t idx = t->free[--t->n_free];
	b->idx[s] = idx;
	b->sig[s] = hash;
	struct ct_entry *e = &t->entries[idx - 1];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->hash = hash;
	t->cnt.created++;
	return e;
refused:
	t->cnt.refused++;
	return NULL;
}

void ct_sweep(struct ct_table *t, uint64_t now, unsigned budget)
{
	for (unsigned i = 0; i < budget && i < t->n_buckets; i++) {
		struct ct_bucket *b = &t->buckets[t->sweep_cursor];
		t->sweep_cursor = (t->sweep_cursor + 1) & (t->n_buckets - 1);
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
			if (b->idx[s] && t->entries[b->idx[s] - 1].expires <= now) {
				slot_free(t, b, s);
				t->cnt.expired++;
			}
	}
}

void ct_foreach(const struct ct_table *t, void (*fn)(void *arg, const struct ct_entry *e), void *arg)
{
	for (uint32_t i = 0; i < t->n_buckets; i++)
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
			if (t->buckets[i].idx[s])
				fn(arg, &t->entries[t->buckets[i].idx[s] - 1]);
}

void ct_counters_format(const struct ct_table *t, void (*emit)(void *arg, const char *line), void *arg)
{
	static const char *const st[5] = { "new", "established", "related", "invalid", "untracked" };
	const struct ct_counters *c = &t->cnt;
	char line[96];
	snprintf(line, sizeof(line), "conntrack: %u of %u entries in use", ct_count(t), t->cfg.max_entries);
	emit(arg, line);
	for (unsigned i = 0; i < 5; i++)
		if (c->state[i]) {
			snprintf(line, sizeof(line), "  %-22s %12llu", st[i], (unsigned long long)c->state[i]);
			emit(arg, line);
		}
	for (unsigned i = 1; i < CT_INV__COUNT; i++)
		if (c->invalid[i]) {
			snprintf(line, sizeof(line), "    invalid %-14s %12llu", ct_invalid_names[i],
				 (unsigned long long)c->invalid[i]);
			emit(arg, line);
		}
	const struct { const char *name; uint64_t v; } more[] = {
		{ "created", c->created }, { "refused", c->refused }, { "evicted", c->evicted },
		{ "expired", c->expired }, { "reopened", c->closed_reuse },
	};
	for (unsigned i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (more[i].v) {
			snprintf(line, sizeof(line), "  %-22s %12llu", more[i].name, (unsigned long long)more[i].v);
			emit(arg, line);
		}
}
