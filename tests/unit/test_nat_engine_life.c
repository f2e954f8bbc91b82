/* unit-nat-engine, continued: deterministic blocks (and a layout shared by two instances);
 * a full table whose unfinished connections give way to new ones, mappings and all;
 * expiry, removal and TCP's end (FIN, RST, a SYN reopening a closed one) releasing
 * mappings; clashes (counted as such); invalid packets; IPv6 untouched; a fragmented
 * datagram's first piece; the counters' lines. */
#include "nat_engine_fixture.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* ---- deterministic ---- */

/* Two instances share one pool's layout with no coordination: each serves the hosts its
 * rule matches, the blocks where the whole layout puts them. */
START_TEST(deterministic_layout_share)
{
	load("chain postrouting {\n"
	     "  oif wan ip saddr 10.0.0.0/25 snat to 192.0.2.10-192.0.2.11 deterministic block 500 layout 10.0.0.0/24\n"
	     "}\n");
	const struct nat_pool *p = &nc.pool[0];
	ck_assert(p->det_on);
	ck_assert_uint_eq(p->det.hosts_per_addr, 128);       /* the /24's, not the rule's /25 */
	uint8_t in[4] = { 10, 0, 0, 70 };
	struct pb q = udp4(in, 36030, R1, 53);
	struct pb o = pass(&q, LAN, WAN);
	const uint8_t first[4] = { 192, 0, 2, 10 };
	ck_addrs(&o, first, R1);                             /* host 70 of 128 on the first address */
	ck_assert_uint_eq(sport(&o), 36030);                 /* block 70: 36024..36523, kept */
	/* the other instance's hosts are in the layout, not this one's share */
	uint32_t out;
	uint16_t lo, hi;
	const uint8_t other[4] = { 10, 0, 0, 200 };
	ck_assert(!nat_det_forward(&p->det, be32(other), &out, &lo, &hi));
	ck_assert(load_fails("chain postrouting {\n"
			     "  oif wan ip saddr 10.0.0.0/25 snat to 192.0.2.10 deterministic layout 10.1.0.0/16\n"
			     "}\n"));
}
END_TEST

START_TEST(deterministic)
{
	load("chain postrouting {\n"
	     "  oif wan ip saddr 10.0.1.0/28 snat to 192.0.2.100-192.0.2.101 deterministic block 4096\n"
	     "}\n");
	const struct nat_pool *p = &nc.pool[0];
	ck_assert(p->det_on);
	struct pb o;
	for (unsigned h = 0; h < 16; h += 3) {
		uint8_t in[4] = { 10, 0, 1, (uint8_t)h };
		uint32_t out;
		uint16_t lo, hi;
		ck_assert(nat_det_forward(&p->det, be32(in), &out, &lo, &hi));
		ck_assert_uint_eq(hi - lo + 1, 4096);
		/* a port outside the block: one of its parity inside */
		struct pb q = udp4(in, 1000, R1, 53);
		o = pass(&q, LAN, WAN);
		ck_assert_uint_eq(be32(ipof(&o) + 12), out);
		ck_assert_uint_ge(sport(&o), lo);
		ck_assert_uint_le(sport(&o), hi);
		ck_assert_uint_eq(sport(&o) % 2, 0);
		uint32_t back;
		ck_assert(nat_det_reverse(&p->det, out, sport(&o), &back));
		ck_assert_uint_eq(back, be32(in));
		/* a port inside the block: kept */
		struct pb t = tcp4(in, (uint16_t)(lo + 7), R1, 80, SYN, 1, 0, 0);
		o = pass(&t, LAN, WAN);
		ck_assert_uint_eq(be32(ipof(&o) + 12), out);
		ck_assert_uint_eq(sport(&o), lo + 7);
		/* an echo's identifier in the block too */
		struct pb e = icmp4(in, R1, 8, 3);
		o = pass(&e, LAN, WAN);
		ck_assert_uint_eq(be32(ipof(&o) + 12), out);
		ck_assert_uint_ge(icmp_id(&o), lo);
		ck_assert_uint_le(icmp_id(&o), hi);
		/* the answers come back to the host */
		struct pb r = icmp4(R1, ipof(&o) + 12, 0, icmp_id(&o));
		struct pb g = pass(&r, WAN, LAN);
		ck_addrs(&g, R1, in);
		ck_assert_uint_eq(icmp_id(&g), 3);
	}
	/* host 9: the second address's second block */
	static const uint8_t H9[4] = { 10, 0, 1, 9 }, OUT2[4] = { 192, 0, 2, 101 };
	struct pb q = udp4(H9, 5200, R1, 53);
	o = pass(&q, LAN, WAN);
	ck_addrs(&o, OUT2, R1);
	ck_assert_uint_eq(sport(&o), 5200);     /* 1024 + 4096 .. 9215 */
	struct pb r = udp4(R1, 53, OUT2, 5200);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, H9);
	/* the pool's addresses are the NAT's (ARP), and nothing else may reach them */
	ck_assert(nat_owns(&nc, WAN, OUT2));
	ck_assert(!nat_owns(&nc, LAN, OUT2));
	struct pb u = udp4(R1, 53, OUT2, 5202);
	ck_assert_int_eq(xmit(&u, WAN, NULL), NAT_R_NO_MAPPING);
	/* a host outside the rule's prefix is not translated at all */
	struct pb x = udp4(A, 5000, R1, 53);
	o = pass(&x, LAN, WAN);
	ck_addrs(&o, A, R1);
}
END_TEST

