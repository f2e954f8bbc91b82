/* pkt_parse.h - header parsers: Ethernet, 802.1Q/802.1ad, ARP, IPv4, IPv6, TCP, UDP, ICMP(v6).
 *
 * pkt_parse() walks a frame once and fills pkt->meta (offsets, protocol, flags). Every
 * length is checked before it is read: a frame that lies about a length or is cut short
 * gets a named reason and no field beyond its end is touched. An IPv4 header must verify
 * its checksum, as a router must check (RFC 1812 5.2.2) and Linux does before its bridge
 * or IP hooks; a transport checksum is pkt_l4_csum_ok()'s, for whoever needs it
 * (conntrack, the appliance's own stack). Fragments are flagged, not
 * reassembled; non-first fragments carry no transport header. Ether types other than IP
 * and ARP are not errors (meta.l3 = PKT_L3_OTHER); nor are IP protocols without a parser
 * here (no PKT_F_L4). The parse stage drops what fails, counted by reason.
 */
#ifndef SLUICE_PKT_PARSE_H
#define SLUICE_PKT_PARSE_H

#include "pkt.h"
#include "pkt_pipe.h"

#include <string.h>

/* X(NAME, "name"): every reason pkt_parse() can give, in order. */
#define PKT_PARSE_REASONS(X)                                                                  \
	X(OK, "ok")                                                                                  \
	X(ETH_TRUNC, "eth_trunc")        /* shorter than an Ethernet header */                              \
	X(VLAN_TRUNC, "vlan_trunc")       /* a VLAN tag cut short */                                          \
	X(VLAN_DEPTH, "vlan_depth")       /* more than two VLAN tags */                                       \
	X(ARP_TRUNC, "arp_trunc")        /* ARP shorter than its own hardware/protocol lengths say */       \
	X(IP4_TRUNC, "ip4_trunc")        /* shorter than a minimal IPv4 header */                            \
	X(IP4_VERSION, "ip4_version")      /* version field is not 4 */                                        \
	X(IP4_HDR_LEN, "ip4_hdr_len")      /* IHL below 5 or beyond the frame */                               \
	X(IP4_TOTAL_LEN, "ip4_total_len")    /* total length below the header or beyond the frame */             \
	X(IP4_OPTIONS, "ip4_options")      /* an option runs past the header or has a bad length */            \
	X(IP4_CSUM, "ip4_csum")         /* the header checksum is wrong (RFC 1812 5.2.2) */                 \
	X(IP6_TRUNC, "ip6_trunc")        /* shorter than an IPv6 header */                                   \
	X(IP6_VERSION, "ip6_version")      /* version field is not 6 */                                        \
	X(IP6_PAYLOAD_LEN, "ip6_payload_len")  /* payload length beyond the frame (or 0: jumbograms unsupported) */ \
	X(IP6_EXT_TRUNC, "ip6_ext_trunc")    /* an extension header runs past the datagram */                    \
	X(IP6_EXT_ORDER, "ip6_ext_order")    /* Hop-by-Hop options not first */                                  \
	X(IP6_EXT_DEPTH, "ip6_ext_depth")    /* more extension headers than PKT_IP6_MAX_EXT */                  \
	X(TCP_TRUNC, "tcp_trunc")        /* TCP header cut short */                                          \
	X(TCP_DATA_OFF, "tcp_data_off")     /* data offset below 5 or beyond the segment */                     \
	X(UDP_TRUNC, "udp_trunc")        /* UDP header cut short */                                          \
	X(UDP_LEN, "udp_len")          /* UDP length below 8 or beyond the datagram */                     \
	X(ICMP_TRUNC, "icmp_trunc")       /* ICMP message shorter than 8 bytes */                             \
	X(ICMP6_TRUNC, "icmp6_trunc")      /* ICMPv6 message shorter than 8 bytes */

#define PKT_PARSE_ENUM(id, str) PKT_PARSE_##id,
enum pkt_parse_result { PKT_PARSE_REASONS(PKT_PARSE_ENUM) PKT_PARSE__COUNT };
#undef PKT_PARSE_ENUM

