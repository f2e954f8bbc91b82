/* Management specs: stk_conf_parse() and stk_conf_format(). */
#include "stk_internal.h"

#include <string.h>

static void put_n(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	char tmp[72];
	if (n > sizeof(tmp) - 4) { /* a very long word is cut, and says so */
		memcpy(tmp, s, sizeof(tmp) - 4);
		memcpy(tmp + sizeof(tmp) - 4, "...", 4);
	} else {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
	}
	pkt_addr_put(buf, len, at, tmp);
}

/* ---- the spec ------------------------------------------------------------------------ */

struct perr {
	char *buf;
	size_t len;
};

/* "column C: 'WORD': reason" */
static int fail(const struct perr *e, size_t col, const char *word, size_t wlen, const char *reason)
{
	size_t at = 0;
	if (!e->buf || !e->len)
		return -1;
	e->buf[0] = '\0';
	pkt_addr_put(e->buf, e->len, &at, "column ");
	pkt_addr_put_uint(e->buf, e->len, &at, (unsigned)col);
	pkt_addr_put(e->buf, e->len, &at, ": ");
	if (word) {
		pkt_addr_put(e->buf, e->len, &at, "'");
		put_n(e->buf, e->len, &at, word, wlen);
		pkt_addr_put(e->buf, e->len, &at, "': ");
	}
	pkt_addr_put(e->buf, e->len, &at, reason);
	return -1;
}

static bool ip4_in_prefix(const uint8_t a[4], const uint8_t b[4], unsigned prefix)
{
	uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	uint32_t y = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
	return (x & mask) == (y & mask);
}

/* Refuses what no interface can have as its own address or gateway. */
static const char *bad_ip4(const uint8_t a[4])
{
	if (!a[0] && !a[1] && !a[2] && !a[3])
		return "0.0.0.0 is no address";
	if (a[0] == 127)
		return "a loopback address (127/8)";
	if (a[0] >= 224)
		return a[0] < 240 ? "a multicast address (224/4)" : "a reserved or broadcast address (240/4)";
	return NULL;
}

static bool ip6_linklocal(const uint8_t a[16]) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

static const char *bad_ip6(const uint8_t a[16])
{
	static const uint8_t zero[16];
	if (!memcmp(a, zero, 16))
		return ":: is no address";
	if (!memcmp(a, zero, 15) && a[15] == 1)
		return "the loopback address ::1";
	if (a[0] == 0xff)
		return "a multicast address (ff00::/8)";
	return NULL;
}

enum { W_DHCP, W_IP, W_GW, W_IP6, W_GW6, W_SLAAC, W_MTU, W__N };
static const char *const word_names[W__N] = { "dhcp", "ip", "gw", "ip6", "gw6", "slaac", "mtu" };

