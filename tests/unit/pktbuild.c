/* Frame builders and reference checksums for the unit tests (independent of pkt_csum). */
#include "pktbuild.h"

#include <stdlib.h>
#include <string.h>

const uint8_t pb_ip4_src[4] = { 192, 0, 2, 1 };
const uint8_t pb_ip4_dst[4] = { 198, 51, 100, 2 };
const uint8_t pb_ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
const uint8_t pb_ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef, 0, 2 };

static void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

void pb_init(struct pb *f) { memset(f, 0, sizeof(*f)); }

uint8_t *pb_put(struct pb *f, const void *src, size_t n)
{
	ck_assert_uint_le(f->len + n, PB_MAX);
	uint8_t *at = f->b + f->len;
	if (src)
		memcpy(at, src, n);
	else
		memset(at, 0, n);
	f->len = (uint16_t)(f->len + n);
	return at;
}

void pb_payload(struct pb *f, size_t n)
{
	uint8_t *p = pb_put(f, NULL, n);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(0xa5 ^ (i * 7));
}

void pb_pad(struct pb *f, uint16_t min_len)
{
	if (f->len < min_len)
		pb_put(f, NULL, min_len - f->len);
}

void pb_eth(struct pb *f, unsigned n_tags, const uint16_t *tpid, const uint16_t *tci, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	pb_put(f, macs, 12);
	for (unsigned i = 0; i < n_tags; i++) {
		uint8_t *t = pb_put(f, NULL, 4);
		wr16(t, tpid[i]);
		wr16(t + 2, tci[i]);
	}
	wr16(pb_put(f, NULL, 2), type);
}

void pb_ip4(struct pb *f, uint8_t proto, uint16_t frag, const uint8_t *opts, uint8_t optlen)
{
	ck_assert_uint_eq(optlen % 4, 0);
	f->l3 = f->len;
	f->ipv = 4;
	uint8_t *ip = pb_put(f, NULL, 20);
	ip[0] = (uint8_t)(0x40 | (5 + optlen / 4));
	wr16(ip + 4, 0x1234);  /* identification */
	wr16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, pb_ip4_src, 4);
	memcpy(ip + 16, pb_ip4_dst, 4);
	if (optlen)
		pb_put(f, opts, optlen);
}

void pb_ip6(struct pb *f, uint8_t nh)
{
	f->l3 = f->len;
	f->ipv = 6;
	uint8_t *ip = pb_put(f, NULL, 40);
	ip[0] = 0x60;
	ip[2] = 0x12;  /* flow label */
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, pb_ip6_src, 16);
	memcpy(ip + 24, pb_ip6_dst, 16);
}

void pb_ip6_ext(struct pb *f, uint8_t nh, uint8_t len_field, uint16_t bytes)
{
	uint8_t *h = pb_put(f, NULL, bytes);  /* zero bytes are Pad1 options */
	h[0] = nh;
	h[1] = len_field;
}

