/* nat_lookup_answer.c - nat-lookup's answers from the config and the mapping log: outside
 * to inside (a port forward that owns the port, a deterministic block by nat_det_reverse,
 * a dynamic pool's mapping held at the time by its log) and inside to outside (its
 * deterministic blocks by nat_det_forward, its mappings held at the time), or why nobody
 * held it. The rules are read as the appliance's engine reads them (nat.c). */
#include "nat_lookup.h"
#include "nat_det.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t proto_num[NAT_PROTO__COUNT] = { 6, 17, 1 };

/* ---- addresses and pools ---------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static bool in_prefix(uint32_t a, const struct cf_prefix *p)
{
	if (p->family != 4)
		return false;
	uint32_t mask = p->len ? 0xffffffffu << (32 - p->len) : 0;
	return ((a ^ rd32(p->addr)) & mask) == 0;
}

/* Does a rule's address match take a (as nat.c's addr_ok)? */
static bool addr_match(const struct nat_addr_match *m, uint32_t a)
{
	if (!m->kind)
		return true;
	bool in = false;
	if (m->kind == 1) {
		in = in_prefix(a, &m->prefix);
	} else {
		const struct cf_set *s = &fc->cf.set[m->set];
		for (unsigned i = 0; i < s->n && !in; i++)
			in = in_prefix(a, &s->prefixes[i]);
	}
	return in != m->neg;
}

static bool is_iface_addr(uint32_t a)
{
	for (unsigned i = 0; i < fc->cf.n_iface; i++)
		for (unsigned k = 0; k < fc->cf.iface[i].n_addr; k++)
			if (fc->cf.iface[i].addr[k].family == 4 && rd32(fc->cf.iface[i].addr[k].addr) == a)
				return true;
	return false;
}

/* A deterministic pool's whole layout: an appliance serving a share of it (deterministic
 * ... layout PREFIX) answers for every host the layout places, as any instance's config
 * must for an abuse request. */
static const struct nat_det *layout_of(const struct nat_pool *pl)
{
	static struct nat_det full;
	full = pl->det;
	full.share_first = 0;
	full.share_last = full.host_last;
	return &full;
}

static const struct nat_pool *pool_of(const struct nat_rule *r)
{
	return &nc->pool[r->pool];
}

static bool pool_rule(const struct nat_rule *r)
{
	return r->action == NAT_A_SNAT || r->action == NAT_A_MASQUERADE;
}

static bool pool_has_addr(const struct nat_pool *p, uint32_t a)
{
	return p->det_on ? a >= p->det.out_lo && a <= p->det.out_hi : a >= p->addr_lo && a <= p->addr_hi;
}

static bool is_pool_addr(uint32_t a)
{
	for (unsigned i = 0; i < nc->n_pool; i++)
		if (pool_has_addr(&nc->pool[i], a))
			return true;
	return false;
}

/* A dynamic pool's ports for proto: TCP and UDP its range, ICMP identifiers all. */
static bool dyn_port_ok(const struct nat_pool *p, int proto, uint16_t port)
{
	return proto == NAT_ICMP || (port >= p->port_lo && port <= p->port_hi);
}

/* "masquerade on 192.0.2.2, ports 1024-65535" */
static void describe_pool(const struct nat_rule *r, char *buf, size_t len)
{
	const struct nat_pool *p = pool_of(r);
	char a[16], b[16];
	if (r->action == NAT_A_MASQUERADE)
		snprintf(buf, len, "masquerade to %s, ports %u-%u", ip_str(p->addr_lo, a), p->port_lo, p->port_hi);
	else if (p->addr_lo == p->addr_hi)
		snprintf(buf, len, "snat to %s, ports %u-%u", ip_str(p->addr_lo, a), p->port_lo, p->port_hi);
	else
		snprintf(buf, len, "snat to %s-%s, ports %u-%u", ip_str(p->addr_lo, a), ip_str(p->addr_hi, b), p->port_lo,
			 p->port_hi);
}

/* ---- outside -> inside ------------------------------------------------------------------ */

