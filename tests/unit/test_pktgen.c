/* pktgen's pure parts (apps/pktgen/): the latency histogram's buckets and quantiles, rate
 * and link parsing and packets per second, the IMIX order, pacing against a simulated TSC,
 * and RFC 2544's throughput search and loss curve against a simulated port. */
#include "pg_hist.h"
#include "pg_pace.h"
#include "pg_search.h"
#include "check_run.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An assertion for hot loops: Check's own write to its pipe on every success. */
#define REQUIRE(c) do { if (!(c)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c); } while (0)

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* ---- histogram ---- */

START_TEST(hist_buckets)
{
	/* every bucket starts where the previous one ends, and is narrow */
	ck_assert_uint_eq(pg_hist_low(0), 0);
	for (unsigned i = 1; i < PG_HIST_BUCKETS; i++) {
		REQUIRE(pg_hist_low(i) == pg_hist_high(i - 1));
		REQUIRE(pg_hist_low(i) < pg_hist_high(i));
		REQUIRE(pg_hist_index(pg_hist_low(i)) == i);
		if (i < PG_HIST_BUCKETS - 1)
			REQUIRE(pg_hist_index(pg_hist_high(i) - 1) == i);
		if (i >= 128 && i < PG_HIST_BUCKETS - 1)
			REQUIRE((pg_hist_high(i) - pg_hist_low(i)) * 128 <= pg_hist_low(i));
	}
	ck_assert_uint_eq(pg_hist_high(PG_HIST_BUCKETS - 1), UINT64_MAX);
	/* a sweep of values: the index never goes back nor skips a bucket */
	unsigned prev = 0;
	for (uint64_t v = 0; v < (1ull << 42); v += v < (1u << 16) ? 1 : (v >> 12)) {
		unsigned i = pg_hist_index(v);
		REQUIRE(i < PG_HIST_BUCKETS);
		REQUIRE(i == prev || i == prev + 1);
		REQUIRE(pg_hist_low(i) <= v && v < pg_hist_high(i));
		prev = i;
	}
	ck_assert_uint_eq(prev, PG_HIST_BUCKETS - 1);
	ck_assert_uint_eq(pg_hist_index(UINT64_MAX), PG_HIST_BUCKETS - 1);
}
END_TEST

static struct pg_hist ha, hb, hc;

START_TEST(hist_quantiles)
{
	pg_hist_init(&ha);
	for (uint64_t v = 100000; v >= 1; v--)
		pg_hist_add(&ha, v);
	ck_assert_uint_eq(ha.count, 100000);
	ck_assert_uint_eq(ha.sum, 100000ull * 100001 / 2);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 0), 1);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 1000000), 100000);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 2000000), 100000);
	static const struct { uint32_t q; uint64_t want; } qs[] = {
		{ 1000, 100 }, { 100000, 10000 }, { 500000, 50000 }, { 900000, 90000 },
		{ 990000, 99000 }, { 999000, 99900 }, { 999990, 99999 },
	};
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		uint64_t got = pg_hist_quantile(&ha, qs[k].q);
		ck_assert_msg(absdiff(got, qs[k].want) * 1000 <= qs[k].want * 8,
			      "q %u: %lu, want %lu", qs[k].q, (unsigned long)got, (unsigned long)qs[k].want);
	}
	/* below 128 the buckets are exact: 1..100, the rank is ceil(count * q) */
	pg_hist_init(&hb);
	for (uint64_t v = 1; v <= 100; v++)
		pg_hist_add(&hb, v);
	ck_assert_uint_eq(pg_hist_quantile(&hb, 500000), 50);
	ck_assert_uint_eq(pg_hist_quantile(&hb, 500001), 51);
	ck_assert_uint_eq(pg_hist_quantile(&hb, 1), 1);
	ck_assert_uint_eq(pg_hist_quantile(&hb, 990000), 99);
	ck_assert_uint_eq(pg_hist_quantile(&hb, 999999), 100);
	/* one value: every quantile is it (the bucket's middle clamped to [min, max]) */
	pg_hist_init(&hb);
	pg_hist_add(&hb, 123456789);
	ck_assert_uint_eq(pg_hist_quantile(&hb, 1), 123456789);
	ck_assert_uint_eq(pg_hist_quantile(&hb, 500000), 123456789);
}
END_TEST

