/* The static server's site (apps/httpd/hs.c): tar archives written here block by block
 * and by GNU tar itself (ustar, pax, gnu, oldgnu, v7), indexed and looked up; names
 * normalised; every refusal with its offset and reason; ETags (XXH64, checked against the
 * reference's values), MIME types and PATH.gz siblings; the limits; and a few thousand
 * mutated archives (seeded). Every archive is opened from a heap copy of its exact size,
 * owned by the site, so AddressSanitizer sees any read past its end and any leak. */
#include "check_run.h"
#include "hs.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MTIME 1700000000

/* ck_assert's passing path reports its line to Check's parent through a pipe: in the hot
 * loops (a 65,537-member archive, thousands of mutated ones) only failures should cost */
#define must(c) ((c) ? (void)0 : ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c))

/* ---- a tar writer -------------------------------------------------------------------- */

struct tb {
	uint8_t *buf;
	size_t len, cap;
};

/* n zeroed bytes at the end; returns their offset (buf may move) */
static size_t tb_grow(struct tb *t, size_t n)
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

static void tb_free(struct tb *t)
{
	free(t->buf);
	*t = (struct tb){ 0 };
}

/* w - 1 octal digits and a NUL, as GNU tar fills a field */
static void oct(uint8_t *f, size_t w, uint64_t v)
{
	f[w - 1] = 0;
	for (size_t i = w - 1; i-- > 0; v >>= 3)
		f[i] = (uint8_t)('0' + (v & 7));
}

static unsigned sum_of(const uint8_t *h)
{
	unsigned s = 0;
	for (unsigned i = 0; i < 512; i++)
		s += i >= 148 && i < 156 ? ' ' : h[i];
	return s;
}

/* "%06o\0 " as GNU tar writes it */
static void tb_sum(uint8_t *h)
{
	oct(h + 148, 7, sum_of(h));
	h[155] = ' ';
}

static uint8_t *H(struct tb *t, size_t off) { return t->buf + off; }

/* a POSIX ustar header (name up to 100 bytes); returns its offset */
static size_t tb_hdr(struct tb *t, const char *name, char type, uint64_t size)
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

static void tb_data(struct tb *t, const void *d, size_t n)
{
	size_t off = tb_grow(t, (n + 511) & ~(size_t)511);
	if (n)
		memcpy(H(t, off), d, n);
}

static size_t tb_filen(struct tb *t, const char *name, const void *d, size_t n)
{
	size_t off = tb_hdr(t, name, '0', n);
	tb_data(t, d, n);
	return off;
}

static size_t tb_file(struct tb *t, const char *name, const char *text) { return tb_filen(t, name, text, strlen(text)); }
static size_t tb_dir(struct tb *t, const char *name) { return tb_hdr(t, name, '5', 0); }

static void tb_end(struct tb *t) { tb_grow(t, 1024); }

/* a pax extended header ('x', or 'g') carrying records */
static size_t tb_pax(struct tb *t, char type, const void *rec, size_t n)
{
	size_t off = tb_hdr(t, "PaxHeaders/x", type, n);
	tb_data(t, rec, n);
	return off;
}

/* pax records "LEN key=value\n", LEN counting the whole record */
struct pr {
	char b[4096];
	size_t n;
};

static void pr_addn(struct pr *p, const char *key, const char *val, size_t vl)
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

static void pr_add(struct pr *p, const char *key, const char *val) { pr_addn(p, key, val, strlen(val)); }

/* a GNU long name ('L') for the next header, as GNU tar writes it */
static void tb_long(struct tb *t, char type, const char *name)
{
	size_t n = strlen(name) + 1, off = tb_hdr(t, "././@LongLink", type, n);
	memcpy(H(t, off) + 257, "ustar  ", 8);
	tb_sum(H(t, off));
	tb_data(t, name, n);
}

/* ---- opening ------------------------------------------------------------------------- */

static char err[512];

/* from a heap copy of exactly n bytes, owned by the site */
static struct hs_site *open_bytes(const char *name, const void *p, size_t n)
{
	void *c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	if (n)
		memcpy(c, p, n);
	memset(err, 'x', sizeof(err));
	return hs_open(name, c, n, true, err, sizeof(err));
}

static struct hs_site *open_ok(struct tb *t)
{
	struct hs_site *s = open_bytes("t", t->buf, t->len);
	ck_assert_msg(s, "refused: %s", err);
	ck_assert_str_eq(err, "");
	return s;
}

/* refused, err holding want (and starting with the site's name) */
static void refused(struct tb *t, const char *want)
{
	struct hs_site *s = open_bytes("t", t->buf, t->len);
	ck_assert_msg(!s, "opened, wanted \"%s\"", want);
	ck_assert_msg(strstr(err, want) && !strncmp(err, "t: ", 3), "err \"%s\", wanted \"%s\"", err, want);
	tb_free(t);
}

static enum hs_found look(const struct hs_site *s, const char *path, const struct hs_file **f)
{
	return hs_lookup(s, path, strlen(path), f);
}

/* the file at path, which must be one */
static const struct hs_file *file(const struct hs_site *s, const char *path)
{
	const struct hs_file *f = NULL;
	ck_assert_msg(look(s, path, &f) == HS_FILE, "%s not found", path);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->path, path);
	ck_assert_uint_eq(f->path_len, strlen(path));
	return f;
}

static void is_text(const struct hs_file *f, const char *text)
{
	ck_assert_uint_eq(f->size, strlen(text));
	ck_assert(!memcmp(f->data, text, strlen(text)));
}

static char *fmt(const char *f, ...)
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

/* ---- lookups ------------------------------------------------------------------------- */

START_TEST(lookups)
{
	struct tb t = { 0 };
	tb_file(&t, "index.html", "<h1>root</h1>");
	tb_file(&t, "a.txt", "A");
	tb_dir(&t, "docs/");
	tb_file(&t, "docs/index.html", "docs");
	tb_file(&t, "docs/x.css", "x{}");
	tb_file(&t, "docs/sub/y.js", "y");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_str_eq(hs_name(s), "t");
	ck_assert_uint_eq(hs_files(s), 5);
	ck_assert_uint_eq(hs_bytes(s), 13 + 1 + 4 + 3 + 1);
	ck_assert_uint_eq(hs_skipped(s), 0);

	const struct hs_file *f = file(s, "/a.txt"), *g;
	is_text(f, "A");
	ck_assert_int_eq(f->mtime, MTIME);
	ck_assert_str_eq(f->mime, "text/plain; charset=utf-8");
	ck_assert_ptr_null(f->gz);
	ck_assert(!f->has_plain);
	is_text(file(s, "/docs/sub/y.js"), "y");
	ck_assert_str_eq(file(s, "/docs/x.css")->mime, "text/css; charset=utf-8");

	/* folders: with the '/' their index.html, without it a redirect */
	ck_assert_int_eq(look(s, "/", &g), HS_FILE);
	ck_assert_ptr_eq(g, file(s, "/index.html"));
	ck_assert_int_eq(look(s, "/docs/", &g), HS_FILE);
	ck_assert_ptr_eq(g, file(s, "/docs/index.html"));
	g = f;
	ck_assert_int_eq(look(s, "/docs", &g), HS_FOLDER_SLASH);
	ck_assert_ptr_null(g);
	ck_assert_int_eq(look(s, "/docs/sub", &g), HS_FOLDER_SLASH);
	g = f;
	ck_assert_int_eq(look(s, "/docs/sub/", &g), HS_NOT_FOUND);
	ck_assert_ptr_null(g);

	/* not there, or not as asked */
	const char *missing[] = { "/a.txt/", "/missing", "/missing/", "/docs/missing/", "/docs/index.html/", "a.txt",
				  "/A.TXT", "/docs/x", "/doc", "/docs/sub/y", "/index", "//" };
	for (unsigned i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		g = f;
		ck_assert_msg(look(s, missing[i], &g) == HS_NOT_FOUND, "%s found", missing[i]);
		ck_assert_ptr_null(g);
	}
	ck_assert_int_eq(hs_lookup(s, "", 0, &g), HS_NOT_FOUND);
	ck_assert_int_eq(hs_lookup(s, NULL, 0, &g), HS_NOT_FOUND);
	/* only len bytes count, no NUL needed; f may be NULL */
	ck_assert_int_eq(hs_lookup(s, "/a.txtjunk", 6, &g), HS_FILE);
	ck_assert_ptr_eq(g, f);
	ck_assert_int_eq(hs_lookup(s, "/docs/index.html", 6, NULL), HS_FILE);
	ck_assert_int_eq(hs_lookup(s, "/docs/index.html", 5, NULL), HS_FOLDER_SLASH);
	ck_assert_int_eq(hs_lookup(s, "/a.txt", 6, NULL), HS_FILE);
	hs_close(s);
	tb_free(&t);
}
END_TEST

