/* Header parsers. Each function checks the length it needs before it reads. */
#include "pkt_parse.h"

#include "pkt_csum.h"

#define PKT_PARSE_NAME(id, str) str,
const char *const pkt_parse_reason_names[PKT_PARSE__COUNT] = { PKT_PARSE_REASONS(PKT_PARSE_NAME) };
#undef PKT_PARSE_NAME

enum { ETH_HLEN = 14, VLAN_HLEN = 4, IP4_HLEN = 20, IP6_HLEN = 40, TCP_HLEN = 20, UDP_HLEN = 8,
       ICMP_HLEN = 8 };

static inline __attribute__((always_inline)) enum pkt_parse_result parse_l4(struct pkt_buf *p, uint16_t off, uint16_t end, uint8_t proto)
{
	const uint8_t *l4 = p->data + off;
	uint32_t avail = (uint32_t)end - off;
	p->meta.l4_off = off;
	p->meta.l4proto = proto;
	switch (proto) {
	case PKT_IPPROTO_TCP: {
		if (avail < TCP_HLEN)
			return PKT_PARSE_TCP_TRUNC;
		uint32_t doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < TCP_HLEN || doff > avail)
			return PKT_PARSE_TCP_DATA_OFF;
		break;
	}
	case PKT_IPPROTO_UDP: {
		if (avail < UDP_HLEN)
			return PKT_PARSE_UDP_TRUNC;
		uint16_t ulen = pkt_rd16(l4 + 4);
		/* a first fragment carries the header of a datagram longer than itself */
		if (ulen < UDP_HLEN || (ulen > avail && !(p->meta.flags & PKT_F_FRAG)))
			return PKT_PARSE_UDP_LEN;
		break;
	}
	case PKT_IPPROTO_ICMP:
		if (avail < ICMP_HLEN)
			return PKT_PARSE_ICMP_TRUNC;
		break;
	case PKT_IPPROTO_ICMPV6:
		if (avail < ICMP_HLEN)
			return PKT_PARSE_ICMP6_TRUNC;
		break;
	default:
		return PKT_PARSE_OK;
	}
	p->meta.flags |= PKT_F_L4;
	return PKT_PARSE_OK;
}

/* A fragment whose first bytes cannot hold the transport header it announces is left
 * without PKT_F_L4 instead of failing: whether to accept tiny fragments is policy. */
static inline __attribute__((always_inline)) enum pkt_parse_result parse_l4_first_frag(struct pkt_buf *p, uint16_t off, uint16_t end,
						 uint8_t proto)
{
	enum pkt_parse_result r = parse_l4(p, off, end, proto);
	if (r != PKT_PARSE_OK && (p->meta.flags & PKT_F_FRAG))
		return PKT_PARSE_OK;
	return r;
}

