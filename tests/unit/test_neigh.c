/* The neighbour cache (dataplane/neigh.h): waiting packets and their bounds, retries and
 * failure, refresh, expiry, a full set; and the ARP and ND messages it reads and writes. */
#include "neigh.h"
#include "pkt_parse.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

static struct pkt_pool *pool;
static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa }, our_mac[6] = { 2, 0, 0, 0, 1, 1 };

static struct pkt_buf *pkt(void)
{
	struct pkt_buf *p = pkt_alloc(pool);
	ck_assert_ptr_nonnull(p);
	p->len = 60;
	return p;
}

START_TEST(waits_then_releases)
{
	struct nb_cache *c = nb_create();
	const uint8_t ip[4] = { 10, 0, 0, 9 };
	uint8_t mac[6];
	bool sol;
	struct pkt_buf *held[NB_QUEUE];
	for (int i = 0; i < NB_QUEUE; i++) {
		held[i] = pkt();
		ck_assert_int_eq(nb_resolve(c, 1, 4, ip, held[i], 100, mac, &sol), NB_QUEUED);
		ck_assert(sol == (i == 0));     /* one request, not one per packet */
	}
	struct pkt_buf *extra = pkt();
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, extra, 100, mac, &sol), NB_QUEUE_FULL);
	pkt_free(extra);
	/* the same address on another port is another neighbour */
	ck_assert_int_eq(nb_learn(c, 0, 4, ip, mac_a, false, 150, (struct pkt_buf *[NB_QUEUE]){ 0 }), 0);
	struct pkt_buf *rel[NB_QUEUE];
	ck_assert_uint_eq(nb_learn(c, 1, 4, ip, mac_a, false, 200, rel), NB_QUEUE);
	for (int i = 0; i < NB_QUEUE; i++)
		ck_assert_ptr_eq(rel[i], held[i]);  /* in the order they came */
	pkt_free_burst(rel, NB_QUEUE);
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, NULL, 300, mac, &sol), NB_RESOLVED);
	ck_assert_mem_eq(mac, mac_a, 6);
	ck_assert(!sol);
	const struct nb_counters *k = nb_counters(c);
	ck_assert_uint_eq(k->queued, NB_QUEUE);
	ck_assert_uint_eq(k->released, NB_QUEUE);
	ck_assert_uint_eq(k->queue_full, 1);
	ck_assert_uint_eq(k->requests, 1);
	/* in use past its reachable time: one refresh request a retry period, still resolved */
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, NULL, 200 + NB_REACHABLE_MS, mac, &sol), NB_RESOLVED);
	ck_assert(sol);
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, NULL, 200 + NB_REACHABLE_MS + 10, mac, &sol), NB_RESOLVED);
	ck_assert(!sol);
	/* unconfirmed for NB_STALE_MS: forgotten */
	struct nb_solicit s[4];
	for (unsigned i = 0; i < NB_SIZE; i += 64)
		nb_tick(c, 200 + NB_STALE_MS, 64, s, 4);
	ck_assert_uint_eq(nb_in_use(c), 0);
	nb_destroy(c);
}
END_TEST

