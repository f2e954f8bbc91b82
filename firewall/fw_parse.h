/* fw_parse.h - the rule-language parser's state and helpers, shared by its files
 * (fw_config.c: declarations; fw_chain.c: chains and rules). Internal to firewall/. */
#ifndef SLUICE_FW_PARSE_H
#define SLUICE_FW_PARSE_H

#include "fw_config.h"

struct fw_parser {
	struct fw_lex lx;
	struct fw_tok tok;       /* the current token */
	struct fw_err *err;
	const char *file;
	struct fw_config *cfg;
};

int fwp_next(struct fw_parser *ps);                          /* -1 on a lexer error */
int fwp_expected(struct fw_parser *ps, const char *what);     /* "expected WHAT, got TOKEN"; -1 */
bool fwp_is_word(const struct fw_parser *ps, const char *w);
int fwp_skip_eos(struct fw_parser *ps);
int fwp_name_of(struct fw_parser *ps, const char *what, char out[FW_NAME_MAX]);
int fwp_end_statement(struct fw_parser *ps);
/* Inside "{ ... }": skips blank lines and ';'. Returns 1 at the closing '}' (not consumed),
 * 0 at an item, -1 on a lexer error. */
int fwp_block_next(struct fw_parser *ps);
/* fw_config_mgmt.c: "management { ... }", the current token is 'management' */
int fwp_management(struct fw_parser *ps);
/* fw_config.c: a whole number min..max as the current token (then the next one) */
int fwp_number(struct fw_parser *ps, uint32_t min, uint32_t max, const char *what, uint32_t *out);
/* fw_chain.c: "chain HOOK [policy accept|drop] { rules }", the current token is 'chain' */
int fwp_chain(struct fw_parser *ps);

#endif
