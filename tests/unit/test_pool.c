/* Native packet pool and pkt_buf helper tests. */
#include "pktbuild.h"
#include "check_run.h"

#include <stdlib.h>
#include <string.h>

/* C11 7.22.3.1: aligned_alloc's size must be a multiple of the alignment (glibc forgives,
 * ASan aborts). This definition takes the calls from pkt_pool.c, which is linked into this
 * executable, and counts the ones that break the rule. */
static unsigned aligned_alloc_misuse;
void *aligned_alloc(size_t alignment, size_t size)
{
	void *p = NULL;
	if (alignment == 0 || size % alignment)
		aligned_alloc_misuse++;
	return posix_memalign(&p, alignment < sizeof(void *) ? sizeof(void *) : alignment, size) ? NULL : p;
}

static void check_fresh(const struct pkt_pool *pool, const struct pkt_buf *p)
{
	CHECK(p->pool == pool, "owner");
	CHECK(p->data == p->buf + PKT_HEADROOM, "data at %td", p->data - p->buf);
	CHECK(p->len == 0 && p->verdict == 0 && p->port == 0 && p->hash == 0 && p->meta.flags == 0,
	      "state not reset: len %u verdict %#x port %u hash %#x flags %#x", p->len, p->verdict,
	      p->port, p->hash, p->meta.flags);
	CHECK(p->buf_len == PKT_HEADROOM + PKT_DATAROOM, "buf_len %u", p->buf_len);
	CHECK(pkt_headroom(p) == PKT_HEADROOM && pkt_tailroom(p) == PKT_DATAROOM, "rooms");
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct pkt_buf *const *)a)[0]->buf;
	uintptr_t y = (uintptr_t)((const struct pkt_buf *const *)b)[0]->buf;
	return x < y ? -1 : x > y;
}

START_TEST(create_rejects_bad_sizes)
{
	ck_assert_ptr_null(pkt_pool_create("zero", 0));
	ck_assert_ptr_null(pkt_pool_create("huge", (1u << 24) + 1));
	pkt_pool_destroy(NULL);
}
END_TEST

START_TEST(create_state)
{
	struct pkt_pool *pool = pkt_pool_create("rx0", 64);
	ck_assert_ptr_nonnull(pool);
	ck_assert_str_eq(pool->name, "rx0");
	ck_assert_str_eq(pool->ops->kind, "native");
	ck_assert_uint_eq(pool->size, 64);
	ck_assert_uint_eq(pool->avail, 64);
	ck_assert_uint_eq(pool->alloc_fails, 0);
	pkt_pool_destroy(pool);
}
END_TEST

/* Any pool size works: aligned_alloc() must get a size that is a multiple of 64 even when
 * n % 8 != 0 (the stack is n pointers); it once did not. */
START_TEST(pool_create_any_size)
{
	for (uint32_t n = 1; n <= 17; n++) {
		struct pkt_pool *pool = pkt_pool_create("odd", n);
		ck_assert_ptr_nonnull(pool);
		ck_assert_uint_eq(pool->avail, n);
		pkt_pool_destroy(pool);
	}
	ck_assert_msg(aligned_alloc_misuse == 0, "%u aligned_alloc calls with size %% 64 != 0",
		      aligned_alloc_misuse);
}
END_TEST

START_TEST(alloc_all_then_fail)
{
	enum { N = 64 };
	struct pkt_pool *pool = pkt_pool_create("all", N);
	struct pkt_buf *p[N];
	for (unsigned i = 0; i < N; i++) {
		p[i] = pkt_alloc(pool);
		ck_assert_ptr_nonnull(p[i]);
		check_fresh(pool, p[i]);
		ck_assert_uint_eq(pool->avail, N - 1 - i);
	}
	ck_assert_uint_eq(pool->alloc_fails, 0);
	ck_assert_ptr_null(pkt_alloc(pool));
	ck_assert_uint_eq(pool->alloc_fails, 1);
	struct pkt_buf *more[4];
	ck_assert_uint_eq(pkt_alloc_burst(pool, more, 4), 0);
	ck_assert_uint_eq(pool->alloc_fails, 2);
	/* distinct buffers, none overlapping another or the descriptors */
	qsort(p, N, sizeof(p[0]), cmp_ptr);
	for (unsigned i = 0; i < N; i++) {
		if (i)
			ck_assert(p[i - 1]->buf + p[i - 1]->buf_len <= p[i]->buf);
		for (unsigned j = 0; j < N; j++)
			CHECK((uint8_t *)p[j] + sizeof(*p[j]) <= p[i]->buf ||
			      (uint8_t *)p[j] >= p[i]->buf + p[i]->buf_len, "descriptor inside a buffer");
	}
	for (unsigned i = 0; i < N; i++)  /* the whole buffer is ours to write (ASan checks) */
		memset(p[i]->buf, (int)i, p[i]->buf_len);
	for (unsigned i = 0; i < N; i++)
		for (uint32_t k = 0; k < p[i]->buf_len; k++)
			CHECK(p[i]->buf[k] == (uint8_t)i, "buffer %u byte %u overwritten", i, k);
	pkt_free_burst(p, N);
	ck_assert_uint_eq(pool->avail, N);
	pkt_pool_destroy(pool);
}
END_TEST

