/* A control namespace's config document rendered back to config text (ctl_doc.h), and
 * the way back from a position in that text to what it came from. */
#include "ctl_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctld_put(struct ctld_text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *b = realloc(t->s, cap);
		if (!b) {
			t->oom = true;
			return;
		}
		t->s = b;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = 0;
}

void ctld_puts(struct ctld_text *t, const char *s)
{
	ctld_put(t, s, strlen(s));
}

void ctld_text_start(struct ctld_text *t)
{
	t->len = 0;
	t->n_lines = 0;
	t->oom = false;
	ctld_put(t, "", 0);
}

void ctld_line(struct ctld_text *t, unsigned kind, unsigned hook, unsigned item, unsigned index, unsigned col)
{
	struct ctld_line *n = t->oom ? NULL : ctld_grow(t->lines, t->n_lines, &t->cap_lines, sizeof(*n), 256);
	if (!n) {
		t->oom = true;
		return;
	}
	t->lines = n;
	t->lines[t->n_lines++] = (struct ctld_line){ .kind = (uint8_t)kind, .hook = (uint8_t)hook, .item = item,
						     .index = index, .col = col };
}

void ctld_text_free(struct ctld_text *t)
{
	free(t->s);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

/* Raw statement s, index i: its lines as they are, or (indent) its later lines indented
 * by a tab but those that close a brace. */
static void render_raw(struct ctld_text *t, const struct ctld_stmt *s, unsigned i, bool indent)
{
	const char *p = s->text ? s->text : "";
	for (unsigned k = 0; k < s->n_lines; k++) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool tab = indent && k > 0 && p[0] != '}';
		ctld_line(t, CTLD_L_RAW, 0, i, k, tab ? 2 : 1);
		if (tab)
			ctld_put(t, "\t", 1);
		ctld_put(t, p, n);
		ctld_put(t, "\n", 1);
		p += n + (e != NULL);
	}
}

/* Chain c of hook, statement i: "chain NAME{head} {", a rule a line, indented by a tab,
 * "}". */
static void render_chain(struct ctld_text *t, const struct ctld_doc *d, unsigned hook, unsigned i)
{
	const struct ctld_chain *c = &d->chain[hook];
	ctld_line(t, CTLD_L_CHAIN, hook, i, 0, 1);
	ctld_puts(t, "chain ");
	ctld_puts(t, d->shape->hooks[hook]);
	ctld_puts(t, d->shape->chain_head ? d->shape->chain_head(c) : "");
	ctld_puts(t, " {\n");
	for (unsigned k = 0; k < c->n; k++) {
		ctld_line(t, CTLD_L_RULE, hook, i, k, 2);
		ctld_put(t, "\t", 1);
		ctld_puts(t, c->rules[k].text);
		ctld_put(t, "\n", 1);
	}
	ctld_line(t, CTLD_L_CHAIN_END, hook, i, 0, 1);
	ctld_puts(t, "}\n");
}

int ctld_render(const struct ctld_doc *d, struct ctld_text *t)
{
	ctld_text_start(t);
	for (unsigned i = 0; i < d->n_stmts; i++) {
		const struct ctld_stmt *s = &d->stmts[i];
		if (s->kind == CTLD_RAW)
			render_raw(t, s, i, d->shape->indent);
		else if (s->kind != CTLD_CHAIN)
			d->shape->own_render(t, s, i);
		else if (d->chain[s->hook].declared)
			render_chain(t, d, s->hook, i);
	}
	return t->oom ? -1 : 0;
}

void ctld_where_at(const char *file, unsigned line, unsigned at, const struct ctld_line *l, unsigned col, char *buf,
		   size_t len)
{
	snprintf(buf, len, "%s:%u:%u", file, line, at + (col > l->col ? col - l->col : 0));
}

/* A chain's line l, at column col: the command that brought its piece, else "rule handle 7
 * of chain forward" or "chain forward". false: its rule is gone. */
static bool where_chain(const struct ctld_doc *d, const struct ctld_line *l, unsigned col, char *buf, size_t len)
{
	const struct ctld_chain *c = &d->chain[l->hook % d->shape->n_hooks];
	const char *hook = d->shape->hooks[l->hook % d->shape->n_hooks];
	if (l->kind == CTLD_L_CHAIN && (c->policy_from.line || c->from.line)) {
		struct ctld_origin o = c->policy_from.line ? c->policy_from : c->from;
		snprintf(buf, len, "%s:%u:%u", ctld_cmd_name(d), o.line, o.col);
	} else if (l->kind != CTLD_L_RULE) {
		snprintf(buf, len, "chain %s", hook);
	} else if (l->index >= c->n) {
		return false;
	} else if (c->rules[l->index].from.line) {
		const struct ctld_origin *o = &c->rules[l->index].from;
		ctld_where_at(ctld_cmd_name(d), o->line, o->col, l, col, buf, len);
	} else {
		snprintf(buf, len, "rule handle %llu of chain %s", (unsigned long long)c->rules[l->index].handle, hook);
	}
	return true;
}

void ctld_where(const struct ctld_doc *d, const struct ctld_text *t, unsigned line, unsigned col, char *buf,
		size_t len)
{
	const struct ctld_line *l = line >= 1 && line <= t->n_lines ? &t->lines[line - 1] : NULL;
	const struct ctld_stmt *s = l && l->item < d->n_stmts ? &d->stmts[l->item] : NULL;
	if (s && l->kind == CTLD_L_RAW && l->index < s->n_lines) {
		ctld_where_at(d->name, s->pos[l->index].line, s->pos[l->index].col, l, col, buf, len);
		return;
	}
	bool told = false;
	if (s && l->kind >= CTLD_L_OWN)
		told = d->shape->own_where(ctld_cmd_name(d), s, l, col, buf, len);
	else if (s && l->kind != CTLD_L_RAW)
		told = where_chain(d, l, col, buf, len);
	if (!told)
		snprintf(buf, len, "line %u of the rendered config", line);
}
