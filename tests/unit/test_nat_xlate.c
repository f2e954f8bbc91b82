/* NAT44 packet rewriting (nat/nat_xlate.h): addresses, ports and ICMP query identifiers
 * with incremental checksums, and ICMP errors with their quotes (RFC 5508 4.2).
 *
 * Every translated frame is compared byte for byte with the frame built from scratch with
 * the new addresses and ports (pktbuild's builders, whose checksums are pktbuild's
 * reference), and every checksum in it is verified again by a naive RFC 1071 sum
 * (nv_csum.c's and nat_xlate_fixture.c's nv_*: a plain loop over big-endian words, its own
 * pseudo-header; no pkt_csum.h): the IPv4 header's, TCP's and UDP's over the whole segment with the
 * pseudo-header, ICMP's over the message; for ICMP errors the outer header's, the outer
 * ICMP message's, the quoted header's and the quoted transport checksum when the quote
 * holds the datagram.
 *
 * This file: addresses, ports and identifiers, checksums, options, VLANs and fragments;
 * test_nat_xlate_icmp.c: ICMP errors and the randomised runs; nat_xlate_fixture.c: the
 * checks by the naive sums (nv_csum.c), the datagrams and a translation checked. */
#include "nat_xlate_fixture.h"
#include "pkt_parse.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

START_TEST(tcp_udp_src_dst_both)
{
	static const uint8_t protos[2] = { 6, 17 };
	for (unsigned i = 0; i < 2; i++) {
		struct spec s = basic(protos[i]);
		for (int op = OP_SRC; op <= OP_BOTH; op++) {
			for (uint64_t seed = 1; seed < 40; seed++) {
				s.seed = seed;
				s.payload = (uint16_t)(seed * 13 % 300);
				run(&s, (enum op)op, A_PUB, 61000, (const uint8_t[]){ 10, 0, 0, 8 }, 8080);
			}
		}
		/* a port that does not change: the address alone */
		run(&s, OP_SRC, A_PUB, s.sport, A_SRV, s.dport);
		/* nothing that changes: the checksums stay as they are */
		run(&s, OP_BOTH, s.src, s.sport, s.dst, s.dport);
	}
}
END_TEST

START_TEST(tcp_fields_exactly)
{
	/* the fields where they should be, and nothing else touched */
	struct spec s = basic(6);
	static struct pb o;
	build(&o, &s);
	struct pkt_buf *p = to_pkt(&o, NULL);
	pkt_xlate_src(p, A_PUB, 0x1234);
	const uint8_t *ip = p->data + 14, *t = ip + 20;
	ck_assert_mem_eq(ip + 12, A_PUB, 4);
	ck_assert_mem_eq(ip + 16, A_SRV, 4);
	ck_assert_uint_eq(nv_rd16(t), 0x1234);
	ck_assert_uint_eq(nv_rd16(t + 2), 80);
	ck_assert(nv_ip4_ok(ip));
	ck_assert(nv_l4_ok(ip, t, 120, 6));
	pkt_xlate_dst(p, A_IN, 443);
	ck_assert_mem_eq(ip + 16, A_IN, 4);
	ck_assert_uint_eq(nv_rd16(t + 2), 443);
	ck_assert(nv_ip4_ok(ip));
	ck_assert(nv_l4_ok(ip, t, 120, 6));
	pkt_free(p);
}
END_TEST

START_TEST(udp_checksum_none_stays_none)
{
	struct spec s = basic(17);
	s.udp_none = true;
	for (int op = OP_SRC; op <= OP_BOTH; op++)
		for (uint64_t seed = 1; seed < 20; seed++) {
			s.seed = seed;
			run(&s, (enum op)op, A_PUB, (uint16_t)(seed * 977), A_IN, (uint16_t)(seed * 31));
		}
	static struct pb o;
	build(&o, &s);
	struct pkt_buf *p = to_pkt(&o, NULL);
	pkt_xlate_both(p, A_PUB, 1, A_IN, 2);
	ck_assert_uint_eq(nv_rd16(p->data + 14 + 20 + 6), 0);
	pkt_free(p);
}
END_TEST

/* Changes the payload's first word of the UDP datagram f so that its raw checksum (the
 * complement of the folded sum) is 0: sent as 0xffff. */
static void make_raw_zero(struct pb *f)
{
	uint16_t raw = nv_l4_raw(f);
	uint8_t *w = f->b + f->l4 + 8;
	uint16_t v = nv_fold((uint32_t)nv_rd16(w) + raw);
	w[0] = (uint8_t)(v >> 8);
	w[1] = (uint8_t)v;
	pb_done(f);
	ck_assert_uint_eq(nv_l4_raw(f), 0);
	ck_assert_uint_eq(nv_rd16(f->b + f->l4 + 6), 0xffff);
}

