/* bench-lb: the lb appliance's burst loop over in-memory ports, with many flows, for
 * instructions per packet (callgrind), packets a second natively against the
 * io-forwarding ceiling (l2fwd on the same ports in the same run), and the time the
 * Maglev tables take to build again.
 *
 *   bench-lb FLOWS PACKETS MODE[,OPTION...]
 *   bench-lb rebuild BACKENDS [RUNS [TABLE]]
 *   bench-lb config FLOWS
 *
 * The appliance is the lb app as sluice-hosted runs it (its setup, its stage, its tick
 * once a millisecond of the packet clock), a router between port 0 (clients) and port 1
 * (servers), set up from this config (bench-lb config FLOWS prints it, for sluice-hosted):
 *
 *   interface clients { address 172.16.0.1/24; mac 02:00:00:00:01:00 }
 *   interface servers { address 192.168.0.1/16; mac 02:00:00:00:02:00 }
 *   route 10.0.0.0/8 via 172.16.0.2              (the clients, behind a router)
 *   route 172.20.0.0/16 via 192.168.0.254        (the tunnelled backends, behind another)
 *   neighbor 172.16.0.2 lladdr 02:00:00:00:00:20 dev clients
 *   neighbor 192.168.0.254 lladdr 02:00:00:00:00:fe dev servers
 *   neighbor 192.168.1.N lladdr 02:00:00:01:00:NN dev servers    (N = 1..100, NN its hex)
 *   conntrack { max 2 x FLOWS, at least 1024 }
 *   lb { flows 2 x FLOWS, at least 1024 }          (lbflows=N: N)
 *   service dsr     { vip 198.51.100.10 udp 9; mode dsr;  backend b1 192.168.1.1 ... b100 }
 *   service dsr_tcp { vip 198.51.100.10 tcp 9; mode dsr;  the same 100 backends }
 *   service ipip    { vip 198.51.100.11 udp 9; mode dsr encap ipip; backend b1 172.20.0.1 ... }
 *   service gue     { vip 198.51.100.12 udp 9; mode dsr encap gue;  the same as ipip's }
 *   service nat     { vip 198.51.100.13 udp 9; mode nat; backend b1 192.168.1.1 port 8080 ... }
 *
 * 100 backends a service, weight 100 each, tables of 65,537 entries (the default), no
 * health checks (every backend up); the backends on the servers' link have static
 * neighbours (their MAC's last two bytes are their number).
 *
 * Traffic: 64-byte UDP/IPv4 frames (TCP ACKs with the option tcp) from the clients' router
 * to a service's VIP port 9. Flow f comes from client 10.a.b.c (a.b.c = f's low 24 bits)
 * port 1024 + f % 50000; its frames are written from a template whose IPv4 and UDP (or
 * TCP) checksums are right for every f (the type of service, IP ID and payload, or TCP's
 * sequence and acknowledgement numbers, make up for the address and port), so the "NIC"
 * only stores. The payload carries f. The nat service's answers (from the backend, port
 * 8080, to the client) are written from what the appliance sent: the first pass records
 * each flow's backend and the answer's checksums.
 *
 * Both warm-up passes check every packet that leaves (any wrong one is reported and the
 * status is 1): dsr, out of servers, the frame as it came but for the backend's MAC, our
 * MAC and the TTL (63, the IPv4 checksum right); ipip and gue: an outer IPv4 header (TTL
 * 63, from 192.168.0.1 to the backend, checksum right; gue's UDP to port 6080 and GUE's
 * header) to the tunnel router's MAC, the inner packet unchanged; nat: the destination
 * rewritten to the backend, port 8080, to its MAC, both checksums right; and the answers
 * back out of clients from the VIP port 9 to the client. dsr's second pass checks that
 * each flow went to the same backend again (the affinity table).
 *
 * MODE:
 *   dsr        the dsr service, MAC rewrite (backends on the link);
 *   dsr-ipip   the ipip service (IP-in-IP to backends behind the tunnel router);
 *   dsr-gue    the gue service (GUE, variant 0, UDP port 6080);
 *   nat        the nat service, client to backend (destination translated);
 *   nat-reply  its answers, backend to client (source translated back);
 *   nat-bidir  both at once: every round a burst from the clients and one from the servers.
 *   (all: a warm-up pass of every flow's first packet, which creates it (dsr: its affinity
 *   entry; nat: its connection), then a checked pass (dsr: the same flows again; nat: each
 *   answered once), not counted)
 * OPTION:
 *   new    every packet a new flow (FLOWS >= PACKETS, no warm-up): dsr's Maglev lookup and
 *          affinity insert, or nat's connection (conntrack entry, reply key, translation);
 *   tcp    TCP ACKs to the dsr_tcp service (dsr only: nat's conntrack would take ACKs of
 *          no handshake as invalid);
 *   lbflows=N  the affinity table's size, lb { flows N } (default twice FLOWS, as conntrack's
 *          max: the table is half full at N flows, and a bucket of four ways that gets a
 *          fifth evicts one, whose flow then takes the new-flow path again);
 *   ms=N   the packet clock: 1 ms per N packets received (default 20000, about the native
 *          rate). The clock is the packets', not the host's, so callgrind's counts repeat
 *          exactly and the ticks (the affinity table's sweep, conntrack's) come as often
 *          per packet as at the native rate.
 *
 * The measured part is measure_lb() (callgrind --toggle-collect=measure_lb), then
 * measure_io() runs l2fwd over the same ports (the same frames) for the ceiling. Prints
 * both rates and the ratio, then the counters.
 *
 * rebuild BACKENDS [RUNS [TABLE]]: the lb app set up with one nat service of BACKENDS
 * backends (on the servers' link, 192.168.0.0/16) and a table of TABLE entries (65537),
 * then, RUNS times each (21), timed: Maglev's population alone (lbm_build), the running
 * view's build (lb_set_build: the service, its backends and its table), and the appliance's
 * whole rebuild and swap (lba_set_swap, what a reload, a weight, a drain or a health check
 * costs: the backends' ids and sources, the build, the swap); with equal weights and with
 * weights 1..100. Timed in the thread's CPU time (what the build costs, not counting the
 * time other work on the machine held the CPU), and wall-clock beside. Prints
 * "rebuild<TAB>WEIGHTS<TAB>WHAT<TAB>MEDIAN_MS<TAB>MIN_MS<TAB>MAX_MS<TAB>RUNS<TAB>WALL_MEDIAN_MS"
 * lines, and "moved<TAB>WEIGHTS<TAB>ENTRIES<TAB>TABLE<TAB>SHARE<TAB>HELD" for one backend
 * going down (the one of index BACKENDS / 2 + 49: weight 50 of 1..100): the entries that
 * changed backend (Maglev's disruption) and those the backend held.
 */
