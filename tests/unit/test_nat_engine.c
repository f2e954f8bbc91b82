/* The NAT44 engine as a whole (nat/nat.h): nat_prerouting, nat_postrouting and nat_output
 * over a real connection table (ct_config_default, cfg.nat on, the NAT's timeouts), the
 * configs read from text by cf_parse with nat_config_ext, the map given its pools and the
 * port forwards' reservations as the nat appliance's map_take does, and every packet
 * tracked as the router tracks it (ct_parse_prefetch_burst, ct_track_prefetched) before
 * prerouting, routed here by a tiny table (10/8 on the lan, our two addresses local, the
 * rest on the wan), then committed by postrouting (or by the input hook's ct_commit).
 *
 * Every packet the engine lets through has each of its checksums verified again by a naive
 * RFC 1071 sum written here (nv_*: big-endian words in a plain loop, its own pseudo-header;
 * never pkt_csum.h): the IPv4 header's, TCP's and UDP's with the pseudo-header over the
 * whole segment, ICMP's over the message, and for an ICMP error the quoted header's and
 * the quoted transport checksum (the quotes here hold whole datagrams).
 *
 * Cases: masquerade of UDP, TCP and ICMP echo with their replies; endpoint-independent
 * mapping; port collisions and parity; EIF, ADF and APDF inbound; the host limit; pool
 * exhaustion; hairpinning to a mapping and to a port forward; port forwards (a port range
 * port for port); accept in either chain; ICMP errors both ways (masquerade, port
 * forwards, both ends translated, hairpinned), too short, and the router's own
 * (nat_output); deterministic blocks; expiry, removal and TCP's end (FIN, RST, a SYN
 * reopening a closed one) releasing mappings; a full table whose unfinished connections
 * give way to new ones, mappings and all; clashes (counted as such); invalid packets;
 * IPv6 untouched; a fragmented datagram's first piece; the counters' lines. */
#include "nat.h"
#include "nat_conf.h"
#include "nat_map.h"
#include "pkt_answer.h"
#include "pkt_parse.h"
#include "pktbuild.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAN 0
#define WAN 1
#define LOCAL (-1)

#define SYN 0x02
#define FIN 0x01
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

static const uint8_t A[4] = { 10, 0, 0, 10 }, B[4] = { 10, 0, 0, 20 }, C[4] = { 10, 0, 0, 30 };
static const uint8_t R1[4] = { 198, 51, 100, 7 }, R2[4] = { 198, 51, 100, 8 }, R3[4] = { 203, 0, 113, 9 };
static const uint8_t HOP[4] = { 203, 0, 113, 1 };      /* a router on the way */
static const uint8_t PUB[4] = { 192, 0, 2, 2 };        /* the wan's address */
static const uint8_t LANIP[4] = { 10, 0, 0, 1 };

static const char BASE[] = "interface lan { address 10.0.0.1/24 }\n"
			   "interface wan { address 192.0.2.2/24 }\n";

static struct pkt_pool *pool;
static struct cf_config cf;
static struct nat_config nc;
static struct ct_table *ct;
static struct nat n;
static bool loaded;
static uint64_t now;
static struct ct_pkt cp;        /* the last packet's */
static struct nat_note note;
static int last_oif;

/* ---- the naive reference (RFC 1071) ---- */

static uint16_t rd16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

static uint32_t nv_sum(uint32_t s, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0u);
	return s;
}

static uint16_t nv_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t nv_pseudo(const uint8_t *ip, uint8_t proto, uint16_t len)
{
	uint8_t ph[12] = { 0 };
	memcpy(ph, ip + 12, 8);
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return nv_sum(0, ph, sizeof(ph));
}

/* The checksums of the IPv4 datagram at ip (avail bytes there): its header's, and its
 * transport's when the datagram is whole (not a fragment); an ICMP error's quote too. */
static void nv_check_ip4(const uint8_t *ip, size_t avail, const char *what)
{
	CHECK(avail >= 20 && ip[0] >> 4 == 4, "%s: an IPv4 header", what);
	unsigned hl = (ip[0] & 15u) * 4u, tot = rd16(ip + 2);
	CHECK(hl >= 20 && tot >= hl && tot <= avail, "%s: lengths (%u, %u, %zu)", what, hl, tot, avail);
	CHECK(nv_fold(nv_sum(0, ip, hl)) == 0xffff, "%s: IPv4 header checksum", what);
	if (rd16(ip + 6) & 0x3fff)
		return;                 /* a fragment: its datagram's checksum is checked whole elsewhere */
	const uint8_t *l4 = ip + hl;
	uint16_t len = (uint16_t)(tot - hl);
	switch (ip[9]) {
	case 6:
		CHECK(len >= 20 && nv_fold(nv_sum(nv_pseudo(ip, 6, len), l4, len)) == 0xffff, "%s: TCP checksum", what);
		break;
	case 17:
		CHECK(len >= 8, "%s: UDP length", what);
		CHECK(rd16(l4 + 6) == 0 || nv_fold(nv_sum(nv_pseudo(ip, 17, len), l4, len)) == 0xffff,
		      "%s: UDP checksum", what);
		break;
	case 1:
		CHECK(len >= 8 && nv_fold(nv_sum(0, l4, len)) == 0xffff, "%s: ICMP checksum", what);
		if (l4[0] == 3 || l4[0] == 4 || l4[0] == 5 || l4[0] == 11 || l4[0] == 12) {
			/* the quote: a whole datagram in these tests */
			char inner[64];
			snprintf(inner, sizeof(inner), "%s (quote)", what);
			nv_check_ip4(l4 + 8, (size_t)len - 8, inner);
		}
		break;
	default:
		break;
	}
}

/* ---- frames ---- */

static void hdr4(struct pb *f, uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	pb_init(f);
	pb_eth0(f, 0x0800);
	pb_ip4(f, proto, 0, NULL, 0);
	memcpy(f->b + f->l3 + 12, src, 4);
	memcpy(f->b + f->l3 + 16, dst, 4);
}

static void fin(struct pb *f)
{
	pb_done(f);
	pb_pad(f, 60);
}

static struct pb udp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp)
{
	struct pb f;
	hdr4(&f, 17, src, dst);
	pb_udp(&f, sp, dp);
	pb_payload(&f, 20);
	fin(&f);
	return f;
}

static struct pb tcp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, uint8_t flags, uint32_t seq,
		      uint32_t ack, unsigned payload)
{
	struct pb f;
	hdr4(&f, 6, src, dst);
	pb_tcp(&f, sp, dp, NULL, 0);
	uint8_t *th = f.b + f.l4;
	pkt_wr32(th + 4, seq);
	pkt_wr32(th + 8, ack);
	th[13] = flags;
	if (payload)
		pb_payload(&f, payload);
	fin(&f);
	return f;
}

/* An ICMP query or response of type type with identifier id. */
static struct pb icmp4(const uint8_t *src, const uint8_t *dst, uint8_t type, uint16_t id)
{
	struct pb f;
	hdr4(&f, 1, src, dst);
	pb_icmp(&f, 1, type, 0, id);
	pb_payload(&f, 24);
	fin(&f);
	return f;
}

/* An ICMP error quoting the first qlen bytes (0: all) of the IPv4 datagram in q. */
static struct pb err4(const uint8_t *src, const uint8_t *dst, uint8_t type, uint8_t code, const struct pb *q,
		      unsigned qlen)
{
	struct pb f;
	hdr4(&f, 1, src, dst);
	pb_icmp(&f, 1, type, code, 0);
	f.b[f.l4 + 7] = 0;
	const uint8_t *qip = q->b + q->l3;
	unsigned tot = rd16(qip + 2);
	pb_put(&f, qip, qlen ? qlen : tot);
	fin(&f);
	return f;
}

static struct pb udp6(void)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x86dd);
	pb_ip6(&f, 17);
	pb_udp(&f, 5000, 53);
	pb_payload(&f, 20);
	fin(&f);
	return f;
}

/* Readers of a frame as the tests built or got it. */
static const uint8_t *ipof(const struct pb *f) { return f->b + f->l3; }
static const uint8_t *l4of(const struct pb *f) { return f->b + f->l3 + (f->b[f->l3] & 15u) * 4u; }
static uint16_t sport(const struct pb *f) { return rd16(l4of(f)); }
static uint16_t dport(const struct pb *f) { return rd16(l4of(f) + 2); }
static uint16_t icmp_id(const struct pb *f) { return rd16(l4of(f) + 4); }
/* The quote of an ICMP error in f, as a frame of its own (l3 at the quote). */
static struct pb quote_of(const struct pb *f)
{
	struct pb q = *f;
	q.l3 = (uint16_t)(l4of(f) - f->b + 8);
	return q;
}

#define ck_addrs(f, s, d)                                       \
	do {                                                    \
		ck_assert_mem_eq(ipof(f) + 12, (s), 4);         \
		ck_assert_mem_eq(ipof(f) + 16, (d), 4);         \
	} while (0)

static uint32_t be32(const uint8_t *a) { return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3]; }

/* ---- the engine, as the nat appliance wires it ---- */

