/* NAT44 packet rewriting (nat/nat_xlate.h): addresses, ports and ICMP query identifiers
 * with incremental checksums, and ICMP errors with their quotes (RFC 5508 4.2).
 *
 * Every translated frame is compared byte for byte with the frame built from scratch with
 * the new addresses and ports (pktbuild's builders, whose checksums are pktbuild's
 * reference), and every checksum in it is verified again by a naive RFC 1071 sum written
 * here (nv_*: a plain loop over big-endian words, its own pseudo-header; no pkt_csum.h):
 * the IPv4 header's, TCP's and UDP's over the whole segment with the pseudo-header, ICMP's
 * over the message; for ICMP errors the outer header's, the outer ICMP message's, the
 * quoted header's and the quoted transport checksum when the quote holds the datagram. */
#include "nat_xlate.h"
#include "pkt_parse.h"
#include "pktbuild.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

static struct pkt_pool *pool;

static void setup(void)
{
	pool = pkt_pool_create("nat", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
}

static void teardown(void) { pkt_pool_destroy(pool); }

/* ---- the naive reference (RFC 1071) ---- */

static uint16_t nv_rd16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

static uint32_t nv_sum(uint32_t s, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0u);
	return s;
}

static uint16_t nv_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t nv_pseudo(const uint8_t *ip, uint8_t proto, uint16_t len)
{
	uint8_t ph[12] = { 0 };
	memcpy(ph, ip + 12, 8);
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return nv_sum(0, ph, sizeof(ph));
}

static bool nv_ip4_ok(const uint8_t *ip) { return nv_fold(nv_sum(0, ip, (size_t)(ip[0] & 15) * 4)) == 0xffff; }

/* The transport checksum of the datagram at l4 (len bytes, whole) verifies. A UDP
 * checksum of 0 is none (the callers check whether it should be). */
static bool nv_l4_ok(const uint8_t *ip, const uint8_t *l4, uint16_t len, uint8_t proto)
{
	switch (proto) {
	case 6:
		return len >= 20 && nv_fold(nv_sum(nv_pseudo(ip, 6, len), l4, len)) == 0xffff;
	case 17:
		return len >= 8 && (nv_rd16(l4 + 6) == 0 || nv_fold(nv_sum(nv_pseudo(ip, 17, len), l4, len)) == 0xffff);
	case 1:
		return len >= 8 && nv_fold(nv_sum(0, l4, len)) == 0xffff;
	default:
		return true;
	}
}

/* The raw checksum (before UDP's 0 -> 0xffff) of the datagram at f->l4, field as zero. */
static uint16_t nv_l4_raw(const struct pb *f)
{
	uint16_t len = (uint16_t)(f->len - f->l4);
	uint8_t seg[PB_MAX];
	memcpy(seg, f->b + f->l4, len);
	unsigned off = f->proto == 6 ? 16 : f->proto == 17 ? 6 : 2;
	seg[off] = seg[off + 1] = 0;
	uint32_t s = f->proto == 1 ? 0 : nv_pseudo(f->b + f->l3, f->proto, len);
	return (uint16_t)~nv_fold(nv_sum(s, seg, len));
}

/* ---- frames ---- */

static bool icmp_query(uint8_t t) { return t == 0 || t == 8 || (t >= 13 && t <= 18); }

struct spec {
	uint8_t n_vlan;        /* 0 to 2 tags */
	uint8_t optlen;        /* IPv4 option bytes, a multiple of 4 (a router alert, then NOPs) */
	uint8_t proto;         /* 6, 17, 1, or another without a parser */
	uint8_t icmp_type;
	uint8_t src[4], dst[4];
	uint16_t sport, dport; /* an ICMP message's identifier is sport */
	uint16_t payload;
	uint16_t frag;         /* the IPv4 flags and fragment offset */
	bool udp_none;         /* UDP sent without a checksum */
	uint64_t seed;         /* of the payload's bytes */
};

static bool has_l4(const struct spec *s)
{
	return !(s->frag & 0x1fff) && (s->proto == 6 || s->proto == 17 || s->proto == 1);
}

