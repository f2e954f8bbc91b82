/* The load balancer's nat mode (lb_nat_new, lb_nat_established) over a real connection
 * table (cfg.nat on, no VLAN zones), each packet tracked by ct_track as the appliance's
 * prerouting hook sees it.
 *
 * This file proves: a connection's first packet gets Maglev's backend (by the connection's
 * hash), is committed with CT_F_NAT and CT_F_APP1 and the reply key toward the client, and
 * leaves with the backend's address and port; the backend's answers, found as replies
 * (direction 1), leave from the VIP and port; later packets follow either way; with snat,
 * fixed or the backend's source address, the client's address is hidden and the replies
 * come back to it; two clients with one source port through snat to one backend get two
 * ports; a reply key that clashes without snat, a full table and a service without
 * backends drop with their reasons, leaving no entry. Every packet let through has each
 * checksum checked by the naive sums. */
#include "lb_engine_fixture.h"

#include <string.h>

static uint64_t now;
static struct ct_pkt cp;                        /* the last packet's */

/* f as the prerouting hook takes it: tracked; a connection of the engine's translated, a
 * nat service's new one given its backend. The packet (the caller frees it); *ok whether
 * it goes on. */
static struct pkt_buf *xmit(const struct lb_set *s, const struct pb *f, bool *ok)
{
	struct pkt_buf *p = fx_pkt(f);
	ct_track(ct, p, now, &cp);
	if (cp.e && lb_nat_owns(cp.e)) {
		/* new until the backend answers (a retransmission), then established */
		ck_assert(cp.state == CT_S_NEW || cp.state == CT_S_ESTABLISHED);
		lb_nat_established(&eng, p, &cp);
		*ok = true;
		return p;
	}
	const struct pkt_flow_key *k = &cp.key;
	const struct lb_service *v = lb_find(s, k->dst, k->family, k->proto, k->dport);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(cp.state, CT_S_NEW);
	ck_assert_ptr_null(cp.e);
	*ok = lb_nat_new(&eng, s, v, p, &cp, now);
	return p;
}

/* f, which must go on: what leaves, its checksums checked. */
static struct pb pass(const struct lb_set *s, const struct pb *f)
{
	bool ok;
	struct pkt_buf *p = xmit(s, f, &ok);
	ck_assert_msg(ok, "dropped: %#x", p->verdict);
	ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
	fx_check(p, "out");
	struct pb o;
	pb_init(&o);
	memcpy(o.b, p->data, p->len);
	o.len = p->len;
	o.l3 = p->meta.l3_off;
	pkt_free(p);
	return o;
}

/* f, which must be dropped: its verdict. */
static uint16_t refused(const struct lb_set *s, const struct pb *f)
{
	bool ok;
	struct pkt_buf *p = xmit(s, f, &ok);
	ck_assert(!ok);
	uint16_t v = p->verdict;
	pkt_free(p);
	return v;
}

static const uint8_t *ipof(const struct pb *f) { return f->b + f->l3; }
static const uint8_t *l4of(const struct pb *f) { return f->b + f->l3 + (f->b[f->l3] & 15u) * 4u; }
static uint16_t sport(const struct pb *f) { return nv_rd16(l4of(f)); }
static uint16_t dport(const struct pb *f) { return nv_rd16(l4of(f) + 2); }

#define ck_from_to(f, s, sp, d, dp)                              \
	do {                                                     \
		ck_assert_mem_eq(ipof(f) + 12, (s), 4);          \
		ck_assert_uint_eq(sport(f), (sp));               \
		ck_assert_mem_eq(ipof(f) + 16, (d), 4);          \
		ck_assert_uint_eq(dport(f), (dp));               \
	} while (0)

static const uint8_t *const BES[3] = { BE1, BE2, BE3 };

/* A nat service "web" on VIP proto port over n backends b1.. (BE1.., port 8080, ids 50..). */
static struct lb_set *web(struct fx_svc *s, uint8_t proto, uint16_t port, unsigned n)
{
	fx_svc(s, "web", 4, VIP, proto, port, LBC_NAT, 9);
	char name[8] = "b1";
	for (unsigned i = 0; i < n; i++) {
		name[1] = (char)('1' + i);
		fx_be(s, name, 4, BES[i], 8080, (uint16_t)(50 + i), 100);
	}
	struct fx_svc *v[] = { s };
	return fx_build(v, 1);
}

