/* unit-nat-xlate, continued: ICMP errors with their quotes (RFC 5508 4.2), each compared
 * with the error built from the translated datagram and every checksum checked (the outer
 * header's, the outer ICMP message's, the quoted header's and the quoted transport
 * checksum when the quote holds the datagram), the errors refused untouched; then the
 * randomised runs: 10,000 random packets and 5,000 random errors (seeded). */
#include "nat_xlate_fixture.h"

#include <check.h>
#include <string.h>

/* ---- ICMP errors ---- */

struct err_spec {
	uint8_t n_vlan, optlen, type, code;
	uint8_t from[4], to[4];  /* the outer source and destination */
};

/* Bytes after the IPv4 datagram in the frames build_err() makes (a trailer beyond the
 * Ethernet minimum, outside the datagram): never read as the quote, never written. */
static unsigned trailer;

/* An ICMP error carrying quote[0..qlen), unpadded (but for the trailer). */
static void build_err(struct pb *f, const struct err_spec *s, const uint8_t *quote, uint16_t qlen)
{
	struct spec outer = { .n_vlan = s->n_vlan, .optlen = s->optlen, .proto = 1, .icmp_type = s->type };
	memcpy(outer.src, s->from, 4);
	memcpy(outer.dst, s->to, 4);
	build(f, &outer);  /* an 8-byte ICMP header with nothing after it */
	uint8_t *m = f->b + f->l4;
	m[1] = s->code;
	memset(m + 4, 0, 4);
	if (s->type == 3 && s->code == 4)
		m[6] = 0x05, m[7] = 0xdc;  /* next-hop MTU 1500 */
	pb_put(f, quote, qlen);
	pb_done(f);
	memset(pb_put(f, NULL, trailer), 0xa5, trailer);
}

/* The quote of the first qt bytes of o's transport header (or payload), with its IPv4
 * header and options; qt beyond the datagram is cut to it. */
static uint16_t quote_len(const struct pb *o, unsigned qt)
{
	unsigned hl = (unsigned)(o->b[o->l3] & 15) * 4, dlen = o->len - o->l3;
	return (uint16_t)(hl + qt < dlen ? hl + qt : dlen);
}

/* An error es quoting the first qt transport bytes of the datagram os, translated by x:
 * compared with the error built from the translated datagram, and every checksum checked.
 * Returns the translated frame's bytes in *got for further checks (static). */
