/* The load balancer engine's packet path (lb/lb.h), through its public API only, over
 * sets built by lb_set_build from services filled by hand.
 *
 * This file proves: lb_find finds a service by (vip, family, proto, port), IPv4 and IPv6,
 * and nothing for another port, protocol or family, also with 64 services whose slot
 * hashes all collide; lb_set_build refuses a bad table without leaking; lb_dsr_pick gives
 * a flow's first packet Maglev's backend and remembers it, so that its later packets, and
 * flows whose Maglev entry moved when a backend was added, keep their backend; only a
 * removed or down backend's flows move, a draining one keeps its flows and takes no new
 * one; a service with no backend to take flows drops with its reason, counted; the
 * counters; a flow idle for less than its timeout keeps its backend, even when its last
 * packet came late in a 1,024 ms tick; a SYN takes Maglev's backend.
 *
 * test_lb_engine_encap.c: the tunnels. test_lb_engine_nat.c: the nat mode over a real
 * connection table. lb_engine_fixture.c: services, frames and the naive checks. */
#include "lb_engine_fixture.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static uint64_t now = FX_NOW;

static const uint8_t *const BES[5] = { BE1, BE2, BE3, BE4, BE5 };

static void setup(void)
{
	fx_setup();
	now = FX_NOW;
}

/* A dsr service on VIP tcp 80 with n backends b1..bn (BE1.., ids 10.., weight 100). */
static void dsr_web(struct fx_svc *s, unsigned n)
{
	fx_svc(s, "web", 4, VIP, 6, 80, LBC_DSR, 5);
	char name[16];
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "b%u", i + 1);
		fx_be(s, name, 4, BES[i], 0, (uint16_t)(10 + i), 100);
	}
}

/* Flow i: a client address and port of its own, to VIP:80. */
static struct pb flow_frame(unsigned i, unsigned payload)
{
	uint8_t src[4] = { 198, 18, (uint8_t)(i >> 8), (uint8_t)i };
	return fx_tcp4(src, (uint16_t)(1024 + i % 50000), VIP, 80, ACK, 1000, 1, payload);
}

/* What lb_dsr_pick made of a packet: the backend's id (LB_NONE: dropped), the id Maglev's
 * table of the set gives the flow (the engine's hash: the tag's high word), the tag, the
 * verdict. */
struct pick {
	uint16_t id, maglev, verdict;
	uint64_t tag;
};

static struct pick pick_frame(const struct lb_set *s, const struct pb *f)
{
	struct pkt_buf *p = fx_pkt(f);
	struct pkt_flow_key k;
	CHECK(pkt_flow_key(p, &k), "a flow key");
	const struct lb_service *v = lb_find(s, k.dst, k.family, k.proto, k.dport);
	CHECK(v != NULL, "the service");
	struct pick r = { .id = LB_NONE, .tag = lbf_tag(&k) };
	uint16_t mi = lbm_lookup(v->table, v->m, (uint32_t)(r.tag >> 32));
	r.maglev = mi == LBM_EMPTY ? LB_NONE : v->be[mi].id;
	const struct lb_backend *be = NULL;
	if (lb_dsr_pick(&eng, s, v, p, &k, r.tag, now, &be)) {
		CHECK(be >= v->be && be < v->be + v->n_be, "a backend of the service in this set");
		r.id = be->id;
	}
	r.verdict = p->verdict;
	pkt_free(p);
	return r;
}

static struct pick pick(const struct lb_set *s, unsigned i)
{
	struct pb f = flow_frame(i, 0);
	return pick_frame(s, &f);
}

/* The backend id Maglev's table of s gives flow i, without a pick. */
static uint16_t maglev_id(const struct lb_set *s, unsigned i)
{
	struct pb f = flow_frame(i, 0);
	struct pkt_buf *p = fx_pkt(&f);
	struct pkt_flow_key k;
	CHECK(pkt_flow_key(p, &k), "a flow key");
	pkt_free(p);
	const struct lb_service *v = lb_find(s, k.dst, k.family, k.proto, k.dport);
	CHECK(v != NULL, "the service");
	uint16_t mi = lbm_lookup(v->table, v->m, (uint32_t)(lbf_tag(&k) >> 32));
	return mi == LBM_EMPTY ? LB_NONE : v->be[mi].id;
}

