/* The nat config as a document (nat_ctl_int.h): its shape (ctl_doc.h: copied, rendered
 * back to text and the way back from a rendered line as every namespace's), read from a
 * config text with the rule language's tokenizer, and the context a new rule is checked
 * in. */
#include "nat_ctl_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const natd_hook_names[NAT_HOOK__COUNT] = { "prerouting", "postrouting" };

/* ---- reading ------------------------------------------------------------------------- */

/* The text [from, to) as a raw piece starting at line:col, in whole lines: after a chain
 * (after_chain), what is left of the chain's last line when it is only blanks, ';' or a
 * comment goes with it; the last line's trailing blanks and newline go (rendering ends
 * every piece with a newline). Nothing left: no piece. */
static int raw_piece(struct ctld_reader *r, struct natd_doc *d, const char *from, const char *to, unsigned line,
		     unsigned col, bool after_chain)
{
	const char *p = from, *q = to;
	if (after_chain) {
		while (p < q && (*p == ' ' || *p == '\t' || *p == ';' || *p == '\r'))
			p++;
		const char *s = p;
		if (p < q && *p == '#')
			while (p < q && *p != '\n')
				p++;
		if (p == q || *p == '\n') {
			p += p < q;
			line++;
			col = 1;
		} else {
			p = s;
			col += (unsigned)(p - from);
		}
	}
	while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
		q--;
	if (q > p && q[-1] == '\n')
		q--;
	while (q > p && q[-1] == '\r')
		q--;
	if (q == p)
		return 0;
	return ctld_raw_text(&d->base, p, (size_t)(q - p), line, col) ? ctld_oom(r) : 0;
}

/* "chain HOOK { RULE ... }", the current token the hook's word: its rules, one per
 * statement (a line or ';'). The current token is its '}' after. */
static int chain(struct ctld_reader *r, struct natd_doc *d, enum nat_hook hook)
{
	struct ctld_chain *c = &d->chain[hook];
	if (c->declared)
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "chain '%s' is already declared",
				natd_hook_names[hook]);
	if (ctld_chain_declare(&d->base, hook, (struct ctld_origin){ 0, 0 }))
		return ctld_oom(r);
	if (ctld_next(r))
		return -1;
	if (r->tok.kind != CF_T_LBRACE)
		return ctld_unexpected(r, "'{'");
	for (;;) {
		if (ctld_next(r))
			return -1;
		if (r->tok.kind == CF_T_EOS)
			continue;
		if (r->tok.kind == CF_T_RBRACE)
			return 0;
		if (r->tok.kind == CF_T_END)
			return ctld_unexpected(r, "a rule or '}'");
		const char *from = ctld_tok_start(&r->tok), *to = from;
		while (r->tok.kind != CF_T_EOS && r->tok.kind != CF_T_RBRACE) {
			if (r->tok.kind == CF_T_END)
				return ctld_unexpected(r, "'}'");
			if (r->tok.kind == CF_T_LBRACE)
				return ctld_unexpected(r, "a match or snat, masquerade, dnat or accept");
			to = ctld_tok_end(&r->tok);
			if (ctld_next(r))
				return -1;
		}
		if (c->n == NAT_MAX_RULES)
			return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "too many rules in one chain (at most %d)",
					NAT_MAX_RULES);
		uint64_t h;
		if (ctld_rule_add(c, c->n, from, (size_t)(to - from), (struct ctld_origin){ 0, 0 }, &h))
			return ctld_oom(r);
		if (r->tok.kind == CF_T_RBRACE)
			return 0;
	}
}

static int read_doc(struct ctld_reader *r, struct ctld_doc *doc, const char *text, size_t len)
{
	struct natd_doc *d = (struct natd_doc *)doc;
	const char *raw = text;
	unsigned raw_line = 1, raw_col = 1;
	bool after_chain = false, at_start = true;
	int depth = 0;
	for (;;) {
		if (ctld_next(r))
			return -1;
		if (r->tok.kind == CF_T_END)
			break;
		if (depth == 0 && at_start && ctld_is_word(&r->tok, "chain")) {
			struct cf_tok word = r->tok;
			struct cf_lex mark = r->lx;
			if (ctld_next(r))
				return -1;
			int hook = r->tok.kind == CF_T_WORD ? ctld_hook(natd_hook_names, NAT_HOOK__COUNT, r->tok.text, r->tok.len)
							    : -1;
			if (hook >= 0) {
				if (raw_piece(r, d, raw, word.text, raw_line, raw_col, after_chain) ||
				    chain(r, d, (enum nat_hook)hook))
					return -1;
				raw = r->tok.text + 1;
				raw_line = r->tok.line;
				raw_col = r->tok.col + 1;
				after_chain = true;
				at_start = false;
				continue;
			}
			r->lx = mark;
			r->tok = word;
		}
		if (r->tok.kind == CF_T_LBRACE)
			depth++;
		else if (r->tok.kind == CF_T_RBRACE && depth > 0)
			depth--;
		at_start = depth == 0 && r->tok.kind == CF_T_EOS;
	}
	return raw_piece(r, d, raw, text + len, raw_line, raw_col, after_chain);
}

