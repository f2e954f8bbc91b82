/* Maglev tables (lb/lb_maglev.h): primes and the sizes refused; every entry a backend of
 * weight; the population against the paper's pseudocode and Envoy's round-by-round loop
 * (the module hands out the same turns through a heap); equal weights exactly floor or ceil
 * of m/n; weighted shares; the same keys in any order giving the same table; how much moves
 * when a backend goes or comes; and the lookup's multiply-shift reaching every entry. */
#include "lb_maglev.h"
#include "check_run.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_require.h"

#define M LBM_SIZE_DEFAULT

static uint64_t rng;

static uint64_t rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint16_t *table_new(uint32_t m)
{
	uint16_t *t = malloc(m * sizeof(*t));
	REQUIRE(t != NULL);
	return t;
}

/* n backends of distinct random keys and the given weight (0: random 1..100). */
static void backends(struct lbm_backend *b, uint32_t n, uint32_t weight)
{
	for (uint32_t i = 0; i < n; i++) {
		b[i].key = rnd64();
		b[i].weight = weight ? weight : 1 + (uint32_t)(rnd64() % 100);
	}
}

static void build_ok(uint16_t *t, uint32_t m, const struct lbm_backend *b, uint32_t n)
{
	REQUIRE_EQ(lbm_build(t, m, b, n), 0);
}

static void count(const uint16_t *t, uint32_t m, uint32_t *cnt, uint32_t n)
{
	memset(cnt, 0, n * sizeof(*cnt));
	for (uint32_t e = 0; e < m; e++) {
		REQUIRE_MSG(t[e] < n, "entry %u holds %u of %u", e, t[e], n);
		cnt[t[e]]++;
	}
}

static bool is_prime_ref(uint32_t x)
{
	if (x < 2)
		return false;
	for (uint64_t d = 2; d * d <= x; d++)
		if (x % d == 0)
			return false;
	return true;
}

