/* parse.c - one input line into layers, values and modifiers.
 *
 * A line is items separated by '/'. An item is a layer ("NAME key=value ...") or starts
 * with a modifier ("repeat N", "trunc N", "pad N"); modifiers may also end the last layer's
 * item. Words are separated by blanks; double quotes (with backslash escapes) keep blanks,
 * '/' and '#' inside a word. '#' outside quotes starts a comment.
 */
#include "capgen.h"

#include <stdlib.h>
#include <string.h>

static const char *const mod_names[M__COUNT] = { "repeat", "trunc", "pad", "at" };
static const uint32_t mod_min[M__COUNT] = { 1, 0, 0, 0 };
static const uint32_t mod_max[M__COUNT] = { PKTGEN_MAX_REPEAT, PKTGEN_MAX_FRAME, PKTGEN_MAX_FRAME, 1000000000 };

#define LAYER_LIST "eth, vlan, arp, ipv4, ipv6, ip6ext, tcp, udp, icmp, icmp6, payload, raw"
#define MOD_LIST "repeat, trunc, pad, at"

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

/* The end of the item at i: at the end of the line, a '/' or a comment. */
static bool item_end(const char *s, size_t n, size_t i) { return i == n || s[i] == '/' || s[i] == '#'; }

/* Scans the word at s[i] (not blank, not an item end). Returns its end, or 0 after
 * reporting an unterminated quote. */
static size_t scan_word(const struct loc *at, const char *s, size_t n, size_t i)
{
	while (i < n && !is_blank(s[i]) && s[i] != '/' && s[i] != '#') {
		if (s[i] != '"') {
			i++;
			continue;
		}
		size_t q = i++;
		while (i < n && s[i] != '"')
			i += s[i] == '\\' && i + 1 < n ? 2 : 1;
		if (i >= n) {
			diag(at, q + 1, "expected a closing '\"' for this quote, got end of line");
			return 0;
		}
		i++;
	}
	return i;
}

static int find_layer(const char *w, size_t n)
{
	for (int k = 0; k < L__COUNT; k++)
		if (strlen(layer_defs[k].name) == n && memcmp(layer_defs[k].name, w, n) == 0)
			return k;
	return -1;
}

static int find_mod(const char *w, size_t n)
{
	for (int m = 0; m < M__COUNT; m++)
		if (strlen(mod_names[m]) == n && memcmp(mod_names[m], w, n) == 0)
			return m;
	return -1;
}

static int find_key(const struct layer_def *d, const char *w, size_t n)
{
	for (unsigned k = 0; k < d->n_keys; k++)
		if (strlen(d->keys[k].name) == n && memcmp(d->keys[k].name, w, n) == 0)
			return (int)k;
	return -1;
}

/* "src, dst, type" into buf. */
static const char *key_list(const struct layer_def *d, unsigned mask, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned k = 0; k < d->n_keys && o < size; k++)
		if (mask & 1u << k)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", d->keys[k].name);
	return buf;
}

void line_clear(struct line *ln)
{
	for (size_t i = 0; i < ln->n_layers; i++)
		for (unsigned k = 0; k < PKTGEN_MAX_KEYS; k++)
			free(ln->layers[i].v[k].bytes);
	ln->n_layers = 0;
	ln->n_mods = 0;
	ln->end_col = 0;
}

static struct layer *add_layer(struct line *ln, enum layer_kind kind, size_t col)
{
	if (ln->n_layers == ln->cap) {
		size_t cap = ln->cap ? 2 * ln->cap : 8;
		struct layer *l = realloc(ln->layers, cap * sizeof *l);
		if (!l)
			return NULL;
		ln->layers = l;
		ln->cap = cap;
	}
	struct layer *l = &ln->layers[ln->n_layers++];
	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->col = col;
	return l;
}

/* The modifier named at word column wcol; *i is just after its name, and is left after
 * its number. */
