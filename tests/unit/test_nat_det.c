/* RFC 7422 deterministic blocks (nat/nat_det.h): the reciprocals against real division
 * at every quotient boundary; whole layouts checked exhaustively against the header's
 * formula (every host forward, every outside address and port back, blocks disjoint,
 * leftover ports and unneeded blocks owned by nobody); shares; the errors of layouts that
 * do not fit; and nat_map allocating inside a host's block only. */
#include "nat_det.h"
#include "nat_map.h"
#include "check_run.h"
#include "nat_table_check.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_div(uint64_t d, uint64_t n)
{
	if (n > UINT32_MAX)
		return;
	struct nat_recip r = nat_recip_make(d);
	REQUIRE_MSG(nat_recip_div(&r, (uint32_t)n) == n / d, "%llu / %llu", (unsigned long long)n,
		      (unsigned long long)d);
}

/* Both sides are non-decreasing step functions of n: agreeing at q*d - 1 and q*d for every
 * q, they agree everywhere in between. */
static void check_div_boundaries(uint64_t d, uint64_t q_from, uint64_t q_to)
{
	struct nat_recip r = nat_recip_make(d);
	for (uint64_t q = q_from; q <= q_to; q++) {
		uint64_t n = q * d;
		if (n - 1 > UINT32_MAX)
			break;
		REQUIRE_EQ(nat_recip_div(&r, (uint32_t)(n - 1)), q - 1);
		if (n <= UINT32_MAX)
			REQUIRE_EQ(nat_recip_div(&r, (uint32_t)n), q);
	}
}

START_TEST(reciprocals_are_exact)
{
	rng = 0xdecafbadull;
	/* every divisor a block or hosts_per_addr can be (1 to 65536), every quotient of a
	 * port offset (below 65536) */
	for (uint64_t d = 1; d <= 65536; d++)
		check_div_boundaries(d, 1, 65536 / d + 1);
	/* host indices up to 2^32: the first and last 2^16 quotients of sampled divisors */
	for (unsigned k = 0; k < 600; k++) {
		uint64_t d = k < 64 ? k + 1 : 1 + rnd64() % 65536;
		uint64_t qmax = ((uint64_t)1 << 32) / d + 1;
		check_div_boundaries(d, 1, qmax < 65536 ? qmax : 65536);
		check_div_boundaries(d, qmax > 65536 ? qmax - 65536 : 1, qmax);
	}
	/* the general claim: any 32-bit divisor up to 2^32 */
	static const uint64_t ds[] = { 1, 2, 3, 7, 641, 65535, 65536, 65537, 6700417, 1ull << 31, (1ull << 31) + 1,
				       UINT32_MAX - 1, UINT32_MAX, 1ull << 32 };
	for (unsigned i = 0; i < sizeof(ds) / sizeof(ds[0]) + 3000; i++) {
		uint64_t d = i < sizeof(ds) / sizeof(ds[0]) ? ds[i] : 1 + rnd64() % ((1ull << 32));
		static const uint64_t ns[] = { 0, 1, 2, UINT32_MAX, UINT32_MAX - 1, 1ull << 31 };
		for (unsigned j = 0; j < 6; j++)
			check_div(d, ns[j]);
		for (unsigned j = 0; j < 200; j++) {
			uint64_t n = rnd64() & UINT32_MAX;
			check_div(d, n);
			uint64_t q = n / d;
			check_div(d, q * d);
			if (q * d > 0)
				check_div(d, q * d - 1);
		}
	}
}
END_TEST

struct layout {
	uint32_t in_base;
	uint8_t in_len;
	uint32_t out_lo, out_hi;
	uint16_t port_lo, port_hi;
	uint32_t block;                 /* 0: auto */
};

static void init_ok(struct nat_det *d, const struct layout *l)
{
	char err[200] = "";
	int rc = nat_det_init(d, l->in_base, l->in_len, l->out_lo, l->out_hi, l->port_lo, l->port_hi, l->block, err,
			      sizeof(err));
	REQUIRE_MSG(rc == 0, "%s", err);
}

/* The header's formula, with real division. */
static void ref_forward(const struct layout *l, uint32_t block, uint32_t i, uint32_t *out, uint32_t *lo)
{
	uint64_t hosts = (uint64_t)1 << (32 - l->in_len), addrs = (uint64_t)l->out_hi - l->out_lo + 1;
	uint64_t per = (hosts + addrs - 1) / addrs;
	*out = l->out_lo + (uint32_t)(i / per);
	*lo = l->port_lo + (uint32_t)(i % per) * block;
}

