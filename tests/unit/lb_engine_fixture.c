/* lb_engine_fixture.c - unit-lb-engine's fixture (lb_engine_fixture.h): services by hand,
 * the engine over a real connection table, frames, and the naive checksum checks. */
#include "lb_engine_fixture.h"

#include <stdio.h>
#include <string.h>

const uint8_t CLI[4] = { 192, 0, 2, 10 }, CLI2[4] = { 192, 0, 2, 11 };
const uint8_t VIP[4] = { 10, 0, 0, 100 }, VIP2[4] = { 10, 0, 0, 101 };
const uint8_t BE1[4] = { 10, 1, 0, 11 }, BE2[4] = { 10, 1, 0, 12 }, BE3[4] = { 10, 1, 0, 13 };
const uint8_t BE4[4] = { 10, 1, 0, 14 }, BE5[4] = { 10, 1, 0, 15 };
const uint8_t SELF[4] = { 10, 1, 0, 1 };        /* the appliance toward the backends */
const uint8_t SNAT[4] = { 10, 1, 0, 2 };        /* a fixed snat address */
const uint8_t CLI6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
const uint8_t VIP6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x64 };
const uint8_t BE6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 };
const uint8_t SELF6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };

struct pkt_pool *pool;
struct ct_table *ct;
struct lb eng;

static struct ct_table *new_ct(uint32_t max)
{
	struct ct_config cc;
	ct_config_default(&cc);
	cc.max_entries = max;
	cc.nat = true;
	cc.vlan_zones = false;
	struct ct_table *t = ct_table_create(&cc);
	ck_assert_ptr_nonnull(t);
	return t;
}

void fx_setup(void)
{
	pool = pkt_pool_create("lbengine", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	ct = new_ct(1024);
	ck_assert_int_eq(lb_init(&eng, ct, FX_FLOWS, FX_REASON_BASE), 0);
}

void fx_teardown(void)
{
	lb_fini(&eng);
	ct_table_destroy(ct);
	ck_assert_uint_eq(pool->avail, pool->size);     /* every packet came back */
	pkt_pool_destroy(pool);
}

void fx_ct(uint32_t max)
{
	lb_fini(&eng);
	ct_table_destroy(ct);
	ct = new_ct(max);
	ck_assert_int_eq(lb_init(&eng, ct, FX_FLOWS, FX_REASON_BASE), 0);
}

/* ---- services ---- */

void fx_svc(struct fx_svc *s, const char *name, uint8_t family, const uint8_t *vip, uint8_t proto, uint16_t port,
	    enum lbc_mode mode, uint16_t id)
{
	memset(s, 0, sizeof(*s));
	struct lbc_service *c = &s->cfg;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->family = family;
	memcpy(c->vip, vip, family == 6 ? 16 : 4);
	c->proto = proto;
	c->port = port;
	c->mode = mode;
	c->encap = LBC_ENCAP_NONE;
	c->gue_port = LBC_GUE_PORT_DEFAULT;
	c->table_size = LBM_SIZE_DEFAULT;
	s->id = id;
	s->flow_timeout_s = 300;
}

struct lb_backend *fx_be(struct fx_svc *s, const char *name, uint8_t family, const uint8_t *addr, uint16_t port,
			 uint16_t id, uint32_t weight)
{
	unsigned i = s->cfg.n_backend++;
	ck_assert_uint_lt(i, FX_MAX_BE);
	struct lbc_backend *c = &s->bcfg[i];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->family = family;
	memcpy(c->addr, addr, family == 6 ? 16 : 4);
	c->port = port;
	c->weight = weight;
	struct lb_backend *b = &s->be[i];
	memset(b, 0, sizeof(*b));
	memcpy(b->addr, addr, family == 6 ? 16 : 4);
	memcpy(b->src, family == 6 ? SELF6 : SELF, family == 6 ? 16 : 4);
	b->family = family;
	b->state = LB_BE_UP;
	b->port = port ? port : s->cfg.port;
	b->id = id;
	b->weight = weight;
	return b;
}

void fx_be_del(struct fx_svc *s, unsigned i)
{
	ck_assert_uint_lt(i, s->cfg.n_backend);
	unsigned n = --s->cfg.n_backend;
	memmove(&s->bcfg[i], &s->bcfg[i + 1], (n - i) * sizeof(s->bcfg[0]));
	memmove(&s->be[i], &s->be[i + 1], (n - i) * sizeof(s->be[0]));
}

struct lb_set *fx_build(struct fx_svc *const *v, unsigned n)
{
	struct lb_set_input in[LBC_MAX_SERVICES];
	ck_assert_uint_le(n, LBC_MAX_SERVICES);
	for (unsigned i = 0; i < n; i++) {
		v[i]->cfg.backend = v[i]->bcfg;
		in[i] = (struct lb_set_input){ .cfg = &v[i]->cfg, .id = v[i]->id, .be = v[i]->be,
					       .flow_timeout_s = v[i]->flow_timeout_s };
	}
	char err[160] = "";
	struct lb_set *s = lb_set_build(in, n, err, sizeof(err));
	ck_assert_msg(s != NULL, "lb_set_build: %s", err);
	return s;
}

/* ---- frames ---- */

struct pb fx_frame(const struct fx_pkt *d)
{
	static const uint16_t tpid1[1] = { 0x8100 }, tpid2[2] = { 0x88a8, 0x8100 };
	struct pb f;
	pb_init(&f);
	pb_eth(&f, d->n_tags, d->n_tags == 2 ? tpid2 : tpid1, d->tci, d->family == 6 ? 0x86dd : 0x0800);
	if (d->family == 6) {
		pb_ip6(&f, d->proto);
		uint8_t *ip = f.b + f.l3;
		memcpy(ip + 8, d->src, 16);
		memcpy(ip + 24, d->dst, 16);
		ip[0] = (uint8_t)(0x60 | d->tos >> 4);
		ip[1] = (uint8_t)(d->tos << 4 | (ip[1] & 0x0f));
	} else {
		pb_ip4(&f, d->proto, 0, NULL, 0);
		uint8_t *ip = f.b + f.l3;
		memcpy(ip + 12, d->src, 4);
		memcpy(ip + 16, d->dst, 4);
		ip[1] = d->tos;
	}
	if (d->proto == 6) {
		pb_tcp(&f, d->sport, d->dport, NULL, 0);
		uint8_t *th = f.b + f.l4;
		pkt_wr32(th + 4, d->seq);
		pkt_wr32(th + 8, d->ack);
		th[13] = d->flags;
	} else {
		pb_udp(&f, d->sport, d->dport);
	}
	if (d->payload)
		pb_payload(&f, d->payload);
	pb_done(&f);
	pb_pad(&f, 60);
	return f;
}

struct pb fx_tcp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, uint8_t flags, uint32_t seq,
		  uint32_t ack, unsigned payload)
{
	struct fx_pkt d = { .family = 4, .proto = 6, .src = src, .dst = dst, .sport = sp, .dport = dp,
			    .flags = flags, .seq = seq, .ack = ack, .payload = payload };
	return fx_frame(&d);
}

