/* The NAT's index table (nat/nat_h64.h) against a plain reference under random churn, and
 * its mappings (nat/nat_map.h): endpoint-independent mapping, paired pooling and the
 * spread of hosts, port preservation, parity and ranges, reservations, exact exhaustion
 * of a whole address, the limits, filtering, counters, and pools changed at a reload.
 * Seeded and reproducible. */
#include "nat_h64.h"
#include "nat_map.h"
#include "check_run.h"
#include "nat_table_check.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- nat_h64 ---- */

/* Random puts, deletes and gets over a set of keys with repeats, against an array. */
static void h64_against_reference(uint32_t max, unsigned n_keys, unsigned ops)
{
	uint64_t *keys = malloc(n_keys * sizeof(*keys));
	uint32_t *val = malloc(n_keys * sizeof(*val));       /* NAT_H64_NONE: absent */
	REQUIRE_NONNULL(keys);
	REQUIRE_NONNULL(val);
	for (unsigned i = 0; i < n_keys; i++) {
		/* random keys, and a few that differ in one bit or are small */
		keys[i] = i < 64 ? (uint64_t)1 << i : i < 128 ? (uint64_t)(i - 64) * 3 : rnd64();
		val[i] = NAT_H64_NONE;
	}
	struct nat_h64 *h = nat_h64_create(max, rnd64());
	REQUIRE_NONNULL(h);
	uint32_t count = 0;
	for (unsigned op = 0; op < ops; op++) {
		unsigned k = rnd() % n_keys;
		switch (rnd() % 4) {
		case 0:
		case 1: {
			uint32_t v = rnd() % 0xfffffff0u;
			bool fits = val[k] != NAT_H64_NONE || count < max;
			REQUIRE_EQ(nat_h64_put(h, keys[k], v), fits);
			if (fits) {
				count += val[k] == NAT_H64_NONE;
				val[k] = v;
			}
			break;
		}
		case 2:
			REQUIRE_EQ(nat_h64_del(h, keys[k]), val[k] != NAT_H64_NONE);
			count -= val[k] != NAT_H64_NONE;
			val[k] = NAT_H64_NONE;
			break;
		default: {
			REQUIRE_EQ(nat_h64_get(h, keys[k]), val[k]);
			uint32_t *p = nat_h64_find(h, keys[k]);
			REQUIRE_EQ(p != NULL, val[k] != NAT_H64_NONE);
			break;
		}
		}
		REQUIRE_EQ(nat_h64_count(h), count);
		if (op % 4096 == 0)
			for (unsigned i = 0; i < n_keys; i++)
				REQUIRE_EQ(nat_h64_get(h, keys[i]), val[i]);
	}
	for (unsigned i = 0; i < n_keys; i++)
		REQUIRE_EQ(nat_h64_get(h, keys[i]), val[i]);
	nat_h64_destroy(h);
	free(keys);
	free(val);
}

START_TEST(h64_matches_the_reference)
{
	rng = 0x1234567887654321ull;
	h64_against_reference(1000, 3000, 400000);     /* often full */
	h64_against_reference(5000, 4000, 200000);     /* never full */
	h64_against_reference(1, 4, 1000);
}
END_TEST

START_TEST(h64_sizes_and_full)
{
	static const uint32_t max[] = { 1, 6, 7, 12, 13, 24, 25, 768, 769 };
	static const uint32_t cap[] = { 8, 8, 16, 16, 32, 32, 64, 1024, 2048 };
	for (unsigned i = 0; i < sizeof(max) / sizeof(max[0]); i++) {
		struct nat_h64 *h = nat_h64_create(max[i], 7);
		REQUIRE_NONNULL(h);
		REQUIRE_EQ(nat_h64_capacity(h), cap[i]);
		REQUIRE_EQ(nat_h64_max(h), max[i]);
		REQUIRE_GE(nat_h64_memory(h), cap[i] * 12);
		REQUIRE_LE(nat_h64_memory(h), cap[i] * 12 + 64);
		nat_h64_destroy(h);
	}
	REQUIRE_NULL(nat_h64_create(0, 0));
	REQUIRE_NULL(nat_h64_create(NAT_H64_MAX + 1, 0));

	struct nat_h64 *h = nat_h64_create(12, 99);
	for (uint64_t k = 0; k < 12; k++)
		REQUIRE(nat_h64_put(h, k * 0x9e3779b97f4a7c15ull, (uint32_t)k));
	REQUIRE(!nat_h64_put(h, 12345, 1));               /* full: a new key fails */
	REQUIRE_EQ(nat_h64_get(h, 12345), NAT_H64_NONE);
	REQUIRE(nat_h64_put(h, 3 * 0x9e3779b97f4a7c15ull, 33)); /* replacing still works */
	REQUIRE_EQ(nat_h64_get(h, 3 * 0x9e3779b97f4a7c15ull), 33);
	REQUIRE_EQ(nat_h64_count(h), 12);
	REQUIRE(nat_h64_del(h, 5 * 0x9e3779b97f4a7c15ull));
	REQUIRE(!nat_h64_del(h, 5 * 0x9e3779b97f4a7c15ull));
	REQUIRE(nat_h64_put(h, 12345, 1));
	REQUIRE(!nat_h64_put(h, 54321, 1));
	/* the extremes of the key space are keys like any other */
	REQUIRE(nat_h64_del(h, 12345));
	REQUIRE(nat_h64_put(h, UINT64_MAX, 0));
	REQUIRE_EQ(nat_h64_get(h, UINT64_MAX), 0);
	REQUIRE_EQ(nat_h64_get(h, 0), 0);            /* key 0 (k = 0 above) */
	nat_h64_destroy(h);
}
END_TEST

