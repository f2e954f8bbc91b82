/* unit-ct-nat, continued: eviction and removal freeing both keys' slots with the release
 * hook called once, listing once, ICMP errors from either side related through the right
 * key in the right direction, a table full of translated entries (bursts, prefetched),
 * IPv6 against IPv4 bytes, and the counters and the table's sizing with NAT. */
#include "ct_nat_fixture.h"
#include "pkt_parse.h"
#include "pkt_pipe.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(eviction_calls_release_once)
{
	make_table(16, true);
	for (unsigned i = 0; i < 16; i++) {
		now += 10;
		snat_udp((uint16_t)(10000 + i), (uint16_t)(20000 + i));
	}
	ck_assert_uint_eq(ct_count(ct), 16);
	check_index();
	/* a 17th: the table is full of unanswered connections, one makes room */
	now += 10;
	ck_assert_int_eq(udp(IN, 9999, SRV, 53, true), CT_S_NEW);
	ck_assert_uint_eq(ct_counters(ct)->evicted, 1);
	ck_assert_uint_eq(n_released, 1);
	ck_assert_uint_eq(ct_count(ct), 16);
	check_index();
	unsigned gone = 0;
	for (unsigned i = 0; i < 16; i++) {
		struct pkt_flow_key k = key4(17, IN, (uint16_t)(10000 + i), SRV, 53);
		struct pkt_flow_key rk = key4(17, SRV, 53, PUB, (uint16_t)(20000 + i));
		unsigned d0, d1;
		struct ct_entry *e0 = find(&k, &d0), *e1 = find(&rk, &d1);
		ck_assert_ptr_eq(e0, e1);       /* both keys, or neither */
		if (!e0) {
			gone++;
			continue;
		}
		ck_assert_uint_eq(d0, 0);
		ck_assert_uint_eq(d1, 1);
		/* answered: assured, never evicted */
		ck_assert_int_eq(udp(SRV, 53, PUB, (uint16_t)(20000 + i), false), CT_S_ESTABLISHED);
	}
	ck_assert_uint_eq(gone, 1);
	for (unsigned i = 0; i < 16; i++)
		ck_assert_uint_le(released[i], 1);
	ck_assert_int_eq(udp(SRV, 53, IN, 9999, false), CT_S_ESTABLISHED);
	/* all assured: the new one refused, no hook */
	struct pb f;
	frame4(&f, 17, IN, 8888, SRV, 53, 0, 0, 0);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	ck_assert(!ct_commit(ct, p, now, &last));
	pkt_free(p);
	ck_assert_uint_eq(n_released, 1);

	/* a small table without the NAT sizing, its buckets full of both kinds of keys: entries
	 * evicted through either key's slot (the two buckets of a new flow first), freed whole,
	 * the hook once for each translated one */
	make_table(64, false);
	unsigned bound = 0;
	for (unsigned i = 0; i < 3000; i++) {
		now += 7;
		ck_assert_int_eq(udp(IN, (uint16_t)(1000 + i), SRV, 53, true), CT_S_NEW);
		struct ct_nat_tuple r = tuple(SRV, 53, PUB, (uint16_t)(1000 + i));
		if (i % 5 && ct_nat_bind(ct, last.e, &r))   /* may find its buckets full: refused, counted */
			bound++;
		if (i % 97 == 0)
			check_index();
	}
	check_index();
	ck_assert_uint_eq(n_released, bound - ct->n_nat);
	ck_assert_uint_eq(ct_counters(ct)->evicted + ct_counters(ct)->expired, 3000 - ct_count(ct));
	/* full buckets made room by moving a key to its other bucket (or, with no room there
	 * either, refused the reply key) */
	ck_assert_uint_gt(ct_counters(ct)->displaced + ct_counters(ct)->nat_full, 0);
	ck_assert_uint_gt(bound, 2000);
}
END_TEST

struct walk {
	unsigned seen[1024];
	unsigned calls;
};

static void each(void *arg, const struct ct_entry *x)
{
	struct walk *w = arg;
	w->seen[x - ct->entries]++;
	w->calls++;
}

