/* fw's control namespace (apps/fw/fw_ctl*.c) and the document it edits (fw_doc*.c): the
 * document of every config in the repository renders to text that parses to the same
 * config; every command and every error, at its column; handles kept by a commit and new
 * after a load; where a rendered line came from; the counters of the rules a commit keeps;
 * the shows, as text and JSON; and a whole session over the real fw app. */
#include "check_run.h"
#include "fw_ctl_test.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the document against the parser ------------------------------------------------- */

static const char *const repo_configs[] = {
	"tests/replay/cases/fw-basic/rules.conf", "tests/replay/cases/fw-timeouts/rules.conf",
	"tests/replay/cases/fw-router/rules.conf", "tests/replay/cases/fw-vlan-frag/rules.conf",
	"tests/replay/cases/fw-router-neigh/rules.conf", "tests/replay/cases/fw-router-vlan/rules.conf",
	"tests/replay/cases/fw-related/rules.conf", "tests/replay/cases/fw-router-errors/rules.conf",
	"tests/replay/cases/fw-ipv6/rules.conf", "tests/replay/cases/fw-malformed/rules.conf",
	"tests/nft/cases/router/rules.conf", "tests/e2e/fw-router/rules.conf", "tools/demo/fw/rules.conf",
};

/* Comments everywhere, ';', one-line chains, strings with '#', sets over lines, an
 * element twice (10.0.0.1/32 is 10.0.0.1), blank lines inside a block. */
static const char tricky[] =
	"# head\ninterface lan { # the lan\n\n  address 10.0.0.1/24   # first\n\n  mac 02:00:00:00:01:00 }\n"
	"interface wan { address 192.0.2.2/24; address 2001:db8::2/64 }; route 0.0.0.0/0 via 192.0.2.1 # gw\n"
	"set blocked ipv4 { 10.9.0.0/16,\n   10.0.0.1/32, # one\n 10.0.0.1 }\n"
	"set web port { 80, 443-443, 8000-8080 }; set v6 ipv6 { 2001:db8:0:0::/64, ::1 }\n"
	"chain input { accept }\n"
	"chain forward policy drop { ct state established accept; ip saddr @blocked drop # blocked\n"
	"  tcp dport @web log prefix \"w # eb\" counter accept\n"
	"  tcp dport { 22, 2222 } limit rate 10/second burst 5 accept ; ip6 saddr @v6 reject with icmpv6 no-route }\n"
	"conntrack { max 2048; timeout udp 10 }\n";

START_TEST(documents_render_to_the_same_config)
{
	struct text docs = { 0 };
	const char *texts[32];
	char *owned[32];
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(repo_configs) / sizeof(repo_configs[0]); i++)
		texts[n++] = owned[i] = read_src(repo_configs[i]);
	texts[n] = owned[n] = doc_block("docs/RULES.md", "## Example");
	n++;
	texts[n] = owned[n] = doc_block("docs/MANAGEMENT.md", "## In the config language");
	n++;
	texts[n++] = tricky;
	for (unsigned i = 0; i < n; i++)
		round_trip(texts[i], &docs);
	for (unsigned i = 0; i + 1 < n; i++)
		free(owned[i]);
	free(docs.s);
}
END_TEST

