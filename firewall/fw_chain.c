/* Parsing chains and their rules: the firewall's extension of the rule language
 * (fw_config_ext, fw_config.h), written with conf/'s parser helpers. */
#include "cf_parse.h"
#include "fw_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct name_val {
	const char *name;
	unsigned val;
};

static const struct name_val ether_types[] = { { "ipv4", 0x0800 }, { "ipv6", 0x86dd }, { "arp", 0x0806 },
					       { "vlan", 0x8100 }, { NULL, 0 } };
static const struct name_val l4protos[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 }, { NULL, 0 } };
static const struct name_val tcp_flags[] = { { "fin", 0x01 }, { "syn", 0x02 }, { "rst", 0x04 }, { "psh", 0x08 },
					     { "ack", 0x10 }, { "urg", 0x20 }, { "ecn", 0x40 }, { "cwr", 0x80 },
					     { NULL, 0 } };
static const struct name_val ct_states[] = { { "new", FW_CT_NEW }, { "established", FW_CT_ESTABLISHED },
					     { "related", FW_CT_RELATED }, { "invalid", FW_CT_INVALID }, { NULL, 0 } };
static const struct name_val icmp_types[] = { { "echo-reply", 0 }, { "destination-unreachable", 3 }, { "redirect", 5 },
					      { "echo-request", 8 }, { "time-exceeded", 11 }, { "parameter-problem", 12 },
					      { NULL, 0 } };
static const struct name_val icmp6_types[] = { { "destination-unreachable", 1 }, { "packet-too-big", 2 },
					       { "time-exceeded", 3 }, { "parameter-problem", 4 }, { "echo-request", 128 },
					       { "echo-reply", 129 }, { "nd-router-solicit", 133 }, { "nd-router-advert", 134 },
					       { "nd-neighbor-solicit", 135 }, { "nd-neighbor-advert", 136 }, { NULL, 0 } };
static const struct name_val icmp_rejects[] = { { "net-unreachable", 0 }, { "host-unreachable", 1 },
						{ "prot-unreachable", 2 }, { "port-unreachable", 3 },
						{ "admin-prohibited", 13 }, { NULL, 0 } };
static const struct name_val icmp6_rejects[] = { { "no-route", 0 }, { "admin-prohibited", 1 }, { "addr-unreachable", 3 },
						 { "port-unreachable", 4 }, { NULL, 0 } };
static const struct name_val per_units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
					     { NULL, 0 } };

/* "a, b or c" from a table, for messages */
static void names_of(const struct name_val *t, char *buf, size_t len)
{
	size_t at = 0, n = 0;
	while (t[n].name)
		n++;
	buf[0] = 0;
	for (size_t i = 0; i < n && at < len; i++) {
		int w = snprintf(buf + at, len - at, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", t[i].name);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* A word from the table (or, with numbers, a number up to max); advances. */
static int pick(struct cf_parser *ps, const struct name_val *t, bool numbers, unsigned max, const char *what,
		unsigned *out)
{
	for (unsigned i = 0; t[i].name; i++)
		if (cfp_is_word(ps, t[i].name)) {
			*out = t[i].val;
			return cfp_next(ps);
		}
	if (numbers && ps->tok.kind == CF_T_WORD) {
		struct cf_range r;
		if (cf_read_range(ps->file, &ps->tok, max, what, &r, ps->err) == 0 && r.lo == r.hi) {
			*out = r.lo;
			return cfp_next(ps);
		}
	}
	char names[400], exp[480];
	names_of(t, names, sizeof(names));
	snprintf(exp, sizeof(exp), "%s: %s%s", what, names, numbers ? " or a number" : "");
	return cfp_expected(ps, exp);
}

static int set_ref(struct cf_parser *ps, struct fw_match *m, int kind, const char *what)
{
	if (cfp_next(ps)) /* past '@' */
		return -1;
	if (ps->tok.kind != CF_T_WORD)
		return cfp_expected(ps, "a set name after '@'");
	const struct cf_set *s = cf_config_set(ps->cfg, ps->tok.text, ps->tok.len);
	if (!s)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "no set named '%.*s' (declare it before the chain)",
				(int)ps->tok.len, ps->tok.text);
	if ((int)s->kind != kind)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "set '%s' does not hold %s", s->name, what);
	m->set = (int)(s - ps->cfg->set);
	return cfp_next(ps);
}

static int address_match(struct cf_parser *ps, struct fw_match *m, unsigned family)
{
	if (ps->tok.kind == CF_T_AT)
		return set_ref(ps, m, family == 4 ? CF_SET_IPV4 : CF_SET_IPV6, family == 4 ? "IPv4 addresses" : "IPv6 addresses");
	if (ps->tok.kind != CF_T_WORD)
		return cfp_expected(ps, family == 4 ? "an IPv4 address, prefix or @set" : "an IPv6 address, prefix or @set");
	struct cf_tok at = ps->tok;
	if (cf_read_prefix(ps->file, &at, &m->u.prefix, ps->err))
		return -1;
	if (m->u.prefix.family != family)
		return cf_error(ps->err, ps->file, at.line, at.col, "'%.*s' is not an IPv%u address", (int)at.len, at.text,
				family);
	return cfp_next(ps);
}

/* RANGE, @set or { RANGE, ... } */
static int ranges_match(struct cf_parser *ps, struct fw_match *m, uint32_t max, const char *what, bool sets)
{
	if (sets && ps->tok.kind == CF_T_AT)
		return set_ref(ps, m, CF_SET_PORT, "ports");
	bool list = ps->tok.kind == CF_T_LBRACE;
	if (list && cfp_next(ps))
		return -1;
	for (;;) {
		if (ps->tok.kind != CF_T_WORD) {
			char exp[96];
			snprintf(exp, sizeof(exp), "a %s or a range A-B%s", what, list ? "" : sets ? ", '{' or @set" : " or '{'");
			return cfp_expected(ps, exp);
		}
		if (m->u.list.n == FW_MAX_LIST)
			return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
					"more than %d values in one list (declare a set)", FW_MAX_LIST);
		if (cf_read_range(ps->file, &ps->tok, max, what, &m->u.list.r[m->u.list.n++], ps->err) || cfp_next(ps))
			return -1;
		if (!list)
			return 0;
		if (ps->tok.kind == CF_T_RBRACE)
			return cfp_next(ps);
		if (ps->tok.kind != CF_T_COMMA)
			return cfp_expected(ps, "',' or '}'");
		if (cfp_next(ps))
			return -1;
	}
}

