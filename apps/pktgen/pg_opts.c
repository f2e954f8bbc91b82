/* pktgen's option string (docs/PKTGEN.md): KEY=VALUE (or a bare KEY) separated by commas
 * (or spaces: the image's command line turns opts='s commas into them), streams separated
 * by semicolons. Stream keys set the stream they appear in; run keys
 * (duration, link, rfc2544, ...) may appear in any of them, once. Every error names the
 * option and says why, in one line. */
#include "pg.h"
#include "pkt_addr.h"
#include "plat.h"

#include <string.h>

struct tok {
	const char *k, *v;         /* v NULL for a bare key */
	size_t kn, vn;
};

static int fail(char *err, size_t errlen, const struct tok *t, const char *why)
{
	if (t->v)
		plat_snprintf(err, errlen, "pktgen: %.*s=%.*s: %s", (int)t->kn, t->k, (int)t->vn, t->v, why);
	else
		plat_snprintf(err, errlen, "pktgen: %.*s: %s", (int)t->kn, t->k, why);
	return -1;
}

static bool key_is(const struct tok *t, const char *k)
{
	return t->kn == strlen(k) && !memcmp(t->k, k, t->kn);
}

/* A decimal integer of s[0..n) up to max. */
static bool read_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	if (!n || n > 20)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* A decimal with up to `decimals` fraction digits, scaled by 10^decimals. */
static bool read_fixed(const char *s, size_t n, unsigned decimals, uint64_t max, uint64_t *out)
{
	const char *dot = memchr(s, '.', n);
	size_t in = dot ? (size_t)(dot - s) : n;
	size_t fn = dot ? n - in - 1 : 0;
	uint64_t ip = 0, fp = 0, scale = 1;
	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	if ((dot && !fn) || fn > decimals || !read_u64(s, in, max / scale, &ip))
		return false;
	if (fn && !read_u64(dot + 1, fn, UINT64_MAX, &fp))
		return false;
	for (size_t i = fn; i < decimals; i++)
		fp *= 10;
	if (ip * scale > max - fp)
		return false;
	*out = ip * scale + fp;
	return true;
}

/* Seconds with up to 3 decimals, as milliseconds (> 0 unless zero_ok). */
static bool read_ms(const struct tok *t, bool zero_ok, uint64_t *ms)
{
	return t->v && read_fixed(t->v, t->vn, 3, 86400ull * 365 * 1000, ms) && (zero_ok || *ms > 0);
}

/* A percentage with up to 7 decimals ("0.001"), as parts per billion. */
static bool read_pct_ppb(const struct tok *t, uint64_t max_ppb, uint32_t *ppb)
{
	uint64_t v;
	if (!t->v || !read_fixed(t->v, t->vn, 7, max_ppb, &v))
		return false;
	*ppb = (uint32_t)v;
	return true;
}

static bool read_mac(const char *s, size_t n, uint8_t mac[6])
{
	if (n != 17)
		return false;
	for (unsigned i = 0; i < 6; i++) {
		unsigned v = 0;
		for (unsigned k = 0; k < 2; k++) {
			char c = s[i * 3 + k];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return false;
			v = v * 16 + (unsigned)d;
		}
		if (i < 5 && s[i * 3 + 2] != ':')
			return false;
		mac[i] = (uint8_t)v;
	}
	return true;
}

static uint32_t low32(const uint8_t *a, unsigned len)
{
	return (uint32_t)a[len - 4] << 24 | (uint32_t)a[len - 3] << 16 | (uint32_t)a[len - 2] << 8 | a[len - 1];
}

