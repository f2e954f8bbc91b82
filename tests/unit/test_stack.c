/* The host stack (stack/stk.h, lwIP 2.1.3) answering a peer: ARP, ICMP echo, TCP resets
 * and data held without a copy, RFC 6528 sequence numbers, neighbour discovery and ICMPv6
 * echo through the transmit hook; the static gateways; which frames of a shared port are
 * the stack's; DHCP's DISCOVER. Every pkt_buf back in its pool after stk_shutdown(). */
#include "stack_harness.h"
#include "stk_hooks.h"
#include "pkt_parse.h"
#include "check_run.h"

#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- answers ------------------------------------------------------------------------------ */

START_TEST(arp_reply)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,gw=10.0.0.1,ip6=fd00::2/64");
	ck_assert_ptr_eq(stk_if_of_port(0), ifc);
	ck_assert_ptr_null(stk_if_of_port(1));
	build_arp(&f, 1, our_ip);
	feed(ifc, &f);
	ck_assert_uint_eq(n_sent, 1);
	struct pkt_buf *r = sent_find(0x0806, -1, -1, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->port, 0);
	const uint8_t *a = r->data + 14;
	ck_assert_mem_eq(r->data, peer_mac, 6);
	ck_assert_mem_eq(r->data + 6, our_mac, 6);
	ck_assert_uint_eq(pkt_rd16(a + 6), 2);     /* reply */
	ck_assert_mem_eq(a + 8, our_mac, 6);
	ck_assert_mem_eq(a + 14, our_ip, 4);
	ck_assert_mem_eq(a + 18, peer_mac, 6);
	ck_assert_mem_eq(a + 24, peer_ip, 4);
	/* for someone else: nothing */
	drain();
	const uint8_t other[4] = { 10, 0, 0, 3 };
	build_arp(&f, 1, other);
	feed(ifc, &f);
	ck_assert_uint_eq(n_sent, 0);
	stop();
}
END_TEST

START_TEST(icmp_echo)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,gw=10.0.0.1");
	learn_peers(ifc);
	build_echo(&f, peer_ip);
	feed(ifc, &f);
	ck_assert_uint_eq(n_sent, 1);
	struct pkt_buf *r = sent_find(0x0800, 1, 0, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_mem_eq(r->data, peer_mac, 6);
	ck_assert_mem_eq(r->data + 6, our_mac, 6);
	const uint8_t *ip = r->data + r->meta.l3_off;
	ck_assert_mem_eq(ip + 12, our_ip, 4);
	ck_assert_mem_eq(ip + 16, peer_ip, 4);
	ck_assert(pkt_l4_csum_ok(r));
	ck_assert_uint_eq(pkt_rd16(r->data + r->meta.l4_off + 4), 0x4242);
	/* the payload comes back as it went */
	ck_assert_uint_eq(r->meta.l3_end - r->meta.l4_off, 8 + 32);
	ck_assert_mem_eq(r->data + r->meta.l4_off + 8, f.b + f.l4 + 8, 32);
	ck_assert_uint_eq(lwip_stats.icmp.recv, 1);
	ck_assert_uint_eq(lwip_stats.icmp.xmit, 1);
	stop();
}
END_TEST

START_TEST(tcp_rst_on_closed_port)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24");
	learn_peers(ifc);
	build_syn(&f, 8080);
	feed(ifc, &f);
	ck_assert_uint_eq(n_sent, 1);
	struct pkt_buf *r = sent_find(0x0800, 6, -1, 0);
	ck_assert_ptr_nonnull(r);
	const uint8_t *t = r->data + r->meta.l4_off;
	ck_assert_uint_eq(pkt_rd16(t), 8080);
	ck_assert_uint_eq(pkt_rd16(t + 2), 40000);
	ck_assert_uint_eq(t[13] & 0x17, 0x14);     /* RST|ACK, no SYN */
	ck_assert_uint_eq(pkt_rd32(t + 8), 2);      /* acknowledges the SYN */
	ck_assert(pkt_l4_csum_ok(r));
	stop();
}
END_TEST

