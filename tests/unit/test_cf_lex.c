/* The rule language's tokenizer: kinds, texts and exact positions; every error message. */
#include "cf_lex.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* Tokenizes src into "KIND:text@line:col" words joined by spaces. */
static void lex_all(const char *src, char *out, size_t len, struct cf_err *err)
{
	static const char *names[] = { "END", "EOS", "W", "S", "{", "}", ",", "@", "!", "ERR" };
	struct cf_lex lx;
	cf_lex_init(&lx, "r.conf", src, strlen(src), err);
	size_t at = 0;
	out[0] = 0;
	for (;;) {
		struct cf_tok t = cf_lex_next(&lx);
		int n = snprintf(out + at, len - at, "%s%s:%.*s@%u:%u", at ? " " : "", names[t.kind],
				 t.kind == CF_T_EOS ? 0 : (int)t.len, t.text, t.line, t.col);
		at += (size_t)n;
		if (t.kind == CF_T_END || t.kind == CF_T_ERROR || at >= len)
			break;
	}
}

START_TEST(tokens_and_positions)
{
	char out[1024];
	struct cf_err err = { "" };
	lex_all("chain forward policy drop {  # the main chain\n"
		"\tip saddr 10.0.0.0/8 tcp dport { 80, 8000-8080 } accept; log prefix \"in: x\"\n"
		"ip6 daddr 2001:db8::/32 ct state !invalid @set\n}",
		out, sizeof(out), &err);
	ck_assert_str_eq(out,
			 "W:chain@1:1 W:forward@1:7 W:policy@1:15 W:drop@1:22 {:{@1:27 EOS:@1:46 "
			 "W:ip@2:2 W:saddr@2:5 W:10.0.0.0/8@2:11 W:tcp@2:22 W:dport@2:26 {:{@2:32 W:80@2:34 ,:,@2:36 "
			 "W:8000-8080@2:38 }:}@2:48 W:accept@2:50 EOS:@2:56 W:log@2:58 W:prefix@2:62 S:in: x@2:69 "
			 "EOS:@2:76 W:ip6@3:1 W:daddr@3:5 W:2001:db8::/32@3:11 W:ct@3:25 W:state@3:28 !:!@3:34 "
			 "W:invalid@3:35 @:@@3:43 W:set@3:44 EOS:@3:47 }:}@4:1 END:@4:2");
	ck_assert_str_eq(err.msg, "");
}
END_TEST

START_TEST(errors_are_exact)
{
	static const struct { const char *src, *msg; } cases[] = {
		{ "accept\n  drop $x", "r.conf:2:8: unexpected character '$'" },
		{ "log prefix \"open", "r.conf:1:12: string not closed before the end of the line" },
		{ "log prefix \"a\nb\"", "r.conf:1:12: string not closed before the end of the line" },
		{ "\x01", "r.conf:1:1: unexpected byte 0x01" },
		{ "accept \xc3\xa9", "r.conf:1:8: unexpected byte 0xc3" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[512];
		struct cf_err err = { "" };
		lex_all(cases[i].src, out, sizeof(out), &err);
		ck_assert_msg(strstr(out, "ERR:") != NULL, "case %u: no error token in %s", i, out);
		ck_assert_str_eq(err.msg, cases[i].msg);
	}
}
END_TEST

START_TEST(describe_tokens)
{
	struct cf_err err;
	struct cf_lex lx;
	const char *src = "word \"str\" { ;\n";
	cf_lex_init(&lx, "f", src, strlen(src), &err);
	const char *want[] = { "'word'", "\"str\"", "'{'", "';'", "end of line", "end of file" };
	for (unsigned i = 0; i < 6; i++) {
		struct cf_tok t = cf_lex_next(&lx);
		char buf[64];
		cf_tok_describe(&t, buf, sizeof(buf));
		ck_assert_str_eq(buf, want[i]);
	}
}
END_TEST

START_TEST(empty_and_comment_only)
{
	char out[256];
	struct cf_err err = { "" };
	lex_all("", out, sizeof(out), &err);
	ck_assert_str_eq(out, "END:@1:1");
	lex_all("# only a comment", out, sizeof(out), &err);
	ck_assert_str_eq(out, "END:@1:17");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cf_lex");
	TCase *tc = tcase_create("cf_lex");
	tcase_add_test(tc, tokens_and_positions);
	tcase_add_test(tc, errors_are_exact);
	tcase_add_test(tc, describe_tokens);
	tcase_add_test(tc, empty_and_comment_only);
	suite_add_tcase(s, tc);
	return check_run(s);
}
