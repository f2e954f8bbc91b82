/* bench-virtio: the image's packet path, RX ring -> app -> TX ring, on the host.
 *
 *   bench-virtio APP PACKETS [OPTS]
 *
 * Two virtio-net ports (drivers/virtio, the code the image runs) over a simulated device
 * that plays the device's side of the split rings: it fills receive buffers with a 64-byte
 * UDP/IPv4 frame and completes every transmitted descriptor, from the app's poll hook.
 * Under
 *   valgrind --tool=callgrind --toggle-collect=app_run --toggle-collect=sim_step bench-virtio l2fwd 1000000
 * only the driver, the pipeline and the app are counted (entering sim_step switches
 * collection off again): divide by the packets for the image's instructions per packet.
 */
#include "app.h"
#include "virtio.h"
#include "virtq.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct simq {
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t size, next_avail, used_idx;
};

struct simdev {
	struct virtio_dev dev;
	uint8_t status;
	struct simq q[2];
};

static uint8_t g_status(struct virtio_dev *d) { return ((struct simdev *)d)->status; }
static void s_status(struct virtio_dev *d, uint8_t s) { ((struct simdev *)d)->status = s; }
static uint64_t g_features(struct virtio_dev *d)
{
	(void)d;
	return 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_F_RING_EVENT_IDX;
}
static void s_features(struct virtio_dev *d, uint64_t f) { (void)d, (void)f; }
static uint16_t q_max(struct virtio_dev *d, uint16_t q) { (void)d; return q < 2 ? 256 : 0; }
static int q_enable(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
		    const char **err)
{
	(void)err;
	struct simq *sq = &((struct simdev *)d)->q[q];
	sq->size = size;
	sq->desc = (void *)(uintptr_t)desc;
	sq->avail = (void *)(uintptr_t)avail;
	sq->used = (void *)(uintptr_t)used;
	uint16_t never = 0x8000; /* avail_event far away: a polling device needs no kicks */
	memcpy(&sq->used->ring[size], &never, 2);
	return 0;
}
static void notify(struct virtio_dev *d, uint16_t q) { (void)d, (void)q; }
static void cfg_read(struct virtio_dev *d, unsigned off, void *buf, unsigned len) { (void)d, (void)off; memset(buf, 0, len); }
static void *dma_alloc(size_t bytes)
{
	void *p = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);
	if (p)
		memset(p, 0, bytes);
	return p;
}
static void dma_free(void *p, size_t bytes) { (void)bytes; free(p); }

static const struct virtio_transport_ops ops = {
	.get_status = g_status, .set_status = s_status, .get_features = g_features, .set_features = s_features,
	.queue_max = q_max, .queue_enable = q_enable, .notify = notify, .config_read = cfg_read,
};

static const uint8_t frame[64] = { /* its IPv4 header checksum right (0x66b9) */
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17, 0x66, 0xb9,
	10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0x00, 0x00, 0x35, 0, 30,
};

static struct simdev devs[2];
static volatile sig_atomic_t stop;

/* The device's side, once per poll round: complete transmits, deliver a burst per port. */
__attribute__((noinline)) void sim_step(void *arg);
__attribute__((noinline)) void sim_step(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		struct simq *tx = &devs[i].q[1];
		while (tx->next_avail != tx->avail->idx) {
			uint16_t id = tx->avail->ring[tx->next_avail++ & (tx->size - 1)];
			tx->used->ring[tx->used_idx++ & (tx->size - 1)] = (struct virtq_used_elem){ id, 0 };
		}
		*(volatile uint16_t *)&tx->used->idx = tx->used_idx;
		struct simq *rx = &devs[i].q[0];
		for (int k = 0; k < PKT_BURST && rx->next_avail != rx->avail->idx; k++) {
			uint16_t id = rx->avail->ring[rx->next_avail++ & (rx->size - 1)];
			uint8_t *dst = (uint8_t *)(uintptr_t)rx->desc[id].addr;
			memset(dst, 0, 12);
			dst[10] = 1; /* num_buffers */
			memcpy(dst + 12, frame, sizeof(frame));
			rx->used->ring[rx->used_idx++ & (rx->size - 1)] = (struct virtq_used_elem){ id, 12 + sizeof(frame) };
		}
		*(volatile uint16_t *)&rx->used->idx = rx->used_idx;
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-virtio APP PACKETS [OPTS]\n");
		return 2;
	}
	const struct app_def *app = app_find(argv[1]);
	unsigned long long packets = strtoull(argv[2], NULL, 10);
	if (!app || !packets) {
		fprintf(stderr, "bench-virtio: no app '%s' or no packets\n", argv[1]);
		return 2;
	}
	struct pkt_pool *pool = pkt_pool_create("bench", 2048);
	struct vnet_port *ports[2];
	struct pkt_pipeline pipe = { .n_ports = 2 };
	char err[200];
	for (int i = 0; i < 2; i++) {
		devs[i].dev = (struct virtio_dev){ .ops = &ops, .transport = "sim", .dma_alloc = dma_alloc, .dma_free = dma_free };
		ports[i] = virtio_net_open(&devs[i].dev, pool, err, sizeof(err));
		if (!ports[i]) {
			fprintf(stderr, "bench-virtio: %s\n", err);
			return 1;
		}
		ports[i]->id = (uint16_t)i;
		pipe.port_names[i] = i ? "nic1" : "nic0";
	}
	void *state = NULL;
	struct app_env env = { .opts = argc > 3 ? argv[3] : "" };
	if (app->setup(&pipe, &state, &env, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench-virtio: %s\n", err);
		return 1;
	}
	static struct pkt_worker w;
	pkt_worker_init(&w, &pipe);
	struct app_run_limits lim = { .max_rx_pkts = packets, .poll = sim_step };
	uint64_t rx = app_run(&w, ports, 2, &stop, &lim);
	uint64_t tx = w.cnt.port[0].tx_pkts + w.cnt.port[1].tx_pkts;
	printf("bench-virtio %s: %llu packets in, %llu out, %llu dropped\n", app->name, (unsigned long long)rx,
	       (unsigned long long)tx, (unsigned long long)pkt_counters_drops(&pipe, &w.cnt));
	if (app->teardown)
		app->teardown(state);
	for (int i = 0; i < 2; i++)
		vnet_close(ports[i]);
	pkt_pool_destroy(pool);
	return rx == tx ? 0 : 1;
}
