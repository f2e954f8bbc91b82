/* The static server's request heads (apps/httpd/hq.h): where a head ends, byte by byte
 * and at the limits; the request line, its methods, versions and targets, and which
 * refusal wins; the path's decoding and normalisation against every encoding of a
 * traversal. A seeded mutation run checks that no head is read past its end or yields a
 * bad path. The header fields, If-None-Match lists and dates: test_hq_fields.c. */
#include "check_run.h"
#include "hq.h"
#include "hq_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "GET <target> HTTP/1.1" with a Host. */
static int target(const char *t)
{
	snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", t);
	return parse(buf);
}

static long head_end_n(const char *s, size_t n, size_t from)
{
	char *copy = malloc(n ? n : 1);
	memcpy(copy, s, n);
	long e = hq_head_end(copy, n, from);
	free(copy);
	return e;
}

/* ---- hq_head_end ---- */

START_TEST(head_end_crlf_head)
{
	const char *h = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	ck_assert_int_eq(head_end_n(h, strlen(h), 0), (long)strlen(h));
}
END_TEST

START_TEST(head_end_bare_lf_and_mixed_terminators)
{
	const char *a = "GET / HTTP/1.1\nHost: a\n\n";
	const char *b = "GET / HTTP/1.1\r\nHost: a\r\n\n";
	const char *c = "GET / HTTP/1.1\nHost: a\n\r\n";
	ck_assert_int_eq(head_end_n(a, strlen(a), 0), (long)strlen(a));
	ck_assert_int_eq(head_end_n(b, strlen(b), 0), (long)strlen(b));
	ck_assert_int_eq(head_end_n(c, strlen(c), 0), (long)strlen(c));
}
END_TEST

START_TEST(head_end_every_prefix_is_incomplete)
{
	const char *h = "GET /a HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n";
	size_t n = strlen(h);
	for (size_t i = 0; i < n; i++)
		REQUIRE(head_end_n(h, i, 0) == 0);
	ck_assert_int_eq(head_end_n(h, n, 0), (long)n);
}
END_TEST

START_TEST(head_end_byte_by_byte_with_from)
{
	const char *heads[] = { "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\nHost: a\n\n",
				"\r\n\n\r\nGET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nA: \r\r\n\r\n" };
	for (size_t k = 0; k < sizeof heads / sizeof *heads; k++) {
		size_t n = strlen(heads[k]);
		long got = 0;
		size_t prev = 0;
		for (size_t len = 1; len <= n && !got; len++) {
			got = head_end_n(heads[k], len, prev);
			prev = len;
			if (len < n)
				REQUIRE(got == 0);
		}
		ck_assert_int_eq(got, (long)n);
	}
}
END_TEST

START_TEST(head_end_split_terminator_across_calls)
{
	const char *h = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n = strlen(h);
	for (size_t cut = 1; cut < n; cut++) {
		REQUIRE(head_end_n(h, cut, 0) == 0);
		REQUIRE(head_end_n(h, n, cut) == (long)n);
	}
}
END_TEST

START_TEST(head_end_leading_empty_lines_are_part_of_head)
{
	const char *h = "\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
	ck_assert_int_eq(head_end_n(h, strlen(h), 0), (long)strlen(h));
	ck_assert_int_eq(head_end_n("\r\n\r\n", 4, 0), 0);
	ck_assert_int_eq(head_end_n("\n\n\n\n", 4, 0), 0);
	ck_assert_int_eq(hq_parse(h, strlen(h), &req), 0);
	ck_assert_uint_eq(req.head_len, strlen(h));
}
END_TEST

START_TEST(head_end_pipelined_requests_end_at_first)
{
	const char *h = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
	ck_assert_int_eq(head_end_n(h, strlen(h), 0), 28);
}
END_TEST

START_TEST(head_end_ignores_bytes_past_len)
{
	const char *h = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n = strlen(h);
	ck_assert_int_eq(hq_head_end(h, n - 1, 0), 0);
	ck_assert_int_eq(hq_head_end(h, n - 2, 0), 0);
	ck_assert_int_eq(hq_head_end(h, n - 1, n - 2), 0);
}
END_TEST

