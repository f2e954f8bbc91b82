/* plat_cpio.h - the files of a cpio archive in the "newc" format (magic 070701, the format
 * of Linux's initramfs), read in place: how one boot module carries several blobs (the
 * app's config and the credentials of the control socket). Internal to the platforms
 * (kernel/modules.c); depends on nothing but the C library's memcmp/memchr, so the unit
 * tests build the same file on the host.
 *
 * An entry is a 110-byte ASCII header (the magic, then 13 fields of 8 hex digits: ino,
 * mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
 * namesize, check), the NUL-terminated name (namesize bytes with the NUL), padding to a
 * multiple of 4 from the archive's start, the data (filesize bytes), padding to 4. The
 * entry named TRAILER!!! ends the archive; what follows it (block padding) is ignored.
 * Every length is checked before the read it guards: a malformed archive is an error with
 * the offset and the reason, never a read past the end. */
#ifndef SLUICE_PLAT_CPIO_H
#define SLUICE_PLAT_CPIO_H

#include "plat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAT_CPIO_HEADER 110

struct plat_cpio {
	const uint8_t *data;
	size_t len;
	size_t off;          /* the next entry's header; SIZE_MAX after the trailer */
	size_t err_off;      /* after an error: where in the archive */
	const char *why;     /* after an error: what is wrong there */
};

/* Does data start with a newc header's magic ("070701")? Anything else is not an archive
 * (a config file is one blob as it is). */
static inline bool plat_cpio_is(const void *data, size_t len)
{
	const uint8_t *p = data;
	return len >= 6 && p[0] == '0' && p[1] == '7' && p[2] == '0' && p[3] == '7' && p[4] == '0' && p[5] == '1';
}
static inline void plat_cpio_init(struct plat_cpio *c, const void *data, size_t len)
{
	*c = (struct plat_cpio){ .data = data, .len = len };
}
/* The next regular file, in archive order (directories, links and device nodes are
 * skipped): 1 with out->name (its path in the archive, NUL-terminated in place), out->data
 * and out->len pointing into the archive; 0 at the trailer (and after it); -1 when the
 * archive is malformed, with c->err_off and c->why (and -1 again on every later call). */
int plat_cpio_next(struct plat_cpio *c, struct plat_blob *out);

#endif
