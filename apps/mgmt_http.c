/* The metrics server: HTTP/1.1 GET /metrics on lwIP's raw TCP API, the page streamed in
 * chunks as the send window opens (metrics.h), never built whole.
 *
 * Limits, all explicit: MG_HTTP_CONNS connections at once (one more is reset at accept);
 * a request head of at most MG_HTTP_HEAD_MAX bytes (431), whole within
 * MG_HTTP_HEAD_TIMEOUT_MS (408); a response that makes no progress for MG_HTTP_IDLE_MS is
 * cut. One request per connection (Connection: close): the end of the page is the end of
 * the connection, as HTTP/1.1 allows. GET and HEAD; anything else 405; other paths 404.
 */
#include "app_life.h"
#include "metrics.h"
#include "mgmt_int.h"

#include "lwip/tcp.h"

#include <string.h>

#define CHUNK 4096                  /* one pass over the page writes at most this */

/* C_CLOSING: all of the response is queued, some not yet acknowledged */
enum conn_state { C_FREE, C_HEAD, C_BODY, C_CLOSING };

struct conn {
	enum conn_state state;
	struct tcp_pcb *pcb;
	bool head_only;                 /* HEAD: the response head, no page */
	uint64_t lines_sent;            /* of the page, so far */
	uint64_t since_ms;              /* accepted at */
	uint64_t progress_ms;           /* last byte acknowledged or read */
	size_t head_len;
	char head[MG_HTTP_HEAD_MAX];
	const char *canned;             /* a short response still to write (errors, the head) */
	size_t canned_len;
	bool page_pending;              /* after the canned head: the page */
};

static struct {
	struct tcp_pcb *listener;
	struct conn conns[MG_HTTP_CONNS];
	uint64_t now_ms;
	uint64_t accepted, refused, timeouts, aborted;
	uint64_t responses[6];          /* 200, 400, 404, 405, 408, 431 */
	uint64_t bytes_sent;
	char chunk[CHUNK];
} http;

enum { R200, R400, R404, R405, R408, R431 };
static const char *const codes[6] = { "200", "400", "404", "405", "408", "431" };

#define ERR_RESPONSE(code, text, body)                                                                          \
	"HTTP/1.1 " code " " text "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "               \
	"%u\r\nConnection: close\r\n\r\n" body

static const char ok_head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
			      "Cache-Control: no-store\r\nConnection: close\r\n\r\n";

static void conn_free(struct conn *c)
{
	c->state = C_FREE;
	c->pcb = NULL;
}

