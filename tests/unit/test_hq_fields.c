/* unit-hq-fields: the header fields of the static server's request heads (apps/httpd/hq.h):
 * names and values, Host, Content-Length, Transfer-Encoding and Connection, the q-values of
 * Accept-Encoding, Range, the conditionals (If-None-Match, If-Modified-Since, If-Range) and
 * their malformations; If-None-Match lists matched against entity tags, weakly; the three
 * date forms, formatted and parsed. Where a head ends, the request line and the target:
 * test_hq.c. */
#include "check_run.h"
#include "hq.h"
#include "hq_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A GET of / with a Host and the given field lines (CRLF-separated). */
static int fields(const char *f)
{
	snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\n%s\r\n\r\n", f);
	return parse(buf);
}

/* ---- header fields ---- */

START_TEST(field_names_are_case_insensitive)
{
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nhOsT: h\r\nCONNECTION: CLOSE\r\naccept-ENCODING: GZIP\r\n\r\n"), 0);
	ck_assert(!req.keep_alive);
	ck_assert(req.gzip_ok);
}
END_TEST

START_TEST(http11_without_host_is_400)
{
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHosts: h\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET http://h/ HTTP/1.1\r\n\r\n"), 400);
}
END_TEST

START_TEST(duplicate_host_is_400)
{
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
}
END_TEST

START_TEST(host_values)
{
	ck_assert_int_eq(fields("X: y") , 0);
	const char *ok[] = { "", "a", "example.com:8080", "[::1]:80", "xn--caf-dma.example", "a_b.c" };
	const char *bad[] = { "a b", "a/b", "user@a", "a\\b", "a?b", "a#b", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", ok[i]);
		ck_assert_msg(parse(buf) == 0, "%s", ok[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", bad[i]);
		ck_assert_msg(parse(buf) == 400, "%s", bad[i]);
	}
}
END_TEST

START_TEST(malformed_field_lines_are_400)
{
	const char *f[] = { "Host2 : a", "X-A : b", "X-A\t: b", "X-A b", "X-A", ": b", " X-A: b",
			    "\tX-A: b", "X(A): b", "X-A: b\x01", "X-A: \x7f", "X-A: a\x1b", "X\xc3\xa9: b",
			    "X-A: a\rb" };
	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		ck_assert_msg(fields(f[i]) == 400, "\"%s\"", f[i]);
}
END_TEST

START_TEST(obs_fold_is_400)
{
	ck_assert_int_eq(fields("X-A: b\r\n c"), 400);
	ck_assert_int_eq(fields("X-A: b\r\n\tc"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400);
}
END_TEST

START_TEST(field_values_may_have_tabs_and_obs_text)
{
	ck_assert_int_eq(fields("X-A: a\tb \xc3\xa9\xff"), 0);
	ck_assert_int_eq(fields("X-A:"), 0);
	ck_assert_int_eq(fields("X-A:   "), 0);
	ck_assert_int_eq(fields("!#$%&'*+-.^_`|~09Az: v"), 0);
}
END_TEST

START_TEST(field_count_limit_is_431)
{
	char *b = malloc(HQ_HEAD_MAX);
	size_t n = (size_t)sprintf(b, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 1; i < HQ_FIELDS_MAX; i++)
		n += (size_t)sprintf(b + n, "X-%d: v\r\n", i);
	strcpy(b + n, "\r\n");
	ck_assert_int_eq(parse(b), 0);
	strcpy(b + n, "X-last: v\r\n\r\n");
	ck_assert_int_eq(parse(b), 431);
	free(b);
}
END_TEST

START_TEST(content_length_zero_is_accepted)
{
	ck_assert_int_eq(fields("Content-Length: 0"), 0);
	ck_assert_int_eq(fields("Content-Length: 000"), 0);
	ck_assert_int_eq(fields("Content-Length: 0\r\nContent-Length: 0"), 0);
	ck_assert_int_eq(fields("Content-Length: 0, 0"), 0);
}
END_TEST

START_TEST(content_length_over_zero_is_413)
{
	ck_assert_int_eq(fields("Content-Length: 1"), 413);
	ck_assert_int_eq(fields("Content-Length: 5\r\nContent-Length: 5"), 413);
	ck_assert_int_eq(fields("Content-Length: 18446744073709551615"), 413);
	ck_assert(!req.keep_alive);
}
END_TEST

START_TEST(bad_content_lengths_are_400)
{
	const char *v[] = { "abc", "-1", "+1", "1.0", "0x10", "", "1 2", "1,", "18446744073709551616",
			    "99999999999999999999999", "0, 1", "1e3" };
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: %s\r\n\r\n", v[i]);
		int st = parse(buf);
		/* "1," is one element: the empty one is skipped */
		ck_assert_msg(st == (strcmp(v[i], "1,") ? 400 : 413), "\"%s\": %d", v[i], st);
	}
	ck_assert_int_eq(fields("Content-Length: 0\r\nContent-Length: 1"), 400);
	ck_assert_int_eq(fields("Content-Length: 1\r\nContent-Length: 0"), 400);
}
END_TEST

START_TEST(transfer_encoding_is_413)
{
	ck_assert_int_eq(fields("Transfer-Encoding: chunked"), 413);
	ck_assert_int_eq(fields("transfer-encoding: gzip, chunked"), 413);
	ck_assert_int_eq(fields("Transfer-Encoding:"), 413);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 413);
}
END_TEST

START_TEST(transfer_encoding_with_content_length_is_400)
{
	ck_assert_int_eq(fields("Transfer-Encoding: chunked\r\nContent-Length: 0"), 400);
	ck_assert_int_eq(fields("Content-Length: 10\r\nTransfer-Encoding: chunked"), 400);
}
END_TEST

START_TEST(connection_in_http11)
{
	const char *v[][2] = { { "close", "0" }, { "Close", "0" }, { "keep-alive", "1" }, { "Upgrade", "1" },
			       { "keep-alive, Upgrade", "1" }, { "Upgrade, close", "0" },
			       { "keep-alive, close", "0" }, { " , close ,", "0" }, { "closed", "1" } };
	ck_assert_int_eq(fields("X: y"), 0);
	ck_assert(req.keep_alive);
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nConnection: %s\r\n\r\n", v[i][0]);
		ck_assert_int_eq(parse(buf), 0);
		ck_assert_msg(req.keep_alive == (v[i][1][0] == '1'), "%s", v[i][0]);
	}
	ck_assert_int_eq(fields("Connection: keep-alive\r\nConnection: close"), 0);
	ck_assert(!req.keep_alive);
}
END_TEST

