/* What the control sessions act on (mgmt_ctl.h): the running app through the life cycle
 * (its reload, its counters, its ports), and the audit of every commit: one console line
 * and the metrics (who, what changed, the result). */
#include "app_life.h"
#include "metrics.h"
#include "mgmt_ctl.h"
#include "mgmt_int.h"

#include <string.h>

static struct {
	struct app_life *life;
	struct ctl_host host;
	uint64_t audits_ok, audits_failed;
	struct {                          /* the last commit, for the metrics */
		bool any;
		bool ok;
		char who[96], what[160];
		uint64_t at_ms;
	} last;
} h;

static int reload(void *arg, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	(void)arg;
	struct plat_blob b = { name, text, len };
	return app_life_reload(h.life, &b, err, errlen);
}

/* The slow half away from the poll loop: the worker forwards while the commit builds. */
static int reload_start(void *arg, const char *name, const char *text, size_t len)
{
	(void)arg;
	struct plat_blob b = { name, text, len };
	return app_life_reload_start(h.life, &b);
}

static int reload_poll(void *arg, char *err, size_t errlen)
{
	(void)arg;
	return app_life_reload_poll(h.life, err, errlen);
}

static void emit(void *arg, const char *line)
{
	ctl_printf(arg, "%s\n", line);
}

static void stats(void *arg, struct ctl_out *o)
{
	(void)arg;
	struct app_life *l = h.life;
	const struct mgc_counters *n = mgc_counters();
	uint64_t up_ms = (plat_clock_ns() - l->started_ns) / 1000000, rx = 0;
	for (uint16_t i = 0; i < l->n_ports; i++)
		rx += l->w.cnt.port[i].rx_pkts;
	if (o->json) {
		ctl_printf(o, "{\"app\":");
		ctl_json_str(o, l->app->name);
		ctl_printf(o, ",\"uptime_ms\":%llu,\"rx_pkts\":%llu,\"tx_pkts\":%llu,\"reloads\":%llu,\"reload_failures\":%llu,"
			   "\"control\":{\"sessions\":%u,\"accepted\":%llu,\"refused_full\":%llu,\"refused_rate\":%llu,"
			   "\"handshakes\":%llu,\"handshake_failed\":%llu,\"commands\":%llu,\"errors\":%llu,\"commits\":%llu,"
			   "\"commit_failures\":%llu,\"aborts\":%llu,\"last_commit_us\":%llu}}\n",
			   (unsigned long long)up_ms, (unsigned long long)rx,
			   (unsigned long long)app_life_tx_pkts(l), (unsigned long long)l->reloads,
			   (unsigned long long)l->reload_failures, mg_ctl_open(), (unsigned long long)n->accepted,
			   (unsigned long long)n->refused_full, (unsigned long long)n->refused_rate,
			   (unsigned long long)n->handshakes, (unsigned long long)n->handshake_failed,
			   (unsigned long long)ctl_counters.commands, (unsigned long long)ctl_counters.errors,
			   (unsigned long long)ctl_counters.commits, (unsigned long long)ctl_counters.commit_failures,
			   (unsigned long long)ctl_counters.aborts, (unsigned long long)(ctl_counters.last_commit_ns / 1000));
		return;
	}
	ctl_printf(o, "%s up %llu.%03llu s\n", l->app->name, (unsigned long long)(up_ms / 1000),
		   (unsigned long long)(up_ms % 1000));
	app_life_report(l, emit, o, NULL, NULL);
	ctl_printf(o, "control: %u sessions open; %llu connections accepted, %llu refused (full), %llu refused (rate), "
		   "%llu handshakes, %llu refused by TLS\n", mg_ctl_open(), (unsigned long long)n->accepted,
		   (unsigned long long)n->refused_full, (unsigned long long)n->refused_rate, (unsigned long long)n->handshakes,
		   (unsigned long long)n->handshake_failed);
	ctl_printf(o, "control: %llu commands (%llu errors), %llu commits (%llu refused), %llu aborted; the last took "
		   "%llu us\n", (unsigned long long)ctl_counters.commands, (unsigned long long)ctl_counters.errors,
		   (unsigned long long)ctl_counters.commits, (unsigned long long)ctl_counters.commit_failures,
		   (unsigned long long)ctl_counters.aborts, (unsigned long long)(ctl_counters.last_commit_ns / 1000));
}