START_TEST(hist_empty)
{
	pg_hist_init(&ha);
	ck_assert_uint_eq(ha.count, 0);
	ck_assert_uint_eq(ha.min, UINT64_MAX);
	ck_assert_uint_eq(ha.max, 0);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 0), 0);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 500000), 0);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 1000000), 0);
	/* merging an empty one changes nothing */
	pg_hist_init(&hb);
	pg_hist_add(&hb, 7);
	memcpy(&hc, &hb, sizeof(hc));
	pg_hist_merge(&hb, &ha);
	ck_assert(!memcmp(&hb, &hc, sizeof(hc)));
}
END_TEST

START_TEST(hist_merge)
{
	pg_hist_init(&ha);
	pg_hist_init(&hb);
	pg_hist_init(&hc);
	for (int k = 0; k < 20000; k++) {
		uint64_t v = xorshift() >> (xorshift() % 64);
		pg_hist_add(k & 1 ? &ha : &hb, v);
		pg_hist_add(&hc, v);
	}
	pg_hist_add(&hb, 3);
	pg_hist_add(&hc, 3);
	pg_hist_merge(&ha, &hb);
	ck_assert(!memcmp(&ha, &hc, sizeof(hc)));
	ck_assert_uint_eq(ha.count, 20001);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 999000), pg_hist_quantile(&hc, 999000));
}
END_TEST

START_TEST(hist_overflow)
{
	uint64_t top = 1ull << PG_HIST_MAX_EXP;
	pg_hist_init(&ha);
	for (int k = 0; k < 6; k++)
		pg_hist_add(&ha, 1000);
	pg_hist_add(&ha, top - 1);          /* the last bucket, but not an overflow */
	pg_hist_add(&ha, top);
	pg_hist_add(&ha, top * 5);
	pg_hist_add(&ha, UINT64_MAX);
	ck_assert_uint_eq(ha.overflow, 3);
	ck_assert_uint_eq(ha.bucket[PG_HIST_BUCKETS - 1], 4);
	ck_assert_uint_eq(ha.max, UINT64_MAX);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 1000000), UINT64_MAX);
	ck_assert_uint_eq(pg_hist_quantile(&ha, 900000), UINT64_MAX);   /* in the overflow */
	uint64_t q = pg_hist_quantile(&ha, 700000);                     /* top - 1's bucket */
	ck_assert_uint_ge(q, pg_hist_low(PG_HIST_BUCKETS - 1));
	ck_assert_uint_lt(q, top);
	ck_assert_uint_lt(absdiff(pg_hist_quantile(&ha, 500000), 1000) * 128, 1000);
}
END_TEST

/* ---- rates ---- */

START_TEST(rate_parse_good)
{
	static const struct { const char *s; enum pg_rate_kind kind; uint64_t value; } t[] = {
		{ "100kpps", PG_RATE_PPS, 100000 },
		{ "1.5Mpps", PG_RATE_PPS, 1500000 },
		{ "1.5mPPS", PG_RATE_PPS, 1500000 },
		{ "2000pps", PG_RATE_PPS, 2000 },
		{ "14.88Mpps", PG_RATE_PPS, 14880000 },
		{ "1.234kpps", PG_RATE_PPS, 1234 },
		{ "0.5pps", PG_RATE_PPS, 1 },
		{ "1pps", PG_RATE_PPS, 1 },
		{ "10Gbit", PG_RATE_BPS, 10000000000ull },
		{ "10gbps", PG_RATE_BPS, 10000000000ull },
		{ "500Mbit", PG_RATE_BPS, 500000000 },
		{ "64kbit", PG_RATE_BPS, 64000 },
		{ "2.5GBit", PG_RATE_BPS, 2500000000ull },
		{ "12.5%", PG_RATE_PCT, 12500 },
		{ "100%", PG_RATE_PCT, 100000 },
		{ "0.001%", PG_RATE_PCT, 1 },
		{ "100.000%", PG_RATE_PCT, 100000 },
		{ "max", PG_RATE_MAX, 0 },
		{ "MAX", PG_RATE_MAX, 0 },
		{ "18446744073709550pps", PG_RATE_PPS, 18446744073709550ull },   /* the most */
	};
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct pg_rate r = { PG_RATE_PPS, 12345 };
		const char *why = NULL;
		ck_assert_msg(pg_rate_parse(t[k].s, &r, &why) == 0, "%s: %s", t[k].s, why);
		ck_assert_msg(r.kind == t[k].kind, "%s: kind %d", t[k].s, (int)r.kind);
		ck_assert_msg(r.value == t[k].value, "%s: %lu", t[k].s, (unsigned long)r.value);
	}
}
END_TEST

