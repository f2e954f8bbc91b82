/* The reference evaluator. */
#include "fw_ref.h"

#include <string.h>

static bool in_prefix(const struct cf_prefix *p, const uint8_t *addr)
{
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(p->addr, addr, full))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (p->addr[full] & mask) == (addr[full] & mask);
}

static bool in_ranges(const struct cf_range *r, unsigned n, uint32_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (v >= r[i].lo && v <= r[i].hi)
			return true;
	return false;
}

static bool addr_match(const struct fw_config *cfg, const struct fw_match *m, const uint8_t *addr)
{
	if (m->set < 0)
		return in_prefix(&m->u.prefix, addr);
	const struct cf_set *s = &cfg->cf.set[m->set];
	for (unsigned i = 0; i < s->n; i++)
		if (in_prefix(&s->prefixes[i], addr))
			return true;
	return false;
}

static bool value_match(const struct fw_config *cfg, const struct fw_match *m, uint32_t v)
{
	if (m->set >= 0)
		return in_ranges(cfg->cf.set[m->set].ranges, cfg->cf.set[m->set].n, v);
	return in_ranges(m->u.list.r, m->u.list.n, v);
}

/* 1: the field is present and compares equal, 0: present and different, -1: absent */
static int compare(const struct fw_config *cfg, const struct fw_match *m, const struct fw_pkt *p)
{
	switch (m->field) {
	case FW_M_IIF: return p->iif < 0 ? -1 : p->iif == m->u.iface;
	case FW_M_OIF: return p->oif < 0 ? -1 : p->oif == m->u.iface;
	case FW_M_ETHER_TYPE: return value_match(cfg, m, p->ethertype);
	case FW_M_VLAN_ID: return p->has_vlan ? value_match(cfg, m, p->vlan_id) : -1;
	case FW_M_IP_SADDR: return p->family == 4 ? addr_match(cfg, m, p->saddr) : -1;
	case FW_M_IP_DADDR: return p->family == 4 ? addr_match(cfg, m, p->daddr) : -1;
	case FW_M_IP6_SADDR: return p->family == 6 ? addr_match(cfg, m, p->saddr) : -1;
	case FW_M_IP6_DADDR: return p->family == 6 ? addr_match(cfg, m, p->daddr) : -1;
	case FW_M_L4PROTO: return p->has_l4proto ? value_match(cfg, m, p->l4proto) : -1;
	case FW_M_SPORT:
	case FW_M_DPORT:
		if (!p->has_ports || !p->has_l4proto || p->l4proto != m->proto)
			return -1;
		return value_match(cfg, m, m->field == FW_M_SPORT ? p->sport : p->dport);
	case FW_M_TCP_FLAGS:
		if (!p->has_ports || !p->has_l4proto || p->l4proto != 6)
			return -1;
		return (p->tcp_flags & m->u.flags.set) == m->u.flags.set && !(p->tcp_flags & m->u.flags.clear);
	case FW_M_ICMP_TYPE:
	case FW_M_ICMP6_TYPE:
		if (!p->has_icmp || p->family != (m->field == FW_M_ICMP_TYPE ? 4 : 6))
			return -1;
		return p->icmp_type == m->u.icmp.type && (m->u.icmp.code < 0 || p->icmp_code == m->u.icmp.code);
	case FW_M_CT_STATE: return (p->ct_state & m->u.ct_states) != 0;
	case FW_M_LENGTH: return value_match(cfg, m, p->length);
	}
	return -1;
}

bool fw_ref_rule_matches(const struct fw_config *cfg, const struct fw_rule *rule, const struct fw_pkt *pkt)
{
	for (unsigned i = 0; i < rule->n_match; i++) {
		const struct fw_match *m = &rule->m[i];
		int c = compare(cfg, m, pkt);
		if (c < 0 || (c == 1) == m->negate)
			return false;
	}
	return true;
}

enum fw_verdict fw_ref_eval(const struct fw_config *cfg, const struct fw_chain *chain, const struct fw_pkt *pkt,
			    int *rule_out)
{
	for (unsigned i = 0; i < chain->n_rules; i++) {
		const struct fw_rule *r = &chain->rules[i];
		if (r->verdict != FW_NONE && fw_ref_rule_matches(cfg, r, pkt)) {
			*rule_out = (int)i;
			return r->verdict;
		}
	}
	*rule_out = -1;
	return chain->policy;
}
