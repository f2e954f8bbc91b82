/* mgmt_int.h - what mgmt.c and mgmt_http.c share. Internal to apps/. */
#ifndef SLUICE_MGMT_INT_H
#define SLUICE_MGMT_INT_H

#include "mgmt.h"

#include "lwip/tcp.h"

struct mx_out;
struct stk_if;

#define MG_TXQ 64

struct mg_state {
	struct app_life *life;
	struct vnet_port *port;
	uint16_t port_id;
	uint16_t metrics_port;
	uint16_t ctl_port;                 /* 0: no control socket (no credentials) */
	bool started;
	bool inband;               /* on one of the app's ports (port_id), through its pipeline */
	struct stk_if *ifc;
	struct pkt_buf *txq[MG_TXQ];
	uint16_t txn;
	uint64_t tx_dropped;
	uint64_t round;            /* the worker's round of the last in-band delivery */
	char desc[160];            /* the addresses last logged */
	unsigned changes;          /* stk_if_changes() when they were */
	char from_config[224];     /* the app config's management spec at start, "" if none */
};

extern struct mg_state mg;

/* A TCP listener on port, any address of either family, calling accept (lwIP's
 * tcp_accept_fn); NULL with the reason in err. */
struct tcp_pcb *mg_listen(uint16_t port, unsigned backlog, tcp_accept_fn accept, char *err, size_t errlen);

/* mgmt_http.c: the /metrics server on lwIP's raw TCP API */
int mg_http_start(uint16_t port, char *err, size_t errlen);
void mg_http_poll(uint64_t now_ms);
void mg_http_stop(void);
void mg_http_metrics(struct mx_out *o);

/* mgmt_ctl.c: the control socket */
int mg_ctl_start(uint16_t port, char *err, size_t errlen);
void mg_ctl_poll(uint64_t now_ms);
void mg_ctl_stop(void);
unsigned mg_ctl_open(void);          /* sessions open now */

#endif
