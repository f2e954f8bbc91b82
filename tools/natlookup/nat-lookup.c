/* nat-lookup: which inside host held an outside address and port of the nat appliance
 * (`sluice nat-lookup`, docs/NAT.md), offline, for abuse and compliance requests.
 *
 *   sluice-nat-lookup --config FILE ADDRESS:PORT [--at TIME] [--proto tcp|udp|icmp]
 *                     [--log FILE] [--json]
 *   sluice-nat-lookup --config FILE --inside ADDRESS [--at TIME] [--proto P] [--log FILE] [--json]
 *
 * The config is read by the appliance's own parser (cf_parse with the firewall's and the
 * NAT's extensions, as apps/nat does), so the answer comes from the same code:
 *   - a deterministic rule (RFC 7422, nat/nat_det.h) answers exactly from the config
 *     alone: nat_det_reverse, nat_det_forward;
 *   - a port forward (dnat with a dport) owns its ports on the outside addresses;
 *   - a dynamic pool's mappings are made at run time: only its mapping log (nat { log on }
 *     writes "nat: map PROTO IN:PORT -> OUT:PORT" and "nat: unmap ..." lines) can say who
 *     held a port. The lines carry no time of their own (the engine has no wall clock):
 *     whatever collects the console stamps them, and the log this reads has the time as
 *     each line's first word (ISO 8601 or epoch seconds). The holder at TIME is the last
 *     "map" at or before TIME with no "unmap" of it in between.
 *
 * Exit status: 0 found, 1 nobody held it, 2 a usage or config error (FILE:LINE:COL),
 * 3 cannot tell (a dynamic pool and no --log).
 */
#include "fw_config.h"
#include "nat_conf.h"
#include "nat_det.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_NOBODY 1
#define EXIT_USAGE 2
#define EXIT_UNKNOWN 3

static const char *const proto_name[NAT_PROTO__COUNT] = { "tcp", "udp", "icmp" };
static const uint8_t proto_num[NAT_PROTO__COUNT] = { 6, 17, 1 };

static const char *conf_file;           /* as given: rules are named FILE:LINE */
static struct fw_config *fc;
static struct nat_config *nc;

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("nat-lookup: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_USAGE);
}

static void usage(FILE *f)
{
	fputs("usage: sluice nat-lookup --config FILE ADDRESS:PORT [--at TIME] [--proto tcp|udp|icmp]\n"
	      "                         [--log FILE] [--json]\n"
	      "       sluice nat-lookup --config FILE --inside ADDRESS [--at TIME] [--proto P] [--log FILE] [--json]\n"
	      "\n"
	      "Which inside host held an outside ADDRESS:PORT of the nat appliance (docs/NAT.md), read\n"
	      "from its config FILE by the appliance's own parser; with --inside, the reverse: the\n"
	      "outside address and port block of an inside host.\n"
	      "  deterministic rules (snat ... deterministic [block N], RFC 7422) answer exactly from\n"
	      "  the config alone, with no log; port forwards (dnat with a dport) own their ports;\n"
	      "  dynamic pools (masquerade, snat without deterministic) map ports at run time: give\n"
	      "  their mapping log, the \"nat: map\" and \"nat: unmap\" lines that 'nat { log on }'\n"
	      "  prints, each line starting with its time (the appliance prints none: stamp its\n"
	      "  console as you collect it, ISO 8601 or epoch seconds).\n"
	      "  --at TIME       when: ISO 8601 (2024-05-01T12:00:00Z, +02:00 offsets, a date alone;\n"
	      "                  no zone: UTC) or epoch seconds (1714564800). The config must be the\n"
	      "                  one that was in force then: that is the operator's to give. Default:\n"
	      "                  now (for a log: its end)\n"
	      "  --proto P       tcp, udp or icmp (the query identifier is the \"port\"); default all\n"
	      "  --log FILE      the mapping log ('-': standard input): the holder is the last \"map\"\n"
	      "                  at or before TIME with no \"unmap\" of it in between\n"
	      "  --json          one JSON object per answer and line: {\"outside\":\"A:P\",\"inside\":\"A\",\n"
	      "                  \"proto\":\"tcp\",\"rule\":\"FILE:LINE\",\"block\":\"LO-HI\",\"exact\":true,...}\n"
	      "Exit status: 0 found, 1 nobody held it, 2 usage or config error (FILE:LINE:COL),\n"
	      "3 cannot tell (a dynamic pool, and no --log).\n",
	      f);
}

/* ---- time ------------------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n digits at s as a number; false unless all n are digits. */
static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* A time: epoch seconds ("1714564800", "1714564800.25", "@1714564800") or ISO 8601
 * ("2024-05-01", "2024-05-01T12:00", "2024-05-01T12:00:00.5Z", "...+02:00", "...-0500";
 * 'T' or a space between date and time; no zone: UTC), to milliseconds since the epoch. */
