/* Connection tracking, the protocols: which packets may start a connection, the TCP state
 * machine with its sequence-window checks, UDP/ICMP/other pseudo-connections, and ICMP
 * errors matched to the flow they quote. */
#include "ct.h"
#include "ct_internal.h"

#include "pkt_parse.h"

#include <string.h>

#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_PSH 0x08u
#define TH_ACK 0x10u
#define TH_URG 0x20u

/* Sequence-space comparisons (RFC 1982). */
static inline bool seq_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_after(uint32_t a, uint32_t b) { return (int32_t)(b - a) < 0; }

/* The flag combinations a TCP stack sends (ECE and CWR aside); anything else (no flags,
 * SYN with FIN or RST, FIN without ACK, "Xmas") is a scan or garbage. */
static bool tcp_flags_valid(uint8_t f)
{
	f &= TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK | TH_URG;
	switch (f & ~(TH_PSH | TH_URG)) {
	case TH_SYN: return !(f & TH_PSH);
	case TH_SYN | TH_ACK: return !(f & TH_PSH);
	case TH_RST:
	case TH_RST | TH_ACK:
	case TH_FIN | TH_ACK:
	case TH_ACK: return true;
	default: return false;
	}
}

struct tcp_seg {
	uint32_t seq, ack, end;         /* end: seq + payload + SYN + FIN */
	uint32_t win;                   /* as on the wire */
	uint8_t flags;
	int wscale;                     /* window scale option on a SYN, -1 none */
};

static void tcp_read(const struct pkt_buf *p, struct tcp_seg *s)
{
	const uint8_t *th = p->data + p->meta.l4_off;
	unsigned doff = (unsigned)(th[12] >> 4) * 4;
	unsigned len = (unsigned)(p->meta.l3_end - p->meta.l4_off) - doff;
	s->seq = pkt_rd32(th + 4);
	s->ack = pkt_rd32(th + 8);
	s->flags = th[13];
	s->win = pkt_rd16(th + 14);
	s->end = s->seq + len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	s->wscale = -1;
	if (!(s->flags & TH_SYN))
		return;
	for (unsigned o = 20; o < doff;) {
		uint8_t kind = th[o];
		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			continue;
		}
		if (o + 1 >= doff || th[o + 1] < 2 || o + th[o + 1] > doff)
			break;
		if (kind == 3 && th[o + 1] == 3)
			s->wscale = th[o + 2] > 14 ? 14 : th[o + 2];
		o += th[o + 1];
	}
}

static void side_init(struct ct_tcp_side *sd, const struct tcp_seg *s)
{
	sd->end = s->end;
	sd->maxwin = s->win ? s->win : 1;
	sd->maxend = s->end;
	sd->flags = CT_TCPF_SEEN | (s->wscale >= 0 ? CT_TCPF_WSCALE : 0);
	sd->wscale = s->wscale >= 0 ? (uint8_t)s->wscale : 0;
	sd->fin_end = 0;
}

/* The four window checks of "Real Stateful TCP Packet Filtering in IP Filter" (van Rooij),
 * then the update. false: out of window, nothing changed. */
static bool tcp_window(struct ct_tcp_side *snd, struct ct_tcp_side *rcv, const struct tcp_seg *s, bool liberal)
{
	uint32_t ack = s->flags & TH_ACK ? s->ack : rcv->end;
	uint32_t win = s->flags & TH_SYN ? s->win : s->win << snd->wscale;
	if (!liberal && (rcv->flags & CT_TCPF_SEEN)) {
		uint32_t maxack = snd->maxwin > 66000 ? snd->maxwin : 66000;
		if (!(seq_before(s->seq, snd->maxend + 1) &&                    /* I: not beyond what the peer allows */
		      seq_after(s->end, snd->end - rcv->maxwin - 1) &&         /* II: not older than a window */
		      seq_before(ack, rcv->end + 1) &&                         /* III: acks nothing unsent */
		      seq_after(ack, rcv->end - maxack - 1)))                  /* IV: not a stale ack */
			return false;
	}
	if (seq_after(s->end, snd->end))
		snd->end = s->end;
	if (snd->maxwin < win)
		snd->maxwin = win;
	if (s->flags & TH_ACK) {
		uint32_t edge = ack + (win ? win : 1);
		if (!(rcv->flags & CT_TCPF_SEEN) || seq_after(edge, rcv->maxend))
			rcv->maxend = edge;
	}
	/* a sender's own edge never falls behind what it has sent */
	if (seq_after(snd->end, snd->maxend))
		snd->maxend = snd->end;
	return true;
}

