/* The router's fragments (router.h): an IPv4 datagram too big for the way out is
 * fragmented (RFC 791); a later fragment follows its datagram's first one (frag.h), with
 * the addresses that one left with and by the way it went. */
#include "rtr_int.h"

#include "pkt_csum.h"
#include "pkt_parse.h"

#include <string.h>

#define FRAG_OUT_MAX 32           /* fragments one datagram may become (9216 bytes at 576) */

/* RFC 791 fragmentation of an IPv4 datagram without DF that is too big for mtu, after
 * the forward chain accepted it whole (as Linux does): p becomes the first fragment and
 * goes on in the burst; the others are new buffers sent after it. Every fragment has the
 * datagram's header length; the first carries all its options, the others only those
 * with the copied flag, the rest overwritten with no-operations (RFC 791 3.1; Linux's
 * ip_options_fragment does the same). */
void rtr_fragment_out(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
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
	unsigned got = n <= FRAG_OUT_MAX ? pkt_alloc_burst(r->in.pool, more, n - 1) : 0;
	if (n > FRAG_OUT_MAX || got != n - 1) {
		if (got) {
			pkt_free_burst(more, got);
			r->frag_out_failed++;    /* the pool ran short */
		}
		pkt_drop(p, R(r, MTU));
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
	r->frag_out += n;
	rtr_next_hop(r, c, w, p, nh, false, now);
	for (unsigned k = 1; k < n; k++)
		if (rtr_send_late(r, c, w, more[k - 1], nh, false, now) > NB_QUEUED) {
			r->frag_out_failed++;
			pkt_free(more[k - 1]);
		}
}

/* The addresses of an IPv4 packet that went out, when they differ from the fragment
 * key's (what came in). */
static void out_of(const struct frag_key *k, const struct pkt_buf *p, struct frag_out *o)
{
	o->set = false;
	if (k->family != 4 || !p)
		return;
	const uint8_t *ip = p->data + p->meta.l3_off;
	if (!memcmp(ip + 12, k->src, 4) && !memcmp(ip + 16, k->dst, 4))
		return;
	o->set = true;
	memcpy(o->src, ip + 12, 4);
	memcpy(o->dst, ip + 16, 4);
}

/* A later fragment takes the addresses its first one left with: the header's checksum
 * follows (its transport checksum is in the first fragment). */
static void readdress(struct pkt_buf *p, const struct frag_out *o)
{
	if (!o->set)
		return;
	uint8_t *ip = p->data + p->meta.l3_off;
	uint16_t sum = pkt_rd16(ip + 10);
	for (unsigned i = 0; i < 8; i += 2) {
		const uint8_t *to = i < 4 ? o->src + i : o->dst + i - 4;
		sum = pkt_csum_update16(sum, pkt_rd16(ip + 12 + i), pkt_rd16(to));
		pkt_wr16(ip + 12 + i, pkt_rd16(to));
	}
	pkt_wr16(ip + 10, sum);
}

void rtr_frag_decided(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, const struct frag_key *k,
		      const struct pkt_buf *p, bool accepted, const struct rt_nexthop *nh, uint64_t now)
{
	struct frag_out o;
	out_of(k, accepted ? p : NULL, &o);
	struct pkt_buf *rel[FRAG_HOLD];
	unsigned n = frag_decided_out(r->frag, k, accepted, &o, now, rel);
	for (unsigned j = 0; j < n; j++) {
		/* a fragment that waited may be one of this burst: dropped with pkt_discard */
		struct pkt_buf *q = rel[j];
		bool v6 = q->meta.l3 == PKT_L3_IPV6;
		if (!accepted) {
			pkt_discard(w, q, R(r, FRAGMENT));
			continue;
		}
		if (q->data[q->meta.l3_off + (v6 ? 7 : 8)] <= 1) {
			r->frag_lost++;
			pkt_discard(w, q, R(r, TTL));
			continue;
		}
		readdress(q, &o);
		/* too big for the way out: a fragment that waited is not fragmented again (it
		 * goes after the burst), and one with DF gets no error (RFC 1122 3.2.2) */
		if ((uint32_t)(q->meta.l3_end - q->meta.l3_off) > c->ifc[nh->port].cfg->mtu) {
			r->frag_lost++;
			pkt_discard(w, q, R(r, MTU));
			continue;
		}
		rtr_ttl_down(q, v6);
		enum nb_result res = rtr_send_late(r, c, w, q, nh, v6, now);
		if (res > NB_QUEUED) {
			r->frag_lost++;
			pkt_discard(w, q, rtr_neigh_reason(r, res));
		}
	}
}

void rtr_frag_later(struct rtr *r, const struct rtr_conf *c, struct pkt_worker *w, struct pkt_buf *p,
		    const struct frag_key *k, uint16_t iif, uint64_t now)
{
	bool v6 = p->meta.l3 == PKT_L3_IPV6;
	uint8_t *ip = p->data + p->meta.l3_off;
	/* what does not depend on the datagram's first fragment is checked before anything
	 * waits for it: a group or broadcast frame, a martian is never forwarded */
	if (rtr_group(v6, ip + (v6 ? 24 : 16))) {
		pkt_drop(p, R(r, FRAGMENT));    /* for us: nothing we answer comes in fragments */
		return;
	}
	if ((p->data[0] & 1) || rtr_martian(v6, ip + (v6 ? 8 : 12), ip + (v6 ? 24 : 16))) {
		pkt_drop(p, R(r, MARTIAN));
		return;
	}
	struct frag_out o;
	enum frag_result fr = frag_lookup(r->frag, k, now, &o);
	if (fr == FRAG_HELD) {
		/* its first fragment is not judged yet. Without a prerouting hook nothing
		 * rewrites a destination: one for us is dropped now, as nothing we answer comes
		 * in fragments; else it waits for its first one */
		const uint8_t *dst = ip + (v6 ? 24 : 16);
		const struct rt_nexthop *nh = v6 ? rt_lookup6(c->rt, dst) : rt_lookup4(c->rt, dst);
		if (!r->in.hooks->prerouting && ((nh && nh->kind == RT_LOCAL) || rtr_group(v6, dst) ||
						 (v6 && !memcmp(dst, c->ifc[iif].ll6, 16)))) {
			pkt_drop(p, R(r, FRAGMENT));
			return;
		}
		fr = frag_later_out(r->frag, k, p, now, &o);
	} else {
		fr = frag_later_out(r->frag, k, p, now, &o);    /* counted, and its time renewed */
	}
	switch (fr) {
	case FRAG_PASS:
		break;
	case FRAG_HELD:
		pkt_taken(p);
		return;
	case FRAG_FULL:
		pkt_drop(p, R(r, FRAG_FULL));
		return;
	default:
		pkt_drop(p, R(r, FRAGMENT));
		return;
	}
	readdress(p, &o);
	const uint8_t *src = ip + (v6 ? 8 : 12), *dst = ip + (v6 ? 24 : 16);
	const struct rt_nexthop *nh = v6 ? rt_lookup6(c->rt, dst) : rt_lookup4(c->rt, dst);
	if ((nh && nh->kind == RT_LOCAL) || rtr_group(v6, dst)) {
		pkt_drop(p, R(r, FRAGMENT));
		return;
	}
	if ((p->data[0] & 1) || rtr_martian(v6, src, dst)) {
		pkt_drop(p, R(r, MARTIAN));
		return;
	}
	/* no ICMP error about a later fragment (RFC 1122 3.2.2) */
	if (ip[v6 ? 7 : 8] <= 1) {
		pkt_drop(p, R(r, TTL));
		return;
	}
	if (!nh) {
		pkt_drop(p, R(r, NO_ROUTE));
		return;
	}
	uint32_t mtu = c->ifc[nh->port].cfg->mtu;
	bool too_big = (uint32_t)(p->meta.l3_end - p->meta.l3_off) > mtu;
	if (too_big && (v6 || (pkt_rd16(ip + 6) & 0x4000))) {
		pkt_drop(p, R(r, MTU));
		return;
	}
	rtr_ttl_down(p, v6);
	if (too_big)
		rtr_fragment_out(r, c, w, p, nh, mtu, now);
	else
		rtr_next_hop(r, c, w, p, nh, v6, now);
}
