/* Glue between the kernel's device table and the virtio driver (drivers/virtio): the
 * transports, and opening every virtio-net device as a port. Internal to kernel/. */
#ifndef SLUICE_KERN_VIRTIO_H
#define SLUICE_KERN_VIRTIO_H

#include "kern_internal.h"
#include "virtio.h"

/* Fills d for a transport; DMA memory comes from the page allocator (identity-mapped). */
void kern_virtio_dev_init(struct virtio_dev *d, const struct virtio_transport_ops *ops, void *priv,
			  const char *transport, bool legacy, bool fixed_queue_size);
int kern_virtio_mmio(const struct kern_device *kd, struct virtio_dev *d, char *err, size_t errlen);
int kern_virtio_pci(const struct kern_device *kd, struct virtio_dev *d, char *err, size_t errlen);

#define VIRTIO_ID_RNG 4

/* virtio_rng.c: the first virtio entropy device, brought up (false: none usable); its
 * bytes (false once it failed to answer); where it is, or NULL. */
bool kern_virtio_rng_init(void);
bool kern_virtio_rng_read(void *out, size_t len);
const char *kern_virtio_rng_where(void);

/* nics.c: the image's network ports, in discovery order */
struct kern_nic {
	struct vnet_port *port;
	struct virtio_dev dev;
	char where[40];            /* "pci 00:02.0", "mmio 0xfeb02e00" */
};
/* Opens every virtio-net device into ports receiving from pool; on the first device that
 * cannot be brought up, prints why and exits with KERN_EXIT_DEVICE. Returns the count. */
unsigned kern_nics_open(struct pkt_pool *pool, struct kern_nic *nics, unsigned max, enum kern_log log);
/* Number of virtio-net devices found (to size the pool before opening them). */
unsigned kern_nics_count(void);

#endif
