/* Loading a ruleset when memory runs out, at every allocation in turn. All allocations
 * are wrapped (meson.build links this test with --wrap): the Nth one made while a load is
 * armed fails, for every N the load makes. Each load must then either fail with
 * "FILE[:LINE:COL]: out of memory[ for what]" or succeed with a classifier that gives the
 * reference's matches (a field's direct index may be missing: slower, the same verdicts,
 * and the report says so); either way nothing leaks (allocations and frees counted here,
 * and LeakSanitizer in the sanitized build). The same for the fw appliance in router mode
 * (rules, interfaces, routes, neighbours and its tables): a refused reload leaves the
 * running config in place, and a setup either starts or fails with what ran out: the
 * default connection table shrinks to what fits, one the config sized never does. */
#include "app.h"
#include "check_run.h"
#include "fw.h"
#include "fw_gen.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void __real_free(void *p);

static int armed;                 /* counting and failing only while a load runs */
static long fail_at = -1;         /* the allocation (0-based) that fails; -1 none */
static long made;                 /* allocations asked for while armed */
static long live;                 /* made and not freed */

static bool fail_now(void)
{
	return armed && made++ == fail_at;
}

/* A new block while armed: one more to be freed. */
static void *counted(void *p)
{
	live += armed && p;
	return p;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : counted(__real_malloc(n)); }
void *__wrap_calloc(size_t k, size_t n) { return fail_now() ? NULL : counted(__real_calloc(k, n)); }
void *__wrap_aligned_alloc(size_t a, size_t n) { return fail_now() ? NULL : counted(__real_aligned_alloc(a, n)); }

void *__wrap_realloc(void *old, size_t n)
{
	if (fail_now())
		return NULL;
	void *p = __real_realloc(old, n);
	live += armed && p && !old;
	return p;
}

void __wrap_free(void *p)
{
	live -= armed && p;
	__real_free(p);
}

/* A forward chain of random rules over every kind of field, and an input chain with
 * enough distinct addresses and ports that the classifier builds direct indexes. */
static void ruleset(struct text *t)
{
	fw_gen_rng = 4242;
	fw_gen_ruleset(t, 40, true);
	fw_gen_put(t, "set admin port { 22, 80, 443 }\nchain input policy drop {\n");
	for (unsigned i = 0; i < 48; i++)
		fw_gen_put(t, "ip saddr 10.%u.%u.0/24 udp dport %u accept\n", i, 3 * i, 1000 + 7 * i);
	fw_gen_put(t, "ip6 saddr 2001:db8:%x::/48 tcp dport @admin counter drop\n}\n", 99);
}

static void report_line(void *arg, const char *line)
{
	if (strstr(line, "searched without their direct index"))
		++*(unsigned *)arg;
}

/* The loaded ruleset's input and forward classifiers against the reference. */
static void compare(const struct fw_ruleset *rs, long n)
{
	static const enum fw_hook hooks[] = { FW_HOOK_INPUT, FW_HOOK_FORWARD };
	for (unsigned h = 0; h < 2; h++) {
		const struct fw_chain *ch = &rs->cfg.chain[hooks[h]];
		for (unsigned k = 0; k < 200; k++) {
			struct fw_pkt p;
			fw_gen_pkt(&p);
			if (k & 1) {        /* into the input chain's addresses and ports */
				p.family = 4;
				p.saddr[0] = 10;
				p.saddr[1] = (uint8_t)(k % 48);
				p.saddr[2] = (uint8_t)(3 * (k % 48));
				p.has_l4proto = p.has_ports = true;
				p.l4proto = 17;
				p.dport = (uint16_t)(1000 + 7 * (k % 48));
			}
			struct fw_class_scan s;
			fw_class_lookup(rs->cls[hooks[h]], &p, &s);
			int got = -1;
			for (unsigned r = 0; r < ch->n_rules; r++) {
				if (!fw_ref_rule_matches(&rs->cfg, &ch->rules[r], &p))
					continue;
				got = fw_class_next(rs->cls[hooks[h]], &s, got);
				ck_assert_msg(got == (int)r, "allocation %ld failed: chain %u packet %u: rule %u matches, the "
					      "classifier says %d", n, h, k, r, got);
			}
			ck_assert_msg(fw_class_next(rs->cls[hooks[h]], &s, got) == -1,
				      "allocation %ld failed: chain %u packet %u: the classifier matches more", n, h, k);
		}
	}
}

