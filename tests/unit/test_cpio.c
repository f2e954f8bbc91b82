/* The cpio "newc" reader the image uses for a boot module that carries several blobs
 * (platform/plat_cpio.c, built here as in the image), and the contract's look-ups over
 * the blobs (platform/plat_blob.c, over the hosted platform's plat_config()): files in
 * archive order with their paths, directories skipped, every malformed archive refused
 * with its offset and reason, and no read past the end whatever the bytes (each archive is
 * copied into a buffer of its exact size, so AddressSanitizer sees any overrun). */
#include "check_run.h"
#include "hosted_plat.h"
#include "plat_cpio.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ar {
	uint8_t buf[8192];
	size_t len;
	unsigned ino;
};

static void pad4(struct ar *a)
{
	while (a->len & 3)
		a->buf[a->len++] = 0;
}

/* one entry as GNU cpio -H newc writes it */
static void entry(struct ar *a, const char *name, unsigned mode, const void *data, size_t size)
{
	size_t namesize = strlen(name) + 1;
	char h[PLAT_CPIO_HEADER + 40];
	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++a->ino, mode, 0u, 0u, 1u,
		 0u, (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)namesize, 0u);
	ck_assert_uint_eq(strlen(h), PLAT_CPIO_HEADER);
	ck_assert_uint_lt(a->len + PLAT_CPIO_HEADER + namesize + size + 8, sizeof(a->buf));
	memcpy(a->buf + a->len, h, PLAT_CPIO_HEADER);
	a->len += PLAT_CPIO_HEADER;
	memcpy(a->buf + a->len, name, namesize);
	a->len += namesize;
	pad4(a);
	if (size)
		memcpy(a->buf + a->len, data, size);
	a->len += size;
	pad4(a);
}

static void file(struct ar *a, const char *name, const char *text)
{
	entry(a, name, 0100644, text, strlen(text));
}

static void trailer(struct ar *a)
{
	entry(a, "TRAILER!!!", 0, NULL, 0);
}

/* The archive's first len bytes, parsed from a heap copy of exactly that size: the files
 * found (names joined by ' ') and the result (0 or -1, then err_off and why). */
struct result {
	int rc;
	unsigned n;
	char names[512];
	size_t err_off;
	const char *why;
};

static struct result parse(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, data, len);
	struct result r = { 0 };
	struct plat_cpio c;
	struct plat_blob b;
	plat_cpio_init(&c, copy, len);
	while ((r.rc = plat_cpio_next(&c, &b)) > 0) {
		ck_assert((const uint8_t *)b.data >= copy);
		ck_assert_uint_le((size_t)((const uint8_t *)b.data - copy) + b.len, len);
		ck_assert_uint_eq(strlen(b.name) + 1 <= len, 1);
		size_t used = strlen(r.names);
		snprintf(r.names + used, sizeof(r.names) - used, "%s%s", used ? " " : "", b.name);
		r.n++;
		ck_assert_uint_lt(r.n, 1000);
	}
	r.err_off = c.err_off;
	r.why = c.why;
	if (r.rc < 0) {
		ck_assert_ptr_nonnull(c.why);
		ck_assert_int_eq(plat_cpio_next(&c, &b), -1);   /* and stays so */
	} else {
		ck_assert_int_eq(plat_cpio_next(&c, &b), 0);
	}
	free(copy);
	return r;
}

static struct ar bundle;   /* config, a directory, three credentials */

static void make_bundle(void)
{
	bundle = (struct ar){ 0 };
	file(&bundle, "rules.conf", "interface lan\ninterface wan\n");
	entry(&bundle, "keys", 040755, NULL, 0);
	file(&bundle, "keys/ca.crt", "CA");
	file(&bundle, "keys/server.crt", "-----BEGIN CERTIFICATE-----\n");
	file(&bundle, "keys/server.key", "k");
	trailer(&bundle);
}

