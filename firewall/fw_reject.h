/* fw_reject.h - the answer to a rejected packet, written over the packet itself (no copy,
 * no allocation): a TCP reset (RFC 9293 3.10.7.1) or an ICMP/ICMPv6 destination
 * unreachable quoting the packet (RFC 1812 4.3.2.3: up to 576 bytes; RFC 4443 2.4: up
 * to 1280). The answer keeps the frame's VLAN tags, swaps its MAC addresses and goes back
 * out of the port the packet came in on.
 *
 * Some packets are never answered, as RFC 1122 3.2.2 and RFC 4443 2.4(e) require: ICMP
 * errors, TCP resets, non-first fragments, and packets from or to a multicast or
 * broadcast address. fw_reject_build() leaves those alone and returns false.
 */
#ifndef SLUICE_FW_REJECT_H
#define SLUICE_FW_REJECT_H

#include "fw_rule.h"
#include "pkt.h"

#include <stdbool.h>

/* Rewrites p (parsed) into its rejection. with/code as the rule says; FW_REJECT_AUTO is a
 * reset for TCP and port unreachable otherwise, as is an ICMP kind for the wrong family.
 * A reset always comes from the packet's destination; an ICMP error from icmp_src (4 or
 * 16 bytes: a router's own address) or, when NULL, from the destination too (a bridge). */
bool fw_reject_build(struct pkt_buf *p, enum fw_reject with, uint8_t code, const uint8_t *icmp_src);

/* Rewrites p (parsed) into an ICMP error of its own family about it: type/code as ICMP
 * (IPv4) or ICMPv6 numbers, info the second word (an MTU, a pointer, or 0), from src (4 or
 * 16 bytes; NULL: the packet's destination, as a reject). The same packets as above are
 * never answered. For a router's time exceeded and unreachable messages. */
bool fw_icmp_error(struct pkt_buf *p, uint8_t type, uint8_t code, uint32_t info, const uint8_t *src);

#endif
