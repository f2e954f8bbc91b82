/* nat_table_check.h - what the NAT's table tests share (unit-nat-map, unit-nat-det): checks
 * for loops that check millions of things, an IPv4 address as a number, and a seeded
 * xorshift generator. */
#ifndef SLUICE_TEST_NAT_TABLE_CHECK_H
#define SLUICE_TEST_NAT_TABLE_CHECK_H

#include <check.h>
#include <stdint.h>

#include "check_require.h"

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