START_TEST(connection_in_http10)
{
	const char *v[][2] = { { "", "0" }, { "keep-alive", "1" }, { "Keep-Alive", "1" },
			       { "Keep-Alive, Upgrade", "1" }, { "keep-alive, close", "0" }, { "close", "0" },
			       { "keepalive", "0" } };
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n"), 0);
	ck_assert(!req.keep_alive);
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(buf, sizeof buf, "GET / HTTP/1.0\r\nConnection: %s\r\n\r\n", v[i][0]);
		ck_assert_int_eq(parse(buf), 0);
		ck_assert_msg(req.keep_alive == (v[i][1][0] == '1'), "%s", v[i][0]);
	}
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\nConnection: Upgrade\r\nConnection: keep-alive\r\n\r\n"), 0);
	ck_assert(req.keep_alive);
}
END_TEST

static const struct {
	const char *v;
	bool ok;
} encodings[] = {
	{ "gzip", true },
	{ "GZIP", true },
	{ "x-gzip", true },
	{ "deflate, br", false },
	{ "gzip;q=0", false },
	{ "gzip; q=0.000", false },
	{ "gzip;q=0.001", true },
	{ "gzip;q=1.0", true },
	{ "gzip;q=1.000", true },
	{ "gzip;Q=0.5", true },
	{ "gzip;q=1.001", false },
	{ "gzip;q=2", false },
	{ "gzip;q=abc", false },
	{ "gzip;q=0.0001", false },
	{ "gzip;q=", false },
	{ "gzip;q", false },
	{ "*", true },
	{ "*;q=0.5", true },
	{ "*;q=0", false },
	{ "*, gzip;q=0", false },
	{ "gzip;q=0, *", false },
	{ "gzip;q=0.5, *;q=0", true },
	{ "identity", false },
	{ "identity;q=0", false },
	{ "br;q=1, gzip;q=0.8, deflate", true },
	{ " , gzip , ", true },
	{ "gzipx", false },
	{ "gzip;level=1;q=0", false },
	{ "gzip;level=1", true },
	{ "gzip ; q=0.5", true },
	{ "gzip;q=0.5;", true },
	{ "", false },
};

