/* vnet_pcap.h - libpcap backend: a port that reads frames from a capture file and/or
 * writes the frames it sends to one (pcap, microsecond timestamps, Ethernet link type).
 *
 * args: "rx=FILE", "tx=FILE" or "rx=FILE,tx=FILE" (file names cannot contain commas).
 * The receive side reads pcap or pcapng of link type Ethernet as fast as the app asks and
 * sets port->rx_done at the end of the capture; a port without rx= is done at once.
 * A frame larger than PKT_DATAROOM is counted in rx_errors and skipped; a record shorter
 * on file than on the wire (snap length) is delivered as captured and counted in
 * rx_truncated. Frames are copied once from libpcap's buffer into pool buffers (libpcap
 * owns its memory); from there on they are never copied.
 *
 * Several capture ports in one process are read in timestamp order across the ports
 * (ties go to the port opened first): a port only delivers while its next frame is the
 * earliest of all. So a conversation split into one capture per side replays in the
 * order it happened, which a stateful app depends on.
 *
 * The capture clock: the time the capture says, instead of the host's. Once
 * vnet_pcap_use_capture_clock() is called, vnet_pcap_clock_ms() is the timestamp (ms since
 * the epoch) of the earliest frame still waiting on any capture port, never going back,
 * and a port delivers only frames stamped at or before it. An app reading it before each
 * receive round sees every frame at its own time (to the ms), so a replay runs timeouts,
 * rate limits and retries as the traffic did, however fast it is read. Frames sent are
 * stamped with it too. After the captures end it stays at the last frame's time.
 */
#ifndef SLUICE_VNET_PCAP_H
#define SLUICE_VNET_PCAP_H

#include "vnet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opens a port; on failure returns NULL with one line in err. */
struct vnet_port *vnet_pcap_open(const char *args, struct pkt_pool *pool, char *err, size_t errlen);

/* Turns the capture clock on; false (and left off) when no open port reads a capture. */
bool vnet_pcap_use_capture_clock(void);
uint64_t vnet_pcap_clock_ms(void);

#endif
