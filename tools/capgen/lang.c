/* lang.c - the capgen language as data: layers, their keys, and value syntaxes. */
#include "capgen.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define K(n, t, m) { .name = (n), .type = (t), .max = (m) }
#define R(n, t, m) { .name = (n), .type = (t), .max = (m), .required = true }

static const struct key_def eth_keys[] = {
	[ETH_SRC] = R("src", V_MAC, 0),
	[ETH_DST] = R("dst", V_MAC, 0),
	[ETH_TYPE] = K("type", V_NUM, 0xffff),
};

static const struct key_def vlan_keys[] = {
	[VLAN_ID] = R("id", V_NUM, 4095),
	[VLAN_PCP] = K("pcp", V_NUM, 7),
	[VLAN_DEI] = K("dei", V_NUM, 1),
	[VLAN_TPID] = K("tpid", V_NUM, 0xffff),
	[VLAN_TYPE] = K("type", V_NUM, 0xffff),
};

static const struct key_def arp_keys[] = {
	[ARP_OP] = R("op", V_ARPOP, 0xffff),
	[ARP_SHA] = R("sha", V_MAC, 0),
	[ARP_SPA] = R("spa", V_IP4, 0),
	[ARP_THA] = R("tha", V_MAC, 0),
	[ARP_TPA] = R("tpa", V_IP4, 0),
	[ARP_HTYPE] = K("htype", V_NUM, 0xffff),
	[ARP_PTYPE] = K("ptype", V_NUM, 0xffff),
	[ARP_HLEN] = K("hlen", V_NUM, 0xff),
	[ARP_PLEN] = K("plen", V_NUM, 0xff),
};

static const struct key_def ipv4_keys[] = {
	[IP4_SRC] = R("src", V_IP4, 0),
	[IP4_DST] = R("dst", V_IP4, 0),
	[IP4_TTL] = K("ttl", V_NUM, 0xff),
	[IP4_ID] = K("id", V_NUM, 0xffff),
	[IP4_TOS] = K("tos", V_NUM, 0xff),
	[IP4_DF] = K("df", V_NUM, 1),
	[IP4_MF] = K("mf", V_NUM, 1),
	[IP4_FRAG] = K("frag", V_FRAG8, 0),
	[IP4_PROTO] = K("proto", V_NUM, 0xff),
	[IP4_IHL] = K("ihl", V_NUM, 15),
	[IP4_LEN] = K("len", V_NUM, 0xffff),
	[IP4_CSUM] = K("csum", V_NUM, 0xffff),
	[IP4_OPTS] = K("opts", V_HEX, 40),
	[IP4_VER] = K("ver", V_NUM, 15),
};

static const struct key_def ipv6_keys[] = {
	[IP6_SRC] = R("src", V_IP6, 0),
	[IP6_DST] = R("dst", V_IP6, 0),
	[IP6_HLIM] = K("hlim", V_NUM, 0xff),
	[IP6_FLOW] = K("flow", V_NUM, 0xfffff),
	[IP6_TC] = K("tc", V_NUM, 0xff),
	[IP6_NH] = K("nh", V_NUM, 0xff),
	[IP6_PLEN] = K("plen", V_NUM, 0xffff),
	[IP6_VER] = K("ver", V_NUM, 15),
};

static const struct key_def ip6ext_keys[] = {
	[EXT_TYPE] = R("type", V_EXTTYPE, 0),
	[EXT_LEN] = K("len", V_NUM, 0xff),
	[EXT_OFF] = K("off", V_FRAG8, 0),
	[EXT_M] = K("m", V_NUM, 1),
	[EXT_ID] = K("id", V_NUM, 0xffffffff),
	[EXT_NH] = K("nh", V_NUM, 0xff),
	[EXT_DATA] = K("data", V_HEX, 2044),
	[EXT_RTYPE] = K("rtype", V_NUM, 0xff),
	[EXT_SEGS] = K("segs", V_NUM, 0xff),
};

static const struct key_def tcp_keys[] = {
	[TCP_SPORT] = R("sport", V_NUM, 0xffff),
	[TCP_DPORT] = R("dport", V_NUM, 0xffff),
	[TCP_SEQ] = K("seq", V_NUM, 0xffffffff),
	[TCP_ACK] = K("ack", V_NUM, 0xffffffff),
	[TCP_FLAGS] = K("flags", V_FLAGS, 0xff),
	[TCP_WIN] = K("win", V_NUM, 0xffff),
	[TCP_DOFF] = K("doff", V_NUM, 15),
	[TCP_OPTS] = K("opts", V_HEX, 40),
	[TCP_CSUM] = K("csum", V_NUM, 0xffff),
	[TCP_URP] = K("urp", V_NUM, 0xffff),
};

static const struct key_def udp_keys[] = {
	[UDP_SPORT] = R("sport", V_NUM, 0xffff),
	[UDP_DPORT] = R("dport", V_NUM, 0xffff),
	[UDP_LEN] = K("len", V_NUM, 0xffff),
	[UDP_CSUM] = K("csum", V_NUM, 0xffff),
};