static enum pkt_parse_result ip4_options(const uint8_t *opt, uint32_t len)
{
	uint32_t i = 0;
	while (i < len) {
		uint8_t type = opt[i];
		if (type == 0) /* end of option list */
			return PKT_PARSE_OK;
		if (type == 1) { /* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return PKT_PARSE_IP4_OPTIONS;
		i += opt[i + 1];
	}
	return PKT_PARSE_OK;
}

static inline __attribute__((always_inline)) enum pkt_parse_result parse_ip4(struct pkt_buf *p, uint16_t off)
{
	const uint8_t *ip = p->data + off;
	uint32_t avail = (uint32_t)p->len - off;
	if (avail < IP4_HLEN)
		return PKT_PARSE_IP4_TRUNC;
	if ((ip[0] >> 4) != 4)
		return PKT_PARSE_IP4_VERSION;
	uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hlen < IP4_HLEN || hlen > avail)
		return PKT_PARSE_IP4_HDR_LEN;
	uint32_t tot = pkt_rd16(ip + 2);
	if (tot < hlen || tot > avail)
		return PKT_PARSE_IP4_TOTAL_LEN;
	if (!(p->ol_flags & PKT_OL_IP4_CSUM_GOOD) && !pkt_ip4_hdr_ok(ip, hlen))
		return PKT_PARSE_IP4_CSUM;
	p->meta.l3_end = (uint16_t)(off + tot);
	p->meta.l4proto = ip[9];
	if (hlen > IP4_HLEN) {
		p->meta.flags |= PKT_F_IP_OPTS;
		enum pkt_parse_result r = ip4_options(ip + IP4_HLEN, hlen - IP4_HLEN);
		if (r != PKT_PARSE_OK)
			return r;
	}
	uint16_t frag = pkt_rd16(ip + 6);
	if (frag & 0x3fff) { /* MF set or offset non-zero */
		p->meta.flags |= PKT_F_FRAG;
		if (frag & 0x1fff) {
			p->meta.flags |= PKT_F_FRAG_NF;
			p->meta.l4_off = (uint16_t)(off + hlen);
			return PKT_PARSE_OK;
		}
	}
	return parse_l4_first_frag(p, (uint16_t)(off + hlen), p->meta.l3_end, ip[9]);
}

static enum pkt_parse_result parse_ip6(struct pkt_buf *p, uint16_t off)
{
	const uint8_t *ip = p->data + off;
	uint32_t avail = (uint32_t)p->len - off;
	if (avail < IP6_HLEN)
		return PKT_PARSE_IP6_TRUNC;
	if ((ip[0] >> 4) != 6)
		return PKT_PARSE_IP6_VERSION;
	uint32_t plen = pkt_rd16(ip + 4);
	if (plen == 0 || plen > avail - IP6_HLEN)
		return PKT_PARSE_IP6_PAYLOAD_LEN;
	uint16_t end = (uint16_t)(off + IP6_HLEN + plen);
	p->meta.l3_end = end;