START_TEST(every_allocation_fails_in_turn)
{
	struct text t = {0};
	ruleset(&t);
	struct cf_err err = { "" };

	/* once whole: how many allocations a load makes, and that it balances */
	armed = 1;
	made = live = 0;
	fail_at = -1;
	struct fw_ruleset *rs = fw_ruleset_load("oom.conf", t.s, t.n, &err);
	long total = made;
	armed = 0;
	ck_assert_msg(rs != NULL, "%s", err.msg);
	struct fw_class_stats st;
	fw_class_stats(rs->cls[FW_HOOK_INPUT], &st);
	ck_assert_msg(st.indexed > 0, "the input chain built no direct index: nothing to lose");
	ck_assert_uint_eq(st.unindexed, 0);
	armed = 1;
	fw_ruleset_free(rs);
	armed = 0;
	ck_assert_int_eq(live, 0);
	ck_assert_int_ge(total, 50);

	unsigned refused = 0, degraded = 0, unaffected = 0;
	for (long n = 0; n < total; n++) {
		armed = 1;
		made = live = 0;
		fail_at = n;
		err.msg[0] = 0;
		rs = fw_ruleset_load("oom.conf", t.s, t.n, &err);
		armed = 0;
		if (!rs) {
			ck_assert_msg(strncmp(err.msg, "oom.conf", 8) == 0 && strstr(err.msg, ": out of memory"),
				      "allocation %ld of %ld failed: \"%s\"", n, total, err.msg);
			ck_assert_msg(live == 0, "allocation %ld of %ld failed: %ld allocations leaked", n, total, live);
			refused++;
			continue;
		}
		/* it coped without that memory: the same matches, and the report tells when a
		 * field lost its index (a classifier's pool that could not shrink loses nothing) */
		unsigned unindexed = 0, lines = 0;
		for (unsigned h = 0; h < FW_HOOK__COUNT; h++) {
			fw_class_stats(rs->cls[h], &st);
			unindexed += st.unindexed;
		}
		compare(rs, n);
		fw_ruleset_report(rs, report_line, &lines);
		ck_assert_msg((lines > 0) == (unindexed > 0), "allocation %ld: %u fields unindexed, %u report lines", n,
			      unindexed, lines);
		if (unindexed)
			degraded++;
		else
			unaffected++;
		armed = 1;
		fw_ruleset_free(rs);
		armed = 0;
		ck_assert_msg(live == 0, "allocation %ld of %ld failed: %ld allocations leaked", n, total, live);
	}
	ck_assert_uint_eq(refused + degraded + unaffected, (unsigned)total);
	ck_assert_msg(degraded > 0, "no failed allocation left a ruleset without an index");
	ck_assert_msg(unaffected <= FW_HOOK__COUNT, "%u failed allocations made no difference", unaffected);
	fprintf(stderr, "%ld allocations: %u refused, %u degraded, %u unaffected\n", total, refused, degraded, unaffected);
	ck_assert_msg(refused > degraded, "%u refused, %u degraded", refused, degraded);
	free(t.s);
}
END_TEST

/* The report's "chain forward: N rules" and the reload counts. */
struct seen {
	unsigned forward_rules, reloads, refused;
};

static void seen_line(void *arg, const char *line)
{
	struct seen *s = arg;
	unsigned long long a, b;
	sscanf(line, "chain forward: %u rules", &s->forward_rules);
	const char *r = strstr(line, " reloads (");
	if (r) {
		while (r > line && r[-1] != ' ')
			r--;
		if (sscanf(r, "%llu reloads (%llu refused)", &a, &b) == 2) {
			s->reloads = (unsigned)a;
			s->refused = (unsigned)b;
		}
	}
}

static struct seen report(const struct app_def *app, void *state)
{
	struct seen s = {0};
	app->report(state, seen_line, &s);
	return s;
}

