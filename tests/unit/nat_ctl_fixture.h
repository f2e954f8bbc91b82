/* nat_ctl_fixture.h - what unit-nat-ctl's files share: the config the cases start from, the
 * nat app set up on a two-port pipeline with packets sent through it, and its documents;
 * the rest (text, the JSON reader, sessions, commands, shows and commits) is
 * ctl_harness.h's. */
#ifndef SLUICE_TEST_NAT_CTL_FIXTURE_H
#define SLUICE_TEST_NAT_CTL_FIXTURE_H

#include "ctl.h"
#include "ctl_harness.h"
#include "nat/nat_app.h"
#include "nat/nat_ctl_int.h"

#include <check.h>

extern const struct app_def app_nat;

/* A NAT between a lan and a wan: masquerade out of the wan, a port forward to 10.0.0.20. */
extern const char conf[];

/* ---- the app on a pipeline (its worker: ctl_harness.h) ---- */

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

/* ---- the namespace's documents (commands, shows and commits: ctl_harness.h, on the
 * nat's namespace once nat_up ran, a show's JSON answer checked to be JSON) ---- */

struct natd_doc *txn_doc(void *txn);
const char *render_doc(const struct natd_doc *d);
/* The handle of rule i of chain hook. */
unsigned long long handle(const struct natd_doc *d, unsigned hook, unsigned i);

/* test_nat_ctl_show.c */
void nat_ctl_show_tests(TCase *tc);

#endif
