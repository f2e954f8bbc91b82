/* The static server's responses (apps/httpd/hr.h) over a real site: a ustar archive built
 * here in memory (with a pax path record for a long name) and opened with hs_open(), and
 * requests parsed with hq_parse(). Every head is compared whole, byte for byte: the status
 * line, each field and its order, the blank line; the body's source beside it. */
#include "hr.h"
#include "check_run.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000
#define NOW_DATE "Tue, 14 Nov 2023 22:13:20 GMT"
#define T0 1600000000
#define T0_DATE "Sun, 13 Sep 2020 12:26:40 GMT"
#define T_GZ (T0 + 5)
#define T_GZ_DATE "Sun, 13 Sep 2020 12:26:45 GMT"
#define T_FUTURE 1800000000
#define HTML "text/html; charset=utf-8"
#define CSS "text/css; charset=utf-8"
#define TEXT "text/plain; charset=utf-8"

/* ---- an archive ---- */

struct tar {
	uint8_t *b;
	size_t n, cap;
};

static void tar_put(struct tar *t, const void *p, size_t n)
{
	size_t pad = (512 - n % 512) % 512;
	if (t->n + n + pad > t->cap) {
		t->cap = (t->n + n + pad) * 2;
		t->b = realloc(t->b, t->cap);
		ck_assert_ptr_nonnull(t->b);
	}
	memcpy(t->b + t->n, p, n);
	memset(t->b + t->n + n, 0, pad);
	t->n += n + pad;
}

/* width - 1 octal digits and a NUL, as ustar has them */
static void octal(uint8_t *dst, size_t width, uint64_t v)
{
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		dst[i] = (uint8_t)('0' + (v & 7));
	dst[width - 1] = 0;
}

static void tar_header(struct tar *t, const char *name, char type, uint64_t size, int64_t mtime)
{
	uint8_t h[512] = { 0 };
	size_t nl = strlen(name);
	memcpy(h, name, nl < 100 ? nl : 99);
	octal(h + 100, 8, type == '5' ? 0755 : 0644);
	octal(h + 108, 8, 1000);
	octal(h + 116, 8, 1000);
	octal(h + 124, 12, size);
	octal(h + 136, 12, (uint64_t)mtime);
	memset(h + 148, ' ', 8);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof h; i++)
		sum += h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
	tar_put(t, h, sizeof h);
}

/* A name too long for the header goes before it in a pax "path" record. */
static void tar_name(struct tar *t, const char *name)
{
	size_t nl = strlen(name);
	if (nl < 100)
		return;
	size_t body = strlen(" path=\n") + nl, len = body + 1;
	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	char *rec = malloc(len + 1);
	snprintf(rec, len + 1, "%zu path=%s\n", len, name);
	tar_header(t, "PaxHeader", 'x', len, 0);
	tar_put(t, rec, len);
	free(rec);
}

static void tar_file(struct tar *t, const char *name, const void *data, size_t size, int64_t mtime)
{
	tar_name(t, name);
	tar_header(t, name, '0', size, mtime);
	if (size)
		tar_put(t, data, size);
}

static void tar_dir(struct tar *t, const char *name)
{
	tar_name(t, name);
	tar_header(t, name, '5', 0, T0);
}

/* ---- the site ---- */

static struct hs_site *site;
static uint8_t big[1000];
static const uint8_t gz[30] = { 0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
				12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26 };
static char long_dir[1 + 2 * 500 + 1];     /* "é" 500 times and '/' */

static void site_open(void)
{
	struct tar t = { 0 };
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < 500; i++)
		memcpy(long_dir + 2 * i, "\xc3\xa9", 2);
	strcpy(long_dir + 1000, "/");
	tar_file(&t, "index.html", "<h1>home</h1>\n", 14, T0);
	tar_dir(&t, "docs/");
	tar_file(&t, "docs/index.html", "<p>docs</p>\n", 12, T0);
	tar_file(&t, "a.css", "body{color:red}\n", 16, T0);
	tar_file(&t, "a.css.gz", gz, sizeof gz, T_GZ);
	tar_file(&t, "big.bin", big, sizeof big, T0);
	tar_file(&t, "empty.txt", "", 0, T0);
	tar_file(&t, "x.gz", gz, 10, T0);
	tar_file(&t, "future.txt", "f\n", 2, T_FUTURE);
	tar_dir(&t, "noindex/");
	tar_file(&t, "noindex/f.txt", "f\n", 2, T0);
	tar_dir(&t, "q? #%x/");
	tar_dir(&t, "\xc3\xa9t\xc3\xa9/");
	tar_dir(&t, "s!$&'()*+,;=:@~-_./");
	tar_dir(&t, long_dir);
	uint8_t zero[1024] = { 0 };
	tar_put(&t, zero, sizeof zero);
	char err[256];
	site = hs_open("test", t.b, t.n, true, err, sizeof err);
	ck_assert_msg(site != NULL, "hs_open: %s", err);
}

