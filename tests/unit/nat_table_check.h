/* nat_table_check.h - what the NAT's table tests share (unit-nat-map, unit-nat-det): checks
 * for loops that check millions of things, an IPv4 address as a number, and a seeded
 * xorshift generator. */
#ifndef SLUICE_TEST_NAT_TABLE_CHECK_H
#define SLUICE_TEST_NAT_TABLE_CHECK_H

#include <check.h>
#include <stdint.h>

/* Check's ck_assert_* report every passing check to the runner (a write each): the loops
 * here check millions of things, so they report failures only. */
#define REQUIRE_MSG(c, ...) do { if (!(c)) ck_abort_msg(__VA_ARGS__); } while (0)
#define REQUIRE(c) REQUIRE_MSG(c, "%s:%d: %s", __FILE__, __LINE__, #c)
#define REQUIRE_OP(a, op, b)                                                                          \
	do {                                                                                          \
		int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                                          \
		REQUIRE_MSG(a_ op b_, "%s:%d: %s %s %s: %lld, %lld", __FILE__, __LINE__, #a, #op, #b,  \
			    (long long)a_, (long long)b_);                                             \
	} while (0)
#define REQUIRE_EQ(a, b) REQUIRE_OP(a, ==, b)
#define REQUIRE_NE(a, b) REQUIRE_OP(a, !=, b)
#define REQUIRE_GE(a, b) REQUIRE_OP(a, >=, b)
#define REQUIRE_LE(a, b) REQUIRE_OP(a, <=, b)
#define REQUIRE_PEQ(a, b) REQUIRE((const void *)(a) == (const void *)(b))
#define REQUIRE_NULL(a) REQUIRE((a) == NULL)
#define REQUIRE_NONNULL(a) REQUIRE((a) != NULL)

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The generator's state: a case seeds it (rng = SEED) before it draws. */
static uint64_t rng;

static inline uint64_t rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static inline uint32_t rnd(void)
{
	return (uint32_t)(rnd64() >> 11);
}

#endif
