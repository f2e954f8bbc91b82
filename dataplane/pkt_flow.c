/* Flow keys and the symmetric flow hash. */
#include "pkt_flow.h"

#include "pkt_parse.h"

#include <string.h>

bool pkt_flow_key(const struct pkt_buf *p, struct pkt_flow_key *k)
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

bool pkt_flow_icmp_ports(uint8_t proto, uint8_t type, uint16_t id, uint16_t *sport, uint16_t *dport)
{
	/* the kind of query, 1..4, and whether this is the response */
	unsigned kind;
	bool response;
	if (proto == PKT_IPPROTO_ICMP) {
		switch (type) {
		case 8: case 0: kind = 1; response = type == 0; break;     /* echo */
		case 13: case 14: kind = 2; response = type == 14; break;  /* timestamp */
		case 15: case 16: kind = 3; response = type == 16; break;  /* information */
		case 17: case 18: kind = 4; response = type == 18; break;  /* address mask */
		default: return false;
		}
	} else if (proto == PKT_IPPROTO_ICMPV6 && (type == 128 || type == 129)) {
		kind = 1;
		response = type == 129;
	} else {
		return false;
	}
	*sport = response ? (uint16_t)kind : id;
	*dport = response ? id : (uint16_t)kind;
	return true;
}

void pkt_flow_key_reverse(const struct pkt_flow_key *k, struct pkt_flow_key *rev)
{
	*rev = *k;
	memcpy(rev->src, k->dst, 16);
	memcpy(rev->dst, k->src, 16);
	rev->sport = k->dport;
	rev->dport = k->sport;
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	return h;
}

static inline uint64_t rd64(const uint8_t *b)
{
	uint64_t v;
	memcpy(&v, b, 8);
	return v;
}

/* One endpoint (address and port) mixed to 64 bits. */
static inline uint64_t endpoint(const uint8_t *a, uint16_t port)
{
	uint64_t x = mix(0x243f6a8885a308d3ull ^ port, rd64(a));
	return mix(x, rd64(a + 8));
}

/* An IPv4 endpoint: the address's other 12 bytes are zero in a key, so one mix covers it. */
static inline uint64_t endpoint4(const uint8_t *a, uint16_t port)
{
	uint32_t v;
	memcpy(&v, a, 4);
	return mix(0x243f6a8885a308d3ull ^ port, v);
}

uint32_t pkt_flow_hash(const struct pkt_flow_key *k)
{
	/* The two endpoints' mixes are added, which does not care which comes first: both
	 * directions hash alike with no comparison. Then the rest of the key. Both directions
	 * have the same family, so IPv4's shorter mix keeps the symmetry. */
	uint64_t h = k->family == 4 ? endpoint4(k->src, k->sport) + endpoint4(k->dst, k->dport)
				    : endpoint(k->src, k->sport) + endpoint(k->dst, k->dport);
	h = mix(h, (uint64_t)k->vlan << 16 | (uint64_t)k->proto << 8 | k->family);
	h ^= h >> 31;
	return (uint32_t)(h ^ (h >> 32));
}