static bool parse_mod(const struct loc *at, const char *s, size_t n, size_t *i, int m, size_t wcol,
		      struct line *ln)
{
	for (unsigned j = 0; j < ln->n_mods; j++) {
		if ((int)ln->mods[j].kind == m) {
			diag(at, wcol, "expected at most one %s per line, got %s again", mod_names[m],
			     quoted(mod_names[m], strlen(mod_names[m])));
			return false;
		}
	}
	size_t b = skip_blanks(s, n, *i);
	if (item_end(s, n, b)) {
		diag(at, b + 1, "expected a number after %s, got %s", mod_names[m],
		     b < n && s[b] == '/' ? "'/'" : "end of line");
		return false;
	}
	size_t e = scan_word(at, s, n, b);
	if (!e)
		return false;
	uint64_t v;
	if (!parse_num(s + b, e - b, mod_max[m], &v) || v < mod_min[m]) {
		diag(at, b + 1, "expected a number %u..%u after %s, got %s", mod_min[m], mod_max[m], mod_names[m],
		     quoted(s + b, e - b));
		return false;
	}
	ln->mods[ln->n_mods++] = (struct mod){ .kind = (enum mod_kind)m, .col = wcol, .n = (uint32_t)v };
	*i = e;
	return true;
}

/* Checks what the key tables cannot say: required keys, and keys that exclude each other. */
static bool check_layer(const struct loc *at, const struct layer *l)
{
	const struct layer_def *d = &layer_defs[l->kind];
	for (unsigned k = 0; k < d->n_keys; k++) {
		if (d->keys[k].required && !l->v[k].set) {
			diag(at, l->end_col, "expected %s=%s in %s, got end of layer", d->keys[k].name,
			     vtype_placeholder(d->keys[k].type), d->name);
			return false;
		}
	}
	if (l->kind == L_PAYLOAD) {
		const struct value *len = &l->v[PL_LEN], *hex = &l->v[PL_HEX], *text = &l->v[PL_TEXT];
		if (!len->set && !hex->set && !text->set) {
			diag(at, l->end_col, "expected len=N, hex=HEX or text=TEXT in payload, got end of layer");
			return false;
		}
		const struct value *second = len->set && hex->set ? hex : text->set && (len->set || hex->set) ? text : NULL;
		if (second) {
			diag(at, second->col, "expected one of len, hex or text in payload, got %s as well",
			     second == hex ? "'hex'" : "'text'");
			return false;
		}
		if (l->v[PL_FILL].set && !len->set) {
			diag(at, l->v[PL_FILL].col, "expected fill only with len in payload, got 'fill' with %s",
			     hex->set ? "hex" : "text");
			return false;
		}
	}
	if (l->kind == L_IP6EXT) {
		unsigned allowed = 1u << EXT_TYPE | 1u << EXT_NH;
		const char *type = "frag";
		switch (l->v[EXT_TYPE].num) {
		case EXT_FRAG: allowed |= 1u << EXT_OFF | 1u << EXT_M | 1u << EXT_ID; break;
		case EXT_RT: allowed |= 1u << EXT_LEN | 1u << EXT_DATA | 1u << EXT_RTYPE | 1u << EXT_SEGS; type = "rt"; break;
		case EXT_HBH: allowed |= 1u << EXT_LEN | 1u << EXT_DATA; type = "hbh"; break;
		default: allowed |= 1u << EXT_LEN | 1u << EXT_DATA; type = "dst"; break;
		}
		for (unsigned k = 0; k < d->n_keys; k++) {
			if (l->v[k].set && !(allowed & 1u << k)) {
				char buf[128];
				diag(at, l->v[k].col, "expected a key of ip6ext type=%s (%s), got %s", type,
				     key_list(d, allowed, buf, sizeof buf), quoted(d->keys[k].name, strlen(d->keys[k].name)));
				return false;
			}
		}
	}
	return true;
}

