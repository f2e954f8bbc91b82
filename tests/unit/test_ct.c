/* Connection tracking: the TCP handshake, data, FIN and RST teardown, out-of-window
 * segments, retransmissions, window scaling, loose pickup, UDP and ICMP pseudo-connections,
 * ICMP errors related to their flow (IPv4 and IPv6), untracked ND, fragments, timeouts and
 * transport checksums. The table's capacity, zones and counters are test_ct_table.c's. */
#include "ct_fixture.h"
#include "pkt_csum.h"
#include "pkt_parse.h"
#include "pkt_pipe.h"
#include "pktbuild.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

START_TEST(tcp_handshake_data_fin)
{
	handshake();
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1, S + 1, 65535, 100), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(1, PSH | ACK, S + 1, C + 101, 65535, 1000), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, ACK, C + 101, S + 1001, 65535, 0), CT_S_ESTABLISHED);
	/* the client closes first */
	ck_assert_int_eq(tcp(0, FIN | ACK, C + 101, S + 1001, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_FIN_WAIT);
	ck_assert_int_eq(tcp(1, ACK, S + 1001, C + 102, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_CLOSE_WAIT);
	ck_assert_int_eq(tcp(1, FIN | ACK, S + 1001, C + 102, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_LAST_ACK);
	ck_assert_int_eq(tcp(0, ACK, C + 102, S + 1002, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_TIME_WAIT);
	ck_assert_uint_eq(ct_count(ct), 1);
	/* TIME_WAIT lasts 120 s; then the entry is gone and a bare ACK is picked up anew */
	now += 119 * 1000;
	ck_assert_int_eq(tcp(0, ACK, C + 102, S + 1002, 65535, 0), CT_S_ESTABLISHED);
	now += 121 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(ct_counters(ct)->expired, 1);
}
END_TEST

START_TEST(tcp_rst_teardown)
{
	handshake();
	/* a reset far outside the window is refused and changes nothing */
	ck_assert_int_eq(tcp(1, RST, S + 1 + 5000000, 0, 0, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_WINDOW);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	ck_assert_int_eq(tcp(1, RST | ACK, S + 1, C + 1, 0, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_CLOSE);
	/* after the reset, data on the old connection is invalid */
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1, S + 1, 65535, 10), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_STATE);
	/* and a new SYN on the same ports starts afresh */
	ck_assert_int_eq(tcp(0, SYN, C + 77777, 0, 65535, 0), CT_S_NEW);
	ck_assert_uint_eq(ct_counters(ct)->closed_reuse, 1);
	ck_assert_uint_eq(ct_count(ct), 1);
}
END_TEST

START_TEST(tcp_out_of_window_and_retransmit)
{
	handshake();
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1, S + 1, 65535, 1000), CT_S_ESTABLISHED);
	/* the same segment again: a retransmission is in the window */
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1, S + 1, 65535, 1000), CT_S_ESTABLISHED);
	/* data beyond what the server's window allows */
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1 + 200000, S + 1, 65535, 100), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_WINDOW);
	/* data far older than a window */
	ck_assert_int_eq(tcp(0, PSH | ACK, C - 300000, S + 1, 65535, 100), CT_S_INVALID);
	/* acknowledging bytes the server never sent */
	ck_assert_int_eq(tcp(0, ACK, C + 1001, S + 5000, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_WINDOW);
	/* a stale acknowledgement, far behind */
	ck_assert_int_eq(tcp(1, ACK, S + 1, C - 200000, 65535, 0), CT_S_INVALID);
	ck_assert_uint_eq(ct_counters(ct)->invalid[CT_INV_TCP_WINDOW], 4);
	/* none of it moved the connection */
	ck_assert_int_eq(tcp(1, ACK, S + 1, C + 1001, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	/* a SYN-ACK after the client has sent data acknowledges too little: refused */
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 7, 65535, 0), CT_S_INVALID);
}
END_TEST