/* ---- lb_find ---- */

static void vip16(uint8_t out[16], const uint8_t *a, uint8_t family)
{
	memset(out, 0, 16);
	memcpy(out, a, family == 6 ? 16 : 4);
}

START_TEST(find_services)
{
	struct fx_svc a, b, c, d;
	fx_svc(&a, "web", 4, VIP, 6, 80, LBC_DSR, 1);
	fx_svc(&b, "dns", 4, VIP, 17, 53, LBC_NAT, 2);
	fx_svc(&c, "web6", 6, VIP6, 6, 443, LBC_DSR, 3);
	fx_svc(&d, "web2", 4, VIP2, 6, 80, LBC_NAT, 4);
	fx_be(&a, "b1", 4, BE1, 0, 1, 100);
	fx_be(&c, "b1", 6, BE6, 0, 2, 100);
	struct fx_svc *v[] = { &a, &b, &c, &d };
	struct lb_set *s = fx_build(v, 4);
	uint8_t k[16];
	vip16(k, VIP, 4);
	const struct lb_service *x = lb_find(s, k, 4, 6, 80);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->id, 1);
	ck_assert_uint_eq(x->mode, LBC_DSR);
	ck_assert_uint_eq(x->n_be, 1);
	x = lb_find(s, k, 4, 17, 53);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->id, 2);
	ck_assert_ptr_null(lb_find(s, k, 4, 6, 81));            /* another port */
	ck_assert_ptr_null(lb_find(s, k, 4, 17, 80));           /* another protocol */
	ck_assert_ptr_null(lb_find(s, k, 4, 6, 53));
	ck_assert_ptr_null(lb_find(s, k, 6, 6, 80));            /* the same bytes as IPv6 */
	vip16(k, VIP2, 4);
	x = lb_find(s, k, 4, 6, 80);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->id, 4);
	ck_assert_ptr_null(lb_find(s, k, 4, 17, 53));
	vip16(k, VIP6, 6);
	x = lb_find(s, k, 6, 6, 443);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->id, 3);
	ck_assert_uint_eq(x->family, 6);
	ck_assert_ptr_null(lb_find(s, k, 4, 6, 443));           /* the same bytes as IPv4 */
	ck_assert_ptr_null(lb_find(s, k, 6, 17, 443));
	ck_assert_ptr_null(lb_find(s, k, 6, 6, 80));
	vip16(k, CLI, 4);
	ck_assert_ptr_null(lb_find(s, k, 4, 6, 80));            /* another address */
	/* the keys of real packets, as the stage makes them */
	struct fx_pkt d6 = { .family = 6, .proto = 6, .src = CLI6, .dst = VIP6, .sport = 5000, .dport = 443,
			     .flags = SYN };
	struct pb f6 = fx_frame(&d6), f4 = fx_udp4(CLI, 5000, VIP, 53, 10);
	const struct pb *fr[2] = { &f6, &f4 };
	for (unsigned i = 0; i < 2; i++) {
		struct pkt_buf *p = fx_pkt(fr[i]);
		struct pkt_flow_key key;
		ck_assert(pkt_flow_key(p, &key));
		x = lb_find(s, key.dst, key.family, key.proto, key.dport);
		ck_assert_ptr_nonnull(x);
		ck_assert_uint_eq(x->id, i ? 2 : 3);
		pkt_free(p);
	}
	lb_set_free(s);
}
END_TEST

