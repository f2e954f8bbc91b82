/* Parsing interfaces, routes and sets. */
#include "fw_config.h"
#include "fw_parse.h"

#include <stdlib.h>
#include <string.h>

static int read_number(struct fw_parser *ps, uint32_t min, uint32_t max, const char *what, uint32_t *out);

/* The name of an interface declared before, as the current token: its index in *out and
 * the token in *at. Else "no interface named 'X' (declare it before WHAT)". */
static int read_iface(struct fw_parser *ps, const char *what, int *out, struct fw_tok *at)
{
	*at = ps->tok;
	char name[FW_NAME_MAX];
	if (fwp_name_of(ps, "an interface name", name))
		return -1;
	*out = fw_config_iface(ps->cfg, name, strlen(name));
	if (*out < 0)
		return fw_error(ps->err, ps->file, at->line, at->col, "no interface named '%s' (declare it before %s)", name,
				what);
	return 0;
}

/* vlan ID on PARENT, inside ifc's block (the word 'vlan' is the current token) */
static int parse_vlan(struct fw_parser *ps, struct fw_iface *ifc)
{
	const struct fw_config *cfg = ps->cfg;
	if (ifc->parent >= 0)
		return fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "'%s' already has its VLAN", ifc->name);
	if (fwp_next(ps))
		return -1;
	uint32_t vid;
	if (read_number(ps, 1, 4094, "a VLAN ID from 1 to 4094", &vid))
		return -1;
	if (!fwp_is_word(ps, "on"))
		return fwp_expected(ps, "'on INTERFACE' (the interface whose port carries the VLAN)");
	if (fwp_next(ps))
		return -1;
	struct fw_tok at;
	int up;
	if (read_iface(ps, "its VLANs", &up, &at))
		return -1;
	const char *name = cfg->iface[up].name;
	if (cfg->iface[up].parent >= 0)
		return fw_error(ps->err, ps->file, at.line, at.col, "'%s' is itself a VLAN interface: a VLAN rides on a port's "
				"interface (no stacked tags)", name);
	for (unsigned i = 0; i < cfg->n_iface; i++)
		if (cfg->iface[i].parent == up && cfg->iface[i].vlan == vid)
			return fw_error(ps->err, ps->file, at.line, at.col, "VLAN %u on '%s' is already interface '%s' (%s:%u:%u)",
					vid, name, cfg->iface[i].name, ps->file, cfg->iface[i].line, cfg->iface[i].col);
	ifc->parent = up;
	ifc->vlan = (uint16_t)vid;
	return fwp_end_statement(ps);
}

