/* hs.c - the site (hs.h): a tar archive read in place and indexed once. hs_open() walks
 * the headers (ustar, pax, GNU, v7), normalises every name into one arena, sorts the
 * members so that a folder's contents follow it, finds the folders the files imply, and
 * builds an open-addressing hash table over files and folders; the ETags, MIME types,
 * index.html of each folder and PATH.gz siblings are all settled there, so a request costs
 * one hash of its path. Only the libc subset the image has is used (no stdio): error
 * messages are formatted here.
 */
#include "hs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define BLK 512u
#define FOLDER_BIT 0x80000000u /* a hash slot's ref names a folder, not a file */
#define INDEX_HTML "/index.html"

/* ---- XXH64 (the reference algorithm, seed 0): paths and file contents ---------------- */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

/* little-endian whatever the host, so an ETag does not depend on where it was computed */
static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t xround(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
static inline uint64_t xmerge(uint64_t h, uint64_t v) { return (h ^ xround(0, v)) * P1 + P4; }

/* Four independent lanes over 32-byte stripes keep the multipliers busy; the length is
 * mixed in before the tail, so inputs that differ only in trailing zeros differ. */
static uint64_t xxh64(const void *data, size_t n)
{
	const uint8_t *p = data, *end = p + n;
	uint64_t h;
	if (n >= 32) {
		uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;
		for (; end - p >= 32; p += 32) {
			v1 = xround(v1, rd64(p));
			v2 = xround(v2, rd64(p + 8));
			v3 = xround(v3, rd64(p + 16));
			v4 = xround(v4, rd64(p + 24));
		}
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
		h = xmerge(xmerge(xmerge(xmerge(h, v1), v2), v3), v4);
	} else {
		h = P5;
	}
	h += n;
	for (; end - p >= 8; p += 8)
		h = rotl(h ^ xround(0, rd64(p)), 27) * P1 + P4;
	if (end - p >= 4) {
		h = rotl(h ^ rd32(p) * P1, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ *p * P5, 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	return h ^ h >> 32;
}

/* ---- error messages: the image has no snprintf --------------------------------------- */

struct msg {
	char *p;
	size_t cap, n;
};

static void put(struct msg *m, const char *s, size_t n)
{
	for (; n && m->n + 1 < m->cap; n--)
		m->p[m->n++] = *s++;
	if (m->cap)
		m->p[m->n] = 0;
}

static void put_s(struct msg *m, const char *s) { put(m, s, strlen(s)); }

static void put_u(struct msg *m, uint64_t v, unsigned base)
{
	char d[24];
	size_t i = sizeof(d);
	do
		d[--i] = (char)('0' + v % base);
	while ((v /= base));
	put(m, d + i, sizeof(d) - i);
}

/* A name as the archive has it, quoted, its control bytes shown as '?' and cut short. */
static void put_name(struct msg *m, const uint8_t *s, size_t n)
{
	put_s(m, "\"");
	for (size_t i = 0; i < n && i < 120; i++) {
		char c = s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' ? '?' : (char)s[i];
		put(m, &c, 1);
	}
	put_s(m, n > 120 ? "...\"" : "\"");
}

/* ---- the site ------------------------------------------------------------------------ */

struct dir {
	const char *path;              /* not NUL-terminated: a prefix of a file's path */
	size_t len;
	const struct hs_file *index;   /* its index.html, or NULL */
};

struct slot {
	uint32_t tag;                  /* the hash's high half: most misses need no memcmp */
	uint32_t ref;                  /* 0 empty; else 1 + index into files, or into dirs | FOLDER_BIT */
};

struct hs_site {
	const void *archive;
	bool own;
	char *arena;                   /* the name, then every path, each NUL-terminated */
	struct hs_file *files;         /* in path order */
	unsigned nfiles, ndirs;
	struct dir *dirs;              /* dirs[0] is the root, its path "": a folder is
	                                  looked up by its path without the trailing '/' */
	struct slot *slots;
	size_t mask;
	uint64_t bytes;
	unsigned skipped;
};

/* ---- building: the members as read, before they are sorted --------------------------- */

struct rec {
	union {
		size_t off;            /* into the arena while it may still move */
		const char *p;
	} path;
	size_t len;
	size_t hdr;                    /* the header's offset, for messages */
	bool folder;
	const uint8_t *data;
	uint64_t size;
	int64_t mtime;
};

/* what pax ('x') and GNU long-name ('L') headers say about the next member */
struct pend {
	bool any, sparse, has_size, has_mtime;
	size_t off;
	const uint8_t *path, *lname;   /* NULL when not given */
	size_t path_len, lname_len;
	uint64_t size;
	int64_t mtime;
};

struct build {
	const char *name;
	const uint8_t *a;
	size_t len;
	struct msg m;
	struct rec *recs;
	unsigned nrecs, caprecs, nfiles;
	char *arena;
	size_t alen, acap;
	unsigned skipped;
	struct pend pend;
};

static struct msg *named(struct build *b)
{
	b->m.n = 0;
	put_s(&b->m, b->name);
	put_s(&b->m, ": ");
	return &b->m;
}

static struct msg *at(struct build *b, size_t off)
{
	struct msg *m = named(b);
	put_s(m, "offset ");
	put_u(m, off, 10);
	put_s(m, ": ");
	return m;
}

static bool fail(struct build *b, size_t off, const char *why)
{
	put_s(at(b, off), why);
	return false;
}

static bool oom(struct build *b)
{
	put_s(named(b), "out of memory");
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
		return oom(b);
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

/* A size or mtime field: octal, or GNU's base-256 (0x80 then a big-endian magnitude, or
 * 0xff then a negative two's complement) for what does not fit 11 octal digits. */
static bool number(const uint8_t *p, size_t n, int64_t *v)
{
	uint64_t u;
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
	u = 0;
	for (size_t i = n - 8; i < n; i++)
		u = u << 8 | p[i];
	if ((u >> 63) != (fill ? 1u : 0u))
		return false;
	memcpy(v, &u, sizeof(u));
	return true;
}

static bool is_zero(const uint8_t *h)
{
	for (unsigned i = 0; i < BLK; i++)
		if (h[i])
			return false;
	return true;
}

/* The checksum field counts as spaces; GNU tar takes both sums, for old tars that added
 * signed chars. */
static bool checksum(struct build *b, const uint8_t *h, size_t off)
{
	uint64_t want, sum = 0;
	int64_t ssum = 0;
	if (!octal(h + 148, 8, &want))
		return fail(b, off, "not a tar header (its checksum field is not octal)");
	for (unsigned i = 0; i < BLK; i++) {
		uint8_t c = i >= 148 && i < 156 ? ' ' : h[i];
		sum += c;
		ssum += (int8_t)c;
	}
	if (want == sum || (ssum >= 0 && want == (uint64_t)ssum))
		return true;
	struct msg *m = at(b, off);
	put_s(m, "header checksum 0o");
	put_u(m, want, 8);
	put_s(m, ", the header sums to 0o");
	put_u(m, sum, 8);
	return false;
}

/* ---- names --------------------------------------------------------------------------- */

static bool bad_name(struct build *b, size_t off, const uint8_t *raw, size_t n, const char *why)
{
	struct msg *m = at(b, off);
	put_name(m, raw, n);
	put_s(m, ": ");
	put_s(m, why);
	return false;
}

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
			if (!c || c < 0x20 || c == 0x7f || c == '\\')
				return bad_name(b, off, raw, n, !c ? "a NUL byte" : c == '\\' ? "a backslash" : "a control byte");
		}
		size_t sl = j - i;
		if (sl == 1 && raw[i] == '.')
			continue;
		if (sl == 2 && raw[i] == '.' && raw[i + 1] == '.')
			return bad_name(b, off, raw, n, "a \"..\" segment");
		if (ol + 1 + sl > HS_PATH_MAX)
			return bad_name(b, off, raw, n, "longer than HS_PATH_MAX (1024 bytes) normalised");
		o[ol++] = '/';
		memcpy(o + ol, raw + i, sl);
		ol += sl;
	}
	if (!ol) {
		if (!folder)
			return bad_name(b, off, raw, n, "an empty name");
		o[ol++] = '/';
	}
	o[ol] = 0;
	*len = ol;
	return true;
}

/* ---- the archive --------------------------------------------------------------------- */

static bool digits(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

static bool key_is(const uint8_t *k, size_t kl, const char *s) { return kl == strlen(s) && !memcmp(k, s, kl); }

/* One pax value the next member takes; an empty value cancels an earlier one (POSIX). */
static bool pax_value(struct build *b, size_t off, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	struct pend *p = &b->pend;
	if (kl > 11 && !memcmp(k, "GNU.sparse.", 11)) {
		p->sparse = true;
	} else if (key_is(k, kl, "path")) {
		if (memchr(v, 0, vl))
			return fail(b, off, "a pax path with a NUL byte");
		p->path = vl ? v : NULL;
		p->path_len = vl;
	} else if (key_is(k, kl, "size")) {
		p->has_size = vl > 0;
		if (vl && (!digits(v, vl, &p->size) || p->size > INT64_MAX))
			return fail(b, off, "a pax size that is not a decimal number");
	} else if (key_is(k, kl, "mtime")) {
		bool neg = vl && v[0] == '-';
		size_t il = neg;
		uint64_t u;
		while (il < vl && v[il] != '.')
			il++;
		for (size_t i = il + 1; i < vl; i++)
			if (!isdigit(v[i]))
				return fail(b, off, "a pax mtime that is not a number");
		p->has_mtime = vl > 0;
		if (vl && (!digits(v + neg, il - neg, &u) || u > INT64_MAX))
			return fail(b, off, "a pax mtime that is not a number");
		if (vl)
			p->mtime = neg ? -(int64_t)u : (int64_t)u;
	}
	return true;
}

/* Records "LEN key=value\n", LEN counting the whole record; NULs may pad the end. */
static bool pax(struct build *b, size_t off, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n;) {
		const uint8_t *r = d + i;
		size_t rest = n - i, dl = 0, eq = 0;
		uint64_t rl;
		if (!r[0]) {
			for (; i < n; i++)
				if (d[i])
					return fail(b, off + i, "a pax record after NUL padding");
			break;
		}
		while (dl < rest && dl < 20 && isdigit(r[dl]))
			dl++;
		if (!dl || r[0] == '0' || dl == rest || r[dl] != ' ' || !digits(r, dl, &rl))
			return fail(b, off + i, "a pax record whose length is not a decimal number and a space");
		if (rl > rest)
			return fail(b, off + i, "a pax record longer than the header's data");
		if (rl < dl + 4 || r[rl - 1] != '\n')
			return fail(b, off + i, "a pax record whose length does not end it at a newline");
		for (eq = dl + 1; eq < rl - 1 && r[eq] != '='; eq++)
			;
		if (eq == dl + 1 || eq == rl - 1)
			return fail(b, off + i, "a pax record that is not key=value");
		if (!pax_value(b, off + i, r + dl + 1, eq - dl - 1, r + eq + 1, rl - 2 - eq))
			return false;
		i += rl;
	}
	return true;
}

static bool add_rec(struct build *b, size_t off, bool folder, const uint8_t *raw, size_t n, const uint8_t *data,
		    uint64_t size, int64_t mtime)
{
	if (b->nrecs >= HS_FILES_MAX)
		return fail(b, off, "more than HS_FILES_MAX (65536) files and folders");
	if (b->nrecs == b->caprecs) {
		unsigned cap = b->caprecs ? b->caprecs * 2 : 64;
		struct rec *r = realloc(b->recs, cap * sizeof(*r));
		if (!r)
			return oom(b);
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
	if (start <= b->len && dlen <= left && ((dlen + BLK - 1) & ~(uint64_t)(BLK - 1)) <= left) {
		*next = start + (size_t)((dlen + BLK - 1) & ~(uint64_t)(BLK - 1));
		return true;
	}
	struct msg *m = at(b, off);
	put_s(m, "a member of ");
	put_u(m, dlen, 10);
	put_s(m, " bytes runs past the end (");
	put_u(m, left, 10);
	put_s(m, " bytes left)");
	return false;
}

/* an extension header: its data describes the next member */
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
		return fail(b, off, "the size field is not octal");
	if (!number(h + 136, 12, &mtime))
		return fail(b, off, "the mtime field is not octal");
	if (t == 'x' || t == 'g' || t == 'L' || t == 'K')
		return span(b, off, off + BLK, (uint64_t)size, next) &&
		       extension(b, off, t, h + BLK, (size_t)size);
	struct pend pd = b->pend;
	b->pend = (struct pend){ 0 };
	uint64_t sz = pd.has_size ? pd.size : (uint64_t)size;
	if ((t != '0' && t != 0 && t != '7' && t != '5') || pd.sparse) {
		b->skipped++;
		return span(b, off, t == 'S' ? sparse_ext(b->a, b->len, off) : off + BLK, sz, next);
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
	if (!folder && sz > HS_SIZE_MAX) {
		struct msg *m = at(b, off);
		put_s(m, "a file of ");
		put_u(m, sz, 10);
		put_s(m, " bytes, more than HS_SIZE_MAX (4294967296)");
		return false;
	}
	return span(b, off, off + BLK, t == '5' ? 0 : sz, next) &&
	       add_rec(b, off, folder, raw, n, h + BLK, folder ? 0 : sz, pd.has_mtime ? pd.mtime : mtime);
}

static bool parse(struct build *b)
{
	size_t off = 0, next;
	while (off < b->len) {
		if (b->len - off < BLK) {
			struct msg *m = at(b, off);
			put_s(m, "a truncated header (");
			put_u(m, b->len - off, 10);
			put_s(m, " bytes)");
			return false;
		}
		const uint8_t *h = b->a + off;
		if (is_zero(h)) {
			size_t rest = b->len - off - BLK;
			if (rest == 0 || (rest >= BLK && is_zero(h + BLK)))
				break;
			return fail(b, off, "a lone zero block before more data (two end an archive)");
		}
		if (!checksum(b, h, off) || !member(b, off, &next))
			return false;
		off = next;
	}
	if (b->pend.any)
		return fail(b, b->pend.off, "an extended header with no member after it");
	return true;
}

/* ---- sorting, folders, the index ----------------------------------------------------- */

/* Bytewise with '/' first (control bytes never occur), so that a folder's whole subtree
 * follows it at once: "/a", "/a/b", "/a-b". */
static int path_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	for (size_t i = 0; i < n; i++) {
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
		if (!same && !under)
			continue;
		struct msg *m = at(b, p->hdr > r->hdr ? p->hdr : r->hdr);
		put_s(m, p->path.p);
		put_s(m, same && p->folder == r->folder ? " given twice (and at offset "
							 : " is both a file and a folder (see offset ");
		put_u(m, p->hdr < r->hdr ? p->hdr : r->hdr, 10);
		put_s(m, ")");
		return false;
	}
	return true;
}

/* The folders, in path order: the root, each explicit one, and every parent of a member.
 * s is the deepest folder already out: the parents a member shares with it are out too,
 * as a subtree is contiguous. Counts only when out is NULL. */
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
		for (size_t j = 1; j < pl; j++) {
			if (p[j] != '/')
				continue;
			last = j;
			if (j > k && out)
				out[n] = (struct dir){ p, j, NULL };
			n += j > k;
		}
		if (r->folder && out)
			out[n] = (struct dir){ p, pl, NULL };
		n += r->folder;
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
	if (n < l)
		return false;
	for (size_t i = 0; i < l; i++)
		if ((fold ? tolower((unsigned char)p[n - l + i]) : p[n - l + i]) != sfx[i])
			return false;
	return true;
}

