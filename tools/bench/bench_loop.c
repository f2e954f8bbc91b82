/* bench-loop: drives an app's burst loop (app_run) over in-memory ports for callgrind.
 *
 *   bench-loop APP PACKETS [FRAME_LEN] [OPTS]
 *
 * The ports behave like DPDK's net_null: receive hands out pool buffers holding a fixed
 * UDP/IPv4 frame (written once per buffer, as a NIC's DMA would, outside the measured
 * code's control), transmit frees. Run it under
 *   valgrind --tool=callgrind --toggle-collect=app_run bench-loop l2fwd 1000000
 * and divide the instructions by the packets: the cost of receive bookkeeping, the
 * pipeline, the app's stages and transmit, per packet.
 *
 * An app with a source (pktgen) makes its own packets: its ports then receive nothing,
 * PACKETS is how many it sends (its option count=PACKETS is added), and the instructions
 * divided by them are its cost to make and send one.
 */
#include "app.h"
#include "mem_port.h"
#include "pkt_csum.h"
#include "pkt_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mem_port {
	struct vnet_port port;
	const uint8_t *frame;
	uint16_t frame_len;
};

static bool silent;            /* the app has a source: nothing is received */

static uint16_t mem_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct mem_port *mp = (struct mem_port *)vp;
	if (silent)
		return 0;
	uint16_t got = (uint16_t)pkt_alloc_burst(vp->pool, pkts, n);
	for (uint16_t i = 0; i < got; i++) {
		pkts[i]->len = mp->frame_len;
		pkts[i]->port = vp->id;
	}
	return got;
}


/* A valid Ethernet/IPv4/UDP frame of len bytes (checksums left zero: UDP allows it and
 * l2fwd does not look; the IPv4 header checksum is filled in). */
static void make_frame(uint8_t *f, uint16_t len)
{
	static const uint8_t hdr[42] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0,
	};
	memset(f, 0, len);
	memcpy(f, hdr, sizeof(hdr));
	uint16_t ip_len = (uint16_t)(len - 14), udp_len = (uint16_t)(len - 34);
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[38] = (uint8_t)(udp_len >> 8);
	f[39] = (uint8_t)udp_len;
	pkt_wr16(f + 24, pkt_csum(f + 14, 20));
}

static void log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

static void *source_state;

static bool run_source(void *arg, struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n)
{
	const struct app_def *app = arg;
	struct app_ports p = { .port = ports, .n = n };
	return app->source(source_state, w, &p);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-loop APP PACKETS [FRAME_LEN] [OPTS]\n");
		return 2;
	}
	const struct app_def *app = app_find(argv[1]);
	uint64_t packets = strtoull(argv[2], NULL, 10);
	unsigned long flen = argc > 3 ? strtoul(argv[3], NULL, 10) : 64;
	const char *opts = argc > 4 ? argv[4] : "";
	if (!app || !packets || flen < 42 || flen > PKT_DATAROOM) {
		fprintf(stderr, "bench-loop: need a known app, PACKETS > 0 and 42 <= FRAME_LEN <= %d\n", PKT_DATAROOM);
		return 2;
	}
	struct pkt_pool *pool = pkt_pool_create("bench", 4096);
	if (!pool) {
		fprintf(stderr, "bench-loop: out of memory\n");
		return 1;
	}
	/* write the frame into every buffer once, as a NIC would have */
	struct pkt_buf *all[4096];
	unsigned n = pkt_alloc_burst(pool, all, 4096);
	for (unsigned i = 0; i < n; i++)
		make_frame(all[i]->data, (uint16_t)flen);
	pkt_free_burst(all, n);

	struct mem_port ports[2];
	struct vnet_port *pp[2];
	struct pkt_pipeline pipe = { .n_ports = 2, .port_names = { "mem0", "mem1" } };
	for (uint16_t i = 0; i < 2; i++) {
		memset(&ports[i], 0, sizeof(ports[i]));
		ports[i].port.rx_burst = mem_rx;
		ports[i].port.tx_burst = mem_tx;
		ports[i].port.ops = &mem_ops;
		ports[i].port.id = i;
		ports[i].port.pool = pool;
		ports[i].frame_len = (uint16_t)flen;
		pp[i] = &ports[i].port;
	}
	char err[256], src_opts[512];
	void *state = NULL;
	silent = app->source != NULL;
	if (silent) {
		snprintf(src_opts, sizeof(src_opts), "%s%scount=%llu,nolatency,drain=0", opts, *opts ? "," : "",
			 (unsigned long long)packets);
		opts = src_opts;
	}
	struct app_env env = { .opts = opts, .pool = pool, .log = log_line };
	if (app->setup(&pipe, &state, &env, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench-loop: %s\n", err);
		return 2;
	}
	static struct pkt_worker w;
	pkt_worker_init(&w, &pipe);
	static volatile sig_atomic_t never;
	struct app_run_limits lim = { .max_rx_pkts = silent ? 0 : packets, .source = silent ? run_source : NULL,
				      .source_arg = (void *)app };
	source_state = state;
	uint64_t rx = app_run(&w, pp, 2, &never, &lim);
	uint64_t tx = w.cnt.port[0].tx_pkts + w.cnt.port[1].tx_pkts;
	if (silent)
		rx = tx == packets ? tx : 0;   /* made and sent: what a source is measured by */
	printf("%s: %llu packets in, %llu out, %llu dropped\n", app->name, (unsigned long long)rx,
	       (unsigned long long)tx, (unsigned long long)pkt_counters_drops(&pipe, &w.cnt));
	if (app->teardown)
		app->teardown(state);
	pkt_pool_destroy(pool);
	return tx == rx ? 0 : 1;
}