START_TEST(root_without_index)
{
	struct tb t = { 0 };
	tb_file(&t, "x.html", "x");
	tb_file(&t, "deep/er/index.html", "i");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_int_eq(look(s, "/", NULL), HS_NOT_FOUND);
	ck_assert_int_eq(look(s, "/deep/", NULL), HS_NOT_FOUND);
	ck_assert_int_eq(look(s, "/deep", NULL), HS_FOLDER_SLASH);
	ck_assert_int_eq(look(s, "/deep/er/", NULL), HS_FILE);
	/* a folder named index.html is no index */
	hs_close(s);
	tb_free(&t);
	tb_file(&t, "index.html/x", "x");
	tb_end(&t);
	s = open_ok(&t);
	ck_assert_int_eq(look(s, "/", NULL), HS_NOT_FOUND);
	ck_assert_int_eq(look(s, "/index.html", NULL), HS_FOLDER_SLASH);
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* sizes around the block: each file's bytes, and the member after it found */
START_TEST(sizes)
{
	static const size_t sz[] = { 0, 1, 2, 511, 512, 513, 1023, 1024, 1025, 4097 };
	static uint8_t data[4097];
	struct tb t = { 0 };
	uint64_t total = 0;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (unsigned i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		tb_filen(&t, fmt("f%zu", sz[i]), data, sz[i]);
		tb_file(&t, fmt("after%zu", sz[i]), "z");
		total += sz[i] + 1;
	}
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_uint_eq(hs_files(s), 2 * sizeof(sz) / sizeof(sz[0]));
	ck_assert_uint_eq(hs_bytes(s), total);
	for (unsigned i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		const struct hs_file *f = file(s, fmt("/f%zu", sz[i]));
		ck_assert_uint_eq(f->size, sz[i]);
		ck_assert(!sz[i] || !memcmp(f->data, data, sz[i]));
		is_text(file(s, fmt("/after%zu", sz[i])), "z");
	}
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* ---- ETags --------------------------------------------------------------------------- */

static void etag_form(const char *e)
{
	must(strlen(e) == 18 && e[0] == '"' && e[17] == '"');
	for (int i = 1; i < 17; i++)
		must((e[i] >= '0' && e[i] <= '9') || (e[i] >= 'a' && e[i] <= 'f'));
}

static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

START_TEST(etags)
{
	struct tb t = { 0 };
	tb_file(&t, "empty", "");
	tb_file(&t, "a", "a");
	tb_file(&t, "abc", "abc");
	tb_file(&t, "abc2", "abc");
	tb_filen(&t, "a0", "a\0", 2);
	tb_end(&t);
	struct hs_site *s = open_ok(&t), *s2;
	/* XXH64 of the bytes (its length mixed in), seed 0: the reference's own values */
	ck_assert_str_eq(file(s, "/empty")->etag, "\"ef46db3751d8e999\"");
	ck_assert_str_eq(file(s, "/a")->etag, "\"d24ec4f1a98c6e5b\"");
	ck_assert_str_eq(file(s, "/abc")->etag, "\"44bc2cf5ad770999\"");
	ck_assert_str_eq(file(s, "/abc2")->etag, file(s, "/abc")->etag);
	ck_assert_str_ne(file(s, "/a0")->etag, file(s, "/a")->etag);
	/* the same bytes elsewhere in memory, another open: the same tags */
	s2 = open_ok(&t);
	ck_assert_str_eq(file(s2, "/abc")->etag, file(s, "/abc")->etag);
	ck_assert_str_eq(file(s2, "/a0")->etag, file(s, "/a0")->etag);
	hs_close(s);
	hs_close(s2);
	tb_free(&t);
}
END_TEST

/* one byte changed anywhere, at every length across the 8- and 32-byte strides: another tag */
static int str_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

START_TEST(etags_one_byte)
{
	enum { N = 1000 };
	static uint8_t base[N], v[N];
	struct tb t = { 0 };
	rng_state = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < N; i++)
		base[i] = (uint8_t)rng();
	tb_filen(&t, "base", base, N);
	for (unsigned i = 0; i < N; i++) {
		memcpy(v, base, N);
		v[i] ^= (uint8_t)(1u << (i % 8));
		tb_filen(&t, fmt("flip%u", i), v, N);
	}
	for (unsigned n = 1; n <= 80; n++) {
		tb_filen(&t, fmt("len%u", n), base, n);
		memcpy(v, base, n);
		v[n - 1] ^= 0x80;
		tb_filen(&t, fmt("last%u", n), v, n);
		memcpy(v, base, n);
		v[0] ^= 1;
		tb_filen(&t, fmt("first%u", n), v, n);
	}
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	unsigned n = hs_files(s);
	ck_assert_uint_eq(n, 1 + N + 3 * 80);
	const char **tags = malloc(n * sizeof(*tags));
	for (unsigned i = 0; i < n; i++)
		etag_form(tags[i] = hs_file_at(s, i)->etag);
	qsort(tags, n, sizeof(*tags), str_cmp);
	for (unsigned i = 1; i < n; i++)
		ck_assert_msg(strcmp(tags[i - 1], tags[i]), "two files share %s", tags[i]);
	free(tags);
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* ---- gz siblings and MIME types ------------------------------------------------------ */

START_TEST(gz_siblings)
{
	struct tb t = { 0 };
	tb_file(&t, "a.css", "a{}");
	tb_file(&t, "a.css.gz", "\x1f\x8b css");
	tb_file(&t, "b.js.gz", "\x1f\x8b js");
	tb_file(&t, "c.gz", "\x1f\x8b c");
	tb_file(&t, "README", "read me");
	tb_file(&t, "README.gz", "\x1f\x8b rm");
	tb_file(&t, "d.tar.gz", "\x1f\x8b tar");
	tb_file(&t, "x", "x");
	tb_dir(&t, "x.gz");
	tb_file(&t, "y.gz", "\x1f\x8b y");
	tb_file(&t, "y.gz.gz", "\x1f\x8b yy");
	tb_file(&t, "up.HTML", "<p>");
	tb_file(&t, "up.HTML.GZ", "\x1f\x8b up");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	const struct hs_file *a = file(s, "/a.css"), *agz = file(s, "/a.css.gz");
	ck_assert_ptr_eq(a->gz, agz);
	ck_assert(agz->has_plain && !a->has_plain);
	ck_assert_ptr_null(agz->gz);
	ck_assert_str_eq(a->mime, "text/css; charset=utf-8");
	ck_assert_str_eq(agz->mime, "text/css; charset=utf-8");
	/* a PATH.gz without its PATH goes out as it is: gzip */
	const struct hs_file *b = file(s, "/b.js.gz");
	ck_assert(!b->has_plain);
	ck_assert_str_eq(b->mime, "application/gzip");
	ck_assert_str_eq(file(s, "/c.gz")->mime, "application/gzip");
	ck_assert_str_eq(file(s, "/d.tar.gz")->mime, "application/gzip");
	/* with its PATH, PATH's type, known or not */
	ck_assert_ptr_eq(file(s, "/README")->gz, file(s, "/README.gz"));
	ck_assert_str_eq(file(s, "/README.gz")->mime, "application/octet-stream");
	/* a folder PATH.gz is no sibling */
	ck_assert_ptr_null(file(s, "/x")->gz);
	/* chains: y.gz is y.gz.gz's PATH */
	ck_assert_ptr_eq(file(s, "/y.gz")->gz, file(s, "/y.gz.gz"));
	ck_assert(file(s, "/y.gz.gz")->has_plain && !file(s, "/y.gz")->has_plain);
	ck_assert_str_eq(file(s, "/y.gz")->mime, "application/gzip");
	ck_assert_str_eq(file(s, "/y.gz.gz")->mime, "application/gzip");
	/* siblings by exact name (".GZ" is not ".gz"), types by any case */
	ck_assert_ptr_null(file(s, "/up.HTML")->gz);
	ck_assert_str_eq(file(s, "/up.HTML")->mime, "text/html; charset=utf-8");
	ck_assert_str_eq(file(s, "/up.HTML.GZ")->mime, "application/gzip");
	hs_close(s);
	tb_free(&t);
}
END_TEST

static const char *mime(const char *p) { return hs_mime(p, strlen(p)); }

START_TEST(mime_types)
{
	static const char *const cases[][2] = {
		{ "/a.html", "text/html; charset=utf-8" }, { "/a.htm", "text/html; charset=utf-8" },
		{ "/A.HTML", "text/html; charset=utf-8" }, { "/s.css", "text/css; charset=utf-8" },
		{ "/m.js", "text/javascript; charset=utf-8" }, { "/m.mjs", "text/javascript; charset=utf-8" },
		{ "/d.json", "application/json" }, { "/m.js.map", "application/json" },
		{ "/r.txt", "text/plain; charset=utf-8" }, { "/x.xml", "application/xml" },
		{ "/i.svg", "image/svg+xml" }, { "/i.png", "image/png" }, { "/i.jpg", "image/jpeg" },
		{ "/i.JPEG", "image/jpeg" }, { "/i.gif", "image/gif" }, { "/i.webp", "image/webp" },
		{ "/i.avif", "image/avif" }, { "/favicon.ico", "image/x-icon" }, { "/f.woff", "font/woff" },
		{ "/f.woff2", "font/woff2" }, { "/f.ttf", "font/ttf" }, { "/f.otf", "font/otf" },
		{ "/d.pdf", "application/pdf" }, { "/w.wasm", "application/wasm" }, { "/v.mp4", "video/mp4" },
		{ "/v.webm", "video/webm" }, { "/s.mp3", "audio/mpeg" }, { "/s.ogg", "audio/ogg" },
		{ "/s.wav", "audio/wav" }, { "/z.zip", "application/zip" }, { "/z.gz", "application/gzip" },
		{ "/z.tar", "application/x-tar" }, { "/t.csv", "text/csv; charset=utf-8" },
		{ "/t.md", "text/markdown; charset=utf-8" }, { "/site.webmanifest", "application/manifest+json" },
		/* PATH.gz: PATH's type when it has one */
		{ "/a.css.gz", "text/css; charset=utf-8" }, { "/a.CSS.GZ", "text/css; charset=utf-8" },
		{ "/a.tar.gz", "application/x-tar" }, { "/a.weird.gz", "application/gzip" },
		{ "/x.gz.gz", "application/gzip" },
		/* no extension, a dot-file, a dot in a folder's name, unknown, too long */
		{ "/README", "application/octet-stream" }, { "/.css", "application/octet-stream" },
		{ "/a/.gz", "application/octet-stream" }, { "/a.b/c", "application/octet-stream" },
		{ "/a.", "application/octet-stream" }, { "/a.exe", "application/octet-stream" },
		{ "/a.webmanifestx", "application/octet-stream" }, { "", "application/octet-stream" },
		{ ".html", "application/octet-stream" }, { "a.html", "text/html; charset=utf-8" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(!strcmp(mime(cases[i][0]), cases[i][1]), "%s: %s", cases[i][0], mime(cases[i][0]));
	/* only len bytes */
	ck_assert_str_eq(hs_mime("/a.css.gz", 6), "text/css; charset=utf-8");
	ck_assert_str_eq(hs_mime(NULL, 0), "application/octet-stream");
}
END_TEST

/* ---- names --------------------------------------------------------------------------- */

START_TEST(names)
{
	struct tb t = { 0 };
	tb_dir(&t, "./");
	tb_file(&t, "./a.txt", "a");
	tb_file(&t, "b//c.txt", "c");
	tb_file(&t, "/abs.txt", "abs");
	tb_file(&t, "///x/./y/.//z.txt", "z");
	tb_file(&t, "./.hidden", "h");
	tb_file(&t, "sp ace/caf\xc3\xa9.txt", "utf8");
	tb_dir(&t, "./e/");
	tb_dir(&t, "f");
	tb_hdr(&t, "old/", '0', 0); /* a v7 folder: a regular file's name ending in '/' */
	/* ustar's prefix, joined with a '/' */
	size_t off = tb_hdr(&t, "name.txt", '0', 1);
	memcpy(H(&t, off) + 345, "pre/fix", 7);
	tb_sum(H(&t, off));
	tb_data(&t, "p", 1);
	/* a full 100-byte name and a full 155-byte prefix: no NUL in either */
	char name[101], prefix[156];
	memset(name, 'n', 100);
	name[100] = 0;
	memset(prefix, 'p', 155);
	prefix[155] = 0;
	off = tb_hdr(&t, name, '0', 1);
	memcpy(H(&t, off) + 345, prefix, 155);
	tb_sum(H(&t, off));
	tb_data(&t, "q", 1);
	/* GNU's header keeps other things where the prefix is: not a prefix */
	off = tb_hdr(&t, "gnu.txt", '0', 1);
	memcpy(H(&t, off) + 257, "ustar  ", 8);
	memcpy(H(&t, off) + 345, "\x31\x32\x33", 3);
	tb_sum(H(&t, off));
	tb_data(&t, "g", 1);
	/* v7: no magic at all */
	off = tb_hdr(&t, "v7.txt", 0, 1);
	memset(H(&t, off) + 257, 0, 8);
	tb_sum(H(&t, off));
	tb_data(&t, "7", 1);
	tb_hdr(&t, "contig.bin", '7', 0);
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	is_text(file(s, "/a.txt"), "a");
	is_text(file(s, "/b/c.txt"), "c");
	is_text(file(s, "/abs.txt"), "abs");
	is_text(file(s, "/x/y/z.txt"), "z");
	is_text(file(s, "/.hidden"), "h");
	is_text(file(s, "/sp ace/caf\xc3\xa9.txt"), "utf8");
	is_text(file(s, "/pre/fix/name.txt"), "p");
	is_text(file(s, fmt("/%s/%s", prefix, name)), "q");
	is_text(file(s, "/gnu.txt"), "g");
	is_text(file(s, "/v7.txt"), "7");
	file(s, "/contig.bin");
	const char *folders[] = { "/b", "/x", "/x/y", "/e", "/f", "/old", "/pre", "/pre/fix", "/sp ace" };
	for (unsigned i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
		ck_assert_msg(look(s, folders[i], NULL) == HS_FOLDER_SLASH, "%s", folders[i]);
	ck_assert_uint_eq(hs_files(s), 11);
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------ */

START_TEST(refused_header)
{
	struct tb t = { 0 };
	/* a bad checksum: the second header, one byte changed after it was summed */
	tb_file(&t, "a", "a");
	size_t off = tb_file(&t, "b", "b");
	unsigned sum = sum_of(H(&t, off));
	H(&t, off)[1] = 'x';
	tb_end(&t);
	refused(&t, fmt("t: offset 1024: header checksum 0o%o, the header sums to 0o%o", sum, sum + 'x'));

	/* a checksum that is not a number: not a header at all */
	off = tb_file(&t, "a", "a");
	memcpy(H(&t, off) + 148, "zzzzzz\0 ", 8);
	refused(&t, "t: offset 0: not a tar header (its checksum field is not octal)");
	off = tb_grow(&t, 512);
	memset(H(&t, off), 0xa5, 512);
	refused(&t, "t: offset 0: not a tar header");

	/* fields */
	const char *bad[] = { "0000000001a", "00000000008", "abc", "            ", "-1", "0x10" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		off = tb_file(&t, "a", "");
		memset(H(&t, off) + 124, 0, 12);
		memcpy(H(&t, off) + 124, bad[i], strlen(bad[i]));
		tb_sum(H(&t, off));
		tb_end(&t);
		refused(&t, "t: offset 0: the size field is not octal");
		off = tb_file(&t, "a", "");
		memset(H(&t, off) + 136, 0, 12);
		memcpy(H(&t, off) + 136, bad[i], strlen(bad[i]));
		tb_sum(H(&t, off));
		tb_end(&t);
		refused(&t, "t: offset 0: the mtime field is not octal");
	}
	/* a negative base-256 size, and a base-256 that does not fit 64 bits */
	off = tb_file(&t, "a", "");
	memset(H(&t, off) + 124, 0xff, 12);
	tb_sum(H(&t, off));
	refused(&t, "t: offset 0: the size field is not octal");
	off = tb_file(&t, "a", "");
	memset(H(&t, off) + 124, 0, 12);
	H(&t, off)[124] = 0x80;
	H(&t, off)[125] = 1;
	tb_sum(H(&t, off));
	refused(&t, "t: offset 0: the size field is not octal");

	/* a member past the end, by a byte of its data or of its padding */
	tb_file(&t, "a", "a");
	off = tb_hdr(&t, "big", '0', 1000);
	tb_grow(&t, 512);
	refused(&t, "t: offset 1024: a member of 1000 bytes runs past the end (512 bytes left)");
	tb_hdr(&t, "big", '0', 1000);
	tb_grow(&t, 999);
	refused(&t, "t: offset 0: a member of 1000 bytes runs past the end (999 bytes left)");
	tb_hdr(&t, "big", '0', 1000);
	tb_grow(&t, 1000);
	refused(&t, "t: offset 0: a member of 1000 bytes runs past the end (1000 bytes left)");
	tb_hdr(&t, "link", '2', 1);
	refused(&t, "t: offset 0: a member of 1 bytes runs past the end (0 bytes left)");
	/* a truncated header, even of zeros */
	tb_file(&t, "a", "a");
	tb_grow(&t, 100);
	refused(&t, "t: offset 1024: a truncated header (100 bytes)");
	tb_file(&t, "a", "a");
	tb_grow(&t, 512 + 100);
	refused(&t, "t: offset 1024: a lone zero block");
	/* a lone zero block, then more */
	tb_file(&t, "a", "a");
	tb_grow(&t, 512);
	tb_file(&t, "b", "b");
	tb_end(&t);
	refused(&t, "t: offset 1024: a lone zero block before more data (two end an archive)");
}
END_TEST

/* the end: two zero blocks (anything after them ignored), or the data's end on a block */
START_TEST(archive_end)
{
	struct tb t = { 0 };
	tb_file(&t, "a", "a");
	struct hs_site *s = open_ok(&t);
	hs_close(s);
	tb_grow(&t, 512);
	s = open_ok(&t);
	hs_close(s);
	tb_grow(&t, 512);
	memset(H(&t, tb_grow(&t, 700)), 0x5a, 700);
	s = open_ok(&t);
	ck_assert_uint_eq(hs_files(s), 1);
	hs_close(s);
	tb_free(&t);
}
END_TEST

START_TEST(refused_names)
{
	struct tb t = { 0 };
	static const char *const bad[][2] = {
		{ "a/../b", "\"a/../b\": a \"..\" segment" }, { "../x", "\"../x\": a \"..\" segment" },
		{ "..", "\"..\": a \"..\" segment" }, { "x/..", "\"x/..\": a \"..\" segment" },
		{ "a\\b", "\"a\\b\": a backslash" }, { "a\x01" "b", "\"a?b\": a control byte" },
		{ "a\x1f", "\"a?\": a control byte" }, { "tab\there", "\"tab?here\": a control byte" },
		{ "del\x7f", "\"del?\": a control byte" }, { "", "\"\": an empty name" },
		{ ".", "\".\": an empty name" }, { "./.", "\"./.\": an empty name" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tb_file(&t, "ok", "ok");
		tb_file(&t, bad[i][0], "x");
		tb_end(&t);
		refused(&t, fmt("t: offset 1024: %s", bad[i][1]));
	}
	/* folders too, and through a prefix */
	tb_dir(&t, "a/../b/");
	refused(&t, "t: offset 0: \"a/../b/\": a \"..\" segment");
	size_t off = tb_hdr(&t, "n", '0', 0);
	memcpy(H(&t, off) + 345, "..", 2);
	tb_sum(H(&t, off));
	refused(&t, "t: offset 0: \"../n\": a \"..\" segment");
	/* a pax path: a NUL refused where it stands */
	struct pr rec = { .n = 0 };
	pr_addn(&rec, "path", "a\0b", 3);
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "n", "");
	refused(&t, "t: offset 512: a pax path with a NUL byte");
	/* a GNU long name stops at its NUL */
	tb_long(&t, 'L', "long/name");
	tb_file(&t, "short", "s");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	file(s, "/long/name");
	hs_close(s);
	tb_free(&t);
}
END_TEST

START_TEST(refused_twice)
{
	struct tb t = { 0 };
	tb_file(&t, "a.txt", "1");
	tb_file(&t, "./a.txt", "2");
	refused(&t, "t: offset 1024: /a.txt given twice (and at offset 0)");
	tb_dir(&t, "d/");
	tb_dir(&t, "./d");
	tb_file(&t, "f", "");
	refused(&t, "t: offset 512: /d given twice (and at offset 0)");
	/* the first pair in path order, whatever the archive's order */
	tb_file(&t, "z", "");
	tb_file(&t, "b", "");
	tb_file(&t, "z", "");
	tb_file(&t, "b", "");
	refused(&t, "t: offset 1536: /b given twice (and at offset 512)");
	tb_file(&t, "x", "");
	tb_dir(&t, "x");
	refused(&t, "t: offset 512: /x is both a file and a folder (see offset 0)");
	tb_dir(&t, "x");
	tb_file(&t, "x", "");
	refused(&t, "t: offset 512: /x is both a file and a folder (see offset 0)");
	/* a file where another file's path needs a folder, either order, any depth */
	tb_file(&t, "a/b", "");
	tb_file(&t, "a/b-c", "");
	tb_file(&t, "a/b/c/d", "");
	refused(&t, "t: offset 1024: /a/b is both a file and a folder (see offset 0)");
	tb_file(&t, "a/b/c/d", "");
	tb_file(&t, "a/b.c", "");
	tb_file(&t, "a/b", "");
	refused(&t, "t: offset 1024: /a/b is both a file and a folder (see offset 0)");
	/* but a prefix that is no parent is fine */
	tb_file(&t, "ab", "");
	tb_file(&t, "ab-c/d", "");
	tb_file(&t, "ab.c", "");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_uint_eq(hs_files(s), 3);
	hs_close(s);
	tb_free(&t);
}
END_TEST

START_TEST(refused_no_file)
{
	struct tb t = { 0 };
	struct hs_site *s = open_bytes("t", "", 0);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err, "t: no file in it");
	ck_assert_ptr_null(hs_open("t", NULL, 0, false, err, sizeof(err)));
	ck_assert_str_eq(err, "t: no file in it");
	ck_assert_ptr_null(hs_open("t", NULL, 10, true, err, sizeof(err)));
	ck_assert_str_eq(err, "t: no archive");
	tb_end(&t);
	refused(&t, "t: no file in it");
	tb_dir(&t, "./");
	tb_dir(&t, "a/");
	tb_hdr(&t, "l", '2', 0);
	tb_end(&t);
	refused(&t, "t: no file in it");
}
END_TEST

/* ---- pax, GNU long names, other types ------------------------------------------------ */

START_TEST(pax_headers)
{
	struct tb t = { 0 };
	struct pr rec = { .n = 0 };
	char longname[301];
	memset(longname, 'l', 300);
	memcpy(longname, "dir/", 4);
	longname[300] = 0;
	pr_add(&rec, "path", longname);
	pr_add(&rec, "mtime", "1700000123.987654321");
	pr_add(&rec, "atime", "1.5");
	pr_add(&rec, "linkpath", "whatever");
	pr_addn(&rec, "SCHILY.xattr.user.x", "=\n\0y", 4);
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "short-name-ignored", "long");
	/* size: the header says 0, pax 5 */
	rec.n = 0;
	pr_add(&rec, "size", "5");
	pr_add(&rec, "mtime", "-5.5");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_hdr(&t, "sized", '0', 0);
	tb_data(&t, "12345", 5);
	/* NUL padding after the records; two 'x' merged, the later key winning; an empty
	 * value cancels */
	rec.n = 0;
	pr_add(&rec, "path", "first");
	memset(rec.b + rec.n, 0, 7);
	tb_pax(&t, 'x', rec.b, rec.n + 7);
	rec.n = 0;
	pr_add(&rec, "mtime", "42");
	pr_add(&rec, "path", "second");
	pr_add(&rec, "path", "");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "own", "o");
	/* a global header: skipped, its records not taken */
	rec.n = 0;
	pr_add(&rec, "path", "global");
	pr_add(&rec, "size", "99");
	tb_pax(&t, 'g', rec.b, rec.n);
	tb_file(&t, "after-global", "g");
	/* 'x' then 'L': pax wins */
	rec.n = 0;
	pr_add(&rec, "path", "pax-wins");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_long(&t, 'L', "gnu-loses");
	tb_file(&t, "x", "w");
	/* a bare point after the seconds */
	rec.n = 0;
	pr_add(&rec, "mtime", "7.");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "seven", "7");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	const struct hs_file *f = file(s, fmt("/%s", longname));
	is_text(f, "long");
	ck_assert_int_eq(f->mtime, 1700000123);
	f = file(s, "/sized");
	is_text(f, "12345");
	ck_assert_int_eq(f->mtime, -5);
	ck_assert_int_eq(file(s, "/own")->mtime, 42);
	is_text(file(s, "/after-global"), "g");
	is_text(file(s, "/pax-wins"), "w");
	ck_assert_int_eq(file(s, "/seven")->mtime, 7);
	ck_assert_uint_eq(hs_files(s), 6);
	ck_assert_uint_eq(hs_skipped(s), 0);
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* each bad record in an 'x' at 0 followed by a file: refused at the record's offset */
START_TEST(pax_refused)
{
	static const struct {
		const char *rec;
		size_t n; /* 0: strlen */
		const char *why;
	} bad[] = {
		{ "abc path=x\n", 0, "512: a pax record whose length is not a decimal number and a space" },
		{ "10path=abc\n", 0, "512: a pax record whose length is not a decimal number and a space" },
		{ "010 path=x\n", 0, "512: a pax record whose length is not a decimal number and a space" },
		{ " 9 path=x\n", 0, "512: a pax record whose length is not a decimal number and a space" },
		{ "12", 0, "512: a pax record whose length is not a decimal number and a space" },
		{ "99999999999999999999999 a=b\n", 0, "512: a pax record whose length is not a decimal number and a space" },
		{ "18446744073709551617 a=b\n", 0, "512: a pax record whose length is not a decimal number and a space" },
		{ "30 path=x\n", 0, "512: a pax record longer than the header's data" },
		{ "10 path=x\n", 9, "512: a pax record longer than the header's data" },
		{ "8 path=x\n", 0, "512: a pax record whose length does not end it at a newline" },
		{ "11 path=x\n9 a=bcd\n", 0, "512: a pax record whose length does not end it at a newline" },
		{ "3 \n", 0, "512: a pax record whose length does not end it at a newline" },
		{ "10 path=x\n8 path=x\n", 0, "522: a pax record whose length does not end it at a newline" },
		{ "9 pathx\n\n", 0, "512: a pax record that is not key=value" },
		{ "6 =ab\n", 0, "512: a pax record that is not key=value" },
		{ "6 a=b\n\0\0" "6 a=b\n", 14, "520: a pax record after NUL padding" },
	};
	static const char *const bad_values[][3] = {
		{ "size", "1a", "pax size" }, { "size", "-10", "pax size" }, { "size", "99999999999999999999", "pax size" },
		{ "size", "9223372036854775808", "pax size" }, { "size", " 1", "pax size" },
		{ "mtime", "1.2.3", "pax mtime" }, { "mtime", "a", "pax mtime" }, { "mtime", "-", "pax mtime" },
		{ "mtime", ".5", "pax mtime" }, { "mtime", "1x", "pax mtime" }, { "mtime", "--1", "pax mtime" },
		{ "mtime", "99999999999999999999", "pax mtime" }, { "mtime", "1.5e3", "pax mtime" },
	};
	struct tb t = { 0 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tb_pax(&t, 'x', bad[i].rec, bad[i].n ? bad[i].n : strlen(bad[i].rec));
		tb_file(&t, "f", "f");
		tb_end(&t);
		refused(&t, fmt("t: offset %s", bad[i].why));
	}
	for (unsigned i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		struct pr rec = { .n = 0 };
		pr_add(&rec, "path", "ok");
		size_t at = 512 + rec.n;
		pr_add(&rec, bad_values[i][0], bad_values[i][1]);
		tb_pax(&t, 'x', rec.b, rec.n);
		tb_file(&t, "f", "f");
		tb_end(&t);
		refused(&t, fmt("t: offset %zu: a %s that is not", at, bad_values[i][2]));
	}
	/* an 'x' or 'L' with nothing after it */
	struct pr rec = { .n = 0 };
	pr_add(&rec, "path", "p");
	tb_file(&t, "f", "f");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_end(&t);
	refused(&t, "t: offset 1024: an extended header with no member after it");
	tb_file(&t, "f", "f");
	tb_long(&t, 'L', "name");
	refused(&t, "t: offset 1024: an extended header with no member after it");
}
END_TEST

START_TEST(skipped)
{
	struct tb t = { 0 };
	static uint8_t junk[600];
	memset(junk, 0xee, sizeof(junk));
	tb_file(&t, "a", "a");
	tb_hdr(&t, "hard", '1', 0);
	tb_hdr(&t, "sym", '2', 0);
	tb_hdr(&t, "chr", '3', 0);
	tb_hdr(&t, "blk", '4', 0);
	tb_hdr(&t, "fifo", '6', 0);
	/* another type's data is skipped over */
	tb_hdr(&t, "vendor", 'Z', sizeof(junk));
	tb_data(&t, junk, sizeof(junk));
	/* GNU's long link name, then the link */
	tb_long(&t, 'K', "a very long target");
	tb_hdr(&t, "sym2", '2', 0);
	/* old GNU sparse, with one extension header before its data */
	size_t off = tb_hdr(&t, "sparse", 'S', 512);
	H(&t, off)[482] = 1;
	tb_sum(H(&t, off));
	off = tb_grow(&t, 512);
	memset(H(&t, off), 0xcc, 504);
	H(&t, off)[504] = 0;
	tb_data(&t, junk, 512);
	/* a pax sparse file */
	struct pr rec = { .n = 0 };
	pr_add(&rec, "GNU.sparse.major", "1");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_filen(&t, "GNUSparseFile.0/x", junk, 100);
	tb_file(&t, "b", "b");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_uint_eq(hs_files(s), 2);
	ck_assert_uint_eq(hs_skipped(s), 9);
	is_text(file(s, "/b"), "b");
	const char *gone[] = { "/hard", "/sym", "/chr", "/blk", "/fifo", "/vendor", "/sym2", "/sparse", "/GNUSparseFile.0" };
	for (unsigned i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		ck_assert_msg(look(s, gone[i], NULL) == HS_NOT_FOUND, "%s", gone[i]);
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* GNU's base-256 size and mtime, for what 11 octal digits cannot hold */
START_TEST(base256)
{
	struct tb t = { 0 };
	size_t off = tb_hdr(&t, "b", '0', 0);
	uint8_t *h = H(&t, off);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[135] = 3;
	memset(h + 136, 0xff, 12);
	h[147] = 0xfe; /* -2 */
	tb_sum(h);
	tb_data(&t, "abc", 3);
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	const struct hs_file *f = file(s, "/b");
	is_text(f, "abc");
	ck_assert_int_eq(f->mtime, -2);
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* the header's byte sum taken as signed chars, as some old tars did */
START_TEST(signed_checksum)
{
	struct tb t = { 0 };
	size_t off = tb_file(&t, "caf\xc3\xa9\xff\xff\xff", "x");
	uint8_t *h = H(&t, off);
	int ssum = 0;
	for (unsigned i = 0; i < 512; i++)
		ssum += i >= 148 && i < 156 ? ' ' : (int8_t)h[i];
	oct(h + 148, 7, (unsigned)ssum);
	ck_assert_int_ne(ssum, (int)sum_of(h));
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	file(s, "/caf\xc3\xa9\xff\xff\xff");
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* ---- archives GNU tar writes --------------------------------------------------------- */

static void put_file(const char *dir, const char *rel, const void *d, size_t n)
{
	const char *path = fmt("%s/%s", dir, rel);
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = 0;
	ck_assert_int_eq(system(fmt("mkdir -p '%s'", parent)), 0);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(d, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long l = ftell(f);
	ck_assert_int_ge(l, 0);
	rewind(f);
	uint8_t *b = malloc((size_t)l + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(fread(b, 1, (size_t)l, f), (size_t)l);
	fclose(f);
	*n = (size_t)l;
	return b;
}

/* path order: bytewise with '/' before every other byte */
static int tree_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned x = (uint8_t)*a, y = (uint8_t)*b;
		x = x == '/' ? 1 : x;
		y = y == '/' ? 1 : y;
		if (x != y || !x)
			return (int)x - (int)y;
	}
}

/* A site from `tar --format=FORMAT` over a folder written here: every file's bytes as
 * written, folders, the link skipped, the sibling; long names in the formats that have
 * them (ustar splits a long path into prefix and name; v7 has neither). */
static void real_tar(const char *format, bool long_path, bool long_name)
{
	char dir[] = "/tmp/test_hs_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	static uint8_t big[513];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ 0x5a);
	char deep[200], lname[200];
	snprintf(deep, sizeof(deep), "%s/%s/f.txt", fmt("%0*d", 60, 0), fmt("%0*d", 50, 1));
	memset(lname, 'L', 150);
	strcpy(lname + 150, ".txt");
	const char *names[] = { "index.html", "a/index.html", "a/b.txt", "empty.txt", "big.bin", "style.css", "style.css.gz" };
	const char *texts[] = { "<p>home</p>\n", "<p>a</p>\n", "bee\n", "", NULL, "body{}\n", "\x1f\x8b fake" };
	for (unsigned i = 0; i < 7; i++)
		put_file(dir, names[i], texts[i] ? texts[i] : (const char *)big, texts[i] ? strlen(texts[i]) : sizeof(big));
	if (long_path)
		put_file(dir, deep, "deep", 4);
	if (long_name)
		put_file(dir, fmt("long/%s", lname), "long", 4);
	ck_assert_int_eq(system(fmt("mkdir '%s/emptydir' && ln -s a/b.txt '%s/link'", dir, dir)), 0);
	const char *tarfile = fmt("%s.tar", dir);
	int rc = system(fmt("tar --format=%s --sort=name --mtime=@%d --owner=0 --group=0 --numeric-owner -cf '%s' -C '%s' .",
			    format, MTIME, tarfile, dir));
	ck_assert_int_eq(rc, 0);
	size_t n;
	uint8_t *a = slurp(tarfile, &n);
	ck_assert_int_eq(system(fmt("rm -rf '%s' '%s'", dir, tarfile)), 0);
	struct hs_site *s = hs_open(format, a, n, true, err, sizeof(err));
	ck_assert_msg(s, "%s: %s", format, err);
	ck_assert_uint_eq(hs_files(s), 7u + long_path + long_name);
	ck_assert_uint_eq(hs_skipped(s), 1);
	for (unsigned i = 0; i < 7; i++) {
		const struct hs_file *f = file(s, fmt("/%s", names[i]));
		if (texts[i])
			is_text(f, texts[i]);
		else
			ck_assert(f->size == sizeof(big) && !memcmp(f->data, big, sizeof(big)));
		ck_assert_int_eq(f->mtime, MTIME);
		ck_assert(f->data >= a && f->data + f->size <= a + n);
	}
	if (long_path)
		is_text(file(s, fmt("/%s", deep)), "deep");
	if (long_name)
		is_text(file(s, fmt("/long/%s", lname)), "long");
	ck_assert_ptr_eq(file(s, "/style.css")->gz, file(s, "/style.css.gz"));
	const struct hs_file *g;
	ck_assert_int_eq(look(s, "/", &g), HS_FILE);
	ck_assert_ptr_eq(g, file(s, "/index.html"));
	ck_assert_int_eq(look(s, "/a/", &g), HS_FILE);
	ck_assert_ptr_eq(g, file(s, "/a/index.html"));
	ck_assert_int_eq(look(s, "/a", NULL), HS_FOLDER_SLASH);
	ck_assert_int_eq(look(s, "/emptydir", NULL), HS_FOLDER_SLASH);
	ck_assert_int_eq(look(s, "/emptydir/", NULL), HS_NOT_FOUND);
	ck_assert_int_eq(look(s, "/link", NULL), HS_NOT_FOUND);
	for (unsigned i = 1; i < hs_files(s); i++)
		ck_assert_int_lt(tree_cmp(hs_file_at(s, i - 1)->path, hs_file_at(s, i)->path), 0);
	hs_close(s);
}

START_TEST(gnu_tar_ustar) { real_tar("ustar", true, false); }
END_TEST
START_TEST(gnu_tar_pax) { real_tar("pax", true, true); }
END_TEST
START_TEST(gnu_tar_gnu) { real_tar("gnu", true, true); }
END_TEST
START_TEST(gnu_tar_oldgnu) { real_tar("oldgnu", true, true); }
END_TEST
START_TEST(gnu_tar_v7) { real_tar("v7", false, false); }
END_TEST

/* ---- order, limits, memory ----------------------------------------------------------- */

START_TEST(file_order)
{
	struct tb t = { 0 };
	const char *in[] = { "b", "a.txt", "a/c", "A", "a-b", "a/b/z", "a/b.c", "\xc3\xa9", "a/b/a", "a" "\x7e" };
	const char *out[] = { "/A", "/a/b/a", "/a/b/z", "/a/b.c", "/a/c", "/a-b", "/a.txt", "/a~", "/b", "/\xc3\xa9" };
	for (unsigned i = 0; i < 10; i++)
		tb_file(&t, in[i], in[i]);
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_uint_eq(hs_files(s), 10);
	for (unsigned i = 0; i < 10; i++)
		ck_assert_str_eq(hs_file_at(s, i)->path, out[i]);
	ck_assert_ptr_null(hs_file_at(s, 10));
	ck_assert_ptr_null(hs_file_at(s, ~0u));
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* HS_FILES_MAX counts the files and the folders, the root included */
START_TEST(limit_files)
{
	struct tb t = { 0 };
	for (unsigned i = 0; i < HS_FILES_MAX + 1; i++)
		tb_hdr(&t, fmt("f%05u", i), '0', 0);
	struct hs_site *s = open_bytes("t", t.buf, (HS_FILES_MAX - 1) * (size_t)512);
	ck_assert_msg(s, "%s", err);
	ck_assert_uint_eq(hs_files(s), HS_FILES_MAX - 1);
	ck_assert_ptr_nonnull(file(s, "/f65534"));
	ck_assert_ptr_nonnull(file(s, "/f00000"));
	hs_close(s);
	ck_assert_ptr_null(open_bytes("t", t.buf, HS_FILES_MAX * (size_t)512));
	ck_assert_str_eq(err, "t: 65537 files and folders, more than HS_FILES_MAX (65536)");
	ck_assert_ptr_null(open_bytes("t", t.buf, t.len));
	ck_assert_str_eq(err, fmt("t: offset %zu: more than HS_FILES_MAX (65536) files and folders", (size_t)HS_FILES_MAX * 512));
	tb_free(&t);
	/* folders the files imply count too */
	for (unsigned i = 0; i < HS_FILES_MAX - 2; i++)
		tb_hdr(&t, fmt("d/f%05u", i), '0', 0);
	s = open_ok(&t);
	hs_close(s);
	tb_hdr(&t, "e/f", '0', 0);
	refused(&t, "t: 65538 files and folders, more than HS_FILES_MAX (65536)");
}
END_TEST

START_TEST(limit_path)
{
	struct tb t = { 0 };
	static char name[2048];
	struct pr rec = { .n = 0 };
	/* 1024 bytes normalised, from a longer name */
	memset(name, 0, sizeof(name));
	strcpy(name, "./././/");
	memset(name + 7, 'p', HS_PATH_MAX - 1);
	pr_add(&rec, "path", name);
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "x", "x");
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_uint_eq(hs_file_at(s, 0)->path_len, HS_PATH_MAX);
	ck_assert_int_eq(hs_lookup(s, hs_file_at(s, 0)->path, HS_PATH_MAX, NULL), HS_FILE);
	hs_close(s);
	tb_free(&t);
	/* 1025 */
	rec.n = 0;
	name[7 + HS_PATH_MAX - 1] = 'p';
	pr_add(&rec, "path", name);
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "x", "x");
	tb_end(&t);
	refused(&t, "longer than HS_PATH_MAX (1024 bytes) normalised");
	/* too long only once its last segment is on */
	rec.n = 0;
	name[7 + HS_PATH_MAX - 1] = 0;
	strcat(name, "/x");
	pr_add(&rec, "path", name);
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "x", "x");
	tb_end(&t);
	refused(&t, "longer than HS_PATH_MAX (1024 bytes) normalised");
}
END_TEST

START_TEST(limit_size)
{
	struct tb t = { 0 };
	/* 4 GiB: within the limit (then past this archive's end); one more byte: over it */
	size_t off = tb_hdr(&t, "big", '0', 0);
	uint8_t *h = H(&t, off);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[131] = 1;
	tb_sum(h);
	tb_end(&t);
	refused(&t, "t: offset 0: a member of 4294967296 bytes runs past the end (1024 bytes left)");
	off = tb_hdr(&t, "big", '0', 0);
	h = H(&t, off);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[131] = 1;
	h[135] = 1;
	tb_sum(h);
	tb_end(&t);
	refused(&t, "t: offset 0: a file of 4294967297 bytes, more than HS_SIZE_MAX (4294967296)");
	struct pr rec = { .n = 0 };
	pr_add(&rec, "size", "77777777777");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_hdr(&t, "bigger", '0', 0);
	refused(&t, "t: offset 1024: a file of 77777777777 bytes, more than HS_SIZE_MAX (4294967296)");
	/* a skipped member's size is no file's */
	rec.n = 0;
	pr_add(&rec, "size", "77777777777");
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_hdr(&t, "link", '2', 0);
	refused(&t, "t: offset 1024: a member of 77777777777 bytes runs past the end (0 bytes left)");
}
END_TEST

/* own: the site frees the archive, on failure hs_open does; not own: neither */
START_TEST(ownership)
{
	struct tb t = { 0 };
	tb_file(&t, "a", "a");
	tb_end(&t);
	struct hs_site *s = hs_open("mine", t.buf, t.len, false, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(hs_name(s), "mine");
	hs_close(s);
	t.buf[0] = 'b'; /* still ours */
	ck_assert_ptr_null(hs_open("mine", t.buf, 512, false, err, sizeof(err)));
	t.buf[1] = 'b';
	uint8_t *c = malloc(t.len);
	memcpy(c, t.buf, t.len);
	c[0] = 0;
	ck_assert_ptr_null(hs_open("mine", c, t.len, true, err, sizeof(err))); /* freed: LeakSanitizer says if not */
	hs_close(NULL);
	tb_free(&t);
}
END_TEST

/* err: always NUL-terminated, cut short when small; none at all is fine */
START_TEST(error_buffer)
{
	char small[8];
	memset(small, 'x', sizeof(small));
	ck_assert_ptr_null(hs_open("site", "", 0, false, small, sizeof(small)));
	ck_assert_str_eq(small, "site: n");
	ck_assert_ptr_null(hs_open("site", "", 0, false, small, 1));
	ck_assert_str_eq(small, "");
	small[0] = 'x';
	ck_assert_ptr_null(hs_open("site", "", 0, false, small, 0));
	ck_assert_int_eq(small[0], 'x');
	ck_assert_ptr_null(hs_open("site", "", 0, false, NULL, 100));
	ck_assert_ptr_null(hs_open(NULL, "", 0, false, err, sizeof(err)));
	ck_assert_str_eq(err, ": no file in it");
	/* a long name in a message is cut short */
	struct tb t = { 0 };
	struct pr rec = { .n = 0 };
	static char name[600];
	memset(name, 'n', 500);
	strcpy(name + 500, "/..");
	pr_add(&rec, "path", name);
	tb_pax(&t, 'x', rec.b, rec.n);
	tb_file(&t, "x", "x");
	tb_end(&t);
	refused(&t, "nnnnn...\": a \"..\" segment");
	ck_assert_uint_lt(strlen(err), 200);
}
END_TEST

/* a thousand files: each found, its folders too, nothing else */
START_TEST(many)
{
	struct tb t = { 0 };
	for (unsigned i = 0; i < 1000; i++)
		tb_file(&t, fmt("d%u/s%u/f%u.txt", i % 7, i % 13, i), fmt("%u", i));
	tb_end(&t);
	struct hs_site *s = open_ok(&t);
	ck_assert_uint_eq(hs_files(s), 1000);
	for (unsigned i = 0; i < 1000; i++) {
		is_text(file(s, fmt("/d%u/s%u/f%u.txt", i % 7, i % 13, i)), fmt("%u", i));
		ck_assert_int_eq(look(s, fmt("/d%u/s%u/f%u.txt", (i + 1) % 7, i % 13, i), NULL), HS_NOT_FOUND);
		ck_assert_int_eq(look(s, fmt("/d%u/s%u/f%u.tx", i % 7, i % 13, i), NULL), HS_NOT_FOUND);
	}
	for (unsigned i = 0; i < 7; i++)
		for (unsigned j = 0; j < 13; j++)
			ck_assert_int_eq(look(s, fmt("/d%u/s%u", i, j), NULL), HS_FOLDER_SLASH);
	for (unsigned i = 1; i < 1000; i++)
		ck_assert_int_lt(tree_cmp(hs_file_at(s, i - 1)->path, hs_file_at(s, i)->path), 0);
	hs_close(s);
	tb_free(&t);
}
END_TEST

/* ---- mutated archives ---------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
	return h;
}

/* Every invariant of an open site over a[0..n); returns a digest of what it holds. */
static uint64_t check_site(const struct hs_site *s, const uint8_t *a, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, bytes = 0;
	unsigned nf = hs_files(s);
	char buf[HS_PATH_MAX + 8];
	must(nf >= 1);
	must(!hs_file_at(s, nf));
	must(look(s, "/", NULL) != HS_FOLDER_SLASH);
	for (unsigned i = 0; i < nf; i++) {
		const struct hs_file *f = hs_file_at(s, i), *g;
		const char *p = f->path;
		size_t l = f->path_len;
		must(p[0] == '/' && strlen(p) == l && l <= HS_PATH_MAX && l > 1 && p[l - 1] != '/');
		must(!strstr(p, "//") && !strstr(p, "/./") && !strstr(p, "/../") && !strchr(p, '\\'));
		must(strcmp(p + l - 2, "/.") && strcmp(p + l - 3, "/.."));
		for (size_t j = 0; j < l; j++)
			must((uint8_t)p[j] >= 0x20 && p[j] != 0x7f);
		must(f->data >= a && f->size <= n && f->data - a <= (ptrdiff_t)(n - f->size));
		etag_form(f->etag);
		must(f->mime);
		must(hs_lookup(s, p, l, &g) == HS_FILE);
		must(g == f);
		memcpy(buf, p, l);
		buf[l] = '/';
		must(hs_lookup(s, buf, l + 1, NULL) == HS_NOT_FOUND);
		for (size_t j = l - 1; j > 0; j--)
			if (p[j] == '/')
				must(hs_lookup(s, p, j, NULL) == HS_FOLDER_SLASH);
		if (f->gz) {
			must(f->gz->has_plain && f->gz->path_len == l + 3 && !memcmp(f->gz->path, p, l));
			must(!strcmp(f->gz->path + l, ".gz"));
		}
		if (f->has_plain) {
			must(hs_lookup(s, p, l - 3, &g) == HS_FILE);
			must(g->gz == f);
		}
		if (i)
			must(tree_cmp(hs_file_at(s, i - 1)->path, p) < 0);
		bytes += f->size;
		h = fnv(h, p, l + 1);
		h = fnv(h, f->etag, sizeof(f->etag));
		h = fnv(h, f->mime, strlen(f->mime));
		h = fnv(h, &f->mtime, sizeof(f->mtime));
		h = fnv(h, &f->size, sizeof(f->size));
	}
	must(hs_bytes(s) == bytes);
	unsigned k = hs_skipped(s);
	return fnv(h, &k, sizeof(k));
}

/* opened from a fresh copy of exactly n bytes: refused, or a site that holds; a digest */
static uint64_t fuzz_open(const uint8_t *a, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	must(c);
	memcpy(c, a, n);
	err[0] = 'x';
	struct hs_site *s = hs_open("fz", c, n, true, err, sizeof(err));
	if (!s) {
		must(!strncmp(err, "fz: ", 4) && strlen(err) > 4);
		return fnv(1, err, strlen(err));
	}
	must(!err[0]);
	uint64_t d = check_site(s, c, n);
	hs_close(s);
	return d;
}

START_TEST(fuzz)
{
	struct tb t = { 0 };
	size_t hdrs[32];
	unsigned nh = 0;
	struct pr rec = { .n = 0 };
	static uint8_t data[700];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	hdrs[nh++] = tb_dir(&t, "./d/");
	hdrs[nh++] = tb_file(&t, "d/index.html", "<p>");
	hdrs[nh++] = tb_file(&t, "a.css", "a{}");
	hdrs[nh++] = tb_file(&t, "a.css.gz", "\x1f\x8b");
	pr_add(&rec, "path", "pax/long/name.txt");
	pr_add(&rec, "mtime", "123.5");
	pr_add(&rec, "size", "3");
	hdrs[nh++] = tb_pax(&t, 'x', rec.b, rec.n);
	hdrs[nh++] = tb_hdr(&t, "p", '0', 0);
	tb_data(&t, "pax", 3);
	hdrs[nh++] = t.len;
	tb_long(&t, 'L', "gnu/long/name.txt");
	hdrs[nh++] = tb_file(&t, "g", "gnu");
	hdrs[nh++] = tb_hdr(&t, "sym", '2', 0);
	rec.n = 0;
	pr_add(&rec, "comment", "global");
	hdrs[nh++] = tb_pax(&t, 'g', rec.b, rec.n);
	size_t off = hdrs[nh++] = tb_hdr(&t, "n.txt", '0', 1);
	memcpy(H(&t, off) + 345, "pre", 3);
	tb_sum(H(&t, off));
	tb_data(&t, "n", 1);
	hdrs[nh++] = tb_filen(&t, "data.bin", data, sizeof(data));
	hdrs[nh++] = tb_file(&t, "x/y/z.js", "z");
	tb_end(&t);
	ck_assert_uint_ne(fuzz_open(t.buf, t.len), fuzz_open(t.buf, t.len - 1));

	static const uint8_t interesting[] = { 0, '0', '1', '2', '5', '7', 'x', 'g', 'L', 'K', 'S', '/', '.', ' ', '\n', '=', '\\', 0x80, 0xff, 0x7f, 1 };
	uint8_t *m = malloc(t.len);
	ck_assert_ptr_nonnull(m);
	rng_state = 0x243f6a8885a308d3ull;
	unsigned opened = 0;
	for (unsigned it = 0; it < 4000; it++) {
		size_t n = t.len;
		memcpy(m, t.buf, n);
		unsigned muts = 1 + (unsigned)(rng() % 3);
		for (unsigned k = 0; k < muts; k++) {
			size_t h = hdrs[rng() % nh], at;
			uint64_t r = rng();
			if (r % 4 == 0)
				at = (size_t)(rng() % n);
			else if (r % 4 == 1)
				at = h + 124 + (size_t)(rng() % 40); /* size, mtime, checksum, type */
			else
				at = h + (size_t)(rng() % 512);
			if (at >= n)
				continue;
			m[at] = rng() % 2 ? interesting[rng() % sizeof(interesting)] : (uint8_t)rng();
			if (at - h < 512 && rng() % 4) /* most mutations keep the header's sum right */
				tb_sum(m + h);
		}
		if (rng() % 10 == 0)
			n = rng() % 2 ? (size_t)(rng() % (n / 512)) * 512 : (size_t)(rng() % n);
		uint64_t d = fuzz_open(m, n);
		must(fuzz_open(m, n) == d);
		opened += !err[0];
	}
	/* the mutations reached past the checksums */
	ck_assert_uint_gt(opened, 400);
	ck_assert_uint_lt(opened, 3900);
	free(m);
	tb_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hs");
	TCase *tc = tcase_create("hs");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, lookups);
	tcase_add_test(tc, root_without_index);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, etags);
	tcase_add_test(tc, etags_one_byte);
	tcase_add_test(tc, gz_siblings);
	tcase_add_test(tc, mime_types);
	tcase_add_test(tc, names);
	tcase_add_test(tc, refused_header);
	tcase_add_test(tc, archive_end);
	tcase_add_test(tc, refused_names);
	tcase_add_test(tc, refused_twice);
	tcase_add_test(tc, refused_no_file);
	tcase_add_test(tc, pax_headers);
	tcase_add_test(tc, pax_refused);
	tcase_add_test(tc, skipped);
	tcase_add_test(tc, base256);
	tcase_add_test(tc, signed_checksum);
	tcase_add_test(tc, gnu_tar_ustar);
	tcase_add_test(tc, gnu_tar_pax);
	tcase_add_test(tc, gnu_tar_gnu);
	tcase_add_test(tc, gnu_tar_oldgnu);
	tcase_add_test(tc, gnu_tar_v7);
	tcase_add_test(tc, file_order);
	tcase_add_test(tc, limit_files);
	tcase_add_test(tc, limit_path);
	tcase_add_test(tc, limit_size);
	tcase_add_test(tc, ownership);
	tcase_add_test(tc, error_buffer);
	tcase_add_test(tc, many);
	tcase_add_test(tc, fuzz);
	suite_add_tcase(s, tc);
	return check_run(s);
}
