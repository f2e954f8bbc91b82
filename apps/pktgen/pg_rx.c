/* pktgen's receive side: every frame that comes back is parsed, its signature found at the
 * start of its UDP or TCP payload (wherever the headers put it: a VLAN pushed or popped, a
 * NAT on the way) and counted to its stream: sequence window for duplicates and
 * reordering, latency into the stream's histogram. Frames of an earlier trial are stale;
 * frames with no signature are other traffic (ARP, a neighbour's multicast). All are freed
 * here: nothing pktgen receives is forwarded. */
#include "pg.h"
#include "pkt_parse.h"

#include <string.h>

enum { PG_RX_OTHER, PG_RX_STALE, PG_RX__COUNT };
static const char *const pg_rx_reasons[PG_RX__COUNT] = { "no pktgen signature", "earlier trial" };

void pg_rx_reset(struct pg_stream *s)
{
	memset(&s->rx, 0, sizeof(s->rx) - sizeof(s->rx.hist));
	pg_hist_init(&s->rx.hist);
}

/* Sequence number q (32 bits on the wire) against the stream's window. */
static void rx_seq(struct pg_stream *s, uint32_t q)
{
	if (!s->rx.any) {
		s->rx.any = true;
		s->rx.max_seq = q;
		s->rx.window[(q % PG_WINDOW) / 64] |= 1ull << (q % 64);
		return;
	}
	/* unwrap around the newest: within 2^31 either side */
	uint64_t seq = s->rx.max_seq + (uint64_t)(int64_t)(int32_t)(q - (uint32_t)s->rx.max_seq);
	uint64_t *win = s->rx.window;
	if ((int64_t)(seq - s->rx.max_seq) > 0) {
		uint64_t gap = seq - s->rx.max_seq;
		if (gap >= PG_WINDOW) {
			memset(s->rx.window, 0, sizeof(s->rx.window));
		} else {
			for (uint64_t k = s->rx.max_seq + 1; k < seq; k++)   /* the skipped ones: not seen yet */
				win[(k % PG_WINDOW) / 64] &= ~(1ull << (k % 64));
		}
		s->rx.max_seq = seq;
		win[(seq % PG_WINDOW) / 64] |= 1ull << (seq % 64);
		return;
	}
	uint64_t behind = s->rx.max_seq - seq;
	if (behind >= PG_WINDOW) {         /* too old to tell a duplicate: late, so reordered */
		s->rx.reordered++;
		return;
	}
	uint64_t bit = 1ull << (seq % 64);
	uint64_t *w = &win[(seq % PG_WINDOW) / 64];
	if (*w & bit) {
		s->rx.dup++;
	} else {
		*w |= bit;
		s->rx.reordered++;
	}
}

static void pg_rx_process(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	(void)w;
	struct pg_app *a = ctx;
	uint64_t now = pg_tsc();
	struct pkt_buf *mine[PKT_BURST];
	uint16_t n_mine = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_buf *p = pkts[i];
		pkt_drop(p, PG_RX_OTHER);
		if (pkt_parse(p) != 0 || !(p->meta.flags & PKT_F_L4) || (p->meta.l4proto != 17 && p->meta.l4proto != 6))
			continue;
		const uint8_t *l4 = p->data + p->meta.l4_off;
		unsigned hl = p->meta.l4proto == 17 ? 8u : (unsigned)(l4[12] >> 4) * 4u;
		unsigned off = p->meta.l4_off + hl;
		if (off + PG_SIG_LEN > p->meta.l3_end)
			continue;
		const uint8_t *sig = p->data + off;
		if (sig[0] != (uint8_t)PG_MAGIC || sig[1] != (uint8_t)(PG_MAGIC >> 8) || sig[3] >= a->n)
			continue;
		if (sig[2] != a->trial) {
			pkt_drop(p, PG_RX_STALE);
			a->rx_stale++;
			continue;
		}
		struct pg_stream *s = &a->st[sig[3]];
		uint32_t q;
		uint64_t tsc;
		memcpy(&q, sig + 4, 4);
		memcpy(&tsc, sig + 8, 8);
		pkt_taken(p);              /* consumed: counted here, freed below, not a drop */
		mine[n_mine++] = p;
		s->rx.pkts++;
		s->rx.bytes += p->len + PG_FCS;
		rx_seq(s, q);
		if (!a->conf.latency_off)
			pg_hist_add(&s->rx.hist, now > tsc ? now - tsc : 0);
	}
	for (uint16_t i = 0; i < n; i++)
		if (pkts[i]->verdict == (PKT_V_DROP | PG_RX_OTHER))
			a->rx_other++;
	pkt_free_burst(mine, n_mine);
}

const struct pkt_stage_def pg_rx_stage = {
	.name = "pktgen-rx",
	.reasons = pg_rx_reasons,
	.n_reasons = PG_RX__COUNT,
	.process = pg_rx_process,
};