static const struct key_def icmp_keys[] = {
	[ICMP_TYPE] = R("type", V_NUM, 0xff),
	[ICMP_CODE] = R("code", V_NUM, 0xff),
	[ICMP_ID] = K("id", V_NUM, 0xffff),
	[ICMP_SEQ] = K("seq", V_NUM, 0xffff),
	[ICMP_CSUM] = K("csum", V_NUM, 0xffff),
};

static const struct key_def payload_keys[] = {
	[PL_LEN] = K("len", V_NUM, PKTGEN_MAX_FRAME),
	[PL_FILL] = K("fill", V_NUM, 0xff),
	[PL_HEX] = K("hex", V_HEX, PKTGEN_MAX_FRAME),
	[PL_TEXT] = K("text", V_TEXT, PKTGEN_MAX_FRAME),
};

static const struct key_def raw_keys[] = {
	[RAW_HEX] = R("hex", V_HEX, PKTGEN_MAX_FRAME),
};

#define KEYS(a) (a), (unsigned)(sizeof(a) / sizeof((a)[0]))
#define MAXKEYS(a) _Static_assert(sizeof(a) / sizeof((a)[0]) <= PKTGEN_MAX_KEYS, #a " too large")
MAXKEYS(ipv4_keys);
MAXKEYS(ip6ext_keys);
MAXKEYS(tcp_keys);

const struct layer_def layer_defs[L__COUNT] = {
	[L_ETH] = { "eth", KEYS(eth_keys) },
	[L_VLAN] = { "vlan", KEYS(vlan_keys) },
	[L_ARP] = { "arp", KEYS(arp_keys) },
	[L_IPV4] = { "ipv4", KEYS(ipv4_keys) },
	[L_IPV6] = { "ipv6", KEYS(ipv6_keys) },
	[L_IP6EXT] = { "ip6ext", KEYS(ip6ext_keys) },
	[L_TCP] = { "tcp", KEYS(tcp_keys) },
	[L_UDP] = { "udp", KEYS(udp_keys) },
	[L_ICMP] = { "icmp", KEYS(icmp_keys) },
	[L_ICMP6] = { "icmp6", KEYS(icmp_keys) },
	[L_PAYLOAD] = { "payload", KEYS(payload_keys) },
	[L_RAW] = { "raw", KEYS(raw_keys) },
};

const char *vtype_placeholder(enum vtype t)
{
	switch (t) {
	case V_NUM: return "N";
	case V_FRAG8: return "BYTES";
	case V_MAC: return "MAC";
	case V_IP4: return "IPv4";
	case V_IP6: return "IPv6";
	case V_HEX: return "HEX";
	case V_TEXT: return "TEXT";
	case V_FLAGS: return "FLAGS";
	case V_ARPOP: return "request|reply|N";
	case V_EXTTYPE: return "hbh|rt|dst|frag";
	}
	return "?";
}