/* The port forwards' ports on the pools' addresses, as apps/nat/nat_main.c's map_take. */
static void reserve(void)
{
	nat_map_reserve_clear(n.map);
	for (unsigned i = 0; i < nc.n_rule[NAT_HOOK_PRE]; i++) {
		const struct nat_rule *r = &nc.rule[NAT_HOOK_PRE][i];
		const struct nat_match *m = &r->m;
		if (r->action != NAT_A_DNAT || !m->dport.on || m->dport.neg)
			continue;
		uint8_t proto = m->proto == 6 ? NAT_TCP : NAT_UDP;
		for (unsigned k = 0; k < nc.n_pool; k++) {
			const struct nat_pool *p = &nc.pool[k];
			uint32_t lo = p->det_on ? p->det.out_lo : p->addr_lo, hi = p->det_on ? p->det.out_hi : p->addr_hi;
			for (uint64_t ad = lo; ad <= hi; ad++) {
				uint8_t b[4] = { (uint8_t)(ad >> 24), (uint8_t)(ad >> 16), (uint8_t)(ad >> 8), (uint8_t)ad };
				if (m->daddr.kind == 1 && !m->daddr.neg && !nat_in_prefix4(b, &m->daddr.prefix))
					continue;
				ck_assert_int_eq(nat_map_reserve(n.map, proto, (uint32_t)ad, m->dport.lo, m->dport.hi), 0);
			}
		}
	}
}

static char log_lines[8][160];
static unsigned n_log;

static void on_log(void *arg, const char *line)
{
	(void)arg;
	if (n_log < 8)
		snprintf(log_lines[n_log], sizeof(log_lines[0]), "%s", line);
	n_log++;
}

/* The config BASE + text, a table of ct_max entries. */
/* Whether text (after BASE) is refused by the parser. */
static bool load_fails(const char *text)
{
	char all[4096];
	snprintf(all, sizeof(all), "%s%s", BASE, text);
	struct nat_config c2;
	nat_config_init(&c2);
	struct cf_ext ext;
	nat_config_ext(&c2, &ext);
	struct cf_err err = { "" };
	struct cf_config cf2;
	memset(&cf2, 0, sizeof(cf2));
	int rc = cf_parse(&cf2, &ext, 1, "test.conf", all, strlen(all), &err);
	cf_config_free(&cf2);
	return rc != 0 && strstr(err.msg, "test.conf:");
}

static void load_ct(const char *text, uint32_t ct_max)
{
	char all[4096];
	snprintf(all, sizeof(all), "%s%s", BASE, text);
	nat_config_init(&nc);
	struct cf_ext ext;
	nat_config_ext(&nc, &ext);
	struct cf_err err = { "" };
	memset(&cf, 0, sizeof(cf));
	ck_assert_msg(cf_parse(&cf, &ext, 1, "test.conf", all, strlen(all), &err) == 0, "%s", err.msg);
	struct ct_config cc;
	ct_config_default(&cc);
	nat_ct_defaults(&cc);
	cc.max_entries = ct_max;
	cc.vlan_zones = false;
	cc.nat = true;
	ct = ct_table_create(&cc);
	ck_assert_ptr_nonnull(ct);
	struct nat_map_limits lim = { .max_mappings = ct_max, .host_sessions = nc.host_limit, .max_addrs = 16,
				      .seed = 0x5eed };
	ck_assert_int_eq(nat_init(&n, ct, &lim), 0);
	ck_assert_int_eq(nat_map_set_pools(n.map, nc.pool, nc.n_pool), 0);
	reserve();
	n.log = on_log;
	n.log_arg = NULL;
	n.log_on = nc.log;
	n_log = 0;
	loaded = true;
}

static void load(const char *text) { load_ct(text, 1024); }

static void setup(void)
{
	pool = pkt_pool_create("natengine", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	now = 1000000;
	loaded = false;
}

static void teardown(void)
{
	if (loaded) {
		ct_table_destroy(ct);   /* the table first: nothing is released after */
		nat_fini(&n);
		cf_config_free(&cf);
	}
	pkt_pool_destroy(pool);
}

/* Where the router would send a packet for dst. */
static int route(const uint8_t *dst)
{
	if (!memcmp(dst, PUB, 4) || !memcmp(dst, LANIP, 4))
		return LOCAL;
	return dst[0] == 10 ? LAN : WAN;
}

/* The copy of p as a frame. */
static void snap(const struct pkt_buf *p, struct pb *out)
{
	pb_init(out);
	memcpy(out->b, p->data, p->len);
	out->len = p->len;
	out->l3 = p->meta.l3_off;
}

static void verify(const struct pkt_buf *p, const char *what)
{
	if (p->meta.l3 == PKT_L3_IPV4)
		nv_check_ip4(p->data + p->meta.l3_off, (size_t)(p->len - p->meta.l3_off), what);
}

/* f arriving on iif: tracked, prerouting, routed, then postrouting (forwarded) or the input
 * hook's commit (for us). The packet as it leaves in *out (may be NULL); the engine's
 * verdict. A packet let through has its checksums verified. */
static enum nat_reason xmit(const struct pb *f, int iif, struct pb *out)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ct_parse_prefetch_burst(ct, &p, &cp, 1, 0);
	ck_assert_uint_eq(p->verdict, PKT_V_CONTINUE);
	ct_track_prefetched(ct, p, now, &cp);
	enum nat_reason r = nat_prerouting(&n, &nc, &cf, p, &cp, iif, now, &note);
	last_oif = -2;
	if (r == NAT_OK) {
		int oif;
		if (p->meta.l3 == PKT_L3_IPV6)
			oif = iif == LAN ? WAN : LAN;
		else
			oif = route(p->data + p->meta.l3_off + 16);
		last_oif = oif;
		if (oif == LOCAL)
			ck_assert(ct_commit(ct, p, now, &cp));
		else
			r = nat_postrouting(&n, &nc, &cf, p, &cp, iif, oif, now, &note);
	}
	if (r == NAT_OK && last_oif != LOCAL)
		verify(p, "out");               /* what leaves (for us: read, never sent on) */
	if (out)
		snap(p, out);
	pkt_free(p);
	return r;
}

/* The same, which must pass and leave by oif. */
static struct pb pass(const struct pb *f, int iif, int oif)
{
	struct pb o;
	enum nat_reason r = xmit(f, iif, &o);
	ck_assert_msg(r == NAT_OK, "dropped: %s", nat_reason_names[r]);
	ck_assert_int_eq(last_oif, oif);
	return o;
}

static const struct nat_map_counters *mc(void) { return nat_map_counters(n.map); }

static const struct nat_mapping *map_out(uint8_t proto, const uint8_t *addr, uint16_t port)
{
	return nat_map_find_out(n.map, proto, be32(addr), port);
}

static void grab(void *arg, const struct ct_entry *e)
{
	const struct ct_entry **out = arg;
	if (!*out)
		*out = e;
}

/* Some live entry of the table, or NULL. */
static struct ct_entry *first_entry(void)
{
	const struct ct_entry *e = NULL;
	ct_foreach(ct, grab, &e);
	return (struct ct_entry *)(uintptr_t)e;
}

static const char MASQ_EIF[] = "nat { filtering endpoint-independent }\n"
			       "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n";
static const char MASQ_ADF[] = "nat { filtering address-dependent }\n"
			       "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n";
static const char MASQ_APDF[] = "nat { filtering address-and-port-dependent }\n"
				"chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n";

/* ---- masquerade ---- */

/* A connection conntrack holds to the wan address's port (a peer's keepalives to it,
 * committed on their way in) does not stop a lan host from opening the connection that
 * port would clash with: its mapping takes another port (the allocator's veto). */
START_TEST(veto_clashing_port)
{
	load(MASQ_EIF);
	struct pb k = udp4(R1, 51820, PUB, 51820);
	ck_assert_int_eq(xmit(&k, WAN, NULL), NAT_OK);       /* for us: committed */
	ck_assert_int_eq(last_oif, LOCAL);
	ck_assert_uint_eq(ct_count(ct), 1);
	struct pb q = udp4(A, 51820, R1, 51820);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_ne(sport(&o), 51820);    /* not preserved: that connection is the keepalives' */
	ck_assert_uint_eq(sport(&o) & 1, 0);    /* parity kept */
	ck_assert_uint_eq(n.cnt.drops[NAT_R_CLASH], 0);
	/* and the answer to the new mapping comes back to A */
	struct pb a = udp4(R1, 51820, PUB, sport(&o));
	o = pass(&a, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 51820);
}
END_TEST

START_TEST(masq_udp)
{
	load(MASQ_EIF);
	struct pb q = udp4(A, 5000, R1, 53);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 5000);     /* free: preserved */
	ck_assert_uint_eq(dport(&o), 53);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(mc()->mappings, 1);
	ck_assert_uint_eq(n.cnt.snat, 1);
	/* the answer comes back to the wan's address */
	struct pb a = udp4(R1, 53, PUB, 5000);
	o = pass(&a, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(sport(&o), 53);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert_int_eq(cp.state, CT_S_ESTABLISHED);
	ck_assert_uint_eq(cp.dir, 1);
	/* and the next query */
	o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(n.cnt.out_translated, 2);
	ck_assert_uint_eq(n.cnt.in_translated, 1);
	ck_assert_uint_eq(ct_count(ct), 1);
	/* a UDP datagram without a checksum keeps none */
	struct pb z = udp4(A, 5002, R1, 53);
	z.b[z.l4 + 6] = z.b[z.l4 + 7] = 0;
	o = pass(&z, LAN, WAN);
	ck_assert_uint_eq(rd16(l4of(&o) + 6), 0);
	ck_assert_uint_eq(sport(&o), 5002);
}
END_TEST

