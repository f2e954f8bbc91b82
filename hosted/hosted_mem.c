#include "hosted_mem.h"

#include "pkt.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE (2ul << 20)
#define SMALL_PAGE 4096ul

static void advise_large(void *p, size_t len)
{
	uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(HUGE_PAGE - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
	/* the whole pages inside the table, now rather than on the packet path; not a table
	 * of more than a quarter of the host's memory, which fills in as used, as before */
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || page <= 0 || len > (size_t)pages / 4 * (size_t)page)
		return;
	start = ((uintptr_t)p + SMALL_PAGE - 1) & ~(SMALL_PAGE - 1);
	end = ((uintptr_t)p + len) & ~(SMALL_PAGE - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

void hosted_mem_init(void)
{
	pkt_mem_set_large_hook(advise_large);
}
