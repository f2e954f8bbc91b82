/* The nat appliance's control namespace (apps/nat/nat_ctl*.c) and metrics (nat_metrics.c):
 * the document of a config renders to text that parses to the same config; every command
 * and its errors at their columns; commits and loads that traffic follows; handles and hit
 * counts across commits; where a rendered line came from; the shows as text and as JSON
 * (checked by a JSON reader); their limits and the answer's cap; a whole session over the
 * real app; the metrics page, chunked and whole, and promtool's word on it when installed. */
#include "check_run.h"
#include "ctl.h"
#include "metrics.h"
#include "nat/nat_app.h"
#include "nat/nat_ctl_int.h"
#include "pktbuild.h"

#include <check.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct app_def app_nat;

static const char conf[] =
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
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
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

static char *read_src(const char *rel)
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

static bool json_ok(const char *s)
{
	const char *p = s ? js_value(s, 0) : NULL;
	return p && !*js_ws(p);
}

START_TEST(json_reader_reads_json)
{
	ck_assert(json_ok("{\"a\":[1,-2.5,true,null,\"x\\u000a\"],\"b\":{}}\n"));
	ck_assert(!json_ok("{\"a\":[1,]}"));
	ck_assert(!json_ok("{\"a\":1}{"));
	ck_assert(!json_ok("{\"a\" 1}"));
	ck_assert(!json_ok("[\"a\nb\"]"));
}
END_TEST

/* ---- the app on a pipeline --------------------------------------------------------------- */

static struct pkt_pool *pool;
static struct pkt_pipeline ppl;
static struct pkt_worker worker;
static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 }, mac1[6] = { 2, 0, 0, 0, 0, 2 };

static struct nat_app *nat_up(const char *text)
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

static void nat_down(struct nat_app *a)
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

/* What left the appliance: its port (-1: nothing) and its addresses and ports. */
struct out {
	int port;
	char src[16], dst[16];
	uint16_t sport, dport;
};

/* One IPv4 packet into port (to its interface's MAC): proto 6 (a SYN), 17 or 1 (an echo
 * request, sport its identifier), at now_ms. */