START_TEST(head_end_from_past_len_searches_all)
{
	const char *h = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	ck_assert_int_eq(head_end_n(h, strlen(h), 1000), (long)strlen(h));
}
END_TEST

START_TEST(head_end_request_line_over_limit_is_414)
{
	char *b = malloc(HQ_HEAD_MAX);
	memset(b, 'a', HQ_HEAD_MAX);
	ck_assert_int_eq(hq_head_end(b, HQ_LINE_MAX - 1, 0), 0);
	ck_assert_int_eq(hq_head_end(b, HQ_LINE_MAX, 0), -414);
	ck_assert_int_eq(hq_head_end(b, HQ_LINE_MAX + 100, HQ_LINE_MAX), -414);
	b[HQ_LINE_MAX - 1] = '\n';
	ck_assert_int_eq(hq_head_end(b, HQ_LINE_MAX + 100, 0), 0);
	b[HQ_LINE_MAX - 1] = 'a';
	b[HQ_LINE_MAX] = '\n';
	ck_assert_int_eq(hq_head_end(b, HQ_LINE_MAX + 100, 0), -414);
	memcpy(b, "\r\n\r\n", 4);
	b[HQ_LINE_MAX] = 'a';
	b[HQ_LINE_MAX + 3] = '\n';
	ck_assert_int_eq(hq_head_end(b, HQ_LINE_MAX + 100, 0), 0);
	free(b);
}
END_TEST

START_TEST(head_end_head_over_limit_is_431)
{
	char *b = malloc(HQ_HEAD_MAX + 10);
	memset(b, 'a', HQ_HEAD_MAX + 10);
	memcpy(b, "GET / HTTP/1.1\r\n", 16);
	for (size_t i = 100; i < HQ_HEAD_MAX + 10; i += 100)
		memcpy(b + i - 2, "\r\n", 2);
	ck_assert_int_eq(hq_head_end(b, HQ_HEAD_MAX - 1, 0), 0);
	ck_assert_int_eq(hq_head_end(b, HQ_HEAD_MAX, 0), -431);
	ck_assert_int_eq(hq_head_end(b, HQ_HEAD_MAX + 10, HQ_HEAD_MAX), -431);
	/* a head of exactly HQ_HEAD_MAX bytes is whole; one more byte is too many */
	memcpy(b + HQ_HEAD_MAX - 4, "a\r\n\r\n" + 1, 4);
	ck_assert_int_eq(hq_head_end(b, HQ_HEAD_MAX + 10, 0), HQ_HEAD_MAX);
	memcpy(b + HQ_HEAD_MAX - 4, "a\r\n\r\n", 5);
	ck_assert_int_eq(hq_head_end(b, HQ_HEAD_MAX + 10, 0), -431);
	free(b);
}
END_TEST

/* The head's end by the definition: the first empty line after a non-empty one. */
static long naive_end(const char *b, size_t n)
{
	bool seen = false;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (b[i] != '\n')
			continue;
		size_t l = i - start;
		bool empty = l == 0 || (l == 1 && b[start] == '\r');
		if (empty && seen)
			return (long)i + 1;
		seen |= !empty;
		start = i + 1;
	}
	return 0;
}

START_TEST(head_end_random_chunks_agree_with_definition)
{
	static const char alphabet[] = "\r\n\r\na :";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char b[64];
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + (x >> 7) % sizeof b;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[i] = alphabet[x % (sizeof alphabet - 1)];
		}
		long want = naive_end(b, n);
		long got = 0;
		size_t prev = 0;
		while (prev < n && !got) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t len = prev + 1 + x % 5;
			len = len > n ? n : len;
			got = head_end_n(b, len, prev);
			prev = len;
		}
		REQUIRE(got == want);
	}
}
END_TEST

/* ---- the request line ---- */

