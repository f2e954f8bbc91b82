/* The whole fw appliance against mutated traffic: seed frames of every kind the router and
 * the bridge handle (TCP, UDP, ICMP errors quoting flows, fragments, options, ARP, ND,
 * VLAN, IPv6 extension headers, datagrams too big for the MTU) are mutated at random
 * (bytes flipped or overwritten, lengths rewritten, frames cut short) and fed through the
 * real app (parse, conntrack, rules with reject, log and limit, routing, neighbours,
 * fragmentation) on in-memory ports, with the clock moving so that neighbours fail and
 * fragments expire, and a reload halfway. Nothing may crash (the sanitizer build runs it
 * too), and after the teardown every buffer must be back in the pool: no packet leaks
 * through any path, queued or held. FW_FUZZ_SEED=N reruns one seed. */
#include "app.h"
#include "check_run.h"
#include "pkt_csum.h"
#include "pkt_parse.h"
#include "pktbuild.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL 1024
#define MAX_SEEDS 48

/* The router's interfaces: the ports' own and a VLAN on each (office on lan, dmz on wan,
 * with a smaller MTU). The reload halfway declares them in the other order, which
 * renumbers wan and dmz under the connections, neighbours and queues already there. */
#define LAN "interface lan { address 10.0.0.1/24; address 2001:db8:1::1/64; mac 02:00:00:00:01:00 }\n"
#define WAN "interface wan { address 192.0.2.2/24; address 2001:db8:2::2/64; mac 02:00:00:00:02:00; mtu 1280 }\n"
#define OFFICE "interface office { vlan 10 on lan; address 192.168.10.1/24; address 2001:db8:10::1/64 }\n"
#define DMZ "interface dmz { vlan 30 on wan; address 203.0.113.1/24; mtu 1000 }\n"
#define ROUTER_REST \
	"route 0.0.0.0/0 via 192.0.2.1\n" \
	"route ::/0 via 2001:db8:2::1\n" \
	"conntrack { max 256 }\n" \
	"chain input policy drop {\n" \
	"  ct state established,related accept\n" \
	"  icmp type echo-request accept\n" \
	"  icmpv6 type nd-neighbor-solicit accept\n" \
	"  icmpv6 type nd-neighbor-advert accept\n" \
	"  icmpv6 type echo-request accept\n" \
	"  tcp dport 22 reject with tcp reset\n" \
	"}\n" \
	"chain forward policy drop {\n" \
	"  ct state established,related accept\n" \
	"  ct state invalid drop\n" \
	"  udp dport 9 log prefix \"nine \" reject\n" \
	"  tcp dport 23 reject with tcp reset\n" \
	"  meta length 1000-1100 counter drop\n" \
	"  iif lan tcp flags syn limit rate 50/second burst 10 accept\n" \
	"  iif lan counter accept\n" \
	"  iif office oif dmz udp dport 53 accept\n" \
	"  iif office oif wan accept\n" \
	"}\n"
static const char router_conf[] = LAN WAN OFFICE DMZ ROUTER_REST;
static const char router_conf_reordered[] = LAN OFFICE WAN DMZ ROUTER_REST;

static const char bridge_conf[] =
	"interface lan\ninterface wan\n"
	"conntrack { max 256 }\n"
	"chain forward policy drop {\n"
	"  ct state established,related accept\n"
	"  ct state invalid drop\n"
	"  udp dport 9 log reject\n"
	"  tcp dport 23 reject with tcp reset\n"
	"  ip6 saddr 2001:db8:1::/48 icmpv6 type echo-request accept\n"
	"  iif lan tcp flags syn limit rate 50/second burst 10 accept\n"
	"  iif lan counter accept\n"
	"}\n";

static const uint8_t lan_mac[6] = { 2, 0, 0, 0, 1, 0 }, wan_mac[6] = { 2, 0, 0, 0, 2, 0 };

struct seed {
	struct pb f;
	uint16_t port;                 /* where it comes in */
};
static struct seed seeds[MAX_SEEDS];
static unsigned n_seeds;
static uint64_t rng, clock_now;

static void put4(struct pb *f, unsigned off, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	f->b[f->l3 + off] = a, f->b[f->l3 + off + 1] = b, f->b[f->l3 + off + 2] = c, f->b[f->l3 + off + 3] = d;
}

