/* hs.c - the site (hs.h): a tar archive read in place and indexed once. hs_open() walks
 * the headers (ustar, pax, GNU, v7), normalises every name into one arena, sorts the
 * members so that a folder's subtree follows it, finds the folders the files imply, and
 * builds an open-addressing hash table over files and folders; ETags, MIME types, each
 * folder's index.html and the PATH.gz siblings are all settled there, so a request costs
 * one hash of its path and one probe or two. Only the libc the image has is used (no
 * stdio): error messages are formatted here.
 */
#include "hs.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BLK 512u
#define PADDED(n) (((n) + BLK - 1) & ~(uint64_t)(BLK - 1))
#define FOLDER_BIT 0x80000000u /* a hash slot's ref names a folder, not a file */
#define NO_OFFSET SIZE_MAX
#define INDEX_HTML "/index.html"

/* ---- XXH64 (the reference algorithm, seed 0): paths and file contents ---------------- */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

/* n (4 or 8) bytes, little-endian whatever the host: a tag does not depend on where it was
 * computed. __builtin_memcpy: the image builds with -fno-builtin, and this must stay a load. */
static inline uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	__builtin_memcpy(&v, p, n);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v) >> (64 - 8 * n);
#endif
	return v;
}

static inline uint64_t xround(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
static inline uint64_t xmerge(uint64_t h, uint64_t v) { return (h ^ xround(0, v)) * P1 + P4; }

/* Four independent lanes over 32-byte stripes keep the multipliers busy; the length is
 * mixed in before the tail, so inputs that differ only by trailing zeros differ. */
static uint64_t xxh64(const void *data, size_t n)
{
	const uint8_t *p = data, *end = p + n;
	uint64_t h = P5;
	if (n >= 32) {
		uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;
		for (; end - p >= 32; p += 32) {
			v1 = xround(v1, le(p, 8));
			v2 = xround(v2, le(p + 8, 8));
			v3 = xround(v3, le(p + 16, 8));
			v4 = xround(v4, le(p + 24, 8));
		}
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
		h = xmerge(xmerge(xmerge(xmerge(h, v1), v2), v3), v4);
	}
	h += n;
	for (; end - p >= 8; p += 8)
		h = rotl(h ^ xround(0, le(p, 8)), 27) * P1 + P4;
	if (end - p >= 4) {
		h = rotl(h ^ le(p, 4) * P1, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ *p * P5, 11) * P1;
	h = (h ^ h >> 33) * P2;
	h = (h ^ h >> 29) * P3;
	return h ^ h >> 32;
}

/* ---- the site ------------------------------------------------------------------------ */

struct dir {
	const char *path;              /* without its '/': "" the root, "/a" (not NUL-terminated) */
	size_t len;
	const struct hs_file *index;   /* its index.html, or NULL */
};

struct slot {
	uint32_t tag;                  /* the hash's high half: most misses need no memcmp */
	uint32_t ref;                  /* 0 empty, else 1 + an index into files (or dirs, FOLDER_BIT) */
};

struct hs_site {
	const void *archive;
	bool own;
	char *arena;                   /* the name, then every path, each NUL-terminated */
	struct hs_file *files;         /* in path order */
	struct dir *dirs;              /* in path order, the root first */
	unsigned nfiles, ndirs, skipped;
	struct slot *slots;
	size_t mask;
	uint64_t bytes;
};

/* ---- building: messages, the members as read ----------------------------------------- */

struct rec {
	union {
		size_t off;            /* into the arena while it may still move */
		const char *p;
	} path;
	size_t len, hdr;               /* hdr: the header's offset, for messages */
	bool folder;
	const uint8_t *data;
	uint64_t size;
	int64_t mtime;
};

/* what pax ('x') and GNU long-name ('L') headers say of the next member */
struct pend {
	bool any, sparse, has_size, has_mtime;
	size_t off;                    /* the first such header's */
	const uint8_t *path, *lname;   /* NULL when not given */
	size_t path_len, lname_len;
	uint64_t size;
	int64_t mtime;
};

struct build {
	const char *name;
	const uint8_t *a;
	size_t len;
	char *err;
	size_t errlen, errn;
	struct rec *recs;
	unsigned nrecs, caprecs, nfiles, skipped;
	char *arena;
	size_t alen, acap;
	struct pend pend;
};

static void put(struct build *b, const char *s, size_t n)
{
	for (; n && b->errn + 1 < b->errlen; n--)
		b->err[b->errn++] = *s++;
	if (b->errlen)
		b->err[b->errn] = 0;
}

static void put_u(struct build *b, uint64_t v, unsigned base)
{
	char d[24];
	size_t i = sizeof(d);
	do
		d[--i] = (char)('0' + v % base);
	while ((v /= base));
	put(b, d + i, sizeof(d) - i);
}

/* "NAME: offset N: " and fmt, where %s is a string, %u and %o a uint64_t in decimal and
 * octal, %q a name as the archive has it (a pointer and a size_t): quoted, its control
 * bytes '?', cut short. Returns false, for the callers' return. */
static bool say(struct build *b, size_t off, const char *fmt, ...)
{
	va_list ap;
	b->errn = 0;
	put(b, b->name, strlen(b->name));
	put(b, ": ", 2);
	if (off != NO_OFFSET) {
		put(b, "offset ", 7);
		put_u(b, off, 10);
		put(b, ": ", 2);
	}
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(b, f, 1);
		} else if (*++f == 's') {
			const char *s = va_arg(ap, const char *);
			put(b, s, strlen(s));
		} else if (*f == 'q') {
			const uint8_t *s = va_arg(ap, const uint8_t *);
			size_t n = va_arg(ap, size_t);
			put(b, "\"", 1);
			for (size_t i = 0; i < n && i < 120; i++) {
				char c = s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' ? '?' : (char)s[i];
				put(b, &c, 1);
			}
			put(b, n > 120 ? "...\"" : "\"", n > 120 ? 4 : 1);
		} else {
			put_u(b, va_arg(ap, uint64_t), *f == 'o' ? 8 : 10);
		}
	}
	va_end(ap);
	return false;
}

