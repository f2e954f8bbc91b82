/* sluice-ctl: the operator's client of an appliance's control socket (apps/ctl.h): TLS 1.2
 * to TCP 7443, mutual X.509 with the files `sluice keys DIR` writes, or TLS-PSK.
 *
 *   sluice-ctl [options] COMMAND...     one command (its words joined by spaces)
 *   sluice-ctl [options] load FILE      FILE's text as one transaction
 *   sluice-ctl [options] httpd reload SITE.tar   a site archive for httpd, in base64
 *   sluice-ctl [options] -f SCRIPT      the script's lines as the session's lines
 *   sluice-ctl [options] -              the same from standard input
 *
 * Each answer is printed as it comes, its status line first ("ok ..." or "error ..."),
 * without the empty line that ends it. Exit status: 0 when every answer was ok, 1 when
 * one was an error, 2 when the command line, the credentials, the connection or the TLS
 * handshake failed, or the server broke the protocol (one line on stderr says which).
 *
 * The protocol answers every command line but a blank one or a comment ('#'), and a load
 * once, at the line "." that ends its text. A script is sent line by line as it is, so
 * that the server's "ctl:LINE:COL" positions are the script's, which the client names
 * after the script ("rules.ctl:4:9: ..."). A load the server refuses on its line (inside
 * a transaction, or with two names) gets its answer at once and its text is sent as blank
 * lines, which keeps the numbering; the client follows begin/commit/abort for that. */
#include "ctl_client.h"
#include "ctl.h"
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CTL_DEFAULT_TARGET "127.0.0.1:7443"
#define CTL_DEFAULT_TIMEOUT_S 30
#define STATUS_BUF (CTL_STATUS_MAX + 64)  /* a status line: "error " and the reason */
#define JSON_PREFIX "--json "
#define SEND_CHUNK 65536                   /* queued lines are sent by this much at least */

struct opts {
	const char *target, *keys, *psk, *psk_file, *server_name;
	const char *script;                    /* -f SCRIPT, or "-" */
	bool json;
	int64_t timeout_ms;
	char **words;                          /* the command */
	int nwords;
};

