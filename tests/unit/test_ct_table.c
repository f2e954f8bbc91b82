/* Connection tracking, the table (test_ct.c has the per-protocol cases): a full table under a
 * SYN flood that never evicts an established connection, buckets overflowing into the
 * overflow count, a table past CT_PREFETCH_ENTRIES tracked burst by burst (its entries
 * prefetched), VLANs as zones or not, and the counters' report. */
#include "ct_fixture.h"
#include "ct_internal.h"    /* the bucket layout, for the overflow test */
#include "pkt_parse.h"
#include "pkt_pipe.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* A SYN flood fills the table; established connections stay, the flood replaces itself. */
START_TEST(full_table_and_syn_flood)
{
	ct_table_destroy(ct);
	cfg.max_entries = 64;
	ct = ct_table_create(&cfg);
	for (unsigned i = 0; i < 16; i++) {
		cport = (uint16_t)(1000 + i);
		handshake();
	}
	for (unsigned i = 0; i < 5000; i++) {
		cport = (uint16_t)(20000 + i);
		struct pb f;
		build_tcp(&f, 0, SYN, C, 0, 65535, 0, -1);
		struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
		ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
		ct_track(ct, p, now, &last);
		CHECK(last.state == CT_S_NEW, "SYN %u: state %d", i, last.state);
		CHECK(ct_commit(ct, p, now, &last), "SYN %u refused", i);
		pkt_free(p);
	}
	/* nothing refused: every SYN found an unfinished one to replace */
	ck_assert_uint_eq(ct_counters(ct)->refused, 0);
	ck_assert_uint_eq(ct_count(ct), 16 + 5000 - ct_counters(ct)->evicted);
	ck_assert_uint_ge(ct_count(ct), 60);
	for (unsigned i = 0; i < 16; i++) {
		cport = (uint16_t)(1000 + i);
		ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
		ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	}
	/* a table of established connections only: the new one is refused */
	ct_table_destroy(ct);
	ct = ct_table_create(&cfg);
	for (unsigned i = 0; i < 64; i++) {
		cport = (uint16_t)(1000 + i);
		handshake();
	}
	cport = 9999;
	struct pb f;
	build_tcp(&f, 0, SYN, C, 0, 65535, 0, -1);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	ck_assert_int_eq(last.state, CT_S_NEW);
	ck_assert(!ct_commit(ct, p, now, &last));
	pkt_free(p);
	ck_assert_uint_eq(ct_counters(ct)->refused, 1);
	ck_assert_uint_eq(ct_count(ct), 64);
	/* once they expire, room is made again */
	now += 432001 * 1000ull;
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	ck_assert_uint_eq(ct_counters(ct)->refused, 1);
	cport = 40000;
}
END_TEST

/* The overflow counts (ct_internal.h, spill) say exactly how many of a bucket's flows live
 * in their second bucket, and every live entry is found by its key. */
static void check_buckets(void)
{
	static uint16_t want[64];
	ck_assert_uint_le(ct->n_buckets, 64);
	memset(want, 0, sizeof(want));
	for (uint32_t b = 0; b < ct->n_buckets; b++)
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++) {
			uint32_t idx = ct->buckets[b].idx[s];
			if (!idx)
				continue;
			struct ct_entry *e = &ct->entries[idx - 1];
			uint32_t b1 = e->hash & (ct->n_buckets - 1);
			CHECK(b == b1 || b == ct_bucket2(ct, e->hash), "entry in bucket %u, neither of its own", b);
			if (b != b1)
				want[b1]++;
			unsigned dir;
			if (e->expires > now)
				CHECK(ct_find(ct, &e->key, e->hash, now, &dir) == e && dir == 0, "entry in bucket %u not found", b);
		}
	for (uint32_t b = 0; b < ct->n_buckets; b++)
		CHECK(ct->spill[b] == (want[b] < 255 ? want[b] : 255), "bucket %u: overflow count %u, want %u", b,
		      ct->spill[b], want[b]);
}

