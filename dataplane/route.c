/* Multibit tries with 8-bit strides. An entry is 0 (no route), a next hop (index + 1) or,
 * with RT_CHILD set, the index of the node one level down. Building keeps, beside every
 * entry, the length of the prefix that wrote it, so a shorter prefix added later never
 * overwrites a longer one (controlled prefix expansion, insertion order free). */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#define RT_CHILD 0x8000u

struct rt_node {
	uint16_t e[256];
};

struct rt_table {
	struct rt_node *nodes;      /* node 0: the IPv4 root, node 1: the IPv6 root */
	uint8_t (*plen)[256];       /* for building: the prefix length behind each entry */
	unsigned n_nodes, cap_nodes;
	struct rt_nexthop *nh;
	unsigned n_nh, cap_nh;
};

static int new_node(struct rt_table *t, uint16_t fill, uint8_t fill_len)
{
	if (t->n_nodes >= RT_MAX_NODES)
		return RT_ERR_FULL;
	if (t->n_nodes == t->cap_nodes) {
		unsigned cap = t->cap_nodes ? t->cap_nodes * 2 : 8;
		struct rt_node *n = realloc(t->nodes, cap * sizeof(*n));
		if (!n)
			return RT_ERR_NOMEM;
		t->nodes = n;
		uint8_t (*p)[256] = realloc(t->plen, cap * sizeof(*p));
		if (!p)
			return RT_ERR_NOMEM;
		t->plen = p;
		t->cap_nodes = cap;
	}
	unsigned i = t->n_nodes++;
	for (unsigned k = 0; k < 256; k++)
		t->nodes[i].e[k] = fill;
	memset(t->plen[i], fill_len, 256);
	return (int)i;
}

struct rt_table *rt_create(void)
{
	struct rt_table *t = calloc(1, sizeof(*t));
	if (!t || new_node(t, 0, 0) != 0 || new_node(t, 0, 0) != 1) {
		rt_free(t);
		return NULL;
	}
	return t;
}

void rt_free(struct rt_table *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->plen);
	free(t->nh);
	free(t);
}

/* Writes value (a next hop) into entry k of node and below, wherever no longer prefix
 * (than len) got there first. */
static void fill(struct rt_table *t, unsigned node, unsigned k, uint16_t value, uint8_t len)
{
	uint16_t e = t->nodes[node].e[k];
	if (e & RT_CHILD) {
		unsigned child = e & ~RT_CHILD;
		for (unsigned j = 0; j < 256; j++)
			fill(t, child, j, value, len);
		return;
	}
	if (t->plen[node][k] <= len) {
		t->nodes[node].e[k] = value;
		t->plen[node][k] = len;
	}
}

int rt_add(struct rt_table *t, int family, const uint8_t *addr, unsigned len, const struct rt_nexthop *nh)
{
	unsigned bytes = family == 4 ? 4 : 16;
	if ((family != 4 && family != 6) || len > bytes * 8)
		return RT_ERR_BAD;
	if (t->n_nh >= RT_MAX_NEXTHOPS)
		return RT_ERR_FULL;
	if (t->n_nh == t->cap_nh) {
		unsigned cap = t->cap_nh ? t->cap_nh * 2 : 8;
		struct rt_nexthop *n = realloc(t->nh, cap * sizeof(*n));
		if (!n)
			return RT_ERR_NOMEM;
		t->nh = n;
		t->cap_nh = cap;
	}
	unsigned node = family == 4 ? 0 : 1, level = 0;
	/* walk down to the level where the prefix ends, making nodes on the way */
	while (len > (level + 1) * 8) {
		uint8_t b = addr[level];
		uint16_t e = t->nodes[node].e[b];
		if (!(e & RT_CHILD)) {
			int c = new_node(t, e, t->plen[node][b]);
			if (c < 0)
				return c;
			t->nodes[node].e[b] = (uint16_t)(RT_CHILD | (unsigned)c);
			e = t->nodes[node].e[b];
		}
		node = e & ~RT_CHILD;
		level++;
	}
	t->nh[t->n_nh] = *nh;
	uint16_t value = (uint16_t)(++t->n_nh);
	/* len = level * 8 + rest: the entries whose top `rest` bits match */
	unsigned rest = len - level * 8;
	unsigned first = rest ? addr[level] & (0xFFu << (8 - rest)) & 0xFF : 0;
	unsigned count = 1u << (8 - rest);
	/* a prefix ending exactly on a node boundary (rest 8 is a single entry) */
	for (unsigned k = first; k < first + count; k++)
		fill(t, node, k, value, (uint8_t)len);
	return 0;
}

static const struct rt_nexthop *lookup(const struct rt_table *t, unsigned node, const uint8_t *dst, unsigned bytes)
{
	for (unsigned level = 0; level < bytes; level++) {
		uint16_t e = t->nodes[node].e[dst[level]];
		if (!(e & RT_CHILD))
			return e ? &t->nh[e - 1] : NULL;
		node = e & ~RT_CHILD;
	}
	return NULL; /* not reached: a /128 ends at the last level as an entry */
}

const struct rt_nexthop *rt_lookup4(const struct rt_table *t, const uint8_t *dst)
{
	return lookup(t, 0, dst, 4);
}

const struct rt_nexthop *rt_lookup6(const struct rt_table *t, const uint8_t *dst)
{
	return lookup(t, 1, dst, 16);
}

unsigned rt_nodes(const struct rt_table *t)
{
	return t->n_nodes;
}