/* A table full of unfinished connections, each with its own mapping (as many mappings as
 * the table holds connections, as the nat appliance sizes them): a new connection takes an
 * unfinished one's place, as conntrack promises, the evicted one's mapping released - the
 * map's bound must not refuse it first. */
START_TEST(full_table_evicts)
{
	load_ct(MASQ_EIF, 8);
	for (uint16_t i = 0; i < 8; i++) {
		struct pb q = udp4(A, (uint16_t)(5000 + i), R1, 53);
		pass(&q, LAN, WAN);
	}
	ck_assert_uint_eq(ct_count(ct), 8);
	ck_assert_uint_eq(mc()->mappings, 8);
	struct pb qb = udp4(B, 6000, R1, 53);
	struct pb o = pass(&qb, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(ct_count(ct), 8);
	ck_assert_uint_eq(ct_counters(ct)->evicted, 1);
	ck_assert_uint_eq(n.cnt.released, 1);
	ck_assert_uint_eq(mc()->mappings, 8);
	/* B's reply finds it */
	struct pb r = udp4(R1, 53, PUB, sport(&o));
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, B);
	/* expired, not yet swept: their places (and mappings) are taken the same way */
	now += 301 * 1000;
	struct pb qc = tcp4(C, 7000, R1, 80, SYN, 1, 0, 0);
	o = pass(&qc, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 7000);
	/* an inbound connection through a mapping, the table and the map full: it joins the
	 * mapping before the table takes an expired connection's place (perhaps that mapping's
	 * own), so the mapping stays */
	struct pb in = udp4(R2, 1, PUB, 6000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LAN);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_TABLE_FULL], 0);
}
END_TEST

/* The same when the only connection the table may evict is the one holding the mapping a
 * hairpinned connection joins: that mapping goes with it, and the new connection is
 * dropped with nothing left behind. */
START_TEST(full_table_evicts_joined)
{
	static const uint8_t D[4] = { 10, 0, 0, 40 }, E[4] = { 10, 0, 0, 50 };
	load_ct(MASQ_EIF, 4);
	const uint8_t *hosts[3] = { B, C, D };
	for (unsigned i = 0; i < 3; i++) {      /* answered: assured, never evicted */
		struct pb q = udp4(hosts[i], 6000, R1, 53);
		struct pb o = pass(&q, LAN, WAN);
		struct pb r = udp4(R1, 53, PUB, sport(&o));
		pass(&r, WAN, LAN);
		ck_assert(cp.e->flags & CT_F_ASSURED);
	}
	struct pb qa = udp4(A, 5000, R1, 53);   /* unanswered */
	pass(&qa, LAN, WAN);
	ck_assert_uint_eq(ct_count(ct), 4);
	ck_assert_uint_eq(mc()->mappings, 4);
	struct pb h = udp4(E, 7000, PUB, 5000);
	ck_assert_int_eq(xmit(&h, LAN, NULL), NAT_R_NO_MAPPING);
	ck_assert_uint_eq(ct_counters(ct)->evicted, 1);
	ck_assert_uint_eq(ct_count(ct), 3);
	ck_assert_uint_eq(mc()->mappings, 3);
	ck_assert_ptr_null(map_out(NAT_UDP, PUB, 5000));
	ck_assert_ptr_null(map_out(NAT_UDP, PUB, 7000));
	ck_assert_uint_eq(mc()->hosts, 3);
}
END_TEST

/* ---- the end of connections ---- */

