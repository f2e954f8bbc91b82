/* The lb namespace on the control socket (ctl.h, docs/CONTROL.md, docs/LB.md):
 *
 *   lb add service NAME { vip ADDR tcp|udp PORT; mode ...; health ...; backend ... }
 *   lb remove service NAME
 *   lb add backend SERVICE NAME ADDR [port N] [weight N] [drain]
 *   lb remove backend SERVICE NAME
 *   lb weight SERVICE NAME N
 *   lb drain SERVICE NAME [on|off]      (off: takes new flows again)
 *   show services | backends [SERVICE] | flows [SERVICE] [limit N] | config
 *
 * A transaction works on a copy of the running services (lb_conf.h), the rest of the
 * running text (interfaces, routes, management) kept as it is; a commit renders the copy
 * after that rest, and the life cycle's reload checks all of it and swaps it in between
 * bursts, or refuses it with nothing changed. What a command adds is read by the config's
 * own parser, so its errors are the config's, pointed at the command's words.
 */
#include "lb_ctl_int.h"

#include "cf_parse.h"
#include "plat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lbc_txn_free_(struct lbc_txn *t)
{
	if (!t)
		return;
	lb_config_free(&t->lb);
	free(t->rest);
	free(t->out);
	free(t);
}

/* A deep copy of src into dst (lb_config_init'ed); -1: no memory. */
static int copy_config(struct lb_config *dst, const struct lb_config *src)
{
	*dst = *src;
	for (unsigned s = 0; s < src->n_svc; s++)
		dst->svc[s].backend = NULL;
	for (unsigned s = 0; s < src->n_svc; s++) {
		size_t n = src->svc[s].n_backend;
		if (!n)
			continue;
		if (!(dst->svc[s].backend = malloc(n * sizeof(struct lbc_backend)))) {
			lb_config_free(dst);
			return -1;
		}
		memcpy(dst->svc[s].backend, src->svc[s].backend, n * sizeof(struct lbc_backend));
	}
	return 0;
}

static int span_cmp(const void *x, const void *y)
{
	const size_t *a = x, *b = y;
	return a[0] < b[0] ? -1 : a[0] > b[0];
}

static void *txn_begin(void *app)
{
	struct lb_app *a = app;
	const struct lba_conf *c = atomic_load(&a->active);
	struct lbc_txn *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->a = a;
	lb_config_init(&t->lb);
	if (copy_config(&t->lb, &c->lb) || !(t->rest = malloc(c->text_len + 2))) {
		lbc_txn_free_(t);
		return NULL;
	}
	/* the running text without the services and the lb block: they are rendered again */
	size_t spans[LBC_MAX_SERVICES + 1][2];
	unsigned n = 0;
	if (c->lb.declared)
		spans[n][0] = c->lb.off, spans[n++][1] = c->lb.end;
	for (unsigned s = 0; s < c->lb.n_svc; s++)
		spans[n][0] = c->lb.svc[s].off, spans[n++][1] = c->lb.svc[s].end;
	qsort(spans, n, sizeof(spans[0]), span_cmp);
	size_t at = 0;
	for (unsigned i = 0; i <= n; i++) {
		size_t to = i < n ? spans[i][0] : c->text_len;
		if (to > at && to <= c->text_len) {
			memcpy(t->rest + t->rest_len, c->text + at, to - at);
			t->rest_len += to - at;
		}
		if (i < n && spans[i][1] > at) {
			at = spans[i][1];
			if (at < c->text_len && c->text[at] == '\n')
				at++;   /* its line's end goes with it: the rendering ends its own lines */
		}
	}
	if (t->rest_len && t->rest[t->rest_len - 1] != '\n')
		t->rest[t->rest_len++] = '\n';
	t->rest[t->rest_len] = 0;
	for (size_t i = 0; i < t->rest_len; i++)
		t->rest_lines += t->rest[i] == '\n';
	return t;
}

static void txn_free(void *txn)
{
	lbc_txn_free_(txn);
}

/* Where parse_one's errors go on the command's line: the parser's columns from 'first' on
 * line 'line' of the text are the command's from 'base' on; an error before 'first' (at
 * the statement's own word) goes to column 'word', one elsewhere (past the command's words)
 * to 'end', the end of the line. */
struct at_map {
	unsigned line, first, base, word, end;
};

/* Reads text (one service block) with the config's parser into one service, refusing any
 * other statement beside it; errors moved onto the command's line (struct at_map). The
 * config on the heap (tens of KiB: too much for an image's stack), or NULL with the error
 * in o. */
