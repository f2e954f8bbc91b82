/* parse_frames.h - the valid frames the parser tests start from, with the meta they must
 * parse to. Expected values are written out by hand, not derived from the builder. */
#ifndef SLUICE_TEST_PARSE_FRAMES_H
#define SLUICE_TEST_PARSE_FRAMES_H

#include "pktbuild.h"
#include "pkt_parse.h"

enum frame_id {
	F_ETH_OTHER,       /* unknown ethertype: PKT_L3_OTHER */
	F_IP4_UDP,         /* Ethernet + IPv4 + UDP, padded to 60 */
	F_IP4_TCP,         /* IPv4 (DF) + TCP with 20 bytes of options */
	F_VLAN_IP4_ICMP,   /* 802.1Q + IPv4 + ICMP echo */
	F_QINQ_IP6_UDP,    /* 802.1ad + 802.1Q + IPv6 + UDP */
	F_ARP,             /* ARP request, padded to 60 */
	F_IP4_OPTS,        /* IPv4 options NOP, Record Route, EOL + TCP */
	F_IP4_FRAG_FIRST,  /* MF, offset 0, TCP header */
	F_IP4_FRAG_MID,    /* MF, offset 6 */
	F_IP4_FRAG_LAST,   /* offset 12, padded */
	F_IP6_TCP,
	F_IP6_EXT_CHAIN,   /* Hop-by-Hop + Routing + Destination options + UDP */
	F_IP6_FRAG_FIRST,  /* Fragment header (offset 0, M) + TCP */
	F_IP6_FRAG_NONFIRST,
	F_IP6_ATOMIC_FRAG, /* Fragment header offset 0, M=0 + ICMPv6: not a fragment */
	F_IP6_ICMP6,
	F_IP4_UNKNOWN,     /* IP protocol 253 */
	F_IP6_HBH_FRAG,    /* Hop-by-Hop + Fragment (first) + TCP */
	F_IP6_AH,          /* Authentication header + TCP */
	F_IP6_NO_NEXT,     /* Destination options + No Next Header */
	F__COUNT
};

struct frame_case {
	const char *name;
	void (*build)(struct pb *f);
	uint16_t len;            /* frame length including padding */
	struct pkt_meta want;    /* meta after pkt_parse() of the whole frame */
};

extern const struct frame_case frame_cases[F__COUNT];

/* Builds frame id into f and checks its length against the table. */
void frame_build(enum frame_id id, struct pb *f);

/* Ethernet + IPv6 + Hop-by-Hop + (n_ext - 1) Destination options + UDP. */
void frame_ip6_ext_chain(struct pb *f, unsigned n_ext);

/* Frames with one field broken and the reason pkt_parse() must give (some are boundary
 * cases that must still parse: want == PKT_PARSE_OK). */
struct bad_case {
	const char *name;
	void (*build)(struct pb *f);
	enum pkt_parse_result want;
};
extern const struct bad_case bad_cases[];
extern const unsigned n_bad_cases;
/* The case called name (aborts the test if there is none). */
const struct bad_case *bad_case(const char *name);

#endif
