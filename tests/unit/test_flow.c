/* Flow key and symmetric flow hash tests. */
#include "pktbuild.h"
#include "check_run.h"
#include "pkt_flow.h"
#include "pkt_parse.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t a4[4] = { 10, 0, 0, 1 }, b4[4] = { 203, 0, 113, 9 };
static const uint8_t a6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

/* A parsed packet: IPv4/IPv6 from src to dst, proto with ports (or ICMP type/id), tags. */
struct flowpkt {
	struct pb f;
	struct pkt_buf p;
};

static void make(struct flowpkt *fp, int v6, int swap, uint8_t proto, uint16_t sport, uint16_t dport,
		 unsigned n_tags, const uint16_t *tci)
{
	static const uint16_t tpid[2] = { 0x88a8, 0x8100 };
	struct pb *f = &fp->f;
	pb_init(f);
	pb_eth(f, n_tags, tpid + 2 - n_tags, tci, v6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IPV4);
	if (v6) {
		pb_ip6(f, proto);
		memcpy(f->b + f->l3 + 8, swap ? b6 : a6, 16);
		memcpy(f->b + f->l3 + 24, swap ? a6 : b6, 16);
	} else {
		pb_ip4(f, proto, 0, NULL, 0);
		memcpy(f->b + f->l3 + 12, swap ? b4 : a4, 4);
		memcpy(f->b + f->l3 + 16, swap ? a4 : b4, 4);
	}
	if (proto == 6)
		pb_tcp(f, sport, dport, NULL, 0);
	else if (proto == 17)
		pb_udp(f, sport, dport);
	else if (proto == 1 || proto == 58)
		pb_icmp(f, proto, (uint8_t)(sport >> 8), (uint8_t)sport, dport);  /* type, code, id */
	pb_payload(f, 16);
	pb_done(f);
	fp->p = (struct pkt_buf){ .data = f->b, .len = f->len };
	ck_assert_int_eq(pkt_parse(&fp->p), PKT_PARSE_OK);
}

static void key_is(const struct pkt_flow_key *k, int v6, int swap, uint8_t proto, uint16_t sport,
		   uint16_t dport, uint16_t vlan)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	size_t n = v6 ? 16 : 4;
	memcpy(src, v6 ? (swap ? b6 : a6) : (swap ? b4 : a4), n);
	memcpy(dst, v6 ? (swap ? a6 : b6) : (swap ? a4 : b4), n);
	ck_assert_mem_eq(k->src, src, 16);  /* IPv4: address first, then zeros */
	ck_assert_mem_eq(k->dst, dst, 16);
	ck_assert_uint_eq(k->family, v6 ? 6 : 4);
	ck_assert_uint_eq(k->proto, proto);
	ck_assert_uint_eq(k->sport, sport);
	ck_assert_uint_eq(k->dport, dport);
	ck_assert_uint_eq(k->vlan, vlan);
}

START_TEST(key_tcp_udp)
{
	for (int v6 = 0; v6 <= 1; v6++)
		for (uint8_t proto = 6; proto <= 17; proto += 11) {
			struct flowpkt fp;
			struct pkt_flow_key k;
			make(&fp, v6, 0, proto, 40000, 443, 0, NULL);
			ck_assert(pkt_flow_key(&fp.p, &k));
			key_is(&k, v6, 0, proto, 40000, 443, 0);
			make(&fp, v6, 1, proto, 443, 40000, 0, NULL);  /* the reply */
			struct pkt_flow_key r, rev;
			ck_assert(pkt_flow_key(&fp.p, &r));
			pkt_flow_key_reverse(&k, &rev);
			ck_assert_mem_eq(&r, &rev, sizeof(r));
			ck_assert_uint_eq(pkt_flow_hash(&k), pkt_flow_hash(&r));
		}
}
END_TEST