START_TEST(burst_partial)
{
	struct pkt_pool *pool = pkt_pool_create("burst", 64);
	struct pkt_buf *a[64], *b[PKT_BURST];
	ck_assert_uint_eq(pkt_alloc_burst(pool, a, 54), 54);
	ck_assert_uint_eq(pool->alloc_fails, 0);
	ck_assert_uint_eq(pkt_alloc_burst(pool, b, 0), 0);
	ck_assert_uint_eq(pool->alloc_fails, 0);
	memset(b, 0, sizeof(b));
	ck_assert_uint_eq(pkt_alloc_burst(pool, b, PKT_BURST), 10);  /* what is left */
	ck_assert_uint_eq(pool->alloc_fails, 1);
	ck_assert_uint_eq(pool->avail, 0);
	for (unsigned i = 0; i < 10; i++) {
		check_fresh(pool, b[i]);
		for (unsigned j = 0; j < 54; j++)
			ck_assert_ptr_ne(b[i], a[j]);
	}
	ck_assert_ptr_null(b[10]);  /* nothing written past the count */
	pkt_free_burst(b, 10);
	ck_assert_uint_eq(pool->avail, 10);
	pkt_free_burst(a, 54);
	ck_assert_uint_eq(pool->avail, 64);
	pkt_pool_destroy(pool);
}
END_TEST

START_TEST(free_then_alloc_resets)
{
	struct pkt_pool *pool = pkt_pool_create("reset", 64);
	struct pkt_buf *a[64];
	ck_assert_uint_eq(pkt_alloc_burst(pool, a, 64), 64);
	for (unsigned i = 0; i < 64; i++) {  /* leave every field dirty */
		ck_assert_ptr_nonnull(pkt_append(a[i], 100));
		ck_assert_ptr_nonnull(pkt_prepend(a[i], (uint16_t)(i % 100)));
		a[i]->port = 3;
		a[i]->verdict = 0x4001;
		a[i]->hash = 0xdeadbeef;
		a[i]->meta.flags = 0xff;
	}
	pkt_free_burst(a, 32);
	for (unsigned i = 32; i < 64; i++)
		pkt_free(a[i]);
	ck_assert_uint_eq(pool->avail, 64);
	struct pkt_buf *b[64];
	ck_assert_uint_eq(pkt_alloc_burst(pool, b, 64), 64);
	for (unsigned i = 0; i < 64; i++)
		check_fresh(pool, b[i]);
	pkt_free_burst(b, 64);
	pkt_pool_destroy(pool);
}
END_TEST

/* Random alloc/free against a model: a buffer held is never handed out again. */
START_TEST(no_duplicates_under_churn)
{
	enum { N = 128 };
	struct pkt_pool *pool = pkt_pool_create("churn", N);
	struct pkt_buf *held[N];
	unsigned n_held = 0;
	uint64_t s = 4242;
	for (unsigned iter = 0; iter < 20000; iter++) {
		uint64_t x = rng_next(&s);
		unsigned k = 1 + (unsigned)(x % PKT_BURST);
		if (x & (1ull << 40)) {
			struct pkt_buf *got[PKT_BURST];
			unsigned want = k <= N - n_held ? k : N - n_held;
			unsigned n = pkt_alloc_burst(pool, got, k);
			CHECK(n == want, "alloc %u of %u with %u free", n, k, N - n_held);
			for (unsigned i = 0; i < n; i++) {
				for (unsigned j = 0; j < n_held; j++)
					CHECK(got[i] != held[j], "buffer handed out twice");
				check_fresh(pool, got[i]);
				held[n_held++] = got[i];
			}
		} else {
			k = k < n_held ? k : n_held;
			pkt_free_burst(held + n_held - k, k);
			n_held -= k;
		}
		CHECK(pool->avail == N - n_held, "avail %u, %u held", pool->avail, n_held);
	}
	pkt_free_burst(held, n_held);
	pkt_pool_destroy(pool);
}
END_TEST

