/* Reading a config (cf_config.h): the shared statements (interfaces, routes, neighbours,
 * sets, conntrack; management in cf_config_mgmt.c), and the top level, which hands the
 * rest to the engines' extensions. */
#include "cf_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name of an interface declared before, as the current token: its index in *out and
 * the token in *at. Else "no interface named 'X' (declare it before WHAT)". */
static int read_iface(struct cf_parser *ps, const char *what, int *out, struct cf_tok *at)
{
	*at = ps->tok;
	char name[CF_NAME_MAX];
	if (cfp_name_of(ps, "an interface name", name))
		return -1;
	*out = cf_config_iface(ps->cfg, name, strlen(name));
	if (*out < 0)
		return cf_error(ps->err, ps->file, at->line, at->col, "no interface named '%s' (declare it before %s)", name,
				what);
	return 0;
}

/* vlan ID on PARENT, inside ifc's block (the word 'vlan' is the current token) */
static int parse_vlan(struct cf_parser *ps, struct cf_iface *ifc)
{
	const struct cf_config *cfg = ps->cfg;
	if (ifc->parent >= 0)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "'%s' already has its VLAN", ifc->name);
	if (cfp_next(ps))
		return -1;
	uint32_t vid;
	if (cfp_number(ps, 1, 4094, "a VLAN ID from 1 to 4094", &vid))
		return -1;
	if (!cfp_is_word(ps, "on"))
		return cfp_expected(ps, "'on INTERFACE' (the interface whose port carries the VLAN)");
	if (cfp_next(ps))
		return -1;
	struct cf_tok at;
	int up;
	if (read_iface(ps, "its VLANs", &up, &at))
		return -1;
	const char *name = cfg->iface[up].name;
	if (cfg->iface[up].parent >= 0)
		return cf_error(ps->err, ps->file, at.line, at.col, "'%s' is itself a VLAN interface: a VLAN rides on a port's "
				"interface (no stacked tags)", name);
	for (unsigned i = 0; i < cfg->n_iface; i++)
		if (cfg->iface[i].parent == up && cfg->iface[i].vlan == vid)
			return cf_error(ps->err, ps->file, at.line, at.col, "VLAN %u on '%s' is already interface '%s' (%s:%u:%u)",
					vid, name, cfg->iface[i].name, ps->file, cfg->iface[i].line, cfg->iface[i].col);
	ifc->parent = up;
	ifc->vlan = (uint16_t)vid;
	return cfp_end_statement(ps);
}

