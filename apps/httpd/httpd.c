/* httpd: the static server appliance. Its one port carries the appliance's own addresses
 * (the host stack, in-band on port 0: "port=0,dhcp" unless the platform says otherwise);
 * it serves a site (hs.h) over HTTP/1.1 and HTTPS (hc.h) there, beside /metrics and the
 * control socket. Frames for other addresses are dropped and counted.
 *
 * The site: the app's config (a boot module, hosted --config FILE) when there is one, a
 * tar archive; else the one built in (sluice build httpd --root DIR). A reload replaces it
 * (SIGHUP, the console, `load` over the control socket, where the archive comes in base64:
 * `sluice ctl httpd reload site.tar`), or changes the settings (httpd_ctl.c: log on|off).
 *
 * Options (opts=, hosted --opts): http=PORT (80; 0: none), https=PORT (443; 0: none; it
 * runs when the platform has https.crt and https.key), log (an access log line a
 * response; off by default).
 */
#include "app.h"
#include "hc.h"
#include "httpd_int.h"
#include "metrics.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

extern const uint8_t httpd_site_start[], httpd_site_end[];

enum { R_NOT_FOR_HOST, R__COUNT };
static const char *const reasons[R__COUNT] = { "not_for_host" };

/* Everything the host stack's stage did not take: this port has no other use. */
static void drop_rest(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	(void)ctx, (void)w;
	for (uint16_t i = 0; i < n; i++)
		pkt_drop(pkts[i], R_NOT_FOR_HOST);
}

static const struct pkt_stage_def drop_stage = {
	.name = "httpd", .process = drop_rest, .reasons = reasons, .n_reasons = R__COUNT,
};

static int port_opt(const char *v, size_t n, uint16_t *out)
{
	unsigned x = 0;
	if (!n || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	if (x > 65535)
		return -1;
	*out = (uint16_t)x;
	return 0;
}

/* "http=80,https=443,log": -1 with the word at fault. */
static int parse_opts(const char *opts, struct httpd *h, char *err, size_t errlen)
{
	const char *s = opts ? opts : "";
	unsigned col = 1;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *eq = memchr(s, '=', n);
		size_t k = eq ? (size_t)(eq - s) : n;
		const char *v = eq ? eq + 1 : NULL;
		size_t vn = eq ? n - k - 1 : 0;
		int bad = 0;
		if (k == 4 && !memcmp(s, "http", 4))
			bad = !v || port_opt(v, vn, &h->conf.http_port);
		else if (k == 5 && !memcmp(s, "https", 5))
			bad = !v || port_opt(v, vn, &h->conf.https_port);
		else if (k == 3 && !memcmp(s, "log", 3))
			bad = v && !(vn == 2 && !memcmp(v, "on", 2)) && !(vn == 3 && !memcmp(v, "off", 3)),
			h->conf.log = !v || vn == 2;
		else
			return plat_snprintf(err, errlen, "httpd: options: column %u: unknown option '%.*s' (http=PORT, "
					     "https=PORT, log)", col, (int)k, s), -1;
		if (bad)
			return plat_snprintf(err, errlen, "httpd: options: column %u: '%.*s': %s", col, (int)n, s,
					     k == 3 ? "log, log=on or log=off" : "a port from 0 (none) to 65535"), -1;
		col += (unsigned)n + 1;
		s += n + (e ? 1 : 0);
	}
	if (h->conf.http_port && h->conf.http_port == h->conf.https_port)
		return plat_snprintf(err, errlen, "httpd: options: http and https on the same port %u",
				     h->conf.http_port), -1;
	return 0;
}

static int httpd_setup(struct pkt_pipeline *pipe, void **state, const struct app_env *env, char *err, size_t errlen)
{
	struct httpd *h = calloc(1, sizeof(*h));
	if (!h)
		return plat_snprintf(err, errlen, "httpd: no memory"), -1;
	h->conf = (struct hc_conf){ .http_port = 80, .https_port = 443 };
	if (parse_opts(env->opts, h, err, errlen) != 0)
		goto fail;
	if (env->config)
		h->site = httpd_site_load(env->config_name, env->config, env->config_len, false, err, errlen);
	else
		h->site = hs_open("built-in site", httpd_site_start, (size_t)(httpd_site_end - httpd_site_start), false,
				  err, errlen);
	if (!h->site)
		goto fail;
	if (!pkt_pipe_add(pipe, &drop_stage, h)) {
		plat_snprintf(err, errlen, "httpd: pipeline full");
		goto fail;
	}
	*state = h;
	return 0;
fail:
	if (h->site)
		hs_close(h->site);
	free(h);
	return -1;
}

static void httpd_teardown(void *state)
{
	struct httpd *h = state;
	if (h->site)
		hs_close(h->site);
	free(h);
}

