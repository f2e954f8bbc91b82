/* fw_ctl_test.h - what unit-fw-ctl's files share: a doc's config block, a config compared
 * with the parser's reading of its document, the fw app set up on a pipeline, and its
 * documents; the rest (text, sessions, commands, shows and commits) is ctl_harness.h's. */
#ifndef SLUICE_TEST_FW_CTL_TEST_H
#define SLUICE_TEST_FW_CTL_TEST_H

#include "ctl.h"
#include "ctl_harness.h"
#include "fw/fw_app.h"
#include "fw/fw_ctl_int.h"
#include "fw/fw_doc.h"

#include <check.h>
#include <stdatomic.h>

/* A doc's first ``` block after a heading. */
char *doc_block(const char *rel, const char *heading);
/* text's document renders to a text whose config is text's; its own document renders to
 * the same text again. scratch: for messages. */
void round_trip(const char *text, struct text *scratch);

extern const struct app_def app_fw;

/* The fw app on a two-port pipeline (ports' MACs 02:..:01 and 02:..:02), set up with conf. */
struct fw_app *fw_up(const char *conf);
void fw_down(struct fw_app *a);
/* A UDP datagram 10.0.0.2:1000 -> 10.0.0.3:dport into port 0, through the pipeline at now_ms;
 * true when it left by port 1. */
bool send_udp(uint16_t dport, uint64_t now_ms);

/* The document of a transaction; a document rendered. (Commands, shows and commits as a
 * session makes them: ctl_harness.h, on fw's namespace once fw_up ran.) */
struct fwd_doc *txn_doc(void *txn);
const char *render_doc(const struct fwd_doc *d);

/* test_fw_ctl_more.c */
void fw_ctl_more_tests(TCase *tc);

#endif
