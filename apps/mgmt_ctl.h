/* mgmt_ctl.h - what the control socket's files share (mgmt_ctl.c: the TLS server;
 * mgmt_ctl_tls.c: its credentials and TLS config; mgmt_ctl_host.c: what its sessions act
 * on). Internal to apps/. */
#ifndef SLUICE_MGMT_CTL_H
#define SLUICE_MGMT_CTL_H

#include "ctl.h"

#include "mbedtls/ssl.h"

struct app_life;
struct mx_out;

struct mgc_counters {
	uint64_t accepted;               /* connections taken to a handshake */
	uint64_t refused_full;           /* MG_CTL_CONNS were open */
	uint64_t refused_rate;           /* over MG_CTL_HANDSHAKE_RATE */
	uint64_t refused_memory;         /* no memory for its TLS state or session */
	uint64_t handshakes;             /* completed: a session */
	uint64_t handshake_failed;       /* refused by TLS: no or a bad certificate, a wrong PSK, ... */
	uint64_t timeouts_handshake, timeouts_idle;
	uint64_t bytes_in, bytes_out;    /* TLS records, both ways */
};
const struct mgc_counters *mgc_counters(void);

/* Reads the credentials (plat_config_named: ca.crt, server.crt, server.key, psk) and
 * builds the TLS config: 1 when there are some, 0 when there are none (no control
 * socket), -1 with the reason in err (a file that does not parse, a key that is not the
 * certificate's, half of the set). what says what the server accepts, for the log. */
int mgc_tls_setup(char *what, size_t wlen, char *err, size_t errlen);
mbedtls_ssl_config *mgc_tls_conf(void);
/* The PSK of identity, or NULL. */
const uint8_t *mgc_psk_find(const unsigned char *identity, size_t len, size_t *keylen);
unsigned mgc_psk_count(void);
void mgc_tls_free(void);

/* The sessions' host: the running app, its reload, stats, ports, the audit. */
void mgc_host_init(struct app_life *l);
const struct ctl_host *mgc_host(void);
/* The control socket's Prometheus families. */
void mgc_metrics(struct mx_out *o);

#endif
