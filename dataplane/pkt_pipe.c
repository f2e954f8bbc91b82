/* The burst pipeline: run stages, move packets by verdict, count everything. */
#include "pkt_pipe.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *const pkt_pipe_reason_names[PKT_PIPE__COUNT] = {
	[PKT_PIPE_NO_VERDICT] = "no_verdict",
	[PKT_PIPE_BAD_PORT] = "bad_port",
	[PKT_PIPE_NO_HOST] = "no_host_stack",
	[PKT_PIPE_TX_FULL] = "tx_full",
	[PKT_PIPE_TXQ_FULL] = "txq_full",
};

bool pkt_pipe_add(struct pkt_pipeline *pipe, const struct pkt_stage_def *def, void *ctx)
{
	if (pipe->n_stages >= PKT_MAX_STAGES || def->n_reasons > PKT_MAX_REASONS || !def->process)
		return false;
	pipe->stages[pipe->n_stages].def = def;
	pipe->stages[pipe->n_stages].ctx = ctx;
	pipe->n_stages++;
	return true;
}

void pkt_worker_init(struct pkt_worker *w, const struct pkt_pipeline *pipe)
{
	memset(w, 0, sizeof(*w));
	w->pipe = pipe;
}

/* Moves a packet a stage decided on other than by forwarding to a valid port. */
static void dispatch_slow(struct pkt_worker *w, unsigned stage, struct pkt_buf *p,
			  struct pkt_buf **dropped, unsigned *n_dropped)
{
	uint16_t v = p->verdict;
	uint16_t arg = PKT_V_ARG(v);
	switch (PKT_V_KIND(v)) {
	case PKT_V_FWD:
		if (arg >= w->pipe->n_ports)
			w->cnt.pipe_drops[PKT_PIPE_BAD_PORT]++;
		else
			w->cnt.pipe_drops[PKT_PIPE_TXQ_FULL]++;
		break;
	case PKT_V_DROP:
		/* a reason the stage did not declare is still counted, under its last slot */
		if (arg >= PKT_MAX_REASONS)
			arg = PKT_MAX_REASONS - 1;
		w->cnt.stage_drops[stage][arg]++;
		break;
	case PKT_V_CONTINUE: /* a stage wrote a continue with an argument: no verdict */
		w->cnt.pipe_drops[PKT_PIPE_NO_VERDICT]++;
		break;
	default: /* PKT_V_HOST */
		if (v == PKT_V_TAKEN)
			return;
		if (w->host_deliver) {
			w->cnt.host_pkts++;
			w->host_deliver(w->host_arg, p);
			return;
		}
		w->cnt.pipe_drops[PKT_PIPE_NO_HOST]++;
		break;
	}
	dropped[(*n_dropped)++] = p;
}

void pkt_pipe_run(struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	const struct pkt_pipeline *pipe = w->pipe;
	const uint16_t fwd_end = (uint16_t)(PKT_V_FWD | pipe->n_ports);
	struct pkt_buf *dropped[PKT_BURST];
	unsigned n_dropped = 0;

	assert(n <= PKT_BURST);
	w->in_burst = true;
	w->burst = pkts;
	w->burst_n = n;
	for (unsigned s = 0; s < pipe->n_stages && n; s++) {
		const struct pkt_stage *st = &pipe->stages[s];
		w->cnt.stage_in[s] += n;
		w->burst_n = n;             /* what this stage sees (pkt_discard) */
		w->stage = (uint16_t)s;
		st->def->process(st->ctx, w, pkts, n);
		/* the common case: the whole burst goes to one port (moved as a block) */
		uint16_t v0 = pkts[0]->verdict, same = 1;
		while (same < n && pkts[same]->verdict == v0)
			same++;
		if (same == n && v0 >= PKT_V_FWD && v0 < fwd_end) {
			struct pkt_txq *q = &w->txq[v0 - PKT_V_FWD];
			if (q->n + n <= PKT_TXQ_SIZE) {
				memcpy(q->pkts + q->n, pkts, n * sizeof(pkts[0]));
				q->n = (uint16_t)(q->n + n);
				n = 0;
				break;
			}
		}
		uint16_t kept = 0;
		for (uint16_t i = 0; i < n; i++) {
			struct pkt_buf *p = pkts[i];
			uint16_t v = p->verdict;
			if (v == PKT_V_CONTINUE) {
				pkts[kept++] = p;
				continue;
			}
			/* the common case: forwarded to a port that exists and has room */
			if (__builtin_expect(v >= PKT_V_FWD && v < fwd_end, 1)) {
				struct pkt_txq *q = &w->txq[v - PKT_V_FWD];
				if (__builtin_expect(q->n < PKT_TXQ_SIZE, 1)) {
					q->pkts[q->n++] = p;
					continue;
				}
			}
			dispatch_slow(w, s, p, dropped, &n_dropped);
		}
		n = kept;
	}
	for (uint16_t i = 0; i < n; i++)
		dropped[n_dropped++] = pkts[i];
	w->cnt.pipe_drops[PKT_PIPE_NO_VERDICT] += n;
	if (n_dropped)
		pkt_free_burst(dropped, n_dropped);
	w->in_burst = false;
	w->burst_n = 0;
	for (uint16_t i = 0; i < w->n_late; i++)
		pkt_txq_push(w, w->late[i].port, w->late[i].p);
	w->n_late = 0;
}

