#include "hosted_mem.h"

#include "pkt.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE (2ul << 20)

static void advise_huge(void *p, size_t len)
{
	uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(HUGE_PAGE - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);   /* advice: refused is fine */
}

void hosted_mem_init(void)
{
	pkt_mem_set_large_hook(advise_huge);
}
