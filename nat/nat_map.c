/* Mappings, inside hosts and outside addresses in arrays with free lists, found through
 * nat_h64 indexes; ports in a bitmap per outside address and protocol (a set bit: mapped
 * or reserved). Every call that may refuse checks everything before it changes anything,
 * so a refusal leaves no trace but its counter. */
#include "nat_map.h"

#include "nat_h64.h"
#include "pkt.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NONE NAT_H64_NONE
#define MAPF_REMOTES 0x01u      /* counts its remote addresses (made through an ADF pool) */
#define MAPF_RESERVED 0x02u     /* its port was reserved while it held it: the bit stays set */
#define PAIR_TRIES 4            /* addresses a new host may try, its hash's and the next */
#define WORDS 1024              /* 64-bit words of one address's bitmap of one protocol */

static_assert(sizeof(struct nat_mapping) == 32, "a mapping record is 32 bytes");

#define NAT_MAP_R_NAME(id, str) [NAT_MAP_##id] = str,
const char *const nat_map_result_names[NAT_MAP__COUNT] = { NAT_MAP_RESULTS(NAT_MAP_R_NAME) };
#undef NAT_MAP_R_NAME

struct map_host {
	uint32_t out_addr;          /* free: the next free record */
	uint32_t sessions;          /* 0: free */
};

enum { ADDR_FREE, ADDR_LIVE, ADDR_RETIRED /* no pool names it; mappings still use it */ };

struct map_addr {
	uint32_t addr;
	uint32_t mappings;
	uint32_t gen;               /* the last set_pools that named it */
	uint32_t next;              /* free: the next free slot */
	uint8_t state;
	bool fresh;                 /* taken by the set_pools under way (undone if it fails) */
};

struct map_resv {
	uint32_t addr;
	uint16_t lo, hi;
	uint8_t proto;
};

struct nat_map {
	struct nat_map_limits lim;
	struct nat_mapping *maps;
	struct map_host *hosts;
	struct map_addr *addrs;
	uint64_t *bits;             /* [address slot][protocol][WORDS] */
	struct nat_h64 *fwd;        /* pool, proto, inside address and port -> mapping */
	struct nat_h64 *rev;        /* proto, outside address and port -> mapping */
	struct nat_h64 *host_ix;    /* pool, inside address -> host */
	struct nat_h64 *remote_ix;  /* mapping, remote address -> its sessions (ADF pools') */
	struct nat_h64 *addr_ix;    /* outside address -> slot */
	uint32_t maps_free, maps_used;      /* free list; records ever used (the rest never were) */
	uint32_t hosts_free, hosts_used;
	uint32_t addrs_free, addrs_used;
	uint32_t gen;
	uint64_t rng;
	unsigned n_resv;
	struct map_resv resv[NAT_MAP_MAX_RESERVED];
	struct nat_map_counters c;
	bool (*veto)(void *arg, uint8_t proto, uint32_t out_addr, uint16_t out_port);
	void *veto_arg;
};

static inline uint64_t key_in(uint16_t pool, uint8_t proto, uint32_t addr, uint16_t port)
{
	return (uint64_t)proto << 62 | (uint64_t)(pool & NAT_POOL_MAX_ID) << 48 | (uint64_t)addr << 16 | port;
}

static inline uint64_t key_out(uint8_t proto, uint32_t addr, uint16_t port)
{
	return (uint64_t)proto << 48 | (uint64_t)addr << 16 | port;
}

static inline uint64_t key_host(uint16_t pool, uint32_t addr)
{
	return (uint64_t)pool << 32 | addr;
}

static inline uint64_t key_remote(uint32_t mapping, uint32_t remote)
{
	return (uint64_t)mapping << 32 | remote;
}

static inline uint64_t *addr_bits(const struct nat_map *m, uint32_t slot, uint8_t proto)
{
	return m->bits + ((size_t)slot * NAT_PROTO__COUNT + proto) * WORDS;
}

