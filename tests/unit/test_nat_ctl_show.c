/* unit-nat-ctl, continued: the shows as text and as JSON (checked by the JSON reader), their
 * limits and the answer's cap; a whole session over the real app, and random lines of the
 * namespace's words through one; the metrics page, chunked and whole, and promtool's word
 * on it when installed. */
#include "nat_ctl_fixture.h"
#include "metrics.h"
#include "pktbuild.h"

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void host_interfaces(void *arg, struct ctl_out *o)
{
	(void)arg;
	ctl_printf(o, o->json ? "[{\"port\":0},{\"port\":1}]" : "port 0\nport 1\n");
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
	struct ctl_host h = { .app_name = "nat", .ns = &nata_ctl_ns, .app = a, .reload = app_nat.reload,
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
	struct ctl_host h = { .app_name = "nat", .ns = &nata_ctl_ns, .app = a, .reload = app_nat.reload,
			      .interfaces = host_interfaces, .arg = a };
	struct ctl_session *s = ctl_session_new(&h, "CN=fuzz");
	uint64_t seed = 0x5eed;
	char line[512];
	unsigned answers = 0, handles = 0, refused = 0;
	for (unsigned i = 0; i < 4000; i++) {
		size_t n = 0;
		unsigned k = 1 + (unsigned)(rng_next(&seed) % 12), t = (unsigned)(rng_next(&seed) % 8);
		unsigned x = (unsigned)(rng_next(&seed) % 200), y = 1 + (unsigned)(rng_next(&seed) % 250);
		unsigned long long hd = ctld_new_handle() - (rng_next(&seed) % 40);
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

void nat_ctl_show_tests(TCase *tc)
{
	tcase_add_test(tc, shows_as_text_and_json);
	tcase_add_test(tc, listings_are_bounded);
	tcase_add_test(tc, a_session_edits_the_running_nat);
	tcase_add_test(tc, random_commands_answered);
	tcase_add_test(tc, metrics_are_exported);
}
