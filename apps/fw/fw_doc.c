/* The fw config as a document (fw_doc.h): reading it from a config text, copying and
 * freeing it. Rendering it back is fw_doc_render.c, editing it fw_doc_edit.c. */
#include "fw_doc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const fwd_hook_names[FW_HOOK__COUNT] = { "input", "forward", "output" };

static _Atomic uint64_t last_handle;

uint64_t fwd_new_handle(void)
{
	return atomic_fetch_add(&last_handle, 1) + 1;
}

/* The reader's state: the current token, and the first error. */
struct reader {
	struct cf_lex lx;
	struct cf_tok tok;
	struct cf_err fe;
	const char *file;
	struct fwd_doc *d;
};

static int next(struct reader *r)
{
	r->tok = cf_lex_next(&r->lx);
	return r->tok.kind == CF_T_ERROR ? -1 : 0;
}

/* A token's first and last byte + 1 in the source (a string's quotes included). */
static const char *tok_start(const struct cf_tok *t)
{
	return t->kind == CF_T_STRING ? t->text - 1 : t->text;
}

static const char *tok_end(const struct cf_tok *t)
{
	return t->text + t->len + (t->kind == CF_T_STRING);
}

static int unexpected(struct reader *r, const char *what)
{
	if (r->tok.kind == CF_T_ERROR)
		return -1;
	char got[64];
	cf_tok_describe(&r->tok, got, sizeof(got));
	return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "expected %s, got %s", what, got);
}

static int oom(struct reader *r)
{
	return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "out of memory");
}

static bool is_word(const struct cf_tok *t, const char *w)
{
	return t->kind == CF_T_WORD && t->len == strlen(w) && !memcmp(t->text, w, t->len);
}

static char *dup_n(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = 0;
	}
	return c;
}

struct fwd_item *fwd_item_at(struct fwd_doc *d, unsigned at)
{
	if (d->n_items == d->cap_items) {
		unsigned cap = d->cap_items ? d->cap_items * 2 : 16;
		struct fwd_item *n = realloc(d->items, cap * sizeof(*n));
		if (!n)
			return NULL;
		d->items = n;
		d->cap_items = cap;
	}
	memmove(&d->items[at + 1], &d->items[at], (d->n_items - at) * sizeof(*d->items));
	d->n_items++;
	memset(&d->items[at], 0, sizeof(d->items[at]));
	return &d->items[at];
}

/* One line of a raw statement: the span of its tokens on that source line. */
static int raw_line(struct fwd_item *it, size_t *cap, const char *from, const char *to, unsigned line, unsigned col)
{
	size_t have = it->text ? strlen(it->text) : 0, n = (size_t)(to - from);
	struct fwd_raw_line *pos = realloc(it->pos, (it->n_lines + 1) * sizeof(*pos));
	if (!pos)
		return -1;
	it->pos = pos;
	if (have + n + 2 > *cap) {
		size_t c = (have + n + 2) * 2;
		char *t = realloc(it->text, c);
		if (!t)
			return -1;
		it->text = t;
		*cap = c;
	}
	if (it->n_lines)
		it->text[have++] = '\n';
	memcpy(it->text + have, from, n);
	it->text[have + n] = 0;
	pos[it->n_lines++] = (struct fwd_raw_line){ line, col };
	return 0;
}

/* A statement kept as its text: its tokens up to the end of the statement outside braces,
 * line by line (comments dropped). */
static int raw_statement(struct reader *r)
{
	struct fwd_item *it = fwd_item_at(r->d, r->d->n_items);
	if (!it)
		return oom(r);
	it->kind = FWD_RAW;
	size_t cap = 0;
	int depth = 0;
	const char *from = NULL, *to = NULL;
	unsigned line = 0, col = 0;
	for (;;) {
		const struct cf_tok *t = &r->tok;
		if (t->kind == CF_T_END || (t->kind == CF_T_EOS && depth == 0))
			break;
		if (t->kind == CF_T_RBRACE && depth == 0)
			return unexpected(r, "the end of the statement");
		if (t->kind != CF_T_EOS) {
			if (from && t->line != line) {
				if (raw_line(it, &cap, from, to, line, col))
					return oom(r);
				from = NULL;
			}
			if (!from) {
				from = tok_start(t);
				line = t->line;
				col = t->col;
			}
			to = tok_end(t);
			depth += t->kind == CF_T_LBRACE ? 1 : t->kind == CF_T_RBRACE ? -1 : 0;
		}
		if (next(r))
			return -1;
	}
	if (depth)
		return unexpected(r, "'}'");
	return from && raw_line(it, &cap, from, to, line, col) ? oom(r) : 0;
}

