/* Connection tracking: the TCP handshake, data, FIN and RST teardown, out-of-window
 * segments, retransmissions, window scaling, loose pickup, UDP and ICMP pseudo-connections,
 * ICMP errors related to their flow (IPv4 and IPv6), untracked ND, fragments, timeouts,
 * a full table under a SYN flood that never evicts an established connection, and a table
 * past CT_PREFETCH_ENTRIES tracked burst by burst (its entries prefetched), VLANs as
 * zones or not, and transport checksums. */
#include "ct.h"
#include "ct_internal.h"    /* the bucket layout, for the overflow test */
#include "pkt_csum.h"
#include "pkt_parse.h"
#include "pkt_pipe.h"
#include "pktbuild.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04
#define PSH 0x08

static struct pkt_pool *pool;
static struct ct_table *ct;
static struct ct_config cfg;
static uint64_t now = 1000;

static void setup(void)
{
	pool = pkt_pool_create("ct", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	ct_config_default(&cfg);
	cfg.max_entries = 1024;
	ct = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(ct);
	now = 1000;
}

static void teardown(void)
{
	ct_table_destroy(ct);
	pkt_pool_destroy(pool);
}

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Turns a built frame around: addresses and ports swapped (dir 1 is the reply). */
static void reverse(struct pb *f)
{
	if (f->ipv == 4)
		swap(f->b + f->l3 + 12, f->b + f->l3 + 16, 4);
	else
		swap(f->b + f->l3 + 8, f->b + f->l3 + 24, 16);
	if (f->proto == 6 || f->proto == 17)
		swap(f->b + f->l4, f->b + f->l4 + 2, 2);
}

static int ipv = 4;
static uint16_t cport = 40000;

/* One TCP segment, client (dir 0) to server or back. */
static void build_tcp(struct pb *f, int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		      unsigned payload, int wscale)
{
	static const uint8_t ws_opt[4][4] = { {1, 3, 3, 0}, {1, 3, 3, 7}, {1, 3, 3, 2}, {1, 3, 3, 14} };
	pb_init(f);
	pb_eth0(f, ipv == 4 ? 0x0800 : 0x86dd);
	if (ipv == 4)
		pb_ip4(f, 6, 0, NULL, 0);
	else
		pb_ip6(f, 6);
	pb_tcp(f, cport, 80, wscale >= 0 ? ws_opt[wscale] : NULL, wscale >= 0 ? 4 : 0);
	uint8_t *th = f->b + f->l4;
	pkt_wr32(th + 4, seq);
	pkt_wr32(th + 8, ack);
	th[13] = flags;
	th[14] = (uint8_t)(win >> 8);
	th[15] = (uint8_t)win;
	pb_payload(f, payload);
	if (dir)
		reverse(f);
	pb_done(f);
	pb_pad(f, 60);
}

static struct ct_pkt last;

/* Tracks a frame, committing it when new; returns its ct state. */
static int track_frame(struct pb *f)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	if (last.state == CT_S_NEW)
		ck_assert(ct_commit(ct, p, now, &last));
	pkt_free(p);
	return last.state;
}

static int tcp(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, unsigned payload)
{
	struct pb f;
	build_tcp(&f, dir, flags, seq, ack, win, payload, -1);
	return track_frame(&f);
}

static int tcp_ws(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, int wscale)
{
	struct pb f;
	build_tcp(&f, dir, flags, seq, ack, win, 0, wscale);
	return track_frame(&f);
}

static int tcp_state(void) { return last.e ? last.e->proto_state : -1; }

#define C 1000u      /* client ISN */
#define S 500000u    /* server ISN */

/* SYN, SYN-ACK, ACK: returns with both sides at their first data byte. */
static void handshake(void)
{
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_SENT);
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_RECV);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	ck_assert(last.e->flags & CT_F_ASSURED);
}

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
	/* the SYN-ACK retransmitted after the handshake is accepted, and a wrong one is not */
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

/* A SYN flood fills the table; established connections stay, the flood replaces itself. */
START_TEST(full_table_and_syn_flood)
{
	ct_table_destroy(ct);
	cfg.max_entries = 64;
	ct = ct_table_create(&cfg);
	for (unsigned i = 0; i < 16; i++) {
		cport = (uint16_t)(1000 + i);
		handshake();
	}
	for (unsigned i = 0; i < 5000; i++) {
		cport = (uint16_t)(20000 + i);
		struct pb f;
		build_tcp(&f, 0, SYN, C, 0, 65535, 0, -1);
		struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
		ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
		ct_track(ct, p, now, &last);
		CHECK(last.state == CT_S_NEW, "SYN %u: state %d", i, last.state);
		CHECK(ct_commit(ct, p, now, &last), "SYN %u refused", i);
		pkt_free(p);
	}
	/* nothing refused: every SYN found an unfinished one to replace */
	ck_assert_uint_eq(ct_counters(ct)->refused, 0);
	ck_assert_uint_eq(ct_count(ct), 16 + 5000 - ct_counters(ct)->evicted);
	ck_assert_uint_ge(ct_count(ct), 60);
	for (unsigned i = 0; i < 16; i++) {
		cport = (uint16_t)(1000 + i);
		ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
		ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	}
	/* a table of established connections only: the new one is refused */
	ct_table_destroy(ct);
	ct = ct_table_create(&cfg);
	for (unsigned i = 0; i < 64; i++) {
		cport = (uint16_t)(1000 + i);
		handshake();
	}
	cport = 9999;
	struct pb f;
	build_tcp(&f, 0, SYN, C, 0, 65535, 0, -1);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &last);
	ck_assert_int_eq(last.state, CT_S_NEW);
	ck_assert(!ct_commit(ct, p, now, &last));
	pkt_free(p);
	ck_assert_uint_eq(ct_counters(ct)->refused, 1);
	ck_assert_uint_eq(ct_count(ct), 64);
	/* once they expire, room is made again */
	now += 432001 * 1000ull;
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	ck_assert_uint_eq(ct_counters(ct)->refused, 1);
	cport = 40000;
}
END_TEST

