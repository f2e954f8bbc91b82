/* ct_nat_fixture.h - what unit-ct-nat's files share: the table under test with its release
 * hook counted, the index checked whole after every case, the frames and their tracking,
 * keys, tuples and a source-translated UDP connection. */
#ifndef SLUICE_TEST_CT_NAT_FIXTURE_H
#define SLUICE_TEST_CT_NAT_FIXTURE_H

#include "ct.h"
#include "ct_internal.h"    /* the index, checked whole */
#include "pktbuild.h"

#include <check.h>

#define SYN 0x02
#define ACK 0x10
#define RST 0x04
#define PSH 0x08

extern struct pkt_pool *pool;
extern struct ct_table *ct;
extern struct ct_config cfg;
extern uint64_t now;
extern struct ct_pkt last;       /* the last packet's */

/* The release hook's calls, by entry number (0-based), and in all. */
extern unsigned *released;
extern unsigned n_released;

/* A new table of max entries (cfg.nat: nat) in place of the one there, the release hook's
 * counts zeroed. */
void make_table(uint32_t max, bool nat);
/* The checked fixture: a table of 1024 translating entries at now 1000; after the case,
 * the index checked whole. */
void setup(void);
void teardown(void);
/* The index whole: every slot names a live entry, by a key of its own (a reply key's slot
 * only for a translated entry) in one of that key's two buckets; each live entry has its
 * key's slot once and its reply key's once when translated; the overflow counts exact. */
void check_index(void);

/* ---- frames ---- */

extern const uint8_t IN[4];      /* the inside host */
extern const uint8_t SRV[4];     /* a server outside */
extern const uint8_t PUB[4];     /* the NAT's public address */

/* An IPv4 UDP or TCP frame (proto 17 or 6), with TCP's flags, sequence and acknowledgement. */
void frame4(struct pb *f, uint8_t proto, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
	    uint8_t flags, uint32_t seq, uint32_t ack);
/* Tracks f, committing it when new and commit says so; returns its state. */
int track(const struct pb *f, bool commit);
/* The same through a burst of one (ct_parse_prefetch_burst, ct_track_prefetched). */
int track_burst(const struct pb *f);
int udp(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport, bool commit);
int tcp(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport, uint8_t flags, uint32_t seq,
	uint32_t ack);
struct ct_nat_tuple tuple(const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport);
struct pkt_flow_key key4(uint8_t proto, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport);
/* The entry holding k, and in which direction (2: none). */
struct ct_entry *find(const struct pkt_flow_key *k, unsigned *dir);
/* A UDP connection IN:sport -> SRV:53 source-translated to PUB:pport: the entry. */
struct ct_entry *snat_udp(uint16_t sport, uint16_t pport);

/* test_ct_nat_table.c */
void ct_nat_table_tests(TCase *tc);

#endif
