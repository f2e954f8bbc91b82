/* fw.h - the firewall engine: a ruleset compiled from the rule language, and the decision
 * for one packet (classifier, then the matching rules' statements in order: limit,
 * counter, log, verdict).
 *
 * A struct fw_ruleset is built whole, off to the side, from a config text (fw_ruleset_load)
 * or a config already read (fw_ruleset_build); a text with any error builds nothing
 * (NULL, with FILE:LINE:COL in err). Its rules
 * are read-only once built; the counters and token buckets it carries are the running
 * worker's own. Replacing a running ruleset is the caller's pointer swap (apps/fw).
 *
 * Logging is rate-limited (FW_LOG_RATE lines a second, bursts of FW_LOG_BURST) and goes
 * to a ring of the last FW_LOG_RING packets with their rule, which the platform drains to
 * its console; lines over the rate are counted, not kept.
 */
#ifndef SLUICE_FW_H
#define SLUICE_FW_H

#include "ct.h"
#include "fw_class.h"
#include "fw_config.h"
#include "pkt.h"

#define FW_LOG_RATE 50
#define FW_LOG_BURST 100
#define FW_LOG_RING 64
#define FW_LOG_SNAP 128         /* bytes of each logged frame kept */

/* A token bucket held as time credit: an event costs `cost` ns of credit, and credit
 * accrues with time up to `cap` ns (the burst). No division on the way. */
struct fw_bucket {
	uint64_t credit_ns, last_ns;
};

static inline bool fw_bucket_take(struct fw_bucket *b, uint64_t cost, uint64_t cap, uint64_t now_ns)
{
	uint64_t credit = b->credit_ns + (now_ns - b->last_ns);
	b->last_ns = now_ns;
	if (credit > cap)
		credit = cap;
	if (credit < cost) {
		b->credit_ns = credit;
		return false;
	}
	b->credit_ns = credit - cost;
	return true;
}

struct fw_rule_state {
	uint64_t pkts, bytes;         /* rules with a counter statement */
	struct fw_bucket limit;
	uint64_t limited;             /* packets over the limit */
};

struct fw_action {
	uint8_t verdict;              /* enum fw_verdict */
	uint8_t reject_with;          /* enum fw_reject */
	uint8_t reject_code;
	uint8_t statements;           /* counter, log or limit: the rule's full path */
	uint8_t flow_final;           /* looks only at what a flow's packets share, ends the
	                                 chain, no limit: a flow may keep it */
};

struct fw_ruleset {
	struct fw_config cfg;
	struct fw_class *cls[FW_HOOK__COUNT];
	struct fw_rule_state *state[FW_HOOK__COUNT];
	uint64_t *limit_cost_ns[FW_HOOK__COUNT];   /* per rule: ns of credit a packet costs */
	uint64_t *limit_cap_ns[FW_HOOK__COUNT];    /* per rule: the burst, in ns of credit */
	uint64_t policy_pkts[FW_HOOK__COUNT];
	/* The ct states (FW_CT_* bits) a chain's first rule accepts with nothing else to do
	 * ("ct state established,related accept", as most rulesets begin): packets in those
	 * states are accepted without reading the rest (fw_fast_accept). */
	uint8_t fast_ct[FW_HOOK__COUNT];
	/* Per rule, packed: its verdict, whether it has a statement (counter, log, limit) and
	 * whether a flow may keep it (fw_decide_flow), what a kept decision reads instead of
	 * the rule. */
	struct fw_action *action[FW_HOOK__COUNT];
	uint32_t gen;                 /* this ruleset's number: unique, never 0 */
	size_t bytes;                 /* memory the classifiers hold */
};

/* True when hook's chain accepts a packet of ct state ct_state at its first rule, which
 * looks at nothing else: the caller may skip fw_pkt_fill and fw_decide. */
static inline bool fw_fast_accept(const struct fw_ruleset *rs, enum fw_hook hook, uint8_t ct_state)
{
	return rs->fast_ct[hook] & ct_state;
}

/* Parses and compiles text (named name in messages). NULL with one message in err. */
struct fw_ruleset *fw_ruleset_load(const char *name, const char *text, size_t len, struct cf_err *err);
/* Compiles a config already read (fw_config_parse, or cf_parse with the firewall's
 * extension and another engine's: fw_config_ext), taking over what cfg holds: cfg is left
 * empty whatever the outcome, its rules and sets the ruleset's or freed. NULL with one
 * message in err (named name). fw_ruleset_load is fw_config_parse and this. */