#include "bench_common.h"
#include "hosted_mem.h"
#include "lb_app.h"
#include "pkt_csum.h"
#include "pkt_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_BE 100
#define SVC_PORT 9
#define NAT_BE_PORT 8080
#define GUE_PORT 6080

static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0x01, 0 }, srv_mac[6] = { 0x02, 0, 0, 0, 0x02, 0 };
static const uint8_t cli_gw_mac[6] = { 0x02, 0, 0, 0, 0, 0x20 }, tun_gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t be_mac_prefix[4] = { 0x02, 0, 0, 0x01 };    /* then the backend's number, 16 bits */
static const uint8_t srv_addr[4] = { 192, 168, 0, 1 };

enum mode { M_DSR, M_IPIP, M_GUE, M_NAT, M_NAT_REPLY, M_NAT_BIDIR };
static const char *const mode_name[] = { "dsr", "dsr-ipip", "dsr-gue", "nat", "nat-reply", "nat-bidir" };
static const uint8_t mode_vip[] = { 10, 11, 12, 13, 13, 13 };    /* 198.51.100.x */

/* What the answers need: the flow's backend (0..N_BE-1) and the answer's checksums. */
struct rec {
	uint16_t ip_csum, udp_csum;
	uint8_t be, seen;
};

static struct rec *recs;
static enum mode mode;
static bool tcp;
static uint32_t n_total;
static uint32_t lb_flows;                    /* lb { flows N }: 0, twice the flows */

/* The payload's offset: UDP's after 8 bytes, TCP's after 20 (the frame is 64 bytes either way). */
static inline unsigned pay_off(void)
{
	return tcp ? 54 : 48;
}

static uint16_t out_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	return flows_out_rx(vp, pkts, n, tcp);
}

/* The answer of flow f from its backend be (0..N_BE-1) to the client. */
static inline void in_fields(uint8_t *d, uint32_t f, uint8_t be)
{
	uint16_t port = flow_port(f);
	d[11] = (uint8_t)(be + 1);
	d[29] = (uint8_t)(be + 1);
	d[31] = (uint8_t)(f >> 16), d[32] = (uint8_t)(f >> 8), d[33] = (uint8_t)f;
	d[36] = (uint8_t)(port >> 8), d[37] = (uint8_t)port;
	wr32(d + 48, f);
	wr32(d + 52, ~f);
}

