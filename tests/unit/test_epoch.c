/* The workers' epochs (dataplane/pkt_epoch.h): the rules of reclamation one step at a
 * time, then real threads: three workers read a config through bursts while the control
 * side replaces it 20,000 times and frees each old one as soon as pkt_epoch_safe() says;
 * every burst checks that what it reads is whole and alive (poisoned when freed; ASan
 * sees a use after free in the sanitized build). */
#include "check_run.h"
#include "pkt_epoch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

START_TEST(rules)
{
	struct pkt_epoch e;
	pkt_epoch_init(&e, 2);
	uint64_t t = pkt_epoch_retire(&e);
	ck_assert(!pkt_epoch_safe(&e, t));          /* neither worker has passed a boundary */
	pkt_epoch_quiescent(&e, 0);
	ck_assert(!pkt_epoch_safe(&e, t));          /* worker 1 may still hold it */
	pkt_epoch_quiescent(&e, 1);
	ck_assert(pkt_epoch_safe(&e, t));
	uint64_t t2 = pkt_epoch_retire(&e);
	ck_assert(pkt_epoch_safe(&e, t));           /* older tickets stay safe */
	ck_assert(!pkt_epoch_safe(&e, t2));
	pkt_epoch_offline(&e, 1);                   /* a worker that stopped holds nothing back */
	pkt_epoch_quiescent(&e, 0);
	ck_assert(pkt_epoch_safe(&e, t2));
	pkt_epoch_online(&e, 1);
	uint64_t t3 = pkt_epoch_retire(&e);
	pkt_epoch_quiescent(&e, 0);
	ck_assert(!pkt_epoch_safe(&e, t3));         /* back online: counted again */
}
END_TEST

#define WORKERS 3
#define SWAPS 20000
#define WORDS 64

struct conf {
	uint64_t gen;
	uint64_t word[WORDS];                       /* all equal to gen while alive */
};

static struct pkt_epoch ep;
static struct conf *_Atomic active;
static atomic_bool done;
static _Atomic uint64_t bad, bursts;

static void *worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	while (!atomic_load(&done)) {
		const struct conf *c = atomic_load_explicit(&active, memory_order_acquire);
		uint64_t g = c->gen;
		for (int r = 0; r < 8; r++)             /* a burst: reads it again and again */
			for (int i = 0; i < WORDS; i++)
				if (c->word[i] != g)
					atomic_fetch_add(&bad, 1);
		atomic_fetch_add_explicit(&bursts, 1, memory_order_relaxed);
		pkt_epoch_quiescent(&ep, id);
	}
	pkt_epoch_offline(&ep, id);
	return NULL;
}

static struct conf *make(uint64_t gen)
{
	struct conf *c = malloc(sizeof(*c));
	c->gen = gen;
	for (int i = 0; i < WORDS; i++)
		c->word[i] = gen;
	return c;
}

static void poison_free(struct conf *c)
{
	memset(c, 0xa5, sizeof(*c));
	free(c);
}

START_TEST(threads)
{
	pkt_epoch_init(&ep, WORKERS);
	atomic_store(&active, make(1));
	pthread_t th[WORKERS];
	for (unsigned i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
	struct { struct conf *c; uint64_t t; } ret[64];
	unsigned n = 0, waited = 0;
	for (uint64_t g = 2; g <= SWAPS; g++) {
		while (n == 64) {                       /* as fw: a bounded list of retired configs */
			unsigned k = 0;
			for (unsigned i = 0; i < n; i++)
				if (pkt_epoch_safe(&ep, ret[i].t))
					poison_free(ret[i].c);
				else
					ret[k++] = ret[i];
			n = k;
			waited++;
			sched_yield();
		}
		struct conf *old = atomic_exchange(&active, make(g));
		ret[n].c = old;
		ret[n++].t = pkt_epoch_retire(&ep);
		unsigned k = 0;
		for (unsigned i = 0; i < n; i++)
			if (pkt_epoch_safe(&ep, ret[i].t))
				poison_free(ret[i].c);
			else
				ret[k++] = ret[i];
		n = k;
	}
	atomic_store(&done, true);
	for (unsigned i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	for (unsigned i = 0; i < n; i++)            /* every worker is offline: all of it is safe */
		ck_assert(pkt_epoch_safe(&ep, ret[i].t)), poison_free(ret[i].c);
	free(atomic_load(&active));
	ck_assert_uint_eq(atomic_load(&bad), 0);
	ck_assert_uint_gt(atomic_load(&bursts), 0);
	(void)waited;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("epoch");
	TCase *tc = tcase_create("epoch");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, rules);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return check_run(s);
}
