/* hs.h - the site: a read-only, indexed, in-memory file system over a tar archive, what
 * the static server (apps/httpd) serves. The archive is baked into the image (`sluice
 * build httpd --root DIR`), given as a boot module or a hosted --config file, or sent over
 * the control socket; hs_open() indexes it once, and every request is then a lookup: no
 * copy of a file's bytes (they are served from the archive), its ETag and MIME type
 * computed at open, its precompressed sibling (PATH.gz) found at open.
 *
 * Archives: POSIX ustar, with pax extended headers (path, size, mtime records; the
 * global header is skipped) and GNU long names ('L') as GNU tar and Python's tarfile write
 * them, GNU's base-256 numbers, and v7; two zero blocks or the end of the data on a block
 * end it (a lone zero block before more data is refused). Regular files ('0', NUL or '7')
 * are served; directories ('5', or a regular file's name ending in '/') are kept as
 * folders; symbolic and hard links, devices, FIFOs, sparse files and members of any other
 * type are skipped and counted. Names are normalised as request paths are (hq.h: "./"
 * prefixes and "." segments go, runs of '/' are one, a leading '/' names the site's root);
 * a name with a ".." segment, a NUL, a control byte or a backslash is refused, as is a
 * name given twice or a path that is both a file and a folder ("/a" and "/a/b" both
 * files). A malformed archive (a bad header checksum, a size or mtime that is not octal,
 * a member running past the end, a pax record that does not parse) is refused whole with
 * its byte offset: "NAME: offset 1536: header checksum 0o7316, the header sums to 0o7317".
 *
 * Limits, each refused with its name: HS_FILES_MAX entries, HS_PATH_MAX bytes a path,
 * HS_SIZE_MAX bytes a file. Nothing here is on the packet path; hs_lookup() is O(1) (a
 * hash of the path) and allocates nothing.
 */
#ifndef SLUICE_HS_H
#define SLUICE_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_FILES_MAX 65536             /* files and folders in one site, the root and those
                                          a file's path implies ("/a/b" makes "/a") included */
#define HS_PATH_MAX 1024               /* bytes of a normalised path ("/a/b.html") */
#define HS_SIZE_MAX (1ull << 32)       /* bytes of one file */
#define HS_ETAG_LEN 20                 /* "\"" + 16 hex digits + "\"" + NUL, rounded up */

struct hs_file {
	const char *path;                  /* "/docs/index.html": '/'-led, normalised, NUL-terminated */
	size_t path_len;
	const uint8_t *data;               /* size bytes, inside the archive */
	uint64_t size;
	int64_t mtime;                     /* seconds since 1970, from the archive */
	char etag[HS_ETAG_LEN];            /* strong, quoted: "\"3f2a...\"": XXH64 of the bytes
	                                      (their length mixed in), the same for the same file */
	const char *mime;                  /* hs_mime() of the path ("text/html; charset=utf-8"),
	                                      but "application/gzip" for a PATH.gz whose PATH is
	                                      not in the site (it can only go out as it is) */
	const struct hs_file *gz;          /* PATH.gz, served when the client takes gzip, or NULL */
	bool has_plain;                    /* this is PATH.gz and PATH exists: Vary on both */
};

struct hs_site;

/* Indexes archive[0..len), which must stay valid and unchanged until hs_close(); when own
 * is true, hs_close() frees it (free()) too, and on failure hs_open() does. Returns NULL
 * with "NAME: offset N: why" (or "NAME: why") in err. An archive with no file at all is
 * refused ("NAME: no file in it"). */
struct hs_site *hs_open(const char *name, const void *archive, size_t len, bool own, char *err, size_t errlen);
void hs_close(struct hs_site *s);

enum hs_found { HS_NOT_FOUND, HS_FILE, HS_FOLDER_SLASH };
/* Looks up a normalised path (hq.h) of len bytes:
 *  - a file's path: HS_FILE and *f the file;
 *  - a folder's path with its trailing '/' ("/" or "/docs/"): HS_FILE and its index.html,
 *    or HS_NOT_FOUND when it has none;
 *  - a folder's path without the '/' ("/docs"): HS_FOLDER_SLASH (the server redirects to
 *    "/docs/");
 *  - anything else, a file's path with a trailing '/' included: HS_NOT_FOUND.
 * *f is NULL unless HS_FILE; f may be NULL. */
enum hs_found hs_lookup(const struct hs_site *s, const char *path, size_t len, const struct hs_file **f);

/* The site's name (hs_open's), files (not folders), their bytes, and links, devices,
 * FIFOs and other members skipped. */
const char *hs_name(const struct hs_site *s);
unsigned hs_files(const struct hs_site *s);
uint64_t hs_bytes(const struct hs_site *s);
unsigned hs_skipped(const struct hs_site *s);
/* The i-th file in path order (i < hs_files(); NULL past the end), for listings: bytewise,
 * '/' before any other byte, so that a folder's files come together ("/a/b", "/a-b"). */
const struct hs_file *hs_file_at(const struct hs_site *s, unsigned i);

/* The MIME type of a path by its extension, case-insensitively (html, htm, css, js, mjs,
 * json, txt, xml, svg, png, jpg, jpeg, gif, webp, avif, ico, woff, woff2, ttf, otf, pdf,
 * wasm, mp4, webm, mp3, ogg, wav, zip, gz, tar, csv, md, map, ...); text types carry
 * "; charset=utf-8"; "application/octet-stream" for the rest. For PATH.gz, the type of
 * PATH when it has a known extension ("a.css.gz" is text/css, served with
 * Content-Encoding: gzip by the server only when PATH exists); a lone "x.gz" is
 * application/gzip. */
const char *hs_mime(const char *path, size_t len);

#endif