static uint16_t in_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	uint16_t got = (uint16_t)pkt_alloc_burst(vp->pool, pkts, n);
	rx_count += got;
	uint32_t next = in_next;     /* in a register: in_next is bench_common.c's */
	for (uint16_t i = 0; i < got; i++) {
		uint8_t *d = pkts[i]->data;
		uint32_t f = next;
		const struct rec *r = &recs[f];
		next = next + 1 == in_n ? 0 : next + 1;
		memcpy(d, in_tmpl, FRAME);
		in_fields(d, f, r->be);
		d[24] = (uint8_t)(r->ip_csum >> 8), d[25] = (uint8_t)r->ip_csum;
		d[40] = (uint8_t)(r->udp_csum >> 8), d[41] = (uint8_t)r->udp_csum;
		pkts[i]->len = FRAME;
		pkts[i]->port = vp->id;
	}
	in_next = next;
	return got;
}

/* ---- the warm-up's checks: what leaves each port ----------------------------------------- */

static uint64_t seen, wrong, moved_flows;
static bool second_pass;        /* dsr: the flows again, their backends checked against the first */

static void bad(const char *what, uint32_t f, const uint8_t *d, unsigned len)
{
	wrong++;
	bad_frame("flow", f, what, d, len);
}

/* The L4 checksum of the IPv4 packet at ip (20-byte header) right? (UDP's 0: none) */
static bool l4_ok(const uint8_t *ip)
{
	uint16_t len = (uint16_t)(pkt_rd16(ip + 2) - 20), off = ip[9] == 6 ? 16 : 6;
	const uint8_t *l4 = ip + 20;
	uint16_t u = pkt_l4_csum4(ip, l4, len, off), have = pkt_rd16(l4 + off);
	return u == have || (ip[9] == 17 && (have == 0 || (have == 0xffff && u == 0) || (have == 0 && u == 0xffff)));
}

static bool backend_mac(const uint8_t *m, unsigned *be)
{
	if (memcmp(m, be_mac_prefix, 4) || m[4] != 0 || m[5] < 1 || m[5] > N_BE)
		return false;
	*be = m[5] - 1u;
	return true;
}

/* The flow's backend seen: recorded (first pass) or checked against the record. */
static void note_backend(uint32_t f, unsigned be, const uint8_t *d, unsigned len)
{
	struct rec *r = &recs[f];
	if (!second_pass) {
		r->be = (uint8_t)be;
		r->seen = 1;
	} else if (!r->seen || r->be != be) {
		moved_flows++;
		bad("went to another backend than its first packet", f, d, len);
	}
}

