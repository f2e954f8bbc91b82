/* plat_test.h - what tests/unit/plat_test.c (the platform contract for unit tests) lets a
 * test set and read. */
#ifndef SLUICE_TEST_PLAT_TEST_H
#define SLUICE_TEST_PLAT_TEST_H

#include <stdint.h>

/* plat_clock_ns() returns this from now on (0 until set). */
void plat_test_set_clock_ns(uint64_t ns);
/* Lines logged at PLAT_LOG_ERROR so far. */
extern unsigned plat_test_errors;

#endif
