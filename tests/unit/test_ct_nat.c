/* Connection tracking with NAT (dataplane/ct.h: ct_nat_bind, ct_key_in_use, ct_set_release):
 * a translated connection is found by its original key (direction 0) and by its reply key
 * (direction 1), never by its original key's plain reverse; UDP and a TCP handshake through
 * a translation, binds refused on clashes (counted), expiry by lookup and by the sweep,
 * eviction and removal freeing both keys' slots with the release hook called once, listing
 * once, ICMP errors from either side related through the right key in the right direction,
 * a table full of translated entries (bursts, prefetched), and IPv6 against IPv4 bytes.
 * After every case the index is checked whole: each live entry has its key's slot and (when
 * translated) its reply key's, in their own buckets, the overflow counts exact.
 *
 * This file: translated connections both ways, binds and clashes, expiry;
 * test_ct_nat_table.c: eviction, removal and listing, ICMP errors, a full table, IPv6,
 * counters and sizing; ct_nat_fixture.c: the table, the index check, frames and keys. */
#include "ct_nat_fixture.h"
#include "pkt_parse.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

/* ---- the cases ---- */

START_TEST(snat_udp_both_ways)
{
	struct ct_entry *e = snat_udp(40000, 61000);
	ck_assert(e->flags & CT_F_NAT);
	struct ct_nat_tuple r;
	ct_nat_reply(e, &r);
	ck_assert_mem_eq(r.src, SRV, 4);
	ck_assert_mem_eq(r.dst, PUB, 4);
	ck_assert_uint_eq(r.sport, 53);
	ck_assert_uint_eq(r.dport, 61000);
	/* the original key reads as it went; the whole key (ct_entry_key) as pkt_flow_key makes it */
	ck_assert_mem_eq(e->key.src, IN, 4);
	ck_assert_mem_eq(e->key.dst, SRV, 4);
	struct pkt_flow_key k = key4(17, IN, 40000, SRV, 53), clean;
	ct_entry_key(e, &clean);
	ck_assert_mem_eq(&clean, &k, sizeof(k));
	ck_assert(memcmp(&e->key, &k, sizeof(k)) != 0);   /* the padding holds the reply key */

	/* the original again: direction 0, still new (no reply yet) */
	ck_assert_int_eq(udp(IN, 40000, SRV, 53, false), CT_S_NEW);
	ck_assert_ptr_eq(last.e, e);
	ck_assert_uint_eq(last.dir, 0);
	/* the plain reverse of the original key is not this connection's */
	ck_assert_int_eq(udp(SRV, 53, IN, 40000, false), CT_S_NEW);
	ck_assert_ptr_null(last.e);
	/* the reply, by the reply key: direction 1, established, assured */
	ck_assert_int_eq(udp(SRV, 53, PUB, 61000, false), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, e);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert(e->flags & CT_F_SEEN_REPLY);
	ck_assert(e->flags & CT_F_ASSURED);
	ck_assert_int_eq(udp(IN, 40000, SRV, 53, false), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 0);
	/* and through a burst, both ways */
	struct pb f;
	frame4(&f, 17, SRV, 53, PUB, 61000, 0, 0, 0);
	ck_assert_int_eq(track_burst(&f), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, e);
	ck_assert_uint_eq(last.dir, 1);
	frame4(&f, 17, IN, 40000, SRV, 53, 0, 0, 0);
	ck_assert_int_eq(track_burst(&f), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 0);
	/* the translated outgoing packet's key (the reply key's reverse) is nobody's */
	ck_assert_int_eq(udp(PUB, 61000, SRV, 53, false), CT_S_NEW);
	ck_assert_ptr_null(last.e);
	/* a new connection whose reply would be this one's is refused: the plain reverse of
	 * the original key, and the reply key's reverse (Linux refuses both at confirm) */
	uint64_t clash = ct_counters(ct)->nat_clash, refused = ct_counters(ct)->refused;
	struct pb g;
	frame4(&g, 17, SRV, 53, IN, 40000, 0, 0, 0);
	struct pkt_buf *p = pb_to_pkt(pool, g.b, g.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	ck_assert_int_eq(last.state, CT_S_NEW);
	ck_assert(!ct_commit(ct, p, now, &last));
	pkt_free(p);
	frame4(&g, 17, PUB, 61000, SRV, 53, 0, 0, 0);
	p = pb_to_pkt(pool, g.b, g.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	ck_assert(!ct_commit(ct, p, now, &last));
	pkt_free(p);
	ck_assert_uint_eq(ct_counters(ct)->nat_clash, clash + 2);
	ck_assert_uint_eq(ct_counters(ct)->refused, refused + 2);
	ck_assert_uint_eq(ct_count(ct), 1);
	/* an untranslated flow's reverse is still its reply */
	ck_assert_int_eq(udp(IN, 40001, SRV, 53, true), CT_S_NEW);
	ck_assert_int_eq(udp(SRV, 53, IN, 40001, false), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert_uint_eq(n_released, 0);
}
END_TEST

START_TEST(tcp_handshake_through_nat)
{
	const uint32_t C = 1000, S = 500000;
	ck_assert_int_eq(tcp(IN, 40000, SRV, 80, SYN, C, 0), CT_S_NEW);
	struct ct_entry *e = last.e;
	struct ct_nat_tuple r = tuple(SRV, 80, PUB, 61000);
	ck_assert(ct_nat_bind(ct, e, &r));
	ck_assert_int_eq(e->proto_state, CT_TCP_SYN_SENT);
	/* the SYN-ACK as it comes back to the NAT, to the translated address */
	ck_assert_int_eq(tcp(SRV, 80, PUB, 61000, SYN | ACK, S, C + 1), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, e);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert_int_eq(e->proto_state, CT_TCP_SYN_RECV);
	/* a SYN-ACK to the inside address is no connection's */
	ck_assert_int_eq(tcp(SRV, 80, IN, 40000, SYN | ACK, S, C + 1), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_NO_ENTRY);
	ck_assert_int_eq(tcp(IN, 40000, SRV, 80, ACK, C + 1, S + 1), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 0);
	ck_assert_int_eq(e->proto_state, CT_TCP_ESTABLISHED);
	ck_assert(e->flags & CT_F_ASSURED);
	/* data both ways, windows checked */
	ck_assert_int_eq(tcp(SRV, 80, PUB, 61000, PSH | ACK, S + 1, C + 1), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert_int_eq(tcp(SRV, 80, PUB, 61000, ACK, S + 1 + 5000000, C + 1), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_WINDOW);
	/* a reset from the server closes it; a new SYN on the original tuple reopens it (the
	 * closed one removed: its mapping released) */
	ck_assert_int_eq(tcp(SRV, 80, PUB, 61000, RST | ACK, S + 1, C + 1), CT_S_ESTABLISHED);
	ck_assert_int_eq(e->proto_state, CT_TCP_CLOSE);
	ck_assert_int_eq(tcp(IN, 40000, SRV, 80, SYN, C + 99999, 0), CT_S_NEW);
	ck_assert_uint_eq(ct_counters(ct)->closed_reuse, 1);
	ck_assert_uint_eq(n_released, 1);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert(!(last.e->flags & CT_F_NAT));
	struct pkt_flow_key rk = key4(6, SRV, 80, PUB, 61000);
	ck_assert(!ct_key_in_use(ct, &rk, now));
}
END_TEST

START_TEST(bind_clashes_and_key_in_use)
{
	/* A plain, B translated to PUB:61000 */
	ck_assert_int_eq(udp(IN, 1111, SRV, 53, true), CT_S_NEW);
	struct ct_entry *a = last.e;
	struct ct_entry *b = snat_udp(2222, 61000);
	ck_assert_int_eq(udp(IN, 3333, SRV, 53, true), CT_S_NEW);
	struct ct_entry *c = last.e;
	const struct ct_nat_tuple clash[] = {
		tuple(IN, 1111, SRV, 53),      /* A's original key */
		tuple(SRV, 53, IN, 1111),      /* A's reverse (its reply) */
		tuple(SRV, 53, PUB, 61000),    /* B's reply key */
		tuple(IN, 2222, SRV, 53),      /* B's original key */
		tuple(IN, 3333, SRV, 53),      /* C's own original key */
	};
	for (unsigned i = 0; i < sizeof(clash) / sizeof(clash[0]); i++) {
		ck_assert_msg(!ct_nat_bind(ct, c, &clash[i]), "clash %u bound", i);
		ck_assert_uint_eq(ct_counters(ct)->nat_clash, i + 1);
		ck_assert(!(c->flags & CT_F_NAT));
	}
	/* nothing changed: C's reply is still its reverse */
	ck_assert_int_eq(udp(SRV, 53, IN, 3333, false), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, c);
	ck_assert_uint_eq(last.dir, 1);
	/* B's original key's reverse, and its reply key's reverse, are free for a reply key */
	ck_assert_int_eq(udp(IN, 4444, SRV, 53, true), CT_S_NEW);
	struct ct_entry *d = last.e;
	struct ct_nat_tuple free_rev = tuple(SRV, 53, IN, 2222);
	ck_assert(ct_nat_bind(ct, d, &free_rev));
	ck_assert_int_eq(udp(SRV, 53, IN, 2222, false), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, d);
	ck_assert_uint_eq(last.dir, 1);
	/* an entry translated once is not again; an identity translation (the reply key its own
	 * reverse) is allowed */
	ck_assert(!ct_nat_bind(ct, d, &free_rev));
	ck_assert_int_eq(udp(IN, 5555, SRV, 53, true), CT_S_NEW);
	struct ct_entry *id = last.e;
	struct ct_nat_tuple same = tuple(SRV, 53, IN, 5555);
	ck_assert(ct_nat_bind(ct, id, &same));
	ck_assert_int_eq(udp(SRV, 53, IN, 5555, false), CT_S_ESTABLISHED);
	ck_assert_ptr_eq(last.e, id);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert_uint_eq(ct_counters(ct)->nat_clash, 5);

	/* ct_key_in_use: the keys of all entries in either direction, no others */
	const struct pkt_flow_key in_use[] = {
		key4(17, IN, 1111, SRV, 53), key4(17, SRV, 53, IN, 1111),   /* A both ways */
		key4(17, IN, 2222, SRV, 53), key4(17, SRV, 53, PUB, 61000), /* B's two keys */
		key4(17, SRV, 53, IN, 2222),                                /* D's reply key */
	};
	const struct pkt_flow_key unused[] = {
		key4(17, PUB, 61000, SRV, 53),      /* B's reply key reversed */
		key4(17, SRV, 53, PUB, 61001),      /* the next port */
		key4(6, SRV, 53, PUB, 61000),       /* another protocol */
		key4(17, SRV, 53, IN, 4444),        /* D's original reversed: D is translated */
	};
	for (unsigned i = 0; i < sizeof(in_use) / sizeof(in_use[0]); i++)
		ck_assert_msg(ct_key_in_use(ct, &in_use[i], now), "key %u not in use", i);
	for (unsigned i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
		ck_assert_msg(!ct_key_in_use(ct, &unused[i], now), "key %u in use", i);
	unsigned dir;
	ck_assert_ptr_eq(find(&in_use[0], &dir), a);
	ck_assert_ptr_eq(find(&in_use[3], &dir), b);
	/* A and B, unanswered, expire after 30 s: their keys are free then, the holders freed
	 * on the way (the hook for B); C, D and the identity one were answered */
	now += 31 * 1000;
	for (unsigned i = 0; i < 4; i++)
		ck_assert_msg(!ct_key_in_use(ct, &in_use[i], now), "key %u in use after expiry", i);
	ck_assert(ct_key_in_use(ct, &in_use[4], now));
	ck_assert_uint_eq(ct_count(ct), 3);
	ck_assert_uint_eq(n_released, 1);
	ck_assert_uint_eq(released[b - ct->entries], 1);
	ck_assert_uint_eq(ct_counters(ct)->expired, 2);
	/* B's keys free, another takes its reply key */
	ck_assert_int_eq(udp(IN, 6666, SRV, 53, true), CT_S_NEW);
	struct ct_nat_tuple b_reply = tuple(SRV, 53, PUB, 61000);
	ck_assert(ct_nat_bind(ct, last.e, &b_reply));
	ck_assert_int_eq(udp(SRV, 53, PUB, 61000, false), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert_uint_eq(last.e->key.sport, 6666);
}
END_TEST

START_TEST(expiry_by_lookup)
{
	/* found expired by its reply key, then by its original key */
	struct ct_entry *e = snat_udp(40000, 61000);
	size_t n = (size_t)(e - ct->entries);
	now += 31 * 1000;
	ck_assert_int_eq(udp(SRV, 53, PUB, 61000, false), CT_S_NEW);
	ck_assert_ptr_null(last.e);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(ct_counters(ct)->expired, 1);
	ck_assert_uint_eq(released[n], 1);
	ck_assert_uint_eq(n_released, 1);
	check_index();
	e = snat_udp(40000, 61000);
	size_t n2 = (size_t)(e - ct->entries);
	now += 31 * 1000;
	ck_assert_int_eq(udp(IN, 40000, SRV, 53, false), CT_S_NEW);
	ck_assert_ptr_null(last.e);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(ct_counters(ct)->expired, 2);
	ck_assert_uint_eq(released[n2], n2 == n ? 2 : 1);
	ck_assert_uint_eq(n_released, 2);
	/* the reply key is gone with it, and free for another */
	struct pkt_flow_key rk = key4(17, SRV, 53, PUB, 61000);
	ck_assert(!ct_key_in_use(ct, &rk, now));
	snat_udp(40001, 61000);
	ck_assert(ct_key_in_use(ct, &rk, now));
	/* an ICMP error's lookup expires it too (icmp_errors_both_sides) */
}
END_TEST

START_TEST(expiry_by_sweep_and_reuse)
{
	enum { N = 300 };
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < N; i++)
			snat_udp((uint16_t)(10000 + i), (uint16_t)(20000 + i + round * 1000));
		/* some replied (120 s), some not (30 s), and some plain flows among them */
		for (unsigned i = 0; i < N; i += 3)
			ck_assert_int_eq(udp(SRV, 53, PUB, (uint16_t)(20000 + i + round * 1000), false), CT_S_ESTABLISHED);
		for (unsigned i = 0; i < 50; i++)
			ck_assert_int_eq(udp(IN, (uint16_t)(30000 + i), SRV, 53, true), CT_S_NEW);
		ck_assert_uint_eq(ct_count(ct), N + 50);
		check_index();
		unsigned before = n_released;
		now += 31 * 1000;
		ct_sweep(ct, now, ct->n_buckets);
		ck_assert_uint_eq(ct_count(ct), N / 3);
		ck_assert_uint_eq(n_released, before + N - N / 3);
		check_index();
		now += 90 * 1000;
		/* in small steps: an entry's two slots in buckets swept at different times */
		for (unsigned i = 0; i < ct->n_buckets; i++)
			ct_sweep(ct, now, 1);
		ck_assert_uint_eq(ct_count(ct), 0);
		ck_assert_uint_eq(n_released, before + N);
		for (uint32_t i = 0; i < cfg.max_entries; i++)
			CHECK(released[i] <= round + 1, "entry %u released %u times", i, released[i]);
		for (uint32_t b = 0; b < ct->n_buckets; b++) {
			CHECK(!ct->spill[b], "bucket %u: overflow left", b);
			for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++)
				CHECK(!ct->buckets[b].idx[s], "bucket %u slot %u left", b, s);
		}
		ck_assert_uint_eq(ct->n_nat, 0);
	}
	ck_assert_uint_eq(n_released, 3 * N);
	ck_assert_uint_eq(ct_counters(ct)->expired, 3 * (N + 50));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ct_nat");
	TCase *tc = tcase_create("ct_nat");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, snat_udp_both_ways);
	tcase_add_test(tc, tcp_handshake_through_nat);
	tcase_add_test(tc, bind_clashes_and_key_in_use);
	tcase_add_test(tc, expiry_by_lookup);
	tcase_add_test(tc, expiry_by_sweep_and_reuse);
	ct_nat_table_tests(tc);
	suite_add_tcase(s, tc);
	return check_run(s);
}