START_TEST(documents_hold_what_the_text_says)
{
	struct fwd_doc *d = fwd_build("t.conf", tricky, strlen(tricky), NULL, 0);
	ck_assert_ptr_nonnull(d);
	const struct fwd_set *b = fwd_set_find(d, "blocked", 7), *w = fwd_set_find(d, "web", 3),
			     *v6 = fwd_set_find(d, "v6", 2);
	ck_assert_uint_eq(b->n, 3);
	ck_assert_str_eq(b->elems[1].text, "10.0.0.1");
	ck_assert_str_eq(b->elems[2].text, "10.0.0.1");
	ck_assert_str_eq(w->elems[1].text, "443");
	ck_assert_str_eq(w->elems[2].text, "8000-8080");
	ck_assert_str_eq(v6->elems[0].text, "2001:db8::/64");
	ck_assert_str_eq(v6->elems[1].text, "::1");
	const struct ctld_chain *f = &d->chain[FW_HOOK_FORWARD];
	ck_assert_uint_eq(f->n, 5);
	ck_assert_str_eq(f->rules[0].text, "ct state established accept");
	ck_assert_str_eq(f->rules[1].text, "ip saddr @blocked drop");
	ck_assert_str_eq(f->rules[2].text, "tcp dport @web log prefix \"w # eb\" counter accept");
	ck_assert_str_eq(f->rules[4].text, "ip6 saddr @v6 reject with icmpv6 no-route");
	ck_assert_str_eq(d->chain[FW_HOOK_INPUT].rules[0].text, "accept");
	ck_assert(!d->chain[FW_HOOK_OUTPUT].declared);
	/* every rule its own handle; another read of the same text, new ones */
	struct fwd_doc *again = fwd_build("t.conf", tricky, strlen(tricky), NULL, 0);
	for (unsigned i = 0; i < f->n; i++) {
		ck_assert_uint_gt(again->chain[FW_HOOK_FORWARD].rules[i].handle, f->rules[f->n - 1].handle);
		ck_assert(i == 0 || f->rules[i].handle > f->rules[i - 1].handle);
	}
	/* a statement's lines, comments dropped, with where they began */
	struct ctld_text t = { 0 };
	ck_assert_int_eq(fwd_render(d, &t), 0);
	ck_assert_msg(!strncmp(t.s, "interface lan {\n\taddress 10.0.0.1/24\n\tmac 02:00:00:00:01:00 }\n", 62), "%s", t.s);
	char where[96];
	fwd_where(d, &t, 3, 6, where, sizeof(where));        /* "mac" of the first statement */
	ck_assert_str_eq(where, "t.conf:6:7");
	fwd_where(d, &t, 1, 11, where, sizeof(where));
	ck_assert_str_eq(where, "t.conf:2:11");
	ck_assert_ptr_null(strstr(t.s, "\n\n"));             /* no empty line: a body line each */
	ctld_text_free(&t);
	/* a set declared after a chain stays there; deleting an element listed twice takes both */
	static const char late_text[] = "chain input { }\nset s port { 1 }\n";
	struct fwd_doc *late = fwd_build("l.conf", late_text, strlen(late_text), NULL, 0);
	ck_assert_ptr_nonnull(late);
	ck_assert_str_eq(render_doc(late), "chain input policy accept {\n}\nset s port {\n\t1\n}\n");
	fwd_free(late);
	struct fwd_set *twice = fwd_set_find(d, "blocked", 7);
	fwd_elem_delete(twice, "10.0.0.1");
	ck_assert_uint_eq(twice->n, 1);
	/* a text that is no config */
	char err[256];
	ck_assert_ptr_null(fwd_build("x.conf", "chain sideways { }\n", 19, err, sizeof(err)));
	ck_assert_str_eq(err, "x.conf:1:7: expected a chain: input, forward or output, got 'sideways'");
	ck_assert_ptr_null(fwd_build("x.conf", "set s ipv4 { 10.0.0.300 }\n", 26, err, sizeof(err)));
	ck_assert_str_eq(err, "x.conf:1:21: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.300'");
	fwd_free(again);
	fwd_free(d);
}
END_TEST

/* ---- commands ------------------------------------------------------------------------ */

static const char bridge_conf[] =
	"interface lan\ninterface wan\n"
	"set dns port { 53, 5353 }\n"
	"set blocked ipv4 { 10.9.0.0/16, 10.0.0.1 }\n"
	"chain forward policy drop {\n"
	"    ct state established,related accept\n"
	"    udp dport @dns counter accept\n"
	"    tcp dport 22 counter drop\n"
	"}\n";

