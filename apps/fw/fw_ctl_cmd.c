/* fw's control commands on rules, sets and elements (fw_ctl_int.h): a rule's text as
 * typed, checked by the rule language's parser among the copy's interfaces and sets; the
 * elements of a set read as the config reads them. Errors point at the command's column. */
#include "fw_ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing text; oom once anything failed. */
struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *t = realloc(b->s, cap);
		if (!t) {
			b->oom = true;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* The command's text from word i to the end of its line as typed (a string with its
 * quotes): the session's line at the word's column (the line may begin with the
 * namespace's word, or with argv[0]); else the words again, one space apart (*owned). */
static const char *tail(const struct fwc_cmd *c, int i, size_t *len, char **owned)
{
	const struct ctl_args *a = c->a;
	const char *w = a->argv[i];
	size_t wl = strlen(w);
	*owned = NULL;
	if (a->line && a->col[i] >= a->col[0] && a->col[0] >= 1) {
		size_t ll = strlen(a->line), at[2] = { a->col[i] - 1, a->col[i] - a->col[0] };
		for (unsigned k = 0; k < 2; k++)
			if (at[k] + wl <= ll && !memcmp(a->line + at[k], w, wl)) {
				*len = ll - at[k];
				return a->line + at[k];
			}
	}
	struct buf b = { 0 };
	for (int j = i; j < a->argc; j++) {
		if (j > i)
			put(&b, " ", 1);
		puts_(&b, a->argv[j]);
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	*owned = b.s;
	*len = b.len;
	return b.s;
}

/* A lexer over the command's text from word i, with the command's lines and columns. */
static const char *lex_tail(const struct fwc_cmd *c, int i, struct cf_lex *lx, struct cf_err *fe, char **owned)
{
	size_t len;
	const char *text = tail(c, i, &len, owned);
	if (!text)
		return NULL;
	cf_lex_init(lx, c->w->name, text, len, fe);
	lx->line = c->w->line;
	lx->col = c->a->col[i];
	return text;
}

static bool at_end(const struct cf_tok *t)
{
	return t->kind == CF_T_END || (t->kind == CF_T_EOS && t->text[0] == '\n');
}

/* The statements the rule may need before hook's chain: its interfaces and sets. */
static void context(const struct fwd_doc *d, int hook, struct buf *b, unsigned *lines)
{
	static const char *const kinds[] = { "ipv4", "ipv6", "port" };
	for (unsigned i = 0; i < d->n_items; i++) {
		const struct fwd_item *it = &d->items[i];
		if (it->kind == FWD_CHAIN && it->hook == (enum fw_hook)hook)
			break;
		if (it->kind == FWD_RAW && !strncmp(it->text, "interface", 9) &&
		    (it->text[9] == ' ' || it->text[9] == '\t')) {
			puts_(b, it->text);
			put(b, "\n", 1);
			*lines += it->n_lines;
		} else if (it->kind == FWD_SET) {
			puts_(b, "set ");
			puts_(b, it->set->name);
			puts_(b, " ");
			puts_(b, kinds[it->set->kind]);
			puts_(b, " { }\n");
			++*lines;
		}
	}
}

/* r parsed as a rule of hook's chain: at r's line, indented to r's column. */
static int check_rule(const struct fwc_cmd *c, int hook, const struct fwc_rule *r)
{
	struct buf b = { 0 };
	unsigned lines = 1;
	context(fwc_doc(c), hook, &b, &lines);
	puts_(&b, "chain ");
	puts_(&b, fwd_hook_names[hook]);
	puts_(&b, " {\n");
	for (unsigned k = 1; k < r->from.col; k++)
		put(&b, " ", 1);
	put(&b, r->text, r->len);
	puts_(&b, "\n}\n");
	struct fw_config *cfg = b.oom ? NULL : malloc(sizeof(*cfg));
	if (!cfg) {
		free(b.s);
		return fwc_fail_at(c, r->from.col, "out of memory");
	}
	struct cf_err fe = { "" };
	const char *name = c->w->name;
	int rc = fw_config_parse(cfg, name, b.s, b.len, &fe);
	if (!rc)
		fw_config_free(cfg);
	free(cfg);
	free(b.s);
	if (!rc)
		return 0;
	/* "NAME:LINE:COL: why": at the rule's line, its column is the command's */
	const char *p = fe.msg + strlen(name) + 1, *why = strstr(p, ": ");
	unsigned line = 0, col = 0;
	while (*p >= '0' && *p <= '9')
		line = line * 10 + (unsigned)(*p++ - '0');
	if (*p == ':')
		while (*++p >= '0' && *p <= '9')
			col = col * 10 + (unsigned)(*p - '0');
	return fwc_fail_at(c, line == lines + 1 && col ? col : r->from.col, "%s", why ? why + 2 : fe.msg);
}

void fwc_rule_free(struct fwc_rule *r)
{
	free(r->owned);
	r->owned = NULL;
}

int fwc_rule_text(const struct fwc_cmd *c, int i, int hook, struct fwc_rule *r)
{
	memset(r, 0, sizeof(*r));
	if (i >= c->a->argc)
		return fwc_fail(c, i, "expected a rule");
	struct cf_lex lx;
	struct cf_err fe = { "" };
	if (!lex_tail(c, i, &lx, &fe, &r->owned))
		return fwc_fail(c, i, "out of memory");
	const char *from = NULL, *to = NULL;
	int depth = 0;
	for (;;) {
		struct cf_tok t = cf_lex_next(&lx);
		if (at_end(&t))
			break;
		if (t.kind == CF_T_ERROR) {
			ctl_error(c->o, "%s", fe.msg);
			goto fail;
		}
		if (t.kind == CF_T_EOS) {       /* ';': nothing may follow */
			struct cf_tok n = cf_lex_next(&lx);
			if (n.kind == CF_T_END || at_end(&n))
				break;
			fwc_fail_at(c, n.col, "one rule a command: nothing after its ';'");
			goto fail;
		}
		if (t.kind == CF_T_RBRACE && !depth) {
			fwc_fail_at(c, t.col, "unexpected '}' (no '{' before it)");
			goto fail;
		}
		depth += t.kind == CF_T_LBRACE ? 1 : t.kind == CF_T_RBRACE ? -1 : 0;
		if (!from) {
			from = t.kind == CF_T_STRING ? t.text - 1 : t.text;
			r->from = (struct fwd_origin){ c->w->line, t.col };
		}
		to = t.text + t.len + (t.kind == CF_T_STRING);
	}
	if (!from) {
		fwc_fail(c, i, "expected a rule");
		goto fail;
	}
	r->text = from;
	r->len = (size_t)(to - from);
	if (!check_rule(c, hook, r))
		return 0;
fail:
	fwc_rule_free(r);
	return -1;
}

/* { E, ... } from word i, read for set s: *n elements (canonical, with their columns) in
 * *out, which the caller frees; -1 with the error. */
static int read_elems(const struct fwc_cmd *c, int i, const struct fwd_set *s, struct fwd_elem **out, unsigned *n)
{
	*out = NULL;
	*n = 0;
	if (i >= c->a->argc)
		return fwc_fail(c, i, "expected '{' and the elements");
	char *owned;
	struct cf_lex lx;
	struct cf_err fe = { "" };
	if (!lex_tail(c, i, &lx, &fe, &owned))
		return fwc_fail(c, i, "out of memory");
	int rc = -1;
	struct cf_tok t = cf_lex_next(&lx);
	if (t.kind != CF_T_LBRACE) {
		fwc_fail_at(c, t.col, "expected '{' and the elements");
		goto out;
	}
	for (bool want = true;;) {
		t = cf_lex_next(&lx);
		if (t.kind == CF_T_ERROR) {
			ctl_error(c->o, "%s", fe.msg);
			goto out;
		}
		if (t.kind == CF_T_RBRACE && (!want || !*n))
			break;
		if (!want && t.kind == CF_T_COMMA) {
			want = true;
			continue;
		}
		if (!want || t.kind != CF_T_WORD) {
			fwc_fail_at(c, t.col, want ? (s->kind == CF_SET_PORT ? "expected a port or a range A-B"
									   : "expected an address or prefix")
					      : "expected ',' or '}'");
			goto out;
		}
		if (*n == CF_MAX_SET_ITEMS) {
			fwc_fail_at(c, t.col, "more than %d elements in set '%s'", CF_MAX_SET_ITEMS, s->name);
			goto out;
		}
		if (*n % 64 == 0) {
			struct fwd_elem *m = realloc(*out, (*n + 64) * sizeof(**out));
			if (!m) {
				fwc_fail_at(c, t.col, "out of memory");
				goto out;
			}
			*out = m;
		}
		struct fwd_elem *e = &(*out)[*n];
		if (fwd_elem_read(s, c->w->name, &t, e->text, &fe)) {
			ctl_error(c->o, "%s", fe.msg);
			goto out;
		}
		e->from = (struct fwd_origin){ c->w->line, t.col };
		++*n;
		want = false;
	}
	t = cf_lex_next(&lx);
	if (!at_end(&t)) {
		fwc_fail_at(c, t.col, "expected the end of the command after '}'");
		goto out;
	}
	rc = 0;
out:
	free(owned);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* Elements e[0..n) not in s yet, nor twice; -1 with the error. */
static int check_new(const struct fwc_cmd *c, const struct fwd_set *s, const struct fwd_elem *e, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		bool twice = fwd_elem_find(s, e[k].text) >= 0;
		for (unsigned j = 0; j < k && !twice; j++)
			twice = !strcmp(e[j].text, e[k].text);
		if (twice)
			return fwc_fail_at(c, e[k].from.col, "'%s' is already in set '%s'", e[k].text, s->name);
		if (s->n + k >= CF_MAX_SET_ITEMS)
			return fwc_fail_at(c, e[k].from.col, "more than %d elements in set '%s'", CF_MAX_SET_ITEMS, s->name);
	}
	return 0;
}

/* Appends e[0..n) to s, all or none. */
static int append(const struct fwc_cmd *c, struct fwd_set *s, const struct fwd_elem *e, unsigned n)
{
	unsigned had = s->n;
	for (unsigned k = 0; k < n; k++)
		if (fwd_elem_add(s, e[k].text, e[k].from)) {
			s->n = had;
			return fwc_fail_at(c, e[k].from.col, "out of memory");
		}
	return 0;
}

int fwc_elements(const struct fwc_cmd *c, bool add)
{
	const char *name = fwc_word(c, 2);
	if (!name)
		return fwc_fail(c, 2, "expected a set name");
	struct fwd_set *s = fwd_set_find(fwc_doc(c), name, strlen(name));
	if (!s)
		return fwc_fail(c, 2, "no set named '%s'", name);
	struct fwd_elem *e;
	unsigned n;
	if (read_elems(c, 3, s, &e, &n))
		return -1;
	int rc = 0;
	if (add) {
		rc = check_new(c, s, e, n) || append(c, s, e, n) ? -1 : 0;
	} else {
		for (unsigned k = 0; k < n && !rc; k++)
			if (fwd_elem_find(s, e[k].text) < 0)
				rc = fwc_fail_at(c, e[k].from.col, "'%s' is not in set '%s'", e[k].text, s->name);
		unsigned had = s->n;
		for (unsigned k = 0; k < n && !rc; k++)
			fwd_elem_delete(s, e[k].text);
		n = rc ? 0 : had - s->n;
	}
	free(e);
	if (rc)
		return -1;
	fwc_counted(c, 0, 0, add ? (int)n : -(int)n);
	ctl_ok(c->o, "%u element%s %s", n, n == 1 ? "" : "s", add ? "added" : "deleted");
	return 0;
}

static bool good_name(const char *s)
{
	size_t n = strlen(s);
	bool ok = n && n < CF_NAME_MAX && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'));
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		     s[i] == '_' || s[i] == '-';
	return ok;
}

int fwc_add_set(const struct fwc_cmd *c)
{
	struct fwd_doc *d = fwc_doc(c);
	const char *name = fwc_word(c, 2), *kind = fwc_word(c, 3);
	if (!name || !good_name(name))
		return fwc_fail(c, 2, "expected a set name (a letter, then letters, digits, '_' or '-', at most %d)%s%s%s",
				CF_NAME_MAX - 1, name ? ", got '" : "", name ? name : "", name ? "'" : "");
	if (fwd_set_find(d, name, strlen(name)))
		return fwc_fail(c, 2, "set '%s' is already declared", name);
	if (fwd_set_count(d) == CF_MAX_SETS)
		return fwc_fail(c, 2, "more than %d sets", CF_MAX_SETS);
	struct fwd_set tmp = { 0 };
	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	if (fwc_is(c, 3, "ipv4") || fwc_is(c, 3, "ipv6"))
		tmp.kind = kind[3] == '4' ? CF_SET_IPV4 : CF_SET_IPV6;
	else if (fwc_is(c, 3, "port"))
		tmp.kind = CF_SET_PORT;
	else
		return fwc_fail(c, 3, "expected the set's type: ipv4, ipv6 or port%s%s%s", kind ? ", got '" : "",
				kind ? kind : "", kind ? "'" : "");
	struct fwd_elem *e = NULL;
	unsigned n = 0;
	if (c->a->argc > 4 && read_elems(c, 4, &tmp, &e, &n))
		return -1;
	struct fwd_set *s = check_new(c, &tmp, e, n) ? NULL
						     : fwd_set_add(d, name, tmp.kind, (struct fwd_origin){ c->w->line, c->a->col[1] });
	if (!s && !c->o->error)
		fwc_fail(c, 2, "out of memory");
	if (s && append(c, s, e, n)) {
		fwd_set_delete(d, s);
		s = NULL;
	}
	free(e);
	if (!s)
		return -1;
	fwc_counted(c, 0, 1, (int)n);
	ctl_ok(c->o, "set %s declared", name);
	return 0;
}

int fwc_delete_set(const struct fwc_cmd *c)
{
	struct fwd_doc *d = fwc_doc(c);
	const char *name = fwc_word(c, 2);
	if (!name)
		return fwc_fail(c, 2, "expected a set name");
	struct fwd_set *s = fwd_set_find(d, name, strlen(name));
	if (!s)
		return fwc_fail(c, 2, "no set named '%s'", name);
	enum fw_hook hook;
	uint64_t h;
	if (fwd_set_used(d, name, &hook, &h))
		return fwc_fail(c, 2, "set '%s' is used by rule handle %llu of chain %s", name, (unsigned long long)h,
				fwd_hook_names[hook]);
	if (fwc_end(c, 3))
		return -1;
	fwd_set_delete(d, s);
	fwc_counted(c, 0, -1, 0);
	ctl_ok(c->o, "set %s deleted", name);
	return 0;
}
