/* The control socket: TLS 1.2 (tls/tls.h, mbedTLS) on lwIP's raw TCP API, each
 * connection a control session (ctl.h) once its handshake is complete and its peer
 * authenticated: a client certificate signed by the configured CA, or a PSK the appliance
 * knows. Nothing the peer sends reaches the session before that.
 *
 * Everything runs in the management plane's once-a-millisecond poll, between bursts:
 * lwIP's callbacks only copy what arrives into the connection's buffer (which TCP's window
 * bounds: tcp_recved() as TLS consumes it) and note what happened. Limits, all explicit
 * (mgmt.h): MG_CTL_CONNS connections at once, MG_CTL_HANDSHAKE_RATE new handshakes a
 * second (the bucket refuses more at accept, so a flood of handshakes costs the worker a
 * bounded share of its time), MG_CTL_HANDSHAKE_MS for a handshake to complete,
 * MG_CTL_IDLE_MS without a byte either way, and the session's own (ctl.h).
 */
#include "app_life.h"
#include "ctl.h"
#include "metrics.h"
#include "mgmt_ctl.h"
#include "mgmt_int.h"
#include "tls.h"

#include "lwip/tcp.h"
#include "mbedtls/ssl.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define RXBUF (TCP_WND + 4096)      /* ciphertext received, not yet read by TLS */
#define PLAIN 4096                  /* plaintext read, not yet taken by the session */
#define HS_COST_MS (1000 / MG_CTL_HANDSHAKE_RATE)

enum cstate { K_FREE, K_HANDSHAKE, K_OPEN, K_CLOSING };

struct kconn {
	enum cstate state;
	struct tcp_pcb *pcb;
	mbedtls_ssl_context ssl;
	struct ctl_session *sess;
	uint64_t since_ms, progress_ms;
	bool peer_closed;
	bool failed;                    /* lwIP reported an error: the pcb is gone */
	char who[160];
	char peer[64];
	char psk_id[65];                /* the PSK identity it gave, "" when none */
	size_t rx_len;
	uint8_t rx[RXBUF];
	size_t plain_off, plain_len;
	char plain[PLAIN];
};

static struct {
	struct tcp_pcb *listener;
	struct kconn *conns[MG_CTL_CONNS];
	uint64_t now_ms;
	uint64_t bucket_ms, bucket_last_ms; /* handshake credit, as time: HS_COST_MS a handshake */
	struct mgc_counters n;
} k;

const struct mgc_counters *mgc_counters(void)
{
	return &k.n;
}

/* ---- the TLS transport: mbedTLS's bio over the connection's buffer and tcp_write ----- */

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct kconn *c = ctx;
	if (!c->rx_len)
		return c->peer_closed ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
	size_t n = len < c->rx_len ? len : c->rx_len;
	memcpy(buf, c->rx, n);
	memmove(c->rx, c->rx + n, c->rx_len - n);
	c->rx_len -= n;
	if (!c->failed)
		tcp_recved(c->pcb, (u16_t)n);
	return (int)n;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct kconn *c = ctx;
	if (c->failed)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	u16_t room = tcp_sndbuf(c->pcb);
	if (!room || tcp_sndqueuelen(c->pcb) + 4 > TCP_SND_QUEUELEN)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	u16_t n = len < room ? (u16_t)len : room;
	if (tcp_write(c->pcb, buf, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	k.n.bytes_out += n;
	return n;
}

/* ---- lwIP's callbacks: note what happened; the work is done in the poll ------------- */

static void detach(struct kconn *c)
{
	tcp_arg(c->pcb, NULL);
	tcp_recv(c->pcb, NULL);
	tcp_sent(c->pcb, NULL);
	tcp_err(c->pcb, NULL);
}

static void conn_free(struct kconn *c)
{
	for (unsigned i = 0; i < MG_CTL_CONNS; i++)
		if (k.conns[i] == c)
			k.conns[i] = NULL;
	ctl_session_free(c->sess);
	mbedtls_ssl_free(&c->ssl);
	free(c);
}

static void on_err(void *arg, err_t err)
{
	(void)err;
	struct kconn *c = arg;
	if (c) {
		c->failed = true;       /* lwIP freed the pcb; the poll frees the rest */
		c->pcb = NULL;
	}
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct kconn *c = arg;
	(void)pcb;
	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		c->peer_closed = true;
		return ERR_OK;
	}
	if (err != ERR_OK || c->rx_len + p->tot_len > RXBUF) {  /* past the window: refuse it, lwIP keeps it */
		return ERR_MEM;
	}
	pbuf_copy_partial(p, c->rx + c->rx_len, p->tot_len, 0);
	c->rx_len += p->tot_len;
	k.n.bytes_in += p->tot_len;
	c->progress_ms = k.now_ms;
	pbuf_free(p);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	struct kconn *c = arg;
	if (c)
		c->progress_ms = k.now_ms;
	return ERR_OK;
}

