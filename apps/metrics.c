/* Prometheus text exposition in chunks (metrics.h). */
#include "metrics.h"
#include "plat.h"

#include <string.h>

void mx_begin(struct mx_out *o, char *buf, size_t cap, uint64_t from)
{
	*o = (struct mx_out){ .buf = buf, .cap = cap, .from = from };
}

/* Offers one formatted line: skipped, written, or the end of the chunk. */
static void put(struct mx_out *o, const char *line, size_t n)
{
	if (o->full)
		return;
	if (o->seq < o->from) {
		o->seq++;
		return;
	}
	if (o->len + n > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, line, n);
	o->len += n;
	o->seq++;
}

/* "# WHAT name text": a long help is cut, keeping its newline */
static void comment(struct mx_out *o, const char *what, const char *name, const char *text)
{
	if (!mx_wanted(o)) {
		put(o, NULL, 0);
		return;
	}
	char line[MX_LINE_MAX];
	int n = plat_snprintf(line, sizeof(line), "# %s %s %s\n", what, name, text);
	if (n <= 0) {
		mx_hole(o);
		return;
	}
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	line[len - 1] = '\n';
	put(o, line, len);
}

void mx_family(struct mx_out *o, const char *name, const char *type, const char *help)
{
	comment(o, "HELP", name, help);
	comment(o, "TYPE", name, type);
}

static void sample(struct mx_out *o, const char *name, const char *labels, uint64_t whole, int milli)
{
	if (!mx_wanted(o)) {
		put(o, NULL, 0);
		return;
	}
	char line[MX_LINE_MAX];
	const char *open = labels && labels[0] ? "{" : "", *close = labels && labels[0] ? "}" : "";
	int n = milli < 0 ? plat_snprintf(line, sizeof(line), "%s%s%s%s %llu\n", name, open, labels ? labels : "", close,
					  (unsigned long long)whole)
			  : plat_snprintf(line, sizeof(line), "%s%s%s%s %llu.%03d\n", name, open, labels ? labels : "",
					  close, (unsigned long long)whole, milli);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;     /* cannot happen with our own names; never write half a line */
	put(o, line, (size_t)n);
}

void mx_sample(struct mx_out *o, const char *name, const char *labels, uint64_t value)
{
	sample(o, name, labels, value, -1);
}

void mx_sample_milli(struct mx_out *o, const char *name, const char *labels, uint64_t milli)
{
	sample(o, name, labels, milli / 1000, (int)(milli % 1000));
}

uint64_t mx_skip(struct mx_out *o, uint64_t n)
{
	if (o->full || o->seq >= o->from)
		return 0;
	uint64_t k = o->from - o->seq < n ? o->from - o->seq : n;
	o->seq += k;
	return k;
}

bool mx_label(char *buf, size_t len, const char *key, const char *value)
{
	size_t at = strlen(buf);
	char tmp[MX_LINE_MAX];
	size_t t = 0;
	for (const char *v = value; *v; v++) {
		if (t + 3 > sizeof(tmp))
			return false;
		if (*v == '\\' || *v == '"') {
			tmp[t++] = '\\';
			tmp[t++] = *v;
		} else if (*v == '\n') {
			tmp[t++] = '\\';
			tmp[t++] = 'n';
		} else {
			tmp[t++] = *v;
		}
	}
	tmp[t] = 0;
	int n = plat_snprintf(buf + at, len - at, "%s%s=\"%s\"", at ? "," : "", key, tmp);
	if (n < 0 || (size_t)n >= len - at) {
		buf[at] = 0;
		return false;
	}
	return true;
}

bool mx_label_u(char *buf, size_t len, const char *key, uint64_t value)
{
	char v[24];
	plat_snprintf(v, sizeof(v), "%llu", (unsigned long long)value);
	return mx_label(buf, len, key, v);
}
