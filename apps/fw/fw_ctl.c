/* fw's command namespace on the control socket (apps/ctl.h): transactions on a copy of
 * the running config's document (fw_doc.h), nft's incremental commands on it, and the
 * counters of the rules a commit keeps. The shows are fw_ctl_show.c.
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
 * swap; when the text reloaded is the one the transaction rendered, the running document
 * (the old ruleset's rules, in its order) and the transaction's (the new one's) pair the
 * rules by handle, and each kept rule's state is added to the new one's. The swap and
 * the commit run between bursts on the worker's thread (the platform's poll hook), so
 * no packet is counted in between and the copy is exact. Any other reload (SIGHUP, the
 * console, a load) gives a new document, new handles, and counters from zero.
 */
#include "ctl.h"
#include "fw_app.h"
#include "fw_ctl_int.h"
#include "fw_doc.h"

#include <stdarg.h>
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

static void *txn_begin(void *app)
{
	struct fw_app *a = app;
	if (!a->doc)
		return NULL;
	struct fwc_txn *t = calloc(1, sizeof(*t));
	if (t && !(t->doc = fwd_copy(a->doc))) {
		free(t);
		t = NULL;
	}
	if (t)
		t->app = a;
	return t;
}

static void txn_adopt(void *app, void *txn)
{
	struct fw_app *a = app;
	struct fwc_txn *t = txn;
	if (a->ctl_txn == t)
		a->ctl_txn = NULL;
	fwd_settle(t->doc);
	fwd_free(a->doc);
	a->doc = t->doc;
	fwd_text_free(&t->out);
	free(t);
}

static void txn_free(void *txn)
{
	struct fwc_txn *t = txn;
	if (!t)
		return;
	if (t->reloaded) {          /* its text is in force: it is the running document */
		txn_adopt(t->app, t);
		return;
	}
	if (t->app->ctl_txn == t)
		t->app->ctl_txn = NULL;
	fwd_free(t->doc);
	fwd_text_free(&t->out);
	free(t);
}

static int txn_render(void *txn, const char *name, const char **text, size_t *len)
{
	struct fwc_txn *t = txn;
	(void)name;
	if (fwd_render(t->doc, &t->out))
		return -1;
	t->app->ctl_txn = t;
	*text = t->out.s;
	*len = t->out.len;
	return 0;
}

static void txn_where(void *txn, unsigned line, unsigned col, char *buf, size_t len)
{
	struct fwc_txn *t = txn;
	fwd_where(t->doc, &t->out, line, col, buf, len);
}