void pkt_discard(struct pkt_worker *w, struct pkt_buf *p, uint16_t reason)
{
	if (w->in_burst) {
		for (uint16_t i = 0; i < w->burst_n; i++)
			if (w->burst[i] == p) {
				pkt_drop(p, reason);
				return;
			}
		if (reason < w->pipe->stages[w->stage].def->n_reasons)
			w->cnt.stage_drops[w->stage][reason]++;
	}
	pkt_free(p);
}

void pkt_txq_push(struct pkt_worker *w, uint16_t port, struct pkt_buf *p)
{
	if (w->in_burst && w->n_late < PKT_TXQ_SIZE) {
		w->late[w->n_late].p = p;
		w->late[w->n_late++].port = port;
		return;
	}
	if (port >= w->pipe->n_ports || w->txq[port].n >= PKT_TXQ_SIZE) {
		w->cnt.pipe_drops[port >= w->pipe->n_ports ? PKT_PIPE_BAD_PORT : PKT_PIPE_TXQ_FULL]++;
		pkt_free(p);
		return;
	}
	w->txq[port].pkts[w->txq[port].n++] = p;
}

void pkt_txq_done(struct pkt_worker *w, uint16_t port, uint16_t sent)
{
	struct pkt_txq *q = &w->txq[port];
	assert(sent <= q->n);
	w->cnt.port[port].tx_pkts += sent;
	if (sent < q->n) {
		w->cnt.pipe_drops[PKT_PIPE_TX_FULL] += q->n - sent;
		pkt_free_burst(q->pkts + sent, q->n - sent);
	}
	q->n = 0;
}

uint64_t pkt_counters_drops(const struct pkt_pipeline *pipe, const struct pkt_counters *cnt)
{
	uint64_t sum = 0;
	for (unsigned s = 0; s < pipe->n_stages; s++)
		for (unsigned r = 0; r < PKT_MAX_REASONS; r++)
			sum += cnt->stage_drops[s][r];
	for (unsigned r = 0; r < PKT_PIPE__COUNT; r++)
		sum += cnt->pipe_drops[r];
	return sum;
}

static const char *reason_name(const struct pkt_stage_def *def, unsigned r)
{
	if (r < def->n_reasons && def->reasons && def->reasons[r])
		return def->reasons[r];
	return "undeclared";
}

void pkt_counters_format(const struct pkt_pipeline *pipe, const struct pkt_counters *cnt,
			 void (*emit)(void *arg, const char *line), void *arg)
{
	char line[160];

	snprintf(line, sizeof(line), "%-12s %14s %14s", "port", "rx_pkts", "tx_pkts");
	emit(arg, line);
	for (unsigned i = 0; i < pipe->n_ports; i++) {
		const struct pkt_port_counters *c = &cnt->port[i];
		char name[16];
		snprintf(name, sizeof(name), "%u:%s", i, pipe->port_names[i] ? pipe->port_names[i] : "-");
		snprintf(line, sizeof(line), "%-12s %14" PRIu64 " %14" PRIu64, name, c->rx_pkts, c->tx_pkts);
		emit(arg, line);
	}
	snprintf(line, sizeof(line), "%-12s %14s", "stage", "packets_in");
	emit(arg, line);
	for (unsigned s = 0; s < pipe->n_stages; s++) {
		snprintf(line, sizeof(line), "%-12s %14" PRIu64, pipe->stages[s].def->name, cnt->stage_in[s]);
		emit(arg, line);
	}
	snprintf(line, sizeof(line), "drops        %14" PRIu64 "  (by stage and reason below)",
		 pkt_counters_drops(pipe, cnt));
	emit(arg, line);
	for (unsigned s = 0; s < pipe->n_stages; s++) {
		const struct pkt_stage_def *def = pipe->stages[s].def;
		for (unsigned r = 0; r < PKT_MAX_REASONS; r++) {
			if (!cnt->stage_drops[s][r])
				continue;
			snprintf(line, sizeof(line), "  %s.%-24s %14" PRIu64, def->name, reason_name(def, r),
				 cnt->stage_drops[s][r]);
			emit(arg, line);
		}
	}
	for (unsigned r = 0; r < PKT_PIPE__COUNT; r++) {
		if (!cnt->pipe_drops[r])
			continue;
		snprintf(line, sizeof(line), "  pipeline.%-24s %14" PRIu64, pkt_pipe_reason_names[r],
			 cnt->pipe_drops[r]);
		emit(arg, line);
	}
	if (cnt->host_pkts) {
		snprintf(line, sizeof(line), "to host stack %13" PRIu64, cnt->host_pkts);
		emit(arg, line);
	}
}
