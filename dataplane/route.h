/* route.h - longest-prefix-match routing tables for IPv4 and IPv6.
 *
 * A table is built once (rt_add for every route, in any order) and then only read: a
 * reload builds a new one off to the side and swaps the pointer. Lookups walk a
 * multibit trie with 8-bit strides (controlled prefix expansion): at most 4 reads for
 * IPv4 and 16 for IPv6, no division, no allocation, no locks. Each route names a next
 * hop: the port to send on, and a gateway or none (the destination is on the link).
 * Local addresses are host routes of kind RT_LOCAL.
 */
#ifndef SLUICE_ROUTE_H
#define SLUICE_ROUTE_H

#include <stdint.h>

enum rt_kind {
	RT_CONNECTED,   /* the destination is on the port's link: resolve it directly */
	RT_GATEWAY,     /* send to the gateway's link-layer address */
	RT_LOCAL,       /* one of the appliance's own addresses */
};

struct rt_nexthop {
	uint8_t kind;           /* enum rt_kind */
	uint8_t family;         /* 4 or 6 */
	uint16_t port;          /* the link it leaves by: a port, or the caller's interface */
	uint8_t gw[16];         /* RT_GATEWAY: the gateway, network order */
};

#define RT_MAX_NODES 32767      /* trie nodes of 256 entries per table (both families) */
#define RT_MAX_NEXTHOPS 32767

struct rt_table;

struct rt_table *rt_create(void);
void rt_free(struct rt_table *t);
/* What rt_add refuses (a negative return). */
#define RT_ERR_BAD (-1)         /* not a family, or a length longer than the address */
#define RT_ERR_FULL (-2)        /* RT_MAX_NODES or RT_MAX_NEXTHOPS reached */
#define RT_ERR_NOMEM (-3)       /* no memory to grow the table */

/* Adds family's prefix addr/len (host bits beyond len ignored) with its next hop. The same
 * prefix twice: the later wins. Returns 0 or an RT_ERR_* (the table is then only fit to be
 * freed). */
int rt_add(struct rt_table *t, int family, const uint8_t *addr, unsigned len, const struct rt_nexthop *nh);
/* The next hop of the longest prefix holding dst (network order), or NULL: no route. */
const struct rt_nexthop *rt_lookup4(const struct rt_table *t, const uint8_t *dst);
const struct rt_nexthop *rt_lookup6(const struct rt_table *t, const uint8_t *dst);
/* Nodes in use, for reports. */
unsigned rt_nodes(const struct rt_table *t);

#endif
