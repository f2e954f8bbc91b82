/* The parser's shared helpers: tokens, expectations, names, statement ends. */
#include "fw_parse.h"

#include <string.h>

int fwp_next(struct fw_parser *ps)
{
	ps->tok = fw_lex_next(&ps->lx);
	return ps->tok.kind == FW_T_ERROR ? -1 : 0;
}

int fwp_expected(struct fw_parser *ps, const char *what)
{
	char got[64];
	fw_tok_describe(&ps->tok, got, sizeof(got));
	return fw_error(ps->err, ps->file, ps->tok.line, ps->tok.col, "expected %s, got %s", what, got);
}

bool fwp_is_word(const struct fw_parser *ps, const char *w)
{
	return ps->tok.kind == FW_T_WORD && ps->tok.len == strlen(w) && !memcmp(ps->tok.text, w, ps->tok.len);
}

/* Skips end-of-statement tokens (blank lines, ';'). */
int fwp_skip_eos(struct fw_parser *ps)
{
	while (ps->tok.kind == FW_T_EOS)
		if (fwp_next(ps))
			return -1;
	return 0;
}

int fwp_name_of(struct fw_parser *ps, const char *what, char out[FW_NAME_MAX])
{
	const struct fw_tok *t = &ps->tok;
	if (t->kind != FW_T_WORD)
		return fwp_expected(ps, what);
	bool ok = t->len < FW_NAME_MAX && ((t->text[0] >= 'a' && t->text[0] <= 'z') || (t->text[0] >= 'A' && t->text[0] <= 'Z'));
	for (size_t i = 0; ok && i < t->len; i++) {
		char c = t->text[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
	}
	if (!ok)
		return fw_error(ps->err, ps->file, t->line, t->col,
				"expected %s (a letter, then letters, digits, '_' or '-', at most %d), got '%.*s'", what,
				FW_NAME_MAX - 1, (int)(t->len > 40 ? 40 : t->len), t->text);
	memcpy(out, t->text, t->len);
	out[t->len] = 0;
	return fwp_next(ps);
}

/* The statement must end here. */
int fwp_end_statement(struct fw_parser *ps)
{
	if (ps->tok.kind == FW_T_EOS)
		return fwp_next(ps);
	if (ps->tok.kind == FW_T_END || ps->tok.kind == FW_T_RBRACE)
		return 0;
	return fwp_expected(ps, "the end of the statement (a new line or ';')");
}

int fwp_block_next(struct fw_parser *ps)
{
	if (fwp_skip_eos(ps))
		return -1;
	return ps->tok.kind == FW_T_RBRACE;
}