/* xorshift64*: the port search's starting points */
static inline uint32_t map_rand(struct nat_map *m)
{
	uint64_t x = m->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	m->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

void nat_pool_init(struct nat_pool *p, uint16_t id, uint32_t addr_lo, uint32_t addr_hi)
{
	*p = (struct nat_pool){
		.id = id,
		.addr_lo = addr_lo,
		.addr_hi = addr_hi,
		.port_lo = 1024,
		.port_hi = 65535,
		.preserve = true,
		.parity = true,
		.filter = NAT_FILTER_EIF,
	};
}

struct nat_map *nat_map_create(const struct nat_map_limits *l)
{
	struct nat_map_limits lim = *l;
	if (!lim.max_hosts)
		lim.max_hosts = lim.max_mappings;
	if (!lim.max_remotes)
		lim.max_remotes = lim.max_mappings;
	if (!lim.max_addrs)
		lim.max_addrs = 64;
	if (!lim.max_mappings || lim.max_mappings > NAT_H64_MAX || lim.max_hosts > NAT_H64_MAX ||
	    lim.max_remotes > NAT_H64_MAX || lim.max_addrs > NAT_H64_MAX)
		return NULL;
	struct nat_map *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->lim = lim;
	size_t maps_bytes = (size_t)lim.max_mappings * sizeof(struct nat_mapping);
	size_t bits_bytes = (size_t)lim.max_addrs * NAT_PROTO__COUNT * WORDS * sizeof(uint64_t);
	m->maps = malloc(maps_bytes);
	m->hosts = malloc((size_t)lim.max_hosts * sizeof(struct map_host));
	m->addrs = calloc(lim.max_addrs, sizeof(struct map_addr));
	m->bits = malloc(bits_bytes);
	uint64_t seed = lim.seed;
	m->fwd = nat_h64_create(lim.max_mappings, seed ^ 0x6a09e667f3bcc908ull);
	m->rev = nat_h64_create(lim.max_mappings, seed ^ 0xbb67ae8584caa73bull);
	m->host_ix = nat_h64_create(lim.max_hosts, seed ^ 0x3c6ef372fe94f82bull);
	m->remote_ix = nat_h64_create(lim.max_remotes, seed ^ 0xa54ff53a5f1d36f1ull);
	m->addr_ix = nat_h64_create(lim.max_addrs, seed ^ 0x510e527fade682d1ull);
	if (!m->maps || !m->hosts || !m->addrs || !m->bits || !m->fwd || !m->rev || !m->host_ix || !m->remote_ix ||
	    !m->addr_ix) {
		nat_map_destroy(m);
		return NULL;
	}
	pkt_mem_large(m->maps, maps_bytes);
	pkt_mem_large(m->bits, bits_bytes);
	m->maps_free = m->hosts_free = m->addrs_free = NONE;
	m->rng = nat_h64_mix(seed ^ 0x9b05688c2b3e6c1full) | 1;     /* xorshift needs a state not 0 */
	return m;
}

void nat_map_destroy(struct nat_map *m)
{
	if (!m)
		return;
	nat_h64_destroy(m->fwd);
	nat_h64_destroy(m->rev);
	nat_h64_destroy(m->host_ix);
	nat_h64_destroy(m->remote_ix);
	nat_h64_destroy(m->addr_ix);
	free(m->maps);
	free(m->hosts);
	free(m->addrs);
	free(m->bits);
	free(m);
}

/* Reservation r on slot s: its ports' bits set; a port a mapping holds stays the
 * mapping's, marked to stay reserved after it. */
static void resv_apply(struct nat_map *m, uint32_t s, const struct map_resv *r)
{
	uint64_t *w = addr_bits(m, s, r->proto);
	for (uint32_t port = r->lo; port <= r->hi; port++) {
		uint64_t bit = 1ull << (port & 63);
		if (!(w[port >> 6] & bit)) {
			w[port >> 6] |= bit;
			continue;
		}
		uint32_t mi = nat_h64_get(m->rev, key_out(r->proto, r->addr, (uint16_t)port));
		if (mi != NONE)
			m->maps[mi].flags |= MAPF_RESERVED;
	}
}

/* The reverse: reserved ports free again, a mapped one left to its mapping. */
static void resv_undo(struct nat_map *m, uint32_t s, const struct map_resv *r)
{
	uint64_t *w = addr_bits(m, s, r->proto);
	for (uint32_t port = r->lo; port <= r->hi; port++) {
		uint64_t bit = 1ull << (port & 63);
		if (!(w[port >> 6] & bit))
			continue;
		uint32_t mi = nat_h64_get(m->rev, key_out(r->proto, r->addr, (uint16_t)port));
		if (mi != NONE)
			m->maps[mi].flags &= (uint8_t)~MAPF_RESERVED;
		else
			w[port >> 6] &= ~bit;
	}
}

/* A slot for outside address addr, its ports free but for the reservations; NONE: none left. */
static uint32_t addr_take(struct nat_map *m, uint32_t addr)
{
	uint32_t s = m->addrs_free;
	if (s != NONE)
		m->addrs_free = m->addrs[s].next;
	else if (m->addrs_used < m->lim.max_addrs)
		s = m->addrs_used++;
	else
		return NONE;
	m->addrs[s] = (struct map_addr){ .addr = addr, .state = ADDR_LIVE, .fresh = true };
	memset(addr_bits(m, s, 0), 0, NAT_PROTO__COUNT * WORDS * sizeof(uint64_t));
	bool ok = nat_h64_put(m->addr_ix, addr, s);       /* as many index entries as slots */
	assert(ok);
	(void)ok;
	for (unsigned i = 0; i < m->n_resv; i++)
		if (m->resv[i].addr == addr)
			resv_apply(m, s, &m->resv[i]);
	return s;
}

static void addr_release(struct nat_map *m, uint32_t s)
{
	struct map_addr *a = &m->addrs[s];
	nat_h64_del(m->addr_ix, a->addr);
	a->state = ADDR_FREE;
	a->fresh = false;
	a->next = m->addrs_free;
	m->addrs_free = s;
}

static bool pool_valid(const struct nat_pool *p)
{
	if (p->id > NAT_POOL_MAX_ID)
		return false;
	if (p->det_on)
		return p->det.out_lo <= p->det.out_hi && p->det.block > 0;
	return p->addr_lo <= p->addr_hi && p->port_lo <= p->port_hi;
}

int nat_map_set_pools(struct nat_map *m, const struct nat_pool *pools, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!pool_valid(&pools[i]))
			return -EINVAL;
	uint32_t gen = ++m->gen;
	for (unsigned i = 0; i < n; i++) {
		const struct nat_pool *p = &pools[i];
		uint64_t lo = p->det_on ? p->det.out_lo : p->addr_lo, hi = p->det_on ? p->det.out_hi : p->addr_hi;
		for (uint64_t a = lo; a <= hi; a++) {
			uint32_t s = nat_h64_get(m->addr_ix, (uint32_t)a);
			if (s == NONE)
				s = addr_take(m, (uint32_t)a);
			if (s == NONE) {
				for (s = 0; s < m->addrs_used; s++)
					if (m->addrs[s].state != ADDR_FREE && m->addrs[s].fresh)
						addr_release(m, s);
				return -ENOMEM;
			}
			m->addrs[s].gen = gen;
		}
	}
	for (uint32_t s = 0; s < m->addrs_used; s++) {
		struct map_addr *a = &m->addrs[s];
		if (a->state == ADDR_FREE)
			continue;
		a->fresh = false;
		if (a->gen == gen)
			a->state = ADDR_LIVE;
		else if (a->mappings == 0)
			addr_release(m, s);
		else
			a->state = ADDR_RETIRED;
	}
	return 0;
}