#define PKT_IP6_MAX_EXT 8

/* Lower-case names ("ip4_hdr_len"), indexed by enum pkt_parse_result. */
extern const char *const pkt_parse_reason_names[PKT_PARSE__COUNT];

/* Parses p->data[0..len) and fills p->meta. On error meta holds what was parsed so far
 * and PKT_F_PARSED is clear. */
enum pkt_parse_result pkt_parse(struct pkt_buf *p);
/* Does a parsed packet's transport checksum verify? TCP and UDP over either family, ICMP
 * over IPv4, ICMPv6 over IPv6 (true for anything else); the caller makes sure the
 * datagram is whole here (PKT_F_L4, not PKT_F_FRAG). The IPv6 pseudo-header takes the
 * header's destination, as Linux's conntrack does. An IPv4 UDP datagram without a
 * checksum (0) has nothing to verify; over IPv6, 0 never verifies. */
bool pkt_l4_csum_ok(const struct pkt_buf *p);
/* For a TCP or UDP checksum that failed: does the field hold just the pseudo-header's sum,
 * as a sender leaves it for its NIC to finish (checksum offload)? Such a frame was taken
 * off a Linux veth or tap whose peer sends with tx checksumming on, by a backend that
 * could not learn the kernel's checksum state. */
bool pkt_l4_csum_partial(const struct pkt_buf *p);
/* The same, always by the full walk: pkt_parse() takes most frames (untagged IPv4 without
 * options or fragmenting, TCP or UDP) by a shorter way first. For tests. */
enum pkt_parse_result pkt_parse_full(struct pkt_buf *p);

/* A pipeline stage that parses each packet and drops failures under their reason. */
extern const struct pkt_stage_def pkt_parse_stage;

/* Byte-order helpers for unaligned wire fields. */
static inline uint16_t pkt_rd16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
/* Two MAC addresses equal? (a word and a half-word load each, not a call to memcmp) */
static inline bool pkt_mac_eq(const uint8_t *a, const uint8_t *b)
{
	uint32_t a4, b4;
	uint16_t a2, b2;
	memcpy(&a4, a, 4);
	memcpy(&b4, b, 4);
	memcpy(&a2, a + 4, 2);
	memcpy(&b2, b + 4, 2);
	return a4 == b4 && a2 == b2;
}
static inline uint32_t pkt_rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static inline void pkt_wr16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static inline void pkt_wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16); b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v;
}

/* Gives a parsed frame a new Ethernet header in place of the one it has, tags and all:
 * dst, src and one 802.1Q tag of VLAN vid (1-4094), or no tag (vid 0). The frame grows or
 * shrinks at the front, is padded to 60 bytes if it became shorter, and meta follows (its
 * offsets, n_vlan and vlan). false, frame untouched, when it is not parsed or there is no
 * room. A router's way out: the common case (same header length) writes 12 bytes. */
bool pkt_l2_resize(struct pkt_buf *p, uint16_t l2_len);
static inline bool pkt_set_eth(struct pkt_buf *p, const uint8_t dst[6], const uint8_t src[6], uint16_t vid)
{
	uint16_t want = vid ? 18 : 14;
	if (p->meta.l3_off != want && !pkt_l2_resize(p, want))
		return false;
	memcpy(p->data, dst, 6);
	memcpy(p->data + 6, src, 6);
	if (vid) {
		pkt_wr16(p->data + 12, 0x8100u);
		pkt_wr16(p->data + 14, vid);
		p->meta.vlan = vid;
	}
	return true;
}

#define PKT_ETH_P_IPV4 0x0800u
#define PKT_ETH_P_ARP  0x0806u
#define PKT_ETH_P_VLAN 0x8100u
#define PKT_ETH_P_QINQ 0x88A8u
#define PKT_ETH_P_IPV6 0x86DDu
#define PKT_IPPROTO_ICMP 1u
#define PKT_IPPROTO_TCP 6u
#define PKT_IPPROTO_UDP 17u
#define PKT_IPPROTO_ICMPV6 58u

#endif