static void site_close(void)
{
	hs_close(site);
	site = NULL;
}

static const struct hs_file *file(const char *path)
{
	const struct hs_file *f = NULL;
	ck_assert_int_eq(hs_lookup(site, path, strlen(path), &f), HS_FILE);
	return f;
}

/* ---- requests and responses ---- */

static struct hq_req req;
static struct hr_resp resp;
static char head[HR_HEAD_MAX + 1];
static char want[HR_HEAD_MAX + 1];

static void respond_at(int64_t now, const char *fmt, ...)
{
	static char request[HQ_HEAD_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(request, sizeof request, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(hq_parse(request, strlen(request), &req), 0);
	memset(head, '#', sizeof head);
	memset(&resp, 0x5a, sizeof resp);
	hr_respond(&req, site, now, head, &resp);
	ck_assert_uint_le(resp.head_len, HR_HEAD_MAX);
	ck_assert_msg(head[resp.head_len] == '#', "written past head_len");
	head[resp.head_len] = 0;
}

/* GET (or the method given) of target, HTTP/1.1, with extra field lines. */
#define RESPOND(method, target, fields) \
	respond_at(NOW, method " %s HTTP/1.1\r\nHost: h\r\n%s\r\n", target, fields)

static const char *expect(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(want, sizeof want, fmt, ap);
	va_end(ap);
	return want;
}

static void assert_body(const struct hs_file *f, uint64_t off, uint64_t len)
{
	ck_assert_ptr_eq(resp.file, f);
	ck_assert_uint_eq(resp.off, off);
	ck_assert_uint_eq(resp.len, len);
	ck_assert_ptr_null(resp.text);
}

static void assert_no_body(void)
{
	ck_assert_ptr_null(resp.file);
	ck_assert_uint_eq(resp.len, 0);
	ck_assert_ptr_null(resp.text);
}

/* ---- files ---- */

START_TEST(get_file_200_exact_head)
{
	const struct hs_file *f = file("/index.html");
	RESPOND("GET", "/index.html", "");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: " HTML "\r\nContent-Length: 14\r\n"
				      "Last-Modified: " T0_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n\r\n",
				      f->etag));
	assert_body(f, 0, 14);
	ck_assert(!resp.close);
}
END_TEST

START_TEST(head_gets_the_same_head_without_body)
{
	const struct hs_file *f = file("/index.html");
	RESPOND("GET", "/index.html", "");
	char get_head[HR_HEAD_MAX + 1];
	strcpy(get_head, head);
	RESPOND("HEAD", "/index.html", "");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(head, get_head);
	assert_no_body();
	ck_assert(!resp.close);
	(void)f;
}
END_TEST

START_TEST(folder_with_slash_serves_its_index)
{
	const struct hs_file *f = file("/index.html");
	RESPOND("GET", "/", "");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: " HTML "\r\nContent-Length: 14\r\n"
				      "Last-Modified: " T0_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n\r\n",
				      f->etag));
	assert_body(f, 0, 14);
	RESPOND("GET", "/docs/", "");
	ck_assert_int_eq(resp.status, 200);
	assert_body(file("/docs/index.html"), 0, 12);
}
END_TEST

START_TEST(folder_without_slash_301_exact_head)
{
	RESPOND("GET", "/docs", "");
	ck_assert_int_eq(resp.status, 301);
	ck_assert_str_eq(head, "HTTP/1.1 301 Moved Permanently\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
			       "Content-Length: 0\r\nLocation: /docs/\r\n\r\n");
	assert_no_body();
	ck_assert(!resp.close);
	RESPOND("GET", "/docs?a=1&b=/x", "");
	ck_assert_int_eq(resp.status, 301);
	ck_assert_ptr_nonnull(strstr(head, "\r\nLocation: /docs/\r\n"));
	RESPOND("HEAD", "/./docs", "");
	ck_assert_int_eq(resp.status, 301);
	ck_assert_ptr_nonnull(strstr(head, "\r\nLocation: /docs/\r\n"));
	assert_no_body();
}
END_TEST

