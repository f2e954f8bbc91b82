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
	if (!cfg->max_entries || cfg->max_entries > CT_MAX_ENTRIES)
		return NULL;
	struct ct_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->vlan_mask = cfg->vlan_zones ? 0x0fff : 0;
	for (unsigned i = 0; i < CT_TO__COUNT; i++)
		t->timeout_ms[i] = (uint64_t)cfg->timeout_s[i] * 1000;
	/* eight slots a bucket and two buckets to choose from: at most half the slots full,
	 * with two keys an entry when entries may be translated */
	uint64_t keys = (uint64_t)cfg->max_entries * (cfg->nat ? 2 : 1);
	uint32_t nb = 2;
	while ((uint64_t)nb * CT_BUCKET_SLOTS < 2 * keys)
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
	bool nat = t->cfg.nat;              /* and the index's size on this */
	t->cfg = *cfg;
	t->cfg.vlan_zones = zones;
	t->cfg.nat = nat;
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

void ct_set_release(struct ct_table *t, void (*fn)(void *arg, const struct ct_entry *e), void *arg)
{
	t->release = fn;
	t->release_arg = arg;
}

/* The slot of b holding idx, or -1. */
static int slot_of(const struct ct_bucket *b, uint32_t idx)
{
	for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
		if (b->idx[s] == idx)
			return (int)s;
	return -1;
}

/* Empties the slot of one key (its flow hash, its slot value idx), in its first bucket or
 * its second (then one fewer spilled from the first). */
static void key_unlink(struct ct_table *t, uint32_t hash, uint32_t idx)
{
	uint32_t b1 = hash & (t->n_buckets - 1);
	struct ct_bucket *b = &t->buckets[b1];
	int s = slot_of(b, idx);
	if (s < 0) {
		b = &t->buckets[bucket2(t, hash)];
		s = slot_of(b, idx);
		if (s < 0)
			return;     /* not reached: every live key has its slot */
		if (t->spill[b1] < 255)
			t->spill[b1]--;
	}
	b->idx[s] = 0;
	b->sig[s] = 0;
}

/* Frees an entry: its key's slot, its reply key's (translated), the release hook, and its
 * number back on the free stack; once, whichever slot it was found by. */
static void entry_free(struct ct_table *t, struct ct_entry *e)
{
	uint32_t n = (uint32_t)(e - t->entries) + 1;
	key_unlink(t, e->hash, n);
	if (e->flags & CT_F_NAT) {
		key_unlink(t, e->nat.hash, n | CT_IDX_REPLY);
		t->n_nat--;
		if (t->release)
			t->release(t->release_arg, e);
	}
	t->free[t->n_free++] = n;
}

void ct_expire_slot(struct ct_table *t, struct ct_bucket *b, unsigned slot)
{
	entry_free(t, ct_slot_entry(t, b->idx[slot]));
	t->cnt.expired++;
}

void ct_remove(struct ct_table *t, struct ct_entry *e)
{
	entry_free(t, e);
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
		const struct ct_entry *e = ct_slot_entry(t, b->idx[s]);   /* by either of its keys */
		int r = evictable(e, now);
		if (r > *rank || (r && r == *rank && e->expires < best_exp)) {
			best = (int)s;
			*rank = r;
			best_exp = e->expires;
		}
	}
	return best;
}

/* Frees the entry in b's slot s (all of it: the slot is empty after). */
static void evict(struct ct_table *t, struct ct_bucket *b, unsigned s, int rank)
{
	entry_free(t, ct_slot_entry(t, b->idx[s]));
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

static int empty_slot(const struct ct_bucket *b)
{
	for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
		if (!b->idx[s])
			return (int)s;
	return -1;
}

/* Makes a slot in full bucket b by moving one of its keys to that key's other bucket,
 * when that one has room (one step of cuckoo hashing): a key in its first bucket moves
 * to its second (one more spilled from the first), a key in its second back to its first.
 * false: no key of b can move. The lookups stay right: a key is in one of its two buckets,
 * and its first bucket's spill count says when to look in the second. */
static bool displace(struct ct_table *t, struct ct_bucket *b)
{
	uint32_t here = (uint32_t)(b - t->buckets);
	for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++) {
		if (!b->idx[s])
			return true;
		uint32_t h = b->sig[s], first = h & (t->n_buckets - 1), second = bucket2(t, h);
		uint32_t other = here == first ? second : first;
		struct ct_bucket *o = &t->buckets[other];
		int e = empty_slot(o);
		if (e < 0)
			continue;
		o->idx[e] = b->idx[s];
		o->sig[e] = b->sig[s];
		b->idx[s] = 0;
		b->sig[s] = 0;
		if (t->spill[first] < 255)
			t->spill[first] = (uint8_t)(other == second ? t->spill[first] + 1 : t->spill[first] - 1);
		t->cnt.displaced++;
		return true;
	}
	return false;
}

/* The buckets (1 or 2) a key of this hash may live in now: the second only when some key
 * of the first spilled there. */
static unsigned key_buckets(const struct ct_table *t, uint32_t hash, struct ct_bucket *b[2])
{
	uint32_t b1 = hash & (t->n_buckets - 1);
	b[0] = &t->buckets[b1];
	b[1] = &t->buckets[bucket2(t, hash)];
	return t->spill[b1] ? 2 : 1;
}

/* Whether a live translated entry keeps k from being a new connection's original key: it
 * holds k's reverse as its original key (which, translated, it no longer answers to), or k
 * is its reply key's reverse. The new connection's reply would be the other's; Linux
 * refuses it when it confirms it. All those keys hash as k does. */
