/* The static server's site (apps/httpd/hs.c), from archives the tar writer (hs_tar.h) builds
 * block by block: files and folders indexed and looked up; sizes around the block; ETags
 * (XXH64, checked against the reference's values); PATH.gz siblings and MIME types; names
 * normalised; path order; the limits; who owns the archive; the error buffer. Every
 * archive is opened from a heap copy of its exact size, owned by the site, so
 * AddressSanitizer sees any read past its end and any leak. What hs refuses, pax and GNU
 * extensions, archives GNU tar writes and mutated ones: test_hs_archive.c. */
#include "check_run.h"
#include "hs.h"
#include "hs_tar.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	tcase_add_test(tc, file_order);
	tcase_add_test(tc, limit_files);
	tcase_add_test(tc, limit_path);
	tcase_add_test(tc, limit_size);
	tcase_add_test(tc, ownership);
	tcase_add_test(tc, error_buffer);
	tcase_add_test(tc, many);
	suite_add_tcase(s, tc);
	return check_run(s);
}
