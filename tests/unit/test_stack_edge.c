/* The host stack (stack/stk.h) at its edges: management specs read and refused, its life
 * cycle (up, down, up again) and counters, fragments it holds coming back, malformed and
 * mutated frames; every pkt_buf back in its pool after stk_shutdown(). */
#include "stack_harness.h"
#include "stk_hooks.h"
#include "pkt_parse.h"
#include "check_run.h"

#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- management specs ------------------------------------------------------------------- */

static void good(const char *spec, const char *formatted)
{
	char err[160], buf[200];
	struct stk_if_conf c, c2;
	ck_assert_msg(stk_conf_parse(spec, &c, err, sizeof(err)) == 0, "%s: %s", spec, err);
	stk_conf_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, formatted);
	ck_assert_msg(stk_conf_parse(buf, &c2, err, sizeof(err)) == 0, "%s: %s", buf, err);
	ck_assert_mem_eq(&c, &c2, sizeof(c));
}

static void bad(const char *spec, const char *why)
{
	char err[160];
	struct stk_if_conf c;
	ck_assert_msg(stk_conf_parse(spec, &c, err, sizeof(err)) == -1, "accepted %s", spec);
	ck_assert_str_eq(err, why);
}

START_TEST(conf_good)
{
	char err[160];
	struct stk_if_conf c;
	ck_assert_int_eq(stk_conf_parse("ip=10.0.0.2/24,gw=10.0.0.1,ip6=fd00::2/64", &c, err, sizeof(err)), 0);
	ck_assert(!c.dhcp4 && !c.slaac);
	ck_assert_mem_eq(c.ip4, our_ip, 4);
	ck_assert_uint_eq(c.prefix4, 24);
	ck_assert_mem_eq(c.gw4, gw_ip, 4);
	ck_assert_mem_eq(c.ip6, our_ip6, 16);
	ck_assert_uint_eq(c.prefix6, 64);
	ck_assert_uint_eq(c.mtu, 0);
	good("dhcp", "dhcp");
	good("slaac", "slaac");
	good("ip=10.0.0.2/24", "ip=10.0.0.2/24");
	good("gw=10.0.0.1,ip=10.0.0.2/24", "ip=10.0.0.2/24,gw=10.0.0.1");
	good("ip=192.168.1.1/32", "ip=192.168.1.1/32");
	good("ip=10.0.0.1/31,gw=10.0.0.0", "ip=10.0.0.1/31,gw=10.0.0.0");
	good("dhcp,slaac,mtu=1400", "dhcp,slaac,mtu=1400");
	good("ip6=FD00:0:0:0:0:0:0:2/64,gw6=fe80::1", "ip6=fd00::2/64,gw6=fe80::1");
	good("ip6=2001:db8:0:1:0:0:1:0/64,gw6=2001:db8:0:1::1", "ip6=2001:db8:0:1::1:0/64,gw6=2001:db8:0:1::1");
	good("ip6=2001:db8::1:0:0:1/64", "ip6=2001:db8::1:0:0:1/64");     /* the first of equal runs */
	good("ip6=2001:db8:0:1:1:1:1:1/64", "ip6=2001:db8:0:1:1:1:1:1/64"); /* one zero group stays */
	good("ip6=::ffff:10.1.2.3/64", "ip6=::ffff:a01:203/64");
	good("ip6=fd00::/64", "ip6=fd00::/64");
	good("slaac,gw6=fe80::1", "gw6=fe80::1,slaac");
	good("dhcp,mtu=2034", "dhcp,mtu=2034");
}
END_TEST

