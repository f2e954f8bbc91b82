/* Boot modules: the PVH module list (QEMU -initrd gives one; Firecracker an initrd). */
#include "kern_internal.h"

#define MAX_MODULES 8

static struct { const void *data; size_t len; const char *name; } mods[MAX_MODULES];
static unsigned n_mods;

void kern_modules_init(const struct hvm_start_info *si)
{
	n_mods = 0;
	if (!si->nr_modules || !si->modlist_paddr)
		return;
	const struct hvm_modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
	for (uint32_t i = 0; i < si->nr_modules && n_mods < MAX_MODULES; i++) {
		mods[n_mods].data = (const void *)(uintptr_t)m[i].paddr;
		mods[n_mods].len = (size_t)m[i].size;
		mods[n_mods].name = m[i].cmdline_paddr ? (const char *)(uintptr_t)m[i].cmdline_paddr : "";
		n_mods++;
	}
	if (si->nr_modules > MAX_MODULES)
		kern_printf("sluice: %u boot modules, only the first %u are used\n", si->nr_modules, MAX_MODULES);
}

bool kern_module(unsigned i, const void **data, size_t *len, const char **name)
{
	if (i >= n_mods)
		return false;
	*data = mods[i].data;
	*len = mods[i].len;
	*name = mods[i].name;
	return true;
}