START_TEST(retries_then_fails)
{
	struct nb_cache *c = nb_create();
	const uint8_t ip[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	uint8_t mac[6];
	bool sol;
	struct pkt_buf *first = pkt(), *second = pkt();
	ck_assert_int_eq(nb_resolve(c, 0, 6, ip, first, 1000, mac, &sol), NB_QUEUED);
	ck_assert_int_eq(nb_resolve(c, 0, 6, ip, second, 1000, mac, &sol), NB_QUEUED);
	struct nb_solicit s[4];
	ck_assert_uint_eq(nb_tick(c, 1999, NB_SIZE, s, 4), 0);       /* not yet */
	ck_assert_uint_eq(nb_tick(c, 2000, NB_SIZE, s, 4), 1);       /* second try */
	ck_assert_uint_eq(s[0].family, 6);
	ck_assert_mem_eq(s[0].ip, ip, 16);
	ck_assert_uint_eq(nb_tick(c, 3000, NB_SIZE, s, 4), 1);       /* third */
	ck_assert_uint_eq(nb_tick(c, 4000, NB_SIZE, s, 4), 0);       /* no answer: failed */
	const struct nb_counters *k = nb_counters(c);
	ck_assert_uint_eq(k->failed, 1);
	ck_assert_uint_eq(k->failed_drops, 2);
	ck_assert_uint_eq(k->requests, NB_TRIES);
	/* the packets that waited come back, to be answered (host unreachable), in the order
	 * they came, one at a time too */
	struct pkt_buf *dead[4];
	ck_assert_uint_eq(nb_failed_take(c, dead, 1), 1);
	ck_assert_uint_eq(nb_failed_take(c, dead + 1, 3), 1);
	ck_assert_uint_eq(nb_failed_take(c, dead + 2, 2), 0);
	ck_assert_ptr_eq(dead[0], first);
	ck_assert_ptr_eq(dead[1], second);
	pkt_free_burst(dead, 2);
	struct pkt_buf *p = pkt();
	ck_assert_int_eq(nb_resolve(c, 0, 6, ip, p, 4000 + NB_FAILED_MS - 1, mac, &sol), NB_FAILED);
	ck_assert(!sol);
	/* after NB_FAILED_MS it is asked for again, whether a tick came by first or not */
	ck_assert_int_eq(nb_resolve(c, 0, 6, ip, p, 4000 + NB_FAILED_MS, mac, &sol), NB_QUEUED);
	ck_assert(sol);
	ck_assert_uint_eq(nb_counters(c)->requests, NB_TRIES + 1);
	ck_assert_uint_eq(nb_tick(c, 4000 + NB_FAILED_MS + NB_RETRY_MS, NB_SIZE, s, 4), 1);   /* and retried */
	nb_destroy(c);  /* frees what waits */
}
END_TEST

START_TEST(full_set_keeps_waiting_entries)
{
	struct nb_cache *c = nb_create();
	uint8_t mac[6];
	bool sol;
	/* unresolved entries are never replaced: fill the table, some set must refuse */
	unsigned refused = 0, queued = 0;
	for (unsigned i = 0; i < NB_SIZE + 200; i++) {
		uint8_t ip[4] = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i };
		struct pkt_buf *p = pkt();
		enum nb_result r = nb_resolve(c, 0, 4, ip, p, 10, mac, &sol);
		if (r != NB_QUEUED) {
			ck_assert_int_eq(r, r == NB_QUEUE_FULL ? NB_QUEUE_FULL : NB_TABLE_FULL);
			pkt_free(p);
			refused++;
		} else {
			queued++;
		}
	}
	ck_assert_uint_le(queued, NB_QUEUED_MAX);   /* the global bound holds */
	ck_assert_uint_ge(refused, 200);
	ck_assert_uint_gt(nb_counters(c)->table_full + nb_counters(c)->queue_full, 0);
	nb_destroy(c);
	/* resolved entries are replaced, the oldest first */
	c = nb_create();
	for (unsigned i = 0; i < 4 * NB_SIZE; i++) {
		uint8_t ip[4] = { 10, 2, (uint8_t)(i >> 8), (uint8_t)i };
		nb_learn(c, 0, 4, ip, mac_a, true, i, NULL);
	}
	ck_assert_uint_eq(nb_in_use(c), NB_SIZE);
	ck_assert_uint_eq(nb_counters(c)->expired, 3 * NB_SIZE);
	uint8_t last[4] = { 10, 2, (uint8_t)((4 * NB_SIZE - 1) >> 8), (uint8_t)(4 * NB_SIZE - 1) };
	ck_assert_int_eq(nb_resolve(c, 0, 4, last, NULL, 5000, mac, &sol), NB_RESOLVED);
	nb_destroy(c);
	/* the entry the last lookup found is a hint: once the neighbour is replaced (its
	 * entry reused for another), a lookup of it must not take the new one's MAC */
	c = nb_create();
	static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0xb };
	uint8_t first[4] = { 10, 3, 0, 0 };
	nb_learn(c, 0, 4, first, mac_a, true, 0, NULL);
	ck_assert_int_eq(nb_resolve(c, 0, 4, first, NULL, 1, mac, &sol), NB_RESOLVED);
	for (unsigned i = 1; i < 4 * NB_SIZE; i++) {
		uint8_t ip[4] = { 10, 3, (uint8_t)(i >> 8), (uint8_t)i };
		nb_learn(c, 0, 4, ip, mac_b, true, i, NULL);
	}
	struct pkt_buf *p = pkt();
	memset(mac, 0, 6);
	ck_assert_int_eq(nb_resolve(c, 0, 4, first, p, 5000, mac, &sol), NB_QUEUED);
	ck_assert(sol);
	nb_destroy(c);  /* frees what waits */
}
END_TEST