/* Candidate c of the collision search: IPv4 and IPv6 VIPs, tcp and udp, many ports. */
static void candidate(uint32_t c, uint8_t vip[16], uint8_t *family, uint8_t *proto, uint16_t *port)
{
	*family = c % 3 == 0 ? 6 : 4;
	*proto = c & 1 ? 17 : 6;
	*port = (uint16_t)(1000 + c % 50000);
	uint8_t a4[4] = { 10, 9, (uint8_t)(c >> 8), (uint8_t)c };
	uint8_t a6[16];
	memcpy(a6, VIP6, 16);
	a6[14] = (uint8_t)(c >> 8);
	a6[15] = (uint8_t)c;
	vip16(vip, *family == 6 ? a6 : a4, *family);
}

/* 64 services (a config's most) all hashing to one slot: one run of 64 slots, every
 * service found at the end of its probe, and a key of the same hash that is no service's
 * walks the run to the free slot. */
START_TEST(find_colliding_slots)
{
	static struct fx_svc s[LBC_MAX_SERVICES + 1];
	struct fx_svc *v[LBC_MAX_SERVICES];
	uint8_t k[16];
	vip16(k, VIP, 4);
	uint32_t target = lb_slot_hash(k, 6, 80);
	unsigned n = 0;
	for (uint32_t c = 0; c < 65536 && n < LBC_MAX_SERVICES + 1; c++) {
		uint8_t vip[16], family, proto;
		uint16_t port;
		candidate(c, vip, &family, &proto, &port);
		if (lb_slot_hash(vip, proto, port) != target)
			continue;
		char name[16];
		snprintf(name, sizeof(name), "s%u", n);
		fx_svc(&s[n], name, family, vip, proto, port, n & 1 ? LBC_NAT : LBC_DSR, (uint16_t)n);
		s[n].cfg.table_size = 7;
		fx_be(&s[n], "b", family, family == 6 ? BE6 : BE1, 0, (uint16_t)n, 1);
		n++;
	}
	ck_assert_uint_eq(n, LBC_MAX_SERVICES + 1);     /* 64, and one more left out */
	for (unsigned i = 0; i < LBC_MAX_SERVICES; i++)
		v[i] = &s[i];
	struct lb_set *set = fx_build(v, LBC_MAX_SERVICES);
	unsigned used = 0;
	for (unsigned i = 0; i < LB_SLOTS; i++)
		used += set->slot[i] != LB_NONE;
	ck_assert_uint_eq(used, LBC_MAX_SERVICES);
	for (unsigned i = 0; i < LBC_MAX_SERVICES; i++) {
		const struct lbc_service *c = &s[i].cfg;
		const struct lb_service *x = lb_find(set, c->vip, c->family, c->proto, c->port);
		ck_assert_msg(x != NULL, "service %u not found", i);
		ck_assert_uint_eq(x->id, i);
		ck_assert_mem_eq(x->vip, c->vip, 16);
		/* the same with one thing changed is no service's */
		ck_assert_ptr_null(lb_find(set, c->vip, c->family == 4 ? 6 : 4, c->proto, c->port));
		ck_assert_ptr_null(lb_find(set, c->vip, c->family, c->proto == 6 ? 17 : 6, c->port));
		ck_assert_ptr_null(lb_find(set, c->vip, c->family, c->proto, (uint16_t)(c->port + 1)));
	}
	const struct lbc_service *out = &s[LBC_MAX_SERVICES].cfg;
	ck_assert_ptr_null(lb_find(set, out->vip, out->family, out->proto, out->port));
	lb_set_free(set);
}
END_TEST

