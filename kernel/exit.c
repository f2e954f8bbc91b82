/* Leaving the machine. Under QEMU, isa-debug-exit at port 0xf4 ends the process with
 * status (value << 1) | 1, which `sluice run` decodes back to the value. Without that
 * device (another hypervisor), status 0 resets the machine through a triple fault (QEMU
 * with -no-reboot, Firecracker: the VM stops), and any other status halts the CPU for good
 * after saying so on the console. */
#include "kern_internal.h"

#define DEBUG_EXIT_PORT 0xf4

__attribute__((noreturn)) void kern_exit(int status)
{
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	if (status == KERN_EXIT_OK) {
		static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };
		__asm__ volatile("lidt %0; int3" : : "m"(none));
	}
	kern_printf("sluice: halted with status %d\n", status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

__attribute__((noreturn)) void kern_panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	kern_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kern_printf("sluice: panic: %s\n", buf);
	kern_exit(KERN_EXIT_PANIC);
}
