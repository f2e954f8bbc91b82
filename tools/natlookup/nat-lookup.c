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
 *
 * This file reads: the arguments, times, addresses, the config and the mapping log;
 * nat_lookup_answer.c answers (a deterministic block, a port forward, the log's mappings),
 * nat_lookup_output.c prints the answers as text or JSON (nat_lookup.h between them).
 */
#include "nat_lookup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const proto_name[NAT_PROTO__COUNT] = { "tcp", "udp", "icmp" };

const char *conf_file;                  /* as given: rules are named FILE:LINE */
struct fw_config *fc;
struct nat_config *nc;

/* the options */
bool json;
bool by_inside;                         /* --inside: answers name the inside host first */
bool have_at;
int64_t at_ms;

void die(const char *fmt, ...)
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

/* ---- addresses -------------------------------------------------------------------------- */

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

/* ---- the mapping log -------------------------------------------------------------------- */

const char *log_file;
FILE *log_fp;
static unsigned log_line;

/* The next "nat: map" / "nat: unmap" line of the log (others are skipped); false at its
 * end. A malformed one, or one with no time when times are needed, stops with status 2. */
bool log_next(struct log_entry *e, bool need_time)
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
