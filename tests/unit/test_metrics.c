/* The metrics page (apps/metrics.h, app_life_metrics): written in chunks of any size, it
 * is the same page as written whole; every line is a HELP, a TYPE or a sample of the
 * family announced before it; label values are escaped; a 10,000-rule firewall's rules
 * are all there and a chunk never ends mid-line. */
#include "app_life.h"
#include "check_run.h"
#include "metrics.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t no_rx(struct vnet_port *p, struct pkt_buf **pkts, uint16_t n)
{
	(void)p, (void)pkts, (void)n;
	return 0;
}

static uint16_t drop_tx(struct vnet_port *p, struct pkt_buf **pkts, uint16_t n)
{
	(void)p;
	pkt_free_burst(pkts, n);
	return n;
}

static void stats(struct vnet_port *p, struct vnet_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->rx_pkts = p->id + 7;
}

static void link_up(struct vnet_port *p, struct vnet_link *out)
{
	(void)p;
	out->up = true;
	out->speed_mbps = 0;
}

static void no_close(struct vnet_port *p) { (void)p; }

static const struct vnet_ops test_ops = { "test", stats, link_up, no_close };

static struct vnet_port ports[2];
static struct app_life life;
static struct pkt_pool *pool;

static void fw_up(unsigned n_rules)
{
	size_t cap = 256 + (size_t)n_rules * 48;
	char *rules = malloc(cap);
	size_t len = (size_t)snprintf(rules, cap, "interface lan\ninterface wan\nchain forward policy drop {\n");
	for (unsigned i = 0; i < n_rules; i++)
		len += (size_t)snprintf(rules + len, cap - len, "  iif lan tcp dport %u counter accept\n", i % 65535 + 1);
	len += (size_t)snprintf(rules + len, cap - len, "}\n");
	pool = pkt_pool_create("test", 256);
	ck_assert_ptr_nonnull(pool);
	struct app_life_conf c = { .app = app_find("fw"), .n_ports = 2, .pool = pool, .has_config = true,
				   .config = { .name = "rules.conf", .data = rules, .len = len } };
	for (unsigned i = 0; i < 2; i++) {
		ports[i] = (struct vnet_port){ .rx_burst = no_rx, .tx_burst = drop_tx, .ops = &test_ops, .id = (uint16_t)i };
		snprintf(ports[i].name, sizeof(ports[i].name), i ? "wan\"\\x" : "lan");
		c.ports[i] = &ports[i];
	}
	char err[256];
	ck_assert_msg(app_life_setup(&life, &c, err, sizeof(err)) == 0, "%s", err);
	free(rules);
}

static void fw_down(void)
{
	app_life_teardown(&life);
	pkt_pool_destroy(pool);
}

/* The page in chunks of at most cap bytes; every chunk but the last non-empty. */
static char *page(size_t cap, unsigned *chunks)
{
	size_t total = 0, room = 1 << 20;
	char *all = malloc(room);
	char *buf = malloc(cap);
	uint64_t sent = 0;
	*chunks = 0;
	for (;;) {
		struct mx_out o;
		mx_begin(&o, buf, cap, sent);
		app_life_metrics(&life, &o);
		ck_assert_uint_le(o.len, cap);
		(*chunks)++;
		ck_assert_msg(o.len > 0 || mx_done(&o), "chunk %u of cap %zu made no progress", *chunks, cap);
		if (total + o.len + 1 > room) {
			room *= 2;
			all = realloc(all, room);
		}
		memcpy(all + total, buf, o.len);
		total += o.len;
		sent = mx_sent(&o);
		if (mx_done(&o))
			break;
	}
	all[total] = 0;
	free(buf);
	return all;
}

/* The uptime is the one value that moves between two pages: replaced by "0" (its width
 * changes too, at 10 s under a sanitizer's slowness). */
