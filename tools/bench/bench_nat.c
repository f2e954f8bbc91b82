/* bench-nat: the nat appliance's burst loop over in-memory ports, with many sessions, for
 * instructions per packet (callgrind), packets and new sessions a second natively against
 * the io-forwarding ceiling (l2fwd on the same ports in the same run), and the memory a
 * session costs.
 *
 *   bench-nat SESSIONS PACKETS MODE[,OPTION...]
 *   bench-nat mem MAX
 *
 * The appliance is the nat app as sluice-hosted runs it (its setup, its stage, its tick
 * once a millisecond), a router between port 0 (lan) and port 1 (wan):
 *
 *   interface lan { address 172.16.0.1/24; mac 02:00:00:00:01:00 }
 *   interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }
 *   route 10.0.0.0/8 via 172.16.0.2          (the inside hosts, behind a lan router)
 *   route 0.0.0.0/0 via 192.0.2.1
 *   neighbor 172.16.0.2 lladdr 02:00:00:00:00:20 dev lan
 *   neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan
 *   conntrack { max 2 x SESSIONS, at least 1024 }
 *   chain postrouting { oif wan ip saddr 10.0.0.0/8 snat to 192.0.2.100-192.0.2.131 }
 *
 * 32 outside addresses (2 million ports of each protocol): a million sessions fill half of
 * them. The nat block is left at its defaults (address-dependent filtering, ports
 * preserved when free, parity kept, host-limit 8192).
 *
 * Traffic: 64-byte UDP/IPv4 frames. Session f goes from inside host 10.a.b.c (a.b.c = f's
 * low 24 bits, one session a host) port 1024 + f % 50000 to 198.51.100.1 port 9; its
 * packets from lan are written from a template whose IPv4 and UDP checksums are right for
 * every f (the type of service, IP ID and payload make up for the address and port), so
 * the "NIC" only stores. The payload carries f. The answers from wan (198.51.100.1:9 to
 * the session's outside address and port) are written from what the NAT sent: the first
 * (warm-up) pass records each session's outside address and port as it leaves by wan, and
 * the answer frame with its checksums, 12 bytes a session.
 *
 * Both warm-up passes check every packet: out, the source is a pool address, the
 * destination and the payload untouched, TTL 63, the next hop's MAC, both checksums
 * right; back in, the destination is the session's inside address and port again. Any
 * packet wrong is reported and the status is 1.
 *
 * MODE:
 *   out    later packets of SESSIONS established sessions, lan to wan (translated source);
 *   in     the same sessions' answers, wan to lan (translated destination);
 *   bidir  both at once: every round a burst from lan and one from wan;
 *          (all three: a warm-up pass out, which creates the sessions, then one back, which
 *          answers each, not counted)
 *   new    every packet opens a session (SESSIONS >= PACKETS, no warm-up): new sessions a
 *          second into an empty table sized to hold SESSIONS (conntrack max SESSIONS), the
 *          allocation path (conntrack entry, mapping, port, reply key);
 *   churn  a table of SESSIONS (conntrack max SESSIONS, timeout udp 1) filled by a first,
 *          uncounted pass, then PACKETS more new sessions, each into the full table while
 *          the oldest expire: the packet clock runs 1 ms per SESSIONS / 1000 packets, so a
 *          table's worth of sessions is the UDP timeout (1 s); each new session frees an
 *          expired (or evicts an unanswered) one, its mapping and port.
 * OPTION:
 *   fw      the fw app instead, as a router on the same interfaces, routes and traffic, its
 *           forward chain "ct state established,related accept; iif lan accept" (policy
 *           drop): what the NAT adds to a tracked router (no translation: the answers go to
 *           the inside addresses);
 *   masq    "masquerade" to wan's one address instead of the 32-address pool (up to 64,512
 *           sessions);
 *   ms=N    the packet clock: 1 ms per N packets received (default 20000, about the native
 *           rate; churn: SESSIONS / 1000). The clock is the packets', not the host's, so
 *           callgrind's counts repeat exactly and the ticks (conntrack's sweep) come as
 *           often per packet as at the native rate.
 *
 * The measured part is measure_nat() (callgrind --toggle-collect=measure_nat), then
 * measure_io() runs l2fwd over the same ports (the same frames) for the ceiling. Prints
 * both rates and the ratio, then the counters.
 *
 * mem MAX: the nat app set up with conntrack { max MAX } (its sizing: the connection table
 * indexed for two keys an entry, mappings as many as connections), and what its tables
 * hold, part by part, in bytes and bytes per session at that capacity, as lines
 * "mem<TAB>PART<TAB>BYTES<TAB>PER_SESSION<TAB>WHAT"; and the heap the whole setup took
 * (mallinfo2: everything, the router's and the fw ruleset's too).
 */
