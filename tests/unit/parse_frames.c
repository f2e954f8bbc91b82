/* The valid frames of the parser tests and the meta each must parse to. */
#include "parse_frames.h"

#include "pkt_parse.h"

#include <string.h>

/* MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes */
static const uint8_t tcp_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
				      0, 0, 0, 0, 1, 3, 3, 7 };
/* NOP, Record Route (length 7, pointer 4, one address), EOL, padding */
static const uint8_t rr_opts[12] = { 1, 7, 7, 4, 192, 0, 2, 1, 0, 0, 0, 0 };

static void b_eth_other(struct pb *f) { pb_eth0(f, 0x88b5); pb_payload(f, 46); }

static void b_ip4_udp(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV4);
	pb_ip4(f, 17, 0, NULL, 0);
	pb_udp(f, 5353, 53);
	pb_payload(f, 6);
	pb_done(f);
	pb_pad(f, 60);
}

static void b_ip4_tcp(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV4);
	pb_ip4(f, 6, 0x4000 /* DF: not a fragment */, NULL, 0);
	pb_tcp(f, 49152, 443, tcp_opts, sizeof(tcp_opts));
	pb_payload(f, 100);
	pb_done(f);
}

static void b_vlan_ip4_icmp(struct pb *f)
{
	pb_eth(f, 1, (const uint16_t[]){ 0x8100 }, (const uint16_t[]){ 0x2064 }, PKT_ETH_P_IPV4);
	pb_ip4(f, 1, 0, NULL, 0);
	pb_icmp(f, 1, 8, 0, 0x4242);
	pb_payload(f, 56);
	pb_done(f);
}

static void b_qinq_ip6_udp(struct pb *f)
{
	pb_eth(f, 2, (const uint16_t[]){ 0x88a8, 0x8100 }, (const uint16_t[]){ 0x0123, 0xa00a },
	       PKT_ETH_P_IPV6);
	pb_ip6(f, 17);
	pb_udp(f, 4789, 4789);
	pb_payload(f, 20);
	pb_done(f);
}

static void b_arp(struct pb *f) { pb_eth0(f, PKT_ETH_P_ARP); pb_arp(f, 1); pb_pad(f, 60); }

static void b_ip4_opts(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV4);
	pb_ip4(f, 6, 0, rr_opts, sizeof(rr_opts));
	pb_tcp(f, 1000, 2000, NULL, 0);
	pb_payload(f, 12);
	pb_done(f);
}

static void b_ip4_frag(struct pb *f, uint16_t frag, int with_tcp, uint16_t data)
{
	pb_eth0(f, PKT_ETH_P_IPV4);
	pb_ip4(f, 6, frag, NULL, 0);
	if (with_tcp)
		pb_tcp(f, 1000, 2000, NULL, 0);
	pb_payload(f, data);
	pb_done(f);
	pb_pad(f, 60);
}
static void b_ip4_frag_first(struct pb *f) { b_ip4_frag(f, 0x2000, 1, 28); }
static void b_ip4_frag_mid(struct pb *f) { b_ip4_frag(f, 0x2000 | 6, 0, 48); }
static void b_ip4_frag_last(struct pb *f) { b_ip4_frag(f, 12, 0, 20); }

static void b_ip6_tcp(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 6);
	pb_tcp(f, 1, 2, NULL, 0);
	pb_payload(f, 10);
	pb_done(f);
}

static void b_ip6_ext_chain(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 0);
	pb_ip6_ext(f, 43, 0, 8);   /* Hop-by-Hop */
	pb_ip6_ext(f, 60, 1, 16);  /* Routing, segments left 0 */
	pb_ip6_ext(f, 17, 0, 8);   /* Destination options */
	pb_udp(f, 547, 546);
	pb_payload(f, 12);
	pb_done(f);
}

