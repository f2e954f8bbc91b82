/* virtq.h - split virtqueues (virtio 1.x, 2.6), internal to drivers/virtio.
 *
 * Every chain is one descriptor and carries one pool buffer, recorded by descriptor id.
 * The driver publishes descriptors in batches (virtq_publish) and asks the device to look
 * only when the device said it wants to be told (EVENT_IDX: avail_event; otherwise the
 * NO_NOTIFY flag). Interrupts are suppressed: the driver polls the used ring.
 */
#ifndef SLUICE_VIRTQ_H
#define SLUICE_VIRTQ_H

#include "pkt.h"

#include <stdbool.h>
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* then avail_event */
};

struct virtq {
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	struct pkt_buf **bufs;      /* by descriptor id; NULL when the descriptor is free */
	uint16_t *free_ids;         /* stack of free descriptor ids */
	uint16_t n_free;
	uint16_t size, mask;
	uint16_t avail_idx;         /* the driver's copy of avail->idx */
	uint16_t last_used;         /* next used entry to consume */
	uint16_t unkicked;          /* published since the last notification decision */
	bool event_idx;
	void *mem;                  /* the rings, one DMA block */
	size_t mem_bytes;
	const char *broken;         /* why the device broke this ring, or NULL */
};

/* Bytes of ring memory for a queue of size entries, legacy layout (used ring page-aligned). */
static inline size_t virtq_bytes(uint16_t size, size_t *used_off)
{
	size_t a = 16u * size + 6u + 2u * size;
	*used_off = (a + 4095) & ~(size_t)4095;
	return *used_off + ((6u + 8u * size + 4095) & ~(size_t)4095);
}

#define virtq_barrier() __asm__ volatile("" ::: "memory")
#define virtq_full_barrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline volatile uint16_t *virtq_used_event(struct virtq *q) { return &q->avail->ring[q->size]; }
static inline volatile uint16_t *virtq_avail_event(struct virtq *q)
{
	return (volatile uint16_t *)&q->used->ring[q->size];
}

/* Puts buffer p as descriptor chain head on the available ring (not yet visible). */
static inline void virtq_add(struct virtq *q, struct pkt_buf *p, uint64_t addr, uint32_t len, uint16_t flags)
{
	uint16_t id = q->free_ids[--q->n_free];
	struct virtq_desc *d = &q->desc[id];
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	q->bufs[id] = p;
	q->avail->ring[q->avail_idx & q->mask] = id;
	q->avail_idx++;
	q->unkicked++;
}

/* Makes the added descriptors visible; returns true when the device must be notified. */
static inline bool virtq_publish(struct virtq *q)
{
	if (!q->unkicked)
		return false;
	virtq_barrier(); /* descriptors and ring entries before the index (x86 keeps store order) */
	*(volatile uint16_t *)&q->avail->idx = q->avail_idx;
	uint16_t added = q->unkicked;
	q->unkicked = 0;
	virtq_full_barrier(); /* the index store before reading what the device asked for */
	if (q->event_idx) {
		uint16_t event = *virtq_avail_event(q), now = q->avail_idx, old = (uint16_t)(now - added);
		return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
	}
	return !(*(volatile uint16_t *)&q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

/* Used entries ready to consume; 0 and q->broken set when the device ran past the ring. */
static inline uint16_t virtq_used_ready(struct virtq *q)
{
	uint16_t n = (uint16_t)(*(volatile uint16_t *)&q->used->idx - q->last_used);
	if (__builtin_expect(n > q->size - q->n_free, 0)) {
		q->broken = "the used index ran past the descriptors in flight";
		return 0;
	}
	virtq_barrier(); /* the index before the entries it covers (x86 keeps load order) */
	return n;
}

/* Takes the next used entry: its buffer, or NULL with q->broken set for a bad id. */
static inline struct pkt_buf *virtq_take(struct virtq *q, uint32_t *len)
{
	const struct virtq_used_elem *e = &q->used->ring[q->last_used & q->mask];
	uint32_t id = e->id;
	*len = e->len;
	if (__builtin_expect(id >= q->size || !q->bufs[id], 0)) {
		q->broken = id >= q->size ? "the used ring named a descriptor id past the ring"
					  : "the used ring named a descriptor that was not in flight";
		return NULL;
	}
	struct pkt_buf *p = q->bufs[id];
	q->bufs[id] = NULL;
	q->free_ids[q->n_free++] = (uint16_t)id;
	q->last_used++;
	return p;
}

/* Keeps the device from interrupting: the used event stays half the index space away. */
static inline void virtq_quiet(struct virtq *q)
{
	if (q->event_idx)
		*virtq_used_event(q) = (uint16_t)(q->last_used + 0x8000u);
}

#endif