static struct lb_config *parse_one(const char *text, size_t len, const struct at_map *m, const struct ctl_where *w,
				   struct ctl_out *o)
{
	struct cf_config *cf = calloc(1, sizeof(*cf));
	struct lb_config *out = malloc(sizeof(*out));
	if (!cf || !out) {
		free(cf);
		free(out);
		ctl_error(o, "out of memory");
		return NULL;
	}
	lb_config_init(out);
	struct cf_ext ext;
	lb_config_ext(out, &ext);
	struct cf_err e = { "" };
	int rc = cf_parse(cf, &ext, 1, "ctl", text, len, &e);
	bool other = !rc && (cf->n_iface || cf->n_route || cf->n_neighbor || cf->n_set || cf->mgmt.declared ||
			     cf->ct_line || out->declared || out->n_svc != 1);
	cf_config_free(cf);
	free(cf);
	if (other) {
		ctl_error(o, "%s:%u:%u: one service block: service NAME { vip ADDR tcp|udp PORT; ... }", w->name, w->line,
			  m->word);
	} else if (rc) {
		/* "ctl:LINE:COL: why" */
		char *p = e.msg + 4, *q;
		unsigned long l = strtoul(p, &q, 10), col = 0;
		bool at = !strncmp(e.msg, "ctl:", 4) && *q == ':' && (col = strtoul(q + 1, &p, 10)) > 0 && !strncmp(p, ": ", 2);
		unsigned c = !at || l != m->line ? m->end : col < m->first ? m->word : m->base + (unsigned)(col - m->first);
		ctl_error(o, "%s:%u:%u: %s", w->name, w->line, c, at ? p + 2 : e.msg);
	}
	if (rc || other) {
		lb_config_free(out);
		free(out);
		return NULL;
	}
	return out;
}

static void config_drop(struct lb_config *c)
{
	lb_config_free(c);
	free(c);
}

static int svc_index(const struct lb_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_svc; i++)
		if (!strcmp(c->svc[i].name, name))
			return (int)i;
	return -1;
}

static int be_index(const struct lbc_service *v, const char *name)
{
	for (unsigned i = 0; i < v->n_backend; i++)
		if (!strcmp(v->backend[i].name, name))
			return (int)i;
	return -1;
}

/* An error at word i of the command (past its end: its last word). -1. */
static int __attribute__((format(printf, 5, 6)))
err_at(struct ctl_out *o, const struct ctl_where *w, const struct ctl_args *a, int i, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_error(o, "%s:%u:%u: %s", w->name, w->line, i < a->argc ? a->col[i] : a->col[a->argc - 1], msg);
	return -1;
}

#define ERR_AT(i, ...) err_at(o, w, a, (i), __VA_ARGS__)

/* The service named by word i, or an error. */
static struct lbc_service *want_svc(struct lbc_txn *t, const struct ctl_args *a, int i, const struct ctl_where *w,
				    struct ctl_out *o)
{
	if (i >= a->argc)
		return ERR_AT(i, "a service's name is missing"), NULL;
	int s = svc_index(&t->lb, a->argv[i]);
	if (s < 0)
		return ERR_AT(i, "no service '%s'", a->argv[i]), NULL;
	return &t->lb.svc[s];
}

static int add_service(struct lbc_txn *t, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	/* the words from 'service' on are a service block as the config writes it */
	const char *raw = a->line + a->col[1] - 1;
	size_t rawlen = strlen(raw);
	struct at_map m = { .line = 1, .first = 1, .base = a->col[1], .word = a->col[1],
			    .end = a->col[1] + (unsigned)rawlen };
	struct lb_config *one = parse_one(raw, rawlen, &m, w, o);
	if (!one)
		return -1;
	int rc = 0;
	if (svc_index(&t->lb, one->svc[0].name) >= 0)
		rc = ERR_AT(2, "service '%s' exists: remove it first, or change its backends", one->svc[0].name);
	else if (t->lb.n_svc >= LBC_MAX_SERVICES)
		rc = ERR_AT(2, "at most %u services", LBC_MAX_SERVICES);
	if (rc) {
		config_drop(one);
		return rc;
	}
	t->lb.svc[t->lb.n_svc++] = one->svc[0];
	one->svc[0].backend = NULL;
	one->svc[0].n_backend = 0;
	config_drop(one);
	t->changes++;
	ctl_ok(o, "service %s added", t->lb.svc[t->lb.n_svc - 1].name);
	return 0;
}

