/* The lb namespace's show (lb_ctl_int.h): services, backends, flows and the config, as
 * text lines or one JSON document. */
#include "lb_ctl_int.h"

#include "ctl_show.h"
#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *mode_name(const struct lb_service *v)
{
	if (v->mode == LBC_NAT)
		return v->snat ? "nat snat" : "nat";
	return v->encap == LBC_ENCAP_IPIP ? "dsr ipip" : v->encap == LBC_ENCAP_GUE ? "dsr gue" : "dsr";
}

static void show_services(struct lb_app *a, const struct lba_conf *c, const struct lb_set *s, struct ctl_out *o)
{
	if (o->json)
		ctl_printf(o, "{\"services\":[");
	for (unsigned i = 0; i < s->n_svc; i++) {
		const struct lb_service *v = &s->svc[i];
		const struct lb_svc_stats *st = &a->lb.svc[v->id];
		char vip[64];
		ctls_addr(v->vip, v->family, vip, sizeof(vip));
		unsigned down = 0, drain = 0;
		for (unsigned b = 0; b < v->n_be; b++) {
			down += v->be[b].state == LB_BE_DOWN;
			drain += v->be[b].state == LB_BE_DRAIN;
		}
		if (o->json) {
			ctl_printf(o, "%s{\"name\":", i ? "," : "");
			ctl_json_str(o, c->lb.svc[i].name);
			ctl_printf(o, ",\"vip\":\"%s\",\"proto\":\"%s\",\"port\":%u,\"mode\":\"%s\",\"table\":%u,\"backends\":%u,"
				   "\"up\":%u,\"draining\":%u,\"down\":%u,\"packets\":%llu,\"bytes\":%llu,\"flows\":%llu,"
				   "\"dropped\":%llu}", vip, v->proto == 6 ? "tcp" : "udp", v->port, mode_name(v), v->m, v->n_be,
				   v->n_be - down - drain, drain, down, (unsigned long long)st->pkts, (unsigned long long)st->bytes,
				   (unsigned long long)st->flows, (unsigned long long)st->dropped);
		} else {
			char at[96];
			snprintf(at, sizeof(at), "%s%s%s:%u/%s", v->family == 6 ? "[" : "", vip, v->family == 6 ? "]" : "",
				 v->port, v->proto == 6 ? "tcp" : "udp");
			ctl_printf(o, "%-16s %-24s %-8s %u backends (%u up, %u draining, %u down) table %u, %llu packets, "
				   "%llu flows, %llu dropped\n", c->lb.svc[i].name, at, mode_name(v), v->n_be,
				   v->n_be - down - drain, drain, down, v->m, (unsigned long long)st->pkts,
				   (unsigned long long)st->flows, (unsigned long long)st->dropped);
		}
	}
	if (o->json)
		ctl_printf(o, "]}\n");
	else if (!s->n_svc)
		ctl_printf(o, "no service\n");
	ctl_ok(o, "%u services", s->n_svc);
}

static int show_backends(struct lb_app *a, const struct lba_conf *c, const struct lb_set *s, const struct ctl_args *args,
			 struct ctl_out *o)
{
	const char *only = args->argc > 1 ? args->argv[1] : NULL;
	if (args->argc > 2)
		return ctls_error(o, args, 2, "show backends [SERVICE]: nothing after the service");
	bool found = !only;
	unsigned n = 0;
	if (o->json)
		ctl_printf(o, "{\"backends\":[");
	for (unsigned i = 0; i < s->n_svc; i++) {
		const struct lb_service *v = &s->svc[i];
		const struct lbc_service *cv = &c->lb.svc[i];
		if (only && strcmp(only, cv->name))
			continue;
		found = true;
		for (unsigned b = 0; b < v->n_be; b++) {
			const struct lb_backend *be = &v->be[b];
			const struct lba_be *h = &a->be[be->id];
			const struct lb_be_stats *st = &a->lb.be[be->id];
			char ad[64];
			ctls_addr(be->addr, be->family, ad, sizeof(ad));
			bool checked = cv->health.kind != LBC_CHECK_NONE;
			const char *health = !checked ? "unchecked" : h->hc == LBA_HC_UP ? "up" : "down";
			const char *last = checked ? h->last : "no health check";
			if (o->json) {
				ctl_printf(o, "%s{\"service\":", n ? "," : "");
				ctl_json_str(o, cv->name);
				ctl_printf(o, ",\"name\":");
				ctl_json_str(o, h->name);
				ctl_printf(o, ",\"address\":\"%s\",\"port\":%u,\"weight\":%u,\"state\":\"%s\",\"health\":\"%s\","
					   "\"last_check\":", ad, be->port, be->weight, lb_be_state_names[be->state], health);
				ctl_json_str(o, last);
				ctl_printf(o, ",\"checks\":%llu,\"failures\":%llu,\"packets\":%llu,\"bytes\":%llu,\"flows\":%llu}",
					   (unsigned long long)h->checks, (unsigned long long)h->failures,
					   (unsigned long long)st->pkts, (unsigned long long)st->bytes,
					   (unsigned long long)st->flows);
			} else {
				char who[2 * CF_NAME_MAX + 2];
				snprintf(who, sizeof(who), "%s/%s", cv->name, h->name);
				ctl_printf(o, "%-20s %s%s%s:%u weight %u %s, health %s (%s; %llu checks, %llu failed), %llu "
					   "packets, %llu flows\n", who, be->family == 6 ? "[" : "", ad,
					   be->family == 6 ? "]" : "", be->port, be->weight, lb_be_state_names[be->state], health,
					   last, (unsigned long long)h->checks, (unsigned long long)h->failures,
					   (unsigned long long)st->pkts, (unsigned long long)st->flows);
			}
			n++;
		}
	}
	if (!found) {
		o->len = 0;
		return ctls_error(o, args, 1, "no service '%s'", only);
	}
	if (o->json)
		ctl_printf(o, "]}\n");
	else if (!n)
		ctl_printf(o, "no backend\n");
	ctl_ok(o, "%u backends", n);
	return 0;
}

