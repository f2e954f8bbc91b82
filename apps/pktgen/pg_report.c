/* pktgen's report: a line per stream (and per RFC 2544 frame size) for people, and with the
 * option json the same as one JSON document for scripts, written as lines that start with
 * "pktgen.json " (a console line stays short; `sluice pktgen --json FILE` joins them). The
 * live line, once a second. */
#include "pg.h"
#include "plat.h"

#include <string.h>

typedef unsigned long long ull;

uint64_t pg_ns(const struct pg_app *a, uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * a->ns_mult) >> 32);
}

/* "12.345" from a value in thousandths */
static const char *milli(char *buf, size_t len, uint64_t v)
{
	plat_snprintf(buf, len, "%llu.%03llu", (ull)(v / 1000), (ull)(v % 1000));
	return buf;
}

static uint64_t per_s(uint64_t n, uint64_t ns)
{
	if (!ns)
		return 0;
	/* n * 10^9 / ns without overflow: scale both down while n is large */
	while (n > (1ull << 33)) {
		n >>= 1;
		ns >>= 1;
	}
	return ns ? n * 1000000000ull / ns : 0;
}

/* ---- JSON, in short lines ------------------------------------------------------------------ */

struct jw {
	char buf[240];
	size_t n;
	void (*emit)(void *arg, const char *line);
	void *arg;
};

static void jw_flush(struct jw *j)
{
	if (!j->n)
		return;
	j->buf[j->n] = 0;
	char line[260];
	plat_snprintf(line, sizeof(line), "pktgen.json %s", j->buf);
	j->emit(j->arg, line);
	j->n = 0;
}

