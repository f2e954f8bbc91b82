/* The image's poll-loop timers (platform/plat_timer.c), built for the host. */
#include "plat.h"
#include "check_run.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

static int order[16], n_fired;

static void fire(void *arg)
{
	order[n_fired++] = (int)(intptr_t)arg;
}

static struct plat_timer rearm_t;
static int rearms;
static void rearm(void *arg)
{
	(void)arg;
	if (++rearms < 3)
		plat_timer_arm(&rearm_t, rearm_t.deadline_ns + 10, rearm, NULL);
}

START_TEST(deadline_order)
{
	struct plat_timer t[5] = { 0 };
	n_fired = 0;
	plat_timer_arm(&t[0], 300, fire, (void *)0);
	plat_timer_arm(&t[1], 100, fire, (void *)1);
	plat_timer_arm(&t[2], 200, fire, (void *)2);
	plat_timer_arm(&t[3], 100, fire, (void *)3); /* same deadline: after t[1] */
	plat_timer_arm(&t[4], 500, fire, (void *)4);
	ck_assert_uint_eq(plat_timers_run(50), 100);
	ck_assert_int_eq(n_fired, 0);
	ck_assert_uint_eq(plat_timers_run(200), 300);
	ck_assert_int_eq(n_fired, 3);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 3);
	ck_assert_int_eq(order[2], 2);
	plat_timer_cancel(&t[0]);
	ck_assert(!t[0].armed);
	plat_timer_arm(&t[4], 250, fire, (void *)4); /* re-arming moves it */
	ck_assert_uint_eq(plat_timers_run(1000), UINT64_MAX);
	ck_assert_int_eq(n_fired, 4);
	ck_assert_int_eq(order[3], 4);
	plat_timer_cancel(&t[4]); /* cancelling a timer that is not armed is harmless */
}
END_TEST

START_TEST(callback_rearms)
{
	rearms = 0;
	plat_timer_arm(&rearm_t, 10, rearm, NULL);
	ck_assert_uint_eq(plat_timers_run(10), 20);
	ck_assert_uint_eq(plat_timers_run(100), UINT64_MAX); /* runs 20, then 30, then stops */
	ck_assert_int_eq(rearms, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("timer");
	TCase *tc = tcase_create("timer");
	tcase_add_test(tc, deadline_order);
	tcase_add_test(tc, callback_rearms);
	suite_add_tcase(s, tc);
	return check_run(s);
}
