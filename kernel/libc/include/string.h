/* string.h of the image's freestanding C library (kernel/libc). */
#ifndef SLUICE_LIBC_STRING_H
#define SLUICE_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
char *strchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