/* nb_peek: an address a caller may keep while the generation stays and its time lasts,
 * the same as nb_resolve would answer; the generation moves on every change. */
START_TEST(peek_and_generation)
{
	struct nb_cache *c = nb_create();
	const uint8_t ip[4] = { 10, 0, 0, 7 }, ip2[4] = { 10, 0, 0, 8 }, mac_b[6] = { 2, 0, 0, 0, 0, 0xb };
	uint8_t mac[6];
	uint64_t until;
	bool sol;
	struct pkt_buf *rel[NB_QUEUE];
	ck_assert(!nb_peek(c, 1, 4, ip, 100, mac, &until));
	uint32_t g = nb_generation(c);
	nb_learn(c, 1, 4, ip, mac_a, true, 100, rel);
	ck_assert_uint_ne(nb_generation(c), g);
	ck_assert(nb_peek(c, 1, 4, ip, 100, mac, &until));
	ck_assert_mem_eq(mac, mac_a, 6);
	ck_assert_uint_eq(until, 100 + NB_REACHABLE_MS);
	/* not on another port */
	ck_assert(!nb_peek(c, 2, 4, ip, 100, mac, &until));
	/* confirmed again at the same address: nothing a keeper must drop */
	g = nb_generation(c);
	nb_learn(c, 1, 4, ip, mac_a, false, 5000, rel);
	ck_assert_uint_eq(nb_generation(c), g);
	ck_assert(nb_peek(c, 1, 4, ip, 5000, mac, &until));
	ck_assert_uint_eq(until, 5000 + NB_REACHABLE_MS);
	/* due a refresh: not kept; nb_resolve asks, and until its retry it only answers */
	ck_assert(!nb_peek(c, 1, 4, ip, 5000 + NB_REACHABLE_MS, mac, &until));
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, NULL, 5000 + NB_REACHABLE_MS, mac, &sol), NB_RESOLVED);
	ck_assert(sol);
	ck_assert(nb_peek(c, 1, 4, ip, 5000 + NB_REACHABLE_MS + 1, mac, &until));
	ck_assert_uint_eq(until, 5000 + NB_REACHABLE_MS + NB_RETRY_MS);
	/* another neighbour unresolved, then failed: its own changes move the generation too */
	g = nb_generation(c);
	struct pkt_buf *q = pkt();
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip2, q, 6000, mac, &sol), NB_QUEUED);
	struct nb_solicit s[4];
	for (unsigned t = 0; t <= NB_TRIES; t++)
		for (unsigned i = 0; i < NB_SIZE; i += 64)
			nb_tick(c, 6000 + (t + 1) * NB_RETRY_MS, 64, s, 4);
	struct pkt_buf *dead[4];
	unsigned nd = nb_failed_take(c, dead, 4);
	ck_assert_uint_eq(nd, 1);
	pkt_free_burst(dead, nd);
	ck_assert_uint_ne(nb_generation(c), g);
	/* a new address: the generation moves */
	g = nb_generation(c);
	nb_learn(c, 1, 4, ip, mac_b, false, 7000, rel);
	ck_assert_uint_ne(nb_generation(c), g);
	ck_assert(nb_peek(c, 1, 4, ip, 7000, mac, &until));
	ck_assert_mem_eq(mac, mac_b, 6);
	/* forgotten: the generation moves, nothing to peek */
	g = nb_generation(c);
	for (unsigned i = 0; i < NB_SIZE; i += 64)
		nb_tick(c, 7000 + NB_STALE_MS, 64, s, 4);
	ck_assert_uint_ne(nb_generation(c), g);
	ck_assert(!nb_peek(c, 1, 4, ip, 7000 + NB_STALE_MS, mac, &until));
	/* a configured neighbour holds for good, until the config's are cleared */
	const uint8_t ip6[16] = { 0x20, 0x01, 0xd, 0xb8, [15] = 1 };
	ck_assert_int_eq(nb_set_static(c, 3, 6, ip6, mac_b), 0);
	ck_assert(nb_peek(c, 3, 6, ip6, 1, mac, &until));
	ck_assert_uint_eq(until, UINT64_MAX);
	g = nb_generation(c);
	nb_clear_static(c);
	ck_assert_uint_ne(nb_generation(c), g);
	ck_assert(!nb_peek(c, 3, 6, ip6, 1, mac, &until));
	nb_destroy(c);
}
END_TEST