START_TEST(files_in_order)
{
	make_bundle();
	ck_assert(plat_cpio_is(bundle.buf, bundle.len));
	struct result r = parse(bundle.buf, bundle.len);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.names, "rules.conf keys/ca.crt keys/server.crt keys/server.key");
	/* the data of each, exactly */
	struct plat_cpio c;
	struct plat_blob b;
	plat_cpio_init(&c, bundle.buf, bundle.len);
	ck_assert_int_eq(plat_cpio_next(&c, &b), 1);
	ck_assert_uint_eq(b.len, 28);
	ck_assert(!memcmp(b.data, "interface lan\ninterface wan\n", 28));
	ck_assert_int_eq(plat_cpio_next(&c, &b), 1);
	ck_assert_uint_eq(b.len, 2);
	ck_assert(!memcmp(b.data, "CA", 2));
	ck_assert_int_eq(plat_cpio_next(&c, &b), 1);
	ck_assert_int_eq(plat_cpio_next(&c, &b), 1);
	ck_assert_uint_eq(b.len, 1);
	ck_assert_int_eq(((const char *)b.data)[0], 'k');
	ck_assert_int_eq(plat_cpio_next(&c, &b), 0);
}
END_TEST

START_TEST(what_follows_the_trailer_is_ignored)
{
	make_bundle();
	memset(bundle.buf + bundle.len, 0, 512);      /* cpio pads to 512-byte blocks */
	memcpy(bundle.buf + bundle.len + 512, "junk", 4);
	struct result r = parse(bundle.buf, bundle.len + 516);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.n, 4);
	/* an empty archive; an empty file; the trailer without its padding */
	struct ar a = { 0 };
	trailer(&a);
	r = parse(a.buf, a.len);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.n, 0);
	r = parse(a.buf, PLAT_CPIO_HEADER + 11);
	ck_assert_int_eq(r.rc, 0);
	a = (struct ar){ 0 };
	file(&a, "psk", "");
	trailer(&a);
	r = parse(a.buf, a.len);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.names, "psk");
	/* lower-case hex, as some writers emit */
	a = (struct ar){ 0 };
	file(&a, "x", "0123456789abcdef0");
	trailer(&a);
	for (size_t i = 6; i < PLAT_CPIO_HEADER; i++)
		if (a.buf[i] >= 'A' && a.buf[i] <= 'F')
			a.buf[i] = (uint8_t)(a.buf[i] | 0x20);
	r = parse(a.buf, a.len);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.n, 1);
}
END_TEST

START_TEST(not_an_archive)
{
	ck_assert(!plat_cpio_is("interface lan\n", 14));
	ck_assert(!plat_cpio_is("07070", 5));
	ck_assert(!plat_cpio_is("070702", 6));     /* the CRC format is not read */
	ck_assert(!plat_cpio_is("", 0));
}
END_TEST

static void expect_error(const uint8_t *data, size_t len, size_t off, const char *why)
{
	struct result r = parse(data, len);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_uint_eq(r.err_off, off);
	ck_assert_str_eq(r.why, why);
}

START_TEST(malformed)
{
	make_bundle();
	size_t second = PLAT_CPIO_HEADER + 14 + 28;  /* rules.conf: header, name padded to 4, data */
	ck_assert(!memcmp(bundle.buf + second, "070701", 6));
	/* truncated: inside the second header, inside the first file's data, no trailer */
	expect_error(bundle.buf, second + 50, second, "truncated header");
	expect_error(bundle.buf, PLAT_CPIO_HEADER + 14 + 5, 6 + 8 * 6, "file size past the end");
	expect_error(bundle.buf, second, second, "no TRAILER!!! entry before the end");
	expect_error(bundle.buf, PLAT_CPIO_HEADER + 4, PLAT_CPIO_HEADER, "name past the end");
	/* bad magic in the second header */
	struct ar a = bundle;
	a.buf[second + 5] = '7';
	expect_error(a.buf, a.len, second, "bad magic (not 070701)");
	/* a size past the end: the first file's size field says 0x10000 */
	a = bundle;
	memcpy(a.buf + 6 + 8 * 6, "00010000", 8);
	expect_error(a.buf, a.len, 6 + 8 * 6, "file size past the end");
	a = bundle;
	memcpy(a.buf + 6 + 8 * 6, "FFFFFFFF", 8);
	expect_error(a.buf, a.len, 6 + 8 * 6, "file size past the end");
	/* a name size past the end, a name without its NUL, an empty name */
	a = bundle;
	memcpy(a.buf + 6 + 8 * 11, "FFFFFFFF", 8);
	expect_error(a.buf, a.len, PLAT_CPIO_HEADER, "name past the end");
	a = bundle;
	a.buf[PLAT_CPIO_HEADER + 10] = 'x';
	expect_error(a.buf, a.len, PLAT_CPIO_HEADER, "name not NUL-terminated");
	a = bundle;
	a.buf[PLAT_CPIO_HEADER + 3] = 0;
	expect_error(a.buf, a.len, PLAT_CPIO_HEADER, "name not NUL-terminated");
	a = bundle;
	memcpy(a.buf + 6 + 8 * 11, "00000001", 8);
	expect_error(a.buf, a.len, 6 + 8 * 11, "empty name");
	/* a field that is not 8 hex digits: a space, a sign, a 'g' */
	static const char bad[] = { ' ', '-', 'g', '\0' };
	for (unsigned i = 0; i < sizeof(bad); i++) {
		a = bundle;
		a.buf[second + 6 + 8 * 3 + 2] = (uint8_t)bad[i];
		expect_error(a.buf, a.len, second + 6 + 8 * 3, "header field not 8 hex digits");
	}
}
END_TEST

