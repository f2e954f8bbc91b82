/* bench-fw: the fw appliance's burst loop over in-memory ports, with a generated ruleset
 * and many flows, for instructions per packet (callgrind) and packets per second against
 * the io-forwarding ceiling (l2fwd on the same ports in the same run).
 *
 *   bench-fw RULES FLOWS PACKETS [sparse|dense|established|new|nocsum|router|life|mgmt|mgmt-inband|commits=N|ms=N[,...]]
 *                                                                      (e.g. dense,new or sparse,mgmt)
 *
 * Traffic: 64-byte UDP/IPv4 frames into port 0, flow f from 10.(f>>16).(f>>8).f port
 * 1024+f%50000 to 192.0.2.1 port 9, cycling over FLOWS flows, with right IPv4 and UDP
 * checksums (conntrack verifies the UDP one). The ruleset is RULES rules
 * in the forward chain, policy drop, the last of which accepts the traffic; the rules
 * before it miss every packet, so every rule is a candidate and nothing short-cuts on
 * connection state:
 *   sparse  "ip saddr 10.A.B.0/24 ip daddr 172.16.C.0/24 udp dport P drop": each field
 *           matches some rules, as in a real ruleset, but few rules match on all of them;
 *   dense   the worst case for bit vectors: alternately "ip saddr 10.0.0.0/8 udp dport 7"
 *           and "ip saddr 11.0.0.0/8 udp dport 9", so half the rules match the packet on
 *           each field and none on both;
 *   established  sparse, behind a first rule "ct state established,related accept", with
 *           every flow answered once from port 1 during the warm-up: the common case of a
 *           real ruleset, where fw_fast_accept takes the packets before the classifier;
 *   new     sparse, without the warm-up: with FLOWS >= PACKETS every packet measured
 *           opens its connection, so each is judged by the classifier (connection setup);
 *   nocsum  conntrack { checksum off }: what a device that verifies the UDP checksum on
 *           receive saves;
 *   router  fw routing from lan (10.0.0.0/8) to the server on wan, a configured
 *           neighbour: the route lookup, TTL, neighbour and Ethernet rewrite on top (the
 *           "NIC" puts back what the router rewrote in each buffer it hands in).
 * And how the app runs (one of these, with any of the above):
 *   (none)  app_run() with no poll hook: the pipeline alone, as the benchmark always did;
 *   life    the app set up by app_life_setup() and run by app_life_run(), as the image and
 *           sluice-hosted run it: once a millisecond the timers, the app's tick (fw's
 *           conntrack sweep), with no management plane;
 *   mgmt    life, with the management plane up on a third in-memory port that never
 *           receives (mgmt {on, port 2, "ip=192.0.2.200/24"}): lwIP, the metrics server
 *           listening, the port polled with the once-a-millisecond work;
 *   mgmt-inband  life, with the management plane in-band on port 0 ("port=0,ip=10.255.0.1/24"):
 *           the steering stage in front of fw's looks at every packet of port 0;
 *   commits=N  life, and N times a second of the host's clock the same ruleset is loaded
 *           again through app_life_reload_start() and _poll(), as a commit on the control
 *           socket does it (parsed and compiled on a thread of its own, swapped in between
 *           bursts by the worker): the throughput against the same run without
 *           (docs/BENCHMARKS.md, "Control socket"); the time of a commit is from its start
 *           to in force;
 *   ms=N    the clock is a counter that advances 1 ms per N packets received on the app's
 *           ports, not the host's (the default of life and the mgmt modes, N 20000; give
 *           it to the plain mode too to compare like with like). Under callgrind the host's
 *           clock runs about 50 times slower against the packets, which would run the
 *           once-a-millisecond work 50 times as often per packet; the counter runs it as
 *           often as at the native rate. In the life and mgmt modes the warm-up runs
 *           320,000 more packets at 1 ms a round of 32 (10 s of the clock) first, so that
 *           lwIP is past its start (announcements, duplicate address detection, MLD,
 *           router solicitations); not with new, whose flows must stay unseen.
 *           lwIP's frames leave by the management port (in-band: port 0), whose transmit
 *           writes the benchmark's frame back into the buffer before freeing it.
 * In sparse and dense the packets measured are later packets of their connections, which
 * the decision kept in the connection takes when it can (fw_decide_flow): dense's last
 * rule looks at nothing per packet, so both are kept decisions after the warm-up.
 * One warm-up pass over the flows (creating their connections) runs first; the measured
 * part is measure_fw() (callgrind --toggle-collect=measure_fw; app_life_run() in it in the
 * life and mgmt modes), then measure_io() runs
 * l2fwd over the same ports for the ceiling. Prints both rates and the ratio.
 */
