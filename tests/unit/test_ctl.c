/* The control protocol's sessions (apps/ctl.h), transport-free: every command of the core
 * and its errors, the framing of answers, load and transactions against a stand-in app
 * whose reload refuses the word "bad" at its position, the limits, and back-pressure. */
#include "check_run.h"
#include "ctl.h"
#include "ctl_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a stand-in app: its document is a list of lines; "fw add X" appends X ---------- */

struct doc {
	char lines[64][128];
	unsigned from[64];                 /* the session line that brought each, 0: running */
	unsigned n;
	char text[64 * 130];
};

static struct doc running;
static unsigned reloads, audits_ok, audits_failed, frees;
static char last_text[8192], last_audit[512];

static void *txn_begin(void *app)
{
	(void)app;
	struct doc *d = malloc(sizeof(*d));
	memcpy(d, &running, sizeof(*d));
	for (unsigned i = 0; i < d->n; i++)
		d->from[i] = 0;
	return d;
}

static void txn_free(void *t)
{
	frees++;
	free(t);
}

static int txn_cmd(void *t, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o)
{
	struct doc *d = t;
	if (strcmp(a->argv[0], "add") || a->argc < 2) {
		ctl_error(o, "%s:%u:%u: expected add", w->name, w->line, a->col[0]);
		return -1;
	}
	if (d->n == 64) {
		ctl_error(o, "%s:%u:%u: full", w->name, w->line, a->col[0]);
		return -1;
	}
	snprintf(d->lines[d->n], sizeof(d->lines[0]), "%s", a->line + a->col[1] - 1);
	d->from[d->n++] = w->line * 1000 + a->col[1];
	ctl_ok(o, "handle %u", d->n);
	return 0;
}

static void txn_summary(void *t, char *buf, size_t len)
{
	struct doc *d = t;
	unsigned added = 0;
	for (unsigned i = 0; i < d->n; i++)
		added += d->from[i] != 0;
	snprintf(buf, len, "+%u lines", added);
}

static int txn_render(void *t, const char *name, const char **text, size_t *len)
{
	(void)name;
	struct doc *d = t;
	size_t n = 0;
	for (unsigned i = 0; i < d->n; i++)
		n += (size_t)snprintf(d->text + n, sizeof(d->text) - n, "%s\n", d->lines[i]);
	*text = d->text;
	*len = n;
	return 0;
}

static void txn_where(void *t, unsigned line, unsigned col, char *buf, size_t len)
{
	struct doc *d = t;
	unsigned f = line >= 1 && line <= d->n ? d->from[line - 1] : 0;
	if (f)
		snprintf(buf, len, "ctl:%u:%u", f / 1000, f % 1000 + col - 1);
	else
		snprintf(buf, len, "running line %u", line);
}

static void txn_adopt(void *app, void *t)
{
	(void)app;
	memcpy(&running, t, sizeof(running));
	free(t);
}

static int doc_show(void *app, const struct ctl_args *a, struct ctl_out *o)
{
	(void)app;
	if (!strcmp(a->argv[0], "rules")) {
		if (o->json) {
			ctl_printf(o, "{\"rules\":[");
			for (unsigned i = 0; i < running.n; i++) {
				ctl_printf(o, i ? "," : "");
				ctl_json_str(o, running.lines[i]);
			}
			ctl_printf(o, "]}\n");
		} else {
			for (unsigned i = 0; i < running.n; i++)
				ctl_printf(o, "%s # handle %u\n", running.lines[i], i + 1);
		}
		return 0;
	}
	if (!strcmp(a->argv[0], "big")) {
		for (unsigned i = 0; i < 1000000; i++)
			ctl_printf(o, "line %u of a very long answer, long enough to go past the limit\n", i);
		return 0;
	}
	ctl_error(o, "ctl:?:%u: show rules|big", a->col[0]);
	return -1;
}

static const struct ctl_ns ns = {
	.name = "fw", .help = "fw add LINE\n", .txn_begin = txn_begin, .txn_free = txn_free, .txn_cmd = txn_cmd,
	.txn_summary = txn_summary, .txn_render = txn_render, .txn_where = txn_where, .txn_adopt = txn_adopt,
	.show = doc_show, .shows = "rules|big",
};

