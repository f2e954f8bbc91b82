/* The commands on a transaction's chains (ctl_txn.h): a command's words and the errors at
 * their columns, a rule's text as typed (checked by the namespace's parser), and add,
 * insert, replace, delete and flush on the copy. */
#include "ctl_txn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- words ----------------------------------------------------------------------------- */

struct ctlt_cmd ctlt_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	struct ctlt *t = txn;
	if (!t->doc->cmd_name[0])
		snprintf(t->doc->cmd_name, sizeof(t->doc->cmd_name), "%s", w->name);
	return (struct ctlt_cmd){ t, a, w, o };
}

static void fail_v(const struct ctlt_cmd *c, unsigned col, const char *fmt, va_list ap)
{
	char msg[CTL_STATUS_MAX - 64];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ctl_error(c->o, "%s:%u:%u: %s", c->w->name, c->w->line, col, msg);
}

int ctlt_fail_at(const struct ctlt_cmd *c, unsigned col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(c, col, fmt, ap);
	va_end(ap);
	return -1;
}

int ctlt_fail(const struct ctlt_cmd *c, int i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(c, ctlt_col(c, i), fmt, ap);
	va_end(ap);
	return -1;
}

unsigned ctlt_col(const struct ctlt_cmd *c, int i)
{
	const struct ctl_args *a = c->a;
	if (i < a->argc)
		return a->col[i];
	return a->argc ? a->col[a->argc - 1] + (unsigned)strlen(a->argv[a->argc - 1]) : 1;
}

bool ctlt_is(const struct ctlt_cmd *c, int i, const char *w)
{
	return i < c->a->argc && !strcmp(c->a->argv[i], w);
}

const char *ctlt_word(const struct ctlt_cmd *c, int i)
{
	return i < c->a->argc ? c->a->argv[i] : NULL;
}

int ctlt_end(const struct ctlt_cmd *c, int i)
{
	if (i < c->a->argc)
		return ctlt_fail(c, i, "expected the end of the command, got '%s'", c->a->argv[i]);
	return 0;
}

/* The command's text from word i to the end of its line as typed: the session's line at
 * the word's column (the line may begin with the namespace's word, or with argv[0]);
 * else the words again, one space apart (*owned). NULL: no memory. */
static const char *tail(const struct ctlt_cmd *c, int i, size_t *len, char **owned)
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
	struct ctld_text b = { 0 };
	for (int j = i; j < a->argc; j++) {
		if (j > i)
			ctld_put(&b, " ", 1);
		ctld_puts(&b, a->argv[j]);
	}
	if (b.oom) {
		ctld_text_free(&b);
		return NULL;
	}
	*owned = b.s;
	*len = b.len;
	return b.s;
}

const char *ctlt_lex_tail(const struct ctlt_cmd *c, int i, struct cf_lex *lx, struct cf_err *fe, char **owned)
{
	size_t len;
	const char *text = tail(c, i, &len, owned);
	if (!text)
		return NULL;
	cf_lex_init(lx, c->w->name, text, len, fe);
	lx->line = c->w->line;
	lx->col = c->a->col[i];
	return text;
}

bool ctlt_at_end(const struct cf_tok *t)
{
	return t->kind == CF_T_END || (t->kind == CF_T_EOS && t->text[0] == '\n');
}

/* ---- chains, handles, rules ------------------------------------------------------------ */

static struct ctld_chain *chain(const struct ctlt_cmd *c, int hook)
{
	return &c->t->doc->chain[hook];
}

int ctlt_chain_arg(const struct ctlt_cmd *c, int i, bool declared)
{
	const struct ctld_shape *k = c->t->doc->shape;
	char choice[128];
	ctld_hook_choice(k->hooks, k->n_hooks, choice, sizeof(choice));
	const char *w = ctlt_word(c, i);
	if (!w)
		return ctlt_fail(c, i, "expected a chain: %s", choice);
	int h = ctld_hook(k->hooks, k->n_hooks, w, strlen(w));
	if (h < 0)
		return ctlt_fail(c, i, "unknown chain '%s' (%s)", w, choice);
	if (declared && !chain(c, h)->declared)
		return ctlt_fail(c, i, "chain '%s' is not declared", w);
	return h;
}

