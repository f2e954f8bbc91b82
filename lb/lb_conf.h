/* lb_conf.h - the load balancer's services in the rule language (docs/LB.md), read as an
 * extension of conf/'s parser (cf_config.h), so that one text holds the interfaces,
 * routes, management and the services:
 *
 *   lb { flows 1048576; flow-timeout tcp 300 udp 30 }
 *   service web {
 *       vip 10.0.0.100 tcp 80
 *       mode nat                      # or: mode nat snat [ADDR]
 *                                     #     mode dsr                  (MAC rewrite, one link)
 *                                     #     mode dsr encap ipip
 *                                     #     mode dsr encap gue [port 6080]
 *       table 65537
 *       health http /healthz status 200 interval 2s timeout 1s rise 2 fall 3
 *       backend web1 10.1.0.11 weight 100
 *       backend web2 10.1.0.12 port 8080 weight 50
 *       backend web3 10.1.0.13 drain
 *   }
 *
 * A service is a virtual address, protocol and port (IPv4 or IPv6; tcp or udp) and its
 * backends, each with a weight (default 100) and a state (drain: no new flows, the open
 * ones kept). The statements inside a service block come in any order, each once, except
 * backend. Health: 'health tcp' (a connect), 'health http PATH' (a GET with the expected
 * status, default 200; PATH a word or a "string" starting with '/'), or 'health none'
 * (the default: every backend counts as up); options port N (default the backend's port),
 * host NAME ("string" or word, http only; default the backend's address), interval,
 * timeout (durations: 500ms, 2s, 1m; a bare number is seconds), rise, fall.
 *
 * Checked here, each with FILE:LINE:COL and why: names unique (services; backends within a
 * service); one service per address, protocol and port; backends of the VIP's family in
 * nat mode and in dsr without encapsulation; no backend port in dsr (the packet keeps its
 * port); snat in nat mode only; nat mode IPv4 only (connection tracking translates IPv4
 * connections); the table size prime, LBM_SIZE_MIN..LBM_SIZE_MAX; timeout below interval;
 * the limits below. What needs the interfaces (a dsr backend on a link of the appliance,
 * the snat address being ours) the appliance checks with its router.
 */
#ifndef SLUICE_LB_CONF_H
#define SLUICE_LB_CONF_H

#include "cf_config.h"

#define LBC_MAX_SERVICES 64
#define LBC_MAX_BACKENDS 1024            /* per service */
#define LBC_MAX_BACKENDS_ALL 4096        /* in all services */
#define LBC_WEIGHT_DEFAULT 100
#define LBC_PATH_MAX 128
#define LBC_HOST_MAX 64
#define LBC_GUE_PORT_DEFAULT 6080

enum lbc_mode { LBC_NAT, LBC_DSR };
enum lbc_encap { LBC_ENCAP_NONE, LBC_ENCAP_IPIP, LBC_ENCAP_GUE };
enum lbc_check { LBC_CHECK_NONE, LBC_CHECK_TCP, LBC_CHECK_HTTP };

struct lbc_backend {
	char name[CF_NAME_MAX];
	uint8_t family;                  /* 4 or 6 */
	uint8_t addr[16];                /* network order; IPv4 in the first 4 bytes, the rest 0 */
	uint16_t port;                   /* 0: the VIP's */
	uint32_t weight;                 /* 0..65535 (0: holds no new flows, like drain) */
	bool drain;
	unsigned line, col;
};

struct lbc_health {
	enum lbc_check kind;
	uint16_t port;                   /* 0: the backend's */
	uint16_t status;                 /* http: the expected status (200) */
	char path[LBC_PATH_MAX];         /* http: "/" unless given */
	char host[LBC_HOST_MAX];         /* http: "" for the backend's address */
	uint32_t interval_ms;            /* 2000 */
	uint32_t timeout_ms;             /* 1000; below interval_ms */
	uint8_t rise, fall;              /* 2, 3 (1..100) */
	unsigned line, col;              /* the health statement, 0 when none */
};

struct lbc_service {
	char name[CF_NAME_MAX];
	uint8_t family;
	uint8_t vip[16];
	uint8_t proto;                   /* 6 or 17 */
	uint16_t port;                   /* 1..65535 */
	enum lbc_mode mode;              /* LBC_NAT unless given */
	bool snat;                       /* nat: the source rewritten too */
	bool snat_addr_set;              /* snat ADDR given; else the appliance's address on the
	                                    backend's interface */
	uint8_t snat_addr[16];
	enum lbc_encap encap;
	uint16_t gue_port;               /* LBC_GUE_PORT_DEFAULT unless given */
	uint32_t table_size;             /* LBM_SIZE_DEFAULT unless given */
	struct lbc_health health;
	struct lbc_backend *backend;     /* malloc'd, n_backend of them, in the order declared */
	unsigned n_backend;
	unsigned line, col;              /* the word 'service' */
	unsigned mode_line, mode_col;    /* the mode statement (0: none) */
	size_t off, end;                 /* its text: from the word 'service' to just past its '}' */
};

struct lb_config {
	bool declared;                   /* an lb block */
	unsigned line, col;
	size_t off, end;                 /* the lb block's text, as a service's */
	uint32_t flows;                  /* the dsr affinity table's flows: 65536 unless given
	                                    (1..LBF_MAX_FLOWS) */
	uint32_t flow_timeout_tcp_s;     /* 300 */
	uint32_t flow_timeout_udp_s;     /* 30 */
	struct lbc_service svc[LBC_MAX_SERVICES];
	unsigned n_svc;
	const char *text;                /* the text cf_parse is given, set by the owner between
	                                    lb_config_ext and cf_parse: off and end are measured
	                                    from it (an extension sees tokens, never where the
	                                    text starts). NULL: off and end are left 0 */
};

/* Defaults into c (zeroed first). */
void lb_config_init(struct lb_config *c);
/* The extension that reads 'lb { ... }' and 'service NAME { ... }' into c (initialised). */
void lb_config_ext(struct lb_config *c, struct cf_ext *out);
/* Frees the backends' arrays; c is then as after lb_config_init. */
void lb_config_free(struct lb_config *c);

/* The service named name, or NULL. */
struct lbc_service *lb_config_service(struct lb_config *c, const char *name);

/* Writes c back in the language (the lb block when declared, then the services; not the
 * shared declarations), in a form lb_config_ext reads back to the same c: the control
 * socket edits a config by cutting the spans (off, end) of the text it was read from and
 * appending this. Returns the length it needs (as snprintf; buf may be NULL with len 0). */
size_t lb_config_render(const struct lb_config *c, char *buf, size_t len);

#endif
