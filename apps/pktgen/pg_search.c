/* RFC 2544's throughput search and frame loss curve (pg_search.h) as state machines fed
 * with each trial's counts. Integers only; the few divisions are 64-bit, once a trial. */
#include "pg_search.h"

#include <string.h>

/* x * ppm / 10^6 without overflowing 64 bits: x = a * 10^6 + b, b * ppm < 10^12. */
static uint64_t of_ppm(uint64_t x, uint32_t ppm)
{
	return x / 1000000 * ppm + x % 1000000 * ppm / 1000000;
}

void pg_search_init(struct pg_search *s, uint64_t max, uint32_t resolution_ppm, uint32_t tolerance_ppb)
{
	memset(s, 0, sizeof(*s));
	s->max = max ? max : 1;
	s->hi = s->max;
	s->next = s->max;
	s->resolution_ppm = resolution_ppm;
	s->tolerance_ppb = tolerance_ppb;
}

bool pg_trial_passes(uint64_t sent, uint64_t received, uint32_t tolerance_ppb)
{
	if (received >= sent)
		return true;
	return (unsigned __int128)(sent - received) * 1000000000u <=
	       (unsigned __int128)sent * tolerance_ppb;
}

bool pg_search_report(struct pg_search *s, uint64_t sent, uint64_t received)
{
	if (s->done)
		return true;
	s->trials++;
	uint64_t rate = s->next;
	if (pg_trial_passes(sent, received, s->tolerance_ppb)) {
		s->lo = rate;
		if (rate > s->best)
			s->best = rate;     /* (the first, at max, passing: lo = hi, done below) */
	} else {
		s->hi = rate;
	}
	uint64_t res = of_ppm(s->max, s->resolution_ppm);
	if (res < 1)
		res = 1;
	if (s->hi - s->lo <= res) {
		s->done = true;
		return true;
	}
	s->next = s->lo + (s->hi - s->lo) / 2;   /* > lo >= 0 and < hi: hi - lo >= 2 */
	return false;
}

void pg_loss_init(struct pg_loss_curve *c, uint64_t max, uint32_t step_ppm)
{
	memset(c, 0, sizeof(*c));
	c->max = max ? max : 1;
	c->step_ppm = step_ppm;
	c->next = c->max;
}

/* (sent - received) / sent in ppm, rounded to nearest; 0 when nothing was lost. */
static uint32_t loss_ppm(uint64_t sent, uint64_t received)
{
	if (received >= sent)
		return 0;
	uint64_t lost = sent - received;
	while (sent >= (1ull << 44)) {     /* keep lost * 10^6 within 64 bits */
		sent >>= 1;
		lost >>= 1;
	}
	return (uint32_t)((lost * 1000000 + sent / 2) / sent);
}

bool pg_loss_report(struct pg_loss_curve *c, uint64_t sent, uint64_t received)
{
	if (c->done)
		return true;
	struct pg_loss_point *pt = &c->point[c->n++];
	pt->rate = c->next;
	pt->sent = sent;
	pt->received = received;
	pt->loss_ppm = loss_ppm(sent, received);
	c->clean_run = received >= sent ? c->clean_run + 1 : 0;
	uint64_t step = of_ppm(c->max, c->step_ppm);
	if (step < 1)
		step = 1;
	if (c->clean_run >= 2 || c->n >= PG_LOSS_MAX_POINTS || c->next <= step) {
		c->done = true;
		return true;
	}
	c->next -= step;
	return false;
}
