/* signal.h of the image's C library: there are no signals, only the type the poll loop's
 * stop flag is declared with. */
#ifndef SLUICE_LIBC_SIGNAL_H
#define SLUICE_LIBC_SIGNAL_H

typedef int sig_atomic_t;

#endif
