/* nv_csum.h - the naive RFC 1071 reference sums the NAT's tests check every checksum by
 * (unit-nat-xlate, unit-nat-engine): big-endian words in a plain loop and a pseudo-header of
 * their own, never pkt_csum.h. */
#ifndef SLUICE_TEST_NV_CSUM_H
#define SLUICE_TEST_NV_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* The big-endian 16-bit word at b. */
uint16_t nv_rd16(const uint8_t *b);
/* s plus the words of b[0..len) (an odd last byte padded with zero), unfolded. */
uint32_t nv_sum(uint32_t s, const uint8_t *b, size_t len);
/* s folded to 16 bits, not complemented. */
uint16_t nv_fold(uint32_t s);
/* The sum of the IPv4 pseudo-header of the datagram at ip: its addresses, proto, len. */
uint32_t nv_pseudo(const uint8_t *ip, uint8_t proto, uint16_t len);

#endif
