/* The image's C library (kernel/libc, kernel/printf.c), built for the host under its kern_
 * names and checked against glibc: formatting, number parsing, sorting and the heap. */
#include "kern.h"
#include "check_run.h"
#include "libc/libc_impl.h"

#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the heap's page provider, and the fatal hook, as the image's kernel would give them */
static size_t pages_out;
static void *host_pages(size_t n)
{
	void *p = aligned_alloc(4096, n * 4096);
	if (p) {
		memset(p, 0, n * 4096);
		pages_out += n;
	}
	return p;
}
static void host_free_pages(void *p, size_t n)
{
	pages_out -= n;
	free(p);
}
void kern_libc_fatal(const char *why)
{
	fprintf(stderr, "fatal: %s\n", why);
	abort();
}

static bool all_bytes(const uint8_t *b, size_t n, uint8_t v)
{
	for (size_t k = 0; k < n; k++)
		if (b[k] != v)
			return false;
	return true;
}

static void same_as_glibc(const char *fmt, ...)
{
	char want[256], got[256];
	va_list a, b;
	va_start(a, fmt);
	va_copy(b, a);
	int nw = vsnprintf(want, sizeof(want), fmt, a);
	int ng = kern_vsnprintf(got, sizeof(got), fmt, b);
	va_end(a);
	va_end(b);
	ck_assert_msg(nw == ng && !strcmp(want, got), "format \"%s\": glibc \"%s\" (%d), ours \"%s\" (%d)", fmt,
		      want, nw, got, ng);
}

START_TEST(printf_matches_glibc)
{
	same_as_glibc("plain");
	same_as_glibc("%d %i %u", -42, 7, 3000000000u);
	same_as_glibc("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
	same_as_glibc("%x %X %#x %#o %o", 0xbeef, 0xbeef, 255, 8, 0);
	same_as_glibc("%ld %lu %lld %llu", LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX);
	same_as_glibc("%hd %hu %hhd %hhu", (short)-3, (unsigned short)65535, (signed char)-1, (unsigned char)200);
	same_as_glibc("%zu %zd", (size_t)123456789, (ssize_t)-5);
	same_as_glibc("%s|%10s|%-10s|%.3s|%10.2s", "abc", "abc", "abc", "abcdef", "abcdef");
	same_as_glibc("%c%c%5c", 'a', 'b', 'c');
	same_as_glibc("%.5d %.0d %8.3d %-8.3d", 42, 0, -7, 7);
	same_as_glibc("%*d %-*d %.*d", 6, 1, 6, 2, 4, 3);
	same_as_glibc("%%d %% %5%");
	same_as_glibc("%p %p", (void *)0x1234, (void *)0xffff800000000000ull);
	same_as_glibc("%#.3x %#08x %08.3x", 1, 2, 3);
	same_as_glibc("%d", INT_MIN);
}
END_TEST

START_TEST(printf_truncates_and_counts)
{
	char buf[8];
	int n = kern_snprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345);
	ck_assert_int_eq(n, 12);
	ck_assert_str_eq(buf, "abcdef-");
	ck_assert_int_eq(kern_snprintf(NULL, 0, "%d", 1000), 4);
	buf[0] = 'x';
	ck_assert_int_eq(kern_snprintf(buf, 1, "%d", 5), 1);
	ck_assert_int_eq(buf[0], 0);
}
END_TEST

static void strto_same(const char *s, int base)
{
	char *e1, *e2;
	errno = 0;
	unsigned long long w = strtoull(s, &e1, base);
	int werr = errno;
	int err = 0;
	unsigned long long g = kern_strtoull(s, &e2, base, &err);
	ck_assert_msg(w == g && e1 == e2 && werr == err, "strtoull(\"%s\", %d): glibc %llu end+%td errno %d, ours %llu end+%td err %d",
		      s, base, w, e1 - s, werr, g, e2 - s, err);
	errno = 0;
	long long ws = strtoll(s, &e1, base);
	werr = errno;
	err = 0;
	long long gs = kern_strtoll(s, &e2, base, &err);
	ck_assert_msg(ws == gs && e1 == e2 && werr == err, "strtoll(\"%s\", %d): glibc %lld end+%td errno %d, ours %lld end+%td err %d",
		      s, base, ws, e1 - s, werr, gs, e2 - s, err);
}

