/* ct.h - connection tracking, shared by the firewall, NAT and the load balancer.
 *
 * A ct_table holds the connections one worker sees; it is per core and takes no lock
 * (symmetric flow hashing sends both directions of a flow to the same core). A packet is
 * tracked in two steps, as in Linux:
 *
 *   ct_track()  finds the connection (either direction), advances its state (the TCP
 *               state machine with sequence-window checks, UDP and ICMP pseudo-connections,
 *               ICMP errors related to a tracked flow) and says what the packet is:
 *               new, established, related, invalid (with a reason) or untracked;
 *   ct_commit() creates the entry of a new packet the rules accepted. A packet the rules
 *               dropped leaves nothing behind, so a flood of refused SYNs costs no memory.
 *
 * The table is bounded. When it is full, or both buckets a new flow may use are full, a
 * new entry takes the place of an expired one or of one that never completed (no reply
 * seen, or a TCP handshake not finished), oldest first; established connections are never
 * evicted. When nothing can be evicted the new connection is refused (ct_commit fails).
 * Entries expire by protocol-state timeouts (struct ct_config), found lazily on lookup and
 * by ct_sweep(), which a worker calls with a budget between bursts. Everything is counted.
 *
 * NAT: a translated IPv4 connection's replies carry its reply key (ct_nat_bind), not the
 * reverse of its original key. The entry then has two keys in the index, each with its own
 * bucket slot, and is found by its original key (direction 0) or by its reply key
 * (direction 1) only, as Linux finds a NATed connection by its two tuples.
 */
#ifndef SLUICE_CT_H
#define SLUICE_CT_H

#include "pkt.h"
#include "pkt_flow.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* X(NAME, "name", seconds): the timeouts, with Linux's defaults. */
#define CT_TIMEOUTS(X)                                        \
	X(TCP_SYN_SENT, "tcp_syn_sent", 120)                  \
	X(TCP_SYN_RECV, "tcp_syn_recv", 60)                   \
	X(TCP_ESTABLISHED, "tcp_established", 432000)         \
	X(TCP_FIN_WAIT, "tcp_fin_wait", 120)                  \
	X(TCP_CLOSE_WAIT, "tcp_close_wait", 60)               \
	X(TCP_LAST_ACK, "tcp_last_ack", 30)                   \
	X(TCP_TIME_WAIT, "tcp_time_wait", 120)                \
	X(TCP_CLOSE, "tcp_close", 10)                         \
	X(UDP, "udp", 30)                                     \
	X(UDP_STREAM, "udp_stream", 120)                      \
	X(ICMP, "icmp", 30)                                   \
	X(GENERIC, "generic", 600)

#define CT_TO_ENUM(id, str, s) CT_TO_##id,
enum ct_timeout { CT_TIMEOUTS(CT_TO_ENUM) CT_TO__COUNT };
#undef CT_TO_ENUM
extern const char *const ct_timeout_names[CT_TO__COUNT];

/* TCP states (the names are conntrack's). */
enum ct_tcp_state {
	CT_TCP_NONE, CT_TCP_SYN_SENT,
	CT_TCP_SYN_SENT2,               /* simultaneous open: both sides sent a SYN */
	CT_TCP_SYN_RECV, CT_TCP_ESTABLISHED, CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT, CT_TCP_LAST_ACK, CT_TCP_TIME_WAIT, CT_TCP_CLOSE, CT_TCP__COUNT
};
extern const char *const ct_tcp_state_names[CT_TCP__COUNT];

