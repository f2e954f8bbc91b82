/* The load balancer engine's tunnels (lb/lb.h, lb_encap), for unit-lb-engine: IP-in-IP
 * (IPv4 and IPv6, either way round) and GUE (over IPv4 and IPv6): every header field,
 * lengths and checksums (naive sums), the Ethernet header and VLAN tags kept, the inner
 * packet byte for byte, padding gone, p->meta the outer packet's (as pkt_parse reads it
 * again), and the drop without headroom. */
#include "lb_engine_fixture.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define GUE_PORT 7777

/* A dsr service for d's destination, encap enc, one backend of family bf (BE1 or BE6 from
 * SELF or SELF6). */
static struct lb_set *tunnel_set(const struct fx_pkt *d, enum lbc_encap enc, uint8_t bf)
{
	static struct fx_svc s;
	fx_svc(&s, "tun", d->family, d->dst, d->proto, d->dport, LBC_DSR, 3);
	s.cfg.encap = enc;
	s.cfg.gue_port = GUE_PORT;
	s.cfg.table_size = 251;
	fx_be(&s, "b1", bf, bf == 6 ? BE6 : BE1, 0, 21, 100);
	struct fx_svc *v[] = { &s };
	return fx_build(v, 1);
}

/* d's frame encapsulated toward a backend of family bf, and everything checked: the
 * Ethernet header and tags, the outer header's every field, GUE's, the inner datagram byte
 * for byte (its padding gone), the meta, the checksums by the naive sums, and the parser's
 * reading of the result. */
static void encap_case(const struct fx_pkt *d, enum lbc_encap enc, uint8_t bf, uint32_t hash)
{
	char what[64];
	snprintf(what, sizeof(what), "IPv%u in %s over IPv%u, %u tags", d->family, enc == LBC_ENCAP_GUE ? "GUE" : "IP",
		 bf, d->n_tags);
	struct lb_set *set = tunnel_set(d, enc, bf);
	const struct lb_service *svc = &set->svc[0];
	const struct lb_backend *be = &svc->be[0];
	struct pb f = fx_frame(d);
	struct pkt_buf *p = fx_pkt(&f);
	const struct pkt_meta *m = &p->meta;
	uint16_t l3 = m->l3_off, inner_len = (uint16_t)(m->l3_end - l3);
	uint8_t eth[22], inner[PB_MAX];
	memcpy(eth, p->data, l3);
	memcpy(inner, p->data + l3, inner_len);
	uint8_t n_vlan = m->n_vlan;
	uint16_t vlan = m->vlan;
	uint64_t enc0 = eng.encapsulated;
	ck_assert_msg(lb_encap(&eng, svc, be, p, hash), "%s", what);
	ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
	ck_assert_uint_eq(eng.encapsulated, enc0 + 1);

	bool gue = enc == LBC_ENCAP_GUE, o6 = bf == 6;
	uint16_t ohl = o6 ? 40 : 20, add = (uint16_t)(ohl + (gue ? 12 : 0));
	uint8_t ipp = d->family == 6 ? 41 : 4;
	ck_assert_msg(p->len == l3 + add + inner_len, "%s: length %u, want %u", what, p->len, l3 + add + inner_len);
	ck_assert_mem_eq(p->data, eth, l3 - 2u);        /* MACs and tags */
	ck_assert_uint_eq(nv_rd16(p->data + l3 - 2), o6 ? 0x86dd : 0x0800);
	const uint8_t *ip = p->data + l3;
	if (o6) {
		ck_assert_uint_eq(ip[0] >> 4, 6);
		ck_assert_uint_eq((uint8_t)(ip[0] << 4 | ip[1] >> 4), d->tos);
		ck_assert_uint_eq((uint32_t)(ip[1] & 15) << 16 | nv_rd16(ip + 2), hash & 0xfffff);
		ck_assert_uint_eq(nv_rd16(ip + 4), add - 40 + inner_len);
		ck_assert_uint_eq(ip[6], gue ? 17 : ipp);
		ck_assert_uint_eq(ip[7], 64);
		ck_assert_mem_eq(ip + 8, SELF6, 16);
		ck_assert_mem_eq(ip + 24, BE6, 16);
	} else {
		ck_assert_uint_eq(ip[0], 0x45);
		ck_assert_uint_eq(ip[1], d->tos);
		ck_assert_uint_eq(nv_rd16(ip + 2), add + inner_len);
		ck_assert_uint_eq(nv_rd16(ip + 6), 0);          /* no DF, not a fragment */
		ck_assert_uint_eq(ip[8], 64);
		ck_assert_uint_eq(ip[9], gue ? 17 : ipp);
		ck_assert_mem_eq(ip + 12, SELF, 4);
		ck_assert_mem_eq(ip + 16, BE1, 4);
		ck_assert_uint_eq(nv_fold(nv_sum(0, ip, 20)), 0xffff);
	}
	if (gue) {
		const uint8_t *u = ip + ohl;
		ck_assert_uint_eq(nv_rd16(u), 0xc000 | (hash & 0x3fff));
		ck_assert_uint_eq(nv_rd16(u + 2), GUE_PORT);
		ck_assert_uint_eq(nv_rd16(u + 4), 12 + inner_len);
		if (o6)
			ck_assert_uint_eq(nv_fold(nv_sum(fx_pseudo6(ip, 17, 12u + inner_len), u, 12u + inner_len)), 0xffff);
		else
			ck_assert_uint_eq(nv_rd16(u + 6), 0);
		ck_assert_uint_eq(u[8], 0);                     /* version 0, C 0, no options */
		ck_assert_uint_eq(u[9], ipp);
		ck_assert_uint_eq(nv_rd16(u + 10), 0);
	}
	ck_assert_mem_eq(ip + add, inner, inner_len);
	fx_check(p, what);
	fx_check_ip(ip + add, inner_len, what);
	/* the meta: the outer packet */
	ck_assert_uint_eq(m->l3, o6 ? PKT_L3_IPV6 : PKT_L3_IPV4);
	ck_assert_uint_eq(m->ethertype, o6 ? 0x86dd : 0x0800);
	ck_assert_uint_eq(m->l3_off, l3);
	ck_assert_uint_eq(m->l3_end, p->len);
	ck_assert_uint_eq(m->l4_off, l3 + ohl);
	ck_assert_uint_eq(m->l4proto, gue ? 17 : ipp);
	ck_assert_uint_eq(m->n_vlan, n_vlan);
	if (n_vlan)
		ck_assert_uint_eq(m->vlan, vlan);
	ck_assert(m->flags & PKT_F_PARSED);
	ck_assert_uint_eq(!!(m->flags & PKT_F_L4), gue);
	ck_assert_uint_eq(m->flags & PKT_F_FRAG, 0);
	/* as the parser reads it */
	struct pkt_buf *q = pb_to_pkt(pool, p->data, p->len);
	ck_assert_int_eq(pkt_parse(q), PKT_PARSE_OK);
	ck_assert_uint_eq(q->meta.l3, m->l3);
	ck_assert_uint_eq(q->meta.ethertype, m->ethertype);
	ck_assert_uint_eq(q->meta.l3_off, m->l3_off);
	ck_assert_uint_eq(q->meta.l3_end, m->l3_end);
	ck_assert_uint_eq(q->meta.l4_off, m->l4_off);
	ck_assert_uint_eq(q->meta.l4proto, m->l4proto);
	ck_assert_uint_eq(q->meta.n_vlan, m->n_vlan);
	ck_assert_uint_eq(q->meta.flags & (PKT_F_L4 | PKT_F_FRAG), m->flags & (PKT_F_L4 | PKT_F_FRAG));
	if (gue)
		ck_assert(pkt_l4_csum_ok(q));
	pkt_free(q);
	pkt_free(p);
	lb_set_free(set);
}

