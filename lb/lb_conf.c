/* Reading the load balancer's statements (lb_conf.h): the lb block and the services, as
 * an extension of conf/'s parser, and writing them back in the same language.
 *
 * A service is read into its slot, c->svc[c->n_svc], and counted only once its '}' has
 * been read and checked; its backends' array grows as they come. What depends on more
 * than one statement of a service (the VIP's family against nat mode and the backends',
 * ports in dsr, the same backend twice) is checked at its '}', when every statement has
 * been read, at the position of the statement that is wrong. */
#include "lb_conf.h"

#include "cf_parse.h"
#include "lb_flow.h"
#include "lb_maglev.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOWS_DEFAULT 65536u
#define TIMEOUT_TCP_DEFAULT 300u
#define TIMEOUT_UDP_DEFAULT 30u
#define TIMEOUT_MAX (30u * 86400u)
#define INTERVAL_MIN_MS 100u
#define INTERVAL_MAX_MS 3600000u
#define TIMEOUT_MIN_MS 10u

static void health_init(struct lbc_health *h)
{
	memset(h, 0, sizeof(*h));
	h->kind = LBC_CHECK_NONE;
	h->status = 200;
	memcpy(h->path, "/", 2);
	h->interval_ms = 2000;
	h->timeout_ms = 1000;
	h->rise = 2;
	h->fall = 3;
}

static void service_init(struct lbc_service *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = LBC_NAT;
	s->encap = LBC_ENCAP_NONE;
	s->gue_port = LBC_GUE_PORT_DEFAULT;
	s->table_size = LBM_SIZE_DEFAULT;
	health_init(&s->health);
}

void lb_config_init(struct lb_config *c)
{
	memset(c, 0, sizeof(*c));
	c->flows = FLOWS_DEFAULT;
	c->flow_timeout_tcp_s = TIMEOUT_TCP_DEFAULT;
	c->flow_timeout_udp_s = TIMEOUT_UDP_DEFAULT;
}

void lb_config_free(struct lb_config *c)
{
	/* every slot, not only the n_svc counted: a parse that failed inside a service leaves
	 * that service's backends in the next slot */
	for (unsigned i = 0; i < LBC_MAX_SERVICES; i++)
		free(c->svc[i].backend);
	lb_config_init(c);
}

struct lbc_service *lb_config_service(struct lb_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_svc; i++)
		if (!strcmp(c->svc[i].name, name))
			return &c->svc[i];
	return NULL;
}

/* The offset of p in the text. cf_parse hands an extension its tokens, which point into
 * the text, but not the text's start: the owner gives it in c->text. A token is always
 * between that start and the lexer's end; anything else (no text given, or another text
 * than the one parsed) gives 0. */
static size_t offset_of(const struct lb_config *c, const struct cf_parser *ps, const char *p)
{
	uintptr_t start = (uintptr_t)c->text, at = (uintptr_t)p, end = (uintptr_t)ps->lx.end;
	if (!c->text || at < start || at > end)
		return 0;
	return (size_t)(at - start);
}

/* Where a statement or an option was first given, for "given twice" (line 0: not yet). */
struct pos {
	unsigned line, col;
};

static struct pos pos_of(const struct cf_tok *t)
{
	return (struct pos){ t->line, t->col };
}

/* The current token, a word naming a statement or an option that may come once: an error
 * when it came before, else remembered in *first. */
static int once(struct cf_parser *ps, struct pos *first)
{
	const struct cf_tok *t = &ps->tok;
	if (first->line)
		return cf_error(ps->err, ps->file, t->line, t->col, "%.*s given twice (first at %u:%u)", (int)t->len, t->text,
				first->line, first->col);
	*first = pos_of(t);
	return 0;
}

static bool is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/* One host's address (IPv4 or IPv6) as the current token; what names it in messages ("the
 * VIP's address"). A prefix longer than one address is refused, and so are the addresses
 * no host has: unspecified, loopback, multicast, broadcast. Advances. */
