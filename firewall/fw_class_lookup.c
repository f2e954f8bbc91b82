/* The classifier's lookup: a packet's vector per field, then the scan for matching rules. */
#include "fw_class_int.h"

#include "pkt_parse.h"

static inline unsigned indexed(const struct fw_dimtab *t, uint32_t v)
{
	uint32_t k = v >> t->shift;
	unsigned i = t->idx[k];
	if (!t->shift)
		return i;
	/* the intervals that start inside block k: up to the one holding the next block's start */
	unsigned j = k < 0xffff ? t->idx[k + 1] : t->n - 1;
	return i + search32(t->lo32 + i, j - i + 1, v);
}

/* Field d's value for the search; false when the packet has no such field (its vector is
 * then the rules that do not care). Only the fields the rules use are asked for. */
static inline bool field(const struct fw_pkt *p, enum fw_dim d, uint32_t *v)
{
	switch (d) {
	case FW_D_IIF: *v = (uint32_t)p->iif; return p->iif >= 0;
	case FW_D_OIF: *v = (uint32_t)p->oif; return p->oif >= 0;
	case FW_D_ETHER: *v = p->ethertype; return true;
	case FW_D_VLAN: *v = p->vlan_id; return p->has_vlan;
	case FW_D_IP4_SRC: *v = pkt_rd32(p->saddr); return p->family == 4;
	case FW_D_IP4_DST: *v = pkt_rd32(p->daddr); return p->family == 4;
	case FW_D_L4PROTO: *v = p->l4proto; return p->has_l4proto;
	case FW_D_TCP_SPORT: *v = p->sport; return p->has_ports && p->has_l4proto && p->l4proto == 6;
	case FW_D_TCP_DPORT: *v = p->dport; return p->has_ports && p->has_l4proto && p->l4proto == 6;
	case FW_D_UDP_SPORT: *v = p->sport; return p->has_ports && p->has_l4proto && p->l4proto == 17;
	case FW_D_UDP_DPORT: *v = p->dport; return p->has_ports && p->has_l4proto && p->l4proto == 17;
	case FW_D_TCP_FLAGS: *v = p->tcp_flags; return p->has_ports && p->has_l4proto && p->l4proto == 6;
	case FW_D_ICMP: *v = (uint32_t)p->icmp_type << 8 | p->icmp_code; return p->has_icmp && p->family == 4;
	case FW_D_ICMP6: *v = (uint32_t)p->icmp_type << 8 | p->icmp_code; return p->has_icmp && p->family == 6;
	case FW_D_CT: *v = p->ct_state ? (uint32_t)__builtin_ctz(p->ct_state) : 4; return true;
	case FW_D_LENGTH: *v = p->length; return true;
	default: *v = 0; return p->family == 6;   /* FW_D_IP6_SRC, FW_D_IP6_DST: searched apart */
	}
}

/* The interval of t holding p's value, or t->n when p lacks the field. */
static inline unsigned interval_of(const struct fw_dimtab *t, const struct fw_pkt *p)
{
	uint32_t v;
	if (!field(p, t->dim, &v))
		return t->n;
	if (t->lo128)
		return search128(t->lo128, t->n, addr_value(t->dim == FW_D_IP6_SRC ? p->saddr : p->daddr, 16));
	if (t->idx)
		return indexed(t, v);
	return search32(t->lo32, t->n, v);
}

static inline void lookup(const struct fw_class *c, const struct fw_pkt *p, uint32_t dims, struct fw_class_scan *s)
{
	unsigned n = 0, ka = 0;
	const struct fw_pair *pr = &c->pair;
	/* the pair stands for its two fields when both are asked for */
	bool paired = pr->a >= 0 && (dims & 1u << c->dims[pr->a].dim) && (dims & 1u << c->dims[pr->b].dim);
	for (unsigned i = 0; i < c->n_dims; i++) {
		const struct fw_dimtab *t = &c->dims[i];
		if (!(dims & 1u << t->dim))
			continue;
		unsigned k = interval_of(t, p);
		if (paired && (int)i == pr->a)
			ka = k;
		else if (paired && (int)i == pr->b)
			s->vec[n++] = pr->vec[ka * (t->n + 1) + k];
		else
			s->vec[n++] = k == t->n ? t->absent : t->vec[k];
	}
	if (!n)   /* every field left out: every rule is a candidate */
		s->vec[n++] = c->all;
	s->n = n;
}

void fw_class_lookup(const struct fw_class *c, const struct fw_pkt *p, struct fw_class_scan *s)
{
	lookup(c, p, ~0u, s);
}

void fw_class_lookup_dims(const struct fw_class *c, const struct fw_pkt *p, uint32_t dims, struct fw_class_scan *s)
{
	lookup(c, p, dims, s);
}

int fw_class_next(const struct fw_class *c, const struct fw_class_scan *s, int after)
{
	unsigned start = (unsigned)(after + 1);
	if (start >= c->n_rules)
		return -1;
	unsigned w0 = start >> 6, n = s->n, n_sum = c->n_sum;
	for (unsigned sw = w0 >> 6; sw < n_sum; sw++) {
		uint64_t sum = ~0ull;
		for (unsigned d = 0; d < n; d++)
			sum &= s->vec[d][sw];
		if (sw == w0 >> 6)
			sum &= ~0ull << (w0 & 63);
		while (sum) {
			unsigned w = sw << 6 | (unsigned)__builtin_ctzll(sum);
			sum &= sum - 1;
			uint64_t bits = ~0ull;
			for (unsigned d = 0; d < n; d++)
				bits &= s->vec[d][n_sum + w];
			if (w == w0)
				bits &= ~0ull << (start & 63);
			if (bits)
				return (int)(w << 6 | (unsigned)__builtin_ctzll(bits));
		}
	}
	return -1;
}