static bool arena_reserve(struct build *b, size_t need)
{
	if (b->acap - b->alen >= need)
		return true;
	size_t cap = b->acap ? b->acap * 2 : 4096;
	while (cap - b->alen < need)
		cap *= 2;
	char *p = realloc(b->arena, cap);
	if (!p)
		return say(b, NO_OFFSET, "out of memory");
	b->arena = p;
	b->acap = cap;
	return true;
}

/* ---- header fields ------------------------------------------------------------------- */

/* Octal as GNU tar reads it: leading spaces, digits, then a NUL, a space or the field's
 * end (an empty field, NUL at once, is 0; all spaces is not a number). */
static bool octal(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t i = 0;
	uint64_t x = 0;
	while (i < n && p[i] == ' ')
		i++;
	if (i == n)
		return false;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		x = x << 3 | (uint64_t)(p[i] - '0');
	if (i < n && p[i] && p[i] != ' ')
		return false;
	*v = x;
	return true;
}

/* A size or mtime field: octal, or GNU's base-256 for what 11 octal digits cannot hold
 * (0x80 then a big-endian magnitude, or 0xff then a negative two's complement). */
static bool number(const uint8_t *p, size_t n, int64_t *v)
{
	uint64_t u = 0;
	if (p[0] != 0x80 && p[0] != 0xff) {
		if (!octal(p, n, &u))
			return false;
		*v = (int64_t)u;
		return true;
	}
	uint8_t fill = p[0] == 0xff ? 0xff : 0;
	for (size_t i = 1; i < n - 8; i++)
		if (p[i] != fill)
			return false;
	for (size_t i = n - 8; i < n; i++)
		u = u << 8 | p[i];
	*v = (int64_t)u; /* two's complement: GCC defines the conversion */
	return (u >> 63) == (fill ? 1u : 0u);
}

static bool is_zero(const uint8_t *h)
{
	static const uint8_t zero[BLK];
	return !memcmp(h, zero, BLK);
}

/* The checksum field counts as spaces; GNU tar takes both sums, for old tars that added
 * signed chars. */
