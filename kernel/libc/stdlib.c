/* strtoull/strtoll (C11 7.22.1.4 semantics, range errors reported through *err) and
 * qsort (an in-place heapsort: O(n log n) always, no recursion, no allocation). */
#include "libc_impl.h"

#include <string.h>

#define ERANGE_ 34
#define EINVAL_ 22

static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	return s;
}

/* Parses the magnitude; *neg tells the sign. Returns the value saturated at UINT64_MAX. */
static unsigned long long parse(const char *s, char **end, int base, int *err, bool *neg)
{
	const char *p = skip_space(s);
	*neg = false;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		*err = EINVAL_;
		if (end)
			*end = (char *)s;
		return 0;
	}
	const char *first = p;
	unsigned long long v = 0;
	bool over = false;
	for (int d; (d = digit(*p)) < base; p++) {
		if (v > (~0ull - (unsigned)d) / (unsigned)base)
			over = true;
		else
			v = v * (unsigned)base + (unsigned)d;
	}
	if (p == first) { /* no digits: nothing converted */
		if (end)
			*end = (char *)s;
		return 0;
	}
	if (end)
		*end = (char *)p;
	if (over) {
		*err = ERANGE_;
		return ~0ull;
	}
	return v;
}

unsigned long long kern_strtoull(const char *s, char **end, int base, int *err)
{
	bool neg;
	unsigned long long v = parse(s, end, base, err, &neg);
	if (*err == ERANGE_)
		return ~0ull;
	return neg ? 0ull - v : v;
}

long long kern_strtoll(const char *s, char **end, int base, int *err)
{
	bool neg;
	unsigned long long v = parse(s, end, base, err, &neg);
	if (*err == ERANGE_ || (!neg && v > (unsigned long long)INT64_MAX)) {
		*err = ERANGE_;
		return neg ? INT64_MIN : INT64_MAX;
	}
	if (neg && v > (unsigned long long)INT64_MAX + 1) {
		*err = ERANGE_;
		return INT64_MIN;
	}
	return neg ? (long long)(0ull - v) : (long long)v;
}

static void swap(uint8_t *a, uint8_t *b, size_t size)
{
	while (size--) {
		uint8_t t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void sift(uint8_t *base, size_t root, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap(base + root * size, base + child * size, size);
		root = child;
	}
}

void kern_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	uint8_t *b = base;
	if (n < 2 || !size)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift(b, i, n, size, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap(b, b + end * size, size);
		sift(b, 0, end, size, cmp);
	}
}
