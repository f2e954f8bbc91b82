/* ctl_conn.c - sluice-ctl's connection (ctl_client.h): TCP to the appliance (IPv4 or IPv6,
 * getaddrinfo), then TLS 1.2 with tls/'s mbedTLS build, mutual X.509 or PSK, every wait
 * bounded by a deadline (poll on a non-blocking socket under mbedTLS's I/O callbacks),
 * and each failure told in the operator's terms: which certificate, which alert.
 *
 * What is checked of the server: its chain up to the lab CA (ca.crt) and its validity
 * dates (the wall clock is this machine's), and that it is a TLS server's certificate
 * (extendedKeyUsage serverAuth, which mbedTLS checks); its name only when --server-name
 * asks (a lab CA signs only the lab's appliances, whose addresses change). */
#include "ctl_client.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mbedtls/asn1.h"
#include "mbedtls/ssl_ciphersuites.h"

#define CTL_DEFAULT_PORT "7443"
#define CTL_HOST_MAX 256

int64_t ctl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctl_failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Text into buf, cut to len (a message: a cut one is still one). */
static void put(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ---- waiting ------------------------------------------------------------------------- */

/* Until fd is ready for events or the deadline: 0, or -1 (c->timed_out or c->sys_errno). */
static int wait_fd(struct ctl_conn *c, short events)
{
	for (;;) {
		int64_t left = c->deadline_ms - ctl_now_ms();
		if (left <= 0) {
			c->timed_out = true;
			return -1;
		}
		struct pollfd p = { .fd = c->fd, .events = events };
		int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			c->sys_errno = errno;
			return -1;
		}
	}
}

/* mbedTLS's I/O: the socket is non-blocking, the waits are wait_fd's. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct ctl_conn *c = ctx;
	if (len > 65536)
		len = 65536;
	for (;;) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (c->handshaking && (errno == EPIPE || errno == ECONNRESET)) {
			/* the server refused us and closed: its alert waits to be read */
			c->send_errno = errno;
			return (int)len;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->sys_errno = errno;
			return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
		}
		if (wait_fd(c, POLLOUT))
			return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	}
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct ctl_conn *c = ctx;
	if (len > 65536)
		len = 65536;
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->sys_errno = errno;
			return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
		}
		if (wait_fd(c, POLLIN))
			return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	}
}

/* ---- TCP ----------------------------------------------------------------------------- */

/* "HOST:PORT", "[V6]:PORT", "[V6]", "HOST" or a bare IPv6 address (port 7443). */
static int split_target(const char *t, char *host, char *port, char *err, size_t errlen)
{
	const char *h = t, *h_end, *p = NULL;
	if (t[0] == '[') {
		h = t + 1;
		h_end = strchr(h, ']');
		if (!h_end || (h_end[1] && h_end[1] != ':'))
			return ctl_failf(err, errlen, "%s: expected HOST:PORT or [IPV6]:PORT", t);
		p = h_end[1] ? h_end + 2 : NULL;
	} else {
		const char *colon = strchr(t, ':');
		h_end = t + strlen(t);
		if (colon && !strchr(colon + 1, ':')) {
			h_end = colon;
			p = colon + 1;
		}
	}
	size_t n = (size_t)(h_end - h);
	if (n == 0 || n >= CTL_HOST_MAX)
		return ctl_failf(err, errlen, "%s: expected HOST:PORT with a host of 1 to %d bytes", t, CTL_HOST_MAX - 1);
	memcpy(host, h, n);
	host[n] = 0;
	if (!p) {
		strcpy(port, CTL_DEFAULT_PORT);
		return 0;
	}
	size_t digits = strspn(p, "0123456789");
	long v = digits && digits <= 5 && !p[digits] ? strtol(p, NULL, 10) : 0;
	if (v < 1 || v > 65535)
		return ctl_failf(err, errlen, "%s: expected a port from 1 to 65535 after the host, got '%s'", t, p);
	snprintf(port, 6, "%ld", v);
	return 0;
}

