/* The fw config as a document (fw_doc.h): its shape (ctl_doc.h), reading it from a config
 * text, and its sets as statements. Rendering them is fw_doc_render.c, editing them
 * fw_doc_edit.c. */
#include "fw_doc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const fwd_hook_names[FW_HOOK__COUNT] = { "input", "forward", "output" };

/* A statement kept as its text: its tokens up to the end of the statement outside braces,
 * line by line (comments dropped). */
static int raw_statement(struct ctld_reader *r, struct fwd_doc *d)
{
	struct ctld_stmt *it = ctld_stmt_at(&d->base, d->base.n_stmts);
	if (!it)
		return ctld_oom(r);
	it->kind = CTLD_RAW;
	size_t cap = 0;
	int depth = 0;
	const char *from = NULL, *to = NULL;
	unsigned line = 0, col = 0;
	for (;;) {
		const struct cf_tok *t = &r->tok;
		if (t->kind == CF_T_END || (t->kind == CF_T_EOS && depth == 0))
			break;
		if (t->kind == CF_T_RBRACE && depth == 0)
			return ctld_unexpected(r, "the end of the statement");
		if (t->kind != CF_T_EOS) {
			if (from && t->line != line) {
				if (ctld_raw_line(it, &cap, from, to, line, col))
					return ctld_oom(r);
				from = NULL;
			}
			if (!from) {
				from = ctld_tok_start(t);
				line = t->line;
				col = t->col;
			}
			to = ctld_tok_end(t);
			depth += t->kind == CF_T_LBRACE ? 1 : t->kind == CF_T_RBRACE ? -1 : 0;
		}
		if (ctld_next(r))
			return -1;
	}
	if (depth)
		return ctld_unexpected(r, "'}'");
	return from && ctld_raw_line(it, &cap, from, to, line, col) ? ctld_oom(r) : 0;
}

/* After a chain's or a set's '}': the end of the statement. */
static int end_statement(struct ctld_reader *r)
{
	if (ctld_next(r))
		return -1;
	if (r->tok.kind != CF_T_EOS && r->tok.kind != CF_T_END)
		return ctld_unexpected(r, "the end of the statement");
	return 0;
}

static int set_statement(struct ctld_reader *r, struct fwd_doc *d)
{
	if (ctld_next(r))
		return -1;
	if (r->tok.kind != CF_T_WORD || r->tok.len >= CF_NAME_MAX)
		return ctld_unexpected(r, "a set name");
	if (fwd_set_find(d, r->tok.text, r->tok.len))
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "set '%.*s' is already declared", (int)r->tok.len,
				r->tok.text);
	char name[CF_NAME_MAX];
	memcpy(name, r->tok.text, r->tok.len);
	name[r->tok.len] = 0;
	if (ctld_next(r))
		return -1;
	enum cf_set_kind kind;
	if (ctld_is_word(&r->tok, "ipv4"))
		kind = CF_SET_IPV4;
	else if (ctld_is_word(&r->tok, "ipv6"))
		kind = CF_SET_IPV6;
	else if (ctld_is_word(&r->tok, "port"))
		kind = CF_SET_PORT;
	else
		return ctld_unexpected(r, "the set's type: ipv4, ipv6 or port");
	struct fwd_set *s = fwd_set_add_at(d, d->base.n_stmts, name, kind, (struct ctld_origin){ 0, 0 });
	if (!s)
		return ctld_oom(r);
	if (ctld_next(r))
		return -1;
	if (r->tok.kind != CF_T_LBRACE)
		return ctld_unexpected(r, "'{'");
	bool want_elem = true;
	for (;;) {
		if (ctld_next(r))
			return -1;
		if (r->tok.kind == CF_T_EOS)
			continue;
		if (r->tok.kind == CF_T_RBRACE)
			return end_statement(r);
		if (want_elem && r->tok.kind == CF_T_WORD) {
			char text[FWD_ELEM_MAX];
			if (fwd_elem_read(s, r->file, &r->tok, text, &r->fe))
				return -1;
			if (fwd_elem_add(s, text, (struct ctld_origin){ 0, 0 }))
				return ctld_oom(r);
			want_elem = false;
		} else if (!want_elem && r->tok.kind == CF_T_COMMA) {
			want_elem = true;
		} else {
			return ctld_unexpected(r, want_elem ? "an element" : "',' or '}'");
		}
	}
}

/* One rule of a chain: its tokens to the end of the line, ';' or the chain's '}'. */
static int rule(struct ctld_reader *r, struct fwd_doc *d, enum fw_hook hook)
{
	const char *from = ctld_tok_start(&r->tok), *to = from;
	int depth = 0;
	while (r->tok.kind != CF_T_EOS && (r->tok.kind != CF_T_RBRACE || depth > 0)) {
		if (r->tok.kind == CF_T_END)
			return ctld_unexpected(r, "'}'");
		depth += r->tok.kind == CF_T_LBRACE ? 1 : r->tok.kind == CF_T_RBRACE ? -1 : 0;
		to = ctld_tok_end(&r->tok);
		if (ctld_next(r))
			return -1;
	}
	struct ctld_chain *c = &d->chain[hook];
	if (c->n == FWD_MAX_RULES)
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "more than %u rules in chain %s", FWD_MAX_RULES,
				fwd_hook_names[hook]);
	uint64_t h;
	return ctld_rule_add(c, c->n, from, (size_t)(to - from), (struct ctld_origin){ 0, 0 }, &h) ? ctld_oom(r) : 0;
}

