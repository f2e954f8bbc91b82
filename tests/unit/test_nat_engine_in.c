/* unit-nat-engine, continued: hairpinning to a mapping and to a port forward, port forwards
 * (a port range port for port), accept in either chain, and ICMP errors both ways
 * (masquerade, port forwards, both ends translated, hairpinned), too short, and the
 * router's own (nat_output). */
#include "nat_engine_fixture.h"
#include "pkt_answer.h"
#include "pkt_parse.h"

#include <check.h>
#include <string.h>

/* ---- hairpinning ---- */

START_TEST(hairpin_mapping)
{
	load(MASQ_EIF);
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	/* B sends to A's outside address and port: back out of the lan, from B's mapping */
	struct pb h = udp4(B, 6000, PUB, 5000);
	o = pass(&h, LAN, LAN);
	ck_addrs(&o, PUB, A);
	ck_assert_uint_eq(sport(&o), 6000);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert_uint_eq(n.cnt.hairpin, 1);
	ck_assert_ptr_nonnull(map_out(NAT_UDP, PUB, 6000));
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 6000)->in_addr, be32(B));
	/* A answers B's outside endpoint: B gets it from A's outside endpoint */
	struct pb r = udp4(A, 5000, PUB, 6000);
	o = pass(&r, LAN, LAN);
	ck_addrs(&o, PUB, B);
	ck_assert_uint_eq(sport(&o), 5000);
	ck_assert_uint_eq(dport(&o), 6000);
	ck_assert_uint_eq(cp.dir, 1);
	/* and again from B */
	o = pass(&h, LAN, LAN);
	ck_addrs(&o, PUB, A);
	ck_assert_uint_eq(ct_count(ct), 2);
	/* the hairpinned connection holds both mappings; when it goes, A's keeps its own */
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 6000)->sessions, 1);
	now += 301 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(n.cnt.released, 2);
}
END_TEST

START_TEST(hairpin_port_forward)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting { ip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	/* A opens the forward from inside: B sees A's outside address */
	struct pb s = tcp4(A, 40000, PUB, 8080, SYN, 100, 0, 0);
	o = pass(&s, LAN, LAN);
	ck_addrs(&o, PUB, B);
	ck_assert_uint_eq(sport(&o), 40000);
	ck_assert_uint_eq(dport(&o), 80);
	ck_assert_uint_eq(n.cnt.hairpin, 1);
	ck_assert_uint_eq(n.cnt.dnat, 1);
	ck_assert_uint_eq(n.cnt.snat, 1);
	struct pb sa = tcp4(B, 80, PUB, 40000, SYN | ACK, 900, 101, 0);
	o = pass(&sa, LAN, LAN);
	ck_addrs(&o, PUB, A);
	ck_assert_uint_eq(sport(&o), 8080);
	ck_assert_uint_eq(dport(&o), 40000);
	struct pb ack = tcp4(A, 40000, PUB, 8080, ACK, 101, 901, 0);
	o = pass(&ack, LAN, LAN);
	ck_addrs(&o, PUB, B);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_ESTABLISHED);
	/* the same forward from outside: the remote's own address */
	struct pb so = tcp4(R1, 1234, PUB, 8080, SYN, 5, 0, 0);
	o = pass(&so, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(dport(&o), 80);
	ck_assert_uint_eq(n.cnt.hairpin, 1);
	struct pb sao = tcp4(B, 80, R1, 1234, SYN | ACK, 7, 6, 0);
	o = pass(&sao, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 8080);
}
END_TEST

/* ---- port forwards ---- */