/* The management plane on port 0 unless the platform says otherwise. */
static bool httpd_mgmt(void *state, char *spec, size_t len, uint16_t *metrics_port, uint16_t *ctl_port, char *where,
		       size_t wlen)
{
	(void)state;
	plat_snprintf(spec, len, "port=0,dhcp");
	*metrics_port = *ctl_port = 0;
	plat_snprintf(where, wlen, "httpd's default (port=0,dhcp)");
	return true;
}

static int httpd_host_up(void *state, char *err, size_t errlen)
{
	struct httpd *h = state;
	char what[200] = "", why[300];
	int tls = h->conf.https_port ? hc_tls_setup(what, sizeof(what), why, sizeof(why)) : 0;
	if (tls < 0)
		return plat_snprintf(err, errlen, "httpd: HTTPS: %s", why), -1;
	struct hc_conf c = h->conf;
	if (!tls)
		c.https_port = 0;
	if (!c.http_port && !c.https_port)
		return plat_snprintf(err, errlen, "httpd: nothing to serve on: http=0 and %s", h->conf.https_port ?
				     "no https.crt and https.key for HTTPS" : "https=0"), -1;
	if (hc_start(&c, h->site, why, sizeof(why)) != 0) {
		hc_tls_free();
		/* hc_start took the site and closed it */
		h->site = NULL;
		return plat_snprintf(err, errlen, "httpd: %s", why), -1;
	}
	h->site = NULL;     /* the server's now */
	h->up = h->served = true;
	const struct hs_site *s = hc_site();
	plat_log(PLAT_LOG_INFO, "httpd: serving %s (%u files, %llu bytes)", hs_name(s), hs_files(s),
		 (unsigned long long)hs_bytes(s));
	if (c.http_port)
		plat_log(PLAT_LOG_INFO, "httpd: HTTP on TCP %u", c.http_port);
	if (c.https_port)
		plat_log(PLAT_LOG_INFO, "httpd: HTTPS on TCP %u: %s", c.https_port, what);
	else if (h->conf.https_port)
		plat_log(PLAT_LOG_INFO, "httpd: no HTTPS: no https.crt and https.key (sluice run --keys DIR; sluice "
				      "keys DIR writes them)");
	return 0;
}

static void httpd_host_down(void *state)
{
	struct httpd *h = state;
	if (!h->up)
		return;
	hc_stop();
	hc_tls_free();
	h->up = false;
}

static void httpd_tick(void *state, struct pkt_worker *w, uint64_t now_ms)
{
	(void)state, (void)w;
	hc_poll(now_ms);
}

static void *httpd_build(void *state, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	(void)state;
	return httpd_change_build(name, text, len, err, errlen);
}

static int httpd_apply(void *state, void *built, const char *name, const char *text, size_t len, char *err,
		       size_t errlen)
{
	(void)name, (void)text, (void)len;
	return httpd_change_apply(state, built, err, errlen);
}

static void httpd_metrics(void *state, struct mx_out *o)
{
	struct httpd *h = state;
	if (h->up)
		hc_metrics(o);
}

static void httpd_report(void *state, void (*emit)(void *arg, const char *line), void *arg)
{
	struct httpd *h = state;
	if (!h->up && !h->served)
		return;
	const struct hc_stats *s = hc_stats();
	char line[400];
	uint64_t total = 0;
	size_t k = (size_t)plat_snprintf(line, sizeof(line), "httpd: responses");
	for (unsigned i = 0; i < HC_S__COUNT; i++) {
		total += s->responses[i];
		if (s->responses[i] && k < sizeof(line))
			k += (size_t)plat_snprintf(line + k, sizeof(line) - k, " %u:%llu", hc_status_codes[i],
						   (unsigned long long)s->responses[i]);
	}
	if (!total)
		plat_snprintf(line + k, sizeof(line) - k, " none");
	emit(arg, line);
	plat_snprintf(line, sizeof(line), "httpd: connections %llu http %llu https, refused %llu; timeouts head %llu "
		      "idle %llu send %llu handshake %llu; body bytes %llu",
		      (unsigned long long)s->accepted[0], (unsigned long long)s->accepted[1],
		      (unsigned long long)(s->refused_full + s->refused_tls_full + s->refused_memory),
		      (unsigned long long)s->timeouts_head, (unsigned long long)s->timeouts_idle,
		      (unsigned long long)s->timeouts_send, (unsigned long long)s->timeouts_handshake,
		      (unsigned long long)s->body_bytes);
	emit(arg, line);
}

const struct app_def app_httpd = {
	.name = "httpd",
	.summary = "a static web server: HTTP/1.1 and HTTPS from a site (tar archive) on port 0's\n"
		   "             own addresses; options http=PORT,https=PORT,log",
	.min_ports = 1,
	.max_ports = 1,
	.setup = httpd_setup,
	.teardown = httpd_teardown,
	.tick = httpd_tick,
	.build = httpd_build,
	.apply = httpd_apply,
	.discard = httpd_change_discard,
	.report = httpd_report,
	.metrics = httpd_metrics,
	.mgmt = httpd_mgmt,
	.host_up = httpd_host_up,
	.host_down = httpd_host_down,
	.ctl = &httpd_ctl_ns,
};
