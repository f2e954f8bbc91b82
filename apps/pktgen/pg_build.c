/* pktgen's streams: the flows a stream cycles through and the frame templates, made once;
 * then each frame is a copy of its template with the flow's fields, the signature and the
 * checksums, which come from sums made at setup plus the signature's: no checksum is
 * computed over the frame. */
#include "pg.h"
#include "pkt_csum.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t default_smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t default_dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

uint16_t pg_min_frame(const struct pg_stream_conf *c)
{
	unsigned l2 = 14u + (c->has_vlan ? 4u : 0u);
	unsigned l3 = c->ipv == 6 ? 40u : 20u;
	unsigned l4 = c->proto == 6 ? 20u : 8u;
	unsigned min = l2 + l3 + l4 + PG_SIG_LEN + PG_FCS;
	return (uint16_t)(min < 64 ? 64 : min);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t sum_add(uint32_t sum, const void *p, size_t n)
{
	return pkt_csum_add(sum, p, n);
}

/* One template: the frame of size bytes (FCS included) with flow fields, checksums and
 * signature zero, and the sums of what does not change. */
static void make_tmpl(struct pg_tmpl *t, const struct pg_stream_conf *c, uint16_t size)
{
	memset(t, 0, sizeof(*t));
	uint8_t *f = t->bytes;
	t->len = (uint16_t)(size - PG_FCS);
	memcpy(f, c->dmac_set ? c->dmac : default_dmac, 6);
	memcpy(f + 6, c->smac_set ? c->smac : default_smac, 6);
	unsigned o = 12;
	if (c->has_vlan) {
		wr16(f + o, 0x8100);
		wr16(f + o + 2, c->vlan);
		o += 4;
	}
	wr16(f + o, c->ipv == 6 ? 0x86dd : 0x0800);
	o += 2;
	t->ip_off = (uint16_t)o;
	unsigned l3 = c->ipv == 6 ? 40u : 20u;
	unsigned l4_len = t->len - o - l3;   /* transport header and payload */
	uint8_t *ip = f + o;
	uint8_t pseudo[40] = { 0 };
	size_t pseudo_n;
	if (c->ipv == 4) {
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(20 + l4_len));
		ip[6] = 0x40;                  /* DF */
		ip[8] = c->ttl;
		ip[9] = c->proto;
		memcpy(ip + 12, c->src, 4);   /* the template holds the first addresses; */
		memcpy(ip + 16, c->dst, 4);   /* flows overwrite them whole */
		uint8_t hdr[20];
		memcpy(hdr, ip, 20);
		memset(hdr + 12, 0, 8);
		t->ip_sum = sum_add(0, hdr, 20);
		/* pseudo-header without addresses: zero, protocol, length */
		pseudo[9] = c->proto;
		wr16(pseudo + 10, (uint16_t)l4_len);
		pseudo_n = 12;
	} else {
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)l4_len);
		ip[6] = c->proto;
		ip[7] = c->ttl;
		memcpy(ip + 8, c->src, 16);
		memcpy(ip + 24, c->dst, 16);
		/* the addresses' first 96 bits are fixed: in the pseudo-header sum here */
		memcpy(pseudo, c->src, 12);
		memcpy(pseudo + 16, c->dst, 12);
		pseudo[32 + 2] = (uint8_t)(l4_len >> 8);
		pseudo[32 + 3] = (uint8_t)l4_len;
		pseudo[39] = c->proto;
		pseudo_n = 40;
	}
	o += l3;
	t->l4_off = (uint16_t)o;
	uint8_t *l4 = f + o;
	if (c->proto == 17) {
		wr16(l4 + 4, (uint16_t)l4_len);
		t->sig_off = (uint16_t)(o + 8);
	} else {
		l4[12] = 5 << 4;              /* data offset: 20 bytes */
		l4[13] = c->tcp_flags;
		wr16(l4 + 14, 65535);         /* window */
		t->sig_off = (uint16_t)(o + 20);
	}
	/* the transport header without ports and checksum, the payload with the signature zero */
	uint8_t hdr[20];
	unsigned hl = c->proto == 17 ? 8u : 20u;
	memcpy(hdr, l4, hl);
	memset(hdr, 0, 4);
	uint32_t s = sum_add(0, pseudo, pseudo_n);
	s = sum_add(s, hdr, hl);
	t->l4_sum = sum_add(s, f + t->sig_off, l4_len - hl);   /* zeros today: kept for a payload pattern */
}