static int parse_interface(struct fw_parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (fwp_next(ps))
		return -1;
	struct fw_iface ifc = { .line = ps->tok.line, .col = ps->tok.col, .mtu = FW_MTU_DEFAULT, .parent = -1 };
	unsigned mtu_line = 0, mtu_col = 0;
	if (fwp_name_of(ps, "an interface name", ifc.name))
		return -1;
	int dup = fw_config_iface(cfg, ifc.name, strlen(ifc.name));
	if (dup >= 0)
		return fw_error(ps->err, ps->file, ifc.line, ifc.col, "interface '%s' is already declared at %s:%u:%u", ifc.name,
				ps->file, cfg->iface[dup].line, cfg->iface[dup].col);
	if (cfg->n_iface == FW_MAX_IFACES)
		return fw_error(ps->err, ps->file, line, col, "more than %d interfaces", FW_MAX_IFACES);
	if (ps->tok.kind == FW_T_LBRACE) {
		if (fwp_next(ps))
			return -1;
		for (int k; (k = fwp_block_next(ps)) != 1;) {
			if (k < 0)
				return -1;
			if (fwp_is_word(ps, "mac")) {
				if (fwp_next(ps))
					return -1;
				if (ps->tok.kind != FW_T_WORD)
					return fwp_expected(ps, "a MAC address (02:00:00:00:00:01)");
				if (fw_read_mac(ps->file, &ps->tok, ifc.mac, ps->err) || fwp_next(ps) || fwp_end_statement(ps))
					return -1;
				ifc.has_mac = true;
				continue;
			}
			if (fwp_is_word(ps, "mtu")) {
				if (fwp_next(ps))
					return -1;
				mtu_line = ps->tok.line, mtu_col = ps->tok.col;
				if (read_number(ps, FW_MTU_MIN, FW_MTU_MAX, "an MTU from 576 to 9216", &ifc.mtu) ||
				    fwp_end_statement(ps))
					return -1;
				continue;
			}
			if (fwp_is_word(ps, "vlan")) {
				if (parse_vlan(ps, &ifc))
					return -1;
				continue;
			}
			if (!fwp_is_word(ps, "address"))
				return fwp_expected(ps, "'address', 'vlan', 'mac', 'mtu' or '}'");
			if (fwp_next(ps))
				return -1;
			if (ps->tok.kind != FW_T_WORD)
				return fwp_expected(ps, "an address with its prefix length (192.0.2.1/24)");
			if (ifc.n_addr == FW_MAX_ADDRS)
				return fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "more than %d addresses on '%s'",
						FW_MAX_ADDRS, ifc.name);
			if (fw_read_host_prefix(ps->file, &ps->tok, &ifc.addr[ifc.n_addr++], ps->err) || fwp_next(ps) ||
			    fwp_end_statement(ps))
				return -1;
		}
		if (fwp_next(ps))
			return -1;
	}
	if (ifc.parent >= 0) {
		/* a VLAN's frames are its parent's: never bigger, and the parent's by default */
		const struct fw_iface *up = &cfg->iface[ifc.parent];
		if (!mtu_line)
			ifc.mtu = up->mtu;
		else if (ifc.mtu > up->mtu)
			return fw_error(ps->err, ps->file, mtu_line, mtu_col, "'%s' has an MTU of %u, above that of '%s' (%u), "
					"which carries its frames", ifc.name, ifc.mtu, up->name, up->mtu);
	}
	for (unsigned i = 0; i < ifc.n_addr; i++) {
		if (ifc.addr[i].family != 6 || ifc.mtu >= 1280)
			continue;
		if (!mtu_line)      /* a VLAN's, from its parent */
			return fw_error(ps->err, ps->file, ifc.line, ifc.col, "'%s' has IPv6 addresses, and IPv6 needs an "
					"MTU of at least 1280 (RFC 8200): it has '%s''s, %u", ifc.name,
					cfg->iface[ifc.parent].name, ifc.mtu);
		return fw_error(ps->err, ps->file, mtu_line, mtu_col,
				"'%s' has IPv6 addresses, and IPv6 needs an MTU of at least 1280 (RFC 8200)", ifc.name);
	}
	cfg->iface[cfg->n_iface++] = ifc;
	return fwp_end_statement(ps);
}

/* neighbor ADDRESS lladdr MAC dev NAME */
static int parse_neighbor(struct fw_parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (fwp_next(ps))
		return -1;
	if (cfg->n_neighbor == FW_MAX_NEIGHBORS)
		return fw_error(ps->err, ps->file, line, col, "more than %d neighbors", FW_MAX_NEIGHBORS);
	struct fw_neighbor nb = { .line = line, .col = col };
	struct fw_tok at = ps->tok;
	if (at.kind != FW_T_WORD)
		return fwp_expected(ps, "the neighbor's address");
	if (fw_read_prefix(ps->file, &at, &nb.addr, ps->err))
		return -1;
	if (nb.addr.len != (nb.addr.family == 4 ? 32 : 128))
		return fw_error(ps->err, ps->file, at.line, at.col, "a neighbor is one address, without a prefix length");
	if (fwp_next(ps))
		return -1;
	if (!fwp_is_word(ps, "lladdr"))
		return fwp_expected(ps, "'lladdr MAC'");
	if (fwp_next(ps))
		return -1;
	if (ps->tok.kind != FW_T_WORD)
		return fwp_expected(ps, "a MAC address (02:00:00:00:00:01)");
	if (fw_read_mac(ps->file, &ps->tok, nb.mac, ps->err) || fwp_next(ps))
		return -1;
	if (!fwp_is_word(ps, "dev"))
		return fwp_expected(ps, "'dev INTERFACE'");
	if (fwp_next(ps))
		return -1;
	if (read_iface(ps, "the neighbor", &nb.dev, &at))
		return -1;
	cfg->neighbor[cfg->n_neighbor++] = nb;
	return fwp_end_statement(ps);
}