START_TEST(strto_matches_glibc)
{
	static const char *const in[] = {
		"0", "42", "  42abc", "-17", "+9", "0x1f", "0X1F", "0x", "0xg", "017", "08", "", "   ", "-",
		"18446744073709551615", "18446744073709551616", "99999999999999999999999",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"-1", "zz", "\t\n 12", "1e5", "0b101",
	};
	static const int bases[] = { 0, 2, 8, 10, 16, 36 };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
			strto_same(in[i], bases[b]);
}
END_TEST

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

START_TEST(qsort_sorts)
{
	uint32_t seed = 12345;
	for (size_t n = 0; n < 300; n += 7) {
		int v[300], w[300];
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			v[i] = w[i] = (int)(seed >> 16) % 50; /* many duplicates */
		}
		kern_qsort(v, n, sizeof(int), cmp_int);
		qsort(w, n, sizeof(int), cmp_int);
		ck_assert_mem_eq(v, w, n * sizeof(int));
	}
}
END_TEST

START_TEST(heap_alloc_free)
{
	kern_heap_init(host_pages, host_free_pages);
	enum { N = 2000 };
	static void *p[N];
	static size_t sz[N];
	uint32_t seed = 7;
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < N; i++) {
			seed = seed * 1103515245u + 12345u;
			sz[i] = (seed >> 8) % (i % 10 == 0 ? 20000 : 600);
			p[i] = kern_malloc(sz[i]);
			ck_assert_ptr_nonnull(p[i]);
			ck_assert_uint_eq((uintptr_t)p[i] & 15, 0);
			memset(p[i], i & 0xff, sz[i]);
		}
		for (int i = 0; i < N; i += 2) { /* grow half of them: contents must follow */
			size_t nsz = sz[i] * 2 + 1;
			uint8_t *q = kern_realloc(p[i], nsz);
			ck_assert_ptr_nonnull(q);
			ck_assert(all_bytes(q, sz[i], (uint8_t)(i & 0xff)));
			p[i] = q;
			sz[i] = nsz;
			memset(q, i & 0xff, nsz);
		}
		for (int i = 0; i < N; i++) {
			ck_assert(all_bytes(p[i], sz[i], (uint8_t)(i & 0xff))); /* no block overlaps another */
			kern_free(p[i]);
		}
	}
	struct kern_heap_stats st;
	kern_heap_stats(&st);
	ck_assert_uint_eq(st.small_in_use, 0);
	ck_assert_uint_eq(st.large_in_use, 0);
	ck_assert_uint_eq(pages_out, st.pages); /* large blocks gave their pages back */
}
END_TEST

START_TEST(heap_calloc_aligned)
{
	kern_heap_init(host_pages, host_free_pages);
	uint8_t *z = kern_calloc(100, 7);
	ck_assert_ptr_nonnull(z);
	ck_assert(all_bytes(z, 700, 0));
	ck_assert_ptr_null(kern_calloc(SIZE_MAX / 2, 4)); /* overflow */
	ck_assert_ptr_null(kern_malloc((size_t)1 << 50));
	for (size_t align = 16; align <= 4096; align <<= 1) {
		for (size_t size = 1; size < 5000; size = size * 3 + 1) {
			uint8_t *a = kern_aligned_alloc(align, size);
			ck_assert_ptr_nonnull(a);
			ck_assert_uint_eq((uintptr_t)a & (align - 1), 0);
			memset(a, 0x5a, size);
			uint8_t *r = kern_realloc(a, size + 100);
			ck_assert_ptr_nonnull(r);
			ck_assert(all_bytes(r, size, 0x5a));
			kern_free(r);
		}
	}
	ck_assert_ptr_null(kern_aligned_alloc(3, 10));
	ck_assert_ptr_null(kern_aligned_alloc(8192, 10));
	kern_free(z);
	kern_free(NULL);
	ck_assert_ptr_null(kern_realloc(kern_malloc(5), 0));
	struct kern_heap_stats st;
	kern_heap_stats(&st);
	ck_assert_uint_eq(st.small_in_use + st.large_in_use, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("libc");
	TCase *tc = tcase_create("libc");
	tcase_add_test(tc, printf_matches_glibc);
	tcase_add_test(tc, printf_truncates_and_counts);
	tcase_add_test(tc, strto_matches_glibc);
	tcase_add_test(tc, qsort_sorts);
	tcase_add_test(tc, heap_alloc_free);
	tcase_add_test(tc, heap_calloc_aligned);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
