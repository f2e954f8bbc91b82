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

/* IPv4: each endpoint is its address and port in 48 bits; the two are put in order (the
 * smaller first), which both directions share, then mixed with the rest of the key. src
 * and dst are the addresses' 4 bytes as they lie in memory. */
static inline uint32_t pkt_flow_hash4_(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t rest)
{
	uint64_t a = (uint64_t)src << 16 | sport, b = (uint64_t)dst << 16 | dport;
	uint64_t lo = a < b ? a : b, hi = a ^ b ^ lo;
	uint64_t h = (lo ^ (uint64_t)rest << 36) * 0x9e3779b97f4a7c15ull ^ hi;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t pkt_flow_rest_(uint16_t vlan, uint8_t proto, uint8_t family)
{
	return (uint32_t)vlan << 16 | (uint32_t)proto << 8 | family;
}

static inline uint32_t pkt_flow_hash(const struct pkt_flow_key *k)
{
	uint32_t rest = pkt_flow_rest_(k->vlan, k->proto, k->family);
	if (k->family == 4) {
		uint32_t s, d;
		memcpy(&s, k->src, 4);
		memcpy(&d, k->dst, 4);
		return pkt_flow_hash4_(s, k->sport, d, k->dport, rest);
	}
	/* IPv6: the two endpoints' mixes are added, which does not care which comes first */
	uint64_t h = pkt_flow_endpoint_(k->src, k->sport) + pkt_flow_endpoint_(k->dst, k->dport);
	h = pkt_flow_mix_(h, rest);
	h ^= h >> 31;
	return (uint32_t)(h ^ (h >> 32));
}

/* pkt_flow_key and pkt_flow_hash at once, for most of the traffic: IPv4 with its whole TCP
 * or UDP header and not a fragment. false for anything else (k and *hash untouched): ask
 * the two. */
static inline bool pkt_flow_key_hash4(const struct pkt_buf *p, uint16_t vlan_mask, struct pkt_flow_key *k,
				      uint32_t *hash)
{
	const struct pkt_meta *m = &p->meta;
	if ((m->flags & (PKT_F_PARSED | PKT_F_FRAG | PKT_F_L4)) != (PKT_F_PARSED | PKT_F_L4) ||
	    m->l3 != PKT_L3_IPV4 || (m->l4proto != PKT_IPPROTO_TCP && m->l4proto != PKT_IPPROTO_UDP))
		return false;
	const uint8_t *ip = p->data + m->l3_off, *l4 = p->data + m->l4_off;
	uint32_t s, d;
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	uint16_t sport = pkt_rd16(l4), dport = pkt_rd16(l4 + 2);
	uint16_t vlan = m->n_vlan ? (uint16_t)(m->vlan & vlan_mask) : 0;
	*k = (struct pkt_flow_key){ .sport = sport, .dport = dport, .vlan = vlan, .proto = m->l4proto, .family = 4 };
	memcpy(k->src, &s, 4);
	memcpy(k->dst, &d, 4);
	*hash = pkt_flow_hash4_(s, sport, d, dport, pkt_flow_rest_(vlan, m->l4proto, 4));
	return true;
}

#endif