static int parse_interface(struct cf_parser *ps)
{
	struct cf_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (cfp_next(ps))
		return -1;
	struct cf_iface ifc = { .line = ps->tok.line, .col = ps->tok.col, .mtu = CF_MTU_DEFAULT, .parent = -1 };
	unsigned mtu_line = 0, mtu_col = 0;
	if (cfp_name_of(ps, "an interface name", ifc.name))
		return -1;
	int dup = cf_config_iface(cfg, ifc.name, strlen(ifc.name));
	if (dup >= 0)
		return cf_error(ps->err, ps->file, ifc.line, ifc.col, "interface '%s' is already declared at %s:%u:%u", ifc.name,
				ps->file, cfg->iface[dup].line, cfg->iface[dup].col);
	if (cfg->n_iface == CF_MAX_IFACES)
		return cf_error(ps->err, ps->file, line, col, "more than %d interfaces", CF_MAX_IFACES);
	if (ps->tok.kind == CF_T_LBRACE) {
		if (cfp_next(ps))
			return -1;
		for (int k; (k = cfp_block_next(ps)) != 1;) {
			if (k < 0)
				return -1;
			if (cfp_is_word(ps, "mac")) {
				if (cfp_next(ps))
					return -1;
				if (ps->tok.kind != CF_T_WORD)
					return cfp_expected(ps, "a MAC address (02:00:00:00:00:01)");
				if (cf_read_mac(ps->file, &ps->tok, ifc.mac, ps->err) || cfp_next(ps) || cfp_end_statement(ps))
					return -1;
				ifc.has_mac = true;
				continue;
			}
			if (cfp_is_word(ps, "mtu")) {
				if (cfp_next(ps))
					return -1;
				mtu_line = ps->tok.line, mtu_col = ps->tok.col;
				if (cfp_number(ps, CF_MTU_MIN, CF_MTU_MAX, "an MTU from 576 to 9216", &ifc.mtu) ||
				    cfp_end_statement(ps))
					return -1;
				continue;
			}
			if (cfp_is_word(ps, "vlan")) {
				if (parse_vlan(ps, &ifc))
					return -1;
				continue;
			}
			if (!cfp_is_word(ps, "address"))
				return cfp_expected(ps, "'address', 'vlan', 'mac', 'mtu' or '}'");
			if (cfp_next(ps))
				return -1;
			if (ps->tok.kind != CF_T_WORD)
				return cfp_expected(ps, "an address with its prefix length (192.0.2.1/24)");
			if (ifc.n_addr == CF_MAX_ADDRS)
				return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "more than %d addresses on '%s'",
						CF_MAX_ADDRS, ifc.name);
			if (cf_read_host_prefix(ps->file, &ps->tok, &ifc.addr[ifc.n_addr++], ps->err) || cfp_next(ps) ||
			    cfp_end_statement(ps))
				return -1;
		}
		if (cfp_next(ps))
			return -1;
	}
	if (ifc.parent >= 0) {
		/* a VLAN's frames are its parent's: never bigger, and the parent's by default */
		const struct cf_iface *up = &cfg->iface[ifc.parent];
		if (!mtu_line)
			ifc.mtu = up->mtu;
		else if (ifc.mtu > up->mtu)
			return cf_error(ps->err, ps->file, mtu_line, mtu_col, "'%s' has an MTU of %u, above that of '%s' (%u), "
					"which carries its frames", ifc.name, ifc.mtu, up->name, up->mtu);
	}
	for (unsigned i = 0; i < ifc.n_addr; i++) {
		if (ifc.addr[i].family != 6 || ifc.mtu >= 1280)
			continue;
		if (!mtu_line)      /* a VLAN's, from its parent */
			return cf_error(ps->err, ps->file, ifc.line, ifc.col, "'%s' has IPv6 addresses, and IPv6 needs an "
					"MTU of at least 1280 (RFC 8200): it has '%s''s, %u", ifc.name,
					cfg->iface[ifc.parent].name, ifc.mtu);
		return cf_error(ps->err, ps->file, mtu_line, mtu_col,
				"'%s' has IPv6 addresses, and IPv6 needs an MTU of at least 1280 (RFC 8200)", ifc.name);
	}
	cfg->iface[cfg->n_iface++] = ifc;
	return cfp_end_statement(ps);
}

/* neighbor ADDRESS lladdr MAC dev NAME */
static int parse_neighbor(struct cf_parser *ps)
{
	struct cf_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (cfp_next(ps))
		return -1;
	if (cfg->n_neighbor == CF_MAX_NEIGHBORS)
		return cf_error(ps->err, ps->file, line, col, "more than %d neighbors", CF_MAX_NEIGHBORS);
	struct cf_neighbor nb = { .line = line, .col = col };
	struct cf_tok at = ps->tok;
	if (at.kind != CF_T_WORD)
		return cfp_expected(ps, "the neighbor's address");
	if (cf_read_prefix(ps->file, &at, &nb.addr, ps->err))
		return -1;
	if (nb.addr.len != (nb.addr.family == 4 ? 32 : 128))
		return cf_error(ps->err, ps->file, at.line, at.col, "a neighbor is one address, without a prefix length");
	if (cfp_next(ps))
		return -1;
	if (!cfp_is_word(ps, "lladdr"))
		return cfp_expected(ps, "'lladdr MAC'");
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_WORD)
		return cfp_expected(ps, "a MAC address (02:00:00:00:00:01)");
	if (cf_read_mac(ps->file, &ps->tok, nb.mac, ps->err) || cfp_next(ps))
		return -1;
	if (!cfp_is_word(ps, "dev"))
		return cfp_expected(ps, "'dev INTERFACE'");
	if (cfp_next(ps))
		return -1;
	if (read_iface(ps, "the neighbor", &nb.dev, &at))
		return -1;
	cfg->neighbor[cfg->n_neighbor++] = nb;
	return cfp_end_statement(ps);
}

