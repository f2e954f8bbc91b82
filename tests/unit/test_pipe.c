/* Pipeline tests: verdict dispatch, counters, ownership, transmit queues, the counter table.
 *
 * Stages here are scripted: a packet carries, in its first bytes, the verdict each stage
 * must give it (big-endian 16 bits at 2 * stage index, 0 = continue) and its id at ID_OFF.
 */
#include "pktbuild.h"
#include "check_run.h"
#include "pkt_parse.h"
#include "pkt_pipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_OFF 16
#define FWD(port) ((uint16_t)(PKT_V_FWD | (port)))
#define DROP(r) ((uint16_t)(PKT_V_DROP | (r)))
#define HOST PKT_V_HOST
#define CONT PKT_V_CONTINUE

struct sctx {
	unsigned idx;                  /* which verdict slot this stage reads */
	const struct pkt_worker *w;    /* the worker it must be handed */
	unsigned calls, seen;
	uint16_t ids[512];             /* packets seen, in order */
};

static void scripted(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	struct sctx *c = ctx;
	CHECK(w == c->w, "stage got another worker");
	CHECK(n > 0 && n <= PKT_BURST, "burst of %u", n);
	c->calls++;
	for (uint16_t i = 0; i < n; i++) {
		CHECK(pkts[i]->verdict == PKT_V_CONTINUE, "decided packet handed to a stage");
		c->ids[c->seen++ % 512] = pkt_rd16(pkts[i]->data + ID_OFF);
		pkts[i]->verdict = pkt_rd16(pkts[i]->data + 2 * c->idx);
	}
}

static const char *const reasons_a[] = { "too_big", "bad_thing", "ttl" };
static const char *const reasons_b[] = { "nope" };
static const struct pkt_stage_def def_a = { "alpha", reasons_a, 3, scripted };
static const struct pkt_stage_def def_b = { "beta", reasons_b, 1, scripted };
static const struct pkt_stage_def def_c = { "gamma", NULL, 0, scripted };

struct host {
	struct pkt_buf *got[256];
	unsigned n;
};

static void host_take(void *arg, struct pkt_buf *p)
{
	struct host *h = arg;
	h->got[h->n++] = p;
}

struct rig {
	struct pkt_pipeline pipe;
	struct pkt_worker w;
	struct sctx st[3];
	struct host host;
	struct pkt_pool *pool;
};

static void rig_init(struct rig *r, unsigned n_stages, uint16_t n_ports, int with_host)
{
	static const struct pkt_stage_def *defs[3] = { &def_a, &def_b, &def_c };
	memset(r, 0, sizeof(*r));
	r->pipe.n_ports = n_ports;
	r->pipe.port_names[0] = "wan";
	for (unsigned s = 0; s < n_stages; s++) {
		r->st[s] = (struct sctx){ .idx = s, .w = &r->w };
		ck_assert(pkt_pipe_add(&r->pipe, defs[s], &r->st[s]));
	}
	pkt_worker_init(&r->w, &r->pipe);
	if (with_host) {
		r->w.host_deliver = host_take;
		r->w.host_arg = &r->host;
	}
	r->pool = pkt_pool_create("pipe", 256);
}

/* A packet with an id, a length and the verdict of each stage. */
static struct pkt_buf *mk(struct rig *r, uint16_t id, uint16_t len, uint16_t v0, uint16_t v1, uint16_t v2)
{
	struct pkt_buf *p = pkt_alloc(r->pool);
	ck_assert_ptr_nonnull(p);
	uint8_t *d = pkt_append(p, len < 32 ? 32 : len);
	memset(d, 0, p->len);
	pkt_wr16(d, v0);
	pkt_wr16(d + 2, v1);
	pkt_wr16(d + 4, v2);
	pkt_wr16(d + ID_OFF, id);
	return p;
}

static uint16_t id_of(const struct pkt_buf *p) { return pkt_rd16(p->data + ID_OFF); }

/* Hands everything the worker still holds back to the pool and checks nothing leaked. */
static void rig_finish(struct rig *r)
{
	for (uint16_t port = 0; port < r->pipe.n_ports; port++)
		pkt_txq_done(&r->w, port, 0);
	pkt_free_burst(r->host.got, r->host.n);
	ck_assert_uint_eq(r->pool->avail, r->pool->size);
	pkt_pool_destroy(r->pool);
}

