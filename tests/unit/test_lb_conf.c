/* The load balancer's statements in the rule language (lb/lb_conf.h): the lb block and the
 * services with every field read, the defaults, every error with its exact FILE:LINE:COL,
 * the spans (off, end) of the text, writing back (parse, render, parse gives the same),
 * the limits, and nothing left allocated after an error once lb_config_free has run. */
#include "cf_parse.h"
#include "check_run.h"
#include "lb_conf.h"
#include "lb_maglev.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* c initialised, given its extension and the text, then the text parsed as "lb.conf".
 * The shared declarations are parsed and dropped. */
static int parse_n(struct lb_config *c, const char *text, size_t len, struct cf_err *err)
{
	struct cf_config *cfg = calloc(1, sizeof(*cfg));
	ck_assert_ptr_nonnull(cfg);
	struct cf_ext ext;
	lb_config_init(c);
	lb_config_ext(c, &ext);
	c->text = text;
	int rc = cf_parse(cfg, &ext, 1, "lb.conf", text, len, err);
	cf_config_free(cfg);
	free(cfg);
	return rc;
}

static int parse(struct lb_config *c, const char *text, struct cf_err *err)
{
	return parse_n(c, text, strlen(text), err);
}

static struct lb_config *new_config(void)
{
	struct lb_config *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	return c;
}

static void drop(struct lb_config *c)
{
	lb_config_free(c);
	free(c);
}