struct ct_config {
	uint32_t max_entries;               /* connections the table holds */
	uint32_t timeout_s[CT_TO__COUNT];
	bool tcp_loose;                     /* pick up TCP connections already running (Linux's
	                                       nf_conntrack_tcp_loose, on by default) */
	bool checksum;                      /* a TCP, UDP, ICMP or ICMPv6 checksum must verify, or
	                                       the packet is invalid (Linux's nf_conntrack_checksum,
	                                       on by default); skipped when the device verified it */
	bool vlan_zones;                    /* the VLAN ID is part of a connection's key, so the
	                                       same addresses in two VLANs are two connections
	                                       (a bridge's view, the default); off when VLANs are
	                                       links of one router, whose replies may come back
	                                       tagged otherwise */
	bool nat;                           /* entries may have a translated reply key (ct_nat_bind):
	                                       the index is sized for two keys an entry, at the
	                                       load it has for one without (off by default) */
};

/* Defaults: 65,536 entries, Linux's timeouts, loose pickup on, checksums verified, VLANs
 * as zones. */
void ct_config_default(struct ct_config *cfg);

/* What a packet is to the tracker. The values are bits, as the rule language's ct state. */
enum ct_state {
	CT_S_NEW = 1, CT_S_ESTABLISHED = 2, CT_S_RELATED = 4, CT_S_INVALID = 8, CT_S_UNTRACKED = 16
};

/* X(NAME, "name"): why a packet is invalid. */
#define CT_INVALID_REASONS(X)                                                                  \
	X(NONE, "none")                                                                         \
	X(FRAGMENT, "fragment")             /* a fragment: there is no transport header to track */ \
	X(CHECKSUM, "checksum")             /* its TCP, UDP, ICMP or ICMPv6 checksum does not verify */ \
	X(CHECKSUM_PARTIAL, "checksum_partial") /* TCP or UDP, its checksum left for offload: the sender's \
					     * NIC was to finish it (a veth or tap peer with tx offload on) */ \
	X(TCP_FLAGS, "tcp_flags")           /* a flag combination no TCP sends (SYN+FIN, none...) */ \
	X(TCP_NO_ENTRY, "tcp_no_entry")     /* not a SYN, and no connection to belong to */          \
	X(TCP_STATE, "tcp_state")           /* not valid in the connection's state */                \
	X(TCP_WINDOW, "tcp_window")         /* sequence or acknowledgement outside the window */     \
	X(ICMP_NEW, "icmp_new")             /* an ICMP message that starts nothing and relates to nothing */ \
	X(ICMP_INNER, "icmp_inner")         /* an ICMP error whose quoted packet is cut short or malformed */ \
	X(ICMP_NO_FLOW, "icmp_no_flow")     /* an ICMP error about a flow the table does not hold */

#define CT_INV_ENUM(id, str) CT_INV_##id,
enum ct_invalid { CT_INVALID_REASONS(CT_INV_ENUM) CT_INV__COUNT };
#undef CT_INV_ENUM
extern const char *const ct_invalid_names[CT_INV__COUNT];

struct ct_tcp_side {
	uint32_t end;                       /* highest sequence number sent, plus its length */
	uint32_t maxend;                    /* highest sequence number the peer allows */
	uint32_t maxwin;                    /* largest window this side advertised (scaled) */
	uint8_t wscale;                     /* window scale this side announced */
	uint8_t flags;                      /* CT_TCPF_* */
	uint16_t _pad;
	uint32_t fin_end;                   /* sequence number just after this side's FIN */
};
#define CT_TCPF_WSCALE 0x01u                /* sent the window scale option */
#define CT_TCPF_FIN 0x02u                   /* sent a FIN */
#define CT_TCPF_FIN_ACKED 0x04u             /* its FIN was acknowledged */
#define CT_TCPF_SEEN 0x08u                  /* has sent anything (its window is known) */

/* An IPv4 connection's translated reply key: what its reply packets carry. Addresses in
 * network byte order as in the packet (uint8_t[4] or a uint32_t holding the 4 bytes as
 * memcpy'd), ports in host order as in pkt_flow_key. Protocol and VLAN are the entry's. */
struct ct_nat_tuple { uint8_t src[4], dst[4]; uint16_t sport, dport; };

