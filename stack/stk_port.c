/* lwIP's side of the port (arch/cc.h, lwipopts.h, stk_hooks.h): sys_now() from the clock
 * stk_poll() is given, randomness from the platform, RFC 6528 initial sequence numbers,
 * the static IPv6 gateway, and what a failed assertion does. */
#include "stk_internal.h"
#include "stk_hooks.h"
#include "pkt_csum.h"
#include "plat.h"

#include "lwip/sys.h"

#include <string.h>

static void (*assert_hook)(const char *msg, const char *file, int line);

u32_t sys_now(void) { return (u32_t)stk.now_ms; }

uint32_t stk_rand32(void)
{
	uint32_t v;
	plat_random(&v, sizeof(v));
	return v;
}

/* lwIP's LWIP_CHKSUM: the 16-bit one's complement sum of the bytes as native words, not
 * complemented, as lwip_standard_chksum gives it. */
unsigned short stk_chksum(const void *data, int len)
{
	return pkt_csum_fold64(pkt_csum_add64(0, data, (size_t)len));
}

void stk_set_assert_hook(void (*hook)(const char *msg, const char *file, int line)) { assert_hook = hook; }

void stk_lwip_assert(const char *msg, const char *file, int line)
{
	stk.cnt.lwip_asserts++;
	plat_log(PLAT_LOG_ERROR, "stack: lwIP assertion failed: %s (%s:%d)", msg, file, line);
	if (assert_hook)
		assert_hook(msg, file, line);
}

void stk_lwip_error(const char *msg, const char *file, int line)
{
	stk.cnt.lwip_errors++;
	plat_log(PLAT_LOG_DEBUG, "stack: lwIP refused a call: %s (%s:%d)", msg, file, line);
}

/* SipHash-2-4 (Aumasson and Bernstein) of n bytes under key k. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                          \
	do {                                                              \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                    \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                    \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t siphash24(const uint64_t k[2], const uint8_t *in, size_t n)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k[0], v1 = 0x646f72616e646f6dull ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ k[0], v3 = 0x7465646279746573ull ^ k[1];
	uint64_t b = (uint64_t)n << 56;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | in[i + (size_t)j];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (int j = 0; i + (size_t)j < n; j++)
		b |= (uint64_t)in[i + (size_t)j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static size_t put_addr(uint8_t *at, const ip_addr_t *a)
{
	if (IP_IS_V6(a)) {
		memcpy(at, ip_2_ip6(a)->addr, 16);
		return 16;
	}
	memcpy(at, &ip_2_ip4(a)->addr, 4);
	return 4;
}

u32_t stk_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip, u16_t remote_port)
{
	uint8_t in[36];
	size_t n = put_addr(in, local_ip);
	n += put_addr(in + n, remote_ip);
	memcpy(in + n, &local_port, 2);
	memcpy(in + n + 2, &remote_port, 2);
	/* M: a timer ticking every 4 microseconds (RFC 6528 3), from the ms clock */
	return (u32_t)(stk.now_ms * 250) + (u32_t)siphash24(stk.isn_key, in, n + 4);
}

const ip6_addr_t *stk_nd6_gateway(struct netif *netif, const ip6_addr_t *dest)
{
	LWIP_UNUSED_ARG(dest);
	const struct stk_if *ifc = netif->state;
	return ifc && ifc->has_gw6 ? &ifc->gw6 : NULL;
}
