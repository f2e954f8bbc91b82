/* pktgen, the app: setup, the source that paces and sends every stream, the phases of a
 * run (warm-up, send, drain) and RFC 2544's trials, one after another, in the poll loop. */
#include "pg.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

/* ---- the TSC against the platform's clock -------------------------------------------------- */

static void calibrate(struct pg_app *a, uint64_t tsc, uint64_t ns)
{
	uint64_t c = tsc - a->cal_tsc0, t = ns - a->cal_ns0;
	while (c > (1ull << 33)) {       /* c * 10^9 stays in 64 bits */
		c >>= 1;
		t >>= 1;
	}
	if (!t || !c)
		return;
	a->tsc_hz = c * 1000000000ull / t;
	a->ns_mult = (1000000000ull << 32) / a->tsc_hz;
}

static uint64_t ms_cycles(const struct pg_app *a, uint64_t ms)
{
	return a->tsc_hz / 1000 * ms;
}

/* ---- trials --------------------------------------------------------------------------------- */

static uint64_t stream_pps(const struct pg_app *a, const struct pg_stream *s)
{
	return pg_rate_pps(&s->c.rate, s->frame_bytes, s->frames_per_cycle, a->conf.link_bps);
}

/* A new trial: counters cleared, sequence numbers from 0, frames of earlier trials stale. */
static void start_send(struct pg_app *a, uint64_t now)
{
	a->trial++;
	for (unsigned i = 0; i < a->n; i++) {
		struct pg_stream *s = &a->st[i];
		pg_rx_reset(s);
		s->seq = 0;
		s->tx_pkts = s->tx_bytes = 0;
		s->done = false;
		s->rec_at = 0;
		s->loops_done = 0;
		s->replay_base = now;
		pg_pace_init(&s->pace, s->pps, a->tsc_hz, now);
	}
	a->rx_stale = 0;
	a->send_tsc = now;
	a->stopped_tsc = 0;
	a->phase = PG_SEND;
	a->phase_end = a->conf.rfc2544 ? now + ms_cycles(a, a->conf.trial_ms)
		       : a->conf.duration_ms ? now + ms_cycles(a, a->conf.duration_ms) : 0;
}

static void rfc_trial(struct pg_app *a, uint64_t pps, uint64_t now)
{
	a->st[0].pps = pps;
	start_send(a, now);
}

static int rfc_size(struct pg_app *a, uint64_t now)
{
	char err[200];
	uint16_t size = a->conf.sizes[a->rfc.size_at];
	if (pg_stream_build(&a->st[0], &a->conf.s[0], 0, size, a->conf.seed, err, sizeof(err)) != 0) {
		a->log(a->log_arg, err);
		return -1;
	}
	struct pg_rfc_result *r = &a->rfc.res[a->rfc.n_res++];
	memset(r, 0, sizeof(*r));
	r->size = size;
	a->rfc.step = PG_R_MAX;
	rfc_trial(a, 0, now);           /* as fast as the port takes: the search's ceiling */
	return 0;
}

static uint64_t received_unique(const struct pg_stream *s)
{
	return s->rx.pkts - s->rx.dup;
}

/* The frame-loss curve's first trial, unless it is not wanted (or no memory for it). */
static bool rfc_loss_start(struct pg_app *a, struct pg_rfc_result *r, uint64_t now)
{
	if (a->conf.no_loss_curve || !(r->loss = malloc(sizeof(*r->loss))))
		return false;
	pg_loss_init(r->loss, r->max_pps, a->conf.loss_step_ppm);
	a->rfc.step = PG_R_LOSS;
	rfc_trial(a, r->loss->next, now);
	return true;
}