/* A Maglev table that cannot be built: no set, why in err, nothing leaked (ASan). */
START_TEST(set_build_refused)
{
	struct fx_svc a, b;
	dsr_web(&a, 2);
	fx_svc(&b, "bad", 4, VIP2, 6, 80, LBC_DSR, 6);
	fx_be(&b, "b1", 4, BE1, 0, 30, 100);
	b.cfg.table_size = 65536;                       /* not a prime */
	a.cfg.backend = a.bcfg;
	b.cfg.backend = b.bcfg;
	struct lb_set_input in[2] = {
		{ .cfg = &a.cfg, .id = a.id, .be = a.be, .flow_timeout_s = 300 },
		{ .cfg = &b.cfg, .id = b.id, .be = b.be, .flow_timeout_s = 300 },
	};
	char err[160] = "";
	ck_assert_ptr_null(lb_set_build(in, 2, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "service bad"));
	/* and none at all is an empty set */
	struct lb_set *s = lb_set_build(in, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	uint8_t k[16];
	vip16(k, VIP, 4);
	ck_assert_ptr_null(lb_find(s, k, 4, 6, 80));
	lb_set_free(s);
}
END_TEST

/* ---- lb_dsr_pick ---- */

START_TEST(dsr_first_packet_maglev)
{
	struct fx_svc s;
	dsr_web(&s, 4);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	enum { N = 4000 };
	unsigned per[4] = { 0 };
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(set, i);
		CHECK(r.id != LB_NONE && r.id == r.maglev, "flow %u: backend %u, Maglev's %u", i, r.id, r.maglev);
		CHECK(r.verdict == PKT_V_CONTINUE, "flow %u: verdict %#x", i, r.verdict);
		per[r.id - 10]++;
	}
	/* each of four equal backends about a quarter */
	for (unsigned b = 0; b < 4; b++)
		ck_assert_msg(per[b] > N / 4 * 8 / 10 && per[b] < N / 4 * 12 / 10, "backend %u: %u of %u", b, per[b], N);
	ck_assert_uint_eq(eng.svc[5].flows, N);
	ck_assert_uint_eq(eng.svc[5].pkts, N);
	ck_assert_uint_eq(eng.flows->c.inserted, N);
	ck_assert_uint_eq(eng.flows->c.misses, N);
	ck_assert_uint_eq(eng.flows->c.evicted, 0);
	lb_set_free(set);
}
END_TEST

/* Later packets are the table's: counted as hits, no new flow; the table says which. */
START_TEST(dsr_later_packets_hit_table)
{
	struct fx_svc s;
	dsr_web(&s, 3);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	struct pick first = pick(set, 7);
	ck_assert_uint_eq(first.id, first.maglev);
	for (unsigned k = 0; k < 5; k++) {
		struct pick r = pick(set, 7);
		ck_assert_uint_eq(r.id, first.id);
	}
	ck_assert_uint_eq(eng.flows->c.inserted, 1);
	ck_assert_uint_eq(eng.flows->c.hits, 5);
	ck_assert_uint_eq(eng.svc[5].flows, 1);
	ck_assert_uint_eq(eng.svc[5].pkts, 6);
	ck_assert_uint_eq(eng.be[first.id].flows, 1);
	ck_assert_uint_eq(eng.be[first.id].pkts, 6);
	struct lbf_way *w = lbf_find(eng.flows, first.tag, lbf_ticks(now), 1000);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(w->backend, first.id);
	ck_assert_uint_eq(w->sport, 1024 + 7);
	lb_set_free(set);
}
END_TEST

/* A backend removed: its flows move (to Maglev's choice in the new set), every other flow
 * keeps its backend, and no flow, old or new, goes to it again. */
START_TEST(dsr_backend_removed)
{
	struct fx_svc s;
	dsr_web(&s, 4);
	struct fx_svc *v[] = { &s };
	struct lb_set *a = fx_build(v, 1);
	enum { N = 3000 };
	static uint16_t was[N];
	unsigned on3 = 0;
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(a, i);
		CHECK(r.id == r.maglev, "flow %u", i);
		was[i] = r.id;
		on3 += r.id == 12;
	}
	ck_assert_uint_gt(on3, N / 8);
	fx_be_del(&s, 2);                               /* b3, id 12 */
	struct lb_set *b = fx_build(v, 1);
	lb_set_free(a);
	unsigned moved = 0;
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(b, i);
		if (was[i] == 12) {
			CHECK(r.id != 12 && r.id != LB_NONE && r.id == r.maglev, "flow %u of b3 went to %u (Maglev %u)", i,
			      r.id, r.maglev);
			moved++;
		} else {
			CHECK(r.id == was[i], "flow %u of %u moved to %u", i, was[i], r.id);
		}
	}
	ck_assert_uint_eq(moved, on3);
	ck_assert_uint_eq(eng.svc[5].flows, N + on3);   /* a moved flow is a new one for its backend */
	/* the moved flows stay where they went */
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(b, i);
		CHECK(r.id != 12 && (was[i] == 12 || r.id == was[i]), "flow %u", i);
	}
	for (unsigned i = N; i < 2 * N; i++) {
		struct pick r = pick(b, i);
		CHECK(r.id != 12 && r.id == r.maglev, "new flow %u to %u", i, r.id);
	}
	ck_assert_uint_eq(eng.flows->c.evicted, 0);
	lb_set_free(b);
}
END_TEST