static bool checksum(struct build *b, const uint8_t *h, size_t off)
{
	uint64_t want, sum = 0;
	int64_t ssum = 0;
	if (!octal(h + 148, 8, &want))
		return say(b, off, "not a tar header (its checksum field is not octal)");
	for (unsigned i = 0; i < BLK; i++) {
		uint8_t c = i >= 148 && i < 156 ? ' ' : h[i];
		sum += c;
		ssum += (int8_t)c;
	}
	if (want == sum || (ssum >= 0 && want == (uint64_t)ssum))
		return true;
	return say(b, off, "header checksum 0o%o, the header sums to 0o%o", want, sum);
}

/* ---- names --------------------------------------------------------------------------- */

/* Appends raw[0..n) normalised to the arena, NUL-terminated: "/seg/seg", runs of '/'
 * one, "." segments gone; "/" for the root (a folder's only). */
static bool norm(struct build *b, size_t off, const uint8_t *raw, size_t n, bool folder, size_t *len)
{
	if (!arena_reserve(b, HS_PATH_MAX + 2))
		return false;
	char *o = b->arena + b->alen;
	size_t ol = 0;
	for (size_t i = 0, j; i < n; i = j) {
		if (raw[i] == '/') {
			j = i + 1;
			continue;
		}
		for (j = i; j < n && raw[j] != '/'; j++) {
			uint8_t c = raw[j];
			if (c < 0x20 || c == 0x7f || c == '\\')
				return say(b, off, "%q: %s", raw, n,
					   !c ? "a NUL byte" : c == '\\' ? "a backslash" : "a control byte");
		}
		size_t sl = j - i;
		if (sl == 1 && raw[i] == '.')
			continue;
		if (sl == 2 && raw[i] == '.' && raw[i + 1] == '.')
			return say(b, off, "%q: a \"..\" segment", raw, n);
		if (ol + 1 + sl > HS_PATH_MAX)
			return say(b, off, "%q: longer than HS_PATH_MAX (1024 bytes) normalised", raw, n);
		o[ol++] = '/';
		memcpy(o + ol, raw + i, sl);
		ol += sl;
	}
	if (!ol && !folder)
		return say(b, off, "%q: an empty name", raw, n);
	if (!ol)
		o[ol++] = '/';
	o[ol] = 0;
	*len = ol;
	return true;
}

/* ---- pax records --------------------------------------------------------------------- */

static bool digits(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit(p[i]) || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return n > 0;
}

static bool key_is(const uint8_t *k, size_t kl, const char *s) { return kl == strlen(s) && !memcmp(k, s, kl); }

/* "[-]digits[.digits]": the whole seconds */
static bool seconds(const uint8_t *v, size_t n, int64_t *t)
{
	size_t neg = n && v[0] == '-', il = neg;
	uint64_t u;
	while (il < n && v[il] != '.')
		il++;
	for (size_t i = il + 1; i < n; i++)
		if (!isdigit(v[i]))
			return false;
	if (!digits(v + neg, il - neg, &u) || u > INT64_MAX)
		return false;
	*t = neg ? -(int64_t)u : (int64_t)u;
	return true;
}

/* One value the next member takes; an empty one cancels an earlier one (POSIX). */
static bool pax_value(struct build *b, size_t off, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	struct pend *p = &b->pend;
	if (kl > 11 && !memcmp(k, "GNU.sparse.", 11)) {
		p->sparse = true;
	} else if (key_is(k, kl, "path")) {
		if (memchr(v, 0, vl))
			return say(b, off, "a pax path with a NUL byte");
		p->path = vl ? v : NULL;
		p->path_len = vl;
	} else if (key_is(k, kl, "size")) {
		if (vl && (!digits(v, vl, &p->size) || p->size > INT64_MAX))
			return say(b, off, "a pax size that is not a decimal number");
		p->has_size = vl > 0;
	} else if (key_is(k, kl, "mtime")) {
		if (vl && !seconds(v, vl, &p->mtime))
			return say(b, off, "a pax mtime that is not a number");
		p->has_mtime = vl > 0;
	}
	return true;
}