/* A trial's frames are back (or the drain is over): the next trial, or the end. */
static bool rfc_next(struct pg_app *a, uint64_t now)
{
	struct pg_stream *s = &a->st[0];
	struct pg_rfc_result *r = &a->rfc.res[a->rfc.n_res - 1];
	uint64_t sent = s->tx_pkts, got = received_unique(s);
	char line[200];
	r->trials++;
	switch (a->rfc.step) {
	case PG_R_MAX: {
		uint64_t ms = a->conf.trial_ms;
		uint64_t max = sent * 1000 / ms;
		uint64_t link = pg_rate_pps(&(struct pg_rate){ PG_RATE_BPS, a->conf.link_bps }, r->size, 1, a->conf.link_bps);
		if (a->conf.link_bps && link < max)
			max = link;
		if (!max)
			max = 1;
		r->max_pps = max;
		pg_search_init(&a->rfc.search, max, a->conf.resolution_ppm, a->conf.tolerance_ppb);
		plat_snprintf(line, sizeof(line), "pktgen: rfc2544 %u bytes: the port takes %llu pps", r->size,
			      (unsigned long long)max);
		a->log(a->log_arg, line);
		a->rfc.step = PG_R_SEARCH;
		if (!pg_search_report(&a->rfc.search, sent, got)) {   /* the unpaced trial is the one at max */
			rfc_trial(a, a->rfc.search.next, now);
			return true;
		}
		break;
	}
	case PG_R_SEARCH:
		plat_snprintf(line, sizeof(line), "pktgen: rfc2544 %u bytes: %llu pps: %llu sent, %llu received", r->size,
			      (unsigned long long)s->pps, (unsigned long long)sent, (unsigned long long)got);
		a->log(a->log_arg, line);
		if (!pg_search_report(&a->rfc.search, sent, got)) {
			rfc_trial(a, a->rfc.search.next, now);
			return true;
		}
		break;
	case PG_R_LATENCY:
		r->lat = malloc(sizeof(*r->lat));
		if (r->lat)
			*r->lat = s->rx.hist;
		if (rfc_loss_start(a, r, now))
			return true;
		goto next_size;
	case PG_R_LOSS:
		if (!pg_loss_report(r->loss, sent, got)) {
			rfc_trial(a, r->loss->next, now);
			return true;
		}
		goto next_size;
	}
	/* the search ended */
	r->throughput_pps = a->rfc.search.best;
	plat_snprintf(line, sizeof(line), "pktgen: rfc2544 %u bytes: throughput %llu pps (%u trials)", r->size,
		      (unsigned long long)r->throughput_pps, r->trials);
	a->log(a->log_arg, line);
	if (r->throughput_pps) {
		a->rfc.step = PG_R_LATENCY;
		rfc_trial(a, r->throughput_pps, now);
		return true;
	}
	if (rfc_loss_start(a, r, now))
		return true;
next_size:
	if (++a->rfc.size_at < a->conf.n_sizes && rfc_size(a, now) == 0)
		return true;
	return false;
}

/* ---- sending ---------------------------------------------------------------------------------- */

static void send_pending(struct pg_app *a, struct pkt_worker *w, const struct app_ports *ports)
{
	for (uint16_t port = 0; port < a->n_ports; port++) {
		uint16_t n = a->n_pend[port];
		if (!n)
			continue;
		uint16_t sent = app_send(w, ports, port, a->pend[port], n);
		uint8_t *who = a->who[port];
		for (uint16_t i = 0; i < sent; i++)
			a->st[who[i]].tx_pkts++;
		if (sent < n) {
			memmove(a->pend[port], a->pend[port] + sent, (size_t)(n - sent) * sizeof(a->pend[0][0]));
			memmove(who, who + sent, (size_t)(n - sent));
		}
		a->n_pend[port] = (uint16_t)(n - sent);
	}
}

static bool pg_source(void *state, struct pkt_worker *w, const struct app_ports *ports)
{
	struct pg_app *a = state;
	uint64_t now = pg_tsc();
	if (a->phase == PG_WARMUP && a->phase_end && now >= a->phase_end)
		start_send(a, now);
	if (a->phase == PG_SEND || a->phase == PG_WARMUP) {
		bool all_done = true;
		for (unsigned i = 0; i < a->n; i++) {
			struct pg_stream *s = &a->st[i];
			if (s->done)
				continue;
			all_done = false;
			uint16_t port = s->c.port;
			unsigned room = PKT_BURST - a->n_pend[port];
			unsigned due = s->c.replay ? pg_replay_due(s, now, room) : pg_pace_due(&s->pace, now, room);
			uint64_t made = s->seq;      /* frames made this trial */
			if (s->c.count && a->phase == PG_SEND && made + due >= s->c.count) {
				due = (unsigned)(s->c.count - made);
				s->done = true;
			}
			if (!due)
				continue;
			struct pkt_buf **out = a->pend[port] + a->n_pend[port];
			unsigned got = pkt_alloc_burst(a->pool, out, due);
			if (got < due) {
				a->alloc_fails += due - got;
				s->done = false;     /* what was not made is made later */
			}
			memset(&a->who[port][a->n_pend[port]], (int)i, got);
			if (s->c.replay) {
				for (unsigned k = 0; k < got; k++)
					pg_replay_fill(s, out[k]);
			} else {
				pg_stream_fill(s, out, got, a->trial, now);
			}
			if (s->c.replay && s->c.loops && s->loops_done >= s->c.loops && a->phase == PG_SEND)
				s->done = true;
			a->n_pend[port] = (uint16_t)(a->n_pend[port] + got);
			pg_pace_sent(&s->pace, got);
		}
		if (a->phase == PG_SEND && ((a->phase_end && now >= a->phase_end) || all_done)) {
			a->phase = PG_DRAIN;
			a->stopped_tsc = now;
			a->phase_end = now + ms_cycles(a, a->conf.drain_ms);
		}
	}
	send_pending(a, w, ports);
	if (a->phase == PG_DRAIN) {
		bool back = true;
		for (uint16_t p = 0; p < a->n_ports; p++)
			back &= a->n_pend[p] == 0;
		for (unsigned i = 0; back && i < a->n; i++)
			back = received_unique(&a->st[i]) >= a->st[i].tx_pkts;
		if (back || now >= a->phase_end) {
			calibrate(a, now, plat_clock_ns());
			if (!a->conf.rfc2544 || !rfc_next(a, now)) {
				a->phase = PG_DONE;
				return false;
			}
		}
	}
	return a->phase != PG_DONE;
}