struct session {
	struct ctl_conn conn;
	const struct opts *o;
	const char *name;                      /* the script's name for positions; NULL: none */
	bool any_error, txn_open, quit;
	char in[16384];                        /* bytes read and not yet taken */
	size_t in_pos, in_len;
	char *out;                             /* lines queued to send */
	size_t out_len, out_cap;
	char err[CTL_ERR_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-ctl [options] COMMAND...     send one command (load FILE: the file's text;\n"
		"                                            httpd reload SITE.tar: the archive, in base64)\n"
		"       sluice-ctl [options] -f SCRIPT      send a script's lines, one answer per command\n"
		"       sluice-ctl [options] -              the same from standard input\n"
		"\n"
		"Talks to an appliance's control socket (TLS 1.2) and prints each answer: its status line\n"
		"('ok ...' or 'error ...') and its body. Exit status 0: every answer ok; 1: one was an\n"
		"error; 2: usage, credentials, connection, TLS or protocol failure (one line on stderr).\n"
		"\n"
		"options:\n"
		"  --target HOST:PORT   the appliance (default $SLUICE_CTL_TARGET, else %s;\n"
		"                       [IPV6]:PORT, HOST alone: port 7443)\n"
		"  --keys DIR           credentials as `sluice keys DIR` writes them (default $SLUICE_KEYS):\n"
		"                       DIR/ca.crt verifies the server, DIR/client.crt and client.key are\n"
		"                       ours; DIR/psk (IDENTITY HEXKEY) when DIR has no client.crt\n"
		"  --psk IDENTITY:HEX   TLS-PSK with this identity and key (up to 32 bytes)\n"
		"  --psk-file FILE      TLS-PSK with the 'IDENTITY HEXKEY' line of FILE\n"
		"  --server-name NAME   also require NAME (DNS name or IP address) in the server's\n"
		"                       certificate; without it the chain to ca.crt, the dates and\n"
		"                       serverAuth are checked, not the name\n"
		"  --json               every command as '--json COMMAND': answers' bodies are JSON\n"
		"  --timeout S          give up when connecting, the handshake or an answer makes no\n"
		"                       progress for S seconds (default %d)\n"
		"  -f SCRIPT            commands from SCRIPT; 'ctl:' in error positions becomes 'SCRIPT:'\n"
		"\n"
		"examples:\n"
		"  sluice-ctl --keys keys ping\n"
		"  sluice-ctl --keys keys load rules.conf\n"
		"  sluice-ctl --keys keys --json show counters\n"
		"  sluice-ctl --keys keys httpd reload site.tar\n",
		CTL_DEFAULT_TARGET, CTL_DEFAULT_TIMEOUT_S);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sluice-ctl: ");
	fprintf(stderr, fmt, arg ? arg : "");
	fprintf(stderr, " (see sluice-ctl --help)\n");
	return 2;
}

static int fail(struct session *s)
{
	fflush(stdout);
	fprintf(stderr, "sluice-ctl: %s\n", s->err);
	return 2;
}

/* ---- the command line ---------------------------------------------------------------- */

static int parse_timeout(const char *v, int64_t *ms)
{
	char *end = NULL;
	errno = 0;
	double s = strtod(v, &end);
	if (errno || end == v || *end || !(s > 0) || s > 86400)
		return -1;
	*ms = (int64_t)(s * 1000 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

/* 0, 1 (--help done) or 2 (a usage error, said). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	const char *env = getenv("SLUICE_CTL_TARGET");
	o->target = env && *env ? env : CTL_DEFAULT_TARGET;
	o->keys = getenv("SLUICE_KEYS");
	o->timeout_ms = CTL_DEFAULT_TIMEOUT_S * 1000;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **dst = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		} else if (!strcmp(a, "-")) {
			if (o->script)
				return usage_error("one script at most: '%s'", a);
			o->script = a;
			continue;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (a[0] != '-') {
			break;
		} else if (!strcmp(a, "--target")) {
			dst = &o->target;
		} else if (!strcmp(a, "--keys")) {
			dst = &o->keys;
		} else if (!strcmp(a, "--psk")) {
			dst = &o->psk;
		} else if (!strcmp(a, "--psk-file")) {
			dst = &o->psk_file;
		} else if (!strcmp(a, "--server-name")) {
			dst = &o->server_name;
		} else if (!strcmp(a, "-f")) {
			if (o->script)
				return usage_error("one script at most: '%s'", v);
			dst = &o->script;
		} else if (!strcmp(a, "--timeout")) {
			if (!v || parse_timeout(v, &o->timeout_ms))
				return usage_error("--timeout: expected seconds from 0.001 to 86400, got '%s'", v);
			i++;
			continue;
		} else {
			return usage_error("unknown option '%s'", a);
		}
		if (!v || !*v)
			return usage_error("%s needs a value", a);
		*dst = v;
		i++;
	}
	o->words = argv + i;
	o->nwords = argc - i;
	if (o->psk && o->psk_file)
		return usage_error("--psk and --psk-file exclude each other%s", NULL);
	if (o->script && o->nwords)
		return usage_error("a script or a COMMAND, not both: '%s'", o->words[0]);
	if (!o->script && !o->nwords)
		return usage_error("what to send? a COMMAND, -f SCRIPT or - (standard input)%s", NULL);
	return 0;
}

/* ---- sending ------------------------------------------------------------------------- */

static int queue(struct session *s, const char *d, size_t n)
{
	if (s->out_len + n > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : SEND_CHUNK;
		while (cap < s->out_len + n)
			cap *= 2;
		char *b = realloc(s->out, cap);
		if (!b) {
			snprintf(s->err, sizeof s->err, "no memory for %zu bytes to send", s->out_len + n);
			return -1;
		}
		s->out = b;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, d, n);
	s->out_len += n;
	return 0;
}

static int flush(struct session *s)
{
	int ret = s->out_len ? ctl_conn_write(&s->conn, s->out, s->out_len, s->err, sizeof s->err) : 0;
	s->out_len = 0;
	return ret;
}

/* A line (without its newline) to send; sent once SEND_CHUNK bytes are queued. */
static int queue_line(struct session *s, const char *prefix, const char *line, size_t n)
{
	if ((prefix && queue(s, prefix, strlen(prefix))) || queue(s, line, n) || queue(s, "\n", 1))
		return -1;
	return s->out_len >= SEND_CHUNK ? flush(s) : 0;
}

/* ---- answers ------------------------------------------------------------------------- */

/* The next byte from the server: 0..255, or -1 (closed: s->err empty; failed: s->err). */
static int next_byte(struct session *s)
{
	if (s->in_pos == s->in_len) {
		long n = ctl_conn_read(&s->conn, s->in, sizeof s->in, s->err, sizeof s->err);
		if (n <= 0) {
			if (n == 0)
				s->err[0] = 0;
			return -1;
		}
		s->in_pos = 0;
		s->in_len = (size_t)n;
	}
	return (unsigned char)s->in[s->in_pos++];
}

/* "error ctl:L:C: why" of a script: "error SCRIPT:L:C': why", C' being the column in the
 * script's line (shift bytes of "--json " were put before it). */
static void print_status(const struct session *s, const char *st, size_t shift)
{
	if (!s->name || strncmp(st, "error ctl:", 10)) {
		printf("%s\n", st);
		return;
	}
	const char *p = st + 10;
	char *end;
	unsigned long line = strtoul(p, &end, 10), col = 0;
	if (end == p || *end != ':') {
		printf("error %s:%s\n", s->name, p);
		return;
	}
	p = end + 1;
	col = strtoul(p, &end, 10);
	if (end == p || *end != ':') {
		printf("error %s:%lu:%s\n", s->name, line, p);
		return;
	}
	if (col > shift)
		col -= shift;
	printf("error %s:%lu:%lu%s\n", s->name, line, col, end);
}

/* Reads one answer to the command on line `line` and prints it: 0 ok, 1 error, -1 failed
 * (s->err). */
static int answer(struct session *s, unsigned line, size_t shift)
{
	char st[STATUS_BUF];
	size_t n = 0;
	int b;
	while ((b = next_byte(s)) >= 0 && b != '\n') {
		if (n + 1 == sizeof st) {
			snprintf(s->err, sizeof s->err, "%s: the answer to line %u has a status line over %zu bytes",
				 s->conn.target, line, sizeof st - 1);
			return -1;
		}
		st[n++] = (char)b;
	}
	if (b < 0)
		goto closed;
	if (n && st[n - 1] == '\r')
		n--;
	st[n] = 0;
	bool ok = !strcmp(st, "ok") || !strncmp(st, "ok ", 3);
	if (!ok && strcmp(st, "error") && strncmp(st, "error ", 6)) {
		snprintf(s->err, sizeof s->err, "%s: the answer to line %u starts with neither 'ok' nor 'error': '%.80s'",
			 s->conn.target, line, st);
		return -1;
	}
	print_status(s, st, shift);
	bool at_start = true;                  /* an empty line ends the answer */
	while ((b = next_byte(s)) >= 0) {
		if (at_start && b == '\n')
			break;
		putchar(b);
		at_start = b == '\n';
	}
	if (b < 0) {
		if (!at_start)
			putchar('\n');
		goto closed;
	}
	fflush(stdout);
	if (!ok)
		s->any_error = true;
	return ok ? 0 : 1;
closed:
	fflush(stdout);
	if (s->conn.timed_out)
		snprintf(s->err, sizeof s->err, "%s: no answer to line %u for %.3g s (--timeout)", s->conn.target, line,
			 (double)s->conn.timeout_ms / 1000);
	else if (!s->err[0])
		snprintf(s->err, sizeof s->err, "%s: the server closed the connection before its answer to line %u was "
			 "complete", s->conn.target, line);
	return -1;
}

/* ---- one command from the command line ----------------------------------------------- */

/* FILE's text, refused when a line of it would end the load early ("."). */
static char *read_load_file(struct session *s, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(s->err, sizeof s->err, "load %s: cannot read it: %s", path, strerror(errno));
		return NULL;
	}
	char *text = malloc(CTL_TXN_MAX + 2);
	size_t n = text ? fread(text, 1, CTL_TXN_MAX + 1, f) : 0;
	bool bad = !text || ferror(f);
	fclose(f);
	if (bad || n > CTL_TXN_MAX) {
		if (bad)
			snprintf(s->err, sizeof s->err, "load %s: cannot read it", path);
		else
			snprintf(s->err, sizeof s->err, "load %s: over %u bytes, the most the appliance takes in one "
				 "transaction (CTL_TXN_MAX)", path, CTL_TXN_MAX);
		free(text);
		return NULL;
	}
	if (n && text[n - 1] != '\n')
		text[n++] = '\n';
	unsigned line = 1;
	for (size_t i = 0; i < n; line++) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t l = (size_t)(nl - (text + i));
		if ((l == 1 || (l == 2 && text[i + 1] == '\r')) && text[i] == '.') {
			snprintf(s->err, sizeof s->err, "load %s:%u: a line '.' would end the load there (the protocol ends "
				 "a load's text with it): not sent", path, line);
			free(text);
			return NULL;
		}
		i += l + 1;
	}
	*len = n;
	return text;
}

/* httpd reload FILE: the site archive in base64, 76 characters a line (no line is "."),
 * sent as a load of FILE, which the httpd app decodes (apps/httpd/httpd_site.c). */
static char *read_site_archive(struct session *s, const char *path, size_t *len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t max = CTL_TXN_MAX / 78 * 57;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(s->err, sizeof s->err, "httpd reload %s: cannot read it: %s", path, strerror(errno));
		return NULL;
	}
	unsigned char *raw = malloc(max + 1);
	size_t n = raw ? fread(raw, 1, max + 1, f) : 0;
	bool bad = !raw || ferror(f);
	fclose(f);
	if (bad || n > max || !n) {
		snprintf(s->err, sizeof s->err, bad ? "httpd reload %s: cannot read it" : !n ? "httpd reload %s: empty" :
			 "httpd reload %s: over %zu bytes, the most one transaction takes in base64 (CTL_TXN_MAX)", path, max);
		free(raw);
		return NULL;
	}
	char *text = malloc((n + 2) / 3 * 4 + (n + 56) / 57 + 1);
	if (!text) {
		snprintf(s->err, sizeof s->err, "httpd reload %s: out of memory", path);
		free(raw);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (i + 1 < n ? (uint32_t)raw[i + 1] << 8 : 0) | (i + 2 < n ? raw[i + 2] : 0);
		text[k++] = digits[v >> 18 & 63];
		text[k++] = digits[v >> 12 & 63];
		text[k++] = i + 1 < n ? digits[v >> 6 & 63] : '=';
		text[k++] = i + 2 < n ? digits[v & 63] : '=';
		if ((i / 3 + 1) % 19 == 0 || i + 3 >= n)
			text[k++] = '\n';
	}
	free(raw);
	*len = k;
	return text;
}

