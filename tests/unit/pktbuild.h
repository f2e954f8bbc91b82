/* pktbuild.h - frame builders and reference arithmetic shared by the unit tests.
 *
 * A struct pb is a frame under construction in a plain byte array. Builders append one
 * header each and remember where the IP and transport headers start; pb_done() then fills
 * in every length field and every checksum using the naive byte-by-byte reference below,
 * never the code under test (pkt_csum). Tests may poke any byte afterwards to break it.
 *
 * Pools: pkt_pool_create(n) currently needs n % 8 == 0 to pass under ASan (see test_pool.c,
 * pool_create_any_size), so tests that only need a pool use PB_POOL_SIZE.
 */
#ifndef SLUICE_TEST_PKTBUILD_H
#define SLUICE_TEST_PKTBUILD_H

#include "pkt.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX 2048
#define PB_POOL_SIZE 64

struct pb {
	uint8_t b[PB_MAX];
	uint16_t len;
	uint16_t l3;     /* offset of the IP (or ARP) header, 0 if none yet */
	uint16_t l4;     /* offset of the transport header, 0 if none */
	uint8_t ipv;     /* 4, 6, or 0 */
	uint8_t proto;   /* protocol of the header at l4 */
};

/* Well-known addresses every builder uses (tests may overwrite them). */
extern const uint8_t pb_ip4_src[4], pb_ip4_dst[4], pb_ip6_src[16], pb_ip6_dst[16];

void pb_init(struct pb *f);
/* Appends n bytes (zeros when src is NULL); returns where they went. */
uint8_t *pb_put(struct pb *f, const void *src, size_t n);
/* Appends n bytes of a recognisable pattern. */
void pb_payload(struct pb *f, size_t n);
/* Pads with zeros up to min_len (Ethernet minimum frame is 60 without FCS). */
void pb_pad(struct pb *f, uint16_t min_len);

/* Ethernet header with n_tags VLAN tags (tpid[i], tci[i]) before the final type. */
void pb_eth(struct pb *f, unsigned n_tags, const uint16_t *tpid, const uint16_t *tci, uint16_t type);
static inline void pb_eth0(struct pb *f, uint16_t type) { pb_eth(f, 0, NULL, NULL, type); }
/* IPv4 header; frag is the flags/offset word (0x2000 = MF, 0x4000 = DF); optlen % 4 == 0. */
void pb_ip4(struct pb *f, uint8_t proto, uint16_t frag, const uint8_t *opts, uint8_t optlen);
void pb_ip6(struct pb *f, uint8_t nh);
/* A generic IPv6 extension header: next header, its length byte as stored, total bytes. */
void pb_ip6_ext(struct pb *f, uint8_t nh, uint8_t len_field, uint16_t bytes);
/* IPv6 Fragment header: offset in 8-byte units, M flag. */
void pb_ip6_frag(struct pb *f, uint8_t nh, uint16_t off8, int more);
/* TCP header; optlen % 4 == 0. */
void pb_tcp(struct pb *f, uint16_t sport, uint16_t dport, const uint8_t *opts, uint8_t optlen);
void pb_udp(struct pb *f, uint16_t sport, uint16_t dport);
/* ICMP (proto 1) or ICMPv6 (proto 58): type, code, identifier, sequence 1. */
void pb_icmp(struct pb *f, uint8_t proto, uint8_t type, uint8_t code, uint16_t id);
/* ARP for IPv4 over Ethernet (28 bytes). */
void pb_arp(struct pb *f, uint16_t op);
/* Fills IPv4 total length and header checksum, IPv6 payload length, UDP length and the
 * transport checksum (reference implementation). Call before pb_pad(). */
void pb_done(struct pb *f);
/* Rewrites the checksum of the IPv4 header at ip (after a test changed a field), when its
 * IHL gives a header of 20 to 60 bytes within the avail bytes there; else leaves it. */
void pb_ip4_csum(uint8_t *ip, size_t avail);

/* Reference one's-complement arithmetic, one big-endian 16-bit word at a time. */
uint32_t ref_sum(uint32_t sum, const uint8_t *b, size_t len);
uint16_t ref_fold(uint32_t sum);                 /* folded sum, not complemented */
static inline uint16_t ref_csum(uint32_t sum) { return (uint16_t)~ref_fold(sum); }
/* Transport checksum of the datagram at f->l4..f->len with its pseudo-header, the
 * checksum field taken as zero; UDP 0 becomes 0xffff. */
uint16_t ref_l4_csum(const struct pb *f);

/* A packet from pool holding a copy of frame[0..len). */
struct pkt_buf *pb_to_pkt(struct pkt_pool *pool, const uint8_t *frame, uint16_t len);

/* xorshift64* with an explicit state: deterministic runs. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* An assertion for hot loops: ck_assert*() records a mark point per call, this does not. */
#define CHECK(cond, ...)                          \
	do {                                      \
		if (!(cond))                      \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

#endif
