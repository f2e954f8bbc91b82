/* The lb appliance's control namespace (apps/lb/lb_ctl*.c, docs/CONTROL.md "The lb
 * namespace"): every command answered and committed (the running config, its set and what
 * show config renders), begin ... commit together and begin ... abort not at all, every
 * error at its column with the running config untouched, commits the reload refuses (where
 * they point, nothing changed), the limits (1,024 backends a service, 64 services, 4,096
 * backends in all).
 *
 * This file: commands, transactions, errors, refused commits, limits; test_lb_ctl_show.c:
 * the shows as text and JSON, traffic and its flows, a session; lb_ctl_fixture.c: the
 * config, the app on a pipeline. */
#include "lb_ctl_fixture.h"
#include "check_require.h"
#include "check_run.h"
#include "app.h"

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEB_HEAD "service web {\n\tvip 10.0.0.100 tcp 80\n\tmode nat\n"
#define DSR_HEAD "service webdsr {\n\tvip 10.0.0.101 tcp 443\n\tmode dsr\n"
#define LB_BLOCK "lb { flows 65536; flow-timeout tcp 300 udp 30 }\n"

/* The running text, its services, and the running set as show backends --json has it,
 * kept to compare after what must change nothing. */
struct snap {
	char *text, *backends, *services;
};

static void snap_take(struct lb_app *a, struct snap *s)
{
	s->text = strdup(show_ok(a, "config", false));
	s->backends = strdup(show_ok(a, "backends", true));
	s->services = strdup(show_ok(a, "services", true));
}

static void snap_same(struct lb_app *a, const struct snap *s, const char *after)
{
	ck_assert_msg(!strcmp(show_ok(a, "config", false), s->text), "%s changed the config", after);
	ck_assert_msg(!strcmp(show_ok(a, "backends", true), s->backends), "%s changed the backends", after);
	ck_assert_msg(!strcmp(show_ok(a, "services", true), s->services), "%s changed the services", after);
}

static void snap_free(struct snap *s)
{
	free(s->text);
	free(s->backends);
	free(s->services);
}

/* ---- commands, each committed ------------------------------------------------------------ */

