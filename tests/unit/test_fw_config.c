/* The rule language's declarations: interfaces, routes and sets, and every error path with
 * its exact message. A failed parse leaves the config empty. */
#include "fw.h"
#include "check_run.h"
#include "pktbuild.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static int parse(struct fw_config *cfg, const char *src, struct fw_err *err)
{
	return fw_config_parse(cfg, "r.conf", src, strlen(src), err);
}

START_TEST(declarations)
{
	static struct fw_config cfg;
	struct fw_err err = { "" };
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
	const struct fw_set *web = fw_config_set(&cfg, "web", 3);
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_eq(web->n, 3);
	ck_assert_uint_eq(web->ranges[2].lo, 8000);
	ck_assert_uint_eq(web->ranges[2].hi, 8080);
	ck_assert_uint_eq(fw_config_set(&cfg, "trusted", 7)->prefixes[1].len, 16);
	ck_assert_uint_eq(fw_config_set(&cfg, "none", 4)->n, 0);
	ck_assert_uint_eq(cfg.ct.max_entries, 65536);      /* no conntrack block: the defaults */
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_UDP], 30);
	ck_assert(cfg.ct.checksum && cfg.ct.tcp_loose);
	fw_config_free(&cfg);
	ck_assert_msg(parse(&cfg, "conntrack {\n max 1000000; timeout tcp_established 86400\n timeout udp 60\n loose off\n"
			    " checksum off\n}\n", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(cfg.ct.max_entries, 1000000);
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_TCP_ESTABLISHED], 86400);
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_UDP], 60);
	ck_assert_uint_eq(cfg.ct.timeout_s[CT_TO_TCP_SYN_SENT], 120);
	ck_assert(!cfg.ct.tcp_loose);
	ck_assert(!cfg.ct.checksum);
	fw_config_free(&cfg);
	/* the management block's ports */
	static const char mg[] = "management { address dhcp; metrics port 9200; control port 8443 }";
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(fw_config_parse(&cfg, "m.conf", mg, strlen(mg), &err), 0);
	ck_assert(cfg.mgmt.declared);
	ck_assert_str_eq(cfg.mgmt.spec, "dhcp");
	ck_assert_uint_eq(cfg.mgmt.metrics_port, 9200);
	ck_assert_uint_eq(cfg.mgmt.ctl_port, 8443);
	fw_config_free(&cfg);
}
END_TEST

/* VLAN interfaces: on a port's interface, with its MTU unless they give a smaller one,
 * and named by rules and routes like any other. */
START_TEST(vlan_interfaces)
{
	struct fw_config cfg = { 0 };
	struct fw_err err = { "" };
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
	fw_config_free(&cfg);
}
END_TEST