START_TEST(accept_encoding_q_values)
{
	ck_assert_int_eq(fields("X: y"), 0);
	ck_assert(!req.gzip_ok);
	for (size_t i = 0; i < sizeof encodings / sizeof *encodings; i++) {
		snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: %s\r\n\r\n", encodings[i].v);
		ck_assert_int_eq(parse(buf), 0);
		ck_assert_msg(req.gzip_ok == encodings[i].ok, "\"%s\"", encodings[i].v);
	}
}
END_TEST

START_TEST(accept_encoding_over_several_lines)
{
	ck_assert_int_eq(fields("Accept-Encoding: deflate\r\nAccept-Encoding: gzip"), 0);
	ck_assert(req.gzip_ok);
	ck_assert_int_eq(fields("Accept-Encoding: gzip;q=0\r\nAccept-Encoding: gzip"), 0);
	ck_assert(!req.gzip_ok);
}
END_TEST

static const struct {
	const char *v;
	enum hq_range_kind kind;
	uint64_t a, b;
} ranges[] = {
	{ "bytes=0-99", HQ_RANGE_FROM, 0, 99 },
	{ "bytes=100-", HQ_RANGE_FROM, 100, UINT64_MAX },
	{ "bytes=-500", HQ_RANGE_SUFFIX, 500, 0 },
	{ "bytes=-0", HQ_RANGE_SUFFIX, 0, 0 },
	{ "bytes=0-0", HQ_RANGE_FROM, 0, 0 },
	{ "bytes=5-5", HQ_RANGE_FROM, 5, 5 },
	{ "Bytes=0-1", HQ_RANGE_FROM, 0, 1 },
	{ "BYTES=007-010", HQ_RANGE_FROM, 7, 10 },
	{ "bytes= 0-99 ", HQ_RANGE_FROM, 0, 99 },
	{ "bytes=0-99,", HQ_RANGE_FROM, 0, 99 },
	{ "bytes=, 0-99", HQ_RANGE_FROM, 0, 99 },
	{ "bytes=0-18446744073709551615", HQ_RANGE_FROM, 0, UINT64_MAX },
	{ "bytes=18446744073709551615-", HQ_RANGE_FROM, UINT64_MAX, UINT64_MAX },
	{ "bytes=-18446744073709551615", HQ_RANGE_SUFFIX, UINT64_MAX, 0 },
	{ "bytes=0-99, 200-299", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=0-1,2-3,4-5", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=5-2", HQ_RANGE_IGNORED, 0, 0 },
	{ "items=0-9", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes 0-9", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes =0-9", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=,", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=-", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=a-b", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=0-99x", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=0x10-", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=+1-2", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=99999999999999999999-", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=0-18446744073709551616", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=-18446744073709551616", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=0 -99", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=0- 99", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=1-2-3", HQ_RANGE_IGNORED, 0, 0 },
	{ "bytes=--1", HQ_RANGE_IGNORED, 0, 0 },
	{ "", HQ_RANGE_IGNORED, 0, 0 },
};