static void b_ip6_frag(struct pb *f, uint8_t nh, uint16_t off8, int more)
{
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 44);
	pb_ip6_frag(f, nh, off8, more);
}
static void b_ip6_frag_first(struct pb *f)
{
	b_ip6_frag(f, 6, 0, 1);
	pb_tcp(f, 80, 8080, NULL, 0);
	pb_payload(f, 20);
	pb_done(f);
}
static void b_ip6_frag_nonfirst(struct pb *f)
{
	b_ip6_frag(f, 6, 5, 1);
	pb_payload(f, 40);
	pb_done(f);
}
static void b_ip6_atomic_frag(struct pb *f)
{
	b_ip6_frag(f, 58, 0, 0);
	pb_icmp(f, 58, 128, 0, 7);
	pb_payload(f, 8);
	pb_done(f);
}

static void b_ip6_icmp6(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 58);
	pb_icmp(f, 58, 128, 0, 9);
	pb_payload(f, 32);
	pb_done(f);
}

static void b_ip4_unknown(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV4);
	pb_ip4(f, 253, 0, NULL, 0);
	pb_payload(f, 30);
	pb_done(f);
}

static void b_ip6_hbh_frag(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 0);
	pb_ip6_ext(f, 44, 0, 8);
	pb_ip6_frag(f, 6, 0, 1);
	pb_tcp(f, 3, 4, NULL, 0);
	pb_payload(f, 16);
	pb_done(f);
}

static void b_ip6_ah(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 51);
	pb_ip6_ext(f, 6, 4, 24);  /* AH: (4 + 2) * 4 bytes */
	pb_tcp(f, 5, 6, NULL, 0);
	pb_payload(f, 4);
	pb_done(f);
}

static void b_ip6_no_next(struct pb *f)
{
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 60);
	pb_ip6_ext(f, 59, 0, 8);
	pb_done(f);
}

#define P PKT_F_PARSED
#define L4 PKT_F_L4
#define OPT PKT_F_IP_OPTS
#define FR PKT_F_FRAG
#define NF PKT_F_FRAG_NF
#define V4 .ethertype = 0x0800, .l3 = PKT_L3_IPV4
#define V6 .ethertype = 0x86dd, .l3 = PKT_L3_IPV6

