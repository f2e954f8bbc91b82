/* The fw appliance as a router: each port is an interface with its own addresses, and a
 * packet goes where the routing table says, after the chain of its path has judged it:
 *
 *   for one of our addresses (or broadcast/multicast)  -> input chain  -> read here:
 *        ARP and neighbour discovery answered and learnt from, echo requests answered;
 *   for anyone else -> TTL/hop limit, route lookup -> forward chain -> TTL decremented,
 *        Ethernet rewritten for the next hop (ARP/ND resolved, packets waiting meanwhile);
 *   what the appliance answers itself (echo replies, neighbour advertisements, time
 *        exceeded, no route) -> output chain -> back to the neighbour the packet came from.
 *
 * ARP is not filtered (nftables' ip, ip6 and inet tables do not see it either), nor are
 * the ARP requests and neighbour solicitations the appliance sends to resolve next hops.
 * Rejected packets are answered straight back out of the port they came in on, as in
 * bridge mode. Interfaces are a port's own (untagged frames) or VLANs on a port (tagged
 * with its ID): a frame belongs to the interface of its port and tag, and leaves with the
 * Ethernet header of the interface it goes out of. Answers leave as the frame came in.
 */
#include "fw_app.h"
#include "fw_reject.h"
#include "pkt_csum.h"
#include "pkt_parse.h"

#include <stdio.h>
#include <string.h>

#define NB_TICK_BUDGET 64         /* neighbour entries looked at per ms (a tick's step) */

static bool in_prefix(const uint8_t *a, const struct fw_prefix *p)
{
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(a, p->addr, full))
		return false;
	return !rest || !((a[full] ^ p->addr[full]) & (0xFFu << (8 - rest)));
}