START_TEST(rate_parse_bad)
{
	static const char *const t[] = {
		"", "abc", "-1Mpps", "-5%", "0pps", "0.000Mpps", "0%", "0.0%", "100.001%", "101%",
		"1.2345Mpps", "0.0001%", "1Mpp", "1M", "10", "1.Mpps", ".5Mpps", "1Mppsx", "max1",
		"maxx", "1 Mpps", " 1Mpps", "1k%", "%", "pps", "1e6pps", "0.4pps", "1.5.0pps",
		"99999999999999999999pps", "18446744073709551616pps", "20000000000Gbit",
		"18446744073709551pps", "18446744073709552kpps", "1Tbit", "+1pps", "1..5pps",
	};
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct pg_rate r;
		const char *why = NULL;
		ck_assert_msg(pg_rate_parse(t[k], &r, &why) == -1, "%s accepted", t[k]);
		ck_assert_msg(why && *why, "%s: no reason", t[k]);
	}
	const char *why = NULL;
	struct pg_rate r;
	pg_rate_parse("lots", &r, &why);
	ck_assert_str_eq(why, "expected a rate such as 1Mpps, 10Gbit, 50% or max");
}
END_TEST

START_TEST(link_parse)
{
	static const struct { const char *s; uint64_t bps; } good[] = {
		{ "10G", 10000000000ull }, { "25G", 25000000000ull }, { "1G", 1000000000 },
		{ "100M", 100000000 }, { "2.5G", 2500000000ull }, { "40Gbit", 40000000000ull },
		{ "100Mbit", 100000000 }, { "10000M", 10000000000ull }, { "100g", 100000000000ull },
		{ "10Gbps", 10000000000ull },
	};
	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		uint64_t bps = 0;
		const char *why = NULL;
		ck_assert_msg(pg_link_parse(good[k].s, &bps, &why) == 0, "%s: %s", good[k].s, why);
		ck_assert_msg(bps == good[k].bps, "%s: %lu", good[k].s, (unsigned long)bps);
	}
	static const char *const bad[] = {
		"", "G", "0G", "0.0000001G", "10Gpps", "10%", "-1G", "10X", "max", "10 G",
		"1.2345G", "99999999999G",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		uint64_t bps = 0;
		const char *why = NULL;
		ck_assert_msg(pg_link_parse(bad[k], &bps, &why) == -1, "%s accepted", bad[k]);
		ck_assert_msg(why && *why, "%s: no reason", bad[k]);
	}
}
END_TEST

static uint64_t pps_of(const char *s, uint64_t frame_bytes, uint32_t n, uint64_t link_bps)
{
	struct pg_rate r;
	const char *why;
	ck_assert_msg(pg_rate_parse(s, &r, &why) == 0, "%s: %s", s, why);
	return pg_rate_pps(&r, frame_bytes, n, link_bps);
}