const struct frame_case frame_cases[F__COUNT] = {
	[F_ETH_OTHER] = { "eth_other", b_eth_other, 60,
		{ .l3_off = 14, .ethertype = 0x88b5, .l3 = PKT_L3_OTHER, .flags = P } },
	[F_IP4_UDP] = { "ip4_udp", b_ip4_udp, 60,
		{ .l3_off = 14, .l4_off = 34, .l3_end = 48, V4, .l4proto = 17, .flags = P | L4 } },
	[F_IP4_TCP] = { "ip4_tcp_opts", b_ip4_tcp, 174,
		{ .l3_off = 14, .l4_off = 34, .l3_end = 174, V4, .l4proto = 6, .flags = P | L4 } },
	[F_VLAN_IP4_ICMP] = { "vlan_ip4_icmp", b_vlan_ip4_icmp, 102,
		{ .l3_off = 18, .l4_off = 38, .l3_end = 102, V4, .vlan = 0x2064, .n_vlan = 1,
		  .l4proto = 1, .flags = P | L4 } },
	[F_QINQ_IP6_UDP] = { "qinq_ip6_udp", b_qinq_ip6_udp, 90,
		{ .l3_off = 22, .l4_off = 62, .l3_end = 90, V6, .vlan = 0x0123, .inner_vlan = 0xa00a,
		  .n_vlan = 2, .l4proto = 17, .flags = P | L4 } },
	[F_ARP] = { "arp", b_arp, 60,
		{ .l3_off = 14, .l3_end = 42, .ethertype = 0x0806, .l3 = PKT_L3_ARP, .flags = P } },
	[F_IP4_OPTS] = { "ip4_options", b_ip4_opts, 78,
		{ .l3_off = 14, .l4_off = 46, .l3_end = 78, V4, .l4proto = 6, .flags = P | L4 | OPT } },
	[F_IP4_FRAG_FIRST] = { "ip4_frag_first", b_ip4_frag_first, 82,
		{ .l3_off = 14, .l4_off = 34, .l3_end = 82, V4, .l4proto = 6, .flags = P | FR | L4 } },
	[F_IP4_FRAG_MID] = { "ip4_frag_middle", b_ip4_frag_mid, 82,
		{ .l3_off = 14, .l4_off = 34, .l3_end = 82, V4, .l4proto = 6, .flags = P | FR | NF } },
	[F_IP4_FRAG_LAST] = { "ip4_frag_last", b_ip4_frag_last, 60,
		{ .l3_off = 14, .l4_off = 34, .l3_end = 54, V4, .l4proto = 6, .flags = P | FR | NF } },
	[F_IP6_TCP] = { "ip6_tcp", b_ip6_tcp, 84,
		{ .l3_off = 14, .l4_off = 54, .l3_end = 84, V6, .l4proto = 6, .flags = P | L4 } },
	[F_IP6_EXT_CHAIN] = { "ip6_hbh_rt_dst_udp", b_ip6_ext_chain, 106,
		{ .l3_off = 14, .l4_off = 86, .l3_end = 106, V6, .l4proto = 17, .flags = P | L4 | OPT } },
	[F_IP6_FRAG_FIRST] = { "ip6_frag_first", b_ip6_frag_first, 102,
		{ .l3_off = 14, .l4_off = 62, .l3_end = 102, V6, .l4proto = 6,
		  .flags = P | OPT | FR | L4 } },
	[F_IP6_FRAG_NONFIRST] = { "ip6_frag_nonfirst", b_ip6_frag_nonfirst, 102,
		{ .l3_off = 14, .l4_off = 62, .l3_end = 102, V6, .l4proto = 6,
		  .flags = P | OPT | FR | NF } },
	[F_IP6_ATOMIC_FRAG] = { "ip6_atomic_frag", b_ip6_atomic_frag, 78,
		{ .l3_off = 14, .l4_off = 62, .l3_end = 78, V6, .l4proto = 58, .flags = P | OPT | L4 } },
	[F_IP6_ICMP6] = { "ip6_icmp6", b_ip6_icmp6, 94,
		{ .l3_off = 14, .l4_off = 54, .l3_end = 94, V6, .l4proto = 58, .flags = P | L4 } },
	[F_IP4_UNKNOWN] = { "ip4_proto_253", b_ip4_unknown, 64,
		{ .l3_off = 14, .l4_off = 34, .l3_end = 64, V4, .l4proto = 253, .flags = P } },
	[F_IP6_HBH_FRAG] = { "ip6_hbh_frag_tcp", b_ip6_hbh_frag, 106,
		{ .l3_off = 14, .l4_off = 70, .l3_end = 106, V6, .l4proto = 6,
		  .flags = P | OPT | FR | L4 } },
	[F_IP6_AH] = { "ip6_ah_tcp", b_ip6_ah, 102,
		{ .l3_off = 14, .l4_off = 78, .l3_end = 102, V6, .l4proto = 6, .flags = P | OPT | L4 } },
	[F_IP6_NO_NEXT] = { "ip6_dst_nonext", b_ip6_no_next, 62,
		{ .l3_off = 14, .l4_off = 62, .l3_end = 62, V6, .l4proto = 59, .flags = P | OPT } },
};

void frame_build(enum frame_id id, struct pb *f)
{
	pb_init(f);
	frame_cases[id].build(f);
	ck_assert_msg(f->len == frame_cases[id].len, "%s: built %u bytes, want %u",
		      frame_cases[id].name, f->len, frame_cases[id].len);
}

/* ---- malformed frames: a valid frame with one field broken ---- */

void frame_ip6_ext_chain(struct pb *f, unsigned n_ext)
{
	pb_init(f);
	pb_eth0(f, PKT_ETH_P_IPV6);
	pb_ip6(f, 0);
	for (unsigned i = 0; i < n_ext; i++)  /* Hop-by-Hop, then Destination options */
		pb_ip6_ext(f, i + 1 < n_ext ? 60 : 17, 0, 8);
	pb_udp(f, 1, 2);
	pb_done(f);
}