struct fw_ruleset *fw_ruleset_build(struct fw_config *cfg, const char *name, struct cf_err *err);
void fw_ruleset_free(struct fw_ruleset *rs);

/* The fields rules see, from a parsed packet: interfaces (-1: none) and its ct state bit. */
void fw_pkt_fill(struct fw_pkt *fp, const struct pkt_buf *p, int iif, int oif, uint8_t ct_state);

struct fw_log_entry {
	uint64_t time_ms;
	enum fw_hook hook;
	int rule;                     /* index in the chain */
	enum fw_verdict verdict;      /* the rule's own (FW_NONE: a log-only rule) */
	struct fw_pkt fp;             /* the fields the rules saw */
	uint16_t len, snap_len;
	uint8_t snap[FW_LOG_SNAP];
};

struct fw_log {
	struct fw_log_entry ring[FW_LOG_RING];
	uint32_t head, tail;          /* head - tail entries waiting */
	struct fw_bucket rate;
	uint64_t logged, suppressed, overwritten;
};

/* An empty log with a full burst of lines to give. */
void fw_log_init(struct fw_log *log);

/* The decision of hook's chain for p (whose fields are in fp) at now_ms: FW_ACCEPT,
 * FW_DROP or FW_REJECT, with the deciding rule (-1: the policy) and its reject kind. */
struct fw_decision {
	enum fw_verdict verdict;
	int rule;
	enum fw_reject reject_with;
	uint8_t reject_code;
};
void fw_decide(struct fw_ruleset *rs, enum fw_hook hook, const struct fw_pkt *fp, const struct pkt_buf *p,
	       uint64_t now_ms, struct fw_log *log, struct fw_decision *d);

/* Per-flow decisions. The packets of one direction of a connection share their
 * addresses, protocol and ports; within one ct state, arriving and leaving by the same
 * interfaces, they differ only in the per-packet fields (FW_FLOW_PER_PACKET: TCP flags,
 * ICMP type and code, length, VLAN, ether type). When the first rule that matches the
 * shared fields looks at no per-packet field, has no limit and ends the chain (or no rule
 * matches them and the policy decides), that is the decision for every such packet. It is
 * kept in a word of the connection (ct_entry.user, one per direction), with the ct state
 * and interfaces it holds for; later packets get the rule's statements (counter, log,
 * verdict) without the classifier. Any other case is remembered as such and decided by
 * fw_decide. The result is fw_decide's, exactly (unit-fw-flow compares the two).
 *
 * Only for packets of the connection's own flow: state new or established, never related
 * (an ICMP error carries other addresses). */
#define FW_FLOW_PER_PACKET                                                                \
	(1u << FW_D_ETHER | 1u << FW_D_VLAN | 1u << FW_D_TCP_FLAGS | 1u << FW_D_ICMP |     \
	 1u << FW_D_ICMP6 | 1u << FW_D_LENGTH)

/* The word of e's direction dir for rs, cleared when it was written for another ruleset. */
static inline uint32_t *fw_flow_memo(const struct fw_ruleset *rs, struct ct_entry *e, unsigned dir)
{
	if (e->user_gen != rs->gen) {
		e->user_gen = rs->gen;
		e->user[0] = e->user[1] = 0;
	}
	return &e->user[dir];
}

struct fw_flow_stats {
	uint64_t hits;                /* decided from the memo */
	uint64_t misses;              /* the memo written */
	uint64_t general;             /* decided by fw_decide: the flow's rules look further */
};

/* The memo word: valid bit, hook, ct state, whether the packet has its transport header,
 * the interfaces (+1, 5 bits each: up to FW_MEMO_MAX_IF), and the value: a rule + 1,
 * FW_MEMO_POLICY or FW_MEMO_GENERAL (decided by fw_decide). */
#define FW_MEMO_MAX_IF 30
#define FW_MEMO_VALUE_BITS 17
static_assert(CF_MAX_IFACES <= FW_MEMO_MAX_IF, "every interface fits the memo word (no check per packet)");
#define FW_MEMO_VALUE ((1u << FW_MEMO_VALUE_BITS) - 1)
#define FW_MEMO_POLICY FW_MEMO_VALUE
#define FW_MEMO_GENERAL (FW_MEMO_VALUE - 1)

