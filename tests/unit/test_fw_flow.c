/* Per-flow decisions (fw_decide_flow) against the classifier's own (fw_decide): random
 * rulesets with limits, counters and logs, and random flows whose packets vary in every
 * field a flow's packets may differ in (TCP flags, ICMP type and code, length, VLAN,
 * ct state, and now and then the interfaces). The same packets go through two copies of
 * each ruleset, one decided packet by packet, one through the memo words of a connection;
 * every decision, then every counter, token bucket and log line must agree. Halfway, a
 * reload swaps both to another ruleset while the connections keep their words.
 * FW_FLOW_SEED=N reruns one seed; a failure prints the seed, the ruleset and the packet. */
#include "fw.h"
#include "check_run.h"
#include "fw_gen.h"
#include "pkt_parse.h"
#include "pktbuild.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOWS 24

static struct pkt_pool *pool;

struct flow {
	struct fw_pkt base;         /* addresses, protocol, ports */
	int iif, oif;
	unsigned dir;
	uint8_t ct_state;           /* new for a while, then established, now and then back */
};

/* A flow: an IP packet with its transport header, as fw_gen draws them. */
static void gen_flow(struct flow *fl)
{
	do
		fw_gen_pkt(&fl->base);
	while (!fl->base.family || !fl->base.has_l4proto);
	fl->iif = (int)fw_gen_pick(2);
	fl->oif = fw_gen_pick(4) ? fl->iif ^ 1 : -1;
	fl->dir = fw_gen_pick(2);
	fl->ct_state = FW_CT_NEW;
}

/* One packet of fl, built as a frame and parsed; its fields in fp. NULL when the
 * parser refuses it (it then reaches no rule). */
static struct pkt_buf *gen_packet(struct flow *fl, int *iif, int *oif, uint8_t *ct_state)
{
	const struct fw_pkt *b = &fl->base;
	struct pb f;
	pb_init(&f);
	uint16_t type = b->family == 4 ? 0x0800 : 0x86dd;
	if (!fw_gen_pick(4)) {
		uint16_t tpid = 0x8100, tci = (uint16_t)fw_gen_pick(8);
		pb_eth(&f, 1, &tpid, &tci, type);
	} else {
		pb_eth0(&f, type);
	}
	if (b->family == 4) {
		pb_ip4(&f, b->l4proto, 0, NULL, 0);
		memcpy(f.b + f.l3 + 12, b->saddr, 4);
		memcpy(f.b + f.l3 + 16, b->daddr, 4);
	} else {
		pb_ip6(&f, b->l4proto);
		memcpy(f.b + f.l3 + 8, b->saddr, 16);
		memcpy(f.b + f.l3 + 24, b->daddr, 16);
	}
	if (b->l4proto == 6) {
		pb_tcp(&f, b->sport, b->dport, NULL, 0);
		f.b[f.l4 + 13] = (uint8_t)fw_gen_rnd();
	} else if (b->l4proto == 17) {
		pb_udp(&f, b->sport, b->dport);
	} else if (b->l4proto == 1 || b->l4proto == 58) {
		static const uint8_t types[] = { 0, 3, 8, 11, 128, 129, 135 };
		pb_icmp(&f, b->l4proto, types[fw_gen_pick(7)], (uint8_t)fw_gen_pick(4), 7);
	}
	pb_payload(&f, fw_gen_pick(3) ? fw_gen_pick(40) : 100 + fw_gen_pick(1300));
	pb_done(&f);
	pb_pad(&f, 60);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	if (pkt_parse(p) != PKT_PARSE_OK) {
		pkt_free(p);
		return NULL;
	}
	*iif = fl->iif;
	*oif = fl->oif;
	if (!fw_gen_pick(20))
		*iif = (int)fw_gen_pick(3) - 1;
	if (!fw_gen_pick(20))
		*oif = (int)fw_gen_pick(3) - 1;
	if (!fw_gen_pick(8))
		fl->ct_state ^= FW_CT_NEW | FW_CT_ESTABLISHED;
	*ct_state = fl->ct_state;
	return p;
}

