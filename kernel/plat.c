/* The platform contract (platform/plat.h) in the image: the TSC clock, the wall clock
 * (clock= or the CMOS RTC), RDSEED/RDRAND, the serial console and the boot modules. */
#include "kern_internal.h"
#include "plat.h"

#include <string.h>

static enum plat_log_level log_level = PLAT_LOG_INFO;

void kern_plat_log_level(enum kern_log l)
{
	log_level = l == KERN_LOG_QUIET ? PLAT_LOG_WARN : l == KERN_LOG_DEBUG ? PLAT_LOG_DEBUG : PLAT_LOG_INFO;
}

uint64_t plat_clock_ns(void)
{
	return kern_clock_ns();
}

void plat_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t v = kern_random_u64();
		size_t n = len < sizeof(v) ? len : sizeof(v);
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

const char *plat_entropy_source(void)
{
	return kern_entropy_source();
}

void plat_vlog(enum plat_log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	char line[512];
	int n = kern_vsnprintf(line, sizeof(line) - 1, fmt, ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 2;
	line[len++] = '\n';
	kern_console_write(line, len);
}

int plat_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return kern_vsnprintf(buf, size, fmt, ap);
}

bool plat_config(unsigned i, struct plat_blob *out)
{
	return kern_blob(i, out, NULL);
}

/* ---- background work: one CPU, no threads: at once ------------------------------------ */

int plat_work_start(struct plat_work *w, void (*fn)(void *arg), void *arg)
{
	w->fn = fn;
	w->arg = arg;
	fn(arg);
	w->state = 0;
	return 0;
}

bool plat_work_done(struct plat_work *w)
{
	(void)w;
	return true;
}
