/* IPv4 address translation (pkt_xlate.h) with incremental checksums (RFC 1624 eqn. 3).
 *
 * Every field is loaded and stored as it lies in memory (network order, by memcpy) and the
 * one's-complement arithmetic is done in that order: the sum is independent of byte order
 * (RFC 1071 2(B)), so no byte swaps are needed but the ports'. A 32-bit field (an address)
 * is summed as one 32-bit word, which is congruent modulo 0xffff to the sum of its two
 * 16-bit halves. A change is a delta, ~old + new, accumulated in 64 bits; a checksum takes
 * all of its deltas in one step, HC' = ~(~HC + sum of deltas), folded. The fold of a
 * non-zero sum is never 0, so the result is the same as RFC 1624's word-by-word updates:
 * -0 (0xffff) only when ~HC and every ~m and m' are 0.
 */
#include "pkt_xlate.h"

#include "ct.h"

#include "pkt_parse.h"

#include <string.h>

#define XL_ALWAYS_INLINE inline __attribute__((always_inline))

/* ICMP types with an identifier at 4: echo reply/request (0, 8), timestamp (13, 14),
 * information (15, 16), address mask (17, 18). */
#define XL_ICMP_QUERY_MASK ((1u << 0) | (1u << 8) | (1u << 13) | (1u << 14) | (1u << 15) | (1u << 16) | \
			     (1u << 17) | (1u << 18))
/* ICMP errors that quote a packet: unreachable, source quench, redirect, time exceeded,
 * parameter problem. */
#define XL_ICMP_ERROR_MASK ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 11) | (1u << 12))

static XL_ALWAYS_INLINE bool xl_icmp_is(uint8_t type, uint32_t mask) { return type < 32 && (mask >> type & 1u); }

static XL_ALWAYS_INLINE uint32_t xl_ld32(const uint8_t *b)
{
	uint32_t v;
	memcpy(&v, b, 4);
	return v;
}
static XL_ALWAYS_INLINE uint16_t xl_ld16(const uint8_t *b)
{
	uint16_t v;
	memcpy(&v, b, 2);
	return v;
}
static XL_ALWAYS_INLINE void xl_st32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }
static XL_ALWAYS_INLINE void xl_st16(uint8_t *b, uint16_t v) { memcpy(b, &v, 2); }
/* A host-order port as it lies in memory in network order. */
static XL_ALWAYS_INLINE uint16_t xl_net16(uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return xl_ld16(b);
}

/* RFC 1624 eqn. 3's ~m + m' for a 32-bit field and a 16-bit field (memory order). */
static XL_ALWAYS_INLINE uint64_t xl_csum_update32(uint32_t old, uint32_t new_) { return (uint64_t)(uint32_t)~old + new_; }
static XL_ALWAYS_INLINE uint64_t xl_csum_update16(uint16_t old, uint16_t new_)
{
	return (uint64_t)(uint16_t)~old + new_;
}
/* HC' = ~(~HC + delta), delta the sum of a few updates (below 2^63). The sum is folded to
 * 32 bits with the carry added back in, then to 16: t + (t rotated by 16) holds in its
 * upper half the sum of the halves with their carry added back in. */
static XL_ALWAYS_INLINE uint16_t xl_csum_apply(uint16_t csum, uint64_t delta)
{
	uint64_t s = (uint16_t)~csum + delta;
	uint32_t t;
	bool carry = __builtin_add_overflow((uint32_t)s, (uint32_t)(s >> 32), &t);
	t += carry;                 /* no second carry: t was at most 2^32 - 2^31 */
	t += t >> 16 | t << 16;
	return (uint16_t)~(t >> 16);
}
/* The same for UDP over IPv4: 0 (no checksum) stays 0, and 0 is sent as 0xffff. */
static XL_ALWAYS_INLINE uint16_t xl_csum_apply_udp(uint16_t csum, uint64_t delta)
{
	if (csum == 0)
		return 0;
	uint16_t c = xl_csum_apply(csum, delta);
	return c ? c : 0xffff;   /* 0 and 0xffff read the same in either byte order */
}

enum { XL_SRC = 1, XL_DST = 2 };

/* The one body of src, dst and both: which is a constant in each, so each is its own
 * straight line. */