static struct fw_ruleset *load(const struct text *t, uint64_t seed)
{
	struct cf_err err = { "" };
	struct fw_ruleset *rs = fw_ruleset_load("rand.conf", t->s, t->n, &err);
	if (!rs)
		ck_abort_msg("seed %llu: generated ruleset refused: %s\n%s", (unsigned long long)seed, err.msg, t->s);
	return rs;
}

static void same_state(const struct fw_ruleset *a, const struct fw_ruleset *b, const struct text *t, uint64_t seed)
{
	const struct fw_chain *ch = &a->cfg.chain[FW_HOOK_FORWARD];
	for (unsigned r = 0; r < ch->n_rules; r++) {
		const struct fw_rule_state *x = &a->state[FW_HOOK_FORWARD][r], *y = &b->state[FW_HOOK_FORWARD][r];
		CHECK(x->pkts == y->pkts && x->bytes == y->bytes && x->limited == y->limited &&
			      x->limit.credit_ns == y->limit.credit_ns,
		      "seed %llu: rule %u (line %u): counters %llu/%llu, limited %llu/%llu differ\n%s",
		      (unsigned long long)seed, r, ch->rules[r].line, (unsigned long long)x->pkts,
		      (unsigned long long)y->pkts, (unsigned long long)x->limited, (unsigned long long)y->limited, t->s);
	}
	CHECK(a->policy_pkts[FW_HOOK_FORWARD] == b->policy_pkts[FW_HOOK_FORWARD], "seed %llu: policy counts differ\n%s",
	      (unsigned long long)seed, t->s);
}

/* p's fields as a line, leaving out those the packet does not have (fw_pkt_fill leaves
 * them unset). */
static void fields(const struct fw_pkt *p, char *out, size_t n)
{
	struct fw_pkt c = *p;
	if (!c.has_ports)
		c.sport = c.dport = c.tcp_flags = 0;
	if (!c.has_icmp)
		c.icmp_type = c.icmp_code = 0;
	unsigned alen = c.family == 4 ? 4 : c.family == 6 ? 16 : 0;
	memset(c.saddr + alen, 0, 16 - alen);
	memset(c.daddr + alen, 0, 16 - alen);
	fw_gen_describe(&c, out, n);
}

static void same_log(const struct fw_log *a, const struct fw_log *b, uint64_t seed)
{
	CHECK(a->logged == b->logged && a->suppressed == b->suppressed && a->head == b->head,
	      "seed %llu: logs differ: %llu/%llu logged, %llu/%llu suppressed", (unsigned long long)seed,
	      (unsigned long long)a->logged, (unsigned long long)b->logged, (unsigned long long)a->suppressed,
	      (unsigned long long)b->suppressed);
	for (uint32_t i = a->tail; i != a->head; i++) {
		const struct fw_log_entry *x = &a->ring[i % FW_LOG_RING], *y = &b->ring[i % FW_LOG_RING];
		char dx[400], dy[400];
		fields(&x->fp, dx, sizeof(dx));
		fields(&y->fp, dy, sizeof(dy));
		CHECK(x->rule == y->rule && x->len == y->len && !strcmp(dx, dy),
		      "seed %llu: log line %u differs: rule %d/%d\n%s\n%s", (unsigned long long)seed, i, x->rule, y->rule,
		      dx, dy);
	}
}

static struct fw_flow_stats stats;

