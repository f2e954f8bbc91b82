/* The firewall engine: building a ruleset, filling a packet's fields, deciding, logging. */
#include "fw.h"

#include "pkt_parse.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_uint_fast32_t ruleset_gen;

static const char *const hook_names[FW_HOOK__COUNT] = { "input", "forward", "output" };
static const char *const verdict_names[] = { "log", "accept", "drop", "reject" };

struct fw_ruleset *fw_ruleset_load(const char *name, const char *text, size_t len, struct cf_err *err)
{
	struct fw_config *cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		return NULL;
	}
	struct fw_ruleset *rs = fw_config_parse(cfg, name, text, len, err) ? NULL : fw_ruleset_build(cfg, name, err);
	free(cfg);
	return rs;
}

struct fw_ruleset *fw_ruleset_build(struct fw_config *cfg, const char *name, struct cf_err *err)
{
	struct fw_ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		fw_config_free(cfg);
		return NULL;
	}
	rs->cfg = *cfg;                     /* taken over: the rules' matches, the sets' elements */
	memset(cfg, 0, sizeof(*cfg));
	do
		rs->gen = (uint32_t)atomic_fetch_add(&ruleset_gen, 1) + 1;
	while (!rs->gen);
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		const struct fw_chain *ch = &rs->cfg.chain[h];
		if (!ch->declared)
			rs->cfg.chain[h].policy = FW_ACCEPT;
		char msg[128];
		rs->cls[h] = fw_class_build(&rs->cfg, ch, msg, sizeof(msg));
		rs->state[h] = calloc(ch->n_rules ? ch->n_rules : 1, sizeof(struct fw_rule_state));
		rs->limit_cost_ns[h] = calloc(ch->n_rules ? ch->n_rules : 1, sizeof(uint64_t));
		rs->limit_cap_ns[h] = calloc(ch->n_rules ? ch->n_rules : 1, sizeof(uint64_t));
		rs->action[h] = calloc(ch->n_rules ? ch->n_rules : 1, sizeof(struct fw_action));
		if (!rs->cls[h] || !rs->state[h] || !rs->limit_cost_ns[h] || !rs->limit_cap_ns[h] || !rs->action[h]) {
			snprintf(err->msg, sizeof(err->msg), "%s: %s", name, rs->cls[h] ? "out of memory" : msg);
			fw_ruleset_free(rs);
			return NULL;
		}
		struct fw_class_stats st;
		fw_class_stats(rs->cls[h], &st);
		rs->bytes += st.bytes;
		if (ch->n_rules) {
			const struct fw_rule *r0 = &ch->rules[0];
			if (r0->n_match == 1 && r0->m[0].field == FW_M_CT_STATE && !r0->m[0].negate &&
			    r0->verdict == FW_ACCEPT && !r0->counter && !r0->log && !r0->limit_rate)
				rs->fast_ct[h] = r0->m[0].u.ct_states;
		}
		for (unsigned r = 0; r < ch->n_rules; r++) {
			const struct fw_rule *rule = &ch->rules[r];
			bool final = rule->verdict != FW_NONE && !rule->limit_rate;
			for (unsigned i = 0; i < rule->n_match; i++)
				if (FW_FLOW_PER_PACKET & 1u << fw_class_match_dim(&rule->m[i]))
					final = false;
			rs->action[h][r] = (struct fw_action){ .verdict = (uint8_t)rule->verdict,
							      .reject_with = (uint8_t)rule->reject_with,
							      .reject_code = rule->reject_code,
							      .statements = rule->counter || rule->log || rule->limit_rate,
							      .flow_final = final };
			if (!rule->limit_rate)
				continue;
			/* the only division: what one packet costs, worked out once here */
			uint64_t cost = (uint64_t)rule->limit_per_s * 1000000000ull / rule->limit_rate;
			rs->limit_cost_ns[h][r] = cost ? cost : 1;
			rs->limit_cap_ns[h][r] = rs->limit_cost_ns[h][r] * (rule->limit_burst ? rule->limit_burst : rule->limit_rate);
			/* full at first: a burst may pass at once */
			rs->state[h][r].limit.credit_ns = rs->limit_cap_ns[h][r];
		}
	}
	return rs;
}

