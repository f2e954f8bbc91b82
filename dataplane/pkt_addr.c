/* Addresses as text, both ways (pkt_addr.h): IPv4 dotted quads (no leading
 * zeros, as inet_pton), IPv6 as RFC 4291 writes it (one "::", a dotted quad at the end) and
 * RFC 5952 formats it (lower case, the longest run of two or more zero groups as "::");
 * appended to a buffer without a printf. */
#include "pkt_addr.h"

#include <string.h>

/* ---- appending text --------------------------------------------------------------------- */

void pkt_addr_put(char *buf, size_t len, size_t *at, const char *s)
{
	if (!len)
		return;
	while (*s && *at + 1 < len)
		buf[(*at)++] = *s++;
	buf[*at < len ? *at : len - 1] = '\0';
}

void pkt_addr_put_uint(char *buf, size_t len, size_t *at, unsigned v)
{
	char tmp[12];
	size_t i = sizeof(tmp);
	tmp[--i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	pkt_addr_put(buf, len, at, tmp + i);
}

void pkt_addr_put_ip4(char *buf, size_t len, size_t *at, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++) {
		if (i)
			pkt_addr_put(buf, len, at, ".");
		pkt_addr_put_uint(buf, len, at, a[i]);
	}
}

void pkt_addr_put_ip6(char *buf, size_t len, size_t *at, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	int best = -1, best_n = 1; /* a single zero group is not shortened (RFC 5952 4.2.2) */
	for (int i = 0; i < 8;) {
		int n = 0;
		while (i + n < 8 && !g[i + n])
			n++;
		if (n > best_n) {
			best = i;
			best_n = n;
		}
		i += n ? n : 1;
	}
	char tmp[40];
	size_t k = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			tmp[k++] = ':';
			if (i == 0)
				tmp[k++] = ':';
			i += best_n - 1;
			continue;
		}
		bool lead = true;
		for (int s = 12; s >= 0; s -= 4) {
			unsigned d = (g[i] >> s) & 0xf;
			if (d || !lead || !s) {
				tmp[k++] = hex[d];
				lead = false;
			}
		}
		if (i < 7)
			tmp[k++] = ':';
	}
	tmp[k] = '\0';
	pkt_addr_put(buf, len, at, tmp);
}

/* ---- parsing addresses ----------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool pkt_addr_parse_dec(const char *s, size_t n, unsigned max, unsigned *out)
{
	if (!n || n > 5 || (n > 1 && s[0] == '0'))
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool pkt_addr_parse_ip4(const char *s, size_t n, uint8_t out[4], const char **why)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t st = i;
		while (i < n && s[i] != '.')
			i++;
		unsigned v;
		if (i == st) {
			*why = "is not an IPv4 address (A.B.C.D)";
			return false;
		}
		for (size_t k = st; k < i; k++) {
			if (s[k] < '0' || s[k] > '9') {
				*why = "is not an IPv4 address (A.B.C.D)";
				return false;
			}
		}
		if (i - st > 1 && s[st] == '0') {
			*why = "has a number with a leading zero (octal or decimal?)";
			return false;
		}
		if (!pkt_addr_parse_dec(s + st, i - st, 255, &v)) {
			*why = "has a number that is not a byte (0-255)";
			return false;
		}
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i == n) {
				*why = "is not an IPv4 address (A.B.C.D)";
				return false;
			}
			i++; /* the dot */
		}
	}
	if (i != n) {
		*why = "is not an IPv4 address (A.B.C.D)";
		return false;
	}
	return true;
}

bool pkt_addr_parse_ip6(const char *s, size_t n, uint8_t out[16], const char **why)
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;
	*why = "is not an IPv6 address";
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n && s[0] == ':') {
		return false;
	}
	while (i < n) {
		size_t st = i;
		unsigned v = 0;
		while (i < n && hexval(s[i]) >= 0 && i - st < 5)
			v = v * 16 + (unsigned)hexval(s[i++]);
		if (i < n && s[i] == '.') { /* a dotted quad: the last two groups */
			uint8_t q[4];
			const char *why4;
			if (ng > 6 || !pkt_addr_parse_ip4(s + st, n - st, q, &why4))
				return false;
			g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
			g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
			i = n;
			break;
		}
		if (i == st || i - st > 4 || ng == 8)
			return false;
		g[ng++] = (uint16_t)v;
		if (i == n)
			break;
		if (s[i] != ':' || i + 1 == n)
			return false;
		i++;
		if (s[i] == ':') {
			if (gap >= 0)
				return false; /* "::" twice */
			gap = ng;
			i++;
		}
	}
	if (gap < 0 ? ng != 8 : ng > 7)
		return false;
	int fill = 8 - ng;
	for (int k = 0, o = 0; k <= ng; k++) {
		if (k == gap)
			for (int z = 0; z < fill; z++, o++)
				out[2 * o] = out[2 * o + 1] = 0;
		if (k == ng)
			break;
		out[2 * o] = (uint8_t)(g[k] >> 8);
		out[2 * o + 1] = (uint8_t)g[k];
		o++;
	}
	return true;
}
