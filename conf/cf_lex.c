/* The rule language's tokenizer (cf_lex.h). */
#include "cf_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cf_lex_init(struct cf_lex *lx, const char *file, const char *text, size_t len, struct cf_err *err)
{
	lx->file = file;
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->col = 1;
	lx->err = err;
}

int cf_error(struct cf_err *err, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	int n = snprintf(err->msg, sizeof(err->msg), "%s:%u:%u: ", file, line, col);
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == ':' || c == '/' || c == '-';
}

static void advance(struct cf_lex *lx, size_t n)
{
	for (size_t i = 0; i < n; i++, lx->p++) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
	}
}

struct cf_tok cf_lex_next(struct cf_lex *lx)
{
	for (;;) {
		while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r'))
			advance(lx, 1);
		if (lx->p < lx->end && *lx->p == '#')
			while (lx->p < lx->end && *lx->p != '\n')
				advance(lx, 1);
		else
			break;
	}
	struct cf_tok t = { .text = lx->p, .len = 0, .line = lx->line, .col = lx->col };
	if (lx->p >= lx->end) {
		t.kind = CF_T_END;
		return t;
	}
	char c = *lx->p;
	static const char punct[] = "{},@!";
	static const enum cf_tok_kind kinds[] = { CF_T_LBRACE, CF_T_RBRACE, CF_T_COMMA, CF_T_AT, CF_T_BANG };
	const char *at = c ? strchr(punct, c) : NULL;
	if (c == '\n' || c == ';') {
		t.kind = CF_T_EOS;
		t.len = 1;
		advance(lx, 1);
	} else if (c == '!' && lx->p + 1 < lx->end && lx->p[1] == '=') {
		t.kind = CF_T_NE;
		t.len = 2;
		advance(lx, 2);
	} else if (at) {
		t.kind = kinds[at - punct];
		t.len = 1;
		advance(lx, 1);
	} else if (c == '"') {
		const char *q = lx->p + 1;
		while (q < lx->end && *q != '"' && *q != '\n')
			q++;
		if (q >= lx->end || *q != '"') {
			cf_error(lx->err, lx->file, t.line, t.col, "string not closed before the end of the line");
			t.kind = CF_T_ERROR;
			return t;
		}
		t.kind = CF_T_STRING;
		t.text = lx->p + 1;
		t.len = (size_t)(q - lx->p - 1);
		advance(lx, t.len + 2);
	} else if (word_char(c)) {
		const char *q = lx->p;
		while (q < lx->end && word_char(*q))
			q++;
		t.kind = CF_T_WORD;
		t.len = (size_t)(q - lx->p);
		advance(lx, t.len);
	} else {
		if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
			cf_error(lx->err, lx->file, t.line, t.col, "unexpected character '%c'", c);
		else
			cf_error(lx->err, lx->file, t.line, t.col, "unexpected byte 0x%02x", (unsigned char)c);
		t.kind = CF_T_ERROR;
	}
	return t;
}

void cf_tok_describe(const struct cf_tok *t, char *buf, size_t len)
{
	switch (t->kind) {
	case CF_T_END: snprintf(buf, len, "end of file"); break;
	case CF_T_EOS: snprintf(buf, len, t->text[0] == ';' ? "';'" : "end of line"); break;
	case CF_T_WORD: snprintf(buf, len, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->text); break;
	case CF_T_STRING: snprintf(buf, len, "\"%.*s\"", (int)(t->len > 40 ? 40 : t->len), t->text); break;
	case CF_T_ERROR: snprintf(buf, len, "an error"); break;
	case CF_T_NE: snprintf(buf, len, "'!='"); break;
	default: snprintf(buf, len, "'%c'", t->text[0]); break;
	}
}