START_TEST(key_icmp_echo_meets_reply)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		uint8_t proto = v6 ? 58 : 1, req = v6 ? 128 : 8, rep = v6 ? 129 : 0;
		struct flowpkt q, r;
		struct pkt_flow_key kq, kr;
		make(&q, v6, 0, proto, (uint16_t)(req << 8), 0x1234, 0, NULL);
		make(&r, v6, 1, proto, (uint16_t)(rep << 8), 0x1234, 0, NULL);
		ck_assert(pkt_flow_key(&q.p, &kq));
		ck_assert(pkt_flow_key(&r.p, &kr));
		key_is(&kq, v6, 0, proto, 0x1234, 1, 0);  /* (identifier, echo) */
		key_is(&kr, v6, 1, proto, 1, 0x1234, 0);  /* the reverse: (echo, identifier) */
		ck_assert_uint_eq(pkt_flow_hash(&kq), pkt_flow_hash(&kr));
		/* a request the other way with the same identifier is another flow */
		struct flowpkt q2;
		struct pkt_flow_key kq2, rq;
		make(&q2, v6, 1, proto, (uint16_t)(req << 8), 0x1234, 0, NULL);
		ck_assert(pkt_flow_key(&q2.p, &kq2));
		pkt_flow_key_reverse(&kq, &rq);
		ck_assert(memcmp(&kq2, &rq, sizeof(rq)) != 0);
		/* not echo: type and code */
		make(&q, v6, 0, proto, v6 ? 0x0104 : 0x0301, 0x1234, 0, NULL);
		ck_assert(pkt_flow_key(&q.p, &kq));
		key_is(&kq, v6, 0, proto, v6 ? 0x0104 : 0x0301, v6 ? 0x0104 : 0x0301, 0);
	}
}
END_TEST

START_TEST(key_vlan_masked)
{
	struct flowpkt fp;
	struct pkt_flow_key k;
	make(&fp, 0, 0, 17, 1, 2, 1, (const uint16_t[]){ 0xf123 });
	ck_assert(pkt_flow_key(&fp.p, &k));
	key_is(&k, 0, 0, 17, 1, 2, 0x123);  /* priority and DEI bits gone */
	make(&fp, 1, 0, 6, 1, 2, 2, (const uint16_t[]){ 0xbfff, 0x0005 });
	ck_assert(pkt_flow_key(&fp.p, &k));
	key_is(&k, 1, 0, 6, 1, 2, 0xfff);  /* the outer tag */
	struct pkt_flow_key k0;
	make(&fp, 1, 0, 6, 1, 2, 2, (const uint16_t[]){ 0x0000, 0x0005 });
	ck_assert(pkt_flow_key(&fp.p, &k0));
	ck_assert_uint_eq(k0.vlan, 0);
	ck_assert_uint_ne(pkt_flow_hash(&k), pkt_flow_hash(&k0));
}
END_TEST

START_TEST(key_without_ports)
{
	struct flowpkt fp;
	struct pkt_flow_key k;
	make(&fp, 0, 0, 253, 0, 0, 0, NULL);  /* no parser for the protocol */
	ck_assert(pkt_flow_key(&fp.p, &k));
	key_is(&k, 0, 0, 253, 0, 0, 0);
	make(&fp, 0, 0, 6, 1000, 2000, 0, NULL);  /* a non-first fragment */
	pkt_wr16(fp.f.b + fp.f.l3 + 6, 0x0010);
	pb_ip4_csum(fp.f.b + fp.f.l3, fp.f.len - fp.f.l3);
	ck_assert_int_eq(pkt_parse(&fp.p), PKT_PARSE_OK);
	ck_assert(pkt_flow_key(&fp.p, &k));
	key_is(&k, 0, 0, 6, 0, 0, 0);
}
END_TEST

