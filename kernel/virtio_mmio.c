/* virtio-mmio transports (virtio 1.x 4.2): version 2, and the legacy version 1 that QEMU
 * gives by default (GuestPageSize, QueuePFN, one page-aligned ring block). */
#include "kern_virtio.h"

#include <stdlib.h>

enum {
	R_MAGIC = 0x00, R_VERSION = 0x04, R_DEVICE_ID = 0x08,
	R_DEVICE_FEATURES = 0x10, R_DEVICE_FEATURES_SEL = 0x14,
	R_DRIVER_FEATURES = 0x20, R_DRIVER_FEATURES_SEL = 0x24,
	R_GUEST_PAGE_SIZE = 0x28, /* v1 */
	R_QUEUE_SEL = 0x30, R_QUEUE_NUM_MAX = 0x34, R_QUEUE_NUM = 0x38,
	R_QUEUE_ALIGN = 0x3c, R_QUEUE_PFN = 0x40, /* v1 */
	R_QUEUE_READY = 0x44, R_QUEUE_NOTIFY = 0x50,
	R_STATUS = 0x70,
	R_QUEUE_DESC = 0x80, R_QUEUE_DRIVER = 0x90, R_QUEUE_DEVICE = 0xa0,
	R_CONFIG = 0x100,
};

struct mmio {
	volatile uint8_t *base;
	uint32_t version;
};

static inline uint32_t rd(struct virtio_dev *d, unsigned off)
{
	return *(volatile uint32_t *)(((struct mmio *)d->priv)->base + off);
}

static inline void wr(struct virtio_dev *d, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(((struct mmio *)d->priv)->base + off) = v;
}

static uint8_t get_status(struct virtio_dev *d) { return (uint8_t)rd(d, R_STATUS); }
static void set_status(struct virtio_dev *d, uint8_t s) { wr(d, R_STATUS, s); }

static uint64_t get_features(struct virtio_dev *d)
{
	wr(d, R_DEVICE_FEATURES_SEL, 0);
	uint64_t lo = rd(d, R_DEVICE_FEATURES);
	wr(d, R_DEVICE_FEATURES_SEL, 1);
	return lo | (uint64_t)rd(d, R_DEVICE_FEATURES) << 32;
}

static void set_features(struct virtio_dev *d, uint64_t f)
{
	wr(d, R_DRIVER_FEATURES_SEL, 0);
	wr(d, R_DRIVER_FEATURES, (uint32_t)f);
	wr(d, R_DRIVER_FEATURES_SEL, 1);
	wr(d, R_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint16_t queue_max(struct virtio_dev *d, uint16_t q)
{
	wr(d, R_QUEUE_SEL, q);
	uint32_t max = rd(d, R_QUEUE_NUM_MAX);
	return max > 32768 ? 32768 : (uint16_t)max;
}

static int queue_enable(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
			const char **err)
{
	struct mmio *m = d->priv;
	wr(d, R_QUEUE_SEL, q);
	if (m->version == 1) {
		if (rd(d, R_QUEUE_PFN)) {
			*err = "the queue is already in use";
			return -1;
		}
		wr(d, R_GUEST_PAGE_SIZE, 4096);
		wr(d, R_QUEUE_NUM, size);
		wr(d, R_QUEUE_ALIGN, 4096);
		wr(d, R_QUEUE_PFN, (uint32_t)(desc >> 12));
		(void)avail, (void)used; /* at fixed places after desc in the legacy layout */
		return 0;
	}
	if (rd(d, R_QUEUE_READY)) {
		*err = "the queue is already in use";
		return -1;
	}
	wr(d, R_QUEUE_NUM, size);
	wr(d, R_QUEUE_DESC, (uint32_t)desc);
	wr(d, R_QUEUE_DESC + 4, (uint32_t)(desc >> 32));
	wr(d, R_QUEUE_DRIVER, (uint32_t)avail);
	wr(d, R_QUEUE_DRIVER + 4, (uint32_t)(avail >> 32));
	wr(d, R_QUEUE_DEVICE, (uint32_t)used);
	wr(d, R_QUEUE_DEVICE + 4, (uint32_t)(used >> 32));
	wr(d, R_QUEUE_READY, 1);
	if (rd(d, R_QUEUE_READY) != 1) {
		*err = "QueueReady did not stay set";
		return -1;
	}
	return 0;
}

static void notify(struct virtio_dev *d, uint16_t q) { wr(d, R_QUEUE_NOTIFY, q); }

static void config_read(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	uint8_t *out = buf;
	for (unsigned i = 0; i < len; i++)
		out[i] = ((struct mmio *)d->priv)->base[R_CONFIG + off + i];
}

static const struct virtio_transport_ops mmio_ops = {
	.get_status = get_status,
	.set_status = set_status,
	.get_features = get_features,
	.set_features = set_features,
	.queue_max = queue_max,
	.queue_enable = queue_enable,
	.notify = notify,
	.config_read = config_read,
};

int kern_virtio_mmio(const struct kern_device *kd, struct virtio_dev *d, char *err, size_t errlen)
{
	struct mmio *m = calloc(1, sizeof(*m));
	if (!m) {
		kern_snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->base = (volatile uint8_t *)(uintptr_t)kd->mmio.base; /* mapped by discovery */
	m->version = kd->mmio.version;
	if (m->version != 1 && m->version != 2) {
		kern_snprintf(err, errlen, "virtio-mmio version %u; Sluice drives versions 1 (legacy) and 2",
			      m->version);
		free(m);
		return -1;
	}
	kern_virtio_dev_init(d, &mmio_ops, m, m->version == 1 ? "mmio-legacy" : "mmio", m->version == 1, false);
	return 0;
}