	uint8_t nh = ip[6];
	uint32_t cur = off + IP6_HLEN;
	for (unsigned depth = 0;; depth++) {
		const uint8_t *h = p->data + cur;
		uint32_t hl;
		switch (nh) {
		case 0:  /* Hop-by-Hop options */
			if (depth != 0)
				return PKT_PARSE_IP6_EXT_ORDER;
			/* fall through */
		case 43: /* Routing */
		case 60: /* Destination options */
			if (end - cur < 8)
				return PKT_PARSE_IP6_EXT_TRUNC;
			hl = ((uint32_t)h[1] + 1) * 8;
			break;
		case 51: /* Authentication header: length in 4-octet units minus 2 */
			if (end - cur < 8)
				return PKT_PARSE_IP6_EXT_TRUNC;
			hl = ((uint32_t)h[1] + 2) * 4;
			break;
		case 44: { /* Fragment */
			if (end - cur < 8)
				return PKT_PARSE_IP6_EXT_TRUNC;
			uint16_t fo = pkt_rd16(h + 2);
			p->meta.flags |= PKT_F_IP_OPTS;
			if (fo & 0xfff9) { /* offset or M set: a real fragment (RFC 6946) */
				p->meta.flags |= PKT_F_FRAG;
				if (fo & 0xfff8) {
					p->meta.flags |= PKT_F_FRAG_NF;
					p->meta.l4proto = h[0];
					p->meta.l4_off = (uint16_t)(cur + 8);
					return PKT_PARSE_OK;
				}
			}
			hl = 8;
			break;
		}
		default: /* a transport, ESP, No Next Header, or unknown: the walk ends */
			return parse_l4_first_frag(p, (uint16_t)cur, end, nh);
		}
		if (depth >= PKT_IP6_MAX_EXT)
			return PKT_PARSE_IP6_EXT_DEPTH;
		if (hl > end - cur)
			return PKT_PARSE_IP6_EXT_TRUNC;
		p->meta.flags |= PKT_F_IP_OPTS;
		nh = h[0];
		cur += hl;
	}
}

static enum pkt_parse_result parse_arp(struct pkt_buf *p, uint16_t off)
{
	const uint8_t *a = p->data + off;
	uint32_t avail = (uint32_t)p->len - off;
	if (avail < 8)
		return PKT_PARSE_ARP_TRUNC;
	uint32_t need = 8 + 2 * ((uint32_t)a[4] + a[5]);
	if (need > avail)
		return PKT_PARSE_ARP_TRUNC;
	p->meta.l3_end = (uint16_t)(off + need);
	return PKT_PARSE_OK;
}

/* Most frames: untagged Ethernet, IPv4 without options, not a fragment, a whole TCP or UDP
 * header. The same checks as the full walk, in one pass, and the metadata written at once;
 * false for anything else (p untouched), which the full walk then takes from the start. */
static inline __attribute__((always_inline)) bool parse_common(struct pkt_buf *p)
{
	const uint8_t *d = p->data, *ip = d + ETH_HLEN, *l4 = ip + IP4_HLEN;
	uint32_t len = p->len;
	if (len < ETH_HLEN + IP4_HLEN + UDP_HLEN || pkt_rd16(d + 12) != PKT_ETH_P_IPV4 || ip[0] != 0x45)
		return false;
	uint32_t tot = pkt_rd16(ip + 2);
	if (tot < IP4_HLEN || tot > len - ETH_HLEN || (pkt_rd16(ip + 6) & 0x3fff) ||
	    (!(p->ol_flags & PKT_OL_IP4_CSUM_GOOD) && !pkt_ip4_hdr_ok(ip, IP4_HLEN)))
		return false;
	uint32_t avail = tot - IP4_HLEN;
	uint8_t proto = ip[9];
	if (proto == PKT_IPPROTO_UDP) {
		uint32_t ulen = pkt_rd16(l4 + 4);
		if (avail < UDP_HLEN || ulen < UDP_HLEN || ulen > avail)
			return false;
	} else if (proto == PKT_IPPROTO_TCP) {
		if (avail < TCP_HLEN || (uint32_t)(l4[12] >> 4) * 4 < TCP_HLEN || (uint32_t)(l4[12] >> 4) * 4 > avail)
			return false;
	} else {
		return false;
	}
	p->meta = (struct pkt_meta){
		.l3_off = ETH_HLEN, .l4_off = ETH_HLEN + IP4_HLEN, .l3_end = (uint16_t)(ETH_HLEN + tot),
		.ethertype = PKT_ETH_P_IPV4, .l3 = PKT_L3_IPV4, .l4proto = proto, .flags = PKT_F_PARSED | PKT_F_L4,
	};
	return true;
}

enum pkt_parse_result pkt_parse(struct pkt_buf *p)
{
	if (parse_common(p))
		return PKT_PARSE_OK;
	return pkt_parse_full(p);
}

enum pkt_parse_result pkt_parse_full(struct pkt_buf *p)
{
	struct pkt_meta *m = &p->meta;
	m->l3_off = m->l4_off = m->l3_end = 0;
	m->vlan = m->inner_vlan = 0;
	m->n_vlan = 0;
	m->l3 = PKT_L3_NONE;
	m->l4proto = 0;
	m->flags = 0;
	m->ethertype = 0;

	if (p->len < ETH_HLEN)
		return PKT_PARSE_ETH_TRUNC;
	uint16_t off = 12;
	uint16_t type = pkt_rd16(p->data + off);
	while (type == PKT_ETH_P_VLAN || type == PKT_ETH_P_QINQ) {
		if (m->n_vlan == 2)
			return PKT_PARSE_VLAN_DEPTH;
		if ((uint32_t)off + 2 + VLAN_HLEN > p->len)
			return PKT_PARSE_VLAN_TRUNC;
		uint16_t tci = pkt_rd16(p->data + off + 2);
		if (m->n_vlan == 0)
			m->vlan = tci;
		else
			m->inner_vlan = tci;
		m->n_vlan++;
		off += VLAN_HLEN;
		type = pkt_rd16(p->data + off);
	}
	off += 2;
	m->ethertype = type;
	m->l3_off = off;

	enum pkt_parse_result r;
	switch (type) {
	case PKT_ETH_P_IPV4:
		m->l3 = PKT_L3_IPV4;
		r = parse_ip4(p, off);
		break;
	case PKT_ETH_P_IPV6:
		m->l3 = PKT_L3_IPV6;
		r = parse_ip6(p, off);
		break;
	case PKT_ETH_P_ARP:
		m->l3 = PKT_L3_ARP;
		r = parse_arp(p, off);
		break;
	default:
		m->l3 = PKT_L3_OTHER;
		r = PKT_PARSE_OK;
		break;
	}
	if (r == PKT_PARSE_OK)
		m->flags |= PKT_F_PARSED;
	else
		m->flags &= (uint8_t)~PKT_F_L4;
	return r;
}

static void parse_process(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	(void)ctx;
	(void)w;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			__builtin_prefetch(pkts[i + 1]->data);
		enum pkt_parse_result r = pkt_parse(pkts[i]);
		if (r != PKT_PARSE_OK)
			pkt_drop(pkts[i], (uint16_t)r);
	}
}

