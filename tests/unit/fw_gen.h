/* fw_gen.h - random rulesets and packets for the firewall's randomized tests, drawn from a
 * small universe of addresses, ports and types so that rules and packets meet often.
 * Deterministic: set fw_gen_rng to a seed (non-zero) first. */
#ifndef SLUICE_TEST_FW_GEN_H
#define SLUICE_TEST_FW_GEN_H

#include "fw_ref.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern uint64_t fw_gen_rng;
uint64_t fw_gen_rnd(void);
unsigned fw_gen_pick(unsigned n);   /* 0..n-1 */

/* A growing text. */
struct text {
	char *s;
	size_t n, cap;
};
void fw_gen_put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A config with interfaces lan and wan, sets n4, n6, ps and a forward chain of n_rules
 * random rules (up to 4 matches each; accept, drop, counter or reject), into t. With
 * statements, some rules also get a limit, a counter or a log statement. */
void fw_gen_ruleset(struct text *t, unsigned n_rules, bool statements);
/* A random packet's fields. */
void fw_gen_pkt(struct fw_pkt *p);
/* One line describing p, for failure messages. */
void fw_gen_describe(const struct fw_pkt *p, char *out, size_t n);

#endif