/* The datagram s describes with its checksums, unpadded. */
static void build(struct pb *f, const struct spec *s)
{
	static const uint16_t tpid[2] = { 0x88a8, 0x8100 }, tci[2] = { 100, 200 };
	uint8_t opts[40];
	memset(opts, 1, sizeof(opts));  /* NOPs */
	if (s->optlen >= 4) {           /* router alert */
		opts[0] = 148;
		opts[1] = 4;
		opts[2] = opts[3] = 0;
	}
	pb_init(f);
	pb_eth(f, s->n_vlan, s->n_vlan == 1 ? tpid + 1 : tpid, tci, 0x0800);
	pb_ip4(f, s->proto, s->frag, s->optlen ? opts : NULL, s->optlen);
	memcpy(f->b + f->l3 + 12, s->src, 4);
	memcpy(f->b + f->l3 + 16, s->dst, 4);
	if (!(s->frag & 0x1fff)) {
		if (s->proto == 6)
			pb_tcp(f, s->sport, s->dport, NULL, 0);
		else if (s->proto == 17)
			pb_udp(f, s->sport, s->dport);
		else if (s->proto == 1)
			pb_icmp(f, 1, s->icmp_type, 0, s->sport);
	}
	uint8_t *pl = pb_put(f, NULL, s->payload);
	uint64_t r = s->seed | 1;
	for (unsigned i = 0; i < s->payload; i++)
		pl[i] = (uint8_t)(rng_next(&r) >> 56);
	pb_done(f);
	if (s->udp_none && f->l4 && s->proto == 17)
		f->b[f->l4 + 6] = f->b[f->l4 + 7] = 0;
}

/* A parsed packet holding f padded to Ethernet's 60 bytes, with the device's checks set. */
static struct pkt_buf *to_pkt(const struct pb *f, uint16_t *len)
{
	static struct pb g;
	g = *f;
	pb_pad(&g, 60);
	struct pkt_buf *p = pb_to_pkt(pool, g.b, g.len);
	CHECK(pkt_parse(p) == PKT_PARSE_OK, "parse");
	p->ol_flags = PKT_OL_IP4_CSUM_GOOD | PKT_OL_L4_CSUM_GOOD;
	if (len)
		*len = g.len;
	return p;
}

enum op { OP_SRC, OP_DST, OP_BOTH };

/* What s becomes: na:np as the source (OP_SRC, OP_BOTH), nb:nq as the destination. */
static struct spec expect(const struct spec *s, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4],
			  uint16_t nq)
{
	struct spec e = *s;
	bool ports = has_l4(s) && s->proto != 1, id = has_l4(s) && s->proto == 1 && icmp_query(s->icmp_type);
	if (op != OP_DST) {
		memcpy(e.src, na, 4);
		if (ports || id)
			e.sport = np;
	}
	if (op != OP_SRC) {
		memcpy(e.dst, nb, 4);
		if (ports)
			e.dport = nq;
		if (id && op == OP_DST)
			e.sport = nq;
	}
	return e;
}

static void apply(struct pkt_buf *p, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4], uint16_t nq)
{
	switch (op) {
	case OP_SRC: nat_xlate_src(p, na, np); break;
	case OP_DST: nat_xlate_dst(p, nb, nq); break;
	case OP_BOTH: nat_xlate_both(p, na, np, nb, nq); break;
	}
}

/* Every checksum the translated frame d (built as f) carries, by the naive sums. */
static void verify_frame(const uint8_t *d, const struct pb *f, const struct spec *s)
{
	const uint8_t *ip = d + f->l3;
	CHECK(nv_ip4_ok(ip), "IPv4 header checksum");
	if (f->l4) {
		uint16_t len = (uint16_t)(f->len - f->l4);
		CHECK(nv_l4_ok(ip, d + f->l4, len, s->proto), "transport checksum (proto %u)", s->proto);
		if (s->proto == 17)
			CHECK((nv_rd16(d + f->l4 + 6) == 0) == s->udp_none, "UDP checksum 0 iff none");
	}
}

/* Translates the frame s describes and checks it against the frame built translated. */
static void run(const struct spec *s, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4], uint16_t nq)
{
	static struct pb o, e, g;
	build(&o, s);
	struct spec es = expect(s, op, na, np, nb, nq);
	build(&e, &es);
	uint16_t len;
	struct pkt_buf *p = to_pkt(&o, &len);
	apply(p, op, na, np, nb, nq);
	g = e;
	pb_pad(&g, 60);
	CHECK(p->len == g.len, "length");
	CHECK(memcmp(p->data, g.b, g.len) == 0, "frame differs from the one built translated (proto %u op %d)",
	      s->proto, (int)op);
	verify_frame(p->data, &e, s);
	CHECK(p->ol_flags == (PKT_OL_IP4_CSUM_GOOD | PKT_OL_L4_CSUM_GOOD), "ol_flags");
	pkt_free(p);
}

