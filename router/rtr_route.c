/* The router's packet path (router.h): ingress, ARP and neighbour discovery, the route
 * lookup with its checks and ICMP errors, the engine's hooks, and the way out to the next
 * hop. Fragments are rtr_frag.c's, the config's half rtr_conf.c's. */
#include "rtr_int.h"

#include "pkt_answer.h"
#include "pkt_csum.h"
#include "pkt_parse.h"

#include <string.h>

#define NB_TICK_BUDGET 64         /* neighbour entries looked at per ms (a tick's step) */

static bool in_prefix(const uint8_t *a, const struct cf_prefix *p)
{
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(a, p->addr, full))
		return false;
	return !rest || !((a[full] ^ p->addr[full]) & (0xFFu << (8 - rest)));
}

/* One of our addresses on f? */
static bool ours(const struct rtr_iface *f, int family, const uint8_t *ip)
{
	if (family == 6 && !memcmp(ip, f->ll6, 16))
		return true;
	for (unsigned i = 0; i < f->cfg->n_addr; i++)
		if (f->cfg->addr[i].family == family && !memcmp(ip, f->cfg->addr[i].addr, family == 4 ? 4 : 16))
			return true;
	return false;
}

bool rtr_on_link(const struct rtr_iface *f, int family, const uint8_t *ip)
{
	if (family == 6 && rtr_ll6(ip))
		return true;
	for (unsigned i = 0; i < f->cfg->n_addr; i++)
		if (f->cfg->addr[i].family == family && in_prefix(ip, &f->cfg->addr[i]))
			return true;
	return false;
}

const uint8_t *rtr_source(const struct rtr_iface *f, int family, const uint8_t *near)
{
	const uint8_t *first = NULL;
	for (unsigned i = 0; i < f->cfg->n_addr; i++) {
		const struct cf_prefix *a = &f->cfg->addr[i];
		if (a->family != family)
			continue;
		if (near && in_prefix(near, a))
			return a->addr;
		if (!first)
			first = a->addr;
	}
	if (family == 6 && (!first || (near && rtr_ll6(near))))
		return f->ll6;
	return first;
}

bool rtr_eth_out(const struct rtr_conf *c, struct pkt_buf *p, uint16_t ifx, const uint8_t *mac)
{
	const struct rtr_iface *o = &c->ifc[ifx];
	return pkt_set_eth(p, mac, o->mac, o->vlan);
}

static void solicit(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, uint16_t ifx, int family,
		    const uint8_t *target)
{
	const struct rtr_iface *o = &c->ifc[ifx];
	const uint8_t *src = rtr_source(o, family, target);
	if (!src)
		return;
	struct pkt_buf *p = family == 4 ? nb_arp_request(r->in.pool, o->mac, src, target)
					: nb_ns_request(r->in.pool, o->mac, src, target);
	if (!p)
		return;
	if (o->vlan) {
		uint8_t dst[6];
		memcpy(dst, p->data, 6);
		if (pkt_parse(p) != PKT_PARSE_OK || !rtr_eth_out(c, p, ifx, dst)) {
			pkt_free(p);
			return;
		}
	}
	r->requests++;
	rtr_sent(r, c, ifx, p);
	pkt_txq_push(w, o->port, p);
}

/* ip on interface ifx is at mac: the packets that waited for it go now. */
static void learn(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, uint16_t ifx, int family,
		  const uint8_t *ip, const uint8_t *mac, bool create, uint64_t now)
{
	struct pkt_buf *rel[NB_QUEUE];
	unsigned k = nb_learn(r->nb, rtr_link(&c->ifc[ifx]), family, ip, mac, create, now, rel);
	for (unsigned j = 0; j < k; j++) {
		if (rtr_eth_out(c, rel[j], ifx, mac)) {
			rtr_sent(r, c, ifx, rel[j]);
			pkt_txq_push(w, c->ifc[ifx].port, rel[j]);
		} else {
			r->no_room++;
			pkt_free(rel[j]);
		}
	}
}

uint16_t rtr_neigh_reason(const struct rtr *r, enum nb_result res)
{
	return res == NB_QUEUE_FULL ? R(r, NEIGH_WAIT_FULL) : res == NB_FAILED ? R(r, NEIGH_FAILED) : R(r, NEIGH_TABLE_FULL);
}

/* Sends p out of interface ifx to the neighbour next, or leaves it waiting for its
 * resolution. */