void fw_ruleset_free(struct fw_ruleset *rs)
{
	if (!rs)
		return;
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		fw_class_free(rs->cls[h]);
		free(rs->state[h]);
		free(rs->limit_cost_ns[h]);
		free(rs->limit_cap_ns[h]);
		free(rs->action[h]);
	}
	fw_config_free(&rs->cfg);
	free(rs);
}

void fw_pkt_fill(struct fw_pkt *fp, const struct pkt_buf *p, int iif, int oif, uint8_t ct_state)
{
	const struct pkt_meta *m = &p->meta;
	const uint8_t *d = p->data;
	fp->iif = iif;
	fp->oif = oif;
	fp->ethertype = m->ethertype;
	fp->has_vlan = m->n_vlan > 0;
	fp->vlan_id = (uint16_t)(m->vlan & 0x0fff);
	fp->ct_state = ct_state;
	fp->length = p->len;
	fp->has_l4proto = fp->has_ports = fp->has_icmp = false;
	fp->family = 0;
	if (!(m->flags & PKT_F_PARSED) || (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6))
		return;
	const uint8_t *ip = d + m->l3_off;
	if (m->l3 == PKT_L3_IPV4) {
		fp->family = 4;
		memcpy(fp->saddr, ip + 12, 4);
		memcpy(fp->daddr, ip + 16, 4);
	} else {
		fp->family = 6;
		memcpy(fp->saddr, ip + 8, 16);
		memcpy(fp->daddr, ip + 24, 16);
	}
	fp->has_l4proto = true;
	fp->l4proto = m->l4proto;
	if (!(m->flags & PKT_F_L4))
		return;
	const uint8_t *l4 = d + m->l4_off;
	if (m->l4proto == PKT_IPPROTO_TCP || m->l4proto == PKT_IPPROTO_UDP) {
		fp->has_ports = true;
		fp->sport = pkt_rd16(l4);
		fp->dport = pkt_rd16(l4 + 2);
		fp->tcp_flags = m->l4proto == PKT_IPPROTO_TCP ? l4[13] : 0;
	} else if ((m->l4proto == PKT_IPPROTO_ICMP && fp->family == 4) ||
		   (m->l4proto == PKT_IPPROTO_ICMPV6 && fp->family == 6)) {
		fp->has_icmp = true;
		fp->icmp_type = l4[0];
		fp->icmp_code = l4[1];
	}
}

void fw_log_init(struct fw_log *log)
{
	memset(log, 0, sizeof(*log));
	log->rate.credit_ns = 1000000000ull / FW_LOG_RATE * FW_LOG_BURST;
}

static void log_packet(struct fw_log *log, enum fw_hook hook, int rule, enum fw_verdict v, const struct fw_pkt *fp,
		       const struct pkt_buf *p, uint64_t now_ms)
{
	const uint64_t cost = 1000000000ull / FW_LOG_RATE;   /* constants: folded at compile time */
	if (!fw_bucket_take(&log->rate, cost, cost * FW_LOG_BURST, now_ms * 1000000ull)) {
		log->suppressed++;
		return;
	}
	if (log->head - log->tail == FW_LOG_RING) {
		log->tail++;
		log->overwritten++;
	}
	struct fw_log_entry *e = &log->ring[log->head++ % FW_LOG_RING];
	e->time_ms = now_ms;
	e->hook = hook;
	e->rule = rule;
	e->verdict = v;
	e->fp = *fp;
	e->len = p->len;
	e->snap_len = p->len < FW_LOG_SNAP ? p->len : FW_LOG_SNAP;
	memcpy(e->snap, p->data, e->snap_len);
	log->logged++;
}

