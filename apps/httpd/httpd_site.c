/* The httpd app's site loading (a tar archive, raw or in base64) and its live changes: a
 * reload's text is a new site, or new settings (HTTPD_SETTINGS: the control namespace's
 * commits), built off to the side and swapped in between bursts (httpd_int.h). */
#include "httpd_int.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

static int b64(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
	       : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* base64 (RFC 4648, whitespace between groups ignored, '=' padding at the end only)
 * into a new buffer; NULL with the line and column of the first bad byte. */
static uint8_t *unbase64(const char *name, const char *s, size_t len, size_t *out_len, char *err, size_t errlen)
{
	uint8_t *out = malloc(len / 4 * 3 + 3);
	if (!out)
		return plat_snprintf(err, errlen, "%s: no memory for %zu bytes", name, len), NULL;
	size_t n = 0, line = 1, col = 0;
	uint32_t acc = 0;
	unsigned have = 0, pad = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		col++;
		if (c == '\n') {
			line++;
			col = 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		int v = b64(c);
		if (c == '=' && have >= 2) {
			pad++;
			v = 0;
		} else if (v < 0 || pad) {
			free(out);
			plat_snprintf(err, errlen, "%s:%zu:%zu: not a tar archive, nor one in base64 (byte 0x%02x)", name, line,
				      col, c);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		if (++have == 4) {
			out[n++] = (uint8_t)(acc >> 16);
			if (pad < 2)
				out[n++] = (uint8_t)(acc >> 8);
			if (pad < 1)
				out[n++] = (uint8_t)acc;
			have = 0;
			acc = 0;
		}
	}
	if (have) {
		free(out);
		plat_snprintf(err, errlen, "%s: base64 that ends inside a group of 4", name);
		return NULL;
	}
	*out_len = n;
	return out;
}

static bool is_tar(const void *data, size_t len)
{
	return len >= 512 && !memcmp((const char *)data + 257, "ustar", 5);
}

struct hs_site *httpd_site_load(const char *name, const void *data, size_t len, bool copy, char *err, size_t errlen)
{
	if (is_tar(data, len)) {
		if (!copy)
			return hs_open(name, data, len, false, err, errlen);
		void *dup = malloc(len ? len : 1);
		if (!dup)
			return plat_snprintf(err, errlen, "%s: no memory for %zu bytes", name, len), NULL;
		memcpy(dup, data, len);
		return hs_open(name, dup, len, true, err, errlen);
	}
	size_t n;
	uint8_t *raw = unbase64(name, data, len, &n, err, errlen);
	if (!raw)
		return NULL;
	if (!is_tar(raw, n)) {
		free(raw);
		plat_snprintf(err, errlen, "%s: not a tar archive (no ustar header), raw or in base64", name);
		return NULL;
	}
	return hs_open(name, raw, n, true, err, errlen);
}

/* ---- live changes ---------------------------------------------------------------------- */

struct change {
	struct hs_site *site;       /* a new site, or */
	bool log;                   /* the settings */
};

/* "log on|off" lines after HTTPD_SETTINGS; -1 with NAME:LINE:COL. */
static int settings(const char *name, const char *text, size_t len, struct change *c, char *err, size_t errlen)
{
	unsigned line = 1;
	bool seen = false;
	for (size_t i = 0; i < len; line++) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
		const char *s = text + i;
		i += l + 1;
		while (l && (s[l - 1] == '\r' || s[l - 1] == ' ' || s[l - 1] == '\t'))
			l--;
		if (!l || s[0] == '#')
			continue;
		if (l == 6 && !memcmp(s, "log on", 6))
			c->log = true;
		else if (l == 7 && !memcmp(s, "log off", 7))
			c->log = false;
		else
			return plat_snprintf(err, errlen, "%s:%u:1: expected 'log on' or 'log off'", name, line), -1;
		seen = true;
	}
	if (!seen)
		return plat_snprintf(err, errlen, "%s: settings without a setting", name), -1;
	return 0;
}

void *httpd_change_build(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct change *c = calloc(1, sizeof(*c));
	if (!c)
		return plat_snprintf(err, errlen, "%s: no memory", name), NULL;
	size_t hl = sizeof(HTTPD_SETTINGS) - 1;
	if (len >= hl && !memcmp(text, HTTPD_SETTINGS, hl)) {
		if (settings(name, text + hl, len - hl, c, err, errlen) == 0)
			return c;
	} else if ((c->site = httpd_site_load(name, text, len, true, err, errlen))) {
		return c;
	}
	free(c);
	return NULL;
}

int httpd_change_apply(struct httpd *h, void *built, char *err, size_t errlen)
{
	struct change *c = built;
	if (!c)
		return -1;
	int rc = 0;
	if (!c->site) {
		h->conf.log = c->log;
		if (h->up)
			hc_set_log(c->log);
	} else if (!h->up) {
		if (h->site)
			hs_close(h->site);
		h->site = c->site;
	} else if ((rc = hc_set_site(c->site, err, errlen)) != 0) {
		hs_close(c->site);
	} else {
		plat_log(PLAT_LOG_INFO, "httpd: now serving %s (%u files, %llu bytes)", hs_name(c->site),
			 hs_files(c->site), (unsigned long long)hs_bytes(c->site));
	}
	free(c);
	return rc;
}

void httpd_change_discard(void *built)
{
	struct change *c = built;
	if (!c)
		return;
	if (c->site)
		hs_close(c->site);
	free(c);
}