START_TEST(commands_answer_and_commit)
{
	struct lb_app *a = lb_up(conf);
	ck_assert_str_eq(services_of(running(a)), services_of(conf));
	/* the first transaction renders conf's services again, the rest as it was */
	void *t = lba_ctl_ns.txn_begin(a);
	ck_assert_str_eq(services_of(render(t)), conf_services);
	char sum[100];
	lba_ctl_ns.txn_summary(t, sum, sizeof(sum));
	ck_assert_str_eq(sum, "0 changes to the services");
	lba_ctl_ns.txn_free(t);

	/* add backend: in the config, the set and the show */
	ck_assert_str_eq(one(a, "lb add backend web s4 10.1.0.14 port 8081 weight 7"), "backend web/s4 added");
	const struct lb_backend *be = set_backend(a, "web", "s4");
	ck_assert_ptr_nonnull(be);
	ck_assert_uint_eq(be->weight, 7);
	ck_assert_uint_eq(be->port, 8081);
	ck_assert_uint_eq(be->state, LB_BE_UP);
	ck_assert_int_eq(set_backends(a, "web"), 4);
	ck_assert_uint_eq(running_lb(a)->svc[0].n_backend, 4);
	ck_assert_str_eq(json_backend(show_ok(a, "backends web", true), "web", "s4"),
			 "{\"service\":\"web\",\"name\":\"s4\",\"address\":\"10.1.0.14\",\"port\":8081,\"weight\":7,\"state\":\"up\","
			 "\"health\":\"unchecked\",\"last_check\":\"no health check\",\"checks\":0,\"failures\":0,\"packets\":0,"
			 "\"bytes\":0,\"flows\":0}");
	ck_assert_str_eq(services_of(show_ok(a, "config", false)),
			 LB_BLOCK WEB_HEAD "\tbackend s1 10.1.0.11\n\tbackend s2 10.1.0.12 weight 50\n"
			 "\tbackend s3 10.1.0.13 port 8080\n\tbackend s4 10.1.0.14 port 8081 weight 7\n}\n" DSR_HEAD
			 "\tbackend s1 10.1.0.11\n\tbackend s2 10.1.0.12\n\tbackend s3 10.1.0.13 drain\n}\n");
	ck_assert_str_eq(show_ok(a, "config", false), running(a));

	/* weight */
	ck_assert_str_eq(one(a, "lb weight web s2 0"), "backend web/s2 weight 0");
	ck_assert_uint_eq(set_backend(a, "web", "s2")->weight, 0);
	ck_assert_str_eq(one(a, "lb weight web s2 65535"), "backend web/s2 weight 65535");
	ck_assert_uint_eq(set_backend(a, "web", "s2")->weight, 65535);
	ck_assert_ptr_nonnull(strstr(json_backend(show_ok(a, "backends", true), "web", "s2"), "\"weight\":65535,"));
	ck_assert_str_eq(one(a, "lb weight web s2 100"), "backend web/s2 weight 100");

	/* drain, drain on, drain off */
	ck_assert_str_eq(one(a, "lb drain webdsr s1"), "backend webdsr/s1 draining: no new flows, the open ones kept");
	ck_assert_uint_eq(set_backend(a, "webdsr", "s1")->state, LB_BE_DRAIN);
	ck_assert_ptr_nonnull(strstr(json_backend(show_ok(a, "backends", true), "webdsr", "s1"), "\"state\":\"drain\""));
	ck_assert_str_eq(one(a, "lb drain webdsr s3 off"), "backend webdsr/s3 takes new flows");
	ck_assert_uint_eq(set_backend(a, "webdsr", "s3")->state, LB_BE_UP);
	ck_assert_ptr_nonnull(strstr(json_backend(show_ok(a, "backends", true), "webdsr", "s3"), "\"state\":\"up\""));
	ck_assert_str_eq(one(a, "lb drain webdsr s2 on"), "backend webdsr/s2 draining: no new flows, the open ones kept");
	ck_assert_uint_eq(set_backend(a, "webdsr", "s2")->state, LB_BE_DRAIN);
	ck_assert_ptr_nonnull(strstr(json_service(show_ok(a, "services", true), "webdsr"),
				     "\"backends\":3,\"up\":1,\"draining\":2,\"down\":0,"));

	/* remove backend ('delete' is the same) */
	ck_assert_str_eq(one(a, "lb remove backend web s1"), "backend web/s1 removed");
	ck_assert_ptr_null(set_backend(a, "web", "s1"));
	ck_assert_ptr_null(json_backend(show_ok(a, "backends", true), "web", "s1"));
	ck_assert_str_eq(one(a, "lb delete backend web s4"), "backend web/s4 removed");
	ck_assert_int_eq(set_backends(a, "web"), 2);
	ck_assert_str_eq(services_of(show_ok(a, "config", false)),
			 LB_BLOCK WEB_HEAD "\tbackend s2 10.1.0.12\n\tbackend s3 10.1.0.13 port 8080\n}\n" DSR_HEAD
			 "\tbackend s1 10.1.0.11 drain\n\tbackend s2 10.1.0.12 drain\n\tbackend s3 10.1.0.13\n}\n");

	/* add service: every statement, rendered back; an IPv6 dsr service over a GUE tunnel */
	ck_assert_str_eq(one(a, "lb add service far { vip 2001:db8:ff::10 tcp 443; mode dsr encap gue port 7000; table 7; "
				"health tcp interval 1s timeout 500ms; backend eu1 10.1.0.11; backend eu2 10.1.0.12 weight 3 "
				"drain }"), "service far added");
	ck_assert_int_eq(set_backends(a, "far"), 2);
	ck_assert_uint_eq(running_lb(a)->n_svc, 3);
	const struct lb_set *s = atomic_load(&a->set);
	ck_assert_uint_eq(s->svc[2].m, 7);
	ck_assert_uint_eq(s->svc[2].encap, LBC_ENCAP_GUE);
	ck_assert_uint_eq(s->svc[2].gue_port, 7000);
	ck_assert_str_eq(json_service(show_ok(a, "services", true), "far"),
			 "{\"name\":\"far\",\"vip\":\"2001:db8:ff::10\",\"proto\":\"tcp\",\"port\":443,\"mode\":\"dsr gue\","
			 "\"table\":7,\"backends\":2,\"up\":1,\"draining\":1,\"down\":0,\"packets\":0,\"bytes\":0,\"flows\":0,"
			 "\"dropped\":0}");
	/* checked backends: up until a check says otherwise (no host stack here: none ran) */
	ck_assert_ptr_nonnull(strstr(json_backend(show_ok(a, "backends far", true), "far", "eu1"),
				     "\"state\":\"up\",\"health\":\"up\",\"last_check\":\"not checked yet\",\"checks\":0,"));
	const char *far = "service far {\n\tvip 2001:db8:ff::10 tcp 443\n\tmode dsr encap gue port 7000\n\ttable 7\n"
			  "\thealth tcp interval 1s timeout 500ms rise 2 fall 3\n\tbackend eu1 10.1.0.11\n"
			  "\tbackend eu2 10.1.0.12 weight 3 drain\n}\n";
	ck_assert_ptr_nonnull(strstr(running(a), far));
	/* a nat snat service, its backends on a port of their own */
	ck_assert_str_eq(one(a, "lb add service web2 { vip 10.0.0.103 udp 53; mode nat snat; backend d1 10.1.0.11 port 5353 }"),
			 "service web2 added");
	ck_assert_ptr_nonnull(strstr(show_ok(a, "services", false), "web2             10.0.0.103:53/udp        nat snat 1 backends "
								     "(1 up, 0 draining, 0 down) table 65537, 0 packets"));
	ck_assert_ptr_nonnull(strstr(running(a), "}\nservice web2 {\n\tvip 10.0.0.103 udp 53\n\tmode nat snat\n"
						 "\tbackend d1 10.1.0.11 port 5353\n}\n"));

	/* an http check: a path only a string holds, rendered back as one */
	ck_assert_str_eq(one(a, "lb add service api { vip 10.0.0.104 tcp 8080; health http \"/h?x=1\" port 9000 status 204 "
				"host api.example interval 5s; backend a1 10.1.0.12 }"), "service api added");
	ck_assert_ptr_nonnull(strstr(running(a), "service api {\n\tvip 10.0.0.104 tcp 8080\n\tmode nat\n\thealth http "
						 "\"/h?x=1\" port 9000 status 204 host api.example interval 5s timeout 1s "
						 "rise 2 fall 3\n\tbackend a1 10.1.0.12\n}\n"));
	ck_assert_str_eq(one(a, "lb remove service api"), "service api removed");

	/* remove service */
	ck_assert_str_eq(one(a, "lb remove service far"), "service far removed");
	ck_assert_int_eq(set_backends(a, "far"), -1);
	ck_assert_ptr_null(json_service(show_ok(a, "services", true), "far"));
	ck_assert_ptr_null(strstr(running(a), "service far"));
	ck_assert_str_eq(one(a, "lb remove service web2"), "service web2 removed");
	ck_assert_str_eq(one(a, "lb remove service web"), "service web removed");
	ck_assert_uint_eq(running_lb(a)->n_svc, 1);
	ck_assert_str_eq(services_of(show_ok(a, "config", false)), LB_BLOCK DSR_HEAD "\tbackend s1 10.1.0.11 drain\n"
								   "\tbackend s2 10.1.0.12 drain\n\tbackend s3 10.1.0.13\n}\n");
	/* the same name again: a new service */
	ck_assert_str_eq(one(a, "lb add service web { vip 10.0.0.100 tcp 80; backend s9 10.1.0.13 }"), "service web added");
	ck_assert_int_eq(set_backends(a, "web"), 1);
	ck_assert_str_eq(services_of(show_ok(a, "config", false)), LB_BLOCK DSR_HEAD "\tbackend s1 10.1.0.11 drain\n"
								   "\tbackend s2 10.1.0.12 drain\n\tbackend s3 10.1.0.13\n}\n"
								   WEB_HEAD "\tbackend s9 10.1.0.13\n}\n");
	lb_down(a);
}
END_TEST

