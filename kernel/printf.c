/* kern_vsnprintf: the C99 snprintf subset the kernel and the dataplane use:
 * %d %i %u %x %X %o %c %s %p %%, flags '-' '0' ' ' '+' '#', width and precision (also '*'),
 * length modifiers hh h l ll z j t. Always NUL-terminates when size > 0 and returns the
 * length the full output would have had. Floating point is not supported ("%f" prints "?"). */
#include "kern.h"

#include <stdbool.h>

struct out {
	char *buf;
	size_t size, len;
};

static void emit(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void emit_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width, prec; /* prec < 0: none */
};

static void emit_str(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int len = 0;
	while (s[len] && (sp->prec < 0 || len < sp->prec))
		len++;
	if (!sp->left)
		emit_n(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		emit(o, s[i]);
	if (sp->left)
		emit_n(o, ' ', sp->width - len);
}

static void emit_num(struct out *o, const struct spec *sp, uint64_t v, bool neg, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	while (v) {
		/* base is 8, 10 or 16: the compiler turns these into shifts and multiplies */
		tmp[n++] = digits[base == 16 ? v & 15 : base == 8 ? v & 7 : v % 10];
		v = base == 16 ? v >> 4 : base == 8 ? v >> 3 : v / 10;
	}
	int digits_n = n;
	int prec = sp->prec < 0 ? 1 : sp->prec;
	int zeros = prec > digits_n ? prec - digits_n : 0;
	const char *prefix = neg ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	const char *alt = "";
	if (sp->alt && base == 16 && digits_n)
		alt = upper ? "0X" : "0x";
	if (sp->alt && base == 8 && !zeros)
		alt = "0";
	int plen = 0, alen = 0;
	while (prefix[plen])
		plen++;
	while (alt[alen])
		alen++;
	int total = plen + alen + zeros + digits_n;
	int pad = sp->width > total ? sp->width - total : 0;
	if (!sp->left && !(sp->zero && sp->prec < 0))
		emit_n(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		emit(o, prefix[i]);
	for (int i = 0; i < alen; i++)
		emit(o, alt[i]);
	if (!sp->left && sp->zero && sp->prec < 0)
		emit_n(o, '0', pad);
	emit_n(o, '0', zeros);
	while (n)
		emit(o, tmp[--n]);
	if (sp->left)
		emit_n(o, ' ', pad);
}

int kern_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			emit(&o, *f);
			continue;
		}
		struct spec sp = { .prec = -1 };
		for (;; f++) {
			char c = f[1];
			if (c == '-') sp.left = true;
			else if (c == '0') sp.zero = true;
			else if (c == '+') sp.plus = true;
			else if (c == ' ') sp.space = true;
			else if (c == '#') sp.alt = true;
			else break;
		}
		f++;
		if (*f == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp.width = sp.width * 10 + (*f++ - '0');
		}
		if (*f == '.') {
			f++;
			sp.prec = 0;
			if (*f == '*') {
				sp.prec = va_arg(ap, int);
				f++;
			} else {
				while (*f >= '0' && *f <= '9')
					sp.prec = sp.prec * 10 + (*f++ - '0');
			}
		}
		int lng = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/intmax/ptrdiff */
		if (*f == 'h') { lng = -1; if (f[1] == 'h') { lng = -2; f++; } f++; }
		else if (*f == 'l') { lng = 1; if (f[1] == 'l') { lng = 2; f++; } f++; }
		else if (*f == 'z' || *f == 'j' || *f == 't') { lng = 3; f++; }
		char conv = *f;
		if (!conv)
			break;
		switch (conv) {
		case 'd': case 'i': {
			int64_t v = lng >= 1 ? (lng == 1 ? va_arg(ap, long) : va_arg(ap, long long)) : va_arg(ap, int);
			if (lng == -1) v = (short)v;
			if (lng == -2) v = (signed char)v;
			emit_num(&o, &sp, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0, 10, false);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			uint64_t v = lng >= 1 ? (lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long))
					      : va_arg(ap, unsigned int);
			if (lng == -1) v = (unsigned short)v;
			if (lng == -2) v = (unsigned char)v;
			emit_num(&o, &sp, v, false, conv == 'u' ? 10 : conv == 'o' ? 8 : 16, conv == 'X');
			break;
		}
		case 'p': {
			struct spec ps = sp;
			ps.alt = true;
			emit_num(&o, &ps, (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		}
		case 'c': {
			char s[2] = { (char)va_arg(ap, int), 0 };
			sp.prec = 1;
			emit_str(&o, &sp, s);
			break;
		}
		case 's':
			emit_str(&o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			emit(&o, '%');
			break;
		default: /* unsupported conversions (floating point) */
			emit(&o, '?');
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int kern_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kern_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