/* A nearly full small table: after every delete, every key still there is found (the
 * backward shift kept each reachable from its home) and the deleted one is not. */
START_TEST(h64_backward_shift_under_churn)
{
	rng = 0xfeedfacecafebeefull;
	enum { MAX = 48, KEYS = 64 };       /* 64 slots, up to 48 full */
	struct nat_h64 *h = nat_h64_create(MAX, 5);
	REQUIRE_EQ(nat_h64_capacity(h), 64);
	uint64_t keys[KEYS];
	bool in[KEYS] = { false };
	for (unsigned i = 0; i < KEYS; i++)
		keys[i] = rnd64();
	unsigned count = 0;
	for (unsigned op = 0; op < 300000; op++) {
		unsigned k = rnd() % KEYS;
		if (in[k]) {
			REQUIRE(nat_h64_del(h, keys[k]));
			in[k] = false;
			count--;
			for (unsigned i = 0; i < KEYS; i++)
				REQUIRE_EQ(nat_h64_get(h, keys[i]), in[i] ? i : NAT_H64_NONE);
		} else if (count < MAX) {
			REQUIRE(nat_h64_put(h, keys[k], k));
			in[k] = true;
			count++;
		}
	}
	nat_h64_destroy(h);
}
END_TEST

/* ---- nat_map ---- */

static struct nat_map *map_new(uint32_t max_mappings, uint32_t host_sessions, const struct nat_pool *pools, unsigned n)
{
	struct nat_map_limits l = { .max_mappings = max_mappings, .host_sessions = host_sessions, .max_addrs = 64,
				    .seed = 42 };
	struct nat_map *m = nat_map_create(&l);
	REQUIRE_NONNULL(m);
	REQUIRE_EQ(nat_map_set_pools(m, pools, n), 0);
	return m;
}

static const struct nat_mapping *open_ok(struct nat_map *m, const struct nat_pool *p, uint8_t proto, uint32_t in,
					 uint16_t port, uint32_t remote)
{
	const struct nat_mapping *mp = NULL;
	enum nat_map_result r = nat_map_session_open(m, p, proto, in, port, remote, 1000, &mp);
	REQUIRE_MSG(r == NAT_MAP_OK, "open %08x:%u: %s", in, port, nat_map_result_names[r]);
	REQUIRE_NONNULL(mp);
	return mp;
}

static enum nat_map_result open_rc(struct nat_map *m, const struct nat_pool *p, uint8_t proto, uint32_t in,
				   uint16_t port, uint32_t remote)
{
	const struct nat_mapping *mp = (const void *)1;
	enum nat_map_result r = nat_map_session_open(m, p, proto, in, port, remote, 1000, &mp);
	if (r != NAT_MAP_OK)
		REQUIRE_NULL(mp);
	return r;
}

