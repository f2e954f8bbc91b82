/* Editing the fw config document (fw_doc.h): sets and their elements (its chains are
 * edited as every namespace's, ctl_doc.h), and the canonical text of an element. Callers
 * check what they change first: these do what they are told, and fail only for memory. */
#include "fw_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fwd_set *fwd_set_find(const struct fwd_doc *d, const char *name, size_t len)
{
	for (unsigned i = 0; i < d->base.n_stmts; i++) {
		struct fwd_set *s = fwd_stmt_set(&d->base.stmts[i]);
		if (s && strlen(s->name) == len && !memcmp(s->name, name, len))
			return s;
	}
	return NULL;
}

unsigned fwd_set_count(const struct fwd_doc *d)
{
	unsigned n = 0;
	for (unsigned i = 0; i < d->base.n_stmts; i++)
		n += d->base.stmts[i].kind == FWD_SET;
	return n;
}

struct fwd_set *fwd_set_add(struct fwd_doc *d, const char *name, enum cf_set_kind kind, struct ctld_origin from)
{
	/* before the first chain: the rules that will name it come after it */
	unsigned at = 0;
	while (at < d->base.n_stmts && d->base.stmts[at].kind != CTLD_CHAIN)
		at++;
	return fwd_set_add_at(d, at, name, kind, from);
}

struct fwd_set *fwd_set_add_at(struct fwd_doc *d, unsigned at, const char *name, enum cf_set_kind kind,
			       struct ctld_origin from)
{
	struct fwd_set *s = calloc(1, sizeof(*s));
	struct ctld_stmt *it = s ? ctld_stmt_at(&d->base, at) : NULL;
	if (!it) {
		free(s);
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->kind = kind;
	s->from = from;
	it->kind = FWD_SET;
	it->own = s;
	return s;
}

void fwd_set_delete(struct fwd_doc *d, struct fwd_set *s)
{
	struct ctld_doc *b = &d->base;
	for (unsigned i = 0; i < b->n_stmts; i++)
		if (b->stmts[i].own == s) {
			free(s->elems);
			free(s);
			memmove(&b->stmts[i], &b->stmts[i + 1], (b->n_stmts - i - 1) * sizeof(*b->stmts));
			b->n_stmts--;
			return;
		}
}

bool fwd_set_used(const struct fwd_doc *d, const char *name, enum fw_hook *hook, uint64_t *handle)
{
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
		for (unsigned i = 0; i < d->chain[h].n; i++) {
			const char *text = d->chain[h].rules[i].text;
			struct cf_err fe;
			struct cf_lex lx;
			cf_lex_init(&lx, "", text, strlen(text), &fe);
			bool at = false;
			for (struct cf_tok t; (t = cf_lex_next(&lx)).kind != CF_T_END && t.kind != CF_T_ERROR;) {
				if (at && t.kind == CF_T_WORD && t.len == strlen(name) && !memcmp(t.text, name, t.len)) {
					*hook = (enum fw_hook)h;
					*handle = d->chain[h].rules[i].handle;
					return true;
				}
				at = t.kind == CF_T_AT;
			}
		}
	return false;
}

static void ip6_text(const uint8_t *a, char *buf, size_t len)
{
	/* RFC 5952: the longest run of two or more zero groups (the first of equals) is "::" */
	unsigned g[8], best = 8, best_n = 0;
	for (unsigned i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (unsigned i = 0; i < 8;) {
		unsigned n = 0;
		while (i + n < 8 && !g[i + n])
			n++;
		if (n >= 2 && n > best_n) {
			best = i;
			best_n = n;
		}
		i += n ? n : 1;
	}
	size_t at = 0;
	for (unsigned i = 0; i < 8 && at < len; i++) {
		if (i == best) {
			at += (size_t)snprintf(buf + at, len - at, "::");
			i += best_n - 1;
			continue;
		}
		bool sep = i > 0 && i != best + best_n;
		at += (size_t)snprintf(buf + at, len - at, "%s%x", sep ? ":" : "", g[i]);
	}
	if (!at && len)
		buf[0] = 0;
}

void fwd_prefix_text(const struct cf_prefix *p, bool host, char *buf, size_t len)
{
	char a[48];
	if (p->family == 4)
		snprintf(a, sizeof(a), "%u.%u.%u.%u", p->addr[0], p->addr[1], p->addr[2], p->addr[3]);
	else
		ip6_text(p->addr, a, sizeof(a));
	if (host || p->len != (p->family == 4 ? 32 : 128))
		snprintf(buf, len, "%s/%u", a, p->len);
	else
		snprintf(buf, len, "%s", a);
}

int fwd_elem_read(const struct fwd_set *s, const char *file, const struct cf_tok *t, char out[FWD_ELEM_MAX],
		  struct cf_err *err)
{
	if (s->kind == CF_SET_PORT) {
		struct cf_range r;
		if (cf_read_range(file, t, 65535, "port", &r, err))
			return -1;
		if (r.lo == r.hi)
			snprintf(out, FWD_ELEM_MAX, "%u", r.lo);
		else
			snprintf(out, FWD_ELEM_MAX, "%u-%u", r.lo, r.hi);
		return 0;
	}
	struct cf_prefix p;
	if (cf_read_prefix(file, t, &p, err))
		return -1;
	unsigned fam = s->kind == CF_SET_IPV4 ? 4 : 6;
	if (p.family != fam)
		return cf_error(err, file, t->line, t->col, "'%.*s' is not an IPv%u address, as set '%s' holds",
				(int)t->len, t->text, fam, s->name);
	fwd_prefix_text(&p, false, out, FWD_ELEM_MAX);
	return 0;
}

int fwd_elem_find(const struct fwd_set *s, const char *text)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->elems[i].text, text))
			return (int)i;
	return -1;
}

int fwd_elem_add(struct fwd_set *s, const char *text, struct ctld_origin from)
{
	struct fwd_elem *n = ctld_grow(s->elems, s->n, &s->cap, sizeof(*n), 16);
	if (!n)
		return -1;
	s->elems = n;
	struct fwd_elem *e = &s->elems[s->n++];
	snprintf(e->text, sizeof(e->text), "%s", text);
	e->from = from;
	return 0;
}

void fwd_elem_delete(struct fwd_set *s, const char *text)
{
	unsigned k = 0;
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->elems[i].text, text))
			s->elems[k++] = s->elems[i];
	s->n = k;
}
