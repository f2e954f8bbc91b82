/* nat_engine_fixture.h - what unit-nat-engine's files share: the addresses and configs of
 * the cases, the naive RFC 1071 reference sums, the frames, and the engine as the nat
 * appliance wires it (a config from text, a real connection table, the packets tracked,
 * routed by a tiny table and committed as the router does). */
#ifndef SLUICE_TEST_NAT_ENGINE_FIXTURE_H
#define SLUICE_TEST_NAT_ENGINE_FIXTURE_H

#include "nat.h"
#include "nat_conf.h"
#include "nat_map.h"
#include "nv_csum.h"
#include "pktbuild.h"

#include <check.h>

#define LAN 0
#define WAN 1
#define LOCAL (-1)

#define SYN 0x02
#define FIN 0x01
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* Inside hosts, remotes, a router on the way, the wan's and the lan's addresses. */
extern const uint8_t A[4], B[4], C[4];
extern const uint8_t R1[4], R2[4], R3[4];
extern const uint8_t HOP[4];
extern const uint8_t PUB[4];
extern const uint8_t LANIP[4];

/* Masquerade of 10.0.0.0/24 out of the wan, with each kind of filtering. */
extern const char MASQ_EIF[], MASQ_ADF[], MASQ_APDF[];

/* The engine and its table (set up by load), the last packet's conntrack view and note,
 * and where the last packet left (LAN, WAN, LOCAL; -2: dropped before routing). */
extern struct pkt_pool *pool;
extern struct cf_config cf;
extern struct nat_config nc;
extern struct ct_table *ct;
extern struct nat n;
extern uint64_t now;
extern struct ct_pkt cp;
extern struct nat_note note;
extern int last_oif;

/* The engine's log lines (the first 8 kept) and how many there were. */
extern char log_lines[8][160];
extern unsigned n_log;

/* ---- frames ---- */

/* An Ethernet frame with an IPv4 header of proto from src to dst, nothing after it. */
void hdr4(struct pb *f, uint8_t proto, const uint8_t *src, const uint8_t *dst);
struct pb udp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp);
struct pb tcp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, uint8_t flags, uint32_t seq,
	       uint32_t ack, unsigned payload);
/* An ICMP query or response of type type with identifier id. */
struct pb icmp4(const uint8_t *src, const uint8_t *dst, uint8_t type, uint16_t id);
/* An ICMP error quoting the first qlen bytes (0: all) of the IPv4 datagram in q. */
struct pb err4(const uint8_t *src, const uint8_t *dst, uint8_t type, uint8_t code, const struct pb *q,
	       unsigned qlen);
struct pb udp6(void);

/* Readers of a frame as the tests built or got it. */
const uint8_t *ipof(const struct pb *f);
const uint8_t *l4of(const struct pb *f);
uint16_t sport(const struct pb *f);
uint16_t dport(const struct pb *f);
uint16_t icmp_id(const struct pb *f);
/* The quote of an ICMP error in f, as a frame of its own (l3 at the quote). */
struct pb quote_of(const struct pb *f);

#define ck_addrs(f, s, d)                                       \
	do {                                                    \
		ck_assert_mem_eq(ipof(f) + 12, (s), 4);         \
		ck_assert_mem_eq(ipof(f) + 16, (d), 4);         \
	} while (0)

uint32_t be32(const uint8_t *a);

/* ---- the engine, as the nat appliance wires it ---- */

/* Whether text (after the interfaces) is refused by the parser. */
bool load_fails(const char *text);
/* The config of the interfaces + text, a table of ct_max entries (load: 1024). */
void load_ct(const char *text, uint32_t ct_max);
void load(const char *text);
/* The checked fixture: a packet pool; the engine is freed when one was loaded. */
void setup(void);
void teardown(void);

/* The copy of p as a frame. */
void snap(const struct pkt_buf *p, struct pb *out);
/* p's checksums by the naive sums (an IPv4 packet's). */
void verify(const struct pkt_buf *p, const char *what);
/* f arriving on iif: tracked, prerouting, routed, then postrouting (forwarded) or the input
 * hook's commit (for us). The packet as it leaves in *out (may be NULL); the engine's
 * verdict. A packet let through has its checksums verified. */
enum nat_reason xmit(const struct pb *f, int iif, struct pb *out);
/* The same, which must pass and leave by oif. */
struct pb pass(const struct pb *f, int iif, int oif);

const struct nat_map_counters *mc(void);
const struct nat_mapping *map_out(uint8_t proto, const uint8_t *addr, uint16_t port);
/* Some live entry of the table, or NULL. */
struct ct_entry *first_entry(void);

/* test_nat_engine_in.c, test_nat_engine_life.c */
void nat_engine_in_tests(TCase *tc);
void nat_engine_life_tests(TCase *tc);

#endif
