/* sluice-hosted: runs one appliance as a Linux process on libpcap and DPDK ports.
 *
 *   sluice-hosted APP --port SPEC [--port SPEC ...] [options]
 *
 * Ports are numbered in the order given. The process stops on SIGINT/SIGTERM, after
 * --duration seconds or --max-packets received packets, or when every port's receive side
 * has ended (a replayed capture), and then prints its counters. --config FILE gives the
 * app its config; SIGHUP reads the file again and hands it to the app's reload, which
 * swaps it in or refuses it with the error, leaving the running config as it was.
 * SIGUSR1 prints the same counters as the exit does, while the appliance runs on.
 * --clock capture gives the app the replayed captures' time instead of the host's
 * (vnet_pcap.h), so that a replay behaves as the traffic did, at any speed. --keys DIR
 * adds the control socket's credentials (ca.crt, server.crt, server.key, psk) as blobs.
 */
#include "app_life.h"
#include "hosted_mem.h"
#include "hosted_plat.h"
#include "ports.h"
#include "vnet_pcap.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_POOL 8192

struct options {
	const char *app;
	const char *specs[PKT_MAX_PORTS];
	unsigned n_ports;
	const char *eal;
	const char *opts;
	const char *config;
	const char *keys;          /* --keys DIR: the control socket's credentials */
	const char *log_pcap;
	const char *mgmt_port;     /* --mgmt-port SPEC: the management port */
	const char *mgmt;          /* --mgmt ADDRS: its addresses (default dhcp) */
	uint16_t metrics_port;
	uint64_t max_pkts;
	double duration;
	uint32_t pool_size;
	bool quiet;
	bool capture_clock;
};

