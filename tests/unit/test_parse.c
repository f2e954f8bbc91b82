/* Parser tests: valid frames, every truncation, malformed fields, the parse stage, fuzzing.
 *
 * Truncated and malformed frames are parsed out of a heap block of exactly the frame's
 * length, so any read past p->len is a heap-buffer-overflow under ASan
 * (-Db_sanitize=address,undefined).
 */
#include "parse_frames.h"
#include "check_run.h"
#include "pkt_parse.h"
#include "pkt_pipe.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define R(x) PKT_PARSE_##x

static enum pkt_parse_result parse_heap(const uint8_t *frame, uint16_t len, struct pkt_meta *m)
{
	uint8_t *heap = malloc(len);
	if (len)
		memcpy(heap, frame, len);
	struct pkt_buf p = { .data = heap, .len = len };
	enum pkt_parse_result r = pkt_parse(&p);
	*m = p.meta;
	free(heap);
	return r;
}

static void meta_eq(const struct pkt_meta *g, const struct pkt_meta *w, const char *what, unsigned cut)
{
#define FIELD(f) CHECK(g->f == w->f, "%s (len %u): meta." #f " = %#x, want %#x", what, cut, \
		       (unsigned)g->f, (unsigned)w->f)
	FIELD(l3_off); FIELD(l4_off); FIELD(l3_end); FIELD(ethertype); FIELD(vlan);
	FIELD(inner_vlan); FIELD(n_vlan); FIELD(l3); FIELD(l4proto); FIELD(flags);
#undef FIELD
}

static const char *rname(enum pkt_parse_result r)
{
	return r < PKT_PARSE__COUNT ? pkt_parse_reason_names[r] : "(out of range)";
}

#define CHECK_REASON(got, want, what, cut) \
	CHECK((got) == (want), "%s (len %u): got %s, want %s", what, (unsigned)(cut), rname(got), rname(want))

/* ---- valid frames ---- */

START_TEST(valid_frame)
{
	const struct frame_case *fc = &frame_cases[_i];
	struct pb f;
	frame_build((enum frame_id)_i, &f);
	struct pkt_pool *pool = pkt_pool_create("parse", PB_POOL_SIZE);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	p->meta = (struct pkt_meta){ .l4_off = 999, .flags = 0xff };  /* stale state must go */
	ck_assert_msg(pkt_parse(p) == R(OK), "%s", fc->name);
	meta_eq(&p->meta, &fc->want, fc->name, f.len);
	ck_assert_uint_eq(p->len, f.len);
	ck_assert_mem_eq(p->data, f.b, f.len);  /* the parser does not write the frame */
	pkt_free(p);
	pkt_pool_destroy(pool);
}
END_TEST

/* ---- truncation: p->len cut, headers left as they were ---- */

/* The reason a frame cut to c bytes must get when its length fields still claim more. */
static enum pkt_parse_result expect_cut(const struct pkt_meta *w, const uint8_t *fr, uint16_t c)
{
	if (c < 14)
		return R(ETH_TRUNC);
	if (c < w->l3_off)
		return R(VLAN_TRUNC);
	unsigned rel = c - w->l3_off;
	switch (w->l3) {
	case PKT_L3_IPV4:
		if (rel < 20)
			return R(IP4_TRUNC);
		if (rel < (fr[w->l3_off] & 0xfu) * 4)
			return R(IP4_HDR_LEN);
		return c < w->l3_end ? R(IP4_TOTAL_LEN) : R(OK);
	case PKT_L3_IPV6:
		if (rel < 40)
			return R(IP6_TRUNC);
		return c < w->l3_end ? R(IP6_PAYLOAD_LEN) : R(OK);
	case PKT_L3_ARP:
		return c < w->l3_end ? R(ARP_TRUNC) : R(OK);
	default:
		return R(OK);
	}
}

