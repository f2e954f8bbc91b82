/* A control session (ctl.h): the peer's bytes cut into lines, each line a command
 * answered in order, a load's text and a transaction's commands held until their end,
 * every limit enforced with an error that names it. One answer is pending at most: input
 * is refused (ctl_session_input takes fewer bytes) until it is sent, so memory stays
 * bounded by one line, one transaction and one answer whatever the peer does. */
#include "ctl.h"
#include "plat.h"

#include <stdlib.h>
#include <string.h>

struct ctl_counters ctl_counters;

enum mode { M_CMD, M_LOAD };

struct ctl_session {
	const struct ctl_host *h;
	char who[160];
	unsigned line_no;             /* lines received so far */
	/* the line being assembled */
	char *line;
	size_t line_len;
	bool skipping;                /* the rest of an over-long line */
	/* a load's text, until "." */
	enum mode mode;
	bool load_json;
	bool load_over;               /* past CTL_TXN_MAX (or the total): refused at its "." */
	unsigned load_long_line;      /* a line of its over CTL_LINE_MAX (its number), 0: none */
	unsigned load_first;          /* the session's line of the text's first line */
	char load_name[64];
	char *load;
	size_t load_len, load_cap;
	/* an open transaction */
	void *txn;
	char txn_name[64];
	unsigned txn_line;            /* where its begin was */
	size_t txn_bytes;
	unsigned txn_cmds;
	/* a commit being built (ctl_host.reload_start), answered by ctl_session_poll */
	struct {
		enum { P_NONE, P_LOAD, P_COMMIT, P_NSCMD } kind;
		bool started;
		struct ctl_out o;         /* its answer: JSON or not; P_NSCMD: the command's own status */
		char name[64], what[256];
		const char *text;
		size_t len;
		uint64_t t0;
	} pend;
	/* the answer being sent */
	char *out;
	size_t out_len, out_cap, out_sent;
	bool quit;
};

struct ctl_session *ctl_session_new(const struct ctl_host *h, const char *who)
{
	struct ctl_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->line = malloc(CTL_LINE_MAX);
	if (!s->line) {
		free(s);
		return NULL;
	}
	s->h = h;
	plat_snprintf(s->who, sizeof(s->who), "%s", who ? who : "?");
	return s;
}

static void load_reset(struct ctl_session *s)
{
	ctl_counters.txn_bytes -= s->load_cap;
	free(s->load);
	s->load = NULL;
	s->load_len = s->load_cap = 0;
	s->mode = M_CMD;
	s->load_over = false;
	s->load_long_line = 0;
}

static void txn_end(struct ctl_session *s)
{
	if (s->txn && s->h->ns)
		s->h->ns->txn_free(s->txn);
	s->txn = NULL;
	ctl_counters.txn_bytes -= s->txn_bytes;
	s->txn_bytes = 0;
	s->txn_cmds = 0;
}

void ctl_session_free(struct ctl_session *s)
{
	if (!s)
		return;
	/* a commit being built goes on to its end (its text is ours until then), audited; one
	 * not started yet is dropped */
	while (s->pend.kind != P_NONE && s->pend.started)
		ctl_session_poll(s);
	if (s->pend.kind == P_NSCMD)
		free(s->pend.o.body);
	s->pend.kind = P_NONE;
	if (s->txn) {
		ctl_counters.aborts++;
		if (s->h->audit)
			s->h->audit(s->h->arg, s->who, s->txn_name, false, "aborted: the session ended before commit");
		txn_end(s);
	}
	load_reset(s);
	free(s->out);
	free(s->line);
	free(s);
}

/* ---- answers ------------------------------------------------------------------------- */

static void out_put(struct ctl_session *s, const char *d, size_t n)
{
	if (s->out_len + n > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : 4096;
		while (cap < s->out_len + n)
			cap *= 2;
		char *b = realloc(s->out, cap);
		if (!b)
			return;      /* no memory: the answer is cut, the framing below still ends it */
		s->out = b;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, d, n);
	s->out_len += n;
}

/* The answer o, framed: status line, body lines (empty ones left out: an empty line ends
 * an answer), an empty line. */
