/* The management plane (mgmt.h): the dedicated management port's frames to and from lwIP,
 * polled with the life cycle's once-a-millisecond work; the stack's counters as metrics. */
#include "app_life.h"
#include "metrics.h"
#include "pkt_parse.h"
#include "mgmt.h"
#include "mgmt_ctl.h"
#include "mgmt_int.h"
#include "stk.h"

#include "lwip/tcp.h"

#include <string.h>

struct mg_state mg;

/* Frames lwIP made: a dedicated port's wait in a queue sent at the end of the poll; an
 * in-band port's join the app's transmit queue for it (after the burst's own packets when
 * lwIP answers during one). A full queue refuses the frame (stk.h: TCP sends it again
 * once there is room) rather than drop it. */
static bool tx_hook(void *arg, uint16_t port, struct pkt_buf *p)
{
	(void)arg;
	if (mg.inband && mg.life->w.pipe) {
		if (!pkt_txq_room(&mg.life->w, port))
			return false;
		pkt_txq_push(&mg.life->w, port, p);
		return true;
	}
	/* (in-band before the worker exists: its first frames wait here for the first poll) */
	if (port != mg.port_id) {
		mg.tx_dropped++;
		pkt_free(p);
		return true;
	}
	if (mg.txn == MG_TXQ)
		return false;
	mg.txq[mg.txn++] = p;
	return true;
}

static void flush(void)
{
	if (mg.inband) {
		if (mg.life->w.pipe) {
			for (uint16_t i = 0; i < mg.txn; i++)
				pkt_txq_push(&mg.life->w, mg.port_id, mg.txq[i]);
			mg.txn = 0;
		}
		return;
	}
	/* what the port did not take waits for the next poll (in order); the queue's bound
	 * holds lwIP back meanwhile */
	uint16_t sent = mg.txn ? vnet_tx_burst(mg.port, mg.txq, mg.txn) : 0;
	memmove(mg.txq, mg.txq + sent, (mg.txn - sent) * sizeof(mg.txq[0]));
	mg.txn = (uint16_t)(mg.txn - sent);
}

/* ---- the stack's counters as metrics ------------------------------------------------ */

enum { F_PACKETS, F_MEM, F_MEM_ERR, F_FRAMES, F_HELD, F_ERRORS, F__COUNT };

struct emit_ctx {
	struct mx_out *o;
	int family;
};

static bool is_proto(const char *proto)
{
	return strcmp(proto, "mem") && strcmp(proto, "memp") && strcmp(proto, "stk");
}

static int family_of(const char *proto, const char *name)
{
	if (is_proto(proto))
		return F_PACKETS;
	if (!strcmp(proto, "stk")) {
		if (!strcmp(name, "pbufs_held"))
			return F_HELD;
		return strncmp(name, "lwip_", 5) ? F_FRAMES : F_ERRORS;
	}
	size_t k = strlen(name);
	if (!strcmp(name, "err") || !strcmp(name, "illegal") || (k > 4 && !strcmp(name + k - 4, "_err")))
		return F_MEM_ERR;
	return F_MEM;
}

static const struct { const char *name, *type, *help; } families[F__COUNT] = {
	[F_PACKETS] = { "sluice_lwip_packets_total", "counter", "lwIP's own counters, by protocol and event." },
	[F_MEM] = { "sluice_lwip_memory", "gauge", "lwIP's memory: its heap in bytes (pool mem) and its pools in entries." },
	[F_MEM_ERR] = { "sluice_lwip_memory_errors_total", "counter", "Allocations lwIP could not make, by pool." },
	[F_FRAMES] = { "sluice_stack_frames_total", "counter", "Frames between the management port and lwIP, by event." },
	[F_HELD] = { "sluice_stack_buffers_held", "gauge", "Packet buffers lwIP holds without a copy now." },
	[F_ERRORS] = { "sluice_stack_lwip_errors_total", "counter", "lwIP's failed assertions and errors." },
};