static enum ct_tcp_state closing_state(const struct ct_entry *e)
{
	uint8_t f0 = e->tcp[0].flags, f1 = e->tcp[1].flags;
	bool fin0 = f0 & CT_TCPF_FIN, fin1 = f1 & CT_TCPF_FIN;
	if (!fin0 && !fin1)
		return CT_TCP_ESTABLISHED;
	if (fin0 && fin1)
		return (f0 & f1 & CT_TCPF_FIN_ACKED) ? CT_TCP_TIME_WAIT : CT_TCP_LAST_ACK;
	return ((fin0 ? f0 : f1) & CT_TCPF_FIN_ACKED) ? CT_TCP_CLOSE_WAIT : CT_TCP_FIN_WAIT;
}

static const enum ct_timeout tcp_timeout[CT_TCP__COUNT] = {
	[CT_TCP_NONE] = CT_TO_TCP_CLOSE,
	[CT_TCP_SYN_SENT] = CT_TO_TCP_SYN_SENT, [CT_TCP_SYN_SENT2] = CT_TO_TCP_SYN_SENT,
	[CT_TCP_SYN_RECV] = CT_TO_TCP_SYN_RECV,
	[CT_TCP_ESTABLISHED] = CT_TO_TCP_ESTABLISHED, [CT_TCP_FIN_WAIT] = CT_TO_TCP_FIN_WAIT,
	[CT_TCP_CLOSE_WAIT] = CT_TO_TCP_CLOSE_WAIT, [CT_TCP_LAST_ACK] = CT_TO_TCP_LAST_ACK,
	[CT_TCP_TIME_WAIT] = CT_TO_TCP_TIME_WAIT, [CT_TCP_CLOSE] = CT_TO_TCP_CLOSE,
};

#define TCPF_LIBERAL 0x10u              /* picked up mid-stream: windows are not checked */

/* A packet of a tracked TCP connection. Returns CT_INV_NONE, or why it is invalid (the
 * entry untouched). */