START_TEST(buckets_overflow)
{
	ct_table_destroy(ct);
	cfg.max_entries = 64;           /* 16 buckets: many flows in their second */
	ct = ct_table_create(&cfg);
	uint64_t s = 77;
	unsigned second = 0;
	for (unsigned i = 0; i < 20000; i++) {
		struct pb f;
		pb_init(&f);
		pb_eth0(&f, 0x0800);
		pb_ip4(&f, 17, 0, NULL, 0);
		pb_udp(&f, (uint16_t)(1000 + rng_next(&s) % 200), 53);
		pb_payload(&f, 20);
		int dir = (int)(rng_next(&s) % 3 == 0);
		if (dir)
			reverse(&f);
		pb_done(&f);
		struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
		ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
		ct_track(ct, p, now, &last);
		ct_commit(ct, p, now, &last);   /* may be refused: the table is small */
		pkt_free(p);
		now += rng_next(&s) % 1500;
		check_buckets();
		for (uint32_t b = 0; b < ct->n_buckets; b++)
			second += ct->spill[b] != 0;
	}
	ck_assert_uint_gt(second, 1000);    /* the second buckets were used, and looked up */
	ck_assert_uint_gt(ct_counters(ct)->expired, 100);
	now += 600 * 1000;
	ct_sweep(ct, now, ct->n_buckets);
	ck_assert_uint_eq(ct_count(ct), 0);
	check_buckets();
}
END_TEST

/* A table past CT_PREFETCH_ENTRIES, so that the burst pass also prefetches each packet's
 * entry: 20,000 UDP flows opened, then answered, then seen again, in bursts of 32 through
 * ct_parse_prefetch_burst and ct_track_prefetched; every reply and later packet is found
 * in its connection, in its direction. */
START_TEST(large_table_in_bursts)
{
	enum { FLOWS = 20000, BURST = 32 };
	ct_table_destroy(ct);
	cfg.max_entries = 32768;
	ct = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(ct);
	for (int round = 0; round < 3; round++) {       /* opened, answered, seen again */
		unsigned found = 0;
		for (unsigned first = 0; first < FLOWS; first += BURST) {
			struct pkt_buf *pkts[BURST];
			struct ct_pkt cps[BURST];
			uint16_t n = 0;
			for (unsigned i = first; i < first + BURST && i < FLOWS; i++) {
				struct pb f;
				pb_init(&f);
				pb_eth0(&f, 0x0800);
				pb_ip4(&f, 17, 0, NULL, 0);
				pb_udp(&f, (uint16_t)(1024 + i), 53);
				pb_payload(&f, 20);
				if (round == 1)
					reverse(&f);
				pb_done(&f);
				pb_pad(&f, 60);
				pkts[n] = pb_to_pkt(pool, f.b, f.len);
				ck_assert_ptr_nonnull(pkts[n]);
				n++;
			}
			ct_parse_prefetch_burst(ct, pkts, cps, n, 0);
			for (uint16_t i = 0; i < n; i++) {
				ck_assert_uint_eq(pkts[i]->verdict, PKT_V_CONTINUE);
				ct_track_prefetched(ct, pkts[i], now, &cps[i]);
				if (round == 0) {
					ck_assert_int_eq(cps[i].state, CT_S_NEW);
					ck_assert(ct_commit(ct, pkts[i], now, &cps[i]));
					continue;
				}
				ck_assert_int_eq(cps[i].state, CT_S_ESTABLISHED);
				ck_assert_ptr_nonnull(cps[i].e);
				ck_assert_uint_eq(cps[i].dir, round == 1);
				ck_assert_uint_eq(cps[i].e->key.sport, 1024 + first + i);
				found++;
			}
			pkt_free_burst(pkts, n);
		}
		ck_assert_uint_eq(ct_count(ct), FLOWS);
		ck_assert_uint_eq(found, round ? FLOWS : 0);
	}
	ck_assert_uint_gt(FLOWS, CT_PREFETCH_ENTRIES);
}
END_TEST