static volatile sig_atomic_t stop_flag, reload_flag, stats_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_flag = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	stats_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-hosted APP --port SPEC [--port SPEC ...] [options]\n"
		"\n"
		"Runs the appliance APP as a Linux process; ports are numbered in the order given.\n"
		"\n"
		"SPEC:\n"
		"  pcap:rx=FILE[,tx=FILE]   read frames from a capture (pcap or pcapng, Ethernet);\n"
		"                           the app stops at the end of the capture\n"
		"  pcap:tx=FILE             write the frames sent on this port to a capture\n"
		"  sock:bind=ADDR,peer=ADDR one frame per datagram, as QEMU's dgram netdev;\n"
		"                           ADDR is a Unix socket path or HOST:PORT (UDP)\n"
		"  afpacket:iface=NAME[,frames=N][,qdisc_bypass=0|1]\n"
		"                           a Linux interface (a veth, a tap) through an\n"
		"                           AF_PACKET ring: fragments kept, the kernel's\n"
		"                           checksum state used (root)\n"
		"  dpdk:DEVARGS             any DPDK device: a vdev (net_pcap0,rx_pcap=F,\n"
		"                           net_memif0, net_tap0, ...) or a PCI address;\n"
		"                           not net_af_packet (use afpacket:)\n"
		"\n"
		"options:\n"
		"  --eal ARGS         EAL arguments replacing the defaults\n"
		"                     (--no-huge -m 512 --no-pci --no-telemetry\n"
		"                     --file-prefix=sluice-PID)\n"
		"  --opts STRING      the app's options\n"
		"  --config FILE      the app's config (fw: its ruleset); SIGHUP reloads it\n"
		"                     (SIGUSR1 prints the counters at any time)\n"
		"  --keys DIR         the control socket's credentials, blobs after the config:\n"
		"                     DIR/ca.crt (checks clients), DIR/server.crt and\n"
		"                     DIR/server.key (all three or none), DIR/psk if there;\n"
		"                     httpd's HTTPS: DIR/https.crt and DIR/https.key\n"
		"  --log-pcap FILE    at exit, write the frames the app kept to a capture\n"
		"                     (fw: the last 64 logged, their first 128 bytes)\n"
		"  --max-packets N    stop after N received packets\n"
		"  --duration SEC     stop after SEC seconds and print the packet rate\n"
		"  --pool N           packet buffers in the pool (default %d)\n"
		"  --clock host|capture  the app's time: the host's monotonic clock (default),\n"
		"                     or the replayed captures' timestamps (every port pcap:)\n"
		"  --mgmt-port SPEC   a management port (any SPEC above, e.g. dpdk:net_tap0,iface=mg0\n"
		"                     or afpacket:iface=veth1): the appliance's own stack (lwIP)\n"
		"                     answers there (ARP/ND, ping, the metrics page); not an app port\n"
		"  --mgmt ADDRS       its addresses: dhcp (default), or ip=A.B.C.D/N[,gw=A.B.C.D]\n"
		"                     [,ip6=ADDR/64][,gw6=ADDR][,slaac][,mtu=N]; without\n"
		"                     --mgmt-port, port=N,ADDRS puts them in-band on app port N\n"
		"  --metrics-port N   TCP port of GET /metrics on the management port (default 9100)\n"
		"  --quiet            print only errors and the summary line\n"
		"  -h, --help         this text\n"
		"\napps:\n",
		DEFAULT_POOL);
	for (unsigned i = 0; app_registry[i]; i++)
		fprintf(f, "  %-10s %s\n", app_registry[i]->name, app_registry[i]->summary);
}

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "sluice-hosted: %s%s%s%s (see --help)\n", msg, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "");
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--port") || !strcmp(a, "--eal") || !strcmp(a, "--opts") || !strcmp(a, "--config") || !strcmp(a, "--keys") || !strcmp(a, "--log-pcap") ||
			     !strcmp(a, "--max-packets") || !strcmp(a, "--duration") || !strcmp(a, "--pool") ||
			     !strcmp(a, "--clock") || !strcmp(a, "--mgmt-port") || !strcmp(a, "--mgmt") ||
			     !strcmp(a, "--metrics-port");
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (takes && !v)
			return bad("option needs a value:", a);
		if (!strcmp(a, "--port")) {
			if (o->n_ports == PKT_MAX_PORTS)
				return bad("too many ports (at most 8):", v);
			const char *why = hosted_port_spec_check(v);
			if (why) {
				char msg[160];
				snprintf(msg, sizeof(msg), "--port: %s", why);
				return bad(msg, v);
			}
			o->specs[o->n_ports++] = v;
		} else if (!strcmp(a, "--mgmt-port")) {
			const char *why = hosted_port_spec_check(v);
			if (why) {
				char msg[160];
				snprintf(msg, sizeof(msg), "--mgmt-port: %s", why);
				return bad(msg, v);
			}
			o->mgmt_port = v;
		} else if (!strcmp(a, "--mgmt")) {
			o->mgmt = v;
		} else if (!strcmp(a, "--metrics-port")) {
			uint64_t n;
			if (parse_u64(v, &n) || !n || n > 65535)
				return bad("--metrics-port: expected a TCP port from 1 to 65535, got", v);
			o->metrics_port = (uint16_t)n;
		} else if (!strcmp(a, "--eal")) {
			o->eal = v;
		} else if (!strcmp(a, "--opts")) {
			o->opts = v;
		} else if (!strcmp(a, "--config")) {
			o->config = v;
		} else if (!strcmp(a, "--keys")) {
			o->keys = v;
		} else if (!strcmp(a, "--log-pcap")) {
			o->log_pcap = v;
		} else if (!strcmp(a, "--max-packets")) {
			if (parse_u64(v, &o->max_pkts) || !o->max_pkts)
				return bad("--max-packets: expected a positive whole number, got", v);
		} else if (!strcmp(a, "--duration")) {
			char *end;
			o->duration = strtod(v, &end);
			if (end == v || *end || !(o->duration > 0) || o->duration > 86400 * 365)
				return bad("--duration: expected seconds > 0, got", v);
		} else if (!strcmp(a, "--pool")) {
			uint64_t n;
			if (parse_u64(v, &n) || n < 2 * PKT_BURST || n > (1u << 24))
				return bad("--pool: expected a number of buffers from 64 to 16777216, got", v);
			o->pool_size = (uint32_t)n;
		} else if (!strcmp(a, "--clock")) {
			if (strcmp(v, "host") && strcmp(v, "capture"))
				return bad("--clock: expected host or capture, got", v);
			o->capture_clock = !strcmp(v, "capture");
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			continue;
		} else if (a[0] == '-') {
			return bad("unknown option", a);
		} else if (!o->app) {
			o->app = a;
			continue;
		} else {
			return bad("unexpected argument", a);
		}
		i++;
	}
	if (!o->app)
		return bad("no app named", NULL);
	unsigned inband_port;
	const char *rest;
	if ((o->mgmt || o->metrics_port) && !o->mgmt_port && !(o->mgmt && mg_addr_inband(o->mgmt, &inband_port, &rest)))
		return bad("--mgmt and --metrics-port go with --mgmt-port SPEC, or --mgmt port=N,... (in-band on port N)", NULL);
	if (o->mgmt_port && o->mgmt && mg_addr_inband(o->mgmt, &inband_port, &rest))
		return bad("--mgmt port=N (in-band) and --mgmt-port (a dedicated port) exclude each other:", o->mgmt);
	if (o->mgmt_port && o->n_ports == PKT_MAX_PORTS)
		return bad("too many ports with the management port (at most 8 in all)", o->mgmt_port);
	for (unsigned i = 0; o->capture_clock && i < o->n_ports; i++)
		if (strncmp(o->specs[i], "pcap:", 5))
			return bad("--clock capture: every port must be a pcap: port, got", o->specs[i]);
	return 0;
}