START_TEST(rules_are_added_where_asked)
{
	struct fw_app *a = fw_up(bridge_conf);
	void *t = fw_ctl_ns.txn_begin(a);
	const struct ctld_chain *f = &txn_doc(t)->chain[FW_HOOK_FORWARD];
	uint64_t h0 = f->rules[0].handle, h1 = f->rules[1].handle, h2 = f->rules[2].handle;
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 1, "fw add rule forward udp dport 7 drop", &o), 0);
	uint64_t h3 = f->rules[3].handle;
	ck_assert_uint_gt(h3, h2);
	ck_assert_str_eq(o.status, fmt("handle %llu", (unsigned long long)h3));
	ck_assert_int_eq(cmd(t, 2, "fw insert rule forward tcp dport 1 drop", &o), 0);
	ck_assert_uint_eq(f->rules[0].handle, h3 + 1);
	ck_assert_int_eq(cmd(t, 3, fmt("fw add rule forward position %llu tcp dport 2 drop", (unsigned long long)h1),
			     &o), 0);
	ck_assert_int_eq(cmd(t, 4, fmt("fw insert rule forward position %llu tcp dport 3 drop",
				       (unsigned long long)h0), &o), 0);
	ck_assert_int_eq(cmd(t, 5, fmt("--json fw replace rule forward handle %llu tcp dport 4 drop",
				       (unsigned long long)h2), &o), 0);
	uint64_t h7 = h3 + 4;
	ck_assert_str_eq(o.body, fmt("{\"handle\":%llu}\n", (unsigned long long)h7));
	ck_assert_int_eq(cmd(t, 6, fmt("fw delete rule forward handle %llu", (unsigned long long)h3), &o), 0);
	ck_assert_str_eq(o.status, fmt("deleted rule handle %llu", (unsigned long long)h3));
	static const char *const want[] = { "tcp dport 1 drop", "tcp dport 3 drop", "ct state established,related accept",
					    "udp dport @dns counter accept", "tcp dport 2 drop", "tcp dport 4 drop" };
	ck_assert_uint_eq(f->n, 6);
	for (unsigned i = 0; i < 6; i++)
		ck_assert_str_eq(f->rules[i].text, want[i]);
	ck_assert_uint_eq(f->rules[5].handle, h7);
	/* a chain not declared yet is, by add */
	ck_assert_int_eq(cmd(t, 7, "fw add rule input   ct state new log prefix \"in: \" accept", &o), 0);
	ck_assert(txn_doc(t)->chain[FW_HOOK_INPUT].declared);
	ck_assert_str_eq(txn_doc(t)->chain[FW_HOOK_INPUT].rules[0].text, "ct state new log prefix \"in: \" accept");
	ck_assert_int_eq(cmd(t, 8, "fw policy output drop", &o), 0);
	ck_assert_int_eq(cmd(t, 9, "fw flush chain input", &o), 0);
	ck_assert_str_eq(o.status, "flushed 1 rule");
	char sum[200];
	fw_ctl_ns.txn_summary(t, sum, sizeof(sum));
	ck_assert_str_eq(sum, "+6 rules -3 rules, policy output drop");
	commit_ok(a, t);
	ck_assert_uint_eq(a->doc->chain[FW_HOOK_FORWARD].n, 6);
	ck_assert(a->doc->chain[FW_HOOK_OUTPUT].policy == FW_DROP);
	ck_assert(atomic_load(&a->active)->rs->cfg.chain[FW_HOOK_OUTPUT].policy == FW_DROP);
	fw_down(a);
}
END_TEST

START_TEST(sets_and_elements)
{
	struct fw_app *a = fw_up(bridge_conf);
	void *t = fw_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 1, "fw add element blocked { 192.0.2.0/24, 10.1.1.1/32 }", &o), 0);
	ck_assert_str_eq(o.status, "2 elements added");
	ck_assert_int_eq(cmd(t, 2, "fw delete element blocked { 10.1.1.1, 10.9.0.0/16 }", &o), 0);
	ck_assert_int_eq(cmd(t, 3, "fw add set web port { 80, 443, 8000-8080 }", &o), 0);
	ck_assert_int_eq(cmd(t, 4, "fw add set empty ipv6", &o), 0);
	ck_assert_int_eq(cmd(t, 5, "fw add rule forward tcp dport @web accept", &o), 0);
	ck_assert_int_eq(cmd(t, 6, "fw add rule forward ip6 saddr @empty drop", &o), 0);
	ck_assert_int_eq(cmd(t, 7, fmt("fw delete rule forward handle %llu",
				       (unsigned long long)txn_doc(t)->chain[FW_HOOK_FORWARD].rules[4].handle), &o), 0);
	ck_assert_int_eq(cmd(t, 8, "fw delete set empty", &o), 0);
	char sum[200];
	fw_ctl_ns.txn_summary(t, sum, sizeof(sum));
	ck_assert_str_eq(sum, "+2 rules -1 rule, +2 sets -1 set, +5 elements -2 elements");
	const char *text = render(t);
	ck_assert_msg(strstr(text, "set web port {\n\t80,\n\t443,\n\t8000-8080\n}\nchain forward"), "%s", text);
	ck_assert_msg(strstr(text, "set blocked ipv4 {\n\t10.0.0.1,\n\t192.0.2.0/24\n}\n"), "%s", text);
	commit_ok(a, t);
	const struct cf_set *web = cf_config_set(&atomic_load(&a->active)->rs->cfg.cf, "web", 3);
	ck_assert_uint_eq(web->n, 3);
	ck_assert_uint_eq(web->ranges[2].hi, 8080);
	fw_down(a);
}
END_TEST