/* Traffic follows a commit: a drain takes a backend out of new flows, a new backend takes them. */
START_TEST(traffic_follows_commits)
{
	struct lb_app *a = lb_up(conf);
	bool seen[256] = { false };
	for (unsigned i = 0; i < 64; i++) {
		struct out r = syn_at(6, "10.0.0.50", (uint16_t)(20000 + i), "10.0.0.100", 80, 1000);
		ck_assert_int_eq(r.port, 1);
		seen[r.mac_last] = true;
	}
	ck_assert(seen[0x11] && seen[0x12] && seen[0x13]);
	one(a, "lb add backend web s4 10.1.0.14");
	one(a, "lb drain web s1");
	one(a, "lb drain web s2");
	one(a, "lb weight web s3 0");
	for (unsigned i = 0; i < 32; i++) {
		struct out r = syn_at(6, "10.0.0.51", (uint16_t)(30000 + i), "10.0.0.100", 80, 2000);
		ck_assert_int_eq(r.port, 1);
		ck_assert_str_eq(r.dst, "10.1.0.14");
		ck_assert_uint_eq(r.dport, 80);
		ck_assert_uint_eq(r.mac_last, 0x14);
	}
	/* dsr: the frame goes to the backend's MAC, the VIP kept */
	one(a, "lb remove backend webdsr s1");
	for (unsigned i = 0; i < 16; i++) {
		struct out r = syn_at(6, "10.0.0.52", (uint16_t)(40000 + i), "10.0.0.101", 443, 3000);
		ck_assert_int_eq(r.port, 1);
		ck_assert_str_eq(r.dst, "10.0.0.101");
		ck_assert_uint_eq(r.mac_last, 0x12);       /* s3 drains, s1 is gone */
	}
	lb_down(a);
}
END_TEST

/* ---- transactions -------------------------------------------------------------------------- */