#include "bench_common.h"
#include "ct_internal.h"
#include "hosted_mem.h"
#include "nat_app.h"
#include "nat_h64.h"
#include "pkt_csum.h"
#include "pkt_parse.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_FIRST 100          /* the pool: 192.0.2.100 ... */
#define POOL_ADDRS 32

static const uint8_t lan_mac[6] = { 0x02, 0, 0, 0, 0x01, 0 }, wan_mac[6] = { 0x02, 0, 0, 0, 0x02, 0 };
static const uint8_t lan_gw_mac[6] = { 0x02, 0, 0, 0, 0, 0x20 }, wan_gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t server[4] = { 198, 51, 100, 1 };

/* What a session's answer needs: the outside address and port its packets left with, and
 * the answer frame's two checksums. */
struct rec {
	uint8_t addr[4];
	uint16_t port, ip_csum, udp_csum;
	uint16_t _pad;
};

static struct rec *recs;
static bool fw_mode, masq;
static uint32_t n_total;                     /* sessions the run may name */

static uint16_t out_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	return flows_out_rx(vp, pkts, n, false);
}

static inline void in_fields(uint8_t *d, uint32_t f, const struct rec *r)
{
	memcpy(d + 30, r->addr, 4);
	d[36] = (uint8_t)(r->port >> 8), d[37] = (uint8_t)r->port;
	d[24] = (uint8_t)(r->ip_csum >> 8), d[25] = (uint8_t)r->ip_csum;
	d[40] = (uint8_t)(r->udp_csum >> 8), d[41] = (uint8_t)r->udp_csum;
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
		next = next + 1 == in_n ? 0 : next + 1;
		memcpy(d, in_tmpl, FRAME);
		in_fields(d, f, &recs[f]);
		pkts[i]->len = FRAME;
		pkts[i]->port = vp->id;
	}
	in_next = next;
	return got;
}

/* ---- the warm-up's checks: what leaves each port ----------------------------------------- */

static uint64_t out_seen, out_bad, in_seen, in_bad, pool_used[POOL_ADDRS];

static void bad(const char *what, uint32_t f, const uint8_t *d)
{
	bad_frame("session", f, what, d, FRAME);
}

static bool csums_ok(const uint8_t *d)
{
	uint16_t u = pkt_l4_csum4(d + 14, d + 34, FRAME - 34, 6), have = (uint16_t)(d[40] << 8 | d[41]);
	return pkt_csum(d + 14, 20) == 0 && (u == have || (have == 0xffff && u == 0) || (have == 0 && u == 0xffff));
}

/* wan, during the pass out: each session's packet as translated, recorded for its answers */
static uint16_t record_tx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = pkts[i]->data;
		uint32_t f = rd32(d + 48);
		out_seen++;
		if (pkts[i]->len != FRAME || f >= n_total || rd32(d + 52) != ~f) {
			out_bad++;
			bad("not a session's frame out of wan", f, d);
			continue;
		}
		uint8_t in_addr[4] = { 10, (uint8_t)(f >> 16), (uint8_t)(f >> 8), (uint8_t)f };
		uint32_t src = rd32(d + 26);
		bool src_ok = fw_mode ? !memcmp(d + 26, in_addr, 4)
			    : masq  ? src == 0xc0000202u
				    : src >= 0xc0000200u + POOL_FIRST && src < 0xc0000200u + POOL_FIRST + POOL_ADDRS;
		if (!src_ok || memcmp(d, wan_gw_mac, 6) || memcmp(d + 6, wan_mac, 6) || d[22] != 63 ||
		    memcmp(d + 30, server, 4) || d[36] != 0 || d[37] != 9 || !csums_ok(d) ||
		    (fw_mode && (d[34] << 8 | d[35]) != flow_port(f))) {
			out_bad++;
			bad("wrong out of wan", f, d);
			continue;
		}
		if (!fw_mode && !masq)
			pool_used[src - (0xc0000200u + POOL_FIRST)]++;
		struct rec *r = &recs[f];
		memcpy(r->addr, d + 26, 4);
		r->port = (uint16_t)(d[34] << 8 | d[35]);
		/* the answer, its checksums once */
		uint8_t a[FRAME];
		memcpy(a, in_tmpl, FRAME);
		in_fields(a, f, r);
		answer_csums(a, &r->ip_csum, &r->udp_csum);
	}
	return mem_tx(vp, pkts, n);
}

