/* unit-fw-ctl's harness (fw_ctl_test.h). */
#include "fw_ctl_test.h"
#include "pktbuild.h"

#include <stdlib.h>
#include <string.h>

char *doc_block(const char *rel, const char *heading)
{
	char *all = read_src(rel);
	char *h = strstr(all, heading), *from = h ? strstr(h, "```\n") : NULL, *to = from ? strstr(from + 4, "```") : NULL;
	ck_assert_msg(to != NULL, "%s: no block after '%s'", rel, heading);
	*to = 0;
	char *block = strdup(from + 4);
	free(all);
	return block;
}

/* ---- configs compared ------------------------------------------------------------------ */

#define SAME(x) ck_assert_msg(!memcmp(&a->x, &b->x, sizeof(a->x)), "%s: %s differs", what, #x)

static void same_rule(const struct fw_rule *a, const struct fw_rule *b, const char *what)
{
	ck_assert_uint_eq(a->n_match, b->n_match);
	for (unsigned i = 0; i < a->n_match; i++)
		SAME(m[i]);
	SAME(verdict);
	SAME(reject_with);
	SAME(reject_code);
	SAME(counter);
	SAME(log);
	ck_assert_str_eq(a->log_prefix, b->log_prefix);
	SAME(limit_rate);
	SAME(limit_per_s);
	SAME(limit_burst);
}

static void same_config(const struct fw_config *a, const struct fw_config *b, const char *what)
{
	ck_assert_uint_eq(a->cf.n_iface, b->cf.n_iface);
	for (unsigned i = 0; i < a->cf.n_iface; i++) {
		ck_assert_str_eq(a->cf.iface[i].name, b->cf.iface[i].name);
		SAME(cf.iface[i].addr);
		SAME(cf.iface[i].n_addr);
		SAME(cf.iface[i].mtu);
		SAME(cf.iface[i].has_mac);
		SAME(cf.iface[i].mac);
		SAME(cf.iface[i].parent);
		SAME(cf.iface[i].vlan);
	}
	ck_assert_uint_eq(a->cf.n_route, b->cf.n_route);
	for (unsigned i = 0; i < a->cf.n_route; i++) {
		SAME(cf.route[i].dst);
		SAME(cf.route[i].via);
		SAME(cf.route[i].dev);
	}
	ck_assert_uint_eq(a->cf.n_neighbor, b->cf.n_neighbor);
	for (unsigned i = 0; i < a->cf.n_neighbor; i++) {
		SAME(cf.neighbor[i].addr);
		SAME(cf.neighbor[i].mac);
		SAME(cf.neighbor[i].dev);
	}
	ck_assert_uint_eq(a->cf.n_set, b->cf.n_set);
	for (unsigned i = 0; i < a->cf.n_set; i++) {
		const struct cf_set *x = &a->cf.set[i], *y = &b->cf.set[i];
		ck_assert_str_eq(x->name, y->name);
		ck_assert_uint_eq(x->kind, y->kind);
		ck_assert_uint_eq(x->n, y->n);
		if (x->kind == CF_SET_PORT)
			ck_assert(!memcmp(x->ranges, y->ranges, x->n * sizeof(*x->ranges)));
		else
			ck_assert(!memcmp(x->prefixes, y->prefixes, x->n * sizeof(*x->prefixes)));
	}
	for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
		SAME(chain[h].declared);
		SAME(chain[h].policy);
		ck_assert_uint_eq(a->chain[h].n_rules, b->chain[h].n_rules);
		for (unsigned r = 0; r < a->chain[h].n_rules; r++)
			same_rule(&a->chain[h].rules[r], &b->chain[h].rules[r], what);
	}
	SAME(cf.ct);
	SAME(cf.ct_max_set);
	SAME(cf.mgmt.declared);
	SAME(cf.mgmt.iface);
	ck_assert_str_eq(a->cf.mgmt.spec, b->cf.mgmt.spec);
	SAME(cf.mgmt.metrics_port);
	SAME(cf.mgmt.ctl_port);
}

void round_trip(const char *text, struct text *scratch)
{
	static struct fw_config orig, again;
	struct cf_err fe = { "" };
	ck_assert_msg(fw_config_parse(&orig, "orig", text, strlen(text), &fe) == 0, "%s\n%s", fe.msg, text);
	char err[256];
	struct fwd_doc *d = fwd_build("orig", text, strlen(text), err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	struct ctld_text t = { 0 };
	ck_assert_int_eq(fwd_render(d, &t), 0);
	ck_assert_msg(fw_config_parse(&again, "rendered", t.s, t.len, &fe) == 0, "%s\n%s", fe.msg, t.s);
	scratch->n = 0;
	text_put(scratch, "rendered from:\n%s\nas:\n%s", text, t.s);
	same_config(&orig, &again, scratch->s);
	/* and it compiles, as the reload will */
	struct fw_ruleset *rs = fw_ruleset_load("rendered", t.s, t.len, &fe);
	ck_assert_msg(rs != NULL, "%s", fe.msg);
	fw_ruleset_free(rs);
	/* read again (or copied), it renders the same */
	struct fwd_doc *d2 = fwd_build("rendered", t.s, t.len, err, sizeof(err)), *c = fwd_copy(d);
	struct ctld_text t2 = { 0 }, t3 = { 0 };
	ck_assert_int_eq(fwd_render(d2, &t2), 0);
	ck_assert_int_eq(fwd_render(c, &t3), 0);
	ck_assert_str_eq(t2.s, t.s);
	ck_assert_str_eq(t3.s, t.s);
	ck_assert_ptr_null(strstr(t.s, "\n\n"));
	ctld_text_free(&t);
	ctld_text_free(&t2);
	ctld_text_free(&t3);
	fwd_free(d);
	fwd_free(d2);
	fwd_free(c);
	fw_config_free(&orig);
	fw_config_free(&again);
}

/* ---- the app ----------------------------------------------------------------------- */

struct fw_app *fw_up(const char *conf)
{
	struct fw_app *a = apph_up(&app_fw, "fwctl", PB_POOL_SIZE, conf);
	ck_assert_ptr_nonnull(a->doc);
	ck_assert_ptr_eq(app_fw.ctl, &fw_ctl_ns);
	/* the reload's error always names a line and column of the rendered text */
	ctlh_use(&fw_ctl_ns, app_fw.reload, false, true);
	return a;
}

void fw_down(struct fw_app *a)
{
	apph_down(&app_fw, a);
}

bool send_udp(uint16_t dport, uint64_t now_ms)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 17, 0, NULL, 0);
	pb_udp(&f, 1000, dport);
	pb_payload(&f, 18);
	apph_send(&f, 0, now_ms);
	bool out = worker.txq[1].n == 1;
	apph_drain();
	return out;
}

/* ---- the namespace's documents ------------------------------------------------------- */

struct fwd_doc *txn_doc(void *txn)
{
	return ((struct fwc_txn *)txn)->doc;
}

const char *render_doc(const struct fwd_doc *d)
{
	static struct ctld_text t;
	ck_assert_int_eq(fwd_render(d, &t), 0);
	return t.s;
}