int nat_map_reserve(struct nat_map *m, uint8_t proto, uint32_t out_addr, uint16_t lo, uint16_t hi)
{
	if (proto >= NAT_PROTO__COUNT || lo > hi)
		return -EINVAL;
	if (m->n_resv == NAT_MAP_MAX_RESERVED)
		return -ENOMEM;
	struct map_resv *r = &m->resv[m->n_resv++];
	*r = (struct map_resv){ .addr = out_addr, .lo = lo, .hi = hi, .proto = proto };
	uint32_t s = nat_h64_get(m->addr_ix, out_addr);
	if (s != NONE)
		resv_apply(m, s, r);
	return 0;
}

void nat_map_reserve_clear(struct nat_map *m)
{
	for (unsigned i = 0; i < m->n_resv; i++) {
		uint32_t s = nat_h64_get(m->addr_ix, m->resv[i].addr);
		if (s != NONE)
			resv_undo(m, s, &m->resv[i]);
	}
	m->n_resv = 0;
}

/* The first free port in from..to whose bit pm allows (a parity, or all), or -1. At most
 * 1,024 words. */
static int port_scan(const uint64_t *w, uint32_t from, uint32_t to, uint64_t pm)
{
	uint32_t i = from >> 6, last = to >> 6;
	uint64_t avail = ~w[i] & pm & (~0ull << (from & 63));
	for (;;) {
		if (i == last)
			avail &= ~0ull >> (63 - (to & 63));
		if (avail)
			return (int)(i << 6 | (uint32_t)__builtin_ctzll(avail));
		if (i == last)
			return -1;
		avail = ~w[++i] & pm;
	}
}

