/* The contract's variadic calls (plat.h), one implementation for both platforms over
 * each one's plat_vlog() and plat_vsnprintf(). */
#include "plat.h"

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
	int n = plat_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