/* servers, during the warm-up passes of clients' packets */
static uint16_t check_out_tx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = pkts[i]->data;
		unsigned len = pkts[i]->len, po = pay_off(), be = 0;
		uint8_t x[FRAME];
		seen++;
		if (mode == M_DSR || mode >= M_NAT) {
			uint32_t f = rd32(d + po);
			if (len != FRAME || f >= n_total || rd32(d + po + 4) != ~f) {
				bad("not a flow's frame out of servers", f, d, len);
				continue;
			}
			out_frame(x, f, tcp);
			bool nat = mode >= M_NAT;
			/* dsr: all as it came but the MACs, TTL and IP checksum; nat: the destination
			 * and its port too, and the UDP checksum */
			if (!backend_mac(d, &be) || memcmp(d + 6, srv_mac, 6) || memcmp(d + 12, x + 12, 10) || d[22] != 63 ||
			    d[23] != x[23] || pkt_csum(d + 14, 20) != 0 || memcmp(d + 26, x + 26, 4) ||
			    (nat ? (d[30] != 192 || d[31] != 168 || d[32] != 1 || d[33] != be + 1 ||
				    memcmp(d + 34, x + 34, 2) || pkt_rd16(d + 36) != NAT_BE_PORT || memcmp(d + 38, x + 38, 2) ||
				    memcmp(d + 42, x + 42, FRAME - 42))
				 : memcmp(d + 30, x + 30, FRAME - 30)) ||
			    !l4_ok(d + 14)) {
				bad(nat ? "not translated to a backend as it should be" : "not as it came but for the MACs and TTL",
				    f, d, len);
				continue;
			}
			note_backend(f, be, d, len);
			if (nat && !second_pass) {
				/* the answer, its checksums once */
				struct rec *r = &recs[f];
				uint8_t a[FRAME];
				memcpy(a, in_tmpl, FRAME);
				in_fields(a, f, r->be);
				answer_csums(a, &r->ip_csum, &r->udp_csum);
			}
			continue;
		}
		/* tunnels: an outer IPv4 header (and gue's UDP and GUE), then the packet as it came */
		bool gue = mode == M_GUE;
		unsigned add = gue ? 32 : 20, in_at = 14 + add;
		uint32_t f = len >= in_at + po - 14 + 8 ? rd32(d + in_at + po - 14) : UINT32_MAX;
		if (len != FRAME + add || f >= n_total || rd32(d + in_at + po - 14 + 4) != ~f) {
			bad("not a flow's tunnelled frame out of servers", f, d, len);
			continue;
		}
		out_frame(x, f, tcp);
		const uint8_t *o = d + 14;
		bool ok = !memcmp(d, tun_gw_mac, 6) && !memcmp(d + 6, srv_mac, 6) && pkt_rd16(d + 12) == 0x0800 &&
			  o[0] == 0x45 && o[1] == x[15] && pkt_rd16(o + 2) == FRAME - 14 + add && o[8] == 63 &&
			  o[9] == (gue ? 17 : 4) && pkt_csum(o, 20) == 0 && !memcmp(o + 12, srv_addr, 4) && o[16] == 172 &&
			  o[17] == 20 && o[18] == 0 && o[19] >= 1 && o[19] <= N_BE && !memcmp(d + in_at, x + 14, FRAME - 14);
		if (ok && gue) {
			const uint8_t *u = o + 20;
			ok = pkt_rd16(u) >= 0xc000 && pkt_rd16(u + 2) == GUE_PORT && pkt_rd16(u + 4) == FRAME - 14 + 12 &&
			     pkt_rd16(u + 6) == 0 && u[8] == 0 && u[9] == 4 && pkt_rd16(u + 10) == 0;
		}
		if (!ok) {
			bad("not tunnelled to a backend as it should be", f, d, len);
			continue;
		}
		note_backend(f, o[19] - 1u, d, len);
	}
	return mem_tx(vp, pkts, n);
}

/* clients, during the pass of nat's answers: each back at its client, from the VIP */
static uint16_t check_in_tx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = pkts[i]->data;
		uint32_t f = rd32(d + 48);
		seen++;
		if (pkts[i]->len != FRAME || f >= n_total || rd32(d + 52) != ~f || memcmp(d, cli_gw_mac, 6) ||
		    memcmp(d + 6, cli_mac, 6) || d[22] != 63 || d[23] != 17 || pkt_csum(d + 14, 20) != 0 || d[26] != 198 ||
		    d[27] != 51 || d[28] != 100 || d[29] != mode_vip[mode] || d[30] != 10 || d[31] != (uint8_t)(f >> 16) ||
		    d[32] != (uint8_t)(f >> 8) || d[33] != (uint8_t)f || pkt_rd16(d + 34) != SVC_PORT ||
		    pkt_rd16(d + 36) != flow_port(f) || !l4_ok(d + 14))
			bad("an answer wrong out of clients", f, d, pkts[i]->len);
	}
	return mem_tx(vp, pkts, n);
}

/* ---- frames ---------------------------------------------------------------------------------- */

static void make_templates(void)
{
	uint8_t *o = out_tmpl, *a = in_tmpl;
	tmpl_head(o, cli_mac, cli_gw_mac, 6);
	o[26] = 10;
	o[30] = 198, o[31] = 51, o[32] = 100, o[33] = mode_vip[mode];
	o[37] = SVC_PORT;
	if (tcp) {
		o[23] = 6;
		o[46] = 5 << 4;
		o[47] = 0x10;                   /* ACK */
		pkt_wr16(o + 48, 8192);
		o[38] = (uint8_t)~10;
	} else {
		o[39] = FRAME - 34;
		o[42] = (uint8_t)~10;
	}
	out_fields(o, 0, tcp);
	pkt_wr16(o + 24, pkt_csum(o + 14, 20));
	pkt_wr16(o + (tcp ? 50 : 40), pkt_l4_csum4(o + 14, o + 34, FRAME - 34, tcp ? 16 : 6));
	/* answers: from the backend (port 8080) to the client (written per flow) */
	tmpl_head(a, srv_mac, be_mac_prefix, 4);
	a[26] = 192, a[27] = 168, a[28] = 1;
	a[30] = 10;
	pkt_wr16(a + 34, NAT_BE_PORT);
	a[39] = FRAME - 34;
}

