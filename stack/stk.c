/* The stack's life cycle (stk_init, stk_if_add, stk_poll, stk_shutdown) and what it tells
 * (stk_if_describe, stk_counters). */
#include "stk_internal.h"
#include "plat.h"

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#include <string.h>

struct stk_state stk;

static bool lwip_ready;        /* lwip_init() ran (once per process) */
static bool clock_set;         /* stk_poll() ran since stk_init() */

static int fail(char *err, size_t errlen, const char *a, const char *b)
{
	size_t at = 0;
	if (err && errlen) {
		err[0] = '\0';
		pkt_addr_put(err, errlen, &at, a);
		pkt_addr_put(err, errlen, &at, b);
	}
	return -1;
}

/* ---- life cycle ------------------------------------------------------------------------- */

static void zero_proto_stats(void)
{
	/* counters only: lwip_stats.mem and .memp carry lwIP's own bookkeeping */
	memset(&lwip_stats.link, 0, sizeof(lwip_stats.link));
	memset(&lwip_stats.etharp, 0, sizeof(lwip_stats.etharp));
	memset(&lwip_stats.ip_frag, 0, sizeof(lwip_stats.ip_frag));
	memset(&lwip_stats.ip, 0, sizeof(lwip_stats.ip));
	memset(&lwip_stats.icmp, 0, sizeof(lwip_stats.icmp));
	memset(&lwip_stats.udp, 0, sizeof(lwip_stats.udp));
	memset(&lwip_stats.tcp, 0, sizeof(lwip_stats.tcp));
	memset(&lwip_stats.ip6, 0, sizeof(lwip_stats.ip6));
	memset(&lwip_stats.icmp6, 0, sizeof(lwip_stats.icmp6));
	memset(&lwip_stats.ip6_frag, 0, sizeof(lwip_stats.ip6_frag));
	memset(&lwip_stats.nd6, 0, sizeof(lwip_stats.nd6));
}

int stk_init(struct pkt_pool *pool, stk_tx_fn tx, void *tx_arg, char *err, size_t errlen)
{
	if (stk.up)
		return fail(err, errlen, "stack: ", "it is up already (one per process)");
	if (!pool || !tx)
		return fail(err, errlen, "stack: ", "needs a pool and a transmit hook");
	if (!lwip_ready) {
		lwip_init();
		lwip_ready = true;
	} else {
		zero_proto_stats();
	}
	stk.pool = pool;
	stk.tx = tx;
	stk.tx_arg = tx_arg;
	memset(stk.ifs, 0, sizeof(stk.ifs));
	memset(&stk.cnt, 0, sizeof(stk.cnt));
	stk_rx_reset();
	plat_random(stk.isn_key, sizeof(stk.isn_key));
	clock_set = false;
	stk.up = true;
	return 0;
}

static void status_changed(struct netif *netif);

static void addr_from(ip4_addr_t *a, const uint8_t b[4]) { IP4_ADDR(a, b[0], b[1], b[2], b[3]); }

