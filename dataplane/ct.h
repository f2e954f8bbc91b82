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
 */
#ifndef SLUICE_CT_H
#define SLUICE_CT_H

#include "pkt.h"
#include "pkt_flow.h"

#include <stdbool.h>
#include <stddef.h>

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

/* One connection, two cache lines. The first holds all that a packet other than TCP reads
 * and writes in either direction (a table of a million connections misses the cache once
 * a packet); TCP's windows and what the table itself needs are on the second. */
struct ct_entry {
	struct pkt_flow_key key;            /* as the first packet went; the reply's is its reverse */
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
};

struct ct_table;

/* NULL when out of memory or max_entries is 0. */
struct ct_table *ct_table_create(const struct ct_config *cfg);
void ct_table_destroy(struct ct_table *t);
/* New timeouts and pickup policy for a running table (entries keep their expiry until
 * their next packet; vlan_zones stays as created). false when cfg asks for another size:
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

/* Expires up to budget buckets' worth of entries, continuing where the last call stopped. */
void ct_sweep(struct ct_table *t, uint64_t now, unsigned budget);

uint32_t ct_count(const struct ct_table *t);
const struct ct_counters *ct_counters(const struct ct_table *t);
const struct ct_config *ct_table_config(const struct ct_table *t);

/* Calls fn for every live entry (for listings and tests). */
void ct_foreach(const struct ct_table *t, void (*fn)(void *arg, const struct ct_entry *e), void *arg);

/* Writes the counters, one line per call of emit; zero counters are left out. */
void ct_counters_format(const struct ct_table *t, void (*emit)(void *arg, const char *line), void *arg);

#endif