/* Every refusal, at the column of the word at fault, and the copy unchanged. */
START_TEST(commands_refused_at_their_column)
{
	struct fw_app *a = fw_up(bridge_conf);
	void *t = fw_ctl_ns.txn_begin(a);
	struct text before = { 0 };
	text_put(&before, "%s", render(t));
	static const struct { const char *line, *err; } bad[] = {
		{ "fw frob rule forward accept", "ctl:4:4: expected add, insert, replace, delete, flush or policy, got 'frob'" },
		{ "fw add chain forward", "ctl:4:8: expected 'rule', 'element' or 'set' after 'add', got 'chain'" },
		{ "fw insert", "ctl:4:10: expected 'rule' after 'insert'" },
		{ "fw add rule sideways accept", "ctl:4:13: unknown chain 'sideways' (input, forward or output)" },
		{ "fw add rule", "ctl:4:12: expected a chain: input, forward or output" },
		{ "fw add rule forward", "ctl:4:20: expected a rule" },
		{ "fw delete rule input handle 1", "ctl:4:16: chain 'input' is not declared" },
		{ "fw delete rule forward handle 999999", "ctl:4:31: no rule with handle 999999 in chain forward" },
		{ "fw delete rule forward handle x1", "ctl:4:31: expected a rule handle (a number), got 'x1'" },
		{ "fw delete rule forward 5", "ctl:4:24: expected 'handle H' (the rule to delete)" },
		{ "fw replace rule forward position 5 accept", "ctl:4:25: expected 'handle H' (the rule to replace)" },
		{ "fw add rule forward position 999999 accept", "ctl:4:30: no rule with handle 999999 in chain forward" },
		{ "fw add rule forward ip saddr @nope drop", "ctl:4:31: no set named 'nope' (declare it before the chain)" },
		{ "fw add rule forward ip saddr @dns drop", "ctl:4:31: set 'dns' does not hold IPv4 addresses" },
		{ "fw add rule forward tcp dport 99999 accept",
		  "ctl:4:31: expected a port from 0 to 65535 or a range A-B, got '99999'" },
		{ "fw add rule forward iif dmz accept", "ctl:4:25: no interface named 'dmz'" },
		{ "fw add rule forward tcp dport 22 accept drop", "ctl:4:41: expected the end of the rule after its verdict, got 'drop'" },
		{ "fw add rule forward accept; drop", "ctl:4:29: one rule a command: nothing after its ';'" },
		{ "fw add rule forward accept }", "ctl:4:28: unexpected '}' (no '{' before it)" },
		{ "fw add rule forward log prefix \"x", "ctl:4:32: string not closed before the end of the line" },
		{ "fw policy forward reject", "ctl:4:19: expected accept or drop, got 'reject'" },
		{ "fw policy forward", "ctl:4:18: expected accept or drop" },
		{ "fw flush chain output", "ctl:4:16: chain 'output' is not declared" },
		{ "fw flush forward", "ctl:4:10: expected 'chain' after 'flush'" },
		{ "fw add element nope { 1.2.3.4 }", "ctl:4:16: no set named 'nope'" },
		{ "fw add element blocked 1.2.3.4", "ctl:4:24: expected '{' and the elements" },
		{ "fw add element blocked { 10.0.0.1/32 }", "ctl:4:26: '10.0.0.1' is already in set 'blocked'" },
		{ "fw add element blocked { 1.1.1.1, 1.1.1.1 }", "ctl:4:35: '1.1.1.1' is already in set 'blocked'" },
		{ "fw add element blocked { 10.0.0.300 }",
		  "ctl:4:33: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.300'" },
		{ "fw add element blocked { 2001:db8::1 }", "ctl:4:26: '2001:db8::1' is not an IPv4 address, as set 'blocked' holds" },
		{ "fw add element blocked { 10.1.0.0/8 }", "ctl:4:26: '10.1.0.0/8' has host bits set beyond /8 (did you mean the network address?)" },
		{ "fw add element blocked { 1.2.3.4", "ctl:4:33: expected ',' or '}'" },
		{ "fw add element dns { 80 } x", "ctl:4:27: expected the end of the command after '}'" },
		{ "fw delete element blocked { 10.0.0.2 }", "ctl:4:29: '10.0.0.2' is not in set 'blocked'" },
		{ "fw add set dns port", "ctl:4:12: set 'dns' is already declared" },
		{ "fw add set 9lives port", "ctl:4:12: expected a set name (a letter, then letters, digits, '_' or '-', at most 15), got '9lives'" },
		{ "fw add set s mac", "ctl:4:14: expected the set's type: ipv4, ipv6 or port, got 'mac'" },
		{ "fw add set s port { 1, 70000 }", "ctl:4:24: expected a port from 0 to 65535 or a range A-B, got '70000'" },
		{ "fw delete set nope", "ctl:4:15: no set named 'nope'" },
		{ "fw delete set blocked now", "ctl:4:23: expected the end of the command, got 'now'" },
	};
	struct text wrong = { 0 };
	text_put(&wrong, "%s", "");
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ctl_out o;
		ck_assert_msg(cmd(t, 4, bad[i].line, &o) == -1, "%s", bad[i].line);
		if (strcmp(o.status, bad[i].err))
			text_put(&wrong, "\n%s\n  got:  %s\n  want: %s", bad[i].line, o.status, bad[i].err);
		ck_assert_str_eq(render(t), before.s);
	}
	ck_assert_msg(!wrong.n, "%s", wrong.s);
	free(wrong.s);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 5, "fw delete set dns", &o), -1);
	ck_assert_str_eq(o.status, fmt("ctl:5:15: set 'dns' is used by rule handle %llu of chain forward",
				       (unsigned long long)txn_doc(t)->chain[FW_HOOK_FORWARD].rules[1].handle));
	char sum[200];
	fw_ctl_ns.txn_summary(t, sum, sizeof(sum));
	ck_assert_str_eq(sum, "no change");
	fw_ctl_ns.txn_free(t);
	free(before.s);
	fw_down(a);
}
END_TEST

