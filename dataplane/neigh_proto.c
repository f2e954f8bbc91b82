/* ARP (RFC 826) and IPv6 neighbour discovery (RFC 4861): reading solicitations and
 * answers, writing our answers in place and our requests into fresh buffers. */
#include "neigh.h"

#include "pkt_csum.h"
#include "pkt_parse.h"

#include <string.h>

#define ICMP6_NS 135
#define ICMP6_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int arp_read(const struct pkt_buf *p, struct nb_msg *m)
{
	const uint8_t *a = p->data + p->meta.l3_off;
	if ((uint32_t)p->meta.l3_off + 28 > p->len || pkt_rd16(a) != 1 || pkt_rd16(a + 2) != 0x0800 || a[4] != 6 ||
	    a[5] != 4)
		return NB_MSG_NONE;
	uint16_t op = pkt_rd16(a + 6);
	if (op != 1 && op != 2)
		return NB_MSG_NONE;
	m->kind = op == 1 ? NB_MSG_ARP_REQUEST : NB_MSG_ARP_REPLY;
	m->family = 4;
	m->has_mac = true;
	memcpy(m->mac, a + 8, 6);
	memcpy(m->sender_ip, a + 14, 4);
	memcpy(m->target_ip, a + 24, 4);
	/* a sender claiming a broadcast or multicast link address is lying */
	if (m->mac[0] & 1)
		m->has_mac = false;
	return m->kind;
}

static int nd_read(const struct pkt_buf *p, struct nb_msg *m)
{
	const struct pkt_meta *pm = &p->meta;
	if (!(pm->flags & PKT_F_L4) || pm->l4proto != PKT_IPPROTO_ICMPV6)
		return NB_MSG_NONE;
	const uint8_t *ip = p->data + pm->l3_off, *icmp = p->data + pm->l4_off;
	uint32_t len = (uint32_t)(pm->l3_end - pm->l4_off);
	uint8_t type = icmp[0];
	if ((type != ICMP6_NS && type != ICMP6_NA) || len < 24 || icmp[1] != 0 || ip[7] != 255)
		return NB_MSG_NONE;
	if (!pkt_l4_csum_ok(p))
		return NB_MSG_NONE;
	if (icmp[8] == 0xff)
		return NB_MSG_NONE;             /* a multicast target */
	m->kind = type == ICMP6_NS ? NB_MSG_NS : NB_MSG_NA;
	m->family = 6;
	m->has_mac = false;
	memcpy(m->sender_ip, ip + 8, 16);
	memcpy(m->target_ip, icmp + 8, 16);
	/* options: type, length in 8-byte units (never 0), within the message */
	for (uint32_t off = 24; off < len;) {
		if (len - off < 2 || icmp[off + 1] == 0 || (uint32_t)icmp[off + 1] * 8 > len - off)
			return NB_MSG_NONE;
		uint8_t ot = icmp[off];
		if (icmp[off + 1] == 1 && ((type == ICMP6_NS && ot == ND_OPT_SLLA) || (type == ICMP6_NA && ot == ND_OPT_TLLA)) &&
		    !(icmp[off + 2] & 1)) {
			memcpy(m->mac, icmp + off + 2, 6);
			m->has_mac = true;
		}
		off += (uint32_t)icmp[off + 1] * 8;
	}
	static const uint8_t unspec[16];
	/* RFC 4861 7.1.1: from the unspecified address (duplicate address detection), no SLLA */
	if (type == ICMP6_NS && !memcmp(m->sender_ip, unspec, 16) && m->has_mac)
		return NB_MSG_NONE;
	return m->kind;
}

int nb_msg_read(const struct pkt_buf *p, struct nb_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (!(p->meta.flags & PKT_F_PARSED))
		return NB_MSG_NONE;
	if (p->meta.l3 == PKT_L3_ARP)
		return arp_read(p, m);
	if (p->meta.l3 == PKT_L3_IPV6)
		return nd_read(p, m);
	return NB_MSG_NONE;
}

void nb_arp_reply(struct pkt_buf *p, const uint8_t mac[6], const uint8_t *ip)
{
	uint8_t *eth = p->data, *a = p->data + p->meta.l3_off;
	uint8_t sha[6], spa[4];
	memcpy(sha, a + 8, 6);
	memcpy(spa, a + 14, 4);
	pkt_wr16(a + 6, 2);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, ip, 4);
	memcpy(a + 18, sha, 6);
	memcpy(a + 24, spa, 4);
	memcpy(eth, sha, 6);
	memcpy(eth + 6, mac, 6);
}