START_TEST(add_limits)
{
	struct pkt_pipeline pipe = { 0 };
	struct pkt_stage_def many = { "many", NULL, PKT_MAX_REASONS + 1, scripted };
	struct pkt_stage_def max = { "max", NULL, PKT_MAX_REASONS, scripted };
	struct pkt_stage_def none = { "none", NULL, 0, NULL };
	ck_assert(!pkt_pipe_add(&pipe, &many, NULL));
	ck_assert(!pkt_pipe_add(&pipe, &none, NULL));
	ck_assert_uint_eq(pipe.n_stages, 0);
	for (unsigned i = 0; i < PKT_MAX_STAGES; i++)
		ck_assert(pkt_pipe_add(&pipe, &max, (void *)(uintptr_t)i));
	ck_assert(!pkt_pipe_add(&pipe, &def_a, NULL));
	ck_assert_uint_eq(pipe.n_stages, PKT_MAX_STAGES);
	for (unsigned i = 0; i < PKT_MAX_STAGES; i++) {
		ck_assert_ptr_eq(pipe.stages[i].def, &max);
		ck_assert_ptr_eq(pipe.stages[i].ctx, (void *)(uintptr_t)i);
	}
}
END_TEST

START_TEST(verdicts_one_stage)
{
	struct rig r;
	rig_init(&r, 1, 2, 1);
	struct pkt_buf *b[9] = {
		mk(&r, 0, 60, FWD(0), 0, 0),  mk(&r, 1, 61, FWD(1), 0, 0), mk(&r, 2, 62, DROP(1), 0, 0),
		mk(&r, 3, 63, HOST, 0, 0),    mk(&r, 4, 64, CONT, 0, 0),   mk(&r, 5, 65, FWD(2), 0, 0),
		mk(&r, 6, 66, DROP(PKT_MAX_REASONS + 8), 0, 0), mk(&r, 7, 67, FWD(0), 0, 0), mk(&r, 8, 68, FWD(0x3fff), 0, 0),
	};
	struct pkt_buf *fwd0 = b[0], *fwd1 = b[1], *host = b[3], *fwd0b = b[7];
	pkt_pipe_run(&r.w, b, 9);
	ck_assert_uint_eq(r.st[0].calls, 1);
	ck_assert_uint_eq(r.w.cnt.stage_in[0], 9);
	ck_assert_uint_eq(r.w.txq[0].n, 2);
	ck_assert_ptr_eq(r.w.txq[0].pkts[0], fwd0);
	ck_assert_ptr_eq(r.w.txq[0].pkts[1], fwd0b);
	ck_assert_uint_eq(r.w.txq[1].n, 1);
	ck_assert_ptr_eq(r.w.txq[1].pkts[0], fwd1);
	ck_assert_uint_eq(r.host.n, 1);
	ck_assert_ptr_eq(r.host.got[0], host);
	ck_assert_uint_eq(r.w.cnt.host_pkts, 1);
	ck_assert_uint_eq(r.w.cnt.stage_drops[0][1], 1);
	ck_assert_uint_eq(r.w.cnt.stage_drops[0][PKT_MAX_REASONS - 1], 1);  /* undeclared, clamped */
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_NO_VERDICT], 1);
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_BAD_PORT], 2);
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_NO_HOST], 0);
	ck_assert_uint_eq(pkt_counters_drops(&r.pipe, &r.w.cnt), 5);
	ck_assert_uint_eq(r.pool->avail, 256 - 3 - 1);  /* the 5 drops are back already */
	for (unsigned q = 2; q < PKT_MAX_PORTS; q++)
		ck_assert_uint_eq(r.w.txq[q].n, 0);
	rig_finish(&r);
}
END_TEST

