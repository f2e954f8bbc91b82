/* bench_common.c - what bench-nat and bench-lb share (bench_common.h). */
#include "bench_common.h"

#include "pkt_csum.h"
#include "pkt_parse.h"

#include <stdio.h>
#include <time.h>

const char *bench_name = "bench";

uint64_t rx_count, pkts_per_ms = 20000;
static const uint64_t base_rx, base_ms = 1000000;

uint8_t out_tmpl[FRAME], in_tmpl[FRAME];
uint32_t out_base, out_n, out_next;
uint32_t in_n, in_next;

uint64_t clock_ms(void)
{
	return base_ms + (rx_count - base_rx) / pkts_per_ms;
}

void tmpl_head(uint8_t *t, const uint8_t *dst, const uint8_t *src, unsigned src_len)
{
	static const uint8_t ip[20] = { 0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0 };
	memset(t, 0, FRAME);
	memcpy(t, dst, 6);
	memcpy(t + 6, src, src_len);
	t[12] = 0x08;
	memcpy(t + 14, ip, 20);
}

void answer_csums(uint8_t *a, uint16_t *ip_csum, uint16_t *udp_csum)
{
	a[24] = a[25] = a[40] = a[41] = 0;
	*ip_csum = pkt_csum(a + 14, 20);
	*udp_csum = pkt_l4_csum4(a + 14, a + 34, FRAME - 34, 6);
}

static unsigned bad_said;

void bad_frame(const char *unit, uint32_t f, const char *what, const uint8_t *d, unsigned len)
{
	if (bad_said++ >= 5)
		return;
	fprintf(stderr, "%s: %s %u: %s:", bench_name, unit, f, what);
	for (unsigned i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n   ", d[i]);
	fprintf(stderr, "\n");
}

struct pkt_pool *ports_init(struct vnet_port *ports, struct vnet_port **pp, const char *const names[2],
			    const uint8_t *const macs[2], bench_rx_fn *out_rx, bench_rx_fn *in_rx)
{
	struct pkt_pool *pool = pkt_pool_create("bench", 4096);
	if (!pool) {
		fprintf(stderr, "%s: out of memory\n", bench_name);
		return NULL;
	}
	for (uint16_t i = 0; i < 2; i++) {
		memset(&ports[i], 0, sizeof(ports[i]));
		snprintf(ports[i].name, sizeof(ports[i].name), "%s", names[i]);
		memcpy(ports[i].mac, macs[i], 6);
		ports[i].rx_burst = i ? in_rx : out_rx;
		ports[i].tx_burst = mem_tx;
		ports[i].ops = &mem_ops;
		ports[i].id = i;
		ports[i].pool = pool;
		ports[i].rx_done = true;
		pp[i] = &ports[i];
	}
	return pool;
}

void receive_on(struct vnet_port **pp, bool port0, bool port1)
{
	pp[0]->rx_done = !port0;
	pp[1]->rx_done = !port1;
}

void print_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", bench_name, line);
}

static void tick(void *arg)
{
	struct running *r = arg;
	if (r->app->tick)
		r->app->tick(r->state, &r->w, clock_ms());
}

static volatile sig_atomic_t never;

int start(struct running *r, const char *name, const char *config, struct vnet_port **pp, struct pkt_pool *pool)
{
	char err[512];
	memset(r, 0, sizeof(*r));
	r->app = app_find(name);
	r->pipe.n_ports = 2;
	r->pipe.port_names[0] = pp[0]->name;
	r->pipe.port_names[1] = pp[1]->name;
	struct app_env env = { .opts = "", .config = config, .config_len = config ? strlen(config) : 0,
			       .config_name = "bench.conf", .log = print_line, .pool = pool,
			       .port_mac = { pp[0]->mac, pp[1]->mac } };
	if (!r->app || r->app->setup(&r->pipe, &r->state, &env, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", bench_name, name, r->app ? err : "no such app");
		return -1;
	}
	pkt_worker_init(&r->w, &r->pipe);
	return 0;
}

uint64_t pass(struct running *r, struct vnet_port **pp, uint64_t packets)
{
	struct app_run_limits lim = { .max_rx_pkts = packets, .clock_ms = clock_ms, .poll = tick, .poll_arg = r };
	return app_run(&r->w, pp, 2, &never, &lim);
}

__attribute__((noinline)) uint64_t measure_io(struct running *r, struct vnet_port **pp, uint64_t packets)
{
	return pass(r, pp, packets);
}

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double io_ceiling(struct vnet_port **pp, struct pkt_pool *pool, bool port0, bool port1, uint64_t packets)
{
	out_next = in_next = 0;
	struct running io;
	if (start(&io, "l2fwd", NULL, pp, pool))
		return -1;
	receive_on(pp, port0, port1);
	double t0 = now_s();
	uint64_t io_rx = measure_io(&io, pp, packets);
	double io_mpps = (double)io_rx / (now_s() - t0) / 1e6;
	if (io.app->teardown)
		io.app->teardown(io.state);
	return io_mpps;
}
