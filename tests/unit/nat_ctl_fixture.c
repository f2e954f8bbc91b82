/* nat_ctl_fixture.c - unit-nat-ctl's harness (nat_ctl_fixture.h): the config, the
 * repository's files, the JSON reader, the app on a pipeline, commands, shows and commits. */
#include "nat_ctl_fixture.h"
#include "pktbuild.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char conf[] =
	"# a NAT between a lan and a wan\n"
	"interface lan { address 10.0.0.1/24; mac 02:00:00:00:01:00 }\n"
	"interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }\n"
	"route 0.0.0.0/0 via 192.0.2.1\n"
	"neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n"
	"neighbor 10.0.0.10 lladdr 02:00:00:00:00:10 dev lan\n"
	"neighbor 10.0.0.20 lladdr 02:00:00:00:00:20 dev lan\n"
	"nat { filtering address-dependent; host-limit 0 }\n"
	"chain prerouting {\n"
	"    ip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80   # the web server\n"
	"}\n"
	"chain postrouting {\n"
	"    oif wan ip saddr 10.0.0.0/24 masquerade\n"
	"}\n";

static const uint8_t lan_mac[6] = { 2, 0, 0, 0, 1, 0 }, wan_mac[6] = { 2, 0, 0, 0, 2, 0 };

/* A formatted string, valid for the next 7 calls. */
const char *fmt(const char *f, ...)
{
	static char bufs[8][1024];
	static unsigned k;
	char *b = bufs[k++ % 8];
	va_list ap;
	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
}

char *read_src(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", SLUICE_SRC, rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	char *s = malloc(1 << 16);
	size_t n = fread(s, 1, (1 << 16) - 1, f);
	s[n] = 0;
	fclose(f);
	return s;
}

/* ---- a tiny JSON reader: is it one JSON value, and nothing else? --------------------- */

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return p + 1;
}

static const char *js_number(const char *p)
{
	const char *s = p;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static const char *js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				if (!(p = js_string(js_ws(p))))
					return NULL;
				p = js_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = js_value(p, depth + 1)))
				return NULL;
			p = js_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	return js_number(p);
}

bool json_ok(const char *s)
{
	const char *p = s ? js_value(s, 0) : NULL;
	return p && !*js_ws(p);
}

/* ---- the app on a pipeline --------------------------------------------------------------- */

static struct pkt_pool *pool;
static struct pkt_pipeline ppl;
struct pkt_worker worker;
static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 }, mac1[6] = { 2, 0, 0, 0, 0, 2 };

struct nat_app *nat_up(const char *text)
{
	pool = pkt_pool_create("natctl", 256);
	ck_assert_ptr_nonnull(pool);
	ppl = (struct pkt_pipeline){ .n_ports = 2, .port_names = { "lan", "wan" } };
	struct app_env env = { .opts = "", .config = text, .config_len = strlen(text), .config_name = "boot.conf",
			       .pool = pool, .port_mac = { mac0, mac1 } };
	void *state = NULL;
	char err[300];
	ck_assert_msg(app_nat.setup(&ppl, &state, &env, err, sizeof(err)) == 0, "%s", err);
	pkt_worker_init(&worker, &ppl);
	struct nat_app *a = state;
	ck_assert_ptr_nonnull(a->doc);
	ck_assert_ptr_eq(app_nat.ctl, &nata_ctl_ns);
	ck_assert_ptr_eq(app_nat.metrics, nata_metrics);
	return a;
}

void nat_down(struct nat_app *a)
{
	app_nat.teardown(a);
	pkt_pool_destroy(pool);
}

static void ip(const char *s, uint8_t a[4])
{
	unsigned x[4];
	ck_assert_int_eq(sscanf(s, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]), 4);
	for (int i = 0; i < 4; i++)
		a[i] = (uint8_t)x[i];
}

/* One IPv4 packet into port (to its interface's MAC): proto 6 (a SYN), 17 or 1 (an echo
 * request, sport its identifier), at now_ms. */
struct out send_at(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   uint64_t now_ms)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	memcpy(f.b, port ? wan_mac : lan_mac, 6);
	pb_ip4(&f, proto, 0, NULL, 0);
	ip(src, f.b + f.l3 + 12);
	ip(dst, f.b + f.l3 + 16);
	if (proto == 6) {
		pb_tcp(&f, sport, dport, NULL, 0);
		f.b[f.l4 + 13] = 0x02;
	} else if (proto == 17) {
		pb_udp(&f, sport, dport);
		pb_payload(&f, 18);
	} else {
		pb_icmp(&f, 1, 8, 0, sport);
		pb_payload(&f, 18);
	}
	pb_done(&f);
	pb_pad(&f, 60);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	p->port = port;
	worker.now_ms = now_ms;
	pkt_pipe_run(&worker, &p, 1);
	struct out o = { .port = -1 };
	for (unsigned q = 0; q < 2; q++) {
		if (worker.txq[q].n == 1 && o.port < 0) {
			const uint8_t *d = worker.txq[q].pkts[0]->data + 14, *l4 = d + (d[0] & 15) * 4;
			o.port = (int)q;
			snprintf(o.src, sizeof(o.src), "%u.%u.%u.%u", d[12], d[13], d[14], d[15]);
			snprintf(o.dst, sizeof(o.dst), "%u.%u.%u.%u", d[16], d[17], d[18], d[19]);
			o.sport = (uint16_t)(l4[0] << 8 | l4[1]);
			o.dport = (uint16_t)(l4[2] << 8 | l4[3]);
			if (d[9] == 1)
				o.sport = (uint16_t)(l4[4] << 8 | l4[5]);
		}
		pkt_free_burst(worker.txq[q].pkts, worker.txq[q].n);
		worker.txq[q].n = 0;
	}
	return o;
}