/* After a chain's or a set's '}': the end of the statement. */
static int end_statement(struct reader *r)
{
	if (next(r))
		return -1;
	if (r->tok.kind != CF_T_EOS && r->tok.kind != CF_T_END)
		return unexpected(r, "the end of the statement");
	return 0;
}

static int set_statement(struct reader *r)
{
	if (next(r))
		return -1;
	if (r->tok.kind != CF_T_WORD || r->tok.len >= CF_NAME_MAX)
		return unexpected(r, "a set name");
	if (fwd_set_find(r->d, r->tok.text, r->tok.len))
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "set '%.*s' is already declared", (int)r->tok.len,
				r->tok.text);
	char name[CF_NAME_MAX];
	memcpy(name, r->tok.text, r->tok.len);
	name[r->tok.len] = 0;
	if (next(r))
		return -1;
	enum cf_set_kind kind;
	if (is_word(&r->tok, "ipv4"))
		kind = CF_SET_IPV4;
	else if (is_word(&r->tok, "ipv6"))
		kind = CF_SET_IPV6;
	else if (is_word(&r->tok, "port"))
		kind = CF_SET_PORT;
	else
		return unexpected(r, "the set's type: ipv4, ipv6 or port");
	struct fwd_set *s = fwd_set_add_at(r->d, r->d->n_items, name, kind, (struct fwd_origin){ 0, 0 });
	if (!s)
		return oom(r);
	if (next(r))
		return -1;
	if (r->tok.kind != CF_T_LBRACE)
		return unexpected(r, "'{'");
	bool want_elem = true;
	for (;;) {
		if (next(r))
			return -1;
		if (r->tok.kind == CF_T_EOS)
			continue;
		if (r->tok.kind == CF_T_RBRACE)
			return end_statement(r);
		if (want_elem && r->tok.kind == CF_T_WORD) {
			char text[FWD_ELEM_MAX];
			if (fwd_elem_read(s, r->file, &r->tok, text, &r->fe))
				return -1;
			if (fwd_elem_add(s, text, (struct fwd_origin){ 0, 0 }))
				return oom(r);
			want_elem = false;
		} else if (!want_elem && r->tok.kind == CF_T_COMMA) {
			want_elem = true;
		} else {
			return unexpected(r, want_elem ? "an element" : "',' or '}'");
		}
	}
}

/* One rule of a chain: its tokens to the end of the line, ';' or the chain's '}'. */
static int rule(struct reader *r, enum fw_hook hook)
{
	const char *from = tok_start(&r->tok), *to = from;
	int depth = 0;
	while (r->tok.kind != CF_T_EOS && (r->tok.kind != CF_T_RBRACE || depth > 0)) {
		if (r->tok.kind == CF_T_END)
			return unexpected(r, "'}'");
		depth += r->tok.kind == CF_T_LBRACE ? 1 : r->tok.kind == CF_T_RBRACE ? -1 : 0;
		to = tok_end(&r->tok);
		if (next(r))
			return -1;
	}
	struct fwd_chain *c = &r->d->chain[hook];
	if (c->n == FWD_MAX_RULES)
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "more than %u rules in chain %s", FWD_MAX_RULES,
				fwd_hook_names[hook]);
	uint64_t h;
	return fwd_rule_insert(r->d, hook, c->n, from, (size_t)(to - from), (struct fwd_origin){ 0, 0 }, &h) ? oom(r) : 0;
}

static int chain_statement(struct reader *r)
{
	if (next(r))
		return -1;
	int hook = r->tok.kind == CF_T_WORD ? fwd_hook(r->tok.text, r->tok.len) : -1;
	if (hook < 0)
		return unexpected(r, "a chain: input, forward or output");
	struct fwd_chain *c = &r->d->chain[hook];
	if (c->declared)
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "chain '%s' is already declared",
				fwd_hook_names[hook]);
	if (fwd_chain_declare(r->d, (enum fw_hook)hook, (struct fwd_origin){ 0, 0 }))
		return oom(r);
	if (next(r))
		return -1;
	if (is_word(&r->tok, "policy")) {
		if (next(r))
			return -1;
		if (!is_word(&r->tok, "accept") && !is_word(&r->tok, "drop"))
			return unexpected(r, "accept or drop");
		c->policy = r->tok.text[0] == 'a' ? FW_ACCEPT : FW_DROP;
		if (next(r))
			return -1;
	}
	if (r->tok.kind != CF_T_LBRACE)
		return unexpected(r, "'{'");
	if (next(r))
		return -1;
	for (;;) {
		while (r->tok.kind == CF_T_EOS)
			if (next(r))
				return -1;
		if (r->tok.kind == CF_T_RBRACE)
			return end_statement(r);
		if (rule(r, (enum fw_hook)hook))
			return -1;
	}
}