START_TEST(primes_and_refusals)
{
	static const uint32_t primes[] = { 2, 3, 5, 7, 11, 13, 65521, 65537, 1048573, 2147483647u, 4294967291u };
	static const uint32_t composites[] = { 0, 1, 4, 9, 25, 49, 65535, 65536, 1048575, 4294967295u,
					       4293001441u /* 65521^2 */, 4294836225u /* 65535^2 */ };
	for (unsigned i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		REQUIRE_MSG(lbm_is_prime(primes[i]), "%u", primes[i]);
	for (unsigned i = 0; i < sizeof(composites) / sizeof(composites[0]); i++)
		REQUIRE_MSG(!lbm_is_prime(composites[i]), "%u", composites[i]);
	for (uint32_t x = 0; x < 20000; x++)
		REQUIRE_MSG(lbm_is_prime(x) == is_prime_ref(x), "%u", x);

	uint32_t big = LBM_SIZE_MAX + 1;
	while (!lbm_is_prime(big))
		big++;
	uint16_t *t = table_new(big);
	static struct lbm_backend b[LBM_MAX_BACKENDS + 1];
	rng = 0x5eed0001;
	backends(b, LBM_MAX_BACKENDS + 1, 1);
	/* refused, the table untouched */
	for (uint32_t e = 0; e < big; e++)
		t[e] = 0x1234;
	REQUIRE_EQ(lbm_build(t, 65536, b, 3), -1);             /* not a prime */
	REQUIRE_EQ(lbm_build(t, 65535, b, 3), -1);
	REQUIRE_EQ(lbm_build(t, 5, b, 3), -1);                 /* a prime, too small */
	REQUIRE_EQ(lbm_build(t, 0, b, 3), -1);
	REQUIRE_EQ(lbm_build(t, big, b, 3), -1);               /* a prime, too big */
	REQUIRE_EQ(lbm_build(t, M, b, LBM_MAX_BACKENDS + 1), -1);
	b[2].weight = LBM_WEIGHT_MAX + 1;
	REQUIRE_EQ(lbm_build(t, M, b, 3), -1);
	b[2].weight = 0;                                       /* also with no other weight */
	b[1].weight = 0;
	b[0].weight = LBM_WEIGHT_MAX + 1;
	REQUIRE_EQ(lbm_build(t, M, b, 3), -1);
	for (uint32_t e = 0; e < big; e++)
		REQUIRE_EQ(t[e], 0x1234);
	/* the limits themselves */
	backends(b, LBM_MAX_BACKENDS, 1);
	b[0].weight = LBM_WEIGHT_MAX;
	build_ok(t, LBM_SIZE_MIN, b, 3);
	build_ok(t, LBM_SIZE_MAX, b, 3);
	build_ok(t, M, b, LBM_MAX_BACKENDS);
	free(t);
}
END_TEST

START_TEST(population)
{
	uint16_t *t = table_new(M);
	static struct lbm_backend b[LBM_MAX_BACKENDS];
	static uint32_t cnt[LBM_MAX_BACKENDS];
	rng = 0x5eed0002;
	/* nothing of weight: every entry empty */
	build_ok(t, M, NULL, 0);
	for (uint32_t e = 0; e < M; e++)
		REQUIRE_EQ(t[e], LBM_EMPTY);
	backends(b, 50, 1);
	for (uint32_t i = 0; i < 50; i++)
		b[i].weight = 0;
	memset(t, 0, M * sizeof(*t));
	build_ok(t, M, b, 50);
	for (uint32_t e = 0; e < M; e++)
		REQUIRE_EQ(t[e], LBM_EMPTY);
	/* some of weight 0 among others: they hold nothing, the rest hold everything */
	backends(b, 50, 0);
	for (uint32_t i = 0; i < 50; i += 7)
		b[i].weight = 0;
	build_ok(t, M, b, 50);
	count(t, M, cnt, 50);
	for (uint32_t i = 0; i < 50; i++)
		REQUIRE_MSG((cnt[i] == 0) == (b[i].weight == 0), "backend %u weight %u holds %u", i, b[i].weight,
			    cnt[i]);
	/* one backend: all of it */
	b[0].weight = 0;
	b[1].weight = 9;
	build_ok(t, M, b, 2);
	for (uint32_t e = 0; e < M; e++)
		REQUIRE_EQ(t[e], 1);
	/* more backends than entries: each holds at most one, every entry held */
	backends(b, LBM_MAX_BACKENDS, 0);
	build_ok(t, LBM_SIZE_MIN, b, LBM_MAX_BACKENDS);
	count(t, LBM_SIZE_MIN, cnt, LBM_MAX_BACKENDS);
	for (uint32_t i = 0; i < LBM_MAX_BACKENDS; i++)
		REQUIRE_LE(cnt[i], 1);
	free(t);
}
END_TEST

/* The module's two hashes, copied: the references below check the population, not them. */
static uint64_t mix(uint64_t key, uint64_t seed)
{
	uint64_t z = key + seed * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = ((const struct lbm_backend *)a)->key, y = ((const struct lbm_backend *)b)->key;
	return x < y ? -1 : x > y;
}

/* Envoy's loop as written (round by round, every backend visited in each), over backends
 * sorted by key; with equal weights it is the paper's pseudocode (section 3.4). Fills t
 * with positions in the sorted array. */
static void build_ref(uint16_t *t, uint32_t m, const struct lbm_backend *sorted, uint32_t n)
{
	uint64_t *next = calloc(n, sizeof(*next)), *target = calloc(n, sizeof(*target));
	REQUIRE(next && target);
	uint32_t max_w = 0;
	for (uint32_t i = 0; i < n; i++)
		if (sorted[i].weight > max_w)
			max_w = sorted[i].weight;
	for (uint32_t e = 0; e < m; e++)
		t[e] = LBM_EMPTY;
	uint32_t filled = 0;
	for (uint64_t round = 1; filled < m; round++) {
		for (uint32_t i = 0; i < n && filled < m; i++) {
			if (!sorted[i].weight || round * sorted[i].weight < target[i])
				continue;
			target[i] += max_w;
			uint64_t offset = mix(sorted[i].key, 1) % m, skip = mix(sorted[i].key, 2) % (m - 1) + 1;
			uint32_t c;
			do
				c = (uint32_t)((offset + next[i]++ * skip) % m);
			while (t[c] != LBM_EMPTY);
			t[c] = (uint16_t)i;
			filled++;
		}
	}
	free(next);
	free(target);
}

static void check_against_ref(uint32_t m, struct lbm_backend *b, uint32_t n)
{
	uint16_t *t = table_new(m), *ref = table_new(m);
	qsort(b, n, sizeof(*b), by_key);
	build_ok(t, m, b, n);
	build_ref(ref, m, b, n);
	for (uint32_t e = 0; e < m; e++)
		REQUIRE_MSG(t[e] == ref[e], "m %u n %u entry %u: %u, the reference %u", m, n, e, t[e], ref[e]);
	free(t);
	free(ref);
}

START_TEST(same_as_the_reference)
{
	static struct lbm_backend b[1000];
	rng = 0x5eed0003;
	static const uint32_t ns[] = { 1, 2, 3, 10, 100, 1000 };
	for (unsigned i = 0; i < 6; i++) {
		backends(b, ns[i], 1);
		check_against_ref(M, b, ns[i]);
		backends(b, ns[i], 0);
		check_against_ref(M, b, ns[i]);
	}
	/* weights far apart: as many rounds as entries, so a smaller table */
	backends(b, 6, 1);
	b[0].weight = LBM_WEIGHT_MAX;
	b[1].weight = 0;
	b[2].weight = 2;
	b[3].weight = 30000;
	b[4].weight = 65534;
	check_against_ref(7919, b, 6);
	backends(b, 200, 0);
	for (uint32_t i = 0; i < 200; i++)
		b[i].weight = 1 + (uint32_t)(rnd64() % LBM_WEIGHT_MAX);
	check_against_ref(7919, b, 200);
	check_against_ref(LBM_SIZE_MIN, b, 200);
}
END_TEST

START_TEST(equal_weights_uniform)
{
	uint16_t *t = table_new(M);
	static struct lbm_backend b[1000];
	static uint32_t cnt[1000];
	rng = 0x5eed0004;
	static const uint32_t ns[] = { 2, 3, 10, 100, 1000 };
	static const uint32_t ws[] = { 1, 7, LBM_WEIGHT_MAX };
	for (unsigned i = 0; i < 5; i++)
		for (unsigned j = 0; j < 3; j++) {
			uint32_t n = ns[i];
			backends(b, n, ws[j]);
			build_ok(t, M, b, n);
			count(t, M, cnt, n);
			uint32_t lo = UINT32_MAX, hi = 0;
			for (uint32_t k = 0; k < n; k++) {
				REQUIRE_MSG(cnt[k] == M / n || cnt[k] == (M + n - 1) / n, "n %u backend %u holds %u", n, k,
					    cnt[k]);
				lo = cnt[k] < lo ? cnt[k] : lo;
				hi = cnt[k] > hi ? cnt[k] : hi;
			}
			/* 65 and 66 entries for n = 1,000: 1.5% apart, the best m allows */
			if (n <= 100)
				REQUIRE_MSG(hi <= lo * 1.01, "n %u: %u to %u", n, lo, hi);
		}
	free(t);
}
END_TEST

/* Each backend's entries against m * w / sum(w). Measured (m = 65,537): weights 1..4 within
 * 0.8 of an entry; 100 backends of 1..100 within 1.4 entries (0.6% relative where more than
 * 100 are expected); 1,000 of 1..65,535 within 1.8. Envoy's rounds give each backend its
 * share to a turn or two, so 3 entries (and 2% relative above 100) leave a margin. */
static void check_shares(const struct lbm_backend *b, uint32_t n)
{
	uint16_t *t = table_new(M);
	uint32_t *cnt = malloc(n * sizeof(*cnt));
	REQUIRE(cnt != NULL);
	build_ok(t, M, b, n);
	count(t, M, cnt, n);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += b[i].weight;
	for (uint32_t i = 0; i < n; i++) {
		double want = (double)M * b[i].weight / (double)sum, err = cnt[i] - want;
		if (err < 0)
			err = -err;
		REQUIRE_MSG(err <= 3, "backend %u weight %u holds %u, %.1f expected", i, b[i].weight, cnt[i], want);
		if (want > 100)
			REQUIRE_MSG(err / want <= 0.02, "backend %u weight %u holds %u, %.1f expected", i, b[i].weight,
				    cnt[i], want);
		if (!b[i].weight)
			REQUIRE_EQ(cnt[i], 0);
	}
	free(cnt);
	free(t);
}

START_TEST(weighted_shares)
{
	static struct lbm_backend b[1000];
	rng = 0x5eed0005;
	backends(b, 5, 1);
	for (uint32_t i = 0; i < 5; i++)
		b[i].weight = i;                                /* 0 holds nothing */
	check_shares(b, 5);
	for (unsigned trial = 0; trial < 5; trial++) {
		backends(b, 100, 0);
		check_shares(b, 100);
	}
	backends(b, 1000, 0);
	for (uint32_t i = 0; i < 1000; i++)
		b[i].weight = 1 + (uint32_t)(rnd64() % LBM_WEIGHT_MAX);
	check_shares(b, 1000);
	/* one heavy among light ones */
	backends(b, 100, 1);
	b[17].weight = LBM_WEIGHT_MAX;
	check_shares(b, 100);
}
END_TEST

/* Who owns each entry: the key, which does not depend on the array's order. */
static void owners(const uint16_t *t, const struct lbm_backend *b, uint64_t *key)
{
	for (uint32_t e = 0; e < M; e++)
		key[e] = b[t[e]].key;
}

START_TEST(order_does_not_matter)
{
	uint16_t *t = table_new(M);
	static uint64_t k1[M], k2[M];
	static struct lbm_backend b[300];
	rng = 0x5eed0006;
	for (unsigned trial = 0; trial < 6; trial++) {
		uint32_t n = trial < 3 ? 300 : 7;
		backends(b, n, trial & 1 ? 1 : 0);
		b[n / 2].weight = 0;
		build_ok(t, M, b, n);
		owners(t, b, k1);
		for (uint32_t i = n - 1; i > 0; i--) {          /* Fisher-Yates */
			uint32_t j = (uint32_t)(rnd64() % (i + 1));
			struct lbm_backend x = b[i];
			b[i] = b[j];
			b[j] = x;
		}
		build_ok(t, M, b, n);
		owners(t, b, k2);
		for (uint32_t e = 0; e < M; e++)
			REQUIRE_MSG(k1[e] == k2[e], "trial %u entry %u", trial, e);
	}
	free(t);
}
END_TEST

/* One of n removed, then one added to n: the entries whose owner (by key) changed. Those
 * of the one removed must move, and the new one takes its share; the rest is collateral,
 * entries moving between backends that stayed. Measured (m = 65,537, equal weights, the
 * collateral as a fraction of the table, over 3,000 random pools of each n, 300 of 1,000):
 *
 *   n      collateral: median  99th pct.  largest    moved, x 1/n: median
 *   10                 0.0023  0.0051     0.0118     1.02
 *   30                 0.0038  0.0051     0.0335     1.11
 *   100                0.0056  0.0064     0.0173     1.56
 *   1000               0.0058  0.0065     0.0065     6.8
 *
 * So about 0.25% to 0.6% of the table moves between the others whatever n (the paper's
 * figure 11 also shows more than 1/n), and 1.5/n holds only for small n. Rare pools, most of
 * them where two backends drew the same skip, move 1% to 3%: the pools here (fixed seeds)
 * include one, n = 10 adding 1.08%. Asserted: collateral at most 2% each time and 1% on
 * average, and for n = 10 moved at most 1.5/n (1.12 at worst here). */
static void check_disruption(uint32_t n)
{
	uint16_t *t1 = table_new(M), *t2 = table_new(M);
	static uint64_t k1[M], k2[M];
	static struct lbm_backend b[1001], c[1001];
	uint64_t collateral_sum = 0;
	for (unsigned trial = 0; trial < 3; trial++) {
		backends(b, n + 1, 1);
		build_ok(t1, M, b, n);
		owners(t1, b, k1);
		/* remove one */
		uint32_t gone = (uint32_t)(rnd64() % n);
		memcpy(c, b, n * sizeof(*b));
		c[gone] = c[n - 1];
		build_ok(t2, M, c, n - 1);
		owners(t2, c, k2);
		uint32_t moved = 0, collateral = 0;
		for (uint32_t e = 0; e < M; e++) {
			if (k1[e] == b[gone].key)
				REQUIRE(k2[e] != k1[e]);
			else if (k2[e] != k1[e])
				collateral++;
			moved += k2[e] != k1[e];
		}
		REQUIRE_MSG(collateral <= M / 50, "n %u removed: %u of %u entries moved between the others", n,
			    collateral, M);
		if (n <= 10)
			REQUIRE_MSG(moved <= 1.5 * M / n, "n %u removed: %u of %u entries moved", n, moved, M);
		collateral_sum += collateral;
		/* add one */
		build_ok(t2, M, b, n + 1);
		owners(t2, b, k2);
		uint32_t taken = 0;
		moved = collateral = 0;
		for (uint32_t e = 0; e < M; e++) {
			if (k2[e] == b[n].key)
				taken++;
			else if (k2[e] != k1[e])
				collateral++;
			moved += k2[e] != k1[e];
		}
		REQUIRE(taken == M / (n + 1) || taken == (M + n) / (n + 1));
		REQUIRE_MSG(collateral <= M / 50, "n %u added: %u of %u entries moved between the others", n,
			    collateral, M);
		if (n <= 10)
			REQUIRE_MSG(moved <= 1.5 * M / (n + 1), "n %u added: %u of %u entries moved", n, moved, M);
		collateral_sum += collateral;
	}
	REQUIRE_MSG(collateral_sum <= 6 * M / 100, "n %u: %llu entries moved between the others in six changes", n,
		    (unsigned long long)collateral_sum);
	free(t1);
	free(t2);
}

START_TEST(disruption)
{
	rng = 0x5eed0007;
	check_disruption(10);
	check_disruption(100);
	check_disruption(1000);
}
END_TEST

/* hash * m >> 32 sends entry i the hashes from ceil(i * 2^32 / m): every entry reached, by
 * floor or ceil of 2^32 / m hashes each. Checked with a table naming each entry (modulo
 * 2^16, which still tells neighbours apart). */
static void check_lookup(uint32_t m)
{
	uint16_t *t = table_new(m);
	for (uint32_t e = 0; e < m; e++)
		t[e] = (uint16_t)e;
	uint64_t span = ((uint64_t)1 << 32) / m;
	uint64_t prev = 0;
	for (uint32_t e = 0; e < m; e++) {
		uint64_t first = (((uint64_t)e << 32) + m - 1) / m;
		REQUIRE_EQ(lbm_lookup(t, m, (uint32_t)first), (uint16_t)e);
		if (e) {
			REQUIRE_EQ(lbm_lookup(t, m, (uint32_t)(first - 1)), (uint16_t)(e - 1));
			REQUIRE(first - prev == span || first - prev == span + 1);
		}
		prev = first;
	}
	REQUIRE_EQ(lbm_lookup(t, m, 0), 0);
	REQUIRE_EQ(lbm_lookup(t, m, UINT32_MAX), (uint16_t)(m - 1));
	REQUIRE(((uint64_t)1 << 32) - prev == span || ((uint64_t)1 << 32) - prev == span + 1);
	free(t);
}

START_TEST(lookup_reaches_every_entry)
{
	check_lookup(LBM_SIZE_MIN);
	check_lookup(65521);
	check_lookup(M);
	check_lookup(LBM_SIZE_MAX);
	/* on a built table, random hashes go to the backends as their entries */
	uint16_t *t = table_new(M);
	static struct lbm_backend b[10];
	uint32_t cnt[10] = { 0 };
	rng = 0x5eed0008;
	backends(b, 10, 1);
	build_ok(t, M, b, 10);
	for (unsigned i = 0; i < 1000000; i++)
		cnt[lbm_lookup(t, M, (uint32_t)rnd64())]++;
	for (unsigned i = 0; i < 10; i++)            /* 100,000 each, sd 300 */
		REQUIRE_MSG(cnt[i] > 98500 && cnt[i] < 101500, "backend %u: %u", i, cnt[i]);
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_maglev");
	TCase *tc = tcase_create("maglev");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, primes_and_refusals);
	tcase_add_test(tc, population);
	tcase_add_test(tc, same_as_the_reference);
	tcase_add_test(tc, equal_weights_uniform);
	tcase_add_test(tc, weighted_shares);
	tcase_add_test(tc, order_does_not_matter);
	tcase_add_test(tc, disruption);
	tcase_add_test(tc, lookup_reaches_every_entry);
	suite_add_tcase(s, tc);
	return check_run(s);
}