static void print_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The whole file, NUL-terminated; NULL with the reason in err. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		char *more = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);
		if (!more) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = more;
		cap *= 2;
	}
	int bad_read = ferror(f);
	fclose(f);
	if (!buf || bad_read) {
		snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "too large (over 64 MiB) or out of memory");
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* --keys DIR: the credentials there, as blobs named DIR/FILE (plat_blob_credential()),
 * after the config. The CA and the server's certificate and key come together or not at
 * all; the PSK may come alone; a web server's https.crt and https.key together. keys[] holds what was read (free()d by the caller). */
#define N_KEY_FILES 6
static int load_keys(const char *dir, char *keys[2 * N_KEY_FILES], char *err, size_t errlen)
{
	static const char *const files[N_KEY_FILES] = { "ca.crt", "server.crt", "server.key", "psk", "https.crt",
							"https.key" };
	struct stat st;
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "%.300s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%.300s: not a directory", dir);
		return -1;
	}
	char path[4096];
	bool have[N_KEY_FILES];
	unsigned n = 0;
	for (unsigned i = 0; i < N_KEY_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		have[i] = access(path, F_OK) == 0;
		n += have[i];
	}
	if (!n) {
		snprintf(err, errlen, "%.300s holds none of ca.crt, server.crt, server.key, psk, https.crt, https.key", dir);
		return -1;
	}
	if ((have[0] || have[1] || have[2]) && !(have[0] && have[1] && have[2])) {
		snprintf(err, errlen, "%.300s: ca.crt, server.crt and server.key go together; %s%s%smissing", dir,
			 have[0] ? "" : "ca.crt ", have[1] ? "" : "server.crt ", have[2] ? "" : "server.key ");
		return -1;
	}
	if (have[4] != have[5]) {
		snprintf(err, errlen, "%.300s: https.crt and https.key go together; %s missing", dir,
			 have[4] ? "https.key" : "https.crt");
		return -1;
	}
	for (unsigned i = 0; i < N_KEY_FILES; i++) {
		if (!have[i])
			continue;
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		char *name = keys[2 * i] = strdup(path);
		char *data = keys[2 * i + 1] = name ? read_file(path, &len, err, errlen) : NULL;
		if (!name)
			snprintf(err, errlen, "out of memory");
		if (!data || hosted_plat_add_blob(name, data, len) != 0) {
			if (data)
				snprintf(err, errlen, "%.300s: too many blobs", path);
			return -1;
		}
	}
	return 0;
}

static void print_port_stats(struct vnet_port *const *ports, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct vnet_stats s;
		vnet_stats(ports[i], &s);
		printf("device %u (%s): rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64 " pkts %" PRIu64
		       " bytes, rx_nobuf %" PRIu64 " rx_errors %" PRIu64 " rx_truncated %" PRIu64 " rx_too_long %" PRIu64 " tx_errors %" PRIu64 "\n",
		       i, ports[i]->ops->kind, s.rx_pkts, s.rx_bytes, s.tx_pkts, s.tx_bytes, s.rx_nobuf, s.rx_errors,
		       s.rx_truncated, s.rx_too_long, s.tx_errors);
	}
}

/* The platform's hook, once a millisecond: a reload after SIGHUP, the counters after
 * SIGUSR1. */
struct hosted_poll {
	struct app_life *life;
	const char *config;
	struct hosted_ports *hp;
};