static int host_addr(struct cf_parser *ps, const char *what, uint8_t *family, uint8_t addr[16])
{
	const struct cf_tok *t = &ps->tok;
	if (t->kind != CF_T_WORD)
		return cfp_expected(ps, what);
	struct cf_prefix p;
	if (cf_read_host_prefix(ps->file, t, &p, ps->err))
		return -1;
	bool v4 = p.family == 4;
	if (p.len != (v4 ? 32 : 128))
		return cf_error(ps->err, ps->file, t->line, t->col, "expected %s, one address (no prefix length but /%u), got '%.*s'",
				what, v4 ? 32 : 128, (int)t->len, t->text);
	const char *why = NULL;
	if (v4) {
		if (p.addr[0] == 0)
			why = is_zero(p.addr, 4) ? "unspecified" : "'this network' (0.0.0.0/8)";
		else if (p.addr[0] == 127)
			why = "a loopback address";
		else if (p.addr[0] >= 224 && p.addr[0] <= 239)
			why = "a multicast address";
		else if (p.addr[0] == 255 && p.addr[1] == 255 && p.addr[2] == 255 && p.addr[3] == 255)
			why = "the broadcast address";
	} else {
		if (is_zero(p.addr, 16))
			why = "unspecified";
		else if (is_zero(p.addr, 15) && p.addr[15] == 1)
			why = "the loopback address";
		else if (p.addr[0] == 0xff)
			why = "a multicast address";
	}
	if (why)
		return cf_error(ps->err, ps->file, t->line, t->col, "expected %s, got '%.*s': %s, not a host's", what,
				(int)t->len, t->text, why);
	*family = p.family;
	memcpy(addr, p.addr, 16);
	return cfp_next(ps);
}