#include "app.h"
#include "app_life.h"
#include "hosted_mem.h"
#include "hosted_plat.h"
#include "mem_port.h"
#include "pkt_csum.h"
#include "pkt_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t n_flows, next_flow;
/* The packet clock (ms=N): 1 ms per pkts_per_ms packets received since base_rx, from base_ms */
static uint64_t rx_count, base_rx, base_ms, pkts_per_ms;
static bool routed;             /* the router: frames to lan's MAC, TTL and checksum restored */
static uint8_t ip_csum[2];      /* the IPv4 header checksum every flow's frame has (make_frame) */

struct mem_port {
	struct vnet_port port;
};

/* Flow fl's address 10.a.b.c and port P (its source, or the destination of an answer at
 * port_at), with the IPv4 and UDP checksums (written once, by make_frame) right for every
 * flow: the type of service is ~a and the IP ID ~b.~c, and the payload starts with
 * ~10.~a, ~b.~c and ~P, so that each changes its sum by the opposite of what the address
 * and port do (the addresses and ports change places in an answer, which does not change
 * the sums either). A NIC's part: stores, no sums. */
static inline void flow_addr(uint8_t *f, unsigned at, unsigned port_at, uint32_t fl)
{
	uint8_t a = (uint8_t)(fl >> 16), b = (uint8_t)(fl >> 8), c = (uint8_t)fl;
	uint16_t port = (uint16_t)(1024 + fl % 50000);
	f[at] = 10, f[at + 1] = a, f[at + 2] = b, f[at + 3] = c;
	f[port_at] = (uint8_t)(port >> 8), f[port_at + 1] = (uint8_t)port;
	f[15] = (uint8_t)~a, f[18] = (uint8_t)~b, f[19] = (uint8_t)~c;
	f[43] = (uint8_t)~a, f[44] = (uint8_t)~b, f[45] = (uint8_t)~c;
	f[46] = (uint8_t)~(port >> 8), f[47] = (uint8_t)~port;
}

static uint16_t mem_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	uint16_t got = (uint16_t)pkt_alloc_burst(vp->pool, pkts, n);
	rx_count += got;
	for (uint16_t i = 0; i < got; i++) {
		/* the NIC's part: a frame of the next flow */
		uint8_t *f = pkts[i]->data;
		uint32_t fl = next_flow;
		next_flow = next_flow + 1 == n_flows ? 0 : next_flow + 1;
		if (vp->id == 1) {
			/* the flow's answer, from the server on wan */
			static const uint8_t ans[12] = { 192, 0, 2, 1, 10, 0, 0, 0, 0x00, 0x09, 0, 0 };
			memcpy(f + 26, ans, sizeof(ans));
			flow_addr(f, 30, 36, fl);
			pkts[i]->len = 64;
			pkts[i]->port = vp->id;
			continue;
		}
		/* buffers come back from answers too: the whole request is written */
		if (routed) {
			/* what the router rewrote: the Ethernet header and the TTL (and so the
			 * header checksum) */
			memcpy(f, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 2 }, 6);
			f[22] = 64;
			f[24] = ip_csum[0], f[25] = ip_csum[1];
		}
		memcpy(f + 30, (const uint8_t[]){ 192, 0, 2, 1 }, 4);
		f[36] = 0x00, f[37] = 0x09;
		flow_addr(f, 26, 34, fl);
		pkts[i]->len = 64;
		pkts[i]->port = vp->id;
	}
	return got;
}


/* A frame of flow 0 (from 10.0.0.0), its IPv4 header checksum right for every flow
 * (flow_addr). */