START_TEST(eim_and_paired_pooling)
{
	struct nat_pool p;
	nat_pool_init(&p, 7, IP(198, 51, 100, 0), IP(198, 51, 100, 7));
	struct nat_map *m = map_new(100000, 0, &p, 1);
	uint32_t h = IP(10, 0, 0, 1);
	/* one endpoint, two remotes: one mapping */
	const struct nat_mapping *a = open_ok(m, &p, NAT_UDP, h, 5000, IP(8, 8, 8, 8));
	const struct nat_mapping *b = open_ok(m, &p, NAT_UDP, h, 5000, IP(9, 9, 9, 9));
	REQUIRE_PEQ(a, b);
	REQUIRE_EQ(a->sessions, 2);
	REQUIRE_EQ(a->in_addr, h);
	REQUIRE_EQ(a->in_port, 5000);
	REQUIRE_EQ(a->pool, 7);
	REQUIRE_EQ(a->proto, NAT_UDP);
	REQUIRE_EQ(a->created_s, 1);
	REQUIRE_PEQ(nat_map_find_in(m, 7, NAT_UDP, h, 5000), a);
	REQUIRE_PEQ(nat_map_find_out(m, NAT_UDP, a->out_addr, a->out_port), a);
	REQUIRE_NULL(nat_map_find_in(m, 7, NAT_TCP, h, 5000));
	REQUIRE_NULL(nat_map_find_in(m, 8, NAT_UDP, h, 5000));
	REQUIRE_PEQ(nat_map_at(m, nat_map_index(m, a)), a);
	/* every endpoint of the host, every protocol: its one address */
	for (unsigned i = 0; i < 300; i++) {
		const struct nat_mapping *c = open_ok(m, &p, (uint8_t)(i % 3), h, (uint16_t)(6000 + i), IP(1, 2, 3, 4));
		REQUIRE_EQ(c->out_addr, a->out_addr);
	}
	/* hosts spread over the whole pool, each paired with its address */
	unsigned per_addr[8] = { 0 };
	for (unsigned i = 0; i < 4000; i++) {
		uint32_t hi = IP(10, 1, 0, 0) + i;
		const struct nat_mapping *c = open_ok(m, &p, NAT_TCP, hi, 40000, IP(1, 2, 3, 4));
		const struct nat_mapping *d = open_ok(m, &p, NAT_UDP, hi, 40001, IP(1, 2, 3, 4));
		REQUIRE_EQ(c->out_addr, d->out_addr);
		REQUIRE_GE(c->out_addr, p.addr_lo);
		REQUIRE_LE(c->out_addr, p.addr_hi);
		per_addr[c->out_addr - p.addr_lo]++;
		/* what has no port to map takes the host's address too */
		REQUIRE_EQ(nat_map_host_addr(m, &p, hi), c->out_addr);
	}
	for (unsigned i = 0; i < 8; i++)
		REQUIRE_MSG(per_addr[i] > 400 && per_addr[i] < 600, "address %u has %u of 4000 hosts", i, per_addr[i]);
	REQUIRE_EQ(nat_map_counters(m)->hosts, 4001);
	/* a host with no mapping: the pool's first; in another pool: that pool's */
	REQUIRE_EQ(nat_map_host_addr(m, &p, IP(10, 2, 0, 1)), p.addr_lo);
	struct nat_pool q;
	nat_pool_init(&q, 8, IP(203, 0, 113, 8), IP(203, 0, 113, 9));
	REQUIRE_EQ(nat_map_host_addr(m, &q, h), q.addr_lo);
	nat_map_destroy(m);
}
END_TEST

START_TEST(ports_preserved_parity_range)
{
	struct nat_pool p;
	nat_pool_init(&p, 1, IP(203, 0, 113, 1), IP(203, 0, 113, 1));
	struct nat_map *m = map_new(100000, 0, &p, 1);
	/* free: kept */
	const struct nat_mapping *a = open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1), 40000, 1);
	REQUIRE_EQ(a->out_port, 40000);
	/* taken: another of its parity, in the range */
	for (unsigned i = 0; i < 2000; i++) {
		uint16_t port = (uint16_t)(40000 + (i & 1));
		const struct nat_mapping *b = open_ok(m, &p, NAT_TCP, IP(10, 0, 1, 0) + i, port, 1);
		REQUIRE_GE(b->out_port, 1024);
		REQUIRE_EQ(b->out_port & 1, port & 1);
	}
	/* not allowed (below the range): another port, its parity */
	const struct nat_mapping *c = open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 1), 53, 1);
	REQUIRE_GE(c->out_port, 1024);
	REQUIRE_EQ(c->out_port & 1, 1);
	/* ICMP ids: 0-65535, no parity; a free id is kept */
	const struct nat_mapping *d = open_ok(m, &p, NAT_ICMP, IP(10, 0, 0, 1), 7, 1);
	REQUIRE_EQ(d->out_port, 7);
	nat_map_destroy(m);

	/* a small range, no preservation, no parity: every port once, then none */
	nat_pool_init(&p, 2, IP(203, 0, 113, 2), IP(203, 0, 113, 2));
	p.port_lo = 20000;
	p.port_hi = 20099;
	p.preserve = false;
	p.parity = false;
	m = map_new(1000, 0, &p, 1);
	bool seen[100] = { false };
	for (unsigned i = 0; i < 100; i++) {
		const struct nat_mapping *e = open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 1), (uint16_t)(20000 + i), 1);
		REQUIRE_GE(e->out_port, 20000);
		REQUIRE_LE(e->out_port, 20099);
		REQUIRE(!seen[e->out_port - 20000]);
		seen[e->out_port - 20000] = true;
	}
	REQUIRE_EQ(open_rc(m, &p, NAT_UDP, IP(10, 0, 0, 1), 1, 1), NAT_MAP_NO_PORT);
	REQUIRE_EQ(nat_map_counters(m)->no_port, 1);
	/* parity is a preference: a range with one odd port left gives it to an even one */
	nat_map_destroy(m);
	p.parity = true;
	p.preserve = true;
	p.port_lo = 30000;
	p.port_hi = 30001;
	m = map_new(1000, 0, &p, 1);
	REQUIRE_EQ(open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1), 30000, 1)->out_port, 30000);
	REQUIRE_EQ(open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 2), 30000, 1)->out_port, 30001);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, IP(10, 0, 0, 3), 30000, 1), NAT_MAP_NO_PORT);
	nat_map_destroy(m);
}
END_TEST