static void build_tcp(struct pb *f, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t payload)
{
	frame_ip4(f, 6, peer_ip, our_ip);
	pb_tcp(f, 40000, 80, NULL, 0);
	pkt_wr32(f->b + f->l4 + 4, seq);
	pkt_wr32(f->b + f->l4 + 8, ack);
	f->b[f->l4 + 13] = flags;
	pb_payload(f, payload);
	pb_done(f);
	pb_pad(f, 60);
}

static struct tcp_pcb *accepted;
static struct pbuf *kept[64];
static unsigned n_kept;

static err_t keep_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	ck_assert_int_eq(err, ERR_OK);
	if (p) {
		CHECK(n_kept < 64, "too much data");
		tcp_recved(pcb, p->tot_len);
		kept[n_kept++] = p;  /* the application holds it */
	}
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	ck_assert_int_eq(err, ERR_OK);
	accepted = pcb;
	tcp_recv(pcb, keep_recv);
	return ERR_OK;
}

/* A connection to port 80 accepted: returns the stack's initial sequence number. */
static uint32_t connect80(void)
{
	struct pb f;
	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(tcp_bind(l, IP_ANY_TYPE, 80), ERR_OK);
	l = tcp_listen(l);
	ck_assert_ptr_nonnull(l);
	tcp_accept(l, on_accept);
	build_tcp(&f, 1, 0, 0x02, 0);
	feed(ifc, &f);
	struct pkt_buf *r = sent_find(0x0800, 6, -1, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->data[r->meta.l4_off + 13], 0x12);   /* SYN|ACK */
	ck_assert_uint_eq(pkt_rd32(r->data + r->meta.l4_off + 8), 2);
	uint32_t isn = pkt_rd32(r->data + r->meta.l4_off + 4);
	drain();
	build_tcp(&f, 2, isn + 1, 0x10, 0);
	feed(ifc, &f);
	ck_assert_ptr_nonnull(accepted);
	return isn;
}

START_TEST(tcp_data_held_and_copied)
{
	/* the application holds what it received: the first STK_RX_SLOTS frames are the
	 * pool's buffers (no copy), the next are copies in lwIP's PBUF_POOL (16), the rest are
	 * dropped; what the application frees goes home */
	struct pb f;
	ifc = up("ip=10.0.0.2/24");
	learn_peers(ifc);
	uint32_t isn = connect80();
	unsigned n = STK_RX_SLOTS + 20;
	for (unsigned i = 0; i < n; i++) {
		build_tcp(&f, 2 + 100 * i, isn + 1, 0x18, 100);
		feed(ifc, &f);
		drain();
	}
	n_counters = 0;
	stk_counters(collect, counters);
	ck_assert_uint_eq(counter("stk", "pbufs_held"), STK_RX_SLOTS);
	ck_assert_uint_eq(counter("stk", "frames_in_copied"), 16);
	ck_assert_uint_eq(counter("stk", "frames_in_dropped"), 4);
	ck_assert_uint_eq(n_kept, STK_RX_SLOTS + 16);
	ck_assert_uint_eq(pool->avail, pool->size - STK_RX_SLOTS);
	ck_assert_mem_eq(kept[0]->payload, f.b + f.l4 + 20, 100);
	for (unsigned i = 0; i < n_kept; i++)
		pbuf_free(kept[i]);
	ck_assert_uint_eq(pool->avail, pool->size);
	/* the connection is lwIP's to abort at shutdown */
	stop();
}
END_TEST