/* Every host forward (as the formula says), every port of every outside address back:
 * a block's ports to its host, everything else to nobody. */
static void check_exhaustive(const struct layout *l, uint32_t want_block)
{
	struct nat_det d;
	init_ok(&d, l);
	if (want_block)
		REQUIRE_EQ(d.block, want_block);
	uint32_t hosts = (uint32_t)((uint64_t)1 << (32 - l->in_len)), addrs = l->out_hi - l->out_lo + 1;
	uint32_t *owner = calloc((size_t)addrs << 16, sizeof(uint32_t));    /* host index + 1 */
	REQUIRE_NONNULL(owner);
	for (uint32_t i = 0; i < hosts; i++) {
		uint32_t out, rlo, rout;
		uint16_t lo, hi;
		REQUIRE(nat_det_forward(&d, l->in_base + i, &out, &lo, &hi));
		ref_forward(l, d.block, i, &rout, &rlo);
		REQUIRE_EQ(out, rout);
		REQUIRE_EQ(lo, rlo);
		REQUIRE_EQ((uint32_t)hi - lo + 1, d.block);
		REQUIRE_GE(lo, l->port_lo);
		REQUIRE_LE(hi, l->port_hi);
		REQUIRE_LE(out, l->out_hi);
		for (uint32_t p = lo; p <= hi; p++) {
			uint32_t *o = &owner[((size_t)(out - l->out_lo) << 16) + p];
			REQUIRE_MSG(*o == 0, "blocks overlap at %u", p);
			*o = i + 1;
		}
	}
	uint64_t owned = 0;
	for (uint32_t a = 0; a < addrs; a++)
		for (uint32_t p = 0; p < 65536; p++) {
			uint32_t in = 0, o = owner[((size_t)a << 16) + p];
			bool found = nat_det_reverse(&d, l->out_lo + a, (uint16_t)p, &in);
			REQUIRE_MSG(found == (o != 0), "address %u port %u", a, p);
			if (o) {
				REQUIRE_EQ(in, l->in_base + o - 1);
				owned++;
			}
		}
	REQUIRE_EQ(owned, (uint64_t)hosts * d.block);
	uint32_t out, in;
	uint16_t lo, hi;
	if (l->in_base)
		REQUIRE(!nat_det_forward(&d, l->in_base - 1, &out, &lo, &hi));
	if ((uint64_t)l->in_base + hosts <= UINT32_MAX)
		REQUIRE(!nat_det_forward(&d, l->in_base + hosts, &out, &lo, &hi));
	if (l->out_lo)
		REQUIRE(!nat_det_reverse(&d, l->out_lo - 1, l->port_lo, &in));
	if (l->out_hi < UINT32_MAX)
		REQUIRE(!nat_det_reverse(&d, l->out_hi + 1, l->port_lo, &in));
	free(owner);
}

START_TEST(layouts_exhaustive)
{
	/* /22 over 16 addresses in blocks of 1000 (64 a address, 512 ports left over each) */
	check_exhaustive(&(struct layout){ IP(10, 0, 0, 0), 22, IP(198, 51, 100, 0), IP(198, 51, 100, 15), 1024, 65535, 1000 },
			 1000);
	/* /22 over 3 addresses, auto: 342 hosts a address, blocks of 188, two blocks unneeded */
	check_exhaustive(&(struct layout){ IP(10, 0, 4, 0), 22, IP(198, 51, 100, 1), IP(198, 51, 100, 3), 1024, 65535, 0 },
			 188);
	/* /26 over 3 addresses in blocks of 1000 */
	check_exhaustive(&(struct layout){ IP(100, 64, 0, 64), 26, IP(203, 0, 113, 5), IP(203, 0, 113, 7), 1024, 65535, 1000 },
			 1000);
	/* an odd port range, auto */
	check_exhaustive(&(struct layout){ IP(172, 16, 9, 0), 24, IP(192, 0, 2, 1), IP(192, 0, 2, 1), 1000, 59999, 0 }, 230);
	/* /20 over 5 addresses in blocks of 76, ports 2000-65000 */
	check_exhaustive(&(struct layout){ IP(10, 9, 16, 0), 20, IP(192, 0, 2, 10), IP(192, 0, 2, 14), 2000, 65000, 76 }, 76);
	/* /16 over 4 addresses, auto: blocks of 3 */
	check_exhaustive(&(struct layout){ IP(10, 1, 0, 0), 16, IP(192, 0, 2, 100), IP(192, 0, 2, 103), 1024, 65535, 0 }, 3);
	/* one host, one address; more addresses than hosts; every port */
	check_exhaustive(&(struct layout){ IP(10, 0, 0, 9), 32, IP(192, 0, 2, 1), IP(192, 0, 2, 1), 1024, 65535, 0 }, 64512);
	check_exhaustive(&(struct layout){ IP(10, 0, 0, 8), 30, IP(192, 0, 2, 1), IP(192, 0, 2, 9), 0, 65535, 0 }, 65536);
	check_exhaustive(&(struct layout){ IP(10, 0, 0, 0), 24, 0, 0, 0, 65535, 256 }, 256);
}
END_TEST