START_TEST(redirect_location_is_percent_encoded)
{
	RESPOND("GET", "/q%3F%20%23%25x", "");
	ck_assert_int_eq(resp.status, 301);
	ck_assert_str_eq(head, "HTTP/1.1 301 Moved Permanently\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
			       "Content-Length: 0\r\nLocation: /q%3F%20%23%25x/\r\n\r\n");
	RESPOND("GET", "/\xc3\xa9t\xc3\xa9", "");
	ck_assert_int_eq(resp.status, 301);
	ck_assert_ptr_nonnull(strstr(head, "\r\nLocation: /%C3%A9t%C3%A9/\r\n"));
	RESPOND("GET", "/s!$&'()*+,;=:@~-_.", "");
	ck_assert_int_eq(resp.status, 301);
	ck_assert_ptr_nonnull(strstr(head, "\r\nLocation: /s!$&'()*+,;=:@~-_./\r\n"));
}
END_TEST

START_TEST(longest_redirect_fits_the_head)
{
	static char target[4000], loc[4000];
	char *p = target, *q = loc;
	*p++ = '/';
	*q++ = '/';
	for (int i = 0; i < 500; i++) {
		p += sprintf(p, "%%c3%%a9");
		q += sprintf(q, "%%C3%%A9");
	}
	strcpy(q, "/");
	RESPOND("GET", target, "");
	ck_assert_int_eq(resp.status, 301);
	ck_assert_uint_gt(resp.head_len, 3000);
	ck_assert_str_eq(head, expect("HTTP/1.1 301 Moved Permanently\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Length: 0\r\nLocation: %s\r\n\r\n", loc));
	respond_at(NOW, "GET %s HTTP/1.0\r\n\r\n", target);
	ck_assert_int_eq(resp.status, 301);
	ck_assert(resp.close);
	ck_assert_ptr_nonnull(strstr(head, "/\r\nConnection: close\r\n\r\n"));
}
END_TEST

START_TEST(missing_file_404_exact_head_keeps_alive)
{
	RESPOND("GET", "/nope.html", "");
	ck_assert_int_eq(resp.status, 404);
	ck_assert_str_eq(head, "HTTP/1.1 404 Not Found\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
			       "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n");
	ck_assert_str_eq(resp.text, "404 Not Found\n");
	ck_assert_uint_eq(resp.len, 14);
	ck_assert_ptr_null(resp.file);
	ck_assert(!resp.close);
}
END_TEST

START_TEST(head_404_has_its_length_but_no_body)
{
	RESPOND("HEAD", "/nope.html", "");
	ck_assert_int_eq(resp.status, 404);
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Length: 14\r\n"));
	assert_no_body();
}
END_TEST

START_TEST(folder_without_index_and_file_with_slash_are_404)
{
	RESPOND("GET", "/noindex/", "");
	ck_assert_int_eq(resp.status, 404);
	RESPOND("GET", "/index.html/", "");
	ck_assert_int_eq(resp.status, 404);
	RESPOND("GET", "/noindex/f.txt", "");
	ck_assert_int_eq(resp.status, 200);
}
END_TEST

START_TEST(no_site_is_404)
{
	ck_assert_int_eq(hq_parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, &req), 0);
	hr_respond(&req, NULL, NOW, head, &resp);
	ck_assert_int_eq(resp.status, 404);
	ck_assert(!resp.close);
}
END_TEST

/* ---- gzip ---- */

START_TEST(gzip_representation_exact_head)
{
	const struct hs_file *g = file("/a.css.gz");
	ck_assert_ptr_eq(file("/a.css")->gz, g);
	RESPOND("GET", "/a.css", "Accept-Encoding: gzip, deflate\r\n");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: " CSS "\r\nContent-Length: 30\r\n"
				      "Last-Modified: " T_GZ_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n"
				      "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n\r\n",
				      g->etag));
	assert_body(g, 0, 30);
}
END_TEST

START_TEST(plain_representation_varies_when_gz_exists)
{
	const struct hs_file *f = file("/a.css");
	const char *ae[] = { "", "Accept-Encoding: gzip;q=0\r\n", "Accept-Encoding: br\r\n",
			     "Accept-Encoding: *;q=0\r\n" };
	for (size_t i = 0; i < sizeof ae / sizeof *ae; i++) {
		RESPOND("GET", "/a.css", ae[i]);
		ck_assert_int_eq(resp.status, 200);
		ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
					      "Content-Type: " CSS "\r\nContent-Length: 16\r\n"
					      "Last-Modified: " T0_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n"
					      "Vary: Accept-Encoding\r\n\r\n",
					      f->etag));
		assert_body(f, 0, 16);
	}
}
END_TEST

