/* stdlib.h of the image's C library (kernel/libc). */
#ifndef SLUICE_LIBC_STDLIB_H
#define SLUICE_LIBC_STDLIB_H

#include <stddef.h>

void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void *aligned_alloc(size_t align, size_t size);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
int atoi(const char *s);
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
int abs(int v);
__attribute__((noreturn)) void abort(void);

#endif