START_TEST(masq_tcp)
{
	load(MASQ_EIF);
	struct pb s = tcp4(A, 40000, R1, 80, SYN, 1000, 0, 0);
	struct pb o = pass(&s, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 40000);
	struct pb sa = tcp4(R1, 80, PUB, 40000, SYN | ACK, 5000, 1001, 0);
	o = pass(&sa, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 40000);
	struct pb ack = tcp4(A, 40000, R1, 80, ACK, 1001, 5001, 0);
	o = pass(&ack, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_ESTABLISHED);
	struct pb d = tcp4(A, 40000, R1, 80, PSH | ACK, 1001, 5001, 100);
	o = pass(&d, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 40000);
	struct pb d2 = tcp4(R1, 80, PUB, 40000, PSH | ACK, 5001, 1101, 300);
	o = pass(&d2, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(mc()->mappings, 1);
	ck_assert_uint_eq(n.cnt.out_translated, 3);
	ck_assert_uint_eq(n.cnt.in_translated, 2);
}
END_TEST

START_TEST(masq_icmp_echo)
{
	load(MASQ_EIF);
	struct pb q = icmp4(A, R1, 8, 77);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(icmp_id(&o), 77);
	struct pb r = icmp4(R1, PUB, 0, 77);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(icmp_id(&o), 77);
	ck_assert_uint_eq(l4of(&o)[0], 0);
	/* B pings with the same identifier: it gets another one, and its reply finds B */
	struct pb qb = icmp4(B, R1, 8, 77);
	o = pass(&qb, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	uint16_t idb = icmp_id(&o);
	ck_assert_uint_ne(idb, 77);
	const struct nat_mapping *mp = map_out(NAT_ICMP, PUB, idb);
	ck_assert_ptr_nonnull(mp);
	ck_assert_uint_eq(mp->in_addr, be32(B));
	ck_assert_uint_eq(mp->in_port, 77);
	struct pb rb = icmp4(R1, PUB, 0, idb);
	o = pass(&rb, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(icmp_id(&o), 77);
	/* A's next echo, the same mapping */
	o = pass(&q, LAN, WAN);
	ck_assert_uint_eq(icmp_id(&o), 77);
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_uint_eq(ct_count(ct), 2);
	/* an unsolicited echo reply to a mapping's id is nothing's: invalid, dropped */
	struct pb stray = icmp4(R3, PUB, 0, 77);
	ck_assert_int_eq(xmit(&stray, WAN, NULL), NAT_OK);      /* for us: the router reads it */
	ck_assert_int_eq(last_oif, LOCAL);
}
END_TEST

/* ---- mappings ---- */

START_TEST(eim_across_remotes)
{
	load(MASQ_ADF);
	struct pb o;
	for (int i = 0; i < 3; i++) {
		const uint8_t *rem = i == 0 ? R1 : i == 1 ? R2 : R3;
		struct pb q = udp4(A, 5000, rem, 53);
		o = pass(&q, LAN, WAN);
		ck_addrs(&o, PUB, rem);
		ck_assert_uint_eq(sport(&o), 5000);
		struct pb t = tcp4(A, 40000, rem, 443, SYN, 77, 0, 0);
		o = pass(&t, LAN, WAN);
		ck_assert_uint_eq(sport(&o), 40000);
	}
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_uint_eq(mc()->mappings_created, 2);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 3);
	ck_assert_uint_eq(map_out(NAT_TCP, PUB, 40000)->sessions, 3);
	ck_assert_uint_eq(ct_count(ct), 6);
	/* the same port of another host is another mapping */
	struct pb qb = udp4(B, 5001, R1, 53);
	o = pass(&qb, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5001);
	ck_assert_uint_eq(mc()->mappings, 3);
	ck_assert_uint_eq(mc()->hosts, 2);
}
END_TEST

START_TEST(port_collision_parity)
{
	load(MASQ_EIF);
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53), qc = udp4(C, 5000, R1, 53);
	o = pass(&qa, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5000);
	o = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&o);
	ck_assert_uint_ne(pb_, 5000);
	ck_assert_uint_eq(pb_ % 2, 0);
	ck_assert_uint_ge(pb_, 1024);
	o = pass(&qc, LAN, WAN);
	uint16_t pc_ = sport(&o);
	ck_assert_uint_ne(pc_, 5000);
	ck_assert_uint_ne(pc_, pb_);
	ck_assert_uint_eq(pc_ % 2, 0);
	/* odd ports stay odd */
	struct pb oa = udp4(A, 6001, R1, 53), ob = udp4(B, 6001, R1, 53);
	o = pass(&oa, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 6001);
	o = pass(&ob, LAN, WAN);
	uint16_t po = sport(&o);
	ck_assert_uint_ne(po, 6001);
	ck_assert_uint_eq(po % 2, 1);
	/* each reply finds its own host and port */
	struct pb ra = udp4(R1, 53, PUB, 5000), rb = udp4(R1, 53, PUB, pb_), rc = udp4(R1, 53, PUB, pc_),
		  rob = udp4(R1, 53, PUB, po);
	o = pass(&ra, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 5000);
	o = pass(&rb, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(dport(&o), 5000);
	o = pass(&rc, WAN, LAN);
	ck_addrs(&o, R1, C);
	ck_assert_uint_eq(dport(&o), 5000);
	o = pass(&rob, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(dport(&o), 6001);
	/* TCP and UDP ports are separate: A's TCP 5000 keeps 5000 */
	struct pb ta = tcp4(A, 5000, R1, 80, SYN, 1, 0, 0);
	o = pass(&ta, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5000);
}
END_TEST

/* ---- filtering ---- */

START_TEST(filter_eif)
{
	load(MASQ_EIF);
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	/* anyone may send to the mapping */
	struct pb in = udp4(R3, 7777, PUB, 5000);
	struct pb o = pass(&in, WAN, LAN);
	ck_addrs(&o, R3, A);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert_uint_eq(n.cnt.inbound, 1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	/* A answers from its port: it leaves from the mapping */
	struct pb back = udp4(A, 5000, R3, 7777);
	o = pass(&back, LAN, WAN);
	ck_addrs(&o, PUB, R3);
	ck_assert_uint_eq(sport(&o), 5000);
	ck_assert_uint_eq(cp.dir, 1);
	/* TCP to a mapping's port that is UDP's: no mapping, the router's own address */
	struct pb t = tcp4(R3, 7777, PUB, 5000, SYN, 1, 0, 0);
	ck_assert_int_eq(xmit(&t, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_FILTERED], 0);
}
END_TEST

START_TEST(filter_adf)
{
	load(MASQ_ADF);
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	/* the same address from another port: in */
	struct pb in = udp4(R1, 54, PUB, 5000);
	struct pb o = pass(&in, WAN, LAN);
	ck_addrs(&o, R1, A);
	/* another address: filtered, nothing committed */
	uint32_t cnt = ct_count(ct);
	struct pb in2 = udp4(R3, 53, PUB, 5000);
	ck_assert_int_eq(xmit(&in2, WAN, NULL), NAT_R_FILTERED);
	ck_assert_uint_eq(ct_count(ct), cnt);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_FILTERED], 1);
	/* once A sent to R3, R3 may */
	struct pb q3 = udp4(A, 5000, R3, 99);
	pass(&q3, LAN, WAN);
	o = pass(&in2, WAN, LAN);
	ck_addrs(&o, R3, A);
}
END_TEST

START_TEST(filter_apdf)
{
	load(MASQ_APDF);
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	struct pb in = udp4(R1, 54, PUB, 5000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_FILTERED);
	struct pb in2 = udp4(R3, 53, PUB, 5000);
	ck_assert_int_eq(xmit(&in2, WAN, NULL), NAT_R_FILTERED);
	/* the reply itself is the connection's */
	struct pb r = udp4(R1, 53, PUB, 5000);
	struct pb o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_FILTERED], 2);
	ck_assert_uint_eq(ct_count(ct), 1);
}
END_TEST

/* ---- limits ---- */

START_TEST(host_limit)
{
	load("nat { host-limit 2 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	struct pb q1 = udp4(A, 5000, R1, 53), q2 = tcp4(A, 40000, R1, 80, SYN, 1, 0, 0), q3 = udp4(A, 5000, R2, 53);
	pass(&q1, LAN, WAN);
	pass(&q2, LAN, WAN);
	ck_assert_uint_eq(ct_count(ct), 2);
	/* the third, even on an existing mapping: refused, not committed */
	ck_assert_int_eq(xmit(&q3, LAN, &o), NAT_R_HOST_LIMIT);
	ck_addrs(&o, A, R2);            /* untranslated: never sent */
	ck_assert_uint_eq(ct_count(ct), 2);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_HOST_LIMIT], 1);
	ck_assert_uint_eq(mc()->host_limit, 1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);
	struct pb q4 = icmp4(A, R1, 8, 9);
	ck_assert_int_eq(xmit(&q4, LAN, NULL), NAT_R_HOST_LIMIT);
	/* another host is not limited by A's */
	struct pb qb = udp4(B, 5000, R1, 53);
	pass(&qb, LAN, WAN);
	/* inbound to A's mapping counts too (EIF off: ADF, from R1) */
	struct pb in = udp4(R1, 54, PUB, 5000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_HOST_LIMIT);
	ck_assert_uint_eq(ct_count(ct), 3);
	/* once one of A's connections ends, A may open another */
	now += 301 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);     /* the TCP SYN_SENT (240 s) and UDP (300 s) went */
	ck_assert_uint_eq(mc()->hosts, 0);
	pass(&q3, LAN, WAN);
	pass(&q1, LAN, WAN);
	ck_assert_int_eq(xmit(&q2, LAN, NULL), NAT_R_HOST_LIMIT);
}
END_TEST