/* A backend added to a pool of four: Maglev gives it about a fifth of the entries, some of
 * them other backends' flows; those flows keep their backend, new ones follow Maglev. When
 * the flows expire they follow Maglev too. */
START_TEST(dsr_backend_added_affinity)
{
	struct fx_svc s;
	dsr_web(&s, 4);
	struct fx_svc *v[] = { &s };
	struct lb_set *a = fx_build(v, 1);
	enum { N = 4000 };
	static uint16_t was[N];
	for (unsigned i = 0; i < N; i++)
		was[i] = pick(a, i).id;
	fx_be(&s, "b5", 4, BE5, 0, 14, 100);
	struct lb_set *b = fx_build(v, 1);
	lb_set_free(a);
	unsigned changed = 0, to_new = 0;
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(b, i);
		CHECK(r.id == was[i], "flow %u of %u moved to %u (Maglev %u)", i, was[i], r.id, r.maglev);
		changed += r.maglev != was[i];
		to_new += r.maglev == 14;
	}
	ck_assert_msg(changed > N / 10 && changed < N / 3, "%u of %u flows' Maglev entries changed", changed, N);
	ck_assert_uint_ge(changed, to_new);
	ck_assert_uint_eq(eng.be[14].flows, 0);
	unsigned new5 = 0;
	for (unsigned i = N; i < 2 * N; i++) {
		struct pick r = pick(b, i);
		CHECK(r.id == r.maglev, "new flow %u", i);
		new5 += r.id == 14;
	}
	ck_assert_uint_gt(new5, N / 10);
	/* past the flow timeout (300 s) the table forgets: Maglev's again */
	now += 310 * 1000;
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(b, i);
		CHECK(r.id == r.maglev, "expired flow %u", i);
	}
	lb_set_free(b);
}
END_TEST

/* A flow idle for less than its service's flow timeout keeps its backend, however late in
 * the engine's 1,024 ms tick its last packet came. Here a backend is added between two
 * packets of a flow whose Maglev entry that moves: with a 1 s timeout the flow is idle
 * 100 ms, with 30 s (UDP's default) 29.8 s. */
START_TEST(dsr_flow_timeout_whole)
{
	static const struct { uint32_t timeout_s, idle_ms; } c[2] = { { 1, 100 }, { 30, 29800 } };
	char why[2][128] = { "", "" };
	unsigned i = 0;
	for (unsigned t = 0; t < 2; t++) {
		struct fx_svc s;
		dsr_web(&s, 4);
		s.flow_timeout_s = c[t].timeout_s;
		struct fx_svc *v[] = { &s };
		struct lb_set *a = fx_build(v, 1);
		fx_be(&s, "b5", 4, BE5, 0, 14, 100);
		struct lb_set *b = fx_build(v, 1);
		while (maglev_id(a, i) == maglev_id(b, i))      /* a flow Maglev moves */
			i++;
		now = 977 * 1024 - 1;                           /* the last ms of a tick */
		struct pick first = pick(a, i);
		now += c[t].idle_ms;
		struct pick r = pick(b, i);
		if (r.id != first.id)
			snprintf(why[t], sizeof(why[t]), "idle %u ms of a %u s timeout, moved from backend %u to %u; ",
				 c[t].idle_ms, c[t].timeout_s, first.id, r.id);
		lb_set_free(a);
		lb_set_free(b);
		i++;
	}
	ck_assert_msg(!why[0][0] && !why[1][0], "flows expired early: %s%s", why[0], why[1]);
}
END_TEST