static const uint8_t *run_err(const struct err_spec *es, const struct spec *os, unsigned qt,
			      const struct pkt_xlate_icmp *x)
{
	static struct pb o, ot, a, e, g;
	static uint8_t got[PB_MAX];
	build(&o, os);
	struct spec ts = *os;  /* the quoted datagram translated */
	memcpy(ts.src, x->in_src, 4);
	memcpy(ts.dst, x->in_dst, 4);
	if (has_l4(os) && os->proto != 1) {
		ts.sport = x->in_sport;
		ts.dport = x->in_dport;
	} else if (has_l4(os) && icmp_query(os->icmp_type)) {
		ts.sport = x->in_sport;
	}
	build(&ot, &ts);
	uint16_t qlen = quote_len(&o, qt);
	unsigned hl = (unsigned)(o.b[o.l3] & 15) * 4, qt_have = qlen - hl, dlen = o.len - o.l3;
	if (qt_have < 8) {  /* a datagram shorter than the 8 bytes a quote must hold */
		build_err(&a, es, o.b + o.l3, qlen);
		uint16_t len;
		struct pkt_buf *p = to_pkt(&a, &len);
		memcpy(got, p->data, len);
		CHECK(!pkt_xlate_icmp_error(p, x), "a quote of %u transport bytes translated", qt_have);
		CHECK(p->len == len && memcmp(p->data, got, len) == 0, "a refused error changed");
		pkt_free(p);
		return got;
	}
	static uint8_t qwant[PB_MAX];
	memcpy(qwant, ot.b + ot.l3, qlen);
	if (has_l4(os) && os->proto == 6 && qt_have == 17)  /* half of the TCP checksum: untouched */
		qwant[hl + 16] = o.b[o.l4 + 16];
	struct err_spec ee = *es;
	if (!memcmp(es->from, x->outer_src_match, 4))
		memcpy(ee.from, x->outer_src, 4);
	memcpy(ee.to, x->outer_dst, 4);
	build_err(&a, es, o.b + o.l3, qlen);
	build_err(&e, &ee, qwant, qlen);

	uint16_t len;
	struct pkt_buf *p = to_pkt(&a, &len);
	CHECK(pkt_xlate_icmp_error(p, x), "not translated");
	g = e;
	pb_pad(&g, 60);
	CHECK(p->len == g.len && memcmp(p->data, g.b, g.len) == 0,
	      "error differs from the one built translated (type %u, quoted proto %u, qt %u)", es->type, os->proto, qt);
	const uint8_t *ip = p->data + e.l3, *icmp = p->data + e.l4, *q = icmp + 8;
	CHECK(nv_ip4_ok(ip), "outer IPv4 checksum");
	CHECK(nv_l4_ok(ip, icmp, (uint16_t)(e.len - trailer - e.l4), 1), "outer ICMP checksum");
	CHECK(nv_ip4_ok(q), "quoted IPv4 checksum");
	if (qlen == dlen && has_l4(os))
		CHECK(nv_l4_ok(q, q + hl, (uint16_t)(dlen - hl), os->proto), "quoted transport checksum");
	if (has_l4(os) && os->proto == 17)
		CHECK((nv_rd16(q + hl + 6) == 0) == os->udp_none, "quoted UDP checksum 0 iff none");
	CHECK(p->ol_flags == (PKT_OL_IP4_CSUM_GOOD | PKT_OL_L4_CSUM_GOOD), "ol_flags");
	memcpy(got, p->data, p->len);
	pkt_free(p);
	return got;
}

/* The reply path of a source NAT: host A_IN:40000 was A_PUB:61000 towards A_SRV:80; an
 * error from `from` to A_PUB quoting A_PUB:61000 -> A_SRV:80, turned back. */
static struct pkt_xlate_icmp back_to_inside(void)
{
	struct pkt_xlate_icmp x = { .in_sport = 40000, .in_dport = 80 };
	memcpy(x.outer_src_match, A_SRV, 4);
	memcpy(x.outer_src, A_SRV, 4);
	memcpy(x.outer_dst, A_IN, 4);
	memcpy(x.in_src, A_IN, 4);
	memcpy(x.in_dst, A_SRV, 4);
	return x;
}

static struct spec sent_outside(uint8_t proto, uint16_t payload)
{
	struct spec s = basic(proto);
	memcpy(s.src, A_PUB, 4);
	s.sport = 61000;
	s.payload = payload;
	s.icmp_type = 8;
	return s;
}

static struct err_spec err(uint8_t type, uint8_t code, const uint8_t from[4])
{
	struct err_spec e = { .type = type, .code = code };
	memcpy(e.from, from, 4);
	memcpy(e.to, A_PUB, 4);
	return e;
}

START_TEST(error_port_unreachable_udp)
{
	struct pkt_xlate_icmp x = back_to_inside();
	struct err_spec es = err(3, 3, A_SRV);
	struct spec os = sent_outside(17, 30);
	const uint8_t *d = run_err(&es, &os, 1000, &x);  /* the whole datagram quoted */
	ck_assert_mem_eq(d + 14 + 16, A_IN, 4);
	ck_assert_mem_eq(d + 42 + 12, A_IN, 4);
	ck_assert_uint_eq(nv_rd16(d + 62), 40000);
	run_err(&es, &os, 8, &x);                        /* the UDP header only */
	run_err(&es, &os, 11, &x);
	os.udp_none = true;                              /* no checksum: stays none */
	run_err(&es, &os, 1000, &x);
	run_err(&es, &os, 8, &x);
}
END_TEST