START_TEST(transactions_apply_together_or_not_at_all)
{
	struct lb_app *a = lb_up(conf);
	struct snap before;
	snap_take(a, &before);
	void *t = lba_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 2, "lb add backend web s4 10.1.0.14", &o), 0);
	ck_assert_int_eq(cmd(t, 3, "lb weight web s4 9", &o), 0);     /* what an earlier command of it added */
	ck_assert_int_eq(cmd(t, 4, "lb drain web s1", &o), 0);
	ck_assert_int_eq(cmd(t, 5, "lb weight web nosuch 3", &o), -1);  /* refused: the rest stays */
	ck_assert_int_eq(cmd(t, 6, "lb remove backend webdsr s3", &o), 0);
	ck_assert_int_eq(cmd(t, 7, "lb add service dns { vip 10.0.0.102 udp 53; backend n1 10.1.0.11 }", &o), 0);
	char sum[100];
	lba_ctl_ns.txn_summary(t, sum, sizeof(sum));
	ck_assert_str_eq(sum, "5 changes to the services");
	/* nothing runs before the commit */
	snap_same(a, &before, "an open transaction");
	ck_assert_ptr_null(set_backend(a, "web", "s4"));
	commit_ok(a, t);
	ck_assert_uint_eq(set_backend(a, "web", "s4")->weight, 9);
	ck_assert_uint_eq(set_backend(a, "web", "s1")->state, LB_BE_DRAIN);
	ck_assert_int_eq(set_backends(a, "webdsr"), 2);
	ck_assert_int_eq(set_backends(a, "dns"), 1);
	ck_assert_str_eq(services_of(show_ok(a, "config", false)),
			 LB_BLOCK WEB_HEAD "\tbackend s1 10.1.0.11 drain\n\tbackend s2 10.1.0.12 weight 50\n"
			 "\tbackend s3 10.1.0.13 port 8080\n\tbackend s4 10.1.0.14 weight 9\n}\n" DSR_HEAD
			 "\tbackend s1 10.1.0.11\n\tbackend s2 10.1.0.12\n}\n"
			 "service dns {\n\tvip 10.0.0.102 udp 53\n\tmode nat\n\tbackend n1 10.1.0.11\n}\n");
	/* begin ... abort: the copy dropped, nothing changed */
	struct snap after;
	snap_take(a, &after);
	t = lba_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 9, "lb remove service web", &o), 0);
	ck_assert_int_eq(cmd(t, 10, "lb weight webdsr s1 1", &o), 0);
	ck_assert_int_eq(cmd(t, 11, "lb add backend dns n2 10.1.0.12", &o), 0);
	lba_ctl_ns.txn_free(t);
	snap_same(a, &after, "an aborted transaction");
	snap_free(&before);
	snap_free(&after);

	/* the same over a session: one-line commits, begin ... commit, begin ... abort */
	struct ctl_session *ss = lb_session(a);
	const char *r = talk(ss, "lb weight web s2 7\n");
	ck_assert_msg(starts(r, "ok backend web/s2 weight 7; committed ctl:1 (1 change to the services) in "), "%s", r);
	ck_assert_uint_eq(set_backend(a, "web", "s2")->weight, 7);
	r = talk(ss, "begin\nlb add backend web s5 10.1.0.14 port 81\nlb drain web s4 off\nlb weight web nosuch 3\n"
		     "lb remove backend dns n1\ncommit\n");
	ck_assert_msg(starts(r, "ok transaction ctl open: lb commands, then commit or abort\n\n"
				"ok backend web/s5 added\n\n"
				"ok backend web/s4 takes new flows\n\n"
				"error ctl:5:15: service web has no backend 'nosuch'\n\n"
				"ok backend dns/n1 removed\n\n"
				"ok committed ctl (3 changes to the services) in "), "%s", r);
	ck_assert_ptr_nonnull(set_backend(a, "web", "s5"));
	ck_assert_int_eq(set_backends(a, "dns"), 0);
	snap_take(a, &after);
	r = talk(ss, "begin\nlb remove service web\nlb add backend dns n3 10.1.0.13\nabort\n");
	ck_assert_str_eq(r, "ok transaction ctl open: lb commands, then commit or abort\n\nok service web removed\n\n"
			    "ok backend dns/n3 added\n\nok aborted ctl: 2 commands dropped, nothing changed\n\n");
	snap_same(a, &after, "a session's abort");
	r = talk(ss, "show config\n");
	ck_assert_msg(starts(r, fmt("ok ctl (%zu bytes)\n", strlen(running(a)))), "%s", r);
	/* the text, its empty lines left out (an empty line ends an answer), then the empty line */
	struct text want = { 0 };
	for (const char *p = running(a); *p; p++)
		if (*p != '\n' || (p > running(a) && p[-1] != '\n'))
			text_put(&want, "%c", *p);
	text_put(&want, "\n");
	ck_assert_str_eq(strchr(r, '\n') + 1, want.s);
	free(want.s);
	snap_free(&after);
	ctl_session_free(ss);
	lb_down(a);
}
END_TEST

/* ---- errors at their columns ------------------------------------------------------------- */