START_TEST(range_forms)
{
	for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
		snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nRange: %s\r\n\r\n", ranges[i].v);
		ck_assert_int_eq(parse(buf), 0);
		ck_assert_msg(req.range.kind == ranges[i].kind, "\"%s\": kind %d", ranges[i].v, req.range.kind);
		if (ranges[i].kind == HQ_RANGE_FROM) {
			ck_assert_msg(req.range.first == ranges[i].a && req.range.last == ranges[i].b, "%s", ranges[i].v);
		} else if (ranges[i].kind == HQ_RANGE_SUFFIX) {
			ck_assert_msg(req.range.suffix == ranges[i].a, "%s", ranges[i].v);
		}
	}
}
END_TEST

START_TEST(range_twice_is_ignored)
{
	ck_assert_int_eq(fields("Range: bytes=0-1\r\nRange: bytes=0-1"), 0);
	ck_assert_int_eq(req.range.kind, HQ_RANGE_IGNORED);
	ck_assert_int_eq(fields("Range: bytes=0-1\r\nRange: bytes=0-1\r\nRange: bytes=0-1"), 0);
	ck_assert_int_eq(req.range.kind, HQ_RANGE_IGNORED);
}
END_TEST

START_TEST(if_none_match_is_kept_as_sent)
{
	ck_assert_int_eq(fields("If-None-Match:  \"a\", W/\"b\"  "), 0);
	ck_assert(req.has_inm);
	ck_assert_str_eq(req.inm, "\"a\", W/\"b\"");
	ck_assert_int_eq(fields("If-None-Match: \"a\"\r\nif-none-match: \"b\""), 0);
	ck_assert_str_eq(req.inm, "\"a\", \"b\"");
	ck_assert_int_eq(fields("If-None-Match: *"), 0);
	ck_assert_str_eq(req.inm, "*");
}
END_TEST

START_TEST(if_none_match_over_limit_is_absent)
{
	char v[HQ_ETAGS_MAX + 2];
	memset(v, 'x', sizeof v);
	v[0] = '"';
	v[HQ_ETAGS_MAX - 1] = '"';
	v[HQ_ETAGS_MAX] = 0;
	snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: %s\r\n\r\n", v);
	ck_assert_int_eq(parse(buf), 0);
	ck_assert(req.has_inm);
	ck_assert_uint_eq(strlen(req.inm), HQ_ETAGS_MAX);
	v[HQ_ETAGS_MAX - 1] = 'x';
	v[HQ_ETAGS_MAX] = '"';
	v[HQ_ETAGS_MAX + 1] = 0;
	snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: %s\r\n\r\n", v);
	ck_assert_int_eq(parse(buf), 0);
	ck_assert(!req.has_inm);
	/* two lines that fit only apart: absent as well, not cut */
	v[HQ_ETAGS_MAX / 2] = '"';
	v[HQ_ETAGS_MAX / 2 + 1] = 0;
	snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: %s\r\nIf-None-Match: %s\r\n\r\n", v, v);
	ck_assert_int_eq(parse(buf), 0);
	ck_assert(!req.has_inm);
	ck_assert_str_eq(req.inm, "");
}
END_TEST

START_TEST(if_modified_since_forms)
{
	ck_assert_int_eq(fields("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"), 0);
	ck_assert_int_eq(req.ims, 784111777);
	ck_assert_int_eq(fields("If-Modified-Since:   Sunday, 06-Nov-94 08:49:37 GMT  "), 0);
	ck_assert_int_eq(req.ims, 784111777);
	ck_assert_int_eq(fields("If-Modified-Since: Sun Nov  6 08:49:37 1994"), 0);
	ck_assert_int_eq(req.ims, 784111777);
	ck_assert_int_eq(fields("If-Modified-Since: yesterday"), 0);
	ck_assert_int_eq(req.ims, -1);
	ck_assert_int_eq(fields("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
				"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"), 0);
	ck_assert_int_eq(req.ims, -1);
}
END_TEST

