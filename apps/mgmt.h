/* mgmt.h - the appliance's management plane: the host stack (stack/stk.h) on a
 * management interface, and what answers there (the Prometheus /metrics server).
 *
 * A management interface is either
 *  - a dedicated port (the image's extra NIC, a hosted port given that role): every frame
 *    it receives goes to lwIP, and lwIP's frames leave by it; it is not one of the app's
 *    ports and the pipeline never sees it. It is polled with the once-a-millisecond work
 *    of the life cycle, up to MG_RX_BURSTS bursts each time, so that transit traffic pays
 *    nothing for it; or
 *  - in-band on one of the app's ports ("port=N," before the addresses): a stage in front
 *    of the app's own claims, on that port only, the frames for the management addresses
 *    (stk_wants: ARP and ND for them, IP to them, DHCP's answers while it runs) with the
 *    verdict PKT_V_HOST, and the pipeline hands them to lwIP without a copy; lwIP's frames
 *    join that port's transmit queue. The rest of the port's traffic is the app's; the
 *    other ports see no stage. lwIP owns ARP, ND and echo for its own addresses; a
 *    router's own addresses stay the router's.
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
#define MG_CTL_PORT 7443            /* the default TCP port of the control socket (ctl.h) */
#define MG_CTL_CONNS 4              /* control connections at once; more are reset at accept */
#define MG_CTL_HANDSHAKE_RATE 10    /* new TLS handshakes a second, */
#define MG_CTL_HANDSHAKE_BURST 4    /* with a burst of so many; more are reset at accept */
#define MG_CTL_HANDSHAKE_MS 10000   /* a TLS handshake must be complete by then */
#define MG_CTL_IDLE_MS 300000       /* a control connection with no byte either way so long is cut */

struct app_life;

/* What the platform asks for, in app_life_conf. */
struct mg_conf {
	bool on;                    /* a management plane at all */
	struct vnet_port *port;     /* the dedicated management port; NULL: in-band (addr) */
	const char *addr;           /* its addresses: [port=N,] then stk_conf_parse()'s spec
	                               ("dhcp", "ip=A.B.C.D/N,gw=...") */
	uint16_t metrics_port;      /* TCP port of /metrics (0: MG_METRICS_PORT) */
	uint16_t ctl_port;          /* TCP port of the control socket (0: MG_CTL_PORT); it runs
	                               when the platform has credentials (plat_config_named) */
};

/* Does addr put the management plane in-band ("port=N,...")? Then *port is N and *rest
 * the addresses after it. The platforms ask, to know whether to give it a port. */
static inline bool mg_addr_inband(const char *addr, unsigned *port, const char **rest)
{
	if (!addr || addr[0] != 'p' || addr[1] != 'o' || addr[2] != 'r' || addr[3] != 't' || addr[4] != '=')
		return false;
	unsigned n = 0;
	const char *s = addr + 5;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9' && n < 1000; s++)
		n = n * 10 + (unsigned)(*s - '0');
	if (*s != ',' && *s)
		return false;
	*port = n;
	*rest = *s ? s + 1 : s;
	return true;
}

struct mg_impl {
	/* After the app's setup, before its worker: decides the management plane from the
	 * platform's options (c) and the app's config (app_def.mgmt), the platform's winning,
	 * and starts it if there is one (start). -1 with err. */
	int (*configure)(struct app_life *l, const struct mg_conf *c, char *err, size_t errlen);
	/* Brings the stack up on c->port (or in-band, with its stage first in l->pipe) and
	 * starts the metrics server. -1 with err. */
	int (*start)(struct app_life *l, const struct mg_conf *c, char *err, size_t errlen);
	/* After a reload: says so if the app's config now declares another management plane
	 * (it takes effect at the next start). */
	void (*reloaded)(struct app_life *l, const char *name);
	/* The worker's host_deliver hook (arg: the life cycle), for in-band frames. */
	void (*deliver)(void *arg, struct pkt_buf *p);
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