START_TEST(stages_see_only_undecided_in_order)
{
	struct rig r;
	rig_init(&r, 3, 2, 1);
	struct pkt_buf *b[8] = {
		mk(&r, 0, 60, CONT, FWD(1), 0), mk(&r, 1, 60, FWD(0), 0, 0),   mk(&r, 2, 60, CONT, CONT, FWD(0)),
		mk(&r, 3, 60, FWD(0), 0, 0),    mk(&r, 4, 60, CONT, DROP(0), 0), mk(&r, 5, 60, CONT, CONT, HOST),
		mk(&r, 6, 60, CONT, FWD(0), 0), mk(&r, 7, 60, CONT, CONT, CONT),
	};
	pkt_pipe_run(&r.w, b, 8);
	static const uint16_t want_b[] = { 0, 2, 4, 5, 6, 7 }, want_c[] = { 2, 5, 7 };
	ck_assert_uint_eq(r.w.cnt.stage_in[0], 8);
	ck_assert_uint_eq(r.w.cnt.stage_in[1], 6);
	ck_assert_uint_eq(r.w.cnt.stage_in[2], 3);
	ck_assert_uint_eq(r.st[1].seen, 6);
	ck_assert_mem_eq(r.st[1].ids, want_b, sizeof(want_b));
	ck_assert_uint_eq(r.st[2].seen, 3);
	ck_assert_mem_eq(r.st[2].ids, want_c, sizeof(want_c));
	/* port 0 in decision order: stage alpha's 1, 3, then beta's 6, then gamma's 2 */
	static const uint16_t want_q0[] = { 1, 3, 6, 2 };
	ck_assert_uint_eq(r.w.txq[0].n, 4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(id_of(r.w.txq[0].pkts[i]), want_q0[i]);
	ck_assert_uint_eq(r.w.txq[1].n, 1);
	ck_assert_uint_eq(id_of(r.w.txq[1].pkts[0]), 0);
	ck_assert_uint_eq(r.w.cnt.stage_drops[1][0], 1);
	ck_assert_uint_eq(r.host.n, 1);
	ck_assert_uint_eq(id_of(r.host.got[0]), 5);
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_NO_VERDICT], 1);
	/* a burst decided by the first stage never reaches the others */
	struct pkt_buf *c[2] = { mk(&r, 8, 60, FWD(1), 0, 0), mk(&r, 9, 60, DROP(2), 0, 0) };
	pkt_pipe_run(&r.w, c, 2);
	ck_assert_uint_eq(r.st[1].calls, 1);
	ck_assert_uint_eq(r.w.cnt.stage_in[1], 6);
	pkt_pipe_run(&r.w, c, 0);  /* an empty burst is nothing */
	ck_assert_uint_eq(r.w.cnt.stage_in[0], 10);
	rig_finish(&r);
}
END_TEST

START_TEST(no_ports_every_forward_is_bad)
{
	struct rig r;
	rig_init(&r, 1, 0, 1);
	struct pkt_buf *b[2] = { mk(&r, 0, 60, FWD(0), 0, 0), mk(&r, 1, 60, FWD(1), 0, 0) };
	pkt_pipe_run(&r.w, b, 2);
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_BAD_PORT], 2);
	ck_assert_uint_eq(r.w.txq[0].n, 0);
	rig_finish(&r);
}
END_TEST

START_TEST(host_without_stack_is_dropped)
{
	struct rig r;
	rig_init(&r, 1, 1, 0);
	struct pkt_buf *b[3] = { mk(&r, 0, 60, HOST, 0, 0), mk(&r, 1, 60, HOST, 0, 0), mk(&r, 2, 60, FWD(0), 0, 0) };
	pkt_pipe_run(&r.w, b, 3);
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_NO_HOST], 2);
	ck_assert_uint_eq(r.w.cnt.host_pkts, 0);
	ck_assert_uint_eq(r.pool->avail, 256 - 1);
	rig_finish(&r);
}
END_TEST

