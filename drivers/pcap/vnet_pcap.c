/* libpcap backend for vnet ports. */
#include "vnet_pcap.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct pcap_port {
	struct vnet_port port;
	pcap_t *rx;
	pcap_t *tx_dead;
	pcap_dumper_t *tx;
	struct vnet_stats st;
	/* the next frame, read ahead so ports can be merged by timestamp */
	bool has_next, at_end;
	struct pcap_pkthdr next_hdr;
	const u_char *next_bytes;     /* libpcap's, valid until the next read on this port */
	unsigned order;               /* open order, for ties */
};

#define MAX_RX_PORTS 64
static struct pcap_port *rx_ports[MAX_RX_PORTS];
static unsigned n_rx_ports, opened;

/* The capture clock (vnet_pcap_use_capture_clock): on, and its time in ms */
static bool capture_clock;
static uint64_t capture_now_ms;

/* Reads the port's next frame into next_*, unless one is waiting or the capture ended. */
static void peek(struct pcap_port *pp)
{
	while (!pp->has_next && !pp->at_end) {
		struct pcap_pkthdr *hdr;
		const u_char *bytes;
		int rc = pcap_next_ex(pp->rx, &hdr, &bytes);
		if (rc == PCAP_ERROR_BREAK || rc == PCAP_ERROR) {
			if (rc == PCAP_ERROR) {
				pp->st.rx_errors++;
				fprintf(stderr, "pcap: %s: %s\n", pp->port.name, pcap_geterr(pp->rx));
			}
			pp->at_end = true;
			break;
		}
		if (rc != 1)
			break;
		if (hdr->caplen > PKT_DATAROOM) {
			pp->st.rx_too_long++;
			continue;
		}
		pp->next_hdr = *hdr;
		pp->next_bytes = bytes;
		pp->has_next = true;
	}
}

static bool earlier(const struct pcap_port *a, const struct pcap_port *b)
{
	const struct timeval *x = &a->next_hdr.ts, *y = &b->next_hdr.ts;
	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec;
	if (x->tv_usec != y->tv_usec)
		return x->tv_usec < y->tv_usec;
	return a->order < b->order;
}

static uint64_t frame_ms(const struct pcap_pkthdr *h)
{
	if (h->ts.tv_sec < 0)
		return 0;
	return (uint64_t)h->ts.tv_sec * 1000 + (uint64_t)(h->ts.tv_usec > 0 ? h->ts.tv_usec : 0) / 1000;
}

/* Is pp's waiting frame the earliest of every port's? */
static bool my_turn(struct pcap_port *pp)
{
	for (unsigned i = 0; i < n_rx_ports; i++) {
		struct pcap_port *q = rx_ports[i];
		if (q == pp)
			continue;
		peek(q);
		if (q->has_next && earlier(q, pp))
			return false;
	}
	return true;
}

static uint16_t pport_rx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct pcap_port *pp = (struct pcap_port *)vp;
	uint16_t got = 0;
	if (vp->rx_done)
		return 0;
	while (got < n) {
		peek(pp);
		if (!pp->has_next) {
			vp->rx_done = pp->at_end;
			break;
		}
		if (!my_turn(pp))
			break;
		const struct pcap_pkthdr *hdr = &pp->next_hdr;
		if (capture_clock && frame_ms(hdr) > capture_now_ms)
			break;                  /* not yet: its time comes with a later clock reading */
		struct pkt_buf *p = pkt_alloc(vp->pool);
		if (!p) {
			pp->st.rx_nobuf++;
			break;                  /* the frame waits for a buffer */
		}
		memcpy(p->data, pp->next_bytes, hdr->caplen);
		p->len = (uint16_t)hdr->caplen;
		p->port = vp->id;
		if (hdr->caplen < hdr->len)
			pp->st.rx_truncated++;
		pp->st.rx_pkts++;
		pp->st.rx_bytes += hdr->caplen;
		pkts[got++] = p;
		pp->has_next = false;
	}
	return got;
}

static uint16_t pport_tx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct pcap_port *pp = (struct pcap_port *)vp;
	if (!pp->tx) {
		pp->st.tx_errors += n;
		return 0;
	}
	struct pcap_pkthdr hdr;
	if (capture_clock)
		hdr.ts = (struct timeval){ .tv_sec = (time_t)(capture_now_ms / 1000),
					   .tv_usec = (suseconds_t)(capture_now_ms % 1000 * 1000) };
	else
		gettimeofday(&hdr.ts, NULL);
	for (uint16_t i = 0; i < n; i++) {
		hdr.caplen = hdr.len = pkts[i]->len;
		pcap_dump((u_char *)pp->tx, &hdr, pkts[i]->data);
		pp->st.tx_pkts++;
		pp->st.tx_bytes += pkts[i]->len;
	}
	pkt_free_burst(pkts, n);
	return n;
}