static bool parse_time(const char *s, size_t n, int64_t *ms)
{
	if (n && s[0] == '@') {
		s++;
		n--;
	}
	size_t i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i > 0 && i <= 12 && (i == n || s[i] == '.')) {
		int64_t v = 0;
		for (size_t k = 0; k < i; k++)
			v = v * 10 + (s[k] - '0');
		int64_t frac = 0, scale = 1000;
		if (i < n) {
			size_t k = i + 1;
			if (k == n)
				return false;
			for (; k < n; k++) {
				if (s[k] < '0' || s[k] > '9')
					return false;
				if (scale > 1) {
					scale /= 10;
					frac += (s[k] - '0') * scale;
				}
			}
		}
		*ms = v * 1000 + frac;
		return true;
	}
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return false;
	size_t k = 10;
	int64_t frac = 0, off_min = 0;
	if (k < n) {
		if (s[k] != 'T' && s[k] != 't' && s[k] != ' ')
			return false;
		k++;
		if (n - k < 5 || !digits(s + k, 2, &h) || s[k + 2] != ':' || !digits(s + k + 3, 2, &mi))
			return false;
		k += 5;
		if (k < n && s[k] == ':') {
			if (n - k < 3 || !digits(s + k + 1, 2, &sec))
				return false;
			k += 3;
			if (k < n && (s[k] == '.' || s[k] == ',')) {
				k++;
				size_t f0 = k;
				int64_t scale = 1000;
				for (; k < n && s[k] >= '0' && s[k] <= '9'; k++)
					if (scale > 1) {
						scale /= 10;
						frac += (s[k] - '0') * scale;
					}
				if (k == f0)
					return false;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return false;
		if (k < n && (s[k] == 'Z' || s[k] == 'z')) {
			k++;
		} else if (k < n && (s[k] == '+' || s[k] == '-')) {
			int sign = s[k] == '-' ? -1 : 1, oh, om = 0;
			k++;
			if (n - k < 2 || !digits(s + k, 2, &oh))
				return false;
			k += 2;
			if (k < n && s[k] == ':')
				k++;
			if (k < n) {
				if (n - k < 2 || !digits(s + k, 2, &om))
					return false;
				k += 2;
			}
			if (oh > 23 || om > 59)
				return false;
			off_min = sign * (oh * 60 + om);
		}
		if (k != n)
			return false;
	}
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off_min * 60;
	*ms = secs * 1000 + frac;
	return true;
}

/* "2024-05-01T12:00:00Z" (".250" when there are milliseconds) */
static const char *iso(int64_t ms, char buf[40])
{
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t rem = ms - s * 1000, days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400), sod = s - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int n = snprintf(buf, 40, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d, (int)(sod / 3600),
			 (int)(sod / 60 % 60), (int)(sod % 60));
	if (rem)
		snprintf(buf + n, (size_t)(40 - n), ".%03d", (int)rem);
	strcat(buf, "Z");
	return buf;
}

/* ---- addresses -------------------------------------------------------------------------- */

static const char *ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* "A.B.C.D" exactly (n bytes at s). */
static bool parse_ip(const char *s, size_t n, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		size_t start = i;
		unsigned v = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return false;
		a = a << 8 | v;
	}
	if (i != n)
		return false;
	*out = a;
	return true;
}

/* "A.B.C.D:PORT" */
static bool parse_endpoint(const char *s, size_t n, uint32_t *a, uint16_t *port)
{
	const char *colon = memchr(s, ':', n);
	if (!colon || !parse_ip(s, (size_t)(colon - s), a))
		return false;
	size_t pl = n - (size_t)(colon - s) - 1;
	if (pl < 1 || pl > 5)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < pl; i++) {
		char c = colon[1 + i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static uint32_t rd32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static bool in_prefix(uint32_t a, const struct cf_prefix *p)
{
	if (p->family != 4)
		return false;
	uint32_t mask = p->len ? 0xffffffffu << (32 - p->len) : 0;
	return ((a ^ rd32(p->addr)) & mask) == 0;
}

/* Does a rule's address match take a (as nat.c's addr_ok)? */
static bool addr_match(const struct nat_addr_match *m, uint32_t a)
{
	if (!m->kind)
		return true;
	bool in = false;
	if (m->kind == 1) {
		in = in_prefix(a, &m->prefix);
	} else {
		const struct cf_set *s = &fc->cf.set[m->set];
		for (unsigned i = 0; i < s->n && !in; i++)
			in = in_prefix(a, &s->prefixes[i]);
	}
	return in != m->neg;
}

/* ---- the config ------------------------------------------------------------------------- */

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += k;
		if (n == cap) {
			char *b = realloc(buf, (cap *= 2) + 1);
			if (!b)
				free(buf);
			buf = b;
		}
	}
	if (!buf)
		die("out of memory");
	buf[n] = 0;
	*len = n;
	return buf;
}

