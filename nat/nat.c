/* The NAT44 engine's packet path (nat.h). Ports here are as conntrack keys them
 * (pkt_flow.h): TCP and UDP ports, and for an ICMP query (identifier, kind), its response
 * (kind, identifier), so that a reply's key is always its request's reversed. */
#include "nat.h"

#include "pkt_xlate.h"
#include "pkt_flow.h"
#include "pkt_parse.h"

#include <stdio.h>
#include <string.h>

#define NAT_R_NAME(id, str) str,
const char *const nat_reason_names[NAT_R__COUNT] = { "ok", NAT_REASONS(NAT_R_NAME) };
#undef NAT_R_NAME

/* Which mappings a translated connection holds, in its conntrack entry's app bits. */
#define F_MAPPED CT_F_APP1      /* its source's mapping (nat_map_session_open) */
#define F_INBOUND CT_F_APP2     /* the mapping it came in through (nat_map_session_join) */

static inline uint32_t rd32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static inline void wr32(uint8_t *a, uint32_t v)
{
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

/* A packet's two ends as conntrack keys them, read from the packet as it is now. */
struct ends {
	uint8_t src[4], dst[4];
	uint16_t sport, dport;
	uint8_t proto;
	bool query, response;   /* an ICMP query or its response: the identifier is a port */
	bool l4;
};

static void ends_of(const struct pkt_buf *p, struct ends *e)
{
	const struct pkt_meta *m = &p->meta;
	const uint8_t *ip = p->data + m->l3_off;
	memcpy(e->src, ip + 12, 4);
	memcpy(e->dst, ip + 16, 4);
	e->proto = m->l4proto;
	e->sport = e->dport = 0;
	e->query = e->response = false;
	e->l4 = (m->flags & PKT_F_L4) != 0;
	if (!e->l4)
		return;
	const uint8_t *l4 = p->data + m->l4_off;
	if (e->proto == PKT_IPPROTO_TCP || e->proto == PKT_IPPROTO_UDP) {
		e->sport = pkt_rd16(l4);
		e->dport = pkt_rd16(l4 + 2);
	} else if (e->proto == PKT_IPPROTO_ICMP &&
		   pkt_flow_icmp_ports(PKT_IPPROTO_ICMP, l4[0], pkt_rd16(l4 + 4), &e->sport, &e->dport)) {
		e->query = true;
		e->response = e->dport == pkt_rd16(l4 + 4) && l4[0] != 8 && l4[0] != 13 && l4[0] != 15 && l4[0] != 17;
	}
}

/* The mapping protocol of a connection, or -1 (address-only translation). */
static int pclass(uint8_t proto)
{
	return proto == PKT_IPPROTO_TCP ? NAT_TCP : proto == PKT_IPPROTO_UDP ? NAT_UDP : proto == PKT_IPPROTO_ICMP ? NAT_ICMP : -1;
}

/* The identifier an ICMP query must carry when its source (src) or destination end
 * becomes port (key order); TCP and UDP take the port itself. */
static uint16_t wire_port(const struct ends *e, bool src, uint16_t port)
{
	if (!e->query)
		return port;
	uint16_t id = e->response ? e->dport : e->sport;
	/* a query's identifier is its source port, a response's its destination port */
	return src != e->response ? port : id;
}

static void to_dst(struct pkt_buf *p, const struct ends *e, const uint8_t addr[4], uint16_t port)
{
	if (!memcmp(e->dst, addr, 4) && (!e->l4 || e->dport == port))
		return;
	pkt_xlate_dst(p, addr, wire_port(e, false, port));
}

static void to_src(struct pkt_buf *p, const struct ends *e, const uint8_t addr[4], uint16_t port)
{
	if (!memcmp(e->src, addr, 4) && (!e->l4 || e->sport == port))
		return;
	pkt_xlate_src(p, addr, wire_port(e, true, port));
}

bool nat_in_prefix4(const uint8_t *a, const struct cf_prefix *p)
{
	uint32_t mask = p->len ? 0xffffffffu << (32 - p->len) : 0;
	return ((rd32(a) ^ rd32(p->addr)) & mask) == 0;
}

static bool addr_ok(const struct nat_addr_match *m, const struct cf_config *cf, const uint8_t *a)
{
	if (!m->kind)
		return true;
	bool in = false;
	if (m->kind == 1) {
		in = nat_in_prefix4(a, &m->prefix);
	} else {
		const struct cf_set *s = &cf->set[m->set];
		for (unsigned i = 0; i < s->n && !in; i++)
			in = nat_in_prefix4(a, &s->prefixes[i]);
	}
	return in != m->neg;
}

static bool port_ok(const struct nat_port_match *m, const struct ends *e, uint16_t port)
{
	if (!m->on)
		return true;
	if (!e->l4 || e->query)
		return false;   /* a match on a field the packet does not have never matches */
	bool in = port >= m->lo && port <= m->hi;
	return in != m->neg;
}

static bool matches(const struct nat_match *m, const struct cf_config *cf, const struct ends *e, int iif, int oif,
		    bool any_oif)
{
	if (m->iif >= 0 && (m->iif == iif) == m->iif_neg)
		return false;
	if (m->oif >= 0 && !any_oif && (m->oif == oif) == m->oif_neg)
		return false;
	if (m->proto && m->proto != e->proto)
		return false;
	return addr_ok(&m->saddr, cf, e->src) && addr_ok(&m->daddr, cf, e->dst) && port_ok(&m->sport, e, e->sport) &&
	       port_ok(&m->dport, e, e->dport);
}

static const struct nat_rule *first_match(struct nat *n, const struct nat_config *c, const struct cf_config *cf,
					  enum nat_hook h, const struct ends *e, int iif, int oif, bool any_oif)
{
	for (unsigned i = 0; i < c->n_rule[h]; i++)
		if (matches(&c->rule[h][i].m, cf, e, iif, oif, any_oif)) {
			n->hits[h][i]++;
			return &c->rule[h][i];
		}
	return NULL;
}

bool nat_owns(const struct nat_config *c, int ifx, const uint8_t ip[4])
{
	uint32_t a = rd32(ip);
	for (unsigned i = 0; i < c->n_pool; i++)
		if (c->pool_oif[i] == ifx && a >= c->pool[i].addr_lo && a <= c->pool[i].addr_hi)
			return true;
	return false;
}

/* An outside address of some pool that is not an interface's own (for which nothing but
 * a mapping may take a packet). */
static bool pool_only(const struct nat_config *c, const struct cf_config *cf, const uint8_t ip[4])
{
	uint32_t a = rd32(ip);
	bool pool = false;
	for (unsigned i = 0; i < c->n_pool && !pool; i++)
		pool = a >= c->pool[i].addr_lo && a <= c->pool[i].addr_hi;
	if (!pool)
		return false;
	for (unsigned i = 0; i < cf->n_iface; i++)
		for (unsigned k = 0; k < cf->iface[i].n_addr; k++)
			if (cf->iface[i].addr[k].family == 4 && !memcmp(cf->iface[i].addr[k].addr, ip, 4))
				return false;
	return true;
}

/* A packet to mapping mp's outside endpoint from an inside host with a mapping of its own
 * in mp's pool, the filter having refused its inside address: hairpinned, it leaves with
 * that mapping's outside address, and that is the remote mp's filter judges (RFC 4787
 * REQ-9a). Refused too, the sender's mapping remembers where it tried to go (ADF), so
 * that the other host's packet to it, the way hole punching goes, is let in. The sender
 * needs its mapping already (as after asking a STUN server); under APDF a permit would
 * need the port, which the record has no room for: refused. */
static bool hairpin_allows(struct nat *n, const struct nat_config *c, const struct nat_mapping *mp, int pc,
			   const struct ends *en)
{
	const struct nat_mapping *src = nat_map_find_in(n->map, mp->pool, (uint8_t)pc, rd32(en->src), en->sport);
	if (!src)
		return false;
	if (nat_map_filter_allows(n->map, mp, c->filter, src->out_addr))
		return true;
	if (c->filter == NAT_FILTER_ADF)
		nat_map_permit(n->map, src, mp->out_addr);
	return false;
}

static enum nat_reason drop(struct nat *n, enum nat_reason r)
{
	n->cnt.drops[r]++;
	return r;
}

/* An ICMP error related to translated connection e, travelling in direction dir (1:
 * towards the side that opened it): its outer header and quote become what that side
 * knows (RFC 5508 4.2). */
static enum nat_reason icmp_error(struct nat *n, struct pkt_buf *p, const struct ct_entry *e, unsigned dir)
{
	if (!pkt_xlate_icmp_related(p, e, dir))
		return drop(n, NAT_R_ICMP_ERROR);
	n->cnt.icmp_errors++;
	return NAT_OK;
}

/* The ends a translated connection's packet in direction dir takes: its source to
 * (sa, sp), its destination to (da, dp). */
static void targets(const struct ct_entry *e, unsigned dir, uint8_t sa[4], uint16_t *sp, uint8_t da[4], uint16_t *dp)
{
	struct ct_nat_tuple r;
	ct_nat_reply(e, &r);
	if (!dir) {
		memcpy(sa, r.dst, 4);
		*sp = r.dport;
		memcpy(da, r.src, 4);
		*dp = r.sport;
	} else {
		memcpy(sa, e->key.dst, 4);
		*sp = e->key.dport;
		memcpy(da, e->key.src, 4);
		*dp = e->key.sport;
	}
}

enum nat_reason nat_prerouting(struct nat *n, const struct nat_config *c, const struct cf_config *cf,
			       struct pkt_buf *p, struct ct_pkt *cp, int iif, uint64_t now, struct nat_note *note)
{
	(void)now;
	memset(note, 0, sizeof(*note));
	if (p->meta.l3 != PKT_L3_IPV4 || cp->state == CT_S_INVALID || cp->state == CT_S_UNTRACKED)
		return NAT_OK;
	const struct ct_entry *e = cp->e;
	if (e) {
		if (!(e->flags & CT_F_NAT))
			return NAT_OK;
		if (cp->state == CT_S_RELATED)
			return icmp_error(n, p, e, cp->dir);
		struct ends en;
		ends_of(p, &en);
		uint8_t sa[4], da[4];
		uint16_t sp, dp;
		targets(e, cp->dir, sa, &sp, da, &dp);
		to_dst(p, &en, da, dp);
		if (!en.query) {
			/* postrouting's half, while the ends are at hand */
			note->src_known = true;
			note->src_keep = !memcmp(en.src, sa, 4) && (!en.l4 || en.sport == sp);
			memcpy(note->src_addr, sa, 4);
			note->src_port = sp;
		}
		return NAT_OK;
	}
	if (cp->state != CT_S_NEW)
		return NAT_OK;
	struct ends en;
	ends_of(p, &en);
	const struct nat_rule *r = first_match(n, c, cf, NAT_HOOK_PRE, &en, iif, -1, false);
	uint8_t to[4];
	uint16_t port = en.dport;
	if (r && r->action == NAT_A_DNAT) {
		wr32(to, r->to);
		if (r->to_port_lo && en.l4 && !en.query)
			port = (uint16_t)(r->to_port_lo + (r->to_port_hi != r->to_port_lo ? en.dport - r->m.dport.lo : 0));
	} else if (r) {
		return NAT_OK;          /* accept: not translated */
	} else {
		int pc = pclass(en.proto);
		const struct nat_mapping *mp = NULL;
		if ((pc == NAT_TCP || pc == NAT_UDP) && en.l4)
			mp = nat_map_find_out(n->map, (uint8_t)pc, rd32(en.dst), en.dport);
		if (!mp)
			return pool_only(c, cf, en.dst) ? drop(n, NAT_R_NO_MAPPING) : NAT_OK;
		if (!nat_map_filter_allows(n->map, mp, c->filter, rd32(en.src)) && !hairpin_allows(n, c, mp, pc, &en))
			return drop(n, NAT_R_FILTERED);
		wr32(to, mp->in_addr);
		port = mp->in_port;
		note->via = mp;
		note->hold = true;
	}
	to_dst(p, &en, to, port);
	note->dnat = true;
	return NAT_OK;
}

/* Gives back what a connection that never made it holds. */
static void undo(struct nat *n, const struct nat_mapping *out, uint32_t out_remote, const struct nat_mapping *in,
		 uint32_t in_remote)
{
	if (out)
		nat_map_session_close(n->map, out, out_remote);
	if (in)
		nat_map_session_close(n->map, in, in_remote);
}

/* Commits p's new connection: NAT_OK, or why the table refused it (no room, or a
 * translated connection holds its reverse: its reply would be the other's, counted as the
 * table's nat_clash). */
static enum nat_reason commit(struct nat *n, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp)
{
	uint64_t clashes = ct_counters(n->ct)->nat_clash;
	if (ct_commit(n->ct, p, now, cp))
		return NAT_OK;
	return ct_counters(n->ct)->nat_clash != clashes ? NAT_R_CLASH : NAT_R_CT_FULL;
}

/* Takes back the connection just committed for a packet that then went nowhere. */
static void uncommit(struct nat *n, struct ct_pkt *cp)
{
	if (cp->e) {
		ct_remove(n->ct, cp->e);
		cp->e = NULL;
	}
}

static enum nat_reason map_reason(enum nat_map_result r)
{
	switch (r) {
	case NAT_MAP_HOST_LIMIT: return NAT_R_HOST_LIMIT;
	case NAT_MAP_NO_PORT: return NAT_R_NO_PORT;
	case NAT_MAP_NOT_IN_POOL: return NAT_R_NOT_IN_POOL;
	default: return NAT_R_TABLE_FULL;
	}
}

static void log_map(struct nat *n, const char *what, const struct nat_mapping *mp)
{
	if (!n->log_on || !n->log)
		return;
	static const char *const pn[] = { "tcp", "udp", "icmp" };
	char line[160], in[16], out[16];
	uint8_t a[4];
	wr32(a, mp->in_addr);
	snprintf(in, sizeof(in), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	wr32(a, mp->out_addr);
	snprintf(out, sizeof(out), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	snprintf(line, sizeof(line), "nat: %s %s %s:%u -> %s:%u", what, mp->proto < 3 ? pn[mp->proto] : "?", in,
		 mp->in_port, out, mp->out_port);
	n->log(n->log_arg, line);
}

enum nat_reason nat_postrouting(struct nat *n, const struct nat_config *c, const struct cf_config *cf,
				struct pkt_buf *p, struct ct_pkt *cp, int iif, int oif, uint64_t now,
				const struct nat_note *note)
{
	if (p->meta.l3 != PKT_L3_IPV4) {
		if (!ct_commit(n->ct, p, now, cp))
			return drop(n, NAT_R_CT_FULL);
		return NAT_OK;
	}
	if (cp->state == CT_S_INVALID)
		return drop(n, NAT_R_INVALID);
	struct ct_entry *e = cp->e;
	if (e && note->src_known) {
		if (!note->src_keep)
			pkt_xlate_src(p, note->src_addr, note->src_port);
		if (cp->dir)
			n->cnt.in_translated++;
		else
			n->cnt.out_translated++;
		return NAT_OK;
	}
	struct ends en;
	ends_of(p, &en);
	if (e) {
		if ((e->flags & CT_F_NAT) && cp->state != CT_S_RELATED) {
			uint8_t sa[4], da[4];
			uint16_t sp, dp;
			targets(e, cp->dir, sa, &sp, da, &dp);
			to_src(p, &en, sa, sp);
			if (cp->dir)
				n->cnt.in_translated++;
			else
				n->cnt.out_translated++;
		}
		return NAT_OK;
	}
	if (cp->state != CT_S_NEW)
		return NAT_OK;
	/* a new connection: its source translated as the postrouting chain says; a
	 * hairpinned one (sent back out of the interface it came in by, to what was an
	 * outside address) whatever interface the rule names */
	bool hairpin = note->dnat && oif == iif;
	const struct nat_rule *r = first_match(n, c, cf, NAT_HOOK_POST, &en, iif, oif, hairpin);
	bool snat = r && r->action != NAT_A_ACCEPT;
	const struct nat_mapping *out = NULL, *in = note->hold ? note->via : NULL;
	uint8_t sa[4];
	uint16_t sp = en.sport;
	memcpy(sa, en.src, 4);
	int pc = pclass(en.proto);
	if (snat) {
		const struct nat_pool *pool = &c->pool[r->pool];
		/* a new mapping's port must not make a connection conntrack already holds
		 * (an unsolicited packet to that port, committed on its way in): the
		 * allocator's veto asks conntrack for the reply key each candidate would give */
		memcpy(n->pick.remote, en.dst, 4);
		n->pick.rport = en.dport;
		n->pick.proto = en.proto;
		n->pick.now = now;
		if (pc >= 0 && en.l4 && (!en.query || !en.response)) {
			enum nat_map_result mr = nat_map_session_open(n->map, pool, (uint8_t)pc, rd32(en.src), en.sport,
								      rd32(en.dst), now, &out);
			if (mr == NAT_MAP_FULL) {
				/* as many mappings as the table holds connections: the table makes
				 * room first (an expired or unfinished connection's place, and the
				 * mapping it was the last to hold), then the map is asked again; the
				 * mapping this one joins may have gone with it */
				enum nat_reason why = commit(n, p, now, cp);
				if (why != NAT_OK)
					return drop(n, why);
				if (in && !(in = nat_map_find_out(n->map, (uint8_t)pc, rd32(cp->key.dst), cp->key.dport))) {
					uncommit(n, cp);
					return drop(n, NAT_R_NO_MAPPING);
				}
				mr = nat_map_session_open(n->map, pool, (uint8_t)pc, rd32(en.src), en.sport, rd32(en.dst), now,
							  &out);
			}
			if (mr != NAT_MAP_OK) {
				uncommit(n, cp);
				return drop(n, map_reason(mr));
			}
			if (out->sessions == 1)
				log_map(n, "map", out);
			wr32(sa, out->out_addr);
			sp = out->out_port;
		} else {
			/* no port to translate (another protocol, a response): the address only,
			 * the host's own */
			wr32(sa, nat_map_host_addr(n->map, pool, rd32(en.src)));
		}
	}
	uint32_t in_remote = rd32(sa);
	if (in) {
		enum nat_map_result mr = nat_map_session_join(n->map, in, in_remote);
		if (mr != NAT_MAP_OK) {
			undo(n, out, rd32(en.dst), NULL, 0);
			uncommit(n, cp);
			return drop(n, map_reason(mr));
		}
	}
	enum nat_reason why = commit(n, p, now, cp);       /* nothing to do when committed above */
	if (why != NAT_OK) {
		undo(n, out, rd32(en.dst), in, in_remote);
		return drop(n, why);
	}
	if (!note->dnat && !snat)
		return NAT_OK;
	e = cp->e;
	struct ct_nat_tuple rt;
	memcpy(rt.src, en.dst, 4);
	rt.sport = en.dport;
	memcpy(rt.dst, sa, 4);
	rt.dport = sp;
	uint64_t full = ct_counters(n->ct)->nat_full;
	if (!ct_nat_bind(n->ct, e, &rt)) {
		/* the reply key is another connection's, or its buckets have no room */
		bool no_room = ct_counters(n->ct)->nat_full != full;
		ct_remove(n->ct, e);
		cp->e = NULL;
		undo(n, out, rd32(en.dst), in, in_remote);
		return drop(n, no_room ? NAT_R_CT_FULL : NAT_R_CLASH);
	}
	e->flags |= (out ? F_MAPPED : 0) | (in ? F_INBOUND : 0);
	if (snat) {
		n->cnt.snat++;
		to_src(p, &en, sa, sp);
	}
	if (note->dnat)
		n->cnt.dnat++;
	if (in)
		n->cnt.inbound++;
	if (hairpin)
		n->cnt.hairpin++;
	n->cnt.out_translated++;
	return NAT_OK;
}

enum nat_reason nat_output(struct nat *n, struct pkt_buf *p, struct ct_pkt *cp)
{
	if (p->meta.l3 == PKT_L3_IPV4 && cp->state == CT_S_RELATED && cp->e && (cp->e->flags & CT_F_NAT))
		return icmp_error(n, p, cp->e, cp->dir);
	return NAT_OK;
}

/* conntrack lets a translated connection go: the mappings it held lose it. */
static void release(void *arg, const struct ct_entry *e)
{
	struct nat *n = arg;
	int pc = pclass(e->key.proto);
	n->cnt.released++;
	if (pc < 0 || !(e->flags & (F_MAPPED | F_INBOUND)))
		return;
	struct ct_nat_tuple r;
	ct_nat_reply(e, &r);
	if (e->flags & F_MAPPED) {
		const struct nat_mapping *mp = nat_map_find_out(n->map, (uint8_t)pc, rd32(r.dst), r.dport);
		if (mp) {
			bool last = mp->sessions == 1;
			if (last)
				log_map(n, "unmap", mp);
			nat_map_session_close(n->map, mp, rd32(r.src));
		}
	}
	if (e->flags & F_INBOUND) {
		const struct nat_mapping *mp = nat_map_find_out(n->map, (uint8_t)pc, rd32(e->key.dst), e->key.dport);
		if (mp)
			nat_map_session_close(n->map, mp, (e->flags & F_MAPPED) ? rd32(r.dst) : rd32(e->key.src));
	}
}

/* The allocator's veto (nat_map_set_veto): would out_addr:out_port give the connection
 * being opened (n->pick) a reply key conntrack already holds? */
static bool taken(void *arg, uint8_t proto, uint32_t out_addr, uint16_t out_port)
{
	(void)proto;
	struct nat *n = arg;
	struct pkt_flow_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, n->pick.remote, 4);
	wr32(k.dst, out_addr);
	k.sport = n->pick.rport;
	k.dport = out_port;
	k.proto = n->pick.proto;
	k.family = 4;
	return ct_key_in_use(n->ct, &k, n->pick.now);
}

void nat_init_map(struct nat *n, struct ct_table *ct, struct nat_map *map)
{
	memset(n, 0, sizeof(*n));
	n->ct = ct;
	n->map = map;
	nat_map_set_veto(n->map, taken, n);
	ct_set_release(ct, release, n);
}

int nat_init(struct nat *n, struct ct_table *ct, const struct nat_map_limits *lim)
{
	struct nat_map *map = nat_map_create(lim);
	if (!map) {
		memset(n, 0, sizeof(*n));
		return -1;
	}
	nat_init_map(n, ct, map);
	return 0;
}

void nat_fini(struct nat *n)
{
	nat_map_destroy(n->map);
	n->map = NULL;
}

void nat_counters_format(const struct nat *n, void (*emit)(void *arg, const char *line), void *arg)
{
	const struct nat_counters *k = &n->cnt;
	const struct nat_map_counters *m = nat_map_counters(n->map);
	char line[256];
	snprintf(line, sizeof(line),
		 "nat: %u mappings (%llu made, %llu freed), connections: %llu snat, %llu dnat, %llu inbound, %llu "
		 "hairpinned, %llu released",
		 m->mappings, (unsigned long long)m->mappings_created, (unsigned long long)m->mappings_freed,
		 (unsigned long long)k->snat, (unsigned long long)k->dnat, (unsigned long long)k->inbound,
		 (unsigned long long)k->hairpin, (unsigned long long)k->released);
	emit(arg, line);
	snprintf(line, sizeof(line), "nat: packets translated %llu out, %llu in; %llu ICMP errors with their quote",
		 (unsigned long long)k->out_translated, (unsigned long long)k->in_translated,
		 (unsigned long long)k->icmp_errors);
	emit(arg, line);
	for (unsigned i = 1; i < NAT_R__COUNT; i++)
		if (k->drops[i]) {
			snprintf(line, sizeof(line), "  dropped %-16s %12llu", nat_reason_names[i],
				 (unsigned long long)k->drops[i]);
			emit(arg, line);
		}
}