/* ADDR or ADDR-ADDR: the range may differ from the first address only in its last 32 bits. */
static int read_addr_range(const struct tok *t, struct pg_stream_conf *s, uint8_t out[16], uint32_t *count,
			   char *err, size_t errlen)
{
	if (!t->v)
		return fail(err, errlen, t, "expects an address or a range A-B");
	const char *dash = memchr(t->v, '-', t->vn);
	size_t n1 = dash ? (size_t)(dash - t->v) : t->vn;
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	const char *why = "";
	bool v6 = memchr(t->v, ':', n1) != NULL;
	unsigned len = v6 ? 16 : 4;
	if (!(v6 ? pkt_addr_parse_ip6(t->v, n1, a, &why) : pkt_addr_parse_ip4(t->v, n1, a, &why)))
		return fail(err, errlen, t, v6 ? "is not an IPv6 address" : "is not an IPv4 address (A.B.C.D)");
	memcpy(b, a, 16);
	if (dash) {
		size_t n2 = t->vn - n1 - 1;
		if (!(v6 ? pkt_addr_parse_ip6(dash + 1, n2, b, &why) : pkt_addr_parse_ip4(dash + 1, n2, b, &why)))
			return fail(err, errlen, t, "the range's end is not an address of the same family");
		if (memcmp(a, b, len - 4))
			return fail(err, errlen, t, "a range may differ only in its last 32 bits");
		if (low32(b, len) < low32(a, len))
			return fail(err, errlen, t, "the range ends before it starts");
	}
	uint64_t n = (uint64_t)low32(b, len) - low32(a, len) + 1;
	if (n > PG_MAX_FLOWS)
		return fail(err, errlen, t, "a range holds at most 1048576 addresses");
	uint8_t ipv = v6 ? 6 : 4;
	if (s->ipv && s->ipv != ipv)
		return fail(err, errlen, t, "mixes IPv4 and IPv6 in one stream");
	s->ipv = ipv;
	memcpy(out, a, 16);
	*count = (uint32_t)n;
	return 0;
}

static int read_port_range(const struct tok *t, uint16_t *first, uint32_t *count, char *err, size_t errlen)
{
	uint64_t a, b;
	const char *dash = t->v ? memchr(t->v, '-', t->vn) : NULL;
	size_t n1 = dash ? (size_t)(dash - t->v) : (t->v ? t->vn : 0);
	if (!t->v || !read_u64(t->v, n1, 65535, &a))
		return fail(err, errlen, t, "expects a port 0-65535 or a range P-Q");
	b = a;
	if (dash && !read_u64(dash + 1, t->vn - n1 - 1, 65535, &b))
		return fail(err, errlen, t, "the range's end is not a port 0-65535");
	if (b < a)
		return fail(err, errlen, t, "the range ends before it starts");
	*first = (uint16_t)a;
	*count = (uint32_t)(b - a + 1);
	return 0;
}

static void stream_defaults(struct pg_stream_conf *s)
{
	memset(s, 0, sizeof(*s));
	s->proto = 17;
	s->ttl = 64;
	s->tcp_flags = 0x10;       /* ACK */
	s->src_n = s->dst_n = s->sport_n = s->dport_n = 1;
	s->sport = 1024;
	s->dport = 1024;
	s->size = 64;
	s->rate.kind = PG_RATE_MAX;
	s->loops = 1;
}

