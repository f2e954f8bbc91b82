/* fw's own control commands (fw_ctl_int.h): the check of a rule for the shared rule
 * commands (ctl_txn.h), by the rule language's parser among the copy's interfaces and
 * sets; sets and their elements, read as the config reads them. Errors point at the
 * command's column. */
#include "fw_ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statements the rule may need before hook's chain: its interfaces and sets. */
static void context(const struct fwd_doc *d, unsigned hook, struct ctld_text *b, unsigned *lines)
{
	static const char *const kinds[] = { "ipv4", "ipv6", "port" };
	for (unsigned i = 0; i < d->base.n_stmts; i++) {
		const struct ctld_stmt *it = &d->base.stmts[i];
		const struct fwd_set *s = fwd_stmt_set(it);
		if (it->kind == CTLD_CHAIN && it->hook == hook)
			break;
		if (it->kind == CTLD_RAW && !strncmp(it->text, "interface", 9) &&
		    (it->text[9] == ' ' || it->text[9] == '\t')) {
			ctld_puts(b, it->text);
			ctld_put(b, "\n", 1);
			*lines += it->n_lines;
		} else if (s) {
			ctld_puts(b, "set ");
			ctld_puts(b, s->name);
			ctld_puts(b, " ");
			ctld_puts(b, kinds[s->kind]);
			ctld_puts(b, " { }\n");
			++*lines;
		}
	}
}

int fwc_check_rule(const struct ctlt_cmd *c, unsigned hook, unsigned at, bool replace, const struct ctlt_rule *r)
{
	(void)at;                   /* a rule is parsed alone in its chain: its place does not matter */
	(void)replace;
	struct ctld_text b = { 0 };
	unsigned lines = 1;
	ctld_text_start(&b);
	context(fwc_doc(c), hook, &b, &lines);
	ctld_puts(&b, "chain ");
	ctld_puts(&b, fwd_hook_names[hook]);
	ctld_puts(&b, " {\n");
	for (unsigned k = 1; k < r->from.col; k++)
		ctld_put(&b, " ", 1);
	ctld_put(&b, r->text, r->len);
	ctld_puts(&b, "\n}\n");
	struct fw_config *cfg = b.oom ? NULL : malloc(sizeof(*cfg));
	if (!cfg) {
		ctld_text_free(&b);
		return ctlt_fail_at(c, r->from.col, "out of memory");
	}
	struct cf_err fe = { "" };
	int rc = fw_config_parse(cfg, c->w->name, b.s, b.len, &fe);
	if (!rc)
		fw_config_free(cfg);
	free(cfg);
	ctld_text_free(&b);
	return rc ? ctlt_parse_error(c, fe.msg, lines + 1, r) : 0;
}

/* { E, ... } from word i, read for set s: *n elements (canonical, with their columns) in
 * *out, which the caller frees; -1 with the error. */
static int read_elems(const struct ctlt_cmd *c, int i, const struct fwd_set *s, struct fwd_elem **out, unsigned *n)
{
	*out = NULL;
	*n = 0;
	if (i >= c->a->argc)
		return ctlt_fail(c, i, "expected '{' and the elements");
	char *owned;
	struct cf_lex lx;
	struct cf_err fe = { "" };
	if (!ctlt_lex_tail(c, i, &lx, &fe, &owned))
		return ctlt_fail(c, i, "out of memory");
	int rc = -1;
	struct cf_tok t = cf_lex_next(&lx);
	if (t.kind != CF_T_LBRACE) {
		ctlt_fail_at(c, t.col, "expected '{' and the elements");
		goto out;
	}
	for (bool want = true;;) {
		t = cf_lex_next(&lx);
		if (t.kind == CF_T_ERROR) {
			ctl_error(c->o, "%s", fe.msg);
			goto out;
		}
		if (t.kind == CF_T_RBRACE && (!want || !*n))
			break;
		if (!want && t.kind == CF_T_COMMA) {
			want = true;
			continue;
		}
		if (!want || t.kind != CF_T_WORD) {
			ctlt_fail_at(c, t.col, want ? (s->kind == CF_SET_PORT ? "expected a port or a range A-B"
									   : "expected an address or prefix")
					      : "expected ',' or '}'");
			goto out;
		}
		if (*n == CF_MAX_SET_ITEMS) {
			ctlt_fail_at(c, t.col, "more than %d elements in set '%s'", CF_MAX_SET_ITEMS, s->name);
			goto out;
		}
		if (*n % 64 == 0) {
			struct fwd_elem *m = realloc(*out, (*n + 64) * sizeof(**out));
			if (!m) {
				ctlt_fail_at(c, t.col, "out of memory");
				goto out;
			}
			*out = m;
		}
		struct fwd_elem *e = &(*out)[*n];
		if (fwd_elem_read(s, c->w->name, &t, e->text, &fe)) {
			ctl_error(c->o, "%s", fe.msg);
			goto out;
		}
		e->from = (struct ctld_origin){ c->w->line, t.col };
		++*n;
		want = false;
	}
	t = cf_lex_next(&lx);
	if (!ctlt_at_end(&t)) {
		ctlt_fail_at(c, t.col, "expected the end of the command after '}'");
		goto out;
	}
	rc = 0;
out:
	free(owned);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* Elements e[0..n) not in s yet, nor twice; -1 with the error. */
static int check_new(const struct ctlt_cmd *c, const struct fwd_set *s, const struct fwd_elem *e, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		bool twice = fwd_elem_find(s, e[k].text) >= 0;
		for (unsigned j = 0; j < k && !twice; j++)
			twice = !strcmp(e[j].text, e[k].text);
		if (twice)
			return ctlt_fail_at(c, e[k].from.col, "'%s' is already in set '%s'", e[k].text, s->name);
		if (s->n + k >= CF_MAX_SET_ITEMS)
			return ctlt_fail_at(c, e[k].from.col, "more than %d elements in set '%s'", CF_MAX_SET_ITEMS, s->name);
	}
	return 0;
}

