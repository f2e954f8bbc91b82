/* lb_ctl_fixture.c - unit-lb-ctl's harness (lb_ctl_fixture.h): the config, the app on a
 * pipeline, SYNs through it, one-command commits. */
#include "lb_ctl_fixture.h"
#include "pktbuild.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define CONF_HEAD                                                                              \
	"# clients on port 0, the servers' link on port 1\n"                                   \
	"interface clients { address 10.0.0.1/24; mac 02:00:00:00:01:00 }\n"                   \
	"interface servers { address 10.1.0.1/24; mac 02:00:00:00:02:00 }\n"                   \
	"neighbor 10.1.0.11 lladdr 02:00:00:00:00:11 dev servers\n"                            \
	"neighbor 10.1.0.12 lladdr 02:00:00:00:00:12 dev servers\n"                            \
	"neighbor 10.1.0.13 lladdr 02:00:00:00:00:13 dev servers\n"                            \
	"neighbor 10.1.0.14 lladdr 02:00:00:00:00:14 dev servers\n"                            \
	"# the appliance's own address (health checks, control socket, metrics), in-band\n"    \
	"management { interface servers; address 10.1.0.250/24 }\n"                            \
	"\n"

const char conf_head[] = CONF_HEAD;
const char conf[] = CONF_HEAD
	"lb { flows 65536; flow-timeout tcp 300 udp 30 }\n"
	"\n"
	"service web {\n"
	"    vip 10.0.0.100 tcp 80\n"
	"    mode nat\n"
	"    health none\n"
	"    backend s1 10.1.0.11\n"
	"    backend s2 10.1.0.12 weight 50\n"
	"    backend s3 10.1.0.13 port 8080\n"
	"}\n"
	"service webdsr {\n"
	"    vip 10.0.0.101 tcp 443\n"
	"    mode dsr   # the backends hold the VIP on a loopback\n"
	"    health none\n"
	"    backend s1 10.1.0.11\n"
	"    backend s2 10.1.0.12\n"
	"    backend s3 10.1.0.13 drain\n"
	"}\n";

const char conf_services[] =
	"lb { flows 65536; flow-timeout tcp 300 udp 30 }\n"
	"service web {\n"
	"\tvip 10.0.0.100 tcp 80\n"
	"\tmode nat\n"
	"\tbackend s1 10.1.0.11\n"
	"\tbackend s2 10.1.0.12 weight 50\n"
	"\tbackend s3 10.1.0.13 port 8080\n"
	"}\n"
	"service webdsr {\n"
	"\tvip 10.0.0.101 tcp 443\n"
	"\tmode dsr\n"
	"\tbackend s1 10.1.0.11\n"
	"\tbackend s2 10.1.0.12\n"
	"\tbackend s3 10.1.0.13 drain\n"
	"}\n";

const char *services_of(const char *text)
{
	ck_assert_msg(starts(text, conf_head), "the rest of the config changed:\n%s", text);
	const char *p = text + strlen(conf_head);
	while (*p == '\n')
		p++;
	return p;
}

static const uint8_t clients_mac[6] = { 2, 0, 0, 0, 1, 0 };

/* ---- the app on a pipeline --------------------------------------------------------------- */

struct lb_app *lb_up(const char *text)
{
	struct lb_app *a = apph_up(&app_lb, "lbctl", 256, text);
	ck_assert_ptr_eq(app_lb.ctl, &lba_ctl_ns);
	ctlh_use(&lba_ctl_ns, app_lb.reload, true, true);
	return a;
}

void lb_down(struct lb_app *a)
{
	apph_down(&app_lb, a);
}

const char *running(struct lb_app *a)
{
	return atomic_load(&a->active)->text;
}

const struct lb_config *running_lb(struct lb_app *a)
{
	return &atomic_load(&a->active)->lb;
}

const struct lb_backend *set_backend(struct lb_app *a, const char *svc, const char *name)
{
	const struct lba_conf *c = atomic_load(&a->active);
	const struct lb_set *s = atomic_load(&a->set);
	ck_assert_uint_eq(s->n_svc, c->lb.n_svc);
	for (unsigned i = 0; i < c->lb.n_svc; i++) {
		if (strcmp(c->lb.svc[i].name, svc))
			continue;
		for (unsigned b = 0; b < s->svc[i].n_be; b++)
			if (!strcmp(a->be[s->svc[i].be[b].id].name, name))
				return &s->svc[i].be[b];
	}
	return NULL;
}

int set_backends(struct lb_app *a, const char *svc)
{
	const struct lba_conf *c = atomic_load(&a->active);
	const struct lb_set *s = atomic_load(&a->set);
	for (unsigned i = 0; i < c->lb.n_svc; i++)
		if (!strcmp(c->lb.svc[i].name, svc))
			return s->svc[i].n_be;
	return -1;
}