static void answer(struct ctl_session *s, struct ctl_out *o)
{
	ctl_counters.commands++;
	if (o->over) {
		ctl_error(o, "the answer is over %u bytes (CTL_ANSWER_MAX): ask for less (e.g. show connections limit N)",
			  CTL_ANSWER_MAX);
		o->len = 0;
	}
	if (o->error)
		ctl_counters.errors++;
	if (o->json && (o->error || !o->len)) {
		o->len = 0;
		ctl_printf(o, "{\"%s\":", o->error ? "error" : "ok");
		ctl_json_str(o, o->status);
		ctl_printf(o, "}\n");
	}
	for (char *c = o->status; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	out_put(s, o->error ? "error" : "ok", o->error ? 5 : 2);
	if (o->status[0]) {
		out_put(s, " ", 1);
		out_put(s, o->status, strlen(o->status));
	}
	out_put(s, "\n", 1);
	size_t i = 0;
	while (i < o->len) {
		char *nl = memchr(o->body + i, '\n', o->len - i);
		size_t end = nl ? (size_t)(nl - o->body) : o->len;
		size_t n = end - i;
		if (n && o->body[end - 1] == '\r')
			n--;
		if (n) {
			out_put(s, o->body + i, n);
			out_put(s, "\n", 1);
		}
		i = end + 1;
	}
	out_put(s, "\n", 1);
	free(o->body);
	o->body = NULL;
}

const char *ctl_session_output(struct ctl_session *s, size_t *len)
{
	*len = s->out_len - s->out_sent;
	return s->out + s->out_sent;
}

void ctl_session_sent(struct ctl_session *s, size_t n)
{
	s->out_sent += n;
	if (s->out_sent >= s->out_len) {
		s->out_sent = s->out_len = 0;
		if (s->out_cap > 65536) {         /* a big answer's buffer is not kept */
			free(s->out);
			s->out = NULL;
			s->out_cap = 0;
		}
	}
}

bool ctl_session_done(const struct ctl_session *s)
{
	return s->quit && s->out_len == s->out_sent;
}

/* ---- commits ------------------------------------------------------------------------- */

/* "NAME:LINE:COL: why" from the reload, for the rendered text named name: its position. */
static bool parse_pos(const char *err, const char *name, unsigned *line, unsigned *col, const char **why)
{
	size_t n = strlen(name);
	if (strncmp(err, name, n) || err[n] != ':')
		return false;
	const char *p = err + n + 1;
	unsigned v[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9' && v[k] < 100000000)
			v[k] = v[k] * 10 + (unsigned)(*p++ - '0');
		if (*p++ != ':')
			return false;
	}
	*line = v[0];
	*col = v[1];
	*why = *p == ' ' ? p + 1 : p;
	return true;
}

/* A commit's outcome (rc, err from the reload, took ns): the answer, the audit, the
 * counters; the transaction (if any) adopted when it took. */
static void commit_finish(struct ctl_session *s, struct ctl_out *o, const char *name, int rc, const char *err,
			  uint64_t took, const char *what)
{
	const struct ctl_host *h = s->h;
	if (rc != 0) {
		unsigned line, col;
		const char *why;
		char where[160];
		if (s->txn && parse_pos(err, name, &line, &col, &why)) {
			h->ns->txn_where(s->txn, line, col, where, sizeof(where));
			ctl_error(o, "%s: %s", where, why);
		} else {
			ctl_error(o, "%s", err);
		}
		ctl_counters.commit_failures++;
		if (h->audit)
			h->audit(h->arg, s->who, what, false, o->status);
		return;
	}
	ctl_counters.commits++;
	ctl_counters.last_commit_ns = took;
	if (s->txn) {
		h->ns->txn_adopt(h->app, s->txn);
		s->txn = NULL;
	}
	ctl_ok(o, "committed %s in %llu.%03llu ms", what, (unsigned long long)(took / 1000000),
	       (unsigned long long)(took / 1000 % 1000));
	if (h->audit)
		h->audit(h->arg, s->who, what, true, NULL);
}

/* Reloads with text, at once (ctl_host.reload: returns 0, o answered) or in two steps
 * (reload_start: returns 1, the commit pending as kind, o kept to answer by the poll). */
static int commit_text(struct ctl_session *s, struct ctl_out *o, int kind, const char *name, const char *text,
		       size_t len, const char *what)
{
	const struct ctl_host *h = s->h;
	if (h->reload_start) {
		s->pend.kind = kind;
		s->pend.started = false;
		if (kind != P_NSCMD)          /* P_NSCMD: ns_cmd keeps the command's own */
			s->pend.o = *o;
		plat_snprintf(s->pend.name, sizeof(s->pend.name), "%s", name);
		plat_snprintf(s->pend.what, sizeof(s->pend.what), "%s", what);
		s->pend.text = text;
		s->pend.len = len;
		return 1;                     /* started by the next ctl_session_poll */
	}
	char err[CTL_STATUS_MAX - 64];
	uint64_t t0 = plat_clock_ns();
	int rc = h->reload(h->arg, name, text, len, err, sizeof(err));
	commit_finish(s, o, name, rc, err, plat_clock_ns() - t0, what);
	return 0;
}

/* The command's own status ("handle 12") and the commit's, in one answer. */
static void ns_combine(struct ctl_out *o, struct ctl_out *c)
{
	if (c->error) {
		ctl_error(o, "%s", c->status);
		o->len = 0;
	} else if (!o->status[0] || !strncmp(o->status, "committed", 9)) {
		ctl_ok(o, "%s", c->status);
	} else {
		char first[CTL_STATUS_MAX / 2];
		plat_snprintf(first, sizeof(first), "%s", o->status);
		ctl_ok(o, "%s; %s", first, c->status);
	}
	free(c->body);
}

void ctl_session_poll(struct ctl_session *s)
{
	const struct ctl_host *h = s->h;
	if (s->pend.kind == P_NONE)
		return;
	if (!s->pend.started) {
		if (h->reload_start(h->arg, s->pend.name, s->pend.text, s->pend.len) != 0)
			return;                   /* another session's commit is being built */
		s->pend.started = true;
		s->pend.t0 = plat_clock_ns();
	}
	char err[CTL_STATUS_MAX - 64];
	int rc = h->reload_poll(h->arg, err, sizeof(err));
	if (rc == 1)
		return;
	int kind = s->pend.kind;
	s->pend.kind = P_NONE;
	struct ctl_out c = { .json = s->pend.o.json };
	commit_finish(s, &c, s->pend.name, rc, err, plat_clock_ns() - s->pend.t0, s->pend.what);
	if (kind == P_LOAD) {
		load_reset(s);
		answer(s, &c);
	} else if (kind == P_COMMIT) {
		txn_end(s);
		answer(s, &c);
	} else {
		txn_end(s);
		ns_combine(&s->pend.o, &c);
		answer(s, &s->pend.o);
	}
}

/* 1: pending (answered by the poll), 0: o answered. */
static int commit_txn(struct ctl_session *s, struct ctl_out *o, int kind)
{
	const struct ctl_ns *ns = s->h->ns;
	char what[256], summary[200];
	ns->txn_summary(s->txn, summary, sizeof(summary));
	plat_snprintf(what, sizeof(what), "%s (%s)", s->txn_name, summary[0] ? summary : "no change");
	const char *text;
	size_t len;
	if (ns->txn_render(s->txn, s->txn_name, &text, &len) != 0) {
		ctl_error(o, "%s: no memory to render the transaction", s->txn_name);
		ctl_counters.commit_failures++;
	} else if (commit_text(s, o, kind, s->txn_name, text, len, what)) {
		return 1;
	}
	txn_end(s);
	return 0;
}

static void load_done(struct ctl_session *s)
{
	struct ctl_out o = { .json = s->load_json };
	char what[128];
	plat_snprintf(what, sizeof(what), "load %s (%zu bytes)", s->load_name, s->load_len);
	if (s->load_over) {
		ctl_counters.txn_too_big++;
		ctl_error(&o, "%s: over %u bytes (CTL_TXN_MAX) or no memory for it: nothing changed", s->load_name,
			  CTL_TXN_MAX);
	} else if (s->load_long_line) {
		ctl_error(&o, "%s:%u:1: a line over %u bytes (CTL_LINE_MAX): nothing changed", s->load_name,
			  s->load_long_line, CTL_LINE_MAX);
	} else if (commit_text(s, &o, P_LOAD, s->load_name, s->load ? s->load : "", s->load_len, what)) {
		return;                           /* answered by the poll */
	}
	if (o.error && (s->load_over || s->load_long_line)) {
		ctl_counters.commit_failures++;
		if (s->h->audit)
			s->h->audit(s->h->arg, s->who, what, false, o.status);
	}
	load_reset(s);
	answer(s, &o);
}

static void load_line(struct ctl_session *s, const char *l, size_t n)
{
	if (n == 1 && l[0] == '.') {
		load_done(s);
		return;
	}
	if (s->load_over)
		return;
	if (s->load_len + n + 2 > s->load_cap) {
		size_t cap = s->load_cap ? s->load_cap : 16384;
		while (cap < s->load_len + n + 2)
			cap *= 2;
		char *b = NULL;
		if (cap <= CTL_TXN_MAX && ctl_counters.txn_bytes + (cap - s->load_cap) <= CTL_TXN_TOTAL)
			b = realloc(s->load, cap);
		if (!b) {
			s->load_over = true;
			return;
		}
		ctl_counters.txn_bytes += cap - s->load_cap;
		s->load = b;
		s->load_cap = cap;
	}
	memcpy(s->load + s->load_len, l, n);
	s->load_len += n;
	s->load[s->load_len++] = '\n';
	s->load[s->load_len] = 0;
}

/* ---- commands ------------------------------------------------------------------------ */

static const char help_text[] =
	"ping                        ok pong\n"
	"stats                       the appliance's counters\n"
	"show WHAT [ARGS]            what the app shows (show alone lists it), interfaces\n"
	"load [NAME]                 a whole config, then a line '.': one transaction, like nft -f\n"
	"begin [NAME]                a transaction of the app's commands, until commit or abort\n"
	"commit | abort\n"
	"--json COMMAND              the answer's body as one JSON document\n"
	"quit\n";

/* The words of line (n bytes) into argv with their columns; a "..." string is one word,
 * quotes kept. Returns argc, or -1 with too many words. */
static int split(char *line, size_t n, char **argv, unsigned *col, int max)
{
	int argc = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (argc == max)
			return -1;
		argv[argc] = line + i;
		col[argc] = (unsigned)i + 1;
		argc++;
		bool quoted = false;
		while (i < n && (quoted || (line[i] != ' ' && line[i] != '\t'))) {
			if (line[i] == '"')
				quoted = !quoted;
			i++;
		}
		if (i < n)
			line[i++] = 0;
	}
	return argc;
}