/* word (',' word)* from a table, into a bit set; allow_not takes '!' before a word */
static int flag_list(struct cf_parser *ps, const struct name_val *t, const char *what, bool allow_not, uint8_t *set,
		     uint8_t *clear)
{
	for (;;) {
		bool not = false;
		if (allow_not && ps->tok.kind == CF_T_BANG) {
			not = true;
			if (cfp_next(ps))
				return -1;
		}
		unsigned v;
		if (pick(ps, t, false, 0, what, &v))
			return -1;
		*(not ? clear : set) |= (uint8_t)v;
		if (ps->tok.kind != CF_T_COMMA)
			return 0;
		if (cfp_next(ps))
			return -1;
	}
}

static int icmp_match(struct cf_parser *ps, struct fw_match *m, bool v6)
{
	if (!cfp_is_word(ps, "type"))
		return cfp_expected(ps, "'type'");
	if (cfp_next(ps))
		return -1;
	unsigned type, code;
	if (pick(ps, v6 ? icmp6_types : icmp_types, true, 255, v6 ? "an ICMPv6 type" : "an ICMP type", &type))
		return -1;
	m->u.icmp.type = (uint8_t)type;
	m->u.icmp.code = -1;
	if (cfp_is_word(ps, "code")) {
		if (cfp_next(ps))
			return -1;
		static const struct name_val none[] = { { NULL, 0 } };
		if (pick(ps, none, true, 255, "an ICMP code", &code))
			return -1;
		m->u.icmp.code = (int16_t)code;
	}
	return 0;
}

