/* HTTPS for the static server (hc.h): the credentials from the platform's blobs
 * (https.crt, https.key), one mbedTLS server config, and each connection's TLS state over
 * lwIP: ciphertext copied in from lwIP's pbufs (and acknowledged to the peer's window as
 * TLS consumes it), records written with tcp_write as the send window allows.
 *
 * TLS 1.2, the ECDHE AEAD suites tls/mbedtls_config.h compiles in, no client certificate
 * asked for. A handshake costs a few milliseconds of the poll loop (an ECDSA signature and
 * an ECDH); HC_TLS_CONNS bounds how many are in progress or open.
 */
#include "hc_int.h"
#include "plat.h"
#include "tls.h"

#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include <stdlib.h>
#include <string.h>

#define RXBUF (TCP_WND + 1024)      /* ciphertext received, not yet read by TLS */

struct hct {
	mbedtls_ssl_context ssl;
	struct tcp_pcb *pcb;            /* NULL once lwIP freed it */
	bool peer_closed;
	size_t rx_off, rx_len;
	uint8_t rx[RXBUF];
};

static struct {
	bool ready;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
} s;

static const int suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0,
};

static int parse(const struct plat_blob *b, bool key, char *err, size_t errlen)
{
	return tls_parse_pem(b->name, b->data, b->len, key ? NULL : &s.crt, key ? &s.key : NULL, err, errlen);
}

int hc_tls_setup(char *what, size_t wlen, char *err, size_t errlen)
{
	struct plat_blob crt, key;
	bool has_crt = plat_config_named("https.crt", &crt), has_key = plat_config_named("https.key", &key);
	if (!has_crt && !has_key)
		return 0;
	if (!has_crt || !has_key)
		return plat_snprintf(err, errlen, "https.crt and https.key come together; %s is missing",
				     has_crt ? "https.key" : "https.crt"), -1;
	hc_tls_free();
	mbedtls_ssl_config_init(&s.conf);
	mbedtls_x509_crt_init(&s.crt);
	mbedtls_pk_init(&s.key);
	s.ready = true;
	if (tls_init(err, errlen) != 0 || parse(&crt, false, err, errlen) || parse(&key, true, err, errlen))
		goto fail;
	if (mbedtls_pk_check_pair(&s.crt.pk, &s.key) != 0) {
		plat_snprintf(err, errlen, "%s is not the key of %s", key.name, crt.name);
		goto fail;
	}
	if (mbedtls_ssl_config_defaults(&s.conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		plat_snprintf(err, errlen, "TLS defaults refused");
		goto fail;
	}
	mbedtls_ssl_conf_min_version(&s.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&s.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(&s.conf, tls_rng, NULL);
	mbedtls_ssl_conf_authmode(&s.conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_ciphersuites(&s.conf, suites);
	if (mbedtls_ssl_conf_own_cert(&s.conf, &s.crt, &s.key) != 0) {
		plat_snprintf(err, errlen, "no memory for the certificate");
		goto fail;
	}
	char dn[96] = "";
	if (mbedtls_x509_dn_gets(dn, sizeof(dn), &s.crt.subject) < 0)
		dn[0] = 0;
	plat_snprintf(what, wlen, "TLS 1.2, certificate %s (%s)", dn, crt.name);
	return 1;
fail:
	hc_tls_free();
	return -1;
}

void hc_tls_free(void)
{
	if (!s.ready)
		return;
	mbedtls_ssl_config_free(&s.conf);
	mbedtls_x509_crt_free(&s.crt);
	mbedtls_pk_free(&s.key);
	s.ready = false;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct hct *t = ctx;
	size_t have = t->rx_len - t->rx_off;
	if (!have)
		return t->peer_closed ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
	size_t n = len < have ? len : have;
	memcpy(buf, t->rx + t->rx_off, n);
	t->rx_off += n;
	if (t->rx_off == t->rx_len)
		t->rx_off = t->rx_len = 0;
	if (t->pcb)
		tcp_recved(t->pcb, (u16_t)n);
	return (int)n;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct hct *t = ctx;
	if (!t->pcb)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	u16_t room = tcp_sndbuf(t->pcb);
	if (!room || tcp_sndqueuelen(t->pcb) + 4 > TCP_SND_QUEUELEN)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	u16_t n = len < room ? (u16_t)len : room;
	if (tcp_write(t->pcb, buf, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return n;
}

struct hct *hct_new(struct tcp_pcb *pcb)
{
	if (!s.ready)
		return NULL;
	struct hct *t = malloc(sizeof(*t));
	if (!t)
		return NULL;
	t->pcb = pcb;
	t->peer_closed = false;
	t->rx_off = t->rx_len = 0;
	mbedtls_ssl_init(&t->ssl);
	if (mbedtls_ssl_setup(&t->ssl, &s.conf) != 0) {
		mbedtls_ssl_free(&t->ssl);
		free(t);
		return NULL;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	return t;
}

void hct_free(struct hct *t)
{
	if (!t)
		return;
	mbedtls_ssl_free(&t->ssl);
	free(t);
}

void hct_detach(struct hct *t)
{
	t->pcb = NULL;
}

bool hct_rx(struct hct *t, const struct pbuf *p)
{
	if (t->rx_off && t->rx_len + p->tot_len > RXBUF) {
		memmove(t->rx, t->rx + t->rx_off, t->rx_len - t->rx_off);
		t->rx_len -= t->rx_off;
		t->rx_off = 0;
	}
	if (t->rx_len + p->tot_len > RXBUF)
		return false;
	pbuf_copy_partial(p, t->rx + t->rx_len, p->tot_len, 0);
	t->rx_len += p->tot_len;
	return true;
}

void hct_peer_closed(struct hct *t)
{
	t->peer_closed = true;
}

int hct_handshake(struct hct *t, char *err, size_t errlen)
{
	int rc = mbedtls_ssl_handshake(&t->ssl);
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
		if (t->peer_closed && t->rx_off == t->rx_len) {
			plat_snprintf(err, errlen, "closed during the handshake");
			return -1;
		}
		return 0;
	}
	if (rc != 0) {
		tls_strerror(rc, err, errlen);
		return -1;
	}
	return 1;
}

long hct_read(struct hct *t, void *buf, size_t len)
{
	int rc = mbedtls_ssl_read(&t->ssl, buf, len);
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return t->peer_closed && t->rx_off == t->rx_len ? -1 : 0;
	return rc > 0 ? rc : -1;
}

long hct_write(struct hct *t, const void *buf, size_t len)
{
	int rc = mbedtls_ssl_write(&t->ssl, buf, len);
	if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ)
		return 0;
	return rc;
}

void hct_close_notify(struct hct *t)
{
	if (t->pcb)
		mbedtls_ssl_close_notify(&t->ssl);
}

const char *hct_describe(struct hct *t, char *buf, size_t len)
{
	plat_snprintf(buf, len, "%s %s", mbedtls_ssl_get_version(&t->ssl), mbedtls_ssl_get_ciphersuite(&t->ssl));
	return buf;
}