static int parse_route(struct fw_parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (fwp_next(ps))
		return -1;
	if (cfg->n_route == FW_MAX_ROUTES)
		return fw_error(ps->err, ps->file, line, col, "more than %d routes", FW_MAX_ROUTES);
	struct fw_route r = { .dev = -1, .line = line, .col = col };
	if (ps->tok.kind != FW_T_WORD)
		return fwp_expected(ps, "a destination prefix (0.0.0.0/0, 2001:db8::/32)");
	if (fw_read_prefix(ps->file, &ps->tok, &r.dst, ps->err) || fwp_next(ps))
		return -1;
	for (;;) {
		if (fwp_is_word(ps, "via") && !r.via.family) {
			if (fwp_next(ps))
				return -1;
			struct fw_tok at = ps->tok;
			if (at.kind != FW_T_WORD)
				return fwp_expected(ps, "a next-hop address");
			if (fw_read_prefix(ps->file, &at, &r.via, ps->err))
				return -1;
			if (r.via.len != (r.via.family == 4 ? 32 : 128))
				return fw_error(ps->err, ps->file, at.line, at.col, "a next hop is one address, without a prefix length");
			if (r.via.family != r.dst.family)
				return fw_error(ps->err, ps->file, at.line, at.col, "next hop %.*s is IPv%u but the destination is IPv%u",
						(int)at.len, at.text, r.via.family, r.dst.family);
			if (fwp_next(ps))
				return -1;
		} else if (fwp_is_word(ps, "dev") && r.dev < 0) {
			if (fwp_next(ps))
				return -1;
			struct fw_tok at;
			if (read_iface(ps, "the route", &r.dev, &at))
				return -1;
		} else {
			break;
		}
	}
	if (!r.via.family && r.dev < 0)
		return fwp_expected(ps, "'via ADDRESS' or 'dev INTERFACE'");
	cfg->route[cfg->n_route++] = r;
	return fwp_end_statement(ps);
}