static void load_config(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("--config: %s: %s", path, strerror(errno));
	size_t len;
	char *text = read_all(f, &len);
	fclose(f);
	fc = calloc(1, sizeof(*fc));
	nc = calloc(1, sizeof(*nc));
	if (!fc || !nc)
		die("out of memory");
	/* what apps/nat's conf_build does: one text, the firewall's chains and the NAT's */
	nat_config_init(nc);
	struct cf_ext ext[2];
	fw_config_ext(fc, &ext[0]);
	nat_config_ext(nc, &ext[1]);
	struct cf_err ce = { "" };
	if (cf_parse(&fc->cf, ext, 2, path, text, len, &ce)) {
		fprintf(stderr, "%s\n", ce.msg);
		exit(EXIT_USAGE);
	}
	free(text);
	/* and the checks the appliance makes before it starts (apps/nat/nat_main.c) */
	bool addressed = false;
	for (unsigned i = 0; i < fc->cf.n_iface; i++)
		addressed |= fc->cf.iface[i].n_addr > 0;
	if (!addressed) {
		fprintf(stderr, "%s: nat routes between its interfaces: give them their addresses "
				"(interface NAME { address A.B.C.D/N })\n", path);
		exit(EXIT_USAGE);
	}
	uint64_t addrs = 0;
	for (unsigned i = 0; i < nc->n_pool; i++) {
		const struct nat_pool *p = &nc->pool[i];
		addrs += p->det_on ? p->det.out_hi - p->det.out_lo + 1 : p->addr_hi - p->addr_lo + 1;
	}
	if (addrs > 1024) {
		fprintf(stderr, "%s: the pools hold %llu outside addresses; at most 1024\n", path, (unsigned long long)addrs);
		exit(EXIT_USAGE);
	}
}

static bool is_iface_addr(uint32_t a)
{
	for (unsigned i = 0; i < fc->cf.n_iface; i++)
		for (unsigned k = 0; k < fc->cf.iface[i].n_addr; k++)
			if (fc->cf.iface[i].addr[k].family == 4 && rd32(fc->cf.iface[i].addr[k].addr) == a)
				return true;
	return false;
}

/* A deterministic pool's whole layout: an appliance serving a share of it (deterministic
 * ... layout PREFIX) answers for every host the layout places, as any instance's config
 * must for an abuse request. */
static const struct nat_det *layout_of(const struct nat_pool *pl)
{
	static struct nat_det full;
	full = pl->det;
	full.share_first = 0;
	full.share_last = full.host_last;
	return &full;
}

static const struct nat_pool *pool_of(const struct nat_rule *r)
{
	return &nc->pool[r->pool];
}

static bool pool_rule(const struct nat_rule *r)
{
	return r->action == NAT_A_SNAT || r->action == NAT_A_MASQUERADE;
}

static bool pool_has_addr(const struct nat_pool *p, uint32_t a)
{
	return p->det_on ? a >= p->det.out_lo && a <= p->det.out_hi : a >= p->addr_lo && a <= p->addr_hi;
}

static bool is_pool_addr(uint32_t a)
{
	for (unsigned i = 0; i < nc->n_pool; i++)
		if (pool_has_addr(&nc->pool[i], a))
			return true;
	return false;
}

/* A dynamic pool's ports for proto: TCP and UDP its range, ICMP identifiers all. */
static bool dyn_port_ok(const struct nat_pool *p, int proto, uint16_t port)
{
	return proto == NAT_ICMP || (port >= p->port_lo && port <= p->port_hi);
}

/* "masquerade on 192.0.2.2, ports 1024-65535" */
static void describe_pool(const struct nat_rule *r, char *buf, size_t len)
{
	const struct nat_pool *p = pool_of(r);
	char a[16], b[16];
	if (r->action == NAT_A_MASQUERADE)
		snprintf(buf, len, "masquerade to %s, ports %u-%u", ip_str(p->addr_lo, a), p->port_lo, p->port_hi);
	else if (p->addr_lo == p->addr_hi)
		snprintf(buf, len, "snat to %s, ports %u-%u", ip_str(p->addr_lo, a), p->port_lo, p->port_hi);
	else
		snprintf(buf, len, "snat to %s-%s, ports %u-%u", ip_str(p->addr_lo, a), ip_str(p->addr_hi, b), p->port_lo,
			 p->port_hi);
}

/* ---- the mapping log -------------------------------------------------------------------- */

struct log_entry {
	bool map;                       /* else unmap */
	int proto;
	uint32_t in, out;
	uint16_t in_port, out_port;
	bool timed;
	int64_t ms;
	unsigned line;
};

