/* neigh.h - the neighbour cache: the link-layer addresses of the hosts on each port's
 * link, learnt from ARP (IPv4) and neighbour discovery (IPv6), and the ARP and ND
 * messages that ask for and give them. A "port" here is whatever 16-bit number the
 * caller gives a link (fw: the port and the VLAN ID, as a VLAN is a link of its own).
 *
 * A packet for a neighbour not yet resolved waits in its entry (at most NB_QUEUE per
 * neighbour, NB_QUEUED_MAX in all) while a request is sent up to NB_TRIES times,
 * NB_RETRY_MS apart; then the entry fails, its packets are handed back to the caller to
 * answer (nb_failed_take) and, for NB_FAILED_MS, new ones are dropped (a scan of a dead subnet costs three requests per address, not a queue
 * per packet). A resolved entry is used for NB_REACHABLE_MS, then refreshed by a new
 * request while still in use, and forgotten NB_STALE_MS after it was last confirmed.
 * The table is per core (no locks), of fixed size; when it is full, new neighbours
 * replace the least recently confirmed resolved or failed entries, never one that has
 * packets waiting. Everything is counted (struct nb_counters).
 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include "pkt.h"

#include <stdbool.h>
#include <stdint.h>

#define NB_SIZE 1024            /* entries; a power of two */
#define NB_WAYS 8               /* entries one address may live in */
#define NB_QUEUE 4              /* packets waiting per unresolved neighbour */
#define NB_QUEUED_MAX 256       /* packets waiting in all */
#define NB_TRIES 3
#define NB_RETRY_MS 1000
#define NB_FAILED_MS 3000
#define NB_REACHABLE_MS 30000
#define NB_STALE_MS 600000

enum nb_result {               /* the first two keep the packet; the rest refuse it */
	NB_RESOLVED,            /* mac holds the neighbour's address: send */
	NB_QUEUED,              /* the packet waits in the cache, which owns it now */
	NB_QUEUE_FULL,          /* not resolved and no room to wait: drop it */
	NB_FAILED,              /* the neighbour did not answer: drop it */
	NB_TABLE_FULL,          /* no entry could be made: drop it */
};

struct nb_counters {
	uint64_t created, learned, requests, queued, released;
	uint64_t queue_full, failed, failed_drops, table_full, expired;
};

/* A request to send: who to ask for, on which port. */
struct nb_solicit {
	uint16_t port;
	uint8_t family;
	uint8_t ip[16];
};

struct nb_cache;

struct nb_cache *nb_create(void);
/* Frees the cache and any packets still waiting in it. */
void nb_destroy(struct nb_cache *c);

/* The link-layer address of family's ip on port. On NB_QUEUED the cache keeps p; when
 * *solicit is set the caller sends a request for ip now (first try or a refresh). */
enum nb_result nb_resolve(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, struct pkt_buf *p,
			  uint64_t now_ms, uint8_t mac[6], bool *solicit);

/* For a caller that sends many packets to one neighbour and keeps its address between
 * them (the router's struct rtr_hop): ip's address, if it is resolved and nb_resolve would
 * do nothing but answer with it until *until_ms (its reachable time, or the next refresh
 * try). The address holds while that time has not come and nb_generation() is what it was:
 * the generation moves on whenever any entry is resolved anew, changes address, fails or
 * is forgotten. false: ask nb_resolve. */
bool nb_peek(const struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, uint64_t now_ms, uint8_t mac[6],
	     uint64_t *until_ms);
uint32_t nb_generation(const struct nb_cache *c);

/* Records that ip on port is at mac (an ARP or ND message said so). create: make an entry
 * if there is none (the message was for us); otherwise only an existing one is updated.
 * The packets that waited for it are handed back in released (up to NB_QUEUE): the caller
 * sends them to mac. Returns how many. */
unsigned nb_learn(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, const uint8_t *mac, bool create,
		  uint64_t now_ms, struct pkt_buf **released);

/* Walks up to budget entries (round robin): retries and fails unresolved ones, forgets old
 * ones. Requests to send go to out (at most max; the rest wait for the next call).
 * Returns how many. */
unsigned nb_tick(struct nb_cache *c, uint64_t now_ms, unsigned budget, struct nb_solicit *out, unsigned max);

/* The packets whose neighbour failed since the last call (at most max), for the caller to
 * answer (ICMP host unreachable) or free: it owns them now. */
unsigned nb_failed_take(struct nb_cache *c, struct pkt_buf **pkts, unsigned max);

/* A configured neighbour: resolved for good, never asked for, relearnt or replaced (any
 * packets waiting for it are dropped). -1 when its set is full of unresolved entries. */
int nb_set_static(struct nb_cache *c, uint16_t port, int family, const uint8_t *ip, const uint8_t *mac);
/* Forgets every configured neighbour (before setting a new config's). */
void nb_clear_static(struct nb_cache *c);

const struct nb_counters *nb_counters(const struct nb_cache *c);
unsigned nb_in_use(const struct nb_cache *c);
/* One line per call of emit: the counters, for reports. */
void nb_counters_format(const struct nb_cache *c, void (*emit)(void *arg, const char *line), void *arg);

/* ---- the messages (neigh_proto.c) ---------------------------------------------------- */

/* What an ARP or ND message (parsed) says. */
struct nb_msg {
	uint8_t kind;           /* NB_MSG_* */
	uint8_t family;
	bool has_mac;           /* the sender's (request) or target's (answer) link-layer address */
	uint8_t sender_ip[16];  /* ARP spa; ND: the IPv6 source */
	uint8_t target_ip[16];  /* ARP tpa; ND: the target address */
	uint8_t mac[6];
};

enum { NB_MSG_NONE, NB_MSG_ARP_REQUEST, NB_MSG_ARP_REPLY, NB_MSG_NS, NB_MSG_NA };

/* Reads an ARP (IPv4 over Ethernet) or ICMPv6 neighbour solicitation/advertisement
 * (hop limit 255, code 0, valid checksum, target not multicast, options well formed),
 * as RFC 826 and RFC 4861 7.1 say. Anything else is NB_MSG_NONE. */
int nb_msg_read(const struct pkt_buf *p, struct nb_msg *m);

/* Turns the ARP request p into our reply: ip (4 bytes) is at mac. */
void nb_arp_reply(struct pkt_buf *p, const uint8_t mac[6], const uint8_t *ip);
/* Turns the neighbour solicitation p into our advertisement of target (ours) at mac, with
 * the Router flag, sent to the solicitor (or all nodes when it had no address yet). */
bool nb_na_reply(struct pkt_buf *p, const struct nb_msg *m, const uint8_t mac[6]);
/* A broadcast ARP request / a solicitation to the solicited-node group, from src_ip at
 * src_mac, for target; in a buffer from pool (NULL when it is empty). */
struct pkt_buf *nb_arp_request(struct pkt_pool *pool, const uint8_t src_mac[6], const uint8_t *src_ip,
			       const uint8_t *target);
struct pkt_buf *nb_ns_request(struct pkt_pool *pool, const uint8_t src_mac[6], const uint8_t *src_ip,
			      const uint8_t *target);

#endif
