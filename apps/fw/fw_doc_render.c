/* The fw config document rendered back to config text (fw_doc.h), one rule and one set
 * element a line, and the way back from a position in that text to what it came from. */
#include "fw_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = { "ipv4", "ipv6", "port" };

static void put(struct fwd_text *t, const char *s, size_t n)
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

static void puts_(struct fwd_text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* A new line of kind, its piece's text starting at col. */
static void line(struct fwd_text *t, enum fwd_line_kind kind, unsigned item, unsigned index, unsigned col,
		 unsigned hook)
{
	if (t->oom)
		return;
	if (t->n_lines == t->cap_lines) {
		unsigned cap = t->cap_lines ? t->cap_lines * 2 : 256;
		struct fwd_line *n = realloc(t->lines, cap * sizeof(*n));
		if (!n) {
			t->oom = true;
			return;
		}
		t->lines = n;
		t->cap_lines = cap;
	}
	t->lines[t->n_lines++] = (struct fwd_line){ .kind = (uint8_t)kind, .hook = (uint8_t)hook, .item = item,
						    .index = index, .col = col };
}

static void render_raw(struct fwd_text *t, const struct fwd_item *it, unsigned i)
{
	const char *s = it->text ? it->text : "";
	for (unsigned k = 0; k < it->n_lines; k++) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		bool indent = k > 0 && s[0] != '}';
		line(t, FWD_L_RAW, i, k, indent ? 2 : 1, 0);
		if (indent)
			put(t, "\t", 1);
		put(t, s, n);
		put(t, "\n", 1);
		s += n + (e != NULL);
	}
}

static void render_set(struct fwd_text *t, const struct fwd_set *s, unsigned i)
{
	line(t, FWD_L_SET, i, 0, 1, 0);
	puts_(t, "set ");
	puts_(t, s->name);
	puts_(t, " ");
	puts_(t, kind_names[s->kind]);
	if (!s->n) {
		puts_(t, " { }\n");
		return;
	}
	puts_(t, " {\n");
	for (unsigned k = 0; k < s->n; k++) {
		line(t, FWD_L_ELEM, i, k, 2, 0);
		put(t, "\t", 1);
		puts_(t, s->elems[k].text);
		puts_(t, k + 1 < s->n ? ",\n" : "\n");
	}
	line(t, FWD_L_SET_END, i, 0, 1, 0);
	puts_(t, "}\n");
}

static void render_chain(struct fwd_text *t, const struct fwd_chain *c, enum fw_hook hook, unsigned i)
{
	line(t, FWD_L_CHAIN, i, 0, 1, hook);
	puts_(t, "chain ");
	puts_(t, fwd_hook_names[hook]);
	puts_(t, c->policy == FW_DROP ? " policy drop {\n" : " policy accept {\n");
	for (unsigned k = 0; k < c->n; k++) {
		line(t, FWD_L_RULE, i, k, 2, hook);
		put(t, "\t", 1);
		puts_(t, c->rules[k].text);
		put(t, "\n", 1);
	}
	line(t, FWD_L_CHAIN_END, i, 0, 1, hook);
	puts_(t, "}\n");
}

int fwd_render(const struct fwd_doc *d, struct fwd_text *t)
{
	t->len = 0;
	t->n_lines = 0;
	t->oom = false;
	put(t, "", 0);
	for (unsigned i = 0; i < d->n_items; i++) {
		const struct fwd_item *it = &d->items[i];
		if (it->kind == FWD_RAW)
			render_raw(t, it, i);
		else if (it->kind == FWD_SET)
			render_set(t, it->set, i);
		else if (d->chain[it->hook].declared)
			render_chain(t, &d->chain[it->hook], it->hook, i);
	}
	return t->oom ? -1 : 0;
}

void fwd_text_free(struct fwd_text *t)
{
	free(t->s);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

/* A command's position, off columns into its piece. */
static void at_command(const struct fwd_doc *d, struct fwd_origin o, unsigned off, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u:%u", d->cmd_name[0] ? d->cmd_name : "ctl", o.line, o.col + off);
}

void fwd_where(const struct fwd_doc *d, const struct fwd_text *t, unsigned line, unsigned col, char *buf,
	       size_t len)
{
	const struct fwd_line *l = line >= 1 && line <= t->n_lines ? &t->lines[line - 1] : NULL;
	const struct fwd_item *it = l && l->item < d->n_items ? &d->items[l->item] : NULL;
	if (!it) {
		snprintf(buf, len, "line %u of the rendered config", line);
		return;
	}
	unsigned off = col > l->col ? col - l->col : 0;
	const struct fwd_set *s = it->set;
	const struct fwd_chain *c = &d->chain[l->hook % FW_HOOK__COUNT];
	switch (l->kind) {
	case FWD_L_RAW:
		if (l->index < it->n_lines) {
			snprintf(buf, len, "%s:%u:%u", d->name, it->pos[l->index].line, it->pos[l->index].col + off);
			return;
		}
		break;
	case FWD_L_SET:
	case FWD_L_SET_END:
		if (!s)
			break;
		if (s->from.line)
			at_command(d, s->from, l->kind == FWD_L_SET ? off : 0, buf, len);
		else
			snprintf(buf, len, "set %s", s->name);
		return;
	case FWD_L_ELEM:
		if (!s || l->index >= s->n)
			break;
		if (s->elems[l->index].from.line)
			at_command(d, s->elems[l->index].from, off, buf, len);
		else
			snprintf(buf, len, "element %s of set %s", s->elems[l->index].text, s->name);
		return;
	case FWD_L_CHAIN:
		if (c->policy_from.line || c->from.line) {
			at_command(d, c->policy_from.line ? c->policy_from : c->from, 0, buf, len);
			return;
		}
		snprintf(buf, len, "chain %s", fwd_hook_names[l->hook % FW_HOOK__COUNT]);
		return;
	case FWD_L_RULE:
		if (l->index >= c->n)
			break;
		if (c->rules[l->index].from.line)
			at_command(d, c->rules[l->index].from, off, buf, len);
		else
			snprintf(buf, len, "rule handle %llu of chain %s", (unsigned long long)c->rules[l->index].handle,
				 fwd_hook_names[l->hook % FW_HOOK__COUNT]);
		return;
	default:
		snprintf(buf, len, "chain %s", fwd_hook_names[l->hook % FW_HOOK__COUNT]);
		return;
	}
	snprintf(buf, len, "line %u of the rendered config", line);
}