START_TEST(if_range_is_kept_or_made_unmatchable)
{
	ck_assert_int_eq(fields("If-Range: \"abc\""), 0);
	ck_assert(req.has_if_range);
	ck_assert_str_eq(req.if_range, "\"abc\"");
	ck_assert_int_eq(fields("If-Range:   Sun, 06 Nov 1994 08:49:37 GMT "), 0);
	ck_assert_str_eq(req.if_range, "Sun, 06 Nov 1994 08:49:37 GMT");
	char v[100];
	memset(v, 'x', sizeof v);
	v[sizeof req.if_range - 1] = 0;
	snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nIf-Range: %s\r\n\r\n", v);
	ck_assert_int_eq(parse(buf), 0);
	ck_assert_uint_eq(strlen(req.if_range), sizeof req.if_range - 1);
	v[sizeof req.if_range - 1] = 'x';
	v[sizeof req.if_range] = 0;
	snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nIf-Range: %s\r\n\r\n", v);
	ck_assert_int_eq(parse(buf), 0);
	ck_assert(req.has_if_range);
	ck_assert_str_eq(req.if_range, "");
	ck_assert_int_eq(fields("If-Range: \"a\"\r\nIf-Range: \"a\""), 0);
	ck_assert(req.has_if_range);
	ck_assert_str_eq(req.if_range, "");
}
END_TEST

/* ---- entity tags ---- */

START_TEST(etag_matching_is_weak)
{
	ck_assert(hq_etag_match("\"abc\"", "\"abc\""));
	ck_assert(hq_etag_match("W/\"abc\"", "\"abc\""));
	ck_assert(hq_etag_match("\"abc\"", "W/\"abc\""));
	ck_assert(hq_etag_match("W/\"abc\"", "W/\"abc\""));
	ck_assert(hq_etag_match("\"x\", \"abc\", \"y\"", "\"abc\""));
	ck_assert(hq_etag_match("\"x\",W/\"abc\"", "\"abc\""));
	ck_assert(hq_etag_match(" \"abc\" ,", "\"abc\""));
	ck_assert(hq_etag_match("\"a,b\"", "\"a,b\""));
	ck_assert(hq_etag_match("\"\"", "\"\""));
	ck_assert(!hq_etag_match("\"abd\"", "\"abc\""));
	ck_assert(!hq_etag_match("\"ABC\"", "\"abc\""));
	ck_assert(!hq_etag_match("\"abc \"", "\"abc\""));
	ck_assert(!hq_etag_match("\"ab\"", "\"abc\""));
	ck_assert(!hq_etag_match("\"abcd\"", "\"abc\""));
	ck_assert(!hq_etag_match("w/\"abc\"", "\"abc\""));
}
END_TEST

START_TEST(etag_star_matches_anything)
{
	ck_assert(hq_etag_match("*", "\"abc\""));
	ck_assert(hq_etag_match("  *  ", "\"abc\""));
	ck_assert(!hq_etag_match("*, \"abc\"", "\"abc\""));
	ck_assert(!hq_etag_match("**", "\"abc\""));
}
END_TEST

START_TEST(malformed_etag_lists_match_nothing)
{
	const char *l[] = { "", " ", ",", "abc", "\"abc", "abc\"", "\"abc\" \"abc\"", "\"abc\";", "\"abc\", garbage",
			    "\"abc\", \"x", "W/abc", "W\"abc\"", "\"a\x01\"", "\"abc\"x" };
	for (size_t i = 0; i < sizeof l / sizeof *l; i++)
		ck_assert_msg(!hq_etag_match(l[i], "\"abc\""), "\"%s\"", l[i]);
	ck_assert(!hq_etag_match("\"abc\"", "abc"));
	ck_assert(!hq_etag_match("\"abc\"", "\"abc\"x"));
	ck_assert(!hq_etag_match("\"abc\"", ""));
	ck_assert(!hq_etag_match(NULL, "\"abc\""));
	ck_assert(!hq_etag_match("\"abc\"", NULL));
}
END_TEST

/* ---- dates ---- */

static const char *fmt(int64_t t)
{
	static char out[HQ_DATE_LEN + 8];
	memset(out, '#', sizeof out);
	hq_date_format(t, out);
	REQUIRE(out[HQ_DATE_LEN] == 0 && out[HQ_DATE_LEN + 1] == '#');
	return out;
}

