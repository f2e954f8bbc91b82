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
/* console_in.c: Ctrl-C, and a config typed in for a reload (the comment there). For
 * KERN_CONSOLE_RELOAD, data and len hold the config until kern_console_done(data). */
enum kern_console_event { KERN_CONSOLE_NONE, KERN_CONSOLE_STOP, KERN_CONSOLE_RELOAD };
enum kern_console_event kern_console_poll(uint64_t now_ms, const char **data, size_t *len);
void kern_console_done(const char *data);

#endif