START_TEST(gz_file_asked_by_name_is_application_gzip)
{
	const struct hs_file *g = file("/a.css.gz");
	RESPOND("GET", "/a.css.gz", "Accept-Encoding: gzip\r\n");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: application/gzip\r\nContent-Length: 30\r\n"
				      "Last-Modified: " T_GZ_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n\r\n",
				      g->etag));
	assert_body(g, 0, 30);
	RESPOND("GET", "/x.gz", "");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Type: application/gzip\r\nContent-Length: 10\r\n"));
	ck_assert_ptr_null(strstr(head, "Content-Encoding"));
	ck_assert_ptr_null(strstr(head, "Vary"));
}
END_TEST

/* ---- conditionals ---- */

START_TEST(if_none_match_304_exact_head)
{
	const struct hs_file *f = file("/index.html");
	RESPOND("GET", "/index.html", expect("If-None-Match: %s\r\n", f->etag));
	ck_assert_int_eq(resp.status, 304);
	ck_assert_str_eq(head, expect("HTTP/1.1 304 Not Modified\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Length: 14\r\nLast-Modified: " T0_DATE "\r\nETag: %s\r\n\r\n",
				      f->etag));
	assert_no_body();
	ck_assert(!resp.close);
}
END_TEST

START_TEST(if_none_match_weak_star_and_lists_304)
{
	const struct hs_file *f = file("/index.html");
	char v[128];
	const char *forms[] = { "W/%s", "\"nope\", %s", "*", "\"a\",W/%s , \"b\"" };
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		snprintf(v, sizeof v, forms[i], f->etag);
		RESPOND("GET", "/index.html", expect("If-None-Match: %s\r\n", v));
		ck_assert_msg(resp.status == 304, "%s: %d", v, resp.status);
		RESPOND("HEAD", "/index.html", expect("If-None-Match: %s\r\n", v));
		ck_assert_int_eq(resp.status, 304);
	}
}
END_TEST

START_TEST(if_none_match_mismatch_overrides_if_modified_since)
{
	RESPOND("GET", "/index.html", "If-None-Match: \"nope\"\r\nIf-Modified-Since: " NOW_DATE "\r\n");
	ck_assert_int_eq(resp.status, 200);
	RESPOND("GET", "/index.html", "If-Modified-Since: " NOW_DATE "\r\nIf-None-Match: \"nope\"\r\n");
	ck_assert_int_eq(resp.status, 200);
}
END_TEST

START_TEST(if_modified_since_at_or_after_mtime_304)
{
	const struct hs_file *f = file("/index.html");
	RESPOND("GET", "/index.html", "If-Modified-Since: " T0_DATE "\r\n");
	ck_assert_int_eq(resp.status, 304);
	ck_assert_str_eq(head, expect("HTTP/1.1 304 Not Modified\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Length: 14\r\nLast-Modified: " T0_DATE "\r\nETag: %s\r\n\r\n",
				      f->etag));
	RESPOND("GET", "/index.html", "If-Modified-Since: Sunday, 13-Sep-20 12:26:41 GMT\r\n");
	ck_assert_int_eq(resp.status, 304);
	RESPOND("GET", "/index.html", "If-Modified-Since: Sun Sep 13 12:26:40 2020\r\n");
	ck_assert_int_eq(resp.status, 304);
}
END_TEST

START_TEST(if_modified_since_before_mtime_or_invalid_200)
{
	RESPOND("GET", "/index.html", "If-Modified-Since: Sun, 13 Sep 2020 12:26:39 GMT\r\n");
	ck_assert_int_eq(resp.status, 200);
	RESPOND("GET", "/index.html", "If-Modified-Since: Sun, 13 Sep 2020 12:26:40 UTC\r\n");
	ck_assert_int_eq(resp.status, 200);
	RESPOND("GET", "/index.html", "If-Modified-Since: " T0_DATE "\r\nIf-Modified-Since: " T0_DATE "\r\n");
	ck_assert_int_eq(resp.status, 200);
}
END_TEST

START_TEST(conditionals_use_the_gzip_representation)
{
	const struct hs_file *f = file("/a.css"), *g = file("/a.css.gz");
	RESPOND("GET", "/a.css", expect("Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", g->etag));
	ck_assert_int_eq(resp.status, 304);
	ck_assert_str_eq(head, expect("HTTP/1.1 304 Not Modified\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Length: 30\r\nLast-Modified: " T_GZ_DATE "\r\nETag: %s\r\n"
				      "Vary: Accept-Encoding\r\n\r\n",
				      g->etag));
	RESPOND("GET", "/a.css", expect("Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", f->etag));
	ck_assert_int_eq(resp.status, 200);
	assert_body(g, 0, 30);
	RESPOND("GET", "/a.css", expect("If-None-Match: %s\r\n", f->etag));
	ck_assert_int_eq(resp.status, 304);
	ck_assert_ptr_nonnull(strstr(head, "\r\nVary: Accept-Encoding\r\n"));
	RESPOND("GET", "/a.css", "Accept-Encoding: gzip\r\nIf-Modified-Since: " T0_DATE "\r\n");
	ck_assert_int_eq(resp.status, 200);
	RESPOND("GET", "/a.css", "If-Modified-Since: " T0_DATE "\r\n");
	ck_assert_int_eq(resp.status, 304);
}
END_TEST

