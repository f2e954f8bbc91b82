/* The engines' Prometheus families several apps export (mx_engines.h): the firewall's
 * rules, the connection table, the fragments and the router's answers, moved here from
 * fw_metrics.c unchanged so that fw and nat write them alike. */
#include "mx_engines.h"

#include "ct.h"
#include "frag.h"
#include "fw.h"
#include "router.h"

static const char *const chain_names[FW_HOOK__COUNT] = { "input", "forward", "output" };

/* Rules with a counter statement (or a limit) count their packets; the rest cost nothing
 * per packet and have no series, as in nftables. */
void mx_fw_rules(struct mx_out *o, const struct fw_ruleset *rs)
{
	static const struct { const char *name, *help; int what; } fam[] = {
		{ "sluice_fw_rule_packets_total", "Packets that matched a rule with a counter statement.", 0 },
		{ "sluice_fw_rule_bytes_total", "Bytes of the packets that matched a rule with a counter statement.", 1 },
		{ "sluice_fw_rule_limited_packets_total", "Packets over a rule's limit.", 2 },
	};
	for (unsigned f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		mx_family(o, fam[f].name, "counter", fam[f].help);
		for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
			const struct fw_chain *ch = &rs->cfg.chain[h];
			if (!ch->declared)
				continue;
			/* one line per rule of the chain in this family, kept or not, so that a
			 * chunk can skip a run of them by count */
			unsigned r = (unsigned)mx_skip(o, ch->n_rules);
			for (; r < ch->n_rules && !o->full; r++) {
				const struct fw_rule_state *st = &rs->state[h][r];
				bool kept = fam[f].what == 2 ? st->limited != 0 : ch->rules[r].counter;
				if (!kept) {
					mx_hole(o);
					continue;
				}
				if (!mx_wanted(o)) {
					mx_sample(o, fam[f].name, NULL, 0);
					continue;
				}
				char labels[96] = "";
				mx_label(labels, sizeof(labels), "chain", chain_names[h]);
				mx_label_u(labels, sizeof(labels), "rule", r);
				mx_label_u(labels, sizeof(labels), "line", ch->rules[r].line);
				mx_sample(o, fam[f].name, labels,
					  fam[f].what == 0 ? st->pkts : fam[f].what == 1 ? st->bytes : st->limited);
			}
		}
	}
	mx_family(o, "sluice_fw_policy_packets_total", "counter", "Packets a chain's policy decided.");
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		if (!rs->cfg.chain[h].declared)
			continue;
		char labels[48] = "";
		mx_label(labels, sizeof(labels), "chain", chain_names[h]);
		mx_label(labels, sizeof(labels), "policy", rs->cfg.chain[h].policy == FW_ACCEPT ? "accept" : "drop");
		mx_sample(o, "sluice_fw_policy_packets_total", labels, rs->policy_pkts[h]);
	}
	mx_family(o, "sluice_fw_rules", "gauge", "Rules in each chain of the running config.");
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		if (!rs->cfg.chain[h].declared)
			continue;
		char labels[32] = "";
		mx_label(labels, sizeof(labels), "chain", chain_names[h]);
		mx_sample(o, "sluice_fw_rules", labels, rs->cfg.chain[h].n_rules);
	}
}

void mx_conntrack(struct mx_out *o, const struct ct_table *t)
{
	const struct ct_counters *c = ct_counters(t);
	mx_family(o, "sluice_conntrack_entries", "gauge", "Connections in the table.");
	mx_sample(o, "sluice_conntrack_entries", NULL, ct_count(t));
	mx_family(o, "sluice_conntrack_entries_max", "gauge", "Connections the table holds.");
	mx_sample(o, "sluice_conntrack_entries_max", NULL, ct_table_config(t)->max_entries);
	static const char *const st[5] = { "new", "established", "related", "invalid", "untracked" };
	mx_family(o, "sluice_conntrack_packets_total", "counter", "Packets tracked, by connection state.");
	for (unsigned i = 0; i < 5; i++) {
		char labels[32] = "";
		mx_label(labels, sizeof(labels), "state", st[i]);
		mx_sample(o, "sluice_conntrack_packets_total", labels, c->state[i]);
	}
	mx_family(o, "sluice_conntrack_invalid_packets_total", "counter", "Invalid packets, by reason.");
	for (unsigned i = 1; i < CT_INV__COUNT; i++) {
		char labels[48] = "";
		mx_label(labels, sizeof(labels), "reason", ct_invalid_names[i]);
		mx_sample(o, "sluice_conntrack_invalid_packets_total", labels, c->invalid[i]);
	}
	const struct { const char *name, *help; uint64_t v; } more[] = {
		{ "sluice_conntrack_created_total", "Connections created.", c->created },
		{ "sluice_conntrack_expired_total", "Connections expired.", c->expired },
		{ "sluice_conntrack_table_full_total", "New connections refused: the table was full.", c->refused },
		{ "sluice_conntrack_evicted_total", "Unfinished connections replaced by new ones.", c->evicted },
		{ "sluice_conntrack_reopened_total", "Closed connections reopened by a SYN.", c->closed_reuse },
		{ "sluice_conntrack_syn_retransmits_total", "SYNs sent again after the SYN-ACK, passed on.", c->syn_retrans },
	};
	for (unsigned i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		mx_family(o, more[i].name, "counter", more[i].help);
		mx_sample(o, more[i].name, NULL, more[i].v);
	}
}

void mx_fragments(struct mx_out *o, const struct frag_table *t)
{
	const struct frag_counters *c = frag_counters(t);
	mx_family(o, "sluice_fragments_waiting", "gauge", "Fragments held until their first one.");
	mx_sample(o, "sluice_fragments_waiting", NULL, frag_in_use(t));
	mx_family(o, "sluice_fragments_total", "counter", "Fragments, by what became of them.");
	const struct { const char *what; uint64_t v; } k[] = {
		{ "first", c->first }, { "passed", c->passed }, { "refused", c->refused }, { "held", c->held },
		{ "released", c->released }, { "expired", c->expired_drops }, { "full", c->full }, { "evicted", c->evicted },
	};
	for (unsigned i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		char labels[32] = "";
		mx_label(labels, sizeof(labels), "outcome", k[i].what);
		mx_sample(o, "sluice_fragments_total", labels, k[i].v);
	}
}

void mx_router_answers(struct mx_out *o, const struct rtr *r, uint64_t rejected)
{
	mx_family(o, "sluice_router_answers_total", "counter", "Packets the router made itself, by kind.");
	const struct { const char *kind; uint64_t v; } k[] = {
		{ "arp_reply", r->arp_replies }, { "neighbor_advert", r->nd_adverts },
		{ "echo_reply", r->echo_replies }, { "icmp_error", r->icmp_errors },
		{ "neighbor_request", r->requests }, { "reject", rejected },
	};
	for (unsigned i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		char labels[32] = "";
		mx_label(labels, sizeof(labels), "kind", k[i].kind);
		mx_sample(o, "sluice_router_answers_total", labels, k[i].v);
	}
}
