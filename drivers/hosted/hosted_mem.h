/* hosted_mem.h - the hosted platform's memory hook for the dataplane's large tables
 * (pkt_mem_large): Linux transparent huge pages, asked for with madvise(MADV_HUGEPAGE)
 * over the 2 MiB-aligned interior of each table, so that the kernel backs it with huge
 * pages even when THP is set to "madvise" (Debian's default). hosted_mem_init() installs
 * it; without THP the advice is refused and tables stay on 4 KiB pages, as before. */
#ifndef SLUICE_HOSTED_MEM_H
#define SLUICE_HOSTED_MEM_H

void hosted_mem_init(void);

#endif
