/* TLS (tls/: mbedTLS 2.28 with tls/mbedtls_config.h, and tls.c) on the hosted platform:
 * full TLS 1.2 handshakes in memory between an mbedTLS server and client over two byte
 * pipes, mutual X.509 authentication with ECDSA P-256 certificates, application data both
 * ways, and what must fail: no client certificate, a client certificate from another CA,
 * a client that offers TLS 1.1 at most, a wrong pre-shared key, certificates checked
 * without a wall clock or outside their validity.
 *
 * The certificates below were made once with OpenSSL 3.0 for this test (P-256 keys,
 * ECDSA-SHA256, valid 2026-12-06 to 2126-11-12), test keys with no other use:
 *   ca1, ca2: self-signed CAs (basicConstraints CA, keyCertSign);
 *   srv: CN and DNS name sluice.test, serverAuth, from ca1;
 *   cli: CN operator, clientAuth, from ca1;  cli2: CN intruder, clientAuth, from ca2.
 * The test sets the wall clock itself (tls_set_wall_clock), so that it does not depend on
 * the machine's date. */
#include "tls.h"
#include "check_run.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ciphersuites.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509.h"

static const char ca1_crt[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBpTCCAUygAwIBAgIULotQA7L2T+TAemciiicBxSdfXK0wCgYIKoZIzj0EAwIw\n"
	"MDEUMBIGA1UECgwLU2x1aWNlIHRlc3QxGDAWBgNVBAMMD1NsdWljZSB0ZXN0IGNh\n"
	"MTAgFw0yNjEyMDYwNzUxNTFaGA8yMTI2MTExMjA3NTE1MVowMDEUMBIGA1UECgwL\n"
	"U2x1aWNlIHRlc3QxGDAWBgNVBAMMD1NsdWljZSB0ZXN0IGNhMTBZMBMGByqGSM49\n"
	"AgEGCCqGSM49AwEHA0IABFBmMM3UcaNYRKv9AACL33LOmaLfyt1+mJQHyd9wSUv+\n"
	"rksIsheEwHqL7fNRpb/HqhR9AHqXiVb3G64ROkVwQvKjQjBAMA8GA1UdEwEB/wQF\n"
	"MAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBQk2MK46200r3a/sxRpnRyc\n"
	"cm7BaDAKBggqhkjOPQQDAgNHADBEAiBf5MekjdY8RwSmRQSYXpyiZNxJpTtv6XsL\n"
	"ArjeFDSx2wIgdvq/ODh/Q9pH9+4Cz+4iXUWyypXmC+h0pwj/UnC1aqY=\n"
	"-----END CERTIFICATE-----\n"
;
static const char ca2_crt[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBpjCCAUygAwIBAgIUBmmw0DEaBB86BvolA33eJG4n0vcwCgYIKoZIzj0EAwIw\n"
	"MDEUMBIGA1UECgwLU2x1aWNlIHRlc3QxGDAWBgNVBAMMD1NsdWljZSB0ZXN0IGNh\n"
	"MjAgFw0yNjEyMDYwNzUxNTFaGA8yMTI2MTExMjA3NTE1MVowMDEUMBIGA1UECgwL\n"
	"U2x1aWNlIHRlc3QxGDAWBgNVBAMMD1NsdWljZSB0ZXN0IGNhMjBZMBMGByqGSM49\n"
	"AgEGCCqGSM49AwEHA0IABHVUG3o9ctURkgyQYyfILEZiGNjTXK2yo7N4YimA+BRj\n"
	"EuziQytf9it7KRclJYjf84Oc+j5Vl4baelqPjqdbCD2jQjBAMA8GA1UdEwEB/wQF\n"
	"MAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBTl9ze0SUDJZ1K7TyublOAZ\n"
	"gg7nJjAKBggqhkjOPQQDAgNIADBFAiBMF8qQyegrASoAnGXDMg5qYn9djWlBGXVk\n"
	"H8b2qXGrxwIhALMGPIZvwDV777qStP6HQwJ0fKLWzbwcJI7ukW56556G\n"
	"-----END CERTIFICATE-----\n"
;
static const char srv_crt[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB5DCCAYmgAwIBAgIID04Z/KgiG5IwCgYIKoZIzj0EAwIwMDEUMBIGA1UECgwL\n"
	"U2x1aWNlIHRlc3QxGDAWBgNVBAMMD1NsdWljZSB0ZXN0IGNhMTAgFw0yNjEyMDYw\n"
	"NzUxNTFaGA8yMTI2MTExMjA3NTE1MVowLDEUMBIGA1UECgwLU2x1aWNlIHRlc3Qx\n"
	"FDASBgNVBAMMC3NsdWljZS50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
	"SVIRViu/G8vIryalP3P5qTuCus9hFE9KpwXL+qOTGgAr2oIce5RU1X+9lVruQkY9\n"
	"fnFugwweJix/qvyO74aTtqOBjjCBizAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQE\n"
	"AwIHgDATBgNVHSUEDDAKBggrBgEFBQcDATAWBgNVHREEDzANggtzbHVpY2UudGVz\n"
	"dDAdBgNVHQ4EFgQUEe8IRykdxl9LALsMwo47dv95PzgwHwYDVR0jBBgwFoAUJNjC\n"
	"uOttNK92v7MUaZ0cnHJuwWgwCgYIKoZIzj0EAwIDSQAwRgIhAJp/PEaXcOXJrtpR\n"
	"hPzyjTDWWu3DkcNXiWhScz3yNNE1AiEAkmInxQf9LKot7Cly7ge4MOKUKKthMBUv\n"
	"T2z9HC6pS2I=\n"
	"-----END CERTIFICATE-----\n"
;
static const char srv_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0oLFV9vAu5YkXxle\n"
	"AVdVeT/D+U2+iYGzbvZZpT939eKhRANCAARJUhFWK78by8ivJqU/c/mpO4K6z2EU\n"
	"T0qnBcv6o5MaACvaghx7lFTVf72VWu5CRj1+cW6DDB4mLH+q/I7vhpO2\n"
	"-----END PRIVATE KEY-----\n"
;
static const char cli_crt[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBxjCCAW2gAwIBAgIJAML5CtaSiLbIMAoGCCqGSM49BAMCMDAxFDASBgNVBAoM\n"
	"C1NsdWljZSB0ZXN0MRgwFgYDVQQDDA9TbHVpY2UgdGVzdCBjYTEwIBcNMjYxMjA2\n"
	"MDc1MTUxWhgPMjEyNjExMTIwNzUxNTFaMCkxFDASBgNVBAoMC1NsdWljZSB0ZXN0\n"
	"MREwDwYDVQQDDAhvcGVyYXRvcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABMnu\n"
	"dShgjg0DyUoxnsMdCW26aeTi4Yn5n2fBhdekvo1Gi6/jzbCiKSryOq+fQNK/VnjG\n"
	"Eywkbv2eHyWD7VzQOoSjdTBzMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeA\n"
	"MBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0GA1UdDgQWBBQDOqssDWydIb+7Ysr3YmEr\n"
	"qhPqRDAfBgNVHSMEGDAWgBQk2MK46200r3a/sxRpnRyccm7BaDAKBggqhkjOPQQD\n"
	"AgNHADBEAiBwSCPezRWuAwi3FjHUU4g6ghAyEIHBBSinF5v4nJeyGgIgdYNjKLtS\n"
	"UG6fTfhttR5DXNfOyq/URXLe6A97mm534a4=\n"
	"-----END CERTIFICATE-----\n"
;
static const char cli_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbRB7BUidYW0yoe7b\n"
	"J8J0cDlw0u9nnJRrIbw4tPBvXUehRANCAATJ7nUoYI4NA8lKMZ7DHQltumnk4uGJ\n"
	"+Z9nwYXXpL6NRouv482woikq8jqvn0DSv1Z4xhMsJG79nh8lg+1c0DqE\n"
	"-----END PRIVATE KEY-----\n"
;
static const char cli2_crt[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBxjCCAW2gAwIBAgIJAJl1aW9oXXWoMAoGCCqGSM49BAMCMDAxFDASBgNVBAoM\n"
	"C1NsdWljZSB0ZXN0MRgwFgYDVQQDDA9TbHVpY2UgdGVzdCBjYTIwIBcNMjYxMjA2\n"
	"MDc1MTUxWhgPMjEyNjExMTIwNzUxNTFaMCkxFDASBgNVBAoMC1NsdWljZSB0ZXN0\n"
	"MREwDwYDVQQDDAhpbnRydWRlcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABH3t\n"
	"r3hh/iFP+oD5D0ZXExC9h+Ia2I7zwMkEPw/j6n+N9VdDJlO/EWQnnxCJxgJimOv2\n"
	"Vj2dAZoMOBkYcmbeEXSjdTBzMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeA\n"
	"MBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0GA1UdDgQWBBT1NUSwYzJcWl/qNQRjnK2q\n"
	"S7NmEzAfBgNVHSMEGDAWgBTl9ze0SUDJZ1K7TyublOAZgg7nJjAKBggqhkjOPQQD\n"
	"AgNHADBEAiAlrkx3ZlYYfQLscsIMLO8fYqJEO5EBUpnItaTbmy60wQIgdRjPWyGF\n"
	"hni4gHLGefb+5BUEwx1vdALx/wKQa20Eolo=\n"
	"-----END CERTIFICATE-----\n"
;
static const char cli2_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoN+bobrHGIecbMWg\n"
	"LnASJlDsy1AdITILlRpk6CDs0KWhRANCAAR97a94Yf4hT/qA+Q9GVxMQvYfiGtiO\n"
	"88DJBD8P4+p/jfVXQyZTvxFkJ58QicYCYpjr9lY9nQGaDDgZGHJm3hF0\n"
	"-----END PRIVATE KEY-----\n"
;

/* ---- the wall clock the test chooses ------------------------------------------------- */

#define T_2030 INT64_C(1900000000) /* 2030-03-17: inside the certificates' validity */
#define T_2023 INT64_C(1700000000) /* before it */
#define T_2200 INT64_C(7258118400) /* 2200-01-01: after it */
static int64_t clock_now;
static int64_t test_clock(void) { return clock_now; }

/* ---- two endpoints over two in-memory pipes ------------------------------------------ */

struct pipe {
	unsigned char buf[1 << 16];
	size_t head, len;
	uint64_t moved; /* bytes ever written: progress */
};

struct ep {
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	struct pipe *in, *out;
	int ret; /* last handshake result */
	bool done;
};

static struct pipe c2s, s2c;
static struct ep srv, cli;

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct pipe *p = ((struct ep *)ctx)->out;
	size_t room = sizeof p->buf - p->len;
	if (room == 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (len > room)
		len = room;
	for (size_t i = 0; i < len; i++)
		p->buf[(p->head + p->len + i) % sizeof p->buf] = buf[i];
	p->len += len;
	p->moved += len;
	return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct pipe *p = ((struct ep *)ctx)->in;
	if (p->len == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > p->len)
		len = p->len;
	for (size_t i = 0; i < len; i++)
		buf[i] = p->buf[(p->head + i) % sizeof p->buf];
	p->head = (p->head + len) % sizeof p->buf;
	p->len -= len;
	return (int)len;
}

static const char psk_identity[] = "operator";
static const unsigned char psk_key[32] = "0123456789abcdef0123456789abcde";

static void add_cert(struct ep *e, const char *crt, size_t crtlen, const char *key, size_t keylen)
{
	ck_assert_int_eq(mbedtls_x509_crt_parse(&e->crt, (const unsigned char *)crt, crtlen), 0);
	ck_assert_int_eq(mbedtls_pk_parse_key(&e->key, (const unsigned char *)key, keylen, NULL, 0), 0);
	ck_assert_int_eq(mbedtls_ssl_conf_own_cert(&e->conf, &e->crt, &e->key), 0);
}
#define ADD_CERT(e, c, k) add_cert(e, c, sizeof c, k, sizeof k) /* PEM: the NUL counts */

/* An endpoint with its defaults: TLS 1.2 (the only version built), every compiled suite,
 * the peer's certificate required (the server too: mutual authentication), ca as the
 * trusted CA (NULL: none). */
static void ep_init(struct ep *e, int endpoint, struct pipe *in, struct pipe *out, const char *ca, size_t calen)
{
	memset(e, 0, sizeof *e);
	mbedtls_ssl_init(&e->ssl);
	mbedtls_ssl_config_init(&e->conf);
	mbedtls_x509_crt_init(&e->ca);
	mbedtls_x509_crt_init(&e->crt);
	mbedtls_pk_init(&e->key);
	e->in = in;
	e->out = out;
	ck_assert_int_eq(mbedtls_ssl_config_defaults(&e->conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
	    MBEDTLS_SSL_PRESET_DEFAULT), 0);
	mbedtls_ssl_conf_rng(&e->conf, tls_rng, NULL);
	mbedtls_ssl_conf_authmode(&e->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	if (ca) {
		ck_assert_int_eq(mbedtls_x509_crt_parse(&e->ca, (const unsigned char *)ca, calen), 0);
		mbedtls_ssl_conf_ca_chain(&e->conf, &e->ca, NULL);
	}
}
#define EP_INIT(e, end, in, out, ca) ep_init(e, end, in, out, ca, sizeof ca)

static void ep_setup(struct ep *e)
{
	ck_assert_int_eq(mbedtls_ssl_setup(&e->ssl, &e->conf), 0);
	mbedtls_ssl_set_bio(&e->ssl, e, bio_send, bio_recv, NULL);
}

static void ep_free(struct ep *e)
{
	mbedtls_ssl_free(&e->ssl);
	mbedtls_ssl_config_free(&e->conf);
	mbedtls_x509_crt_free(&e->ca);
	mbedtls_x509_crt_free(&e->crt);
	mbedtls_pk_free(&e->key);
}

static void pair_init(void)
{
	memset(&c2s, 0, sizeof c2s);
	memset(&s2c, 0, sizeof s2c);
	EP_INIT(&srv, MBEDTLS_SSL_IS_SERVER, &c2s, &s2c, ca1_crt);
	EP_INIT(&cli, MBEDTLS_SSL_IS_CLIENT, &s2c, &c2s, ca1_crt);
	ADD_CERT(&srv, srv_crt, srv_key);
}

static void pair_setup(void)
{
	ep_setup(&srv);
	ep_setup(&cli);
	ck_assert_int_eq(mbedtls_ssl_set_hostname(&cli.ssl, "sluice.test"), 0);
}

static void step(struct ep *e)
{
	if (e->done)
		return;
	e->ret = mbedtls_ssl_handshake(&e->ssl);
	if (e->ret != MBEDTLS_ERR_SSL_WANT_READ && e->ret != MBEDTLS_ERR_SSL_WANT_WRITE)
		e->done = true; /* finished, or failed */
}

/* Both sides until each has finished or failed and no byte moves any more (a side that
 * failed sent its alert, which the other then reads). Returns true when both succeeded. */
static bool handshake(void)
{
	for (int round = 0; round < 200; round++) {
		uint64_t before = c2s.moved + s2c.moved;
		step(&cli);
		step(&srv);
		if (srv.done && cli.done)
			break;
		if (c2s.moved + s2c.moved == before && c2s.len == 0 && s2c.len == 0)
			break; /* nobody has anything to read: stuck (after a failure) */
	}
	return srv.done && cli.done && srv.ret == 0 && cli.ret == 0;
}

/* Writes all of len bytes from one side and reads them on the other, interleaved. */
static void transfer(struct ep *from, struct ep *to, const unsigned char *data, size_t len)
{
	static unsigned char got[1 << 15];
	ck_assert_uint_le(len, sizeof got);
	size_t sent = 0, recvd = 0;
	for (int round = 0; recvd < len && round < 1000; round++) {
		if (sent < len) {
			int n = mbedtls_ssl_write(&from->ssl, data + sent, len - sent);
			ck_assert_msg(n > 0 || n == MBEDTLS_ERR_SSL_WANT_WRITE, "ssl_write: -0x%04x", (unsigned)-n);
			if (n > 0) {
				/* at most one record's plaintext at a time (MBEDTLS_SSL_OUT_CONTENT_LEN) */
				ck_assert_int_le(n, MBEDTLS_SSL_OUT_CONTENT_LEN);
				sent += (size_t)n;
			}
		}
		int n = mbedtls_ssl_read(&to->ssl, got + recvd, sizeof got - recvd);
		ck_assert_msg(n > 0 || n == MBEDTLS_ERR_SSL_WANT_READ, "ssl_read: -0x%04x", (unsigned)-n);
		if (n > 0)
			recvd += (size_t)n;
	}
	ck_assert_uint_eq(recvd, len);
	ck_assert_mem_eq(got, data, len);
}

static const int allowed_suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_PSK_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
};

static bool suite_allowed(int id)
{
	for (size_t i = 0; i < sizeof allowed_suites / sizeof allowed_suites[0]; i++)
		if (allowed_suites[i] == id)
			return true;
	return false;
}

/* The negotiated suite, on both sides, as an ID; and TLS 1.2. */
static int negotiated(void)
{
	const char *name = mbedtls_ssl_get_ciphersuite(&srv.ssl);
	ck_assert_ptr_nonnull(name);
	ck_assert_str_eq(name, mbedtls_ssl_get_ciphersuite(&cli.ssl));
	ck_assert_str_eq(mbedtls_ssl_get_version(&srv.ssl), "TLSv1.2");
	ck_assert_str_eq(mbedtls_ssl_get_version(&cli.ssl), "TLSv1.2");
	int id = mbedtls_ssl_get_ciphersuite_id(name);
	ck_assert_msg(suite_allowed(id), "negotiated %s (0x%04x), not an allowed AEAD suite", name, (unsigned)id);
	return id;
}

static void setup(void)
{
	char err[128];
	ck_assert_msg(tls_init(err, sizeof err) == 0, "%s", err);
	clock_now = T_2030;
	tls_set_wall_clock(test_clock);
}

static void teardown(void)
{
	ep_free(&srv);
	ep_free(&cli);
	tls_set_wall_clock(NULL);
	tls_fini();
}

/* ---- tls.c ----------------------------------------------------------------------------- */

START_TEST(init_and_drbg)
{
	char err[128];
	ck_assert_ptr_nonnull(tls_drbg());
	ck_assert_int_eq(tls_init(err, sizeof err), 0); /* once: again is a no-op */
	unsigned char a[48] = { 0 }, b[48] = { 0 }, zero[48] = { 0 };
	ck_assert_int_eq(tls_rng(NULL, a, sizeof a), 0);
	ck_assert_int_eq(tls_rng(NULL, b, sizeof b), 0);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	ck_assert(memcmp(a, zero, sizeof a) != 0);
	ck_assert_str_eq(tls_entropy_source(), "getrandom");
	ck_assert_ptr_nonnull(strstr(tls_version(), "2.28"));
	tls_fini();
	ck_assert_ptr_null(tls_drbg());
	ck_assert_int_ne(tls_rng(NULL, a, sizeof a), 0);
	ck_assert_int_eq(tls_init(err, sizeof err), 0);
	ck_assert_int_eq(tls_rng(NULL, a, sizeof a), 0);
}
END_TEST

/* tls.c's gmtime against glibc's over the years certificates use, and no time at all. */
START_TEST(gmtime_matches_libc)
{
	struct tm mine, libc;
	mbedtls_time_t t;
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = i < 4 ? (mbedtls_time_t[]){ 1, 86399, 86400, 951782400 }[i] /* 2000-02-29 */
		          : (mbedtls_time_t)(1 + x % INT64_C(253402300799)); /* up to 9999-12-31 */
		time_t tt = (time_t)t;
		ck_assert_ptr_nonnull(mbedtls_platform_gmtime_r(&t, &mine));
		ck_assert_ptr_nonnull(gmtime_r(&tt, &libc));
		ck_assert_msg(mine.tm_year == libc.tm_year && mine.tm_mon == libc.tm_mon &&
		    mine.tm_mday == libc.tm_mday && mine.tm_hour == libc.tm_hour &&
		    mine.tm_min == libc.tm_min && mine.tm_sec == libc.tm_sec &&
		    mine.tm_wday == libc.tm_wday && mine.tm_yday == libc.tm_yday, "t=%lld", (long long)t);
	}
	t = 0;
	ck_assert_ptr_null(mbedtls_platform_gmtime_r(&t, &mine));
	t = -1;
	ck_assert_ptr_null(mbedtls_platform_gmtime_r(&t, &mine));
}
END_TEST

/* ---- X.509, mutual authentication ---------------------------------------------------- */

START_TEST(mutual_auth_and_data)
{
	pair_init();
	ADD_CERT(&cli, cli_crt, cli_key);
	pair_setup();
	ck_assert_msg(handshake(), "server -0x%04x client -0x%04x", (unsigned)-srv.ret, (unsigned)-cli.ret);
	int id = negotiated();
	/* ECDSA certificates on both sides: an ECDHE-ECDSA suite, AES-128-GCM first */
	ck_assert_int_eq(id, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	ck_assert_uint_eq(mbedtls_ssl_get_verify_result(&srv.ssl), 0);
	ck_assert_uint_eq(mbedtls_ssl_get_verify_result(&cli.ssl), 0);
	/* each side sees the other's certificate */
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&srv.ssl);
	ck_assert_ptr_nonnull(peer);
	char dn[128];
	ck_assert_int_gt(mbedtls_x509_dn_gets(dn, sizeof dn, &peer->subject), 0);
	ck_assert_str_eq(dn, "O=Sluice test, CN=operator");
	peer = mbedtls_ssl_get_peer_cert(&cli.ssl);
	ck_assert_ptr_nonnull(peer);
	ck_assert_int_gt(mbedtls_x509_dn_gets(dn, sizeof dn, &peer->subject), 0);
	ck_assert_str_eq(dn, "O=Sluice test, CN=sluice.test");

	transfer(&cli, &srv, (const unsigned char *)"ping", 4);
	transfer(&srv, &cli, (const unsigned char *)"pong", 4);
	/* more than one record each way: 4 KiB of plaintext a record out, 16 KiB in at most */
	static unsigned char big[20000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 131 + 7);
	transfer(&cli, &srv, big, sizeof big);
	transfer(&srv, &cli, big, sizeof big);

	/* a clean close: the server reads the close_notify */
	ck_assert_int_eq(mbedtls_ssl_close_notify(&cli.ssl), 0);
	unsigned char b[16];
	ck_assert_int_eq(mbedtls_ssl_read(&srv.ssl, b, sizeof b), MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
}
END_TEST

/* Each suite the configuration offers for certificates, forced on the client. */
START_TEST(each_ecdsa_suite)
{
	static const int suites[][2] = {
		{ MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0 },
		{ MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 0 },
		{ MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0 },
	};
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		pair_init();
		ADD_CERT(&cli, cli_crt, cli_key);
		mbedtls_ssl_conf_ciphersuites(&cli.conf, suites[i]);
		pair_setup();
		ck_assert_msg(handshake(), "suite 0x%04x: server -0x%04x client -0x%04x", (unsigned)suites[i][0],
		    (unsigned)-srv.ret, (unsigned)-cli.ret);
		ck_assert_int_eq(negotiated(), suites[i][0]);
		transfer(&cli, &srv, (const unsigned char *)"hello", 5);
		transfer(&srv, &cli, (const unsigned char *)"world", 5);
		ep_free(&srv);
		ep_free(&cli);
	}
	pair_init(); /* for teardown */
	pair_setup();
}
END_TEST

/* Suites the configuration leaves out: a client offering only those finds no server. */
START_TEST(no_cbc_suite)
{
	ck_assert_ptr_null(mbedtls_ssl_ciphersuite_from_id(MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256));
	ck_assert_ptr_null(mbedtls_ssl_ciphersuite_from_id(MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256));
	ck_assert_ptr_null(mbedtls_ssl_ciphersuite_from_id(MBEDTLS_TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256));
	const int *list = mbedtls_ssl_list_ciphersuites();
	int n = 0;
	for (; list[n]; n++)
		ck_assert_msg(suite_allowed(list[n]), "0x%04x compiled in", (unsigned)list[n]);
	ck_assert_int_eq(n, (int)(sizeof allowed_suites / sizeof allowed_suites[0]));
}
END_TEST

START_TEST(client_without_certificate)
{
	pair_init();
	pair_setup();
	ck_assert(!handshake());
	ck_assert_int_ne(srv.ret, 0);
	ck_assert_int_ne(srv.ret, MBEDTLS_ERR_SSL_WANT_READ);
	ck_assert_int_eq(srv.ret, MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE);
	ck_assert_int_ne(cli.ret, 0); /* the client reads the server's alert */
}
END_TEST

START_TEST(client_certificate_from_other_ca)
{
	pair_init();
	ADD_CERT(&cli, cli2_crt, cli2_key);
	pair_setup();
	ck_assert(!handshake());
	ck_assert_int_eq(srv.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	ck_assert_uint_ne(mbedtls_ssl_get_verify_result(&srv.ssl) & MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0);
	ck_assert_int_ne(cli.ret, 0);
}
END_TEST

/* A server whose certificate the client cannot chain (it trusts ca2 only). */
START_TEST(server_certificate_untrusted)
{
	memset(&c2s, 0, sizeof c2s);
	memset(&s2c, 0, sizeof s2c);
	EP_INIT(&srv, MBEDTLS_SSL_IS_SERVER, &c2s, &s2c, ca1_crt);
	EP_INIT(&cli, MBEDTLS_SSL_IS_CLIENT, &s2c, &c2s, ca2_crt);
	ADD_CERT(&srv, srv_crt, srv_key);
	ADD_CERT(&cli, cli_crt, cli_key);
	pair_setup();
	ck_assert(!handshake());
	ck_assert_int_eq(cli.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	ck_assert_int_ne(srv.ret, 0);
}
END_TEST

/* The name the client asked for must be the certificate's. */
START_TEST(server_name_mismatch)
{
	pair_init();
	ADD_CERT(&cli, cli_crt, cli_key);
	pair_setup();
	ck_assert_int_eq(mbedtls_ssl_set_hostname(&cli.ssl, "other.test"), 0);
	ck_assert(!handshake());
	ck_assert_int_eq(cli.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	ck_assert_uint_ne(mbedtls_ssl_get_verify_result(&cli.ssl) & MBEDTLS_X509_BADCERT_CN_MISMATCH, 0);
}
END_TEST

START_TEST(client_tls11_only)
{
	pair_init();
	ADD_CERT(&cli, cli_crt, cli_key);
	mbedtls_ssl_conf_max_version(&cli.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_2);
	pair_setup();
	ck_assert(!handshake());
	ck_assert_int_eq(srv.ret, MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION);
	ck_assert_int_ne(cli.ret, 0);
}
END_TEST

/* ---- the wall clock ------------------------------------------------------------------ */

static void clock_case(int64_t now, bool no_clock_cb)
{
	pair_init();
	ADD_CERT(&cli, cli_crt, cli_key);
	if (no_clock_cb) {
		mbedtls_ssl_conf_verify(&srv.conf, tls_verify_no_clock, NULL);
		mbedtls_ssl_conf_verify(&cli.conf, tls_verify_no_clock, NULL);
	}
	pair_setup();
	clock_now = now;
}

START_TEST(no_wall_clock_fails_closed)
{
	tls_set_wall_clock(NULL);
	ck_assert(!tls_wall_clock_known());
	clock_case(0, false);
	ck_assert(!handshake());
	ck_assert_int_eq(cli.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	uint32_t flags = mbedtls_ssl_get_verify_result(&cli.ssl);
	ck_assert_uint_eq(flags, MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
}
END_TEST

START_TEST(clock_reporting_zero_fails_closed)
{
	clock_case(0, false);
	ck_assert(!tls_wall_clock_known());
	ck_assert(!handshake());
	ck_assert_int_eq(cli.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
}
END_TEST

START_TEST(no_wall_clock_with_callback)
{
	tls_set_wall_clock(NULL);
	clock_case(0, true);
	ck_assert_msg(handshake(), "server -0x%04x client -0x%04x", (unsigned)-srv.ret, (unsigned)-cli.ret);
	ck_assert_uint_eq(mbedtls_ssl_get_verify_result(&srv.ssl), 0);
	ck_assert_uint_eq(mbedtls_ssl_get_verify_result(&cli.ssl), 0);
}
END_TEST

/* The callback only forgives the dates: a chain it cannot verify still fails. */
START_TEST(no_wall_clock_callback_still_checks_chain)
{
	tls_set_wall_clock(NULL);
	pair_init();
	ADD_CERT(&cli, cli2_crt, cli2_key);
	mbedtls_ssl_conf_verify(&srv.conf, tls_verify_no_clock, NULL);
	mbedtls_ssl_conf_verify(&cli.conf, tls_verify_no_clock, NULL);
	pair_setup();
	ck_assert(!handshake());
	ck_assert_int_eq(srv.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	ck_assert_uint_eq(mbedtls_ssl_get_verify_result(&srv.ssl), MBEDTLS_X509_BADCERT_NOT_TRUSTED);
}
END_TEST

START_TEST(expired_with_clock)
{
	clock_case(T_2200, true); /* the callback changes nothing once the time is known */
	ck_assert(tls_wall_clock_known());
	ck_assert(!handshake());
	ck_assert_int_eq(cli.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	ck_assert_uint_eq(mbedtls_ssl_get_verify_result(&cli.ssl), MBEDTLS_X509_BADCERT_EXPIRED);
}
END_TEST

START_TEST(not_yet_valid_with_clock)
{
	clock_case(T_2023, true);
	ck_assert(!handshake());
	ck_assert_int_eq(cli.ret, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
	ck_assert_uint_eq(mbedtls_ssl_get_verify_result(&cli.ssl), MBEDTLS_X509_BADCERT_FUTURE);
}
END_TEST

/* ---- TLS-PSK ------------------------------------------------------------------------- */

static void psk_pair(const unsigned char *cli_key, const int *cli_suites)
{
	memset(&c2s, 0, sizeof c2s);
	memset(&s2c, 0, sizeof s2c);
	EP_INIT(&srv, MBEDTLS_SSL_IS_SERVER, &c2s, &s2c, ca1_crt);
	ep_init(&cli, MBEDTLS_SSL_IS_CLIENT, &s2c, &c2s, NULL, 0);
	ck_assert_int_eq(mbedtls_ssl_conf_psk(&srv.conf, psk_key, sizeof psk_key,
	    (const unsigned char *)psk_identity, strlen(psk_identity)), 0);
	ck_assert_int_eq(mbedtls_ssl_conf_psk(&cli.conf, cli_key, sizeof psk_key,
	    (const unsigned char *)psk_identity, strlen(psk_identity)), 0);
	if (cli_suites)
		mbedtls_ssl_conf_ciphersuites(&cli.conf, cli_suites);
	ep_setup(&srv);
	ep_setup(&cli);
}

START_TEST(psk_right_key)
{
	static const int suites[][2] = {
		{ MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, 0 },
		{ MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256, 0 },
		{ MBEDTLS_TLS_PSK_WITH_AES_256_GCM_SHA384, 0 },
		{ MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, 0 },
	};
	/* the default list first: the server (no certificate) takes ECDHE-PSK */
	psk_pair(psk_key, NULL);
	ck_assert_msg(handshake(), "server -0x%04x client -0x%04x", (unsigned)-srv.ret, (unsigned)-cli.ret);
	ck_assert_int_eq(negotiated(), MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256);
	transfer(&cli, &srv, (const unsigned char *)"status", 6);
	transfer(&srv, &cli, (const unsigned char *)"ok", 2);
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		ep_free(&srv);
		ep_free(&cli);
		psk_pair(psk_key, suites[i]);
		ck_assert_msg(handshake(), "suite 0x%04x: server -0x%04x client -0x%04x", (unsigned)suites[i][0],
		    (unsigned)-srv.ret, (unsigned)-cli.ret);
		ck_assert_int_eq(negotiated(), suites[i][0]);
		transfer(&cli, &srv, (const unsigned char *)"status", 6);
		transfer(&srv, &cli, (const unsigned char *)"ok", 2);
	}
}
END_TEST

START_TEST(psk_wrong_key)
{
	static const int plain[] = { MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256, 0 };
	unsigned char wrong[sizeof psk_key];
	memcpy(wrong, psk_key, sizeof wrong);
	wrong[7] ^= 1;
	psk_pair(wrong, NULL);
	ck_assert(!handshake());
	ck_assert_int_ne(srv.ret, 0);
	ck_assert_int_ne(cli.ret, 0);
	ep_free(&srv);
	ep_free(&cli);
	psk_pair(wrong, plain);
	ck_assert(!handshake());
	ck_assert_int_ne(srv.ret, 0);
	ck_assert_int_ne(cli.ret, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_and_drbg);
	tcase_add_test(tc, gmtime_matches_libc);
	tcase_add_test(tc, mutual_auth_and_data);
	tcase_add_test(tc, each_ecdsa_suite);
	tcase_add_test(tc, no_cbc_suite);
	tcase_add_test(tc, client_without_certificate);
	tcase_add_test(tc, client_certificate_from_other_ca);
	tcase_add_test(tc, server_certificate_untrusted);
	tcase_add_test(tc, server_name_mismatch);
	tcase_add_test(tc, client_tls11_only);
	tcase_add_test(tc, no_wall_clock_fails_closed);
	tcase_add_test(tc, clock_reporting_zero_fails_closed);
	tcase_add_test(tc, no_wall_clock_with_callback);
	tcase_add_test(tc, no_wall_clock_callback_still_checks_chain);
	tcase_add_test(tc, expired_with_clock);
	tcase_add_test(tc, not_yet_valid_with_clock);
	tcase_add_test(tc, psk_right_key);
	tcase_add_test(tc, psk_wrong_key);
	suite_add_tcase(s, tc);
	return check_run(s);
}
