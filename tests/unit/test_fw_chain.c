/* Chains and rules in the rule language: what a valid ruleset reads as, and every error
 * path with its exact message. */
#include "fw_config.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static const char *decls = "interface lan\ninterface wan\nset trusted ipv4 { 10.0.0.0/8 }\nset web port { 80, 443 }\n"
			   "set v6 ipv6 { 2001:db8::/32 }\n";

static int parse(struct fw_config *cfg, const char *rules, struct cf_err *err)
{
	static char src[4096];
	snprintf(src, sizeof(src), "%s%s", decls, rules);
	return fw_config_parse(cfg, "r.conf", src, strlen(src), err);
}

START_TEST(ruleset)
{
	static struct fw_config cfg;
	struct cf_err err = { "" };
	const char *rules =
		"chain forward policy drop {\n"
		"  ct state established,related accept\n"
		"  ct state invalid counter drop\n"
		"  iif lan oif wan ip saddr @trusted tcp dport { 80, 8000-8080 } counter accept\n"
		"  ip6 saddr != 2001:db8::/32 udp dport @web drop\n"
		"  tcp flags syn,!ack limit rate 100/second burst 20 accept\n"
		"  icmp type echo-request code 0 accept; icmpv6 type nd-neighbor-solicit accept\n"
		"  ether type arp accept; vlan id 100-199 meta l4proto 47 meta length 0-128 log prefix \"small: \" drop\n"
		"  tcp dport 22 reject with tcp reset\n"
		"  reject with icmp port-unreachable\n"
		"}\n"
		"chain input { counter }\n";
	ck_assert_msg(parse(&cfg, rules, &err) == 0, "%s", err.msg);
	struct fw_chain *c = &cfg.chain[FW_HOOK_FORWARD];
	ck_assert(c->declared);
	ck_assert_int_eq(c->policy, FW_DROP);
	ck_assert_uint_eq(c->n_rules, 11);
	ck_assert_uint_eq(c->rules[0].m[0].u.ct_states, FW_CT_ESTABLISHED | FW_CT_RELATED);
	ck_assert_int_eq(c->rules[0].verdict, FW_ACCEPT);
	ck_assert(c->rules[1].counter);
	const struct fw_rule *r = &c->rules[2];
	ck_assert_uint_eq(r->n_match, 4);
	ck_assert_int_eq(r->m[0].field, FW_M_IIF);
	ck_assert_int_eq(r->m[0].u.iface, 0);
	ck_assert_int_eq(r->m[1].u.iface, 1);
	ck_assert_int_eq(r->m[2].set, 0);
	ck_assert_int_eq(r->m[3].field, FW_M_DPORT);
	ck_assert_uint_eq(r->m[3].proto, 6);
	ck_assert_uint_eq(r->m[3].u.list.n, 2);
	ck_assert_uint_eq(r->m[3].u.list.r[1].hi, 8080);
	r = &c->rules[3];
	ck_assert(r->m[0].negate);
	ck_assert_uint_eq(r->m[0].u.prefix.len, 32);
	ck_assert_int_eq(r->m[1].set, 1);
	ck_assert_uint_eq(r->m[1].proto, 17);
	r = &c->rules[4];
	ck_assert_uint_eq(r->m[0].u.flags.set, 0x02);
	ck_assert_uint_eq(r->m[0].u.flags.clear, 0x10);
	ck_assert_uint_eq(r->limit_rate, 100);
	ck_assert_uint_eq(r->limit_per_s, 1);
	ck_assert_uint_eq(r->limit_burst, 20);
	ck_assert_uint_eq(c->rules[5].m[0].u.icmp.type, 8);
	ck_assert_int_eq(c->rules[5].m[0].u.icmp.code, 0);
	ck_assert_uint_eq(c->rules[6].m[0].u.icmp.type, 135);
	ck_assert_int_eq(c->rules[6].m[0].u.icmp.code, -1);
	r = &c->rules[8];
	ck_assert_uint_eq(r->n_match, 3);
	ck_assert_uint_eq(r->m[2].u.list.r[0].hi, 128);
	ck_assert_uint_eq(r->m[0].u.list.r[0].lo, 100);
	ck_assert_uint_eq(r->m[1].u.list.r[0].lo, 47);
	ck_assert_str_eq(r->log_prefix, "small: ");
	ck_assert_int_eq(c->rules[9].reject_with, FW_REJECT_TCP_RESET);
	ck_assert_int_eq(c->rules[10].verdict, FW_REJECT);
	ck_assert_int_eq(c->rules[10].reject_with, FW_REJECT_ICMP);
	ck_assert_uint_eq(c->rules[10].reject_code, 3);
	ck_assert_uint_eq(c->rules[7].m[0].u.list.r[0].lo, 0x0806);
	ck_assert(cfg.chain[FW_HOOK_INPUT].declared);
	ck_assert_int_eq(cfg.chain[FW_HOOK_INPUT].policy, FW_ACCEPT);
	ck_assert_int_eq(cfg.chain[FW_HOOK_INPUT].rules[0].verdict, FW_NONE);
	ck_assert(!cfg.chain[FW_HOOK_OUTPUT].declared);
	fw_config_free(&cfg);
}
END_TEST