/* The item whose first word is s[b..e); leaves *i at the item's end. */
static bool parse_item(const struct loc *at, const char *s, size_t n, size_t b, size_t e, struct line *ln,
		       size_t *i)
{
	struct layer *l = NULL;
	int kind = find_layer(s + b, e - b), m = find_mod(s + b, e - b);
	if (kind >= 0 && ln->n_mods) {
		diag(at, b + 1, "expected a modifier (" MOD_LIST ") after a modifier, got %s", quoted(s + b, e - b));
		return false;
	} else if (kind >= 0) {
		if (!(l = add_layer(ln, (enum layer_kind)kind, b + 1))) {
			diag(at, b + 1, "expected memory for another layer, got none");
			return false;
		}
	} else if (m >= 0) {
		if (!parse_mod(at, s, n, &e, m, b + 1, ln))
			return false;
	} else {
		diag(at, b + 1, "expected a layer (" LAYER_LIST ") or a modifier (" MOD_LIST "), got %s",
		     quoted(s + b, e - b));
		return false;
	}
	for (;;) {
		size_t w = skip_blanks(s, n, e);
		if (item_end(s, n, w))
			break;
		if (!(e = scan_word(at, s, n, w)))
			return false;
		const char *eq = memchr(s + w, '=', e - w);
		if (!eq) {
			if ((m = find_mod(s + w, e - w)) >= 0) {
				if (!parse_mod(at, s, n, &e, m, w + 1, ln))
					return false;
				continue;
			}
			if (l && !ln->n_mods)
				diag(at, w + 1, "expected key=value, got %s", quoted(s + w, e - w));
			else
				diag(at, w + 1, "expected a modifier (" MOD_LIST "), got %s", quoted(s + w, e - w));
			return false;
		}
		if (!l || ln->n_mods) {
			diag(at, w + 1, "expected a modifier (" MOD_LIST ") after a modifier, got %s", quoted(s + w, e - w));
			return false;
		}
		const struct layer_def *d = &layer_defs[l->kind];
		size_t kn = (size_t)(eq - (s + w));
		int k = find_key(d, s + w, kn);
		if (k < 0) {
			char buf[160];
			diag(at, w + 1, "expected a key of %s (%s), got %s", d->name, key_list(d, ~0u, buf, sizeof buf),
			     quoted(s + w, kn));
			return false;
		}
		struct value *v = &l->v[k];
		if (v->set) {
			diag(at, w + 1, "expected %s once in %s, got %s again", d->keys[k].name, d->name, quoted(s + w, kn));
			return false;
		}
		v->col = w + 1;
		size_t vb = (size_t)(eq + 1 - s);
		if (!parse_value(at, vb + 1, &d->keys[k], s + vb, e - vb, v))
			return false;
		v->set = true;
	}
	ln->end_col = e + 1;
	if (l) {
		l->end_col = e + 1;
		if (!check_layer(at, l))
			return false;
	}
	*i = skip_blanks(s, n, e);
	return true;
}

int parse_line(const struct loc *at, const char *s, size_t n, struct line *ln)
{
	line_clear(ln);
	const char *nul = memchr(s, '\0', n);
	if (nul) {
		diag(at, (size_t)(nul - s) + 1, "expected text, got a NUL byte");
		return -1;
	}
	size_t i = skip_blanks(s, n, 0);
	if (i == n || s[i] == '#')
		return 0;
	for (;;) {
		i = skip_blanks(s, n, i);
		if (item_end(s, n, i)) {
			diag(at, i + 1, "expected a layer or a modifier, got %s",
			     i < n && s[i] == '/' ? "'/'" : "end of line");
			return -1;
		}
		size_t e = scan_word(at, s, n, i);
		if (!e || !parse_item(at, s, n, i, e, ln, &i))
			return -1;
		if (i < n && s[i] == '/') {
			i++;
			continue;
		}
		break;
	}
	if (ln->n_layers == 0) {
		diag(at, ln->mods[0].col, "expected a layer before the modifiers, got %s",
		     quoted(mod_names[ln->mods[0].kind], strlen(mod_names[ln->mods[0].kind])));
		return -1;
	}
	return 1;
}
