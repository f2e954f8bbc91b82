/* virtio.h - poll-mode virtio-net for the image: devices, split virtqueues, the netdev.
 *
 * The platform finds a device and wraps its transport (virtio over PCI, modern or
 * legacy; virtio-mmio, version 2 or legacy version 1) in a struct virtio_dev with the
 * ops below. virtio_net_open() then negotiates features, sets up one receive and one
 * transmit split virtqueue and returns a started vnet_port (vnet.h), so apps run on it
 * unchanged. Nothing here touches hardware directly or knows the platform: the same code
 * runs in the image and, against a simulated device, in the host unit tests.
 *
 * Zero copy: each receive descriptor points into a pool buffer's headroom so that the
 * virtio-net header lands just in front of the frame; on transmit the header is written
 * into the headroom the same way. One descriptor per frame, no interrupts (the rings are
 * polled; the device is asked not to interrupt), kicks batched per burst and suppressed
 * with EVENT_IDX or NO_NOTIFY. Feature choices are in docs/ARCHITECTURE.md.
 */
#ifndef SLUICE_VIRTIO_H
#define SLUICE_VIRTIO_H

#include "vnet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* device status bits */
#define VIRTIO_S_ACKNOWLEDGE 1u
#define VIRTIO_S_DRIVER 2u
#define VIRTIO_S_DRIVER_OK 4u
#define VIRTIO_S_FEATURES_OK 8u
#define VIRTIO_S_NEEDS_RESET 64u
#define VIRTIO_S_FAILED 128u

/* feature bits */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_F_ANY_LAYOUT 27
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

#define VIRTIO_NET_S_LINK_UP 1u
#define VIRTIO_ID_NET 1

struct virtio_dev;

/* What a transport provides. Queues are set up with the split-ring layout of legacy
 * virtio (used ring on the next 4 KiB boundary), which modern transports accept too. */
struct virtio_transport_ops {
	uint8_t (*get_status)(struct virtio_dev *d);
	void (*set_status)(struct virtio_dev *d, uint8_t status); /* 0 resets the device */
	uint64_t (*get_features)(struct virtio_dev *d);
	void (*set_features)(struct virtio_dev *d, uint64_t features);
	/* Largest size queue q may have, 0 when the device has no such queue. */
	uint16_t (*queue_max)(struct virtio_dev *d, uint16_t q);
	/* Gives queue q its rings (physical addresses) and enables it; returns 0, or -1 with
	 * the reason in err when the device refuses. */
	int (*queue_enable)(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail,
			    uint64_t used, const char **err);
	void (*notify)(struct virtio_dev *d, uint16_t q);
	/* Reads len bytes of device-specific configuration at off. */
	void (*config_read)(struct virtio_dev *d, unsigned off, void *buf, unsigned len);
};

struct virtio_dev {
	const struct virtio_transport_ops *ops;
	const char *transport;     /* "pci", "pci-legacy", "mmio", "mmio-legacy" */
	bool legacy;               /* no VERSION_1: 32 feature bits, 10-byte header without MRG_RXBUF */
	bool fixed_queue_size;     /* the queue size is the device's (legacy PCI) */
	/* Zeroed, 4 KiB-aligned, physically contiguous memory the device can reach, or NULL. */
	void *(*dma_alloc)(size_t bytes);
	void (*dma_free)(void *p, size_t bytes);
	uintptr_t phys_offset;     /* physical address = virtual address - phys_offset */
	void *priv;                /* the transport's own state */
};

/* Limits and choices of the driver. */
#define VIRTIO_NET_QUEUE_SIZE 256  /* descriptors per queue when the device lets us choose */

struct virtio_net_counters {
	uint64_t rx_kicks, tx_kicks;       /* notifications sent to the device */
	uint64_t rx_refill_short;          /* refills the pool could not complete */
	uint64_t rx_oversized;             /* frames longer than a buffer (MRG_RXBUF chains), dropped */
	uint64_t rx_runt;                  /* used buffers shorter than the virtio-net header, dropped */
	uint64_t tx_ring_full;             /* bursts cut short by a full transmit ring */
	uint64_t tx_no_headroom;           /* frames without room for the header, dropped */
	uint64_t broken;                   /* 1 once the device broke a ring (see virtio_net_error) */
	uint64_t tx_watchdog_kicks;        /* kicks sent because transmit made no progress (see below) */
};

/* Brings the device up as a vnet port receiving into pool (kind "virtio"). On failure
 * returns NULL with one line in err saying what the device did wrong, and leaves the
 * device reset. */
struct vnet_port *virtio_net_open(struct virtio_dev *dev, struct pkt_pool *pool, char *err, size_t errlen);

/* Features the port negotiated, and its transmit/receive queue sizes. */
uint64_t virtio_net_features(struct vnet_port *port);
uint16_t virtio_net_queue_size(struct vnet_port *port, bool tx);
void virtio_net_counters(struct vnet_port *port, struct virtio_net_counters *out);

/* Called by the platform about once a millisecond, outside the hot path: reclaims what the
 * device finished transmitting and, when descriptors have been in flight with none
 * completed for VIRTIO_NET_WATCHDOG_CALLS calls in a row, notifies the device again (a
 * device waiting on its own backend, a full host socket, is slow that long now and then;
 * a kick then costs it nothing). A poll-mode driver only
 * kicks when it transmits; if a notification was lost (by the device, the host or a race)
 * while the sender waits for those very frames, nothing would ever kick again. */
#define VIRTIO_NET_WATCHDOG_CALLS 100
void virtio_net_watchdog(struct vnet_port *port);

/* NULL while the device behaves; once it breaks a ring (a used index running past what
 * was made available, an unknown descriptor id) the port stops moving frames and this
 * says why, once per port. */
const char *virtio_net_error(struct vnet_port *port);

/* Prints the negotiated features as words ("VERSION_1 MAC STATUS ...") into buf. */
void virtio_net_features_format(uint64_t features, char *buf, size_t len);

#endif
