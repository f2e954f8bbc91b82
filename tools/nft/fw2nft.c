/* fw2nft: translates a config in Sluice's rule language (docs/RULES.md) into an nftables
 * ruleset (one inet table) that means the same, for the differential test against Linux
 * (tests/nft). It reads the config with the appliance's own parser.
 *
 *   fw2nft CONFIG [TABLE]      the ruleset on standard output (table "sluice" by default)
 *
 * Where the two languages differ the translation spells out Sluice's meaning:
 *   - plain `reject` is a TCP reset for TCP and port unreachable otherwise (nft's plain
 *     reject is always ICMP), and `reject with tcp reset` / `with icmp` / `with icmpv6` fall
 *     back to port unreachable for packets they do not fit (nft's would not match them):
 *     such a rule becomes two nft rules;
 *   - `meta length` is the Ethernet frame's length in Sluice and the IP datagram's in an
 *     inet table: the translation subtracts 14 (untagged frames, as a router sees them);
 *   - `ether type` becomes `meta protocol`; `vlan id` has no equivalent in an inet table
 *     and is refused with its position.
 */
#include "fw_config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *file;

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += k;
		if (n == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				buf = NULL;
			}
			buf = b;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static void put_prefix(const struct cf_prefix *p)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, s, sizeof(s));
	unsigned full = p->family == 4 ? 32 : 128;
	if (p->len == full)
		printf("%s", s);
	else
		printf("%s/%u", s, p->len);
}

static void put_range(const struct cf_range *r, long shift)
{
	long lo = (long)r->lo + shift, hi = (long)r->hi + shift;
	if (lo < 0)
		lo = 0;
	if (hi < 0)
		hi = 0;
	if (lo == hi)
		printf("%ld", lo);
	else
		printf("%ld-%ld", lo, hi);
}

static void put_list(const struct fw_match *m, long shift)
{
	if (m->u.list.n == 1) {
		put_range(&m->u.list.r[0], shift);
		return;
	}
	printf("{ ");
	for (unsigned i = 0; i < m->u.list.n; i++) {
		if (i)
			printf(", ");
		put_range(&m->u.list.r[i], shift);
	}
	printf(" }");
}

static const char *neg(const struct fw_match *m)
{
	return m->negate ? "!= " : "";
}

static int put_match(const struct fw_config *cfg, const struct fw_match *m)
{
	static const char *const states[] = { "new", "established", "related", "invalid" };
	switch (m->field) {
	case FW_M_IIF:
	case FW_M_OIF:
		printf("%s %s\"%s\" ", m->field == FW_M_IIF ? "iifname" : "oifname", neg(m), cfg->cf.iface[m->u.iface].name);
		return 0;
	case FW_M_ETHER_TYPE:
		printf("meta protocol %s", neg(m));
		if (m->u.list.n == 1 && m->u.list.r[0].lo == m->u.list.r[0].hi && m->u.list.r[0].lo == 0x0800)
			printf("ip ");
		else if (m->u.list.n == 1 && m->u.list.r[0].lo == m->u.list.r[0].hi && m->u.list.r[0].lo == 0x86dd)
			printf("ip6 ");
		else if (m->u.list.n == 1 && m->u.list.r[0].lo == m->u.list.r[0].hi && m->u.list.r[0].lo == 0x0806)
			printf("arp ");
		else {
			put_list(m, 0);
			printf(" ");
		}
		return 0;
	case FW_M_VLAN_ID:
		return -1;      /* refused by untranslatable() before anything was printed */
	case FW_M_IP_SADDR:
	case FW_M_IP_DADDR:
	case FW_M_IP6_SADDR:
	case FW_M_IP6_DADDR:
		printf("%s %s %s", m->field <= FW_M_IP_DADDR ? "ip" : "ip6",
		       m->field == FW_M_IP_SADDR || m->field == FW_M_IP6_SADDR ? "saddr" : "daddr", neg(m));
		if (m->set >= 0)
			printf("@%s", cfg->cf.set[m->set].name);
		else
			put_prefix(&m->u.prefix);
		printf(" ");
		return 0;
	case FW_M_L4PROTO:
		printf("meta l4proto %s", neg(m));
		put_list(m, 0);
		printf(" ");
		return 0;
	case FW_M_LENGTH:
		printf("meta length %s", neg(m));
		put_list(m, -14);
		printf(" ");
		return 0;
	case FW_M_SPORT:
	case FW_M_DPORT:
		printf("%s %s %s", m->proto == 6 ? "tcp" : "udp", m->field == FW_M_SPORT ? "sport" : "dport", neg(m));
		if (m->set >= 0)
			printf("@%s", cfg->cf.set[m->set].name);
		else
			put_list(m, 0);
		printf(" ");
		return 0;
	case FW_M_TCP_FLAGS:
		printf("tcp flags & 0x%02x == 0x%02x ", (unsigned)(m->u.flags.set | m->u.flags.clear), (unsigned)m->u.flags.set);
		return 0;
	case FW_M_ICMP_TYPE:
	case FW_M_ICMP6_TYPE: {
		const char *kw = m->field == FW_M_ICMP_TYPE ? "icmp" : "icmpv6";
		printf("%s type %u ", kw, m->u.icmp.type);
		if (m->u.icmp.code >= 0)
			printf("%s code %d ", kw, m->u.icmp.code);
		return 0;
	}
	case FW_M_CT_STATE: {
		printf("ct state %s", neg(m));
		bool first = true;
		for (unsigned b = 0; b < 4; b++)
			if (m->u.ct_states & (1u << b)) {
				printf("%s%s", first ? "" : ",", states[b]);
				first = false;
			}
		printf(" ");
		return 0;
	}
	}
	return 0;
}