/* Records "LEN key=value\n", LEN counting the whole record; NULs may pad the end. */
static bool pax(struct build *b, size_t off, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n;) {
		const uint8_t *r = d + i;
		size_t rest = n - i, dl = 0, eq;
		uint64_t rl;
		if (!r[0]) {
			for (; i < n; i++)
				if (d[i])
					return say(b, off + i, "a pax record after NUL padding");
			break;
		}
		while (dl < rest && dl < 20 && isdigit(r[dl]))
			dl++;
		if (r[0] == '0' || dl == rest || r[dl] != ' ' || !digits(r, dl, &rl))
			return say(b, off + i, "a pax record whose length is not a decimal number and a space");
		if (rl > rest)
			return say(b, off + i, "a pax record longer than the header's data");
		if (rl < dl + 4 || r[rl - 1] != '\n')
			return say(b, off + i, "a pax record whose length does not end it at a newline");
		for (eq = dl + 1; eq < rl - 1 && r[eq] != '='; eq++)
			;
		if (eq == dl + 1 || eq == rl - 1)
			return say(b, off + i, "a pax record that is not key=value");
		if (!pax_value(b, off + i, r + dl + 1, eq - dl - 1, r + eq + 1, rl - 2 - eq))
			return false;
		i += rl;
	}
	return true;
}

/* ---- members ------------------------------------------------------------------------- */

static bool add_rec(struct build *b, size_t off, bool folder, const uint8_t *raw, size_t n, const uint8_t *data,
		    uint64_t size, int64_t mtime)
{
	if (b->nrecs >= HS_FILES_MAX)
		return say(b, off, "more than HS_FILES_MAX (65536) files and folders");
	if (b->nrecs == b->caprecs) {
		unsigned cap = b->caprecs ? b->caprecs * 2 : 64;
		struct rec *r = realloc(b->recs, cap * sizeof(*r));
		if (!r)
			return say(b, NO_OFFSET, "out of memory");
		b->recs = r;
		b->caprecs = cap;
	}
	struct rec *r = &b->recs[b->nrecs];
	*r = (struct rec){ .path.off = b->alen, .hdr = off, .folder = folder, .data = data, .size = size, .mtime = mtime };
	if (!norm(b, off, raw, n, folder, &r->len))
		return false;
	b->alen += r->len + 1;
	b->nrecs++;
	b->nfiles += !folder;
	return true;
}

/* Old GNU sparse members ('S') put more headers between theirs and the data. */
static size_t sparse_ext(const uint8_t *a, size_t len, size_t off)
{
	size_t p = off + BLK;
	if (a[off + 482])
		do
			p += BLK;
		while (p <= len && a[p - BLK + 504]);
	return p;
}

/* dlen bytes of data at start, padded to a block: inside the archive? *next after them */
static bool span(struct build *b, size_t off, size_t start, uint64_t dlen, size_t *next)
{
	uint64_t left = start <= b->len ? b->len - start : 0;
	if (start > b->len || dlen > left || PADDED(dlen) > left)
		return say(b, off, "a member of %u bytes runs past the end (%u bytes left)", dlen, left);
	*next = start + (size_t)PADDED(dlen);
	return true;
}

/* 'x', 'g', 'L' or 'K': what it says is for the next member, the one that has data */
static bool extension(struct build *b, size_t off, uint8_t t, const uint8_t *d, size_t n)
{
	struct pend *p = &b->pend;
	if (!p->any)
		*p = (struct pend){ .any = true, .off = off };
	if (t == 'x')
		return pax(b, off + BLK, d, n);
	if (t == 'L') {
		const uint8_t *z = memchr(d, 0, n);
		p->lname = d;
		p->lname_len = z ? (size_t)(z - d) : n;
	}
	return true;
}