static bool take_handshake(void)
{
	uint64_t cap = (uint64_t)HS_COST_MS * MG_CTL_HANDSHAKE_BURST;
	uint64_t credit = k.bucket_ms + (k.now_ms - k.bucket_last_ms);
	k.bucket_last_ms = k.now_ms;
	if (credit > cap)
		credit = cap;
	if (credit < HS_COST_MS) {
		k.bucket_ms = credit;
		return false;
	}
	k.bucket_ms = credit - HS_COST_MS;
	return true;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	int slot = -1;
	for (unsigned i = 0; i < MG_CTL_CONNS && slot < 0; i++)
		if (!k.conns[i])
			slot = (int)i;
	struct kconn *c = NULL;
	if (slot < 0) {
		k.n.refused_full++;
	} else if (!take_handshake()) {
		k.n.refused_rate++;
	} else if (!(c = calloc(1, sizeof(*c)))) {
		k.n.refused_memory++;
	} else {
		mbedtls_ssl_init(&c->ssl);
		if (mbedtls_ssl_setup(&c->ssl, mgc_tls_conf()) != 0) {
			mbedtls_ssl_free(&c->ssl);
			free(c);
			c = NULL;
			k.n.refused_memory++;
		}
	}
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	k.n.accepted++;
	c->pcb = pcb;
	c->state = K_HANDSHAKE;
	c->since_ms = c->progress_ms = k.now_ms;
	plat_snprintf(c->peer, sizeof(c->peer), "%s:%u", ipaddr_ntoa(&pcb->remote_ip), pcb->remote_port);
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	k.conns[slot] = c;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

/* mbedTLS asks for the key of the identity a PSK client gives. */
static int on_psk(void *arg, mbedtls_ssl_context *ssl, const unsigned char *id, size_t len)
{
	(void)arg;
	struct kconn *c = (struct kconn *)(void *)((char *)ssl - offsetof(struct kconn, ssl));
	size_t keylen;
	const uint8_t *key = mgc_psk_find(id, len, &keylen);
	if (!key) {
		char shown[65];
		size_t n = len < 64 ? len : 64;
		for (size_t i = 0; i < n; i++)
			shown[i] = id[i] >= 0x20 && id[i] < 0x7f ? (char)id[i] : '?';
		shown[n] = 0;
		plat_log(PLAT_LOG_WARN, "sluice: control: %s: unknown PSK identity '%s'", c->peer, shown);
		return -1;
	}
	plat_snprintf(c->psk_id, sizeof(c->psk_id), "%.*s", (int)len, (const char *)id);
	return mbedtls_ssl_set_hs_psk(ssl, key, keylen);
}

/* ---- the work of one connection ------------------------------------------------------ */

static void close_conn(struct kconn *c, bool graceful)
{
	if (!c->failed && c->pcb) {
		detach(c);
		if (graceful) {
			mbedtls_ssl_close_notify(&c->ssl);
			tcp_output(c->pcb);
		}
		if (!graceful || tcp_close(c->pcb) != ERR_OK)
			tcp_abort(c->pcb);
		c->pcb = NULL;
	}
	if (c->state == K_OPEN)
		plat_log(PLAT_LOG_INFO, "sluice: control: %s (%s) disconnected", c->who, c->peer);
	conn_free(c);
}

static bool handshake(struct kconn *c)
{
	int rc = mbedtls_ssl_handshake(&c->ssl);
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
		if (c->peer_closed && !c->rx_len) {
			k.n.handshake_failed++;
			plat_log(PLAT_LOG_WARN, "sluice: control: %s: closed during the TLS handshake", c->peer);
			close_conn(c, false);
			return false;
		}
		return true;
	}
	if (rc != 0) {
		char why[128], verify[160] = "";
		uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
		if (flags && flags != (uint32_t)-1)
			mbedtls_x509_crt_verify_info(verify, sizeof(verify), "", flags);
		for (char *p = verify; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ';' : 0;
		k.n.handshake_failed++;
		plat_log(PLAT_LOG_WARN, "sluice: control: %s: TLS handshake refused: %s%s%s", c->peer,
			 tls_strerror(rc, why, sizeof(why)), verify[0] ? ": " : "", verify);
		close_conn(c, false);
		return false;
	}
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&c->ssl);
	const char *psk = c->psk_id[0] ? c->psk_id : NULL;
	if (crt) {
		char dn[128];
		if (mbedtls_x509_dn_gets(dn, sizeof(dn), &crt->subject) < 0)
			plat_snprintf(dn, sizeof(dn), "?");
		plat_snprintf(c->who, sizeof(c->who), "%s", dn);
	} else if (psk) {
		plat_snprintf(c->who, sizeof(c->who), "psk:%s", psk);
	} else {            /* cannot be: the config requires one or the other */
		k.n.handshake_failed++;
		close_conn(c, false);
		return false;
	}
	c->sess = ctl_session_new(mgc_host(), c->who);
	if (!c->sess) {
		k.n.refused_memory++;
		close_conn(c, false);
		return false;
	}
	c->state = K_OPEN;
	k.n.handshakes++;
	plat_log(PLAT_LOG_INFO, "sluice: control: %s connected from %s (%s, %s)", c->who, c->peer,
		 mbedtls_ssl_get_version(&c->ssl), mbedtls_ssl_get_ciphersuite(&c->ssl));
	return true;
}

