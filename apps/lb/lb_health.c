/* The lb appliance's health checks (lb_app.h), sent from its own stack (lwIP's raw TCP
 * API, on the management interface: apps/mgmt.h) once the stack is up.
 *
 * Each backend of a service with 'health tcp' or 'health http' is checked every interval
 * (from the start of one check to the next), the first ones spread over an interval:
 *
 *   tcp   a connection: the handshake completing is a pass; a reset (refused), an ICMP
 *         error or no answer before the timeout a failure;
 *   http  then "GET PATH HTTP/1.1" with Host and "Connection: close": a status line with
 *         the expected status before the timeout is a pass; another status, a reply that
 *         is not HTTP, a close before the status line, a failure.
 *
 * A check ends with a reset of its connection (as HAProxy's do: no TIME_WAIT on the
 * appliance, nothing left for the backend to close). fall failures in a row take an up
 * backend down, rise passes in a row bring a down one back; either change builds the set
 * again (lb_set.c) at the tick, so that a down backend leaves the Maglev tables at once
 * and its flows move (dsr), and the console says so. Checks run at most LBA_PROBES at once;
 * a due check waits for a free one.
 */
#include "lb_app.h"

#include "mgmt_int.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

#define LBA_PROBES 256                   /* checks running at once */
#define HEALTH_EVERY_MS 10               /* the tick looks for due checks so often */
#define STATUS_MAX 64                    /* bytes of the status line read */

struct probe {
	struct lb_app *a;
	uint16_t id;
	uint8_t rise, fall;
	bool http;
	uint16_t expect;
	struct tcp_pcb *pcb;
	uint64_t deadline_ms;
	char line[STATUS_MAX + 1];
	size_t len;
	char req[LBC_PATH_MAX + LBC_HOST_MAX + 128];
	size_t req_len;
};

/* The health thresholds: the state changes, the set is to be built again. */
static void judge(struct lb_app *a, uint16_t id, uint8_t rise, uint8_t fall)
{
	struct lba_be *b = &a->be[id];
	uint8_t was = b->hc;
	if (b->hc == LBA_HC_UP && b->fail_run >= fall)
		b->hc = LBA_HC_DOWN;
	else if (b->hc == LBA_HC_DOWN && b->ok_run >= rise)
		b->hc = LBA_HC_UP;
	if (b->hc == was)
		return;
	b->changed_ms = a->now_ms;
	a->health_dirty = true;
	char line[256];
	plat_snprintf(line, sizeof(line), "lb: backend %s/%s is %s: %s (%u checks in a row)", b->svc, b->name,
		      b->hc == LBA_HC_UP ? "up" : "down", b->last, b->hc == LBA_HC_UP ? b->ok_run : b->fail_run);
	if (a->emit)
		a->emit(a->emit_arg, line);
}

/* A check's end: counted and judged, unless it was cut short (the backend removed, the
 * checks stopped: quiet), which says nothing about the backend. */
static void end_probe(struct probe *pr, bool ok, const char *why, bool quiet)
{
	struct lb_app *a = pr->a;
	struct lba_be *b = &a->be[pr->id];
	if (pr->pcb) {
		tcp_arg(pr->pcb, NULL);
		tcp_recv(pr->pcb, NULL);
		tcp_err(pr->pcb, NULL);
		tcp_abort(pr->pcb);
	}
	b->probe = NULL;
	a->probes_running--;
	uint8_t rise = pr->rise, fall = pr->fall;
	uint16_t id = pr->id;
	free(pr);
	if (quiet)
		return;
	b->checks++;
	plat_snprintf(b->last, sizeof(b->last), "%s", why);
	if (ok) {
		b->fail_run = 0;
		if (b->ok_run < 255)
			b->ok_run++;
	} else {
		b->failures++;
		b->ok_run = 0;
		if (b->fail_run < 255)
			b->fail_run++;
	}
	judge(a, id, rise, fall);
}

static void finish(struct probe *pr, bool ok, const char *why)
{
	end_probe(pr, ok, why, false);
}

static void on_err(void *arg, err_t err)
{
	struct probe *pr = arg;
	if (!pr)
		return;
	pr->pcb = NULL;      /* lwIP freed it */
	finish(pr, false, err == ERR_RST ? "refused" : err == ERR_ABRT ? "aborted" : "connection failed");
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct probe *pr = arg;
	(void)err;
	if (!pr) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		finish(pr, false, pr->len ? "closed before a whole status line" : "closed without an answer");
		return ERR_ABRT;
	}
	size_t take = p->tot_len < STATUS_MAX - pr->len ? p->tot_len : STATUS_MAX - pr->len;
	pbuf_copy_partial(p, pr->line + pr->len, (u16_t)take, 0);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	pr->len += take;
	pr->line[pr->len] = 0;
	char *eol = strchr(pr->line, '\n');
	if (!eol && pr->len < STATUS_MAX)
		return ERR_OK;
	/* "HTTP/1.x SSS ..." */
	unsigned st = 0;
	bool http = pr->len >= 12 && !memcmp(pr->line, "HTTP/1.", 7) && pr->line[8] == ' ';
	for (unsigned i = 9; http && i < 12; i++) {
		if (pr->line[i] < '0' || pr->line[i] > '9')
			http = false;
		else
			st = st * 10 + (unsigned)(pr->line[i] - '0');
	}
	char why[32];
	if (!http)
		finish(pr, false, "not an HTTP reply");
	else if (st != pr->expect)
		finish(pr, false, (plat_snprintf(why, sizeof(why), "status %u", st), why));
	else
		finish(pr, true, (plat_snprintf(why, sizeof(why), "status %u", st), why));
	return ERR_ABRT;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct probe *pr = arg;
	(void)err;
	if (!pr)
		return ERR_OK;
	if (!pr->http) {
		finish(pr, true, "connected");
		return ERR_ABRT;
	}
	if (tcp_write(pcb, pr->req, (u16_t)pr->req_len, TCP_WRITE_FLAG_COPY) != ERR_OK) {
		finish(pr, false, "no memory to send the request");
		return ERR_ABRT;
	}
	tcp_output(pcb);
	return ERR_OK;
}