/* One address, within the deadline: 0 with c->fd, or -1 with errno set (ETIMEDOUT). */
static int connect_one(struct ctl_conn *c, const struct addrinfo *ai)
{
	c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (c->fd < 0)
		return -1;
	/* each TLS record goes at once: with Nagle, a small record waits for the ACK of the
	 * last, which the appliance's lwIP delays (up to 250 ms a round trip of the handshake) */
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	int e = errno;
	if (e == EINPROGRESS) {
		e = ETIMEDOUT;
		if (wait_fd(c, POLLOUT) == 0) {
			socklen_t len = sizeof e;
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len))
				e = errno;
			if (e == 0)
				return 0;
		} else if (c->sys_errno) {
			e = c->sys_errno;
		}
	}
	close(c->fd);
	c->fd = -1;
	errno = e;
	return -1;
}

static int tcp_connect(struct ctl_conn *c, char *err, size_t errlen)
{
	char host[CTL_HOST_MAX], port[8];
	if (split_target(c->target, host, port, err, errlen))
		return -1;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g)
		return ctl_failf(err, errlen, "%s: cannot resolve '%s': %s", c->target, host,
			     g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	int e = 0;
	c->deadline_ms = ctl_now_ms() + c->timeout_ms;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (connect_one(c, ai) == 0) {
			freeaddrinfo(res);
			return 0;
		}
		e = errno;
		if (e == ETIMEDOUT && ctl_now_ms() >= c->deadline_ms)
			break;
	}
	freeaddrinfo(res);
	if (e == ETIMEDOUT)
		return ctl_failf(err, errlen, "%s: connect: no answer in %.3g s (--timeout)", c->target,
			     (double)c->timeout_ms / 1000);
	return ctl_failf(err, errlen, "%s: connect: %s", c->target, strerror(e));
}

/* ---- why a handshake failed ---------------------------------------------------------- */

static const char *alert_name(unsigned a)
{
	switch (a) {
	case MBEDTLS_SSL_ALERT_MSG_UNEXPECTED_MESSAGE: return "unexpected_message";
	case MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC: return "bad_record_mac";
	case MBEDTLS_SSL_ALERT_MSG_RECORD_OVERFLOW: return "record_overflow";
	case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE: return "handshake_failure";
	case MBEDTLS_SSL_ALERT_MSG_BAD_CERT: return "bad_certificate";
	case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT: return "unsupported_certificate";
	case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED: return "certificate_revoked";
	case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED: return "certificate_expired";
	case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN: return "certificate_unknown";
	case MBEDTLS_SSL_ALERT_MSG_ILLEGAL_PARAMETER: return "illegal_parameter";
	case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA: return "unknown_ca";
	case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED: return "access_denied";
	case MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR: return "decode_error";
	case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR: return "decrypt_error";
	case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION: return "protocol_version";
	case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY: return "insufficient_security";
	case MBEDTLS_SSL_ALERT_MSG_INTERNAL_ERROR: return "internal_error";
	case MBEDTLS_SSL_ALERT_MSG_UNRECOGNIZED_NAME: return "unrecognized_name";
	case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_PSK_IDENTITY: return "unknown_psk_identity";
	case 116: return "certificate_required";
	default: return "alert";
	}
}

