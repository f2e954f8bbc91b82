/* lb_engine_fixture.h - what unit-lb-engine's files share: services built by hand (a
 * struct lbc_service per service and its backends, as the appliance fills them for
 * lb_set_build), the engine over a real connection table, frames, and every checksum
 * checked again by the naive sums (nv_csum.h, never pkt_csum.h). */
#ifndef SLUICE_TEST_LB_ENGINE_FIXTURE_H
#define SLUICE_TEST_LB_ENGINE_FIXTURE_H

#include "lb.h"
#include "nv_csum.h"
#include "pkt_parse.h"
#include "pktbuild.h"

#include <check.h>

#define FX_REASON_BASE 40                /* the stage's reason of LB_R_NO_BACKEND */
#define FX_MAX_BE 16
#define FX_FLOWS (1u << 18)              /* the affinity table: no bucket overflows in these tests */
#define FX_NOW 1000000ull

#define SYN 0x02
#define ACK 0x10
#define PSH 0x08

/* The verdict of a packet the engine dropped for r. */
#define FX_DROPPED(r) ((uint16_t)(PKT_V_DROP | (FX_REASON_BASE + (r))))

/* One service as the appliance hands it to lb_set_build: its config, its backends as the
 * packet path sees them (ids, states, sources), its id. */
struct fx_svc {
	struct lbc_service cfg;
	struct lbc_backend bcfg[FX_MAX_BE];
	struct lb_backend be[FX_MAX_BE];
	uint16_t id;
	uint32_t flow_timeout_s;
};

/* A frame to build: family 4 or 6, proto 6 or 17, addresses of the family's size. */
struct fx_pkt {
	uint8_t family, proto;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint8_t flags;                   /* TCP */
	uint32_t seq, ack;               /* TCP */
	unsigned payload;
	uint8_t tos;                     /* DSCP and ECN (IPv6: the traffic class) */
	unsigned n_tags;                 /* VLAN tags, 0..2 */
	uint16_t tci[2];
};

extern struct pkt_pool *pool;
extern struct ct_table *ct;
extern struct lb eng;

/* Addresses: clients, VIPs, backends, the appliance's. */
extern const uint8_t CLI[4], CLI2[4], VIP[4], VIP2[4], BE1[4], BE2[4], BE3[4], BE4[4], BE5[4], SELF[4], SNAT[4];
extern const uint8_t CLI6[16], VIP6[16], BE6[16], SELF6[16];

/* Pool, a connection table of 1024 entries (nat on, no VLAN zones), the engine. */
void fx_setup(void);
void fx_teardown(void);
/* A connection table of max entries instead, the engine started again over it. */
void fx_ct(uint32_t max);

/* A service with no backends yet: table 65537, GUE port 6080, flow timeout 300 s. */
void fx_svc(struct fx_svc *s, const char *name, uint8_t family, const uint8_t *vip, uint8_t proto, uint16_t port,
	    enum lbc_mode mode, uint16_t id);
/* A backend, up, its source SELF (or SELF6); port 0: the VIP's. */
struct lb_backend *fx_be(struct fx_svc *s, const char *name, uint8_t family, const uint8_t *addr, uint16_t port,
			 uint16_t id, uint32_t weight);
/* Drops backend i of s (the later ones move up), as a config without it. */
void fx_be_del(struct fx_svc *s, unsigned i);
/* The set of n services (asserts it was built). */
struct lb_set *fx_build(struct fx_svc *const *v, unsigned n);

struct pb fx_frame(const struct fx_pkt *d);
struct pb fx_tcp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, uint8_t flags, uint32_t seq,
		  uint32_t ack, unsigned payload);
struct pb fx_udp4(const uint8_t *src, uint16_t sp, const uint8_t *dst, uint16_t dp, unsigned payload);
/* A packet from the pool holding f, parsed (asserted). */
struct pkt_buf *fx_pkt(const struct pb *f);

/* The sum of the IPv6 pseudo-header of the datagram at ip6. */
uint32_t fx_pseudo6(const uint8_t *ip6, uint8_t proto, uint32_t len);
/* Every checksum of the IP datagram at ip (avail bytes there, padding allowed) by the
 * naive sums: IPv4's header, TCP's and UDP's with their pseudo-headers (UDP over IPv4 may
 * have none; over IPv6 it must), and those of a packet inside IP-in-IP or GUE. */
void fx_check_ip(const uint8_t *ip, size_t avail, const char *what);
/* The same for the IP packet of p. */
void fx_check(const struct pkt_buf *p, const char *what);

/* test_lb_engine_nat.c */
void lb_engine_nat_tests(TCase *tc);
/* test_lb_engine_encap.c: the tunnels' cases. */
void lb_engine_encap_tests(TCase *tc);

#endif
