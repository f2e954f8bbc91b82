/* ctl_txn.h - a control namespace's transactions (ctl.h, struct ctl_ns) and the commands on
 * its chains that the namespaces share (fw's and nat's):
 *
 *   add rule CHAIN [position H] RULE        append (after the rule with handle H)
 *   insert rule CHAIN [position H] RULE     prepend (before the rule with handle H)
 *   replace rule CHAIN handle H RULE        a new rule, and handle, in its place
 *   delete rule CHAIN handle H
 *   flush chain CHAIN
 *
 * A transaction works on a copy of the app's running document (ctl_doc.h, of the
 * namespace's shape): each command changes the copy, or is refused with "ctl:LINE:COL: why" at the
 * word at fault and leaves it as it was. The commit renders the copy, and the life cycle's
 * reload parses, compiles and checks all of it; once the reload has swapped it in, the
 * app calls ctlt_reloaded (between bursts, on the worker), which finds the transaction
 * whose rendering it was, and the copy becomes the running document (handles kept).
 *
 * A namespace describes its transactions in a struct ctlt_kind (its documents, in their
 * struct ctld_shape); its transaction is its own struct with a struct ctlt first (its
 * counters, its document as its type, follow). ctlt_free, ctlt_render, ctlt_where and
 * ctlt_adopt are struct ctl_ns's callbacks as they are; its txn_begin calls ctlt_begin
 * with the kind, its txn_cmd dispatches its verbs to the commands here and to its own.
 */
#ifndef SLUICE_CTL_TXN_H
#define SLUICE_CTL_TXN_H

#include "ctl.h"
#include "ctl_doc.h"

struct ctlt_cmd;
struct ctlt_rule;

struct ctlt_kind {
	size_t size;                          /* the namespace's transaction: a struct ctlt first */
	/* The app's slots: doc becomes its running document (the callee frees the one it
	 * replaces); the transaction whose rendering it is reloading, and setting it. */
	void (*adopt)(void *app, struct ctld_doc *doc);
	struct ctlt *(*reloading)(void *app);
	void (*set_reloading)(void *app, struct ctlt *t);
	/* What the transaction holds besides (NULL: nothing): freed with it. */
	void (*release)(struct ctlt *t);
	/* r read as the rule at index at of hook's chain (in the place of the rule there:
	 * replace) by the namespace's parser; -1 with the error (ctlt_parse_error). */
	int (*check)(const struct ctlt_cmd *c, unsigned hook, unsigned at, bool replace, const struct ctlt_rule *r);
	/* NULL: a rule may hold braces (fw's anonymous sets); else why it may not. */
	const char *no_braces;
};

/* A transaction. */
struct ctlt {
	struct ctld_doc *doc;                 /* the copy */
	void *app;
	const struct ctlt_kind *kind;
	struct ctld_text out;                 /* its last rendering */
	bool reloaded;                        /* in force: the reload took its rendering */
	unsigned rules_added, rules_deleted;
};

/* ---- the transaction (ctl_txn.c) ----------------------------------------------------- */

/* A new transaction of kind k on a copy of app's running document; NULL: no document, or
 * no memory. */
void *ctlt_begin(const struct ctlt_kind *k, void *app, const struct ctld_doc *running);
/* struct ctl_ns's callbacks, for any kind. */
void ctlt_free(void *txn);
int ctlt_render(void *txn, const char *name, const char **text, size_t *len);
void ctlt_where(void *txn, unsigned line, unsigned col, char *buf, size_t len);
void ctlt_adopt(void *app, void *txn);
/* "+2 rules -1 rule", or "no change". */
void ctlt_summary(void *txn, char *buf, size_t len);
/* The summary's parts: "+N WHATs -M WHAT" appended at *at of buf (after ", " when
 * something is there), and anything appended, cut at buf's end. */
void ctlt_count(char *buf, size_t len, size_t *at, unsigned add, unsigned del, const char *what);
void ctlt_append(char *buf, size_t len, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Right after a reload swapped in the config of text[0..len), between bursts (running:
 * the app's running document): the transaction that rendered that text, now in force
 * (the caller carries over what the rules it kept had; its document becomes the running
 * one when the session adopts or frees it); NULL when it was another text (the caller
 * reads the text into a new document). */
struct ctlt *ctlt_reloaded(const struct ctlt_kind *k, void *app, const struct ctld_doc *running, const char *text,
			  size_t len);

/* ---- its commands (ctl_txn_cmd.c) ---------------------------------------------------- */

/* One command: its words (argv[0] is the verb), where it came from, its answer. */
struct ctlt_cmd {
	struct ctlt *t;
	const struct ctl_args *a;
	const struct ctl_where *w;
	struct ctl_out *o;
};

/* A command's words a (after the namespace's), from w, answered in o, on transaction txn;
 * the first notes in the copy where the commands come from. */
struct ctlt_cmd ctlt_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o);

/* An error at word i's column (the end of the line when there is no word i), or at a
 * column: "ctl:LINE:COL: why". -1. */
int ctlt_fail(const struct ctlt_cmd *c, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ctlt_fail_at(const struct ctlt_cmd *c, unsigned col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
unsigned ctlt_col(const struct ctlt_cmd *c, int i);
/* Word i (NULL past the last), and whether it is w. */
const char *ctlt_word(const struct ctlt_cmd *c, int i);
bool ctlt_is(const struct ctlt_cmd *c, int i, const char *w);
/* No word from i on, or the error. */
int ctlt_end(const struct ctlt_cmd *c, int i);
/* A lexer over the command's text from word i to the end of its line as typed (a
 * string with its quotes), with the command's lines and columns; the text, NULL: no
 * memory. *owned: what to free after. */
const char *ctlt_lex_tail(const struct ctlt_cmd *c, int i, struct cf_lex *lx, struct cf_err *fe, char **owned);
/* The end of a command's text: its end, or a newline. */
bool ctlt_at_end(const struct cf_tok *t);

/* CHAIN as word i: its hook, or -1 with the error; declared: it must be. */
int ctlt_chain_arg(const struct ctlt_cmd *c, int i, bool declared);

/* A rule as given: its text (in the command's line, or owned) and where it starts. */
struct ctlt_rule {
	const char *text;
	size_t len;
	struct ctld_origin from;
	char *owned;
};
/* The parser's error msg ("NAME:LINE:COL: why", NAME the command's) on a text whose line
 * rule_line is r's: at the command's column on that line, else at r's start. -1. */
int ctlt_parse_error(const struct ctlt_cmd *c, const char *msg, unsigned rule_line, const struct ctlt_rule *r);

/* add|insert rule CHAIN [position H] RULE (append: add), replace rule CHAIN handle H RULE */
int ctlt_rule_cmd(const struct ctlt_cmd *c, bool append, bool replace);
/* delete rule CHAIN handle H */
int ctlt_delete_rule(const struct ctlt_cmd *c);
/* flush chain CHAIN */
int ctlt_flush(const struct ctlt_cmd *c);

#endif