/* Where a translated entry keeps its reply key: in its key's IPv4 padding. An IPv4 key has
 * its address in the first 4 bytes of src and dst and zeros after; the lookups compare keys
 * as five 64-bit words (ct_key_eq), and when the key looked up is IPv4 only the words 0, 2
 * and 4 decide (bytes 0..7 of src and dst, which stay the address and zeros, then ports,
 * VLAN, protocol and family). Words 1 and 3, bytes 8..15 of src and of dst, are never read
 * for an IPv4 lookup, and an IPv6 key never equals an IPv4 entry whatever they hold (word 4
 * holds the family). So the reply key (12 bytes) and its flow hash (4) live there, on the
 * entry's first line: a translated packet, either way, reads no more than an untranslated
 * one. Only IPv4 entries are translated. The price: with CT_F_NAT, key.src[8..15] and
 * key.dst[8..15] are not zero; read an IPv4 entry's addresses from their first 4 bytes, or
 * its clean key with ct_entry_key(). */
struct ct_nat_key_ {
	uint8_t _src_addr[8];               /* key.src[0..7]: the address, zeros */
	uint8_t src[4], dst[4];             /* key.src[8..15]: the reply key's addresses */
	uint8_t _dst_addr[8];               /* key.dst[0..7] */
	uint16_t sport, dport;              /* key.dst[8..11]: the reply key's ports */
	uint32_t hash;                      /* key.dst[12..15]: the reply key's pkt_flow_hash */
	uint8_t _last[8];                   /* ports, VLAN, protocol, family: the key's own */
};

/* One connection, two cache lines. The first holds all that a packet other than TCP reads
 * and writes in either direction (a table of a million connections misses the cache once
 * a packet); TCP's windows and what the table itself needs are on the second. */
struct ct_entry {
	union {
		struct pkt_flow_key key;    /* as the first packet went; the reply's is its reverse,
		                               or with CT_F_NAT the reply key in nat */
		struct ct_nat_key_ nat;     /* CT_F_NAT (IPv4 only): see above */
	};
	uint64_t expires;                   /* ms, on the clock passed to ct_track */
	uint8_t proto_state;                /* enum ct_tcp_state for TCP, else 0 */
	uint8_t flags;                      /* CT_F_* */
	uint16_t _pad;
	/* The tracking app's own words (the firewall keeps its per-flow decisions here): zero
	 * when the entry is created, never read or written by the tracker. */
	uint32_t user_gen;
	uint32_t user[2];                   /* one per direction */
	/* second line */
	uint32_t hash;
	struct ct_tcp_side tcp[2];
} __attribute__((aligned(64)));
static_assert(offsetof(struct ct_entry, hash) == 64 && sizeof(struct ct_entry) == 128,
	      "a connection's first line holds what a packet other than TCP touches");
#define CT_F_SEEN_REPLY 0x01u
#define CT_F_ASSURED 0x02u                  /* never evicted before it expires */
#define CT_F_SIMOPEN 0x04u                  /* opened simultaneously: both sides answer */
#define CT_F_NAT 0x08u   /* has a translated reply key (ct_nat_bind); its reply is found by that key only */
#define CT_F_APP1 0x40u                    /* the tracking app's own (nat: the mappings a translated */
#define CT_F_APP2 0x80u                    /* connection holds): zero when created, never read or written by the tracker */

static_assert(sizeof(struct ct_nat_key_) == sizeof(struct pkt_flow_key), "the reply key fits in the key");
static_assert(offsetof(struct ct_entry, nat.src) == offsetof(struct ct_entry, key.src) + 8 &&
		      offsetof(struct ct_entry, nat.dst) == offsetof(struct ct_entry, key.src) + 12,
	      "the reply key's addresses are in key.src's second word, which IPv4 lookups never read");