static int parse_route(struct cf_parser *ps)
{
	struct cf_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (cfp_next(ps))
		return -1;
	if (cfg->n_route == CF_MAX_ROUTES)
		return cf_error(ps->err, ps->file, line, col, "more than %d routes", CF_MAX_ROUTES);
	struct cf_route r = { .dev = -1, .line = line, .col = col };
	if (ps->tok.kind != CF_T_WORD)
		return cfp_expected(ps, "a destination prefix (0.0.0.0/0, 2001:db8::/32)");
	if (cf_read_prefix(ps->file, &ps->tok, &r.dst, ps->err) || cfp_next(ps))
		return -1;
	for (;;) {
		if (cfp_is_word(ps, "via") && !r.via.family) {
			if (cfp_next(ps))
				return -1;
			struct cf_tok at = ps->tok;
			if (at.kind != CF_T_WORD)
				return cfp_expected(ps, "a next-hop address");
			if (cf_read_prefix(ps->file, &at, &r.via, ps->err))
				return -1;
			if (r.via.len != (r.via.family == 4 ? 32 : 128))
				return cf_error(ps->err, ps->file, at.line, at.col, "a next hop is one address, without a prefix length");
			if (r.via.family != r.dst.family)
				return cf_error(ps->err, ps->file, at.line, at.col, "next hop %.*s is IPv%u but the destination is IPv%u",
						(int)at.len, at.text, r.via.family, r.dst.family);
			if (cfp_next(ps))
				return -1;
		} else if (cfp_is_word(ps, "dev") && r.dev < 0) {
			if (cfp_next(ps))
				return -1;
			struct cf_tok at;
			if (read_iface(ps, "the route", &r.dev, &at))
				return -1;
		} else {
			break;
		}
	}
	if (!r.via.family && r.dev < 0)
		return cfp_expected(ps, "'via ADDRESS' or 'dev INTERFACE'");
	cfg->route[cfg->n_route++] = r;
	return cfp_end_statement(ps);
}

static int parse_set(struct cf_parser *ps)
{
	struct cf_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (cfp_next(ps))
		return -1;
	struct cf_set s = { .line = ps->tok.line, .col = ps->tok.col };
	if (cfp_name_of(ps, "a set name", s.name))
		return -1;
	const struct cf_set *dup = cf_config_set(cfg, s.name, strlen(s.name));
	if (dup)
		return cf_error(ps->err, ps->file, s.line, s.col, "set '%s' is already declared at %s:%u:%u", s.name, ps->file,
				dup->line, dup->col);
	if (cfg->n_set == CF_MAX_SETS)
		return cf_error(ps->err, ps->file, line, col, "more than %d sets", CF_MAX_SETS);
	if (cfp_is_word(ps, "ipv4"))
		s.kind = CF_SET_IPV4;
	else if (cfp_is_word(ps, "ipv6"))
		s.kind = CF_SET_IPV6;
	else if (cfp_is_word(ps, "port"))
		s.kind = CF_SET_PORT;
	else
		return cfp_expected(ps, "the set's type: ipv4, ipv6 or port");
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	struct cf_prefix *pfx = s.kind == CF_SET_PORT ? NULL : calloc(CF_MAX_SET_ITEMS, sizeof(*pfx));
	struct cf_range *rng = s.kind == CF_SET_PORT ? calloc(CF_MAX_SET_ITEMS, sizeof(*rng)) : NULL;
	if (!pfx && !rng)
		return cf_error(ps->err, ps->file, line, col, "out of memory");
	int rc = -1;
	if (cfp_next(ps))
		goto out;
	for (;;) {
		while (ps->tok.kind == CF_T_EOS) /* elements may span lines */
			if (cfp_next(ps))
				goto out;
		if (ps->tok.kind == CF_T_RBRACE && s.n == 0)
			break;
		if (ps->tok.kind != CF_T_WORD) {
			cfp_expected(ps, s.kind == CF_SET_PORT ? "a port or a range A-B" : "an address or prefix");
			goto out;
		}
		if (s.n == CF_MAX_SET_ITEMS) {
			cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "more than %d elements in set '%s'",
				 CF_MAX_SET_ITEMS, s.name);
			goto out;
		}
		if (s.kind == CF_SET_PORT) {
			if (cf_read_range(ps->file, &ps->tok, 65535, "port", &rng[s.n], ps->err))
				goto out;
		} else {
			if (cf_read_prefix(ps->file, &ps->tok, &pfx[s.n], ps->err))
				goto out;
			unsigned fam = s.kind == CF_SET_IPV4 ? 4 : 6;
			if (pfx[s.n].family != fam) {
				cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "'%.*s' is not an IPv%u address, as set '%s' holds",
					 (int)ps->tok.len, ps->tok.text, fam, s.name);
				goto out;
			}
		}
		s.n++;
		if (cfp_next(ps))
			goto out;
		while (ps->tok.kind == CF_T_EOS)
			if (cfp_next(ps))
				goto out;
		if (ps->tok.kind == CF_T_RBRACE)
			break;
		if (ps->tok.kind != CF_T_COMMA) {
			cfp_expected(ps, "',' or '}'");
			goto out;
		}
		if (cfp_next(ps))
			goto out;
	}
	if (cfp_next(ps) || cfp_end_statement(ps))
		goto out;
	s.prefixes = pfx;
	s.ranges = rng;
	cfg->set[cfg->n_set++] = s;
	return 0;