START_TEST(tcp_handshake_errors)
{
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	/* a SYN-ACK that does not acknowledge the SYN */
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 5, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_WINDOW);
	/* data before the handshake, from either side */
	ck_assert_int_eq(tcp(0, ACK, C + 1, 0, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_STATE);
	/* a blind reset that does not acknowledge the SYN */
	ck_assert_int_eq(tcp(1, RST | ACK, 0, C + 9, 0, 0), CT_S_INVALID);
	/* the SYN retransmitted is still new (no reply yet) */
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	ck_assert_uint_eq(ct_count(ct), 1);
	/* the server refuses: RST+ACK acknowledging the SYN closes it */
	ck_assert_int_eq(tcp(1, RST | ACK, 0, C + 1, 0, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_CLOSE);
}
END_TEST

/* The SYN-ACK is lost or late and the client sends its SYN again: passed on as part of the
 * connection, which stays in SYN_RECV; a SYN with another ISN is not. */
START_TEST(tcp_syn_retransmitted_after_synack)
{
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_RECV);
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_RECV);
	ck_assert_uint_eq(ct_counters(ct)->syn_retrans, 1);
	ck_assert_int_eq(tcp(0, SYN, C + 5000, 0, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_STATE);
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
}
END_TEST

/* Both sides send a SYN (RFC 9293 3.5): each answers the other's with a SYN-ACK, and the
 * connection is established, as Linux tracks it. Without the crossing SYN, the opener
 * may not send a SYN-ACK, nor the other side speak before the handshake ends. */
