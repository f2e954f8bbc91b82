/* Reading NAT statements (nat_conf.h): the nat block and the prerouting and postrouting
 * chains, as an extension of conf/'s parser. */
#include "nat_conf.h"

#include "cf_parse.h"

#include <stdio.h>
#include <string.h>

void nat_config_init(struct nat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->filter = NAT_FILTER_ADF;
	c->host_limit = 8192;
	c->port_lo = 1024;
	c->port_hi = 65535;
}

void nat_ct_defaults(struct ct_config *ct)
{
	ct->timeout_s[CT_TO_UDP] = 300;
	ct->timeout_s[CT_TO_UDP_STREAM] = 300;
	ct->timeout_s[CT_TO_TCP_ESTABLISHED] = 7440;
	ct->timeout_s[CT_TO_TCP_SYN_SENT] = 240;
	ct->timeout_s[CT_TO_TCP_SYN_RECV] = 240;
	ct->timeout_s[CT_TO_TCP_FIN_WAIT] = 240;
	ct->timeout_s[CT_TO_TCP_CLOSE_WAIT] = 240;
	ct->timeout_s[CT_TO_TCP_LAST_ACK] = 240;
	ct->timeout_s[CT_TO_TCP_TIME_WAIT] = 240;
	ct->timeout_s[CT_TO_ICMP] = 60;
}

static uint32_t rd32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* A part of the current word as a token of its own, for the value readers' messages. */
static struct cf_tok sub(const struct cf_tok *t, size_t from, size_t len)
{
	struct cf_tok s = *t;
	s.text = t->text + from;
	s.len = len;
	s.col = t->col + (unsigned)from;
	return s;
}

static int ipv4_of(struct cf_parser *ps, const struct cf_tok *t, uint32_t *out)
{
	struct cf_prefix p;
	if (cf_read_prefix(ps->file, t, &p, ps->err))
		return -1;
	if (p.family != 4 || p.len != 32)
		return cf_error(ps->err, ps->file, t->line, t->col, "expected an IPv4 address, got '%.*s'", (int)t->len,
				t->text);
	*out = rd32(p.addr);
	return 0;
}

/* "ADDR[-ADDR|/LEN][:PORT[-PORT]]": addresses (host order, inclusive) and ports (0, 0 when
 * none given). A prefix gives all its addresses. */
static int target(struct cf_parser *ps, bool range_ok, uint32_t *lo, uint32_t *hi, uint16_t *plo, uint16_t *phi)
{
	const struct cf_tok *t = &ps->tok;
	if (t->kind != CF_T_WORD)
		return cfp_expected(ps, range_ok ? "an IPv4 address, range or prefix" : "an IPv4 address");
	const char *colon = memchr(t->text, ':', t->len);
	size_t alen = colon ? (size_t)(colon - t->text) : t->len;
	*plo = *phi = 0;
	if (colon) {
		struct cf_tok pt = sub(t, alen + 1, t->len - alen - 1);
		struct cf_range r;
		if (cf_read_range(ps->file, &pt, 65535, "port", &r, ps->err))
			return -1;
		if (!r.lo)
			return cf_error(ps->err, ps->file, pt.line, pt.col, "port 0 cannot be translated to");
		*plo = (uint16_t)r.lo;
		*phi = (uint16_t)r.hi;
	}
	if (!alen)
		return cf_error(ps->err, ps->file, t->line, t->col, "expected an IPv4 address before ':'");
	struct cf_tok at = sub(t, 0, alen);
	const char *dash = memchr(at.text, '-', at.len), *slash = memchr(at.text, '/', at.len);
	if ((dash || slash) && !range_ok)
		return cf_error(ps->err, ps->file, at.line, at.col, "a single IPv4 address here, got '%.*s'", (int)at.len,
				at.text);
	if (slash) {
		struct cf_prefix p;
		if (cf_read_prefix(ps->file, &at, &p, ps->err))
			return -1;
		if (p.family != 4)
			return cf_error(ps->err, ps->file, at.line, at.col, "'%.*s' is not an IPv4 prefix", (int)at.len, at.text);
		*lo = rd32(p.addr);
		*hi = *lo | (p.len ? (uint32_t)(0xffffffffu >> p.len) : 0xffffffffu);
		if (p.len == 0)
			*hi = 0xffffffffu;
		return 0;
	}
	if (dash) {
		size_t l1 = (size_t)(dash - at.text);
		struct cf_tok a = sub(&at, 0, l1), b = sub(&at, l1 + 1, at.len - l1 - 1);
		if (ipv4_of(ps, &a, lo) || ipv4_of(ps, &b, hi))
			return -1;
		if (*hi < *lo)
			return cf_error(ps->err, ps->file, at.line, at.col, "the range '%.*s' ends before it starts", (int)at.len,
					at.text);
		return 0;
	}
	if (ipv4_of(ps, &at, lo))
		return -1;
	*hi = *lo;
	return 0;
}