static int64_t dp(const char *s)
{
	return hq_date_parse(s, strlen(s));
}

START_TEST(date_format_known_values)
{
	ck_assert_str_eq(fmt(0), "Thu, 01 Jan 1970 00:00:00 GMT");
	ck_assert_str_eq(fmt(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_str_eq(fmt(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
	ck_assert_str_eq(fmt(2147483648), "Tue, 19 Jan 2038 03:14:08 GMT");
	ck_assert_str_eq(fmt(1700000000), "Tue, 14 Nov 2023 22:13:20 GMT");
	ck_assert_str_eq(fmt(1483228799), "Sat, 31 Dec 2016 23:59:59 GMT");
	ck_assert_str_eq(fmt(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
}
END_TEST

START_TEST(date_format_clamps_out_of_range)
{
	ck_assert_str_eq(fmt(-1), "Thu, 01 Jan 1970 00:00:00 GMT");
	ck_assert_str_eq(fmt(INT64_MIN), "Thu, 01 Jan 1970 00:00:00 GMT");
	ck_assert_str_eq(fmt(253402300800), "Fri, 31 Dec 9999 23:59:59 GMT");
	ck_assert_str_eq(fmt(INT64_MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
}
END_TEST

START_TEST(date_parse_three_forms)
{
	ck_assert_int_eq(dp("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
	ck_assert_int_eq(dp("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
	ck_assert_int_eq(dp("Sun Nov  6 08:49:37 1994"), 784111777);
	ck_assert_int_eq(dp("Sun Nov 06 08:49:37 1994"), 784111777);
	ck_assert_int_eq(dp("Wed Nov 16 08:49:37 1994"), 784975777);
	ck_assert_int_eq(dp("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	ck_assert_int_eq(dp("Wednesday, 16-Nov-94 08:49:37 GMT"), 784975777);
}
END_TEST

START_TEST(date_parse_rfc850_two_digit_years)
{
	ck_assert_int_eq(dp("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
	ck_assert_int_eq(dp("Friday, 31-Dec-99 23:59:59 GMT"), 946684799);
	ck_assert_int_eq(dp("Saturday, 01-Jan-00 00:00:00 GMT"), 946684800);
	ck_assert_int_eq(dp("Tuesday, 01-Jan-69 00:00:00 GMT"), 3124224000);
}
END_TEST

START_TEST(date_round_trip)
{
	for (int64_t t = 0; t < 253402300799; t += 86399 * 37 + 12345)
		REQUIRE(dp(fmt(t)) == t);
	for (int64_t t = 951696000 - 3; t < 951868800 + 3; t++)
		REQUIRE(dp(fmt(t)) == t);
	ck_assert_int_eq(dp(fmt(253402300799)), 253402300799);
}
END_TEST

START_TEST(date_leap_second_is_the_next_minute)
{
	ck_assert_int_eq(dp("Sat, 31 Dec 2016 23:59:60 GMT"), 1483228800);
	ck_assert_int_eq(dp("Sat, 31 Dec 2016 23:59:61 GMT"), -1);
}
END_TEST

START_TEST(date_weekday_is_not_checked)
{
	ck_assert_int_eq(dp("Mon, 06 Nov 1994 08:49:37 GMT"), 784111777);
}
END_TEST

START_TEST(dates_that_are_not_are_minus_one)
{
	const char *d[] = { "", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
			    "Sun, 06 Nov 1994 08:49:37 gmt", "sun, 06 Nov 1994 08:49:37 GMT",
			    "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
			    "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun 06 Nov 1994 08:49:37 GMT ",
			    " Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
			    "Sun, 6 Nov 1994 08:49:37 GMT", "Sun,  6 Nov 1994 08:49:37 GMT",
			    "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT",
			    "Sun, 30 Feb 2000 08:49:37 GMT", "Thu, 29 Feb 1900 00:00:00 GMT",
			    "Sun, 29 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
			    "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 8:49:37 GMT ",
			    "Sun, 06 Nov 1994 08-49-37 GMT", "Sun, 06 Nov 19x4 08:49:37 GMT",
			    "Wed, 31 Dec 1969 23:59:59 GMT", "Sun, 06 Nov 0000 08:49:37 GMT",
			    "Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT",
			    "Sundays, 06-Nov-94 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
			    "Sunday, 06-Nov-9x 08:49:37 GMT", "Sunday, 06/Nov/94 08:49:37 GMT",
			    "Sunday, 06-Nov-94 08:49:37 UTC", "Sunday 06-Nov-94 08:49:37 GMT ",
			    "Sun Nov   6 08:49:37 1994", "Sun Nov  6 08:49:37 94  ", "Sun Nov 6 08:49:37 1994 ",
			    "Sun Nov x6 08:49:37 1994", "Sun Nov  0 08:49:37 1994", "Sun Nov  6 08:49:37 1969",
			    "Mon, 29 Feb 2100 00:00:00 GMT", "Sat, 29 Feb 2003 00:00:00 GMT" };
	for (size_t i = 0; i < sizeof d / sizeof *d; i++)
		ck_assert_msg(dp(d[i]) == -1, "\"%s\"", d[i]);
	ck_assert_int_eq(hq_date_parse("Sun, 06 Nov 1994 08:49:37 GMTX", 29), 784111777);
	ck_assert_int_eq(hq_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 28), -1);
	ck_assert_int_eq(hq_date_parse("Sun, 06 Nov 1994 08:49:37 GMT\0", 30), -1);
	ck_assert_int_eq(hq_date_parse("Sun, 06 Nov 1994 08:49:37 G\0T", 29), -1);
	ck_assert_int_eq(hq_date_parse(NULL, 0), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hq-fields");
	TCase *tc = tcase_create("fields");
	tcase_add_test(tc, field_names_are_case_insensitive);
	tcase_add_test(tc, http11_without_host_is_400);
	tcase_add_test(tc, duplicate_host_is_400);
	tcase_add_test(tc, host_values);
	tcase_add_test(tc, malformed_field_lines_are_400);
	tcase_add_test(tc, obs_fold_is_400);
	tcase_add_test(tc, field_values_may_have_tabs_and_obs_text);
	tcase_add_test(tc, field_count_limit_is_431);
	tcase_add_test(tc, content_length_zero_is_accepted);
	tcase_add_test(tc, content_length_over_zero_is_413);
	tcase_add_test(tc, bad_content_lengths_are_400);
	tcase_add_test(tc, transfer_encoding_is_413);
	tcase_add_test(tc, transfer_encoding_with_content_length_is_400);
	tcase_add_test(tc, connection_in_http11);
	tcase_add_test(tc, connection_in_http10);
	tcase_add_test(tc, accept_encoding_q_values);
	tcase_add_test(tc, accept_encoding_over_several_lines);
	tcase_add_test(tc, range_forms);
	tcase_add_test(tc, range_twice_is_ignored);
	tcase_add_test(tc, if_none_match_is_kept_as_sent);
	tcase_add_test(tc, if_none_match_over_limit_is_absent);
	tcase_add_test(tc, if_modified_since_forms);
	tcase_add_test(tc, if_range_is_kept_or_made_unmatchable);
	suite_add_tcase(s, tc);

	tc = tcase_create("etag");
	tcase_add_test(tc, etag_matching_is_weak);
	tcase_add_test(tc, etag_star_matches_anything);
	tcase_add_test(tc, malformed_etag_lists_match_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("date");
	tcase_add_test(tc, date_format_known_values);
	tcase_add_test(tc, date_format_clamps_out_of_range);
	tcase_add_test(tc, date_parse_three_forms);
	tcase_add_test(tc, date_parse_rfc850_two_digit_years);
	tcase_add_test(tc, date_round_trip);
	tcase_add_test(tc, date_leap_second_is_the_next_minute);
	tcase_add_test(tc, date_weekday_is_not_checked);
	tcase_add_test(tc, dates_that_are_not_are_minus_one);
	suite_add_tcase(s, tc);
	return check_run(s);
}
