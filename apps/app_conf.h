/* app_conf.h - what the appliances built on the rule language (fw, nat) make alike from
 * their config: the connection table, and the management block checked and given to the
 * platform.
 *
 * The connection table's default size (conntrack's max, 65,536) is Linux's; a platform with less memory (an
 * image booted with a few MiB) gets half the largest power-of-two table that fits, from
 * 1,024 entries up (the other half is room for a reload to build its config beside the
 * running one), and the app says so. A size the config asks for is never shrunk.
 */
#ifndef SLUICE_APP_CONF_H
#define SLUICE_APP_CONF_H

#include "cf_config.h"
#include "ct.h"

#include <stddef.h>
#include <stdint.h>

/* The table for cfg (whose max_entries is lowered to what was made when it shrank; *shrunk
 * says so). NULL: not even 1,024 entries fit, or a size the config gave does not. */
struct ct_table *app_ct_create(struct ct_config *cfg, bool max_set, bool *shrunk);

/* The management block's addresses as the host stack will take them: 0, or -1 with
 * "NAME:LINE:COL: management: why" in err. */
int app_mgmt_check(const struct cf_mgmt *m, const char *name, char *err, size_t errlen);
/* app_def.mgmt for a config whose management block is m (read from name), on port port
 * (its interface's; -1: the platform's management port). */
bool app_mgmt_spec(const struct cf_mgmt *m, const char *name, int port, char *spec, size_t len,
		   uint16_t *metrics_port, uint16_t *ctl_port, char *where, size_t wlen);

/* Tells the console once (*told) when conntrack finds TCP/UDP checksums left to offload
 * (ct invalid checksum_partial): what the operator can do about it. app names the line. */
void app_csum_hint(const struct ct_table *ct, bool *told, const char *app, void (*emit)(void *arg, const char *line),
		   void *arg);

#endif
