/* run.c: the appliance in the image. Internal to kernel/. */
#ifndef SLUICE_KERN_RUN_H
#define SLUICE_KERN_RUN_H

#include "app.h"
#include "kern_internal.h"

/* Opens the NICs (up to the app's maximum) and builds the app's pipeline; exits the
 * image with a precise line when a device or the app's options are refused. Returns the
 * number of NICs. */
unsigned kern_app_open(const struct app_def *app, const struct kern_cmdline *cl);
/* One line per NIC: where, transport, MAC, link, queue sizes. */
void kern_app_report(void);
/* The poll loop until Ctrl-C or a broken device; prints the counters and exits. */
__attribute__((noreturn)) void kern_app_run(const struct app_def *app);
bool kern_console_interrupt(void);

#endif
