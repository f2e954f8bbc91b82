/* The CMOS RTC (MC146818: index port 0x70, data 0x71), the wall clock's source when the
 * command line gives none (wallclock.c). Compiled into the images with a management plane
 * only (their certificates need a date; l2fwd stays small). Read until two reads agree,
 * each after the update-in-progress flag clears; register B says BCD or binary and 12 or
 * 24 hours; the year is 20xx. A date before 2024 or out of range is not believed: no RTC
 * (the bus reads all ones), a stopped or unset one. QEMU's pc and q35 have one; microvm
 * has one under TCG, and under KVM with rtc=on (tools/qemu-boot asks for it); Firecracker
 * has none. */
#include "kern_internal.h"

#include <string.h>

static unsigned cmos(unsigned reg)
{
	outb(0x70, (uint8_t)reg);
	return inb(0x71);
}

/* days from 1970-01-01 to y-m-d, proleptic Gregorian (Howard Hinnant's days_from_civil) */
static int64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

int64_t kern_rtc_date(const uint8_t raw[6], unsigned regb)
{
	static const uint8_t mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint8_t v[6];
	memcpy(v, raw, 6);
	bool pm = v[2] & 0x80;
	v[2] &= 0x7f;
	if (!(regb & 0x04)) {         /* BCD */
		for (unsigned i = 0; i < 6; i++) {
			if ((v[i] & 15) > 9 || v[i] >> 4 > 9)
				return 0;
			v[i] = (uint8_t)((v[i] >> 4) * 10 + (v[i] & 15));
		}
	}
	unsigned s = v[0], min = v[1], h = v[2], d = v[3], m = v[4], y = 2000u + v[5];
	if (!(regb & 0x02)) {         /* 12-hour: 12 AM is 0, 12 PM is 12 */
		if (h < 1 || h > 12)
			return 0;
		h = h % 12 + (pm ? 12 : 0);
	}
	if (s > 59 || min > 59 || h > 23 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && y % 4) || y < 2024 || y > 2099)
		return 0;
	return days_from_civil(y, m, d) * 86400 + h * 3600 + min * 60 + s;
}

int64_t kern_rtc_read(void)
{
	static const uint8_t regs[6] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09 }; /* s, min, h, day, month, year */
	unsigned b = cmos(0x0b);
	if (b == 0xff || (b & 0x80))  /* no RTC, or its clock stopped (SET) */
		return 0;
	uint8_t v[6], prev[6];
	for (unsigned tries = 0;; tries++) {
		if (tries == 8)
			return 0;
		uint64_t t0 = kern_clock_ns();
		while (cmos(0x0a) & 0x80)   /* update in progress: 2 ms at most */
			if (kern_clock_ns() - t0 > 10000000)
				return 0;
		for (unsigned i = 0; i < 6; i++)
			v[i] = (uint8_t)cmos(regs[i]);
		if (tries && !memcmp(v, prev, 6))
			return kern_rtc_date(v, b);
		memcpy(prev, v, 6);
	}
}
