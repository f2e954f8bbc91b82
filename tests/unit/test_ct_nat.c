/* Connection tracking with NAT (dataplane/ct.h: ct_nat_bind, ct_key_in_use, ct_set_release):
 * a translated connection is found by its original key (direction 0) and by its reply key
 * (direction 1), never by its original key's plain reverse; UDP and a TCP handshake through
 * a translation, binds refused on clashes (counted), expiry by lookup and by the sweep,
 * eviction and removal freeing both keys' slots with the release hook called once, listing
 * once, ICMP errors from either side related through the right key in the right direction,
 * a table full of translated entries (bursts, prefetched), and IPv6 against IPv4 bytes.
 * After every case the index is checked whole: each live entry has its key's slot and (when
 * translated) its reply key's, in their own buckets, the overflow counts exact. */
#include "ct.h"
#include "ct_internal.h"    /* the index, checked whole */
#include "pkt_parse.h"
#include "pkt_pipe.h"
#include "pktbuild.h"
#include "check_run.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SYN 0x02
#define ACK 0x10
#define RST 0x04
#define PSH 0x08

static struct pkt_pool *pool;
static struct ct_table *ct;
static struct ct_config cfg;
static uint64_t now;
static struct ct_pkt last;

/* The release hook's calls, by entry number (0-based). */
static unsigned *released;
static unsigned n_released;

static void on_release(void *arg, const struct ct_entry *e)
{
	ck_assert_ptr_eq(arg, &released);
	ck_assert(e->flags & CT_F_NAT);                 /* called before the entry is reused */
	size_t i = (size_t)(e - ct->entries);
	ck_assert_uint_lt(i, ct_table_config(ct)->max_entries);
	released[i]++;
	n_released++;
}

static void make_table(uint32_t max, bool nat)
{
	if (ct)
		ct_table_destroy(ct);
	free(released);
	cfg.max_entries = max;
	cfg.nat = nat;
	ct = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(ct);
	ct_set_release(ct, on_release, &released);
	released = calloc(max, sizeof(*released));
	ck_assert_ptr_nonnull(released);
	n_released = 0;
}

static void setup(void)
{
	pool = pkt_pool_create("ctnat", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	ct_config_default(&cfg);
	ct = NULL;
	released = NULL;
	make_table(1024, true);
	now = 1000;
}

/* The index whole: every slot names a live entry, by a key of its own (a reply key's slot
 * only for a translated entry) in one of that key's two buckets; each live entry has its
 * key's slot once and its reply key's once when translated; the overflow counts exact. */
static void check_index(void)
{
	uint32_t max = ct->cfg.max_entries, nb = ct->n_buckets;
	uint8_t *is_free = calloc(max, 1), *prim = calloc(max, 1), *repl = calloc(max, 1);
	uint32_t *want = calloc(nb, sizeof(*want));
	ck_assert(is_free && prim && repl && want);
	for (uint32_t i = 0; i < ct->n_free; i++) {
		uint32_t n = ct->free[i];
		CHECK(n >= 1 && n <= max && !is_free[n - 1], "free stack: %u", n);
		is_free[n - 1] = 1;
	}
	for (uint32_t b = 0; b < nb; b++)
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++) {
			uint32_t idx = ct->buckets[b].idx[s];
			if (!idx)
				continue;
			uint32_t n = idx & CT_IDX_MASK;
			CHECK(n >= 1 && n <= max && !is_free[n - 1], "bucket %u slot %u: entry %u is free", b, s, n);
			const struct ct_entry *e = &ct->entries[n - 1];
			uint32_t h = e->hash;
			if (idx & CT_IDX_REPLY) {
				CHECK(e->flags & CT_F_NAT, "entry %u: a reply slot without NAT", n);
				h = e->nat.hash;
				repl[n - 1]++;
			} else {
				prim[n - 1]++;
			}
			CHECK(ct->buckets[b].sig[s] == h, "bucket %u slot %u: signature", b, s);
			uint32_t b1 = h & (nb - 1);
			CHECK(b == b1 || b == ct_bucket2(ct, h), "entry %u in bucket %u, neither of its key's", n, b);
			if (b != b1)
				want[b1]++;
		}
	uint32_t live = 0, nat = 0;
	for (uint32_t i = 0; i < max; i++) {
		if (is_free[i]) {
			CHECK(!prim[i] && !repl[i], "free entry %u indexed", i + 1);
			continue;
		}
		live++;
		nat += !!(ct->entries[i].flags & CT_F_NAT);
		CHECK(prim[i] == 1, "entry %u: %u key slots", i + 1, prim[i]);
		CHECK(repl[i] == !!(ct->entries[i].flags & CT_F_NAT), "entry %u: %u reply slots", i + 1, repl[i]);
	}
	ck_assert_uint_eq(live, ct_count(ct));
	ck_assert_uint_eq(nat, ct->n_nat);
	for (uint32_t b = 0; b < nb; b++)
		CHECK(ct->spill[b] == (want[b] < 255 ? want[b] : 255), "bucket %u: overflow count %u, want %u", b,
		      ct->spill[b], want[b]);
	free(is_free);
	free(prim);
	free(repl);
	free(want);
}

