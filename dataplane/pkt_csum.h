/* pkt_csum.h - Internet checksums: full (RFC 1071), pseudo-headers, incremental (RFC 1624).
 *
 * Sums are kept as 32-bit partial one's-complement sums of big-endian 16-bit words and
 * folded at the end; a checksum field value is returned in host order, ready for
 * pkt_wr16(). A received header or datagram verifies when its full sum, including the
 * stored checksum, folds to 0 (pkt_csum() returns 0).
 *
 * Incremental updates follow RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), which never
 * produces -0 from a non-zero field. UDP over IPv4 keeps a zero (absent) checksum zero.
 */
#ifndef SLUICE_PKT_CSUM_H
#define SLUICE_PKT_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Adds len bytes at data (any alignment, odd lengths padded with zero) to sum. */
uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len);

/* The fast form, for checks on the packet path: len bytes added to a 64-bit one's
 * complement accumulator eight at a time (the carry out of each addition added back in).
 * It holds little-endian words: congruent modulo 0xffff to the byte-swapped sum of the
 * big-endian 16-bit words (RFC 1071 2(B)), so all ones means the same in both orders.
 * A big-endian 16-bit value v is added as its swapped self. */
static inline uint64_t pkt_csum_add64(uint64_t acc, const void *data, size_t len)
{
	const uint8_t *b = data;
	for (; len >= 8; b += 8, len -= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		uint64_t sum;
		acc = sum + __builtin_add_overflow(acc, w, &sum);
	}
	uint64_t t = 0;          /* the rest, each piece at an even byte offset of t */
	if (len >= 4) {
		uint32_t w;
		memcpy(&w, b, 4);
		t = w;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, b, 2);
		t += (uint64_t)w << 32;
		b += 2;
		len -= 2;
	}
	if (len)
		t += (uint64_t)b[0] << 48;   /* the odd byte: the high byte of a zero-padded word */
	acc += t;
	return acc + (acc < t);
}

/* A 64-bit accumulator folded to 16 bits (not complemented), in its own byte order. */
static inline uint16_t pkt_csum_fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)((acc & 0xffff) + (acc >> 16));
}

/* Folds a partial sum to 16 bits and complements it: the value to store. */
static inline uint16_t pkt_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Checksum over a buffer: the value to store, or 0 when a buffer with its checksum verifies. */
static inline uint16_t pkt_csum(const void *data, size_t len) { return pkt_csum_fold(pkt_csum_add(0, data, len)); }

/* Does an IPv4 header of hlen bytes (20 to 60, a multiple of 4) verify? The 20-byte
 * header every packet has is summed as five 32-bit words at once (the sum of the words
 * folds to all ones in either byte order when it verifies); two folds leave a value
 * congruent to it below 0x10010, which is all ones only when the header verifies. */
static inline bool pkt_ip4_hdr_ok(const uint8_t *ip, unsigned hlen)
{
	if (hlen != 20)
		return pkt_csum(ip, hlen) == 0;
	uint32_t w0, w1, w2, w3, w4;  /* one load each (an array would go through the stack) */
	memcpy(&w0, ip, 4);
	memcpy(&w1, ip + 4, 4);
	memcpy(&w2, ip + 8, 4);
	memcpy(&w3, ip + 12, 4);
	memcpy(&w4, ip + 16, 4);
	uint64_t s = (uint64_t)w0 + w1 + w2 + w3 + w4;             /* below 2^35 */
	s = (s & 0xffff) + (s >> 16);                               /* below 2^20 */
	s = (s & 0xffff) + (s >> 16);                               /* at most 0x1000f */
	return s == 0xffff;   /* the only all-ones value left: 0 stays 0, 0x1fffe is out of reach */
}

/* Partial sums of the pseudo-headers (RFC 768/793 for IPv4, RFC 8200 8.1 for IPv6). */
uint32_t pkt_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len);
uint32_t pkt_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len);

/* Transport checksum (TCP, UDP, ICMPv6; ICMPv4 has no pseudo-header: use pkt_csum) over a
 * datagram of len bytes at l4 whose checksum field may hold anything: it is summed as 0.
 * csum_off is the field's offset in l4. For UDP a result of 0 is sent as 0xffff. */
uint16_t pkt_l4_csum4(const uint8_t *ip4, const uint8_t *l4, uint16_t len, uint16_t csum_off);
uint16_t pkt_l4_csum6(const uint8_t *ip6, const uint8_t *l4, uint16_t len, uint8_t proto,
		      uint16_t csum_off);

/* RFC 1624: the checksum after a 16-bit word changed from old to new. */
static inline uint16_t pkt_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t sum = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new_;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The checksum after a 32-bit field (an IPv4 address) changed. */
static inline uint16_t pkt_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	uint32_t sum = (uint16_t)~csum;
	sum += (uint16_t)~(old >> 16) + (uint32_t)(uint16_t)~old;
	sum += (new_ >> 16) + (new_ & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The checksum after len bytes (even) changed from old to new (an IPv6 address, ports). */
uint16_t pkt_csum_update(uint16_t csum, const void *old, const void *new_, size_t len);

/* UDP over IPv4: a zero checksum means none, and stays zero; otherwise as pkt_csum_update16,
 * never storing 0 (RFC 768). */
static inline uint16_t pkt_udp_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	if (csum == 0)
		return 0;
	uint16_t c = pkt_csum_update16(csum, old, new_);
	return c ? c : 0xffff;
}

#endif