/* Writes an IPv6 header and an NS/NA body with one link-layer option at ip; returns the
 * frame's end. */
static uint8_t *nd_write(uint8_t *ip, uint8_t type, uint32_t flags, const uint8_t *src, const uint8_t *dst,
			 const uint8_t *target, uint8_t opt, const uint8_t mac[6])
{
	uint8_t *icmp = ip + 40;
	memset(ip, 0, 40 + 32);
	ip[0] = 0x60;
	pkt_wr16(ip + 4, 32);
	ip[6] = PKT_IPPROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	icmp[0] = type;
	pkt_wr32(icmp + 4, flags);
	memcpy(icmp + 8, target, 16);
	icmp[24] = opt;
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	pkt_wr16(icmp + 2, pkt_l4_csum6(ip, icmp, 32, PKT_IPPROTO_ICMPV6, 2));
	return icmp + 32;
}

bool nb_na_reply(struct pkt_buf *p, const struct nb_msg *m, const uint8_t mac[6])
{
	static const uint8_t unspec[16];
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint16_t l3 = p->meta.l3_off;
	if (p->buf_len - pkt_headroom(p) < (uint32_t)l3 + 72)
		return false;
	bool dad = !memcmp(m->sender_ip, unspec, 16);
	const uint8_t *dst = dad ? all_nodes : m->sender_ip;
	uint8_t *eth = p->data;
	uint8_t peer[6];
	memcpy(peer, eth + 6, 6);
	if (dad) {
		static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
		memcpy(eth, mc, 6);
	} else {
		memcpy(eth, m->has_mac ? m->mac : peer, 6);
	}
	memcpy(eth + 6, mac, 6);
	/* Router, Solicited (unless answering DAD), Override */
	uint32_t flags = 0x80000000u | (dad ? 0 : 0x40000000u) | 0x20000000u;
	uint8_t target[16];
	memcpy(target, m->target_ip, 16);
	uint8_t *end = nd_write(p->data + l3, ICMP6_NA, flags, target, dst, target, ND_OPT_TLLA, mac);
	p->len = (uint16_t)(end - p->data);
	p->ol_flags = 0;        /* the device's receive verdicts were for the solicitation */
	return true;
}

struct pkt_buf *nb_arp_request(struct pkt_pool *pool, const uint8_t src_mac[6], const uint8_t *src_ip,
			       const uint8_t *target)
{
	struct pkt_buf *p = pkt_alloc(pool);
	if (!p)
		return NULL;
	uint8_t *eth = p->data;
	memset(eth, 0, 60);
	memcpy(eth, bcast, 6);
	memcpy(eth + 6, src_mac, 6);
	pkt_wr16(eth + 12, 0x0806);
	uint8_t *a = eth + 14;
	pkt_wr16(a, 1);
	pkt_wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	pkt_wr16(a + 6, 1);
	memcpy(a + 8, src_mac, 6);
	memcpy(a + 14, src_ip, 4);
	memcpy(a + 24, target, 4);
	p->len = 60;
	return p;
}

struct pkt_buf *nb_ns_request(struct pkt_pool *pool, const uint8_t src_mac[6], const uint8_t *src_ip,
			      const uint8_t *target)
{
	struct pkt_buf *p = pkt_alloc(pool);
	if (!p)
		return NULL;
	/* the solicited-node group: ff02::1:ffXX:XXXX, and its MAC 33:33:ff:XX:XX:XX */
	uint8_t group[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [13] = target[13], [14] = target[14], [15] = target[15] };
	uint8_t *eth = p->data;
	const uint8_t mc[6] = { 0x33, 0x33, 0xff, target[13], target[14], target[15] };
	memcpy(eth, mc, 6);
	memcpy(eth + 6, src_mac, 6);
	pkt_wr16(eth + 12, 0x86DD);
	uint8_t *end = nd_write(eth + 14, ICMP6_NS, 0, src_ip, group, target, ND_OPT_SLLA, src_mac);
	p->len = (uint16_t)(end - p->data);
	return p;
}