START_TEST(every_error_exact)
{
	/* the declarations take lines 1-5: rules start on line 6 */
	static const struct { const char *src, *msg; } cases[] = {
		{ "chain", "r.conf:6:6: expected a chain: input, forward or output, got end of file" },
		{ "chain prerouting {}", "r.conf:6:7: expected a chain: input, forward or output, got 'prerouting'" },
		{ "chain input {}\nchain input {}", "r.conf:7:7: chain 'input' is already declared at r.conf:6:7" },
		{ "chain input policy reject {}", "r.conf:6:20: expected accept or drop, got 'reject'" },
		{ "chain input policy drop", "r.conf:6:24: expected '{', got end of file" },
		{ "chain input accept", "r.conf:6:13: expected 'policy' or '{', got 'accept'" },
		{ "chain input {\n accept\n", "r.conf:8:1: expected a rule or '}', got end of file" },
		{ "chain input { accept drop }", "r.conf:6:22: expected the end of the rule after its verdict, got 'drop'" },
		{ "chain input { jump x }", "r.conf:6:15: expected a match (iif, oif, ether, vlan, ip, ip6, meta, tcp, udp, icmp, icmpv6, ct), a statement (counter, log, limit) or a verdict (accept, drop, reject), got 'jump'" },
		{ "chain input { iif dmz accept }", "r.conf:6:19: no interface named 'dmz'" },
		{ "chain input { ip saddr 2001:db8::1 }", "r.conf:6:24: '2001:db8::1' is not an IPv4 address" },
		{ "chain input { ip6 daddr @trusted }", "r.conf:6:26: set 'trusted' does not hold IPv6 addresses" },
		{ "chain input { ip saddr @nope }", "r.conf:6:25: no set named 'nope' (declare it before the chain)" },
		{ "chain input { ip src 10.0.0.1 }", "r.conf:6:18: expected 'saddr' or 'daddr', got 'src'" },
		{ "chain input { ip saddr }", "r.conf:6:24: expected an IPv4 address, prefix or @set, got '}'" },
		{ "chain input { tcp dport { 80 443 } }", "r.conf:6:30: expected ',' or '}', got '443'" },
		{ "chain input { tcp dport http }", "r.conf:6:25: expected a port from 0 to 65535 or a range A-B, got 'http'" },
		{ "chain input { udp dport @trusted }", "r.conf:6:26: set 'trusted' does not hold ports" },
		{ "chain input { udp flags syn }", "r.conf:6:19: expected 'sport' or 'dport', got 'flags'" },
		{ "chain input { tcp port 80 }", "r.conf:6:19: expected 'sport', 'dport' or 'flags', got 'port'" },
		{ "chain input { tcp flags syn,!bogus }", "r.conf:6:30: expected a TCP flag: fin, syn, rst, psh, ack, urg, ecn or cwr, got 'bogus'" },
		{ "chain input { icmp type ping }", "r.conf:6:25: expected an ICMP type: echo-reply, destination-unreachable, redirect, echo-request, time-exceeded or parameter-problem or a number, got 'ping'" },
		{ "chain input { icmp code 3 }", "r.conf:6:20: expected 'type', got 'code'" },
		{ "chain input { icmpv6 type 256 }", "r.conf:6:27: expected an ICMPv6 type: destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, echo-reply, nd-router-solicit, nd-router-advert, nd-neighbor-solicit or nd-neighbor-advert or a number, got '256'" },
		{ "chain input { ct state new,old }", "r.conf:6:28: expected a connection state: new, established, related or invalid, got 'old'" },
		{ "chain input { ct status new }", "r.conf:6:18: expected 'state', got 'status'" },
		{ "chain input { ether type 0x0800 }", "r.conf:6:26: expected an ether type: ipv4, ipv6, arp or vlan or a number, got '0x0800'" },
		{ "chain input { vlan id 4096 }", "r.conf:6:23: expected a VLAN id from 0 to 4095 or a range A-B, got '4096'" },
		{ "chain input { meta mark 1 }", "r.conf:6:20: expected 'l4proto' or 'length', got 'mark'" },
		{ "chain input { limit rate 10 }", "r.conf:6:26: expected a rate N/second, N/minute, N/hour or N/day, got '10'" },
		{ "chain input { limit rate 10/week }", "r.conf:6:29: expected second, minute, hour or day, got 'week'" },
		{ "chain input { limit rate 0/second }", "r.conf:6:26: expected a rate from 1 to 1000000000, got '0'" },
		{ "chain input { limit 10/second }", "r.conf:6:21: expected 'rate', got '10/second'" },
		{ "chain input { log prefix nope }", "r.conf:6:26: expected a quoted prefix, got 'nope'" },
		{ "chain input { log prefix \"0123456789012345678901234567890123\" }", "r.conf:6:26: a log prefix has at most 31 characters" },
		{ "chain input { reject with icmp no-way }", "r.conf:6:32: expected an ICMP unreachable code: net-unreachable, host-unreachable, prot-unreachable, port-unreachable or admin-prohibited, got 'no-way'" },
		{ "chain input { reject with tcp rst }", "r.conf:6:31: expected 'reset', got 'rst'" },
		{ "chain input { reject with udp }", "r.conf:6:27: expected 'tcp reset', 'icmp CODE' or 'icmpv6 CODE', got 'udp'" },
		{ "chain input { tcp dport != }", "r.conf:6:28: expected a port or a range A-B, '{' or @set, got '}'" },
		{ "chain input { } x", "r.conf:6:17: expected the end of the statement (a new line or ';'), got 'x'" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct fw_config cfg;
		struct cf_err err = { "" };
		ck_assert_msg(parse(&cfg, cases[i].src, &err) == -1, "case %u accepted: %s", i, cases[i].src);
		ck_assert_msg(!strcmp(err.msg, cases[i].msg), "case %u:\n  got  %s\n  want %s", i, err.msg, cases[i].msg);
		ck_assert_uint_eq(cfg.cf.n_iface + cfg.cf.n_set + cfg.chain[FW_HOOK_INPUT].n_rules, 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_chain");
	TCase *tc = tcase_create("fw_chain");
	tcase_add_test(tc, ruleset);
	tcase_add_test(tc, every_error_exact);
	suite_add_tcase(s, tc);
	return check_run(s);
}