/* Layouts too large for the exhaustive check: every host there and back, sampled ports. */
START_TEST(large_layouts)
{
	rng = 0x5eed;
	struct layout l = { IP(100, 64, 0, 0), 10, IP(20, 0, 0, 0), IP(20, 0, 255, 255), 1024, 65535, 1008 };
	struct nat_det d;
	init_ok(&d, &l);
	for (uint32_t i = 0; i < (1u << 22); i++) {
		uint32_t out, in, rout, rlo;
		uint16_t lo, hi;
		REQUIRE(nat_det_forward(&d, l.in_base + i, &out, &lo, &hi));
		ref_forward(&l, 1008, i, &rout, &rlo);
		REQUIRE_EQ(out, rout);
		REQUIRE_EQ(lo, rlo);
		REQUIRE(nat_det_reverse(&d, out, lo, &in) && in == l.in_base + i);
		REQUIRE(nat_det_reverse(&d, out, hi, &in) && in == l.in_base + i);
	}
	/* the whole address space onto itself: hosts_per_addr 1 */
	l = (struct layout){ 0, 0, 0, UINT32_MAX, 1024, 65535, 0 };
	init_ok(&d, &l);
	REQUIRE_EQ(d.hosts_per_addr, 1);
	REQUIRE_EQ(d.block, 64512);
	for (unsigned k = 0; k < 100000; k++) {
		uint32_t a = (uint32_t)rnd64(), out, in;
		uint16_t lo, hi, port = (uint16_t)rnd64();
		REQUIRE(nat_det_forward(&d, a, &out, &lo, &hi));
		REQUIRE_EQ(out, a);
		REQUIRE_EQ(lo, 1024);
		REQUIRE_EQ(hi, 65535);
		REQUIRE_EQ(nat_det_reverse(&d, a, port, &in), port >= 1024);
		if (port >= 1024)
			REQUIRE_EQ(in, a);
	}
}
END_TEST

static void init_fails(const struct layout *l, const char *want)
{
	struct nat_det d;
	char err[200] = "";
	REQUIRE_EQ(nat_det_init(&d, l->in_base, l->in_len, l->out_lo, l->out_hi, l->port_lo, l->port_hi, l->block,
				      err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, want);
}

START_TEST(layouts_that_do_not_fit)
{
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 16, IP(192, 0, 2, 0), IP(192, 0, 2, 3), 1024, 65535, 1008 },
		   "10.0.0.0/16 needs 65536 blocks; 4 addresses x 64512 ports hold 256 blocks of 1008");
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 22, IP(192, 0, 2, 0), IP(192, 0, 2, 3), 1024, 65535, 1000 },
		   "10.0.0.0/22 needs 1024 blocks; 4 addresses x 64512 ports hold 256 blocks of 1000");
	/* auto cannot go below one port */
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 8, IP(192, 0, 2, 0), IP(192, 0, 2, 0), 1024, 65535, 0 },
		   "10.0.0.0/8 needs 16777216 blocks; 1 address x 64512 ports hold 64512 blocks of 1");
	/* one host too many: 3 x 21 = 63 blocks for 64 hosts */
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 26, IP(192, 0, 2, 0), IP(192, 0, 2, 2), 1000, 21999, 1000 },
		   "10.0.0.0/26 needs 64 blocks; 3 addresses x 21000 ports hold 63 blocks of 1000");
	init_fails(&(struct layout){ IP(10, 0, 0, 1), 16, IP(192, 0, 2, 0), IP(192, 0, 2, 3), 1024, 65535, 0 },
		   "10.0.0.1/16 has host bits set (the prefix is 10.0.0.0/16)");
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 33, IP(192, 0, 2, 0), IP(192, 0, 2, 3), 1024, 65535, 0 },
		   "inside prefix length 33 is more than 32");
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 24, IP(192, 0, 2, 9), IP(192, 0, 2, 3), 1024, 65535, 0 },
		   "outside addresses 192.0.2.9-192.0.2.3 are reversed");
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 24, IP(192, 0, 2, 0), IP(192, 0, 2, 3), 2000, 1999, 0 },
		   "ports 2000-1999 are reversed");
	init_fails(&(struct layout){ IP(10, 0, 0, 0), 24, IP(192, 0, 2, 0), IP(192, 0, 2, 3), 1024, 65535, 70000 },
		   "a block of 70000 ports is more than the 64512 of ports 1024-65535");
	/* the message is cut to the buffer, never overrun */
	struct nat_det d;
	char small[8];
	memset(small, 'x', sizeof(small));
	REQUIRE_EQ(nat_det_init(&d, IP(10, 0, 0, 0), 16, IP(192, 0, 2, 0), IP(192, 0, 2, 3), 1024, 65535, 1008,
				      small, 6),
			 -1);
	ck_assert_str_eq(small, "10.0.");
	REQUIRE_EQ(small[6], 'x');
}
END_TEST

