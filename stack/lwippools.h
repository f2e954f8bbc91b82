/* lwippools.h - lwIP's heap as fixed-size pools (MEM_USE_POOLS), the server sizes only
 * (lwipopts.h, SLUICE_STK_SERVER). A server allocates a small PBUF_RAM for the headers of
 * every segment it sends without a copy, and an MSS-sized one for every segment it copies
 * (response heads, TLS records); lwIP's first-fit heap walks its list of blocks for each,
 * and with thousands of segments in flight that walk was a seventh of a server's time.
 * From pools, an allocation is O(1); one that finds its pool empty takes the next larger
 * (MEM_USE_POOLS_TRY_BIGGER_POOL), and past the largest it fails (ERR_MEM: TCP waits).
 * Included by lwIP's memp_std.h, several times, with the macros redefined. */
#if defined(SLUICE_STK_SERVER) && MEM_USE_POOLS
LWIP_MALLOC_MEMPOOL_START
LWIP_MALLOC_MEMPOOL(8192, 192)     /* the headers of a no-copy segment, ARP, ND, small replies */
LWIP_MALLOC_MEMPOOL(1024, 640)     /* DHCP, ICMP and TCP control with options */
LWIP_MALLOC_MEMPOOL(4096, 1664)    /* a copied segment (MSS + headers), a whole frame */
LWIP_MALLOC_MEMPOOL_END
#endif