START_TEST(pool_exhausted)
{
	load("chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade to :2000-2001 }\n");
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53), qc = udp4(C, 5000, R1, 53);
	o = pass(&qa, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2000);     /* even, as 5000 */
	o = pass(&qb, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2001);     /* none even left: any */
	ck_assert_int_eq(xmit(&qc, LAN, NULL), NAT_R_NO_PORT);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_NO_PORT], 1);
	ck_assert_uint_eq(ct_count(ct), 2);
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_uint_eq(mc()->hosts, 2);      /* C's host entry went with the refusal */
	/* existing mappings still serve new remotes */
	struct pb qa2 = udp4(A, 5000, R2, 53);
	o = pass(&qa2, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2000);
	/* ICMP identifiers are not bound by the ports */
	struct pb e = icmp4(C, R1, 8, 3);
	o = pass(&e, LAN, WAN);
	ck_assert_uint_eq(icmp_id(&o), 3);
	/* everything expires: the ports are free again */
	now += 301 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(mc()->hosts, 0);
	o = pass(&qc, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 2000);
}
END_TEST

/* ---- hairpinning ---- */

START_TEST(hairpin_mapping)
{
	load(MASQ_EIF);
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	/* B sends to A's outside address and port: back out of the lan, from B's mapping */
	struct pb h = udp4(B, 6000, PUB, 5000);
	o = pass(&h, LAN, LAN);
	ck_addrs(&o, PUB, A);
	ck_assert_uint_eq(sport(&o), 6000);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert_uint_eq(n.cnt.hairpin, 1);
	ck_assert_ptr_nonnull(map_out(NAT_UDP, PUB, 6000));
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 6000)->in_addr, be32(B));
	/* A answers B's outside endpoint: B gets it from A's outside endpoint */
	struct pb r = udp4(A, 5000, PUB, 6000);
	o = pass(&r, LAN, LAN);
	ck_addrs(&o, PUB, B);
	ck_assert_uint_eq(sport(&o), 5000);
	ck_assert_uint_eq(dport(&o), 6000);
	ck_assert_uint_eq(cp.dir, 1);
	/* and again from B */
	o = pass(&h, LAN, LAN);
	ck_addrs(&o, PUB, A);
	ck_assert_uint_eq(ct_count(ct), 2);
	/* the hairpinned connection holds both mappings; when it goes, A's keeps its own */
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 6000)->sessions, 1);
	now += 301 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(n.cnt.released, 2);
}
END_TEST

START_TEST(hairpin_port_forward)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting { ip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	/* A opens the forward from inside: B sees A's outside address */
	struct pb s = tcp4(A, 40000, PUB, 8080, SYN, 100, 0, 0);
	o = pass(&s, LAN, LAN);
	ck_addrs(&o, PUB, B);
	ck_assert_uint_eq(sport(&o), 40000);
	ck_assert_uint_eq(dport(&o), 80);
	ck_assert_uint_eq(n.cnt.hairpin, 1);
	ck_assert_uint_eq(n.cnt.dnat, 1);
	ck_assert_uint_eq(n.cnt.snat, 1);
	struct pb sa = tcp4(B, 80, PUB, 40000, SYN | ACK, 900, 101, 0);
	o = pass(&sa, LAN, LAN);
	ck_addrs(&o, PUB, A);
	ck_assert_uint_eq(sport(&o), 8080);
	ck_assert_uint_eq(dport(&o), 40000);
	struct pb ack = tcp4(A, 40000, PUB, 8080, ACK, 101, 901, 0);
	o = pass(&ack, LAN, LAN);
	ck_addrs(&o, PUB, B);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_ESTABLISHED);
	/* the same forward from outside: the remote's own address */
	struct pb so = tcp4(R1, 1234, PUB, 8080, SYN, 5, 0, 0);
	o = pass(&so, WAN, LAN);
	ck_addrs(&o, R1, B);
	ck_assert_uint_eq(dport(&o), 80);
	ck_assert_uint_eq(n.cnt.hairpin, 1);
	struct pb sao = tcp4(B, 80, R1, 1234, SYN | ACK, 7, 6, 0);
	o = pass(&sao, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 8080);
}
END_TEST

/* ---- port forwards ---- */

START_TEST(dnat_port_range)
{
	load("chain prerouting {\n"
	     "  iif wan udp dport 5000-5010 dnat to 10.0.0.20:6000-6010\n"
	     "  iif wan tcp dport 2222 dnat to 10.0.0.30:22\n"
	     "  iif wan tcp dport 3000-3001 dnat to 10.0.0.30\n"
	     "}\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	for (uint16_t port = 5000; port <= 5010; port += 5) {
		struct pb q = udp4(R1, 1234, PUB, port);
		o = pass(&q, WAN, LAN);
		ck_addrs(&o, R1, B);
		ck_assert_uint_eq(dport(&o), 6000 + (port - 5000));
		struct pb r = udp4(B, (uint16_t)(6000 + (port - 5000)), R1, 1234);
		o = pass(&r, LAN, WAN);
		ck_addrs(&o, PUB, R1);
		ck_assert_uint_eq(sport(&o), port);
	}
	struct pb t = tcp4(R2, 999, PUB, 2222, SYN, 1, 0, 0);
	o = pass(&t, WAN, LAN);
	ck_addrs(&o, R2, C);
	ck_assert_uint_eq(dport(&o), 22);
	struct pb t2 = tcp4(R2, 999, PUB, 3001, SYN, 1, 0, 0);
	o = pass(&t2, WAN, LAN);
	ck_addrs(&o, R2, C);
	ck_assert_uint_eq(dport(&o), 3001);     /* no port given: it stays */
	ck_assert_uint_eq(n.cnt.dnat, 5);
	ck_assert_uint_eq(n.hits[NAT_HOOK_PRE][0], 3);
	/* a port forward's ports are no mapping's: A's 5003 and 2222 go elsewhere */
	struct pb qa = udp4(A, 5003, R1, 53), ta = tcp4(A, 2222, R1, 80, SYN, 1, 0, 0);
	o = pass(&qa, LAN, WAN);
	ck_assert(sport(&o) < 5000 || sport(&o) > 5010);
	ck_assert_uint_eq(sport(&o) % 2, 1);
	o = pass(&ta, LAN, WAN);
	ck_assert_uint_ne(sport(&o), 2222);
	/* UDP to a forwarded TCP port is not forwarded */
	struct pb u = udp4(R2, 999, PUB, 2222);
	ck_assert_int_eq(xmit(&u, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
}
END_TEST

START_TEST(accept_exempts)
{
	load("chain prerouting {\n"
	     "  iif wan tcp dport 22 accept\n"
	     "  iif wan tcp dport 20-30 dnat to 10.0.0.30\n"
	     "}\n"
	     "chain postrouting {\n"
	     "  oif wan ip saddr 10.0.0.128/25 accept\n"
	     "  oif wan ip saddr 10.0.0.0/24 masquerade\n"
	     "}\n");
	struct pb o;
	/* prerouting's accept: the router's own port 22 */
	struct pb s = tcp4(R1, 999, PUB, 22, SYN, 1, 0, 0);
	o = pass(&s, WAN, LOCAL);
	ck_addrs(&o, R1, PUB);
	ck_assert_uint_eq(dport(&o), 22);
	struct pb s2 = tcp4(R1, 999, PUB, 23, SYN, 1, 0, 0);
	o = pass(&s2, WAN, LAN);
	ck_addrs(&o, R1, C);
	ck_assert_uint_eq(n.hits[NAT_HOOK_PRE][0], 1);
	ck_assert_uint_eq(n.hits[NAT_HOOK_PRE][1], 1);
	/* postrouting's accept: 10.0.0.200 leaves as itself, committed untranslated */
	static const uint8_t D[4] = { 10, 0, 0, 200 };
	struct pb q = udp4(D, 5000, R1, 53);
	uint32_t cnt = ct_count(ct);
	o = pass(&q, LAN, WAN);
	ck_addrs(&o, D, R1);
	ck_assert_uint_eq(ct_count(ct), cnt + 1);
	ck_assert(!(cp.e->flags & CT_F_NAT));
	struct pb r = udp4(R1, 53, D, 5000);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, D);
	ck_assert_int_eq(cp.state, CT_S_ESTABLISHED);
	/* the rest is masqueraded */
	struct pb qa = udp4(A, 5000, R1, 53);
	o = pass(&qa, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(n.hits[NAT_HOOK_POST][0], 1);
	ck_assert_uint_eq(n.hits[NAT_HOOK_POST][1], 1);
	/* traffic matching no rule is left alone too (inside to inside) */
	struct pb l = udp4(A, 1, B, 2);
	o = pass(&l, LAN, LAN);
	ck_addrs(&o, A, B);
	ck_assert_uint_eq(mc()->mappings, 1);
}
END_TEST

/* ---- ICMP errors ---- */

START_TEST(icmp_errors_from_outside)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting { iif wan tcp dport 8080 dnat to 10.0.0.20:80 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb ob, o;
	/* two inside hosts on port 5000: B's leaves from another port */
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	ob = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&ob);
	ck_assert_uint_ne(pb_, 5000);
	/* a router on the way: B's query ran out of TTL */
	struct pb e = err4(HOP, PUB, 11, 0, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	struct pb in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 5000);
	ck_assert_uint_eq(dport(&in), 53);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_assert_uint_eq(cp.dir, 1);
	/* the server itself: port unreachable, from its own address */
	e = err4(R1, PUB, 3, 3, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, R1, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 5000);
	/* TCP, with a port changed */
	struct pb sa = tcp4(A, 40000, R1, 80, SYN, 1000, 0, 0), sb = tcp4(B, 40000, R1, 80, SYN, 1000, 0, 0);
	pass(&sa, LAN, WAN);
	ob = pass(&sb, LAN, WAN);
	ck_assert_uint_ne(sport(&ob), 40000);
	e = err4(HOP, PUB, 3, 1, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 40000);
	ck_assert_uint_eq(dport(&in), 80);
	/* an echo with its identifier changed */
	struct pb ea = icmp4(A, R1, 8, 42), eb = icmp4(B, R1, 8, 42);
	pass(&ea, LAN, WAN);
	ob = pass(&eb, LAN, WAN);
	ck_assert_uint_ne(icmp_id(&ob), 42);
	e = err4(HOP, PUB, 11, 0, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(icmp_id(&in), 42);
	/* a port forward's server answer, unreachable beyond: the quote as the server sent it */
	struct pb fs = tcp4(R2, 1234, PUB, 8080, SYN, 1, 0, 0);
	pass(&fs, WAN, LAN);
	struct pb fsa = tcp4(B, 80, R2, 1234, SYN | ACK, 50, 2, 0);
	ob = pass(&fsa, LAN, WAN);
	ck_addrs(&ob, PUB, R2);
	ck_assert_uint_eq(sport(&ob), 8080);
	e = err4(HOP, PUB, 3, 0, &ob, 0);
	o = pass(&e, WAN, LAN);
	ck_addrs(&o, HOP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R2);
	ck_assert_uint_eq(sport(&in), 80);
	ck_assert_uint_eq(dport(&in), 1234);
	ck_assert_uint_eq(n.cnt.icmp_errors, 5);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_ICMP_ERROR], 0);
}
END_TEST