#define VETO_MAX 16                 /* ports the veto may refuse in one pick */

/* May port be taken (the caller's veto: nat_map_set_veto)? Counts the refusals in *n. */
static bool allowed(struct nat_map *m, uint8_t proto, uint32_t addr, int port, unsigned *n)
{
	if (!m->veto || !m->veto(m->veto_arg, proto, addr, (uint16_t)port))
		return true;
	++*n;
	return false;
}

/* port_scan over from..to, past the ports the veto refuses; -1 when none is left, or the
 * veto refused VETO_MAX. */
static int scan_allowed(struct nat_map *m, const uint64_t *w, uint32_t from, uint32_t to, uint64_t pm, uint8_t proto,
			uint32_t addr, unsigned *n)
{
	for (;;) {
		int port = port_scan(w, from, to, pm);
		if (port < 0 || allowed(m, proto, addr, port, n))
			return port;
		if (*n >= VETO_MAX || (uint32_t)port == to)
			return -1;
		from = (uint32_t)port + 1;
	}
}

/* A port for inside port in_port in lo..hi of bitmap w (nat_map.h says which) on address
 * addr, or -1. */
static int port_pick(struct nat_map *m, const uint64_t *w, uint32_t lo, uint32_t hi, uint16_t in_port, bool preserve,
		     bool parity, uint8_t proto, uint32_t addr)
{
	unsigned n = 0;
	if (preserve && in_port >= lo && in_port <= hi && !(w[in_port >> 6] >> (in_port & 63) & 1) &&
	    allowed(m, proto, addr, in_port, &n))
		return in_port;
	uint32_t start = lo + (uint32_t)(((uint64_t)map_rand(m) * (hi - lo + 1)) >> 32);
	uint64_t pm = !parity ? ~0ull : (in_port & 1) ? 0xaaaaaaaaaaaaaaaaull : 0x5555555555555555ull;
	for (;;) {
		int port = scan_allowed(m, w, start, hi, pm, proto, addr, &n);
		if (port < 0 && start > lo && n < VETO_MAX)
			port = scan_allowed(m, w, lo, start - 1, pm, proto, addr, &n);
		if (port >= 0 || pm == ~0ull || n >= VETO_MAX)
			return port;
		pm = ~0ull;                 /* parity is a preference: any free port */
	}
}

void nat_map_set_veto(struct nat_map *m, bool (*veto)(void *arg, uint8_t proto, uint32_t out_addr, uint16_t out_port),
		      void *arg)
{
	m->veto = veto;
	m->veto_arg = arg;
}

struct choice {
	uint32_t addr, slot;
	uint16_t port;
};

