/* Memory: the PVH memory map -> a page frame allocator, and the kernel's own page tables.
 *
 * Physical memory is identity-mapped. The first 2 MiB regions that hold the image are
 * mapped with 4 KiB pages so that each section gets its rights (W^X): text RX, rodata R,
 * data/bss RW+NX; page 0 (NULL) and every stack's guard page are not mapped at all. The
 * rest of RAM is RW+NX in 2 MiB pages; device memory is mapped on request, uncached.
 * CR0.WP makes the rights bind the kernel too. */
#include "kern_internal.h"

#include <string.h>

#define PAGE 4096ull
#define LARGE (2ull << 20)
#define PTE_P 0x001ull
#define PTE_W 0x002ull
#define PTE_PWT 0x008ull
#define PTE_PCD 0x010ull
#define PTE_PS 0x080ull
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define E820_RAM 1

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];
extern char kern_boot_stack_guard[], kern_ist_stack_guard[], kern_df_stack_guard[];

static uint8_t *frame_map;      /* one bit per 4 KiB frame, set = used */
static uint64_t n_frames;       /* frames below the top of RAM */
static uint64_t free_frames, total_ram, low_ram; /* low_ram: RAM below 1 MiB, left to firmware */
static uint64_t *pml4;

static void mark(uint64_t first, uint64_t n, bool used)
{
	for (uint64_t f = first; f < first + n && f < n_frames; f++) {
		if (used)
			frame_map[f >> 3] |= (uint8_t)(1u << (f & 7));
		else
			frame_map[f >> 3] &= (uint8_t)~(1u << (f & 7));
	}
}

static bool frame_used(uint64_t f) { return frame_map[f >> 3] & (1u << (f & 7)); }

static void reserve(uint64_t addr, uint64_t size)
{
	if (!size)
		return;
	uint64_t first = addr / PAGE, last = (addr + size + PAGE - 1) / PAGE;
	for (uint64_t f = first; f < last && f < n_frames; f++) {
		if (!frame_used(f))
			free_frames--;
		mark(f, 1, true);
	}
}

void *kern_page_alloc(size_t n)
{
	uint64_t run = 0;
	for (uint64_t f = 1; f < n_frames; f++) {
		run = frame_used(f) ? 0 : run + 1;
		if (run == n) {
			uint64_t first = f + 1 - n;
			mark(first, n, true);
			free_frames -= n;
			void *p = (void *)(uintptr_t)(first * PAGE);
			memset(p, 0, n * PAGE);
			return p;
		}
	}
	return NULL;
}

void kern_page_free(void *p, size_t n)
{
	uint64_t first = (uintptr_t)p / PAGE;
	for (uint64_t f = first; f < first + n; f++)
		if (frame_used(f))
			free_frames++;
	mark(first, n, false);
}

uint64_t kern_mem_free(void) { return free_frames * PAGE; }
uint64_t kern_mem_total(void) { return total_ram - low_ram; }

static uint64_t *table_alloc(void)
{
	uint64_t *t = kern_page_alloc(1);
	if (!t)
		kern_panic("out of memory for page tables");
	return t;
}

/* The entry for va at the given level (3 = PML4 ... 0 = PT), creating tables on the way. */
static uint64_t *walk(uint64_t va, int level)
{
	uint64_t *t = pml4;
	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P))
			*e = (uint64_t)(uintptr_t)table_alloc() | PTE_P | PTE_W;
		if (*e & PTE_PS)
			kern_panic("mapping %#llx inside a large page", (unsigned long long)va);
		t = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

static uint64_t image_rights(uint64_t pa)
{
	uint64_t a = (uint64_t)(uintptr_t)pa;
	if (a == (uintptr_t)kern_boot_stack_guard || a == (uintptr_t)kern_ist_stack_guard ||
	    a == (uintptr_t)kern_df_stack_guard)
		return 0; /* guard pages: not present */
	if (a < (uintptr_t)__image_start || a >= (uintptr_t)__image_end)
		return PTE_P | PTE_W | PTE_NX;
	if (a < (uintptr_t)__text_end)
		return PTE_P;                /* text: read and execute */
	if (a < (uintptr_t)__rodata_end)
		return PTE_P | PTE_NX;       /* rodata: read only */
	return PTE_P | PTE_W | PTE_NX;       /* data, bss, stacks */
}

