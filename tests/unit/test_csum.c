/* Checksum tests against RFC vectors and a naive reference (ref_sum/ref_csum in pktbuild.c,
 * one big-endian word at a time, sharing no code with pkt_csum.c). */
#include "pktbuild.h"
#include "check_run.h"
#include "pkt_csum.h"
#include "pkt_parse.h"

#include <stdlib.h>
#include <string.h>

static void fill_random(uint64_t *s, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(rng_next(s) >> 56);
}

START_TEST(rfc1071_example)
{
	static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	ck_assert_uint_eq(ref_fold(ref_sum(0, b, 8)), 0xddf2);  /* the reference itself */
	ck_assert_uint_eq((uint16_t)~pkt_csum_fold(pkt_csum_add(0, b, 8)), 0xddf2);
	ck_assert_uint_eq(pkt_csum(b, 8), 0x220d);
	/* the sum is the same in pieces, any split at an even offset */
	for (size_t k = 0; k <= 8; k += 2)
		ck_assert_uint_eq(pkt_csum_fold(pkt_csum_add(pkt_csum_add(0, b, k), b + k, 8 - k)), 0x220d);
}
END_TEST

START_TEST(ipv4_header_vector)
{
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	ck_assert_uint_eq(pkt_csum(h, 20), 0xb861);
	pkt_wr16(h + 10, 0xb861);
	ck_assert_uint_eq(pkt_csum(h, 20), 0);  /* a header with its checksum verifies */
	for (unsigned bit = 0; bit < 160; bit++) {  /* and any single flipped bit shows */
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_uint_ne(pkt_csum(h, 20), 0);
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}
END_TEST

START_TEST(odd_lengths_all_alignments)
{
	uint64_t s = 1071;
	static const uint32_t inits[] = { 0, 1, 0xffff, 0x10000, 0x1234abcd, 0xfffffffe, 0xffffffff };
	uint8_t *buf = malloc(600);
	for (unsigned round = 0; round < 4; round++) {
		fill_random(&s, buf, 600);
		if (round == 1)
			memset(buf, 0xff, 600);  /* every word 0xffff: carries everywhere */
		if (round == 2)
			memset(buf, 0, 600);
		for (size_t len = 0; len <= 300; len++)
			for (size_t off = 0; off < 8; off++)
				for (size_t k = 0; k < sizeof(inits) / sizeof(inits[0]); k++) {
					uint16_t got = pkt_csum_fold(pkt_csum_add(inits[k], buf + off, len));
					uint16_t want = ref_csum(ref_sum(inits[k], buf + off, len));
					CHECK(got == want, "len %zu off %zu init %#x: %#x want %#x", len, off,
					      inits[k], got, want);
				}
	}
	free(buf);
}
END_TEST

START_TEST(header_with_checksum_verifies_at_any_offset)
{
	uint64_t s = 7;
	for (unsigned off = 0; off < 8; off++)
		for (unsigned len = 2; len <= 64; len += 2) {
			uint8_t raw[80] = { 0 }, *h = raw + off;
			fill_random(&s, h, len);
			pkt_wr16(h + len / 2 / 2 * 2, 0);  /* checksum field in the middle */
			uint16_t c = ref_csum(ref_sum(0, h, len));
			ck_assert_uint_eq(pkt_csum(h, len), c);
			pkt_wr16(h + len / 2 / 2 * 2, c);
			CHECK(pkt_csum(h, len) == 0, "off %u len %u", off, len);
		}
}
END_TEST

/* pkt_ip4_hdr_ok (five 32-bit words at once for 20 bytes) against the reference: random
 * headers (a random checksum), and random or nearly all-ones ones (the most carries)
 * with their checksum made right. */
START_TEST(ip4_header_ok_matches_reference)
{
	uint64_t seed = 0x1234;
	uint8_t h[64];
	unsigned good = 0;
	for (unsigned i = 0; i < 200000; i++) {
		unsigned hlen = i % 7 ? 20 : 20 + 4 * (unsigned)(rng_next(&seed) % 11);
		fill_random(&seed, h, hlen);
		if (i % 4 == 1) {                                       /* nearly all ones */
			memset(h, 0xff, hlen);
			h[i % hlen] = (uint8_t)(rng_next(&seed) >> 56);
		}
		if (i % 4 >= 1) {                                       /* made right */
			h[10] = h[11] = 0;
			uint16_t c = ref_csum(ref_sum(0, h, hlen));
			h[10] = (uint8_t)(c >> 8), h[11] = (uint8_t)c;
		}
		bool want = ref_fold(ref_sum(0, h, hlen)) == 0xffff;
		ck_assert_msg(pkt_ip4_hdr_ok(h, hlen) == want, "header %u (%u bytes): got %d", i, hlen, !want);
		good += want;
	}
	ck_assert_uint_gt(good, 100000);   /* both answers were tried, many times */
}
END_TEST

START_TEST(long_buffers)
{
	uint64_t s = 99;
	size_t n = 65535;
	uint8_t *b = malloc(n + 1);
	fill_random(&s, b, n + 1);
	ck_assert_uint_eq(pkt_csum(b, n), ref_csum(ref_sum(0, b, n)));
	ck_assert_uint_eq(pkt_csum(b + 1, n), ref_csum(ref_sum(0, b + 1, n)));
	memset(b, 0xff, n);
	ck_assert_uint_eq(pkt_csum(b, n), ref_csum(ref_sum(0, b, n)));
	free(b);
}
END_TEST

/* A datagram with a random payload; the transport checksum field gets garbage. */
static void build_l4(struct pb *f, uint64_t *s, int v6, uint8_t proto, uint16_t payload)
{
	pb_init(f);
	pb_eth0(f, v6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IPV4);
	if (v6)
		pb_ip6(f, proto);
	else
		pb_ip4(f, proto, 0, NULL, 0);
	fill_random(s, f->b + f->l3 + (v6 ? 8 : 12), v6 ? 32 : 8);  /* addresses */
	if (proto == 6)
		pb_tcp(f, (uint16_t)rng_next(s), (uint16_t)rng_next(s), NULL, 0);
	else if (proto == 17)
		pb_udp(f, (uint16_t)rng_next(s), (uint16_t)rng_next(s));
	else
		pb_icmp(f, proto, 128, 0, (uint16_t)rng_next(s));
	fill_random(s, pb_put(f, NULL, payload), payload);
	pb_done(f);
}

static uint16_t field_off(uint8_t proto) { return proto == 6 ? 16 : proto == 17 ? 6 : 2; }

START_TEST(transport_checksums)
{
	static const struct { int v6; uint8_t proto; } kinds[] = {
		{ 0, 6 }, { 0, 17 }, { 1, 6 }, { 1, 17 }, { 1, 58 },
	};
	uint64_t s = 793;
	struct pb f;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (unsigned i = 0; i < 400; i++) {
			uint8_t proto = kinds[k].proto;
			build_l4(&f, &s, kinds[k].v6, proto, (uint16_t)(i < 64 ? i : rng_next(&s) % 1400));
			const uint8_t *ip = f.b + f.l3;
			uint8_t *l4 = f.b + f.l4;
			uint16_t len = (uint16_t)(f.len - f.l4), off = field_off(proto);
			uint16_t want = pkt_rd16(l4 + off);  /* stored by pb_done from the reference */
			pkt_wr16(l4 + off, (uint16_t)rng_next(&s));  /* the field is summed as zero */
			uint8_t *seg = malloc(len);  /* exactly the datagram: ASan sees any over-read */
			memcpy(seg, l4, len);
			uint16_t got = kinds[k].v6 ? pkt_l4_csum6(ip, seg, len, proto, off)
						   : pkt_l4_csum4(ip, seg, len, off);
			free(seg);
			CHECK(got == want, "v6=%d proto %u len %u: %#x want %#x", kinds[k].v6, proto, len, got,
			      want);
			pkt_wr16(l4 + off, got);
			uint32_t ph = kinds[k].v6 ? pkt_csum_pseudo6(ip + 8, ip + 24, proto, len)
						  : pkt_csum_pseudo4(ip + 12, ip + 16, proto, len);
			CHECK(pkt_csum_fold(pkt_csum_add(ph, l4, len)) == 0, "does not verify");
		}
}
END_TEST

START_TEST(pseudo_headers)
{
	uint64_t s = 8200;
	for (unsigned i = 0; i < 2000; i++) {
		uint8_t a[32], ph[40] = { 0 };
		fill_random(&s, a, 32);
		uint8_t proto = (uint8_t)rng_next(&s);
		uint32_t len = i % 2 ? (uint32_t)rng_next(&s) : (uint16_t)rng_next(&s);  /* jumbo too */
		memcpy(ph, a, 8);
		ph[9] = proto;
		pkt_wr16(ph + 10, (uint16_t)len);
		ck_assert_uint_eq(pkt_csum_fold(pkt_csum_pseudo4(a, a + 4, proto, (uint16_t)len)),
				  ref_csum(ref_sum(0, ph, 12)));
		memset(ph, 0, sizeof(ph));
		memcpy(ph, a, 32);
		pkt_wr32(ph + 32, len);
		ph[39] = proto;
		ck_assert_uint_eq(pkt_csum_fold(pkt_csum_pseudo6(a, a + 16, proto, len)),
				  ref_csum(ref_sum(0, ph, 40)));
	}
}
END_TEST

START_TEST(udp_zero_is_sent_as_ffff)
{
	uint64_t s = 768;
	for (int v6 = 0; v6 <= 1; v6++)
		for (uint8_t proto = 6; proto <= 17; proto += 11) {
			struct pb f;
			build_l4(&f, &s, v6, proto, 10);
			uint8_t *l4 = f.b + f.l4, *last = f.b + f.len - 2;
			uint16_t len = (uint16_t)(f.len - f.l4), off = field_off(proto);
			/* choose the last payload word so that the checksum computes to 0 */
			pkt_wr16(last, 0);
			pkt_wr16(l4 + off, 0);
			uint16_t c = ref_csum(ref_sum(ref_sum(0, f.b + f.l3 + (v6 ? 8 : 12), v6 ? 32 : 8),
						  l4, len) + proto + len);
			pkt_wr16(last, c);
			ck_assert_uint_eq(ref_csum(ref_sum(ref_sum(0, f.b + f.l3 + (v6 ? 8 : 12), v6 ? 32 : 8),
							  l4, len) + proto + len), 0);
			uint16_t got = v6 ? pkt_l4_csum6(f.b + f.l3, l4, len, proto, off)
					  : pkt_l4_csum4(f.b + f.l3, l4, len, off);
			ck_assert_msg(got == (proto == 17 ? 0xffff : 0), "v6=%d proto %u: %#x", v6, proto, got);
		}
}
END_TEST

/* RFC 1624 section 3: m = 0x5555 -> 0x3285 with the other words summing to 0xCD7A. */
START_TEST(rfc1624_minus_zero)
{
	uint8_t h[6];
	pkt_wr16(h, 0xcd7a);
	pkt_wr16(h + 2, 0x5555);
	pkt_wr16(h + 4, 0);
	ck_assert_uint_eq(pkt_csum(h, 6), 0xdd2f);
	uint16_t c = pkt_csum_update16(0xdd2f, 0x5555, 0x3285);
	ck_assert_uint_eq(c, 0x0000);  /* eqn 2 would give 0xffff (-0) */
	pkt_wr16(h + 2, 0x3285);
	ck_assert_uint_eq(pkt_csum(h, 6), c);  /* recomputation agrees */
	ck_assert_uint_eq(pkt_csum_update32(0xdd2f, 0x00005555, 0x00003285), 0x0000);
	ck_assert_uint_eq(pkt_csum_update(0xdd2f, (const uint8_t[]){ 0x55, 0x55 },
					  (const uint8_t[]){ 0x32, 0x85 }, 2), 0x0000);
	ck_assert_uint_eq(pkt_udp_csum_update16(0xdd2f, 0x5555, 0x3285), 0xffff);
}
END_TEST

/* A random header (first word non-zero, checksum word at 10) with its checksum. */
static void random_header(uint64_t *s, uint8_t *h, size_t len)
{
	fill_random(s, h, len);
	h[0] |= 0x40;
	pkt_wr16(h + 10, 0);
	pkt_wr16(h + 10, ref_csum(ref_sum(0, h, len)));
}

START_TEST(incremental_equals_recompute)
{
	uint64_t s = 1624;
	uint8_t h[64];
	for (unsigned i = 0; i < 100000; i++) {
		random_header(&s, h, 20);
		uint16_t c = pkt_rd16(h + 10);
		unsigned w = (unsigned)(rng_next(&s) % 10);
		if (w == 5)
			w = 0;
		uint16_t old16 = pkt_rd16(h + 2 * w), new16 = (uint16_t)rng_next(&s);
		if (i % 16 == 0)
			new16 = (uint16_t)(i % 32 ? 0 : 0xffff);  /* extremes */
		pkt_wr16(h + 2 * w, new16);
		pkt_wr16(h + 10, 0);
		uint16_t want = ref_csum(ref_sum(0, h, 20));
		uint16_t got = pkt_csum_update16(c, old16, new16);
		CHECK(got == want, "update16 word %u %#x->%#x: %#x want %#x", w, old16, new16, got, want);

		random_header(&s, h, 20);  /* a 32-bit field: the IPv4 source address */
		c = pkt_rd16(h + 10);
		uint32_t old32 = pkt_rd32(h + 12), new32 = (uint32_t)rng_next(&s);
		pkt_wr32(h + 12, new32);
		pkt_wr16(h + 10, 0);
		want = ref_csum(ref_sum(0, h, 20));
		got = pkt_csum_update32(c, old32, new32);
		CHECK(got == want, "update32 %#x->%#x: %#x want %#x", old32, new32, got, want);

		random_header(&s, h, 64);  /* 16 bytes: an IPv6 address at 24 */
		c = pkt_rd16(h + 10);
		uint8_t old[16], nw[16];
		memcpy(old, h + 24, 16);
		fill_random(&s, nw, 16);
		memcpy(h + 24, nw, 16);
		pkt_wr16(h + 10, 0);
		want = ref_csum(ref_sum(0, h, 64));
		got = pkt_csum_update(c, old, nw, 16);
		CHECK(got == want, "update 16 bytes: %#x want %#x", got, want);
	}
}
END_TEST

/* NAT-style rewrite of an IPv6 source address in a real TCP/IPv6 datagram. */
START_TEST(incremental_ipv6_address_rewrite)
{
	uint64_t s = 2460;
	for (unsigned i = 0; i < 200; i++) {
		struct pb f;
		build_l4(&f, &s, 1, 6, (uint16_t)(rng_next(&s) % 200));
		uint8_t *src = f.b + f.l3 + 8, old[16];
		memcpy(old, src, 16);
		fill_random(&s, src, 16);
		uint16_t c = pkt_csum_update(pkt_rd16(f.b + f.l4 + 16), old, src, 16);
		ck_assert_uint_eq(c, ref_l4_csum(&f));
	}
}
END_TEST

START_TEST(udp_update_keeps_zero)
{
	uint64_t s = 768768;
	for (unsigned i = 0; i < 100000; i++) {
		uint16_t c = (uint16_t)rng_next(&s), o = (uint16_t)rng_next(&s), n = (uint16_t)rng_next(&s);
		CHECK(pkt_udp_csum_update16(0, o, n) == 0, "0 became non-zero");
		uint16_t u = pkt_udp_csum_update16(c ? c : 1, o, n);
		CHECK(u != 0, "a UDP checksum became 0");
		uint16_t plain = pkt_csum_update16(c ? c : 1, o, n);
		CHECK(u == (plain ? plain : 0xffff), "differs from update16");
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csum");
	TCase *tc = tcase_create("csum");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, ipv4_header_vector);
	tcase_add_test(tc, odd_lengths_all_alignments);
	tcase_add_test(tc, header_with_checksum_verifies_at_any_offset);
	tcase_add_test(tc, ip4_header_ok_matches_reference);
	tcase_add_test(tc, long_buffers);
	tcase_add_test(tc, transport_checksums);
	tcase_add_test(tc, pseudo_headers);
	tcase_add_test(tc, udp_zero_is_sent_as_ffff);
	tcase_add_test(tc, rfc1624_minus_zero);
	tcase_add_test(tc, incremental_equals_recompute);
	tcase_add_test(tc, incremental_ipv6_address_rewrite);
	tcase_add_test(tc, udp_update_keeps_zero);
	suite_add_tcase(s, tc);
	return check_run(s);
}
