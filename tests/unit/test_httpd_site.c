/* The httpd app's site loading and live changes (apps/httpd/httpd_site.c): a tar archive
 * raw or in base64 (the control socket's form), every malformed one refused with where and
 * why, the settings document, and a change applied before and after the server runs. The
 * server (hc.h) is played by the stand-ins below, which record what they were given. */
#include "check_run.h"
#include "hc.h"
#include "httpd_int.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the server's side, recorded ---- */
static struct hs_site *given;
static int set_site_rc;
static bool log_on;
int hc_set_site(struct hs_site *s, char *err, size_t errlen)
{
	if (set_site_rc) {
		snprintf(err, errlen, "busy");
		return -1;
	}
	if (given)
		hs_close(given);
	given = s;
	return 0;
}
void hc_set_log(bool on)
{
	log_on = on;
}

/* a one-file ustar archive: NAME holding TEXT */
static size_t tar1(uint8_t *out, const char *name, const char *text)
{
	memset(out, 0, 2048);
	size_t n = strlen(text);
	snprintf((char *)out, 100, "%s", name);
	snprintf((char *)out + 100, 8, "0000644");
	snprintf((char *)out + 108, 8, "0000000");
	snprintf((char *)out + 116, 8, "0000000");
	snprintf((char *)out + 124, 12, "%011o", (unsigned)n);
	snprintf((char *)out + 136, 12, "%011o", 1700000000u);
	out[156] = '0';
	memcpy(out + 257, "ustar", 6);
	memcpy(out + 263, "00", 2);
	memset(out + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += out[i];
	snprintf((char *)out + 148, 8, "%06o", sum);
	memcpy(out + 512, text, n);
	return 512 + 1024 + 512;
}

static char *b64(const uint8_t *in, size_t n, const char *sep)
{
	static const char d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = malloc(n * 2 + 64), *p = o;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		*p++ = d[v >> 18 & 63];
		*p++ = d[v >> 12 & 63];
		*p++ = i + 1 < n ? d[v >> 6 & 63] : '=';
		*p++ = i + 2 < n ? d[v & 63] : '=';
		if ((i / 3 + 1) % 19 == 0)
			p += sprintf(p, "%s", sep);
	}
	p += sprintf(p, "%s", sep);
	*p = 0;
	return o;
}

static uint8_t ar[2048];

START_TEST(raw_and_base64_archives_load)
{
	char err[256];
	size_t n = tar1(ar, "index.html", "hello\n");
	struct hs_site *s = httpd_site_load("raw", ar, n, false, err, sizeof(err));
	ck_assert_msg(s, "%s", err);
	ck_assert_uint_eq(hs_files(s), 1);
	hs_close(s);
	const char *seps[] = { "\n", "\r\n", " \t\n" };
	for (unsigned i = 0; i < 3; i++) {
		char *t = b64(ar, n, seps[i]);
		s = httpd_site_load("b64", t, strlen(t), true, err, sizeof(err));
		free(t);
		ck_assert_msg(s, "%s", err);
		const struct hs_file *f;
		ck_assert_int_eq(hs_lookup(s, "/", 1, &f), HS_FILE);
		ck_assert_uint_eq(f->size, 6);
		ck_assert_int_eq(memcmp(f->data, "hello\n", 6), 0);
		hs_close(s);
	}
}
END_TEST