START_TEST(error_time_exceeded_tcp)
{
	struct pkt_xlate_icmp x = back_to_inside();
	struct err_spec es = err(11, 0, A_RTR);
	struct spec os = sent_outside(6, 200);
	const uint8_t *d = run_err(&es, &os, 20, &x);    /* a full 20-byte header */
	ck_assert_mem_eq(d + 14 + 12, A_RTR, 4);         /* a router's address: unchanged */
	ck_assert(nv_ip4_ok(d + 42));
	/* 8 bytes only: the checksum is not in the quote, nothing past the ports changes */
	static struct pb o;
	build(&o, &os);
	d = run_err(&es, &os, 8, &x);
	ck_assert_uint_eq(nv_rd16(d + 14 + 2), 20 + 8 + 20 + 8);
	ck_assert_mem_eq(d + 62 + 4, o.b + o.l4 + 4, 4);
	for (unsigned qt = 8; qt <= 24; qt++)           /* around the checksum's 18 bytes */
		run_err(&es, &os, qt, &x);
	run_err(&es, &os, 1000, &x);                     /* the whole segment */
	/* bytes after the datagram are not the quote's, even where they would complete it */
	for (trailer = 1; trailer <= 12; trailer++)
		for (unsigned qt = 8; qt <= 24; qt++)
			run_err(&es, &os, qt, &x);
	trailer = 0;
}
END_TEST

START_TEST(error_frag_needed_tcp)
{
	struct pkt_xlate_icmp x = back_to_inside();
	struct err_spec es = err(3, 4, A_RTR);
	struct spec os = sent_outside(6, 1400);
	os.frag = 0x4000;  /* DF */
	const uint8_t *d = run_err(&es, &os, 548, &x);   /* 576 bytes of quote */
	ck_assert_uint_eq(nv_rd16(d + 34 + 6), 1500);
	run_err(&es, &os, 20, &x);
	run_err(&es, &os, 8, &x);
}
END_TEST

START_TEST(error_quoting_icmp_echo)
{
	/* A_IN's echo with id 0x0101 left as A_PUB's with id 0xbeef; an error comes back */
	struct pkt_xlate_icmp x = back_to_inside();
	x.in_sport = 0x0101;
	x.in_dport = 0xdead;  /* not used for ICMP */
	struct spec os = sent_outside(1, 56);
	os.sport = 0xbeef;
	static const uint8_t types[5] = { 3, 4, 5, 11, 12 };
	for (unsigned i = 0; i < 5; i++) {
		struct err_spec es = err(types[i], 0, A_RTR);
		const uint8_t *d = run_err(&es, &os, 8, &x);  /* the echo's checksum updated, not whole */
		ck_assert_uint_eq(nv_rd16(d + 62 + 4), 0x0101);
		run_err(&es, &os, 1000, &x);                   /* whole: it verifies */
		run_err(&es, &os, 30, &x);
	}
}
END_TEST

START_TEST(error_outer_source_match)
{
	/* a destination NAT: A_SRV was reached as A_PUB; the error from the server itself
	 * names it A_SRV, and the inside must see A_PUB */
	struct pkt_xlate_icmp x = back_to_inside();
	memcpy(x.outer_src_match, A_SRV, 4);
	memcpy(x.outer_src, A_PUB, 4);
	memcpy(x.in_dst, A_PUB, 4);
	x.in_dport = 8080;
	struct spec os = sent_outside(17, 40);
	struct err_spec es = err(3, 3, A_SRV);
	const uint8_t *d = run_err(&es, &os, 1000, &x);
	ck_assert_mem_eq(d + 14 + 12, A_PUB, 4);
	ck_assert_mem_eq(d + 42 + 16, A_PUB, 4);
	ck_assert_uint_eq(nv_rd16(d + 62 + 2), 8080);
	/* from an intermediate router: its address stays */
	es = err(11, 0, A_RTR);
	d = run_err(&es, &os, 1000, &x);
	ck_assert_mem_eq(d + 14 + 12, A_RTR, 4);
}
END_TEST