static struct out send_at(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
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

static struct out send_(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	return send_at(port, proto, src, sport, dst, dport, 1000);
}

/* ---- commands, shows and commits as a session makes them ------------------------------- */

static char *last_body;

/* s begins with prefix. */
static bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* line, a session's line lineno ("nat add rule ...", "--json nat ..."), applied to txn. */
static int cmd(void *txn, unsigned lineno, const char *line, struct ctl_out *o)
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
static int show(struct nat_app *a, const char *line, bool json, struct ctl_out *o)
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

static struct natd_doc *txn_doc(void *txn)
{
	return ((struct natc_txn *)txn)->doc;
}

static const char *render(void *txn)
{
	const char *text;
	size_t len;
	ck_assert_int_eq(nata_ctl_ns.txn_render(txn, "ctl", &text, &len), 0);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

static const char *render_doc(const struct natd_doc *d)
{
	static struct natd_text t;
	ck_assert_int_eq(natd_render(d, &t), 0);
	return t.s;
}

/* Renders, reloads and adopts txn as a session's commit: 0, or -1 with "WHERE: why". */
static int commit(struct nat_app *a, void *txn, char *err, size_t len)
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

static void commit_ok(struct nat_app *a, void *txn)
{
	char err[400];
	ck_assert_msg(commit(a, txn, err, sizeof(err)) == 0, "%s", err);
}

static unsigned long long handle(const struct natd_doc *d, unsigned hook, unsigned i)
{
	return (unsigned long long)d->chain[hook].rules[i].handle;
}

/* ---- documents against the parser ------------------------------------------------------- */

struct parsed {
	struct fw_config fw;
	struct nat_config nat;
};

static void parse(const char *text, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	nat_config_init(&p->nat);
	struct cf_ext ext[2];
	fw_config_ext(&p->fw, &ext[0]);
	nat_config_ext(&p->nat, &ext[1]);
	struct cf_err fe = { "" };
	ck_assert_msg(cf_parse(&p->fw.cf, ext, 2, "t", text, strlen(text), &fe) == 0, "%s\n%s", fe.msg, text);
}

static void same(const struct parsed *a, const struct parsed *b, const char *what)
{
	ck_assert_uint_eq(a->fw.cf.n_iface, b->fw.cf.n_iface);
	ck_assert_uint_eq(a->fw.cf.n_route, b->fw.cf.n_route);
	ck_assert_uint_eq(a->fw.cf.n_set, b->fw.cf.n_set);
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
		ck_assert_uint_eq(a->fw.chain[h].n_rules, b->fw.chain[h].n_rules);
	const struct nat_config *x = &a->nat, *y = &b->nat;
	ck_assert_msg(x->filter == y->filter && x->host_limit == y->host_limit && x->port_lo == y->port_lo, "%s", what);
	ck_assert_uint_eq(x->n_pool, y->n_pool);
	for (unsigned h = 0; h < NAT_HOOK__COUNT; h++) {
		ck_assert_msg(x->chain_declared[h] == y->chain_declared[h], "%s", what);
		ck_assert_uint_eq(x->n_rule[h], y->n_rule[h]);
		for (unsigned i = 0; i < x->n_rule[h]; i++) {
			struct nat_rule r = x->rule[h][i], s = y->rule[h][i];
			r.line = s.line = r.col = s.col = 0;
			ck_assert_msg(!memcmp(&r.m, &s.m, sizeof(r.m)) && r.action == s.action && r.pool == s.pool &&
				      r.to == s.to && r.to_port_lo == s.to_port_lo, "%s: rule %u of chain %u differs", what, i, h);
		}
	}
	for (unsigned i = 0; i < x->n_pool; i++)
		ck_assert_msg(!memcmp(&x->pool[i], &y->pool[i], sizeof(x->pool[i])), "%s: pool %u differs", what, i);
}

/* Chains on one line, ';' between rules, a chain after a statement on its line, the
 * firewall's chains, comments, a set. */
static const char tricky[] =
	"interface lan { address 10.0.0.1/24 } # the lan\n"
	"interface wan { address 192.0.2.2/24\n  address 192.0.2.3/24 }\n"
	"set inside ipv4 { 10.0.0.0/25, 10.0.0.128/25 }\n"
	"nat { ports 2000-60000 }; chain prerouting { iif wan tcp dport 22 dnat to 10.0.0.5; iif wan udp dport 53 accept } # pre\n"
	"chain forward policy accept {\n  ct state established accept\n  tcp dport 23 drop\n}\n"
	"\n"
	"chain postrouting {\n\n  oif wan ip saddr @inside snat to 192.0.2.3 # the pool\n"
	"  oif wan ip saddr 10.9.0.0/16 masquerade to :3000-4000\n"
	"}; route 0.0.0.0/0 via 192.0.2.1\n"
	"chain input { accept }";

START_TEST(documents_render_to_the_same_config)
{
	const char *texts[] = { conf, tricky, read_src("tests/replay/cases/nat-masquerade/rules.conf"),
				read_src("tests/replay/cases/nat-timeouts/rules.conf") };
	static struct parsed a, b;
	for (unsigned i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char err[300];
		struct natd_doc *d = natd_build("t.conf", texts[i], strlen(texts[i]), err, sizeof(err));
		ck_assert_msg(d != NULL, "%s", err);
		char *r = strdup(render_doc(d));
		parse(texts[i], &a);
		parse(r, &b);
		same(&a, &b, fmt("%s\nrendered as:\n%s", texts[i], r));
		fw_config_free(&a.fw);
		fw_config_free(&b.fw);
		/* read again, or copied, it renders the same */
		struct natd_doc *d2 = natd_build("r.conf", r, strlen(r), err, sizeof(err)), *c = natd_copy(d);
		ck_assert_str_eq(render_doc(d2), r);
		ck_assert_str_eq(render_doc(c), r);
		natd_free(d);
		natd_free(d2);
		natd_free(c);
		free(r);
	}
	free((char *)texts[2]);
	free((char *)texts[3]);
	/* the tricky one in detail: rules as their tokens, the rest as it was */
	struct natd_doc *d = natd_build("t.conf", tricky, strlen(tricky), NULL, 0);
	ck_assert_uint_eq(d->chain[NAT_HOOK_PRE].n, 2);
	ck_assert_str_eq(d->chain[NAT_HOOK_PRE].rules[1].text, "iif wan udp dport 53 accept");
	ck_assert_str_eq(d->chain[NAT_HOOK_POST].rules[0].text, "oif wan ip saddr @inside snat to 192.0.2.3");
	ck_assert_str_eq(render_doc(d),
			 "interface lan { address 10.0.0.1/24 } # the lan\n"
			 "interface wan { address 192.0.2.2/24\n  address 192.0.2.3/24 }\n"
			 "set inside ipv4 { 10.0.0.0/25, 10.0.0.128/25 }\n"
			 "nat { ports 2000-60000 };\n"
			 "chain prerouting {\n\tiif wan tcp dport 22 dnat to 10.0.0.5\n\tiif wan udp dport 53 accept\n}\n"
			 "chain forward policy accept {\n  ct state established accept\n  tcp dport 23 drop\n}\n"
			 "\n"
			 "chain postrouting {\n\toif wan ip saddr @inside snat to 192.0.2.3\n"
			 "\toif wan ip saddr 10.9.0.0/16 masquerade to :3000-4000\n}\n"
			 "route 0.0.0.0/0 via 192.0.2.1\n"
			 "chain input { accept }\n");
	ck_assert_uint_lt(handle(d, NAT_HOOK_PRE, 0), handle(d, NAT_HOOK_PRE, 1));
	/* the context of a rule: interfaces, sets (empty), the nat block; nothing else */
	struct natd_text t = { 0 };
	unsigned lines;
	ck_assert_int_eq(natd_context(d, NAT_HOOK_POST, &t, &lines), 0);
	ck_assert_str_eq(t.s, "interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24\n  address "
			      "192.0.2.3/24 }\nset inside ipv4 { }\nnat { ports 2000-60000 }\n");
	ck_assert_uint_eq(lines, 5);
	natd_text_free(&t);
	natd_free(d);
	/* a comment with a quote in it, a block before the chain */
	const char quoted[] = "# the lan masqueraded behind the wan's address\ninterface lan { address 10.0.0.1/24 }\n"
			      "nat { filtering address-dependent }\nchain postrouting {\n    oif lan masquerade\n}\n";
	d = natd_build("q.conf", quoted, strlen(quoted), NULL, 0);
	ck_assert(d->chain[NAT_HOOK_POST].declared);
	ck_assert_str_eq(render_doc(d), "# the lan masqueraded behind the wan's address\ninterface lan { address 10.0.0.1/24 }\n"
					"nat { filtering address-dependent }\nchain postrouting {\n\toif lan masquerade\n}\n");
	natd_free(d);
	/* what the reader refuses */
	char err[200];
	ck_assert_ptr_null(natd_build("b.conf", "chain prerouting { }\nchain prerouting { }\n", 42, err, sizeof(err)));
	ck_assert_str_eq(err, "b.conf:2:7: chain 'prerouting' is already declared");
	ck_assert_ptr_null(natd_build("b.conf", "chain postrouting {\n  oif wan", 29, err, sizeof(err)));
	ck_assert_str_eq(err, "b.conf:2:10: expected '}', got end of file");
}
END_TEST

/* ---- commands ----------------------------------------------------------------------------- */

START_TEST(rules_are_added_where_asked)
{
	struct nat_app *a = nat_up(conf);
	void *t = nata_ctl_ns.txn_begin(a);
	ck_assert_ptr_nonnull(t);
	struct ctl_out o;
	const struct natd_chain *pre = &txn_doc(t)->chain[NAT_HOOK_PRE];
	unsigned long long h0 = handle(a->doc, NAT_HOOK_PRE, 0);
	ck_assert_int_eq(cmd(t, 1, "nat add rule prerouting iif wan udp dport 5353 dnat to 10.0.0.20:53", &o), 0);
	unsigned long long h1 = handle(txn_doc(t), NAT_HOOK_PRE, 1);
	ck_assert_str_eq(o.status, fmt("handle %llu", h1));
	ck_assert_int_eq(cmd(t, 2, "--json nat insert rule prerouting iif wan tcp dport 22 dnat to 10.0.0.10", &o), 0);
	ck_assert_str_eq(o.body, fmt("{\"handle\":%llu}\n", handle(txn_doc(t), NAT_HOOK_PRE, 0)));
	ck_assert_int_eq(cmd(t, 3, fmt("nat add rule prerouting position %llu iif wan tcp dport 23 accept", h0), &o), 0);
	ck_assert_int_eq(cmd(t, 4, fmt("nat insert rule prerouting position %llu iif wan tcp dport 24 accept", h1), &o), 0);
	ck_assert_uint_eq(pre->n, 5);
	ck_assert_str_eq(pre->rules[0].text, "iif wan tcp dport 22 dnat to 10.0.0.10");
	ck_assert_str_eq(pre->rules[1].text, "ip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80");
	ck_assert_str_eq(pre->rules[2].text, "iif wan tcp dport 23 accept");
	ck_assert_str_eq(pre->rules[3].text, "iif wan tcp dport 24 accept");
	ck_assert_str_eq(pre->rules[4].text, "iif wan udp dport 5353 dnat to 10.0.0.20:53");
	ck_assert_uint_eq(pre->rules[1].handle, h0);
	unsigned long long h2 = handle(txn_doc(t), NAT_HOOK_PRE, 2);
	ck_assert_int_eq(cmd(t, 5, fmt("nat replace rule prerouting handle %llu iif wan tcp dport 25 accept", h2), &o), 0);
	ck_assert_str_eq(pre->rules[2].text, "iif wan tcp dport 25 accept");
	ck_assert_uint_gt(pre->rules[2].handle, h2);
	ck_assert_int_eq(cmd(t, 6, fmt("nat delete rule prerouting handle %llu", handle(txn_doc(t), NAT_HOOK_PRE, 3)), &o),
			 0);
	ck_assert_uint_eq(pre->n, 4);
	ck_assert_int_eq(cmd(t, 7, "nat flush chain postrouting", &o), 0);
	ck_assert_str_eq(o.status, "flushed 1 rule");
	ck_assert_int_eq(cmd(t, 8, "nat add rule postrouting oif wan ip saddr 10.0.0.0/25 masquerade ; # a comment", &o),
			 0);
	char sum[100];
	nata_ctl_ns.txn_summary(t, sum, sizeof(sum));
	ck_assert_str_eq(sum, "+6 rules -3 rules");
	ck_assert_str_eq(render(t),
			 "# a NAT between a lan and a wan\n"
			 "interface lan { address 10.0.0.1/24; mac 02:00:00:00:01:00 }\n"
			 "interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }\n"
			 "route 0.0.0.0/0 via 192.0.2.1\n"
			 "neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n"
			 "neighbor 10.0.0.10 lladdr 02:00:00:00:00:10 dev lan\n"
			 "neighbor 10.0.0.20 lladdr 02:00:00:00:00:20 dev lan\n"
			 "nat { filtering address-dependent; host-limit 0 }\n"
			 "chain prerouting {\n"
			 "\tiif wan tcp dport 22 dnat to 10.0.0.10\n"
			 "\tip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80\n"
			 "\tiif wan tcp dport 25 accept\n"
			 "\tiif wan udp dport 5353 dnat to 10.0.0.20:53\n"
			 "}\n"
			 "chain postrouting {\n"
			 "\toif wan ip saddr 10.0.0.0/25 masquerade\n"
			 "}\n");
	/* the running document is untouched until the commit; then it is the copy */
	ck_assert_uint_eq(a->doc->chain[NAT_HOOK_PRE].n, 1);
	commit_ok(a, t);
	ck_assert_uint_eq(a->doc->chain[NAT_HOOK_PRE].n, 4);
	ck_assert_uint_eq(handle(a->doc, NAT_HOOK_PRE, 1), h0);
	ck_assert_uint_eq(atomic_load(&a->active)->nat.n_rule[NAT_HOOK_PRE], 4);
	/* a chain the config does not declare is declared at the end */
	nat_down(a);
	a = nat_up("interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }\n");
	t = nata_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 1, "nat add rule postrouting oif wan masquerade", &o), 0);
	ck_assert_str_eq(render(t), "interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }\n"
				    "chain postrouting {\n\toif wan masquerade\n}\n");
	commit_ok(a, t);
	ck_assert_uint_eq(atomic_load(&a->active)->nat.n_pool, 1);
	nat_down(a);
}
END_TEST