struct stk_if *stk_if_add(uint16_t port, const uint8_t mac[6], const struct stk_if_conf *c, char *err,
			  size_t errlen)
{
	static const uint8_t zero[16];
	if (!stk.up) {
		fail(err, errlen, "stack: ", "not initialised (stk_init)");
		return NULL;
	}
	if (stk_if_of_port(port)) {
		fail(err, errlen, "stack: ", "the port has a management interface already");
		return NULL;
	}
	if (c->prefix4 > 32 || (c->prefix6 && c->prefix6 != 64) ||
	    (c->mtu && (c->mtu < 1280 || c->mtu > PKT_DATAROOM - 14)) ||
	    (!c->dhcp4 && !c->prefix4 && !c->prefix6 && !c->slaac)) {
		fail(err, errlen, "stack: ", "a management conf without an address, or out of range");
		return NULL;
	}
	struct stk_if *ifc = NULL;
	for (unsigned i = 0; i < STK_MAX_IFS && !ifc; i++)
		if (!stk.ifs[i].used)
			ifc = &stk.ifs[i];
	if (!ifc) {
		fail(err, errlen, "stack: ", "too many management interfaces (at most 2)");
		return NULL;
	}
	memset(ifc, 0, sizeof(*ifc));
	ifc->conf = *c;
	ifc->port = port;
	memcpy(ifc->mac, mac, 6);

	ip4_addr_t ip, mask, gw;
	ip4_addr_set_zero(&ip);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gw);
	if (!c->dhcp4 && c->prefix4) {
		addr_from(&ip, c->ip4);
		ip4_addr_set_u32(&mask, lwip_htonl(0xffffffffu << (32 - c->prefix4)));
		addr_from(&gw, c->gw4);
	}
	if (!netif_add(&ifc->netif, &ip, &mask, &gw, ifc, stk_netif_init, ethernet_input)) {
		fail(err, errlen, "stack: ", "lwIP refused the interface (netif_add)");
		return NULL;
	}
	ifc->used = true;
	if (!netif_default)
		netif_set_default(&ifc->netif);
	netif_set_status_callback(&ifc->netif, status_changed);

	netif_create_ip6_linklocal_address(&ifc->netif, 1);
	if (c->prefix6) {
		ip6_addr_t a;
		memcpy(a.addr, c->ip6, 16);
		ip6_addr_clear_zone(&a);
		if (netif_add_ip6_address(&ifc->netif, &a, NULL) != ERR_OK) {
			fail(err, errlen, "stack: ", "lwIP refused the IPv6 address");
			goto undo;
		}
	}
	netif_set_ip6_autoconfig_enabled(&ifc->netif, c->slaac ? 1 : 0);
	if (memcmp(c->gw6, zero, 16)) {
		memcpy(ifc->gw6.addr, c->gw6, 16);
		ip6_addr_clear_zone(&ifc->gw6);
		ip6_addr_assign_zone(&ifc->gw6, IP6_UNICAST, &ifc->netif);
		ifc->has_gw6 = true;
	}
	netif_set_up(&ifc->netif);
	netif_set_link_up(&ifc->netif);
	if (c->dhcp4 && dhcp_start(&ifc->netif) != ERR_OK) {
		fail(err, errlen, "stack: ", "lwIP's DHCP client did not start (out of memory)");
		goto undo;
	}
	return ifc;
undo:
	dhcp_cleanup(&ifc->netif);
	netif_remove(&ifc->netif);
	ifc->used = false;
	return NULL;
}

struct stk_if *stk_if_of_port(uint16_t port)
{
	for (unsigned i = 0; i < STK_MAX_IFS; i++)
		if (stk.ifs[i].used && stk.ifs[i].port == port)
			return &stk.ifs[i];
	return NULL;
}

void stk_poll(uint64_t ms)
{
	if (!stk.up)
		return;
	stk.now_ms = ms;
	if (!clock_set) { /* lwIP's timers were armed on another clock (or none): from now */
		sys_restart_timeouts();
		clock_set = true;
	}
	sys_check_timeouts();
}

