/* check_require.h - checks for the tests whose loops check millions of things: Check's
 * ck_assert_* report every passing check to the runner (a write each), these report
 * failures only. */
#ifndef SLUICE_TEST_CHECK_REQUIRE_H
#define SLUICE_TEST_CHECK_REQUIRE_H

#include <check.h>
#include <stdint.h>

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

#endif