static const uint8_t A_IN[4] = { 10, 0, 0, 7 }, A_SRV[4] = { 203, 0, 113, 9 }, A_PUB[4] = { 198, 51, 100, 77 },
		     A_RTR[4] = { 192, 0, 2, 254 };

static struct spec basic(uint8_t proto)
{
	struct spec s = { .proto = proto, .sport = 40000, .dport = 80, .payload = 100, .seed = 1 };
	memcpy(s.src, A_IN, 4);
	memcpy(s.dst, A_SRV, 4);
	return s;
}

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
	nat_xlate_src(p, A_PUB, 0x1234);
	const uint8_t *ip = p->data + 14, *t = ip + 20;
	ck_assert_mem_eq(ip + 12, A_PUB, 4);
	ck_assert_mem_eq(ip + 16, A_SRV, 4);
	ck_assert_uint_eq(nv_rd16(t), 0x1234);
	ck_assert_uint_eq(nv_rd16(t + 2), 80);
	ck_assert(nv_ip4_ok(ip));
	ck_assert(nv_l4_ok(ip, t, 120, 6));
	nat_xlate_dst(p, A_IN, 443);
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
	nat_xlate_both(p, A_PUB, 1, A_IN, 2);
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
	nat_xlate_src(p, A_PUB, 0xbeef);
	ck_assert_uint_eq(nv_rd16(p->data + 34 + 4), 0xbeef);
	ck_assert(nv_l4_ok(p->data + 14, p->data + 34, 108, 1));
	pkt_free(p);
	s.icmp_type = 0;
	s.sport = 0xbeef;
	memcpy(s.src, A_SRV, 4);
	memcpy(s.dst, A_PUB, 4);
	build(&o, &s);
	p = to_pkt(&o, NULL);
	nat_xlate_dst(p, A_IN, 0x0101);
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
	nat_xlate_both(p, A_PUB, 9, A_IN, 9);
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
	nat_xlate_both(p, A_PUB, 9, A_IN, 9);
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
	nat_xlate_src(p, A_PUB, 1);
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
				nat_xlate_both(p, chg[c].to, chg[c].pto, chg[c].to, chg[c].pto);
				const uint8_t *ip = p->data + o.l3, *l4 = p->data + o.l4;
				CHECK(nv_ip4_ok(ip), "IPv4 header checksum, word %x", w);
				CHECK(nv_l4_ok(ip, l4, seglen, proto), "transport checksum, word %x", w);
				CHECK(proto != 17 || nv_rd16(l4 + coff) != 0, "UDP checksum 0, word %x", w);
				pkt_free(p);
			}
		}
}
END_TEST

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
			      const struct nat_xlate_icmp *x)
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
		CHECK(!nat_xlate_icmp_error(p, x), "a quote of %u transport bytes translated", qt_have);
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
	CHECK(nat_xlate_icmp_error(p, x), "not translated");
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
static struct nat_xlate_icmp back_to_inside(void)
{
	struct nat_xlate_icmp x = { .in_sport = 40000, .in_dport = 80 };
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
	struct nat_xlate_icmp x = back_to_inside();
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
	struct nat_xlate_icmp x = back_to_inside();
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
	struct nat_xlate_icmp x = back_to_inside();
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
	struct nat_xlate_icmp x = back_to_inside();
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
	struct nat_xlate_icmp x = back_to_inside();
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
	struct nat_xlate_icmp x = back_to_inside();
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
static void refused(const struct pb *f, const struct nat_xlate_icmp *x)
{
	uint16_t len;
	struct pkt_buf *p = to_pkt(f, &len);
	static uint8_t before[PB_MAX];
	memcpy(before, p->data, len);
	ck_assert(!nat_xlate_icmp_error(p, x));
	ck_assert_uint_eq(p->len, len);
	ck_assert_mem_eq(p->data, before, len);
	pkt_free(p);
}

START_TEST(error_refused)
{
	struct nat_xlate_icmp x = back_to_inside();
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
		ck_assert(nat_xlate_icmp_error(p, &x));
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
		struct nat_xlate_icmp x;
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
	tcase_add_test(tc, error_port_unreachable_udp);
	tcase_add_test(tc, error_time_exceeded_tcp);
	tcase_add_test(tc, error_frag_needed_tcp);
	tcase_add_test(tc, error_quoting_icmp_echo);
	tcase_add_test(tc, error_outer_source_match);
	tcase_add_test(tc, error_options_vlans_fragments);
	tcase_add_test(tc, error_refused);
	tcase_add_test(tc, random_packets);
	tcase_add_test(tc, random_errors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