static const char router_head[] = "interface lan { address 192.0.2.1/24; address 2001:db8:1::1/64 }\n"
				  "interface wan { address 198.51.100.1/24 }\n";
static const char running_conf[] = "interface lan { address 192.0.2.1/24; address 2001:db8:1::1/64 }\n"
				   "interface wan { address 198.51.100.1/24 }\n"
				   "chain forward policy accept {\nudp dport 9 drop\n}\n";

START_TEST(reload_out_of_memory_keeps_the_running_config)
{
	/* the new config: routes, a neighbour and the generated chains, in router form */
	struct text gen = {0};
	ruleset(&gen);
	const char *chains = strstr(gen.s, "set ");
	ck_assert_ptr_nonnull(chains);
	struct text t = {0};
	fw_gen_put(&t, "%sroute 0.0.0.0/0 via 198.51.100.254\nroute 2001:db8:9::/48 via 2001:db8:1::fe\n"
		   "neighbor 198.51.100.254 lladdr 02:00:00:00:00:fe dev wan\n%s", router_head, chains);

	static const uint8_t lan_mac[6] = { 2, 0, 0, 0, 0, 1 }, wan_mac[6] = { 2, 0, 0, 0, 0, 2 };
	struct pkt_pool *pool = pkt_pool_create("oom", 64);
	ck_assert_ptr_nonnull(pool);
	const struct app_def *app = app_find("fw");
	struct pkt_pipeline pipe = { .n_ports = 2, .port_names = { "lan", "wan" } };
	struct app_env env = { .opts = "", .config = running_conf, .config_len = strlen(running_conf),
			       .config_name = "running.conf", .pool = pool, .port_mac = { lan_mac, wan_mac } };
	void *state = NULL;
	char err[300];
	ck_assert_msg(app->setup(&pipe, &state, &env, err, sizeof(err)) == 0, "%s", err);
	static struct pkt_worker w;
	pkt_worker_init(&w, &pipe);

	/* whole, once: the new config loads, and how many allocations that takes */
	armed = 1;
	made = 0;
	fail_at = -1;
	int rc = app->reload(state, "new.conf", t.s, t.n, err, sizeof(err));
	long total = made;
	armed = 0;
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_uint_eq(report(app, state).forward_rules, 40);
	ck_assert_int_ge(total, 50);
	ck_assert_msg(app->reload(state, "running.conf", running_conf, strlen(running_conf), err, sizeof(err)) == 0,
		      "%s", err);
	app->tick(state, &w, 1000);     /* frees the config the reload retired */

	unsigned refused = 0, reloads = 2;
	for (long n = 0; n < total; n++) {
		armed = 1;
		made = live = 0;
		fail_at = n;
		err[0] = 0;
		rc = app->reload(state, "new.conf", t.s, t.n, err, sizeof(err));
		armed = 0;
		struct seen s = report(app, state);
		if (rc) {
			refused++;
			ck_assert_msg(strncmp(err, "new.conf", 8) == 0 && strstr(err, ": out of memory"),
				      "allocation %ld of %ld failed: \"%s\"", n, total, err);
			ck_assert_msg(live == 0, "allocation %ld of %ld failed: %ld allocations leaked", n, total, live);
			ck_assert_msg(s.forward_rules == 1, "allocation %ld: a refused reload changed the running config", n);
			ck_assert_uint_eq(s.refused, refused);
			continue;
		}
		/* loaded without that memory (a field without its index): in place, then back */
		reloads++;
		ck_assert_uint_eq(s.forward_rules, 40);
		ck_assert_msg(app->reload(state, "running.conf", running_conf, strlen(running_conf), err, sizeof(err)) == 0,
			      "%s", err);
		reloads++;
		app->tick(state, &w, 1000);
	}
	struct seen s = report(app, state);
	ck_assert_uint_eq(s.reloads, reloads);
	ck_assert_uint_eq(s.refused, refused);
	ck_assert_msg(refused > 0 && reloads > 2, "%u refused, %u reloads", refused, reloads);
	fprintf(stderr, "reload: %ld allocations: %u refused, %u loaded without one\n", total, refused, (reloads - 2) / 2);
	app->teardown(state);
	pkt_pool_destroy(pool);
	free(t.s);
	free(gen.s);
}
END_TEST