START_TEST(txq_full)
{
	struct rig r;
	rig_init(&r, 1, 2, 1);
	for (unsigned round = 0; round < 3; round++) {
		struct pkt_buf *b[PKT_BURST];
		for (unsigned i = 0; i < PKT_BURST; i++)
			b[i] = mk(&r, (uint16_t)(round * PKT_BURST + i), 60, FWD(1), 0, 0);
		pkt_pipe_run(&r.w, b, PKT_BURST);
	}
	ck_assert_uint_eq(r.w.txq[1].n, PKT_TXQ_SIZE);
	for (unsigned i = 0; i < PKT_TXQ_SIZE; i++)  /* the first ones stay, in order */
		ck_assert_uint_eq(id_of(r.w.txq[1].pkts[i]), i);
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_TXQ_FULL], 3 * PKT_BURST - PKT_TXQ_SIZE);
	ck_assert_uint_eq(r.pool->avail, 256 - PKT_TXQ_SIZE);
	rig_finish(&r);
}
END_TEST

/* A stage that takes the first packet of each burst, then (still in the burst) drops it
 * with pkt_discard and makes a packet of its own, which the pool may build in the same
 * buffer; the second burst also drops, outside the burst that held it, a packet kept
 * from the first. */
static struct pkt_pool *discard_pool;
static struct pkt_buf *kept_from_before;
static void discarding(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	(void)ctx;
	for (uint16_t i = 0; i < n; i++)
		pkt_fwd(pkts[i], 0);
	pkt_taken(pkts[0]);
	pkt_discard(w, pkts[0], 1);
	struct pkt_buf *own = pkt_alloc(discard_pool);
	ck_assert_ptr_nonnull(own);
	pkt_append(own, 60);
	pkt_txq_push(w, 0, own);
	if (kept_from_before) {
		pkt_discard(w, kept_from_before, 1);   /* not in this burst: freed now */
		kept_from_before = NULL;
	} else {
		pkt_taken(pkts[1]);                    /* kept for the next burst */
		kept_from_before = pkts[1];
	}
}

START_TEST(discard_in_and_out_of_the_burst)
{
	static const char *const reasons[] = { "zero", "discarded" };
	static const struct pkt_stage_def def = { "discarding", reasons, 2, discarding };
	struct rig r;
	memset(&r, 0, sizeof(r));
	r.pipe.n_ports = 1;
	ck_assert(pkt_pipe_add(&r.pipe, &def, NULL));
	pkt_worker_init(&r.w, &r.pipe);
	r.pool = discard_pool = pkt_pool_create("discard", 64);
	kept_from_before = NULL;
	for (unsigned round = 0; round < 2; round++) {
		struct pkt_buf *b[4];
		for (unsigned i = 0; i < 4; i++)
			b[i] = mk(&r, (uint16_t)(round * 4 + i), 60, 0, 0, 0);
		pkt_pipe_run(&r.w, b, 4);
	}
	/* per burst: the discarded one counted as a drop of the stage's reason, its own packet
	 * queued after the burst; the kept one, freed at once in the second burst, counted too */
	ck_assert_uint_eq(r.w.cnt.stage_drops[0][1], 3);
	ck_assert_uint_eq(r.w.txq[0].n, 2 + 2 + 2 + 1);
	for (unsigned i = 0; i < r.w.txq[0].n; i++)
		for (unsigned j = 0; j < i; j++)
			ck_assert_ptr_ne(r.w.txq[0].pkts[i], r.w.txq[0].pkts[j]);
	rig_finish(&r);   /* every buffer back, none twice */
}
END_TEST

START_TEST(txq_done_partial)
{
	struct rig r;
	rig_init(&r, 1, 2, 1);
	struct pkt_buf *b[10];
	for (unsigned i = 0; i < 10; i++)
		b[i] = mk(&r, (uint16_t)i, (uint16_t)(60 + i), FWD(1), 0, 0);
	pkt_pipe_run(&r.w, b, 10);
	struct pkt_buf *nic[7];  /* what the driver took: no longer the worker's */
	memcpy(nic, r.w.txq[1].pkts, sizeof(nic));
	pkt_txq_done(&r.w, 1, 7);
	ck_assert_uint_eq(r.w.txq[1].n, 0);
	ck_assert_uint_eq(r.w.cnt.port[1].tx_pkts, 7);
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_TX_FULL], 3);
	ck_assert_uint_eq(r.pool->avail, 256 - 7);
	pkt_free_burst(nic, 7);
	pkt_txq_done(&r.w, 1, 0);  /* an empty queue: nothing changes */
	ck_assert_uint_eq(r.w.cnt.pipe_drops[PKT_PIPE_TX_FULL], 3);
	ck_assert_uint_eq(r.w.cnt.port[1].tx_pkts, 7);
	rig_finish(&r);
}
END_TEST