static int run_command(struct session *s)
{
	const struct opts *o = s->o;
	char **w = o->words;
	const char *prefix = o->json && strcmp(w[0], "--json") ? JSON_PREFIX : NULL;
	if (w[0][0] == '#') {
		snprintf(s->err, sizeof s->err, "'%s' is a comment, which the appliance does not answer: nothing to send",
			 w[0]);
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	if (!strcmp(w[0], "load")) {
		if (o->nwords != 2) {
			snprintf(s->err, sizeof s->err, "load FILE: which file? (one; its path names it to the appliance)");
			return -1;
		}
		if (!w[1][0] || strpbrk(w[1], " \t\"")) {
			snprintf(s->err, sizeof s->err, "load '%s': the path names the load to the appliance and may not "
				 "hold spaces or quotes", w[1]);
			return -1;
		}
		if (!(text = read_load_file(s, w[1], &len)))
			return -1;
	} else if (!strcmp(w[0], "httpd") && o->nwords >= 2 && !strcmp(w[1], "reload")) {
		if (o->nwords != 3 || !w[2][0] || strpbrk(w[2], " \t\"")) {
			snprintf(s->err, sizeof s->err, "httpd reload SITE.tar: one archive, whose path (no spaces or quotes) "
				 "names the site to the appliance");
			return -1;
		}
		if (!(text = read_site_archive(s, w[2], &len)))
			return -1;
		static char *load_words[2];
		load_words[0] = "load";
		load_words[1] = w[2];
		w = load_words;
	}
	/* the words joined by spaces; a load's text and its "." after its line */
	int ret = prefix ? queue(s, prefix, strlen(prefix)) : 0;
	int nwords = w == o->words ? o->nwords : 2;
	for (int i = 0; i < nwords && !ret; i++)
		ret = (i && queue(s, " ", 1)) || queue(s, w[i], strlen(w[i]));
	ret = ret || queue(s, "\n", 1);
	if (text)
		ret = ret || queue(s, text, len) || queue(s, ".\n", 2);
	free(text);
	if (ret || flush(s))
		return -1;
	return answer(s, 1, 0) < 0 ? -1 : 0;
}

/* ---- scripts ------------------------------------------------------------------------- */

/* What the server sees in a line: its first words as its split() cuts them (spaces and
 * tabs between words, '"' quoting), and how many there are (WORDS_SEEN counted at most:
 * enough for "--json load NAME EXTRA"). */
#define WORDS_SEEN 4
struct words {
	int n;
	const char *w[WORDS_SEEN];
	size_t len[WORDS_SEEN];
};

static void split_words(const char *l, size_t n, struct words *ws)
{
	size_t i = 0;
	ws->n = 0;
	while (i < n && ws->n < WORDS_SEEN) {
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i >= n)
			break;
		size_t start = i;
		bool quoted = false;
		while (i < n && (quoted || (l[i] != ' ' && l[i] != '\t'))) {
			if (l[i] == '"')
				quoted = !quoted;
			i++;
		}
		ws->w[ws->n] = l + start;
		ws->len[ws->n++] = i - start;
	}
}

