/* hs_tar.c - the tar writer, the site-opening helpers and the checks that unit-hs's
 * files share (hs_tar.h). */
#include "hs_tar.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tar writer -------------------------------------------------------------------- */

/* n zeroed bytes at the end; returns their offset (buf may move) */
size_t tb_grow(struct tb *t, size_t n)
{
	if (t->len + n > t->cap) {
		size_t c = t->cap ? t->cap : 8192;
		while (c < t->len + n)
			c *= 2;
		t->buf = realloc(t->buf, c);
		must(t->buf);
		t->cap = c;
	}
	memset(t->buf + t->len, 0, n);
	t->len += n;
	return t->len - n;
}

void tb_free(struct tb *t)
{
	free(t->buf);
	*t = (struct tb){ 0 };
}

/* w - 1 octal digits and a NUL, as GNU tar fills a field */
void oct(uint8_t *f, size_t w, uint64_t v)
{
	f[w - 1] = 0;
	for (size_t i = w - 1; i-- > 0; v >>= 3)
		f[i] = (uint8_t)('0' + (v & 7));
}

unsigned sum_of(const uint8_t *h)
{
	unsigned s = 0;
	for (unsigned i = 0; i < 512; i++)
		s += i >= 148 && i < 156 ? ' ' : h[i];
	return s;
}

/* "%06o\0 " as GNU tar writes it */
void tb_sum(uint8_t *h)
{
	oct(h + 148, 7, sum_of(h));
	h[155] = ' ';
}

uint8_t *H(struct tb *t, size_t off) { return t->buf + off; }

/* a POSIX ustar header (name up to 100 bytes); returns its offset */
size_t tb_hdr(struct tb *t, const char *name, char type, uint64_t size)
{
	size_t off = tb_grow(t, 512), n = strlen(name);
	uint8_t *h = H(t, off);
	must(n <= 100);
	memcpy(h, name, n);
	oct(h + 100, 8, 0644);
	oct(h + 108, 8, 1000);
	oct(h + 116, 8, 1000);
	oct(h + 124, 12, size);
	oct(h + 136, 12, MTIME);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	tb_sum(h);
	return off;
}

void tb_data(struct tb *t, const void *d, size_t n)
{
	size_t off = tb_grow(t, (n + 511) & ~(size_t)511);
	if (n)
		memcpy(H(t, off), d, n);
}

size_t tb_filen(struct tb *t, const char *name, const void *d, size_t n)
{
	size_t off = tb_hdr(t, name, '0', n);
	tb_data(t, d, n);
	return off;
}

size_t tb_file(struct tb *t, const char *name, const char *text) { return tb_filen(t, name, text, strlen(text)); }
size_t tb_dir(struct tb *t, const char *name) { return tb_hdr(t, name, '5', 0); }

void tb_end(struct tb *t) { tb_grow(t, 1024); }

/* a pax extended header ('x', or 'g') carrying records */
size_t tb_pax(struct tb *t, char type, const void *rec, size_t n)
{
	size_t off = tb_hdr(t, "PaxHeaders/x", type, n);
	tb_data(t, rec, n);
	return off;
}

void pr_addn(struct pr *p, const char *key, const char *val, size_t vl)
{
	size_t body = strlen(key) + vl + 3, n = body + 1;
	while (n != body + (size_t)snprintf(NULL, 0, "%zu", n))
		n = body + (size_t)snprintf(NULL, 0, "%zu", n);
	ck_assert_uint_lt(p->n + n, sizeof(p->b));
	size_t d = (size_t)sprintf(p->b + p->n, "%zu %s=", n, key);
	memcpy(p->b + p->n + d, val, vl);
	p->b[p->n + n - 1] = '\n';
	p->n += n;
}

void pr_add(struct pr *p, const char *key, const char *val) { pr_addn(p, key, val, strlen(val)); }

/* a GNU long name ('L') for the next header, as GNU tar writes it */
void tb_long(struct tb *t, char type, const char *name)
{
	size_t n = strlen(name) + 1, off = tb_hdr(t, "././@LongLink", type, n);
	memcpy(H(t, off) + 257, "ustar  ", 8);
	tb_sum(H(t, off));
	tb_data(t, name, n);
}

/* ---- opening ------------------------------------------------------------------------- */

char err[512];

/* from a heap copy of exactly n bytes, owned by the site */
struct hs_site *open_bytes(const char *name, const void *p, size_t n)
{
	void *c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	if (n)
		memcpy(c, p, n);
	memset(err, 'x', sizeof(err));
	return hs_open(name, c, n, true, err, sizeof(err));
}

struct hs_site *open_ok(struct tb *t)
{
	struct hs_site *s = open_bytes("t", t->buf, t->len);
	ck_assert_msg(s, "refused: %s", err);
	ck_assert_str_eq(err, "");
	return s;
}

/* refused, err holding want (and starting with the site's name) */
void refused(struct tb *t, const char *want)
{
	struct hs_site *s = open_bytes("t", t->buf, t->len);
	ck_assert_msg(!s, "opened, wanted \"%s\"", want);
	ck_assert_msg(strstr(err, want) && !strncmp(err, "t: ", 3), "err \"%s\", wanted \"%s\"", err, want);
	tb_free(t);
}

enum hs_found look(const struct hs_site *s, const char *path, const struct hs_file **f)
{
	return hs_lookup(s, path, strlen(path), f);
}

/* the file at path, which must be one */
const struct hs_file *file(const struct hs_site *s, const char *path)
{
	const struct hs_file *f = NULL;
	ck_assert_msg(look(s, path, &f) == HS_FILE, "%s not found", path);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->path, path);
	ck_assert_uint_eq(f->path_len, strlen(path));
	return f;
}

void is_text(const struct hs_file *f, const char *text)
{
	ck_assert_uint_eq(f->size, strlen(text));
	ck_assert(!memcmp(f->data, text, strlen(text)));
}

char *fmt(const char *f, ...)
{
	static char buf[8][4096];
	static unsigned n;
	char *b = buf[n++ % 8];
	va_list ap;
	va_start(ap, f);
	vsnprintf(b, sizeof(buf[0]), f, ap);
	va_end(ap);
	return b;
}

/* ---- checks -------------------------------------------------------------------------- */

void etag_form(const char *e)
{
	must(strlen(e) == 18 && e[0] == '"' && e[17] == '"');
	for (int i = 1; i < 17; i++)
		must((e[i] >= '0' && e[i] <= '9') || (e[i] >= 'a' && e[i] <= 'f'));
}

uint64_t rng_state;
uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* path order: bytewise with '/' before every other byte */
int tree_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned x = (uint8_t)*a, y = (uint8_t)*b;
		x = x == '/' ? 1 : x;
		y = y == '/' ? 1 : y;
		if (x != y || !x)
			return (int)x - (int)y;
	}
}