START_TEST(truncate_every_length)
{
	const struct frame_case *fc = &frame_cases[_i];
	struct pb f;
	frame_build((enum frame_id)_i, &f);
	for (uint16_t c = 0; c <= f.len; c++) {
		struct pkt_meta m;
		enum pkt_parse_result r = parse_heap(f.b, c, &m), want = expect_cut(&fc->want, f.b, c);
		CHECK_REASON(r, want, fc->name, c);
		if (r == R(OK))
			meta_eq(&m, &fc->want, fc->name, c);  /* cutting padding changes nothing */
		else
			CHECK(!(m.flags & (PKT_F_PARSED | PKT_F_L4)), "%s (len %u): flags %#x on error",
			      fc->name, c, m.flags);
	}
}
END_TEST

/* ---- truncation with consistent IP lengths: the transport parsers see the cut ---- */

static enum pkt_parse_result expect_l4_cut(const struct pkt_meta *w, const uint8_t *fr, uint16_t c,
					   uint8_t *flags)
{
	*flags = w->flags;
	if (w->l3 == PKT_L3_IPV6 && c == w->l3_off + 40)
		return R(IP6_PAYLOAD_LEN);  /* payload length 0 */
	if (c < w->l4_off)
		return R(IP6_EXT_TRUNC);    /* only IPv6 cuts start before l4_off */
	if (!(w->flags & PKT_F_L4))
		return R(OK);               /* non-first fragments, protocols without a parser */
	unsigned avail = c - w->l4_off;
	enum pkt_parse_result r = R(OK);
	switch (w->l4proto) {
	case 6:
		r = avail < 20 ? R(TCP_TRUNC) : avail < (fr[w->l4_off + 12] >> 4) * 4u ? R(TCP_DATA_OFF) : R(OK);
		break;
	case 17:
		r = avail < 8 ? R(UDP_TRUNC) : R(UDP_LEN);  /* c < l3_end: UDP length too big */
		break;
	case 1:
		r = avail < 8 ? R(ICMP_TRUNC) : R(OK);
		break;
	case 58:
		r = avail < 8 ? R(ICMP6_TRUNC) : R(OK);
		break;
	}
	if (r != R(OK) && (w->flags & PKT_F_FRAG)) {  /* a tiny first fragment is not an error */
		*flags = (uint8_t)(w->flags & ~PKT_F_L4);
		return R(OK);
	}
	return r;
}

START_TEST(truncate_ip_consistently)
{
	const struct frame_case *fc = &frame_cases[_i];
	const struct pkt_meta *w = &fc->want;
	if (w->l3 != PKT_L3_IPV4 && w->l3 != PKT_L3_IPV6)
		return;
	struct pb f;
	frame_build((enum frame_id)_i, &f);
	uint16_t first = w->l3 == PKT_L3_IPV4 ? w->l4_off : (uint16_t)(w->l3_off + 40);
	for (uint16_t c = first; c < w->l3_end; c++) {
		uint8_t buf[PB_MAX], flags;
		memcpy(buf, f.b, c);
		if (w->l3 == PKT_L3_IPV4) {
			pkt_wr16(buf + w->l3_off + 2, (uint16_t)(c - w->l3_off));
			pb_ip4_csum(buf + w->l3_off, c - w->l3_off);
		} else {
			pkt_wr16(buf + w->l3_off + 4, (uint16_t)(c - w->l3_off - 40));
		}
		struct pkt_meta m;
		enum pkt_parse_result r = parse_heap(buf, c, &m), want = expect_l4_cut(w, f.b, c, &flags);
		CHECK_REASON(r, want, fc->name, c);
		if (r == R(OK)) {
			struct pkt_meta wm = *w;
			wm.l3_end = c;
			wm.flags = flags;
			meta_eq(&m, &wm, fc->name, c);
		} else {
			CHECK(!(m.flags & (PKT_F_PARSED | PKT_F_L4)), "%s (len %u): flags %#x", fc->name, c,
			      m.flags);
		}
	}
}
END_TEST

