/* pg_search.h - RFC 2544's searches, as pure state machines: the caller runs each trial
 * (pktgen on real ports, a unit test against a simulated port) and reports what it saw.
 * Integers only (the image has no floating point): rates in packets per second,
 * fractions in parts per million (ppm) or per billion (ppb).
 *
 * Throughput (RFC 2544 26.1): the highest rate at which no frame is lost, found by a binary
 * search between 0 and the highest rate the port takes (measured first, or the link's
 * rate). A trial passes when lost <= tolerance * sent (RFC 2544 asks for 0; RFC 1242 and
 * common practice allow a set tolerance, such as 0.001 % = 10,000 ppb). Frames received
 * beyond those sent (duplicates) count as no loss. The first trial runs at max; the search
 * ends when the interval left is at most resolution * max (5,000 ppm: 0.5 % of max) and
 * gives the highest rate that passed (0 when none did).
 *
 * Frame loss rate (RFC 2544 26.3): trials from 100 % of max down in steps of step_ppm of
 * max (100,000: 10 %) until two successive trials lose nothing; each point keeps its rate
 * and counts.
 */
#ifndef SLUICE_PG_SEARCH_H
#define SLUICE_PG_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

struct pg_search {
	uint64_t max;              /* pps: the ceiling (the first trial runs there) */
	uint64_t lo, hi;           /* lo passed (or 0), hi failed (or max before the first trial) */
	uint32_t resolution_ppm;   /* of max */
	uint32_t tolerance_ppb;    /* of the frames sent, that may be lost in a passing trial */
	uint64_t next;             /* rate of the next trial (pps, >= 1) */
	uint64_t best;             /* highest rate that passed so far (0: none) */
	unsigned trials;
	bool done;
};

/* max >= 1, 1 <= resolution_ppm < 10^6, tolerance_ppb < 10^9. */
void pg_search_init(struct pg_search *s, uint64_t max, uint32_t resolution_ppm, uint32_t tolerance_ppb);
/* True when a trial that sent `sent` frames and received `received` passes. */
bool pg_trial_passes(uint64_t sent, uint64_t received, uint32_t tolerance_ppb);
/* Records the trial run at s->next; true when the search has ended (s->best holds the
 * throughput), false with s->next set to the rate to try next. */
bool pg_search_report(struct pg_search *s, uint64_t sent, uint64_t received);

#define PG_LOSS_MAX_POINTS 64

struct pg_loss_point {
	uint64_t rate, sent, received;
	uint32_t loss_ppm;         /* (sent - received) / sent, 0 when received >= sent */
};

struct pg_loss_curve {
	uint64_t max;
	uint32_t step_ppm;         /* of max between trials */
	uint64_t next;             /* rate of the next trial */
	unsigned n;                /* points recorded */
	unsigned clean_run;        /* successive trials with no loss */
	bool done;
	struct pg_loss_point point[PG_LOSS_MAX_POINTS];
};

void pg_loss_init(struct pg_loss_curve *c, uint64_t max, uint32_t step_ppm);
/* Records the trial at c->next; true when the curve is complete (two successive trials
 * without loss, the next rate would be 0, or PG_LOSS_MAX_POINTS points). */
bool pg_loss_report(struct pg_loss_curve *c, uint64_t sent, uint64_t received);

#endif
