/* Rejections written in place: the answers' checksums verified with the reference
 * arithmetic, and every packet that must never be answered left alone. */
#include "fw_reject.h"
#include "pkt_parse.h"
#include "pktbuild.h"
#include "check_run.h"

#include <check.h>
#include <string.h>

static struct pkt_pool *pool;

static void setup(void) { pool = pkt_pool_create("rej", PB_POOL_SIZE); }
static void teardown(void) { pkt_pool_destroy(pool); }

static struct pkt_buf *parsed(struct pb *f)
{
	pb_done(f);
	pb_pad(f, 60);
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	return p;
}

static struct pkt_buf *udp4(const uint8_t *dst, uint16_t frag)
{
	static struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 17, frag, NULL, 0);
	if (dst)
		memcpy(f.b + f.l3 + 16, dst, 4);
	if (frag & 0x1fff)
		pb_payload(&f, 16);
	else
		pb_udp(&f, 1000, 53);
	pb_payload(&f, 10);
	return parsed(&f);
}

/* The answer parses, and its IPv4 header and ICMP or TCP checksums verify. */
static void answer_ok(struct pkt_buf *p, uint8_t proto)
{
	struct pb f;
	memcpy(f.b, p->data, p->len);
	f.len = p->len;
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	ck_assert_uint_eq(p->meta.l4proto, proto);
	const uint8_t *ip = p->data + p->meta.l3_off;
	ck_assert_uint_eq(ref_fold(ref_sum(0, ip, 20)), 0xffff);
	f.l3 = p->meta.l3_off;
	f.l4 = p->meta.l4_off;
	f.ipv = 4;
	f.proto = proto;
	uint16_t l4len = (uint16_t)(p->meta.l3_end - p->meta.l4_off);
	if (proto == 1) {
		ck_assert_uint_eq(ref_fold(ref_sum(0, p->data + f.l4, l4len)), 0xffff);
	} else {
		uint16_t got = pkt_rd16(p->data + f.l4 + 16);
		f.len = p->meta.l3_end;
		ck_assert_uint_eq(ref_l4_csum(&f), got);
	}
}

START_TEST(answers_verify)
{
	struct pkt_buf *p = udp4(NULL, 0);
	uint16_t quoted = (uint16_t)(p->meta.l3_end - p->meta.l3_off);
	p->ol_flags = PKT_OL_IP4_CSUM_GOOD | PKT_OL_L4_CSUM_GOOD;   /* the device's, for the query */
	ck_assert(fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	ck_assert_uint_eq(p->ol_flags, 0);     /* they do not hold for the answer */
	answer_ok(p, 1);
	ck_assert_uint_eq(p->data[p->meta.l4_off], 3);
	ck_assert_uint_eq(p->data[p->meta.l4_off + 1], 3);
	ck_assert_uint_eq(p->meta.l3_end - p->meta.l4_off, 8 + quoted);
	pkt_free(p);

	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 6, 0, NULL, 0);
	pb_tcp(&f, 40000, 80, NULL, 0);
	f.b[f.l4 + 13] = 0x02;   /* SYN */
	p = parsed(&f);
	p->ol_flags = PKT_OL_IP4_CSUM_GOOD | PKT_OL_L4_CSUM_GOOD;
	ck_assert(fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	ck_assert_uint_eq(p->ol_flags, 0);
	answer_ok(p, 6);
	ck_assert_uint_eq(p->data[p->meta.l4_off + 13], 0x14);   /* RST, ACK */
	ck_assert_uint_eq(pkt_rd32(p->data + p->meta.l4_off + 8), 2);  /* the SYN's seq 1, plus one */
	pkt_free(p);
}
END_TEST

START_TEST(never_answered)
{
	static const uint8_t mcast[4] = { 224, 0, 0, 9 }, bcast[4] = { 255, 255, 255, 255 };
	struct pkt_buf *p = udp4(mcast, 0);
	ck_assert(!fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	pkt_free(p);
	p = udp4(bcast, 0);
	ck_assert(!fw_reject_build(p, FW_REJECT_ICMP, 3, NULL));
	pkt_free(p);
	p = udp4(NULL, 0x0004);   /* a non-first fragment */
	ck_assert(!fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	pkt_free(p);
	p = udp4(NULL, 0);
	p->data[0] = 0x01;        /* sent to a multicast MAC */
	ck_assert(!fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	pkt_free(p);

	struct pb f;
	pb_init(&f);                /* a reset is never answered */
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 6, 0, NULL, 0);
	pb_tcp(&f, 1, 2, NULL, 0);
	f.b[f.l4 + 13] = 0x04;
	p = parsed(&f);
	ck_assert(!fw_reject_build(p, FW_REJECT_TCP_RESET, 0, NULL));
	pkt_free(p);
	pb_init(&f);                /* nor an ICMP error, nor an ICMPv6 one */
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 1, 0, NULL, 0);
	pb_icmp(&f, 1, 11, 0, 0);
	p = parsed(&f);
	ck_assert(!fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	pkt_free(p);
	pb_init(&f);
	pb_eth0(&f, 0x86dd);
	pb_ip6(&f, 58);
	pb_icmp(&f, 58, 1, 4, 0);
	p = parsed(&f);
	ck_assert(!fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	pkt_free(p);
	/* but an ICMP echo is answered */
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 1, 0, NULL, 0);
	pb_icmp(&f, 1, 8, 0, 7);
	p = parsed(&f);
	ck_assert(fw_reject_build(p, FW_REJECT_AUTO, 0, NULL));
	pkt_free(p);
	ck_assert_uint_eq(pool->avail, pool->size);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_reject");
	TCase *tc = tcase_create("reject");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, answers_verify);
	tcase_add_test(tc, never_answered);
	suite_add_tcase(s, tc);
	return check_run(s);
}