static bool word_is(const struct words *ws, int i, const char *s)
{
	return i < ws->n && ws->len[i] == strlen(s) && !memcmp(ws->w[i], s, ws->len[i]);
}

/* One line of a script without its newline (and without a '\r' before it): getline's. */
struct reader {
	FILE *f;
	char *buf;
	size_t cap;
	size_t len;                            /* the line, '\r' included */
	size_t bare;                           /* without a final '\r' */
	unsigned line;
};

static bool read_line(struct reader *r)
{
	ssize_t n = getline(&r->buf, &r->cap, r->f);
	if (n < 0)
		return false;
	r->line++;
	r->len = (size_t)n;
	if (r->len && r->buf[r->len - 1] == '\n')
		r->len--;
	r->bare = r->len && r->buf[r->len - 1] == '\r' ? r->len - 1 : r->len;
	return true;
}

/* A load's text up to its "." line: sent (as_blank: as blank lines), or only checked
 * (s NULL). -1 at the end of the script before ".". */
static int load_text(struct session *s, struct reader *r, bool as_blank, const char *name, char *err, size_t errlen)
{
	unsigned from = r->line;
	while (read_line(r)) {
		bool dot = r->bare == 1 && r->buf[0] == '.';
		if (s && queue_line(s, NULL, r->buf, as_blank ? 0 : r->len))
			return -1;
		if (dot)
			return 0;
	}
	snprintf(err, errlen, "%s:%u: load without the line '.' that ends its text", name, from);
	return -1;
}