START_TEST(remove_and_foreach)
{
	struct ct_entry *e[10];
	for (unsigned i = 0; i < 10; i++)
		e[i] = snat_udp((uint16_t)(10000 + i), (uint16_t)(20000 + i));
	for (unsigned i = 0; i < 5; i++)
		ck_assert_int_eq(udp(IN, (uint16_t)(30000 + i), SRV, 53, true), CT_S_NEW);
	/* listed once each */
	static struct walk w;
	memset(&w, 0, sizeof(w));
	ct_foreach(ct, each, &w);
	ck_assert_uint_eq(w.calls, 15);
	for (unsigned i = 0; i < 1024; i++)
		CHECK(w.seen[i] <= 1, "entry %u listed %u times", i, w.seen[i]);
	for (unsigned i = 0; i < 10; i++)
		ck_assert_uint_eq(w.seen[e[i] - ct->entries], 1);
	/* removed: both keys gone, the hook once */
	ct_remove(ct, e[3]);
	ck_assert_uint_eq(ct_count(ct), 14);
	ck_assert_uint_eq(n_released, 1);
	ck_assert_uint_eq(released[e[3] - ct->entries], 1);
	check_index();
	unsigned dir;
	struct pkt_flow_key k = key4(17, IN, 10003, SRV, 53), rk = key4(17, SRV, 53, PUB, 20003);
	ck_assert_ptr_null(find(&k, &dir));
	ck_assert_ptr_null(find(&rk, &dir));
	k = key4(17, IN, 10004, SRV, 53);
	rk = key4(17, SRV, 53, PUB, 20004);
	ck_assert_ptr_eq(find(&k, &dir), e[4]);
	ck_assert_uint_eq(dir, 0);
	ck_assert_ptr_eq(find(&rk, &dir), e[4]);
	ck_assert_uint_eq(dir, 1);
	/* a plain entry removed: no hook */
	ck_assert_int_eq(udp(IN, 30000, SRV, 53, false), CT_S_NEW);
	ct_remove(ct, last.e);
	ck_assert_uint_eq(n_released, 1);
	memset(&w, 0, sizeof(w));
	ct_foreach(ct, each, &w);
	ck_assert_uint_eq(w.calls, 13);
	/* the reply key reused by a new connection */
	struct ct_entry *again = snat_udp(10099, 20003);
	rk = key4(17, SRV, 53, PUB, 20003);
	ck_assert_ptr_eq(find(&rk, &dir), again);
}
END_TEST


/* An ICMP error (type, code) from src to dst quoting q's IP packet. */
static int icmp_error(const uint8_t *src, const uint8_t *dst, uint8_t type, uint8_t code, const struct pb *q)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 1, 0, NULL, 0);
	memcpy(f.b + f.l3 + 12, src, 4);
	memcpy(f.b + f.l3 + 16, dst, 4);
	pb_icmp(&f, 1, type, code, 0);
	uint16_t ip_len = pkt_rd16(q->b + q->l3 + 2);
	pb_put(&f, q->b + q->l3, ip_len);
	pb_done(&f);
	return track(&f, false);
}