static const char *log_file;
static FILE *log_fp;
static unsigned log_line;

/* The next "nat: map" / "nat: unmap" line of the log (others are skipped); false at its
 * end. A malformed one, or one with no time when times are needed, stops with status 2. */
static bool log_next(struct log_entry *e, bool need_time)
{
	static char *buf;
	static size_t cap;
	ssize_t n;
	while ((n = getline(&buf, &cap, log_fp)) >= 0) {
		log_line++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = 0;
		char *nat = strstr(buf, "nat: map ");
		size_t skip = 9;
		if (!nat) {
			nat = strstr(buf, "nat: unmap ");
			skip = 11;
		}
		if (!nat)
			continue;
		memset(e, 0, sizeof(*e));
		e->map = skip == 9;
		e->line = log_line;
		/* the time: the line's first word, maybe in brackets */
		const char *w = buf;
		while (*w == ' ' || *w == '\t')
			w++;
		size_t wl = strcspn(w, " \t");
		if (w < nat && wl) {
			const char *t = w;
			size_t tl = wl;
			if (tl >= 2 && t[0] == '[' && t[tl - 1] == ']') {
				t++;
				tl -= 2;
			}
			e->timed = parse_time(t, tl, &e->ms);
		}
		if (!e->timed && need_time) {
			fprintf(stderr,
				"%s:%u:1: this mapping line has no time as its first word (ISO 8601, "
				"2024-05-01T12:00:00Z, or epoch seconds), and --at needs one\n",
				log_file, log_line);
			exit(EXIT_USAGE);
		}
		/* "PROTO IN:PORT -> OUT:PORT" */
		char *p = nat + skip, *end = buf + n;
		char *sp1 = memchr(p, ' ', (size_t)(end - p));
		bool ok = false;
		if (sp1) {
			for (int k = 0; k < NAT_PROTO__COUNT; k++)
				if ((size_t)(sp1 - p) == strlen(proto_name[k]) && !memcmp(p, proto_name[k], (size_t)(sp1 - p)))
					e->proto = k, ok = true;
		}
		char *arrow = ok ? strstr(sp1 + 1, " -> ") : NULL;
		if (arrow) {
			char *o = arrow + 4;
			size_t ol = strcspn(o, " \t");
			ok = parse_endpoint(sp1 + 1, (size_t)(arrow - sp1 - 1), &e->in, &e->in_port) &&
			     parse_endpoint(o, ol, &e->out, &e->out_port);
		} else {
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "%s:%u:%u: expected 'nat: %s PROTO A.B.C.D:PORT -> A.B.C.D:PORT', got '%s'\n", log_file,
				log_line, (unsigned)(nat - buf) + 1, e->map ? "map" : "unmap", nat);
			exit(EXIT_USAGE);
		}
		return true;
	}
	return false;
}

static void log_open(const char *path)
{
	log_file = path;
	log_fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!log_fp)
		die("--log: %s: %s", path, strerror(errno));
}

/* ---- answers ---------------------------------------------------------------------------- */

enum kind { K_NONE, K_DET, K_FORWARD, K_LOG, K_DYNAMIC };
static const char *const kind_name[] = { "none", "deterministic", "forward", "log", "dynamic" };

struct answer {
	enum kind kind;
	int proto;                          /* -1: all three (a deterministic block) */
	uint32_t out;
	int out_port;                       /* -1: the address (a block's) */
	bool has_in;
	uint32_t in;
	int in_port;                        /* -1: none */
	const struct nat_rule *rule;        /* NULL: none */
	bool has_block;
	uint16_t blk_lo, blk_hi;
	bool exact;
	bool has_mapped;
	int64_t mapped_ms;
	unsigned log_line;
	char note[1024];
};

static bool json;
static bool by_inside;                  /* --inside: answers name the inside host first */
static bool have_at;
static int64_t at_ms;

