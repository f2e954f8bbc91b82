#include <stdarg.h>
/* The classifier against the reference evaluator: random rulesets (written in the rule
 * language and parsed) and random packets drawn from the same values, with the whole
 * sequence of matching rules compared, not just the first. Seeded and reproducible:
 * FW_CLASS_SEED=N reruns one seed; a failure prints the seed, the ruleset and the packet. */
#include "fw_class.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

struct text {
	char *s;
	size_t n, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		if ((size_t)k < t->cap - t->n) {
			t->n += (size_t)k;
			return;
		}
		t->cap = t->cap * 2 + (size_t)k + 64;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
}

/* The universe packets and rules draw from, small enough that they meet often. */
static const char *const v4net[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "192.168.0.0/16",
				     "0.0.0.0/0", "10.1.2.128/25", "172.16.0.0/12", "255.255.255.255" };
static const char *const v6net[] = { "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1::1", "::/0", "fe80::/10",
				     "2001:db8:1::/127", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
static const uint8_t v4pkt[][4] = { {10, 1, 2, 3}, {10, 1, 2, 200}, {10, 1, 9, 9}, {10, 2, 0, 1}, {192, 168, 7, 7},
				    {172, 20, 1, 1}, {8, 8, 8, 8}, {255, 255, 255, 255}, {0, 0, 0, 0} };
static const uint8_t v6pkt[][16] = {
	{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1}, {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0},
	{0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 5}, {0xfe, 0x80, [15] = 1},
	{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	{0x30, 0x00, [15] = 9}, {[15] = 1} };
static const uint16_t ports[] = { 0, 22, 53, 80, 443, 1024, 8000, 8080, 65535 };
static const uint8_t icmp_types[] = { 0, 1, 3, 8, 128, 135 };
static const char *const flagnames[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr" };
static const char *const states[] = { "new", "established", "related", "invalid" };

static const char *neg(void) { return pick(4) ? "" : "!= "; }

static void port_value(struct text *t)
{
	unsigned k = pick(6);
	if (k < 3) {
		put(t, "%u", ports[pick(9)]);
	} else if (k < 5) {
		unsigned a = ports[pick(9)], b = ports[pick(9)];
		put(t, "%u-%u", a < b ? a : b, a < b ? b : a);
	} else {
		put(t, "{ %u, %u-%u }", ports[pick(9)], ports[pick(4)], ports[4 + pick(5)]);
	}
}

static void gen_match(struct text *t)
{
	switch (pick(14)) {
	case 0: put(t, "iif %s%s ", neg(), pick(2) ? "lan" : "wan"); break;
	case 1: put(t, "oif %s%s ", neg(), pick(2) ? "lan" : "wan"); break;
	case 2: put(t, "ether type %s%s ", neg(), pick(2) ? "ipv4" : pick(2) ? "ipv6" : "arp"); break;
	case 3: put(t, "vlan id %s%u-%u ", neg(), pick(3), 3 + pick(5)); break;
	case 4:
		put(t, "ip %s %s%s ", pick(2) ? "saddr" : "daddr", neg(), pick(4) ? v4net[pick(9)] : "@n4");
		break;
	case 5:
		put(t, "ip6 %s %s%s ", pick(2) ? "saddr" : "daddr", neg(), pick(4) ? v6net[pick(7)] : "@n6");
		break;
	case 6: put(t, "meta l4proto %s%s ", neg(), pick(2) ? "tcp" : pick(2) ? "udp" : pick(2) ? "icmp" : "icmpv6"); break;
	case 7:
	case 8:
		put(t, "%s %s %s", pick(2) ? "tcp" : "udp", pick(2) ? "sport" : "dport", neg());
		if (pick(5))
			port_value(t);
		else
			put(t, "@ps");
		put(t, " ");
		break;
	case 9: {
		unsigned n = 1 + pick(3);
		put(t, "tcp flags ");
		for (unsigned i = 0; i < n; i++)
			put(t, "%s%s%s", i ? "," : "", pick(3) ? "" : "!", flagnames[pick(8)]);
		put(t, " ");
		break;
	}
	case 10:
	case 11:
		/* the same numbers in both families, so a family mix-up shows */
		put(t, "%s type %u ", pick(2) ? "icmp" : "icmpv6", icmp_types[pick(6)]);
		if (pick(2))
			put(t, "code %u ", pick(4));
		break;
	case 12: {
		put(t, "ct state %s%s", neg(), states[pick(4)]);
		if (pick(2))
			put(t, ",%s", states[pick(4)]);
		put(t, " ");
		break;
	}
	case 13: put(t, "meta length %s%u-%u ", neg(), 60 + pick(100), 200 + pick(1400)); break;
	}
}

static void gen_ruleset(struct text *t, unsigned n_rules)
{
	t->n = 0;
	put(t, "interface lan\ninterface wan\n");
	put(t, "set n4 ipv4 { %s, %s }\n", v4net[1 + pick(4)], v4net[6 + pick(3)]);
	put(t, "set n6 ipv6 { %s, %s }\n", v6net[pick(3)], v6net[4 + pick(3)]);
	put(t, "set ps port { %u, %u-%u }\n", ports[pick(9)], ports[1 + pick(3)], ports[5 + pick(4)]);
	put(t, "chain forward policy %s {\n", pick(2) ? "accept" : "drop");
	for (unsigned r = 0; r < n_rules; r++) {
		unsigned m = pick(5);
		for (unsigned i = 0; i < m; i++)
			gen_match(t);
		unsigned v = pick(10);
		put(t, "%s\n", v < 4 ? "accept" : v < 8 ? "drop" : v < 9 ? "counter" : "reject");
	}
	put(t, "}\n");
}

static void gen_pkt(struct fw_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->iif = (int)pick(3) - 1;
	p->oif = (int)pick(3) - 1;
	p->has_vlan = pick(3) == 0;
	p->vlan_id = (uint16_t)pick(10);
	p->ct_state = (uint8_t)(1u << pick(4));
	p->length = (uint16_t)(60 + pick(1500));
	unsigned fam = pick(5);
	if (fam == 0) {
		p->ethertype = pick(2) ? 0x0806 : 0x88cc;
		return;
	}
	p->family = fam <= 2 ? 4 : 6;
	p->ethertype = p->family == 4 ? 0x0800 : 0x86dd;
	if (p->family == 4) {
		memcpy(p->saddr, v4pkt[pick(9)], 4);
		memcpy(p->daddr, v4pkt[pick(9)], 4);
	} else {
		memcpy(p->saddr, v6pkt[pick(7)], 16);
		memcpy(p->daddr, v6pkt[pick(7)], 16);
	}
	p->has_l4proto = pick(8) != 0;
	unsigned pr = pick(5);
	p->l4proto = pr == 0 ? 6 : pr == 1 ? 17 : pr == 2 ? (p->family == 4 ? 1 : 58) : pr == 3 ? 6 : 47;
	if (!p->has_l4proto)
		return;
	if (p->l4proto == 6 || p->l4proto == 17) {
		p->has_ports = pick(10) != 0;   /* a non-first fragment has no ports */
		p->sport = pick(3) ? ports[pick(9)] : (uint16_t)rnd();
		p->dport = pick(3) ? ports[pick(9)] : (uint16_t)rnd();
		p->tcp_flags = (uint8_t)rnd();
	} else if (p->l4proto == 1 || p->l4proto == 58) {
		p->has_icmp = pick(10) != 0;
		p->icmp_type = icmp_types[pick(6)];
		p->icmp_code = (uint8_t)pick(5);
	}
}

static void describe(const struct fw_pkt *p, char *out, size_t n)
{
	snprintf(out, n,
		 "iif %d oif %d ether %04x vlan %d/%u fam %u s %u.%u.%u.%u/%02x..%02x d %u.%u.%u.%u/%02x..%02x "
		 "l4 %d/%u ports %d %u>%u flags %02x icmp %d %u/%u ct %u len %u",
		 p->iif, p->oif, p->ethertype, p->has_vlan, p->vlan_id, p->family, p->saddr[0], p->saddr[1], p->saddr[2],
		 p->saddr[3], p->saddr[0], p->saddr[15], p->daddr[0], p->daddr[1], p->daddr[2], p->daddr[3], p->daddr[0],
		 p->daddr[15], p->has_l4proto, p->l4proto, p->has_ports, p->sport, p->dport, p->tcp_flags, p->has_icmp,
		 p->icmp_type, p->icmp_code, p->ct_state, p->length);
}

/* Every rule that matches, from both; returns the number of packets compared. */
static unsigned compare_one(uint64_t seed, unsigned n_rules, unsigned n_pkts)
{
	rng = seed;
	struct text t = {0};
	gen_ruleset(&t, n_rules);
	struct fw_config cfg = {0};
	struct fw_err err = { "" };
	if (fw_config_parse(&cfg, "rand.conf", t.s, t.n, &err))
		ck_abort_msg("seed %llu: generated ruleset refused: %s\n%s", (unsigned long long)seed, err.msg, t.s);
	const struct fw_chain *ch = &cfg.chain[FW_HOOK_FORWARD];
	char msg[200];
	struct fw_class *c = fw_class_build(&cfg, ch, msg, sizeof(msg));
	ck_assert_msg(c != NULL, "%s", msg);
	for (unsigned k = 0; k < n_pkts; k++) {
		struct fw_pkt p;
		gen_pkt(&p);
		struct fw_class_scan s;
		fw_class_lookup(c, &p, &s);
		int got = -1;
		for (unsigned r = 0; r < ch->n_rules; r++) {
			if (!fw_ref_rule_matches(&cfg, &ch->rules[r], &p))
				continue;
			got = fw_class_next(c, &s, got);
			if (got != (int)r) {
				char d[400];
				describe(&p, d, sizeof(d));
				ck_abort_msg("seed %llu packet %u: reference matches rule %u (line %u), classifier says %d\n"
					     "packet: %s\n%s", (unsigned long long)seed, k, r, ch->rules[r].line, got, d, t.s);
			}
		}
		got = fw_class_next(c, &s, got);
		if (got != -1) {
			char d[400];
			describe(&p, d, sizeof(d));
			ck_abort_msg("seed %llu packet %u: classifier matches rule %d (line %u), the reference does not\n"
				     "packet: %s\n%s", (unsigned long long)seed, k, got, ch->rules[got].line, d, t.s);
		}
	}
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
	for (unsigned i = 0; i < 400; i++)
		total += compare_one(1000 + i, i % 150, 300);
	static const unsigned big[] = { 4095, 4096, 4097, 9000 };
	for (unsigned i = 0; i < 4; i++)
		total += compare_one(77 + i, big[i], 2000);
	ck_assert_uint_eq(total, 400 * 300 + 4 * 2000);
}
END_TEST

static struct fw_config cfg;
static struct fw_class *cls;

static void load(const char *src)
{
	struct fw_err err = { "" };
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
	put(&t, "chain forward {\n");
	for (unsigned i = 0; i < 10000; i++)
		put(&t, "ip saddr 10.%u.%u.0/24 tcp dport %u accept\n", i >> 8, i & 255, 1000 + i % 7);
	put(&t, "ip saddr 192.0.2.0/24 drop\n}\n");
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