static void fmt_time(char *buf, size_t len, const mbedtls_x509_time *t)
{
	put(buf, len, "%04d-%02d-%02d %02d:%02d:%02d UTC", t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* The fatal alert the server sent: its description, or -1. */
static int alert_of(const struct ctl_conn *c)
{
	if (!c->ssl.in_msg || c->ssl.in_msgtype != MBEDTLS_SSL_MSG_ALERT || c->ssl.in_msglen < 2)
		return -1;
	return c->ssl.in_msg[1];
}

/* The server ended the handshake with alert a. */
static void why_alert(const struct ctl_conn *c, int a, char *buf, size_t len)
{
	const struct ctl_keys *k = c->keys;
	const char *name = alert_name((unsigned)a);
	if (k->psk) {
		if (a == MBEDTLS_SSL_ALERT_MSG_UNKNOWN_PSK_IDENTITY)
			put(buf, len, "the server knows no PSK identity '%s' (alert %s)", k->psk_identity, name);
		else if (a == MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC || a == MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR)
			put(buf, len, "the server refused the pre-shared key of '%s' (alert %s): another key?",
				 k->psk_identity, name);
		else
			put(buf, len, "the server ended the handshake: alert %s (%d); does it take TLS-PSK?", name, a);
		return;
	}
	bool about_cert = a == MBEDTLS_SSL_ALERT_MSG_BAD_CERT || a == MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT ||
			  a == MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED || a == MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED ||
			  a == MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN || a == MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA ||
			  a == MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED || a == 116;
	if (a == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE) {
		put(buf, len, "the server ended the handshake: alert %s (%d): no cipher suite in common (does it take "
		    "only TLS-PSK?), or it wants another certificate", name, a);
		return;
	}
	if (!about_cert) {
		put(buf, len, "the server ended the handshake: alert %s (%d)", name, a);
		return;
	}
	char when[40], hint[96] = "";
	if (mbedtls_x509_time_is_past(&k->crt.valid_to)) {
		fmt_time(when, sizeof when, &k->crt.valid_to);
		snprintf(hint, sizeof hint, "; it expired on %s", when);
	} else if (mbedtls_x509_time_is_future(&k->crt.valid_from)) {
		fmt_time(when, sizeof when, &k->crt.valid_from);
		snprintf(hint, sizeof hint, "; it is not valid before %s", when);
	} else if (a == MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA) {
		snprintf(hint, sizeof hint, ": not signed by a CA it trusts");
	}
	put(buf, len, "the server refused our certificate %s (alert %s)%s", k->crt_path, name, hint);
}

/* mbedTLS's verify callback, for each certificate of the server's chain: the leaf's dates,
 * for the messages (mbedTLS frees a chain that failed). The flags are left as they are. */
static int note_leaf(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct ctl_conn *c = ctx;
	(void)flags;
	if (depth == 0) {
		c->leaf_from = crt->valid_from;
		c->leaf_to = crt->valid_to;
		c->leaf_seen = true;
	}
	return 0;
}

/* Our verification of the server's certificate failed with flags f. */
static void why_verify(const struct ctl_conn *c, uint32_t f, const char *server_name, char *buf, size_t len)
{
	char when[40];
	if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		put(buf, len, "the server's certificate is not signed by %s", c->keys->ca_path);
	} else if ((f & MBEDTLS_X509_BADCERT_EXPIRED) && c->leaf_seen) {
		fmt_time(when, sizeof when, &c->leaf_to);
		put(buf, len, "the server's certificate expired on %s", when);
	} else if ((f & MBEDTLS_X509_BADCERT_FUTURE) && c->leaf_seen) {
		fmt_time(when, sizeof when, &c->leaf_from);
		put(buf, len, "the server's certificate is not valid before %s (is this clock right?)", when);
	} else if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		put(buf, len, "the server's certificate is not for '%s' (--server-name)", server_name ? server_name : "");
	} else if (f & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE)) {
		put(buf, len, "the server's certificate is not a TLS server's (its keyUsage or extendedKeyUsage)");
	} else {
		char info[256];
		mbedtls_x509_crt_verify_info(info, sizeof info, "", f);
		info[strcspn(info, "\n")] = 0;
		put(buf, len, "the server's certificate does not verify: %s", info);
	}
}