static bool same(const struct answer *a, const struct answer *b)
{
	return a->kind == b->kind && a->out == b->out && a->out_port == b->out_port && a->has_in == b->has_in &&
	       a->in == b->in && a->in_port == b->in_port && a->rule == b->rule && a->has_block == b->has_block &&
	       a->blk_lo == b->blk_lo && a->blk_hi == b->blk_hi && a->exact == b->exact &&
	       a->has_mapped == b->has_mapped && a->mapped_ms == b->mapped_ms && a->log_line == b->log_line &&
	       !strcmp(a->note, b->note);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_answer(const struct answer *a)
{
	char o[16], i[16], t[40], rule[600] = "";
	if (a->rule)
		snprintf(rule, sizeof(rule), "%s:%u", conf_file, a->rule->line);
	const char *proto = a->proto < 0 ? "any" : proto_name[a->proto];
	if (json) {
		printf("{\"outside\":");
		if (a->out_port >= 0)
			printf("\"%s:%d\"", ip_str(a->out, o), a->out_port);
		else if (a->kind == K_DET)
			printf("\"%s\"", ip_str(a->out, o));
		else
			printf("null");
		printf(",\"inside\":");
		if (a->has_in)
			printf("\"%s\"", ip_str(a->in, i));
		else
			printf("null");
		printf(",\"proto\":\"%s\",\"rule\":", proto);
		if (a->rule)
			json_str(rule);
		else
			printf("null");
		printf(",\"block\":");
		if (a->has_block)
			printf("\"%u-%u\"", a->blk_lo, a->blk_hi);
		else
			printf("null");
		printf(",\"exact\":%s,\"kind\":\"%s\"", a->exact ? "true" : "false", kind_name[a->kind]);
		if (a->has_in && a->in_port >= 0)
			printf(",\"inside_port\":%d", a->in_port);
		if (a->has_mapped)
			printf(",\"mapped\":\"%s\"", iso(a->mapped_ms, t));
		if (a->log_line) {
			char where[600];
			snprintf(where, sizeof(where), "%s:%u", log_file, a->log_line);
			printf(",\"log\":");
			json_str(where);
		}
		if (have_at)
			printf(",\"at\":\"%s\"", iso(at_ms, t));
		if (a->note[0]) {
			printf(",\"note\":");
			json_str(a->note);
		}
		printf("}\n");
		return;
	}
	/* text: "WHAT PROTO: WHO (how it is known)" */
	if (by_inside)
		printf("%s %s: ", ip_str(a->in, i), proto);
	else
		printf("%s:%d %s: ", ip_str(a->out, o), a->out_port, proto);
	switch (a->kind) {
	case K_DET:
		if (by_inside)
			printf("%s ports %u-%u (deterministic block, rule %s; exact, from the config alone)", ip_str(a->out, o),
			       a->blk_lo, a->blk_hi, rule);
		else
			printf("%s (deterministic block %u-%u of %s, rule %s; exact, from the config alone)", ip_str(a->in, i),
			       a->blk_lo, a->blk_hi, ip_str(a->out, o), rule);
		break;
	case K_FORWARD:
		printf("%s", ip_str(a->in, i));
		if (a->in_port >= 0)
			printf(":%d", a->in_port);
		printf(" (port forward, rule %s; exact, from the config alone)", rule);
		break;
	case K_LOG:
		if (by_inside)
			printf("%s:%d -> %s:%d", ip_str(a->in, i), a->in_port, ip_str(a->out, o), a->out_port);
		else
			printf("%s:%d", ip_str(a->in, i), a->in_port);
		printf(" (mapped");
		if (a->has_mapped)
			printf(" at %s", iso(a->mapped_ms, t));
		printf(", %s:%u", log_file, a->log_line);
		if (a->rule)
			printf("; dynamic pool of rule %s", rule);
		printf(")");
		break;
	case K_DYNAMIC:
		printf("cannot tell");
		break;
	case K_NONE:
		printf("nobody");
		break;
	}
	if (a->note[0]) {
		bool why = a->kind == K_NONE || a->kind == K_DYNAMIC;
		printf("%s%s%s", why ? " (" : "; ", a->note, why ? ")" : "");
	}
	putchar('\n');
}

/* Prints the answers worth printing: the ones found, else the ones that cannot tell, else
 * the first nobody. With merge (one answer per protocol, all three asked), three alike but
 * for their protocol are one, "any". Returns the exit status. */
static int report(struct answer *ans, unsigned n, bool merge)
{
	bool found = false, unknown = false;
	for (unsigned k = 0; k < n; k++) {
		found |= ans[k].kind == K_DET || ans[k].kind == K_FORWARD || ans[k].kind == K_LOG;
		unknown |= ans[k].kind == K_DYNAMIC;
	}
	if (merge && n == NAT_PROTO__COUNT) {
		bool alike = true;
		for (unsigned k = 1; k < n && alike; k++) {
			struct answer x = ans[k];
			x.proto = ans[0].proto;
			alike = same(&x, &ans[0]);
		}
		if (alike) {
			ans[0].proto = -1;
			n = 1;
		}
	}
	for (unsigned k = 0; k < n; k++) {
		bool keep = found ? ans[k].kind != K_NONE && ans[k].kind != K_DYNAMIC
			    : unknown ? ans[k].kind == K_DYNAMIC : true;
		if (!keep)
			continue;
		print_answer(&ans[k]);
		if (!found && !unknown)
			break;          /* nobody: one line says it */
	}
	if (have_at && !json)
		printf("note: answered from %s, which must be the config in force at %s (nat-lookup cannot tell)\n",
		       conf_file, iso(at_ms, (char[40]){ 0 }));
	return found ? 0 : unknown ? EXIT_UNKNOWN : EXIT_NOBODY;
}

/* ---- outside -> inside ------------------------------------------------------------------ */

/* The port forward that owns out:port for proto, if one does: the first prerouting rule
 * that takes it decides, as in nat.c, and owns it when no mapping can hold it (the port
 * is reserved: a dport that is not negated, as apps/nat's map_take reserves; or the
 * address is no pool's). */
static const struct nat_rule *forward_of(uint32_t out, uint16_t port, int proto)
{
	bool pool = is_pool_addr(out), ours = pool || is_iface_addr(out);
	for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_PRE]; i++) {
		const struct nat_rule *r = &nc->rule[NAT_HOOK_PRE][i];
		const struct nat_match *m = &r->m;
		if (m->proto && m->proto != proto_num[proto])
			continue;
		if (m->daddr.kind ? !addr_match(&m->daddr, out) : !ours)
			continue;
		if (m->dport.on) {
			if (proto == NAT_ICMP)
				continue;
			bool in = port >= m->dport.lo && port <= m->dport.hi;
			if (in == m->dport.neg)
				continue;
		}
		if (r->action != NAT_A_DNAT)
			return NULL;    /* accept: not translated */
		return (m->dport.on && !m->dport.neg) || !pool ? r : NULL;
	}
	return NULL;
}

