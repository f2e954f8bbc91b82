/* The nat config as a document (nat_ctl_int.h): read from a config text with the rule
 * language's tokenizer, copied, edited, rendered back to text with the way back from a
 * rendered line to what it came from, and the context a new rule is checked in. */
#include "nat_ctl_int.h"

#include "cf_lex.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const natd_hook_names[NAT_HOOK__COUNT] = { "prerouting", "postrouting" };

static _Atomic uint64_t last_handle;

uint64_t natd_new_handle(void)
{
	return atomic_fetch_add(&last_handle, 1) + 1;
}

int natd_hook(const char *name, size_t len)
{
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++)
		if (strlen(natd_hook_names[h]) == len && !memcmp(natd_hook_names[h], name, len))
			return (int)h;
	return -1;
}

int natd_rule_find(const struct natd_chain *c, uint64_t h)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->rules[i].handle == h)
			return (int)i;
	return -1;
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

/* Room for one more piece at the end, zeroed; NULL: no memory. */
static struct natd_piece *piece_add(struct natd_doc *d)
{
	if (d->n_pieces == d->cap_pieces) {
		unsigned cap = d->cap_pieces ? d->cap_pieces * 2 : 8;
		struct natd_piece *n = realloc(d->pieces, cap * sizeof(*n));
		if (!n)
			return NULL;
		d->pieces = n;
		d->cap_pieces = cap;
	}
	struct natd_piece *p = &d->pieces[d->n_pieces++];
	memset(p, 0, sizeof(*p));
	return p;
}

int natd_chain_declare(struct natd_doc *d, enum nat_hook hook, struct natd_origin from)
{
	struct natd_chain *c = &d->chain[hook];
	if (c->declared)
		return 0;
	struct natd_piece *p = piece_add(d);
	if (!p)
		return -1;
	p->kind = NATD_CHAIN;
	p->hook = hook;
	c->declared = true;
	c->from = from;
	return 0;
}

int natd_rule_insert(struct natd_doc *d, enum nat_hook hook, unsigned at, const char *text, size_t len,
		     struct natd_origin from, uint64_t *h)
{
	struct natd_chain *c = &d->chain[hook];
	if (c->n == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 16;
		struct natd_rule *n = realloc(c->rules, cap * sizeof(*n));
		if (!n)
			return -1;
		c->rules = n;
		c->cap = cap;
	}
	char *t = dup_n(text, len);
	if (!t || natd_chain_declare(d, hook, from)) {
		free(t);
		return -1;
	}
	memmove(&c->rules[at + 1], &c->rules[at], (c->n - at) * sizeof(*c->rules));
	c->n++;
	c->rules[at] = (struct natd_rule){ .handle = natd_new_handle(), .text = t, .from = from };
	*h = c->rules[at].handle;
	return 0;
}

int natd_rule_replace(struct natd_doc *d, enum nat_hook hook, unsigned at, const char *text, size_t len,
		      struct natd_origin from, uint64_t *h)
{
	struct natd_rule *r = &d->chain[hook].rules[at];
	char *t = dup_n(text, len);
	if (!t)
		return -1;
	free(r->text);
	*r = (struct natd_rule){ .handle = natd_new_handle(), .text = t, .from = from };
	*h = r->handle;
	return 0;
}

void natd_rule_delete(struct natd_doc *d, enum nat_hook hook, unsigned at)
{
	struct natd_chain *c = &d->chain[hook];
	free(c->rules[at].text);
	memmove(&c->rules[at], &c->rules[at + 1], (c->n - at - 1) * sizeof(*c->rules));
	c->n--;
}

void natd_chain_flush(struct natd_doc *d, enum nat_hook hook)
{
	struct natd_chain *c = &d->chain[hook];
	for (unsigned i = 0; i < c->n; i++)
		free(c->rules[i].text);
	c->n = 0;
}

/* ---- reading ------------------------------------------------------------------------- */

