/* vnet_afpacket.h - Linux AF_PACKET backend: a port on any Linux interface (a veth, a
 * tap, a NIC left to the kernel), for hosted appliances between network namespaces.
 *
 * args: "iface=NAME[,frames=N][,qdisc_bypass=0|1]" (or just "NAME"). Receive is a
 * TPACKET_V2 ring mapped into the process (frames=N slots, 4096 by default, rounded up to
 * a multiple of 16), copied into the pool's buffers; send is one sendmmsg() a burst,
 * around the qdisc unless qdisc_bypass=0. The interface is put in promiscuous mode.
 *
 * What it keeps that DPDK's net_af_packet loses:
 *  - Fragments stay fragments. It joins no fanout group (net_af_packet's sets the defrag
 *    flag, so the kernel hands it reassembled datagrams that its ring slots cut).
 *  - A frame longer than a buffer (PKT_DATAROOM) is never delivered cut: it is dropped
 *    and counted in rx_too_long, and the first one on a port is explained on stderr (a
 *    GSO/GRO super-packet from a peer with segmentation offload on, or an MTU above the
 *    buffer's).
 *  - The kernel's checksum state (PACKET_VNET_HDR). A frame whose transport checksum the
 *    sender left to offload (a Linux veth or tap peer with tx checksumming on, the
 *    default) has it completed here, as the NIC would have, and is marked verified
 *    (PKT_OL_L4_CSUM_GOOD); one the kernel verified is marked so too.
 *  - A VLAN tag the kernel took out of the frame (TP_STATUS_VLAN_VALID) is put back.
 * Frames the host itself sends on the interface are not received.
 */
#ifndef SLUICE_VNET_AFPACKET_H
#define SLUICE_VNET_AFPACKET_H

#include "vnet.h"

#include <stddef.h>

/* Opens a port (needs CAP_NET_RAW); on failure returns NULL with one line in err. */
struct vnet_port *vnet_afpacket_open(const char *args, struct pkt_pool *pool, char *err, size_t errlen);

#endif