START_TEST(reserved_ports)
{
	struct nat_pool p;
	nat_pool_init(&p, 1, IP(203, 0, 113, 1), IP(203, 0, 113, 1));
	p.port_lo = 30000;
	p.port_hi = 31099;
	struct nat_map *m = map_new(10000, 0, &p, 1);
	REQUIRE_EQ(nat_map_reserve(m, NAT_TCP, IP(203, 0, 113, 1), 30000, 30999), 0);
	REQUIRE_EQ(nat_map_reserve(m, NAT_TCP, IP(203, 0, 113, 1), 30500, 30500), 0);     /* overlapping */
	REQUIRE_EQ(nat_map_reserve(m, 3, IP(203, 0, 113, 1), 1, 2), -EINVAL);
	REQUIRE_EQ(nat_map_reserve(m, NAT_TCP, IP(203, 0, 113, 1), 2, 1), -EINVAL);
	/* the inside port is reserved: not preserved */
	const struct nat_mapping *a = open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1), 30500, 1);
	REQUIRE_GE(a->out_port, 31000);
	REQUIRE_EQ(a->out_port & 1, 0);
	/* UDP is not reserved */
	REQUIRE_EQ(open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 1), 30500, 1)->out_port, 30500);
	for (unsigned i = 1; i < 100; i++)
		REQUIRE_GE(open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1), (uint16_t)(30000 + i), 1)->out_port, 31000);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, IP(10, 0, 0, 1), 1, 1), NAT_MAP_NO_PORT);
	/* the reservations dropped: their ports are free again */
	nat_map_reserve_clear(m);
	REQUIRE_EQ(open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 2), 30500, 1)->out_port, 30500);
	/* a port reserved while a mapping holds it: the mapping keeps it, then nobody */
	const struct nat_mapping *b = open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 3), 30600, 1);
	REQUIRE_EQ(b->out_port, 30600);
	REQUIRE_EQ(nat_map_reserve(m, NAT_TCP, IP(203, 0, 113, 1), 30600, 30600), 0);
	REQUIRE_PEQ(nat_map_find_out(m, NAT_TCP, IP(203, 0, 113, 1), 30600), b);
	nat_map_session_close(m, b, 1);
	REQUIRE_NULL(nat_map_find_out(m, NAT_TCP, IP(203, 0, 113, 1), 30600));
	REQUIRE_NE(open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 4), 30600, 1)->out_port, 30600);
	/* a reservation for an address no pool has yet is applied when one does */
	REQUIRE_EQ(nat_map_reserve(m, NAT_UDP, IP(203, 0, 113, 9), 40000, 40000), 0);
	struct nat_pool q;
	nat_pool_init(&q, 2, IP(203, 0, 113, 9), IP(203, 0, 113, 9));
	struct nat_pool both[2] = { p, q };
	REQUIRE_EQ(nat_map_set_pools(m, both, 2), 0);
	REQUIRE_NE(open_ok(m, &q, NAT_UDP, IP(10, 0, 0, 5), 40000, 1)->out_port, 40000);
	/* the list's capacity */
	nat_map_reserve_clear(m);
	for (unsigned i = 0; i < NAT_MAP_MAX_RESERVED; i++)
		REQUIRE_EQ(nat_map_reserve(m, NAT_UDP, IP(192, 0, 2, 1), (uint16_t)i, (uint16_t)i), 0);
	REQUIRE_EQ(nat_map_reserve(m, NAT_UDP, IP(192, 0, 2, 1), 999, 999), -ENOMEM);
	nat_map_destroy(m);
}
END_TEST

