/* virtio-net driver tests against a simulated device: the test plays the device's side
 * of the split rings (reads the available ring, writes used entries) through a fake
 * transport, so negotiation, zero-copy receive and transmit, ring wraparound, kick
 * suppression and every misbehaviour of a device can be checked on the host, under ASan. */
#include "virtio.h"
#include "check_run.h"
#include "virtq.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Check's ck_assert reports progress to its parent through a pipe on every call: in loops
 * of 70,000 frames that is most of the run time, so hot checks only call Check on failure. */
#define REQUIRE(c) do { if (!(c)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c); } while (0)

/* ---- the simulated device ------------------------------------------------------------ */

struct sim_queue {
	uint16_t max, size;
	bool enabled;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t next_avail;  /* device's position in the available ring */
	uint16_t used_idx;
	unsigned notified;
};

struct sim {
	struct virtio_dev dev;
	uint64_t offered, accepted;
	uint8_t status;
	bool refuse_features, refuse_queue, event_idx_wants_all;
	struct sim_queue q[2];
	uint8_t mac[6];
	uint16_t link;
	size_t dma_live; /* bytes allocated and not yet freed */
};

static struct sim *S(struct virtio_dev *d) { return (struct sim *)d; }
static uint8_t sim_get_status(struct virtio_dev *d) { return S(d)->status; }
static void sim_set_status(struct virtio_dev *d, uint8_t s)
{
	struct sim *sim = S(d);
	if (s == 0) {
		memset(sim->q, 0, sizeof(sim->q));
		sim->q[0].max = sim->q[1].max = 256;
		sim->accepted = 0;
	}
	if ((s & VIRTIO_S_FEATURES_OK) && sim->refuse_features)
		s &= (uint8_t)~VIRTIO_S_FEATURES_OK;
	sim->status = s;
}
static uint64_t sim_get_features(struct virtio_dev *d) { return S(d)->offered; }
static void sim_set_features(struct virtio_dev *d, uint64_t f) { S(d)->accepted = f; }
static uint16_t sim_queue_max(struct virtio_dev *d, uint16_t q) { return q < 2 ? S(d)->q[q].max : 0; }
static int sim_queue_enable(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail,
			    uint64_t used, const char **err)
{
	struct sim *sim = S(d);
	if (sim->refuse_queue) {
		*err = "simulated refusal";
		return -1;
	}
	struct sim_queue *sq = &sim->q[q];
	sq->size = size;
	sq->desc = (void *)(uintptr_t)desc;
	sq->avail = (void *)(uintptr_t)avail;
	sq->used = (void *)(uintptr_t)used;
	sq->enabled = true;
	/* with EVENT_IDX, ask for a kick on every new buffer or never (index + 0x8000) */
	uint16_t event = sim->event_idx_wants_all ? 0 : 0x8000;
	memcpy(&sq->used->ring[size], &event, 2);
	return 0;
}
static void sim_notify(struct virtio_dev *d, uint16_t q) { S(d)->q[q].notified++; }
static void sim_config_read(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	uint8_t cfg[8];
	memcpy(cfg, S(d)->mac, 6);
	memcpy(cfg + 6, &S(d)->link, 2);
	memcpy(buf, cfg + off, len);
}
static struct sim *current;
static void *sim_dma_alloc(size_t bytes)
{
	void *p = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);
	if (p) {
		memset(p, 0, bytes);
		current->dma_live += bytes;
	}
	return p;
}
static void sim_dma_free(void *p, size_t bytes)
{
	current->dma_live -= bytes;
	free(p);
}

static const struct virtio_transport_ops sim_ops = {
	.get_status = sim_get_status, .set_status = sim_set_status,
	.get_features = sim_get_features, .set_features = sim_set_features,
	.queue_max = sim_queue_max, .queue_enable = sim_queue_enable,
	.notify = sim_notify, .config_read = sim_config_read,
};

#define MODERN (1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS | \
		1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_F_RING_EVENT_IDX | 1ull << VIRTIO_NET_F_CSUM | \
		1ull << 7 /* GUEST_TSO4 */)