START_TEST(icmp_errors_both_sides)
{
	struct ct_entry *e = snat_udp(40000, 61000);
	struct pb q;
	/* from outside (the server, or a router on the way) to the public address, quoting the
	 * translated outgoing packet PUB:61000 -> SRV:53: the reply's direction */
	frame4(&q, 17, PUB, 61000, SRV, 53, 0, 0, 0);
	ck_assert_int_eq(icmp_error(SRV, PUB, 3, 3, &q), CT_S_RELATED);
	ck_assert_ptr_eq(last.e, e);
	ck_assert_uint_eq(last.dir, 1);
	/* from inside, quoting the translated reply SRV:53 -> IN:40000: the original direction */
	frame4(&q, 17, SRV, 53, IN, 40000, 0, 0, 0);
	ck_assert_int_eq(icmp_error(IN, SRV, 3, 3, &q), CT_S_RELATED);
	ck_assert_ptr_eq(last.e, e);
	ck_assert_uint_eq(last.dir, 0);
	/* quoting the untranslated packet (it never left so), or the reply as it came in, is
	 * about nothing the table holds, as in Linux */
	frame4(&q, 17, IN, 40000, SRV, 53, 0, 0, 0);
	ck_assert_int_eq(icmp_error(SRV, PUB, 3, 3, &q), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_ICMP_NO_FLOW);
	frame4(&q, 17, SRV, 53, PUB, 61000, 0, 0, 0);
	ck_assert_int_eq(icmp_error(PUB, SRV, 3, 3, &q), CT_S_INVALID);
	/* a plain flow keeps its two ways */
	ck_assert_int_eq(udp(IN, 41000, SRV, 53, true), CT_S_NEW);
	struct ct_entry *plain = last.e;
	frame4(&q, 17, IN, 41000, SRV, 53, 0, 0, 0);
	ck_assert_int_eq(icmp_error(SRV, IN, 3, 3, &q), CT_S_RELATED);
	ck_assert_ptr_eq(last.e, plain);
	ck_assert_uint_eq(last.dir, 1);
	frame4(&q, 17, SRV, 53, IN, 41000, 0, 0, 0);
	ck_assert_int_eq(icmp_error(IN, SRV, 3, 3, &q), CT_S_RELATED);
	ck_assert_uint_eq(last.dir, 0);
	/* TCP: a time exceeded about the translated SYN */
	ck_assert_int_eq(tcp(IN, 40000, SRV, 80, SYN, 1000, 0), CT_S_NEW);
	struct ct_entry *t = last.e;
	struct ct_nat_tuple r = tuple(SRV, 80, PUB, 62000);
	ck_assert(ct_nat_bind(ct, t, &r));
	frame4(&q, 6, PUB, 62000, SRV, 80, SYN, 1000, 0);
	ck_assert_int_eq(icmp_error(SRV, PUB, 11, 0, &q), CT_S_RELATED);
	ck_assert_ptr_eq(last.e, t);
	ck_assert_uint_eq(last.dir, 1);
	/* expired, the error's lookup frees it (by its reply key): the hook once */
	now += 121 * 1000;
	frame4(&q, 6, PUB, 62000, SRV, 80, SYN, 1000, 0);
	ck_assert_int_eq(icmp_error(SRV, PUB, 11, 0, &q), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_ICMP_NO_FLOW);
	ck_assert_uint_eq(released[t - ct->entries], 1);
}
END_TEST

/* A table full of translated entries, cfg.nat on (two keys an entry): every entry found
 * both ways, in bursts past CT_PREFETCH_ENTRIES (the burst prefetches entries too). */