static int stream_key(struct pg_conf *c, struct pg_stream_conf *s, const struct tok *t, uint16_t n_ports, char *err,
		      size_t errlen)
{
	const char *why;
	uint64_t v;
	if (key_is(t, "proto")) {
		if (t->v && t->vn == 3 && !memcmp(t->v, "udp", 3))
			s->proto = 17;
		else if (t->v && t->vn == 3 && !memcmp(t->v, "tcp", 3))
			s->proto = 6;
		else
			return fail(err, errlen, t, "expects udp or tcp");
	} else if (key_is(t, "udp") || key_is(t, "tcp")) {
		if (t->v)
			return fail(err, errlen, t, "takes no value");
		s->proto = t->k[0] == 'u' ? 17 : 6;
	} else if (key_is(t, "ip")) {
		if (!t->v || t->vn != 1 || (t->v[0] != '4' && t->v[0] != '6'))
			return fail(err, errlen, t, "expects 4 or 6");
		uint8_t ipv = (uint8_t)(t->v[0] - '0');
		if (s->ipv && s->ipv != ipv)
			return fail(err, errlen, t, "disagrees with the stream's addresses");
		s->ipv = ipv;
	} else if (key_is(t, "src")) {
		return read_addr_range(t, s, s->src, &s->src_n, err, errlen);
	} else if (key_is(t, "dst")) {
		return read_addr_range(t, s, s->dst, &s->dst_n, err, errlen);
	} else if (key_is(t, "sport")) {
		return read_port_range(t, &s->sport, &s->sport_n, err, errlen);
	} else if (key_is(t, "dport")) {
		return read_port_range(t, &s->dport, &s->dport_n, err, errlen);
	} else if (key_is(t, "flows")) {
		if (!t->v || !read_u64(t->v, t->vn, PG_MAX_FLOWS, &v) || !v)
			return fail(err, errlen, t, "expects a number of flows from 1 to 1048576");
		s->flows = (uint32_t)v;
	} else if (key_is(t, "random") || key_is(t, "inc")) {
		if (t->v)
			return fail(err, errlen, t, "takes no value");
		s->random = t->k[0] == 'r';
	} else if (key_is(t, "size")) {
		if (t->v && t->vn == 4 && !memcmp(t->v, "imix", 4))
			s->size = 0;
		else if (!t->v || !read_u64(t->v, t->vn, PG_MAX_FRAME, &v) || v < 64)
			return fail(err, errlen, t, "expects a frame size from 64 to 2052 bytes (FCS included: a packet buffer holds 2048) or imix");
		else
			s->size = (uint16_t)v;
	} else if (key_is(t, "rate")) {
		if (!t->v)
			return fail(err, errlen, t, "expects a rate such as 1Mpps, 10Gbit, 50% or max");
		char buf[40];
		if (t->vn >= sizeof(buf))
			return fail(err, errlen, t, "is too long for a rate");
		memcpy(buf, t->v, t->vn);
		buf[t->vn] = 0;
		if (pg_rate_parse(buf, &s->rate, &why) != 0)
			return fail(err, errlen, t, why);
		s->rate_set = true;
	} else if (key_is(t, "pcap")) {
		if (t->v)
			return fail(err, errlen, t, "takes no value: the capture is the app's config (sluice pktgen --pcap FILE)");
		s->replay = true;
	} else if (key_is(t, "loop")) {
		if (!t->v || !read_u64(t->v, t->vn, UINT32_MAX, &v))
			return fail(err, errlen, t, "expects how many passes over the capture (0: until stopped)");
		s->loops = (uint32_t)v;
	} else if (key_is(t, "count")) {
		if (!t->v || !read_u64(t->v, t->vn, UINT64_MAX, &v) || !v)
			return fail(err, errlen, t, "expects a number of frames > 0");
		s->count = v;
	} else if (key_is(t, "port")) {
		if (!t->v || !read_u64(t->v, t->vn, 65535, &v) || v >= n_ports)
			return fail(err, errlen, t, n_ports == 1 ? "expects 0 (pktgen has one port)"
							     : "expects the number of one of pktgen's ports");
		s->port = (uint16_t)v;
	} else if (key_is(t, "vlan")) {
		if (!t->v || !read_u64(t->v, t->vn, 4094, &v) || !v)
			return fail(err, errlen, t, "expects a VLAN ID from 1 to 4094");
		s->vlan = (uint16_t)v;
		s->has_vlan = true;
	} else if (key_is(t, "smac") || key_is(t, "dmac")) {
		bool src = t->k[0] == 's';
		if (!t->v || !read_mac(t->v, t->vn, src ? s->smac : s->dmac))
			return fail(err, errlen, t, "expects a MAC address such as 02:00:00:00:00:01");
		*(src ? &s->smac_set : &s->dmac_set) = true;
	} else if (key_is(t, "ttl")) {
		if (!t->v || !read_u64(t->v, t->vn, 255, &v) || !v)
			return fail(err, errlen, t, "expects a TTL (hop limit) from 1 to 255");
		s->ttl = (uint8_t)v;
	} else if (key_is(t, "tcpflags")) {
		static const char names[] = "FSRPAU";   /* FIN SYN RST PSH ACK URG: bits 0..5 */
		uint8_t f = 0;
		for (size_t i = 0; t->v && i < t->vn; i++) {
			const char *p = memchr(names, t->v[i], 6);
			if (!p)
				return fail(err, errlen, t, "expects TCP flags among F S R P A U (SA: SYN and ACK)");
			f |= (uint8_t)(1u << (p - names));
		}
		if (!t->v || !t->vn)
			return fail(err, errlen, t, "expects TCP flags among F S R P A U (SA: SYN and ACK)");
		s->tcp_flags = f;
	} else {
		(void)c;
		return 1;              /* not a stream key */
	}
	return 0;
}

