/* unit-fw-ctl's harness (fw_ctl_test.h). */
#include "fw_ctl_test.h"
#include "pktbuild.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void text_put(struct text *t, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (t->n + (size_t)n + 1 > t->cap) {
		t->cap = (t->n + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
	va_start(ap, f);
	vsnprintf(t->s + t->n, t->cap - t->n, f, ap);
	va_end(ap);
	t->n += (size_t)n;
}

const char *fmt(const char *f, ...)
{
	static char bufs[8][512];
	static unsigned k;
	char *b = bufs[k++ % 8];
	va_list ap;
	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
}

char *read_src(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", SLUICE_SRC, rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	struct text t = { 0 };
	text_put(&t, "%s", "");
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		text_put(&t, "%.*s", (int)n, buf);
	fclose(f);
	return t.s;
}

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
	struct fwd_text t = { 0 };
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
	struct fwd_text t2 = { 0 }, t3 = { 0 };
	ck_assert_int_eq(fwd_render(d2, &t2), 0);
	ck_assert_int_eq(fwd_render(c, &t3), 0);
	ck_assert_str_eq(t2.s, t.s);
	ck_assert_str_eq(t3.s, t.s);
	ck_assert_ptr_null(strstr(t.s, "\n\n"));
	fwd_text_free(&t);
	fwd_text_free(&t2);
	fwd_text_free(&t3);
	fwd_free(d);
	fwd_free(d2);
	fwd_free(c);
	fw_config_free(&orig);
	fw_config_free(&again);
}

/* ---- the app ----------------------------------------------------------------------- */

static struct pkt_pool *pool;
static struct pkt_pipeline pipe;
static struct pkt_worker worker;
static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 }, mac1[6] = { 2, 0, 0, 0, 0, 2 };

struct fw_app *fw_up(const char *conf)
{
	pool = pkt_pool_create("fwctl", PB_POOL_SIZE);
	ck_assert_ptr_nonnull(pool);
	pipe = (struct pkt_pipeline){ .n_ports = 2, .port_names = { "lan", "wan" } };
	struct app_env env = { .opts = "", .config = conf, .config_len = strlen(conf), .config_name = "boot.conf",
			       .pool = pool, .port_mac = { mac0, mac1 } };
	void *state = NULL;
	char err[300];
	ck_assert_msg(app_fw.setup(&pipe, &state, &env, err, sizeof(err)) == 0, "%s", err);
	pkt_worker_init(&worker, &pipe);
	struct fw_app *a = state;
	ck_assert_ptr_nonnull(a->doc);
	ck_assert_ptr_eq(app_fw.ctl, &fw_ctl_ns);
	return a;
}

void fw_down(struct fw_app *a)
{
	app_fw.teardown(a);
	pkt_pool_destroy(pool);
}

bool send_udp(uint16_t dport, uint64_t now_ms)
{
	struct pb f;
	pb_init(&f);
	pb_eth0(&f, 0x0800);
	pb_ip4(&f, 17, 0, NULL, 0);
	pb_udp(&f, 1000, dport);
	pb_payload(&f, 18);
	pb_done(&f);
	pb_pad(&f, 60);
	struct pkt_buf *p = pb_to_pkt(pool, f.b, f.len);
	p->port = 0;
	worker.now_ms = now_ms;
	pkt_pipe_run(&worker, &p, 1);
	bool out = worker.txq[1].n == 1;
	for (unsigned q = 0; q < 2; q++) {
		pkt_free_burst(worker.txq[q].pkts, worker.txq[q].n);
		worker.txq[q].n = 0;
	}
	return out;
}

/* ---- commands, as the session gives them ---------------------------------------------- */

static char *last_body;

int cmd(void *txn, unsigned lineno, const char *line, struct ctl_out *o)
{
	static char words[CTL_LINE_MAX];
	static char *argv[CTL_ARGS_MAX];
	static unsigned col[CTL_ARGS_MAX];
	free(last_body);
	last_body = NULL;
	size_t n = strlen(line);
	memcpy(words, line, n + 1);
	int argc = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && words[i] == ' ')
			i++;
		if (i >= n)
			break;
		argv[argc] = words + i;
		col[argc++] = (unsigned)i + 1;
		for (bool q = false; i < n && (q || words[i] != ' '); i++)
			q ^= words[i] == '"';
		words[i++] = 0;
	}
	*o = (struct ctl_out){ 0 };
	int skip = 1;
	if (!strcmp(argv[0], "--json")) {
		o->json = true;
		skip = 2;
	}
	ck_assert_str_eq(argv[skip - 1], "fw");
	struct ctl_args a = { argc - skip, argv + skip, col + skip, line, lineno };
	struct ctl_where w = { "ctl", lineno };
	int rc = fw_ctl_ns.txn_cmd(txn, &a, &w, o);
	last_body = o->body;
	ck_assert(rc == 0 ? !o->error : o->error);
	return rc;
}

int show(struct fw_app *a, const char *line, bool json, struct ctl_out *o)
{
	static char words[1024];
	static char *argv[64];
	static unsigned col[64];
	free(last_body);
	snprintf(words, sizeof(words), "%s", line);
	int argc = 0;
	for (char *p = strtok(words, " "); p; p = strtok(NULL, " ")) {
		col[argc] = (unsigned)(p - words) + 6;   /* as the session's "show " line has it */
		argv[argc++] = p;
	}
	*o = (struct ctl_out){ .json = json };
	struct ctl_args args = { argc, argv, col, line, 1 };
	int rc = fw_ctl_ns.show(a, &args, o);
	last_body = o->body;
	ck_assert(rc == 0 ? !o->error : o->error);
	return rc;
}

struct fwd_doc *txn_doc(void *txn)
{
	return ((struct fwc_txn *)txn)->doc;
}

const char *render(void *txn)
{
	const char *text;
	size_t len;
	ck_assert_int_eq(fw_ctl_ns.txn_render(txn, "ctl", &text, &len), 0);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

const char *render_doc(const struct fwd_doc *d)
{
	static struct fwd_text t;
	ck_assert_int_eq(fwd_render(d, &t), 0);
	return t.s;
}

int commit(struct fw_app *a, void *txn, char *err, size_t len)
{
	const char *text = render(txn);
	char why[256];
	if (app_fw.reload(a, "ctl:1", text, strlen(text), why, sizeof(why)) == 0) {
		fw_ctl_ns.txn_adopt(a, txn);
		return 0;
	}
	/* "ctl:1:LINE:COL: why" */
	unsigned line = 0, col = 0;
	int at = 0;
	ck_assert_msg(sscanf(why, "ctl:1:%u:%u: %n", &line, &col, &at) == 2 && at, "%s", why);
	char where[160];
	fw_ctl_ns.txn_where(txn, line, col, where, sizeof(where));
	snprintf(err, len, "%s: %s", where, why + at);
	fw_ctl_ns.txn_free(txn);
	return -1;
}

void commit_ok(struct fw_app *a, void *txn)
{
	char err[300];
	ck_assert_msg(commit(a, txn, err, sizeof(err)) == 0, "%s", err);
}