START_TEST(full_table_of_nat_entries)
{
	enum { MAX = 20000, BURST = 32 };
	make_table(MAX, true);
	ck_assert_uint_ge(ct->n_buckets * CT_BUCKET_SLOTS, 4u * MAX);
	static const uint8_t pubs[4][4] = { { 203, 0, 113, 1 }, { 203, 0, 113, 2 }, { 203, 0, 113, 3 }, { 203, 0, 113, 4 } };
	for (int round = 0; round < 3; round++) {   /* opened and bound, answered, seen again */
		for (unsigned first = 0; first < MAX; first += BURST) {
			struct pkt_buf *pkts[BURST];
			struct ct_pkt cps[BURST];
			uint16_t n = 0;
			for (unsigned i = first; i < first + BURST && i < MAX; i++) {
				uint8_t in[4] = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i };
				struct pb f;
				if (round == 1)
					frame4(&f, 17, SRV, 53, pubs[i % 4], (uint16_t)(1024 + i / 4), 0, 0, 0);
				else
					frame4(&f, 17, in, 5000, SRV, 53, 0, 0, 0);
				pkts[n++] = pb_to_pkt(pool, f.b, f.len);
			}
			ct_parse_prefetch_burst(ct, pkts, cps, n, 0);
			for (uint16_t j = 0; j < n; j++) {
				unsigned i = first + j;
				ck_assert_uint_eq(pkts[j]->verdict, PKT_V_CONTINUE);
				ct_track_prefetched(ct, pkts[j], now, &cps[j]);
				if (round == 0) {
					CHECK(cps[j].state == CT_S_NEW, "flow %u: state %u", i, cps[j].state);
					CHECK(ct_commit(ct, pkts[j], now, &cps[j]), "flow %u refused", i);
					struct ct_nat_tuple r = tuple(SRV, 53, pubs[i % 4], (uint16_t)(1024 + i / 4));
					CHECK(ct_nat_bind(ct, cps[j].e, &r), "flow %u: bind refused (%llu full)", i,
					      (unsigned long long)ct_counters(ct)->nat_full);
					continue;
				}
				CHECK(cps[j].state == CT_S_ESTABLISHED, "flow %u round %d: state %u", i, round, cps[j].state);
				CHECK(cps[j].dir == (round == 1), "flow %u round %d: dir %u", i, round, cps[j].dir);
				CHECK(cps[j].e->key.src[2] == (uint8_t)(i >> 8) && cps[j].e->key.src[3] == (uint8_t)i,
				      "flow %u: another's entry", i);
			}
			pkt_free_burst(pkts, n);
		}
		ck_assert_uint_eq(ct_count(ct), MAX);
	}
	ck_assert_uint_gt(MAX, CT_PREFETCH_ENTRIES);
	ck_assert_uint_eq(ct->n_nat, MAX);
	ck_assert_uint_eq(ct_counters(ct)->nat_full, 0);
	ck_assert_uint_eq(ct_counters(ct)->evicted, 0);
	check_index();
	/* and by ct_find, both ways */
	for (unsigned i = 0; i < MAX; i++) {
		uint8_t in[4] = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i };
		struct pkt_flow_key k = key4(17, in, 5000, SRV, 53), rk = key4(17, SRV, 53, pubs[i % 4], (uint16_t)(1024 + i / 4));
		unsigned d0, d1;
		struct ct_entry *e0 = find(&k, &d0), *e1 = find(&rk, &d1);
		CHECK(e0 && e0 == e1 && d0 == 0 && d1 == 1, "flow %u not found both ways", i);
	}
	/* full: one more is refused (all replied, assured) */
	struct pb f;
	frame4(&f, 17, IN, 1, SRV, 53, 0, 0, 0);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	ck_assert(!ct_commit(ct, p, now, &last));
	pkt_free(p);
	/* everything expires in one sweep, each mapping released once */
	now += 121 * 1000;
	ct_sweep(ct, now, ct->n_buckets);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(n_released, MAX);
	for (unsigned i = 0; i < MAX; i++)
		CHECK(released[i] == 1, "entry %u released %u times", i, released[i]);

	/* a power of two: full, half the index's slots are used (the load a table without NAT
	 * has when full). The rare key whose two buckets are both full is refused, counted, as
	 * a new connection is without NAT; every other entry is found both ways. */
	enum { POW = 4096 };
	make_table(POW, true);
	ck_assert_uint_eq(ct->n_buckets * CT_BUCKET_SLOTS, 4u * POW);
	unsigned bound = 0;
	for (unsigned i = 0; i < POW; i++) {
		uint8_t in[4] = { 10, 2, (uint8_t)(i >> 8), (uint8_t)i };
		frame4(&f, 17, in, 5000, SRV, 53, 0, 0, 0);
		p = pb_to_pkt(pool, f.b, f.len);
		ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
		ct_track(ct, p, now, &last);
		ck_assert_int_eq(last.state, CT_S_NEW);
		if (ct_commit(ct, p, now, &last)) {
			last.e->flags |= CT_F_ASSURED;     /* as if answered: never evicted */
			struct ct_nat_tuple r = tuple(SRV, 53, pubs[i % 4], (uint16_t)(1024 + i / 4));
			bound += ct_nat_bind(ct, last.e, &r);
		}
		pkt_free(p);
	}
	check_index();
	const struct ct_counters *c = ct_counters(ct);
	ck_assert_uint_eq(ct_count(ct) + c->refused, POW);
	ck_assert_uint_eq(bound + c->nat_full, ct_count(ct));
	ck_assert_uint_le(c->refused + c->nat_full, POW / 200);
	ck_assert_uint_eq(c->nat_clash, 0);
	for (unsigned i = 0; i < POW; i++) {
		uint8_t in[4] = { 10, 2, (uint8_t)(i >> 8), (uint8_t)i };
		struct pkt_flow_key k = key4(17, in, 5000, SRV, 53), rk = key4(17, SRV, 53, pubs[i % 4], (uint16_t)(1024 + i / 4));
		unsigned d0, d1;
		struct ct_entry *e0 = find(&k, &d0), *e1 = find(&rk, &d1);
		if (!e0)
			continue;                           /* refused */
		CHECK(d0 == 0, "flow %u: dir %u", i, d0);
		if (e0->flags & CT_F_NAT)
			CHECK(e1 == e0 && d1 == 1, "flow %u: not found by its reply key", i);
		else
			CHECK(!e1, "flow %u: unbound, its reply key another's", i);
	}
}
END_TEST

/* An IPv6 entry whose addresses are an IPv4 key's bytes is not that IPv4 connection, nor is
 * a translated IPv4 entry an IPv6 key holding its bytes (reply key and all). */