void diag(const struct loc *at, size_t col, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%lu:%zu: ", at->file, at->line, col);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *quoted(const char *s, size_t n)
{
	static char bufs[4][128];
	static unsigned next;
	char *b = bufs[next++ % 4];
	size_t o = 0;
	b[o++] = '\'';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o > 100) {
			memcpy(b + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			b[o++] = (char)c;
		else
			o += (size_t)snprintf(b + o, 8, c == '\'' ? "\\'" : c == '\\' ? "\\\\" : "\\x%02x", c);
	}
	b[o++] = '\'';
	b[o] = '\0';
	return b;
}

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

bool parse_num(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hexval(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return false;
		v = v * base + (unsigned)d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool parse_mac(const char *s, size_t n, uint8_t mac[6])
{
	if (n != 17)
		return false;
	for (unsigned i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool parse_ip(int af, const char *s, size_t n, uint8_t *out)
{
	char buf[64];
	if (n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(af, buf, out) == 1;
}

static bool parse_hex(const struct loc *at, size_t col, const struct key_def *k, const char *s, size_t n,
		      struct value *v)
{
	size_t skip = n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
	for (size_t i = skip; i < n; i++) {
		if (hexval(s[i]) < 0) {
			diag(at, col + i, "expected a hex digit in %s, got %s", k->name, quoted(s + i, 1));
			return false;
		}
	}
	if ((n - skip) % 2) {
		diag(at, col, "expected an even number of hex digits for %s, got %s", k->name, quoted(s, n));
		return false;
	}
	if ((n - skip) / 2 > k->max) {
		diag(at, col, "expected at most %u bytes for %s, got %zu", k->max, k->name, (n - skip) / 2);
		return false;
	}
	v->len = (n - skip) / 2;
	v->bytes = malloc(v->len ? v->len : 1);
	if (!v->bytes) {
		diag(at, col, "expected memory for %s, got none", k->name);
		return false;
	}
	for (size_t i = 0; i < v->len; i++)
		v->bytes[i] = (uint8_t)(hexval(s[skip + 2 * i]) << 4 | hexval(s[skip + 2 * i + 1]));
	return true;
}

/* "..." with C escapes, or a bare word taken as it is. */
static bool parse_text(const struct loc *at, size_t col, const struct key_def *k, const char *s, size_t n,
		       struct value *v)
{
	v->bytes = malloc(n ? n : 1);
	if (!v->bytes) {
		diag(at, col, "expected memory for %s, got none", k->name);
		return false;
	}
	v->len = 0;
	if (n == 0 || s[0] != '"') {
		memcpy(v->bytes, s, n);
		v->len = n;
		return true;
	}
	size_t i = 1;
	while (i < n && s[i] != '"') {
		if (s[i] != '\\') {
			v->bytes[v->len++] = (uint8_t)s[i++];
			continue;
		}
		char e = i + 1 < n ? s[i + 1] : '\0';
		static const char from[] = "\\\"nrt0", to[] = "\\\"\n\r\t";
		const char *p = e ? strchr(from, e) : NULL;
		if (p) {
			v->bytes[v->len++] = (uint8_t)to[p - from]; /* "0" maps to the terminating NUL */
			i += 2;
		} else if (e == 'x' && i + 3 < n && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			v->bytes[v->len++] = (uint8_t)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			i += 4;
		} else {
			diag(at, col + i, "expected an escape \\\\ \\\" \\n \\r \\t \\0 or \\xHH in %s, got %s",
			     k->name, quoted(s + i, i + 1 < n ? 2 : 1));
			return false;
		}
	}
	/* the lexer saw the closing quote; anything after it is not part of the text */
	if (i + 1 != n) {
		diag(at, col + i + 1, "expected the end of %s after its closing quote, got %s", k->name,
		     quoted(s + i + 1, n - i - 1));
		return false;
	}
	if (v->len > k->max) {
		diag(at, col, "expected at most %u bytes for %s, got %zu", k->max, k->name, v->len);
		return false;
	}
	return true;
}

static bool parse_flags(const char *s, size_t n, uint64_t *out)
{
	if (n > 0 && s[0] >= '0' && s[0] <= '9')
		return parse_num(s, n, 0xff, out);
	static const char letters[] = "FSRPAUEC"; /* bit 0 upwards */
	uint64_t f = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
		const char *p = c ? strchr(letters, c) : NULL;
		if (!p)
			return false;
		f |= 1u << (p - letters);
	}
	*out = f;
	return n > 0;
}

bool parse_value(const struct loc *at, size_t col, const struct key_def *k, const char *s, size_t n,
		 struct value *v)
{
	const char *got = quoted(s, n);
	switch (k->type) {
	case V_NUM:
		if (parse_num(s, n, k->max, &v->num))
			return true;
		if (k->max == 1)
			diag(at, col, "expected 0 or 1 for %s, got %s", k->name, got);
		else
			diag(at, col, "expected a number 0..%u for %s, got %s", k->max, k->name, got);
		return false;
	case V_FRAG8:
		if (parse_num(s, n, 65528, &v->num) && v->num % 8 == 0)
			return true;
		diag(at, col, "expected a multiple of 8 in 0..65528 for %s, got %s", k->name, got);
		return false;
	case V_MAC:
		if (parse_mac(s, n, v->addr))
			return true;
		diag(at, col, "expected a MAC address aa:bb:cc:dd:ee:ff for %s, got %s", k->name, got);
		return false;
	case V_IP4:
		if (parse_ip(AF_INET, s, n, v->addr))
			return true;
		diag(at, col, "expected an IPv4 address for %s, got %s", k->name, got);
		return false;
	case V_IP6:
		if (parse_ip(AF_INET6, s, n, v->addr))
			return true;
		diag(at, col, "expected an IPv6 address for %s, got %s", k->name, got);
		return false;
	case V_HEX:
		return parse_hex(at, col, k, s, n, v);
	case V_TEXT:
		return parse_text(at, col, k, s, n, v);
	case V_FLAGS:
		if (parse_flags(s, n, &v->num))
			return true;
		diag(at, col, "expected TCP flags (letters of FSRPAUEC, or a number 0..255) for %s, got %s",
		     k->name, got);
		return false;
	case V_ARPOP:
		if (n == 7 && memcmp(s, "request", 7) == 0)
			v->num = 1;
		else if (n == 5 && memcmp(s, "reply", 5) == 0)
			v->num = 2;
		else if (!parse_num(s, n, 0xffff, &v->num)) {
			diag(at, col, "expected request, reply or a number 0..65535 for %s, got %s", k->name, got);
			return false;
		}
		return true;
	case V_EXTTYPE: {
		static const struct { const char *name; unsigned nh; } types[] = {
			{ "hbh", EXT_HBH }, { "rt", EXT_RT }, { "dst", EXT_DST }, { "frag", EXT_FRAG },
		};
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
			if (strlen(types[i].name) == n && memcmp(s, types[i].name, n) == 0) {
				v->num = types[i].nh;
				return true;
			}
		}
		diag(at, col, "expected hbh, rt, dst or frag for %s, got %s", k->name, got);
		return false;
	}
	}
	return false;
}
