/* ctl_show.h - the answers to "show WHAT" (ctl.h, struct ctl_ns.show) that the control
 * namespaces share, as text or as one JSON document (--json):
 *
 *   connections [limit N]    the connection table (dataplane/ct.h), N entries at most
 *                            (1000 unless told, at most 1,000,000), and its total; a
 *                            translated connection with its reply key
 *   interfaces               the router's interfaces (router/router.h): port, VLAN, MAC,
 *                            MTU, addresses and counters
 *
 * and what a namespace's own shows are made of: errors at a word ("ctl:LINE:COL: why"),
 * "limit N", listings of what a walk finds, addresses and protocols as text. A listing
 * walks its table once (on the worker, between bursts): its output is bounded by its
 * limit and CTL_ANSWER_MAX, the walk by the table's size.
 */
#ifndef SLUICE_CTL_SHOW_H
#define SLUICE_CTL_SHOW_H

#include "ctl.h"

struct ct_table;
struct rtr;
struct rtr_conf;

/* An error at args' word i (past the last word: the end of the line): -1. */
int ctls_error(struct ctl_out *o, const struct ctl_args *args, int i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The errors of a namespace without the document of its running config (no memory to
 * read it at the last load), or whose document does not match its rules: -1. */
int ctls_no_doc(struct ctl_out *o);
int ctls_doc_differs(struct ctl_out *o);

/* A listing: {"KEY":[...], ...} in JSON, a line an entry as text, then the count. */
struct ctls_list {
	struct ctl_out *o;
	uint64_t now;                         /* ms, for expiries */
	unsigned limit, shown, total;
};
/* Starts one, "limit N" as its words i and i + 1 (nothing after), KEY its JSON member and
 * the limit's unit; -1 with the error. */
int ctls_list_begin(struct ctls_list *w, struct ctl_out *o, const struct ctl_args *args, int i, const char *key,
		    uint64_t now);
/* One more entry found: whether to show it (under the limit, and the answer not over). */
bool ctls_list_take(struct ctls_list *w);
/* The end: ],"total":T,"shown":S} (shown_first: ],"shown":S,"total":T}), or "T NOUNs, S
 * shown"; the status "T NOUNs". */
void ctls_list_end(struct ctls_list *w, const char *noun, bool shown_first);

/* show connections [limit N], its words args (argv[0] "connections"). */
int ctls_connections(struct ctl_out *o, const struct ctl_args *args, const struct ct_table *ct, uint64_t now_ms);
/* The router's interfaces of rc, with r's counters: the members of a JSON array, or a line
 * each. */
void ctls_router_ifaces(struct ctl_out *o, const struct rtr_conf *rc, const struct rtr *r);

/* show config: the running config's text, named name ({"name":..,"config":..} in JSON). */
void ctls_config(struct ctl_out *o, const char *name, const char *text, size_t len);

/* An address of family (4 or 6) as text (IPv6: RFC 5952). */
void ctls_addr(const uint8_t *a, unsigned family, char *buf, size_t len);
/* A protocol's name ("tcp", "udp", "icmp", "icmpv6"), or its number in buf. */
const char *ctls_proto(uint8_t proto, char *buf, size_t len);

#endif
