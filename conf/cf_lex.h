/* cf_lex.h - the tokenizer of the rule language (docs/RULES.md), with exact positions:
 * the shared language's (conf/), which every engine's statements are read with.
 *
 * The language is line-oriented like nftables: a statement ends at a newline or ';',
 * '#' starts a comment, "..." is a string. A word is a run of letters, digits and
 * _ . : / - (so 10.0.0.0/8, 2001:db8::/32, 80-443 and 02:00:00:00:00:01 are one word, read
 * by the parser's value readers, which report positions inside the word). Punctuation is
 * { } , @ ! != ; and newline. Every token knows its line and column (1-based, in bytes), so
 * every error can be reported as FILE:LINE:COL: what was expected, and what was found.
 */
#ifndef SLUICE_CF_LEX_H
#define SLUICE_CF_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cf_tok_kind {
	CF_T_END,        /* end of input */
	CF_T_EOS,        /* end of statement: newline or ';' */
	CF_T_WORD,
	CF_T_STRING,     /* text is the contents, without the quotes */
	CF_T_LBRACE, CF_T_RBRACE, CF_T_COMMA, CF_T_AT, CF_T_BANG,
	CF_T_ERROR,      /* the lexer's error is in cf_lex.err */
	CF_T_NE,         /* != */
};

struct cf_tok {
	enum cf_tok_kind kind;
	const char *text;
	size_t len;
	unsigned line, col;
};

struct cf_err {
	char msg[256];           /* "FILE:LINE:COL: ..." */
};

struct cf_lex {
	const char *file;
	const char *p, *end;
	unsigned line, col;
	struct cf_err *err;
};

void cf_lex_init(struct cf_lex *lx, const char *file, const char *text, size_t len, struct cf_err *err);
/* The next token; CF_T_ERROR with lx->err set on a bad character or an unterminated string. */
struct cf_tok cf_lex_next(struct cf_lex *lx);
/* What a token looks like in an error message: 'word', "string", '{', end of line... */
void cf_tok_describe(const struct cf_tok *t, char *buf, size_t len);
/* Sets err to "FILE:LINE:COL: " + the formatted message; returns -1. */
int cf_error(struct cf_err *err, const char *file, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
