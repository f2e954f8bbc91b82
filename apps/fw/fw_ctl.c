/* fw's command namespace on the control socket (apps/ctl.h): transactions on a copy of
 * the running config's document (fw_doc.h), nft's incremental commands on it, and the
 * counters of the rules a commit keeps. The transactions and the commands on rules are
 * every namespace's (ctl_txn.h); fw's own are policy, sets and elements (fw_ctl_cmd.c).
 * The shows are fw_ctl_show.c.
 *
 *   add rule CHAIN [position H] RULE        append (after the rule with handle H)
 *   insert rule CHAIN [position H] RULE     prepend (before the rule with handle H)
 *   replace rule CHAIN handle H RULE        a new rule, and handle, in its place
 *   delete rule CHAIN handle H
 *   flush chain CHAIN
 *   policy CHAIN accept|drop
 *   add element SET { E, ... }              delete element SET { E, ... }
 *   add set NAME ipv4|ipv6|port [{ E, ... }]    delete set NAME
 *
 * Each command is checked when it is given, at the column of the word at fault
 * ("ctl:3:27: no set named 'blocked' ..."): a rule is parsed in the context of the copy's
 * interfaces and sets. The commit checks everything again (the reload).
 *
 * Counters across a commit: a rule the commit keeps (same handle, same text) keeps its
 * packets, bytes, packets over its limit and its limit's bucket, and a chain whose policy
 * stays keeps its policy's count. The fw app calls fwc_reloaded right after the reload's
 * swap; when the text reloaded is the one a transaction rendered, the running document
 * (the old ruleset's rules, in its order) and the transaction's (the new one's) pair the
 * rules by handle, and each kept rule's state is added to the new one's. The swap and
 * the commit run between bursts on the worker's thread (the platform's poll hook), so
 * no packet is counted in between and the copy is exact. Any other reload (SIGHUP, the
 * console, a load) gives a new document, new handles, and counters from zero.
 */
#include "fw_ctl_int.h"

#include "ctl.h"
#include "fw_app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fwc_loaded(struct fw_app *a, const char *name, const char *text, size_t len)
{
	a->doc = fwd_build(name, text, len, NULL, 0);
}

void fwc_teardown(struct fw_app *a)
{
	fwd_free(a->doc);
	a->doc = NULL;
}

/* ---- transactions (ctl_txn.h) -------------------------------------------------------- */

static void adopt(void *app, struct ctld_doc *doc)
{
	struct fw_app *a = app;
	fwd_free(a->doc);
	a->doc = (struct fwd_doc *)doc;
}

static struct ctlt *reloading(void *app)
{
	struct fwc_txn *t = ((struct fw_app *)app)->ctl_txn;
	return t ? &t->c : NULL;
}

static void set_reloading(void *app, struct ctlt *t)
{
	((struct fw_app *)app)->ctl_txn = (struct fwc_txn *)t;
}

static const struct ctlt_kind fw_txn_kind = {
	.size = sizeof(struct fwc_txn),
	.adopt = adopt,
	.reloading = reloading,
	.set_reloading = set_reloading,
	.check = fwc_check_rule,
};

static void *txn_begin(void *app)
{
	struct fw_app *a = app;
	struct fwc_txn *t = ctlt_begin(&fw_txn_kind, a, a->doc ? &a->doc->base : NULL);
	if (t)
		t->doc = (struct fwd_doc *)t->c.doc;
	return t;
}

static void txn_summary(void *txn, char *buf, size_t len)
{
	struct fwc_txn *t = txn;
	size_t at = 0;
	if (!len)
		return;
	buf[0] = 0;
	ctlt_count(buf, len, &at, t->c.rules_added, t->c.rules_deleted, "rule");
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
		if (t->policy_set[h])
			ctlt_append(buf, len, &at, "%spolicy %s %s", at ? ", " : "", fwd_hook_names[h],
				    t->doc->chain[h].policy == FW_DROP ? "drop" : "accept");
	ctlt_count(buf, len, &at, t->sets_added, t->sets_deleted, "set");
	ctlt_count(buf, len, &at, t->elems_added, t->elems_deleted, "element");
	if (!at)
		snprintf(buf, len, "no change");
}

/* ---- commands ------------------------------------------------------------------------ */

static int cmd_policy(const struct ctlt_cmd *c)
{
	int hook = ctlt_chain_arg(c, 1, false);
	if (hook < 0)
		return -1;
	const char *w = ctlt_word(c, 2);
	if (!w || (strcmp(w, "accept") && strcmp(w, "drop")))
		return w ? ctlt_fail(c, 2, "expected accept or drop, got '%s'", w) : ctlt_fail(c, 2, "expected accept or drop");
	if (ctlt_end(c, 3))
		return -1;
	struct ctld_origin from = { c->w->line, c->a->col[0] };
	struct ctld_chain *ch = &fwc_doc(c)->chain[hook];
	if (ctld_chain_declare(&fwc_doc(c)->base, (unsigned)hook, from))
		return ctlt_fail_at(c, from.col, "out of memory");
	ch->policy = w[0] == 'a' ? FW_ACCEPT : FW_DROP;
	ch->policy_from = from;
	fwc_txn(c)->policy_set[hook] = true;
	ctl_ok(c->o, "policy %s %s", fwd_hook_names[hook], w);
	return 0;
}