START_TEST(icmp_error_from_inside)
{
	load(MASQ_EIF);
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	o = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&o);
	/* the reply reaches B, which says its port is closed by now */
	struct pb r = udp4(R1, 53, PUB, pb_);
	struct pb got = pass(&r, WAN, LAN);
	ck_addrs(&got, R1, B);
	struct pb e = err4(B, R1, 3, 3, &got, 0);
	o = pass(&e, LAN, WAN);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_assert_uint_eq(cp.dir, 0);
	ck_addrs(&o, PUB, R1);
	struct pb in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(sport(&in), 53);
	ck_assert_uint_eq(dport(&in), pb_);
	/* the same about an echo reply */
	struct pb ea = icmp4(A, R1, 8, 42), eb = icmp4(B, R1, 8, 42);
	pass(&ea, LAN, WAN);
	o = pass(&eb, LAN, WAN);
	uint16_t idb = icmp_id(&o);
	struct pb er = icmp4(R1, PUB, 0, idb);
	got = pass(&er, WAN, LAN);
	ck_assert_uint_eq(icmp_id(&got), 42);
	e = err4(B, R1, 3, 13, &got, 0);
	o = pass(&e, LAN, WAN);
	ck_assert_uint_eq(cp.dir, 0);
	ck_addrs(&o, PUB, R1);
	in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(icmp_id(&in), idb);
	ck_assert_uint_eq(n.cnt.icmp_errors, 2);
}
END_TEST

START_TEST(icmp_error_too_short)
{
	load(MASQ_EIF);
	struct pb o, ob;
	struct pb qa = udp4(A, 5000, R1, 53);
	ob = pass(&qa, LAN, WAN);
	/* a quote of the IPv4 header and 4 bytes: conntrack cannot relate it, and an invalid
	 * packet never leaves untranslated */
	struct pb e = err4(HOP, PUB, 11, 0, &ob, 24);
	ck_assert_int_eq(xmit(&e, WAN, &o), NAT_OK);
	ck_assert_int_eq(cp.state, CT_S_INVALID);
	ck_assert_int_eq(last_oif, LOCAL);              /* for the wan's address: the router's */
	/* the engine's own check, on a packet conntrack related before it was cut short */
	struct pb full = err4(HOP, PUB, 11, 0, &ob, 0);
	struct pkt_buf *p = pb_to_pkt(pool, full.b, full.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &cp);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	p->meta.l3_end = (uint16_t)(p->meta.l4_off + 8 + 20 + 4);
	struct pb before;
	snap(p, &before);
	ck_assert_int_eq(nat_prerouting(&n, &nc, &cf, p, &cp, WAN, now, &note), NAT_R_ICMP_ERROR);
	ck_assert_int_eq(nat_output(&n, p, &cp), NAT_R_ICMP_ERROR);
	ck_assert_mem_eq(p->data, before.b, p->len);    /* untouched */
	pkt_free(p);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_ICMP_ERROR], 2);
	/* a forwarded error that is invalid is dropped at postrouting */
	struct pb e2 = err4(HOP, R2, 11, 0, &qa, 24);
	ck_assert_int_eq(xmit(&e2, LAN, NULL), NAT_R_INVALID);
}
END_TEST

/* A port forward's errors both ways: the remote's about the server's answer (direction 0,
 * to the server), the server's about the remote's packet (direction 1, to the remote). */
START_TEST(icmp_errors_port_forward)
{
	load("chain prerouting { iif wan udp dport 5353 dnat to 10.0.0.20:53 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb o;
	struct pb q = udp4(R1, 4444, PUB, 5353);
	struct pb got = pass(&q, WAN, LAN);
	ck_addrs(&got, R1, B);
	ck_assert_uint_eq(dport(&got), 53);
	/* B says the port is closed: R1 hears it from the forward's address, about its packet */
	struct pb e = err4(B, R1, 3, 3, &got, 0);
	o = pass(&e, LAN, WAN);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_assert_uint_eq(cp.dir, 1);
	ck_addrs(&o, PUB, R1);
	struct pb in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(sport(&in), 4444);
	ck_assert_uint_eq(dport(&in), 5353);
	/* B answers; R1 says its port is closed: B hears about its answer as it sent it */
	struct pb a = udp4(B, 53, R1, 4444);
	struct pb out = pass(&a, LAN, WAN);
	ck_addrs(&out, PUB, R1);
	ck_assert_uint_eq(sport(&out), 5353);
	e = err4(R1, PUB, 3, 3, &out, 0);
	o = pass(&e, WAN, LAN);
	ck_assert_uint_eq(cp.dir, 0);
	ck_addrs(&o, R1, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 53);
	ck_assert_uint_eq(dport(&in), 4444);
	ck_assert_uint_eq(n.cnt.icmp_errors, 2);
}
END_TEST

/* Both ends translated: the lan's DNS redirected to another server, and masqueraded. */
START_TEST(dnat_and_snat)
{
	load("chain prerouting { iif lan udp dport 53 dnat to 198.51.100.8 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb qb = udp4(B, 7000, R3, 1);
	pass(&qb, LAN, WAN);
	struct pb q = udp4(A, 7000, R1, 53);
	struct pb o = pass(&q, LAN, WAN);
	ck_addrs(&o, PUB, R2);
	uint16_t pa = sport(&o);
	ck_assert_uint_ne(pa, 7000);            /* B's */
	ck_assert_uint_eq(pa % 2, 0);
	struct pb r = udp4(R2, 53, PUB, pa);
	struct pb got = pass(&r, WAN, LAN);
	ck_addrs(&got, R1, A);                  /* from the server A asked */
	ck_assert_uint_eq(sport(&got), 53);
	ck_assert_uint_eq(dport(&got), 7000);
	/* an error from a router on the way: A hears it about its own packet */
	struct pb e = err4(HOP, PUB, 11, 0, &o, 0);
	struct pb eo = pass(&e, WAN, LAN);
	ck_addrs(&eo, HOP, A);
	struct pb in = quote_of(&eo);
	ck_addrs(&in, A, R1);
	ck_assert_uint_eq(sport(&in), 7000);
	/* and from the server itself: from the address A asked */
	e = err4(R2, PUB, 3, 3, &o, 0);
	eo = pass(&e, WAN, LAN);
	ck_addrs(&eo, R1, A);
	/* A's error about the answer: R2 hears it from the wan's address about its answer */
	e = err4(A, R1, 3, 3, &got, 0);
	eo = pass(&e, LAN, WAN);
	ck_addrs(&eo, PUB, R2);
	in = quote_of(&eo);
	ck_addrs(&in, R2, PUB);
	ck_assert_uint_eq(dport(&in), pa);
}
END_TEST

/* An ICMP error about a hairpinned packet is hairpinned too (RFC 5508): B's port
 * unreachable about A's datagram reaches A from B's outside address, quoting A's packet as
 * A sent it. */
START_TEST(icmp_error_hairpin)
{
	load(MASQ_EIF);
	struct pb qb = udp4(B, 5000, R1, 53);
	pass(&qb, LAN, WAN);
	struct pb h = udp4(A, 6000, PUB, 5000);
	struct pb got = pass(&h, LAN, LAN);
	ck_addrs(&got, PUB, B);
	ck_assert_uint_eq(sport(&got), 6000);
	struct pb e = err4(B, PUB, 3, 3, &got, 0);
	struct pb o = pass(&e, LAN, LAN);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_addrs(&o, PUB, A);
	struct pb in = quote_of(&o);
	ck_addrs(&in, A, PUB);
	ck_assert_uint_eq(sport(&in), 6000);
	ck_assert_uint_eq(dport(&in), 5000);
}
END_TEST

/* The router's own time exceeded (and fragmentation needed) about a packet it was
 * forwarding: built over the packet (pkt_answer_icmp), tracked, then nat_output. */
static struct pb router_error(const struct pb *f, int iif, uint8_t type, uint8_t code, const uint8_t *from,
			      enum nat_reason *rr)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ct_parse_prefetch_burst(ct, &p, &cp, 1, 0);
	ct_track_prefetched(ct, p, now, &cp);
	ck_assert_int_eq(nat_prerouting(&n, &nc, &cf, p, &cp, iif, now, &note), NAT_OK);
	ck_assert(pkt_answer_icmp(p, type, code, 0, from));
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ct_track(ct, p, now, &cp);
	*rr = nat_output(&n, p, &cp);
	if (*rr == NAT_OK)
		verify(p, "router error");
	struct pb o;
	snap(p, &o);
	pkt_free(p);
	return o;
}

START_TEST(router_time_exceeded)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting { iif wan tcp dport 8080 dnat to 10.0.0.20:80 }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	enum nat_reason rr;
	struct pb o;
	struct pb qa = udp4(A, 5000, R1, 53), qb = udp4(B, 5000, R1, 53);
	pass(&qa, LAN, WAN);
	o = pass(&qb, LAN, WAN);
	uint16_t pb_ = sport(&o);
	/* B's reply arrives with its TTL run out: the error goes back to R1 about the packet as
	 * R1 sent it */
	struct pb r = udp4(R1, 53, PUB, pb_);
	r.b[r.l3 + 8] = 1;
	pb_ip4_csum(r.b + r.l3, 20);
	o = router_error(&r, WAN, 11, 0, PUB, &rr);
	ck_assert_int_eq(rr, NAT_OK);
	ck_assert_int_eq(cp.state, CT_S_RELATED);
	ck_addrs(&o, PUB, R1);
	struct pb in = quote_of(&o);
	ck_addrs(&in, R1, PUB);
	ck_assert_uint_eq(sport(&in), 53);
	ck_assert_uint_eq(dport(&in), pb_);
	/* a packet from inside: the error goes to B, quoting what B sent (untranslated) */
	struct pb q = udp4(B, 5000, R1, 53);
	q.b[q.l3 + 8] = 1;
	pb_ip4_csum(q.b + q.l3, 20);
	o = router_error(&q, LAN, 11, 0, LANIP, &rr);
	ck_assert_int_eq(rr, NAT_OK);
	ck_addrs(&o, LANIP, B);
	in = quote_of(&o);
	ck_addrs(&in, B, R1);
	ck_assert_uint_eq(sport(&in), 5000);
	/* the server of an established port forward: its answer, too big for the way out */
	struct pb fs = tcp4(R2, 1234, PUB, 8080, SYN, 1, 0, 0);
	pass(&fs, WAN, LAN);
	struct pb fsa = tcp4(B, 80, R2, 1234, SYN | ACK, 50, 2, 0);
	pass(&fsa, LAN, WAN);
	struct pb fa = tcp4(R2, 1234, PUB, 8080, ACK, 2, 51, 0);
	fa.b[fa.l3 + 8] = 1;
	pb_ip4_csum(fa.b + fa.l3, 20);
	o = router_error(&fa, WAN, 11, 0, PUB, &rr);
	ck_assert_int_eq(rr, NAT_OK);
	ck_addrs(&o, PUB, R2);
	in = quote_of(&o);
	ck_addrs(&in, R2, PUB);
	ck_assert_uint_eq(sport(&in), 1234);
	ck_assert_uint_eq(dport(&in), 8080);
}
END_TEST

