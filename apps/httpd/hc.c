/* The static server's connections (hc.h): accept, read heads, answer them in order, send
 * heads copied and bodies from the site's bytes, close; the limits on time and memory.
 * The counters, the metrics and the listing are in hc_show.c.
 */
#include "hc_int.h"
#include "hr.h"
#include "mgmt_int.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

/* Request bytes a connection may hold: a head not yet whole (its bytes are acknowledged to
 * the peer's window as they come, up to HQ_HEAD_MAX, so that an oversized one is seen)
 * and, behind whole heads waiting for their turn, a window's worth not acknowledged. */
#define IN_BIG (HQ_HEAD_MAX + TCP_WND)

enum cstate { C_FREE, C_HANDSHAKE, C_OPEN, C_DRAIN };

struct conn {
	enum cstate state;
	bool https;
	bool peer_closed;
	bool close_after;               /* the response being sent is the last */
	bool responding;
	struct tcp_pcb *pcb;
	struct hct *t;
	struct site_ref *site;
	uint64_t since_ms;              /* accepted, then the first byte of the head being read */
	uint64_t progress_ms;           /* a byte either way */
	uint64_t requests;
	char *in;                       /* request bytes not yet taken: in_small, or IN_BIG bytes */
	size_t in_len, in_cap, searched;
	size_t unacked;                 /* of in_len, not yet acknowledged to the window (tcp_recved) */
	struct hr_resp r;
	size_t head_off;
	uint64_t body_done;
	char peer[48];
	char in_small[HC_IN_SMALL];
	char head[HR_HEAD_MAX];
};

struct hc_state hc;

const uint16_t hc_status_codes[HC_S__COUNT] = { 200, 206, 301, 304, 400, 404, 405, 408, 413, 414, 416, 431, 500, 501, 505 };

static struct conn *conns;          /* HC_CONNS, from the heap at start */
static uint16_t free_list[HC_CONNS];
static unsigned n_free;

/* ---- sites --------------------------------------------------------------------------- */

static struct site_ref *site_take(void)
{
	hc.cur->refs++;
	return hc.cur;
}

static void site_release(struct site_ref *r)
{
	if (!r)
		return;
	if (--r->refs == 0 && r != hc.cur) {
		hs_close(r->s);
		r->s = NULL;
		hc.st.sites_held--;
	}
}

int hc_set_site(struct hs_site *s, char *err, size_t errlen)
{
	struct site_ref *slot = NULL;
	for (unsigned i = 0; i < HC_SITES && !slot; i++)
		if (!hc.sites[i].s)
			slot = &hc.sites[i];
	if (!slot)
		return plat_snprintf(err, errlen, "%u versions of the site are still being served; try again when "
				     "their connections have ended", HC_SITES), -1;
	slot->s = s;
	slot->refs = 0;
	struct site_ref *old = hc.cur;
	hc.cur = slot;
	hc.st.sites_held++;
	hc.st.site_swaps += old != NULL;
	if (old && !old->refs) {
		hs_close(old->s);
		old->s = NULL;
		hc.st.sites_held--;
	}
	return 0;
}

const struct hs_site *hc_site(void)
{
	return hc.cur ? hc.cur->s : NULL;
}

/* ---- the connection's life ----------------------------------------------------------- */

static void conn_release(struct conn *c)
{
	site_release(c->site);
	hct_free(c->t);
	if (c->in != c->in_small)
		free(c->in);
	hc.st.open[c->https]--;
	c->state = C_FREE;
	c->pcb = NULL;
	c->t = NULL;
	c->site = NULL;
	free_list[n_free++] = (uint16_t)(c - conns);
}

static void detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

static err_t conn_abort(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	detach(pcb);
	conn_release(c);
	tcp_abort(pcb);
	return ERR_ABRT;
}

/* FIN after what is queued (a TLS close_notify first); reset when lwIP has no memory. */
static err_t conn_close(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	if (c->t && c->state != C_HANDSHAKE) {
		hct_close_notify(c->t);
		tcp_output(pcb);
	}
	detach(pcb);
	conn_release(c);
	if (tcp_close(pcb) != ERR_OK) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	return ERR_OK;
}

/* ---- responses --------------------------------------------------------------------- */

static unsigned status_idx(int status)
{
	for (unsigned i = 0; i < HC_S__COUNT; i++)
		if (hc_status_codes[i] == status)
			return i;
	return HC_S500;
}

/* The request line, printable, for the access log. */
static void request_line(const char *h, size_t len, char *out, size_t cap)
{
	size_t i = 0, k = 0;
	while (i < len && (h[i] == '\r' || h[i] == '\n'))
		i++;
	for (; i < len && h[i] != '\r' && h[i] != '\n' && k + 1 < cap; i++)
		out[k++] = h[i] >= 0x20 && h[i] < 0x7f && h[i] != '"' ? h[i] : '?';
	out[k] = 0;
}

