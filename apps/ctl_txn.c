/* A control namespace's transactions (ctl_txn.h): a copy of the running document, its
 * rendering for the reload, and the copy becoming the running document once the reload
 * has taken it. The app's slots (its running document, the transaction it reloads) are
 * reached through the namespace's kind. */
#include "ctl_txn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *ctlt_begin(const struct ctlt_kind *k, void *app, const struct ctld_doc *running)
{
	if (!running)
		return NULL;
	struct ctlt *t = calloc(1, k->size);
	if (t && !(t->doc = ctld_copy(running))) {
		free(t);
		t = NULL;
	}
	if (t) {
		t->app = app;
		t->kind = k;
	}
	return t;
}

/* Frees what t holds besides its document, and t. */
static void release(struct ctlt *t)
{
	ctld_text_free(&t->out);
	if (t->kind->release)
		t->kind->release(t);
	free(t);
}

void ctlt_adopt(void *app, void *txn)
{
	struct ctlt *t = txn;
	const struct ctlt_kind *k = t->kind;
	if (k->reloading(app) == t)
		k->set_reloading(app, NULL);
	ctld_settle(t->doc);
	k->adopt(app, t->doc);
	release(t);
}

void ctlt_free(void *txn)
{
	struct ctlt *t = txn;
	if (!t)
		return;
	if (t->reloaded) {          /* its text is in force: it is the running document */
		ctlt_adopt(t->app, t);
		return;
	}
	if (t->kind->reloading(t->app) == t)
		t->kind->set_reloading(t->app, NULL);
	ctld_free(t->doc);
	release(t);
}

int ctlt_render(void *txn, const char *name, const char **text, size_t *len)
{
	struct ctlt *t = txn;
	(void)name;
	if (ctld_render(t->doc, &t->out))
		return -1;
	t->kind->set_reloading(t->app, t);
	*text = t->out.s;
	*len = t->out.len;
	return 0;
}

void ctlt_where(void *txn, unsigned line, unsigned col, char *buf, size_t len)
{
	struct ctlt *t = txn;
	ctld_where(t->doc, &t->out, line, col, buf, len);
}

struct ctlt *ctlt_reloaded(const struct ctlt_kind *k, void *app, const struct ctld_doc *running, const char *text,
			  size_t len)
{
	struct ctlt *t = k->reloading(app);
	k->set_reloading(app, NULL);
	if (!t || !running || !t->out.s || t->out.len != len || memcmp(t->out.s, text, len))
		return NULL;
	t->reloaded = true;         /* ctlt_adopt makes its document the running one */
	return t;
}

void ctlt_append(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	if (*at + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	*at = n < 0 ? *at : *at + (size_t)n >= len ? len - 1 : *at + (size_t)n;
}

void ctlt_count(char *buf, size_t len, size_t *at, unsigned add, unsigned del, const char *what)
{
	if (!add && !del)
		return;
	if (*at)
		ctlt_append(buf, len, at, ", ");
	if (add)
		ctlt_append(buf, len, at, "+%u %s%s%s", add, what, add == 1 ? "" : "s", del ? " " : "");
	if (del)
		ctlt_append(buf, len, at, "-%u %s%s", del, what, del == 1 ? "" : "s");
}

void ctlt_summary(void *txn, char *buf, size_t len)
{
	struct ctlt *t = txn;
	size_t at = 0;
	if (!len)
		return;
	buf[0] = 0;
	ctlt_count(buf, len, &at, t->rules_added, t->rules_deleted, "rule");
	if (!at)
		snprintf(buf, len, "no change");
}