/* ---- deterministic ---- */

/* Two instances share one pool's layout with no coordination: each serves the hosts its
 * rule matches, the blocks where the whole layout puts them. */
START_TEST(deterministic_layout_share)
{
	load("chain postrouting {\n"
	     "  oif wan ip saddr 10.0.0.0/25 snat to 192.0.2.10-192.0.2.11 deterministic block 500 layout 10.0.0.0/24\n"
	     "}\n");
	const struct nat_pool *p = &nc.pool[0];
	ck_assert(p->det_on);
	ck_assert_uint_eq(p->det.hosts_per_addr, 128);       /* the /24's, not the rule's /25 */
	uint8_t in[4] = { 10, 0, 0, 70 };
	struct pb q = udp4(in, 36030, R1, 53);
	struct pb o = pass(&q, LAN, WAN);
	const uint8_t first[4] = { 192, 0, 2, 10 };
	ck_addrs(&o, first, R1);                             /* host 70 of 128 on the first address */
	ck_assert_uint_eq(sport(&o), 36030);                 /* block 70: 36024..36523, kept */
	/* the other instance's hosts are in the layout, not this one's share */
	uint32_t out;
	uint16_t lo, hi;
	const uint8_t other[4] = { 10, 0, 0, 200 };
	ck_assert(!nat_det_forward(&p->det, be32(other), &out, &lo, &hi));
	ck_assert(load_fails("chain postrouting {\n"
			     "  oif wan ip saddr 10.0.0.0/25 snat to 192.0.2.10 deterministic layout 10.1.0.0/16\n"
			     "}\n"));
}
END_TEST

START_TEST(deterministic)
{
	load("chain postrouting {\n"
	     "  oif wan ip saddr 10.0.1.0/28 snat to 192.0.2.100-192.0.2.101 deterministic block 4096\n"
	     "}\n");
	const struct nat_pool *p = &nc.pool[0];
	ck_assert(p->det_on);
	struct pb o;
	for (unsigned h = 0; h < 16; h += 3) {
		uint8_t in[4] = { 10, 0, 1, (uint8_t)h };
		uint32_t out;
		uint16_t lo, hi;
		ck_assert(nat_det_forward(&p->det, be32(in), &out, &lo, &hi));
		ck_assert_uint_eq(hi - lo + 1, 4096);
		/* a port outside the block: one of its parity inside */
		struct pb q = udp4(in, 1000, R1, 53);
		o = pass(&q, LAN, WAN);
		ck_assert_uint_eq(be32(ipof(&o) + 12), out);
		ck_assert_uint_ge(sport(&o), lo);
		ck_assert_uint_le(sport(&o), hi);
		ck_assert_uint_eq(sport(&o) % 2, 0);
		uint32_t back;
		ck_assert(nat_det_reverse(&p->det, out, sport(&o), &back));
		ck_assert_uint_eq(back, be32(in));
		/* a port inside the block: kept */
		struct pb t = tcp4(in, (uint16_t)(lo + 7), R1, 80, SYN, 1, 0, 0);
		o = pass(&t, LAN, WAN);
		ck_assert_uint_eq(be32(ipof(&o) + 12), out);
		ck_assert_uint_eq(sport(&o), lo + 7);
		/* an echo's identifier in the block too */
		struct pb e = icmp4(in, R1, 8, 3);
		o = pass(&e, LAN, WAN);
		ck_assert_uint_eq(be32(ipof(&o) + 12), out);
		ck_assert_uint_ge(icmp_id(&o), lo);
		ck_assert_uint_le(icmp_id(&o), hi);
		/* the answers come back to the host */
		struct pb r = icmp4(R1, ipof(&o) + 12, 0, icmp_id(&o));
		struct pb g = pass(&r, WAN, LAN);
		ck_addrs(&g, R1, in);
		ck_assert_uint_eq(icmp_id(&g), 3);
	}
	/* host 9: the second address's second block */
	static const uint8_t H9[4] = { 10, 0, 1, 9 }, OUT2[4] = { 192, 0, 2, 101 };
	struct pb q = udp4(H9, 5200, R1, 53);
	o = pass(&q, LAN, WAN);
	ck_addrs(&o, OUT2, R1);
	ck_assert_uint_eq(sport(&o), 5200);     /* 1024 + 4096 .. 9215 */
	struct pb r = udp4(R1, 53, OUT2, 5200);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, H9);
	/* the pool's addresses are the NAT's (ARP), and nothing else may reach them */
	ck_assert(nat_owns(&nc, WAN, OUT2));
	ck_assert(!nat_owns(&nc, LAN, OUT2));
	struct pb u = udp4(R1, 53, OUT2, 5202);
	ck_assert_int_eq(xmit(&u, WAN, NULL), NAT_R_NO_MAPPING);
	/* a host outside the rule's prefix is not translated at all */
	struct pb x = udp4(A, 5000, R1, 53);
	o = pass(&x, LAN, WAN);
	ck_addrs(&o, A, R1);
}
END_TEST

/* A table full of unfinished connections, each with its own mapping (as many mappings as
 * the table holds connections, as the nat appliance sizes them): a new connection takes an
 * unfinished one's place, as conntrack promises, the evicted one's mapping released - the
 * map's bound must not refuse it first. */