/* The handle H as word i of hook's chain: the rule's index, or -1 with the error. */
static int handle_arg(const struct ctlt_cmd *c, int i, int hook)
{
	const char *w = ctlt_word(c, i);
	uint64_t h = 0;
	bool ok = w && *w && strlen(w) <= 18;
	for (const char *p = w; ok && *p; p++) {
		ok = *p >= '0' && *p <= '9';
		h = h * 10 + (uint64_t)(*p - '0');
	}
	if (!ok)
		return w ? ctlt_fail(c, i, "expected a rule handle (a number), got '%s'", w)
			 : ctlt_fail(c, i, "expected a rule handle (a number)");
	int at = ctld_rule_find(chain(c, hook), h);
	if (at < 0)
		return ctlt_fail(c, i, "no rule with handle %s in chain %s", w, c->t->doc->shape->hooks[hook]);
	return at;
}

int ctlt_parse_error(const struct ctlt_cmd *c, const char *msg, unsigned rule_line, const struct ctlt_rule *r)
{
	const char *p = msg + strlen(c->w->name) + 1, *why = strstr(p, ": ");
	unsigned line = 0, col = 0;
	while (*p >= '0' && *p <= '9')
		line = line * 10 + (unsigned)(*p++ - '0');
	if (*p == ':')
		while (*++p >= '0' && *p <= '9')
			col = col * 10 + (unsigned)(*p - '0');
	return ctlt_fail_at(c, line == rule_line && col ? col : r->from.col, "%s", why ? why + 2 : msg);
}

static void rule_free(struct ctlt_rule *r)
{
	free(r->owned);
	r->owned = NULL;
}

/* The rule from word i to the end of the line, to go at index at of hook's chain (in the
 * place of the rule there: replace), checked; -1 with the error at its column. */
static int rule_text(const struct ctlt_cmd *c, int i, int hook, unsigned at, bool replace, struct ctlt_rule *r)
{
	const struct ctlt_kind *k = c->t->kind;
	memset(r, 0, sizeof(*r));
	if (i >= c->a->argc)
		return ctlt_fail(c, i, "expected a rule");
	struct cf_lex lx;
	struct cf_err fe = { "" };
	if (!ctlt_lex_tail(c, i, &lx, &fe, &r->owned))
		return ctlt_fail(c, i, "out of memory");
	const char *from = NULL, *to = NULL;
	int depth = 0;
	for (;;) {
		struct cf_tok t = cf_lex_next(&lx);
		if (ctlt_at_end(&t))
			break;
		if (t.kind == CF_T_ERROR) {
			ctl_error(c->o, "%s", fe.msg);
			goto fail;
		}
		if (t.kind == CF_T_EOS) {       /* ';': nothing may follow */
			struct cf_tok n = cf_lex_next(&lx);
			if (ctlt_at_end(&n))
				break;
			ctlt_fail_at(c, n.col, "one rule a command: nothing after its ';'");
			goto fail;
		}
		if (k->no_braces && (t.kind == CF_T_LBRACE || t.kind == CF_T_RBRACE)) {
			ctlt_fail_at(c, t.col, "unexpected '%c': %s", t.kind == CF_T_LBRACE ? '{' : '}', k->no_braces);
			goto fail;
		}
		if (t.kind == CF_T_RBRACE && !depth) {
			ctlt_fail_at(c, t.col, "unexpected '}' (no '{' before it)");
			goto fail;
		}
		depth += t.kind == CF_T_LBRACE ? 1 : t.kind == CF_T_RBRACE ? -1 : 0;
		if (!from) {
			from = ctld_tok_start(&t);
			r->from = (struct ctld_origin){ c->w->line, t.col };
		}
		to = ctld_tok_end(&t);
	}
	if (!from) {
		ctlt_fail(c, i, "expected a rule");
		goto fail;
	}
	r->text = from;
	r->len = (size_t)(to - from);
	if (!k->check(c, (unsigned)hook, at, replace, r))
		return 0;
fail:
	rule_free(r);
	return -1;
}

