/* The contract's timers (plat.h), one implementation for both platforms: a list sorted by
 * deadline, run from the poll loop between bursts (there are no interrupts). Arming,
 * cancelling and running are O(timers), which stay few, and never allocate. */
#include "plat.h"

#include <stddef.h>

static struct plat_timer *head;

void plat_timer_cancel(struct plat_timer *t)
{
	for (struct plat_timer **p = &head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, void (*fn)(void *arg), void *arg)
{
	if (t->armed)
		plat_timer_cancel(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	struct plat_timer **p = &head;
	while (*p && (*p)->deadline_ns <= deadline_ns) /* after equal deadlines: first armed runs first */
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

uint64_t plat_timers_run(uint64_t now_ns)
{
	while (head && head->deadline_ns <= now_ns) {
		struct plat_timer *t = head;
		head = t->next;
		t->armed = false;
		t->next = NULL;
		t->fn(t->arg); /* may arm timers again, this one included */
	}
	return head ? head->deadline_ns : UINT64_MAX;
}