/* Rule r matched: its statements. true when it decided (d filled). */
static inline bool apply(struct fw_ruleset *rs, enum fw_hook hook, int r, const struct fw_pkt *fp,
			 const struct pkt_buf *p, uint64_t now_ms, struct fw_log *log, struct fw_decision *d)
{
	const struct fw_rule *rule = &rs->cfg.chain[hook].rules[r];
	struct fw_rule_state *st = &rs->state[hook][r];
	/* limit is a match: over the rate, the rule does not apply */
	if (rule->limit_rate && !fw_bucket_take(&st->limit, rs->limit_cost_ns[hook][r], rs->limit_cap_ns[hook][r],
						now_ms * 1000000ull)) {
		st->limited++;
		return false;
	}
	if (rule->counter) {
		st->pkts++;
		st->bytes += p->len;
	}
	if (rule->log && log)
		log_packet(log, hook, r, rule->verdict, fp, p, now_ms);
	if (rule->verdict == FW_NONE)
		return false;
	d->verdict = rule->verdict;
	d->rule = r;
	d->reject_with = rule->reject_with;
	d->reject_code = rule->reject_code;
	return true;
}

static inline void policy(struct fw_ruleset *rs, enum fw_hook hook, struct fw_decision *d)
{
	rs->policy_pkts[hook]++;
	d->verdict = rs->cfg.chain[hook].policy;
	d->rule = -1;
}

void fw_decide(struct fw_ruleset *rs, enum fw_hook hook, const struct fw_pkt *fp, const struct pkt_buf *p,
	       uint64_t now_ms, struct fw_log *log, struct fw_decision *d)
{
	const struct fw_class *c = rs->cls[hook];
	struct fw_class_scan scan;
	fw_class_lookup(c, fp, &scan);
	for (int r = fw_class_next(c, &scan, -1); r >= 0; r = fw_class_next(c, &scan, r))
		if (apply(rs, hook, r, fp, p, now_ms, log, d))
			return;
	policy(rs, hook, d);
}

void fw_decide_flow_slow(struct fw_ruleset *rs, enum fw_hook hook, uint32_t *memo, const struct pkt_buf *p, int iif,
			 int oif, uint8_t ct_state, uint64_t now_ms, struct fw_log *log, struct fw_flow_stats *stats,
			 struct fw_decision *d)
{
	struct fw_pkt fp;
	bool filled = false;
	uint32_t tag = fw_memo_tag(hook, ct_state, p, iif, oif);
	if (ct_state != FW_CT_NEW && ct_state != FW_CT_ESTABLISHED)
		goto general;
	uint32_t v;
	if ((*memo & ~FW_MEMO_VALUE) == tag) {
		v = *memo & FW_MEMO_VALUE;
		if (v == FW_MEMO_GENERAL)
			goto general;
		stats->hits++;
	} else {
		/* the first rule matching what the flow's packets share */
		fw_pkt_fill(&fp, p, iif, oif, ct_state);
		filled = true;
		struct fw_class_scan scan;
		fw_class_lookup_dims(rs->cls[hook], &fp, ~FW_FLOW_PER_PACKET, &scan);
		int r = fw_class_next(rs->cls[hook], &scan, -1);
		if (r < 0)
			v = FW_MEMO_POLICY;
		else if (rs->action[hook][r].flow_final && (uint32_t)r < FW_MEMO_GENERAL - 1)
			v = (uint32_t)r + 1;
		else
			v = FW_MEMO_GENERAL;
		*memo = tag | v;
		stats->misses++;
		if (v == FW_MEMO_GENERAL)
			goto general;
	}
	if (v == FW_MEMO_POLICY) {
		policy(rs, hook, d);
		return;
	}
	int r = (int)v - 1;
	if (rs->cfg.chain[hook].rules[r].log && log && !filled)
		fw_pkt_fill(&fp, p, iif, oif, ct_state);
	apply(rs, hook, r, &fp, p, now_ms, log, d);
	return;
general:
	stats->general++;
	if (!filled)
		fw_pkt_fill(&fp, p, iif, oif, ct_state);
	fw_decide(rs, hook, &fp, p, now_ms, log, d);
}

static int iface_name(const struct fw_ruleset *rs, int i, char *out, size_t n)
{
	if (i < 0)
		return snprintf(out, n, "%s", "");
	if ((unsigned)i < rs->cfg.cf.n_iface)
		return snprintf(out, n, "%s", rs->cfg.cf.iface[i].name);
	return snprintf(out, n, "port%d", i);
}

