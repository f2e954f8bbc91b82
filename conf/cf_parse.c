/* The parser's helpers (cf_parse.h): tokens, expectations, names, statement ends. */
#include "cf_parse.h"

#include <string.h>

int cfp_next(struct cf_parser *ps)
{
	ps->tok = cf_lex_next(&ps->lx);
	return ps->tok.kind == CF_T_ERROR ? -1 : 0;
}

int cfp_expected(struct cf_parser *ps, const char *what)
{
	char got[64];
	cf_tok_describe(&ps->tok, got, sizeof(got));
	return cf_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "expected %s, got %s", what, got);
}

bool cfp_is_word(const struct cf_parser *ps, const char *w)
{
	return ps->tok.kind == CF_T_WORD && ps->tok.len == strlen(w) && !memcmp(ps->tok.text, w, ps->tok.len);
}

/* Skips end-of-statement tokens (blank lines, ';'). */
int cfp_skip_eos(struct cf_parser *ps)
{
	while (ps->tok.kind == CF_T_EOS)
		if (cfp_next(ps))
			return -1;
	return 0;
}

int cfp_name_of(struct cf_parser *ps, const char *what, char out[CF_NAME_MAX])
{
	const struct cf_tok *t = &ps->tok;
	if (t->kind != CF_T_WORD)
		return cfp_expected(ps, what);
	bool ok = t->len < CF_NAME_MAX && ((t->text[0] >= 'a' && t->text[0] <= 'z') || (t->text[0] >= 'A' && t->text[0] <= 'Z'));
	for (size_t i = 0; ok && i < t->len; i++) {
		char c = t->text[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
	}
	if (!ok)
		return cf_error(ps->err, ps->file, t->line, t->col,
				"expected %s (a letter, then letters, digits, '_' or '-', at most %d), got '%.*s'", what,
				CF_NAME_MAX - 1, (int)(t->len > 40 ? 40 : t->len), t->text);
	memcpy(out, t->text, t->len);
	out[t->len] = 0;
	return cfp_next(ps);
}

/* The statement must end here. */
int cfp_end_statement(struct cf_parser *ps)
{
	if (ps->tok.kind == CF_T_EOS)
		return cfp_next(ps);
	if (ps->tok.kind == CF_T_END || ps->tok.kind == CF_T_RBRACE)
		return 0;
	return cfp_expected(ps, "the end of the statement (a new line or ';')");
}

int cfp_block_next(struct cf_parser *ps)
{
	if (cfp_skip_eos(ps))
		return -1;
	return ps->tok.kind == CF_T_RBRACE;
}

/* A whole number min..max from the current token; advances. */
int cfp_number(struct cf_parser *ps, uint32_t min, uint32_t max, const char *what, uint32_t *out)
{
	const struct cf_tok *t = &ps->tok;
	if (t->kind != CF_T_WORD || t->len > 10)
		return cfp_expected(ps, what);
	uint64_t v = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->text[i] < '0' || t->text[i] > '9')
			return cfp_expected(ps, what);
		v = v * 10 + (uint64_t)(t->text[i] - '0');
	}
	if (v < min || v > max)
		return cf_error(ps->err, ps->file, t->line, t->col, "'%.*s' is out of range: expected %s", (int)t->len,
				t->text, what);
	*out = (uint32_t)v;
	return cfp_next(ps);
}