START_TEST(commands_refused_at_their_column)
{
	struct nat_app *a = nat_up(conf);
	void *t = nata_ctl_ns.txn_begin(a);
	struct ctl_out o;
	static const struct { const char *line, *status; } bad[] = {
		{ "nat add rule sideways iif wan accept", "ctl:9:14: unknown chain 'sideways' (prerouting or postrouting)" },
		{ "nat add rule", "ctl:9:13: expected a chain: prerouting or postrouting" },
		{ "nat add rule prerouting", "ctl:9:24: expected a rule" },
		{ "nat add rule prerouting iif wan0 tcp dport 1 dnat to 10.0.0.2",
		  "ctl:9:29: no interface named 'wan0' (declare it before the chain)" },
		{ "nat add rule prerouting  oif wan accept",
		  "ctl:9:26: oif in chain prerouting: the way out is known only after routing" },
		{ "nat add rule postrouting ip saddr 10.0.0.0/24 masquerade",
		  "ctl:9:47: 'masquerade' needs the interface it translates for: put 'oif NAME' before it" },
		{ "nat add rule prerouting iif wan tcp dport 70000 accept",
		  "ctl:9:43: expected a port from 0 to 65535 or a range A-B, got '70000'" },
		{ "nat add rule prerouting iif wan ip saddr @nope accept",
		  "ctl:9:43: no set named 'nope' (declare it before the chain)" },
		{ "nat add rule prerouting iif wan snat to 1.2.3.4",
		  "ctl:9:33: 'snat' belongs in chain postrouting (the source is translated after routing)" },
		{ "nat add rule prerouting tcp dport 1 dnat to 10.0.0.2; udp dport 2 accept",
		  "ctl:9:55: one rule a command: nothing after its ';'" },
		{ "nat add rule prerouting ip daddr { 1.2.3.4 } accept",
		  "ctl:9:34: unexpected '{': a NAT rule has no braces (a set is named: ip saddr @SET)" },
		{ "nat add rule prerouting iif wan \"x accept", "ctl:9:33: string not closed before the end of the line" },
		{ "nat add rule prerouting position 99 accept", "ctl:9:34: no rule with handle 99 in chain prerouting" },
		{ "nat add rule prerouting position x accept", "ctl:9:34: expected a rule handle (a number), got 'x'" },
		{ "nat delete rule prerouting 3", "ctl:9:28: expected 'handle H' (the rule to delete)" },
		{ "nat delete rule prerouting handle 999", "ctl:9:35: no rule with handle 999 in chain prerouting" },
		{ "nat replace rule prerouting position 1 accept", "ctl:9:29: expected 'handle H' (the rule to replace)" },
		{ "nat flush chain postrouting now", "ctl:9:29: expected the end of the command, got 'now'" },
		{ "nat flush rules", "ctl:9:11: expected 'chain' after 'flush'" },
		{ "nat add element x { 1 }", "ctl:9:9: expected 'rule' after 'add', got 'element'" },
		{ "nat frobnicate", "ctl:9:5: expected add, insert, replace, delete or flush, got 'frobnicate'" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(cmd(t, 9, bad[i].line, &o) == -1, "%s was taken", bad[i].line);
		ck_assert_msg(!strncmp(o.status, bad[i].status, strlen(bad[i].status)), "%s:\n got  %s\n want %s", bad[i].line,
			      o.status, bad[i].status);
	}
	/* a chain not declared: delete and flush refuse, add declares it */
	nata_ctl_ns.txn_free(t);
	nat_down(a);
	a = nat_up("interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }\n");
	t = nata_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 2, "nat flush chain prerouting", &o), -1);
	ck_assert_str_eq(o.status, "ctl:2:17: chain 'prerouting' is not declared");
	/* nothing refused changed the copy */
	ck_assert_str_eq(render(t), "interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }\n");
	nata_ctl_ns.txn_free(t);
	nat_down(a);
}
END_TEST

/* ---- commits, loads, where, hits ------------------------------------------------------- */