/* ---- the app ---------------------------------------------------------------------------------- */

static void pg_teardown(void *state)
{
	struct pg_app *a = state;
	if (!a)
		return;
	for (uint16_t p = 0; p < PKT_MAX_PORTS; p++)
		pkt_free_burst(a->pend[p], a->n_pend[p]);
	for (unsigned i = 0; i < PG_MAX_STREAMS; i++)
		pg_stream_free(&a->st[i]);
	for (unsigned i = 0; i < a->rfc.n_res; i++) {
		free(a->rfc.res[i].lat);
		free(a->rfc.res[i].loss);
	}
	free(a);
}

static int pg_setup(struct pkt_pipeline *pipe, void **state, const struct app_env *env, char *err, size_t errlen)
{
	*state = NULL;
	struct pg_app *a = calloc(1, sizeof(*a));
	if (!a) {
		plat_snprintf(err, errlen, "pktgen: out of memory");
		return -1;
	}
	if (pg_conf_parse(&a->conf, env->opts, pipe->n_ports, err, errlen) != 0) {
		free(a);
		return -1;
	}
	a->pool = env->pool;
	a->n_ports = pipe->n_ports;
	a->log = env->log;
	a->log_arg = env->log_arg;
	a->n = a->conf.n;
	/* the TSC's rate: 20 ms against the platform's clock now, the whole run at the end */
	a->cal_ns0 = plat_clock_ns();
	a->cal_tsc0 = pg_tsc();
	while (plat_clock_ns() - a->cal_ns0 < 20000000)
		;
	calibrate(a, pg_tsc(), plat_clock_ns());
	for (unsigned i = 0; i < a->n; i++) {
		const struct pg_stream_conf *c = &a->conf.s[i];
		uint16_t size = a->conf.rfc2544 ? a->conf.sizes[0] : c->size;
		if (c->replay) {
			struct pg_stream *s = &a->st[i];
			s->c = *c;
			s->id = i;
			a->cap_name = env->config_name;
			if (!env->config) {
				plat_snprintf(err, errlen, "pktgen: stream %u replays a capture: give it one (sluice pktgen --pcap FILE; "
						      "sluice-hosted --config FILE; the image's boot module)", i);
				pg_teardown(a);
				return -1;
			}
			if (pg_replay_load(s, env->config_name, (const uint8_t *)env->config, env->config_len, a->tsc_hz, err,
					   errlen) != 0) {
				pg_teardown(a);
				return -1;
			}
		} else if (pg_stream_build(&a->st[i], c, i, size, a->conf.seed, err, errlen) != 0) {
			pg_teardown(a);
			return -1;
		}
		a->st[i].pps = stream_pps(a, &a->st[i]);
		pg_rx_reset(&a->st[i]);
	}
	if (!pkt_pipe_add(pipe, &pg_rx_stage, a)) {
		plat_snprintf(err, errlen, "pktgen: pipeline full");
		pg_teardown(a);
		return -1;
	}
	uint64_t now = pg_tsc();
	a->live_last_ms = plat_clock_ns() / 1000000;
	if (a->conf.rfc2544) {
		rfc_size(a, now);
		a->rfc.size_at = 0;
	} else if (a->conf.warmup_ms) {
		start_send(a, now);
		a->phase = PG_WARMUP;
		a->phase_end = now + ms_cycles(a, a->conf.warmup_ms);
	} else {
		start_send(a, now);
	}
	*state = a;
	return 0;
}

static void pg_tick(void *state, struct pkt_worker *w, uint64_t now_ms)
{
	(void)w;
	struct pg_app *a = state;
	if (a->conf.live && now_ms - a->live_last_ms >= 1000)
		pg_live_line(a, now_ms);
}

static void pg_app_report(void *state, void (*emit)(void *arg, const char *line), void *arg)
{
	struct pg_app *a = state;
	if (!a->stopped_tsc)
		a->stopped_tsc = pg_tsc();
	calibrate(a, pg_tsc(), plat_clock_ns());
	pg_report(a, emit, arg);
}

const struct app_def app_pktgen = {
	.name = "pktgen",
	.summary = "a traffic generator: streams out, latency, loss and reordering back, RFC 2544;\n"
		   "             port 0 sends, the last port receives (one port: both; docs/PKTGEN.md)",
	.min_ports = 1,
	.max_ports = 2,
	.setup = pg_setup,
	.teardown = pg_teardown,
	.tick = pg_tick,
	.report = pg_app_report,
	.source = pg_source,
};
