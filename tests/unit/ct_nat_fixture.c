/* ct_nat_fixture.c - unit-ct-nat's fixture (ct_nat_fixture.h): the table and its release
 * hook, the index checked whole, frames tracked, keys and tuples. */
#include "ct_nat_fixture.h"
#include "pkt_parse.h"

#include <stdlib.h>
#include <string.h>

struct pkt_pool *pool;
struct ct_table *ct;
struct ct_config cfg;
uint64_t now;
struct ct_pkt last;

/* The release hook's calls, by entry number (0-based). */
unsigned *released;
unsigned n_released;

static void on_release(void *arg, const struct ct_entry *e)
{
	ck_assert_ptr_eq(arg, &released);
	ck_assert(e->flags & CT_F_NAT);                 /* called before the entry is reused */
	size_t i = (size_t)(e - ct->entries);
	ck_assert_uint_lt(i, ct_table_config(ct)->max_entries);
	released[i]++;
	n_released++;
}

void make_table(uint32_t max, bool nat)
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

void setup(void)
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
void check_index(void)
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

void teardown(void)
{
	check_index();
	ct_table_destroy(ct);
	ct = NULL;
	free(released);
	released = NULL;
	pkt_pool_destroy(pool);
}

/* ---- frames ---- */

const uint8_t IN[4] = { 10, 0, 0, 5 };            /* the inside host */
const uint8_t SRV[4] = { 198, 51, 100, 2 };       /* a server outside */
const uint8_t PUB[4] = { 203, 0, 113, 1 };        /* the NAT's public address */

/* An IPv4 UDP or TCP frame (proto 17 or 6), with TCP's flags, sequence and acknowledgement. */
void frame4(struct pb *f, uint8_t proto, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
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
int track(const struct pb *f, bool commit)
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
int track_burst(const struct pb *f)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ct_parse_prefetch_burst(ct, &p, &last, 1, 0);
	ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
	ct_track_prefetched(ct, p, now, &last);
	pkt_free(p);
	return last.state;
}

int udp(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport, bool commit)
{
	struct pb f;
	frame4(&f, 17, src, sport, dst, dport, 0, 0, 0);
	return track(&f, commit);
}

int tcp(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport, uint8_t flags, uint32_t seq,
	uint32_t ack)
{
	struct pb f;
	frame4(&f, 6, src, sport, dst, dport, flags, seq, ack);
	return track(&f, true);
}

struct ct_nat_tuple tuple(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport)
{
	struct ct_nat_tuple r;
	memcpy(r.src, src, 4);
	memcpy(r.dst, dst, 4);
	r.sport = sport;
	r.dport = dport;
	return r;
}

struct pkt_flow_key key4(uint8_t proto, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport)
{
	struct pkt_flow_key k = { .sport = sport, .dport = dport, .proto = proto, .family = 4 };
	memcpy(k.src, src, 4);
	memcpy(k.dst, dst, 4);
	return k;
}

/* The entry holding k, and in which direction (2: none). */
struct ct_entry *find(const struct pkt_flow_key *k, unsigned *dir)
{
	*dir = 2;
	return ct_find(ct, k, pkt_flow_hash(k), now, dir);
}

/* A UDP connection IN:sport -> SRV:53 source-translated to PUB:pport: the entry. */
struct ct_entry *snat_udp(uint16_t sport, uint16_t pport)
{
	ck_assert_int_eq(udp(IN, sport, SRV, 53, true), CT_S_NEW);
	struct ct_entry *e = last.e;
	ck_assert_ptr_nonnull(e);
	struct ct_nat_tuple r = tuple(SRV, 53, PUB, pport);
	ck_assert(ct_nat_bind(ct, e, &r));
	return e;
}