/* An IPv4 frame from the lan host to a server behind wan (or the reverse), L4 by the caller. */
static struct pb *v4(uint16_t port, uint8_t proto, uint16_t frag, const uint8_t *opts, uint8_t optlen)
{
	ck_assert_uint_lt(n_seeds, MAX_SEEDS);
	struct seed *s = &seeds[n_seeds++];
	s->port = port;
	pb_init(&s->f);
	pb_eth0(&s->f, 0x0800);
	pb_ip4(&s->f, proto, frag, opts, optlen);
	if (port == 0) {
		put4(&s->f, 12, 10, 0, 0, 10);
		put4(&s->f, 16, 198, 51, 100, 2);
	} else {
		put4(&s->f, 12, 198, 51, 100, 2);
		put4(&s->f, 16, 10, 0, 0, 10);
	}
	return &s->f;
}

static struct pb *v6(uint16_t port, uint8_t nh)
{
	ck_assert_uint_lt(n_seeds, MAX_SEEDS);
	struct seed *s = &seeds[n_seeds++];
	s->port = port;
	pb_init(&s->f);
	pb_eth0(&s->f, 0x86dd);
	pb_ip6(&s->f, nh);
	static const uint8_t lan_host[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10 };
	static const uint8_t server[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 5 };
	memcpy(s->f.b + s->f.l3 + 8, port == 0 ? lan_host : server, 16);
	memcpy(s->f.b + s->f.l3 + 24, port == 0 ? server : lan_host, 16);
	return &s->f;
}

/* A new seed on port, its Ethernet header with n tags (tpid[i], tci[i]) before type. */
static struct pb *tagged(uint16_t port, unsigned n, const uint16_t *tpid, const uint16_t *tci, uint16_t type)
{
	ck_assert_uint_lt(n_seeds, MAX_SEEDS);
	struct seed *s = &seeds[n_seeds++];
	s->port = port;
	pb_init(&s->f);
	pb_eth(&s->f, n, tpid, tci, type);
	return &s->f;
}

/* An IPv4 frame on a VLAN (or priority-tagged: vid 0), L4 by the caller. */
static struct pb *v4tag(uint16_t port, uint16_t vid, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			uint16_t frag)
{
	struct pb *f = tagged(port, 1, (const uint16_t[]){ 0x8100 }, &vid, 0x0800);
	pb_ip4(f, proto, frag, NULL, 0);
	memcpy(f->b + f->l3 + 12, src, 4);
	memcpy(f->b + f->l3 + 16, dst, 4);
	return f;
}

/* ARP on a VLAN: who has tpa, from spa. */
static void arp_tag(uint16_t port, uint16_t vid, uint16_t op, const uint8_t spa[4], const uint8_t tpa[4])
{
	struct pb *f = tagged(port, 1, (const uint16_t[]){ 0x8100 }, &vid, 0x0806);
	pb_arp(f, op);
	memcpy(f->b + f->l3 + 14, spa, 4);
	memcpy(f->b + f->l3 + 24, tpa, 4);
	pb_pad(f, 60);
}

static void done(struct pb *f, size_t payload)
{
	pb_payload(f, payload);
	pb_done(f);
	pb_pad(f, 60);
}

