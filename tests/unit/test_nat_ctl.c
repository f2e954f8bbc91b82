/* The nat appliance's control namespace (apps/nat/nat_ctl*.c) and metrics (nat_metrics.c):
 * the document of a config renders to text that parses to the same config; every command
 * and its errors at their columns; commits and loads that traffic follows; handles and hit
 * counts across commits; where a rendered line came from; the shows as text and as JSON
 * (checked by a JSON reader); their limits and the answer's cap; a whole session over the
 * real app; the metrics page, chunked and whole, and promtool's word on it when installed.
 *
 * This file: the JSON reader, documents against the parser, commands, commits and loads,
 * where a rendered line came from; test_nat_ctl_show.c: the shows, a session, the metrics;
 * nat_ctl_fixture.c: the app on a pipeline, commands, shows and commits as a session
 * makes them. */
#include "nat_ctl_fixture.h"
#include "check_run.h"

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the JSON reader ---------------------------------------------------------------------- */

START_TEST(json_reader_reads_json)
{
	ck_assert(json_ok("{\"a\":[1,-2.5,true,null,\"x\\u000a\"],\"b\":{}}\n"));
	ck_assert(!json_ok("{\"a\":[1,]}"));
	ck_assert(!json_ok("{\"a\":1}{"));
	ck_assert(!json_ok("{\"a\" 1}"));
	ck_assert(!json_ok("[\"a\nb\"]"));
}
END_TEST

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
	struct ctld_text t = { 0 };
	unsigned lines;
	ck_assert_int_eq(natd_context(d, NAT_HOOK_POST, &t, &lines), 0);
	ck_assert_str_eq(t.s, "interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24\n  address "
			      "192.0.2.3/24 }\nset inside ipv4 { }\nnat { ports 2000-60000 }\n");
	ck_assert_uint_eq(lines, 5);
	ctld_text_free(&t);
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
	const struct ctld_chain *pre = &txn_doc(t)->chain[NAT_HOOK_PRE];
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
	/* conf's lines before its chains, as they were; the chains as the commands left them */
	const char *chains = strstr(conf, "chain prerouting {\n");
	ck_assert_ptr_nonnull(chains);
	ck_assert_str_eq(render(t),
			 fmt("%.*s"
			     "chain prerouting {\n"
			     "\tiif wan tcp dport 22 dnat to 10.0.0.10\n"
			     "\tip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80\n"
			     "\tiif wan tcp dport 25 accept\n"
			     "\tiif wan udp dport 5353 dnat to 10.0.0.20:53\n"
			     "}\n"
			     "chain postrouting {\n"
			     "\toif wan ip saddr 10.0.0.0/25 masquerade\n"
			     "}\n", (int)(chains - conf), conf));
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

START_TEST(rendered_lines_map_back)
{
	struct nat_app *a = nat_up(conf);
	void *t = nata_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 3, "nat add rule postrouting  oif wan ip saddr 10.1.0.0/16 masquerade", &o), 0);
	const char *text = render(t);
	struct where_case cases[] = {
		{ "\toif wan ip saddr 10.1.0.0/16 masquerade", 10, "ctl:3:35" },
		{ "\tip daddr 192.0.2.2 tcp dport 8080", 6, fmt("rule handle %llu of chain prerouting", handle(a->doc, NAT_HOOK_PRE, 0)) },
		{ "interface wan", 11, "boot.conf:3:11" },
		{ "nat {", 7, "boot.conf:8:7" },
		{ "chain prerouting {", 1, "chain prerouting" },
		{ "}", 1, "chain prerouting" },
	};
	wheres_are(t, text, cases, sizeof(cases) / sizeof(cases[0]));
	nata_ctl_ns.txn_free(t);
	/* a chain that starts mid-line maps back past it */
	nat_down(a);
	a = nat_up("interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }; chain postrouting {\n"
		   "  oif wan masquerade }; route 0.0.0.0/0 via 192.0.2.1 # gw\nneighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n");
	t = nata_ctl_ns.txn_begin(a);
	text = render(t);
	char w[160];
	nata_ctl_ns.txn_where(t, line_of(text, "route"), 7, w, sizeof(w));
	ck_assert_str_eq(w, "boot.conf:3:31");
	nata_ctl_ns.txn_where(t, line_of(text, "neighbor"), 1, w, sizeof(w));
	ck_assert_str_eq(w, "boot.conf:4:1");
	/* a refused reload of the copy, its message mapped back (the rule a command brought is
	 * checked at once, so break the copy behind the command's back) */
	ck_assert_int_eq(cmd(t, 7, "nat add rule postrouting   oif wan ip saddr 10.2.0.0/16 masquerade", &o), 0);
	struct ctld_chain *post = &txn_doc(t)->chain[NAT_HOOK_POST];
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
	nat_ctl_show_tests(tc);
	suite_add_tcase(s, tc);
	return check_run(s);
}