struct reader {
	struct cf_lex lx;
	struct cf_tok tok;
	struct cf_err fe;
	const char *file;
	struct natd_doc *d;
};

static int next(struct reader *r)
{
	r->tok = cf_lex_next(&r->lx);
	return r->tok.kind == CF_T_ERROR ? -1 : 0;
}

static const char *tok_start(const struct cf_tok *t)
{
	return t->kind == CF_T_STRING ? t->text - 1 : t->text;
}

static const char *tok_end(const struct cf_tok *t)
{
	return t->text + t->len + (t->kind == CF_T_STRING);
}

static bool is_word(const struct cf_tok *t, const char *w)
{
	return t->kind == CF_T_WORD && t->len == strlen(w) && !memcmp(t->text, w, t->len);
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

/* The text [from, to) as a raw piece starting at line:col, in whole lines: after a chain
 * (after_chain), what is left of the chain's last line when it is only blanks, ';' or a
 * comment goes with it; the last line's trailing blanks and newline go (rendering ends
 * every piece with a newline). Nothing left: no piece. */
static int raw_piece(struct reader *r, const char *from, const char *to, unsigned line, unsigned col, bool after_chain)
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
	struct natd_piece *pc = piece_add(r->d);
	if (!pc || !(pc->text = dup_n(p, (size_t)(q - p)))) {
		if (pc)
			r->d->n_pieces--;
		return oom(r);
	}
	pc->kind = NATD_RAW;
	pc->line = line;
	pc->col = col;
	return 0;
}

/* "chain HOOK { RULE ... }", the current token the hook's word: its rules, one per
 * statement (a line or ';'). The current token is its '}' after. */
static int chain(struct reader *r, enum nat_hook hook)
{
	struct natd_chain *c = &r->d->chain[hook];
	if (c->declared)
		return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "chain '%s' is already declared",
				natd_hook_names[hook]);
	if (natd_chain_declare(r->d, hook, (struct natd_origin){ 0, 0 }))
		return oom(r);
	if (next(r))
		return -1;
	if (r->tok.kind != CF_T_LBRACE)
		return unexpected(r, "'{'");
	for (;;) {
		if (next(r))
			return -1;
		if (r->tok.kind == CF_T_EOS)
			continue;
		if (r->tok.kind == CF_T_RBRACE)
			return 0;
		if (r->tok.kind == CF_T_END)
			return unexpected(r, "a rule or '}'");
		const char *from = tok_start(&r->tok), *to = from;
		while (r->tok.kind != CF_T_EOS && r->tok.kind != CF_T_RBRACE) {
			if (r->tok.kind == CF_T_END)
				return unexpected(r, "'}'");
			if (r->tok.kind == CF_T_LBRACE)
				return unexpected(r, "a match or snat, masquerade, dnat or accept");
			to = tok_end(&r->tok);
			if (next(r))
				return -1;
		}
		if (c->n == NAT_MAX_RULES)
			return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "too many rules in one chain (at most %d)",
					NAT_MAX_RULES);
		uint64_t h;
		if (natd_rule_insert(r->d, hook, c->n, from, (size_t)(to - from), (struct natd_origin){ 0, 0 }, &h))
			return oom(r);
		if (r->tok.kind == CF_T_RBRACE)
			return 0;
	}
}