/* The overflow counts (ct_internal.h, spill) say exactly how many of a bucket's flows live
 * in their second bucket, and every live entry is found by its key. */
static void check_buckets(void)
{
	static uint16_t want[64];
	ck_assert_uint_le(ct->n_buckets, 64);
	memset(want, 0, sizeof(want));
	for (uint32_t b = 0; b < ct->n_buckets; b++)
		for (unsigned s = 0; s < CT_BUCKET_SLOTS; s++) {
			uint32_t idx = ct->buckets[b].idx[s];
			if (!idx)
				continue;
			struct ct_entry *e = &ct->entries[idx - 1];
			uint32_t b1 = e->hash & (ct->n_buckets - 1);
			CHECK(b == b1 || b == ct_bucket2(ct, e->hash), "entry in bucket %u, neither of its own", b);
			if (b != b1)
				want[b1]++;
			unsigned dir;
			if (e->expires > now)
				CHECK(ct_find(ct, &e->key, e->hash, now, &dir) == e && dir == 0, "entry in bucket %u not found", b);
		}
	for (uint32_t b = 0; b < ct->n_buckets; b++)
		CHECK(ct->spill[b] == (want[b] < 255 ? want[b] : 255), "bucket %u: overflow count %u, want %u", b,
		      ct->spill[b], want[b]);
}

START_TEST(buckets_overflow)
{
	ct_table_destroy(ct);
	cfg.max_entries = 64;           /* 16 buckets: many flows in their second */
	ct = ct_table_create(&cfg);
	uint64_t s = 77;
	unsigned second = 0;
	for (unsigned i = 0; i < 20000; i++) {
		struct pb f;
		pb_init(&f);
		pb_eth0(&f, 0x0800);
		pb_ip4(&f, 17, 0, NULL, 0);
		pb_udp(&f, (uint16_t)(1000 + rng_next(&s) % 200), 53);
		pb_payload(&f, 20);
		int dir = (int)(rng_next(&s) % 3 == 0);
		if (dir)
			reverse(&f);
		pb_done(&f);
		struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
		ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
		ct_track(ct, p, now, &last);
		ct_commit(ct, p, now, &last);   /* may be refused: the table is small */
		pkt_free(p);
		now += rng_next(&s) % 1500;
		check_buckets();
		for (uint32_t b = 0; b < ct->n_buckets; b++)
			second += ct->spill[b] != 0;
	}
	ck_assert_uint_gt(second, 1000);    /* the second buckets were used, and looked up */
	ck_assert_uint_gt(ct_counters(ct)->expired, 100);
	now += 600 * 1000;
	ct_sweep(ct, now, ct->n_buckets);
	ck_assert_uint_eq(ct_count(ct), 0);
	check_buckets();
}
END_TEST

/* A table past CT_PREFETCH_ENTRIES, so that the burst pass also prefetches each packet's
 * entry: 20,000 UDP flows opened, then answered, then seen again, in bursts of 32 through
 * ct_parse_prefetch_burst and ct_track_prefetched; every reply and later packet is found
 * in its connection, in its direction. */