/* Appends to buf (len bytes) at *at, cut at its end. */
static void append(char *buf, size_t len, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	if (*at + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	*at = n < 0 ? *at : *at + (size_t)n >= len ? len - 1 : *at + (size_t)n;
}

/* "+2 rules -1 rule" */
static void count_part(char *buf, size_t len, size_t *at, unsigned add, unsigned del, const char *what)
{
	if (!add && !del)
		return;
	if (*at)
		append(buf, len, at, ", ");
	if (add)
		append(buf, len, at, "+%u %s%s%s", add, what, add == 1 ? "" : "s", del ? " " : "");
	if (del)
		append(buf, len, at, "-%u %s%s", del, what, del == 1 ? "" : "s");
}

static void txn_summary(void *txn, char *buf, size_t len)
{
	struct fwc_txn *t = txn;
	size_t at = 0;
	if (!len)
		return;
	buf[0] = 0;
	count_part(buf, len, &at, t->rules_added, t->rules_deleted, "rule");
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
		if (t->policy_set[h])
			append(buf, len, &at, "%spolicy %s %s", at ? ", " : "", fwd_hook_names[h],
			       t->doc->chain[h].policy == FW_DROP ? "drop" : "accept");
	count_part(buf, len, &at, t->sets_added, t->sets_deleted, "set");
	count_part(buf, len, &at, t->elems_added, t->elems_deleted, "element");
	if (!at)
		snprintf(buf, len, "no change");
}

/* ---- commands ------------------------------------------------------------------------ */

static void fail_v(const struct fwc_cmd *c, unsigned col, const char *fmt, va_list ap)
{
	char msg[CTL_STATUS_MAX - 64];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ctl_error(c->o, "%s:%u:%u: %s", c->w->name, c->w->line, col, msg);
}

int fwc_fail_at(const struct fwc_cmd *c, unsigned col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(c, col, fmt, ap);
	va_end(ap);
	return -1;
}

int fwc_fail(const struct fwc_cmd *c, int i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(c, fwc_col(c, i), fmt, ap);
	va_end(ap);
	return -1;
}

unsigned fwc_col(const struct fwc_cmd *c, int i)
{
	const struct ctl_args *a = c->a;
	if (i < a->argc)
		return a->col[i];
	return a->argc ? a->col[a->argc - 1] + (unsigned)strlen(a->argv[a->argc - 1]) : 1;
}

bool fwc_is(const struct fwc_cmd *c, int i, const char *w)
{
	return i < c->a->argc && !strcmp(c->a->argv[i], w);
}

const char *fwc_word(const struct fwc_cmd *c, int i)
{
	return i < c->a->argc ? c->a->argv[i] : NULL;
}

int fwc_end(const struct fwc_cmd *c, int i)
{
	if (i < c->a->argc)
		return fwc_fail(c, i, "expected the end of the command, got '%s'", c->a->argv[i]);
	return 0;
}

/* CHAIN as word i: its hook, or -1 with the error; declared: it must be. */
static int chain_arg(const struct fwc_cmd *c, int i, bool declared)
{
	const char *w = fwc_word(c, i);
	if (!w)
		return fwc_fail(c, i, "expected a chain: input, forward or output");
	int h = fwd_hook(w, strlen(w));
	if (h < 0)
		return fwc_fail(c, i, "unknown chain '%s' (input, forward or output)", w);
	if (declared && !c->t->doc->chain[h].declared)
		return fwc_fail(c, i, "chain '%s' is not declared", w);
	return h;
}

/* The handle H as word i of hook's chain: the rule's index, or -1 with the error. */
static int handle_arg(const struct fwc_cmd *c, int i, int hook)
{
	const char *w = fwc_word(c, i);
	uint64_t h = 0;
	bool ok = w && *w && strlen(w) <= 18;
	for (const char *p = w; ok && *p; p++) {
		ok = *p >= '0' && *p <= '9';
		h = h * 10 + (uint64_t)(*p - '0');
	}
	if (!ok)
		return w ? fwc_fail(c, i, "expected a rule handle (a number), got '%s'", w)
			 : fwc_fail(c, i, "expected a rule handle (a number)");
	int at = fwd_rule_find(&c->t->doc->chain[hook], h);
	if (at < 0)
		return fwc_fail(c, i, "no rule with handle %s in chain %s", w, fwd_hook_names[hook]);
	return at;
}

/* add|insert rule CHAIN [position H] RULE, replace rule CHAIN handle H RULE */
static int cmd_rule(const struct fwc_cmd *c, bool append, bool replace)
{
	int hook = chain_arg(c, 2, replace);
	if (hook < 0)
		return -1;
	const struct fwd_chain *ch = &c->t->doc->chain[hook];
	unsigned at = append ? ch->n : 0;
	int i = 3;
	if (replace || fwc_is(c, 3, "position")) {
		if (replace && !fwc_is(c, 3, "handle"))
			return fwc_fail(c, 3, "expected 'handle H' (the rule to replace)");
		int k = handle_arg(c, 4, hook);
		if (k < 0)
			return -1;
		at = (unsigned)k + (append && !replace);
		i = 5;
	}
	if (ch->n == FWD_MAX_RULES && !replace)
		return fwc_fail(c, 2, "chain %s holds %u rules, the most it may", fwd_hook_names[hook], FWD_MAX_RULES);
	struct fwc_rule r;
	if (fwc_rule_text(c, i, hook, &r))
		return -1;
	uint64_t handle = 0;
	char *text = replace ? malloc(r.len + 1) : NULL;
	if (replace && text) {      /* in its place: a new rule, a new handle */
		struct fwd_rule *old = &c->t->doc->chain[hook].rules[at];
		memcpy(text, r.text, r.len);
		text[r.len] = 0;
		free(old->text);
		*old = (struct fwd_rule){ .handle = fwd_new_handle(), .text = text, .from = r.from };
		handle = old->handle;
	}
	if (replace ? !text : fwd_rule_insert(c->t->doc, (enum fw_hook)hook, at, r.text, r.len, r.from, &handle)) {
		fwc_rule_free(&r);
		return fwc_fail_at(c, r.from.col, "out of memory");
	}
	fwc_rule_free(&r);
	c->t->rules_added++;
	c->t->rules_deleted += replace;
	ctl_ok(c->o, "handle %llu", (unsigned long long)handle);
	if (c->o->json)
		ctl_printf(c->o, "{\"handle\":%llu}\n", (unsigned long long)handle);
	return 0;
}

static int cmd_delete_rule(const struct fwc_cmd *c)
{
	int hook = chain_arg(c, 2, true);
	if (hook < 0)
		return -1;
	if (!fwc_is(c, 3, "handle"))
		return fwc_fail(c, 3, "expected 'handle H' (the rule to delete)");
	int at = handle_arg(c, 4, hook);
	if (at < 0 || fwc_end(c, 5))
		return -1;
	uint64_t h = c->t->doc->chain[hook].rules[at].handle;
	fwd_rule_delete(c->t->doc, (enum fw_hook)hook, (unsigned)at);
	c->t->rules_deleted++;
	ctl_ok(c->o, "deleted rule handle %llu", (unsigned long long)h);
	return 0;
}

static int cmd_flush(const struct fwc_cmd *c)
{
	if (!fwc_is(c, 1, "chain"))
		return fwc_fail(c, 1, "expected 'chain' after 'flush'");
	int hook = chain_arg(c, 2, true);
	if (hook < 0 || fwc_end(c, 3))
		return -1;
	unsigned n = c->t->doc->chain[hook].n;
	fwd_chain_flush(c->t->doc, (enum fw_hook)hook);
	c->t->rules_deleted += n;
	ctl_ok(c->o, "flushed %u rule%s", n, n == 1 ? "" : "s");
	return 0;
}

static int cmd_policy(const struct fwc_cmd *c)
{
	int hook = chain_arg(c, 1, false);
	if (hook < 0)
		return -1;
	const char *w = fwc_word(c, 2);
	if (!w || (strcmp(w, "accept") && strcmp(w, "drop")))
		return w ? fwc_fail(c, 2, "expected accept or drop, got '%s'", w) : fwc_fail(c, 2, "expected accept or drop");
	if (fwc_end(c, 3))
		return -1;
	struct fwd_origin from = { c->w->line, c->a->col[0] };
	struct fwd_chain *ch = &c->t->doc->chain[hook];
	if (fwd_chain_declare(c->t->doc, (enum fw_hook)hook, from)) {
		return fwc_fail_at(c, from.col, "out of memory");
	}
	ch->policy = w[0] == 'a' ? FW_ACCEPT : FW_DROP;
	ch->policy_from = from;
	c->t->policy_set[hook] = true;
	ctl_ok(c->o, "policy %s %s", fwd_hook_names[hook], w);
	return 0;
}

static int txn_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	struct fwc_txn *t = txn;
	const struct fwc_cmd c = { t, a, w, o };
	if (!t->doc->cmd_name[0])
		snprintf(t->doc->cmd_name, sizeof(t->doc->cmd_name), "%s", w->name);
	bool add = fwc_is(&c, 0, "add"), del = fwc_is(&c, 0, "delete");
	if (fwc_is(&c, 0, "insert") || fwc_is(&c, 0, "replace")) {
		if (!fwc_is(&c, 1, "rule"))
			return fwc_fail(&c, 1, "expected 'rule' after '%s'", a->argv[0]);
		return cmd_rule(&c, false, a->argv[0][0] == 'r');
	}
	if (add || del) {
		if (fwc_is(&c, 1, "rule"))
			return add ? cmd_rule(&c, true, false) : cmd_delete_rule(&c);
		if (fwc_is(&c, 1, "element"))
			return fwc_elements(&c, add);
		if (fwc_is(&c, 1, "set"))
			return add ? fwc_add_set(&c) : fwc_delete_set(&c);
		const char *x = fwc_word(&c, 1);
		return x ? fwc_fail(&c, 1, "expected 'rule', 'element' or 'set' after '%s', got '%s'", a->argv[0], x)
			 : fwc_fail(&c, 1, "expected 'rule', 'element' or 'set' after '%s'", a->argv[0]);
	}
	if (fwc_is(&c, 0, "flush"))
		return cmd_flush(&c);
	if (fwc_is(&c, 0, "policy"))
		return cmd_policy(&c);
	return fwc_fail(&c, 0, "expected add, insert, replace, delete, flush or policy, got '%s'",
			a->argc ? a->argv[0] : "");
}

