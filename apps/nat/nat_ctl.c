/* The nat appliance's command namespace on the control socket (apps/ctl.h): transactions
 * on a copy of the running config's document (nat_ctl_int.h), nft's incremental commands
 * on its NAT chains, and the hit counts of the rules a commit keeps. The transactions and
 * the commands are every namespace's (ctl_txn.h); nat's own is how a rule is checked. The
 * shows are nat_ctl_show.c.
 *
 *   add rule CHAIN [position H] RULE        append (after the rule with handle H)
 *   insert rule CHAIN [position H] RULE     prepend (before the rule with handle H)
 *   replace rule CHAIN handle H RULE        a new rule, and handle, in its place
 *   delete rule CHAIN handle H
 *   flush chain CHAIN
 *
 * CHAIN is prerouting or postrouting. Each command is checked when it is given, at the
 * column of the word at fault ("ctl:3:27: no interface named 'wan0' ..."): its rule is
 * read by the NAT's own parser, in its chain, among the interfaces, sets and nat block the
 * running config declares before the chain. The commit renders the copy, and the reload
 * parses, compiles and checks all of it again (all or nothing).
 *
 * Hit counts across a commit: the engine counts the connections each rule decided by the
 * rule's index (struct nat.hits). Right after a reload's swap (nata_apply), between bursts
 * on the worker, the counts follow the rules: a rule the commit kept (same handle, same
 * text) keeps its count at its new index; a new rule, and every rule of a load or any other
 * reload (new handles), starts from zero.
 */
#include "nat_ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void natc_loaded(struct nat_app *a, const char *name, const char *text, size_t len)
{
	char err[300];
	a->doc = natd_build(name, text, len, err, sizeof(err));
	if (!a->doc && a->emit) {
		char line[400];
		snprintf(line, sizeof(line), "nat: control: no document of the config (%s): transactions refused until "
			 "the next load", err);
		a->emit(a->emit_arg, line);
	}
}

void natc_teardown(struct nat_app *a)
{
	natd_free(a->doc);
	a->doc = NULL;
}

/* ---- transactions (ctl_txn.h) -------------------------------------------------------- */

static void adopt(void *app, struct ctld_doc *doc)
{
	struct nat_app *a = app;
	natd_free(a->doc);
	a->doc = (struct natd_doc *)doc;
}

static struct ctlt *reloading(void *app)
{
	struct natc_txn *t = ((struct nat_app *)app)->ctl_txn;
	return t ? &t->c : NULL;
}

static void set_reloading(void *app, struct ctlt *t)
{
	((struct nat_app *)app)->ctl_txn = (struct natc_txn *)t;
}

static void txn_release(struct ctlt *txn)
{
	struct natc_txn *t = (struct natc_txn *)txn;
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++)
		ctld_text_free(&t->ctx[h]);
}

static int check_rule(const struct ctlt_cmd *c, unsigned hook, unsigned at, bool replace, const struct ctlt_rule *r);

static const struct ctlt_kind nat_txn_kind = {
	.size = sizeof(struct natc_txn),
	.adopt = adopt,
	.reloading = reloading,
	.set_reloading = set_reloading,
	.release = txn_release,
	.check = check_rule,
	.no_braces = "a NAT rule has no braces (a set is named: ip saddr @SET)",
};

static void *txn_begin(void *app)
{
	struct nat_app *a = app;
	struct natc_txn *t = ctlt_begin(&nat_txn_kind, a, a->doc ? &a->doc->base : NULL);
	if (t)
		t->doc = (struct natd_doc *)t->c.doc;
	return t;
}

/* Where the kept rules' hit counts go: from n->hits[h] to to. */
struct carry {
	const struct nat *n;
	unsigned h;
	uint64_t *to;
};

static void carry_hit(void *arg, unsigned i, unsigned j)
{
	const struct carry *c = arg;
	c->to[j] = c->n->hits[c->h][i];
}

/* The hit counts of chain h's rules that the new chain nc (c's rules) keeps from the
 * running one, oc (old's rules, counted in n->hits), into to. */
static void carry_hits(const struct nat *n, unsigned h, const struct ctld_chain *oc, const struct nata_conf *old,
		       const struct ctld_chain *nc, const struct nata_conf *c, uint64_t *to)
{
	if (oc->n != old->nat.n_rule[h] || nc->n != c->nat.n_rule[h])
		return;             /* not the configs these documents were read from */
	struct carry k = { n, h, to };
	ctld_chain_kept(oc, nc, carry_hit, &k);
}

void natc_reloaded(struct nat_app *a, const struct nata_conf *old, const struct nata_conf *c)
{
	const struct ctld_doc *running = a->doc ? &a->doc->base : NULL;
	struct natc_txn *t = (struct natc_txn *)ctlt_reloaded(&nat_txn_kind, a, running, c->text, c->text_len);
	uint64_t (*hits)[NAT_MAX_RULES] = calloc(NAT_HOOK__COUNT, sizeof(*hits));
	if (t) {
		for (unsigned h = 0; h < NAT_HOOK__COUNT && hits; h++)
			carry_hits(&a->nat, h, &a->doc->chain[h], old, &t->doc->chain[h], c, hits[h]);
	} else {
		natd_free(a->doc);
		natc_loaded(a, c->name, c->text, c->text_len);
	}
	if (hits)
		memcpy(a->nat.hits, hits, sizeof(a->nat.hits));
	else
		memset(a->nat.hits, 0, sizeof(a->nat.hits));
	free(hits);
}