/* The flows, in the order of the ranges: source address fastest, then source port,
 * destination address, destination port. */
static void make_flows(struct pg_stream *s)
{
	const struct pg_stream_conf *c = &s->c;
	unsigned alen = c->ipv == 6 ? 16 : 4;
	uint32_t src0 = (uint32_t)c->src[alen - 4] << 24 | (uint32_t)c->src[alen - 3] << 16 |
			(uint32_t)c->src[alen - 2] << 8 | c->src[alen - 1];
	uint32_t dst0 = (uint32_t)c->dst[alen - 4] << 24 | (uint32_t)c->dst[alen - 3] << 16 |
			(uint32_t)c->dst[alen - 2] << 8 | c->dst[alen - 1];
	uint32_t a = 0, b = 0, d = 0, e = 0;       /* odometer over src, sport, dst, dport */
	for (uint32_t i = 0; i < s->n_flows; i++) {
		struct pg_flow *fl = &s->flow[i];
		uint8_t w[12];
		uint32_t sa = src0 + a, da = dst0 + d;
		uint16_t sp = (uint16_t)(c->sport + b), dp = (uint16_t)(c->dport + e);
		w[0] = (uint8_t)(sa >> 24), w[1] = (uint8_t)(sa >> 16), w[2] = (uint8_t)(sa >> 8), w[3] = (uint8_t)sa;
		w[4] = (uint8_t)(da >> 24), w[5] = (uint8_t)(da >> 16), w[6] = (uint8_t)(da >> 8), w[7] = (uint8_t)da;
		wr16(w + 8, sp);
		wr16(w + 10, dp);
		memcpy(&fl->src, w, 4);
		memcpy(&fl->dst, w + 4, 4);
		memcpy(&fl->sport, w + 8, 2);
		memcpy(&fl->dport, w + 10, 2);
		fl->ip_sum = sum_add(0, w, 8);
		fl->l4_sum = sum_add(0, w, 12);
		if (++a == c->src_n) {
			a = 0;
			if (++b == c->sport_n) {
				b = 0;
				if (++d == c->dst_n) {
					d = 0;
					if (++e == c->dport_n)
						e = 0;
				}
			}
		}
	}
}

void pg_stream_free(struct pg_stream *s)
{
	pg_replay_free(s);
	free(s->flow);
	for (unsigned i = 0; i < 3; i++)
		free(s->tmpl[i]);
	memset(s, 0, sizeof(*s) - sizeof(s->rx));
}

int pg_stream_build(struct pg_stream *s, const struct pg_stream_conf *c, unsigned id, uint16_t size, uint64_t seed,
		    char *err, size_t errlen)
{
	pg_stream_free(s);
	s->c = *c;
	s->c.size = size;
	s->id = id;
	uint64_t combos = (uint64_t)c->src_n * c->dst_n * c->sport_n * c->dport_n;   /* checked by pg_conf_parse */
	s->n_flows = c->flows ? c->flows : (uint32_t)combos;
	s->flow = malloc(sizeof(*s->flow) * s->n_flows);
	if (!s->flow)
		goto oom;
	make_flows(s);
	s->rng = seed * 0x9e3779b97f4a7c15ull + id + 1;
	if (size) {
		s->tmpl[0] = malloc(sizeof(struct pg_tmpl));
		if (!s->tmpl[0])
			goto oom;
		make_tmpl(s->tmpl[0], c, size);
		s->n_tmpl = 1;
		s->frame_bytes = size;
		s->frames_per_cycle = 1;
	} else {
		static const uint16_t imix_sizes[3] = { 64, 594, 1518 };
		for (unsigned i = 0; i < 3; i++) {
			s->tmpl[i] = malloc(sizeof(struct pg_tmpl));
			if (!s->tmpl[i])
				goto oom;
			make_tmpl(s->tmpl[i], c, imix_sizes[i] < pg_min_frame(c) ? pg_min_frame(c) : imix_sizes[i]);
		}
		s->n_tmpl = 3;
		s->frame_bytes = 0;
		for (unsigned k = 0; k < PG_IMIX_LEN; k++) {
			uint16_t z = pg_imix_order[k];
			s->tmpl_of[k] = (uint8_t)(z == 64 ? 0 : z == 594 ? 1 : 2);
			s->frame_bytes += s->tmpl[s->tmpl_of[k]]->len + PG_FCS;
		}
		s->frames_per_cycle = PG_IMIX_LEN;
	}
	return 0;
oom:
	pg_stream_free(s);
	plat_snprintf(err, errlen, "pktgen: stream %u: out of memory for %u flows", id, c->flows);
	return -1;
}

