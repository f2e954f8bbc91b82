/* fw_config.h - the firewall's config: the declarations every engine shares (interfaces,
 * routes, neighbours, sets, conntrack, management: conf/cf_config.h) and the firewall's
 * own statements, its chains of rules (fw_rule.h), which it adds to the language as an
 * extension of conf/'s parser (struct cf_ext):
 *
 *   chain forward policy drop {
 *       ct state established,related accept
 *       iif lan oif wan ip saddr @trusted tcp dport @web counter accept
 *   }
 *
 * fw_config_parse() reads a text of the shared statements and the firewall's; an app that
 * runs the firewall beside another engine (NAT) reads one text for both with cf_parse()
 * and each engine's extension (fw_config_ext() for the firewall's), then builds the
 * ruleset from what was read (fw_ruleset_build, fw.h). Either way the whole text or
 * nothing: a refused text leaves the config empty.
 */
#ifndef SLUICE_FW_CONFIG_H
#define SLUICE_FW_CONFIG_H

#include "cf_config.h"
#include "fw_rule.h"

struct fw_config {
	struct cf_config cf;                 /* interfaces, routes, neighbours, sets, conntrack, management */
	struct fw_chain chain[FW_HOOK__COUNT]; /* input, forward, output */
};

/* Parses text (len bytes, named file in messages) into cfg, which must be zeroed or freed.
 * 0, or -1 with one FILE:LINE:COL message in err and cfg left empty. */
int fw_config_parse(struct fw_config *cfg, const char *file, const char *text, size_t len, struct cf_err *err);

/* The firewall's extension, reading "chain input|forward|output [policy accept|drop]
 * { rules }" into cfg's chains (which it empties: cfg must be zeroed or freed), for
 * cf_parse(&cfg->cf, ...): rules name interfaces and sets by their index in cfg->cf, so
 * the declarations must be read into cfg's own. On a refused text cf_parse empties
 * cfg->cf, and the chains read so far are the caller's to free (fw_config_free). */
void fw_config_ext(struct fw_config *cfg, struct cf_ext *out);

/* Frees what cfg holds, the declarations and the chains, and empties it. */
void fw_config_free(struct fw_config *cfg);

#endif