START_TEST(commits_and_loads_that_traffic_follows)
{
	struct nat_app *a = nat_up(conf);
	/* the lan masqueraded; the port forward */
	struct out r = send_(0, 17, "10.0.0.10", 5000, "198.51.100.7", 53);
	ck_assert_int_eq(r.port, 1);
	ck_assert_str_eq(r.src, "192.0.2.2");
	ck_assert_uint_eq(r.sport, 5000);
	r = send_(1, 6, "198.51.100.7", 40000, "192.0.2.2", 8080);
	ck_assert_int_eq(r.port, 0);
	ck_assert_str_eq(r.dst, "10.0.0.20");
	ck_assert_uint_eq(r.dport, 80);
	/* no forward for udp 5353 yet */
	ck_assert_int_ne(send_(1, 17, "198.51.100.7", 7000, "192.0.2.2", 5353).port, 0);
	void *t = nata_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 1, "nat add rule prerouting iif wan udp dport 5353 dnat to 10.0.0.20:53", &o), 0);
	commit_ok(a, t);
	r = send_(1, 17, "198.51.100.7", 7001, "192.0.2.2", 5353);
	ck_assert_int_eq(r.port, 0);
	ck_assert_str_eq(r.dst, "10.0.0.20");
	ck_assert_uint_eq(r.dport, 53);
	/* the hit counts follow their rules across the commit: the port forward had 1 (and a
	 * delete moves it), the new rule counts from its first */
	unsigned long long fwd = handle(a->doc, NAT_HOOK_PRE, 0);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_PRE][0], 1);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_PRE][1], 1);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_POST][0], 1);
	t = nata_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 2, "nat insert rule prerouting iif wan tcp dport 1 accept", &o), 0);
	commit_ok(a, t);
	ck_assert_uint_eq(handle(a->doc, NAT_HOOK_PRE, 1), fwd);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_PRE][0], 0);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_PRE][1], 1);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_PRE][2], 1);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_POST][0], 1);
	/* the established connections keep their translation */
	r = send_(0, 17, "10.0.0.10", 5000, "198.51.100.7", 53);
	ck_assert_str_eq(r.src, "192.0.2.2");
	/* a load: a whole new text, new handles, counts from zero; the new forward works */
	const char *at = strstr(conf, "    ip daddr 192.0.2.2 tcp dport 8080");
	ck_assert_ptr_nonnull(at);
	char *big = strdup(fmt("%.*s    iif wan tcp dport 2222 dnat to 10.0.0.10:22\n%schain input { accept }\n",
			       (int)(at - conf), conf, at));
	char err[300];
	ck_assert_msg(app_nat.reload(a, "new.conf", big, strlen(big), err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(a->doc->chain[NAT_HOOK_PRE].n, 2);
	ck_assert_uint_gt(handle(a->doc, NAT_HOOK_PRE, 1), fwd);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_PRE][1], 0);
	ck_assert_str_eq(atomic_load(&a->active)->text, big);
	r = send_(1, 6, "198.51.100.8", 40001, "192.0.2.2", 2222);
	ck_assert_int_eq(r.port, 0);
	ck_assert_str_eq(r.dst, "10.0.0.10");
	ck_assert_uint_eq(r.dport, 22);
	ck_assert_uint_eq(a->nat.hits[NAT_HOOK_PRE][0], 1);
	free(big);
	nat_down(a);
}
END_TEST

/* The rendered line (1-based) that starts with s. */
static unsigned line_of(const char *text, const char *s)
{
	unsigned line = 1;
	for (const char *p = text; *p; p++) {
		if ((p == text || p[-1] == '\n') && !strncmp(p, s, strlen(s)))
			return line;
		line += *p == '\n';
	}
	ck_abort_msg("no line '%s' in:\n%s", s, text);
	return 0;
}

