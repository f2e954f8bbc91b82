/* nat_ctl_int.h - what the nat appliance's control namespace shares between its files:
 * the document a transaction edits (nat_ctl_doc.c), the commands (nat_ctl.c) and the
 * shows (nat_ctl_show.c). The document (its pieces, chains, rules, handles, rendering),
 * the transactions and the rule commands are every namespace's (ctl_doc.h, ctl_txn.h); its
 * own are how it is read and how a rule is checked. Internal to apps/nat (and its unit
 * test).
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
 * Rendered, it is config text whose every line knows what it came from (struct ctld_text),
 * so that an error of the reload at LINE:COL maps back to the command that brought the
 * rule ("ctl:3:27"), to a rule of the running config ("rule handle 7 of chain
 * prerouting") or to the config's own text ("boot.conf:12:5"). A chain that starts or ends
 * mid-line in the text gets lines of its own; nothing else moves.
 */
#ifndef SLUICE_NAT_CTL_INT_H
#define SLUICE_NAT_CTL_INT_H

#include "ctl.h"
#include "ctl_doc.h"
#include "ctl_txn.h"
#include "nat_app.h"

/* A raw piece is whole lines of the text, as they were (without the last newline). */
struct natd_doc {
	struct ctld_doc base;                 /* first: its pieces (ctl_doc.h) */
	struct ctld_chain chain[NAT_HOOK__COUNT];
};

extern const char *const natd_hook_names[NAT_HOOK__COUNT];   /* "prerouting", "postrouting" */

/* ---- the document (nat_ctl_doc.c) --------------------------------------------------- */

/* Reads text (named name) into a new document, every rule with a new handle. NULL: out of
 * memory, or a text the reader does not take (err says where, when not NULL). */
struct natd_doc *natd_build(const char *name, const char *text, size_t len, char *err, size_t errlen);
/* A deep copy, handles and origins kept; NULL: out of memory. */
struct natd_doc *natd_copy(const struct natd_doc *d);
void natd_free(struct natd_doc *d);

/* The document as config text in t (emptied first); -1: out of memory. */
int natd_render(const struct natd_doc *d, struct ctld_text *t);
/* What rendered line:col came from, for an error there. */
void natd_where(const struct natd_doc *d, const struct ctld_text *t, unsigned line, unsigned col, char *buf,
		size_t len);
/* The statements a rule of hook's chain is read among (the interfaces, the sets without
 * their elements, the nat block: those of the raw pieces before the chain, all of them
 * when it has no piece yet), as config text in t (emptied first), and its lines. -1: no
 * memory. */
int natd_context(const struct natd_doc *d, enum nat_hook hook, struct ctld_text *t, unsigned *lines);

/* ---- the commands (nat_ctl.c) -------------------------------------------------------- */

/* A transaction: the shared one, and the context its rules are checked in. */
struct natc_txn {
	struct ctlt c;                        /* first (ctl_txn.h) */
	struct natd_doc *doc;                 /* c.doc, the copy, as nat's */
	struct ctld_text ctx[NAT_HOOK__COUNT]; /* each chain's context for its rules (natd_context) */
	unsigned ctx_lines[NAT_HOOK__COUNT];
	bool ctx_ok[NAT_HOOK__COUNT];
};

/* ---- the shows (nat_ctl_show.c) ------------------------------------------------------ */

int natc_show(void *app, const struct ctl_args *args, struct ctl_out *o);

/* An endpoint as text: "10.0.0.1:80" (port shown), "10.0.0.1" (none). */
void natc_endpoint(const uint8_t a[4], bool port_on, uint16_t port, char *buf, size_t len);

#endif