/* Draining: its flows stay, it takes no new one. */
START_TEST(dsr_drain)
{
	struct fx_svc s;
	dsr_web(&s, 4);
	struct fx_svc *v[] = { &s };
	struct lb_set *a = fx_build(v, 1);
	enum { N = 2000 };
	static uint16_t was[N];
	unsigned on2 = 0;
	for (unsigned i = 0; i < N; i++) {
		was[i] = pick(a, i).id;
		on2 += was[i] == 11;
	}
	s.be[1].state = LB_BE_DRAIN;
	struct lb_set *b = fx_build(v, 1);
	lb_set_free(a);
	ck_assert_uint_eq(b->svc[0].n_be, 4);
	ck_assert_uint_eq(b->svc[0].n_take, 3);
	uint64_t before = eng.be[11].flows;
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(b, i);
		CHECK(r.id == was[i], "flow %u of %u moved to %u", i, was[i], r.id);
	}
	ck_assert_uint_gt(on2, 0);
	ck_assert_uint_eq(eng.be[11].pkts, 2 * on2);
	for (unsigned i = N; i < 2 * N; i++) {
		struct pick r = pick(b, i);
		CHECK(r.id != 11 && r.id == r.maglev, "new flow %u to %u", i, r.id);
	}
	ck_assert_uint_eq(eng.be[11].flows, before);
	lb_set_free(b);
}
END_TEST

/* A SYN opens a new connection on its addresses and ports: it takes Maglev's backend, not
 * the one an earlier connection on the same tuple had (a client reuses its ports, and dsr
 * never sees a connection end); the packets after it follow it. */
START_TEST(dsr_syn_repicks)
{
	struct fx_svc s;
	dsr_web(&s, 4);
	struct fx_svc *v[] = { &s };
	struct lb_set *a = fx_build(v, 1);
	enum { N = 400 };
	static uint16_t was[N];
	for (unsigned i = 0; i < N; i++)
		was[i] = pick(a, i).id;
	s.be[1].state = LB_BE_DRAIN;
	struct lb_set *b = fx_build(v, 1);
	lb_set_free(a);
	unsigned moved = 0;
	for (unsigned i = 0; i < N; i++) {
		uint8_t src[4] = { 198, 18, (uint8_t)(i >> 8), (uint8_t)i };
		struct pb syn = fx_tcp4(src, (uint16_t)(1024 + i % 50000), VIP, 80, SYN, 5000, 0, 0);
		struct pick r = pick_frame(b, &syn);
		CHECK(r.id == r.maglev && r.id != 11, "flow %u's SYN to %u (Maglev %u)", i, r.id, r.maglev);
		moved += was[i] == 11;
		CHECK(pick(b, i).id == r.id, "flow %u's next packet left its SYN's backend", i);
	}
	ck_assert_uint_gt(moved, 0);
	lb_set_free(b);
}
END_TEST

/* Down: its flows move to the others; back up, the moved flows stay where they went. */
START_TEST(dsr_down)
{
	struct fx_svc s;
	dsr_web(&s, 4);
	struct fx_svc *v[] = { &s };
	struct lb_set *a = fx_build(v, 1);
	enum { N = 2000 };
	static uint16_t was[N], now_at[N];
	unsigned on2 = 0;
	for (unsigned i = 0; i < N; i++) {
		was[i] = pick(a, i).id;
		on2 += was[i] == 11;
	}
	ck_assert_uint_gt(on2, 0);
	s.be[1].state = LB_BE_DOWN;
	struct lb_set *b = fx_build(v, 1);
	lb_set_free(a);
	unsigned moved = 0;
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(b, i);
		if (was[i] == 11) {
			CHECK(r.id != 11 && r.id != LB_NONE && r.id == r.maglev, "flow %u of b2 to %u", i, r.id);
			moved++;
		} else {
			CHECK(r.id == was[i], "flow %u of %u moved to %u", i, was[i], r.id);
		}
		now_at[i] = r.id;
	}
	ck_assert_uint_eq(moved, on2);
	for (unsigned i = N; i < 2 * N; i++)
		CHECK(pick(b, i).id != 11, "new flow %u to the down backend", i);
	s.be[1].state = LB_BE_UP;
	struct lb_set *c = fx_build(v, 1);
	lb_set_free(b);
	for (unsigned i = 0; i < N; i++) {
		struct pick r = pick(c, i);
		CHECK(r.id == now_at[i], "flow %u of %u moved to %u", i, now_at[i], r.id);
	}
	lb_set_free(c);
}
END_TEST

