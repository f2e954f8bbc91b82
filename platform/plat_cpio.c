/* cpio "newc" archives read in place (plat_cpio.h). */
#include "plat_cpio.h"

#include <string.h>

#define S_IFMT_ 0170000u
#define S_IFREG_ 0100000u
#define F_MODE 1
#define F_FILESIZE 6
#define F_NAMESIZE 11

static int fail(struct plat_cpio *c, size_t off, const char *why)
{
	c->err_off = off;
	c->why = why;
	return -1;
}

/* 8 hex digits, nothing else (no sign, no space) */
static bool hex8(const uint8_t *p, uint32_t *v)
{
	uint32_t x = 0;
	for (int i = 0; i < 8; i++) {
		unsigned ch = p[i], lc = ch | 0x20, d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (lc >= 'a' && lc <= 'f')
			d = lc - 'a' + 10;
		else
			return false;
		x = x << 4 | d;
	}
	*v = x;
	return true;
}

int plat_cpio_next(struct plat_cpio *c, struct plat_blob *out)
{
	for (;;) {
		if (c->why)
			return -1;
		size_t off = c->off;
		if (off == SIZE_MAX)
			return 0;
		if (off >= c->len)
			return fail(c, off, "no TRAILER!!! entry before the end");
		if (c->len - off < PLAT_CPIO_HEADER)
			return fail(c, off, "truncated header");
		const uint8_t *h = c->data + off;
		if (memcmp(h, "070701", 6))
			return fail(c, off, "bad magic (not 070701)");
		uint32_t f[13];
		for (unsigned i = 0; i < 13; i++)
			if (!hex8(h + 6 + 8 * i, &f[i]))
				return fail(c, off + 6 + 8 * i, "header field not 8 hex digits");
		size_t name_off = off + PLAT_CPIO_HEADER, namesize = f[F_NAMESIZE], size = f[F_FILESIZE];
		if (namesize < 2)
			return fail(c, off + 6 + 8 * F_NAMESIZE, "empty name");
		if (namesize > c->len - name_off)
			return fail(c, name_off, "name past the end");
		const char *name = (const char *)h + PLAT_CPIO_HEADER;
		if (name[namesize - 1] || memchr(name, 0, namesize - 1))
			return fail(c, name_off, "name not NUL-terminated");
		size_t data_off = (name_off + namesize + 3) & ~(size_t)3;
		if (namesize == 11 && !memcmp(name, "TRAILER!!!", 11)) {
			c->off = SIZE_MAX;
			return 0;
		}
		if (data_off > c->len || size > c->len - data_off)
			return fail(c, off + 6 + 8 * F_FILESIZE, "file size past the end");
		c->off = (data_off + size + 3) & ~(size_t)3;
		if ((f[F_MODE] & S_IFMT_) == S_IFREG_) {
			*out = (struct plat_blob){ .name = name, .data = c->data + data_off, .len = size };
			return 1;
		}
	}
}