static int limit_stmt(struct cf_parser *ps, struct fw_rule *r)
{
	if (!cfp_is_word(ps, "rate"))
		return cfp_expected(ps, "'rate'");
	if (cfp_next(ps))
		return -1;
	struct cf_tok t = ps->tok;
	const char *slash = t.kind == CF_T_WORD ? memchr(t.text, '/', t.len) : NULL;
	if (!slash)
		return cfp_expected(ps, "a rate N/second, N/minute, N/hour or N/day");
	struct cf_tok num = t, unit = t;
	num.len = (size_t)(slash - t.text);
	unit.text = slash + 1;
	unit.len = t.len - num.len - 1;
	unit.col = t.col + (unsigned)num.len + 1;
	struct cf_range n;
	if (cf_read_range(ps->file, &num, 1000000000, "rate", &n, ps->err))
		return -1;
	if (n.lo != n.hi || n.lo == 0)
		return cf_error(ps->err, ps->file, num.line, num.col, "expected a rate from 1 to 1000000000, got '%.*s'",
				(int)num.len, num.text);
	unsigned per = 0;
	for (unsigned i = 0; per_units[i].name; i++)
		if (unit.len == strlen(per_units[i].name) && !memcmp(unit.text, per_units[i].name, unit.len))
			per = per_units[i].val;
	if (!per)
		return cf_error(ps->err, ps->file, unit.line, unit.col, "expected second, minute, hour or day, got '%.*s'",
				(int)unit.len, unit.text);
	r->limit_rate = n.lo;
	r->limit_per_s = per;
	r->limit_burst = n.lo;
	if (cfp_next(ps))
		return -1;
	if (cfp_is_word(ps, "burst")) {
		if (cfp_next(ps))
			return -1;
		struct cf_range b;
		if (ps->tok.kind != CF_T_WORD)
			return cfp_expected(ps, "a burst size");
		if (cf_read_range(ps->file, &ps->tok, 1000000000, "burst size", &b, ps->err))
			return -1;
		r->limit_burst = b.lo ? b.lo : 1;
		return cfp_next(ps);
	}
	return 0;
}

static int reject_stmt(struct cf_parser *ps, struct fw_rule *r)
{
	r->verdict = FW_REJECT;
	r->reject_with = FW_REJECT_AUTO;
	if (cfp_next(ps) || !cfp_is_word(ps, "with"))
		return ps->tok.kind == CF_T_ERROR ? -1 : 0;
	if (cfp_next(ps))
		return -1;
	unsigned code;
	if (cfp_is_word(ps, "tcp")) {
		if (cfp_next(ps))
			return -1;
		if (!cfp_is_word(ps, "reset"))
			return cfp_expected(ps, "'reset'");
		r->reject_with = FW_REJECT_TCP_RESET;
		return cfp_next(ps);
	}
	bool v6 = cfp_is_word(ps, "icmpv6");
	if (!v6 && !cfp_is_word(ps, "icmp"))
		return cfp_expected(ps, "'tcp reset', 'icmp CODE' or 'icmpv6 CODE'");
	if (cfp_next(ps) || pick(ps, v6 ? icmp6_rejects : icmp_rejects, false, 0,
				 v6 ? "an ICMPv6 unreachable code" : "an ICMP unreachable code", &code))
		return -1;
	r->reject_with = v6 ? FW_REJECT_ICMP6 : FW_REJECT_ICMP;
	r->reject_code = (uint8_t)code;
	return 0;
}

static struct fw_match *new_match(struct cf_parser *ps, struct fw_rule *r, enum fw_field f)
{
	if (r->n_match == FW_MAX_MATCHES) {
		cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "more than %d matches in one rule", FW_MAX_MATCHES);
		return NULL;
	}
	struct fw_match *m = &r->m[r->n_match++];
	memset(m, 0, sizeof(*m));
	m->field = f;
	m->set = -1;
	return m;
}

/* Optional "!=" before a value. */
static int negation(struct cf_parser *ps, struct fw_match *m)
{
	if (ps->tok.kind != CF_T_NE)
		return 0;
	m->negate = true;
	return cfp_next(ps);
}