static void send_to(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p, uint16_t ifx,
		    int family, const uint8_t *next, uint64_t now)
{
	uint8_t mac[6];
	bool ask;
	enum nb_result res = nb_resolve(r->nb, rtr_link(&c->ifc[ifx]), family, next, p, now, mac, &ask);
	if (ask)
		solicit(r, c, w, ifx, family, next);
	switch (res) {
	case NB_RESOLVED:
		if (rtr_eth_out(c, p, ifx, mac)) {
			rtr_sent(r, c, ifx, p);
			pkt_fwd(p, c->ifc[ifx].port);
		} else {
			pkt_drop(p, R(r, NO_ROOM));
		}
		break;
	case NB_QUEUED:
		pkt_taken(p);
		break;
	default:
		pkt_drop(p, rtr_neigh_reason(r, res));
		break;
	}
}

/* Something the appliance answers itself, already written over p and addressed to the
 * neighbour p came from (its Ethernet header, tag and all, turned round): the output
 * hook, then back out of interface ifx, the one p came in by. An ICMP error about a
 * packet of a tracked connection (origin: that packet as tracked) is related to that
 * connection, in the other direction, as Linux attaches it (nf_ct_attach): its quote is
 * the packet as the router had it, which a translated connection's keys need not match. */
static void output(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p, uint16_t ifx,
		   uint64_t now, const struct ct_pkt *origin)
{
	if (pkt_parse(p) != PKT_PARSE_OK) {
		pkt_drop(p, R(r, LOCAL));
		return;
	}
	struct ct_pkt cp;
	if (origin && origin->e) {
		cp = *origin;
		cp.dir = (uint8_t)!origin->dir;
		cp.state = CT_S_RELATED;
		cp.keyed = 0;
	} else {
		ct_track(r->in.ct, p, now, &cp);
	}
	struct rtr_pkt x = { .r = r, .c = c, .w = w, .p = p, .cp = &cp, .iif = -1, .oif = ifx,
			     .v6 = p->meta.l3 == PKT_L3_IPV6, .now = now, .origin = origin };
	if (r->in.hooks->output(r->in.app, &x) != RTR_ACCEPT)
		return;
	rtr_sent(r, c, ifx, p);
	pkt_fwd(p, c->ifc[ifx].port);
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
/* One of the engine's addresses (struct rtr_hooks.owns) on interface ifx? */
static bool owned(const struct rtr *r, uint16_t ifx, int family, const uint8_t *ip)
{
	return r->in.hooks->owns && r->in.hooks->owns(r->in.app, ifx, family, ip);
}

static void local_in(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		     uint16_t iif, bool v6, bool unicast, uint64_t now)
{
	const struct rtr_iface *f = &c->ifc[iif];
	struct nb_msg m;
	if (v6 && nb_msg_read(p, &m) != NB_MSG_NONE) {
		bool mine = ours(f, 6, m.target_ip) || owned(r, iif, 6, m.target_ip);
		if (m.kind == NB_MSG_NS) {
			if (m.has_mac && rtr_on_link(f, 6, m.sender_ip))
				learn(r, c, w, iif, 6, m.sender_ip, m.mac, mine, now);
			if (mine && nb_na_reply(p, &m, f->mac)) {
				r->nd_adverts++;
				output(r, c, w, p, iif, now, NULL);
				return;
			}
		} else if (m.has_mac && !mine && rtr_on_link(f, 6, m.target_ip)) {
			learn(r, c, w, iif, 6, m.target_ip, m.mac, false, now);
		}
		pkt_drop(p, R(r, LOCAL));
		return;
	}
	const struct pkt_meta *pm = &p->meta;
	/* an echo request, whole (as any host's stack checks it, whatever conntrack does) */
	if (unicast && (pm->flags & (PKT_F_L4 | PKT_F_FRAG)) == PKT_F_L4 &&
	    pm->l4proto == (v6 ? PKT_IPPROTO_ICMPV6 : PKT_IPPROTO_ICMP) && p->data[pm->l4_off] == (v6 ? 128 : 8) &&
	    p->data[pm->l4_off + 1] == 0 && pkt_l4_csum_ok(p)) {
		echo_reply(p, v6);
		r->echo_replies++;
		output(r, c, w, p, iif, now, NULL);
		return;
	}
	pkt_drop(p, R(r, LOCAL));
}

static void arp_in(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		   uint16_t iif, uint64_t now)
{
	const struct rtr_iface *f = &c->ifc[iif];
	struct nb_msg m;
	if (nb_msg_read(p, &m) == NB_MSG_NONE) {
		pkt_drop(p, R(r, ARP));
		return;
	}
	bool mine = ours(f, 4, m.target_ip) || owned(r, iif, 4, m.target_ip);
	if (m.has_mac && rtr_on_link(f, 4, m.sender_ip) && !ours(f, 4, m.sender_ip))
		learn(r, c, w, iif, 4, m.sender_ip, m.mac, mine, now);
	if (m.kind == NB_MSG_ARP_REQUEST && mine) {
		nb_arp_reply(p, f->mac, m.target_ip);   /* in place: a tag stays */
		r->arp_replies++;
		rtr_sent(r, c, iif, p);
		pkt_fwd(p, p->port);
		return;
	}
	pkt_drop(p, R(r, ARP));
}

/* The router's own ICMP error about p (time exceeded, no route), from our address on the
 * port p came in on; false when it may not or cannot be sent. */
static bool icmp_error(struct rtr *r, const struct rtr_iface *f, struct pkt_buf *p, bool v6, uint8_t type4,
		       uint8_t code4, uint8_t type6, uint8_t code6, uint32_t info, uint64_t now)
{
	const uint8_t *ip = p->data + p->meta.l3_off;
	const uint8_t *src = rtr_source(f, v6 ? 6 : 4, ip + (v6 ? 8 : 12));
	if (!src || !r->in.hooks->answer_allowed(r->in.app, now))
		return false;
	uint8_t from[16];
	memcpy(from, src, v6 ? 16 : 4);
	if (!pkt_answer_icmp(p, v6 ? type6 : type4, v6 ? code6 : code4, info, from))
		return false;
	r->icmp_errors++;
	return true;
}

/* The next hop of a packet routed by nh: the gateway or the destination itself. */
void rtr_next_hop(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		     const struct rt_nexthop *nh, bool v6, uint64_t now)
{
	const uint8_t *ip = p->data + p->meta.l3_off;
	uint8_t next[16];
	memcpy(next, nh->kind == RT_GATEWAY ? nh->gw : ip + (v6 ? 24 : 16), v6 ? 16 : 4);
	send_to(r, c, w, p, nh->port, v6 ? 6 : 4, next, now);
}

void rtr_count_in(struct rtr *r, const struct rtr_conf *c, uint16_t iif, const struct pkt_buf *p)
{
	struct rtr_if_stats *st = &r->ifs[c->ifc[iif].stats];
	st->rx_pkts++;
	st->rx_bytes += p->len;
}

void rtr_count_out(struct rtr *r, const struct rtr_conf *c, uint16_t ifx, const struct pkt_buf *p)
{
	rtr_sent(r, c, ifx, p);
}

/* Keeps the way p just took to next (through interface ifx) in h, if it may be kept. */
static void hop_keep(struct rtr *r, const struct rtr_conf *c, struct rtr_hop *h, const uint8_t *via, uint16_t ifx,
		     int family, const uint8_t *next, uint64_t now)
{
	const struct rtr_iface *o = &c->ifc[ifx];
	h->conf_gen = 0;
	if (o->vlan || !c->gen || !nb_peek(r->nb, rtr_link(o), family, next, now, h->eth, &h->until_ms))
		return;
	memcpy(h->eth + 6, o->mac, 6);
	h->nb_gen = nb_generation(r->nb);
	h->mtu = o->cfg->mtu;
	h->ifx = ifx;
	h->port = o->port;
	memset(h->via, 0, sizeof(h->via));
	memcpy(h->via, via, family == 4 ? 4 : 16);
	h->v6 = family == 6;
	h->conf_gen = c->gen;
}

static void steer(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p, const uint8_t *via,
		  struct rtr_hop *h, uint64_t now)
{
	bool v6 = p->meta.l3 == PKT_L3_IPV6;
	const uint8_t *ip = p->data + p->meta.l3_off;
	const struct rt_nexthop *nh = v6 ? rt_lookup6(c->rt, via) : rt_lookup4(c->rt, via);
	if (!nh || nh->kind == RT_LOCAL) {
		pkt_drop(p, R(r, NO_ROUTE));
		return;
	}
	if (ip[v6 ? 7 : 8] <= 1) {
		pkt_drop(p, R(r, TTL));
		return;
	}
	if ((uint32_t)(p->meta.l3_end - p->meta.l3_off) > c->ifc[nh->port].cfg->mtu) {
		pkt_drop(p, R(r, MTU));
		return;
	}
	rtr_ttl_down(p, v6);
	const uint8_t *next = nh->kind == RT_GATEWAY ? nh->gw : via;
	send_to(r, c, w, p, nh->port, v6 ? 6 : 4, next, now);
	if (h)
		hop_keep(r, c, h, via, nh->port, v6 ? 6 : 4, next, now);
}

void rtr_steer(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p, const uint8_t *via,
	       uint64_t now)
{
	steer(r, c, w, p, via, NULL, now);
}

void rtr_steer_hop(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p, const uint8_t *via,
		   struct rtr_hop *h, uint64_t now)
{
	bool v6 = p->meta.l3 == PKT_L3_IPV6;
	uint64_t a[2] = { 0, 0 }, b[2];
	if (v6)
		memcpy(a, via, 16);
	else
		memcpy(a, via, 4);
	memcpy(b, h->via, 16);
	if (__builtin_expect(h->conf_gen != c->gen || ((a[0] ^ b[0]) | (a[1] ^ b[1])) || h->v6 != v6 ||
				     now >= h->until_ms || p->meta.n_vlan || h->nb_gen != nb_generation(r->nb), 0)) {
		steer(r, c, w, p, via, h, now);
		return;
	}
	/* the same checks as steer's, in the order it makes them */
	const uint8_t *ip = p->data + p->meta.l3_off;
	if (ip[v6 ? 7 : 8] <= 1) {
		pkt_drop(p, R(r, TTL));
		return;
	}
	if ((uint32_t)(p->meta.l3_end - p->meta.l3_off) > h->mtu) {
		pkt_drop(p, R(r, MTU));
		return;
	}
	rtr_ttl_down(p, v6);
	memcpy(p->data, h->eth, 12);
	rtr_sent(r, c, h->ifx, p);
	pkt_fwd(p, h->port);
}

/* Sends q (routed by nh, not part of the burst) to its next hop after the burst, or
 * leaves it waiting for the neighbour: NB_RESOLVED or NB_QUEUED. Anything else: it could
 * not go, and the caller drops it (neigh_reason) and counts. */
enum nb_result rtr_send_late(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *q,
				const struct rt_nexthop *nh, bool v6, uint64_t now)
{
	const uint8_t *ip = q->data + q->meta.l3_off;
	uint8_t next[16], mac[6];
	memcpy(next, nh->kind == RT_GATEWAY ? nh->gw : ip + (v6 ? 24 : 16), v6 ? 16 : 4);
	bool ask;
	enum nb_result res = nb_resolve(r->nb, rtr_link(&c->ifc[nh->port]), v6 ? 6 : 4, next, q, now, mac, &ask);
	if (ask)
		solicit(r, c, w, nh->port, v6 ? 6 : 4, next);
	if (res == NB_RESOLVED) {
		if (!rtr_eth_out(c, q, nh->port, mac)) {
			r->no_room++;
			return NB_FAILED;
		}
		rtr_sent(r, c, nh->port, q);
		pkt_txq_push(w, c->ifc[nh->port].port, q);
	}
	return res;
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

/* For the appliance: the input hook, then read here. */
static void to_us(struct rtr_pkt *x, enum frag_class fc, bool unicast, bool group)
{
	struct rtr *r = x->r;
	if (fc != FRAG_NONE) {
		pkt_drop(x->p, R(r, FRAGMENT));  /* nothing the appliance answers comes in fragments */
		return;
	}
	if (r->in.hooks->input(r->in.app, x) == RTR_ACCEPT)
		local_in(r, x->c, x->w, x->p, (uint16_t)x->iif, x->v6, unicast && !group, x->now);
}

/* cp: what ct_parse_prefetch_burst found for p */
static void route_one(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		      struct ct_pkt *cp, uint64_t now)
{
	const struct pkt_meta *m = &p->meta;
	int in = rtr_ingress(c, p);
	if (in < 0) {
		pkt_drop(p, R(r, VLAN));
		return;
	}
	struct rtr_if_stats *st = &r->ifs[c->ifc[in].stats];
	st->rx_pkts++;
	st->rx_bytes += p->len;
	if (__builtin_expect(m->n_vlan, 0) && !(m->vlan & 0x0fff)) {
		/* a priority tag: the frame is the port's own, and is taken (and answered)
		 * untagged, as Linux does */
		uint8_t macs[12];
		memcpy(macs, p->data, 12);
		if (!pkt_set_eth(p, macs, macs + 6, 0)) {
			pkt_drop(p, R(r, NO_ROOM));
			return;
		}
	}
	uint16_t iif = (uint16_t)in;
	const struct rtr_iface *f = &c->ifc[iif];
	const uint8_t *eth = p->data;
	bool unicast = !(eth[0] & 1);
	if (unicast && !pkt_mac_eq(eth, f->mac)) {
		pkt_drop(p, R(r, NOT_OURS));
		return;
	}
	if (m->l3 == PKT_L3_ARP) {
		arp_in(r, c, w, p, iif, now);
		return;
	}
	if (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6) {
		pkt_drop(p, R(r, NOT_IP));
		return;
	}
	struct frag_key fk;
	enum frag_class fc = (m->flags & PKT_F_FRAG) ? frag_classify(p, &fk) : FRAG_NONE;
	if (fc == FRAG_BAD) {
		pkt_drop(p, R(r, FRAG_BAD));
		return;
	}
	bool v6 = m->l3 == PKT_L3_IPV6;
	uint8_t *ip = p->data + m->l3_off;
	if (!v6 && (m->flags & PKT_F_IP_OPTS) && source_routed(ip)) {
		pkt_drop(p, R(r, SOURCE_ROUTE));
		return;
	}
	if (fc == FRAG_LATER) {
		rtr_frag_later(r, c, w, p, &fk, iif, now);
		return;
	}
	struct rtr_pkt x = { .r = r, .c = c, .w = w, .p = p, .cp = cp, .iif = iif, .oif = -1, .v6 = v6, .now = now };
	/* with a prerouting hook, conntrack sees the packet first, as Linux's does (a NAT
	 * needs the connection before the route); without one, only what the router does not
	 * drop itself, just before the hook that judges it, so that a packet the router
	 * drops (a martian, one whose TTL ran out) changes no connection */
	bool early = r->in.hooks->prerouting != NULL;
	if (early)
		ct_track_prefetched(r->in.ct, p, now, cp);
	if (early && r->in.hooks->prerouting(r->in.app, &x) != RTR_ACCEPT) {
		if (fc == FRAG_FIRST)
			rtr_frag_decided(r, c, w, &fk, p, false, NULL, now);
		return;
	}
	const uint8_t *src = ip + (v6 ? 8 : 12), *dst = ip + (v6 ? 24 : 16);
	const struct rt_nexthop *nh = v6 ? rt_lookup6(c->rt, dst) : rt_lookup4(c->rt, dst);
	bool group = rtr_group(v6, dst);
	/* a unicast neighbour solicitation for an address the engine owns (a client's
	 * reachability probe of a VIP) is answered as the multicast one is */
	bool nd_owned = v6 && (m->flags & PKT_F_L4) && m->l4proto == PKT_IPPROTO_ICMPV6 &&
			p->data[m->l4_off] == 135 && owned(r, iif, 6, dst);
	if ((nh && nh->kind == RT_LOCAL) || group || (v6 && !memcmp(dst, f->ll6, 16)) || nd_owned) {
		if (fc == FRAG_FIRST)   /* its later fragments are dropped too, not held */
			rtr_frag_decided(r, c, w, &fk, p, false, NULL, now);
		if (!early)
			ct_track_prefetched(r->in.ct, p, now, cp);
		to_us(&x, fc, unicast, group);
		return;
	}
	if (!unicast || rtr_martian(v6, src, dst)) {
		pkt_drop(p, R(r, MARTIAN));
		if (fc == FRAG_FIRST)
			rtr_frag_decided(r, c, w, &fk, p, false, NULL, now);
		return;
	}
	uint8_t ttl = ip[v6 ? 7 : 8];
	if (ttl <= 1 || !nh) {
		/* time exceeded, or network unreachable / no route to destination */
		bool sent = ttl <= 1 ? icmp_error(r, f, p, v6, 11, 0, 3, 0, 0, now) : icmp_error(r, f, p, v6, 3, 0, 1, 0, 0, now);
		if (sent)
			output(r, c, w, p, iif, now, early ? cp : NULL);
		else
			pkt_drop(p, ttl <= 1 ? R(r, TTL) : R(r, NO_ROUTE));
		if (fc == FRAG_FIRST)
			rtr_frag_decided(r, c, w, &fk, p, false, NULL, now);
		return;
	}
	/* too big for the way out: with DF (always, for IPv6) the sender learns the MTU, as
	 * Linux does before its forward hook; without DF it is fragmented on the way out */
	uint32_t mtu = c->ifc[nh->port].cfg->mtu;
	bool too_big = (uint32_t)(m->l3_end - m->l3_off) > mtu;
	if (too_big && (v6 || (pkt_rd16(ip + 6) & 0x4000))) {
		if (icmp_error(r, f, p, v6, 3, 4, 2, 0, mtu, now))
			output(r, c, w, p, iif, now, early ? cp : NULL);
		else
			pkt_drop(p, R(r, MTU));
		if (fc == FRAG_FIRST)
			rtr_frag_decided(r, c, w, &fk, p, false, NULL, now);
		return;
	}
	/* decremented before the forward hook, as Linux does: a rejected packet is quoted so */
	rtr_ttl_down(p, v6);
	if (!early)
		ct_track_prefetched(r->in.ct, p, now, cp);
	x.oif = nh->port;
	bool accepted = r->in.hooks->forward(r->in.app, &x) == RTR_ACCEPT &&
			(!r->in.hooks->postrouting || r->in.hooks->postrouting(r->in.app, &x) == RTR_ACCEPT);
	if (fc == FRAG_FIRST)
		rtr_frag_decided(r, c, w, &fk, p, accepted, nh, now);
	if (!accepted)
		return;
	if (too_big)
		rtr_fragment_out(r, c, w, p, nh, mtu, now);
	else
		rtr_next_hop(r, c, w, p, nh, v6, now);
}

void rtr_burst(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	uint64_t now = w->now_ms;
	/* the connection table's lines for the whole burst first (the flow key does not
	 * change with the TTL), then the work */
	struct ct_pkt cps[PKT_BURST];
	ct_parse_prefetch_burst(r->in.ct, pkts, cps, n, r->in.parse_reason_base);
	for (uint16_t i = 0; i < n; i++)
		if (pkts[i]->verdict == PKT_V_CONTINUE)     /* else malformed: dropped by the parser */
			route_one(r, c, w, pkts[i], &cps[i], now);
}

/* The interface of a neighbour cache link, or -1 when the config has none there. */
static int link_ifx(const struct rtr_conf *c, uint16_t link)
{
	for (unsigned i = 0; i < c->n_iface; i++)
		if (rtr_link(&c->ifc[i]) == link)
			return (int)i;
	return -1;
}

void rtr_tick(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, uint64_t now_ms, unsigned steps)
{
	if (r->nb_gen != c->gen)
		rtr_neighbors(r, c);  /* a reload: the worker's cache takes the new ones */
	struct nb_solicit s[16];
	unsigned k = nb_tick(r->nb, now_ms, NB_TICK_BUDGET * steps, s, 16);
	for (unsigned j = 0; j < k; j++) {
		int ifx = link_ifx(c, s[j].port);
		if (ifx >= 0)           /* else a reload removed its interface: it fails */
			solicit(r, c, w, (uint16_t)ifx, s[j].family, s[j].ip);
	}
	/* packets whose next hop never answered: host (address) unreachable, as Linux sends */
	struct pkt_buf *dead[16];
	while ((k = nb_failed_take(r->nb, dead, 16)) != 0) {
		for (unsigned j = 0; j < k; j++) {
			struct pkt_buf *p = dead[j];
			/* it waited as it came in: its port and tag say where from (after a
			 * reload, by the new config's interfaces) */
			int iif = p->port < PKT_MAX_PORTS ? rtr_ingress(c, p) : -1;
			bool v6 = p->meta.l3 == PKT_L3_IPV6;
			if (iif >= 0 && icmp_error(r, &c->ifc[iif], p, v6, 3, 1, 1, 3, 0, now_ms)) {
				output(r, c, w, p, (uint16_t)iif, now_ms, NULL);
				if (p->verdict == (PKT_V_FWD | c->ifc[iif].port)) {
					pkt_txq_push(w, c->ifc[iif].port, p);
					continue;
				}
			}
			r->unreachable_dropped++;
			pkt_free(p);
		}
	}
}

bool rtr_answer_source(const struct rtr_pkt *x, uint8_t out[16])
{
	if (x->iif < 0)
		return false;
	const uint8_t *ip = x->p->data + x->p->meta.l3_off;
	const uint8_t *src = rtr_source(&x->c->ifc[x->iif], x->v6 ? 6 : 4, ip + (x->v6 ? 8 : 12));
	if (!src)
		return false;
	memcpy(out, src, x->v6 ? 16 : 4);
	return true;
}