static void start(struct lb_app *a, const struct lb_backend *be, const struct lbc_health *h, uint64_t now)
{
	struct lba_be *b = &a->be[be->id];
	struct probe *pr = calloc(1, sizeof(*pr));
	if (!pr)
		return;
	pr->a = a;
	pr->id = be->id;
	pr->http = h->kind == LBC_CHECK_HTTP;
	pr->expect = h->status;
	pr->rise = h->rise;
	pr->fall = h->fall;
	pr->deadline_ms = now + h->timeout_ms;
	uint16_t port = h->port ? h->port : be->port;
	if (pr->http) {
		char host[LBC_HOST_MAX + 48];
		if (h->host[0]) {
			plat_snprintf(host, sizeof(host), "%s", h->host);
		} else {
			char ad[48];
			lba_addr(ad, sizeof(ad), be->family, be->addr);
			plat_snprintf(host, sizeof(host), be->family == 6 ? "[%s]:%u" : "%s:%u", ad, port);
		}
		pr->req_len = (size_t)plat_snprintf(pr->req, sizeof(pr->req),
						    "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sluice-lb\r\n"
						    "Connection: close\r\n\r\n", h->path[0] ? h->path : "/", host);
	}
	ip_addr_t ip;
	if (be->family == 6) {
		IP_SET_TYPE_VAL(ip, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(&ip)->addr, be->addr, 16);
		ip6_addr_clear_zone(ip_2_ip6(&ip));
	} else {
		IP_SET_TYPE_VAL(ip, IPADDR_TYPE_V4);
		memcpy(&ip_2_ip4(&ip)->addr, be->addr, 4);
	}
	pr->pcb = tcp_new_ip_type(be->family == 6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
	b->probe = pr;
	a->probes_running++;
	if (!pr->pcb) {
		finish(pr, false, "no connection free on the appliance");
		return;
	}
	tcp_arg(pr->pcb, pr);
	tcp_err(pr->pcb, on_err);
	tcp_recv(pr->pcb, on_recv);
	if (tcp_connect(pr->pcb, &ip, port, on_connected) != ERR_OK)
		finish(pr, false, "no route from the management interface");
}

void lba_health_tick(struct lb_app *a, uint64_t now_ms)
{
	if (now_ms - a->health_look_ms < HEALTH_EVERY_MS)
		return;
	a->health_look_ms = now_ms;
	const struct lba_conf *c = atomic_load_explicit(&a->active, memory_order_relaxed);
	const struct lb_set *s = atomic_load_explicit(&a->set, memory_order_relaxed);
	for (unsigned i = 0; i < s->n_svc && i < c->lb.n_svc; i++) {
		const struct lb_service *v = &s->svc[i];
		const struct lbc_health *h = &c->lb.svc[i].health;
		for (unsigned k = 0; k < v->n_be; k++) {
			const struct lb_backend *be = &v->be[k];
			struct lba_be *b = &a->be[be->id];
			struct probe *pr = b->probe;
			if (pr && (int64_t)(now_ms - pr->deadline_ms) >= 0)
				finish(pr, false, "timeout");
			if (h->kind == LBC_CHECK_NONE) {
				if (b->hc != LBA_HC_UP) {       /* checks turned off: up */
					b->hc = LBA_HC_UP;
					a->health_dirty = true;
				}
				continue;
			}
			if (!b->next_ms) {
				/* a backend's first check: the first ones spread over an interval */
				b->next_ms = now_ms + (uint64_t)(be->id % 64) * h->interval_ms / 64 + 1;
				continue;
			}
			if (b->probe || (int64_t)(now_ms - b->next_ms) < 0 || a->probes_running >= LBA_PROBES)
				continue;
			b->next_ms = now_ms + h->interval_ms;
			start(a, be, h, now_ms);
		}
	}
}

void lba_health_forget(struct lb_app *a, uint16_t id)
{
	struct probe *pr = a->be[id].probe;
	if (pr)
		end_probe(pr, false, "removed", true);
}

int lba_host_up(void *state, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct lb_app *a = state;
	a->host_up = true;
	return 0;
}

void lba_host_down(void *state)
{
	lba_health_stop(state);
}

void lba_health_stop(struct lb_app *a)
{
	for (unsigned i = 0; i < LB_MAX_IDS; i++)
		if (a->be[i].probe)
			end_probe(a->be[i].probe, false, "stopped", true);
	a->host_up = false;
}
