/* The firewall's config (fw_config.h): the shared declarations read by conf/, with the
 * firewall's chains as its extension (fw_chain.c). */
#include "fw_config.h"

#include <stdlib.h>
#include <string.h>

int fw_config_parse(struct fw_config *cfg, const char *file, const char *text, size_t len, struct cf_err *err)
{
	struct cf_ext ext;
	fw_config_ext(cfg, &ext);
	int rc = cf_parse(&cfg->cf, &ext, 1, file, text, len, err);
	if (rc)
		fw_config_free(cfg);
	return rc;
}

void fw_config_free(struct fw_config *cfg)
{
	cf_config_free(&cfg->cf);
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		for (unsigned r = 0; r < cfg->chain[h].n_rules; r++)
			free(cfg->chain[h].rules[r].m);
		free(cfg->chain[h].rules);
	}
	memset(cfg, 0, sizeof(*cfg));
}
