/* cf_parse.h - the rule-language parser's state and helpers (conf/), with which cf_parse
 * reads the shared statements and engines write their own (struct cf_ext, cf_config.h).
 *
 * The parser stands on one token (ps->tok). A statement parser starts at its first word
 * and leaves the parser past the statement's end (cfp_end_statement). Every helper that
 * fails has set one FILE:LINE:COL message in ps->err and returns -1; a parser returns -1
 * as soon as one does. A parser that must look ahead to know whether a statement is its
 * own marks the place (cfp_save) and goes back to it (cfp_restore).
 */
#ifndef SLUICE_CF_PARSE_H
#define SLUICE_CF_PARSE_H

#include "cf_config.h"

struct cf_parser {
	struct cf_lex lx;
	struct cf_tok tok;       /* the current token */
	struct cf_err *err;
	const char *file;
	struct cf_config *cfg;   /* the shared declarations so far */
	const struct cf_ext *ext; /* the extensions cf_parse was given */
	unsigned n_ext;
};

int cfp_next(struct cf_parser *ps);                          /* -1 on a lexer error */
int cfp_expected(struct cf_parser *ps, const char *what);     /* "expected WHAT, got TOKEN"; -1 */
bool cfp_is_word(const struct cf_parser *ps, const char *w);
int cfp_skip_eos(struct cf_parser *ps);
/* A name (a letter, then letters, digits, '_' or '-') as the current token, into out;
 * what names it in the message ("an interface name"). Advances. */
int cfp_name_of(struct cf_parser *ps, const char *what, char out[CF_NAME_MAX]);
int cfp_end_statement(struct cf_parser *ps);
/* Inside "{ ... }": skips blank lines and ';'. Returns 1 at the closing '}' (not consumed),
 * 0 at an item, -1 on a lexer error. */
int cfp_block_next(struct cf_parser *ps);
/* A whole number min..max as the current token (then the next one); what names it in
 * messages ("an MTU from 576 to 9216"). */
int cfp_number(struct cf_parser *ps, uint32_t min, uint32_t max, const char *what, uint32_t *out);

/* A place in the text to come back to: the lexer and the current token. */
struct cf_mark {
	struct cf_lex lx;
	struct cf_tok tok;
};

static inline struct cf_mark cfp_save(const struct cf_parser *ps)
{
	return (struct cf_mark){ ps->lx, ps->tok };
}

static inline void cfp_restore(struct cf_parser *ps, const struct cf_mark *m)
{
	ps->lx = m->lx;
	ps->tok = m->tok;
}

/* conf's own: "management { ... }" (cf_config_mgmt.c), the current token is 'management' */
int cfp_management(struct cf_parser *ps);

#endif