static_assert(offsetof(struct ct_entry, nat.sport) == offsetof(struct ct_entry, key.dst) + 8 &&
		      offsetof(struct ct_entry, nat.dport) == offsetof(struct ct_entry, nat.sport) + 2 &&
		      offsetof(struct ct_entry, nat.hash) == offsetof(struct ct_entry, key.dst) + 12,
	      "the reply key's ports and hash are in key.dst's second word, which IPv4 lookups never read");
static_assert(offsetof(struct ct_entry, nat._last) == offsetof(struct ct_entry, key.sport) &&
		      offsetof(struct ct_entry, key.src) == 0 && offsetof(struct ct_entry, key.dst) == 16,
	      "the key's words as ct_key_eq reads them");

/* e's reply key, when it has one (CT_F_NAT). */
static inline void ct_nat_reply(const struct ct_entry *e, struct ct_nat_tuple *r)
{
	memcpy(r->src, e->nat.src, 4);
	memcpy(r->dst, e->nat.dst, 4);
	r->sport = e->nat.sport;
	r->dport = e->nat.dport;
}

/* e's original key as pkt_flow_key makes it: an IPv4 key's address bytes after the 4th
 * zero, whatever a translated entry keeps there. For readers that print or compare whole
 * addresses. */
static inline void ct_entry_key(const struct ct_entry *e, struct pkt_flow_key *k)
{
	*k = e->key;
	if (k->family == 4) {
		memset(k->src + 4, 0, 12);
		memset(k->dst + 4, 0, 12);
	}
}

/* The tracker's view of one packet between ct_track and ct_commit. */
struct ct_pkt {
	struct ct_entry *e;                 /* the connection, NULL for new/invalid/untracked */
	uint8_t dir;                        /* 0 original, 1 reply */
	uint8_t state;                      /* enum ct_state */
	uint8_t invalid;                    /* enum ct_invalid when state is CT_S_INVALID */
	uint8_t tcp_flags;
	uint8_t keyed;                      /* key and hash below are p's (ct_parse_prefetch_burst) */
	struct pkt_flow_key key;
	uint32_t hash;
};

struct ct_counters {
	uint64_t packets;
	uint64_t state[5];                  /* by ct_state bit: new, established, related, invalid, untracked */
	uint64_t invalid[CT_INV__COUNT];
	uint64_t created;
	uint64_t refused;                   /* a new connection with nowhere to go */
	uint64_t evicted;                   /* unfinished connections replaced by new ones */
	uint64_t expired;
	uint64_t closed_reuse;              /* a SYN reopening a closed connection's tuple */
	uint64_t syn_retrans;               /* the opener's SYN again while the handshake waits
	                                       for its last ACK (the SYN-ACK lost or late) */
	uint64_t displaced;                 /* keys moved to their other bucket to make room */
	uint64_t nat_clash;                 /* a reply key refused (ct_nat_bind) because a live
	                                       entry holds it; or a new connection refused because
	                                       a translated one holds its reverse as original key,
	                                       or it is the reverse of one's reply key (its reply
	                                       would be the other's: Linux refuses it too) */
	uint64_t nat_full;                  /* a reply key refused: both its buckets full */
};

struct ct_table;

/* The most entries a table holds (the index marks a reply key's slot with bit 31 of the
 * entry number). */
#define CT_MAX_ENTRIES (1u << 28)

/* NULL when out of memory, or max_entries is 0 or above CT_MAX_ENTRIES. */
struct ct_table *ct_table_create(const struct ct_config *cfg);
void ct_table_destroy(struct ct_table *t);
/* New timeouts and pickup policy for a running table (entries keep their expiry until
 * their next packet; vlan_zones and nat stay as created). false when cfg asks for another size:
 * that needs a new table. */
bool ct_table_tune(struct ct_table *t, const struct ct_config *cfg);

/* Classifies a packet pkt_parse() accepted and advances its connection. now: ms. */
void ct_track(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp);

