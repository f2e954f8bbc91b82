/* vnet_dpdk.h - DPDK ethdev backend: any PMD (net_pcap, net_memif, net_tap, net_vhost,
 * virtio_user, net_af_packet, real NICs) as a vnet port, with no copy on either side.
 *
 * Order: vnet_dpdk_init() once with every device's devargs (vdevs are created by EAL),
 * vnet_dpdk_pool_create() for the receive pool, vnet_dpdk_open() per port, and
 * vnet_dpdk_fini() after the ports are closed. The pool's pkt_buf lives in each rte_mbuf's
 * private area, so a received mbuf is a pkt_buf without a copy and a sent pkt_buf is an
 * mbuf again; only a packet from a foreign (non-DPDK) pool is copied on transmit.
 */
#ifndef SLUICE_VNET_DPDK_H
#define SLUICE_VNET_DPDK_H

#include "vnet.h"

#include <stddef.h>

/* Starts EAL. eal_args replaces the defaults ("--no-huge -m 512 --no-pci
 * --file-prefix sluice-PID", chosen to run anywhere) when non-NULL. Each devargs whose
 * driver name starts with "net_", "eth_" or "virtio_user" becomes a --vdev, any other
 * (a PCI address) an -a. Returns 0, or -1 with one line in err. */
int vnet_dpdk_init(const char *eal_args, const char *const *devargs, unsigned n_dev, char *err,
		   size_t errlen);
void vnet_dpdk_fini(void);

/* A pool of n mbuf-backed packets. NULL with one line in err on failure. */
struct pkt_pool *vnet_dpdk_pool_create(const char *name, uint32_t n, char *err, size_t errlen);
void vnet_dpdk_pool_destroy(struct pkt_pool *pool);
/* One line on how the pool's buffers lie in memory: their size, whether DPDK packed them
 * or kept each within one page (for DMA by physical address), and on how many of the 64
 * cache-line offsets within a 4 KiB page the mbufs start (1 means they all compete for
 * the same L1 sets). */
void vnet_dpdk_pool_describe(const struct pkt_pool *pool, char *out, size_t len);

/* Configures and starts the device named by devargs, one RX and one TX queue. */
struct vnet_port *vnet_dpdk_open(const char *devargs, struct pkt_pool *pool, char *err,
				 size_t errlen);

#endif