static void pport_stats(struct vnet_port *vp, struct vnet_stats *out)
{
	*out = ((struct pcap_port *)vp)->st;
}

static void pport_link(struct vnet_port *vp, struct vnet_link *out)
{
	(void)vp;
	out->up = true;
	out->speed_mbps = 0;
}

static void pport_close(struct vnet_port *vp)
{
	struct pcap_port *pp = (struct pcap_port *)vp;
	for (unsigned i = 0; i < n_rx_ports; i++)
		if (rx_ports[i] == pp) {
			rx_ports[i] = rx_ports[--n_rx_ports];
			break;
		}
	if (pp->tx)
		pcap_dump_close(pp->tx);
	if (pp->tx_dead)
		pcap_close(pp->tx_dead);
	if (pp->rx)
		pcap_close(pp->rx);
	free(pp);
}

static const struct vnet_ops pcap_ops = {
	.kind = "pcap",
	.stats = pport_stats,
	.link = pport_link,
	.close = pport_close,
};

static int open_rx(struct pcap_port *pp, const char *file, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	pp->rx = pcap_open_offline(file, perr);
	if (!pp->rx) {
		snprintf(err, errlen, "pcap: rx=%s: %s", file, perr);
		return -1;
	}
	int dlt = pcap_datalink(pp->rx);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "pcap: rx=%s: link type %d (%s) is not Ethernet; ports carry Ethernet frames",
			 file, dlt, name ? name : "unknown");
		return -1;
	}
	return 0;
}

static int open_tx(struct pcap_port *pp, const char *file, char *err, size_t errlen)
{
	pp->tx_dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (!pp->tx_dead) {
		snprintf(err, errlen, "pcap: tx=%s: cannot create a capture handle", file);
		return -1;
	}
	pp->tx = pcap_dump_open(pp->tx_dead, file);
	if (!pp->tx) {
		snprintf(err, errlen, "pcap: tx=%s: %s", file, pcap_geterr(pp->tx_dead));
		return -1;
	}
	return 0;
}

struct vnet_port *vnet_pcap_open(const char *args, struct pkt_pool *pool, char *err, size_t errlen)
{
	struct pcap_port *pp = calloc(1, sizeof(*pp));
	char *copy = strdup(args);
	if (!pp || !copy) {
		snprintf(err, errlen, "pcap: out of memory");
		free(pp);
		free(copy);
		return NULL;
	}
	pp->port.ops = &pcap_ops;
	pp->port.rx_burst = pport_rx_burst;
	pp->port.tx_burst = pport_tx_burst;
	pp->port.pool = pool;
	/* a locally administered MAC, as a capture has none of its own */
	memcpy(pp->port.mac, (const uint8_t[6]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, 6);

	int rc = 0;
	const char *rx = NULL, *tx = NULL;
	char *save = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv && rc == 0; kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "rx=", 3) && !rx && kv[3])
			rx = kv + 3;
		else if (!strncmp(kv, "tx=", 3) && !tx && kv[3])
			tx = kv + 3;
		else {
			snprintf(err, errlen, "pcap: '%s': expected rx=FILE or tx=FILE, each at most once", kv);
			rc = -1;
		}
	}
	if (rc == 0 && !rx && !tx) {
		snprintf(err, errlen, "pcap: '%s': expected rx=FILE and/or tx=FILE", args);
		rc = -1;
	}
	if (rc == 0 && rx)
		rc = open_rx(pp, rx, err, errlen);
	if (rc == 0 && tx)
		rc = open_tx(pp, tx, err, errlen);
	free(copy);
	if (rc != 0) {
		pport_close(&pp->port);
		return NULL;
	}
	pp->port.rx_done = !pp->rx;
	pp->order = opened++;
	if (pp->rx && n_rx_ports < MAX_RX_PORTS)
		rx_ports[n_rx_ports++] = pp;
	return &pp->port;
}

bool vnet_pcap_use_capture_clock(void)
{
	if (!n_rx_ports)
		return false;
	capture_clock = true;
	capture_now_ms = 0;
	vnet_pcap_clock_ms();
	return true;
}

uint64_t vnet_pcap_clock_ms(void)
{
	const struct pcap_port *first = NULL;
	for (unsigned i = 0; i < n_rx_ports; i++) {
		struct pcap_port *q = rx_ports[i];
		peek(q);
		if (q->has_next && (!first || earlier(q, first)))
			first = q;
	}
	/* the earliest waiting frame's time, never going back (a capture's own times may) */
	if (first && frame_ms(&first->next_hdr) > capture_now_ms)
		capture_now_ms = frame_ms(&first->next_hdr);
	return capture_now_ms;
}