START_TEST(tcp_simultaneous_open)
{
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	/* an opener's SYN-ACK without a SYN from the other side: not a state it can be in */
	ck_assert_int_eq(tcp(0, SYN | ACK, C, S + 1, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_STATE);
	ck_assert_int_eq(tcp(1, SYN, S, 0, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_SENT2);
	/* each side's SYN-ACK must acknowledge the other's SYN */
	ck_assert_int_eq(tcp(0, SYN | ACK, C, S + 9, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_WINDOW);
	ck_assert_int_eq(tcp(0, SYN | ACK, C, S + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_RECV);
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(1, ACK, S + 1, C + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	ck_assert(last.e->flags & CT_F_ASSURED);
	ck_assert_int_eq(tcp(1, PSH | ACK, S + 1, C + 1, 65535, 100), CT_S_ESTABLISHED);
}
END_TEST

START_TEST(tcp_flags_and_no_entry)
{
	static const uint8_t bad[] = { 0, FIN, SYN | FIN, SYN | RST, FIN | PSH | 0x20, SYN | FIN | ACK, 0x3f };
	for (unsigned i = 0; i < sizeof(bad); i++) {
		ck_assert_int_eq(tcp(0, bad[i], C, 0, 65535, 0), CT_S_INVALID);
		ck_assert_int_eq(last.invalid, CT_INV_TCP_FLAGS);
	}
	/* without an entry: SYN-ACK, FIN, RST are invalid; an ACK is picked up (loose) */
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_NO_ENTRY);
	ck_assert_int_eq(tcp(0, FIN | ACK, C, S, 65535, 0), CT_S_INVALID);
	ck_assert_int_eq(tcp(0, RST, C, 0, 0, 0), CT_S_INVALID);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_int_eq(tcp(0, PSH | ACK, C, S, 512, 100), CT_S_NEW);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	ck_assert_int_eq(tcp(1, ACK, S, C + 100, 512, 0), CT_S_ESTABLISHED);
	ck_assert(last.e->flags & CT_F_ASSURED);
	/* strict: no pickup */
	ct_table_destroy(ct);
	cfg.tcp_loose = false;
	ct = ct_table_create(&cfg);
	ck_assert_int_eq(tcp(0, PSH | ACK, C, S, 512, 100), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_NO_ENTRY);
	ck_assert_uint_eq(ct_count(ct), 0);
}
END_TEST

START_TEST(tcp_window_scaling)
{
	/* both offer scaling: the server shifts by 7, so its 512 lets 65,536 bytes through */
	ck_assert_int_eq(tcp_ws(0, SYN, C, 0, 65535, 2), CT_S_NEW);
	ck_assert_int_eq(tcp_ws(1, SYN | ACK, S, C + 1, 1000, 1), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 4096, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(1, ACK, S + 1, C + 1, 512, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1 + 60000, S + 1, 4096, 1000), CT_S_ESTABLISHED);
	/* without scaling on one side neither scales: 1,000 bytes of window only */
	cport++;
	ck_assert_int_eq(tcp_ws(0, SYN, C, 0, 65535, 2), CT_S_NEW);
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 1000, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 4096, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(1, ACK, S + 1, C + 1, 512, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1 + 900, S + 1, 4096, 100), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1 + 60000, S + 1, 4096, 1000), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_TCP_WINDOW);
}
END_TEST

START_TEST(tcp_over_ipv6)
{
	ipv = 6;
	handshake();
	ck_assert_int_eq(tcp(0, PSH | ACK, C + 1, S + 1, 65535, 100), CT_S_ESTABLISHED);
	ck_assert_int_eq(last.e->key.family, 6);
	ipv = 4;
}
END_TEST

/* A DNS query from sport over IPv4 (frag: its fragment field) or IPv6, client to server
 * (dir 0) or back, with payload bytes. */
static void udp_frame(struct pb *f, int v, int dir, uint16_t sport, uint16_t frag, unsigned payload)
{
	pb_init(f);
	pb_eth0(f, v == 4 ? 0x0800 : 0x86dd);
	if (v == 4)
		pb_ip4(f, 17, frag, NULL, 0);
	else
		pb_ip6(f, 17);
	pb_udp(f, sport, 53);
	pb_payload(f, payload);
	if (dir)
		reverse(f);
	pb_done(f);
}

static int udp(int dir, uint16_t sport)
{
	struct pb f;
	udp_frame(&f, ipv, dir, sport, 0, 20);
	pb_pad(&f, 60);
	return track_frame(&f);
}

START_TEST(udp_pseudo_connection)
{
	ck_assert_int_eq(udp(0, 5353), CT_S_NEW);
	ck_assert(!(last.e->flags & CT_F_ASSURED));
	ck_assert_int_eq(udp(0, 5353), CT_S_NEW);        /* no reply yet: still new */
	ck_assert_int_eq(udp(1, 5353), CT_S_ESTABLISHED);
	ck_assert(last.e->flags & CT_F_ASSURED);
	ck_assert_int_eq(udp(0, 5353), CT_S_ESTABLISHED);
	/* unreplied flows last 30 s, replied ones 120 s */
	ck_assert_int_eq(udp(0, 6000), CT_S_NEW);
	now += 31 * 1000;
	/* the unreplied flow expired: its late reply is a new flow the other way */
	ck_assert_int_eq(udp(1, 6000), CT_S_NEW);
	ck_assert_uint_eq(last.dir, 0);
	ck_assert_uint_eq(ct_counters(ct)->expired, 1);
	now += 60 * 1000;
	ck_assert_int_eq(udp(1, 5353), CT_S_ESTABLISHED);
}
END_TEST

static void icmp_frame(struct pb *f, int v, int dir, uint8_t type, uint8_t code, uint16_t id)
{
	pb_init(f);
	pb_eth0(f, v == 4 ? 0x0800 : 0x86dd);
	if (v == 4)
		pb_ip4(f, 1, 0, NULL, 0);
	else
		pb_ip6(f, 58);
	pb_icmp(f, v == 4 ? 1 : 58, type, code, id);
	if (dir)
		reverse(f);
}

START_TEST(icmp_echo)
{
	struct pb f;
	icmp_frame(&f, 4, 0, 8, 0, 77);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_NEW);
	icmp_frame(&f, 4, 1, 0, 0, 77);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_ESTABLISHED);
	/* a reply nobody asked for, or another id */
	icmp_frame(&f, 4, 1, 0, 0, 78);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_ICMP_NEW);
	/* the responder asking with the same identifier: its own query, not a reply (Linux
	 * keys on the type too) */
	icmp_frame(&f, 4, 1, 8, 0, 77);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_NEW);
	/* a timestamp query and its reply meet too */
	icmp_frame(&f, 4, 0, 13, 0, 5);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_NEW);
	icmp_frame(&f, 4, 1, 14, 0, 5);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_ESTABLISHED);
	/* ICMPv6 echo, and neighbour solicitation is not tracked */
	icmp_frame(&f, 6, 0, 128, 0, 9);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_NEW);
	icmp_frame(&f, 6, 1, 129, 0, 9);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_ESTABLISHED);
	icmp_frame(&f, 6, 0, 135, 0, 0);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_UNTRACKED);
	ck_assert_uint_eq(ct_count(ct), 4);
}
END_TEST