static int run_key(struct pg_conf *c, const struct tok *t, unsigned *seen, char *err, size_t errlen)
{
	static const char *const keys[] = { "duration", "drain", "warmup", "link", "seed", "live", "json",
					    "nolatency", "rfc2544", "trial", "tolerance", "resolution", "step",
					    "sizes", "noloss", NULL };
	unsigned k = 0;
	while (keys[k] && !key_is(t, keys[k]))
		k++;
	if (!keys[k])
		return 1;
	if (*seen & (1u << k))
		return fail(err, errlen, t, "is given twice");
	*seen |= 1u << k;
	const char *why;
	uint64_t v;
	bool bare = k == 5 || k == 6 || k == 7 || k == 8 || k == 14;
	if (bare && t->v)
		return fail(err, errlen, t, "takes no value");
	switch (k) {
	case 0:
		if (!read_ms(t, false, &c->duration_ms))
			return fail(err, errlen, t, "expects seconds > 0 (3 decimals at most)");
		break;
	case 1:
		if (!read_ms(t, true, &c->drain_ms))
			return fail(err, errlen, t, "expects seconds (3 decimals at most)");
		break;
	case 2:
		if (!read_ms(t, true, &c->warmup_ms))
			return fail(err, errlen, t, "expects seconds (3 decimals at most)");
		break;
	case 3: {
		char buf[24];
		if (!t->v || t->vn >= sizeof(buf))
			return fail(err, errlen, t, "expects a link speed such as 10G, 25G or 100M");
		memcpy(buf, t->v, t->vn);
		buf[t->vn] = 0;
		if (pg_link_parse(buf, &c->link_bps, &why) != 0)
			return fail(err, errlen, t, why);
		break;
	}
	case 4:
		if (!t->v || !read_u64(t->v, t->vn, UINT64_MAX, &v))
			return fail(err, errlen, t, "expects a number");
		c->seed = v;
		break;
	case 5: c->live = true; break;
	case 6: c->json = true; break;
	case 7: c->latency_off = true; break;
	case 8: c->rfc2544 = true; break;
	case 9:
		if (!read_ms(t, false, &c->trial_ms))
			return fail(err, errlen, t, "expects seconds > 0 (3 decimals at most)");
		break;
	case 10:
		if (!read_pct_ppb(t, 100000000u, &c->tolerance_ppb))
			return fail(err, errlen, t, "expects a percentage of frames from 0 to 10 (7 decimals at most)");
		break;
	case 11: case 12: {
		uint32_t ppb;
		if (!read_pct_ppb(t, 1000000000u, &ppb) || ppb < 1000 || ppb >= 1000000000u)
			return fail(err, errlen, t, "expects a percentage of the top rate from 0.0001 to 99.9999");
		*(k == 11 ? &c->resolution_ppm : &c->loss_step_ppm) = ppb / 1000;
		break;
	}
	case 13: {
		c->n_sizes = 0;
		size_t i = 0;
		while (t->v && i < t->vn) {
			size_t st = i;
			while (i < t->vn && t->v[i] != ':')
				i++;
			if (c->n_sizes == PG_MAX_SIZES)
				return fail(err, errlen, t, "lists more than 16 sizes");
			if (!read_u64(t->v + st, i - st, PG_MAX_FRAME, &v) || v < 64)
				return fail(err, errlen, t, "expects frame sizes from 64 to 2052 separated by ':' (64:128:1518; sluice pktgen --sizes 64,128,1518)");
			c->sizes[c->n_sizes++] = (uint16_t)v;
			i++;
		}
		if (!c->n_sizes)
			return fail(err, errlen, t, "expects frame sizes from 64 to 2052 separated by ':' (64:128:1518; sluice pktgen --sizes 64,128,1518)");
		break;
	}
	case 14: c->no_loss_curve = true; break;
	}
	return 0;
}

static const uint16_t rfc2544_sizes[] = { 64, 128, 256, 512, 1024, 1280, 1518 };