START_TEST(tcp_isn_rfc6528)
{
	ip_addr_t a, b, a6;
	start();
	stk_poll(1000);
	IP_ADDR4(&a, 10, 0, 0, 2);
	IP_ADDR4(&b, 10, 0, 0, 1);
	IP_ADDR6(&a6, 0xfd000000, 0, 0, 2);
	uint32_t x = stk_tcp_isn(&a, 80, &b, 40000);
	ck_assert_uint_eq(stk_tcp_isn(&a, 80, &b, 40000), x);          /* a function of the tuple */
	ck_assert_uint_ne(stk_tcp_isn(&a, 80, &b, 40001), x);
	ck_assert_uint_ne(stk_tcp_isn(&a, 81, &b, 40000), x);
	ck_assert_uint_ne(stk_tcp_isn(&b, 80, &a, 40000), x);
	ck_assert_uint_ne(stk_tcp_isn(&a6, 80, &b, 40000), x);
	stk_poll(1001);
	ck_assert_uint_eq(stk_tcp_isn(&a, 80, &b, 40000), x + 250);    /* and of a 4 us clock */
	stop();
}
END_TEST

START_TEST(nd_and_echo6)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	build_ns(&f, peer_ip6, sol_node_our6, our_ip6);
	struct pkt_buf *ns = to_pkt(&f);
	ck_assert(stk_wants(ifc, ns));
	stk_input(ifc, ns);
	struct pkt_buf *r = sent_find(0x86dd, 58, 136, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert(pkt_l4_csum_ok(r));
	const uint8_t *ip = r->data + r->meta.l3_off, *m = r->data + r->meta.l4_off;
	ck_assert_mem_eq(r->data, peer_mac, 6);
	ck_assert_mem_eq(ip + 8, our_ip6, 16);
	ck_assert_mem_eq(ip + 24, peer_ip6, 16);
	ck_assert_uint_eq(ip[7], 255);
	ck_assert_uint_eq(m[4] & 0x60, 0x60);        /* solicited, override */
	ck_assert_mem_eq(m + 8, our_ip6, 16);
	ck_assert_uint_eq(m[24], 2);                 /* target link-layer address option */
	ck_assert_mem_eq(m + 26, our_mac, 6);
	drain();
	build_echo6(&f, peer_ip6);
	feed(ifc, &f);
	r = sent_find(0x86dd, 58, 129, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert(pkt_l4_csum_ok(r));
	ck_assert_mem_eq(r->data, peer_mac, 6);
	ck_assert_uint_eq(pkt_rd16(r->data + r->meta.l4_off + 4), 0x4343);
	ck_assert_mem_eq(r->data + r->meta.l4_off + 8, f.b + f.l4 + 8, 40);
	ck_assert_uint_eq(lwip_stats.icmp6.recv, 2);
	stop();
}
END_TEST

START_TEST(link_local_answers)
{
	/* IPv4 only: still an IPv6 link-local address, from the MAC (EUI-64) */
	struct pb f;
	ifc = up("ip=10.0.0.2/24");
	const uint8_t ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 2 };
	const uint8_t sol[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2 };
	const uint8_t peer_ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 1 };
	build_ns(&f, peer_ll, sol, ll);
	feed(ifc, &f);
	struct pkt_buf *r = sent_find(0x86dd, 58, 136, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_mem_eq(r->data + r->meta.l4_off + 8, ll, 16);
	char d[200];
	ck_assert(stk_if_describe(ifc, d, sizeof(d)));
	ck_assert_str_eq(d, "10.0.0.2/24, fe80::ff:fe00:2/64");
	stop();
}
END_TEST

/* ---- gateways ----------------------------------------------------------------------------- */

