/* Native packet pool: one allocation, a stack of free descriptors, O(1) per buffer. */
#include "pkt.h"

#include <stdlib.h>
#include <string.h>

#define POOL_BUF_BYTES (PKT_HEADROOM + PKT_DATAROOM)

static unsigned native_alloc_burst(struct pkt_pool *pool, struct pkt_buf **out, unsigned n)
{
	unsigned got = n <= pool->avail ? n : pool->avail;
	if (got < n)
		pool->alloc_fails++;
	struct pkt_buf **top = pool->stack + pool->avail;
	for (unsigned i = 0; i < got; i++) {
		struct pkt_buf *p = *--top;
		pkt_reset(p);
		out[i] = p;
	}
	pool->avail -= got;
	return got;
}

static void native_free_burst(struct pkt_pool *pool, struct pkt_buf **pkts, unsigned n)
{
	assert(pool->avail + n <= pool->size);
	struct pkt_buf **top = pool->stack + pool->avail;
	for (unsigned i = 0; i < n; i++)
		top[i] = pkts[i];
	pool->avail += n;
}

static const struct pkt_pool_ops native_ops = {
	.kind = "native",
	.alloc_burst = native_alloc_burst,
	.free_burst = native_free_burst,
};

static void (*large_hook)(void *p, size_t len);

void pkt_mem_set_large_hook(void (*hook)(void *p, size_t len))
{
	large_hook = hook;
}

void pkt_mem_large(void *p, size_t len)
{
	if (large_hook && p)
		large_hook(p, len);
}

struct pkt_pool *pkt_pool_create(const char *name, uint32_t n)
{
	if (n == 0 || n > (1u << 24))
		return NULL;
	struct pkt_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	size_t desc = (size_t)n * sizeof(struct pkt_buf);
	size_t stack = (size_t)n * sizeof(struct pkt_buf *);
	size_t data = (size_t)n * POOL_BUF_BYTES;
	/* descriptors first (cache-line aligned), data after them, stack at the end */
	/* C11 wants the size a multiple of the alignment */
	uint8_t *mem = aligned_alloc(64, (desc + data + stack + 63) & ~(size_t)63);
	if (!mem) {
		free(pool);
		return NULL;
	}
	struct pkt_buf *bufs = (struct pkt_buf *)mem;
	uint8_t *room = mem + desc;
	pool->ops = &native_ops;
	pool->name = name;
	pool->size = n;
	pool->avail = n;
	pool->mem = mem;
	pool->stack = (struct pkt_buf **)(room + data);
	for (uint32_t i = 0; i < n; i++) {
		struct pkt_buf *p = &bufs[i];
		memset(p, 0, sizeof(*p));
		p->buf = room + (size_t)i * POOL_BUF_BYTES;
		p->buf_len = POOL_BUF_BYTES;
		p->pool = pool;
		pkt_reset(p);
		/* the lowest buffers are handed out first: they sit on top of the stack */
		pool->stack[n - 1 - i] = p;
	}
	return pool;
}

void pkt_pool_destroy(struct pkt_pool *pool)
{
	if (!pool)
		return;
	assert(pool->ops != &native_ops || pool->avail == pool->size);
	free(pool->mem);
	free(pool);
}

void pkt_free_burst(struct pkt_buf **pkts, unsigned n)
{
	unsigned start = 0;
	while (start < n) {
		struct pkt_pool *pool = pkts[start]->pool;
		unsigned end = start + 1;
		while (end < n && pkts[end]->pool == pool)
			end++;
		pool->ops->free_burst(pool, pkts + start, end - start);
		start = end;
	}
}
