/* The nat appliance's command namespace on the control socket (apps/ctl.h): transactions
 * on a copy of the running config's document (nat_ctl_int.h), nft's incremental commands
 * on its NAT chains, and the hit counts of the rules a commit keeps. The shows are
 * nat_ctl_show.c.
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

#include "cf_lex.h"

#include <stdarg.h>
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

/* The hit counts of chain h's rules that the new chain nc (c's rules) keeps from the
 * running one, oc (old's rules, counted in n->hits), into to. */
static void carry_hits(const struct nat *n, unsigned h, const struct natd_chain *oc, const struct nata_conf *old,
		       const struct natd_chain *nc, const struct nata_conf *c, uint64_t *to)
{
	if (oc->n != old->nat.n_rule[h] || nc->n != c->nat.n_rule[h])
		return;             /* not the configs these documents were read from */
	for (unsigned j = 0; j < nc->n; j++) {
		int i = natd_rule_find(oc, nc->rules[j].handle);
		if (i >= 0 && !strcmp(oc->rules[i].text, nc->rules[j].text))
			to[j] = n->hits[h][i];
	}
}

void natc_reloaded(struct nat_app *a, const struct nata_conf *old, const struct nata_conf *c)
{
	struct natc_txn *t = a->ctl_txn;
	a->ctl_txn = NULL;
	uint64_t (*hits)[NAT_MAX_RULES] = calloc(NAT_HOOK__COUNT, sizeof(*hits));
	if (t && a->doc && t->out.s && t->out.len == c->text_len && !memcmp(t->out.s, c->text, c->text_len)) {
		for (unsigned h = 0; h < NAT_HOOK__COUNT && hits; h++)
			carry_hits(&a->nat, h, &a->doc->chain[h], old, &t->doc->chain[h], c, hits[h]);
		t->reloaded = true;     /* txn_adopt makes its document the running one */
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

/* ---- transactions -------------------------------------------------------------------- */

static void *txn_begin(void *app)
{
	struct nat_app *a = app;
	if (!a->doc)
		return NULL;
	struct natc_txn *t = calloc(1, sizeof(*t));
	if (t && !(t->doc = natd_copy(a->doc))) {
		free(t);
		t = NULL;
	}
	if (t)
		t->app = a;
	return t;
}

static void txn_release(struct natc_txn *t)
{
	natd_text_free(&t->out);
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++)
		natd_text_free(&t->ctx[h]);
	free(t);
}

static void txn_adopt(void *app, void *txn)
{
	struct nat_app *a = app;
	struct natc_txn *t = txn;
	if (a->ctl_txn == t)
		a->ctl_txn = NULL;
	natd_settle(t->doc);
	natd_free(a->doc);
	a->doc = t->doc;
	txn_release(t);
}

static void txn_free(void *txn)
{
	struct natc_txn *t = txn;
	if (!t)
		return;
	if (t->reloaded) {          /* its text is in force: it is the running document */
		txn_adopt(t->app, t);
		return;
	}
	if (t->app->ctl_txn == t)
		t->app->ctl_txn = NULL;
	natd_free(t->doc);
	txn_release(t);
}

static int txn_render(void *txn, const char *name, const char **text, size_t *len)
{
	struct natc_txn *t = txn;
	(void)name;
	if (natd_render(t->doc, &t->out))
		return -1;
	t->app->ctl_txn = t;
	*text = t->out.s;
	*len = t->out.len;
	return 0;
}

static void txn_where(void *txn, unsigned line, unsigned col, char *buf, size_t len)
{
	struct natc_txn *t = txn;
	natd_where(t->doc, &t->out, line, col, buf, len);
}

static void txn_summary(void *txn, char *buf, size_t len)
{
	struct natc_txn *t = txn;
	unsigned add = t->rules_added, del = t->rules_deleted;
	if (!add && !del)
		snprintf(buf, len, "no change");
	else if (add && del)
		snprintf(buf, len, "+%u rule%s -%u rule%s", add, add == 1 ? "" : "s", del, del == 1 ? "" : "s");
	else if (add)
		snprintf(buf, len, "+%u rule%s", add, add == 1 ? "" : "s");
	else
		snprintf(buf, len, "-%u rule%s", del, del == 1 ? "" : "s");
}

/* ---- commands ------------------------------------------------------------------------ */

/* One command: its words (argv[0] is the verb), where it came from, its answer. */
struct cmd {
	struct natc_txn *t;
	const struct ctl_args *a;
	const struct ctl_where *w;
	struct ctl_out *o;
};

static int fail_at(const struct cmd *c, unsigned col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(const struct cmd *c, unsigned col, const char *fmt, ...)
{
	char msg[CTL_STATUS_MAX - 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_error(c->o, "%s:%u:%u: %s", c->w->name, c->w->line, col, msg);
	return -1;
}

/* Word i's column; past the last word, the end of the line. */
static unsigned col_of(const struct cmd *c, int i)
{
	const struct ctl_args *a = c->a;
	if (i < a->argc)
		return a->col[i];
	return a->argc ? a->col[a->argc - 1] + (unsigned)strlen(a->argv[a->argc - 1]) : 1;
}

#define fail(c, i, ...) fail_at((c), col_of((c), (i)), __VA_ARGS__)

static const char *word(const struct cmd *c, int i)
{
	return i < c->a->argc ? c->a->argv[i] : NULL;
}

static bool is(const struct cmd *c, int i, const char *w)
{
	return i < c->a->argc && !strcmp(c->a->argv[i], w);
}

static int end_of(const struct cmd *c, int i)
{
	if (i < c->a->argc)
		return fail(c, i, "expected the end of the command, got '%s'", c->a->argv[i]);
	return 0;
}

/* CHAIN as word i: its hook, or -1 with the error; declared: it must be. */
static int chain_arg(const struct cmd *c, int i, bool declared)
{
	const char *w = word(c, i);
	if (!w)
		return fail(c, i, "expected a chain: prerouting or postrouting");
	int h = natd_hook(w, strlen(w));
	if (h < 0)
		return fail(c, i, "unknown chain '%s' (prerouting or postrouting)", w);
	if (declared && !c->t->doc->chain[h].declared)
		return fail(c, i, "chain '%s' is not declared", w);
	return h;
}

/* The handle H as word i of hook's chain: the rule's index, or -1 with the error. */
static int handle_arg(const struct cmd *c, int i, int hook)
{
	const char *w = word(c, i);
	uint64_t h = 0;
	bool ok = w && *w && strlen(w) <= 18;
	for (const char *p = w; ok && *p; p++) {
		ok = *p >= '0' && *p <= '9';
		h = h * 10 + (uint64_t)(*p - '0');
	}
	if (!ok)
		return w ? fail(c, i, "expected a rule handle (a number), got '%s'", w)
			 : fail(c, i, "expected a rule handle (a number)");
	int at = natd_rule_find(&c->t->doc->chain[hook], h);
	if (at < 0)
		return fail(c, i, "no rule with handle %s in chain %s", w, natd_hook_names[hook]);
	return at;
}

/* The command's text from word i to the end of its line as typed: the session's line at
 * the word's column; else the words again, one space apart (*owned). NULL: no memory. */
static const char *tail(const struct cmd *c, int i, size_t *len, char **owned)
{
	const struct ctl_args *a = c->a;
	const char *w = a->argv[i];
	size_t wl = strlen(w);
	*owned = NULL;
	if (a->line && a->col[i] >= a->col[0] && a->col[0] >= 1) {
		size_t ll = strlen(a->line), at[2] = { a->col[i] - 1, a->col[i] - a->col[0] };
		for (unsigned k = 0; k < 2; k++)
			if (at[k] + wl <= ll && !memcmp(a->line + at[k], w, wl)) {
				*len = ll - at[k];
				return a->line + at[k];
			}
	}
	size_t n = 0;
	for (int j = i; j < a->argc; j++)
		n += strlen(a->argv[j]) + 1;
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	size_t k = 0;
	for (int j = i; j < a->argc; j++) {
		if (j > i)
			s[k++] = ' ';
		memcpy(s + k, a->argv[j], strlen(a->argv[j]));
		k += strlen(a->argv[j]);
	}
	s[k] = 0;
	*owned = s;
	*len = k;
	return s;
}

/* A rule as given from word i: its text (in the command's line, or owned) and the column
 * where it starts. */
struct rule {
	const char *text;
	size_t len;
	unsigned col;
	char *owned;
};

/* A growing text for the check; oom once anything failed. */
static void add(char **s, size_t *len, size_t *cap, bool *oom, const char *t, size_t n)
{
	if (*oom)
		return;
	if (*len + n + 1 > *cap) {
		size_t nc = (*len + n + 1) * 2;
		char *b = realloc(*s, nc);
		if (!b) {
			*oom = true;
			return;
		}
		*s = b;
		*cap = nc;
	}
	memcpy(*s + *len, t, n);
	*len += n;
	(*s)[*len] = 0;
}

/* r read by the NAT's parser as the rule at index at of hook's chain (in the place of the
 * rule there: replace), after the statements it may name, at the command's line and
 * column; -1 with the parser's error there. */
static int check_rule(const struct cmd *c, int hook, unsigned at, bool replace, const struct rule *r)
{
	struct natc_txn *t = c->t;
	if (!t->ctx_ok[hook]) {
		if (natd_context(t->doc, (enum nat_hook)hook, &t->ctx[hook], &t->ctx_lines[hook]))
			return fail_at(c, r->col, "out of memory");
		t->ctx_ok[hook] = true;
	}
	const struct natd_chain *ch = &t->doc->chain[hook];
	char *s = NULL;
	size_t len = 0, cap = 0;
	bool oom = false;
	add(&s, &len, &cap, &oom, t->ctx[hook].s, t->ctx[hook].len);
	add(&s, &len, &cap, &oom, "chain ", 6);
	add(&s, &len, &cap, &oom, natd_hook_names[hook], strlen(natd_hook_names[hook]));
	add(&s, &len, &cap, &oom, " {\n", 3);
	for (unsigned k = 0; k < ch->n + 1; k++) {
		if (k == at) {
			for (unsigned i = 1; i < r->col; i++)
				add(&s, &len, &cap, &oom, " ", 1);
			add(&s, &len, &cap, &oom, r->text, r->len);
			add(&s, &len, &cap, &oom, "\n", 1);
			continue;
		}
		unsigned i = k < at ? k : k - 1 + replace;
		if (i >= ch->n || (replace && k == ch->n))
			continue;
		add(&s, &len, &cap, &oom, "\t", 1);
		add(&s, &len, &cap, &oom, ch->rules[i].text, strlen(ch->rules[i].text));
		add(&s, &len, &cap, &oom, "\n", 1);
	}
	add(&s, &len, &cap, &oom, "}\n", 2);
	struct nat_config *nc = oom ? NULL : malloc(sizeof(*nc));
	struct cf_config *cf = nc ? calloc(1, sizeof(*cf)) : NULL;
	if (!cf) {
		free(nc);
		free(s);
		return fail_at(c, r->col, "out of memory");
	}
	nat_config_init(nc);
	struct cf_ext ext;
	nat_config_ext(nc, &ext);
	struct cf_err fe = { "" };
	const char *name = c->w->name;
	int rc = cf_parse(cf, &ext, 1, name, s, len, &fe);
	cf_config_free(cf);
	free(cf);
	free(nc);
	free(s);
	if (!rc)
		return 0;
	/* "NAME:LINE:COL: why": on the rule's line, its column is the command's */
	const char *p = fe.msg + strlen(name) + 1, *why = strstr(p, ": ");
	unsigned line = 0, col = 0;
	while (*p >= '0' && *p <= '9')
		line = line * 10 + (unsigned)(*p++ - '0');
	if (*p == ':')
		while (*++p >= '0' && *p <= '9')
			col = col * 10 + (unsigned)(*p - '0');
	unsigned rule_line = t->ctx_lines[hook] + 2 + at;
	return fail_at(c, line == rule_line && col ? col : r->col, "%s", why ? why + 2 : fe.msg);
}

static bool at_end(const struct cf_tok *t)
{
	return t->kind == CF_T_END || (t->kind == CF_T_EOS && t->text[0] == '\n');
}

/* The rule from word i to the end of the line, to go at index at of hook's chain (in the
 * place of the rule there: replace), checked; -1 with the error at its column. */
static int rule_text(const struct cmd *c, int i, int hook, unsigned at, bool replace, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	if (i >= c->a->argc)
		return fail(c, i, "expected a rule");
	size_t len;
	const char *text = tail(c, i, &len, &r->owned);
	if (!text)
		return fail(c, i, "out of memory");
	struct cf_err fe = { "" };
	struct cf_lex lx;
	cf_lex_init(&lx, c->w->name, text, len, &fe);
	lx.line = c->w->line;
	lx.col = c->a->col[i];
	const char *from = NULL, *to = NULL;
	for (;;) {
		struct cf_tok k = cf_lex_next(&lx);
		if (at_end(&k))
			break;
		if (k.kind == CF_T_ERROR) {
			ctl_error(c->o, "%s", fe.msg);
			goto bad;
		}
		if (k.kind == CF_T_EOS) {       /* ';': nothing may follow */
			struct cf_tok n = cf_lex_next(&lx);
			if (at_end(&n))
				break;
			fail_at(c, n.col, "one rule a command: nothing after its ';'");
			goto bad;
		}
		if (k.kind == CF_T_LBRACE || k.kind == CF_T_RBRACE) {
			fail_at(c, k.col, "unexpected '%c': a NAT rule has no braces (a set is named: ip saddr @SET)",
				k.kind == CF_T_LBRACE ? '{' : '}');
			goto bad;
		}
		if (!from) {
			from = k.kind == CF_T_STRING ? k.text - 1 : k.text;
			r->col = k.col;
		}
		to = k.text + k.len + (k.kind == CF_T_STRING);
	}
	if (!from) {
		fail(c, i, "expected a rule");
		goto bad;
	}
	r->text = from;
	r->len = (size_t)(to - from);
	if (!check_rule(c, hook, at, replace, r))
		return 0;
bad:
	free(r->owned);
	r->owned = NULL;
	return -1;
}

/* add|insert rule CHAIN [position H] RULE, replace rule CHAIN handle H RULE */
static int cmd_rule(const struct cmd *c, bool append, bool replace)
{
	int hook = chain_arg(c, 2, replace);
	if (hook < 0)
		return -1;
	struct natd_doc *d = c->t->doc;
	const struct natd_chain *ch = &d->chain[hook];
	unsigned at = append ? ch->n : 0;
	int i = 3;
	if (replace || is(c, 3, "position")) {
		if (replace && !is(c, 3, "handle"))
			return fail(c, 3, "expected 'handle H' (the rule to replace)");
		int k = handle_arg(c, 4, hook);
		if (k < 0)
			return -1;
		at = (unsigned)k + (append && !replace);
		i = 5;
	}
	if (ch->n == NAT_MAX_RULES && !replace)
		return fail(c, 2, "chain %s holds %u rules, the most it may", natd_hook_names[hook], NAT_MAX_RULES);
	struct rule r;
	if (rule_text(c, i, hook, at, replace, &r))
		return -1;
	uint64_t handle = 0;
	struct natd_origin from = { c->w->line, r.col };
	int rc = replace ? natd_rule_replace(d, (enum nat_hook)hook, at, r.text, r.len, from, &handle)
			 : natd_rule_insert(d, (enum nat_hook)hook, at, r.text, r.len, from, &handle);
	free(r.owned);
	if (rc)
		return fail_at(c, from.col, "out of memory");
	c->t->rules_added++;
	c->t->rules_deleted += replace;
	ctl_ok(c->o, "handle %llu", (unsigned long long)handle);
	if (c->o->json)
		ctl_printf(c->o, "{\"handle\":%llu}\n", (unsigned long long)handle);
	return 0;
}

static int cmd_delete_rule(const struct cmd *c)
{
	int hook = chain_arg(c, 2, true);
	if (hook < 0)
		return -1;
	if (!is(c, 3, "handle"))
		return fail(c, 3, "expected 'handle H' (the rule to delete)");
	int at = handle_arg(c, 4, hook);
	if (at < 0 || end_of(c, 5))
		return -1;
	uint64_t h = c->t->doc->chain[hook].rules[at].handle;
	natd_rule_delete(c->t->doc, (enum nat_hook)hook, (unsigned)at);
	c->t->rules_deleted++;
	ctl_ok(c->o, "deleted rule handle %llu", (unsigned long long)h);
	return 0;
}

static int cmd_flush(const struct cmd *c)
{
	if (!is(c, 1, "chain"))
		return fail(c, 1, "expected 'chain' after 'flush'");
	int hook = chain_arg(c, 2, true);
	if (hook < 0 || end_of(c, 3))
		return -1;
	unsigned n = c->t->doc->chain[hook].n;
	natd_chain_flush(c->t->doc, (enum nat_hook)hook);
	c->t->rules_deleted += n;
	ctl_ok(c->o, "flushed %u rule%s", n, n == 1 ? "" : "s");
	return 0;
}

static int txn_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	struct natc_txn *t = txn;
	const struct cmd c = { t, a, w, o };
	if (!t->doc->cmd_name[0])
		snprintf(t->doc->cmd_name, sizeof(t->doc->cmd_name), "%s", w->name);
	const char *v = word(&c, 0);
	bool add_ = is(&c, 0, "add"), ins = is(&c, 0, "insert"), rep = is(&c, 0, "replace"), del = is(&c, 0, "delete");
	if (add_ || ins || rep || del) {
		if (!is(&c, 1, "rule")) {
			const char *x = word(&c, 1);
			return x ? fail(&c, 1, "expected 'rule' after '%s', got '%s'", v, x)
				 : fail(&c, 1, "expected 'rule' after '%s'", v);
		}
		return del ? cmd_delete_rule(&c) : cmd_rule(&c, add_, rep);
	}
	if (is(&c, 0, "flush"))
		return cmd_flush(&c);
	return fail(&c, 0, "expected add, insert, replace, delete or flush, got '%s'", v ? v : "");
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
	.txn_free = txn_free,
	.txn_cmd = txn_cmd,
	.txn_summary = txn_summary,
	.txn_render = txn_render,
	.txn_where = txn_where,
	.txn_adopt = txn_adopt,
	.show = natc_show,
	.shows = "nat|connections|interfaces|config",
};