/* One header at off (its checksum verified); *next the offset after its data. */
static bool member(struct build *b, size_t off, size_t *next)
{
	const uint8_t *h = b->a + off, *raw = h;
	uint8_t t = h[156], joined[155 + 1 + 100];
	int64_t size, mtime;
	size_t n;
	if (!number(h + 124, 12, &size) || size < 0)
		return say(b, off, "the size field is not octal");
	if (!number(h + 136, 12, &mtime))
		return say(b, off, "the mtime field is not octal");
	if (t == 'x' || t == 'g' || t == 'L' || t == 'K')
		return span(b, off, off + BLK, (uint64_t)size, next) && extension(b, off, t, h + BLK, (size_t)size);
	struct pend pd = b->pend;
	b->pend = (struct pend){ 0 };
	uint64_t sz = pd.has_size ? pd.size : (uint64_t)size;
	/* GNU tar's rule: a member's data follows it, but a directory's */
	if ((t != '0' && t != 0 && t != '7' && t != '5') || pd.sparse) {
		b->skipped++;
		return span(b, off, t == 'S' ? sparse_ext(b->a, b->len, off) : off + BLK, t == '5' ? 0 : sz, next);
	}
	if (pd.path) {
		raw = pd.path, n = pd.path_len;
	} else if (pd.lname) {
		raw = pd.lname, n = pd.lname_len;
	} else {
		const uint8_t *z = memchr(h, 0, 100);
		n = z ? (size_t)(z - h) : 100;
		/* POSIX ustar only: GNU's header keeps times where the prefix would be */
		if (!memcmp(h + 257, "ustar", 6) && h[345]) {
			z = memchr(h + 345, 0, 155);
			size_t pl = z ? (size_t)(z - (h + 345)) : 155;
			memcpy(joined, h + 345, pl);
			joined[pl] = '/';
			memcpy(joined + pl + 1, h, n);
			raw = joined, n += pl + 1;
		}
	}
	/* old tars mark a folder by a trailing '/' on a regular file's name */
	bool folder = t == '5' || (n && raw[n - 1] == '/');
	if (!folder && sz > HS_SIZE_MAX)
		return say(b, off, "a file of %u bytes, more than HS_SIZE_MAX (4294967296)", sz);
	return span(b, off, off + BLK, t == '5' ? 0 : sz, next) &&
	       add_rec(b, off, folder, raw, n, h + BLK, folder ? 0 : sz, pd.has_mtime ? pd.mtime : mtime);
}

static bool parse(struct build *b)
{
	size_t off = 0, next = 0;
	while (off < b->len) {
		const uint8_t *h = b->a + off;
		size_t rest = b->len - off;
		if (rest < BLK)
			return say(b, off, "a truncated header (%u bytes)", (uint64_t)rest);
		if (is_zero(h)) {
			if (rest == BLK || (rest >= 2 * BLK && is_zero(h + BLK)))
				break;
			return say(b, off, "a lone zero block before more data (two end an archive)");
		}
		if (!checksum(b, h, off) || !member(b, off, &next))
			return false;
		off = next;
	}
	if (b->pend.any)
		return say(b, b->pend.off, "an extended header with no member after it");
	return true;
}

/* ---- sorting, folders, the index ----------------------------------------------------- */

/* Bytewise with '/' first (control bytes never occur), so that a folder's subtree follows
 * it at once: "/a", "/a/b", "/a-b". */
static int path_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++) {
		unsigned x = (uint8_t)a[i], y = (uint8_t)b[i];
		if (x != y)
			return (x == '/' ? 0 : x) < (y == '/' ? 0 : y) ? -1 : 1;
	}
	return an < bn ? -1 : an > bn;
}

static int rec_cmp(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	int c = path_cmp(a->path.p, a->len, b->path.p, b->len);
	return c ? c : a->hdr < b->hdr ? -1 : a->hdr > b->hdr;
}

/* Sorted, a path given twice is adjacent, as is a file and the first path under it. */
static bool clashes(struct build *b)
{
	for (unsigned i = 1; i < b->nrecs; i++) {
		const struct rec *p = &b->recs[i - 1], *r = &b->recs[i];
		bool same = p->len == r->len && !memcmp(p->path.p, r->path.p, r->len);
		bool under = !p->folder && r->len > p->len && !memcmp(p->path.p, r->path.p, p->len) &&
			     r->path.p[p->len] == '/';
		if (same || under)
			return say(b, p->hdr > r->hdr ? p->hdr : r->hdr, "%s %s %u)", p->path.p,
				   same && p->folder == r->folder ? "given twice (and at offset"
								  : "is both a file and a folder (see offset",
				   (uint64_t)(p->hdr < r->hdr ? p->hdr : r->hdr));
	}
	return true;
}

