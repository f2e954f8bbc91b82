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

/* console.c */
void kern_console_init(void);

/* clock.c: calibrates the TSC; returns how it did ("cpuid", "pit") */
const char *kern_clock_init(void);

/* cmdline.c */
struct kern_cmdline {
	bool exit_ready;         /* exit=ready: shut down with status 0 after the ready line */
};
/* Parses the boot command line; on error prints one precise line and returns -1. */
int kern_cmdline_parse(const char *s, struct kern_cmdline *out);

#endif
