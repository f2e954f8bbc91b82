/* fw_lex.h - the tokenizer of the rule language (docs/RULES.md), with exact positions.
 *
 * The language is line-oriented like nftables: a statement ends at a newline or ';',
 * '#' starts a comment, "..." is a string. A word is a run of letters, digits and
 * _ . : / - (so 10.0.0.0/8, 2001:db8::/32, 80-443 and 02:00:00:00:00:01 are one word, read
 * by the parser's value readers, which report positions inside the word). Punctuation is
 * { } , @ ! != ; and newline. Every token knows its line and column (1-based, in bytes), so
 * every error can be reported as FILE:LINE:COL: what was expected, and what was found.
 */
#ifndef SLUICE_FW_LEX_H
#define SLUICE_FW_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fw_tok_kind {
	FW_T_END,        /* end of input */
	FW_T_EOS,        /* end of statement: newline or ';' */
	FW_T_WORD,
	FW_T_STRING,     /* text is the contents, without the quotes */
	FW_T_LBRACE, FW_T_RBRACE, FW_T_COMMA, FW_T_AT, FW_T_BANG,
	FW_T_ERROR,      /* the lexer's error is in fw_lex.err */
	FW_T_NE,         /* != */
};

struct fw_tok {
	enum fw_tok_kind kind;
	const char *text;
	size_t len;
	unsigned line, col;
};

struct fw_err {
	char msg[256];           /* "FILE:LINE:COL: ..." */
};

struct fw_lex {
	const char *file;
	const char *p, *end;
	unsigned line, col;
	struct fw_err *err;
};

void fw_lex_init(struct fw_lex *lx, const char *file, const char *text, size_t len, struct fw_err *err);
/* The next token; FW_T_ERROR with lx->err set on a bad character or an unterminated string. */
struct fw_tok fw_lex_next(struct fw_lex *lx);
/* What a token looks like in an error message: 'word', "string", '{', end of line... */
void fw_tok_describe(const struct fw_tok *t, char *buf, size_t len);
/* Sets err to "FILE:LINE:COL: " + the formatted message; returns -1. */
int fw_error(struct fw_err *err, const char *file, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
