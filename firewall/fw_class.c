/* The classifier's build: rules to per-field intervals and bit vectors (lookup: fw_class_lookup.c). */
#include "fw_class_int.h"

#include "pkt_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ival {
	u128 lo, hi;                   /* inclusive */
};

struct ivals {
	struct ival *v;
	unsigned n, cap;
};

const u128 fw_class_dim_max[FW_D__COUNT] = {
	[FW_D_IIF] = 255, [FW_D_OIF] = 255, [FW_D_ETHER] = 0xffff, [FW_D_VLAN] = 4095,
	[FW_D_IP4_SRC] = 0xffffffffu, [FW_D_IP4_DST] = 0xffffffffu,
	[FW_D_IP6_SRC] = ~(u128)0, [FW_D_IP6_DST] = ~(u128)0,
	[FW_D_L4PROTO] = 255, [FW_D_TCP_SPORT] = 0xffff, [FW_D_TCP_DPORT] = 0xffff,
	[FW_D_UDP_SPORT] = 0xffff, [FW_D_UDP_DPORT] = 0xffff, [FW_D_TCP_FLAGS] = 255,
	[FW_D_ICMP] = 0xffff, [FW_D_ICMP6] = 0xffff, [FW_D_CT] = 4, [FW_D_LENGTH] = 0xffff,
};

/* ---- interval lists ---- */

static int iv_push(struct ivals *s, u128 lo, u128 hi)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 8;
		struct ival *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct ival){lo, hi};
	return 0;
}

static int iv_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts and merges overlapping or touching intervals. */
static void iv_normalize(struct ivals *s)
{
	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), iv_cmp);
	unsigned o = 0;
	for (unsigned i = 1; i < s->n; i++) {
		struct ival *last = &s->v[o];
		if (last->hi == ~(u128)0 || s->v[i].lo <= last->hi + 1) {
			if (s->v[i].hi > last->hi)
				last->hi = s->v[i].hi;
		} else {
			s->v[++o] = s->v[i];
		}
	}
	s->n = o + 1;
}

/* out = [0, max] minus s (s normalized). */
static int iv_complement(const struct ivals *s, u128 max, struct ivals *out)
{
	u128 next = 0;
	bool done = false;
	out->n = 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->v[i].lo > next && iv_push(out, next, s->v[i].lo - 1))
			return -1;
		if (s->v[i].hi >= max) {
			done = true;
			break;
		}
		next = s->v[i].hi + 1;
	}
	if (!done && iv_push(out, next, max))
		return -1;
	return 0;
}

/* out = a and b (both normalized). */
static int iv_intersect(const struct ivals *a, const struct ivals *b, struct ivals *out)
{
	out->n = 0;
	unsigned i = 0, j = 0;
	while (i < a->n && j < b->n) {
		u128 lo = a->v[i].lo > b->v[j].lo ? a->v[i].lo : b->v[j].lo;
		u128 hi = a->v[i].hi < b->v[j].hi ? a->v[i].hi : b->v[j].hi;
		if (lo <= hi && iv_push(out, lo, hi))
			return -1;
		if (a->v[i].hi < b->v[j].hi)
			i++;
		else
			j++;
	}
	return 0;
}

static int iv_prefix(struct ivals *s, const struct cf_prefix *p)
{
	unsigned bits = p->family == 4 ? 32 : 128;
	u128 base = addr_value(p->addr, bits / 8);
	u128 span = p->len == 0 ? (bits == 128 ? ~(u128)0 : ((u128)1 << bits) - 1)
				: (((u128)1 << (bits - p->len)) - 1);
	return iv_push(s, base, base + span);
}

/* ---- what one match accepts, as intervals of its field ---- */

