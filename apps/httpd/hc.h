/* hc.h - the static server's connections: HTTP/1.1 (and HTTPS through mbedTLS) on lwIP's
 * raw TCP API, answering from a site (hs.h) with hq.h's parser and hr.h's responses.
 *
 * It runs on the appliance's host stack (stack/stk.h), in the poll loop's thread: lwIP's
 * callbacks, during the frames' delivery and its timers, do the work as bytes arrive and
 * as the send window opens. Files are sent without a copy (PBUF_ROM pbufs over the site's
 * bytes; the frame that leaves is the one copy); over TLS they are encrypted from there.
 *
 * Keep-alive and pipelining: a connection answers its requests in order, one response at
 * a time; the next head is parsed once the response before it is queued whole. The bytes
 * of a head not yet whole are acknowledged to the peer's window as they come (up to
 * HQ_HEAD_MAX: past it, 431); those behind whole heads only as heads are taken, so a
 * client that pipelines without reading is held by TCP's window, not by memory.
 *
 * Limits, all explicit and counted when they bite: HC_CONNS connections (HC_TLS_CONNS of
 * them HTTPS; one more is reset at accept), a request head of HQ_HEAD_MAX bytes (431) and
 * line of HQ_LINE_MAX (414), the head whole within HC_HEAD_MS of its first byte (408,
 * slowloris), HC_IDLE_MS between requests on a kept-alive connection (closed), a TLS
 * handshake within HC_HANDSHAKE_MS, HC_SEND_MS without the peer taking a byte of a
 * response (cut).
 *
 * Sites are swapped live (hc_set_site): a response that has started finishes from the
 * site it started with; a connection moves to the new site at its next response once
 * none of the old one's bytes wait in its send queue. A replaced site is closed when no
 * connection holds it; at most HC_SITES versions are held at once.
 */
#ifndef SLUICE_HC_H
#define SLUICE_HC_H

#include "hs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HC_CONNS 512                /* connections at once, HTTP and HTTPS */
#define HC_TLS_CONNS 64             /* of which HTTPS (each holds about 40 KiB of TLS state) */
#define HC_HEAD_MS 10000            /* a request head must be whole so long after its first byte */
#define HC_IDLE_MS 15000            /* a kept-alive connection waits so long for the next request */
#define HC_HANDSHAKE_MS 10000       /* a TLS handshake must be complete by then */
#define HC_SEND_MS 30000            /* a response whose bytes the peer does not take so long is cut */
#define HC_SITES 8                  /* site versions held at once (the current and replaced ones
                                       still being served) */
#define HC_IN_SMALL 1024            /* request bytes held in the connection; more take
                                       HQ_HEAD_MAX + TCP_WND from the heap until it ends */

struct mx_out;
struct ctl_out;

struct hc_conf {
	uint16_t http_port;         /* 0: no HTTP */
	uint16_t https_port;        /* 0: no HTTPS */
	bool log;                   /* an access log line per response */
};

/* Counters, for /metrics and `show`. */
enum hc_status_idx {
	HC_S200, HC_S206, HC_S301, HC_S304, HC_S400, HC_S404, HC_S405, HC_S408, HC_S413, HC_S414, HC_S416,
	HC_S431, HC_S500, HC_S501, HC_S505, HC_S__COUNT
};
extern const uint16_t hc_status_codes[HC_S__COUNT];

struct hc_stats {
	uint64_t accepted[2];       /* [0] HTTP, [1] HTTPS */
	uint64_t refused_full, refused_tls_full, refused_memory;
	uint64_t responses[HC_S__COUNT];
	uint64_t body_bytes, head_bytes, request_bytes;
	uint64_t timeouts_head, timeouts_idle, timeouts_send, timeouts_handshake;
	uint64_t handshakes, handshakes_failed;
	uint64_t reset_by_peer;     /* connections lwIP reported an error on (RST, its own abort) */
	uint64_t gzip;              /* responses sent from a .gz sibling */
	uint64_t site_swaps;
	unsigned open[2];           /* connections open now: HTTP, HTTPS */
	unsigned sites_held;        /* site versions held now (the current one included) */
};

/* Starts the listeners on the host stack, which must be up (lwIP initialised), serving
 * site (hc takes it: hs_close() when it is replaced and no longer served, or at
 * hc_stop()). HTTPS needs credentials (hc_tls_setup()). -1 with err. */
int hc_start(const struct hc_conf *c, struct hs_site *site, char *err, size_t errlen);
/* Replaces the site (hc takes s). -1 with err (and s not taken) when HC_SITES versions
 * are still being served. */
int hc_set_site(struct hs_site *s, char *err, size_t errlen);
const struct hs_site *hc_site(void);
void hc_set_log(bool on);
/* The port it listens on: HTTP (https false) or HTTPS; 0 for none. */
uint16_t hc_port(bool https);
bool hc_log(void);
/* The clock, once a millisecond from the app's tick. */
void hc_poll(uint64_t now_ms);
/* Resets every connection, closes the listeners and every site. */
void hc_stop(void);
const struct hc_stats *hc_stats(void);
/* Its Prometheus families (metrics.h). */
void hc_metrics(struct mx_out *o);
/* One line per open connection: peer, protocol, state, requests, bytes (show connections). */
void hc_show_conns(struct ctl_out *o);

/* HTTPS's credentials from the platform's blobs (plat_config_named): https.crt (the
 * certificate chain, PEM) and https.key (its private key), together or not at all.
 * Returns 1 with a line in what when they are there and good, 0 when there are none, -1
 * with err. */
int hc_tls_setup(char *what, size_t wlen, char *err, size_t errlen);
void hc_tls_free(void);

#endif
