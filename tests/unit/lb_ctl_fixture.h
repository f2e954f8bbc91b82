/* lb_ctl_fixture.h - what unit-lb-ctl's files share: the config the cases start from (the
 * shape of docs/LB.md's example, health none: no host stack), the lb app set up on a
 * two-port pipeline with SYNs sent through it, and one-command commits; the rest (text,
 * the JSON reader, sessions, commands, shows and commits) is ctl_harness.h's. */
#ifndef SLUICE_TEST_LB_CTL_FIXTURE_H
#define SLUICE_TEST_LB_CTL_FIXTURE_H

#include "ctl.h"
#include "ctl_harness.h"
#include "lb/lb_ctl_int.h"

#include <check.h>

extern const struct app_def app_lb;

/* Clients on port 0 (10.0.0.0/24), the servers' link on port 1 (10.1.0.0/24, s1..s3 at
 * .11 .. .13 with static neighbours); management in-band; a nat service "web" on
 * 10.0.0.100 tcp 80 and a dsr service "webdsr" on 10.0.0.101 tcp 443, three backends each. */
extern const char conf[];
/* conf up to (not with) its lb block: what a transaction keeps as it is. */
extern const char conf_head[];

/* conf's services as a commit renders them (after the rest of the text). */
extern const char conf_services[];
/* text (the running text, or a transaction's rendering, of a config that starts with
 * conf_head): what follows conf_head and the empty lines after it (the services as
 * rendered); fails the test when text does not start with conf_head. */
const char *services_of(const char *text);

/* ---- the app on a pipeline (its worker: ctl_harness.h) ---- */

/* The lb app on a two-port pipeline (clients, servers), set up with text; the harness's
 * calls go to the lb namespace, a show's JSON answer checked to be JSON, a refused commit's
 * error placed. */
struct lb_app *lb_up(const char *text);
void lb_down(struct lb_app *a);

/* The running config's text and its services. */
const char *running(struct lb_app *a);
const struct lb_config *running_lb(struct lb_app *a);

/* The running set's backend name of service svc, or NULL; the number of backends of svc
 * in the set (-1: no such service). */
const struct lb_backend *set_backend(struct lb_app *a, const char *svc, const char *name);
int set_backends(struct lb_app *a, const char *svc);

/* What left the appliance for one frame: its port (-1: nothing), the frame's destination
 * MAC's last byte, the IP destination and the transport destination port. */
struct out {
	int port;
	uint8_t mac_last;
	char dst[16];
	uint16_t dport;
};
/* A TCP SYN (or a UDP datagram: proto 17) from a client into port 0 at now_ms. */
struct out syn_at(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint64_t now_ms);

/* ---- commands ---- */

/* line ("lb weight web s2 7") alone in a transaction of its own, committed: its status
 * (fails the test when refused). */
const char *one(struct lb_app *a, const char *line);
/* line refused at once: its status (the transaction freed, nothing committed). */
const char *refused(struct lb_app *a, unsigned lineno, const char *line);
/* show LINE (text or --json): its body; fails the test when refused. */
const char *show_ok(struct lb_app *a, const char *line, bool json);
/* The object of backends --json whose name and service are these, up to its '}' (a
 * static copy), or NULL. */
const char *json_backend(const char *body, const char *svc, const char *name);
/* The object of services --json named name, or NULL. */
const char *json_service(const char *body, const char *name);

/* ---- a session over the app ---- */

/* A session on a's namespace (its ports' show interfaces: "port 0", "port 1"). */
struct ctl_session *lb_session(struct lb_app *a);
/* The body of the first answer in r (its status line dropped), up to its empty line. */
const char *body_of(const char *r);

/* test_lb_ctl_show.c */
void lb_ctl_show_tests(TCase *tc);

#endif