START_TEST(static_neighbours)
{
	struct nb_cache *c = nb_create();
	const uint8_t ip[4] = { 192, 0, 2, 1 }, other[6] = { 2, 0, 0, 0, 0, 0xbb };
	uint8_t mac[6];
	bool sol;
	ck_assert_int_eq(nb_set_static(c, 1, 4, ip, mac_a), 0);
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, NULL, 5, mac, &sol), NB_RESOLVED);
	ck_assert_mem_eq(mac, mac_a, 6);
	ck_assert(!sol);
	/* ARP cannot move it, time does not age it or ask for it */
	ck_assert_uint_eq(nb_learn(c, 1, 4, ip, other, true, 10, NULL), 0);
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, NULL, 10 + NB_REACHABLE_MS, mac, &sol), NB_RESOLVED);
	ck_assert(!sol);
	ck_assert_mem_eq(mac, mac_a, 6);
	struct nb_solicit s[4];
	nb_tick(c, 10 + 2 * NB_STALE_MS, NB_SIZE, s, 4);
	ck_assert_uint_eq(nb_in_use(c), 1);
	/* nor do new neighbours replace it, however many come */
	for (unsigned i = 0; i < 4 * NB_SIZE; i++) {
		uint8_t a[4] = { 10, 3, (uint8_t)(i >> 8), (uint8_t)i };
		nb_learn(c, 1, 4, a, other, true, 20 + i, NULL);
	}
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, NULL, 30, mac, &sol), NB_RESOLVED);
	ck_assert_mem_eq(mac, mac_a, 6);
	/* a new config's set replaces the old one's */
	nb_clear_static(c);
	struct pkt_buf *p = pkt();
	ck_assert_int_eq(nb_resolve(c, 1, 4, ip, p, 40, mac, &sol), NB_QUEUED);
	ck_assert(sol);
	nb_destroy(c);
}
END_TEST

