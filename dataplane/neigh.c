/* The neighbour cache: 8-way set-associative, per core, fixed size. */
#include "neigh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum nb_state { NBS_FREE, NBS_INCOMPLETE, NBS_RESOLVED, NBS_FAILED };

struct nb_entry {
	uint8_t state, family, tries, nq;
	bool permanent;         /* configured: never asked for, expired, replaced or relearnt */
	uint16_t port;
	uint8_t mac[6];
	uint8_t ip[16];
	uint64_t confirmed_ms;  /* RESOLVED: last confirmation; FAILED: when it failed */
	uint64_t next_ms;       /* INCOMPLETE: next try; RESOLVED: earliest refresh */
	struct pkt_buf *q[NB_QUEUE];
};

struct nb_cache {
	struct nb_entry e[NB_SIZE];
	/* the entry the last lookup found: most packets in a row go to one next hop. A hint
	 * only, checked like any way of a set (entries live in e[] for good, so it never
	 * dangles; one since replaced fails the check) */
	struct nb_entry *hint;
	unsigned queued, in_use, cursor;
	uint32_t gen;           /* moves on whenever an entry is resolved anew, changes or goes */
	/* packets whose neighbour failed, for the caller to answer (nb_failed_take) */
	struct pkt_buf *failed[NB_QUEUED_MAX];
	unsigned n_failed;
	struct nb_counters cnt;
};

#define NB_SETS (NB_SIZE / NB_WAYS)

struct nb_cache *nb_create(void)
{
	return calloc(1, sizeof(struct nb_cache));
}

static void drop_queue(struct nb_cache *c, struct nb_entry *e)
{
	if (e->nq)
		pkt_free_burst(e->q, e->nq);
	c->queued -= e->nq;
	e->nq = 0;
}

void nb_destroy(struct nb_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < NB_SIZE; i++)
		drop_queue(c, &c->e[i]);
	if (c->n_failed)
		pkt_free_burst(c->failed, c->n_failed);
	free(c);
}

static unsigned set_of(uint16_t port, int family, const uint8_t *ip)
{
	uint32_t h = (uint32_t)port * 0x9E3779B1u ^ (uint32_t)family;
	unsigned n = family == 4 ? 4 : 16;
	for (unsigned i = 0; i < n; i += 4) {
		uint32_t w;
		memcpy(&w, ip + i, 4);      /* one load and a byte swap: the word big-endian, so */
		w = __builtin_bswap32(w);   /* that the low bytes (hosts) reach the set's bits */
		h = (h ^ w) * 0x9E3779B1u;
		h ^= h >> 15;
	}
	return (h & (NB_SETS - 1)) * NB_WAYS;
}

/* The address compared as one word (IPv4) or two (IPv6): no call to memcmp on the
 * packet path. */
static bool same_ip(const uint8_t *a, const uint8_t *b, int family)
{
	if (family == 4) {
		uint32_t x, y;
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x == y;
	}
	uint64_t x[2], y[2];
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return !((x[0] ^ y[0]) | (x[1] ^ y[1]));
}

static bool same(const struct nb_entry *e, uint16_t port, int family, const uint8_t *ip)
{
	return e->state != NBS_FREE && e->port == port && e->family == family && same_ip(e->ip, ip, family);
}

static struct nb_entry *find(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip)
{
	struct nb_entry *set = &c->e[set_of(port, family, ip)];
	for (unsigned w = 0; w < NB_WAYS; w++)
		if (same(&set[w], port, family, ip))
			return &set[w];
	return NULL;
}

static void release(struct nb_cache *c, struct nb_entry *e)
{
	c->gen++;
	drop_queue(c, e);
	e->state = NBS_FREE;
	c->in_use--;
}

/* A free way, else the resolved or failed entry confirmed longest ago; never an
 * unresolved one (it has packets waiting and a request out). */