static void show(struct ctl_session *s, struct ctl_args *a, struct ctl_out *o)
{
	const struct ctl_host *h = s->h;
	const char *shows = h->ns && h->ns->shows ? h->ns->shows : "";
	if (a->argc < 2) {
		ctl_error(o, "ctl:%u:%u: show what? interfaces%s%s", s->line_no, a->col[0] + 5, shows[0] ? "|" : "", shows);
		return;
	}
	struct ctl_args sub = { a->argc - 1, a->argv + 1, a->col + 1, a->line, a->lineno };
	if (!strcmp(a->argv[1], "interfaces") && h->interfaces) {
		if (o->json)   /* the ports, then the app's view, in one document */
			ctl_printf(o, "{\"ports\":");
		h->interfaces(h->arg, o);
		bool app_too = h->ns && strstr(shows, "interfaces");
		if (o->json)
			ctl_printf(o, app_too ? ",\"app\":" : "}\n");
		if (app_too && h->ns->show(h->app, &sub, o) == 0 && o->json)
			ctl_printf(o, "}\n");
		if (!o->error)
			ctl_ok(o, "%s", "");
		return;
	}
	if (!h->ns) {
		ctl_error(o, "ctl:%u:%u: %s shows interfaces only", s->line_no, a->col[1], h->app_name);
		return;
	}
	h->ns->show(h->app, &sub, o);
}

