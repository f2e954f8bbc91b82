/* pktgen's rates and pacing (pg_pace.h): rate and link-speed parsing, packets per second
 * for a frame size or IMIX, the IMIX order and the pacer's set-up. Integers only, no libc
 * beyond string.h: this is built for the image with general registers only. */
#include "pg_pace.h"

#include <string.h>

typedef unsigned __int128 u128;

const uint16_t pg_imix_order[PG_IMIX_LEN] = {
	64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 64, 594,
};

static const char RATE_WHY[] = "expected a rate such as 1Mpps, 10Gbit, 50% or max";
static const char LINK_WHY[] = "expected a link speed such as 10G, 2.5G or 100M";

/* n / d, rounded to nearest when round, saturated to 64 bits. A 64-bit division when both
 * fit (always, for real rates and frames); else shift and subtract, as the image has no
 * 128-bit divide. */
static uint64_t div128(u128 n, u128 d, bool round)
{
	if (!d)
		return UINT64_MAX;
	if (round)
		n += d >> 1;
	if (!(n >> 64) && !(d >> 64))
		return (uint64_t)n / (uint64_t)d;
	u128 q = 0;
	unsigned shift = 0;
	while (!(d >> 127) && (d << 1) <= n) {
		d <<= 1;
		shift++;
	}
	for (;;) {
		if (n >= d) {
			n -= d;
			q |= (u128)1 << shift;
		}
		if (!shift)
			break;
		d >>= 1;
		shift--;
	}
	return q >> 64 ? UINT64_MAX : (uint64_t)q;
}

/* True when s (all of it) is word, ignoring ASCII case. */
static bool is_word(const char *s, const char *word)
{
	for (; *word; s++, word++)
		if ((*s | 0x20) != *word)
			return false;
	return !*s;
}

/* A decimal with at most 3 decimals at *sp, in thousandths; *sp moves past it. */
static int parse_milli(const char **sp, uint64_t *milli, const char **why, const char *generic)
{
	const char *s = *sp;
	uint64_t v = 0;
	if (*s == '-') {
		*why = "must not be negative";
		return -1;
	}
	if (*s < '0' || *s > '9') {
		*why = generic;
		return -1;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX / 1000 - 1 - d) / 10) {   /* room for * 1000 + .999 */
			*why = "too large";
			return -1;
		}
		v = v * 10 + d;
	}
	v *= 1000;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9') {
			*why = generic;
			return -1;
		}
		uint64_t scale = 100;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (!scale) {
				*why = "at most 3 decimals";
				return -1;
			}
			v += (uint64_t)(*s - '0') * scale;
			scale /= 10;
		}
	}
	*sp = s;
	*milli = v;
	return 0;
}

/* An optional k, M or G at *sp (any case): its multiplier, and *sp past it. */
static uint64_t multiplier(const char **sp)
{
	switch (**sp | 0x20) {
	case 'k': (*sp)++; return 1000;
	case 'm': (*sp)++; return 1000000;
	case 'g': (*sp)++; return 1000000000;
	default: return 1;
	}
}

/* milli / 1000 * mult rounded to nearest; -1 on overflow. */
static int scale(uint64_t milli, uint64_t mult, uint64_t *out, const char **why)
{
	u128 v = (u128)milli * mult + 500;
	if (v >> 64) {
		*why = "too large";
		return -1;
	}
	*out = (uint64_t)v / 1000;
	return 0;
}

int pg_rate_parse(const char *s, struct pg_rate *r, const char **why)
{
	uint64_t milli, mult, v;
	if (is_word(s, "max")) {
		r->kind = PG_RATE_MAX;
		r->value = 0;
		return 0;
	}
	if (parse_milli(&s, &milli, why, RATE_WHY) < 0)
		return -1;
	if (s[0] == '%' && !s[1]) {
		if (!milli) {
			*why = "a rate must be more than 0";
			return -1;
		}
		if (milli > 100000) {
			*why = "at most 100%";
			return -1;
		}
		r->kind = PG_RATE_PCT;
		r->value = milli;
		return 0;
	}
	mult = multiplier(&s);
	enum pg_rate_kind kind;
	if (is_word(s, "pps"))
		kind = PG_RATE_PPS;
	else if (is_word(s, "bit") || is_word(s, "bps"))
		kind = PG_RATE_BPS;
	else {
		*why = RATE_WHY;
		return -1;
	}
	if (scale(milli, mult, &v, why) < 0)
		return -1;
	if (!v) {
		*why = "a rate must be more than 0";
		return -1;
	}
	r->kind = kind;
	r->value = v;
	return 0;
}

int pg_link_parse(const char *s, uint64_t *bps, const char **why)
{
	uint64_t milli, v;
	if (parse_milli(&s, &milli, why, LINK_WHY) < 0)
		return -1;
	uint64_t mult = multiplier(&s);
	if (*s && !is_word(s, "bit") && !is_word(s, "bps")) {
		*why = LINK_WHY;
		return -1;
	}
	if (scale(milli, mult, &v, why) < 0)
		return -1;
	if (!v) {
		*why = "a link speed must be more than 0";
		return -1;
	}
	*bps = v;
	return 0;
}

uint64_t pg_rate_pps(const struct pg_rate *r, uint64_t frame_bytes, uint32_t n, uint64_t link_bps)
{
	if (!n)
		return 0;
	/* bits a round of n frames takes on the wire */
	u128 wire = ((u128)frame_bytes + (u128)PG_WIRE_OVERHEAD * n) * 8;
	uint64_t pps;
	switch (r->kind) {
	case PG_RATE_PPS:
		pps = r->value;
		break;
	case PG_RATE_BPS:
		pps = div128((u128)r->value * n, wire, true);
		break;
	case PG_RATE_PCT:   /* value: thousandths of a percent, 100000 the whole link */
		if (!link_bps)
			return 0;
		pps = div128((u128)link_bps * r->value * n, wire * 100000, true);
		break;
	default:
		return 0;
	}
	return pps ? pps : 1;
}

uint64_t pg_wire_bps(uint64_t pps, uint64_t frame_bytes, uint32_t n)
{
	if (!n)
		return 0;
	u128 wire = ((u128)frame_bytes + (u128)PG_WIRE_OVERHEAD * n) * 8;
	return div128((u128)pps * wire, n, true);
}

void pg_pace_init(struct pg_pace *p, uint64_t pps, uint64_t tsc_hz, uint64_t start)
{
	p->start = start;
	p->next = 0;
	p->interval = 0;
	p->window = 0;
	if (!pps)
		return;
	p->interval = div128((u128)tsc_hz << 16, pps, false);
	if (!p->interval)               /* faster than 2^16 packets a cycle: as fast as we can */
		p->interval = 1;
	uint64_t by_count = p->interval * PG_PACE_CATCHUP;
	uint64_t by_time = tsc_hz / 1000 * PG_PACE_CATCHUP_MS << 16;
	p->window = by_count > by_time ? by_count : by_time;
}