/* One nft rule: the rule's matches, extra (a family or protocol guard), its statements
 * and the verdict text. */
static int put_rule(const struct fw_config *cfg, const struct fw_rule *r, const char *extra, const char *verdict)
{
	printf("\t\t");
	for (unsigned i = 0; i < r->n_match; i++)
		if (put_match(cfg, &r->m[i]))
			return -1;
	printf("%s", extra);
	if (r->limit_rate) {
		const char *unit = r->limit_per_s == 1 ? "second" : r->limit_per_s == 60 ? "minute"
				   : r->limit_per_s == 3600 ? "hour" : "day";
		printf("limit rate %u/%s burst %u packets ", r->limit_rate, unit, r->limit_burst);
	}
	if (r->counter)
		printf("counter ");
	if (r->log)
		printf("log prefix \"%s\" ", r->log_prefix);
	printf("%s\n", verdict);
	return 0;
}

static const char *icmp_code_name(bool v6, uint8_t code)
{
	static const char *const v4[] = { "net-unreachable", "host-unreachable", "prot-unreachable", "port-unreachable" };
	static const char *const v6n[] = { "no-route", "admin-prohibited", NULL, "addr-unreachable", "port-unreachable" };
	if (v6)
		return code < 5 && v6n[code] ? v6n[code] : "port-unreachable";
	if (code == 13)
		return "admin-prohibited";
	return code < 4 ? v4[code] : "port-unreachable";
}

static int put_rules(const struct fw_config *cfg, const struct fw_rule *r)
{
	char v[80];
	switch (r->verdict) {
	case FW_ACCEPT:
		return put_rule(cfg, r, "", "accept");
	case FW_DROP:
		return put_rule(cfg, r, "", "drop");
	case FW_NONE:
		return put_rule(cfg, r, "", "");
	default:
		break;
	}
	switch (r->reject_with) {
	case FW_REJECT_TCP_RESET:
	case FW_REJECT_AUTO:
		return put_rule(cfg, r, "meta l4proto tcp ", "reject with tcp reset") ||
		       put_rule(cfg, r, "", "reject with icmpx port-unreachable");
	case FW_REJECT_ICMP:
		snprintf(v, sizeof(v), "reject with icmp %s", icmp_code_name(false, r->reject_code));
		return put_rule(cfg, r, "meta nfproto ipv4 ", v) ||
		       put_rule(cfg, r, "meta nfproto ipv6 ", "reject with icmpv6 port-unreachable");
	default:
		snprintf(v, sizeof(v), "reject with icmpv6 %s", icmp_code_name(true, r->reject_code));
		return put_rule(cfg, r, "meta nfproto ipv6 ", v) ||
		       put_rule(cfg, r, "meta nfproto ipv4 ", "reject with icmp port-unreachable");
	}
}

/* What an inet table cannot say, refused with its position before any output, so that
 * nothing half-translated reaches nft. */
static int untranslatable(const struct fw_config *cfg)
{
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++)
		for (unsigned i = 0; i < cfg->chain[h].n_rules; i++) {
			const struct fw_rule *r = &cfg->chain[h].rules[i];
			for (unsigned k = 0; k < r->n_match; k++)
				if (r->m[k].field == FW_M_VLAN_ID) {
					fprintf(stderr, "fw2nft: %s:%u:%u: 'vlan id' has no equivalent in an nftables inet table\n",
						file, r->line, r->col);
					return -1;
				}
		}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: fw2nft CONFIG [TABLE]\n");
		return argc < 2 ? 2 : 0;
	}
	file = argv[1];
	const char *table = argc > 2 ? argv[2] : "sluice";
	size_t len;
	char *text = read_all(file, &len);
	if (!text) {
		fprintf(stderr, "fw2nft: cannot read %s\n", file);
		return 2;
	}
	static struct fw_config cfg;
	struct cf_err err = { "" };
	if (fw_config_parse(&cfg, file, text, len, &err)) {
		fprintf(stderr, "fw2nft: %s\n", err.msg);
		free(text);
		return 2;
	}
	free(text);
	if (untranslatable(&cfg)) {
		fw_config_free(&cfg);
		return 2;
	}
	printf("# translated by fw2nft from %s\ntable inet %s {\n", file, table);
	for (unsigned i = 0; i < cfg.cf.n_set; i++) {
		const struct cf_set *s = &cfg.cf.set[i];
		printf("\tset %s {\n\t\ttype %s; flags interval;\n", s->name,
		       s->kind == CF_SET_IPV4 ? "ipv4_addr" : s->kind == CF_SET_IPV6 ? "ipv6_addr" : "inet_service");
		if (s->n) {
			printf("\t\telements = { ");
			for (unsigned k = 0; k < s->n; k++) {
				if (k)
					printf(", ");
				if (s->kind == CF_SET_PORT)
					put_range(&s->ranges[k], 0);
				else
					put_prefix(&s->prefixes[k]);
			}
			printf(" }\n");
		}
		printf("\t}\n");
	}
	static const char *const hooks[] = { "input", "forward", "output" };
	int rc = 0;
	for (unsigned h = 0; h < FW_HOOK__COUNT && !rc; h++) {
		const struct fw_chain *c = &cfg.chain[h];
		if (!c->declared)
			continue;
		printf("\tchain %s {\n\t\ttype filter hook %s priority filter; policy %s;\n", hooks[h], hooks[h],
		       c->policy == FW_DROP ? "drop" : "accept");
		for (unsigned i = 0; i < c->n_rules && !rc; i++)
			rc = put_rules(&cfg, &c->rules[i]);
		printf("\t}\n");
	}
	printf("}\n");
	fw_config_free(&cfg);
	return rc ? 2 : 0;
}
