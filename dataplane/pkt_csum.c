/* Internet checksum arithmetic. */
#include "pkt_csum.h"

#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pkt_csum_add sums little-endian words");

uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
	uint16_t folded = pkt_csum_fold64(pkt_csum_add64(0, data, len));
	uint64_t acc = (uint64_t)sum + (uint16_t)(folded << 8 | folded >> 8);
	return (uint32_t)((acc & 0xffffffffu) + (acc >> 32));
}

uint32_t pkt_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len)
{
	uint32_t sum = pkt_csum_add(0, src, 4);
	sum = pkt_csum_add(sum, dst, 4);
	return sum + proto + len;
}

uint32_t pkt_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len)
{
	uint32_t sum = pkt_csum_add(0, src, 16);
	sum = pkt_csum_add(sum, dst, 16);
	return sum + proto + (len >> 16) + (len & 0xffff);
}

static uint16_t l4_sum(uint32_t sum, const uint8_t *l4, uint16_t len, uint16_t csum_off)
{
	/* sum around the checksum field, as if it were zero */
	sum = pkt_csum_add(sum, l4, csum_off);
	if ((uint32_t)csum_off + 2 < len)
		sum = pkt_csum_add(sum, l4 + csum_off + 2, len - csum_off - 2u);
	return pkt_csum_fold(sum);
}

uint16_t pkt_l4_csum4(const uint8_t *ip4, const uint8_t *l4, uint16_t len, uint16_t csum_off)
{
	uint8_t proto = ip4[9];
	uint16_t c = l4_sum(pkt_csum_pseudo4(ip4 + 12, ip4 + 16, proto, len), l4, len, csum_off);
	if (proto == 17 && c == 0)
		c = 0xffff;
	return c;
}

uint16_t pkt_l4_csum6(const uint8_t *ip6, const uint8_t *l4, uint16_t len, uint8_t proto,
		      uint16_t csum_off)
{
	uint16_t c = l4_sum(pkt_csum_pseudo6(ip6 + 8, ip6 + 24, proto, len), l4, len, csum_off);
	if (proto == 17 && c == 0)
		c = 0xffff;
	return c;
}

uint16_t pkt_csum_update(uint16_t csum, const void *old, const void *new_, size_t len)
{
	const uint8_t *o = old, *n = new_;
	for (size_t i = 0; i + 1 < len; i += 2)
		csum = pkt_csum_update16(csum, (uint16_t)(o[i] << 8 | o[i + 1]),
					 (uint16_t)(n[i] << 8 | n[i + 1]));
	return csum;
}