out:
	free(pfx);
	free(rng);
	return rc;
}

/* on | off, into *v */
static int read_on_off(struct cf_parser *ps, bool *v)
{
	if (cfp_next(ps))
		return -1;
	if (cfp_is_word(ps, "on"))
		*v = true;
	else if (cfp_is_word(ps, "off"))
		*v = false;
	else
		return cfp_expected(ps, "'on' or 'off'");
	return cfp_next(ps);
}

/* conntrack { max N; timeout NAME SECONDS; loose on|off; checksum on|off } */
static int parse_conntrack(struct cf_parser *ps)
{
	struct cf_config *cfg = ps->cfg;
	if (cfg->ct_line)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "conntrack is already configured at %s:%u:%u",
				ps->file, cfg->ct_line, cfg->ct_col);
	cfg->ct_line = ps->tok.line;
	cfg->ct_col = ps->tok.col;
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	if (cfp_next(ps))
		return -1;
	for (int k; (k = cfp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		if (cfp_is_word(ps, "max")) {
			if (cfp_next(ps) ||
			    cfp_number(ps, 1, 1u << 28, "a number of entries (1 to 268435456)", &cfg->ct.max_entries))
				return -1;
			cfg->ct_max_set = true;
		} else if (cfp_is_word(ps, "timeout")) {
			if (cfp_next(ps))
				return -1;
			int which = -1;
			for (unsigned i = 0; i < CT_TO__COUNT; i++)
				if (cfp_is_word(ps, ct_timeout_names[i]))
					which = (int)i;
			if (which < 0)
				return cfp_expected(ps, "a timeout name (tcp_syn_sent, tcp_syn_recv, tcp_established, tcp_fin_wait, "
							"tcp_close_wait, tcp_last_ack, tcp_time_wait, tcp_close, udp, udp_stream, "
							"icmp or generic)");
			cfg->ct_timeout_set |= 1u << which;
			if (cfp_next(ps) || cfp_number(ps, 1, 30u * 86400, "seconds (1 to 2592000)", &cfg->ct.timeout_s[which]))
				return -1;
		} else if (cfp_is_word(ps, "loose")) {
			if (read_on_off(ps, &cfg->ct.tcp_loose))
				return -1;
		} else if (cfp_is_word(ps, "checksum")) {
			if (read_on_off(ps, &cfg->ct.checksum))
				return -1;
		} else {
			return cfp_expected(ps, "'max', 'timeout', 'loose', 'checksum' or '}'");
		}
		if (cfp_end_statement(ps))
			return -1;
	}
	if (cfp_next(ps))
		return -1;
	return cfp_end_statement(ps);
}

/* The most words a message lists: the shared statements' and the extensions'. */
#define LIST_MAX 64

/* "a, b or c", or with quote "'a', 'b' or 'c'": the n words of w, into buf. */
static void join(char *buf, size_t len, const char *const *w, unsigned n, bool quote)
{
	size_t at = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < n && at < len; i++) {
		int k = snprintf(buf + at, len - at, "%s%s%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", quote ? "'" : "",
				 w[i], quote ? "'" : "");
		if (k < 0)
			break;
		at += (size_t)k;
	}
}

/* Adds w to the list of *n words, unless it is there already or the list is full. */
static void add_once(const char **list, unsigned *n, const char *w)
{
	for (unsigned k = 0; k < *n; k++)
		if (!strcmp(list[k], w))
			return;
	if (*n < LIST_MAX)
		list[(*n)++] = w;
}

/* Whether an extension takes chains: hooks, and a parser for them. */
static bool takes_chains(const struct cf_ext *x)
{
	return x->chain && x->hooks && x->hooks[0];
}

