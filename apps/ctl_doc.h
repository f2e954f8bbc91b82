/* ctl_doc.h - the config document of a control namespace (fw_doc.h, nat_ctl_int.h): the
 * running config held in the form that a transaction (ctl_txn.h) edits on a copy and
 * renders back to config text.
 *
 * A document is the config's top-level statements in their order, each one of:
 *
 *   raw text            kept as it was read, line by line, each line knowing where it
 *                       began in the text read ("interface lan { ... }", a route, ...)
 *   a chain             its rules, one a line, each rule its text and a handle: a number
 *                       unique in the process's life and never reused (nft's: a load gives
 *                       every rule a new one, a commit keeps those of the rules it did not
 *                       touch); the chain's rules are in the document's chain array, by hook
 *   the namespace's own statements (fw: a set and its elements), through its shape
 *
 * and a piece a transaction's command brought carries its origin (ctl:LINE:COL). Rendered,
 * a document is config text whose every line knows what it came from, so that a reload's
 * error at LINE:COL maps back to a command ("ctl:14:22"), a running rule ("rule handle 7
 * of chain forward") or the config's own text ("rules.conf:3:11").
 *
 * A namespace's document is its own struct with a struct ctld_doc first and its chains'
 * array after (struct ctld_shape says where); ctld_build reads one with the namespace's
 * reader of statements over the rule language's tokens (cf_lex.h).
 */
#ifndef SLUICE_CTL_DOC_H
#define SLUICE_CTL_DOC_H

#include "cf_lex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The command that brought a piece; line 0: the running config. */
struct ctld_origin {
	unsigned line, col;
};

struct ctld_rule {
	uint64_t handle;
	char *text;                           /* "tcp dport 22 accept": one line, no comment */
	struct ctld_origin from;
};

struct ctld_chain {
	bool declared;
	int policy;                           /* the namespace's (fw: enum fw_verdict); else 0 */
	struct ctld_rule *rules;
	unsigned n, cap;
	struct ctld_origin from;              /* declared by a command */
	struct ctld_origin policy_from;       /* policy set by a command */
};

/* ---- rendered text ------------------------------------------------------------------- */

/* What a rendered line came from: kinds from CTLD_L_OWN on are the namespace's. */
enum ctld_line_kind { CTLD_L_RAW, CTLD_L_CHAIN, CTLD_L_RULE, CTLD_L_CHAIN_END, CTLD_L_OWN };
struct ctld_line {
	uint8_t kind;                         /* enum ctld_line_kind, or the namespace's */
	uint8_t hook;                         /* chain lines */
	unsigned item;                        /* the statement */
	unsigned index;                       /* the rule, or the line in the statement */
	unsigned col;                         /* the column where the piece's text starts */
};
struct ctld_text {
	char *s;                              /* NUL-terminated */
	size_t len, cap;
	struct ctld_line *lines;
	unsigned n_lines, cap_lines;
	bool oom;                             /* something did not fit: the text is not whole */
};

/* Empties t (to "", lines none). */
void ctld_text_start(struct ctld_text *t);
void ctld_put(struct ctld_text *t, const char *s, size_t n);
void ctld_puts(struct ctld_text *t, const char *s);
/* A new line of kind, its piece's text starting at col. */
void ctld_line(struct ctld_text *t, unsigned kind, unsigned hook, unsigned item, unsigned index, unsigned col);
void ctld_text_free(struct ctld_text *t);
/* "FILE:LINE:COL" for column col of rendered line l, whose piece's text was at line:at
 * of file (or of a session's commands). */
void ctld_where_at(const char *file, unsigned line, unsigned at, const struct ctld_line *l, unsigned col, char *buf,
		   size_t len);

/* ---- the document -------------------------------------------------------------------- */

enum ctld_stmt_kind { CTLD_RAW, CTLD_CHAIN, CTLD_OWN };  /* CTLD_OWN and on: the namespace's */

struct ctld_stmt {
	uint8_t kind;                         /* enum ctld_stmt_kind, or the namespace's */
	uint8_t hook;                         /* CTLD_CHAIN: its chain */
	unsigned n_lines;                     /* CTLD_RAW */
	char *text;                           /* CTLD_RAW: its lines, without the last newline */
	struct ctld_origin *pos;              /* CTLD_RAW: where each line began in the text read */
	void *own;                            /* the namespace's statement (fw: its struct fwd_set) */
};

/* What a namespace's documents are made of. */
struct ctld_shape {
	size_t size;                          /* its document: a struct ctld_doc first */
	size_t chains;                        /* where its chains' array is in it (offsetof) */
	const char *const *hooks;             /* its chains' names, by hook ("input", ...) */
	unsigned n_hooks;
	unsigned max_rules;                   /* rules a chain holds */
	int policy;                           /* a chain's policy when a command declares it */
	/* What follows "chain NAME" (fw: " policy drop"); NULL: nothing. */
	const char *(*chain_head)(const struct ctld_chain *c);
	bool indent;                          /* a raw statement's later lines are rendered
	                                         indented by a tab (but a '}'), else as they are */
	/* Its own statements (NULL: it has none): a deep copy of one (NULL: no memory), freed,
	 * settled, rendered (statement index i), and where their rendered line l came from
	 * (commands named cmd; false: nothing there). */
	void *(*own_copy)(const void *own);
	void (*own_free)(void *own);
	void (*own_settle)(void *own);
	void (*own_render)(struct ctld_text *t, const struct ctld_stmt *s, unsigned i);
	bool (*own_where)(const char *cmd, const struct ctld_stmt *s, const struct ctld_line *l, unsigned col, char *buf,
			  size_t len);
};

