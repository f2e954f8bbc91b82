/* sluice-feed: drives a device under test through two of its ports. It injects a capture
 * into one port and writes what comes out of another to a capture, then waits until the
 * expected number of frames came out or nothing happened for --idle seconds.
 *
 * Flow control: at most --window frames are in flight (sent and not yet back), so no
 * queue on the way (the device's rings, QEMU's socket queues) can overflow and the run
 * is deterministic. Frames the device drops would hold the window shut: after --settle
 * seconds without a frame back they are taken as dropped and the window opens again.
 *
 *   sluice-feed --send SPEC --recv SPEC --in IN.pcap --out OUT.pcap [options]
 *
 * SPEC is any hosted port (sock:..., dpdk:..., see sluice-hosted --help). Used by the
 * end-to-end tests and `sluice run`'s demo to talk to an image's NICs.
 */
#include "ports.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: sluice-feed --send SPEC --recv SPEC --in IN.pcap --out OUT.pcap [options]\n"
		   "\n"
		   "Injects IN.pcap into the port --send, writes what arrives on --recv to OUT.pcap.\n"
		   "\n"
		   "options:\n"
		   "  --expect N     stop as soon as N frames arrived (status 1 if fewer did)\n"
		   "  --idle SEC     stop after SEC seconds without any frame moving (default 5)\n"
		   "  --window N     frames in flight at most (default 128; 0: no limit)\n"
		   "  --settle SEC   a full window with nothing back for SEC seconds counts as\n"
		   "                 dropped by the device (default 5)\n"
		   "  --wait SEC     wait up to SEC seconds for both ports' links (default 30)\n"
		   "  --eal ARGS     EAL arguments for dpdk: ports\n"
		   "  --pool N       packet buffers (default 4096)\n");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "sluice-feed: %s '%s' (see --help)\n", what, arg ? arg : "");
	return 2;
}