/* The folders in path order: the root, each explicit one, each parent of a member. s is
 * the deepest folder out so far: the parents a member shares with it are out too, a
 * subtree being contiguous. Counts only when out is NULL. */
static unsigned folders(const struct build *b, struct dir *out)
{
	const char *s = "";
	size_t sl = 0;
	unsigned n = 1;
	if (out)
		out[0] = (struct dir){ "", 0, NULL };
	for (unsigned i = 0; i < b->nrecs; i++) {
		const struct rec *r = &b->recs[i];
		const char *p = r->path.p;
		size_t pl = r->len, k = 0, last = 0;
		if (pl == 1)
			continue;
		while (k < sl && k < pl && s[k] == p[k])
			k++;
		while (k && !((k == sl || s[k] == '/') && k < pl && p[k] == '/'))
			k--;
		for (size_t j = 1; j <= pl; j++) {
			if (j < pl ? p[j] != '/' : !r->folder)
				continue;
			if (j > k && out)
				out[n] = (struct dir){ p, j, NULL };
			n += j > k;
			last = j < pl ? j : last;
		}
		s = p;
		sl = r->folder ? pl : last;
	}
	return n;
}

static uint32_t find(const struct hs_site *s, const char *p, size_t n)
{
	uint64_t h = xxh64(p, n);
	for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
		struct slot sl = s->slots[i];
		if (!sl.ref)
			return 0;
		if (sl.tag != (uint32_t)(h >> 32))
			continue;
		uint32_t k = (sl.ref & ~FOLDER_BIT) - 1;
		const char *q = sl.ref & FOLDER_BIT ? s->dirs[k].path : s->files[k].path;
		size_t ql = sl.ref & FOLDER_BIT ? s->dirs[k].len : s->files[k].path_len;
		if (ql == n && !memcmp(q, p, n))
			return sl.ref;
	}
}

static void insert(struct hs_site *s, const char *p, size_t n, uint32_t ref)
{
	uint64_t h = xxh64(p, n);
	size_t i = h & s->mask;
	while (s->slots[i].ref)
		i = (i + 1) & s->mask;
	s->slots[i] = (struct slot){ (uint32_t)(h >> 32), ref };
}

static bool ends(const char *p, size_t n, const char *sfx, bool fold)
{
	size_t l = strlen(sfx);
	for (size_t i = 0; i < l && n >= l; i++)
		if ((fold ? tolower((unsigned char)p[n - l + i]) : p[n - l + i]) != sfx[i])
			return false;
	return n >= l;
}

static void etag(struct hs_file *f)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = xxh64(f->data, (size_t)f->size);
	f->etag[0] = f->etag[17] = '"';
	for (int i = 0; i < 16; i++)
		f->etag[1 + i] = hex[h >> (60 - 4 * i) & 15];
	f->etag[18] = 0;
}

/* Each folder's index.html and each PATH.gz's PATH, once every path is in the table. */
static void link_files(struct hs_site *s)
{
	for (unsigned i = 0; i < s->nfiles; i++) {
		struct hs_file *f = &s->files[i];
		uint32_t ref;
		if (ends(f->path, f->path_len, INDEX_HTML, false) &&
		    ((ref = find(s, f->path, f->path_len - strlen(INDEX_HTML))) & FOLDER_BIT))
			s->dirs[(ref & ~FOLDER_BIT) - 1].index = f;
		if (ends(f->path, f->path_len, ".gz", false) && (ref = find(s, f->path, f->path_len - 3)) &&
		    !(ref & FOLDER_BIT)) {
			s->files[ref - 1].gz = f;
			f->has_plain = true;
		}
	}
	/* PATH.gz goes out with Content-Encoding only when PATH exists: alone, it is gzip */
	for (unsigned i = 0; i < s->nfiles; i++) {
		struct hs_file *f = &s->files[i];
		bool gz = ends(f->path, f->path_len, ".gz", true);
		f->mime = !gz ? hs_mime(f->path, f->path_len) : f->has_plain ? hs_mime(f->path, f->path_len - 3)
									      : "application/gzip";
	}
}

static void site_free(struct hs_site *s)
{
	free(s->slots);
	free(s->dirs);
	free(s->files);
	free(s->arena);
	free(s);
}