START_TEST(future_mtime_is_clamped_to_now)
{
	RESPOND("GET", "/future.txt", "");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(head, "\r\nLast-Modified: " NOW_DATE "\r\n"));
	RESPOND("GET", "/future.txt", "If-Modified-Since: " NOW_DATE "\r\n");
	ck_assert_int_eq(resp.status, 304);
	respond_at(0, "GET /future.txt HTTP/1.1\r\nHost: h\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(head, "\r\nLast-Modified: Fri, 15 Jan 2027 08:00:00 GMT\r\n"));
}
END_TEST

START_TEST(no_date_when_the_time_is_unknown)
{
	const struct hs_file *f = file("/index.html");
	respond_at(0, "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n");
	ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\n"
				      "Content-Type: " HTML "\r\nContent-Length: 14\r\n"
				      "Last-Modified: " T0_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n\r\n",
				      f->etag));
	hr_refuse(400, 0, head, &resp);
	head[resp.head_len] = 0;
	ck_assert_ptr_null(strstr(head, "Date:"));
}
END_TEST

/* ---- ranges ---- */

START_TEST(range_206_exact_head)
{
	const struct hs_file *f = file("/big.bin");
	RESPOND("GET", "/big.bin", "Range: bytes=0-99\r\n");
	ck_assert_int_eq(resp.status, 206);
	ck_assert_str_eq(head, expect("HTTP/1.1 206 Partial Content\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: application/octet-stream\r\nContent-Length: 100\r\n"
				      "Last-Modified: " T0_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n"
				      "Content-Range: bytes 0-99/1000\r\n\r\n",
				      f->etag));
	assert_body(f, 0, 100);
	ck_assert(!resp.close);
}
END_TEST

START_TEST(range_open_ended_and_past_the_end)
{
	const struct hs_file *f = file("/big.bin");
	const struct {
		const char *range, *cr;
		uint64_t off, len;
	} c[] = {
		{ "bytes=990-", "bytes 990-999/1000", 990, 10 },
		{ "bytes=500-5000", "bytes 500-999/1000", 500, 500 },
		{ "bytes=999-999", "bytes 999-999/1000", 999, 1 },
		{ "bytes=0-", "bytes 0-999/1000", 0, 1000 },
		{ "bytes=0-18446744073709551615", "bytes 0-999/1000", 0, 1000 },
		{ "bytes=-100", "bytes 900-999/1000", 900, 100 },
		{ "bytes=-1", "bytes 999-999/1000", 999, 1 },
		{ "bytes=-1000", "bytes 0-999/1000", 0, 1000 },
		{ "bytes=-5000", "bytes 0-999/1000", 0, 1000 },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		RESPOND("GET", "/big.bin", expect("Range: %s\r\n", c[i].range));
		ck_assert_msg(resp.status == 206, "%s: %d", c[i].range, resp.status);
		char line[80];
		snprintf(line, sizeof line, "\r\nContent-Range: %s\r\n", c[i].cr);
		ck_assert_msg(strstr(head, line) != NULL, "%s: %s", c[i].range, head);
		snprintf(line, sizeof line, "\r\nContent-Length: %llu\r\n", (unsigned long long)c[i].len);
		ck_assert_msg(strstr(head, line) != NULL, "%s: %s", c[i].range, head);
		assert_body(f, c[i].off, c[i].len);
	}
}
END_TEST

START_TEST(range_past_the_end_416_exact_head)
{
	RESPOND("GET", "/big.bin", "Range: bytes=1000-\r\n");
	ck_assert_int_eq(resp.status, 416);
	ck_assert_str_eq(head, "HTTP/1.1 416 Range Not Satisfiable\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
			       "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\n"
			       "Content-Range: bytes */1000\r\n\r\n");
	ck_assert_str_eq(resp.text, "416 Range Not Satisfiable\n");
	ck_assert_uint_eq(resp.len, 26);
	ck_assert_ptr_null(resp.file);
	ck_assert(!resp.close);
	RESPOND("GET", "/big.bin", "Range: bytes=18446744073709551615-\r\n");
	ck_assert_int_eq(resp.status, 416);
	RESPOND("HEAD", "/big.bin", "Range: bytes=5000-6000\r\n");
	ck_assert_int_eq(resp.status, 416);
	assert_no_body();
}
END_TEST