static int iface_match(struct cf_parser *ps, int *ifx, bool *neg)
{
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind == CF_T_NE) {
		*neg = true;
		if (cfp_next(ps))
			return -1;
	}
	if (ps->tok.kind != CF_T_WORD)
		return cfp_expected(ps, "an interface name");
	int i = cf_config_iface(ps->cfg, ps->tok.text, ps->tok.len);
	if (i < 0)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
				"no interface named '%.*s' (declare it before the chain)", (int)ps->tok.len, ps->tok.text);
	*ifx = i;
	return cfp_next(ps);
}

static int addr_match(struct cf_parser *ps, struct nat_addr_match *m)
{
	if (m->kind)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "that address is matched twice in one rule");
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind == CF_T_NE) {
		m->neg = true;
		if (cfp_next(ps))
			return -1;
	}
	if (ps->tok.kind == CF_T_AT) {
		if (cfp_next(ps))
			return -1;
		const struct cf_set *s = ps->tok.kind == CF_T_WORD ? cf_config_set(ps->cfg, ps->tok.text, ps->tok.len) : NULL;
		if (!s)
			return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
					"no set named '%.*s' (declare it before the chain)", (int)ps->tok.len, ps->tok.text);
		if (s->kind != CF_SET_IPV4)
			return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "set '%s' does not hold IPv4 addresses",
					s->name);
		m->kind = 2;
		m->set = (int)(s - ps->cfg->set);
		return cfp_next(ps);
	}
	if (ps->tok.kind != CF_T_WORD)
		return cfp_expected(ps, "an IPv4 address, prefix or @set");
	if (cf_read_prefix(ps->file, &ps->tok, &m->prefix, ps->err))
		return -1;
	if (m->prefix.family != 4)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "NAT44 matches IPv4 addresses, got '%.*s'",
				(int)ps->tok.len, ps->tok.text);
	m->kind = 1;
	return cfp_next(ps);
}

static int port_match(struct cf_parser *ps, struct nat_match *m, uint8_t proto)
{
	if (m->proto && m->proto != proto)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "the rule already matches another protocol");
	m->proto = proto;
	if (cfp_next(ps))
		return -1;
	bool src = cfp_is_word(ps, "sport");
	if (!src && !cfp_is_word(ps, "dport"))
		return cfp_expected(ps, "sport or dport");
	struct nat_port_match *pm = src ? &m->sport : &m->dport;
	if (pm->on)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "that port is matched twice in one rule");
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind == CF_T_NE) {
		pm->neg = true;
		if (cfp_next(ps))
			return -1;
	}
	if (ps->tok.kind != CF_T_WORD)
		return cfp_expected(ps, "a port or a range A-B");
	struct cf_range r;
	if (cf_read_range(ps->file, &ps->tok, 65535, "port", &r, ps->err))
		return -1;
	pm->on = true;
	pm->lo = (uint16_t)r.lo;
	pm->hi = (uint16_t)r.hi;
	return cfp_next(ps);
}

static int proto_match(struct cf_parser *ps, struct nat_match *m)
{
	if (cfp_next(ps))
		return -1;
	if (!cfp_is_word(ps, "l4proto"))
		return cfp_expected(ps, "l4proto");
	if (cfp_next(ps))
		return -1;
	uint8_t p = cfp_is_word(ps, "tcp") ? 6 : cfp_is_word(ps, "udp") ? 17 : cfp_is_word(ps, "icmp") ? 1 : 0;
	if (!p)
		return cfp_expected(ps, "tcp, udp or icmp");
	if (m->proto && m->proto != p)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "the rule already matches another protocol");
	m->proto = p;
	return cfp_next(ps);
}