/* What fw's setups did with each allocation refused in turn: how many were refused (and of
 * those, how many named the connection table), how many started, and how many of those
 * shrank the default table to fit. */
struct setup_seen {
	unsigned refused, started, shrunk, ct_refused;
};

static void shrink_line(void *arg, const char *line)
{
	struct setup_seen *s = arg;
	if (strstr(line, "fw: conntrack: the default of 65536 entries does not fit in memory"))
		s->shrunk++;
}

/* fw's setup with config head + a route + the generated chains, each allocation refused in
 * turn: each setup either starts or is refused with what ran out, leaking nothing. The
 * refusals whose error is ct_err (when not NULL) are counted in ct_refused. */
static struct setup_seen setup_in_turn(const char *head, const char *ct_err)
{
	struct text gen = {0};
	ruleset(&gen);
	struct text t = {0};
	fw_gen_put(&t, "%s%sroute 0.0.0.0/0 via 198.51.100.254\n%s", head, router_head, strstr(gen.s, "set "));
	static const uint8_t lan_mac[6] = { 2, 0, 0, 0, 0, 1 }, wan_mac[6] = { 2, 0, 0, 0, 0, 2 };
	const struct app_def *app = app_find("fw");
	struct setup_seen seen = {0};
	struct app_env env = { .opts = "", .config = t.s, .config_len = t.n, .config_name = "new.conf",
			       .port_mac = { lan_mac, wan_mac }, .log = shrink_line, .log_arg = &seen };
	char err[300];
	long total = -1;
	for (long n = -1; n < total || total < 0; n++) {
		struct pkt_pipeline pipe = { .n_ports = 2, .port_names = { "lan", "wan" } };
		void *state = NULL;
		armed = 1;
		made = live = 0;
		fail_at = n;
		err[0] = 0;
		int rc = app->setup(&pipe, &state, &env, err, sizeof(err));
		if (n < 0)
			total = made;
		if (!rc)
			app->teardown(state);
		armed = 0;
		ck_assert_msg(live == 0, "allocation %ld of %ld failed: %ld allocations leaked", n, total, live);
		if (n < 0) {
			ck_assert_msg(rc == 0, "%s", err);
			ck_assert_uint_eq(seen.shrunk, 0);
			continue;
		}
		if (rc) {
			ck_assert_msg(strstr(err, "out of memory") && (strncmp(err, "new.conf", 8) == 0 || strncmp(err, "fw:", 3) == 0),
				      "allocation %ld of %ld failed: \"%s\"", n, total, err);
			ck_assert_ptr_null(state);
			seen.refused++;
			seen.ct_refused += ct_err && strcmp(err, ct_err) == 0;
		} else {
			seen.started++;      /* without an index, or with a smaller connection table */
		}
	}
	ck_assert_uint_eq(seen.refused + seen.started, (unsigned)total);
	ck_assert_msg(seen.refused > 0 && seen.started > 0, "%u refused, %u started", seen.refused, seen.started);
	fprintf(stderr, "setup%s: %ld allocations: %u refused, %u started without one (%u with a smaller connection "
		"table)\n", *head ? " with a conntrack max" : "", total, seen.refused, seen.started, seen.shrunk);
	free(t.s);
	free(gen.s);
	return seen;
}

START_TEST(setup_out_of_memory_fails_cleanly)
{
	/* the default table shrinks to what fits, and says so */
	struct setup_seen s = setup_in_turn("", NULL);
	ck_assert_uint_gt(s.shrunk, 0);
	/* a size the config asks for is never shrunk: refused, naming it */
	s = setup_in_turn("conntrack { max 4096 }\n", "fw: out of memory for a connection table of 4096 entries");
	ck_assert_uint_eq(s.shrunk, 0);
	ck_assert_uint_gt(s.ct_refused, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw-oom");
	TCase *tc = tcase_create("load");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, every_allocation_fails_in_turn);
	tcase_add_test(tc, reload_out_of_memory_keeps_the_running_config);
	tcase_add_test(tc, setup_out_of_memory_fails_cleanly);
	suite_add_tcase(s, tc);
	return check_run(s);
}