const struct pkt_stage_def pkt_parse_stage = {
	.name = "parse",
	.reasons = pkt_parse_reason_names,
	.n_reasons = PKT_PARSE__COUNT,
	.process = parse_process,
};

bool pkt_l2_resize(struct pkt_buf *p, uint16_t l2_len)
{
	struct pkt_meta *m = &p->meta;
	if (!(m->flags & PKT_F_PARSED) || l2_len < ETH_HLEN || m->l3_off < ETH_HLEN)
		return false;
	int delta = (int)l2_len - (int)m->l3_off;
	if (delta > 0 ? !pkt_prepend(p, (uint16_t)delta) : !pkt_adj(p, (uint16_t)-delta))
		return false;
	/* the innermost ether type ends the new header; the addresses and tag are the caller's */
	pkt_wr16(p->data + l2_len - 2, m->ethertype);
	m->l3_off = l2_len;
	if (m->l4_off)
		m->l4_off = (uint16_t)(m->l4_off + delta);
	if (m->l3_end)
		m->l3_end = (uint16_t)(m->l3_end + delta);
	m->n_vlan = l2_len > ETH_HLEN;
	m->vlan = m->inner_vlan = 0;
	if (p->len < 60) {
		uint16_t pad = (uint16_t)(60 - p->len);
		uint8_t *tail = pkt_append(p, pad);
		if (tail)
			memset(tail, 0, pad);
	}
	return true;
}

bool pkt_l4_csum_ok(const struct pkt_buf *p)
{
	const struct pkt_meta *m = &p->meta;
	const uint8_t *ip = p->data + m->l3_off, *l4 = p->data + m->l4_off;
	uint16_t len = (uint16_t)(m->l3_end - m->l4_off);
	bool v4 = m->l3 == PKT_L3_IPV4;
	uint8_t proto = m->l4proto;
	switch (proto) {
	case PKT_IPPROTO_UDP:
		if (v4 && !pkt_rd16(l4 + 6))
			return true;
		break;
	case PKT_IPPROTO_TCP:
		break;
	case PKT_IPPROTO_ICMP:
		return !v4 || pkt_csum_fold64(pkt_csum_add64(0, l4, len)) == 0xffff;
	case PKT_IPPROTO_ICMPV6:
		if (v4)
			return true;
		break;
	default:
		return true;
	}
	/* the pseudo-header: the addresses (next to each other in both headers), the
	 * protocol and the length, the last two as big-endian words */
	uint64_t acc = ((uint64_t)proto << 8) + (uint16_t)(len << 8 | len >> 8);
	acc = v4 ? pkt_csum_add64(acc, ip + 12, 8) : pkt_csum_add64(acc, ip + 8, 32);
	return pkt_csum_fold64(pkt_csum_add64(acc, l4, len)) == 0xffff;
}

bool pkt_l4_csum_partial(const struct pkt_buf *p)
{
	const struct pkt_meta *m = &p->meta;
	const uint8_t *ip = p->data + m->l3_off, *l4 = p->data + m->l4_off;
	uint16_t len = (uint16_t)(m->l3_end - m->l4_off);
	unsigned off = m->l4proto == PKT_IPPROTO_TCP ? 16 : m->l4proto == PKT_IPPROTO_UDP ? 6 : 0;
	if (!off || off + 2u > len)
		return false;
	uint32_t sum = m->l3 == PKT_L3_IPV4 ? pkt_csum_pseudo4(ip + 12, ip + 16, m->l4proto, len)
					    : pkt_csum_pseudo6(ip + 8, ip + 24, m->l4proto, len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return pkt_rd16(l4 + off) == sum;
}
