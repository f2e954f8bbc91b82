/* virtio over PCI (virtio 1.x 4.1): the modern transport, found through the vendor
 * capabilities (common, notify, device configuration), and the legacy I/O-port interface
 * of transitional devices when they offer nothing else. */
#include "kern_virtio.h"

#include <stdlib.h>

#define PCI_CAP_VENDOR 0x09
enum { CFG_COMMON = 1, CFG_NOTIFY = 2, CFG_ISR = 3, CFG_DEVICE = 4 };

/* common configuration structure */
enum {
	C_DFSELECT = 0x00, C_DF = 0x04, C_GFSELECT = 0x08, C_GF = 0x0c, C_STATUS = 0x14,
	C_Q_SELECT = 0x16, C_Q_SIZE = 0x18, C_Q_ENABLE = 0x1c, C_Q_NOFF = 0x1e,
	C_Q_DESC = 0x20, C_Q_DRIVER = 0x28, C_Q_DEVICE = 0x30,
};
/* legacy I/O registers (no MSI-X) */
enum {
	L_HOST_FEATURES = 0, L_GUEST_FEATURES = 4, L_QUEUE_PFN = 8, L_QUEUE_SIZE = 12, L_QUEUE_SEL = 14,
	L_QUEUE_NOTIFY = 16, L_STATUS = 18, L_CONFIG = 20,
};

struct pci {
	volatile uint8_t *common, *notify, *device;
	uint32_t notify_mult;
	uint16_t notify_off[2];   /* per queue, read at queue setup */
	uint16_t io;              /* legacy: I/O base */
};

#define P(d) ((struct pci *)(d)->priv)
static inline uint8_t c8(struct virtio_dev *d, unsigned o) { return *(volatile uint8_t *)(P(d)->common + o); }
static inline uint16_t c16(struct virtio_dev *d, unsigned o) { return *(volatile uint16_t *)(P(d)->common + o); }
static inline uint32_t c32(struct virtio_dev *d, unsigned o) { return *(volatile uint32_t *)(P(d)->common + o); }
static inline void w8(struct virtio_dev *d, unsigned o, uint8_t v) { *(volatile uint8_t *)(P(d)->common + o) = v; }
static inline void w16(struct virtio_dev *d, unsigned o, uint16_t v) { *(volatile uint16_t *)(P(d)->common + o) = v; }
static inline void w32(struct virtio_dev *d, unsigned o, uint32_t v) { *(volatile uint32_t *)(P(d)->common + o) = v; }
static inline void w64(struct virtio_dev *d, unsigned o, uint64_t v)
{
	w32(d, o, (uint32_t)v);
	w32(d, o + 4, (uint32_t)(v >> 32));
}

static uint8_t m_get_status(struct virtio_dev *d) { return c8(d, C_STATUS); }
static void m_set_status(struct virtio_dev *d, uint8_t s)
{
	w8(d, C_STATUS, s);
	if (!s) /* reset completes when the device reads back 0 (4.1.4.3.2) */
		for (unsigned i = 0; i < 1000000 && c8(d, C_STATUS); i++)
			__asm__ volatile("pause");
}

static uint64_t m_get_features(struct virtio_dev *d)
{
	w32(d, C_DFSELECT, 0);
	uint64_t lo = c32(d, C_DF);
	w32(d, C_DFSELECT, 1);
	return lo | (uint64_t)c32(d, C_DF) << 32;
}

static void m_set_features(struct virtio_dev *d, uint64_t f)
{
	w32(d, C_GFSELECT, 0);
	w32(d, C_GF, (uint32_t)f);
	w32(d, C_GFSELECT, 1);
	w32(d, C_GF, (uint32_t)(f >> 32));
}

static uint16_t m_queue_max(struct virtio_dev *d, uint16_t q)
{
	w16(d, C_Q_SELECT, q);
	return c16(d, C_Q_SIZE);
}

static int m_queue_enable(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
			  const char **err)
{
	w16(d, C_Q_SELECT, q);
	if (c16(d, C_Q_ENABLE)) {
		*err = "the queue is already enabled";
		return -1;
	}
	w16(d, C_Q_SIZE, size);
	w64(d, C_Q_DESC, desc);
	w64(d, C_Q_DRIVER, avail);
	w64(d, C_Q_DEVICE, used);
	if (q < 2)
		P(d)->notify_off[q] = c16(d, C_Q_NOFF);
	w16(d, C_Q_ENABLE, 1);
	return 0;
}

static void m_notify(struct virtio_dev *d, uint16_t q)
{
	struct pci *p = P(d);
	*(volatile uint16_t *)(p->notify + (uint32_t)p->notify_off[q & 1] * p->notify_mult) = q;
}

static void m_config_read(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	uint8_t *out = buf;
	for (unsigned i = 0; i < len; i++)
		out[i] = P(d)->device ? P(d)->device[off + i] : 0;   /* a device without config (entropy) */
}

