/* pkt.h - packet buffers and pools, the zero-copy unit of the Sluice dataplane.
 *
 * A struct pkt_buf describes one Ethernet frame held in a buffer that belongs to a pool.
 * Ownership is by pointer: whoever holds a pkt_buf owns it until it hands it on
 * (vnet_tx_burst() takes the packets it reports as sent; pkt_free_burst() takes all).
 * Payload is never copied between RX and TX: stages edit the frame in place and may grow
 * it at the front (encapsulation, the virtio header) out of the headroom.
 *
 *   buf                      data                  data+len              buf+buf_len
 *   |<------ headroom ------>|<------ frame ------>|<------ tailroom ----->|
 *
 * A pool hands out buffers in O(1) with burst alloc/free. Two implementations share this
 * API: the native pool below (the image's own memory, the libpcap backend, tests) and
 * the DPDK backend's pool over rte_mempool, whose pkt_buf lives in the rte_mbuf private
 * area so that RX and TX hand the same memory to the NIC. A pool is used by one worker
 * at a time; nothing here takes a lock.
 */
#ifndef SLUICE_PKT_H
#define SLUICE_PKT_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_BURST 32          /* packets per burst through the pipeline */
#define PKT_HEADROOM 128      /* bytes in front of a freshly allocated frame */
#define PKT_DATAROOM 2048     /* largest frame a buffer holds */
#define PKT_MAX_PORTS 8       /* ports one appliance can have */

/* Parser output: offsets are from pkt->data; filled by pkt_parse() (pkt_parse.h). */
struct pkt_meta {
	uint16_t l3_off;       /* start of the network header (after VLAN tags) */
	uint16_t l4_off;       /* what follows the IP headers: the transport header if PKT_F_L4 */
	uint16_t l3_end;       /* end of the IP datagram (excludes Ethernet padding) */
	uint16_t ethertype;    /* innermost ethertype, host order */
	uint16_t vlan;         /* outer VLAN TCI, host order (valid if n_vlan > 0) */
	uint16_t inner_vlan;   /* inner VLAN TCI (valid if n_vlan > 1) */
	uint8_t n_vlan;        /* 0, 1 or 2 tags */
	uint8_t l3;            /* enum pkt_l3 */
	uint8_t l4proto;       /* final IP protocol number (after IPv6 extension headers) */
	uint8_t flags;         /* PKT_F_* */
};

enum pkt_l3 { PKT_L3_NONE = 0, PKT_L3_ARP, PKT_L3_IPV4, PKT_L3_IPV6, PKT_L3_OTHER };

#define PKT_F_PARSED   0x01u  /* pkt_parse() succeeded on this frame */
#define PKT_F_FRAG     0x02u  /* an IPv4 fragment or IPv6 Fragment header (not atomic) */
#define PKT_F_FRAG_NF  0x04u  /* a non-first fragment: no transport header here */
#define PKT_F_IP_OPTS  0x08u  /* IPv4 options or IPv6 extension headers present */
#define PKT_F_L4       0x10u  /* transport header (TCP/UDP/ICMP/ICMPv6) parsed and whole */

/* Checks a device did on receive (DPDK's RX checksum offloads), so that software need not
 * do them again. Set by the receive path only, for the frame as it arrived; a stage that
 * changes a covered field keeps the checksum right (incrementally), so they stay true. */
#define PKT_OL_IP4_CSUM_GOOD 0x01u  /* the IPv4 header checksum verified */
#define PKT_OL_L4_CSUM_GOOD  0x02u  /* the TCP or UDP checksum verified */

struct pkt_pool;

struct pkt_buf {
	/* first cache line: what RX, the parser and the pipeline touch */
	uint8_t *data;         /* first byte of the frame */
	uint16_t len;          /* frame length in bytes */
	uint16_t port;         /* port it arrived on */
	uint16_t verdict;      /* PKT_V_* (pkt_pipe.h), reset on alloc */
	uint16_t ol_flags;     /* PKT_OL_*: what the device verified on receive, reset on alloc */
	uint32_t hash;         /* flow hash, if a stage computed one */
	uint32_t buf_len;      /* bytes from buf to the end of the buffer */
	struct pkt_meta meta;
	uint8_t *buf;          /* start of the buffer */
	struct pkt_pool *pool; /* owner, for freeing */
	void *handle;          /* backend object behind the buffer (rte_mbuf), or NULL */
};
static_assert(offsetof(struct pkt_buf, meta) + sizeof(struct pkt_meta) <= 64,
	      "parser-hot fields must stay in the first cache line");
