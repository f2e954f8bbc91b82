/* The image's network ports: every virtio-net device found at boot, in discovery order
 * (PCI slot order on q35; transport order on microvm), brought up by drivers/virtio. */
#include "kern_virtio.h"

#include <string.h>

static void *dma_alloc(size_t bytes) { return kern_page_alloc((bytes + 4095) / 4096); }
static void dma_free(void *p, size_t bytes) { kern_page_free(p, (bytes + 4095) / 4096); }

void kern_virtio_dev_init(struct virtio_dev *d, const struct virtio_transport_ops *ops, void *priv,
			  const char *transport, bool legacy, bool fixed_queue_size)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->priv = priv;
	d->transport = transport;
	d->legacy = legacy;
	d->fixed_queue_size = fixed_queue_size;
	d->dma_alloc = dma_alloc;
	d->dma_free = dma_free;
	d->phys_offset = 0; /* memory is identity-mapped */
}

unsigned kern_nics_count(void)
{
	return kern_count_virtio(VIRTIO_ID_NET);
}

unsigned kern_nics_open(struct pkt_pool *pool, struct kern_nic *nics, unsigned max, enum kern_log log)
{
	const struct kern_device *devs;
	unsigned n_devs = kern_devices(&devs), n = 0;
	for (unsigned i = 0; i < n_devs && n < max; i++) {
		const struct kern_device *kd = &devs[i];
		if (!kern_is_virtio(kd, VIRTIO_ID_NET))
			continue;
		struct kern_nic *nic = &nics[n];
		char err[200];
		if (kd->bus == KERN_BUS_PCI)
			kern_snprintf(nic->where, sizeof(nic->where), "pci %02x:%02x.%u", kd->pci.bus, kd->pci.dev,
				      kd->pci.fn);
		else
			kern_snprintf(nic->where, sizeof(nic->where), "mmio %#llx", (unsigned long long)kd->mmio.base);
		int rc = kd->bus == KERN_BUS_PCI ? kern_virtio_pci(kd, &nic->dev, err, sizeof(err))
						 : kern_virtio_mmio(kd, &nic->dev, err, sizeof(err));
		if (rc == 0) {
			nic->port = virtio_net_open(&nic->dev, pool, err, sizeof(err));
			rc = nic->port ? 0 : -1;
		}
		if (rc) {
			kern_printf("sluice: NIC %u (virtio-net, %s): %s\n", n, nic->where, err);
			kern_exit(KERN_EXIT_DEVICE);
		}
		nic->port->id = (uint16_t)n;
		kern_snprintf(nic->port->name, sizeof(nic->port->name), "nic%u", n);
		if (log >= KERN_LOG_DEBUG) {
			char words[256];
			virtio_net_features_format(virtio_net_features(nic->port), words, sizeof(words));
			kern_printf("sluice: NIC %u features: %s\n", n, words);
		}
		n++;
	}
	return n;
}
