/* Monotonic clock from the TSC. Its rate comes from CPUID when the CPU or the hypervisor
 * states it (leaf 0x15 with a crystal clock, or the hypervisor timing leaf 0x40000010),
 * otherwise from the i8254 PIT: channel 0 counts at 1193182 Hz, read back by latching,
 * for 0.5 ms of boot time. */
#include "kern_internal.h"

#define PIT_HZ 1193182u
#define PIT_CAL_TICKS 597u /* 0.5 ms */

static uint64_t tsc_hz;
static uint64_t ns_mult; /* ns per TSC tick, 32.32 fixed point: no division per call */

static uint64_t cpuid_tsc_hz(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid(0x15, 0, r); /* eax: denominator, ebx: numerator, ecx: crystal Hz */
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0];
	}
	cpuid(0x40000000, 0, r);
	if (r[0] >= 0x40000010) {
		cpuid(0x40000010, 0, r); /* eax: TSC kHz (QEMU/KVM, VMware) */
		if (r[0])
			return (uint64_t)r[0] * 1000;
	}
	return 0;
}

static uint16_t pit_read(void)
{
	outb(0x43, 0x00); /* latch channel 0 */
	uint8_t lo = inb(0x40);
	uint8_t hi = inb(0x40);
	return (uint16_t)(hi << 8 | lo);
}

static uint64_t pit_tsc_hz(void)
{
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2, binary */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	uint16_t prev = pit_read();
	uint64_t t0 = rdtsc();
	uint32_t elapsed = 0;
	/* a PIT that never moves (absent) reads the same value forever: give up after a while */
	for (uint32_t spins = 0; elapsed < PIT_CAL_TICKS; spins++) {
		uint16_t cur = pit_read();
		elapsed += (uint16_t)(prev - cur);
		prev = cur;
		if (spins > 50000000u)
			return 0;
	}
	uint64_t t1 = rdtsc();
	return (t1 - t0) * PIT_HZ / elapsed;
}

const char *kern_clock_init(void)
{
	const char *how = "cpuid";
	tsc_hz = cpuid_tsc_hz();
	if (!tsc_hz) {
		how = "pit";
		tsc_hz = pit_tsc_hz();
	}
	if (!tsc_hz) {
		how = "assumed 1 GHz (no CPUID rate, no PIT)";
		tsc_hz = 1000000000u;
	}
	ns_mult = ((uint64_t)1000000000u << 32) / tsc_hz;
	return how;
}

uint64_t kern_tsc_hz(void) { return tsc_hz; }

uint64_t kern_clock_ns(void)
{
	uint64_t ticks = rdtsc() - kern_boot_tsc;
	return (uint64_t)(((unsigned __int128)ticks * ns_mult) >> 32);
}
