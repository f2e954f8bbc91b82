/* The routing tables (dataplane/route.h) against a plain longest-prefix scan: random
 * route sets of every prefix length added in random order, random and boundary
 * destinations, IPv4 and IPv6, seeded and reproducible; and the table's limits. */
#include "route.h"
#include "check_run.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ref_route {
	uint8_t addr[16];
	unsigned len;
	unsigned id;            /* written into gw[0..1] of the next hop */
};

static uint64_t rng;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static bool covers(const struct ref_route *r, const uint8_t *dst)
{
	for (unsigned b = 0; b < r->len; b++)
		if (((r->addr[b / 8] ^ dst[b / 8]) >> (7 - b % 8)) & 1)
			return false;
	return true;
}

/* the reference: the longest covering prefix, the later of two equal ones */
static int ref_lookup(const struct ref_route *rs, unsigned n, const uint8_t *dst)
{
	int best = -1;
	for (unsigned i = 0; i < n; i++)
		if (covers(&rs[i], dst) && (best < 0 || rs[i].len >= rs[best].len))
			best = (int)i;
	return best;
}

static void check_family(int family, unsigned rounds)
{
	unsigned bytes = family == 4 ? 4 : 16, bits = bytes * 8;
	static struct ref_route rs[600];
	for (unsigned round = 0; round < rounds; round++) {
		struct rt_table *t = rt_create();
		ck_assert_ptr_nonnull(t);
		unsigned n = 1 + rnd() % 600;
		for (unsigned i = 0; i < n; i++) {
			struct ref_route *r = &rs[i];
			/* clustered prefixes, so that they nest: few distinct top bytes */
			for (unsigned b = 0; b < bytes; b++)
				r->addr[b] = (uint8_t)(b < 2 ? rnd() % 4 : rnd());
			r->len = rnd() % (bits + 1);
			if (rnd() % 4 == 0)
				r->len = (rnd() % (bytes + 1)) * 8; /* byte boundaries */
			r->id = i;
			struct rt_nexthop nh = { .kind = RT_GATEWAY, .family = (uint8_t)family, .port = (uint16_t)(i % 8) };
			nh.gw[0] = (uint8_t)(i >> 8), nh.gw[1] = (uint8_t)i;
			ck_assert_int_eq(rt_add(t, family, r->addr, r->len, &nh), 0);
			/* the trie ignores host bits; the reference compares only len bits */
		}
		for (unsigned q = 0; q < 4000; q++) {
			uint8_t dst[16];
			if (q % 2) { /* near a route: its address with the bits after a random point flipped */
				const struct ref_route *r = &rs[rnd() % n];
				memcpy(dst, r->addr, bytes);
				unsigned from = rnd() % (bits + 1);
				for (unsigned b = from; b < bits; b++)
					if (rnd() & 1)
						dst[b / 8] ^= (uint8_t)(0x80u >> (b % 8));
			} else {
				for (unsigned b = 0; b < bytes; b++)
					dst[b] = (uint8_t)(b < 2 ? rnd() % 4 : rnd());
			}
			int want = ref_lookup(rs, n, dst);
			const struct rt_nexthop *got = family == 4 ? rt_lookup4(t, dst) : rt_lookup6(t, dst);
			if (want < 0 && got) {
				ck_abort_msg("round %u query %u: no route expected, got route %u", round, q,
					     got->gw[0] << 8 | got->gw[1]);
			} else if (want >= 0 && (!got || (unsigned)(got->gw[0] << 8 | got->gw[1]) != rs[want].id)) {
				ck_abort_msg("round %u query %u: route %d (/%u) expected, got %d", round, q, want, rs[want].len,
					     got ? got->gw[0] << 8 | got->gw[1] : -1);
			}
		}
		rt_free(t);
	}
}

START_TEST(ipv4_matches_the_reference)
{
	rng = 0x9e3779b97f4a7c15ull;
	check_family(4, 60);
}
END_TEST

START_TEST(ipv6_matches_the_reference)
{
	rng = 0x2545f4914f6cdd1dull;
	check_family(6, 30);
}
END_TEST

START_TEST(edges)
{
	struct rt_table *t = rt_create();
	ck_assert_ptr_nonnull(t);
	const uint8_t zero[16] = { 0 }, ones[16] = { 255, 255, 255, 255, 255, 255, 255, 255,
						   255, 255, 255, 255, 255, 255, 255, 255 };
	/* empty: no route anywhere, in either family */
	ck_assert_ptr_null(rt_lookup4(t, zero));
	ck_assert_ptr_null(rt_lookup6(t, ones));
	struct rt_nexthop def = { .kind = RT_GATEWAY, .family = 4, .port = 1 }, host = { .kind = RT_LOCAL, .family = 4 };
	ck_assert_int_eq(rt_add(t, 4, zero, 0, &def), 0);
	ck_assert_int_eq(rt_add(t, 4, ones, 32, &host), 0);
	ck_assert_uint_eq(rt_lookup4(t, zero)->port, 1);
	ck_assert_uint_eq(rt_lookup4(t, ones)->kind, RT_LOCAL);
	/* IPv4 routes are not IPv6 routes */
	ck_assert_ptr_null(rt_lookup6(t, zero));
	/* bad family and length */
	ck_assert_int_eq(rt_add(t, 5, zero, 0, &def), RT_ERR_BAD);
	ck_assert_int_eq(rt_add(t, 4, zero, 33, &def), RT_ERR_BAD);
	ck_assert_int_eq(rt_add(t, 6, zero, 129, &def), RT_ERR_BAD);
	/* a /128 and its neighbour */
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 }, b[16];
	a[15] = 1;
	memcpy(b, a, 16);
	b[15] = 2;
	struct rt_nexthop h6 = { .kind = RT_LOCAL, .family = 6, .port = 3 };
	ck_assert_int_eq(rt_add(t, 6, a, 128, &h6), 0);
	ck_assert_uint_eq(rt_lookup6(t, a)->port, 3);
	ck_assert_ptr_null(rt_lookup6(t, b));
	rt_free(t);
}
END_TEST

START_TEST(runs_out_of_nodes_cleanly)
{
	struct rt_table *t = rt_create();
	struct rt_nexthop nh = { .kind = RT_CONNECTED, .family = 6 };
	uint8_t a[16] = { 0 };
	/* /128s that share nothing after the first byte: 15 nodes each */
	unsigned added = 0;
	int rc = 0;
	for (unsigned i = 0; i < 4000; i++) {
		a[0] = (uint8_t)i, a[1] = (uint8_t)(i >> 8);
		rc = rt_add(t, 6, a, 128, &nh);
		if (rc != 0)
			break;
		added++;
	}
	ck_assert_uint_lt(added, 4000);
	ck_assert_int_eq(rc, RT_ERR_FULL);
	ck_assert_uint_le(rt_nodes(t), RT_MAX_NODES);
	/* what was added before the limit is still there */
	a[0] = 0, a[1] = 0;
	ck_assert_ptr_nonnull(rt_lookup6(t, a));
	rt_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ipv4_matches_the_reference);
	tcase_add_test(tc, ipv6_matches_the_reference);
	tcase_add_test(tc, edges);
	tcase_add_test(tc, runs_out_of_nodes_cleanly);
	suite_add_tcase(s, tc);
	return check_run(s);
}