/* "snat to ..." / "masquerade [to :PORTS]" / "dnat to ...", the current token the action's word */
static int action(struct cf_parser *ps, struct nat_config *c, enum nat_hook hook, struct nat_rule *r)
{
	struct cf_tok at = ps->tok;
	bool snat = cfp_is_word(ps, "snat"), masq = cfp_is_word(ps, "masquerade"), dnat = cfp_is_word(ps, "dnat");
	if ((snat || masq) && hook != NAT_HOOK_POST)
		return cf_error(ps->err, ps->file, at.line, at.col,
				"'%.*s' belongs in chain postrouting (the source is translated after routing)", (int)at.len,
				at.text);
	if (dnat && hook != NAT_HOOK_PRE)
		return cf_error(ps->err, ps->file, at.line, at.col,
				"'dnat' belongs in chain prerouting (the destination is translated before routing)");
	if (cfp_next(ps))
		return -1;
	if (dnat) {
		r->action = NAT_A_DNAT;
		if (!cfp_is_word(ps, "to"))
			return cfp_expected(ps, "'to'");
		if (cfp_next(ps))
			return -1;
		struct cf_tok tt = ps->tok;
		uint32_t hi;
		if (target(ps, false, &r->to, &hi, &r->to_port_lo, &r->to_port_hi))
			return -1;
		if (r->to_port_lo && r->m.proto != 6 && r->m.proto != 17)
			return cf_error(ps->err, ps->file, tt.line, tt.col,
					"a port to translate to needs the rule to match tcp or udp (tcp dport ...)");
		for (unsigned i = 0; i < ps->cfg->n_iface; i++)
			for (unsigned k = 0; k < ps->cfg->iface[i].n_addr; k++) {
				const struct cf_prefix *a = &ps->cfg->iface[i].addr[k];
				if (a->family == 4 && rd32(a->addr) == r->to)
					return cf_error(ps->err, ps->file, tt.line, tt.col,
							"dnat to the appliance's own address (interface '%s'): it "
							"serves nothing there", ps->cfg->iface[i].name);
			}
		if (r->to_port_hi != r->to_port_lo) {
			uint32_t want = r->m.dport.on && !r->m.dport.neg ? (uint32_t)(r->m.dport.hi - r->m.dport.lo) : 0;
			if (!r->m.dport.on || r->m.dport.neg || want != (uint32_t)(r->to_port_hi - r->to_port_lo))
				return cf_error(ps->err, ps->file, tt.line, tt.col,
						"a port range to translate to must be as long as the rule's dport range "
						"(port for port)");
		}
		return cfp_next(ps);
	}
	if (c->n_pool == NAT_MAX_RULES)
		return cf_error(ps->err, ps->file, at.line, at.col, "too many snat and masquerade rules (at most %d)",
				NAT_MAX_RULES);
	struct nat_pool *p = &c->pool[c->n_pool];
	nat_pool_init(p, (uint16_t)c->n_pool, 0, 0);
	p->filter = (uint8_t)c->filter;
	p->port_lo = c->port_lo;
	p->port_hi = c->port_hi;
	if (r->m.oif < 0 || r->m.oif_neg)
		return cf_error(ps->err, ps->file, at.line, at.col,
				"'%.*s' needs the interface it translates for: put 'oif NAME' before it", (int)at.len,
				at.text);
	c->pool_oif[c->n_pool] = (uint16_t)r->m.oif;
	uint16_t plo = 0, phi = 0;
	struct cf_tok ports_at = at;           /* where the ports were given, for messages */
	if (masq) {
		r->action = NAT_A_MASQUERADE;
		const struct cf_iface *ic = &ps->cfg->iface[r->m.oif];
		const struct cf_prefix *a4 = NULL;
		for (unsigned i = 0; i < ic->n_addr && !a4; i++)
			if (ic->addr[i].family == 4)
				a4 = &ic->addr[i];
		if (!a4)
			return cf_error(ps->err, ps->file, at.line, at.col,
					"masquerade: interface '%s' has no IPv4 address to translate to", ic->name);
		p->addr_lo = p->addr_hi = rd32(a4->addr);
		if (cfp_is_word(ps, "to")) {
			if (cfp_next(ps))
				return -1;
			struct cf_tok t = ps->tok;
			if (t.kind != CF_T_WORD || t.len < 2 || t.text[0] != ':')
				return cfp_expected(ps, "ports as ':LOW-HIGH'");
			struct cf_tok pt = sub(&t, 1, t.len - 1);
			struct cf_range rr;
			if (cf_read_range(ps->file, &pt, 65535, "port", &rr, ps->err))
				return -1;
			if (!rr.lo)
				return cf_error(ps->err, ps->file, pt.line, pt.col, "port 0 cannot be translated to");
			ports_at = pt;
			plo = (uint16_t)rr.lo;
			phi = (uint16_t)rr.hi;
			if (cfp_next(ps))
				return -1;
		}
	} else {
		r->action = NAT_A_SNAT;
		if (!cfp_is_word(ps, "to"))
			return cfp_expected(ps, "'to'");
		if (cfp_next(ps))
			return -1;
		struct cf_tok tt = ps->tok;
		if (target(ps, true, &p->addr_lo, &p->addr_hi, &plo, &phi) || cfp_next(ps))
			return -1;
		ports_at = tt;
		if (p->addr_hi - p->addr_lo >= 1024)
			return cf_error(ps->err, ps->file, tt.line, tt.col,
					"a pool of at most 1024 addresses (the appliance's port state for them all)");
	}
	if (plo) {
		if (plo < 1 || phi - plo < 1)
			return cf_error(ps->err, ps->file, ports_at.line, ports_at.col, "at least two ports to translate to");
		p->port_lo = plo;
		p->port_hi = phi;
	}
	if (cfp_is_word(ps, "deterministic")) {
		struct cf_tok dt = ps->tok;
		if (cfp_next(ps))
			return -1;
		uint32_t block = 0;
		if (cfp_is_word(ps, "block")) {
			if (cfp_next(ps) || cfp_number(ps, 1, 65535, "ports a block from 1 to 65535", &block))
				return -1;
		}
		const struct nat_addr_match *s = &r->m.saddr;
		if (s->kind != 1 || s->neg)
			return cf_error(ps->err, ps->file, dt.line, dt.col,
					"deterministic: the rule must match the inside hosts as 'ip saddr PREFIX'");
		/* "layout PREFIX": the pool is laid out for all of PREFIX's hosts, of which this
		 * appliance serves the rule's (another instance, the rest, with no coordination) */
		struct cf_prefix layout = s->prefix;
		struct cf_tok lt = dt;
		if (cfp_is_word(ps, "layout")) {
			if (cfp_next(ps))
				return -1;
			lt = ps->tok;
			if (ps->tok.kind != CF_T_WORD)
				return cfp_expected(ps, "the inside prefix the pool is laid out for");
			if (cf_read_prefix(ps->file, &ps->tok, &layout, ps->err))
				return -1;
			if (layout.family != 4 || layout.len > s->prefix.len ||
			    ((rd32(s->prefix.addr) ^ rd32(layout.addr)) & (layout.len ? 0xffffffffu << (32 - layout.len) : 0)))
				return cf_error(ps->err, ps->file, lt.line, lt.col,
						"deterministic layout: an IPv4 prefix holding the rule's 'ip saddr' prefix");
			if (cfp_next(ps))
				return -1;
		}
		char why[200];
		if (nat_det_init(&p->det, rd32(layout.addr), layout.len, p->addr_lo, p->addr_hi, p->port_lo, p->port_hi,
				 block, why, sizeof(why)))
			return cf_error(ps->err, ps->file, lt.line, lt.col, "deterministic: %s", why);
		uint32_t first = rd32(s->prefix.addr);
		uint32_t last = first | (s->prefix.len ? 0xffffffffu >> s->prefix.len : 0xffffffffu);
		if (nat_det_share_range(&p->det, first, last))
			return cf_error(ps->err, ps->file, lt.line, lt.col, "deterministic: the share does not fit the layout");
		p->det_on = true;
	}
	r->pool = p->id;
	c->n_pool++;
	return 0;
}