START_TEST(key_non_ip_false)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, PKT_ETH_P_ARP);
	pb_arp(&f, 1);
	struct pkt_buf p = { .data = f.b, .len = f.len };
	struct pkt_flow_key k;
	memset(&k, 0xee, sizeof(k));
	ck_assert_int_eq(pkt_parse(&p), PKT_PARSE_OK);
	ck_assert(!pkt_flow_key(&p, &k));
	pb_init(&f);
	pb_eth0(&f, 0x88cc);  /* LLDP */
	pb_payload(&f, 46);
	p = (struct pkt_buf){ .data = f.b, .len = f.len };
	ck_assert_int_eq(pkt_parse(&p), PKT_PARSE_OK);
	ck_assert(!pkt_flow_key(&p, &k));
	struct flowpkt fp;  /* an IPv4 packet the parser refused */
	make(&fp, 0, 0, 6, 1, 2, 0, NULL);
	fp.f.b[14] = 0x44;
	ck_assert_int_ne(pkt_parse(&fp.p), PKT_PARSE_OK);
	ck_assert(!pkt_flow_key(&fp.p, &k));
}
END_TEST

static void random_key(uint64_t *s, struct pkt_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	uint64_t x = rng_next(s);
	k->family = (x & 1) ? 6 : 4;
	for (unsigned i = 0; i < (k->family == 6 ? 16u : 4u); i++) {
		k->src[i] = (uint8_t)(rng_next(s) >> 56);
		k->dst[i] = (x & 2) ? k->src[i] : (uint8_t)(rng_next(s) >> 56);  /* sometimes equal */
	}
	k->sport = (uint16_t)(x >> 16);
	k->dport = (x & 4) ? k->sport : (uint16_t)(x >> 32);
	k->vlan = (uint16_t)((x >> 48) & 0xfff);
	k->proto = (x & 8) ? 6 : 17;
}

/* The one-step IPv4 key and hash give what pkt_flow_key and pkt_flow_hash give, for the
 * packets they take (IPv4, whole TCP or UDP header, not a fragment), and refuse the rest. */
START_TEST(key_hash4_agrees)
{
	static const uint8_t protos[] = { 6, 17, 1, 58 };
	static const uint16_t tci[2] = { 0x2123, 0x0456 };
	uint64_t s = 9;
	unsigned took = 0;
	for (unsigned i = 0; i < 4000; i++) {
		int v6 = (int)(rng_next(&s) & 1), swap = (int)(rng_next(&s) & 1);
		uint8_t proto = protos[rng_next(&s) % (v6 ? 4 : 3)];
		if (!v6 && proto == 58)
			proto = 1;
		struct flowpkt fp;
		make(&fp, v6, swap, proto, (uint16_t)rng_next(&s), (uint16_t)rng_next(&s), (unsigned)(rng_next(&s) % 3), tci);
		uint8_t *ip = fp.f.b + fp.f.l3;
		if (!v6) {
			for (unsigned b = 12; b < 20; b++)
				ip[b] = (uint8_t)rng_next(&s);
			if (rng_next(&s) % 4 == 0)
				ip[6] = 0x20;  /* more fragments: a first fragment */
			pb_ip4_csum(ip, fp.f.len - fp.f.l3);
			ck_assert_int_eq(pkt_parse(&fp.p), PKT_PARSE_OK);
		}
		struct pkt_flow_key k, k4;
		uint32_t h4 = 0;
		ck_assert(pkt_flow_key(&fp.p, &k));
		memset(&k4, 0xa5, sizeof(k4));
		bool fast = !v6 && (proto == 6 || proto == 17) && !(fp.p.meta.flags & PKT_F_FRAG);
		CHECK(pkt_flow_key_hash4(&fp.p, 0x0fff, &k4, &h4) == fast, "packet %u: one-step key %s", i, fast ? "refused" : "taken");
		if (!fast)
			continue;
		took++;
		CHECK(memcmp(&k, &k4, sizeof(k)) == 0, "packet %u: keys differ", i);
		CHECK(h4 == pkt_flow_hash(&k), "packet %u: hashes differ", i);
	}
	ck_assert_uint_ge(took, 1000);
}
END_TEST