/* Hand-picked cuts with the reason each must give (cross-checks the expectations above). */
static const struct {
	enum frame_id f;
	uint16_t cut;
	int fix_ip_len;  /* rewrite IP lengths to the cut */
	enum pkt_parse_result want;
} cuts[] = {
	{ F_IP4_UDP, 0, 0, R(ETH_TRUNC) },         { F_IP4_UDP, 13, 0, R(ETH_TRUNC) },
	{ F_VLAN_IP4_ICMP, 17, 0, R(VLAN_TRUNC) },  { F_QINQ_IP6_UDP, 14, 0, R(VLAN_TRUNC) },
	{ F_QINQ_IP6_UDP, 21, 0, R(VLAN_TRUNC) },   { F_IP4_UDP, 33, 0, R(IP4_TRUNC) },
	{ F_IP4_OPTS, 40, 0, R(IP4_HDR_LEN) },      { F_IP4_UDP, 47, 0, R(IP4_TOTAL_LEN) },
	{ F_ARP, 41, 0, R(ARP_TRUNC) },             { F_IP6_TCP, 53, 0, R(IP6_TRUNC) },
	{ F_IP6_TCP, 83, 0, R(IP6_PAYLOAD_LEN) },   { F_IP4_TCP, 53, 1, R(TCP_TRUNC) },
	{ F_IP4_TCP, 60, 1, R(TCP_DATA_OFF) },      { F_IP4_UDP, 41, 1, R(UDP_TRUNC) },
	{ F_IP4_UDP, 46, 1, R(UDP_LEN) },           { F_VLAN_IP4_ICMP, 45, 1, R(ICMP_TRUNC) },
	{ F_IP6_ICMP6, 61, 1, R(ICMP6_TRUNC) },     { F_IP6_EXT_CHAIN, 70, 1, R(IP6_EXT_TRUNC) },
	{ F_IP6_FRAG_FIRST, 60, 1, R(IP6_EXT_TRUNC) }, { F_ETH_OTHER, 14, 0, R(OK) },
	{ F_IP4_UDP, 48, 0, R(OK) },                { F_ARP, 42, 0, R(OK) },
	{ F_IP4_FRAG_FIRST, 40, 1, R(OK) },         { F_IP6_FRAG_NONFIRST, 63, 1, R(OK) },
};

START_TEST(truncate_representative)
{
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		const struct pkt_meta *w = &frame_cases[cuts[i].f].want;
		struct pb f;
		frame_build(cuts[i].f, &f);
		if (cuts[i].fix_ip_len && w->l3 == PKT_L3_IPV4) {
			pkt_wr16(f.b + w->l3_off + 2, (uint16_t)(cuts[i].cut - w->l3_off));
			pb_ip4_csum(f.b + w->l3_off, cuts[i].cut - w->l3_off);
		} else if (cuts[i].fix_ip_len)
			pkt_wr16(f.b + w->l3_off + 4, (uint16_t)(cuts[i].cut - w->l3_off - 40));
		struct pkt_meta m;
		enum pkt_parse_result r = parse_heap(f.b, cuts[i].cut, &m);
		CHECK_REASON(r, cuts[i].want, frame_cases[cuts[i].f].name, cuts[i].cut);
	}
}
END_TEST

/* ---- malformed fields (bad_cases in parse_frames.c) ---- */

START_TEST(malformed_field)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct pb f;
	bc->build(&f);
	struct pkt_meta m;
	enum pkt_parse_result r = parse_heap(f.b, f.len, &m);
	CHECK_REASON(r, bc->want, bc->name, f.len);
	ck_assert_uint_eq(!!(m.flags & PKT_F_PARSED), r == R(OK));
	if (r != R(OK))
		ck_assert_uint_eq(m.flags & PKT_F_L4, 0);
}
END_TEST

/* PKT_IP6_MAX_EXT (8) extension headers are allowed, only more are IP6_EXT_DEPTH
 * (once found rejecting the 8th). */
START_TEST(ip6_eight_ext_headers_allowed)
{
	struct pb f;
	frame_ip6_ext_chain(&f, PKT_IP6_MAX_EXT);
	struct pkt_meta m;
	enum pkt_parse_result r = parse_heap(f.b, f.len, &m);
	CHECK_REASON(r, R(OK), "8 extension headers", f.len);
	ck_assert_uint_eq(m.l4_off, 14 + 40 + 8 * PKT_IP6_MAX_EXT);
	ck_assert_uint_eq(m.flags, PKT_F_PARSED | PKT_F_IP_OPTS | PKT_F_L4);
}
END_TEST