/* Every port of one address, per protocol; then none; a port closed is the next one given. */
static void exhaust(struct nat_map *m, const struct nat_pool *p, uint8_t proto, unsigned ports)
{
	static const struct nat_mapping *held[65536];
	static bool used[65536];
	memset(used, 0, sizeof(used));
	for (unsigned i = 0; i < ports; i++) {
		/* in_ports collide with what earlier ones got, below the range, of both parities */
		uint16_t in_port = (uint16_t)(i * 7919u);
		const struct nat_mapping *mp = open_ok(m, p, proto, IP(10, 0, 0, 1) + (i >> 15), in_port, 1);
		REQUIRE(!used[mp->out_port]);
		used[mp->out_port] = true;
		held[mp->out_port] = mp;
		if (proto != NAT_ICMP) {
			REQUIRE_GE(mp->out_port, p->port_lo);
			REQUIRE_LE(mp->out_port, p->port_hi);
		}
	}
	uint64_t no_port = nat_map_counters(m)->no_port;
	REQUIRE_EQ(open_rc(m, p, proto, IP(10, 0, 0, 9), 1234, 1), NAT_MAP_NO_PORT);
	uint16_t unused = 1;                                /* the same host, a new endpoint */
	while (nat_map_find_in(m, p->id, proto, IP(10, 0, 0, 1), unused))
		unused++;
	REQUIRE_EQ(open_rc(m, p, proto, IP(10, 0, 0, 1), unused, 2), NAT_MAP_NO_PORT);
	REQUIRE_EQ(nat_map_counters(m)->no_port, no_port + 2);
	for (unsigned k = 0; k < 20; k++) {
		uint16_t port = (uint16_t)((proto == NAT_ICMP ? 0 : p->port_lo) + rnd() % ports);
		nat_map_session_close(m, held[port], 1);
		const struct nat_mapping *mp = open_ok(m, p, proto, IP(10, 0, 0, 9), (uint16_t)(2000 + k), 1);
		REQUIRE_EQ(mp->out_port, port);
		held[port] = mp;
		REQUIRE_EQ(open_rc(m, p, proto, IP(10, 0, 0, 9), 1, 1), NAT_MAP_NO_PORT);
	}
}

START_TEST(exhaustion_is_exact)
{
	rng = 77;
	struct nat_pool p;
	nat_pool_init(&p, 1, IP(203, 0, 113, 1), IP(203, 0, 113, 1));
	struct nat_map *m = map_new(3 * 65536, 0, &p, 1);
	exhaust(m, &p, NAT_TCP, 64512);
	exhaust(m, &p, NAT_UDP, 64512);
	exhaust(m, &p, NAT_ICMP, 65536);
	REQUIRE_EQ(nat_map_counters(m)->mappings, 64512 * 2 + 65536);
	nat_map_destroy(m);
}
END_TEST

START_TEST(host_limit)
{
	struct nat_pool p, q;
	nat_pool_init(&p, 1, IP(203, 0, 113, 1), IP(203, 0, 113, 1));
	nat_pool_init(&q, 2, IP(203, 0, 113, 2), IP(203, 0, 113, 2));
	struct nat_pool both[2] = { p, q };
	struct nat_map *m = map_new(1000, 3, both, 2);
	uint32_t h = IP(10, 0, 0, 1);
	const struct nat_mapping *a = open_ok(m, &p, NAT_TCP, h, 1000, 1);
	open_ok(m, &p, NAT_TCP, h, 1000, 2);               /* sessions, not mappings, count */
	open_ok(m, &p, NAT_UDP, h, 1000, 1);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, h, 1001, 1), NAT_MAP_HOST_LIMIT);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, h, 1000, 3), NAT_MAP_HOST_LIMIT);
	REQUIRE_EQ(nat_map_session_join(m, a, 9), NAT_MAP_HOST_LIMIT);
	REQUIRE_EQ(nat_map_counters(m)->host_limit, 3);
	REQUIRE_EQ(a->sessions, 2);
	/* another host, and the same host in another pool, are not limited by it */
	open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 2), 1000, 1);
	open_ok(m, &q, NAT_TCP, h, 1000, 1);
	/* one closed: one more */
	nat_map_session_close(m, a, 2);
	REQUIRE_EQ(nat_map_session_join(m, a, 9), NAT_MAP_OK);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, h, 1001, 1), NAT_MAP_HOST_LIMIT);
	REQUIRE_EQ(nat_map_counters(m)->sessions, 6);
	nat_map_destroy(m);
}
END_TEST