static void print_devices(void *arg)
{
	const struct hosted_poll *hp = arg;
	print_port_stats(hp->hp->port, hp->hp->n);
	char line[256];
	hosted_ports_describe_pool(hp->hp, line, sizeof(line));
	printf("%s\n", line);
}

/* The pipeline's counters, the devices', the pool and the app's own, on stdout. */
static void print_counters(struct hosted_poll *hp)
{
	app_life_report(hp->life, print_line, stdout, print_devices, hp);
}

static void hosted_poll(void *arg)
{
	struct hosted_poll *hp = arg;
	if (reload_flag) {
		reload_flag = 0;
		char err[512];
		size_t len;
		char *text = hp->config ? read_file(hp->config, &len, err, sizeof(err)) : NULL;
		if (!hp->config) {
			fprintf(stderr, "sluice-hosted: SIGHUP: no --config to reload\n");
		} else if (!text) {
			fprintf(stderr, "sluice-hosted: reload refused, still running the previous config: %s\n", err);
		} else {
			struct plat_blob b = { .name = hp->config, .data = text, .len = len };
			app_life_reload(hp->life, &b, err, sizeof(err));
		}
		free(text);
	}
	if (stats_flag) {
		stats_flag = 0;
		printf("sluice-hosted: counters (SIGUSR1)\n");
		print_counters(hp);
		printf("sluice-hosted: end of counters\n");
		fflush(stdout);
	}
}

/* --log-pcap: the frames the app kept, with wall-clock times (the app's are monotonic,
 * unless they are the captures' own) */
struct capture_out {
	pcap_dumper_t *d;
	int64_t wall_minus_mono_ms;
	unsigned frames;
};

static void capture_frame(void *arg, uint64_t time_ms, const uint8_t *data, uint16_t caplen, uint16_t len)
{
	struct capture_out *c = arg;
	int64_t t = (int64_t)time_ms + c->wall_minus_mono_ms;
	struct pcap_pkthdr h = { .ts = { .tv_sec = (time_t)(t / 1000), .tv_usec = (suseconds_t)(t % 1000 * 1000) },
				 .caplen = caplen, .len = len };
	pcap_dump((u_char *)c->d, &h, data);
	c->frames++;
}