int stk_conf_parse(const char *spec, struct stk_if_conf *out, char *err, size_t errlen)
{
	const struct perr e = { err, errlen };
	struct stk_if_conf c;
	size_t col[W__N] = { 0 }, wlen[W__N] = { 0 };
	memset(&c, 0, sizeof(c));
	if (err && errlen)
		err[0] = '\0';
	if (!spec || !*spec)
		return fail(&e, 1, NULL, 0, "empty: give dhcp, ip=A.B.C.D/N, ip6=ADDR/64 or slaac");
	for (size_t i = 0;;) {
		size_t st = i;
		while (spec[i] && spec[i] != ',')
			i++;
		const char *w = spec + st;
		size_t n = i - st, c1 = st + 1;
		if (!n)
			return fail(&e, c1, NULL, 0, "an empty word (two commas, or one at an end)");
		size_t klen = 0;
		while (klen < n && w[klen] != '=')
			klen++;
		const char *v = klen < n ? w + klen + 1 : w + n;
		size_t vn = klen < n ? n - klen - 1 : 0;
		int k = -1;
		for (int j = 0; j < W__N; j++)
			if (strlen(word_names[j]) == klen && !memcmp(w, word_names[j], klen))
				k = j;
		if (k < 0)
			return fail(&e, c1, w, n, "unknown word (dhcp, ip=, gw=, ip6=, gw6=, slaac, mtu=)");
		if (col[k])
			return fail(&e, c1, w, n, "given twice");
		col[k] = c1;
		wlen[k] = n;
		bool flag = k == W_DHCP || k == W_SLAAC;
		if (flag && klen < n)
			return fail(&e, c1, w, n, "takes no value");
		if (!flag && (klen == n || !vn))
			return fail(&e, c1, w, n, "needs a value after '='");
		const char *why;
		const char *slash = memchr(v, '/', vn);
		size_t an = slash ? (size_t)(slash - v) : vn;
		unsigned pfx = 0;
		switch (k) {
		case W_DHCP:
			c.dhcp4 = true;
			break;
		case W_SLAAC:
			c.slaac = true;
			break;
		case W_IP:
		case W_GW:
			if (!pkt_addr_parse_ip4(v, an, k == W_IP ? c.ip4 : c.gw4, &why))
				return fail(&e, c1, w, n, why);
			if ((why = bad_ip4(k == W_IP ? c.ip4 : c.gw4)))
				return fail(&e, c1, w, n, why);
			if (k == W_GW) {
				if (slash)
					return fail(&e, c1, w, n, "a gateway has no prefix length");
				break;
			}
			if (!slash)
				return fail(&e, c1, w, n, "needs a prefix length (/N)");
			if (!pkt_addr_parse_dec(slash + 1, vn - an - 1, 32, &pfx) || !pfx)
				return fail(&e, c1, w, n, "the prefix length is not 1-32");
			c.prefix4 = (uint8_t)pfx;
			if (pfx <= 30) {
				uint8_t bcast[4], net[4];
				uint32_t mask = ~0u << (32 - pfx);
				uint32_t a = (uint32_t)c.ip4[0] << 24 | (uint32_t)c.ip4[1] << 16 | (uint32_t)c.ip4[2] << 8 | c.ip4[3];
				for (int b = 0; b < 4; b++) {
					net[b] = (uint8_t)((a & mask) >> (24 - 8 * b));
					bcast[b] = (uint8_t)((a | ~mask) >> (24 - 8 * b));
				}
				if (!memcmp(c.ip4, net, 4))
					return fail(&e, c1, w, n, "is the network's own address (host part all zeros)");
				if (!memcmp(c.ip4, bcast, 4))
					return fail(&e, c1, w, n, "is the network's broadcast address (host part all ones)");
			}
			break;
		case W_IP6:
		case W_GW6:
			if (!pkt_addr_parse_ip6(v, an, k == W_IP6 ? c.ip6 : c.gw6, &why))
				return fail(&e, c1, w, n, why);
			if ((why = bad_ip6(k == W_IP6 ? c.ip6 : c.gw6)))
				return fail(&e, c1, w, n, why);
			if (k == W_GW6) {
				if (slash)
					return fail(&e, c1, w, n, "a gateway has no prefix length");
				break;
			}
			if (ip6_linklocal(c.ip6))
				return fail(&e, c1, w, n, "link-local addresses (fe80::/10) are made from the MAC");
			if (!slash)
				return fail(&e, c1, w, n, "needs a prefix length (/64)");
			if (!pkt_addr_parse_dec(slash + 1, vn - an - 1, 128, &pfx) || !pfx)
				return fail(&e, c1, w, n, "the prefix length is not 1-128");
			if (pfx != 64)
				return fail(&e, c1, w, n, "lwIP 2.1 puts a static IPv6 address on a /64 only");
			c.prefix6 = (uint8_t)pfx;
			break;
		case W_MTU:
			if (!pkt_addr_parse_dec(v, vn, 65535, &pfx) || pfx < 1280 || pfx > PKT_DATAROOM - 14) {
				char r[80];
				size_t at = 0;
				pkt_addr_put(r, sizeof(r), &at, "the MTU is not 1280 (IPv6's minimum) to ");
				pkt_addr_put_uint(r, sizeof(r), &at, PKT_DATAROOM - 14);
				return fail(&e, c1, w, n, r);
			}
			c.mtu = (uint16_t)pfx;
			break;
		}
		if (!spec[i])
			break;
		i++;
	}
	/* the words together */
	if (c.dhcp4 && col[W_IP])
		return fail(&e, col[W_IP] > col[W_DHCP] ? col[W_IP] : col[W_DHCP], NULL, 0,
			    "dhcp and ip= together: the address comes from one or the other");
	if (col[W_GW] && c.dhcp4)
		return fail(&e, col[W_GW], spec + col[W_GW] - 1, wlen[W_GW], "with dhcp, the gateway is DHCP's router option");
	if (col[W_GW] && !col[W_IP])
		return fail(&e, col[W_GW], spec + col[W_GW] - 1, wlen[W_GW], "a gateway needs ip= (the prefix it is in)");
	if (col[W_GW]) {
		if (!ip4_in_prefix(c.gw4, c.ip4, c.prefix4))
			return fail(&e, col[W_GW], spec + col[W_GW] - 1, wlen[W_GW], "the gateway is outside ip='s prefix");
		if (!memcmp(c.gw4, c.ip4, 4))
			return fail(&e, col[W_GW], spec + col[W_GW] - 1, wlen[W_GW], "the gateway is the address itself");
	}
	if (col[W_GW6] && !ip6_linklocal(c.gw6)) {
		if (!col[W_IP6])
			return fail(&e, col[W_GW6], spec + col[W_GW6] - 1, wlen[W_GW6],
				    "a gateway that is not link-local (fe80::/10) needs ip6= (the /64 it is in)");
		if (memcmp(c.gw6, c.ip6, 8))
			return fail(&e, col[W_GW6], spec + col[W_GW6] - 1, wlen[W_GW6], "the gateway is outside ip6='s /64");
		if (!memcmp(c.gw6, c.ip6, 16))
			return fail(&e, col[W_GW6], spec + col[W_GW6] - 1, wlen[W_GW6], "the gateway is the address itself");
	}
	if (!c.dhcp4 && !c.prefix4 && !c.prefix6 && !c.slaac)
		return fail(&e, 1, NULL, 0, "no address: give dhcp, ip=A.B.C.D/N, ip6=ADDR/64 or slaac");
	*out = c;
	return 0;
}