START_TEST(dnat_port_range)
{
	load("chain prerouting {\n"
	     "  iif wan udp dport 5000-5010 dnat to 10.0.0.20:6000-6010\n"
	     "  iif wan tcp dport 2222 dnat to 10.0.0.30:22\n"
	     "  iif wan tcp dport 3000-3001 dnat to 10.0.0.30\n"
	     "}\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	for (uint16_t port = 5000; port <= 5010; port += 5) {
		struct pb q = udp4(R1, 1234, PUB, port);
		o = pass(&q, WAN, LAN);
		ck_addrs(&o, R1, B);
		ck_assert_uint_eq(dport(&o), 6000 + (port - 5000));
		struct pb r = udp4(B, (uint16_t)(6000 + (port - 5000)), R1, 1234);
		o = pass(&r, LAN, WAN);
		ck_addrs(&o, PUB, R1);
		ck_assert_uint_eq(sport(&o), port);
	}
	struct pb t = tcp4(R2, 999, PUB, 2222, SYN, 1, 0, 0);
	o = pass(&t, WAN, LAN);
	ck_addrs(&o, R2, C);
	ck_assert_uint_eq(dport(&o), 22);
	struct pb t2 = tcp4(R2, 999, PUB, 3001, SYN, 1, 0, 0);
	o = pass(&t2, WAN, LAN);
	ck_addrs(&o, R2, C);
	ck_assert_uint_eq(dport(&o), 3001);     /* no port given: it stays */
	ck_assert_uint_eq(n.cnt.dnat, 5);
	ck_assert_uint_eq(n.hits[NAT_HOOK_PRE][0], 3);
	/* a port forward's ports are no mapping's: A's 5003 and 2222 go elsewhere */
	struct pb qa = udp4(A, 5003, R1, 53), ta = tcp4(A, 2222, R1, 80, SYN, 1, 0, 0);
	o = pass(&qa, LAN, WAN);
	ck_assert(sport(&o) < 5000 || sport(&o) > 5010);
	ck_assert_uint_eq(sport(&o) % 2, 1);
	o = pass(&ta, LAN, WAN);
	ck_assert_uint_ne(sport(&o), 2222);
	/* UDP to a forwarded TCP port is not forwarded */
	struct pb u = udp4(R2, 999, PUB, 2222);
	ck_assert_int_eq(xmit(&u, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
}
END_TEST

START_TEST(accept_exempts)
{
	load("chain prerouting {\n"
	     "  iif wan tcp dport 22 accept\n"
	     "  iif wan tcp dport 20-30 dnat to 10.0.0.30\n"
	     "}\n"
	     "chain postrouting {\n"
	     "  oif wan ip saddr 10.0.0.128/25 accept\n"
	     "  oif wan ip saddr 10.0.0.0/24 masquerade\n"
	     "}\n");
	struct pb o;
	/* prerouting's accept: the router's own port 22 */
	struct pb s = tcp4(R1, 999, PUB, 22, SYN, 1, 0, 0);
	o = pass(&s, WAN, LOCAL);
	ck_addrs(&o, R1, PUB);
	ck_assert_uint_eq(dport(&o), 22);
	struct pb s2 = tcp4(R1, 999, PUB, 23, SYN, 1, 0, 0);
	o = pass(&s2, WAN, LAN);
	ck_addrs(&o, R1, C);
	ck_assert_uint_eq(n.hits[NAT_HOOK_PRE][0], 1);
	ck_assert_uint_eq(n.hits[NAT_HOOK_PRE][1], 1);
	/* postrouting's accept: 10.0.0.200 leaves as itself, committed untranslated */
	static const uint8_t D[4] = { 10, 0, 0, 200 };
	struct pb q = udp4(D, 5000, R1, 53);
	uint32_t cnt = ct_count(ct);
	o = pass(&q, LAN, WAN);
	ck_addrs(&o, D, R1);
	ck_assert_uint_eq(ct_count(ct), cnt + 1);
	ck_assert(!(cp.e->flags & CT_F_NAT));
	struct pb r = udp4(R1, 53, D, 5000);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, D);
	ck_assert_int_eq(cp.state, CT_S_ESTABLISHED);
	/* the rest is masqueraded */
	struct pb qa = udp4(A, 5000, R1, 53);
	o = pass(&qa, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(n.hits[NAT_HOOK_POST][0], 1);
	ck_assert_uint_eq(n.hits[NAT_HOOK_POST][1], 1);
	/* traffic matching no rule is left alone too (inside to inside) */
	struct pb l = udp4(A, 1, B, 2);
	o = pass(&l, LAN, LAN);
	ck_addrs(&o, A, B);
	ck_assert_uint_eq(mc()->mappings, 1);
}
END_TEST

/* ---- ICMP errors ---- */

START_TEST(icmp_errors_from_outside)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting { iif wan tcp dport 8080 dnat to 10.0.0.20:80 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb ob, o;
	/* two inside hosts on port 5000: B's leaves from another port */
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	ob = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&ob);
	ck_assert_uint_ne(pb_, 5000);
	/* a router on the way: B's query ran out of TTL */
	struct pb e = err4(HOP, PUB, 11, 0, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	struct pb in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 5000);
	ck_assert_uint_eq(dport(&in), 53);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_assert_uint_eq(cp.dir, 1);
	/* the server itself: port unreachable, from its own address */
	e = err4(R1, PUB, 3, 3, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, R1, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 5000);
	/* TCP, with a port changed */
	struct pb sa = tcp4(A, 40000, R1, 80, SYN, 1000, 0, 0), sb = tcp4(B, 40000, R1, 80, SYN, 1000, 0, 0);
	pass(&sa, LAN, WAN);
	ob = pass(&sb, LAN, WAN);
	ck_assert_uint_ne(sport(&ob), 40000);
	e = err4(HOP, PUB, 3, 1, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 40000);
	ck_assert_uint_eq(dport(&in), 80);
	/* an echo with its identifier changed */
	struct pb ea = icmp4(A, R1, 8, 42), eb = icmp4(B, R1, 8, 42);
	pass(&ea, LAN, WAN);
	ob = pass(&eb, LAN, WAN);
	ck_assert_uint_ne(icmp_id(&ob), 42);
	e = err4(HOP, PUB, 11, 0, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(icmp_id(&in), 42);
	/* a port forward's server answer, unreachable beyond: the quote as the server sent it */
	struct pb fs = tcp4(R2, 1234, PUB, 8080, SYN, 1, 0, 0);
	pass(&fs, WAN, LAN);
	struct pb fsa = tcp4(B, 80, R2, 1234, SYN | ACK, 50, 2, 0);
	ob = pass(&fsa, LAN, WAN);
	ck_addrs(&ob, PUB, R2);
	ck_assert_uint_eq(sport(&ob), 8080);
	e = err4(HOP, PUB, 3, 0, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R2);
	ck_assert_uint_eq(sport(&in), 80);
	ck_assert_uint_eq(dport(&in), 1234);
	ck_assert_uint_eq(n.cnt.icmp_errors, 5);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_ICMP_ERROR], 0);
}
END_TEST