START_TEST(udp_checksum_becoming_zero_is_ffff)
{
	for (int op = OP_SRC; op <= OP_BOTH; op++) {
		for (uint64_t seed = 1; seed < 30; seed++) {
			struct spec s = basic(17);
			s.seed = seed;
			s.payload = (uint16_t)(2 + seed * 7);
			const uint8_t nb[4] = { 10, 1, (uint8_t)seed, 9 };
			struct spec es = expect(&s, (enum op)op, A_PUB, (uint16_t)(1000 + seed), nb, 53);
			/* the translated datagram, crafted to have the raw checksum 0 ... */
			static struct pb e, o, g;
			build(&e, &es);
			make_raw_zero(&e);
			/* ... and the original with the same payload */
			build(&o, &s);
			memcpy(o.b + o.l4 + 8, e.b + e.l4 + 8, s.payload);
			pb_done(&o);
			ck_assert_uint_ne(nv_rd16(o.b + o.l4 + 6), 0xffff);
			struct pkt_buf *p = to_pkt(&o, NULL);
			apply(p, (enum op)op, A_PUB, (uint16_t)(1000 + seed), nb, 53);
			ck_assert_uint_eq(nv_rd16(p->data + e.l4 + 6), 0xffff);
			g = e;
			pb_pad(&g, 60);
			ck_assert_mem_eq(p->data, g.b, g.len);
			verify_frame(p->data, &e, &s);
			pkt_free(p);

			/* and the other way: a datagram sent with 0xffff, translated */
			build(&o, &s);
			make_raw_zero(&o);
			build(&e, &es);
			memcpy(e.b + e.l4 + 8, o.b + o.l4 + 8, s.payload);
			pb_done(&e);
			p = to_pkt(&o, NULL);
			apply(p, (enum op)op, A_PUB, (uint16_t)(1000 + seed), nb, 53);
			g = e;
			pb_pad(&g, 60);
			ck_assert_mem_eq(p->data, g.b, g.len);
			verify_frame(p->data, &e, &s);
			pkt_free(p);
		}
	}
}
END_TEST

START_TEST(icmp_query_ids)
{
	static const uint8_t types[8] = { 8, 0, 13, 14, 15, 16, 17, 18 };
	for (unsigned i = 0; i < 8; i++) {
		struct spec s = basic(1);
		s.icmp_type = types[i];
		s.sport = 0x4242;
		for (int op = OP_SRC; op <= OP_BOTH; op++)
			for (uint64_t seed = 1; seed < 10; seed++) {
				s.seed = seed;
				s.payload = (uint16_t)(seed * 11);
				run(&s, (enum op)op, A_PUB, (uint16_t)(seed * 4099), A_IN, (uint16_t)(seed * 7));
			}
	}
	/* echo request out (source), echo reply back (destination): the id at 4 */
	struct spec s = basic(1);
	s.icmp_type = 8;
	s.sport = 0x0101;
	static struct pb o;
	build(&o, &s);
	struct pkt_buf *p = to_pkt(&o, NULL);
	pkt_xlate_src(p, A_PUB, 0xbeef);
	ck_assert_uint_eq(nv_rd16(p->data + 34 + 4), 0xbeef);
	ck_assert(nv_l4_ok(p->data + 14, p->data + 34, 108, 1));
	pkt_free(p);
	s.icmp_type = 0;
	s.sport = 0xbeef;
	memcpy(s.src, A_SRV, 4);
	memcpy(s.dst, A_PUB, 4);
	build(&o, &s);
	p = to_pkt(&o, NULL);
	pkt_xlate_dst(p, A_IN, 0x0101);
	ck_assert_uint_eq(nv_rd16(p->data + 34 + 4), 0x0101);
	ck_assert_mem_eq(p->data + 14 + 16, A_IN, 4);
	ck_assert(nv_l4_ok(p->data + 14, p->data + 34, 108, 1));
	pkt_free(p);
	/* an ICMP message that is not a query: the address only */
	s = basic(1);
	s.icmp_type = 3;
	run(&s, OP_SRC, A_PUB, 7, A_IN, 7);
}
END_TEST

START_TEST(options_and_vlans)
{
	static const uint8_t protos[4] = { 6, 17, 1, 47 };
	for (uint8_t nv = 0; nv <= 2; nv++)
		for (uint8_t ol = 0; ol <= 40; ol += 4)
			for (unsigned i = 0; i < 4; i++)
				for (int op = OP_SRC; op <= OP_BOTH; op++) {
					struct spec s = basic(protos[i]);
					s.icmp_type = 8;
					s.n_vlan = nv;
					s.optlen = ol;
					s.seed = (uint64_t)nv * 100 + ol + i;
					s.payload = (uint16_t)(ol * 3 + i);
					run(&s, (enum op)op, A_PUB, 1024, A_IN, 2048);
				}
}
END_TEST