static inline __attribute__((always_inline)) void fill_one(struct pg_stream *s, struct pkt_buf *p, uint8_t trial,
							  uint64_t tsc)
{
	const struct pg_tmpl *t;
	if (s->n_tmpl == 1) {
		t = s->tmpl[0];
	} else {
		t = s->tmpl[s->tmpl_of[s->imix_at]];
		if (++s->imix_at == PG_IMIX_LEN)
			s->imix_at = 0;
	}
	uint32_t fi;
	if (s->c.random) {
		uint64_t x = s->rng;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s->rng = x;
		fi = (uint32_t)(((x >> 32) * (uint64_t)s->n_flows) >> 32);   /* no division */
	} else {
		fi = s->flow_at;
		if (++s->flow_at == s->n_flows)
			s->flow_at = 0;
	}
	const struct pg_flow *fl = &s->flow[fi];
	uint8_t *f = p->data;
	memcpy(f, t->bytes, t->len);
	p->len = t->len;
	uint8_t *ip = f + t->ip_off, *l4 = f + t->l4_off, *sig = f + t->sig_off;
	/* the signature: magic, trial, stream, sequence, TSC, as two little-endian words (the
	 * receive side reads it back on the same machine) */
	uint64_t w0 = (uint64_t)PG_MAGIC | (uint64_t)trial << 16 | (uint64_t)(uint8_t)s->id << 24 | (uint64_t)s->seq << 32;
	memcpy(sig, &w0, 8);
	memcpy(sig + 8, &tsc, 8);
	s->seq++;
	memcpy(l4, &fl->sport, 2);
	memcpy(l4 + 2, &fl->dport, 2);
	uint32_t l4sum = t->l4_sum + fl->l4_sum;
	if (s->c.ipv == 4) {
		memcpy(ip + 12, &fl->src, 4);
		memcpy(ip + 16, &fl->dst, 4);
		uint16_t ck = pkt_csum_fold(t->ip_sum + fl->ip_sum);
		wr16(ip + 10, ck);
	} else {
		memcpy(ip + 8 + 12, &fl->src, 4);
		memcpy(ip + 24 + 12, &fl->dst, 4);
	}
	/* the signature's share, from the registers (reading it back from the frame would wait
	 * on the stores): a sum of its little-endian 64-bit words, folded and byte-swapped, is
	 * the sum of its big-endian 16-bit ones (RFC 1071 2(B)) */
	uint64_t acc = w0 + tsc;
	acc += acc < tsc;
	l4sum += __builtin_bswap16(pkt_csum_fold64(acc));
	uint16_t ck = pkt_csum_fold(l4sum);
	if (s->c.proto == 17) {
		wr16(l4 + 6, ck ? ck : 0xffff);   /* UDP: a computed 0 is sent as all ones */
	} else {
		wr16(l4 + 16, ck);
	}
	s->tx_bytes += t->len + PG_FCS;
}

void pg_stream_fill(struct pg_stream *s, struct pkt_buf *const *p, unsigned n, uint8_t trial, uint64_t tsc)
{
	for (unsigned i = 0; i < n; i++)
		fill_one(s, p[i], trial, tsc);
}
