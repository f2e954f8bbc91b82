/* ctl_harness.h - what the tests of the control protocol and of the apps' control namespaces
 * share (unit-ctl, unit-fw-ctl, unit-ctl-fuzz, unit-nat-ctl):
 *
 *   ctl_harness.c      text helpers, the repository's files, a tiny JSON reader, a session
 *                      driven to its answers, and a namespace's commands, shows and commits
 *                      as a session makes them (ctl.h only);
 *   ctl_harness_app.c  an app on a two-port pipeline with packets sent through it (link it
 *                      with the apps and pktbuild.c). */
#ifndef SLUICE_TEST_CTL_HARNESS_H
#define SLUICE_TEST_CTL_HARNESS_H

#include "ctl.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- text ---- */

/* A growing string: text_put appends to s (n bytes, cap allocated). */
struct text {
	char *s;
	size_t n, cap;
};
void text_put(struct text *t, const char *f, ...) __attribute__((format(printf, 2, 3)));
/* A formatted string, valid for the next 7 calls. */
const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* A file of the source tree (SLUICE_SRC), whole (malloc'd). */
char *read_src(const char *rel);
/* s begins with prefix. */
bool starts(const char *s, const char *prefix);
/* The line (1-based) of text that starts with s; fails the test when there is none. */
unsigned line_of(const char *text, const char *s);
/* s is one JSON value, and nothing else. */
bool json_ok(const char *s);

/* ---- a session ---- */

/* Sends text to s, collecting every answer (draining as it goes); returns them (valid until
 * the next call). */
const char *talk(struct ctl_session *s, const char *text);

/* ---- a namespace, as a session calls it ---- */

/* The app's reload (app_def.reload, ctl_host.reload). */
typedef int ctlh_reload_fn(void *app, const char *name, const char *text, size_t len, char *err, size_t errlen);

/* The namespace the calls below go to and its app's reload (the fixture's up sets them).
 * json_checked: a show's JSON answer must be one JSON value; placed: a refused commit's
 * error must name a line and column of the rendered text (else it is passed on as it is). */
void ctlh_use(const struct ctl_ns *ns, ctlh_reload_fn *reload, bool json_checked, bool placed);

/* line, a session's line lineno ("fw add rule ...", "--json nat ..."), split into words as
 * the session splits it and applied to txn (its first word must be the namespace's name);
 * o's body is freed at the next cmd or show. */
int cmd(void *txn, unsigned lineno, const char *line, struct ctl_out *o);
/* "show LINE" as the session gives it to the namespace (without "show"); o's body is freed
 * at the next cmd or show. */
int show(void *app, const char *line, bool json, struct ctl_out *o);
/* txn rendered as "ctl". */
const char *render(void *txn);
/* Renders, reloads and adopts txn as a session's commit: 0; or -1 with "WHERE: why" in err
 * (WHERE from the namespace's txn_where) and txn freed. */
int commit(void *app, void *txn, char *err, size_t len);
void commit_ok(void *app, void *txn);

/* A line of a rendered config (the start of it), a column, and where it came from. */
struct where_case {
	const char *line;
	unsigned col;
	const char *where;
};
/* Each case: txn_where at the line of text (txn rendered) and the column says where; a line
 * past the end is "line 999 of the rendered config". */
void wheres_are(void *txn, const char *text, const struct where_case *cases, size_t n);

/* ---- an app on a pipeline (ctl_harness_app.c) ---- */

struct app_def;
struct pb;
struct pkt_worker;

/* The pipeline's worker (its clock, its queues, its counters). */
extern struct pkt_worker worker;

/* def's app on a two-port pipeline (lan, wan; the ports' MACs 02:..:01 and 02:..:02) with a
 * pool of pool_size buffers, set up with conf: its state. */
void *apph_up(const struct app_def *def, const char *pool_name, unsigned pool_size, const char *conf);
void apph_down(const struct app_def *def, void *state);
/* f finished (pb_done, padded to 60 bytes) into port at now_ms, through the pipeline: what
 * left is in worker.txq[] until apph_drain. */
void apph_send(struct pb *f, uint16_t port, uint64_t now_ms);
/* Frees what the pipeline sent. */
void apph_drain(void);

#endif