static const struct fx_pkt SYN4 = { .family = 4, .proto = 6, .src = CLI, .dst = VIP, .sport = 40000, .dport = 80,
				    .flags = SYN, .seq = 1000, .tos = 0xb9 };
static const struct fx_pkt DATA4 = { .family = 4, .proto = 17, .src = CLI, .dst = VIP, .sport = 40000, .dport = 53,
				     .payload = 333, .tos = 0x28 };
static const struct fx_pkt SYN6 = { .family = 6, .proto = 6, .src = CLI6, .dst = VIP6, .sport = 40000, .dport = 443,
				    .flags = SYN, .seq = 1000, .tos = 0xb9 };
static const struct fx_pkt DATA6 = { .family = 6, .proto = 17, .src = CLI6, .dst = VIP6, .sport = 40000,
				     .dport = 443, .payload = 500, .tos = 0x02 };

/* IPv4 in IPv4 (protocol 4); a short frame's Ethernet padding removed. */
START_TEST(encap_ipip4)
{
	struct pb f = fx_frame(&SYN4);
	ck_assert_uint_eq(f.len, 60);                   /* 54 and padding */
	encap_case(&SYN4, LBC_ENCAP_IPIP, 4, 0x12345678);
	encap_case(&DATA4, LBC_ENCAP_IPIP, 4, 0);
}
END_TEST

/* IPv6 in IPv4 (protocol 41). */
START_TEST(encap_ip6_in_ip4)
{
	encap_case(&SYN6, LBC_ENCAP_IPIP, 4, 0x9abcdef0);
	encap_case(&DATA6, LBC_ENCAP_IPIP, 4, 0xffffffff);
}
END_TEST

