/* stk_hooks.h - the lwIP hooks Sluice implements (LWIP_HOOK_FILENAME in lwipopts.h);
 * included by lwIP's own sources, defined in stack/stk.c. */
#ifndef SLUICE_STK_HOOKS_H
#define SLUICE_STK_HOOKS_H

#include "lwip/ip_addr.h"

struct netif;

/* RFC 6528: a 4-microsecond clock plus a keyed hash (SipHash-2-4, a key from plat_random)
 * of the connection's addresses and ports. */
u32_t stk_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip, u16_t remote_port);

/* The static IPv6 gateway of netif (gw6=) for a destination off its link, or NULL: then
 * lwIP picks a router it learned from advertisements. */
const ip6_addr_t *stk_nd6_gateway(struct netif *netif, const ip6_addr_t *dest);

#endif
