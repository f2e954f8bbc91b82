/* unit-fw-ctl, continued: where a rendered line came from, counters across commits, the
 * shows as text and JSON, and a whole session over the fw app. */
#include "fw_ctl_test.h"
#include "pktbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char conf[] =
	"interface lan\ninterface wan\n"
	"set dns port { 53, 5353 }\n"
	"set blocked ipv4 { 10.9.0.0/16, 10.0.0.1 }\n"
	"chain forward policy drop {\n"
	"    ct state established,related accept\n"
	"    udp dport @dns counter accept\n"
	"    udp dport 5 limit rate 1/minute burst 1 counter accept\n"
	"    tcp dport 22 counter drop\n"
	"}\n";

static unsigned long long handle(const struct fwd_doc *d, unsigned i)
{
	return (unsigned long long)d->chain[FW_HOOK_FORWARD].rules[i].handle;
}

START_TEST(rendered_lines_map_back)
{
	struct fw_app *a = fw_up(conf);
	void *t = fw_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 3, "fw add rule forward tcp dport 80 accept", &o), 0);
	ck_assert_int_eq(cmd(t, 4, "fw add element blocked { 192.0.2.1 }", &o), 0);
	ck_assert_int_eq(cmd(t, 5, "fw add set extra port { 1, 2 }", &o), 0);
	ck_assert_int_eq(cmd(t, 6, "--json fw policy forward accept", &o), 0);
	const char *text = render(t);
	struct where_case cases[] = {
		{ "\ttcp dport 80 accept", 6, "ctl:3:25" },
		{ "\ttcp dport 22 counter drop", 6, fmt("rule handle %llu of chain forward", handle(a->doc, 3)) },
		{ "\t192.0.2.1", 2, "ctl:4:26" },
		{ "\t10.0.0.1,", 5, "element 10.0.0.1 of set blocked" },
		{ "set extra port {", 5, "ctl:5:12" },
		{ "\t2", 2, "ctl:5:28" },
		{ "set dns port {", 1, "set dns" },
		{ "chain forward policy accept {", 15, "ctl:6:11" },
		{ "interface wan", 11, "boot.conf:2:11" },
	};
	wheres_are(t, text, cases, sizeof(cases) / sizeof(cases[0]));
	fw_ctl_ns.txn_free(t);
	/* a refused reload of the copy: its message mapped back through txn_where (the rule a
	 * command brought is checked at once, so break the copy behind the command's back) */
	t = fw_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 7, "fw add rule forward  udp dport 99 accept", &o), 0);
	struct ctld_chain *f = &txn_doc(t)->chain[FW_HOOK_FORWARD];
	char *r = f->rules[f->n - 1].text;
	memcpy(r + 10, "9x", 2);             /* "udp dport 9x accept" */
	char err[300];
	ck_assert_int_eq(commit(a, t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ctl:7:33: expected '-' or the end of the port, got 'x'");
	ck_assert_uint_eq(a->doc->chain[FW_HOOK_FORWARD].n, 4);
	fw_down(a);
}
END_TEST

START_TEST(counters_of_kept_rules_carry_over)
{
	struct fw_app *a = fw_up(conf);
	for (int i = 0; i < 2; i++)
		ck_assert(send_udp(53, 1000));
	ck_assert(send_udp(5, 1000));             /* the limit's one packet */
	ck_assert(!send_udp(5, 1001));            /* over it: the policy drops it */
	ck_assert(!send_udp(9, 1002));
	struct fw_ruleset *rs = atomic_load(&a->active)->rs;
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][1].pkts, 2);
	ck_assert_uint_eq(rs->policy_pkts[FW_HOOK_FORWARD], 2);
	unsigned long long dns = handle(a->doc, 1), lim = handle(a->doc, 2);
	void *t = fw_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 1, "fw insert rule forward udp dport 7 drop", &o), 0);
	ck_assert_int_eq(cmd(t, 2, fmt("fw replace rule forward handle %llu tcp dport 22 counter reject", handle(a->doc, 3)),
			     &o), 0);
	commit_ok(a, t);
	rs = atomic_load(&a->active)->rs;
	ck_assert_uint_eq(handle(a->doc, 2), dns);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][2].pkts, 2);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][2].bytes, 120);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][3].pkts, 1);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][3].limited, 1);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][4].pkts, 0);   /* replaced: a new rule */
	ck_assert_uint_eq(rs->policy_pkts[FW_HOOK_FORWARD], 2);     /* the same policy */
	/* the limit's bucket came along: still empty, where a new rule's would pass one */
	ck_assert(!send_udp(5, 1003));
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][3].limited, 2);
	ck_assert(send_udp(53, 1004));
	ck_assert_str_eq(show(a, "counters", false, &o) == 0 ? o.body : "",
			 fmt("chain forward policy drop: 3 packets\n"
			     "\thandle %llu: 3 packets, 180 bytes: udp dport @dns counter accept\n"
			     "\thandle %llu: 1 packets, 60 bytes, 2 over its limit: udp dport 5 limit rate 1/minute burst 1 "
			     "counter accept\n"
			     "\thandle %llu: 0 packets, 0 bytes: tcp dport 22 counter reject\n",
			     dns, lim, handle(a->doc, 4)));
	ck_assert_int_eq(show(a, "counters", true, &o), 0);
	ck_assert_msg(strstr(o.body, fmt("{\"chain\":\"forward\",\"handle\":%llu,\"rule\":\"udp dport @dns counter "
					 "accept\",\"packets\":3,\"bytes\":180,\"over_limit\":0}", dns)), "%s", o.body);
	ck_assert_msg(!strncmp(o.body, "{\"policies\":[{\"chain\":\"forward\",\"policy\":\"drop\",\"packets\":3}],", 62),
		      "%s", o.body);
	/* a new policy counts from zero; the rules keep theirs */
	t = fw_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 1, "fw policy forward accept", &o), 0);
	commit_ok(a, t);
	rs = atomic_load(&a->active)->rs;
	ck_assert_uint_eq(rs->policy_pkts[FW_HOOK_FORWARD], 0);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][2].pkts, 3);
	/* a reload from text: new handles, counters from zero */
	const char *text = render_doc(a->doc);
	char err[256];
	ck_assert_int_eq(app_fw.reload(a, "again.conf", text, strlen(text), err, sizeof(err)), 0);
	rs = atomic_load(&a->active)->rs;
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][2].pkts, 0);
	ck_assert_uint_gt(handle(a->doc, 2), dns);
	fw_down(a);
}
END_TEST

