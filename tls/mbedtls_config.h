/* mbedtls_config.h - Sluice's mbedTLS 2.28 configuration (MBEDTLS_CONFIG_FILE), the same for
 * the hosted library (tls_lib) and the image (img_tls_lib, kernel/meson.build).
 *
 * What it is for: a TLS 1.2 control socket, server side, with either X.509 (ECDSA P-256
 * certificates; RSA signatures verified when a peer's chain has them) and mutual
 * authentication, or a pre-shared key (TLS-PSK). The client side is built too (tools, the
 * tests' peer). Everything else is left out, so that what is compiled is what is used:
 *   - TLS 1.2 only: no SSL 3.0, TLS 1.0/1.1, no TLS 1.3 prototype, no DTLS, no renegotiation;
 *   - AEAD suites only (MBEDTLS_SSL_CIPHERSUITES below): ECDHE-ECDSA and ECDHE-RSA with
 *     AES-128/256-GCM and ChaCha20-Poly1305; ECDHE-PSK with ChaCha20-Poly1305 (TLS 1.2
 *     defines no ECDHE-PSK AES-GCM suite in mbedTLS 2.28: RFC 5489's are CBC) and PSK with
 *     AES-128/256-GCM and ChaCha20-Poly1305;
 *   - no file system, sockets, timing, threading, debug output, self tests or PSA;
 *   - entropy: none from the platform inside mbedTLS (MBEDTLS_NO_PLATFORM_ENTROPY):
 *     tls_init() (tls/tls.c) adds plat_random() as the one strong source;
 *   - time: mbedtls_time() is a hook (MBEDTLS_PLATFORM_TIME_ALT) and gmtime is tls.c's
 *     (MBEDTLS_PLATFORM_GMTIME_R_ALT), so that a platform without a wall clock (the image
 *     today) makes certificate validity checks fail closed instead of reading 1970
 *     (tls/tls.h says what the platform and the callers can do about it);
 *   - no assembly beyond general-register inline asm (bignum's x86_64 multiply): no AES-NI,
 *     no PadLock, no SSE2, since the image compiles with -mgeneral-regs-only; except hosted
 *     (SLUICE_TLS_AESNI, tls/meson.build), where AES-GCM takes AES-NI and PCLMULQDQ when the
 *     CPU has them (mbedTLS checks CPUID at run time): the static server's HTTPS.
 * mbedTLS's check_config.h is included at the end, as its own config.h does.
 */
#ifndef SLUICE_MBEDTLS_CONFIG_H
#define SLUICE_MBEDTLS_CONFIG_H

/* ---- system support ------------------------------------------------------------------ */
#define MBEDTLS_HAVE_ASM            /* bn_mul.h's x86_64 MULADDC: mulq/adcq, general registers */
#ifdef SLUICE_TLS_AESNI
#define MBEDTLS_AESNI_C             /* hosted only: the image has no SSE registers */
#endif
#define MBEDTLS_NO_UDBL_DIVISION    /* 128-bit division is libgcc's __udivti3, which the
                                     * image (-nostdlib) does not link: bignum.c's
                                     * mbedtls_int_div_int takes its portable path instead */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_TIME_ALT   /* mbedtls_platform_set_time(): tls_set_wall_clock() */
#define MBEDTLS_PLATFORM_GMTIME_R_ALT /* tls.c: UTC from seconds, NULL when no wall clock */
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* calloc/free: the C library's (glibc hosted, kernel/libc in the image). */

/* ---- feature support ----------------------------------------------------------------- */
#define MBEDTLS_AES_ROM_TABLES      /* tables in .rodata, not built into .bss at first use */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED /* X25519 key exchange (not for signatures) */
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_DETERMINISTIC /* RFC 6979: a signature never depends on the DRBG */
#define MBEDTLS_KEY_EXCHANGE_PSK_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_PK_PARSE_EC_EXTENDED
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_FALLBACK_SCSV
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

/* ---- modules ------------------------------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C        /* ECDSA signatures are ASN.1 */
#define MBEDTLS_BASE64_C            /* PEM */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_GCM_C
#define MBEDTLS_HMAC_DRBG_C         /* for MBEDTLS_ECDSA_DETERMINISTIC */
#define MBEDTLS_MD_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_RSA_C               /* ECDHE-RSA suites, RSA signatures in chains */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C            /* SHA-384: the AES-256-GCM suites' PRF, certificates */
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* ---- module options ------------------------------------------------------------------ */
/* Records the standard's 16 KiB of plaintext in, 4 KiB out. Input must take what any
 * client sends: OpenSSL and Python send up to 16 KiB a record unless max_fragment_length
 * was agreed, which most do not offer, and a smaller input buffer ends such a connection
 * with record_overflow (a 64 KiB command line from a script did). Output is ours to cut:
 * the control socket's answers go out in 4 KiB records. Each connection holds one of each
 * (plus headers and AEAD overhead): four connections take about 90 KiB of the heap. A
 * certificate chain arrives in one handshake message, which the 16 KiB input holds. */
#define MBEDTLS_SSL_IN_CONTENT_LEN  16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
/* Preference order: ECDHE before plain PSK, AES-128-GCM first (fast in software too). */
#define MBEDTLS_SSL_CIPHERSUITES \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, \
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, \
	MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, \
	MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256, \
	MBEDTLS_TLS_PSK_WITH_AES_256_GCM_SHA384, \
	MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
#define MBEDTLS_MPI_MAX_SIZE        512 /* RSA up to 4096 bits */
#define MBEDTLS_PSK_MAX_LEN         32
#define MBEDTLS_X509_MAX_INTERMEDIATE_CA 4

#include "mbedtls/check_config.h"

#endif
