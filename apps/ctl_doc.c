/* A control namespace's config document (ctl_doc.h): the document, its statements and
 * chains, and the rules of a chain. Rendering it is ctl_doc_text.c, reading it
 * ctl_doc_read.c. */
#include "ctl_doc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rules and chains ---------------------------------------------------------------- */

static _Atomic uint64_t last_handle;

uint64_t ctld_new_handle(void)
{
	return atomic_fetch_add(&last_handle, 1) + 1;
}

int ctld_rule_find(const struct ctld_chain *c, uint64_t h)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->rules[i].handle == h)
			return (int)i;
	return -1;
}

char *ctld_rule_room(struct ctld_chain *c, const char *text, size_t len)
{
	struct ctld_rule *n = ctld_grow(c->rules, c->n, &c->cap, sizeof(*n), 16);
	if (!n)
		return NULL;
	c->rules = n;
	return ctld_dup(text, len);
}

uint64_t ctld_rule_put(struct ctld_chain *c, unsigned at, char *text, struct ctld_origin from)
{
	memmove(&c->rules[at + 1], &c->rules[at], (c->n - at) * sizeof(*c->rules));
	c->n++;
	c->rules[at] = (struct ctld_rule){ .handle = ctld_new_handle(), .text = text, .from = from };
	return c->rules[at].handle;
}

int ctld_rule_add(struct ctld_chain *c, unsigned at, const char *text, size_t len, struct ctld_origin from,
		  uint64_t *h)
{
	char *t = ctld_rule_room(c, text, len);
	if (!t)
		return -1;
	*h = ctld_rule_put(c, at, t, from);
	return 0;
}

int ctld_rule_replace(struct ctld_chain *c, unsigned at, const char *text, size_t len, struct ctld_origin from,
		      uint64_t *h)
{
	struct ctld_rule *r = &c->rules[at];
	char *t = ctld_dup(text, len);
	if (!t)
		return -1;
	free(r->text);
	*r = (struct ctld_rule){ .handle = ctld_new_handle(), .text = t, .from = from };
	*h = r->handle;
	return 0;
}

void ctld_rule_delete(struct ctld_chain *c, unsigned at)
{
	free(c->rules[at].text);
	memmove(&c->rules[at], &c->rules[at + 1], (c->n - at - 1) * sizeof(*c->rules));
	c->n--;
}

void ctld_chain_flush(struct ctld_chain *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->rules[i].text);
	c->n = 0;
}

struct handle_ix {
	uint64_t handle;
	unsigned ix;
};

static int by_handle(const void *x, const void *y)
{
	const struct handle_ix *a = x, *b = y;
	return a->handle < b->handle ? -1 : a->handle > b->handle;
}