void stk_tx_ready(void)
{
	if (!stk.up || !stk.tx_blocked)
		return;
	stk.tx_blocked = false;
	/* lwIP's tcp_txnow() starts at the head of its list every time, so the same few
	 * connections would take the room each time and the rest wait out their peers'
	 * timeouts: start one connection further along each time, and stop when the room is
	 * gone again (those not reached keep their flag) */
	unsigned n = 0;
	for (const struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		n++;
	if (!n)
		return;
	if (++stk.tx_rr >= n)
		stk.tx_rr = 0;
	struct tcp_pcb *from = tcp_active_pcbs;
	for (unsigned i = 0; i < stk.tx_rr; i++)
		from = from->next;
	for (struct tcp_pcb *p = from; p && !stk.tx_blocked; p = p->next)
		if (p->flags & TF_NAGLEMEMERR)
			tcp_output(p);
	for (struct tcp_pcb *p = tcp_active_pcbs; p != from && !stk.tx_blocked; p = p->next)
		if (p->flags & TF_NAGLEMEMERR)
			tcp_output(p);
}

unsigned stk_shutdown(void)
{
	stk.tx_blocked = false;      /* its last frames (resets, a DHCP release) may go out */
	if (!stk.up)
		return stk.rx_held;
	while (tcp_listen_pcbs.pcbs)
		tcp_close(tcp_listen_pcbs.pcbs);
	while (tcp_bound_pcbs)
		tcp_close(tcp_bound_pcbs);
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	for (unsigned i = 0; i < STK_MAX_IFS; i++) {
		struct stk_if *ifc = &stk.ifs[i];
		if (!ifc->used)
			continue;
		if (ifc->conf.dhcp4) {
			dhcp_release_and_stop(&ifc->netif);
			dhcp_cleanup(&ifc->netif);
		}
		netif_set_status_callback(&ifc->netif, NULL);
		netif_set_down(&ifc->netif);
		netif_remove(&ifc->netif);
		ifc->used = false;
	}
	while (udp_pcbs)
		udp_remove(udp_pcbs);
	/* fragments waiting for the rest of their datagram: age them all out (with no
	 * interface left, the time-exceeded errors go nowhere) */
	for (int i = 0; i <= IP_REASS_MAXAGE; i++)
		ip_reass_tmr();
	for (int i = 0; i <= IPV6_REASS_MAXAGE; i++)
		ip6_reass_tmr();
	stk.up = false;
	return stk.rx_held;
}

/* ---- what it tells ---------------------------------------------------------------------- */

/* Its addresses; *settled is false while an IPv6 address is still tentative. */
static bool describe(const struct stk_if *ifc, char *buf, size_t len, bool *settled)
{
	const struct netif *n = &ifc->netif;
	*settled = true;
	size_t at = 0;
	bool has = false;
	const char *sep = "";
	if (!len)
		return false;
	buf[0] = '\0';
	uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
	if (ip) {
		uint32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(n)));
		uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(n));
		unsigned prefix = 0;
		while (prefix < 32 && (mask << prefix) & 0x80000000u)
			prefix++;
		pkt_addr_put_ip4(buf, len, &at, (const uint8_t *)&ip);
		pkt_addr_put(buf, len, &at, "/");
		pkt_addr_put_uint(buf, len, &at, prefix);
		if (gw) {
			pkt_addr_put(buf, len, &at, " gw ");
			pkt_addr_put_ip4(buf, len, &at, (const uint8_t *)&gw);
		}
		if (ifc->conf.dhcp4)
			pkt_addr_put(buf, len, &at, " (dhcp)");
		has = true;
		sep = ", ";
	} else if (ifc->conf.dhcp4) {
		pkt_addr_put(buf, len, &at, "dhcp (no lease yet)");
		sep = ", ";
	}
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		u8_t st = netif_ip6_addr_state(n, i);
		if (ip6_addr_isinvalid(st))
			continue;
		const uint8_t *a = (const uint8_t *)netif_ip6_addr(n, i)->addr;
		pkt_addr_put(buf, len, &at, sep);
		pkt_addr_put_ip6(buf, len, &at, a);
		pkt_addr_put(buf, len, &at, "/64");
		if (ip6_addr_istentative(st)) {
			pkt_addr_put(buf, len, &at, " (tentative)");
			*settled = false;
		}
		else if (ip6_addr_isduplicated(st))
			pkt_addr_put(buf, len, &at, " (duplicate)");
		else if (ifc->conf.prefix6 && !memcmp(a, ifc->conf.ip6, 16))
			has = true;
		sep = ", ";
	}
	if (ifc->has_gw6) {
		pkt_addr_put(buf, len, &at, " gw ");
		pkt_addr_put_ip6(buf, len, &at, (const uint8_t *)ifc->gw6.addr);
	}
	return has;
}

unsigned stk_if_changes(const struct stk_if *ifc)
{
	return ifc->changes;
}

bool stk_if_describe(const struct stk_if *ifc, char *buf, size_t len)
{
	bool settled;
	return describe(ifc, buf, len, &settled);
}

/* lwIP's status callback (up, down, an address came or went): one line once the addresses
 * settle (duplicate address detection done), when they differ from the last line. */
static void status_changed(struct netif *netif)
{
	struct stk_if *ifc = netif->state;
	char d[sizeof(ifc->logged)];
	bool settled;
	describe(ifc, d, sizeof(d), &settled);
	if (!settled || !strcmp(d, ifc->logged))
		return;
	memcpy(ifc->logged, d, sizeof(d));
	ifc->changes++;
	plat_log(PLAT_LOG_DEBUG, "stack: port %u: %s", ifc->port, d);
}

