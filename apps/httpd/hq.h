/* hq.h - HTTP/1.1 requests (RFC 9110, 9112): where a request head ends, and what it asks,
 * for the static server (apps/httpd). Pure functions over bytes: no I/O, no allocation,
 * no platform; the same in the image and hosted.
 *
 * The connection layer (hc_*) keeps the bytes a client sent and asks hq_head_end() where
 * the head ends, then hq_parse() what it says. Every refusal is an HTTP status the server
 * answers with before it closes the connection:
 *   400 malformed request line, header field, Host (missing in HTTP/1.1, or twice),
 *       Content-Length (not digits, twice with different values, with Transfer-Encoding),
 *       a NUL, a bare CR, a control byte, obs-fold (a line starting with SP or HT)
 *   405 a method other than GET and HEAD that RFC 9110 or 5789 defines (POST, PUT,
 *       DELETE, OPTIONS, TRACE, CONNECT, PATCH): the server says Allow: GET, HEAD
 *   413 a request body (Content-Length over 0, or Transfer-Encoding): a static server
 *       reads none
 *   414 a request line longer than HQ_LINE_MAX, or a path that decodes longer than
 *       HQ_PATH_MAX
 *   431 a head longer than HQ_HEAD_MAX, or more than HQ_FIELDS_MAX header fields
 *   501 any other method token
 *   505 a version other than HTTP/1.0 and HTTP/1.1 (HTTP/0.9's bare "GET /" is a 400)
 *
 * Paths: the request target is origin-form ("/a/b?q", the query ignored) or
 * absolute-form ("http://host/a/b", RFC 9112 3.2.2: its host replaces Host); any other
 * form ("*", "host:port", another scheme), userinfo, or a '#' is a 400. It is
 * percent-decoded once (%2F, %2e, %5C included; a bad escape is a 400; a decoded NUL or
 * other control byte is a 400, as a raw one is), then normalised: "\\" is a separator
 * as "/" is, runs of separators are one, "." segments go, ".." removes the segment
 * before it and is a 400 when there is none (no escape from the root, whatever the
 * encoding). The result starts with '/', has no "." or ".." segment and no empty one; a
 * trailing '/' is kept (a folder).
 */
#ifndef SLUICE_HQ_H
#define SLUICE_HQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HQ_LINE_MAX 8192       /* bytes of the request line, CRLF included */
#define HQ_HEAD_MAX 16384      /* bytes of the whole head, the blank line included */
#define HQ_FIELDS_MAX 64       /* header fields */
#define HQ_PATH_MAX 1024       /* bytes of the decoded, normalised path */
#define HQ_ETAGS_MAX 512       /* bytes of If-None-Match kept (longer: treated as absent) */

enum hq_method { HQ_GET, HQ_HEAD };

/* A Range header (RFC 9110 14.2), one range of bytes only: first-last, first-, or -suffix.
 * Anything else (another unit, several ranges, a malformed one) is kind HQ_RANGE_IGNORED:
 * RFC 9110 lets a server ignore a Range it does not support, and the whole file is sent. */
enum hq_range_kind { HQ_RANGE_NONE, HQ_RANGE_IGNORED, HQ_RANGE_FROM, HQ_RANGE_SUFFIX };
struct hq_range {
	enum hq_range_kind kind;
	uint64_t first;            /* HQ_RANGE_FROM: the first byte */
	uint64_t last;             /* HQ_RANGE_FROM: the last byte (UINT64_MAX: to the end) */
	uint64_t suffix;           /* HQ_RANGE_SUFFIX: the last so many bytes */
};

struct hq_req {
	enum hq_method method;
	uint8_t minor;             /* HTTP/1.minor: 0 or 1 */
	bool keep_alive;           /* 1.1 unless "Connection: close"; 1.0 only with "keep-alive" */
	bool gzip_ok;              /* Accept-Encoding lists gzip with q > 0 (or *), RFC 9110 12.5.3 */
	char path[HQ_PATH_MAX + 1];/* decoded and normalised (above), NUL-terminated */
	size_t path_len;
	/* If-None-Match as sent (entity tags separated by commas, or "*"), NUL-terminated;
	 * has_inm false when absent. */
	bool has_inm;
	char inm[HQ_ETAGS_MAX + 1];
	/* If-Modified-Since in seconds since 1970 (any of the three date forms of RFC 9110
	 * 5.6.7); -1 when absent or not a date (then ignored, as RFC 9110 13.1.3 says). */
	int64_t ims;
	struct hq_range range;
	/* If-Range (RFC 9110 13.1.5): an entity tag or a date that must match for Range to
	 * apply; has_if_range false when absent. */
	bool has_if_range;
	char if_range[80];
	size_t head_len;           /* bytes of the head, the blank line included */
};

/* Where the head in buf[0..len) ends: its length (the blank line included: "\r\n\r\n",
 * or a bare "\n\n" as RFC 9112 2.2 tolerates) when whole; 0 when more is needed; or the
 * negative status when it cannot end within the limits: -414 when the request line is
 * already over HQ_LINE_MAX with no end, -431 when the head is over HQ_HEAD_MAX. Empty
 * lines before the request line (RFC 9112 2.2) are part of the head. from: bytes already
 * searched by an earlier call (the caller passes the previous len; 0 at first). */
long hq_head_end(const char *buf, size_t len, size_t from);

/* Parses the whole head buf[0..len) (len from hq_head_end) into r. Returns 0, or the
 * status to refuse it with (400, 405, 413, 414, 431, 501, 505: above); r->minor and
 * r->keep_alive are set as well as they could be even then (a 505 answers in 1.1; every
 * refusal closes, so keep_alive is false). */
int hq_parse(const char *buf, size_t len, struct hq_req *r);

/* Does an If-None-Match list (r->inm) match etag ("\"abc\"", with its quotes)? Weak
 * comparison (RFC 9110 13.1.2): W/ prefixes ignored; "*" matches anything. */
bool hq_etag_match(const char *list, const char *etag);

/* ---- dates (RFC 9110 5.6.7) ---------------------------------------------------------- */

#define HQ_DATE_LEN 29         /* "Sun, 06 Nov 1994 08:49:37 GMT" */
/* Formats t (seconds since 1970, UTC) as an IMF-fixdate into out[HQ_DATE_LEN + 1]. */
void hq_date_format(int64_t t, char out[HQ_DATE_LEN + 1]);
/* Parses an IMF-fixdate, an RFC 850 date ("Sunday, 06-Nov-94 08:49:37 GMT": two-digit
 * years 70-99 are 19xx, else 20xx) or an asctime date ("Sun Nov  6 08:49:37 1994");
 * -1 when s[0..len) is none of them or not a real date. */
int64_t hq_date_parse(const char *s, size_t len);

#endif
