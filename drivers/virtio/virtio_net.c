/* virtio-net as a vnet port: feature negotiation, queue setup, receive and transmit. */
#include "virtio.h"
#include "virtq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RXQ 0
#define TXQ 1

/* What the driver can use, and what it insists on (see docs/ARCHITECTURE.md). */
#define WANT_FEATURES                                                                                        \
	(1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_NET_F_MRG_RXBUF |             \
	 1ull << VIRTIO_F_RING_EVENT_IDX | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_ANY_LAYOUT)

struct vnet_virtio {
	struct vnet_port port;     /* first: the vnet_port pointer is this struct */
	struct virtq rx, tx;
	struct virtio_dev *dev;
	uintptr_t phys_offset;
	uint16_t hdr_len;          /* 12 with VERSION_1 or MRG_RXBUF, else 10 */
	bool mrg_rxbuf;
	uint16_t rx_skip;          /* buffers still to drop of an oversized frame */
	uint64_t features;
	struct vnet_stats st;
	struct virtio_net_counters cnt;
	bool error_reported;
	char error[96];
	uint16_t watchdog_used;    /* the transmit ring's used index at the last watchdog call */
	uint16_t watchdog_stalls;  /* calls in a row with descriptors in flight and no progress */
};

static const char *const feature_names[64] = {
	[0] = "CSUM", [1] = "GUEST_CSUM", [3] = "MTU", [5] = "MAC", [7] = "GUEST_TSO4", [8] = "GUEST_TSO6",
	[10] = "GUEST_UFO", [11] = "HOST_TSO4", [12] = "HOST_TSO6", [14] = "HOST_UFO", [15] = "MRG_RXBUF",
	[16] = "STATUS", [17] = "CTRL_VQ", [18] = "CTRL_RX", [19] = "CTRL_VLAN", [21] = "GUEST_ANNOUNCE",
	[22] = "MQ", [23] = "CTRL_MAC_ADDR", [24] = "NOTIFY_ON_EMPTY", [27] = "ANY_LAYOUT",
	[28] = "INDIRECT_DESC", [29] = "EVENT_IDX", [30] = "BAD_FEATURE", [32] = "VERSION_1",
	[33] = "ACCESS_PLATFORM", [34] = "RING_PACKED", [35] = "IN_ORDER", [36] = "ORDER_PLATFORM",
	[37] = "SR_IOV", [38] = "NOTIFICATION_DATA", [61] = "RSC_EXT", [62] = "STANDBY",
};