START_TEST(empty_suffix_and_empty_file_416)
{
	RESPOND("GET", "/big.bin", "Range: bytes=-0\r\n");
	ck_assert_int_eq(resp.status, 416);
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Range: bytes */1000\r\n"));
	RESPOND("GET", "/empty.txt", "Range: bytes=0-\r\n");
	ck_assert_int_eq(resp.status, 416);
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Range: bytes */0\r\n"));
	RESPOND("GET", "/empty.txt", "Range: bytes=-10\r\n");
	ck_assert_int_eq(resp.status, 416);
	RESPOND("GET", "/empty.txt", "");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Type: " TEXT "\r\nContent-Length: 0\r\n"));
	assert_body(file("/empty.txt"), 0, 0);
}
END_TEST

START_TEST(ignored_ranges_send_the_whole_file)
{
	const char *r[] = { "bytes=0-1,5-6", "items=0-1", "bytes=5-2", "bytes=x-" };
	for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
		RESPOND("GET", "/big.bin", expect("Range: %s\r\n", r[i]));
		ck_assert_msg(resp.status == 200, "%s", r[i]);
		ck_assert_ptr_null(strstr(head, "Content-Range"));
		assert_body(file("/big.bin"), 0, 1000);
	}
}
END_TEST

START_TEST(if_range_entity_tag)
{
	const struct hs_file *f = file("/big.bin");
	RESPOND("GET", "/big.bin", expect("Range: bytes=0-9\r\nIf-Range: %s\r\n", f->etag));
	ck_assert_int_eq(resp.status, 206);
	RESPOND("GET", "/big.bin", "Range: bytes=0-9\r\nIf-Range: \"other\"\r\n");
	ck_assert_int_eq(resp.status, 200);
	assert_body(f, 0, 1000);
	RESPOND("GET", "/big.bin", expect("Range: bytes=0-9\r\nIf-Range: W/%s\r\n", f->etag));
	ck_assert_int_eq(resp.status, 200);
	RESPOND("GET", "/big.bin", "Range: bytes=5000-\r\nIf-Range: \"other\"\r\n");
	ck_assert_int_eq(resp.status, 200);
}
END_TEST

START_TEST(if_range_date)
{
	RESPOND("GET", "/big.bin", "Range: bytes=0-9\r\nIf-Range: " T0_DATE "\r\n");
	ck_assert_int_eq(resp.status, 206);
	RESPOND("GET", "/big.bin", "Range: bytes=0-9\r\nIf-Range: Sunday, 13-Sep-20 12:26:40 GMT\r\n");
	ck_assert_int_eq(resp.status, 206);
	RESPOND("GET", "/big.bin", "Range: bytes=0-9\r\nIf-Range: Sun, 13 Sep 2020 12:26:41 GMT\r\n");
	ck_assert_int_eq(resp.status, 200);
	RESPOND("GET", "/big.bin", "Range: bytes=0-9\r\nIf-Range: yesterday\r\n");
	ck_assert_int_eq(resp.status, 200);
	RESPOND("GET", "/big.bin", "Range: bytes=0-9\r\nIf-Range: \r\n");
	ck_assert_int_eq(resp.status, 200);
}
END_TEST

START_TEST(head_with_range_206_without_body)
{
	RESPOND("HEAD", "/big.bin", "Range: bytes=10-19\r\n");
	ck_assert_int_eq(resp.status, 206);
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Length: 10\r\n"));
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Range: bytes 10-19/1000\r\n"));
	assert_no_body();
}
END_TEST

START_TEST(range_over_the_gzip_representation)
{
	const struct hs_file *g = file("/a.css.gz");
	RESPOND("GET", "/a.css", "Accept-Encoding: gzip\r\nRange: bytes=10-\r\n");
	ck_assert_int_eq(resp.status, 206);
	ck_assert_str_eq(head, expect("HTTP/1.1 206 Partial Content\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: " CSS "\r\nContent-Length: 20\r\n"
				      "Last-Modified: " T_GZ_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n"
				      "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"
				      "Content-Range: bytes 10-29/30\r\n\r\n",
				      g->etag));
	assert_body(g, 10, 20);
	RESPOND("GET", "/a.css", expect("Accept-Encoding: gzip\r\nRange: bytes=0-1\r\nIf-Range: %s\r\n",
					file("/a.css")->etag));
	ck_assert_int_eq(resp.status, 200);
	assert_body(g, 0, 30);
}
END_TEST