/* lan, during the pass back: each answer back at its inside host and port */
static uint16_t check_tx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = pkts[i]->data;
		uint32_t f = rd32(d + 48);
		in_seen++;
		uint8_t in_addr[4] = { 10, (uint8_t)(f >> 16), (uint8_t)(f >> 8), (uint8_t)f };
		if (pkts[i]->len != FRAME || f >= n_total || rd32(d + 52) != ~f || memcmp(d, lan_gw_mac, 6) ||
		    memcmp(d + 6, lan_mac, 6) || d[22] != 63 || memcmp(d + 26, server, 4) || memcmp(d + 30, in_addr, 4) ||
		    d[34] != 0 || d[35] != 9 || (d[36] << 8 | d[37]) != flow_port(f) || !csums_ok(d)) {
			in_bad++;
			bad("wrong out of lan", f, d);
		}
	}
	return mem_tx(vp, pkts, n);
}

/* ---- frames ---------------------------------------------------------------------------------- */

static void make_templates(void)
{
	uint8_t *o = out_tmpl, *a = in_tmpl;
	tmpl_head(o, lan_mac, lan_gw_mac, 6);
	o[26] = 10;
	memcpy(o + 30, server, 4);
	o[37] = 9;
	o[39] = FRAME - 34;
	o[42] = (uint8_t)~10;
	out_fields(o, 0, false);
	pkt_wr16(o + 24, pkt_csum(o + 14, 20));
	pkt_wr16(o + 40, pkt_l4_csum4(o + 14, o + 34, FRAME - 34, 6));
	/* answers: from the server to the session's outside address (written per session) */
	tmpl_head(a, wan_mac, wan_gw_mac, 6);
	memcpy(a + 26, server, 4);
	a[35] = 9;
	a[39] = FRAME - 34;
}

/* ---- the app on the ports ------------------------------------------------------------------ */

static char *config_text(uint32_t max, bool churn)
{
	char *t = malloc(2048);
	if (!t)
		return NULL;
	size_t n = (size_t)snprintf(t, 2048,
				    "interface lan { address 172.16.0.1/24; mac 02:00:00:00:01:00 }\n"
				    "interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }\n"
				    "route 10.0.0.0/8 via 172.16.0.2\n"
				    "route 0.0.0.0/0 via 192.0.2.1\n"
				    "neighbor 172.16.0.2 lladdr 02:00:00:00:00:20 dev lan\n"
				    "neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n"
				    "conntrack { max %u%s }\n",
				    max, churn ? "; timeout udp 1" : "");
	if (fw_mode)
		snprintf(t + n, 2048 - n, "chain forward policy drop {\n  ct state established,related accept\n  iif lan accept\n}\n");
	else if (masq)
		snprintf(t + n, 2048 - n, "chain postrouting {\n  oif wan ip saddr 10.0.0.0/8 masquerade\n}\n");
	else
		snprintf(t + n, 2048 - n, "chain postrouting {\n  oif wan ip saddr 10.0.0.0/8 snat to 192.0.2.%u-192.0.2.%u\n}\n",
			 POOL_FIRST, POOL_FIRST + POOL_ADDRS - 1);
	return t;
}

__attribute__((noinline)) uint64_t measure_nat(struct running *r, struct vnet_port **pp, uint64_t packets)
{
	return pass(r, pp, packets);
}

enum mode { M_OUT, M_IN, M_BIDIR, M_NEW, M_CHURN };

/* ---- mem -------------------------------------------------------------------------------------- */

