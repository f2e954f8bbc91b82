/* Fragment tracking: 4-way set-associative, per core, fixed size. */
#include "frag.h"

#include "pkt_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FS_FREE, FS_WAITING, FS_ACCEPTED, FS_REFUSED };

struct frag_entry {
	struct frag_key key;
	uint8_t state, nq;
	struct frag_out out;                /* FS_ACCEPTED: the first fragment's addresses out */
	uint64_t expires_ms;
	struct pkt_buf *q[FRAG_HOLD];
};

struct frag_table {
	struct frag_entry e[FRAG_SIZE];
	unsigned held, in_use, cursor;
	struct frag_counters cnt;
};

#define FRAG_SETS (FRAG_SIZE / FRAG_WAYS)

struct frag_table *frag_create(void)
{
	return calloc(1, sizeof(struct frag_table));
}

static void drop_held(struct frag_table *t, struct frag_entry *e)
{
	if (e->nq)
		pkt_free_burst(e->q, e->nq);
	t->held -= e->nq;
	e->nq = 0;
}

void frag_destroy(struct frag_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < FRAG_SIZE; i++)
		drop_held(t, &t->e[i]);
	free(t);
}

/* The IPv6 Fragment header, found by walking the extension headers again (fragments
 * only: the parser keeps no offset for it). */
static const uint8_t *ip6_frag_header(const struct pkt_buf *p)
{
	const uint8_t *ip = p->data + p->meta.l3_off;
	uint32_t cur = (uint32_t)p->meta.l3_off + 40, end = p->meta.l3_end;
	uint8_t nh = ip[6];
	for (unsigned depth = 0; depth <= 8 && cur + 8 <= end; depth++) {
		const uint8_t *h = p->data + cur;
		if (nh == 44)
			return h;
		if (nh == 0 || nh == 43 || nh == 60)
			cur += ((uint32_t)h[1] + 1) * 8;
		else if (nh == 51)
			cur += ((uint32_t)h[1] + 2) * 4;
		else
			return NULL;
		nh = h[0];
	}
	return NULL;
}

enum frag_class frag_classify(const struct pkt_buf *p, struct frag_key *k)
{
	const struct pkt_meta *m = &p->meta;
	if (!(m->flags & PKT_F_FRAG))
		return FRAG_NONE;
	const uint8_t *ip = p->data + m->l3_off;
	memset(k, 0, sizeof(*k));
	bool first = !(m->flags & PKT_F_FRAG_NF);
	if (m->l3 == PKT_L3_IPV4) {
		k->family = 4;
		k->proto = ip[9];
		k->id = pkt_rd16(ip + 4);
		memcpy(k->src, ip + 12, 4);
		memcpy(k->dst, ip + 16, 4);
		if (!first && k->proto == PKT_IPPROTO_TCP && (pkt_rd16(ip + 6) & 0x1fff) == 1)
			return FRAG_BAD;                /* offset 8: over the first one's TCP flags */
	} else if (m->l3 == PKT_L3_IPV6) {
		const uint8_t *h = ip6_frag_header(p);
		if (!h)
			return FRAG_BAD;
		k->family = 6;
		k->id = pkt_rd32(h + 4);
		memcpy(k->src, ip + 8, 16);
		memcpy(k->dst, ip + 24, 16);
	} else {
		return FRAG_BAD;
	}
	/* a first fragment must carry its whole transport header */
	if (first && !(m->flags & PKT_F_L4) &&
	    (m->l4proto == PKT_IPPROTO_TCP || m->l4proto == PKT_IPPROTO_UDP || m->l4proto == PKT_IPPROTO_ICMP ||
	     m->l4proto == PKT_IPPROTO_ICMPV6))
		return FRAG_BAD;
	return first ? FRAG_FIRST : FRAG_LATER;
}

static unsigned set_of(const struct frag_key *k)
{
	uint32_t h = k->id * 0x9E3779B1u ^ ((uint32_t)k->family << 8 | k->proto);
	unsigned n = k->family == 4 ? 4 : 16;
	for (unsigned i = 0; i < n; i += 4) {
		h = (h ^ pkt_rd32(k->src + i)) * 0x9E3779B1u;
		h = (h ^ pkt_rd32(k->dst + i)) * 0x9E3779B1u;
		h ^= h >> 15;
	}
	return (h & (FRAG_SETS - 1)) * FRAG_WAYS;
}

static struct frag_entry *find(struct frag_table *t, const struct frag_key *k, uint64_t now, bool make)
{
	struct frag_entry *set = &t->e[set_of(k)], *victim = NULL;
	for (unsigned w = 0; w < FRAG_WAYS; w++) {
		struct frag_entry *e = &set[w];
		if (e->state != FS_FREE && !memcmp(&e->key, k, sizeof(*k))) {
			if (now < e->expires_ms)
				return e;
			/* expired but not swept yet: as good as free */
			t->cnt.expired_drops += e->nq;
			drop_held(t, e);
			e->state = FS_FREE;
			t->in_use--;
		}
		if (e->state == FS_FREE) {
			if (!victim || victim->state != FS_FREE)
				victim = e;
		} else if (e->state != FS_WAITING && (!victim || (victim->state != FS_FREE && e->expires_ms < victim->expires_ms))) {
			victim = e;
		}
	}
	if (!make || !victim)
		return NULL;
	if (victim->state != FS_FREE) {
		t->cnt.evicted++;
		t->in_use--;
	}
	memset(victim, 0, sizeof(*victim));
	victim->key = *k;
	t->in_use++;
	return victim;
}

