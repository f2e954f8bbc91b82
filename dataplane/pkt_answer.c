/* The answers written over the packet they answer (pkt_answer.h). */
#include "pkt_answer.h"

#include "pkt_csum.h"
#include "pkt_parse.h"

#include <string.h>

#define V4_QUOTE_MAX (576 - 20 - 8)
#define V6_QUOTE_MAX (1280 - 40 - 8)

static bool v4_special(const uint8_t *a)
{
	return a[0] >= 224 || (a[0] == 0);   /* multicast, reserved, broadcast, "this network" */
}

static bool v6_special(const uint8_t *a)
{
	static const uint8_t zero[16];
	return a[0] == 0xff || !memcmp(a, zero, 16);
}

static void swap_macs(uint8_t *eth)
{
	uint8_t t[6];
	memcpy(t, eth, 6);
	memcpy(eth, eth + 6, 6);
	memcpy(eth + 6, t, 6);
}

static void ip4_header(uint8_t *ip, uint16_t total, uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	pkt_wr16(ip + 2, total);
	pkt_wr16(ip + 6, 0x4000);           /* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	pkt_wr16(ip + 10, pkt_csum(ip, 20));
}

static void ip6_header(uint8_t *ip, uint16_t payload, uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	memset(ip, 0, 8);
	ip[0] = 0x60;
	pkt_wr16(ip + 4, payload);
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* The answer's length, padded to the Ethernet minimum with zeros. The device's receive
 * verdicts (ol_flags) were for the packet it replaces: they go. */
static void set_len(struct pkt_buf *p, uint32_t len)
{
	p->ol_flags = 0;
	if (len < 60) {
		memset(p->data + len, 0, 60 - len);
		len = 60;
	}
	p->len = (uint16_t)len;
}

static bool tcp_reset(struct pkt_buf *p, bool v6)
{
	const struct pkt_meta *m = &p->meta;
	uint8_t *ip = p->data + m->l3_off;
	const uint8_t *th = p->data + m->l4_off;
	uint8_t flags = th[13];
	if (flags & 0x04)
		return false;                   /* never answer a reset */
	uint8_t src[16], dst[16];
	unsigned alen = v6 ? 16 : 4;
	memcpy(src, ip + (v6 ? 8 : 12), alen);
	memcpy(dst, ip + (v6 ? 24 : 16), alen);
	uint16_t sport = pkt_rd16(th), dport = pkt_rd16(th + 2);
	uint32_t seq = pkt_rd32(th + 4), ack = pkt_rd32(th + 8);
	uint32_t seglen = (uint32_t)(m->l3_end - m->l4_off) - (uint32_t)(th[12] >> 4) * 4;
	seglen += !!(flags & 0x02) + !!(flags & 0x01);
	if (p->buf_len - (uint32_t)(p->data - p->buf) < (uint32_t)m->l3_off + 60u)
		return false;

	swap_macs(p->data);
	uint8_t *t = ip + (v6 ? 40 : 20);
	memset(t, 0, 20);
	pkt_wr16(t, dport);
	pkt_wr16(t + 2, sport);
	if (flags & 0x10) {
		pkt_wr32(t + 4, ack);
		t[13] = 0x04;                   /* RST */
	} else {
		pkt_wr32(t + 8, seq + seglen);
		t[13] = 0x14;                   /* RST, ACK */
	}
	t[12] = 5 << 4;
	if (v6) {
		ip6_header(ip, 20, 6, dst, src);
		pkt_wr16(t + 16, pkt_l4_csum6(ip, t, 20, 6, 16));
	} else {
		ip4_header(ip, 40, 6, dst, src);
		pkt_wr16(t + 16, pkt_l4_csum4(ip, t, 20, 16));
	}
	set_len(p, (uint32_t)(t + 20 - p->data));
	return true;
}

static bool icmp_error(struct pkt_buf *p, bool v6, uint8_t type, uint8_t code, uint32_t info, const uint8_t *from)
{
	const struct pkt_meta *m = &p->meta;
	uint16_t l2 = m->l3_off;
	unsigned hdr = v6 ? 48 : 28;
	uint32_t quote = (uint32_t)(m->l3_end - m->l3_off);
	uint32_t max = v6 ? V6_QUOTE_MAX : V4_QUOTE_MAX;
	if (quote > max)
		quote = max;
	const uint8_t *oip = p->data + l2;
	uint8_t src[16], dst[16];
	unsigned alen = v6 ? 16 : 4;
	memcpy(src, oip + (v6 ? 8 : 12), alen);
	memcpy(dst, from ? from : oip + (v6 ? 24 : 16), alen);
	if (!pkt_prepend(p, (uint16_t)hdr))
		return false;
	memmove(p->data, p->data + hdr, l2);
	swap_macs(p->data);
	uint8_t *ip = p->data + l2;
	uint8_t *icmp = ip + (v6 ? 40 : 20);
	uint16_t icmp_len = (uint16_t)(8 + quote);
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	pkt_wr32(icmp + 4, info);
	if (v6) {
		ip6_header(ip, icmp_len, 58, dst, src);
		pkt_wr16(icmp + 2, pkt_l4_csum6(ip, icmp, icmp_len, 58, 2));
	} else {
		ip4_header(ip, (uint16_t)(20 + icmp_len), 1, dst, src);
		pkt_wr16(icmp + 2, pkt_csum(icmp, icmp_len));
	}
	set_len(p, (uint32_t)(icmp + icmp_len - p->data));
	return true;
}

/* RFC 1122 3.2.2, RFC 4443 2.4(e): what is never answered with an error */
bool pkt_answer_ok(const struct pkt_buf *p)
{
	const struct pkt_meta *m = &p->meta;
	if (!(m->flags & PKT_F_PARSED) || (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6) || (m->flags & PKT_F_FRAG_NF))
		return false;
	bool v6 = m->l3 == PKT_L3_IPV6;
	const uint8_t *ip = p->data + m->l3_off;
	if (v6 ? (v6_special(ip + 8) || v6_special(ip + 24)) : (v4_special(ip + 12) || v4_special(ip + 16)))
		return false;
	if (p->data[0] & 1)
		return false;                   /* sent to a multicast or broadcast MAC */
	bool l4 = m->flags & PKT_F_L4;
	if (l4 && m->l4proto == (v6 ? PKT_IPPROTO_ICMPV6 : PKT_IPPROTO_ICMP)) {
		uint8_t type = p->data[m->l4_off];
		bool error = v6 ? type < 128 : (type == 3 || type == 4 || type == 5 || type == 11 || type == 12);
		if (error)
			return false;           /* never answer an error with an error */
	}
	return true;
}

bool pkt_answer_icmp(struct pkt_buf *p, uint8_t type, uint8_t code, uint32_t info, const uint8_t *src)
{
	return pkt_answer_ok(p) && icmp_error(p, p->meta.l3 == PKT_L3_IPV6, type, code, info, src);
}

bool pkt_answer_reset(struct pkt_buf *p)
{
	const struct pkt_meta *m = &p->meta;
	if (!pkt_answer_ok(p) || !(m->flags & PKT_F_L4) || m->l4proto != PKT_IPPROTO_TCP)
		return false;
	return tcp_reset(p, m->l3 == PKT_L3_IPV6);
}