static void emit_proto(void (*emit)(void *, const char *, const char *, uint64_t), void *arg, const char *proto,
		       const struct stats_proto *s)
{
	emit(arg, proto, "xmit", s->xmit);
	emit(arg, proto, "recv", s->recv);
	emit(arg, proto, "fw", s->fw);
	emit(arg, proto, "drop", s->drop);
	emit(arg, proto, "chkerr", s->chkerr);
	emit(arg, proto, "lenerr", s->lenerr);
	emit(arg, proto, "memerr", s->memerr);
	emit(arg, proto, "rterr", s->rterr);
	emit(arg, proto, "proterr", s->proterr);
	emit(arg, proto, "opterr", s->opterr);
	emit(arg, proto, "err", s->err);
	emit(arg, proto, "cachehit", s->cachehit);
}

static const char *const memp_names[MEMP_MAX] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

static void emit_pool(void (*emit)(void *, const char *, const char *, uint64_t), void *arg, const char *pool,
		      const char *what, uint64_t v)
{
	char name[48];
	size_t k = 0;
	for (; pool[k] && k < sizeof(name) - 10; k++)
		name[k] = (char)(pool[k] >= 'A' && pool[k] <= 'Z' ? pool[k] + 32 : pool[k]);
	name[k++] = '_';
	for (size_t j = 0; what[j]; j++)
		name[k++] = what[j];
	name[k] = '\0';
	emit(arg, "memp", name, v);
}

void stk_counters(void (*emit)(void *arg, const char *proto, const char *name, uint64_t value), void *arg)
{
	emit_proto(emit, arg, "link", &lwip_stats.link);
	emit_proto(emit, arg, "etharp", &lwip_stats.etharp);
	emit_proto(emit, arg, "ip", &lwip_stats.ip);
	emit_proto(emit, arg, "ipfrag", &lwip_stats.ip_frag);
	emit_proto(emit, arg, "icmp", &lwip_stats.icmp);
	emit_proto(emit, arg, "udp", &lwip_stats.udp);
	emit_proto(emit, arg, "tcp", &lwip_stats.tcp);
	emit_proto(emit, arg, "ip6", &lwip_stats.ip6);
	emit_proto(emit, arg, "ip6frag", &lwip_stats.ip6_frag);
	emit_proto(emit, arg, "icmp6", &lwip_stats.icmp6);
	emit_proto(emit, arg, "nd6", &lwip_stats.nd6);
	const struct stats_mem *m = &lwip_stats.mem;
	emit(arg, "mem", "avail", m->avail);
	emit(arg, "mem", "used", m->used);
	emit(arg, "mem", "max", m->max);
	emit(arg, "mem", "err", m->err);
	emit(arg, "mem", "illegal", m->illegal);
	for (unsigned i = 0; i < MEMP_MAX; i++) {
		const struct stats_mem *s = lwip_stats.memp[i];
		if (!s)
			continue;
		emit_pool(emit, arg, memp_names[i], "avail", s->avail);
		emit_pool(emit, arg, memp_names[i], "used", s->used);
		emit_pool(emit, arg, memp_names[i], "max", s->max);
		emit_pool(emit, arg, memp_names[i], "err", s->err);
	}
	const struct stk_own_counters *c = &stk.cnt;
	emit(arg, "stk", "frames_in", c->frames_in);
	emit(arg, "stk", "frames_in_copied", c->frames_in_copied);
	emit(arg, "stk", "frames_in_dropped", c->frames_in_dropped);
	emit(arg, "stk", "frames_out", c->frames_out);
	emit(arg, "stk", "frames_out_nobuf", c->frames_out_nobuf);
	emit(arg, "stk", "frames_out_busy", c->frames_out_busy);
	emit(arg, "stk", "frames_out_too_long", c->frames_out_too_long);
	emit(arg, "stk", "pbufs_held", stk.rx_held);
	emit(arg, "stk", "lwip_asserts", c->lwip_asserts);
	emit(arg, "stk", "lwip_errors", c->lwip_errors);
}