static_assert(sizeof(struct pkt_buf) == 64, "pkt_buf is one cache line");

struct pkt_pool_ops {
	const char *kind;
	/* Allocate up to n buffers into out[]; returns how many. Each is reset as by pkt_reset(). */
	unsigned (*alloc_burst)(struct pkt_pool *pool, struct pkt_buf **out, unsigned n);
	/* Return n buffers, all owned by this pool. */
	void (*free_burst)(struct pkt_pool *pool, struct pkt_buf **pkts, unsigned n);
};

struct pkt_pool {
	const struct pkt_pool_ops *ops;
	const char *name;
	uint32_t size;         /* buffers in the pool */
	uint32_t avail;        /* buffers free now (native pools) */
	uint64_t alloc_fails;  /* requests that got fewer buffers than asked */
	struct pkt_buf **stack;/* native: free buffers, top at avail-1 */
	void *mem;             /* native: one allocation holding descriptors and data */
	void *priv;            /* backend pools: their own object */
};

/* Native pool of n buffers of PKT_HEADROOM + PKT_DATAROOM bytes each. NULL when out of memory. */
struct pkt_pool *pkt_pool_create(const char *name, uint32_t n);

/* Frees the pool; every buffer must have come back. */
void pkt_pool_destroy(struct pkt_pool *pool);

/* Large tables read at random (a connection table's arrays) tell the platform so, before
 * first touching them, with pkt_mem_large(): a hosted platform backs them with huge pages
 * where it can, so that a lookup does not also miss the TLB, and faults them in at once,
 * so that the packet path takes no page faults (the contents are kept). Nothing happens
 * until the platform sets its hook (once, before any table is made); the image maps all
 * its memory with large pages already. */
void pkt_mem_set_large_hook(void (*hook)(void *p, size_t len));
void pkt_mem_large(void *p, size_t len);

static inline unsigned pkt_alloc_burst(struct pkt_pool *pool, struct pkt_buf **out, unsigned n)
{
	return pool->ops->alloc_burst(pool, out, n);
}

static inline struct pkt_buf *pkt_alloc(struct pkt_pool *pool)
{
	struct pkt_buf *p;
	return pkt_alloc_burst(pool, &p, 1) ? p : NULL;
}

/* Frees packets that may come from different pools (consecutive runs go back together). */
void pkt_free_burst(struct pkt_buf **pkts, unsigned n);

static inline void pkt_free(struct pkt_buf *p)
{
	p->pool->ops->free_burst(p->pool, &p, 1);
}

/* Puts an empty frame at the default headroom and clears per-packet state. */
static inline void pkt_reset(struct pkt_buf *p)
{
	p->data = p->buf + PKT_HEADROOM;
	p->len = 0;
	p->port = 0;
	p->verdict = 0;
	p->ol_flags = 0;
	p->hash = 0;
	p->meta.flags = 0;
}

static inline uint32_t pkt_headroom(const struct pkt_buf *p) { return (uint32_t)(p->data - p->buf); }
static inline uint32_t pkt_tailroom(const struct pkt_buf *p)
{
	return p->buf_len - pkt_headroom(p) - p->len;
}

/* Grow the frame by n bytes at the front; returns the new start or NULL without headroom. */
static inline uint8_t *pkt_prepend(struct pkt_buf *p, uint16_t n)
{
	if (pkt_headroom(p) < n)
		return NULL;
	p->data -= n;
	p->len = (uint16_t)(p->len + n);
	return p->data;
}

/* Remove n bytes from the front; returns the new start or NULL if the frame is shorter. */
static inline uint8_t *pkt_adj(struct pkt_buf *p, uint16_t n)
{
	if (p->len < n)
		return NULL;
	p->data += n;
	p->len = (uint16_t)(p->len - n);
	return p->data;
}

/* Grow the frame by n bytes at the end; returns the first new byte or NULL without room. */
static inline uint8_t *pkt_append(struct pkt_buf *p, uint16_t n)
{
	if (pkt_tailroom(p) < n || (uint32_t)p->len + n > UINT16_MAX)
		return NULL;
	uint8_t *tail = p->data + p->len;
	p->len = (uint16_t)(p->len + n);
	return tail;
}

#endif
