/* stk_internal.h - what stk.c, stk_netif.c and stk_conf.c share: the one stack's state. */
#ifndef SLUICE_STK_INTERNAL_H
#define SLUICE_STK_INTERNAL_H

#include "pkt_addr.h"
#include "stk.h"

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

struct stk_if {
	struct netif netif;        /* netif.state points back here */
	struct stk_if_conf conf;
	uint16_t port;
	uint8_t mac[6];
	bool used;
	bool has_gw6;
	ip6_addr_t gw6;            /* with its zone when link-local */
	char logged[160];          /* the last line logged about its addresses */
	unsigned changes;          /* how many times that line changed (stk_if_changes) */
};

/* A received frame lent to lwIP: the custom pbuf over the pkt_buf's data. */
struct stk_rx {
	struct pbuf_custom pc;     /* first: lwIP's struct pbuf * is the slot's address */
	struct pkt_buf *pkt;       /* NULL while the slot is free */
	struct stk_rx *next_free;
};

struct stk_own_counters {
	uint64_t frames_in, frames_in_copied, frames_in_dropped;
	uint64_t frames_out, frames_out_nobuf, frames_out_too_long, frames_out_busy;
	uint64_t lwip_asserts, lwip_errors;
};

struct stk_state {
	bool up;                   /* between stk_init() and stk_shutdown() */
	bool tx_blocked;           /* the hook refused a frame since the last stk_tx_ready() */
	unsigned tx_rr;            /* where stk_tx_ready() starts in lwIP's list of connections */
	struct pkt_pool *pool;
	stk_tx_fn tx;
	void *tx_arg;
	struct stk_if ifs[STK_MAX_IFS];
	struct stk_rx rx[STK_RX_SLOTS];
	struct stk_rx *rx_free;
	unsigned rx_held;
	struct stk_own_counters cnt;
	uint64_t now_ms;           /* the clock stk_poll() was last given: lwIP's sys_now() */
	uint64_t isn_key[2];       /* RFC 6528's secret (stk_port.c) */
};

extern struct stk_state stk;

/* stk_netif.c */
err_t stk_netif_init(struct netif *netif);
/* Puts every free receive slot on the free list (slots still lent to lwIP stay lent). */
void stk_rx_reset(void);

/* text forms of addresses: dataplane/pkt_addr.h */

#endif
