/* The reference evaluator: first match wins, the policy otherwise, absent fields never
 * match (not even with "!="), sets, ranges, flags, ICMP codes and ct states. */
#include "fw_ref.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct fw_config cfg;

static void load(const char *src)
{
	struct cf_err err = { "" };
	fw_config_free(&cfg);
	ck_assert_msg(fw_config_parse(&cfg, "t.conf", src, strlen(src), &err) == 0, "%s", err.msg);
}

static struct fw_pkt tcp4(const char *s, const char *d, uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct fw_pkt p = { .iif = 0, .oif = 1, .ethertype = 0x0800, .family = 4, .has_l4proto = true, .l4proto = 6,
			    .has_ports = true, .sport = sport, .dport = dport, .tcp_flags = flags,
			    .ct_state = FW_CT_NEW, .length = 60 };
	unsigned a[4];
	sscanf(s, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
	for (int i = 0; i < 4; i++)
		p.saddr[i] = (uint8_t)a[i];
	sscanf(d, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
	for (int i = 0; i < 4; i++)
		p.daddr[i] = (uint8_t)a[i];
	return p;
}

static enum fw_verdict eval(const struct fw_pkt *p, int *rule)
{
	return fw_ref_eval(&cfg, &cfg.chain[FW_HOOK_FORWARD], p, rule);
}

START_TEST(first_match_and_policy)
{
	load("interface lan\ninterface wan\nset trusted ipv4 { 10.0.0.0/8, 192.168.0.0/16 }\nset web port { 80, 443 }\n"
	     "chain forward policy drop {\n"
	     "  ct state established,related accept\n"          /* 0 */
	     "  ip saddr 10.9.0.0/16 tcp dport 22 drop\n"          /* 1 */
	     "  counter\n"                                         /* 2: no verdict */
	     "  iif lan ip saddr @trusted tcp dport @web accept\n" /* 3 */
	     "  tcp flags syn,!ack tcp dport 8000-8080 accept\n"   /* 4 */
	     "  ip saddr != 10.0.0.0/8 udp dport 53 accept\n"      /* 5 */
	     "}\n");
	int rule;
	struct fw_pkt p = tcp4("10.9.1.1", "1.1.1.1", 1000, 22, 0x02);
	ck_assert_int_eq(eval(&p, &rule), FW_DROP);
	ck_assert_int_eq(rule, 1);
	p.ct_state = FW_CT_ESTABLISHED;
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	ck_assert_int_eq(rule, 0);
	p = tcp4("192.168.4.4", "1.1.1.1", 1000, 443, 0x10);
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	ck_assert_int_eq(rule, 3);
	p.iif = 1; /* from wan: rule 3 needs iif lan */
	ck_assert_int_eq(eval(&p, &rule), FW_DROP);
	ck_assert_int_eq(rule, -1);
	p = tcp4("8.8.8.8", "1.1.1.1", 1000, 8080, 0x02);
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	ck_assert_int_eq(rule, 4);
	p.tcp_flags = 0x12; /* SYN+ACK: !ack fails */
	ck_assert_int_eq(eval(&p, &rule), FW_DROP);
	p = tcp4("8.8.8.8", "1.1.1.1", 1000, 53, 0);
	p.l4proto = 17;
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	ck_assert_int_eq(rule, 5);
	p.saddr[0] = 10; /* != 10.0.0.0/8 fails */
	ck_assert_int_eq(eval(&p, &rule), FW_DROP);
	fw_config_free(&cfg);
}
END_TEST

START_TEST(absent_fields_never_match)
{
	load("chain forward policy accept {\n"
	     "  ip saddr != 10.0.0.0/8 drop\n"
	     "  tcp dport != 80 drop\n"
	     "  icmp type echo-request code 0 drop\n"
	     "  vlan id != 5 drop\n"
	     "}\n");
	int rule;
	struct fw_pkt p = { .iif = -1, .oif = -1, .ethertype = 0x86dd, .family = 6, .has_l4proto = true, .l4proto = 58,
			    .has_icmp = true, .icmp_type = 8, .ct_state = FW_CT_NEW, .length = 100 };
	/* IPv6 ICMPv6 type 8 without VLAN: none of the four rules sees its field */
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	ck_assert_int_eq(rule, -1);
	p.family = 4; /* an IPv4 ICMP echo request, from 10.x: rule 2 matches */
	p.ethertype = 0x0800;
	p.l4proto = 1;
	p.saddr[0] = 10;
	ck_assert_int_eq(eval(&p, &rule), FW_DROP);
	ck_assert_int_eq(rule, 2);
	p.icmp_code = 1;
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	p.has_vlan = true;
	p.vlan_id = 6;
	ck_assert_int_eq(eval(&p, &rule), FW_DROP);
	ck_assert_int_eq(rule, 3);
	fw_config_free(&cfg);
}
END_TEST

START_TEST(ipv6_prefixes_and_lengths)
{
	load("set v6 ipv6 { 2001:db8:1::/48 }\n"
	     "chain forward policy accept {\n"
	     "  ip6 daddr @v6 meta length 0-100 drop\n"
	     "  ip6 saddr 2001:db8::1 reject with icmpv6 admin-prohibited\n"
	     "}\n");
	int rule;
	struct fw_pkt p = { .iif = -1, .oif = -1, .ethertype = 0x86dd, .family = 6, .length = 90 };
	p.daddr[0] = 0x20, p.daddr[1] = 0x01, p.daddr[2] = 0x0d, p.daddr[3] = 0xb8, p.daddr[5] = 1;
	ck_assert_int_eq(eval(&p, &rule), FW_DROP);
	p.length = 101;
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	p.daddr[5] = 2; /* 2001:db8:2:: is outside the /48 */
	p.length = 50;
	ck_assert_int_eq(eval(&p, &rule), FW_ACCEPT);
	memcpy(p.saddr, (uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 16);
	ck_assert_int_eq(eval(&p, &rule), FW_REJECT);
	ck_assert_int_eq(rule, 1);
	fw_config_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_ref");
	TCase *tc = tcase_create("fw_ref");
	tcase_add_test(tc, first_match_and_policy);
	tcase_add_test(tc, absent_fields_never_match);
	tcase_add_test(tc, ipv6_prefixes_and_lengths);
	suite_add_tcase(s, tc);
	return check_run(s);
}