/* The backend of svc Maglev gives the connection hash h. */
static const struct lb_backend *maglev_of(const struct lb_service *svc, uint32_t h)
{
	uint16_t i = lbm_lookup(svc->table, svc->m, h);
	ck_assert_uint_ne(i, LBM_EMPTY);
	return &svc->be[i];
}

static void nat_setup(void)
{
	now = FX_NOW;
}

/* A TCP connection through the whole handshake and data both ways. */
START_TEST(nat_tcp)
{
	struct fx_svc s;
	struct lb_set *set = web(&s, 6, 80, 3);
	const struct lb_service *svc = &set->svc[0];
	struct pb syn = fx_tcp4(CLI, 40000, VIP, 80, SYN, 1000, 0, 0);
	struct pb o = pass(set, &syn);
	const struct lb_backend *be = maglev_of(svc, cp.hash);
	ck_from_to(&o, CLI, 40000, be->addr, 8080);
	ck_assert_ptr_nonnull(cp.e);
	ck_assert_uint_eq(cp.e->flags & (CT_F_NAT | CT_F_APP1), CT_F_NAT | CT_F_APP1);
	ck_assert(lb_nat_owns(cp.e));
	struct ct_nat_tuple r;
	ct_nat_reply(cp.e, &r);
	ck_assert_mem_eq(r.src, be->addr, 4);
	ck_assert_uint_eq(r.sport, 8080);
	ck_assert_mem_eq(r.dst, CLI, 4);
	ck_assert_uint_eq(r.dport, 40000);
	ck_assert_uint_eq(ct_count(ct), 1);
	/* only the destination changed: the rest of the frame as it came */
	ck_assert_uint_eq(o.len, syn.len);
	ck_assert_mem_eq(o.b, syn.b, 14 + 10);
	ck_assert_mem_eq(o.b + 14 + 12, syn.b + 14 + 12, 4);
	ck_assert_mem_eq(l4of(&o) + 4, l4of(&syn) + 4, 12);
	/* the SYN again, before any answer: the same connection, the same backend */
	o = pass(set, &syn);
	ck_assert_uint_eq(cp.dir, 0);
	ck_from_to(&o, CLI, 40000, be->addr, 8080);
	ck_assert_uint_eq(ct_count(ct), 1);

	struct pb sa = fx_tcp4(be->addr, 8080, CLI, 40000, SYN | ACK, 5000, 1001, 0);
	o = pass(set, &sa);
	ck_assert_uint_eq(cp.dir, 1);
	ck_from_to(&o, VIP, 80, CLI, 40000);
	struct pb ack = fx_tcp4(CLI, 40000, VIP, 80, ACK, 1001, 5001, 0);
	o = pass(set, &ack);
	ck_assert_uint_eq(cp.dir, 0);
	ck_from_to(&o, CLI, 40000, be->addr, 8080);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_ESTABLISHED);
	struct pb d = fx_tcp4(CLI, 40000, VIP, 80, PSH | ACK, 1001, 5001, 100);
	o = pass(set, &d);
	ck_from_to(&o, CLI, 40000, be->addr, 8080);
	ck_assert_mem_eq(l4of(&o) + 20, l4of(&d) + 20, 100);
	struct pb d2 = fx_tcp4(be->addr, 8080, CLI, 40000, PSH | ACK, 5001, 1101, 301);
	o = pass(set, &d2);
	ck_from_to(&o, VIP, 80, CLI, 40000);
	ck_assert_uint_eq(ct_count(ct), 1);
	/* counted: one flow, six packets, all the backend's */
	ck_assert_uint_eq(eng.svc[9].flows, 1);
	ck_assert_uint_eq(eng.svc[9].pkts, 6);
	ck_assert_uint_eq(eng.svc[9].bytes, 60 + 60 + 60 + 60 + 154 + 355);
	ck_assert_uint_eq(eng.svc[9].dropped, 0);
	ck_assert_uint_eq(eng.be[be->id].flows, 1);
	ck_assert_uint_eq(eng.be[be->id].pkts, 6);
	/* a second client's connection goes by its own hash */
	struct pb syn2 = fx_tcp4(CLI2, 40001, VIP, 80, SYN, 77, 0, 0);
	o = pass(set, &syn2);
	ck_from_to(&o, CLI2, 40001, maglev_of(svc, cp.hash)->addr, 8080);
	ck_assert_uint_eq(ct_count(ct), 2);
	lb_set_free(set);
}
END_TEST