/* "lb { flows N; flow-timeout tcp S udp S }", the current token 'lb' */
static int parse_lb(struct cf_parser *ps, struct lb_config *c)
{
	struct cf_tok at = ps->tok;
	if (c->declared)
		return cf_error(ps->err, ps->file, at.line, at.col, "the lb block is declared twice (first at %u:%u)", c->line,
				c->col);
	c->declared = true;
	c->line = at.line;
	c->col = at.col;
	c->off = offset_of(c, ps, at.text);
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	if (cfp_next(ps))
		return -1;
	struct pos flows = { 0, 0 }, timeout = { 0, 0 };
	for (int k; (k = cfp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		if (cfp_is_word(ps, "flows")) {
			if (once(ps, &flows) || cfp_next(ps) ||
			    cfp_number(ps, 1, LBF_MAX_FLOWS, "a number of flows from 1 to 67108864", &c->flows))
				return -1;
		} else if (cfp_is_word(ps, "flow-timeout")) {
			if (once(ps, &timeout) || cfp_next(ps))
				return -1;
			if (!cfp_is_word(ps, "tcp") && !cfp_is_word(ps, "udp"))
				return cfp_expected(ps, "tcp or udp");
			struct pos tcp = { 0, 0 }, udp = { 0, 0 };
			while (cfp_is_word(ps, "tcp") || cfp_is_word(ps, "udp")) {
				bool is_tcp = cfp_is_word(ps, "tcp");
				if (once(ps, is_tcp ? &tcp : &udp) || cfp_next(ps) ||
				    cfp_number(ps, 1, TIMEOUT_MAX, "seconds from 1 to 2592000",
					       is_tcp ? &c->flow_timeout_tcp_s : &c->flow_timeout_udp_s))
					return -1;
			}
		} else if (ps->tok.kind == CF_T_END) {
			return cfp_expected(ps, "'}'");
		} else {
			return cfp_expected(ps, "flows, flow-timeout or '}'");
		}
		if (cfp_end_statement(ps))
			return -1;
	}
	c->end = offset_of(c, ps, ps->tok.text + 1);
	if (cfp_next(ps))
		return -1;
	return cfp_end_statement(ps);
}

/* A service's statements' positions, for "given twice" and the checks at its '}'. */
struct svc_read {
	struct cf_tok at;                /* the word 'service' */
	struct pos vip, mode, table, health;
	struct pos vip_addr;             /* the VIP's address */
};

/* "vip ADDR tcp|udp PORT" after the word 'vip'. The address, protocol and port are one
 * service's: the services before this one are complete, so the check is here. */
static int parse_vip(struct cf_parser *ps, struct lb_config *c, struct lbc_service *s, struct svc_read *r)
{
	struct cf_tok addr = ps->tok;
	if (host_addr(ps, "the VIP's address", &s->family, s->vip))
		return -1;
	r->vip_addr = pos_of(&addr);
	if (cfp_is_word(ps, "tcp"))
		s->proto = 6;
	else if (cfp_is_word(ps, "udp"))
		s->proto = 17;
	else
		return cfp_expected(ps, "tcp or udp");
	uint32_t port;
	if (cfp_next(ps) || cfp_number(ps, 1, 65535, "a port from 1 to 65535", &port))
		return -1;
	s->port = (uint16_t)port;
	for (unsigned i = 0; i < c->n_svc; i++) {
		const struct lbc_service *o = &c->svc[i];
		if (o->family == s->family && !memcmp(o->vip, s->vip, 16) && o->proto == s->proto && o->port == s->port)
			return cf_error(ps->err, ps->file, addr.line, addr.col,
					"%.*s %s %u is service %s's already (at %u:%u): one service per address, protocol "
					"and port",
					(int)addr.len, addr.text, s->proto == 6 ? "tcp" : "udp", s->port, o->name, o->line, o->col);
	}
	return 0;
}

/* "mode nat [snat [ADDR]]" or "mode dsr [encap ipip | encap gue [port N]]" after 'mode' */
static int parse_mode(struct cf_parser *ps, struct lbc_service *s)
{
	if (cfp_is_word(ps, "nat")) {
		s->mode = LBC_NAT;
		if (cfp_next(ps))
			return -1;
		if (cfp_is_word(ps, "encap"))
			return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
					"encap is for mode dsr (in nat mode the packets are translated, not encapsulated)");
		if (ps->tok.kind == CF_T_WORD && !cfp_is_word(ps, "snat"))
			return cfp_expected(ps, "snat or the end of the statement");
		if (!cfp_is_word(ps, "snat"))
			return 0;
		s->snat = true;
		if (cfp_next(ps))
			return -1;
		if (ps->tok.kind != CF_T_WORD)
			return 0;
		struct cf_tok addr = ps->tok;
		uint8_t family;
		if (host_addr(ps, "the snat address", &family, s->snat_addr))
			return -1;
		if (family != 4)
			return cf_error(ps->err, ps->file, addr.line, addr.col,
					"snat to an IPv4 address, got '%.*s' (nat mode is IPv4 only)", (int)addr.len, addr.text);
		s->snat_addr_set = true;
		return 0;
	}
	if (!cfp_is_word(ps, "dsr"))
		return cfp_expected(ps, "nat or dsr");
	s->mode = LBC_DSR;
	if (cfp_next(ps))
		return -1;
	if (cfp_is_word(ps, "snat"))
		return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col,
				"snat is for mode nat (in dsr the backends answer the clients themselves)");
	if (ps->tok.kind == CF_T_WORD && !cfp_is_word(ps, "encap"))
		return cfp_expected(ps, "encap or the end of the statement");
	if (!cfp_is_word(ps, "encap"))
		return 0;
	if (cfp_next(ps))
		return -1;
	if (cfp_is_word(ps, "ipip"))
		s->encap = LBC_ENCAP_IPIP;
	else if (cfp_is_word(ps, "gue"))
		s->encap = LBC_ENCAP_GUE;
	else
		return cfp_expected(ps, "ipip or gue");
	if (cfp_next(ps))
		return -1;
	if (s->encap != LBC_ENCAP_GUE)
		return 0;
	if (ps->tok.kind == CF_T_WORD && !cfp_is_word(ps, "port"))
		return cfp_expected(ps, "port or the end of the statement");
	if (!cfp_is_word(ps, "port"))
		return 0;
	uint32_t port;
	if (cfp_next(ps) || cfp_number(ps, 1, 65535, "a UDP port from 1 to 65535", &port))
		return -1;
	s->gue_port = (uint16_t)port;
	return 0;
}