/* Handles: kept by a commit for the rules it did not touch, new for every rule after a
 * reload from text; an aborted transaction leaves the running document as it was. */
START_TEST(handles_across_commits_and_loads)
{
	struct fw_app *a = fw_up(bridge_conf);
	uint64_t h[3];
	for (unsigned i = 0; i < 3; i++)
		h[i] = a->doc->chain[FW_HOOK_FORWARD].rules[i].handle;
	void *t = fw_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 1, "fw insert rule forward udp dport 9 drop", &o), 0);
	fw_ctl_ns.txn_free(t);                               /* aborted */
	ck_assert_uint_eq(a->doc->chain[FW_HOOK_FORWARD].n, 3);
	t = fw_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 1, "fw insert rule forward udp dport 9 drop", &o), 0);
	commit_ok(a, t);
	const struct ctld_chain *f = &a->doc->chain[FW_HOOK_FORWARD];
	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(f->rules[i + 1].handle, h[i]);
	ck_assert_uint_eq(f->rules[0].from.line, 0);            /* settled: the running config */
	/* the running config, reloaded as a whole: every rule a new handle */
	const char *text = render_doc(a->doc);
	char err[256];
	ck_assert_int_eq(app_fw.reload(a, "again.conf", text, strlen(text), err, sizeof(err)), 0);
	f = &a->doc->chain[FW_HOOK_FORWARD];
	ck_assert_uint_eq(f->n, 4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_gt(f->rules[i].handle, h[2] + 1);
	fw_down(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw-ctl");
	TCase *tc = tcase_create("fw-ctl");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, documents_render_to_the_same_config);
	tcase_add_test(tc, documents_hold_what_the_text_says);
	tcase_add_test(tc, rules_are_added_where_asked);
	tcase_add_test(tc, sets_and_elements);
	tcase_add_test(tc, commands_refused_at_their_column);
	tcase_add_test(tc, handles_across_commits_and_loads);
	fw_ctl_more_tests(tc);
	suite_add_tcase(s, tc);
	return check_run(s);
}
