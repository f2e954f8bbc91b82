/* The hosted platform's hook for large tables (hosted/hosted_mem.h): a table
 * handed to pkt_mem_large() is resident at once, its contents kept; one of more than a
 * quarter of the host's memory is left to fill in as used. Residency is read with
 * mincore(). */
#include "check_run.h"
#include "hosted_mem.h"
#include "pkt.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page;

/* Pages of [p, p+len) resident now. */
static size_t resident(void *p, size_t len)
{
	size_t n = len / page, in = 0;
	static unsigned char vec[1u << 21];
	for (size_t off = 0; off < n; off += sizeof(vec)) {
		size_t k = n - off < sizeof(vec) ? n - off : sizeof(vec);
		ck_assert_int_eq(mincore((uint8_t *)p + off * page, k * page, vec), 0);
		for (size_t i = 0; i < k; i++)
			in += vec[i] & 1;
	}
	return in;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

/* Does this kernel fault in on advice (MADV_POPULATE_WRITE, Linux 5.14)? */
static bool kernel_populates(void)
{
	void *p = map(page);
	bool ok = madvise(p, page, MADV_POPULATE_WRITE) == 0;
	munmap(p, page);
	return ok;
}

START_TEST(table_is_resident_and_kept)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (!kernel_populates()) {
		printf("SKIP: this kernel does not fault in on advice (MADV_POPULATE_WRITE)\n");
		return;
	}
	const size_t len = 6u << 20;
	/* no hook yet: the advice is not given, and an untouched table stays out */
	uint8_t *before = map(len);
	pkt_mem_large(before, len);
	ck_assert_uint_eq(resident(before, len), 0);
	munmap(before, len);

	hosted_mem_init();
	uint8_t *t = map(len);
	t[0] = 1, t[len / 2] = 2, t[len - 1] = 3;   /* three pages written before */
	ck_assert_uint_le(resident(t, len), 3 * 512);  /* (or the huge pages under them) */
	pkt_mem_large(t, len);
	ck_assert_uint_eq(resident(t, len), len / page);
	ck_assert_uint_eq(t[0], 1);
	ck_assert_uint_eq(t[len / 2], 2);
	ck_assert_uint_eq(t[len - 1], 3);
	ck_assert_uint_eq(t[1] | t[len / 4] | t[len - 2], 0);
	munmap(t, len);

	/* a table that does not start or end on a page: the whole pages inside it */
	uint8_t *u = map(len);
	pkt_mem_large(u + 100, len - 200);
	size_t in = resident(u, len);
	ck_assert_uint_ge(in, len / page - 2);
	ck_assert_uint_le(in, len / page);
	munmap(u, len);
}
END_TEST

START_TEST(huge_table_fills_in_as_used)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	hosted_mem_init();
	long pages = sysconf(_SC_PHYS_PAGES);
	ck_assert_int_gt(pages, 0);
	/* over a quarter of the host's memory (address space only: never touched) */
	size_t len = ((size_t)pages / 4 + 1024) * page;
	uint8_t *t = map(len);
	pkt_mem_large(t, len);
	ck_assert_uint_eq(resident(t, len), 0);
	munmap(t, len);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hosted_mem");
	TCase *tc = tcase_create("large");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table_is_resident_and_kept);
	tcase_add_test(tc, huge_table_fills_in_as_used);
	suite_add_tcase(s, tc);
	return check_run(s);
}