static void begin(struct conn *c, const char *req, size_t req_len)
{
	c->responding = true;
	c->head_off = 0;
	c->body_done = 0;
	c->requests++;
	c->close_after = c->close_after || c->r.close;
	hc.st.responses[status_idx(c->r.status)]++;
	if (c->r.file && c->r.file->has_plain)
		hc.st.gzip++;
	if (hc.log) {
		char line[160];
		request_line(req, req_len, line, sizeof(line));
		plat_log(PLAT_LOG_INFO, "httpd: %s \"%s\" %d %llu", c->peer, line, c->r.status,
			 (unsigned long long)c->r.len);
	}
}

static void refuse(struct conn *c, int status)
{
	hr_refuse(status, plat_wall_s(), c->head, &c->r);
	c->close_after = true;
	begin(c, c->in, c->in_len);
}

/* Acknowledges to the peer's window what it holds beyond keep (plain HTTP; TLS's window
 * is its ciphertext's, acknowledged as TLS reads it). */
static void ack_to(struct conn *c, size_t keep)
{
	if (c->https || c->unacked <= keep)
		return;
	tcp_recved(c->pcb, (u16_t)(c->unacked - keep));
	c->unacked = keep;
}

/* Takes n bytes of request off the front. */
static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
	c->searched = 0;
	ack_to(c, c->in_len);
	if (c->in_len)
		c->since_ms = hc.now_ms;    /* a pipelined head: its clock starts now */
}

/* The next head, if whole: its response begins. False when there is none yet. */
static bool next_request(struct conn *c)
{
	if (!c->in_len || c->close_after)
		return false;
	long e = hq_head_end(c->in, c->in_len, c->searched);
	if (e == 0) {                   /* the rest of the head may come */
		c->searched = c->in_len;
		ack_to(c, 0);
		return false;
	}
	if (e < 0) {
		refuse(c, (int)-e);
		return true;
	}
	/* a connection moves to the current site once nothing of the old one is queued */
	if (c->site != hc.cur && !tcp_sndqueuelen(c->pcb)) {
		site_release(c->site);
		c->site = site_take();
	}
	static struct hq_req req;
	int bad = hq_parse(c->in, (size_t)e, &req);
	if (bad) {
		refuse(c, bad);
		return true;
	}
	hr_respond(&req, c->site->s, plat_wall_s(), c->head, &c->r);
	begin(c, c->in, (size_t)e);
	consume(c, (size_t)e);
	return true;
}

/* Queues up to left bytes of data: copied (copy) or by reference, or through TLS. How
 * many it took: 0 when the window or the send queue is full, -1 when TLS failed. more:
 * bytes follow these (TCP may wait to fill a segment). */
static long put(struct conn *c, const uint8_t *data, uint64_t left, bool copy, bool more)
{
	if (c->t)
		return hct_write(c->t, data, left < 16384 ? (size_t)left : 16384);
	u16_t room = tcp_sndbuf(c->pcb);
	if (!room || tcp_sndqueuelen(c->pcb) + 2 > TCP_SND_QUEUELEN)
		return 0;
	size_t n = left < room ? (size_t)left : room;
	u8_t flags = (u8_t)((copy ? TCP_WRITE_FLAG_COPY : 0) | (more || n < left ? TCP_WRITE_FLAG_MORE : 0));
	return tcp_write(c->pcb, data, (u16_t)n, flags) == ERR_OK ? (long)n : 0;
}

/* Queues what the window takes of the response: the head copied, the body by reference
 * (the site's bytes, or an error's static text: both outlive the queue). 0, or -1 when
 * TLS failed. */
static int push(struct conn *c)
{
	while (c->head_off < c->r.head_len) {
		long n = put(c, (const uint8_t *)c->head + c->head_off, c->r.head_len - c->head_off, true, c->r.len != 0);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		c->head_off += (size_t)n;
		hc.st.head_bytes += (uint64_t)n;
	}
	const uint8_t *body = c->r.file ? c->r.file->data + c->r.off : (const uint8_t *)c->r.text;
	while (c->body_done < c->r.len) {
		long n = put(c, body + c->body_done, c->r.len - c->body_done, false, false);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		c->body_done += (uint64_t)n;
		hc.st.body_bytes += (uint64_t)n;
	}
	c->responding = false;
	return 0;
}

/* The request buffer grown from in_small to IN_BIG bytes; false when there is no memory
 * (the bytes wait: lwIP keeps a refused pbuf, TLS its ciphertext). */
static bool grow(struct conn *c)
{
	if (c->in != c->in_small)
		return true;
	char *big = malloc(IN_BIG);
	if (!big)
		return false;
	memcpy(big, c->in, c->in_len);
	c->in = big;
	c->in_cap = IN_BIG;
	return true;
}

