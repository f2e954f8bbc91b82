/* ctl_harness.c - the control tests' shared harness (ctl_harness.h): text, the repository's
 * files, the JSON reader, a session driven to its answers, a namespace's commands, shows and
 * commits as a session makes them. */
#include "ctl_harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text --------------------------------------------------------------------------------- */

void text_put(struct text *t, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (t->n + (size_t)n + 1 > t->cap) {
		t->cap = (t->n + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
	va_start(ap, f);
	vsnprintf(t->s + t->n, t->cap - t->n, f, ap);
	va_end(ap);
	t->n += (size_t)n;
}

const char *fmt(const char *f, ...)
{
	static char bufs[8][1024];
	static unsigned k;
	char *b = bufs[k++ % 8];
	va_list ap;
	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
}

char *read_src(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", SLUICE_SRC, rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	struct text t = { 0 };
	text_put(&t, "%s", "");
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		text_put(&t, "%.*s", (int)n, buf);
	fclose(f);
	return t.s;
}

bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

unsigned line_of(const char *text, const char *s)
{
	unsigned line = 1;
	for (const char *p = text; *p; p++) {
		if ((p == text || p[-1] == '\n') && !strncmp(p, s, strlen(s)))
			return line;
		line += *p == '\n';
	}
	ck_abort_msg("no line '%s' in:\n%s", s, text);
	return 0;
}

/* ---- a tiny JSON reader: is it one JSON value, and nothing else? --------------------- */

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return p + 1;
}

static const char *js_number(const char *p)
{
	const char *s = p;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static const char *js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				if (!(p = js_string(js_ws(p))))
					return NULL;
				p = js_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = js_value(p, depth + 1)))
				return NULL;
			p = js_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	return js_number(p);
}

bool json_ok(const char *s)
{
	const char *p = s ? js_value(s, 0) : NULL;
	return p && !*js_ws(p);
}

/* ---- a session ------------------------------------------------------------------------- */

static char got[1 << 20];

const char *talk(struct ctl_session *s, const char *text)
{
	size_t len = strlen(text), off = 0, g = 0;
	for (int guard = 0; guard < 1000000; guard++) {
		size_t n;
		const char *out = ctl_session_output(s, &n);
		if (n) {
			size_t take = n < sizeof(got) - 1 - g ? n : sizeof(got) - 1 - g;
			memcpy(got + g, out, take);
			g += take;
			ctl_session_sent(s, n);
			continue;
		}
		if (off == len)
			break;
		off += ctl_session_input(s, text + off, len - off);
	}
	got[g] = 0;
	return got;
}

/* ---- a namespace, as a session calls it ---------------------------------------------------- */

static const struct ctl_ns *ns;
static ctlh_reload_fn *ns_reload;
static bool ns_json_checked, ns_placed;
static char *last_body;

void ctlh_use(const struct ctl_ns *n, ctlh_reload_fn *reload, bool json_checked, bool placed)
{
	ns = n;
	ns_reload = reload;
	ns_json_checked = json_checked;
	ns_placed = placed;
}

int cmd(void *txn, unsigned lineno, const char *line, struct ctl_out *o)
{
	static char words[CTL_LINE_MAX];
	static char *argv[CTL_ARGS_MAX];
	static unsigned col[CTL_ARGS_MAX];
	free(last_body);
	last_body = NULL;
	size_t n = strlen(line);
	memcpy(words, line, n + 1);
	int argc = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && words[i] == ' ')
			i++;
		if (i >= n)
			break;
		argv[argc] = words + i;
		col[argc++] = (unsigned)i + 1;
		for (bool q = false; i < n && (q || words[i] != ' '); i++)
			q ^= words[i] == '"';
		words[i++] = 0;
	}
	*o = (struct ctl_out){ 0 };
	int skip = 1;
	if (!strcmp(argv[0], "--json")) {
		o->json = true;
		skip = 2;
	}
	ck_assert_str_eq(argv[skip - 1], ns->name);
	struct ctl_args a = { argc - skip, argv + skip, col + skip, line, lineno };
	struct ctl_where w = { "ctl", lineno };
	int rc = ns->txn_cmd(txn, &a, &w, o);
	last_body = o->body;
	ck_assert(rc == 0 ? !o->error : o->error);
	return rc;
}

int show(void *app, const char *line, bool json, struct ctl_out *o)
{
	static char words[1024];
	static char *argv[64];
	static unsigned col[64];
	free(last_body);
	snprintf(words, sizeof(words), "%s", line);
	int argc = 0;
	for (char *p = strtok(words, " "); p; p = strtok(NULL, " ")) {
		col[argc] = (unsigned)(p - words) + 6;   /* as the session's "show " line has it */
		argv[argc++] = p;
	}
	*o = (struct ctl_out){ .json = json };
	struct ctl_args args = { argc, argv, col, line, 1 };
	int rc = ns->show(app, &args, o);
	last_body = o->body;
	ck_assert(rc == 0 ? !o->error : o->error);
	if (ns_json_checked && json && !rc)
		ck_assert_msg(json_ok(o->body), "show %s: not JSON:\n%s", line, o->body);
	return rc;
}

const char *render(void *txn)
{
	const char *text;
	size_t len;
	ck_assert_int_eq(ns->txn_render(txn, "ctl", &text, &len), 0);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

int commit(void *app, void *txn, char *err, size_t len)
{
	const char *text = render(txn);
	char why[300];
	if (ns_reload(app, "ctl:1", text, strlen(text), why, sizeof(why)) == 0) {
		ns->txn_adopt(app, txn);
		return 0;
	}
	/* "ctl:1:LINE:COL: why" */
	unsigned line = 0, col = 0;
	int at = 0;
	bool placed = sscanf(why, "ctl:1:%u:%u: %n", &line, &col, &at) == 2 && at;
	if (ns_placed)
		ck_assert_msg(placed, "%s", why);
	if (placed) {
		char where[160];
		ns->txn_where(txn, line, col, where, sizeof(where));
		snprintf(err, len, "%s: %s", where, why + at);
	} else {
		snprintf(err, len, "%s", why);
	}
	ns->txn_free(txn);
	return -1;
}

void commit_ok(void *app, void *txn)
{
	char err[400];
	ck_assert_msg(commit(app, txn, err, sizeof(err)) == 0, "%s", err);
}

void wheres_are(void *txn, const char *text, const struct where_case *cases, size_t n)
{
	char w[160];
	for (size_t i = 0; i < n; i++) {
		ns->txn_where(txn, line_of(text, cases[i].line), cases[i].col, w, sizeof(w));
		ck_assert_msg(!strcmp(w, cases[i].where), "'%s' col %u: %s, want %s", cases[i].line, cases[i].col, w,
			      cases[i].where);
	}
	ns->txn_where(txn, 999, 1, w, sizeof(w));
	ck_assert_str_eq(w, "line 999 of the rendered config");
}
