/* The image's heap: power-of-two size classes from 32 B to 2 KiB carved out of pages, and
 * whole pages for anything larger. Each block has a 16-byte header saying which, so
 * free() and realloc() need no search. Not for the packet path: pools are. */
#include "libc_impl.h"

#include <string.h>

#define PAGE 4096u
#define MIN_SHIFT 5 /* 32 B: a free block holds its header and a next pointer */
#define MAX_SHIFT 11
#define N_CLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define MAGIC_SMALL 0x5a11u
#define MAGIC_LARGE 0x1a46u
#define MAGIC_FREE 0xf4eeu

struct hdr {
	uint32_t magic;
	uint32_t cls;      /* small: size class; large: pages */
	uint32_t align_off; /* bytes from the allocation's start to this header (aligned blocks) */
	uint32_t aligned_size; /* aligned blocks: bytes usable from the aligned address */
};
_Static_assert(sizeof(struct hdr) == 16, "header keeps 16-byte alignment");

struct free_blk {
	struct hdr h;
	struct free_blk *next;
};

static struct free_blk *free_lists[N_CLASSES];
static void *(*get_pages)(size_t n);
static void (*put_pages)(void *p, size_t n);
static struct kern_heap_stats stats;

void kern_heap_init(void *(*alloc_pages)(size_t n), void (*free_pages)(void *p, size_t n))
{
	get_pages = alloc_pages;
	put_pages = free_pages;
	memset(free_lists, 0, sizeof(free_lists));
	memset(&stats, 0, sizeof(stats));
}

void kern_heap_stats(struct kern_heap_stats *out) { *out = stats; }

static unsigned class_of(size_t total)
{
	unsigned c = 0;
	while (((size_t)1 << (c + MIN_SHIFT)) < total)
		c++;
	return c;
}

static bool refill(unsigned c)
{
	uint8_t *page = get_pages ? get_pages(1) : NULL;
	if (!page)
		return false;
	stats.pages += 1;
	size_t bs = (size_t)1 << (c + MIN_SHIFT);
	for (size_t off = 0; off + bs <= PAGE; off += bs) {
		struct free_blk *b = (struct free_blk *)(page + off);
		b->h.magic = MAGIC_FREE;
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return true;
}

void *kern_malloc(size_t size)
{
	if (size > ((size_t)1 << 40))
		return NULL;
	size_t total = size + sizeof(struct hdr);
	struct hdr *h;
	if (total <= ((size_t)1 << MAX_SHIFT)) {
		unsigned c = class_of(total);
		if (!free_lists[c] && !refill(c))
			return NULL;
		struct free_blk *b = free_lists[c];
		free_lists[c] = b->next;
		h = &b->h;
		h->magic = MAGIC_SMALL;
		h->cls = c;
		stats.small_in_use++;
	} else {
		size_t pages = (total + PAGE - 1) / PAGE;
		h = get_pages ? get_pages(pages) : NULL;
		if (!h)
			return NULL;
		stats.pages += pages;
		h->magic = MAGIC_LARGE;
		h->cls = (uint32_t)pages;
		stats.large_in_use++;
	}
	h->align_off = 0;
	stats.bytes_requested += size;
	return h + 1;
}

static struct hdr *header(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;
	if (h->magic == MAGIC_SMALL || h->magic == MAGIC_LARGE)
		return h;
	return NULL;
}

void kern_free(void *p)
{
	if (!p)
		return;
	struct hdr *h = header(p);
	if (!h)
		kern_libc_fatal("free(): not a heap block or freed twice");
	if (h->align_off) { /* an aligned block: its real header sits before the allocation */
		uint8_t *base = (uint8_t *)h - h->align_off;
		h->magic = 0;
		kern_free(base + sizeof(struct hdr));
		return;
	}
	if (h->magic == MAGIC_SMALL) {
		struct free_blk *b = (struct free_blk *)h;
		unsigned c = h->cls;
		b->h.magic = MAGIC_FREE;
		b->next = free_lists[c];
		free_lists[c] = b;
		stats.small_in_use--;
	} else {
		size_t pages = h->cls;
		h->magic = MAGIC_FREE;
		stats.large_in_use--;
		stats.pages -= pages;
		if (put_pages)
			put_pages(h, pages);
	}
}

static size_t usable(struct hdr *h)
{
	if (h->magic == MAGIC_SMALL)
		return ((size_t)1 << (h->cls + MIN_SHIFT)) - sizeof(struct hdr);
	return (size_t)h->cls * PAGE - sizeof(struct hdr);
}

void *kern_calloc(size_t n, size_t size)
{
	if (size && n > ((size_t)-1) / size)
		return NULL;
	void *p = kern_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *kern_realloc(void *p, size_t size)
{
	if (!p)
		return kern_malloc(size);
	if (!size) {
		kern_free(p);
		return NULL;
	}
	struct hdr *h = header(p);
	if (!h)
		kern_libc_fatal("realloc(): not a heap block");
	size_t have = h->align_off ? h->aligned_size : usable(h);
	if (size <= have)
		return p;
	void *q = kern_malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	kern_free(p);
	return q;
}

void *kern_aligned_alloc(size_t align, size_t size)
{
	if (!align || (align & (align - 1)) || align > PAGE)
		return NULL;
	if (align <= 16)
		return kern_malloc(size);
	uint8_t *base = kern_malloc(size + align + sizeof(struct hdr));
	if (!base)
		return NULL;
	uintptr_t start = (uintptr_t)base + sizeof(struct hdr);
	uintptr_t aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
	struct hdr *h = (struct hdr *)aligned - 1;
	struct hdr *real = (struct hdr *)base - 1;
	if (h == real)
		return base;
	h->magic = real->magic;
	h->cls = real->cls;
	h->align_off = (uint32_t)((uint8_t *)h - (uint8_t *)real);
	h->aligned_size = (uint32_t)(usable(real) - (aligned - (uintptr_t)base));
	return (void *)aligned;
}