static void addr4(uint8_t out[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(out, 0, 16);
	out[0] = a;
	out[1] = b;
	out[2] = c;
	out[3] = d;
}

/* 2001:db8::X (X one byte) */
static void addr6(uint8_t out[16], uint8_t last)
{
	memset(out, 0, 16);
	out[0] = 0x20;
	out[1] = 0x01;
	out[2] = 0x0d;
	out[3] = 0xb8;
	out[15] = last;
}

static const char full[] =
	"# the two services of the docs' example\n"
	"lb { flows 1048576; flow-timeout tcp 600 udp 45 }\n"
	"service web {\n"
	"\tvip 10.0.0.100 tcp 80\n"
	"\tmode nat snat 10.9.0.1\n"
	"\ttable 65537\n"
	"\thealth http \"/healthz?full=1\" port 8081 status 204 host web.example interval 2s timeout 1500ms rise 4 fall 5\n"
	"\tbackend web1 10.1.0.11 weight 100\n"
	"\tbackend web2 10.1.0.12 port 8080 weight 50\n"
	"\tbackend web3 10.1.0.13 drain\n"
	"}\n"
	"service dns6 {\n"
	"\tbackend ns1 10.2.0.1; backend ns2 2001:db8::2 weight 0\n"
	"\tmode dsr encap gue port 7000\n"
	"\tvip 2001:db8::53 udp 53\n"
	"\ttable 7\n"
	"\thealth tcp port 53 interval 1m timeout 5s\n"
	"}\n";

START_TEST(full_example)
{
	struct lb_config *c = new_config();
	struct cf_err err = { "" };
	ck_assert_msg(parse(c, full, &err) == 0, "%s", err.msg);
	ck_assert(c->declared);
	ck_assert_uint_eq(c->line, 2);
	ck_assert_uint_eq(c->col, 1);
	ck_assert_uint_eq(c->flows, 1048576);
	ck_assert_uint_eq(c->flow_timeout_tcp_s, 600);
	ck_assert_uint_eq(c->flow_timeout_udp_s, 45);
	ck_assert_uint_eq(c->n_svc, 2);
	uint8_t a[16];

	const struct lbc_service *w = lb_config_service(c, "web");
	ck_assert_ptr_eq(w, &c->svc[0]);
	ck_assert_str_eq(w->name, "web");
	ck_assert_uint_eq(w->family, 4);
	addr4(a, 10, 0, 0, 100);
	ck_assert_mem_eq(w->vip, a, 16);
	ck_assert_uint_eq(w->proto, 6);
	ck_assert_uint_eq(w->port, 80);
	ck_assert_int_eq(w->mode, LBC_NAT);
	ck_assert(w->snat);
	ck_assert(w->snat_addr_set);
	addr4(a, 10, 9, 0, 1);
	ck_assert_mem_eq(w->snat_addr, a, 16);
	ck_assert_int_eq(w->encap, LBC_ENCAP_NONE);
	ck_assert_uint_eq(w->gue_port, LBC_GUE_PORT_DEFAULT);
	ck_assert_uint_eq(w->table_size, 65537);
	ck_assert_uint_eq(w->line, 3);
	ck_assert_uint_eq(w->col, 1);
	ck_assert_uint_eq(w->mode_line, 5);
	ck_assert_uint_eq(w->mode_col, 2);
	const struct lbc_health *h = &w->health;
	ck_assert_int_eq(h->kind, LBC_CHECK_HTTP);
	ck_assert_str_eq(h->path, "/healthz?full=1");
	ck_assert_uint_eq(h->port, 8081);
	ck_assert_uint_eq(h->status, 204);
	ck_assert_str_eq(h->host, "web.example");
	ck_assert_uint_eq(h->interval_ms, 2000);
	ck_assert_uint_eq(h->timeout_ms, 1500);
	ck_assert_uint_eq(h->rise, 4);
	ck_assert_uint_eq(h->fall, 5);
	ck_assert_uint_eq(h->line, 7);
	ck_assert_uint_eq(h->col, 2);
	ck_assert_uint_eq(w->n_backend, 3);
	static const struct {
		const char *name;
		uint8_t last;
		uint16_t port;
		uint32_t weight;
		bool drain;
	} wb[] = { { "web1", 11, 0, 100, false }, { "web2", 12, 8080, 50, false }, { "web3", 13, 0, 100, true } };
	for (unsigned i = 0; i < 3; i++) {
		const struct lbc_backend *b = &w->backend[i];
		ck_assert_str_eq(b->name, wb[i].name);
		ck_assert_uint_eq(b->family, 4);
		addr4(a, 10, 1, 0, wb[i].last);
		ck_assert_mem_eq(b->addr, a, 16);
		ck_assert_uint_eq(b->port, wb[i].port);
		ck_assert_uint_eq(b->weight, wb[i].weight);
		ck_assert(b->drain == wb[i].drain);
		ck_assert_uint_eq(b->line, 8 + i);
		ck_assert_uint_eq(b->col, 2);
	}

	const struct lbc_service *d = lb_config_service(c, "dns6");
	ck_assert_ptr_eq(d, &c->svc[1]);
	ck_assert_uint_eq(d->family, 6);
	addr6(a, 0x53);
	ck_assert_mem_eq(d->vip, a, 16);
	ck_assert_uint_eq(d->proto, 17);
	ck_assert_uint_eq(d->port, 53);
	ck_assert_int_eq(d->mode, LBC_DSR);
	ck_assert(!d->snat && !d->snat_addr_set);
	ck_assert_int_eq(d->encap, LBC_ENCAP_GUE);
	ck_assert_uint_eq(d->gue_port, 7000);
	ck_assert_uint_eq(d->table_size, 7);
	ck_assert_uint_eq(d->mode_line, 14);
	ck_assert_int_eq(d->health.kind, LBC_CHECK_TCP);
	ck_assert_uint_eq(d->health.port, 53);
	ck_assert_uint_eq(d->health.status, 200);
	ck_assert_str_eq(d->health.path, "/");
	ck_assert_str_eq(d->health.host, "");
	ck_assert_uint_eq(d->health.interval_ms, 60000);
	ck_assert_uint_eq(d->health.timeout_ms, 5000);
	ck_assert_uint_eq(d->health.rise, 2);
	ck_assert_uint_eq(d->health.fall, 3);
	ck_assert_uint_eq(d->n_backend, 2);
	ck_assert_str_eq(d->backend[0].name, "ns1"); /* another family: encapsulated */
	ck_assert_uint_eq(d->backend[0].family, 4);
	addr4(a, 10, 2, 0, 1);
	ck_assert_mem_eq(d->backend[0].addr, a, 16);
	ck_assert_uint_eq(d->backend[0].line, 13);
	ck_assert_uint_eq(d->backend[0].col, 2);
	ck_assert_str_eq(d->backend[1].name, "ns2");
	ck_assert_uint_eq(d->backend[1].family, 6);
	addr6(a, 2);
	ck_assert_mem_eq(d->backend[1].addr, a, 16);
	ck_assert_uint_eq(d->backend[1].weight, 0);
	ck_assert_uint_eq(d->backend[1].line, 13);
	ck_assert_uint_eq(d->backend[1].col, 24);

	ck_assert_ptr_null(lb_config_service(c, "mail"));
	ck_assert_ptr_null(lb_config_service(c, "we"));
	drop(c);
}
END_TEST

START_TEST(defaults)
{
	struct lb_config *c = new_config();
	struct cf_err err = { "" };
	ck_assert_msg(parse(c, "service s { vip 192.0.2.1 udp 5353 }\n", &err) == 0, "%s", err.msg);
	ck_assert(!c->declared);
	ck_assert_uint_eq(c->line, 0);
	ck_assert_uint_eq(c->flows, 65536);
	ck_assert_uint_eq(c->flow_timeout_tcp_s, 300);
	ck_assert_uint_eq(c->flow_timeout_udp_s, 30);
	ck_assert_uint_eq(c->n_svc, 1);
	const struct lbc_service *s = &c->svc[0];
	ck_assert_uint_eq(s->proto, 17);
	ck_assert_uint_eq(s->port, 5353);
	ck_assert_int_eq(s->mode, LBC_NAT);
	ck_assert(!s->snat && !s->snat_addr_set);
	ck_assert_int_eq(s->encap, LBC_ENCAP_NONE);
	ck_assert_uint_eq(s->gue_port, 6080);
	ck_assert_uint_eq(s->table_size, LBM_SIZE_DEFAULT);
	ck_assert_uint_eq(s->mode_line, 0);
	ck_assert_uint_eq(s->mode_col, 0);
	ck_assert_int_eq(s->health.kind, LBC_CHECK_NONE);
	ck_assert_uint_eq(s->health.line, 0);
	ck_assert_uint_eq(s->health.port, 0);
	ck_assert_uint_eq(s->health.status, 200);
	ck_assert_str_eq(s->health.path, "/");
	ck_assert_str_eq(s->health.host, "");
	ck_assert_uint_eq(s->health.interval_ms, 2000);
	ck_assert_uint_eq(s->health.timeout_ms, 1000);
	ck_assert_uint_eq(s->health.rise, 2);
	ck_assert_uint_eq(s->health.fall, 3);
	ck_assert_uint_eq(s->n_backend, 0);
	ck_assert_ptr_null(s->backend);
	drop(c);

	/* a bare lb block keeps the defaults; the smallest forms of each statement */
	c = new_config();
	static const char small[] = "lb { }\n"
				    "service a {\n vip 10.0.0.1 tcp 443; mode nat snat; health http /\n"
				    " backend x 10.1.0.1 port 8443 weight 0 drain\n}\n"
				    "service b {\n vip 10.0.0.1 udp 443; mode dsr; health none\n}\n"
				    "service c {\n vip 10.0.0.2 tcp 443; mode dsr encap gue\n}\n";
	ck_assert_msg(parse(c, small, &err) == 0, "%s", err.msg);
	ck_assert(c->declared);
	ck_assert_uint_eq(c->flows, 65536);
	ck_assert_uint_eq(c->flow_timeout_tcp_s, 300);
	ck_assert(c->svc[0].snat && !c->svc[0].snat_addr_set);
	ck_assert_int_eq(c->svc[0].health.kind, LBC_CHECK_HTTP);
	ck_assert_str_eq(c->svc[0].health.path, "/");
	ck_assert_uint_eq(c->svc[0].health.status, 200);
	ck_assert_uint_eq(c->svc[0].backend[0].port, 8443);
	ck_assert_uint_eq(c->svc[0].backend[0].weight, 0);
	ck_assert(c->svc[0].backend[0].drain);
	ck_assert_int_eq(c->svc[1].mode, LBC_DSR);
	ck_assert_int_eq(c->svc[1].encap, LBC_ENCAP_NONE);
	ck_assert_int_eq(c->svc[1].health.kind, LBC_CHECK_NONE);
	ck_assert_uint_eq(c->svc[1].health.line, 7); /* given, if only as none */
	ck_assert_int_eq(c->svc[2].encap, LBC_ENCAP_GUE);
	ck_assert_uint_eq(c->svc[2].gue_port, 6080);
	drop(c);

	/* flow-timeout with one of the two; IPv6 dsr over ipip to IPv4 backends */
	c = new_config();
	static const char one[] = "lb {\n  flow-timeout udp 2592000\n  flows 67108864\n}\n"
				  "service v6 { vip 2001:db8:0:0:1:0:0:1 tcp 80; mode dsr encap ipip; backend a 10.0.0.9 }\n";
	ck_assert_msg(parse(c, one, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c->flow_timeout_tcp_s, 300);
	ck_assert_uint_eq(c->flow_timeout_udp_s, 2592000);
	ck_assert_uint_eq(c->flows, 1u << 26);
	ck_assert_int_eq(c->svc[0].encap, LBC_ENCAP_IPIP);
	drop(c);
}
END_TEST

/* The text between a service's statements the cases share: "service s {\n vip ...\n". */
#define V4 "service s {\n vip 10.0.0.1 tcp 80\n"

static const struct {
	const char *text, *msg;
} errors[] = {
	/* the lb block */
	{ "lb { flows 10 }\nlb { }", "lb.conf:2:1: the lb block is declared twice (first at 1:1)" },
	{ "lb { flows 0 }", "lb.conf:1:12: '0' is out of range: expected a number of flows from 1 to 67108864" },
	{ "lb { flows 67108865 }", "lb.conf:1:12: '67108865' is out of range: expected a number of flows from 1 to 67108864" },
	{ "lb { flows 1; flows 2 }", "lb.conf:1:15: flows given twice (first at 1:6)" },
	{ "lb { flow-timeout }", "lb.conf:1:19: expected tcp or udp, got '}'" },
	{ "lb { flow-timeout tcp 10 tcp 20 }", "lb.conf:1:26: tcp given twice (first at 1:19)" },
	{ "lb { flow-timeout udp 2592001 }", "lb.conf:1:23: '2592001' is out of range: expected seconds from 1 to 2592000" },
	{ "lb { flow-timeout udp 5; flow-timeout tcp 5 }", "lb.conf:1:26: flow-timeout given twice (first at 1:6)" },
	{ "lb {\n  max 5\n}", "lb.conf:2:3: expected flows, flow-timeout or '}', got 'max'" },
	{ "lb { flows 5", "lb.conf:1:13: expected '}', got end of file" },
	{ "lb flows 5", "lb.conf:1:4: expected '{', got 'flows'" },
	{ "lb { } x", "lb.conf:1:8: expected the end of the statement (a new line or ';'), got 'x'" },
	/* the top level */
	{ "balancer { }",
	  "lb.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'conntrack', 'management', 'lb' or 'service', "
	  "got 'balancer'" },
	/* a service's frame */
	{ "service 1web { }",
	  "lb.conf:1:9: expected a service name (a letter, then letters, digits, '_' or '-', at most 15), got '1web'" },
	{ "service web vip 10.0.0.1 tcp 80", "lb.conf:1:13: expected '{', got 'vip'" },
	{ "service web {\n}", "lb.conf:1:1: service web: no vip (vip ADDR tcp|udp PORT)" },
	{ V4, "lb.conf:3:1: expected '}', got end of file" },
	{ V4 " port 80\n}", "lb.conf:3:2: expected vip, mode, table, health, backend or '}', got 'port'" },
	{ V4 "}}",
	  "lb.conf:3:2: expected 'interface', 'route', 'neighbor', 'set', 'conntrack', 'management', 'lb' or 'service', "
	  "got '}'" },
	{ "service a { vip 10.0.0.1 tcp 80 }\nservice a { vip 10.0.0.2 tcp 80 }",
	  "lb.conf:2:9: service a is declared twice (first at 1:1)" },
	/* vip */
	{ V4 " vip 10.0.0.2 tcp 80\n}", "lb.conf:3:2: vip given twice (first at 2:2)" },
	{ "service a { vip 10.0.0.1 tcp 80 }\n\nservice b {\n  vip 10.0.0.1 tcp 80\n}",
	  "lb.conf:4:7: 10.0.0.1 tcp 80 is service a's already (at 1:1): one service per address, protocol and port" },
	{ "service s { vip 10.0.0.0/24 tcp 80 }",
	  "lb.conf:1:17: expected the VIP's address, one address (no prefix length but /32), got '10.0.0.0/24'" },
	{ "service s { vip 2001:db8::/64 tcp 80 }",
	  "lb.conf:1:17: expected the VIP's address, one address (no prefix length but /128), got '2001:db8::/64'" },
	{ "service s { vip 10.0.0.300 tcp 80 }",
	  "lb.conf:1:24: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.300'" },
	{ "service s { vip 224.0.0.1 tcp 80 }",
	  "lb.conf:1:17: expected the VIP's address, got '224.0.0.1': a multicast address, not a host's" },
	{ "service s { vip :: tcp 80 }", "lb.conf:1:17: expected the VIP's address, got '::': unspecified, not a host's" },
	{ "service s { vip 127.0.0.1 tcp 80 }",
	  "lb.conf:1:17: expected the VIP's address, got '127.0.0.1': a loopback address, not a host's" },
	{ "service s { vip 255.255.255.255 tcp 80 }",
	  "lb.conf:1:17: expected the VIP's address, got '255.255.255.255': the broadcast address, not a host's" },
	{ "service s { vip \"10.0.0.1\" tcp 80 }", "lb.conf:1:17: expected the VIP's address, got \"10.0.0.1\"" },
	{ "service s { vip 10.0.0.1 sctp 80 }", "lb.conf:1:26: expected tcp or udp, got 'sctp'" },
	{ "service s { vip 10.0.0.1 tcp 0 }", "lb.conf:1:30: '0' is out of range: expected a port from 1 to 65535" },
	{ "service s { vip 10.0.0.1 tcp }", "lb.conf:1:30: expected a port from 1 to 65535, got '}'" },
	{ "service s { vip 10.0.0.1 tcp 80 443 }",
	  "lb.conf:1:33: expected the end of the statement (a new line or ';'), got '443'" },
	/* mode */
	{ V4 " mode nat\n mode dsr\n}", "lb.conf:4:2: mode given twice (first at 3:2)" },
	{ V4 " mode fast\n}", "lb.conf:3:7: expected nat or dsr, got 'fast'" },
	{ V4 " mode dsr snat\n}",
	  "lb.conf:3:11: snat is for mode nat (in dsr the backends answer the clients themselves)" },
	{ V4 " mode nat encap ipip\n}",
	  "lb.conf:3:11: encap is for mode dsr (in nat mode the packets are translated, not encapsulated)" },
	{ V4 " mode nat masquerade\n}", "lb.conf:3:11: expected snat or the end of the statement, got 'masquerade'" },
	{ V4 " mode nat snat 2001:db8::1\n}",
	  "lb.conf:3:16: snat to an IPv4 address, got '2001:db8::1' (nat mode is IPv4 only)" },
	{ V4 " mode nat snat 10.0.0.0/8\n}",
	  "lb.conf:3:16: expected the snat address, one address (no prefix length but /32), got '10.0.0.0/8'" },
	{ V4 " mode dsr encap vxlan\n}", "lb.conf:3:17: expected ipip or gue, got 'vxlan'" },
	{ V4 " mode dsr tunnel\n}", "lb.conf:3:11: expected encap or the end of the statement, got 'tunnel'" },
	{ V4 " mode dsr encap gue port 0\n}", "lb.conf:3:26: '0' is out of range: expected a UDP port from 1 to 65535" },
	{ V4 " mode dsr encap ipip port 6080\n}",
	  "lb.conf:3:22: expected the end of the statement (a new line or ';'), got 'port'" },
	/* table */
	{ V4 " table 5\n}", "lb.conf:3:8: expected a prime from 7 to 1048573, got 5" },
	{ V4 " table 1048574\n}", "lb.conf:3:8: expected a prime from 7 to 1048573, got 1048574" },
	{ V4 " table 65536\n}", "lb.conf:3:8: 65536 is not prime (65537 is)" },
	{ V4 " table 1048572\n}", "lb.conf:3:8: 1048572 is not prime (1048573 is)" },
	{ V4 " table big\n}", "lb.conf:3:8: expected a prime from 7 to 1048573, got 'big'" },
	{ V4 " table 7\n table 11\n}", "lb.conf:4:2: table given twice (first at 3:2)" },
	/* health */
	{ V4 " health icmp\n}", "lb.conf:3:9: expected none, tcp or http, got 'icmp'" },
	{ V4 " health http healthz\n}", "lb.conf:3:14: expected a path starting with '/' (/healthz), got 'healthz'" },
	{ V4 " health http\n}", "lb.conf:3:13: expected a path starting with '/' (/healthz), got end of line" },
	{ V4 " health http \"/a b\"\n}",
	  "lb.conf:3:17: expected a path starting with '/' (/healthz) without spaces or control characters, got byte 0x20" },
	{ V4 " health http /" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\n}",
	  "lb.conf:3:14: expected a path starting with '/' (/healthz) of at most 127 bytes, got 128" },
	{ V4 " health tcp status 200\n}", "lb.conf:3:13: status is for health http" },
	{ V4 " health tcp host a.example\n}", "lb.conf:3:13: host is for health http" },
	{ V4 " health http / status 99\n}", "lb.conf:3:23: '99' is out of range: expected an HTTP status from 100 to 599" },
	{ V4 " health http / host \"\"\n}", "lb.conf:3:21: expected a host name, got \"\"" },
	{ V4 " health tcp interval 50ms\n}", "lb.conf:3:22: expected an interval from 100ms to 60m, got 50ms" },
	{ V4 " health tcp interval 2h\n}",
	  "lb.conf:3:22: expected an interval from 100ms to 60m (a duration: 500ms, 2s, 1m), got '2h'" },
	{ V4 " health tcp interval 1s timeout 2s\n}",
	  "lb.conf:3:25: the timeout (2s) must be below the interval (1s): a check ends before the next starts" },
	{ V4 " health tcp timeout 3s interval 3000ms rise 1\n}",
	  "lb.conf:3:13: the timeout (3s) must be below the interval (3s): a check ends before the next starts" },
	{ V4 " health tcp interval 500ms\n}",
	  "lb.conf:3:13: the interval (500ms) must be above the timeout (1s, the default): give a shorter timeout" },
	{ V4 " health tcp timeout 5ms\n}", "lb.conf:3:21: expected a timeout from 10ms to 60m, got 5ms" },
	{ V4 " health tcp rise 0\n}", "lb.conf:3:18: '0' is out of range: expected a count from 1 to 100" },
	{ V4 " health tcp fall 3 rise 2 fall 4\n}", "lb.conf:3:27: fall given twice (first at 3:13)" },
	{ V4 " health tcp path /\n}",
	  "lb.conf:3:13: expected port, interval, timeout, rise, fall or the end of the statement, got 'path'" },
	{ V4 " health none port 80\n}", "lb.conf:3:14: expected the end of the statement (a new line or ';'), got 'port'" },
	{ V4 " health tcp\n health none\n}", "lb.conf:4:2: health given twice (first at 3:2)" },
	/* backends */
	{ V4 " backend 9 10.1.0.1\n}",
	  "lb.conf:3:10: expected a backend name (a letter, then letters, digits, '_' or '-', at most 15), got '9'" },
	{ V4 " backend a\n}", "lb.conf:3:11: expected the backend's address, got end of line" },
	{ V4 " backend a 10.1.0.1\n backend b 10.1.0.2\n backend a 10.1.0.3\n}",
	  "lb.conf:5:10: backend a is declared twice in service s (first at 3:2)" },
	{ V4 " backend a 10.1.0.1 port 80\n backend b 10.1.0.1\n}",
	  "lb.conf:4:2: backend b: the same address and port as backend a (at 3:2)" },
	{ V4 " backend a 10.1.0.1 weight 65536\n}", "lb.conf:3:28: '65536' is out of range: expected a weight from 0 to 65535" },
	{ V4 " backend a 10.1.0.1 drain weight 5 drain\n}", "lb.conf:3:36: drain given twice (first at 3:21)" },
	{ V4 " backend a 10.1.0.1 up\n}", "lb.conf:3:21: expected port, weight, drain or the end of the statement, got 'up'" },
	{ V4 " backend a 2001:db8::1\n}",
	  "lb.conf:3:2: backend a: an IPv6 address for an IPv4 VIP: in nat mode the backends are of the VIP's family" },
	{ " service s {\n backend a 10.1.0.1\n backend b 2001:db8::1\n mode dsr\n vip 10.0.0.1 tcp 80\n}",
	  "lb.conf:3:2: backend b: an IPv6 address for an IPv4 VIP: without encap a dsr backend is of the VIP's family (or "
	  "mode dsr encap ipip|gue)" },
	{ V4 " mode dsr encap ipip\n backend a 10.1.0.1\n backend b 10.1.0.2 port 8080\n}",
	  "lb.conf:5:2: backend b: no backend port in dsr (the packet keeps its port, the VIP's 80)" },
	{ V4 " mode dsr\n backend a 10.1.0.1\n backend b 10.1.0.1\n}",
	  "lb.conf:5:2: backend b: the same address and port as backend a (at 4:2)" },
	/* nat is IPv4 only */
	{ "service s {\n vip 2001:db8::80 tcp 80\n}",
	  "lb.conf:2:6: service s: an IPv6 VIP needs mode dsr (nat, the default, is IPv4 only: connection tracking "
	  "translates IPv4 connections)" },
	{ "service s {\n mode nat\n vip 2001:db8::80 tcp 80\n}",
	  "lb.conf:2:2: service s: nat mode is IPv4 only (connection tracking translates IPv4 connections): for an IPv6 "
	  "VIP, mode dsr" },
	/* the lexer's own, inside a service */
	{ V4 " health http \"/open\n}", "lb.conf:3:14: string not closed before the end of the line" },
};

START_TEST(every_error_exact)
{
	struct cf_err err;
	struct lb_config *c = new_config();
	ck_assert_uint_ge(sizeof(errors) / sizeof(errors[0]), 25);
	for (unsigned i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		memset(&err, 0, sizeof(err));
		ck_assert_msg(parse(c, errors[i].text, &err) == -1, "case %u accepted:\n%s", i, errors[i].text);
		ck_assert_msg(!strcmp(err.msg, errors[i].msg), "case %u:\n  got  %s\n  want %s", i, err.msg, errors[i].msg);
		lb_config_free(c);
	}
	drop(c);
}
END_TEST

/* What the errors' cases would give when fixed: each check refuses exactly what it says. */
START_TEST(near_misses_accepted)
{
	static const char *const ok[] = {
		"service a { vip 10.0.0.1 tcp 80 }\nservice b { vip 10.0.0.1 udp 80 }\nservice c { vip 10.0.0.1 tcp 81 }",
		V4 " backend a 10.1.0.1 port 81\n backend b 10.1.0.1\n}",                  /* 80 and 81 */
		V4 " backend a 10.1.0.1\n backend b 10.1.0.2\n}",
		V4 " mode dsr encap ipip\n backend a 2001:db8::1\n backend b 10.1.0.1\n}", /* encapsulated: any family */
		"service s { vip 2001:db8::1 tcp 80; mode dsr; backend a 2001:db8::2 }",
		V4 " table 1048573\n}",
		V4 " table 7\n}",
		V4 " health tcp interval 100ms timeout 99ms\n}",
		V4 " health tcp interval 60m timeout 59m\n}",
		V4 " health http / status 599 host \"h:8080\"\n}",
		V4 " backend a 10.1.0.1 weight 65535\n}",
		V4 " mode nat snat 10.0.0.1\n}",
		"lb { flow-timeout udp 1 tcp 2592000 }",
		"service a { vip 10.0.0.1 tcp 80 }; service b { vip 10.0.0.2 tcp 80 }",
	};
	struct lb_config *c = new_config();
	struct cf_err err = { "" };
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(parse(c, ok[i], &err) == 0, "case %u: %s", i, err.msg);
		lb_config_free(c);
	}
	drop(c);
}
END_TEST