START_TEST(rendered_lines_map_back)
{
	struct nat_app *a = nat_up(conf);
	void *t = nata_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 3, "nat add rule postrouting  oif wan ip saddr 10.1.0.0/16 masquerade", &o), 0);
	const char *text = render(t);
	char w[160];
	struct { const char *line; unsigned col; const char *where; } cases[] = {
		{ "\toif wan ip saddr 10.1.0.0/16 masquerade", 10, "ctl:3:35" },
		{ "\tip daddr 192.0.2.2 tcp dport 8080", 6, fmt("rule handle %llu of chain prerouting", handle(a->doc, NAT_HOOK_PRE, 0)) },
		{ "interface wan", 11, "boot.conf:3:11" },
		{ "nat {", 7, "boot.conf:8:7" },
		{ "chain prerouting {", 1, "chain prerouting" },
		{ "}", 1, "chain prerouting" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nata_ctl_ns.txn_where(t, line_of(text, cases[i].line), cases[i].col, w, sizeof(w));
		ck_assert_msg(!strcmp(w, cases[i].where), "'%s' col %u: %s, want %s", cases[i].line, cases[i].col, w,
			      cases[i].where);
	}
	nata_ctl_ns.txn_where(t, 999, 1, w, sizeof(w));
	ck_assert_str_eq(w, "line 999 of the rendered config");
	nata_ctl_ns.txn_free(t);
	/* a chain that starts mid-line maps back past it */
	nat_down(a);
	a = nat_up("interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }; chain postrouting {\n"
		   "  oif wan masquerade }; route 0.0.0.0/0 via 192.0.2.1 # gw\nneighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n");
	t = nata_ctl_ns.txn_begin(a);
	text = render(t);
	nata_ctl_ns.txn_where(t, line_of(text, "route"), 7, w, sizeof(w));
	ck_assert_str_eq(w, "boot.conf:3:31");
	nata_ctl_ns.txn_where(t, line_of(text, "neighbor"), 1, w, sizeof(w));
	ck_assert_str_eq(w, "boot.conf:4:1");
	/* a refused reload of the copy, its message mapped back (the rule a command brought is
	 * checked at once, so break the copy behind the command's back) */
	ck_assert_int_eq(cmd(t, 7, "nat add rule postrouting   oif wan ip saddr 10.2.0.0/16 masquerade", &o), 0);
	struct natd_chain *post = &txn_doc(t)->chain[NAT_HOOK_POST];
	char *rule = post->rules[post->n - 1].text;
	memcpy(rule + 4, "xyz", 3);             /* "oif xyz ip saddr ..." */
	char err[300];
	ck_assert_int_eq(commit(a, t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ctl:7:32: no interface named 'xyz' (declare it before the chain)");
	ck_assert_uint_eq(a->doc->chain[NAT_HOOK_POST].n, 1);
	ck_assert_ptr_null(a->ctl_txn);
	nat_down(a);
}
END_TEST

/* ---- shows ------------------------------------------------------------------------------- */

START_TEST(shows_as_text_and_json)
{
	struct nat_app *a = nat_up(conf);
	struct ctl_out o;
	ck_assert_int_eq(show(a, "nat sessions", false, &o), 0);
	ck_assert_str_eq(o.body, "0 sessions, 0 shown\n");
	ck_assert_int_eq(show(a, "nat sessions", true, &o), 0);
	ck_assert_str_eq(o.body, "{\"sessions\":[],\"total\":0,\"shown\":0}\n");
	/* a masqueraded UDP flow, a port forward, a hairpin, a ping, and one untranslated */
	ck_assert_int_eq(send_at(0, 17, "10.0.0.10", 5000, "198.51.100.7", 53, 1000).port, 1);
	ck_assert_int_eq(send_at(1, 6, "198.51.100.7", 40000, "192.0.2.2", 8080, 1000).port, 0);
	ck_assert_int_eq(send_at(0, 6, "10.0.0.10", 41000, "192.0.2.2", 8080, 1000).port, 0);
	ck_assert_int_eq(send_at(0, 1, "10.0.0.10", 77, "198.51.100.7", 0, 1000).port, 1);
	ck_assert_int_eq(send_at(0, 17, "10.0.0.10", 6000, "10.0.0.20", 53, 1000).port, 0);
	app_nat.tick(a, &worker, 1000);
	ck_assert_int_eq(show(a, "nat sessions", false, &o), 0);
	ck_assert_str_eq(o.status, "4 sessions");
	const char *lines[] = {
		"udp udp inside 10.0.0.10:5000 outside 192.0.2.2:5000 remote 198.51.100.7:53 snat [UNREPLIED] expires in 300s\n",
		"tcp syn_sent inside 198.51.100.7:40000 outside 198.51.100.7:40000 remote 192.0.2.2:8080 -> 10.0.0.20:80 dnat "
		"[UNREPLIED] expires in 240s\n",
		"tcp syn_sent inside 10.0.0.10:41000 outside 192.0.2.2:41000 remote 192.0.2.2:8080 -> 10.0.0.20:80 both "
		"[UNREPLIED] expires in 240s\n",
		"icmp icmp inside 10.0.0.10:77 outside 192.0.2.2:77 remote 198.51.100.7 snat [UNREPLIED] expires in 60s\n",
		"4 sessions, 4 shown\n",
	};
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(strstr(o.body, lines[i]), "no line\n%s in\n%s", lines[i], o.body);
	ck_assert_int_eq(show(a, "nat sessions", true, &o), 0);
	ck_assert_msg(strstr(o.body, "{\"proto\":\"udp\",\"kind\":\"snat\",\"inside\":\"10.0.0.10:5000\",\"outside\":"
				     "\"192.0.2.2:5000\",\"remote\":\"198.51.100.7:53\",\"translated_remote\":\"198.51.100.7:53\","
				     "\"state\":\"udp\",\"seen_reply\":false,\"assured\":false,\"expires_in\":300}"), "%s", o.body);
	ck_assert_msg(strstr(o.body, "{\"proto\":\"tcp\",\"kind\":\"dnat\",\"inside\":\"198.51.100.7:40000\",\"outside\":"
				     "\"198.51.100.7:40000\",\"remote\":\"192.0.2.2:8080\",\"translated_remote\":\"10.0.0.20:80\","
				     "\"state\":\"syn_sent\",\"seen_reply\":false,\"assured\":false,\"expires_in\":240}"), "%s", o.body);
	ck_assert_msg(strstr(o.body, "],\"total\":4,\"shown\":4}\n"), "%s", o.body);
	/* limits */
	ck_assert_int_eq(show(a, "nat sessions limit 1", true, &o), 0);
	ck_assert_msg(strstr(o.body, "],\"total\":4,\"shown\":1}\n"), "%s", o.body);
	ck_assert_int_eq(show(a, "nat sessions limit 0", false, &o), 0);
	ck_assert_str_eq(o.body, "4 sessions, 0 shown\n");
	ck_assert_int_eq(show(a, "nat sessions limit x", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:19: expected 'limit N' (at most 1000000 sessions), got 'limit x'");
	ck_assert_int_eq(show(a, "nat sessions limit 1000001", false, &o), -1);
	ck_assert_int_eq(show(a, "nat sessions limit 1 more", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:19: expected 'limit N' (at most 1000000 sessions), got 'limit 1'");
	/* mappings: the UDP flow's, the hairpin's and the ping's */
	ck_assert_int_eq(show(a, "nat mappings", false, &o), 0);
	ck_assert_msg(strstr(o.body, "udp inside 10.0.0.10:5000 outside 192.0.2.2:5000 pool 0 sessions 1 age 0s\n") &&
			      strstr(o.body, "icmp inside 10.0.0.10:77 outside 192.0.2.2:77 pool 0 sessions 1 age 0s\n") &&
			      strstr(o.body, "\n3 mappings, 3 shown\n"), "%s", o.body);
	app_nat.tick(a, &worker, 4000);
	ck_assert_int_eq(show(a, "nat mappings limit 2", true, &o), 0);
	ck_assert_msg(strstr(o.body, "\"inside\":\"10.0.0.10:5000\",\"outside\":\"192.0.2.2:5000\",\"pool\":0,\"sessions\":1,"
				     "\"age\":3}") && strstr(o.body, "],\"total\":3,\"shown\":2}\n"), "%s", o.body);
	/* counters */
	ck_assert_int_eq(show(a, "nat counters", false, &o), 0);
	ck_assert_msg(strstr(o.body, "connections: 3 snat, 2 dnat, 0 inbound, 1 hairpinned, 0 released\n") &&
			      strstr(o.body, "mappings: 3 now, 1 inside hosts; 3 made, 0 freed, 3 sessions opened\n") &&
			      strstr(o.body, "dropped no_mapping: 0\n"), "%s", o.body);
	ck_assert_int_eq(show(a, "nat counters", true, &o), 0);
	ck_assert_msg(starts(o.body, "{\"connections\":{\"snat\":3,\"dnat\":2,\"inbound\":0,\"hairpin\":1,\"released\":0},"
				       "\"packets\":{\"out\":4,\"in\":0},\"icmp_errors\":0,\"mappings\":{\"now\":3,\"hosts\":1,"
				       "\"created\":3,\"freed\":0,\"sessions\":3},\"drops\":{\"invalid\":0,\"no_mapping\":0,"),
		      "%s", o.body);
	ck_assert_int_eq(show(a, "nat counters now", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:19: show nat counters takes nothing more, got 'now'");
	/* rules: handles, hits, pools */
	unsigned long long pre = handle(a->doc, NAT_HOOK_PRE, 0), post = handle(a->doc, NAT_HOOK_POST, 0);
	ck_assert_int_eq(show(a, "nat rules", false, &o), 0);
	ck_assert_str_eq(o.body, fmt("chain prerouting {\n\tip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80 # handle %llu # hits 2\n}\n"
				     "chain postrouting {\n\toif wan ip saddr 10.0.0.0/24 masquerade # handle %llu # hits 3 # pool 0: "
				     "192.0.2.2 ports 1024-65535 address-dependent\n}\n", pre, post));
	ck_assert_int_eq(show(a, "nat rules postrouting", true, &o), 0);
	ck_assert_str_eq(o.body, fmt("{\"chains\":[{\"chain\":\"postrouting\",\"rules\":1}],\"rules\":[{\"chain\":\"postrouting\","
				     "\"handle\":%llu,\"rule\":\"oif wan ip saddr 10.0.0.0/24 masquerade\",\"hits\":3,\"pool\":"
				     "{\"id\":0,\"addresses\":\"192.0.2.2\",\"ports\":\"1024-65535\",\"filter\":\"address-dependent\"}}]}\n",
				     post));
	ck_assert_int_eq(show(a, "nat rules sideways", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:16: unknown chain 'sideways' (prerouting or postrouting)");
	ck_assert_int_eq(show(a, "nat", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:9: show nat what? sessions, mappings, counters or rules");
	ck_assert_int_eq(show(a, "nat routes", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:10: unknown show nat 'routes': sessions, mappings, counters or rules");
	/* the connection table: every connection, translated ones with their reply key */
	ck_assert_int_eq(show(a, "connections", false, &o), 0);
	ck_assert_msg(strstr(o.body, "udp src=10.0.0.10 dst=198.51.100.7 sport=5000 dport=53 reply src=198.51.100.7 "
				     "dst=192.0.2.2 sport=53 dport=5000 [UNREPLIED] expires in 297s\n") &&
			      strstr(o.body, "udp src=10.0.0.10 dst=10.0.0.20 sport=6000 dport=53 [UNREPLIED] expires in ") &&
			      strstr(o.body, "\n5 connections, 5 shown\n"), "%s", o.body);
	ck_assert_int_eq(show(a, "connections limit 2", true, &o), 0);
	ck_assert_msg(strstr(o.body, "],\"shown\":2,\"total\":5}\n"), "%s", o.body);
	/* interfaces, config */
	ck_assert_int_eq(show(a, "interfaces", false, &o), 0);
	ck_assert_msg(starts(o.body, "interface lan: port 0 mac 02:00:00:00:01:00 mtu 1500 address 10.0.0.1/24: rx 4 "
				       "packets "), "%s", o.body);
	ck_assert_int_eq(show(a, "interfaces", true, &o), 0);
	ck_assert_msg(starts(o.body, "{\"mode\":\"router\",\"interfaces\":[{\"name\":\"lan\",\"port\":0,\"vlan\":0,\"mac\":"
				       "\"02:00:00:00:01:00\",\"mtu\":1500,\"addresses\":[\"10.0.0.1/24\"],\"rx_packets\":4,"),
		      "%s", o.body);
	ck_assert_int_eq(show(a, "config", false, &o), 0);
	ck_assert_str_eq(o.body, conf);
	ck_assert_str_eq(o.status, fmt("boot.conf (%zu bytes)", strlen(conf)));
	ck_assert_int_eq(show(a, "config", true, &o), 0);
	ck_assert_msg(starts(o.body, "{\"name\":\"boot.conf\",\"config\":\"# a NAT between a lan and a wan\\u000ainterface"),
		      "%s", o.body);
	ck_assert_int_eq(show(a, "config now", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:13: show config takes nothing more, got 'now'");
	ck_assert_int_eq(show(a, "rules", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:6: unknown show 'rules': nat sessions|mappings|counters|rules, connections, "
				   "interfaces or config");
	nat_down(a);
}
END_TEST

/* Many sessions: the limit bounds the answer, the answer's cap the rest. */
START_TEST(listings_are_bounded)
{
	struct nat_app *a = nat_up(fmt("%sconntrack { max 262144 }\n", conf));
	enum { N = 60000 };
	for (unsigned i = 0; i < N; i++) {
		struct out r = send_at(0, 17, i & 1 ? "10.0.0.10" : "10.0.0.20", (uint16_t)(1024 + i / 2), "198.51.100.7", 53,
				       1000);
		if (r.port != 1)
		{
			for (unsigned k = 0; k < NAT_R__COUNT; k++)
				fprintf(stderr, "%s %llu\n", nat_reason_names[k], (unsigned long long)a->nat.cnt.drops[k]);
			for (unsigned k = 0; k < PKT_MAX_REASONS; k++)
				if (worker.cnt.stage_drops[0][k])
					fprintf(stderr, "stage %u %llu\n", k, (unsigned long long)worker.cnt.stage_drops[0][k]);
			const struct ct_counters *cc = ct_counters(a->ct);
			fprintf(stderr, "ct refused %llu clash %llu full %llu count %u\n", (unsigned long long)cc->refused,
				(unsigned long long)cc->nat_clash, (unsigned long long)cc->nat_full, ct_count(a->ct));
			ck_abort_msg("flow %u not sent", i);
		}
	}
	struct ctl_out o;
	ck_assert_int_eq(show(a, "nat sessions", false, &o), 0);
	ck_assert_str_eq(o.status, fmt("%u sessions", N));
	ck_assert_msg(strstr(o.body, fmt("\n%u sessions, 1000 shown\n", N)), "%.200s", o.body);
	ck_assert_int_eq(show(a, "nat sessions limit 10", true, &o), 0);
	ck_assert_msg(strstr(o.body, fmt("],\"total\":%u,\"shown\":10}\n", N)), "%.200s", o.body);
	ck_assert_int_eq(show(a, "nat mappings limit 10", true, &o), 0);
	ck_assert_msg(strstr(o.body, fmt("],\"total\":%u,\"shown\":10}\n", N)), "%.200s", o.body);
	/* all of them as JSON is over CTL_ANSWER_MAX: cut, and the session answers an error */
	o = (struct ctl_out){ .json = true };
	static char *argv[] = { "nat", "sessions", "limit", "1000000" };
	static const unsigned col[] = { 6, 10, 19, 25 };
	struct ctl_args args = { 4, argv, col, "show nat sessions limit 1000000", 1 };
	ck_assert_int_eq(nata_ctl_ns.show(a, &args, &o), 0);
	ck_assert(o.over);
	ck_assert_uint_le(o.len, CTL_ANSWER_MAX);
	free(o.body);
	nat_down(a);
}
END_TEST

/* ---- a session over the nat app ------------------------------------------------------- */

static struct nat_app *host_app;

static int host_reload(void *arg, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return app_nat.reload(arg, name, text, len, err, errlen);
}

static void host_interfaces(void *arg, struct ctl_out *o)
{
	(void)arg;
	ctl_printf(o, o->json ? "[{\"port\":0},{\"port\":1}]" : "port 0\nport 1\n");
}

static char got[1 << 20];

static const char *talk(struct ctl_session *s, const char *text)
{
	size_t len = strlen(text), off = 0, g = 0;
	for (int guard = 0; guard < 1000000; guard++) {
		size_t n;
		const char *out = ctl_session_output(s, &n);
		if (n) {
			size_t k = n < sizeof(got) - 1 - g ? n : sizeof(got) - 1 - g;
			memcpy(got + g, out, k);
			g += k;
			ctl_session_sent(s, n);
			continue;
		}
		if (off == len)
			break;
		off += ctl_session_input(s, text + off, len - off);
	}
	got[g] = 0;
	return got;
}

/* The body of the first answer in r (its status line dropped), up to its empty line. */
static const char *body_of(const char *r)
{
	static char b[1 << 20];
	const char *p = strchr(r, '\n'), *e = p ? strstr(p + 1, "\n\n") : NULL;
	ck_assert_ptr_nonnull(e);
	snprintf(b, sizeof(b), "%.*s", (int)(e - p), p + 1);
	return b;
}

START_TEST(a_session_edits_the_running_nat)
{
	struct nat_app *a = host_app = nat_up(conf);
	struct ctl_host h = { .app_name = "nat", .ns = &nata_ctl_ns, .app = a, .reload = host_reload,
			      .interfaces = host_interfaces, .arg = a };
	struct ctl_session *s = ctl_session_new(&h, "CN=test");
	ck_assert_ptr_nonnull(s);
	const char *r = talk(s, "nat add rule prerouting iif wan udp dport 5353 dnat to 10.0.0.20:53\n");
	unsigned long long hd = handle(a->doc, NAT_HOOK_PRE, 1);
	ck_assert_msg(starts(r, fmt("ok handle %llu; committed ctl:1 (+1 rule) in ", hd)), "%s", r);
	ck_assert_int_eq(send_(1, 17, "198.51.100.7", 7001, "192.0.2.2", 5353).port, 0);
	r = talk(s, "begin\n  nat add rule postrouting oif wan0 masquerade\nnat add rule postrouting oif wan ip saddr "
		    "10.1.0.0/16 snat to 192.0.2.9\ncommit\n");
	ck_assert_msg(strstr(r, "error ctl:3:32: no interface named 'wan0' (declare it before the chain)\n\n"), "%s", r);
	ck_assert_msg(strstr(r, "ok committed ctl (+1 rule) in "), "%s", r);
	ck_assert_uint_eq(atomic_load(&a->active)->nat.n_pool, 2);
	r = talk(s, fmt("nat delete rule prerouting handle %llu\n", hd));
	ck_assert_msg(starts(r, fmt("ok deleted rule handle %llu; committed ctl:6 (-1 rule) in ", hd)), "%s", r);
	r = talk(s, "--json show nat rules\n");
	ck_assert_msg(starts(r, "ok\n{\"chains\":[{\"chain\":\"prerouting\",\"rules\":1},{\"chain\":\"postrouting\",\"rules\":2}]"), "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "--json show interfaces\n");
	ck_assert_msg(starts(r, "ok\n{\"ports\":[{\"port\":0},{\"port\":1}],\"app\":{\"mode\":\"router\","), "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "--json show nat sessions\n");
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "show nat bogus\n");
	ck_assert_str_eq(r, "error ctl:10:10: unknown show nat 'bogus': sessions, mappings, counters or rules\n\n");
	r = talk(s, "--json show nat bogus\n");
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	/* a load: the whole config, and the traffic follows */
	r = talk(s, fmt("load new.conf\n%s.\n", conf));
	ck_assert_msg(starts(r, "ok committed load new.conf"), "%s", r);
	ck_assert_uint_eq(atomic_load(&a->active)->nat.n_pool, 1);
	ck_assert_int_ne(send_(1, 17, "198.51.100.7", 7002, "192.0.2.2", 5353).port, 0);
	r = talk(s, "show config\n");
	ck_assert_msg(strstr(r, "\n    ip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80   # the web server\n"), "%s", r);
	r = talk(s, "load bad.conf\ninterface lan\nchain prerouting {\n  iif wan accept\n}\n.\n");
	ck_assert_msg(starts(r, "error bad.conf:3:7: no interface named 'wan'"), "%s", r);
	ctl_session_free(s);
	nat_down(a);
}
END_TEST


/* Random lines of the namespace's words (seeded): every one answered, never a crash, and
 * the running config still the app's own at the end (it forwards). */
START_TEST(random_commands_answered)
{
	static const char *const words[] = {
		"nat", "nat", "nat", "add", "insert", "replace", "delete", "flush", "rule", "rule", "chain", "prerouting",
		"postrouting", "position", "handle", "1", "2", "3", "99", "iif", "oif", "wan", "lan", "tcp", "udp", "dport",
		"sport", "8080", "1-2", "dnat", "snat", "masquerade", "to", "10.0.0.2", "10.0.0.2:80", "192.0.2.9", "accept",
		"ip", "saddr", "daddr", "@x", "!=", "{", "}", ";", "\"q", "#", "show", "sessions", "mappings", "counters",
		"rules", "limit", "config", "connections", "interfaces", "--json", "begin", "commit", "abort", "meta",
		"l4proto", "icmp", "deterministic", "block", "10.0.0.0/24", ":1024-2048", "",
	};
	struct nat_app *a = nat_up(conf);
	struct ctl_host h = { .app_name = "nat", .ns = &nata_ctl_ns, .app = a, .reload = host_reload,
			      .interfaces = host_interfaces, .arg = a };
	struct ctl_session *s = ctl_session_new(&h, "CN=fuzz");
	uint64_t seed = 0x5eed;
	char line[512];
	unsigned answers = 0, handles = 0, refused = 0;
	for (unsigned i = 0; i < 4000; i++) {
		size_t n = 0;
		unsigned k = 1 + (unsigned)(rng_next(&seed) % 12), t = (unsigned)(rng_next(&seed) % 8);
		unsigned x = (unsigned)(rng_next(&seed) % 200), y = 1 + (unsigned)(rng_next(&seed) % 250);
		unsigned long long hd = natd_new_handle() - (rng_next(&seed) % 40);
		if (t < 5) {            /* a command that may well be taken, one word of it maybe changed */
			static const char *const tmpl[] = {
				"nat add rule prerouting iif wan tcp dport %u dnat to 10.0.0.%u:80",
				"nat insert rule postrouting oif wan ip saddr 10.%u.%u.0/24 masquerade",
				"nat delete rule %s handle %llu",
				"nat add rule %s position %llu accept",
				"nat replace rule prerouting handle %llu iif wan udp dport %u dnat to 10.0.0.%u",
			};
			const char *hook = rng_next(&seed) & 1 ? "prerouting" : "postrouting";
			switch (t) {
			case 0: n = (size_t)snprintf(line, sizeof(line), tmpl[0], 1000 + x, y); break;
			case 1: n = (size_t)snprintf(line, sizeof(line), tmpl[1], x, y); break;
			case 2: n = (size_t)snprintf(line, sizeof(line), tmpl[2], hook, hd); break;
			case 3: n = (size_t)snprintf(line, sizeof(line), tmpl[3], hook, hd); break;
			default: n = (size_t)snprintf(line, sizeof(line), tmpl[4], hd, 2000 + x, y); break;
			}
			if (rng_next(&seed) & 1) {          /* a word replaced */
				char *sp = line;
				for (unsigned w = (unsigned)(rng_next(&seed) % 8); w && sp; w--)
					sp = strchr(sp + 1, ' ');
				if (sp) {
					char rest[512];
					char *e = strchr(sp + 1, ' ');
					snprintf(rest, sizeof(rest), "%s", e ? e : "");
					n = (size_t)(sp - line) + (size_t)snprintf(sp, sizeof(line) - (size_t)(sp - line), " %s%s",
							words[rng_next(&seed) % (sizeof(words) / sizeof(words[0]))], rest);
				}
			}
		} else if (t == 5) {
			n = (size_t)snprintf(line, sizeof(line), "%s", rng_next(&seed) & 1 ? "begin" : "commit");
		} else {
			for (unsigned w = 0; w < k && n < sizeof(line) - 40; w++)
				n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", w ? " " : "",
						      words[rng_next(&seed) % (sizeof(words) / sizeof(words[0]))]);
		}
		snprintf(line + n, sizeof(line) - n, "\n");
		const char *r = talk(s, line);
		answers += r[0] != 0;
		handles += !strncmp(r, "ok handle", 9);
		refused += !strncmp(r, "error ctl:", 10);
		ck_assert_msg(!r[0] || !strncmp(r, "ok", 2) || !strncmp(r, "error", 5), "%s-> %s", line, r);
		ck_assert_msg(!r[0] || strstr(r, "\n\n"), "%s-> %s", line, r);
	}
	ck_assert_uint_gt(answers, 3000);
	ck_assert_msg(handles > 200 && refused > 500, "%u rules taken, %u refused", handles, refused);
	ctl_session_free(s);
	/* whatever it committed, the app runs a config it can show and forwards the lan out */
	struct ctl_out o;
	ck_assert_int_eq(show(a, "config", false, &o), 0);
	ck_assert_int_eq(show(a, "nat sessions", true, &o), 0);
	nat_down(a);
}
END_TEST

/* ---- metrics ----------------------------------------------------------------------------- */

static char *metrics_page(struct nat_app *a, size_t cap, unsigned *chunks)
{
	size_t total = 0, room = 1 << 20;
	char *all = malloc(room), *buf = malloc(cap);
	uint64_t sent = 0;
	*chunks = 0;
	for (;;) {
		struct mx_out o;
		mx_begin(&o, buf, cap, sent);
		app_nat.metrics(a, &o);
		(*chunks)++;
		ck_assert_msg(o.len > 0 || mx_done(&o), "chunk %u of cap %zu made no progress", *chunks, cap);
		ck_assert_uint_lt(total + o.len, room);
		memcpy(all + total, buf, o.len);
		total += o.len;
		sent = mx_sent(&o);
		if (mx_done(&o))
			break;
	}
	all[total] = 0;
	free(buf);
	return all;
}

START_TEST(metrics_are_exported)
{
	const char *post = strstr(conf, "masquerade\n");
	ck_assert_ptr_nonnull(post);
	post += strlen("masquerade\n");
	char *text = strdup(fmt("%.*s    oif wan ip saddr 10.1.0.0/16 snat to 192.0.2.9\n%schain forward { counter accept }\n",
				(int)(post - conf), conf, post));
	struct nat_app *a = nat_up(text);
	free(text);
	ck_assert_int_eq(send_at(0, 17, "10.0.0.10", 5000, "198.51.100.7", 53, 1000).port, 1);
	ck_assert_int_eq(send_at(1, 6, "198.51.100.7", 40000, "192.0.2.2", 8080, 1000).port, 0);
	ck_assert_int_eq(send_at(1, 17, "198.51.100.7", 9, "192.0.2.9", 4000, 1000).port, -1);   /* no mapping */
	app_nat.tick(a, &worker, 2000);
	unsigned n;
	char *whole = metrics_page(a, 1 << 20, &n);
	ck_assert_uint_eq(n, 1);
	static const char *const want[] = {
		"# TYPE sluice_nat_sessions gauge\nsluice_nat_sessions 2\n",
		"\nsluice_nat_mappings 1\n",
		"\nsluice_nat_mappings_total{event=\"created\"} 1\nsluice_nat_mappings_total{event=\"freed\"} 0\n",
		"\nsluice_nat_translated_packets_total{direction=\"out\"} 2\n",
		"\nsluice_nat_connections_total{kind=\"snat\"} 1\nsluice_nat_connections_total{kind=\"dnat\"} 1\n"
		"sluice_nat_connections_total{kind=\"inbound\"} 0\nsluice_nat_connections_total{kind=\"hairpin\"} 0\n",
		"\nsluice_nat_drops_total{reason=\"no_mapping\"} 1\n",
		"\nsluice_nat_rule_hits_total{chain=\"prerouting\",rule=\"0\",line=\"10\"} 1\n",
		"\nsluice_nat_rule_hits_total{chain=\"postrouting\",rule=\"0\",line=\"13\"} 1\n",
		"\nsluice_nat_rule_hits_total{chain=\"postrouting\",rule=\"1\",line=\"14\"} 0\n",
		"\nsluice_fw_rule_packets_total{chain=\"forward\",rule=\"0\",line=\"16\"} 2\n",
		"\nsluice_conntrack_entries 2\n",
		"# TYPE sluice_fragments_total counter\n",
		"\nsluice_router_answers_total{kind=\"reject\"} 0\n",
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(whole, want[i])) {
			fprintf(stderr, "%s", whole);
			ck_abort_msg("no\n%s\nin the page above", want[i]);
		}
	/* in chunks of any size, the same page */
	size_t caps[] = { MX_LINE_MAX, 300, 1460 };
	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char *chunked = metrics_page(a, caps[i], &n);
		ck_assert_msg(!strcmp(whole, chunked), "chunks of %zu bytes differ", caps[i]);
		ck_assert_uint_gt(n, 1);
		free(chunked);
	}
	/* every line a HELP, a TYPE or a sample of the family typed before it */
	char *copy = strdup(whole), family[128] = "";
	for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n")) {
		if (!strncmp(l, "# HELP ", 7)) {
			ck_assert_int_eq(sscanf(l + 7, "%127s", family), 1);
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7))
			continue;
		size_t k = strlen(family);
		ck_assert_msg(!strncmp(l, family, k) && (l[k] == ' ' || l[k] == '{'), "%s after %s", l, family);
	}
	free(copy);
	/* promtool's word on it, when it is installed */
	if (system("command -v promtool >/dev/null 2>&1") == 0) {
		char path[] = "/tmp/nat-metrics-XXXXXX";
		int fd = mkstemp(path);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, whole, strlen(whole)), (ssize_t)strlen(whole));
		close(fd);
		int rc = system(fmt("promtool check metrics <%s >%s.out 2>&1", path, path));
		char *said = NULL;
		FILE *f = fopen(fmt("%s.out", path), "r");
		if (f) {
			said = calloc(1, 4096);
			size_t got_n = fread(said, 1, 4095, f);
			(void)got_n;
			fclose(f);
		}
		ck_assert_msg(rc == 0, "promtool check metrics refused the page: %s", said ? said : "");
		free(said);
		unlink(path);
		unlink(fmt("%s.out", path));
	}
	free(whole);
	/* the sessions gauge is a walk at most once a second */
	ck_assert_int_eq(send_at(0, 17, "10.0.0.10", 5001, "198.51.100.7", 53, 2100).port, 1);
	app_nat.tick(a, &worker, 2500);
	whole = metrics_page(a, 1 << 20, &n);
	ck_assert_ptr_nonnull(strstr(whole, "\nsluice_nat_sessions 2\n"));
	free(whole);
	app_nat.tick(a, &worker, 3000);
	whole = metrics_page(a, 1 << 20, &n);
	ck_assert_ptr_nonnull(strstr(whole, "\nsluice_nat_sessions 3\n"));
	free(whole);
	nat_down(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nat-ctl");
	TCase *tc = tcase_create("nat-ctl");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, json_reader_reads_json);
	tcase_add_test(tc, documents_render_to_the_same_config);
	tcase_add_test(tc, rules_are_added_where_asked);
	tcase_add_test(tc, commands_refused_at_their_column);
	tcase_add_test(tc, commits_and_loads_that_traffic_follows);
	tcase_add_test(tc, rendered_lines_map_back);
	tcase_add_test(tc, shows_as_text_and_json);
	tcase_add_test(tc, listings_are_bounded);
	tcase_add_test(tc, a_session_edits_the_running_nat);
	tcase_add_test(tc, random_commands_answered);
	tcase_add_test(tc, metrics_are_exported);
	suite_add_tcase(s, tc);
	return check_run(s);
}