static struct sim *sim_new(uint64_t offered, bool legacy)
{
	struct sim *sim = calloc(1, sizeof(*sim));
	current = sim;
	sim->dev.ops = &sim_ops;
	sim->dev.transport = legacy ? "sim-legacy" : "sim";
	sim->dev.legacy = legacy;
	sim->dev.dma_alloc = sim_dma_alloc;
	sim->dev.dma_free = sim_dma_free;
	sim->offered = offered;
	sim->q[0].max = sim->q[1].max = 256;
	memcpy(sim->mac, (uint8_t[]){ 0x52, 0x54, 0, 1, 2, 3 }, 6);
	sim->link = 1;
	return sim;
}

static unsigned hdr_len(const struct sim *sim)
{
	return (sim->accepted >> VIRTIO_F_VERSION_1 & 1) || (sim->accepted >> VIRTIO_NET_F_MRG_RXBUF & 1) ? 12 : 10;
}

static void sim_publish_used(struct sim_queue *sq, uint32_t id, uint32_t len)
{
	sq->used->ring[sq->used_idx & (sq->size - 1)] = (struct virtq_used_elem){ id, len };
	sq->used_idx++;
	*(volatile uint16_t *)&sq->used->idx = sq->used_idx;
}

/* The device receives a frame from the wire: into the next receive buffer(s). Returns
 * false when the driver has not made enough buffers available. */
static bool sim_wire_rx(struct sim *sim, const uint8_t *frame, unsigned len)
{
	struct sim_queue *sq = &sim->q[0];
	unsigned h = hdr_len(sim), need = h + len, put = 0, nbuf = 0;
	uint16_t first = sq->next_avail;
	uint16_t avail = sq->avail->idx;
	uint32_t ids[8], lens[8];
	while (put < need) {
		if (sq->next_avail == avail || nbuf == 8 ||
		    (nbuf && !(sim->accepted >> VIRTIO_NET_F_MRG_RXBUF & 1))) {
			sq->next_avail = first;
			return false;
		}
		uint16_t id = sq->avail->ring[sq->next_avail++ & (sq->size - 1)];
		struct virtq_desc *d = &sq->desc[id];
		REQUIRE(d->flags & VIRTQ_DESC_F_WRITE);
		uint8_t *dst = (uint8_t *)(uintptr_t)d->addr;
		unsigned chunk = need - put < d->len ? need - put : d->len;
		for (unsigned i = 0; i < chunk; i++) {
			unsigned at = put + i;
			dst[i] = at < h ? 0 : frame[at - h];
		}
		ids[nbuf] = id;
		lens[nbuf++] = chunk;
		put += chunk;
	}
	if (sim->accepted >> VIRTIO_NET_F_MRG_RXBUF & 1) {
		uint16_t n = (uint16_t)nbuf;
		memcpy((uint8_t *)(uintptr_t)sq->desc[ids[0]].addr + 10, &n, 2);
	}
	for (unsigned i = 0; i < nbuf; i++)
		sim_publish_used(sq, ids[i], lens[i]);
	return true;
}

/* The device transmits what the driver made available; frames go to out[] (copies). */
static unsigned sim_wire_tx(struct sim *sim, uint8_t (*out)[2048], unsigned *lens, unsigned max)
{
	struct sim_queue *sq = &sim->q[1];
	unsigned n = 0, h = hdr_len(sim);
	while (sq->next_avail != sq->avail->idx && n < max) {
		uint16_t id = sq->avail->ring[sq->next_avail++ & (sq->size - 1)];
		struct virtq_desc *d = &sq->desc[id];
		REQUIRE(!(d->flags & (VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT)));
		REQUIRE(d->len >= h);
		const uint8_t *src = (const uint8_t *)(uintptr_t)d->addr;
		static const uint8_t zero[12];
		REQUIRE(!memcmp(src, zero, h)); /* no offloads asked for */
		lens[n] = d->len - h;
		memcpy(out[n], src + h, lens[n]);
		n++;
		sim_publish_used(sq, id, 0);
	}
	return n;
}

