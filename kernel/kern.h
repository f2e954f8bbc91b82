/* kern.h - the Sluice unikernel platform: what an image gets from its kernel.
 *
 * The contract between the kernel and the code it runs (dataplane, drivers, apps):
 * a console, a monotonic clock, the boot command line, and a way out with a status.
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
	KERN_EXIT_CMDLINE = 2,   /* the boot command line was refused */
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

/* Timers for the poll loop: the loop calls kern_timers_run(kern_clock_ns()) between
 * bursts; each timer whose deadline has passed runs once, in deadline order. A callback
 * may re-arm its own timer. The caller owns the struct kern_timer. */
struct kern_timer {
	uint64_t deadline_ns;
	void (*fn)(void *arg);
	void *arg;
	bool armed;
	struct kern_timer *next;
};
void kern_timer_arm(struct kern_timer *t, uint64_t deadline_ns, void (*fn)(void *arg), void *arg);
void kern_timer_cancel(struct kern_timer *t);
/* Runs the expired timers; returns the next deadline, or UINT64_MAX when none is armed. */
uint64_t kern_timers_run(uint64_t now_ns);

/* Random numbers: RDSEED/RDRAND, or TSC jitter where the CPU has neither (see
 * kern_entropy_source()). */
uint64_t kern_random_u64(void);
const char *kern_entropy_source(void);

/* Boot modules (PVH modules, QEMU -initrd): how an image gets its config, rules or files.
 * Returns false past the last one. name is the module's own command line, or "". */
bool kern_module(unsigned i, const void **data, size_t *len, const char **name);

/* Leaves the machine with a status; never returns. */
__attribute__((noreturn)) void kern_exit(int status);
__attribute__((noreturn, format(printf, 1, 2))) void kern_panic(const char *fmt, ...);

#endif