/* The reload refuses the word "bad" where it is; anything else takes. */
static int reload(void *arg, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	(void)arg;
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < len; i++) {
		if (!strncmp(text + i, "bad", 3)) {
			snprintf(err, errlen, "%s:%u:%u: bad word", name, line, col);
			return -1;
		}
		col = text[i] == '\n' ? 1 : col + 1;
		line += text[i] == '\n';
	}
	reloads++;
	snprintf(last_text, sizeof(last_text), "%.*s", (int)len, text);
	return 0;
}

static void stats(void *arg, struct ctl_out *o)
{
	(void)arg;
	ctl_printf(o, o->json ? "{\"up\":1}\n" : "up 1 s\n");
}

static void audit(void *arg, const char *who, const char *what, bool ok, const char *why)
{
	(void)arg;
	ok ? audits_ok++ : audits_failed++;
	snprintf(last_audit, sizeof(last_audit), "%s|%s|%s|%s", who, what, ok ? "ok" : "refused", why ? why : "");
}

static const struct ctl_host host = { .app_name = "fw", .ns = &ns, .reload = reload, .stats = stats, .audit = audit };

/* ---- driving a session (talk: ctl_harness.h) ------------------------------------------ */

static struct ctl_session *fresh(void)
{
	memset(&running, 0, sizeof(running));
	reloads = audits_ok = audits_failed = frees = 0;
	memset(&ctl_counters, 0, sizeof(ctl_counters));
	struct ctl_session *s = ctl_session_new(&host, "CN=operator");
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(ping_help_quit)
{
	struct ctl_session *s = fresh();
	ck_assert_str_eq(talk(s, "ping\n"), "ok pong\n\n");
	ck_assert_str_eq(talk(s, "  ping  \r\n"), "ok pong\n\n");
	ck_assert_str_eq(talk(s, "\n# a comment\n"), "");        /* no answer */
	const char *h = talk(s, "help\n");
	ck_assert_ptr_nonnull(strstr(h, "load [NAME]"));
	ck_assert_ptr_nonnull(strstr(h, "fw add LINE"));
	ck_assert(!strstr(h, "\n\n") || strstr(h, "\n\n") == h + strlen(h) - 2);
	ck_assert_str_eq(talk(s, "stats\n"), "ok\nup 1 s\n\n");
	ck_assert_str_eq(talk(s, "quit\nping\n"), "ok bye\n\n");  /* nothing after quit */
	ck_assert(ctl_session_done(s));
	ctl_session_free(s);
}
END_TEST

START_TEST(errors_name_their_position)
{
	struct ctl_session *s = fresh();
	ck_assert_str_eq(talk(s, "frobnicate\n"), "error ctl:1:1: unknown command 'frobnicate' (help lists them)\n\n");
	ck_assert_str_eq(talk(s, "  nat add x\n"), "error ctl:2:3: no app 'nat' here: this appliance runs fw\n\n");
	ck_assert_str_eq(talk(s, "commit\n"), "error ctl:3:1: no transaction to commit (begin opens one)\n\n");
	ck_assert_str_eq(talk(s, "abort\n"), "error ctl:4:1: no transaction to abort\n\n");
	ck_assert_str_eq(talk(s, "show\n"), "error ctl:5:6: show what? interfaces|rules|big\n\n");
	ck_assert_str_eq(talk(s, "show nothing\n"), "error ctl:?:6: show rules|big\n\n");
	ck_assert_str_eq(talk(s, "fw\n"), "error ctl:7:3: fw what? (help)\n\n");
	ck_assert_str_eq(talk(s, "fw remove x\n"), "error ctl:8:4: expected add\n\n");
	ck_assert_str_eq(talk(s, "--json\n"), "error ctl:9:1: --json of what?\n{\"error\":\"ctl:9:1: --json of what?\"}\n\n");
	ck_assert_str_eq(talk(s, "load a b\n"), "error ctl:10:8: load takes one name at most; its text follows, up to a line '.'\n\n");
	ck_assert_uint_eq(ctl_counters.errors, 10);
	ctl_session_free(s);
}
END_TEST

START_TEST(load_in_force_or_nothing)
{
	struct ctl_session *s = fresh();
	const char *a = talk(s, "load rules\nchain forward\n  accept\n.\n");
	ck_assert_msg(!strncmp(a, "ok committed load rules (23 bytes) in ", 38), "%s", a);
	ck_assert_str_eq(last_text, "chain forward\n  accept\n");
	ck_assert_uint_eq(reloads, 1);
	ck_assert_uint_eq(audits_ok, 1);
	ck_assert_str_eq(talk(s, "load rules\nchain forward\n  a bad rule\n.\n"), "error rules:2:5: bad word\n\n");
	ck_assert_uint_eq(reloads, 1);
	ck_assert_uint_eq(audits_failed, 1);
	ck_assert_ptr_nonnull(strstr(last_audit, "CN=operator|load rules (27 bytes)|refused|rules:2:5: bad word"));
	/* the default name, an empty text, and a line that is only "." ends it */
	a = talk(s, "load\n.\n");
	ck_assert_msg(!strncmp(a, "ok committed load load (0 bytes)", 32), "%s", a);
	ck_assert_uint_eq(ctl_counters.commits, 2);
	ck_assert_uint_eq(ctl_counters.commit_failures, 1);
	ck_assert_uint_eq(ctl_counters.txn_bytes, 0);
	ctl_session_free(s);
}
END_TEST

START_TEST(transactions)
{
	struct ctl_session *s = fresh();
	ck_assert_str_eq(talk(s, "begin change-42\n"),
			 "ok transaction change-42 open: fw commands, then commit or abort\n\n");
	ck_assert_str_eq(talk(s, "fw add one\n"), "ok handle 1\n\n");
	ck_assert_str_eq(talk(s, "fw add two\n"), "ok handle 2\n\n");
	ck_assert_str_eq(talk(s, "begin\n"), "error ctl:4:1: a transaction is open since line 1: commit or abort it first\n\n");
	ck_assert_str_eq(talk(s, "load\n"), "error ctl:5:1: load inside the transaction open since line 1: commit or abort it first\n\n");
	ck_assert_uint_eq(reloads, 0);         /* nothing yet */
	const char *a = talk(s, "commit\n");
	ck_assert_msg(!strncmp(a, "ok committed change-42 (+2 lines) in ", 37), "%s", a);
	ck_assert_str_eq(last_text, "one\ntwo\n");
	ck_assert_uint_eq(running.n, 2);
	/* a refused commit points at the command that brought the fault, and changes nothing */
	talk(s, "begin\n");
	talk(s, "fw add three\n");
	talk(s, "fw add   so bad\n");
	ck_assert_str_eq(talk(s, "commit\n"), "error ctl:9:13: bad word\n\n");
	ck_assert_uint_eq(running.n, 2);
	ck_assert_uint_eq(reloads, 1);
	/* abort drops it all */
	talk(s, "begin\n");
	talk(s, "fw add four\n");
	ck_assert_str_eq(talk(s, "abort\n"), "ok aborted ctl: 1 commands dropped, nothing changed\n\n");
	ck_assert_uint_eq(running.n, 2);
	/* a command alone is its own transaction */
	a = talk(s, "fw add five\n");
	ck_assert_msg(!strncmp(a, "ok handle 3; committed ctl:14 (+1 lines) in ", 44), "%s", a);
	ck_assert_str_eq(talk(s, "fw add bad\n"), "error ctl:15:8: bad word\n\n");
	ck_assert_uint_eq(running.n, 3);
	ck_assert_str_eq(talk(s, "show rules\n"), "ok\none # handle 1\ntwo # handle 2\nfive # handle 3\n\n");
	/* the session ends with a transaction open: aborted, audited */
	talk(s, "begin\nfw add six\n");
	unsigned before = audits_failed;
	ctl_session_free(s);
	ck_assert_uint_eq(audits_failed, before + 1);
	ck_assert_ptr_nonnull(strstr(last_audit, "aborted: the session ended before commit"));
	ck_assert_uint_eq(ctl_counters.txn_bytes, 0);
}
END_TEST

START_TEST(json_answers)
{
	struct ctl_session *s = fresh();
	ck_assert_str_eq(talk(s, "--json ping\n"), "ok pong\n{\"pong\":true}\n\n");
	ck_assert_str_eq(talk(s, "--json stats\n"), "ok\n{\"up\":1}\n\n");
	ck_assert_str_eq(talk(s, "--json frob\n"),
			 "error ctl:3:8: unknown command 'frob' (help lists them)\n"
			 "{\"error\":\"ctl:3:8: unknown command 'frob' (help lists them)\"}\n\n");
	talk(s, "fw add \"quoted\\ text\"\n");
	ck_assert_str_eq(talk(s, "--json show rules\n"), "ok\n{\"rules\":[\"\\\"quoted\\\\ text\\\"\"]}\n\n");
	const char *a = talk(s, "--json load x\n.\n");
	ck_assert_msg(strstr(a, "\n{\"ok\":\"committed load x (0 bytes) in "), "%s", a);
	ctl_session_free(s);
}
END_TEST

START_TEST(limits)
{
	struct ctl_session *s = fresh();
	/* a line over CTL_LINE_MAX: skipped with an error, the session goes on */
	size_t big = 1 << 20;
	char *line = malloc(big + 16);
	memset(line, 'x', big);
	strcpy(line + big, "\nping\n");
	char want[128];
	snprintf(want, sizeof(want), "error ctl:1:1: a line over %u bytes (CTL_LINE_MAX): skipped\n\nok pong\n\n",
		 CTL_LINE_MAX);
	ck_assert_str_eq(talk(s, line), want);
	ck_assert_uint_eq(ctl_counters.lines_too_long, 1);
	/* in a load, the whole load is refused at its end */
	char *load = malloc(big + 64);
	strcpy(load, "load l\nok\n");
	memset(load + 10, 'y', big);
	strcpy(load + 10 + big, "\n.\n");
	snprintf(want, sizeof(want), "error l:2:1: a line over %u bytes (CTL_LINE_MAX): nothing changed\n\n", CTL_LINE_MAX);
	ck_assert_str_eq(talk(s, load), want);
	ck_assert_uint_eq(reloads, 0);
	/* a load over CTL_TXN_MAX: refused at its end, memory given back */
	size_t n = CTL_TXN_MAX + 4096;
	char *huge = malloc(n + 64);
	strcpy(huge, "load h\n");
	for (size_t i = 7; i < n; i += 64) {
		memset(huge + i, 'z', 63);
		huge[i + 63] = '\n';
	}
	strcpy(huge + 7 + (n - 7) / 64 * 64, ".\n");
	snprintf(want, sizeof(want), "error h: over %u bytes (CTL_TXN_MAX) or no memory for it: nothing changed\n\n",
		 CTL_TXN_MAX);
	ck_assert_str_eq(talk(s, huge), want);
	ck_assert_uint_eq(ctl_counters.txn_bytes, 0);
	ck_assert_uint_eq(ctl_counters.txn_too_big, 1);
	/* an answer over CTL_ANSWER_MAX becomes an error */
	const char *a = talk(s, "show big\n");
	ck_assert_msg(!strncmp(a, "error the answer is over", 24), "%.80s", a);
	free(huge);
	free(load);
	free(line);
	ctl_session_free(s);
}
END_TEST

START_TEST(back_pressure)
{
	struct ctl_session *s = fresh();
	const char *in = "ping\nping\nping\n";
	size_t took = ctl_session_input(s, in, strlen(in));
	ck_assert_uint_eq(took, 5);            /* one answer waits: no more is read */
	size_t n;
	const char *out = ctl_session_output(s, &n);
	ck_assert_uint_eq(n, 9);
	ck_assert(!memcmp(out, "ok pong\n\n", 9));
	ctl_session_sent(s, 4);
	ck_assert_uint_eq(ctl_session_input(s, in + 5, strlen(in) - 5), 0);
	ctl_session_sent(s, 5);
	ck_assert_uint_eq(ctl_session_input(s, in + 5, strlen(in) - 5), 5);
	/* a line split across reads */
	ctl_session_sent(s, 9);
	ck_assert_uint_eq(ctl_session_input(s, "pi", 2), 2);
	ck_assert_uint_eq(ctl_session_input(s, "ng\n", 3), 3);
	out = ctl_session_output(s, &n);
	ck_assert_uint_eq(n, 9);
	ctl_session_free(s);
}
END_TEST

/* ---- the same host in two steps (reload_start, reload_poll): the build takes 2 polls ---- */

static int async_left = -1;          /* polls until the build is done; -1: none started */
static char async_name[64], async_text[8192];
static size_t async_len;

static int async_start(void *arg, const char *name, const char *text, size_t len)
{
	(void)arg;
	if (async_left >= 0)
		return 1;                     /* busy */
	snprintf(async_name, sizeof(async_name), "%s", name);
	async_len = len < sizeof(async_text) ? len : sizeof(async_text) - 1;
	memcpy(async_text, text, async_len);
	async_left = 2;
	return 0;
}

static int async_poll(void *arg, char *err, size_t errlen)
{
	if (async_left > 0) {
		async_left--;
		return 1;
	}
	async_left = -1;
	return reload(arg, async_name, async_text, async_len, err, errlen);
}

static const struct ctl_host async_host = { .app_name = "fw", .ns = &ns, .reload_start = async_start,
					    .reload_poll = async_poll, .stats = stats, .audit = audit };

START_TEST(commits_built_away)
{
	memset(&running, 0, sizeof(running));
	reloads = 0;
	async_left = -1;
	struct ctl_session *s = ctl_session_new(&async_host, "CN=operator");
	struct ctl_session *t = ctl_session_new(&async_host, "CN=other");
	/* a command's own transaction: no answer, nothing more read, until the build is done */
	const char *in = "fw add one\nping\n";
	ck_assert_uint_eq(ctl_session_input(s, in, strlen(in)), 11);
	size_t n;
	ctl_session_output(s, &n);
	ck_assert_uint_eq(n, 0);
	/* another session's load waits for its turn: the first build is under way */
	ctl_session_poll(s);                  /* started */
	ck_assert_uint_eq(ctl_session_input(t, "load x\nchain\n.\n", 15), 15);
	ctl_session_poll(t);
	ck_assert_int_eq(async_left, 1);      /* still s's (started and polled once) */
	ctl_session_poll(s);
	ctl_session_output(s, &n);
	ck_assert_uint_eq(n, 0);
	ctl_session_poll(s);                  /* done: applied, answered */
	const char *out = ctl_session_output(s, &n);
	ck_assert_msg(n > 0 && !strncmp(out, "ok handle 1; committed ctl:1 (+1 lines) in ", 43), "%.*s", (int)n, out);
	ck_assert_uint_eq(running.n, 1);
	ctl_session_sent(s, n);
	ck_assert_uint_eq(ctl_session_input(s, in + 11, strlen(in) - 11), 5);
	out = ctl_session_output(s, &n);
	ck_assert(n == 9 && !memcmp(out, "ok pong\n\n", 9));
	ctl_session_sent(s, n);
	/* t's load now starts, and a refused one answers with its position */
	for (int i = 0; i < 4; i++)
		ctl_session_poll(t);
	out = ctl_session_output(t, &n);
	ck_assert_msg(n > 0 && !strncmp(out, "ok committed load x (6 bytes)", 29), "%.*s", (int)n, out);
	ctl_session_sent(t, n);
	ck_assert_uint_eq(ctl_session_input(t, "load y\nbad\n.\n", 13), 13);
	for (int i = 0; i < 4; i++)
		ctl_session_poll(t);
	out = ctl_session_output(t, &n);
	ck_assert_msg(n > 0 && !strncmp(out, "error y:1:1: bad word\n\n", n), "%.*s", (int)n, out);
	ctl_session_sent(t, n);
	/* a session that ends while its commit is built: the build finishes, applied */
	unsigned before = reloads;
	ctl_session_input(t, "fw add two\n", 11);
	ctl_session_poll(t);                  /* started */
	ctl_session_free(t);
	ck_assert_uint_eq(reloads, before + 1);
	ck_assert_int_eq(async_left, -1);
	ctl_session_free(s);
	ck_assert_uint_eq(ctl_counters.txn_bytes, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("session");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ping_help_quit);
	tcase_add_test(tc, errors_name_their_position);
	tcase_add_test(tc, load_in_force_or_nothing);
	tcase_add_test(tc, transactions);
	tcase_add_test(tc, json_answers);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, back_pressure);
	tcase_add_test(tc, commits_built_away);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