/* The IPv4 header checksum is made right again after the poke, so that the field poked
 * is what the parser must catch (ip4_bad_csum breaks the checksum itself). */
#define BAD(name, base, poke)                                                         \
	static void m_##name(struct pb *f)                                            \
	{                                                                             \
		frame_build(base, f);                                                 \
		uint8_t *b = f->b;                                                    \
		poke;                                                                 \
		if (frame_cases[base].want.l3 == PKT_L3_IPV4)                         \
			pb_ip4_csum(b + frame_cases[base].want.l3_off,                \
				    f->len - frame_cases[base].want.l3_off);          \
	}
BAD(ip4_version5, F_IP4_UDP, b[14] = 0x55)
BAD(ip4_ihl4, F_IP4_UDP, b[14] = 0x44)
BAD(ip4_ihl_beyond_frame, F_IP4_UDP, b[14] = 0x4f)
BAD(ip4_total_below_ihl, F_IP4_UDP, pkt_wr16(b + 16, 19))
BAD(ip4_total_below_opts, F_IP4_OPTS, pkt_wr16(b + 16, 24))
BAD(ip4_total_beyond_frame, F_IP4_UDP, pkt_wr16(b + 16, 47))
BAD(ip4_total_into_padding, F_IP4_UDP, pkt_wr16(b + 16, 46))
/* option lengths 0 and 1 followed by NOPs that would make a sloppy walk succeed */
BAD(ip4_optlen0, F_IP4_OPTS, memset(b + 34, 1, 12); b[34] = 7; b[35] = 0)
BAD(ip4_optlen1, F_IP4_OPTS, memset(b + 34, 1, 12); b[34] = 7; b[35] = 1)
BAD(ip4_rr_len1, F_IP4_OPTS, b[36] = 1)
BAD(ip4_optlen_past_end, F_IP4_OPTS, b[36] = 12)
BAD(ip4_optlen_to_end, F_IP4_OPTS, b[36] = 11)
BAD(ip4_opt_without_len, F_IP4_OPTS, memset(b + 34, 1, 11); b[45] = 7)
/* the same with the frame ending at the options: the length byte would be past the frame */
BAD(ip4_opt_without_len_at_frame_end, F_IP4_OPTS, memset(b + 34, 1, 11); b[45] = 7;
    pkt_wr16(b + 16, 32); f->len = 46)
BAD(ip4_junk_after_eol, F_IP4_OPTS, b[34] = 0; b[35] = 7; b[36] = 0)
BAD(ip6_version4, F_IP6_TCP, b[14] = 0x40)
BAD(ip6_plen0, F_IP6_TCP, pkt_wr16(b + 18, 0))
BAD(ip6_plen_beyond_frame, F_IP6_TCP, pkt_wr16(b + 18, 31))
BAD(ip6_hbh_second, F_IP6_EXT_CHAIN, b[20] = 60; b[54] = 0)
BAD(ip6_ext_len_past_end, F_IP6_EXT_CHAIN, b[63] = 10)
BAD(ip6_ah_len_past_end, F_IP6_AH, b[55] = 11)
BAD(tcp_doff4, F_IP4_TCP, b[46] = 0x40)
BAD(tcp_doff_beyond_segment, F_IP6_TCP, b[66] = 0x80)
BAD(tcp_doff_within_segment, F_IP6_TCP, b[66] = 0x70)
BAD(udp_len7, F_IP4_UDP, pkt_wr16(b + 38, 7))
BAD(udp_len_beyond_datagram, F_IP4_UDP, pkt_wr16(b + 38, 15))
BAD(udp_len_below_datagram, F_IP4_UDP, pkt_wr16(b + 38, 8))
BAD(icmp_7_bytes, F_VLAN_IP4_ICMP, pkt_wr16(b + 20, 27))
BAD(icmp6_7_bytes, F_IP6_ICMP6, pkt_wr16(b + 18, 7))
BAD(arp_hlen_beyond_frame, F_ARP, b[18] = 255)
BAD(arp_plen_beyond_frame, F_ARP, b[19] = 16)
BAD(arp_lengths_into_padding, F_ARP, b[19] = 13)
/* one bit off in the checksum: the fast path's header (20 bytes) and one with options */
static void m_ip4_bad_csum(struct pb *f) { frame_build(F_IP4_UDP, f); f->b[25] ^= 0x10; }
static void m_ip4_opts_bad_csum(struct pb *f) { frame_build(F_IP4_OPTS, f); f->b[24] ^= 0x01; }
static void m_three_vlans(struct pb *f)
{
	pb_init(f);
	pb_eth(f, 3, (const uint16_t[]){ 0x88a8, 0x8100, 0x8100 }, (const uint16_t[]){ 1, 2, 3 }, 0x0800);
	pb_ip4(f, 17, 0, NULL, 0);
	pb_udp(f, 1, 2);
	pb_done(f);
}
static void m_ip6_nine_ext(struct pb *f) { frame_ip6_ext_chain(f, 9); }