enum fw_dim fw_class_match_dim(const struct fw_match *m)
{
	switch (m->field) {
	case FW_M_IIF: return FW_D_IIF;
	case FW_M_OIF: return FW_D_OIF;
	case FW_M_ETHER_TYPE: return FW_D_ETHER;
	case FW_M_VLAN_ID: return FW_D_VLAN;
	case FW_M_IP_SADDR: return FW_D_IP4_SRC;
	case FW_M_IP_DADDR: return FW_D_IP4_DST;
	case FW_M_IP6_SADDR: return FW_D_IP6_SRC;
	case FW_M_IP6_DADDR: return FW_D_IP6_DST;
	case FW_M_L4PROTO: return FW_D_L4PROTO;
	case FW_M_SPORT: return m->proto == 6 ? FW_D_TCP_SPORT : FW_D_UDP_SPORT;
	case FW_M_DPORT: return m->proto == 6 ? FW_D_TCP_DPORT : FW_D_UDP_DPORT;
	case FW_M_TCP_FLAGS: return FW_D_TCP_FLAGS;
	case FW_M_ICMP_TYPE: return FW_D_ICMP;
	case FW_M_ICMP6_TYPE: return FW_D_ICMP6;
	case FW_M_CT_STATE: return FW_D_CT;
	case FW_M_LENGTH: return FW_D_LENGTH;
	}
	return FW_D__COUNT;
}

static int match_ivals(const struct fw_config *cfg, const struct fw_match *m, struct ivals *s)
{
	s->n = 0;
	switch (m->field) {
	case FW_M_IIF:
	case FW_M_OIF:
		return iv_push(s, (u128)m->u.iface, (u128)m->u.iface);
	case FW_M_IP_SADDR:
	case FW_M_IP_DADDR:
	case FW_M_IP6_SADDR:
	case FW_M_IP6_DADDR:
		if (m->set < 0)
			return iv_prefix(s, &m->u.prefix);
		for (unsigned i = 0; i < cfg->cf.set[m->set].n; i++)
			if (iv_prefix(s, &cfg->cf.set[m->set].prefixes[i]))
				return -1;
		return 0;
	case FW_M_ETHER_TYPE:
	case FW_M_VLAN_ID:
	case FW_M_L4PROTO:
	case FW_M_SPORT:
	case FW_M_DPORT:
	case FW_M_LENGTH: {
		const struct cf_range *r = m->set >= 0 ? cfg->cf.set[m->set].ranges : m->u.list.r;
		unsigned n = m->set >= 0 ? cfg->cf.set[m->set].n : m->u.list.n;
		for (unsigned i = 0; i < n; i++)
			if (iv_push(s, r[i].lo, r[i].hi))
				return -1;
		return 0;
	}
	case FW_M_TCP_FLAGS:
		for (unsigned v = 0; v < 256; v++)
			if ((v & m->u.flags.set) == m->u.flags.set && !(v & m->u.flags.clear) && iv_push(s, v, v))
				return -1;
		return 0;
	case FW_M_ICMP_TYPE:
	case FW_M_ICMP6_TYPE: {
		unsigned t = (unsigned)m->u.icmp.type << 8;
		if (m->u.icmp.code < 0)
			return iv_push(s, t, t | 0xff);
		return iv_push(s, t | (unsigned)m->u.icmp.code, t | (unsigned)m->u.icmp.code);
	}
	case FW_M_CT_STATE:
		for (unsigned b = 0; b < 4; b++)
			if ((m->u.ct_states >> b & 1) && iv_push(s, b, b))
				return -1;
		return 0;
	}
	return 0;
}

