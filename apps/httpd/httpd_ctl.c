/* The httpd namespace on the control socket (ctl.h, docs/CONTROL.md):
 *
 *   httpd log on|off         the access log (one transaction, as every command)
 *   show site                the files served: path, size, ETag, type, .gz sibling
 *   show connections         the open connections
 *   show config              ports, HTTPS, the access log, the site
 *
 * A new site is a load of its archive in base64 (`sluice ctl httpd reload site.tar` sends
 * it so): built off to the side and swapped in between bursts, or refused with the
 * running site untouched.
 */
#include "ctl.h"
#include "httpd_int.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

struct txn {
	struct httpd *h;
	bool log, was;
	char text[64];
};

static void *txn_begin(void *app)
{
	struct httpd *h = app;
	struct txn *t = calloc(1, sizeof(*t));
	if (t) {
		t->h = h;
		t->log = t->was = h->up ? hc_log() : h->conf.log;
	}
	return t;
}

static void txn_free(void *txn)
{
	free(txn);
}

static int txn_cmd(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	struct txn *t = txn;
	if (!strcmp(a->argv[0], "log")) {
		if (a->argc == 2 && (!strcmp(a->argv[1], "on") || !strcmp(a->argv[1], "off"))) {
			t->log = !strcmp(a->argv[1], "on");
			ctl_ok(o, "log %s", t->log ? "on" : "off");
			return 0;
		}
		ctl_error(o, "%s:%u:%u: log on or log off", w->name, w->line, a->argc > 1 ? a->col[1] : a->col[0]);
		return -1;
	}
	ctl_error(o, "%s:%u:%u: unknown httpd command '%s': httpd log on|off; a new site is a load of its archive "
		  "(sluice ctl httpd reload SITE.tar)", w->name, w->line, a->col[0], a->argv[0]);
	return -1;
}

static void txn_summary(void *txn, char *buf, size_t len)
{
	struct txn *t = txn;
	plat_snprintf(buf, len, t->log == t->was ? "no change" : "access log %s", t->log ? "on" : "off");
}

static int txn_render(void *txn, const char *name, const char **text, size_t *len)
{
	(void)name;
	struct txn *t = txn;
	int n = plat_snprintf(t->text, sizeof(t->text), "%slog %s\n", HTTPD_SETTINGS, t->log ? "on" : "off");
	*text = t->text;
	*len = (size_t)n;
	return 0;
}

static void txn_where(void *txn, unsigned line, unsigned col, char *buf, size_t len)
{
	(void)txn;
	plat_snprintf(buf, len, "settings:%u:%u", line, col);
}

static void txn_adopt(void *app, void *txn)
{
	(void)app;
	free(txn);
}

static void show_site(struct ctl_out *o)
{
	const struct hs_site *s = hc_site();
	if (!s) {
		ctl_error(o, "the server is not running (no host stack yet)");
		return;
	}
	unsigned n = hs_files(s);
	if (o->json) {
		ctl_printf(o, "{\"name\":");
		ctl_json_str(o, hs_name(s));
		ctl_printf(o, ",\"files\":%u,\"bytes\":%llu,\"skipped\":%u,\"list\":[", n, (unsigned long long)hs_bytes(s),
			   hs_skipped(s));
	}
	for (unsigned i = 0; i < n; i++) {
		const struct hs_file *f = hs_file_at(s, i);
		if (o->json) {
			ctl_printf(o, "%s{\"path\":", i ? "," : "");
			ctl_json_str(o, f->path);
			ctl_printf(o, ",\"size\":%llu,\"mtime\":%lld,\"etag\":", (unsigned long long)f->size, (long long)f->mtime);
			ctl_json_str(o, f->etag);
			ctl_printf(o, ",\"type\":");
			ctl_json_str(o, f->mime);
			ctl_printf(o, ",\"gzip\":%s}", f->gz ? "true" : "false");
		} else {
			ctl_printf(o, "%-40s %10llu %s %s%s\n", f->path, (unsigned long long)f->size, f->etag, f->mime,
				   f->gz ? " (+.gz)" : "");
		}
	}
	if (o->json)
		ctl_printf(o, "]}\n");
	else if (!n)
		ctl_printf(o, "no file\n");
	ctl_ok(o, "%s: %u files, %llu bytes", hs_name(s), n, (unsigned long long)hs_bytes(s));
}

static void show_config(struct httpd *h, struct ctl_out *o)
{
	const struct hs_site *s = hc_site();
	bool log = h->up ? hc_log() : h->conf.log;
	if (o->json) {
		ctl_printf(o, "{\"http_port\":%u,\"https_port\":%u,\"log\":%s,\"site\":", h->up ? hc_port(false) : h->conf.http_port,
			   h->up ? hc_port(true) : 0, log ? "true" : "false");
		ctl_json_str(o, s ? hs_name(s) : "");
		ctl_printf(o, "}\n");
	} else {
		ctl_printf(o, "http %u\nhttps %u%s\nlog %s\nsite %s\n", h->up ? hc_port(false) : h->conf.http_port,
			   h->up ? hc_port(true) : 0, h->up && !hc_port(true) ? " (off: no https.crt and https.key)" : "",
			   log ? "on" : "off", s ? hs_name(s) : "-");
	}
	ctl_ok(o, "%s", "");
}

static int show(void *app, const struct ctl_args *a, struct ctl_out *o)
{
	struct httpd *h = app;
	if (!strcmp(a->argv[0], "site"))
		show_site(o);
	else if (!strcmp(a->argv[0], "connections"))
		hc_show_conns(o);
	else if (!strcmp(a->argv[0], "config"))
		show_config(h, o);
	else
		return ctl_error(o, "ctl:%u:%u: show what? interfaces|site|connections|config", a->lineno, a->col[0]), -1;
	return 0;
}

const struct ctl_ns httpd_ctl_ns = {
	.name = "httpd",
	.help = "httpd log on|off          the access log, one line a response\n"
		"show site                 the files served: path, size, ETag, type\n"
		"show connections          the open connections\n"
		"show config               ports, HTTPS, the access log, the site\n"
		"load NAME + base64 lines  a new site (sluice ctl httpd reload SITE.tar sends it)\n",
	.txn_begin = txn_begin,
	.txn_free = txn_free,
	.txn_cmd = txn_cmd,
	.txn_summary = txn_summary,
	.txn_render = txn_render,
	.txn_where = txn_where,
	.txn_adopt = txn_adopt,
	.show = show,
	.shows = "site|connections|config",
};