static int add_backend(struct lbc_txn *t, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	struct lbc_service *v = want_svc(t, a, 2, w, o);
	if (!v)
		return -1;
	if (a->argc < 5)
		return ERR_AT(a->argc, "add backend SERVICE NAME ADDR [port N] [weight N] [drain]");
	/* the service's own lines, so that its mode and family judge the backend */
	struct lb_config *head = malloc(sizeof(*head));
	if (!head) {
		ctl_error(o, "out of memory");
		return -1;
	}
	lb_config_init(head);
	head->svc[0] = *v;
	head->svc[0].backend = NULL;
	head->svc[0].n_backend = 0;
	head->n_svc = 1;
	size_t need = lb_config_render(head, NULL, 0);
	const char *raw = a->line + a->col[3] - 1;
	size_t rawlen = strlen(raw);
	char *text = malloc(need + rawlen + 32);
	if (!text) {
		free(head);
		ctl_error(o, "out of memory");
		return -1;
	}
	lb_config_render(head, text, need + 1);
	free(head);               /* it held no backend array of its own */
	/* the backend line before the closing brace */
	size_t at = need;
	while (at > 0 && text[at - 1] != '}')
		at--;
	at = at ? at - 1 : need;
	unsigned line = 1;
	for (size_t i = 0; i < at; i++)
		line += text[i] == '\n';
	int n = snprintf(text + at, rawlen + 32, "backend %s\n}\n", raw);
	struct at_map m = { .line = line, .first = 9, .base = a->col[3], .word = a->col[3],
			    .end = a->col[3] + (unsigned)rawlen };
	struct lb_config *one = parse_one(text, at + (size_t)n, &m, w, o);
	free(text);
	if (!one)
		return -1;
	struct lbc_backend nb = one->svc[0].backend[0];
	config_drop(one);
	if (be_index(v, nb.name) >= 0)
		return ERR_AT(3, "service %s has a backend '%s' already", v->name, nb.name);
	if (v->n_backend >= LBC_MAX_BACKENDS)
		return ERR_AT(3, "at most %u backends a service", LBC_MAX_BACKENDS);
	struct lbc_backend *grown = realloc(v->backend, (v->n_backend + 1) * sizeof(*grown));
	if (!grown) {
		ctl_error(o, "out of memory");
		return -1;
	}
	v->backend = grown;
	nb.line = nb.col = 0;
	v->backend[v->n_backend++] = nb;
	t->changes++;
	ctl_ok(o, "backend %s/%s added", v->name, nb.name);
	return 0;
}

static int remove_cmd(struct lbc_txn *t, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	if (a->argc >= 2 && !strcmp(a->argv[1], "service")) {
		struct lbc_service *v = want_svc(t, a, 2, w, o);
		if (!v)
			return -1;
		if (a->argc > 3)
			return ERR_AT(3, "remove service NAME: nothing after the name");
		unsigned s = (unsigned)(v - t->lb.svc);
		free(v->backend);
		memmove(&t->lb.svc[s], &t->lb.svc[s + 1], (t->lb.n_svc - s - 1) * sizeof(t->lb.svc[0]));
		t->lb.n_svc--;
		/* the slot left past the end holds nothing (lb_config_free looks at every one) */
		t->lb.svc[t->lb.n_svc].backend = NULL;
		t->lb.svc[t->lb.n_svc].n_backend = 0;
		t->changes++;
		ctl_ok(o, "service %s removed", a->argv[2]);
		return 0;
	}
	if (a->argc >= 2 && !strcmp(a->argv[1], "backend")) {
		struct lbc_service *v = want_svc(t, a, 2, w, o);
		if (!v)
			return -1;
		int b = a->argc > 3 ? be_index(v, a->argv[3]) : -1;
		if (b < 0)
			return ERR_AT(3, "service %s has no backend '%s'", v->name, a->argc > 3 ? a->argv[3] : "");
		if (a->argc > 4)
			return ERR_AT(4, "remove backend SERVICE NAME: nothing after the name");
		memmove(&v->backend[b], &v->backend[b + 1], (v->n_backend - (unsigned)b - 1) * sizeof(v->backend[0]));
		v->n_backend--;
		t->changes++;
		ctl_ok(o, "backend %s/%s removed", v->name, a->argv[3]);
		return 0;
	}
	return ERR_AT(1, "remove service NAME, or remove backend SERVICE NAME");
}