START_TEST(without_transport_header)
{
	/* a protocol without a parser (GRE): the address only */
	struct spec s = basic(47);
	for (int op = OP_SRC; op <= OP_BOTH; op++)
		run(&s, (enum op)op, A_PUB, 1, A_IN, 2);
	/* a first fragment too short for its TCP header (parsed without PKT_F_L4): the
	 * address only, the 12 bytes of TCP untouched */
	static struct pb o;
	s = basic(6);
	s.frag = 0x2000;
	s.payload = 0;
	build(&o, &s);
	o.len = (uint16_t)(o.l4 + 12);
	o.l4 = 0;
	pb_done(&o);
	static struct pb copy;
	copy = o;
	struct pkt_buf *p = to_pkt(&o, NULL);
	ck_assert(!(p->meta.flags & PKT_F_L4));
	pkt_xlate_both(p, A_PUB, 9, A_IN, 9);
	ck_assert_mem_eq(p->data + 34, copy.b + 34, 12);
	ck_assert_mem_eq(p->data + 14 + 12, A_PUB, 4);
	ck_assert_mem_eq(p->data + 14 + 16, A_IN, 4);
	ck_assert(nv_ip4_ok(p->data + 14));
	pkt_free(p);
	/* not IPv4: left alone */
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x86dd);
	pb_ip6(&f, 17);
	pb_udp(&f, 1, 2);
	pb_payload(&f, 20);
	pb_done(&f);
	p = to_pkt(&f, NULL);
	pkt_xlate_both(p, A_PUB, 9, A_IN, 9);
	ck_assert_mem_eq(p->data, f.b, f.len);
	pkt_free(p);
}
END_TEST

/* The datagram o split into fragments of at most 8*units8 bytes of payload each: frames
 * out[], each with o's Ethernet and IPv4 headers. Returns how many. */
static unsigned fragment(const struct pb *o, unsigned units8, struct pb *out, unsigned max)
{
	unsigned hl = (unsigned)(o->b[o->l3] & 15) * 4, body = o->len - o->l3 - hl, n = 0;
	for (unsigned off = 0; off < body; off += units8 * 8) {
		ck_assert_uint_lt(n, max);
		unsigned len = body - off < units8 * 8 ? body - off : units8 * 8;
		struct pb *f = &out[n++];
		pb_init(f);
		pb_put(f, o->b, o->l3 + hl);
		f->l3 = o->l3;
		f->ipv = 4;
		pb_put(f, o->b + o->l3 + hl + off, len);
		uint8_t *ip = f->b + f->l3;
		uint16_t tot = (uint16_t)(hl + len), fw = (uint16_t)(off / 8 | (off + len < body ? 0x2000 : 0));
		ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
		ip[6] = (uint8_t)(fw >> 8), ip[7] = (uint8_t)fw;
		pb_ip4_csum(ip, hl);
	}
	return n;
}