/* "table N" after 'table': a prime in LBM_SIZE_MIN..LBM_SIZE_MAX */
static int parse_table(struct cf_parser *ps, struct lbc_service *s)
{
	const struct cf_tok *t = &ps->tok;
	if (t->kind != CF_T_WORD || t->len > 10)
		return cfp_expected(ps, "a prime from 7 to 1048573");
	uint64_t v = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->text[i] < '0' || t->text[i] > '9')
			return cfp_expected(ps, "a prime from 7 to 1048573");
		v = v * 10 + (uint64_t)(t->text[i] - '0');
	}
	if (v < LBM_SIZE_MIN || v > LBM_SIZE_MAX)
		return cf_error(ps->err, ps->file, t->line, t->col, "expected a prime from 7 to 1048573, got %.*s", (int)t->len,
				t->text);
	if (!lbm_is_prime((uint32_t)v)) {
		uint32_t next = (uint32_t)v + 1;
		while (!lbm_is_prime(next)) /* LBM_SIZE_MAX is prime: it ends there at the latest */
			next++;
		return cf_error(ps->err, ps->file, t->line, t->col, "%u is not prime (%u is)", (uint32_t)v, next);
	}
	s->table_size = (uint32_t)v;
	return cfp_next(ps);
}

/* A duration as "d * 1000" written back: 1m, 2s, 1500ms. */
static const char *dur_text(uint32_t ms, char buf[24])
{
	if (ms && ms % 60000 == 0)
		snprintf(buf, 24, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, 24, "%us", ms / 1000);
	else
		snprintf(buf, 24, "%ums", ms);
	return buf;
}

/* A duration (500ms, 2s, 1m; a bare number is seconds) as the current token, what from
 * min_ms to max_ms ("an interval"). Advances. */
static int duration(struct cf_parser *ps, const char *what, uint32_t min_ms, uint32_t max_ms, uint32_t *out)
{
	const struct cf_tok *t = &ps->tok;
	char expect[96], lo[24], hi[24];
	snprintf(expect, sizeof(expect), "%s from %s to %s", what, dur_text(min_ms, lo), dur_text(max_ms, hi));
	size_t i = 0;
	uint64_t v = 0;
	while (t->kind == CF_T_WORD && i < t->len && i < 10 && t->text[i] >= '0' && t->text[i] <= '9')
		v = v * 10 + (uint64_t)(t->text[i++] - '0');
	size_t ulen = t->len - i;
	const char *u = t->text + i;
	uint64_t scale = 0;
	if (t->kind == CF_T_WORD && i > 0) {
		if (ulen == 0 || (ulen == 1 && u[0] == 's'))
			scale = 1000;
		else if (ulen == 2 && u[0] == 'm' && u[1] == 's')
			scale = 1;
		else if (ulen == 1 && u[0] == 'm')
			scale = 60000;
	}
	if (!scale) {
		char e[140];
		snprintf(e, sizeof(e), "%s (a duration: 500ms, 2s, 1m)", expect);
		return cfp_expected(ps, e);
	}
	v *= scale;
	if (v < min_ms || v > max_ms)
		return cf_error(ps->err, ps->file, t->line, t->col, "expected %s, got %.*s", expect, (int)t->len, t->text);
	*out = (uint32_t)v;
	return cfp_next(ps);
}

/* A path or a host name for http checks: a word, or a "string" (for what a word cannot
 * hold: ?, =, &...), of printable characters without spaces (they go into the request),
 * fewer than max bytes, into out. Advances. */
static int http_text(struct cf_parser *ps, const char *what, bool path, char *out, size_t max)
{
	const struct cf_tok *t = &ps->tok;
	if ((t->kind != CF_T_WORD && t->kind != CF_T_STRING) || (path && (!t->len || t->text[0] != '/')) || !t->len)
		return cfp_expected(ps, what);
	unsigned col0 = t->col + (t->kind == CF_T_STRING); /* past the quote */
	if (t->len >= max)
		return cf_error(ps->err, ps->file, t->line, col0, "expected %s of at most %zu bytes, got %zu", what, max - 1,
				t->len);
	for (size_t i = 0; i < t->len; i++) {
		unsigned char ch = (unsigned char)t->text[i];
		if (ch <= 0x20 || ch >= 0x7f)
			return cf_error(ps->err, ps->file, t->line, col0 + (unsigned)i,
					"expected %s without spaces or control characters, got byte 0x%02x", what, ch);
	}
	memcpy(out, t->text, t->len);
	out[t->len] = 0;
	return cfp_next(ps);
}

