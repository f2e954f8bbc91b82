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
 * line knows what it came from (struct ctld_text): a reload's error at LINE:COL of the
 * rendered text is mapped back to the rule, element or command (fwd_where). A document
 * built from text T renders to a text that parses to the same ruleset as T.
 *
 * The document, its chains, rules, handles and rendered text are every namespace's
 * (ctl_doc.h); fw's own statements are its sets. Pieces a transaction's command brought
 * carry its position (struct ctld_origin), those of the running config none.
 */
#ifndef SLUICE_FW_DOC_H
#define SLUICE_FW_DOC_H

#include "ctl_doc.h"
#include "fw_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWD_MAX_RULES (1u << 20)          /* rules a chain holds */
#define FWD_ELEM_MAX 48                   /* bytes of an element's text: an IPv6 prefix and NUL */

/* A chain (ctl_doc.h's struct ctld_chain) has as its policy an enum fw_verdict (FW_ACCEPT
 * or FW_DROP). */

struct fwd_elem {
	char text[FWD_ELEM_MAX];              /* canonical: "10.0.0.0/8", "2001:db8::1", "8000-8080" */
	struct ctld_origin from;
};

struct fwd_set {
	char name[CF_NAME_MAX];
	enum cf_set_kind kind;
	struct fwd_elem *elems;
	unsigned n, cap;
	struct ctld_origin from;
};

/* A set is fw's own statement (its struct fwd_set the statement's own), and its lines. */
enum { FWD_SET = CTLD_OWN };
enum fwd_line_kind { FWD_L_SET = CTLD_L_OWN, FWD_L_ELEM, FWD_L_SET_END };

static inline struct fwd_set *fwd_stmt_set(const struct ctld_stmt *s)
{
	return s->kind == FWD_SET ? s->own : NULL;
}

struct fwd_doc {
	struct ctld_doc base;                 /* first: its statements (ctl_doc.h) */
	struct ctld_chain chain[FW_HOOK__COUNT];
};

extern const char *const fwd_hook_names[FW_HOOK__COUNT];

/* Reads text (named name) into a new document, every rule with a new handle. NULL: out of
 * memory, or a text that is not a config (err says where, when err is not NULL). */
struct fwd_doc *fwd_build(const char *name, const char *text, size_t len, char *err, size_t errlen);
/* A deep copy, handles and origins kept; NULL: out of memory. */
struct fwd_doc *fwd_copy(const struct fwd_doc *d);
void fwd_free(struct fwd_doc *d);
/* The document as config text in t (emptied first); -1: out of memory. */
int fwd_render(const struct fwd_doc *d, struct ctld_text *t);
/* What rendered line:col came from, for an error there: "ctl:14:22" (a command's word),
 * "rule handle 7 of chain forward", "rules.conf:3:18" (a statement as first read). */
void fwd_where(const struct fwd_doc *d, const struct ctld_text *t, unsigned line, unsigned col, char *buf,
	       size_t len);

/* A set's lines (fw_doc_render.c): rendered as statement i, and where line l came from. */
void fwd_set_render(struct ctld_text *t, const struct ctld_stmt *s, unsigned i);
bool fwd_set_where(const char *cmd, const struct ctld_stmt *s, const struct ctld_line *l, unsigned col, char *buf,
		   size_t len);

/* ---- editing (fw_doc_edit.c) --------------------------------------------------------- */

struct fwd_set *fwd_set_find(const struct fwd_doc *d, const char *name, size_t len);
unsigned fwd_set_count(const struct fwd_doc *d);
/* A new empty set, declared before the first chain (or as statement at). NULL: out of memory. */
struct fwd_set *fwd_set_add(struct fwd_doc *d, const char *name, enum cf_set_kind kind, struct ctld_origin from);
struct fwd_set *fwd_set_add_at(struct fwd_doc *d, unsigned at, const char *name, enum cf_set_kind kind,
			       struct ctld_origin from);
void fwd_set_delete(struct fwd_doc *d, struct fwd_set *s);
/* The first rule naming @name: true with its chain and handle. */
bool fwd_set_used(const struct fwd_doc *d, const char *name, enum fw_hook *hook, uint64_t *handle);
/* An element's canonical text from a word of s's kind; -1 with FILE:LINE:COL in err. */
int fwd_elem_read(const struct fwd_set *s, const char *file, const struct cf_tok *t, char out[FWD_ELEM_MAX],
		  struct cf_err *err);
int fwd_elem_find(const struct fwd_set *s, const char *text);
int fwd_elem_add(struct fwd_set *s, const char *text, struct ctld_origin from);
/* Removes every copy of text (a config may list one twice). */
void fwd_elem_delete(struct fwd_set *s, const char *text);

/* The canonical text of a prefix ("10.0.0.0/8", "2001:db8::1": the length only when it
 * is not the whole address) and of an interface address (its length always). */
void fwd_prefix_text(const struct cf_prefix *p, bool host, char *buf, size_t len);

#endif