START_TEST(commands_refused_at_their_column)
{
	struct lb_app *a = lb_up(conf);
	static const struct {
		const char *line, *status;
	} bad[] = {
		{ "lb frob", "ctl:3:4: unknown lb command 'frob': lb add|remove service ..., lb add|remove backend ..., lb "
			     "weight SERVICE NAME N, lb drain SERVICE NAME [on|off]" },
		{ "lb add element x", "ctl:3:4: unknown lb command 'add'" },
		/* a service that is not there: at its word */
		{ "lb add backend nosuch s5 10.1.0.14", "ctl:3:16: no service 'nosuch'" },
		{ "lb remove backend nosuch s1", "ctl:3:19: no service 'nosuch'" },
		{ "lb weight nosuch s1 5", "ctl:3:11: no service 'nosuch'" },
		{ "lb drain nosuch s1", "ctl:3:10: no service 'nosuch'" },
		{ "lb remove service nosuch", "ctl:3:19: no service 'nosuch'" },
		{ "lb remove service", "ctl:3:11: a service's name is missing" },
		/* a backend that is not there */
		{ "lb remove backend web nosuch", "ctl:3:23: service web has no backend 'nosuch'" },
		{ "lb weight web nosuch 5", "ctl:3:15: service web has no backend 'nosuch'" },
		{ "lb drain webdsr nosuch", "ctl:3:17: service webdsr has no backend 'nosuch'" },
		{ "lb weight web S1 5", "ctl:3:15: service web has no backend 'S1'" },
		/* weights: a number from 0 to 65535 */
		{ "lb weight web s1 -1", "ctl:3:18: weight SERVICE NAME N: a weight from 0 to 65535" },
		{ "lb weight web s1 65536", "ctl:3:18: weight SERVICE NAME N: a weight from 0 to 65535" },
		{ "lb weight web s1 99999999999999999999", "ctl:3:18: weight SERVICE NAME N: a weight from 0 to 65535" },
		{ "lb weight web s1 x", "ctl:3:18: weight SERVICE NAME N: a weight from 0 to 65535" },
		{ "lb weight web s1 7x", "ctl:3:18: weight SERVICE NAME N: a weight from 0 to 65535" },
		{ "lb weight web s1 +7", "ctl:3:18: weight SERVICE NAME N: a weight from 0 to 65535" },
		{ "lb weight web s1 5 6", "ctl:3:18: weight SERVICE NAME N: a weight from 0 to 65535" },
		/* drain's word */
		{ "lb drain web s1 maybe", "ctl:3:17: drain SERVICE NAME [on|off]" },
		{ "lb drain web s1 ON", "ctl:3:17: drain SERVICE NAME [on|off]" },
		{ "lb drain web s1 on now", "ctl:3:17: drain SERVICE NAME [on|off]" },
		/* remove */
		{ "lb remove web", "ctl:3:11: remove service NAME, or remove backend SERVICE NAME" },
		{ "lb remove service web now", "ctl:3:23: remove service NAME: nothing after the name" },
		{ "lb remove backend web s1 now", "ctl:3:26: remove backend SERVICE NAME: nothing after the name" },
		/* add backend: the config parser's messages at the command's words */
		{ "lb add backend web s5", "ctl:3:20: add backend SERVICE NAME ADDR [port N] [weight N] [drain]" },
		{ "lb add backend webdsr s4 10.1.0.300", "ctl:3:33: expected an IPv4 address or prefix (10.0.0.0/8), got "
							 "'10.1.0.300'" },
		{ "lb add backend web s5 10.1.0.0/24", "ctl:3:23: expected the backend's address, one address (no prefix "
						       "length but /32), got '10.1.0.0/24'" },
		{ "lb add backend web s5 127.0.0.1", "ctl:3:23: expected the backend's address, got '127.0.0.1': a loopback "
						     "address, not a host's" },
		{ "lb add backend web s5 10.1.0.14 weight 70000", "ctl:3:40: '70000' is out of range: expected a weight from "
								  "0 to 65535" },
		{ "lb add backend web s5 10.1.0.14 port 0", "ctl:3:38: '0' is out of range: expected a port from 1 to 65535" },
		{ "lb add backend web s5 10.1.0.14 drain drain", "ctl:3:39: drain given twice (first at " },
		{ "lb add backend web s5 10.1.0.14 bogus", "ctl:3:33: expected port, weight, drain or the end of the "
							   "statement, got 'bogus'" },
		{ "lb add backend web s5 10.1.0.14; route 0.0.0.0/0 via 10.1.0.1", "ctl:3:34: expected vip, mode, table, "
										  "health, backend or '}', got 'route'" },
		{ "lb add backend web s1 10.1.0.14", "ctl:3:20: service web has a backend 's1' already" },
		/* add service: the parser's messages at the command's words */
		{ "lb add service web { vip 10.0.0.200 tcp 80 }", "ctl:3:16: service 'web' exists: remove it first, or "
								  "change its backends" },
		{ "lb add service x { mode nat; backend a 10.1.0.11 }", "ctl:3:8: service x: no vip (vip ADDR tcp|udp "
									"PORT)" },
		{ "lb add service x { vip 2001:db8::1 tcp 80; mode nat }",
		  "ctl:3:44: service x: nat mode is IPv4 only (connection tracking translates IPv4 connections): for an IPv6 "
		  "VIP, mode dsr" },
		{ "lb add service x { vip 2001:db8::1 tcp 80 }",
		  "ctl:3:24: service x: an IPv6 VIP needs mode dsr (nat, the default, is IPv4 only: connection tracking "
		  "translates IPv4 connections)" },
		{ "lb add service x { vip 10.0.0.200 sctp 80 }", "ctl:3:35: expected tcp or udp, got 'sctp'" },
		{ "lb add service x { vip 10.0.0.200 tcp 80; mode dsr; backend a 10.1.0.11 port 8080 }",
		  "ctl:3:53: backend a: no backend port in dsr (the packet keeps its port, the VIP's 80)" },
		{ "lb add service x { vip 10.0.0.200 tcp 80; table 65536 }", "ctl:3:49: 65536 is not prime (65537 is)" },
		{ "lb add service x { vip 10.0.0.200 tcp 80; backend a 10.1.0.11; backend a 10.1.0.12 }",
		  "ctl:3:72: backend a is declared twice in service x" },
		{ "lb add service x", "ctl:3:17: expected '{', got end of file" },
		{ "lb add service x { vip 10.0.0.200 tcp 80", "ctl:3:41: expected '}', got end of file" },
		{ "lb add service x { vip 10.0.0.200 tcp 80 }; service y { vip 10.0.0.201 tcp 80 }",
		  "ctl:3:8: one service block: service NAME { vip ADDR tcp|udp PORT; ... }" },
		{ "lb add service x { vip 10.0.0.200 tcp 80 }; lb { flows 5 }",
		  "ctl:3:8: one service block: service NAME { vip ADDR tcp|udp PORT; ... }" },
	};
	struct snap before;
	snap_take(a, &before);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *got = refused(a, 3, bad[i].line);
		ck_assert_msg(starts(got, bad[i].status), "%s:\n got  %s\n want %s", bad[i].line, got, bad[i].status);
		snap_same(a, &before, bad[i].line);
	}
	/* a refused command leaves the transaction as it was */
	void *t = lba_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 1, "lb weight web s1 1", &o), 0);
	char *want = strdup(render(t));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(cmd(t, 2, bad[i].line, &o), -1);
	ck_assert_str_eq(render(t), want);
	free(want);
	lba_ctl_ns.txn_free(t);
	snap_same(a, &before, "the refusals");
	snap_free(&before);
	lb_down(a);
}
END_TEST

