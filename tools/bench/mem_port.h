/* mem_port.h - in-memory ports for the benchmark drivers (bench-loop, bench-fw, and bench-nat
 * and bench-lb through bench_common.h): like
 * DPDK's net_null, transmit frees and the link is always up. Each driver supplies its
 * own receive, which writes what a NIC would have. */
#ifndef SLUICE_BENCH_MEM_PORT_H
#define SLUICE_BENCH_MEM_PORT_H

#include "vnet.h"

#include <string.h>

static inline uint16_t mem_tx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	(void)vp;
	pkt_free_burst(pkts, n);
	return n;
}

static inline void mem_stats(struct vnet_port *vp, struct vnet_stats *out)
{
	(void)vp;
	memset(out, 0, sizeof(*out));
}

static inline void mem_link(struct vnet_port *vp, struct vnet_link *out)
{
	(void)vp;
	out->up = true;
	out->speed_mbps = 0;
}

static inline void mem_close(struct vnet_port *vp) { (void)vp; }

static const struct vnet_ops mem_ops = { "mem", mem_stats, mem_link, mem_close };

#endif