static void ip(const char *s, uint8_t a[4])
{
	unsigned x[4];
	ck_assert_int_eq(sscanf(s, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]), 4);
	for (int i = 0; i < 4; i++)
		a[i] = (uint8_t)x[i];
}

struct out syn_at(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint64_t now_ms)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	memcpy(f.b, clients_mac, 6);
	pb_ip4(&f, proto, 0, NULL, 0);
	ip(src, f.b + f.l3 + 12);
	ip(dst, f.b + f.l3 + 16);
	if (proto == 6) {
		pb_tcp(&f, sport, dport, NULL, 0);
		f.b[f.l4 + 13] = 0x02;
	} else {
		pb_udp(&f, sport, dport);
		pb_payload(&f, 18);
	}
	apph_send(&f, 0, now_ms);
	struct out o = { .port = -1 };
	for (unsigned q = 0; q < 2; q++) {
		if (worker.txq[q].n == 1 && o.port < 0) {
			const uint8_t *e = worker.txq[q].pkts[0]->data, *d = e + 14, *l4 = d + (d[0] & 15) * 4;
			o.port = (int)q;
			o.mac_last = e[5];
			snprintf(o.dst, sizeof(o.dst), "%u.%u.%u.%u", d[16], d[17], d[18], d[19]);
			o.dport = (uint16_t)(l4[2] << 8 | l4[3]);
		}
	}
	apph_drain();
	return o;
}

/* ---- commands ------------------------------------------------------------------------------ */

const char *one(struct lb_app *a, const char *line)
{
	static char status[CTL_STATUS_MAX];
	void *t = lba_ctl_ns.txn_begin(a);
	ck_assert_ptr_nonnull(t);
	struct ctl_out o;
	int rc = cmd(t, 1, line, &o);
	ck_assert_msg(rc == 0, "%s: %s", line, o.status);
	snprintf(status, sizeof(status), "%s", o.status);
	commit_ok(a, t);
	return status;
}

const char *refused(struct lb_app *a, unsigned lineno, const char *line)
{
	static char status[CTL_STATUS_MAX];
	void *t = lba_ctl_ns.txn_begin(a);
	ck_assert_ptr_nonnull(t);
	struct ctl_out o;
	int rc = cmd(t, lineno, line, &o);
	snprintf(status, sizeof(status), "%s", o.status);
	lba_ctl_ns.txn_free(t);
	ck_assert_msg(rc == -1, "%s was taken: %s", line, status);
	return status;
}

const char *show_ok(struct lb_app *a, const char *line, bool json)
{
	struct ctl_out o;
	ck_assert_msg(show(a, line, json, &o) == 0, "show %s: %s", line, o.status);
	return o.body;
}

/* The object that starts at the last '{' before key in body, up to its '}' (the objects
 * of these listings hold no nested object). */
static const char *object_at(const char *body, const char *key)
{
	static char obj[1024];
	const char *k = strstr(body, key);
	if (!k)
		return NULL;
	const char *b = k;
	while (b > body && *b != '{')
		b--;
	const char *e = strchr(k, '}');
	ck_assert_ptr_nonnull(e);
	snprintf(obj, sizeof(obj), "%.*s", (int)(e + 1 - b), b);
	return obj;
}

const char *json_backend(const char *body, const char *svc, const char *name)
{
	return object_at(body, fmt("{\"service\":\"%s\",\"name\":\"%s\",", svc, name));
}

const char *json_service(const char *body, const char *name)
{
	return object_at(body, fmt("{\"name\":\"%s\",", name));
}

/* ---- a session over the app ----------------------------------------------------------- */

static void host_interfaces(void *arg, struct ctl_out *o)
{
	(void)arg;
	ctl_printf(o, o->json ? "[{\"port\":0},{\"port\":1}]" : "port 0\nport 1\n");
}

struct ctl_session *lb_session(struct lb_app *a)
{
	static struct ctl_host h;
	h = (struct ctl_host){ .app_name = "lb", .ns = &lba_ctl_ns, .app = a, .reload = app_lb.reload,
			       .interfaces = host_interfaces, .arg = a };
	struct ctl_session *s = ctl_session_new(&h, "CN=test");
	ck_assert_ptr_nonnull(s);
	return s;
}

const char *body_of(const char *r)
{
	static char b[1 << 20];
	const char *p = strchr(r, '\n'), *e = p ? strstr(p, "\n\n") : NULL;
	ck_assert_msg(e != NULL, "%s", r);
	snprintf(b, sizeof(b), "%.*s", (int)(e + 1 - (p + 1)), p + 1);
	return b;
}