static void make_frame(uint8_t *f)
{
	static const uint8_t hdr[42] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 0, 192, 0, 2, 1,
		0x04, 0x00, 0x00, 0x09, 0, 30, 0, 0,
	};
	memset(f, 0, 64);
	memcpy(f, hdr, sizeof(hdr));
	f[42] = (uint8_t)~10;
	flow_addr(f, 26, 34, 0);
	pkt_wr16(f + 24, pkt_csum(f + 14, 20));
	memcpy(ip_csum, f + 24, 2);
	pkt_wr16(f + 40, pkt_l4_csum4(f + 14, f + 34, 30, 6));
}

static uint64_t clock_ms(void)
{
	if (pkts_per_ms)
		return base_ms + (rx_count - base_rx) / pkts_per_ms;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The transmit of the management port, and of port 0 with in-band management: lwIP's
 * frames written over the benchmark's frame, which mem_rx() only rewrites in part, so put
 * it back (a NIC's receive would have written the whole frame). Transit traffic leaves
 * by port 1's mem_tx(). */
static uint16_t restore_tx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		pkts[i]->data = pkts[i]->buf + PKT_HEADROOM;
		make_frame(pkts[i]->data);
	}
	return mem_tx(vp, pkts, n);
}

/* From now on, 1 ms per n packets */
static void pkt_clock(uint64_t n)
{
	base_ms = clock_ms();
	base_rx = rx_count;
	pkts_per_ms = n;
}

/* The management port: never receives; what lwIP sends is freed */
static uint16_t idle_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	(void)vp, (void)pkts, (void)n;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *ruleset(unsigned rules, uint32_t flows, bool dense, bool established, bool nocsum)
{
	size_t cap = 512 + (size_t)rules * 96;
	char *t = malloc(cap);
	if (!t)
		return NULL;
	/* the router: lan holds the flows' sources, the server 192.0.2.1 is wan's neighbour */
	const char *ifaces = routed ? "interface lan { address 10.255.255.254/8; mac 02:00:00:00:00:02 }\n"
				      "interface wan { address 192.0.2.2/24; mac 02:00:00:00:01:02 }\n"
				      "neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n"
				    : "interface lan\ninterface wan\n";
	size_t n = (size_t)snprintf(t, cap, "%sconntrack { max %u%s }\nchain forward policy drop {\n", ifaces,
				    flows * 2 > 1024 ? flows * 2 : 1024, nocsum ? "; checksum off" : "");
	if (established)
		n += (size_t)snprintf(t + n, cap - n, "ct state established,related accept\n");
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	for (unsigned r = 0; r + 1 < rules; r++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		if (dense)
			n += (size_t)snprintf(t + n, cap - n, "ip saddr %s udp dport %u drop\n", r & 1 ? "11.0.0.0/8" : "10.0.0.0/8",
					      r & 1 ? 9 : 7);
		else
			n += (size_t)snprintf(t + n, cap - n, "ip saddr 10.%u.%u.0/24 ip daddr 172.16.%u.0/24 udp dport %u drop\n",
					      (unsigned)(rng & 255), (unsigned)(rng >> 8 & 255), (unsigned)(rng >> 16 & 255),
					      (unsigned)(rng >> 24 & 1023));
	}
	snprintf(t + n, cap - n, "iif lan udp dport 9 accept\n}\n");
	return t;
}

static volatile sig_atomic_t never;

/* commits=N: a reload of commit_text every commit_every seconds of the host's clock */
static double commit_every, next_commit, commit_time, commit_worst, apply_time, apply_worst;
static uint64_t n_commits;
static const char *commit_text;

