/* CPU exceptions: the IDT, a TSS whose IST stacks catch faults even on a broken stack,
 * and the report: vector, error code, registers, the faulting address, and a backtrace
 * named through the image's symbol table. Then the image stops with KERN_EXIT_FAULT. */
#include "kern_internal.h"

#include <string.h>

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

extern const uint64_t kern_trap_stubs[32];
extern char kern_ist_stack_top[], kern_df_stack_top[];

static struct idt_entry idt[32];
static struct tss tss;
static uint64_t gdt[5];

static const char *const names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
	"device not available", "double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection", "page fault", "reserved",
	"x87 floating point", "alignment check", "machine check", "SIMD floating point",
	"virtualization", "control protection",
};

void kern_trap_init(void)
{
	/* GDT: null, code 0x08, data 0x10, TSS 0x18 (two slots) */
	gdt[1] = 0x00af9a000000ffffull;
	gdt[2] = 0x00cf92000000ffffull;
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
		 ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
	tss.ist[0] = (uint64_t)(uintptr_t)kern_ist_stack_top; /* IST1: faults */
	tss.ist[1] = (uint64_t)(uintptr_t)kern_df_stack_top;  /* IST2: double fault, NMI, MCE */
	tss.iomap = sizeof(tss);
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gd = { sizeof(gdt) - 1, (uintptr_t)gdt };
	__asm__ volatile("lgdt %0; mov $0x18, %%ax; ltr %%ax" : : "m"(gd) : "rax");
	for (int v = 0; v < 32; v++) {
		uint64_t off = kern_trap_stubs[v];
		idt[v] = (struct idt_entry){
			.off_lo = (uint16_t)off, .sel = 0x08,
			.ist = (v == 8 || v == 2 || v == 18) ? 2 : 1,
			.type = 0x8e, /* present, interrupt gate */
			.off_mid = (uint16_t)(off >> 16), .off_hi = (uint32_t)(off >> 32),
		};
	}
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) id = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(id));
}

/* The symbol table made at link time (tools/kernsyms): text symbols sorted by address,
 * 12 bytes each (the image lies below 4 GiB). */
struct kern_ksym {
	uint32_t addr;
	uint32_t name;   /* offset into kern_ksym_names */
	uint32_t size;
};
extern const struct kern_ksym kern_ksyms[];
extern const uint64_t kern_ksyms_count;
extern const char kern_ksym_names[];

static const char *symbolize(uint64_t addr, uint64_t *off)
{
	uint64_t lo = 0, hi = kern_ksyms_count;
	while (lo < hi) { /* the last symbol at or below addr */
		uint64_t mid = (lo + hi) / 2;
		if (kern_ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct kern_ksym *s = &kern_ksyms[lo - 1];
	if (s->size && addr >= s->addr + s->size)
		return NULL;
	*off = addr - s->addr;
	return kern_ksym_names + s->name;
}

static void print_frame(int i, uint64_t addr)
{
	uint64_t off = 0;
	const char *name = symbolize(addr, &off);
	if (name)
		kern_printf("  #%d %#018llx %s+%#llx\n", i, (unsigned long long)addr, name, (unsigned long long)off);
	else
		kern_printf("  #%d %#018llx ?\n", i, (unsigned long long)addr);
}

extern char __image_start[], __image_end[];

static bool readable_stack(uint64_t p)
{
	/* frames live in the image's stacks; anything else ends the walk */
	return !(p & 7) && p >= (uintptr_t)__image_start && p + 16 <= (uintptr_t)__image_end;
}

extern char __text_end[];

/* A function that needs no stack frame (a leaf, at -O2) faults with its return address on
 * top of the stack and the caller's frame in rbp: [rsp] is that return address when the
 * call just before it targets the faulting function. */
static uint64_t leaf_return(uint64_t rip, uint64_t rsp)
{
	uint64_t off;
	if (!readable_stack(rsp) || !symbolize(rip, &off))
		return 0;
	uint64_t ret = *(const uint64_t *)(uintptr_t)rsp;
	if (ret < (uintptr_t)__image_start + 5 || ret >= (uintptr_t)__text_end)
		return 0;
	const uint8_t *call = (const uint8_t *)(uintptr_t)(ret - 5);
	if (call[0] != 0xe8) /* call rel32 */
		return 0;
	int32_t rel;
	memcpy(&rel, call + 1, 4);
	return ret + (uint64_t)(int64_t)rel == rip - off ? ret : 0;
}

void kern_backtrace(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
	kern_printf("backtrace:\n");
	int i = 0;
	print_frame(i++, rip);
	uint64_t ret = leaf_return(rip, rsp);
	if (ret)
		print_frame(i++, ret - 1);
	for (; i < 32 && rbp && readable_stack(rbp); i++) {
		const uint64_t *f = (const uint64_t *)(uintptr_t)rbp;
		if (!f[1])
			break;
		print_frame(i, f[1] - 1); /* the call, not the instruction after it */
		if (f[0] <= rbp)
			break;
		rbp = f[0];
	}
}

__attribute__((noreturn)) void kern_trap(struct kern_trap_frame *f);

__attribute__((noreturn)) void kern_trap(struct kern_trap_frame *f)
{
	uint64_t cr2 = 0;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	const char *name = f->vector < 32 && names[f->vector] ? names[f->vector] : "reserved";
	kern_printf("\nsluice: CPU exception %llu (%s), error code %#llx\n", (unsigned long long)f->vector, name,
		    (unsigned long long)f->error);
	if (f->vector == 14) {
		const char *why = kern_stack_guard_hit(cr2);
		const char *access = f->error & 2 ? "write" : f->error & 16 ? "instruction fetch" : "read";
		const char *cause = cr2 < 4096 ? "a NULL pointer dereference"
				  : why ? "the stack ran into its guard page"
				  : !(f->error & 1) ? "nothing is mapped there"
				  : f->error & 2 ? "the page is read-only (W^X)"
				  : f->error & 16 ? "the page is not executable (W^X)" : "the page denies it";
		kern_printf("sluice: %s at %#llx: %s; %s\n", why ? why : "page fault", (unsigned long long)cr2, access,
			    cause);
	}
	kern_printf("rip %016llx rsp %016llx rbp %016llx rflags %016llx\n", (unsigned long long)f->rip,
		    (unsigned long long)f->rsp, (unsigned long long)f->rbp, (unsigned long long)f->rflags);
	kern_printf("rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)f->rax,
		    (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kern_printf("rsi %016llx rdi %016llx r8  %016llx r9  %016llx\n", (unsigned long long)f->rsi,
		    (unsigned long long)f->rdi, (unsigned long long)f->r8, (unsigned long long)f->r9);
	kern_printf("r10 %016llx r11 %016llx r12 %016llx r13 %016llx\n", (unsigned long long)f->r10,
		    (unsigned long long)f->r11, (unsigned long long)f->r12, (unsigned long long)f->r13);
	kern_printf("r14 %016llx r15 %016llx cr2 %016llx cs %llx ss %llx\n", (unsigned long long)f->r14,
		    (unsigned long long)f->r15, (unsigned long long)cr2, (unsigned long long)f->cs,
		    (unsigned long long)f->ss);
	kern_backtrace(f->rip, f->rsp, f->rbp);
	kern_exit(KERN_EXIT_FAULT);
}
