/* errno.h of the image's C library: one thread, one errno. */
#ifndef SLUICE_LIBC_ERRNO_H
#define SLUICE_LIBC_ERRNO_H

extern int errno;
#define EINVAL 22
#define ENOMEM 12
#define ERANGE 34

#endif
