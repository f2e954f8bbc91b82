/* The control socket's credentials (apps/mgmt_ctl_tls.c) as the platform gives them:
 * what it accepts and, for each way a file can be wrong, the error that names it. Each
 * case runs in its own process (Check's fork), with its own blobs. */
#include "check_run.h"
#include "hosted_plat.h"
#include "mgmt_ctl.h"

#include <string.h>

static const struct {
	const char *files[4][2];         /* name, contents */
	int rc;
	const char *msg;                 /* err (rc -1) or what (rc 1) */
} cases[] = {
	{ { { NULL, NULL } }, 0, "" },
	{ { { "k/psk", "operator 000102030405060708090a0b0c0d0e0f\n# a comment\n\nbackup "
		       "101112131415161718191a1b1c1d1e1f2021222324252627\n" } },
	  1, "TLS 1.2, PSK (2 identities)" },
	{ { { "k/psk", "operator 00\n" } }, -1, "k/psk:1: a key of 1 bytes: 16 to 64, please" },
	{ { { "k/psk", "operator zz00\n" } }, -1, "k/psk:1:10: expected IDENTITY HEXKEY (an even number of hex digits)" },
	{ { { "k/psk", "operator 000102030405060708090a0b0c0d0e0f0\n" } }, -1,
	  "k/psk:1:10: expected IDENTITY HEXKEY (an even number of hex digits)" },
	{ { { "k/psk", "a 000102030405060708090a0b0c0d0e0f\na 000102030405060708090a0b0c0d0e0f\n" } }, -1,
	  "k/psk:2:1: identity 'a' given twice" },
	{ { { "k/psk", "# nothing\n" } }, -1, "k/psk: no identity in it" },
	{ { { "k/ca.crt", "x" } }, -1, "control socket: ca.crt, server.crt and server.key come together; server.crt is missing" },
	{ { { "k/ca.crt", "x" }, { "k/server.crt", "x" } }, -1,
	  "control socket: ca.crt, server.crt and server.key come together; server.key is missing" },
	{ { { "k/ca.crt", "not a certificate" }, { "k/server.crt", "x" }, { "k/server.key", "x" } }, -1,
	  "k/ca.crt: not a PEM certificate: " },
};

START_TEST(credentials)
{
	for (unsigned f = 0; f < 4 && cases[_i].files[f][0]; f++)
		ck_assert_int_ge(hosted_plat_add_blob(cases[_i].files[f][0], cases[_i].files[f][1],
						      strlen(cases[_i].files[f][1])), 0);
	char what[200] = "", err[300] = "";
	int rc = mgc_tls_setup(what, sizeof(what), err, sizeof(err));
	ck_assert_msg(rc == cases[_i].rc, "case %d: rc %d, err '%s'", _i, rc, err);
	const char *got = rc < 0 ? err : what;
	ck_assert_msg(!strncmp(got, cases[_i].msg, strlen(cases[_i].msg)) && (rc < 0 || !strcmp(got, cases[_i].msg)),
		      "case %d: '%s', want '%s'", _i, got, cases[_i].msg);
	mgc_tls_free();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl-keys");
	TCase *tc = tcase_create("credentials");
	tcase_add_loop_test(tc, credentials, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	return check_run(s);
}