static void commit_poll(void *arg)
{
	static bool building;
	static double started;
	char err[512];
	if (building) {                      /* the control socket's way: built off the loop */
		double p0 = now_s();
		int rc = app_life_reload_poll(arg, err, sizeof(err));
		if (rc == 1)
			return;
		double applied = now_s() - p0;  /* the half on the worker's thread */
		apply_time += applied;
		if (applied > apply_worst)
			apply_worst = applied;
		if (rc != 0)
			fprintf(stderr, "bench-fw: commit refused: %s\n", err);
		building = false;
		double took = now_s() - started;
		commit_time += took;
		if (took > commit_worst)
			commit_worst = took;
		n_commits++;
		return;
	}
	double t = now_s();
	if (t < next_commit)
		return;
	next_commit += commit_every;
	struct plat_blob b = { "bench.conf", commit_text, strlen(commit_text) };
	if (app_life_reload_start(arg, &b) == 0) {
		building = true;
		started = t;
	}
}

__attribute__((noinline)) uint64_t measure_fw(struct pkt_worker *w, struct vnet_port **pp, const struct app_run_limits *lim,
					      struct app_life *life)
{
	if (life)
		return app_life_run(life, &never, lim->max_rx_pkts, commit_every > 0 ? commit_poll : NULL, life);
	return app_run(w, pp, 2, &never, lim);
}

__attribute__((noinline)) uint64_t measure_io(struct pkt_worker *w, struct vnet_port **pp, const struct app_run_limits *lim)
{
	return app_run(w, pp, 2, &never, lim);
}

static void print_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "bench-fw: %s\n", line);
}

enum life_mode { RUN_PLAIN, RUN_LIFE, RUN_MGMT, RUN_MGMT_INBAND };

#define LWIP_WARMUP_PKTS 320000   /* 10 s of the clock at 1 ms a round of 32: lwIP past its start */

/* Runs app over the ports: a warm-up pass over the flows, then packets measured. fw runs
 * as mode says (plain: app_run; else through the life cycle, with mport the management
 * port of RUN_MGMT). */
