/* The host stack's unit tests' harness (stack_harness.h). */
#include "stack_harness.h"
#include "stk_hooks.h"
#include "pkt_parse.h"
#include "hosted_plat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pkt_pool *pool;
const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 2 };   /* pb_eth's destination */
const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 1 };  /* pb_eth's source */
const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t our_ip[4] = { 10, 0, 0, 2 }, peer_ip[4] = { 10, 0, 0, 1 }, gw_ip[4] = { 10, 0, 0, 1 };
const uint8_t our_ip6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
const uint8_t peer_ip6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
const uint8_t far_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
const uint8_t sol_node_our6[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2 };

struct pkt_buf *sent[MAX_SENT];
unsigned n_sent;
uint64_t now_ms = 1000;
struct stk_if *ifc;

bool stack_tx_hook(void *arg, uint16_t port, struct pkt_buf *p)
{
	ck_assert_ptr_null(arg);
	ck_assert_uint_eq(port, p->port);
	CHECK(n_sent < MAX_SENT, "more than %d frames sent", MAX_SENT);
	ck_assert_uint_ge(p->len, 60);
	sent[n_sent++] = p;
	return true;
}

void drain(void)
{
	pkt_free_burst(sent, n_sent);
	n_sent = 0;
}

void advance(uint64_t ms)
{
	for (uint64_t end = now_ms + ms; now_ms < end;) {
		now_ms += 10;
		stk_poll(now_ms);
	}
}

static void on_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "lwIP assertion: %s (%s:%d)\n", msg, file, line);
	abort();
}

void start(void)
{
	char err[160];
	stk_set_assert_hook(on_assert);
	ck_assert_msg(stk_init(pool, stack_tx_hook, NULL, err, sizeof(err)) == 0, "%s", err);
}

/* Brings up port 0 with spec; waits out duplicate address detection. */
struct stk_if *up(const char *spec)
{
	char err[160];
	struct stk_if_conf c;
	start();
	ck_assert_msg(stk_conf_parse(spec, &c, err, sizeof(err)) == 0, "%s", err);
	struct stk_if *i = stk_if_add(0, our_mac, &c, err, sizeof(err));
	ck_assert_msg(i != NULL, "%s", err);
	advance(4000);
	drain();
	return i;
}

void stop(void)
{
	drain();
	ck_assert_uint_eq(stk_shutdown(), 0);
	drain();  /* a DHCP release */
	ck_assert_uint_eq(pool->avail, pool->size);
	ck_assert_uint_eq(hosted_plat_log_count(PLAT_LOG_ERROR), 0);
}

/* ---- frames ------------------------------------------------------------------------------ */

void frame_ip4(struct pb *f, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	pb_init(f);
	pb_eth0(f, 0x0800);
	pb_ip4(f, proto, 0, NULL, 0);
	memcpy(f->b + f->l3 + 12, src, 4);
	memcpy(f->b + f->l3 + 16, dst, 4);
}

void frame_ip6(struct pb *f, uint8_t nh, const uint8_t src[16], const uint8_t dst[16])
{
	pb_init(f);
	pb_eth0(f, 0x86dd);
	pb_ip6(f, nh);
	memcpy(f->b + f->l3 + 8, src, 16);
	memcpy(f->b + f->l3 + 24, dst, 16);
	if (dst[0] == 0xff) {
		const uint8_t mc[6] = { 0x33, 0x33, dst[12], dst[13], dst[14], dst[15] };
		memcpy(f->b, mc, 6);
	}
}

void build_arp(struct pb *f, uint16_t op, const uint8_t target[4])
{
	pb_init(f);
	pb_eth0(f, 0x0806);
	memcpy(f->b, bcast, 6);
	pb_arp(f, op);
	memcpy(f->b + f->l3 + 14, peer_ip, 4);
	memcpy(f->b + f->l3 + 24, target, 4);
	pb_pad(f, 60);
}

void build_echo(struct pb *f, const uint8_t src[4])
{
	frame_ip4(f, 1, src, our_ip);
	pb_icmp(f, 1, 8, 0, 0x4242);
	pb_payload(f, 32);
	pb_done(f);
	pb_pad(f, 60);
}

void build_syn(struct pb *f, uint16_t dport)
{
	frame_ip4(f, 6, peer_ip, our_ip);
	pb_tcp(f, 40000, dport, NULL, 0);
	f->b[f->l4 + 13] = 0x02;  /* SYN, sequence number 1 */
	pb_done(f);
	pb_pad(f, 60);
}

void build_ns(struct pb *f, const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16])
{
	frame_ip6(f, 58, src, dst);
	f->b[f->l3 + 7] = 255;   /* hop limit of ND */
	pb_icmp(f, 58, 135, 0, 0);
	f->b[f->l4 + 7] = 0;     /* reserved */
	pb_put(f, target, 16);
	const uint8_t slla[8] = { 1, 1, 2, 0, 0, 0, 0, 1 };
	pb_put(f, slla, 8);
	pb_done(f);
}

void build_echo6(struct pb *f, const uint8_t src[16])
{
	frame_ip6(f, 58, src, our_ip6);
	pb_icmp(f, 58, 128, 0, 0x4343);
	pb_payload(f, 40);
	pb_done(f);
}

struct pkt_buf *to_pkt(const struct pb *f)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	pkt_parse(p);
	return p;
}

void feed(struct stk_if *i, const struct pb *f) { stk_input(i, to_pkt(f)); }

/* The n-th (0-based) sent frame of ethertype et (and IP protocol proto and ICMP type when
 * not -1), parsed; NULL if none. */
struct pkt_buf *sent_find(uint16_t et, int proto, int type, unsigned n)
{
	for (unsigned i = 0; i < n_sent; i++) {
		struct pkt_buf *p = sent[i];
		if (pkt_parse(p) != PKT_PARSE_OK || p->meta.ethertype != et)
			continue;
		if (proto >= 0 && p->meta.l4proto != proto)
			continue;
		if (type >= 0 && (!(p->meta.flags & PKT_F_L4) || p->data[p->meta.l4_off] != type))
			continue;
		if (n-- == 0)
			return p;
	}
	return NULL;
}

/* Peers resolved: an ARP request from 10.0.0.1, a neighbour solicitation from fd00::1. */
void learn_peers(struct stk_if *i)
{
	struct pb f;
	build_arp(&f, 1, our_ip);
	feed(i, &f);
	build_ns(&f, peer_ip6, sol_node_our6, our_ip6);
	feed(i, &f);
	drain();
}

struct counter counters[256];
unsigned n_counters;

void collect(void *arg, const char *proto, const char *name, uint64_t v)
{
	ck_assert_ptr_eq(arg, counters);
	CHECK(n_counters < 256, "too many counters");
	snprintf(counters[n_counters].proto, sizeof(counters[0].proto), "%s", proto);
	snprintf(counters[n_counters].name, sizeof(counters[0].name), "%s", name);
	counters[n_counters++].v = v;
}

uint64_t counter(const char *proto, const char *name)
{
	for (unsigned i = 0; i < n_counters; i++)
		if (!strcmp(counters[i].proto, proto) && !strcmp(counters[i].name, name))
			return counters[i].v;
	ck_abort_msg("no counter %s %s", proto, name);
	return 0;
}