static void make_seeds(void)
{
	n_seeds = 0;
	struct pb *f;
	static const uint16_t syn_ports[] = { 80, 22, 23, 443 };
	for (unsigned i = 0; i < 4; i++) {
		f = v4(0, 6, 0, NULL, 0);
		pb_tcp(f, (uint16_t)(40000 + i), syn_ports[i], NULL, 0);
		f->b[f->l4 + 13] = 0x02;
		done(f, 0);
	}
	f = v4(1, 6, 0, NULL, 0);                       /* a SYN-ACK back */
	pb_tcp(f, 80, 40000, NULL, 0);
	f->b[f->l4 + 13] = 0x12;
	done(f, 0);
	f = v4(0, 6, 0, NULL, 0);                       /* data */
	pb_tcp(f, 40000, 80, NULL, 0);
	f->b[f->l4 + 13] = 0x18;
	done(f, 100);
	f = v4(0, 17, 0, NULL, 0);
	pb_udp(f, 5353, 53);
	done(f, 20);
	f = v4(0, 17, 0, NULL, 0);
	pb_udp(f, 5000, 9);
	done(f, 20);
	f = v4(1, 17, 0, NULL, 0);                      /* the answer */
	pb_udp(f, 53, 5353);
	done(f, 40);
	f = v4(0, 1, 0, NULL, 0);
	pb_icmp(f, 1, 8, 0, 77);
	done(f, 16);
	f = v4(0, 1, 0, NULL, 0);                       /* a ping to the router */
	put4(f, 16, 10, 0, 0, 1);
	pb_icmp(f, 1, 8, 0, 78);
	done(f, 16);
	f = v4(1, 1, 0, NULL, 0);                       /* port unreachable quoting the UDP flow */
	pb_icmp(f, 1, 3, 3, 0);
	{
		uint8_t q[28] = { 0x45, 0, 0, 48, 0, 0, 0, 0, 63, 17, 0, 0, 10, 0, 0, 10, 198, 51, 100, 2,
				  0x14, 0xe9, 0, 53, 0, 28, 0, 0 };
		pb_put(f, q, sizeof(q));
	}
	done(f, 0);
	f = v4(0, 17, 0x2000, NULL, 0);                 /* a first fragment, then a later one */
	pb_udp(f, 6000, 53);
	done(f, 64);
	f = v4(0, 17, 9, NULL, 0);
	done(f, 40);
	f = v4(0, 17, 0, NULL, 0);                      /* too big for wan, without DF */
	pb_udp(f, 6001, 53);
	done(f, 1400);
	f = v4(0, 17, 0x4000, NULL, 0);                 /* and with DF */
	pb_udp(f, 6002, 53);
	done(f, 1400);
	static const uint8_t opts[12] = { 0x94, 4, 0, 0, 7, 7, 8, 0, 0, 0, 0, 1 };
	f = v4(0, 17, 0, opts, sizeof(opts));           /* options, too big: fragmented */
	pb_udp(f, 6003, 53);
	done(f, 1300);
	static const uint8_t lsrr[8] = { 0x83, 7, 4, 192, 0, 2, 1, 0 };
	f = v4(0, 17, 0, lsrr, sizeof(lsrr));
	pb_udp(f, 6004, 53);
	done(f, 8);
	f = v4(0, 17, 0, NULL, 0);                      /* TTL 1 */
	f->b[f->l3 + 8] = 1;
	pb_udp(f, 6005, 33434);
	done(f, 8);
	/* ARP: the lan host asks for the router; the wan gateway answers the router */
	struct seed *s = &seeds[n_seeds++];
	s->port = 0;
	pb_init(&s->f);
	pb_eth0(&s->f, 0x0806);
	pb_arp(&s->f, 1);
	s = &seeds[n_seeds++];
	s->port = 1;
	pb_init(&s->f);
	pb_eth0(&s->f, 0x0806);
	pb_arp(&s->f, 2);
	/* IPv6: TCP, an echo, a neighbour solicitation, a fragment header, hop limit 1 */
	f = v6(0, 6);
	pb_tcp(f, 41000, 443, NULL, 0);
	f->b[f->l4 + 13] = 0x02;
	done(f, 0);
	f = v6(0, 58);
	pb_icmp(f, 58, 128, 0, 5);
	done(f, 16);
	f = v6(0, 58);
	f->b[f->l3 + 7] = 255;
	pb_icmp(f, 58, 135, 0, 0);
	done(f, 16);
	f = v6(0, 44);
	pb_ip6_frag(f, 17, 0, 1);
	pb_udp(f, 7000, 53);
	done(f, 32);
	f = v6(0, 17);
	f->b[f->l3 + 7] = 1;
	pb_udp(f, 7001, 53);
	done(f, 8);
	/* a VLAN-tagged datagram */
	f = tagged(0, 1, (const uint16_t[]){ 0x8100 }, (const uint16_t[]){ 10 }, 0x0800);
	pb_ip4(f, 17, 0, NULL, 0);
	pb_udp(f, 1, 2);
	done(f, 8);
	/* the router's VLANs: office (10 on lan) at 192.168.10.5, a dmz server (30 on wan)
	 * at 203.0.113.7; office asks for its gateway, talks to the dmz (which waits for the
	 * server's ARP reply) and through wan, too big for the dmz's MTU with and without DF */
	static const uint8_t office_host[4] = { 192, 168, 10, 5 }, office_gw[4] = { 192, 168, 10, 1 },
			     dmz_host[4] = { 203, 0, 113, 7 }, dmz_gw[4] = { 203, 0, 113, 1 },
			     far[4] = { 198, 51, 100, 2 }, lan_host[4] = { 10, 0, 0, 10 }, lan_gw[4] = { 10, 0, 0, 1 };
	arp_tag(0, 10, 1, office_host, office_gw);
	arp_tag(1, 30, 2, dmz_host, dmz_gw);
	f = v4tag(0, 10, office_host, dmz_host, 17, 0);
	pb_udp(f, 5353, 53);
	done(f, 20);
	f = v4tag(1, 30, dmz_host, office_host, 17, 0);  /* its answer */
	pb_udp(f, 53, 5353);
	done(f, 40);
	f = v4tag(0, 10, office_host, dmz_host, 17, 0);
	pb_udp(f, 5354, 53);
	done(f, 1100);
	f = v4tag(0, 10, office_host, dmz_host, 17, 0x4000);
	pb_udp(f, 5355, 53);
	done(f, 1100);
	f = v4tag(0, 10, office_host, far, 6, 0);
	pb_tcp(f, 42000, 443, NULL, 0);
	f->b[f->l4 + 13] = 0x02;
	done(f, 0);
	f = v4(1, 6, 0, NULL, 0);                       /* its SYN-ACK, untagged on wan */
	memcpy(f->b + f->l3 + 16, office_host, 4);
	pb_tcp(f, 443, 42000, NULL, 0);
	f->b[f->l4 + 13] = 0x12;
	done(f, 0);
	f = v4tag(0, 10, office_host, office_gw, 1, 0);  /* a ping to the router on the VLAN */
	pb_icmp(f, 1, 8, 0, 79);
	done(f, 16);
	f = v4tag(0, 0, lan_host, lan_gw, 1, 0);        /* priority-tagged: the lan's own */
	pb_icmp(f, 1, 8, 0, 80);
	done(f, 16);
	f = v4tag(0, 10, office_host, far, 17, 0);      /* TTL 1 on the VLAN */
	f->b[f->l3 + 8] = 1;
	pb_udp(f, 6006, 33434);
	done(f, 8);
	/* tagged twice (802.1ad outside) */
	f = tagged(0, 2, (const uint16_t[]){ 0x88a8, 0x8100 }, (const uint16_t[]){ 10, 20 }, 0x0800);
	pb_ip4(f, 17, 0, NULL, 0);
	pb_udp(f, 1, 2);
	done(f, 8);
}

