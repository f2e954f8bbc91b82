/* Parsing interfaces, routes and sets. */
#include "fw_config.h"

#include <stdlib.h>
#include <string.h>

struct parser {
	struct fw_lex lx;
	struct fw_tok tok;       /* the current token */
	struct fw_err *err;
	const char *file;
	struct fw_config *cfg;
};

static int next(struct parser *ps)
{
	ps->tok = fw_lex_next(&ps->lx);
	return ps->tok.kind == FW_T_ERROR ? -1 : 0;
}

static int expected(struct parser *ps, const char *what)
{
	char got[64];
	fw_tok_describe(&ps->tok, got, sizeof(got));
	return fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "expected %s, got %s", what, got);
}

static bool is_word(const struct parser *ps, const char *w)
{
	return ps->tok.kind == FW_T_WORD && ps->tok.len == strlen(w) && !memcmp(ps->tok.text, w, ps->tok.len);
}

/* Skips end-of-statement tokens (blank lines, ';'). */
static int skip_eos(struct parser *ps)
{
	while (ps->tok.kind == FW_T_EOS)
		if (next(ps))
			return -1;
	return 0;
}

static int name_of(struct parser *ps, const char *what, char out[FW_NAME_MAX])
{
	const struct fw_tok *t = &ps->tok;
	if (t->kind != FW_T_WORD)
		return expected(ps, what);
	bool ok = t->len < FW_NAME_MAX && ((t->text[0] >= 'a' && t->text[0] <= 'z') || (t->text[0] >= 'A' && t->text[0] <= 'Z'));
	for (size_t i = 0; ok && i < t->len; i++) {
		char c = t->text[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
	}
	if (!ok)
		return fw_error(ps->err, ps->file, t->line, t->col,
				"expected %s (a letter, then letters, digits, '_' or '-', at most %d), got '%.*s'", what,
				FW_NAME_MAX - 1, (int)(t->len > 40 ? 40 : t->len), t->text);
	memcpy(out, t->text, t->len);
	out[t->len] = 0;
	return next(ps);
}

/* The statement must end here. */
static int end_statement(struct parser *ps)
{
	if (ps->tok.kind == FW_T_EOS)
		return next(ps);
	if (ps->tok.kind == FW_T_END || ps->tok.kind == FW_T_RBRACE)
		return 0;
	return expected(ps, "the end of the statement (a new line or ';')");
}

static int parse_interface(struct parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (next(ps))
		return -1;
	struct fw_iface ifc = { .line = ps->tok.line, .col = ps->tok.col };
	if (name_of(ps, "an interface name", ifc.name))
		return -1;
	int dup = fw_config_iface(cfg, ifc.name, strlen(ifc.name));
	if (dup >= 0)
		return fw_error(ps->err, ps->file, ifc.line, ifc.col, "interface '%s' is already declared at %s:%u:%u", ifc.name,
				ps->file, cfg->iface[dup].line, cfg->iface[dup].col);
	if (cfg->n_iface == FW_MAX_IFACES)
		return fw_error(ps->err, ps->file, line, col, "more than %d interfaces", FW_MAX_IFACES);
	if (ps->tok.kind == FW_T_LBRACE) {
		if (next(ps))
			return -1;
		for (;;) {
			if (skip_eos(ps))
				return -1;
			if (ps->tok.kind == FW_T_RBRACE)
				break;
			if (!is_word(ps, "address"))
				return expected(ps, "'address' or '}'");
			if (next(ps))
				return -1;
			if (ps->tok.kind != FW_T_WORD)
				return expected(ps, "an address with its prefix length (192.0.2.1/24)");
			if (ifc.n_addr == FW_MAX_ADDRS)
				return fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "more than %d addresses on '%s'",
						FW_MAX_ADDRS, ifc.name);
			if (fw_read_host_prefix(ps->file, &ps->tok, &ifc.addr[ifc.n_addr++], ps->err) || next(ps) ||
			    end_statement(ps))
				return -1;
		}
		if (next(ps))
			return -1;
	}
	cfg->iface[cfg->n_iface++] = ifc;
	return end_statement(ps);
}