START_TEST(rate_pps)
{
	/* RFC 2544's theoretical maxima */
	ck_assert_uint_eq(pps_of("10Gbit", 64, 1, 0), 14880952);
	ck_assert_uint_eq(pps_of("1Gbit", 64, 1, 0), 1488095);
	ck_assert_uint_eq(pps_of("100Gbit", 64, 1, 0), 148809524);
	/* 10^10 / 12304 = 812743.8: nearest (RFC 2544's table truncates to 812,743) */
	ck_assert_uint_eq(pps_of("10Gbit", 1518, 1, 0), 812744);
	/* IMIX: 12 frames of PG_IMIX_BYTES in total, each with 20 bytes of overhead */
	uint64_t wire = (PG_IMIX_BYTES + 12 * PG_WIRE_OVERHEAD) * 8;
	uint64_t imix = (10000000000ull * 12 + wire / 2) / wire;
	ck_assert_uint_eq(pps_of("10Gbit", PG_IMIX_BYTES, PG_IMIX_LEN, 0), imix);
	ck_assert_uint_eq(imix, 3273680);
	/* percent of a link, and without one */
	ck_assert_uint_eq(pps_of("100%", 64, 1, 10000000000ull), 14880952);
	ck_assert_uint_eq(pps_of("50%", 64, 1, 10000000000ull), 7440476);
	ck_assert_uint_eq(pps_of("12.5%", 1518, 1, 10000000000ull), 101593);
	ck_assert_uint_eq(pps_of("0.001%", 64, 1, 1000000000), 15);
	ck_assert_uint_eq(pps_of("0.001%", 1518, 1, 1000000), 1);     /* 0.0081: at least 1 */
	ck_assert_uint_eq(pps_of("50%", 64, 1, 0), 0);
	/* packet rates as given, max and the least bit rate */
	ck_assert_uint_eq(pps_of("1.5Mpps", 1518, 1, 0), 1500000);
	ck_assert_uint_eq(pps_of("max", 64, 1, 10000000000ull), 0);
	ck_assert_uint_eq(pps_of("1bit", 64, 1, 0), 1);
	ck_assert_uint_eq(pps_of("10Gbit", 64, 0, 0), 0);
	/* and back to the wire */
	ck_assert_uint_le(absdiff(pg_wire_bps(14880952, 64, 1), 10000000000ull), 84 * 8);
	ck_assert_uint_eq(pg_wire_bps(812744, 1518, 1), 812744ull * 1538 * 8);
	ck_assert_uint_le(absdiff(pg_wire_bps(imix, PG_IMIX_BYTES, PG_IMIX_LEN), 10000000000ull),
			  wire);
}
END_TEST

START_TEST(imix_order)
{
	unsigned n64 = 0, n594 = 0, n1518 = 0, sum = 0;
	for (unsigned k = 0; k < PG_IMIX_LEN; k++) {
		n64 += pg_imix_order[k] == 64;
		n594 += pg_imix_order[k] == 594;
		n1518 += pg_imix_order[k] == 1518;
		sum += pg_imix_order[k];
		/* spread: no size three times in a row, even across the repeat */
		ck_assert(!(pg_imix_order[k] == pg_imix_order[(k + 1) % PG_IMIX_LEN] &&
			    pg_imix_order[k] == pg_imix_order[(k + 2) % PG_IMIX_LEN]));
	}
	ck_assert_uint_eq(n64, 7);
	ck_assert_uint_eq(n594, 4);
	ck_assert_uint_eq(n1518, 1);
	ck_assert_uint_eq(sum, PG_IMIX_BYTES);
	ck_assert_uint_eq(sum, 4342);
	ck_assert_uint_eq(sum * 1000 / PG_IMIX_LEN, 361833);   /* mean 361.83 bytes */
}
END_TEST

/* ---- pacing ---- */

#define HZ 3000000000ull

/* Runs a stream at pps for one simulated second from start: the TSC advances by steps of
 * `step` cycles (random in [1, 2 * step] when jitter, with a stall of up to 15 us now and
 * then); at each reading everything due is sent, 32 at most a call. Returns the packets
 * sent; *burst_max: the most sent at one reading. */
static uint64_t pace_run(uint64_t pps, uint64_t step, int jitter, unsigned *burst_max)
{
	const uint64_t start = 123456789;
	struct pg_pace p;
	pg_pace_init(&p, pps, HZ, start);
	uint64_t sent = 0, now = start;
	*burst_max = 0;
	for (;;) {
		unsigned burst = 0, n;
		while ((n = pg_pace_due(&p, now, 32)) > 0) {
			REQUIRE(n <= 32);
			pg_pace_sent(&p, n);
			burst += n;
		}
		sent += burst;
		if (burst > *burst_max)
			*burst_max = burst;
		if (now == start + HZ)
			return sent;
		uint64_t d = step;
		if (jitter) {
			d = 1 + xorshift() % (2 * step);
			if (xorshift() % 20000 == 0)
				d += xorshift() % 45000;
		}
		now = now + d > start + HZ ? start + HZ : now + d;
	}
}

