/* fw_reject.h - the answer to a rejected packet, as a rule's "reject with ..." says: a TCP
 * reset or an ICMP/ICMPv6 destination unreachable, written over the packet itself by
 * dataplane/pkt_answer.h (which says what is never answered: fw_reject_build() leaves
 * those alone and returns false). The answer goes back out of the port the packet came
 * in on.
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

#endif
