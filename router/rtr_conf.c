/* The router's half of a config (router.h): the interfaces as the router sees them (MACs,
 * link-local addresses), the routing table (connected, local and static routes), and the
 * configured neighbours taken into the worker's cache; the worker's state and counters.
 * Control path: run off to the side of the burst loop (rtr_conf_build) or between bursts. */
#include "rtr_int.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* A config's routes always fit the table: the static ones, and per interface its
 * link-local address and each address's connected and local routes, each at most 15
 * nodes below the IPv6 root (a /128 with 8-bit strides), and a next hop apiece. So
 * rt_add refuses one only for want of memory; "full" stays for a table grown past this. */
static_assert((CF_MAX_ROUTES + CF_MAX_IFACES * (1 + 2 * CF_MAX_ADDRS)) * 15 + 2 <= RT_MAX_NODES &&
		      CF_MAX_ROUTES + CF_MAX_IFACES * (1 + 2 * CF_MAX_ADDRS) <= RT_MAX_NEXTHOPS,
	      "a config's routes always fit the routing table");

int rtr_init(struct rtr *r, const struct rtr_init *in)
{
	memset(r, 0, sizeof(*r));
	r->in = *in;
	r->nb = nb_create();
	r->frag = frag_create();
	if (!r->nb || !r->frag) {
		rtr_fini(r);
		return -1;
	}
	return 0;
}

void rtr_fini(struct rtr *r)
{
	nb_destroy(r->nb);
	frag_destroy(r->frag);
	r->nb = NULL;
	r->frag = NULL;
}

/* Why rt_add refused a route of the config (a bad one never gets this far). */
static const char *rt_why(int rc)
{
	return rc == RT_ERR_NOMEM ? "out of memory for the routing table" : "the routing table is full";
}

void rtr_neighbors(struct rtr *r, const struct rtr_conf *c)
{
	const struct cf_config *cfg = c->cfg;
	nb_clear_static(r->nb);
	for (unsigned i = 0; i < cfg->n_neighbor; i++) {
		const struct cf_neighbor *n = &cfg->neighbor[i];
		nb_set_static(r->nb, rtr_link(&c->ifc[n->dev]), n->addr.family, n->addr.addr, n->mac);
	}
	r->nb_gen = c->gen;
}

void rtr_conf_free(struct rtr_conf *c)
{
	rt_free(c->rt);
	c->rt = NULL;
}

int rtr_conf_build(struct rtr_conf *c, const struct cf_config *cfg, const char *name, const uint8_t *const *port_mac,
		   uint16_t n_ports, char *err, size_t errlen)
{
	c->cfg = cfg;
	/* the ports' interfaces take the ports in the order declared; VLANs ride on them */
	unsigned n_phys = 0;
	for (unsigned i = 0; i < cfg->n_iface; i++) {
		const struct cf_iface *ic = &cfg->iface[i];
		if (ic->parent >= 0)
			continue;
		if (n_phys == n_ports) {
			snprintf(err, errlen, "%s:%u:%u: interface '%s' has no port: the appliance has %u (interfaces take "
				 "ports in the order declared)", name, ic->line, ic->col, ic->name, n_ports);
			return -1;
		}
		c->ifc[i].port = (uint16_t)n_phys;
		c->port_ifx[n_phys++] = (uint8_t)i;
	}
	if (n_phys != n_ports) {
		snprintf(err, errlen, "%s: %u interface(s) declared for %u ports: as a router every port needs its "
			 "interface", name, n_phys, n_ports);
		return -1;
	}
	c->rt = rt_create();
	if (!c->rt) {
		snprintf(err, errlen, "%s: out of memory for the routing table", name);
		return -1;
	}
	c->n_iface = cfg->n_iface;
	for (unsigned i = 0; i < cfg->n_iface; i++) {
		struct rtr_iface *f = &c->ifc[i];
		const struct cf_iface *ic = &cfg->iface[i];
		f->cfg = ic;
		if (ic->parent >= 0) {
			/* declared after its parent, so the parent's port and MAC are known */
			const struct rtr_iface *up = &c->ifc[ic->parent];
			f->port = up->port;
			f->vlan = ic->vlan;
			memcpy(f->mac, ic->has_mac ? ic->mac : up->mac, 6);
		} else {
			memcpy(f->mac, ic->has_mac ? ic->mac : port_mac[f->port], 6);
		}
		/* fe80::/64 with the modified EUI-64 of the MAC (RFC 4291 2.5.1) */
		const uint8_t ll[16] = { 0xfe, 0x80, [8] = (uint8_t)(f->mac[0] ^ 2), f->mac[1], f->mac[2], 0xff, 0xfe,
					 f->mac[3], f->mac[4], f->mac[5] };
		memcpy(f->ll6, ll, 16);
		struct rt_nexthop local = { .kind = RT_LOCAL, .family = 6, .port = (uint16_t)i };
		int bad = rt_add(c->rt, 6, f->ll6, 128, &local);
		for (unsigned k = 0; k < ic->n_addr && !bad; k++) {
			const struct cf_prefix *ad = &ic->addr[k];
			struct rt_nexthop conn = { .kind = RT_CONNECTED, .family = ad->family, .port = (uint16_t)i };
			local.family = ad->family;
			bad = rt_add(c->rt, ad->family, ad->addr, ad->len, &conn);
			if (!bad)
				bad = rt_add(c->rt, ad->family, ad->addr, ad->family == 4 ? 32 : 128, &local);
		}
		if (bad) {
			snprintf(err, errlen, "%s:%u:%u: %s", name, ic->line, ic->col, rt_why(bad));
			return -1;
		}
	}
	/* static routes after the connected ones: a static route to a connected prefix wins */
	for (unsigned i = 0; i < cfg->n_route; i++) {
		const struct cf_route *r = &cfg->route[i];
		struct rt_nexthop nh = { .kind = r->via.family ? RT_GATEWAY : RT_CONNECTED, .family = r->dst.family };
		int dev = r->dev;
		if (r->via.family) {
			memcpy(nh.gw, r->via.addr, 16);
			for (unsigned k = 0; k < c->n_iface && dev < 0; k++)
				if (rtr_on_link(&c->ifc[k], r->via.family, r->via.addr))
					dev = (int)k;
			if (dev < 0) {
				snprintf(err, errlen, "%s:%u:%u: the next hop is on no interface's network; name the interface "
					 "with 'dev'", name, r->line, r->col);
				return -1;
			}
		}
		nh.port = (uint16_t)dev;
		int bad = rt_add(c->rt, r->dst.family, r->dst.addr, r->dst.len, &nh);
		if (bad) {
			snprintf(err, errlen, "%s:%u:%u: %s", name, r->line, r->col, rt_why(bad));
			return -1;
		}
	}
	return 0;
}

