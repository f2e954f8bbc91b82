/* fw_rule.h - chains of rules, as the parser reads them (docs/RULES.md), before the
 * classifier compiles them. A rule is a list of matches (all must hold) and a verdict.
 *
 *   chain forward policy drop {
 *       ct state established,related accept
 *       iif lan oif wan ip saddr @trusted tcp dport { 80, 443 } counter accept
 *       ip6 saddr != 2001:db8::/32 drop
 *       tcp flags syn,!ack limit rate 100/second accept
 *       icmp type echo-request accept
 *       reject with icmp port-unreachable
 *   }
 */
#ifndef SLUICE_FW_RULE_H
#define SLUICE_FW_RULE_H

#include "cf_value.h"

#define FW_MAX_MATCHES 12
#define FW_MAX_LIST 16       /* values in an inline { a, b, ... } list */

enum fw_field {
	FW_M_IIF, FW_M_OIF,            /* u.iface */
	FW_M_ETHER_TYPE,               /* u.range over the ethertype */
	FW_M_VLAN_ID,                  /* u.range */
	FW_M_IP_SADDR, FW_M_IP_DADDR,  /* u.prefix or set */
	FW_M_IP6_SADDR, FW_M_IP6_DADDR,
	FW_M_L4PROTO,                  /* u.range over the IP protocol */
	FW_M_SPORT, FW_M_DPORT,        /* u.list of ranges or set; proto says tcp (6) or udp (17) */
	FW_M_TCP_FLAGS,                /* u.flags */
	FW_M_ICMP_TYPE, FW_M_ICMP6_TYPE, /* u.icmp */
	FW_M_CT_STATE,                 /* u.ct_states: FW_CT_* bits */
	FW_M_LENGTH,                   /* u.range over the frame length */
};

#define FW_CT_NEW 1u
#define FW_CT_ESTABLISHED 2u
#define FW_CT_RELATED 4u
#define FW_CT_INVALID 8u

struct fw_match {
	enum fw_field field;
	bool negate;                   /* "!=" */
	uint8_t proto;                 /* for ports: 6 or 17 */
	int set;                       /* index of a named set, or -1 */
	union {
		int iface;
		struct cf_prefix prefix;
		struct { struct cf_range r[FW_MAX_LIST]; unsigned n; } list;
		struct { uint8_t set, clear; } flags;      /* TCP flag bits that must be 1 / must be 0 */
		struct { uint8_t type; int16_t code; } icmp; /* code -1: any */
		uint8_t ct_states;
	} u;
};

enum fw_verdict { FW_NONE, FW_ACCEPT, FW_DROP, FW_REJECT };
enum fw_reject { FW_REJECT_AUTO, FW_REJECT_TCP_RESET, FW_REJECT_ICMP, FW_REJECT_ICMP6 };

struct fw_rule {
	struct fw_match *m;            /* n_match of them, allocated to size (NULL when none) */
	unsigned n_match;
	enum fw_verdict verdict;
	enum fw_reject reject_with;
	uint8_t reject_code;           /* ICMP/ICMPv6 unreachable code */
	bool counter;
	bool log;
	char log_prefix[32];
	uint32_t limit_rate;           /* packets per limit_per_s seconds, 0: no limit */
	uint32_t limit_per_s;
	uint32_t limit_burst;
	unsigned line, col;
};
/* Matches live apart, at their number: a chain of 10,000 rules is a few MB, not 18. */
_Static_assert(sizeof(struct fw_rule) <= 96, "a rule keeps its matches out of line");

enum fw_hook { FW_HOOK_INPUT, FW_HOOK_FORWARD, FW_HOOK_OUTPUT, FW_HOOK__COUNT };

struct fw_chain {
	bool declared;
	enum fw_verdict policy;        /* FW_ACCEPT or FW_DROP */
	struct fw_rule *rules;
	unsigned n_rules, cap;
	unsigned line, col;
};

#endif