static size_t heap_now(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

static void mem_line(const char *part, size_t bytes, uint32_t max, const char *what)
{
	printf("mem\t%s\t%zu\t%.2f\t%s\n", part, bytes, (double)bytes / max, what);
}

static int mem_report(uint32_t max, struct vnet_port **pp, struct pkt_pool *pool)
{
	char *config = config_text(max, false);
	size_t h0 = heap_now();
	struct running r;
	if (!config || start(&r, "nat", config, pp, pool))
		return 1;
	size_t heap = heap_now() - h0;
	struct nat_app *a = r.state;
	const struct ct_table *t = a->ct;
	uint32_t me = t->cfg.max_entries;
	/* the map's limits as nata_setup sets them: mappings, hosts and ADF remotes as many as
	 * connections; outside addresses twice the pools' (at least 8) */
	struct nat_h64 *ix = nat_h64_create(me, 1);
	size_t ix_bytes = ix ? nat_h64_memory(ix) : 0;
	uint32_t ix_slots = ix ? nat_h64_capacity(ix) : 0;
	nat_h64_destroy(ix);
	size_t map_total = nat_map_memory(a->nat.map);
	size_t map_records = (size_t)me * sizeof(struct nat_mapping), map_hosts = (size_t)me * 8;
	uint32_t addrs = 2 * (masq ? 8 : POOL_ADDRS);
	size_t map_ports = (size_t)addrs * NAT_PROTO__COUNT * 1024 * 8;
	size_t map_fixed = map_total - map_records - map_hosts - 4 * ix_bytes;   /* port bitmaps, addresses, the rest */
	size_t ct_entries = (size_t)me * sizeof(struct ct_entry), ct_free = (size_t)me * sizeof(uint32_t);
	size_t ct_index = (size_t)t->n_buckets * sizeof(struct ct_bucket), ct_spill = t->n_buckets;
	char what[200];
	printf("max\t%u\tbuckets\t%u\tindex_slots\t%u\n", me, t->n_buckets, ix_slots);
	mem_line("ct_entry", ct_entries, me, "conntrack entries, 128 bytes each (two cache lines: the key, the reply key, state, TCP windows)");
	mem_line("ct_free", ct_free, me, "conntrack's free stack, 4 bytes an entry");
	snprintf(what, sizeof(what), "conntrack's index: %u buckets of 8 slots (64 bytes), for 2 keys an entry at most half full", t->n_buckets);
	mem_line("ct_index", ct_index, me, what);
	mem_line("ct_spill", ct_spill, me, "conntrack's spill counts, a byte a bucket");
	mem_line("map_record", map_records, me, "mapping records, 32 bytes, as many as connections");
	mem_line("map_host", map_hosts, me, "inside host records, 8 bytes, as many as connections");
	snprintf(what, sizeof(what), "the mappings' index by inside endpoint: %u slots of 12 bytes (at most 3/4 full)", ix_slots);
	mem_line("map_ix_in", ix_bytes, me, what);
	mem_line("map_ix_out", ix_bytes, me, "the mappings' index by outside endpoint, the same size");
	mem_line("map_ix_host", ix_bytes, me, "the inside hosts' index, the same size");
	mem_line("map_ix_remote", ix_bytes, me, "the index of (mapping, remote address) pairs for address-dependent filtering, the same size");
	snprintf(what, sizeof(what), "fixed: port bitmaps of %u outside addresses (%zu), address records, the map itself", addrs,
		 map_ports);
	mem_line("map_fixed", map_fixed, me, what);
	size_t total = ct_entries + ct_free + ct_index + ct_spill + map_total;
	mem_line("total", total, me, "the connection table and the NAT's mappings");
	mem_line("heap", heap, me, "the heap the whole setup took (mallinfo2): the tables, the router's neighbour cache and fragment table, the config");
	r.app->teardown(r.state);
	free(config);
	return 0;
}

/* ---- main ------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "mem") && argc < 4)) {
		fprintf(stderr, "usage: bench-nat SESSIONS PACKETS out|in|bidir|new|churn[,fw|masq|ms=N...]\n"
				"       bench-nat mem MAX\n");
		return 2;
	}
	hosted_mem_init();      /* the tables on huge pages, as sluice-hosted has them */
	bench_name = "bench-nat";
	bool mem = !strcmp(argv[1], "mem");
	uint32_t sessions = (uint32_t)strtoul(argv[mem ? 2 : 1], NULL, 10);
	uint64_t packets = mem ? 0 : strtoull(argv[2], NULL, 10);
	enum mode mode = M_OUT;
	uint64_t ms_n = 0;
	bool mode_set = false;
	for (char *m = mem ? NULL : strtok(argv[3], ","); m; m = strtok(NULL, ",")) {
		static const char *const names[] = { "out", "in", "bidir", "new", "churn" };
		bool known = false;
		for (unsigned i = 0; i < 5; i++)
			if (!strcmp(m, names[i]))
				mode = (enum mode)i, known = mode_set = true;
		if (!strcmp(m, "fw"))
			fw_mode = known = true;
		else if (!strcmp(m, "masq"))
			masq = known = true;
		else if (!strncmp(m, "ms=", 3)) {
			char *end;
			ms_n = strtoull(m + 3, &end, 10);
			known = !*end && ms_n;
		}
		if (!known) {
			fprintf(stderr, "bench-nat: '%s': expected out, in, bidir, new or churn, fw, masq or ms=N (N >= 1)\n", m);
			return 2;
		}
	}
	uint32_t churn_extra = mode == M_CHURN ? (uint32_t)packets : 0;
	if (!sessions || sessions > (1u << 23) || (!mem && (!packets || !mode_set)) || (mode == M_NEW && packets > sessions) ||
	    (uint64_t)sessions + churn_extra > (1u << 24) - 2 || (masq && sessions > 60000 && mode != M_NEW && mode != M_CHURN)) {
		fprintf(stderr, "bench-nat: need 1 <= SESSIONS <= 8388608, PACKETS >= 1 and a mode (new: PACKETS <= SESSIONS; "
				"churn: SESSIONS + PACKETS < 2^24; masq: SESSIONS <= 60000)\n");
		return 2;
	}
	if (fw_mode && masq) {
		fprintf(stderr, "bench-nat: fw or masq, not both\n");
		return 2;
	}
	if (fw_mode && mode == M_CHURN) {
		fprintf(stderr, "bench-nat: churn is the NAT's (its mappings freed with their connections)\n");
		return 2;
	}
	make_templates();
	struct vnet_port ports[2], *pp[2];
	struct pkt_pool *pool = ports_init(ports, pp, (const char *const[]){ "lan", "wan" }, (const uint8_t *const[]){ lan_mac, wan_mac },
					   out_rx, in_rx);
	if (!pool)
		return 1;
	if (mem)
		return mem_report(sessions, pp, pool);

	bool fresh = mode == M_NEW || mode == M_CHURN;
	uint32_t max = fresh ? sessions : sessions * 2 > 1024 ? sessions * 2 : 1024;
	n_total = sessions + churn_extra;
	recs = calloc(fresh ? 1 : sessions, sizeof(*recs));
	char *config = config_text(max, mode == M_CHURN);
	if (!recs || !config) {
		fprintf(stderr, "bench-nat: out of memory\n");
		return 1;
	}
	if (ms_n)
		pkts_per_ms = ms_n;
	else if (mode == M_CHURN)
		pkts_per_ms = sessions / 1000 ? sessions / 1000 : 1;
	const char *app = fw_mode ? "fw" : "nat";
	struct running r;
	if (start(&r, app, config, pp, pool))
		return 1;
	/* the warm-up: every session's first packet out (creating it), checked and recorded
	 * as it leaves; then (established modes) every session answered, checked as it
	 * arrives back */
	int rc = 0;
	out_base = 0, out_n = sessions, out_next = 0;
	in_n = sessions, in_next = 0;
	if (mode != M_NEW) {
		receive_on(pp, true, false);
		pp[1]->tx_burst = mode == M_CHURN ? mem_tx : record_tx;
		pass(&r, pp, sessions);
		pp[1]->tx_burst = mem_tx;
		if (mode != M_CHURN) {
			if (out_bad)
				rc = 1;
			receive_on(pp, false, true);
			pp[0]->tx_burst = check_tx;
			pass(&r, pp, sessions);
			pp[0]->tx_burst = mem_tx;
			if (in_bad)
				rc = 1;
			unsigned lo = UINT32_MAX, hi = 0, used = 0;
			for (unsigned i = 0; i < POOL_ADDRS; i++)
				if (pool_used[i]) {
					used++;
					lo = pool_used[i] < lo ? (unsigned)pool_used[i] : lo;
					hi = pool_used[i] > hi ? (unsigned)pool_used[i] : hi;
				}
			fprintf(stderr, "bench-nat: warm-up checked: %llu of %u sessions out of wan as translated, %llu wrong; "
					"%llu answers back at their inside endpoints, %llu wrong",
				(unsigned long long)out_seen, sessions, (unsigned long long)out_bad, (unsigned long long)in_seen,
				(unsigned long long)in_bad);
			if (used)
				fprintf(stderr, "; %u outside addresses, %u to %u sessions each", used, lo, hi);
			fprintf(stderr, "\n");
		}
		uint64_t wd = pkt_counters_drops(&r.pipe, &r.w.cnt);
		if (wd && mode != M_CHURN) {
			fprintf(stderr, "bench-nat: the warm-up dropped %llu packets; the counters:\n", (unsigned long long)wd);
			if (r.app->report)
				r.app->report(r.state, print_line, NULL);
		}
	}
	if (mode == M_CHURN) {
		out_base = sessions, out_n = (uint32_t)packets, out_next = 0;
	} else if (mode == M_NEW) {
		out_base = 0, out_n = (uint32_t)packets, out_next = 0;
	}
	receive_on(pp, mode != M_IN, mode == M_IN || mode == M_BIDIR);
	const struct ct_counters *cc = !fw_mode ? ct_counters(((struct nat_app *)r.state)->ct) : NULL;
	struct ct_counters c0 = cc ? *cc : (struct ct_counters){ 0 };
	uint64_t drops0 = pkt_counters_drops(&r.pipe, &r.w.cnt), ms0 = clock_ms();
	double t0 = now_s();
	uint64_t rx = measure_nat(&r, pp, packets);
	double dt = now_s() - t0;
	uint64_t drops = pkt_counters_drops(&r.pipe, &r.w.cnt) - drops0, ms1 = clock_ms();
	double mpps = (double)rx / dt / 1e6;
	uint64_t created = cc ? cc->created - c0.created : rx - drops;
	if (cc)
		fprintf(stderr, "bench-nat: measured: %llu packets, %llu ms of the packet clock; conntrack: %llu created, %llu "
				"expired, %llu evicted, %llu refused, %u live\n",
			(unsigned long long)rx, (unsigned long long)(ms1 - ms0), (unsigned long long)(cc->created - c0.created),
			(unsigned long long)(cc->expired - c0.expired), (unsigned long long)(cc->evicted - c0.evicted),
			(unsigned long long)(cc->refused - c0.refused), ct_count(((struct nat_app *)r.state)->ct));
	if (drops && r.app->report)
		r.app->report(r.state, print_line, NULL);
	if (r.app->teardown)
		r.app->teardown(r.state);
	/* the ceiling: l2fwd on the same ports and frames */
	double io_mpps = io_ceiling(pp, pool, mode != M_IN, mode == M_IN || mode == M_BIDIR, packets);
	if (io_mpps < 0)
		return 1;
	static const char *const mode_name[] = { "out", "in", "bidir", "new", "churn" };
	printf("%s %s%s, %u sessions: %.3f Mpps, io-forwarding ceiling %.3f Mpps, ratio %.1f%%, dropped %llu", app,
	       mode_name[mode], masq ? ", masquerade" : "", sessions, mpps, io_mpps, 100.0 * mpps / io_mpps,
	       (unsigned long long)drops);
	if (fresh)
		printf(", sessions created %llu (%.3f million a second)", (unsigned long long)created,
		       (double)created / dt / 1e6);
	printf("\n");
	free(config);
	free(recs);
	pkt_pool_destroy(pool);
	/* 1: a packet translated wrong. Drops are the line's to say (and the counters', on
	 * stderr): a new session may be refused, as the table fills or when both buckets of
	 * its reply key are full (rare, but a million sessions may meet it) */
	return rc;
}
