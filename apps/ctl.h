/* ctl.h - the control protocol (docs/CONTROL.md): what an operator types to a running
 * appliance, and what it answers. Line-oriented, readable at a terminal:
 *
 *   ping                      ok pong
 *   stats                     the appliance's counters
 *   load [NAME]               a whole config in the rule language, up to a line ".",
 *                             as one transaction (nft -f): in force or nothing
 *   begin [NAME] ... commit   incremental commands of the app's namespace ("fw add rule
 *   begin ... abort           forward tcp dport 22 accept"), applied together or not at all
 *   show WHAT [ARGS]          rules, counters, connections, interfaces, config, ...
 *   --json COMMAND            the same answer as one JSON document, for scripts (nft -j)
 *   help, quit
 *
 * An answer is a status line that starts with "ok" or "error" (with the position and the
 * reason: "rules:12:7: unknown set 'blocked'"), then its body lines, never empty, then
 * one empty line. Positions: NAME:LINE:COL in a load's text (line 1 is the line after
 * "load"), ctl:LINE:COL for a command (line 1 is the session's first line).
 *
 * A session is transport-free: the TLS server (mgmt_ctl.c) feeds it the bytes it
 * decrypts and sends what it answers; the tests feed it text. Each app registers its
 * command namespace (struct ctl_ns, app_def.ctl): "fw" now. A transaction works on a copy
 * of the app's running config held as a document (its own representation: rules with
 * handles, sets with elements), renders the copy as config text when committed, and the
 * life cycle's reload (app_life_reload) parses, compiles and checks all of it before it
 * swaps it in between bursts; any error leaves the running config as it was.
 *
 * Limits, each answered with an error that names it: CTL_LINE_MAX bytes a line (the rest
 * of a longer line is skipped), CTL_TXN_MAX bytes a transaction (a load's text, or a
 * begin's commands), CTL_TXN_TOTAL across all sessions, CTL_ANSWER_MAX bytes an answer.
 */
#ifndef SLUICE_CTL_H
#define SLUICE_CTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_LINE_MAX 65536               /* bytes of one line, its newline included */
#define CTL_TXN_MAX (16u << 20)          /* bytes of one transaction */
#define CTL_TXN_TOTAL (32u << 20)        /* bytes held by the transactions of all sessions */
#define CTL_ANSWER_MAX (8u << 20)        /* bytes of one answer's body */
#define CTL_ARGS_MAX 4096                /* words of one command */
#define CTL_STATUS_MAX 1024              /* bytes of a status line */

/* ---- answers ------------------------------------------------------------------------- */

/* One answer being written: the status (ctl_ok or ctl_error, the last call wins) and the
 * body. In JSON mode (json) the body is one JSON document the command writes with
 * ctl_printf and ctl_json_str. */
struct ctl_out {
	bool json;
	bool error;                          /* the status is an error */
	bool over;                           /* the body outgrew CTL_ANSWER_MAX: cut, and an error */
	char status[CTL_STATUS_MAX];         /* without "ok"/"error" and its space */
	char *body;
	size_t len, cap;
};