/* The port forward that owns out:port for proto, if one does: the first prerouting rule
 * that takes it decides, as in nat.c, and owns it when no mapping can hold it (the port
 * is reserved: a dport that is not negated, as apps/nat's map_take reserves; or the
 * address is no pool's). */
static const struct nat_rule *forward_of(uint32_t out, uint16_t port, int proto)
{
	bool pool = is_pool_addr(out), ours = pool || is_iface_addr(out);
	for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_PRE]; i++) {
		const struct nat_rule *r = &nc->rule[NAT_HOOK_PRE][i];
		const struct nat_match *m = &r->m;
		if (m->proto && m->proto != proto_num[proto])
			continue;
		if (m->daddr.kind ? !addr_match(&m->daddr, out) : !ours)
			continue;
		if (m->dport.on) {
			if (proto == NAT_ICMP)
				continue;
			bool in = port >= m->dport.lo && port <= m->dport.hi;
			if (in == m->dport.neg)
				continue;
		}
		if (r->action != NAT_A_DNAT)
			return NULL;    /* accept: not translated */
		return (m->dport.on && !m->dport.neg) || !pool ? r : NULL;
	}
	return NULL;
}

struct holder {
	bool held;
	struct log_entry map;
};

void lookup_outside(uint32_t out, uint16_t port, int only_proto)
{
	int first = only_proto < 0 ? 0 : only_proto, last = only_proto < 0 ? NAT_PROTO__COUNT - 1 : only_proto;
	struct holder hold[NAT_PROTO__COUNT] = { { false } };
	if (log_fp) {
		struct log_entry e;
		while (log_next(&e, have_at)) {
			if (e.out != out || e.out_port != port || e.proto < first || e.proto > last)
				continue;
			if (have_at && e.ms > at_ms)
				continue;
			struct holder *h = &hold[e.proto];
			if (e.map) {
				h->held = true;
				h->map = e;
			} else if (h->held && h->map.in == e.in && h->map.in_port == e.in_port) {
				h->held = false;
			}
		}
	}
	struct answer ans[NAT_PROTO__COUNT];
	unsigned n = 0;
	char o[16], desc[200];
	for (int p = first; p <= last; p++) {
		struct answer *a = &ans[n++];
		memset(a, 0, sizeof(*a));
		a->proto = p;
		a->out = out;
		a->out_port = port;
		a->in_port = -1;
		const struct nat_rule *fwd = forward_of(out, port, p);
		if (fwd) {
			a->kind = K_FORWARD;
			a->rule = fwd;
			a->has_in = true;
			a->in = fwd->to;
			a->exact = true;
			if (p != NAT_ICMP)
				a->in_port = fwd->to_port_lo ? fwd->to_port_lo + (fwd->to_port_hi != fwd->to_port_lo
										  ? port - fwd->m.dport.lo : 0)
							     : port;
			continue;
		}
		/* a deterministic block, then a dynamic pool, in the postrouting chain's order */
		const struct nat_rule *det = NULL, *dyn = NULL, *other = NULL;
		uint32_t in = 0;
		for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST]; i++) {
			const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
			if (!pool_rule(r))
				continue;
			const struct nat_pool *pl = pool_of(r);
			uint32_t who;
			if (pl->det_on) {
				if (!nat_det_reverse(layout_of(pl), out, port, &who))
					continue;
				if (!det) {
					det = r;
					in = who;
				} else if (!other) {
					other = r;
				}
			} else if (pool_has_addr(pl, out) && dyn_port_ok(pl, p, port) && !dyn) {
				dyn = r;
			}
		}
		if (det && !other)
			other = dyn;   /* a dynamic pool on the same address and port: its mappings may take it */
		if (det) {
			const struct nat_pool *pl = pool_of(det);
			uint32_t o2;
			a->kind = K_DET;
			a->rule = det;
			a->has_in = true;
			a->in = in;
			nat_det_forward(layout_of(pl), in, &o2, &a->blk_lo, &a->blk_hi);
			a->has_block = true;
			a->exact = !other;
			if (other)
				snprintf(a->note, sizeof(a->note),
					 "but rule %s:%u also translates to this address and port, so a mapping of it may have "
					 "held the port instead: see its mapping log",
					 conf_file, other->line);
			continue;
		}
		if (dyn) {
			a->rule = dyn;
			describe_pool(dyn, desc, sizeof(desc));
			if (!log_fp) {
				a->kind = K_DYNAMIC;
				snprintf(a->note, sizeof(a->note),
					 "rule %s:%u is a dynamic pool (%s): its mappings are made at run time and are not "
					 "in the config; turn on 'nat { log on }' and give its mapping lines with --log FILE",
					 conf_file, dyn->line, desc);
				continue;
			}
			if (hold[p].held) {
				const struct log_entry *e = &hold[p].map;
				a->kind = K_LOG;
				a->has_in = true;
				a->in = e->in;
				a->in_port = e->in_port;
				a->has_mapped = e->timed;
				a->mapped_ms = e->ms;
				a->log_line = e->line;
				continue;
			}
			a->kind = K_NONE;
			snprintf(a->note, sizeof(a->note), "no mapping of the dynamic pool of rule %s:%u held it %s%s%s",
				 conf_file, dyn->line, have_at ? "at " : "at the end of ",
				 have_at ? iso(at_ms, (char[40]){ 0 }) : log_file, have_at ? " by its log" : "");
			continue;
		}
		/* nobody: say why */
		a->kind = K_NONE;
		a->exact = true;
		for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST] && !a->note[0]; i++) {
			const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
			if (!pool_rule(r) || !pool_has_addr(pool_of(r), out))
				continue;
			const struct nat_pool *pl = pool_of(r);
			a->rule = r;
			if (pl->det_on) {
				const struct nat_det *d = &pl->det;
				if (port < d->port_lo || port > d->port_hi)
					snprintf(a->note, sizeof(a->note),
						 "rule %s:%u cuts its blocks from ports %u-%u of %s; %u is not one of them", conf_file,
						 r->line, d->port_lo, d->port_hi, ip_str(out, o), port);
				else
					snprintf(a->note, sizeof(a->note),
						 "rule %s:%u gives %u inside hosts a block of %u ports each, %u blocks to an "
						 "address; port %u of %s is in none of them",
						 conf_file, r->line, d->host_last + 1, d->block, d->hosts_per_addr, port,
						 ip_str(out, o));
			} else {
				snprintf(a->note, sizeof(a->note), "rule %s:%u translates to ports %u-%u of %s; %u is not one of them",
					 conf_file, r->line, pl->port_lo, pl->port_hi, ip_str(out, o), port);
			}
		}
		if (!a->note[0])
			snprintf(a->note, sizeof(a->note), "%s is an outside address of no snat or masquerade rule in %s",
				 ip_str(out, o), conf_file);
	}
	exit(report(ans, n, only_proto < 0));
}

