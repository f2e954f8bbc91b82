/* The wall clock (plat.h's plat_wall_s()): the date at boot, from the command line (clock=SECONDS,
 * which `sluice run` passes: the host's date +%s) or else, in the images with a
 * management plane (KERN_RTC), the CMOS RTC (rtc.c); then advanced by the monotonic
 * clock. */
#include "kern_internal.h"
#include "plat.h"

static int64_t base_s;      /* the wall clock at base_ns; 0: not known */
static uint64_t base_ns;

const char *kern_wall_init(int64_t clock_s)
{
#if KERN_RTC
	base_s = clock_s ? clock_s : kern_rtc_read();
#else
	base_s = clock_s;
#endif
	base_ns = kern_clock_ns();
	return !base_s ? NULL : clock_s ? "clock=" : "cmos";
}

int64_t plat_wall_s(void)
{
	return base_s ? base_s + (int64_t)((kern_clock_ns() - base_ns) / 1000000000u) : 0;
}

void kern_wall_format(int64_t s, char buf[21])
{
	uint64_t t = (uint64_t)s, z = t / 86400 + 719468, era = z / 146097;
	unsigned sec = (unsigned)(t % 86400), doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	kern_snprintf(buf, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(yoe + era * 400 + (m <= 2)), m, d, sec / 3600,
		      sec / 60 % 60, sec % 60);
}
