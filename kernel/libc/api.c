/* The image's C library under its standard names (image only: on the host these names are
 * glibc's). Errors that C leaves undefined (a bad free) panic with a message. */
#include "libc_impl.h"
#include "kern.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int errno;

void *malloc(size_t size) { return kern_malloc(size); }
void free(void *p) { kern_free(p); }
void *calloc(size_t n, size_t size) { return kern_calloc(n, size); }
void *realloc(void *p, size_t size) { return kern_realloc(p, size); }
void *aligned_alloc(size_t align, size_t size) { return kern_aligned_alloc(align, size); }

long long strtoll(const char *s, char **end, int base)
{
	int err = 0;
	long long v = kern_strtoll(s, end, base, &err);
	if (err)
		errno = err;
	return v;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	int err = 0;
	unsigned long long v = kern_strtoull(s, end, base, &err);
	if (err)
		errno = err;
	return v;
}

/* long is 64 bits on x86_64: the long long versions are the long ones */
long strtol(const char *s, char **end, int base) { return strtoll(s, end, base); }
unsigned long strtoul(const char *s, char **end, int base) { return strtoull(s, end, base); }
int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
int abs(int v) { return v < 0 ? -v : v; }

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	kern_qsort(base, n, size, cmp);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) { return kern_vsnprintf(buf, size, fmt, ap); }

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kern_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* C's answer for "calendar time not available": the wall clock is plat_wall_s(), given to
 * what needs a date (tls_set_wall_clock()), never read behind its back. */
time_t time(time_t *t)
{
	if (t)
		*t = (time_t)-1;
	return (time_t)-1;
}

__attribute__((noreturn)) void abort(void) { kern_panic("abort()"); }

__attribute__((noreturn)) void __assert_fail(const char *expr, const char *file, unsigned line, const char *func)
{
	kern_panic("assertion '%s' failed in %s (%s:%u)", expr, func, file, line);
}

__attribute__((noreturn)) void kern_libc_fatal(const char *why) { kern_panic("%s", why); }

/* -fstack-protector with -mstack-protector-guard=global: the canary, set from the entropy
 * source first thing at boot (kern_boot), and what a smashed stack ends in. */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

__attribute__((noreturn)) void __stack_chk_fail(void) { kern_panic("stack smashing detected"); }
