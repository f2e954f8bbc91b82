/* The image's C library, under kern_ names so that the same code builds and is tested on
 * the host next to glibc (tests/unit/test_libc.c); api.c gives it the standard names
 * inside the image only. */
#ifndef SLUICE_LIBC_IMPL_H
#define SLUICE_LIBC_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kern_heap_stats {
	uint64_t pages;           /* pages the heap holds */
	uint64_t small_in_use;    /* blocks of 2 KiB and less handed out */
	uint64_t large_in_use;    /* page-sized blocks handed out */
	uint64_t bytes_requested; /* sum of sizes ever asked for */
};

/* heap.c: pages come from the platform (kern_page_alloc in the image). */
void kern_heap_init(void *(*alloc_pages)(size_t n), void (*free_pages)(void *p, size_t n));
void *kern_malloc(size_t size);
void kern_free(void *p);
void *kern_calloc(size_t n, size_t size);
void *kern_realloc(void *p, size_t size);
void *kern_aligned_alloc(size_t align, size_t size); /* align: a power of two up to 4096 */
void kern_heap_stats(struct kern_heap_stats *out);

/* stdlib.c */
unsigned long long kern_strtoull(const char *s, char **end, int base, int *err);
long long kern_strtoll(const char *s, char **end, int base, int *err);
void kern_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* Called on heap corruption and similar: never returns (kern_panic in the image). */
__attribute__((noreturn)) void kern_libc_fatal(const char *why);

#endif