/* ---- connections ---- */

START_TEST(http10_keep_alive_is_said)
{
	const struct hs_file *f = file("/index.html");
	respond_at(NOW, "GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: " HTML "\r\nContent-Length: 14\r\n"
				      "Last-Modified: " T0_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n"
				      "Connection: keep-alive\r\n\r\n",
				      f->etag));
	ck_assert(!resp.close);
	respond_at(NOW, "GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	ck_assert_int_eq(resp.status, 404);
	ck_assert_ptr_nonnull(strstr(head, "\r\nContent-Length: 14\r\nConnection: keep-alive\r\n\r\n"));
	ck_assert(!resp.close);
}
END_TEST

START_TEST(http10_without_keep_alive_closes)
{
	const struct hs_file *f = file("/index.html");
	respond_at(NOW, "GET /index.html HTTP/1.0\r\n\r\n");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(head, expect("HTTP/1.1 200 OK\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
				      "Content-Type: " HTML "\r\nContent-Length: 14\r\n"
				      "Last-Modified: " T0_DATE "\r\nETag: %s\r\nAccept-Ranges: bytes\r\n"
				      "Connection: close\r\n\r\n",
				      f->etag));
	ck_assert(resp.close);
}
END_TEST

START_TEST(connection_close_closes_every_response)
{
	const struct hs_file *f = file("/big.bin");
	const char *cases[][2] = {
		{ "/big.bin", "" }, { "/docs", "" }, { "/nope", "" }, { "/big.bin", "Range: bytes=0-1\r\n" },
		{ "/big.bin", "Range: bytes=2000-\r\n" }, { "/big.bin", "If-None-Match: *\r\n" },
	};
	const int status[] = { 200, 301, 404, 206, 416, 304 };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		RESPOND("GET", cases[i][0], expect("Connection: close\r\n%s", cases[i][1]));
		ck_assert_int_eq(resp.status, status[i]);
		ck_assert(resp.close);
		size_t n = strlen(head);
		ck_assert_msg(n > 23 && !strcmp(head + n - 23, "\r\nConnection: close\r\n\r\n"), "%s", head);
		RESPOND("GET", cases[i][0], cases[i][1]);
		ck_assert_int_eq(resp.status, status[i]);
		ck_assert(!resp.close);
		ck_assert_ptr_null(strstr(head, "Connection:"));
	}
	(void)f;
}
END_TEST

/* ---- refusals ---- */

START_TEST(refusals_exact_heads)
{
	const struct {
		int status;
		const char *line, *text, *extra;
	} c[] = {
		{ 400, "400 Bad Request", "400 Bad Request\n", "" },
		{ 405, "405 Method Not Allowed", "405 Method Not Allowed\n", "Allow: GET, HEAD\r\n" },
		{ 408, "408 Request Timeout", "408 Request Timeout\n", "" },
		{ 413, "413 Content Too Large", "413 Content Too Large\n", "" },
		{ 414, "414 URI Too Long", "414 URI Too Long\n", "" },
		{ 431, "431 Request Header Fields Too Large", "431 Request Header Fields Too Large\n", "" },
		{ 500, "500 Internal Server Error", "500 Internal Server Error\n", "" },
		{ 501, "501 Not Implemented", "501 Not Implemented\n", "" },
		{ 505, "505 HTTP Version Not Supported", "505 HTTP Version Not Supported\n", "" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		memset(head, '#', sizeof head);
		hr_refuse(c[i].status, NOW, head, &resp);
		ck_assert_int_eq(resp.status, c[i].status);
		ck_assert(head[resp.head_len] == '#');
		head[resp.head_len] = 0;
		ck_assert_str_eq(head, expect("HTTP/1.1 %s\r\nServer: sluice\r\nDate: " NOW_DATE "\r\n"
					      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
					      "%sConnection: close\r\n\r\n",
					      c[i].line, strlen(c[i].text), c[i].extra));
		ck_assert_str_eq(resp.text, c[i].text);
		ck_assert_uint_eq(resp.len, strlen(c[i].text));
		ck_assert_ptr_null(resp.file);
		ck_assert(resp.close);
	}
}
END_TEST

START_TEST(refusing_an_unknown_status_is_500)
{
	const int s[] = { 0, 200, 206, 304, 999, -1 };
	for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
		hr_refuse(s[i], NOW, head, &resp);
		ck_assert_int_eq(resp.status, 500);
		ck_assert(resp.close);
		ck_assert_str_eq(resp.text, "500 Internal Server Error\n");
	}
}
END_TEST

