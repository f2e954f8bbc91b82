/* Value readers for rule-language words (cf_value.h). */
#include "cf_value.h"

#include <string.h>

static int bad(const char *file, const struct cf_tok *t, size_t at, struct cf_err *err, const char *expected)
{
	return cf_error(err, file, t->line, t->col + (unsigned)at, "expected %s, got '%.*s'", expected,
			(int)(t->len > 48 ? 48 : t->len), t->text);
}

/* Reads a decimal number of at most max from s[*i..n); -1 when there is none or it is too big. */
static long long read_dec(const char *s, size_t n, size_t *i, unsigned long long max)
{
	size_t start = *i;
	unsigned long long v = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (unsigned)(s[*i] - '0');
		if (v > max)
			return -1;
		(*i)++;
	}
	return *i == start ? -1 : (long long)v;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* IPv4 dotted quad at s[0..n); returns the length read or -1 with *bad_at. */
static int read_ip4(const char *s, size_t n, uint8_t out[4], size_t *bad_at)
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		if (k) {
			if (i >= n || s[i] != '.') {
				*bad_at = i;
				return -1;
			}
			i++;
		}
		size_t at = i;
		long long v = read_dec(s, n, &i, 255);
		if (v < 0 || (i - at > 1 && s[at] == '0')) {
			*bad_at = at;
			return -1;
		}
		out[k] = (uint8_t)v;
	}
	return (int)i;
}

/* IPv6 text (RFC 4291 2.2, with ::, without a dotted-quad tail); length read or -1. */
static int read_ip6(const char *s, size_t n, uint8_t out[16], size_t *bad_at)
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n && s[0] == ':') {
		*bad_at = 0;
		return -1;
	}
	while (i < n && s[i] != '/') {
		size_t at = i;
		unsigned v = 0;
		int d = 0;
		while (i < n && hexval(s[i]) >= 0 && d < 5) {
			v = v * 16 + (unsigned)hexval(s[i]);
			i++, d++;
		}
		if (d == 0 || d > 4 || ng == 8) {
			*bad_at = d > 4 ? at + 4 : at;
			return -1;
		}
		g[ng++] = (uint16_t)v;
		if (i < n && s[i] == ':') {
			if (i + 1 < n && s[i + 1] == ':') {
				if (gap >= 0) {
					*bad_at = i;
					return -1;
				}
				gap = ng;
				i += 2;
				continue;
			}
			i++;
			if (i >= n || s[i] == '/') {
				*bad_at = i;
				return -1;
			}
		} else if (i < n && s[i] != '/') {
			*bad_at = i;
			return -1;
		}
	}
	if ((gap < 0 && ng != 8) || (gap >= 0 && ng > 7)) {
		*bad_at = i;
		return -1;
	}
	memset(out, 0, 16);
	int tail = gap < 0 ? 0 : ng - gap;
	for (int k = 0; k < ng; k++) {
		int pos = gap < 0 || k < gap ? k : 8 - tail + (k - gap);
		out[2 * pos] = (uint8_t)(g[k] >> 8);
		out[2 * pos + 1] = (uint8_t)g[k];
	}
	return (int)i;
}

static int read_prefix(const char *file, const struct cf_tok *t, struct cf_prefix *out, struct cf_err *err,
		       bool host_bits);

int cf_read_prefix(const char *file, const struct cf_tok *t, struct cf_prefix *out, struct cf_err *err)
{
	return read_prefix(file, t, out, err, false);
}

int cf_read_host_prefix(const char *file, const struct cf_tok *t, struct cf_prefix *out, struct cf_err *err)
{
	return read_prefix(file, t, out, err, true);
}

static int read_prefix(const char *file, const struct cf_tok *t, struct cf_prefix *out, struct cf_err *err,
		       bool host_bits)
{
	const char *s = t->text;
	size_t n = t->len, bad_at = 0;
	memset(out, 0, sizeof(*out));
	bool v6 = memchr(s, ':', n) != NULL;
	int used = v6 ? read_ip6(s, n, out->addr, &bad_at) : read_ip4(s, n, out->addr, &bad_at);
	const char *what = v6 ? "an IPv6 address or prefix (2001:db8::/32)" : "an IPv4 address or prefix (10.0.0.0/8)";
	if (used < 0)
		return bad(file, t, bad_at, err, what);
	out->family = v6 ? 6 : 4;
	unsigned max = v6 ? 128 : 32;
	out->len = (uint8_t)max;
	size_t i = (size_t)used;
	if (i < n) {
		if (s[i] != '/')
			return bad(file, t, i, err, what);
		i++;
		size_t at = i;
		long long l = read_dec(s, n, &i, max);
		if (l < 0 || i != n)
			return cf_error(err, file, t->line, t->col + (unsigned)at, "expected a prefix length from 0 to %u, got '%.*s'",
					max, (int)(n - at), s + at);
		out->len = (uint8_t)l;
	}
	for (unsigned b = out->len; b < max && !host_bits; b++)
		if (out->addr[b / 8] >> (7 - b % 8) & 1)
			return cf_error(err, file, t->line, t->col,
					"'%.*s' has host bits set beyond /%u (did you mean the network address?)",
					(int)n, s, out->len);
	return 0;
}

int cf_read_range(const char *file, const struct cf_tok *t, uint32_t max, const char *what, struct cf_range *out,
		  struct cf_err *err)
{
	const char *s = t->text;
	size_t n = t->len, i = 0;
	long long lo = read_dec(s, n, &i, max), hi = lo;
	if (lo < 0)
		return cf_error(err, file, t->line, t->col, "expected a %s from 0 to %u or a range A-B, got '%.*s'", what, max,
				(int)(n > 48 ? 48 : n), s);
	if (i < n) {
		if (s[i] != '-')
			return cf_error(err, file, t->line, t->col + (unsigned)i, "expected '-' or the end of the %s, got '%c'",
					what, s[i]);
		size_t at = ++i;
		hi = read_dec(s, n, &i, max);
		if (hi < 0 || i != n)
			return cf_error(err, file, t->line, t->col + (unsigned)at, "expected a %s from 0 to %u after '-', got '%.*s'",
					what, max, (int)(n - at), s + at);
		if (hi < lo)
			return cf_error(err, file, t->line, t->col, "the range %.*s is empty: %lld > %lld", (int)n, s, lo, hi);
	}
	out->lo = (uint32_t)lo;
	out->hi = (uint32_t)hi;
	return 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int cf_read_mac(const char *file, const struct cf_tok *t, uint8_t out[6], struct cf_err *err)
{
	const char *s = t->text;
	size_t n = t->len;
	for (unsigned k = 0; k < 6; k++) {
		size_t i = (size_t)k * 3;
		int hi = i < n ? hex_digit(s[i]) : -1, lo = i + 1 < n ? hex_digit(s[i + 1]) : -1;
		bool sep_ok = k == 5 ? i + 2 == n : i + 2 < n && s[i + 2] == ':';
		if (hi < 0 || lo < 0 || !sep_ok)
			return cf_error(err, file, t->line, t->col, "expected a MAC address (02:00:00:00:00:01), got '%.*s'",
					(int)(n > 48 ? 48 : n), s);
		out[k] = (uint8_t)(hi << 4 | lo);
	}
	if (out[0] & 1)
		return cf_error(err, file, t->line, t->col, "%.*s is a multicast MAC address, not an interface's", (int)n, s);
	return 0;
}