static void interfaces(void *arg, struct ctl_out *o)
{
	(void)arg;
	struct app_life *l = h.life;
	if (o->json)
		ctl_printf(o, "[");
	for (uint16_t i = 0; i < l->n_ports; i++) {
		struct vnet_port *p = l->ports[i];
		struct vnet_stats st = { 0 };
		struct vnet_link lk = { 0 };
		if (p->ops && p->ops->stats)
			p->ops->stats(p, &st);
		if (p->ops && p->ops->link)
			p->ops->link(p, &lk);
		char mac[18];
		plat_snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1], p->mac[2], p->mac[3],
			      p->mac[4], p->mac[5]);
		if (o->json) {
			ctl_printf(o, "%s{\"port\":%u,\"name\":", i ? "," : "", i);
			ctl_json_str(o, p->name);
			ctl_printf(o, ",\"kind\":\"%s\",\"mac\":\"%s\",\"up\":%s,\"rx_pkts\":%llu,\"rx_bytes\":%llu,"
				   "\"tx_pkts\":%llu,\"tx_bytes\":%llu,\"rx_nobuf\":%llu,\"rx_errors\":%llu,\"tx_errors\":%llu}",
				   p->ops ? p->ops->kind : "?", mac, lk.up ? "true" : "false", (unsigned long long)st.rx_pkts,
				   (unsigned long long)st.rx_bytes, (unsigned long long)st.tx_pkts,
				   (unsigned long long)st.tx_bytes, (unsigned long long)st.rx_nobuf,
				   (unsigned long long)st.rx_errors, (unsigned long long)st.tx_errors);
			continue;
		}
		ctl_printf(o, "port %u %s (%s) %s link %s: rx %llu packets %llu bytes, tx %llu packets %llu bytes, rx_nobuf "
			   "%llu, rx_errors %llu, tx_errors %llu\n", i, p->name, p->ops ? p->ops->kind : "?", mac,
			   lk.up ? "up" : "down", (unsigned long long)st.rx_pkts, (unsigned long long)st.rx_bytes,
			   (unsigned long long)st.tx_pkts, (unsigned long long)st.tx_bytes, (unsigned long long)st.rx_nobuf,
			   (unsigned long long)st.rx_errors, (unsigned long long)st.tx_errors);
	}
	char desc[160] = "";
	app_mgmt->describe(l, desc, sizeof(desc));
	if (o->json) {
		ctl_printf(o, "],\"management\":{\"port\":");
		ctl_json_str(o, mg.port ? mg.port->name : "");
		ctl_printf(o, ",\"inband\":%s,\"addresses\":", mg.inband ? "true" : "false");
		ctl_json_str(o, desc);
		ctl_printf(o, ",\"metrics_port\":%u,\"control_port\":%u}", mg.metrics_port, mg.ctl_port);
		return;
	}
	ctl_printf(o, "management %s%s: %s; metrics TCP %u, control TCP %u\n", mg.port ? mg.port->name : "?",
		   mg.inband ? " (in-band)" : "", desc, mg.metrics_port, mg.ctl_port);
}

static void audit(void *arg, const char *who, const char *what, bool ok, const char *why)
{
	(void)arg;
	if (ok) {
		h.audits_ok++;
		plat_log(PLAT_LOG_INFO, "sluice: control: audit: %s: %s: in force", who, what);
	} else {
		h.audits_failed++;
		plat_log(PLAT_LOG_WARN, "sluice: control: audit: %s: %s: refused: %s", who, what, why ? why : "?");
	}
	h.last.any = true;
	h.last.ok = ok;
	h.last.at_ms = plat_clock_ns() / 1000000;
	plat_snprintf(h.last.who, sizeof(h.last.who), "%s", who);
	plat_snprintf(h.last.what, sizeof(h.last.what), "%s", what);
}

void mgc_host_init(struct app_life *l)
{
	memset(&h, 0, sizeof(h));
	h.life = l;
	h.host = (struct ctl_host){
		.app_name = l->app->name,
		.ns = l->app->ctl,
		.app = l->state,
		.reload = reload,
		.reload_start = reload_start,
		.reload_poll = reload_poll,
		.stats = stats,
		.interfaces = interfaces,
		.audit = audit,
	};
}

const struct ctl_host *mgc_host(void)
{
	return &h.host;
}

void mgc_metrics(struct mx_out *o)
{
	const struct mgc_counters *n = mgc_counters();
	mx_family(o, "sluice_control_connections_total", "counter",
		  "Connections to the control socket, by what became of them.");
	static const char *const outcome[] = { "session", "refused_full", "refused_rate", "refused_memory",
					       "handshake_failed", "handshake_timeout" };
	const uint64_t v[] = { n->handshakes, n->refused_full, n->refused_rate, n->refused_memory, n->handshake_failed,
			       n->timeouts_handshake };
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char lb[48] = "";
		mx_label(lb, sizeof(lb), "outcome", outcome[i]);
		mx_sample(o, "sluice_control_connections_total", lb, v[i]);
	}
	mx_family(o, "sluice_control_sessions", "gauge", "Control sessions open now.");
	mx_sample(o, "sluice_control_sessions", NULL, mg_ctl_open());
	mx_family(o, "sluice_control_idle_cut_total", "counter", "Control sessions cut after MG_CTL_IDLE_MS idle.");
	mx_sample(o, "sluice_control_idle_cut_total", NULL, n->timeouts_idle);
	mx_family(o, "sluice_control_commands_total", "counter", "Control commands answered, by result.");
	mx_sample(o, "sluice_control_commands_total", "result=\"ok\"", ctl_counters.commands - ctl_counters.errors);
	mx_sample(o, "sluice_control_commands_total", "result=\"error\"", ctl_counters.errors);
	mx_family(o, "sluice_control_commits_total", "counter",
		  "Transactions (load, commit) by result: in force, refused, aborted.");
	mx_sample(o, "sluice_control_commits_total", "result=\"ok\"", ctl_counters.commits);
	mx_sample(o, "sluice_control_commits_total", "result=\"refused\"", ctl_counters.commit_failures);
	mx_sample(o, "sluice_control_commits_total", "result=\"aborted\"", ctl_counters.aborts);
	mx_family(o, "sluice_control_limit_hits_total", "counter", "Lines or transactions refused for a limit.");
	mx_sample(o, "sluice_control_limit_hits_total", "limit=\"line\"", ctl_counters.lines_too_long);
	mx_sample(o, "sluice_control_limit_hits_total", "limit=\"transaction\"", ctl_counters.txn_too_big);
	mx_family(o, "sluice_control_transaction_bytes", "gauge", "Bytes the open transactions of all sessions hold.");
	mx_sample(o, "sluice_control_transaction_bytes", NULL, ctl_counters.txn_bytes);
	mx_family(o, "sluice_control_last_commit_seconds", "gauge",
		  "How long the last commit took, from its text to in force.");
	mx_sample_milli(o, "sluice_control_last_commit_seconds", NULL, ctl_counters.last_commit_ns / 1000000);
	if (h.last.any) {
		mx_family(o, "sluice_control_last_commit_info", "gauge",
			  "The last commit's audit: who, what changed, its result (value: ms since start).");
		char lb[400] = "";
		if (mx_label(lb, sizeof(lb), "subject", h.last.who) && mx_label(lb, sizeof(lb), "change", h.last.what) &&
		    mx_label(lb, sizeof(lb), "result", h.last.ok ? "ok" : "refused"))
			mx_sample(o, "sluice_control_last_commit_info", lb, h.last.at_ms);
	}
}
