/* The poll loop, and finding an app in the registry (apps/registry*.c: each binary links
 * the registry of the apps it carries). */
#include "app.h"

#include <string.h>

const struct app_def *app_find(const char *name)
{
	for (unsigned i = 0; app_registry[i]; i++)
		if (!strcmp(app_registry[i]->name, name))
			return app_registry[i];
	return NULL;
}

void app_flush(struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_txq *q = &w->txq[i];
		if (!q->n)
			continue;
		uint16_t sent = vnet_tx_burst(ports[i], q->pkts, q->n);
		pkt_txq_done(w, i, sent);
	}
}

uint16_t app_send(struct pkt_worker *w, const struct app_ports *ports, uint16_t port, struct pkt_buf **pkts,
		  uint16_t n)
{
	if (port >= ports->n || !n)
		return 0;
	uint16_t sent = vnet_tx_burst(ports->port[port], pkts, n);
	w->cnt.port[port].tx_pkts += sent;
	return sent;
}

uint64_t app_run(struct pkt_worker *w, struct vnet_port *const *ports, uint16_t n,
		 const volatile sig_atomic_t *stop, const struct app_run_limits *lim)
{
	struct pkt_buf *pkts[PKT_BURST];
	uint64_t received = 0;
	uint64_t limit = lim && lim->max_rx_pkts ? lim->max_rx_pkts : UINT64_MAX;
	void (*poll)(void *) = lim ? lim->poll : NULL;
	uint64_t (*clock_ms)(void) = lim ? lim->clock_ms : NULL;
	uint64_t polled_ms = w->now_ms;
	bool (*source)(void *, struct pkt_worker *, struct vnet_port *const *, uint16_t) = lim ? lim->source : NULL;
	const uint64_t clock_skip = source ? 3 : 0;

	while (!*stop && received < limit) {
		bool live = source != NULL;
		/* with a source (a generator, which keeps its own time on the TSC), the clock every
		 * fourth round: its rounds last about a microsecond, and reading the clock (a vDSO
		 * call hosted, more under some hypervisors) cost it a tenth of its time */
		if (clock_ms && !(w->rounds & clock_skip))
			w->now_ms = clock_ms();
		w->rounds++;
		if (w->pipe->epoch)     /* between rounds: the worker holds nothing from any config */
			pkt_epoch_quiescent(w->pipe->epoch, w->epoch_id);
		if (source && !source(lim->source_arg, w, ports, n))
			break;
		for (uint16_t i = 0; i < n; i++) {
			struct vnet_port *port = ports[i];
			if (port->rx_done)
				continue;
			live = true;
			if (received == limit)
				break;      /* the limit came with the previous port: ask no port for 0 */
			uint16_t want = limit - received < PKT_BURST ? (uint16_t)(limit - received) : PKT_BURST;
			uint16_t got = vnet_rx_burst(port, pkts, want);
			if (!got)
				continue;
			received += got;
			pkt_count_rx(w, i, got);
			pkt_pipe_run(w, pkts, got);
			app_flush(w, ports, n);
		}
		if (!live)
			break;
		/* the hook once a millisecond of the clock (every round without one) */
		if (poll && (!clock_ms || w->now_ms != polled_ms)) {
			polled_ms = w->now_ms;
			poll(lim->poll_arg);
			app_flush(w, ports, n);     /* what the poll hook's tick queued */
		}
	}
	app_flush(w, ports, n);
	return received;
}