static int write_capture(const struct app_def *app, void *state, const char *path, bool capture_clock)
{
	if (!app->capture) {
		fprintf(stderr, "sluice-hosted: --log-pcap: %s keeps no frames\n", app->name);
		return -1;
	}
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
	if (!d) {
		fprintf(stderr, "sluice-hosted: --log-pcap: %s: %s\n", path, dead ? pcap_geterr(dead) : "out of memory");
		if (dead)
			pcap_close(dead);
		return -1;
	}
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	struct capture_out c = { .d = d };
	if (!capture_clock)     /* else the app's times are the captures' own */
		c.wall_minus_mono_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000 - (int64_t)clock_ms();
	app->capture(state, capture_frame, &c);
	pcap_dump_close(d);
	pcap_close(dead);
	printf("%s: %u kept frames written to %s\n", app->name, c.frames, path);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .pool_size = DEFAULT_POOL, .opts = "" };
	char err[512] = "";
	hosted_mem_init();
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	const struct app_def *app = app_find(o.app);
	if (!app)
		return bad("no such app", o.app);
	if (o.n_ports < app->min_ports || o.n_ports > app->max_ports) {
		fprintf(stderr, "sluice-hosted: %s takes %u to %u ports, got %u\n", app->name, app->min_ports,
			app->max_ports, o.n_ports);
		return 2;
	}

	struct hosted_ports hp;
	const char *specs[PKT_MAX_PORTS];
	memcpy(specs, o.specs, sizeof(specs));
	if (o.mgmt_port)
		specs[o.n_ports] = o.mgmt_port;     /* opened last; the app never sees it */
	if (hosted_ports_open(&hp, specs, o.n_ports + (o.mgmt_port != NULL), o.eal, o.pool_size, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-hosted: %s\n", err);
		return 1;
	}
	if (o.capture_clock && !vnet_pcap_use_capture_clock()) {
		fprintf(stderr, "sluice-hosted: --clock capture: no port reads a capture (pcap:rx=FILE)\n");
		hosted_ports_close(&hp);
		return 2;
	}
	if (o.capture_clock)
		hosted_plat_set_clock_ms(vnet_pcap_clock_ms);
	static struct app_life life; /* large (the worker's queues and counters): one per process */
	struct app_life_conf conf = { .app = app, .n_ports = (uint16_t)o.n_ports, .pool = hp.pool, .opts = o.opts,
				      .who = "sluice-hosted" };
	for (unsigned i = 0; i < o.n_ports; i++)
		conf.ports[i] = hp.port[i];
	if (o.mgmt_port) {
		struct vnet_port *m = hp.port[o.n_ports];
		snprintf(m->name, sizeof(m->name), "mgmt");
		conf.mgmt = (struct mg_conf){ .on = true, .port = m, .addr = o.mgmt, .metrics_port = o.metrics_port };
	} else if (o.mgmt) {   /* in-band: port=N,... */
		conf.mgmt = (struct mg_conf){ .on = true, .addr = o.mgmt, .metrics_port = o.metrics_port };
	}
	rc = 0;
	char *config = NULL;
	if (o.config && !(config = read_file(o.config, &conf.config.len, err, sizeof(err)))) {
		fprintf(stderr, "sluice-hosted: --config: %s\n", err);
		rc = 2;
	} else if (!o.config && app->needs_config) {
		fprintf(stderr, "sluice-hosted: %s needs --config FILE\n", app->name);
		rc = 2;
	} else if (o.config) {
		conf.has_config = true;
		conf.config.name = o.config;
		conf.config.data = config;
		hosted_plat_add_blob(o.config, config, conf.config.len);
	}
	char *keys[2 * N_KEY_FILES] = { 0 };
	if (rc == 0 && o.keys && load_keys(o.keys, keys, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-hosted: --keys: %s\n", err);
		rc = 2;
	} else if (rc == 0 && o.keys && !o.quiet) {
		struct plat_blob b;
		fprintf(stderr, "sluice-hosted: credentials:");
		for (unsigned i = 0; plat_config(i, &b); i++)
			if (plat_blob_credential(b.name))
				fprintf(stderr, " %s (%zu bytes)", b.name, b.len);
		fprintf(stderr, "\n");
	}
	if (rc == 0 && app_life_setup(&life, &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-hosted: %s\n", err);
		rc = 2;
	}
	if (rc == 0) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_hup);
		signal(SIGUSR1, on_usr1);
		if (o.duration > 0) {
			struct itimerval it = { .it_value = { .tv_sec = (time_t)o.duration,
							      .tv_usec = (suseconds_t)((o.duration - (double)(time_t)o.duration) * 1e6) } };
			signal(SIGALRM, on_signal);
			setitimer(ITIMER_REAL, &it, NULL);
		}
		struct hosted_poll hpoll = { .life = &life, .config = o.config, .hp = &hp };
		double t0 = now_s();
		uint64_t rx = app_life_run(&life, &stop_flag, o.max_pkts, hosted_poll, &hpoll);
		double dt = now_s() - t0;
		uint64_t tx = app_life_tx_pkts(&life);
		app_life_finish(&life);     /* the last log lines */
		if (!o.quiet)
			print_counters(&hpoll);
		printf("%s: %" PRIu64 " packets in, %" PRIu64 " out, %" PRIu64 " dropped in %.3f s (%.3f Mpps out)\n",
		       app->name, rx, tx, pkt_counters_drops(&life.pipe, &life.w.cnt), dt, dt > 0 ? (double)tx / dt / 1e6 : 0.0);
		if (o.log_pcap && write_capture(app, life.state, o.log_pcap, o.capture_clock))
			rc = 1;
	}
	app_life_teardown(&life);
	free(config);
	for (unsigned i = 0; i < 2 * N_KEY_FILES; i++)
		free(keys[i]);
	/* every buffer back: the app's, the host stack's (a native pool knows), once the ports
	 * have given back the ones they keep ready for receiving (sock: a burst each) */
	for (unsigned i = 0; i < hp.n; i++)
		vnet_close(hp.port[i]);
	hp.n = 0;
	if (!hp.dpdk && hp.pool && hp.pool->avail != hp.pool->size) {
		fprintf(stderr, "sluice-hosted: %u of %u packet buffers not back in the pool at exit\n",
			hp.pool->size - hp.pool->avail, hp.pool->size);
		rc = rc ? rc : 1;
	}
	hosted_ports_close(&hp);
	return rc;
}
