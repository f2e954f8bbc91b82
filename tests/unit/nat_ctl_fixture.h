/* nat_ctl_fixture.h - what unit-nat-ctl's files share: the config the cases start from,
 * the repository's files, a tiny JSON reader, the nat app set up on a two-port pipeline
 * with packets sent through it, and commands, shows and commits as a session makes them. */
#ifndef SLUICE_TEST_NAT_CTL_FIXTURE_H
#define SLUICE_TEST_NAT_CTL_FIXTURE_H

#include "ctl.h"
#include "nat/nat_app.h"
#include "nat/nat_ctl_int.h"

#include <check.h>

extern const struct app_def app_nat;

/* A NAT between a lan and a wan: masquerade out of the wan, a port forward to 10.0.0.20. */
extern const char conf[];

/* A formatted string, valid for the next 7 calls. */
const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* A file of the source tree, whole (malloc'd). */
char *read_src(const char *rel);
/* s is one JSON value, and nothing else. */
bool json_ok(const char *s);

/* ---- the app on a pipeline ---- */

/* The pipeline's worker (its clock, its queues, its counters). */
extern struct pkt_worker worker;

/* The nat app on a two-port pipeline (lan, wan), set up with the config text. */
struct nat_app *nat_up(const char *text);
void nat_down(struct nat_app *a);

/* What left the appliance: its port (-1: nothing) and its addresses and ports. */
struct out {
	int port;
	char src[16], dst[16];
	uint16_t sport, dport;
};

/* One IPv4 packet into port (to its interface's MAC): proto 6 (a SYN), 17 or 1 (an echo
 * request, sport its identifier), at now_ms (send_: at 1000). */
struct out send_at(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   uint64_t now_ms);
struct out send_(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport);

/* ---- commands, shows and commits as a session makes them ---- */

/* s begins with prefix. */
bool starts(const char *s, const char *prefix);
/* line, a session's line lineno ("nat add rule ...", "--json nat ..."), applied to txn; o's
 * body is freed at the next call. */
int cmd(void *txn, unsigned lineno, const char *line, struct ctl_out *o);
/* "show LINE" as the session gives it to the namespace (without "show"); a JSON answer
 * is checked to be JSON; o's body is freed at the next call. */
int show(struct nat_app *a, const char *line, bool json, struct ctl_out *o);
struct natd_doc *txn_doc(void *txn);
const char *render(void *txn);
const char *render_doc(const struct natd_doc *d);
/* Renders, reloads and adopts txn as a session's commit: 0, or -1 with "WHERE: why" in err
 * (and txn freed). */
int commit(struct nat_app *a, void *txn, char *err, size_t len);
void commit_ok(struct nat_app *a, void *txn);
/* The handle of rule i of chain hook. */
unsigned long long handle(const struct natd_doc *d, unsigned hook, unsigned i);

/* test_nat_ctl_show.c */
void nat_ctl_show_tests(TCase *tc);

#endif