static uint64_t rnd(void) { return rng_next(&rng); }

/* The IPv4 header's checksum, then the transport's (TCP, UDP, ICMP, ICMPv6), written
 * right for the frame as it is now, where the headers are there to be summed. */
static void fix_checksums(struct pkt_buf *p)
{
	uint8_t *d = p->data;
	unsigned off = 12, len = p->len;
	while (off + 4 <= len && (pkt_rd16(d + off) == 0x8100 || pkt_rd16(d + off) == 0x88a8))
		off += 4;
	if (off + 2 <= len && pkt_rd16(d + off) == 0x0800)
		pb_ip4_csum(d + off + 2, len - off - 2);
	const struct pkt_meta *m = &p->meta;
	if (pkt_parse(p) != PKT_PARSE_OK || (m->flags & (PKT_F_L4 | PKT_F_FRAG)) != PKT_F_L4)
		return;
	uint8_t *ip = d + m->l3_off, *l4 = d + m->l4_off;
	uint16_t l4len = (uint16_t)(m->l3_end - m->l4_off);
	bool v4 = m->l3 == PKT_L3_IPV4;
	switch (m->l4proto) {
	case PKT_IPPROTO_TCP:
	case PKT_IPPROTO_UDP: {
		uint16_t at = m->l4proto == PKT_IPPROTO_TCP ? 16 : 6;
		pkt_wr16(l4 + at, v4 ? pkt_l4_csum4(ip, l4, l4len, at) : pkt_l4_csum6(ip, l4, l4len, m->l4proto, at));
		break;
	}
	case PKT_IPPROTO_ICMP:
	case PKT_IPPROTO_ICMPV6:
		pkt_wr16(l4 + 2, 0);
		pkt_wr16(l4 + 2, v4 ? pkt_csum(l4, l4len) : pkt_l4_csum6(ip, l4, l4len, m->l4proto, 2));
		break;
	}
}