static void emit_counter(void *arg, const char *proto, const char *name, uint64_t value)
{
	struct emit_ctx *c = arg;
	int f = family_of(proto, name);
	if (f != c->family)
		return;
	if (!mx_wanted(c->o)) {
		mx_sample(c->o, families[f].name, NULL, 0);     /* counted or cut; not formatted */
		return;
	}
	char lb[96] = "";
	switch (f) {
	case F_PACKETS:
		mx_label(lb, sizeof(lb), "proto", proto);
		mx_label(lb, sizeof(lb), "event", name);
		break;
	case F_MEM: {
		const char *us = NULL;     /* the last '_': pool name, then field */
		for (const char *q = name; *q; q++)
			if (*q == '_')
				us = q;
		char pool[48];
		if (!strcmp(proto, "mem") || !us) {
			mx_label(lb, sizeof(lb), "pool", !strcmp(proto, "mem") ? "mem" : name);
			mx_label(lb, sizeof(lb), "field", !strcmp(proto, "mem") ? name : "value");
			break;
		}
		size_t k = (size_t)(us - name) < sizeof(pool) - 1 ? (size_t)(us - name) : sizeof(pool) - 1;
		memcpy(pool, name, k);
		pool[k] = 0;
		mx_label(lb, sizeof(lb), "pool", pool);
		mx_label(lb, sizeof(lb), "field", us + 1);
		break;
	}
	case F_MEM_ERR: {
		char pool[48];
		size_t k = strlen(name) > 4 && !strcmp(name + strlen(name) - 4, "_err") ? strlen(name) - 4 : 0;
		if (k >= sizeof(pool))
			k = sizeof(pool) - 1;
		memcpy(pool, name, k);
		pool[k] = 0;
		mx_label(lb, sizeof(lb), "pool", k ? pool : "mem");
		if (!k)
			mx_label(lb, sizeof(lb), "kind", name);
		break;
	}
	case F_FRAMES:
		mx_label(lb, sizeof(lb), "event", name);
		break;
	case F_ERRORS:
		mx_label(lb, sizeof(lb), "kind", name + 5);
		break;
	default:
		break;
	}
	mx_sample(c->o, families[f].name, lb, value);
}

static void stack_metrics(void *arg, struct mx_out *o)
{
	(void)arg;
	for (int f = 0; f < F__COUNT && !o->full; f++) {
		mx_family(o, families[f].name, families[f].type, families[f].help);
		struct emit_ctx c = { .o = o, .family = f };
		stk_counters(emit_counter, &c);
	}
	mx_family(o, "sluice_mgmt_transmit_dropped_total", "counter",
		  "Frames lwIP made that the management port did not take.");
	mx_sample(o, "sluice_mgmt_transmit_dropped_total", NULL, mg.tx_dropped);
	mg_http_metrics(o);
	if (mg.ctl_port)
		mgc_metrics(o);
}

/* ---- in-band: the stage that claims the management addresses' frames ----------------- */

static void steer(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	(void)ctx, (void)w;
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_buf *p = pkts[i];
		if (p->port != mg.port_id || !stk_may_want(mg.ifc, p))
			continue;
		if (!(p->meta.flags & PKT_F_PARSED))
			pkt_parse(p);
		if (stk_wants(mg.ifc, p))
			pkt_to_host(p);
	}
}

static const struct pkt_stage_def steer_stage = { .name = "mgmt", .process = steer };

static void deliver(void *arg, struct pkt_buf *p)
{
	(void)arg;
	/* a new round: the transmit queue was flushed, so connections that found it full
	 * may send again, before the frames that acknowledge their data are read */
	if (mg.round != mg.life->w.rounds) {
		mg.round = mg.life->w.rounds;
		stk_tx_ready();
	}
	stk_input(mg.ifc, p);
}

struct tcp_pcb *mg_listen(uint16_t port, unsigned backlog, tcp_accept_fn accept, char *err, size_t errlen)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (!pcb) {
		plat_snprintf(err, errlen, "no memory for a TCP listener");
		return NULL;
	}
	if (tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
		tcp_abort(pcb);
		plat_snprintf(err, errlen, "cannot bind TCP port %u", port);
		return NULL;
	}
	struct tcp_pcb *l = tcp_listen_with_backlog(pcb, (u8_t)backlog);
	if (!l) {
		tcp_abort(pcb);
		plat_snprintf(err, errlen, "cannot listen on TCP port %u", port);
		return NULL;
	}
	tcp_accept(l, accept);
	return l;
}

/* ---- the table the life cycle calls ------------------------------------------------- */

/* Frees what lwIP made that no port took (the queue's bound held it back, or the stack
 * stops before the worker runs: its gratuitous ARP, a DHCP release), counted. */
static void drop_queued(void)
{
	mg.tx_dropped += mg.txn;
	pkt_free_burst(mg.txq, mg.txn);
	mg.txn = 0;
}