static void frame_of(uint8_t *f, unsigned len, unsigned seq)
{
	for (unsigned i = 0; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
}

static struct pkt_pool *pool;
static struct vnet_port *open_ok(struct sim *sim)
{
	char err[200] = "";
	struct vnet_port *p = virtio_net_open(&sim->dev, pool, err, sizeof(err));
	ck_assert_msg(p != NULL, "open failed: %s", err);
	return p;
}

static void setup(void) { pool = pkt_pool_create("test", 1024); }
static void teardown(void)
{
	ck_assert_uint_eq(pool->avail, pool->size); /* every buffer came back */
	pkt_pool_destroy(pool);
}

static void close_all(struct vnet_port *p, struct sim *sim)
{
	vnet_close(p);
	ck_assert_uint_eq(sim->dma_live, 0);
	ck_assert_uint_eq(sim->status, 0); /* reset on close */
	free(sim);
}

/* ---- negotiation --------------------------------------------------------------------- */

START_TEST(modern_negotiation)
{
	struct sim *sim = sim_new(MODERN, false);
	struct vnet_port *p = open_ok(sim);
	ck_assert_uint_eq(sim->accepted, 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
						 1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_NET_F_MRG_RXBUF |
						 1ull << VIRTIO_F_RING_EVENT_IDX);
	ck_assert(sim->status & VIRTIO_S_DRIVER_OK && sim->status & VIRTIO_S_FEATURES_OK);
	ck_assert_mem_eq(p->mac, sim->mac, 6);
	ck_assert_str_eq(p->ops->kind, "virtio");
	struct vnet_link l;
	vnet_link(p, &l);
	ck_assert(l.up);
	sim->link = 0;
	vnet_link(p, &l);
	ck_assert(!l.up);
	/* the receive ring is full from the start */
	ck_assert_uint_eq(sim->q[0].avail->idx, 256);
	ck_assert_uint_eq(virtio_net_queue_size(p, false), 256);
	char words[200];
	virtio_net_features_format(virtio_net_features(p), words, sizeof(words));
	ck_assert_str_eq(words, "MAC MRG_RXBUF STATUS EVENT_IDX VERSION_1");
	close_all(p, sim);
}
END_TEST

START_TEST(legacy_header_without_mrg)
{
	struct sim *sim = sim_new(1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_F_ANY_LAYOUT, true);
	struct vnet_port *p = open_ok(sim);
	ck_assert_uint_eq(hdr_len(sim), 10);
	ck_assert(!(sim->status & VIRTIO_S_FEATURES_OK)); /* legacy devices have no FEATURES_OK */
	uint8_t f[100];
	frame_of(f, sizeof(f), 1);
	ck_assert(sim_wire_rx(sim, f, sizeof(f)));
	struct pkt_buf *pk[PKT_BURST];
	ck_assert_uint_eq(vnet_rx_burst(p, pk, PKT_BURST), 1);
	ck_assert_uint_eq(pk[0]->len, 100);
	ck_assert_mem_eq(pk[0]->data, f, 100);
	ck_assert(pk[0]->data == pk[0]->buf + PKT_HEADROOM); /* zero copy: the frame landed in place */
	ck_assert_uint_eq(vnet_tx_burst(p, pk, 1), 1);
	uint8_t out[4][2048];
	unsigned lens[4];
	ck_assert_uint_eq(sim_wire_tx(sim, out, lens, 4), 1);
	ck_assert_uint_eq(lens[0], 100);
	ck_assert_mem_eq(out[0], f, 100);
	close_all(p, sim);
}
END_TEST

static void open_fails(struct sim *sim, const char *want)
{
	char err[300] = "";
	ck_assert_ptr_null(virtio_net_open(&sim->dev, pool, err, sizeof(err)));
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
	ck_assert_uint_eq(sim->dma_live, 0);
	ck_assert_uint_eq(sim->status, 0); /* left reset */
	free(sim);
}

START_TEST(bad_devices_refused_precisely)
{
	open_fails(sim_new(MODERN & ~(1ull << VIRTIO_F_VERSION_1), false),
		   "the sim transport is virtio 1.x but the device does not offer VERSION_1 (it offers: CSUM MAC GUEST_TSO4 "
		   "MRG_RXBUF STATUS EVENT_IDX)");
	struct sim *sim = sim_new(MODERN | 1ull << VIRTIO_F_ACCESS_PLATFORM, false);
	sim->refuse_features = true;
	open_fails(sim, "the device refused the features Sluice asked for (MAC MRG_RXBUF STATUS EVENT_IDX VERSION_1); "
			"it wants ACCESS_PLATFORM, an IOMMU Sluice does not drive");
}
END_TEST

static uint16_t max_tx0(struct virtio_dev *d, uint16_t q) { return q == 1 ? 0 : S(d)->q[q].max; }
static uint16_t max_odd(struct virtio_dev *d, uint16_t q) { (void)d; return q == 0 ? 96 : 256; }
static uint16_t max_tiny(struct virtio_dev *d, uint16_t q) { (void)d; (void)q; return 16; }

START_TEST(bad_queues_refused_precisely)
{
	static struct virtio_transport_ops ops[3];
	uint16_t (*maxes[3])(struct virtio_dev *, uint16_t) = { max_tx0, max_odd, max_tiny };
	const char *want[3] = { "the device has no transmit queue (queue 1)",
				"the receive queue's size 96 is not a power of two, as split rings need",
				"the receive queue holds 16 descriptors; Sluice needs at least 32" };
	for (int i = 0; i < 3; i++) {
		ops[i] = sim_ops;
		ops[i].queue_max = maxes[i];
		struct sim *sim = sim_new(MODERN, false);
		sim->dev.ops = &ops[i];
		open_fails(sim, want[i]);
	}
	struct sim *sim = sim_new(MODERN, false);
	sim->refuse_queue = true;
	open_fails(sim, "the device refused the receive queue: simulated refusal");
}
END_TEST

/* ---- traffic ------------------------------------------------------------------------- */

/* short frames of every length up to 113 bytes, and a full-size one now and then */
static unsigned frame_len(unsigned seq) { return seq % 97 == 0 ? 1514 : 14 + seq % 100; }

START_TEST(rx_tx_wraparound_byte_exact)
{
	struct sim *sim = sim_new(MODERN, false);
	struct vnet_port *p = open_ok(sim);
	p->id = 3;
	uint8_t f[1514], out[PKT_BURST][2048];
	unsigned lens[PKT_BURST], seq_rx = 0, seq_tx = 0;
	/* 70,000 frames in waves smaller and larger than a burst: indices wrap the 256-entry
	 * rings many times and the 16-bit indices once */
	srand(7);
	while (seq_tx < 70000) {
		unsigned wave = 1 + (unsigned)rand() % 40;
		for (unsigned i = 0; i < wave; i++, seq_rx++) {
			unsigned len = frame_len(seq_rx);
			frame_of(f, len, seq_rx);
			REQUIRE(sim_wire_rx(sim, f, len));
		}
		struct pkt_buf *pk[PKT_BURST];
		uint16_t n;
		while ((n = vnet_rx_burst(p, pk, PKT_BURST)) != 0) {
			for (uint16_t i = 0; i < n; i++)
				REQUIRE(pk[i]->port == 3);
			uint16_t sent = vnet_tx_burst(p, pk, n);
			REQUIRE(sent == n);
			unsigned got = sim_wire_tx(sim, out, lens, PKT_BURST);
			REQUIRE(got == n);
			for (unsigned i = 0; i < got; i++, seq_tx++) {
				unsigned len = frame_len(seq_tx);
				REQUIRE(lens[i] == len);
				frame_of(f, len, seq_tx);
				REQUIRE(!memcmp(out[i], f, len));
			}
		}
	}
	ck_assert_uint_eq(seq_rx, seq_tx);
	struct vnet_stats st;
	vnet_stats(p, &st);
	ck_assert_uint_eq(st.rx_pkts, seq_rx);
	ck_assert_uint_eq(st.tx_pkts, seq_tx);
	ck_assert_uint_eq(st.rx_errors + st.tx_errors + st.rx_nobuf, 0);
	struct virtio_net_counters c;
	virtio_net_counters(p, &c);
	/* the device asked to be told when the index passes 0x8000: once per queue in 70000 */
	ck_assert_uint_eq(c.rx_kicks, 1);
	ck_assert_uint_eq(c.tx_kicks, 1);
	ck_assert_uint_eq(sim->q[0].notified, 1);
	ck_assert_uint_eq(sim->q[1].notified, 1);
	close_all(p, sim);
}
END_TEST

START_TEST(kicks_follow_event_idx_and_no_notify)
{
	struct sim *sim = sim_new(MODERN, false);
	sim->event_idx_wants_all = true; /* avail_event 0: kick when index 0 is passed */
	struct vnet_port *p = open_ok(sim);
	ck_assert_uint_eq(sim->q[0].notified, 1); /* the initial fill passed index 0 */
	struct pkt_buf *pk[4];
	ck_assert_uint_eq(pkt_alloc_burst(pool, pk, 4), 4);
	for (int i = 0; i < 4; i++)
		pk[i]->len = 60;
	ck_assert_uint_eq(vnet_tx_burst(p, pk, 2), 2);
	ck_assert_uint_eq(sim->q[1].notified, 1); /* one kick for the burst */
	ck_assert_uint_eq(vnet_tx_burst(p, pk + 2, 2), 2);
	ck_assert_uint_eq(sim->q[1].notified, 1); /* the device's event index was passed already */
	close_all(p, sim);

	/* without EVENT_IDX the used ring's NO_NOTIFY flag decides */
	sim = sim_new(MODERN & ~(1ull << VIRTIO_F_RING_EVENT_IDX), false);
	p = open_ok(sim);
	ck_assert_uint_eq(sim->q[0].notified, 1);
	ck_assert_uint_eq(sim->q[0].avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	sim->q[1].used->flags = VIRTQ_USED_F_NO_NOTIFY;
	ck_assert_uint_eq(pkt_alloc_burst(pool, pk, 2), 2);
	pk[0]->len = pk[1]->len = 60;
	ck_assert_uint_eq(vnet_tx_burst(p, pk, 1), 1);
	ck_assert_uint_eq(sim->q[1].notified, 0);
	sim->q[1].used->flags = 0;
	ck_assert_uint_eq(vnet_tx_burst(p, pk + 1, 1), 1);
	ck_assert_uint_eq(sim->q[1].notified, 1);
	close_all(p, sim);
}
END_TEST

START_TEST(tx_ring_full_is_partial_not_fatal)
{
	struct sim *sim = sim_new(MODERN, false);
	struct vnet_port *p = open_ok(sim);
	struct pkt_buf *pk[PKT_BURST];
	unsigned sent = 0;
	for (int round = 0; round < 10; round++) {
		unsigned n = pkt_alloc_burst(pool, pk, PKT_BURST);
		for (unsigned i = 0; i < n; i++)
			pk[i]->len = 64;
		uint16_t k = vnet_tx_burst(p, pk, (uint16_t)n);
		sent += k;
		if (k < n)
			pkt_free_burst(pk + k, n - k); /* the caller still owns the rest */
	}
	ck_assert_uint_eq(sent, 256); /* the device took nothing back: the ring holds 256 */
	struct virtio_net_counters c;
	virtio_net_counters(p, &c);
	ck_assert_uint_ge(c.tx_ring_full, 1);
	uint8_t out[PKT_BURST][2048];
	unsigned lens[PKT_BURST];
	ck_assert_uint_eq(sim_wire_tx(sim, out, lens, PKT_BURST), PKT_BURST);
	ck_assert_uint_eq(pkt_alloc_burst(pool, pk, 1), 1);
	pk[0]->len = 64;
	ck_assert_uint_eq(vnet_tx_burst(p, pk, 1), 1); /* reclaimed room */
	close_all(p, sim);
}
END_TEST

START_TEST(watchdog_kicks_a_stalled_transmit_ring_only)
{
	struct sim *sim = sim_new(MODERN, false); /* its event index never asks for a kick */
	struct vnet_port *p = open_ok(sim);
	struct pkt_buf *pk[4];
	ck_assert_uint_eq(pkt_alloc_burst(pool, pk, 4), 4);
	for (int i = 0; i < 4; i++)
		pk[i]->len = 60;
	ck_assert_uint_eq(vnet_tx_burst(p, pk, 4), 4);
	ck_assert_uint_eq(sim->q[1].notified, 0);
	for (int i = 0; i < VIRTIO_NET_WATCHDOG_CALLS - 1; i++)
		virtio_net_watchdog(p);
	ck_assert_uint_eq(sim->q[1].notified, 0); /* patience */
	virtio_net_watchdog(p); /* no progress for that many calls: the device is told again */
	ck_assert_uint_eq(sim->q[1].notified, 1);
	uint8_t out[4][2048];
	unsigned lens[4];
	for (int i = 0; i < VIRTIO_NET_WATCHDOG_CALLS - 1; i++)
		virtio_net_watchdog(p);
	ck_assert_uint_eq(sim_wire_tx(sim, out, lens, 2), 2); /* progress, two still in flight */
	virtio_net_watchdog(p);
	ck_assert_uint_eq(sim->q[1].notified, 1); /* progress restarts the count */
	for (int i = 0; i < VIRTIO_NET_WATCHDOG_CALLS - 1; i++)
		virtio_net_watchdog(p);
	ck_assert_uint_eq(sim->q[1].notified, 1);
	virtio_net_watchdog(p);
	ck_assert_uint_eq(sim->q[1].notified, 2);
	ck_assert_uint_eq(sim_wire_tx(sim, out, lens, 4), 2);
	for (int i = 0; i < 3 * VIRTIO_NET_WATCHDOG_CALLS; i++)
		virtio_net_watchdog(p); /* all done and reclaimed: nothing in flight, no kick */
	ck_assert_uint_eq(sim->q[1].notified, 2);
	struct virtio_net_counters c;
	virtio_net_counters(p, &c);
	ck_assert_uint_eq(c.tx_watchdog_kicks, 2);
	ck_assert_uint_eq(pool->avail, pool->size - 256); /* only the receive ring holds buffers */
	close_all(p, sim);
}
END_TEST

START_TEST(oversized_and_runt_frames_counted)
{
	struct sim *sim = sim_new(MODERN, false);
	struct vnet_port *p = open_ok(sim);
	static uint8_t big[5000];
	uint8_t f[60];
	frame_of(big, sizeof(big), 9);
	frame_of(f, sizeof(f), 1);
	ck_assert(sim_wire_rx(sim, big, sizeof(big))); /* three buffers, MRG_RXBUF */
	ck_assert(sim_wire_rx(sim, f, sizeof(f)));
	/* a runt: the device reports fewer bytes than the header */
	struct sim_queue *sq = &sim->q[0];
	uint16_t id = sq->avail->ring[sq->next_avail++ & 255];
	sim_publish_used(sq, id, 4);
	ck_assert(sim_wire_rx(sim, f, sizeof(f)));
	struct pkt_buf *pk[PKT_BURST];
	uint16_t n = vnet_rx_burst(p, pk, PKT_BURST);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(pk[0]->len, 60);
	ck_assert_mem_eq(pk[0]->data, f, 60);
	pkt_free_burst(pk, n);
	struct vnet_stats st;
	struct virtio_net_counters c;
	vnet_stats(p, &st);
	virtio_net_counters(p, &c);
	ck_assert_uint_eq(st.rx_errors, 2);
	ck_assert_uint_eq(c.rx_oversized, 1);
	ck_assert_uint_eq(c.rx_runt, 1);
	ck_assert_uint_eq(sq->avail->idx - sq->next_avail, 256); /* every buffer went back on the ring */
	ck_assert_ptr_null(virtio_net_error(p));
	close_all(p, sim);
}
END_TEST

START_TEST(small_pool_degrades_and_recovers)
{
	struct pkt_pool *small = pkt_pool_create("small", 64);
	struct sim *sim = sim_new(MODERN, false);
	char err[200];
	struct vnet_port *p = virtio_net_open(&sim->dev, small, err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(sim->q[0].avail->idx, 64); /* all the pool had */
	struct virtio_net_counters c;
	virtio_net_counters(p, &c);
	ck_assert_uint_ge(c.rx_refill_short, 1);
	uint8_t f[60];
	frame_of(f, 60, 0);
	struct pkt_buf *held[64];
	unsigned n_held = 0;
	for (int i = 0; i < 64; i++)
		ck_assert(sim_wire_rx(sim, f, 60));
	ck_assert(!sim_wire_rx(sim, f, 60)); /* the device has no buffer left: it must wait */
	while (n_held < 64) {
		uint16_t n = vnet_rx_burst(p, held + n_held, PKT_BURST);
		ck_assert_uint_gt(n, 0);
		n_held += n;
	}
	struct pkt_buf *none[PKT_BURST];
	ck_assert_uint_eq(vnet_rx_burst(p, none, PKT_BURST), 0);
	pkt_free_burst(held, n_held);
	ck_assert_uint_eq(vnet_rx_burst(p, none, PKT_BURST), 0); /* refills from the freed buffers */
	ck_assert(sim_wire_rx(sim, f, 60));
	ck_assert_uint_eq(vnet_rx_burst(p, none, PKT_BURST), 1);
	pkt_free_burst(none, 1);
	vnet_close(p);
	ck_assert_uint_eq(small->avail, small->size);
	pkt_pool_destroy(small);
	free(sim);
}
END_TEST

START_TEST(broken_rings_stop_the_port_with_a_reason)
{
	const char *want[3] = { "receive queue: the used index ran past the descriptors in flight",
				"receive queue: the used ring named a descriptor id past the ring",
				"transmit queue: the used ring named a descriptor that was not in flight" };
	for (int i = 0; i < 3; i++) {
		struct sim *sim = sim_new(MODERN, false);
		struct vnet_port *p = open_ok(sim);
		struct pkt_buf *pk[PKT_BURST];
		if (i == 0) {
			*(volatile uint16_t *)&sim->q[0].used->idx = 300; /* 300 used, 256 in flight */
		} else if (i == 1) {
			sim->q[0].used->ring[0] = (struct virtq_used_elem){ 999, 60 };
			*(volatile uint16_t *)&sim->q[0].used->idx = 1;
		} else {
			ck_assert_uint_eq(pkt_alloc_burst(pool, pk, 1), 1);
			pk[0]->len = 60;
			ck_assert_uint_eq(vnet_tx_burst(p, pk, 1), 1);
			sim->q[1].used->ring[0] = (struct virtq_used_elem){ 5, 0 }; /* id 0 was the one in flight */
			*(volatile uint16_t *)&sim->q[1].used->idx = 1;
			ck_assert_uint_eq(pkt_alloc_burst(pool, pk, 1), 1);
			pk[0]->len = 60;
			ck_assert_uint_eq(vnet_tx_burst(p, pk, 1), 0);
			pkt_free(pk[0]);
		}
		ck_assert_uint_eq(vnet_rx_burst(p, pk, PKT_BURST), 0);
		ck_assert(i == 2 || p->rx_done);
		const char *e = virtio_net_error(p);
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e, want[i]);
		ck_assert_ptr_null(virtio_net_error(p)); /* said once */
		ck_assert_uint_eq(vnet_rx_burst(p, pk, PKT_BURST), 0);
		close_all(p, sim); /* every buffer still comes back */
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio");
	TCase *tc = tcase_create("virtio");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120); /* the sanitizer build on a busy machine */
	tcase_add_test(tc, modern_negotiation);
	tcase_add_test(tc, legacy_header_without_mrg);
	tcase_add_test(tc, bad_devices_refused_precisely);
	tcase_add_test(tc, bad_queues_refused_precisely);
	tcase_add_test(tc, rx_tx_wraparound_byte_exact);
	tcase_add_test(tc, kicks_follow_event_idx_and_no_notify);
	tcase_add_test(tc, tx_ring_full_is_partial_not_fatal);
	tcase_add_test(tc, watchdog_kicks_a_stalled_transmit_ring_only);
	tcase_add_test(tc, oversized_and_runt_frames_counted);
	tcase_add_test(tc, small_pool_degrades_and_recovers);
	tcase_add_test(tc, broken_rings_stop_the_port_with_a_reason);
	suite_add_tcase(s, tc);
	return check_run(s);
}