/* ---- the app on the ports ------------------------------------------------------------------ */

struct text {
	char *s;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *s = realloc(t->s, cap);
		if (!s) {
			fprintf(stderr, "bench-lb: out of memory\n");
			exit(1);
		}
		t->s = s, t->cap = cap;
	}
}

static void put_head(struct text *t)
{
	put(t, "interface clients { address 172.16.0.1/24; mac 02:00:00:00:01:00 }\n"
	       "interface servers { address 192.168.0.1/16; mac 02:00:00:00:02:00 }\n"
	       "route 10.0.0.0/8 via 172.16.0.2\n"
	       "route 172.20.0.0/16 via 192.168.0.254\n"
	       "neighbor 172.16.0.2 lladdr 02:00:00:00:00:20 dev clients\n"
	       "neighbor 192.168.0.254 lladdr 02:00:00:00:00:fe dev servers\n");
}

/* The throughput config (see the top), for FLOWS flows. */
static char *config_text(uint32_t flows)
{
	struct text t = { 0 };
	put_head(&t);
	for (unsigned i = 1; i <= N_BE; i++)
		put(&t, "neighbor 192.168.1.%u lladdr 02:00:00:01:00:%02x dev servers\n", i, i);
	uint32_t ct = flows > 512 ? 2 * flows : 1024, lf = lb_flows ? lb_flows : flows > 512 ? 2 * flows : 1024;
	put(&t, "conntrack { max %u }\nlb { flows %u }\n", ct, lf);
	static const struct {
		const char *name, *proto, *mode, *net, *port;
		unsigned vip;
	} svc[] = {
		{ "dsr", "udp", "dsr", "192.168.1", "", 10 },
		{ "dsr_tcp", "tcp", "dsr", "192.168.1", "", 10 },
		{ "ipip", "udp", "dsr encap ipip", "172.20.0", "", 11 },
		{ "gue", "udp", "dsr encap gue", "172.20.0", "", 12 },
		{ "nat", "udp", "nat", "192.168.1", " port 8080", 13 },
	};
	for (unsigned s = 0; s < sizeof(svc) / sizeof(svc[0]); s++) {
		put(&t, "service %s {\n  vip 198.51.100.%u %s %u\n  mode %s\n", svc[s].name, svc[s].vip, svc[s].proto, SVC_PORT,
		    svc[s].mode);
		for (unsigned i = 1; i <= N_BE; i++)
			put(&t, "  backend b%u %s.%u%s\n", i, svc[s].net, i, svc[s].port);
		put(&t, "}\n");
	}
	return t.s;
}

__attribute__((noinline)) uint64_t measure_lb(struct running *r, struct vnet_port **pp, uint64_t packets)
{
	return pass(r, pp, packets);
}

/* ---- rebuild --------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The thread's CPU time in seconds: what the build costs, whatever else the machine runs
 * (time waiting for a CPU is not counted; a shared cache still is). */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ms[k] and wall[k]: run k's CPU and wall-clock times, in ms */
static void report(const char *weights, const char *what, double *ms, double *wall, unsigned runs)
{
	double med = median(ms, runs), wmed = median(wall, runs);
	printf("rebuild\t%s\t%s\t%.3f\t%.3f\t%.3f\t%u\t%.3f\n", weights, what, med, ms[0], ms[runs - 1], runs, wmed);
	fflush(stdout);
}