static int start(struct app_life *l, const struct mg_conf *c, char *err, size_t errlen)
{
	struct stk_if_conf addr;
	char why[200];
	unsigned inband_port = 0;
	const char *spec = c->addr && c->addr[0] ? c->addr : "dhcp";
	bool inband = mg_addr_inband(spec, &inband_port, &spec);
	if (inband && inband_port >= l->n_ports) {
		plat_snprintf(err, errlen, "management addresses '%s': port=%u: the app has ports 0 to %u", c->addr,
			      inband_port, l->n_ports - 1);
		return -1;
	}
	if (!inband && !c->port) {
		plat_snprintf(err, errlen, "management addresses '%s': no management port, and no port=N for in-band",
			      c->addr);
		return -1;
	}
	if (stk_conf_parse(spec[0] ? spec : "dhcp", &addr, why, sizeof(why)) != 0) {
		plat_snprintf(err, errlen, "management addresses '%s': %s", c->addr, why);
		return -1;
	}
	memset(&mg, 0, sizeof(mg));
	mg.life = l;
	mg.inband = inband;
	mg.port = inband ? l->ports[inband_port] : c->port;
	mg.port_id = inband ? (uint16_t)inband_port : l->n_ports;   /* dedicated: past the app's ports */
	if (!inband)
		c->port->id = mg.port_id;
	if (inband) {       /* its stage goes first: before the app's own */
		if (!pkt_pipe_add(&l->pipe, &steer_stage, NULL)) {
			plat_snprintf(err, errlen, "management: no room in the pipeline for its stage");
			return -1;
		}
		struct pkt_stage st = l->pipe.stages[l->pipe.n_stages - 1];
		memmove(&l->pipe.stages[1], &l->pipe.stages[0], (l->pipe.n_stages - 1) * sizeof(st));
		l->pipe.stages[0] = st;
	}
	if (stk_init(l->pool, tx_hook, NULL, why, sizeof(why)) != 0) {
		plat_snprintf(err, errlen, "management: %s", why);
		return -1;
	}
	mg.ifc = stk_if_add(mg.port_id, mg.port->mac, &addr, why, sizeof(why));
	if (!mg.ifc) {
		stk_shutdown();
		drop_queued();
		plat_snprintf(err, errlen, "management: %s", why);
		return -1;
	}
	mg.metrics_port = c->metrics_port ? c->metrics_port : MG_METRICS_PORT;
	if (mg_http_start(mg.metrics_port, why, sizeof(why)) != 0) {
		stk_shutdown();
		drop_queued();
		plat_snprintf(err, errlen, "management: metrics on TCP %u: %s", mg.metrics_port, why);
		return -1;
	}
	char what[200];
	int keys = mgc_tls_setup(what, sizeof(what), why, sizeof(why));
	if (keys > 0) {
		mg.ctl_port = c->ctl_port ? c->ctl_port : MG_CTL_PORT;
		mgc_host_init(l);
		if (mg_ctl_start(mg.ctl_port, why, sizeof(why)) != 0) {
			plat_snprintf(err, errlen, "management: control socket on TCP %u: %s", mg.ctl_port, why);
			keys = -1;
		}
	} else if (keys < 0) {
		plat_snprintf(err, errlen, "management: %s", why);
	}
	if (keys < 0) {
		mg_http_stop();
		mgc_tls_free();
		stk_shutdown();
		drop_queued();
		return -1;
	}
	if (keys > 0)
		plat_log(PLAT_LOG_INFO, "sluice: control socket on TCP port %u: %s", mg.ctl_port, what);
	else
		plat_log(PLAT_LOG_INFO, "sluice: no control socket: no credentials (sluice run --keys DIR; sluice-hosted "
				      "--keys DIR)");
	if (l->n_sources < sizeof(l->sources) / sizeof(l->sources[0]))
		l->sources[l->n_sources++] = (typeof(l->sources[0])){ stack_metrics, NULL };
	flush();       /* the gratuitous ARP, DAD, the DHCP DISCOVER */
	mg.started = true;
	return 0;
}

