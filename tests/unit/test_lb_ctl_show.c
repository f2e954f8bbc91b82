/* unit-lb-ctl, continued: the shows (services, backends [SERVICE], flows [SERVICE] [limit N],
 * config, connections, interfaces) as text and as JSON (each JSON answer checked by the
 * harness's reader), their errors at their columns; flows after SYNs to the nat and the dsr
 * VIP, with their backends, across a drain and a removal; the same over a session. */
#include "lb_ctl_fixture.h"

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned lines_in(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void show_refused(struct lb_app *a, const char *line, const char *status)
{
	struct ctl_out o;
	ck_assert_msg(show(a, line, false, &o) == -1, "show %s was answered", line);
	ck_assert_msg(!strcmp(o.status, status), "show %s:\n got  %s\n want %s", line, o.status, status);
	ck_assert_int_eq(show(a, line, true, &o), -1);
	ck_assert_str_eq(o.status, status);
}

START_TEST(shows_as_text_and_json)
{
	struct lb_app *a = lb_up(conf);
	struct ctl_out o;
	/* services */
	ck_assert_int_eq(show(a, "services", false, &o), 0);
	ck_assert_str_eq(o.status, "2 services");
	ck_assert_str_eq(o.body, "web              10.0.0.100:80/tcp        nat      3 backends (3 up, 0 draining, 0 down) table "
				 "65537, 0 packets, 0 flows, 0 dropped\n"
				 "webdsr           10.0.0.101:443/tcp       dsr      3 backends (2 up, 1 draining, 0 down) table "
				 "65537, 0 packets, 0 flows, 0 dropped\n");
	ck_assert_str_eq(show_ok(a, "services", true),
			 "{\"services\":[{\"name\":\"web\",\"vip\":\"10.0.0.100\",\"proto\":\"tcp\",\"port\":80,\"mode\":\"nat\","
			 "\"table\":65537,\"backends\":3,\"up\":3,\"draining\":0,\"down\":0,\"packets\":0,\"bytes\":0,\"flows\":0,"
			 "\"dropped\":0},{\"name\":\"webdsr\",\"vip\":\"10.0.0.101\",\"proto\":\"tcp\",\"port\":443,\"mode\":"
			 "\"dsr\",\"table\":65537,\"backends\":3,\"up\":2,\"draining\":1,\"down\":0,\"packets\":0,\"bytes\":0,"
			 "\"flows\":0,\"dropped\":0}]}\n");
	/* backends: all, or one service's */
	ck_assert_int_eq(show(a, "backends", false, &o), 0);
	ck_assert_str_eq(o.status, "6 backends");
	ck_assert_uint_eq(lines_in(o.body), 6);
	ck_assert_msg(strstr(o.body, "web/s3               10.1.0.13:8080 weight 100 up, health unchecked (no health check; 0 "
				     "checks, 0 failed), 0 packets, 0 flows\n"), "%s", o.body);
	ck_assert_msg(strstr(o.body, "webdsr/s3            10.1.0.13:443 weight 100 drain, health unchecked (no health "
				     "check; 0 checks, 0 failed), 0 packets, 0 flows\n"), "%s", o.body);
	ck_assert_int_eq(show(a, "backends web", false, &o), 0);
	ck_assert_str_eq(o.status, "3 backends");
	ck_assert_str_eq(o.body, "web/s1               10.1.0.11:80 weight 100 up, health unchecked (no health check; 0 checks, "
				 "0 failed), 0 packets, 0 flows\n"
				 "web/s2               10.1.0.12:80 weight 50 up, health unchecked (no health check; 0 checks, 0 "
				 "failed), 0 packets, 0 flows\n"
				 "web/s3               10.1.0.13:8080 weight 100 up, health unchecked (no health check; 0 checks, 0 "
				 "failed), 0 packets, 0 flows\n");
	const char *js = show_ok(a, "backends webdsr", true);
	ck_assert_msg(starts(js, "{\"backends\":[{\"service\":\"webdsr\",\"name\":\"s1\",\"address\":\"10.1.0.11\",\"port\":"
				 "443,\"weight\":100,\"state\":\"up\",\"health\":\"unchecked\",\"last_check\":\"no health check\","
				 "\"checks\":0,\"failures\":0,\"packets\":0,\"bytes\":0,\"flows\":0},"), "%s", js);
	ck_assert_ptr_null(json_backend(js, "web", "s1"));
	ck_assert_str_eq(json_backend(js, "webdsr", "s3"),
			 "{\"service\":\"webdsr\",\"name\":\"s3\",\"address\":\"10.1.0.13\",\"port\":443,\"weight\":100,"
			 "\"state\":\"drain\",\"health\":\"unchecked\",\"last_check\":\"no health check\",\"checks\":0,"
			 "\"failures\":0,\"packets\":0,\"bytes\":0,\"flows\":0}");
	/* every backend of the JSON answer has every field */
	js = show_ok(a, "backends", true);
	static const char *const fields[] = { "\"service\":", "\"name\":", "\"address\":", "\"port\":", "\"weight\":",
					      "\"state\":", "\"health\":", "\"last_check\":", "\"checks\":", "\"failures\":",
					      "\"packets\":", "\"bytes\":", "\"flows\":" };
	for (const char *p = strstr(js, "{\"service\""); p; p = strstr(p + 1, "{\"service\"")) {
		const char *e = strchr(p, '}');
		for (unsigned f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			const char *x = strstr(p, fields[f]);
			ck_assert_msg(x && x < e, "no %s in %.*s", fields[f], (int)(e - p), p);
		}
	}
	/* flows: none yet */
	ck_assert_int_eq(show(a, "flows", false, &o), 0);
	ck_assert_str_eq(o.status, "0 flows");
	ck_assert_str_eq(o.body, "0 flows, 0 shown\n");
	ck_assert_str_eq(show_ok(a, "flows webdsr limit 5", true), "{\"flows\":[],\"total\":0,\"shown\":0}\n");
	/* config: the running text as it is */
	ck_assert_int_eq(show(a, "config", false, &o), 0);
	ck_assert_str_eq(o.body, conf);
	ck_assert_str_eq(o.status, fmt("boot.conf (%zu bytes)", strlen(conf)));
	js = show_ok(a, "config", true);
	ck_assert_msg(starts(js, "{\"name\":\"boot.conf\",\"config\":\"# clients on port 0, the servers' link on port "
				 "1\\u000ainterface clients {"), "%s", js);
	/* connections, interfaces */
	ck_assert_str_eq(show_ok(a, "connections", false), "0 connections, 0 shown\n");
	ck_assert_str_eq(show_ok(a, "connections", true), "{\"connections\":[],\"shown\":0,\"total\":0}\n");
	ck_assert_int_eq(show(a, "interfaces", false, &o), 0);
	ck_assert_str_eq(o.status, "router");
	ck_assert_str_eq(o.body, "interface clients: port 0 mac 02:00:00:00:01:00 mtu 1500 address 10.0.0.1/24: rx 0 packets 0 "
				 "bytes, tx 0 packets 0 bytes\n"
				 "interface servers: port 1 mac 02:00:00:00:02:00 mtu 1500 address 10.1.0.1/24: rx 0 packets 0 "
				 "bytes, tx 0 packets 0 bytes\n");
	js = show_ok(a, "interfaces", true);
	ck_assert_msg(starts(js, "{\"mode\":\"router\",\"interfaces\":[{\"name\":\"clients\",\"port\":0,\"vlan\":0,\"mac\":"
				 "\"02:00:00:00:01:00\",\"mtu\":1500,\"addresses\":[\"10.0.0.1/24\"],"), "%s", js);
	/* errors, at their words (the session's "show " before them) */
	show_refused(a, "backends nosuch", "ctl:1:15: no service 'nosuch'");
	show_refused(a, "backends web s1", "ctl:1:19: show backends [SERVICE]: nothing after the service");
	show_refused(a, "services web", "ctl:1:15: show services: nothing after it");
	show_refused(a, "flows nosuch", "ctl:1:12: no service 'nosuch'");
	show_refused(a, "flows nosuch limit 1", "ctl:1:12: no service 'nosuch'");
	show_refused(a, "flows limit x", "ctl:1:12: expected 'limit N' (at most 1000000 flows), got 'limit x'");
	show_refused(a, "flows web limit 1000001", "ctl:1:16: expected 'limit N' (at most 1000000 flows), got 'limit "
						   "1000001'");
	show_refused(a, "config now", "ctl:1:13: show config takes nothing more, got 'now'");
	show_refused(a, "rules", "ctl:1:6: unknown show 'rules': services, backends [SERVICE], flows [SERVICE] [limit N], "
				 "connections, interfaces or config");
	/* no service at all */
	one(a, "lb remove service web");
	one(a, "lb remove service webdsr");
	ck_assert_str_eq(show_ok(a, "services", false), "no service\n");
	ck_assert_str_eq(show_ok(a, "services", true), "{\"services\":[]}\n");
	ck_assert_str_eq(show_ok(a, "backends", false), "no backend\n");
	ck_assert_str_eq(show_ok(a, "backends", true), "{\"backends\":[]}\n");
	show_refused(a, "backends web", "ctl:1:15: no service 'web'");
	lb_down(a);
}
END_TEST

/* ---- flows after traffic --------------------------------------------------------------------- */

/* The backend's name of a frame that left to the servers: its MAC's last byte (0x11: s1). */
static const char *be_name(const struct out *r)
{
	ck_assert_int_eq(r->port, 1);
	ck_assert(r->mac_last >= 0x11 && r->mac_last <= 0x14);
	return fmt("s%u", r->mac_last - 0x10);
}

START_TEST(flows_after_traffic)
{
	struct lb_app *a = lb_up(conf);
	struct text want = { 0 };
	unsigned per_be[2][5] = { { 0 } };
	for (unsigned i = 0; i < 3; i++) {
		struct out r = syn_at(6, "10.0.0.50", (uint16_t)(40000 + i), "10.0.0.100", 80, 1000);
		const char *n = be_name(&r);
		ck_assert_str_eq(r.dst, fmt("10.1.0.%u", r.mac_last - 0x11 + 11));        /* nat: to the backend */
		ck_assert_uint_eq(r.dport, !strcmp(n, "s3") ? 8080 : 80);
		per_be[0][r.mac_last - 0x10]++;
		text_put(&want, "web          nat  10.0.0.50:%u -> %s (%s:%u) expires in 120s\n", 40000 + i, n, r.dst, r.dport);
	}
	for (unsigned i = 0; i < 3; i++) {
		struct out r = syn_at(6, "10.0.0.60", (uint16_t)(50000 + i), "10.0.0.101", 443, 1000);
		const char *n = be_name(&r);
		ck_assert_str_eq(r.dst, "10.0.0.101");                                    /* dsr: the VIP kept */
		ck_assert_uint_eq(r.dport, 443);
		ck_assert_uint_ne(r.mac_last, 0x13);                                      /* s3 drains */
		per_be[1][r.mac_last - 0x10]++;
		text_put(&want, "webdsr       dsr  10.0.0.60:%u -> %s (10.1.0.%u:443) expires in 300s\n", 50000 + i, n,
			 r.mac_last - 0x11 + 11);
	}
	app_lb.tick(a, &worker, 1000);
	struct ctl_out o;
	ck_assert_int_eq(show(a, "flows", false, &o), 0);
	ck_assert_str_eq(o.status, "6 flows");
	ck_assert_uint_eq(lines_in(o.body), 7);
	for (char *l = want.s; *l;) {
		char *e = strchr(l, '\n');
		char line[200];
		snprintf(line, sizeof(line), "%.*s", (int)(e + 1 - l), l);
		ck_assert_msg(strstr(o.body, line), "no line\n%s in\n%s", line, o.body);
		l = e + 1;
	}
	ck_assert_msg(strstr(o.body, "\n6 flows, 6 shown\n"), "%s", o.body);
	/* one service's; a limit */
	ck_assert_int_eq(show(a, "flows webdsr", false, &o), 0);
	ck_assert_str_eq(o.status, "3 flows");
	ck_assert_ptr_null(strstr(o.body, "web          nat"));
	ck_assert_int_eq(show(a, "flows limit 1", false, &o), 0);
	ck_assert_uint_eq(lines_in(o.body), 2);
	ck_assert_msg(strstr(o.body, " expires in ") && strstr(o.body, "\n6 flows, 1 shown\n"), "%s", o.body);
	ck_assert_str_eq(show_ok(a, "flows limit 0", false), "6 flows, 0 shown\n");
	const char *js = show_ok(a, "flows web limit 2", true);
	ck_assert_msg(starts(js, "{\"flows\":[{\"service\":\"web\",\"mode\":\"nat\",\"client\":\"10.0.0.50\",\"sport\":"), "%s",
		      js);
	ck_assert_msg(strstr(js, "],\"total\":3,\"shown\":2}\n"), "%s", js);
	js = show_ok(a, "flows", true);
	ck_assert_msg(strstr(js, "{\"service\":\"webdsr\",\"mode\":\"dsr\",\"client\":\"10.0.0.60\",\"sport\":50000,"
				 "\"backend\":\"") && strstr(js, "\"backend_address\":\"10.1.0.1") &&
			      strstr(js, ",\"expires_s\":300}") && strstr(js, ",\"expires_s\":120}"), "%s", js);
	/* counters: services, backends, the interfaces */
	js = show_ok(a, "services", true);
	ck_assert_msg(strstr(json_service(js, "web"), "\"packets\":3,\"bytes\":"), "%s", js);
	ck_assert_msg(strstr(json_service(js, "web"), "\"flows\":3,\"dropped\":0}"), "%s", js);
	ck_assert_msg(strstr(json_service(js, "webdsr"), "\"packets\":3,\"bytes\":"), "%s", js);
	ck_assert_msg(strstr(json_service(js, "webdsr"), "\"flows\":3,\"dropped\":0}"), "%s", js);
	js = show_ok(a, "services", false);
	ck_assert_msg(strstr(js, "3 packets, 3 flows, 0 dropped\n"), "%s", js);
	js = show_ok(a, "backends", true);
	for (unsigned s = 0; s < 2; s++)
		for (unsigned b = 1; b <= 3; b++)
			ck_assert_msg(strstr(json_backend(js, s ? "webdsr" : "web", fmt("s%u", b)),
					     fmt("\"packets\":%u,", per_be[s][b])) &&
					      strstr(json_backend(js, s ? "webdsr" : "web", fmt("s%u", b)),
						     fmt("\"flows\":%u}", per_be[s][b])),
				      "s%u of %u: %s", b, s, js);
	ck_assert_int_eq(show(a, "connections", false, &o), 0);
	ck_assert_str_eq(o.status, "3 connections");           /* nat's: dsr tracks none */
	ck_assert_msg(strstr(o.body, "tcp syn_sent src=10.0.0.50 dst=10.0.0.100 sport=40000 dport=80 reply src=10.1.0.1"), "%s",
		      o.body);
	js = show_ok(a, "interfaces", false);
	ck_assert_msg(strstr(js, "address 10.0.0.1/24: rx 6 packets") &&
			      strstr(js, "address 10.1.0.1/24: rx 0 packets 0 bytes, tx 6 packets"), "%s", js);
	/* a commit that keeps a backend keeps its counters and flows: a weight, or removed and
	 * added again in one transaction */
	char *before = strdup(show_ok(a, "backends", true));
	one(a, "lb weight webdsr s1 60");
	void *t = lba_ctl_ns.txn_begin(a);
	ck_assert_int_eq(cmd(t, 1, "lb remove backend webdsr s2", &o), 0);
	ck_assert_int_eq(cmd(t, 2, "lb add backend webdsr s2 10.1.0.12 weight 60", &o), 0);
	commit_ok(a, t);
	js = show_ok(a, "backends", true);
	for (unsigned b = 1; b <= 2; b++) {
		const char *was = strstr(json_backend(before, "webdsr", fmt("s%u", b)), "\"packets\":");
		ck_assert_msg(strstr(json_backend(js, "webdsr", fmt("s%u", b)), was), "s%u: %s, was %s", b, js, before);
		ck_assert_msg(strstr(json_backend(js, "webdsr", fmt("s%u", b)), "\"weight\":60,"), "%s", js);
	}
	free(before);
	ck_assert_int_eq(show(a, "flows webdsr", false, &o), 0);
	ck_assert_str_eq(o.status, "3 flows");
	/* later: the expiries count down */
	app_lb.tick(a, &worker, 61000);
	js = show_ok(a, "flows webdsr", false);
	ck_assert_msg(strstr(js, "expires in 240s\n"), "%s", js);
	/* a drain keeps a dsr backend's flows; a removal moves them */
	unsigned b = per_be[1][1] ? 1 : 2;
	one(a, fmt("lb drain webdsr s%u", b));
	ck_assert_int_eq(show(a, "flows webdsr", false, &o), 0);
	ck_assert_str_eq(o.status, "3 flows");
	one(a, fmt("lb remove backend webdsr s%u", b));
	ck_assert_int_eq(show(a, "flows webdsr", false, &o), 0);
	ck_assert_str_eq(o.status, fmt("%u flows", 3 - per_be[1][b]));
	ck_assert_ptr_null(strstr(o.body, fmt("-> s%u ", b)));
	/* a removed service's flows go with it */
	one(a, "lb remove service webdsr");
	ck_assert_int_eq(show(a, "flows", false, &o), 0);
	ck_assert_str_eq(o.status, "3 flows");
	show_refused(a, "flows webdsr", "ctl:1:12: no service 'webdsr'");
	free(want.s);
	lb_down(a);
}
END_TEST

/* ---- a session -------------------------------------------------------------------------- */

START_TEST(shows_over_a_session)
{
	struct lb_app *a = lb_up(conf);
	struct ctl_session *s = lb_session(a);
	syn_at(6, "10.0.0.60", 50000, "10.0.0.101", 443, 1000);
	syn_at(6, "10.0.0.50", 40000, "10.0.0.100", 80, 1000);
	app_lb.tick(a, &worker, 1000);
	const char *r = talk(s, "--json show services\n");
	ck_assert_msg(starts(r, "ok 2 services\n{\"services\":[{\"name\":\"web\","), "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "show backends nosuch\n");
	ck_assert_str_eq(r, "error ctl:2:15: no service 'nosuch'\n\n");
	r = talk(s, "--json show backends nosuch\n");
	ck_assert_str_eq(r, "error ctl:3:22: no service 'nosuch'\n{\"error\":\"ctl:3:22: no service 'nosuch'\"}\n\n");
	r = talk(s, "show flows limit 1\n");
	ck_assert_msg(starts(r, "ok 2 flows\n") && strstr(r, " expires in ") && strstr(r, "\n2 flows, 1 shown\n\n"), "%s", r);
	r = talk(s, "--json show flows webdsr\n");
	ck_assert_msg(starts(r, "ok 1 flow\n{\"flows\":[{\"service\":\"webdsr\",\"mode\":\"dsr\",\"client\":\"10.0.0.60\","),
		      "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "--json show backends webdsr\n");
	ck_assert_msg(starts(r, "ok 3 backends\n{\"backends\":[{\"service\":\"webdsr\",\"name\":\"s1\","), "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "--json show interfaces\n");
	ck_assert_msg(starts(r, "ok\n{\"ports\":[{\"port\":0},{\"port\":1}],\"app\":{\"mode\":\"router\",\"interfaces\":["),
		      "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "--json show connections\n");
	ck_assert_msg(starts(r, "ok 1 connection\n{\"connections\":[{"), "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "--json show config\n");
	ck_assert_msg(starts(r, fmt("ok boot.conf (%zu bytes)\n{\"name\":\"boot.conf\",\"config\":", strlen(conf))), "%s", r);
	ck_assert_msg(json_ok(body_of(r)), "%s", r);
	r = talk(s, "show flows webdsr limit\n");
	ck_assert_str_eq(r, "error ctl:10:19: expected 'limit N' (at most 1000000 flows), got 'limit'\n\n");
	/* a commit, then the shows see it */
	r = talk(s, "lb drain web s1\n");
	ck_assert_msg(starts(r, "ok backend web/s1 draining: no new flows, the open ones kept; committed ctl:11 (1 change "
				"to the services) in "), "%s", r);
	r = talk(s, "show services\n");
	ck_assert_msg(strstr(r, "\nweb              10.0.0.100:80/tcp        nat      3 backends (2 up, 1 draining, 0 down) "), "%s",
		      r);
	r = talk(s, "help\n");
	ck_assert_msg(strstr(r, "\nlb add backend SERVICE NAME ADDR [port N] [weight N] [drain]\n") &&
			      strstr(r, "\nshow flows [SERVICE] [limit N]  "), "%s", r);
	ctl_session_free(s);
	lb_down(a);
}
END_TEST

/* A removed service's id is not given to the next new service at once: its nat
 * connections live on, counted under that id, not as the new service's. */
START_TEST(new_service_counts_its_own_packets)
{
	struct lb_app *a = lb_up(conf);
	struct out r = syn_at(6, "10.0.0.50", 40000, "10.0.0.100", 80, 1000);
	ck_assert_int_eq(r.port, 1);
	one(a, "lb remove service web");
	app_lb.tick(a, &worker, 1100);
	one(a, "lb add service other { vip 10.0.0.200 tcp 80; backend o1 10.1.0.11 }");
	app_lb.tick(a, &worker, 1200);
	/* the old connection's next packet (its SYN again): still translated to web's backend */
	r = syn_at(6, "10.0.0.50", 40000, "10.0.0.100", 80, 1300);
	char other[512];
	snprintf(other, sizeof(other), "%s", json_service(show_ok(a, "services", true), "other"));
	lb_down(a);
	ck_assert_int_eq(r.port, 1);
	ck_assert_str_eq(r.dst, "10.1.0.13");
	ck_assert_msg(strstr(other, "\"packets\":0,\"bytes\":0,"), "other counts web's packet: %s", other);
}
END_TEST

void lb_ctl_show_tests(TCase *tc)
{
	tcase_add_test(tc, shows_as_text_and_json);
	tcase_add_test(tc, flows_after_traffic);
	tcase_add_test(tc, shows_over_a_session);
	tcase_add_test(tc, new_service_counts_its_own_packets);
}
