/* The NAT44 engine as a whole (nat/nat.h): nat_prerouting, nat_postrouting and nat_output
 * over a real connection table (ct_config_default, cfg.nat on, the NAT's timeouts), the
 * configs read from text by cf_parse with nat_config_ext, the map given its pools and the
 * port forwards' reservations as the nat appliance's map_take does, and every packet
 * tracked as the router tracks it (ct_parse_prefetch_burst, ct_track_prefetched) before
 * prerouting, routed here by a tiny table (10/8 on the lan, our two addresses local, the
 * rest on the wan), then committed by postrouting (or by the input hook's ct_commit).
 *
 * Every packet the engine lets through has each of its checksums verified again by a naive
 * RFC 1071 sum (nv_csum.c's nv_*: big-endian words in a plain loop, its own
 * pseudo-header; never pkt_csum.h): the IPv4 header's, TCP's and UDP's with the
 * pseudo-header over the whole segment, ICMP's over the message, and for an ICMP error the
 * quoted header's and the quoted transport checksum (the quotes here hold whole datagrams).
 *
 * Cases: masquerade of UDP, TCP and ICMP echo with their replies; endpoint-independent
 * mapping; port collisions and parity; EIF, ADF and APDF inbound; the host limit; pool
 * exhaustion; hairpinning to a mapping and to a port forward; port forwards (a port range
 * port for port); accept in either chain; ICMP errors both ways (masquerade, port
 * forwards, both ends translated, hairpinned), too short, and the router's own
 * (nat_output); deterministic blocks; expiry, removal and TCP's end (FIN, RST, a SYN
 * reopening a closed one) releasing mappings; a full table whose unfinished connections
 * give way to new ones, mappings and all; clashes (counted as such); invalid packets;
 * IPv6 untouched; a fragmented datagram's first piece; the counters' lines.
 *
 * This file: masquerade, mappings, filtering and the limits; test_nat_engine_in.c:
 * hairpinning, port forwards and ICMP errors; test_nat_engine_life.c: deterministic blocks,
 * full tables, the end of connections and the odd packets; nat_engine_fixture.c: the
 * frames, the checks by the naive sums (nv_csum.c) and the engine as the appliance wires
 * it. */
#include "nat_engine_fixture.h"
#include "check_run.h"

#include <check.h>

/* ---- masquerade ---- */

/* A connection conntrack holds to the wan address's port (a peer's keepalives to it,
 * committed on their way in) does not stop a lan host from opening the connection that
 * port would clash with: its mapping takes another port (the allocator's veto). */
START_TEST(veto_clashing_port)
{
	load(MASQ_EIF);
	struct pb k = udp4(R1, 51820, PUB, 51820);
	ck_assert_int_eq(xmit(&k, WAN, NULL), NAT_OK);       /* for us: committed */
	ck_assert_int_eq(last_oif, LOCAL);
	ck_assert_uint_eq(ct_count(ct), 1);
	struct pb q = udp4(A, 51820, R1, 51820);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_ne(sport(&o), 51820);    /* not preserved: that connection is the keepalives' */
	ck_assert_uint_eq(sport(&o) & 1, 0);    /* parity kept */
	ck_assert_uint_eq(n.cnt.drops[NAT_R_CLASH], 0);
	/* and the answer to the new mapping comes back to A */
	struct pb a = udp4(R1, 51820, PUB, sport(&o));
	o = pass(&a, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 51820);
}
END_TEST

START_TEST(masq_udp)
{
	load(MASQ_EIF);
	struct pb q = udp4(A, 5000, R1, 53);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 5000);     /* free: preserved */
	ck_assert_uint_eq(dport(&o), 53);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(mc()->mappings, 1);
	ck_assert_uint_eq(n.cnt.snat, 1);
	/* the answer comes back to the wan's address */
	struct pb a = udp4(R1, 53, PUB, 5000);
	o = pass(&a, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(sport(&o), 53);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert_int_eq(cp.state, CT_S_ESTABLISHED);
	ck_assert_uint_eq(cp.dir, 1);
	/* and the next query */
	o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(n.cnt.out_translated, 2);
	ck_assert_uint_eq(n.cnt.in_translated, 1);
	ck_assert_uint_eq(ct_count(ct), 1);
	/* a UDP datagram without a checksum keeps none */
	struct pb z = udp4(A, 5002, R1, 53);
	z.b[z.l4 + 6] = z.b[z.l4 + 7] = 0;
	o = pass(&z, LAN, WAN);
	ck_assert_uint_eq(nv_rd16(l4of(&o) + 6), 0);
	ck_assert_uint_eq(sport(&o), 5002);
}
END_TEST