void virtio_net_features_format(uint64_t features, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = 0;
	for (unsigned b = 0; b < 64 && at < len; b++) {
		if (!(features >> b & 1))
			continue;
		int n = feature_names[b] ? snprintf(buf + at, len - at, "%s%s", at ? " " : "", feature_names[b])
					 : snprintf(buf + at, len - at, "%sbit%u", at ? " " : "", b);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

static inline uint64_t phys(const struct vnet_virtio *v, const void *p)
{
	return (uint64_t)((uintptr_t)p - v->phys_offset);
}

static void rx_refill(struct vnet_virtio *v)
{
	struct virtq *q = &v->rx;
	struct pkt_buf *fresh[PKT_BURST];
	while (q->n_free) {
		unsigned want = q->n_free < PKT_BURST ? q->n_free : PKT_BURST;
		unsigned got = pkt_alloc_burst(v->port.pool, fresh, want);
		for (unsigned i = 0; i < got; i++) {
			struct pkt_buf *p = fresh[i];
			/* the header lands in the headroom, the frame at p->data */
			virtq_add(q, p, phys(v, p->data - v->hdr_len), v->hdr_len + pkt_tailroom(p), VIRTQ_DESC_F_WRITE);
		}
		if (got < want) {
			v->cnt.rx_refill_short++;
			break;
		}
	}
	if (virtq_publish(q)) {
		v->dev->ops->notify(v->dev, RXQ);
		v->cnt.rx_kicks++;
	}
}

/* A ring the device broke (q->broken says why) stops the whole port. */
static void broke(struct vnet_virtio *v)
{
	v->cnt.broken = 1;
	v->port.rx_done = true; /* nothing more will come from this device */
}

static uint16_t virtio_rx_burst(struct vnet_port *port, struct pkt_buf **pkts, uint16_t n)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	struct virtq *q = &v->rx;
	if (__builtin_expect(v->cnt.broken != 0, 0))
		return 0;
	uint16_t ready = virtq_used_ready(q);
	uint16_t got = 0;
	struct pkt_buf *dropped[PKT_BURST];
	unsigned n_dropped = 0;
	for (uint16_t i = 0; i < ready && got < n && n_dropped < PKT_BURST; i++) {
		uint32_t len;
		struct pkt_buf *p = virtq_take(q, &len);
		if (__builtin_expect(!p, 0))
			break;
		if (__builtin_expect(v->rx_skip != 0, 0)) {
			v->rx_skip--;
			dropped[n_dropped++] = p;
			continue;
		}
		if (__builtin_expect(len < v->hdr_len || len > v->hdr_len + pkt_tailroom(p), 0)) {
			v->cnt.rx_runt += len < v->hdr_len;
			v->st.rx_errors++;
			dropped[n_dropped++] = p;
			continue;
		}
		if (v->mrg_rxbuf) {
			uint16_t nbuf;
			__builtin_memcpy(&nbuf, p->data - 2, 2); /* num_buffers, little-endian like x86 */
			if (__builtin_expect(nbuf != 1, 0)) {
				/* a frame longer than one buffer: drop it and the buffers that follow */
				v->rx_skip = nbuf ? (uint16_t)(nbuf - 1) : 0;
				v->cnt.rx_oversized++;
				v->st.rx_errors++;
				dropped[n_dropped++] = p;
				continue;
			}
		}
		p->len = (uint16_t)(len - v->hdr_len);
		p->port = port->id;
		__builtin_prefetch(p->data);
		v->st.rx_bytes += p->len;
		pkts[got++] = p;
	}
	if (n_dropped)
		pkt_free_burst(dropped, n_dropped);
	v->st.rx_pkts += got;
	if (__builtin_expect(q->broken != NULL, 0)) {
		broke(v);
		return got;
	}
	if (got || n_dropped) {
		virtq_quiet(q);
		rx_refill(v);
	} else if (q->n_free >= PKT_BURST) {
		rx_refill(v); /* the pool ran short at the last refill: try again */
	}
	return got;
}

static void tx_reclaim(struct vnet_virtio *v)
{
	struct virtq *q = &v->tx;
	uint16_t ready = virtq_used_ready(q);
	struct pkt_buf *done[PKT_BURST];
	unsigned n_done = 0;
	for (uint16_t i = 0; i < ready; i++) {
		uint32_t len;
		struct pkt_buf *p = virtq_take(q, &len);
		if (__builtin_expect(!p, 0))
			break;
		done[n_done++] = p;
		if (n_done == PKT_BURST) {
			pkt_free_burst(done, n_done);
			n_done = 0;
		}
	}
	if (n_done)
		pkt_free_burst(done, n_done);
	if (ready)
		virtq_quiet(q);
	if (__builtin_expect(q->broken != NULL, 0))
		broke(v);
}

static uint16_t virtio_tx_burst(struct vnet_port *port, struct pkt_buf **pkts, uint16_t n)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	struct virtq *q = &v->tx;
	tx_reclaim(v);
	if (__builtin_expect(v->cnt.broken != 0, 0))
		return 0;
	uint16_t sent = 0;
	for (; sent < n && q->n_free; sent++) {
		struct pkt_buf *p = pkts[sent];
		uint16_t len = p->len;
		uint8_t *hdr = pkt_headroom(p) >= 12 ? pkt_prepend(p, v->hdr_len) : NULL;
		if (__builtin_expect(!hdr, 0)) {
			v->cnt.tx_no_headroom++;
			v->st.tx_errors++;
			pkt_free(p);
			continue;
		}
		/* no offloads: flags 0, gso_type NONE. Two stores clear the 12 bytes before the
		 * frame (the 10-byte legacy header and 2 bytes of our own headroom). */
		static const uint8_t zero[12];
		__builtin_memcpy(p->data + v->hdr_len - 12, zero, 8); /* inlined, also in the image */
		__builtin_memcpy(p->data + v->hdr_len - 4, zero, 4);
		v->st.tx_bytes += len;
		v->st.tx_pkts++;
		virtq_add(q, p, phys(v, hdr), p->len, 0);
	}
	if (sent < n)
		v->cnt.tx_ring_full++;
	if (virtq_publish(q)) {
		v->dev->ops->notify(v->dev, TXQ);
		v->cnt.tx_kicks++;
	}
	return sent;
}

static void virtio_stats(struct vnet_port *port, struct vnet_stats *out)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	*out = v->st;
	out->rx_nobuf = v->port.pool->alloc_fails;
}

