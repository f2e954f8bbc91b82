/* PVH entry: the hypervisor (QEMU, Firecracker) jumps to pvh_start in 32-bit protected
 * mode, paging off, %ebx = physical address of struct hvm_start_info (xen/arch-x86/hvm/
 * start_info.h). We note the TSC first (boot time is measured from here), build page
 * tables identity-mapping the first 1 GiB with 2 MiB pages, enter long mode, and call
 * kern_boot(start_info) on the boot stack. The kernel's own page tables (W^X) replace
 * these later. */

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define CR0_PE  0x00000001
#define CR0_PG  0x80000000
#define CR0_MP  0x00000002
#define CR0_EM  0x00000004
#define CR4_PAE 0x00000020
#define CR4_OSFXSR 0x00000200
#define CR4_OSXMMEXCPT 0x00000400
#define EFER_MSR 0xC0000080
#define EFER_LME 0x00000100

	.section .note.pvh, "a", @note
	.align 4
	.long 2f - 1f           /* name size */
	.long 4f - 3f           /* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.align 4
3:	.long pvh_start
4:	.align 4

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	/* the first thing: when did we start */
	rdtsc
	movl %eax, kern_boot_tsc
	movl %edx, kern_boot_tsc + 4
	movl %ebx, kern_start_info

	/* boot page tables: PML4[0] -> PDPT[0] -> PD with 512 x 2 MiB pages */
	movl $boot_pdpt, %eax
	orl $0x3, %eax
	movl %eax, boot_pml4
	movl $boot_pd, %eax
	orl $0x3, %eax
	movl %eax, boot_pdpt
	movl $boot_pd, %edi
	movl $0x83, %eax        /* present, writable, 2 MiB */
	movl $512, %ecx
1:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b

	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax   /* and SSE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $EFER_MSR, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	andl $~CR0_EM, %eax
	orl $(CR0_PG | CR0_PE | CR0_MP), %eax
	movl %eax, %cr0

	lgdt boot_gdt_desc
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	leaq kern_boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp          /* the end of every backtrace */
	movl kern_start_info(%rip), %edi
	call kern_boot
2:	cli
	hlt
	jmp 2b

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff  /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff  /* 0x10: data */
boot_gdt_desc:
	.word boot_gdt_desc - boot_gdt - 1
	.long boot_gdt

	.globl kern_boot_tsc, kern_start_info
	.align 8
kern_boot_tsc:
	.quad 0
kern_start_info:
	.quad 0

	.section .boot.bss, "aw", @nobits
	.align 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096
	/* stacks, each above a guard page that the kernel's page tables leave unmapped */
	.align 4096
	.globl kern_boot_stack_guard, kern_boot_stack, kern_boot_stack_top
kern_boot_stack_guard:
	.skip 4096
kern_boot_stack:
	.skip 16384
kern_boot_stack_top:
	.globl kern_ist_stack_guard, kern_ist_stack_top, kern_df_stack_top
kern_ist_stack_guard:
	.skip 4096
	.skip 8192
kern_ist_stack_top:
	.globl kern_df_stack_guard
kern_df_stack_guard:
	.skip 4096
	.skip 4096
kern_df_stack_top:
