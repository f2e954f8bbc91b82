/* The engine's statements: limit as a token bucket (a match: over the rate the next rule
 * applies), counters, the rate-limited log ring, and a failing load that builds nothing. */
#include "fw.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct fw_ruleset *load(const char *src)
{
	struct cf_err err = { "" };
	struct fw_ruleset *rs = fw_ruleset_load("t.conf", src, strlen(src), &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	return rs;
}

static uint8_t frame[60];
static struct pkt_buf pkt = { .data = frame, .len = 60, .buf = frame, .buf_len = 60 };
static const struct fw_pkt udp = { .iif = 0, .oif = 1, .ethertype = 0x0800, .family = 4, .has_l4proto = true,
				   .l4proto = 17, .has_ports = true, .sport = 1, .dport = 53, .ct_state = FW_CT_NEW,
				   .length = 60, .saddr = { 10, 0, 0, 1 }, .daddr = { 10, 0, 0, 2 } };

static int decide(struct fw_ruleset *rs, uint64_t now_ms, struct fw_log *log)
{
	struct fw_decision d;
	fw_decide(rs, FW_HOOK_FORWARD, &udp, &pkt, now_ms, log, &d);
	return d.rule;
}

START_TEST(limit_is_a_token_bucket)
{
	struct fw_ruleset *rs = load("chain forward policy drop {\n"
				     "  udp dport 53 limit rate 2/second burst 3 counter accept\n"
				     "  counter drop\n}\n");
	uint64_t t = 5000;
	/* a full bucket: the burst of 3 passes, the 4th goes on to rule 1 */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(decide(rs, t, NULL), 0);
	ck_assert_int_eq(decide(rs, t, NULL), 1);
	/* half a second later one more token (2 a second) */
	ck_assert_int_eq(decide(rs, t + 499, NULL), 1);
	ck_assert_int_eq(decide(rs, t + 500, NULL), 0);
	ck_assert_int_eq(decide(rs, t + 500, NULL), 1);
	/* a long pause refills only up to the burst */
	t += 60000;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(decide(rs, t, NULL), 0);
	ck_assert_int_eq(decide(rs, t, NULL), 1);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][0].pkts, 7);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][0].limited, 4);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][1].pkts, 4);
	ck_assert_uint_eq(rs->state[FW_HOOK_FORWARD][1].bytes, 240);
	fw_ruleset_free(rs);
}
END_TEST

START_TEST(log_ring_and_rate)
{
	struct fw_ruleset *rs = load("interface lan\ninterface wan\nchain forward {\n  log prefix \"seen: \"\n  udp dport 53 drop\n}\n");
	static struct fw_log log;
	fw_log_init(&log);
	/* the burst is 100 lines; the rest in the same instant are counted, not kept */
	for (int i = 0; i < 150; i++)
		ck_assert_int_eq(decide(rs, 1000, &log), 1);
	ck_assert_uint_eq(log.logged, FW_LOG_BURST);
	ck_assert_uint_eq(log.suppressed, 50);
	ck_assert_uint_eq(log.head - log.tail, FW_LOG_RING);
	ck_assert_uint_eq(log.overwritten, FW_LOG_BURST - FW_LOG_RING);
	/* 20 ms later: one more line (50 a second) */
	ck_assert_int_eq(decide(rs, 1020, &log), 1);
	ck_assert_uint_eq(log.logged, FW_LOG_BURST + 1);
	char line[256];
	fw_log_format(rs, &log.ring[(log.head - 1) % FW_LOG_RING], line, sizeof(line));
	ck_assert_str_eq(line, "seen: [fw forward rule 0 line 4 log] IN=lan OUT=wan LEN=60 SRC=10.0.0.1 DST=10.0.0.2 "
			       "PROTO=17 SPT=1 DPT=53");
	fw_ruleset_free(rs);
}
END_TEST

/* The fast accept for a chain that begins "ct state ... accept": only when that rule looks
 * at nothing else and does nothing else, and only for its states. */
START_TEST(fast_accept_only_when_exact)
{
	static const struct { const char *first; uint8_t fast; } cases[] = {
		{ "ct state established,related accept", FW_CT_ESTABLISHED | FW_CT_RELATED },
		{ "ct state established accept", FW_CT_ESTABLISHED },
		{ "ct state established counter accept", 0 },
		{ "ct state established log accept", 0 },
		{ "ct state != established accept", 0 },
		{ "ct state established udp dport 53 accept", 0 },
		{ "ct state established limit rate 10/second accept", 0 },
		{ "ct state established drop", 0 },
		{ "ct state established", 0 },
		{ "udp dport 53 accept", 0 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[256];
		snprintf(src, sizeof(src), "chain forward policy drop {\n  %s\n  udp dport 9 accept\n}\n", cases[i].first);
		struct fw_ruleset *rs = load(src);
		ck_assert_msg(rs->fast_ct[FW_HOOK_FORWARD] == cases[i].fast, "'%s': fast states %u, want %u", cases[i].first,
			      rs->fast_ct[FW_HOOK_FORWARD], cases[i].fast);
		ck_assert(!fw_fast_accept(rs, FW_HOOK_FORWARD, FW_CT_NEW));
		ck_assert(!fw_fast_accept(rs, FW_HOOK_INPUT, FW_CT_ESTABLISHED));
		/* where it says accept, the chain agrees */
		if (cases[i].fast) {
			struct fw_pkt est = udp;
			est.ct_state = FW_CT_ESTABLISHED;
			struct fw_decision d;
			fw_decide(rs, FW_HOOK_FORWARD, &est, &pkt, 0, NULL, &d);
			ck_assert_int_eq(d.verdict, FW_ACCEPT);
			ck_assert_int_eq(d.rule, 0);
		}
		fw_ruleset_free(rs);
	}
}
END_TEST

START_TEST(failed_load_builds_nothing)
{
	struct cf_err err = { "" };
	const char *src = "chain forward {\n  tcp dport 99999 accept\n}\n";
	ck_assert_ptr_null(fw_ruleset_load("bad.conf", src, strlen(src), &err));
	ck_assert_str_eq(err.msg, "bad.conf:2:13: expected a port from 0 to 65535 or a range A-B, got '99999'");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_engine");
	TCase *tc = tcase_create("engine");
	tcase_add_test(tc, limit_is_a_token_bucket);
	tcase_add_test(tc, log_ring_and_rate);
	tcase_add_test(tc, fast_accept_only_when_exact);
	tcase_add_test(tc, failed_load_builds_nothing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
