/* fw_doc.h - the fw appliance's running config as a document, the form the control
 * socket (apps/ctl.h) edits: a transaction changes a copy of it, which is rendered back
 * to config text and reloaded whole.
 *
 * A document is read from a config text with the rule language's tokenizer (cf_lex.h).
 * Its top-level statements stay in their order. Interfaces, routes, neighbours, conntrack
 * and management are kept as their source text (comments dropped). Chains and sets are
 * structured:
 *
 *   chain forward policy drop {          each chain: its policy and its rules, each rule
 *       ct state established accept      its tokens' source text and a handle, a number
 *       tcp dport 22 accept              unique in the process's life and never reused
 *   }                                    (nft's): a fresh load gives every rule a new one
 *   set blocked ipv4 {                   each set: its kind and its elements as canonical
 *       10.0.0.1,                        text ("10.0.0.1/32" and "10.0.0.1" are the same
 *       10.9.0.0/16                      element, "10.0.0.1"; "80-80" is "80")
 *   }
 *
 * Rendered, a document is config text with one rule and one set element a line, and every
 * line knows what it came from (struct fwd_text): a reload's error at LINE:COL of the
 * rendered text is mapped back to the rule, element or command (fwd_where). A document
 * built from text T renders to a text that parses to the same ruleset as T.
 *
 * Pieces a transaction's command brought carry its position (struct fwd_origin); those of
 * the running config carry none.
 */
#ifndef SLUICE_FW_DOC_H
#define SLUICE_FW_DOC_H

#include "fw_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWD_MAX_RULES (1u << 20)          /* rules a chain holds */
#define FWD_ELEM_MAX 48                   /* bytes of an element's text: an IPv6 prefix and NUL */

/* The command that brought a piece: its line in the session, and the column where the
 * piece's text starts in that line. line 0: the running config. */
struct fwd_origin {
	unsigned line, col;
};

struct fwd_rule {
	uint64_t handle;
	char *text;                           /* "tcp dport 22 accept": one line, no comment */
	struct fwd_origin from;
};

struct fwd_chain {
	bool declared;
	enum fw_verdict policy;               /* FW_ACCEPT or FW_DROP */
	struct fwd_rule *rules;
	unsigned n, cap;
	struct fwd_origin from;               /* created by a command */
	struct fwd_origin policy_from;        /* policy set by a command */
};

struct fwd_elem {
	char text[FWD_ELEM_MAX];              /* canonical: "10.0.0.0/8", "2001:db8::1", "8000-8080" */
	struct fwd_origin from;
};

struct fwd_set {
	char name[CF_NAME_MAX];
	enum cf_set_kind kind;
	struct fwd_elem *elems;
	unsigned n, cap;
	struct fwd_origin from;
};

enum fwd_item_kind { FWD_RAW, FWD_SET, FWD_CHAIN };

/* A raw statement's lines: where each began in the text the document was read from. */
struct fwd_raw_line {
	unsigned line, col;
};

/* A top-level statement, in the order of the config. */
struct fwd_item {
	enum fwd_item_kind kind;
	char *text;                           /* FWD_RAW: its lines, the first word first */
	struct fwd_raw_line *pos;             /* FWD_RAW: n_lines of them */
	unsigned n_lines;
	struct fwd_set *set;                  /* FWD_SET */
	enum fw_hook hook;                    /* FWD_CHAIN */
};

struct fwd_doc {
	char name[96];                        /* the config it was read from: raw positions */
	char cmd_name[32];                    /* where the commands came from ("ctl") */
	struct fwd_item *items;
	unsigned n_items, cap_items;
	struct fwd_chain chain[FW_HOOK__COUNT];
};

/* A rendered document: the text, and what each line came from. */
enum fwd_line_kind { FWD_L_RAW, FWD_L_SET, FWD_L_ELEM, FWD_L_SET_END, FWD_L_CHAIN, FWD_L_RULE, FWD_L_CHAIN_END };
struct fwd_line {
	uint8_t kind;                         /* enum fwd_line_kind */
	uint8_t hook;                         /* chain lines */
	unsigned item;                        /* the statement (index in items) */
	unsigned index;                       /* the rule, element or raw line */
	unsigned col;                         /* the column where the piece's text starts */
};
struct fwd_text {
	char *s;
	size_t len, cap;
	struct fwd_line *lines;
	unsigned n_lines, cap_lines;
	bool oom;
};

