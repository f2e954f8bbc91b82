/* The host stack (stack/stk.h, lwIP 2.1.3): management specs; ARP, ICMP echo, TCP resets,
 * neighbour discovery and ICMPv6 echo answered through the transmit hook; which frames of
 * a shared port are the stack's; the static gateways; DHCP's DISCOVER; malformed and
 * mutated frames; and every pkt_buf back in its pool after stk_shutdown(). */
#include "stk.h"
#include "stk_hooks.h"
#include "pkt_parse.h"
#include "pktbuild.h"
#include "hosted_plat.h"
#include "check_run.h"

#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pkt_pool *pool;
static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 2 };   /* pb_eth's destination */
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 1 };  /* pb_eth's source */
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t our_ip[4] = { 10, 0, 0, 2 }, peer_ip[4] = { 10, 0, 0, 1 }, gw_ip[4] = { 10, 0, 0, 1 };
static const uint8_t our_ip6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t peer_ip6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t far_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
static const uint8_t sol_node_our6[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2 };

#define MAX_SENT 128
static struct pkt_buf *sent[MAX_SENT];
static unsigned n_sent;
static uint64_t now_ms = 1000;
static struct stk_if *ifc;

static void tx_hook(void *arg, uint16_t port, struct pkt_buf *p)
{
	ck_assert_ptr_null(arg);
	ck_assert_uint_eq(port, p->port);
	CHECK(n_sent < MAX_SENT, "more than %d frames sent", MAX_SENT);
	ck_assert_uint_ge(p->len, 60);
	sent[n_sent++] = p;
}

static void drain(void)
{
	pkt_free_burst(sent, n_sent);
	n_sent = 0;
}

static void advance(uint64_t ms)
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

static void start(void)
{
	char err[160];
	stk_set_assert_hook(on_assert);
	ck_assert_msg(stk_init(pool, tx_hook, NULL, err, sizeof(err)) == 0, "%s", err);
}

/* Brings up port 0 with spec; waits out duplicate address detection. */
static struct stk_if *up(const char *spec)
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

static void stop(void)
{
	drain();
	ck_assert_uint_eq(stk_shutdown(), 0);
	drain();  /* a DHCP release */
	ck_assert_uint_eq(pool->avail, pool->size);
	ck_assert_uint_eq(hosted_plat_log_count(PLAT_LOG_ERROR), 0);
}

/* ---- frames ------------------------------------------------------------------------------ */

static void frame_ip4(struct pb *f, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	pb_init(f);
	pb_eth0(f, 0x0800);
	pb_ip4(f, proto, 0, NULL, 0);
	memcpy(f->b + f->l3 + 12, src, 4);
	memcpy(f->b + f->l3 + 16, dst, 4);
}

static void frame_ip6(struct pb *f, uint8_t nh, const uint8_t src[16], const uint8_t dst[16])
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

static void build_arp(struct pb *f, uint16_t op, const uint8_t target[4])
{
	pb_init(f);
	pb_eth0(f, 0x0806);
	memcpy(f->b, bcast, 6);
	pb_arp(f, op);
	memcpy(f->b + f->l3 + 14, peer_ip, 4);
	memcpy(f->b + f->l3 + 24, target, 4);
	pb_pad(f, 60);
}

static void build_echo(struct pb *f, const uint8_t src[4])
{
	frame_ip4(f, 1, src, our_ip);
	pb_icmp(f, 1, 8, 0, 0x4242);
	pb_payload(f, 32);
	pb_done(f);
	pb_pad(f, 60);
}

static void build_syn(struct pb *f, uint16_t dport)
{
	frame_ip4(f, 6, peer_ip, our_ip);
	pb_tcp(f, 40000, dport, NULL, 0);
	f->b[f->l4 + 13] = 0x02;  /* SYN, sequence number 1 */
	pb_done(f);
	pb_pad(f, 60);
}