struct holder {
	bool held;
	struct log_entry map;
};

static void lookup_outside(uint32_t out, uint16_t port, int only_proto)
{
	int first = only_proto < 0 ? 0 : only_proto, last = only_proto < 0 ? NAT_PROTO__COUNT - 1 : only_proto;
	struct holder hold[NAT_PROTO__COUNT] = { { false } };
	if (log_fp) {
		struct log_entry e;
		while (log_next(&e, have_at)) {
			if (e.out != out || e.out_port != port || e.proto < first || e.proto > last)
				continue;
			if (have_at && e.ms > at_ms)
				continue;
			struct holder *h = &hold[e.proto];
			if (e.map) {
				h->held = true;
				h->map = e;
			} else if (h->held && h->map.in == e.in && h->map.in_port == e.in_port) {
				h->held = false;
			}
		}
	}
	struct answer ans[NAT_PROTO__COUNT];
	unsigned n = 0;
	char o[16], desc[200];
	for (int p = first; p <= last; p++) {
		struct answer *a = &ans[n++];
		memset(a, 0, sizeof(*a));
		a->proto = p;
		a->out = out;
		a->out_port = port;
		a->in_port = -1;
		const struct nat_rule *fwd = forward_of(out, port, p);
		if (fwd) {
			a->kind = K_FORWARD;
			a->rule = fwd;
			a->has_in = true;
			a->in = fwd->to;
			a->exact = true;
			if (p != NAT_ICMP)
				a->in_port = fwd->to_port_lo ? fwd->to_port_lo + (fwd->to_port_hi != fwd->to_port_lo
										  ? port - fwd->m.dport.lo : 0)
							     : port;
			continue;
		}
		/* a deterministic block, then a dynamic pool, in the postrouting chain's order */
		const struct nat_rule *det = NULL, *dyn = NULL, *other = NULL;
		uint32_t in = 0;
		for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST]; i++) {
			const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
			if (!pool_rule(r))
				continue;
			const struct nat_pool *pl = pool_of(r);
			uint32_t who;
			if (pl->det_on) {
				if (!nat_det_reverse(layout_of(pl), out, port, &who))
					continue;
				if (!det) {
					det = r;
					in = who;
				} else if (!other) {
					other = r;
				}
			} else if (pool_has_addr(pl, out) && dyn_port_ok(pl, p, port) && !dyn) {
				dyn = r;
			}
		}
		if (det && !other)
			other = dyn;   /* a dynamic pool on the same address and port: its mappings may take it */
		if (det) {
			const struct nat_pool *pl = pool_of(det);
			uint32_t o2;
			a->kind = K_DET;
			a->rule = det;
			a->has_in = true;
			a->in = in;
			nat_det_forward(layout_of(pl), in, &o2, &a->blk_lo, &a->blk_hi);
			a->has_block = true;
			a->exact = !other;
			if (other)
				snprintf(a->note, sizeof(a->note),
					 "but rule %s:%u also translates to this address and port, so a mapping of it may have "
					 "held the port instead: see its mapping log",
					 conf_file, other->line);
			continue;
		}
		if (dyn) {
			a->rule = dyn;
			describe_pool(dyn, desc, sizeof(desc));
			if (!log_fp) {
				a->kind = K_DYNAMIC;
				snprintf(a->note, sizeof(a->note),
					 "rule %s:%u is a dynamic pool (%s): its mappings are made at run time and are not "
					 "in the config; turn on 'nat { log on }' and give its mapping lines with --log FILE",
					 conf_file, dyn->line, desc);
				continue;
			}
			if (hold[p].held) {
				const struct log_entry *e = &hold[p].map;
				a->kind = K_LOG;
				a->has_in = true;
				a->in = e->in;
				a->in_port = e->in_port;
				a->has_mapped = e->timed;
				a->mapped_ms = e->ms;
				a->log_line = e->line;
				continue;
			}
			a->kind = K_NONE;
			snprintf(a->note, sizeof(a->note), "no mapping of the dynamic pool of rule %s:%u held it %s%s%s",
				 conf_file, dyn->line, have_at ? "at " : "at the end of ",
				 have_at ? iso(at_ms, (char[40]){ 0 }) : log_file, have_at ? " by its log" : "");
			continue;
		}
		/* nobody: say why */
		a->kind = K_NONE;
		a->exact = true;
		for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST] && !a->note[0]; i++) {
			const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
			if (!pool_rule(r) || !pool_has_addr(pool_of(r), out))
				continue;
			const struct nat_pool *pl = pool_of(r);
			a->rule = r;
			if (pl->det_on) {
				const struct nat_det *d = &pl->det;
				if (port < d->port_lo || port > d->port_hi)
					snprintf(a->note, sizeof(a->note),
						 "rule %s:%u cuts its blocks from ports %u-%u of %s; %u is not one of them", conf_file,
						 r->line, d->port_lo, d->port_hi, ip_str(out, o), port);
				else
					snprintf(a->note, sizeof(a->note),
						 "rule %s:%u gives %u inside hosts a block of %u ports each, %u blocks to an "
						 "address; port %u of %s is in none of them",
						 conf_file, r->line, d->host_last + 1, d->block, d->hosts_per_addr, port,
						 ip_str(out, o));
			} else {
				snprintf(a->note, sizeof(a->note), "rule %s:%u translates to ports %u-%u of %s; %u is not one of them",
					 conf_file, r->line, pl->port_lo, pl->port_hi, ip_str(out, o), port);
			}
		}
		if (!a->note[0])
			snprintf(a->note, sizeof(a->note), "%s is an outside address of no snat or masquerade rule in %s",
				 ip_str(out, o), conf_file);
	}
	exit(report(ans, n, only_proto < 0));
}