/* "chain HOOK ...", the current token is 'chain': the extension that declared HOOK reads
 * the rest. Else "expected a chain: input, forward or output, got 'x'" at the hook word. */
static int parse_chain(struct cf_parser *ps)
{
	if (cfp_next(ps))
		return -1;
	const char *hooks[LIST_MAX];
	unsigned n = 0;
	for (unsigned e = 0; e < ps->n_ext; e++) {
		const struct cf_ext *x = &ps->ext[e];
		if (!takes_chains(x))
			continue;
		for (unsigned h = 0; x->hooks[h]; h++) {
			if (cfp_is_word(ps, x->hooks[h]))
				return x->chain(ps, x->ctx, h);
			add_once(hooks, &n, x->hooks[h]);
		}
	}
	char list[200], what[220];
	join(list, sizeof(list), hooks, n, false);
	snprintf(what, sizeof(what), "a chain: %s", list);
	return cfp_expected(ps, what);
}

/* A top-level statement that is not a shared one: the first extension that takes it reads
 * it. Else "expected 'interface', ... or 'management', got 'x'", with the extensions'
 * words, and 'chain' when some extension takes chains. */
static int parse_other(struct cf_parser *ps, bool chains)
{
	if (ps->tok.kind == CF_T_WORD)
		for (unsigned e = 0; e < ps->n_ext; e++) {
			if (!ps->ext[e].stmt)
				continue;
			int rc = ps->ext[e].stmt(ps, ps->ext[e].ctx);
			if (rc != 1)
				return rc;
		}
	const char *words[LIST_MAX] = { "interface", "route", "neighbor", "set" };
	unsigned n = 4;
	if (chains)
		words[n++] = "chain";
	words[n++] = "conntrack";
	words[n++] = "management";
	for (unsigned e = 0; e < ps->n_ext; e++)
		for (unsigned i = 0; ps->ext[e].words && ps->ext[e].words[i]; i++)
			add_once(words, &n, ps->ext[e].words[i]);
	char list[200];
	join(list, sizeof(list), words, n, true);
	return cfp_expected(ps, list);
}

int cf_parse(struct cf_config *cfg, const struct cf_ext *ext, unsigned n_ext, const char *file, const char *text,
	     size_t len, struct cf_err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	ct_config_default(&cfg->ct);
	struct cf_parser ps = { .err = err, .file = file, .cfg = cfg, .ext = ext, .n_ext = n_ext };
	cf_lex_init(&ps.lx, file, text, len, err);
	bool chains = false;
	for (unsigned e = 0; e < n_ext; e++)
		chains |= takes_chains(&ext[e]);
	int rc = cfp_next(&ps);
	while (rc == 0) {
		if ((rc = cfp_skip_eos(&ps)) != 0 || ps.tok.kind == CF_T_END)
			break;
		if (cfp_is_word(&ps, "interface"))
			rc = parse_interface(&ps);
		else if (cfp_is_word(&ps, "route"))
			rc = parse_route(&ps);
		else if (cfp_is_word(&ps, "neighbor"))
			rc = parse_neighbor(&ps);
		else if (cfp_is_word(&ps, "set"))
			rc = parse_set(&ps);
		else if (cfp_is_word(&ps, "conntrack"))
			rc = parse_conntrack(&ps);
		else if (cfp_is_word(&ps, "management"))
			rc = cfp_management(&ps);
		else if (chains && cfp_is_word(&ps, "chain"))
			rc = parse_chain(&ps);
		else
			rc = parse_other(&ps, chains);
	}
	if (rc)
		cf_config_free(cfg);
	return rc;
}

void cf_config_free(struct cf_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_set; i++) {
		free(cfg->set[i].prefixes);
		free(cfg->set[i].ranges);
	}
	memset(cfg, 0, sizeof(*cfg));
}

int cf_config_iface(const struct cf_config *cfg, const char *name, size_t len)
{
	for (unsigned i = 0; i < cfg->n_iface; i++)
		if (strlen(cfg->iface[i].name) == len && !memcmp(cfg->iface[i].name, name, len))
			return (int)i;
	return -1;
}

const struct cf_set *cf_config_set(const struct cf_config *cfg, const char *name, size_t len)
{
	for (unsigned i = 0; i < cfg->n_set; i++)
		if (strlen(cfg->set[i].name) == len && !memcmp(cfg->set[i].name, name, len))
			return &cfg->set[i];
	return NULL;
}
