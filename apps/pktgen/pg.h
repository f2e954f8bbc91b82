/* pg.h - pktgen, the traffic generator appliance: what its files share.
 *
 * pktgen sends streams of frames on its ports at set rates and receives them back (through
 * the device under test, or a port looped on itself), counting per stream what came back,
 * what was lost, reordered or duplicated, and the latency of each frame from the TSC time
 * it carries. It is an app like any other: hosted on any DPDK port or Linux interface,
 * or an image on virtio NICs.
 *
 *   pg_opts.c    the option string (docs/PKTGEN.md) into a struct pg_conf
 *   pg_build.c   per stream: the flows, the frame templates, one frame made from them
 *   pg_replay.c  a stream replaying a pcap capture, at its timing or a set rate
 *   pg_rx.c      the receive stage: signature, sequence window, latency histogram
 *   pktgen.c     the app: setup, the source (pacing, sending), phases, RFC 2544
 *   pg_report.c  the report: lines for people, JSON for scripts
 *   pg_hist.h, pg_pace.h, pg_search.h: histograms, rates and pacing, RFC 2544's searches
 *
 * Every frame pktgen sends carries a 16-byte signature at the start of its UDP or TCP
 * payload: a magic, the trial and stream it belongs to, its sequence number in the stream
 * and the TSC when it was made. Integer arithmetic throughout: the image has no floating
 * point.
 */
#ifndef SLUICE_PG_H
#define SLUICE_PG_H

#include "app.h"
#include "pg_hist.h"
#include "pg_pace.h"
#include "pg_search.h"

#include <stdbool.h>
#include <stdint.h>

#define PG_MAX_STREAMS 8
#define PG_MAX_FLOWS (1u << 20)    /* distinct tuples a stream cycles through */
#define PG_MAX_SIZES 16            /* RFC 2544 frame sizes in one run */
#define PG_MAX_FRAME (PKT_DATAROOM + PG_FCS)  /* FCS included: what a packet buffer holds (2052) */
#define PG_SIG_LEN 16u
#define PG_MAGIC 0x5347u           /* "GS" in the signature's first two bytes (LE) */
#define PG_WINDOW 4096u            /* sequence numbers behind the newest kept for duplicates */

/* ---- configuration (pg_opts.c) ------------------------------------------------------------ */

struct pg_stream_conf {
	uint8_t ipv;               /* 4 or 6 */
	uint8_t proto;             /* 17 (UDP) or 6 (TCP) */
	uint8_t tcp_flags;
	uint8_t ttl;
	uint16_t vlan;             /* 802.1Q VLAN ID, with has_vlan */
	bool has_vlan;
	bool random;               /* flows in random order, else incrementing */
	bool smac_set, dmac_set;
	uint8_t smac[6], dmac[6];
	uint8_t src[16], dst[16];  /* first addresses; ranges vary their last 32 bits */
	uint32_t src_n, dst_n;     /* addresses in each range (1: one) */
	uint16_t sport, dport;
	uint32_t sport_n, dport_n;
	uint32_t flows;            /* 0: every combination of the ranges */
	uint16_t size;             /* frame size with FCS; 0: IMIX */
	struct pg_rate rate;
	uint64_t count;            /* frames to send (0: no limit) */
	uint16_t port;             /* the port it leaves on */
	bool rate_set;             /* rate= given (a replay keeps the capture's timing without) */
	bool replay;               /* the frames of the capture (the app's config blob) */
	uint32_t loops;            /* a replay's passes over the capture (0: until stopped) */
};

struct pg_conf {
	struct pg_stream_conf s[PG_MAX_STREAMS];
	unsigned n;
	uint64_t duration_ms;      /* 0: until the counts are sent, or stopped */
	uint64_t drain_ms;         /* waited after the last frame for the last ones back */
	uint64_t warmup_ms;        /* sent before counting starts (learning, ARP) - not counted */
	uint64_t link_bps;         /* link=: the speed percentages refer to (0: none given) */
	uint64_t seed;
	bool live;                 /* a line a second on the console */
	bool json;                 /* the report also as JSON lines (pktgen.json ...) */
	bool latency_off;          /* no histograms (saves the per-frame TSC work) */
	/* RFC 2544 */
	bool rfc2544;
	uint64_t trial_ms;
	uint32_t tolerance_ppb, resolution_ppm, loss_step_ppm;
	uint16_t sizes[PG_MAX_SIZES];
	unsigned n_sizes;
	bool no_loss_curve;
};

/* Parses opts ("" gives one UDP stream of 64-byte frames at max rate on port 0). 0, or -1
 * with one line in err naming the option and why. n_ports: the app's ports. */
int pg_conf_parse(struct pg_conf *c, const char *opts, uint16_t n_ports, char *err, size_t errlen);

/* ---- streams (pg_build.c) ---------------------------------------------------------------- */

/* One flow's varying fields and their share of the checksums, made at setup. */
struct pg_flow {
	uint32_t src, dst;         /* the last 32 bits of each address, network order */
	uint16_t sport, dport;     /* network order */
	uint32_t ip_sum;           /* one's complement sum of src and dst (IPv4 header) */
	uint32_t l4_sum;           /* src, dst (pseudo-header) and the ports */
};

struct pg_tmpl {
	uint16_t len;              /* bytes in the buffer (the frame without FCS) */
	uint16_t ip_off, l4_off, sig_off;
	uint32_t ip_sum;           /* IPv4 header without addresses and checksum */
	uint32_t l4_sum;           /* pseudo-header and L4 header without addresses, ports, checksum */
	uint8_t bytes[PG_MAX_FRAME];
};