struct pb fx_udp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, unsigned payload)
{
	struct fx_pkt d = { .family = 4, .proto = 17, .src = src, .dst = dst, .sport = sp, .dport = dp,
			    .payload = payload };
	return fx_frame(&d);
}

struct pkt_buf *fx_pkt(const struct pb *f)
{
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	enum pkt_parse_result r = pkt_parse(p);
	ck_assert_msg(r == PKT_PARSE_OK, "parse: %s", pkt_parse_reason_names[r]);
	return p;
}

/* ---- the naive checks ---- */

uint32_t fx_pseudo6(const uint8_t *ip6, uint8_t proto, uint32_t len)
{
	uint8_t ph[40] = { 0 };
	memcpy(ph, ip6 + 8, 32);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = proto;
	return nv_sum(0, ph, sizeof(ph));
}

/* The transport (or tunnel) after the IP header: l4 of len bytes, its pseudo-header sum. */
static void check_l4(uint8_t proto, bool v6, const uint8_t *l4, size_t len, uint32_t pseudo, const char *what)
{
	char inner[96];
	switch (proto) {
	case 6:
		CHECK(len >= 20 && nv_fold(nv_sum(pseudo, l4, len)) == 0xffff, "%s: TCP checksum", what);
		break;
	case 17:
		CHECK(len >= 8 && nv_rd16(l4 + 4) == len, "%s: UDP length %u of %zu", what, len >= 8 ? nv_rd16(l4 + 4) : 0,
		      len);
		if (v6)
			CHECK(nv_rd16(l4 + 6) != 0, "%s: a UDP checksum over IPv6", what);
		CHECK(nv_rd16(l4 + 6) == 0 || nv_fold(nv_sum(pseudo, l4, len)) == 0xffff, "%s: UDP checksum", what);
		break;
	case 4:
	case 41:
		snprintf(inner, sizeof(inner), "%s (inner)", what);
		fx_check_ip(l4, len, inner);
		break;
	default:
		break;
	}
}

void fx_check_ip(const uint8_t *ip, size_t avail, const char *what)
{
	if (avail >= 40 && ip[0] >> 4 == 6) {
		uint16_t pl = nv_rd16(ip + 4);
		CHECK(40u + pl <= avail, "%s: IPv6 payload length %u of %zu", what, pl, avail);
		check_l4(ip[6], true, ip + 40, pl, fx_pseudo6(ip, ip[6], pl), what);
		return;
	}
	CHECK(avail >= 20 && ip[0] >> 4 == 4, "%s: an IPv4 header", what);
	unsigned hl = (ip[0] & 15u) * 4u, tot = nv_rd16(ip + 2);
	CHECK(hl >= 20 && tot >= hl && tot <= avail, "%s: lengths (%u, %u, %zu)", what, hl, tot, avail);
	CHECK(nv_fold(nv_sum(0, ip, hl)) == 0xffff, "%s: IPv4 header checksum", what);
	if (nv_rd16(ip + 6) & 0x3fff)
		return;
	check_l4(ip[9], false, ip + hl, tot - hl, nv_pseudo(ip, ip[9], (uint16_t)(tot - hl)), what);
}

void fx_check(const struct pkt_buf *p, const char *what)
{
	fx_check_ip(p->data + p->meta.l3_off, (size_t)(p->len - p->meta.l3_off), what);
}