START_TEST(prepend_adj_append_bounds)
{
	struct pkt_pool *pool = pkt_pool_create("room", 64);
	struct pkt_buf *p = pkt_alloc(pool);
	uint8_t *start = p->data;
	ck_assert_ptr_null(pkt_prepend(p, PKT_HEADROOM + 1));
	ck_assert_ptr_eq(p->data, start);
	ck_assert_uint_eq(p->len, 0);
	ck_assert_ptr_eq(pkt_prepend(p, 14), start - 14);
	ck_assert_uint_eq(p->len, 14);
	ck_assert_ptr_eq(pkt_prepend(p, PKT_HEADROOM - 14), p->buf);
	ck_assert_uint_eq(pkt_headroom(p), 0);
	ck_assert_ptr_null(pkt_prepend(p, 1));
	ck_assert_ptr_eq(pkt_adj(p, PKT_HEADROOM), start);
	ck_assert_uint_eq(p->len, 0);
	ck_assert_ptr_null(pkt_adj(p, 1));
	ck_assert_ptr_eq(pkt_append(p, 1000), start);
	ck_assert_ptr_eq(pkt_append(p, PKT_DATAROOM - 1000), start + 1000);
	ck_assert_uint_eq(p->len, PKT_DATAROOM);
	ck_assert_uint_eq(pkt_tailroom(p), 0);
	ck_assert_ptr_null(pkt_append(p, 1));
	ck_assert_uint_eq(p->len, PKT_DATAROOM);
	ck_assert_ptr_null(pkt_adj(p, PKT_DATAROOM + 1));
	ck_assert_ptr_eq(pkt_adj(p, PKT_DATAROOM), start + PKT_DATAROOM);  /* all of it */
	ck_assert_uint_eq(p->len, 0);
	ck_assert_uint_eq(pkt_headroom(p) + pkt_tailroom(p), p->buf_len);
	memset(p->buf, 0, p->buf_len);
	pkt_free(p);
	pkt_pool_destroy(pool);
}
END_TEST

START_TEST(free_burst_mixed_pools)
{
	struct pkt_pool *a = pkt_pool_create("a", 64), *b = pkt_pool_create("b", 64);
	struct pkt_buf *pa[8], *pb[8];
	ck_assert_uint_eq(pkt_alloc_burst(a, pa, 8), 8);
	ck_assert_uint_eq(pkt_alloc_burst(b, pb, 8), 8);
	/* runs of different lengths, alternating and interleaved */
	struct pkt_buf *mix[16] = { pa[0], pa[1], pb[0], pa[2], pb[1], pb[2], pb[3], pa[3],
				    pb[4], pa[4], pa[5], pa[6], pb[5], pb[6], pa[7], pb[7] };
	pkt_free_burst(mix, 5);
	ck_assert_uint_eq(a->avail, 64 - 8 + 3);
	ck_assert_uint_eq(b->avail, 64 - 8 + 2);
	pkt_free_burst(mix + 5, 11);
	ck_assert_uint_eq(a->avail, 64);
	ck_assert_uint_eq(b->avail, 64);
	/* each pool now hands out only its own buffers */
	struct pkt_buf *all[64];
	ck_assert_uint_eq(pkt_alloc_burst(a, all, 64), 64);
	for (unsigned i = 0; i < 64; i++) {
		ck_assert_ptr_eq(all[i]->pool, a);
		for (unsigned j = 0; j < 8; j++)
			ck_assert_ptr_ne(all[i], pb[j]);
	}
	pkt_free_burst(all, 64);
	pkt_free_burst(mix, 0);  /* nothing */
	pkt_pool_destroy(a);
	pkt_pool_destroy(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");
	tcase_add_test(tc, create_rejects_bad_sizes);
	tcase_add_test(tc, create_state);
	tcase_add_test(tc, pool_create_any_size);
	tcase_add_test(tc, alloc_all_then_fail);
	tcase_add_test(tc, burst_partial);
	tcase_add_test(tc, free_then_alloc_resets);
	tcase_add_test(tc, no_duplicates_under_churn);
	tcase_add_test(tc, prepend_adj_append_bounds);
	tcase_add_test(tc, free_burst_mixed_pools);
	suite_add_tcase(s, tc);
	return check_run(s);
}