/* What every namespace's document begins with. */
struct ctld_doc {
	const struct ctld_shape *shape;
	char name[96];                        /* the config it was read from: raw positions */
	char cmd_name[32];                    /* where the commands came from ("ctl") */
	struct ctld_stmt *stmts;
	unsigned n_stmts, cap_stmts;
	struct ctld_chain *chain;             /* its chains: the array in the namespace's struct */
};

/* A reader of a config text: the current token and the first error. */
struct ctld_reader {
	struct cf_lex lx;
	struct cf_tok tok;
	struct cf_err fe;
	const char *file;
};

/* Reads text[0..len), named name, into a new document of shape: read(r, d, text, len)
 * reads its statements (0, or -1 with the error in r->fe). NULL: no memory, or a text the
 * reader does not take ("NAME:LINE:COL: why" in err, when err is not NULL). */
struct ctld_doc *ctld_build(const struct ctld_shape *shape, const char *name, const char *text, size_t len,
			    int (*read)(struct ctld_reader *r, struct ctld_doc *d, const char *text, size_t len),
			    char *err, size_t errlen);
/* A deep copy, handles and origins kept; NULL: out of memory. */
struct ctld_doc *ctld_copy(const struct ctld_doc *d);
void ctld_free(struct ctld_doc *d);
/* Forgets where pieces came from: the document is the running config. */
void ctld_settle(struct ctld_doc *d);
/* The document as config text in t (emptied first); -1: out of memory. */
int ctld_render(const struct ctld_doc *d, struct ctld_text *t);
/* What rendered line:col of t came from, for an error there: "ctl:14:22" (a command's
 * word), "rule handle 7 of chain forward", "chain forward", "rules.conf:3:18" (a raw
 * statement as first read), or what the namespace's own statements say. */
void ctld_where(const struct ctld_doc *d, const struct ctld_text *t, unsigned line, unsigned col, char *buf,
		size_t len);
/* Where the commands came from: "ctl" until a command said. */
const char *ctld_cmd_name(const struct ctld_doc *d);

/* Room for one more statement at index at (the later ones move up), zeroed; NULL: no
 * memory. */
struct ctld_stmt *ctld_stmt_at(struct ctld_doc *d, unsigned at);
/* Declares chain hook (with the shape's policy) when it is not: a statement at the end.
 * -1: no memory. */
int ctld_chain_declare(struct ctld_doc *d, unsigned hook, struct ctld_origin from);
/* The hook named name[0..len) among names[0..n), or -1; and the names as a choice
 * ("input, forward or output"). */
int ctld_hook(const char *const *names, unsigned n, const char *name, size_t len);
void ctld_hook_choice(const char *const *names, unsigned n, char *buf, size_t len);

/* ---- rules and chains ---------------------------------------------------------------- */

/* A handle no rule has had. */
uint64_t ctld_new_handle(void);
/* The index of the rule with handle h in c, or -1. */
int ctld_rule_find(const struct ctld_chain *c, uint64_t h);
/* A rule of text[0..len) at index at of c, its new handle in *h. -1: no memory. */
int ctld_rule_add(struct ctld_chain *c, unsigned at, const char *text, size_t len, struct ctld_origin from,
		  uint64_t *h);
/* The same in two steps, so that a chain can be declared in between and the insertion
 * still fail with nothing changed: room for one more rule in c and a copy of
 * text[0..len) (NULL: no memory), then the rule at index at, which takes the copy: its new
 * handle. */
char *ctld_rule_room(struct ctld_chain *c, const char *text, size_t len);
uint64_t ctld_rule_put(struct ctld_chain *c, unsigned at, char *text, struct ctld_origin from);
/* The rule at index at replaced by text[0..len), with a new handle in *h. -1: no memory. */
int ctld_rule_replace(struct ctld_chain *c, unsigned at, const char *text, size_t len, struct ctld_origin from,
		      uint64_t *h);
void ctld_rule_delete(struct ctld_chain *c, unsigned at);
void ctld_chain_flush(struct ctld_chain *c);
/* The rules of chain nc that chain oc has too, the same handle and text (those a commit
 * kept): kept(arg, i, j) for each, i its index in oc, j in nc. */
void ctld_chain_kept(const struct ctld_chain *oc, const struct ctld_chain *nc,
		     void (*kept)(void *arg, unsigned i, unsigned j), void *arg);

/* ---- reading ------------------------------------------------------------------------- */

/* The next token; -1 on the lexer's error (in fe). */
int ctld_next(struct ctld_reader *r);
/* "expected WHAT, got TOKEN" at the current token, or "out of memory" there: -1. */
int ctld_unexpected(struct ctld_reader *r, const char *what);
int ctld_oom(struct ctld_reader *r);
/* A token's first byte, and its last + 1, in the source (a string's quotes included). */
const char *ctld_tok_start(const struct cf_tok *t);
const char *ctld_tok_end(const struct cf_tok *t);
bool ctld_is_word(const struct cf_tok *t, const char *w);
/* Raw statements: s's next line, from[0..to) that began at line:col (cap: what its text
 * has room for, 0 at first); or, at the end of d, text[0..n) as it is, its first line at
 * line:col and the others at column 1. -1: no memory. */
int ctld_raw_line(struct ctld_stmt *s, size_t *cap, const char *from, const char *to, unsigned line, unsigned col);
int ctld_raw_text(struct ctld_doc *d, const char *text, size_t n, unsigned line, unsigned col);

/* s[0..n) as a new string; NULL: no memory. */
char *ctld_dup(const char *s, size_t n);
/* Room for one more element (of size bytes) in array v of *cap, n of them used: v, or v
 * grown (doubled; at first to first). NULL: no memory, and v is as it was. */
void *ctld_grow(void *v, unsigned n, unsigned *cap, size_t size, unsigned first);

#endif