/* ---- inside -> outside ------------------------------------------------------------------ */

static struct answer *ans_add(struct answer **ans, unsigned *n, unsigned *cap)
{
	if (*n == *cap && !(*ans = realloc(*ans, (*cap = *cap ? 2 * *cap : 16) * sizeof(**ans))))
		die("out of memory");
	struct answer *a = &(*ans)[(*n)++];
	memset(a, 0, sizeof(*a));
	return a;
}

static void lookup_inside(uint32_t in, int only_proto)
{
	struct answer *ans = NULL;
	unsigned n = 0, cap = 0;
	char desc[200], i4[16];
	const struct nat_rule *dyn = NULL;
	for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST]; i++) {
		const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
		if (!pool_rule(r) || !addr_match(&r->m.saddr, in))
			continue;
		const struct nat_pool *pl = pool_of(r);
		if (pl->det_on) {
			uint32_t out;
			uint16_t lo, hi;
			if (!nat_det_forward(layout_of(pl), in, &out, &lo, &hi))
				continue;
			struct answer *a = ans_add(&ans, &n, &cap);
			a->kind = K_DET;
			a->proto = only_proto;
			a->has_in = true;
			a->in = in;
			a->in_port = -1;
			a->out = out;
			a->out_port = -1;
			a->rule = r;
			a->has_block = true;
			a->blk_lo = lo;
			a->blk_hi = hi;
			a->exact = true;
			continue;
		}
		if (!dyn)
			dyn = r;
		if (!log_fp) {
			struct answer *a = ans_add(&ans, &n, &cap);
			describe_pool(r, desc, sizeof(desc));
			a->kind = K_DYNAMIC;
			a->proto = only_proto;
			a->has_in = true;
			a->in = in;
			a->in_port = -1;
			a->out_port = -1;
			a->rule = r;
			snprintf(a->note, sizeof(a->note),
				 "rule %s:%u is a dynamic pool (%s): the host's outside address (one for all its mappings) "
				 "and ports are chosen at run time; turn on 'nat { log on }' and give its mapping lines "
				 "with --log FILE",
				 conf_file, r->line, desc);
		}
	}
	if (dyn && log_fp) {
		/* the host's mappings at the time: each one's last map with no unmap since */
		struct log_entry *held = NULL, e;
		unsigned nh = 0, caph = 0;
		while (log_next(&e, have_at)) {
			if (e.in != in || (only_proto >= 0 && e.proto != only_proto) || (have_at && e.ms > at_ms))
				continue;
			unsigned k = 0;
			while (k < nh && !(held[k].proto == e.proto && held[k].out == e.out && held[k].out_port == e.out_port))
				k++;
			if (e.map) {
				if (k == nh) {
					if (nh == caph && !(held = realloc(held, (caph = caph ? 2 * caph : 64) * sizeof(*held))))
						die("out of memory");
					nh++;
				}
				held[k] = e;
			} else if (k < nh && held[k].in_port == e.in_port) {
				memmove(&held[k], &held[k + 1], (nh - k - 1) * sizeof(*held));
				nh--;
			}
		}
		for (unsigned k = 0; k < nh; k++) {
			struct answer *a = ans_add(&ans, &n, &cap);
			a->kind = K_LOG;
			a->proto = held[k].proto;
			a->has_in = true;
			a->in = in;
			a->in_port = held[k].in_port;
			a->out = held[k].out;
			a->out_port = held[k].out_port;
			a->has_mapped = held[k].timed;
			a->mapped_ms = held[k].ms;
			a->log_line = held[k].line;
			a->rule = dyn;
			for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST]; i++) {
				const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
				if (pool_rule(r) && !pool_of(r)->det_on && pool_has_addr(pool_of(r), held[k].out) &&
				    addr_match(&r->m.saddr, in)) {
					a->rule = r;
					break;
				}
			}
		}
		if (!nh) {
			struct answer *a = ans_add(&ans, &n, &cap);
			a->kind = K_NONE;
			a->proto = only_proto;
			a->has_in = true;
			a->in = in;
			a->in_port = -1;
			a->out_port = -1;
			a->rule = dyn;
			snprintf(a->note, sizeof(a->note), "no mapping of the dynamic pool of rule %s:%u %s%s%s", conf_file,
				 dyn->line, have_at ? "at " : "at the end of ", have_at ? iso(at_ms, (char[40]){ 0 }) : log_file,
				 have_at ? " by its log" : "");
		}
		free(held);
	}
	if (n == 0) {
		struct answer *a = ans_add(&ans, &n, &cap);
		a->kind = K_NONE;
		a->proto = only_proto;
		a->has_in = true;
		a->in = in;
		a->in_port = -1;
		a->out_port = -1;
		a->exact = true;
		snprintf(a->note, sizeof(a->note), "no snat or masquerade rule in %s translates %s", conf_file,
			 ip_str(in, i4));
	}
	int rc = report(ans, n, false);
	free(ans);
	exit(rc);
}