START_TEST(icmp_error_from_inside)
{
	load(MASQ_EIF);
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	o = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&o);
	/* the reply reaches B, which says its port is closed by now */
	struct pb r = udp4(R1, 53, PUB, pb_);
	struct pb got = pass(&r, WAN, LAN);
	ck_addrs(&got, R1, B);
	struct pb e = err4(B, R1, 3, 3, &got, 0);
	o = pass(&e, LAN, WAN);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_assert_uint_eq(cp.dir, 0);
	ck_addrs(&o, PUB, R1);
	struct pb in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(sport(&in), 53);
	ck_assert_uint_eq(dport(&in), pb_);
	/* the same about an echo reply */
	struct pb ea = icmp4(A, R1, 8, 42), eb = icmp4(B, R1, 8, 42);
	pass(&ea, LAN, WAN);
	o = pass(&eb, LAN, WAN);
	uint16_t idb = icmp_id(&o);
	struct pb er = icmp4(R1, PUB, 0, idb);
	got = pass(&er, WAN, LAN);
	ck_assert_uint_eq(icmp_id(&got), 42);
	e = err4(B, R1, 3, 13, &got, 0);
	o = pass(&e, LAN, WAN);
	ck_assert_uint_eq(cp.dir, 0);
	ck_addrs(&o, PUB, R1);
	in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(icmp_id(&in), idb);
	ck_assert_uint_eq(n.cnt.icmp_errors, 2);
}
END_TEST

START_TEST(icmp_error_too_short)
{
	load(MASQ_EIF);
	struct pb o, ob;
	struct pb qa = udp4(A, 5000, R1, 53);
	ob = pass(&qa, LAN, WAN);
	/* a quote of the IPv4 header and 4 bytes: conntrack cannot relate it, and an invalid
	 * packet never leaves untranslated */
	struct pb e = err4(HOP, PUB, 11, 0, &ob, 24);
	ck_assert_int_eq(xmit(&e, WAN, &o), NAT_OK);
	ck_assert_int_eq(cp.state, CT_S_INVALID);
	ck_assert_int_eq(last_oif, LOCAL);              /* for the wan's address: the router's */
	/* the engine's own check, on a packet conntrack related before it was cut short */
	struct pb full = err4(HOP, PUB, 11, 0, &ob, 0);
	struct pkt_buf *p = pb_to_pkt(pool, full.b, full.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &cp);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	p->meta.l3_end = (uint16_t)(p->meta.l4_off + 8 + 20 + 4);
	struct pb before;
	snap(p, &before);
	ck_assert_int_eq(nat_prerouting(&n, &nc, &cf, p, &cp, WAN, now, &note), NAT_R_ICMP_ERROR);
	ck_assert_int_eq(nat_output(&n, p, &cp), NAT_R_ICMP_ERROR);
	ck_assert_mem_eq(p->data, before.b, p->len);    /* untouched */
	pkt_free(p);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_ICMP_ERROR], 2);
	/* a forwarded error that is invalid is dropped at postrouting */
	struct pb e2 = err4(HOP, R2, 11, 0, &qa, 24);
	ck_assert_int_eq(xmit(&e2, LAN, NULL), NAT_R_INVALID);
}
END_TEST