static void blank_uptime(char *s)
{
	char *p = strstr(s, "\nsluice_uptime_seconds ");
	ck_assert_ptr_nonnull(p);
	p += strlen("\nsluice_uptime_seconds ");
	char *end = strchr(p, '\n');
	ck_assert_ptr_nonnull(end);
	*p = '0';
	memmove(p + 1, end, strlen(end) + 1);
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

START_TEST(chunks_make_the_same_page)
{
	fw_up(10000);
	life.w.cnt.stage_drops[0][0] = 5;     /* one drop reason with a count */
	unsigned n;
	char *whole = page(8u << 20, &n);
	ck_assert_uint_eq(n, 1);
	blank_uptime(whole);
	ck_assert_uint_eq(count(whole, "\nsluice_fw_rule_packets_total{"), 10000);
	ck_assert_uint_eq(count(whole, "\nsluice_fw_rule_bytes_total{"), 10000);
	ck_assert_ptr_nonnull(strstr(whole, "sluice_fw_rule_packets_total{chain=\"forward\",rule=\"9999\",line=\"10003\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(whole, "sluice_port_receive_packets_total{port=\"wan\\\"\\\\x\"} 8\n"));
	ck_assert_ptr_nonnull(strstr(whole, "sluice_build_info{app=\"fw\",version=\""));
	ck_assert_ptr_nonnull(strstr(whole, "sluice_conntrack_entries 0\n"));
	size_t caps[] = { MX_LINE_MAX, 300, 1460, 8192, 65536 };
	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char *chunked = page(caps[i], &n);
		blank_uptime(chunked);
		ck_assert_msg(!strcmp(whole, chunked), "chunks of %zu bytes differ from the whole page", caps[i]);
		ck_assert_uint_gt(n, strlen(whole) / caps[i]);
		free(chunked);
	}
	free(whole);
	fw_down();
}
END_TEST

/* Every line: # HELP name ..., # TYPE name type, or a sample of the family last typed
 * (name, or name{...}, then a space and a number); counters end in _total. */
START_TEST(every_line_well_formed)
{
	fw_up(50);
	unsigned n;
	char *all = page(4096, &n);
	char family[128] = "", type[16] = "";
	unsigned samples = 0, families = 0;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		char name[128];
		if (!strncmp(line, "# HELP ", 7)) {
			ck_assert_int_eq(sscanf(line + 7, "%127s", family), 1);
			ck_assert_msg(!strncmp(family, "sluice_", 7), "%s", line);
			families++;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			ck_assert_int_eq(sscanf(line + 7, "%127s %15s", name, type), 2);
			ck_assert_str_eq(name, family);
			ck_assert_msg(!strcmp(type, "counter") || !strcmp(type, "gauge"), "%s", line);
			size_t k = strlen(name);
			ck_assert_msg(!strcmp(type, "counter") == (k > 6 && !strcmp(name + k - 6, "_total")), "%s", line);
			continue;
		}
		size_t k = strlen(family);
		ck_assert_msg(!strncmp(line, family, k) && (line[k] == ' ' || line[k] == '{'), "%s after %s", line, family);
		const char *sp = strrchr(line, ' ');
		ck_assert_ptr_nonnull(sp);
		char *end;
		strtod(sp + 1, &end);
		ck_assert_msg(*end == 0 && end > sp + 1, "%s", line);
		samples++;
	}
	ck_assert_uint_gt(families, 20);
	ck_assert_uint_gt(samples, 100);
	free(all);
	fw_down();
}
END_TEST

START_TEST(labels_escaped)
{
	char lb[64] = "";
	ck_assert(mx_label(lb, sizeof(lb), "a", "x\"y\\z\nw"));
	ck_assert_str_eq(lb, "a=\"x\\\"y\\\\z\\nw\"");
	ck_assert(mx_label_u(lb, sizeof(lb), "n", 42));
	ck_assert_str_eq(lb, "a=\"x\\\"y\\\\z\\nw\",n=\"42\"");
	char small[12] = "";
	ck_assert(!mx_label(small, sizeof(small), "key", "a long value"));
	ck_assert_str_eq(small, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, chunks_make_the_same_page);
	tcase_add_test(tc, every_line_well_formed);
	tcase_add_test(tc, labels_escaped);
	suite_add_tcase(s, tc);
	return check_run(s);
}