START_TEST(ipv6_never_matches_ipv4)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x86dd);
	pb_ip6(&f, 17);
	memset(f.b + f.l3 + 8, 0, 32);
	memcpy(f.b + f.l3 + 8, IN, 4);
	memcpy(f.b + f.l3 + 24, SRV, 4);
	pb_udp(&f, 40000, 53);
	pb_payload(&f, 20);
	pb_done(&f);
	ck_assert_int_eq(track(&f, true), CT_S_NEW);
	struct ct_entry *e6 = last.e;
	ck_assert_uint_eq(e6->key.family, 6);
	/* the IPv4 flow with the same bytes is new, and gets its own entry */
	ck_assert_int_eq(udp(IN, 40000, SRV, 53, true), CT_S_NEW);
	struct ct_entry *e4 = last.e;
	ck_assert_ptr_ne(e4, e6);
	ck_assert_uint_eq(ct_count(ct), 2);
	/* an IPv6 entry is never translated */
	struct ct_nat_tuple r = tuple(SRV, 53, PUB, 61000);
	ck_assert(!ct_nat_bind(ct, e6, &r));
	ck_assert(ct_nat_bind(ct, e4, &r));
	/* an IPv6 key with every byte of the translated IPv4 entry's key (its padding holds the
	 * reply key) finds nothing, either way */
	struct pkt_flow_key k6 = e4->key;
	k6.family = 6;
	unsigned dir;
	ck_assert_ptr_null(find(&k6, &dir));
	struct pkt_flow_key r6 = key4(17, SRV, 53, PUB, 61000);
	r6.family = 6;
	ck_assert_ptr_null(find(&r6, &dir));
	ck_assert(!ct_key_in_use(ct, &r6, now));
	/* and the IPv4 entry's reply key in an IPv6 frame is new */
	pb_init(&f);
	pb_eth0(&f, 0x86dd);
	pb_ip6(&f, 17);
	memset(f.b + f.l3 + 8, 0, 32);
	memcpy(f.b + f.l3 + 8, SRV, 4);
	memcpy(f.b + f.l3 + 24, PUB, 4);
	pb_udp(&f, 53, 61000);
	pb_payload(&f, 20);
	pb_done(&f);
	ck_assert_int_eq(track(&f, false), CT_S_NEW);
	ck_assert_ptr_null(last.e);
	/* the two IPv4 ways still find theirs */
	ck_assert_int_eq(udp(SRV, 53, PUB, 61000, false), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, e4);
	ck_assert_int_eq(udp(IN, 40000, SRV, 53, false), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, e4);
	ck_assert_uint_eq(last.dir, 0);
}
END_TEST

static char out[2048];

static void emit_line(void *arg, const char *line)
{
	(void)arg;
	strcat(out, line);
	strcat(out, "\n");
}

START_TEST(counters_and_sizing)
{
	snat_udp(40000, 61000);
	ck_assert_int_eq(udp(IN, 40001, SRV, 53, true), CT_S_NEW);
	struct ct_nat_tuple r = tuple(SRV, 53, PUB, 61000);
	ck_assert(!ct_nat_bind(ct, last.e, &r));
	out[0] = 0;
	ct_counters_format(ct, emit_line, NULL);
	ck_assert_msg(strstr(out, "  nat_clash                         1\n"), "%s", out);
	ck_assert_msg(!strstr(out, "nat_full"), "%s", out);
	/* the index for two keys an entry at the load one key has without */
	struct ct_table *plain = NULL;
	cfg.nat = false;
	cfg.max_entries = 1024;
	plain = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(plain);
	ck_assert_uint_eq(ct->n_buckets, 2 * plain->n_buckets);
	ct_table_destroy(plain);
	/* a running table keeps its sizing */
	ck_assert(ct_table_tune(ct, &cfg));
	ck_assert(ct_table_config(ct)->nat);
	/* sizes past what the index numbers are refused */
	cfg.max_entries = CT_MAX_ENTRIES + 1;
	ck_assert_ptr_null(ct_table_create(&cfg));
	cfg.max_entries = 1024;
}
END_TEST

void ct_nat_table_tests(TCase *tc)
{
	tcase_add_test(tc, eviction_calls_release_once);
	tcase_add_test(tc, remove_and_foreach);
	tcase_add_test(tc, icmp_errors_both_sides);
	tcase_add_test(tc, full_table_of_nat_entries);
	tcase_add_test(tc, ipv6_never_matches_ipv4);
	tcase_add_test(tc, counters_and_sizing);
}
