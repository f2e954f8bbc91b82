/* Declarations shared inside kernel/ only, grouped by the file that defines them. */
#ifndef SLUICE_KERN_INTERNAL_H
#define SLUICE_KERN_INTERNAL_H

#include "kern.h"

#include <stdbool.h>

/* arch/x86_64/boot.S */
extern uint64_t kern_boot_tsc;

/* arch/x86_64/io.h */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* struct hvm_start_info, version 1 (Xen public header arch-x86/hvm/start_info.h) */
#define PVH_START_MAGIC 0x336ec578u
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

/* struct hvm_modlist_entry: one boot module in the list at hvm_start_info.modlist_paddr */
struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

/* mm.c */
void kern_mm_init(const struct hvm_start_info *si);
void *kern_page_alloc(size_t n);             /* n zeroed contiguous pages, or NULL */
void kern_page_free(void *p, size_t n);
void kern_map_mmio(uint64_t pa, uint64_t size);
uint64_t kern_mem_free(void);
uint64_t kern_mem_total(void);
/* "stack overflow" when addr lies in a stack's guard page, else NULL */
const char *kern_stack_guard_hit(uint64_t addr);

/* trap.c, arch/x86_64/trap.S */
struct kern_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
void kern_trap_init(void);
void kern_backtrace(uint64_t rip, uint64_t rsp, uint64_t rbp);

/* tests.c: faults planted on purpose (test= on the command line) */
__attribute__((noreturn)) void kern_run_test(const char *name);

/* console.c */
void kern_console_init(void);

/* clock.c: calibrates the TSC; returns how it did ("cpuid", "pit") */
const char *kern_clock_init(void);

/* cmdline.c */
#define KERN_MAX_MMIO 8
enum kern_log { KERN_LOG_QUIET, KERN_LOG_INFO, KERN_LOG_DEBUG };
struct kern_cmdline {
	bool exit_ready;         /* exit=ready: shut down with status 0 after the ready line */
	const char *test;        /* test=NAME: run a planted fault (fault, wx, null, overflow) */
	enum kern_log log;       /* log=quiet|info|debug (default info) */
	char opts[512];          /* opts=...: the app's options, commas for spaces */
	char mgmt[128];          /* mgmt=SPEC: the last NIC is the management NIC, with these
	                            addresses (stk_conf_parse: dhcp, ip=A/N,gw=G, ...) */
	uint16_t metrics_port;   /* metrics=PORT: TCP port of /metrics (default 9100) */
	int64_t clock_s;         /* clock=SECONDS: the wall clock at boot (date +%s), 0: none */
	struct { uint64_t base; uint32_t size, irq; } mmio[KERN_MAX_MMIO]; /* virtio_mmio.device= */
	unsigned n_mmio;
};

/* devices.c */
#define KERN_MAX_DEVICES 32
enum kern_bus { KERN_BUS_PCI, KERN_BUS_VIRTIO_MMIO };
struct kern_device {
	enum kern_bus bus;
	uint16_t vendor, device;  /* PCI IDs; for virtio-mmio the virtio vendor and device ID */
	uint32_t class_code;      /* PCI class, subclass, prog-if */
	struct { uint8_t bus, dev, fn; } pci;
	struct { uint64_t base; uint32_t size, irq, version; } mmio;
};
int kern_cmdline_virtio_mmio(const char *v, size_t len, struct kern_cmdline *cl);
void kern_devices_init(const struct kern_cmdline *cl);
unsigned kern_devices(const struct kern_device **out);
unsigned kern_count_virtio(uint16_t virtio_id);
bool kern_is_virtio(const struct kern_device *d, uint16_t virtio_id);
uint32_t kern_pci_read32(const struct kern_device *d, unsigned off);
void kern_pci_write32(const struct kern_device *d, unsigned off, uint32_t v);

/* modules.c: the boot modules and the blobs of plat_config() (a cpio archive's files, or
 * the module); a malformed archive stops the boot with KERN_EXIT_CMDLINE */
struct plat_blob;
void kern_modules_init(const struct hvm_start_info *si);
bool kern_blob(unsigned i, struct plat_blob *out, unsigned *module);
int kern_blob_config(void);                   /* the app's config: its blob, or -1 */
/* wallclock.c (and plat_wall_s()): after kern_clock_init(); clock_s from clock=, 0 when
 * not given. Returns the source ("clock=", "cmos"), NULL when the date is not known. */
const char *kern_wall_init(int64_t clock_s);
void kern_wall_format(int64_t s, char buf[21]);   /* 2026-12-06T09:00:00Z */
/* rtc.c, in the images with a management plane (KERN_RTC=1): the CMOS RTC's date in
 * seconds since 1970, 0 when there is none or it is not believable; kern_rtc_date() turns
 * its registers (seconds, minutes, hours, day, month, year) into that, register B saying
 * how they are written */
int64_t kern_rtc_read(void);
int64_t kern_rtc_date(const uint8_t raw[6], unsigned regb);
#ifdef KERN_RTC
#define KERN_WALL_NONE "no clock=, no CMOS RTC"
#else
#define KERN_WALL_NONE "no clock=; no RTC in this image"
#endif
/* entropy.c: after device discovery and the clock, virtio-rng where the CPU has no RDSEED
 * or RDRAND */
void kern_entropy_devices(void);
/* plat.c: the contract's log lines follow log= */
void kern_plat_log_level(enum kern_log l);
/* Parses the boot command line; on error prints one precise line and returns -1. */
int kern_cmdline_parse(const char *s, struct kern_cmdline *out);

#endif