START_TEST(reasons)
{
	ck_assert_str_eq(hr_reason(200), "OK");
	ck_assert_str_eq(hr_reason(206), "Partial Content");
	ck_assert_str_eq(hr_reason(301), "Moved Permanently");
	ck_assert_str_eq(hr_reason(304), "Not Modified");
	ck_assert_str_eq(hr_reason(404), "Not Found");
	ck_assert_str_eq(hr_reason(416), "Range Not Satisfiable");
	ck_assert_str_eq(hr_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(hr_reason(299), "");
	ck_assert_str_eq(hr_reason(0), "");
}
END_TEST

START_TEST(refusals_of_parsed_requests)
{
	const char *r[] = { "POST / HTTP/1.1\r\nHost: h\r\n\r\n", "GET /../x HTTP/1.1\r\nHost: h\r\n\r\n",
			    "GET / HTTP/2.0\r\nHost: h\r\n\r\n" };
	const int st[] = { 405, 400, 505 };
	for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
		ck_assert_int_eq(hq_parse(r[i], strlen(r[i]), &req), st[i]);
		hr_refuse(st[i], NOW, head, &resp);
		ck_assert_int_eq(resp.status, st[i]);
		ck_assert(resp.close);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hr");
	TCase *tc = tcase_create("files");
	tcase_add_checked_fixture(tc, site_open, site_close);
	tcase_add_test(tc, get_file_200_exact_head);
	tcase_add_test(tc, head_gets_the_same_head_without_body);
	tcase_add_test(tc, folder_with_slash_serves_its_index);
	tcase_add_test(tc, folder_without_slash_301_exact_head);
	tcase_add_test(tc, redirect_location_is_percent_encoded);
	tcase_add_test(tc, longest_redirect_fits_the_head);
	tcase_add_test(tc, missing_file_404_exact_head_keeps_alive);
	tcase_add_test(tc, head_404_has_its_length_but_no_body);
	tcase_add_test(tc, folder_without_index_and_file_with_slash_are_404);
	tcase_add_test(tc, no_site_is_404);
	suite_add_tcase(s, tc);

	tc = tcase_create("gzip");
	tcase_add_checked_fixture(tc, site_open, site_close);
	tcase_add_test(tc, gzip_representation_exact_head);
	tcase_add_test(tc, plain_representation_varies_when_gz_exists);
	tcase_add_test(tc, gz_file_asked_by_name_is_application_gzip);
	suite_add_tcase(s, tc);

	tc = tcase_create("conditionals");
	tcase_add_checked_fixture(tc, site_open, site_close);
	tcase_add_test(tc, if_none_match_304_exact_head);
	tcase_add_test(tc, if_none_match_weak_star_and_lists_304);
	tcase_add_test(tc, if_none_match_mismatch_overrides_if_modified_since);
	tcase_add_test(tc, if_modified_since_at_or_after_mtime_304);
	tcase_add_test(tc, if_modified_since_before_mtime_or_invalid_200);
	tcase_add_test(tc, conditionals_use_the_gzip_representation);
	tcase_add_test(tc, future_mtime_is_clamped_to_now);
	tcase_add_test(tc, no_date_when_the_time_is_unknown);
	suite_add_tcase(s, tc);

	tc = tcase_create("ranges");
	tcase_add_checked_fixture(tc, site_open, site_close);
	tcase_add_test(tc, range_206_exact_head);
	tcase_add_test(tc, range_open_ended_and_past_the_end);
	tcase_add_test(tc, range_past_the_end_416_exact_head);
	tcase_add_test(tc, empty_suffix_and_empty_file_416);
	tcase_add_test(tc, ignored_ranges_send_the_whole_file);
	tcase_add_test(tc, if_range_entity_tag);
	tcase_add_test(tc, if_range_date);
	tcase_add_test(tc, head_with_range_206_without_body);
	tcase_add_test(tc, range_over_the_gzip_representation);
	suite_add_tcase(s, tc);

	tc = tcase_create("connections");
	tcase_add_checked_fixture(tc, site_open, site_close);
	tcase_add_test(tc, http10_keep_alive_is_said);
	tcase_add_test(tc, http10_without_keep_alive_closes);
	tcase_add_test(tc, connection_close_closes_every_response);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_test(tc, refusals_exact_heads);
	tcase_add_test(tc, refusing_an_unknown_status_is_500);
	tcase_add_test(tc, reasons);
	tcase_add_test(tc, refusals_of_parsed_requests);
	suite_add_tcase(s, tc);
	return check_run(s);
}