static int one_item(struct cf_parser *ps, struct fw_rule *r)
{
	struct fw_match *m;
	unsigned v;
	if (cfp_is_word(ps, "iif") || cfp_is_word(ps, "oif")) {
		if (!(m = new_match(ps, r, ps->tok.text[0] == 'i' ? FW_M_IIF : FW_M_OIF)) || cfp_next(ps) || negation(ps, m))
			return -1;
		struct cf_tok at = ps->tok;
		char name[CF_NAME_MAX];
		if (cfp_name_of(ps, "an interface name", name))
			return -1;
		if ((m->u.iface = cf_config_iface(ps->cfg, name, strlen(name))) < 0)
			return cf_error(ps->err, ps->file, at.line, at.col, "no interface named '%s'", name);
		return 0;
	}
	if (cfp_is_word(ps, "ether")) {
		if (cfp_next(ps))
			return -1;
		if (!cfp_is_word(ps, "type"))
			return cfp_expected(ps, "'type'");
		if (!(m = new_match(ps, r, FW_M_ETHER_TYPE)) || cfp_next(ps) || negation(ps, m) ||
		    pick(ps, ether_types, true, 65535, "an ether type", &v))
			return -1;
		m->u.list.r[0] = (struct cf_range){ v, v };
		m->u.list.n = 1;
		return 0;
	}
	if (cfp_is_word(ps, "vlan")) {
		if (cfp_next(ps))
			return -1;
		if (!cfp_is_word(ps, "id"))
			return cfp_expected(ps, "'id'");
		if (!(m = new_match(ps, r, FW_M_VLAN_ID)) || cfp_next(ps) || negation(ps, m))
			return -1;
		return ranges_match(ps, m, 4095, "VLAN id", false);
	}
	if (cfp_is_word(ps, "ip") || cfp_is_word(ps, "ip6")) {
		bool v6 = ps->tok.len == 3;
		if (cfp_next(ps))
			return -1;
		bool src = cfp_is_word(ps, "saddr");
		if (!src && !cfp_is_word(ps, "daddr"))
			return cfp_expected(ps, "'saddr' or 'daddr'");
		enum fw_field f = v6 ? (src ? FW_M_IP6_SADDR : FW_M_IP6_DADDR) : (src ? FW_M_IP_SADDR : FW_M_IP_DADDR);
		if (!(m = new_match(ps, r, f)) || cfp_next(ps) || negation(ps, m))
			return -1;
		return address_match(ps, m, v6 ? 6 : 4);
	}
	if (cfp_is_word(ps, "meta")) {
		if (cfp_next(ps))
			return -1;
		if (cfp_is_word(ps, "l4proto")) {
			if (!(m = new_match(ps, r, FW_M_L4PROTO)) || cfp_next(ps) || negation(ps, m) ||
			    pick(ps, l4protos, true, 255, "a protocol", &v))
				return -1;
			m->u.list.r[0] = (struct cf_range){ v, v };
			m->u.list.n = 1;
			return 0;
		}
		if (!cfp_is_word(ps, "length"))
			return cfp_expected(ps, "'l4proto' or 'length'");
		if (!(m = new_match(ps, r, FW_M_LENGTH)) || cfp_next(ps) || negation(ps, m))
			return -1;
		return ranges_match(ps, m, 65535, "length", false);
	}
	if (cfp_is_word(ps, "tcp") || cfp_is_word(ps, "udp")) {
		uint8_t proto = ps->tok.text[0] == 't' ? 6 : 17;
		if (cfp_next(ps))
			return -1;
		if (proto == 6 && cfp_is_word(ps, "flags")) {
			if (!(m = new_match(ps, r, FW_M_TCP_FLAGS)) || cfp_next(ps))
				return -1;
			m->proto = 6;
			return flag_list(ps, tcp_flags, "a TCP flag", true, &m->u.flags.set, &m->u.flags.clear);
		}
		bool sport = cfp_is_word(ps, "sport");
		if (!sport && !cfp_is_word(ps, "dport"))
			return cfp_expected(ps, proto == 6 ? "'sport', 'dport' or 'flags'" : "'sport' or 'dport'");
		if (!(m = new_match(ps, r, sport ? FW_M_SPORT : FW_M_DPORT)) || cfp_next(ps) || negation(ps, m))
			return -1;
		m->proto = proto;
		return ranges_match(ps, m, 65535, "port", true);
	}
	if (cfp_is_word(ps, "icmp") || cfp_is_word(ps, "icmpv6")) {
		bool v6 = ps->tok.len == 6;
		if (!(m = new_match(ps, r, v6 ? FW_M_ICMP6_TYPE : FW_M_ICMP_TYPE)) || cfp_next(ps))
			return -1;
		return icmp_match(ps, m, v6);
	}
	if (cfp_is_word(ps, "ct")) {
		if (cfp_next(ps))
			return -1;
		if (!cfp_is_word(ps, "state"))
			return cfp_expected(ps, "'state'");
		if (!(m = new_match(ps, r, FW_M_CT_STATE)) || cfp_next(ps) || negation(ps, m))
			return -1;
		uint8_t clear = 0;
		return flag_list(ps, ct_states, "a connection state", false, &m->u.ct_states, &clear);
	}
	if (cfp_is_word(ps, "counter")) {
		r->counter = true;
		return cfp_next(ps);
	}
	if (cfp_is_word(ps, "log")) {
		r->log = true;
		if (cfp_next(ps) || !cfp_is_word(ps, "prefix"))
			return ps->tok.kind == CF_T_ERROR ? -1 : 0;
		if (cfp_next(ps))
			return -1;
		if (ps->tok.kind != CF_T_STRING)
			return cfp_expected(ps, "a quoted prefix");
		if (ps->tok.len >= sizeof(r->log_prefix))
			return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "a log prefix has at most %zu characters",
					sizeof(r->log_prefix) - 1);
		memcpy(r->log_prefix, ps->tok.text, ps->tok.len);
		r->log_prefix[ps->tok.len] = 0;
		return cfp_next(ps);
	}
	if (cfp_is_word(ps, "limit")) {
		if (cfp_next(ps))
			return -1;
		return limit_stmt(ps, r);
	}
	if (cfp_is_word(ps, "accept") || cfp_is_word(ps, "drop")) {
		r->verdict = ps->tok.text[0] == 'a' ? FW_ACCEPT : FW_DROP;
		return cfp_next(ps);
	}
	if (cfp_is_word(ps, "reject"))
		return reject_stmt(ps, r);
	return cfp_expected(ps, "a match (iif, oif, ether, vlan, ip, ip6, meta, tcp, udp, icmp, icmpv6, ct), "
				"a statement (counter, log, limit) or a verdict (accept, drop, reject)");
}

