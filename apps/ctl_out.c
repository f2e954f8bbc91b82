/* Answers of the control protocol being written (ctl.h): a status and a body that grows
 * up to CTL_ANSWER_MAX, past which it is cut and the answer becomes an error. */
#include "ctl.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

static void status(struct ctl_out *o, bool error, const char *fmt, va_list ap)
{
	o->error = error;
	plat_vsnprintf(o->status, sizeof(o->status), fmt, ap);
}

void ctl_ok(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status(o, false, fmt, ap);
	va_end(ap);
}

void ctl_error(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status(o, true, fmt, ap);
	va_end(ap);
}

/* Room for n more bytes (and a terminating zero); false once the body is over its limit. */
static bool reserve(struct ctl_out *o, size_t n)
{
	if (o->over)
		return false;
	if (o->len + n + 1 > CTL_ANSWER_MAX) {
		o->over = true;
		return false;
	}
	if (o->len + n + 1 <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 1024;
	while (cap < o->len + n + 1)
		cap *= 2;
	if (cap > CTL_ANSWER_MAX)
		cap = CTL_ANSWER_MAX;
	char *b = realloc(o->body, cap);
	if (!b) {
		o->over = true;
		return false;
	}
	o->body = b;
	o->cap = cap;
	return true;
}

void ctl_write(struct ctl_out *o, const char *s, size_t n)
{
	if (!reserve(o, n))
		return;
	memcpy(o->body + o->len, s, n);
	o->len += n;
	o->body[o->len] = 0;
}

void ctl_vprintf(struct ctl_out *o, const char *fmt, va_list ap)
{
	char small[512];
	va_list again;
	va_copy(again, ap);
	int n = plat_vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(again);
		return;
	}
	if ((size_t)n < sizeof(small)) {
		ctl_write(o, small, (size_t)n);
	} else if (reserve(o, (size_t)n)) {
		plat_vsnprintf(o->body + o->len, (size_t)n + 1, fmt, again);
		o->len += (size_t)n;
	}
	va_end(again);
}

void ctl_printf(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctl_vprintf(o, fmt, ap);
	va_end(ap);
}

void ctl_json_str(struct ctl_out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char buf[256];
	size_t n = 0;
	buf[n++] = '"';
	for (; *s; s++) {
		if (n > sizeof(buf) - 8) {
			ctl_write(o, buf, n);
			n = 0;
		}
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			buf[n++] = '\\';
			buf[n++] = 'u';
			buf[n++] = '0';
			buf[n++] = '0';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n++] = '"';
	ctl_write(o, buf, n);
}