/* Why I/O or the handshake failed with ret, in words. */
static void why(const struct ctl_conn *c, int ret, const char *server_name, char *buf, size_t len)
{
	uint32_t f = c->tls_up ? mbedtls_ssl_get_verify_result(&c->ssl) : 0;
	int a;
	if (c->timed_out)
		put(buf, len, "no progress in %.3g s (--timeout)", (double)c->timeout_ms / 1000);
	else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && (a = alert_of(c)) >= 0)
		why_alert(c, a, buf, len);
	else if ((ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || ret == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE) && f &&
		 f != (uint32_t)-1)
		why_verify(c, f, server_name, buf, len);
	else if (c->sys_errno || c->send_errno || ret == MBEDTLS_ERR_SSL_CONN_EOF ||
		 ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		put(buf, len, "the server closed the connection%s%s%s", c->handshaking ? " during the handshake" : "",
		    c->sys_errno || c->send_errno ? ": " : "",
		    c->sys_errno ? strerror(c->sys_errno) : c->send_errno ? strerror(c->send_errno) : "");
	else if (ret == MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE || ret == MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO)
		put(buf, len, "no cipher suite in common with the server (this client offers TLS 1.2 %s suites)",
			 c->keys->psk ? "PSK" : "ECDHE with certificates");
	else if (ret == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION || ret == MBEDTLS_ERR_SSL_INVALID_RECORD ||
		 ret == MBEDTLS_ERR_SSL_UNEXPECTED_RECORD || ret == MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE)
		put(buf, len, "the server does not speak TLS 1.2 (mbedTLS -0x%04x)", (unsigned)-ret);
	else if (ret == MBEDTLS_ERR_SSL_INVALID_MAC)
		put(buf, len, "a record failed its integrity check (mbedTLS -0x%04x)", (unsigned)-ret);
	else
		put(buf, len, "mbedTLS error -0x%04x", (unsigned)-ret);
}

/* ---- TLS ----------------------------------------------------------------------------- */

/* The compiled suites (tls/mbedtls_config.h) of one kind: PSK ones, or the others. */
static void pick_suites(struct ctl_conn *c, bool psk)
{
	size_t n = 0;
	for (const int *id = mbedtls_ssl_list_ciphersuites(); *id && n + 1 < sizeof c->suites / sizeof c->suites[0]; id++) {
		const mbedtls_ssl_ciphersuite_t *cs = mbedtls_ssl_ciphersuite_from_id(*id);
		if (!cs)
			continue;
		bool is_psk = cs->key_exchange == MBEDTLS_KEY_EXCHANGE_PSK || cs->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_PSK;
		if (is_psk == psk)
			c->suites[n++] = *id;
	}
	c->suites[n] = 0;
}

static bool is_ip(const char *s, unsigned char *ip, size_t *n)
{
	if (inet_pton(AF_INET, s, ip) == 1) {
		*n = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip) == 1) {
		*n = 16;
		return true;
	}
	return false;
}

/* Whether the certificate has an iPAddress subjectAltName of ip. */
static bool cert_has_ip(const mbedtls_x509_crt *crt, const unsigned char *ip, size_t n)
{
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && s->buf.len == n && !memcmp(s->buf.p, ip, n))
			return true;
	return false;
}

static int tls_setup(struct ctl_conn *c, const char *server_name, char *err, size_t errlen)
{
	const struct ctl_keys *k = c->keys;
	mbedtls_ssl_config *conf = &c->conf;
	int ret = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret)
		return ctl_failf(err, errlen, "%s: TLS configuration (mbedTLS -0x%04x)", c->target, (unsigned)-ret);
	mbedtls_ssl_conf_rng(conf, tls_rng, NULL);
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	/* records of 4 KiB at most each way (max_fragment_length): the appliance's answers
	 * come in those anyway (MBEDTLS_SSL_OUT_CONTENT_LEN), and a server that offers it
	 * sends no more to a client built with smaller input buffers */
	mbedtls_ssl_conf_max_frag_len(conf, MBEDTLS_SSL_MAX_FRAG_LEN_4096);
	pick_suites(c, k->psk);
	mbedtls_ssl_conf_ciphersuites(conf, c->suites);
	if (k->psk) {
		mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE); /* no certificates in PSK suites */
		ret = mbedtls_ssl_conf_psk(conf, k->psk_key, k->psk_len, (const unsigned char *)k->psk_identity,
					   strlen(k->psk_identity));
	} else {
		mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		mbedtls_ssl_conf_ca_chain(conf, (mbedtls_x509_crt *)&k->ca, NULL);
		mbedtls_ssl_conf_verify(conf, note_leaf, c);
		ret = mbedtls_ssl_conf_own_cert(conf, (mbedtls_x509_crt *)&k->crt, (mbedtls_pk_context *)&k->key);
	}
	if (ret)
		return ctl_failf(err, errlen, "%s: TLS credentials (mbedTLS -0x%04x)", c->target, (unsigned)-ret);
	if ((ret = mbedtls_ssl_setup(&c->ssl, conf)))
		return ctl_failf(err, errlen, "%s: TLS setup (mbedTLS -0x%04x)", c->target, (unsigned)-ret);
	c->tls_up = true;
	unsigned char ip[16];
	size_t n;
	if (server_name && !is_ip(server_name, ip, &n) && (ret = mbedtls_ssl_set_hostname(&c->ssl, server_name)))
		return ctl_failf(err, errlen, "--server-name %s: not a host name (mbedTLS -0x%04x)", server_name, (unsigned)-ret);
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	return 0;
}

