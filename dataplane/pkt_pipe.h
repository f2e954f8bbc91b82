/* pkt_pipe.h - the burst pipeline: an appliance is an ordered chain of stages.
 *
 * Each stage gets a burst of up to PKT_BURST packets and writes a verdict into every packet
 * it decides on: forward to port N, drop with one of the stage's own reasons, deliver to the
 * host stack (control traffic), or leave it undecided (PKT_V_CONTINUE) for the next stage.
 * A stage never names another stage and never frees or sends: the pipeline moves packets
 * after each stage, counts every drop under the stage and reason that caused it, and
 * queues forwarded packets per output port in the worker; the caller's loop sends them.
 *
 * Per-core state lives in struct pkt_worker, passed by pointer to every stage. A pipeline
 * is immutable once built; replacing one is a pointer swap between bursts.
 */
#ifndef SLUICE_PKT_PIPE_H
#define SLUICE_PKT_PIPE_H

#include "pkt.h"
#include "pkt_epoch.h"

#include <stdbool.h>

#define PKT_MAX_STAGES 8
#define PKT_MAX_REASONS 64     /* drop reasons one stage can declare */
#define PKT_TXQ_SIZE (2 * PKT_BURST)

/* Verdicts: two high bits say what, the rest says where or why. */
#define PKT_V_CONTINUE 0x0000u
#define PKT_V_FWD      0x4000u
#define PKT_V_DROP     0x8000u
#define PKT_V_HOST     0xC000u
#define PKT_V_KIND(v)  ((v) & 0xC000u)
#define PKT_V_ARG(v)   ((v) & 0x3FFFu)
#define PKT_V_TAKEN    0xFFFFu  /* the stage kept the packet (it waits inside the stage) */

static inline void pkt_fwd(struct pkt_buf *p, uint16_t port) { p->verdict = (uint16_t)(PKT_V_FWD | port); }
static inline void pkt_drop(struct pkt_buf *p, uint16_t reason) { p->verdict = (uint16_t)(PKT_V_DROP | reason); }
static inline void pkt_to_host(struct pkt_buf *p) { p->verdict = PKT_V_HOST; }
static inline void pkt_taken(struct pkt_buf *p) { p->verdict = PKT_V_TAKEN; }

struct pkt_worker;

/* What a stage is, declared once (like a VPP node registration). */
struct pkt_stage_def {
	const char *name;
	const char *const *reasons;  /* printable drop reasons, indexed by the stage's reason code */
	uint16_t n_reasons;
	void (*process)(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n);
};

struct pkt_stage {
	const struct pkt_stage_def *def;
	void *ctx;
};

/* Reasons the pipeline itself drops for. */
enum pkt_pipe_reason {
	PKT_PIPE_NO_VERDICT,    /* no stage decided */
	PKT_PIPE_BAD_PORT,      /* forwarded to a port the appliance lacks */
	PKT_PIPE_NO_HOST,       /* for the host stack, but none is attached */
	PKT_PIPE_TX_FULL,       /* the output port did not take it */
	PKT_PIPE_TXQ_FULL,      /* more than PKT_TXQ_SIZE queued for one port in one round */
	PKT_PIPE__COUNT
};

struct pkt_pipeline {
	struct pkt_stage stages[PKT_MAX_STAGES];
	uint16_t n_stages;
	uint16_t n_ports;
	const char *port_names[PKT_MAX_PORTS];
	/* The workers' epochs (pkt_epoch.h), the owner's storage: a stage whose config is
	 * replaced at run time retires the old one against it. NULL: nothing is replaced. */
	struct pkt_epoch *epoch;
};

/* Packets only: bytes are the devices' to count (vnet_stats), where NICs do it for free. */
struct pkt_port_counters {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
};

struct pkt_counters {
	struct pkt_port_counters port[PKT_MAX_PORTS];
	uint64_t stage_in[PKT_MAX_STAGES];
	uint64_t stage_drops[PKT_MAX_STAGES][PKT_MAX_REASONS];
	uint64_t pipe_drops[PKT_PIPE__COUNT];
	uint64_t host_pkts;
};

