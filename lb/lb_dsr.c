/* Direct server return (lb.h): a flow's backend, and the tunnels to backends behind
 * routers (IP-in-IP, GUE).
 *
 * A dsr packet keeps its addresses: the backend holds the VIP (on a loopback) and answers
 * the client straight. On one link the appliance only changes the Ethernet header (the
 * router's rtr_steer_hop, to the backend's MAC). Through routers it wraps the packet in an
 * outer IP header from its address toward the backend (be->src) to the backend, protocol
 * 4 (IPv4 inside) or 41 (IPv6), or in UDP to the service's GUE port with GUE's 4-byte
 * header (variant 0, no options: its protocol field the inner packet's, 4 or 41), as
 * Linux's fou/gue receive side takes it (ip fou add port 6080 gue). The outer header's
 * TTL is 64, its DSCP the inner one's; an IPv4 outer header sets no DF and its UDP no
 * checksum (RFC 768 allows 0); IPv6 gets the UDP checksum it needs (RFC 8200 8.1).
 */
#include "lb.h"

#include "pkt_csum.h"
#include "pkt_parse.h"

#include <string.h>

static inline void drop(struct lb *lb, const struct lb_service *svc, struct pkt_buf *p, enum lb_reason r)
{
	lb->svc[svc->id].dropped++;
	pkt_drop(p, (uint16_t)(lb->reason_base + r));
}

bool lb_dsr_pick(struct lb *lb, const struct lb_set *s, const struct lb_service *svc, struct pkt_buf *p,
		 const struct pkt_flow_key *k, uint64_t tag, uint64_t now_ms, const struct lb_backend **be)
{
	uint32_t now = lbf_ticks(now_ms);
	struct lb_svc_stats *st = &lb->svc[svc->id];
	st->pkts++;
	st->bytes += p->len;
	struct lbf_way *w = lbf_find(lb->flows, tag, now, svc->flow_timeout);
	/* a SYN opens a connection: Maglev's backend, whatever an earlier connection on the
	 * same addresses and ports had (dsr never sees a connection end, and a client reuses
	 * its ports: a draining backend must not get a new connection so), as Katran does */
	const struct pkt_meta *m = &p->meta;
	if (w && m->l4proto == PKT_IPPROTO_TCP && (p->data[m->l4_off + 13] & 0x12) == 0x02) {
		lbf_remove(lb->flows, w);
		w = NULL;
	}
	if (w) {
		const struct lb_service *v;
		const struct lb_backend *b;
		/* the flow's backend, while it is still the service's and not down (draining
		 * keeps its flows) */
		if (lb_by_id(s, w->backend, &v, &b) && v == svc && b->state != LB_BE_DOWN) {
			*be = b;
			lb->be[b->id].pkts++;
			lb->be[b->id].bytes += p->len;
			return true;
		}
		lbf_remove(lb->flows, w);
	}
	uint16_t i = lbm_lookup(svc->table, svc->m, (uint32_t)(tag >> 32));
	if (i == LBM_EMPTY) {
		drop(lb, svc, p, LB_R_NO_BACKEND);
		return false;
	}
	const struct lb_backend *b = &svc->be[i];
	lbf_insert(lb->flows, tag, now, svc->flow_timeout, b->id, k->src, k->sport);
	st->flows++;
	lb->be[b->id].flows++;
	lb->be[b->id].pkts++;
	lb->be[b->id].bytes += p->len;
	*be = b;
	return true;
}

/* An IPv4 outer header of total length len, protocol proto, DSCP and ECN tos. */
static void outer4(uint8_t *ip, uint16_t len, uint8_t proto, uint8_t tos, const uint8_t *src, const uint8_t *dst)
{
	ip[0] = 0x45;
	ip[1] = tos;
	pkt_wr16(ip + 2, len);
	pkt_wr16(ip + 4, 0);
	pkt_wr16(ip + 6, 0);
	ip[8] = 64;
	ip[9] = proto;
	pkt_wr16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	pkt_wr16(ip + 10, pkt_csum(ip, 20));
}

static void outer6(uint8_t *ip, uint16_t payload, uint8_t proto, uint8_t tc, uint32_t label, const uint8_t *src,
		   const uint8_t *dst)
{
	uint32_t w = 6u << 28 | (uint32_t)tc << 20 | (label & 0xfffff);
	pkt_wr16(ip, (uint16_t)(w >> 16));
	pkt_wr16(ip + 2, (uint16_t)w);
	pkt_wr16(ip + 4, payload);
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

bool lb_encap(struct lb *lb, const struct lb_service *svc, const struct lb_backend *be, struct pkt_buf *p,
	      uint32_t flow_hash)
{
	struct pkt_meta *m = &p->meta;
	bool in6 = m->l3 == PKT_L3_IPV6, out6 = be->family == 6;
	bool gue = svc->encap == LBC_ENCAP_GUE;
	uint16_t ohl = out6 ? 40 : 20, add = (uint16_t)(ohl + (gue ? 12 : 0));
	uint16_t l3 = m->l3_off, inner_len = (uint16_t)(m->l3_end - m->l3_off);
	const uint8_t *inner = p->data + l3;
	uint8_t tos = in6 ? (uint8_t)(pkt_rd16(inner) >> 4) : inner[1];
	/* the Ethernet padding, if any, goes: the frame ends with the datagram */
	p->len = (uint16_t)(m->l3_end);
	if (!pkt_prepend(p, add)) {
		drop(lb, svc, p, LB_R_NO_ROOM);
		return false;
	}
	memmove(p->data, p->data + add, l3);           /* the Ethernet header (and tags) in front */
	pkt_wr16(p->data + l3 - 2, out6 ? 0x86dd : 0x0800);
	uint8_t *ip = p->data + l3;
	uint8_t proto = in6 ? 41 : 4;
	uint16_t total = (uint16_t)(inner_len + add);
	if (out6)
		outer6(ip, (uint16_t)(total - 40), gue ? 17 : proto, tos, flow_hash, be->src, be->addr);
	else
		outer4(ip, total, gue ? 17 : proto, tos, be->src, be->addr);
	if (gue) {
		uint8_t *u = ip + ohl;
		/* the source port carries the flow's entropy (RFC 8086 style), kept above 49151 */
		pkt_wr16(u, (uint16_t)(0xc000 | (flow_hash & 0x3fff)));
		pkt_wr16(u + 2, svc->gue_port);
		pkt_wr16(u + 4, (uint16_t)(total - ohl));
		pkt_wr16(u + 6, 0);
		u[8] = 0;                               /* version 0, C 0, no options */
		u[9] = proto;
		pkt_wr16(u + 10, 0);
		if (out6) {
			uint16_t c = pkt_l4_csum6(ip, u, (uint16_t)(total - ohl), 17, 6);
			pkt_wr16(u + 6, c ? c : 0xffff);
		}
	}
	m->l3 = out6 ? PKT_L3_IPV6 : PKT_L3_IPV4;
	m->ethertype = out6 ? 0x86dd : 0x0800;
	m->l3_end = (uint16_t)(l3 + total);
	m->l4_off = (uint16_t)(l3 + ohl);
	m->l4proto = gue ? 17 : proto;
	m->flags = PKT_F_PARSED | (gue ? PKT_F_L4 : 0);
	lb->encapsulated++;
	return true;
}