static enum ct_invalid tcp_packet(struct ct_table *t, struct ct_entry *e, unsigned dir, const struct tcp_seg *s,
				  uint64_t now)
{
	struct ct_tcp_side *snd = &e->tcp[dir], *rcv = &e->tcp[!dir];
	enum ct_tcp_state st = e->proto_state, next = st;
	uint8_t f = s->flags;
	bool liberal = (e->tcp[0].flags | e->tcp[1].flags) & TCPF_LIBERAL;

	if (f & TH_RST) {
		/* in SYN_SENT a reset must acknowledge the SYN, or it is a blind reset */
		if (st == CT_TCP_SYN_SENT && (dir != 1 || !(f & TH_ACK) || s->ack != e->tcp[0].end))
			return CT_INV_TCP_STATE;
		if (!tcp_window(snd, rcv, s, liberal))
			return CT_INV_TCP_WINDOW;
		next = CT_TCP_CLOSE;
	} else if (f & TH_SYN) {
		bool simopen = st == CT_TCP_SYN_SENT2 || (e->flags & CT_F_SIMOPEN);
		if (!(f & TH_ACK)) {
			/* the opener retransmitting its SYN (maybe with a new ISN), or the other
			 * side's own SYN: a simultaneous open (RFC 9293 3.5), as Linux tracks it */
			if (st == CT_TCP_SYN_RECV && dir == 0 && !simopen && s->end == snd->end) {
				/* the SYN again after the SYN-ACK was lost or late: the same ISN,
				 * passed on and nothing changed; the server answers it again */
				t->cnt.syn_retrans++;
				return CT_INV_NONE;
			}
			if (st != CT_TCP_SYN_SENT && st != CT_TCP_SYN_SENT2)
				return CT_INV_TCP_STATE;
			side_init(snd, s);
			if (dir == 1)
				next = CT_TCP_SYN_SENT2;
		} else {
			/* the answer to the SYN, or its retransmission; after a simultaneous open
			 * either side answers the other's SYN */
			if ((dir != 1 && !simopen) ||
			    (st != CT_TCP_SYN_SENT && st != CT_TCP_SYN_SENT2 && st != CT_TCP_SYN_RECV && st != CT_TCP_ESTABLISHED))
				return CT_INV_TCP_STATE;
			if (s->ack != rcv->end)
				return CT_INV_TCP_WINDOW;
			if (st == CT_TCP_SYN_SENT)
				side_init(snd, s);
			if (st == CT_TCP_SYN_SENT2)
				e->flags |= CT_F_SIMOPEN;
			/* window scaling holds only if both sides offered it */
			if (!(snd->flags & rcv->flags & CT_TCPF_WSCALE))
				snd->wscale = rcv->wscale = 0;
			if (!tcp_window(snd, rcv, s, liberal))
				return CT_INV_TCP_WINDOW;
			if (st == CT_TCP_SYN_SENT || st == CT_TCP_SYN_SENT2)
				next = CT_TCP_SYN_RECV;
		}
	} else {
		if (st == CT_TCP_SYN_SENT || st == CT_TCP_SYN_SENT2 || st == CT_TCP_CLOSE)
			return CT_INV_TCP_STATE;
		if (st == CT_TCP_SYN_RECV && dir == 1 && !(e->flags & CT_F_SIMOPEN))
			return CT_INV_TCP_STATE;   /* the responder must not speak before the handshake ends */
		if (!tcp_window(snd, rcv, s, liberal))
			return CT_INV_TCP_WINDOW;
		if (f & TH_FIN) {
			if (!(snd->flags & CT_TCPF_FIN))
				snd->fin_end = s->end;
			snd->flags |= CT_TCPF_FIN;
		}
		if ((f & TH_ACK) && (rcv->flags & CT_TCPF_FIN) && !seq_before(s->ack, rcv->fin_end))
			rcv->flags |= CT_TCPF_FIN_ACKED;
		if (st == CT_TCP_SYN_RECV)
			next = (f & TH_FIN) ? CT_TCP_FIN_WAIT : CT_TCP_ESTABLISHED;
		if (st >= CT_TCP_ESTABLISHED || next == CT_TCP_ESTABLISHED || next == CT_TCP_FIN_WAIT)
			next = closing_state(e);
	}
	if (next == CT_TCP_ESTABLISHED && st != CT_TCP_ESTABLISHED && (e->flags & CT_F_SEEN_REPLY))
		e->flags |= CT_F_ASSURED;
	if (liberal && dir == 1)
		e->flags |= CT_F_ASSURED;
	e->proto_state = (uint8_t)next;
	e->expires = now + t->timeout_ms[tcp_timeout[next]];
	return CT_INV_NONE;
}

/* ---- ICMP ---- */