/* Every prefix of the archive, and every byte of it changed to a few values: the parser
 * ends, never reports a file outside the buffer (parse() checks, ASan watches), and
 * refuses every prefix that cuts the archive before its trailer. */
START_TEST(no_overrun_whatever_the_bytes)
{
	make_bundle();
	size_t trailer_end = bundle.len;
	for (size_t len = 0; len < trailer_end; len++) {
		struct result r = parse(bundle.buf, len);
		if (len < trailer_end - 3)   /* the trailer is complete with its name, before padding */
			ck_assert_int_eq(r.rc, -1);
	}
	static const uint8_t vals[] = { 0, '0', '1', '7', '9', 'F', 'f', 0xff, '!' };
	for (size_t i = 0; i < bundle.len; i++) {
		for (unsigned v = 0; v < sizeof(vals); v++) {
			struct ar a = bundle;
			a.buf[i] = vals[v];
			(void)parse(a.buf, a.len);
		}
	}
	srand(7);
	for (unsigned k = 0; k < 20000; k++) {
		struct ar a = bundle;
		for (unsigned j = 0; j < 4; j++)
			a.buf[(size_t)rand() % a.len] = (uint8_t)("0123456789abcdefF7\0\xff"[rand() % 21]);
		(void)parse(a.buf, a.len - (size_t)(rand() % 8));
	}
}
END_TEST

/* The look-ups of plat.h over the hosted platform's blobs. */
START_TEST(named_and_credentials)
{
	ck_assert(plat_blob_credential("ca.crt"));
	ck_assert(plat_blob_credential("keys/server.key"));
	ck_assert(plat_blob_credential("/etc/sluice/server.crt"));
	ck_assert(plat_blob_credential("psk"));
	ck_assert(!plat_blob_credential("client.key"));
	ck_assert(!plat_blob_credential("rules.conf"));
	ck_assert(!plat_blob_credential("ca.crt/rules.conf"));
	ck_assert(!plat_blob_credential("xca.crt"));
	ck_assert(!plat_blob_credential(""));
	struct plat_blob b;
	ck_assert(!plat_config_named("ca.crt", &b));
	ck_assert_int_eq(hosted_plat_add_blob("fw.conf", "rules", 5), 0);
	ck_assert_int_eq(hosted_plat_add_blob("/tmp/k/ca.crt", "CA", 2), 0);
	ck_assert_int_eq(hosted_plat_add_blob("/tmp/k/server.key", "KEY", 3), 0);
	ck_assert(plat_config_named("ca.crt", &b));
	ck_assert_str_eq(b.name, "/tmp/k/ca.crt");
	ck_assert_uint_eq(b.len, 2);
	ck_assert(plat_config_named("server.key", &b));
	ck_assert(!memcmp(b.data, "KEY", 3));
	ck_assert(plat_config_named("fw.conf", &b));
	ck_assert(!plat_config_named("server.crt", &b));
	ck_assert(!plat_config_named("k/ca.crt", &b));   /* the last component only */
	ck_assert(!plat_config_named("", &b));
}
END_TEST

START_TEST(wall_clock_hosted)
{
	int64_t t = plat_wall_s();
	ck_assert_int_ge(t, 1704067200);   /* 2024-01-01 */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("cpio");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, files_in_order);
	tcase_add_test(tc, what_follows_the_trailer_is_ignored);
	tcase_add_test(tc, not_an_archive);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, no_overrun_whatever_the_bytes);
	tcase_add_test(tc, named_and_credentials);
	tcase_add_test(tc, wall_clock_hosted);
	suite_add_tcase(s, tc);
	return check_run(s);
}