void fw_log_format(const struct fw_ruleset *rs, const struct fw_log_entry *e, char *out, size_t n)
{
	const struct fw_rule *rule = e->rule >= 0 && (unsigned)e->rule < rs->cfg.chain[e->hook].n_rules
					     ? &rs->cfg.chain[e->hook].rules[e->rule]
					     : NULL;
	char in[CF_NAME_MAX + 8], outif[CF_NAME_MAX + 8];
	iface_name(rs, e->fp.iif, in, sizeof(in));
	iface_name(rs, e->fp.oif, outif, sizeof(outif));
	int k = snprintf(out, n, "%s[fw %s rule %d line %u %s] IN=%s OUT=%s LEN=%u", rule ? rule->log_prefix : "",
			 hook_names[e->hook], e->rule, rule ? rule->line : 0, verdict_names[e->verdict], in, outif, e->len);
	const struct fw_pkt *fp = &e->fp;
	if (k < 0 || (size_t)k >= n)
		return;
	if (!fp->family) {
		snprintf(out + k, n - (size_t)k, " ETHER=0x%04x", fp->ethertype);
		return;
	}
	char s[48], d[48];
	if (fp->family == 4) {
		snprintf(s, sizeof(s), "%u.%u.%u.%u", fp->saddr[0], fp->saddr[1], fp->saddr[2], fp->saddr[3]);
		snprintf(d, sizeof(d), "%u.%u.%u.%u", fp->daddr[0], fp->daddr[1], fp->daddr[2], fp->daddr[3]);
	} else {
		int a = 0, b = 0;
		for (int i = 0; i < 16; i += 2) {
			a += snprintf(s + a, sizeof(s) - (size_t)a, "%s%x", i ? ":" : "", pkt_rd16(fp->saddr + i));
			b += snprintf(d + b, sizeof(d) - (size_t)b, "%s%x", i ? ":" : "", pkt_rd16(fp->daddr + i));
		}
	}
	k += snprintf(out + k, n - (size_t)k, " SRC=%s DST=%s PROTO=%u", s, d, fp->l4proto);
	if ((size_t)k < n && fp->has_ports)
		snprintf(out + k, n - (size_t)k, " SPT=%u DPT=%u", fp->sport, fp->dport);
	else if ((size_t)k < n && fp->has_icmp)
		snprintf(out + k, n - (size_t)k, " TYPE=%u CODE=%u", fp->icmp_type, fp->icmp_code);
}

void fw_ruleset_report(const struct fw_ruleset *rs, void (*emit)(void *arg, const char *line), void *arg)
{
	char line[160];
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		const struct fw_chain *ch = &rs->cfg.chain[h];
		if (!ch->declared)
			continue;
		snprintf(line, sizeof(line), "chain %s: %u rules, policy %s: %llu packets", hook_names[h], ch->n_rules,
			 verdict_names[ch->policy], (unsigned long long)rs->policy_pkts[h]);
		emit(arg, line);
		struct fw_class_stats st;
		fw_class_stats(rs->cls[h], &st);
		if (st.unindexed) {
			snprintf(line, sizeof(line), "  classifier: %u of its fields searched without their direct index (no "
				 "memory for it): slower, same verdicts", st.unindexed);
			emit(arg, line);
		}
		for (unsigned r = 0; r < ch->n_rules; r++) {
			const struct fw_rule_state *st = &rs->state[h][r];
			if (!ch->rules[r].counter && !st->limited)
				continue;
			snprintf(line, sizeof(line), "  rule %u (line %u): %llu packets, %llu bytes%s", r, ch->rules[r].line,
				 (unsigned long long)st->pkts, (unsigned long long)st->bytes, st->limited ? ", over limit " : "");
			if (st->limited) {
				size_t k = strlen(line);
				snprintf(line + k, sizeof(line) - k, "%llu", (unsigned long long)st->limited);
			}
			emit(arg, line);
		}
	}
}