/* "health none | tcp [opts] | http PATH [opts]" after 'health' */
static int parse_health(struct cf_parser *ps, struct lbc_health *h)
{
	if (cfp_is_word(ps, "none"))
		return cfp_next(ps);
	if (cfp_is_word(ps, "tcp"))
		h->kind = LBC_CHECK_TCP;
	else if (cfp_is_word(ps, "http"))
		h->kind = LBC_CHECK_HTTP;
	else
		return cfp_expected(ps, "none, tcp or http");
	bool http = h->kind == LBC_CHECK_HTTP;
	if (cfp_next(ps))
		return -1;
	if (http && http_text(ps, "a path starting with '/' (/healthz)", true, h->path, sizeof(h->path)))
		return -1;
	struct pos port = { 0, 0 }, status = { 0, 0 }, host = { 0, 0 }, interval = { 0, 0 }, timeout = { 0, 0 },
		   rise = { 0, 0 }, fall = { 0, 0 };
	uint32_t v;
	while (ps->tok.kind == CF_T_WORD) {
		if (cfp_is_word(ps, "port")) {
			if (once(ps, &port) || cfp_next(ps) || cfp_number(ps, 1, 65535, "a port from 1 to 65535", &v))
				return -1;
			h->port = (uint16_t)v;
		} else if (http && cfp_is_word(ps, "status")) {
			if (once(ps, &status) || cfp_next(ps) ||
			    cfp_number(ps, 100, 599, "an HTTP status from 100 to 599", &v))
				return -1;
			h->status = (uint16_t)v;
		} else if (http && cfp_is_word(ps, "host")) {
			if (once(ps, &host) || cfp_next(ps) ||
			    http_text(ps, "a host name", false, h->host, sizeof(h->host)))
				return -1;
		} else if (cfp_is_word(ps, "interval")) {
			if (once(ps, &interval) || cfp_next(ps) ||
			    duration(ps, "an interval", INTERVAL_MIN_MS, INTERVAL_MAX_MS, &h->interval_ms))
				return -1;
		} else if (cfp_is_word(ps, "timeout")) {
			if (once(ps, &timeout) || cfp_next(ps) ||
			    duration(ps, "a timeout", TIMEOUT_MIN_MS, INTERVAL_MAX_MS, &h->timeout_ms))
				return -1;
		} else if (cfp_is_word(ps, "rise") || cfp_is_word(ps, "fall")) {
			bool is_rise = cfp_is_word(ps, "rise");
			if (once(ps, is_rise ? &rise : &fall) || cfp_next(ps) ||
			    cfp_number(ps, 1, 100, "a count from 1 to 100", &v))
				return -1;
			*(is_rise ? &h->rise : &h->fall) = (uint8_t)v;
		} else if (!http && (cfp_is_word(ps, "status") || cfp_is_word(ps, "host"))) {
			return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "%.*s is for health http",
					(int)ps->tok.len, ps->tok.text);
		} else {
			return cfp_expected(ps, http ? "port, status, host, interval, timeout, rise, fall or the end of the statement"
						     : "port, interval, timeout, rise, fall or the end of the statement");
		}
	}
	char a[24], b[24];
	if (h->timeout_ms >= h->interval_ms) {
		if (timeout.line)
			return cf_error(ps->err, ps->file, timeout.line, timeout.col,
					"the timeout (%s) must be below the interval (%s): a check ends before the next starts",
					dur_text(h->timeout_ms, a), dur_text(h->interval_ms, b));
		return cf_error(ps->err, ps->file, interval.line, interval.col,
				"the interval (%s) must be above the timeout (%s, the default): give a shorter timeout",
				dur_text(h->interval_ms, a), dur_text(h->timeout_ms, b));
	}
	return 0;
}