static int parse_set(struct fw_parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (fwp_next(ps))
		return -1;
	struct fw_set s = { .line = ps->tok.line, .col = ps->tok.col };
	if (fwp_name_of(ps, "a set name", s.name))
		return -1;
	const struct fw_set *dup = fw_config_set(cfg, s.name, strlen(s.name));
	if (dup)
		return fw_error(ps->err, ps->file, s.line, s.col, "set '%s' is already declared at %s:%u:%u", s.name, ps->file,
				dup->line, dup->col);
	if (cfg->n_set == FW_MAX_SETS)
		return fw_error(ps->err, ps->file, line, col, "more than %d sets", FW_MAX_SETS);
	if (fwp_is_word(ps, "ipv4"))
		s.kind = FW_SET_IPV4;
	else if (fwp_is_word(ps, "ipv6"))
		s.kind = FW_SET_IPV6;
	else if (fwp_is_word(ps, "port"))
		s.kind = FW_SET_PORT;
	else
		return fwp_expected(ps, "the set's type: ipv4, ipv6 or port");
	if (fwp_next(ps))
		return -1;
	if (ps->tok.kind != FW_T_LBRACE)
		return fwp_expected(ps, "'{'");
	struct fw_prefix *pfx = s.kind == FW_SET_PORT ? NULL : calloc(FW_MAX_SET_ITEMS, sizeof(*pfx));
	struct fw_range *rng = s.kind == FW_SET_PORT ? calloc(FW_MAX_SET_ITEMS, sizeof(*rng)) : NULL;
	if (!pfx && !rng)
		return fw_error(ps->err, ps->file, line, col, "out of memory");
	int rc = -1;
	if (fwp_next(ps))
		goto out;
	for (;;) {
		while (ps->tok.kind == FW_T_EOS) /* elements may span lines */
			if (fwp_next(ps))
				goto out;
		if (ps->tok.kind == FW_T_RBRACE && s.n == 0)
			break;
		if (ps->tok.kind != FW_T_WORD) {
			fwp_expected(ps, s.kind == FW_SET_PORT ? "a port or a range A-B" : "an address or prefix");
			goto out;
		}
		if (s.n == FW_MAX_SET_ITEMS) {
			fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "more than %d elements in set '%s'",
				 FW_MAX_SET_ITEMS, s.name);
			goto out;
		}
		if (s.kind == FW_SET_PORT) {
			if (fw_read_range(ps->file, &ps->tok, 65535, "port", &rng[s.n], ps->err))
				goto out;
		} else {
			if (fw_read_prefix(ps->file, &ps->tok, &pfx[s.n], ps->err))
				goto out;
			unsigned fam = s.kind == FW_SET_IPV4 ? 4 : 6;
			if (pfx[s.n].family != fam) {
				fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "'%.*s' is not an IPv%u address, as set '%s' holds",
					 (int)ps->tok.len, ps->tok.text, fam, s.name);
				goto out;
			}
		}
		s.n++;
		if (fwp_next(ps))
			goto out;
		while (ps->tok.kind == FW_T_EOS)
			if (fwp_next(ps))
				goto out;
		if (ps->tok.kind == FW_T_RBRACE)
			break;
		if (ps->tok.kind != FW_T_COMMA) {
			fwp_expected(ps, "',' or '}'");
			goto out;
		}
		if (fwp_next(ps))
			goto out;
	}
	if (fwp_next(ps) || fwp_end_statement(ps))
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

/* A whole number min..max from the current token; advances. */
int fwp_number(struct fw_parser *ps, uint32_t min, uint32_t max, const char *what, uint32_t *out)
{
	return read_number(ps, min, max, what, out);
}

static int read_number(struct fw_parser *ps, uint32_t min, uint32_t max, const char *what, uint32_t *out)
{
	const struct fw_tok *t = &ps->tok;
	if (t->kind != FW_T_WORD || t->len > 10)
		return fwp_expected(ps, what);
	uint64_t v = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->text[i] < '0' || t->text[i] > '9')
			return fwp_expected(ps, what);
		v = v * 10 + (uint64_t)(t->text[i] - '0');
	}
	if (v < min || v > max)
		return fw_error(ps->err, ps->file, t->line, t->col, "'%.*s' is out of range: expected %s", (int)t->len,
				t->text, what);
	*out = (uint32_t)v;
	return fwp_next(ps);
}

/* on | off, into *v */
static int read_on_off(struct fw_parser *ps, bool *v)
{
	if (fwp_next(ps))
		return -1;
	if (fwp_is_word(ps, "on"))
		*v = true;
	else if (fwp_is_word(ps, "off"))
		*v = false;
	else
		return fwp_expected(ps, "'on' or 'off'");
	return fwp_next(ps);
}

