/* kern.h - the Sluice unikernel platform: what the image's own code gets from its kernel.
 *
 * Apps and engines do not include this: they see the platform contract (platform/plat.h),
 * which kernel/plat.c implements over these calls. Here: a console, a monotonic clock,
 * entropy, the boot modules, and a way out with a status.
 * There are no processes, no threads and no syscalls: the app's poll loop is the only
 * thing that runs, on the boot CPU, with interrupts off.
 *
 * Exit statuses are what `sluice run` (and any QEMU caller that decodes isa-debug-exit
 * as status = qemu_status >> 1) reports: see enum kern_exit_status.
 */
#ifndef SLUICE_KERN_H
#define SLUICE_KERN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kern_exit_status {
	KERN_EXIT_OK = 0,        /* clean shutdown */
	KERN_EXIT_PANIC = 1,     /* kern_panic() */
	KERN_EXIT_CMDLINE = 2,   /* the boot command line, a boot module or the config was refused */
	KERN_EXIT_FAULT = 3,     /* a CPU exception */
	KERN_EXIT_DEVICE = 4,    /* a network device could not be brought up, or too few of them */
};

/* Console: the first 16550 UART (COM1). Writes never fail and never block for long. */
void kern_console_write(const char *s, size_t len);
int kern_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kern_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int kern_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Clock: nanoseconds since boot, from the TSC calibrated at boot. */
uint64_t kern_clock_ns(void);
uint64_t kern_tsc_hz(void);

/* Random numbers: RDSEED/RDRAND, or TSC jitter where the CPU has neither (see
 * kern_entropy_source()). */
uint64_t kern_random_u64(void);
const char *kern_entropy_source(void);

/* Boot modules (PVH modules, QEMU -initrd): how an image gets its config, rules or files
 * (plat_config() hands out their blobs: a cpio archive module gives one per file).
 * Returns false past the last one. name is the module's own command line, or "". */
bool kern_module(unsigned i, const void **data, size_t *len, const char **name);

/* Leaves the machine with a status; never returns. */
__attribute__((noreturn)) void kern_exit(int status);
__attribute__((noreturn, format(printf, 1, 2))) void kern_panic(const char *fmt, ...);

#endif
