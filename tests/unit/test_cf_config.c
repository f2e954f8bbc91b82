/* The rule language's declarations (conf/): interfaces, routes, neighbours, sets, conntrack
 * and management, every error path with its exact message, and the extensions through
 * which engines add their statements. Built without any engine. A failed parse leaves the
 * declarations empty. */
#include "cf_parse.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static int parse(struct cf_config *cfg, const char *src, struct cf_err *err)
{
	return cf_parse(cfg, NULL, 0, "r.conf", src, strlen(src), err);
}

START_TEST(declarations)
{
	static struct cf_config cfg;
	struct cf_err err = { "" };
	const char *src = "# the appliance\n"
			  "interface lan { address 192.168.1.1/24; address 2001:db8:1::1/64 }\n"
			  "interface wan {\n  address 203.0.113.2/24\n}\n"
			  "interface dmz\n"
			  "route 0.0.0.0/0 via 203.0.113.1 dev wan\n"
			  "route 10.9.0.0/16 dev dmz; route ::/0 via 2001:db8:1::fe\n"
			  "set trusted ipv4 { 10.0.0.0/8, 192.168.0.0/16 }\n"
			  "set web port {\n  80, 443,\n  8000-8080\n}\n"
			  "set none ipv6 { }\n";
	ck_assert_msg(parse(&cfg, src, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(cfg.n_iface, 3);
	ck_assert_str_eq(cfg.iface[0].name, "lan");
	ck_assert_uint_eq(cfg.iface[0].n_addr, 2);
	ck_assert_uint_eq(cfg.iface[0].addr[0].len, 24);
	ck_assert_uint_eq(cfg.iface[0].addr[0].addr[3], 1); /* host bits kept */
	ck_assert_uint_eq(cfg.iface[0].addr[1].family, 6);
	ck_assert_uint_eq(cfg.iface[2].n_addr, 0);
	ck_assert_uint_eq(cfg.n_route, 3);
	ck_assert_int_eq(cfg.route[0].dev, 1);
	ck_assert_uint_eq(cfg.route[0].via.addr[3], 1);
	ck_assert_int_eq(cfg.route[1].dev, 2);
	ck_assert_uint_eq(cfg.route[1].via.family, 0);
	ck_assert_int_eq(cfg.route[2].dev, -1);
	ck_assert_uint_eq(cfg.route[2].via.family, 6);
	ck_assert_uint_eq(cfg.n_set, 3);
	const struct cf_set *web = cf_config_set(&cfg, "web", 3);
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_eq(web->n, 3);
	ck_assert_uint_eq(web->ranges[2].lo, 8000);
	ck_assert_uint_eq(web->ranges[2].hi, 8080);
	ck_assert_uint_eq(cf_config_set(&cfg, "trusted", 7)->prefixes[1].len, 16);
	ck_assert_uint_eq(cf_config_set(&cfg, "none", 4)->n, 0);
	ck_assert_uint_eq(cfg.ct.max_entries, 65536);      /* no conntrack block: the defaults */
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_UDP], 30);
	ck_assert(cfg.ct.checksum && cfg.ct.tcp_loose);
	cf_config_free(&cfg);
	ck_assert_msg(parse(&cfg, "conntrack {\n max 1000000; timeout tcp_established 86400\n timeout udp 60\n loose off\n"
			    " checksum off\n}\n", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(cfg.ct.max_entries, 1000000);
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_TCP_ESTABLISHED], 86400);
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_UDP], 60);
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_TCP_SYN_SENT], 120);
	ck_assert(!cfg.ct.tcp_loose);
	ck_assert(!cfg.ct.checksum);
	cf_config_free(&cfg);
	/* the management block's ports */
	static const char mg[] = "management { address dhcp; metrics port 9200; control port 8443 }";
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(cf_parse(&cfg, NULL, 0, "m.conf", mg, strlen(mg), &err), 0);
	ck_assert(cfg.mgmt.declared);
	ck_assert_str_eq(cfg.mgmt.spec, "dhcp");
	ck_assert_uint_eq(cfg.mgmt.metrics_port, 9200);
	ck_assert_uint_eq(cfg.mgmt.ctl_port, 8443);
	cf_config_free(&cfg);
}
END_TEST

/* VLAN interfaces: on a port's interface, with its MTU unless they give a smaller one,
 * and named by rules and routes like any other. */