static int parse_rule(struct cf_parser *ps, struct nat_config *c, enum nat_hook hook)
{
	if (c->n_rule[hook] == NAT_MAX_RULES)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "too many rules in one chain (at most %d)",
				NAT_MAX_RULES);
	struct nat_rule *r = &c->rule[hook][c->n_rule[hook]];
	memset(r, 0, sizeof(*r));
	r->m.iif = r->m.oif = -1;
	r->line = ps->tok.line;
	r->col = ps->tok.col;
	for (;;) {
		if (ps->tok.kind != CF_T_WORD)
			return cfp_expected(ps, "a match or snat, masquerade, dnat or accept");
		int rc;
		if (cfp_is_word(ps, "iif")) {
			if (hook == NAT_HOOK_POST)
				return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
						"iif in chain postrouting: hairpinned connections leave by the interface they came in");
			rc = iface_match(ps, &r->m.iif, &r->m.iif_neg);
		} else if (cfp_is_word(ps, "oif")) {
			if (hook == NAT_HOOK_PRE)
				return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
						"oif in chain prerouting: the way out is known only after routing");
			rc = iface_match(ps, &r->m.oif, &r->m.oif_neg);
		} else if (cfp_is_word(ps, "ip")) {
			if (cfp_next(ps))
				return -1;
			if (cfp_is_word(ps, "saddr"))
				rc = addr_match(ps, &r->m.saddr);
			else if (cfp_is_word(ps, "daddr"))
				rc = addr_match(ps, &r->m.daddr);
			else
				return cfp_expected(ps, "saddr or daddr");
		} else if (cfp_is_word(ps, "tcp")) {
			rc = port_match(ps, &r->m, 6);
		} else if (cfp_is_word(ps, "udp")) {
			rc = port_match(ps, &r->m, 17);
		} else if (cfp_is_word(ps, "meta")) {
			rc = proto_match(ps, &r->m);
		} else if (cfp_is_word(ps, "accept")) {
			r->action = NAT_A_ACCEPT;
			if (cfp_next(ps))
				return -1;
			break;
		} else if (cfp_is_word(ps, "snat") || cfp_is_word(ps, "masquerade") || cfp_is_word(ps, "dnat")) {
			if (action(ps, c, hook, r))
				return -1;
			break;
		} else {
			return cfp_expected(ps, "a match (iif, oif, ip, tcp, udp, meta) or snat, masquerade, dnat or accept");
		}
		if (rc)
			return -1;
	}
	c->n_rule[hook]++;
	return cfp_end_statement(ps);
}