/* add backend reads "backend NAME ADDR ..." with the service's own lines before it: an
 * error about the backend statement as a whole (the parser puts it at the word 'backend')
 * goes to the backend's NAME, where every other error about the backend points. */
START_TEST(add_backend_statement_errors_at_a_word)
{
	struct lb_app *a = lb_up(conf);
	char port[CTL_STATUS_MAX], family[CTL_STATUS_MAX];
	snprintf(port, sizeof(port), "%s", refused(a, 3, "lb add backend webdsr s4 10.1.0.14 port 8080"));
	snprintf(family, sizeof(family), "%s", refused(a, 3, "lb add backend web s5 2001:db8::5"));
	lb_down(a);     /* before the checks: CK_FORK=no runs see no leak of a failed case */
	ck_assert_str_eq(port, "ctl:3:23: backend s4: no backend port in dsr (the packet keeps its port, the VIP's 443)");
	ck_assert_str_eq(family, "ctl:3:20: backend s5: an IPv6 address for an IPv4 VIP: in nat mode the backends are of "
				 "the VIP's family");
}
END_TEST

/* add service takes one service block and nothing beside it: a statement after the block
 * is refused, not dropped. */
START_TEST(add_service_takes_one_block_only)
{
	struct lb_app *a = lb_up(conf);
	const char *line = "lb add service x { vip 10.0.0.200 tcp 80 }; interface evil { address 10.9.0.1/24 }";
	void *t = lba_ctl_ns.txn_begin(a);
	struct ctl_out o;
	int rc = cmd(t, 3, line, &o);
	lba_ctl_ns.txn_free(t);
	lb_down(a);
	ck_assert_msg(rc == -1, "%s was taken: %s", line, o.status);
	ck_assert_str_eq(o.status, "ctl:3:8: one service block: service NAME { vip ADDR tcp|udp PORT; ... }");
}
END_TEST

/* A parse error past the command's own line (its words closed the service block early)
 * is placed on the command's line, with no position of the text add backend made up. */
START_TEST(add_backend_error_past_its_line_placed_in_it)
{
	struct lb_app *a = lb_up(conf);
	const char *line = "lb add backend web s5 10.1.0.14 }";
	char got[CTL_STATUS_MAX];
	snprintf(got, sizeof(got), "%s", refused(a, 3, line));
	lb_down(a);
	unsigned col = 0;
	int at = 0;
	ck_assert_msg(sscanf(got, "ctl:3:%u: %n", &col, &at) == 1 && at > 0, "%s", got);
	ck_assert_msg(col >= 1 && col <= strlen(line) + 1, "%s", got);
	ck_assert_msg(!strstr(got + at, "ctl:"), "a position of no line of the session in: %s", got);
}
END_TEST

/* ---- commits the reload refuses ---------------------------------------------------------- */

/* The reload's message for the rendered text at line:col, as the namespace says where. */
static const char *where(void *t, unsigned line, unsigned col)
{
	static char w[200];
	lba_ctl_ns.txn_where(t, line, col, w, sizeof(w));
	return w;
}

