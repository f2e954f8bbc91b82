/* Running the appliance in the image: the NICs as its ports, handed to the app's life
 * cycle (apps/app_life.h), with the image's own once-a-millisecond work (Ctrl-C on the
 * console, device health) and its device lines in the counters printed on shutdown. */
#include "app_life.h"
#include "kern_run.h"
#include "kern_virtio.h"

#include <string.h>

static struct kern_nic nics[PKT_MAX_PORTS];
static unsigned n_nics;         /* opened: the app's, then the management NIC if any */
static unsigned n_app;          /* the app's NICs */
static struct pkt_pool *pool;
static struct app_life life;

static void print_line(void *arg, const char *line)
{
	(void)arg;
	kern_printf("%s\n", line);
}

unsigned kern_app_open(const struct app_def *app, const struct kern_cmdline *cl)
{
	unsigned found = kern_nics_count();
	unsigned inband_port;
	const char *rest;
	bool inband = mg_addr_inband(cl->mgmt, &inband_port, &rest);
	unsigned mgmt = cl->mgmt[0] && !inband ? 1 : 0;  /* mgmt=: the last NIC is the management NIC */
	if (mgmt && !found) {
		kern_printf("sluice: mgmt= names no NIC: the management NIC is the last virtio-net device, and there is none\n");
		kern_exit(KERN_EXIT_DEVICE);
	}
	if (found > app->max_ports + mgmt) {
		kern_printf("sluice: %s uses %u NICs%s; %u found, the rest stay down\n", app->name, app->max_ports,
			    mgmt ? " and a management NIC" : "", found);
		found = app->max_ports + mgmt;
	}
	if (found) {
		/* both rings of every NIC full, plus a burst in flight per port */
		uint64_t want = (uint64_t)found * 2 * VIRTIO_NET_QUEUE_SIZE + 4 * PKT_BURST;
		uint64_t fits = kern_mem_free() / 2 / (PKT_HEADROOM + PKT_DATAROOM + sizeof(struct pkt_buf) + 8);
		pool = pkt_pool_create("image", (uint32_t)(want < fits ? want : fits));
		if (!pool || pool->size < found * 2 * PKT_BURST) {
			kern_printf("sluice: not enough memory for packet buffers for %u NICs (%llu KiB free)\n", found,
				    (unsigned long long)(kern_mem_free() / 1024));
			kern_exit(KERN_EXIT_DEVICE);
		}
		n_nics = kern_nics_open(pool, nics, found, cl->log);
	}
	n_app = n_nics - (mgmt && n_nics == found ? 1 : 0);
	char err[512];
	struct app_life_conf conf = { .app = app, .n_ports = (uint16_t)n_app, .pool = pool, .opts = cl->opts };
	for (unsigned i = 0; i < n_app; i++)
		conf.ports[i] = nics[i].port;
	if (n_app < n_nics) {
		struct vnet_port *m = nics[n_app].port;
		kern_snprintf(m->name, sizeof(m->name), "mgmt");
		conf.mgmt = (struct mg_conf){ .on = true, .port = m, .addr = cl->mgmt, .metrics_port = cl->metrics_port };
	} else if (inband) {   /* mgmt=port=N,...: on the app's NIC N */
		conf.mgmt = (struct mg_conf){ .on = true, .addr = cl->mgmt, .metrics_port = cl->metrics_port };
	}
	/* the config: the first blob that is not a credential (the first boot module, or the
	   first file of a cpio archive besides ca.crt, server.crt, server.key, psk) */
	conf.has_config = kern_blob((unsigned)kern_blob_config(), &conf.config, NULL);
	if (app->needs_config && !conf.has_config) {
		kern_printf("sluice: %s needs its config as a boot module (qemu -initrd FILE; `sluice run %s --config FILE`)\n",
			    app->name, app->name);
		kern_exit(KERN_EXIT_CMDLINE);
	}
	if (n_app >= app->min_ports && app_life_setup(&life, &conf, err, sizeof(err)) != 0) {
		kern_printf("sluice: %s: %s\n", app->name, err);
		kern_exit(KERN_EXIT_CMDLINE);
	}
	return n_nics;
}