static bool try_addr(struct nat_map *m, struct choice *c, uint8_t proto, uint32_t lo, uint32_t hi, uint16_t in_port,
		     const struct nat_pool *p)
{
	c->slot = nat_h64_get(m->addr_ix, c->addr);
	if (c->slot == NONE)
		return false;
	int port = port_pick(m, addr_bits(m, c->slot, proto), lo, hi, in_port, p->preserve,
			     p->parity && proto != NAT_ICMP, proto, c->addr);
	c->port = (uint16_t)port;
	return port >= 0;
}

/* The outside address and port of a new mapping (host: the inside host's record or NONE). */
static enum nat_map_result choose(struct nat_map *m, const struct nat_pool *p, uint8_t proto, uint32_t in_addr,
				  uint16_t in_port, uint32_t host, struct choice *c)
{
	if (p->det_on) {
		uint16_t lo, hi;
		if (!nat_det_forward(&p->det, in_addr, &c->addr, &lo, &hi))
			return NAT_MAP_NOT_IN_POOL;
		return try_addr(m, c, proto, lo, hi, in_port, p) ? NAT_MAP_OK : NAT_MAP_NO_PORT;
	}
	uint32_t lo = proto == NAT_ICMP ? 0 : p->port_lo, hi = proto == NAT_ICMP ? 65535 : p->port_hi;
	if (host != NONE) {
		c->addr = m->hosts[host].out_addr;
		if (c->addr >= p->addr_lo && c->addr <= p->addr_hi)        /* paired: its address or none */
			return try_addr(m, c, proto, lo, hi, in_port, p) ? NAT_MAP_OK : NAT_MAP_NO_PORT;
	}
	uint64_t n = (uint64_t)p->addr_hi - p->addr_lo + 1;
	uint64_t k = (nat_h64_mix(in_addr ^ m->lim.seed) >> 32) * n >> 32;
	for (unsigned t = 0; t < PAIR_TRIES && t < n; t++) {
		c->addr = p->addr_lo + (uint32_t)k;
		if (try_addr(m, c, proto, lo, hi, in_port, p))
			return NAT_MAP_OK;
		if (++k == n)
			k = 0;
	}
	return NAT_MAP_NO_PORT;
}

static bool remote_add(struct nat_map *m, uint32_t mi, uint32_t remote)
{
	uint64_t key = key_remote(mi, remote);
	uint32_t *n = nat_h64_find(m->remote_ix, key);
	if (n) {
		(*n)++;
		return true;
	}
	return nat_h64_put(m->remote_ix, key, 1);
}

static void session_count(struct nat_map *m, struct nat_mapping *mp)
{
	mp->sessions++;
	m->hosts[mp->host].sessions++;
	m->c.sessions++;
}

static enum nat_map_result refused(struct nat_map *m, enum nat_map_result r)
{
	switch (r) {
	case NAT_MAP_HOST_LIMIT:
		m->c.host_limit++;
		break;
	case NAT_MAP_NO_PORT:
		m->c.no_port++;
		break;
	case NAT_MAP_FULL:
		m->c.table_full++;
		break;
	case NAT_MAP_NOT_IN_POOL:
		m->c.not_in_pool++;
		break;
	default:
		break;
	}
	return r;
}

