/* What the rule-language appliances make alike from their config (app_conf.h). */
#include "app_conf.h"

#include "stk.h"

#include <stdio.h>
#include <string.h>

struct ct_table *app_ct_create(struct ct_config *cfg, bool max_set, bool *shrunk)
{
	*shrunk = false;
	struct ct_table *t = ct_table_create(cfg);
	while (!t && !max_set && cfg->max_entries > 1024) {
		cfg->max_entries /= 2;
		t = ct_table_create(cfg);
		*shrunk = t != NULL;
	}
	if (*shrunk && cfg->max_entries > 1024) {
		ct_table_destroy(t);
		cfg->max_entries /= 2;
		t = ct_table_create(cfg);   /* half of what was just there */
	}
	return t;
}

int app_mgmt_check(const struct cf_mgmt *m, const char *name, char *err, size_t errlen)
{
	struct stk_if_conf sc;
	char why[200];
	if (!m->declared || !stk_conf_parse(m->spec, &sc, why, sizeof(why)))
		return 0;
	const char *w = why;     /* "column N: 'word': ...": the column is the spec's, not the file's */
	if (!strncmp(w, "column ", 7) && strstr(w, ": "))
		w = strstr(w, ": ") + 2;
	snprintf(err, errlen, "%s:%u:%u: management: %s", name, m->line, m->col, w);
	return -1;
}

bool app_mgmt_spec(const struct cf_mgmt *m, const char *name, int port, char *spec, size_t len,
		   uint16_t *metrics_port, uint16_t *ctl_port, char *where, size_t wlen)
{
	if (!m->declared)
		return false;
	if (port >= 0)
		snprintf(spec, len, "port=%d,%s", port, m->spec);
	else
		snprintf(spec, len, "%s", m->spec);
	*metrics_port = m->metrics_port;
	*ctl_port = m->ctl_port;
	snprintf(where, wlen, "%s:%u:%u", name, m->line, m->col);
	return true;
}

void app_csum_hint(const struct ct_table *ct, bool *told, const char *app, void (*emit)(void *arg, const char *line),
		   void *arg)
{
	if (*told || !emit || !ct_counters(ct)->invalid[CT_INV_CHECKSUM_PARTIAL])
		return;
	*told = true;
	char line[400];
	snprintf(line, sizeof(line), "%s: TCP/UDP packets arrive with checksums their sender left to offload (ct invalid "
		 "checksum_partial): a Linux veth or tap peer sends with tx checksumming on. Turn it off on the peer "
		 "(ethtool -K PEER tx off), run the port on afpacket:iface=NAME (it completes them), or set "
		 "conntrack { checksum off }", app);
	emit(arg, line);
}
