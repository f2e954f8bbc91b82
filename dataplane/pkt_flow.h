/* pkt_flow.h - flow keys and a fast symmetric flow hash.
 *
 * A flow key is the 5-tuple plus the outer VLAN ID of a parsed packet, IPv4 and IPv6 in
 * one layout (IPv4 addresses in the first 4 bytes, the rest zero). An ICMP query and its
 * response (echo, timestamp, information, address mask; ICMPv6 echo) are keyed by the
 * identifier and the kind of query, in an order that makes the response's key the
 * query's reversed: a query (id, kind), its response (kind, id), as Linux keys them on
 * the identifier and the type. Other ICMP messages use type and code as both ports. The hash is symmetric: a packet and its reply hash the same, so both
 * directions land on the same core and table bucket.
 */
#ifndef SLUICE_PKT_FLOW_H
#define SLUICE_PKT_FLOW_H

#include "pkt.h"

#include <stdbool.h>

struct pkt_flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;   /* host order */
	uint16_t dport;
	uint16_t vlan;    /* VLAN ID (12 bits), 0 untagged */
	uint8_t proto;
	uint8_t family;   /* 4 or 6 */
};
static_assert(sizeof(struct pkt_flow_key) == 40, "flow key is five 64-bit words");

/* Fills k from a packet pkt_parse() accepted; false for non-IP packets. Ports are zero
 * when the transport header is absent (non-first fragments, unparsed protocols). */
bool pkt_flow_key(const struct pkt_buf *p, struct pkt_flow_key *k);

/* An ICMP or ICMPv6 (proto 1 or 58) query or response as key ports; false for any other
 * type. */
bool pkt_flow_icmp_ports(uint8_t proto, uint8_t type, uint16_t id, uint16_t *sport, uint16_t *dport);

/* The same key with source and destination swapped (what the reply carries). */
void pkt_flow_key_reverse(const struct pkt_flow_key *k, struct pkt_flow_key *rev);

/* Symmetric hash: pkt_flow_hash(k) == pkt_flow_hash(reverse of k). */
uint32_t pkt_flow_hash(const struct pkt_flow_key *k);

#endif