static bool ll6(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* One of our addresses on f? */
static bool ours(const struct fwa_iface *f, int family, const uint8_t *ip)
{
	if (family == 6 && !memcmp(ip, f->ll6, 16))
		return true;
	for (unsigned i = 0; i < f->cfg->n_addr; i++)
		if (f->cfg->addr[i].family == family && !memcmp(ip, f->cfg->addr[i].addr, family == 4 ? 4 : 16))
			return true;
	return false;
}

bool fwa_on_link(const struct fwa_iface *f, int family, const uint8_t *ip)
{
	if (family == 6 && ll6(ip))
		return true;
	for (unsigned i = 0; i < f->cfg->n_addr; i++)
		if (f->cfg->addr[i].family == family && in_prefix(ip, &f->cfg->addr[i]))
			return true;
	return false;
}

/* Our source address on f for talking to near (NULL: any): the address whose prefix holds
 * it, else the first of the family, else (IPv6) the link-local one; NULL if none. */
static const uint8_t *source(const struct fwa_iface *f, int family, const uint8_t *near)
{
	const uint8_t *first = NULL;
	for (unsigned i = 0; i < f->cfg->n_addr; i++) {
		const struct fw_prefix *a = &f->cfg->addr[i];
		if (a->family != family)
			continue;
		if (near && in_prefix(near, a))
			return a->addr;
		if (!first)
			first = a->addr;
	}
	if (family == 6 && (!first || (near && ll6(near))))
		return f->ll6;
	return first;
}

/* p out of interface ifx to the neighbour at mac: its Ethernet header (tagged for a VLAN)
 * rewritten; false when the buffer has no room for the tag. */
static bool eth_out(const struct fwa_conf *c, struct pkt_buf *p, uint16_t ifx, const uint8_t *mac)
{
	const struct fwa_iface *o = &c->ifc[ifx];
	return pkt_set_eth(p, mac, o->mac, o->vlan);
}

static void solicit(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, uint16_t ifx, int family,
		    const uint8_t *target)
{
	const struct fwa_iface *o = &c->ifc[ifx];
	const uint8_t *src = source(o, family, target);
	if (!src)
		return;
	struct pkt_buf *p = family == 4 ? nb_arp_request(a->pool, o->mac, src, target)
					: nb_ns_request(a->pool, o->mac, src, target);
	if (!p)
		return;
	if (o->vlan) {
		uint8_t dst[6];
		memcpy(dst, p->data, 6);
		if (pkt_parse(p) != PKT_PARSE_OK || !eth_out(c, p, ifx, dst)) {
			pkt_free(p);
			return;
		}
	}
	a->requests++;
	fwa_sent(a, c, ifx, p);
	pkt_txq_push(w, o->port, p);
}

/* ip on interface ifx is at mac: the packets that waited for it go now. */
static void learn(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, uint16_t ifx, int family,
		  const uint8_t *ip, const uint8_t *mac, bool create, uint64_t now)
{
	struct pkt_buf *rel[NB_QUEUE];
	unsigned k = nb_learn(a->nb, fwa_link(&c->ifc[ifx]), family, ip, mac, create, now, rel);
	for (unsigned j = 0; j < k; j++) {
		if (eth_out(c, rel[j], ifx, mac)) {
			fwa_sent(a, c, ifx, rel[j]);
			pkt_txq_push(w, c->ifc[ifx].port, rel[j]);
		} else {
			a->no_room++;
			pkt_free(rel[j]);
		}
	}
}

/* Why a packet the neighbour cache would not take is dropped. */
static uint16_t neigh_reason(enum nb_result r)
{
	return r == NB_QUEUE_FULL ? FWA_NEIGH_WAIT_FULL : r == NB_FAILED ? FWA_NEIGH_FAILED : FWA_NEIGH_TABLE_FULL;
}

/* Sends p out of interface ifx to the neighbour next, or leaves it waiting for its
 * resolution. */
static void send_to(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf *p, uint16_t ifx,
		    int family, const uint8_t *next, uint64_t now)
{
	uint8_t mac[6];
	bool ask;
	enum nb_result r = nb_resolve(a->nb, fwa_link(&c->ifc[ifx]), family, next, p, now, mac, &ask);
	if (ask)
		solicit(a, c, w, ifx, family, next);
	switch (r) {
	case NB_RESOLVED:
		if (eth_out(c, p, ifx, mac)) {
			fwa_sent(a, c, ifx, p);
			pkt_fwd(p, c->ifc[ifx].port);
		} else {
			pkt_drop(p, FWA_NO_ROOM);
		}
		break;
	case NB_QUEUED:
		pkt_taken(p);
		break;
	default:
		pkt_drop(p, neigh_reason(r));
		break;
	}
}

/* Something the appliance answers itself, already written over p and addressed to the
 * neighbour p came from (its Ethernet header, tag and all, turned round): the output
 * chain, then back out of interface ifx, the one p came in by. */
static void output(struct fw_app *a, const struct fwa_conf *c, struct pkt_buf *p, uint16_t ifx, uint64_t now)
{
	if (pkt_parse(p) != PKT_PARSE_OK) {
		pkt_drop(p, FWA_LOCAL);
		return;
	}
	struct ct_pkt cp;
	ct_track(a->ct, p, now, &cp);
	struct fw_decision d;
	fwa_decide(a, c->rs, FW_HOOK_OUTPUT, &cp, p, -1, ifx, now, &d);
	if (d.verdict != FW_ACCEPT) {
		pkt_drop(p, d.rule < 0 ? FWA_POLICY : FWA_RULE);
	} else if (!ct_commit(a->ct, p, now, &cp)) {
		pkt_drop(p, FWA_CT_FULL);
	} else {
		fwa_sent(a, c, ifx, p);
		pkt_fwd(p, c->ifc[ifx].port);
	}
}

/* An echo request to us becomes its reply, in place. */
static void echo_reply(struct pkt_buf *p, bool v6)
{
	uint8_t *eth = p->data, *ip = p->data + p->meta.l3_off, *icmp = p->data + p->meta.l4_off;
	uint8_t t[16];
	p->ol_flags = 0;        /* the device's receive verdicts were for the request */
	memcpy(t, eth, 6);
	memcpy(eth, eth + 6, 6);
	memcpy(eth + 6, t, 6);
	unsigned alen = v6 ? 16 : 4, at = v6 ? 8 : 12;
	memcpy(t, ip + at, alen);
	memcpy(ip + at, ip + at + alen, alen);
	memcpy(ip + at + alen, t, alen);
	uint16_t old = pkt_rd16(icmp);
	icmp[0] = v6 ? 129 : 0;
	/* the pseudo-header's sum does not change when its addresses swap */
	pkt_wr16(icmp + 2, pkt_csum_update16(pkt_rd16(icmp + 2), old, pkt_rd16(icmp)));
	if (v6) {
		ip[7] = 64;
	} else {
		uint16_t o = pkt_rd16(ip + 8);
		ip[8] = 64;
		pkt_wr16(ip + 10, pkt_csum_update16(pkt_rd16(ip + 10), o, pkt_rd16(ip + 8)));
	}
}

/* Accepted by the input chain: what the appliance does with a packet for itself. */
static void local_in(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		     uint16_t iif, bool v6, bool unicast, uint64_t now)
{
	const struct fwa_iface *f = &c->ifc[iif];
	struct nb_msg m;
	if (v6 && nb_msg_read(p, &m) != NB_MSG_NONE) {
		bool mine = ours(f, 6, m.target_ip);
		if (m.kind == NB_MSG_NS) {
			if (m.has_mac && fwa_on_link(f, 6, m.sender_ip))
				learn(a, c, w, iif, 6, m.sender_ip, m.mac, mine, now);
			if (mine && nb_na_reply(p, &m, f->mac)) {
				a->nd_adverts++;
				output(a, c, p, iif, now);
				return;
			}
		} else if (m.has_mac && !mine && fwa_on_link(f, 6, m.target_ip)) {
			learn(a, c, w, iif, 6, m.target_ip, m.mac, false, now);
		}
		pkt_drop(p, FWA_LOCAL);
		return;
	}
	const struct pkt_meta *pm = &p->meta;
	/* an echo request, whole (as any host's stack checks it, whatever conntrack does) */
	if (unicast && (pm->flags & (PKT_F_L4 | PKT_F_FRAG)) == PKT_F_L4 &&
	    pm->l4proto == (v6 ? PKT_IPPROTO_ICMPV6 : PKT_IPPROTO_ICMP) && p->data[pm->l4_off] == (v6 ? 128 : 8) &&
	    p->data[pm->l4_off + 1] == 0 && pkt_l4_csum_ok(p)) {
		echo_reply(p, v6);
		a->echo_replies++;
		output(a, c, p, iif, now);
		return;
	}
	pkt_drop(p, FWA_LOCAL);
}

static void arp_in(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		   uint16_t iif, uint64_t now)
{
	const struct fwa_iface *f = &c->ifc[iif];
	struct nb_msg m;
	if (nb_msg_read(p, &m) == NB_MSG_NONE) {
		pkt_drop(p, FWA_ARP);
		return;
	}
	bool mine = ours(f, 4, m.target_ip);
	if (m.has_mac && fwa_on_link(f, 4, m.sender_ip) && !ours(f, 4, m.sender_ip))
		learn(a, c, w, iif, 4, m.sender_ip, m.mac, mine, now);
	if (m.kind == NB_MSG_ARP_REQUEST && mine) {
		nb_arp_reply(p, f->mac, m.target_ip);   /* in place: a tag stays */
		a->arp_replies++;
		fwa_sent(a, c, iif, p);
		pkt_fwd(p, p->port);
		return;
	}
	pkt_drop(p, FWA_ARP);
}

/* Addresses that are never forwarded (RFC 1812 5.3.7, RFC 4291 2.5.6). */
static bool martian(bool v6, const uint8_t *src, const uint8_t *dst)
{
	if (v6) {
		static const uint8_t zero[15];
		bool src_loop = !memcmp(src, zero, 15) && src[15] <= 1, dst_loop = !memcmp(dst, zero, 15) && dst[15] <= 1;
		return src[0] == 0xff || src_loop || dst_loop || ll6(src) || ll6(dst);
	}
	return src[0] == 0 || src[0] == 127 || src[0] >= 224 || dst[0] == 0 || dst[0] == 127 || dst[0] >= 240;
}

/* The router's own ICMP error about p (time exceeded, no route), from our address on the
 * port p came in on; false when it may not or cannot be sent. */
static bool icmp_error(struct fw_app *a, const struct fwa_iface *f, struct pkt_buf *p, bool v6, uint8_t type4,
		       uint8_t code4, uint8_t type6, uint8_t code6, uint32_t info, uint64_t now)
{
	const uint8_t *ip = p->data + p->meta.l3_off;
	const uint8_t *src = source(f, v6 ? 6 : 4, ip + (v6 ? 8 : 12));
	if (!src || !fwa_answer_allowed(a, now))
		return false;
	uint8_t from[16];
	memcpy(from, src, v6 ? 16 : 4);
	if (!fw_icmp_error(p, v6 ? type6 : type4, v6 ? code6 : code4, info, from))
		return false;
	a->icmp_errors++;
	return true;
}

static void ttl_down(struct pkt_buf *p, bool v6)
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

/* The next hop of a packet routed by nh: the gateway or the destination itself. */
static void next_hop(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		     const struct rt_nexthop *nh, bool v6, uint64_t now)
{
	const uint8_t *ip = p->data + p->meta.l3_off;
	uint8_t next[16];
	memcpy(next, nh->kind == RT_GATEWAY ? nh->gw : ip + (v6 ? 24 : 16), v6 ? 16 : 4);
	send_to(a, c, w, p, nh->port, v6 ? 6 : 4, next, now);
}

/* Sends q (routed by nh, not part of the burst) to its next hop after the burst, or
 * leaves it waiting for the neighbour: NB_RESOLVED or NB_QUEUED. Anything else: it could
 * not go, and the caller drops it (neigh_reason) and counts. */
static enum nb_result send_late(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf *q,
				const struct rt_nexthop *nh, bool v6, uint64_t now)
{
	const uint8_t *ip = q->data + q->meta.l3_off;
	uint8_t next[16], mac[6];
	memcpy(next, nh->kind == RT_GATEWAY ? nh->gw : ip + (v6 ? 24 : 16), v6 ? 16 : 4);
	bool ask;
	enum nb_result r = nb_resolve(a->nb, fwa_link(&c->ifc[nh->port]), v6 ? 6 : 4, next, q, now, mac, &ask);
	if (ask)
		solicit(a, c, w, nh->port, v6 ? 6 : 4, next);
	if (r == NB_RESOLVED) {
		if (!eth_out(c, q, nh->port, mac)) {
			a->no_room++;
			return NB_FAILED;
		}
		fwa_sent(a, c, nh->port, q);
		pkt_txq_push(w, c->ifc[nh->port].port, q);
	}
	return r;
}

#define FRAG_OUT_MAX 32           /* fragments one datagram may become (9216 bytes at 576) */

/* RFC 791 fragmentation of an IPv4 datagram without DF that is too big for mtu, after
 * the forward chain accepted it whole (as Linux does): p becomes the first fragment and
 * goes on in the burst; the others are new buffers sent after it. Every fragment has the
 * datagram's header length; the first carries all its options, the others only those
 * with the copied flag, the rest overwritten with no-operations (RFC 791 3.1; Linux's
 * ip_options_fragment does the same). */
static void fragment_out(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf *p,
			 const struct rt_nexthop *nh, uint32_t mtu, uint64_t now)
{
	uint16_t l3 = p->meta.l3_off;
	uint8_t *ip = p->data + l3;
	unsigned hlen = (ip[0] & 0x0f) * 4u, total = (unsigned)(p->meta.l3_end - l3);
	unsigned chunk = (mtu - hlen) & ~7u, data = total - hlen;
	unsigned n = 1;
	for (unsigned off = chunk; off < data; off += chunk)
		n++;
	struct pkt_buf *more[FRAG_OUT_MAX];
	unsigned got = n <= FRAG_OUT_MAX ? pkt_alloc_burst(a->pool, more, n - 1) : 0;
	if (n > FRAG_OUT_MAX || got != n - 1) {
		if (got) {
			pkt_free_burst(more, got);
			a->frag_out_failed++;    /* the pool ran short */
		}
		pkt_drop(p, FWA_MTU);
		return;
	}
	uint16_t fo = pkt_rd16(ip + 6);
	unsigned base = (fo & 0x1fff) * 8u;
	bool last_mf = fo & 0x2000;
	/* the later fragments' header: the options without the copied flag made no-ops */
	uint8_t hdr[60];
	memcpy(hdr, ip, hlen);
	for (unsigned i = 20; i < hlen;) {
		uint8_t type = hdr[i];
		if (type == 0)          /* end of options */
			break;
		if (type == 1) {        /* no-operation */
			i++;
			continue;
		}
		unsigned olen = i + 1 < hlen ? hdr[i + 1] : 0;
		if (olen < 2 || olen > hlen - i)
			break;              /* the parser refuses these; never read past the header */
		if (!(type & 0x80))
			memset(hdr + i, 1, olen);
		i += olen;
	}
	for (unsigned k = 1; k < n; k++) {
		struct pkt_buf *q = more[k - 1];
		unsigned off = k * chunk, len = data - off < chunk ? data - off : chunk;
		memcpy(q->data, p->data, l3);
		memcpy(q->data + l3, hdr, hlen);
		memcpy(q->data + l3 + hlen, ip + hlen + off, len);
		uint8_t *qip = q->data + l3;
		pkt_wr16(qip + 2, (uint16_t)(hlen + len));
		pkt_wr16(qip + 6, (uint16_t)((k + 1 < n || last_mf ? 0x2000 : 0) | ((base + off) >> 3)));
		pkt_wr16(qip + 10, 0);
		pkt_wr16(qip + 10, pkt_csum(qip, hlen));
		q->len = (uint16_t)(l3 + hlen + len);
		q->port = p->port;
		pkt_parse(q);
	}
	/* p: the first fragment */
	pkt_wr16(ip + 2, (uint16_t)(hlen + chunk));
	pkt_wr16(ip + 6, (uint16_t)(0x2000 | (base >> 3)));
	pkt_wr16(ip + 10, 0);
	pkt_wr16(ip + 10, pkt_csum(ip, hlen));
	p->len = (uint16_t)(l3 + hlen + chunk);
	p->meta.l3_end = (uint16_t)(l3 + hlen + chunk);
	a->frag_out += n;
	next_hop(a, c, w, p, nh, false, now);
	for (unsigned k = 1; k < n; k++)
		if (send_late(a, c, w, more[k - 1], nh, false, now) > NB_QUEUED) {
			a->frag_out_failed++;
			pkt_free(more[k - 1]);
		}
}

/* A first fragment was judged. The later ones that waited for it follow it now, outside
 * the burst: TTL, next hop, and out (or waiting for the next hop, like any packet). */
static void decided(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, const struct frag_key *k,
		    bool accepted, const struct rt_nexthop *nh, uint64_t now)
{
	struct pkt_buf *rel[FRAG_HOLD];
	unsigned n = frag_decided(a->frag, k, accepted, now, rel);
	for (unsigned j = 0; j < n; j++) {
		/* a fragment that waited may be one of this burst: dropped with pkt_discard */
		struct pkt_buf *q = rel[j];
		bool v6 = q->meta.l3 == PKT_L3_IPV6;
		if (!accepted) {
			pkt_discard(w, q, FWA_FRAGMENT);
			continue;
		}
		if (q->data[q->meta.l3_off + (v6 ? 7 : 8)] <= 1) {
			a->frag_lost++;
			pkt_discard(w, q, FWA_TTL);
			continue;
		}
		ttl_down(q, v6);
		enum nb_result r = send_late(a, c, w, q, nh, v6, now);
		if (r > NB_QUEUED) {
			a->frag_lost++;
			pkt_discard(w, q, neigh_reason(r));
		}
	}
}

/* Not accepted: a reject's ICMP answer comes from our address on the way back (a router
 * is seen; Linux does the same), a reset from the destination. */
static void refuse(struct fw_app *a, const struct fwa_iface *f, struct pkt_buf *p, const struct fw_decision *d,
		   bool v6, uint64_t now)
{
	const uint8_t *ip = p->data + p->meta.l3_off;
	const uint8_t *src = source(f, v6 ? 6 : 4, ip + (v6 ? 8 : 12));
	uint8_t from[16];
	if (src)
		memcpy(from, src, v6 ? 16 : 4);
	fwa_refuse(a, p, d, src ? from : NULL, now);
}

/* Does this IPv4 header (options checked by the parser) carry a loose or strict source
 * route? Such datagrams are dropped, as Linux does by default (accept_source_route 0) and
 * RFC 7126 advises: the sender would choose the way through. */
static bool source_routed(const uint8_t *ip)
{
	unsigned hlen = (ip[0] & 0x0f) * 4u;
	for (unsigned i = 20; i < hlen;) {
		uint8_t type = ip[i];
		if (type == 0)
			break;
		if (type == 1) {
			i++;
			continue;
		}
		if (type == 0x83 || type == 0x89)
			return true;
		unsigned olen = i + 1 < hlen ? ip[i + 1] : 0;
		if (olen < 2)
			break;
		i += olen;
	}
	return false;
}

/* cp: what ct_parse_prefetch_burst found for p */
static void route_one(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		      struct ct_pkt *cp, uint64_t now)
{
	const struct pkt_meta *m = &p->meta;
	int in = fwa_ingress(c, p);
	if (in < 0) {
		pkt_drop(p, FWA_VLAN);
		return;
	}
	struct fwa_if_stats *st = &a->ifs[c->ifc[in].stats];
	st->rx_pkts++;
	st->rx_bytes += p->len;
	if (__builtin_expect(m->n_vlan, 0) && !(m->vlan & 0x0fff)) {
		/* a priority tag: the frame is the port's own, and is taken (and answered)
		 * untagged, as Linux does */
		uint8_t macs[12];
		memcpy(macs, p->data, 12);
		if (!pkt_set_eth(p, macs, macs + 6, 0)) {
			pkt_drop(p, FWA_NO_ROOM);
			return;
		}
	}
	uint16_t iif = (uint16_t)in;
	const struct fwa_iface *f = &c->ifc[iif];
	const uint8_t *eth = p->data;
	bool unicast = !(eth[0] & 1);
	if (unicast && !pkt_mac_eq(eth, f->mac)) {
		pkt_drop(p, FWA_NOT_OURS);
		return;
	}
	if (m->l3 == PKT_L3_ARP) {
		arp_in(a, c, w, p, iif, now);
		return;
	}
	if (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6) {
		pkt_drop(p, FWA_NOT_IP);
		return;
	}
	struct frag_key fk;
	enum frag_class fc = (m->flags & PKT_F_FRAG) ? frag_classify(p, &fk) : FRAG_NONE;
	if (fc == FRAG_BAD) {
		pkt_drop(p, FWA_FRAG_BAD);
		return;
	}
	bool v6 = m->l3 == PKT_L3_IPV6;
	uint8_t *ip = p->data + m->l3_off;
	if (!v6 && (m->flags & PKT_F_IP_OPTS) && source_routed(ip)) {
		pkt_drop(p, FWA_SOURCE_ROUTE);
		return;
	}
	const uint8_t *src = ip + (v6 ? 8 : 12), *dst = ip + (v6 ? 24 : 16);
	const struct rt_nexthop *nh = v6 ? rt_lookup6(c->rt, dst) : rt_lookup4(c->rt, dst);
	bool group = v6 ? dst[0] == 0xff : (dst[0] >= 224 && dst[0] < 240) || !memcmp(dst, "\xff\xff\xff\xff", 4);
	struct fw_decision d;
	if ((nh && nh->kind == RT_LOCAL) || group || (v6 && !memcmp(dst, f->ll6, 16))) {
		if (fc != FRAG_NONE) {
			pkt_drop(p, FWA_FRAGMENT);  /* nothing the appliance answers comes in fragments */
			return;
		}
		ct_track_prefetched(a->ct, p, now, cp);
		fwa_decide(a, c->rs, FW_HOOK_INPUT, cp, p, iif, -1, now, &d);
		if (d.verdict == FW_ACCEPT) {
			if (ct_commit(a->ct, p, now, cp))
				local_in(a, c, w, p, iif, v6, unicast && !group, now);
			else
				pkt_drop(p, FWA_CT_FULL);
		} else {
			refuse(a, f, p, &d, v6, now);
		}
		return;
	}
	if (!unicast || martian(v6, src, dst)) {
		pkt_drop(p, FWA_MARTIAN);
		return;
	}
	uint8_t ttl = ip[v6 ? 7 : 8];
	if (ttl <= 1 || !nh) {
		/* time exceeded, or network unreachable / no route to destination */
		bool sent = ttl <= 1 ? icmp_error(a, f, p, v6, 11, 0, 3, 0, 0, now) : icmp_error(a, f, p, v6, 3, 0, 1, 0, 0, now);
		if (sent)
			output(a, c, p, iif, now);
		else
			pkt_drop(p, ttl <= 1 ? FWA_TTL : FWA_NO_ROUTE);
		if (fc == FRAG_FIRST)
			decided(a, c, w, &fk, false, NULL, now);
		return;
	}
	/* too big for the way out: with DF (always, for IPv6) the sender learns the MTU, as
	 * Linux does before its forward hook; without DF it is fragmented on the way out */
	uint32_t mtu = c->ifc[nh->port].cfg->mtu;
	bool too_big = (uint32_t)(m->l3_end - m->l3_off) > mtu;
	if (too_big && (v6 || (pkt_rd16(ip + 6) & 0x4000))) {
		if (icmp_error(a, f, p, v6, 3, 4, 2, 0, mtu, now))
			output(a, c, p, iif, now);
		else
			pkt_drop(p, FWA_MTU);
		if (fc == FRAG_FIRST)
			decided(a, c, w, &fk, false, NULL, now);
		return;
	}
	if (fc == FRAG_LATER) {
		/* its datagram's first fragment was judged: follow it */
		if (fwa_frag_later(a, p, &fk, now)) {
			ttl_down(p, v6);
			if (too_big)
				fragment_out(a, c, w, p, nh, mtu, now);
			else
				next_hop(a, c, w, p, nh, v6, now);
		}
		return;
	}
	/* decremented before the forward chain, as Linux does: a rejected packet is quoted so */
	ttl_down(p, v6);
	ct_track_prefetched(a->ct, p, now, cp);
	fwa_decide(a, c->rs, FW_HOOK_FORWARD, cp, p, iif, nh->port, now, &d);
	bool accepted = d.verdict == FW_ACCEPT && ct_commit(a->ct, p, now, cp);
	if (fc == FRAG_FIRST)
		decided(a, c, w, &fk, accepted, nh, now);
	if (d.verdict != FW_ACCEPT)
		refuse(a, f, p, &d, v6, now);
	else if (!accepted)
		pkt_drop(p, FWA_CT_FULL);
	else if (too_big)
		fragment_out(a, c, w, p, nh, mtu, now);
	else
		next_hop(a, c, w, p, nh, v6, now);
}

void fw_router_burst(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, struct pkt_buf **pkts,
		     uint16_t n)
{
	uint64_t now = w->now_ms;
	/* the connection table's lines for the whole burst first (the flow key does not
	 * change with the TTL), then the work */
	struct ct_pkt cps[PKT_BURST];
	ct_parse_prefetch_burst(a->ct, pkts, cps, n, FWA_PARSE);
	for (uint16_t i = 0; i < n; i++)
		if (pkts[i]->verdict == PKT_V_CONTINUE)     /* else malformed: dropped by the parser */
			route_one(a, c, w, pkts[i], &cps[i], now);
}

void fw_router_tick(struct fw_app *a, const struct fwa_conf *c, struct pkt_worker *w, uint64_t now_ms, unsigned steps)
{
	if (a->nb_gen != c->gen)
		fw_router_neighbors(a, c);  /* a reload: the worker's cache takes the new ones */
	struct nb_solicit s[16];
	unsigned k = nb_tick(a->nb, now_ms, NB_TICK_BUDGET * steps, s, 16);
	for (unsigned j = 0; j < k; j++) {
		int ifx = fwa_link_ifx(c, s[j].port);
		if (ifx >= 0)           /* else a reload removed its interface: it fails */
			solicit(a, c, w, (uint16_t)ifx, s[j].family, s[j].ip);
	}
	/* packets whose next hop never answered: host (address) unreachable, as Linux sends */
	struct pkt_buf *dead[16];
	while ((k = nb_failed_take(a->nb, dead, 16)) != 0) {
		for (unsigned j = 0; j < k; j++) {
			struct pkt_buf *p = dead[j];
			/* it waited as it came in: its port and tag say where from (after a
			 * reload, by the new config's interfaces) */
			int iif = p->port < PKT_MAX_PORTS ? fwa_ingress(c, p) : -1;
			bool v6 = p->meta.l3 == PKT_L3_IPV6;
			if (iif >= 0 && icmp_error(a, &c->ifc[iif], p, v6, 3, 1, 1, 3, 0, now_ms)) {
				output(a, c, p, (uint16_t)iif, now_ms);
				if (p->verdict == (PKT_V_FWD | c->ifc[iif].port)) {
					pkt_txq_push(w, c->ifc[iif].port, p);
					continue;
				}
			}
			a->unreachable_dropped++;
			pkt_free(p);
		}
	}
}
