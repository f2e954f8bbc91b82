/* The platform contract (platform/plat.h) in the hosted launcher: CLOCK_MONOTONIC (or the
 * replayed captures' time), time(2) for the wall clock, getrandom(2), standard error, and
 * the files given on the command line as the config blobs. */
#include "hosted_plat.h"
#include "plat.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint64_t (*clock_ms_source)(void);
static const enum plat_log_level log_level = PLAT_LOG_INFO;  /* stderr gets all but debug */
static struct plat_blob blobs[HOSTED_MAX_BLOBS];
static unsigned n_blobs;
static uint64_t logged[PLAT_LOG_DEBUG + 1];

void hosted_plat_set_clock_ms(uint64_t (*ms)(void))
{
	clock_ms_source = ms;
}

int hosted_plat_add_blob(const char *name, const void *data, size_t len)
{
	if (n_blobs == HOSTED_MAX_BLOBS)
		return -1;
	blobs[n_blobs++] = (struct plat_blob){ .name = name, .data = data, .len = len };
	return 0;
}

uint64_t plat_clock_ns(void)
{
	if (clock_ms_source)
		return clock_ms_source() * 1000000;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void plat_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n <= 0)
			continue;      /* EINTR; getrandom(2) never fails otherwise once the pool is up */
		p += n;
		len -= (size_t)n;
	}
}

int64_t plat_wall_s(void)
{
	return (int64_t)time(NULL);
}

const char *plat_entropy_source(void)
{
	return "getrandom";
}

uint64_t hosted_plat_log_count(enum plat_log_level level)
{
	return level <= PLAT_LOG_DEBUG ? logged[level] : 0;
}

void plat_vlog(enum plat_log_level level, const char *fmt, va_list ap)
{
	if (level <= PLAT_LOG_DEBUG)
		logged[level]++;
	if (level > log_level)
		return;
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s\n", line);
}

int plat_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

bool plat_config(unsigned i, struct plat_blob *out)
{
	if (i >= n_blobs)
		return false;
	*out = blobs[i];
	return true;
}

/* ---- background work: a thread each (a commit at a time) ------------------------------ */

static void *work_main(void *arg)
{
	struct plat_work *w = arg;
	w->fn(w->arg);
	atomic_store_explicit(&w->state, 2, memory_order_release);
	return NULL;
}

int plat_work_start(struct plat_work *w, void (*fn)(void *arg), void *arg)
{
	pthread_t t;
	w->fn = fn;
	w->arg = arg;
	atomic_store_explicit(&w->state, 1, memory_order_relaxed);
	if (pthread_create(&t, NULL, work_main, w) != 0) {
		atomic_store_explicit(&w->state, 0, memory_order_relaxed);
		return -1;
	}
	w->thread = (unsigned long)t;
	return 0;
}

bool plat_work_done(struct plat_work *w)
{
	int st = atomic_load_explicit(&w->state, memory_order_acquire);
	if (st == 2) {
		pthread_join((pthread_t)w->thread, NULL);
		atomic_store_explicit(&w->state, 0, memory_order_relaxed);
		return true;
	}
	return st == 0;
}