START_TEST(expiry_releases)
{
	load("nat { log on }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb q = udp4(A, 5000, R1, 53), t = tcp4(A, 40000, R1, 80, SYN, 1, 0, 0), e = icmp4(A, R1, 8, 5);
	pass(&q, LAN, WAN);
	pass(&t, LAN, WAN);
	pass(&e, LAN, WAN);
	ck_assert_uint_eq(mc()->mappings, 3);
	ck_assert_uint_eq(n_log, 3);
	ck_assert_str_eq(log_lines[0], "nat: map udp 10.0.0.10:5000 -> 192.0.2.2:5000");
	/* ICMP (60 s) first */
	now += 61 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 2);
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_ptr_null(map_out(NAT_ICMP, PUB, 5));
	ck_assert_str_eq(log_lines[3], "nat: unmap icmp 10.0.0.10:5 -> 192.0.2.2:5");
	/* then the rest */
	now += 300 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(mc()->hosts, 0);
	ck_assert_uint_eq(n.cnt.released, 3);
	/* B gets A's old port now */
	struct pb qb = udp4(B, 5000, R1, 53);
	struct pb o = pass(&qb, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5000);
	/* a reply to the old mapping finds nothing (the wan's own address: the router's) */
	struct pb r = tcp4(R1, 80, PUB, 40000, SYN | ACK, 9, 2, 0);
	ck_assert_int_eq(xmit(&r, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
	/* expiry found on lookup, not by the sweep, releases too */
	now += 301 * 1000;
	struct pb again = udp4(R1, 53, PUB, 5000);
	ck_assert_int_eq(xmit(&again, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
	ck_assert_uint_eq(mc()->mappings, 0);
}
END_TEST

START_TEST(remove_releases)
{
	load(MASQ_ADF);
	struct pb q = udp4(A, 5000, R1, 53), q2 = udp4(A, 5000, R2, 53);
	pass(&q, LAN, WAN);
	struct ct_entry *e1 = cp.e;
	pass(&q2, LAN, WAN);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	ct_remove(ct, e1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);
	/* R1's session went, and with it ADF's leave for R1 */
	struct pb in = udp4(R1, 54, PUB, 5000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_FILTERED);
	struct pb in2 = udp4(R2, 54, PUB, 5000);
	pass(&in2, WAN, LAN);
	ck_assert_uint_eq(n.cnt.released, 1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	/* the inbound connection's removal gives back its session */
	ct_remove(ct, cp.e);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);
	/* the last: the mapping goes */
	struct ct_entry *last = first_entry();
	ck_assert_ptr_nonnull(last);
	ct_remove(ct, last);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(mc()->hosts, 0);
	ck_assert_uint_eq(n.cnt.released, 3);
}
END_TEST

/* A's TCP connection to R1:80 through its handshake: the reply's sequence numbers. */
static void handshake(uint16_t port, uint32_t c, uint32_t s)
{
	struct pb syn = tcp4(A, port, R1, 80, SYN, c, 0, 0);
	struct pb o = pass(&syn, LAN, WAN);
	uint16_t out = sport(&o);
	struct pb sa = tcp4(R1, 80, PUB, out, SYN | ACK, s, c + 1, 0);
	pass(&sa, WAN, LAN);
	struct pb ack = tcp4(A, port, R1, 80, ACK, c + 1, s + 1, 0);
	pass(&ack, LAN, WAN);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_ESTABLISHED);
}

START_TEST(tcp_fin_lifecycle)
{
	load(MASQ_EIF);
	struct pb o;
	handshake(40000, 1000, 5000);
	struct pb f1 = tcp4(A, 40000, R1, 80, FIN | ACK, 1001, 5001, 0);
	o = pass(&f1, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(l4of(&o)[13], FIN | ACK);
	struct pb f2 = tcp4(R1, 80, PUB, 40000, FIN | ACK, 5001, 1002, 0);
	o = pass(&f2, WAN, LAN);
	ck_addrs(&o, R1, A);
	struct pb a = tcp4(A, 40000, R1, 80, ACK, 1002, 5002, 0);
	pass(&a, LAN, WAN);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_TIME_WAIT);
	ck_assert_uint_eq(mc()->mappings, 1);
	/* a new SYN on the same addresses and ports: the closed connection goes (its mapping
	 * with it), a new one is made */
	struct pb syn = tcp4(A, 40000, R1, 80, SYN, 90000, 0, 0);
	o = pass(&syn, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 40000);
	ck_assert_uint_eq(ct_counters(ct)->closed_reuse, 1);
	ck_assert_uint_eq(n.cnt.released, 1);
	ck_assert_uint_eq(mc()->mappings_created, 2);
	ck_assert_uint_eq(mc()->mappings, 1);
	struct pb sa = tcp4(R1, 80, PUB, 40000, SYN | ACK, 7000, 90001, 0);
	o = pass(&sa, WAN, LAN);
	ck_addrs(&o, R1, A);
	/* half-open and forgotten: SYN_RECV ends after 240 s, the mapping with it */
	now += 241 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
}
END_TEST

START_TEST(tcp_rst_lifecycle)
{
	load(MASQ_EIF);
	struct pb o;
	handshake(40001, 1000, 5000);
	/* the server resets: A gets it */
	struct pb r = tcp4(R1, 80, PUB, 40001, RST | ACK, 5001, 1001, 0);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 40001);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_CLOSE);
	ck_assert_uint_eq(mc()->mappings, 1);
	now += 11 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(n.cnt.released, 1);
	/* the inside resets: out translated */
	handshake(40002, 3000, 8000);
	struct pb r2 = tcp4(A, 40002, R1, 80, RST, 3001, 0, 0);
	o = pass(&r2, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 40002);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_CLOSE);
}
END_TEST