void rtr_stats_assign(struct rtr *r, struct rtr_conf *c, const struct rtr_conf *run, const struct rtr_conf *old)
{
	const struct rtr_conf *in_use[2] = { run, old };
	bool held[RTR_IF_SLOTS] = { false };
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; in_use[k] && i < in_use[k]->n_iface; i++)
			held[in_use[k]->ifc[i].stats] = true;
	for (unsigned i = 0; i < c->n_iface; i++) {
		struct rtr_iface *f = &c->ifc[i];
		int slot = -1;
		for (unsigned j = 0; run && j < run->n_iface && slot < 0; j++)
			if (rtr_link(&run->ifc[j]) == rtr_link(f))
				slot = run->ifc[j].stats;
		if (slot < 0) {
			/* at most two configs' interfaces are held besides c's: one is free */
			for (unsigned s = 0; s < RTR_IF_SLOTS && slot < 0; s++)
				if (!held[s])
					slot = (int)s;
			assert(slot >= 0);
			memset(&r->ifs[slot], 0, sizeof(r->ifs[slot]));
		}
		held[slot] = true;
		f->stats = (uint8_t)slot;
	}
}

void rtr_stats_format(const struct rtr *r, const struct rtr_conf *c, void (*emit)(void *arg, const char *line),
		      void *arg)
{
	for (unsigned i = 0; i < c->n_iface; i++) {
		const struct rtr_iface *f = &c->ifc[i];
		const struct rtr_if_stats *s = &r->ifs[f->stats];
		char where[32], line[200];
		if (f->vlan)
			snprintf(where, sizeof(where), "VLAN %u on port %u", f->vlan, f->port);
		else
			snprintf(where, sizeof(where), "port %u", f->port);
		snprintf(line, sizeof(line), "interface %s (%s): rx %llu packets %llu bytes, tx %llu packets %llu bytes",
			 f->cfg->name, where, (unsigned long long)s->rx_pkts, (unsigned long long)s->rx_bytes,
			 (unsigned long long)s->tx_pkts, (unsigned long long)s->tx_bytes);
		emit(arg, line);
	}
	nb_counters_format(r->nb, emit, arg);
	char line[320];
	snprintf(line, sizeof(line), "router: %llu ARP replies, %llu neighbour advertisements, %llu echo replies, "
		 "%llu ICMP errors, %llu ARP/ND requests sent", (unsigned long long)r->arp_replies,
		 (unsigned long long)r->nd_adverts, (unsigned long long)r->echo_replies,
		 (unsigned long long)r->icmp_errors, (unsigned long long)r->requests);
	emit(arg, line);
	if (r->unreachable_dropped || r->frag_lost || r->frag_out || r->no_room) {
		snprintf(line, sizeof(line), "router: %llu packets for dead next hops dropped unanswered, %llu "
			 "waiting fragments lost, %llu fragments made for a smaller MTU (%llu not sent), %llu "
			 "released without room for a VLAN tag",
			 (unsigned long long)r->unreachable_dropped, (unsigned long long)r->frag_lost,
			 (unsigned long long)r->frag_out, (unsigned long long)r->frag_out_failed,
			 (unsigned long long)r->no_room);
		emit(arg, line);
	}
}
