/* pkt_answer.h - answers written over the packet they answer (no copy, no allocation): a
 * TCP reset (RFC 9293 3.10.7.1) or an ICMP/ICMPv6 error quoting the packet (RFC 1812
 * 4.3.2.3: up to 576 bytes; RFC 4443 2.4: up to 1280). The answer keeps the frame's VLAN
 * tags, swaps its MAC addresses and goes back the way the packet came (the caller sends it
 * out of the port it came in on). A firewall's rejects and a router's errors are built on
 * it.
 *
 * Some packets are never answered, as RFC 1122 3.2.2 and RFC 4443 2.4(e) require: ICMP
 * errors, TCP resets, non-first fragments, and packets from or to a multicast or
 * broadcast address; the builders leave those alone and return false.
 */
#ifndef SLUICE_PKT_ANSWER_H
#define SLUICE_PKT_ANSWER_H

#include "pkt.h"

#include <stdbool.h>

/* May p (parsed) be answered at all? */
bool pkt_answer_ok(const struct pkt_buf *p);
/* Rewrites p (parsed) into an ICMP error of its own family about it: type/code as ICMP
 * (IPv4) or ICMPv6 numbers, info the second word (an MTU, a pointer, or 0), from src (4 or
 * 16 bytes; NULL: the packet's destination, as a bridge's reject). */
bool pkt_answer_icmp(struct pkt_buf *p, uint8_t type, uint8_t code, uint32_t info, const uint8_t *src);
/* Rewrites a TCP segment p (parsed) into its reset, from its destination. */
bool pkt_answer_reset(struct pkt_buf *p);

#endif