/* UDP both ways; a datagram without a checksum keeps none. */
START_TEST(nat_udp)
{
	struct fx_svc s;
	fx_svc(&s, "dns", 4, VIP, 17, 53, LBC_NAT, 9);
	fx_be(&s, "b1", 4, BE1, 5353, 60, 100);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	struct pb q = fx_udp4(CLI, 5000, VIP, 53, 40);
	struct pb o = pass(set, &q);
	ck_from_to(&o, CLI, 5000, BE1, 5353);
	o = pass(set, &q);                              /* again before the answer */
	ck_from_to(&o, CLI, 5000, BE1, 5353);
	ck_assert_uint_eq(ct_count(ct), 1);
	struct pb a = fx_udp4(BE1, 5353, CLI, 5000, 200);
	o = pass(set, &a);
	ck_assert_uint_eq(cp.dir, 1);
	ck_from_to(&o, VIP, 53, CLI, 5000);
	o = pass(set, &q);
	ck_from_to(&o, CLI, 5000, BE1, 5353);
	struct pb z = fx_udp4(CLI, 5001, VIP, 53, 40);
	z.b[z.l4 + 6] = z.b[z.l4 + 7] = 0;
	o = pass(set, &z);
	ck_from_to(&o, CLI, 5001, BE1, 5353);
	ck_assert_uint_eq(nv_rd16(l4of(&o) + 6), 0);
	struct pb az = fx_udp4(BE1, 5353, CLI, 5001, 20);
	az.b[az.l4 + 6] = az.b[az.l4 + 7] = 0;
	o = pass(set, &az);
	ck_from_to(&o, VIP, 53, CLI, 5001);
	ck_assert_uint_eq(nv_rd16(l4of(&o) + 6), 0);
	ck_assert_uint_eq(eng.svc[9].flows, 2);
	ck_assert_uint_eq(eng.be[60].pkts, 6);
	lb_set_free(set);
}
END_TEST

/* snat to a fixed address: the backend sees SNAT, its answer goes back to the client. */
START_TEST(nat_snat_fixed)
{
	struct fx_svc s;
	fx_svc(&s, "web", 4, VIP, 6, 80, LBC_NAT, 9);
	s.cfg.snat = true;
	s.cfg.snat_addr_set = true;
	memcpy(s.cfg.snat_addr, SNAT, 4);
	fx_be(&s, "b1", 4, BE1, 8080, 50, 100);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	struct pb syn = fx_tcp4(CLI, 40000, VIP, 80, SYN, 1000, 0, 0);
	struct pb o = pass(set, &syn);
	ck_from_to(&o, SNAT, 40000, BE1, 8080);        /* the client's port while it is free */
	struct ct_nat_tuple r;
	ct_nat_reply(cp.e, &r);
	ck_assert_mem_eq(r.dst, SNAT, 4);
	ck_assert_uint_eq(r.dport, 40000);
	struct pb sa = fx_tcp4(BE1, 8080, SNAT, 40000, SYN | ACK, 5000, 1001, 0);
	o = pass(set, &sa);
	ck_assert_uint_eq(cp.dir, 1);
	ck_from_to(&o, VIP, 80, CLI, 40000);
	struct pb d = fx_tcp4(CLI, 40000, VIP, 80, PSH | ACK, 1001, 5001, 64);
	o = pass(set, &d);
	ck_from_to(&o, SNAT, 40000, BE1, 8080);
	struct pb d2 = fx_tcp4(BE1, 8080, SNAT, 40000, PSH | ACK, 5001, 1065, 10);
	o = pass(set, &d2);
	ck_from_to(&o, VIP, 80, CLI, 40000);
	ck_assert_uint_eq(eng.snat_retries, 0);
	lb_set_free(set);
}
END_TEST

/* snat without an address: each backend's source (the appliance toward it). */
START_TEST(nat_snat_backend_src)
{
	static const uint8_t SRC1[4] = { 10, 1, 0, 3 }, SRC2[4] = { 10, 2, 0, 3 };
	struct fx_svc s;
	fx_svc(&s, "dns", 4, VIP, 17, 53, LBC_NAT, 9);
	s.cfg.snat = true;
	memcpy(fx_be(&s, "b1", 4, BE1, 0, 50, 100)->src, SRC1, 4);
	memcpy(fx_be(&s, "b2", 4, BE2, 0, 51, 100)->src, SRC2, 4);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	unsigned seen[2] = { 0 };
	for (uint16_t i = 0; i < 40; i++) {
		struct pb q = fx_udp4(CLI, (uint16_t)(6000 + i), VIP, 53, 12);
		struct pb o = pass(set, &q);
		const struct lb_backend *be = maglev_of(&set->svc[0], cp.hash);
		const uint8_t *src = be->id == 50 ? SRC1 : SRC2;
		ck_from_to(&o, src, 6000 + i, be->addr, 53);
		seen[be->id - 50]++;
		struct pb a = fx_udp4(be->addr, 53, src, (uint16_t)(6000 + i), 30);
		o = pass(set, &a);
		ck_from_to(&o, VIP, 53, CLI, 6000 + i);
	}
	ck_assert_uint_gt(seen[0], 0);
	ck_assert_uint_gt(seen[1], 0);
	lb_set_free(set);
}
END_TEST

