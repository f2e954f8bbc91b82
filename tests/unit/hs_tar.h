/* hs_tar.h - what unit-hs's files (test_hs.c, test_hs_archive.c) share: a tar writer that
 * builds archives block by block in memory (ustar headers, pax records, GNU long names),
 * sites opened from heap copies of an archive's exact size (so AddressSanitizer sees any
 * read past its end and any leak) with their lookups, and the checks and the seeded
 * generator that the ETag and mutated-archive tests both use. */
#ifndef SLUICE_TEST_HS_TAR_H
#define SLUICE_TEST_HS_TAR_H

#include "hs.h"

#include <check.h>
#include <stdint.h>

#define MTIME 1700000000

/* ck_assert's passing path reports its line to Check's parent through a pipe: in the hot
 * loops (a 65,537-member archive, thousands of mutated ones) only failures should cost */
#define must(c) ((c) ? (void)0 : ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c))

/* ---- a tar writer ---- */

struct tb {
	uint8_t *buf;
	size_t len, cap;
};

/* n zeroed bytes at the end; returns their offset (buf may move) */
size_t tb_grow(struct tb *t, size_t n);
void tb_free(struct tb *t);
/* w - 1 octal digits and a NUL, as GNU tar fills a field */
void oct(uint8_t *f, size_t w, uint64_t v);
/* the header's byte sum, its checksum field counted as spaces */
unsigned sum_of(const uint8_t *h);
/* "%06o\0 " as GNU tar writes it */
void tb_sum(uint8_t *h);
/* the bytes at off (valid until the archive grows) */
uint8_t *H(struct tb *t, size_t off);
/* a POSIX ustar header (name up to 100 bytes); returns its offset */
size_t tb_hdr(struct tb *t, const char *name, char type, uint64_t size);
/* n bytes of data, padded to the block */
void tb_data(struct tb *t, const void *d, size_t n);
/* a regular file's header and data; returns the header's offset */
size_t tb_filen(struct tb *t, const char *name, const void *d, size_t n);
size_t tb_file(struct tb *t, const char *name, const char *text);
size_t tb_dir(struct tb *t, const char *name);
/* the two zero blocks that end an archive */
void tb_end(struct tb *t);
/* a pax extended header ('x', or 'g') carrying records */
size_t tb_pax(struct tb *t, char type, const void *rec, size_t n);

/* pax records "LEN key=value\n", LEN counting the whole record */
struct pr {
	char b[4096];
	size_t n;
};

void pr_addn(struct pr *p, const char *key, const char *val, size_t vl);
void pr_add(struct pr *p, const char *key, const char *val);
/* a GNU long name ('L') for the next header, as GNU tar writes it */
void tb_long(struct tb *t, char type, const char *name);

/* ---- opening ---- */

/* the last open's message; "err" to the tests, hs_tar_err to the linker (clear of the C
 * library's err(3)) */
extern char err[512] __asm__("hs_tar_err");

/* from a heap copy of exactly n bytes, owned by the site */
struct hs_site *open_bytes(const char *name, const void *p, size_t n);
/* the site t holds, which must open without a message */
struct hs_site *open_ok(struct tb *t);
/* refused, err holding want (and starting with the site's name); frees t's archive */
void refused(struct tb *t, const char *want);
enum hs_found look(const struct hs_site *s, const char *path, const struct hs_file **f);
/* the file at path, which must be one */
const struct hs_file *file(const struct hs_site *s, const char *path);
/* f holds exactly text */
void is_text(const struct hs_file *f, const char *text);
/* printf into one of 8 buffers used in turn */
char *fmt(const char *f, ...);

/* ---- checks ---- */

/* an ETag as hs makes it: 16 lowercase hex digits in quotes */
void etag_form(const char *e);
/* xorshift64, seeded by setting rng_state */
extern uint64_t rng_state;
uint64_t rng(void);
/* path order: bytewise with '/' before every other byte */
int tree_cmp(const char *a, const char *b);

#endif