/* In a first fragment the UDP length is the whole datagram's and exceeds the fragment; the
 * 8-byte header is whole, so PKT_F_L4 must be set, as for TCP first fragments. */
START_TEST(udp_first_fragment_has_l4)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pb f;
		pb_init(&f);
		pb_eth0(&f, v6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IPV4);
		if (v6) {
			pb_ip6(&f, 44);
			pb_ip6_frag(&f, 17, 0, 1);
		} else {
			pb_ip4(&f, 17, 0x2000, NULL, 0);
		}
		pb_udp(&f, 53, 53);
		pb_payload(&f, 1232);
		pb_done(&f);
		pkt_wr16(f.b + f.l4 + 4, 3000);  /* the reassembled datagram's length */
		struct pkt_meta m;
		ck_assert_int_eq(parse_heap(f.b, f.len, &m), R(OK));
		ck_assert_uint_eq(m.l4_off, f.l4);
		ck_assert_msg(m.flags & PKT_F_FRAG, "v6=%d", v6);
		ck_assert_msg(m.flags & PKT_F_L4, "v6=%d: UDP first fragment without PKT_F_L4", v6);
	}
}
END_TEST

START_TEST(meta_on_error_and_reparse)
{
	struct pb f;
	bad_case("tcp_doff4")->build(&f);
	struct pkt_buf p = { .data = f.b, .len = f.len };
	ck_assert_int_eq(pkt_parse(&p), R(TCP_DATA_OFF));  /* what was parsed so far is kept */
	ck_assert_uint_eq(p.meta.l3, PKT_L3_IPV4);
	ck_assert_uint_eq(p.meta.l3_off, 14);
	ck_assert_uint_eq(p.meta.l3_end, 174);
	ck_assert_uint_eq(p.meta.flags, 0);
	struct pb q;
	frame_build(F_QINQ_IP6_UDP, &q);
	p.data = q.b;
	p.len = q.len;
	ck_assert_int_eq(pkt_parse(&p), R(OK));
	frame_build(F_ARP, &f);  /* nothing of the tagged IPv6 packet may survive */
	p.data = f.b;
	p.len = f.len;
	ck_assert_int_eq(pkt_parse(&p), R(OK));
	meta_eq(&p.meta, &frame_cases[F_ARP].want, "arp after qinq", f.len);
}
END_TEST

/* ---- a new Ethernet header (pkt_set_eth) ---- */

/* f copied into buf behind headroom bytes, parsed */
static void load(struct pkt_buf *p, uint8_t *buf, uint32_t size, uint16_t headroom, const struct pb *f)
{
	memset(buf, 0xee, size);
	memcpy(buf + headroom, f->b, f->len);
	*p = (struct pkt_buf){ .buf = buf, .buf_len = size, .data = buf + headroom, .len = f->len };
	ck_assert_int_eq(pkt_parse(p), R(OK));
}