enum nat_map_result nat_map_session_open(struct nat_map *m, const struct nat_pool *p, uint8_t proto, uint32_t in_addr,
					 uint16_t in_port, uint32_t remote, uint64_t now_ms, const struct nat_mapping **out)
{
	assert(proto < NAT_PROTO__COUNT && p->id <= NAT_POOL_MAX_ID);
	*out = NULL;
	uint64_t hkey = key_host(p->id, in_addr);
	uint32_t host = nat_h64_get(m->host_ix, hkey);
	if (host != NONE && m->lim.host_sessions && m->hosts[host].sessions >= m->lim.host_sessions)
		return refused(m, NAT_MAP_HOST_LIMIT);
	uint64_t fkey = key_in(p->id, proto, in_addr, in_port);
	uint32_t mi = nat_h64_get(m->fwd, fkey);
	if (mi != NONE) {
		struct nat_mapping *mp = &m->maps[mi];
		if ((mp->flags & MAPF_REMOTES) && !remote_add(m, mi, remote))
			return refused(m, NAT_MAP_FULL);
		session_count(m, mp);
		*out = mp;
		return NAT_MAP_OK;
	}
	bool adf = p->filter == NAT_FILTER_ADF;
	if (m->c.mappings >= m->lim.max_mappings || (host == NONE && m->c.hosts >= m->lim.max_hosts) ||
	    (adf && nat_h64_count(m->remote_ix) >= m->lim.max_remotes))
		return refused(m, NAT_MAP_FULL);
	struct choice c;
	enum nat_map_result r = choose(m, p, proto, in_addr, in_port, host, &c);
	if (r != NAT_MAP_OK)
		return refused(m, r);

	/* Nothing can fail from here: every table has room for what the counts allow. */
	bool ok = true;
	if (host == NONE) {
		host = m->hosts_free;
		if (host != NONE)
			m->hosts_free = m->hosts[host].out_addr;
		else
			host = m->hosts_used++;
		m->hosts[host].sessions = 0;
		ok &= nat_h64_put(m->host_ix, hkey, host);
		m->c.hosts++;
	}
	m->hosts[host].out_addr = c.addr;
	mi = m->maps_free;
	if (mi != NONE)
		m->maps_free = m->maps[mi].host;
	else
		mi = m->maps_used++;
	struct nat_mapping *mp = &m->maps[mi];
	*mp = (struct nat_mapping){
		.created_s = (uint32_t)(now_ms / 1000),
		.in_addr = in_addr,
		.out_addr = c.addr,
		.host = host,
		.in_port = in_port,
		.out_port = c.port,
		.pool = p->id,
		.proto = proto,
		.flags = adf ? MAPF_REMOTES : 0,
	};
	ok &= nat_h64_put(m->fwd, fkey, mi);
	ok &= nat_h64_put(m->rev, key_out(proto, c.addr, c.port), mi);
	addr_bits(m, c.slot, proto)[c.port >> 6] |= 1ull << (c.port & 63);
	m->addrs[c.slot].mappings++;
	if (adf)
		ok &= remote_add(m, mi, remote);
	assert(ok);
	(void)ok;
	session_count(m, mp);
	m->c.mappings++;
	m->c.mappings_created++;
	*out = mp;
	return NAT_MAP_OK;
}

enum nat_map_result nat_map_session_join(struct nat_map *m, const struct nat_mapping *cmp, uint32_t remote)
{
	uint32_t mi = (uint32_t)(cmp - m->maps);
	struct nat_mapping *mp = &m->maps[mi];
	assert(mp->sessions > 0);
	if (m->lim.host_sessions && m->hosts[mp->host].sessions >= m->lim.host_sessions)
		return refused(m, NAT_MAP_HOST_LIMIT);
	if ((mp->flags & MAPF_REMOTES) && !remote_add(m, mi, remote))
		return refused(m, NAT_MAP_FULL);
	session_count(m, mp);
	return NAT_MAP_OK;
}

static void mapping_free(struct nat_map *m, uint32_t mi)
{
	struct nat_mapping *mp = &m->maps[mi];
	nat_h64_del(m->fwd, key_in(mp->pool, mp->proto, mp->in_addr, mp->in_port));
	nat_h64_del(m->rev, key_out(mp->proto, mp->out_addr, mp->out_port));
	uint32_t s = nat_h64_get(m->addr_ix, mp->out_addr);    /* held while it has mappings */
	struct map_addr *a = &m->addrs[s];
	if (!(mp->flags & MAPF_RESERVED))
		addr_bits(m, s, mp->proto)[mp->out_port >> 6] &= ~(1ull << (mp->out_port & 63));
	if (--a->mappings == 0 && a->state == ADDR_RETIRED)
		addr_release(m, s);
	mp->flags = 0;
	mp->host = m->maps_free;
	m->maps_free = mi;
	m->c.mappings--;
	m->c.mappings_freed++;
}