void ctl_ok(struct ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_error(struct ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends to the body as is: text lines end with "\n" and are never empty. */
void ctl_printf(struct ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_vprintf(struct ctl_out *o, const char *fmt, va_list ap);
void ctl_write(struct ctl_out *o, const char *s, size_t n);
/* s as a JSON string: quoted, with '"', '\\' and control bytes escaped. */
void ctl_json_str(struct ctl_out *o, const char *s);

/* ---- an app's namespace -------------------------------------------------------------- */

/* Where a command came from, for its errors: "ctl:12" (+ the column the namespace adds). */
struct ctl_where {
	const char *name;
	unsigned line;
};

/* The column (1-based) of argv[i] in its line: the namespace's errors point at a word. */
struct ctl_args {
	int argc;
	char **argv;
	const unsigned *col;
	const char *line;                     /* the whole line as it came: a word's raw text and what
	                                         follows it is at line + col[i] - 1 */
	unsigned lineno;                      /* its line in the session: errors say ctl:LINENO:COL */
};

/* The app's side, called with the app's state (app_life.state). A transaction's copy
 * (txn) belongs to one session until it is adopted or freed. */
struct ctl_ns {
	const char *name;                     /* the first word of its commands: "fw" */
	/* Lines of help, one per command, each ending "\n". */
	const char *help;
	/* A copy of the running document to change; NULL (no memory). */
	void *(*txn_begin)(void *app);
	void (*txn_free)(void *txn);
	/* One incremental command ("add rule forward tcp dport 22 accept": a argv[0] of
	 * "add"), applied to the copy; -1 with ctl_error(o, "ctl:LINE:COL: why") and the copy
	 * unchanged. May answer with ok and a body (the handle it gave). */
	int (*txn_cmd)(void *txn, const struct ctl_args *a, const struct ctl_where *w, struct ctl_out *o);
	/* What the copy changes, one short line for the audit: "+2 rules -1 rule, +3 elements". */
	void (*txn_summary)(void *txn, char *buf, size_t len);
	/* The copy as config text, named name, in a buffer of the callee's (valid until the
	 * next call or txn_free). -1: no memory. */
	int (*txn_render)(void *txn, const char *name, const char **text, size_t *len);
	/* An error the reload gave at line:col of the rendered text: where it is in terms the
	 * operator knows ("ctl:14:22", "rule handle 7 of chain forward"). */
	void (*txn_where)(void *txn, unsigned line, unsigned col, char *buf, size_t len);
	/* After the rendered text was reloaded: the copy is the running document (its handles
	 * kept); the callee takes txn. */
	void (*txn_adopt)(void *app, void *txn);
	/* show WHAT ...: rules, counters, connections, interfaces, config, ... ; -1 with an
	 * error when it does not know argv[0]. */
	int (*show)(void *app, const struct ctl_args *a, struct ctl_out *o);
	/* What show knows, for help and errors: "rules|counters|connections|interfaces|config". */
	const char *shows;
};

/* ---- a session ----------------------------------------------------------------------- */

/* What a session works on: the running app and the life cycle's services. */
struct ctl_host {
	const char *app_name;                 /* "fw" */
	const struct ctl_ns *ns;              /* NULL: the app takes no commands */
	void *app;                            /* its state */
	/* Reload with a whole config text: 0, or -1 with "NAME:LINE:COL: why" in err. */
	int (*reload)(void *arg, const char *name, const char *text, size_t len, char *err, size_t errlen);
	/* Or (when set, instead) the same in two steps, the slow half away from the poll loop
	 * (app_life_reload_start): start returns 0 when it began, 1 while another session's
	 * commit is being built (the session tries again at its next poll); poll returns 1
	 * while it builds, then 0 or -1 with err, once. The text stays until then. */
	int (*reload_start)(void *arg, const char *name, const char *text, size_t len);
	int (*reload_poll)(void *arg, char *err, size_t errlen);
	/* stats: the appliance's counters (the body of the answer). */
	void (*stats)(void *arg, struct ctl_out *o);
	/* show interfaces: the ports; the app's own view follows when its show knows it. */
	void (*interfaces)(void *arg, struct ctl_out *o);
	/* Every commit (load, commit, an implicit one), done or refused: the audit. */
	void (*audit)(void *arg, const char *who, const char *what, bool ok, const char *why);
	void *arg;
};

struct ctl_session;

/* A session for a peer named who (the client certificate's subject, the PSK identity:
 * in the audit lines). NULL: no memory. */
struct ctl_session *ctl_session_new(const struct ctl_host *h, const char *who);
/* Takes bytes from the peer; returns how many it took, which is fewer than len while an
 * answer waits to be sent (ctl_session_output): read no more from the peer until it is
 * (the peer's window closes, and memory stays bounded). */
size_t ctl_session_input(struct ctl_session *s, const char *data, size_t len);
/* What to send now: *len bytes at the returned address (0: nothing). */
const char *ctl_session_output(struct ctl_session *s, size_t *len);
/* n bytes of the output were sent. */
void ctl_session_sent(struct ctl_session *s, size_t n);
/* A commit being built (ctl_host.reload_start) is finished here once it is: call it
 * between bursts, about once a millisecond; its answer then waits in the output. While a
 * commit is pending the session reads nothing more. */
void ctl_session_poll(struct ctl_session *s);

/* The peer asked to quit (or the session must end) and everything is sent. */
bool ctl_session_done(const struct ctl_session *s);
/* Ends the session: an open transaction is aborted (and audited as such). */
void ctl_session_free(struct ctl_session *s);

/* Counters of all sessions, for stats and the metrics. */
struct ctl_counters {
	uint64_t commands, errors;            /* lines answered; of them, with an error */
	uint64_t commits, commit_failures;    /* loads and commits in force; refused */
	uint64_t aborts;                      /* transactions aborted (abort, or the session ended) */
	uint64_t lines_too_long, txn_too_big;
	uint64_t txn_bytes;                   /* held now, all sessions */
	uint64_t last_commit_ns;              /* how long the last commit took, reload included */
};
extern struct ctl_counters ctl_counters;

#endif
