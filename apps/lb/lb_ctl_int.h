/* lb_ctl_int.h - what the lb namespace's files share (lb_ctl.c: the transaction and its
 * commands; lb_ctl_show.c: show). Internal to apps/lb. */
#ifndef SLUICE_LB_CTL_INT_H
#define SLUICE_LB_CTL_INT_H

#include "ctl.h"
#include "lb_app.h"

/* A transaction: a copy of the running services, and the running text without them. */
struct lbc_txn {
	struct lb_app *a;
	struct lb_config lb;
	char *rest;                         /* NUL-terminated, ends with a newline when not empty */
	size_t rest_len;
	unsigned rest_lines;
	char *out;                          /* the last rendering */
	unsigned changes;
};

void lbc_txn_free_(struct lbc_txn *t);
/* show services|backends|flows|config */
int lbc_show(void *app, const struct ctl_args *a, struct ctl_out *o);

#endif