struct pg_stream {
	struct pg_stream_conf c;
	unsigned id;
	struct pg_flow *flow;
	uint32_t n_flows;
	uint32_t flow_at;          /* the next flow, incrementing */
	uint64_t rng;              /* xorshift64 state, random order */
	struct pg_tmpl *tmpl[3];   /* one per size: IMIX has three */
	uint8_t tmpl_of[PG_IMIX_LEN];  /* IMIX: order position -> template */
	unsigned n_tmpl;
	unsigned imix_at;
	uint64_t frame_bytes;      /* the sizes' sum over one cycle (pg_rate_pps) */
	uint32_t frames_per_cycle; /* 1, or 12 for IMIX, or a replayed capture's frames */
	/* a replayed capture (pg_replay.c) */
	const uint8_t *cap;
	bool cap_swap;
	uint32_t *rec_off;         /* each record's offset in cap */
	uint64_t *rec_cyc;         /* each frame's time from the first, TSC cycles */
	uint32_t n_rec, rec_at;
	uint64_t loop_cyc;         /* one pass at the capture's timing */
	uint64_t replay_base;      /* TSC of this pass's first frame */
	uint64_t loops_done;
	/* sending */
	struct pg_pace pace;
	uint64_t pps;              /* the rate paced at (0: as fast as possible) */
	uint32_t seq;
	uint64_t tx_pkts, tx_bytes;
	bool done;                 /* its count was sent */
	/* receiving */
	struct {
		uint64_t pkts, bytes;  /* every signed frame of this stream's trial, duplicates too */
		uint64_t dup, reordered;
		uint64_t max_seq;      /* the highest sequence number seen (64-bit, unwrapped) */
		bool any;
		uint64_t window[PG_WINDOW / 64];
		struct pg_hist hist;
	} rx;
};

/* Builds the stream's flows and templates for frame size size (0: IMIX, as configured). 0, or -1
 * with err. */
int pg_stream_build(struct pg_stream *s, const struct pg_stream_conf *c, unsigned id, uint16_t size, uint64_t seed,
		    char *err, size_t errlen);
void pg_stream_free(struct pg_stream *s);
/* Makes the stream's next n frames into p[0..n) (fresh buffers): flow, sequence, TSC,
 * checksums. */
void pg_stream_fill(struct pg_stream *s, struct pkt_buf *const *p, unsigned n, uint8_t trial, uint64_t tsc);
/* The smallest frame (FCS included) that holds the stream's headers and the signature. */
uint16_t pg_min_frame(const struct pg_stream_conf *c);

/* pg_replay.c: a stream that replays a pcap capture (cap[0..len), which stays valid) */
int pg_replay_load(struct pg_stream *s, const char *name, const uint8_t *cap, size_t len, uint64_t tsc_hz, char *err,
		   size_t errlen);
void pg_replay_free(struct pg_stream *s);
unsigned pg_replay_due(struct pg_stream *s, uint64_t now, unsigned max);
void pg_replay_fill(struct pg_stream *s, struct pkt_buf *p);

/* ---- the app ------------------------------------------------------------------------------ */

enum pg_phase { PG_WARMUP, PG_SEND, PG_DRAIN, PG_DONE };

struct pg_app {
	struct pg_conf conf;
	struct pg_stream st[PG_MAX_STREAMS];
	unsigned n;
	struct pkt_pool *pool;
	uint16_t n_ports;
	void (*log)(void *arg, const char *line);
	void *log_arg;
	uint64_t tsc_hz;           /* calibrated against the platform's clock */
	uint64_t ns_mult;          /* ns = cycles * ns_mult >> 32 */
	uint64_t cal_tsc0, cal_ns0;
	uint8_t trial;             /* in every signature: frames of an earlier trial are stale */
	enum pg_phase phase;
	uint64_t phase_end;        /* TSC at which the phase ends (0: never) */
	uint64_t send_tsc, stopped_tsc;
	uint64_t rx_other, rx_stale, alloc_fails;
	const char *cap_name;      /* the replayed capture's name, for the report */
	struct pkt_buf *pend[PKT_MAX_PORTS][PKT_BURST];  /* made, not yet taken by the port */
	uint8_t who[PKT_MAX_PORTS][PKT_BURST];           /* the stream of each */
	uint16_t n_pend[PKT_MAX_PORTS];
	/* the live line */
	uint64_t live_last_ms, live_tx, live_rx;
	/* RFC 2544 */
	struct {
		unsigned size_at;      /* index into conf.sizes */
		enum { PG_R_MAX, PG_R_SEARCH, PG_R_LATENCY, PG_R_LOSS } step;
		struct pg_search search;
		struct pg_rfc_result {
			uint16_t size;
			uint64_t max_pps, throughput_pps;
			unsigned trials;
			struct pg_hist *lat;       /* latency at throughput (NULL until measured) */
			struct pg_loss_curve *loss;
		} res[PG_MAX_SIZES];
		unsigned n_res;
	} rfc;
};

/* pg_rx.c: the receive stage (every frame is consumed: counted or dropped as other). */
extern const struct pkt_stage_def pg_rx_stage;
void pg_rx_reset(struct pg_stream *s);

/* pg_report.c */
uint64_t pg_ns(const struct pg_app *a, uint64_t cycles);
void pg_report(struct pg_app *a, void (*emit)(void *arg, const char *line), void *arg);
void pg_live_line(struct pg_app *a, uint64_t now_ms);

/* The TSC: latency stamps and pacing. */
static inline uint64_t pg_tsc(void)
{
	return __builtin_ia32_rdtsc();
}

#endif