static bool icmp_is_error(uint8_t proto, uint8_t type)
{
	if (proto == PKT_IPPROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/* Requests that open a pseudo-connection: echo, timestamp, information, address mask;
 * ICMPv6 echo and node information. */
static bool icmp_opens(uint8_t proto, uint8_t type)
{
	if (proto == PKT_IPPROTO_ICMP)
		return type == 8 || type == 13 || type == 15 || type == 17;
	return type == 128 || type == 139;
}

/* Neighbour discovery and multicast listener messages: link-local control, not connections. */
static bool icmp6_untracked(uint8_t type)
{
	return (type >= 130 && type <= 137) || type == 143;
}

/* A key made without VLAN zones (ct_config.vlan_zones off) has no VLAN ID. */
static inline void unzone(const struct ct_table *t, struct pkt_flow_key *k)
{
	k->vlan &= t->vlan_mask;
}

/* The flow key of the packet an ICMP error quotes, as that packet went. */
static bool icmp_inner_key(const struct ct_table *t, const struct pkt_buf *p, struct pkt_flow_key *k)
{
	const uint8_t *start = p->data + p->meta.l4_off + 8;
	const uint8_t *end = p->data + p->meta.l3_end;
	const uint8_t *l4;
	uint8_t proto;
	memset(k, 0, sizeof(*k));
	k->vlan = p->meta.n_vlan ? (uint16_t)(p->meta.vlan & 0x0fff) : 0;
	unzone(t, k);
	if (p->meta.l3 == PKT_L3_IPV4) {
		if (end - start < 20 || start[0] >> 4 != 4)
			return false;
		unsigned ihl = (unsigned)(start[0] & 15) * 4;
		if (ihl < 20 || end - start < (long)ihl + 8)
			return false;
		if (pkt_rd16(start + 6) & 0x1fff)
			return false;           /* a non-first fragment quoted: no ports to match */
		memcpy(k->src, start + 12, 4);
		memcpy(k->dst, start + 16, 4);
		k->family = 4;
		proto = start[9];
		l4 = start + ihl;
	} else {
		if (end - start < 40 || start[0] >> 4 != 6)
			return false;
		memcpy(k->src, start + 8, 16);
		memcpy(k->dst, start + 24, 16);
		k->family = 6;
		proto = start[6];
		l4 = start + 40;
		for (unsigned depth = 0; depth < PKT_IP6_MAX_EXT; depth++) {
			if (proto != 0 && proto != 43 && proto != 60 && proto != 44)
				break;
			if (end - l4 < 8)
				return false;
			if (proto == 44 && (pkt_rd16(l4 + 2) & 0xfff8))
				return false;
			unsigned len = proto == 44 ? 8 : (unsigned)(l4[1] + 1) * 8;
			proto = l4[0];
			l4 += len;
		}
		if (end - l4 < 8)
			return false;
	}
	if (end - l4 < 8)
		return false;
	k->proto = proto;
	if (proto == PKT_IPPROTO_TCP || proto == PKT_IPPROTO_UDP) {
		k->sport = pkt_rd16(l4);
		k->dport = pkt_rd16(l4 + 2);
	} else if (proto == PKT_IPPROTO_ICMP || proto == PKT_IPPROTO_ICMPV6) {
		/* errors are only ever about queries (and responses) */
		if (!pkt_flow_icmp_ports(proto, l4[0], pkt_rd16(l4 + 4), &k->sport, &k->dport))
			return false;
	}
	return true;
}

/* ---- the entry points ---- */

static void set_state(struct ct_table *t, struct ct_pkt *cp, enum ct_state st, enum ct_invalid why)
{
	cp->state = (uint8_t)st;
	cp->invalid = (uint8_t)why;
	t->cnt.state[__builtin_ctz(st)]++;
	if (st == CT_S_INVALID)
		t->cnt.invalid[why]++;
}

static enum ct_timeout other_timeout(const struct ct_entry *e)
{
	switch (e->key.proto) {
	case PKT_IPPROTO_UDP: return (e->flags & CT_F_SEEN_REPLY) ? CT_TO_UDP_STREAM : CT_TO_UDP;
	case PKT_IPPROTO_ICMP:
	case PKT_IPPROTO_ICMPV6: return CT_TO_ICMP;
	default: return CT_TO_GENERIC;
	}
}

/* A packet whose connection is looked up by its own flow key (not an ICMP error, not
 * untracked): the ones ct_parse_prefetch_burst can key ahead. */
static bool own_flow(const struct pkt_buf *p)
{
	const struct pkt_meta *m = &p->meta;
	if (!(m->flags & PKT_F_PARSED) || (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6))
		return false;
	if ((m->flags & PKT_F_FRAG) && ((m->flags & PKT_F_FRAG_NF) || !(m->flags & PKT_F_L4)))
		return false;
	bool icmp = (m->l4proto == PKT_IPPROTO_ICMP && m->l3 == PKT_L3_IPV4) ||
		    (m->l4proto == PKT_IPPROTO_ICMPV6 && m->l3 == PKT_L3_IPV6);
	return !icmp;   /* ICMP takes the careful path: errors, untracked ND */
}

void ct_parse_prefetch_burst(const struct ct_table *t, struct pkt_buf *const *pkts, struct ct_pkt *cps, uint16_t n,
			     uint16_t reason_base)
{
	for (uint16_t i = 0; i < n; i++) {
		enum pkt_parse_result r = pkt_parse(pkts[i]);
		if (__builtin_expect(r != PKT_PARSE_OK, 0)) {
			pkt_drop(pkts[i], (uint16_t)(reason_base + r));
			cps[i].keyed = 0;
			continue;
		}
		/* key and hash into cp, and the first bucket prefetched */
		struct ct_pkt *cp = &cps[i];
		if (!pkt_flow_key_hash4(pkts[i], t->vlan_mask, &cp->key, &cp->hash)) {
			if (!own_flow(pkts[i])) {
				cp->keyed = 0;
				continue;
			}
			pkt_flow_key(pkts[i], &cp->key);
			unzone(t, &cp->key);
			cp->hash = pkt_flow_hash(&cp->key);
		}
		cp->keyed = 1;
		/* the second bucket is rarely needed: only when the first overflowed (ct_find) */
		__builtin_prefetch(&t->buckets[cp->hash & (t->n_buckets - 1)]);
	}
	/* A table larger than the caches: each connection's first line too, once its bucket
	 * (asked for in the pass above) says where it is. A smaller one is in the cache. */
	if (t->cfg.max_entries - t->n_free < CT_PREFETCH_ENTRIES)
		return;
	for (uint16_t i = 0; i < n; i++) {
		if (!cps[i].keyed)
			continue;
		const struct ct_bucket *b = &t->buckets[cps[i].hash & (t->n_buckets - 1)];
		unsigned m = ct_sig_match(b, cps[i].hash);
		uint32_t idx = m ? b->idx[__builtin_ctz(m)] : 0;
		if (idx)
			__builtin_prefetch(ct_slot_entry(t, idx));
	}
}

void ct_track(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp)
{
	cp->keyed = 0;
	ct_track_prefetched(t, p, now, cp);
}

/* The packets that are not looked up by their own flow key (own_flow() is false): not
 * IP, fragments without ports, ICMP errors (related to the flow they quote), untracked
 * ICMPv6. true when p was one of them and cp says what it is. */
static bool track_special(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp)
{
	const struct pkt_meta *m = &p->meta;
	if (!(m->flags & PKT_F_PARSED) || (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6)) {
		set_state(t, cp, CT_S_UNTRACKED, CT_INV_NONE);
		return true;
	}
	/* a first fragment with its transport header is the datagram (frag.h follows the rest) */
	if ((m->flags & PKT_F_FRAG) && ((m->flags & PKT_F_FRAG_NF) || !(m->flags & PKT_F_L4))) {
		set_state(t, cp, CT_S_INVALID, CT_INV_FRAGMENT);
		return true;
	}
	uint8_t proto = m->l4proto;
	bool l4 = m->flags & PKT_F_L4;
	if ((proto == PKT_IPPROTO_ICMP && m->l3 == PKT_L3_IPV4) || (proto == PKT_IPPROTO_ICMPV6 && m->l3 == PKT_L3_IPV6)) {
		uint8_t type = l4 ? p->data[m->l4_off] : 0;
		if (l4 && icmp_is_error(proto, type)) {
			struct pkt_flow_key inner, rev;
			unsigned dir;
			if (!icmp_inner_key(t, p, &inner)) {
				set_state(t, cp, CT_S_INVALID, CT_INV_ICMP_INNER);
				return true;
			}
			/* The error travels against the quoted packet: it is the quoted key's reverse
			 * that is looked up, as Linux does, and the direction it is found in is the
			 * error's. A translated connection is found so by its two keys only: an error
			 * from outside quoting a translated outgoing packet (the reply key's reverse)
			 * by the reply key, direction 1; one from inside quoting a translated reply
			 * (the original key's reverse) by the original key, direction 0. */
			pkt_flow_key_reverse(&inner, &rev);
			cp->e = ct_find(t, &rev, pkt_flow_hash(&rev), now, &dir);
			if (!cp->e) {
				set_state(t, cp, CT_S_INVALID, CT_INV_ICMP_NO_FLOW);
				return true;
			}
			cp->dir = (uint8_t)dir;
			set_state(t, cp, CT_S_RELATED, CT_INV_NONE);
			return true;
		}
		if (l4 && proto == PKT_IPPROTO_ICMPV6 && icmp6_untracked(type)) {
			set_state(t, cp, CT_S_UNTRACKED, CT_INV_NONE);
			return true;
		}
	}
	return false;
}

/* A packet found in e's direction dir and valid there: counted, and new until a reply is seen. */
static inline __attribute__((always_inline)) void found(struct ct_table *t, struct ct_entry *e, unsigned dir,
							 struct ct_pkt *cp)
{
	cp->e = e;
	cp->dir = (uint8_t)dir;
	set_state(t, cp, dir == 1 || (e->flags & CT_F_SEEN_REPLY) ? CT_S_ESTABLISHED : CT_S_NEW, CT_INV_NONE);
}

/* A TCP segment with its whole header: its connection's state machine and windows, or
 * whether it may open one. Out of line: it needs more registers than the rest. */
static __attribute__((noinline)) void track_tcp(struct ct_table *t, const struct pkt_buf *p, uint64_t now,
						 struct ct_pkt *cp)
{
	struct tcp_seg seg;
	tcp_read(p, &seg);
	cp->tcp_flags = seg.flags;
	if (!tcp_flags_valid(seg.flags)) {
		set_state(t, cp, CT_S_INVALID, CT_INV_TCP_FLAGS);
		return;
	}
	unsigned dir = 0;
	struct ct_entry *e = ct_find(t, &cp->key, cp->hash, now, &dir);
	if (e && dir == 0 && (seg.flags & (TH_SYN | TH_ACK)) == TH_SYN &&
	    (e->proto_state == CT_TCP_TIME_WAIT || e->proto_state == CT_TCP_CLOSE)) {
		/* a new connection on a closed one's addresses and ports */
		ct_remove(t, e);
		t->cnt.closed_reuse++;
		e = NULL;
	}
	if (!e) {
		uint8_t f = seg.flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN);
		if (f != TH_SYN && !(t->cfg.tcp_loose && f == TH_ACK))
			set_state(t, cp, CT_S_INVALID, CT_INV_TCP_NO_ENTRY);
		else
			set_state(t, cp, CT_S_NEW, CT_INV_NONE);
		return;
	}
	enum ct_invalid why = tcp_packet(t, e, dir, &seg, now);
	if (why != CT_INV_NONE) {
		set_state(t, cp, CT_S_INVALID, why);
		return;
	}
	if (dir == 1)
		e->flags |= CT_F_SEEN_REPLY;
	found(t, e, dir, cp);
}

/* A packet of a tracked connection other than TCP's, found in direction dir. */
static inline __attribute__((always_inline)) void track_known(struct ct_table *t, struct ct_entry *e, unsigned dir,
							       uint64_t now, struct ct_pkt *cp)
{
	if (dir == 1 && !(e->flags & CT_F_SEEN_REPLY))
		e->flags |= CT_F_SEEN_REPLY | CT_F_ASSURED;
	e->expires = now + t->timeout_ms[other_timeout(e)];
	found(t, e, dir, cp);
}

/* A packet other than TCP with no connection: may it start one? */
static void track_first(struct ct_table *t, const struct pkt_buf *p, struct ct_pkt *cp)
{
	const struct pkt_meta *m = &p->meta;
	uint8_t proto = m->l4proto;
	if ((proto == PKT_IPPROTO_ICMP && m->l3 == PKT_L3_IPV4) || (proto == PKT_IPPROTO_ICMPV6 && m->l3 == PKT_L3_IPV6)) {
		if (!(m->flags & PKT_F_L4) || !icmp_opens(proto, p->data[m->l4_off])) {
			set_state(t, cp, CT_S_INVALID, CT_INV_ICMP_NEW);
			return;
		}
	}
	set_state(t, cp, CT_S_NEW, CT_INV_NONE);
}

static void damaged(struct ct_table *t, const struct pkt_buf *p, struct ct_pkt *cp)
{
	cp->keyed = 0;
	set_state(t, cp, CT_S_INVALID, pkt_l4_csum_partial(p) ? CT_INV_CHECKSUM_PARTIAL : CT_INV_CHECKSUM);
}

/* A keyed packet other than TCP: its connection, or whether it may start one. check: its
 * transport checksum is still to be verified. It is where the packet would change what
 * the table knows: one that opens a connection, or the first answer (which assures it).
 * A later one only renews the timeout and is passed on unverified, its checksum as wrong
 * as it came (incremental updates keep it so) for its receiver to drop, as a router does;
 * TCP's every segment moves the windows and is verified before it is looked up. */
static inline __attribute__((always_inline)) void track_keyed(struct ct_table *t, const struct pkt_buf *p,
							       uint64_t now, struct ct_pkt *cp, bool check)
{
	unsigned dir = 0;
	struct ct_entry *e = ct_find(t, &cp->key, cp->hash, now, &dir);
	if (check && (!e || (dir == 1 && !(e->flags & CT_F_SEEN_REPLY))) && !pkt_l4_csum_ok(p)) {
		damaged(t, p, cp);
		return;
	}
	if (e)
		track_known(t, e, dir, now, cp);
	else
		track_first(t, p, cp);
}

/* Packets ct_parse_prefetch_burst did not key, and TCP. */
static __attribute__((noinline)) void track_unkeyed_or_tcp(struct ct_table *t, const struct pkt_buf *p, uint64_t now,
							    struct ct_pkt *cp, bool check)
{
	bool tcp = p->meta.l4proto == PKT_IPPROTO_TCP && (p->meta.flags & PKT_F_L4);
	/* TCP, and what is not looked up by its own flow (ICMP, errors), verified first */
	if (check && (tcp || !own_flow(p))) {
		if (!pkt_l4_csum_ok(p)) {
			damaged(t, p, cp);
			return;
		}
		check = false;
	}
	if (!cp->keyed) {
		if (track_special(t, p, now, cp))
			return;
		pkt_flow_key(p, &cp->key);
		unzone(t, &cp->key);
		cp->hash = pkt_flow_hash(&cp->key);
	}
	cp->keyed = 0;
	if (tcp) {
		track_tcp(t, p, now, cp);
		return;
	}
	track_keyed(t, p, now, cp, check);
}

void ct_track_prefetched(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp)
{
	cp->e = NULL;
	cp->dir = 0;
	cp->tcp_flags = 0;
	t->cnt.packets++;
	/* a damaged (or forged) segment changes no state: a whole transport header, its
	 * datagram whole (a fragment's checksum covers the others too) */
	bool check = t->cfg.checksum &&
		     (p->meta.flags & (PKT_F_PARSED | PKT_F_L4 | PKT_F_FRAG)) == (PKT_F_PARSED | PKT_F_L4) &&
		     !(p->ol_flags & PKT_OL_L4_CSUM_GOOD);
	/* a keyed packet (ct_parse_prefetch_burst) was already found to have a flow of its own */
	if (cp->keyed && p->meta.l4proto != PKT_IPPROTO_TCP) {
		cp->keyed = 0;
		track_keyed(t, p, now, cp, check);
		return;
	}
	track_unkeyed_or_tcp(t, p, now, cp, check);
}

bool ct_commit_new(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp)
{
	struct ct_entry *e = ct_insert(t, &cp->key, cp->hash, now);
	if (!e)
		return false;
	if (cp->key.proto == PKT_IPPROTO_TCP && (p->meta.flags & PKT_F_L4)) {
		struct tcp_seg s;
		tcp_read(p, &s);
		side_init(&e->tcp[0], &s);
		if (s.flags & TH_SYN) {
			e->proto_state = CT_TCP_SYN_SENT;
		} else {
			/* picked up mid-stream: the history (and window scale) is lost, so the
			 * windows are not checked; the state is taken as established */
			e->tcp[0].maxend = s.end + e->tcp[0].maxwin;
			e->tcp[0].flags |= TCPF_LIBERAL;
			e->proto_state = CT_TCP_ESTABLISHED;
		}
		e->expires = now + t->timeout_ms[tcp_timeout[e->proto_state]];
	} else {
		e->expires = now + t->timeout_ms[other_timeout(e)];
	}
	cp->e = e;
	return true;
}