/* ---- the commands ---------------------------------------------------------------------- */

/* r at index at of hook's chain, declared if it was not; -1: no memory, nothing changed. */
static int insert(const struct ctlt_cmd *c, int hook, unsigned at, const struct ctlt_rule *r, uint64_t *h)
{
	struct ctld_chain *ch = chain(c, hook);
	char *text = ctld_rule_room(ch, r->text, r->len);
	if (!text || ctld_chain_declare(c->t->doc, (unsigned)hook, r->from)) {
		free(text);
		return -1;
	}
	*h = ctld_rule_put(ch, at, text, r->from);
	return 0;
}

int ctlt_rule_cmd(const struct ctlt_cmd *c, bool append, bool replace)
{
	const struct ctld_shape *k = c->t->doc->shape;
	int hook = ctlt_chain_arg(c, 2, replace);
	if (hook < 0)
		return -1;
	struct ctld_chain *ch = chain(c, hook);
	unsigned at = append ? ch->n : 0;
	int i = 3;
	if (replace || ctlt_is(c, 3, "position")) {
		if (replace && !ctlt_is(c, 3, "handle"))
			return ctlt_fail(c, 3, "expected 'handle H' (the rule to replace)");
		int h = handle_arg(c, 4, hook);
		if (h < 0)
			return -1;
		at = (unsigned)h + (append && !replace);
		i = 5;
	}
	if (ch->n == k->max_rules && !replace)
		return ctlt_fail(c, 2, "chain %s holds %u rules, the most it may", k->hooks[hook], k->max_rules);
	struct ctlt_rule r;
	if (rule_text(c, i, hook, at, replace, &r))
		return -1;
	uint64_t handle = 0;
	int rc = replace ? ctld_rule_replace(ch, at, r.text, r.len, r.from, &handle) : insert(c, hook, at, &r, &handle);
	rule_free(&r);
	if (rc)
		return ctlt_fail_at(c, r.from.col, "out of memory");
	c->t->rules_added++;
	c->t->rules_deleted += replace;
	ctl_ok(c->o, "handle %llu", (unsigned long long)handle);
	if (c->o->json)
		ctl_printf(c->o, "{\"handle\":%llu}\n", (unsigned long long)handle);
	return 0;
}

int ctlt_delete_rule(const struct ctlt_cmd *c)
{
	int hook = ctlt_chain_arg(c, 2, true);
	if (hook < 0)
		return -1;
	if (!ctlt_is(c, 3, "handle"))
		return ctlt_fail(c, 3, "expected 'handle H' (the rule to delete)");
	int at = handle_arg(c, 4, hook);
	if (at < 0 || ctlt_end(c, 5))
		return -1;
	struct ctld_chain *ch = chain(c, hook);
	uint64_t h = ch->rules[at].handle;
	ctld_rule_delete(ch, (unsigned)at);
	c->t->rules_deleted++;
	ctl_ok(c->o, "deleted rule handle %llu", (unsigned long long)h);
	return 0;
}

int ctlt_flush(const struct ctlt_cmd *c)
{
	if (!ctlt_is(c, 1, "chain"))
		return ctlt_fail(c, 1, "expected 'chain' after 'flush'");
	int hook = ctlt_chain_arg(c, 2, true);
	if (hook < 0 || ctlt_end(c, 3))
		return -1;
	struct ctld_chain *ch = chain(c, hook);
	unsigned n = ch->n;
	ctld_chain_flush(ch);
	c->t->rules_deleted += n;
	ctl_ok(c->o, "flushed %u rule%s", n, n == 1 ? "" : "s");
	return 0;
}
