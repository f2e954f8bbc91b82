/* pg_pace.h - rates, pacing and frame sizes for pktgen. Integers only: the image keeps to
 * general registers, so nothing here (or anywhere in pktgen) uses floating point.
 *
 * Rates are written as users write them: "100kpps", "1.5Mpps", "2000pps", "10Gbit",
 * "500Mbit", "64kbit", "100%" or "12.5%" (of the link speed given with link=, e.g. "10G"),
 * or "max" (as fast as the port takes). A bit rate counts what a frame takes on the wire:
 * the frame with its FCS plus 20 bytes of preamble, start delimiter and inter-frame gap
 * (RFC 2544's theoretical maximum: 14,880,952 pps of 64-byte frames at 10 Gbit/s).
 *
 * Frame sizes include the 4-byte FCS, as RFC 2544 counts them (a 64-byte frame is 60 bytes
 * in the buffer); IMIX is the simple 7:4:1 mix of 64, 594 and 1518-byte frames, sent in an
 * interleaved order of 12 that repeats.
 *
 * Pacing: each stream keeps its next departure in TSC cycles since its start, as 48.16
 * fixed point, and advances it by the interval per packet, so the long-run rate holds to
 * 2^-16 cycles a packet whatever the burst sizes. A stream that falls behind (the port was
 * full, the worker did not run) keeps a backlog of at most PG_PACE_CATCHUP packets or
 * PG_PACE_CATCHUP_MS of its schedule, whichever is more, and sends it as fast as the port
 * takes: a short stall costs the average nothing, a long one does not turn into an
 * unbounded burst.
 */
#ifndef SLUICE_PG_PACE_H
#define SLUICE_PG_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PG_WIRE_OVERHEAD 20u       /* preamble 7, SFD 1, inter-frame gap 12 */
#define PG_FCS 4u

enum pg_rate_kind { PG_RATE_MAX, PG_RATE_PPS, PG_RATE_BPS, PG_RATE_PCT };

struct pg_rate {
	enum pg_rate_kind kind;
	uint64_t value;            /* pps, bit/s, or thousandths of a percent (12.5% = 12500) */
};

/* Parses all of s. 0, or -1 with why (one phrase, no position). At most 3 decimals; a
 * rate of 0 or one that rounds to less than 1 pps, 1 bit/s or 0.001 % is refused, as is
 * more than 100 %. */
int pg_rate_parse(const char *s, struct pg_rate *r, const char **why);
/* A link speed: "10G", "25G", "1G", "100M", "2.5G", "10Gbit" (bit/s). 0, or -1 with why. */
int pg_link_parse(const char *s, uint64_t *bps, const char **why);
/* Packets per second of r for n frames of frame_bytes bytes in total (FCS included: one
 * size, or the 12 of IMIX) on a link of link_bps (needed for PCT; 0: unknown). 0 for
 * PG_RATE_MAX and when r is PCT with no link. Rounded to nearest, at least 1 otherwise. */
uint64_t pg_rate_pps(const struct pg_rate *r, uint64_t frame_bytes, uint32_t n, uint64_t link_bps);
/* Bits per second on the wire of pps frames averaging frame_bytes / n bytes. */
uint64_t pg_wire_bps(uint64_t pps, uint64_t frame_bytes, uint32_t n);

/* IMIX 7:4:1 */
#define PG_IMIX_LEN 12
extern const uint16_t pg_imix_order[PG_IMIX_LEN];   /* frame sizes, FCS included */
#define PG_IMIX_BYTES (7u * 64u + 4u * 594u + 1518u) /* the 12 frames' sizes together */

#define PG_PACE_CATCHUP 256u
#define PG_PACE_CATCHUP_MS 20u

struct pg_pace {
	uint64_t start;            /* cycles the schedule counts from */
	uint64_t next;             /* next departure: cycles since start << 16 */
	uint64_t interval;         /* cycles per packet << 16; 0: unpaced */
	uint64_t window;           /* the largest backlog kept, cycles << 16 */
};

/* pps > 0: paced at tsc_hz; pps == 0: unpaced. start: the first departure (cycles). */
void pg_pace_init(struct pg_pace *p, uint64_t pps, uint64_t tsc_hz, uint64_t start);

/* How many packets are due at now (cycles), at most max; the caller sends up to that many
 * and tells pg_pace_sent() how many left. A stream more than its window behind has its
 * schedule pulled up to the window. No division: a compare and an add per packet, as many
 * as are due. */
static inline unsigned pg_pace_due(struct pg_pace *p, uint64_t now, unsigned max)
{
	if (!p->interval)
		return max;
	if (now < p->start)
		return 0;
	uint64_t nowfx = (now - p->start) << 16;
	if (nowfx < p->next)
		return 0;
	if (nowfx - p->next > p->window)
		p->next = nowfx - p->window;
	unsigned n = 0;
	for (uint64_t t = p->next; n < max && t <= nowfx; t += p->interval)
		n++;
	return n;
}

static inline void pg_pace_sent(struct pg_pace *p, unsigned n)
{
	p->next += p->interval * n;
}

#endif