/* What the commands gave and took, for the summary. */
void fwc_counted(const struct fwc_cmd *c, int rules, int sets, int elems)
{
	struct fwc_txn *t = c->t;
	if (rules > 0)
		t->rules_added += (unsigned)rules;
	else
		t->rules_deleted += (unsigned)-rules;
	if (sets > 0)
		t->sets_added += (unsigned)sets;
	else
		t->sets_deleted += (unsigned)-sets;
	if (elems > 0)
		t->elems_added += (unsigned)elems;
	else
		t->elems_deleted += (unsigned)-elems;
}

struct fwd_doc *fwc_doc(const struct fwc_cmd *c)
{
	return c->t->doc;
}

/* ---- counters across a commit -------------------------------------------------------- */

struct handle_ix {
	uint64_t handle;
	unsigned ix;
};

static int by_handle(const void *x, const void *y)
{
	const struct handle_ix *a = x, *b = y;
	return a->handle < b->handle ? -1 : a->handle > b->handle;
}

/* The rules of new chain nc (compiled into nrs) that old chain oc (in ors) has too. */
static void carry_chain(const struct fwd_chain *oc, const struct fw_ruleset *ors, const struct fwd_chain *nc,
			struct fw_ruleset *nrs, unsigned h)
{
	if (oc->n != ors->cfg.chain[h].n_rules || nc->n != nrs->cfg.chain[h].n_rules)
		return;             /* not the rulesets these documents were compiled into */
	if (oc->declared && nc->declared && oc->policy == nc->policy)
		nrs->policy_pkts[h] += ors->policy_pkts[h];
	struct handle_ix *ix = oc->n && nc->n ? malloc(oc->n * sizeof(*ix)) : NULL;
	if (!ix)
		return;             /* nothing to carry, or no memory: the counters start over */
	for (unsigned i = 0; i < oc->n; i++)
		ix[i] = (struct handle_ix){ oc->rules[i].handle, i };
	qsort(ix, oc->n, sizeof(*ix), by_handle);
	for (unsigned j = 0; j < nc->n; j++) {
		unsigned lo = 0, hi = oc->n;
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (ix[mid].handle < nc->rules[j].handle)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == oc->n || ix[lo].handle != nc->rules[j].handle)
			continue;
		unsigned i = ix[lo].ix;
		if (strcmp(oc->rules[i].text, nc->rules[j].text))
			continue;
		const struct fw_rule_state *from = &ors->state[h][i];
		struct fw_rule_state *to = &nrs->state[h][j];
		to->pkts += from->pkts;
		to->bytes += from->bytes;
		to->limited += from->limited;
		to->limit = from->limit;
	}
	free(ix);
}

void fwc_reloaded(struct fw_app *a, struct fw_ruleset *old, struct fw_ruleset *rs, const char *name, const char *text,
		  size_t len)
{
	struct fwc_txn *t = a->ctl_txn;
	a->ctl_txn = NULL;
	if (t && a->doc && t->out.s && t->out.len == len && !memcmp(t->out.s, text, len)) {
		for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
			carry_chain(&a->doc->chain[h], old, &t->doc->chain[h], rs, h);
		t->reloaded = true;     /* txn_adopt makes its document the running one */
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
	.txn_free = txn_free,
	.txn_cmd = txn_cmd,
	.txn_summary = txn_summary,
	.txn_render = txn_render,
	.txn_where = txn_where,
	.txn_adopt = txn_adopt,
	.show = fwc_show,
	.shows = "rules|counters|connections|interfaces|config|sets",
};
