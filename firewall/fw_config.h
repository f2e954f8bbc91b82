/* fw_config.h - the appliance's declarations in the rule language: interfaces with their
 * addresses, static routes and named sets, and the chains of rules (fw_rule.h).
 *
 *   interface lan { address 192.168.1.1/24; address 2001:db8:1::1/64 }
 *   interface office { vlan 10 on lan; address 192.168.10.1/24 }
 *   route 0.0.0.0/0 via 203.0.113.1 dev wan
 *   neighbor 203.0.113.1 lladdr 02:00:00:00:00:fe dev wan
 *   set trusted ipv4 { 10.0.0.0/8, 192.168.0.0/16 }
 *   set web port { 80, 443, 8000-8080 }
 *   conntrack { max 1000000; timeout tcp_established 86400; loose off }
 *
 * fw_config_parse() reads the whole text or nothing: on the first error it returns -1
 * with one FILE:LINE:COL message and the config left empty, so a running config is never
 * half-replaced.
 */
#ifndef SLUICE_FW_CONFIG_H
#define SLUICE_FW_CONFIG_H

#include "ct.h"
#include "fw_rule.h"
#include "fw_value.h"

#define FW_NAME_MAX 16
#define FW_MAX_IFACES 16          /* ports' and VLAN interfaces together */
#define FW_MAX_ADDRS 8
#define FW_MAX_ROUTES 256
#define FW_MAX_NEIGHBORS 256
#define FW_MAX_SETS 64
#define FW_MAX_SET_ITEMS 4096
#define FW_MTU_DEFAULT 1500
#define FW_MTU_MIN 576
#define FW_MTU_MAX 9216

struct fw_iface {
	char name[FW_NAME_MAX];
	struct fw_prefix addr[FW_MAX_ADDRS]; /* host address and the connected prefix length */
	unsigned n_addr;
	uint32_t mtu;                        /* largest IP datagram it sends, bytes */
	bool has_mac;                        /* mac given: else the port's own (a VLAN's parent's) */
	uint8_t mac[6];
	int parent;                          /* -1: the interface of a port; else a VLAN interface
	                                        on the interface parent (one of a port's) */
	uint16_t vlan;                       /* its VLAN ID (1-4094), 0 for a port's */
	unsigned line, col;                  /* where it was declared */
};

struct fw_route {
	struct fw_prefix dst;
	struct fw_prefix via;                /* family 0: none (directly connected) */
	int dev;                             /* index in ifaces, or -1 */
	unsigned line, col;                  /* where it was declared */
};

struct fw_neighbor {
	struct fw_prefix addr;               /* one address (/32 or /128) */
	uint8_t mac[6];
	int dev;                             /* index in ifaces */
	unsigned line, col;
};

enum fw_set_kind { FW_SET_IPV4, FW_SET_IPV6, FW_SET_PORT };

struct fw_set {
	char name[FW_NAME_MAX];
	enum fw_set_kind kind;
	unsigned n;
	struct fw_prefix *prefixes;          /* IPV4, IPV6 */
	struct fw_range *ranges;             /* PORT */
	unsigned line, col;
};

/* management { interface NAME; address dhcp | A.B.C.D/N | ADDR6/64; gateway ADDR; slaac;
 * metrics port N; control port N }: the appliance's own addresses (its host stack, apps/mgmt.h), in-band
 * on an interface's port, or without 'interface' on the management port the platform
 * gives (sluice run -p, mgmt=, --mgmt-port). spec is the same in the form the platforms'
 * options take ("port=N," is the app's to add: it knows the interface's port). */
struct fw_mgmt {
	bool declared;
	unsigned line, col;                  /* the word 'management' */
	int iface;                           /* -1: the platform's management port */
	char spec[192];                      /* "ip=10.0.0.250/24,gw=10.0.0.1,ip6=fd00::250/64" */
	uint16_t metrics_port;               /* 0: the default (9100) */
	uint16_t ctl_port;                   /* the control socket's, 0: the default (7443) */
};

struct fw_config {
	struct fw_iface iface[FW_MAX_IFACES];
	unsigned n_iface;
	struct fw_route route[FW_MAX_ROUTES];
	unsigned n_route;
	struct fw_neighbor neighbor[FW_MAX_NEIGHBORS]; /* static: never resolved, never forgotten */
	unsigned n_neighbor;
	struct fw_set set[FW_MAX_SETS];
	unsigned n_set;
	struct fw_chain chain[FW_HOOK__COUNT]; /* input, forward, output */
	struct ct_config ct;                 /* the defaults unless a conntrack block says otherwise */
	unsigned ct_line, ct_col;            /* where the conntrack block is, 0 when none */
	bool ct_max_set;                     /* the block gave max (else the default) */
	struct fw_mgmt mgmt;
};

/* Parses text (len bytes, named file in messages) into cfg, which must be zeroed or freed. */
int fw_config_parse(struct fw_config *cfg, const char *file, const char *text, size_t len, struct fw_err *err);
void fw_config_free(struct fw_config *cfg);
int fw_config_iface(const struct fw_config *cfg, const char *name, size_t len);
const struct fw_set *fw_config_set(const struct fw_config *cfg, const char *name, size_t len);

#endif