void kern_map_mmio(uint64_t pa, uint64_t size)
{
	for (uint64_t a = pa & ~(PAGE - 1); a < pa + size; a += PAGE)
		*walk(a, 0) = a | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX;
	__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");
}

static void build_page_tables(uint64_t top)
{
	pml4 = table_alloc();
	uint64_t fine_end = ((uintptr_t)__image_end + LARGE - 1) & ~(LARGE - 1);
	for (uint64_t a = 0; a < top; a += LARGE) {
		if (a < fine_end) {
			for (uint64_t p = a; p < a + LARGE; p += PAGE)
				*walk(p, 0) = p ? p | image_rights(p) : 0; /* page 0 stays unmapped */
		} else {
			*walk(a, 1) = a | PTE_P | PTE_W | PTE_PS | PTE_NX;
		}
	}
	/* no-execute on, write protection binding the kernel, then the new tables */
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080));
	lo |= 1u << 11; /* EFER.NXE */
	__asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(0xC0000080));
	uint64_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= 1ull << 16; /* CR0.WP */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %0, %%cr3" : : "r"(pml4) : "memory");
}

void kern_mm_init(const struct hvm_start_info *si)
{
	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries)
		kern_panic("the loader gave no memory map (PVH start info version %u)", si->version);
	const struct hvm_memmap_entry *mm = (const void *)(uintptr_t)si->memmap_paddr;
	uint64_t top = 0;
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (mm[i].type == E820_RAM && mm[i].addr + mm[i].size > top)
			top = mm[i].addr + mm[i].size;
	if (top > (64ull << 30))
		top = 64ull << 30; /* the frame map covers at most 64 GiB */
	n_frames = top / PAGE;
	/* the frame map goes in the first RAM above the image */
	uint64_t map_bytes = (n_frames + 7) / 8;
	uint64_t map_at = ((uintptr_t)__image_end + PAGE - 1) & ~(PAGE - 1);
	frame_map = (uint8_t *)(uintptr_t)map_at;
	memset(frame_map, 0xff, map_bytes);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (mm[i].type != E820_RAM)
			continue;
		uint64_t first = (mm[i].addr + PAGE - 1) / PAGE;
		uint64_t last = (mm[i].addr + mm[i].size) / PAGE;
		if (last > n_frames)
			last = n_frames;
		if (last > first) {
			mark(first, last - first, false);
			free_frames += last - first;
			total_ram += (last - first) * PAGE;
		}
	}
	/* low memory (firmware, start info, command line), the image, the frame map, modules */
	uint64_t before = free_frames;
	reserve(0, 1ull << 20);
	low_ram = (before - free_frames) * PAGE;
	reserve((uintptr_t)__image_start, (uintptr_t)__image_end - (uintptr_t)__image_start);
	reserve(map_at, map_bytes);
	reserve((uintptr_t)si & ~(PAGE - 1), PAGE);
	if (si->nr_modules && si->modlist_paddr) {
		const struct hvm_modlist_entry *mod = (const void *)(uintptr_t)si->modlist_paddr;
		reserve(si->modlist_paddr, si->nr_modules * sizeof(*mod));
		for (uint32_t i = 0; i < si->nr_modules; i++)
			reserve(mod[i].paddr, mod[i].size);
	}
	build_page_tables((top + LARGE - 1) & ~(LARGE - 1));
}

const char *kern_stack_guard_hit(uint64_t addr)
{
	uint64_t page = addr & ~(PAGE - 1);
	if (page == (uintptr_t)kern_boot_stack_guard || page == (uintptr_t)kern_ist_stack_guard ||
	    page == (uintptr_t)kern_df_stack_guard)
		return "stack overflow";
	return NULL;
}