static void site_free(struct hs_site *s)
{
	free(s->slots);
	free(s->dirs);
	free(s->files);
	free(s->arena);
	free(s);
}

static void etag(struct hs_file *f)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = xxh64(f->data, (size_t)f->size);
	f->etag[0] = '"';
	for (int i = 0; i < 16; i++)
		f->etag[1 + i] = hex[h >> (60 - 4 * i) & 15];
	f->etag[17] = '"';
	f->etag[18] = 0;
}

/* Each folder's index.html and each PATH.gz's PATH, once every path is in the table. */
static void link_files(struct hs_site *s)
{
	for (unsigned i = 0; i < s->nfiles; i++) {
		struct hs_file *f = &s->files[i];
		size_t n = f->path_len;
		if (ends(f->path, n, INDEX_HTML, false)) {
			uint32_t ref = find(s, f->path, n - strlen(INDEX_HTML));
			if (ref & FOLDER_BIT)
				s->dirs[(ref & ~FOLDER_BIT) - 1].index = f;
		}
		if (ends(f->path, n, ".gz", false)) {
			uint32_t ref = find(s, f->path, n - 3);
			if (ref && !(ref & FOLDER_BIT)) {
				s->files[ref - 1].gz = f;
				f->has_plain = true;
			}
		}
	}
	/* a PATH.gz without its PATH is served as it is, without Content-Encoding */
	for (unsigned i = 0; i < s->nfiles; i++) {
		struct hs_file *f = &s->files[i];
		f->mime = !ends(f->path, f->path_len, ".gz", true) ? hs_mime(f->path, f->path_len)
			  : f->has_plain			    ? hs_mime(f->path, f->path_len - 3)
								    : "application/gzip";
	}
}

