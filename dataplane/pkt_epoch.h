/* pkt_epoch.h - when may a config the workers read be freed: an epoch per worker
 * (quiescent-state based reclamation, as in userspace RCU's QSBR flavour and DPDK's
 * rte_rcu_qsbr).
 *
 * A config is published with one atomic pointer store; workers load the pointer at the
 * start of a burst and hold what they read until the burst ends. Replacing it:
 *
 *   old = atomic_exchange(&active, new);       the control side, anywhere
 *   t = pkt_epoch_retire(e);                   old's ticket
 *   ... later: if (pkt_epoch_safe(e, t)) free(old);
 *
 * Each worker, between bursts (holding nothing it read from any config), announces the
 * epoch it has seen: pkt_epoch_quiescent(e, id), one load and one store a round. Once
 * every online worker has announced an epoch at or past t, none can still hold old: a
 * worker that announced t loaded the epoch after the retire's increment, so after the
 * pointer's store, and every burst it starts from then on reads the new one. A worker
 * that stops polling goes offline so that it holds nothing back.
 *
 * Each packet therefore sees the old config or the new one, never a mix, and nothing is
 * freed under a worker, whatever the number of workers. One worker runs today; the
 * reload then runs on its thread between bursts (app_life_reload announces the worker
 * quiescent first), so a retired config is freed at the next reload or tick.
 */
#ifndef SLUICE_PKT_EPOCH_H
#define SLUICE_PKT_EPOCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define PKT_EPOCH_WORKERS 16
#define PKT_EPOCH_OFFLINE UINT64_MAX

struct pkt_epoch {
	_Atomic uint64_t now;                  /* the current epoch: 1 at first, one more per retire */
	unsigned n_workers;
	struct {
		_Atomic uint64_t seen;             /* the epoch this worker last announced */
		char pad[64 - sizeof(uint64_t)];   /* a cache line each: workers never share one */
	} w[PKT_EPOCH_WORKERS];
};

/* n workers (1..PKT_EPOCH_WORKERS), all online at epoch 1. */
static inline void pkt_epoch_init(struct pkt_epoch *e, unsigned n)
{
	atomic_init(&e->now, 1);
	e->n_workers = n;
	for (unsigned i = 0; i < PKT_EPOCH_WORKERS; i++)
		atomic_init(&e->w[i].seen, i < n ? 1 : PKT_EPOCH_OFFLINE);
}

/* Worker id holds nothing from any config now (between bursts). */
static inline void pkt_epoch_quiescent(struct pkt_epoch *e, unsigned id)
{
	atomic_store_explicit(&e->w[id].seen, atomic_load_explicit(&e->now, memory_order_acquire),
			      memory_order_release);
}

/* Worker id stops polling (it holds nothing), or starts again. */
static inline void pkt_epoch_offline(struct pkt_epoch *e, unsigned id)
{
	atomic_store_explicit(&e->w[id].seen, PKT_EPOCH_OFFLINE, memory_order_release);
}
static inline void pkt_epoch_online(struct pkt_epoch *e, unsigned id)
{
	pkt_epoch_quiescent(e, id);
}

/* After the pointer's store: the ticket of what it replaced. */
static inline uint64_t pkt_epoch_retire(struct pkt_epoch *e)
{
	return atomic_fetch_add_explicit(&e->now, 1, memory_order_seq_cst) + 1;
}

/* May what was retired with ticket t be freed? */
static inline bool pkt_epoch_safe(const struct pkt_epoch *e, uint64_t t)
{
	for (unsigned i = 0; i < e->n_workers; i++)
		if (atomic_load_explicit(&e->w[i].seen, memory_order_acquire) < t)
			return false;
	return true;
}

#endif