static void begin(struct ctl_session *s, struct ctl_args *a, struct ctl_out *o)
{
	const struct ctl_host *h = s->h;
	if (s->txn) {
		ctl_error(o, "ctl:%u:1: a transaction is open since line %u: commit or abort it first", s->line_no,
			  s->txn_line);
	} else if (!h->ns) {
		ctl_error(o, "ctl:%u:1: %s takes no commands: load a whole config instead", s->line_no, h->app_name);
	} else if (a->argc > 2) {
		ctl_error(o, "ctl:%u:%u: begin takes one name at most", s->line_no, a->col[2]);
	} else if (!(s->txn = h->ns->txn_begin(h->app))) {
		ctl_error(o, "ctl:%u:1: no memory for a transaction", s->line_no);
	} else {
		plat_snprintf(s->txn_name, sizeof(s->txn_name), "%s", a->argc > 1 ? a->argv[1] : "ctl");
		s->txn_line = s->line_no;
		ctl_ok(o, "transaction %s open: %s commands, then commit or abort", s->txn_name, h->ns->name);
	}
}

/* A command of the app's namespace: in the open transaction, or in one of its own. */
static void ns_cmd(struct ctl_session *s, struct ctl_args *a, size_t bytes, struct ctl_out *o)
{
	const struct ctl_host *h = s->h;
	struct ctl_where w = { "ctl", s->line_no };
	if (a->argc < 2) {
		ctl_error(o, "ctl:%u:%u: %s what? (help)", s->line_no, a->col[0] + (unsigned)strlen(a->argv[0]), h->ns->name);
		return;
	}
	bool own = !s->txn;
	if (own) {
		if (!(s->txn = h->ns->txn_begin(h->app))) {
			ctl_error(o, "ctl:%u:1: no memory for a transaction", s->line_no);
			return;
		}
		plat_snprintf(s->txn_name, sizeof(s->txn_name), "ctl:%u", s->line_no);
		s->txn_line = s->line_no;
	} else if (s->txn_bytes + bytes > CTL_TXN_MAX || ctl_counters.txn_bytes + bytes > CTL_TXN_TOTAL) {
		ctl_counters.txn_too_big++;
		ctl_error(o, "ctl:%u:1: the transaction is over %u bytes (CTL_TXN_MAX, or all sessions' %u): this "
			  "command is refused; commit what is there, or abort", s->line_no, CTL_TXN_MAX, CTL_TXN_TOTAL);
		return;
	}
	struct ctl_args sub = { a->argc - 1, a->argv + 1, a->col + 1, a->line, a->lineno };
	int rc = h->ns->txn_cmd(s->txn, &sub, &w, o);
	if (!own) {
		if (rc == 0) {
			s->txn_bytes += bytes;
			ctl_counters.txn_bytes += bytes;
			s->txn_cmds++;
		}
		return;
	}
	if (rc == 0) {
		struct ctl_out c = { .json = o->json };
		if (commit_txn(s, &c, P_NSCMD) == 0)
			ns_combine(o, &c);
		else
			s->pend.o = *o;               /* the command's status, for the poll's answer */
	} else {
		txn_end(s);
	}
}

