/* nat_lookup.h - what nat-lookup's files share (private to tools/natlookup): the config
 * and the options as nat-lookup.c read them, the mapping log's lines, the answers that
 * nat_lookup_answer.c makes and nat_lookup_output.c prints, and the exit statuses. */
#ifndef SLUICE_NAT_LOOKUP_H
#define SLUICE_NAT_LOOKUP_H

#include "fw_config.h"
#include "nat_conf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_NOBODY 1
#define EXIT_USAGE 2
#define EXIT_UNKNOWN 3

extern const char *const proto_name[NAT_PROTO__COUNT];  /* "tcp", "udp", "icmp" */

/* ---- what nat-lookup.c read ---- */

extern const char *conf_file;           /* as given: rules are named FILE:LINE */
extern struct fw_config *fc;
extern struct nat_config *nc;

/* the options */
extern bool json;
extern bool by_inside;                  /* --inside: answers name the inside host first */
extern bool have_at;
extern int64_t at_ms;

/* "nat-lookup: " and the message on stderr; exits with status 2 (EXIT_USAGE). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- the mapping log ---- */

struct log_entry {
	bool map;                       /* else unmap */
	int proto;
	uint32_t in, out;
	uint16_t in_port, out_port;
	bool timed;
	int64_t ms;
	unsigned line;
};

extern const char *log_file;
extern FILE *log_fp;                    /* NULL: no --log */

/* The next "nat: map" / "nat: unmap" line of the log (others are skipped); false at its
 * end. A malformed one, or one with no time when times are needed, stops with status 2. */
bool log_next(struct log_entry *e, bool need_time);

/* ---- answers ---- */

enum kind { K_NONE, K_DET, K_FORWARD, K_LOG, K_DYNAMIC };

struct answer {
	enum kind kind;
	int proto;                          /* -1: all three (a deterministic block) */
	uint32_t out;
	int out_port;                       /* -1: the address (a block's) */
	bool has_in;
	uint32_t in;
	int in_port;                        /* -1: none */
	const struct nat_rule *rule;        /* NULL: none */
	bool has_block;
	uint16_t blk_lo, blk_hi;
	bool exact;
	bool has_mapped;
	int64_t mapped_ms;
	unsigned log_line;
	char note[1024];
};

/* nat_lookup_answer.c: the answers for an outside address and port, or for an inside
 * host (only_proto: a protocol, or -1 for all), printed; both exit with report's status. */
void lookup_outside(uint32_t out, uint16_t port, int only_proto);
void lookup_inside(uint32_t in, int only_proto);

/* ---- nat_lookup_output.c ---- */

/* "2024-05-01T12:00:00Z" (".250" when there are milliseconds) */
const char *iso(int64_t ms, char buf[40]);
const char *ip_str(uint32_t a, char buf[16]);
/* Prints the answers worth printing: the ones found, else the ones that cannot tell, else
 * the first nobody. With merge (one answer per protocol, all three asked), three alike but
 * for their protocol are one, "any". Returns the exit status. */
int report(struct answer *ans, unsigned n, bool merge);

#endif