static int chain_statement(struct ctld_reader *r, struct fwd_doc *d)
{
	if (ctld_next(r))
		return -1;
	int hook = r->tok.kind == CF_T_WORD ? ctld_hook(fwd_hook_names, FW_HOOK__COUNT, r->tok.text, r->tok.len) : -1;
	if (hook < 0)
		return ctld_unexpected(r, "a chain: input, forward or output");
	struct ctld_chain *c = &d->chain[hook];
	if (c->declared)
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "chain '%s' is already declared",
				fwd_hook_names[hook]);
	if (ctld_chain_declare(&d->base, (unsigned)hook, (struct ctld_origin){ 0, 0 }))
		return ctld_oom(r);
	if (ctld_next(r))
		return -1;
	if (ctld_is_word(&r->tok, "policy")) {
		if (ctld_next(r))
			return -1;
		if (!ctld_is_word(&r->tok, "accept") && !ctld_is_word(&r->tok, "drop"))
			return ctld_unexpected(r, "accept or drop");
		c->policy = r->tok.text[0] == 'a' ? FW_ACCEPT : FW_DROP;
		if (ctld_next(r))
			return -1;
	}
	if (r->tok.kind != CF_T_LBRACE)
		return ctld_unexpected(r, "'{'");
	if (ctld_next(r))
		return -1;
	for (;;) {
		while (r->tok.kind == CF_T_EOS)
			if (ctld_next(r))
				return -1;
		if (r->tok.kind == CF_T_RBRACE)
			return end_statement(r);
		if (rule(r, d, (enum fw_hook)hook))
			return -1;
	}
}

/* The statements of a config text, in order. */
static int read_doc(struct ctld_reader *r, struct ctld_doc *doc, const char *text, size_t len)
{
	struct fwd_doc *d = (struct fwd_doc *)doc;
	(void)text;
	(void)len;
	int rc = ctld_next(r);
	while (rc == 0) {
		while (rc == 0 && r->tok.kind == CF_T_EOS)
			rc = ctld_next(r);
		if (rc || r->tok.kind == CF_T_END)
			break;
		if (ctld_is_word(&r->tok, "chain"))
			rc = chain_statement(r, d);
		else if (ctld_is_word(&r->tok, "set"))
			rc = set_statement(r, d);
		else if (r->tok.kind == CF_T_WORD)
			rc = raw_statement(r, d);
		else
			rc = ctld_unexpected(r, "a statement");
	}
	return rc;
}

/* ---- sets as statements ---------------------------------------------------------------- */

static void *set_copy(const void *own)
{
	const struct fwd_set *s = own;
	struct fwd_set *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *s;
	c->elems = NULL;
	c->cap = s->n;
	if (s->n && !(c->elems = malloc(s->n * sizeof(*s->elems)))) {
		free(c);
		return NULL;
	}
	if (s->n)
		memcpy(c->elems, s->elems, s->n * sizeof(*s->elems));
	return c;
}

static void set_free(void *own)
{
	struct fwd_set *s = own;
	free(s->elems);
	free(s);
}

static void set_settle(void *own)
{
	static const struct ctld_origin none;
	struct fwd_set *s = own;
	s->from = none;
	for (unsigned k = 0; k < s->n; k++)
		s->elems[k].from = none;
}

static const char *chain_head(const struct ctld_chain *c)
{
	return c->policy == FW_DROP ? " policy drop" : " policy accept";
}

static const struct ctld_shape fwd_shape = {
	.size = sizeof(struct fwd_doc),
	.chains = offsetof(struct fwd_doc, chain),
	.hooks = fwd_hook_names,
	.n_hooks = FW_HOOK__COUNT,
	.max_rules = FWD_MAX_RULES,
	.policy = FW_ACCEPT,
	.chain_head = chain_head,
	.indent = true,
	.own_copy = set_copy,
	.own_free = set_free,
	.own_settle = set_settle,
	.own_render = fwd_set_render,
	.own_where = fwd_set_where,
};

/* ---- the document ------------------------------------------------------------------------ */

struct fwd_doc *fwd_build(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return (struct fwd_doc *)ctld_build(&fwd_shape, name, text, len, read_doc, err, errlen);
}

struct fwd_doc *fwd_copy(const struct fwd_doc *d)
{
	return (struct fwd_doc *)ctld_copy(&d->base);
}

void fwd_free(struct fwd_doc *d)
{
	ctld_free(d ? &d->base : NULL);
}

int fwd_render(const struct fwd_doc *d, struct ctld_text *t)
{
	return ctld_render(&d->base, t);
}

void fwd_where(const struct fwd_doc *d, const struct ctld_text *t, unsigned line, unsigned col, char *buf, size_t len)
{
	ctld_where(&d->base, t, line, col, buf, len);
}
