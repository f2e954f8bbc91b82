/* pktgen's replayed captures: a stream whose frames are those of a pcap file (the app's
 * config blob: `sluice pktgen --pcap FILE`), sent as they are, at the capture's own timing
 * or at a set rate, once or looped. Read without libpcap (the image has none): the classic
 * pcap format, microsecond or nanosecond, either byte order, Ethernet frames. */
#include "pg.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

int pg_replay_load(struct pg_stream *s, const char *name, const uint8_t *cap, size_t len, uint64_t tsc_hz, char *err,
		   size_t errlen)
{
	if (!cap || len < 24) {
		plat_snprintf(err, errlen, "pktgen: stream %u: %s is not a pcap file (shorter than its header)", s->id, name);
		return -1;
	}
	uint32_t magic;
	memcpy(&magic, cap, 4);
	bool swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	bool nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if (!swap && !nano && magic != 0xa1b2c3d4u) {
		plat_snprintf(err, errlen, magic == 0x0a0d0d0au
						   ? "pktgen: stream %u: %s is pcapng: replay takes pcap (editcap -F pcap IN OUT)"
						   : "pktgen: stream %u: %s is not a pcap file (bad magic)",
			      s->id, name);
		return -1;
	}
	if (rd32(cap + 20, swap) != 1) {
		plat_snprintf(err, errlen, "pktgen: stream %u: %s: link type %u, not Ethernet (1)", s->id, name,
			      rd32(cap + 20, swap));
		return -1;
	}
	/* count, then index */
	uint32_t n = 0;
	for (size_t at = 24; at < len;) {
		if (len - at < 16) {
			plat_snprintf(err, errlen, "pktgen: stream %u: %s: a record header cut short at byte %zu", s->id, name, at);
			return -1;
		}
		uint32_t incl = rd32(cap + at + 8, swap);
		if (incl > len - at - 16) {
			plat_snprintf(err, errlen, "pktgen: stream %u: %s: frame %u runs past the end of the file", s->id, name, n + 1);
			return -1;
		}
		if (incl > PKT_DATAROOM || incl < 14) {
			plat_snprintf(err, errlen, "pktgen: stream %u: %s: frame %u is %u bytes: a buffer holds 14 to %u", s->id,
				      name, n + 1, incl, PKT_DATAROOM);
			return -1;
		}
		at += 16 + incl;
		n++;
	}
	if (!n) {
		plat_snprintf(err, errlen, "pktgen: stream %u: %s holds no frame", s->id, name);
		return -1;
	}
	s->rec_off = malloc(sizeof(*s->rec_off) * n);
	s->rec_cyc = malloc(sizeof(*s->rec_cyc) * n);
	if (!s->rec_off || !s->rec_cyc) {
		plat_snprintf(err, errlen, "pktgen: stream %u: out of memory for %u frames", s->id, n);
		return -1;
	}
	uint64_t first_ns = 0, prev_ns = 0, bytes = 0;
	size_t at = 24;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ns = (uint64_t)rd32(cap + at, swap) * 1000000000u +
			      (uint64_t)rd32(cap + at + 4, swap) * (nano ? 1u : 1000u);
		if (i == 0)
			first_ns = prev_ns = ns;
		if (ns < prev_ns)       /* time going back: sent at once after the previous */
			ns = prev_ns;
		prev_ns = ns;
		s->rec_off[i] = (uint32_t)at;
		uint64_t d = ns - first_ns;   /* ns -> cycles in 64 bits: whole seconds, then the rest */
		s->rec_cyc[i] = d / 1000000000u * tsc_hz + d % 1000000000u * tsc_hz / 1000000000u;
		bytes += rd32(cap + at + 8, swap) + PG_FCS;
		at += 16 + rd32(cap + at + 8, swap);
	}
	s->cap = cap;
	s->cap_swap = swap;
	s->n_rec = n;
	/* a pass lasts to the last frame plus the mean gap, so that looping keeps the rhythm */
	uint64_t span = s->rec_cyc[n - 1];
	s->loop_cyc = span + (n > 1 ? span / (n - 1) : (tsc_hz >> 10));
	s->frame_bytes = bytes;
	s->frames_per_cycle = n;
	return 0;
}

void pg_replay_free(struct pg_stream *s)
{
	free(s->rec_off);
	free(s->rec_cyc);
	s->rec_off = NULL;
	s->rec_cyc = NULL;
}

unsigned pg_replay_due(struct pg_stream *s, uint64_t now, unsigned max)
{
	if (s->c.rate_set)         /* a set rate (max: as fast as the port takes) */
		return pg_pace_due(&s->pace, now, max);
	unsigned n = 0;
	uint32_t at = s->rec_at;
	uint64_t base = s->replay_base, loops = s->loops_done;
	while (n < max && now >= base + s->rec_cyc[at]) {
		n++;
		if (++at == s->n_rec) {
			at = 0;
			base += s->loop_cyc;
			if (s->c.loops && ++loops == s->c.loops)
				break;
		}
	}
	return n;
}

void pg_replay_fill(struct pg_stream *s, struct pkt_buf *p)
{
	const uint8_t *rec = s->cap + s->rec_off[s->rec_at];
	uint32_t len = rd32(rec + 8, s->cap_swap);
	memcpy(p->data, rec + 16, len);
	p->len = (uint16_t)len;
	s->tx_bytes += len + PG_FCS;
	s->seq++;
	if (++s->rec_at == s->n_rec) {
		s->rec_at = 0;
		s->replay_base += s->loop_cyc;
		s->loops_done++;
	}
}