START_TEST(gateway4_used_off_link)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,gw=10.0.0.1");
	const uint8_t far[4] = { 192, 0, 2, 9 };
	build_echo(&f, far);
	feed(ifc, &f);
	/* the reply waits for the gateway's address: an ARP request for 10.0.0.1 */
	struct pkt_buf *r = sent_find(0x0806, -1, -1, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_mem_eq(r->data, bcast, 6);
	ck_assert_uint_eq(pkt_rd16(r->data + 14 + 6), 1);
	ck_assert_mem_eq(r->data + 14 + 24, gw_ip, 4);
	drain();
	/* the gateway answers: the reply leaves to its MAC */
	struct pb a;
	build_arp(&a, 2, our_ip);
	memcpy(a.b, our_mac, 6);
	feed(ifc, &a);
	r = sent_find(0x0800, 1, 0, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_mem_eq(r->data, peer_mac, 6);
	ck_assert_mem_eq(r->data + r->meta.l3_off + 16, far, 4);
	stop();
}
END_TEST

START_TEST(gateway6_used_off_link)
{
	struct pb f;
	ifc = up("ip6=fd00::2/64,gw6=fe80::1");
	char d[200];
	ck_assert(stk_if_describe(ifc, d, sizeof(d)));
	ck_assert_str_eq(d, "fe80::ff:fe00:2/64, fd00::2/64 gw fe80::1");
	build_echo6(&f, far_ip6);
	feed(ifc, &f);
	/* the reply waits for the gateway's link address: a solicitation for fe80::1 */
	struct pkt_buf *r = sent_find(0x86dd, 58, 135, 0);
	ck_assert_ptr_nonnull(r);
	const uint8_t gw6[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	ck_assert_mem_eq(r->data + r->meta.l4_off + 8, gw6, 16);
	stop();
}
END_TEST

START_TEST(no_gateway_no_reply)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	const uint8_t far[4] = { 192, 0, 2, 9 };
	build_echo(&f, far);
	feed(ifc, &f);
	build_echo6(&f, far_ip6);
	feed(ifc, &f);
	ck_assert_uint_eq(n_sent, 0);
	stop();
}
END_TEST

/* ---- stk_wants ---------------------------------------------------------------------------- */

static bool wants(const struct pb *f)
{
	struct pkt_buf *p = to_pkt(f);
	bool w = stk_wants(ifc, p);
	pkt_free(p);
	return w;
}

START_TEST(wants_ours_only)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	const uint8_t other[4] = { 10, 0, 0, 3 };
	const uint8_t other6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 };
	build_arp(&f, 1, our_ip);
	ck_assert(wants(&f));
	build_arp(&f, 2, our_ip);          /* a reply to our request */
	memcpy(f.b, our_mac, 6);
	ck_assert(wants(&f));
	build_arp(&f, 1, other);
	ck_assert(!wants(&f));
	build_echo(&f, peer_ip);
	ck_assert(wants(&f));
	f.b[5] = 9;                         /* our address, another MAC: a bridge's transit */
	ck_assert(!wants(&f));
	frame_ip4(&f, 1, peer_ip, other);  /* another address: transit */
	pb_icmp(&f, 1, 8, 0, 1);
	pb_done(&f);
	ck_assert(!wants(&f));
	build_syn(&f, 80);
	ck_assert(wants(&f));
	const uint16_t tpid = 0x8100, tci = 5;
	pb_init(&f);                        /* tagged: never the stack's */
	pb_eth(&f, 1, &tpid, &tci, 0x0806);
	memcpy(f.b, bcast, 6);
	pb_arp(&f, 1);
	memcpy(f.b + f.l3 + 24, our_ip, 4);
	ck_assert(!wants(&f));
	/* a DHCP offer is not ours without DHCP */
	frame_ip4(&f, 17, peer_ip, bcast);
	memcpy(f.b, bcast, 6);
	pb_udp(&f, 67, 68);
	pb_payload(&f, 300);
	pb_done(&f);
	ck_assert(!wants(&f));
	/* IPv6 */
	build_echo6(&f, peer_ip6);
	ck_assert(wants(&f));
	frame_ip6(&f, 58, peer_ip6, other6);
	pb_icmp(&f, 58, 128, 0, 1);
	pb_done(&f);
	ck_assert(!wants(&f));
	build_ns(&f, peer_ip6, sol_node_our6, our_ip6);
	ck_assert(wants(&f));
	const uint8_t sol_other[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 3 };
	build_ns(&f, peer_ip6, sol_other, other6);
	ck_assert(!wants(&f));
	const uint8_t all_nodes[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t all_routers[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	frame_ip6(&f, 58, peer_ip6, all_nodes);
	pb_icmp(&f, 58, 134, 0, 0);         /* a router advertisement */
	pb_payload(&f, 8);
	pb_done(&f);
	ck_assert(wants(&f));
	frame_ip6(&f, 58, peer_ip6, all_routers);
	pb_icmp(&f, 58, 133, 0, 0);
	pb_done(&f);
	ck_assert(!wants(&f));
	/* not parsed: not ours */
	build_echo(&f, peer_ip);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	p->meta.flags = 0;
	ck_assert(!stk_wants(ifc, p));
	pkt_free(p);
	stop();
}
END_TEST

/* ---- DHCP ------------------------------------------------------------------------------------ */

static void check_discover(struct pkt_buf *r)
{
	ck_assert_ptr_nonnull(r);
	const uint8_t *ip = r->data + r->meta.l3_off, *u = r->data + r->meta.l4_off;
	ck_assert_mem_eq(r->data, bcast, 6);
	ck_assert_mem_eq(r->data + 6, our_mac, 6);
	const uint8_t any[4] = { 0, 0, 0, 0 };
	ck_assert_mem_eq(ip + 12, any, 4);
	ck_assert_mem_eq(ip + 16, bcast, 4);
	ck_assert_uint_eq(pkt_rd16(u), 68);
	ck_assert_uint_eq(pkt_rd16(u + 2), 67);
	ck_assert(pkt_l4_csum_ok(r));
	const uint8_t *d = u + 8;
	ck_assert_uint_eq(d[0], 1);                         /* BOOTREQUEST */
	ck_assert_mem_eq(d + 28, our_mac, 6);               /* chaddr */
	ck_assert_uint_eq(pkt_rd32(d + 236), 0x63825363);   /* the magic cookie */
	ck_assert_uint_eq(d[240], 53);                      /* first option: message type */
	ck_assert_uint_eq(d[242], 1);                       /* DHCPDISCOVER */
}

START_TEST(dhcp_discovers)
{
	char err[160];
	struct stk_if_conf c;
	start();
	ck_assert_int_eq(stk_conf_parse("dhcp", &c, err, sizeof(err)), 0);
	ifc = stk_if_add(0, our_mac, &c, err, sizeof(err));
	ck_assert_msg(ifc != NULL, "%s", err);
	check_discover(sent_find(0x0800, 17, -1, 0));
	uint32_t xid = pkt_rd32(sent_find(0x0800, 17, -1, 0)->data + 14 + 20 + 8 + 4);
	drain();
	advance(5000);
	struct pkt_buf *r = sent_find(0x0800, 17, -1, 0);
	check_discover(r);
	ck_assert_uint_eq(pkt_rd32(r->data + 14 + 20 + 8 + 4), xid); /* the same exchange */
	char d[100];
	ck_assert(!stk_if_describe(ifc, d, sizeof(d)));
	ck_assert_str_eq(d, "dhcp (no lease yet), fe80::ff:fe00:2/64");
	/* a server's answer, broadcast, is the stack's */
	struct pb f;
	frame_ip4(&f, 17, peer_ip, bcast);
	memcpy(f.b, bcast, 6);
	pb_udp(&f, 67, 68);
	pb_payload(&f, 300);
	pb_done(&f);
	ck_assert(wants(&f));
	stop();
}
END_TEST


int main(void)
{
	pool = pkt_pool_create("stack", PB_POOL_SIZE);
	Suite *s = suite_create("stack");
	TCase *tc = tcase_create("stack");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, arp_reply);
	tcase_add_test(tc, icmp_echo);
	tcase_add_test(tc, tcp_rst_on_closed_port);
	tcase_add_test(tc, tcp_data_held_and_copied);
	tcase_add_test(tc, tcp_isn_rfc6528);
	tcase_add_test(tc, nd_and_echo6);
	tcase_add_test(tc, link_local_answers);
	tcase_add_test(tc, gateway4_used_off_link);
	tcase_add_test(tc, gateway6_used_off_link);
	tcase_add_test(tc, no_gateway_no_reply);
	tcase_add_test(tc, wants_ours_only);
	tcase_add_test(tc, dhcp_discovers);
	suite_add_tcase(s, tc);
	int rc = check_run(s);
	pkt_pool_destroy(pool);
	return rc;
}
