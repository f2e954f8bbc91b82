/* The platform contract (platform/plat.h) for unit tests: a fixed-seed PRNG for entropy (the
 * same run every time), a clock the test sets, standard error for the log, no config
 * blobs. The timers are the platforms' own (platform/plat_timer.c), linked beside this. */
#include "plat.h"
#include "plat_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t clock_ns;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
unsigned plat_test_errors;

void plat_test_set_clock_ns(uint64_t ns) { clock_ns = ns; }

uint64_t plat_clock_ns(void) { return clock_ns; }

void plat_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		rng ^= rng >> 12; /* xorshift64* */
		rng ^= rng << 25;
		rng ^= rng >> 27;
		uint64_t v = rng * 0x2545f4914f6cdd1dull;
		size_t n = len < sizeof(v) ? len : sizeof(v);
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

const char *plat_entropy_source(void) { return "test-prng"; }

void plat_vlog(enum plat_log_level level, const char *fmt, va_list ap)
{
	if (level == PLAT_LOG_ERROR)
		plat_test_errors++;
	if (level == PLAT_LOG_DEBUG && !getenv("PLAT_TEST_DEBUG"))
		return;
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void plat_log(enum plat_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	plat_vlog(level, fmt, ap);
	va_end(ap);
}

int plat_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

bool plat_config(unsigned i, struct plat_blob *out)
{
	(void)i;
	(void)out;
	return false;
}