START_TEST(refused_commits_say_where_and_change_nothing)
{
	struct lb_app *a = lb_up(conf);
	struct snap before;
	snap_take(a, &before);
	static const struct {
		const char *cmd, *line, *why;
		unsigned col;
	} bad[] = {
		/* checked with the interfaces: routes, the appliance's own addresses */
		{ "lb add backend web s5 192.168.9.9", "\tbackend s5", "backend s5 (192.168.9.9): no route to it", 2 },
		{ "lb add backend webdsr s5 10.1.0.1", "\tbackend s5", "backend s5 (10.1.0.1) is the appliance's own address",
		  2 },
		/* the parser's checks across statements, at the rendered text */
		{ "lb add backend web s5 10.1.0.13 port 8080", "\tbackend s5",
		  "backend s5: the same address and port as backend s3 (at ", 2 },
		{ "lb add service x { vip 10.0.0.100 tcp 80; backend a 10.1.0.11 }", "\tvip 10.0.0.100",
		  "10.0.0.100 tcp 80 is service web's already (at ", 6 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *t = lba_ctl_ns.txn_begin(a);
		struct ctl_out o;
		ck_assert_int_eq(cmd(t, 1, "lb weight web s2 1", &o), 0);     /* a good change with it */
		ck_assert_msg(cmd(t, 2, bad[i].cmd, &o) == 0, "%s: %s", bad[i].cmd, o.status);
		const char *text = render(t);
		unsigned rest = line_of(text, "lb {") - 1;
		/* the last such line: the one the command added */
		unsigned at = 0, n = 1;
		for (const char *p = text; *p; p++) {
			if ((p == text || p[-1] == '\n') && starts(p, bad[i].line))
				at = n;
			n += *p == '\n';
		}
		ck_assert_uint_gt(at, rest);
		char want[300];
		snprintf(want, sizeof(want), "the services as rendered, line %u:%u (show config): %s", at - rest, bad[i].col,
			 bad[i].why);
		ck_assert_str_eq(where(t, at, bad[i].col),
				 fmt("the services as rendered, line %u:%u (show config)", at - rest, bad[i].col));
		char err[400];
		ck_assert_int_eq(commit(a, t, err, sizeof(err)), -1);
		ck_assert_msg(starts(err, want), "%s:\n got  %s\n want %s", bad[i].cmd, err, want);
		snap_same(a, &before, bad[i].cmd);
		ck_assert_uint_eq(set_backend(a, "web", "s2")->weight, 50);
	}
	/* where a line of the rest is: the running config's own line */
	void *t = lba_ctl_ns.txn_begin(a);
	const char *text = render(t);
	ck_assert_str_eq(where(t, line_of(text, "interface servers"), 11), "config:3:11");
	ck_assert_str_eq(where(t, line_of(text, "management"), 14), "config:9:14");
	ck_assert_str_eq(where(t, line_of(text, "lb {"), 1), "the services as rendered, line 1:1 (show config)");
	ck_assert_str_eq(where(t, line_of(text, "service webdsr"), 9), "the services as rendered, line 9:9 (show config)");
	lba_ctl_ns.txn_free(t);
	/* over a session: the answer is the error, and nothing changed */
	struct ctl_session *ss = lb_session(a);
	const char *r = talk(ss, "lb add backend web s5 192.168.9.9\n");
	ck_assert_str_eq(r, "error the services as rendered, line 8:2 (show config): backend s5 (192.168.9.9): no route "
			    "to it\n\n");
	r = talk(ss, "begin\nlb drain web s1\nlb add service x { vip 10.0.0.101 tcp 443 }\ncommit\n");
	ck_assert_msg(strstr(r, "\n\nerror the services as rendered, line 17:6 (show config): 10.0.0.101 tcp 443 is "
				"service webdsr's already (at "), "%s", r);
	snap_same(a, &before, "refused commits over a session");
	ctl_session_free(ss);
	snap_free(&before);
	lb_down(a);
}
END_TEST

/* A commit cuts the services' text from the running config and renders them after the
 * rest, the lines they were on included: commits that change nothing leave the config as
 * it was (no empty line left behind each time). */
START_TEST(commits_keep_the_config_as_it_was)
{
	struct lb_app *a = lb_up(conf);
	one(a, "lb weight web s1 7");
	char *first = strdup(running(a));
	for (unsigned i = 0; i < 3; i++)
		one(a, "lb weight web s1 7");
	char *last = strdup(running(a));
	lb_down(a);
	bool same = !strcmp(first, last);
	size_t grew = strlen(last) - strlen(first);
	free(first);
	free(last);
	ck_assert_msg(same, "three commits of no change grew the config by %zu bytes (empty lines before the lb block)",
		      grew);
}
END_TEST

/* docs/LB.md's example loads as it stands (its routes toward the far backends). */
START_TEST(lb_md_example_loads)
{
	char *all = read_src("docs/LB.md");
	char *h = strstr(all, "## Example"), *from = h ? strstr(h, "```\n") : NULL, *to = from ? strstr(from + 4, "```") : NULL;
	ck_assert_msg(to != NULL, "docs/LB.md: no example");
	*to = 0;
	from += 4;
	struct pkt_pool *pool = pkt_pool_create("lbdoc", 64);
	ck_assert_ptr_nonnull(pool);
	struct pkt_pipeline ppl = { .n_ports = 2, .port_names = { "clients", "servers" } };
	static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 }, mac1[6] = { 2, 0, 0, 0, 0, 2 };
	struct app_env env = { .opts = "", .config = from, .config_len = strlen(from), .config_name = "LB.md", .pool = pool,
			       .port_mac = { mac0, mac1 } };
	void *state = NULL;
	char err[300] = "";
	int rc = app_lb.setup(&ppl, &state, &env, err, sizeof(err));
	if (rc == 0)
		app_lb.teardown(state);
	pkt_pool_destroy(pool);
	free(all);
	ck_assert_msg(rc == 0, "docs/LB.md's example: %s", err);
}
END_TEST