static inline uint32_t fw_memo_tag(enum fw_hook hook, uint8_t ct_state, const struct pkt_buf *p, int iif, int oif)
{
	return 1u << 31 | (uint32_t)hook << 29 | (uint32_t)(ct_state == FW_CT_ESTABLISHED) << 28 |
	       (uint32_t)!!(p->meta.flags & PKT_F_L4) << 27 | (uint32_t)(iif + 1) << 22 | (uint32_t)(oif + 1) << 17;
}

/* fw_decide_flow's way when the word does not decide on its own. */
void fw_decide_flow_slow(struct fw_ruleset *rs, enum fw_hook hook, uint32_t *memo, const struct pkt_buf *p, int iif,
			 int oif, uint8_t ct_state, uint64_t now_ms, struct fw_log *log, struct fw_flow_stats *st,
			 struct fw_decision *d);

/* fw_decide for p, a packet of ct state ct_state (FW_CT_NEW or FW_CT_ESTABLISHED) in its
 * connection's own flow, whose memo word is *memo (fw_flow_memo). */
static inline void fw_decide_flow(struct fw_ruleset *rs, enum fw_hook hook, uint32_t *memo, const struct pkt_buf *p,
				  int iif, int oif, uint8_t ct_state, uint64_t now_ms, struct fw_log *log,
				  struct fw_flow_stats *st, struct fw_decision *d)
{
	uint32_t w = *memo, v = w & FW_MEMO_VALUE;
	if ((w & ~FW_MEMO_VALUE) == fw_memo_tag(hook, ct_state, p, iif, oif)) {
		/* a kept decision: a rule with nothing but its verdict, or the policy */
		if (v < FW_MEMO_GENERAL && !rs->action[hook][v - 1].statements) {
			const struct fw_action *act = &rs->action[hook][v - 1];
			st->hits++;
			d->verdict = (enum fw_verdict)act->verdict;
			d->rule = (int)v - 1;
			d->reject_with = (enum fw_reject)act->reject_with;
			d->reject_code = act->reject_code;
			return;
		}
		if (v == FW_MEMO_POLICY) {
			st->hits++;
			rs->policy_pkts[hook]++;
			d->verdict = rs->cfg.chain[hook].policy;
			d->rule = -1;
			return;
		}
	}
	fw_decide_flow_slow(rs, hook, memo, p, iif, oif, ct_state, now_ms, log, st, d);
}

/* hook's decision for p, tracked as cp, arriving on iif and leaving by oif (-1: none):
 * accepted at once by a chain that begins "ct state ... accept", from the connection's
 * kept decision for packets of its own flow, else by the classifier. What an app calls
 * at each of its hooks. */
static inline __attribute__((always_inline)) void fw_judge(struct fw_ruleset *rs, enum fw_hook hook,
							   const struct ct_pkt *cp, const struct pkt_buf *p, int iif,
							   int oif, uint64_t now_ms, struct fw_log *log,
							   struct fw_flow_stats *st, struct fw_decision *d)
{
	uint8_t state = cp->state == CT_S_UNTRACKED ? 0 : cp->state;
	if (fw_fast_accept(rs, hook, state)) {
		*d = (struct fw_decision){ .verdict = FW_ACCEPT };
		return;
	}
	if (cp->e && (state == CT_S_NEW || state == CT_S_ESTABLISHED)) {
		fw_decide_flow(rs, hook, fw_flow_memo(rs, cp->e, cp->dir), p, iif, oif, state, now_ms, log, st, d);
		return;
	}
	struct fw_pkt fp;
	fw_pkt_fill(&fp, p, iif, oif, state);
	fw_decide(rs, hook, &fp, p, now_ms, log, d);
}

/* Formats one log entry as a console line: "PREFIX[fw forward rule 3 accept] IN=lan ..." */
void fw_log_format(const struct fw_ruleset *rs, const struct fw_log_entry *e, char *out, size_t n);

/* Writes the counters of rules with a counter statement, and the policies. */
void fw_ruleset_report(const struct fw_ruleset *rs, void (*emit)(void *arg, const char *line), void *arg);

#endif
