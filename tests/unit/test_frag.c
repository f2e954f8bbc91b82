/* Fragments followed without reassembly (dataplane/frag.h): which fragments are first,
 * later or refused (RFC 1858, RFC 7112); later fragments follow their first's judgement,
 * wait for it within bounds, go with it or are dropped with it, and expire. */
#include "frag.h"
#include "pkt_parse.h"
#include "pktbuild.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

static struct pkt_pool *pool;

/* An IPv4 fragment of datagram id: offset in 8-byte units, more fragments, with a UDP
 * (or TCP) header when it is the first. */
static struct pkt_buf *v4(uint16_t id, uint16_t off8, bool more, uint8_t proto, unsigned payload)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, proto, (uint16_t)((more ? 0x2000 : 0) | off8), NULL, 0);
	f.b[f.l3 + 4] = (uint8_t)(id >> 8);
	f.b[f.l3 + 5] = (uint8_t)id;
	if (!off8 && proto == 17)
		pb_udp(&f, 1000, 53);
	else if (!off8 && proto == 6)
		pb_tcp(&f, 1000, 80, NULL, 0);
	pb_payload(&f, payload);
	pb_done(&f);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	return p;
}

static struct pkt_buf *v6(uint32_t id, uint16_t off8, bool more)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x86dd);
	pb_ip6(&f, 44);
	pb_ip6_frag(&f, 17, off8, more);
	uint8_t *h = f.b + f.l3 + 40;
	h[4] = (uint8_t)(id >> 24), h[5] = (uint8_t)(id >> 16), h[6] = (uint8_t)(id >> 8), h[7] = (uint8_t)id;
	if (!off8)
		pb_udp(&f, 1000, 53);
	pb_payload(&f, 40);
	pb_done(&f);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	return p;
}

START_TEST(classify)
{
	struct frag_key k, k2;
	struct pkt_buf *p = v4(7, 0, false, 17, 20);
	ck_assert_int_eq(frag_classify(p, &k), FRAG_NONE);
	pkt_free(p);
	p = v4(7, 0, true, 17, 20);
	ck_assert_int_eq(frag_classify(p, &k), FRAG_FIRST);
	ck_assert_uint_eq(k.id, 7);
	ck_assert_uint_eq(k.proto, 17);
	pkt_free(p);
	p = v4(7, 5, false, 17, 20);
	ck_assert_int_eq(frag_classify(p, &k2), FRAG_LATER);
	ck_assert_mem_eq(&k, &k2, sizeof(k));       /* the same datagram */
	pkt_free(p);
	/* RFC 1858: TCP at offset 8 rewrites the first fragment's flags */
	p = v4(8, 1, true, 6, 20);
	ck_assert_int_eq(frag_classify(p, &k), FRAG_BAD);
	pkt_free(p);
	p = v4(8, 1, true, 17, 20);                  /* for UDP it is only unusual */
	ck_assert_int_eq(frag_classify(p, &k), FRAG_LATER);
	pkt_free(p);
	/* a first fragment too short for its transport header */
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 6, 0x2000, NULL, 0);
	pb_payload(&f, 12);
	pb_done(&f);
	p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ck_assert_int_eq(frag_classify(p, &k), FRAG_BAD);
	pkt_free(p);
	/* IPv6: the Fragment header's identification */
	p = v6(0xdeadbeef, 0, true);
	ck_assert_int_eq(frag_classify(p, &k), FRAG_FIRST);
	ck_assert_uint_eq(k.id, 0xdeadbeef);
	pkt_free(p);
	p = v6(0xdeadbeef, 10, false);
	ck_assert_int_eq(frag_classify(p, &k2), FRAG_LATER);
	ck_assert_mem_eq(&k, &k2, sizeof(k));
	pkt_free(p);
}
END_TEST

