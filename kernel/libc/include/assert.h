/* assert.h of the image's C library: a failed assertion is a kernel panic naming it. */
#ifndef SLUICE_LIBC_ASSERT_H
#define SLUICE_LIBC_ASSERT_H

#define static_assert _Static_assert

__attribute__((noreturn)) void __assert_fail(const char *expr, const char *file, unsigned line, const char *func);

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : __assert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#endif
