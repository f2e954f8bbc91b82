/* The image's wall clock, built for the host: the CMOS RTC's registers turned into a date
 * (kernel/rtc.c's kern_rtc_date(): BCD or binary, 12 or 24 hours, what is not believed),
 * the date printed in the boot log (kernel/wallclock.c's kern_wall_format(), against
 * glibc's gmtime_r), and clock= advanced by the monotonic clock (plat_wall_s()). The
 * monotonic clock is the test's. */
#include "check_run.h"
#include "kern_internal.h"
#include "plat.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns;

uint64_t kern_clock_ns(void)
{
	return now_ns;
}

/* the registers as QEMU's RTC shows them by default: BCD, 24 hours (register B 0x02) */
static int64_t bcd24(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
#define BCD(x) (uint8_t)(((x) / 10) << 4 | (x) % 10)
	uint8_t raw[6] = { BCD(s), BCD(mi), BCD(h), BCD(d), BCD(mo), BCD(y) };
	return kern_rtc_date(raw, 0x02);
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
	return (int64_t)timegm(&tm);
}

START_TEST(rtc_formats)
{
	ck_assert_int_eq(bcd24(26, 12, 6, 9, 0, 0), utc(2026, 12, 6, 9, 0, 0));
	ck_assert_int_eq(bcd24(24, 1, 1, 0, 0, 0), utc(2024, 1, 1, 0, 0, 0));
	ck_assert_int_eq(bcd24(99, 12, 31, 23, 59, 59), utc(2099, 12, 31, 23, 59, 59));
	ck_assert_int_eq(bcd24(28, 2, 29, 12, 30, 45), utc(2028, 2, 29, 12, 30, 45));
	/* binary (register B bit 2), 24 hours */
	uint8_t bin[6] = { 59, 58, 23, 31, 12, 30 };
	ck_assert_int_eq(kern_rtc_date(bin, 0x06), utc(2030, 12, 31, 23, 58, 59));
	/* 12 hours (bit 1 clear): bit 7 of the hour is PM; 12 AM is midnight, 12 PM noon */
	uint8_t am12[6] = { 0x00, 0x00, 0x12, 0x15, 0x06, 0x26 };
	ck_assert_int_eq(kern_rtc_date(am12, 0x00), utc(2026, 6, 15, 0, 0, 0));
	uint8_t pm12[6] = { 0x00, 0x00, 0x92, 0x15, 0x06, 0x26 };
	ck_assert_int_eq(kern_rtc_date(pm12, 0x00), utc(2026, 6, 15, 12, 0, 0));
	uint8_t pm7[6] = { 0x05, 0x04, 0x87, 0x15, 0x06, 0x26 };
	ck_assert_int_eq(kern_rtc_date(pm7, 0x00), utc(2026, 6, 15, 19, 4, 5));
	uint8_t am7[6] = { 0x05, 0x04, 0x07, 0x15, 0x06, 0x26 };
	ck_assert_int_eq(kern_rtc_date(am7, 0x00), utc(2026, 6, 15, 7, 4, 5));
	uint8_t pm11bin[6] = { 0, 0, 0x80 | 11, 15, 6, 26 };
	ck_assert_int_eq(kern_rtc_date(pm11bin, 0x04), utc(2026, 6, 15, 23, 0, 0));
}
END_TEST

START_TEST(rtc_not_believed)
{
	ck_assert_int_eq(bcd24(23, 12, 31, 23, 59, 59), 0);      /* before 2024: unset */
	ck_assert_int_eq(bcd24(0, 1, 1, 0, 0, 0), 0);
	ck_assert_int_eq(bcd24(26, 2, 29, 0, 0, 0), 0);          /* not a leap year */
	ck_assert_int_eq(bcd24(26, 4, 31, 0, 0, 0), 0);
	ck_assert_int_eq(bcd24(26, 13, 1, 0, 0, 0), 0);
	ck_assert_int_eq(bcd24(26, 0, 1, 0, 0, 0), 0);
	ck_assert_int_eq(bcd24(26, 1, 0, 0, 0, 0), 0);
	ck_assert_int_eq(bcd24(26, 1, 1, 24, 0, 0), 0);
	ck_assert_int_eq(bcd24(26, 1, 1, 0, 60, 0), 0);
	ck_assert_int_eq(bcd24(26, 1, 1, 0, 0, 60), 0);
	uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };   /* no RTC on the bus */
	ck_assert_int_eq(kern_rtc_date(ones, 0x02), 0);
	ck_assert_int_eq(kern_rtc_date(ones, 0x06), 0);
	uint8_t badbcd[6] = { 0x1a, 0x00, 0x00, 0x01, 0x01, 0x26 };
	ck_assert_int_eq(kern_rtc_date(badbcd, 0x02), 0);
	uint8_t h0[6] = { 0, 0, 0x00, 0x01, 0x01, 0x26 };            /* 12 hours: no hour 0 */
	ck_assert_int_eq(kern_rtc_date(h0, 0x00), 0);
	uint8_t h13[6] = { 0, 0, 0x13, 0x01, 0x01, 0x26 };
	ck_assert_int_eq(kern_rtc_date(h13, 0x00), 0);
}
END_TEST

START_TEST(format_matches_gmtime)
{
	char buf[21];
	kern_wall_format(1796547600, buf);
	ck_assert_str_eq(buf, "2026-12-06T09:00:00Z");
	kern_wall_format(1, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:01Z");
	kern_wall_format(99999999999, buf);          /* the largest clock= */
	ck_assert_str_eq(buf, "5138-11-16T09:46:39Z");
	for (int64_t t = 1; t < 99999999999; t += 86399 * 37 + 12345) {
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		char want[96];
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
		kern_wall_format(t, buf);
		ck_assert_str_eq(buf, want);
	}
}
END_TEST

START_TEST(clock_advances)
{
	now_ns = 5000000000ull;
	ck_assert_ptr_null(kern_wall_init(0));        /* no clock=, no RTC in this build */
	ck_assert_int_eq(plat_wall_s(), 0);
	ck_assert_str_eq(kern_wall_init(1800000000), "clock=");
	ck_assert_int_eq(plat_wall_s(), 1800000000);
	now_ns += 999999999;
	ck_assert_int_eq(plat_wall_s(), 1800000000);
	now_ns += 1;
	ck_assert_int_eq(plat_wall_s(), 1800000001);
	now_ns += 86400ull * 1000000000;
	ck_assert_int_eq(plat_wall_s(), 1800086401);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallclock");
	TCase *tc = tcase_create("wallclock");
	tcase_add_test(tc, rtc_formats);
	tcase_add_test(tc, rtc_not_believed);
	tcase_add_test(tc, format_matches_gmtime);
	tcase_add_test(tc, clock_advances);
	suite_add_tcase(s, tc);
	return check_run(s);
}