START_TEST(pace_rates)
{
	static const uint64_t rates[] = { 10000, 1000000, 14880000 };
	for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
		uint64_t pps = rates[k];
		unsigned burst;
		uint64_t got = pace_run(pps, 1000, 0, &burst);
		ck_assert_msg(absdiff(got, pps) * 10000 <= pps, "smooth %lu pps: %lu",
			      (unsigned long)pps, (unsigned long)got);
		got = pace_run(pps, 500, 1, &burst);
		ck_assert_msg(absdiff(got, pps) * 100 <= pps, "jittery %lu pps: %lu",
			      (unsigned long)pps, (unsigned long)got);
		ck_assert_uint_le(burst, PG_PACE_CATCHUP + 1);   /* short stalls only: no long backlog */
	}
}
END_TEST

START_TEST(pace_stall)
{
	static const uint64_t rates[] = { 10000, 1000000, 14880000 };
	for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
		struct pg_pace p;
		pg_pace_init(&p, rates[k], HZ, 1000);
		uint64_t cyc = HZ / rates[k];
		ck_assert_uint_eq(pg_pace_due(&p, 999, 32), 0);   /* before the start */
		ck_assert_uint_eq(pg_pace_due(&p, 1000, 32), 1);  /* the first departure */
		pg_pace_sent(&p, 1);
		ck_assert_uint_eq(pg_pace_due(&p, 1000 + cyc / 2, 32), 0);
		/* a stall of a second: the stream catches up its window (PG_PACE_CATCHUP packets
		 * or PG_PACE_CATCHUP_MS, whichever is more), plus the one due now, and no more */
		uint64_t keep = rates[k] * PG_PACE_CATCHUP_MS / 1000 > PG_PACE_CATCHUP ? rates[k] * PG_PACE_CATCHUP_MS / 1000
											 : PG_PACE_CATCHUP;
		uint64_t now = 1000 + HZ;
		unsigned burst = 0, n;
		while ((n = pg_pace_due(&p, now, 32)) > 0) {
			pg_pace_sent(&p, n);
			burst += n;
		}
		ck_assert_uint_le(absdiff(burst, keep + 1), 1);
		/* then it is on time again: the next one interval on */
		ck_assert_uint_eq(pg_pace_due(&p, now + cyc - 1, 32), 0);
		ck_assert_uint_eq(pg_pace_due(&p, now + cyc + 1, 32), 1);
		/* a port that takes nothing for a while: what is due stays bounded (asked for
		 * more than the burst limit, to see the schedule's own bound) */
		for (uint64_t t = now + cyc; t < now + cyc * 1000; t += cyc * 7)
			REQUIRE(pg_pace_due(&p, t, 1000000) <= keep + 2);
		unsigned late = pg_pace_due(&p, now + cyc * 1000, 1000000);   /* 1000 truncated intervals */
		ck_assert_uint_le(late, keep + 2);
		ck_assert_uint_ge(late, keep < 990 ? keep : 990);
	}
	/* unpaced: always what is asked */
	struct pg_pace p;
	pg_pace_init(&p, 0, HZ, 5);
	ck_assert_uint_eq(p.interval, 0);
	ck_assert_uint_eq(pg_pace_due(&p, 0, 32), 32);
	ck_assert_uint_eq(pg_pace_due(&p, 1000, 7), 7);
	/* the interval in 48.16 fixed point, and absurd rates still paced */
	pg_pace_init(&p, 14880952, HZ, 0);
	ck_assert_uint_eq(p.interval, (HZ << 16) / 14880952);
	pg_pace_init(&p, UINT64_MAX, HZ, 0);
	ck_assert_uint_eq(p.interval, 1);
}
END_TEST

/* ---- RFC 2544 ---- */

/* A port that delivers at most T pps: a trial of one second at rate sends rate frames and
 * gets min(rate, T) back. */
