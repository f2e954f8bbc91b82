/* ct_fixture.c - unit-ct's shared fixture (ct_fixture.h): the table, TCP segments built and
 * tracked, the handshake. */
#include "ct_fixture.h"
#include "pkt_parse.h"

#include <string.h>
struct pkt_pool *pool;
struct ct_table *ct;
struct ct_config cfg;
uint64_t now = 1000;

void setup(void)
{
	pool = pkt_pool_create("ct", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	ct_config_default(&cfg);
	cfg.max_entries = 1024;
	ct = ct_table_create(&cfg);
	ck_assert_ptr_nonnull(ct);
	now = 1000;
	ipv = 4;            /* as every case starts, forked or not (CK_FORK=no) */
	cport = 40000;
}

void teardown(void)
{
	ct_table_destroy(ct);
	pkt_pool_destroy(pool);
}

void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Turns a built frame around: addresses and ports swapped (dir 1 is the reply). */
void reverse(struct pb *f)
{
	if (f->ipv == 4)
		swap(f->b + f->l3 + 12, f->b + f->l3 + 16, 4);
	else
		swap(f->b + f->l3 + 8, f->b + f->l3 + 24, 16);
	if (f->proto == 6 || f->proto == 17)
		swap(f->b + f->l4, f->b + f->l4 + 2, 2);
}

int ipv = 4;
uint16_t cport = 40000;

/* One TCP segment, client (dir 0) to server or back. */
void build_tcp(struct pb *f, int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
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

struct ct_pkt last;

/* Tracks a frame, committing it when new; returns its ct state. */
int track_frame(struct pb *f)
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

int tcp(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, unsigned payload)
{
	struct pb f;
	build_tcp(&f, dir, flags, seq, ack, win, payload, -1);
	return track_frame(&f);
}

int tcp_ws(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, int wscale)
{
	struct pb f;
	build_tcp(&f, dir, flags, seq, ack, win, 0, wscale);
	return track_frame(&f);
}

int tcp_state(void) { return last.e ? last.e->proto_state : -1; }


/* SYN, SYN-ACK, ACK: returns with both sides at their first data byte. */
void handshake(void)
{
	ck_assert_int_eq(tcp(0, SYN, C, 0, 65535, 0), CT_S_NEW);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_SENT);
	ck_assert_int_eq(tcp(1, SYN | ACK, S, C + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_SYN_RECV);
	ck_assert_int_eq(tcp(0, ACK, C + 1, S + 1, 65535, 0), CT_S_ESTABLISHED);
	ck_assert_int_eq(tcp_state(), CT_TCP_ESTABLISHED);
	ck_assert(last.e->flags & CT_F_ASSURED);
}