static XL_ALWAYS_INLINE void xlate(struct pkt_buf *p, unsigned which, const uint8_t *src, uint16_t sport,
					const uint8_t *dst, uint16_t dport)
{
	/* the metadata read once, before the packet's bytes are written (which may alias it) */
	const struct pkt_meta *m = &p->meta;
	uint8_t flags = m->flags, proto = m->l4proto;
	if (m->l3 != PKT_L3_IPV4 || !(flags & PKT_F_PARSED))
		return;
	uint8_t *ip = p->data + m->l3_off, *l4 = p->data + m->l4_off;
	uint64_t d = 0;
	if (which & XL_SRC) {
		uint32_t n = xl_ld32(src);
		d += xl_csum_update32(xl_ld32(ip + 12), n);
		xl_st32(ip + 12, n);
	}
	if (which & XL_DST) {
		uint32_t n = xl_ld32(dst);
		d += xl_csum_update32(xl_ld32(ip + 16), n);
		xl_st32(ip + 16, n);
	}
	xl_st16(ip + 10, xl_csum_apply(xl_ld16(ip + 10), d));

	/* pkt_parse() never sets PKT_F_L4 on a later fragment; the mask says so anyway */
	if ((flags & (PKT_F_L4 | PKT_F_FRAG_NF)) != PKT_F_L4)
		return;
	switch (proto) {
	case PKT_IPPROTO_TCP:
	case PKT_IPPROTO_UDP: {
		/* the pseudo-header's addresses (d) and the ports */
		if (which & XL_SRC) {
			uint16_t n = xl_net16(sport);
			d += xl_csum_update16(xl_ld16(l4), n);
			xl_st16(l4, n);
		}
		if (which & XL_DST) {
			uint16_t n = xl_net16(dport);
			d += xl_csum_update16(xl_ld16(l4 + 2), n);
			xl_st16(l4 + 2, n);
		}
		if (proto == PKT_IPPROTO_TCP)
			xl_st16(l4 + 16, xl_csum_apply(xl_ld16(l4 + 16), d));
		else
			xl_st16(l4 + 6, xl_csum_apply_udp(xl_ld16(l4 + 6), d));
		break;
	}
	case PKT_IPPROTO_ICMP:
		/* no pseudo-header: only the identifier counts */
		if (xl_icmp_is(l4[0], XL_ICMP_QUERY_MASK)) {
			uint16_t n = xl_net16((which & XL_SRC) ? sport : dport);
			uint64_t di = xl_csum_update16(xl_ld16(l4 + 4), n);
			xl_st16(l4 + 4, n);
			xl_st16(l4 + 2, xl_csum_apply(xl_ld16(l4 + 2), di));
		}
		break;
	default:
		break;
	}
}

void pkt_xlate_src(struct pkt_buf *p, const uint8_t addr[4], uint16_t port)
{
	xlate(p, XL_SRC, addr, port, NULL, 0);
}

void pkt_xlate_dst(struct pkt_buf *p, const uint8_t addr[4], uint16_t port)
{
	xlate(p, XL_DST, NULL, 0, addr, port);
}

void pkt_xlate_both(struct pkt_buf *p, const uint8_t src[4], uint16_t sport, const uint8_t dst[4], uint16_t dport)
{
	xlate(p, XL_SRC | XL_DST, src, sport, dst, dport);
}

/* Writes a 32-bit field and returns its update. */
static inline uint64_t xl_put32(uint8_t *at, const uint8_t v[4])
{
	uint32_t n = xl_ld32(v);
	uint64_t d = xl_csum_update32(xl_ld32(at), n);
	xl_st32(at, n);
	return d;
}

/* Writes a 16-bit field (memory order) and returns its update. */
static inline uint64_t xl_put16(uint8_t *at, uint16_t n)
{
	uint64_t d = xl_csum_update16(xl_ld16(at), n);
	xl_st16(at, n);
	return d;
}