int pg_conf_parse(struct pg_conf *c, const char *opts, uint16_t n_ports, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->drain_ms = 500;
	c->trial_ms = 60000;       /* RFC 2544 26.1: at least 60 s */
	c->resolution_ppm = 5000;  /* 0.5 % of the top rate */
	c->loss_step_ppm = 100000; /* RFC 2544 26.3: 10 % steps */
	c->seed = 1;
	c->n = 1;
	stream_defaults(&c->s[0]);
	unsigned seen = 0;
	bool drain_set = false;
	const char *p = opts ? opts : "";
	while (*p) {
		size_t n = 0;
		while (p[n] && p[n] != ',' && p[n] != ' ' && p[n] != ';')
			n++;
		struct tok t = { .k = p, .kn = n };
		const char *eq = memchr(p, '=', n);
		if (eq) {
			t.kn = (size_t)(eq - p);
			t.v = eq + 1;
			t.vn = n - t.kn - 1;
		}
		if (n && !t.kn)
			return plat_snprintf(err, errlen, "pktgen: '%.*s': an option needs a name before '='", (int)n, p), -1;
		if (n) {
			struct pg_stream_conf *s = &c->s[c->n - 1];
			int r = stream_key(c, s, &t, n_ports, err, errlen);
			if (r < 0)
				return -1;
			if (r > 0) {
				drain_set |= key_is(&t, "drain");
				r = run_key(c, &t, &seen, err, errlen);
			}
			if (r < 0)
				return -1;
			if (r > 0)
				return fail(err, errlen, &t, "is not an option of pktgen (docs/PKTGEN.md lists them)");
		}
		p += n;
		if (*p == ';') {
			if (c->n == PG_MAX_STREAMS)
				return plat_snprintf(err, errlen, "pktgen: more than %u streams", PG_MAX_STREAMS), -1;
			stream_defaults(&c->s[c->n++]);
		}
		if (*p)
			p++;
	}
	for (unsigned i = 0; i < c->n; i++) {
		struct pg_stream_conf *s = &c->s[i];
		if (s->replay) {
			if (s->rate.kind == PG_RATE_PCT && !c->link_bps)
				return plat_snprintf(err, errlen, "pktgen: stream %u: a rate in percent needs the link's speed (link=10G; sluice pktgen --link 10G)", i), -1;
			continue;
		}
		bool no_src = !memcmp(s->src, (uint8_t[16]){ 0 }, 16), no_dst = !memcmp(s->dst, (uint8_t[16]){ 0 }, 16);
		if (!s->ipv)
			s->ipv = 4;
		if (s->ipv == 4) {             /* IPv4's defaults: 10.0.0.1 to 10.0.0.2 */
			const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
			if (no_src)
				memcpy(s->src, src, 4);
			if (no_dst)
				memcpy(s->dst, dst, 4);
		} else if (no_src || no_dst) {
			return plat_snprintf(err, errlen, "pktgen: stream %u: IPv6 needs both src= and dst=", i), -1;
		}
		uint16_t min = pg_min_frame(s);
		if (s->size && s->size < min)
			return plat_snprintf(err, errlen,
					     "pktgen: stream %u: size=%u: its headers and the 16-byte timestamp need %u bytes (FCS included)",
					     i, s->size, min), -1;
		if (s->rate.kind == PG_RATE_PCT && !c->link_bps)
			return plat_snprintf(err, errlen, "pktgen: stream %u: a rate in percent needs the link's speed (link=10G; sluice pktgen --link 10G)", i), -1;
		uint64_t combos = (uint64_t)s->src_n * s->dst_n;
		combos = combos > PG_MAX_FLOWS ? PG_MAX_FLOWS + 1ull : combos * s->sport_n;
		combos = combos > PG_MAX_FLOWS ? PG_MAX_FLOWS + 1ull : combos * s->dport_n;
		if (s->flows ? s->flows > combos : combos > PG_MAX_FLOWS)
			return plat_snprintf(err, errlen, s->flows ? "pktgen: stream %u: flows=%u: the ranges hold fewer combinations"
								 : "pktgen: stream %u: the ranges hold more than 1048576 combinations: say flows=N",
					     i, s->flows), -1;
	}
	if (c->rfc2544) {
		if (c->s[0].replay)
			return plat_snprintf(err, errlen, "pktgen: rfc2544 sends its own frames, not a replayed capture"), -1;
		if (c->n != 1)
			return plat_snprintf(err, errlen, "pktgen: rfc2544 runs one stream, not %u", c->n), -1;
		if (c->s[0].count)
			return plat_snprintf(err, errlen, "pktgen: rfc2544 sets each trial's length with trial=, not count="), -1;
		if (!c->n_sizes) {
			for (unsigned i = 0; i < sizeof(rfc2544_sizes) / sizeof(rfc2544_sizes[0]); i++)
				if (rfc2544_sizes[i] >= pg_min_frame(&c->s[0]))
					c->sizes[c->n_sizes++] = rfc2544_sizes[i];
		}
		for (unsigned i = 0; i < c->n_sizes; i++)
			if (c->sizes[i] < pg_min_frame(&c->s[0]))
				return plat_snprintf(err, errlen, "pktgen: sizes: %u is too small for the stream's headers and timestamp (%u)",
						     c->sizes[i], pg_min_frame(&c->s[0])), -1;
		if (!drain_set)
			c->drain_ms = 2000;   /* RFC 2544 23: wait two seconds for the stragglers */
	}
	return 0;
}
