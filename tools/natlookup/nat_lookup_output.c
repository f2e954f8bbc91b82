/* nat_lookup_output.c - nat-lookup's answers printed: one line of text each ("WHAT PROTO:
 * WHO (how it is known)") or one JSON object each, the answers worth printing chosen and
 * merged, and the exit status they make; times as ISO 8601, addresses dotted. */
#include "nat_lookup.h"

#include <stdio.h>
#include <string.h>

/* ---- times and addresses ---------------------------------------------------------------- */

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* "2024-05-01T12:00:00Z" (".250" when there are milliseconds) */
const char *iso(int64_t ms, char buf[40])
{
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t rem = ms - s * 1000, days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400), sod = s - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int n = snprintf(buf, 40, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d, (int)(sod / 3600),
			 (int)(sod / 60 % 60), (int)(sod % 60));
	if (rem)
		snprintf(buf + n, (size_t)(40 - n), ".%03d", (int)rem);
	strcat(buf, "Z");
	return buf;
}

const char *ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* ---- answers ---------------------------------------------------------------------------- */

static const char *const kind_name[] = { "none", "deterministic", "forward", "log", "dynamic" };

static bool same(const struct answer *a, const struct answer *b)
{
	return a->kind == b->kind && a->out == b->out && a->out_port == b->out_port && a->has_in == b->has_in &&
	       a->in == b->in && a->in_port == b->in_port && a->rule == b->rule && a->has_block == b->has_block &&
	       a->blk_lo == b->blk_lo && a->blk_hi == b->blk_hi && a->exact == b->exact &&
	       a->has_mapped == b->has_mapped && a->mapped_ms == b->mapped_ms && a->log_line == b->log_line &&
	       !strcmp(a->note, b->note);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_answer(const struct answer *a)
{
	char o[16], i[16], t[40], rule[600] = "";
	if (a->rule)
		snprintf(rule, sizeof(rule), "%s:%u", conf_file, a->rule->line);
	const char *proto = a->proto < 0 ? "any" : proto_name[a->proto];
	if (json) {
		printf("{\"outside\":");
		if (a->out_port >= 0)
			printf("\"%s:%d\"", ip_str(a->out, o), a->out_port);
		else if (a->kind == K_DET)
			printf("\"%s\"", ip_str(a->out, o));
		else
			printf("null");
		printf(",\"inside\":");
		if (a->has_in)
			printf("\"%s\"", ip_str(a->in, i));
		else
			printf("null");
		printf(",\"proto\":\"%s\",\"rule\":", proto);
		if (a->rule)
			json_str(rule);
		else
			printf("null");
		printf(",\"block\":");
		if (a->has_block)
			printf("\"%u-%u\"", a->blk_lo, a->blk_hi);
		else
			printf("null");
		printf(",\"exact\":%s,\"kind\":\"%s\"", a->exact ? "true" : "false", kind_name[a->kind]);
		if (a->has_in && a->in_port >= 0)
			printf(",\"inside_port\":%d", a->in_port);
		if (a->has_mapped)
			printf(",\"mapped\":\"%s\"", iso(a->mapped_ms, t));
		if (a->log_line) {
			char where[600];
			snprintf(where, sizeof(where), "%s:%u", log_file, a->log_line);
			printf(",\"log\":");
			json_str(where);
		}
		if (have_at)
			printf(",\"at\":\"%s\"", iso(at_ms, t));
		if (a->note[0]) {
			printf(",\"note\":");
			json_str(a->note);
		}
		printf("}\n");
		return;
	}
	/* text: "WHAT PROTO: WHO (how it is known)" */
	if (by_inside)
		printf("%s %s: ", ip_str(a->in, i), proto);
	else
		printf("%s:%d %s: ", ip_str(a->out, o), a->out_port, proto);
	switch (a->kind) {
	case K_DET:
		if (by_inside)
			printf("%s ports %u-%u (deterministic block, rule %s; exact, from the config alone)", ip_str(a->out, o),
			       a->blk_lo, a->blk_hi, rule);
		else
			printf("%s (deterministic block %u-%u of %s, rule %s; exact, from the config alone)", ip_str(a->in, i),
			       a->blk_lo, a->blk_hi, ip_str(a->out, o), rule);
		break;
	case K_FORWARD:
		printf("%s", ip_str(a->in, i));
		if (a->in_port >= 0)
			printf(":%d", a->in_port);
		printf(" (port forward, rule %s; exact, from the config alone)", rule);
		break;
	case K_LOG:
		if (by_inside)
			printf("%s:%d -> %s:%d", ip_str(a->in, i), a->in_port, ip_str(a->out, o), a->out_port);
		else
			printf("%s:%d", ip_str(a->in, i), a->in_port);
		printf(" (mapped");
		if (a->has_mapped)
			printf(" at %s", iso(a->mapped_ms, t));
		printf(", %s:%u", log_file, a->log_line);
		if (a->rule)
			printf("; dynamic pool of rule %s", rule);
		printf(")");
		break;
	case K_DYNAMIC:
		printf("cannot tell");
		break;
	case K_NONE:
		printf("nobody");
		break;
	}
	if (a->note[0]) {
		bool why = a->kind == K_NONE || a->kind == K_DYNAMIC;
		printf("%s%s%s", why ? " (" : "; ", a->note, why ? ")" : "");
	}
	putchar('\n');
}

/* Prints the answers worth printing: the ones found, else the ones that cannot tell, else
 * the first nobody. With merge (one answer per protocol, all three asked), three alike but
 * for their protocol are one, "any". Returns the exit status. */
int report(struct answer *ans, unsigned n, bool merge)
{
	bool found = false, unknown = false;
	for (unsigned k = 0; k < n; k++) {
		found |= ans[k].kind == K_DET || ans[k].kind == K_FORWARD || ans[k].kind == K_LOG;
		unknown |= ans[k].kind == K_DYNAMIC;
	}
	if (merge && n == NAT_PROTO__COUNT) {
		bool alike = true;
		for (unsigned k = 1; k < n && alike; k++) {
			struct answer x = ans[k];
			x.proto = ans[0].proto;
			alike = same(&x, &ans[0]);
		}
		if (alike) {
			ans[0].proto = -1;
			n = 1;
		}
	}
	for (unsigned k = 0; k < n; k++) {
		bool keep = found ? ans[k].kind != K_NONE && ans[k].kind != K_DYNAMIC
			    : unknown ? ans[k].kind == K_DYNAMIC : true;
		if (!keep)
			continue;
		print_answer(&ans[k]);
		if (!found && !unknown)
			break;          /* nobody: one line says it */
	}
	if (have_at && !json)
		printf("note: answered from %s, which must be the config in force at %s (nat-lookup cannot tell)\n",
		       conf_file, iso(at_ms, (char[40]){ 0 }));
	return found ? 0 : unknown ? EXIT_UNKNOWN : EXIT_NOBODY;
}