/* What rule accepts on dim: 0 with out filled, 1 when it does not look at dim, -1 on ENOMEM. */
static int rule_ivals(const struct fw_config *cfg, const struct fw_rule *r, enum fw_dim d, struct ivals *out,
		      struct ivals *t1, struct ivals *t2)
{
	bool any = false;
	for (unsigned i = 0; i < r->n_match; i++) {
		const struct fw_match *m = &r->m[i];
		if (fw_class_match_dim(m) != d)
			continue;
		if (match_ivals(cfg, m, t1))
			return -1;
		iv_normalize(t1);
		struct ivals *acc = t1;
		if (m->negate) {
			if (iv_complement(t1, fw_class_dim_max[d], t2))
				return -1;
			acc = t2;
		}
		if (!any) {
			out->n = 0;
			for (unsigned k = 0; k < acc->n; k++)
				if (iv_push(out, acc->v[k].lo, acc->v[k].hi))
					return -1;
			any = true;
		} else {
			/* intersect into whichever temporary acc is not */
			struct ivals *dst = acc == t1 ? t2 : t1;
			if (iv_intersect(out, acc, dst))
				return -1;
			out->n = 0;
			for (unsigned k = 0; k < dst->n; k++)
				if (iv_push(out, dst->v[k].lo, dst->v[k].hi))
					return -1;
		}
	}
	return any ? 0 : 1;
}

/* ---- vector pool with de-duplication ---- */

struct builder {
	struct fw_class *c;
	size_t vec_words;              /* n_sum + n_words */
	size_t pool_cap;
	uint32_t *hash_slots;          /* vector index + 1, 0 empty */
	size_t hash_cap;
	size_t *offsets;               /* pool offset of vector i */
	size_t offsets_cap;
};

static uint64_t vec_hash(const uint64_t *w, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
	return h ^ h >> 29;
}

static int hash_grow(struct builder *b)
{
	size_t cap = b->hash_cap ? b->hash_cap * 2 : 1024;
	uint32_t *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (unsigned i = 0; i < b->c->n_vectors; i++) {
		size_t h = vec_hash(b->c->pool + b->offsets[i], b->vec_words) & (cap - 1);
		while (slots[h])
			h = (h + 1) & (cap - 1);
		slots[h] = i + 1;
	}
	free(b->hash_slots);
	b->hash_slots = slots;
	b->hash_cap = cap;
	return 0;
}

/* Stores the vector (words only; the summary is computed here) once; returns its index. */
static long vec_intern(struct builder *b, const uint64_t *words)
{
	struct fw_class *c = b->c;
	if ((c->n_vectors + 1) * 2 > b->hash_cap && hash_grow(b))
		return -1;
	if (c->pool_words + b->vec_words > b->pool_cap) {
		size_t cap = b->pool_cap ? b->pool_cap * 2 : 64 * b->vec_words;
		uint64_t *p = realloc(c->pool, cap * sizeof(*p));
		if (!p)
			return -1;
		c->pool = p;
		b->pool_cap = cap;
	}
	uint64_t *v = c->pool + c->pool_words;
	memset(v, 0, c->n_sum * sizeof(*v));
	memcpy(v + c->n_sum, words, c->n_words * sizeof(*v));
	for (unsigned w = 0; w < c->n_words; w++)
		if (words[w])
			v[w >> 6] |= 1ull << (w & 63);
	size_t h = vec_hash(v, b->vec_words) & (b->hash_cap - 1);
	while (b->hash_slots[h]) {
		unsigned idx = b->hash_slots[h] - 1;
		if (!memcmp(c->pool + b->offsets[idx], v, b->vec_words * sizeof(*v)))
			return idx;
		h = (h + 1) & (b->hash_cap - 1);
	}
	if (c->n_vectors == b->offsets_cap) {
		size_t cap = b->offsets_cap ? b->offsets_cap * 2 : 256;
		size_t *o = realloc(b->offsets, cap * sizeof(*o));
		if (!o)
			return -1;
		b->offsets = o;
		b->offsets_cap = cap;
	}
	b->offsets[c->n_vectors] = c->pool_words;
	b->hash_slots[h] = c->n_vectors + 1;
	c->pool_words += b->vec_words;
	return c->n_vectors++;
}

/* ---- one field ---- */

struct event {
	unsigned at;                   /* elementary interval index */
	unsigned rule;
	bool add;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (int)x->add - (int)y->add;   /* removals first */
}

static int u128_cmp(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;
	return x < y ? -1 : x > y;
}