/* Plaintext from TLS into the request buffer while it has room. -1: the peer is gone. */
static int tls_read(struct conn *c)
{
	for (;;) {
		if (c->in_len == c->in_cap && !grow(c))
			return 0;
		if (c->in_len == c->in_cap)
			return 0;
		long n = hct_read(c->t, c->in + c->in_len, c->in_cap - c->in_len);
		if (n < 0)
			return -1;
		if (!n)
			return 0;
		if (!c->in_len && !c->responding)
			c->since_ms = hc.now_ms;
		c->in_len += (size_t)n;
		hc.st.request_bytes += (uint64_t)n;
	}
}

/* Moves what can move; returns ERR_ABRT when the pcb is gone. */
static err_t work(struct conn *c)
{
	if (c->state == C_HANDSHAKE) {
		char why[120];
		int rc = hct_handshake(c->t, why, sizeof(why));
		if (rc < 0) {
			hc.st.handshakes_failed++;
			if (hc.log)
				plat_log(PLAT_LOG_INFO, "httpd: %s: TLS handshake failed: %s", c->peer, why);
			return conn_abort(c);
		}
		if (!rc) {
			tcp_output(c->pcb);
			return ERR_OK;
		}
		hc.st.handshakes++;
		c->state = C_OPEN;
		c->since_ms = c->progress_ms = hc.now_ms;
	}
	for (unsigned rounds = 0; rounds < 64 && c->state == C_OPEN; rounds++) {
		if (c->t && !c->peer_closed && tls_read(c) < 0)
			c->peer_closed = true;
		if (c->responding) {
			if (push(c) < 0)
				return conn_abort(c);
			if (c->responding)
				break;
			if (c->close_after) {
				c->state = C_DRAIN;
				break;
			}
		}
		if (!next_request(c))
			break;
	}
	/* a peer that closed its side sends no more: what is left of a head will never be
	 * whole. Closed once the queue is empty, as every close: its segments may point into
	 * the site, which must outlive them. */
	if (c->state == C_OPEN && c->peer_closed && !c->responding)
		c->state = C_DRAIN;
	if (c->state == C_DRAIN && !tcp_sndqueuelen(c->pcb))
		return conn_close(c);
	tcp_output(c->pcb);
	return ERR_OK;
}

/* ---- lwIP's callbacks ---------------------------------------------------------------- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;
	(void)err;
	if (!c) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		c->peer_closed = true;
		if (c->t)
			hct_peer_closed(c->t);
		return work(c);
	}
	c->progress_ms = hc.now_ms;
	if (c->state == C_DRAIN || c->close_after) {      /* nothing more is read */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (c->t) {
		if (!hct_rx(c->t, p))
			return ERR_MEM;         /* past the window: lwIP keeps it */
	} else {
		if (c->in_len + p->tot_len > c->in_cap && (!grow(c) || c->in_len + p->tot_len > c->in_cap))
			return ERR_MEM;
		if (!c->in_len && !c->responding)
			c->since_ms = hc.now_ms;
		pbuf_copy_partial(p, c->in + c->in_len, p->tot_len, 0);
		c->in_len += p->tot_len;
		c->unacked += p->tot_len;
		hc.st.request_bytes += p->tot_len;
	}
	pbuf_free(p);
	return work(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	struct conn *c = arg;
	if (!c)
		return ERR_OK;
	c->progress_ms = hc.now_ms;
	return work(c);
}

static void on_err(void *arg, err_t err)
{
	(void)err;
	struct conn *c = arg;
	if (!c)
		return;
	hc.st.reset_by_peer++;
	if (c->t)
		hct_detach(c->t);
	conn_release(c);                /* lwIP freed the pcb */
}

