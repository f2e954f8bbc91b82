/* stdio.h of the image's C library: formatting into buffers only; the console is kern.h's. */
#ifndef SLUICE_LIBC_STDIO_H
#define SLUICE_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