/* ---- commands ------------------------------------------------------------------------ */

/* r read by the NAT's parser as the rule at index at of hook's chain (in the place of the
 * rule there: replace), after the statements it may name, at the command's line and
 * column; -1 with the parser's error there. */
static int check_rule(const struct ctlt_cmd *c, unsigned hook, unsigned at, bool replace, const struct ctlt_rule *r)
{
	struct natc_txn *t = (struct natc_txn *)c->t;
	if (!t->ctx_ok[hook]) {
		if (natd_context(t->doc, (enum nat_hook)hook, &t->ctx[hook], &t->ctx_lines[hook]))
			return ctlt_fail_at(c, r->from.col, "out of memory");
		t->ctx_ok[hook] = true;
	}
	const struct ctld_chain *ch = &t->doc->chain[hook];
	struct ctld_text b = { 0 };
	ctld_text_start(&b);
	ctld_put(&b, t->ctx[hook].s, t->ctx[hook].len);
	ctld_puts(&b, "chain ");
	ctld_puts(&b, natd_hook_names[hook]);
	ctld_puts(&b, " {\n");
	for (unsigned k = 0; k < ch->n + 1; k++) {
		if (k == at) {
			for (unsigned i = 1; i < r->from.col; i++)
				ctld_put(&b, " ", 1);
			ctld_put(&b, r->text, r->len);
			ctld_put(&b, "\n", 1);
			continue;
		}
		unsigned i = k < at ? k : k - 1 + replace;
		if (i >= ch->n || (replace && k == ch->n))
			continue;
		ctld_put(&b, "\t", 1);
		ctld_puts(&b, ch->rules[i].text);
		ctld_put(&b, "\n", 1);
	}
	ctld_puts(&b, "}\n");
	struct nat_config *nc = b.oom ? NULL : malloc(sizeof(*nc));
	struct cf_config *cf = nc ? calloc(1, sizeof(*cf)) : NULL;
	if (!cf) {
		free(nc);
		ctld_text_free(&b);
		return ctlt_fail_at(c, r->from.col, "out of memory");
	}
	nat_config_init(nc);
	struct cf_ext ext;
	nat_config_ext(nc, &ext);
	struct cf_err fe = { "" };
	int rc = cf_parse(cf, &ext, 1, c->w->name, b.s, b.len, &fe);
	cf_config_free(cf);
	free(cf);
	free(nc);
	ctld_text_free(&b);
	return rc ? ctlt_parse_error(c, fe.msg, t->ctx_lines[hook] + 2 + at, r) : 0;
}

static int txn_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	const struct ctlt_cmd c = ctlt_cmd(txn, a, w, o);
	const char *v = ctlt_word(&c, 0);
	bool add_ = ctlt_is(&c, 0, "add"), ins = ctlt_is(&c, 0, "insert"), rep = ctlt_is(&c, 0, "replace"),
	     del = ctlt_is(&c, 0, "delete");
	if (add_ || ins || rep || del) {
		if (!ctlt_is(&c, 1, "rule")) {
			const char *x = ctlt_word(&c, 1);
			return x ? ctlt_fail(&c, 1, "expected 'rule' after '%s', got '%s'", v, x)
				 : ctlt_fail(&c, 1, "expected 'rule' after '%s'", v);
		}
		return del ? ctlt_delete_rule(&c) : ctlt_rule_cmd(&c, add_, rep);
	}
	if (ctlt_is(&c, 0, "flush"))
		return ctlt_flush(&c);
	return ctlt_fail(&c, 0, "expected add, insert, replace, delete or flush, got '%s'", v ? v : "");
}

const struct ctl_ns nata_ctl_ns = {
	.name = "nat",
	.help = "nat add rule CHAIN [position H] RULE     append a NAT rule (after the rule with handle H);\n"
		"                                         CHAIN: prerouting or postrouting\n"
		"nat insert rule CHAIN [position H] RULE  prepend a NAT rule (before the rule with handle H)\n"
		"nat replace rule CHAIN handle H RULE     a new rule in H's place (and a new handle)\n"
		"nat delete rule CHAIN handle H           delete a rule\n"
		"nat flush chain CHAIN                    delete a chain's rules\n"
		"show nat sessions [limit N]              translated connections (1000 unless told)\n"
		"show nat mappings [limit N]              endpoint-independent mappings (1000 unless told)\n"
		"show nat counters                        the NAT's counters and drops by reason\n"
		"show nat rules [CHAIN]                   the NAT chains: rules, handles, hits, pools\n"
		"show connections [limit N]               the connection table, translations included\n"
		"show config                              the running config's text\n",
	.txn_begin = txn_begin,
	.txn_free = ctlt_free,
	.txn_cmd = txn_cmd,
	.txn_summary = ctlt_summary,
	.txn_render = ctlt_render,
	.txn_where = ctlt_where,
	.txn_adopt = ctlt_adopt,
	.show = natc_show,
	.shows = "nat|connections|interfaces|config",
};
