/* nat_ctl_int.h - what the nat appliance's control namespace shares between its files:
 * the document a transaction edits (nat_ctl_doc.c), the commands (nat_ctl.c) and the
 * shows (nat_ctl_show.c). Internal to apps/nat (and its unit test).
 *
 * The document is the running config text cut in pieces: the NAT chains (chain prerouting,
 * chain postrouting) structured, each rule its text and a handle, a number unique in the
 * process's life and never reused (nft's: a load gives every rule a new one, a commit keeps
 * those of the rules it did not touch); everything else (interfaces, routes, sets, the nat
 * block, the firewall's chains, comments) kept verbatim, as runs of whole lines:
 *
 *   interface lan { address 10.0.0.1/24 }    a raw piece: these lines, as they were
 *   nat { filtering address-dependent }
 *   chain prerouting {                       a chain: its rules, one a line
 *       iif wan tcp dport 8080 dnat to 10.0.0.20:80
 *   }
 *   chain forward policy drop { ... }        a raw piece again
 *
 * Rendered, it is config text whose every line knows what it came from (struct natd_text),
 * so that an error of the reload at LINE:COL maps back to the command that brought the
 * rule ("ctl:3:27"), to a rule of the running config ("rule handle 7 of chain
 * prerouting") or to the config's own text ("boot.conf:12:5"). A chain that starts or ends
 * mid-line in the text gets lines of its own; nothing else moves.
 */
#ifndef SLUICE_NAT_CTL_INT_H
#define SLUICE_NAT_CTL_INT_H

#include "ctl.h"
#include "nat_app.h"

/* The command that brought a piece: its line in the session, and the column where the
 * piece's text starts in that line. line 0: the running config. */
struct natd_origin {
	unsigned line, col;
};

struct natd_rule {
	uint64_t handle;
	char *text;                           /* "iif wan tcp dport 8080 dnat to 10.0.0.20:80" */
	struct natd_origin from;
};

struct natd_chain {
	bool declared;
	struct natd_rule *rules;
	unsigned n, cap;
	struct natd_origin from;              /* declared by a command */
};

enum natd_piece_kind { NATD_RAW, NATD_CHAIN };

struct natd_piece {
	enum natd_piece_kind kind;
	enum nat_hook hook;                   /* NATD_CHAIN */
	char *text;                           /* NATD_RAW: whole lines, without the last newline */
	unsigned line, col;                   /* NATD_RAW: where its first byte was in the text read */
};

struct natd_doc {
	char name[96];                        /* the config it was read from: raw positions */
	char cmd_name[32];                    /* where the commands came from ("ctl") */
	struct natd_piece *pieces;
	unsigned n_pieces, cap_pieces;
	struct natd_chain chain[NAT_HOOK__COUNT];
};

/* A rendered document: the text, and what each of its lines came from. */
enum natd_line_kind { NATD_L_RAW, NATD_L_CHAIN, NATD_L_RULE, NATD_L_CHAIN_END };
struct natd_line {
	uint8_t kind;                         /* enum natd_line_kind */
	uint8_t hook;
	unsigned piece;                       /* NATD_L_RAW: the piece, index its line in it */
	unsigned index;                       /* the rule, or the raw piece's line */
};
struct natd_text {
	char *s;
	size_t len, cap;
	struct natd_line *lines;
	unsigned n_lines, cap_lines;
	bool oom;
};

extern const char *const natd_hook_names[NAT_HOOK__COUNT];   /* "prerouting", "postrouting" */

/* ---- the document (nat_ctl_doc.c) --------------------------------------------------- */

/* Reads text (named name) into a new document, every rule with a new handle. NULL: out of
 * memory, or a text the reader does not take (err says where, when not NULL). */
struct natd_doc *natd_build(const char *name, const char *text, size_t len, char *err, size_t errlen);
/* A deep copy, handles and origins kept; NULL: out of memory. */
struct natd_doc *natd_copy(const struct natd_doc *d);
void natd_free(struct natd_doc *d);
/* Forgets where pieces came from: the document is the running config. */
void natd_settle(struct natd_doc *d);
/* A handle no rule has had. */
uint64_t natd_new_handle(void);

/* The hook named name[0..len), or -1. */
int natd_hook(const char *name, size_t len);
/* The index of the rule with handle h in c, or -1. */
int natd_rule_find(const struct natd_chain *c, uint64_t h);
/* Declares chain hook when it is not: a piece at the end. -1: no memory. */
int natd_chain_declare(struct natd_doc *d, enum nat_hook hook, struct natd_origin from);
/* A rule of text[0..len) at index at of hook's chain (declared if it was not); its new
 * handle in *h. -1: no memory. */
int natd_rule_insert(struct natd_doc *d, enum nat_hook hook, unsigned at, const char *text, size_t len,
		     struct natd_origin from, uint64_t *h);
/* The rule at index at replaced by text[0..len), with a new handle. -1: no memory. */
int natd_rule_replace(struct natd_doc *d, enum nat_hook hook, unsigned at, const char *text, size_t len,
		      struct natd_origin from, uint64_t *h);
void natd_rule_delete(struct natd_doc *d, enum nat_hook hook, unsigned at);
void natd_chain_flush(struct natd_doc *d, enum nat_hook hook);

/* The document as config text in t (emptied first); -1: out of memory. */
int natd_render(const struct natd_doc *d, struct natd_text *t);
void natd_text_free(struct natd_text *t);
/* What rendered line:col came from, for an error there. */
void natd_where(const struct natd_doc *d, const struct natd_text *t, unsigned line, unsigned col, char *buf,
		size_t len);
/* The statements a rule of hook's chain is read among (the interfaces, the sets without
 * their elements, the nat block: those of the raw pieces before the chain, all of them
 * when it has no piece yet), as config text in t (emptied first), and its lines. -1: no
 * memory. */
int natd_context(const struct natd_doc *d, enum nat_hook hook, struct natd_text *t, unsigned *lines);

/* ---- the commands (nat_ctl.c) -------------------------------------------------------- */

/* A transaction: a copy of the running document, what its commands did, its rendering. */
struct natc_txn {
	struct nat_app *app;
	struct natd_doc *doc;                 /* the copy */
	struct natd_text out;                 /* its last rendering */
	struct natd_text ctx[NAT_HOOK__COUNT]; /* each chain's context for its rules (natd_context) */
	unsigned ctx_lines[NAT_HOOK__COUNT];
	bool ctx_ok[NAT_HOOK__COUNT];
	bool reloaded;                        /* in force: the reload took out */
	unsigned rules_added, rules_deleted, chains_flushed;
};

/* ---- the shows (nat_ctl_show.c) ------------------------------------------------------ */

int natc_show(void *app, const struct ctl_args *args, struct ctl_out *o);

/* An endpoint as text: "10.0.0.1:80" (port shown), "10.0.0.1" (none). */
void natc_endpoint(const uint8_t a[4], bool port_on, uint16_t port, char *buf, size_t len);

#endif