static int read_doc(struct reader *r, const char *text, size_t len)
{
	const char *raw = text;
	unsigned raw_line = 1, raw_col = 1;
	bool after_chain = false, at_start = true;
	int depth = 0;
	for (;;) {
		if (next(r))
			return -1;
		if (r->tok.kind == CF_T_END)
			break;
		if (depth == 0 && at_start && is_word(&r->tok, "chain")) {
			struct cf_tok word = r->tok;
			struct cf_lex mark = r->lx;
			if (next(r))
				return -1;
			int hook = r->tok.kind == CF_T_WORD ? natd_hook(r->tok.text, r->tok.len) : -1;
			if (hook >= 0) {
				if (raw_piece(r, raw, word.text, raw_line, raw_col, after_chain) || chain(r, (enum nat_hook)hook))
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
	return raw_piece(r, raw, text + len, raw_line, raw_col, after_chain);
}

struct natd_doc *natd_build(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct natd_doc *d = calloc(1, sizeof(*d));
	if (!d) {
		if (err)
			snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	struct reader r = { .file = name, .d = d };
	cf_lex_init(&r.lx, name, text, len, &r.fe);
	if (read_doc(&r, text, len)) {
		if (err)
			snprintf(err, errlen, "%s", r.fe.msg);
		natd_free(d);
		return NULL;
	}
	return d;
}

void natd_free(struct natd_doc *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n_pieces; i++)
		free(d->pieces[i].text);
	free(d->pieces);
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++) {
		natd_chain_flush(d, (enum nat_hook)h);
		free(d->chain[h].rules);
	}
	free(d);
}

struct natd_doc *natd_copy(const struct natd_doc *d)
{
	struct natd_doc *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->name, d->name, sizeof(c->name));
	memcpy(c->cmd_name, d->cmd_name, sizeof(c->cmd_name));
	if (d->n_pieces && !(c->pieces = calloc(d->n_pieces, sizeof(*c->pieces))))
		goto fail;
	c->cap_pieces = d->n_pieces;
	for (; c->n_pieces < d->n_pieces; c->n_pieces++) {
		const struct natd_piece *from = &d->pieces[c->n_pieces];
		struct natd_piece *to = &c->pieces[c->n_pieces];
		*to = *from;
		if (from->text && !(to->text = dup_n(from->text, strlen(from->text))))
			goto fail;
	}
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++) {
		const struct natd_chain *from = &d->chain[h];
		struct natd_chain *to = &c->chain[h];
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
	natd_free(c);
	return NULL;
}

void natd_settle(struct natd_doc *d)
{
	static const struct natd_origin none;
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++) {
		struct natd_chain *c = &d->chain[h];
		c->from = none;
		for (unsigned k = 0; k < c->n; k++)
			c->rules[k].from = none;
	}
}

/* ---- rendering ----------------------------------------------------------------------- */

static void put(struct natd_text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *b = realloc(t->s, cap);
		if (!b) {
			t->oom = true;
			return;
		}
		t->s = b;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = 0;
}