/* Workers' shares: disjoint, together every host, the same blocks as the whole layout. */
START_TEST(shares)
{
	struct layout l = { IP(10, 0, 0, 0), 22, IP(198, 51, 100, 1), IP(198, 51, 100, 3), 1024, 65535, 0 };
	struct nat_det whole, part[5];
	init_ok(&whole, &l);
	for (uint32_t k = 0; k < 5; k++) {
		init_ok(&part[k], &l);
		REQUIRE_EQ(nat_det_share(&part[k], k, 5), 0);
	}
	for (uint32_t i = 0; i < 1024; i++) {
		uint32_t wout, out, in;
		uint16_t wlo, whi, lo, hi;
		REQUIRE(nat_det_forward(&whole, l.in_base + i, &wout, &wlo, &whi));
		unsigned owners = 0;
		for (unsigned k = 0; k < 5; k++) {
			if (!nat_det_forward(&part[k], l.in_base + i, &out, &lo, &hi)) {
				REQUIRE(!nat_det_reverse(&part[k], wout, wlo, &in));
				continue;
			}
			owners++;
			REQUIRE(out == wout && lo == wlo && hi == whi);
			REQUIRE(nat_det_reverse(&part[k], out, hi, &in) && in == l.in_base + i);
			REQUIRE(i >= k * 1024 / 5 && i < (k + 1) * 1024 / 5);   /* the header's runs */
		}
		REQUIRE_EQ(owners, 1);
	}
	REQUIRE_EQ(nat_det_share(&part[0], 5, 5), -1);
	REQUIRE_EQ(nat_det_share(&part[0], 0, 0), -1);
	/* more workers than hosts: some get nothing */
	struct nat_det tiny;
	init_ok(&tiny, &(struct layout){ IP(10, 0, 0, 0), 31, IP(192, 0, 2, 1), IP(192, 0, 2, 1), 1024, 65535, 0 });
	REQUIRE_EQ(nat_det_share(&tiny, 0, 3), 0);
	uint32_t out;
	uint16_t lo, hi;
	REQUIRE(!nat_det_forward(&tiny, IP(10, 0, 0, 0), &out, &lo, &hi));
	REQUIRE(!nat_det_forward(&tiny, IP(10, 0, 0, 1), &out, &lo, &hi));
	/* an inside range: the upper half of the prefix */
	struct nat_det half;
	init_ok(&half, &l);
	REQUIRE_EQ(nat_det_share_range(&half, IP(10, 0, 2, 0), IP(10, 0, 3, 255)), 0);
	REQUIRE(!nat_det_forward(&half, IP(10, 0, 1, 255), &out, &lo, &hi));
	REQUIRE(nat_det_forward(&half, IP(10, 0, 2, 0), &out, &lo, &hi));
	REQUIRE_EQ(nat_det_share_range(&half, IP(10, 0, 3, 0), IP(10, 0, 4, 0)), -1);
	REQUIRE_EQ(nat_det_share_range(&half, IP(10, 0, 3, 0), IP(10, 0, 2, 0)), -1);
	REQUIRE_EQ(nat_det_share_range(&half, IP(9, 255, 255, 255), IP(10, 0, 2, 0)), -1);
}
END_TEST

