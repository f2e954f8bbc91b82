/* mx_engines.h - the Prometheus families (metrics.h) of the engines several apps run, in
 * one place so that each app exports them under the same names: the firewall's counted
 * rules, the connection table, the fragments waiting for their first one and the router's
 * own answers. fw and nat write them; each writes one family after another, every pass
 * of a chunked scrape offering the same lines. */
#ifndef SLUICE_MX_ENGINES_H
#define SLUICE_MX_ENGINES_H

#include "metrics.h"

#include <stdint.h>

struct ct_table;
struct frag_table;
struct fw_ruleset;
struct rtr;

/* sluice_fw_rule_{packets,bytes,limited_packets}_total (the rules with a counter or a
 * limit), sluice_fw_policy_packets_total, sluice_fw_rules. */
void mx_fw_rules(struct mx_out *o, const struct fw_ruleset *rs);
/* sluice_conntrack_*: entries, their maximum, packets by state, invalid ones by reason,
 * created, expired, refused, evicted, reopened. */
void mx_conntrack(struct mx_out *o, const struct ct_table *t);
/* sluice_fragments_waiting, sluice_fragments_total{outcome}. */
void mx_fragments(struct mx_out *o, const struct frag_table *t);
/* sluice_router_answers_total{kind}: the router's answers, and rejected packets answered
 * (the app counts those: rejected). */
void mx_router_answers(struct mx_out *o, const struct rtr *r, uint64_t rejected);

#endif