static char out[2048];

static void emit(void *arg, const char *line)
{
	(void)arg;
	strcat(out, line);
	strcat(out, "\n");
}

/* A UDP packet of 10.0.0.1:5000 -> 53 (dir 1: its reply) tagged with VLAN vid (0: none),
 * keyed in a burst of one (the one-step key) or alone (ct_track); committed when new. */
static int udp_vlan(int dir, uint16_t vid, bool burst)
{
	struct pb f;
	const uint16_t tpid = 0x8100, tci = vid;
	pb_init(&f);
	pb_eth(&f, vid ? 1 : 0, &tpid, &tci, 0x0800);
	pb_ip4(&f, 17, 0, NULL, 0);
	pb_udp(&f, 5000, 53);
	pb_payload(&f, 8);
	if (dir)
		reverse(&f);
	pb_done(&f);
	pb_pad(&f, 60);
	if (!burst)
		return track_frame(&f);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_ptr_nonnull(p);
	ct_parse_prefetch_burst(ct, &p, &last, 1, 0);
	ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
	ck_assert_uint_eq(last.keyed, 1);
	ct_track_prefetched(ct, p, now, &last);
	if (last.state == CT_S_NEW)
		ck_assert(ct_commit(ct, p, now, &last));
	pkt_free(p);
	return last.state;
}

/* With VLAN zones (a bridge's view, the default) the same flow in two VLANs is two
 * connections; without (a router's VLANs are links) a reply may come back on another. */
START_TEST(vlan_zones)
{
	ck_assert_int_eq(udp_vlan(0, 10, true), CT_S_NEW);
	ck_assert_int_eq(udp_vlan(1, 10, false), CT_S_ESTABLISHED);
	ck_assert_int_eq(udp_vlan(1, 20, true), CT_S_NEW);       /* VLAN 20's own flow */
	ck_assert_uint_eq(last.dir, 0);
	ck_assert_int_eq(udp_vlan(1, 0, false), CT_S_NEW);       /* and the untagged one's */
	ck_assert_uint_eq(ct_count(ct), 3);
	ct_table_destroy(ct);
	cfg.vlan_zones = false;
	ct = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(ct);
	ck_assert_int_eq(udp_vlan(0, 10, true), CT_S_NEW);
	ck_assert_int_eq(udp_vlan(1, 0, true), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert_int_eq(udp_vlan(1, 20, false), CT_S_ESTABLISHED);
	/* a running table keeps how it keys: tuning it with zones on changes nothing */
	struct ct_config tuned = cfg;
	tuned.vlan_zones = true;
	ck_assert(ct_table_tune(ct, &tuned));
	ck_assert(!ct_table_config(ct)->vlan_zones);
	ck_assert_int_eq(udp_vlan(0, 30, true), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 0);
	ck_assert_uint_eq(ct_count(ct), 1);
}
END_TEST

START_TEST(counters_table)
{
	handshake();
	ck_assert_int_eq(tcp(0, 0, C, 0, 0, 0), CT_S_INVALID);
	out[0] = 0;
	ct_counters_format(ct, emit, NULL);
	ck_assert_msg(strstr(out, "conntrack: 1 of 1024 entries in use\n"), "%s", out);
	ck_assert_msg(strstr(out, "  new                               1\n"), "%s", out);
	ck_assert_msg(strstr(out, "  established                       2\n"), "%s", out);
	ck_assert_msg(strstr(out, "    invalid tcp_flags                 1\n"), "%s", out);
	ck_assert_msg(strstr(out, "  created                           1\n"), "%s", out);
}
END_TEST

void ct_table_tests(TCase *tc)
{
	tcase_add_test(tc, full_table_and_syn_flood);
	tcase_add_test(tc, buckets_overflow);
	tcase_add_test(tc, large_table_in_bursts);
	tcase_add_test(tc, vlan_zones);
	tcase_add_test(tc, counters_table);
}