struct pkt_txq {
	uint16_t n;
	struct pkt_buf *pkts[PKT_TXQ_SIZE];
};

struct pkt_worker {
	const struct pkt_pipeline *pipe;
	uint64_t now_ms;            /* the platform's clock at the start of this round (app_run) */
	uint64_t rounds;            /* rounds over the ports so far */
	unsigned epoch_id;          /* its slot in pipe->epoch: announced quiescent every round */
	struct pkt_counters cnt;
	struct pkt_txq txq[PKT_MAX_PORTS];
	/* pkt_txq_push() during a burst: queued after the burst's own packets, in order */
	bool in_burst;
	struct pkt_buf **burst;     /* the burst being processed (pkt_discard) */
	uint16_t burst_n;
	uint16_t stage;             /* the stage it is in */
	uint16_t n_late;
	struct { struct pkt_buf *p; uint16_t port; } late[PKT_TXQ_SIZE];
	/* Receives PKT_V_HOST packets and takes ownership; NULL drops them (PKT_PIPE_NO_HOST). */
	void (*host_deliver)(void *arg, struct pkt_buf *p);
	void *host_arg;
};

/* Appends a stage; returns false when the pipeline is full or the stage declares too many reasons. */
bool pkt_pipe_add(struct pkt_pipeline *pipe, const struct pkt_stage_def *def, void *ctx);

void pkt_worker_init(struct pkt_worker *w, const struct pkt_pipeline *pipe);

/* Runs one received burst (n <= PKT_BURST) through every stage. Forwarded packets end up
 * in w->txq[port]; drops are freed and counted. The worker owns the packets afterwards. */
void pkt_pipe_run(struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n);

/* Queues a packet a stage made or held (a request, a packet that waited) for port, after
 * the current burst's own packets (so arrival order holds); counted and freed as
 * PKT_PIPE_TXQ_FULL or _BAD_PORT when it cannot be. Outside a burst (a tick) it is
 * queued at once. */
void pkt_txq_push(struct pkt_worker *w, uint16_t port, struct pkt_buf *p);

/* Whether pkt_txq_push(w, port, p) would queue a packet now, with room left for the
 * burst's own when it is called during one: a producer that can wait (the host stack)
 * asks first rather than have its packet dropped as PKT_PIPE_TXQ_FULL. */
static inline bool pkt_txq_room(const struct pkt_worker *w, uint16_t port)
{
	if (port >= w->pipe->n_ports)
		return false;
	unsigned used = w->txq[port].n + (w->in_burst ? w->n_late + w->burst_n : 0u);
	return used < PKT_TXQ_SIZE;
}

/* Drops a packet a stage had taken (it waited inside the stage), under the stage's
 * reason. A packet of the burst being processed only gets the verdict: the pipeline frees
 * it after the stage, and counts it. Freeing it during the burst would let the pool hand
 * the buffer out again while the pipeline still reads its verdict. Any other packet (held
 * from an earlier burst) is freed at once, and counted under the stage's reason when this
 * is called during a burst; outside one (a tick) the caller counts it. */
void pkt_discard(struct pkt_worker *w, struct pkt_buf *p, uint16_t reason);

/* Accounts for a transmit attempt of w->txq[port]: `sent` packets left, the rest are
 * freed and counted as PKT_PIPE_TX_FULL; the queue is emptied. */
void pkt_txq_done(struct pkt_worker *w, uint16_t port, uint16_t sent);

/* Counts a received burst on a port. */
static inline void pkt_count_rx(struct pkt_worker *w, uint16_t port, uint16_t n)
{
	w->cnt.port[port].rx_pkts += n;
}

/* Writes the counters as a table, one line per call of emit (no trailing newline).
 * Zero drop counters are left out. */
void pkt_counters_format(const struct pkt_pipeline *pipe, const struct pkt_counters *cnt,
			 void (*emit)(void *arg, const char *line), void *arg);

/* Sum of all drops, for tests and summaries. */
uint64_t pkt_counters_drops(const struct pkt_pipeline *pipe, const struct pkt_counters *cnt);

extern const char *const pkt_pipe_reason_names[PKT_PIPE__COUNT];

#endif