static uint64_t search_port(uint64_t max, uint64_t T, uint32_t res_ppm, unsigned *trials)
{
	struct pg_search s;
	pg_search_init(&s, max, res_ppm, 0);
	ck_assert_uint_eq(s.next, max);
	for (unsigned k = 0; k < 100; k++) {
		uint64_t rate = s.next;
		ck_assert_uint_ge(rate, 1);
		ck_assert_uint_le(rate, max);
		if (pg_search_report(&s, rate, rate < T ? rate : T)) {
			*trials = s.trials;
			return s.best;
		}
	}
	ck_abort_msg("search does not end");
	return 0;
}

START_TEST(search_throughput)
{
	const uint64_t max = 14880952;
	const uint32_t res_ppm = 5000;
	const uint64_t res = max * res_ppm / 1000000;
	static const uint64_t Ts[] = { 0, 1, 1000, 74404, 1000000, 5000000, 7440476, 7440477,
				       14000000, 14880951 };
	unsigned trials;
	for (size_t k = 0; k < sizeof(Ts) / sizeof(Ts[0]); k++) {
		uint64_t best = search_port(max, Ts[k], res_ppm, &trials);
		ck_assert_msg(best <= Ts[k] && Ts[k] - best <= res, "T %lu: %lu",
			      (unsigned long)Ts[k], (unsigned long)best);
		ck_assert_uint_le(trials, 10);     /* log2(1 / 0.005) + 1 */
	}
	/* the port takes max: one trial */
	ck_assert_uint_eq(search_port(max, max, res_ppm, &trials), max);
	ck_assert_uint_eq(trials, 1);
	ck_assert_uint_eq(search_port(max, max * 3, res_ppm, &trials), max);
	ck_assert_uint_eq(trials, 1);
	/* finer resolution, tiny max */
	ck_assert_uint_eq(search_port(1000000, 123456, 1, &trials), 123456);
	ck_assert_uint_eq(search_port(1, 0, 5000, &trials), 0);
	ck_assert_uint_eq(trials, 1);
	ck_assert_uint_eq(search_port(3, 2, 5000, &trials), 2);
	/* rates past 2^64 / 10^6: no overflow in the resolution */
	uint64_t big = 1ull << 62, got = search_port(big, big / 3, 5000, &trials);
	ck_assert(got <= big / 3 && big / 3 - got <= big / 200);
	ck_assert_uint_le(trials, 10);
	/* reports after the end change nothing */
	struct pg_search s;
	pg_search_init(&s, 1000, 5000, 0);
	ck_assert(pg_search_report(&s, 1000, 1000));
	ck_assert(pg_search_report(&s, 1000, 0));
	ck_assert_uint_eq(s.best, 1000);
	ck_assert_uint_eq(s.trials, 1);
}
END_TEST

START_TEST(search_tolerance)
{
	ck_assert(pg_trial_passes(1000000, 999990, 10000));
	ck_assert(!pg_trial_passes(1000000, 999989, 10000));
	ck_assert(!pg_trial_passes(1000000, 999999, 0));
	ck_assert(pg_trial_passes(100, 101, 0));          /* duplicates are no loss */
	ck_assert(pg_trial_passes(0, 0, 0));
	ck_assert(pg_trial_passes(UINT64_MAX, UINT64_MAX - 1000, 1000));
	/* a port that always loses 0.0005 % (at least one frame): passes at 0.001 %, not at 0 */
	for (int tol = 0; tol < 2; tol++) {
		struct pg_search s;
		pg_search_init(&s, 1000000, 5000, tol ? 10000 : 0);
		while (1) {
			uint64_t sent = s.next * 2;            /* two-second trials */
			uint64_t lost = (sent * 5 + 999999) / 1000000;
			if (pg_search_report(&s, sent, sent - lost))
				break;
		}
		if (tol) {
			ck_assert_uint_eq(s.best, 1000000);
			ck_assert_uint_eq(s.trials, 1);
		} else {
			ck_assert_uint_eq(s.best, 0);
			ck_assert_uint_gt(s.trials, 1);
		}
	}
}
END_TEST

static uint32_t ppm_of(uint64_t sent, uint64_t received)
{
	return received >= sent ? 0 : (uint32_t)(((sent - received) * 1000000 + sent / 2) / sent);
}