/* one piece, never split: a key, a value, punctuation */
static void jw(struct jw *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jw(struct jw *j, const char *fmt, ...)
{
	char piece[120];
	va_list ap;
	va_start(ap, fmt);
	int k = plat_vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	size_t len = strlen(piece);
	if (j->n + len >= sizeof(j->buf) - 1)
		jw_flush(j);
	memcpy(j->buf + j->n, piece, len);
	j->n += len;
}

static void json_latency(struct jw *j, const struct pg_app *a, const struct pg_hist *h, bool histogram)
{
	uint64_t mean = h->count ? h->sum / h->count : 0;
	jw(j, "\"latency_ns\":{\"samples\":%llu,", (ull)h->count);
	jw(j, "\"min\":%llu,\"mean\":%llu,", (ull)(h->count ? pg_ns(a, h->min) : 0), (ull)pg_ns(a, mean));
	jw(j, "\"p50\":%llu,\"p90\":%llu,", (ull)pg_ns(a, pg_hist_quantile(h, 500000)),
	   (ull)pg_ns(a, pg_hist_quantile(h, 900000)));
	jw(j, "\"p99\":%llu,\"p999\":%llu,", (ull)pg_ns(a, pg_hist_quantile(h, 990000)),
	   (ull)pg_ns(a, pg_hist_quantile(h, 999000)));
	jw(j, "\"max\":%llu}", (ull)pg_ns(a, h->max));
	if (!histogram)
		return;
	/* the histogram: [upper bound in ns, count] for every bucket that holds something */
	jw(j, ",\"histogram\":[");
	bool first = true;
	for (unsigned i = 0; i < PG_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		jw(j, "%s[%llu,%llu]", first ? "" : ",", (ull)pg_ns(a, pg_hist_high(i)), (ull)h->bucket[i]);
		first = false;
	}
	jw(j, "]");
}

/* ---- the report ------------------------------------------------------------------------------ */

static void human_stream(struct pg_app *a, const struct pg_stream *s, uint64_t send_ns,
			 void (*emit)(void *arg, const char *line), void *arg)
{
	char line[400], b1[32], b2[32], b3[32];
	if (s->c.replay) {
		uint64_t bps = per_s(s->tx_bytes + (uint64_t)PG_WIRE_OVERHEAD * s->tx_pkts, send_ns) * 8;
		plat_snprintf(line, sizeof(line),
			      "pktgen: stream %u: replay of %s (%u frames a pass, %llu passes), port %u: %llu sent; %s Mpps (%s Gbit/s "
			      "on the wire) for %s s; replayed frames carry no signature: what comes back counts as other frames",
			      s->id, a->cap_name ? a->cap_name : "the capture", s->n_rec, (ull)s->loops_done, s->c.port,
			      (ull)s->tx_pkts, milli(b1, sizeof(b1), per_s(s->tx_pkts, send_ns) / 1000),
			      milli(b2, sizeof(b2), bps / 1000000), milli(b3, sizeof(b3), send_ns / 1000000));
		emit(arg, line);
		return;
	}
	uint64_t got = s->rx.pkts - s->rx.dup;
	uint64_t lost = s->tx_pkts > got ? s->tx_pkts - got : 0;
	uint64_t tx_pps = per_s(s->tx_pkts, send_ns);
	uint64_t bps = per_s(s->tx_bytes + (uint64_t)PG_WIRE_OVERHEAD * s->tx_pkts, send_ns) * 8;
	const char *size = s->c.size ? "" : "imix";
	char sz[16];
	if (s->c.size)
		plat_snprintf(sz, sizeof(sz), "%u-byte", s->c.size), size = sz;
	plat_snprintf(line, sizeof(line),
		      "pktgen: stream %u: %s %s%s frames, %u flows, port %u: %llu sent, %llu received, %llu lost, "
		      "%llu reordered, %llu duplicates; %s Mpps (%s Gbit/s on the wire) for %s s",
		      s->id, size, s->c.proto == 6 ? "tcp" : "udp", s->c.ipv == 6 ? "6" : "4", s->n_flows, s->c.port,
		      (ull)s->tx_pkts, (ull)s->rx.pkts, (ull)lost, (ull)s->rx.reordered, (ull)s->rx.dup,
		      milli(b1, sizeof(b1), tx_pps / 1000), milli(b2, sizeof(b2), bps / 1000000),
		      milli(b3, sizeof(b3), send_ns / 1000000));
	emit(arg, line);
	const struct pg_hist *h = &s->rx.hist;
	if (h->count) {
		plat_snprintf(line, sizeof(line),
			      "pktgen: stream %u latency (ns): min %llu mean %llu p50 %llu p90 %llu p99 %llu p99.9 %llu max %llu",
			      s->id, (ull)pg_ns(a, h->min), (ull)pg_ns(a, h->sum / h->count),
			      (ull)pg_ns(a, pg_hist_quantile(h, 500000)), (ull)pg_ns(a, pg_hist_quantile(h, 900000)),
			      (ull)pg_ns(a, pg_hist_quantile(h, 990000)), (ull)pg_ns(a, pg_hist_quantile(h, 999000)),
			      (ull)pg_ns(a, h->max));
		emit(arg, line);
	}
}

static void json_stream(struct jw *j, struct pg_app *a, const struct pg_stream *s, uint64_t send_ns)
{
	uint64_t got = s->rx.pkts - s->rx.dup;
	uint64_t lost = s->tx_pkts > got ? s->tx_pkts - got : 0;
	jw(j, "{\"id\":%u,\"port\":%u,", s->id, s->c.port);
	if (s->c.replay) {
		jw(j, "\"size\":\"pcap\",\"capture_frames\":%u,\"passes\":%llu,", s->n_rec, (ull)s->loops_done);
		jw(j, "\"tx_packets\":%llu,\"tx_bytes\":%llu,", (ull)s->tx_pkts, (ull)s->tx_bytes);
		jw(j, "\"tx_pps\":%llu}", (ull)per_s(s->tx_pkts, send_ns));
		return;
	}
	if (s->c.size)
		jw(j, "\"size\":%u,", s->c.size);
	else
		jw(j, "\"size\":\"imix\",");
	jw(j, "\"proto\":\"%s\",\"ip\":%u,\"flows\":%u,", s->c.proto == 6 ? "tcp" : "udp", s->c.ipv, s->n_flows);
	jw(j, "\"rate_pps\":%llu,", (ull)s->pps);
	jw(j, "\"tx_packets\":%llu,\"tx_bytes\":%llu,", (ull)s->tx_pkts, (ull)s->tx_bytes);
	jw(j, "\"rx_packets\":%llu,\"rx_bytes\":%llu,", (ull)s->rx.pkts, (ull)s->rx.bytes);
	jw(j, "\"lost\":%llu,\"reordered\":%llu,\"duplicates\":%llu,", (ull)lost, (ull)s->rx.reordered, (ull)s->rx.dup);
	jw(j, "\"tx_pps\":%llu,\"rx_pps\":%llu,", (ull)per_s(s->tx_pkts, send_ns), (ull)per_s(s->rx.pkts, send_ns));
	jw(j, "\"tx_bps\":%llu,", (ull)(per_s(s->tx_bytes + (uint64_t)PG_WIRE_OVERHEAD * s->tx_pkts, send_ns) * 8));
	json_latency(j, a, &s->rx.hist, true);
	jw(j, "}");
}

static void human_rfc(struct pg_app *a, void (*emit)(void *arg, const char *line), void *arg)
{
	char line[400], b1[32];
	for (unsigned i = 0; i < a->rfc.n_res; i++) {
		const struct pg_rfc_result *r = &a->rfc.res[i];
		uint64_t bps = pg_wire_bps(r->throughput_pps, r->size, 1);
		plat_snprintf(line, sizeof(line),
			      "pktgen: rfc2544 %u bytes: throughput %llu pps (%s Mbit/s on the wire) of %llu the port takes, %u trials",
			      r->size, (ull)r->throughput_pps, milli(b1, sizeof(b1), bps / 1000), (ull)r->max_pps, r->trials);
		emit(arg, line);
		if (r->lat && r->lat->count) {
			const struct pg_hist *h = r->lat;
			plat_snprintf(line, sizeof(line),
				      "pktgen: rfc2544 %u bytes: latency at throughput (ns): min %llu mean %llu p50 %llu p99 %llu max %llu",
				      r->size, (ull)pg_ns(a, h->min), (ull)pg_ns(a, h->sum / h->count),
				      (ull)pg_ns(a, pg_hist_quantile(h, 500000)), (ull)pg_ns(a, pg_hist_quantile(h, 990000)),
				      (ull)pg_ns(a, h->max));
			emit(arg, line);
		}
		for (unsigned k = 0; r->loss && k < r->loss->n; k++) {
			const struct pg_loss_point *p = &r->loss->point[k];
			plat_snprintf(line, sizeof(line), "pktgen: rfc2544 %u bytes: frame loss at %llu pps: %s %%", r->size,
				      (ull)p->rate, milli(b1, sizeof(b1), p->loss_ppm / 10));
			emit(arg, line);
		}
	}
}

static void json_rfc(struct jw *j, struct pg_app *a)
{
	jw(j, "\"rfc2544\":{\"trial_ms\":%llu,\"tolerance_ppb\":%u,", (ull)a->conf.trial_ms, a->conf.tolerance_ppb);
	jw(j, "\"resolution_ppm\":%u,\"link_bps\":%llu,\"results\":[", a->conf.resolution_ppm, (ull)a->conf.link_bps);
	for (unsigned i = 0; i < a->rfc.n_res; i++) {
		const struct pg_rfc_result *r = &a->rfc.res[i];
		jw(j, "%s{\"frame_size\":%u,\"max_pps\":%llu,", i ? "," : "", r->size, (ull)r->max_pps);
		jw(j, "\"throughput_pps\":%llu,", (ull)r->throughput_pps);
		jw(j, "\"throughput_bps\":%llu,\"trials\":%u", (ull)pg_wire_bps(r->throughput_pps, r->size, 1), r->trials);
		if (r->lat) {
			jw(j, ",");
			json_latency(j, a, r->lat, true);
		}
		if (r->loss) {
			jw(j, ",\"loss_curve\":[");
			for (unsigned k = 0; k < r->loss->n; k++) {
				const struct pg_loss_point *p = &r->loss->point[k];
				jw(j, "%s{\"rate_pps\":%llu,\"sent\":%llu,", k ? "," : "", (ull)p->rate, (ull)p->sent);
				jw(j, "\"received\":%llu,\"loss_ppm\":%u}", (ull)p->received, p->loss_ppm);
			}
			jw(j, "]");
		}
		jw(j, "}");
	}
	jw(j, "]}");
}

void pg_report(struct pg_app *a, void (*emit)(void *arg, const char *line), void *arg)
{
	uint64_t end = a->stopped_tsc ? a->stopped_tsc : pg_tsc();
	uint64_t send_ns = a->send_tsc && end > a->send_tsc ? pg_ns(a, end - a->send_tsc) : 0;
	char line[200];
	if (a->conf.rfc2544) {
		human_rfc(a, emit, arg);
	} else {
		for (unsigned i = 0; i < a->n; i++)
			human_stream(a, &a->st[i], send_ns, emit, arg);
	}
	plat_snprintf(line, sizeof(line), "pktgen: other frames received %llu, of earlier trials %llu, buffers short %llu; TSC %llu Hz",
		      (ull)a->rx_other, (ull)a->rx_stale, (ull)a->alloc_fails, (ull)a->tsc_hz);
	emit(arg, line);
	if (!a->conf.json)
		return;
	struct jw j = { .emit = emit, .arg = arg };
	jw(&j, "{\"tsc_hz\":%llu,\"duration_ns\":%llu,", (ull)a->tsc_hz, (ull)send_ns);
	jw(&j, "\"rx_other\":%llu,\"rx_stale\":%llu,\"alloc_fails\":%llu,", (ull)a->rx_other, (ull)a->rx_stale,
	   (ull)a->alloc_fails);
	if (a->conf.rfc2544) {
		json_rfc(&j, a);
	} else {
		jw(&j, "\"streams\":[");
		for (unsigned i = 0; i < a->n; i++) {
			if (i)
				jw(&j, ",");
			json_stream(&j, a, &a->st[i], send_ns);
		}
		jw(&j, "]");
	}
	jw(&j, "}");
	jw_flush(&j);
}

void pg_live_line(struct pg_app *a, uint64_t now_ms)
{
	uint64_t tx = 0, rx = 0, lost = 0, p50 = 0, p99 = 0;
	for (unsigned i = 0; i < a->n; i++) {
		const struct pg_stream *s = &a->st[i];
		tx += s->tx_pkts;
		rx += s->rx.pkts;
		uint64_t got = s->rx.pkts - s->rx.dup;
		lost += s->tx_pkts > got ? s->tx_pkts - got : 0;
		if (s->rx.hist.count) {
			uint64_t v50 = pg_ns(a, pg_hist_quantile(&s->rx.hist, 500000));
			uint64_t v99 = pg_ns(a, pg_hist_quantile(&s->rx.hist, 990000));
			p50 = v50 > p50 ? v50 : p50;
			p99 = v99 > p99 ? v99 : p99;
		}
	}
	uint64_t dt = now_ms > a->live_last_ms ? now_ms - a->live_last_ms : 1;
	char line[200], b1[32], b2[32];
	plat_snprintf(line, sizeof(line), "pktgen: tx %s Mpps, rx %s Mpps, %llu not back yet or lost; latency so far p50 %llu ns p99 %llu ns",
		      milli(b1, sizeof(b1), (tx - a->live_tx) * 1000 / dt / 1000),
		      milli(b2, sizeof(b2), (rx - a->live_rx) * 1000 / dt / 1000), (ull)lost, (ull)p50, (ull)p99);
	a->log(a->log_arg, line);
	a->live_last_ms = now_ms;
	a->live_tx = tx;
	a->live_rx = rx;
}