/* One seed: two rulesets in turn (a reload halfway), FLOWS connections, n packets. */
static void compare_one(uint64_t seed, unsigned n_rules, unsigned n_pkts)
{
	fw_gen_rng = seed;
	struct text t[2] = { {0}, {0} };
	fw_gen_ruleset(&t[0], n_rules, true);
	fw_gen_ruleset(&t[1], n_rules, true);
	struct flow flows[FLOWS];
	static struct ct_entry conn[FLOWS];
	memset(conn, 0, sizeof(conn));
	for (unsigned i = 0; i < FLOWS; i++)
		gen_flow(&flows[i]);
	uint64_t now = 1000;
	for (unsigned round = 0; round < 2; round++) {
		struct fw_ruleset *ref = load(&t[round], seed), *memo = load(&t[round], seed);
		static struct fw_log log_ref, log_memo;
		fw_log_init(&log_ref);
		fw_log_init(&log_memo);
		for (unsigned k = 0; k < n_pkts / 2; k++) {
			unsigned i = fw_gen_pick(FLOWS);
			int iif, oif;
			uint8_t ct_state;
			struct pkt_buf *p = gen_packet(&flows[i], &iif, &oif, &ct_state);
			if (!p)
				continue;
			now += fw_gen_pick(40);
			struct fw_pkt fp;
			fw_pkt_fill(&fp, p, iif, oif, ct_state);
			struct fw_decision a = {0}, b = {0};
			fw_decide(ref, FW_HOOK_FORWARD, &fp, p, now, &log_ref, &a);
			fw_decide_flow(memo, FW_HOOK_FORWARD, fw_flow_memo(memo, &conn[i], flows[i].dir), p, iif, oif, ct_state,
				       now, &log_memo, &stats, &b);
			if (a.verdict != b.verdict || a.rule != b.rule ||
			    (a.verdict == FW_REJECT && (a.reject_with != b.reject_with || a.reject_code != b.reject_code))) {
				char d[400];
				fw_gen_describe(&fp, d, sizeof(d));
				ck_abort_msg("seed %llu round %u packet %u (flow %u): fw_decide says verdict %d rule %d, "
					     "fw_decide_flow verdict %d rule %d\npacket: %s\n%s",
					     (unsigned long long)seed, round, k, i, a.verdict, a.rule, b.verdict, b.rule, d,
					     t[round].s);
			}
			pkt_free(p);
		}
		same_state(ref, memo, &t[round], seed);
		same_log(&log_ref, &log_memo, seed);
		fw_ruleset_free(ref);
		fw_ruleset_free(memo);
	}
	free(t[0].s);
	free(t[1].s);
}

START_TEST(random_against_fw_decide)
{
	pool = pkt_pool_create("flow", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	const char *one = getenv("FW_FLOW_SEED");
	if (one) {
		compare_one(strtoull(one, NULL, 10), 60, 4000);
	} else {
		memset(&stats, 0, sizeof(stats));
		for (unsigned i = 0; i < 300; i++)
			compare_one(5000 + i, 1 + i % 80, 1000);
		/* the memo must have been used, written and passed over, or this compared nothing */
		ck_assert_msg(stats.hits > 50000 && stats.misses > 10000 && stats.general > 10000,
			      "hits %llu, misses %llu, general %llu", (unsigned long long)stats.hits,
			      (unsigned long long)stats.misses, (unsigned long long)stats.general);
	}
	pkt_pool_destroy(pool);
}
END_TEST

/* The memo's own cases, by hand. */
static struct fw_ruleset *load_text(const char *src)
{
	struct cf_err err = { "" };
	struct fw_ruleset *rs = fw_ruleset_load("t.conf", src, strlen(src), &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	return rs;
}

static struct pkt_buf *udp_frame(uint16_t dport, uint16_t payload)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 17, 0, NULL, 0);
	pb_udp(&f, 1234, dport);
	pb_payload(&f, payload);
	pb_done(&f);
	pb_pad(&f, 60);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	ck_assert_int_eq(pkt_parse(p), PKT_PARSE_OK);
	return p;
}