START_TEST(filtering)
{
	struct nat_pool p, e;
	nat_pool_init(&p, 1, IP(203, 0, 113, 1), IP(203, 0, 113, 1));
	p.filter = NAT_FILTER_ADF;
	nat_pool_init(&e, 2, IP(203, 0, 113, 2), IP(203, 0, 113, 2));  /* EIF: remotes not counted */
	struct nat_pool both[2] = { p, e };
	struct nat_map *m = map_new(1000, 0, both, 2);
	uint32_t r1 = IP(192, 0, 2, 1), r2 = IP(192, 0, 2, 2), r3 = IP(192, 0, 2, 3);
	const struct nat_mapping *a = open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 1), 5000, r1);
	REQUIRE(nat_map_filter_allows(m, a, NAT_FILTER_EIF, r1));
	REQUIRE(nat_map_filter_allows(m, a, NAT_FILTER_EIF, r2));
	REQUIRE(nat_map_filter_allows(m, a, NAT_FILTER_ADF, r1));
	REQUIRE(!nat_map_filter_allows(m, a, NAT_FILTER_ADF, r2));
	REQUIRE(!nat_map_filter_allows(m, a, NAT_FILTER_APDF, r1));
	REQUIRE(!nat_map_filter_allows(m, a, NAT_FILTER_APDF, r2));
	/* r2 came in (EIF let it): now it is known to ADF too */
	REQUIRE_EQ(nat_map_session_join(m, a, r2), NAT_MAP_OK);
	REQUIRE(nat_map_filter_allows(m, a, NAT_FILTER_ADF, r2));
	/* two sessions with r1, one closed: r1 still known; both: not */
	open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 1), 5000, r1);
	nat_map_session_close(m, a, r1);
	REQUIRE(nat_map_filter_allows(m, a, NAT_FILTER_ADF, r1));
	nat_map_session_close(m, a, r1);
	REQUIRE(!nat_map_filter_allows(m, a, NAT_FILTER_ADF, r1));
	REQUIRE(nat_map_filter_allows(m, a, NAT_FILTER_ADF, r2));
	REQUIRE(!nat_map_filter_allows(m, a, NAT_FILTER_ADF, r3));
	/* another mapping's remotes are not this one's */
	const struct nat_mapping *b = open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 1), 5001, r3);
	REQUIRE(!nat_map_filter_allows(m, a, NAT_FILTER_ADF, r3));
	REQUIRE(nat_map_filter_allows(m, b, NAT_FILTER_ADF, r3));
	/* a mapping of an EIF pool: EIF and APDF answer as ever, ADF knows no remote */
	const struct nat_mapping *c = open_ok(m, &e, NAT_UDP, IP(10, 0, 0, 1), 5000, r1);
	REQUIRE(nat_map_filter_allows(m, c, NAT_FILTER_EIF, r2));
	REQUIRE(!nat_map_filter_allows(m, c, NAT_FILTER_ADF, r1));
	REQUIRE(!nat_map_filter_allows(m, c, NAT_FILTER_APDF, r1));
	REQUIRE_EQ(nat_map_session_join(m, c, r2), NAT_MAP_OK);
	nat_map_session_close(m, c, r2);
	nat_map_session_close(m, c, r1);
	REQUIRE_NULL(nat_map_find_in(m, 2, NAT_UDP, IP(10, 0, 0, 1), 5000));
	/* a permit (a hairpin attempt the other side's filter dropped): ADF lets that one
	 * address in, APDF nothing, and the next permit replaces it; a mapping made again in
	 * the record has none */
	nat_map_permit(m, b, r1);
	REQUIRE(nat_map_filter_allows(m, b, NAT_FILTER_ADF, r1));
	REQUIRE(!nat_map_filter_allows(m, b, NAT_FILTER_ADF, r2));
	REQUIRE(!nat_map_filter_allows(m, b, NAT_FILTER_APDF, r1));
	REQUIRE(!nat_map_filter_allows(m, a, NAT_FILTER_ADF, r1));
	nat_map_permit(m, b, r2);
	REQUIRE(!nat_map_filter_allows(m, b, NAT_FILTER_ADF, r1));
	REQUIRE(nat_map_filter_allows(m, b, NAT_FILTER_ADF, r2));
	nat_map_session_close(m, b, r3);
	REQUIRE_NULL(nat_map_find_in(m, 1, NAT_UDP, IP(10, 0, 0, 1), 5001));
	b = open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 1), 5001, r3);
	REQUIRE_EQ(b->permit, 0);
	REQUIRE(!nat_map_filter_allows(m, b, NAT_FILTER_ADF, r2));
	nat_map_destroy(m);
}
END_TEST

static void count_live(void *arg, const struct nat_mapping *mp)
{
	(void)mp;
	(*(unsigned *)arg)++;
}