static int run(const char *name, const char *config, uint64_t packets, struct vnet_port **pp, enum life_mode mode,
	       struct vnet_port *mport, bool answer, bool fresh, double *mpps, uint64_t *drops)
{
	const struct app_def *app = app_find(name);
	char err[512];
	void *state = NULL;
	static struct pkt_worker w0;
	static struct app_life life;   /* large: the worker's queues and counters */
	struct pkt_worker *w = &w0;
	struct pkt_pipeline pipe = { .n_ports = 2, .port_names = { "mem0", "mem1" } };
	struct pkt_pipeline *pl = &pipe;
	if (mode != RUN_PLAIN) {
		struct app_life_conf c = { .app = app, .ports = { pp[0], pp[1] }, .n_ports = 2, .pool = pp[0]->pool,
					   .who = "bench-fw", .opts = "", .has_config = config != NULL,
					   .config = { "bench.conf", config, config ? strlen(config) : 0 } };
		if (mode == RUN_MGMT)
			c.mgmt = (struct mg_conf){ .on = true, .port = mport, .addr = "ip=192.0.2.200/24" };
		else if (mode == RUN_MGMT_INBAND)
			c.mgmt = (struct mg_conf){ .on = true, .addr = "port=0,ip=10.255.0.1/24" };
		if (app_life_setup(&life, &c, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench-fw: %s\n", err);
			return -1;
		}
		w = &life.w;
		pl = &life.pipe;
	} else {
		struct app_env env = { .opts = "", .config = config, .config_len = config ? strlen(config) : 0,
				       .config_name = "bench.conf" };
		if (app->setup(&pipe, &state, &env, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench-fw: %s\n", err);
			return -1;
		}
		pkt_worker_init(w, &pipe);
	}
	struct app_run_limits warm = { .max_rx_pkts = n_flows, .clock_ms = clock_ms };
#define WARM() (mode != RUN_PLAIN ? app_life_run(&life, &never, warm.max_rx_pkts, NULL, NULL) : app_run(w, pp, 2, &never, &warm))
	next_flow = 0;
	if (!fresh)
		WARM();
	if (answer) {
		/* every flow answered once from wan: established from here on */
		pp[0]->rx_done = true, pp[1]->rx_done = false;
		next_flow = 0;
		WARM();
		pp[0]->rx_done = false, pp[1]->rx_done = true;
	}
	uint64_t n_per_ms = pkts_per_ms;
	if (mode != RUN_PLAIN && !fresh) {
		/* lwIP's start (and fw's sweeps) on a fast clock, out of the count */
		pkt_clock(PKT_BURST);
		warm.max_rx_pkts = LWIP_WARMUP_PKTS;
		WARM();
	}
#undef WARM
	if (n_per_ms)
		pkt_clock(n_per_ms);
	uint64_t drops0 = pkt_counters_drops(pl, &w->cnt);
	uint64_t ms0 = clock_ms();
	struct app_run_limits lim = { .max_rx_pkts = packets, .clock_ms = clock_ms };
	double t0 = now_s();
	next_commit = t0 + commit_every;
	uint64_t rx = config ? measure_fw(w, pp, &lim, mode != RUN_PLAIN ? &life : NULL) : measure_io(w, pp, &lim);
	double dt = now_s() - t0;
	*mpps = (double)rx / dt / 1e6;
	*drops = pkt_counters_drops(pl, &w->cnt) - drops0;
	if (config && n_per_ms)
		fprintf(stderr, "bench-fw: the packet clock: %llu ms measured (1 ms per %llu packets)\n",
			(unsigned long long)(clock_ms() - ms0), (unsigned long long)n_per_ms);
	if (*drops && mode != RUN_PLAIN)
		app_life_report(&life, print_line, NULL, NULL, NULL);
	if (mode != RUN_PLAIN) {
		char desc[200];
		if (mode != RUN_LIFE && app_mgmt->describe(&life, desc, sizeof(desc)))
			fprintf(stderr, "bench-fw: management: %s\n", desc);
		app_life_teardown(&life);
	} else if (app->teardown) {
		app->teardown(state);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench-fw RULES FLOWS PACKETS [sparse|dense|established|new|nocsum|router|life|mgmt|"
				"mgmt-inband|commits=N|ms=N[,...]]\n");
		return 2;
	}
	hosted_mem_init();      /* the connection table on huge pages, as sluice-hosted has it */
	unsigned rules = (unsigned)strtoul(argv[1], NULL, 10);
	n_flows = (uint32_t)strtoul(argv[2], NULL, 10);
	uint64_t packets = strtoull(argv[3], NULL, 10);
	/* MODE: sparse, dense, established or new, or two of them joined by a comma */
	bool dense = false, established = false, fresh = false, nocsum = false;
	enum life_mode mode = RUN_PLAIN;
	uint64_t ms_n = 0;
	for (char *m = argc > 4 ? strtok(argv[4], ",") : NULL; m; m = strtok(NULL, ",")) {
		if (!strcmp(m, "life") || !strcmp(m, "mgmt") || !strcmp(m, "mgmt-inband")) {
			mode = !strcmp(m, "life") ? RUN_LIFE : !strcmp(m, "mgmt") ? RUN_MGMT : RUN_MGMT_INBAND;
			continue;
		}
		if (!strncmp(m, "commits=", 8)) {
			char *end;
			double per_s = strtod(m + 8, &end);
			if (*end || per_s <= 0 || per_s > 1000) {
				fprintf(stderr, "bench-fw: commits=N: N commits a second, 0 < N <= 1000, got '%s'\n", m + 8);
				return 2;
			}
			commit_every = 1.0 / per_s;
			if (mode == RUN_PLAIN)
				mode = RUN_LIFE;
			continue;
		}
		if (!strncmp(m, "ms=", 3)) {
			char *end;
			ms_n = strtoull(m + 3, &end, 10);
			if (*end || !ms_n) {
				fprintf(stderr, "bench-fw: ms=N: N packets a millisecond, N >= 1, got '%s'\n", m + 3);
				return 2;
			}
			continue;
		}
		dense |= !strcmp(m, "dense");
		established |= !strcmp(m, "established");
		fresh |= !strcmp(m, "new");
		nocsum |= !strcmp(m, "nocsum");
		routed |= !strcmp(m, "router");
		if (strcmp(m, "dense") && strcmp(m, "established") && strcmp(m, "new") && strcmp(m, "sparse") &&
		    strcmp(m, "nocsum") && strcmp(m, "router")) {
			fprintf(stderr, "bench-fw: unknown mode '%s' (sparse, dense, established, new, nocsum, router, life, mgmt, "
					"mgmt-inband, ms=N)\n", m);
			return 2;
		}
	}
	if (routed && established) {
		fprintf(stderr, "bench-fw: the router's answers would need a neighbour per flow: no 'established' with it\n");
		return 2;
	}
	if (!rules || !n_flows || n_flows > (1u << 24) || !packets) {
		fprintf(stderr, "bench-fw: need RULES >= 1, 1 <= FLOWS <= 16777216, PACKETS >= 1\n");
		return 2;
	}
	if (mode != RUN_PLAIN && !ms_n)
		ms_n = 20000;
	if (ms_n) {
		/* the platform's clock (the life cycle's, lwIP's) is the bench's packet clock */
		pkts_per_ms = ms_n;
		hosted_plat_set_clock_ms(clock_ms);
	}
	struct pkt_pool *pool = pkt_pool_create("bench", 4096);
	char *config = ruleset(rules, n_flows, dense, established, nocsum);
	commit_text = config;
	if (!pool || !config) {
		fprintf(stderr, "bench-fw: out of memory\n");
		return 1;
	}
	struct pkt_buf *all[4096];
	unsigned n = pkt_alloc_burst(pool, all, 4096);
	for (unsigned i = 0; i < n; i++)
		make_frame(all[i]->data);
	pkt_free_burst(all, n);
	struct mem_port ports[3];
	struct vnet_port *pp[2];
	for (uint16_t i = 0; i < 3; i++) {
		memset(&ports[i], 0, sizeof(ports[i]));
		snprintf(ports[i].port.name, sizeof(ports[i].port.name), i == 2 ? "mgmt" : "mem%u", i);
		memcpy(ports[i].port.mac, (const uint8_t[]){ 0x02, 0, 0, 0, (uint8_t)i, 2 }, 6);
		if (i == 2) {   /* the management port (mgmt): idle */
			ports[i].port.rx_burst = idle_rx;
			ports[i].port.tx_burst = restore_tx;
			ports[i].port.ops = &mem_ops;
			ports[i].port.id = i;
			ports[i].port.pool = pool;
			break;
		}
		ports[i].port.rx_burst = mem_rx;
		ports[i].port.tx_burst = i == 0 && mode == RUN_MGMT_INBAND ? restore_tx : mem_tx;
		ports[i].port.ops = &mem_ops;
		ports[i].port.id = i;
		ports[i].port.pool = pool;
		ports[i].port.rx_done = i == 1;   /* traffic enters on lan only */
		pp[i] = &ports[i].port;
	}
	double fw_mpps, io_mpps;
	uint64_t fw_drops, io_drops;
	if (run("fw", config, packets, pp, mode, &ports[2].port, established, fresh, &fw_mpps, &fw_drops) ||
	    run("l2fwd", NULL, packets, pp, RUN_PLAIN, NULL, false, fresh, &io_mpps, &io_drops))
		return 1;
	static const char *const mode_name[] = { "", ", life", ", mgmt", ", mgmt in-band" };
	printf("fw %u rules (%s%s%s%s%s%s), %u flows: %.3f Mpps, io-forwarding ceiling %.3f Mpps, ratio %.1f%%, dropped %llu\n",
	       rules, dense ? "dense" : "sparse", established ? ", established" : "", fresh ? ", new" : "",
	       nocsum ? ", checksum off" : "", routed ? ", router" : "", mode_name[mode], n_flows, fw_mpps, io_mpps,
	       100.0 * fw_mpps / io_mpps, (unsigned long long)fw_drops);
	if (n_commits)
		printf("commits: %llu during the measure, %.3f ms each from start to in force on average, %.3f ms at most; "
		       "on the worker's thread %.3f ms on average, %.3f ms at most\n",
		       (unsigned long long)n_commits, commit_time / (double)n_commits * 1e3, commit_worst * 1e3,
		       apply_time / (double)n_commits * 1e3, apply_worst * 1e3);
	free(config);
	pkt_pool_destroy(pool);
	return fw_drops ? 1 : 0;
}
