/* Reading a control namespace's config document (ctl_doc.h): tokens of the rule language
 * (cf_lex.h), and raw statements kept as their text. */
#include "ctl_doc.h"

#include <stdlib.h>
#include <string.h>

int ctld_next(struct ctld_reader *r)
{
	r->tok = cf_lex_next(&r->lx);
	return r->tok.kind == CF_T_ERROR ? -1 : 0;
}

int ctld_unexpected(struct ctld_reader *r, const char *what)
{
	if (r->tok.kind == CF_T_ERROR)
		return -1;
	char got[64];
	cf_tok_describe(&r->tok, got, sizeof(got));
	return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "expected %s, got %s", what, got);
}

int ctld_oom(struct ctld_reader *r)
{
	return cf_error(&r->fe, r->file, r->tok.line, r->tok.col, "out of memory");
}

const char *ctld_tok_start(const struct cf_tok *t)
{
	return t->kind == CF_T_STRING ? t->text - 1 : t->text;
}

const char *ctld_tok_end(const struct cf_tok *t)
{
	return t->text + t->len + (t->kind == CF_T_STRING);
}

bool ctld_is_word(const struct cf_tok *t, const char *w)
{
	return t->kind == CF_T_WORD && t->len == strlen(w) && !memcmp(t->text, w, t->len);
}

int ctld_raw_line(struct ctld_stmt *s, size_t *cap, const char *from, const char *to, unsigned line, unsigned col)
{
	size_t have = s->text ? strlen(s->text) : 0, n = (size_t)(to - from);
	struct ctld_origin *pos = realloc(s->pos, (s->n_lines + 1) * sizeof(*pos));
	if (!pos)
		return -1;
	s->pos = pos;
	if (have + n + 2 > *cap) {
		size_t c = (have + n + 2) * 2;
		char *t = realloc(s->text, c);
		if (!t)
			return -1;
		s->text = t;
		*cap = c;
	}
	if (s->n_lines)
		s->text[have++] = '\n';
	memcpy(s->text + have, from, n);
	s->text[have + n] = 0;
	pos[s->n_lines++] = (struct ctld_origin){ line, col };
	return 0;
}

int ctld_raw_text(struct ctld_doc *d, const char *text, size_t n, unsigned line, unsigned col)
{
	unsigned lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	struct ctld_stmt *s = ctld_stmt_at(d, d->n_stmts);
	struct ctld_origin *pos = s ? malloc(lines * sizeof(*pos)) : NULL;
	char *t = pos ? ctld_dup(text, n) : NULL;
	if (!t) {
		free(pos);
		d->n_stmts -= s != NULL;
		return -1;
	}
	for (unsigned k = 0; k < lines; k++)
		pos[k] = (struct ctld_origin){ line + k, k ? 1 : col };
	*s = (struct ctld_stmt){ .kind = CTLD_RAW, .n_lines = lines, .text = t, .pos = pos };
	return 0;
}
