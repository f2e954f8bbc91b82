/* The firewall's config: the shared language (conf/, test_cf_config.c) with the
 * firewall's chains as its extension, alone (fw_config_parse) and beside another engine's
 * statements in one text (fw_config_ext, fw_ruleset_build); mutated configs refused
 * precisely. A failed parse leaves the config empty. */
#include "cf_parse.h"
#include "fw.h"
#include "check_run.h"
#include "pktbuild.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static int parse(struct fw_config *cfg, const char *src, struct cf_err *err)
{
	return fw_config_parse(cfg, "r.conf", src, strlen(src), err);
}

/* The top level with the firewall's extension: 'chain' is a statement. */
START_TEST(top_level_exact)
{
	static const struct { const char *src, *msg; } cases[] = {
		{ "table x", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack' or 'management', got 'table'" },
		{ "{", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack' or 'management', got '{'" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct fw_config cfg;
		struct cf_err err = { "" };
		ck_assert_msg(parse(&cfg, cases[i].src, &err) == -1, "case %u accepted: %s", i, cases[i].src);
		ck_assert_msg(!strcmp(err.msg, cases[i].msg), "case %u:\n  got  %s\n  want %s", i, err.msg, cases[i].msg);
		ck_assert_uint_eq(cfg.cf.n_iface + cfg.cf.n_route + cfg.cf.n_set, 0); /* nothing half-parsed */
	}
}
END_TEST

/* Another engine beside the firewall, as an app running both would read one text: a
 * stand-in for the NAT, with its hooks and a statement of its own ("nat NAME { ... }"). */
static const char *const nat_hooks[] = { "prerouting", "postrouting", NULL };
static const char *const nat_words[] = { "nat", NULL };

static int nat_chain(struct cf_parser *ps, void *ctx, unsigned hook)
{
	unsigned *seen = ctx;
	seen[hook]++;
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	if (cfp_next(ps) || cfp_skip_eos(ps))
		return -1;
	if (ps->tok.kind != CF_T_RBRACE)
		return cfp_expected(ps, "'}'");
	return cfp_next(ps) || cfp_end_statement(ps) ? -1 : 0;
}

static int nat_stmt(struct cf_parser *ps, void *ctx)
{
	unsigned *seen = ctx;
	if (!cfp_is_word(ps, "nat"))
		return 1;
	seen[2]++;
	if (cfp_next(ps))
		return -1;
	if (!cfp_is_word(ps, "on"))
		return cfp_expected(ps, "'on'");
	return cfp_next(ps) || cfp_end_statement(ps) ? -1 : 0;
}

START_TEST(one_text_two_engines)
{
	static const char src[] = "interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }\n"
				  "set web port { 80, 443 }\n"
				  "chain prerouting { }\n"
				  "chain forward policy drop {\n  ct state established accept\n"
				  "  iif lan oif wan tcp dport @web accept\n}\n"
				  "nat on\n"
				  "chain postrouting {\n}\n";
	static struct fw_config cfg;
	unsigned seen[3] = { 0 };
	struct cf_ext ext[2];
	fw_config_ext(&cfg, &ext[0]);
	ck_assert_str_eq(ext[0].name, "firewall");
	ext[1] = (struct cf_ext){ .name = "nat", .hooks = nat_hooks, .chain = nat_chain, .words = nat_words,
				  .stmt = nat_stmt, .ctx = seen };
	struct cf_err err = { "" };
	ck_assert_msg(cf_parse(&cfg.cf, ext, 2, "r.conf", src, strlen(src), &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(seen[0] + seen[1] + seen[2], 3);
	ck_assert_uint_eq(cfg.cf.n_iface, 2);
	ck_assert(cfg.chain[FW_HOOK_FORWARD].declared && !cfg.chain[FW_HOOK_INPUT].declared);
	ck_assert_uint_eq(cfg.chain[FW_HOOK_FORWARD].n_rules, 2);
	ck_assert_int_eq(cfg.chain[FW_HOOK_FORWARD].rules[1].m[2].set, 0);
	/* the ruleset from what was read: cfg is its own now, and left empty */
	struct fw_ruleset *rs = fw_ruleset_build(&cfg, "r.conf", &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	ck_assert_uint_eq(cfg.cf.n_iface + cfg.chain[FW_HOOK_FORWARD].n_rules, 0);
	ck_assert_uint_eq(rs->cfg.cf.n_set, 1);
	ck_assert_int_eq(rs->cfg.chain[FW_HOOK_FORWARD].policy, FW_DROP);
	ck_assert_int_eq(rs->cfg.chain[FW_HOOK_INPUT].policy, FW_ACCEPT);
	fw_ruleset_free(rs);

	/* refused: the hooks of both listed; an error in either engine's part leaves the
	 * declarations empty, and the chains read so far are freed by their owner */
	static const struct { const char *src, *msg; } cases[] = {
		{ "chain nat { }", "r.conf:1:7: expected a chain: input, forward, output, prerouting or postrouting, got 'nat'" },
		{ "table x", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack', 'management' or 'nat', got 'table'" },
		{ "interface lan\nchain forward { iif lan accept }\nnat off", "r.conf:3:5: expected 'on', got 'off'" },
		{ "interface lan\nchain prerouting { }\nchain input { iif wan accept }", "r.conf:3:19: no interface named 'wan'" },
		{ "chain input { }\nchain postrouting { x }", "r.conf:2:21: expected '}', got 'x'" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fw_config_ext(&cfg, &ext[0]);
		ck_assert_msg(cf_parse(&cfg.cf, ext, 2, "r.conf", cases[i].src, strlen(cases[i].src), &err) == -1,
			      "case %u accepted: %s", i, cases[i].src);
		ck_assert_msg(!strcmp(err.msg, cases[i].msg), "case %u:\n  got  %s\n  want %s", i, err.msg, cases[i].msg);
		ck_assert_uint_eq(cfg.cf.n_iface + cfg.cf.n_set, 0);
		fw_config_free(&cfg);
	}
}
END_TEST

/* Mutated configs: a rich config with one to four random edits (a character changed,
 * dropped or doubled, a token or a stray character inserted, the text cut short) must load
 * or be refused with FILE:LINE:COL on a line the text has, never crash or leak (the
 * sanitizer build runs this too). */
static const char rich[] =
	"# every kind of statement\n"
	"interface lan { address 10.0.0.1/24; address 2001:db8:1::1/64; mac 02:00:00:00:01:00; mtu 1500 }\n"
	"interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00; mtu 1280 }\n"
	"route 0.0.0.0/0 via 192.0.2.1\n"
	"route 198.51.100.0/24 dev wan\n"
	"neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n"
	"set trusted ipv4 { 10.0.0.0/24, 172.16.0.0/12 }\n"
	"set web port { 80, 443, 8000-8080 }\n"
	"conntrack { max 4096; timeout udp 60; loose off }\n"
	"chain input policy drop {\n"
	"  ct state established,related accept\n"
	"  icmp type echo-request code 0 accept; icmpv6 type nd-neighbor-solicit accept\n"
	"}\n"
	"chain forward policy drop {\n"
	"  ct state invalid drop\n"
	"  iif lan oif wan ip saddr @trusted tcp dport @web counter accept\n"
	"  ip6 saddr != 2001:db8::/32 log prefix \"v6: \" drop\n"
	"  tcp flags syn,!ack limit rate 100/second burst 20 accept\n"
	"  udp sport { 53, 123 } meta l4proto udp meta length 60-1500 accept\n"
	"  vlan id 5-7 ether type ipv4 reject with icmp host-unreachable\n"
	"  tcp dport 23 reject with tcp reset\n"
	"}\n"
	"chain output policy accept { }\n";

START_TEST(mutations_refused_precisely)
{
	static const char *const tokens[] = { "{", "}", ";", "\"", "/", "-", ",", "!=", "@", "accept", "drop", "reject",
					      "chain", "interface", "set", "route", "via", "dev", "4294967296", "99999999999999999999",
					      "::", "1.2.3.4/33", "\n", " ", "#", "ct state", "limit rate 0/second", "mtu 70000",
					      "address", "0", "-1", "ffff:", "x" };
	uint64_t rng = 99;
	char buf[sizeof(rich) + 256];
	unsigned loaded = 0, refused = 0;
	for (unsigned round = 0; round < 100000; round++) {
		size_t len = sizeof(rich) - 1;
		memcpy(buf, rich, len);
		unsigned edits = 1 + (unsigned)(rng_next(&rng) % 4);
		for (unsigned e = 0; e < edits && len > 0; e++) {
			size_t at = rng_next(&rng) % len;
			switch (rng_next(&rng) % 5) {
			case 0: buf[at] = (char)(32 + rng_next(&rng) % 95); break;
			case 1: memmove(buf + at, buf + at + 1, len - at - 1), len--; break;
			case 2: {
				const char *t = tokens[rng_next(&rng) % (sizeof(tokens) / sizeof(tokens[0]))];
				size_t tl = strlen(t);
				if (len + tl < sizeof(buf)) {
					memmove(buf + at + tl, buf + at, len - at);
					memcpy(buf + at, t, tl);
					len += tl;
				}
				break;
			}
			case 3: if (len + 1 < sizeof(buf)) memmove(buf + at + 1, buf + at, len - at), len++; break;
			default: len = at; break;
			}
		}
		unsigned n_lines = 1;
		for (size_t i = 0; i < len; i++)
			n_lines += buf[i] == '\n';
		struct cf_err err = { "" };
		struct fw_ruleset *rs = fw_ruleset_load("m.conf", buf, len, &err);
		if (rs) {
			loaded++;
			fw_ruleset_free(rs);
			continue;
		}
		refused++;
		unsigned line = 0, col = 0;
		int got = sscanf(err.msg, "m.conf:%u:%u: ", &line, &col);
		CHECK(got == 2 && line >= 1 && line <= n_lines && col >= 1 && strlen(err.msg) > 16,
		      "round %u: refused without a precise place: '%s'\n%.*s", round, err.msg, (int)len, buf);
	}
	/* both outcomes happen, or the mutations were not doing their job */
	ck_assert_uint_gt(loaded, 100);
	ck_assert_uint_gt(refused, 50000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_config");
	TCase *tc = tcase_create("fw_config");
	tcase_add_test(tc, top_level_exact);
	tcase_add_test(tc, one_text_two_engines);
	tcase_add_test(tc, mutations_refused_precisely);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return check_run(s);
}
