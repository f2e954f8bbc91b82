/* tls.h - TLS for the appliance's own services (the control socket builds on it): mbedTLS
 * 2.28 compiled with tls/mbedtls_config.h (TLS 1.2, AEAD suites, X.509 or PSK), the same on
 * both platforms, and the state every connection shares: one CTR_DRBG seeded from the
 * platform's entropy (plat_random(), platform/plat.h) and the wall clock certificates are
 * checked against. One thread, as everything here: nothing is locked.
 *
 * Users include mbedTLS's headers themselves; tls_dep (hosted) and img_tls_lib's include
 * flags (kernel/meson.build) set MBEDTLS_CONFIG_FILE for them.
 */
#ifndef SLUICE_TLS_H
#define SLUICE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/x509_crt.h"

/* Seeds the shared CTR_DRBG, once: an mbedTLS entropy pool whose one strong source is
 * plat_random(), 256 bits of it (and a nonce) per seed, and the DRBG reseeds from the pool
 * on its own every MBEDTLS_CTR_DRBG_RESEED_INTERVAL requests. Later calls return 0 at
 * once. On failure returns -1 with a line in err (errlen bytes, always terminated) and
 * may be called again. */
int tls_init(char *err, size_t errlen);
/* The DRBG once tls_init() has succeeded, else NULL. */
mbedtls_ctr_drbg_context *tls_drbg(void);
/* The DRBG as an mbedTLS f_rng (ctx is ignored): mbedtls_ssl_conf_rng(conf, tls_rng, NULL),
 * mbedtls_pk_parse_key's and the ECP calls'. Fails (MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED)
 * before tls_init(). */
int tls_rng(void *ctx, unsigned char *out, size_t len);
/* What plat_random() reads ("getrandom", "rdseed", ...), for the log line at start. */
const char *tls_entropy_source(void);
/* Zeroes the DRBG and the pool; tls_init() seeds anew. For teardown and tests. */
void tls_fini(void);

/* What an mbedTLS error code means, in a few words, for log lines ("no client
 * certificate", "unknown PSK identity"); the code in hex for the rest (MBEDTLS_ERROR_C,
 * its full table, is not compiled in). Returns buf. */
const char *tls_strerror(int rc, char *buf, size_t len);

/* A PEM certificate chain (appended to crt) or, with crt NULL, a private key (into key)
 * from data[0..len), named name in messages. mbedTLS wants PEM with its terminating zero:
 * the bytes are copied to add it, and the copy wiped. 0, or -1 with "NAME: not a PEM
 * certificate: why" ("not a private key", "no memory") in err. */
int tls_parse_pem(const char *name, const void *data, size_t len, mbedtls_x509_crt *crt, mbedtls_pk_context *key,
		  char *err, size_t errlen);

/* "mbed TLS 2.28.3" (the compiled headers' version). */
const char *tls_version(void);

/* ---- the wall clock ------------------------------------------------------------------ */
/* Certificates carry validity dates; checking them needs UTC, which neither plat.h nor the
 * image has (plat_clock_ns() is monotonic from boot). The platform or the app sets the
 * source here: now() returns seconds since 1970-01-01T00:00:00Z, or 0 or less while it
 * does not know (yet). NULL: no wall clock, the default on both platforms (tls.c has no
 * platform #if, and from tls_init() on mbedTLS reads only this, not the C library's
 * time()): the hosted launcher, which has one, should set a clock that reads time().
 *
 * Without a known time every certificate fails verification with
 * MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE (mbedTLS fails closed when its
 * gmtime gives nothing): in the image, as it is, an X.509 handshake with verification
 * fails unless the caller installs tls_verify_no_clock() below. PSK handshakes and the
 * rest of the chain checks (signatures, CA, key usage, revocation lists) need no time. */
void tls_set_wall_clock(int64_t (*now)(void));
/* Whether the wall clock is set and gives a time now. */
bool tls_wall_clock_known(void);
/* A verify callback (mbedtls_ssl_conf_verify(conf, tls_verify_no_clock, NULL)) for
 * platforms that may have no wall clock: while tls_wall_clock_known() is false it clears
 * the two validity-date flags and nothing else, so that the chain, its signatures and its
 * CA are still checked but an expired or not-yet-valid certificate is accepted; once the
 * time is known it changes nothing. A deliberate policy choice of its caller. */
int tls_verify_no_clock(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

#endif