/* The loss curve against a port of T pps (one-second trials); returns its points. */
static unsigned loss_run(struct pg_loss_curve *c, uint64_t max, uint32_t step_ppm, uint64_t T)
{
	pg_loss_init(c, max, step_ppm);
	for (unsigned k = 0; k <= PG_LOSS_MAX_POINTS; k++) {
		uint64_t rate = c->next;
		if (pg_loss_report(c, rate, rate < T ? rate : T))
			return c->n;
	}
	ck_abort_msg("loss curve does not end");
	return 0;
}

static struct pg_loss_curve curve;

START_TEST(loss_curve)
{
	/* 100 %, 90 %, ... 60 % and 50 % clean: stop */
	ck_assert_uint_eq(loss_run(&curve, 1000000, 100000, 650000), 6);
	static const uint32_t want[] = { 350000, 277778, 187500, 71429, 0, 0 };
	for (unsigned k = 0; k < 6; k++) {
		const struct pg_loss_point *pt = &curve.point[k];
		ck_assert_uint_eq(pt->rate, 1000000 - k * 100000);
		ck_assert_uint_eq(pt->sent, pt->rate);
		ck_assert_uint_eq(pt->loss_ppm, want[k]);
		ck_assert_uint_eq(pt->loss_ppm, ppm_of(pt->sent, pt->received));
	}
	ck_assert(curve.done);
	/* clean from the start: two points */
	ck_assert_uint_eq(loss_run(&curve, 14880952, 100000, 20000000), 2);
	ck_assert_uint_eq(curve.point[1].rate, 14880952 - 1488095);
	/* a clean point between lossy ones does not end it; duplicates are no loss */
	pg_loss_init(&curve, 1000, 100000);
	ck_assert(!pg_loss_report(&curve, 1000, 990));
	ck_assert(!pg_loss_report(&curve, 900, 900));
	ck_assert(!pg_loss_report(&curve, 800, 799));
	ck_assert(!pg_loss_report(&curve, 700, 710));
	ck_assert(pg_loss_report(&curve, 600, 600));
	ck_assert_uint_eq(curve.n, 5);
	ck_assert_uint_eq(curve.point[0].loss_ppm, 10000);
	ck_assert_uint_eq(curve.point[2].loss_ppm, 1250);
	ck_assert_uint_eq(curve.point[3].loss_ppm, 0);
	ck_assert(pg_loss_report(&curve, 1, 0));        /* done: nothing more recorded */
	ck_assert_uint_eq(curve.n, 5);
	/* the next rate would be 0: done */
	pg_loss_init(&curve, 1000, 500000);
	ck_assert(!pg_loss_report(&curve, 1000, 990));
	ck_assert(pg_loss_report(&curve, 500, 499));
	/* a port that loses everything: down to the last step above 0 */
	ck_assert_uint_eq(loss_run(&curve, 1000000, 100000, 0), 10);
	for (unsigned k = 0; k < 10; k++) {
		ck_assert_uint_eq(curve.point[k].loss_ppm, 1000000);
		if (k)
			ck_assert_uint_lt(curve.point[k].rate, curve.point[k - 1].rate);
	}
	ck_assert_uint_eq(curve.point[9].rate, 100000);
	/* and at most PG_LOSS_MAX_POINTS points */
	ck_assert_uint_eq(loss_run(&curve, 1000000, 1000, 0), PG_LOSS_MAX_POINTS);
	ck_assert_uint_eq(curve.point[PG_LOSS_MAX_POINTS - 1].rate, 1000000 - 63 * 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pktgen");
	TCase *tc = tcase_create("pktgen");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hist_buckets);
	tcase_add_test(tc, hist_quantiles);
	tcase_add_test(tc, hist_empty);
	tcase_add_test(tc, hist_merge);
	tcase_add_test(tc, hist_overflow);
	tcase_add_test(tc, rate_parse_good);
	tcase_add_test(tc, rate_parse_bad);
	tcase_add_test(tc, link_parse);
	tcase_add_test(tc, rate_pps);
	tcase_add_test(tc, imix_order);
	tcase_add_test(tc, pace_rates);
	tcase_add_test(tc, pace_stall);
	tcase_add_test(tc, search_throughput);
	tcase_add_test(tc, search_tolerance);
	tcase_add_test(tc, loss_curve);
	suite_add_tcase(s, tc);
	return check_run(s);
}