bool pkt_xlate_icmp_error(struct pkt_buf *p, const struct pkt_xlate_icmp *x)
{
	enum { ICMP_HLEN = 8, IP4_HLEN = 20, QUOTE_L4 = 8 };
	const struct pkt_meta *m = &p->meta;
	if ((m->flags & (PKT_F_PARSED | PKT_F_L4 | PKT_F_FRAG_NF)) != (PKT_F_PARSED | PKT_F_L4) ||
	    m->l3 != PKT_L3_IPV4 || m->l4proto != PKT_IPPROTO_ICMP)
		return false;
	uint8_t *ip = p->data + m->l3_off, *icmp = p->data + m->l4_off;
	if (!xl_icmp_is(icmp[0], XL_ICMP_ERROR_MASK))
		return false;
	/* the quote: its IPv4 header (its own IHL) and 8 bytes of transport header, within
	 * the datagram (l3_end, not the Ethernet padding after it) */
	uint32_t qoff = (uint32_t)m->l4_off + ICMP_HLEN;
	if (qoff + IP4_HLEN > m->l3_end)
		return false;
	uint8_t *q = icmp + ICMP_HLEN;
	uint32_t qhl = (uint32_t)(q[0] & 0x0f) * 4;
	if ((q[0] >> 4) != 4 || qhl < IP4_HLEN || qoff + qhl + QUOTE_L4 > m->l3_end)
		return false;
	uint32_t qt_avail = m->l3_end - qoff - qhl;  /* bytes of the quoted transport header */
	uint8_t *qt = q + qhl;

	/* the outer header: its checksum only (ICMP has no pseudo-header) */
	uint64_t d = 0;
	if (xl_ld32(ip + 12) == xl_ld32(x->outer_src_match))
		d += xl_put32(ip + 12, x->outer_src);
	d += xl_put32(ip + 16, x->outer_dst);
	xl_st16(ip + 10, xl_csum_apply(xl_ld16(ip + 10), d));

	/* the quoted header: its addresses and its checksum, all inside the ICMP message */
	uint64_t da = xl_put32(q + 12, x->in_src);
	da += xl_put32(q + 16, x->in_dst);
	uint64_t dm = da + xl_put16(q + 10, xl_csum_apply(xl_ld16(q + 10), da));

	/* the quoted transport header, unless the quote is of a later fragment */
	if (!(pkt_rd16(q + 6) & 0x1fff)) {
		switch (q[9]) {
		case PKT_IPPROTO_TCP:
		case PKT_IPPROTO_UDP: {
			uint64_t dp = xl_put16(qt, xl_net16(x->in_sport));
			dp += xl_put16(qt + 2, xl_net16(x->in_dport));
			dm += dp;
			if (q[9] == PKT_IPPROTO_UDP)
				dm += xl_put16(qt + 6, xl_csum_apply_udp(xl_ld16(qt + 6), da + dp));
			else if (qt_avail >= 18)
				dm += xl_put16(qt + 16, xl_csum_apply(xl_ld16(qt + 16), da + dp));
			break;
		}
		case PKT_IPPROTO_ICMP:
			if (xl_icmp_is(qt[0], XL_ICMP_QUERY_MASK)) {
				uint64_t di = xl_put16(qt + 4, xl_net16(x->in_sport));
				dm += di + xl_put16(qt + 2, xl_csum_apply(xl_ld16(qt + 2), di));
			}
			break;
		default:
			break;
		}
	}
	xl_st16(icmp + 2, xl_csum_apply(xl_ld16(icmp + 2), dm));
	return true;
}

bool pkt_xlate_icmp_related(struct pkt_buf *p, const struct ct_entry *e, unsigned dir)
{
	struct ct_nat_tuple r;
	ct_nat_reply(e, &r);
	const struct pkt_flow_key *o = &e->key;
	struct pkt_xlate_icmp x;
	if (dir) {
		/* the quote is a packet the opener sent, as it left translated */
		memcpy(x.in_src, o->src, 4);
		memcpy(x.in_dst, o->dst, 4);
		x.in_sport = o->sport;
		x.in_dport = o->dport;
		memcpy(x.outer_dst, o->src, 4);
		memcpy(x.outer_src_match, r.src, 4);
		memcpy(x.outer_src, o->dst, 4);
	} else {
		/* the quote is a reply, as the opener's side got it */
		memcpy(x.in_src, r.src, 4);
		memcpy(x.in_dst, r.dst, 4);
		x.in_sport = o->proto == PKT_IPPROTO_ICMP ? r.dport : r.sport;  /* a response's identifier */
		x.in_dport = r.dport;
		memcpy(x.outer_dst, r.src, 4);
		memcpy(x.outer_src_match, o->src, 4);
		memcpy(x.outer_src, r.dst, 4);
	}
	return pkt_xlate_icmp_error(p, &x);
}