START_TEST(count_rx)
{
	struct rig r;
	rig_init(&r, 1, 2, 1);
	pkt_count_rx(&r.w, 1, 3);
	pkt_count_rx(&r.w, 1, PKT_BURST);
	pkt_count_rx(&r.w, 0, 0);
	ck_assert_uint_eq(r.w.cnt.port[1].rx_pkts, 3 + PKT_BURST);
	ck_assert_uint_eq(r.w.cnt.port[0].rx_pkts, 0);
	ck_assert_uint_eq(r.w.cnt.port[1].tx_pkts, 0);
	rig_finish(&r);
}
END_TEST

/* Random scripts over many bursts: every packet is queued, delivered or back in the pool,
 * and the counters add up to what went in. */
START_TEST(conservation)
{
	struct rig r;
	rig_init(&r, 3, 3, 1);
	uint64_t s = 31337, in = 0;
	for (unsigned round = 0; round < 3000; round++) {
		struct pkt_buf *b[PKT_BURST];
		uint16_t n = (uint16_t)(rng_next(&s) % (PKT_BURST + 1));
		for (uint16_t i = 0; i < n; i++) {
			uint16_t v[3];
			for (unsigned k = 0; k < 3; k++) {
				uint64_t x = rng_next(&s);
				static const uint16_t kinds[] = { CONT, CONT, PKT_V_FWD, PKT_V_DROP, PKT_V_HOST };
				uint16_t kind = kinds[x % 5];
				v[k] = (uint16_t)(kind | (kind == PKT_V_FWD || kind == PKT_V_DROP ? (x >> 8) % 5 : 0));
			}
			b[i] = mk(&r, i, (uint16_t)(60 + rng_next(&s) % 1400), v[0], v[1], v[2]);
		}
		in += n;
		pkt_pipe_run(&r.w, b, n);
		/* now and then, and whenever the pool runs low, a port transmits part of its queue */
		for (unsigned k = 0; k < 3 && (r.pool->avail < PKT_BURST || rng_next(&s) % 3 == 0); k++) {
			uint16_t port = (uint16_t)(rng_next(&s) % 3), q = r.w.txq[port].n;
			uint16_t sent = (uint16_t)(rng_next(&s) % (q + 1u));
			struct pkt_buf *nic[PKT_TXQ_SIZE];  /* what the driver took */
			memcpy(nic, r.w.txq[port].pkts, sent * sizeof(nic[0]));
			pkt_txq_done(&r.w, port, sent);
			pkt_free_burst(nic, sent);
		}
		if (r.host.n > 200 || r.pool->avail < PKT_BURST) {
			pkt_free_burst(r.host.got, r.host.n);
			r.host.n = 0;
		}
		unsigned queued = r.w.txq[0].n + r.w.txq[1].n + r.w.txq[2].n;
		CHECK(r.pool->avail + queued + r.host.n == 256, "round %u: %u free + %u queued + %u at host",
		      round, r.pool->avail, queued, r.host.n);
		uint64_t tx = r.w.cnt.port[0].tx_pkts + r.w.cnt.port[1].tx_pkts + r.w.cnt.port[2].tx_pkts;
		CHECK(in == pkt_counters_drops(&r.pipe, &r.w.cnt) + r.w.cnt.host_pkts + tx + queued,
		      "round %u: counters do not add up", round);
	}
	rig_finish(&r);
}
END_TEST

struct lines {
	char text[64][160];
	unsigned n;
};

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;
	ck_assert_uint_lt(l->n, 64);
	ck_assert_ptr_null(strchr(line, '\n'));
	snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", line);
}