static unsigned find_start(const u128 *starts, unsigned n, u128 v)
{
	unsigned lo = 0, hi = n;
	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;
		if (starts[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

struct dim_build {
	struct ivals *pred;            /* per rule */
	bool *constrained;
	u128 *starts;
	struct event *ev;
	long *vec_of;                  /* per emitted interval: vector index */
	uint64_t *active;
};

#define IDX_MIN_INTERVALS 16       /* below this a binary search is as quick */

/* The direct index of a 32-bit field (struct fw_dimtab); none if it would not pay or
 * does not fit, which only costs speed. */
static void build_index(struct fw_dimtab *t, uint32_t max)
{
	if (t->n < IDX_MIN_INTERVALS)
		return;
	t->no_idx = true;              /* until it is built: counted in fw_class_stats */
	if (t->n > 65535)
		return;
	t->shift = max > 0xffff ? 16 : 0;
	size_t blocks = ((size_t)max >> t->shift) + 1;
	t->idx = malloc(blocks * sizeof(uint16_t));
	if (!t->idx)
		return;
	t->no_idx = false;
	/* interval i holds the blocks whose first value is below lo32[i + 1]: a run of stores
	 * per interval (every commit builds this, 64 Ki entries a field, whatever its size) */
	size_t k = 0, round = ((size_t)1 << t->shift) - 1;
	for (unsigned i = 0; i < t->n; i++) {
		size_t end = i + 1 < t->n ? ((size_t)t->lo32[i + 1] + round) >> t->shift : blocks;
		if (end > blocks)
			end = blocks;
		for (; k < end; k++)
			t->idx[k] = (uint16_t)i;
	}
}

static void dim_build_free(struct dim_build *db, unsigned n_rules)
{
	if (db->pred)
		for (unsigned r = 0; r < n_rules; r++)
			free(db->pred[r].v);
	free(db->pred);
	free(db->constrained);
	free(db->starts);
	free(db->ev);
	free(db->vec_of);
	free(db->active);
	memset(db, 0, sizeof(*db));
}

/* 1: the rules do not use d; 0: built into c->dims[c->n_dims++]; -1: out of memory. */
static int build_dim(struct builder *b, const struct fw_config *cfg, const struct fw_chain *chain, enum fw_dim d,
		     struct ivals *t1, struct ivals *t2, long **vec_index_out)
{
	struct fw_class *c = b->c;
	unsigned nr = c->n_rules;
	struct dim_build db = {0};
	int ret = -1;
	db.pred = calloc(nr ? nr : 1, sizeof(*db.pred));
	db.constrained = calloc(nr ? nr : 1, sizeof(*db.constrained));
	db.active = calloc(c->n_words, sizeof(uint64_t));
	if (!db.pred || !db.constrained || !db.active)
		goto out;
	size_t n_bounds = 1, n_ev = 0;
	bool used = false;
	for (unsigned r = 0; r < nr; r++) {
		int k = rule_ivals(cfg, &chain->rules[r], d, &db.pred[r], t1, t2);
		if (k < 0)
			goto out;
		if (k == 1) {
			db.active[r >> 6] |= 1ull << (r & 63);   /* matches any value */
			continue;
		}
		db.constrained[r] = used = true;
		n_bounds += 2 * db.pred[r].n;
		n_ev += 2 * db.pred[r].n;
	}
	if (!used) {
		ret = 1;
		goto out;
	}
	/* elementary interval starts: 0 and every lo and hi+1 */
	db.starts = malloc(n_bounds * sizeof(u128));
	db.ev = malloc((n_ev ? n_ev : 1) * sizeof(*db.ev));
	if (!db.starts || !db.ev)
		goto out;
	size_t ns = 0;
	db.starts[ns++] = 0;
	for (unsigned r = 0; r < nr; r++)
		for (unsigned i = 0; i < db.pred[r].n; i++) {
			db.starts[ns++] = db.pred[r].v[i].lo;
			if (db.pred[r].v[i].hi < fw_class_dim_max[d])
				db.starts[ns++] = db.pred[r].v[i].hi + 1;
		}
	qsort(db.starts, ns, sizeof(u128), u128_cmp);
	size_t u = 0;
	for (size_t i = 0; i < ns; i++)
		if (!u || db.starts[i] != db.starts[u - 1])
			db.starts[u++] = db.starts[i];
	ns = u;
	size_t ne = 0;
	for (unsigned r = 0; r < nr; r++)
		for (unsigned i = 0; i < db.pred[r].n; i++) {
			db.ev[ne++] = (struct event){find_start(db.starts, (unsigned)ns, db.pred[r].v[i].lo), r, true};
			if (db.pred[r].v[i].hi < fw_class_dim_max[d])
				db.ev[ne++] = (struct event){
					find_start(db.starts, (unsigned)ns, db.pred[r].v[i].hi + 1), r, false};
		}
	qsort(db.ev, ne, sizeof(*db.ev), ev_cmp);

	/* the vector for an absent field: the rules that do not look at it */
	long absent = vec_intern(b, db.active);
	if (absent < 0)
		goto out;

	/* sweep, merging neighbours with the same vector */
	struct fw_dimtab *t = &c->dims[c->n_dims];
	t->dim = d;
	db.vec_of = malloc(ns * sizeof(long));
	u128 *lo = malloc(ns * sizeof(u128));
	if (!db.vec_of || !lo) {
		free(lo);
		goto out;
	}
	unsigned n_out = 0;
	size_t e = 0;
	for (size_t i = 0; i < ns; i++) {
		for (; e < ne && db.ev[e].at == i; e++) {
			unsigned r = db.ev[e].rule;
			if (db.ev[e].add)
				db.active[r >> 6] |= 1ull << (r & 63);
			else
				db.active[r >> 6] &= ~(1ull << (r & 63));
		}
		long v = vec_intern(b, db.active);
		if (v < 0) {
			free(lo);
			goto out;
		}
		if (n_out && db.vec_of[n_out - 1] == v)
			continue;
		lo[n_out] = db.starts[i];
		db.vec_of[n_out++] = v;
	}
	t->n = n_out;
	if (d == FW_D_IP6_SRC || d == FW_D_IP6_DST) {
		t->lo128 = lo;
	} else {
		t->lo32 = malloc(n_out * sizeof(uint32_t));
		if (!t->lo32) {
			free(lo);
			goto out;
		}
		for (unsigned i = 0; i < n_out; i++)
			t->lo32[i] = (uint32_t)lo[i];
		free(lo);
		build_index(t, (uint32_t)fw_class_dim_max[d]);
	}
	/* vectors are resolved to pointers once the pool stops moving */
	vec_index_out[c->n_dims] = db.vec_of;
	db.vec_of = NULL;
	t->absent = (const uint64_t *)(uintptr_t)absent;   /* an index until resolved */
	c->n_intervals += n_out;
	c->n_dims++;
	ret = 0;
out:
	dim_build_free(&db, nr);
	return ret;
}

#define PAIR_MAX_CELLS 1024        /* interval pairs (absence included) a pair may hold */
#define PAIR_MAX_WORDS (1u << 17)  /* and their words before de-duplication (1 MiB) */
unsigned fw_class_pair_max_density = 750;

/* Bits set in x (the image links no libgcc for __builtin_popcountll's fallback). */
static unsigned popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* The vector (pool index) of interval k of dims[i]; k == n: the field absent. */
static long dim_vec(const struct fw_class *c, long *const *vec_index, unsigned i, unsigned k)
{
	return k == c->dims[i].n ? (long)(uintptr_t)c->dims[i].absent : vec_index[i][k];
}

/* Chooses the pair of fields (struct fw_pair) that pays most: both with few intervals and
 * dense vectors, the lowest product of densities. Builds its vectors as pool indexes in
 * *cells (NULL: no pair). -1 when out of memory. */
static int build_pair(struct builder *b, long *const *vec_index, long **cells)
{
	struct fw_class *c = b->c;
	unsigned dens[FW_D__COUNT];
	*cells = NULL;
	c->pair.a = c->pair.b = -1;
	for (unsigned i = 0; i < c->n_dims; i++) {
		const struct fw_dimtab *t = &c->dims[i];
		dens[i] = ~0u;
		if (t->n < 2 || (t->n + 1) * 2 > PAIR_MAX_CELLS || !c->n_rules)
			continue;
		uint64_t bits = 0;
		for (unsigned k = 0; k < t->n; k++) {
			const uint64_t *v = c->pool + b->offsets[vec_index[i][k]] + c->n_sum;
			for (unsigned w = 0; w < c->n_words; w++)
				bits += popcount64(v[w]);
		}
		dens[i] = (unsigned)(bits * 1000 / ((uint64_t)t->n * c->n_rules));
	}
	uint64_t best = ~0ull;
	for (unsigned i = 0; i < c->n_dims; i++)
		for (unsigned j = i + 1; j < c->n_dims; j++) {
			size_t n = (size_t)(c->dims[i].n + 1) * (c->dims[j].n + 1);
			if (dens[i] > fw_class_pair_max_density || dens[j] > fw_class_pair_max_density || n > PAIR_MAX_CELLS ||
			    n * c->n_words > PAIR_MAX_WORDS || (uint64_t)dens[i] * dens[j] >= best)
				continue;
			best = (uint64_t)dens[i] * dens[j];
			c->pair.a = (int)i;
			c->pair.b = (int)j;
		}
	if (c->pair.a < 0)
		return 0;
	unsigned a = (unsigned)c->pair.a, bb = (unsigned)c->pair.b;
	unsigned na = c->dims[a].n + 1, nb = c->dims[bb].n + 1;
	uint64_t *tmp = malloc(c->n_words * sizeof(uint64_t));
	*cells = malloc((size_t)na * nb * sizeof(long));
	if (!tmp || !*cells) {
		free(tmp);
		return -1;
	}
	for (unsigned ka = 0; ka < na; ka++)
		for (unsigned kb = 0; kb < nb; kb++) {
			/* the pool moves as vectors are added: read both before adding */
			const uint64_t *va = c->pool + b->offsets[dim_vec(c, vec_index, a, ka)] + c->n_sum;
			const uint64_t *vb = c->pool + b->offsets[dim_vec(c, vec_index, bb, kb)] + c->n_sum;
			for (unsigned w = 0; w < c->n_words; w++)
				tmp[w] = va[w] & vb[w];
			long v = vec_intern(b, tmp);
			if (v < 0) {
				free(tmp);
				return -1;
			}
			(*cells)[ka * nb + kb] = v;
		}
	free(tmp);
	return 0;
}

struct fw_class *fw_class_build(const struct fw_config *cfg, const struct fw_chain *chain, char *err, size_t errlen)
{
	struct fw_class *c = calloc(1, sizeof(*c));
	struct builder b = {0};
	struct ivals t1 = {0}, t2 = {0};
	long *vec_index[FW_D__COUNT] = {0};
	long *cells = NULL;
	if (!c)
		goto oom;
	c->n_rules = chain->n_rules;
	c->n_words = (c->n_rules + 63) / 64;
	if (!c->n_words)
		c->n_words = 1;
	c->n_sum = (c->n_words + 63) / 64;
	b.c = c;
	b.vec_words = c->n_sum + c->n_words;
	for (enum fw_dim d = 0; d < FW_D__COUNT; d++)
		if (build_dim(&b, cfg, chain, d, &t1, &t2, vec_index) < 0)
			goto oom;
	/* the vector of every rule: for a lookup that leaves every field out */
	uint64_t *all = calloc(c->n_words, sizeof(uint64_t));
	if (!all)
		goto oom;
	for (unsigned r = 0; r < c->n_rules; r++)
		all[r >> 6] |= 1ull << (r & 63);
	long all_v = vec_intern(&b, all);
	free(all);
	if (all_v < 0)
		goto oom;
	if (!c->n_dims) {
		/* no rule looks at anything: one field with one interval, every rule */
		struct fw_dimtab *t = &c->dims[0];
		long v = all_v;
		vec_index[0] = malloc(sizeof(long));
		t->lo32 = calloc(1, sizeof(uint32_t));
		if (!vec_index[0] || !t->lo32)
			goto oom;
		vec_index[0][0] = v;
		t->dim = FW_D_ETHER;
		t->n = 1;
		t->absent = (const uint64_t *)(uintptr_t)v;
		c->n_dims = 1;
		c->n_intervals = 1;
	}
	if (build_pair(&b, vec_index, &cells) < 0)
		goto oom;
	/* no more vectors: give back the pool's room to grow, before pointers into it are taken */
	if (c->pool_words < b.pool_cap) {
		uint64_t *p = realloc(c->pool, c->pool_words * sizeof(uint64_t));
		if (p)
			c->pool = p;
	}
	if (cells) {
		size_t n = (size_t)(c->dims[c->pair.a].n + 1) * (c->dims[c->pair.b].n + 1);
		c->pair.vec = malloc(n * sizeof(*c->pair.vec));
		if (!c->pair.vec)
			goto oom;
		for (size_t k = 0; k < n; k++)
			c->pair.vec[k] = c->pool + b.offsets[cells[k]];
	}
	for (unsigned i = 0; i < c->n_dims; i++) {
		struct fw_dimtab *t = &c->dims[i];
		t->vec = malloc(t->n * sizeof(*t->vec));
		if (!t->vec)
			goto oom;
		for (unsigned k = 0; k < t->n; k++)
			t->vec[k] = c->pool + b.offsets[vec_index[i][k]];
		t->absent = c->pool + b.offsets[(uintptr_t)t->absent];
	}
	c->all = c->pool + b.offsets[all_v];
	goto done;
oom:
	if (c) {
		/* absent pointers may still be indexes: clear them before freeing */
		for (unsigned i = 0; i < FW_D__COUNT; i++)
			c->dims[i].absent = NULL;
		fw_class_free(c);
		c = NULL;
	}
	snprintf(err, errlen, "classifier: out of memory compiling %u rules", chain->n_rules);
done:
	for (unsigned i = 0; i < FW_D__COUNT; i++)
		free(vec_index[i]);
	free(cells);
	free(b.hash_slots);
	free(b.offsets);
	free(t1.v);
	free(t2.v);
	return c;
}

void fw_class_free(struct fw_class *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < FW_D__COUNT; i++) {
		free(c->dims[i].lo32);
		free(c->dims[i].idx);
		free(c->dims[i].lo128);
		free(c->dims[i].vec);
	}
	free(c->pair.vec);
	free(c->pool);
	free(c);
}

void fw_class_stats(const struct fw_class *c, struct fw_class_stats *st)
{
	st->rules = c->n_rules;
	st->fields = c->n_dims;
	st->intervals = c->n_intervals;
	st->vectors = c->n_vectors;
	st->bytes = sizeof(*c) + c->pool_words * sizeof(uint64_t);
	st->indexed = st->unindexed = 0;
	st->pair_cells = 0;
	if (c->pair.a >= 0) {
		st->pair_cells = (c->dims[c->pair.a].n + 1) * (c->dims[c->pair.b].n + 1);
		st->bytes += st->pair_cells * sizeof(void *);
	}
	for (unsigned i = 0; i < c->n_dims; i++) {
		const struct fw_dimtab *t = &c->dims[i];
		st->bytes += t->n * (sizeof(void *) + (t->lo128 ? sizeof(u128) : sizeof(uint32_t)));
		if (t->idx)
			st->bytes += (((size_t)fw_class_dim_max[t->dim] >> t->shift) + 1) * sizeof(uint16_t);
		st->indexed += t->idx != NULL;
		st->unindexed += t->no_idx;
	}
}

