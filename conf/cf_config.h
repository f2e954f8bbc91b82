/* cf_config.h - conf/, the rule language (docs/RULES.md) every engine's config is
 * written in, and the declarations the engines share. The module's headers: cf_lex.h
 * tokenizes, cf_value.h reads the values inside words (addresses, prefixes, ranges, MACs),
 * cf_parse.h is the parser's state and helpers, with which engines write their own
 * statements, and this one says what a text declares and reads it (cf_parse):
 *
 *   interface lan { address 192.168.1.1/24; address 2001:db8:1::1/64 }
 *   interface office { vlan 10 on lan; address 192.168.10.1/24 }
 *   route 0.0.0.0/0 via 203.0.113.1 dev wan
 *   neighbor 203.0.113.1 lladdr 02:00:00:00:00:fe dev wan
 *   set trusted ipv4 { 10.0.0.0/8, 192.168.0.0/16 }
 *   set web port { 80, 443, 8000-8080 }
 *   conntrack { max 1000000; timeout tcp_established 86400; loose off }
 *   management { interface lan; address 192.168.1.250/24 }
 *
 * An engine adds its statements as an extension (struct cf_ext): "chain HOOK ..." for the
 * hooks it declares (the firewall's input, forward and output: firewall/fw_config.h; the
 * NAT's prerouting and postrouting), and top-level words of its own. One text may hold
 * several engines' statements: cf_parse takes every extension the app runs.
 *
 * cf_parse() reads the whole text or nothing: on the first error it returns -1 with one
 * FILE:LINE:COL message and the declarations left empty, so a running config is never
 * half-replaced. conf/ depends on dataplane/ only (ct.h's struct ct_config), never on an
 * engine.
 */
#ifndef SLUICE_CF_CONFIG_H
#define SLUICE_CF_CONFIG_H

#include "cf_value.h"
#include "ct.h"

#define CF_NAME_MAX 16
#define CF_MAX_IFACES 16          /* ports' and VLAN interfaces together */
#define CF_MAX_ADDRS 8
#define CF_MAX_ROUTES 256
#define CF_MAX_NEIGHBORS 256
#define CF_MAX_SETS 64
#define CF_MAX_SET_ITEMS 4096
#define CF_MTU_DEFAULT 1500
#define CF_MTU_MIN 576
#define CF_MTU_MAX 9216

struct cf_iface {
	char name[CF_NAME_MAX];
	struct cf_prefix addr[CF_MAX_ADDRS]; /* host address and the connected prefix length */
	unsigned n_addr;
	uint32_t mtu;                        /* largest IP datagram it sends, bytes */
	bool has_mac;                        /* mac given: else the port's own (a VLAN's parent's) */
	uint8_t mac[6];
	int parent;                          /* -1: the interface of a port; else a VLAN interface
	                                        on the interface parent (one of a port's) */
	uint16_t vlan;                       /* its VLAN ID (1-4094), 0 for a port's */
	unsigned line, col;                  /* where it was declared */
};

struct cf_route {
	struct cf_prefix dst;
	struct cf_prefix via;                /* family 0: none (directly connected) */
	int dev;                             /* index in ifaces, or -1 */
	unsigned line, col;                  /* where it was declared */
};

struct cf_neighbor {
	struct cf_prefix addr;               /* one address (/32 or /128) */
	uint8_t mac[6];
	int dev;                             /* index in ifaces */
	unsigned line, col;
};

enum cf_set_kind { CF_SET_IPV4, CF_SET_IPV6, CF_SET_PORT };

struct cf_set {
	char name[CF_NAME_MAX];
	enum cf_set_kind kind;
	unsigned n;
	struct cf_prefix *prefixes;          /* IPV4, IPV6 */
	struct cf_range *ranges;             /* PORT */
	unsigned line, col;
};

/* management { interface NAME; address dhcp | A.B.C.D/N | ADDR6/64; gateway ADDR; slaac;
 * metrics port N; control port N }: the appliance's own addresses (its host stack, apps/mgmt.h), in-band
 * on an interface's port, or without 'interface' on the management port the platform
 * gives (sluice run -p, mgmt=, --mgmt-port). spec is the same in the form the platforms'
 * options take ("port=N," is the app's to add: it knows the interface's port). */