/* "backend NAME ADDR [port N] [weight N] [drain]", the current token 'backend' */
static int parse_backend(struct cf_parser *ps, struct lb_config *c, struct lbc_service *s)
{
	struct cf_tok at = ps->tok;
	if (s->n_backend == LBC_MAX_BACKENDS)
		return cf_error(ps->err, ps->file, at.line, at.col, "too many backends in service %s (at most %d)", s->name,
				LBC_MAX_BACKENDS);
	unsigned all = s->n_backend;
	for (unsigned i = 0; i < c->n_svc; i++)
		all += c->svc[i].n_backend;
	if (all == LBC_MAX_BACKENDS_ALL)
		return cf_error(ps->err, ps->file, at.line, at.col, "too many backends in all the services (at most %d)",
				LBC_MAX_BACKENDS_ALL);
	struct lbc_backend b = { .weight = LBC_WEIGHT_DEFAULT, .line = at.line, .col = at.col };
	if (cfp_next(ps))
		return -1;
	struct cf_tok name = ps->tok;
	if (cfp_name_of(ps, "a backend name", b.name))
		return -1;
	for (unsigned i = 0; i < s->n_backend; i++)
		if (!strcmp(s->backend[i].name, b.name))
			return cf_error(ps->err, ps->file, name.line, name.col,
					"backend %s is declared twice in service %s (first at %u:%u)", b.name, s->name,
					s->backend[i].line, s->backend[i].col);
	if (host_addr(ps, "the backend's address", &b.family, b.addr))
		return -1;
	struct pos port = { 0, 0 }, weight = { 0, 0 }, drain = { 0, 0 };
	uint32_t v;
	while (ps->tok.kind == CF_T_WORD) {
		if (cfp_is_word(ps, "port")) {
			if (once(ps, &port) || cfp_next(ps) || cfp_number(ps, 1, 65535, "a port from 1 to 65535", &v))
				return -1;
			b.port = (uint16_t)v;
		} else if (cfp_is_word(ps, "weight")) {
			if (once(ps, &weight) || cfp_next(ps) || cfp_number(ps, 0, 65535, "a weight from 0 to 65535", &v))
				return -1;
			b.weight = v;
		} else if (cfp_is_word(ps, "drain")) {
			if (once(ps, &drain) || cfp_next(ps))
				return -1;
			b.drain = true;
		} else {
			return cfp_expected(ps, "port, weight, drain or the end of the statement");
		}
	}
	if (cfp_end_statement(ps))
		return -1;
	/* the array doubles from 4: it is full when its count is 0, or 4 or more and a power of two */
	unsigned n = s->n_backend;
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		struct lbc_backend *grown = realloc(s->backend, (n ? 2 * n : 4) * sizeof(*grown));
		if (!grown)
			return cf_error(ps->err, ps->file, at.line, at.col, "out of memory for the backends of service %s",
					s->name);
		s->backend = grown;
	}
	s->backend[s->n_backend++] = b;
	return 0;
}

/* The checks across a service's statements, the current token its '}'. */
static int check_service(struct cf_parser *ps, const struct lbc_service *s, const struct svc_read *r)
{
	if (!r->vip.line)
		return cf_error(ps->err, ps->file, r->at.line, r->at.col, "service %s: no vip (vip ADDR tcp|udp PORT)",
				s->name);
	if (s->mode == LBC_NAT && s->family == 6) {
		if (r->mode.line)
			return cf_error(ps->err, ps->file, r->mode.line, r->mode.col,
					"service %s: nat mode is IPv4 only (connection tracking translates IPv4 connections): "
					"for an IPv6 VIP, mode dsr",
					s->name);
		return cf_error(ps->err, ps->file, r->vip_addr.line, r->vip_addr.col,
				"service %s: an IPv6 VIP needs mode dsr (nat, the default, is IPv4 only: connection "
				"tracking translates IPv4 connections)",
				s->name);
	}
	bool same_family = s->mode == LBC_NAT || s->encap == LBC_ENCAP_NONE;
	for (unsigned i = 0; i < s->n_backend; i++) {
		const struct lbc_backend *b = &s->backend[i];
		if (same_family && b->family != s->family)
			return cf_error(ps->err, ps->file, b->line, b->col,
					"backend %s: an IPv%u address for an IPv%u VIP: %s", b->name, b->family, s->family,
					s->mode == LBC_NAT ? "in nat mode the backends are of the VIP's family"
							   : "without encap a dsr backend is of the VIP's family (or mode dsr "
							     "encap ipip|gue)");
		if (s->mode == LBC_DSR && b->port)
			return cf_error(ps->err, ps->file, b->line, b->col,
					"backend %s: no backend port in dsr (the packet keeps its port, the VIP's %u)", b->name,
					s->port);
		uint16_t port = b->port ? b->port : s->port;
		for (unsigned j = 0; j < i; j++) {
			const struct lbc_backend *o = &s->backend[j];
			if (o->family == b->family && !memcmp(o->addr, b->addr, 16) && (o->port ? o->port : s->port) == port)
				return cf_error(ps->err, ps->file, b->line, b->col,
						"backend %s: the same address and port as backend %s (at %u:%u)", b->name,
						o->name, o->line, o->col);
		}
	}
	return 0;
}

