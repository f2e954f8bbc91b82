/* bench_common.h - what bench-nat and bench-lb share: the packet clock, the flows' frames
 * from port 0 (written from a template whose checksums stay right for every flow), the two
 * in-memory ports, an app set up and run on them, measure_io() (l2fwd on the same ports:
 * the ceiling) and the warm-up checks' report of a wrong frame.
 *
 * Flow f comes from 10.a.b.c (a.b.c = f's low 24 bits) port 1024 + f % 50000; the payload
 * carries f and ~f (UDP: at 48; TCP: at 54). Each driver supplies its port 1 receive
 * (in_rx), its templates' addresses and its measured function (measure_nat, measure_lb:
 * callgrind --toggle-collect names them). */
#ifndef SLUICE_BENCH_COMMON_H
#define SLUICE_BENCH_COMMON_H

#include "app.h"
#include "mem_port.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define FRAME 64

extern const char *bench_name;                      /* "bench-nat": the prefix of its lines on stderr */

/* the packet clock: 1 ms per pkts_per_ms packets received (rx_count) */
extern uint64_t rx_count, pkts_per_ms;
uint64_t clock_ms(void);

extern uint8_t out_tmpl[FRAME], in_tmpl[FRAME];
extern uint32_t out_base, out_n, out_next;          /* port 0 sends flows out_base .. out_base + out_n - 1, cycling */
extern uint32_t in_n, in_next;                      /* port 1 answers flows 0 .. in_n - 1, cycling */

static inline void wr32(uint8_t *a, uint32_t v)
{
	a[0] = (uint8_t)(v >> 24), a[1] = (uint8_t)(v >> 16), a[2] = (uint8_t)(v >> 8), a[3] = (uint8_t)v;
}

static inline uint32_t rd32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* flow f's source port */
static inline uint16_t flow_port(uint32_t f)
{
	return (uint16_t)(1024 + f % 50000);
}

/* Flow f's variable bytes in a frame from port 0: its address and port, and what keeps both
 * checksums as the template has them (UDP: the type of service, IP ID and payload; TCP: the
 * sequence and acknowledgement numbers make up for the address and port). */
static inline void out_fields(uint8_t *d, uint32_t f, bool tcp)
{
	uint8_t a = (uint8_t)(f >> 16), b = (uint8_t)(f >> 8), c = (uint8_t)f;
	uint16_t port = flow_port(f);
	d[15] = (uint8_t)~a;
	d[18] = (uint8_t)~b, d[19] = (uint8_t)~c;
	d[27] = a, d[28] = b, d[29] = c;
	d[34] = (uint8_t)(port >> 8), d[35] = (uint8_t)port;
	if (tcp) {
		d[39] = (uint8_t)~a, d[40] = (uint8_t)~b, d[41] = (uint8_t)~c;
		d[42] = (uint8_t)~(port >> 8), d[43] = (uint8_t)~port;
		wr32(d + 54, f);
		wr32(d + 58, ~f);
	} else {
		d[43] = (uint8_t)~a, d[44] = (uint8_t)~b, d[45] = (uint8_t)~c;
		d[46] = (uint8_t)~(port >> 8), d[47] = (uint8_t)~port;
		wr32(d + 48, f);
		wr32(d + 52, ~f);
	}
}

static inline void out_frame(uint8_t *d, uint32_t f, bool tcp)
{
	memcpy(d, out_tmpl, FRAME);
	out_fields(d, f, tcp);
}

/* port 0's receive (each driver's out_rx calls it): the next flows' frames */
static inline uint16_t flows_out_rx(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n, bool tcp)
{
	uint16_t got = (uint16_t)pkt_alloc_burst(vp->pool, pkts, n);
	rx_count += got;
	for (uint16_t i = 0; i < got; i++) {
		uint32_t f = out_base + out_next;
		out_next = out_next + 1 == out_n ? 0 : out_next + 1;
		out_frame(pkts[i]->data, f, tcp);
		pkts[i]->len = FRAME;
		pkts[i]->port = vp->id;
	}
	return got;
}

/* A template's Ethernet header (to dst, from src's first src_len bytes) and IPv4 header
 * (UDP, TTL 64, 50 bytes, no checksum yet), the rest zero. */
void tmpl_head(uint8_t *t, const uint8_t *dst, const uint8_t *src, unsigned src_len);

/* The answer frame a's IPv4 and UDP checksums, as they are to be written in. */
void answer_csums(uint8_t *a, uint16_t *ip_csum, uint16_t *udp_csum);

/* A wrong frame, reported (the first five): "bench-nat: session F: WHAT:" and its bytes. */
void bad_frame(const char *unit, uint32_t f, const char *what, const uint8_t *d, unsigned len);

typedef uint16_t bench_rx_fn(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n);

/* The packet pool and the two in-memory ports on it: port 0 receives out_rx, port 1 in_rx;
 * neither receives yet. NULL (said on stderr) when out of memory. */
struct pkt_pool *ports_init(struct vnet_port *ports, struct vnet_port **pp, const char *const names[2],
			    const uint8_t *const macs[2], bench_rx_fn *out_rx, bench_rx_fn *in_rx);

/* Which ports receive. */
void receive_on(struct vnet_port **pp, bool port0, bool port1);

struct running {
	const struct app_def *app;
	void *state;
	struct pkt_pipeline pipe;
	struct pkt_worker w;
};

void print_line(void *arg, const char *line);
/* the app NAME set up from config on the ports (their names the pipeline's) */
int start(struct running *r, const char *name, const char *config, struct vnet_port **pp, struct pkt_pool *pool);
/* the app run until it has received packets (ticks by the packet clock) */
uint64_t pass(struct running *r, struct vnet_port **pp, uint64_t packets);
uint64_t measure_io(struct running *r, struct vnet_port **pp, uint64_t packets);
double now_s(void);
/* The ceiling: l2fwd on the same ports and frames (from the flows' start again), measured
 * (measure_io): Mpps, or -1 when it could not be set up. */
double io_ceiling(struct vnet_port **pp, struct pkt_pool *pool, bool port0, bool port1, uint64_t packets);

#endif