START_TEST(set_eth_moves_the_header)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 0xd }, src[6] = { 2, 0, 0, 0, 0, 0x5 };
	uint8_t buf[512];
	struct pb f;
	frame_build(F_QINQ_IP6_UDP, &f);
	struct pkt_buf p;
	load(&p, buf, sizeof(buf), 8, &f);
	uint16_t l3 = p.meta.l3_off, dgram = (uint16_t)(p.meta.l3_end - l3), l4 = (uint16_t)(p.meta.l4_off - l3);
	ck_assert_uint_eq(l3, 22);
	/* two tags to one: 4 bytes shorter at the front, the datagram untouched */
	ck_assert(pkt_set_eth(&p, dst, src, 10));
	ck_assert_ptr_eq(p.data, buf + 12);
	ck_assert_uint_eq(p.len, f.len - 4);
	ck_assert_uint_eq(p.meta.l3_off, 18);
	ck_assert_uint_eq(p.meta.l4_off, 18 + l4);
	ck_assert_uint_eq(p.meta.l3_end, 18 + dgram);
	ck_assert_uint_eq(p.meta.n_vlan, 1);
	ck_assert_uint_eq(p.meta.vlan, 10);
	ck_assert_mem_eq(p.data + 18, f.b + 22, dgram);
	static const uint8_t hdr18[18] = { 2, 0, 0, 0, 0, 0xd, 2, 0, 0, 0, 0, 5, 0x81, 0, 0, 10, 0x86, 0xdd };
	ck_assert_mem_eq(p.data, hdr18, 18);
	struct pkt_meta kept = p.meta;      /* what the parser says of the result */
	ck_assert_int_eq(pkt_parse(&p), R(OK));
	ck_assert_mem_eq(&p.meta, &kept, sizeof(kept));
	/* untagged */
	ck_assert(pkt_set_eth(&p, dst, src, 0));
	ck_assert_uint_eq(p.meta.l3_off, 14);
	ck_assert_uint_eq(p.meta.n_vlan, 0);
	ck_assert_uint_eq(pkt_rd16(p.data + 12), 0x86dd);
	ck_assert_mem_eq(p.data + 14, f.b + 22, dgram);
	kept = p.meta;
	ck_assert_int_eq(pkt_parse(&p), R(OK));
	ck_assert_mem_eq(&p.meta, &kept, sizeof(kept));
	/* no headroom for a tag: refused, the frame as it was */
	struct pb u;
	frame_build(F_ARP, &u);
	load(&p, buf, sizeof(buf), 2, &u);
	ck_assert(!pkt_set_eth(&p, dst, src, 7));
	ck_assert_ptr_eq(p.data, buf + 2);
	ck_assert_uint_eq(p.len, u.len);
	ck_assert_mem_eq(p.data, u.b, u.len);
	/* a tagged ARP frame of 60 bytes loses its tag: padded back to 60 */
	load(&p, buf, sizeof(buf), 8, &u);
	ck_assert(pkt_set_eth(&p, dst, src, 7));
	ck_assert_uint_eq(p.len, 64);
	ck_assert(pkt_set_eth(&p, dst, src, 0));
	ck_assert_uint_eq(p.len, 60);
	ck_assert_uint_eq(p.data[59], 0);
	/* not parsed: refused */
	p.meta.flags = 0;
	ck_assert(!pkt_set_eth(&p, dst, src, 7));
}
END_TEST

/* ---- reason names and the parse stage ---- */

#define ID_ROW(id, str) { PKT_PARSE_##id, #id },
static const struct { enum pkt_parse_result r; const char *id; } ids[] = { PKT_PARSE_REASONS(ID_ROW) };

START_TEST(reason_names)
{
	ck_assert_uint_eq(sizeof(ids) / sizeof(ids[0]), PKT_PARSE__COUNT);
	for (unsigned i = 0; i < PKT_PARSE__COUNT; i++) {
		const char *n = pkt_parse_reason_names[i];
		ck_assert_ptr_nonnull(n);
		ck_assert_uint_gt(strlen(n), 0);
		for (unsigned j = 0; j < i; j++)
			ck_assert_str_ne(n, pkt_parse_reason_names[j]);
		char lower[32] = { 0 };  /* "IP4_HDR_LEN" -> "ip4_hdr_len" at the same index */
		for (size_t k = 0; ids[i].id[k] && k < sizeof(lower) - 1; k++)
			lower[k] = (char)tolower((unsigned char)ids[i].id[k]);
		ck_assert_uint_eq(ids[i].r, i);
		ck_assert_str_eq(pkt_parse_reason_names[ids[i].r], lower);
	}
	ck_assert_ptr_eq(pkt_parse_stage.reasons, pkt_parse_reason_names);
	ck_assert_uint_eq(pkt_parse_stage.n_reasons, PKT_PARSE__COUNT);
	ck_assert_uint_le(pkt_parse_stage.n_reasons, PKT_MAX_REASONS);
}
END_TEST

static void fwd_all(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	(void)ctx;
	(void)w;
	for (uint16_t i = 0; i < n; i++)
		pkt_fwd(pkts[i], 0);
}
static const struct pkt_stage_def fwd_stage = { .name = "fwd", .process = fwd_all };