/* Before connecting: every load of the script has its ".". */
static int check_script(struct reader *r, const char *name, char *err, size_t errlen)
{
	while (read_line(r)) {
		struct words ws;
		split_words(r->buf, r->bare, &ws);
		int v = word_is(&ws, 0, "--json") ? 1 : 0;
		if (word_is(&ws, v, "load") && load_text(NULL, r, false, name, err, errlen))
			return -1;
	}
	if (ferror(r->f)) {
		snprintf(err, errlen, "%s: cannot read it: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* One command line of the script (r->buf) and what belongs to it, then its answer. */
static int script_command(struct session *s, struct reader *r, const struct words *ws)
{
	bool has_json = word_is(ws, 0, "--json");
	const char *prefix = s->o->json && !has_json ? JSON_PREFIX : NULL;
	int v = has_json ? 1 : 0;
	unsigned line = r->line;
	if (queue_line(s, prefix, r->buf, r->len))
		return -1;
	if (word_is(ws, v, "load")) {
		/* the server refuses it on its line inside a transaction or with two names */
		bool refused = s->txn_open || ws->n > v + 2;
		if (load_text(s, r, refused, s->name, s->err, sizeof s->err))
			return -1;
	}
	if (flush(s))
		return -1;
	int a = answer(s, line, prefix ? strlen(prefix) : 0);
	if (a < 0)
		return -1;
	if (word_is(ws, v, "begin") && a == 0)
		s->txn_open = true;
	else if (word_is(ws, v, "commit") || word_is(ws, v, "abort"))
		s->txn_open = false;
	else if (word_is(ws, v, "quit") || word_is(ws, v, "exit"))
		s->quit = true;
	return 0;
}

static int run_script(struct session *s, struct reader *r)
{
	while (!s->quit && read_line(r)) {
		struct words ws;
		split_words(r->buf, r->bare, &ws);
		if (ws.n == 0 || ws.w[0][0] == '#') {   /* no answer: sent for the numbering */
			if (queue_line(s, NULL, r->buf, r->len))
				return -1;
			continue;
		}
		if (script_command(s, r, &ws))
			return -1;
	}
	if (ferror(r->f)) {
		snprintf(s->err, sizeof s->err, "%s: cannot read it: %s", s->name, strerror(errno));
		return -1;
	}
	if (s->quit && read_line(r)) {
		fflush(stdout);
		fprintf(stderr, "sluice-ctl: %s:%u: the session ended with quit: the lines from here on were not sent\n",
			s->name, r->line);
	}
	return flush(s);
}

/* ---- main ---------------------------------------------------------------------------- */

static int64_t wall_clock(void)
{
	return (int64_t)time(NULL);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	static struct session s;
	s.o = &o;
	struct reader r = { 0 };
	if (o.script) {
		bool in = !strcmp(o.script, "-");
		s.name = in ? "stdin" : o.script;
		r.f = in ? stdin : fopen(o.script, "r");
		if (!r.f) {
			snprintf(s.err, sizeof s.err, "%s: cannot read it: %s", o.script, strerror(errno));
			return fail(&s);
		}
		if (!in && (check_script(&r, s.name, s.err, sizeof s.err) || fseek(r.f, 0, SEEK_SET))) {
			fclose(r.f);
			free(r.buf);
			return fail(&s);
		}
		r.line = 0;
	}
	struct ctl_keys keys;
	int ret = ctl_keys_load(&keys, o.keys, o.psk, o.psk_file, s.err, sizeof s.err);
	if (!ret && tls_init(s.err, sizeof s.err))
		ret = -1;
	if (!ret) {
		tls_set_wall_clock(wall_clock);
		ret = ctl_conn_open(&s.conn, o.target, &keys, o.server_name, o.timeout_ms, s.err, sizeof s.err);
		if (!ret)
			ret = o.script ? run_script(&s, &r) : run_command(&s);
		ctl_conn_close(&s.conn);
	}
	ctl_keys_free(&keys);
	tls_fini();
	if (r.f && r.f != stdin)
		fclose(r.f);
	free(r.buf);
	free(s.out);
	if (ret)
		return fail(&s);
	return s.any_error ? 1 : 0;
}
