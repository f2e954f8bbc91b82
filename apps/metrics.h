/* metrics.h - Prometheus text exposition (format 0.0.4), written in chunks.
 *
 * A scrape is written as a sequence of lines into whatever room the transport has now
 * (lwIP's send window), one chunk at a time, never built whole: a 10,000-rule firewall's
 * page is a few hundred KiB, and a chunk costs the poll loop no more than one round's
 * work. Each chunk is a new pass over the sources from the start: lines the earlier
 * chunks sent are counted and skipped unformatted (and a long list skips whole runs with
 * mx_skip), lines that fit are written, and the pass stops at the first line that does
 * not. Counters read in a later chunk are later values, which Prometheus allows; a
 * config swapped in mid-scrape only changes which rules the rest of the page lists.
 *
 * Names follow Prometheus conventions: the sluice_ prefix, _total on counters, base units
 * (seconds, bytes). Label values are escaped here.
 */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MX_LINE_MAX 256        /* the longest line written; longer label sets are cut off */

struct mx_out {
	char *buf;
	size_t cap, len;
	uint64_t seq;          /* lines offered in this pass so far */
	uint64_t from;         /* lines sent by earlier chunks: skipped */
	bool full;             /* a line did not fit: this chunk ends before it */
};

/* Starts a chunk into buf[0..cap) after `from` lines already sent. */
void mx_begin(struct mx_out *o, char *buf, size_t cap, uint64_t from);
/* After the pass: lines sent so far in this scrape (the next chunk's from), and whether
 * the page is complete. */
static inline uint64_t mx_sent(const struct mx_out *o) { return o->seq; }
static inline bool mx_done(const struct mx_out *o) { return !o->full; }

/* Will the next line be written (neither skipped nor past a full chunk)? Callers with
 * costly labels check it first. */
static inline bool mx_wanted(const struct mx_out *o) { return !o->full && o->seq >= o->from; }

/* # HELP and # TYPE lines of a family (type: counter, gauge, info). */
void mx_family(struct mx_out *o, const char *name, const char *type, const char *help);
/* One sample: name{labels} value. labels is NULL or preformatted `a="x",b="y"` (values
 * through mx_label()). */
void mx_sample(struct mx_out *o, const char *name, const char *labels, uint64_t value);
/* A sample whose value is a decimal with 3 digits after the point (seconds from ms). */
void mx_sample_milli(struct mx_out *o, const char *name, const char *labels, uint64_t milli);
/* An item with nothing to say this time, counted as a line all the same so that every
 * pass offers the same count for the same list (mx_skip). */
static inline void mx_hole(struct mx_out *o)
{
	if (!o->full)
		o->seq++;
}
/* Of n one-line items about to be offered, how many were sent already: they are counted
 * as offered, and the caller starts at that index. */
uint64_t mx_skip(struct mx_out *o, uint64_t n);

/* Appends key="value" (escaping \, " and newlines; a comma first unless at the start)
 * to the label set in buf[0..len). Returns false when it does not fit. */
bool mx_label(char *buf, size_t len, const char *key, const char *value);
bool mx_label_u(char *buf, size_t len, const char *key, uint64_t value);

#endif