START_TEST(large_table_in_bursts)
{
	enum { FLOWS = 20000, BURST = 32 };
	ct_table_destroy(ct);
	cfg.max_entries = 32768;
	ct = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(ct);
	for (int round = 0; round < 3; round++) {       /* opened, answered, seen again */
		unsigned found = 0;
		for (unsigned first = 0; first < FLOWS; first += BURST) {
			struct pkt_buf *pkts[BURST];
			struct ct_pkt cps[BURST];
			uint16_t n = 0;
			for (unsigned i = first; i < first + BURST && i < FLOWS; i++) {
				struct pb f;
				pb_init(&f);
				pb_eth0(&f, 0x0800);
				pb_ip4(&f, 17, 0, NULL, 0);
				pb_udp(&f, (uint16_t)(1024 + i), 53);
				pb_payload(&f, 20);
				if (round == 1)
					reverse(&f);
				pb_done(&f);
				pb_pad(&f, 60);
				pkts[n] = pb_to_pkt(pool, f.b, f.len);
				ck_assert_ptr_nonnull(pkts[n]);
				n++;
			}
			ct_parse_prefetch_burst(ct, pkts, cps, n, 0);
			for (uint16_t i = 0; i < n; i++) {
				ck_assert_uint_eq(pkts[i]->verdict, PKT_V_CONTINUE);
				ct_track_prefetched(ct, pkts[i], now, &cps[i]);
				if (round == 0) {
					ck_assert_int_eq(cps[i].state, CT_S_NEW);
					ck_assert(ct_commit(ct, pkts[i], now, &cps[i]));
					continue;
				}
				ck_assert_int_eq(cps[i].state, CT_S_ESTABLISHED);
				ck_assert_ptr_nonnull(cps[i].e);
				ck_assert_uint_eq(cps[i].dir, round == 1);
				ck_assert_uint_eq(cps[i].e->key.sport, 1024 + first + i);
				found++;
			}
			pkt_free_burst(pkts, n);
		}
		ck_assert_uint_eq(ct_count(ct), FLOWS);
		ck_assert_uint_eq(found, round ? FLOWS : 0);
	}
	ck_assert_uint_gt(FLOWS, CT_PREFETCH_ENTRIES);
}
END_TEST

static char out[2048];

static void emit(void *arg, const char *line)
{
	(void)arg;
	strcat(out, line);
	strcat(out, "\n");
}

/* A UDP packet of 10.0.0.1:5000 -> 53 (dir 1: its reply) tagged with VLAN vid (0: none),
 * keyed in a burst of one (the one-step key) or alone (ct_track); committed when new. */
static int udp_vlan(int dir, uint16_t vid, bool burst)
{
	struct pb f;
	const uint16_t tpid = 0x8100, tci = vid;
	pb_init(&f);
	pb_eth(&f, vid ? 1 : 0, &tpid, &tci, 0x0800);
	pb_ip4(&f, 17, 0, NULL, 0);
	pb_udp(&f, 5000, 53);
	pb_payload(&f, 8);
	if (dir)
		reverse(&f);
	pb_done(&f);
	pb_pad(&f, 60);
	if (!burst)
		return track_frame(&f);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_ptr_nonnull(p);
	ct_parse_prefetch_burst(ct, &p, &last, 1, 0);
	ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
	ck_assert_uint_eq(last.keyed, 1);
	ct_track_prefetched(ct, p, now, &last);
	if (last.state == CT_S_NEW)
		ck_assert(ct_commit(ct, p, now, &last));
	pkt_free(p);
	return last.state;
}

/* With VLAN zones (a bridge's view, the default) the same flow in two VLANs is two
 * connections; without (a router's VLANs are links) a reply may come back on another. */
START_TEST(vlan_zones)
{
	ck_assert_int_eq(udp_vlan(0, 10, true), CT_S_NEW);
	ck_assert_int_eq(udp_vlan(1, 10, false), CT_S_ESTABLISHED);
	ck_assert_int_eq(udp_vlan(1, 20, true), CT_S_NEW);       /* VLAN 20's own flow */
	ck_assert_uint_eq(last.dir, 0);
	ck_assert_int_eq(udp_vlan(1, 0, false), CT_S_NEW);       /* and the untagged one's */
	ck_assert_uint_eq(ct_count(ct), 3);
	ct_table_destroy(ct);
	cfg.vlan_zones = false;
	ct = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(ct);
	ck_assert_int_eq(udp_vlan(0, 10, true), CT_S_NEW);
	ck_assert_int_eq(udp_vlan(1, 0, true), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 1);
	ck_assert_int_eq(udp_vlan(1, 20, false), CT_S_ESTABLISHED);
	/* a running table keeps how it keys: tuning it with zones on changes nothing */
	struct ct_config tuned = cfg;
	tuned.vlan_zones = true;
	ck_assert(ct_table_tune(ct, &tuned));
	ck_assert(!ct_table_config(ct)->vlan_zones);
	ck_assert_int_eq(udp_vlan(0, 30, true), CT_S_ESTABLISHED);
	ck_assert_uint_eq(last.dir, 0);
	ck_assert_uint_eq(ct_count(ct), 1);
}
END_TEST

START_TEST(counters_table)
{
	handshake();
	ck_assert_int_eq(tcp(0, 0, C, 0, 0, 0), CT_S_INVALID);
	out[0] = 0;
	ct_counters_format(ct, emit, NULL);
	ck_assert_msg(strstr(out, "conntrack: 1 of 1024 entries in use\n"), "%s", out);
	ck_assert_msg(strstr(out, "  new                               1\n"), "%s", out);
	ck_assert_msg(strstr(out, "  established                       2\n"), "%s", out);
	ck_assert_msg(strstr(out, "    invalid tcp_flags                 1\n"), "%s", out);
	ck_assert_msg(strstr(out, "  created                           1\n"), "%s", out);
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
	tcase_add_test(tc, full_table_and_syn_flood);
	tcase_add_test(tc, buckets_overflow);
	tcase_add_test(tc, large_table_in_bursts);
	tcase_add_test(tc, vlan_zones);
	tcase_add_test(tc, counters_table);
	suite_add_tcase(s, tc);
	return check_run(s);
}
