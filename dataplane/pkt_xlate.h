/* pkt_xlate.h - IPv4 address translation (the NAT's and the load balancer's): addresses, ports and ICMP query identifiers, with
 * every checksum kept right by incremental update (RFC 1624 eqn. 3, never recomputed over
 * the packet), and ICMPv4 errors quoting a translated packet (RFC 5508 section 4.2).
 *
 * The packet is an IPv4 frame pkt_parse() accepted: its offsets (VLAN tags, IPv4 options)
 * and flags come from p->meta; anything else (not parsed, not IPv4) is left alone. A frame
 * without PKT_F_L4 (an unparsed protocol, a first fragment too short for its transport
 * header) gets the address only. ICMP messages other than queries (echo, timestamp,
 * information, address mask; requests and replies) get the address only here: an error's
 * quote is pkt_xlate_icmp_error()'s. Checksums stay right, so p->ol_flags' PKT_OL_*_GOOD
 * stay true. Per-packet path: no allocation, no loop over the packet's bytes.
 *
 * Ports and identifiers are in host order; addresses are 4 bytes in network order.
 */
#ifndef SLUICE_PKT_XLATE_H
#define SLUICE_PKT_XLATE_H

#include "pkt.h"

#include <stdbool.h>
#include <stdint.h>

/* Rewrites p's IPv4 source address to addr and, when p carries the transport header
 * (TCP/UDP source port, or an ICMP query's identifier - echo/timestamp/info/mask requests AND replies
 * carry the id at the same place), its port to port. Destination likewise. Checksums by
 * incremental update (RFC 1624, eqn. 3; never recomputed over the packet): the IPv4 header's,
 * TCP's and UDP's (pseudo-header and port), ICMP's (identifier only: ICMP has no pseudo-header).
 * A UDP checksum of 0 (none) stays 0; a UDP checksum that becomes 0 is sent as 0xffff. A later
 * fragment (PKT_F_FRAG_NF) gets the address only (its datagram's transport checksum is in the
 * first fragment, which gets the pseudo-header change). addr: 4 bytes in network order. */
void pkt_xlate_src(struct pkt_buf *p, const uint8_t addr[4], uint16_t port);
void pkt_xlate_dst(struct pkt_buf *p, const uint8_t addr[4], uint16_t port);
/* Both at once (one pass over the checksums: a hairpinned or doubly translated packet).
 * An ICMP query has one identifier: it becomes sport (dport is not used for it). */
void pkt_xlate_both(struct pkt_buf *p, const uint8_t src[4], uint16_t sport, const uint8_t dst[4], uint16_t dport);

/* An ICMPv4 error (types 3, 4, 5, 11, 12) quoting a translated packet (RFC 5508 section 4.2):
 * the outer header and the quoted packet rewritten together. */
struct pkt_xlate_icmp {
	uint8_t outer_src_match[4], outer_src[4];  /* the outer source becomes outer_src when it is outer_src_match (else unchanged: an intermediate router's address) */
	uint8_t outer_dst[4];                      /* the outer destination */
	uint8_t in_src[4], in_dst[4];              /* the quoted packet's source and destination */
	uint16_t in_sport, in_dport;               /* and its ports / ICMP query id (in_sport is the quoted query's identifier for ICMP) */
};
/* false (p untouched) when p is not such an error or its quote is too short to hold the
 * quoted IPv4 header and 8 bytes of transport header (the caller drops it, counted). The quoted
 * IPv4 header's checksum and the quoted TCP/UDP/ICMP checksum (when the quote holds it: UDP's at 6, TCP's at 16 needs 18 bytes, ICMP's at 2) are updated incrementally,
 * and the outer ICMP checksum incrementally for every 16-bit word of the ICMP message changed
 * (note the quoted transport checksum field itself is inside the ICMP payload). A quoted packet
 * that is a non-first fragment gets addresses only.
 * Also false for a later fragment of the error itself (no ICMP header), and for a quote
 * that is not IPv4 (version not 4, IHL below 5). The quoted header's own IHL is used
 * (options). A quoted UDP checksum of 0 stays 0; a quoted ICMP query's checksum is updated
 * for the identifier even when the quote does not hold its whole message (as Linux does);
 * a quoted ICMP message that is not a query gets addresses only. */
bool pkt_xlate_icmp_error(struct pkt_buf *p, const struct pkt_xlate_icmp *x);

struct ct_entry;
/* An ICMPv4 error related to a translated connection e (CT_F_NAT: its reply key, ct.h),
 * travelling in direction dir (1: towards the side that opened it, about a packet that
 * side sent; 0: towards the other, about a reply): its outer header and quote become what
 * the receiving side knows (RFC 5508 4.2) - the quote as that side sent it, the outer
 * source the address it talks to when the error comes from the other end itself, the
 * outer destination itself. The NAT's and the load balancer's. false as
 * pkt_xlate_icmp_error. */
bool pkt_xlate_icmp_related(struct pkt_buf *p, const struct ct_entry *e, unsigned dir);

#endif