void nat_map_session_close(struct nat_map *m, const struct nat_mapping *cmp, uint32_t remote)
{
	uint32_t mi = (uint32_t)(cmp - m->maps);
	struct nat_mapping *mp = &m->maps[mi];
	assert(mp->sessions > 0);
	if (mp->flags & MAPF_REMOTES) {
		uint64_t key = key_remote(mi, remote);
		uint32_t *n = nat_h64_find(m->remote_ix, key);
		if (n && --*n == 0)
			nat_h64_del(m->remote_ix, key);
	}
	uint32_t host = mp->host;
	uint64_t hkey = key_host(mp->pool, mp->in_addr);
	struct map_host *h = &m->hosts[host];
	h->sessions--;
	if (--mp->sessions == 0)
		mapping_free(m, mi);
	if (h->sessions == 0) {
		nat_h64_del(m->host_ix, hkey);
		h->out_addr = m->hosts_free;
		m->hosts_free = host;
		m->c.hosts--;
	}
}

uint32_t nat_map_host_addr(const struct nat_map *m, const struct nat_pool *p, uint32_t in_addr)
{
	uint32_t host = nat_h64_get(m->host_ix, key_host(p->id, in_addr));
	if (host != NONE && m->hosts[host].out_addr >= p->addr_lo && m->hosts[host].out_addr <= p->addr_hi)
		return m->hosts[host].out_addr;
	uint32_t out;
	uint16_t lo, hi;
	if (p->det_on && nat_det_forward(&p->det, in_addr, &out, &lo, &hi))
		return out;
	return p->addr_lo;
}

const struct nat_mapping *nat_map_find_in(const struct nat_map *m, uint16_t pool, uint8_t proto, uint32_t in_addr,
					  uint16_t in_port)
{
	uint32_t mi = nat_h64_get(m->fwd, key_in(pool, proto, in_addr, in_port));
	return mi == NONE ? NULL : &m->maps[mi];
}

const struct nat_mapping *nat_map_find_out(const struct nat_map *m, uint8_t proto, uint32_t out_addr, uint16_t out_port)
{
	uint32_t mi = nat_h64_get(m->rev, key_out(proto, out_addr, out_port));
	return mi == NONE ? NULL : &m->maps[mi];
}

bool nat_map_filter_allows(const struct nat_map *m, const struct nat_mapping *mp, enum nat_filter f, uint32_t remote)
{
	switch (f) {
	case NAT_FILTER_EIF:
		return true;
	case NAT_FILTER_ADF:
		return (mp->permit && mp->permit == remote) ||
		       ((mp->flags & MAPF_REMOTES) &&
			nat_h64_get(m->remote_ix, key_remote((uint32_t)(mp - m->maps), remote)) != NONE);
	default:
		return false;
	}
}

void nat_map_permit(struct nat_map *m, const struct nat_mapping *mp, uint32_t remote)
{
	m->maps[mp - m->maps].permit = remote;
}

uint32_t nat_map_index(const struct nat_map *m, const struct nat_mapping *mp)
{
	return (uint32_t)(mp - m->maps);
}

const struct nat_mapping *nat_map_at(const struct nat_map *m, uint32_t index)
{
	return index < m->maps_used && m->maps[index].sessions ? &m->maps[index] : NULL;
}

const struct nat_map_counters *nat_map_counters(const struct nat_map *m)
{
	return &m->c;
}

void nat_map_foreach(const struct nat_map *m, void (*fn)(void *arg, const struct nat_mapping *mp), void *arg)
{
	for (uint32_t i = 0; i < m->maps_used; i++)
		if (m->maps[i].sessions)
			fn(arg, &m->maps[i]);
}

size_t nat_map_memory(const struct nat_map *m)
{
	return sizeof(*m) + (size_t)m->lim.max_mappings * sizeof(struct nat_mapping) +
	       (size_t)m->lim.max_hosts * sizeof(struct map_host) + (size_t)m->lim.max_addrs * sizeof(struct map_addr) +
	       (size_t)m->lim.max_addrs * NAT_PROTO__COUNT * WORDS * sizeof(uint64_t) + nat_h64_memory(m->fwd) +
	       nat_h64_memory(m->rev) + nat_h64_memory(m->host_ix) + nat_h64_memory(m->remote_ix) +
	       nat_h64_memory(m->addr_ix);
}
