/* bench-metrics: what a scrape of the metrics page costs the poll loop. fw is set up
 * through the life cycle (app_life_setup) with a config file, on two in-memory ports and
 * the management plane on a third (mgmt.h: lwIP's families are on the page too); then the
 * page is written the way the metrics server writes it (apps/mgmt_http.c), in chunks of
 * at most CHUNK bytes, each a new pass over the sources from the start that skips the
 * lines sent before (metrics.h), until it is whole. A poll of the management port writes
 * as many chunks as lwIP's send buffer has room for (TCP_SND_BUF, 8 segments: two or
 * three), so the longest chunk, times that, is what one round can wait for the page.
 *
 *   bench-metrics CONFIG [PAGES]
 *
 * Prints the page's size, lines and chunks, and the time per page and per chunk (median,
 * longest) over PAGES pages (default 10). Under callgrind, --toggle-collect=page_chunk
 * counts the instructions of the chunks alone.
 */
#include "app_life.h"
#include "hosted_mem.h"
#include "mem_port.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 4096          /* as apps/mgmt_http.c */

static uint16_t idle_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	(void)vp, (void)pkts, (void)n;
	return 0;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One chunk of the page: what the metrics server does for each write */
__attribute__((noinline)) uint64_t page_chunk(struct app_life *l, char *buf, size_t cap, uint64_t from, size_t *len,
					      bool *done)
{
	struct mx_out o;
	mx_begin(&o, buf, cap, from);
	app_life_metrics(l, &o);
	*len = o.len;
	*done = mx_done(&o);
	return mx_sent(&o);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-metrics CONFIG [PAGES]\n");
		return 2;
	}
	unsigned pages = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10;
	if (!pages)
		pages = 1;
	hosted_mem_init();
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *config = malloc((size_t)sz + 1);
	if (!config || fread(config, 1, (size_t)sz, f) != (size_t)sz) {
		fprintf(stderr, "bench-metrics: cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	config[sz] = 0;
	struct pkt_pool *pool = pkt_pool_create("bench", 1024);
	static struct vnet_port ports[3];
	for (uint16_t i = 0; i < 3; i++) {
		ports[i].rx_burst = idle_rx;
		ports[i].tx_burst = mem_tx;
		ports[i].ops = &mem_ops;
		ports[i].id = i;
		ports[i].pool = pool;
		snprintf(ports[i].name, sizeof(ports[i].name), i == 0 ? "lan" : i == 1 ? "wan" : "mgmt");
		memcpy(ports[i].mac, (const uint8_t[]){ 0x02, 0, 0, 0, (uint8_t)i, 2 }, 6);
	}
	static struct app_life life;
	struct app_life_conf c = { .app = app_find("fw"), .ports = { &ports[0], &ports[1] }, .n_ports = 2,
				   .pool = pool, .who = "bench-metrics", .opts = "", .has_config = true,
				   .config = { argv[1], config, (size_t)sz },
				   .mgmt = { .on = true, .port = &ports[2], .addr = "ip=192.0.2.200/24" } };
	char err[512];
	if (app_life_setup(&life, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench-metrics: %s\n", err);
		return 1;
	}
	static char buf[CHUNK];
	size_t n_chunks = 0, cap_chunks = 1024;
	double *chunk_us = malloc(cap_chunks * sizeof(double)), *page_ms = malloc(pages * sizeof(double));
	uint64_t bytes = 0, lines = 0;
	unsigned chunks_per_page = 0;
	for (unsigned p = 0; p < pages; p++) {
		uint64_t from = 0;
		bool done = false;
		bytes = 0;
		chunks_per_page = 0;
		double t_page = now_us();
		while (!done) {
			size_t len;
			double t0 = now_us();
			from = page_chunk(&life, buf, sizeof(buf), from, &len, &done);
			double t = now_us() - t0;
			if (n_chunks == cap_chunks)
				chunk_us = realloc(chunk_us, (cap_chunks *= 2) * sizeof(double));
			chunk_us[n_chunks++] = t;
			if (getenv("BENCH_METRICS_TRACE") && p == pages - 1)
				fprintf(stderr, "chunk %u: from line %llu, %zu bytes, %.1f us\n", chunks_per_page,
					(unsigned long long)from, len, t);
			bytes += len;
			chunks_per_page++;
		}
		page_ms[p] = (now_us() - t_page) / 1000;
		lines = from;
	}
	qsort(chunk_us, n_chunks, sizeof(double), cmp_d);
	qsort(page_ms, pages, sizeof(double), cmp_d);
	printf("page: %llu bytes, %llu lines, %u chunks of at most %d bytes\n", (unsigned long long)bytes,
	       (unsigned long long)lines, chunks_per_page, CHUNK);
	printf("page written in %.2f ms (median of %u; longest %.2f)\n", page_ms[pages / 2], pages, page_ms[pages - 1]);
	printf("chunk: median %.1f us, 99th percentile %.1f us, longest %.1f us (%zu chunks)\n", chunk_us[n_chunks / 2],
	       chunk_us[n_chunks * 99 / 100], chunk_us[n_chunks - 1], n_chunks);
	app_life_teardown(&life);
	free(chunk_us);
	free(page_ms);
	free(config);
	pkt_pool_destroy(pool);
	return 0;
}
