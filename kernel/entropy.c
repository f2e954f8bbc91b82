/* Entropy: RDSEED when the CPU has it, else RDRAND (CPUID says which), each retried a few
 * times as Intel advises. Without either (QEMU's default CPU model under TCG), the stated
 * fallback mixes TSC readings taken around port I/O, whose timing varies: good enough for
 * a stack canary and hash seeds, not for key material (mbedTLS gets its own source). */
#include "kern_virtio.h"

#include <string.h>

static int source; /* 0 unknown, 1 rdseed, 2 rdrand, 3 tsc jitter, 4 virtio-rng */

/* virtio-rng's bytes, fetched 256 at a time (a request is a trip to the VMM) */
static uint8_t rng_pool[256];
static unsigned rng_left;

static bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < 64; i++) {
		unsigned char ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t jitter64(void)
{
	uint64_t acc = 0;
	for (int i = 0; i < 8; i++) {
		uint64_t t0 = rdtsc();
		(void)inb(0x80); /* a port read: its cost varies with the host */
		acc = mix64(acc ^ (rdtsc() - t0) ^ t0);
	}
	return acc;
}

static void probe(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	uint32_t max = r[0];
	if (max >= 7) {
		cpuid(7, 0, r);
		if (r[1] & (1u << 18)) {
			source = 1;
			return;
		}
	}
	cpuid(1, 0, r);
	source = (r[2] & (1u << 30)) ? 2 : 3;
}

static bool from_virtio(uint64_t *v);

/* After device discovery: a CPU without RDSEED/RDRAND takes the VMM's virtio-rng if it
 * offers one; TSC jitter stays the last resort. */
void kern_entropy_devices(void)
{
	if (!source)
		probe();
	if (source == 3 && kern_virtio_rng_init())
		source = 4;
	uint64_t v;
	if (source == 4)
		(void)from_virtio(&v);   /* the device answers now, or it is given up at once */
}

static bool from_virtio(uint64_t *v)
{
	if (!rng_left) {
		if (!kern_virtio_rng_read(rng_pool, sizeof(rng_pool))) {
			source = 3;
			return false;
		}
		rng_left = sizeof(rng_pool);
	}
	rng_left -= 8;
	memcpy(v, rng_pool + rng_left, 8);
	memset(rng_pool + rng_left, 0, 8);
	return true;
}

uint64_t kern_random_u64(void)
{
	uint64_t v;
	if (!source)
		probe();
	if (source == 4 && from_virtio(&v))
		return v;
	if (source == 1 && rdseed64(&v))
		return v;
	if (source <= 2 && rdrand64(&v))
		return v;
	return jitter64();
}

const char *kern_entropy_source(void)
{
	if (!source)
		probe();
	return source == 1 ? "rdseed" : source == 2 ? "rdrand" : source == 4 ? "virtio-rng"
								       : "tsc jitter (no rdrand/rdseed, no virtio-rng)";
}