START_TEST(arp_messages)
{
	const uint8_t our_ip[4] = { 10, 0, 0, 1 }, target[4] = { 10, 0, 0, 9 };
	struct pkt_buf *p = nb_arp_request(pool, our_mac, our_ip, target);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	struct nb_msg m;
	ck_assert_int_eq(nb_msg_read(p, &m), NB_MSG_ARP_REQUEST);
	ck_assert_mem_eq(m.sender_ip, our_ip, 4);
	ck_assert_mem_eq(m.target_ip, target, 4);
	ck_assert_mem_eq(m.mac, our_mac, 6);
	ck_assert_uint_eq(p->data[0], 0xff);
	/* answered by the target: its reply names it and goes back to us */
	nb_arp_reply(p, mac_a, target);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ck_assert_int_eq(nb_msg_read(p, &m), NB_MSG_ARP_REPLY);
	ck_assert_mem_eq(m.sender_ip, target, 4);
	ck_assert_mem_eq(m.mac, mac_a, 6);
	ck_assert_mem_eq(m.target_ip, our_ip, 4);
	ck_assert_mem_eq(p->data, our_mac, 6);
	ck_assert_mem_eq(p->data + 6, mac_a, 6);
	/* not IPv4 over Ethernet: not ours to read */
	p->data[14 + 5] = 16;
	ck_assert_int_eq(nb_msg_read(p, &m), NB_MSG_NONE);
	pkt_free(p);
}
END_TEST

START_TEST(nd_messages)
{
	const uint8_t our_ip[16] = { 0xfe, 0x80, [15] = 1 }, target[16] = { 0xfe, 0x80, [13] = 0x12, [14] = 0x34, [15] = 0x56 };
	struct pkt_buf *p = nb_ns_request(pool, our_mac, our_ip, target);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	const uint8_t group_mac[6] = { 0x33, 0x33, 0xff, 0x12, 0x34, 0x56 };
	ck_assert_mem_eq(p->data, group_mac, 6);
	struct nb_msg m;
	ck_assert_int_eq(nb_msg_read(p, &m), NB_MSG_NS);
	ck_assert_mem_eq(m.target_ip, target, 16);
	ck_assert_mem_eq(m.sender_ip, our_ip, 16);
	ck_assert(m.has_mac);
	ck_assert_mem_eq(m.mac, our_mac, 6);
	/* the target answers: an NA to us, with its address */
	p->ol_flags = PKT_OL_L4_CSUM_GOOD;     /* the device's verdict on the NS ... */
	ck_assert(nb_na_reply(p, &m, mac_a));
	ck_assert_uint_eq(p->ol_flags, 0);     /* ... is not the NA's */
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	struct nb_msg a;
	ck_assert_int_eq(nb_msg_read(p, &a), NB_MSG_NA);
	ck_assert_mem_eq(a.target_ip, target, 16);
	ck_assert(a.has_mac);
	ck_assert_mem_eq(a.mac, mac_a, 6);
	ck_assert_mem_eq(p->data, our_mac, 6);
	ck_assert_uint_eq(p->data[14 + 40 + 4] & 0xE0, 0xE0);   /* router, solicited, override */
	/* RFC 4861 7.1: hop limit not 255, a bad checksum, a zero-length option: ignored */
	p->data[14 + 7] = 254;
	ck_assert_int_eq(nb_msg_read(p, &a), NB_MSG_NONE);
	p->data[14 + 7] = 255;
	p->data[14 + 40 + 2] ^= 1;
	ck_assert_int_eq(nb_msg_read(p, &a), NB_MSG_NONE);
	p->data[14 + 40 + 2] ^= 1;
	ck_assert_int_eq(nb_msg_read(p, &a), NB_MSG_NA);
	p->data[14 + 40 + 25] = 0;
	ck_assert_int_eq(nb_msg_read(p, &a), NB_MSG_NONE);
	pkt_free(p);
}
END_TEST

int main(void)
{
	pool = pkt_pool_create("neigh", 2048);
	Suite *s = suite_create("neigh");
	TCase *tc = tcase_create("neigh");
	tcase_add_test(tc, waits_then_releases);
	tcase_add_test(tc, retries_then_fails);
	tcase_add_test(tc, full_set_keeps_waiting_entries);
	tcase_add_test(tc, static_neighbours);
	tcase_add_test(tc, peek_and_generation);
	tcase_add_test(tc, arp_messages);
	tcase_add_test(tc, nd_messages);
	suite_add_tcase(s, tc);
	int rc = check_run(s);
	pkt_pool_destroy(pool);
	return rc;
}
