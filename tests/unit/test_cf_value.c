/* Value readers of the rule language: prefixes checked against inet_pton (the same
 * answer on valid and invalid text, seeded random cases), ranges, and exact error columns. */
#include "cf_value.h"
#include "check_run.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_word(const char *w, struct cf_prefix *p, struct cf_err *err)
{
	struct cf_tok t = { CF_T_WORD, w, strlen(w), 3, 10 };
	return cf_read_prefix("r.conf", &t, p, err);
}

START_TEST(prefixes)
{
	struct cf_prefix p;
	struct cf_err err;
	ck_assert_int_eq(read_word("10.0.0.0/8", &p, &err), 0);
	ck_assert_uint_eq(p.family, 4);
	ck_assert_uint_eq(p.len, 8);
	ck_assert_mem_eq(p.addr, ((uint8_t[]){ 10, 0, 0, 0 }), 4);
	ck_assert_int_eq(read_word("192.0.2.1", &p, &err), 0);
	ck_assert_uint_eq(p.len, 32);
	ck_assert_int_eq(read_word("0.0.0.0/0", &p, &err), 0);
	ck_assert_int_eq(read_word("2001:db8::/32", &p, &err), 0);
	ck_assert_uint_eq(p.family, 6);
	ck_assert_uint_eq(p.len, 32);
	ck_assert_mem_eq(p.addr, ((uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), 16);
	ck_assert_int_eq(read_word("::/0", &p, &err), 0);
	ck_assert_int_eq(read_word("::1", &p, &err), 0);
	ck_assert_uint_eq(p.addr[15], 1);
	ck_assert_uint_eq(p.len, 128);
}
END_TEST

START_TEST(prefix_errors_exact)
{
	static const struct { const char *w, *msg; } cases[] = {
		{ "10.0.0.256", "r.conf:3:17: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.256'" },
		{ "10.0.0", "r.conf:3:16: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0'" },
		{ "10.00.0.1", "r.conf:3:13: expected an IPv4 address or prefix (10.0.0.0/8), got '10.00.0.1'" },
		{ "10.0.0.0/33", "r.conf:3:19: expected a prefix length from 0 to 32, got '33'" },
		{ "10.0.0.0/", "r.conf:3:19: expected a prefix length from 0 to 32, got ''" },
		{ "10.0.0.0-5", "r.conf:3:18: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.0-5'" },
		{ "10.1.0.0/8", "r.conf:3:10: '10.1.0.0/8' has host bits set beyond /8 (did you mean the network address?)" },
		{ "2001:db8::1::2", "r.conf:3:21: expected an IPv6 address or prefix (2001:db8::/32), got '2001:db8::1::2'" },
		{ "2001:db8:::1", "r.conf:3:20: expected an IPv6 address or prefix (2001:db8::/32), got '2001:db8:::1'" },
		{ "12345::", "r.conf:3:14: expected an IPv6 address or prefix (2001:db8::/32), got '12345::'" },
		{ "1:2:3:4:5:6:7", "r.conf:3:23: expected an IPv6 address or prefix (2001:db8::/32), got '1:2:3:4:5:6:7'" },
		{ "2001:db8::/129", "r.conf:3:21: expected a prefix length from 0 to 128, got '129'" },
		{ "2001:db8::1/64", "r.conf:3:10: '2001:db8::1/64' has host bits set beyond /64 (did you mean the network address?)" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_prefix p;
		struct cf_err err = { "" };
		ck_assert_msg(read_word(cases[i].w, &p, &err) == -1, "'%s' was accepted", cases[i].w);
		ck_assert_str_eq(err.msg, cases[i].msg);
	}
}
END_TEST

/* Every address inet_pton reads, we read the same; whatever it refuses, we refuse. */
START_TEST(addresses_agree_with_inet_pton)
{
	srand(42);
	static const char alphabet[] = "0123456789abcdefABCDEF:::::..";
	unsigned accepted = 0;
	for (int iter = 0; iter < 200000; iter++) {
		char w[48];
		if (iter % 2) { /* a real address, printed by inet_ntop */
			uint8_t a[16];
			for (int k = 0; k < 16; k++)
				a[k] = rand() % 3 ? 0 : (uint8_t)rand();
			inet_ntop(iter % 4 == 1 ? AF_INET6 : AF_INET, a, w, sizeof(w));
		} else { /* random text */
			int n = 1 + rand() % 20;
			for (int k = 0; k < n; k++)
				w[k] = alphabet[rand() % (sizeof(alphabet) - 1)];
			w[n] = 0;
		}
		uint8_t ref[16];
		bool v6 = strchr(w, ':') != NULL;
		int ok_ref = inet_pton(v6 ? AF_INET6 : AF_INET, w, ref) == 1;
		if (v6 && strchr(w, '.'))
			continue; /* dotted-quad tails are not part of the rule language */
		struct cf_prefix p;
		struct cf_err err;
		int ok = read_word(w, &p, &err) == 0;
		/* only call Check on failure: each ck_assert writes to a pipe */
		if (ok != ok_ref)
			ck_abort_msg("'%s': inet_pton %s, cf_read_prefix %s (%s)", w, ok_ref ? "reads it" : "refuses",
				     ok ? "reads it" : "refuses", ok ? "" : err.msg);
		if (ok) {
			accepted++;
			if (memcmp(p.addr, ref, v6 ? 16 : 4))
				ck_abort_msg("'%s': read differently from inet_pton", w);
		}
	}
	ck_assert_uint_gt(accepted, 50000);
}
END_TEST

START_TEST(ranges)
{
	struct cf_range r;
	struct cf_err err = { "" };
	struct cf_tok t = { CF_T_WORD, "8000-8080", 9, 1, 5 };
	ck_assert_int_eq(cf_read_range("f", &t, 65535, "port", &r, &err), 0);
	ck_assert_uint_eq(r.lo, 8000);
	ck_assert_uint_eq(r.hi, 8080);
	static const struct { const char *w, *msg; } cases[] = {
		{ "http", "f:1:5: expected a port from 0 to 65535 or a range A-B, got 'http'" },
		{ "65536", "f:1:5: expected a port from 0 to 65535 or a range A-B, got '65536'" },
		{ "80:81", "f:1:7: expected '-' or the end of the port, got ':'" },
		{ "80-", "f:1:8: expected a port from 0 to 65535 after '-', got ''" },
		{ "90-80", "f:1:5: the range 90-80 is empty: 90 > 80" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_tok w = { CF_T_WORD, cases[i].w, strlen(cases[i].w), 1, 5 };
		ck_assert_int_eq(cf_read_range("f", &w, 65535, "port", &r, &err), -1);
		ck_assert_str_eq(err.msg, cases[i].msg);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cf_value");
	TCase *tc = tcase_create("cf_value");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, prefixes);
	tcase_add_test(tc, prefix_errors_exact);
	tcase_add_test(tc, addresses_agree_with_inet_pton);
	tcase_add_test(tc, ranges);
	suite_add_tcase(s, tc);
	return check_run(s);
}