static const char *const other_apps[] = { "fw", "nat", "lb", "httpd", "pktgen", "l2fwd", NULL };

static void command(struct ctl_session *s, char *line, size_t n)
{
	static char *argv[CTL_ARGS_MAX];
	static unsigned col[CTL_ARGS_MAX];
	static char whole[CTL_LINE_MAX];      /* the line as it came, for the words' raw text */
	struct ctl_out o = { 0 };
	line[n] = 0;
	memcpy(whole, line, n + 1);
	int argc = split(line, n, argv, col, CTL_ARGS_MAX);
	if (argc == 0 || (argc > 0 && argv[0][0] == '#'))
		return;                       /* blank lines and comments get no answer */
	struct ctl_args a = { argc, argv, col, whole, s->line_no };
	if (argc > 0 && !strcmp(argv[0], "--json")) {
		o.json = true;
		a.argc--;
		a.argv++;
		a.col++;
	}
	const struct ctl_host *h = s->h;
	const char *v = a.argc > 0 ? a.argv[0] : "";
	if (argc < 0) {
		ctl_error(&o, "ctl:%u:1: over %u words in a line", s->line_no, CTL_ARGS_MAX);
	} else if (a.argc == 0) {
		ctl_error(&o, "ctl:%u:1: --json of what?", s->line_no);
	} else if (!strcmp(v, "ping")) {
		ctl_ok(&o, "pong");
		if (o.json)
			ctl_printf(&o, "{\"pong\":true}\n");
	} else if (!strcmp(v, "help")) {
		ctl_ok(&o, "%s", "");
		ctl_printf(&o, "%s", help_text);
		if (h->ns)
			ctl_printf(&o, "%s", h->ns->help);
		if (o.json) {
			o.len = 0;
			ctl_printf(&o, "{\"help\":");
			ctl_json_str(&o, help_text);
			ctl_printf(&o, "}\n");
		}
	} else if (!strcmp(v, "quit") || !strcmp(v, "exit")) {
		ctl_ok(&o, "bye");
		s->quit = true;
	} else if (!strcmp(v, "stats")) {
		ctl_ok(&o, "%s", "");
		h->stats(h->arg, &o);
	} else if (!strcmp(v, "show")) {
		show(s, &a, &o);
	} else if (!strcmp(v, "load")) {
		if (s->txn) {
			ctl_error(&o, "ctl:%u:%u: load inside the transaction open since line %u: commit or abort it first",
				  s->line_no, a.col[0], s->txn_line);
		} else if (a.argc > 2) {
			ctl_error(&o, "ctl:%u:%u: load takes one name at most; its text follows, up to a line '.'", s->line_no,
				  a.col[2]);
		} else {
			s->mode = M_LOAD;
			s->load_json = o.json;
			s->load_first = s->line_no + 1;
			plat_snprintf(s->load_name, sizeof(s->load_name), "%s", a.argc > 1 ? a.argv[1] : "load");
			return;                   /* answered at its '.' */
		}
	} else if (!strcmp(v, "begin")) {
		begin(s, &a, &o);
	} else if (!strcmp(v, "commit")) {
		if (!s->txn)
			ctl_error(&o, "ctl:%u:%u: no transaction to commit (begin opens one)", s->line_no, a.col[0]);
		else if (commit_txn(s, &o, P_COMMIT))
			return;                   /* answered by the poll */
	} else if (!strcmp(v, "abort")) {
		if (!s->txn) {
			ctl_error(&o, "ctl:%u:%u: no transaction to abort", s->line_no, a.col[0]);
		} else {
			ctl_ok(&o, "aborted %s: %u commands dropped, nothing changed", s->txn_name, s->txn_cmds);
			ctl_counters.aborts++;
			txn_end(s);
		}
	} else if (h->ns && !strcmp(v, h->ns->name)) {
		ns_cmd(s, &a, n + 1, &o);
		if (s->pend.kind != P_NONE)
			return;                   /* answered by the poll */
	} else {
		bool app = false;
		for (const char *const *p = other_apps; *p; p++)
			app |= !strcmp(v, *p);
		if (app)
			ctl_error(&o, "ctl:%u:%u: no app '%s' here: this appliance runs %s", s->line_no, a.col[0], v,
				  h->app_name);
		else
			ctl_error(&o, "ctl:%u:%u: unknown command '%.40s' (help lists them)", s->line_no, a.col[0], v);
	}
	answer(s, &o);
}

