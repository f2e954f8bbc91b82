/* hq.c - HTTP/1.1 request heads (hq.h): where a head ends, the request line and the header
 * fields the static server acts on, the path's decoding and normalisation, If-None-Match
 * lists and HTTP dates.
 *
 * Strict wherever a lax reading could be exploited (request smuggling, traversal, header
 * injection); lenient only where RFC 9110/9112 ask recipients to be (a bare LF ending a
 * line, empty lines before the request line, empty list elements). Byte classes are
 * tested by hand rather than with <ctype.h>, whose answers depend on the locale.
 */
#include "hq.h"

#include <string.h>

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static bool is_ows(int c) { return c == ' ' || c == '\t'; }

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(int c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hex_val(int c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Case-insensitive equality of s[0..n) with a lower-case literal. */
static bool eq_ci(const char *s, size_t n, const char *lit)
{
	size_t i = 0;
	for (; i < n && lit[i]; i++)
		if (lower((unsigned char)s[i]) != lit[i])
			return false;
	return i == n && !lit[i];
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

/* Decimal digits s[0..n), at least one, into *v; false on anything else or overflow. */
static bool parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (!is_digit((unsigned char)s[i]) || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_ows((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && is_ows((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* The next element of a comma-separated list (RFC 9110 5.6.1) at *pos of v[0..n), OWS
 * trimmed, empty elements skipped; false at the end. */
static bool next_elem(const char *v, size_t n, size_t *pos, const char **e, size_t *el)
{
	while (*pos < n) {
		const char *c = memchr(v + *pos, ',', n - *pos);
		size_t end = c ? (size_t)(c - v) : n;
		*e = v + *pos;
		*el = end - *pos;
		*pos = c ? end + 1 : n;
		trim(e, el);
		if (*el)
			return true;
	}
	return false;
}

/* ---- where the head ends -------------------------------------------------------------- */

/* Is the line ended by the LF at b[i] empty (only CRLF or LF)? */
static bool line_empty(const char *b, size_t i)
{
	return i == 0 || b[i - 1] == '\n' || (b[i - 1] == '\r' && (i == 1 || b[i - 2] == '\n'));
}

/* Is the first non-empty line of b[0..len) known to be longer than HQ_LINE_MAX? */
static bool request_line_over(const char *b, size_t len)
{
	size_t p = 0;
	while (p < len && (b[p] == '\n' || (b[p] == '\r' && p + 1 < len && b[p + 1] == '\n')))
		p += b[p] == '\n' ? 1 : 2;
	if (len - p < HQ_LINE_MAX)
		return false;
	return !memchr(b + p, '\n', HQ_LINE_MAX);
}

long hq_head_end(const char *buf, size_t len, size_t from)
{
	if (from > len)
		from = 0;               /* not what an earlier call saw: search it all */
	/* a blank line found now starts with an LF that the last call could not yet judge:
	 * one of the last two bytes it saw, or later */
	size_t i = from >= 2 ? from - 2 : 0;
	while (i < len) {
		const char *lf = memchr(buf + i, '\n', len - i);
		if (!lf)
			break;
		i = (size_t)(lf - buf);
		if (!line_empty(buf, i)) {
			size_t end = 0;
			if (i + 1 < len && buf[i + 1] == '\n')
				end = i + 2;
			else if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
				end = i + 3;
			if (end)
				return end > HQ_HEAD_MAX ? -431 : (long)end;
		}
		i++;
	}
	if (len >= HQ_LINE_MAX && request_line_over(buf, len))
		return -414;
	return len >= HQ_HEAD_MAX ? -431 : 0;
}

/* ---- the request line and the target ---------------------------------------------------- */

/* The end of segment o[seg..*ol) of the path being built: "." goes, ".." takes the
 * segment before it with it (400 at the root). */
static int seg_end(char *o, size_t *ol, size_t seg)
{
	size_t n = *ol - seg;
	if (n == 1 && o[seg] == '.') {
		*ol = seg;
	} else if (n == 2 && o[seg] == '.' && o[seg + 1] == '.') {
		if (seg == 1)
			return 400;
		*ol = seg - 1;
		while (o[*ol - 1] != '/')
			(*ol)--;
	}
	return 0;
}

/* Decodes and normalises the path p[0..n) (p[0] is '/') into r->path, as hq.h says. The
 * output never holds more than HQ_PATH_MAX bytes, even on the way to a shorter result. */
static int set_path(struct hq_req *r, const char *p, size_t n)
{
	char *o = r->path;
	size_t ol = 1, seg = 1;
	o[0] = '/';
	for (size_t i = 1; i <= n; i++) {
		int c = -1;
		if (i < n && p[i] == '%') {
			int hi = i + 2 < n ? hex_val((unsigned char)p[i + 1]) : -1;
			int lo = i + 2 < n ? hex_val((unsigned char)p[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return 400;
			c = hi << 4 | lo;
			/* a decoded control byte is refused as a raw one would be: no file has one */
			if (c < 0x20 || c == 0x7f)
				return 400;
			i += 2;
		} else if (i < n) {
			c = (unsigned char)p[i];
		}
		if (c == -1 || c == '/' || c == '\\') {
			int st = seg_end(o, &ol, seg);
			if (st)
				return st;
			if (c != -1 && ol > seg) {
				if (ol == HQ_PATH_MAX)
					return 414;
				o[ol++] = '/';
			}
			seg = ol;
			continue;
		}
		if (ol == HQ_PATH_MAX)
			return 414;
		o[ol++] = (char)c;
	}
	o[ol] = 0;
	r->path_len = ol;
	return 0;
}

/* A Host value or an absolute-form authority: reg-name, IP literal, port; no userinfo,
 * no space, no path. */
static bool host_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!is_alpha(c) && !is_digit(c) && !(c && strchr("-._~!$&'()*+,;=%:[]", c)))
			return false;
	}
	return true;
}

/* origin-form, or absolute-form with scheme http or https (RFC 9112 3.2). */
static int parse_target(const char *t, size_t n, struct hq_req *r)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= 0x20 || c == 0x7f || c == '#')
			return 400;
	}
	if (n && t[0] != '/') {
		const char *colon = memchr(t, ':', n);
		size_t sl = colon ? (size_t)(colon - t) : 0;
		if (!colon || !(eq_ci(t, sl, "http") || eq_ci(t, sl, "https")) || n - sl < 3 ||
		    memcmp(colon, "://", 3))
			return 400;
		size_t a = sl + 3, e = a;
		while (e < n && t[e] != '/' && t[e] != '?')
			e++;
		if (e == a || !host_ok(t + a, e - a))
			return 400;
		t += e, n -= e;
		if (!n || t[0] != '/') {
			r->path[0] = '/', r->path[1] = 0, r->path_len = 1;
			return 0;
		}
	}
	if (!n)
		return 400;
	const char *q = memchr(t, '?', n);
	return set_path(r, t, q ? (size_t)(q - t) : n);
}

static int parse_method(const char *m, size_t n, struct hq_req *r)
{
	static const char *const known[] = { "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH" };
	if (!n)
		return 400;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)m[i]))
			return 400;
	if (eq(m, n, "GET")) {
		r->method = HQ_GET;
		return 0;
	}
	if (eq(m, n, "HEAD")) {
		r->method = HQ_HEAD;
		return 0;
	}
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (eq(m, n, known[i]))
			return 405;
	return 501;
}

static int parse_request_line(const char *l, size_t n, struct hq_req *r)
{
	const char *sp1 = memchr(l, ' ', n);
	if (!sp1)
		return 400;
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', n - (size_t)(t - l));
	if (!sp2)
		return 400;
	const char *v = sp2 + 1;
	size_t vl = n - (size_t)(v - l);
	if (vl != 8 || memcmp(v, "HTTP/", 5) || !is_digit((unsigned char)v[5]) || v[6] != '.' ||
	    !is_digit((unsigned char)v[7]))
		return 400;
	if (v[5] != '1' || v[7] > '1')
		return 505;
	r->minor = (uint8_t)(v[7] - '0');
	int st = parse_method(l, (size_t)(sp1 - l), r);
	return st ? st : parse_target(t, (size_t)(sp2 - t), r);
}

/* ---- header fields -------------------------------------------------------------------- */

struct fields {
	unsigned count;
	bool host, te, close, keep_alive, inm_over;
	bool has_cl;
	uint64_t cl;
	int gz, star;               /* Accept-Encoding: -1 unlisted, 0 refused, 1 accepted */
	unsigned ims_seen, range_seen, if_range_seen;
};

/* "q=" qvalue (RFC 9110 12.4.2) in thousandths; -1 when malformed. */
static int parse_q(const char *s, size_t n)
{
	if (!n || (s[0] != '0' && s[0] != '1') || (n > 1 && (s[1] != '.' || n > 5)))
		return -1;
	int q = (s[0] - '0') * 1000, scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* One Accept-Encoding element: a coding and its parameters. A refusal (q=0, or a q that
 * does not parse) sticks: gzip is sent only when it is surely wanted. */
static void accept_elem(const char *e, size_t n, struct fields *f)
{
	const char *semi = memchr(e, ';', n);
	const char *c = e;
	size_t cl = semi ? (size_t)(semi - e) : n;
	trim(&c, &cl);
	int q = 1000;
	while (semi) {
		const char *p = semi + 1;
		size_t rest = n - (size_t)(p - e);
		semi = memchr(p, ';', rest);
		size_t pl = semi ? (size_t)(semi - p) : rest;
		trim(&p, &pl);
		const char *eqs = memchr(p, '=', pl);
		const char *name = p, *val = eqs ? eqs + 1 : p + pl;
		size_t nl = eqs ? (size_t)(eqs - p) : pl, vl = (size_t)(p + pl - val);
		trim(&name, &nl);
		trim(&val, &vl);
		if (eq_ci(name, nl, "q"))
			q = eqs ? parse_q(val, vl) : -1;
	}
	int *slot = eq_ci(c, cl, "gzip") || eq_ci(c, cl, "x-gzip") ? &f->gz : eq(c, cl, "*") ? &f->star : NULL;
	if (slot && *slot != 0)
		*slot = q > 0;
}

/* Range: bytes=A-B, bytes=A-, bytes=-N (RFC 9110 14.1.2); anything else is ignored. */
static void parse_range(const char *v, size_t n, struct hq_range *rg)
{
	rg->kind = HQ_RANGE_IGNORED;
	const char *eqs = memchr(v, '=', n);
	if (!eqs || !eq_ci(v, (size_t)(eqs - v), "bytes"))
		return;
	const char *set = eqs + 1, *e, *e2;
	size_t sn = n - (size_t)(set - v), pos = 0, el, el2;
	if (!next_elem(set, sn, &pos, &e, &el) || next_elem(set, sn, &pos, &e2, &el2))
		return;
	const char *dash = memchr(e, '-', el);
	if (!dash)
		return;
	size_t fl = (size_t)(dash - e), ll = el - fl - 1;
	uint64_t first, last = UINT64_MAX;
	if (!fl) {
		if (parse_u64(dash + 1, ll, &last))
			*rg = (struct hq_range){ .kind = HQ_RANGE_SUFFIX, .suffix = last };
		return;
	}
	if (!parse_u64(e, fl, &first) || (ll && !parse_u64(dash + 1, ll, &last)) || last < first)
		return;
	*rg = (struct hq_range){ .kind = HQ_RANGE_FROM, .first = first, .last = last };
}

static int content_length(const char *v, size_t n, struct fields *f)
{
	const char *e;
	size_t el, pos = 0;
	bool any = false;
	while (next_elem(v, n, &pos, &e, &el)) {
		uint64_t x;
		if (!parse_u64(e, el, &x) || (f->has_cl && x != f->cl))
			return 400;
		f->has_cl = any = true;
		f->cl = x;
	}
	return any ? 0 : 400;
}

static void if_none_match(const char *v, size_t n, struct hq_req *r, struct fields *f)
{
	size_t have = r->has_inm ? strlen(r->inm) : 0, sep = r->has_inm ? 2 : 0;
	if (f->inm_over || have + sep + n > HQ_ETAGS_MAX) {
		f->inm_over = true;
		return;
	}
	memcpy(r->inm + have, ", ", sep);
	memcpy(r->inm + have + sep, v, n);
	r->inm[have + sep + n] = 0;
	r->has_inm = true;
}

/* The fields the server acts on; the others are only checked for syntax. */
static int field(const char *name, size_t nl, const char *v, size_t n, struct hq_req *r, struct fields *f)
{
	const char *e;
	size_t el, pos = 0;
	if (eq_ci(name, nl, "host")) {
		if (f->host || !host_ok(v, n))
			return 400;
		f->host = true;
	} else if (eq_ci(name, nl, "connection")) {
		while (next_elem(v, n, &pos, &e, &el)) {
			f->close |= eq_ci(e, el, "close");
			f->keep_alive |= eq_ci(e, el, "keep-alive");
		}
	} else if (eq_ci(name, nl, "content-length")) {
		return content_length(v, n, f);
	} else if (eq_ci(name, nl, "transfer-encoding")) {
		f->te = true;
	} else if (eq_ci(name, nl, "accept-encoding")) {
		while (next_elem(v, n, &pos, &e, &el))
			accept_elem(e, el, f);
	} else if (eq_ci(name, nl, "if-none-match")) {
		if_none_match(v, n, r, f);
	} else if (eq_ci(name, nl, "if-modified-since")) {
		/* a second one makes the field invalid: ignored (RFC 9110 13.1.3) */
		r->ims = f->ims_seen++ ? -1 : hq_date_parse(v, n);
	} else if (eq_ci(name, nl, "range")) {
		if (f->range_seen++)
			r->range.kind = HQ_RANGE_IGNORED;
		else
			parse_range(v, n, &r->range);
	} else if (eq_ci(name, nl, "if-range")) {
		/* one that cannot be kept whole, or a second one, is kept as "": it matches
		 * nothing, so the whole file is sent, which is always right */
		bool keep = !f->if_range_seen++ && n < sizeof r->if_range;
		memcpy(r->if_range, v, keep ? n : 0);
		r->if_range[keep ? n : 0] = 0;
		r->has_if_range = true;
	}
	return 0;
}

/* One header field line l[0..n): name ":" OWS value OWS (RFC 9112 5). */
static int field_line(const char *l, size_t n, struct hq_req *r, struct fields *f)
{
	if (++f->count > HQ_FIELDS_MAX)
		return 431;
	size_t nl = 0;
	while (nl < n && is_tchar((unsigned char)l[nl]))
		nl++;
	/* no name, no colon, or anything (whitespace included) between name and colon;
	 * a line starting with SP or HT (obs-fold) has no name */
	if (!nl || nl == n || l[nl] != ':')
		return 400;
	const char *v = l + nl + 1;
	size_t vn = n - nl - 1;
	for (size_t i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 400;
	}
	trim(&v, &vn);
	return field(l, nl, v, vn, r, f);
}

/* ---- the head ------------------------------------------------------------------------- */

/* The next line of b[0..len) at *pos, its terminator (LF or CRLF) excluded; false when no
 * LF ends it. *raw: its length with the terminator. */
static bool next_line(const char *b, size_t len, size_t *pos, const char **l, size_t *n, size_t *raw)
{
	const char *lf = memchr(b + *pos, '\n', len - *pos);
	if (!lf)
		return false;
	*l = b + *pos;
	*raw = (size_t)(lf - *l) + 1;
	*n = *raw - 1 - (*raw > 1 && lf[-1] == '\r');
	*pos += *raw;
	return true;
}

static int parse(const char *buf, size_t len, struct hq_req *r)
{
	const char *l;
	size_t n, raw, pos = 0;
	if (len > HQ_HEAD_MAX)
		return 431;
	do {
		if (!next_line(buf, len, &pos, &l, &n, &raw))
			return 400;
	} while (!n);
	if (raw > HQ_LINE_MAX)
		return 414;
	int st = parse_request_line(l, n, r);
	if (st)
		return st;
	struct fields f = { .gz = -1, .star = -1 };
	for (;;) {
		if (!next_line(buf, len, &pos, &l, &n, &raw))
			return 400;
		if (!n)
			break;
		if ((st = field_line(l, n, r, &f)))
			return st;
	}
	if (pos != len)
		return 400;
	if (f.inm_over)
		r->has_inm = false, r->inm[0] = 0;
	if (r->minor == 1 && !f.host)
		return 400;
	/* RFC 9112 6.1: both is a smuggling attempt, not merely a body */
	if (f.te && f.has_cl)
		return 400;
	if (f.te || (f.has_cl && f.cl > 0))
		return 413;
	r->gzip_ok = f.gz >= 0 ? f.gz == 1 : f.star == 1;
	r->keep_alive = !f.close && (r->minor == 1 || f.keep_alive);
	return 0;
}

int hq_parse(const char *buf, size_t len, struct hq_req *r)
{
	*r = (struct hq_req){ .method = HQ_GET, .minor = 1, .ims = -1, .range.kind = HQ_RANGE_NONE, .head_len = len };
	return parse(buf, len, r);
}

/* ---- entity tags ---------------------------------------------------------------------- */

/* The opaque part of an entity tag at s[*pos..n) ([W/] DQUOTE *etagc DQUOTE), its quotes
 * included; false when malformed. */
static bool next_etag(const char *s, size_t n, size_t *pos, const char **t, size_t *tl)
{
	size_t i = *pos;
	if (i + 1 < n && s[i] == 'W' && s[i + 1] == '/')
		i += 2;
	if (i >= n || s[i] != '"')
		return false;
	size_t start = i++;
	for (; i < n && s[i] != '"'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	if (i >= n)
		return false;
	*t = s + start;
	*tl = i + 1 - start;
	*pos = i + 1;
	return true;
}

bool hq_etag_match(const char *list, const char *etag)
{
	if (!list || !etag)
		return false;
	const char *s = list, *want, *t;
	size_t n = strlen(list), wl, tl, pos = 0, wpos = 0;
	trim(&s, &n);
	if (eq(s, n, "*"))
		return true;
	if (!next_etag(etag, strlen(etag), &wpos, &want, &wl) || etag[wpos])
		return false;
	/* the whole list must parse: a match before garbage does not count */
	bool match = false, any = false;
	for (;;) {
		while (pos < n && (is_ows((unsigned char)s[pos]) || s[pos] == ','))
			pos++;
		if (pos == n)
			return any && match;
		if (!next_etag(s, n, &pos, &t, &tl))
			return false;
		any = true;
		match |= tl == wl && !memcmp(t, want, wl);
		while (pos < n && is_ows((unsigned char)s[pos]))
			pos++;
		if (pos < n && s[pos] != ',')
			return false;
	}
}

/* ---- dates ---------------------------------------------------------------------------- */

static const char days[7][10] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

#define DATE_MAX 253402300799LL         /* 9999-12-31 23:59:59, the last four-digit year */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Its inverse for days >= 0. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
}

void hq_date_format(int64_t t, char out[HQ_DATE_LEN + 1])
{
	t = t < 0 ? 0 : t > DATE_MAX ? DATE_MAX : t;
	int64_t dn = t / 86400, y;
	unsigned sec = (unsigned)(t % 86400), m, d;
	civil_from_days(dn, &y, &m, &d);
	memcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT", HQ_DATE_LEN + 1);
	memcpy(out, days[(dn + 4) % 7], 3);
	put2(out + 5, d);
	memcpy(out + 8, months[m - 1], 3);
	put2(out + 12, (unsigned)(y / 100));
	put2(out + 14, (unsigned)(y % 100));
	put2(out + 17, sec / 3600);
	put2(out + 20, sec / 60 % 60);
	put2(out + 23, sec % 60);
}

/* n decimal digits at s (a leading space allowed when sp), or -1. */
static int digits(const char *s, size_t n, bool sp)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp && i == 0 && s[0] == ' ' && n > 1)
			continue;
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int month_of(const char *s)
{
	for (int i = 0; i < 12; i++)
		if (!memcmp(s, months[i], 3))
			return i + 1;
	return 0;
}

static bool short_day(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (!memcmp(s, days[i], 3))
			return true;
	return false;
}

/* "HH:MM:SS" in seconds, or -1. A second of 60 is a leap second (RFC 5322 3.3), taken as
 * the next minute's first. */
static int64_t time_of_day(const char *s)
{
	int h = digits(s, 2, false), m = digits(s + 3, 2, false), sec = digits(s + 6, 2, false);
	if (s[2] != ':' || s[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return -1;
	return h * 3600 + m * 60 + sec;
}

static int64_t to_time(int64_t y, int m, int d, int64_t tod)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap) || tod < 0)
		return -1;
	return days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + tod;
}