/* ---- inside -> outside ------------------------------------------------------------------ */

static struct answer *ans_add(struct answer **ans, unsigned *n, unsigned *cap)
{
	if (*n == *cap && !(*ans = realloc(*ans, (*cap = *cap ? 2 * *cap : 16) * sizeof(**ans))))
		die("out of memory");
	struct answer *a = &(*ans)[(*n)++];
	memset(a, 0, sizeof(*a));
	return a;
}

void lookup_inside(uint32_t in, int only_proto)
{
	struct answer *ans = NULL;
	unsigned n = 0, cap = 0;
	char desc[200], i4[16];
	const struct nat_rule *dyn = NULL;
	for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST]; i++) {
		const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
		if (!pool_rule(r) || !addr_match(&r->m.saddr, in))
			continue;
		const struct nat_pool *pl = pool_of(r);
		if (pl->det_on) {
			uint32_t out;
			uint16_t lo, hi;
			if (!nat_det_forward(layout_of(pl), in, &out, &lo, &hi))
				continue;
			struct answer *a = ans_add(&ans, &n, &cap);
			a->kind = K_DET;
			a->proto = only_proto;
			a->has_in = true;
			a->in = in;
			a->in_port = -1;
			a->out = out;
			a->out_port = -1;
			a->rule = r;
			a->has_block = true;
			a->blk_lo = lo;
			a->blk_hi = hi;
			a->exact = true;
			continue;
		}
		if (!dyn)
			dyn = r;
		if (!log_fp) {
			struct answer *a = ans_add(&ans, &n, &cap);
			describe_pool(r, desc, sizeof(desc));
			a->kind = K_DYNAMIC;
			a->proto = only_proto;
			a->has_in = true;
			a->in = in;
			a->in_port = -1;
			a->out_port = -1;
			a->rule = r;
			snprintf(a->note, sizeof(a->note),
				 "rule %s:%u is a dynamic pool (%s): the host's outside address (one for all its mappings) "
				 "and ports are chosen at run time; turn on 'nat { log on }' and give its mapping lines "
				 "with --log FILE",
				 conf_file, r->line, desc);
		}
	}
	if (dyn && log_fp) {
		/* the host's mappings at the time: each one's last map with no unmap since */
		struct log_entry *held = NULL, e;
		unsigned nh = 0, caph = 0;
		while (log_next(&e, have_at)) {
			if (e.in != in || (only_proto >= 0 && e.proto != only_proto) || (have_at && e.ms > at_ms))
				continue;
			unsigned k = 0;
			while (k < nh && !(held[k].proto == e.proto && held[k].out == e.out && held[k].out_port == e.out_port))
				k++;
			if (e.map) {
				if (k == nh) {
					if (nh == caph && !(held = realloc(held, (caph = caph ? 2 * caph : 64) * sizeof(*held))))
						die("out of memory");
					nh++;
				}
				held[k] = e;
			} else if (k < nh && held[k].in_port == e.in_port) {
				memmove(&held[k], &held[k + 1], (nh - k - 1) * sizeof(*held));
				nh--;
			}
		}
		for (unsigned k = 0; k < nh; k++) {
			struct answer *a = ans_add(&ans, &n, &cap);
			a->kind = K_LOG;
			a->proto = held[k].proto;
			a->has_in = true;
			a->in = in;
			a->in_port = held[k].in_port;
			a->out = held[k].out;
			a->out_port = held[k].out_port;
			a->has_mapped = held[k].timed;
			a->mapped_ms = held[k].ms;
			a->log_line = held[k].line;
			a->rule = dyn;
			for (unsigned i = 0; i < nc->n_rule[NAT_HOOK_POST]; i++) {
				const struct nat_rule *r = &nc->rule[NAT_HOOK_POST][i];
				if (pool_rule(r) && !pool_of(r)->det_on && pool_has_addr(pool_of(r), held[k].out) &&
				    addr_match(&r->m.saddr, in)) {
					a->rule = r;
					break;
				}
			}
		}
		if (!nh) {
			struct answer *a = ans_add(&ans, &n, &cap);
			a->kind = K_NONE;
			a->proto = only_proto;
			a->has_in = true;
			a->in = in;
			a->in_port = -1;
			a->out_port = -1;
			a->rule = dyn;
			snprintf(a->note, sizeof(a->note), "no mapping of the dynamic pool of rule %s:%u %s%s%s", conf_file,
				 dyn->line, have_at ? "at " : "at the end of ", have_at ? iso(at_ms, (char[40]){ 0 }) : log_file,
				 have_at ? " by its log" : "");
		}
		free(held);
	}
	if (n == 0) {
		struct answer *a = ans_add(&ans, &n, &cap);
		a->kind = K_NONE;
		a->proto = only_proto;
		a->has_in = true;
		a->in = in;
		a->in_port = -1;
		a->out_port = -1;
		a->exact = true;
		snprintf(a->note, sizeof(a->note), "no snat or masquerade rule in %s translates %s", conf_file,
			 ip_str(in, i4));
	}
	int rc = report(ans, n, false);
	free(ans);
	exit(rc);
}
