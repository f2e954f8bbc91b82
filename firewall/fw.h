/* fw.h - the firewall engine: a ruleset compiled from the rule language, and the decision
 * for one packet (classifier, then the matching rules' statements in order: limit,
 * counter, log, verdict).
 *
 * A struct fw_ruleset is built whole, off to the side, from a config text; a text with any
 * error builds nothing (fw_ruleset_load returns NULL with FILE:LINE:COL in err). Its rules
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
	size_t bytes;                 /* memory the classifiers hold */
};

/* True when hook's chain accepts a packet of ct state ct_state at its first rule, which
 * looks at nothing else: the caller may skip fw_pkt_fill and fw_decide. */
static inline bool fw_fast_accept(const struct fw_ruleset *rs, enum fw_hook hook, uint8_t ct_state)
{
	return rs->fast_ct[hook] & ct_state;
}

/* Parses and compiles text (named name in messages). NULL with one message in err. */
struct fw_ruleset *fw_ruleset_load(const char *name, const char *text, size_t len, struct fw_err *err);
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

/* Formats one log entry as a console line: "PREFIX[fw forward rule 3 accept] IN=lan ..." */
void fw_log_format(const struct fw_ruleset *rs, const struct fw_log_entry *e, char *out, size_t n);

/* Writes the counters of rules with a counter statement, and the policies. */
void fw_ruleset_report(const struct fw_ruleset *rs, void (*emit)(void *arg, const char *line), void *arg);

#endif