static void build_ns(struct pb *f, const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16])
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

static void build_echo6(struct pb *f, const uint8_t src[16])
{
	frame_ip6(f, 58, src, our_ip6);
	pb_icmp(f, 58, 128, 0, 0x4343);
	pb_payload(f, 40);
	pb_done(f);
}

static struct pkt_buf *to_pkt(const struct pb *f)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	pkt_parse(p);
	return p;
}

static void feed(struct stk_if *i, const struct pb *f) { stk_input(i, to_pkt(f)); }

/* The n-th (0-based) sent frame of ethertype et (and IP protocol proto and ICMP type when
 * not -1), parsed; NULL if none. */
static struct pkt_buf *sent_find(uint16_t et, int proto, int type, unsigned n)
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
static void learn_peers(struct stk_if *i)
{
	struct pb f;
	build_arp(&f, 1, our_ip);
	feed(i, &f);
	build_ns(&f, peer_ip6, sol_node_our6, our_ip6);
	feed(i, &f);
	drain();
}

struct counter { char proto[16], name[40]; uint64_t v; };
static struct counter counters[256];
static unsigned n_counters;

static void collect(void *arg, const char *proto, const char *name, uint64_t v)
{
	ck_assert_ptr_eq(arg, counters);
	CHECK(n_counters < 256, "too many counters");
	snprintf(counters[n_counters].proto, sizeof(counters[0].proto), "%s", proto);
	snprintf(counters[n_counters].name, sizeof(counters[0].name), "%s", name);
	counters[n_counters++].v = v;
}

static uint64_t counter(const char *proto, const char *name)
{
	for (unsigned i = 0; i < n_counters; i++)
		if (!strcmp(counters[i].proto, proto) && !strcmp(counters[i].name, name))
			return counters[i].v;
	ck_abort_msg("no counter %s %s", proto, name);
	return 0;
}

/* ---- management specs ------------------------------------------------------------------- */

static void good(const char *spec, const char *formatted)
{
	char err[160], buf[200];
	struct stk_if_conf c, c2;
	ck_assert_msg(stk_conf_parse(spec, &c, err, sizeof(err)) == 0, "%s: %s", spec, err);
	stk_conf_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, formatted);
	ck_assert_msg(stk_conf_parse(buf, &c2, err, sizeof(err)) == 0, "%s: %s", buf, err);
	ck_assert_mem_eq(&c, &c2, sizeof(c));
}

static void bad(const char *spec, const char *why)
{
	char err[160];
	struct stk_if_conf c;
	ck_assert_msg(stk_conf_parse(spec, &c, err, sizeof(err)) == -1, "accepted %s", spec);
	ck_assert_str_eq(err, why);
}

START_TEST(conf_good)
{
	char err[160];
	struct stk_if_conf c;
	ck_assert_int_eq(stk_conf_parse("ip=10.0.0.2/24,gw=10.0.0.1,ip6=fd00::2/64", &c, err, sizeof(err)), 0);
	ck_assert(!c.dhcp4 && !c.slaac);
	ck_assert_mem_eq(c.ip4, our_ip, 4);
	ck_assert_uint_eq(c.prefix4, 24);
	ck_assert_mem_eq(c.gw4, gw_ip, 4);
	ck_assert_mem_eq(c.ip6, our_ip6, 16);
	ck_assert_uint_eq(c.prefix6, 64);
	ck_assert_uint_eq(c.mtu, 0);
	good("dhcp", "dhcp");
	good("slaac", "slaac");
	good("ip=10.0.0.2/24", "ip=10.0.0.2/24");
	good("gw=10.0.0.1,ip=10.0.0.2/24", "ip=10.0.0.2/24,gw=10.0.0.1");
	good("ip=192.168.1.1/32", "ip=192.168.1.1/32");
	good("ip=10.0.0.1/31,gw=10.0.0.0", "ip=10.0.0.1/31,gw=10.0.0.0");
	good("dhcp,slaac,mtu=1400", "dhcp,slaac,mtu=1400");
	good("ip6=FD00:0:0:0:0:0:0:2/64,gw6=fe80::1", "ip6=fd00::2/64,gw6=fe80::1");
	good("ip6=2001:db8:0:1:0:0:1:0/64,gw6=2001:db8:0:1::1", "ip6=2001:db8:0:1::1:0/64,gw6=2001:db8:0:1::1");
	good("ip6=2001:db8::1:0:0:1/64", "ip6=2001:db8::1:0:0:1/64");     /* the first of equal runs */
	good("ip6=2001:db8:0:1:1:1:1:1/64", "ip6=2001:db8:0:1:1:1:1:1/64"); /* one zero group stays */
	good("ip6=::ffff:10.1.2.3/64", "ip6=::ffff:a01:203/64");
	good("ip6=fd00::/64", "ip6=fd00::/64");
	good("slaac,gw6=fe80::1", "gw6=fe80::1,slaac");
	good("dhcp,mtu=2034", "dhcp,mtu=2034");
}
END_TEST

