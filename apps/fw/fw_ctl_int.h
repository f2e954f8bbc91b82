/* fw_ctl_int.h - what fw's control namespace shares between its files: a command being
 * applied to a transaction's copy (fw_ctl.c), its rules, sets and elements
 * (fw_ctl_cmd.c). Internal to apps/fw (and its unit test). */
#ifndef SLUICE_FW_CTL_INT_H
#define SLUICE_FW_CTL_INT_H

#include "ctl.h"
#include "fw_doc.h"

struct fw_app;

/* A transaction: a copy of the running document, what its commands did, its rendering. */
struct fwc_txn {
	struct fw_app *app;
	struct fwd_doc *doc;                /* the copy */
	struct fwd_text out;                /* its last rendering */
	bool reloaded;                      /* in force: the reload took out */
	unsigned rules_added, rules_deleted, elems_added, elems_deleted, sets_added, sets_deleted;
	bool policy_set[FW_HOOK__COUNT];
};

/* One command: its words (argv[0] is the verb), where it came from, its answer. */
struct fwc_cmd {
	struct fwc_txn *t;
	const struct ctl_args *a;
	const struct ctl_where *w;
	struct ctl_out *o;
};

/* An error at word i's column (the end of the line when there is no word i); -1. */
int fwc_fail(const struct fwc_cmd *c, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same at a column. */
int fwc_fail_at(const struct fwc_cmd *c, unsigned col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
unsigned fwc_col(const struct fwc_cmd *c, int i);
bool fwc_is(const struct fwc_cmd *c, int i, const char *w);
const char *fwc_word(const struct fwc_cmd *c, int i);
/* No word from i on, or the error. */
int fwc_end(const struct fwc_cmd *c, int i);
struct fwd_doc *fwc_doc(const struct fwc_cmd *c);
/* What a command added (> 0) or took away (< 0), for the transaction's summary. */
void fwc_counted(const struct fwc_cmd *c, int rules, int sets, int elems);

/* A rule as given from word i: its text (in the command's line, or owned) and the column
 * where it starts. */
struct fwc_rule {
	const char *text;
	size_t len;
	struct fwd_origin from;
	char *owned;
};
/* The rule from word i to the end of the line, parsed for hook's chain among the copy's
 * interfaces and sets; -1 with the error at its column. */
int fwc_rule_text(const struct fwc_cmd *c, int i, int hook, struct fwc_rule *r);
void fwc_rule_free(struct fwc_rule *r);

/* add|delete element SET { E, ... } */
int fwc_elements(const struct fwc_cmd *c, bool add);
/* add set NAME KIND [{ E, ... }] */
int fwc_add_set(const struct fwc_cmd *c);
/* delete set NAME */
int fwc_delete_set(const struct fwc_cmd *c);

#endif
