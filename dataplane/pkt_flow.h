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
#include "pkt_parse.h"

#include <stdbool.h>
#include <string.h>

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

/* An ICMP or ICMPv6 (proto 1 or 58) query or response as key ports; false for any other
 * type. */
bool pkt_flow_icmp_ports(uint8_t proto, uint8_t type, uint16_t id, uint16_t *sport, uint16_t *dport);

/* Fills k from a packet pkt_parse() accepted; false for non-IP packets. Ports are zero
 * when the transport header is absent (non-first fragments, unparsed protocols). Inline:
 * it is on every packet's path. */
static inline bool pkt_flow_key(const struct pkt_buf *p, struct pkt_flow_key *k)
{
	const struct pkt_meta *m = &p->meta;
	memset(k, 0, sizeof(*k));
	if (!(m->flags & PKT_F_PARSED))
		return false;
	const uint8_t *ip = p->data + m->l3_off;
	if (m->l3 == PKT_L3_IPV4) {
		memcpy(k->src, ip + 12, 4);
		memcpy(k->dst, ip + 16, 4);
		k->family = 4;
	} else if (m->l3 == PKT_L3_IPV6) {
		memcpy(k->src, ip + 8, 16);
		memcpy(k->dst, ip + 24, 16);
		k->family = 6;
	} else {
		return false;
	}
	k->proto = m->l4proto;
	k->vlan = m->n_vlan ? (uint16_t)(m->vlan & 0x0fff) : 0;
	if (!(m->flags & PKT_F_L4))
		return true;
	const uint8_t *l4 = p->data + m->l4_off;
	switch (m->l4proto) {
	case PKT_IPPROTO_TCP:
	case PKT_IPPROTO_UDP:
		k->sport = pkt_rd16(l4);
		k->dport = pkt_rd16(l4 + 2);
		break;
	case PKT_IPPROTO_ICMP:
	case PKT_IPPROTO_ICMPV6: {
		uint8_t type = l4[0];
		if (!pkt_flow_icmp_ports(m->l4proto, type, pkt_rd16(l4 + 4), &k->sport, &k->dport)) {
			k->sport = (uint16_t)(type << 8 | l4[1]);
			k->dport = k->sport;
		}
		break;
	}
	default:
		break;
	}
	return true;
}

/* The same key with source and destination swapped (what the reply carries). */
void pkt_flow_key_reverse(const struct pkt_flow_key *k, struct pkt_flow_key *rev);

/* Symmetric hash: pkt_flow_hash(k) == pkt_flow_hash(reverse of k). Inline, like the key. */
static inline uint64_t pkt_flow_mix_(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	return h;
}

static inline uint64_t pkt_flow_rd64_(const uint8_t *b)
{
	uint64_t v;
	memcpy(&v, b, 8);
	return v;
}

/* One endpoint (address and port) mixed to 64 bits. */
static inline uint64_t pkt_flow_endpoint_(const uint8_t *a, uint16_t port)
{
	uint64_t x = pkt_flow_mix_(0x243f6a8885a308d3ull ^ port, pkt_flow_rd64_(a));
	return pkt_flow_mix_(x, pkt_flow_rd64_(a + 8));
}

/* An IPv4 endpoint: the address's other 12 bytes are zero in a key, so one mix covers it. */
static inline uint64_t pkt_flow_endpoint4_(const uint8_t *a, uint16_t port)
{
	uint32_t v;
	memcpy(&v, a, 4);
	return pkt_flow_mix_(0x243f6a8885a308d3ull ^ port, v);
}

static inline uint32_t pkt_flow_hash(const struct pkt_flow_key *k)
{
	/* The two endpoints' mixes are added, which does not care which comes first: both
	 * directions hash alike with no comparison. Then the rest of the key. Both directions
	 * have the same family, so IPv4's shorter mix keeps the symmetry. */
	uint64_t h = k->family == 4 ? pkt_flow_endpoint4_(k->src, k->sport) + pkt_flow_endpoint4_(k->dst, k->dport)
				    : pkt_flow_endpoint_(k->src, k->sport) + pkt_flow_endpoint_(k->dst, k->dport);
	h = pkt_flow_mix_(h, (uint64_t)k->vlan << 16 | (uint64_t)k->proto << 8 | k->family);
	h ^= h >> 31;
	return (uint32_t)(h ^ (h >> 32));
}

#endif