START_TEST(conf_bad)
{
	bad("", "column 1: empty: give dhcp, ip=A.B.C.D/N, ip6=ADDR/64 or slaac");
	bad("ip=10.0.0.300/24", "column 1: 'ip=10.0.0.300/24': has a number that is not a byte (0-255)");
	bad("dhcp,ip=10.0.0.2/33", "column 6: 'ip=10.0.0.2/33': the prefix length is not 1-32");
	bad("ip=10.0.0.2/0", "column 1: 'ip=10.0.0.2/0': the prefix length is not 1-32");
	bad("ip=10.0.0.2", "column 1: 'ip=10.0.0.2': needs a prefix length (/N)");
	bad("ip=10.0.0/24", "column 1: 'ip=10.0.0/24': is not an IPv4 address (A.B.C.D)");
	bad("ip=10.0.0.1.5/24", "column 1: 'ip=10.0.0.1.5/24': is not an IPv4 address (A.B.C.D)");
	bad("ip=10.0.0.02/24", "column 1: 'ip=10.0.0.02/24': has a number with a leading zero (octal or decimal?)");
	bad("ip=10.0.0.0/24", "column 1: 'ip=10.0.0.0/24': is the network's own address (host part all zeros)");
	bad("ip=10.0.0.255/24", "column 1: 'ip=10.0.0.255/24': is the network's broadcast address (host part all ones)");
	bad("ip=224.0.0.5/24", "column 1: 'ip=224.0.0.5/24': a multicast address (224/4)");
	bad("ip=127.0.0.2/8", "column 1: 'ip=127.0.0.2/8': a loopback address (127/8)");
	bad("dhcp,bogus", "column 6: 'bogus': unknown word (dhcp, ip=, gw=, ip6=, gw6=, slaac, mtu=)");
	bad("dhcp,ip=10.0.0.2/24", "column 6: dhcp and ip= together: the address comes from one or the other");
	bad("ip=10.0.0.2/24,dhcp", "column 16: dhcp and ip= together: the address comes from one or the other");
	bad("ip=10.0.0.2/24,gw=10.0.1.1", "column 16: 'gw=10.0.1.1': the gateway is outside ip='s prefix");
	bad("ip=10.0.0.2/24,gw=10.0.0.2", "column 16: 'gw=10.0.0.2': the gateway is the address itself");
	bad("gw=10.0.0.1,slaac", "column 1: 'gw=10.0.0.1': a gateway needs ip= (the prefix it is in)");
	bad("dhcp,gw=10.0.0.1", "column 6: 'gw=10.0.0.1': with dhcp, the gateway is DHCP's router option");
	bad("ip=10.0.0.2/24,gw=10.0.0.1/24", "column 16: 'gw=10.0.0.1/24': a gateway has no prefix length");
	bad("mtu=1400", "column 1: no address: give dhcp, ip=A.B.C.D/N, ip6=ADDR/64 or slaac");
	bad("dhcp,,slaac", "column 6: an empty word (two commas, or one at an end)");
	bad("dhcp,", "column 6: an empty word (two commas, or one at an end)");
	bad(",dhcp", "column 1: an empty word (two commas, or one at an end)");
	bad("dhcp,dhcp", "column 6: 'dhcp': given twice");
	bad("dhcp=1", "column 1: 'dhcp=1': takes no value");
	bad("ip=", "column 1: 'ip=': needs a value after '='");
	bad("ip", "column 1: 'ip': needs a value after '='");
	bad("dhcp,mtu=1279", "column 6: 'mtu=1279': the MTU is not 1280 (IPv6's minimum) to 2034");
	bad("dhcp,mtu=2035", "column 6: 'mtu=2035': the MTU is not 1280 (IPv6's minimum) to 2034");
	bad("dhcp,mtu=15x0", "column 6: 'mtu=15x0': the MTU is not 1280 (IPv6's minimum) to 2034");
	bad("ip6=fd00::2/48", "column 1: 'ip6=fd00::2/48': lwIP 2.1 puts a static IPv6 address on a /64 only");
	bad("ip6=fd00::2/129", "column 1: 'ip6=fd00::2/129': the prefix length is not 1-128");
	bad("ip6=fd00::2", "column 1: 'ip6=fd00::2': needs a prefix length (/64)");
	bad("ip6=fd00::2::3/64", "column 1: 'ip6=fd00::2::3/64': is not an IPv6 address");
	bad("ip6=fd00:1:2:3:4:5:6:7:8/64", "column 1: 'ip6=fd00:1:2:3:4:5:6:7:8/64': is not an IPv6 address");
	bad("ip6=fd00:1:2:3:4:5:6/64", "column 1: 'ip6=fd00:1:2:3:4:5:6/64': is not an IPv6 address");
	bad("ip6=fd00::12345/64", "column 1: 'ip6=fd00::12345/64': is not an IPv6 address");
	bad("ip6=fd00:::1/64", "column 1: 'ip6=fd00:::1/64': is not an IPv6 address");
	bad("ip6=:fd00::1/64", "column 1: 'ip6=:fd00::1/64': is not an IPv6 address");
	bad("ip6=fd00::1:/64", "column 1: 'ip6=fd00::1:/64': is not an IPv6 address");
	bad("ip6=fd00::g/64", "column 1: 'ip6=fd00::g/64': is not an IPv6 address");
	bad("ip6=1:2:3:4:5:6:7::8/64", "column 1: 'ip6=1:2:3:4:5:6:7::8/64': is not an IPv6 address");
	bad("ip6=::/64", "column 1: 'ip6=::/64': :: is no address");
	bad("ip6=::1/64", "column 1: 'ip6=::1/64': the loopback address ::1");
	bad("ip6=ff02::1/64", "column 1: 'ip6=ff02::1/64': a multicast address (ff00::/8)");
	bad("ip6=fe80::2/64", "column 1: 'ip6=fe80::2/64': link-local addresses (fe80::/10) are made from the MAC");
	bad("ip6=fd00::2/64,gw6=fd00:0:0:1::1",
	    "column 16: 'gw6=fd00:0:0:1::1': the gateway is outside ip6='s /64");
	bad("slaac,gw6=2001:db8::1",
	    "column 7: 'gw6=2001:db8::1': a gateway that is not link-local (fe80::/10) needs ip6= (the /64 it is in)");
	/* a long word is quoted cut short */
	char spec[200], want[200];
	memset(spec, 'x', 150);
	spec[150] = '\0';
	snprintf(want, sizeof(want), "column 1: '%.68s...': unknown word (dhcp, ip=, gw=, ip6=, gw6=, slaac, mtu=)", spec);
	bad(spec, want);
	/* a short buffer gets what fits */
	char err[12];
	struct stk_if_conf c;
	ck_assert_int_eq(stk_conf_parse("", &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "column 1: e");
	ck_assert_int_eq(stk_conf_parse("", &c, NULL, 0), -1);
}
END_TEST

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

/* ---- life cycle ----------------------------------------------------------------------------- */

START_TEST(life_cycle)
{
	char err[160];
	struct stk_if_conf c;
	ck_assert_int_eq(stk_conf_parse("ip=10.0.0.2/24", &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(stk_if_add(0, our_mac, &c, err, sizeof(err)));   /* before stk_init */
	ck_assert_str_eq(err, "stack: not initialised (stk_init)");
	start();
	ck_assert_int_eq(stk_init(pool, tx_hook, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "stack: it is up already (one per process)");
	struct stk_if *a = stk_if_add(0, our_mac, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(stk_if_add(0, our_mac, &c, err, sizeof(err)));
	ck_assert_str_eq(err, "stack: the port has a management interface already");
	const uint8_t mac2[6] = { 2, 0, 0, 0, 1, 2 };
	ck_assert_int_eq(stk_conf_parse("ip=10.0.1.2/24", &c, err, sizeof(err)), 0);
	struct stk_if *b = stk_if_add(3, mac2, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_eq(stk_if_of_port(3), b);
	ck_assert_ptr_null(stk_if_add(4, mac2, &c, err, sizeof(err)));
	ck_assert_str_eq(err, "stack: too many management interfaces (at most 2)");
	/* the second interface answers on its port */
	advance(3000);
	drain();
	struct pb f;
	const uint8_t ip_b[4] = { 10, 0, 1, 2 };
	build_arp(&f, 1, ip_b);
	stk_input(b, to_pkt(&f));
	ck_assert_uint_eq(n_sent, 1);
	ck_assert_uint_eq(sent[0]->port, 3);
	ck_assert_mem_eq(sent[0]->data + 6, mac2, 6);
	stop();
	/* and again, after a shutdown */
	now_ms = 50;  /* a new clock */
	ifc = up("ip=10.0.0.2/24");
	build_arp(&f, 1, our_ip);
	feed(ifc, &f);
	ck_assert_uint_eq(n_sent, 1);
	ck_assert_uint_eq(lwip_stats.etharp.recv, 1);   /* counters start again */
	stop();
	/* a frame for no interface, or after shutdown: freed, counted */
	stk_input(NULL, to_pkt(&f));
	ck_assert_uint_eq(pool->avail, pool->size);
}
END_TEST

START_TEST(counters_emitted)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	learn_peers(ifc);
	build_echo(&f, peer_ip);
	feed(ifc, &f);
	f.b[f.l3 + 10] ^= 1;   /* a bad header checksum */
	feed(ifc, &f);
	n_counters = 0;
	stk_counters(collect, counters);
	ck_assert_uint_eq(counter("icmp", "recv"), 1);
	ck_assert_uint_eq(counter("icmp", "xmit"), 1);
	ck_assert_uint_eq(counter("ip", "chkerr"), 1);
	ck_assert_uint_eq(counter("etharp", "recv"), 1);
	ck_assert_uint_eq(counter("stk", "frames_in"), 4);
	ck_assert_uint_ge(counter("stk", "frames_out"), 1);
	ck_assert_uint_eq(counter("stk", "pbufs_held"), 0);
	ck_assert_uint_eq(counter("stk", "lwip_asserts"), 0);
	ck_assert_uint_eq(counter("link", "recv"), 4);
	ck_assert_uint_gt(counter("mem", "avail"), 60000);
	ck_assert_uint_eq(counter("memp", "tcp_pcb_avail"), 32);
	ck_assert_uint_eq(counter("memp", "tcp_pcb_used"), 0);
	ck_assert_uint_eq(counter("memp", "pbuf_pool_avail"), 16);
	counter("nd6", "recv");
	counter("icmp6", "chkerr");
	counter("tcp", "xmit");
	counter("udp", "drop");
	counter("ip6", "recv");
	stop();
}
END_TEST

/* ---- frames lwIP keeps ----------------------------------------------------------------------- */

START_TEST(held_fragments_come_back)
{
	/* the first half of a datagram: lwIP keeps it (no copy) until the rest or shutdown */
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	learn_peers(ifc);
	frame_ip4(&f, 17, peer_ip, our_ip);
	f.b[f.l3 + 6] = 0x20;    /* MF, offset 0 */
	pb_udp(&f, 1000, 2000);
	pb_payload(&f, 64);
	pb_done(&f);
	feed(ifc, &f);
	frame_ip6(&f, 44, peer_ip6, our_ip6);
	pb_ip6_frag(&f, 17, 0, 1);
	pb_udp(&f, 1000, 2000);
	pb_payload(&f, 64);
	pb_done(&f);
	feed(ifc, &f);
	n_counters = 0;
	stk_counters(collect, counters);
	ck_assert_uint_eq(counter("stk", "pbufs_held"), 2);
	ck_assert_uint_eq(pool->avail, pool->size - 2);
	stop();
}
END_TEST

/* ---- malformed frames ------------------------------------------------------------------------ */

START_TEST(malformed_frames)
{
	struct pb f;
	ifc = up("ip=10.0.0.2/24,ip6=fd00::2/64");
	learn_peers(ifc);
	/* an IPv4 header cut short */
	build_echo(&f, peer_ip);
	feed(ifc, &f);
	drain();
	struct pkt_buf *p = to_pkt(&f);
	p->len = 14 + 12;
	stk_input(ifc, p);
	/* a wrong header checksum, a wrong ICMP checksum */
	build_echo(&f, peer_ip);
	f.b[f.l3 + 10] ^= 0x55;
	feed(ifc, &f);
	build_echo(&f, peer_ip);
	f.b[f.l4 + 2] ^= 0x55;
	feed(ifc, &f);
	/* a TCP SYN with a wrong checksum: no RST */
	build_syn(&f, 8080);
	f.b[f.l4 + 16] ^= 1;
	feed(ifc, &f);
	/* lengths that lie */
	build_echo(&f, peer_ip);
	f.b[f.l3 + 2] = 0x0f;
	pb_ip4_csum(f.b + f.l3, f.len - f.l3);
	feed(ifc, &f);
	build_echo6(&f, peer_ip6);
	f.b[f.l3 + 4] = 0x7f;
	feed(ifc, &f);
	/* garbage and nothing */
	uint64_t s = 42;
	for (int i = 0; i < 200; i++) {
		pb_init(&f);
		uint16_t n = (uint16_t)(rng_next(&s) % 200);
		for (uint16_t k = 0; k < n; k++)
			f.b[k] = (uint8_t)rng_next(&s);
		f.len = n;
		if (i % 3 == 0 && n >= 14) {   /* with an IP ethertype */
			f.b[12] = i % 2 ? 0x86 : 0x08;
			f.b[13] = i % 2 ? 0xdd : 0x00;
		}
		feed(ifc, &f);
	}
	ck_assert_uint_eq(n_sent, 0);
	ck_assert_uint_gt(lwip_stats.ip.chkerr, 0);
	ck_assert_uint_gt(lwip_stats.icmp.chkerr, 0);
	ck_assert_uint_gt(lwip_stats.tcp.chkerr, 0);
	stop();
}
END_TEST

START_TEST(mutated_frames)
{
	/* valid frames of every kind with a few bytes changed or cut: nothing crashes or
	 * asserts, and every buffer comes back */
	struct pb t[12];
	unsigned nt = 0;
	ifc = up("ip=10.0.0.2/24,gw=10.0.0.1,ip6=fd00::2/64,gw6=fe80::1,slaac");
	learn_peers(ifc);
	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
	ck_assert_int_eq(tcp_bind(l, IP_ANY_TYPE, 80), ERR_OK);
	l = tcp_listen(l);
	build_arp(&t[nt++], 1, our_ip);
	build_echo(&t[nt++], peer_ip);
	build_syn(&t[nt++], 80);
	build_syn(&t[nt++], 81);
	build_ns(&t[nt++], peer_ip6, sol_node_our6, our_ip6);
	build_echo6(&t[nt++], peer_ip6);
	frame_ip4(&t[nt], 17, peer_ip, our_ip);
	t[nt].b[t[nt].l3 + 6] = 0x20;
	pb_udp(&t[nt], 1000, 2000);
	pb_payload(&t[nt], 64);
	pb_done(&t[nt++]);
	frame_ip4(&t[nt], 17, peer_ip, our_ip);
	t[nt].b[t[nt].l3 + 7] = 9;    /* the second half: offset 72 */
	pb_payload(&t[nt], 40);
	pb_done(&t[nt++]);
	frame_ip6(&t[nt], 44, peer_ip6, our_ip6);
	pb_ip6_frag(&t[nt], 17, 0, 1);
	pb_udp(&t[nt], 1000, 2000);
	pb_payload(&t[nt], 64);
	pb_done(&t[nt++]);
	const uint8_t all_nodes[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t router[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	frame_ip6(&t[nt], 58, router, all_nodes);   /* a router advertisement with a prefix */
	t[nt].b[t[nt].l3 + 7] = 255;
	pb_icmp(&t[nt], 58, 134, 0, 0);
	const uint8_t ra[4] = { 64, 0, 0x07, 0x08 };  /* hop limit, flags, router lifetime */
	memcpy(t[nt].b + t[nt].l4 + 4, ra, 4);
	pb_put(&t[nt], NULL, 8);                    /* reachable, retrans timers */
	uint8_t pi[32] = { 3, 4, 64, 0xc0, 0, 0, 0x0e, 0x10, 0, 0, 0x0e, 0x10, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 7 };
	pb_put(&t[nt], pi, 32);
	pb_done(&t[nt++]);
	frame_ip4(&t[nt], 17, peer_ip, our_ip);
	pb_udp(&t[nt], 67, 68);
	pb_payload(&t[nt], 300);
	pb_done(&t[nt++]);
	ck_assert_uint_le(nt, 12);
	uint64_t s = 7;
	for (int i = 0; i < 20000; i++) {
		struct pb f = t[rng_next(&s) % nt];
		unsigned flips = 1 + (unsigned)(rng_next(&s) % 4);
		for (unsigned k = 0; k < flips; k++) {
			uint16_t at = (uint16_t)(rng_next(&s) % f.len);
			if (at >= 12 || rng_next(&s) % 4 == 0)  /* the MACs and type seldom */
				f.b[at] = (uint8_t)rng_next(&s);
		}
		if (rng_next(&s) % 8 == 0)
			f.len = (uint16_t)(rng_next(&s) % f.len);
		feed(ifc, &f);
		if (i % 16 == 0) {
			advance(10);
			drain();
		}
	}
	drain();
	stop();
}
END_TEST

int main(void)
{
	pool = pkt_pool_create("stack", PB_POOL_SIZE);
	Suite *s = suite_create("stack");
	TCase *tc = tcase_create("stack");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, conf_good);
	tcase_add_test(tc, conf_bad);
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
	tcase_add_test(tc, life_cycle);
	tcase_add_test(tc, counters_emitted);
	tcase_add_test(tc, held_fragments_come_back);
	tcase_add_test(tc, malformed_frames);
	tcase_add_test(tc, mutated_frames);
	suite_add_tcase(s, tc);
	int rc = check_run(s);
	pkt_pool_destroy(pool);
	return rc;
}