int main(int argc, char **argv)
{
	const char *send = NULL, *recv = NULL, *in = NULL, *out = NULL, *eal = NULL;
	double idle = 5, wait = 30, settle = 5;
	unsigned long window = 128;
	long long expect = -1;
	unsigned long pool = 4096;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v)
			return bad("option needs a value or is unknown:", a);
		char *end = NULL;
		if (!strcmp(a, "--send"))
			send = v;
		else if (!strcmp(a, "--recv"))
			recv = v;
		else if (!strcmp(a, "--in"))
			in = v;
		else if (!strcmp(a, "--out"))
			out = v;
		else if (!strcmp(a, "--eal"))
			eal = v;
		else if (!strcmp(a, "--expect") && ((expect = strtoll(v, &end, 10)) < 0 || *end || end == v))
			return bad("--expect: expected a count, got", v);
		else if (!strcmp(a, "--idle") && (!((idle = strtod(v, &end)) > 0) || *end))
			return bad("--idle: expected seconds, got", v);
		else if (!strcmp(a, "--wait") && (!((wait = strtod(v, &end)) >= 0) || *end))
			return bad("--wait: expected seconds, got", v);
		else if (!strcmp(a, "--window") && ((window = strtoul(v, &end, 10)) > (1u << 20) || *end || end == v))
			return bad("--window: expected a count, got", v);
		else if (!strcmp(a, "--settle") && (!((settle = strtod(v, &end)) > 0) || *end))
			return bad("--settle: expected seconds, got", v);
		else if (!strcmp(a, "--pool") && ((pool = strtoul(v, &end, 10)) < 64 || *end || pool > (1u << 20)))
			return bad("--pool: expected 64 to 1048576 buffers, got", v);
		else if (!end && strcmp(a, "--send") && strcmp(a, "--recv") && strcmp(a, "--in") && strcmp(a, "--out") &&
			 strcmp(a, "--eal"))
			return bad("unknown option", a);
		i++;
	}
	if (!send || !recv || !in || !out)
		return bad("needs --send, --recv, --in and --out", NULL);
	const char *why;
	if ((why = hosted_port_spec_check(send)) || (why = hosted_port_spec_check(recv)))
		return bad(why, hosted_port_spec_check(send) ? send : recv);

	char src_spec[4096], sink_spec[4096], err[512];
	snprintf(src_spec, sizeof(src_spec), "pcap:rx=%s", in);
	snprintf(sink_spec, sizeof(sink_spec), "pcap:tx=%s", out);
	const char *specs[4] = { src_spec, send, recv, sink_spec };
	struct hosted_ports hp;
	if (hosted_ports_open(&hp, specs, 4, eal, (uint32_t)pool, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-feed: %s\n", err);
		return 1;
	}
	struct vnet_port *src = hp.port[0], *tx = hp.port[1], *rx = hp.port[2], *sink = hp.port[3];
	int rc = 0;
	double t0 = now_s();
	for (;;) {
		struct vnet_link l1, l2;
		vnet_link(tx, &l1);
		vnet_link(rx, &l2);
		if (l1.up && l2.up)
			break;
		if (now_s() - t0 > wait) {
			fprintf(stderr, "sluice-feed: the links did not come up in %.0f s (send %s, recv %s)\n", wait,
				l1.up ? "up" : "down", l2.up ? "up" : "down");
			hosted_ports_close(&hp);
			return 1;
		}
		usleep(10000);
	}
	struct pkt_buf *pending[PKT_BURST], *got[PKT_BURST];
	unsigned n_pending = 0, head = 0;
	uint64_t sent = 0, received = 0, stray = 0, sink_lost = 0, written_off = 0, refused = 0;
	double start = now_s(), last = start, first_tx = 0, last_rx = 0;
	for (;;) {
		bool moved = false;
		if (!n_pending && !src->rx_done) {
			n_pending = vnet_rx_burst(src, pending, PKT_BURST);
			head = 0;
		}
		uint64_t in_flight = sent - refused - received - written_off;
		unsigned room = !window ? n_pending : in_flight >= window ? 0 : (unsigned)(window - in_flight);
		if (n_pending && room) {
			uint16_t k = vnet_tx_burst(tx, pending + head, (uint16_t)(room < n_pending ? room : n_pending));
			if (k && !sent)
				first_tx = now_s();
			sent += k;
			head += k;
			struct vnet_stats st;
			vnet_stats(tx, &st);
			refused = st.tx_errors; /* taken but not sent (an empty frame on a socket) */
			n_pending -= k;
			moved |= k != 0;
		}
		uint16_t n = vnet_rx_burst(rx, got, PKT_BURST);
		if (n) {
			received += n;
			last_rx = now_s();
			uint16_t w = vnet_tx_burst(sink, got, n);
			if (w < n) {
				sink_lost += n - w;
				pkt_free_burst(got + w, n - w);
			}
			moved = true;
		}
		if (tx != rx && (n = vnet_rx_burst(tx, got, PKT_BURST)) != 0) {
			stray += n; /* frames coming back out of the injecting port */
			pkt_free_burst(got, n);
			moved = true;
		}
		double t = now_s();
		if (moved)
			last = t;
		bool all_in = src->rx_done && !n_pending;
		if (all_in && (expect >= 0 ? received >= (uint64_t)expect : received >= sent - refused))
			break;
		if (window && n_pending && !room && t - last > settle) {
			written_off += in_flight; /* dropped by the device, or so late they are lost to us */
			last = t;
			continue;
		}
		if (t - last > idle) {
			if (!all_in) {
				fprintf(stderr, "sluice-feed: the send port took no frame for %.1f s (%" PRIu64 " sent)\n",
					idle, sent);
				rc = 1;
			}
			break;
		}
		if (!moved)
			usleep(50);
	}
	double dt = now_s() - start;
	if (n_pending)
		pkt_free_burst(pending + head, n_pending);
	/* the rate runs from the first frame sent to the last one back (not the idle wait) */
	double busy = last_rx > first_tx ? last_rx - first_tx : 0;
	printf("sluice-feed: sent %" PRIu64 ", received %" PRIu64 ", stray %" PRIu64 " in %.3f s (%.0f frames/s)\n",
	       sent - refused, received, stray, dt, busy > 0 ? (double)received / busy : 0.0);
	if (refused)
		printf("sluice-feed: %" PRIu64 " frames the send port refused (empty frames on a socket)\n", refused);
	if (sink_lost) {
		fprintf(stderr, "sluice-feed: %" PRIu64 " frames could not be written to %s\n", sink_lost, out);
		rc = 1;
	}
	if (expect >= 0 && received != (uint64_t)expect) {
		fprintf(stderr, "sluice-feed: expected %lld frames, received %" PRIu64 "\n", expect, received);
		rc = 1;
	}
	hosted_ports_close(&hp);
	return rc;
}
