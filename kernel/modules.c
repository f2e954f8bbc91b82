/* Boot modules: the PVH module list (QEMU -initrd gives one; Firecracker an initrd), and
 * the blobs the platform contract hands out (plat_config()): one per module, or one per
 * regular file of a module that is a cpio "newc" archive (platform/plat_cpio.h). */
#include "kern_internal.h"
#include "plat_cpio.h"

#define MAX_MODULES 8
#define MAX_BLOBS 16

static struct { const void *data; size_t len; const char *name; } mods[MAX_MODULES];
static unsigned n_mods;
static struct plat_blob blobs[MAX_BLOBS];
static uint8_t blob_mod[MAX_BLOBS];   /* the module each blob came from */
static unsigned n_blobs;
static int config_blob = -1;

static void add_blob(unsigned m, const char *name, const void *data, size_t len)
{
	if (n_blobs == MAX_BLOBS) {
		kern_printf("sluice: boot module %u: over %u files\n", m, MAX_BLOBS);
		kern_exit(KERN_EXIT_CMDLINE);
	}
	blobs[n_blobs] = (struct plat_blob){ .name = name, .data = data, .len = len };
	blob_mod[n_blobs] = (uint8_t)m;
	if (config_blob < 0 && !plat_blob_credential(name))
		config_blob = (int)n_blobs;
	n_blobs++;
}

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
	for (unsigned i = 0; i < n_mods; i++) {
		if (!plat_cpio_is(mods[i].data, mods[i].len)) {
			const char *name = mods[i].name;
			add_blob(i, name[0] ? name : i == 0 ? "boot module 0" : "a boot module", mods[i].data, mods[i].len);
			continue;
		}
		struct plat_cpio c;
		struct plat_blob b;
		int r;
		plat_cpio_init(&c, mods[i].data, mods[i].len);
		while ((r = plat_cpio_next(&c, &b)) > 0)
			add_blob(i, b.name, b.data, b.len);
		if (r < 0) {
			kern_printf("sluice: boot module %u: malformed cpio archive at offset %zu: %s\n", i, c.err_off, c.why);
			kern_exit(KERN_EXIT_CMDLINE);
		}
	}
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

bool kern_blob(unsigned i, struct plat_blob *out, unsigned *module)
{
	if (i >= n_blobs)
		return false;
	*out = blobs[i];
	if (module)
		*module = blob_mod[i];
	return true;
}

int kern_blob_config(void)
{
	return config_blob;
}