struct out send_(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	return send_at(port, proto, src, sport, dst, dport, 1000);
}

/* ---- commands, shows and commits as a session makes them ------------------------------- */

static char *last_body;

/* s begins with prefix. */
bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* line, a session's line lineno ("nat add rule ...", "--json nat ..."), applied to txn. */
int cmd(void *txn, unsigned lineno, const char *line, struct ctl_out *o)
{
	static char words[CTL_LINE_MAX];
	static char *argv[CTL_ARGS_MAX];
	static unsigned col[CTL_ARGS_MAX];
	free(last_body);
	last_body = NULL;
	size_t n = strlen(line);
	memcpy(words, line, n + 1);
	int argc = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && words[i] == ' ')
			i++;
		if (i >= n)
			break;
		argv[argc] = words + i;
		col[argc++] = (unsigned)i + 1;
		for (bool q = false; i < n && (q || words[i] != ' '); i++)
			q ^= words[i] == '"';
		words[i++] = 0;
	}
	*o = (struct ctl_out){ 0 };
	int skip = 1;
	if (!strcmp(argv[0], "--json")) {
		o->json = true;
		skip = 2;
	}
	ck_assert_str_eq(argv[skip - 1], "nat");
	struct ctl_args a = { argc - skip, argv + skip, col + skip, line, lineno };
	struct ctl_where w = { "ctl", lineno };
	int rc = nata_ctl_ns.txn_cmd(txn, &a, &w, o);
	last_body = o->body;
	ck_assert(rc == 0 ? !o->error : o->error);
	return rc;
}

/* "show LINE" as the session gives it to the namespace (without "show"). */
int show(struct nat_app *a, const char *line, bool json, struct ctl_out *o)
{
	static char words[1024];
	static char *argv[64];
	static unsigned col[64];
	free(last_body);
	snprintf(words, sizeof(words), "%s", line);
	int argc = 0;
	for (char *p = strtok(words, " "); p; p = strtok(NULL, " ")) {
		col[argc] = (unsigned)(p - words) + 6;   /* as the session's "show " line has it */
		argv[argc++] = p;
	}
	*o = (struct ctl_out){ .json = json };
	struct ctl_args args = { argc, argv, col, line, 1 };
	int rc = nata_ctl_ns.show(a, &args, o);
	last_body = o->body;
	ck_assert(rc == 0 ? !o->error : o->error);
	if (json && !rc)
		ck_assert_msg(json_ok(o->body), "show %s: not JSON:\n%s", line, o->body);
	return rc;
}

struct natd_doc *txn_doc(void *txn)
{
	return ((struct natc_txn *)txn)->doc;
}

const char *render(void *txn)
{
	const char *text;
	size_t len;
	ck_assert_int_eq(nata_ctl_ns.txn_render(txn, "ctl", &text, &len), 0);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

const char *render_doc(const struct natd_doc *d)
{
	static struct natd_text t;
	ck_assert_int_eq(natd_render(d, &t), 0);
	return t.s;
}

/* Renders, reloads and adopts txn as a session's commit: 0, or -1 with "WHERE: why". */
int commit(struct nat_app *a, void *txn, char *err, size_t len)
{
	const char *text = render(txn);
	char why[300];
	if (app_nat.reload(a, "ctl:1", text, strlen(text), why, sizeof(why)) == 0) {
		nata_ctl_ns.txn_adopt(a, txn);
		return 0;
	}
	unsigned line = 0, col = 0;
	int at = 0;
	if (sscanf(why, "ctl:1:%u:%u: %n", &line, &col, &at) == 2 && at) {
		char where[160];
		nata_ctl_ns.txn_where(txn, line, col, where, sizeof(where));
		snprintf(err, len, "%s: %s", where, why + at);
	} else {
		snprintf(err, len, "%s", why);
	}
	nata_ctl_ns.txn_free(txn);
	return -1;
}

void commit_ok(struct nat_app *a, void *txn)
{
	char err[400];
	ck_assert_msg(commit(a, txn, err, sizeof(err)) == 0, "%s", err);
}

unsigned long long handle(const struct natd_doc *d, unsigned hook, unsigned i)
{
	return (unsigned long long)d->chain[hook].rules[i].handle;
}