/* nat_map with a deterministic pool: ports only in the host's block, NO_PORT when the block
 * is used up, NOT_IN_POOL outside the prefix; every mapping made reverses to its host. */
START_TEST(map_allocates_in_the_block)
{
	struct nat_pool p;
	nat_pool_init(&p, 3, IP(198, 51, 100, 0), IP(198, 51, 100, 1));
	p.det_on = true;
	init_ok(&p.det, &(struct layout){ IP(10, 0, 0, 0), 24, IP(198, 51, 100, 0), IP(198, 51, 100, 1), 1024, 65535, 100 });
	struct nat_map_limits lim = { .max_mappings = 10000, .max_addrs = 4, .seed = 9 };
	struct nat_map *m = nat_map_create(&lim);
	REQUIRE_NONNULL(m);
	REQUIRE_EQ(nat_map_set_pools(m, &p, 1), 0);
	for (unsigned h = 0; h < 256; h += 51) {
		uint32_t host = IP(10, 0, 0, 0) + h, out, in;
		uint16_t lo, hi;
		REQUIRE(nat_det_forward(&p.det, host, &out, &lo, &hi));
		/* what has no port to map leaves from the host's address, mapped or not yet */
		REQUIRE_EQ(nat_map_host_addr(m, &p, host), out);
		for (uint8_t proto = 0; proto < NAT_PROTO__COUNT; proto++) {
			const struct nat_mapping *mp;
			/* in the block and free: kept */
			REQUIRE_EQ(nat_map_session_open(m, &p, proto, host, (uint16_t)(lo + 3), 1, 0, &mp), NAT_MAP_OK);
			REQUIRE_EQ(mp->out_port, lo + 3);
			REQUIRE_EQ(mp->out_addr, out);
			for (unsigned i = 1; i < 100; i++) {
				uint16_t in_port = (uint16_t)(80 + i);
				REQUIRE_EQ(nat_map_session_open(m, &p, proto, host, in_port, 1, 0, &mp), NAT_MAP_OK);
				REQUIRE_EQ(mp->out_addr, out);
				REQUIRE_GE(mp->out_port, lo);
				REQUIRE_LE(mp->out_port, hi);
				if (i < 40 && proto != NAT_ICMP)
					REQUIRE_EQ(mp->out_port & 1, in_port & 1);
				REQUIRE(nat_det_reverse(&p.det, mp->out_addr, mp->out_port, &in) && in == host);
			}
			REQUIRE_EQ(nat_map_session_open(m, &p, proto, host, 7, 1, 0, &mp), NAT_MAP_NO_PORT);
			REQUIRE_NULL(mp);
		}
	}
	const struct nat_mapping *mp;
	REQUIRE_EQ(nat_map_session_open(m, &p, NAT_TCP, IP(10, 0, 1, 0), 5000, 1, 0, &mp), NAT_MAP_NOT_IN_POOL);
	REQUIRE_EQ(nat_map_counters(m)->not_in_pool, 1);
	REQUIRE_EQ(nat_map_host_addr(m, &p, IP(10, 0, 1, 0)), p.addr_lo);   /* outside the prefix */
	REQUIRE_EQ(nat_map_counters(m)->no_port, 6 * 3);
	/* a worker's share: the other half's hosts are not its */
	REQUIRE_EQ(nat_det_share(&p.det, 1, 2), 0);
	REQUIRE_EQ(nat_map_session_open(m, &p, NAT_TCP, IP(10, 0, 0, 1), 5000, 1, 0, &mp), NAT_MAP_NOT_IN_POOL);
	REQUIRE_EQ(nat_map_session_open(m, &p, NAT_TCP, IP(10, 0, 0, 200), 5000, 1, 0, &mp), NAT_MAP_OK);
	nat_map_destroy(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nat_det");
	TCase *tc = tcase_create("det");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, reciprocals_are_exact);
	tcase_add_test(tc, layouts_exhaustive);
	tcase_add_test(tc, large_layouts);
	tcase_add_test(tc, layouts_that_do_not_fit);
	tcase_add_test(tc, shares);
	tcase_add_test(tc, map_allocates_in_the_block);
	suite_add_tcase(s, tc);
	return check_run(s);
}
