/* hosted_plat.h - what the hosted launcher's main tells its side of the platform contract
 * (hosted/plat.c) before the appliance starts. Internal to hosted/. */
#ifndef SLUICE_HOSTED_PLAT_H
#define SLUICE_HOSTED_PLAT_H

#include "plat.h"

#define HOSTED_MAX_BLOBS 8     /* --config, the four files of --keys, room to spare */

/* The app's clock in ms instead of CLOCK_MONOTONIC (--clock capture); NULL: the host's. */
void hosted_plat_set_clock_ms(uint64_t (*ms)(void));
/* Lines logged at level so far (whether shown or not): the tests' check that nothing
 * went wrong. */
uint64_t hosted_plat_log_count(enum plat_log_level level);
/* Blob i, in the order added (--config, then --keys); -1 when full. data stays the
 * caller's. */
int hosted_plat_add_blob(const char *name, const void *data, size_t len);

#endif