static void puts_(struct natd_text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void line(struct natd_text *t, enum natd_line_kind kind, unsigned hook, unsigned piece, unsigned index)
{
	if (t->oom)
		return;
	if (t->n_lines == t->cap_lines) {
		unsigned cap = t->cap_lines ? t->cap_lines * 2 : 256;
		struct natd_line *n = realloc(t->lines, cap * sizeof(*n));
		if (!n) {
			t->oom = true;
			return;
		}
		t->lines = n;
		t->cap_lines = cap;
	}
	t->lines[t->n_lines++] = (struct natd_line){ .kind = (uint8_t)kind, .hook = (uint8_t)hook, .piece = piece,
						     .index = index };
}

static void start(struct natd_text *t)
{
	t->len = 0;
	t->n_lines = 0;
	t->oom = false;
	put(t, "", 0);
}

int natd_render(const struct natd_doc *d, struct natd_text *t)
{
	start(t);
	for (unsigned i = 0; i < d->n_pieces; i++) {
		const struct natd_piece *p = &d->pieces[i];
		if (p->kind == NATD_RAW) {
			unsigned k = 0;
			for (const char *s = p->text; s; k++) {
				line(t, NATD_L_RAW, 0, i, k);
				s = strchr(s, '\n');
				s = s ? s + 1 : NULL;
			}
			puts_(t, p->text);
			put(t, "\n", 1);
			continue;
		}
		const struct natd_chain *c = &d->chain[p->hook];
		line(t, NATD_L_CHAIN, p->hook, i, 0);
		puts_(t, "chain ");
		puts_(t, natd_hook_names[p->hook]);
		puts_(t, " {\n");
		for (unsigned k = 0; k < c->n; k++) {
			line(t, NATD_L_RULE, p->hook, i, k);
			put(t, "\t", 1);
			puts_(t, c->rules[k].text);
			put(t, "\n", 1);
		}
		line(t, NATD_L_CHAIN_END, p->hook, i, 0);
		puts_(t, "}\n");
	}
	return t->oom ? -1 : 0;
}

void natd_text_free(struct natd_text *t)
{
	free(t->s);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

void natd_where(const struct natd_doc *d, const struct natd_text *t, unsigned line, unsigned col, char *buf,
		size_t len)
{
	const struct natd_line *l = line >= 1 && line <= t->n_lines ? &t->lines[line - 1] : NULL;
	const char *cmd = d->cmd_name[0] ? d->cmd_name : "ctl";
	if (!l || l->piece >= d->n_pieces) {
		snprintf(buf, len, "line %u of the rendered config", line);
		return;
	}
	const struct natd_piece *p = &d->pieces[l->piece];
	const struct natd_chain *c = &d->chain[l->hook % NAT_HOOK__COUNT];
	const char *hook = natd_hook_names[l->hook % NAT_HOOK__COUNT];
	switch (l->kind) {
	case NATD_L_RAW:
		snprintf(buf, len, "%s:%u:%u", d->name, p->line + l->index, (l->index ? 1 : p->col) + (col ? col - 1 : 0));
		return;
	case NATD_L_RULE:
		if (l->index >= c->n)
			break;
		if (c->rules[l->index].from.line)
			snprintf(buf, len, "%s:%u:%u", cmd, c->rules[l->index].from.line,
				 c->rules[l->index].from.col + (col > 2 ? col - 2 : 0));
		else
			snprintf(buf, len, "rule handle %llu of chain %s", (unsigned long long)c->rules[l->index].handle,
				 hook);
		return;
	case NATD_L_CHAIN:
		if (c->from.line) {
			snprintf(buf, len, "%s:%u:%u", cmd, c->from.line, c->from.col);
			return;
		}
		/* fall through */
	default:
		snprintf(buf, len, "chain %s", hook);
		return;
	}
	snprintf(buf, len, "line %u of the rendered config", line);
}

/* ---- a rule's context ---------------------------------------------------------------- */

/* The statements of raw text s that a NAT rule reads (interfaces, the nat block: as they
 * are; sets: declared empty) into t; *lines counts the lines written. */
static void context_of(const char *s, struct natd_text *t, unsigned *lines)
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
		if (words && (is_word(&first, "interface") || is_word(&first, "nat"))) {
			const char *from = tok_start(&first), *to = tok_end(&last);
			put(t, from, (size_t)(to - from));
			put(t, "\n", 1);
			for (const char *p = from; p < to; p++)
				*lines += *p == '\n';
			++*lines;
		} else if (words >= 3 && is_word(&first, "set") && set_name.kind == CF_T_WORD && set_kind.kind == CF_T_WORD) {
			puts_(t, "set ");
			put(t, set_name.text, set_name.len);
			put(t, " ", 1);
			put(t, set_kind.text, set_kind.len);
			puts_(t, " { }\n");
			++*lines;
		}
		words = 0;
		if (k.kind == CF_T_END)
			return;
	}
}

int natd_context(const struct natd_doc *d, enum nat_hook hook, struct natd_text *t, unsigned *lines)
{
	start(t);
	*lines = 0;
	for (unsigned i = 0; i < d->n_pieces; i++) {
		const struct natd_piece *p = &d->pieces[i];
		if (p->kind == NATD_CHAIN && p->hook == hook)
			break;
		if (p->kind == NATD_RAW)
			context_of(p->text, t, lines);
	}
	return t->oom ? -1 : 0;
}
