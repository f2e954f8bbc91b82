/* tls.c - the state TLS connections share: the seeded DRBG and the wall clock (tls.h). */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/entropy.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/ssl.h"
#include "mbedtls/version.h"
#include "plat.h"

static mbedtls_time_t tls_time(mbedtls_time_t *t);

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static bool ready;

/* The pool's one source: the platform's best (plat.h). mbedTLS asks for what it lacks. */
static int plat_source(void *data, unsigned char *out, size_t len, size_t *olen)
{
	(void)data;
	plat_random(out, len);
	*olen = len;
	return 0;
}

static void fail(char *err, size_t errlen, const char *what, int ret)
{
	if (err && errlen)
		snprintf(err, errlen, "tls: %s failed (mbedTLS -0x%04x)", what, (unsigned)-ret);
}

int tls_init(char *err, size_t errlen)
{
	if (ready)
		return 0;
	/* mbedTLS's clock is this module's from now on: until it is set, no wall clock (and
	 * not the C library's time(), which hosted would read). */
	mbedtls_platform_set_time(tls_time);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	int ret = mbedtls_entropy_add_source(&entropy, plat_source, NULL, 32, MBEDTLS_ENTROPY_SOURCE_STRONG);
	if (ret) {
		fail(err, errlen, "adding the platform's entropy source", ret);
		goto out;
	}
	static const unsigned char pers[] = "sluice tls drbg";
	ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers, sizeof pers - 1);
	if (ret) {
		fail(err, errlen, "seeding the CTR_DRBG", ret);
		goto out;
	}
	ready = true;
	return 0;
out:
	tls_fini();
	return -1;
}

mbedtls_ctr_drbg_context *tls_drbg(void)
{
	return ready ? &drbg : NULL;
}

int tls_rng(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	if (!ready)
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	return mbedtls_ctr_drbg_random(&drbg, out, len);
}

const char *tls_entropy_source(void)
{
	return plat_entropy_source();
}

void tls_fini(void)
{
	mbedtls_ctr_drbg_free(&drbg); /* both zeroize their contexts */
	mbedtls_entropy_free(&entropy);
	ready = false;
}

const char *tls_version(void)
{
	return MBEDTLS_VERSION_STRING_FULL;
}

/* ---- the wall clock ------------------------------------------------------------------ */

static int64_t (*wall_clock)(void);

static mbedtls_time_t tls_time(mbedtls_time_t *t)
{
	int64_t now = wall_clock ? wall_clock() : 0;
	if (now < 0)
		now = 0;
	if (t)
		*t = (mbedtls_time_t)now;
	return (mbedtls_time_t)now;
}

void tls_set_wall_clock(int64_t (*now)(void))
{
	wall_clock = now;
	mbedtls_platform_set_time(tls_time);
}

bool tls_wall_clock_known(void)
{
	return wall_clock && wall_clock() > 0;
}

/* MBEDTLS_PLATFORM_GMTIME_R_ALT: UTC fields from seconds since 1970 (days to a civil date
 * as in Howard Hinnant's chrono algorithms), NULL for a time not known (0 or less): then
 * mbedTLS's X.509 code reports every certificate as both expired and not yet valid. */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
	if (!tt || *tt <= 0 || !tm_buf)
		return NULL;
	int64_t secs = (int64_t)*tt;
	int64_t days = secs / 86400, rem = secs % 86400;
	int64_t z = days + 719468; /* days since 0000-03-01 */
	int64_t era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t mday = doy - (153 * mp + 2) / 5 + 1;
	int64_t mon = mp < 10 ? mp + 3 : mp - 9; /* 1..12 */
	int64_t year = yoe + era * 400 + (mon <= 2);
	if (year - 1900 > 0x7fffffff)
		return NULL;
	static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	memset(tm_buf, 0, sizeof *tm_buf);
	tm_buf->tm_year = (int)(year - 1900);
	tm_buf->tm_mon = (int)(mon - 1);
	tm_buf->tm_mday = (int)mday;
	tm_buf->tm_hour = (int)(rem / 3600);
	tm_buf->tm_min = (int)(rem % 3600 / 60);
	tm_buf->tm_sec = (int)(rem % 60);
	tm_buf->tm_wday = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
	tm_buf->tm_yday = before[mon - 1] + (int)mday - 1 + (leap && mon > 2);
	return tm_buf;
}

int tls_verify_no_clock(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	(void)ctx;
	(void)crt;
	(void)depth;
	if (!tls_wall_clock_known())
		*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	return 0;
}

int tls_parse_pem(const char *name, const void *data, size_t len, mbedtls_x509_crt *crt, mbedtls_pk_context *key,
		  char *err, size_t errlen)
{
	unsigned char *z = malloc(len + 1);
	if (!z)
		return plat_snprintf(err, errlen, "%s: no memory", name), -1;
	memcpy(z, data, len);
	z[len] = 0;
	int rc = crt ? mbedtls_x509_crt_parse(crt, z, len + 1) : mbedtls_pk_parse_key(key, z, len + 1, NULL, 0);
	mbedtls_platform_zeroize(z, len);
	free(z);
	if (rc != 0) {
		char why[120];
		return plat_snprintf(err, errlen, "%s: not a %s: %s", name, crt ? "PEM certificate" : "private key",
				     tls_strerror(rc, why, sizeof(why))), -1;
	}
	return 0;
}

const char *tls_strerror(int rc, char *buf, size_t len)
{
	static const struct { int rc; const char *why; } known[] = {
		{ MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE, "no client certificate" },
		{ MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, "the certificate does not verify" },
		{ MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED, "the peer's verification failed" },
		{ MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION, "protocol version refused (TLS 1.2 only)" },
		{ MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN, "no cipher suite in common" },
		{ MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE, "no usable cipher suite" },
		{ MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO, "a malformed ClientHello" },
		{ MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE, "a malformed Certificate message" },
		{ MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE_VERIFY, "the CertificateVerify signature is wrong" },
		{ MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE, "a malformed ClientKeyExchange" },
		{ MBEDTLS_ERR_SSL_BAD_HS_FINISHED, "Finished does not verify (a wrong key)" },
		{ MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY, "unknown PSK identity" },
		{ MBEDTLS_ERR_SSL_INVALID_MAC, "a record does not authenticate (a wrong key)" },
		{ MBEDTLS_ERR_SSL_INVALID_RECORD, "not a TLS record" },
		{ MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, "the peer sent a fatal alert" },
		{ MBEDTLS_ERR_SSL_CONN_EOF, "the connection closed" },
		{ MBEDTLS_ERR_SSL_ALLOC_FAILED, "no memory" },
		{ MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, "an unexpected message" },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].rc == rc) {
			plat_snprintf(buf, len, "%s", known[i].why);
			return buf;
		}
	plat_snprintf(buf, len, "mbedTLS error -0x%04x", (unsigned)-rc);
	return buf;
}