START_TEST(limits_and_counters)
{
	struct nat_pool p;
	nat_pool_init(&p, 1, IP(203, 0, 113, 0), IP(203, 0, 113, 3));
	p.filter = NAT_FILTER_ADF;
	struct nat_map_limits l = { .max_mappings = 10, .max_hosts = 3, .max_remotes = 11, .max_addrs = 8, .seed = 1 };
	struct nat_map *m = nat_map_create(&l);
	REQUIRE_NONNULL(m);
	REQUIRE_EQ(nat_map_set_pools(m, &p, 1), 0);
	const struct nat_mapping *mp[10];
	for (unsigned i = 0; i < 10; i++)
		mp[i] = open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1) + i % 3, (uint16_t)(1000 + i), 1);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, IP(10, 0, 0, 1), 2000, 1), NAT_MAP_FULL);   /* mappings */
	REQUIRE_EQ(nat_map_counters(m)->table_full, 1);
	/* an existing endpoint's new session needs no new mapping */
	open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1), 1000, 2);
	/* hosts: free a mapping of host 1, a fourth host still has no room */
	nat_map_session_close(m, mp[1], 1);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, IP(10, 0, 0, 4), 1000, 1), NAT_MAP_FULL);
	/* remotes: 10 pairs now (mp[0] has 2), one more fits, then none */
	REQUIRE_EQ(nat_map_session_join(m, mp[0], 3), NAT_MAP_OK);
	REQUIRE_EQ(nat_map_session_join(m, mp[0], 4), NAT_MAP_FULL);
	REQUIRE_EQ(open_rc(m, &p, NAT_TCP, IP(10, 0, 0, 1), 1000, 5), NAT_MAP_FULL);
	REQUIRE_EQ(nat_map_session_join(m, mp[0], 3), NAT_MAP_OK);       /* a known pair */
	const struct nat_map_counters *c = nat_map_counters(m);
	REQUIRE_EQ(c->table_full, 4);
	REQUIRE_EQ(c->mappings_created, 10);
	REQUIRE_EQ(c->mappings_freed, 1);
	REQUIRE_EQ(c->mappings, 9);
	REQUIRE_EQ(c->hosts, 3);
	REQUIRE_EQ(c->sessions, 13);
	unsigned live = 0;
	nat_map_foreach(m, count_live, &live);
	REQUIRE_EQ(live, 9);
	REQUIRE_NULL(nat_map_at(m, nat_map_index(m, mp[1])));
	/* everything closed: nothing left, and the indexes agree */
	uint32_t out_addr = mp[0]->out_addr;
	uint16_t out_port = mp[0]->out_port;
	nat_map_session_close(m, mp[0], 1);
	nat_map_session_close(m, mp[0], 2);
	nat_map_session_close(m, mp[0], 3);
	nat_map_session_close(m, mp[0], 3);
	for (unsigned i = 2; i < 10; i++)
		nat_map_session_close(m, mp[i], 1);
	REQUIRE_EQ(c->mappings, 0);
	REQUIRE_EQ(c->hosts, 0);
	REQUIRE_EQ(c->mappings_freed, 10);
	REQUIRE_NULL(nat_map_find_in(m, 1, NAT_TCP, IP(10, 0, 0, 1), 1000));
	REQUIRE_NULL(nat_map_find_out(m, NAT_TCP, out_addr, out_port));
	live = 0;
	nat_map_foreach(m, count_live, &live);
	REQUIRE_EQ(live, 0);
	/* and all of it can be had again */
	for (unsigned i = 0; i < 10; i++)
		open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 7) + i % 3, (uint16_t)(3000 + i), 1);
	nat_map_destroy(m);

	struct nat_map_limits bad = { .max_mappings = 0 };
	REQUIRE_NULL(nat_map_create(&bad));
	bad.max_mappings = NAT_H64_MAX + 1;
	REQUIRE_NULL(nat_map_create(&bad));
}
END_TEST

/* A reload: mappings survive it; an address no pool names goes with its last mapping;
 * the pools are refused whole. */