/* Counts "  parse.ip4_version <spaces> 1" lines. */
static void find_line(void *arg, const char *line)
{
	const char *last = strrchr(line, ' ');
	if (strncmp(line, "  parse.ip4_version ", 20) == 0 && last && strcmp(last, " 1") == 0)
		++*(int *)arg;
}

START_TEST(parse_stage_drops_by_reason)
{
	struct pkt_pipeline pipe = { .n_ports = 1 };
	ck_assert(pkt_pipe_add(&pipe, &pkt_parse_stage, NULL));
	ck_assert(pkt_pipe_add(&pipe, &fwd_stage, NULL));
	struct pkt_worker w;
	pkt_worker_init(&w, &pipe);
	struct pkt_pool *pool = pkt_pool_create("stage", PB_POOL_SIZE);
	static const char *const bad[] = { "ip4_version5", "tcp_doff4", "ip4_version5", "three_vlans" };
	struct pkt_buf *pkts[8];
	struct pb f;
	uint16_t n = 0;
	for (unsigned i = 0; i < 4; i++) {
		bad_case(bad[i])->build(&f);
		pkts[n++] = pb_to_pkt(pool, f.b, f.len);
		frame_build((enum frame_id)(F_IP4_UDP + i), &f);
		pkts[n++] = pb_to_pkt(pool, f.b, f.len);
	}
	pkts[0]->len = 10;  /* and one runt instead of the first version-5 packet */
	pkt_pipe_run(&w, pkts, n);
	ck_assert_uint_eq(w.cnt.stage_in[0], 8);
	ck_assert_uint_eq(w.cnt.stage_in[1], 4);
	for (unsigned r = 0; r < PKT_MAX_REASONS; r++) {
		uint64_t want = r == R(ETH_TRUNC) || r == R(IP4_VERSION) || r == R(TCP_DATA_OFF) ||
				r == R(VLAN_DEPTH);
		ck_assert_msg(w.cnt.stage_drops[0][r] == want, "reason %u: %lu", r,
			      (unsigned long)w.cnt.stage_drops[0][r]);
	}
	ck_assert_uint_eq(pkt_counters_drops(&pipe, &w.cnt), 4);
	ck_assert_uint_eq(w.txq[0].n, 4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert(w.txq[0].pkts[i]->meta.flags & PKT_F_PARSED);
	ck_assert_uint_eq(pool->avail, PB_POOL_SIZE - 4);
	int found = 0;
	pkt_counters_format(&pipe, &w.cnt, find_line, &found);
	ck_assert_int_eq(found, 1);
	pkt_txq_done(&w, 0, 0);
	pkt_pool_destroy(pool);
}
END_TEST

/* ---- fuzzing ---- */

static void check_sane(enum pkt_parse_result r, const struct pkt_meta *m, const uint8_t *b, uint16_t len)
{
	CHECK(r < PKT_PARSE__COUNT, "reason %d", r);
	if (r != R(OK)) {
		CHECK(!(m->flags & (PKT_F_PARSED | PKT_F_L4)), "error %s with flags %#x", rname(r), m->flags);
		return;
	}
	CHECK(m->flags & PKT_F_PARSED, "OK without PKT_F_PARSED");
	CHECK(m->n_vlan <= 2 && m->l3_off == 14 + 4 * m->n_vlan && m->l3_off <= len, "l3_off %u", m->l3_off);
	if (m->l3 == PKT_L3_OTHER || m->l3 == PKT_L3_NONE) {
		CHECK(m->l4_off == 0 && m->l3_end == 0 && m->flags == PKT_F_PARSED, "non-IP meta");
		return;
	}
	CHECK(m->l3_off < m->l3_end && m->l3_end <= len, "l3 %u..%u len %u", m->l3_off, m->l3_end, len);
	if (m->l4_off)
		CHECK(m->l3_off < m->l4_off && m->l4_off <= m->l3_end, "l4_off %u", m->l4_off);
	if (m->flags & PKT_F_FRAG_NF)
		CHECK((m->flags & PKT_F_FRAG) && !(m->flags & PKT_F_L4), "flags %#x", m->flags);
	if (m->flags & PKT_F_L4) {
		unsigned avail = m->l3_end - m->l4_off, need = 8;
		if (m->l4proto == 6)
			need = (b[m->l4_off + 12] >> 4) * 4u;
		else if (m->l4proto == 17 && !(m->flags & PKT_F_FRAG))
			need = pkt_rd16(b + m->l4_off + 4);
		CHECK(m->l4_off && need >= 8 && need <= avail, "proto %u needs %u of %u", m->l4proto, need, avail);
	}
}

START_TEST(fuzz_mutations)
{
	struct pb frames[F__COUNT];
	for (unsigned i = 0; i < F__COUNT; i++)
		frame_build((enum frame_id)i, &frames[i]);
	uint64_t s = 0x5eed0f5111ce2024ull;
	uint8_t buf[PB_MAX];
	unsigned ok = 0, common = 0;
	for (unsigned iter = 0; iter < 200000; iter++) {
		const struct pb *f = &frames[rng_next(&s) % F__COUNT];
		uint16_t len = f->len;
		memcpy(buf, f->b, len);
		for (unsigned k = 1 + rng_next(&s) % 4; k; k--) {
			uint64_t x = rng_next(&s);
			uint16_t pos = (uint16_t)((x & 3) ? (x >> 8) % (len < 96 ? len : 96) : (x >> 8) % len);
			uint8_t v = (uint8_t)(x >> 56);
			switch ((x >> 32) & 3) {
			case 0: buf[pos] = v; break;
			case 1: buf[pos] ^= (uint8_t)(1u << (v & 7)); break;
			case 2: buf[pos] = 0; break;
			default: buf[pos] = 0xff; break;
			}
		}
		if (rng_next(&s) % 4 == 0)
			len = (uint16_t)(rng_next(&s) % (len + 1u));
		uint8_t *heap = malloc(len);
		if (len)
			memcpy(heap, buf, len);
		struct pkt_buf p = { .data = heap, .len = len };
		enum pkt_parse_result r = pkt_parse(&p);
		check_sane(r, &p.meta, heap, len);
		struct pkt_meta first = p.meta;
		CHECK(pkt_parse(&p) == r && memcmp(&first, &p.meta, sizeof(first)) == 0, "not deterministic");
		/* pkt_parse's short way for common frames must agree with the full walk */
		struct pkt_buf q = { .data = heap, .len = len };
		CHECK(pkt_parse_full(&q) == r && memcmp(&first, &q.meta, sizeof(first)) == 0,
		      "iteration %u: pkt_parse and pkt_parse_full differ", iter);
		ok += r == R(OK);
		common += r == R(OK) && first.n_vlan == 0 && first.l3 == PKT_L3_IPV4 &&
			  !(first.flags & (PKT_F_IP_OPTS | PKT_F_FRAG)) && (first.flags & PKT_F_L4) &&
			  (first.l4proto == 6 || first.l4proto == 17);
		free(heap);
	}
	ck_assert_uint_gt(ok, 1000);  /* the mutations are not all fatal */
	ck_assert_uint_gt(common, 1000);  /* nor do they all leave the short way */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("frames");
	tcase_add_loop_test(tc, valid_frame, 0, F__COUNT);
	tcase_add_loop_test(tc, truncate_every_length, 0, F__COUNT);
	tcase_add_loop_test(tc, truncate_ip_consistently, 0, F__COUNT);
	tcase_add_test(tc, truncate_representative);
	tcase_add_loop_test(tc, malformed_field, 0, (int)n_bad_cases);
	tcase_add_test(tc, ip6_eight_ext_headers_allowed);
	tcase_add_test(tc, udp_first_fragment_has_l4);
	tcase_add_test(tc, meta_on_error_and_reparse);
	tcase_add_test(tc, set_eth_moves_the_header);
	tcase_add_test(tc, reason_names);
	tcase_add_test(tc, parse_stage_drops_by_reason);
	suite_add_tcase(s, tc);
	TCase *fz = tcase_create("fuzz");
	tcase_set_timeout(fz, 120);
	tcase_add_test(fz, fuzz_mutations);
	suite_add_tcase(s, fz);
	return check_run(s);
}
