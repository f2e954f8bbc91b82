/* The fw config document's sets rendered back to config text (fw_doc.h), one element a
 * line, and the way back from a position in their lines to what they came from. The rest
 * of the document is rendered, and its lines explained, as every namespace's (ctl_doc.h). */
#include "fw_doc.h"

#include <stdio.h>

static const char *const kind_names[] = { "ipv4", "ipv6", "port" };

void fwd_set_render(struct ctld_text *t, const struct ctld_stmt *st, unsigned i)
{
	const struct fwd_set *s = st->own;
	ctld_line(t, FWD_L_SET, 0, i, 0, 1);
	ctld_puts(t, "set ");
	ctld_puts(t, s->name);
	ctld_puts(t, " ");
	ctld_puts(t, kind_names[s->kind]);
	if (!s->n) {
		ctld_puts(t, " { }\n");
		return;
	}
	ctld_puts(t, " {\n");
	for (unsigned k = 0; k < s->n; k++) {
		ctld_line(t, FWD_L_ELEM, 0, i, k, 2);
		ctld_put(t, "\t", 1);
		ctld_puts(t, s->elems[k].text);
		ctld_puts(t, k + 1 < s->n ? ",\n" : "\n");
	}
	ctld_line(t, FWD_L_SET_END, 0, i, 0, 1);
	ctld_puts(t, "}\n");
}

/* A set's line l: the command that brought its piece, else the set or the element. */
bool fwd_set_where(const char *cmd, const struct ctld_stmt *st, const struct ctld_line *l, unsigned col, char *buf,
		   size_t len)
{
	const struct fwd_set *s = fwd_stmt_set(st);
	if (!s)
		return false;
	if (l->kind == FWD_L_ELEM) {
		if (l->index >= s->n)
			return false;
		if (s->elems[l->index].from.line)
			ctld_where_at(cmd, s->elems[l->index].from.line, s->elems[l->index].from.col, l, col, buf, len);
		else
			snprintf(buf, len, "element %s of set %s", s->elems[l->index].text, s->name);
	} else if (s->from.line) {
		ctld_where_at(cmd, s->from.line, s->from.col, l, l->kind == FWD_L_SET ? col : 0, buf, len);
	} else {
		snprintf(buf, len, "set %s", s->name);
	}
	return true;
}