START_TEST(full_table_evicts)
{
	load_ct(MASQ_EIF, 8);
	for (uint16_t i = 0; i < 8; i++) {
		struct pb q = udp4(A, (uint16_t)(5000 + i), R1, 53);
		pass(&q, LAN, WAN);
	}
	ck_assert_uint_eq(ct_count(ct), 8);
	ck_assert_uint_eq(mc()->mappings, 8);
	struct pb qb = udp4(B, 6000, R1, 53);
	struct pb o = pass(&qb, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(ct_count(ct), 8);
	ck_assert_uint_eq(ct_counters(ct)->evicted, 1);
	ck_assert_uint_eq(n.cnt.released, 1);
	ck_assert_uint_eq(mc()->mappings, 8);
	/* B's reply finds it */
	struct pb r = udp4(R1, 53, PUB, sport(&o));
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, B);
	/* expired, not yet swept: their places (and mappings) are taken the same way */
	now += 301 * 1000;
	struct pb qc = tcp4(C, 7000, R1, 80, SYN, 1, 0, 0);
	o = pass(&qc, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 7000);
	/* an inbound connection through a mapping, the table and the map full: it joins the
	 * mapping before the table takes an expired connection's place (perhaps that mapping's
	 * own), so the mapping stays */
	struct pb in = udp4(R2, 1, PUB, 6000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LAN);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_TABLE_FULL], 0);
}
END_TEST

/* The same when the only connection the table may evict is the one holding the mapping a
 * hairpinned connection joins: that mapping goes with it, and the new connection is
 * dropped with nothing left behind. */
START_TEST(full_table_evicts_joined)
{
	static const uint8_t D[4] = { 10, 0, 0, 40 }, E[4] = { 10, 0, 0, 50 };
	load_ct(MASQ_EIF, 4);
	const uint8_t *hosts[3] = { B, C, D };
	for (unsigned i = 0; i < 3; i++) {      /* answered: assured, never evicted */
		struct pb q = udp4(hosts[i], 6000, R1, 53);
		struct pb o = pass(&q, LAN, WAN);
		struct pb r = udp4(R1, 53, PUB, sport(&o));
		pass(&r, WAN, LAN);
		ck_assert(cp.e->flags & CT_F_ASSURED);
	}
	struct pb qa = udp4(A, 5000, R1, 53);   /* unanswered */
	pass(&qa, LAN, WAN);
	ck_assert_uint_eq(ct_count(ct), 4);
	ck_assert_uint_eq(mc()->mappings, 4);
	struct pb h = udp4(E, 7000, PUB, 5000);
	ck_assert_int_eq(xmit(&h, LAN, NULL), NAT_R_NO_MAPPING);
	ck_assert_uint_eq(ct_counters(ct)->evicted, 1);
	ck_assert_uint_eq(ct_count(ct), 3);
	ck_assert_uint_eq(mc()->mappings, 3);
	ck_assert_ptr_null(map_out(NAT_UDP, PUB, 5000));
	ck_assert_ptr_null(map_out(NAT_UDP, PUB, 7000));
	ck_assert_uint_eq(mc()->hosts, 3);
}
END_TEST

/* ---- the end of connections ---- */

START_TEST(expiry_releases)
{
	load("nat { log on }\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb q = udp4(A, 5000, R1, 53), t = tcp4(A, 40000, R1, 80, SYN, 1, 0, 0), e = icmp4(A, R1, 8, 5);
	pass(&q, LAN, WAN);
	pass(&t, LAN, WAN);
	pass(&e, LAN, WAN);
	ck_assert_uint_eq(mc()->mappings, 3);
	ck_assert_uint_eq(n_log, 3);
	ck_assert_str_eq(log_lines[0], "nat: map udp 10.0.0.10:5000 -> 192.0.2.2:5000");
	/* ICMP (60 s) first */
	now += 61 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 2);
	ck_assert_uint_eq(mc()->mappings, 2);
	ck_assert_ptr_null(map_out(NAT_ICMP, PUB, 5));
	ck_assert_str_eq(log_lines[3], "nat: unmap icmp 10.0.0.10:5 -> 192.0.2.2:5");
	/* then the rest */
	now += 300 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(mc()->hosts, 0);
	ck_assert_uint_eq(n.cnt.released, 3);
	/* B gets A's old port now */
	struct pb qb = udp4(B, 5000, R1, 53);
	struct pb o = pass(&qb, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 5000);
	/* a reply to the old mapping finds nothing (the wan's own address: the router's) */
	struct pb r = tcp4(R1, 80, PUB, 40000, SYN | ACK, 9, 2, 0);
	ck_assert_int_eq(xmit(&r, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
	/* expiry found on lookup, not by the sweep, releases too */
	now += 301 * 1000;
	struct pb again = udp4(R1, 53, PUB, 5000);
	ck_assert_int_eq(xmit(&again, WAN, NULL), NAT_OK);
	ck_assert_int_eq(last_oif, LOCAL);
	ck_assert_uint_eq(mc()->mappings, 0);
}
END_TEST

START_TEST(remove_releases)
{
	load(MASQ_ADF);
	struct pb q = udp4(A, 5000, R1, 53), q2 = udp4(A, 5000, R2, 53);
	pass(&q, LAN, WAN);
	struct ct_entry *e1 = cp.e;
	pass(&q2, LAN, WAN);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	ct_remove(ct, e1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);
	/* R1's session went, and with it ADF's leave for R1 */
	struct pb in = udp4(R1, 54, PUB, 5000);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_FILTERED);
	struct pb in2 = udp4(R2, 54, PUB, 5000);
	pass(&in2, WAN, LAN);
	ck_assert_uint_eq(n.cnt.released, 1);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 2);
	/* the inbound connection's removal gives back its session */
	ct_remove(ct, cp.e);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);
	/* the last: the mapping goes */
	struct ct_entry *last = first_entry();
	ck_assert_ptr_nonnull(last);
	ct_remove(ct, last);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(mc()->hosts, 0);
	ck_assert_uint_eq(n.cnt.released, 3);
}
END_TEST

/* A's TCP connection to R1:80 through its handshake: the reply's sequence numbers. */
static void handshake(uint16_t port, uint32_t c, uint32_t s)
{
	struct pb syn = tcp4(A, port, R1, 80, SYN, c, 0, 0);
	struct pb o = pass(&syn, LAN, WAN);
	uint16_t out = sport(&o);
	struct pb sa = tcp4(R1, 80, PUB, out, SYN | ACK, s, c + 1, 0);
	pass(&sa, WAN, LAN);
	struct pb ack = tcp4(A, port, R1, 80, ACK, c + 1, s + 1, 0);
	pass(&ack, LAN, WAN);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_ESTABLISHED);
}

START_TEST(tcp_fin_lifecycle)
{
	load(MASQ_EIF);
	struct pb o;
	handshake(40000, 1000, 5000);
	struct pb f1 = tcp4(A, 40000, R1, 80, FIN | ACK, 1001, 5001, 0);
	o = pass(&f1, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(l4of(&o)[13], FIN | ACK);
	struct pb f2 = tcp4(R1, 80, PUB, 40000, FIN | ACK, 5001, 1002, 0);
	o = pass(&f2, WAN, LAN);
	ck_addrs(&o, R1, A);
	struct pb a = tcp4(A, 40000, R1, 80, ACK, 1002, 5002, 0);
	pass(&a, LAN, WAN);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_TIME_WAIT);
	ck_assert_uint_eq(mc()->mappings, 1);
	/* a new SYN on the same addresses and ports: the closed connection goes (its mapping
	 * with it), a new one is made */
	struct pb syn = tcp4(A, 40000, R1, 80, SYN, 90000, 0, 0);
	o = pass(&syn, LAN, WAN);
	ck_assert_uint_eq(sport(&o), 40000);
	ck_assert_uint_eq(ct_counters(ct)->closed_reuse, 1);
	ck_assert_uint_eq(n.cnt.released, 1);
	ck_assert_uint_eq(mc()->mappings_created, 2);
	ck_assert_uint_eq(mc()->mappings, 1);
	struct pb sa = tcp4(R1, 80, PUB, 40000, SYN | ACK, 7000, 90001, 0);
	o = pass(&sa, WAN, LAN);
	ck_addrs(&o, R1, A);
	/* half-open and forgotten: SYN_RECV ends after 240 s, the mapping with it */
	now += 241 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
}
END_TEST

START_TEST(tcp_rst_lifecycle)
{
	load(MASQ_EIF);
	struct pb o;
	handshake(40001, 1000, 5000);
	/* the server resets: A gets it */
	struct pb r = tcp4(R1, 80, PUB, 40001, RST | ACK, 5001, 1001, 0);
	o = pass(&r, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 40001);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_CLOSE);
	ck_assert_uint_eq(mc()->mappings, 1);
	now += 11 * 1000;
	ct_sweep(ct, now, 1u << 20);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(n.cnt.released, 1);
	/* the inside resets: out translated */
	handshake(40002, 3000, 8000);
	struct pb r2 = tcp4(A, 40002, R1, 80, RST, 3001, 0, 0);
	o = pass(&r2, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	ck_assert_uint_eq(sport(&o), 40002);
	ck_assert_int_eq(cp.e->proto_state, CT_TCP_CLOSE);
}
END_TEST