START_TEST(error_options_vlans_fragments)
{
	struct pkt_xlate_icmp x = back_to_inside();
	for (uint8_t nv = 0; nv <= 2; nv++)
		for (uint8_t ol = 0; ol <= 40; ol += 8)
			for (uint8_t ql = 0; ql <= 40; ql += 12) {
				struct err_spec es = err(3, 3, A_SRV);
				es.n_vlan = nv;
				es.optlen = ol;
				struct spec os = sent_outside(17, 64);
				os.optlen = ql;
				run_err(&es, &os, 8, &x);
				run_err(&es, &os, 1000, &x);
				os.proto = 6;
				run_err(&es, &os, 8, &x);
				run_err(&es, &os, 20, &x);
				/* a quoted later fragment: the addresses only */
				os.frag = 0x2000 | 185;
				run_err(&es, &os, 8, &x);
				run_err(&es, &os, 1000, &x);
				/* a quoted first fragment: as a whole header */
				os.frag = 0x2000;
				run_err(&es, &os, 20, &x);
				/* a quoted protocol without ports: addresses only */
				os.frag = 0;
				os.proto = 47;
				run_err(&es, &os, 8, &x);
			}
}
END_TEST

/* p is not accepted and stays byte for byte as it was. */
static void refused(const struct pb *f, const struct pkt_xlate_icmp *x)
{
	uint16_t len;
	struct pkt_buf *p = to_pkt(f, &len);
	static uint8_t before[PB_MAX];
	memcpy(before, p->data, len);
	ck_assert(!pkt_xlate_icmp_error(p, x));
	ck_assert_uint_eq(p->len, len);
	ck_assert_mem_eq(p->data, before, len);
	pkt_free(p);
}

START_TEST(error_refused)
{
	struct pkt_xlate_icmp x = back_to_inside();
	static struct pb o, a;
	struct err_spec es = err(3, 3, A_SRV);
	/* quotes too short: 20 + 7, 19, nothing, and an IHL of 6 with 20 + 8 */
	struct spec os = sent_outside(17, 100);
	build(&o, &os);
	build_err(&a, &es, o.b + o.l3, 27);
	refused(&a, &x);
	build_err(&a, &es, o.b + o.l3, 19);
	refused(&a, &x);
	build_err(&a, &es, o.b + o.l3, 0);
	refused(&a, &x);
	trailer = 30;  /* a trailer after the datagram does not lengthen the quote */
	build_err(&a, &es, o.b + o.l3, 27);
	refused(&a, &x);
	build_err(&a, &es, o.b + o.l3, 0);
	refused(&a, &x);
	trailer = 0;
	os.optlen = 4;
	build(&o, &os);
	build_err(&a, &es, o.b + o.l3, 28);
	refused(&a, &x);
	build_err(&a, &es, o.b + o.l3, 32);  /* 24 + 8: enough */
	{
		struct pkt_buf *p = to_pkt(&a, NULL);
		ck_assert(pkt_xlate_icmp_error(p, &x));
		pkt_free(p);
	}
	/* a quote that is not IPv4 */
	os.optlen = 0;
	build(&o, &os);
	o.b[o.l3] = 0x65;
	build_err(&a, &es, o.b + o.l3, 48);
	refused(&a, &x);
	o.b[o.l3] = 0x44;
	build_err(&a, &es, o.b + o.l3, 48);
	refused(&a, &x);
	/* not errors: an echo request and reply, a TCP segment, a UDP datagram */
	struct spec s = sent_outside(1, 40);
	refused((build(&o, &s), &o), &x);
	s.icmp_type = 0;
	refused((build(&o, &s), &o), &x);
	s = sent_outside(6, 40);
	refused((build(&o, &s), &o), &x);
	s = sent_outside(17, 40);
	refused((build(&o, &s), &o), &x);
	/* ICMP types other than the five */
	static const uint8_t others[6] = { 1, 2, 6, 9, 10, 40 };
	for (unsigned i = 0; i < 6; i++) {
		es.type = others[i];
		build_err(&a, &es, o.b + o.l3, 48);
		refused(&a, &x);
	}
	/* a later fragment of an error: no ICMP header to read */
	s = sent_outside(1, 40);
	s.frag = 100;
	refused((build(&o, &s), &o), &x);
}
END_TEST

/* ---- randomised ---- */

static void rand_addr(uint64_t *r, uint8_t a[4])
{
	uint32_t v = (uint32_t)(rng_next(r) >> 32);
	memcpy(a, &v, 4);
}