static bool nat_shadowed(const struct ct_table *t, const struct pkt_flow_key *k, uint32_t hash, uint64_t now)
{
	if (k->family != 4)
		return false;
	struct pkt_flow_key rev;
	pkt_flow_key_reverse(k, &rev);
	struct ct_bucket *bs[2];
	unsigned nb = key_buckets(t, hash, bs);
	for (unsigned n = 0; n < nb; n++)
		for (unsigned m = ct_sig_match(bs[n], hash); m; m &= m - 1) {
			uint32_t idx = bs[n]->idx[__builtin_ctz(m)];
			if (!idx)
				continue;
			const struct ct_entry *e = ct_slot_entry(t, idx);
			if (!(e->flags & CT_F_NAT) || e->expires <= now)
				continue;
			if ((idx & CT_IDX_REPLY) ? ct_nat_eq(e, &rev) : ct_key_eq(&e->key, &rev, 0))
				return true;
		}
	return false;
}

struct ct_entry *ct_insert(struct ct_table *t, const struct pkt_flow_key *k, uint32_t hash, uint64_t now)
{
	t->clock = now;
	if (t->n_nat && nat_shadowed(t, k, hash, now)) {
		t->cnt.nat_clash++;
		goto refused;
	}
	struct ct_bucket *cand[2] = { &t->buckets[hash & (t->n_buckets - 1)], &t->buckets[bucket2(t, hash)] };
	if (!empty_slots(cand[0]) && !empty_slots(cand[1]) && !displace(t, cand[0]) && !displace(t, cand[1])) {
		/* both buckets full, and no key of theirs can move: only an entry from one of
		 * them makes a slot */
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
		/* an expired entry goes whole, found by either key: its other slot (in this
		 * bucket or another) is empty after, and it is not met again */
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
			if (b->idx[s] && ct_slot_entry(t, b->idx[s])->expires <= now)
				ct_expire_slot(t, b, s);
	}
}

void ct_foreach(const struct ct_table *t, void (*fn)(void *arg, const struct ct_entry *e), void *arg)
{
	/* each entry by its original key's slot, the one every entry has */
	for (uint32_t i = 0; i < t->n_buckets; i++)
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++) {
			uint32_t idx = t->buckets[i].idx[s];
			if (idx && !(idx & CT_IDX_REPLY))
				fn(arg, ct_slot_entry(t, idx));
		}
}

/* Whether a live entry holds k (hash its flow hash) in either direction, self's own reverse
 * aside (an identity translation). Expired holders met are freed, counted; self is never
 * freed here, and holds k if it matches in direction 0. */
static bool key_held(struct ct_table *t, const struct pkt_flow_key *k, uint32_t hash, uint64_t now,
		     const struct ct_entry *self)
{
	struct ct_bucket *bs[2];
	unsigned nb = key_buckets(t, hash, bs);   /* before any frees change the spill count */
	for (unsigned n = 0; n < nb; n++)
		for (unsigned m = ct_sig_match(bs[n], hash); m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m), dir;
			uint32_t idx = bs[n]->idx[s];
			if (!idx || !ct_slot_eq(t, idx, k, &dir))
				continue;
			struct ct_entry *e = ct_slot_entry(t, idx);
			if (e == self) {
				if (dir == 0)
					return true;
				continue;             /* its reverse, which it gives up for the reply key */
			}
			if (e->expires > now)
				return true;
			ct_expire_slot(t, bs[n], s);
		}
	return false;
}

bool ct_key_in_use(struct ct_table *t, const struct pkt_flow_key *k, uint64_t now)
{
	struct pkt_flow_key kk = *k;
	kk.vlan &= t->vlan_mask;
	t->clock = now;
	return key_held(t, &kk, pkt_flow_hash(&kk), now, NULL);
}

bool ct_nat_bind(struct ct_table *t, struct ct_entry *e, const struct ct_nat_tuple *r)
{
	if (e->key.family != 4 || (e->flags & (CT_F_NAT | CT_F_SEEN_REPLY)))
		return false;
	struct pkt_flow_key k = {
		.sport = r->sport, .dport = r->dport, .vlan = e->key.vlan, .proto = e->key.proto, .family = 4,
	};
	memcpy(k.src, r->src, 4);
	memcpy(k.dst, r->dst, 4);
	uint32_t hash = pkt_flow_hash(&k);
	if (key_held(t, &k, hash, t->clock, e)) {
		t->cnt.nat_clash++;
		return false;
	}
	uint32_t b1 = hash & (t->n_buckets - 1);
	struct ct_bucket *b = &t->buckets[b1];
	int s = empty_slot(b);
	if (s < 0 && displace(t, b))
		s = empty_slot(b);
	if (s < 0) {
		b = &t->buckets[bucket2(t, hash)];
		s = empty_slot(b);
		if (s < 0 && displace(t, b))
			s = empty_slot(b);
		if (s < 0) {
			t->cnt.nat_full++;
			return false;
		}
		if (t->spill[b1] < 255)
			t->spill[b1]++;
	}
	memcpy(e->nat.src, r->src, 4);
	memcpy(e->nat.dst, r->dst, 4);
	e->nat.sport = r->sport;
	e->nat.dport = r->dport;
	e->nat.hash = hash;
	e->flags |= CT_F_NAT;
	b->idx[s] = ((uint32_t)(e - t->entries) + 1) | CT_IDX_REPLY;
	b->sig[s] = hash;
	t->n_nat++;
	return true;
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
		{ "expired", c->expired }, { "reopened", c->closed_reuse }, { "syn_retrans", c->syn_retrans },
		{ "displaced", c->displaced },
		{ "nat_clash", c->nat_clash }, { "nat_full", c->nat_full },
	};
	for (unsigned i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (more[i].v) {
			snprintf(line, sizeof(line), "  %-22s %12llu", more[i].name, (unsigned long long)more[i].v);
			emit(arg, line);
		}
}