START_TEST(conf_bad)
{
	bad("", "column 1: empty: give dhcp, ip=A.B.C.D/N, ip6=ADDR/64 or slaac");
	bad("ip=10.0.0.300/24", "column 1: 'ip=10.0.0.300/24': has a number that is not a byte (0-255)");
	bad("dhcp,ip=10.0.0.2/33", "column 6: 'ip=10.0.0.2/33': the prefix length is not 1-32");
	bad("ip=10.0.0.2/0", "column 1: 'ip=10.0.0.2/0': the prefix length is not 1-32");
	bad("ip=10.0.0.2", "column 1: 'ip=10.0.0.2': needs a prefix length (/N)");
	bad("ip=10.0.0/24", "column 1: 'ip=10.0.0/24': is not an IPv4 address (A.B.C.D)");
	bad("ip=10.0.0.1.5/24", "column 1: 'ip=10.0.0.1.5/24': is not an IPv4 address (A.B.C.D)");
	bad("ip=10.0.0.02/24", "column 1: 'ip=10.0.0.02/24': has a number with a leading zero (octal or decimal?)");
	bad("ip=10.0.0.0/24", "column 1: 'ip=10.0.0.0/24': is the network's own address (host part all zeros)");
	bad("ip=10.0.0.255/24", "column 1: 'ip=10.0.0.255/24': is the network's broadcast address (host part all ones)");
	bad("ip=224.0.0.5/24", "column 1: 'ip=224.0.0.5/24': a multicast address (224/4)");
	bad("ip=127.0.0.2/8", "column 1: 'ip=127.0.0.2/8': a loopback address (127/8)");
	bad("dhcp,bogus", "column 6: 'bogus': unknown word (dhcp, ip=, gw=, ip6=, gw6=, slaac, mtu=)");
	bad("dhcp,ip=10.0.0.2/24", "column 6: dhcp and ip= together: the address comes from one or the other");
	bad("ip=10.0.0.2/24,dhcp", "column 16: dhcp and ip= together: the address comes from one or the other");
	bad("ip=10.0.0.2/24,gw=10.0.1.1", "column 16: 'gw=10.0.1.1': the gateway is outside ip='s prefix");
	bad("ip=10.0.0.2/24,gw=10.0.0.2", "column 16: 'gw=10.0.0.2': the gateway is the address itself");
	bad("gw=10.0.0.1,slaac", "column 1: 'gw=10.0.0.1': a gateway needs ip= (the prefix it is in)");
	bad("dhcp,gw=10.0.0.1", "column 6: 'gw=10.0.0.1': with dhcp, the gateway is DHCP's router option");
	bad("ip=10.0.0.2/24,gw=10.0.0.1/24", "column 16: 'gw=10.0.0.1/24': a gateway has no prefix length");
	bad("mtu=1400", "column 1: no address: give dhcp, ip=A.B.C.D/N, ip6=ADDR/64 or slaac");
	bad("dhcp,,slaac", "column 6: an empty word (two commas, or one at an end)");
	bad("dhcp,", "column 6: an empty word (two commas, or one at an end)");
	bad(",dhcp", "column 1: an empty word (two commas, or one at an end)");
	bad("dhcp,dhcp", "column 6: 'dhcp': given twice");
	bad("dhcp=1", "column 1: 'dhcp=1': takes no value");
	bad("ip=", "column 1: 'ip=': needs a value after '='");
	bad("ip", "column 1: 'ip': needs a value after '='");
	bad("dhcp,mtu=1279", "column 6: 'mtu=1279': the MTU is not 1280 (IPv6's minimum) to 2034");
	bad("dhcp,mtu=2035", "column 6: 'mtu=2035': the MTU is not 1280 (IPv6's minimum) to 2034");
	bad("dhcp,mtu=15x0", "column 6: 'mtu=15x0': the MTU is not 1280 (IPv6's minimum) to 2034");
	bad("ip6=fd00::2/48", "column 1: 'ip6=fd00::2/48': lwIP 2.1 puts a static IPv6 address on a /64 only");
	bad("ip6=fd00::2/129", "column 1: 'ip6=fd00::2/129': the prefix length is not 1-128");
	bad("ip6=fd00::2", "column 1: 'ip6=fd00::2': needs a prefix length (/64)");
	bad("ip6=fd00::2::3/64", "column 1: 'ip6=fd00::2::3/64': is not an IPv6 address");
	bad("ip6=fd00:1:2:3:4:5:6:7:8/64", "column 1: 'ip6=fd00:1:2:3:4:5:6:7:8/64': is not an IPv6 address");
	bad("ip6=fd00:1:2:3:4:5:6/64", "column 1: 'ip6=fd00:1:2:3:4:5:6/64': is not an IPv6 address");
	bad("ip6=fd00::12345/64", "column 1: 'ip6=fd00::12345/64': is not an IPv6 address");
	bad("ip6=fd00:::1/64", "column 1: 'ip6=fd00:::1/64': is not an IPv6 address");
	bad("ip6=:fd00::1/64", "column 1: 'ip6=:fd00::1/64': is not an IPv6 address");
	bad("ip6=fd00::1:/64", "column 1: 'ip6=fd00::1:/64': is not an IPv6 address");
	bad("ip6=fd00::g/64", "column 1: 'ip6=fd00::g/64': is not an IPv6 address");
	bad("ip6=1:2:3:4:5:6:7::8/64", "column 1: 'ip6=1:2:3:4:5:6:7::8/64': is not an IPv6 address");
	bad("ip6=::/64", "column 1: 'ip6=::/64': :: is no address");
	bad("ip6=::1/64", "column 1: 'ip6=::1/64': the loopback address ::1");
	bad("ip6=ff02::1/64", "column 1: 'ip6=ff02::1/64': a multicast address (ff00::/8)");
	bad("ip6=fe80::2/64", "column 1: 'ip6=fe80::2/64': link-local addresses (fe80::/10) are made from the MAC");
	bad("ip6=fd00::2/64,gw6=fd00:0:0:1::1",
	    "column 16: 'gw6=fd00:0:0:1::1': the gateway is outside ip6='s /64");
	bad("slaac,gw6=2001:db8::1",
	    "column 7: 'gw6=2001:db8::1': a gateway that is not link-local (fe80::/10) needs ip6= (the /64 it is in)");
	/* a long word is quoted cut short */
	char spec[200], want[200];
	memset(spec, 'x', 150);
	spec[150] = '\0';
	snprintf(want, sizeof(want), "column 1: '%.68s...': unknown word (dhcp, ip=, gw=, ip6=, gw6=, slaac, mtu=)", spec);
	bad(spec, want);
	/* a short buffer gets what fits */
	char err[12];
	struct stk_if_conf c;
	ck_assert_int_eq(stk_conf_parse("", &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "column 1: e");
	ck_assert_int_eq(stk_conf_parse("", &c, NULL, 0), -1);
}
END_TEST

/* ---- life cycle ----------------------------------------------------------------------------- */

START_TEST(life_cycle)
{
	char err[160];
	struct stk_if_conf c;
	ck_assert_int_eq(stk_conf_parse("ip=10.0.0.2/24", &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(stk_if_add(0, our_mac, &c, err, sizeof(err)));   /* before stk_init */
	ck_assert_str_eq(err, "stack: not initialised (stk_init)");
	start();
	ck_assert_int_eq(stk_init(pool, stack_tx_hook, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "stack: it is up already (one per process)");
	struct stk_if *a = stk_if_add(0, our_mac, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(stk_if_add(0, our_mac, &c, err, sizeof(err)));
	ck_assert_str_eq(err, "stack: the port has a management interface already");
	const uint8_t mac2[6] = { 2, 0, 0, 0, 1, 2 };
	ck_assert_int_eq(stk_conf_parse("ip=10.0.1.2/24", &c, err, sizeof(err)), 0);
	struct stk_if *b = stk_if_add(3, mac2, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_eq(stk_if_of_port(3), b);
	ck_assert_ptr_null(stk_if_add(4, mac2, &c, err, sizeof(err)));
	ck_assert_str_eq(err, "stack: too many management interfaces (at most 2)");
	/* the second interface answers on its port */
	advance(3000);
	drain();
	struct pb f;
	const uint8_t ip_b[4] = { 10, 0, 1, 2 };
	build_arp(&f, 1, ip_b);
	stk_input(b, to_pkt(&f));
	ck_assert_uint_eq(n_sent, 1);
	ck_assert_uint_eq(sent[0]->port, 3);
	ck_assert_mem_eq(sent[0]->data + 6, mac2, 6);
	stop();
	/* and again, after a shutdown */
	now_ms = 50;  /* a new clock */
	ifc = up("ip=10.0.0.2/24");
	build_arp(&f, 1, our_ip);
	feed(ifc, &f);
	ck_assert_uint_eq(n_sent, 1);
	ck_assert_uint_eq(lwip_stats.etharp.recv, 1);   /* counters start again */
	stop();
	/* a frame for no interface, or after shutdown: freed, counted */
	stk_input(NULL, to_pkt(&f));
	ck_assert_uint_eq(pool->avail, pool->size);
}
END_TEST

START_TEST(counters_emitted)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	learn_peers(ifc);
	build_echo(&f, peer_ip);
	feed(ifc, &f);
	f.b[f.l3 + 10] ^= 1;   /* a bad header checksum */
	feed(ifc, &f);
	n_counters = 0;
	stk_counters(collect, counters);
	ck_assert_uint_eq(counter("icmp", "recv"), 1);
	ck_assert_uint_eq(counter("icmp", "xmit"), 1);
	ck_assert_uint_eq(counter("ip", "chkerr"), 1);
	ck_assert_uint_eq(counter("etharp", "recv"), 1);
	ck_assert_uint_eq(counter("stk", "frames_in"), 4);
	ck_assert_uint_ge(counter("stk", "frames_out"), 1);
	ck_assert_uint_eq(counter("stk", "pbufs_held"), 0);
	ck_assert_uint_eq(counter("stk", "lwip_asserts"), 0);
	ck_assert_uint_eq(counter("link", "recv"), 4);
#if MEM_USE_POOLS   /* the server sizes: the heap is lwippools.h's pools */
	ck_assert_uint_eq(counter("memp", "pool_192_avail"), 8192);
#else
	ck_assert_uint_gt(counter("mem", "avail"), 60000);
#endif
	ck_assert_uint_eq(counter("memp", "tcp_pcb_avail"), MEMP_NUM_TCP_PCB);
	ck_assert_uint_eq(counter("memp", "tcp_pcb_used"), 0);
	ck_assert_uint_eq(counter("memp", "pbuf_pool_avail"), 16);
	counter("nd6", "recv");
	counter("icmp6", "chkerr");
	counter("tcp", "xmit");
	counter("udp", "drop");
	counter("ip6", "recv");
	stop();
}
END_TEST

/* ---- frames lwIP keeps ----------------------------------------------------------------------- */

START_TEST(held_fragments_come_back)
{
	/* the first half of a datagram: lwIP keeps it (no copy) until the rest or shutdown */
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	learn_peers(ifc);
	frame_ip4(&f, 17, peer_ip, our_ip);
	f.b[f.l3 + 6] = 0x20;    /* MF, offset 0 */
	pb_udp(&f, 1000, 2000);
	pb_payload(&f, 64);
	pb_done(&f);
	feed(ifc, &f);
	frame_ip6(&f, 44, peer_ip6, our_ip6);
	pb_ip6_frag(&f, 17, 0, 1);
	pb_udp(&f, 1000, 2000);
	pb_payload(&f, 64);
	pb_done(&f);
	feed(ifc, &f);
	n_counters = 0;
	stk_counters(collect, counters);
	ck_assert_uint_eq(counter("stk", "pbufs_held"), 2);
	ck_assert_uint_eq(pool->avail, pool->size - 2);
	stop();
}
END_TEST

/* ---- malformed frames ------------------------------------------------------------------------ */

START_TEST(malformed_frames)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	learn_peers(ifc);
	/* an IPv4 header cut short */
	build_echo(&f, peer_ip);
	feed(ifc, &f);
	drain();
	struct pkt_buf *p = to_pkt(&f);
	p->len = 14 + 12;
	stk_input(ifc, p);
	/* a wrong header checksum, a wrong ICMP checksum */
	build_echo(&f, peer_ip);
	f.b[f.l3 + 10] ^= 0x55;
	feed(ifc, &f);
	build_echo(&f, peer_ip);
	f.b[f.l4 + 2] ^= 0x55;
	feed(ifc, &f);
	/* a TCP SYN with a wrong checksum: no RST */
	build_syn(&f, 8080);
	f.b[f.l4 + 16] ^= 1;
	feed(ifc, &f);
	/* lengths that lie */
	build_echo(&f, peer_ip);
	f.b[f.l3 + 2] = 0x0f;
	pb_ip4_csum(f.b + f.l3, f.len - f.l3);
	feed(ifc, &f);
	build_echo6(&f, peer_ip6);
	f.b[f.l3 + 4] = 0x7f;
	feed(ifc, &f);
	/* garbage and nothing */
	uint64_t s = 42;
	for (int i = 0; i < 200; i++) {
		pb_init(&f);
		uint16_t n = (uint16_t)(rng_next(&s) % 200);
		for (uint16_t k = 0; k < n; k++)
			f.b[k] = (uint8_t)rng_next(&s);
		f.len = n;
		if (i % 3 == 0 && n >= 14) {   /* with an IP ethertype */
			f.b[12] = i % 2 ? 0x86 : 0x08;
			f.b[13] = i % 2 ? 0xdd : 0x00;
		}
		feed(ifc, &f);
	}
	ck_assert_uint_eq(n_sent, 0);
	ck_assert_uint_gt(lwip_stats.ip.chkerr, 0);
	ck_assert_uint_gt(lwip_stats.icmp.chkerr, 0);
	ck_assert_uint_gt(lwip_stats.tcp.chkerr, 0);
	stop();
}
END_TEST

START_TEST(mutated_frames)
{
	/* valid frames of every kind with a few bytes changed or cut: nothing crashes or
	 * asserts, and every buffer comes back */
	struct pb t[12];
	unsigned nt = 0;
	ifc = up("ip=10.0.0.2/24,gw=10.0.0.1,ip6=fd00::2/64,gw6=fe80::1,slaac");
	learn_peers(ifc);
	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
	ck_assert_int_eq(tcp_bind(l, IP_ANY_TYPE, 80), ERR_OK);
	l = tcp_listen(l);
	build_arp(&t[nt++], 1, our_ip);
	build_echo(&t[nt++], peer_ip);
	build_syn(&t[nt++], 80);
	build_syn(&t[nt++], 81);
	build_ns(&t[nt++], peer_ip6, sol_node_our6, our_ip6);
	build_echo6(&t[nt++], peer_ip6);
	frame_ip4(&t[nt], 17, peer_ip, our_ip);
	t[nt].b[t[nt].l3 + 6] = 0x20;
	pb_udp(&t[nt], 1000, 2000);
	pb_payload(&t[nt], 64);
	pb_done(&t[nt++]);
	frame_ip4(&t[nt], 17, peer_ip, our_ip);
	t[nt].b[t[nt].l3 + 7] = 9;    /* the second half: offset 72 */
	pb_payload(&t[nt], 40);
	pb_done(&t[nt++]);
	frame_ip6(&t[nt], 44, peer_ip6, our_ip6);
	pb_ip6_frag(&t[nt], 17, 0, 1);
	pb_udp(&t[nt], 1000, 2000);
	pb_payload(&t[nt], 64);
	pb_done(&t[nt++]);
	const uint8_t all_nodes[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t router[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	frame_ip6(&t[nt], 58, router, all_nodes);   /* a router advertisement with a prefix */
	t[nt].b[t[nt].l3 + 7] = 255;
	pb_icmp(&t[nt], 58, 134, 0, 0);
	const uint8_t ra[4] = { 64, 0, 0x07, 0x08 };  /* hop limit, flags, router lifetime */
	memcpy(t[nt].b + t[nt].l4 + 4, ra, 4);
	pb_put(&t[nt], NULL, 8);                    /* reachable, retrans timers */
	uint8_t pi[32] = { 3, 4, 64, 0xc0, 0, 0, 0x0e, 0x10, 0, 0, 0x0e, 0x10, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 7 };
	pb_put(&t[nt], pi, 32);
	pb_done(&t[nt++]);
	frame_ip4(&t[nt], 17, peer_ip, our_ip);
	pb_udp(&t[nt], 67, 68);
	pb_payload(&t[nt], 300);
	pb_done(&t[nt++]);
	ck_assert_uint_le(nt, 12);
	uint64_t s = 7;
	for (int i = 0; i < 20000; i++) {
		struct pb f = t[rng_next(&s) % nt];
		unsigned flips = 1 + (unsigned)(rng_next(&s) % 4);
		for (unsigned k = 0; k < flips; k++) {
			uint16_t at = (uint16_t)(rng_next(&s) % f.len);
			if (at >= 12 || rng_next(&s) % 4 == 0)  /* the MACs and type seldom */
				f.b[at] = (uint8_t)rng_next(&s);
		}
		if (rng_next(&s) % 8 == 0)
			f.len = (uint16_t)(rng_next(&s) % f.len);
		feed(ifc, &f);
		if (i % 16 == 0) {
			advance(10);
			drain();
		}
	}
	drain();
	stop();
}
END_TEST


int main(void)
{
	pool = pkt_pool_create("stack", PB_POOL_SIZE);
	Suite *s = suite_create("stack_edge");
	TCase *tc = tcase_create("stack_edge");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, conf_good);
	tcase_add_test(tc, conf_bad);
	tcase_add_test(tc, life_cycle);
	tcase_add_test(tc, counters_emitted);
	tcase_add_test(tc, held_fragments_come_back);
	tcase_add_test(tc, malformed_frames);
	tcase_add_test(tc, mutated_frames);
	suite_add_tcase(s, tc);
	int rc = check_run(s);
	pkt_pool_destroy(pool);
	return rc;
}
