/* hr.c - the static server's responses (hr.h): from a parsed request and the site, the
 * status, the head's bytes and the body's source, checked in hr.h's order.
 *
 * Every head is written through one bounded writer; a head that would not fit (it cannot
 * with the limits of hq.h, but the writer does not rely on it) becomes a 500.
 */
#include "hr.h"

#include <string.h>

static const struct {
	int status;
	const char *reason;
	const char *text;          /* an error's body */
} statuses[] = {
	{ 200, "OK", NULL },
	{ 206, "Partial Content", NULL },
	{ 301, "Moved Permanently", NULL },
	{ 304, "Not Modified", NULL },
	{ 400, "Bad Request", "400 Bad Request\n" },
	{ 404, "Not Found", "404 Not Found\n" },
	{ 405, "Method Not Allowed", "405 Method Not Allowed\n" },
	{ 408, "Request Timeout", "408 Request Timeout\n" },
	{ 413, "Content Too Large", "413 Content Too Large\n" },
	{ 414, "URI Too Long", "414 URI Too Long\n" },
	{ 416, "Range Not Satisfiable", "416 Range Not Satisfiable\n" },
	{ 431, "Request Header Fields Too Large", "431 Request Header Fields Too Large\n" },
	{ 500, "Internal Server Error", "500 Internal Server Error\n" },
	{ 501, "Not Implemented", "501 Not Implemented\n" },
	{ 505, "HTTP Version Not Supported", "505 HTTP Version Not Supported\n" },
};

static int find(int status)
{
	for (int i = 0; i < (int)(sizeof statuses / sizeof *statuses); i++)
		if (statuses[i].status == status)
			return i;
	return -1;
}

const char *hr_reason(int status)
{
	int i = find(status);
	return i < 0 ? "" : statuses[i].reason;
}

/* ---- the head's writer ---------------------------------------------------------------- */

struct w {
	char *b;
	size_t n;
	bool over;
};

static void put(struct w *w, const char *s, size_t n)
{
	if (w->over || n > HR_HEAD_MAX - w->n) {
		w->over = true;
		return;
	}
	memcpy(w->b + w->n, s, n);
	w->n += n;
}

static void puts_(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_u64(struct w *w, uint64_t v)
{
	char d[20];
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	put(w, d + i, sizeof d - i);
}

static void put_field_u64(struct w *w, const char *name, uint64_t v)
{
	puts_(w, name);
	put_u64(w, v);
	put(w, "\r\n", 2);
}

static void put_field(struct w *w, const char *name, const char *v)
{
	puts_(w, name);
	puts_(w, v);
	put(w, "\r\n", 2);
}

static void put_date(struct w *w, const char *name, int64_t t)
{
	char d[HQ_DATE_LEN + 1];
	hq_date_format(t, d);
	put_field(w, name, d);
}

/* The status line, Server and Date: how every response starts. */
static void put_start(struct w *w, int status, int64_t now)
{
	put(w, "HTTP/1.1 ", 9);
	put_u64(w, (uint64_t)status);
	put(w, " ", 1);
	puts_(w, hr_reason(status));
	put(w, "\r\nServer: sluice\r\n", 18);
	if (now > 0)
		put_date(w, "Date: ", now);
}

/* How every head ends: HTTP/1.1 keeps the connection by default, HTTP/1.0 must be told. */
static void put_end(struct w *w, bool close, uint8_t minor)
{
	if (close)
		puts_(w, "Connection: close\r\n");
	else if (minor == 0)
		puts_(w, "Connection: keep-alive\r\n");
	put(w, "\r\n", 2);
}

/* The path as a URI path (RFC 3986 3.3): what is not a pchar or '/' is percent-encoded,
 * so a decoded path cannot put CR, LF, a space or a '?' into a Location. */
static void put_path(struct w *w, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     (c && strchr("-._~!$&'()*+,;=:@/", c));
		char e[3] = { '%', hex[c >> 4], hex[c & 15] };
		if (plain)
			put(w, (const char *)&c, 1);
		else
			put(w, e, 3);
	}
}

/* ---- responses ------------------------------------------------------------------------ */

/* An error (or a 416 when size is given): a short text body, Allow for a 405. */
static void error_resp(int status, int64_t now, bool close, uint8_t minor, const uint64_t *size, bool head_only,
		       char *head, struct hr_resp *out)
{
	int i = find(status);
	if (i < 0 || !statuses[i].text)
		status = 500, i = find(500), close = true;
	const char *text = statuses[i].text;
	struct w w = { .b = head };
	put_start(&w, status, now);
	puts_(&w, "Content-Type: text/plain; charset=utf-8\r\n");
	put_field_u64(&w, "Content-Length: ", strlen(text));
	if (status == 405)
		puts_(&w, "Allow: GET, HEAD\r\n");
	if (size) {
		puts_(&w, "Content-Range: bytes */");
		put_u64(&w, *size);
		put(&w, "\r\n", 2);
	}
	put_end(&w, close, minor);
	*out = (struct hr_resp){
		.status = status,
		.head_len = w.n,
		.len = head_only ? 0 : strlen(text),
		.text = head_only ? NULL : text,
		.close = close,
	};
}

void hr_refuse(int status, int64_t now, char *head, struct hr_resp *out)
{
	error_resp(status, now, true, 1, NULL, false, head, out);
}

/* A head that did not fit is replaced; the writer never wrote past HR_HEAD_MAX. */
static void finish(struct w *w, int64_t now, struct hr_resp *out)
{
	if (w->over)
		hr_refuse(500, now, w->b, out);
	else
		out->head_len = w->n;
}