static struct spec rand_spec(uint64_t *r)
{
	static const uint8_t protos[8] = { 6, 6, 6, 17, 17, 17, 1, 47 };
	static const uint8_t icmp_types[10] = { 8, 0, 13, 14, 15, 16, 17, 18, 3, 11 };
	struct spec s = { 0 };
	uint64_t v = rng_next(r);
	s.proto = protos[v % 8];
	s.icmp_type = icmp_types[(v >> 3) % 10];
	s.n_vlan = (uint8_t)((v >> 8) % 3);
	s.optlen = (v >> 10) % 4 == 0 ? (uint8_t)((v >> 12) % 11 * 4) : 0;
	s.udp_none = (v >> 16) % 8 == 0;
	unsigned fr = (unsigned)(v >> 19) % 16;
	s.frag = fr == 0 ? 0x2000 : fr == 1 ? (uint16_t)(0x2000 | ((v >> 23) % 1000 + 1)) : fr == 2 ? 0x4000 : 0;
	s.payload = (v >> 33) % 4 == 0 ? (uint16_t)((v >> 35) % 8) : (uint16_t)((v >> 35) % 1401);
	s.seed = rng_next(r);
	rand_addr(r, s.src);
	rand_addr(r, s.dst);
	v = rng_next(r);
	s.sport = (uint16_t)v;
	s.dport = (uint16_t)(v >> 16);
	return s;
}

START_TEST(random_packets)
{
	uint64_t r = 0x6e617478u;
	for (unsigned i = 0; i < 10000; i++) {
		struct spec s = rand_spec(&r);
		uint8_t na[4], nb[4];
		rand_addr(&r, na);
		rand_addr(&r, nb);
		uint64_t v = rng_next(&r);
		run(&s, (enum op)(v % 3), na, (uint16_t)(v >> 8), nb, (uint16_t)(v >> 24));
	}
}
END_TEST

START_TEST(random_errors)
{
	static const uint8_t types[5] = { 3, 4, 5, 11, 12 };
	uint64_t r = 0x69636d70u;
	for (unsigned i = 0; i < 5000; i++) {
		struct spec os = rand_spec(&r);
		if (os.payload > 600)
			os.payload = (uint16_t)(os.payload % 600);
		if (os.proto == 1 && (rng_next(&r) & 1))
			os.icmp_type = 8;
		uint64_t v = rng_next(&r);
		struct err_spec es = { .type = types[v % 5], .code = (uint8_t)((v >> 3) % 16),
				       .n_vlan = (uint8_t)((v >> 8) % 3), .optlen = (uint8_t)((v >> 10) % 11 * 4) };
		rand_addr(&r, es.from);
		memcpy(es.to, os.src, 4);
		struct pkt_xlate_icmp x;
		v = rng_next(&r);
		if (v & 1)
			memcpy(x.outer_src_match, es.from, 4);
		else
			rand_addr(&r, x.outer_src_match);
		rand_addr(&r, x.outer_src);
		rand_addr(&r, x.outer_dst);
		rand_addr(&r, x.in_src);
		rand_addr(&r, x.in_dst);
		x.in_sport = (uint16_t)(v >> 8);
		x.in_dport = (uint16_t)(v >> 24);
		unsigned qt = (v >> 40) % 4 == 0 ? 8 : (v >> 40) % 4 == 1 ? 2000 : 8 + (unsigned)((v >> 42) % 40);
		run_err(&es, &os, qt, &x);
	}
}
END_TEST

void nat_xlate_icmp_tests(TCase *tc)
{
	tcase_add_test(tc, error_port_unreachable_udp);
	tcase_add_test(tc, error_time_exceeded_tcp);
	tcase_add_test(tc, error_frag_needed_tcp);
	tcase_add_test(tc, error_quoting_icmp_echo);
	tcase_add_test(tc, error_outer_source_match);
	tcase_add_test(tc, error_options_vlans_fragments);
	tcase_add_test(tc, error_refused);
	tcase_add_test(tc, random_packets);
	tcase_add_test(tc, random_errors);
}