enum frag_result frag_lookup(struct frag_table *t, const struct frag_key *k, uint64_t now_ms, struct frag_out *out)
{
	struct frag_entry *e = find(t, k, now_ms, false);
	out->set = false;
	if (!e || (e->state != FS_ACCEPTED && e->state != FS_REFUSED))
		return FRAG_HELD;
	if (e->state == FS_REFUSED)
		return FRAG_REFUSED;
	*out = e->out;
	return FRAG_PASS;
}

enum frag_result frag_later(struct frag_table *t, const struct frag_key *k, struct pkt_buf *p, uint64_t now_ms)
{
	struct frag_out out;
	return frag_later_out(t, k, p, now_ms, &out);
}

enum frag_result frag_later_out(struct frag_table *t, const struct frag_key *k, struct pkt_buf *p, uint64_t now_ms,
				struct frag_out *out)
{
	out->set = false;
	struct frag_entry *e = find(t, k, now_ms, true);
	if (!e) {
		t->cnt.full++;
		return FRAG_FULL;
	}
	if (e->state == FS_ACCEPTED || e->state == FS_REFUSED) {
		e->expires_ms = now_ms + FRAG_TIMEOUT_MS;
		if (e->state == FS_ACCEPTED) {
			t->cnt.passed++;
			*out = e->out;
			return FRAG_PASS;
		}
		t->cnt.refused++;
		return FRAG_REFUSED;
	}
	if (e->state == FS_FREE) {
		e->state = FS_WAITING;
		e->expires_ms = now_ms + FRAG_TIMEOUT_MS;
	}
	if (e->nq >= FRAG_HOLD || t->held >= FRAG_HELD_MAX) {
		t->cnt.full++;
		return FRAG_FULL;
	}
	e->q[e->nq++] = p;
	t->held++;
	t->cnt.held++;
	return FRAG_HELD;
}

unsigned frag_decided(struct frag_table *t, const struct frag_key *k, bool accepted, uint64_t now_ms,
		      struct pkt_buf **released)
{
	return frag_decided_out(t, k, accepted, NULL, now_ms, released);
}

unsigned frag_decided_out(struct frag_table *t, const struct frag_key *k, bool accepted, const struct frag_out *out,
			  uint64_t now_ms, struct pkt_buf **released)
{
	t->cnt.first++;
	struct frag_entry *e = find(t, k, now_ms, true);
	if (!e)
		return 0;       /* every way waits: the later fragments will wait or be refused */
	unsigned n = e->nq;
	if (n)
		memcpy(released, e->q, n * sizeof(e->q[0]));
	t->held -= n;
	e->nq = 0;
	if (accepted) {
		t->cnt.released += n;
		t->cnt.passed += n;
	} else {
		t->cnt.refused += n;
	}
	e->state = accepted ? FS_ACCEPTED : FS_REFUSED;
	e->out = accepted && out && out->set ? *out : (struct frag_out){ .set = false };
	e->expires_ms = now_ms + FRAG_TIMEOUT_MS;
	return n;
}

void frag_sweep(struct frag_table *t, uint64_t now_ms, unsigned budget)
{
	for (unsigned k = 0; k < budget && k < FRAG_SIZE; k++) {
		struct frag_entry *e = &t->e[t->cursor];
		if (e->state != FS_FREE && now_ms >= e->expires_ms) {
			t->cnt.expired_drops += e->nq;
			drop_held(t, e);
			e->state = FS_FREE;
			t->in_use--;
		}
		t->cursor = (t->cursor + 1) & (FRAG_SIZE - 1);
	}
}

const struct frag_counters *frag_counters(const struct frag_table *t)
{
	return &t->cnt;
}

unsigned frag_in_use(const struct frag_table *t)
{
	return t->in_use;
}

void frag_counters_format(const struct frag_table *t, void (*emit)(void *arg, const char *line), void *arg)
{
	const struct frag_counters *c = &t->cnt;
	char line[220];
	snprintf(line, sizeof(line), "fragments: %u of %u datagrams followed, %u fragments waiting", t->in_use, FRAG_SIZE,
		 t->held);
	emit(arg, line);
	snprintf(line, sizeof(line), "  first %llu, later passed %llu, refused %llu, waited %llu (released %llu, "
		 "expired %llu), no room %llu, evicted %llu", (unsigned long long)c->first,
		 (unsigned long long)c->passed, (unsigned long long)c->refused, (unsigned long long)c->held,
		 (unsigned long long)c->released, (unsigned long long)c->expired_drops, (unsigned long long)c->full, (unsigned long long)c->evicted);
	emit(arg, line);
}