static int rebuild_one(unsigned n_be, unsigned runs, uint32_t m, bool weighted, struct vnet_port **pp,
		       struct pkt_pool *pool)
{
	const char *wl = weighted ? "weights 1..100" : "equal weights";
	struct text t = { 0 };
	put_head(&t);
	put(&t, "service big {\n  vip 198.51.100.20 udp 9\n  mode nat\n  table %u\n", m);
	for (unsigned i = 0; i < n_be; i++) {
		put(&t, "  backend b%u 192.168.%u.%u", i + 1, 1 + i / 250, 1 + i % 250);
		if (weighted)
			put(&t, " weight %u", 1 + i % 100);
		put(&t, "\n");
	}
	put(&t, "}\n");
	struct running r;
	if (start(&r, "lb", t.s, pp, pool))
		return 1;
	struct lb_app *a = r.state;
	const struct lba_conf *c = atomic_load(&a->active);
	const struct lbc_service *cs = &c->lb.svc[0];
	double *ms = calloc(runs, sizeof(*ms)), *wall = calloc(runs, sizeof(*wall));
	struct lbm_backend *mb = calloc(n_be, sizeof(*mb));
	uint16_t *table = malloc((size_t)m * sizeof(*table));
	struct lb_backend *be = calloc(n_be, sizeof(*be));
	if (!ms || !wall || !mb || !table || !be) {
		fprintf(stderr, "bench-lb: out of memory\n");
		return 1;
	}
	/* Maglev's population alone */
	for (unsigned i = 0; i < n_be; i++) {
		mb[i].key = lb_backend_key(cs->name, cs->backend[i].name);
		mb[i].weight = cs->backend[i].weight;
	}
	for (unsigned k = 0; k < runs; k++) {
		double t0 = now_s(), c0 = cpu_s();
		if (lbm_build(table, m, mb, n_be)) {
			fprintf(stderr, "bench-lb: lbm_build failed\n");
			return 1;
		}
		ms[k] = (cpu_s() - c0) * 1e3;
		wall[k] = (now_s() - t0) * 1e3;
	}
	report(wl, "lbm_build", ms, wall, runs);
	/* the running view: the service, its backends and its table (the inputs as the
	 * appliance gives them: its running set's backends) */
	const struct lb_set *s0 = atomic_load(&a->set);
	memcpy(be, s0->svc[0].be, n_be * sizeof(*be));
	struct lb_set_input in = { .cfg = cs, .id = s0->svc[0].id, .be = be, .flow_timeout_s = c->lb.flow_timeout_udp_s };
	char err[256];
	for (unsigned k = 0; k < runs; k++) {
		double t0 = now_s(), c0 = cpu_s();
		struct lb_set *s = lb_set_build(&in, 1, err, sizeof(err));
		ms[k] = (cpu_s() - c0) * 1e3;
		wall[k] = (now_s() - t0) * 1e3;
		if (!s) {
			fprintf(stderr, "bench-lb: lb_set_build: %s\n", err);
			return 1;
		}
		lb_set_free(s);
	}
	report(wl, "lb_set_build", ms, wall, runs);
	/* the appliance's rebuild and swap (the replaced set freed between runs, untimed: no
	 * worker reads it) */
	for (unsigned k = 0; k < runs; k++) {
		double t0 = now_s(), c0 = cpu_s();
		int rc = lba_set_swap(a, c, err, sizeof(err));
		ms[k] = (cpu_s() - c0) * 1e3;
		wall[k] = (now_s() - t0) * 1e3;
		if (rc) {
			fprintf(stderr, "bench-lb: lba_set_swap: %s\n", err);
			return 1;
		}
		lba_sets_reclaim(a, true);
	}
	report(wl, "lba_set_swap", ms, wall, runs);
	/* one backend down (its health check failed): the entries that move */
	const struct lb_set *before = atomic_load(&a->set);
	uint16_t *old = malloc((size_t)m * sizeof(*old));
	if (!old)
		return 1;
	memcpy(old, before->svc[0].table, (size_t)m * sizeof(*old));
	/* the backend of index n_be / 2 + 49: with weights 1..100 one of weight 50, the middle */
	unsigned down = (n_be / 2 + 49) % n_be;
	uint16_t id = before->svc[0].be[down].id;
	a->be[id].hc = LBA_HC_DOWN;
	if (lba_set_swap(a, c, err, sizeof(err))) {
		fprintf(stderr, "bench-lb: lba_set_swap: %s\n", err);
		return 1;
	}
	const struct lb_service *v = &atomic_load(&a->set)->svc[0];
	uint32_t moved = 0, held = 0;
	for (uint32_t i = 0; i < m; i++) {
		held += old[i] == down;
		moved += old[i] != v->table[i];
	}
	printf("moved\t%s\t%u\t%u\t%.2f\t%u\n", wl, moved, m, 100.0 * moved / m, held);
	a->be[id].hc = LBA_HC_UP;
	lba_sets_reclaim(a, true);
	r.app->teardown(r.state);
	free(old);
	free(ms);
	free(wall);
	free(mb);
	free(table);
	free(be);
	free(t.s);
	return 0;
}

