/* vnet_sock.h - datagram-socket backend: one Ethernet frame per datagram, the wire format
 * of QEMU's dgram and socket netdevs (-netdev dgram,local.*=,remote.*=). It links a hosted
 * process (sluice-hosted, the test feeder) to a NIC of a running image without root,
 * taps or bridges.
 *
 * args: "bind=ADDR,peer=ADDR" where ADDR is a Unix socket path (anything with a '/') or
 * HOST:PORT for UDP over IPv4. Sends go to the peer; frames from anyone are received.
 * The socket is non-blocking: tx_burst returns fewer than asked when the peer's queue is
 * full (Unix datagram sockets push back on the sender, so nothing is lost locally), and
 * a frame longer than PKT_DATAROOM is counted in rx_too_long and skipped. An empty frame
 * (a capture record of 0 bytes) is not sent but counted in tx_errors: to QEMU an empty
 * datagram means the connection ended. A Unix bind path
 * that exists as a socket is replaced, and removed again on close.
 */
#ifndef SLUICE_VNET_SOCK_H
#define SLUICE_VNET_SOCK_H

#include "vnet.h"

#include <stddef.h>

/* Opens a port; on failure returns NULL with one line in err. */
struct vnet_port *vnet_sock_open(const char *args, struct pkt_pool *pool, char *err, size_t errlen);

#endif
