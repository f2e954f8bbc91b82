/* ctl_client.h - sluice-ctl's parts: the credentials (ctl_keys.c) and the connection, TCP
 * and TLS 1.2 with a deadline on every wait (ctl_conn.c), which the session (ctl_client.c)
 * drives. Every failure comes back as -1 with one line in err, which main prints after
 * "sluice-ctl: " and exits 2 with. */
#ifndef SLUICE_CTL_CLIENT_H
#define SLUICE_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#define CTL_ERR_MAX 512                  /* bytes of a failure's line */
#define CTL_PATH_MAX 1024                /* bytes of a file's path */
#define CTL_PSK_ID_MAX 128               /* bytes of a PSK identity */
#define CTL_PSK_KEY_MAX 32               /* bytes of a PSK (MBEDTLS_PSK_MAX_LEN) */
#define CTL_CRED_FILE_MAX (1u << 20)     /* bytes of a certificate, key or psk file */

/* ---- credentials (ctl_keys.c) -------------------------------------------------------- */

/* Either X.509 (the lab CA that signed the server, the client's certificate and key) or a
 * pre-shared key. */
struct ctl_keys {
	bool psk;
	char psk_identity[CTL_PSK_ID_MAX];
	unsigned char psk_key[CTL_PSK_KEY_MAX];
	size_t psk_len;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	char ca_path[CTL_PATH_MAX], crt_path[CTL_PATH_MAX];
};

/* Loads the credentials: psk ("IDENTITY:HEX") if given, else psk_file ("IDENTITY HEX" on
 * its first line) if given, else dir: DIR/ca.crt, DIR/client.crt and DIR/client.key, or
 * DIR/psk when DIR has no client.crt. 0, or -1 with err. */
int ctl_keys_load(struct ctl_keys *k, const char *dir, const char *psk, const char *psk_file, char *err, size_t errlen);
void ctl_keys_free(struct ctl_keys *k);

/* ---- the connection (ctl_conn.c) ----------------------------------------------------- */

struct ctl_conn {
	int fd;
	const char *target;                  /* "HOST:PORT", for messages */
	const struct ctl_keys *keys;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	int suites[16];                      /* the suites offered, 0-terminated */
	int64_t timeout_ms;
	int64_t deadline_ms;                 /* monotonic: the current wait gives up then */
	bool timed_out;                      /* the last failure was the deadline */
	int sys_errno;                       /* the last failure was a system call's (0: not) */
	int send_errno;                      /* a send in the handshake failed: the peer left */
	bool handshaking;
	bool leaf_seen;                      /* the server's certificate's dates, for messages */
	mbedtls_x509_time leaf_from, leaf_to;
	bool tls_up;                         /* set up (mbedtls_ssl_setup done) */
};

/* Connects to target ("HOST:PORT", "[V6]:PORT", "HOST" for port 7443), then the TLS
 * handshake, each within timeout_ms; server_name (NULL: none) must be in the server's
 * certificate: a DNS name (subjectAltName or CN) or an IP address (an iPAddress
 * subjectAltName). 0, or -1 with err ("TARGET: TLS handshake: why"). */
int ctl_conn_open(struct ctl_conn *c, const char *target, const struct ctl_keys *k, const char *server_name,
		  int64_t timeout_ms, char *err, size_t errlen);
/* Sends all of buf; each wait for the peer gives up after timeout_ms without progress. */
int ctl_conn_write(struct ctl_conn *c, const void *buf, size_t len, char *err, size_t errlen);
/* Up to len bytes: how many (> 0), 0 when the server closed, -1 with err. Gives up after
 * timeout_ms without a byte. */
long ctl_conn_read(struct ctl_conn *c, void *buf, size_t len, char *err, size_t errlen);
/* close_notify (best effort, within a second), then the socket and the TLS state. */
void ctl_conn_close(struct ctl_conn *c);

/* Monotonic milliseconds. */
int64_t ctl_now_ms(void);
/* Formats err and returns -1: "return ctl_failf(err, errlen, ...)". */
int ctl_failf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
