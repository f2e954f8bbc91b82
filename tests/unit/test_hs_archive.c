/* unit-hs-archive: the static server's site (apps/httpd/hs.c) reading tar archives - every
 * refusal with its offset and reason; the archive's end; pax records, GNU long names,
 * base-256 numbers, signed checksums and the member types skipped; archives GNU tar itself
 * writes (ustar, pax, gnu, oldgnu, v7); and a few thousand mutated archives (seeded), each
 * refused with a reason or opened into a site that keeps every invariant. Archives are
 * built by the tar writer (hs_tar.h) and opened from heap copies of their exact size, so
 * AddressSanitizer sees any read past the end and any leak. Lookups, ETags, MIME types,
 * names, order and the limits: test_hs.c. */
#include "check_run.h"
#include "hs.h"
#include "hs_tar.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	Suite *s = suite_create("hs-archive");
	TCase *tc = tcase_create("archive");
	tcase_set_timeout(tc, 120);
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
	tcase_add_test(tc, fuzz);
	suite_add_tcase(s, tc);
	return check_run(s);
}