/* ---- limits ----------------------------------------------------------------------------- */

START_TEST(limits)
{
	struct lb_app *a = lb_up(conf);
	void *t = lba_ctl_ns.txn_begin(a);
	struct ctl_out o;
	ck_assert_int_eq(cmd(t, 1, "lb add service big { vip 10.0.0.102 tcp 80; table 7919 }", &o), 0);
	for (unsigned i = 0; i < LBC_MAX_BACKENDS; i++)
		REQUIRE_MSG(cmd(t, 2 + i, fmt("lb add backend big b%u 10.1.0.%u port %u", i, 20 + i % 200, 1000 + i), &o) == 0,
			    "backend %u: %s", i, o.status);
	/* the 1,025th: refused at its name */
	ck_assert_int_eq(cmd(t, 1026, "lb add backend big b1024 10.1.0.20 port 9999", &o), -1);
	ck_assert_str_eq(o.status, "ctl:1026:20: at most 1024 backends a service");
	commit_ok(a, t);
	ck_assert_int_eq(set_backends(a, "big"), LBC_MAX_BACKENDS);
	ck_assert_ptr_nonnull(strstr(json_service(show_ok(a, "services", true), "big"), "\"backends\":1024,\"up\":1024,"));
	ck_assert_int_eq(show(a, "backends big", false, &o), 0);
	ck_assert_str_eq(o.status, "1024 backends");
	/* 64 services, the 65th refused at its name */
	t = lba_ctl_ns.txn_begin(a);
	for (unsigned i = 3; i < LBC_MAX_SERVICES; i++)
		ck_assert_int_eq(cmd(t, i, fmt("lb add service v%u { vip 10.0.0.102 udp %u }", i, i), &o), 0);
	ck_assert_int_eq(cmd(t, 99, "lb add service v99 { vip 10.0.0.102 udp 99 }", &o), -1);
	ck_assert_str_eq(o.status, "ctl:99:16: at most 64 services");
	commit_ok(a, t);
	ck_assert_uint_eq(running_lb(a)->n_svc, LBC_MAX_SERVICES);
	ck_assert_str_eq(show(a, "services", false, &o) == 0 ? o.status : "", "64 services");
	/* 4,096 backends in all commit; the 4,097th is refused by the reload, at its line */
	t = lba_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 1, "lb remove service web", &o), 0);
	ck_assert_int_eq(cmd(t, 2, "lb remove service webdsr", &o), 0);
	for (unsigned v = 3; v < 6; v++)
		for (unsigned i = 0; i < LBC_MAX_BACKENDS; i++)
			REQUIRE(cmd(t, 3, fmt("lb add backend v%u b%u 10.1.0.%u port %u", v, i, 20 + i % 200, 1000 + i), &o) == 0);
	commit_ok(a, t);
	ck_assert_int_eq(set_backends(a, "v5"), LBC_MAX_BACKENDS);
	struct snap before;
	snap_take(a, &before);
	t = lba_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 4, "lb add backend v6 one 10.1.0.11", &o), 0);
	const char *text = render(t);
	unsigned rest = line_of(text, "lb {") - 1, at = line_of(text, "\tbackend one");
	char err[400];
	ck_assert_int_eq(commit(a, t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, fmt("the services as rendered, line %u:2 (show config): too many backends in all the "
				  "services (at most 4096)", at - rest));
	snap_same(a, &before, "the 4,097th backend");
	snap_free(&before);
	lb_down(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb-ctl");
	TCase *tc = tcase_create("lb-ctl");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, commands_answer_and_commit);
	tcase_add_test(tc, traffic_follows_commits);
	tcase_add_test(tc, transactions_apply_together_or_not_at_all);
	tcase_add_test(tc, commands_refused_at_their_column);
	tcase_add_test(tc, refused_commits_say_where_and_change_nothing);
	tcase_add_test(tc, limits);
	lb_ctl_show_tests(tc);
	tcase_add_test(tc, add_backend_statement_errors_at_a_word);
	tcase_add_test(tc, add_service_takes_one_block_only);
	tcase_add_test(tc, add_backend_error_past_its_line_placed_in_it);
	tcase_add_test(tc, commits_keep_the_config_as_it_was);
	tcase_add_test(tc, lb_md_example_loads);
	suite_add_tcase(s, tc);
	return check_run(s);
}
