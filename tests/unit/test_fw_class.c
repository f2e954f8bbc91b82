/* The classifier against the reference evaluator: random rulesets (written in the rule
 * language and parsed) and random packets drawn from the same values, with the whole
 * sequence of matching rules compared, not just the first. Seeded and reproducible:
 * FW_CLASS_SEED=N reruns one seed; a failure prints the seed, the ruleset and the packet. */
#include "fw_class.h"
#include "check_run.h"
#include "fw_gen.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every rule that matches, from both; returns the number of packets compared. */
static unsigned paired;   /* rulesets whose classifier searched two fields as one */

static unsigned compare_one(uint64_t seed, unsigned n_rules, unsigned n_pkts)
{
	fw_gen_rng = seed;
	struct text t = {0};
	fw_gen_ruleset(&t, n_rules, false);
	struct fw_config cfg = {0};
	struct cf_err err = { "" };
	if (fw_config_parse(&cfg, "rand.conf", t.s, t.n, &err))
		ck_abort_msg("seed %llu: generated ruleset refused: %s\n%s", (unsigned long long)seed, err.msg, t.s);
	const struct fw_chain *ch = &cfg.chain[FW_HOOK_FORWARD];
	char msg[200];
	struct fw_class *c = fw_class_build(&cfg, ch, msg, sizeof(msg));
	ck_assert_msg(c != NULL, "%s", msg);
	for (unsigned k = 0; k < n_pkts; k++) {
		struct fw_pkt p;
		fw_gen_pkt(&p);
		struct fw_class_scan s;
		fw_class_lookup(c, &p, &s);
		int got = -1;
		for (unsigned r = 0; r < ch->n_rules; r++) {
			if (!fw_ref_rule_matches(&cfg, &ch->rules[r], &p))
				continue;
			got = fw_class_next(c, &s, got);
			if (got != (int)r) {
				char d[400];
				fw_gen_describe(&p, d, sizeof(d));
				ck_abort_msg("seed %llu packet %u: reference matches rule %u (line %u), classifier says %d\n"
					     "packet: %s\n%s", (unsigned long long)seed, k, r, ch->rules[r].line, got, d, t.s);
			}
		}
		got = fw_class_next(c, &s, got);
		if (got != -1) {
			char d[400];
			fw_gen_describe(&p, d, sizeof(d));
			ck_abort_msg("seed %llu packet %u: classifier matches rule %d (line %u), the reference does not\n"
				     "packet: %s\n%s", (unsigned long long)seed, k, got, ch->rules[got].line, d, t.s);
		}
	}
	struct fw_class_stats st;
	fw_class_stats(c, &st);
	paired += st.pair_cells > 0;
	fw_class_free(c);
	fw_config_free(&cfg);
	free(t.s);
	return n_pkts;
}

START_TEST(random_against_reference)
{
	const char *one = getenv("FW_CLASS_SEED");
	if (one) {
		compare_one(strtoull(one, NULL, 10), 200, 2000);
		return;
	}
	unsigned total = 0;
	/* many small rulesets (every size up to past one word), then a few large ones that
	 * span several summary words */
	for (unsigned i = 0; i < 400; i++) {
		/* every other ruleset pairs two fields whenever they fit, to test that search */
		fw_class_pair_max_density = i & 1 ? 1000 : 750;
		total += compare_one(1000 + i, i % 150, 300);
	}
	static const unsigned big[] = { 4095, 4096, 4097, 9000 };
	for (unsigned i = 0; i < 4; i++) {
		fw_class_pair_max_density = i & 1 ? 1000 : 750;
		total += compare_one(77 + i, big[i], 2000);
	}
	fw_class_pair_max_density = 750;
	ck_assert_uint_eq(total, 400 * 300 + 4 * 2000);
	/* the paired search must have been compared too, or half the lookup went untested */
	ck_assert_msg(paired >= 100, "only %u of 404 rulesets searched two fields as one", paired);
}
END_TEST

static struct fw_config cfg;
static struct fw_class *cls;

static void load(const char *src)
{
	struct cf_err err = { "" };
	fw_class_free(cls);
	fw_config_free(&cfg);
	ck_assert_msg(fw_config_parse(&cfg, "t.conf", src, strlen(src), &err) == 0, "%s", err.msg);
	char msg[200];
	cls = fw_class_build(&cfg, &cfg.chain[FW_HOOK_FORWARD], msg, sizeof(msg));
	ck_assert_msg(cls != NULL, "%s", msg);
}