START_TEST(malformed_archives_refused_with_where)
{
	char err[256];
	size_t n = tar1(ar, "index.html", "hello\n");
	char *t = b64(ar, n, "\n");
	t[100] = '!';
	ck_assert_ptr_null(httpd_site_load("site.tar", t, strlen(t), true, err, sizeof(err)));
	ck_assert_str_eq(err, "site.tar:2:24: not a tar archive, nor one in base64 (byte 0x21)");
	free(t);
	ck_assert_ptr_null(httpd_site_load("short", "QUJD\nQQ", 7, true, err, sizeof(err)));
	ck_assert_str_eq(err, "short: base64 that ends inside a group of 4");
	ck_assert_ptr_null(httpd_site_load("text", "aGVsbG8gd29ybGQK", 16, true, err, sizeof(err)));
	ck_assert_str_eq(err, "text: not a tar archive (no ustar header), raw or in base64");
	ck_assert_ptr_null(httpd_site_load("pad", "QQ==QUJD", 8, true, err, sizeof(err)));
	ck_assert_str_eq(err, "pad:1:5: not a tar archive, nor one in base64 (byte 0x51)");
	ar[148] ^= 1;                  /* the header's checksum is wrong: hs says where */
	ck_assert_ptr_null(httpd_site_load("bad.tar", ar, n, false, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad.tar: offset 0") != NULL, "%s", err);
}
END_TEST

START_TEST(settings_documents)
{
	char err[256];
	struct httpd h = { .up = true };
	void *c = httpd_change_build("ctl", HTTPD_SETTINGS "log on\n", sizeof(HTTPD_SETTINGS "log on\n") - 1, err, sizeof(err));
	ck_assert_msg(c, "%s", err);
	ck_assert_int_eq(httpd_change_apply(&h, c, err, sizeof(err)), 0);
	ck_assert(log_on && h.conf.log);
	c = httpd_change_build("ctl", HTTPD_SETTINGS "# off\r\nlog off\r\n", sizeof(HTTPD_SETTINGS "# off\r\nlog off\r\n") - 1,
			       err, sizeof(err));
	ck_assert_msg(c, "%s", err);
	ck_assert_int_eq(httpd_change_apply(&h, c, err, sizeof(err)), 0);
	ck_assert(!log_on && !h.conf.log);
	const char bad[] = HTTPD_SETTINGS "log on\nlog maybe\n";
	ck_assert_ptr_null(httpd_change_build("ctl", bad, sizeof(bad) - 1, err, sizeof(err)));
	ck_assert_str_eq(err, "ctl:2:1: expected 'log on' or 'log off'");
	ck_assert_ptr_null(httpd_change_build("ctl", HTTPD_SETTINGS, sizeof(HTTPD_SETTINGS) - 1, err, sizeof(err)));
	ck_assert_str_eq(err, "ctl: settings without a setting");
}
END_TEST

START_TEST(a_new_site_before_and_after_the_server_runs)
{
	char err[256];
	struct httpd h = { 0 };
	size_t n = tar1(ar, "a.txt", "one\n");
	void *c = httpd_change_build("one.tar", (const char *)ar, n, err, sizeof(err));
	ck_assert_msg(c, "%s", err);
	ck_assert_int_eq(httpd_change_apply(&h, c, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(h.site);         /* not up: kept for hc_start */
	ck_assert_str_eq(hs_name(h.site), "one.tar");
	n = tar1(ar, "b.txt", "two\n");
	c = httpd_change_build("two.tar", (const char *)ar, n, err, sizeof(err));
	ck_assert_int_eq(httpd_change_apply(&h, c, err, sizeof(err)), 0);
	ck_assert_str_eq(hs_name(h.site), "two.tar");   /* the first one closed (ASan: no leak) */
	h.up = true;
	c = httpd_change_build("three.tar", (const char *)ar, n, err, sizeof(err));
	ck_assert_int_eq(httpd_change_apply(&h, c, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(given);
	ck_assert_str_eq(hs_name(given), "three.tar");
	set_site_rc = -1;                      /* the server is still serving 8 versions */
	c = httpd_change_build("four.tar", (const char *)ar, n, err, sizeof(err));
	ck_assert_int_eq(httpd_change_apply(&h, c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "busy");
	ck_assert_str_eq(hs_name(given), "three.tar");
	set_site_rc = 0;
	c = httpd_change_build("five.tar", (const char *)ar, n, err, sizeof(err));
	httpd_change_discard(c);               /* built, never applied: freed */
	ck_assert_int_eq(httpd_change_apply(&h, NULL, err, sizeof(err)), -1);
	hs_close(given);
	given = NULL;
	hs_close(h.site);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("httpd_site");
	TCase *tc = tcase_create("httpd_site");
	tcase_add_test(tc, raw_and_base64_archives_load);
	tcase_add_test(tc, malformed_archives_refused_with_where);
	tcase_add_test(tc, settings_documents);
	tcase_add_test(tc, a_new_site_before_and_after_the_server_runs);
	suite_add_tcase(s, tc);
	return check_run(s);
}