struct flow_walk {
	struct ctls_list w;
	const struct lb_set *s;
	const struct lba_conf *c;
	const struct lb_app *a;
	int only;                            /* a service id, or -1 */
};

static void flow_line(struct flow_walk *f, const char *mode, const uint8_t *client, uint8_t family, uint16_t sport,
		      uint16_t id, uint64_t expires_ms)
{
	struct ctl_out *o = f->w.o;
	const struct lb_service *v;
	const struct lb_backend *be;
	if (!lb_by_id(f->s, id, &v, &be) || (f->only >= 0 && v->id != f->only))
		return;
	if (!ctls_list_take(&f->w))
		return;
	f->w.shown++;
	const char *svc = f->c->lb.svc[v - f->s->svc].name;
	char cl[64], ba[64];
	ctls_addr(client, family, cl, sizeof(cl));
	ctls_addr(be->addr, be->family, ba, sizeof(ba));
	long long left = (long long)(expires_ms - f->w.now) / 1000;
	if (o->json) {
		ctl_printf(o, "%s{\"service\":", f->w.shown > 1 ? "," : "");
		ctl_json_str(o, svc);
		ctl_printf(o, ",\"mode\":\"%s\",\"client\":\"%s\",\"sport\":%u,\"backend\":", mode, cl, sport);
		ctl_json_str(o, f->a->be[id].name);
		ctl_printf(o, ",\"backend_address\":\"%s\",\"expires_s\":%lld}", ba, left);
	} else {
		ctl_printf(o, "%-12s %-4s %s%s%s:%u -> %s (%s:%u) expires in %llds\n", svc, mode, family == 6 ? "[" : "", cl,
			   family == 6 ? "]" : "", sport, f->a->be[id].name, ba, be->port, left);
	}
}

static bool dsr_flow(void *arg, const struct lbf_way *w, const uint8_t *client)
{
	struct flow_walk *f = arg;
	/* the affinity table keeps no family: an IPv4 client's address has 12 zero bytes after it */
	static const uint8_t zero[12];
	uint8_t family = memcmp(client + 4, zero, 12) ? 6 : 4;
	flow_line(f, "dsr", client, family, w->sport, w->backend, (uint64_t)w->expires << 10);
	return true;
}

static void conn_flow(void *arg, const struct ct_entry *e)
{
	struct flow_walk *f = arg;
	if (!lb_nat_owns(e))
		return;
	flow_line(f, "nat", e->key.src, 4, e->key.sport, (uint16_t)(e->user[0] % LB_MAX_IDS), e->expires);
}

static int show_flows(struct lb_app *a, const struct lba_conf *c, const struct lb_set *s, const struct ctl_args *args,
		      struct ctl_out *o)
{
	struct flow_walk f = { .s = s, .c = c, .a = a, .only = -1 };
	int i = 1;
	if (args->argc > 1 && strcmp(args->argv[1], "limit")) {
		int k = -1;
		for (unsigned x = 0; x < c->lb.n_svc && k < 0; x++)
			if (!strcmp(c->lb.svc[x].name, args->argv[1]))
				k = (int)x;
		if (k < 0)
			return ctls_error(o, args, 1, "no service '%s'", args->argv[1]);
		f.only = s->svc[k].id;
		i = 2;
	}
	if (ctls_list_begin(&f.w, o, args, i, "flows", a->now_ms))
		return -1;
	lbf_foreach(a->lb.flows, lbf_ticks(a->now_ms), dsr_flow, &f);
	ct_foreach(a->ct, conn_flow, &f);
	ctls_list_end(&f.w, "flow", false);
	return 0;
}

int lbc_show(void *app, const struct ctl_args *a, struct ctl_out *o)
{
	struct lb_app *la = app;
	const struct lba_conf *c = atomic_load(&la->active);
	const struct lb_set *s = atomic_load(&la->set);
	const char *w = a->argv[0];
	if (!strcmp(w, "services")) {
		if (a->argc > 1)
			return ctls_error(o, a, 1, "show services: nothing after it");
		show_services(la, c, s, o);
		return 0;
	}
	if (!strcmp(w, "backends"))
		return show_backends(la, c, s, a, o);
	if (!strcmp(w, "flows"))
		return show_flows(la, c, s, a, o);
	if (!strcmp(w, "config")) {
		if (a->argc > 1)
			return ctls_error(o, a, 1, "show config takes nothing more, got '%s'", a->argv[1]);
		ctls_config(o, c->name, c->text, c->text_len);
		return 0;
	}
	if (!strcmp(w, "connections"))
		return ctls_connections(o, a, la->ct, la->now_ms);
	if (!strcmp(w, "interfaces")) {
		if (o->json)
			ctl_printf(o, "{\"mode\":\"router\",\"interfaces\":[");
		ctls_router_ifaces(o, &c->rc, &la->rtr);
		if (o->json)
			ctl_printf(o, "]}\n");
		ctl_ok(o, "router");
		return 0;
	}
	return ctls_error(o, a, 0, "unknown show '%s': services, backends [SERVICE], flows [SERVICE] [limit N], "
			  "connections, interfaces or config", w);
}