int main(int argc, char **argv)
{
	const char *config = NULL, *target = NULL, *inside = NULL, *at = NULL, *proto = NULL, *log = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--json")) {
			json = true;
			continue;
		}
		const char **slot = !strcmp(a, "--config") ? &config
				    : !strcmp(a, "--at")     ? &at
				    : !strcmp(a, "--proto")  ? &proto
				    : !strcmp(a, "--log")    ? &log
				    : !strcmp(a, "--inside") ? &inside
							     : NULL;
		if (slot) {
			if (i + 1 >= argc)
				die("%s needs a value (see --help)", a);
			if (*slot)
				die("%s given twice", a);
			*slot = argv[++i];
			continue;
		}
		if (a[0] == '-' && a[1])
			die("unknown option '%s' (see --help)", a);
		if (target)
			die("unexpected argument '%s': one ADDRESS:PORT", a);
		target = a;
	}
	if (!config)
		die("which config? --config FILE (the appliance's, as it was in force at the time)");
	if (!target && !inside)
		die("what to look up? an outside ADDRESS:PORT, or --inside ADDRESS");
	if (target && inside)
		die("an outside ADDRESS:PORT or --inside ADDRESS, not both");
	int only_proto = -1;
	if (proto) {
		for (int k = 0; k < NAT_PROTO__COUNT; k++)
			if (!strcmp(proto, proto_name[k]))
				only_proto = k;
		if (only_proto < 0)
			die("--proto: expected tcp, udp or icmp, got '%s'", proto);
	}
	if (at) {
		if (!parse_time(at, strlen(at), &at_ms))
			die("--at: expected an ISO 8601 time (2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00, "
			    "2024-05-01) or epoch seconds (1714564800), got '%s'",
			    at);
		have_at = true;
	}
	uint32_t addr;
	uint16_t port = 0;
	if (target && !parse_endpoint(target, strlen(target), &addr, &port))
		die("expected an outside IPv4 ADDRESS:PORT (192.0.2.7:40123), got '%s'", target);
	if (inside && !parse_ip(inside, strlen(inside), &addr))
		die("--inside: expected an IPv4 address (10.0.0.7), got '%s'", inside);
	conf_file = config;
	load_config(config);
	if (log)
		log_open(log);
	if (target)
		lookup_outside(addr, port, only_proto);
	by_inside = true;
	lookup_inside(addr, only_proto);
	return 0;
}