static int txn_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	const struct ctlt_cmd c = ctlt_cmd(txn, a, w, o);
	bool add = ctlt_is(&c, 0, "add"), del = ctlt_is(&c, 0, "delete");
	if (ctlt_is(&c, 0, "insert") || ctlt_is(&c, 0, "replace")) {
		if (!ctlt_is(&c, 1, "rule"))
			return ctlt_fail(&c, 1, "expected 'rule' after '%s'", a->argv[0]);
		return ctlt_rule_cmd(&c, false, a->argv[0][0] == 'r');
	}
	if (add || del) {
		if (ctlt_is(&c, 1, "rule"))
			return add ? ctlt_rule_cmd(&c, true, false) : ctlt_delete_rule(&c);
		if (ctlt_is(&c, 1, "element"))
			return fwc_elements(&c, add);
		if (ctlt_is(&c, 1, "set"))
			return add ? fwc_add_set(&c) : fwc_delete_set(&c);
		const char *x = ctlt_word(&c, 1);
		return x ? ctlt_fail(&c, 1, "expected 'rule', 'element' or 'set' after '%s', got '%s'", a->argv[0], x)
			 : ctlt_fail(&c, 1, "expected 'rule', 'element' or 'set' after '%s'", a->argv[0]);
	}
	if (ctlt_is(&c, 0, "flush"))
		return ctlt_flush(&c);
	if (ctlt_is(&c, 0, "policy"))
		return cmd_policy(&c);
	return ctlt_fail(&c, 0, "expected add, insert, replace, delete, flush or policy, got '%s'",
			 a->argc ? a->argv[0] : "");
}

/* What the commands gave and took, for the summary. */
void fwc_counted(const struct ctlt_cmd *c, int rules, int sets, int elems)
{
	struct fwc_txn *t = fwc_txn(c);
	if (rules > 0)
		t->c.rules_added += (unsigned)rules;
	else
		t->c.rules_deleted += (unsigned)-rules;
	if (sets > 0)
		t->sets_added += (unsigned)sets;
	else
		t->sets_deleted += (unsigned)-sets;
	if (elems > 0)
		t->elems_added += (unsigned)elems;
	else
		t->elems_deleted += (unsigned)-elems;
}

/* ---- counters across a commit -------------------------------------------------------- */

/* Where a kept rule's state goes: from old's chain h to the new one's. */
struct carry {
	const struct fw_ruleset *from;
	struct fw_ruleset *to;
	unsigned h;
};

static void carry_rule(void *arg, unsigned i, unsigned j)
{
	const struct carry *c = arg;
	const struct fw_rule_state *from = &c->from->state[c->h][i];
	struct fw_rule_state *to = &c->to->state[c->h][j];
	to->pkts += from->pkts;
	to->bytes += from->bytes;
	to->limited += from->limited;
	to->limit = from->limit;
}

/* The rules of new chain nc (compiled into nrs) that old chain oc (in ors) has too. */
static void carry_chain(const struct ctld_chain *oc, const struct fw_ruleset *ors, const struct ctld_chain *nc,
			struct fw_ruleset *nrs, unsigned h)
{
	if (oc->n != ors->cfg.chain[h].n_rules || nc->n != nrs->cfg.chain[h].n_rules)
		return;             /* not the rulesets these documents were compiled into */
	if (oc->declared && nc->declared && oc->policy == nc->policy)
		nrs->policy_pkts[h] += ors->policy_pkts[h];
	struct carry c = { ors, nrs, h };
	ctld_chain_kept(oc, nc, carry_rule, &c);
}

void fwc_reloaded(struct fw_app *a, struct fw_ruleset *old, struct fw_ruleset *rs, const char *name, const char *text,
		  size_t len)
{
	struct fwc_txn *t = (struct fwc_txn *)ctlt_reloaded(&fw_txn_kind, a, a->doc ? &a->doc->base : NULL, text, len);
	if (t) {
		for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
			carry_chain(&a->doc->chain[h], old, &t->doc->chain[h], rs, h);
		return;
	}
	fwd_free(a->doc);
	a->doc = fwd_build(name, text, len, NULL, 0);
}

const struct ctl_ns fw_ctl_ns = {
	.name = "fw",
	.help = "fw add rule CHAIN [position H] RULE      append a rule (after the rule with handle H)\n"
		"fw insert rule CHAIN [position H] RULE   prepend a rule (before the rule with handle H)\n"
		"fw replace rule CHAIN handle H RULE      a new rule in H's place (and a new handle)\n"
		"fw delete rule CHAIN handle H            delete a rule\n"
		"fw flush chain CHAIN                     delete a chain's rules\n"
		"fw policy CHAIN accept|drop              a chain's policy\n"
		"fw add element SET { E, ... }            add elements to a set\n"
		"fw delete element SET { E, ... }         delete elements from a set\n"
		"fw add set NAME ipv4|ipv6|port [{ E, ... }]   declare a set\n"
		"fw delete set NAME                       delete a set no rule uses\n",
	.txn_begin = txn_begin,
	.txn_free = ctlt_free,
	.txn_cmd = txn_cmd,
	.txn_summary = txn_summary,
	.txn_render = ctlt_render,
	.txn_where = ctlt_where,
	.txn_adopt = ctlt_adopt,
	.show = fwc_show,
	.shows = "rules|counters|connections|interfaces|config|sets",
};
