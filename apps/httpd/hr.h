/* hr.h - HTTP/1.1 responses of the static server (apps/httpd): from a parsed request
 * (hq.h) and the site (hs.h), the status, the head's bytes, and which bytes of which file
 * follow. Pure: no I/O, no allocation; the connection layer writes what it says.
 *
 * What a GET or HEAD gets, in this order (RFC 9110):
 *  - a folder without its '/': 301 to PATH/ (Location, the query dropped);
 *  - no such file: 404;
 *  - the representation: PATH.gz when the client takes gzip and the site has it
 *    (Content-Encoding: gzip); either way Vary: Accept-Encoding when both exist;
 *  - If-None-Match (weak comparison) present: 304 when it matches, else no 304 from
 *    If-Modified-Since (13.2.2); otherwise If-Modified-Since at or after the file's
 *    mtime: 304. A 304 carries ETag, Last-Modified, Date and no body;
 *  - Range (one byte range; hq.h), applied when there is no If-Range or it matches
 *    (a strong ETag equal to the file's, or a date equal to its Last-Modified): 206 with
 *    Content-Range: bytes A-B/SIZE, or 416 whose Content-Range gives the size alone when the range
 *    starts at or past the end (a suffix of 0 bytes, an empty file);
 *  - else 200 with the whole file.
 * Every response has Server, Date, Content-Length; 200 and 206 also Content-Type,
 * Last-Modified, ETag, Accept-Ranges: bytes. HEAD gets the head GET would, no body.
 * Errors (400, 404, 405 with Allow: GET, HEAD, 408, 413, 414, 416, 431, 500, 501, 505)
 * carry a short text/plain body; all but 404, 304 and 416 close the connection
 * ("Connection: close"), as do requests that asked for it or HTTP/1.0 without keep-alive.
 * A 301 has no body (Content-Length: 0) and its Location percent-encoded. PATH.gz asked
 * for by its own name is the file itself: application/gzip, no Content-Encoding, no Vary.
 */
#ifndef SLUICE_HR_H
#define SLUICE_HR_H

#include "hq.h"
#include "hs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* bytes of a response head; a 301's is the longest: its Location is HQ_PATH_MAX bytes
 * percent-encoded (up to three times as many) and some 150 more */
#define HR_HEAD_MAX 4096

struct hr_resp {
	int status;
	size_t head_len;           /* head[0..head_len): the status line to the blank line */
	/* the body: body_len bytes from body (an error's text, static), or from
	 * file->data + off; none for HEAD, 304 */
	const struct hs_file *file;
	uint64_t off, len;
	const char *text;          /* an error's body, or NULL */
	bool close;                /* close the connection once this response is sent */
};

/* The response to request r (parsed: hq_parse() returned 0) from site s at time now
 * (seconds since 1970, for Date; 0 when unknown: no Date header), its head written into
 * head[0..HR_HEAD_MAX). */
void hr_respond(const struct hq_req *r, const struct hs_site *s, int64_t now, char *head, struct hr_resp *out);

/* The response to a refused request: status from hq_parse() or hq_head_end() (400, 405,
 * 413, 414, 431, 501, 505), the server's own 408 (the head did not come in time) or 500.
 * Always closes. HEAD is not known here: the body is sent. */
void hr_refuse(int status, int64_t now, char *head, struct hr_resp *out);

/* "Not Found" for 404, ...; "" for a status it does not know. */
const char *hr_reason(int status);

#endif