/* conntrack { max N; timeout NAME SECONDS; loose on|off; checksum on|off } */
static int parse_conntrack(struct fw_parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	if (cfg->ct_line)
		return fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "conntrack is already configured at %s:%u:%u",
				ps->file, cfg->ct_line, cfg->ct_col);
	cfg->ct_line = ps->tok.line;
	cfg->ct_col = ps->tok.col;
	if (fwp_next(ps))
		return -1;
	if (ps->tok.kind != FW_T_LBRACE)
		return fwp_expected(ps, "'{'");
	if (fwp_next(ps))
		return -1;
	for (int k; (k = fwp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		if (fwp_is_word(ps, "max")) {
			if (fwp_next(ps) ||
			    read_number(ps, 1, 1u << 28, "a number of entries (1 to 268435456)", &cfg->ct.max_entries))
				return -1;
			cfg->ct_max_set = true;
		} else if (fwp_is_word(ps, "timeout")) {
			if (fwp_next(ps))
				return -1;
			int which = -1;
			for (unsigned i = 0; i < CT_TO__COUNT; i++)
				if (fwp_is_word(ps, ct_timeout_names[i]))
					which = (int)i;
			if (which < 0)
				return fwp_expected(ps, "a timeout name (tcp_syn_sent, tcp_syn_recv, tcp_established, tcp_fin_wait, "
							"tcp_close_wait, tcp_last_ack, tcp_time_wait, tcp_close, udp, udp_stream, "
							"icmp or generic)");
			if (fwp_next(ps) || read_number(ps, 1, 30u * 86400, "seconds (1 to 2592000)", &cfg->ct.timeout_s[which]))
				return -1;
		} else if (fwp_is_word(ps, "loose")) {
			if (read_on_off(ps, &cfg->ct.tcp_loose))
				return -1;
		} else if (fwp_is_word(ps, "checksum")) {
			if (read_on_off(ps, &cfg->ct.checksum))
				return -1;
		} else {
			return fwp_expected(ps, "'max', 'timeout', 'loose', 'checksum' or '}'");
		}
		if (fwp_end_statement(ps))
			return -1;
	}
	if (fwp_next(ps))
		return -1;
	return fwp_end_statement(ps);
}

int fw_config_parse(struct fw_config *cfg, const char *file, const char *text, size_t len, struct fw_err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	ct_config_default(&cfg->ct);
	struct fw_parser ps = { .err = err, .file = file, .cfg = cfg };
	fw_lex_init(&ps.lx, file, text, len, err);
	int rc = fwp_next(&ps);
	while (rc == 0) {
		if ((rc = fwp_skip_eos(&ps)) != 0 || ps.tok.kind == FW_T_END)
			break;
		if (fwp_is_word(&ps, "interface"))
			rc = parse_interface(&ps);
		else if (fwp_is_word(&ps, "route"))
			rc = parse_route(&ps);
		else if (fwp_is_word(&ps, "neighbor"))
			rc = parse_neighbor(&ps);
		else if (fwp_is_word(&ps, "set"))
			rc = parse_set(&ps);
		else if (fwp_is_word(&ps, "chain"))
			rc = fwp_chain(&ps);
		else if (fwp_is_word(&ps, "conntrack"))
			rc = parse_conntrack(&ps);
		else if (fwp_is_word(&ps, "management"))
			rc = fwp_management(&ps);
		else
			rc = fwp_expected(&ps, "'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack' or 'management'");
	}
	if (rc)
		fw_config_free(cfg);
	return rc;
}

void fw_config_free(struct fw_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_set; i++) {
		free(cfg->set[i].prefixes);
		free(cfg->set[i].ranges);
	}
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		for (unsigned r = 0; r < cfg->chain[h].n_rules; r++)
			free(cfg->chain[h].rules[r].m);
		free(cfg->chain[h].rules);
	}
	memset(cfg, 0, sizeof(*cfg));
}

int fw_config_iface(const struct fw_config *cfg, const char *name, size_t len)
{
	for (unsigned i = 0; i < cfg->n_iface; i++)
		if (strlen(cfg->iface[i].name) == len && !memcmp(cfg->iface[i].name, name, len))
			return (int)i;
	return -1;
}

const struct fw_set *fw_config_set(const struct fw_config *cfg, const char *name, size_t len)
{
	for (unsigned i = 0; i < cfg->n_set; i++)
		if (strlen(cfg->set[i].name) == len && !memcmp(cfg->set[i].name, name, len))
			return &cfg->set[i];
	return NULL;
}