static int parse_route(struct parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (next(ps))
		return -1;
	if (cfg->n_route == FW_MAX_ROUTES)
		return fw_error(ps->err, ps->file, line, col, "more than %d routes", FW_MAX_ROUTES);
	struct fw_route r = { .dev = -1 };
	if (ps->tok.kind != FW_T_WORD)
		return expected(ps, "a destination prefix (0.0.0.0/0, 2001:db8::/32)");
	if (fw_read_prefix(ps->file, &ps->tok, &r.dst, ps->err) || next(ps))
		return -1;
	for (;;) {
		if (is_word(ps, "via") && !r.via.family) {
			if (next(ps))
				return -1;
			struct fw_tok at = ps->tok;
			if (at.kind != FW_T_WORD)
				return expected(ps, "a next-hop address");
			if (fw_read_prefix(ps->file, &at, &r.via, ps->err))
				return -1;
			if (r.via.len != (r.via.family == 4 ? 32 : 128))
				return fw_error(ps->err, ps->file, at.line, at.col, "a next hop is one address, without a prefix length");
			if (r.via.family != r.dst.family)
				return fw_error(ps->err, ps->file, at.line, at.col, "next hop %.*s is IPv%u but the destination is IPv%u",
						(int)at.len, at.text, r.via.family, r.dst.family);
			if (next(ps))
				return -1;
		} else if (is_word(ps, "dev") && r.dev < 0) {
			if (next(ps))
				return -1;
			struct fw_tok at = ps->tok;
			char name[FW_NAME_MAX];
			if (name_of(ps, "an interface name", name))
				return -1;
			r.dev = fw_config_iface(cfg, name, strlen(name));
			if (r.dev < 0)
				return fw_error(ps->err, ps->file, at.line, at.col, "no interface named '%s' (declare it before the route)",
						name);
		} else {
			break;
		}
	}
	if (!r.via.family && r.dev < 0)
		return expected(ps, "'via ADDRESS' or 'dev INTERFACE'");
	cfg->route[cfg->n_route++] = r;
	return end_statement(ps);
}

static int parse_set(struct parser *ps)
{
	struct fw_config *cfg = ps->cfg;
	unsigned line = ps->tok.line, col = ps->tok.col;
	if (next(ps))
		return -1;
	struct fw_set s = { .line = ps->tok.line, .col = ps->tok.col };
	if (name_of(ps, "a set name", s.name))
		return -1;
	const struct fw_set *dup = fw_config_set(cfg, s.name, strlen(s.name));
	if (dup)
		return fw_error(ps->err, ps->file, s.line, s.col, "set '%s' is already declared at %s:%u:%u", s.name, ps->file,
				dup->line, dup->col);
	if (cfg->n_set == FW_MAX_SETS)
		return fw_error(ps->err, ps->file, line, col, "more than %d sets", FW_MAX_SETS);
	if (is_word(ps, "ipv4"))
		s.kind = FW_SET_IPV4;
	else if (is_word(ps, "ipv6"))
		s.kind = FW_SET_IPV6;
	else if (is_word(ps, "port"))
		s.kind = FW_SET_PORT;
	else
		return expected(ps, "the set's type: ipv4, ipv6 or port");
	if (next(ps))
		return -1;
	if (ps->tok.kind != FW_T_LBRACE)
		return expected(ps, "'{'");
	struct fw_prefix *pfx = s.kind == FW_SET_PORT ? NULL : calloc(FW_MAX_SET_ITEMS, sizeof(*pfx));
	struct fw_range *rng = s.kind == FW_SET_PORT ? calloc(FW_MAX_SET_ITEMS, sizeof(*rng)) : NULL;
	if (!pfx && !rng)
		return fw_error(ps->err, ps->file, line, col, "out of memory");
	int rc = -1;
	if (next(ps))
		goto out;
	for (;;) {
		while (ps->tok.kind == FW_T_EOS) /* elements may span lines */
			if (next(ps))
				goto out;
		if (ps->tok.kind == FW_T_RBRACE && s.n == 0)
			break;
		if (ps->tok.kind != FW_T_WORD) {
			expected(ps, s.kind == FW_SET_PORT ? "a port or a range A-B" : "an address or prefix");
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
		if (next(ps))
			goto out;
		while (ps->tok.kind == FW_T_EOS)
			if (next(ps))
				goto out;
		if (ps->tok.kind == FW_T_RBRACE)
			break;
		if (ps->tok.kind != FW_T_COMMA) {
			expected(ps, "',' or '}'");
			goto out;
		}
		if (next(ps))
			goto out;
	}
	if (next(ps) || end_statement(ps))
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

int fw_config_parse(struct fw_config *cfg, const char *file, const char *text, size_t len, struct fw_err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	struct parser ps = { .err = err, .file = file, .cfg = cfg };
	fw_lex_init(&ps.lx, file, text, len, err);
	int rc = next(&ps);
	while (rc == 0) {
		if ((rc = skip_eos(&ps)) != 0 || ps.tok.kind == FW_T_END)
			break;
		if (is_word(&ps, "interface"))
			rc = parse_interface(&ps);
		else if (is_word(&ps, "route"))
			rc = parse_route(&ps);
		else if (is_word(&ps, "set"))
			rc = parse_set(&ps);
		else
			rc = expected(&ps, "'interface', 'route' or 'set'");
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
