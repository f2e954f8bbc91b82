/* arch/cc.h - lwIP's port to Sluice: the same on both platforms (the image's freestanding
 * libc, glibc hosted). Types come from <stdint.h>; byte swaps are the compiler's; lwIP's
 * assertions are logged and counted (stk.c), never a silent stop; its debug output is off.
 */
#ifndef SLUICE_LWIP_ARCH_CC_H
#define SLUICE_LWIP_ARCH_CC_H

#include <limits.h>
#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Sluice's lwIP port assumes a little-endian CPU"
#endif

/* No <unistd.h> (the image has none): lwIP only wants ssize_t from it. */
#define LWIP_NO_UNISTD_H 1
#ifndef __ssize_t_defined
typedef long ssize_t;   /* glibc's guard, so that its own typedef is skipped after this one */
#define __ssize_t_defined
#endif
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

/* Format strings for size_t (the image's <inttypes.h> has no PRIuPTR). */
#define SZT_F "zu"

/* No htons()/ntohl() macros of lwIP's in code that includes its headers next to libc's. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* Diagnostics: lwIP's debug output is compiled out (LWIP_DEBUG stays undefined). */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)

/* A failed lwIP assertion: logged and counted; the hook set by stk_set_assert_hook (tests:
 * abort()) runs next. lwIP carries on after its assertions where the hook returns. */
void stk_lwip_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_ASSERT(x) stk_lwip_assert((x), __FILE__, __LINE__)

/* A call lwIP refused for its arguments (LWIP_ERROR): counted, then lwIP's own handling
 * (it returns an error). */
void stk_lwip_error(const char *msg, const char *file, int line);
#define LWIP_ERROR(message, expression, handler) \
	do {                                        \
		if (!(expression)) {                \
			stk_lwip_error((message), __FILE__, __LINE__); \
			handler;                    \
		}                                   \
	} while (0)

#endif
