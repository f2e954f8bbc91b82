/* nat_xlate_fixture.h - what unit-nat-xlate's files share: the packet pool, the naive
 * RFC 1071 reference sums, datagrams described by a struct spec and built with their
 * checksums, and a translation checked against the datagram built translated. */
#ifndef SLUICE_TEST_NAT_XLATE_FIXTURE_H
#define SLUICE_TEST_NAT_XLATE_FIXTURE_H

#include "pkt_xlate.h"
#include "nv_csum.h"
#include "pktbuild.h"

#include <check.h>

/* The checked fixture: a packet pool for to_pkt. */
void setup(void);
void teardown(void);

/* ---- the naive reference (RFC 1071; its sums: nv_csum.h) ---- */

bool nv_ip4_ok(const uint8_t *ip);
/* The transport checksum of the datagram at l4 (len bytes, whole) verifies. A UDP
 * checksum of 0 is none (the callers check whether it should be). */
bool nv_l4_ok(const uint8_t *ip, const uint8_t *l4, uint16_t len, uint8_t proto);
/* The raw checksum (before UDP's 0 -> 0xffff) of the datagram at f->l4, field as zero. */
uint16_t nv_l4_raw(const struct pb *f);

/* ---- frames ---- */

bool icmp_query(uint8_t t);

struct spec {
	uint8_t n_vlan;        /* 0 to 2 tags */
	uint8_t optlen;        /* IPv4 option bytes, a multiple of 4 (a router alert, then NOPs) */
	uint8_t proto;         /* 6, 17, 1, or another without a parser */
	uint8_t icmp_type;
	uint8_t src[4], dst[4];
	uint16_t sport, dport; /* an ICMP message's identifier is sport */
	uint16_t payload;
	uint16_t frag;         /* the IPv4 flags and fragment offset */
	bool udp_none;         /* UDP sent without a checksum */
	uint64_t seed;         /* of the payload's bytes */
};

bool has_l4(const struct spec *s);
/* The datagram s describes with its checksums, unpadded. */
void build(struct pb *f, const struct spec *s);
/* A parsed packet holding f padded to Ethernet's 60 bytes, with the device's checks set. */
struct pkt_buf *to_pkt(const struct pb *f, uint16_t *len);

enum op { OP_SRC, OP_DST, OP_BOTH };

/* What s becomes: na:np as the source (OP_SRC, OP_BOTH), nb:nq as the destination. */
struct spec expect(const struct spec *s, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4],
		   uint16_t nq);
void apply(struct pkt_buf *p, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4], uint16_t nq);
/* Every checksum the translated frame d (built as f) carries, by the naive sums. */
void verify_frame(const uint8_t *d, const struct pb *f, const struct spec *s);
/* Translates the frame s describes and checks it against the frame built translated. */
void run(const struct spec *s, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4], uint16_t nq);

/* An inside host, a server, the public address it is translated to, a router. */
extern const uint8_t A_IN[4], A_SRV[4], A_PUB[4], A_RTR[4];

/* A_IN:40000 -> A_SRV:80 of proto, 100 bytes of payload. */
struct spec basic(uint8_t proto);

/* test_nat_xlate_icmp.c */
void nat_xlate_icmp_tests(TCase *tc);

#endif