void stk_conf_format(const struct stk_if_conf *c, char *buf, size_t len)
{
	static const uint8_t zero[16];
	size_t at = 0;
	if (!len)
		return;
	buf[0] = '\0';
	const char *sep = "";
	if (c->dhcp4) {
		pkt_addr_put(buf, len, &at, "dhcp");
		sep = ",";
	} else if (c->prefix4) {
		pkt_addr_put(buf, len, &at, "ip=");
		pkt_addr_put_ip4(buf, len, &at, c->ip4);
		pkt_addr_put(buf, len, &at, "/");
		pkt_addr_put_uint(buf, len, &at, c->prefix4);
		sep = ",";
		if (memcmp(c->gw4, zero, 4)) {
			pkt_addr_put(buf, len, &at, ",gw=");
			pkt_addr_put_ip4(buf, len, &at, c->gw4);
		}
	}
	if (c->prefix6) {
		pkt_addr_put(buf, len, &at, sep);
		pkt_addr_put(buf, len, &at, "ip6=");
		pkt_addr_put_ip6(buf, len, &at, c->ip6);
		pkt_addr_put(buf, len, &at, "/");
		pkt_addr_put_uint(buf, len, &at, c->prefix6);
		sep = ",";
	}
	if (memcmp(c->gw6, zero, 16)) {
		pkt_addr_put(buf, len, &at, sep);
		pkt_addr_put(buf, len, &at, "gw6=");
		pkt_addr_put_ip6(buf, len, &at, c->gw6);
		sep = ",";
	}
	if (c->slaac) {
		pkt_addr_put(buf, len, &at, sep);
		pkt_addr_put(buf, len, &at, "slaac");
		sep = ",";
	}
	if (c->mtu) {
		pkt_addr_put(buf, len, &at, sep);
		pkt_addr_put(buf, len, &at, "mtu=");
		pkt_addr_put_uint(buf, len, &at, c->mtu);
	}
}
