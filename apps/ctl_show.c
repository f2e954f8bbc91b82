/* The shows the control namespaces share (ctl_show.h): the connection table, the router's
 * interfaces, and the parts of a namespace's own listings. */
#include "ctl_show.h"

#include "ct.h"
#include "pkt_addr.h"
#include "router.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LIMIT_DEFAULT 1000
#define LIMIT_MAX 1000000

int ctls_error(struct ctl_out *o, const struct ctl_args *args, int i, const char *fmt, ...)
{
	char why[CTL_STATUS_MAX - 32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	unsigned col = i < args->argc ? args->col[i]
				      : args->argc ? args->col[args->argc - 1] + (unsigned)strlen(args->argv[args->argc - 1]) : 1;
	ctl_error(o, "ctl:%u:%u: %s", args->lineno, col, why);
	return -1;
}

int ctls_no_doc(struct ctl_out *o)
{
	ctl_error(o, "the running config has no document (no memory to read it at the last load): reload to retry");
	return -1;
}

int ctls_doc_differs(struct ctl_out *o)
{
	ctl_error(o, "the running rules and their document differ: reload to read them again");
	return -1;
}

/* ---- listings -------------------------------------------------------------------------- */

/* "limit N" as words i and i + 1 (nothing after), into *limit; -1 with the error. */
static int limit_arg(const struct ctl_args *args, int i, const char *what, unsigned *limit, struct ctl_out *o)
{
	*limit = LIMIT_DEFAULT;
	if (args->argc <= i)
		return 0;
	const char *n = args->argc > i + 1 ? args->argv[i + 1] : "";
	unsigned long long v = 0;
	bool ok = !strcmp(args->argv[i], "limit") && *n && strlen(n) <= 7 && args->argc == i + 2;
	for (const char *p = n; ok && *p; p++) {
		ok = *p >= '0' && *p <= '9';
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (!ok || v > LIMIT_MAX)
		return ctls_error(o, args, i, "expected 'limit N' (at most %u %s), got '%s%s%s'", LIMIT_MAX, what,
				  args->argv[i], *n ? " " : "", n);
	*limit = (unsigned)v;
	return 0;
}

int ctls_list_begin(struct ctls_list *w, struct ctl_out *o, const struct ctl_args *args, int i, const char *key,
		    uint64_t now)
{
	*w = (struct ctls_list){ .o = o, .now = now };
	if (limit_arg(args, i, key, &w->limit, o))
		return -1;
	if (o->json)
		ctl_printf(o, "{\"%s\":[", key);
	return 0;
}

bool ctls_list_take(struct ctls_list *w)
{
	return w->total++ < w->limit && !w->o->over;
}

void ctls_list_end(struct ctls_list *w, const char *noun, bool shown_first)
{
	struct ctl_out *o = w->o;
	const char *s = w->total == 1 ? "" : "s";
	if (o->json && shown_first)
		ctl_printf(o, "],\"shown\":%u,\"total\":%u}\n", w->shown, w->total);
	else if (o->json)
		ctl_printf(o, "],\"total\":%u,\"shown\":%u}\n", w->total, w->shown);
	else
		ctl_printf(o, "%u %s%s, %u shown\n", w->total, noun, s, w->shown);
	ctl_ok(o, "%u %s%s", w->total, noun, s);
}

void ctls_addr(const uint8_t *a, unsigned family, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	if (family == 4)
		pkt_addr_put_ip4(buf, len, &n, a);
	else
		pkt_addr_put_ip6(buf, len, &n, a);
}

const char *ctls_proto(uint8_t proto, char *buf, size_t len)
{
	static const char *const names[] = { [1] = "icmp", [6] = "tcp", [17] = "udp", [58] = "icmpv6" };
	if (proto < sizeof(names) / sizeof(names[0]) && names[proto])
		return names[proto];
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* ---- connections ----------------------------------------------------------------------- */

static void one_conn(void *arg, const struct ct_entry *e)
{
	struct ctls_list *w = arg;
	if (!ctls_list_take(w))
		return;
	struct pkt_flow_key k;
	ct_entry_key(e, &k);
	char src[48], dst[48], pn[8];
	ctls_addr(k.src, k.family, src, sizeof(src));
	ctls_addr(k.dst, k.family, dst, sizeof(dst));
	const char *proto = ctls_proto(k.proto, pn, sizeof(pn));
	const char *state = k.proto == 6 && e->proto_state < CT_TCP__COUNT ? ct_tcp_state_names[e->proto_state] : "";
	unsigned long long exp = e->expires > w->now ? (e->expires - w->now) / 1000 : 0;
	bool reply = e->flags & CT_F_SEEN_REPLY, assured = e->flags & CT_F_ASSURED, nat = e->flags & CT_F_NAT;
	struct ct_nat_tuple r;
	char rs[16] = "", rd[16] = "";
	if (nat) {
		ct_nat_reply(e, &r);
		ctls_addr(r.src, 4, rs, sizeof(rs));
		ctls_addr(r.dst, 4, rd, sizeof(rd));
	}
	struct ctl_out *o = w->o;
	if (o->json) {
		ctl_printf(o, "%s{\"family\":%u,\"proto\":\"%s\",\"state\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\","
			   "\"sport\":%u,\"dport\":%u,\"vlan\":%u,\"seen_reply\":%s,\"assured\":%s,\"expires\":%llu",
			   w->shown ? "," : "", k.family, proto, state, src, dst, k.sport, k.dport, k.vlan,
			   reply ? "true" : "false", assured ? "true" : "false", exp);
		if (nat)
			ctl_printf(o, ",\"reply\":{\"src\":\"%s\",\"dst\":\"%s\",\"sport\":%u,\"dport\":%u}", rs, rd, r.sport,
				   r.dport);
		ctl_printf(o, "}");
	} else {
		ctl_printf(o, "%s%s%s src=%s dst=%s sport=%u dport=%u", proto, *state ? " " : "", state, src, dst, k.sport,
			   k.dport);
		if (k.vlan)
			ctl_printf(o, " vlan=%u", k.vlan);
		if (nat)
			ctl_printf(o, " reply src=%s dst=%s sport=%u dport=%u", rs, rd, r.sport, r.dport);
		ctl_printf(o, "%s%s expires in %llus\n", reply ? "" : " [UNREPLIED]", assured ? " [ASSURED]" : "", exp);
	}
	w->shown++;
}

int ctls_connections(struct ctl_out *o, const struct ctl_args *args, const struct ct_table *ct, uint64_t now_ms)
{
	struct ctls_list w;
	if (ctls_list_begin(&w, o, args, 1, "connections", now_ms))
		return -1;
	ct_foreach(ct, one_conn, &w);
	ctls_list_end(&w, "connection", true);
	return 0;
}

/* ---- interfaces ------------------------------------------------------------------------ */

void ctls_router_ifaces(struct ctl_out *o, const struct rtr_conf *rc, const struct rtr *r)
{
	for (unsigned i = 0; i < rc->n_iface; i++) {
		const struct rtr_iface *f = &rc->ifc[i];
		const struct rtr_if_stats *s = &r->ifs[f->stats];
		char mac[24], addr[64];
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1], f->mac[2], f->mac[3],
			 f->mac[4], f->mac[5]);
		if (o->json) {
			ctl_printf(o, "%s{\"name\":", i ? "," : "");
			ctl_json_str(o, f->cfg->name);
			ctl_printf(o, ",\"port\":%u,\"vlan\":%u,\"mac\":\"%s\",\"mtu\":%u,\"addresses\":[", f->port, f->vlan, mac,
				   f->cfg->mtu);
		} else {
			ctl_printf(o, "interface %s: port %u", f->cfg->name, f->port);
			if (f->vlan)
				ctl_printf(o, " vlan %u", f->vlan);
			ctl_printf(o, " mac %s mtu %u", mac, f->cfg->mtu);
		}
		for (unsigned k = 0; k < f->cfg->n_addr; k++) {
			const struct cf_prefix *p = &f->cfg->addr[k];
			ctls_addr(p->addr, p->family, addr, sizeof(addr));
			size_t n = strlen(addr);
			pkt_addr_put(addr, sizeof(addr), &n, "/");
			pkt_addr_put_uint(addr, sizeof(addr), &n, p->len);
			ctl_printf(o, o->json ? "%s\"%s\"" : "%s%s", o->json ? (k ? "," : "") : " address ", addr);
		}
		if (o->json)
			ctl_printf(o, "],\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu}",
				   (unsigned long long)s->rx_pkts, (unsigned long long)s->rx_bytes,
				   (unsigned long long)s->tx_pkts, (unsigned long long)s->tx_bytes);
		else
			ctl_printf(o, ": rx %llu packets %llu bytes, tx %llu packets %llu bytes\n",
				   (unsigned long long)s->rx_pkts, (unsigned long long)s->rx_bytes,
				   (unsigned long long)s->tx_pkts, (unsigned long long)s->tx_bytes);
	}
}

void ctls_config(struct ctl_out *o, const char *name, const char *text, size_t len)
{
	if (o->json) {
		ctl_printf(o, "{\"name\":");
		ctl_json_str(o, name);
		ctl_printf(o, ",\"config\":");
		ctl_json_str(o, text);
		ctl_printf(o, "}\n");
	} else {
		ctl_write(o, text, len);
		if (len && text[len - 1] != '\n')
			ctl_write(o, "\n", 1);
	}
	ctl_ok(o, "%s (%zu bytes)", name, len);
}