static void expect_no_backend(const struct lb_set *s, unsigned flow, uint64_t dropped)
{
	struct pick r = pick(s, flow);
	ck_assert_uint_eq(r.id, LB_NONE);
	ck_assert_uint_eq(r.verdict, FX_DROPPED(LB_R_NO_BACKEND));
	ck_assert_uint_eq(eng.svc[5].dropped, dropped);
}

/* No backend that takes flows: dropped for no_backend, counted. */
START_TEST(dsr_no_backend)
{
	struct fx_svc s;
	fx_svc(&s, "web", 4, VIP, 6, 80, LBC_DSR, 5);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);                   /* none at all */
	expect_no_backend(set, 1, 1);
	lb_set_free(set);
	fx_be(&s, "b1", 4, BE1, 0, 10, 0);                     /* weight 0 */
	fx_be(&s, "b2", 4, BE2, 0, 11, 0);
	set = fx_build(v, 1);
	ck_assert_uint_eq(set->svc[0].n_take, 0);
	expect_no_backend(set, 2, 2);
	lb_set_free(set);
	s.be[0].weight = s.bcfg[0].weight = 100;              /* down, and draining */
	s.be[0].state = LB_BE_DOWN;
	s.be[1].weight = s.bcfg[1].weight = 100;
	s.be[1].state = LB_BE_DRAIN;
	set = fx_build(v, 1);
	expect_no_backend(set, 3, 3);
	lb_set_free(set);
	ck_assert_uint_eq(eng.svc[5].pkts, 3);
	ck_assert_uint_eq(eng.svc[5].flows, 0);
	ck_assert_uint_eq(eng.flows->c.inserted, 0);
	/* a flow on b1 while it was up goes on while b1 drains... */
	s.be[0].state = LB_BE_UP;
	s.be[1].state = LB_BE_UP;
	s.be[1].weight = s.bcfg[1].weight = 0;
	set = fx_build(v, 1);
	ck_assert_uint_eq(pick(set, 9).id, 10);
	lb_set_free(set);
	s.be[0].state = LB_BE_DRAIN;
	set = fx_build(v, 1);
	ck_assert_uint_eq(pick(set, 9).id, 10);
	expect_no_backend(set, 10, 4);                     /* ...while a new one has nowhere to go */
	lb_set_free(set);
	/* ...and is dropped once b1 is down */
	s.be[0].state = LB_BE_DOWN;
	set = fx_build(v, 1);
	expect_no_backend(set, 9, 5);
	lb_set_free(set);
}
END_TEST