START_TEST(fragments)
{
	static const uint8_t protos[3] = { 6, 17, 1 };
	static struct pb o, e, frags[8], want, whole;
	for (unsigned i = 0; i < 3; i++)
		for (int op = OP_SRC; op <= OP_BOTH; op++)
			for (uint8_t ol = 0; ol <= 8; ol += 8) {
				struct spec s = basic(protos[i]);
				s.icmp_type = 8;
				s.optlen = ol;
				s.payload = 1000;
				s.seed = 77 + i;
				build(&o, &s);
				struct spec es = expect(&s, (enum op)op, A_PUB, 5555, A_IN, 6666);
				build(&e, &es);
				unsigned hl = 20u + ol, n = fragment(&o, 61, frags, 8);
				ck_assert_uint_eq(n, 3);
				/* the reassembly: e's headers, the translated fragments' payloads */
				whole = e;
				for (unsigned k = 0; k < n; k++) {
					struct pkt_buf *p = to_pkt(&frags[k], NULL);
					ck_assert(p->meta.flags & PKT_F_FRAG);
					ck_assert_uint_eq(!!(p->meta.flags & PKT_F_FRAG_NF), k > 0);
					ck_assert_uint_eq(!!(p->meta.flags & PKT_F_L4), k == 0);
					apply(p, (enum op)op, A_PUB, 5555, A_IN, 6666);
					const uint8_t *ip = p->data + o.l3;
					ck_assert(nv_ip4_ok(ip));
					ck_assert_mem_eq(ip + 12, es.src, 4);
					ck_assert_mem_eq(ip + 16, es.dst, 4);
					if (k > 0) {
						/* a later fragment: the addresses only */
						want = frags[k];
						memcpy(want.b + want.l3 + 12, es.src, 4);
						memcpy(want.b + want.l3 + 16, es.dst, 4);
						pb_ip4_csum(want.b + want.l3, hl);
						ck_assert_mem_eq(p->data, want.b, want.len);
					}
					memcpy(whole.b + o.l3 + hl + k * 61 * 8, ip + hl, frags[k].len - o.l3 - hl);
					pkt_free(p);
				}
				/* the pieces put back together are the datagram built translated */
				ck_assert_mem_eq(whole.b + o.l3 + hl, e.b + o.l3 + hl, e.len - o.l3 - hl);
				ck_assert(nv_l4_ok(whole.b + whole.l3, whole.b + whole.l4, (uint16_t)(whole.len - whole.l4),
						   s.proto));
			}
	/* a UDP datagram without a checksum, fragmented: stays without */
	struct spec s = basic(17);
	s.payload = 600;
	s.udp_none = true;
	build(&o, &s);
	unsigned n = fragment(&o, 40, frags, 8);
	struct pkt_buf *p = to_pkt(&frags[0], NULL);
	pkt_xlate_src(p, A_PUB, 1);
	ck_assert_uint_eq(nv_rd16(p->data + 34 + 6), 0);
	ck_assert_uint_eq(nv_rd16(p->data + 34), 1);
	pkt_free(p);
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* Every value of the original checksum (a payload word swept over all 65536), for changes
 * that carry the most and that change nothing: the folds' every edge, UDP's 0 -> 0xffff. */
START_TEST(every_checksum_value)
{
	static const uint8_t a0[4] = { 0, 0, 0, 0 }, a1[4] = { 255, 255, 255, 255 }, a2[4] = { 255, 255, 0, 1 };
	static const struct {
		const uint8_t *from, *to;
		uint16_t pfrom, pto;
	} chg[4] = { { a0, a1, 0, 0xffff }, { a1, a0, 0xffff, 0 }, { a2, a2, 7, 7 }, { a1, a2, 0xfffe, 1 } };
	static struct pb o;
	for (unsigned c = 0; c < 4; c++)
		for (uint8_t proto = 6; proto <= 17; proto += 11) {
			struct spec s = basic(proto);
			memcpy(s.src, chg[c].from, 4);
			memcpy(s.dst, chg[c].from, 4);
			s.sport = s.dport = chg[c].pfrom;
			s.payload = 2;
			build(&o, &s);
			unsigned coff = proto == 6 ? 16 : 6;
			uint16_t seglen = (uint16_t)(o.len - o.l4);
			for (uint32_t w = 0; w < 0x10000; w++) {
				o.b[o.len - 2] = (uint8_t)(w >> 8);
				o.b[o.len - 1] = (uint8_t)w;
				o.b[o.l4 + coff] = o.b[o.l4 + coff + 1] = 0;
				uint16_t raw = (uint16_t)~nv_fold(nv_sum(nv_pseudo(o.b + o.l3, proto, seglen), o.b + o.l4, seglen));
				if (proto == 17 && raw == 0)
					raw = 0xffff;
				o.b[o.l4 + coff] = (uint8_t)(raw >> 8);
				o.b[o.l4 + coff + 1] = (uint8_t)raw;
				struct pkt_buf *p = to_pkt(&o, NULL);
				pkt_xlate_both(p, chg[c].to, chg[c].pto, chg[c].to, chg[c].pto);
				const uint8_t *ip = p->data + o.l3, *l4 = p->data + o.l4;
				CHECK(nv_ip4_ok(ip), "IPv4 header checksum, word %x", w);
				CHECK(nv_l4_ok(ip, l4, seglen, proto), "transport checksum, word %x", w);
				CHECK(proto != 17 || nv_rd16(l4 + coff) != 0, "UDP checksum 0, word %x", w);
				pkt_free(p);
			}
		}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nat_xlate");
	TCase *tc = tcase_create("nat_xlate");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tcp_udp_src_dst_both);
	tcase_add_test(tc, tcp_fields_exactly);
	tcase_add_test(tc, udp_checksum_none_stays_none);
	tcase_add_test(tc, udp_checksum_becoming_zero_is_ffff);
	tcase_add_test(tc, icmp_query_ids);
	tcase_add_test(tc, options_and_vlans);
	tcase_add_test(tc, without_transport_header);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, every_checksum_value);
	nat_xlate_icmp_tests(tc);
	suite_add_tcase(s, tc);
	return check_run(s);
}