/* IPv4 (and IPv6) in IPv6. */
START_TEST(encap_in_ip6)
{
	encap_case(&SYN4, LBC_ENCAP_IPIP, 6, 0x12345678);
	encap_case(&DATA4, LBC_ENCAP_IPIP, 6, 0xfedcba98);
	encap_case(&SYN6, LBC_ENCAP_IPIP, 6, 0x00054321);
}
END_TEST

/* GUE over IPv4: UDP to the service's port, the source from the hash, no UDP checksum,
 * GUE's 4 bytes naming the inner protocol. */
START_TEST(encap_gue4)
{
	encap_case(&SYN4, LBC_ENCAP_GUE, 4, 0x12345678);
	encap_case(&DATA4, LBC_ENCAP_GUE, 4, 0xc000);
	encap_case(&SYN6, LBC_ENCAP_GUE, 4, 0x3fff);
	encap_case(&DATA6, LBC_ENCAP_GUE, 4, 0xdeadbeef);
}
END_TEST

/* GUE over IPv6: the UDP checksum IPv6 needs, right by the naive sum. */
START_TEST(encap_gue6)
{
	for (uint32_t h = 0; h < 64; h++) {
		uint32_t hash = h * 0x9e3779b1u;
		encap_case(&SYN4, LBC_ENCAP_GUE, 6, hash);
		encap_case(&DATA4, LBC_ENCAP_GUE, 6, hash);
		encap_case(&SYN6, LBC_ENCAP_GUE, 6, hash);
		encap_case(&DATA6, LBC_ENCAP_GUE, 6, hash);
	}
}
END_TEST

/* Tagged frames keep their tags (one, and 802.1ad with 802.1Q) in front of the outer
 * header. */
START_TEST(encap_vlan)
{
	const struct fx_pkt *base[4] = { &SYN4, &DATA4, &SYN6, &DATA6 };
	for (unsigned b = 0; b < 4; b++)
		for (unsigned tags = 1; tags <= 2; tags++) {
			struct fx_pkt d = *base[b];
			d.n_tags = tags;
			d.tci[0] = 0x2064;
			d.tci[1] = 0x00c8;
			encap_case(&d, LBC_ENCAP_IPIP, 4, 0x1111);
			encap_case(&d, LBC_ENCAP_IPIP, 6, 0x2222);
			encap_case(&d, LBC_ENCAP_GUE, 4, 0x3333);
			encap_case(&d, LBC_ENCAP_GUE, 6, 0x4444);
		}
}
END_TEST

/* d's frame in a buffer with room bytes of headroom. */
static struct pkt_buf *with_headroom(const struct fx_pkt *d, uint16_t room)
{
	struct pb f = fx_frame(d);
	struct pkt_buf *p = pkt_alloc(pool);
	ck_assert_ptr_nonnull(p);
	p->data = p->buf + room;
	memcpy(pkt_append(p, f.len), f.b, f.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	return p;
}

/* No headroom for the outer headers: dropped for no_room, counted; exactly enough is
 * enough. */
START_TEST(encap_no_room)
{
	const enum lbc_encap enc[2] = { LBC_ENCAP_IPIP, LBC_ENCAP_GUE };
	uint64_t dropped = 0;
	for (unsigned e = 0; e < 2; e++)
		for (uint8_t bf = 4; bf <= 6; bf += 2) {
			uint16_t add = (uint16_t)((bf == 6 ? 40 : 20) + (enc[e] == LBC_ENCAP_GUE ? 12 : 0));
			struct lb_set *set = tunnel_set(&SYN4, enc[e], bf);
			const struct lb_service *svc = &set->svc[0];
			struct pkt_buf *p = with_headroom(&SYN4, (uint16_t)(add - 1));
			uint64_t n = eng.encapsulated;
			ck_assert(!lb_encap(&eng, svc, &svc->be[0], p, 1));
			ck_assert_uint_eq(p->verdict, FX_DROPPED(LB_R_NO_ROOM));
			ck_assert_uint_eq(eng.svc[3].dropped, ++dropped);
			ck_assert_uint_eq(eng.encapsulated, n);
			pkt_free(p);
			p = with_headroom(&SYN4, add);
			ck_assert(lb_encap(&eng, svc, &svc->be[0], p, 1));
			ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
			ck_assert(p->data == p->buf);
			ck_assert_uint_eq(p->len, 14 + add + 40);
			fx_check(p, "exactly enough room");
			pkt_free(p);
			lb_set_free(set);
		}
}
END_TEST

void lb_engine_encap_tests(TCase *tc)
{
	tcase_add_test(tc, encap_ipip4);
	tcase_add_test(tc, encap_ip6_in_ip4);
	tcase_add_test(tc, encap_in_ip6);
	tcase_add_test(tc, encap_gue4);
	tcase_add_test(tc, encap_gue6);
	tcase_add_test(tc, encap_vlan);
	tcase_add_test(tc, encap_no_room);
}