static const char *const hooks[] = { "prerouting", "postrouting", NULL };

static int parse_chain(struct cf_parser *ps, void *ctx, unsigned hook)
{
	struct nat_config *c = ctx;
	struct cf_tok at = ps->tok;
	if (c->chain_declared[hook])
		return cf_error(ps->err, ps->file, at.line, at.col, "chain '%.*s' is already declared", (int)at.len, at.text);
	c->chain_declared[hook] = true;
	c->declared = true;
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	if (cfp_next(ps))
		return -1;
	for (int k; (k = cfp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		if (ps->tok.kind == CF_T_END)
			return cfp_expected(ps, "a rule or '}'");
		if (parse_rule(ps, c, (enum nat_hook)hook))
			return -1;
	}
	if (cfp_next(ps))
		return -1;
	return cfp_end_statement(ps);
}

/* "nat { ... }", the current token 'nat' */
static int parse_block(struct cf_parser *ps, void *ctx)
{
	struct nat_config *c = ctx;
	if (!cfp_is_word(ps, "nat"))
		return 1;
	if (c->line)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "the nat block is already declared at %s:%u:%u",
				ps->file, c->line, c->col);
	if (c->n_pool)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
				"the nat block comes before the chains (its ports are their default)");
	c->line = ps->tok.line;
	c->col = ps->tok.col;
	c->declared = true;
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	if (cfp_next(ps))
		return -1;
	for (int k; (k = cfp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		uint32_t v;
		if (cfp_is_word(ps, "filtering")) {
			if (cfp_next(ps))
				return -1;
			if (cfp_is_word(ps, "endpoint-independent"))
				c->filter = NAT_FILTER_EIF;
			else if (cfp_is_word(ps, "address-dependent"))
				c->filter = NAT_FILTER_ADF;
			else if (cfp_is_word(ps, "address-and-port-dependent"))
				c->filter = NAT_FILTER_APDF;
			else
				return cfp_expected(ps, "endpoint-independent, address-dependent or address-and-port-dependent");
			if (cfp_next(ps))
				return -1;
		} else if (cfp_is_word(ps, "host-limit")) {
			if (cfp_next(ps) || cfp_number(ps, 0, 1000000, "sessions per inside host from 0 (none) to 1000000", &v))
				return -1;
			c->host_limit = v;
		} else if (cfp_is_word(ps, "ports")) {
			if (cfp_next(ps))
				return -1;
			struct cf_range r;
			if (ps->tok.kind != CF_T_WORD)
				return cfp_expected(ps, "a port range A-B");
			if (cf_read_range(ps->file, &ps->tok, 65535, "port", &r, ps->err))
				return -1;
			if (r.lo < 1 || r.hi - r.lo < 1)
				return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
						"at least two ports from 1 to 65535 to translate to");
			c->port_lo = (uint16_t)r.lo;
			c->port_hi = (uint16_t)r.hi;
			if (cfp_next(ps))
				return -1;
		} else if (cfp_is_word(ps, "log")) {
			if (cfp_next(ps))
				return -1;
			if (!cfp_is_word(ps, "on") && !cfp_is_word(ps, "off"))
				return cfp_expected(ps, "on or off");
			c->log = cfp_is_word(ps, "on");
			if (cfp_next(ps))
				return -1;
		} else {
			return cfp_expected(ps, "filtering, host-limit, ports or log");
		}
		if (cfp_end_statement(ps))
			return -1;
	}
	if (cfp_next(ps))
		return -1;
	return cfp_end_statement(ps);
}

static const char *const words[] = { "nat", NULL };

void nat_config_ext(struct nat_config *c, struct cf_ext *out)
{
	*out = (struct cf_ext){ .name = "nat", .hooks = hooks, .chain = parse_chain, .words = words,
				.stmt = parse_block, .ctx = c };
}