/* A seed, sometimes whole, mostly mutated. */
static uint16_t fz_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	uint16_t want = (uint16_t)(1 + rnd() % n);
	uint16_t got = (uint16_t)pkt_alloc_burst(vp->pool, pkts, want);
	clock_now += rnd() % 40;     /* the fake clock: about 100 s over a run */
	for (uint16_t i = 0; i < got; i++) {
		const struct seed *s;
		do
			s = &seeds[rnd() % n_seeds];
		while (s->port != vp->id && rnd() % 4);
		uint8_t *d = pkts[i]->data;
		uint16_t len = s->f.len;
		memcpy(d, s->f.b, len);
		if (rnd() % 8)           /* addressed to the router's MAC on its port */
			memcpy(d, vp->id ? wan_mac : lan_mac, 6);
		unsigned muts = (unsigned)(rnd() % 4);
		for (unsigned k = 0; k < muts; k++) {
			switch (rnd() % 5) {
			case 0: d[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8)); break;
			case 1: d[rnd() % (len < 80 ? len : 80)] = (uint8_t)rnd(); break;
			case 2: len = (uint16_t)(1 + rnd() % len); break;
			case 3: {        /* a 16-bit field in the headers rewritten (lengths, offsets) */
				unsigned at = (unsigned)(rnd() % (len < 64 ? len : 64)) & ~1u;
				if (at + 1 < len)
					d[at] = (uint8_t)rnd(), d[at + 1] = (uint8_t)rnd();
				break;
			}
			default: {       /* garbage appended */
				uint16_t more = (uint16_t)(rnd() % 200);
				if (len + more <= pkt_tailroom(pkts[i]))
					for (uint16_t j = 0; j < more; j++)
						d[len++] = (uint8_t)rnd();
				break;
			}
			}
		}
		pkts[i]->len = len;
		pkts[i]->port = vp->id;
		/* mostly with the checksums made right again, so that a mutation reaches past
		 * the parser's check of the IPv4 header and conntrack's of the transport's */
		if (muts && rnd() % 4)
			fix_checksums(pkts[i]);
	}
	return got;
}

/* frames sent tagged for the port's VLAN interface: 10 on lan, 30 on wan */
static uint64_t tagged_out[2];

static uint16_t fz_tx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = pkts[i]->data;
		if (pkts[i]->len >= 18 && d[12] == 0x81 && d[13] == 0 && (d[14] & 0xf) == 0 &&
		    d[15] == (vp->id ? 30 : 10))
			tagged_out[vp->id]++;
	}
	pkt_free_burst(pkts, n);
	return n;
}

static void fz_stats(struct vnet_port *vp, struct vnet_stats *out)
{
	(void)vp;
	memset(out, 0, sizeof(*out));
}

static void fz_link(struct vnet_port *vp, struct vnet_link *out)
{
	(void)vp;
	out->up = true;
	out->speed_mbps = 0;
}

static void fz_close(struct vnet_port *vp) { (void)vp; }

static const struct vnet_ops fz_ops = { "fuzz", fz_stats, fz_link, fz_close };

static uint64_t fake_clock(void) { return clock_now; }

static unsigned lines;
static void count_line(void *arg, const char *line)
{
	(void)arg;
	if (getenv("FW_FUZZ_SHOW"))
		printf("%s\n", line);
	lines++;
}

struct ticker {
	const struct app_def *app;
	void *state;
	struct pkt_worker *w;
	uint64_t last;
};

static void tick(void *arg)
{
	struct ticker *t = arg;
	if (clock_now != t->last) {
		t->last = clock_now;
		t->app->tick(t->state, t->w, clock_now);
	}
}