extern const char *const fwd_hook_names[FW_HOOK__COUNT];

/* Reads text (named name) into a new document, every rule with a new handle. NULL: out of
 * memory, or a text that is not a config (err says where, when err is not NULL). */
struct fwd_doc *fwd_build(const char *name, const char *text, size_t len, char *err, size_t errlen);
/* A deep copy, handles and origins kept; NULL: out of memory. */
struct fwd_doc *fwd_copy(const struct fwd_doc *d);
void fwd_free(struct fwd_doc *d);
/* Room for one more statement at index at (the later ones move up), zeroed; NULL: no memory. */
struct fwd_item *fwd_item_at(struct fwd_doc *d, unsigned at);
/* Forgets where pieces came from: the document is the running config. */
void fwd_settle(struct fwd_doc *d);

/* A handle no rule has had. */
uint64_t fwd_new_handle(void);

/* The document as config text in t (emptied first); -1: out of memory. */
int fwd_render(const struct fwd_doc *d, struct fwd_text *t);
void fwd_text_free(struct fwd_text *t);
/* What rendered line:col came from, for an error there: "ctl:14:22" (a command's word),
 * "rule handle 7 of chain forward", "rules.conf:3:18" (a statement as first read). */
void fwd_where(const struct fwd_doc *d, const struct fwd_text *t, unsigned line, unsigned col, char *buf,
	       size_t len);

/* ---- editing (fw_doc_edit.c) --------------------------------------------------------- */

/* The hook named name[0..len), or -1. */
int fwd_hook(const char *name, size_t len);
/* The index of the rule with handle h in chain c, or -1. */
int fwd_rule_find(const struct fwd_chain *c, uint64_t h);
/* Declares chain hook (policy accept) when it is not: a statement at the end. -1: memory. */
int fwd_chain_declare(struct fwd_doc *d, enum fw_hook hook, struct fwd_origin from);
/* A rule of text[0..len) at index at of hook's chain, declared; its new handle in *h. */
int fwd_rule_insert(struct fwd_doc *d, enum fw_hook hook, unsigned at, const char *text, size_t len,
		    struct fwd_origin from, uint64_t *h);
void fwd_rule_delete(struct fwd_doc *d, enum fw_hook hook, unsigned at);
void fwd_chain_flush(struct fwd_doc *d, enum fw_hook hook);

struct fwd_set *fwd_set_find(const struct fwd_doc *d, const char *name, size_t len);
unsigned fwd_set_count(const struct fwd_doc *d);
/* A new empty set, declared before the first chain (or as statement at). NULL: out of memory. */
struct fwd_set *fwd_set_add(struct fwd_doc *d, const char *name, enum cf_set_kind kind, struct fwd_origin from);
struct fwd_set *fwd_set_add_at(struct fwd_doc *d, unsigned at, const char *name, enum cf_set_kind kind,
			       struct fwd_origin from);
void fwd_set_delete(struct fwd_doc *d, struct fwd_set *s);
/* The first rule naming @name: true with its chain and handle. */
bool fwd_set_used(const struct fwd_doc *d, const char *name, enum fw_hook *hook, uint64_t *handle);
/* An element's canonical text from a word of s's kind; -1 with FILE:LINE:COL in err. */
int fwd_elem_read(const struct fwd_set *s, const char *file, const struct cf_tok *t, char out[FWD_ELEM_MAX],
		  struct cf_err *err);
int fwd_elem_find(const struct fwd_set *s, const char *text);
int fwd_elem_add(struct fwd_set *s, const char *text, struct fwd_origin from);
/* Removes every copy of text (a config may list one twice). */
void fwd_elem_delete(struct fwd_set *s, const char *text);

/* The canonical text of a prefix ("10.0.0.0/8", "2001:db8::1": the length only when it
 * is not the whole address) and of an interface address (its length always). */
void fwd_prefix_text(const struct cf_prefix *p, bool host, char *buf, size_t len);

#endif
