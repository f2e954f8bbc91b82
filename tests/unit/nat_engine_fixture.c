/* nat_engine_fixture.c - unit-nat-engine's fixture (nat_engine_fixture.h): the checks by
 * the naive RFC 1071 sums every packet let through gets (nv_csum.h: big-endian words in a
 * plain loop, its own pseudo-header; never pkt_csum.h), the frames, and the engine as the
 * nat appliance wires it. */
#include "nat_engine_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint8_t A[4] = { 10, 0, 0, 10 }, B[4] = { 10, 0, 0, 20 }, C[4] = { 10, 0, 0, 30 };
const uint8_t R1[4] = { 198, 51, 100, 7 }, R2[4] = { 198, 51, 100, 8 }, R3[4] = { 203, 0, 113, 9 };
const uint8_t HOP[4] = { 203, 0, 113, 1 };      /* a router on the way */
const uint8_t PUB[4] = { 192, 0, 2, 2 };        /* the wan's address */
const uint8_t LANIP[4] = { 10, 0, 0, 1 };

static const char BASE[] = "interface lan { address 10.0.0.1/24 }\n"
			   "interface wan { address 192.0.2.2/24 }\n";

struct pkt_pool *pool;
struct cf_config cf;
struct nat_config nc;
struct ct_table *ct;
struct nat n;
static bool loaded;
uint64_t now;
struct ct_pkt cp;        /* the last packet's */
struct nat_note note;
int last_oif;

/* ---- the naive reference (RFC 1071) ---- */

/* The checksums of the IPv4 datagram at ip (avail bytes there): its header's, and its
 * transport's when the datagram is whole (not a fragment); an ICMP error's quote too. */
static void nv_check_ip4(const uint8_t *ip, size_t avail, const char *what)
{
	CHECK(avail >= 20 && ip[0] >> 4 == 4, "%s: an IPv4 header", what);
	unsigned hl = (ip[0] & 15u) * 4u, tot = nv_rd16(ip + 2);
	CHECK(hl >= 20 && tot >= hl && tot <= avail, "%s: lengths (%u, %u, %zu)", what, hl, tot, avail);
	CHECK(nv_fold(nv_sum(0, ip, hl)) == 0xffff, "%s: IPv4 header checksum", what);
	if (nv_rd16(ip + 6) & 0x3fff)
		return;                 /* a fragment: its datagram's checksum is checked whole elsewhere */
	const uint8_t *l4 = ip + hl;
	uint16_t len = (uint16_t)(tot - hl);
	switch (ip[9]) {
	case 6:
		CHECK(len >= 20 && nv_fold(nv_sum(nv_pseudo(ip, 6, len), l4, len)) == 0xffff, "%s: TCP checksum", what);
		break;
	case 17:
		CHECK(len >= 8, "%s: UDP length", what);
		CHECK(nv_rd16(l4 + 6) == 0 || nv_fold(nv_sum(nv_pseudo(ip, 17, len), l4, len)) == 0xffff,
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

void hdr4(struct pb *f, uint8_t proto, const uint8_t *src, const uint8_t *dst)
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

struct pb udp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp)
{
	struct pb f;
	hdr4(&f, 17, src, dst);
	pb_udp(&f, sp, dp);
	pb_payload(&f, 20);
	fin(&f);
	return f;
}

struct pb tcp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, uint8_t flags, uint32_t seq,
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
struct pb icmp4(const uint8_t *src, const uint8_t *dst, uint8_t type, uint16_t id)
{
	struct pb f;
	hdr4(&f, 1, src, dst);
	pb_icmp(&f, 1, type, 0, id);
	pb_payload(&f, 24);
	fin(&f);
	return f;
}

/* An ICMP error quoting the first qlen bytes (0: all) of the IPv4 datagram in q. */
struct pb err4(const uint8_t *src, const uint8_t *dst, uint8_t type, uint8_t code, const struct pb *q,
	       unsigned qlen)
{
	struct pb f;
	hdr4(&f, 1, src, dst);
	pb_icmp(&f, 1, type, code, 0);
	f.b[f.l4 + 7] = 0;
	const uint8_t *qip = q->b + q->l3;
	unsigned tot = nv_rd16(qip + 2);
	pb_put(&f, qip, qlen ? qlen : tot);
	fin(&f);
	return f;
}

struct pb udp6(void)
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
const uint8_t *ipof(const struct pb *f) { return f->b + f->l3; }
const uint8_t *l4of(const struct pb *f) { return f->b + f->l3 + (f->b[f->l3] & 15u) * 4u; }
uint16_t sport(const struct pb *f) { return nv_rd16(l4of(f)); }
uint16_t dport(const struct pb *f) { return nv_rd16(l4of(f) + 2); }
uint16_t icmp_id(const struct pb *f) { return nv_rd16(l4of(f) + 4); }
/* The quote of an ICMP error in f, as a frame of its own (l3 at the quote). */
struct pb quote_of(const struct pb *f)
{
	struct pb q = *f;
	q.l3 = (uint16_t)(l4of(f) - f->b + 8);
	return q;
}

uint32_t be32(const uint8_t *a) { return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3]; }

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

char log_lines[8][160];
unsigned n_log;

static void on_log(void *arg, const char *line)
{
	(void)arg;
	if (n_log < 8)
		snprintf(log_lines[n_log], sizeof(log_lines[0]), "%s", line);
	n_log++;
}

/* Whether text (after BASE) is refused by the parser. */
bool load_fails(const char *text)
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

/* The config BASE + text, a table of ct_max entries. */
void load_ct(const char *text, uint32_t ct_max)
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

void load(const char *text) { load_ct(text, 1024); }

void setup(void)
{
	pool = pkt_pool_create("natengine", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	now = 1000000;
	loaded = false;
}

void teardown(void)
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
void snap(const struct pkt_buf *p, struct pb *out)
{
	pb_init(out);
	memcpy(out->b, p->data, p->len);
	out->len = p->len;
	out->l3 = p->meta.l3_off;
}

void verify(const struct pkt_buf *p, const char *what)
{
	if (p->meta.l3 == PKT_L3_IPV4)
		nv_check_ip4(p->data + p->meta.l3_off, (size_t)(p->len - p->meta.l3_off), what);
}

/* f arriving on iif: tracked, prerouting, routed, then postrouting (forwarded) or the input
 * hook's commit (for us). The packet as it leaves in *out (may be NULL); the engine's
 * verdict. A packet let through has its checksums verified. */
enum nat_reason xmit(const struct pb *f, int iif, struct pb *out)
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
struct pb pass(const struct pb *f, int iif, int oif)
{
	struct pb o;
	enum nat_reason r = xmit(f, iif, &o);
	ck_assert_msg(r == NAT_OK, "dropped: %s", nat_reason_names[r]);
	ck_assert_int_eq(last_oif, oif);
	return o;
}

const struct nat_map_counters *mc(void) { return nat_map_counters(n.map); }

const struct nat_mapping *map_out(uint8_t proto, const uint8_t *addr, uint16_t port)
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
struct ct_entry *first_entry(void)
{
	const struct ct_entry *e = NULL;
	ct_foreach(ct, grab, &e);
	return (struct ct_entry *)(uintptr_t)e;
}

const char MASQ_EIF[] = "nat { filtering endpoint-independent }\n"
			       "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n";
const char MASQ_ADF[] = "nat { filtering address-dependent }\n"
			       "chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n";
const char MASQ_APDF[] = "nat { filtering address-and-port-dependent }\n"
				"chain postrouting { oif wan ip saddr 10.0.0.0/24 masquerade }\n";