static struct hs_site *index_site(struct build *b)
{
	unsigned ndirs = folders(b, NULL);
	if ((uint64_t)b->nfiles + ndirs > HS_FILES_MAX) {
		struct msg *m = named(b);
		put_u(m, (uint64_t)b->nfiles + ndirs, 10);
		put_s(m, " files and folders, more than HS_FILES_MAX (65536)");
		return NULL;
	}
	size_t cap = 16;
	while (cap < 2 * ((size_t)b->nfiles + ndirs))
		cap *= 2;
	struct hs_site *s = calloc(1, sizeof(*s));
	if (!s)
		return oom(b), NULL;
	s->arena = b->arena;
	b->arena = NULL;
	s->files = calloc(b->nfiles, sizeof(*s->files));
	s->dirs = calloc(ndirs, sizeof(*s->dirs));
	s->slots = calloc(cap, sizeof(*s->slots));
	if (!s->files || !s->dirs || !s->slots) {
		site_free(s);
		return oom(b), NULL;
	}
	s->nfiles = b->nfiles;
	s->ndirs = folders(b, s->dirs);
	s->mask = cap - 1;
	s->skipped = b->skipped;
	struct hs_file *f = s->files;
	for (unsigned i = 0; i < b->nrecs; i++) {
		const struct rec *r = &b->recs[i];
		if (r->folder)
			continue;
		*f = (struct hs_file){ .path = r->path.p, .path_len = r->len, .data = r->data, .size = r->size, .mtime = r->mtime };
		etag(f);
		s->bytes += r->size;
		insert(s, f->path, f->path_len, (uint32_t)(f - s->files) + 1);
		f++;
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
	if (!b->nfiles) {
		put_s(named(b), "no file in it");
		return NULL;
	}
	char *a = realloc(b->arena, b->alen);
	if (a)
		b->arena = a;
	for (unsigned i = 0; i < b->nrecs; i++)
		b->recs[i].path.p = b->arena + b->recs[i].path.off;
	qsort(b->recs, b->nrecs, sizeof(*b->recs), rec_cmp);
	return clashes(b) ? index_site(b) : NULL;
}

struct hs_site *hs_open(const char *name, const void *archive, size_t len, bool own, char *err, size_t errlen)
{
	struct build b = { .name = name ? name : "", .a = archive, .len = len, .m = { err, err ? errlen : 0, 0 } };
	struct hs_site *s = NULL;
	size_t nl = strlen(b.name);
	if (b.m.cap)
		err[0] = 0;
	if (!archive && len) {
		put_s(named(&b), "no archive");
	} else if (arena_reserve(&b, nl + 1)) {
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

enum hs_found hs_lookup(const struct hs_site *s, const char *path, size_t len, const struct hs_file **f)
{
	const struct hs_file *r = NULL;
	enum hs_found k = HS_NOT_FOUND;
	if (s && path && len && path[0] == '/') {
		bool slash = path[len - 1] == '/';
		uint32_t ref = find(s, path, len - slash);
		if (ref & FOLDER_BIT) {
			if (!slash)
				k = HS_FOLDER_SLASH;
			else if ((r = s->dirs[(ref & ~FOLDER_BIT) - 1].index))
				k = HS_FILE;
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
	/* JSON and XML carry their own encoding (RFC 8259, RFC 7303) */
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

/* The type of path's extension (after the last '.' of its last segment, a dot-file's
 * leading '.' not counting), or NULL. */
static const char *by_ext(const char *path, size_t len)
{
	size_t i = len;
	char e[12];
	while (i && path[i - 1] != '.' && path[i - 1] != '/')
		i--;
	if (i < 2 || path[i - 1] != '.' || path[i - 2] == '/' || len - i >= sizeof(e))
		return NULL;
	size_t el = len - i;
	for (size_t j = 0; j < el; j++)
		e[j] = (char)tolower((unsigned char)path[i + j]);
	for (size_t j = 0; j < sizeof(mimes) / sizeof(mimes[0]); j++)
		if (strlen(mimes[j].ext) == el && !memcmp(mimes[j].ext, e, el))
			return mimes[j].type;
	return NULL;
}

const char *hs_mime(const char *path, size_t len)
{
	const char *t = path ? by_ext(path, len) : NULL;
	if (t && ends(path, len, ".gz", true)) {
		const char *inner = by_ext(path, len - 3);
		return inner ? inner : t;
	}
	return t ? t : "application/octet-stream";
}
