/* stack_harness.h - what the host stack's unit tests (test_stack.c, test_stack_edge.c)
 * share: one lwIP on port 0 of a test pool, the frames it sends caught by a transmit hook,
 * a clock advanced by hand, frame builders for what a peer sends, and its counters. */
#ifndef SLUICE_TEST_STACK_HARNESS_H
#define SLUICE_TEST_STACK_HARNESS_H

#include "stk.h"
#include "pktbuild.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_SENT 128

extern struct pkt_pool *pool;
extern const uint8_t our_mac[6], peer_mac[6], bcast[6];
extern const uint8_t our_ip[4], peer_ip[4], gw_ip[4];
extern const uint8_t our_ip6[16], peer_ip6[16], far_ip6[16], sol_node_our6[16];
extern struct pkt_buf *sent[MAX_SENT];    /* what lwIP sent since the last drain() */
extern unsigned n_sent;
extern uint64_t now_ms;
extern struct stk_if *ifc;

bool stack_tx_hook(void *arg, uint16_t port, struct pkt_buf *p);  /* into sent[] */
void drain(void);                         /* frees what was sent */
void advance(uint64_t ms);                /* lwIP's timers, 10 ms at a time */
void start(void);                         /* stk_init on the test pool, asserts abort */
struct stk_if *up(const char *spec);      /* port 0 with spec, past address detection */
void stop(void);                          /* stk_shutdown: every buffer back, no error */

void frame_ip4(struct pb *f, uint8_t proto, const uint8_t src[4], const uint8_t dst[4]);
void frame_ip6(struct pb *f, uint8_t nh, const uint8_t src[16], const uint8_t dst[16]);
void build_arp(struct pb *f, uint16_t op, const uint8_t target[4]);
void build_echo(struct pb *f, const uint8_t src[4]);
void build_syn(struct pb *f, uint16_t dport);
void build_ns(struct pb *f, const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16]);
void build_echo6(struct pb *f, const uint8_t src[16]);
struct pkt_buf *to_pkt(const struct pb *f);
void feed(struct stk_if *i, const struct pb *f);
/* the n-th sent frame of ethertype et (and IP protocol, ICMP type; -1: any), or NULL */
struct pkt_buf *sent_find(uint16_t et, int proto, int type, unsigned n);
void learn_peers(struct stk_if *i);       /* the peer's MAC for IPv4 and IPv6 */

struct counter { char proto[16], name[40]; uint64_t v; };
extern struct counter counters[256];
extern unsigned n_counters;
void collect(void *arg, const char *proto, const char *name, uint64_t v);  /* stk_counters' emit */
uint64_t counter(const char *proto, const char *name);

#endif