static int parse_rule(struct cf_parser *ps, struct fw_chain *c)
{
	/* the matches are read into room for the most a rule may have, then kept at their
	 * size: a rule of 3 matches holds 3, so 10,000 rules fit in a small image */
	struct fw_match ms[FW_MAX_MATCHES];
	struct fw_rule r = { .m = ms, .line = ps->tok.line, .col = ps->tok.col };
	while (ps->tok.kind != CF_T_EOS && ps->tok.kind != CF_T_RBRACE && ps->tok.kind != CF_T_END) {
		if (r.verdict != FW_NONE)
			return cfp_expected(ps, "the end of the rule after its verdict");
		if (one_item(ps, &r))
			return -1;
	}
	if (c->n_rules == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 16;
		struct fw_rule *n = realloc(c->rules, cap * sizeof(*n));
		if (!n)
			return cf_error(ps->err, ps->file, r.line, r.col, "out of memory for rules");
		c->rules = n;
		c->cap = cap;
	}
	r.m = NULL;
	if (r.n_match) {
		r.m = malloc(r.n_match * sizeof(*r.m));
		if (!r.m)
			return cf_error(ps->err, ps->file, r.line, r.col, "out of memory for rules");
		memcpy(r.m, ms, r.n_match * sizeof(*r.m));
	}
	c->rules[c->n_rules++] = r;
	return 0;
}

/* The firewall's hooks, in the order of enum fw_hook: cf_parse's index is the hook. */
static const char *const hook_names[] = { "input", "forward", "output", NULL };
_Static_assert(FW_HOOK_INPUT == 0 && FW_HOOK_FORWARD == 1 && FW_HOOK_OUTPUT == 2 && FW_HOOK__COUNT == 3,
	       "hook_names follows enum fw_hook");

/* "chain HOOK [policy accept|drop] { rules }", the current token at HOOK (cf_ext.chain) */
static int parse_chain(struct cf_parser *ps, void *ctx, unsigned hook)
{
	struct fw_config *cfg = ctx;
	struct cf_tok at = ps->tok;
	if (cfp_next(ps))
		return -1;
	struct fw_chain *c = &cfg->chain[hook];
	if (c->declared)
		return cf_error(ps->err, ps->file, at.line, at.col, "chain '%.*s' is already declared at %s:%u:%u", (int)at.len,
				at.text, ps->file, c->line, c->col);
	c->declared = true;
	c->line = at.line;
	c->col = at.col;
	c->policy = FW_ACCEPT;
	bool had_policy = cfp_is_word(ps, "policy");
	if (had_policy) {
		if (cfp_next(ps))
			return -1;
		if (cfp_is_word(ps, "accept") || cfp_is_word(ps, "drop"))
			c->policy = ps->tok.text[0] == 'a' ? FW_ACCEPT : FW_DROP;
		else
			return cfp_expected(ps, "accept or drop");
		if (cfp_next(ps))
			return -1;
	}
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, had_policy ? "'{'" : "'policy' or '{'");
	if (cfp_next(ps))
		return -1;
	for (int k; (k = cfp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		if (ps->tok.kind == CF_T_END)
			return cfp_expected(ps, "a rule or '}'");
		if (parse_rule(ps, c))
			return -1;
	}
	return cfp_next(ps) || cfp_end_statement(ps) ? -1 : 0;
}

void fw_config_ext(struct fw_config *cfg, struct cf_ext *out)
{
	memset(cfg->chain, 0, sizeof(cfg->chain));
	*out = (struct cf_ext){ .name = "firewall", .hooks = hook_names, .chain = parse_chain, .ctx = cfg };
}