/* Two clients, one source port, through snat to one backend: the second connection's
 * reply key would be the first's, so it gets another port; both answers find their
 * clients. */
START_TEST(nat_snat_clash)
{
	struct fx_svc s;
	fx_svc(&s, "web", 4, VIP, 6, 80, LBC_NAT, 9);
	s.cfg.snat = true;
	s.cfg.snat_addr_set = true;
	memcpy(s.cfg.snat_addr, SNAT, 4);
	fx_be(&s, "b1", 4, BE1, 8080, 50, 100);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	struct pb s1 = fx_tcp4(CLI, 40000, VIP, 80, SYN, 1000, 0, 0);
	struct pb o = pass(set, &s1);
	ck_from_to(&o, SNAT, 40000, BE1, 8080);
	struct pb s2 = fx_tcp4(CLI2, 40000, VIP, 80, SYN, 9000, 0, 0);
	o = pass(set, &s2);
	uint16_t p2 = sport(&o);
	ck_from_to(&o, SNAT, p2, BE1, 8080);
	ck_assert_uint_ne(p2, 40000);
	ck_assert_uint_ge(p2, 1024);
	ck_assert_uint_ge(eng.snat_retries, 1);
	ck_assert_uint_ge(ct_counters(ct)->nat_clash, 1);
	ck_assert_uint_eq(ct_count(ct), 2);
	struct pb a2 = fx_tcp4(BE1, 8080, SNAT, p2, SYN | ACK, 7000, 9001, 0);
	o = pass(set, &a2);
	ck_from_to(&o, VIP, 80, CLI2, 40000);
	struct pb a1 = fx_tcp4(BE1, 8080, SNAT, 40000, SYN | ACK, 5000, 1001, 0);
	o = pass(set, &a1);
	ck_from_to(&o, VIP, 80, CLI, 40000);
	struct pb d2 = fx_tcp4(CLI2, 40000, VIP, 80, ACK, 9001, 7001, 0);
	o = pass(set, &d2);
	ck_from_to(&o, SNAT, p2, BE1, 8080);
	ck_assert_uint_eq(eng.svc[9].flows, 2);
	lb_set_free(set);
}
END_TEST

/* Without snat, a client's connections to two VIPs that share a backend and port would
 * have one reply key: the second is dropped for clash, its entry gone. */
START_TEST(nat_clash_without_snat)
{
	struct fx_svc a, b;
	fx_svc(&a, "one", 4, VIP, 6, 80, LBC_NAT, 9);
	fx_be(&a, "b1", 4, BE1, 8080, 50, 100);
	fx_svc(&b, "two", 4, VIP2, 6, 80, LBC_NAT, 10);
	fx_be(&b, "b1", 4, BE1, 8080, 51, 100);
	struct fx_svc *v[] = { &a, &b };
	struct lb_set *set = fx_build(v, 2);
	struct pb s1 = fx_tcp4(CLI, 40000, VIP, 80, SYN, 1000, 0, 0);
	struct pb o = pass(set, &s1);
	ck_from_to(&o, CLI, 40000, BE1, 8080);
	struct pb s2 = fx_tcp4(CLI, 40000, VIP2, 80, SYN, 1000, 0, 0);
	ck_assert_uint_eq(refused(set, &s2), FX_DROPPED(LB_R_CLASH));
	ck_assert_ptr_null(cp.e);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(eng.svc[10].dropped, 1);
	ck_assert_uint_eq(eng.svc[10].flows, 0);
	ck_assert_uint_eq(eng.snat_retries, 0);
	/* from another port it goes */
	struct pb s3 = fx_tcp4(CLI, 40001, VIP2, 80, SYN, 1000, 0, 0);
	o = pass(set, &s3);
	ck_from_to(&o, CLI, 40001, BE1, 8080);
	lb_set_free(set);
}
END_TEST