/* An ICMP error from the server's side quoting the client's packet q (a built frame). */
static int icmp_error(int v, uint8_t type, uint8_t code, const struct pb *q, unsigned quote)
{
	struct pb f;
	icmp_frame(&f, v, 1, type, code, 0);
	unsigned avail = (unsigned)(q->len - q->l3);
	pb_put(&f, q->b + q->l3, quote < avail ? quote : avail);
	pb_done(&f);
	return track_frame(&f);
}

START_TEST(icmp_related)
{
	/* a UDP flow, then a port unreachable quoting its first packet */
	ck_assert_int_eq(udp(0, 7000), CT_S_NEW);
	struct pb q;
	udp_frame(&q, 4, 0, 7000, 0, 20);
	ck_assert_int_eq(icmp_error(4, 3, 3, &q, 1000), CT_S_RELATED);
	ck_assert_uint_eq(last.dir, 1);
	/* quoted too short (IP header and 4 bytes), or about an unknown flow */
	ck_assert_int_eq(icmp_error(4, 3, 3, &q, 24), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_ICMP_INNER);
	q.b[q.l4 + 1] = 99;   /* another source port */
	ck_assert_int_eq(icmp_error(4, 11, 0, &q, 1000), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_ICMP_NO_FLOW);
	/* IPv6: packet too big about a TCP connection */
	ipv = 6;
	handshake();
	struct pb t6;
	build_tcp(&t6, 0, PSH | ACK, C + 1, S + 1, 65535, 1200, -1);
	ck_assert_int_eq(icmp_error(6, 2, 0, &t6, 1232), CT_S_RELATED);
	ck_assert_int_eq(icmp_error(6, 1, 4, &t6, 44), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_ICMP_INNER);
	ipv = 4;
	ck_assert_uint_eq(ct_counters(ct)->state[2], 2);   /* related */
}
END_TEST

/* Tracks f with one bit of its transport checksum flipped (the field at csum_at in the
 * transport header), as the device reported it (ol: PKT_OL_*, 0 for nothing). The frame
 * is left as it was. */
static int track_damaged(struct pb *f, unsigned csum_at, uint16_t ol)
{
	f->b[f->l4 + csum_at] ^= 0x01;
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	p->ol_flags = ol;
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	if (last.state == CT_S_NEW)
		ck_assert(ct_commit(ct, p, now, &last));
	pkt_free(p);
	f->b[f->l4 + csum_at] ^= 0x01;
	return last.state;
}

#define CS_TCP 16
#define CS_UDP 6
#define CS_ICMP 2

/* A damaged segment changes nothing (Linux's nf_conntrack_checksum): not a reset tearing
 * an established connection down, nor a SYN opening one; unless the device verified the
 * checksum, or the table does not check. UDP is verified where it opens or assures a
 * connection, not after (the datagram only renews the timeout). Over IPv4 without a
 * checksum is fine, over IPv6 not; ICMP and ICMPv6, errors included, are checked; a first fragment is not (its
 * checksum covers the fragments after it). */