START_TEST(offsets)
{
	static const char text[] = "interface lan { address 10.0.0.1/24 }\n"
				   "service web {\n\tvip 10.0.0.100 tcp 80\n\tbackend a 10.1.0.1\n}   # web\n"
				   "lb { flows 1024 }\n"
				   "  service dns { vip 10.0.0.100 udp 53; backend b 10.1.0.2 }\n"
				   "service last { vip 10.0.0.100 udp 54 }";
	struct lb_config *c = new_config();
	struct cf_err err = { "" };
	ck_assert_msg(parse(c, text, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c->n_svc, 3);
	for (unsigned i = 0; i < c->n_svc; i++) {
		const struct lbc_service *s = &c->svc[i];
		ck_assert_uint_lt(s->off, s->end);
		ck_assert_uint_le(s->end, strlen(text));
		ck_assert_msg(!strncmp(text + s->off, "service", 7), "service %u starts at '%.10s'", i, text + s->off);
		ck_assert_int_eq(text[s->end - 1], '}');
	}
	ck_assert_uint_eq(c->svc[0].off, 38);
	ck_assert_uint_eq(c->svc[0].end, strstr(text, "}   # web") + 1 - text);
	const char *dns = "service dns { vip 10.0.0.100 udp 53; backend b 10.1.0.2 }";
	ck_assert_uint_eq(c->svc[1].off, strstr(text, dns) - text);
	ck_assert_uint_eq(c->svc[1].end - c->svc[1].off, strlen(dns));
	ck_assert_uint_eq(c->svc[1].col, 3);
	ck_assert_uint_eq(c->svc[2].end, strlen(text)); /* its '}' the text's last byte */
	ck_assert(c->declared);
	ck_assert_uint_eq(c->off, strstr(text, "lb {") - text);
	ck_assert_uint_eq(c->end - c->off, strlen("lb { flows 1024 }"));

	/* The control socket's edit: cut every span, append the rendering, read it back. */
	char edited[sizeof(text) + 512];
	size_t n = 0, from = 0;
	size_t cuts[4][2] = { { c->svc[0].off, c->svc[0].end }, { c->off, c->end }, { c->svc[1].off, c->svc[1].end },
			      { c->svc[2].off, c->svc[2].end } };
	for (unsigned i = 0; i < 4; i++) {
		memcpy(edited + n, text + from, cuts[i][0] - from);
		n += cuts[i][0] - from;
		from = cuts[i][1];
	}
	memcpy(edited + n, text + from, strlen(text) - from);
	n += strlen(text) - from;
	edited[n++] = '\n';
	size_t r = lb_config_render(c, edited + n, sizeof(edited) - n);
	ck_assert_uint_lt(r, sizeof(edited) - n);
	n += r;
	edited[n] = 0;
	const char *first = strstr(edited, "service dns {"); /* cut: only the rendering's is left */
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(strstr(first + 1, "service dns {"));
	ck_assert_ptr_null(strstr(edited, "lb { flows 1024 }"));
	struct lb_config *back = new_config();
	ck_assert_msg(parse_n(back, edited, n, &err) == 0, "%s\n%s", err.msg, edited);
	ck_assert_uint_eq(back->n_svc, 3);
	ck_assert_uint_eq(back->flows, 1024);
	ck_assert_str_eq(back->svc[1].name, "dns");
	ck_assert_int_eq(edited[back->svc[1].end - 1], '}');
	drop(back);

	/* without the text, no offsets (and no harm) */
	struct cf_config *cfg = calloc(1, sizeof(*cfg));
	struct cf_ext ext;
	lb_config_free(c);
	lb_config_ext(c, &ext);
	ck_assert_int_eq(cf_parse(cfg, &ext, 1, "lb.conf", text, strlen(text), &err), 0);
	ck_assert_uint_eq(c->svc[1].off + c->svc[1].end, 0);
	cf_config_free(cfg);
	free(cfg);
	drop(c);
}
END_TEST

/* a and b the same but for positions (line, col, off, end) */
static void assert_same(const struct lb_config *a, const struct lb_config *b)
{
	ck_assert(a->declared == b->declared);
	ck_assert_uint_eq(a->flows, b->flows);
	ck_assert_uint_eq(a->flow_timeout_tcp_s, b->flow_timeout_tcp_s);
	ck_assert_uint_eq(a->flow_timeout_udp_s, b->flow_timeout_udp_s);
	ck_assert_uint_eq(a->n_svc, b->n_svc);
	for (unsigned i = 0; i < a->n_svc; i++) {
		const struct lbc_service *s = &a->svc[i], *t = &b->svc[i];
		ck_assert_str_eq(s->name, t->name);
		ck_assert_uint_eq(s->family, t->family);
		ck_assert_mem_eq(s->vip, t->vip, 16);
		ck_assert_uint_eq(s->proto, t->proto);
		ck_assert_uint_eq(s->port, t->port);
		ck_assert_int_eq(s->mode, t->mode);
		ck_assert(s->snat == t->snat);
		ck_assert(s->snat_addr_set == t->snat_addr_set);
		ck_assert_mem_eq(s->snat_addr, t->snat_addr, 16);
		ck_assert_int_eq(s->encap, t->encap);
		ck_assert_uint_eq(s->gue_port, t->gue_port);
		ck_assert_uint_eq(s->table_size, t->table_size);
		const struct lbc_health *h = &s->health, *k = &t->health;
		ck_assert_int_eq(h->kind, k->kind);
		ck_assert_uint_eq(h->port, k->port);
		ck_assert_uint_eq(h->status, k->status);
		ck_assert_str_eq(h->path, k->path);
		ck_assert_str_eq(h->host, k->host);
		ck_assert_uint_eq(h->interval_ms, k->interval_ms);
		ck_assert_uint_eq(h->timeout_ms, k->timeout_ms);
		ck_assert_uint_eq(h->rise, k->rise);
		ck_assert_uint_eq(h->fall, k->fall);
		ck_assert_uint_eq(s->n_backend, t->n_backend);
		for (unsigned j = 0; j < s->n_backend; j++) {
			const struct lbc_backend *x = &s->backend[j], *y = &t->backend[j];
			ck_assert_str_eq(x->name, y->name);
			ck_assert_uint_eq(x->family, y->family);
			ck_assert_mem_eq(x->addr, y->addr, 16);
			ck_assert_uint_eq(x->port, y->port);
			ck_assert_uint_eq(x->weight, y->weight);
			ck_assert(x->drain == y->drain);
		}
	}
}

/* text parsed, rendered, the rendering parsed: the same config, and the same rendering */
static void round_trip(const char *text, const char *want)
{
	struct lb_config *a = new_config(), *b = new_config();
	struct cf_err err = { "" };
	ck_assert_msg(parse(a, text, &err) == 0, "%s", err.msg);
	size_t n = lb_config_render(a, NULL, 0);
	char *buf = malloc(n + 1);
	ck_assert_uint_eq(lb_config_render(a, buf, n + 1), n);
	ck_assert_uint_eq(strlen(buf), n);
	if (want)
		ck_assert_str_eq(buf, want);
	ck_assert_msg(parse(b, buf, &err) == 0, "%s in\n%s", err.msg, buf);
	assert_same(a, b);
	size_t n2 = lb_config_render(b, NULL, 0);
	char *buf2 = malloc(n2 + 1);
	lb_config_render(b, buf2, n2 + 1);
	ck_assert_str_eq(buf, buf2);
	/* cut short, it is as snprintf: the prefix that fits, the length it needs */
	char small[17];
	ck_assert_uint_eq(lb_config_render(a, small, sizeof(small)), n);
	ck_assert_uint_eq(strlen(small), n < 16 ? n : 16);
	ck_assert(!strncmp(small, buf, strlen(small)));
	free(buf);
	free(buf2);
	drop(a);
	drop(b);
}

START_TEST(render_round_trip)
{
	round_trip(full, "lb { flows 1048576; flow-timeout tcp 600 udp 45 }\n"
			 "service web {\n"
			 "\tvip 10.0.0.100 tcp 80\n"
			 "\tmode nat snat 10.9.0.1\n"
			 "\thealth http \"/healthz?full=1\" port 8081 status 204 host web.example interval 2s timeout 1500ms "
			 "rise 4 fall 5\n"
			 "\tbackend web1 10.1.0.11\n"
			 "\tbackend web2 10.1.0.12 port 8080 weight 50\n"
			 "\tbackend web3 10.1.0.13 drain\n"
			 "}\n"
			 "service dns6 {\n"
			 "\tvip 2001:db8::53 udp 53\n"
			 "\tmode dsr encap gue port 7000\n"
			 "\ttable 7\n"
			 "\thealth tcp port 53 interval 1m timeout 5s rise 2 fall 3\n"
			 "\tbackend ns1 10.2.0.1\n"
			 "\tbackend ns2 2001:db8::2 weight 0\n"
			 "}\n");
	round_trip("service s { vip 192.0.2.1 udp 5353 }", "service s {\n\tvip 192.0.2.1 udp 5353\n\tmode nat\n}\n");
	round_trip("", "");
	round_trip("lb { }", "lb { flows 65536; flow-timeout tcp 300 udp 30 }\n");
	round_trip("service a { vip 10.0.0.1 tcp 443; mode nat snat; health http /; backend x 10.1.0.1 port 8443 weight 0 "
		   "drain }\n"
		   "service b { vip fe80:0:0:1::1 tcp 443; mode dsr encap ipip; table 131071\n"
		   " health http /ready host \"h:8080\" interval 90s timeout 61s\n"
		   " backend v4 10.2.0.1; backend v6 2001:0db8:0000:0000:0001:0000:0000:0000 weight 7 }\n"
		   "service c { vip 10.0.0.2 tcp 443; mode dsr encap gue port 6080; health tcp interval 1500ms timeout 100ms"
		   " rise 100 fall 1 }\n"
		   "service d { vip 1:0:0:2:0:0:0:3 udp 1; mode dsr; backend only 1:0:0:2::4 }\n"
		   "service e { vip 2001:db8:1:2:3:4:5:6 udp 65535; mode dsr; health none }\n",
		   "service a {\n\tvip 10.0.0.1 tcp 443\n\tmode nat snat\n"
		   "\thealth http / status 200 interval 2s timeout 1s rise 2 fall 3\n"
		   "\tbackend x 10.1.0.1 port 8443 weight 0 drain\n}\n"
		   "service b {\n\tvip fe80:0:0:1::1 tcp 443\n\tmode dsr encap ipip\n\ttable 131071\n"
		   "\thealth http /ready status 200 host h:8080 interval 90s timeout 61s rise 2 fall 3\n"
		   "\tbackend v4 10.2.0.1\n\tbackend v6 2001:db8:0:0:1:: weight 7\n}\n"
		   "service c {\n\tvip 10.0.0.2 tcp 443\n\tmode dsr encap gue\n"
		   "\thealth tcp interval 1500ms timeout 100ms rise 100 fall 1\n}\n"
		   "service d {\n\tvip 1:0:0:2::3 udp 1\n\tmode dsr\n\tbackend only 1:0:0:2::4\n}\n"
		   "service e {\n\tvip 2001:db8:1:2:3:4:5:6 udp 65535\n\tmode dsr\n}\n");
	/* every way of writing the same thing gives one rendering */
	round_trip("service x {\n\tbackend b 10.1.0.1 drain weight 100\n\thealth tcp rise 2 timeout 1000ms interval 2000ms\n"
		   "\tmode nat\n\ttable 65537\n\tvip 10.0.0.9 tcp 22\n}",
		   "service x {\n\tvip 10.0.0.9 tcp 22\n\tmode nat\n"
		   "\thealth tcp interval 2s timeout 1s rise 2 fall 3\n\tbackend b 10.1.0.1 drain\n}\n");
}
END_TEST

/* n backends in service "big", one a line from line 3, each its own address */
static char *many_backends(unsigned n)
{
	size_t cap = 64 + (size_t)n * 40, at = 0;
	char *t = malloc(cap);
	at += (size_t)snprintf(t + at, cap - at, "service big {\n vip 10.0.0.1 tcp 80\n");
	for (unsigned i = 0; i < n; i++)
		at += (size_t)snprintf(t + at, cap - at, " backend b%u 10.%u.%u.%u weight %u\n", i, 1 + i / 65536,
				       i / 256 % 256, i % 256, i % 7);
	snprintf(t + at, cap - at, "}\n");
	return t;
}

START_TEST(backend_limits)
{
	struct lb_config *c = new_config();
	struct cf_err err = { "" };
	char *t = many_backends(LBC_MAX_BACKENDS);
	ck_assert_msg(parse(c, t, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c->svc[0].n_backend, 1024);
	ck_assert_str_eq(c->svc[0].backend[1023].name, "b1023");
	ck_assert_uint_eq(c->svc[0].backend[1023].addr[2], 3);
	ck_assert_uint_eq(c->svc[0].backend[1023].addr[3], 255);
	ck_assert_uint_eq(c->svc[0].backend[1023].weight, 1023 % 7);
	ck_assert_uint_eq(c->svc[0].backend[1023].line, 1026);
	lb_config_free(c);
	free(t);

	t = many_backends(LBC_MAX_BACKENDS + 1);
	ck_assert_int_eq(parse(c, t, &err), -1);
	ck_assert_str_eq(err.msg, "lb.conf:1027:2: too many backends in service big (at most 1024)");
	lb_config_free(c);
	free(t);

	/* 4096 in all: four full services, then one backend more */
	size_t cap = 5 * 1100 * 40, at = 0;
	t = malloc(cap);
	for (unsigned s = 0; s < 5; s++) {
		at += (size_t)snprintf(t + at, cap - at, "service s%u {\n vip 10.0.0.1 tcp %u\n", s, 80 + s);
		for (unsigned i = 0; i < (s < 4 ? LBC_MAX_BACKENDS : 1u); i++)
			at += (size_t)snprintf(t + at, cap - at, " backend b%u 10.%u.%u.%u\n", i, 1 + s, i / 256, i % 256);
		at += (size_t)snprintf(t + at, cap - at, "}\n");
	}
	ck_assert_int_eq(parse(c, t, &err), -1);
	ck_assert_str_eq(err.msg, "lb.conf:4111:2: too many backends in all the services (at most 4096)");
	ck_assert_uint_eq(c->n_svc, 4);
	lb_config_free(c);
	ck_assert_uint_eq(c->n_svc, 0);
	*strstr(t, "service s4") = 0;
	ck_assert_msg(parse(c, t, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c->n_svc, 4);
	lb_config_free(c);
	free(t);

	/* 64 services, not 65 */
	cap = 65 * 64;
	at = 0;
	t = malloc(cap);
	for (unsigned s = 0; s < 65; s++)
		at += (size_t)snprintf(t + at, cap - at, "service s%u { vip 10.0.0.1 tcp %u }\n", s, 1 + s);
	ck_assert_int_eq(parse(c, t, &err), -1);
	ck_assert_str_eq(err.msg, "lb.conf:65:1: too many services (at most 64)");
	lb_config_free(c);
	*strstr(t, "service s64") = 0;
	ck_assert_msg(parse(c, t, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c->n_svc, 64);
	free(t);
	drop(c);
}
END_TEST

/* An error in a service's middle, after its backends' array has grown, and in the next
 * service after a whole one: lb_config_free leaves nothing (LeakSanitizer, unforked) and c
 * as new. */
START_TEST(free_after_error)
{
	static const char *const texts[] = {
		V4 " backend a 10.1.0.1\n backend b 10.1.0.2\n backend c 10.1.0.3\n backend d 10.1.0.4\n"
		   " backend e 10.1.0.5\n backend f 10.1.0.6 weight x\n}",
		"service a { vip 10.0.0.1 tcp 80; backend a 10.1.0.1; backend b 10.1.0.2 }\n"
		"service b {\n vip 10.0.0.2 tcp 80\n backend a 10.1.0.1\n}\n"
		"service c { backend a 10.1.0.1; backend b 10.1.0.2 }\n",                    /* no vip */
		V4 " backend a 10.1.0.1\n backend b 2001:db8::1\n}",                        /* at '}' */
		"service a { vip 10.0.0.1 tcp 80; backend a 10.1.0.1 }\nservice b { backend a 10.1.0.9; vip 10.0.0.1 tcp 80 }",
	};
	struct lb_config *c = new_config();
	struct cf_err err = { "" };
	for (unsigned i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_msg(parse(c, texts[i], &err) == -1, "case %u accepted", i);
		lb_config_free(c);
		ck_assert_uint_eq(c->n_svc, 0);
		for (unsigned k = 0; k < LBC_MAX_SERVICES; k++)
			ck_assert_ptr_null(c->svc[k].backend);
		ck_assert_uint_eq(c->flows, 65536);
		ck_assert_uint_eq(c->flow_timeout_tcp_s, 300);
		ck_assert_uint_eq(c->flow_timeout_udp_s, 30);
		ck_assert_ptr_null(c->text);
	}
	/* and a config after a success, as new too */
	ck_assert_msg(parse(c, full, &err) == 0, "%s", err.msg);
	lb_config_free(c);
	struct lb_config *fresh = new_config();
	lb_config_init(fresh);
	ck_assert_mem_eq(c, fresh, sizeof(*c));
	free(fresh);
	drop(c);
}
END_TEST

/* The extension beside the shared statements and another one: it takes only its words. */
static int other_stmt(struct cf_parser *ps, void *ctx)
{
	if (!cfp_is_word(ps, "other"))
		return 1;
	++*(int *)ctx;
	if (cfp_next(ps))
		return -1;
	return cfp_end_statement(ps);
}

START_TEST(beside_others)
{
	static const char *const other_words[] = { "other", NULL };
	int others = 0;
	struct lb_config *c = new_config();
	struct cf_ext ext[2];
	ext[0] = (struct cf_ext){ .name = "other", .words = other_words, .stmt = other_stmt, .ctx = &others };
	lb_config_init(c);
	lb_config_ext(c, &ext[1]);
	ck_assert_str_eq(ext[1].name, "lb");
	ck_assert_ptr_null(ext[1].chain);
	static const char text[] = "interface lan { address 10.0.0.1/24 }\nother\n"
				   "service s { vip 10.0.0.1 tcp 80 }\nother\nlb { flows 8 }\n";
	c->text = text;
	struct cf_config *cfg = calloc(1, sizeof(*cfg));
	struct cf_err err = { "" };
	ck_assert_msg(cf_parse(cfg, ext, 2, "lb.conf", text, strlen(text), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(others, 2);
	ck_assert_uint_eq(cfg->n_iface, 1);
	ck_assert_uint_eq(c->n_svc, 1);
	ck_assert_uint_eq(c->flows, 8);
	cf_config_free(cfg);
	free(cfg);
	drop(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_conf");
	TCase *tc = tcase_create("lb_conf");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, full_example);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_error_exact);
	tcase_add_test(tc, near_misses_accepted);
	tcase_add_test(tc, offsets);
	tcase_add_test(tc, render_round_trip);
	tcase_add_test(tc, backend_limits);
	tcase_add_test(tc, free_after_error);
	tcase_add_test(tc, beside_others);
	suite_add_tcase(s, tc);
	return check_run(s);
}
