/* kern_boot: from the PVH entry to the ready line. */
#include "kern_run.h"
#include "libc/libc_impl.h"
#include "plat_cpio.h"

#include <stdlib.h>
#include <string.h>

#ifndef SLUICE_APP
#error "SLUICE_APP names the appliance this image runs"
#endif

extern char __image_start[], __image_end[];

extern uintptr_t __stack_chk_guard;

/* What the image found, after the ready line (console output is slow under emulation). */
static void report(const struct kern_cmdline *cl, const char *wall)
{
	const struct kern_device *d;
	unsigned n = kern_devices(&d);
	kern_printf("sluice: %u device(s), %u virtio-net", n, kern_count_virtio(1));
	const void *data;
	size_t len;
	const char *name;
	unsigned m = 0;
	while (kern_module(m, &data, &len, &name))
		m++;
	kern_printf(", %u boot module(s)%s%s\n", m, cl->opts[0] ? ", app options: " : "", cl->opts);
	char date[21] = "unknown";
	if (wall)
		kern_wall_format(plat_wall_s(), date);
	kern_printf("sluice: wall clock %s (%s)\n", date, wall ? wall : KERN_WALL_NONE);
	for (unsigned i = 0; cl->log >= KERN_LOG_INFO && i < n; i++) {
		if (d[i].bus == KERN_BUS_PCI)
			kern_printf("  pci %02x:%02x.%u %04x:%04x class %06x\n", d[i].pci.bus, d[i].pci.dev, d[i].pci.fn,
				    d[i].vendor, d[i].device, d[i].class_code);
		else
			kern_printf("  virtio-mmio %#llx irq %u: virtio device %u (transport version %u)\n",
				    (unsigned long long)d[i].mmio.base, d[i].mmio.irq, d[i].device, d[i].mmio.version);
	}
	for (unsigned i = 0; i < m && kern_module(i, &data, &len, &name); i++) {
		kern_printf("  module %u: %zu bytes at %p%s%s%s\n", i, len, data, name[0] ? ", " : "", name,
			    plat_cpio_is(data, len) ? ", a cpio archive:" : "");
		struct plat_blob b;
		unsigned bm;
		for (unsigned k = 0; plat_cpio_is(data, len) && kern_blob(k, &b, &bm); k++)
			if (bm == i)
				kern_printf("    %s: %zu bytes%s\n", b.name, b.len,
					    (int)k == kern_blob_config() ? " (config)" : "");
	}
	kern_app_report();
}

__attribute__((noreturn)) void kern_boot(uint32_t start_info_paddr);

/* No stack protector here: the canary changes while this function runs (it never returns). */
__attribute__((noreturn, no_stack_protector)) void kern_boot(uint32_t start_info_paddr)
{
	__stack_chk_guard = (uintptr_t)kern_random_u64();
	kern_console_init();
	const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)start_info_paddr;
	if (!si || si->magic != PVH_START_MAGIC)
		kern_panic("no PVH start info (magic %#x): boot with a PVH loader (qemu -kernel, Firecracker)",
			   si ? si->magic : 0);
	kern_trap_init();
	const char *cmdline = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	struct kern_cmdline cl;
	if (kern_cmdline_parse(cmdline, &cl) != 0)
		kern_exit(KERN_EXIT_CMDLINE);
	kern_plat_log_level(cl.log);
	kern_mm_init(si);
	kern_heap_init(kern_page_alloc, kern_page_free);
	kern_modules_init(si);
	kern_devices_init(&cl);
	const char *clock = kern_clock_init();
	const char *wall = kern_wall_init(cl.clock_s);
	kern_entropy_devices();
	const struct app_def *app = app_find(SLUICE_APP);
	if (!app)
		kern_panic("this image was built for '%s', which the app registry lacks", SLUICE_APP);
	if (cl.test)
		kern_run_test(cl.test);
	kern_app_open(app, &cl);

	uint64_t ns = kern_clock_ns();
	uint64_t image = (uint64_t)(__image_end - __image_start);
	uint64_t used = kern_mem_total() - kern_mem_free();
	kern_printf("sluice: %s ready in %llu.%03llu ms (TSC %llu MHz by %s), memory in use %llu KiB of %llu, "
		    "image %llu KiB, entropy from %s\n",
		    SLUICE_APP, (unsigned long long)(ns / 1000000), (unsigned long long)(ns / 1000 % 1000),
		    (unsigned long long)(kern_tsc_hz() / 1000000), clock, (unsigned long long)(used / 1024),
		    (unsigned long long)(kern_mem_total() / 1024), (unsigned long long)(image / 1024),
		    kern_entropy_source());
	report(&cl, wall);
	if (cl.exit_ready)
		kern_exit(KERN_EXIT_OK);
	kern_app_run(app);
}