static int first(const struct fw_pkt *p)
{
	struct fw_class_scan s;
	fw_class_lookup(cls, p, &s);
	return fw_class_next(cls, &s, -1);
}

START_TEST(empty_and_catch_all)
{
	struct fw_pkt p = { .iif = 0, .oif = 1, .ethertype = 0x0800, .family = 4, .ct_state = FW_CT_NEW };
	load("chain forward policy drop {\n}\n");
	ck_assert_int_eq(first(&p), -1);
	load("chain forward { counter\n accept\n }\n");
	struct fw_class_scan s;
	fw_class_lookup(cls, &p, &s);
	ck_assert_int_eq(fw_class_next(cls, &s, -1), 0);
	ck_assert_int_eq(fw_class_next(cls, &s, 0), 1);
	ck_assert_int_eq(fw_class_next(cls, &s, 1), -1);
	struct fw_class_stats st;
	fw_class_stats(cls, &st);
	ck_assert_uint_eq(st.rules, 2);
	ck_assert_uint_eq(st.fields, 1);
	fw_class_free(cls);
	cls = NULL;
	fw_config_free(&cfg);
}
END_TEST

START_TEST(edges_of_the_address_space)
{
	load("chain forward {\n"
	     " ip saddr 255.255.255.255 accept\n"                 /* 0 */
	     " ip saddr 0.0.0.0/1 drop\n"                         /* 1 */
	     " ip6 saddr ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff accept\n" /* 2 */
	     " ip6 saddr != ::/1 drop\n"                          /* 3 */
	     " ip6 daddr ::/0 accept\n"                           /* 4 */
	     "}\n");
	struct fw_pkt p = { .iif = -1, .oif = -1, .ethertype = 0x0800, .family = 4, .ct_state = FW_CT_NEW };
	memset(p.saddr, 0xff, 16);
	ck_assert_int_eq(first(&p), 0);
	p.saddr[0] = 0x7f;
	ck_assert_int_eq(first(&p), 1);
	p.saddr[0] = 0x80;
	ck_assert_int_eq(first(&p), -1);
	p.family = 6;
	p.ethertype = 0x86dd;
	memset(p.saddr, 0xff, 16);
	ck_assert_int_eq(first(&p), 2);
	p.saddr[15] = 0xfe;
	ck_assert_int_eq(first(&p), 3);
	p.saddr[0] = 0;
	ck_assert_int_eq(first(&p), 4);
	fw_class_free(cls);
	cls = NULL;
	fw_config_free(&cfg);
}
END_TEST

/* A rule past a long run of rules that cannot match: the summary words skip them. */
START_TEST(far_rule_behind_many)
{
	struct text t = {0};
	fw_gen_put(&t, "chain forward {\n");
	for (unsigned i = 0; i < 10000; i++)
		fw_gen_put(&t, "ip saddr 10.%u.%u.0/24 tcp dport %u accept\n", i >> 8, i & 255, 1000 + i % 7);
	fw_gen_put(&t, "ip saddr 192.0.2.0/24 drop\n}\n");
	load(t.s);
	struct fw_pkt p = { .iif = -1, .oif = -1, .ethertype = 0x0800, .family = 4, .has_l4proto = true,
			    .l4proto = 6, .has_ports = true, .dport = 1003, .ct_state = FW_CT_NEW };
	uint8_t a[4] = { 192, 0, 2, 9 };
	memcpy(p.saddr, a, 4);
	ck_assert_int_eq(first(&p), 10000);
	uint8_t b[4] = { 10, 38, 10, 1 };   /* rule 38*256+10 = 9738, dport 1000 + 9738 % 7 = 1001 */
	memcpy(p.saddr, b, 4);
	p.dport = 1001;
	ck_assert_int_eq(first(&p), 9738);
	p.dport = 1002;
	ck_assert_int_eq(first(&p), -1);
	struct fw_class_stats st;
	fw_class_stats(cls, &st);
	ck_assert_uint_eq(st.rules, 10001);
	ck_assert_uint_eq(st.fields, 2);
	free(t.s);
	fw_class_free(cls);
	cls = NULL;
	fw_config_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_class");
	TCase *tc = tcase_create("class");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, empty_and_catch_all);
	tcase_add_test(tc, edges_of_the_address_space);
	tcase_add_test(tc, far_rule_behind_many);
	tcase_add_test(tc, random_against_reference);
	suite_add_tcase(s, tc);
	return check_run(s);
}
