/* ctl_harness_app.c - the control tests' app on a two-port pipeline (ctl_harness.h): set up
 * with a config, packets sent through it, what it sent freed. */
#include "app.h"
#include "ctl_harness.h"
#include "pktbuild.h"

#include <string.h>

static struct pkt_pool *pool;
static struct pkt_pipeline ppl;
struct pkt_worker worker;
static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 }, mac1[6] = { 2, 0, 0, 0, 0, 2 };

void *apph_up(const struct app_def *def, const char *pool_name, unsigned pool_size, const char *conf)
{
	pool = pkt_pool_create(pool_name, pool_size);
	ck_assert_ptr_nonnull(pool);
	ppl = (struct pkt_pipeline){ .n_ports = 2, .port_names = { "lan", "wan" } };
	struct app_env env = { .opts = "", .config = conf, .config_len = strlen(conf), .config_name = "boot.conf",
			       .pool = pool, .port_mac = { mac0, mac1 } };
	void *state = NULL;
	char err[300];
	ck_assert_msg(def->setup(&ppl, &state, &env, err, sizeof(err)) == 0, "%s", err);
	pkt_worker_init(&worker, &ppl);
	return state;
}

void apph_down(const struct app_def *def, void *state)
{
	def->teardown(state);
	pkt_pool_destroy(pool);
}

void apph_send(struct pb *f, uint16_t port, uint64_t now_ms)
{
	pb_done(f);
	pb_pad(f, 60);
	struct pkt_buf *p = pb_to_pkt(pool, f->b, f->len);
	p->port = port;
	worker.now_ms = now_ms;
	pkt_pipe_run(&worker, &p, 1);
}

void apph_drain(void)
{
	for (unsigned q = 0; q < 2; q++) {
		pkt_free_burst(worker.txq[q].pkts, worker.txq[q].n);
		worker.txq[q].n = 0;
	}
}
