/* time.h of the image's C library. The image's wall clock is plat.h's plat_wall_s() (from
 * clock= or the CMOS RTC, when known), which tls/tls.c is given (tls_set_wall_clock());
 * time() does not read it: it says the calendar time is not available ((time_t)-1, as C
 * allows), and there is no gmtime(); mbedTLS needs the types and time() (its default
 * clock). */
#ifndef SLUICE_LIBC_TIME_H
#define SLUICE_LIBC_TIME_H

typedef long time_t;

struct tm {
	int tm_sec;   /* 0-60 */
	int tm_min;   /* 0-59 */
	int tm_hour;  /* 0-23 */
	int tm_mday;  /* 1-31 */
	int tm_mon;   /* 0-11 */
	int tm_year;  /* years since 1900 */
	int tm_wday;  /* 0-6, Sunday 0 */
	int tm_yday;  /* 0-365 */
	int tm_isdst;
};

time_t time(time_t *t);

#endif
