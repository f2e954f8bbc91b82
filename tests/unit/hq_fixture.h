/* hq_fixture.h - what unit-hq's files (test_hq.c, test_hq_fields.c) share: the request
 * every head is parsed into, a buffer to write heads in, and hq_parse over a heap copy of
 * a head's exact size, so that AddressSanitizer sees any read past its end. */
#ifndef SLUICE_TEST_HQ_FIXTURE_H
#define SLUICE_TEST_HQ_FIXTURE_H

#include "hq.h"

#include <check.h>

#define REQUIRE(c) do { if (!(c)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c); } while (0)

/* the last head parsed */
extern struct hq_req req;
/* room for a head over HQ_HEAD_MAX */
extern char buf[HQ_HEAD_MAX * 2];

/* hq_parse over a copy of exactly n bytes, so that ASan sees any read past the end. */
int parse_n(const char *s, size_t n);
/* the same over a string's bytes */
int parse(const char *s);

#endif