void pb_ip6_frag(struct pb *f, uint8_t nh, uint16_t off8, int more)
{
	uint8_t *h = pb_put(f, NULL, 8);
	h[0] = nh;
	wr16(h + 2, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	h[4] = 0xca;  /* identification */
	h[7] = 0xfe;
}

void pb_tcp(struct pb *f, uint16_t sport, uint16_t dport, const uint8_t *opts, uint8_t optlen)
{
	ck_assert_uint_eq(optlen % 4, 0);
	f->l4 = f->len;
	f->proto = 6;
	uint8_t *t = pb_put(f, NULL, 20);
	wr16(t, sport);
	wr16(t + 2, dport);
	t[7] = 1;  /* sequence number */
	t[12] = (uint8_t)((5 + optlen / 4) << 4);
	t[13] = 0x18;  /* PSH|ACK */
	wr16(t + 14, 0xffff);
	if (optlen)
		pb_put(f, opts, optlen);
}

void pb_udp(struct pb *f, uint16_t sport, uint16_t dport)
{
	f->l4 = f->len;
	f->proto = 17;
	uint8_t *u = pb_put(f, NULL, 8);
	wr16(u, sport);
	wr16(u + 2, dport);
}

void pb_icmp(struct pb *f, uint8_t proto, uint8_t type, uint8_t code, uint16_t id)
{
	f->l4 = f->len;
	f->proto = proto;
	uint8_t *m = pb_put(f, NULL, 8);
	m[0] = type;
	m[1] = code;
	wr16(m + 4, id);
	m[7] = 1;
}

void pb_arp(struct pb *f, uint16_t op)
{
	f->l3 = f->len;
	f->ipv = 0;
	uint8_t *a = pb_put(f, NULL, 28);
	wr16(a, 1);        /* Ethernet */
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, (const uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6);
	memcpy(a + 14, pb_ip4_src, 4);
	memcpy(a + 24, pb_ip4_dst, 4);
}

uint32_t ref_sum(uint32_t sum, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 2) {
		uint32_t word = (uint32_t)b[i] << 8;
		if (i + 1 < len)
			word |= b[i + 1];
		sum += word;
		if (sum < word)  /* carry out of 32 bits: end-around */
			sum++;
	}
	return sum;
}

uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t csum_off(uint8_t proto)
{
	switch (proto) {
	case 6: return 16;
	case 17: return 6;
	default: return 2;  /* ICMP, ICMPv6 */
	}
}

uint16_t ref_l4_csum(const struct pb *f)
{
	uint16_t len = (uint16_t)(f->len - f->l4);
	uint8_t seg[PB_MAX];
	memcpy(seg, f->b + f->l4, len);
	memset(seg + csum_off(f->proto), 0, 2);
	uint32_t sum = 0;
	const uint8_t *ip = f->b + f->l3;
	if (f->ipv == 4 && f->proto != 1) {
		uint8_t ph[12] = { 0 };
		memcpy(ph, ip + 12, 8);
		ph[9] = f->proto;
		wr16(ph + 10, len);
		sum = ref_sum(0, ph, sizeof(ph));
	} else if (f->ipv == 6) {
		uint8_t ph[40] = { 0 };
		memcpy(ph, ip + 8, 32);
		wr16(ph + 34, len);
		ph[39] = f->proto;
		sum = ref_sum(0, ph, sizeof(ph));
	}
	uint16_t c = ref_csum(ref_sum(sum, seg, len));
	return (f->proto == 17 && c == 0) ? 0xffff : c;
}

void pb_done(struct pb *f)
{
	uint8_t *ip = f->b + f->l3;
	if (f->ipv == 4)
		wr16(ip + 2, (uint16_t)(f->len - f->l3));
	else if (f->ipv == 6)
		wr16(ip + 4, (uint16_t)(f->len - f->l3 - 40));
	if (f->l4) {
		uint8_t *l4 = f->b + f->l4;
		if (f->proto == 17)
			wr16(l4 + 4, (uint16_t)(f->len - f->l4));
		wr16(l4 + csum_off(f->proto), ref_l4_csum(f));
	}
	if (f->ipv == 4)
		pb_ip4_csum(ip, (size_t)(f->len - f->l3));
}

void pb_ip4_csum(uint8_t *ip, size_t avail)
{
	size_t hlen = (size_t)(ip[0] & 0xf) * 4;
	if (avail < 20 || hlen < 20 || hlen > avail)
		return;
	wr16(ip + 10, 0);
	wr16(ip + 10, ref_csum(ref_sum(0, ip, hlen)));
}

struct pkt_buf *pb_to_pkt(struct pkt_pool *pool, const uint8_t *frame, uint16_t len)
{
	struct pkt_buf *p = pkt_alloc(pool);
	ck_assert_ptr_nonnull(p);
	uint8_t *d = pkt_append(p, len);
	ck_assert_ptr_nonnull(d);
	memcpy(d, frame, len);
	return p;
}