int64_t hq_date_parse(const char *s, size_t len)
{
	if (!s)
		return -1;
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (len == 29 && short_day(s) && !memcmp(s + 3, ", ", 2) && s[7] == ' ' && s[11] == ' ' &&
	    s[16] == ' ' && !memcmp(s + 25, " GMT", 4))
		return to_time(digits(s + 12, 4, false), month_of(s + 8), digits(s + 5, 2, false), time_of_day(s + 17));
	/* asctime: "Sun Nov  6 08:49:37 1994" */
	if (len == 24 && short_day(s) && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ')
		return to_time(digits(s + 20, 4, false), month_of(s + 4), digits(s + 8, 2, true), time_of_day(s + 11));
	/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
	for (int i = 0; i < 7; i++) {
		size_t dl = strlen(days[i]);
		if (len != dl + 24 || memcmp(s, days[i], dl) || memcmp(s + dl, ", ", 2))
			continue;
		const char *p = s + dl + 2;
		if (p[2] != '-' || p[6] != '-' || p[9] != ' ' || memcmp(p + 18, " GMT", 4))
			return -1;
		int yy = digits(p + 7, 2, false);
		if (yy < 0)
			return -1;
		return to_time(yy + (yy >= 70 ? 1900 : 2000), month_of(p + 3), digits(p, 2, false), time_of_day(p + 10));
	}
	return -1;
}