static struct hs_site *index_site(struct build *b)
{
	unsigned ndirs = folders(b, NULL);
	size_t cap = 16, n = (size_t)b->nfiles + ndirs;
	if (n > HS_FILES_MAX)
		return say(b, NO_OFFSET, "%u files and folders, more than HS_FILES_MAX (65536)", (uint64_t)n), NULL;
	while (cap < 2 * n)
		cap *= 2;
	struct hs_site *s = calloc(1, sizeof(*s));
	if (!s)
		return say(b, NO_OFFSET, "out of memory"), NULL;
	s->arena = b->arena;
	b->arena = NULL;
	s->files = calloc(b->nfiles, sizeof(*s->files));
	s->dirs = calloc(ndirs, sizeof(*s->dirs));
	s->slots = calloc(cap, sizeof(*s->slots));
	if (!s->files || !s->dirs || !s->slots) {
		site_free(s);
		return say(b, NO_OFFSET, "out of memory"), NULL;
	}
	s->ndirs = folders(b, s->dirs);
	s->mask = cap - 1;
	s->skipped = b->skipped;
	for (unsigned i = 0; i < b->nrecs; i++) {
		const struct rec *r = &b->recs[i];
		if (r->folder)
			continue;
		struct hs_file *f = &s->files[s->nfiles++];
		*f = (struct hs_file){ .path = r->path.p, .path_len = r->len, .data = r->data, .size = r->size, .mtime = r->mtime };
		etag(f);
		s->bytes += r->size;
		insert(s, f->path, f->path_len, s->nfiles);
	}
	for (unsigned i = 0; i < s->ndirs; i++)
		insert(s, s->dirs[i].path, s->dirs[i].len, (i + 1) | FOLDER_BIT);
	link_files(s);
	return s;
}

static struct hs_site *build(struct build *b)
{
	if (!parse(b))
		return NULL;
	if (!b->nfiles)
		return say(b, NO_OFFSET, "no file in it"), NULL;
	char *a = realloc(b->arena, b->alen);
	if (a)
		b->arena = a;
	for (unsigned i = 0; i < b->nrecs; i++)
		b->recs[i].path.p = b->arena + b->recs[i].path.off;
	qsort(b->recs, b->nrecs, sizeof(*b->recs), rec_cmp);
	return clashes(b) ? index_site(b) : NULL;
}

/* ---- the contract -------------------------------------------------------------------- */

struct hs_site *hs_open(const char *name, const void *archive, size_t len, bool own, char *err, size_t errlen)
{
	struct build b = { .name = name ? name : "", .a = archive, .len = len, .err = err, .errlen = err ? errlen : 0 };
	struct hs_site *s = NULL;
	size_t nl = strlen(b.name);
	put(&b, "", 0);
	if (!archive && len)
		say(&b, NO_OFFSET, "no archive");
	else if (arena_reserve(&b, nl + 1)) {
		memcpy(b.arena, b.name, nl + 1);
		b.alen = nl + 1;
		s = build(&b);
	}
	free(b.recs);
	free(b.arena);
	if (!s) {
		if (own)
			free((void *)archive);
		return NULL;
	}
	s->archive = archive;
	s->own = own;
	return s;
}

void hs_close(struct hs_site *s)
{
	if (!s)
		return;
	if (s->own)
		free((void *)s->archive);
	site_free(s);
}

/* A folder is keyed by its path without the '/': "/docs/" and "/docs" probe the same. */
enum hs_found hs_lookup(const struct hs_site *s, const char *path, size_t len, const struct hs_file **f)
{
	const struct hs_file *r = NULL;
	enum hs_found k = HS_NOT_FOUND;
	if (s && path && len && path[0] == '/') {
		bool slash = path[len - 1] == '/';
		uint32_t ref = find(s, path, len - slash);
		if (ref & FOLDER_BIT) {
			r = s->dirs[(ref & ~FOLDER_BIT) - 1].index;
			k = !slash ? HS_FOLDER_SLASH : r ? HS_FILE : HS_NOT_FOUND;
		} else if (ref && !slash) {
			r = &s->files[ref - 1];
			k = HS_FILE;
		}
	}
	if (f)
		*f = k == HS_FILE ? r : NULL;
	return k;
}

