/* nat_ctl_fixture.c - unit-nat-ctl's harness (nat_ctl_fixture.h): the config, the app on a
 * pipeline, its documents. */
#include "nat_ctl_fixture.h"
#include "pktbuild.h"

#include <stdio.h>
#include <string.h>

const char conf[] =
	"# a NAT between a lan and a wan\n"
	"interface lan { address 10.0.0.1/24; mac 02:00:00:00:01:00 }\n"
	"interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }\n"
	"route 0.0.0.0/0 via 192.0.2.1\n"
	"neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n"
	"neighbor 10.0.0.10 lladdr 02:00:00:00:00:10 dev lan\n"
	"neighbor 10.0.0.20 lladdr 02:00:00:00:00:20 dev lan\n"
	"nat { filtering address-dependent; host-limit 0 }\n"
	"chain prerouting {\n"
	"    ip daddr 192.0.2.2 tcp dport 8080 dnat to 10.0.0.20:80   # the web server\n"
	"}\n"
	"chain postrouting {\n"
	"    oif wan ip saddr 10.0.0.0/24 masquerade\n"
	"}\n";

static const uint8_t lan_mac[6] = { 2, 0, 0, 0, 1, 0 }, wan_mac[6] = { 2, 0, 0, 0, 2, 0 };

/* ---- the app on a pipeline --------------------------------------------------------------- */

struct nat_app *nat_up(const char *text)
{
	struct nat_app *a = apph_up(&app_nat, "natctl", 256, text);
	ck_assert_ptr_nonnull(a->doc);
	ck_assert_ptr_eq(app_nat.ctl, &nata_ctl_ns);
	ck_assert_ptr_eq(app_nat.metrics, nata_metrics);
	/* a show's JSON answer is checked to be JSON */
	ctlh_use(&nata_ctl_ns, app_nat.reload, true, false);
	return a;
}

void nat_down(struct nat_app *a)
{
	apph_down(&app_nat, a);
}

static void ip(const char *s, uint8_t a[4])
{
	unsigned x[4];
	ck_assert_int_eq(sscanf(s, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]), 4);
	for (int i = 0; i < 4; i++)
		a[i] = (uint8_t)x[i];
}

/* One IPv4 packet into port (to its interface's MAC): proto 6 (a SYN), 17 or 1 (an echo
 * request, sport its identifier), at now_ms. */
struct out send_at(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   uint64_t now_ms)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	memcpy(f.b, port ? wan_mac : lan_mac, 6);
	pb_ip4(&f, proto, 0, NULL, 0);
	ip(src, f.b + f.l3 + 12);
	ip(dst, f.b + f.l3 + 16);
	if (proto == 6) {
		pb_tcp(&f, sport, dport, NULL, 0);
		f.b[f.l4 + 13] = 0x02;
	} else if (proto == 17) {
		pb_udp(&f, sport, dport);
		pb_payload(&f, 18);
	} else {
		pb_icmp(&f, 1, 8, 0, sport);
		pb_payload(&f, 18);
	}
	apph_send(&f, port, now_ms);
	struct out o = { .port = -1 };
	for (unsigned q = 0; q < 2; q++) {
		if (worker.txq[q].n == 1 && o.port < 0) {
			const uint8_t *d = worker.txq[q].pkts[0]->data + 14, *l4 = d + (d[0] & 15) * 4;
			o.port = (int)q;
			snprintf(o.src, sizeof(o.src), "%u.%u.%u.%u", d[12], d[13], d[14], d[15]);
			snprintf(o.dst, sizeof(o.dst), "%u.%u.%u.%u", d[16], d[17], d[18], d[19]);
			o.sport = (uint16_t)(l4[0] << 8 | l4[1]);
			o.dport = (uint16_t)(l4[2] << 8 | l4[3]);
			if (d[9] == 1)
				o.sport = (uint16_t)(l4[4] << 8 | l4[5]);
		}
	}
	apph_drain();
	return o;
}

struct out send_(uint16_t port, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	return send_at(port, proto, src, sport, dst, dport, 1000);
}

/* ---- the namespace's documents ------------------------------------------------------- */

struct natd_doc *txn_doc(void *txn)
{
	return ((struct natc_txn *)txn)->doc;
}

const char *render_doc(const struct natd_doc *d)
{
	static struct ctld_text t;
	ck_assert_int_eq(natd_render(d, &t), 0);
	return t.s;
}

unsigned long long handle(const struct natd_doc *d, unsigned hook, unsigned i)
{
	return (unsigned long long)d->chain[hook].rules[i].handle;
}
