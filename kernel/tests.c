/* Faults planted on purpose, chosen with test=NAME on the command line, so the tests can
 * check that each one is caught and reported by name. None of them returns. */
#include "kern_internal.h"

__attribute__((noinline)) static void test_planted_fault(void)
{
	/* canonical, far above any RAM we map: not present */
	*(volatile uint64_t *)(uintptr_t)0x0000100000000000ull = 1;
}

__attribute__((noinline)) static void test_write_text(void)
{
	/* W^X: the kernel's own code is not writable */
	*(volatile uint8_t *)(uintptr_t)&kern_run_test = 0xcc;
}

__attribute__((noinline)) static void test_null_deref(void)
{
	volatile uint64_t *volatile p = NULL;
	(void)*p;
}

__attribute__((noinline)) static uint64_t test_recurse(uint64_t depth)
{
	volatile uint8_t pad[256];
	pad[0] = (uint8_t)depth;
	if (depth > (1ull << 40)) /* never: a 16 KiB stack ends long before */
		return depth;
	/* not a tail call: the result is used after the call returns */
	return test_recurse(depth + 1) + pad[0];
}

__attribute__((noreturn)) void kern_run_test(const char *name)
{
	kern_printf("sluice: test=%s\n", name);
	if (name[0] == 'f')
		test_planted_fault();
	else if (name[0] == 'w')
		test_write_text();
	else if (name[0] == 'n')
		test_null_deref();
	else
		kern_printf("depth %llu\n", (unsigned long long)test_recurse(0));
	kern_panic("test=%s did not fault", name);
}
