/* plat.h - the platform contract: everything an appliance gets from what runs it.
 *
 * Two platforms implement this header, each once: the unikernel (kernel/plat.c) and the
 * hosted launcher (hosted/plat.c). The app life cycle (apps/app_life.h), the apps, the
 * engines and the host stack (stack/) call it and hold no platform #if; Meson decides which
 * implementation a binary links, as Solo5's bindings do. Network ports are not here: they
 * are the netdev interface (drivers/vnet.h), which both platforms open and hand over.
 *
 * There is one thread. Every call here is made from the poll loop, returns promptly, never
 * blocks and never fails in a way the caller must handle: a platform that cannot keep its
 * side of the contract stops the appliance with a line saying why.
 *
 * Life cycle, as the platform drives it (apps/app_life.h):
 *   1. the platform opens its ports and reads its config blobs;
 *   2. app_life_setup(): the app builds its pipeline, the host stack comes up on the
 *      management interface, if any;
 *   3. app_life_run(): the poll loop: bursts from every port through the pipeline, packets
 *      for the appliance itself to the host stack, then, about once a millisecond, the
 *      timers, the app's tick and the platform's own poll hook (its console, its signals,
 *      device health), which may ask for a reload or a stop;
 *   4. app_life_reload() at any time between bursts (a signal, the console, the control
 *      socket): a new config built off to the side and swapped in, or refused with the
 *      running one untouched;
 *   5. app_life_report() and app_life_teardown(): counters, then everything given back.
 */
#ifndef SLUICE_PLAT_H
#define SLUICE_PLAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- clock ---------------------------------------------------------------------------- */

/* Monotonic nanoseconds since the platform started: never goes back, never jumps forward
 * across a suspend the appliance did not see. The image reads the calibrated TSC; the
 * hosted launcher CLOCK_MONOTONIC, or the replayed captures' own time (--clock capture). */
uint64_t plat_clock_ns(void);

/* Wall-clock seconds since 1970-01-01T00:00:00Z, or 0 when the platform does not know the
 * date. Hosted: time(2). The image: the clock=SECONDS its command line was booted with
 * (`sluice run` passes the host's), else, in the images with a management plane, the
 * CMOS RTC (QEMU's pc, q35 and microvm without KVM or with rtc=on; Firecracker has none),
 * read once at boot and advanced by the monotonic clock; the boot log names the source. Certificate dates need it; timeouts
 * and rates take plat_clock_ns(), which never jumps. */
int64_t plat_wall_s(void);

/* ---- timers --------------------------------------------------------------------------- */

/* One-shot timers, run by the poll loop between bursts (no interrupts, no threads): each
 * timer whose deadline has passed runs once, in deadline order, and may re-arm itself.
 * The caller owns the struct; arming an armed timer moves it. O(armed timers), which stay
 * few (a stack's periodic work, retries), and nothing is allocated. */
struct plat_timer {
	uint64_t deadline_ns;
	void (*fn)(void *arg);
	void *arg;
	bool armed;
	struct plat_timer *next;
};
void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, void (*fn)(void *arg), void *arg);
void plat_timer_cancel(struct plat_timer *t);
/* Runs the expired timers; returns the next deadline, or UINT64_MAX when none is armed.
 * Called by the life cycle; apps and engines arm and cancel only. */
uint64_t plat_timers_run(uint64_t now_ns);

/* ---- entropy -------------------------------------------------------------------------- */

/* Fills buf with len random bytes from the best source the platform has (getrandom(2);
 * RDSEED/RDRAND in the image, else TSC jitter: plat_entropy_source() names it). Good for
 * hash seeds, TCP initial sequence numbers and DHCP transaction IDs. Key material takes
 * its own source through mbedTLS's entropy interface. */
void plat_random(void *buf, size_t len);
const char *plat_entropy_source(void);

/* ---- logging -------------------------------------------------------------------------- */

enum plat_log_level { PLAT_LOG_ERROR, PLAT_LOG_WARN, PLAT_LOG_INFO, PLAT_LOG_DEBUG };

/* One line (no trailing newline) on the platform's console: the serial port in the image,
 * standard error hosted. Lines above the level the user asked for are left out. */
void plat_log(enum plat_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void plat_vlog(enum plat_log_level level, const char *fmt, va_list ap);
/* Formatting without a libc: the image's printf core, glibc's hosted. */
int plat_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int plat_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- config blobs --------------------------------------------------------------------- */

/* The blobs the appliance was started with, in order. The image's boot modules give one
 * blob each, except a module that is a cpio archive in the "newc" format (what
 * `sluice run --keys DIR` boots: QEMU's -initrd and Firecracker take one module), which
 * gives one blob per regular file, in archive order, named by its path in the archive; a
 * malformed archive stops the boot with its offset and the reason. Hosted: --config FILE,
 * then the files of --keys DIR. name says where it came from, for FILE:LINE:COL messages.
 * Returns false past the last one. data is not NUL-terminated; the memory stays valid
 * while the appliance runs. A blob that replaces the config at run time does not come
 * through here: the platform (or the control socket) hands it to app_life_reload(). */
struct plat_blob {
	const char *name;
	const void *data;
	size_t len;
};
bool plat_config(unsigned i, struct plat_blob *out);
/* The control socket's credentials are blobs named by their file: ca.crt (the CA its
 * clients' certificates are checked against), server.crt, server.key and psk; so are a
 * web server's (httpd): https.crt and https.key. True when the last path component of
 * name is one of those. The app's config is the first blob
 * that is not a credential (blob 0 unless an archive lists credentials first). */
bool plat_blob_credential(const char *name);
/* The first blob whose name's last path component is base ("server.key" finds
 * "keys/server.key"); false when there is none. Shared by both platforms, over
 * plat_config(). */
bool plat_config_named(const char *base, struct plat_blob *out);

/* ---- background work ----------------------------------------------------------------- */

/* Work that must not stall the poll loop (a commit's parse and compile): run away from it
 * where the platform can, hosted on a thread of its own; where it cannot (the image: one
 * CPU, no threads) at once, inside plat_work_start(). fn must touch nothing the poll loop
 * touches (it builds something new off to the side); the poll loop asks plat_work_done()
 * between bursts and takes the result once it says true. One start, one done: the
 * struct is the caller's until then. */
struct plat_work {
	void (*fn)(void *arg);
	void *arg;
	_Atomic int state;               /* 0 idle, 1 running, 2 finished (fn returned) */
	unsigned long thread;            /* the platform's handle, hosted: a pthread_t */
};
/* 0, or -1 when it could not start (fn has not run, nothing to wait for). */
int plat_work_start(struct plat_work *w, void (*fn)(void *arg), void *arg);
/* True once fn has returned (and what it wrote is visible to the caller). */
bool plat_work_done(struct plat_work *w);

/* ---- the host stack ------------------------------------------------------------------- */

/* Packets for the appliance itself (its management addresses) leave the pipeline with the
 * verdict PKT_V_HOST and go, without a copy, to the host stack (stack/stk.h), which the
 * life cycle attaches to the worker as its host_deliver hook; the stack transmits through
 * the port's transmit queue. Both platforms run the same stack: this contract adds
 * nothing for it beyond the clock, the timers and the entropy above. */

#endif
