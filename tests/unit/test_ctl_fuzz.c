/* The control protocol under garbage: a real session (apps/ctl_session.c) on the real fw
 * app and its namespace, fed 30,000 lines made of the protocol's and the rule language's
 * words in random order, with numbers, braces, quotes, handles that exist and that do not,
 * loads of mutated configs and raw bytes. Nothing may crash (ASan/UBSan in the sanitized
 * build), every answer must be framed (a status line starting "ok" or "error", body
 * lines, an empty line), transactions must not leak, and afterwards the running config
 * must still render, reload and forward. Seeded: the same lines every run. */
#define _GNU_SOURCE 1  /* memmem */
#include "check_run.h"
#include "fw_ctl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fw_app *app;

static int reload(void *arg, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	(void)arg;
	return app_fw.reload(app, name, text, len, err, errlen);
}

static void stats(void *arg, struct ctl_out *o)
{
	(void)arg;
	ctl_printf(o, o->json ? "{}\n" : "stats\n");
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const words[] = {
	"fw", "fw", "fw", "add", "insert", "replace", "delete", "rule", "rule", "flush", "chain", "policy", "element",
	"set", "sets", "position", "handle", "forward", "input", "output", "bogus", "accept", "drop", "reject", "with",
	"tcp", "udp", "dport", "sport", "ip", "ip6", "saddr", "daddr", "@web", "@blocked", "web", "blocked", "ipv4",
	"ipv6", "port", "{", "}", ",", "10.0.0.0/8", "10.0.0.1", "2001:db8::/32", "80", "443", "8000-8080", "65536",
	"0", "1", "2", "3", "7", "99999999999", "-1", "ct", "state", "established", "new", "counter", "log", "prefix",
	"\"x y\"", "\"", "limit", "rate", "10/second", "iif", "oif", "lan", "wan", "show", "rules", "counters",
	"connections", "limit", "interfaces", "config", "begin", "commit", "abort", "ping", "stats", "help", "--json",
	"#", ";", "\\", "\t", "",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char boot[] = "interface lan\ninterface wan\nset web port { 80, 443 }\nset blocked ipv4 { 192.0.2.0/24 }\n"
			   "chain forward policy accept {\n    ip saddr @blocked drop\n    udp dport 5000 counter accept\n"
			   "    tcp dport @web accept\n}\n";

/* One random line: words of the vocabulary; sometimes raw bytes; sometimes a load. */
static size_t make_line(char *buf, size_t cap)
{
	size_t n = 0;
	unsigned kind = rnd(100);
	if (kind < 3) {                              /* raw bytes, no newline inside */
		unsigned len = rnd(200);
		for (unsigned i = 0; i < len && n + 2 < cap; i++) {
			char c = (char)rnd(256);
			buf[n++] = c == '\n' ? ' ' : c;
		}
	} else if (kind < 40) {                      /* well-formed, with numbers that may not fit */
		unsigned h = rnd(40), p = rnd(70000);
		switch (rnd(9)) {
		case 0: n = (size_t)snprintf(buf, cap, "fw add rule forward tcp dport %u counter accept", p); break;
		case 1: n = (size_t)snprintf(buf, cap, "fw insert rule forward position %u ip saddr @blocked drop", h); break;
		case 2: n = (size_t)snprintf(buf, cap, "fw delete rule forward handle %u", h); break;
		case 3: n = (size_t)snprintf(buf, cap, "fw replace rule forward handle %u udp dport %u drop", h, p); break;
		case 4: n = (size_t)snprintf(buf, cap, "fw add element web { %u, %u-%u }", p, p / 2, p); break;
		case 5: n = (size_t)snprintf(buf, cap, "fw delete element web { %u }", p % 600); break;
		case 6: n = (size_t)snprintf(buf, cap, "fw policy %s %s", rnd(2) ? "forward" : "input", rnd(2) ? "drop" : "accept"); break;
		case 7: n = (size_t)snprintf(buf, cap, "%s", rnd(2) ? "begin" : rnd(2) ? "commit" : "abort"); break;
		default: n = (size_t)snprintf(buf, cap, "--json show %s", rnd(2) ? "rules" : rnd(2) ? "counters" : "sets web"); break;
		}
	} else if (kind < 43) {                      /* a load of the boot config, mutated */
		n = (size_t)snprintf(buf, cap, "load fz\n");
		for (size_t i = 0; i < sizeof(boot) - 1 && n + 8 < cap; i++) {
			char c = boot[i];
			if (rnd(60) == 0)
				c = "{}@,;\"x9 \n"[rnd(10)];
			buf[n++] = c;
		}
		n += (size_t)snprintf(buf + n, cap - n, "\n.");
	} else {
		static const char *const starts[] = { "fw add rule forward", "fw insert rule input", "fw delete rule forward",
						      "fw replace rule forward handle", "fw add element", "fw delete element",
						      "fw add set", "fw delete set", "fw policy", "--json show", "show", "" };
		if (rnd(2))                              /* half of them well begun */
			n += (size_t)snprintf(buf, cap, "%s ", starts[rnd(sizeof(starts) / sizeof(starts[0]))]);
		unsigned k = 1 + rnd(12);
		for (unsigned i = 0; i < k && n + 40 < cap; i++)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", words[rnd(N_WORDS)]);
	}
	buf[n++] = '\n';
	return n;
}

/* Every answer in out[0..len) framed: returns how many, or -1. */
static int check_framing(const char *out, size_t len)
{
	int answers = 0;
	size_t i = 0;
	while (i < len) {
		if (strncmp(out + i, "ok", 2) && strncmp(out + i, "error", 5))
			return -1;
		const char *end = memmem(out + i, len - i, "\n\n", 2);
		if (!end)
			return -1;
		i = (size_t)(end - out) + 2;
		answers++;
	}
	return answers;
}

START_TEST(garbage_never_breaks_it)
{
	app = fw_up(boot);
	struct ctl_host host = { .app_name = "fw", .ns = app_fw.ctl, .app = app, .reload = reload, .stats = stats };
	struct ctl_session *s = ctl_session_new(&host, "CN=fuzz");
	ck_assert_ptr_nonnull(s);
	static char line[8192];
	unsigned answers = 0;
	for (unsigned i = 0; i < 30000; i++) {
		size_t n = make_line(line, sizeof(line));
		size_t off = 0;
		for (int guard = 0; off < n && guard < 100000; guard++) {
			off += ctl_session_input(s, line + off, n - off);
			size_t len;
			const char *out = ctl_session_output(s, &len);
			if (len) {
				int a = check_framing(out, len);
				ck_assert_msg(a >= 0, "line %u '%.*s' got an unframed answer: '%.200s'", i, (int)n - 1, line, out);
				answers += (unsigned)a;
				ctl_session_sent(s, len);
			}
		}
		if (i % 1000 == 999) {                   /* end any open transaction or load */
			ctl_session_free(s);
			s = ctl_session_new(&host, "CN=fuzz");
			ck_assert_ptr_nonnull(s);
			ck_assert_uint_eq(ctl_counters.txn_bytes, 0);
		}
	}
	ctl_session_free(s);
	ck_assert_uint_eq(ctl_counters.txn_bytes, 0);
	fprintf(stderr, "unit-ctl-fuzz: %u answers, %llu errors, %llu commits, %llu refused\n", answers,
		(unsigned long long)ctl_counters.errors, (unsigned long long)ctl_counters.commits,
		(unsigned long long)ctl_counters.commit_failures);
	ck_assert_uint_gt(answers, 20000);
	ck_assert_uint_gt(ctl_counters.commits, 10);            /* some garbage was valid */
	/* the running config still renders, reloads and forwards */
	void *txn = app_fw.ctl->txn_begin(app);
	ck_assert_ptr_nonnull(txn);
	const char *text;
	size_t len;
	ck_assert_int_eq(app_fw.ctl->txn_render(txn, "after", &text, &len), 0);
	char err[512];
	ck_assert_msg(app_fw.reload(app, "after", text, len, err, sizeof(err)) == 0, "%s", err);
	app_fw.ctl->txn_free(txn);
	(void)send_udp(5000, 1);        /* through whatever the rules are now: it must not crash */
	fw_down(app);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl-fuzz");
	TCase *tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, garbage_never_breaks_it);
	suite_add_tcase(s, tc);
	return check_run(s);
}
