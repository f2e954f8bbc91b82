/* vnet.h - the one network-device interface every Sluice app uses.
 *
 * A port moves Ethernet frames as struct pkt_buf bursts. Backends (libpcap and DPDK
 * ethdev on the hosted platform, virtio-net in the image) implement it; apps never learn
 * which one runs them. Lifecycle: a backend's open call returns a started port bound to
 * a packet pool for receive; then rx_burst/tx_burst from one worker; then vnet_close().
 *
 * Ownership follows the count rule: vnet_rx_burst() returns up to n new packets that the
 * caller owns; vnet_tx_burst() takes the first k packets it returns and the caller still
 * owns the rest. Neither call blocks or takes a lock.
 */
#ifndef SLUICE_VNET_H
#define SLUICE_VNET_H

#include "pkt.h"

#include <stdbool.h>

struct vnet_port;

struct vnet_stats {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t rx_nobuf;     /* frames lost: the pool was empty */
	uint64_t rx_errors;    /* frames lost: oversized or malformed at the device */
	uint64_t rx_truncated; /* frames delivered shorter than on the wire (capture snaplen) */
	uint64_t rx_too_long;  /* frames lost: longer than a receive buffer (never delivered cut) */
	uint64_t tx_errors;    /* frames the device refused */
};

struct vnet_link {
	bool up;
	uint32_t speed_mbps;   /* 0 when unknown */
};

struct vnet_ops {
	const char *kind;      /* "pcap", "dpdk", "virtio" */
	void (*stats)(struct vnet_port *port, struct vnet_stats *out);
	void (*link)(struct vnet_port *port, struct vnet_link *out);
	void (*close)(struct vnet_port *port);
};

struct vnet_port {
	/* hot: called per burst */
	uint16_t (*rx_burst)(struct vnet_port *port, struct pkt_buf **pkts, uint16_t n);
	uint16_t (*tx_burst)(struct vnet_port *port, struct pkt_buf **pkts, uint16_t n);
	/* cold */
	const struct vnet_ops *ops;
	char name[32];         /* what the user called it: "lan", "wan", "port0" */
	uint16_t id;           /* index in the appliance, used as pkt->port on receive */
	uint8_t mac[6];
	bool rx_done;          /* receive side will never produce another frame (end of a capture) */
	struct pkt_pool *pool; /* receive buffers come from here */
};

static inline uint16_t vnet_rx_burst(struct vnet_port *port, struct pkt_buf **pkts, uint16_t n)
{
	return port->rx_burst(port, pkts, n);
}

static inline uint16_t vnet_tx_burst(struct vnet_port *port, struct pkt_buf **pkts, uint16_t n)
{
	return port->tx_burst(port, pkts, n);
}

static inline void vnet_stats(struct vnet_port *port, struct vnet_stats *out) { port->ops->stats(port, out); }
static inline void vnet_link(struct vnet_port *port, struct vnet_link *out) { port->ops->link(port, out); }

/* Stops the port, returns its buffers, frees it. */
static inline void vnet_close(struct vnet_port *port) { port->ops->close(port); }

#endif