START_TEST(parse_simple_get)
{
	const char *h = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
	ck_assert_int_eq(parse(h), 0);
	ck_assert_int_eq(req.method, HQ_GET);
	ck_assert_uint_eq(req.minor, 1);
	ck_assert(req.keep_alive);
	ck_assert(!req.gzip_ok);
	ck_assert_str_eq(req.path, "/index.html");
	ck_assert_uint_eq(req.path_len, 11);
	ck_assert(!req.has_inm);
	ck_assert_int_eq(req.ims, -1);
	ck_assert_int_eq(req.range.kind, HQ_RANGE_NONE);
	ck_assert(!req.has_if_range);
	ck_assert_uint_eq(req.head_len, strlen(h));
}
END_TEST

START_TEST(parse_head_method)
{
	ck_assert_int_eq(parse("HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	ck_assert_int_eq(req.method, HQ_HEAD);
}
END_TEST

START_TEST(methods_are_case_sensitive)
{
	ck_assert_int_eq(parse("get / HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
	ck_assert_int_eq(parse("Get / HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
	ck_assert_int_eq(parse("head / HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
	ck_assert_int_eq(parse("post / HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
}
END_TEST

START_TEST(defined_methods_are_405)
{
	const char *m[] = { "POST /", "PUT /", "DELETE /", "OPTIONS *", "OPTIONS /", "TRACE /",
			    "CONNECT example.com:443", "PATCH /" };
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		snprintf(buf, sizeof buf, "%s HTTP/1.1\r\nHost: h\r\n\r\n", m[i]);
		ck_assert_msg(parse(buf) == 405, "%s", m[i]);
	}
}
END_TEST

START_TEST(other_method_tokens_are_501)
{
	const char *m[] = { "FOO", "PROPFIND", "BREW", "GETS", "GE", "M-SEARCH", "X!#$%&'*+-.^_`|~" };
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		snprintf(buf, sizeof buf, "%s / HTTP/1.1\r\nHost: h\r\n\r\n", m[i]);
		ck_assert_msg(parse(buf) == 501, "%s", m[i]);
	}
}
END_TEST

START_TEST(malformed_request_lines_are_400)
{
	const char *l[] = { "GET /", "GET", "", " GET / HTTP/1.1", "GET  / HTTP/1.1", "GET /  HTTP/1.1",
			    "GET / HTTP/1.1 ", "GET\t/\tHTTP/1.1", "GET / http/1.1", "GET / HTTP/1.10",
			    "GET / HTTP/1", "GET / HTTP/1.x", "GET / HTTP/11", "GET / HTTPS/1.1",
			    "GE(T / HTTP/1.1", "GET /a b HTTP/1.1", "GET / HTTP/1.1 x", "GET / HTTP\\1.1" };
	for (size_t i = 0; i < sizeof l / sizeof *l; i++) {
		snprintf(buf, sizeof buf, "%s\r\nHost: h\r\n\r\n", l[i]);
		ck_assert_msg(parse(buf) == 400, "\"%s\"", l[i]);
	}
}
END_TEST

START_TEST(http10_is_accepted_without_host)
{
	ck_assert_int_eq(parse("GET /x HTTP/1.0\r\n\r\n"), 0);
	ck_assert_uint_eq(req.minor, 0);
	ck_assert(!req.keep_alive);
	ck_assert_str_eq(req.path, "/x");
}
END_TEST

START_TEST(other_versions_are_505_answered_in_11)
{
	const char *v[] = { "HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9", "HTTP/1.9" };
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(buf, sizeof buf, "GET / %s\r\nHost: h\r\n\r\n", v[i]);
		ck_assert_msg(parse(buf) == 505, "%s", v[i]);
		ck_assert_uint_eq(req.minor, 1);
		ck_assert(!req.keep_alive);
	}
}
END_TEST

START_TEST(request_line_at_limit_and_one_over)
{
	/* "GET /?" + padding + " HTTP/1.1\r\n": the query pads it, the path stays "/" */
	static char line[HQ_LINE_MAX + 64];
	size_t fixed = strlen("GET /? HTTP/1.1\r\n");
	memcpy(line, "GET /?", 6);
	memset(line + 6, 'q', HQ_LINE_MAX - fixed);
	strcpy(line + 6 + HQ_LINE_MAX - fixed, " HTTP/1.1\r\nHost: h\r\n\r\n");
	ck_assert_int_eq(parse(line), 0);
	ck_assert_str_eq(req.path, "/");
	memset(line + 6, 'q', HQ_LINE_MAX - fixed + 1);
	strcpy(line + 7 + HQ_LINE_MAX - fixed, " HTTP/1.1\r\nHost: h\r\n\r\n");
	ck_assert_int_eq(parse(line), 414);
}
END_TEST

START_TEST(nul_bytes_anywhere_are_400)
{
	const char h[] = "GET /ab HTTP/1.1\r\nHost: h\r\nX-A: bc\r\n\r\n";
	size_t n = sizeof h - 1;
	for (size_t i = 0; i < n - 4; i++) {
		char c[sizeof h];
		memcpy(c, h, sizeof h);
		if (c[i] == '\r' || c[i] == '\n')
			continue;
		c[i] = 0;
		ck_assert_msg(parse_n(c, n) == 400, "NUL at %zu", i);
	}
}
END_TEST

START_TEST(bare_cr_is_400)
{
	ck_assert_int_eq(parse("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\rHost: h\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n"), 400);
	ck_assert_int_eq(parse("\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}
END_TEST

START_TEST(bare_lf_head_parses)
{
	ck_assert_int_eq(parse("GET /a HTTP/1.1\nHost: h\nConnection: close\n\n"), 0);
	ck_assert_str_eq(req.path, "/a");
	ck_assert(!req.keep_alive);
}
END_TEST

START_TEST(head_not_ending_exactly_is_400)
{
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\nX"), 400);
	ck_assert_int_eq(parse(""), 400);
	ck_assert_int_eq(parse("\r\n\r\n"), 400);
}
END_TEST

START_TEST(head_over_limit_parse_is_431)
{
	char *b = malloc(HQ_HEAD_MAX + 1);
	memset(b, 'a', HQ_HEAD_MAX + 1);
	ck_assert_int_eq(hq_parse(b, HQ_HEAD_MAX + 1, &req), 431);
	free(b);
}
END_TEST

START_TEST(refusals_leave_keep_alive_false)
{
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
	ck_assert(!req.keep_alive);
	ck_assert_uint_eq(req.minor, 1);
	ck_assert_int_eq(parse("POST / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 405);
	ck_assert(!req.keep_alive);
	ck_assert_uint_eq(req.minor, 0);
	ck_assert_int_eq(parse("GET /.. HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 400);
	ck_assert(!req.keep_alive);
}
END_TEST

START_TEST(status_precedence)
{
	ck_assert_int_eq(parse("FOO / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
	ck_assert_int_eq(parse("POST /.. HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
	ck_assert_int_eq(parse("BREW /.. HTTP/1.1\r\n\r\n"), 501);
	ck_assert_int_eq(parse("GET /.. HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nBad Field\r\n\r\n"), 400);
}
END_TEST

/* ---- targets and paths ---- */

START_TEST(query_is_dropped)
{
	ck_assert_int_eq(target("/a/b?x=../../y&z=%00"), 0);
	ck_assert_str_eq(req.path, "/a/b");
	ck_assert_int_eq(target("/?"), 0);
	ck_assert_str_eq(req.path, "/");
	ck_assert_int_eq(target("/a%3Fb?c"), 0);
	ck_assert_str_eq(req.path, "/a?b");
}
END_TEST

START_TEST(fragment_is_400)
{
	ck_assert_int_eq(target("/a#b"), 400);
	ck_assert_int_eq(target("/a?q#b"), 400);
	ck_assert_int_eq(target("/a%23b"), 0);
	ck_assert_str_eq(req.path, "/a#b");
}
END_TEST

START_TEST(absolute_form_takes_its_path)
{
	const char *t[][2] = { { "http://example.com/a/b?q", "/a/b" }, { "HTTP://Example.COM", "/" },
			       { "https://h:8080/x", "/x" }, { "http://h?x=1", "/" },
			       { "http://[::1]:80/v6", "/v6" }, { "http://h/a/../b", "/b" } };
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		ck_assert_msg(target(t[i][0]) == 0, "%s", t[i][0]);
		ck_assert_str_eq(req.path, t[i][1]);
	}
}
END_TEST

START_TEST(bad_absolute_forms_are_400)
{
	const char *t[] = { "ftp://h/x", "http://", "http:///x", "http://user@h/x", "http://u:p@h/",
			    "http:/x", "http:x", "http//h/x", "ws://h/", "http://h\\x/", "http://h/../x",
			    "httpx://h/" };
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		ck_assert_msg(target(t[i]) == 400, "%s", t[i]);
}
END_TEST

START_TEST(asterisk_and_authority_forms_are_400_for_get)
{
	ck_assert_int_eq(target("*"), 400);
	ck_assert_int_eq(target("example.com:443"), 400);
	ck_assert_int_eq(target("example.com"), 400);
	ck_assert_int_eq(target("a/b"), 400);
	ck_assert_int_eq(target("?x"), 400);
	ck_assert_int_eq(parse("HEAD * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}
END_TEST

START_TEST(control_bytes_in_target_are_400)
{
	ck_assert_int_eq(target("/a\x01z"), 400);
	ck_assert_int_eq(target("/a\x7fz"), 400);
	ck_assert_int_eq(target("/a\x1b[31m"), 400);
	ck_assert_int_eq(target("/a?\x01"), 400);
}
END_TEST

START_TEST(raw_non_ascii_target_is_kept)
{
	ck_assert_int_eq(target("/caf\xc3\xa9"), 0);
	ck_assert_str_eq(req.path, "/caf\xc3\xa9");
}
END_TEST

static const struct {
	const char *target;
	int status;
	const char *path;
} paths[] = {
	{ "/", 0, "/" },
	{ "/a", 0, "/a" },
	{ "/a/", 0, "/a/" },
	{ "//a///b//", 0, "/a/b/" },
	{ "/./a/./b/.", 0, "/a/b/" },
	{ "/a/b/..", 0, "/a/" },
	{ "/a/b/../c", 0, "/a/c" },
	{ "/a/..", 0, "/" },
	{ "/a/./../b", 0, "/b" },
	{ "/.", 0, "/" },
	{ "/...", 0, "/..." },
	{ "/..a", 0, "/..a" },
	{ "/a..", 0, "/a.." },
	{ "/a/.../b", 0, "/a/.../b" },
	{ "/.hidden", 0, "/.hidden" },
	{ "/a\\b", 0, "/a/b" },
	{ "/a%5cb", 0, "/a/b" },
	{ "/a%5Cb", 0, "/a/b" },
	{ "/a%2fb", 0, "/a/b" },
	{ "/a%2Fb/", 0, "/a/b/" },
	{ "/a/%2e/b", 0, "/a/b" },
	{ "/a/..%2F", 0, "/" },
	{ "/a/b/%2e%2e", 0, "/a/" },
	{ "/%41%42%63", 0, "/ABc" },
	{ "/a%20b", 0, "/a b" },
	{ "/%25", 0, "/%" },
	{ "/%252e%252e/x", 0, "/%2e%2e/x" },
	{ "/%c3%A9", 0, "/\xc3\xa9" },
	{ "/a+b", 0, "/a+b" },
	{ "/..", 400, NULL },
	{ "/../", 400, NULL },
	{ "/../a", 400, NULL },
	{ "/a/../..", 400, NULL },
	{ "/a/../../b", 400, NULL },
	{ "/a/b/../../..", 400, NULL },
	{ "/./..", 400, NULL },
	{ "//..//a", 400, NULL },
	{ "/%2e%2e", 400, NULL },
	{ "/%2e%2e/etc/passwd", 400, NULL },
	{ "/%2E%2e/", 400, NULL },
	{ "/%2e./x", 400, NULL },
	{ "/.%2E/x", 400, NULL },
	{ "/a/..%2f..%2fetc/passwd", 400, NULL },
	{ "/a%2f..%2f..%2fetc", 400, NULL },
	{ "/..%5cetc", 400, NULL },
	{ "/%5c..%5c..%5cetc", 400, NULL },
	{ "/a\\..\\..\\x", 400, NULL },
	{ "/\\..", 400, NULL },
	{ "/a/.%2e/.%2E/x", 400, NULL },
	{ "/a/%2e%2e%5c%2e%2e/x", 400, NULL },
	{ "/%", 400, NULL },
	{ "/%4", 400, NULL },
	{ "/a%4", 400, NULL },
	{ "/%zz", 400, NULL },
	{ "/%4g", 400, NULL },
	{ "/%g4", 400, NULL },
	{ "/%%41", 400, NULL },
	{ "/%00", 400, NULL },
	{ "/a%00.html", 400, NULL },
	{ "/%0d%0aSet-Cookie:x", 400, NULL },
	{ "/%0a", 400, NULL },
	{ "/%09", 400, NULL },
	{ "/%7f", 400, NULL },
	{ "/%1F", 400, NULL },
};

START_TEST(paths_decode_and_normalise)
{
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		int st = target(paths[i].target);
		ck_assert_msg(st == paths[i].status, "%s: %d, not %d", paths[i].target, st, paths[i].status);
		if (!st) {
			ck_assert_msg(!strcmp(req.path, paths[i].path), "%s: \"%s\", not \"%s\"", paths[i].target,
				      req.path, paths[i].path);
			ck_assert_uint_eq(req.path_len, strlen(paths[i].path));
		}
	}
}
END_TEST

START_TEST(path_length_limit)
{
	char t[4 * HQ_PATH_MAX];
	t[0] = '/';
	memset(t + 1, 'a', HQ_PATH_MAX - 1);
	t[HQ_PATH_MAX] = 0;
	ck_assert_int_eq(target(t), 0);
	ck_assert_uint_eq(req.path_len, HQ_PATH_MAX);
	ck_assert_uint_eq(strlen(req.path), HQ_PATH_MAX);
	memcpy(t + HQ_PATH_MAX, "/", 2);
	ck_assert_int_eq(target(t), 414);
	memcpy(t + HQ_PATH_MAX, "a", 2);
	ck_assert_int_eq(target(t), 414);
	for (size_t i = 0; i < HQ_PATH_MAX; i++)
		memcpy(t + 1 + 3 * i, "%61", 3);
	t[1 + 3 * HQ_PATH_MAX] = 0;
	ck_assert_int_eq(target(t), 414);
	t[1 + 3 * (HQ_PATH_MAX - 1)] = 0;
	ck_assert_int_eq(target(t), 0);
	ck_assert_uint_eq(req.path_len, HQ_PATH_MAX);
	/* runs of '/' and "." segments take no room */
	for (size_t i = 0; i < 3 * HQ_PATH_MAX; i += 3)
		memcpy(t + i, "/./", 3);
	memcpy(t + 3 * HQ_PATH_MAX, "x", 2);
	ck_assert_int_eq(target(t), 0);
	ck_assert_str_eq(req.path, "/x");
}
END_TEST

/* ---- mutations ---- */

static void check_path(const struct hq_req *r)
{
	REQUIRE(r->path_len >= 1 && r->path_len <= HQ_PATH_MAX);
	REQUIRE(strlen(r->path) == r->path_len);
	REQUIRE(r->path[0] == '/');
	REQUIRE(!strstr(r->path, "//"));
	REQUIRE(!strstr(r->path, "/./"));
	REQUIRE(!strstr(r->path, "/../"));
	REQUIRE(!strchr(r->path, '\\'));
	size_t n = r->path_len;
	REQUIRE(!(n >= 2 && !strcmp(r->path + n - 2, "/.")));
	REQUIRE(!(n >= 3 && !strcmp(r->path + n - 3, "/..")));
	for (size_t i = 0; i < n; i++)
		REQUIRE((unsigned char)r->path[i] >= 0x20 && r->path[i] != 0x7f);
}

START_TEST(mutated_heads_are_parsed_safely)
{
	static const char seed[] = "GET /a/%2e%2e/b/./c%5c..?q HTTP/1.1\r\nHost: example.com\r\n"
				   "Accept-Encoding: gzip;q=0.5, *;q=0\r\nRange: bytes=0-99\r\n"
				   "If-None-Match: W/\"x\", \"y\"\r\nConnection: keep-alive\r\n\r\n";
	static const char bytes[] = "\r\n\0 \t:./\\%2e5c?#\"W,;=-0aA\x7f\xff";
	uint64_t x = 0x2545f4914f6cdd1dull;
	char b[sizeof seed + 16];
	unsigned ok = 0;
	for (int round = 0; round < 30000; round++) {
		size_t n = sizeof seed - 1;
		memcpy(b, seed, n);
		for (int k = 0; k < 1 + round % 4; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[x % n] = bytes[(x >> 20) % (sizeof bytes - 1)];
		}
		long end = head_end_n(b, n, 0);
		REQUIRE(end >= 0 && end <= (long)n);
		if (!end)
			continue;
		int st = parse_n(b, (size_t)end);
		REQUIRE(st == 0 || st == 400 || st == 405 || st == 413 || st == 414 || st == 431 || st == 501 ||
			st == 505);
		if (st)
			continue;
		ok++;
		check_path(&req);
		REQUIRE(req.head_len == (size_t)end);
	}
	ck_assert_uint_gt(ok, 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hq");
	TCase *tc = tcase_create("head_end");
	tcase_add_test(tc, head_end_crlf_head);
	tcase_add_test(tc, head_end_bare_lf_and_mixed_terminators);
	tcase_add_test(tc, head_end_every_prefix_is_incomplete);
	tcase_add_test(tc, head_end_byte_by_byte_with_from);
	tcase_add_test(tc, head_end_split_terminator_across_calls);
	tcase_add_test(tc, head_end_leading_empty_lines_are_part_of_head);
	tcase_add_test(tc, head_end_pipelined_requests_end_at_first);
	tcase_add_test(tc, head_end_ignores_bytes_past_len);
	tcase_add_test(tc, head_end_from_past_len_searches_all);
	tcase_add_test(tc, head_end_request_line_over_limit_is_414);
	tcase_add_test(tc, head_end_head_over_limit_is_431);
	tcase_add_test(tc, head_end_random_chunks_agree_with_definition);
	suite_add_tcase(s, tc);

	tc = tcase_create("request_line");
	tcase_add_test(tc, parse_simple_get);
	tcase_add_test(tc, parse_head_method);
	tcase_add_test(tc, methods_are_case_sensitive);
	tcase_add_test(tc, defined_methods_are_405);
	tcase_add_test(tc, other_method_tokens_are_501);
	tcase_add_test(tc, malformed_request_lines_are_400);
	tcase_add_test(tc, http10_is_accepted_without_host);
	tcase_add_test(tc, other_versions_are_505_answered_in_11);
	tcase_add_test(tc, request_line_at_limit_and_one_over);
	tcase_add_test(tc, nul_bytes_anywhere_are_400);
	tcase_add_test(tc, bare_cr_is_400);
	tcase_add_test(tc, bare_lf_head_parses);
	tcase_add_test(tc, head_not_ending_exactly_is_400);
	tcase_add_test(tc, head_over_limit_parse_is_431);
	tcase_add_test(tc, status_precedence);
	tcase_add_test(tc, refusals_leave_keep_alive_false);
	suite_add_tcase(s, tc);

	tc = tcase_create("target");
	tcase_add_test(tc, query_is_dropped);
	tcase_add_test(tc, fragment_is_400);
	tcase_add_test(tc, absolute_form_takes_its_path);
	tcase_add_test(tc, bad_absolute_forms_are_400);
	tcase_add_test(tc, asterisk_and_authority_forms_are_400_for_get);
	tcase_add_test(tc, control_bytes_in_target_are_400);
	tcase_add_test(tc, raw_non_ascii_target_is_kept);
	tcase_add_test(tc, paths_decode_and_normalise);
	tcase_add_test(tc, path_length_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("mutation");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mutated_heads_are_parsed_safely);
	suite_add_tcase(s, tc);
	return check_run(s);
}
