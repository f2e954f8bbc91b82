/* fw_ctl_int.h - what fw's control namespace shares between its files: its transaction
 * (a shared one, ctl_txn.h, with fw's counters), what its commands on sets and elements
 * need (fw_ctl_cmd.c) and the check of a rule (fw_ctl_cmd.c, for the shared rule
 * commands). Internal to apps/fw (and its unit test). */
#ifndef SLUICE_FW_CTL_INT_H
#define SLUICE_FW_CTL_INT_H

#include "ctl.h"
#include "ctl_txn.h"
#include "fw_doc.h"

struct fw_app;

/* A transaction: the shared one, and what fw counts besides its rules. */
struct fwc_txn {
	struct ctlt c;                      /* first (ctl_txn.h) */
	struct fwd_doc *doc;                /* c.doc, the copy, as fw's */
	unsigned elems_added, elems_deleted, sets_added, sets_deleted;
	bool policy_set[FW_HOOK__COUNT];
};

/* A command's transaction, and its copy. */
static inline struct fwc_txn *fwc_txn(const struct ctlt_cmd *c)
{
	return (struct fwc_txn *)c->t;
}

static inline struct fwd_doc *fwc_doc(const struct ctlt_cmd *c)
{
	return fwc_txn(c)->doc;
}

/* What a command added (> 0) or took away (< 0), for the transaction's summary. */
void fwc_counted(const struct ctlt_cmd *c, int rules, int sets, int elems);

/* r parsed as a rule of hook's chain among the copy's interfaces and sets (ctlt_kind's
 * check); -1 with the error at its column. */
int fwc_check_rule(const struct ctlt_cmd *c, unsigned hook, unsigned at, bool replace, const struct ctlt_rule *r);

/* add|delete element SET { E, ... } */
int fwc_elements(const struct ctlt_cmd *c, bool add);
/* add set NAME KIND [{ E, ... }] */
int fwc_add_set(const struct ctlt_cmd *c);
/* delete set NAME */
int fwc_delete_set(const struct ctlt_cmd *c);

#endif
