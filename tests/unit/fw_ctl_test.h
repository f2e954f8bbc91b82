/* fw_ctl_test.h - what unit-fw-ctl's files share: the repository's files, a config
 * compared with the parser's reading of its document, the fw app set up on a pipeline,
 * commands as a session splits them, and commits as a session makes them. */
#ifndef SLUICE_TEST_FW_CTL_TEST_H
#define SLUICE_TEST_FW_CTL_TEST_H

#include "ctl.h"
#include "fw/fw_app.h"
#include "fw/fw_ctl_int.h"
#include "fw/fw_doc.h"

#include <check.h>
#include <stdatomic.h>

struct text {
	char *s;
	size_t n, cap;
};
void text_put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A file of the source tree, whole; a doc's first ``` block after a heading. */
char *read_src(const char *rel);
char *doc_block(const char *rel, const char *heading);
/* text's document renders to a text whose config is text's; its own document renders to
 * the same text again. scratch: for messages. */
void round_trip(const char *text, struct text *scratch);
/* A formatted string, valid for the next 7 calls. */
const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

extern const struct app_def app_fw;

/* The fw app on a two-port pipeline (ports' MACs 02:..:01 and 02:..:02), set up with conf. */
struct fw_app *fw_up(const char *conf);
void fw_down(struct fw_app *a);
/* A UDP datagram 10.0.0.2:1000 -> 10.0.0.3:dport into port 0, through the pipeline at now_ms;
 * true when it left by port 1. */
bool send_udp(uint16_t dport, uint64_t now_ms);

/* line, a session's line number lineno ("fw add rule ...", "--json fw ..."), applied to
 * txn as the session would; o's body is freed at the next call. */
int cmd(void *txn, unsigned lineno, const char *line, struct ctl_out *o);
struct fwd_doc *txn_doc(void *txn);
const char *render(void *txn);
const char *render_doc(const struct fwd_doc *d);
/* Renders, reloads and adopts txn, as a session's commit: 0; or -1 with "WHERE: why" in err
 * (and txn freed). */
int commit(struct fw_app *a, void *txn, char *err, size_t len);
void commit_ok(struct fw_app *a, void *txn);
/* A show, its answer in o (body freed at the next call). */
int show(struct fw_app *a, const char *line, bool json, struct ctl_out *o);

/* test_fw_ctl_more.c */
void fw_ctl_more_tests(TCase *tc);

#endif