START_TEST(later_follow_the_first)
{
	struct frag_table *t = frag_create();
	struct frag_key k;
	struct pkt_buf *rel[FRAG_HOLD];
	/* accepted: the later ones pass, for as long as the datagram goes on */
	struct pkt_buf *p = v4(1, 0, true, 17, 20);
	ck_assert_int_eq(frag_classify(p, &k), FRAG_FIRST);
	ck_assert_uint_eq(frag_decided(t, &k, true, 100, rel), 0);
	pkt_free(p);
	p = v4(1, 5, true, 17, 20);
	ck_assert_int_eq(frag_later(t, &k, p, 200), FRAG_PASS);
	ck_assert_int_eq(frag_later(t, &k, p, 200 + FRAG_TIMEOUT_MS - 1), FRAG_PASS);
	/* refused: they are dropped */
	struct frag_key k2;
	struct pkt_buf *q = v4(2, 0, true, 17, 20);
	frag_classify(q, &k2);
	frag_decided(t, &k2, false, 100, rel);
	ck_assert_int_eq(frag_later(t, &k2, p, 300), FRAG_REFUSED);
	pkt_free(p);
	pkt_free(q);
	/* early: they wait, then go with an accepted first, in order */
	struct frag_key k3;
	struct pkt_buf *a = v4(3, 5, true, 17, 20), *b = v4(3, 10, false, 17, 20);
	frag_classify(a, &k3);
	ck_assert_int_eq(frag_later(t, &k3, a, 400), FRAG_HELD);
	ck_assert_int_eq(frag_later(t, &k3, b, 401), FRAG_HELD);
	ck_assert_uint_eq(frag_decided(t, &k3, true, 402, rel), 2);
	ck_assert_ptr_eq(rel[0], a);
	ck_assert_ptr_eq(rel[1], b);
	pkt_free_burst(rel, 2);
	/* early, then a refused first: handed back to be dropped (by pkt_discard, since it may
	 * belong to the burst being processed) */
	struct frag_key k4;
	a = v4(4, 5, true, 17, 20);
	frag_classify(a, &k4);
	ck_assert_int_eq(frag_later(t, &k4, a, 500), FRAG_HELD);
	ck_assert_uint_eq(frag_decided(t, &k4, false, 501, rel), 1);
	ck_assert_ptr_eq(rel[0], a);
	pkt_free(rel[0]);
	const struct frag_counters *c = frag_counters(t);
	ck_assert_uint_eq(c->held, 3);
	ck_assert_uint_eq(c->released, 2);
	ck_assert_uint_eq(c->refused, 2);
	frag_destroy(t);
}
END_TEST

START_TEST(bounds_and_expiry)
{
	struct frag_table *t = frag_create();
	struct frag_key k;
	/* at most FRAG_HOLD wait per datagram */
	struct pkt_buf *p = v4(9, 5, true, 17, 20);
	frag_classify(p, &k);
	pkt_free(p);
	for (int i = 0; i < FRAG_HOLD; i++)
		ck_assert_int_eq(frag_later(t, &k, v4(9, (uint16_t)(5 + i), true, 17, 20), 10), FRAG_HELD);
	p = v4(9, 50, false, 17, 20);
	ck_assert_int_eq(frag_later(t, &k, p, 10), FRAG_FULL);
	pkt_free(p);
	/* they expire with their datagram: dropped and counted by the sweep */
	frag_sweep(t, 10 + FRAG_TIMEOUT_MS, FRAG_SIZE);
	ck_assert_uint_eq(frag_counters(t)->expired_drops, FRAG_HOLD);
	ck_assert_uint_eq(frag_in_use(t), 0);
	/* at most FRAG_HELD_MAX wait in all */
	unsigned held = 0, full = 0;
	for (unsigned id = 100; id < 100 + FRAG_HELD_MAX + 20; id++) {
		p = v4((uint16_t)id, 5, true, 17, 20);
		frag_classify(p, &k);
		enum frag_result r = frag_later(t, &k, p, 20);
		if (r == FRAG_HELD) {
			held++;
		} else {
			ck_assert_int_eq(r, FRAG_FULL);
			full++;
			pkt_free(p);
		}
	}
	ck_assert_uint_eq(held, FRAG_HELD_MAX);
	ck_assert_uint_eq(full, 20);
	frag_destroy(t);    /* frees what still waits (ASan would say otherwise) */
}
END_TEST

int main(void)
{
	pool = pkt_pool_create("frag", 1024);
	Suite *s = suite_create("frag");
	TCase *tc = tcase_create("frag");
	tcase_add_test(tc, classify);
	tcase_add_test(tc, later_follow_the_first);
	tcase_add_test(tc, bounds_and_expiry);
	suite_add_tcase(s, tc);
	int rc = check_run(s);
	pkt_pool_destroy(pool);
	return rc;
}