/* The index of the rule with handle h in oc, by ix (oc's handles sorted) when there. */
static int find(const struct ctld_chain *oc, const struct handle_ix *ix, uint64_t h)
{
	if (!ix)
		return ctld_rule_find(oc, h);
	unsigned lo = 0, hi = oc->n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (ix[mid].handle < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < oc->n && ix[lo].handle == h ? (int)ix[lo].ix : -1;
}

void ctld_chain_kept(const struct ctld_chain *oc, const struct ctld_chain *nc,
		     void (*kept)(void *arg, unsigned i, unsigned j), void *arg)
{
	if (!oc->n || !nc->n)
		return;
	struct handle_ix *ix = malloc(oc->n * sizeof(*ix));     /* none: found one by one */
	for (unsigned i = 0; ix && i < oc->n; i++)
		ix[i] = (struct handle_ix){ oc->rules[i].handle, i };
	if (ix)
		qsort(ix, oc->n, sizeof(*ix), by_handle);
	for (unsigned j = 0; j < nc->n; j++) {
		int i = find(oc, ix, nc->rules[j].handle);
		if (i >= 0 && !strcmp(oc->rules[i].text, nc->rules[j].text))
			kept(arg, (unsigned)i, j);
	}
	free(ix);
}

/* n chains: deep copies (-1: no memory, and what was copied is in to, to free), freed,
 * settled. */
static int chains_copy(struct ctld_chain *to, const struct ctld_chain *from, unsigned n)
{
	for (unsigned h = 0; h < n; h++)
		to[h] = (struct ctld_chain){ .declared = from[h].declared, .policy = from[h].policy,
					     .from = from[h].from, .policy_from = from[h].policy_from };
	for (unsigned h = 0; h < n; h++) {
		if (!from[h].n)
			continue;
		if (!(to[h].rules = malloc(from[h].n * sizeof(*to[h].rules))))
			return -1;
		to[h].cap = from[h].n;
		for (; to[h].n < from[h].n; to[h].n++) {
			const struct ctld_rule *r = &from[h].rules[to[h].n];
			to[h].rules[to[h].n] = *r;
			if (!(to[h].rules[to[h].n].text = ctld_dup(r->text, strlen(r->text))))
				return -1;
		}
	}
	return 0;
}

static void chains_free(struct ctld_chain *c, unsigned n)
{
	for (unsigned h = 0; h < n; h++) {
		ctld_chain_flush(&c[h]);
		free(c[h].rules);
	}
}

static void chains_settle(struct ctld_chain *c, unsigned n)
{
	static const struct ctld_origin none;
	for (unsigned h = 0; h < n; h++) {
		c[h].from = c[h].policy_from = none;
		for (unsigned k = 0; k < c[h].n; k++)
			c[h].rules[k].from = none;
	}
}

/* ---- the document -------------------------------------------------------------------- */

/* A new empty document of shape; NULL: no memory. */
static struct ctld_doc *doc_new(const struct ctld_shape *shape)
{
	struct ctld_doc *d = calloc(1, shape->size);
	if (d) {
		d->shape = shape;
		d->chain = (struct ctld_chain *)((char *)d + shape->chains);
	}
	return d;
}

struct ctld_doc *ctld_build(const struct ctld_shape *shape, const char *name, const char *text, size_t len,
			    int (*read)(struct ctld_reader *r, struct ctld_doc *d, const char *text, size_t len),
			    char *err, size_t errlen)
{
	struct ctld_doc *d = doc_new(shape);
	if (!d) {
		if (err)
			snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	struct ctld_reader r = { .file = name, .fe = { "" } };
	cf_lex_init(&r.lx, name, text, len, &r.fe);
	if (!read(&r, d, text, len))
		return d;
	if (err)
		snprintf(err, errlen, "%s", r.fe.msg);
	ctld_free(d);
	return NULL;
}

void ctld_free(struct ctld_doc *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n_stmts; i++) {
		free(d->stmts[i].text);
		free(d->stmts[i].pos);
		if (d->stmts[i].own)
			d->shape->own_free(d->stmts[i].own);
	}
	free(d->stmts);
	chains_free(d->chain, d->shape->n_hooks);
	free(d);
}

/* to (zeroed) as from, deeply; -1: no memory (what it holds is freed with it). */
static int stmt_copy(const struct ctld_shape *shape, struct ctld_stmt *to, const struct ctld_stmt *from)
{
	*to = (struct ctld_stmt){ .kind = from->kind, .hook = from->hook, .n_lines = from->n_lines };
	if (from->text && !(to->text = ctld_dup(from->text, strlen(from->text))))
		return -1;
	if (from->n_lines) {
		if (!(to->pos = malloc(from->n_lines * sizeof(*to->pos))))
			return -1;
		memcpy(to->pos, from->pos, from->n_lines * sizeof(*to->pos));
	}
	return from->own && !(to->own = shape->own_copy(from->own)) ? -1 : 0;
}

struct ctld_doc *ctld_copy(const struct ctld_doc *d)
{
	struct ctld_doc *c = doc_new(d->shape);
	if (!c)
		return NULL;
	memcpy(c->name, d->name, sizeof(c->name));
	memcpy(c->cmd_name, d->cmd_name, sizeof(c->cmd_name));
	for (unsigned i = 0; i < d->n_stmts; i++) {
		struct ctld_stmt *s = ctld_stmt_at(c, i);
		if (!s || stmt_copy(d->shape, s, &d->stmts[i]))
			goto fail;
	}
	if (!chains_copy(c->chain, d->chain, d->shape->n_hooks))
		return c;
fail:
	ctld_free(c);
	return NULL;
}

void ctld_settle(struct ctld_doc *d)
{
	chains_settle(d->chain, d->shape->n_hooks);
	for (unsigned i = 0; i < d->n_stmts; i++)
		if (d->stmts[i].own && d->shape->own_settle)
			d->shape->own_settle(d->stmts[i].own);
}

const char *ctld_cmd_name(const struct ctld_doc *d)
{
	return d->cmd_name[0] ? d->cmd_name : "ctl";
}

struct ctld_stmt *ctld_stmt_at(struct ctld_doc *d, unsigned at)
{
	struct ctld_stmt *n = ctld_grow(d->stmts, d->n_stmts, &d->cap_stmts, sizeof(*n), 16);
	if (!n)
		return NULL;
	d->stmts = n;
	memmove(&d->stmts[at + 1], &d->stmts[at], (d->n_stmts - at) * sizeof(*d->stmts));
	d->n_stmts++;
	memset(&d->stmts[at], 0, sizeof(d->stmts[at]));
	return &d->stmts[at];
}

int ctld_chain_declare(struct ctld_doc *d, unsigned hook, struct ctld_origin from)
{
	struct ctld_chain *c = &d->chain[hook];
	if (c->declared)
		return 0;
	struct ctld_stmt *s = ctld_stmt_at(d, d->n_stmts);
	if (!s)
		return -1;
	s->kind = CTLD_CHAIN;
	s->hook = (uint8_t)hook;
	c->declared = true;
	c->policy = d->shape->policy;
	c->from = from;
	return 0;
}

int ctld_hook(const char *const *names, unsigned n, const char *name, size_t len)
{
	for (unsigned h = 0; h < n; h++)
		if (strlen(names[h]) == len && !memcmp(names[h], name, len))
			return (int)h;
	return -1;
}

void ctld_hook_choice(const char *const *names, unsigned n, char *buf, size_t len)
{
	size_t at = 0;
	if (len)
		buf[0] = 0;
	for (unsigned h = 0; h < n && at < len; h++) {
		int k = snprintf(buf + at, len - at, "%s%s", h == 0 ? "" : h + 1 == n ? " or " : ", ", names[h]);
		at += k > 0 ? (size_t)k : 0;
	}
}

void *ctld_grow(void *v, unsigned n, unsigned *cap, size_t size, unsigned first)
{
	if (n < *cap)
		return v;
	unsigned c = *cap ? *cap * 2 : first;
	void *g = realloc(v, c * size);
	if (g)
		*cap = c;
	return g;
}

char *ctld_dup(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = 0;
	}
	return c;
}
