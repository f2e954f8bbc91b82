/* The static server's counters as Prometheus families, and its open connections as a
 * control-socket listing (hc.h). */
#include "ctl.h"
#include "hc_int.h"
#include "metrics.h"

static const char *const protos[2] = { "http", "https" };

void hc_metrics(struct mx_out *o)
{
	const struct hc_stats *s = &hc.st;
	char lb[64];
	mx_family(o, "sluice_httpd_connections_total", "counter",
		  "Connections to the static server: accepted by protocol, or refused at accept by reason.");
	for (unsigned i = 0; i < 2; i++) {
		lb[0] = 0;
		mx_label(lb, sizeof(lb), "outcome", "accepted");
		mx_label(lb, sizeof(lb), "proto", protos[i]);
		mx_sample(o, "sluice_httpd_connections_total", lb, s->accepted[i]);
	}
	static const char *const reasons[3] = { "full", "tls_full", "memory" };
	const uint64_t refused[3] = { s->refused_full, s->refused_tls_full, s->refused_memory };
	for (unsigned i = 0; i < 3; i++) {
		lb[0] = 0;
		mx_label(lb, sizeof(lb), "outcome", "refused");
		mx_label(lb, sizeof(lb), "reason", reasons[i]);
		mx_sample(o, "sluice_httpd_connections_total", lb, refused[i]);
	}
	mx_family(o, "sluice_httpd_connections_open", "gauge", "Connections open now, by protocol.");
	for (unsigned i = 0; i < 2; i++) {
		lb[0] = 0;
		mx_label(lb, sizeof(lb), "proto", protos[i]);
		mx_sample(o, "sluice_httpd_connections_open", lb, s->open[i]);
	}
	mx_family(o, "sluice_httpd_responses_total", "counter", "Responses, by status code.");
	for (unsigned i = 0; i < HC_S__COUNT; i++) {
		lb[0] = 0;
		mx_label_u(lb, sizeof(lb), "code", hc_status_codes[i]);
		mx_sample(o, "sluice_httpd_responses_total", lb, s->responses[i]);
	}
	mx_family(o, "sluice_httpd_gzip_responses_total", "counter", "Responses sent from a precompressed .gz sibling.");
	mx_sample(o, "sluice_httpd_gzip_responses_total", NULL, s->gzip);
	mx_family(o, "sluice_httpd_sent_bytes_total", "counter", "Bytes of responses queued, heads and bodies (before TLS).");
	mx_sample(o, "sluice_httpd_sent_bytes_total", "part=\"head\"", s->head_bytes);
	mx_sample(o, "sluice_httpd_sent_bytes_total", "part=\"body\"", s->body_bytes);
	mx_family(o, "sluice_httpd_received_bytes_total", "counter", "Bytes of requests received (after TLS).");
	mx_sample(o, "sluice_httpd_received_bytes_total", NULL, s->request_bytes);
	mx_family(o, "sluice_httpd_timeouts_total", "counter",
		  "Connections the limits on time ended: a head not whole in time (408), idle between requests, "
		  "a response the peer did not take, a TLS handshake not done in time.");
	static const char *const phases[4] = { "head", "idle", "send", "handshake" };
	const uint64_t t[4] = { s->timeouts_head, s->timeouts_idle, s->timeouts_send, s->timeouts_handshake };
	for (unsigned i = 0; i < 4; i++) {
		lb[0] = 0;
		mx_label(lb, sizeof(lb), "phase", phases[i]);
		mx_sample(o, "sluice_httpd_timeouts_total", lb, t[i]);
	}
	mx_family(o, "sluice_httpd_reset_total", "counter", "Connections that ended in an error lwIP reported (a reset).");
	mx_sample(o, "sluice_httpd_reset_total", NULL, s->reset_by_peer);
	mx_family(o, "sluice_httpd_tls_handshakes_total", "counter", "TLS handshakes, by outcome.");
	mx_sample(o, "sluice_httpd_tls_handshakes_total", "outcome=\"ok\"", s->handshakes);
	mx_sample(o, "sluice_httpd_tls_handshakes_total", "outcome=\"failed\"", s->handshakes_failed);
	const struct hs_site *site = hc_site();
	mx_family(o, "sluice_httpd_site_files", "gauge", "Files in the site being served.");
	mx_sample(o, "sluice_httpd_site_files", NULL, site ? hs_files(site) : 0);
	mx_family(o, "sluice_httpd_site_bytes", "gauge", "Bytes of the files in the site being served.");
	mx_sample(o, "sluice_httpd_site_bytes", NULL, site ? hs_bytes(site) : 0);
	mx_family(o, "sluice_httpd_site_versions", "gauge", "Versions of the site held: the current one and replaced ones still being served.");
	mx_sample(o, "sluice_httpd_site_versions", NULL, s->sites_held);
	mx_family(o, "sluice_httpd_site_swaps_total", "counter", "Sites replaced live.");
	mx_sample(o, "sluice_httpd_site_swaps_total", NULL, s->site_swaps);
}

struct show_ctx {
	struct ctl_out *o;
	unsigned n;
};

static void show_one(void *arg, const struct hc_conn_view *v)
{
	struct show_ctx *x = arg;
	struct ctl_out *o = x->o;
	if (o->json) {
		ctl_printf(o, "%s{\"peer\":", x->n ? "," : "");
		ctl_json_str(o, v->peer);
		ctl_printf(o, ",\"proto\":\"%s\",\"state\":\"%s\",\"requests\":%llu,\"idle_ms\":%llu,\"queued\":%u,\"tls\":",
			   protos[v->https], v->state, (unsigned long long)v->requests, (unsigned long long)v->idle_ms,
			   v->queued);
		ctl_json_str(o, v->tls);
		ctl_printf(o, "}");
	} else {
		ctl_printf(o, "%-46s %-5s %-9s requests %llu idle %llu ms queued %u%s%s\n", v->peer, protos[v->https],
			   v->state, (unsigned long long)v->requests, (unsigned long long)v->idle_ms, v->queued,
			   v->tls[0] ? " " : "", v->tls);
	}
	x->n++;
}

void hc_show_conns(struct ctl_out *o)
{
	struct show_ctx x = { .o = o };
	if (o->json)
		ctl_printf(o, "{\"connections\":[");
	hc_each_conn(show_one, &x);
	if (o->json)
		ctl_printf(o, "]}\n");
	else if (!x.n)
		ctl_printf(o, "no connection open\n");
	ctl_ok(o, "%u connection%s", x.n, x.n == 1 ? "" : "s");
}
