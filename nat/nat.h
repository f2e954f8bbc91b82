/* nat.h - the NAT44 engine: source NAT (snat, masquerade) with endpoint-independent
 * mappings (RFC 4787, RFC 5382), configurable filtering, paired pooling, port preservation
 * and parity, hairpinning and a per-host session limit; destination NAT (port forwards);
 * ICMP queries by identifier and ICMP errors translated with the packet they quote
 * (RFC 5508); deterministic port blocks (RFC 7422); checksums by incremental update.
 *
 * A connection's translation lives in its conntrack entry (ct.h): the original key as its
 * first packet came, and the reply key its replies carry (ct_nat_bind), so a translated
 * packet costs the same one lookup as a tracked one, in either direction. What a mapping
 * shares between connections (an inside endpoint's outside address and port) lives in
 * nat_map.h's tables, counted per connection and released when conntrack lets the
 * connection go (expiry, eviction: ct_set_release), so a mapping lives exactly as long as
 * its last connection and expiry costs nothing per packet.
 *
 * The engine is called at the router's hooks (router/router.h; the app wires them):
 *   nat_prerouting   every packet, tracked, before the route lookup: a translated
 *                    connection's packet gets its destination (and, for an ICMP error,
 *                    its quote) translated; a new connection is matched against the
 *                    prerouting chain (dnat) and, when it is for an outside address, the
 *                    mappings (filtering decides);
 *   nat_postrouting  forwarded packets, after the forward hook: a translated connection's
 *                    packet gets its source translated; a new connection is matched
 *                    against the postrouting chain (snat, masquerade; a hairpinned one
 *                    whatever interface it leaves by), gets its mapping, and is committed
 *                    to conntrack with its reply key;
 *   nat_output       the router's own answers (ICMP errors about a translated connection's
 *                    packets): their quote translated back.
 * Each returns NAT_OK or the reason the packet is to be dropped (the caller drops it and
 * counts under its stage's name for the reason). Per worker; the config is read-only and
 * swapped by the caller between bursts.
 */
#ifndef SLUICE_NAT_H
#define SLUICE_NAT_H

#include "ct.h"
#include "nat_conf.h"
#include "nat_map.h"
#include "pkt.h"

/* X(NAME, "name"): why the NAT drops a packet. */
#define NAT_REASONS(X)                                                                               \
	X(INVALID, "nat_invalid")         /* conntrack found it invalid: never sent on untranslated */  \
	X(NO_MAPPING, "nat_no_mapping")   /* for a pool address and port no mapping holds */           \
	X(FILTERED, "nat_filtered")       /* for a mapping its filtering does not open to the sender */ \
	X(NO_PORT, "nat_no_port")         /* no free port for a new mapping (the pool is exhausted) */  \
	X(HOST_LIMIT, "nat_host_limit")   /* the inside host is at its session limit */                 \
	X(TABLE_FULL, "nat_table_full")   /* no room for another mapping */                              \
	X(NOT_IN_POOL, "nat_not_in_pool") /* deterministic: a source outside the rule's prefix */       \
	X(CT_FULL, "nat_ct_full")         /* no room in the connection table */                         \
	X(CLASH, "nat_clash")             /* the translated connection would be another's reply */       \
	X(ICMP_ERROR, "nat_icmp_error")   /* an ICMP error about a translated connection, too short to translate */

#define NAT_R_ENUM(id, str) NAT_R_##id,
enum nat_reason { NAT_OK, NAT_REASONS(NAT_R_ENUM) NAT_R__COUNT };
#undef NAT_R_ENUM
extern const char *const nat_reason_names[NAT_R__COUNT];  /* [0]: "ok" */

/* What prerouting decided for a new connection, for postrouting (one packet's). */
struct nat_note {
	bool dnat;                          /* its destination was translated */
	bool hold;                          /* it joins mapping via (inbound through a mapping) */
	const struct nat_mapping *via;
	/* A translated connection's TCP or UDP packet: the source postrouting gives it, found
	 * with its destination's (src_keep: it stays as it is). */
	bool src_known, src_keep;
	uint16_t src_port;
	uint8_t src_addr[4];
};

struct nat_counters {
	uint64_t out_translated, in_translated; /* packets translated leaving, coming back */
	uint64_t snat, dnat, inbound, hairpin;  /* connections: source, destination translated, through a mapping, hairpinned */
	uint64_t icmp_errors;                   /* ICMP errors translated with their quote */
	uint64_t released;                      /* translated connections conntrack let go */
	uint64_t drops[NAT_R__COUNT];
};

struct nat {
	struct ct_table *ct;
	struct nat_map *map;
	struct nat_counters cnt;
	uint64_t hits[NAT_HOOK__COUNT][NAT_MAX_RULES]; /* connections each rule decided */
	void (*log)(void *arg, const char *line);      /* mapping lines when the config says log on */
	void *log_arg;
	bool log_on;
	struct {                                       /* the connection a new mapping is for */
		uint8_t remote[4];
		uint16_t rport;
		uint8_t proto;
		uint64_t now;
	} pick;
};

/* The engine over ct (made with cfg.nat on); its mappings bounded by lim. -1: no memory. */
int nat_init(struct nat *n, struct ct_table *ct, const struct nat_map_limits *lim);
/* The same over a mapping table already made (nat_map_create), which n owns from now on. */
void nat_init_map(struct nat *n, struct ct_table *ct, struct nat_map *map);
void nat_fini(struct nat *n);

/* iif: the interface p came in by (index in the config). */
enum nat_reason nat_prerouting(struct nat *n, const struct nat_config *c, const struct cf_config *cf,
			       struct pkt_buf *p, struct ct_pkt *cp, int iif, uint64_t now, struct nat_note *note);
/* oif: the interface p leaves by. Commits a new connection to conntrack. */
enum nat_reason nat_postrouting(struct nat *n, const struct nat_config *c, const struct cf_config *cf,
				struct pkt_buf *p, struct ct_pkt *cp, int iif, int oif, uint64_t now,
				const struct nat_note *note);
enum nat_reason nat_output(struct nat *n, struct pkt_buf *p, struct ct_pkt *cp);

/* Is ip (4 bytes) an outside address of one of c's pools on interface ifx (the router
 * answers ARP for it)? */
bool nat_owns(const struct nat_config *c, int ifx, const uint8_t ip[4]);

/* Is a (4 bytes) inside IPv4 prefix p? */
bool nat_in_prefix4(const uint8_t *a, const struct cf_prefix *p);

/* One line per call of emit: the counters (zero ones left out). */
void nat_counters_format(const struct nat *n, void (*emit)(void *arg, const char *line), void *arg);

#endif