int ctl_conn_open(struct ctl_conn *c, const char *target, const struct ctl_keys *k, const char *server_name,
		  int64_t timeout_ms, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->target = target;
	c->keys = k;
	c->timeout_ms = timeout_ms;
	mbedtls_ssl_init(&c->ssl);
	mbedtls_ssl_config_init(&c->conf);
	if (tcp_connect(c, err, errlen) || tls_setup(c, server_name, err, errlen))
		return -1;
	c->deadline_ms = ctl_now_ms() + timeout_ms;
	c->handshaking = true;
	int ret;
	while ((ret = mbedtls_ssl_handshake(&c->ssl)) != 0) {
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		char w[CTL_ERR_MAX - 64];
		why(c, ret, server_name, w, sizeof w);
		return ctl_failf(err, errlen, "%s: TLS handshake: %s", target, w);
	}
	c->handshaking = false;
	if (c->send_errno)
		return ctl_failf(err, errlen, "%s: TLS handshake: the server closed the connection: %s", target,
			     strerror(c->send_errno));
	unsigned char ip[16];
	size_t n;
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
	if (server_name && !k->psk && is_ip(server_name, ip, &n) && (!peer || !cert_has_ip(peer, ip, n)))
		return ctl_failf(err, errlen, "%s: TLS handshake: the server's certificate has no subjectAltName IP:%s "
			     "(--server-name)", target, server_name);
	return 0;
}

int ctl_conn_write(struct ctl_conn *c, const void *buf, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	while (len) {
		c->deadline_ms = ctl_now_ms() + c->timeout_ms;
		int n = mbedtls_ssl_write(&c->ssl, p, len);
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n < 0) {
			char w[CTL_ERR_MAX - 64];
			why(c, n, NULL, w, sizeof w);
			return ctl_failf(err, errlen, "%s: sending: %s", c->target, w);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long ctl_conn_read(struct ctl_conn *c, void *buf, size_t len, char *err, size_t errlen)
{
	for (;;) {
		c->deadline_ms = ctl_now_ms() + c->timeout_ms;
		int n = mbedtls_ssl_read(&c->ssl, buf, len);
		if (n > 0)
			return n;
		if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == MBEDTLS_ERR_SSL_CONN_EOF)
			return 0;
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		char w[CTL_ERR_MAX - 64];
		why(c, n, NULL, w, sizeof w);
		ctl_failf(err, errlen, "%s: reading the answer: %s", c->target, w);
		return -1;
	}
}

void ctl_conn_close(struct ctl_conn *c)
{
	if (c->tls_up && c->fd >= 0 && !c->timed_out && !c->sys_errno &&
	    c->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER) {
		c->deadline_ms = ctl_now_ms() + 1000;
		mbedtls_ssl_close_notify(&c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	mbedtls_ssl_free(&c->ssl);
	mbedtls_ssl_config_free(&c->conf);
	c->tls_up = false;
}