START_TEST(transport_checksums)
{
	handshake();
	struct pb f;
	build_tcp(&f, 1, RST, S + 1, 0, 0, 0, -1);
	ck_assert_int_eq(track_damaged(&f, CS_TCP, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	ck_assert_int_eq(track_frame(&f), CT_S_ESTABLISHED);       /* whole, it resets */
	ck_assert_int_eq(tcp_state(), CT_TCP_CLOSE);
	unsigned n = ct_count(ct);
	cport = 40001;
	build_tcp(&f, 0, SYN, C, 0, 65535, 0, -1);
	ck_assert_int_eq(track_damaged(&f, CS_TCP, 0), CT_S_INVALID);
	ck_assert_int_eq(track_damaged(&f, CS_TCP, PKT_OL_IP4_CSUM_GOOD), CT_S_INVALID);
	ck_assert_uint_eq(ct_count(ct), n);
	ck_assert_int_eq(track_damaged(&f, CS_TCP, PKT_OL_L4_CSUM_GOOD), CT_S_NEW);  /* the device's word */
	ck_assert_uint_eq(ct_count(ct), n + 1);
	cport = 40000;

	/* UDP: no checksum over IPv4 is none to check; over IPv6 it is a wrong one */
	struct pb u;
	udp_frame(&u, 4, 0, 5000, 0, 20);
	ck_assert_int_eq(track_damaged(&u, CS_UDP, 0), CT_S_INVALID);
	u.b[u.l4 + 6] = u.b[u.l4 + 7] = 0;
	ck_assert_int_eq(track_frame(&u), CT_S_NEW);
	udp_frame(&u, 6, 0, 5000, 0, 20);
	ck_assert_int_eq(track_damaged(&u, CS_UDP, 0), CT_S_INVALID);
	ck_assert_int_eq(track_frame(&u), CT_S_NEW);
	udp_frame(&u, 6, 0, 5002, 0, 20);       /* a new one: verified */
	u.b[u.l4 + 6] = u.b[u.l4 + 7] = 0;
	ck_assert_int_eq(track_frame(&u), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM);

	/* UDP's first answer is verified (it assures the connection); after it a datagram only
	 * renews the timeout and is passed on unverified, either way */
	udp_frame(&u, 4, 1, 5000, 0, 20);
	ck_assert_int_eq(track_damaged(&u, CS_UDP, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM);
	ck_assert_int_eq(track_frame(&u), CT_S_ESTABLISHED);
	ck_assert_int_eq(track_damaged(&u, CS_UDP, 0), CT_S_ESTABLISHED);
	udp_frame(&u, 4, 0, 5000, 0, 20);
	ck_assert_int_eq(track_damaged(&u, CS_UDP, 0), CT_S_ESTABLISHED);

	/* ICMP and ICMPv6 echo, and an error about the UDP flow */
	icmp_frame(&f, 4, 0, 8, 0, 70);
	pb_done(&f);
	ck_assert_int_eq(track_damaged(&f, CS_ICMP, 0), CT_S_INVALID);
	ck_assert_int_eq(track_frame(&f), CT_S_NEW);
	icmp_frame(&f, 6, 0, 128, 0, 70);
	pb_done(&f);
	ck_assert_int_eq(track_damaged(&f, CS_ICMP, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM);
	ck_assert_int_eq(udp(0, 7100), CT_S_NEW);
	struct pb q;
	udp_frame(&q, 4, 0, 7100, 0, 20);
	icmp_frame(&f, 4, 1, 3, 3, 0);
	pb_put(&f, q.b + q.l3, q.len - q.l3);
	pb_done(&f);
	ck_assert_int_eq(track_damaged(&f, CS_ICMP, 0), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM);
	ck_assert_int_eq(track_frame(&f), CT_S_RELATED);

	/* a first fragment: its checksum is the datagram's, not checked here */
	udp_frame(&u, 4, 0, 5001, 0x2000, 32);
	ck_assert_int_eq(track_damaged(&u, CS_UDP, 0), CT_S_NEW);

	/* a table that does not check */
	cfg.checksum = false;
	ck_assert(ct_table_tune(ct, &cfg));
	cport = 40002;
	build_tcp(&f, 0, SYN, C, 0, 65535, 0, -1);
	ck_assert_int_eq(track_damaged(&f, CS_TCP, 0), CT_S_NEW);
	cport = 40000;
	ck_assert_uint_eq(ct_counters(ct)->invalid[CT_INV_CHECKSUM], 10);
}
END_TEST

/* A checksum its sender left to offload (a Linux veth or tap peer with tx checksumming on):
 * the field holds only the pseudo-header's sum. Invalid like any wrong checksum, but named
 * for what it is; a wrong checksum that is not one stays plain "checksum". */
static void leave_to_offload(struct pb *f, unsigned csum_at)
{
	const uint8_t *ip = f->b + f->l3;    /* the length from the IP header: frames may be padded */
	uint16_t len = f->ipv == 4 ? (uint16_t)(pkt_rd16(ip + 2) - (f->l4 - f->l3)) : pkt_rd16(ip + 4);
	uint32_t sum = f->ipv == 4 ? pkt_csum_pseudo4(ip + 12, ip + 16, f->proto, len)
				   : pkt_csum_pseudo6(ip + 8, ip + 24, f->proto, len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	f->b[f->l4 + csum_at] = (uint8_t)(sum >> 8);
	f->b[f->l4 + csum_at + 1] = (uint8_t)sum;
}

START_TEST(checksums_left_to_offload)
{
	struct pb u, t;
	for (int v = 4; v <= 6; v += 2) {
		udp_frame(&u, v, 0, (uint16_t)(5100 + v), 0, 20);
		leave_to_offload(&u, CS_UDP);
		ck_assert_int_eq(track_frame(&u), CT_S_INVALID);
		ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM_PARTIAL);
		ck_assert_int_eq(track_damaged(&u, CS_UDP, 0), CT_S_INVALID);
		ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM);
	}
	cport = 40003;
	build_tcp(&t, 0, SYN, C, 0, 65535, 0, -1);
	leave_to_offload(&t, CS_TCP);
	ck_assert_int_eq(track_frame(&t), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_CHECKSUM_PARTIAL);
	ck_assert_int_eq(track_damaged(&t, CS_TCP, PKT_OL_L4_CSUM_GOOD), CT_S_NEW); /* completed by the backend */
	cport = 40000;
	ck_assert_uint_eq(ct_counters(ct)->invalid[CT_INV_CHECKSUM_PARTIAL], 3);
}
END_TEST

START_TEST(fragments_and_non_ip)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 17, 0x2000, NULL, 0);   /* first fragment, MF: tracked as its datagram */
	pb_udp(&f, 1, 2);
	pb_payload(&f, 40);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_NEW);
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 17, 185, NULL, 0);      /* a later fragment: no ports, invalid */
	pb_payload(&f, 40);
	pb_done(&f);
	ck_assert_int_eq(track_frame(&f), CT_S_INVALID);
	ck_assert_int_eq(last.invalid, CT_INV_FRAGMENT);
	pb_init(&f);
	pb_eth0(&f, 0x0806);
	pb_arp(&f, 1);
	pb_done(&f);
	pb_pad(&f, 60);
	ck_assert_int_eq(track_frame(&f), CT_S_UNTRACKED);
	ck_assert_uint_eq(ct_count(ct), 1);   /* the fragmented datagram's flow only */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ct");
	TCase *tc = tcase_create("ct");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tcp_handshake_data_fin);
	tcase_add_test(tc, tcp_rst_teardown);
	tcase_add_test(tc, tcp_out_of_window_and_retransmit);
	tcase_add_test(tc, tcp_syn_retransmitted_after_synack);
	tcase_add_test(tc, tcp_handshake_errors);
	tcase_add_test(tc, tcp_simultaneous_open);
	tcase_add_test(tc, tcp_flags_and_no_entry);
	tcase_add_test(tc, tcp_window_scaling);
	tcase_add_test(tc, tcp_over_ipv6);
	tcase_add_test(tc, udp_pseudo_connection);
	tcase_add_test(tc, icmp_echo);
	tcase_add_test(tc, icmp_related);
	tcase_add_test(tc, transport_checksums);
	tcase_add_test(tc, checksums_left_to_offload);
	tcase_add_test(tc, fragments_and_non_ip);
	ct_table_tests(tc);
	suite_add_tcase(s, tc);
	return check_run(s);
}
