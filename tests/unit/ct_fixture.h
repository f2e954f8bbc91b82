/* ct_fixture.h - what unit-ct's files share (test_ct.c: per-protocol tracking; test_ct_table.c:
 * the table's capacity, zones and counters): a table of 1024 entries at now 1000, TCP
 * segments between a client (dir 0) and a server (dir 1) built and tracked, the handshake. */
#ifndef SLUICE_TEST_CT_FIXTURE_H
#define SLUICE_TEST_CT_FIXTURE_H

#include "ct.h"
#include "pktbuild.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04
#define PSH 0x08
#define C 1000u      /* client ISN */
#define S 500000u    /* server ISN */

extern struct pkt_pool *pool;
extern struct ct_table *ct;
extern struct ct_config cfg;
extern uint64_t now;
extern int ipv;                  /* 4 or 6: the family build_tcp() builds */
extern uint16_t cport;           /* the client's port */
extern struct ct_pkt last;       /* the last tracked packet's */

/* The checked fixture: a fresh table of 1024 entries, now 1000. */
void setup(void);
void teardown(void);
void swap(uint8_t *a, uint8_t *b, size_t n);
/* Turns a built frame around: addresses and ports swapped (dir 1 is the reply). */
void reverse(struct pb *f);
/* One TCP segment, client (dir 0) to server or back; wscale -1: no option. */
void build_tcp(struct pb *f, int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, unsigned payload,
	       int wscale);
/* Tracks a frame, committing it when new; returns its ct state. */
int track_frame(struct pb *f);
int tcp(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, unsigned payload);
int tcp_ws(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, int wscale);
int tcp_state(void);
/* SYN, SYN-ACK, ACK: returns with both sides at their first data byte. */
void handshake(void);

/* test_ct_table.c's cases */
void ct_table_tests(TCase *tc);

#endif