static void teardown(void)
{
	check_index();
	ct_table_destroy(ct);
	ct = NULL;
	free(released);
	released = NULL;
	pkt_pool_destroy(pool);
}

/* ---- frames ---- */

static const uint8_t IN[4] = { 10, 0, 0, 5 };            /* the inside host */
static const uint8_t SRV[4] = { 198, 51, 100, 2 };       /* a server outside */
static const uint8_t PUB[4] = { 203, 0, 113, 1 };        /* the NAT's public address */

/* An IPv4 UDP or TCP frame (proto 17 or 6), with TCP's flags, sequence and acknowledgement. */
static void frame4(struct pb *f, uint8_t proto, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
		   uint8_t flags, uint32_t seq, uint32_t ack)
{
	pb_init(f);
	pb_eth0(f, 0x0800);
	pb_ip4(f, proto, 0, NULL, 0);
	memcpy(f->b + f->l3 + 12, src, 4);
	memcpy(f->b + f->l3 + 16, dst, 4);
	if (proto == 6) {
		pb_tcp(f, sport, dport, NULL, 0);
		uint8_t *th = f->b + f->l4;
		pkt_wr32(th + 4, seq);
		pkt_wr32(th + 8, ack);
		th[13] = flags;
	} else {
		pb_udp(f, sport, dport);
		pb_payload(f, 20);
	}
	pb_done(f);
	pb_pad(f, 60);
}

/* Tracks f, committing it when new and commit says so; returns its state. */
static int track(const struct pb *f, bool commit)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	if (commit && last.state == CT_S_NEW)
		ck_assert(ct_commit(ct, p, now, &last));
	pkt_free(p);
	return last.state;
}

/* The same through a burst of one (ct_parse_prefetch_burst, ct_track_prefetched). */
static int track_burst(const struct pb *f)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ct_parse_prefetch_burst(ct, &p, &last, 1, 0);
	ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
	ct_track_prefetched(ct, p, now, &last);
	pkt_free(p);
	return last.state;
}

static int udp(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport, bool commit)
{
	struct pb f;
	frame4(&f, 17, src, sport, dst, dport, 0, 0, 0);
	return track(&f, commit);
}

static int tcp(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport, uint8_t flags, uint32_t seq,
	       uint32_t ack)
{
	struct pb f;
	frame4(&f, 6, src, sport, dst, dport, flags, seq, ack);
	return track(&f, true);
}

static struct ct_nat_tuple tuple(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport)
{
	struct ct_nat_tuple r;
	memcpy(r.src, src, 4);
	memcpy(r.dst, dst, 4);
	r.sport = sport;
	r.dport = dport;
	return r;
}

static struct pkt_flow_key key4(uint8_t proto, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport)
{
	struct pkt_flow_key k = { .sport = sport, .dport = dport, .proto = proto, .family = 4 };
	memcpy(k.src, src, 4);
	memcpy(k.dst, dst, 4);
	return k;
}

/* The entry holding k, and in which direction (2: none). */
static struct ct_entry *find(const struct pkt_flow_key *k, unsigned *dir)
{
	*dir = 2;
	return ct_find(ct, k, pkt_flow_hash(k), now, dir);
}

/* A UDP connection IN:sport -> SRV:53 source-translated to PUB:pport: the entry. */
static struct ct_entry *snat_udp(uint16_t sport, uint16_t pport)
{
	ck_assert_int_eq(udp(IN, sport, SRV, 53, true), CT_S_NEW);
	struct ct_entry *e = last.e;
	ck_assert_ptr_nonnull(e);
	struct ct_nat_tuple r = tuple(SRV, 53, PUB, pport);
	ck_assert(ct_nat_bind(ct, e, &r));
	return e;
}

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
	tcase_add_test(tc, eviction_calls_release_once);
	tcase_add_test(tc, remove_and_foreach);
	tcase_add_test(tc, icmp_errors_both_sides);
	tcase_add_test(tc, full_table_of_nat_entries);
	tcase_add_test(tc, ipv6_never_matches_ipv4);
	tcase_add_test(tc, counters_and_sizing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