/* Every second (lwIP's coarse timer): the limits on time, and work that waited for memory. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	(void)pcb;
	struct conn *c = arg;
	if (!c)
		return ERR_OK;
	uint64_t now = hc.now_ms;
	if (c->state == C_HANDSHAKE) {
		if (now - c->since_ms <= HC_HANDSHAKE_MS)
			return ERR_OK;
		hc.st.timeouts_handshake++;
		return conn_abort(c);
	}
	if ((c->responding || c->state == C_DRAIN) && now - c->progress_ms > HC_SEND_MS) {
		hc.st.timeouts_send++;
		return conn_abort(c);
	}
	if (c->state == C_OPEN && !c->responding && !c->close_after) {
		if (c->in_len && now - c->since_ms > HC_HEAD_MS) {
			hc.st.timeouts_head++;
			refuse(c, 408);
		} else if (!c->in_len && now - c->progress_ms > HC_IDLE_MS) {
			hc.st.timeouts_idle++;
			return conn_close(c);
		}
	}
	return work(c);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	bool https = arg != NULL;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct hct *t = NULL;
	if (!n_free || hc.st.open[0] + hc.st.open[1] >= HC_CONNS)
		hc.st.refused_full++;
	else if (https && hc.st.open[1] >= HC_TLS_CONNS)
		hc.st.refused_tls_full++;
	else if (https && !(t = hct_new(pcb)))
		hc.st.refused_memory++;
	else
		goto take;
	tcp_abort(pcb);
	return ERR_ABRT;
take:;
	struct conn *c = &conns[free_list[--n_free]];
	*c = (struct conn){ .state = https ? C_HANDSHAKE : C_OPEN, .https = https, .pcb = pcb, .t = t,
			    .since_ms = hc.now_ms, .progress_ms = hc.now_ms };
	c->in = c->in_small;
	c->in_cap = sizeof(c->in_small);
	c->site = site_take();
	plat_snprintf(c->peer, sizeof(c->peer), "%s%s%s:%u", IP_IS_V6(&pcb->remote_ip) ? "[" : "",
		      ipaddr_ntoa(&pcb->remote_ip), IP_IS_V6(&pcb->remote_ip) ? "]" : "", pcb->remote_port);
	hc.st.accepted[https]++;
	hc.st.open[https]++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, 2);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

/* ---- the table the app calls --------------------------------------------------------- */

int hc_start(const struct hc_conf *cf, struct hs_site *site, char *err, size_t errlen)
{
	memset(&hc, 0, sizeof(hc));
	hc.log = cf->log;
	conns = calloc(HC_CONNS, sizeof(*conns));
	if (!conns) {
		hs_close(site);
		return plat_snprintf(err, errlen, "no memory for %u connections", HC_CONNS), -1;
	}
	n_free = 0;
	for (unsigned i = HC_CONNS; i-- > 0;)
		free_list[n_free++] = (uint16_t)i;
	if (hc_set_site(site, err, errlen) != 0)
		return -1;
	char why[160];
	if (cf->http_port && !(hc.listener[0] = mg_listen(cf->http_port, 255, on_accept, why, sizeof(why)))) {
		plat_snprintf(err, errlen, "HTTP on TCP %u: %s", cf->http_port, why);
		hc_stop();
		return -1;
	}
	if (cf->https_port && !(hc.listener[1] = mg_listen(cf->https_port, 255, on_accept, why, sizeof(why)))) {
		plat_snprintf(err, errlen, "HTTPS on TCP %u: %s", cf->https_port, why);
		hc_stop();
		return -1;
	}
	if (hc.listener[1])
		tcp_arg(hc.listener[1], (void *)1);
	hc.ports[0] = cf->http_port;
	hc.ports[1] = cf->https_port;
	return 0;
}

void hc_set_log(bool on)
{
	hc.log = on;
}

uint16_t hc_port(bool https)
{
	return hc.ports[https];
}

bool hc_log(void)
{
	return hc.log;
}

void hc_poll(uint64_t now_ms)
{
	hc.now_ms = now_ms;
}

void hc_stop(void)
{
	for (unsigned i = 0; conns && i < HC_CONNS; i++)
		if (conns[i].state != C_FREE)
			conn_abort(&conns[i]);
	for (unsigned i = 0; i < 2; i++) {
		if (hc.listener[i])
			tcp_close(hc.listener[i]);
		hc.listener[i] = NULL;
	}
	for (unsigned i = 0; i < HC_SITES; i++) {
		if (hc.sites[i].s)
			hs_close(hc.sites[i].s);
		hc.sites[i].s = NULL;
	}
	hc.cur = NULL;
	hc.st.sites_held = 0;
	free(conns);
	conns = NULL;
}

const struct hc_stats *hc_stats(void)
{
	return &hc.st;
}

/* For hc_show.c: each open connection. */
void hc_each_conn(void (*fn)(void *arg, const struct hc_conn_view *v), void *arg)
{
	for (unsigned i = 0; conns && i < HC_CONNS; i++) {
		struct conn *c = &conns[i];
		if (c->state == C_FREE)
			continue;
		static const char *const states[] = { "free", "handshake", "open", "closing" };
		struct hc_conn_view v = { .peer = c->peer, .https = c->https, .requests = c->requests,
					  .state = c->responding ? "sending" : c->in_len ? "reading" : states[c->state],
					  .idle_ms = hc.now_ms - c->progress_ms, .queued = c->pcb ? tcp_sndqueuelen(c->pcb) : 0 };
		char tls[96] = "";
		if (c->t && c->state != C_HANDSHAKE)
			hct_describe(c->t, tls, sizeof(tls));
		v.tls = tls;
		fn(arg, &v);
	}
}