static void moved(const struct hq_req *r, int64_t now, char *head, struct hr_resp *out)
{
	struct w w = { .b = head };
	put_start(&w, 301, now);
	puts_(&w, "Content-Length: 0\r\nLocation: ");
	put_path(&w, r->path, r->path_len);
	put(&w, "/\r\n", 3);
	put_end(&w, !r->keep_alive, r->minor);
	*out = (struct hr_resp){ .status = 301, .close = !r->keep_alive };
	finish(&w, now, out);
}

/* Last-Modified: never later than the response's Date (RFC 9110 8.8.2.1). */
static int64_t last_modified(const struct hs_file *f, int64_t now)
{
	int64_t t = f->mtime < 0 ? 0 : f->mtime;
	return now > 0 && t > now ? now : t;
}

/* If-Range (RFC 9110 13.1.5): a strong entity tag equal to the file's, or the very date of
 * its Last-Modified; a weak tag (W/"...") is neither and never matches. */
static bool if_range_holds(const struct hq_req *r, const struct hs_file *f, int64_t lm)
{
	if (!r->has_if_range)
		return true;
	const char *v = r->if_range;
	if (v[0] == '"')
		return f->etag[0] == '"' && !strcmp(v, f->etag);
	return hq_date_parse(v, strlen(v)) == lm;
}

/* The representation's validators, as 200, 206 and 304 carry them. */
static void put_validators(struct w *w, const struct hs_file *rep, int64_t lm)
{
	put_date(w, "Last-Modified: ", lm);
	if (rep->etag[0])
		put_field(w, "ETag: ", rep->etag);
}

/* PATH.gz asked for by its own name is the compressed file itself: sent as what it is,
 * not with PATH's type (hs_mime's answer when PATH exists) and no Content-Encoding, which
 * a browser would show as garbage. It varies on nothing: no Vary either. */
static const char *mime_of(const struct hs_file *f)
{
	const char *e = f->path + f->path_len - (f->path_len >= 3 ? 3 : 0);
	if (f->path_len >= 3 && e[0] == '.' && (e[1] | 0x20) == 'g' && (e[2] | 0x20) == 'z')
		return "application/gzip";
	return f->mime ? f->mime : "application/octet-stream";
}

void hr_respond(const struct hq_req *r, const struct hs_site *s, int64_t now, char *head, struct hr_resp *out)
{
	const struct hs_file *f = NULL;
	enum hs_found found = s ? hs_lookup(s, r->path, r->path_len, &f) : HS_NOT_FOUND;
	bool head_only = r->method == HQ_HEAD, close = !r->keep_alive;
	if (found == HS_FOLDER_SLASH) {
		moved(r, now, head, out);
		return;
	}
	if (found != HS_FILE || !f) {
		error_resp(404, now, close, r->minor, NULL, head_only, head, out);
		return;
	}
	const struct hs_file *rep = r->gzip_ok && f->gz ? f->gz : f;
	int64_t lm = last_modified(rep, now);
	bool not_modified = r->has_inm ? hq_etag_match(r->inm, rep->etag) : r->ims >= 0 && r->ims >= lm;
	struct w w = { .b = head };
	if (not_modified) {
		put_start(&w, 304, now);
		put_field_u64(&w, "Content-Length: ", rep->size);
		put_validators(&w, rep, lm);
		if (f->gz)
			puts_(&w, "Vary: Accept-Encoding\r\n");
		put_end(&w, close, r->minor);
		*out = (struct hr_resp){ .status = 304, .close = close };
		finish(&w, now, out);
		return;
	}
	uint64_t first = 0, len = rep->size;
	int status = 200;
	const struct hq_range *rg = &r->range;
	if ((rg->kind == HQ_RANGE_FROM || rg->kind == HQ_RANGE_SUFFIX) && if_range_holds(r, rep, lm)) {
		uint64_t size = rep->size;
		if (rg->kind == HQ_RANGE_FROM ? rg->first >= size : !rg->suffix || !size) {
			error_resp(416, now, close, r->minor, &size, head_only, head, out);
			return;
		}
		if (rg->kind == HQ_RANGE_FROM) {
			first = rg->first;
			len = (rg->last < size - 1 ? rg->last : size - 1) - first + 1;
		} else {
			len = rg->suffix < size ? rg->suffix : size;
			first = size - len;
		}
		status = 206;
	}
	put_start(&w, status, now);
	put_field(&w, "Content-Type: ", mime_of(f));
	put_field_u64(&w, "Content-Length: ", len);
	put_validators(&w, rep, lm);
	puts_(&w, "Accept-Ranges: bytes\r\n");
	if (rep != f)
		puts_(&w, "Content-Encoding: gzip\r\n");
	if (f->gz)
		puts_(&w, "Vary: Accept-Encoding\r\n");
	if (status == 206) {
		puts_(&w, "Content-Range: bytes ");
		put_u64(&w, first);
		put(&w, "-", 1);
		put_u64(&w, first + len - 1);
		put(&w, "/", 1);
		put_u64(&w, rep->size);
		put(&w, "\r\n", 2);
	}
	put_end(&w, close, r->minor);
	*out = (struct hr_resp){
		.status = status,
		.file = head_only ? NULL : rep,
		.off = head_only ? 0 : first,
		.len = head_only ? 0 : len,
		.close = close,
	};
	finish(&w, now, out);
}