const char *hs_name(const struct hs_site *s) { return s->arena; }
unsigned hs_files(const struct hs_site *s) { return s->nfiles; }
uint64_t hs_bytes(const struct hs_site *s) { return s->bytes; }
unsigned hs_skipped(const struct hs_site *s) { return s->skipped; }
const struct hs_file *hs_file_at(const struct hs_site *s, unsigned i) { return i < s->nfiles ? &s->files[i] : NULL; }

/* ---- MIME types ---------------------------------------------------------------------- */

#define UTF8 "; charset=utf-8"
static const struct {
	const char *ext, *type;
} mimes[] = {
	{ "html", "text/html" UTF8 }, { "htm", "text/html" UTF8 }, { "css", "text/css" UTF8 },
	{ "js", "text/javascript" UTF8 }, { "mjs", "text/javascript" UTF8 }, { "txt", "text/plain" UTF8 },
	{ "md", "text/markdown" UTF8 }, { "csv", "text/csv" UTF8 }, { "ics", "text/calendar" UTF8 },
	{ "vtt", "text/vtt" UTF8 },
	/* JSON and XML carry their own encoding (RFC 8259, RFC 7303): no charset */
	{ "json", "application/json" }, { "map", "application/json" }, { "jsonld", "application/ld+json" },
	{ "webmanifest", "application/manifest+json" }, { "xml", "application/xml" },
	{ "xhtml", "application/xhtml+xml" }, { "rss", "application/rss+xml" }, { "atom", "application/atom+xml" },
	{ "yaml", "application/yaml" }, { "yml", "application/yaml" }, { "wasm", "application/wasm" },
	{ "pdf", "application/pdf" }, { "svg", "image/svg+xml" }, { "png", "image/png" }, { "apng", "image/apng" },
	{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" }, { "gif", "image/gif" }, { "webp", "image/webp" },
	{ "avif", "image/avif" }, { "ico", "image/x-icon" }, { "bmp", "image/bmp" }, { "tif", "image/tiff" },
	{ "tiff", "image/tiff" }, { "woff", "font/woff" }, { "woff2", "font/woff2" }, { "ttf", "font/ttf" },
	{ "otf", "font/otf" }, { "eot", "application/vnd.ms-fontobject" }, { "mp4", "video/mp4" },
	{ "m4v", "video/mp4" }, { "webm", "video/webm" }, { "ogv", "video/ogg" }, { "mp3", "audio/mpeg" },
	{ "m4a", "audio/mp4" }, { "aac", "audio/aac" }, { "ogg", "audio/ogg" }, { "oga", "audio/ogg" },
	{ "opus", "audio/ogg" }, { "wav", "audio/wav" }, { "flac", "audio/flac" }, { "zip", "application/zip" },
	{ "gz", "application/gzip" }, { "tgz", "application/gzip" }, { "tar", "application/x-tar" },
	{ "bz2", "application/x-bzip2" }, { "xz", "application/x-xz" }, { "zst", "application/zstd" },
};

/* The type of the extension (after the last '.' of the last segment; a dot-file's leading
 * '.' is no extension), or NULL. */
static const char *by_ext(const char *path, size_t len)
{
	size_t i = len;
	char e[12];
	while (i && path[i - 1] != '.' && path[i - 1] != '/')
		i--;
	if (i < 2 || path[i - 1] != '.' || path[i - 2] == '/' || len - i >= sizeof(e))
		return NULL;
	for (size_t j = i; j < len; j++)
		e[j - i] = (char)tolower((unsigned char)path[j]);
	for (size_t j = 0; j < sizeof(mimes) / sizeof(mimes[0]); j++)
		if (strlen(mimes[j].ext) == len - i && !memcmp(mimes[j].ext, e, len - i))
			return mimes[j].type;
	return NULL;
}

const char *hs_mime(const char *path, size_t len)
{
	const char *t = path ? by_ext(path, len) : NULL, *inner;
	if (t && ends(path, len, ".gz", true) && (inner = by_ext(path, len - 3)))
		return inner;
	return t ? t : "application/octet-stream";
}
