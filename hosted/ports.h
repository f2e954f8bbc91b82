/* ports.h - opening hosted ports from their specs, shared by sluice-hosted and the tools.
 *
 *   pcap:rx=FILE[,tx=FILE] | pcap:tx=FILE    libpcap (vnet_pcap.h)
 *   sock:bind=ADDR,peer=ADDR                 datagram socket, QEMU's dgram netdev (vnet_sock.h)
 *   afpacket:iface=NAME[,...]                a Linux interface, AF_PACKET ring (vnet_afpacket.h)
 *   dpdk:DEVARGS                             any DPDK device (vnet_dpdk.h)
 *
 * With any dpdk: port the EAL starts and the pool is DPDK's; otherwise a native pool.
 */
#ifndef SLUICE_HOSTED_PORTS_H
#define SLUICE_HOSTED_PORTS_H

#include "vnet.h"

#include <stdbool.h>
#include <stddef.h>

struct hosted_ports {
	struct vnet_port *port[PKT_MAX_PORTS];
	unsigned n;
	struct pkt_pool *pool;
	bool dpdk;
};

/* NULL when spec names a known backend, else what was expected. */
const char *hosted_port_spec_check(const char *spec);

/* Opens specs[0..n) as ports 0..n-1 named port0, port1...; eal may be NULL. On failure
 * returns -1 with one line in err (naming the port) and nothing left open. */
int hosted_ports_open(struct hosted_ports *hp, const char *const *specs, unsigned n, const char *eal,
		      uint32_t pool_size, char *err, size_t errlen);
void hosted_ports_close(struct hosted_ports *hp);
/* One line on the receive pool (vnet_dpdk_pool_describe() for DPDK's). */
void hosted_ports_describe_pool(const struct hosted_ports *hp, char *out, size_t len);

#endif