static void virtio_link(struct vnet_port *port, struct vnet_link *out)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	out->up = true;
	out->speed_mbps = 0;
	if (v->features >> VIRTIO_NET_F_STATUS & 1) {
		uint16_t status = 0;
		v->dev->ops->config_read(v->dev, 6, &status, 2);
		out->up = status & VIRTIO_NET_S_LINK_UP;
	}
}

static void queue_release(struct vnet_virtio *v, struct virtq *q)
{
	if (!q->mem)
		return;
	for (uint16_t id = 0; id < q->size; id++)
		if (q->bufs[id])
			pkt_free(q->bufs[id]);
	v->dev->dma_free(q->mem, q->mem_bytes);
	free(q->bufs);
	free(q->free_ids);
	memset(q, 0, sizeof(*q));
}

static void virtio_close(struct vnet_port *port)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	v->dev->ops->set_status(v->dev, 0); /* reset: the device lets go of every buffer */
	queue_release(v, &v->rx);
	queue_release(v, &v->tx);
	free(v);
}

static const struct vnet_ops virtio_ops = {
	.kind = "virtio",
	.stats = virtio_stats,
	.link = virtio_link,
	.close = virtio_close,
};

__attribute__((format(printf, 4, 5))) static int fail(struct virtio_dev *dev, char *err, size_t errlen,
							const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	dev->ops->set_status(dev, VIRTIO_S_FAILED);
	dev->ops->set_status(dev, 0);
	return -1;
}

static int queue_setup(struct vnet_virtio *v, struct virtq *q, uint16_t index, char *err, size_t errlen)
{
	struct virtio_dev *dev = v->dev;
	const char *qname = index == RXQ ? "receive" : "transmit";
	uint16_t max = dev->ops->queue_max(dev, index);
	if (!max)
		return fail(dev, err, errlen, "the device has no %s queue (queue %u)", qname, index);
	if (max & (max - 1))
		return fail(dev, err, errlen, "the %s queue's size %u is not a power of two, as split rings need",
			    qname, max);
	uint16_t size = dev->fixed_queue_size || max < VIRTIO_NET_QUEUE_SIZE ? max : VIRTIO_NET_QUEUE_SIZE;
	if (size < PKT_BURST)
		return fail(dev, err, errlen, "the %s queue holds %u descriptors; Sluice needs at least 32", qname,
			    size);
	size_t used_off, bytes = virtq_bytes(size, &used_off);
	q->mem = dev->dma_alloc(bytes);
	q->bufs = calloc(size, sizeof(*q->bufs));
	q->free_ids = malloc(size * sizeof(*q->free_ids));
	if (!q->mem || !q->bufs || !q->free_ids) {
		if (q->mem)
			dev->dma_free(q->mem, bytes);
		free(q->bufs);
		free(q->free_ids);
		memset(q, 0, sizeof(*q));
		return fail(dev, err, errlen, "out of memory for the %s queue's %u descriptors", qname, size);
	}
	q->mem_bytes = bytes;
	q->size = size;
	q->mask = (uint16_t)(size - 1);
	q->desc = q->mem;
	q->avail = (struct virtq_avail *)((uint8_t *)q->mem + 16u * size);
	q->used = (struct virtq_used *)((uint8_t *)q->mem + used_off);
	q->event_idx = v->features >> VIRTIO_F_RING_EVENT_IDX & 1;
	q->avail->flags = q->event_idx ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
	virtq_quiet(q);
	for (uint16_t i = 0; i < size; i++)
		q->free_ids[i] = (uint16_t)(size - 1 - i); /* id 0 first */
	q->n_free = size;
	const char *why = NULL;
	if (dev->ops->queue_enable(dev, index, size, phys(v, q->desc), phys(v, q->avail), phys(v, q->used), &why))
		return fail(dev, err, errlen, "the device refused the %s queue: %s", qname, why ? why : "no reason given");
	return 0;
}