/* For a burst: ct_parse_prefetch_burst first, which pkt_parse()s each packet, then puts
 * its flow key and hash in cps[i] and prefetches its first bucket (the one a lookup nearly
 * always needs alone), all in one pass. A packet the parser refuses gets the verdict
 * pkt_drop(reason_base + its enum pkt_parse_result) and is not keyed; the caller skips
 * packets with a verdict. Then ct_track_prefetched on each other packet with the same cp,
 * so that the table's cache misses overlap instead of coming one packet at a time. */
void ct_parse_prefetch_burst(const struct ct_table *t, struct pkt_buf *const *pkts, struct ct_pkt *cps, uint16_t n,
			     uint16_t reason_base);
void ct_track_prefetched(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp);
/* Creates the connection of a packet ct_track called new. false when refused (counted). */
bool ct_commit_new(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp);
static inline bool ct_commit(struct ct_table *t, const struct pkt_buf *p, uint64_t now, struct ct_pkt *cp)
{
	if (cp->state != CT_S_NEW || cp->e)
		return true;            /* nothing to create: tracked already, or not trackable */
	return ct_commit_new(t, p, now, cp);
}

/* Removes e at once (a connection committed for a packet that then went nowhere), its
 * release hook called as for any other end. */
void ct_remove(struct ct_table *t, struct ct_entry *e);

/* Expires up to budget buckets' worth of entries, continuing where the last call stopped. */
void ct_sweep(struct ct_table *t, uint64_t now, unsigned budget);

uint32_t ct_count(const struct ct_table *t);
const struct ct_counters *ct_counters(const struct ct_table *t);
const struct ct_config *ct_table_config(const struct ct_table *t);

/* Calls fn for every live entry, once each (for listings and tests). An IPv4 entry's
 * addresses are the first 4 bytes of key.src and key.dst (ct_entry_key: the whole key). */
void ct_foreach(const struct ct_table *t, void (*fn)(void *arg, const struct ct_entry *e), void *arg);

/* ---- NAT ---- */

/* Gives e (IPv4, just created by ct_commit/ct_commit_new, no reply seen yet) the reply
 * key r, indexed so that ct_track finds reply packets carrying r (direction 1) - and no
 * longer finds the plain reverse of the original key. false, nothing changed, when r is
 * already a live key of any entry in either direction, or neither of r's two buckets has
 * room (counted: nat_clash / nat_full in ct_counters and ct_counters_format). Also false,
 * not counted, for an entry that is not IPv4, has a reply key already or has seen a reply.
 * Entries that expired by the clock of the last commit are not live (they are freed). */
bool ct_nat_bind(struct ct_table *t, struct ct_entry *e, const struct ct_nat_tuple *r);
/* Whether a live entry holds k in either direction (original key, its reverse for entries
 * without NAT, or a NAT reply key): the NAT's port allocator asks before it binds. now: ms.
 * k as pkt_flow_key makes it (an IPv4 key's address bytes after the 4th zero); its VLAN is
 * masked as the table keys (vlan_zones). Expired holders found on the way are freed. */
bool ct_key_in_use(struct ct_table *t, const struct pkt_flow_key *k, uint64_t now);
/* Called with each entry that has CT_F_NAT as it goes (expired on lookup or by the sweep,
 * evicted, removed), before its memory is reused: the NAT releases its port mapping. Set once
 * after ct_table_create; fn must not call back into the table. It runs inside ct_track,
 * ct_commit, ct_sweep, ct_nat_bind and ct_key_in_use (freeing expired entries they meet),
 * and ct_remove; not for the entries ct_table_destroy drops. */
void ct_set_release(struct ct_table *t, void (*fn)(void *arg, const struct ct_entry *e), void *arg);

/* Writes the counters, one line per call of emit; zero counters are left out. */
void ct_counters_format(const struct ct_table *t, void (*emit)(void *arg, const char *line), void *arg);

#endif
