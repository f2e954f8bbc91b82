/* nat_conf.h - NAT44 in the rule language (docs/NAT.md), following nftables' NAT syntax
 * where it fits, read as an extension of conf/'s parser (cf_config.h) so that one text
 * holds the interfaces, routes and sets, the NAT's chains and, in the nat appliance, the
 * firewall's chains too:
 *
 *   nat { filtering address-dependent; host-limit 8192; ports 1024-65535; log off }
 *   chain prerouting {
 *       iif wan tcp dport 8080 dnat to 192.168.1.10:80
 *       iif wan udp dport 5000-5010 dnat to 192.168.1.20
 *   }
 *   chain postrouting {
 *       oif wan ip saddr 192.168.1.0/24 masquerade
 *       oif wan ip saddr 100.64.0.0/16 snat to 198.51.100.0/28 deterministic block 2016
 *       oif wan ip saddr 10.0.0.0/8 snat to 203.0.113.10-203.0.113.20:1024-65535
 *   }
 *
 * A chain's rules are tried in order for a connection's first packet only, the first
 * that matches decides (a rule whose action is 'accept' exempts the connection from
 * translation); established connections keep what their first packet got. The matches
 * are the firewall's, in a subset that fits a connection's first packet: iif, oif, ip
 * saddr/daddr (prefix or @set, negated with !=), meta l4proto, tcp/udp sport/dport.
 */
#ifndef SLUICE_NAT_CONF_H
#define SLUICE_NAT_CONF_H

#include "cf_config.h"
#include "nat_map.h"

#define NAT_MAX_RULES 256              /* per chain */

enum nat_hook { NAT_HOOK_PRE, NAT_HOOK_POST, NAT_HOOK__COUNT };
enum nat_action { NAT_A_ACCEPT, NAT_A_SNAT, NAT_A_MASQUERADE, NAT_A_DNAT };

struct nat_addr_match {
	uint8_t kind;                      /* 0: none, 1: prefix, 2: set */
	bool neg;
	int set;                           /* index in the cf_config's sets */
	struct cf_prefix prefix;
};

struct nat_port_match {
	bool on, neg;
	uint16_t lo, hi;
};

struct nat_match {
	int iif, oif;                      /* interface index, -1: any */
	bool iif_neg, oif_neg;
	uint8_t proto;                     /* 0: any; 6, 17, 1 */
	struct nat_addr_match saddr, daddr;
	struct nat_port_match sport, dport;
};

struct nat_rule {
	struct nat_match m;
	enum nat_action action;
	uint16_t pool;                     /* SNAT, MASQUERADE: its pool in nat_config.pool */
	uint32_t to;                       /* DNAT: the new destination address (host order) */
	uint16_t to_port_lo, to_port_hi;   /* DNAT: 0: the port stays; else a port, or a range
	                                      as long as the rule's dport range, port for port */
	unsigned line, col;
};

struct nat_config {
	bool declared;                     /* any NAT statement at all */
	unsigned line, col;                /* the nat block's, 0 when none */
	enum nat_filter filter;            /* default address-dependent (RFC 4787 REQ-8) */
	uint32_t host_limit;               /* sessions per inside host and pool, 0: none */
	uint16_t port_lo, port_hi;         /* SNAT's ports unless a rule says (1024-65535) */
	bool log;                          /* a line per mapping made and freed */
	bool chain_declared[NAT_HOOK__COUNT];
	struct nat_rule rule[NAT_HOOK__COUNT][NAT_MAX_RULES];
	unsigned n_rule[NAT_HOOK__COUNT];
	struct nat_pool pool[NAT_MAX_RULES];
	uint16_t pool_oif[NAT_MAX_RULES];  /* the interface a pool's addresses live on (ARP) */
	unsigned n_pool;
};

/* Defaults into c (zeroed first). */
void nat_config_init(struct nat_config *c);
/* The extension that reads NAT statements into c (initialised): chain prerouting,
 * chain postrouting and the nat block. */
void nat_config_ext(struct nat_config *c, struct cf_ext *out);

/* The connection timeouts a NAT wants unless the config's conntrack block sets them:
 * RFC 4787 REQ-5 (UDP: 5 minutes), RFC 5382 REQ-5 (TCP established: 2 hours 4 minutes,
 * transitory: 4 minutes), RFC 5508 REQ-1 (ICMP queries: 60 seconds). */
void nat_ct_defaults(struct ct_config *ct);

#endif