/* Moves what can move: the session's answer out, the peer's bytes in. */
static void work(struct kconn *c)
{
	if (c->failed) {
		conn_free(c);
		return;
	}
	if (c->state == K_HANDSHAKE && !handshake(c))
		return;
	if (c->state != K_OPEN) {
		tcp_output(c->pcb);      /* the handshake's flight now, not at lwIP's next timer */
		return;
	}
	ctl_session_poll(c->sess);           /* a commit being built: its answer once it is */
	for (int rounds = 0; rounds < 64; rounds++) {
		size_t len;
		const char *out = ctl_session_output(c->sess, &len);
		if (len) {
			int rc = mbedtls_ssl_write(&c->ssl, (const unsigned char *)out, len);
			if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ)
				break;
			if (rc < 0) {
				char why[80];
				plat_log(PLAT_LOG_WARN, "sluice: control: %s (%s): cut: %s", c->who, c->peer,
					 tls_strerror(rc, why, sizeof(why)));
				close_conn(c, false);
				return;
			}
			ctl_session_sent(c->sess, (size_t)rc);
			c->progress_ms = k.now_ms;
			continue;
		}
		if (ctl_session_done(c->sess)) {
			close_conn(c, true);
			return;
		}
		if (c->plain_off < c->plain_len) {
			size_t n = ctl_session_input(c->sess, c->plain + c->plain_off, c->plain_len - c->plain_off);
			c->plain_off += n;
			if (n)
				continue;
			break;
		}
		int rc = mbedtls_ssl_read(&c->ssl, (unsigned char *)c->plain, sizeof(c->plain));
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
			if (c->peer_closed && !c->rx_len) {
				close_conn(c, false);
				return;
			}
			break;
		}
		if (rc <= 0) {       /* close_notify, EOF or an error: the session ends (a transaction aborts) */
			bool clean = rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY;
			if (!clean) {
				char why[80];
				plat_log(PLAT_LOG_WARN, "sluice: control: %s (%s): cut: %s", c->who, c->peer,
					 tls_strerror(rc, why, sizeof(why)));
			}
			close_conn(c, clean);
			return;
		}
		c->plain_off = 0;
		c->plain_len = (size_t)rc;
	}
	if (c->pcb)
		tcp_output(c->pcb);
}

/* ---- the table mgmt.c calls ------------------------------------------------------------ */

int mg_ctl_start(uint16_t port, char *err, size_t errlen)
{
	memset(&k, 0, sizeof(k));
	k.bucket_ms = (uint64_t)HS_COST_MS * MG_CTL_HANDSHAKE_BURST;
	k.listener = mg_listen(port, MG_CTL_CONNS, on_accept, err, errlen);
	if (!k.listener)
		return -1;
	if (mgc_psk_count())
		mbedtls_ssl_conf_psk_cb(mgc_tls_conf(), on_psk, NULL);
	return 0;
}

void mg_ctl_poll(uint64_t now_ms)
{
	k.now_ms = now_ms;
	if (!k.listener)
		return;
	for (unsigned i = 0; i < MG_CTL_CONNS; i++) {
		struct kconn *c = k.conns[i];
		if (!c)
			continue;
		if (!c->failed && c->state == K_HANDSHAKE && now_ms - c->since_ms > MG_CTL_HANDSHAKE_MS) {
			k.n.timeouts_handshake++;
			plat_log(PLAT_LOG_WARN, "sluice: control: %s: no TLS handshake within %u ms: cut", c->peer,
				 MG_CTL_HANDSHAKE_MS);
			close_conn(c, false);
			continue;
		}
		if (!c->failed && now_ms - c->progress_ms > MG_CTL_IDLE_MS) {
			k.n.timeouts_idle++;
			plat_log(PLAT_LOG_WARN, "sluice: control: %s (%s): idle for %u s: cut", c->state == K_OPEN ? c->who : "?",
				 c->peer, MG_CTL_IDLE_MS / 1000);
			close_conn(c, false);
			continue;
		}
		work(c);
	}
}

void mg_ctl_stop(void)
{
	for (unsigned i = 0; i < MG_CTL_CONNS; i++)
		if (k.conns[i])
			close_conn(k.conns[i], false);
	if (k.listener)
		tcp_close(k.listener);
	k.listener = NULL;
}

unsigned mg_ctl_open(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MG_CTL_CONNS; i++)
		n += k.conns[i] && k.conns[i]->state == K_OPEN;
	return n;
}