static const struct ctld_shape natd_shape = {
	.size = sizeof(struct natd_doc),
	.chains = offsetof(struct natd_doc, chain),
	.hooks = natd_hook_names,
	.n_hooks = NAT_HOOK__COUNT,
	.max_rules = NAT_MAX_RULES,
};

struct natd_doc *natd_build(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return (struct natd_doc *)ctld_build(&natd_shape, name, text, len, read_doc, err, errlen);
}

struct natd_doc *natd_copy(const struct natd_doc *d)
{
	return (struct natd_doc *)ctld_copy(&d->base);
}

void natd_free(struct natd_doc *d)
{
	ctld_free(d ? &d->base : NULL);
}

int natd_render(const struct natd_doc *d, struct ctld_text *t)
{
	return ctld_render(&d->base, t);
}

void natd_where(const struct natd_doc *d, const struct ctld_text *t, unsigned line, unsigned col, char *buf,
		size_t len)
{
	ctld_where(&d->base, t, line, col, buf, len);
}

/* ---- a rule's context ---------------------------------------------------------------- */

/* The statements of raw text s that a NAT rule reads (interfaces, the nat block: as they
 * are; sets: declared empty) into t; *lines counts the lines written. */
static void context_of(const char *s, struct ctld_text *t, unsigned *lines)
{
	struct cf_err fe;
	struct cf_lex lx;
	cf_lex_init(&lx, "", s, strlen(s), &fe);
	struct cf_tok first = { 0 }, last = { 0 };
	int depth = 0;
	unsigned words = 0;
	struct cf_tok set_name = { 0 }, set_kind = { 0 };
	for (;;) {
		struct cf_tok k = cf_lex_next(&lx);
		if (k.kind == CF_T_ERROR)
			return;             /* the reload will say it */
		bool ends = k.kind == CF_T_END || (k.kind == CF_T_EOS && depth == 0);
		if (!ends) {
			if (k.kind != CF_T_EOS) {
				if (!words)
					first = k;
				if (words == 1)
					set_name = k;
				if (words == 2)
					set_kind = k;
				words++;
				last = k;
			}
			depth += k.kind == CF_T_LBRACE ? 1 : k.kind == CF_T_RBRACE && depth ? -1 : 0;
			continue;
		}
		if (words && (ctld_is_word(&first, "interface") || ctld_is_word(&first, "nat"))) {
			const char *from = ctld_tok_start(&first), *to = ctld_tok_end(&last);
			ctld_put(t, from, (size_t)(to - from));
			ctld_put(t, "\n", 1);
			for (const char *p = from; p < to; p++)
				*lines += *p == '\n';
			++*lines;
		} else if (words >= 3 && ctld_is_word(&first, "set") && set_name.kind == CF_T_WORD &&
			   set_kind.kind == CF_T_WORD) {
			ctld_puts(t, "set ");
			ctld_put(t, set_name.text, set_name.len);
			ctld_put(t, " ", 1);
			ctld_put(t, set_kind.text, set_kind.len);
			ctld_puts(t, " { }\n");
			++*lines;
		}
		words = 0;
		if (k.kind == CF_T_END)
			return;
	}
}

int natd_context(const struct natd_doc *d, enum nat_hook hook, struct ctld_text *t, unsigned *lines)
{
	ctld_text_start(t);
	*lines = 0;
	for (unsigned i = 0; i < d->base.n_stmts; i++) {
		const struct ctld_stmt *p = &d->base.stmts[i];
		if (p->kind == CTLD_CHAIN && p->hook == hook)
			break;
		if (p->kind == CTLD_RAW)
			context_of(p->text, t, lines);
	}
	return t->oom ? -1 : 0;
}