/* Appends e[0..n) to s, all or none. */
static int append(const struct ctlt_cmd *c, struct fwd_set *s, const struct fwd_elem *e, unsigned n)
{
	unsigned had = s->n;
	for (unsigned k = 0; k < n; k++)
		if (fwd_elem_add(s, e[k].text, e[k].from)) {
			s->n = had;
			return ctlt_fail_at(c, e[k].from.col, "out of memory");
		}
	return 0;
}

int fwc_elements(const struct ctlt_cmd *c, bool add)
{
	const char *name = ctlt_word(c, 2);
	if (!name)
		return ctlt_fail(c, 2, "expected a set name");
	struct fwd_set *s = fwd_set_find(fwc_doc(c), name, strlen(name));
	if (!s)
		return ctlt_fail(c, 2, "no set named '%s'", name);
	struct fwd_elem *e;
	unsigned n;
	if (read_elems(c, 3, s, &e, &n))
		return -1;
	int rc = 0;
	if (add) {
		rc = check_new(c, s, e, n) || append(c, s, e, n) ? -1 : 0;
	} else {
		for (unsigned k = 0; k < n && !rc; k++)
			if (fwd_elem_find(s, e[k].text) < 0)
				rc = ctlt_fail_at(c, e[k].from.col, "'%s' is not in set '%s'", e[k].text, s->name);
		unsigned had = s->n;
		for (unsigned k = 0; k < n && !rc; k++)
			fwd_elem_delete(s, e[k].text);
		n = rc ? 0 : had - s->n;
	}
	free(e);
	if (rc)
		return -1;
	fwc_counted(c, 0, 0, add ? (int)n : -(int)n);
	ctl_ok(c->o, "%u element%s %s", n, n == 1 ? "" : "s", add ? "added" : "deleted");
	return 0;
}

static bool good_name(const char *s)
{
	size_t n = strlen(s);
	bool ok = n && n < CF_NAME_MAX && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'));
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		     s[i] == '_' || s[i] == '-';
	return ok;
}

int fwc_add_set(const struct ctlt_cmd *c)
{
	struct fwd_doc *d = fwc_doc(c);
	const char *name = ctlt_word(c, 2), *kind = ctlt_word(c, 3);
	if (!name || !good_name(name))
		return ctlt_fail(c, 2, "expected a set name (a letter, then letters, digits, '_' or '-', at most %d)%s%s%s",
				CF_NAME_MAX - 1, name ? ", got '" : "", name ? name : "", name ? "'" : "");
	if (fwd_set_find(d, name, strlen(name)))
		return ctlt_fail(c, 2, "set '%s' is already declared", name);
	if (fwd_set_count(d) == CF_MAX_SETS)
		return ctlt_fail(c, 2, "more than %d sets", CF_MAX_SETS);
	struct fwd_set tmp = { 0 };
	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	if (ctlt_is(c, 3, "ipv4") || ctlt_is(c, 3, "ipv6"))
		tmp.kind = kind[3] == '4' ? CF_SET_IPV4 : CF_SET_IPV6;
	else if (ctlt_is(c, 3, "port"))
		tmp.kind = CF_SET_PORT;
	else
		return ctlt_fail(c, 3, "expected the set's type: ipv4, ipv6 or port%s%s%s", kind ? ", got '" : "",
				kind ? kind : "", kind ? "'" : "");
	struct fwd_elem *e = NULL;
	unsigned n = 0;
	if (c->a->argc > 4 && read_elems(c, 4, &tmp, &e, &n))
		return -1;
	struct fwd_set *s = check_new(c, &tmp, e, n) ? NULL
						     : fwd_set_add(d, name, tmp.kind, (struct ctld_origin){ c->w->line, c->a->col[1] });
	if (!s && !c->o->error)
		ctlt_fail(c, 2, "out of memory");
	if (s && append(c, s, e, n)) {
		fwd_set_delete(d, s);
		s = NULL;
	}
	free(e);
	if (!s)
		return -1;
	fwc_counted(c, 0, 1, (int)n);
	ctl_ok(c->o, "set %s declared", name);
	return 0;
}

int fwc_delete_set(const struct ctlt_cmd *c)
{
	struct fwd_doc *d = fwc_doc(c);
	const char *name = ctlt_word(c, 2);
	if (!name)
		return ctlt_fail(c, 2, "expected a set name");
	struct fwd_set *s = fwd_set_find(d, name, strlen(name));
	if (!s)
		return ctlt_fail(c, 2, "no set named '%s'", name);
	enum fw_hook hook;
	uint64_t h;
	if (fwd_set_used(d, name, &hook, &h))
		return ctlt_fail(c, 2, "set '%s' is used by rule handle %llu of chain %s", name, (unsigned long long)h,
				fwd_hook_names[hook]);
	if (ctlt_end(c, 3))
		return -1;
	fwd_set_delete(d, s);
	fwc_counted(c, 0, -1, 0);
	ctl_ok(c->o, "set %s deleted", name);
	return 0;
}
