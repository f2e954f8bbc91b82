/* fw_class.h - the classifier: a chain's rules compiled at load time into per-field
 * bit vectors, so that finding the first rule that matches a packet costs one search
 * per field the rules use plus a scan of the few words where every field agrees,
 * rather than a walk over every rule.
 *
 * Each field the chain looks at (interfaces, ether type, VLAN, IPv4 and IPv6 addresses,
 * protocol, TCP and UDP ports, TCP flags, ICMP and ICMPv6 type/code, ct state, length)
 * is cut into elementary intervals; each interval points at the bit vector of the rules
 * that accept any value in it (bit i: rule i). A packet's rules are the AND of one vector
 * per field, and the first set bit is the first matching rule. A summary word per vector
 * (bit w: word w is non-zero) skips the all-zero stretches, so a packet that matches few
 * rules touches few words (Lakshman and Stiliadis 1998; aggregation as in Baboescu and
 * Varghese 2001). Identical vectors are stored once. docs/ARCHITECTURE.md gives the costs.
 *
 * The meaning is fw_ref.h's, exactly: the randomized test compares the two.
 */
#ifndef SLUICE_FW_CLASS_H
#define SLUICE_FW_CLASS_H

#include "fw_ref.h"

#include <stddef.h>

enum fw_dim {
	FW_D_IIF, FW_D_OIF, FW_D_ETHER, FW_D_VLAN,
	FW_D_IP4_SRC, FW_D_IP4_DST, FW_D_IP6_SRC, FW_D_IP6_DST,
	FW_D_L4PROTO, FW_D_TCP_SPORT, FW_D_TCP_DPORT, FW_D_UDP_SPORT, FW_D_UDP_DPORT,
	FW_D_TCP_FLAGS, FW_D_ICMP, FW_D_ICMP6, FW_D_CT, FW_D_LENGTH,
	FW_D__COUNT
};

struct fw_class;

/* The field a match looks at. */
enum fw_dim fw_class_match_dim(const struct fw_match *m);

/* A packet's view of the classifier: one vector per field in use (fw_class_lookup). */
struct fw_class_scan {
	const uint64_t *vec[FW_D__COUNT];
	unsigned n;
};

/* Two fields may be searched as one (fw_class_int.h, struct fw_pair) when each field's
 * intervals match at most this many rules per mille, on average (750). Tests raise it to
 * 1000 to pair whatever fits. */
extern unsigned fw_class_pair_max_density;

/* Compiles chain (whose sets live in cfg). NULL with a message in err when out of memory. */
struct fw_class *fw_class_build(const struct fw_config *cfg, const struct fw_chain *chain, char *err, size_t errlen);
void fw_class_free(struct fw_class *c);

/* Finds the packet's vector for each field in use. */
void fw_class_lookup(const struct fw_class *c, const struct fw_pkt *p, struct fw_class_scan *s);

/* The same, for only the fields in dims (bit 1 << FW_D_*): the fields left out match every
 * rule, as if no rule looked at them. */
void fw_class_lookup_dims(const struct fw_class *c, const struct fw_pkt *p, uint32_t dims, struct fw_class_scan *s);

/* The first rule index > after whose matches all hold (after = -1 for the first), or -1. */
int fw_class_next(const struct fw_class *c, const struct fw_class_scan *s, int after);

struct fw_class_stats {
	unsigned rules;
	unsigned fields;          /* fields the rules use */
	unsigned intervals;       /* elementary intervals over all fields */
	unsigned vectors;         /* distinct bit vectors stored */
	size_t bytes;             /* memory held */
	unsigned indexed;         /* fields with a direct index (16 or more intervals) */
	unsigned unindexed;       /* fields that would have one but for memory (or more than
	                             65,535 intervals): searched, slower, never wrong */
	unsigned pair_cells;      /* interval pairs of the two fields searched as one, 0: none */
};
void fw_class_stats(const struct fw_class *c, struct fw_class_stats *st);

#endif