struct vnet_port *virtio_net_open(struct virtio_dev *dev, struct pkt_pool *pool, char *err, size_t errlen)
{
	char words[256];
	const struct virtio_transport_ops *ops = dev->ops;
	ops->set_status(dev, 0);
	ops->set_status(dev, VIRTIO_S_ACKNOWLEDGE);
	ops->set_status(dev, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	uint64_t offered = ops->get_features(dev);
	if (dev->legacy)
		offered &= 0xffffffffull;
	if (!dev->legacy && !(offered >> VIRTIO_F_VERSION_1 & 1)) {
		virtio_net_features_format(offered, words, sizeof(words));
		fail(dev, err, errlen, "the %s transport is virtio 1.x but the device does not offer VERSION_1 "
			 "(it offers: %s)", dev->transport, words[0] ? words : "nothing");
		return NULL;
	}
	uint64_t features = offered & WANT_FEATURES;
	if (!dev->legacy)
		features &= ~(1ull << VIRTIO_F_ANY_LAYOUT); /* implied by VERSION_1 */
	ops->set_features(dev, features);
	uint8_t status = VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER;
	if (!dev->legacy) {
		status |= VIRTIO_S_FEATURES_OK;
		ops->set_status(dev, status);
		if (!(ops->get_status(dev) & VIRTIO_S_FEATURES_OK)) {
			virtio_net_features_format(features, words, sizeof(words));
			fail(dev, err, errlen, "the device refused the features Sluice asked for (%s)%s", words,
			     offered >> VIRTIO_F_ACCESS_PLATFORM & 1
				     ? "; it wants ACCESS_PLATFORM, an IOMMU Sluice does not drive" : "");
			return NULL;
		}
	}
	struct vnet_virtio *v = calloc(1, sizeof(*v));
	if (!v) {
		fail(dev, err, errlen, "out of memory for the port%s", "");
		return NULL;
	}
	v->dev = dev;
	v->features = features;
	v->phys_offset = dev->phys_offset;
	v->mrg_rxbuf = features >> VIRTIO_NET_F_MRG_RXBUF & 1;
	v->hdr_len = v->mrg_rxbuf || !dev->legacy ? 12 : 10;
	v->port.rx_burst = virtio_rx_burst;
	v->port.tx_burst = virtio_tx_burst;
	v->port.ops = &virtio_ops;
	v->port.pool = pool;
	snprintf(v->port.name, sizeof(v->port.name), "virtio");
	if (queue_setup(v, &v->rx, RXQ, err, errlen) || queue_setup(v, &v->tx, TXQ, err, errlen)) {
		queue_release(v, &v->rx);
		queue_release(v, &v->tx);
		free(v);
		return NULL;
	}
	if (features >> VIRTIO_NET_F_MAC & 1)
		ops->config_read(dev, 0, v->port.mac, 6);
	else
		memcpy(v->port.mac, (const uint8_t[6]){ 0x02, 0x53, 0x4c, 0, 0, 0 }, 6); /* locally administered */
	status |= VIRTIO_S_DRIVER_OK;
	ops->set_status(dev, status);
	uint8_t now = ops->get_status(dev);
	if (now & (VIRTIO_S_NEEDS_RESET | VIRTIO_S_FAILED) || !(now & VIRTIO_S_DRIVER_OK)) {
		snprintf(err, errlen, "the device did not accept DRIVER_OK (status %#x after setup)", now);
		virtio_close(&v->port);
		return NULL;
	}
	rx_refill(v);
	return &v->port;
}

void virtio_net_watchdog(struct vnet_port *port)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	if (v->cnt.broken)
		return;
	tx_reclaim(v);
	struct virtq *q = &v->tx;
	uint16_t used = *(volatile uint16_t *)&q->used->idx;
	if (q->n_free == q->size || used != v->watchdog_used)
		v->watchdog_stalls = 0;
	else if (++v->watchdog_stalls == VIRTIO_NET_WATCHDOG_CALLS) {
		v->watchdog_stalls = 0;
		v->dev->ops->notify(v->dev, TXQ);
		v->cnt.tx_watchdog_kicks++;
	}
	v->watchdog_used = used;
}

uint64_t virtio_net_features(struct vnet_port *port) { return ((struct vnet_virtio *)port)->features; }

uint16_t virtio_net_queue_size(struct vnet_port *port, bool tx)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	return tx ? v->tx.size : v->rx.size;
}

void virtio_net_counters(struct vnet_port *port, struct virtio_net_counters *out)
{
	*out = ((struct vnet_virtio *)port)->cnt;
}

const char *virtio_net_error(struct vnet_port *port)
{
	struct vnet_virtio *v = (struct vnet_virtio *)port;
	if (!v->cnt.broken || v->error_reported)
		return NULL;
	v->error_reported = true;
	snprintf(v->error, sizeof(v->error), "%s queue: %s", v->rx.broken ? "receive" : "transmit",
		 v->rx.broken ? v->rx.broken : v->tx.broken);
	return v->error;
}