/* ---- input --------------------------------------------------------------------------- */

static void line_done(struct ctl_session *s)
{
	s->line_no++;
	size_t n = s->line_len;
	if (n && s->line[n - 1] == '\r')
		n--;
	if (s->mode == M_LOAD)
		load_line(s, s->line, n);
	else
		command(s, s->line, n);
	s->line_len = 0;
}

static void line_too_long(struct ctl_session *s)
{
	ctl_counters.lines_too_long++;
	if (s->mode == M_LOAD) {
		if (!s->load_long_line)
			s->load_long_line = s->line_no + 1 - s->load_first + 1;
		return;
	}
	struct ctl_out o = { 0 };
	ctl_error(&o, "ctl:%u:1: a line over %u bytes (CTL_LINE_MAX): skipped", s->line_no + 1, CTL_LINE_MAX);
	answer(s, &o);
}

size_t ctl_session_input(struct ctl_session *s, const char *data, size_t len)
{
	size_t i = 0;
	while (i < len && !s->quit && s->out_len == s->out_sent && s->pend.kind == P_NONE) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) : len;
		size_t n = end - i;
		if (s->skipping) {
			if (nl) {
				s->skipping = false;
				s->line_no++;
			}
		} else if (s->line_len + n >= CTL_LINE_MAX) {
			s->skipping = !nl;
			line_too_long(s);
			s->line_len = 0;
			if (nl)
				s->line_no++;
		} else {
			memcpy(s->line + s->line_len, data + i, n);
			s->line_len += n;
			if (nl)
				line_done(s);
		}
		i = nl ? end + 1 : len;
	}
	return i;
}