START_TEST(clash)
{
	load("nat { filtering endpoint-independent }\n"
	     "chain prerouting {\n"
	     "  iif wan tcp dport 8080 dnat to 10.0.0.20:80\n"
	     "  iif wan tcp dport 8081 dnat to 10.0.0.20:80\n"
	     "}\n"
	     "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n");
	struct pb s1 = tcp4(R1, 1234, PUB, 8080, SYN, 1, 0, 0), s2 = tcp4(R1, 1234, PUB, 8081, SYN, 1, 0, 0);
	pass(&s1, WAN, LAN);
	/* the same remote endpoint to the other forward: its reply would be the first's */
	ck_assert_int_eq(xmit(&s2, WAN, NULL), NAT_R_CLASH);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_CLASH], 1);
	ck_assert_uint_eq(ct_counters(ct)->nat_clash, 1);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(n.cnt.released, 0);
	/* another remote port is fine */
	struct pb s3 = tcp4(R1, 1235, PUB, 8081, SYN, 1, 0, 0);
	pass(&s3, WAN, LAN);
	/* A to its own mapping's outside endpoint: its reply key would be its own key */
	struct pb q = udp4(A, 5000, R1, 53);
	pass(&q, LAN, WAN);
	struct pb self = udp4(A, 5000, PUB, 5000);
	ck_assert_int_eq(xmit(&self, LAN, NULL), NAT_R_CLASH);
	ck_assert_uint_eq(map_out(NAT_UDP, PUB, 5000)->sessions, 1);   /* both sessions given back */
	ck_assert_uint_eq(ct_count(ct), 3);
	/* a new connection whose reply would be a translated one's: the table refuses it */
	struct pb rev = udp4(R1, 53, A, 5000);
	ck_assert_int_eq(xmit(&rev, WAN, NULL), NAT_R_CLASH);
	ck_assert_uint_eq(ct_count(ct), 3);
}
END_TEST

START_TEST(invalid_dropped)
{
	load(MASQ_EIF);
	struct pb o;
	/* SYN+FIN: invalid, never leaves untranslated */
	struct pb bad = tcp4(A, 40000, R1, 80, SYN | FIN, 1, 0, 0);
	ck_assert_int_eq(xmit(&bad, LAN, &o), NAT_R_INVALID);
	ck_addrs(&o, A, R1);
	ck_assert_uint_eq(ct_count(ct), 0);
	ck_assert_uint_eq(mc()->mappings, 0);
	/* out of the window, either way */
	handshake(40000, 1000, 5000);
	struct pb w = tcp4(A, 40000, R1, 80, PSH | ACK, 1000 + 0x40000000u, 5001, 10);
	ck_assert_int_eq(xmit(&w, LAN, &o), NAT_R_INVALID);
	ck_addrs(&o, A, R1);
	struct pb w2 = tcp4(R1, 80, PUB, 40000, PSH | ACK, 5000 + 0x40000000u, 1001, 10);
	ck_assert_int_eq(xmit(&w2, WAN, &o), NAT_OK);   /* not translated: for the router, read there */
	ck_assert_int_eq(cp.state, CT_S_INVALID);
	ck_assert_int_eq(last_oif, LOCAL);
	ck_addrs(&o, R1, PUB);
	/* a bad checksum: invalid */
	struct pb c = udp4(A, 5000, R1, 53);
	c.b[c.l4 + 6] ^= 0x55;
	ck_assert_int_eq(xmit(&c, LAN, NULL), NAT_R_INVALID);
	ck_assert_uint_eq(n.cnt.drops[NAT_R_INVALID], 3);
	ck_assert_uint_eq(ct_count(ct), 1);
}
END_TEST

START_TEST(ipv6_untouched)
{
	load(MASQ_EIF);
	struct pb f = udp6(), o;
	ck_assert_int_eq(xmit(&f, LAN, &o), NAT_OK);
	ck_assert_uint_eq(o.len, f.len);
	ck_assert_mem_eq(o.b, f.b, f.len);
	ck_assert_uint_eq(ct_count(ct), 1);
	ck_assert_uint_eq(mc()->mappings, 0);
	ck_assert_uint_eq(n.cnt.snat, 0);
	ck_assert(!nat_owns(&nc, WAN, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8 }));
}
END_TEST

/* A UDP datagram of 100 bytes of payload as two fragments (56 bytes of UDP then 52), the
 * whole datagram's checksum in the first. */
static void udp_frags(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, struct pb *f1, struct pb *f2)
{
	struct pb w;
	hdr4(&w, 17, src, dst);
	pb_udp(&w, sp, dp);
	pb_payload(&w, 100);
	pb_done(&w);
	*f1 = w;
	*f2 = w;
	uint8_t *ip = f1->b + f1->l3;
	f1->len = (uint16_t)(f1->l3 + 20 + 56);
	pkt_wr16(ip + 2, 20 + 56);
	pkt_wr16(ip + 6, 0x2000);
	pb_ip4_csum(ip, 20);
	ip = f2->b + f2->l3;
	memmove(ip + 20, ip + 20 + 56, 52);
	f2->len = (uint16_t)(f2->l3 + 20 + 52);
	f2->l4 = 0;
	pkt_wr16(ip + 2, 20 + 52);
	pkt_wr16(ip + 6, 56 / 8);
	pb_ip4_csum(ip, 20);
}

/* The UDP checksum of the datagram whose first fragment (translated) is f1 and later one f2. */
static bool frags_csum_ok(const struct pb *f1, const struct pb *f2)
{
	uint8_t seg[200];
	memcpy(seg, f1->b + f1->l3 + 20, 56);
	memcpy(seg + 56, f2->b + f2->l3 + 20, 52);
	return nv_fold(nv_sum(nv_pseudo(f1->b + f1->l3, 17, 108), seg, 108)) == 0xffff;
}

START_TEST(first_fragment)
{
	load(MASQ_EIF);
	struct pb f1, f2, o;
	udp_frags(A, 5000, R1, 53, &f1, &f2);
	ck_assert(frags_csum_ok(&f1, &f2));
	struct pb qb = udp4(B, 5000, R1, 53);
	pass(&qb, LAN, WAN);            /* 5000 is B's: A's datagram gets another port */
	o = pass(&f1, LAN, WAN);
	ck_addrs(&o, PUB, R1);
	uint16_t pa = sport(&o);
	ck_assert_uint_ne(pa, 5000);
	ck_assert(frags_csum_ok(&o, &f2));
	ck_assert_uint_eq(rd16(ipof(&o) + 6), 0x2000);
	/* the answer, fragmented too: its first piece translated back */
	udp_frags(R1, 53, PUB, pa, &f1, &f2);
	o = pass(&f1, WAN, LAN);
	ck_addrs(&o, R1, A);
	ck_assert_uint_eq(dport(&o), 5000);
	ck_assert(frags_csum_ok(&o, &f2));
}
END_TEST

static char fmt_lines[16][256];
static unsigned n_fmt;

static void on_fmt(void *arg, const char *line)
{
	(void)arg;
	if (n_fmt < 16)
		snprintf(fmt_lines[n_fmt], sizeof(fmt_lines[0]), "%s", line);
	n_fmt++;
}

START_TEST(counters_format)
{
	load(MASQ_ADF);
	struct pb q = udp4(A, 5000, R1, 53), in = udp4(R3, 53, PUB, 5000);
	pass(&q, LAN, WAN);
	ck_assert_int_eq(xmit(&in, WAN, NULL), NAT_R_FILTERED);
	n_fmt = 0;
	nat_counters_format(&n, on_fmt, NULL);
	ck_assert_uint_eq(n_fmt, 3);
	ck_assert_str_eq(fmt_lines[0], "nat: 1 mappings (1 made, 0 freed), connections: 1 snat, 0 dnat, 0 inbound, 0 "
				       "hairpinned, 0 released");
	ck_assert_str_eq(fmt_lines[1], "nat: packets translated 1 out, 0 in; 0 ICMP errors with their quote");
	ck_assert_ptr_nonnull(strstr(fmt_lines[2], "dropped nat_filtered"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nat_engine");
	TCase *tc = tcase_create("engine");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, masq_udp);
	tcase_add_test(tc, veto_clashing_port);
	tcase_add_test(tc, masq_tcp);
	tcase_add_test(tc, masq_icmp_echo);
	tcase_add_test(tc, eim_across_remotes);
	tcase_add_test(tc, port_collision_parity);
	tcase_add_test(tc, filter_eif);
	tcase_add_test(tc, filter_adf);
	tcase_add_test(tc, filter_apdf);
	tcase_add_test(tc, host_limit);
	tcase_add_test(tc, pool_exhausted);
	tcase_add_test(tc, hairpin_mapping);
	tcase_add_test(tc, hairpin_port_forward);
	tcase_add_test(tc, dnat_port_range);
	tcase_add_test(tc, accept_exempts);
	tcase_add_test(tc, icmp_errors_from_outside);
	tcase_add_test(tc, icmp_error_from_inside);
	tcase_add_test(tc, icmp_error_too_short);
	tcase_add_test(tc, icmp_errors_port_forward);
	tcase_add_test(tc, dnat_and_snat);
	tcase_add_test(tc, icmp_error_hairpin);
	tcase_add_test(tc, router_time_exceeded);
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, deterministic_layout_share);
	tcase_add_test(tc, expiry_releases);
	tcase_add_test(tc, remove_releases);
	tcase_add_test(tc, full_table_evicts);
	tcase_add_test(tc, full_table_evicts_joined);
	tcase_add_test(tc, tcp_fin_lifecycle);
	tcase_add_test(tc, tcp_rst_lifecycle);
	tcase_add_test(tc, clash);
	tcase_add_test(tc, invalid_dropped);
	tcase_add_test(tc, ipv6_untouched);
	tcase_add_test(tc, first_fragment);
	tcase_add_test(tc, counters_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