START_TEST(hash_symmetric)
{
	uint64_t s = 5;
	for (unsigned i = 0; i < 200000; i++) {
		struct pkt_flow_key k, r, rr;
		random_key(&s, &k);
		pkt_flow_key_reverse(&k, &r);
		CHECK(pkt_flow_hash(&k) == pkt_flow_hash(&r), "hash(k) != hash(reverse(k)) at %u", i);
		pkt_flow_key_reverse(&r, &rr);
		CHECK(memcmp(&k, &rr, sizeof(k)) == 0, "reverse is not an involution");
	}
}
END_TEST

/* Changing any one field changes the hash (almost always). An IPv4 key's addresses are
 * its first 4 bytes (the rest is always zero). */
START_TEST(hash_sees_every_field)
{
	uint64_t s = 6;
	unsigned same = 0;
	for (unsigned i = 0; i < 20000; i++) {
		struct pkt_flow_key k, m;
		random_key(&s, &k);
		uint32_t h = pkt_flow_hash(&k);
		unsigned alen = k.family == 4 ? 4 : 16;
		for (unsigned field = 0; field < 7; field++) {
			m = k;
			switch (field) {
			case 0: m.src[i % alen] ^= 1; break;
			case 1: m.dst[i % alen] ^= 0x80; break;
			case 2: m.sport++; break;
			case 3: m.dport ^= 0x100; break;
			case 4: m.vlan ^= 1; break;
			case 5: m.proto ^= 0x17; break;
			default: m.family ^= 2; break;
			}
			same += pkt_flow_hash(&m) == h;
		}
	}
	ck_assert_uint_le(same, 5);
}
END_TEST

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void distribution(const char *what, uint64_t *s, int sequential)
{
	enum { FLOWS = 65536, BUCKETS = 1024 };
	static unsigned lo[BUCKETS], hi[BUCKETS];
	uint32_t *h = malloc(FLOWS * sizeof(*h));
	memset(lo, 0, sizeof(lo));
	memset(hi, 0, sizeof(hi));
	struct pkt_flow_key k;
	random_key(s, &k);
	k.dport = 443;
	for (unsigned i = 0; i < FLOWS; i++) {
		if (sequential)
			k.sport = (uint16_t)i;  /* one client, one server, every source port */
		else
			random_key(s, &k);
		h[i] = pkt_flow_hash(&k);
		lo[h[i] % BUCKETS]++;
		hi[h[i] >> 22]++;
	}
	unsigned max_lo = 0, max_hi = 0, mean = FLOWS / BUCKETS;
	for (unsigned b = 0; b < BUCKETS; b++) {
		max_lo = lo[b] > max_lo ? lo[b] : max_lo;
		max_hi = hi[b] > max_hi ? hi[b] : max_hi;
	}
	ck_assert_msg(max_lo < 3 * mean, "%s: low bits, fullest bucket %u (mean %u)", what, max_lo, mean);
	ck_assert_msg(max_hi < 3 * mean, "%s: high bits, fullest bucket %u (mean %u)", what, max_hi, mean);
	unsigned dup = 0;  /* 32-bit collisions: about 0.5 expected among 65536 */
	qsort(h, FLOWS, sizeof(*h), cmp_u32);
	for (unsigned i = 1; i < FLOWS; i++)
		dup += h[i] == h[i - 1];
	ck_assert_msg(dup <= 8, "%s: %u equal hashes", what, dup);
	free(h);
}

START_TEST(hash_distribution)
{
	uint64_t s = 1024;
	distribution("random flows", &s, 0);
	distribution("sequential source ports", &s, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("flow");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, key_tcp_udp);
	tcase_add_test(tc, key_icmp_echo_meets_reply);
	tcase_add_test(tc, key_vlan_masked);
	tcase_add_test(tc, key_without_ports);
	tcase_add_test(tc, key_non_ip_false);
	tcase_add_test(tc, key_hash4_agrees);
	tcase_add_test(tc, hash_symmetric);
	tcase_add_test(tc, hash_sees_every_field);
	tcase_add_test(tc, hash_distribution);
	suite_add_tcase(s, tc);
	return check_run(s);
}