START_TEST(every_error_exact)
{
	static const struct { const char *src, *msg; } cases[] = {
		{ "table x", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack' or 'management', got 'table'" },
		{ "{", "r.conf:1:1: expected 'interface', 'route', 'neighbor', 'set', 'chain', 'conntrack' or 'management', got '{'" },
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
		static struct fw_config cfg;
		struct fw_err err = { "" };
		ck_assert_msg(parse(&cfg, cases[i].src, &err) == -1, "case %u accepted: %s", i, cases[i].src);
		ck_assert_msg(!strcmp(err.msg, cases[i].msg), "case %u:\n  got  %s\n  want %s", i, err.msg, cases[i].msg);
		ck_assert_uint_eq(cfg.n_iface + cfg.n_route + cfg.n_set, 0); /* nothing half-parsed */
	}
}
END_TEST

/* Mutated configs: a rich config with one to four random edits (a character changed,
 * dropped or doubled, a token or a stray character inserted, the text cut short) must load
 * or be refused with FILE:LINE:COL on a line the text has, never crash or leak (the
 * sanitizer build runs this too). */
static const char rich[] =
	"# every kind of statement\n"
	"interface lan { address 10.0.0.1/24; address 2001:db8:1::1/64; mac 02:00:00:00:01:00; mtu 1500 }\n"
	"interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00; mtu 1280 }\n"
	"route 0.0.0.0/0 via 192.0.2.1\n"
	"route 198.51.100.0/24 dev wan\n"
	"neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n"
	"set trusted ipv4 { 10.0.0.0/24, 172.16.0.0/12 }\n"
	"set web port { 80, 443, 8000-8080 }\n"
	"conntrack { max 4096; timeout udp 60; loose off }\n"
	"chain input policy drop {\n"
	"  ct state established,related accept\n"
	"  icmp type echo-request code 0 accept; icmpv6 type nd-neighbor-solicit accept\n"
	"}\n"
	"chain forward policy drop {\n"
	"  ct state invalid drop\n"
	"  iif lan oif wan ip saddr @trusted tcp dport @web counter accept\n"
	"  ip6 saddr != 2001:db8::/32 log prefix \"v6: \" drop\n"
	"  tcp flags syn,!ack limit rate 100/second burst 20 accept\n"
	"  udp sport { 53, 123 } meta l4proto udp meta length 60-1500 accept\n"
	"  vlan id 5-7 ether type ipv4 reject with icmp host-unreachable\n"
	"  tcp dport 23 reject with tcp reset\n"
	"}\n"
	"chain output policy accept { }\n";

START_TEST(mutations_refused_precisely)
{
	static const char *const tokens[] = { "{", "}", ";", "\"", "/", "-", ",", "!=", "@", "accept", "drop", "reject",
					      "chain", "interface", "set", "route", "via", "dev", "4294967296", "99999999999999999999",
					      "::", "1.2.3.4/33", "\n", " ", "#", "ct state", "limit rate 0/second", "mtu 70000",
					      "address", "0", "-1", "ffff:", "x" };
	uint64_t rng = 99;
	char buf[sizeof(rich) + 256];
	unsigned loaded = 0, refused = 0;
	for (unsigned round = 0; round < 100000; round++) {
		size_t len = sizeof(rich) - 1;
		memcpy(buf, rich, len);
		unsigned edits = 1 + (unsigned)(rng_next(&rng) % 4);
		for (unsigned e = 0; e < edits && len > 0; e++) {
			size_t at = rng_next(&rng) % len;
			switch (rng_next(&rng) % 5) {
			case 0: buf[at] = (char)(32 + rng_next(&rng) % 95); break;
			case 1: memmove(buf + at, buf + at + 1, len - at - 1), len--; break;
			case 2: {
				const char *t = tokens[rng_next(&rng) % (sizeof(tokens) / sizeof(tokens[0]))];
				size_t tl = strlen(t);
				if (len + tl < sizeof(buf)) {
					memmove(buf + at + tl, buf + at, len - at);
					memcpy(buf + at, t, tl);
					len += tl;
				}
				break;
			}
			case 3: if (len + 1 < sizeof(buf)) memmove(buf + at + 1, buf + at, len - at), len++; break;
			default: len = at; break;
			}
		}
		unsigned n_lines = 1;
		for (size_t i = 0; i < len; i++)
			n_lines += buf[i] == '\n';
		struct fw_err err = { "" };
		struct fw_ruleset *rs = fw_ruleset_load("m.conf", buf, len, &err);
		if (rs) {
			loaded++;
			fw_ruleset_free(rs);
			continue;
		}
		refused++;
		unsigned line = 0, col = 0;
		int got = sscanf(err.msg, "m.conf:%u:%u: ", &line, &col);
		CHECK(got == 2 && line >= 1 && line <= n_lines && col >= 1 && strlen(err.msg) > 16,
		      "round %u: refused without a precise place: '%s'\n%.*s", round, err.msg, (int)len, buf);
	}
	/* both outcomes happen, or the mutations were not doing their job */
	ck_assert_uint_gt(loaded, 100);
	ck_assert_uint_gt(refused, 50000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_config");
	TCase *tc = tcase_create("fw_config");
	tcase_add_test(tc, declarations);
	tcase_add_test(tc, vlan_interfaces);
	tcase_add_test(tc, every_error_exact);
	tcase_add_test(tc, mutations_refused_precisely);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return check_run(s);
}