/* A port forward's errors both ways: the remote's about the server's answer (direction 0,
 * to the server), the server's about the remote's packet (direction 1, to the remote). */
START_TEST(icmp_errors_port_forward)
{
	load("chain prerouting { iif wan udp dport 5353 dnat to 10.0.0.20:53 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	struct pb q = udp4(R1, 4444, PUB, 5353);
	struct pb got = pass(&q, WAN, LAN);
	ck_addrs(&got, R1, B);
	ck_assert_uint_eq(dport(&got), 53);
	/* B says the port is closed: R1 hears it from the forward's address, about its packet */
	struct pb e = err4(B, R1, 3, 3, &got, 0);
	o = pass(&e, LAN, WAN);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_assert_uint_eq(cp.dir, 1);
	ck_addrs(&o, PUB, R1);
	struct pb in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(sport(&in), 4444);
	ck_assert_uint_eq(dport(&in), 5353);
	/* B answers; R1 says its port is closed: B hears about its answer as it sent it */
	struct pb a = udp4(B, 53, R1, 4444);
	struct pb out = pass(&a, LAN, WAN);
	ck_addrs(&out, PUB, R1);
	ck_assert_uint_eq(sport(&out), 5353);
	e = err4(R1, PUB, 3, 3, &out, 0);
	o = pass(&e, WAN, LAN);
	ck_assert_uint_eq(cp.dir, 0);
	ck_addrs(&o, R1, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 53);
	ck_assert_uint_eq(dport(&in), 4444);
	ck_assert_uint_eq(n.cnt.icmp_errors, 2);
}
END_TEST

/* Both ends translated: the lan's DNS redirected to another server, and masqueraded. */
START_TEST(dnat_and_snat)
{
	load("chain prerouting { iif lan udp dport 53 dnat to 198.51.100.8 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb qb = udp4(B, 7000, R3, 1);
	pass(&qb, LAN, WAN);
	struct pb q = udp4(A, 7000, R1, 53);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R2);
	uint16_t pa = sport(&o);
	ck_assert_uint_ne(pa, 7000);            /* B's */
	ck_assert_uint_eq(pa % 2, 0);
	struct pb r = udp4(R2, 53, PUB, pa);
	struct pb got = pass(&r, WAN, LAN);
	ck_addrs(&got, R1, A);                  /* from the server A asked */
	ck_assert_uint_eq(sport(&got), 53);
	ck_assert_uint_eq(dport(&got), 7000);
	/* an error from a router on the way: A hears it about its own packet */
	struct pb e = err4(HOP, PUB, 11, 0, &o, 0);
	struct pb eo = pass(&e, WAN, LAN);
	ck_addrs(&eo, HOP, A);
	struct pb in = quote_of(&eo);
	ck_addrs(&in, A, R1);
	ck_assert_uint_eq(sport(&in), 7000);
	/* and from the server itself: from the address A asked */
	e = err4(R2, PUB, 3, 3, &o, 0);
	eo = pass(&e, WAN, LAN);
	ck_addrs(&eo, R1, A);
	/* A's error about the answer: R2 hears it from the wan's address about its answer */
	e = err4(A, R1, 3, 3, &got, 0);
	eo = pass(&e, LAN, WAN);
	ck_addrs(&eo, PUB, R2);
	in = quote_of(&eo);
	ck_addrs(&in, R2, PUB);
	ck_assert_uint_eq(dport(&in), pa);
}
END_TEST

/* An ICMP error about a hairpinned packet is hairpinned too (RFC 5508): B's port
 * unreachable about A's datagram reaches A from B's outside address, quoting A's packet as
 * A sent it. */
START_TEST(icmp_error_hairpin)
{
	load(MASQ_EIF);
	struct pb qb = udp4(B, 5000, R1, 53);
	pass(&qb, LAN, WAN);
	struct pb h = udp4(A, 6000, PUB, 5000);
	struct pb got = pass(&h, LAN, LAN);
	ck_addrs(&got, PUB, B);
	ck_assert_uint_eq(sport(&got), 6000);
	struct pb e = err4(B, PUB, 3, 3, &got, 0);
	struct pb o = pass(&e, LAN, LAN);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_addrs(&o, PUB, A);
	struct pb in = quote_of(&o);
	ck_addrs(&in, A, PUB);
	ck_assert_uint_eq(sport(&in), 6000);
	ck_assert_uint_eq(dport(&in), 5000);
}
END_TEST

/* The router's own time exceeded (and fragmentation needed) about a packet it was
 * forwarding: built over the packet (pkt_answer_icmp), tracked, then nat_output. */
static struct pb router_error(const struct pb *f, int iif, uint8_t type, uint8_t code, const uint8_t *from,
			      enum nat_reason *rr)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ct_parse_prefetch_burst(ct, &p, &cp, 1, 0);
	ct_track_prefetched(ct, p, now, &cp);
	ck_assert_int_eq(nat_prerouting(&n, &nc, &cf, p, &cp, iif, now, &note), NAT_OK);
	ck_assert(pkt_answer_icmp(p, type, code, 0, from));
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &cp);
	*rr = nat_output(&n, p, &cp);
	if (*rr == NAT_OK)
		verify(p, "router error");
	struct pb o;
	snap(p, &o);
	pkt_free(p);
	return o;
}