START_TEST(masq_tcp)
{
	load(MASQ_EIF);
	struct pb s = tcp4(A, 40000, R1, 80, SYN, 1000, 0, 0);
	struct pb o = pass(&s, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 40000);
	struct pb sa = tcp4(R1, 80, PUB, 40000, SYN | ACK, 5000, 1001, 0);
	o = pass(&sa, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 40000);
	struct pb ack = tcp4(A, 40000, R1, 80, ACK, 1001, 5001, 0);
	o = pass(&ack, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_ESTABLISHED);
	struct pb d = tcp4(A, 40000, R1, 80, PSH | ACK, 1001, 5001, 100);
	o = pass(&d, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 40000);
	struct pb d2 = tcp4(R1, 80, PUB, 40000, PSH | ACK, 5001, 1101, 300);
	o = pass(&d2, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(mc()->mappings, 1);
	ck_assert_uint_eq(n.cnt.out_translated, 3);
	ck_assert_uint_eq(n.cnt.in_translated, 2);
}
END_TEST

START_TEST(masq_icmp_echo)
{
	load(MASQ_EIF);
	struct pb q = icmp4(A, R1, 8, 77);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(icmp_id(&o), 77);
	struct pb r = icmp4(R1, PUB, 0, 77);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(icmp_id(&o), 77);
	ck_assert_uint_eq(l4of(&o)[0], 0);
	/* B pings with the same identifier: it gets another one, and its reply finds B */
	struct pb qb = icmp4(B, R1, 8, 77);
	o = pass(&qb, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	uint16_t idb = icmp_id(&o);
	ck_assert_uint_ne(idb, 77);
	const struct nat_mapping *mp = map_out(NAT_ICMP, PUB, idb);
	ck_assert_ptr_nonnull(mp);
	ck_assert_uint_eq(mp->in_addr, be32(B));
	ck_assert_uint_eq(mp->in_port, 77);
	struct pb rb = icmp4(R1, PUB, 0, idb);
	o = pass(&rb, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(icmp_id(&o), 77);
	/* A's next echo, the same mapping */
	o = pass(&q, LAN, WAN);
	ck_assert_uint_eq(icmp_id(&o), 77);
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_uint_eq(ct_count(ct), 2);
	/* an unsolicited echo reply to a mapping's id is nothing's: invalid, dropped */
	struct pb stray = icmp4(R3, PUB, 0, 77);
	ck_assert_int_eq(xmit(&stray, WAN, NULL), NAT_OK);      /* for us: the router reads it */
	ck_assert_int_eq(last_oif, LOCAL);
}
END_TEST

/* ---- mappings ---- */

START_TEST(eim_across_remotes)
{
	load(MASQ_ADF);
	struct pb o;
	for (int i = 0; i < 3; i++) {
		const uint8_t *rem = i == 0 ? R1 : i == 1 ? R2 : R3;
		struct pb q = udp4(A, 5000, rem, 53);
		o = pass(&q, LAN, WAN);
		ck_addrs(&o, PUB, rem);
		ck_assert_uint_eq(sport(&o), 5000);
		struct pb t = tcp4(A, 40000, rem, 443, SYN, 77, 0, 0);
		o = pass(&t, LAN, WAN);
		ck_assert_uint_eq(sport(&o), 40000);
	}
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_uint_eq(mc()->mappings_created, 2);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 3);
	ck_assert_uint_eq(map_out(NAT_TCP, PUB, 40000)->sessions, 3);
	ck_assert_uint_eq(ct_count(ct), 6);
	/* the same port of another host is another mapping */
	struct pb qb = udp4(B, 5001, R1, 53);
	o = pass(&qb, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5001);
	ck_assert_uint_eq(mc()->mappings, 3);
	ck_assert_uint_eq(mc()->hosts, 2);
}
END_TEST

START_TEST(port_collision_parity)
{
	load(MASQ_EIF);
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53), qc = udp4(C, 5000, R1, 53);
	o = pass(&qa, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5000);
	o = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&o);
	ck_assert_uint_ne(pb_, 5000);
	ck_assert_uint_eq(pb_ % 2, 0);
	ck_assert_uint_ge(pb_, 1024);
	o = pass(&qc, LAN, WAN);
	uint16_t pc_ = sport(&o);
	ck_assert_uint_ne(pc_, 5000);
	ck_assert_uint_ne(pc_, pb_);
	ck_assert_uint_eq(pc_ % 2, 0);
	/* odd ports stay odd */
	struct pb oa = udp4(A, 6001, R1, 53), ob = udp4(B, 6001, R1, 53);
	o = pass(&oa, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 6001);
	o = pass(&ob, LAN, WAN);
	uint16_t po = sport(&o);
	ck_assert_uint_ne(po, 6001);
	ck_assert_uint_eq(po % 2, 1);
	/* each reply finds its own host and port */
	struct pb ra = udp4(R1, 53, PUB, 5000), rb = udp4(R1, 53, PUB, pb_), rc = udp4(R1, 53, PUB, pc_),
		  rob = udp4(R1, 53, PUB, po);
	o = pass(&ra, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 5000);
	o = pass(&rb, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(dport(&o), 5000);
	o = pass(&rc, WAN, LAN);
	ck_addrs(&o, R1, C);
	ck_assert_uint_eq(dport(&o), 5000);
	o = pass(&rob, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(dport(&o), 6001);
	/* TCP and UDP ports are separate: A's TCP 5000 keeps 5000 */
	struct pb ta = tcp4(A, 5000, R1, 80, SYN, 1, 0, 0);
	o = pass(&ta, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5000);
}
END_TEST

/* ---- filtering ---- */

START_TEST(filter_eif)
{
	load(MASQ_EIF);
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	/* anyone may send to the mapping */
	struct pb in = udp4(R3, 7777, PUB, 5000);
	struct pb o = pass(&in, WAN, LAN);
	ck_addrs(&o, R3, A);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert_uint_eq(n.cnt.inbound, 1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	/* A answers from its port: it leaves from the mapping */
	struct pb back = udp4(A, 5000, R3, 7777);
	o = pass(&back, LAN, WAN);
	ck_addrs(&o, PUB, R3);
	ck_assert_uint_eq(sport(&o), 5000);
	ck_assert_uint_eq(cp.dir, 1);
	/* TCP to a mapping's port that is UDP's: no mapping, the router's own address */
	struct pb t = tcp4(R3, 7777, PUB, 5000, SYN, 1, 0, 0);
	ck_assert_int_eq(xmit(&t, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_FILTERED], 0);
}
END_TEST

START_TEST(filter_adf)
{
	load(MASQ_ADF);
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	/* the same address from another port: in */
	struct pb in = udp4(R1, 54, PUB, 5000);
	struct pb o = pass(&in, WAN, LAN);
	ck_addrs(&o, R1, A);
	/* another address: filtered, nothing committed */
	uint32_t cnt = ct_count(ct);
	struct pb in2 = udp4(R3, 53, PUB, 5000);
	ck_assert_int_eq(xmit(&in2, WAN, NULL), NAT_R_FILTERED);
	ck_assert_uint_eq(ct_count(ct), cnt);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_FILTERED], 1);
	/* once A sent to R3, R3 may */
	struct pb q3 = udp4(A, 5000, R3, 99);
	pass(&q3, LAN, WAN);
	o = pass(&in2, WAN, LAN);
	ck_addrs(&o, R3, A);
}
END_TEST

START_TEST(filter_apdf)
{
	load(MASQ_APDF);
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	struct pb in = udp4(R1, 54, PUB, 5000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_FILTERED);
	struct pb in2 = udp4(R3, 53, PUB, 5000);
	ck_assert_int_eq(xmit(&in2, WAN, NULL), NAT_R_FILTERED);
	/* the reply itself is the connection's */
	struct pb r = udp4(R1, 53, PUB, 5000);
	struct pb o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_FILTERED], 2);
	ck_assert_uint_eq(ct_count(ct), 1);
}
END_TEST