struct fwd_doc *fwd_build(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct reader r = { .file = name, .fe = { "" } };
	r.d = calloc(1, sizeof(*r.d));
	if (!r.d) {
		if (err)
			snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(r.d->name, sizeof(r.d->name), "%s", name);
	cf_lex_init(&r.lx, name, text, len, &r.fe);
	int rc = next(&r);
	while (rc == 0) {
		while (rc == 0 && r.tok.kind == CF_T_EOS)
			rc = next(&r);
		if (rc || r.tok.kind == CF_T_END)
			break;
		if (is_word(&r.tok, "chain"))
			rc = chain_statement(&r);
		else if (is_word(&r.tok, "set"))
			rc = set_statement(&r);
		else if (r.tok.kind == CF_T_WORD)
			rc = raw_statement(&r);
		else
			rc = unexpected(&r, "a statement");
	}
	if (rc) {
		if (err)
			snprintf(err, errlen, "%s", r.fe.msg);
		fwd_free(r.d);
		return NULL;
	}
	return r.d;
}

static void set_free(struct fwd_set *s)
{
	if (s)
		free(s->elems);
	free(s);
}

void fwd_free(struct fwd_doc *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n_items; i++) {
		free(d->items[i].text);
		free(d->items[i].pos);
		set_free(d->items[i].set);
	}
	free(d->items);
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		for (unsigned i = 0; i < d->chain[h].n; i++)
			free(d->chain[h].rules[i].text);
		free(d->chain[h].rules);
	}
	free(d);
}

static int copy_item(struct fwd_item *to, const struct fwd_item *from)
{
	*to = (struct fwd_item){ .kind = from->kind, .hook = from->hook, .n_lines = from->n_lines };
	if (from->text && !(to->text = dup_n(from->text, strlen(from->text))))
		return -1;
	if (from->n_lines) {
		if (!(to->pos = malloc(from->n_lines * sizeof(*to->pos))))
			return -1;
		memcpy(to->pos, from->pos, from->n_lines * sizeof(*to->pos));
	}
	if (from->set) {
		const struct fwd_set *s = from->set;
		if (!(to->set = malloc(sizeof(*to->set))))
			return -1;
		*to->set = *s;
		to->set->elems = NULL;
		to->set->cap = s->n;
		if (s->n && !(to->set->elems = malloc(s->n * sizeof(*s->elems))))
			return -1;
		if (s->n)
			memcpy(to->set->elems, s->elems, s->n * sizeof(*s->elems));
	}
	return 0;
}

struct fwd_doc *fwd_copy(const struct fwd_doc *d)
{
	struct fwd_doc *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->name, d->name, sizeof(c->name));
	memcpy(c->cmd_name, d->cmd_name, sizeof(c->cmd_name));
	if (d->n_items && !(c->items = calloc(d->n_items, sizeof(*c->items))))
		goto fail;
	c->cap_items = d->n_items;
	for (; c->n_items < d->n_items; c->n_items++)
		if (copy_item(&c->items[c->n_items], &d->items[c->n_items])) {
			c->n_items++;       /* what it holds is freed with it */
			goto fail;
		}
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		const struct fwd_chain *from = &d->chain[h];
		struct fwd_chain *to = &c->chain[h];
		*to = *from;
		to->rules = NULL;
		to->n = to->cap = 0;
		if (!from->n)
			continue;
		if (!(to->rules = malloc(from->n * sizeof(*to->rules))))
			goto fail;
		to->cap = from->n;
		for (; to->n < from->n; to->n++) {
			to->rules[to->n] = from->rules[to->n];
			if (!(to->rules[to->n].text = dup_n(from->rules[to->n].text, strlen(from->rules[to->n].text))))
				goto fail;
		}
	}
	return c;
fail:
	fwd_free(c);
	return NULL;
}

void fwd_settle(struct fwd_doc *d)
{
	static const struct fwd_origin none;
	for (unsigned i = 0; i < d->n_items; i++) {
		struct fwd_set *s = d->items[i].set;
		if (!s)
			continue;
		s->from = none;
		for (unsigned k = 0; k < s->n; k++)
			s->elems[k].from = none;
	}
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		struct fwd_chain *c = &d->chain[h];
		c->from = c->policy_from = none;
		for (unsigned k = 0; k < c->n; k++)
			c->rules[k].from = none;
	}
}