/* A table of one connection, held (a reply seen): the next is dropped for ct_full. */
START_TEST(nat_ct_full)
{
	fx_ct(1);
	struct fx_svc s;
	fx_svc(&s, "dns", 4, VIP, 17, 53, LBC_NAT, 9);
	fx_be(&s, "b1", 4, BE1, 0, 50, 100);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	struct pb q = fx_udp4(CLI, 5000, VIP, 53, 10);
	struct pb o = pass(set, &q);
	ck_from_to(&o, CLI, 5000, BE1, 53);
	struct pb a = fx_udp4(BE1, 53, CLI, 5000, 10);
	o = pass(set, &a);
	ck_from_to(&o, VIP, 53, CLI, 5000);
	struct pb q2 = fx_udp4(CLI2, 5000, VIP, 53, 10);
	ck_assert_uint_eq(refused(set, &q2), FX_DROPPED(LB_R_CT_FULL));
	ck_assert_ptr_null(cp.e);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(eng.svc[9].dropped, 1);
	ck_assert_uint_eq(eng.svc[9].flows, 1);
	ck_assert_uint_eq(eng.svc[9].pkts, 3);
	/* the connection there goes on */
	o = pass(set, &q);
	ck_from_to(&o, CLI, 5000, BE1, 53);
	lb_set_free(set);
}
END_TEST

/* No backend that takes connections: dropped for no_backend, nothing committed. */
START_TEST(nat_no_backend)
{
	struct fx_svc s;
	fx_svc(&s, "web", 4, VIP, 6, 80, LBC_NAT, 9);
	fx_be(&s, "b1", 4, BE1, 8080, 50, 0);
	fx_be(&s, "b2", 4, BE2, 8080, 51, 100)->state = LB_BE_DOWN;
	fx_be(&s, "b3", 4, BE3, 8080, 52, 100)->state = LB_BE_DRAIN;
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	struct pb syn = fx_tcp4(CLI, 40000, VIP, 80, SYN, 1000, 0, 0);
	ck_assert_uint_eq(refused(set, &syn), FX_DROPPED(LB_R_NO_BACKEND));
	ck_assert_ptr_null(cp.e);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(eng.svc[9].dropped, 1);
	ck_assert_uint_eq(eng.svc[9].pkts, 1);
	ck_assert_uint_eq(eng.svc[9].flows, 0);
	lb_set_free(set);
}
END_TEST

/* The connection is the affinity: a backend drained (a new set) keeps its connection, and
 * new ones go to the others. */
START_TEST(nat_drain_keeps_connection)
{
	struct fx_svc s;
	struct lb_set *a = web(&s, 6, 80, 2);
	struct pb syn = fx_tcp4(CLI, 40000, VIP, 80, SYN, 1000, 0, 0);
	struct pb o = pass(a, &syn);
	const struct lb_backend *be = maglev_of(&a->svc[0], cp.hash);
	uint16_t id = be->id;
	uint8_t addr[4];
	memcpy(addr, be->addr, 4);
	s.be[id - 50].state = LB_BE_DRAIN;
	struct fx_svc *v[] = { &s };
	struct lb_set *b = fx_build(v, 1);
	lb_set_free(a);
	struct pb sa = fx_tcp4(addr, 8080, CLI, 40000, SYN | ACK, 5000, 1001, 0);
	o = pass(b, &sa);
	ck_from_to(&o, VIP, 80, CLI, 40000);
	struct pb ack = fx_tcp4(CLI, 40000, VIP, 80, ACK, 1001, 5001, 0);
	o = pass(b, &ack);
	ck_from_to(&o, CLI, 40000, addr, 8080);
	for (uint16_t i = 0; i < 20; i++) {
		struct pb n = fx_tcp4(CLI2, (uint16_t)(30000 + i), VIP, 80, SYN, 1, 0, 0);
		o = pass(b, &n);
		ck_assert_mem_ne(ipof(&o) + 16, addr, 4);
	}
	ck_assert_uint_eq(eng.be[id].flows, 1);
	ck_assert_uint_eq(eng.be[id].pkts, 3);
	lb_set_free(b);
}
END_TEST

void lb_engine_nat_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, nat_setup, NULL);
	tcase_add_test(tc, nat_tcp);
	tcase_add_test(tc, nat_udp);
	tcase_add_test(tc, nat_snat_fixed);
	tcase_add_test(tc, nat_snat_backend_src);
	tcase_add_test(tc, nat_snat_clash);
	tcase_add_test(tc, nat_clash_without_snat);
	tcase_add_test(tc, nat_ct_full);
	tcase_add_test(tc, nat_no_backend);
	tcase_add_test(tc, nat_drain_keeps_connection);
}