START_TEST(pools_change_at_reload)
{
	struct nat_pool p, q;
	nat_pool_init(&p, 1, IP(203, 0, 113, 1), IP(203, 0, 113, 2));
	nat_pool_init(&q, 1, IP(203, 0, 113, 3), IP(203, 0, 113, 3));
	struct nat_map_limits l = { .max_mappings = 1000, .max_addrs = 3, .seed = 3 };
	struct nat_map *m = nat_map_create(&l);
	REQUIRE_EQ(nat_map_set_pools(m, &p, 1), 0);
	const struct nat_mapping *a = open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1), 4000, 1);
	uint32_t old = a->out_addr;
	REQUIRE_EQ(nat_map_set_pools(m, &p, 1), 0);  /* unchanged: nothing moves */
	REQUIRE_PEQ(open_ok(m, &p, NAT_TCP, IP(10, 0, 0, 1), 4000, 2), a);
	/* pool 1 moves to .3: the old mapping stays, a new one of the host goes to .3 */
	REQUIRE_EQ(nat_map_set_pools(m, &q, 1), 0);
	REQUIRE_PEQ(open_ok(m, &q, NAT_TCP, IP(10, 0, 0, 1), 4000, 3), a);
	REQUIRE_EQ(a->out_addr, old);
	const struct nat_mapping *b = open_ok(m, &q, NAT_TCP, IP(10, 0, 0, 1), 4001, 1);
	REQUIRE_EQ(b->out_addr, IP(203, 0, 113, 3));
	/* three slots: .3 and the retired one still in use, and one free; a pool of two new
	 * addresses does not fit, and nothing changes */
	struct nat_pool r;
	nat_pool_init(&r, 2, IP(203, 0, 113, 8), IP(203, 0, 113, 9));
	struct nat_pool qr[2] = { q, r };
	REQUIRE_EQ(nat_map_set_pools(m, qr, 2), -ENOMEM);
	REQUIRE_EQ(open_ok(m, &q, NAT_TCP, IP(10, 0, 0, 2), 4000, 1)->out_addr, IP(203, 0, 113, 3));
	/* the old address's last mapping ends: its slot is free, and now it fits */
	nat_map_session_close(m, a, 1);
	nat_map_session_close(m, a, 2);
	nat_map_session_close(m, a, 3);
	REQUIRE_EQ(nat_map_set_pools(m, qr, 2), 0);
	const struct nat_mapping *c = open_ok(m, &r, NAT_UDP, IP(10, 0, 0, 1), 4000, 1);
	REQUIRE_GE(c->out_addr, IP(203, 0, 113, 8));
	/* malformed pools */
	struct nat_pool bad = q;
	bad.id = NAT_POOL_MAX_ID + 1;
	REQUIRE_EQ(nat_map_set_pools(m, &bad, 1), -EINVAL);
	bad = q;
	bad.port_lo = 2000;
	bad.port_hi = 1999;
	REQUIRE_EQ(nat_map_set_pools(m, &bad, 1), -EINVAL);
	/* a pool the map was never told of has no ports */
	struct nat_pool unknown;
	nat_pool_init(&unknown, 9, IP(192, 0, 2, 1), IP(192, 0, 2, 1));
	REQUIRE_EQ(open_rc(m, &unknown, NAT_TCP, IP(10, 0, 0, 1), 1, 1), NAT_MAP_NO_PORT);
	nat_map_destroy(m);
}
END_TEST

/* A new host whose hashed address is full goes to the next one with room. */
START_TEST(new_host_skips_a_full_address)
{
	struct nat_pool p;
	nat_pool_init(&p, 1, IP(203, 0, 113, 0), IP(203, 0, 113, 1));
	p.port_lo = 5000;
	p.port_hi = 5009;
	struct nat_map *m = map_new(1000, 0, &p, 1);
	unsigned got[2] = { 0, 0 };
	for (unsigned i = 0; i < 20; i++) {
		const struct nat_mapping *mp = open_ok(m, &p, NAT_UDP, IP(10, 0, 0, 0) + i, 5000, 1);
		got[mp->out_addr - p.addr_lo]++;
	}
	REQUIRE_EQ(got[0], 10);
	REQUIRE_EQ(got[1], 10);
	REQUIRE_EQ(open_rc(m, &p, NAT_UDP, IP(10, 0, 1, 0), 5000, 1), NAT_MAP_NO_PORT);
	nat_map_destroy(m);
}
END_TEST

/* What a mapping costs, printed for the report; checked against the header's figures. */
START_TEST(memory_per_mapping)
{
	static const uint32_t sizes[] = { 786432, 1u << 20, 1572864 };
	for (unsigned i = 0; i < 3; i++) {
		struct nat_map_limits l = { .max_mappings = sizes[i], .max_hosts = 1, .max_remotes = 1, .max_addrs = 1 };
		struct nat_map *m = nat_map_create(&l);
		REQUIRE_NONNULL(m);
		double per = (double)nat_map_memory(m) / sizes[i];
		printf("nat_map: %u mappings: %.1f bytes each (record and both index slots)\n", sizes[i], per);
		REQUIRE(per >= 56 && per < 97);
		nat_map_destroy(m);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nat_map");
	TCase *tc = tcase_create("h64");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, h64_matches_the_reference);
	tcase_add_test(tc, h64_sizes_and_full);
	tcase_add_test(tc, h64_backward_shift_under_churn);
	suite_add_tcase(s, tc);
	tc = tcase_create("map");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, eim_and_paired_pooling);
	tcase_add_test(tc, ports_preserved_parity_range);
	tcase_add_test(tc, reserved_ports);
	tcase_add_test(tc, exhaustion_is_exact);
	tcase_add_test(tc, host_limit);
	tcase_add_test(tc, filtering);
	tcase_add_test(tc, limits_and_counters);
	tcase_add_test(tc, pools_change_at_reload);
	tcase_add_test(tc, new_host_skips_a_full_address);
	tcase_add_test(tc, memory_per_mapping);
	suite_add_tcase(s, tc);
	return check_run(s);
}
