/* nv_csum.c - the naive RFC 1071 reference sums (nv_csum.h). */
#include "nv_csum.h"

#include <string.h>

uint16_t nv_rd16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

uint32_t nv_sum(uint32_t s, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0u);
	return s;
}

uint16_t nv_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint32_t nv_pseudo(const uint8_t *ip, uint8_t proto, uint16_t len)
{
	uint8_t ph[12] = { 0 };
	memcpy(ph, ip + 12, 8);
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return nv_sum(0, ph, sizeof(ph));
}
