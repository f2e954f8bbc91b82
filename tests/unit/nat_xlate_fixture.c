/* nat_xlate_fixture.c - unit-nat-xlate's fixture (nat_xlate_fixture.h): checks by the naive
 * RFC 1071 sums (nv_csum.h: a plain loop over big-endian words, its own pseudo-header; no
 * pkt_csum.h), the datagrams a struct spec describes, and a translation run and checked. */
#include "nat_xlate_fixture.h"
#include "pkt_parse.h"

#include <string.h>

static struct pkt_pool *pool;

void setup(void)
{
	pool = pkt_pool_create("nat", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
}

void teardown(void) { pkt_pool_destroy(pool); }

/* ---- the naive reference (RFC 1071) ---- */

bool nv_ip4_ok(const uint8_t *ip) { return nv_fold(nv_sum(0, ip, (size_t)(ip[0] & 15) * 4)) == 0xffff; }

/* The transport checksum of the datagram at l4 (len bytes, whole) verifies. A UDP
 * checksum of 0 is none (the callers check whether it should be). */
bool nv_l4_ok(const uint8_t *ip, const uint8_t *l4, uint16_t len, uint8_t proto)
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
uint16_t nv_l4_raw(const struct pb *f)
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

bool icmp_query(uint8_t t) { return t == 0 || t == 8 || (t >= 13 && t <= 18); }

bool has_l4(const struct spec *s)
{
	return !(s->frag & 0x1fff) && (s->proto == 6 || s->proto == 17 || s->proto == 1);
}

/* The datagram s describes with its checksums, unpadded. */
void build(struct pb *f, const struct spec *s)
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
struct pkt_buf *to_pkt(const struct pb *f, uint16_t *len)
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

/* What s becomes: na:np as the source (OP_SRC, OP_BOTH), nb:nq as the destination. */
struct spec expect(const struct spec *s, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4],
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

void apply(struct pkt_buf *p, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4], uint16_t nq)
{
	switch (op) {
	case OP_SRC: pkt_xlate_src(p, na, np); break;
	case OP_DST: pkt_xlate_dst(p, nb, nq); break;
	case OP_BOTH: pkt_xlate_both(p, na, np, nb, nq); break;
	}
}

/* Every checksum the translated frame d (built as f) carries, by the naive sums. */
void verify_frame(const uint8_t *d, const struct pb *f, const struct spec *s)
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
void run(const struct spec *s, enum op op, const uint8_t na[4], uint16_t np, const uint8_t nb[4], uint16_t nq)
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

const uint8_t A_IN[4] = { 10, 0, 0, 7 }, A_SRV[4] = { 203, 0, 113, 9 }, A_PUB[4] = { 198, 51, 100, 77 },
	      A_RTR[4] = { 192, 0, 2, 254 };

struct spec basic(uint8_t proto)
{
	struct spec s = { .proto = proto, .sport = 40000, .dport = 80, .payload = 100, .seed = 1 };
	memcpy(s.src, A_IN, 4);
	memcpy(s.dst, A_SRV, 4);
	return s;
}
