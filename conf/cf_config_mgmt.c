/* The management block of the config language (cf_config.h: struct cf_mgmt):
 *
 *   management {
 *       interface lan              # in-band on lan's port; without it, the management port
 *       address 10.0.0.250/24      # or: address dhcp; an IPv6 one too (ADDR/64)
 *       gateway 10.0.0.1           # IPv4 or IPv6
 *       slaac                      # IPv6 addresses from router advertisements
 *       metrics port 9100
 *       control port 7443          # the control socket's (docs/CONTROL.md)
 *   }
 *
 * Each value is checked here (FILE:LINE:COL); the host stack checks how they fit together
 * (a gateway inside the prefix, ...) when the app builds the config. */
#include "cf_parse.h"
#include "cf_value.h"

#include <stdio.h>
#include <string.h>

/* Appends ",KEY=TEXT" (no comma first) to the spec; false when it does not fit. */
static bool put(struct cf_mgmt *m, const char *key, const char *text, size_t len)
{
	size_t at = strlen(m->spec);
	int n = snprintf(m->spec + at, sizeof(m->spec) - at, "%s%s%.*s", at ? "," : "", key, (int)len, text);
	return n > 0 && (size_t)n < sizeof(m->spec) - at;
}

static int too_long(struct cf_parser *ps, const struct cf_tok *t)
{
	return cf_error(ps->err, ps->file, t->line, t->col, "the management block says too much (over %zu characters)",
			sizeof(ps->cfg->mgmt.spec) - 1);
}

int cfp_management(struct cf_parser *ps)
{
	struct cf_mgmt *m = &ps->cfg->mgmt;
	if (m->declared)
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "management is already configured at %s:%u:%u",
				ps->file, m->line, m->col);
	*m = (struct cf_mgmt){ .declared = true, .line = ps->tok.line, .col = ps->tok.col, .iface = -1 };
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	if (cfp_next(ps))
		return -1;
	bool v4 = false, v6 = false, dhcp = false, gw4 = false, gw6 = false;
	for (int k; (k = cfp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		struct cf_tok at = ps->tok;
		if (cfp_is_word(ps, "interface")) {
			if (cfp_next(ps))
				return -1;
			struct cf_tok name = ps->tok;
			char n[CF_NAME_MAX];
			if (cfp_name_of(ps, "an interface name", n))
				return -1;
			int i = cf_config_iface(ps->cfg, n, strlen(n));
			if (i < 0)
				return cf_error(ps->err, ps->file, name.line, name.col,
						"no interface named '%s' (declare it before management)", n);
			if (ps->cfg->iface[i].parent >= 0)
				return cf_error(ps->err, ps->file, name.line, name.col,
						"'%s' is a VLAN interface: management goes on a port's own (untagged) interface", n);
			m->iface = i;
		} else if (cfp_is_word(ps, "address")) {
			if (cfp_next(ps))
				return -1;
			struct cf_tok t = ps->tok;
			if (cfp_is_word(ps, "dhcp")) {
				if (dhcp || v4)
					return cf_error(ps->err, ps->file, t.line, t.col, "management has its IPv4 address already");
				dhcp = true;
				if (!put(m, "dhcp", "", 0))
					return too_long(ps, &t);
			} else {
				struct cf_prefix p;
				if (cf_read_host_prefix(ps->file, &t, &p, ps->err))
					return -1;
				bool *have = p.family == 4 ? &v4 : &v6;
				if (*have || (p.family == 4 && dhcp))
					return cf_error(ps->err, ps->file, t.line, t.col, "management has its IPv%d address already",
							p.family);
				*have = true;
				if (!put(m, p.family == 4 ? "ip=" : "ip6=", t.text, t.len))
					return too_long(ps, &t);
			}
			if (cfp_next(ps))
				return -1;
		} else if (cfp_is_word(ps, "gateway")) {
			if (cfp_next(ps))
				return -1;
			struct cf_tok t = ps->tok;
			struct cf_prefix p;
			if (cf_read_prefix(ps->file, &t, &p, ps->err))
				return -1;
			if (p.len != (p.family == 4 ? 32 : 128))
				return cf_error(ps->err, ps->file, t.line, t.col, "a gateway is an address, not a prefix");
			bool *have = p.family == 4 ? &gw4 : &gw6;
			if (*have)
				return cf_error(ps->err, ps->file, t.line, t.col, "management has its IPv%d gateway already", p.family);
			*have = true;
			if (!put(m, p.family == 4 ? "gw=" : "gw6=", t.text, t.len))
				return too_long(ps, &t);
			if (cfp_next(ps))
				return -1;
		} else if (cfp_is_word(ps, "slaac")) {
			if (!put(m, "slaac", "", 0))
				return too_long(ps, &at);
			if (cfp_next(ps))
				return -1;
		} else if (cfp_is_word(ps, "metrics") || cfp_is_word(ps, "control")) {
			bool metrics = cfp_is_word(ps, "metrics");
			if (cfp_next(ps))
				return -1;
			if (!cfp_is_word(ps, "port"))
				return cfp_expected(ps, "'port'");
			uint32_t port;
			if (cfp_next(ps) || cfp_number(ps, 1, 65535, "a TCP port (1 to 65535)", &port))
				return -1;
			*(metrics ? &m->metrics_port : &m->ctl_port) = (uint16_t)port;
			if (cfp_end_statement(ps))
				return -1;
			continue;
		} else {
			return cfp_expected(ps, "'interface', 'address', 'gateway', 'slaac', 'metrics', 'control' or '}'");
		}
		if (cfp_end_statement(ps))
			return -1;
	}
	if (!m->spec[0])
		return cf_error(ps->err, ps->file, m->line, m->col,
				"management without an address: give 'address dhcp', an address, or 'slaac'");
	if (cfp_next(ps))
		return -1;
	return cfp_end_statement(ps);
}