static void fuzz_one(const char *conf, const char *reload_conf, bool router, uint64_t seed, uint64_t packets)
{
	rng = seed;
	clock_now = 1000;
	tagged_out[0] = tagged_out[1] = 0;
	make_seeds();
	struct pkt_pool *pool = pkt_pool_create("fuzz", POOL);
	ck_assert_ptr_nonnull(pool);
	const struct app_def *app = app_find("fw");
	ck_assert_ptr_nonnull(app);
	struct pkt_pipeline pipe = { .n_ports = 2, .port_names = { "lan", "wan" } };
	struct app_env env = { .opts = "", .config = conf, .config_len = strlen(conf), .config_name = "fuzz.conf",
			       .log = count_line, .pool = pool, .port_mac = { lan_mac, wan_mac } };
	void *state = NULL;
	char err[300];
	ck_assert_msg(app->setup(&pipe, &state, &env, err, sizeof(err)) == 0, "%s", err);
	static struct pkt_worker w;
	pkt_worker_init(&w, &pipe);
	struct vnet_port ports[2];
	struct vnet_port *pp[2];
	for (uint16_t i = 0; i < 2; i++) {
		memset(&ports[i], 0, sizeof(ports[i]));
		ports[i].rx_burst = fz_rx;
		ports[i].tx_burst = fz_tx;
		ports[i].ops = &fz_ops;
		ports[i].id = i;
		ports[i].pool = pool;
		pp[i] = &ports[i];
	}
	struct ticker t = { app, state, &w, 0 };
	struct app_run_limits lim = { .max_rx_pkts = packets / 2, .poll = tick, .poll_arg = &t,
				      .clock_ms = fake_clock };
	static volatile sig_atomic_t never;
	uint64_t got = app_run(&w, pp, 2, &never, &lim);
	/* a reload halfway: every kept decision goes stale, connections and neighbours stay */
	ck_assert_msg(app->reload(state, "fuzz.conf", reload_conf, strlen(reload_conf), err, sizeof(err)) == 0, "%s",
		      err);
	got += app_run(&w, pp, 2, &never, &lim);
	ck_assert_uint_ge(got, packets - 1);
	app->report(state, count_line, NULL);
	app->teardown(state);
	/* every buffer is back: none was lost on any path (queued, held, answered, dropped) */
	struct pkt_buf *all[POOL];
	unsigned n = pkt_alloc_burst(pool, all, POOL);
	ck_assert_msg(n == POOL, "seed %llu (%s): %u of %u buffers came back", (unsigned long long)seed,
		      router ? "router" : "bridge", n, POOL);
	pkt_free_burst(all, n);
	pkt_pool_destroy(pool);
	ck_assert_uint_gt(lines, 0);
	if (getenv("FW_FUZZ_SHOW"))
		printf("tagged out: %llu on office, %llu on dmz\n", (unsigned long long)tagged_out[0],
		       (unsigned long long)tagged_out[1]);
	if (router) /* the VLAN interfaces were reached both ways */
		ck_assert_msg(tagged_out[0] && tagged_out[1], "seed %llu: %llu frames out tagged on office, %llu on dmz",
			      (unsigned long long)seed, (unsigned long long)tagged_out[0],
			      (unsigned long long)tagged_out[1]);
}

START_TEST(router_survives_mutations)
{
	const char *one = getenv("FW_FUZZ_SEED");
	for (uint64_t s = 1; s <= (one ? 1 : 24); s++)
		fuzz_one(router_conf, router_conf_reordered, true, one ? strtoull(one, NULL, 10) : s * 7919, 200000);
	/* seeds that found a defect: a later fragment held and then dropped in the burst of
	 * its first one was freed under the pipeline (pkt_discard) */
	static const uint64_t found[] = { 1027, 1075, 1089 };
	for (unsigned i = 0; !one && i < sizeof(found) / sizeof(found[0]); i++)
		fuzz_one(router_conf, router_conf_reordered, true, found[i], 200000);
}
END_TEST

START_TEST(bridge_survives_mutations)
{
	const char *one = getenv("FW_FUZZ_SEED");
	for (uint64_t s = 1; s <= (one ? 1 : 24); s++)
		fuzz_one(bridge_conf, bridge_conf, false, one ? strtoull(one, NULL, 10) : s * 104729, 200000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_fuzz");
	TCase *tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, router_survives_mutations);
	tcase_add_test(tc, bridge_survives_mutations);
	suite_add_tcase(s, tc);
	return check_run(s);
}