/* "service NAME { ... }", the current token 'service' */
static int parse_service(struct cf_parser *ps, struct lb_config *c)
{
	struct svc_read r = { .at = ps->tok };
	if (c->n_svc == LBC_MAX_SERVICES)
		return cf_error(ps->err, ps->file, r.at.line, r.at.col, "too many services (at most %d)", LBC_MAX_SERVICES);
	struct lbc_service *s = &c->svc[c->n_svc];
	service_init(s); /* a slot past n_svc holds nothing (lb_config_init, lb_config_free) */
	s->line = r.at.line;
	s->col = r.at.col;
	s->off = offset_of(c, ps, r.at.text);
	if (cfp_next(ps))
		return -1;
	struct cf_tok name = ps->tok;
	if (cfp_name_of(ps, "a service name", s->name))
		return -1;
	for (unsigned i = 0; i < c->n_svc; i++)
		if (!strcmp(c->svc[i].name, s->name))
			return cf_error(ps->err, ps->file, name.line, name.col, "service %s is declared twice (first at %u:%u)",
					s->name, c->svc[i].line, c->svc[i].col);
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	if (cfp_next(ps))
		return -1;
	for (int k; (k = cfp_block_next(ps)) != 1;) {
		if (k < 0)
			return -1;
		int rc;
		if (cfp_is_word(ps, "vip")) {
			rc = once(ps, &r.vip) || cfp_next(ps) || parse_vip(ps, c, s, &r);
		} else if (cfp_is_word(ps, "mode")) {
			rc = once(ps, &r.mode) || cfp_next(ps) || parse_mode(ps, s);
			s->mode_line = r.mode.line;
			s->mode_col = r.mode.col;
		} else if (cfp_is_word(ps, "table")) {
			rc = once(ps, &r.table) || cfp_next(ps) || parse_table(ps, s);
		} else if (cfp_is_word(ps, "health")) {
			rc = once(ps, &r.health) || cfp_next(ps) || parse_health(ps, &s->health);
			s->health.line = r.health.line;
			s->health.col = r.health.col;
		} else if (cfp_is_word(ps, "backend")) {
			if (parse_backend(ps, c, s))
				return -1;
			continue; /* it read its end */
		} else if (ps->tok.kind == CF_T_END) {
			return cfp_expected(ps, "'}'");
		} else {
			return cfp_expected(ps, "vip, mode, table, health, backend or '}'");
		}
		if (rc || cfp_end_statement(ps))
			return -1;
	}
	if (check_service(ps, s, &r))
		return -1;
	s->end = offset_of(c, ps, ps->tok.text + 1);
	c->n_svc++;
	if (cfp_next(ps))
		return -1;
	return cfp_end_statement(ps);
}

static int parse_stmt(struct cf_parser *ps, void *ctx)
{
	if (cfp_is_word(ps, "lb"))
		return parse_lb(ps, ctx);
	if (cfp_is_word(ps, "service"))
		return parse_service(ps, ctx);
	return 1;
}

static const char *const words[] = { "lb", "service", NULL };