START_TEST(shows_as_text_and_json)
{
	struct fw_app *a = fw_up(conf);
	const struct fwd_doc *d = a->doc;
	struct ctl_out o;
	ck_assert_int_eq(show(a, "rules", false, &o), 0);
	ck_assert_str_eq(o.body, fmt("chain forward policy drop {\n\tct state established,related accept # handle %llu\n"
				     "\tudp dport @dns counter accept # handle %llu\n"
				     "\tudp dport 5 limit rate 1/minute burst 1 counter accept # handle %llu\n"
				     "\ttcp dport 22 counter drop # handle %llu\n}\n",
				     handle(d, 0), handle(d, 1), handle(d, 2), handle(d, 3)));
	ck_assert_int_eq(show(a, "rules forward", true, &o), 0);
	ck_assert_msg(!strncmp(o.body, fmt("{\"chains\":[{\"chain\":\"forward\",\"policy\":\"drop\"}],\"rules\":[{\"chain\":"
					   "\"forward\",\"handle\":%llu,\"rule\":\"ct state established,related accept\"},",
					   handle(d, 0)), 130), "%s", o.body);
	ck_assert_int_eq(show(a, "rules input", false, &o), 0);
	ck_assert_ptr_null(o.body);
	ck_assert_int_eq(show(a, "rules sideways", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:12: unknown chain 'sideways' (input, forward or output)");
	ck_assert_int_eq(show(a, "config", false, &o), 0);
	ck_assert_str_eq(o.body, render_doc(d));
	ck_assert_int_eq(show(a, "config", true, &o), 0);
	ck_assert_msg(!strncmp(o.body, "{\"config\":\"interface lan\\u000ainterface wan\\u000aset dns port {\\u000a\\u000953,", 78), "%s",
		      o.body);
	ck_assert_int_eq(show(a, "sets", false, &o), 0);
	ck_assert_str_eq(o.body, "set dns port: 2 elements\nset blocked ipv4: 2 elements\n");
	ck_assert_int_eq(show(a, "sets blocked", false, &o), 0);
	ck_assert_str_eq(o.body, "10.9.0.0/16\n10.0.0.1\n");
	ck_assert_str_eq(o.status, "set blocked ipv4: 2 elements");
	ck_assert_int_eq(show(a, "sets blocked", true, &o), 0);
	ck_assert_str_eq(o.body, "{\"set\":\"blocked\",\"kind\":\"ipv4\",\"elements\":[\"10.9.0.0/16\",\"10.0.0.1\"]}\n");
	ck_assert_int_eq(show(a, "sets", true, &o), 0);
	ck_assert_str_eq(o.body, "{\"sets\":[{\"name\":\"dns\",\"kind\":\"port\",\"elements\":2},{\"name\":\"blocked\","
				 "\"kind\":\"ipv4\",\"elements\":2}]}\n");
	ck_assert_int_eq(show(a, "sets nope", false, &o), -1);
	ck_assert_int_eq(show(a, "interfaces", false, &o), 0);
	ck_assert_str_eq(o.body, "bridge port 0 interface lan mac 02:00:00:00:00:01\n"
				 "bridge port 1 interface wan mac 02:00:00:00:00:02\n");
	ck_assert_int_eq(show(a, "interfaces", true, &o), 0);
	ck_assert_str_eq(o.body, "{\"mode\":\"bridge\",\"interfaces\":[{\"name\":\"lan\",\"port\":0,\"mac\":"
				 "\"02:00:00:00:00:01\"},{\"name\":\"wan\",\"port\":1,\"mac\":\"02:00:00:00:00:02\"}]}\n");
	/* the connection table */
	ck_assert_int_eq(show(a, "connections", false, &o), 0);
	ck_assert_str_eq(o.body, "0 connections, 0 shown\n");
	ck_assert(send_udp(53, 1000));
	ck_assert(send_udp(5353, 1000));
	ck_assert_int_eq(show(a, "connections", false, &o), 0);
	ck_assert_msg(strstr(o.body, "udp src=192.0.2.1 dst=198.51.100.2 sport=1000 dport=53 [UNREPLIED] expires in "),
		      "%s", o.body);
	ck_assert_msg(strstr(o.body, "\n2 connections, 2 shown\n"), "%s", o.body);
	ck_assert_int_eq(show(a, "connections limit 1", true, &o), 0);
	ck_assert_msg(strstr(o.body, "\"seen_reply\":false") && strstr(o.body, "],\"shown\":1,\"total\":2}\n"), "%s",
		      o.body);
	ck_assert_int_eq(show(a, "connections limit x", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:18: expected 'limit N' (at most 1000000 connections), got 'limit x'");
	ck_assert_int_eq(show(a, "counters now", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:15: show counters takes nothing more, got 'now'");
	ck_assert_int_eq(show(a, "rules forward input", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:20: show rules takes one chain at most, got 'input'");
	ck_assert_int_eq(show(a, "routes", false, &o), -1);
	ck_assert_str_eq(o.status, "ctl:1:6: unknown show 'routes': rules, counters, connections, interfaces, config or sets");
	fw_down(a);
}
END_TEST

START_TEST(router_interfaces_shown)
{
	char *text = read_src("tests/nft/cases/router/rules.conf");
	struct fw_app *a = fw_up(text);
	struct ctl_out o;
	ck_assert_int_eq(show(a, "interfaces", false, &o), 0);
	ck_assert_str_eq(o.body, "interface lan: port 0 mac 02:00:00:00:01:00 mtu 1500 address 10.0.0.1/24 address "
				 "2001:db8:1::1/64: rx 0 packets 0 bytes, tx 0 packets 0 bytes\n"
				 "interface wan: port 1 mac 02:00:00:00:02:00 mtu 1280 address 192.0.2.2/24 address "
				 "2001:db8:2::2/64: rx 0 packets 0 bytes, tx 0 packets 0 bytes\n");
	ck_assert_str_eq(o.status, "router");
	ck_assert_int_eq(show(a, "interfaces", true, &o), 0);
	ck_assert_msg(!strncmp(o.body, "{\"mode\":\"router\",\"interfaces\":[{\"name\":\"lan\",\"port\":0,\"vlan\":0,\"mac\":"
				       "\"02:00:00:00:01:00\",\"mtu\":1500,\"addresses\":[\"10.0.0.1/24\",\"2001:db8:1::1/64\"],"
				       "\"rx_packets\":0", 150), "%s", o.body);
	fw_down(a);
	free(text);
}
END_TEST

/* ---- a session over the fw app -------------------------------------------------------- */

START_TEST(a_session_edits_the_running_fw)
{
	struct fw_app *a = fw_up(conf);
	struct ctl_host h = { .app_name = "fw", .ns = &fw_ctl_ns, .app = a, .reload = app_fw.reload, .arg = a };
	struct ctl_session *s = ctl_session_new(&h, "CN=test");
	ck_assert_ptr_nonnull(s);
	const char *r = talk(s, "fw add rule forward tcp dport 23 drop\n");
	unsigned long long hd = handle(a->doc, 4);
	ck_assert_msg(!strncmp(r, fmt("ok handle %llu; committed ctl:1 (+1 rule) in ", hd), 40), "%s", r);
	ck_assert_str_eq(a->doc->chain[FW_HOOK_FORWARD].rules[4].text, "tcp dport 23 drop");
	r = talk(s, "begin\n  fw add rule forward ip saddr @nope drop\nfw add element blocked { 10.0.0.7 }\n"
		    "fw add rule forward log prefix \"a # b\" drop\ncommit\n");
	ck_assert_msg(strstr(r, "error ctl:3:33: no set named 'nope' (declare it before the chain)\n\n"), "%s", r);
	ck_assert_msg(strstr(r, "ok committed ctl (+1 rule, +1 element) in "), "%s", r);
	ck_assert_str_eq(a->doc->chain[FW_HOOK_FORWARD].rules[5].text, "log prefix \"a # b\" drop");
	ck_assert_str_eq(fwd_set_find(a->doc, "blocked", 7)->elems[2].text, "10.0.0.7");
	r = talk(s, "--json show rules output\n");
	ck_assert_str_eq(r, "ok\n{\"chains\":[],\"rules\":[]}\n\n");
	r = talk(s, fmt("fw delete rule forward handle %llu\n", hd));
	ck_assert_msg(!strncmp(r, fmt("ok deleted rule handle %llu; committed ctl:7 (-1 rule) in ", hd), 30), "%s", r);
	ctl_session_free(s);
	fw_down(a);
}
END_TEST

void fw_ctl_more_tests(TCase *tc)
{
	tcase_add_test(tc, rendered_lines_map_back);
	tcase_add_test(tc, counters_of_kept_rules_carry_over);
	tcase_add_test(tc, shows_as_text_and_json);
	tcase_add_test(tc, router_interfaces_shown);
	tcase_add_test(tc, a_session_edits_the_running_fw);
}