START_TEST(router_time_exceeded)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting { iif wan tcp dport 8080 dnat to 10.0.0.20:80 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	enum nat_reason rr;
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	o = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&o);
	/* B's reply arrives with its TTL run out: the error goes back to R1 about the packet as
	 * R1 sent it */
	struct pb r = udp4(R1, 53, PUB, pb_);
	r.b[r.l3 + 8] = 1;
	pb_ip4_csum(r.b + r.l3, 20);
	o = router_error(&r, WAN, 11, 0, PUB, &rr);
	ck_assert_int_eq(rr, NAT_OK);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_addrs(&o, PUB, R1);
	struct pb in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(sport(&in), 53);
	ck_assert_uint_eq(dport(&in), pb_);
	/* a packet from inside: the error goes to B, quoting what B sent (untranslated) */
	struct pb q = udp4(B, 5000, R1, 53);
	q.b[q.l3 + 8] = 1;
	pb_ip4_csum(q.b + q.l3, 20);
	o = router_error(&q, LAN, 11, 0, LANIP, &rr);
	ck_assert_int_eq(rr, NAT_OK);
	ck_addrs(&o, LANIP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 5000);
	/* the server of an established port forward: its answer, too big for the way out */
	struct pb fs = tcp4(R2, 1234, PUB, 8080, SYN, 1, 0, 0);
	pass(&fs, WAN, LAN);
	struct pb fsa = tcp4(B, 80, R2, 1234, SYN | ACK, 50, 2, 0);
	pass(&fsa, LAN, WAN);
	struct pb fa = tcp4(R2, 1234, PUB, 8080, ACK, 2, 51, 0);
	fa.b[fa.l3 + 8] = 1;
	pb_ip4_csum(fa.b + fa.l3, 20);
	o = router_error(&fa, WAN, 11, 0, PUB, &rr);
	ck_assert_int_eq(rr, NAT_OK);
	ck_addrs(&o, PUB, R2);
	in = quote_of(&o);
	ck_addrs(&in, R2, PUB);
	ck_assert_uint_eq(sport(&in), 1234);
	ck_assert_uint_eq(dport(&in), 8080);
}
END_TEST

void nat_engine_in_tests(TCase *tc)
{
	tcase_add_test(tc, hairpin_mapping);
	tcase_add_test(tc, hairpin_port_forward);
	tcase_add_test(tc, dnat_port_range);
	tcase_add_test(tc, accept_exempts);
	tcase_add_test(tc, icmp_errors_from_outside);
	tcase_add_test(tc, icmp_error_from_inside);
	tcase_add_test(tc, icmp_error_too_short);
	tcase_add_test(tc, icmp_errors_port_forward);
	tcase_add_test(tc, dnat_and_snat);
	tcase_add_test(tc, icmp_error_hairpin);
	tcase_add_test(tc, router_time_exceeded);
}