/* ---- limits ---- */

START_TEST(host_limit)
{
	load("nat { host-limit 2 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	struct pb q1 = udp4(A, 5000, R1, 53), q2 = tcp4(A, 40000, R1, 80, SYN, 1, 0, 0), q3 = udp4(A, 5000, R2, 53);
	pass(&q1, LAN, WAN);
	pass(&q2, LAN, WAN);
	ck_assert_uint_eq(ct_count(ct), 2);
	/* the third, even on an existing mapping: refused, not committed */
	ck_assert_int_eq(xmit(&q3, LAN, &o), NAT_R_HOST_LIMIT);
	ck_addrs(&o, A, R2);            /* untranslated: never sent */
	ck_assert_uint_eq(ct_count(ct), 2);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_HOST_LIMIT], 1);
	ck_assert_uint_eq(mc()->host_limit, 1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);
	struct pb q4 = icmp4(A, R1, 8, 9);
	ck_assert_int_eq(xmit(&q4, LAN, NULL), NAT_R_HOST_LIMIT);
	/* another host is not limited by A's */
	struct pb qb = udp4(B, 5000, R1, 53);
	pass(&qb, LAN, WAN);
	/* inbound to A's mapping counts too (EIF off: ADF, from R1) */
	struct pb in = udp4(R1, 54, PUB, 5000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_HOST_LIMIT);
	ck_assert_uint_eq(ct_count(ct), 3);
	/* once one of A's connections ends, A may open another */
	now += 301 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);     /* the TCP SYN_SENT (240 s) and UDP (300 s) went */
	ck_assert_uint_eq(mc()->hosts, 0);
	pass(&q3, LAN, WAN);
	pass(&q1, LAN, WAN);
	ck_assert_int_eq(xmit(&q2, LAN, NULL), NAT_R_HOST_LIMIT);
}
END_TEST

