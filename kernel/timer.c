/* Timers for the poll loop: a list sorted by deadline, run from the loop between bursts
 * (there are no interrupts). Arming, cancelling and running are O(timers), which stay few
 * (a drain timer per port, ARP and state expiry), and never allocate. */
#include "kern.h"

#include <stddef.h>

static struct kern_timer *head;

void kern_timer_cancel(struct kern_timer *t)
{
	for (struct kern_timer **p = &head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void kern_timer_arm(struct kern_timer *t, uint64_t deadline_ns, void (*fn)(void *arg), void *arg)
{
	if (t->armed)
		kern_timer_cancel(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	struct kern_timer **p = &head;
	while (*p && (*p)->deadline_ns <= deadline_ns) /* after equal deadlines: first armed runs first */
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

uint64_t kern_timers_run(uint64_t now_ns)
{
	while (head && head->deadline_ns <= now_ns) {
		struct kern_timer *t = head;
		head = t->next;
		t->armed = false;
		t->next = NULL;
		t->fn(t->arg); /* may arm timers again, this one included */
	}
	return head ? head->deadline_ns : UINT64_MAX;
}
