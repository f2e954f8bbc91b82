/* virtio-rng (virtio 1.x 5.4): the VMM's entropy (QEMU's virtio-rng, Firecracker's), read
 * when the CPU has neither RDSEED nor RDRAND. One queue of one writable descriptor:
 * post a buffer, tell the device, wait (bounded) for it to come back filled. Used at
 * boot and for the few random numbers the appliance asks for later (hash seeds, TCP
 * initial sequence numbers, DHCP transaction IDs, key material), never per packet. */
#include "kern_virtio.h"
#include "virtq.h"

#include <string.h>

#define RNG_QSIZE 8u                 /* descriptors we use: one at a time */
#define RNG_WAIT_NS 100000000ull     /* a request the device leaves for 100 ms: given up */

static struct {
	bool up, broken;
	struct virtio_dev dev;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t size, avail_idx, last_used;
	uint8_t *buf;                    /* one page the device writes into */
	char where[40];
} rng;

const char *kern_virtio_rng_where(void)
{
	return rng.up && !rng.broken ? rng.where : NULL;
}

bool kern_virtio_rng_init(void)
{
	const struct kern_device *devs;
	unsigned n = kern_devices(&devs);
	for (unsigned i = 0; i < n && !rng.up; i++) {
		const struct kern_device *kd = &devs[i];
		if (!kern_is_virtio(kd, VIRTIO_ID_RNG))
			continue;
		char err[160];
		int rc = kd->bus == KERN_BUS_PCI ? kern_virtio_pci(kd, &rng.dev, err, sizeof(err))
						 : kern_virtio_mmio(kd, &rng.dev, err, sizeof(err));
		if (rc) {
			kern_printf("sluice: virtio-rng: %s\n", err);
			continue;
		}
		struct virtio_dev *d = &rng.dev;
		const struct virtio_transport_ops *ops = d->ops;
		ops->set_status(d, 0);
		ops->set_status(d, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
		uint64_t features = d->legacy ? 0 : ops->get_features(d) & 1ull << VIRTIO_F_VERSION_1;
		ops->set_features(d, features);
		uint8_t status = VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER;
		if (!d->legacy) {
			ops->set_status(d, status |= VIRTIO_S_FEATURES_OK);
			if (!(ops->get_status(d) & VIRTIO_S_FEATURES_OK)) {
				kern_printf("sluice: virtio-rng: VERSION_1 refused\n");
				ops->set_status(d, 0);
				continue;
			}
		}
		uint16_t max = ops->queue_max(d, 0);
		rng.size = d->fixed_queue_size ? max : (max < RNG_QSIZE ? max : RNG_QSIZE);
		if (!rng.size || (rng.size & (rng.size - 1))) {
			kern_printf("sluice: virtio-rng: queue %u\n", rng.size);
			ops->set_status(d, 0);
			continue;
		}
		size_t used_off = (16u * rng.size + 6u + 2u * rng.size + 4095) & ~(size_t)4095;
		size_t bytes = used_off + ((6u + 8u * rng.size + 4095) & ~(size_t)4095);
		uint8_t *mem = d->dma_alloc(bytes);
		rng.buf = d->dma_alloc(4096);
		const char *why = NULL;
		if (!mem || !rng.buf ||
		    ops->queue_enable(d, 0, rng.size, (uintptr_t)mem - d->phys_offset,
				      (uintptr_t)mem + 16u * rng.size - d->phys_offset, (uintptr_t)mem + used_off - d->phys_offset,
				      &why)) {
			kern_printf("sluice: virtio-rng: %s\n", why ? why : "out of memory");
			ops->set_status(d, 0);
			continue;
		}
		rng.desc = (struct virtq_desc *)mem;
		rng.avail = (struct virtq_avail *)(mem + 16u * rng.size);
		rng.used = (struct virtq_used *)(mem + used_off);
		rng.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
		ops->set_status(d, status | VIRTIO_S_DRIVER_OK);
		if (kd->bus == KERN_BUS_PCI)
			kern_snprintf(rng.where, sizeof(rng.where), "pci %02x:%02x.%u", kd->pci.bus, kd->pci.dev, kd->pci.fn);
		else
			kern_snprintf(rng.where, sizeof(rng.where), "mmio %#llx", (unsigned long long)kd->mmio.base);
		rng.up = true;
	}
	return rng.up;
}

/* Fills out with len (at most 4096) random bytes from the device; false when it did not
 * answer in time (then it is not asked again). */
bool kern_virtio_rng_read(void *out, size_t len)
{
	if (!rng.up || rng.broken || len > 4096)
		return false;
	uint8_t *dst = out;
	while (len) {
		struct virtq_desc *dd = &rng.desc[0];
		dd->addr = (uintptr_t)rng.buf - rng.dev.phys_offset;
		dd->len = (uint32_t)len;
		dd->flags = VIRTQ_DESC_F_WRITE;
		rng.avail->ring[rng.avail_idx & (rng.size - 1)] = 0;
		__asm__ volatile("" ::: "memory");
		*(volatile uint16_t *)&rng.avail->idx = ++rng.avail_idx;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rng.dev.ops->notify(&rng.dev, 0);
		uint64_t deadline = kern_clock_ns() + RNG_WAIT_NS;
		while (*(volatile uint16_t *)&rng.used->idx == rng.last_used) {
			if (kern_clock_ns() > deadline) {
				rng.broken = true;
				kern_printf("sluice: virtio-rng (%s) timed out\n", rng.where);
				return false;
			}
			__asm__ volatile("pause");
		}
		__asm__ volatile("" ::: "memory");
		uint32_t got = rng.used->ring[rng.last_used & (rng.size - 1)].len;
		rng.last_used++;
		if (got > len)
			got = (uint32_t)len;
		memcpy(dst, rng.buf, got);
		memset(rng.buf, 0, got);
		dst += got;
		len -= got;
	}
	return true;
}