void kern_app_report(void)
{
	for (unsigned i = 0; i < n_nics; i++) {
		struct vnet_port *p = nics[i].port;
		struct vnet_link link;
		vnet_link(p, &link);
		const uint8_t *m = p->mac;
		kern_printf("  %s: virtio-net %s (%s), MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s, queues rx %u tx %u\n",
			    p->name, nics[i].where, nics[i].dev.transport, m[0], m[1], m[2], m[3], m[4], m[5],
			    link.up ? "up" : "down", virtio_net_queue_size(p, false), virtio_net_queue_size(p, true));
	}
}

struct poll_state {
	volatile sig_atomic_t stop;
	int status;
};

/* The image's part of the millisecond's work: the console (Ctrl-C, a reload), device
 * health. */
static void poll_platform(void *arg)
{
	struct poll_state *s = arg;
	const char *data;
	size_t len;
	switch (kern_console_poll(life.w.now_ms, &data, &len)) {
	case KERN_CONSOLE_STOP:
		s->stop = 1;
		break;
	case KERN_CONSOLE_RELOAD: {
		struct plat_blob b = { .name = "console", .data = data, .len = len };
		char err[512];
		app_life_reload(&life, &b, err, sizeof(err));
		kern_console_done(data);
		break;
	}
	case KERN_CONSOLE_NONE:
		break;
	}
	for (unsigned i = 0; i < n_nics; i++) {
		virtio_net_watchdog(nics[i].port);
		const char *e = virtio_net_error(nics[i].port);
		if (e) {
			kern_printf("sluice: %s (%s) stopped: the device broke its %s\n", nics[i].port->name, nics[i].where, e);
			s->status = KERN_EXIT_DEVICE;
			s->stop = 1;
		}
	}
}

static void print_devices(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < n_nics; i++) {
		struct vnet_port *p = nics[i].port;
		struct vnet_stats st;
		struct virtio_net_counters vc;
		vnet_stats(p, &st);
		virtio_net_counters(p, &vc);
		kern_printf("%s (virtio): rx %llu pkts %llu bytes, tx %llu pkts %llu bytes, rx_nobuf %llu rx_errors %llu "
			    "(oversized %llu, runt %llu) tx_errors %llu, kicks rx %llu tx %llu (watchdog %llu), tx ring full %llu\n",
			    p->name, (unsigned long long)st.rx_pkts, (unsigned long long)st.rx_bytes,
			    (unsigned long long)st.tx_pkts, (unsigned long long)st.tx_bytes,
			    (unsigned long long)st.rx_nobuf, (unsigned long long)st.rx_errors,
			    (unsigned long long)vc.rx_oversized, (unsigned long long)vc.rx_runt,
			    (unsigned long long)st.tx_errors, (unsigned long long)vc.rx_kicks,
			    (unsigned long long)vc.tx_kicks, (unsigned long long)vc.tx_watchdog_kicks,
			    (unsigned long long)vc.tx_ring_full);
	}
}

__attribute__((noreturn)) void kern_app_run(const struct app_def *app)
{
	if (n_app < app->min_ports) {
		kern_printf("sluice: %s needs %u NIC(s)%s and found %u: give the VM virtio-net devices "
			    "(-device virtio-net-pci or virtio-net-device, or `sluice run --net`)\n",
			    app->name, app->min_ports, n_app < n_nics ? " besides the management NIC" : "", n_app);
		kern_exit(KERN_EXIT_DEVICE);
	}
	kern_printf("sluice: %s running on %u NIC(s)%s; Ctrl-C stops and prints the counters\n", app->name, n_app,
		    n_app < n_nics ? " and a management NIC" : "");
	struct poll_state ps = { 0 };
	uint64_t t0 = kern_clock_ns();
	uint64_t rx = app_life_run(&life, &ps.stop, 0, poll_platform, &ps);
	uint64_t ms = (kern_clock_ns() - t0) / 1000000;
	uint64_t tx = app_life_tx_pkts(&life);
	app_life_finish(&life);
	app_life_report(&life, print_line, NULL, print_devices, NULL);
	kern_printf("%s: %llu packets in, %llu out, %llu dropped in %llu ms\n", app->name, (unsigned long long)rx,
		    (unsigned long long)tx, (unsigned long long)pkt_counters_drops(&life.pipe, &life.w.cnt),
		    (unsigned long long)ms);
	app_life_teardown(&life);
	kern_exit(ps.status);
}