START_TEST(counters_format)
{
	struct rig r;
	rig_init(&r, 2, 2, 1);
	struct pkt_buf *b[10] = {
		mk(&r, 0, 100, FWD(0), 0, 0),   mk(&r, 1, 200, DROP(1), 0, 0), mk(&r, 2, 60, DROP(1), 0, 0),
		mk(&r, 3, 60, DROP(3), 0, 0),   mk(&r, 4, 60, CONT, DROP(0), 0), mk(&r, 5, 60, CONT, HOST, 0),
		mk(&r, 6, 60, CONT, CONT, 0),   mk(&r, 7, 60, FWD(3), 0, 0),   mk(&r, 8, 70, FWD(1), 0, 0),
		mk(&r, 9, 60, DROP(7), 0, 0),   /* reasons 3 and 7: alpha declares 0..2 */
	};
	pkt_count_rx(&r.w, 0, 10);
	pkt_pipe_run(&r.w, b, 10);
	struct pkt_buf *nic = r.w.txq[0].pkts[0];
	pkt_txq_done(&r.w, 0, 1);
	pkt_free(nic);
	struct lines l = { .n = 0 };
	pkt_counters_format(&r.pipe, &r.w.cnt, collect, &l);
	static const struct { const char *first; uint64_t last; } want[] = {
		{ "port", 0 },       { "0:wan", 0 },      { "1:-", 0 },         { "stage", 0 },
		{ "alpha", 10 },     { "beta", 3 },       { "drops", 0 },       { "alpha.bad_thing", 2 },
		{ "alpha.undeclared", 1 }, { "alpha.undeclared", 1 }, { "beta.nope", 1 },
		{ "pipeline.no_verdict", 1 },
		{ "pipeline.bad_port", 1 }, { "to", 1 },
	};
	ck_assert_uint_eq(l.n, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < l.n; i++) {
		char first[64];
		ck_assert_int_eq(sscanf(l.text[i], "%63s", first), 1);
		ck_assert_msg(strcmp(first, want[i].first) == 0, "line %u: '%s', want '%s' first", i,
			      l.text[i], want[i].first);
		if (strchr(want[i].first, '.')) {  /* reason rows are indented, count last */
			ck_assert_msg(strncmp(l.text[i], "  ", 2) == 0, "'%s' not indented", l.text[i]);
			const char *last = strrchr(l.text[i], ' ') + 1;
			ck_assert_uint_eq(strtoull(last, NULL, 10), want[i].last);
		}
	}
	char h1[16], h2[16];
	ck_assert_int_eq(sscanf(l.text[0], "port %15s %15s", h1, h2), 2);
	ck_assert_str_eq(h1, "rx_pkts");
	ck_assert_str_eq(h2, "tx_pkts");
	unsigned long long rx, tx;
	ck_assert_int_eq(sscanf(l.text[1], "0:wan %llu %llu", &rx, &tx), 2);
	ck_assert_uint_eq(rx, 10);
	ck_assert_uint_eq(tx, 1);
	ck_assert_int_eq(sscanf(l.text[2], "1:- %llu %llu", &rx, &tx), 2);
	ck_assert_uint_eq(rx + tx, 0);
	unsigned long long n;
	ck_assert_int_eq(sscanf(l.text[4], "alpha %llu", &n), 1);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(sscanf(l.text[6], "drops %llu", &n), 1);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(n, pkt_counters_drops(&r.pipe, &r.w.cnt));
	ck_assert_int_eq(sscanf(l.text[13], "to host stack %llu", &n), 1);
	ck_assert_uint_eq(n, 1);
	for (unsigned i = 0; i < l.n; i++)  /* zero counters are left out */
		ck_assert_ptr_null(strstr(l.text[i], "too_big"));
	rig_finish(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pipe");
	TCase *tc = tcase_create("pipe");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, add_limits);
	tcase_add_test(tc, verdicts_one_stage);
	tcase_add_test(tc, stages_see_only_undecided_in_order);
	tcase_add_test(tc, no_ports_every_forward_is_bad);
	tcase_add_test(tc, host_without_stack_is_dropped);
	tcase_add_test(tc, txq_full);
	tcase_add_test(tc, txq_done_partial);
	tcase_add_test(tc, discard_in_and_out_of_the_burst);
	tcase_add_test(tc, count_rx);
	tcase_add_test(tc, conservation);
	tcase_add_test(tc, counters_format);
	suite_add_tcase(s, tc);
	return check_run(s);
}