START_TEST(vlan_interfaces)
{
	struct cf_config cfg = { 0 };
	struct cf_err err = { "" };
	ck_assert_msg(parse(&cfg, "interface lan { mtu 9000 }\ninterface wan\n"
			    "interface office { vlan 10 on lan; address 192.168.10.1/24 }\n"
			    "interface lab { address 10.9.0.1/16; vlan 4094 on lan; mtu 1500 }\n"
			    "interface guest { vlan 10 on wan }\n"
			    "route 10.0.0.0/8 dev lab\n", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(cfg.n_iface, 5);
	ck_assert_int_eq(cfg.iface[0].parent, -1);
	ck_assert_uint_eq(cfg.iface[0].vlan, 0);
	ck_assert_int_eq(cfg.iface[2].parent, 0);
	ck_assert_uint_eq(cfg.iface[2].vlan, 10);
	ck_assert_uint_eq(cfg.iface[2].mtu, 9000);     /* its parent's */
	ck_assert_int_eq(cfg.iface[3].parent, 0);
	ck_assert_uint_eq(cfg.iface[3].vlan, 4094);
	ck_assert_uint_eq(cfg.iface[3].mtu, 1500);
	ck_assert_int_eq(cfg.iface[4].parent, 1);      /* the same ID on another port */
	ck_assert_uint_eq(cfg.iface[4].vlan, 10);
	ck_assert_uint_eq(cfg.iface[4].mtu, 1500);
	ck_assert_int_eq(cfg.route[0].dev, 3);
	cf_config_free(&cfg);
}
END_TEST

START_TEST(every_error_exact)
{
	static const struct { const char *src, *msg; } cases[] = {
		/* no extension: no 'chain' (test_fw_config.c has the firewall's) */
		{ "table x", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'conntrack' or 'management', got 'table'" },
		{ "{", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'conntrack' or 'management', got '{'" },
		{ "chain input { }", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'conntrack' or 'management', got 'chain'" },
		{ "interface", "r.conf:1:10: expected an interface name, got end of file" },
		{ "interface 9lan", "r.conf:1:11: expected an interface name (a letter, then letters, digits, '_' or '-', at most 15), got '9lan'" },
		{ "interface averyveryverylongname", "r.conf:1:11: expected an interface name (a letter, then letters, digits, '_' or '-', at most 15), got 'averyveryverylongname'" },
		{ "interface lan\ninterface lan", "r.conf:2:11: interface 'lan' is already declared at r.conf:1:11" },
		{ "interface lan extra", "r.conf:1:15: expected the end of the statement (a new line or ';'), got 'extra'" },
		{ "interface lan { adress 10.0.0.1/8 }", "r.conf:1:17: expected 'address', 'vlan', 'mac', 'mtu' or '}', got 'adress'" },
		{ "interface lan { address }", "r.conf:1:25: expected an address with its prefix length (192.0.2.1/24), got '}'" },
		{ "interface lan { address 10.0.0.300/8 }", "r.conf:1:32: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.300/8'" },
		{ "interface lan { address 10.0.0.1/8 address 10.0.0.2/8 }", "r.conf:1:36: expected the end of the statement (a new line or ';'), got 'address'" },
		{ "interface lan {\n address 10.0.0.1/8\n", "r.conf:3:1: expected 'address', 'vlan', 'mac', 'mtu' or '}', got end of file" },
		{ "interface lan { mac }", "r.conf:1:21: expected a MAC address (02:00:00:00:00:01), got '}'" },
		{ "interface lan { mac 02:00:00:00:00 }", "r.conf:1:21: expected a MAC address (02:00:00:00:00:01), got '02:00:00:00:00'" },
		{ "interface lan { mac 02:00:00:00:00:0g }", "r.conf:1:21: expected a MAC address (02:00:00:00:00:01), got '02:00:00:00:00:0g'" },
		{ "interface lan { mac 02:00:00:00:00:011 }", "r.conf:1:21: expected a MAC address (02:00:00:00:00:01), got '02:00:00:00:00:011'" },
		{ "interface lan { mtu 500 }", "r.conf:1:21: '500' is out of range: expected an MTU from 576 to 9216" },
		{ "interface lan { mtu big }", "r.conf:1:21: expected an MTU from 576 to 9216, got 'big'" },
		{ "interface lan { mtu 1000; address 2001:db8::1/64 }", "r.conf:1:21: 'lan' has IPv6 addresses, and IPv6 needs an MTU of at least 1280 (RFC 8200)" },
		{ "interface lan { mac 01:00:5e:00:00:01 }", "r.conf:1:21: 01:00:5e:00:00:01 is a multicast MAC address, not an interface's" },
		{ "management { address dhcp }\nmanagement { address dhcp }", "r.conf:2:1: management is already configured at r.conf:1:1" },
		{ "management { interface lan; address dhcp }", "r.conf:1:24: no interface named 'lan' (declare it before management)" },
		{ "interface lan\ninterface v { vlan 9 on lan }\nmanagement { interface v; address dhcp }", "r.conf:3:24: 'v' is a VLAN interface: management goes on a port's own (untagged) interface" },
		{ "management { }", "r.conf:1:1: management without an address: give 'address dhcp', an address, or 'slaac'" },
		{ "management { address 10.0.0.1/24; address dhcp }", "r.conf:1:43: management has its IPv4 address already" },
		{ "management { address 10.0.0.300/24 }", "r.conf:1:29: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.300/24'" },
		{ "management { gateway 10.0.0.0/8 }", "r.conf:1:22: a gateway is an address, not a prefix" },
		{ "management { metrics 9100 }", "r.conf:1:22: expected 'port', got '9100'" },
		{ "management { metrics port 0 }", "r.conf:1:27: '0' is out of range: expected a TCP port (1 to 65535)" },
		{ "management { adress dhcp }", "r.conf:1:14: expected 'interface', 'address', 'gateway', 'slaac', 'metrics', 'control' or '}', got 'adress'" },
		{ "management { control 7443 }", "r.conf:1:22: expected 'port', got '7443'" },
		{ "management { control port 70000 }", "r.conf:1:27: '70000' is out of range: expected a TCP port (1 to 65535)" },
		{ "interface lan\ninterface v { vlan }", "r.conf:2:20: expected a VLAN ID from 1 to 4094, got '}'" },
		{ "interface lan\ninterface v { vlan 0 on lan }", "r.conf:2:20: '0' is out of range: expected a VLAN ID from 1 to 4094" },
		{ "interface lan\ninterface v { vlan 4095 on lan }", "r.conf:2:20: '4095' is out of range: expected a VLAN ID from 1 to 4094" },
		{ "interface lan\ninterface v { vlan 10 lan }", "r.conf:2:23: expected 'on INTERFACE' (the interface whose port carries the VLAN), got 'lan'" },
		{ "interface lan\ninterface v { vlan 10 on }", "r.conf:2:26: expected an interface name, got '}'" },
		{ "interface v { vlan 10 on lan }\ninterface lan", "r.conf:1:26: no interface named 'lan' (declare it before its VLANs)" },
		{ "interface lan\ninterface v { vlan 10 on v }", "r.conf:2:26: no interface named 'v' (declare it before its VLANs)" },
		{ "interface lan\ninterface v { vlan 10 on lan }\ninterface w { vlan 20 on v }", "r.conf:3:26: 'v' is itself a VLAN interface: a VLAN rides on a port's interface (no stacked tags)" },
		{ "interface lan\ninterface v { vlan 10 on lan }\ninterface w { vlan 10 on lan }", "r.conf:3:26: VLAN 10 on 'lan' is already interface 'v' (r.conf:2:11)" },
		{ "interface lan\ninterface v { vlan 10 on lan; vlan 11 on lan }", "r.conf:2:31: 'v' already has its VLAN" },
		{ "interface lan { mtu 1400 }\ninterface v { mtu 1500; vlan 10 on lan }", "r.conf:2:19: 'v' has an MTU of 1500, above that of 'lan' (1400), which carries its frames" },
		{ "interface lan { mtu 1200 }\ninterface v { vlan 10 on lan; address 2001:db8::1/64 }", "r.conf:2:11: 'v' has IPv6 addresses, and IPv6 needs an MTU of at least 1280 (RFC 8200): it has 'lan''s, 1200" },
		{ "neighbor", "r.conf:1:9: expected the neighbor's address, got end of file" },
		{ "interface wan\nneighbor 10.0.0.0/8 lladdr 02:00:00:00:00:01 dev wan", "r.conf:2:10: a neighbor is one address, without a prefix length" },
		{ "interface wan\nneighbor 10.0.0.1 02:00:00:00:00:01", "r.conf:2:19: expected 'lladdr MAC', got '02:00:00:00:00:01'" },
		{ "interface wan\nneighbor 10.0.0.1 lladdr ff:ff:ff:ff:ff:ff dev wan", "r.conf:2:26: ff:ff:ff:ff:ff:ff is a multicast MAC address, not an interface's" },
		{ "interface wan\nneighbor 10.0.0.1 lladdr 02:00:00:00:00:01", "r.conf:2:43: expected 'dev INTERFACE', got end of file" },
		{ "interface wan\nneighbor 10.0.0.1 lladdr 02:00:00:00:00:01 dev lan", "r.conf:2:48: no interface named 'lan' (declare it before the neighbor)" },
		{ "route", "r.conf:1:6: expected a destination prefix (0.0.0.0/0, 2001:db8::/32), got end of file" },
		{ "route 10.0.0.0/8", "r.conf:1:17: expected 'via ADDRESS' or 'dev INTERFACE', got end of file" },
		{ "route 10.0.0.1/8 via 10.0.0.1", "r.conf:1:7: '10.0.0.1/8' has host bits set beyond /8 (did you mean the network address?)" },
		{ "route 10.0.0.0/8 via 10.1.0.0/16", "r.conf:1:22: a next hop is one address, without a prefix length" },
		{ "route 10.0.0.0/8 via 2001:db8::1", "r.conf:1:22: next hop 2001:db8::1 is IPv6 but the destination is IPv4" },
		{ "route 10.0.0.0/8 dev wan", "r.conf:1:22: no interface named 'wan' (declare it before the route)" },
		{ "interface wan\nroute 10.0.0.0/8 dev wan dev wan", "r.conf:2:26: expected the end of the statement (a new line or ';'), got 'dev'" },
		{ "route 10.0.0.0/8 via", "r.conf:1:21: expected a next-hop address, got end of file" },
		{ "set", "r.conf:1:4: expected a set name, got end of file" },
		{ "set s ipv5 { }", "r.conf:1:7: expected the set's type: ipv4, ipv6 or port, got 'ipv5'" },
		{ "set s ipv4 10.0.0.0/8", "r.conf:1:12: expected '{', got '10.0.0.0/8'" },
		{ "set s ipv4 { 10.0.0.0/8 10.1.0.0/16 }", "r.conf:1:25: expected ',' or '}', got '10.1.0.0/16'" },
		{ "set s ipv4 { 10.0.0.0/8, }", "r.conf:1:26: expected an address or prefix, got '}'" },
		{ "set s ipv4 { 2001:db8::/32 }", "r.conf:1:14: '2001:db8::/32' is not an IPv4 address, as set 's' holds" },
		{ "set s port { 80, http }", "r.conf:1:18: expected a port from 0 to 65535 or a range A-B, got 'http'" },
		{ "set s port { 80, @x }", "r.conf:1:18: expected a port or a range A-B, got '@'" },
		{ "set s port { 80 }\nset s ipv4 { }", "r.conf:2:5: set 's' is already declared at r.conf:1:5" },
		{ "set s port { 80", "r.conf:1:16: expected ',' or '}', got end of file" },
		{ "set s port { 80 } x", "r.conf:1:19: expected the end of the statement (a new line or ';'), got 'x'" },
		{ "interface lan { address 10.0.0.1/8 }\nroute ::/0 via $", "r.conf:2:16: unexpected character '$'" },
		{ "conntrack max 5", "r.conf:1:11: expected '{', got 'max'" },
		{ "conntrack { size 5 }", "r.conf:1:13: expected 'max', 'timeout', 'loose', 'checksum' or '}', got 'size'" },
		{ "conntrack { max }", "r.conf:1:17: expected a number of entries (1 to 268435456), got '}'" },
		{ "conntrack { max 0 }", "r.conf:1:17: '0' is out of range: expected a number of entries (1 to 268435456)" },
		{ "conntrack { max 12k }", "r.conf:1:17: expected a number of entries (1 to 268435456), got '12k'" },
		{ "conntrack { max 300000000 }", "r.conf:1:17: '300000000' is out of range: expected a number of entries (1 to 268435456)" },
		{ "conntrack { timeout tcp 5 }", "r.conf:1:21: expected a timeout name (tcp_syn_sent, tcp_syn_recv, tcp_established, tcp_fin_wait, tcp_close_wait, tcp_last_ack, tcp_time_wait, tcp_close, udp, udp_stream, icmp or generic), got 'tcp'" },
		{ "conntrack { timeout udp 0 }", "r.conf:1:25: '0' is out of range: expected seconds (1 to 2592000)" },
		{ "conntrack { timeout udp 2592001 }", "r.conf:1:25: '2592001' is out of range: expected seconds (1 to 2592000)" },
		{ "conntrack { timeout udp -1 }", "r.conf:1:25: expected seconds (1 to 2592000), got '-1'" },
		{ "conntrack { loose yes }", "r.conf:1:19: expected 'on' or 'off', got 'yes'" },
		{ "conntrack { checksum }", "r.conf:1:22: expected 'on' or 'off', got '}'" },
		{ "conntrack { max 5 max 6 }", "r.conf:1:19: expected the end of the statement (a new line or ';'), got 'max'" },
		{ "conntrack { }\nconntrack { }", "r.conf:2:1: conntrack is already configured at r.conf:1:1" },
		{ "conntrack { max 5", "r.conf:1:18: expected 'max', 'timeout', 'loose', 'checksum' or '}', got end of file" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct cf_config cfg;
		struct cf_err err = { "" };
		ck_assert_msg(parse(&cfg, cases[i].src, &err) == -1, "case %u accepted: %s", i, cases[i].src);
		ck_assert_msg(!strcmp(err.msg, cases[i].msg), "case %u:\n  got  %s\n  want %s", i, err.msg, cases[i].msg);
		ck_assert_uint_eq(cfg.n_iface + cfg.n_route + cfg.n_set, 0); /* nothing half-parsed */
	}
}
END_TEST

/* A stand-in engine, as an extension: "chain HOOK { anything }" for its hooks, "nat NAME"
 * naming an interface declared before, and "peek", which looks one token ahead and gives
 * the word back (not its own). */
struct standin {
	unsigned chains, hook[8], line[8]; /* the chain statements it read: hook index, line */
	unsigned nats;
	int iface;                         /* the interface the last 'nat' named */
};

static int standin_chain(struct cf_parser *ps, void *ctx, unsigned hook)
{
	struct standin *s = ctx;
	if (s->chains < 8) {
		s->hook[s->chains] = hook;
		s->line[s->chains] = ps->tok.line;
	}
	s->chains++;
	if (cfp_next(ps))
		return -1;
	if (ps->tok.kind != CF_T_LBRACE)
		return cfp_expected(ps, "'{'");
	while (ps->tok.kind != CF_T_RBRACE) {
		if (cfp_next(ps))
			return -1;
		if (ps->tok.kind == CF_T_END)
			return cfp_expected(ps, "'}'");
	}
	return cfp_next(ps) || cfp_end_statement(ps) ? -1 : 0;
}

static int standin_stmt(struct cf_parser *ps, void *ctx)
{
	struct standin *s = ctx;
	if (cfp_is_word(ps, "peek")) {
		struct cf_mark m = cfp_save(ps);
		if (cfp_next(ps) || cfp_next(ps))
			return -1;
		cfp_restore(ps, &m);
		return 1;
	}
	if (!cfp_is_word(ps, "nat"))
		return 1;
	if (cfp_next(ps))
		return -1;
	struct cf_tok at = ps->tok;
	char name[CF_NAME_MAX];
	if (cfp_name_of(ps, "an interface name", name))
		return -1;
	s->iface = cf_config_iface(ps->cfg, name, strlen(name));
	if (s->iface < 0)
		return cf_error(ps->err, ps->file, at.line, at.col, "no interface named '%s' (declare it before nat)", name);
	s->nats++;
	return cfp_end_statement(ps);
}

static const char *const filter_hooks[] = { "input", "forward", "output", NULL };
static const char *const nat_hooks[] = { "prerouting", "postrouting", "input", NULL };
static const char *const nat_words[] = { "nat", "peek", NULL };

/* Two stand-in engines: "filter" with the firewall's hooks and no statements of its own,
 * "nat" with two hooks (and input, which is filter's: the first to declare a hook has it)
 * and its words. */
static void two_engines(struct cf_ext ext[2], struct standin *filter, struct standin *nat)
{
	memset(filter, 0, sizeof(*filter));
	memset(nat, 0, sizeof(*nat));
	ext[0] = (struct cf_ext){ .name = "filter", .hooks = filter_hooks, .chain = standin_chain, .ctx = filter };
	ext[1] = (struct cf_ext){ .name = "nat", .hooks = nat_hooks, .chain = standin_chain, .words = nat_words,
				  .stmt = standin_stmt, .ctx = nat };
}

START_TEST(extensions_take_their_statements)
{
	static struct cf_config cfg;
	struct cf_err err = { "" };
	struct cf_ext ext[2];
	struct standin filter, nat;
	two_engines(ext, &filter, &nat);
	static const char src[] = "interface lan\ninterface wan { address 192.0.2.1/24 }\n"
				  "chain postrouting { anything at all; }\n"
				  "chain forward { }\n"
				  "nat wan\n"
				  "set s port { 80 }\n"
				  "chain input { }; chain prerouting {\n}\n";
	ck_assert_msg(cf_parse(&cfg, ext, 2, "r.conf", src, strlen(src), &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(cfg.n_iface, 2);
	ck_assert_uint_eq(cfg.n_set, 1);
	ck_assert_uint_eq(filter.chains, 2);
	ck_assert_uint_eq(filter.hook[0], 1);          /* forward */
	ck_assert_uint_eq(filter.line[0], 4);
	ck_assert_uint_eq(filter.hook[1], 0);          /* input: filter's, though nat lists it too */
	ck_assert_uint_eq(nat.chains, 2);
	ck_assert_uint_eq(nat.hook[0], 1);             /* postrouting */
	ck_assert_uint_eq(nat.line[0], 3);
	ck_assert_uint_eq(nat.hook[1], 0);             /* prerouting */
	ck_assert_uint_eq(nat.line[1], 7);
	ck_assert_uint_eq(nat.nats, 1);
	ck_assert_int_eq(nat.iface, 1);
	cf_config_free(&cfg);
	/* one engine alone: its hooks only */
	two_engines(ext, &filter, &nat);
	static const char alone[] = "chain input { }\nnat x";
	ck_assert_msg(cf_parse(&cfg, &ext[1], 1, "r.conf", alone, strlen(alone), &err) == -1, "accepted");
	ck_assert_str_eq(err.msg, "r.conf:2:5: no interface named 'x' (declare it before nat)");
	ck_assert_uint_eq(nat.hook[0], 2);             /* input, nat's own now */
}
END_TEST

START_TEST(extension_errors_exact)
{
	static const struct { const char *src, *msg; } cases[] = {
		{ "chain sideways { }", "r.conf:1:7: expected a chain: input, forward, output, prerouting or postrouting, got 'sideways'" },
		{ "chain", "r.conf:1:6: expected a chain: input, forward, output, prerouting or postrouting, got end of file" },
		{ "chain { }", "r.conf:1:7: expected a chain: input, forward, output, prerouting or postrouting, got '{'" },
		{ "table x", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack', 'management', 'nat' or 'peek', got 'table'" },
		{ "interface lan\n  peek a boo", "r.conf:2:3: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack', 'management', 'nat' or 'peek', got 'peek'" },
		{ "interface lan\n@", "r.conf:2:1: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack', 'management', 'nat' or 'peek', got '@'" },
		{ "interface lan\nset s port { 80 }\nnat wan", "r.conf:3:5: no interface named 'wan' (declare it before nat)" },
		{ "interface lan\nchain forward { x", "r.conf:2:18: expected '}', got end of file" },
		{ "interface lan\nchain prerouting x", "r.conf:2:18: expected '{', got 'x'" },
		{ "interface lan\nchain output { } x", "r.conf:2:18: expected the end of the statement (a new line or ';'), got 'x'" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct cf_config cfg;
		struct cf_err err = { "" };
		struct cf_ext ext[2];
		struct standin filter, nat;
		two_engines(ext, &filter, &nat);
		const char *src = cases[i].src;
		ck_assert_msg(cf_parse(&cfg, ext, 2, "r.conf", src, strlen(src), &err) == -1, "case %u accepted: %s", i, src);
		ck_assert_msg(!strcmp(err.msg, cases[i].msg), "case %u:\n  got  %s\n  want %s", i, err.msg, cases[i].msg);
		ck_assert_uint_eq(cfg.n_iface + cfg.n_route + cfg.n_set, 0); /* nothing half-parsed */
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cf_config");
	TCase *tc = tcase_create("cf_config");
	tcase_add_test(tc, declarations);
	tcase_add_test(tc, vlan_interfaces);
	tcase_add_test(tc, every_error_exact);
	tcase_add_test(tc, extensions_take_their_statements);
	tcase_add_test(tc, extension_errors_exact);
	suite_add_tcase(s, tc);
	return check_run(s);
}