/* ---- main ------------------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: bench-lb FLOWS PACKETS dsr|dsr-ipip|dsr-gue|nat|nat-reply|nat-bidir[,new|tcp|lbflows=N|ms=N...]\n"
			"       bench-lb rebuild BACKENDS [RUNS [TABLE]]\n"
			"       bench-lb config FLOWS\n");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		usage();
		return 2;
	}
	hosted_mem_init();      /* the tables on huge pages, as sluice-hosted has them */
	bench_name = "bench-lb";
	if (!strcmp(argv[1], "config")) {
		uint32_t flows = (uint32_t)strtoul(argv[2], NULL, 10);
		char *t = config_text(flows ? flows : 1);
		fputs(t, stdout);
		free(t);
		return 0;
	}
	make_templates();
	struct vnet_port ports[2], *pp[2];
	struct pkt_pool *pool = ports_init(ports, pp, (const char *const[]){ "clients", "servers" }, (const uint8_t *const[]){ cli_mac, srv_mac },
					   out_rx, in_rx);
	if (!pool)
		return 1;
	if (!strcmp(argv[1], "rebuild")) {
		unsigned n_be = (unsigned)strtoul(argv[2], NULL, 10);
		unsigned runs = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 21;
		uint32_t m = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : LBM_SIZE_DEFAULT;
		if (n_be < 2 || n_be > LBC_MAX_BACKENDS || !runs || !lbm_is_prime(m) || m < LBM_SIZE_MIN || m > LBM_SIZE_MAX) {
			fprintf(stderr, "bench-lb: rebuild: need 2 <= BACKENDS <= %u, RUNS >= 1, TABLE a prime in %u..%u\n",
				LBC_MAX_BACKENDS, LBM_SIZE_MIN, LBM_SIZE_MAX);
			return 2;
		}
		printf("table\t%u\tbackends\t%u\n", m, n_be);
		int rc = rebuild_one(n_be, runs, m, false, pp, pool) || rebuild_one(n_be, runs, m, true, pp, pool);
		pkt_pool_destroy(pool);
		return rc;
	}
	if (argc < 4) {
		usage();
		return 2;
	}
	uint32_t flows = (uint32_t)strtoul(argv[1], NULL, 10);
	uint64_t packets = strtoull(argv[2], NULL, 10), ms_n = 0;
	bool mode_set = false, fresh = false;
	for (char *m = strtok(argv[3], ","); m; m = strtok(NULL, ",")) {
		bool known = false;
		for (unsigned i = 0; i < sizeof(mode_name) / sizeof(mode_name[0]); i++)
			if (!strcmp(m, mode_name[i]))
				mode = (enum mode)i, known = mode_set = true;
		if (!strcmp(m, "new"))
			fresh = known = true;
		else if (!strcmp(m, "tcp"))
			tcp = known = true;
		else if (!strncmp(m, "lbflows=", 8)) {
			char *end;
			unsigned long v = strtoul(m + 8, &end, 10);
			known = !*end && v >= 1 && v <= LBF_MAX_FLOWS;
			lb_flows = (uint32_t)v;
		} else if (!strncmp(m, "ms=", 3)) {
			char *end;
			ms_n = strtoull(m + 3, &end, 10);
			known = !*end && ms_n;
		}
		if (!known) {
			fprintf(stderr, "bench-lb: '%s': expected a mode (dsr, dsr-ipip, dsr-gue, nat, nat-reply, nat-bidir), "
					"new, tcp, lbflows=N or ms=N (N >= 1)\n", m);
			return 2;
		}
	}
	if (!flows || flows > (1u << 24) || !packets || !mode_set || (fresh && packets > flows)) {
		fprintf(stderr, "bench-lb: need 1 <= FLOWS <= 16777216, PACKETS >= 1 and a mode (new: PACKETS <= FLOWS)\n");
		return 2;
	}
	if (tcp && mode != M_DSR) {
		fprintf(stderr, "bench-lb: tcp is for dsr (MAC rewrite) only\n");
		return 2;
	}
	if (fresh && (mode == M_NAT_REPLY || mode == M_NAT_BIDIR)) {
		fprintf(stderr, "bench-lb: new: a flow's first packet comes from the client (dsr, dsr-ipip, dsr-gue or nat)\n");
		return 2;
	}
	make_templates();       /* again: the mode's VIP, and TCP */
	bool nat = mode >= M_NAT;
	n_total = flows;
	recs = calloc(flows, sizeof(*recs));
	char *config = config_text(flows);
	if (!recs || !config) {
		fprintf(stderr, "bench-lb: out of memory\n");
		return 1;
	}
	if (ms_n)
		pkts_per_ms = ms_n;
	struct running r;
	if (start(&r, "lb", config, pp, pool))
		return 1;
	struct lb_app *a = r.state;
	int rc = 0;
	out_base = 0, out_n = fresh ? (uint32_t)packets : flows, out_next = 0;
	in_n = flows, in_next = 0;
	if (!fresh) {
		/* the warm-up: every flow's first packet (creating it), checked and recorded as it
		 * leaves; then dsr's flows again (the same backends), or nat's answers */
		receive_on(pp, true, false);
		pp[1]->tx_burst = check_out_tx;
		pass(&r, pp, flows);
		uint64_t seen1 = seen, wrong1 = wrong;
		seen = wrong = 0;
		second_pass = true;
		if (nat) {
			pp[1]->tx_burst = mem_tx;
			receive_on(pp, false, true);
			pp[0]->tx_burst = check_in_tx;
		}
		pass(&r, pp, flows);
		pp[0]->tx_burst = pp[1]->tx_burst = mem_tx;
		unsigned lo = UINT32_MAX, hi = 0, used = 0;
		uint32_t per[N_BE] = { 0 };
		for (uint32_t f = 0; f < flows; f++)
			if (recs[f].seen)
				per[recs[f].be]++;
		for (unsigned i = 0; i < N_BE; i++) {
			used += per[i] > 0;
			lo = per[i] < lo ? per[i] : lo;
			hi = per[i] > hi ? per[i] : hi;
		}
		fprintf(stderr, "bench-lb: warm-up checked: %llu of %u flows' first packets out of servers, %llu wrong; %s "
				"%llu, %llu wrong; %u of %u backends given flows, %u to %u each\n",
			(unsigned long long)seen1, flows, (unsigned long long)wrong1,
			nat ? "answers back out of clients" : "their second packets to the same backend", (unsigned long long)seen,
			(unsigned long long)wrong, used, N_BE, lo, hi);
		if (wrong1 || wrong || seen1 != flows || seen != flows)
			rc = 1;
		uint64_t wd = pkt_counters_drops(&r.pipe, &r.w.cnt);
		if (wd) {
			fprintf(stderr, "bench-lb: the warm-up dropped %llu packets; the counters:\n", (unsigned long long)wd);
			r.app->report(r.state, print_line, NULL);
		}
	}
	receive_on(pp, mode != M_NAT_REPLY, mode == M_NAT_REPLY || mode == M_NAT_BIDIR);
	uint64_t drops0 = pkt_counters_drops(&r.pipe, &r.w.cnt), ins0 = a->lb.flows->c.inserted;
	uint64_t ct0 = ct_counters(a->ct)->created;
	double t0 = now_s();
	uint64_t rx = measure_lb(&r, pp, packets);
	double dt = now_s() - t0;
	uint64_t drops = pkt_counters_drops(&r.pipe, &r.w.cnt) - drops0;
	uint64_t created = nat ? ct_counters(a->ct)->created - ct0 : a->lb.flows->c.inserted - ins0;
	double mpps = (double)rx / dt / 1e6;
	const struct lbf_counters *fc = &a->lb.flows->c;
	fprintf(stderr, "bench-lb: measured: %llu packets; %llu new %s; the affinity table: %u flows held, %llu found, "
			"%llu not found, %llu evicted (both of a flow's buckets full) since the start; %u connections\n",
		(unsigned long long)rx, (unsigned long long)created, nat ? "connections" : "affinity entries",
		a->lb.flows->live, (unsigned long long)fc->hits, (unsigned long long)fc->misses,
		(unsigned long long)fc->evicted, ct_count(a->ct));
	if (drops)
		r.app->report(r.state, print_line, NULL);
	r.app->teardown(r.state);
	/* the ceiling: l2fwd on the same ports and frames */
	double io_mpps = io_ceiling(pp, pool, mode != M_NAT_REPLY, mode == M_NAT_REPLY || mode == M_NAT_BIDIR, packets);
	if (io_mpps < 0)
		return 1;
	char lf[48] = "";
	if (lb_flows)
		snprintf(lf, sizeof(lf), ", lb flows %u", lb_flows);
	printf("lb %s%s%s%s, %u flows: %.3f Mpps, io-forwarding ceiling %.3f Mpps, ratio %.1f%%, dropped %llu", mode_name[mode],
	       tcp ? ", tcp" : "", fresh ? ", new flows" : "", lf, flows, mpps, io_mpps, 100.0 * mpps / io_mpps,
	       (unsigned long long)drops);
	if (fresh)
		printf(", new flows %llu (%.3f million a second)", (unsigned long long)created, (double)created / dt / 1e6);
	printf("\n");
	free(config);
	free(recs);
	pkt_pool_destroy(pool);
	return rc;
}