START_TEST(clash)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting {\n"
	     "  iif wan tcp dport 8080 dnat to 10.0.0.20:80\n"
	     "  iif wan tcp dport 8081 dnat to 10.0.0.20:80\n"
	     "}\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb s1 = tcp4(R1, 1234, PUB, 8080, SYN, 1, 0, 0), s2 = tcp4(R1, 1234, PUB, 8081, SYN, 1, 0, 0);
	pass(&s1, WAN, LAN);
	/* the same remote endpoint to the other forward: its reply would be the first's */
	ck_assert_int_eq(xmit(&s2, WAN, NULL), NAT_R_CLASH);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_CLASH], 1);
	ck_assert_uint_eq(ct_counters(ct)->nat_clash, 1);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(n.cnt.released, 0);
	/* another remote port is fine */
	struct pb s3 = tcp4(R1, 1235, PUB, 8081, SYN, 1, 0, 0);
	pass(&s3, WAN, LAN);
	/* A to its own mapping's outside endpoint: its reply key would be its own key */
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	struct pb self = udp4(A, 5000, PUB, 5000);
	ck_assert_int_eq(xmit(&self, LAN, NULL), NAT_R_CLASH);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);   /* both sessions given back */
	ck_assert_uint_eq(ct_count(ct), 3);
	/* a new connection whose reply would be a translated one's: the table refuses it */
	struct pb rev = udp4(R1, 53, A, 5000);
	ck_assert_int_eq(xmit(&rev, WAN, NULL), NAT_R_CLASH);
	ck_assert_uint_eq(ct_count(ct), 3);
}
END_TEST

START_TEST(invalid_dropped)
{
	load(MASQ_EIF);
	struct pb o;
	/* SYN+FIN: invalid, never leaves untranslated */
	struct pb bad = tcp4(A, 40000, R1, 80, SYN | FIN, 1, 0, 0);
	ck_assert_int_eq(xmit(&bad, LAN, &o), NAT_R_INVALID);
	ck_addrs(&o, A, R1);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	/* out of the window, either way */
	handshake(40000, 1000, 5000);
	struct pb w = tcp4(A, 40000, R1, 80, PSH | ACK, 1000 + 0x40000000u, 5001, 10);
	ck_assert_int_eq(xmit(&w, LAN, &o), NAT_R_INVALID);
	ck_addrs(&o, A, R1);
	struct pb w2 = tcp4(R1, 80, PUB, 40000, PSH | ACK, 5000 + 0x40000000u, 1001, 10);
	ck_assert_int_eq(xmit(&w2, WAN, &o), NAT_OK);   /* not translated: for the router, read there */
	ck_assert_int_eq(cp.state, CT_S_INVALID);
	ck_assert_int_eq(last_oif, LOCAL);
	ck_addrs(&o, R1, PUB);
	/* a bad checksum: invalid */
	struct pb c = udp4(A, 5000, R1, 53);
	c.b[c.l4 + 6] ^= 0x55;
	ck_assert_int_eq(xmit(&c, LAN, NULL), NAT_R_INVALID);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_INVALID], 3);
	ck_assert_uint_eq(ct_count(ct), 1);
}
END_TEST

START_TEST(ipv6_untouched)
{
	load(MASQ_EIF);
	struct pb f = udp6(), o;
	ck_assert_int_eq(xmit(&f, LAN, &o), NAT_OK);
	ck_assert_uint_eq(o.len, f.len);
	ck_assert_mem_eq(o.b, f.b, f.len);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(n.cnt.snat, 0);
	ck_assert(!nat_owns(&nc, WAN, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8 }));
}
END_TEST