START_TEST(kept_only_when_exact)
{
	pool = pkt_pool_create("flow", PB_POOL_SIZE);
	struct fw_ruleset *rs = load_text("interface lan\ninterface wan\n"
					  "chain forward policy drop {\n"
					  "  ct state established accept\n"
					  "  udp dport 53 meta length 0-100 drop\n"
					  "  udp dport 53 counter accept\n"
					  "  udp dport 123 accept\n"
					  "}\n");
	struct ct_entry e = {0};
	struct fw_flow_stats st = {0};
	struct fw_decision d;
	/* port 53: the first rule the flow's shared fields match looks at the length, so
	 * every packet goes to the classifier, short ones dropped, long ones accepted */
	struct pkt_buf *p = udp_frame(53, 10), *q = udp_frame(53, 200);
	fw_decide_flow(rs, FW_HOOK_FORWARD, fw_flow_memo(rs, &e, 0), p, 0, 1, FW_CT_NEW, 1, NULL, &st, &d);
	ck_assert_int_eq(d.rule, 1);
	fw_decide_flow(rs, FW_HOOK_FORWARD, fw_flow_memo(rs, &e, 0), q, 0, 1, FW_CT_NEW, 1, NULL, &st, &d);
	ck_assert_int_eq(d.rule, 2);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.general, 2);
	ck_assert_uint_eq(st.hits, 0);
	/* established: rule 0 for good, from the memo after the first */
	for (int i = 0; i < 3; i++) {
		fw_decide_flow(rs, FW_HOOK_FORWARD, fw_flow_memo(rs, &e, 0), p, 0, 1, FW_CT_ESTABLISHED, 1, NULL, &st, &d);
		ck_assert_int_eq(d.rule, 0);
	}
	ck_assert_uint_eq(st.misses, 2);
	ck_assert_uint_eq(st.hits, 2);
	/* the other direction has its own word: port 123 accepted from the memo, counted */
	struct pkt_buf *r = udp_frame(123, 10);
	for (int i = 0; i < 3; i++) {
		fw_decide_flow(rs, FW_HOOK_FORWARD, fw_flow_memo(rs, &e, 1), r, 1, 0, FW_CT_NEW, 1, NULL, &st, &d);
		ck_assert_int_eq(d.verdict, FW_ACCEPT);
		ck_assert_int_eq(d.rule, 3);
	}
	ck_assert_uint_eq(st.misses, 3);
	ck_assert_uint_eq(st.hits, 4);
	/* other interfaces: written again */
	fw_decide_flow(rs, FW_HOOK_FORWARD, fw_flow_memo(rs, &e, 1), r, 0, 1, FW_CT_NEW, 1, NULL, &st, &d);
	ck_assert_uint_eq(st.misses, 4);
	/* a new ruleset clears both words: port 123 now meets the policy */
	struct fw_ruleset *rs2 = load_text("chain forward policy drop {\n  udp dport 53 accept\n}\n");
	ck_assert_uint_ne(rs->gen, rs2->gen);
	for (int i = 0; i < 2; i++) {
		fw_decide_flow(rs2, FW_HOOK_FORWARD, fw_flow_memo(rs2, &e, 1), r, 0, 1, FW_CT_NEW, 1, NULL, &st, &d);
		ck_assert_int_eq(d.verdict, FW_DROP);
		ck_assert_int_eq(d.rule, -1);
	}
	ck_assert_uint_eq(st.misses, 5);
	ck_assert_uint_eq(st.hits, 5);
	ck_assert_uint_eq(rs2->policy_pkts[FW_HOOK_FORWARD], 2);
	/* a counter on a kept rule still counts every packet */
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][2].pkts, 1);
	pkt_free(p);
	pkt_free(q);
	pkt_free(r);
	fw_ruleset_free(rs);
	fw_ruleset_free(rs2);
	pkt_pool_destroy(pool);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_flow");
	TCase *tc = tcase_create("flow");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, random_against_fw_decide);
	tcase_add_test(tc, kept_only_when_exact);
	suite_add_tcase(s, tc);
	return check_run(s);
}
