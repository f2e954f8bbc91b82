/* The first link's symbol table: empty, same names and section as tools/kernsyms writes. */
	.section .rodata.ksyms, "a"
	.globl kern_ksyms, kern_ksyms_count, kern_ksym_names
	.align 8
kern_ksyms_count:
	.quad 0
kern_ksyms:
kern_ksym_names:
	.byte 0