static void poll(struct app_life *l, uint64_t now_ms)
{
	(void)l;
	struct pkt_buf *pkts[PKT_BURST];
	for (unsigned b = 0; b < MG_RX_BURSTS && !mg.inband && !mg.port->rx_done; b++) {
		uint16_t n = vnet_rx_burst(mg.port, pkts, PKT_BURST);
		for (uint16_t i = 0; i < n; i++)
			stk_input(mg.ifc, pkts[i]);
		if (n < PKT_BURST)
			break;
	}
	stk_poll(now_ms);
	mg_http_poll(now_ms);
	mg_ctl_poll(now_ms);
	flush();
	stk_tx_ready();
	flush();
	/* say so when the addresses change (DHCP's lease, SLAAC), once they have settled */
	char desc[sizeof(mg.desc)];
	if (stk_if_changes(mg.ifc) != mg.changes && stk_if_describe(mg.ifc, desc, sizeof(desc)) &&
	    strcmp(desc, mg.desc)) {
		mg.changes = stk_if_changes(mg.ifc);
		memcpy(mg.desc, desc, sizeof(desc));
		plat_log(PLAT_LOG_INFO, "sluice: management %s: %s; metrics on TCP port %u (GET /metrics)", mg.port->name, desc,
			 mg.metrics_port);
	}
}

static unsigned stop(struct app_life *l);

static int configure(struct app_life *l, const struct mg_conf *c, char *err, size_t errlen)
{
	struct mg_conf mc = *c;
	char spec[sizeof(mg.from_config)], where[128] = "";
	uint16_t mport = 0, cport = 0;
	bool declared = l->app->mgmt && l->app->mgmt(l->state, spec, sizeof(spec), &mport, &cport, where, sizeof(where));
	if (declared) {
		unsigned n;
		const char *rest;
		bool inband = mg_addr_inband(spec, &n, &rest);
		if (mc.on && mc.addr && mc.addr[0]) {
			plat_log(PLAT_LOG_INFO, "%s: the platform's management addresses win over %s", l->who, where);
		} else if (!inband && !mc.port) {
			plat_snprintf(err, errlen, "%s: management without 'interface' takes the management port, and there "
				      "is none (sluice run -p, mgmt= on the command line, --mgmt-port)", where);
			return -1;
		} else if (inband && mc.port) {
			plat_snprintf(err, errlen, "%s: management is in-band on an interface, and the platform gave a "
				      "management port too: drop one", where);
			return -1;
		} else {
			mc.on = true;
			mc.addr = spec;
			if (!mc.metrics_port)
				mc.metrics_port = mport;
			if (!mc.ctl_port)
				mc.ctl_port = cport;
		}
	}
	if (!mc.on)
		return 0;
	char why[400];
	if (start(l, &mc, why, sizeof(why)) != 0) {
		plat_snprintf(err, errlen, "%s%s%s", where, where[0] ? ": " : "", why);
		return -1;
	}
	if (declared)      /* after start(), which clears mg */
		memcpy(mg.from_config, spec, sizeof(spec));
	/* an app that serves on the host stack opens its listeners now; if it cannot, the
	 * management plane goes down with everything it queued */
	if (l->app->host_up && l->app->host_up(l->state, why, sizeof(why)) != 0) {
		stop(l);
		plat_snprintf(err, errlen, "%s", why);
		return -1;
	}
	l->mgmt_on = true;
	return 0;
}

static void reloaded(struct app_life *l, const char *name)
{
	char spec[sizeof(mg.from_config)] = "", where[128];
	uint16_t mport, cport;
	if (!l->app->mgmt || !l->app->mgmt(l->state, spec, sizeof(spec), &mport, &cport, where, sizeof(where)))
		spec[0] = 0;
	if (strcmp(spec, mg.from_config))
		plat_log(PLAT_LOG_WARN, "%s: %s: the management block changed: it takes effect at the next start", l->who,
			 spec[0] ? where : name);
}

static bool describe(struct app_life *l, char *buf, size_t len)
{
	(void)l;
	return stk_if_describe(mg.ifc, buf, len);
}

static bool rx_done(struct app_life *l)
{
	(void)l;
	return mg.inband || mg.port->rx_done;
}

static unsigned stop(struct app_life *l)
{
	if (!mg.started)
		return 0;
	if (l->app->host_down)
		l->app->host_down(l->state);
	mg_http_stop();
	mg_ctl_stop();
	mgc_tls_free();
	unsigned held = stk_shutdown();
	flush();
	drop_queued();
	if (mg.inband)      /* lwIP's last frames (resets, a DHCP release) wait in the app's queue */
		app_flush(&l->w, l->ports, l->n_ports);
	mg.started = false;
	return held;
}

const struct mg_impl mg_impl = { configure, start, reloaded, deliver, poll, describe, rx_done, stop };