/* The counters: the service's packets, bytes, flows; each backend's. */
START_TEST(dsr_counters)
{
	struct fx_svc s;
	dsr_web(&s, 2);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	struct pb f0 = flow_frame(1, 0), f1 = flow_frame(1, 100), g0 = flow_frame(2, 0);
	ck_assert_uint_eq(f0.len, 60);
	ck_assert_uint_eq(f1.len, 154);
	struct pick a = pick_frame(set, &f0), a2 = pick_frame(set, &f1), a3 = pick_frame(set, &f1);
	struct pick b = pick_frame(set, &g0);
	ck_assert_uint_eq(a2.id, a.id);
	ck_assert_uint_eq(a3.id, a.id);
	ck_assert_uint_eq(eng.svc[5].pkts, 4);
	ck_assert_uint_eq(eng.svc[5].bytes, 60 + 154 + 154 + 60);
	ck_assert_uint_eq(eng.svc[5].flows, 2);
	ck_assert_uint_eq(eng.svc[5].dropped, 0);
	if (a.id == b.id) {
		ck_assert_uint_eq(eng.be[a.id].flows, 2);
		ck_assert_uint_eq(eng.be[a.id].pkts, 4);
		ck_assert_uint_eq(eng.be[a.id].bytes, 428);
	} else {
		ck_assert_uint_eq(eng.be[a.id].flows, 1);
		ck_assert_uint_eq(eng.be[a.id].pkts, 3);
		ck_assert_uint_eq(eng.be[a.id].bytes, 368);
		ck_assert_uint_eq(eng.be[b.id].flows, 1);
		ck_assert_uint_eq(eng.be[b.id].pkts, 1);
		ck_assert_uint_eq(eng.be[b.id].bytes, 60);
	}
	ck_assert_uint_eq(eng.encapsulated, 0);
	lb_set_free(set);
}
END_TEST

/* An IPv6 service: the same flow keeps its backend, and each goes by Maglev. */
START_TEST(dsr_ipv6)
{
	struct fx_svc s;
	fx_svc(&s, "web6", 6, VIP6, 17, 443, LBC_DSR, 7);
	uint8_t b2[16];
	memcpy(b2, BE6, 16);
	b2[15]++;
	fx_be(&s, "b1", 6, BE6, 0, 40, 100);
	fx_be(&s, "b2", 6, b2, 0, 41, 100);
	struct fx_svc *v[] = { &s };
	struct lb_set *set = fx_build(v, 1);
	unsigned per[2] = { 0 };
	for (unsigned i = 0; i < 400; i++) {
		uint8_t src[16];
		memcpy(src, CLI6, 16);
		src[15] = (uint8_t)i;
		src[14] = (uint8_t)(i >> 8);
		struct fx_pkt d = { .family = 6, .proto = 17, .src = src, .dst = VIP6, .sport = 5000, .dport = 443,
				    .payload = 30 };
		struct pb f = fx_frame(&d);
		struct pick r = pick_frame(set, &f), r2 = pick_frame(set, &f);
		CHECK(r.id == r.maglev && r2.id == r.id, "flow %u: %u, %u (Maglev %u)", i, r.id, r2.id, r.maglev);
		per[r.id - 40]++;
	}
	ck_assert_uint_gt(per[0], 120);
	ck_assert_uint_gt(per[1], 120);
	ck_assert_uint_eq(eng.svc[7].flows, 400);
	ck_assert_uint_eq(eng.svc[7].pkts, 800);
	lb_set_free(set);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_engine");
	TCase *tc = tcase_create("find");
	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, find_services);
	tcase_add_test(tc, find_colliding_slots);
	tcase_add_test(tc, set_build_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("dsr");
	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, dsr_first_packet_maglev);
	tcase_add_test(tc, dsr_later_packets_hit_table);
	tcase_add_test(tc, dsr_backend_removed);
	tcase_add_test(tc, dsr_backend_added_affinity);
	tcase_add_test(tc, dsr_drain);
	tcase_add_test(tc, dsr_syn_repicks);
	tcase_add_test(tc, dsr_down);
	tcase_add_test(tc, dsr_no_backend);
	tcase_add_test(tc, dsr_counters);
	tcase_add_test(tc, dsr_ipv6);
	tcase_add_test(tc, dsr_flow_timeout_whole);
	suite_add_tcase(s, tc);

	tc = tcase_create("encap");
	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_set_timeout(tc, 120);
	lb_engine_encap_tests(tc);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat");
	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_set_timeout(tc, 120);
	lb_engine_nat_tests(tc);
	suite_add_tcase(s, tc);
	return check_run(s);
}
