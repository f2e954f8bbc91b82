/* fw_ref.h - the reference evaluator: a chain's rules tried one by one, in order, on one
 * packet's fields. It is the definition of what a ruleset means, written to be obviously
 * right rather than fast; the compiled classifier must give the same verdict on every
 * packet (its randomized test compares the two).
 *
 * Semantics, as in nftables: a match on a field the packet does not have (ip saddr on an
 * IPv6 packet, tcp dport on UDP, icmp type on TCP) does not match, with or without "!=";
 * "!=" negates only the comparison of a present field.
 */
#ifndef SLUICE_FW_REF_H
#define SLUICE_FW_REF_H

#include "fw_config.h"

/* The fields a rule can look at, filled by the caller from a parsed packet. */
struct fw_pkt {
	int iif, oif;                /* interface indexes, -1 when none */
	uint16_t ethertype;          /* innermost */
	bool has_vlan;
	uint16_t vlan_id;
	uint8_t family;              /* 4, 6 or 0 */
	uint8_t saddr[16], daddr[16];
	bool has_l4proto;
	uint8_t l4proto;
	bool has_ports;              /* TCP or UDP header present */
	uint16_t sport, dport;
	uint8_t tcp_flags;           /* valid when l4proto is TCP and has_ports */
	bool has_icmp;               /* ICMP (family 4) or ICMPv6 (family 6) header present */
	uint8_t icmp_type, icmp_code;
	uint8_t ct_state;            /* one FW_CT_* bit */
	uint16_t length;             /* frame length */
};

/* Does every match of rule hold for pkt? */
bool fw_ref_rule_matches(const struct fw_config *cfg, const struct fw_rule *rule, const struct fw_pkt *pkt);
/* The first rule with a verdict that matches (its index in *rule_out), or the chain's
 * policy with *rule_out = -1. Rules without a verdict are passed over. */
enum fw_verdict fw_ref_eval(const struct fw_config *cfg, const struct fw_chain *chain, const struct fw_pkt *pkt,
			    int *rule_out);

#endif