#define M(name, want) { #name, m_##name, PKT_PARSE_##want }
const struct bad_case bad_cases[] = {
	M(ip4_version5, IP4_VERSION),         M(ip4_ihl4, IP4_HDR_LEN),
	M(ip4_ihl_beyond_frame, IP4_HDR_LEN), M(ip4_total_below_ihl, IP4_TOTAL_LEN),
	M(ip4_total_below_opts, IP4_TOTAL_LEN), M(ip4_total_beyond_frame, IP4_TOTAL_LEN),
	M(ip4_total_into_padding, OK),        M(ip4_optlen0, IP4_OPTIONS),
	M(ip4_optlen1, IP4_OPTIONS),          M(ip4_rr_len1, IP4_OPTIONS),
	M(ip4_optlen_past_end, IP4_OPTIONS),  M(ip4_optlen_to_end, OK),
	M(ip4_opt_without_len, IP4_OPTIONS),  M(ip4_opt_without_len_at_frame_end, IP4_OPTIONS),
	M(ip4_junk_after_eol, OK),            M(ip4_bad_csum, IP4_CSUM),
	M(ip4_opts_bad_csum, IP4_CSUM),       M(ip6_version4, IP6_VERSION),
	M(ip6_plen0, IP6_PAYLOAD_LEN),        M(ip6_plen_beyond_frame, IP6_PAYLOAD_LEN),
	M(ip6_hbh_second, IP6_EXT_ORDER),     M(ip6_ext_len_past_end, IP6_EXT_TRUNC),
	M(ip6_ah_len_past_end, IP6_EXT_TRUNC), M(ip6_nine_ext, IP6_EXT_DEPTH),
	M(tcp_doff4, TCP_DATA_OFF),           M(tcp_doff_beyond_segment, TCP_DATA_OFF),
	M(tcp_doff_within_segment, OK),       M(udp_len7, UDP_LEN),
	M(udp_len_beyond_datagram, UDP_LEN),  M(udp_len_below_datagram, OK),
	M(icmp_7_bytes, ICMP_TRUNC),          M(icmp6_7_bytes, ICMP6_TRUNC),
	M(three_vlans, VLAN_DEPTH),           M(arp_hlen_beyond_frame, ARP_TRUNC),
	M(arp_plen_beyond_frame, ARP_TRUNC),  M(arp_lengths_into_padding, OK),
};
const unsigned n_bad_cases = sizeof(bad_cases) / sizeof(bad_cases[0]);

const struct bad_case *bad_case(const char *name)
{
	for (unsigned i = 0; i < n_bad_cases; i++)
		if (strcmp(bad_cases[i].name, name) == 0)
			return &bad_cases[i];
	ck_abort_msg("no malformed case %s", name);
	return NULL;
}