/* Closes gracefully (FIN after what is queued); aborts when lwIP has no memory for it. */
static err_t conn_close(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
	conn_free(c);
	if (tcp_close(pcb) != ERR_OK) {
		http.aborted++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	return ERR_OK;
}

static err_t conn_abort(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	tcp_arg(pcb, NULL);
	conn_free(c);
	http.aborted++;
	tcp_abort(pcb);
	return ERR_ABRT;
}

/* Writes what is due while the window has room; closes when all of it is queued. */
static err_t conn_send(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	while (c->canned_len) {
		u16_t room = tcp_sndbuf(pcb);
		if (!room)
			break;
		u16_t n = c->canned_len < room ? (u16_t)c->canned_len : room;
		if (tcp_write(pcb, c->canned, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		c->canned += n;
		c->canned_len -= n;
		http.bytes_sent += n;
	}
	bool done = !c->canned_len && !c->page_pending;
	while (!c->canned_len && c->page_pending) {
		u16_t room = tcp_sndbuf(pcb);
		if (room < MX_LINE_MAX || tcp_sndqueuelen(pcb) + 4 > TCP_SND_QUEUELEN)
			break;
		struct mx_out o;
		mx_begin(&o, http.chunk, room < CHUNK ? room : CHUNK, c->lines_sent);
		app_life_metrics(mg.life, &o);
		if (o.len && tcp_write(pcb, http.chunk, (u16_t)o.len, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;      /* no memory for it now: the same lines again when some is acked */
		http.bytes_sent += o.len;
		c->lines_sent = mx_sent(&o);
		if (mx_done(&o)) {
			c->page_pending = false;
			done = true;
		}
	}
	tcp_output(pcb);
	if (done)
		c->state = C_CLOSING;
	/* closed once the peer has it all, not when it is queued: until then the slot and the
	 * limit on time hold, so a reader that stops cannot pin lwIP's memory unseen */
	if (c->state == C_CLOSING && !tcp_sndqueuelen(pcb))
		return conn_close(c);
	return ERR_OK;
}

static void respond_error(struct conn *c, int r, const char *fmt, const char *body)
{
	static char buf[MG_HTTP_CONNS][320];
	char *b = buf[c - http.conns];
	int n = plat_snprintf(b, sizeof(buf[0]), fmt, (unsigned)strlen(body));
	http.responses[r]++;
	c->canned = b;
	c->canned_len = n > 0 && (size_t)n < sizeof(buf[0]) ? (size_t)n : 0;
	c->page_pending = false;
	c->state = C_BODY;
}

#define RESPOND(c, r, code, text, body) respond_error(c, r, ERR_RESPONSE(code, text, body), body)

/* The request head is whole in c->head[0..head_len): decide the response. */
static void request(struct conn *c)
{
	const char *h = c->head, *end = c->head + c->head_len;
	const char *sp1 = memchr(h, ' ', (size_t)(end - h));
	const char *eol = memchr(h, '\n', (size_t)(end - h));
	const char *sp2 = sp1 && sp1 < eol ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !eol || !sp2 || sp1 == h || (size_t)(eol - sp2) < 9 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1') || (sp2[9] != '\r' && sp2[9] != '\n')) {
		RESPOND(c, R400, "400", "Bad Request", "a request line is METHOD /PATH HTTP/1.1\n");
		return;
	}
	size_t mlen = (size_t)(sp1 - h), plen = (size_t)(sp2 - sp1 - 1);
	bool get = mlen == 3 && !memcmp(h, "GET", 3), head = mlen == 4 && !memcmp(h, "HEAD", 4);
	if (!get && !head) {
		RESPOND(c, R405, "405", "Method Not Allowed", "GET /metrics\n");
		return;
	}
	const char *path = sp1 + 1;
	const char *q = memchr(path, '?', plen);
	size_t bare = q ? (size_t)(q - path) : plen;
	if (bare != 8 || memcmp(path, "/metrics", 8)) {
		RESPOND(c, R404, "404", "Not Found", "the metrics are at /metrics\n");
		return;
	}
	http.responses[R200]++;
	c->head_only = head;
	c->canned = ok_head;
	c->canned_len = sizeof(ok_head) - 1;
	c->page_pending = !head;
	c->lines_sent = 0;
	c->state = C_BODY;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;
	(void)err;
	if (!c) {                         /* after we let go of it */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {                         /* the client closed its side */
		if (c->state == C_HEAD)
			return conn_close(c);
		return ERR_OK;            /* it may still read the page (a half-close) */
	}
	tcp_recved(pcb, p->tot_len);
	c->progress_ms = http.now_ms;
	if (c->state == C_HEAD) {
		size_t room = sizeof(c->head) - c->head_len;
		size_t n = p->tot_len < room ? p->tot_len : room;
		pbuf_copy_partial(p, c->head + c->head_len, (u16_t)n, 0);
		size_t from = c->head_len > 3 ? c->head_len - 3 : 0;
		c->head_len += n;
		bool whole = false;
		for (size_t i = from; i + 1 < c->head_len && !whole; i++)
			whole = (c->head[i] == '\n' && c->head[i + 1] == '\n') ||
				(i + 3 < c->head_len && !memcmp(c->head + i, "\r\n\r\n", 4));
		if (whole)
			request(c);
		else if (c->head_len == sizeof(c->head))
			RESPOND(c, R431, "431", "Request Header Fields Too Large", "the request head is over 2048 bytes\n");
	}
	pbuf_free(p);                     /* what comes after the head is not read */
	if (c->state == C_BODY || c->state == C_CLOSING)
		return conn_send(c);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	struct conn *c = arg;
	if (!c)
		return ERR_OK;
	c->progress_ms = http.now_ms;
	return c->state == C_BODY || c->state == C_CLOSING ? conn_send(c) : ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	(void)err;
	struct conn *c = arg;
	if (c)
		conn_free(c);             /* lwIP freed the pcb already */
}

/* Every 500 ms (lwIP's coarse timer): the limits on time. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	(void)pcb;
	struct conn *c = arg;
	if (!c)
		return ERR_OK;
	if (c->state == C_HEAD && http.now_ms - c->since_ms > MG_HTTP_HEAD_TIMEOUT_MS) {
		http.timeouts++;
		RESPOND(c, R408, "408", "Request Timeout", "the request head did not come in time\n");
		return conn_send(c);
	}
	if ((c->state == C_BODY || c->state == C_CLOSING) && http.now_ms - c->progress_ms > MG_HTTP_IDLE_MS) {
		http.timeouts++;
		return conn_abort(c);
	}
	return c->state == C_BODY || c->state == C_CLOSING ? conn_send(c) : ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct conn *c = NULL;
	for (unsigned i = 0; i < MG_HTTP_CONNS && !c; i++)
		if (http.conns[i].state == C_FREE)
			c = &http.conns[i];
	if (!c) {
		http.refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	http.accepted++;
	*c = (struct conn){ .state = C_HEAD, .pcb = pcb, .since_ms = http.now_ms, .progress_ms = http.now_ms };
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, 1);
	tcp_setprio(pcb, TCP_PRIO_MIN);
	return ERR_OK;
}

int mg_http_start(uint16_t port, char *err, size_t errlen)
{
	memset(&http, 0, sizeof(http));
	http.listener = mg_listen(port, MG_HTTP_CONNS, on_accept, err, errlen);
	return http.listener ? 0 : -1;
}

void mg_http_poll(uint64_t now_ms)
{
	http.now_ms = now_ms;
}

void mg_http_stop(void)
{
	for (unsigned i = 0; i < MG_HTTP_CONNS; i++)
		if (http.conns[i].state != C_FREE)
			conn_abort(&http.conns[i]);
	if (http.listener)
		tcp_close(http.listener);
	http.listener = NULL;
}

void mg_http_metrics(struct mx_out *o)
{
	mx_family(o, "sluice_metrics_http_connections_total", "counter",
		  "Connections to the metrics server, by what became of them at accept.");
	mx_sample(o, "sluice_metrics_http_connections_total", "outcome=\"accepted\"", http.accepted);
	mx_sample(o, "sluice_metrics_http_connections_total", "outcome=\"refused\"", http.refused);
	mx_family(o, "sluice_metrics_http_responses_total", "counter", "Responses of the metrics server, by status.");
	for (unsigned i = 0; i < 6; i++) {
		char lb[24] = "";
		mx_label(lb, sizeof(lb), "code", codes[i]);
		mx_sample(o, "sluice_metrics_http_responses_total", lb, http.responses[i]);
	}
	mx_family(o, "sluice_metrics_http_cut_total", "counter",
		  "Connections cut: timed out, or reset when lwIP had no memory to close them.");
	mx_sample(o, "sluice_metrics_http_cut_total", "reason=\"timeout\"", http.timeouts);
	mx_sample(o, "sluice_metrics_http_cut_total", "reason=\"aborted\"", http.aborted);
	mx_family(o, "sluice_metrics_http_sent_bytes_total", "counter", "Bytes the metrics server wrote.");
	mx_sample(o, "sluice_metrics_http_sent_bytes_total", NULL, http.bytes_sent);
}