/* weight SERVICE NAME N; drain SERVICE NAME [on|off] */
static int backend_cmd(struct lbc_txn *t, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	bool weight = !strcmp(a->argv[0], "weight");
	struct lbc_service *v = want_svc(t, a, 1, w, o);
	if (!v)
		return -1;
	int b = a->argc > 2 ? be_index(v, a->argv[2]) : -1;
	if (b < 0)
		return ERR_AT(2, "service %s has no backend '%s'", v->name, a->argc > 2 ? a->argv[2] : "");
	struct lbc_backend *be = &v->backend[b];
	if (weight) {
		char *end;
		unsigned long n = a->argc == 4 ? strtoul(a->argv[3], &end, 10) : 0;
		if (a->argc != 4 || *end || a->argv[3][0] < '0' || a->argv[3][0] > '9' || n > LBM_WEIGHT_MAX)
			return ERR_AT(3, "weight SERVICE NAME N: a weight from 0 to %u", LBM_WEIGHT_MAX);
		be->weight = (uint32_t)n;
		t->changes++;
		ctl_ok(o, "backend %s/%s weight %lu", v->name, be->name, n);
		return 0;
	}
	bool on = true;
	if (a->argc == 4 && (!strcmp(a->argv[3], "on") || !strcmp(a->argv[3], "off")))
		on = !strcmp(a->argv[3], "on");
	else if (a->argc != 3)
		return ERR_AT(3, "drain SERVICE NAME [on|off]");
	be->drain = on;
	t->changes++;
	ctl_ok(o, "backend %s/%s %s", v->name, be->name, on ? "draining: no new flows, the open ones kept" : "takes new flows");
	return 0;
}

static int txn_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	struct lbc_txn *t = txn;
	const char *c = a->argv[0];
	if (!strcmp(c, "add") && a->argc >= 2 && !strcmp(a->argv[1], "service"))
		return add_service(t, a, w, o);
	if (!strcmp(c, "add") && a->argc >= 2 && !strcmp(a->argv[1], "backend"))
		return add_backend(t, a, w, o);
	if (!strcmp(c, "remove") || !strcmp(c, "delete"))
		return remove_cmd(t, a, w, o);
	if (!strcmp(c, "weight") || !strcmp(c, "drain"))
		return backend_cmd(t, a, w, o);
	ctl_error(o, "%s:%u:%u: unknown lb command '%s': lb add|remove service ..., lb add|remove backend ..., lb weight "
		  "SERVICE NAME N, lb drain SERVICE NAME [on|off]", w->name, w->line, a->col[0], a->argv[0]);
	return -1;
}

static void txn_summary(void *txn, char *buf, size_t len)
{
	struct lbc_txn *t = txn;
	plat_snprintf(buf, len, "%u change%s to the services", t->changes, t->changes == 1 ? "" : "s");
}

static int txn_render(void *txn, const char *name, const char **text, size_t *len)
{
	(void)name;
	struct lbc_txn *t = txn;
	size_t need = lb_config_render(&t->lb, NULL, 0);
	char *out = malloc(t->rest_len + need + 1);
	if (!out)
		return -1;
	memcpy(out, t->rest, t->rest_len);
	lb_config_render(&t->lb, out + t->rest_len, need + 1);
	free(t->out);
	t->out = out;
	*text = out;
	*len = t->rest_len + need;
	return 0;
}

static void txn_where(void *txn, unsigned line, unsigned col, char *buf, size_t len)
{
	struct lbc_txn *t = txn;
	if (line <= t->rest_lines)
		plat_snprintf(buf, len, "config:%u:%u", line, col);
	else
		plat_snprintf(buf, len, "the services as rendered, line %u:%u (show config)", line - t->rest_lines, col);
}

static void txn_adopt(void *app, void *txn)
{
	(void)app;
	lbc_txn_free_(txn);
}

const struct ctl_ns lba_ctl_ns = {
	.name = "lb",
	.help = "lb add service NAME { vip ADDR tcp|udp PORT; mode nat|dsr ...; backend ... }\n"
		"lb remove service NAME\n"
		"lb add backend SERVICE NAME ADDR [port N] [weight N] [drain]\n"
		"lb remove backend SERVICE NAME\n"
		"lb weight SERVICE NAME N    a backend's share of new flows (0: none)\n"
		"lb drain SERVICE NAME [on|off]  no new flows, the open ones kept (off: back)\n"
		"show services             each service: VIP, mode, backends, counters\n"
		"show backends [SERVICE]   each backend: address, weight, state, health, counters\n"
		"show flows [SERVICE] [limit N]  flows and their backends (dsr: the affinity table; nat: connections)\n"
		"show config               the running config\n",
	.txn_begin = txn_begin,
	.txn_free = txn_free,
	.txn_cmd = txn_cmd,
	.txn_summary = txn_summary,
	.txn_render = txn_render,
	.txn_where = txn_where,
	.txn_adopt = txn_adopt,
	.show = lbc_show,
	.shows = "services|backends|flows|connections|interfaces|config",
};