static const struct virtio_transport_ops modern_ops = {
	.get_status = m_get_status, .set_status = m_set_status,
	.get_features = m_get_features, .set_features = m_set_features,
	.queue_max = m_queue_max, .queue_enable = m_queue_enable,
	.notify = m_notify, .config_read = m_config_read,
};

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static uint8_t l_get_status(struct virtio_dev *d) { return inb((uint16_t)(P(d)->io + L_STATUS)); }
static void l_set_status(struct virtio_dev *d, uint8_t s) { outb((uint16_t)(P(d)->io + L_STATUS), s); }
static uint64_t l_get_features(struct virtio_dev *d) { return inl((uint16_t)(P(d)->io + L_HOST_FEATURES)); }
static void l_set_features(struct virtio_dev *d, uint64_t f) { outl((uint16_t)(P(d)->io + L_GUEST_FEATURES), (uint32_t)f); }

static uint16_t l_queue_max(struct virtio_dev *d, uint16_t q)
{
	outw((uint16_t)(P(d)->io + L_QUEUE_SEL), q);
	return inw((uint16_t)(P(d)->io + L_QUEUE_SIZE));
}

static int l_queue_enable(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
			  const char **err)
{
	(void)avail, (void)used, (void)size; /* legacy layout at fixed places after desc; the size is the device's */
	outw((uint16_t)(P(d)->io + L_QUEUE_SEL), q);
	if (inl((uint16_t)(P(d)->io + L_QUEUE_PFN))) {
		*err = "the queue is already in use";
		return -1;
	}
	if (desc >> 44) {
		*err = "ring memory above what a legacy queue address can reach";
		return -1;
	}
	outl((uint16_t)(P(d)->io + L_QUEUE_PFN), (uint32_t)(desc >> 12));
	return 0;
}

static void l_notify(struct virtio_dev *d, uint16_t q) { outw((uint16_t)(P(d)->io + L_QUEUE_NOTIFY), q); }

static void l_config_read(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	uint8_t *out = buf;
	for (unsigned i = 0; i < len; i++)
		out[i] = inb((uint16_t)(P(d)->io + L_CONFIG + off + i));
}

static const struct virtio_transport_ops legacy_ops = {
	.get_status = l_get_status, .set_status = l_set_status,
	.get_features = l_get_features, .set_features = l_set_features,
	.queue_max = l_queue_max, .queue_enable = l_queue_enable,
	.notify = l_notify, .config_read = l_config_read,
};

/* A memory BAR's address (0 for none, an I/O BAR, or one not assigned). */
static uint64_t bar_address(const struct kern_device *kd, unsigned bar)
{
	if (bar > 5)
		return 0;
	uint32_t lo = kern_pci_read32(kd, 0x10 + 4 * bar);
	if (lo & 1)
		return 0;
	uint64_t a = lo & ~0xfull;
	if ((lo >> 1 & 3) == 2 && bar < 5)
		a |= (uint64_t)kern_pci_read32(kd, 0x14 + 4 * bar) << 32;
	return a;
}

int kern_virtio_pci(const struct kern_device *kd, struct virtio_dev *d, char *err, size_t errlen)
{
	struct pci *p = calloc(1, sizeof(*p));
	if (!p) {
		kern_snprintf(err, errlen, "out of memory");
		return -1;
	}
	uint32_t cmd = kern_pci_read32(kd, 4);
	bool has_caps = cmd >> 16 & 0x10;
	unsigned guard = 0;
	for (unsigned at = has_caps ? kern_pci_read32(kd, 0x34) & 0xfc : 0; at && guard < 48; guard++) {
		uint32_t h = kern_pci_read32(kd, at);
		unsigned next = h >> 8 & 0xfc;
		if ((h & 0xff) == PCI_CAP_VENDOR) {
			unsigned type = h >> 24;
			uint32_t w1 = kern_pci_read32(kd, at + 4);
			uint32_t off = kern_pci_read32(kd, at + 8), len = kern_pci_read32(kd, at + 12);
			uint64_t base = bar_address(kd, w1 & 0xff);
			volatile uint8_t **slot = type == CFG_COMMON ? &p->common
						  : type == CFG_NOTIFY ? &p->notify
						  : type == CFG_DEVICE ? &p->device : NULL;
			if (slot && !*slot && base && len) {
				kern_map_mmio(base + off, len);
				*slot = (volatile uint8_t *)(uintptr_t)(base + off);
				if (type == CFG_NOTIFY)
					p->notify_mult = kern_pci_read32(kd, at + 16);
			}
		}
		at = next;
	}
	if (p->common && p->notify) {
		kern_pci_write32(kd, 4, (cmd & 0xffff) | 0x6); /* memory space, bus master */
		kern_virtio_dev_init(d, &modern_ops, p, "pci", false, false);
		return 0;
	}
	uint32_t bar0 = kern_pci_read32(kd, 0x10);
	if (kd->device >= 0x1000 && kd->device < 0x1040 && (bar0 & 1) && (bar0 & ~3u)) {
		p->io = (uint16_t)(bar0 & ~3u);
		kern_pci_write32(kd, 4, (cmd & 0xffff) | 0x5); /* I/O space, bus master */
		kern_virtio_dev_init(d, &legacy_ops, p, "pci-legacy", true, true);
		return 0;
	}
	kern_snprintf(err, errlen, "neither the virtio 1.x capabilities (common %s, notify %s, device %s) nor a "
		      "legacy I/O BAR", p->common ? "found" : "missing", p->notify ? "found" : "missing",
		      p->device ? "found" : "missing");
	free(p);
	return -1;
}
