/* mgmt.h - the appliance's management plane: the host stack (stack/stk.h) on a
 * management interface, and what answers there (the Prometheus /metrics server).
 *
 * A management interface is a dedicated port (the image's extra NIC, a hosted port given
 * that role): every frame it receives goes to lwIP, and lwIP's frames leave by it; it is
 * not one of the app's ports and the pipeline never sees it. It is polled with the
 * once-a-millisecond work of the life cycle, so that transit traffic pays nothing for it:
 * up to MG_RX_BURSTS bursts each time.
 *
 * The life cycle reaches this code through a table (struct mg_impl) that an image's
 * registry names only when the image carries a management plane (apps/meson.build):
 * an image without one links neither this nor lwIP.
 */
#ifndef SLUICE_MGMT_H
#define SLUICE_MGMT_H

#include "vnet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_RX_BURSTS 8              /* bursts read from the management port per ms */
#define MG_METRICS_PORT 9100        /* the default TCP port of /metrics */
#define MG_HTTP_CONNS 8             /* metrics connections served at once; more are reset */
#define MG_HTTP_HEAD_MAX 2048       /* bytes of request head read at most */
#define MG_HTTP_HEAD_TIMEOUT_MS 5000 /* a request head must be whole by then */
#define MG_HTTP_IDLE_MS 10000       /* a response that makes no progress for so long is cut */

struct app_life;

/* What the platform asks for, in app_life_conf. */
struct mg_conf {
	struct vnet_port *port;     /* the dedicated management port; NULL: no management plane */
	const char *addr;           /* its addresses, stk_conf_parse()'s spec ("dhcp", "ip=...") */
	uint16_t metrics_port;      /* TCP port of /metrics (0: MG_METRICS_PORT) */
};

struct mg_impl {
	/* Brings the stack up on c->port and starts the metrics server. -1 with err. */
	int (*start)(struct app_life *l, const struct mg_conf *c, char *err, size_t errlen);
	/* Once a millisecond: the port's frames to lwIP, lwIP's timers, its frames out. */
	void (*poll)(struct app_life *l, uint64_t now_ms);
	/* One line on the interface's addresses (stk_if_describe), true once it has one. */
	bool (*describe)(struct app_life *l, char *buf, size_t len);
	/* Has the management port's receive side ended (a replayed capture)? */
	bool (*rx_done)(struct app_life *l);
	/* Stops: connections reset, lwIP down; returns the buffers lwIP failed to give back. */
	unsigned (*stop)(struct app_life *l);
};

/* NULL in an image without a management plane (the registry's choice). */
extern const struct mg_impl *const app_mgmt;
extern const struct mg_impl mg_impl;

#endif
