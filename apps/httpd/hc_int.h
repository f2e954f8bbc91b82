/* hc_int.h - what the server's connections (hc.c) and its TLS transport (hc_tls.c)
 * share. Internal to apps/httpd. */
#ifndef SLUICE_HC_INT_H
#define SLUICE_HC_INT_H

#include "hc.h"

#include "lwip/tcp.h"

struct hct;   /* one connection's TLS state */

/* A version of the site and the connections that hold it. */
struct site_ref {
	struct hs_site *s;
	unsigned refs;
};

struct hc_state {
	struct tcp_pcb *listener[2];        /* HTTP, HTTPS */
	uint16_t ports[2];
	struct site_ref sites[HC_SITES];
	struct site_ref *cur;
	uint64_t now_ms;
	bool log;
	struct hc_stats st;
};
extern struct hc_state hc;

/* One open connection, for the listing. */
struct hc_conn_view {
	const char *peer, *state, *tls;
	bool https;
	uint64_t requests, idle_ms;
	unsigned queued;                    /* pbufs in its send queue */
};
void hc_each_conn(void (*fn)(void *arg, const struct hc_conn_view *v), void *arg);

/* A TLS server connection over pcb; NULL when there is no memory or no credentials. */
struct hct *hct_new(struct tcp_pcb *pcb);
void hct_free(struct hct *t);
/* lwIP freed the pcb (its error callback): no more writes. */
void hct_detach(struct hct *t);
/* Ciphertext from the peer: copied (pbuf not freed here); false when it does not fit (the
 * window bounds it: cannot happen unless the peer ignores it). */
bool hct_rx(struct hct *t, const struct pbuf *p);
void hct_peer_closed(struct hct *t);
/* Advances the handshake: 1 done, 0 in progress, -1 failed (why in err). */
int hct_handshake(struct hct *t, char *err, size_t errlen);
/* Plaintext from the peer into buf: bytes (> 0), 0 when there is none now, -1 when the
 * peer closed (close_notify or EOF) or the record was bad. */
long hct_read(struct hct *t, void *buf, size_t len);
/* Encrypts and queues up to len bytes: how many it took (0 while the send window is
 * full: call again with the same bytes), -1 on an error. */
long hct_write(struct hct *t, const void *buf, size_t len);
/* Queues a close_notify alert. */
void hct_close_notify(struct hct *t);
/* "TLS1.2 TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", for show connections. */
const char *hct_describe(struct hct *t, char *buf, size_t len);

#endif
