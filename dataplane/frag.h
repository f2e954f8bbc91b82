/* frag.h - fragments followed without reassembly ("virtual reassembly").
 *
 * The first fragment of a datagram carries the transport header, so it is judged like
 * any packet, and the judgement is remembered for the datagram (its addresses, its
 * identification and, for IPv4, its protocol): the later fragments follow it, forwarded
 * unchanged or dropped, without being reassembled or copied. Fragments that arrive
 * before their first wait for it: at most FRAG_HOLD per datagram and FRAG_HELD_MAX in
 * all, for FRAG_TIMEOUT_MS; then they are dropped and counted. A judgement is forgotten
 * FRAG_TIMEOUT_MS after the datagram's last fragment.
 *
 * Fragments that could hide a header from the rules are refused (FRAG_BAD): a first
 * fragment without its whole transport header (RFC 1858's tiny fragment, RFC 7112), and
 * an IPv4 TCP fragment at offset 8, which would overwrite the first one's flags (RFC 1858).
 * The table is per core and of fixed size; a full set replaces the oldest judged
 * datagram, never one with fragments waiting.
 *
 * An IPv4 datagram whose first fragment left with other addresses (NAT) has them
 * remembered too (struct frag_out), so that its later fragments, which carry no ports,
 * are translated as it was.
 */
#ifndef SLUICE_FRAG_H
#define SLUICE_FRAG_H

#include "pkt.h"

#include <stdbool.h>
#include <stdint.h>

#define FRAG_SIZE 1024          /* datagrams followed; a power of two */
#define FRAG_WAYS 4
#define FRAG_HOLD 4             /* fragments waiting for their first, per datagram */
#define FRAG_HELD_MAX 128       /* ... and in all */
#define FRAG_TIMEOUT_MS 5000

struct frag_key {
	uint8_t family, proto;
	uint32_t id;
	uint8_t src[16], dst[16];
};

enum frag_class {
	FRAG_NONE,              /* not a fragment */
	FRAG_FIRST,             /* the first fragment: judge it, then frag_decided() */
	FRAG_LATER,             /* a later fragment: frag_later() */
	FRAG_BAD,               /* a fragment that could hide a header: drop it */
};

/* The addresses an accepted IPv4 datagram's first fragment left with, when they differ from
 * those it came with. */
struct frag_out {
	bool set;
	uint8_t src[4], dst[4];
};

enum frag_result {
	FRAG_PASS,              /* its datagram was accepted: forward it the same way */
	FRAG_REFUSED,           /* its datagram was refused: drop it */
	FRAG_HELD,              /* it waits for its first fragment (the table owns it now) */
	FRAG_FULL,              /* it would wait, and there is no room: drop it */
};

struct frag_counters {
	uint64_t first, passed, refused, held, released, expired_drops, full, evicted;
};

struct frag_table;

struct frag_table *frag_create(void);
/* Frees the table and the fragments still waiting in it. */
void frag_destroy(struct frag_table *t);

/* Which kind of fragment p (parsed) is; fills k for FIRST and LATER. */
enum frag_class frag_classify(const struct pkt_buf *p, struct frag_key *k);

/* A later fragment: what its datagram's first fragment was judged, or it waits. */
enum frag_result frag_later(struct frag_table *t, const struct frag_key *k, struct pkt_buf *p, uint64_t now_ms);

/* frag_later, and for FRAG_PASS the addresses its datagram's first fragment left with
 * (out->set false: unchanged). */
enum frag_result frag_later_out(struct frag_table *t, const struct frag_key *k, struct pkt_buf *p, uint64_t now_ms,
				struct frag_out *out);
/* What is known of k's datagram without holding anything: FRAG_PASS (with out),
 * FRAG_REFUSED, or FRAG_HELD when its first fragment was not judged yet. */
enum frag_result frag_lookup(struct frag_table *t, const struct frag_key *k, uint64_t now_ms, struct frag_out *out);

/* The first fragment was judged: remembered for the later ones. Those that waited are
 * handed back in released (at most FRAG_HOLD): to be forwarded the same way when it was
 * accepted, to be dropped when it was not. The caller drops them, with pkt_discard(): a
 * fragment that waited may belong to the burst being processed, which must not free it
 * under the pipeline. Returns how many were handed back. */
unsigned frag_decided(struct frag_table *t, const struct frag_key *k, bool accepted, uint64_t now_ms,
		      struct pkt_buf **released);
/* The same, with the addresses an accepted first fragment left with (NULL or !out->set:
 * unchanged). */
unsigned frag_decided_out(struct frag_table *t, const struct frag_key *k, bool accepted, const struct frag_out *out,
			  uint64_t now_ms, struct pkt_buf **released);

/* Forgets up to budget expired entries (round robin), dropping what still waits. */
void frag_sweep(struct frag_table *t, uint64_t now_ms, unsigned budget);

const struct frag_counters *frag_counters(const struct frag_table *t);
unsigned frag_in_use(const struct frag_table *t);
void frag_counters_format(const struct frag_table *t, void (*emit)(void *arg, const char *line), void *arg);

#endif