START_TEST(pool_exhausted)
{
	load("chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade to :2000-2001 }\n");
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53), qc = udp4(C, 5000, R1, 53);
	o = pass(&qa, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2000);     /* even, as 5000 */
	o = pass(&qb, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2001);     /* none even left: any */
	ck_assert_int_eq(xmit(&qc, LAN, NULL), NAT_R_NO_PORT);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_NO_PORT], 1);
	ck_assert_uint_eq(ct_count(ct), 2);
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_uint_eq(mc()->hosts, 2);      /* C's host entry went with the refusal */
	/* existing mappings still serve new remotes */
	struct pb qa2 = udp4(A, 5000, R2, 53);
	o = pass(&qa2, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2000);
	/* ICMP identifiers are not bound by the ports */
	struct pb e = icmp4(C, R1, 8, 3);
	o = pass(&e, LAN, WAN);
	ck_assert_uint_eq(icmp_id(&o), 3);
	/* everything expires: the ports are free again */
	now += 301 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(mc()->hosts, 0);
	o = pass(&qc, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nat_engine");
	TCase *tc = tcase_create("engine");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, masq_udp);
	tcase_add_test(tc, veto_clashing_port);
	tcase_add_test(tc, masq_tcp);
	tcase_add_test(tc, masq_icmp_echo);
	tcase_add_test(tc, eim_across_remotes);
	tcase_add_test(tc, port_collision_parity);
	tcase_add_test(tc, filter_eif);
	tcase_add_test(tc, filter_adf);
	tcase_add_test(tc, filter_apdf);
	tcase_add_test(tc, host_limit);
	tcase_add_test(tc, pool_exhausted);
	nat_engine_in_tests(tc);
	nat_engine_life_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
