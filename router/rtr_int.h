/* rtr_int.h - what the router's files share. Not a public header: users include router.h. */
#ifndef SLUICE_RTR_INT_H
#define SLUICE_RTR_INT_H

#include "router.h"

#include "pkt_csum.h"
#include "pkt_parse.h"

#include <string.h>

/* The engine's stage reason for router reason id. */
#define R(r, id) ((r)->in.reason[RTR_R_##id])

static inline bool rtr_ll6(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* Addresses that are never forwarded (RFC 1812 5.3.7, RFC 4291 2.5.6). */
static inline bool rtr_martian(bool v6, const uint8_t *src, const uint8_t *dst)
{
	if (v6) {
		static const uint8_t zero[15];
		bool src_loop = !memcmp(src, zero, 15) && src[15] <= 1, dst_loop = !memcmp(dst, zero, 15) && dst[15] <= 1;
		return src[0] == 0xff || src_loop || dst_loop || rtr_ll6(src) || rtr_ll6(dst);
	}
	return src[0] == 0 || src[0] == 127 || src[0] >= 224 || dst[0] == 0 || dst[0] == 127 || dst[0] >= 240;
}

/* A multicast or broadcast destination. */
static inline bool rtr_group(bool v6, const uint8_t *dst)
{
	return v6 ? dst[0] == 0xff : (dst[0] >= 224 && dst[0] < 240) || !memcmp(dst, "\xff\xff\xff\xff", 4);
}

/* p leaves by interface ifx: counted */
static inline void rtr_sent(struct rtr *r, const struct rtr_conf *c, uint16_t ifx, const struct pkt_buf *p)
{
	struct rtr_if_stats *s = &r->ifs[c->ifc[ifx].stats];
	s->tx_pkts++;
	s->tx_bytes += p->len;
}

/* p out of interface ifx to the neighbour at mac: its Ethernet header (tagged for a VLAN)
 * rewritten; false when the buffer has no room for the tag. */
bool rtr_eth_out(const struct rtr_conf *c, struct pkt_buf *p, uint16_t ifx, const uint8_t *mac);
/* Why a packet the neighbour cache would not take is dropped. */
uint16_t rtr_neigh_reason(const struct rtr *r, enum nb_result res);
static inline void rtr_ttl_down(struct pkt_buf *p, bool v6)
{
	uint8_t *ip = p->data + p->meta.l3_off;
	if (v6) {
		ip[7]--;
	} else {
		uint16_t old = pkt_rd16(ip + 8);
		ip[8]--;
		pkt_wr16(ip + 10, pkt_csum_update16(pkt_rd16(ip + 10), old, pkt_rd16(ip + 8)));
	}
}
/* The next hop of a packet routed by nh (the gateway or the destination itself): sent, or
 * waiting for its neighbour. In the burst. */
void rtr_next_hop(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		  const struct rt_nexthop *nh, bool v6, uint64_t now);
/* Sends q (routed by nh, not part of the burst) to its next hop after the burst, or
 * leaves it waiting for the neighbour: NB_RESOLVED or NB_QUEUED. Anything else: it could
 * not go, and the caller drops it (rtr_neigh_reason) and counts. */
enum nb_result rtr_send_late(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *q,
			     const struct rt_nexthop *nh, bool v6, uint64_t now);

/* rtr_frag.c: an IPv4 datagram without DF too big for mtu, accepted whole, fragmented on
 * the way out (p becomes the first fragment). */
void rtr_fragment_out(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		      const struct rt_nexthop *nh, uint32_t mtu, uint64_t now);
/* A first fragment was judged (accepted: it left with p's addresses now). The later ones
 * that waited for it follow it now, outside the burst. */
void rtr_frag_decided(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, const struct frag_key *k,
		      const struct pkt_buf *p, bool accepted, const struct rt_nexthop *nh, uint64_t now);
/* A later fragment arriving on iif: follows its datagram (translated as its first
 * fragment was, routed by where that went), waits for it, or is dropped. */
void rtr_frag_later(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		    const struct frag_key *k, uint16_t iif, uint64_t now);

#endif