static struct nb_entry *make(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, uint64_t now)
{
	struct nb_entry *set = &c->e[set_of(port, family, ip)], *victim = NULL;
	for (unsigned w = 0; w < NB_WAYS; w++) {
		struct nb_entry *e = &set[w];
		if (e->state == NBS_FREE) {
			victim = e;
			break;
		}
		if (e->state != NBS_INCOMPLETE && !e->permanent && (!victim || e->confirmed_ms < victim->confirmed_ms))
			victim = e;
	}
	if (!victim)
		return NULL;
	if (victim->state != NBS_FREE) {
		release(c, victim);
		c->cnt.expired++;
	}
	memset(victim, 0, sizeof(*victim));
	victim->port = port;
	victim->family = (uint8_t)family;
	memcpy(victim->ip, ip, family == 4 ? 4 : 16);
	victim->confirmed_ms = now;
	c->in_use++;
	c->cnt.created++;
	return victim;
}

enum nb_result nb_resolve(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, struct pkt_buf *p,
			  uint64_t now_ms, uint8_t mac[6], bool *solicit)
{
	*solicit = false;
	struct nb_entry *e = c->hint;
	if (!e || !same(e, port, family, ip))
		e = c->hint = find(c, port, family, ip);
	if (e && e->state == NBS_RESOLVED) {
		memcpy(mac, e->mac, 6);
		/* in use past its reachable time: ask again, once a retry period, and keep using it */
		if (!e->permanent && now_ms - e->confirmed_ms >= NB_REACHABLE_MS && now_ms >= e->next_ms) {
			e->next_ms = now_ms + NB_RETRY_MS;
			*solicit = true;
			c->cnt.requests++;
		}
		return NB_RESOLVED;
	}
	if (e && e->state == NBS_FAILED && now_ms - e->confirmed_ms < NB_FAILED_MS) {
		c->cnt.failed_drops++;
		return NB_FAILED;
	}
	/* unknown, or failed longer ago than the hold-down (before the sweep came by): ask */
	if (!e || e->state == NBS_FAILED) {
		if (!e && !(e = make(c, port, family, ip, now_ms))) {
			c->cnt.table_full++;
			return NB_TABLE_FULL;
		}
		e->state = NBS_INCOMPLETE;
		e->tries = 1;
		e->next_ms = now_ms + NB_RETRY_MS;
		*solicit = true;
		c->cnt.requests++;
	}
	if (e->nq >= NB_QUEUE || c->queued >= NB_QUEUED_MAX) {
		c->cnt.queue_full++;
		return NB_QUEUE_FULL;
	}
	e->q[e->nq++] = p;
	c->queued++;
	c->cnt.queued++;
	return NB_QUEUED;
}

bool nb_peek(const struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, uint64_t now_ms, uint8_t mac[6],
	     uint64_t *until_ms)
{
	const struct nb_entry *e = find((struct nb_cache *)c, port, family, ip);
	if (!e || e->state != NBS_RESOLVED)
		return false;
	/* nb_resolve does nothing but answer with mac until this time */
	uint64_t until = e->permanent ? UINT64_MAX : e->confirmed_ms + NB_REACHABLE_MS;
	if (!e->permanent && e->next_ms > until)
		until = e->next_ms;
	if (now_ms >= until)
		return false;
	memcpy(mac, e->mac, 6);
	*until_ms = until;
	return true;
}

uint32_t nb_generation(const struct nb_cache *c)
{
	return c->gen;
}

unsigned nb_learn(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, const uint8_t *mac, bool create,
		  uint64_t now_ms, struct pkt_buf **released)
{
	struct nb_entry *e = find(c, port, family, ip);
	if (e && e->permanent)
		return 0;
	if (!e) {
		if (!create || !(e = make(c, port, family, ip, now_ms)))
			return 0;
	}
	if (e->state != NBS_RESOLVED || memcmp(e->mac, mac, 6))
		c->gen++;
	e->state = NBS_RESOLVED;
	memcpy(e->mac, mac, 6);
	e->confirmed_ms = now_ms;
	e->next_ms = 0;
	e->tries = 0;
	c->cnt.learned++;
	unsigned n = e->nq;
	if (n)
		memcpy(released, e->q, n * sizeof(e->q[0]));
	c->queued -= n;
	c->cnt.released += n;
	e->nq = 0;
	return n;
}