struct cf_mgmt {
	bool declared;
	unsigned line, col;                  /* the word 'management' */
	int iface;                           /* -1: the platform's management port */
	char spec[192];                      /* "ip=10.0.0.250/24,gw=10.0.0.1,ip6=fd00::250/64" */
	uint16_t metrics_port;               /* 0: the default (9100) */
	uint16_t ctl_port;                   /* the control socket's, 0: the default (7443) */
};

/* What a text declares, shared by every engine. Names are resolved against it, so an
 * engine's statements refer to an interface or a set by its index here. */
struct cf_config {
	struct cf_iface iface[CF_MAX_IFACES];
	unsigned n_iface;
	struct cf_route route[CF_MAX_ROUTES];
	unsigned n_route;
	struct cf_neighbor neighbor[CF_MAX_NEIGHBORS]; /* static: never resolved, never forgotten */
	unsigned n_neighbor;
	struct cf_set set[CF_MAX_SETS];
	unsigned n_set;
	struct ct_config ct;                 /* the defaults unless a conntrack block says otherwise */
	unsigned ct_line, ct_col;            /* where the conntrack block is, 0 when none */
	bool ct_max_set;                     /* the block gave max (else the default) */
	uint32_t ct_timeout_set;             /* the timeouts the block gave (bit: enum ct_timeout) */
	struct cf_mgmt mgmt;
};

struct cf_parser;                            /* cf_parse.h */

/* An engine's statements. cf_parse reads the shared statements (interface, route,
 * neighbor, set, conntrack, management) itself and hands the extensions the rest:
 *
 * - "chain HOOK ...": an extension declares the hooks it takes (hooks, NULL-terminated);
 *   cf_parse reads 'chain' and matches the hook word, then calls chain() with the current
 *   token at the hook word (not consumed) and hook its index in that list. chain() reads
 *   the rest of the statement and its end. A hook no extension declares is refused at
 *   the hook word, with every extension's hooks listed ("expected a chain: input, forward
 *   or output, got 'x'"); a hook belongs to the first extension that declares it.
 * - any other top-level word: each extension's stmt() in turn, until one takes it. words
 *   (NULL-terminated) are the top-level words stmt() takes, listed in the message at a
 *   word nobody takes ("expected 'interface', ..., 'management' or 'nat', got 'table'").
 *   When no extension declares a hook, 'chain' is such a word too.
 *
 * chain() and stmt() return 0 when the statement and its end were read, -1 on an error
 * (its message in ps->err: cf_error, cfp_expected), and stmt() 1 when the word is not its
 * own, with nothing consumed (one that looked ahead puts the parser back: cfp_save,
 * cfp_restore). Either may be NULL (hooks count only with a chain()). An extension's
 * statements may name what was declared before them, found in ps->cfg (cf_config_iface,
 * cf_config_set) and kept by index in that cf_config, the one passed to cf_parse.
 *
 * What an extension reads goes into its ctx, which belongs to the extension's owner: on
 * an error cf_parse empties the declarations (cf_config_free) but leaves the contexts to
 * their owner to free (fw_config_parse frees the firewall's chains). */
struct cf_ext {
	const char *name;                    /* "firewall", "nat": for messages */
	const char *const *hooks;            /* the chains' hooks it takes, or NULL */
	int (*chain)(struct cf_parser *ps, void *ctx, unsigned hook);
	const char *const *words;            /* the top-level words stmt takes, or NULL */
	int (*stmt)(struct cf_parser *ps, void *ctx);
	void *ctx;
};

/* Parses text (len bytes, named file in messages) into cfg, with the statements of the
 * n_ext extensions in ext. cfg must be zeroed or freed; it is emptied and given the
 * defaults first (conntrack's). 0, or -1 with one FILE:LINE:COL message in err and cfg
 * left empty. */
int cf_parse(struct cf_config *cfg, const struct cf_ext *ext, unsigned n_ext, const char *file, const char *text,
	     size_t len, struct cf_err *err);
/* Frees what cfg holds (the sets' elements) and empties it. */
void cf_config_free(struct cf_config *cfg);
/* The index of the interface named name (len bytes), or -1. */
int cf_config_iface(const struct cf_config *cfg, const char *name, size_t len);
/* The set named name (len bytes), or NULL. */
const struct cf_set *cf_config_set(const struct cf_config *cfg, const char *name, size_t len);

#endif
