/* hosted_mem.h - the hosted platform's memory hook for the dataplane's large tables
 * (pkt_mem_large). Each table gets Linux transparent huge pages, asked for with
 * madvise(MADV_HUGEPAGE) over its 2 MiB-aligned interior (THP set to "madvise", Debian's
 * default, is enough), and is faulted in at once (MADV_POPULATE_WRITE), so that neither
 * TLB misses nor page faults (zeroing a huge page) land on the packet path later. A table
 * of more than a quarter of the host's memory is not faulted in, and advice the kernel
 * refuses changes nothing: such a table fills in as used, as before.
 * hosted_mem_init() installs the hook. */
#ifndef SLUICE_HOSTED_MEM_H
#define SLUICE_HOSTED_MEM_H

void hosted_mem_init(void);

#endif