/* A UDP datagram of 100 bytes of payload as two fragments (56 bytes of UDP then 52), the
 * whole datagram's checksum in the first. */
static void udp_frags(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, struct pb *f1, struct pb *f2)
{
	struct pb w;
	hdr4(&w, 17, src, dst);
	pb_udp(&w, sp, dp);
	pb_payload(&w, 100);
	pb_done(&w);
	*f1 = w;
	*f2 = w;
	uint8_t *ip = f1->b + f1->l3;
	f1->len = (uint16_t)(f1->l3 + 20 + 56);
	pkt_wr16(ip + 2, 20 + 56);
	pkt_wr16(ip + 6, 0x2000);
	pb_ip4_csum(ip, 20);
	ip = f2->b + f2->l3;
	memmove(ip + 20, ip + 20 + 56, 52);
	f2->len = (uint16_t)(f2->l3 + 20 + 52);
	f2->l4 = 0;
	pkt_wr16(ip + 2, 20 + 52);
	pkt_wr16(ip + 6, 56 / 8);
	pb_ip4_csum(ip, 20);
}

/* The UDP checksum of the datagram whose first fragment (translated) is f1 and later one f2. */
static bool frags_csum_ok(const struct pb *f1, const struct pb *f2)
{
	uint8_t seg[200];
	memcpy(seg, f1->b + f1->l3 + 20, 56);
	memcpy(seg + 56, f2->b + f2->l3 + 20, 52);
	return nv_fold(nv_sum(nv_pseudo(f1->b + f1->l3, 17, 108), seg, 108)) == 0xffff;
}

START_TEST(first_fragment)
{
	load(MASQ_EIF);
	struct pb f1, f2, o;
	udp_frags(A, 5000, R1, 53, &f1, &f2);
	ck_assert(frags_csum_ok(&f1, &f2));
	struct pb qb = udp4(B, 5000, R1, 53);
	pass(&qb, LAN, WAN);            /* 5000 is B's: A's datagram gets another port */
	o = pass(&f1, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	uint16_t pa = sport(&o);
	ck_assert_uint_ne(pa, 5000);
	ck_assert(frags_csum_ok(&o, &f2));
	ck_assert_uint_eq(nv_rd16(ipof(&o) + 6), 0x2000);
	/* the answer, fragmented too: its first piece translated back */
	udp_frags(R1, 53, PUB, pa, &f1, &f2);
	o = pass(&f1, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert(frags_csum_ok(&o, &f2));
}
END_TEST

static char fmt_lines[16][256];
static unsigned n_fmt;

static void on_fmt(void *arg, const char *line)
{
	(void)arg;
	if (n_fmt < 16)
		snprintf(fmt_lines[n_fmt], sizeof(fmt_lines[0]), "%s", line);
	n_fmt++;
}

START_TEST(counters_format)
{
	load(MASQ_ADF);
	struct pb q = udp4(A, 5000, R1, 53), in = udp4(R3, 53, PUB, 5000);
	pass(&q, LAN, WAN);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_FILTERED);
	n_fmt = 0;
	nat_counters_format(&n, on_fmt, NULL);
	ck_assert_uint_eq(n_fmt, 3);
	ck_assert_str_eq(fmt_lines[0], "nat: 1 mappings (1 made, 0 freed), connections: 1 snat, 0 dnat, 0 inbound, 0 "
				       "hairpinned, 0 released");
	ck_assert_str_eq(fmt_lines[1], "nat: packets translated 1 out, 0 in; 0 ICMP errors with their quote");
	ck_assert_ptr_nonnull(strstr(fmt_lines[2], "dropped nat_filtered"));
}
END_TEST

void nat_engine_life_tests(TCase *tc)
{
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, deterministic_layout_share);
	tcase_add_test(tc, expiry_releases);
	tcase_add_test(tc, remove_releases);
	tcase_add_test(tc, full_table_evicts);
	tcase_add_test(tc, full_table_evicts_joined);
	tcase_add_test(tc, tcp_fin_lifecycle);
	tcase_add_test(tc, tcp_rst_lifecycle);
	tcase_add_test(tc, clash);
	tcase_add_test(tc, invalid_dropped);
	tcase_add_test(tc, ipv6_untouched);
	tcase_add_test(tc, first_fragment);
	tcase_add_test(tc, counters_format);
}