void lb_config_ext(struct lb_config *c, struct cf_ext *out)
{
	*out = (struct cf_ext){ .name = "lb", .words = words, .stmt = parse_stmt, .ctx = c };
}

/* Writing back: snprintf's contract over many pieces. */
struct out {
	char *buf;
	size_t len, n;                   /* n: what the whole text needs so far */
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(o->n < o->len ? o->buf + o->n : NULL, o->n < o->len ? o->len - o->n : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n += (size_t)k;
}

/* An address as the readers take it back: dotted quad, or IPv6's groups in hex with the
 * longest run of two or more zero groups as '::' (RFC 5952; never a dotted tail, which
 * cf_read_prefix does not read). */
static void put_addr(struct out *o, uint8_t family, const uint8_t *a)
{
	if (family == 4) {
		put(o, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	int best = -1, best_len = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			put(o, "::");
			i += best_len - 1;
			continue;
		}
		put(o, "%s%x", i && i != best + best_len ? ":" : "", g[i]);
	}
}

/* A path or host: a word when the lexer reads it as one, else a "string". */
static void put_text(struct out *o, const char *s)
{
	bool word = *s != 0;
	for (const char *p = s; *p && word; p++)
		word = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		       *p == '.' || *p == ':' || *p == '/' || *p == '-';
	put(o, word ? " %s" : " \"%s\"", s);
}

static void put_service(struct out *o, const struct lbc_service *s)
{
	char d[24];
	put(o, "service %s {\n\tvip ", s->name);
	put_addr(o, s->family, s->vip);
	put(o, " %s %u\n", s->proto == 17 ? "udp" : "tcp", s->port);
	if (s->mode == LBC_NAT) {
		put(o, "\tmode nat%s", s->snat ? " snat" : "");
		if (s->snat && s->snat_addr_set) {
			put(o, " ");
			put_addr(o, 4, s->snat_addr);
		}
		put(o, "\n");
	} else {
		put(o, "\tmode dsr%s", s->encap == LBC_ENCAP_IPIP ? " encap ipip" : s->encap == LBC_ENCAP_GUE ? " encap gue" : "");
		if (s->encap == LBC_ENCAP_GUE && s->gue_port != LBC_GUE_PORT_DEFAULT)
			put(o, " port %u", s->gue_port);
		put(o, "\n");
	}
	if (s->table_size != LBM_SIZE_DEFAULT)
		put(o, "\ttable %u\n", s->table_size);
	const struct lbc_health *h = &s->health;
	if (h->kind != LBC_CHECK_NONE) {
		put(o, "\thealth %s", h->kind == LBC_CHECK_HTTP ? "http" : "tcp");
		if (h->kind == LBC_CHECK_HTTP)
			put_text(o, h->path);
		if (h->port)
			put(o, " port %u", h->port);
		if (h->kind == LBC_CHECK_HTTP) {
			put(o, " status %u", h->status);
			if (h->host[0]) {
				put(o, " host");
				put_text(o, h->host);
			}
		}
		put(o, " interval %s", dur_text(h->interval_ms, d));
		put(o, " timeout %s rise %u fall %u\n", dur_text(h->timeout_ms, d), h->rise, h->fall);
	}
	for (unsigned i = 0; i < s->n_backend; i++) {
		const struct lbc_backend *b = &s->backend[i];
		put(o, "\tbackend %s ", b->name);
		put_addr(o, b->family, b->addr);
		if (b->port)
			put(o, " port %u", b->port);
		if (b->weight != LBC_WEIGHT_DEFAULT)
			put(o, " weight %u", b->weight);
		put(o, "%s\n", b->drain ? " drain" : "");
	}
	put(o, "}\n");
}

size_t lb_config_render(const struct lb_config *c, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	if (buf && len)
		buf[0] = 0;
	if (c->declared)
		put(&o, "lb { flows %u; flow-timeout tcp %u udp %u }\n", c->flows, c->flow_timeout_tcp_s,
		    c->flow_timeout_udp_s);
	for (unsigned i = 0; i < c->n_svc; i++)
		put_service(&o, &c->svc[i]);
	return o.n;
}