unsigned nb_tick(struct nb_cache *c, uint64_t now_ms, unsigned budget, struct nb_solicit *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned k = 0; k < budget && k < NB_SIZE; k++) {
		struct nb_entry *e = &c->e[c->cursor];
		switch (e->state) {
		case NBS_INCOMPLETE:
			if (now_ms < e->next_ms)
				break;
			if (e->tries >= NB_TRIES) {
				c->cnt.failed++;
				c->cnt.failed_drops += e->nq;
				/* handed to the caller to answer, as far as there is room (there is: all
				 * of them were counted in queued) */
				unsigned j = 0;
				for (; j < e->nq && c->n_failed < NB_QUEUED_MAX; j++)
					c->failed[c->n_failed++] = e->q[j];     /* in the order they came */
				c->queued -= j;
				e->nq -= (uint8_t)j;
				memmove(e->q, e->q + j, e->nq * sizeof(e->q[0]));
				drop_queue(c, e);
				c->gen++;
				e->state = NBS_FAILED;
				e->confirmed_ms = now_ms;
				break;
			}
			if (n == max)
				return n;       /* this one again next time */
			out[n].port = e->port;
			out[n].family = e->family;
			memcpy(out[n].ip, e->ip, 16);
			n++;
			e->tries++;
			e->next_ms = now_ms + NB_RETRY_MS;
			c->cnt.requests++;
			break;
		case NBS_FAILED:
			if (now_ms - e->confirmed_ms >= NB_FAILED_MS)
				release(c, e);
			break;
		case NBS_RESOLVED:
			if (!e->permanent && now_ms - e->confirmed_ms >= NB_STALE_MS) {
				release(c, e);
				c->cnt.expired++;
			}
			break;
		default:
			break;
		}
		c->cursor = (c->cursor + 1) & (NB_SIZE - 1);
	}
	return n;
}

unsigned nb_failed_take(struct nb_cache *c, struct pkt_buf **pkts, unsigned max)
{
	unsigned n = c->n_failed < max ? c->n_failed : max;
	memcpy(pkts, c->failed, n * sizeof(pkts[0]));   /* the oldest first */
	c->n_failed -= n;
	memmove(c->failed, c->failed + n, c->n_failed * sizeof(c->failed[0]));
	return n;
}

int nb_set_static(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, const uint8_t *mac)
{
	struct nb_entry *e = find(c, port, family, ip);
	if (!e && !(e = make(c, port, family, ip, 0)))
		return -1;
	drop_queue(c, e);
	c->gen++;
	e->state = NBS_RESOLVED;
	e->permanent = true;
	memcpy(e->mac, mac, 6);
	return 0;
}

void nb_clear_static(struct nb_cache *c)
{
	for (unsigned i = 0; i < NB_SIZE; i++)
		if (c->e[i].state != NBS_FREE && c->e[i].permanent) {
			c->e[i].permanent = false;
			release(c, &c->e[i]);
		}
}

const struct nb_counters *nb_counters(const struct nb_cache *c)
{
	return &c->cnt;
}

unsigned nb_in_use(const struct nb_cache *c)
{
	return c->in_use;
}

void nb_counters_format(const struct nb_cache *c, void (*emit)(void *arg, const char *line), void *arg)
{
	const struct nb_counters *k = &c->cnt;
	char line[200];
	snprintf(line, sizeof(line), "neighbours: %u of %u entries in use, %u packets waiting", c->in_use, NB_SIZE,
		 c->queued);
	emit(arg, line);
	snprintf(line, sizeof(line), "  created %llu, learned %llu, requests %llu, expired %llu",
		 (unsigned long long)k->created, (unsigned long long)k->learned, (unsigned long long)k->requests,
		 (unsigned long long)k->expired);
	emit(arg, line);
	snprintf(line, sizeof(line), "  waited %llu, released %llu, queue_full %llu, failed %llu (%llu packets dropped), "
		 "table_full %llu", (unsigned long long)k->queued, (unsigned long long)k->released,
		 (unsigned long long)k->queue_full, (unsigned long long)k->failed, (unsigned long long)k->failed_drops,
		 (unsigned long long)k->table_full);
	emit(arg, line);
}
