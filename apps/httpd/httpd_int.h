/* httpd_int.h - what the httpd app's files share: its state, the site's loading and live
 * changes (httpd_site.c), its control namespace (httpd_ctl.c). Internal to apps/httpd. */
#ifndef SLUICE_HTTPD_INT_H
#define SLUICE_HTTPD_INT_H

#include "hc.h"
#include "hs.h"

#include <stdbool.h>
#include <stddef.h>

struct httpd {
	struct hc_conf conf;        /* from the options; log follows the settings */
	struct hs_site *site;       /* until the server takes it (hc_start) */
	bool up;                    /* the server runs (the host stack is up) */
	bool served;                /* it ran: the report has its counters */
};

/* The first line of a settings document (the httpd namespace's commits): "log on|off"
 * lines follow. Any other text a reload gets is a site. */
#define HTTPD_SETTINGS "# sluice httpd settings\n"

/* A site from a tar archive, or the same in base64 (the control socket's form: lines of
 * base64, whitespace ignored). copy: the bytes do not outlive the call (the site takes a
 * copy). NULL with "NAME: ..." in err. */
struct hs_site *httpd_site_load(const char *name, const void *data, size_t len, bool copy, char *err, size_t errlen);

/* A reload's two halves (app_def.build, apply, discard): a new site, or new settings. */
void *httpd_change_build(const char *name, const char *text, size_t len, char *err, size_t errlen);
int httpd_change_apply(struct httpd *h, void *built, char *err, size_t errlen);
void httpd_change_discard(void *built);

struct ctl_ns;
extern const struct ctl_ns httpd_ctl_ns;

#endif
