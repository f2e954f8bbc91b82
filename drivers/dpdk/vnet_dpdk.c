/* DPDK ethdev backend for vnet ports, and a pkt_pool over rte_mempool. */
#include "vnet_dpdk.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RX_DESC 1024
#define TX_DESC 1024
#define MAX_EAL_ARGS 64

static_assert(RTE_PKTMBUF_HEADROOM == PKT_HEADROOM, "pkt headroom must match the mbuf headroom");

static bool eal_up;
static char *eal_args_copy; /* EAL keeps pointers into its argv for the life of the process */

static inline struct pkt_buf *mbuf_pkt(struct rte_mbuf *m)
{
	return (struct pkt_buf *)rte_mbuf_to_priv(m);
}

/* ---- pool ---- */

static unsigned dpdk_alloc_burst(struct pkt_pool *pool, struct pkt_buf **out, unsigned n)
{
	struct rte_mempool *mp = pool->priv;
	struct rte_mbuf *m[PKT_BURST];
	unsigned got = 0;
	while (got < n) {
		unsigned want = n - got < PKT_BURST ? n - got : PKT_BURST;
		if (rte_pktmbuf_alloc_bulk(mp, m, want) != 0) {
			/* not enough for the whole burst: take what single allocations give */
			unsigned k = 0;
			while (k < want && (m[k] = rte_pktmbuf_alloc(mp)) != NULL)
				k++;
			for (unsigned i = 0; i < k; i++) {
				out[got] = mbuf_pkt(m[i]);
				pkt_reset(out[got++]);
			}
			pool->alloc_fails++;
			break;
		}
		for (unsigned i = 0; i < want; i++) {
			out[got] = mbuf_pkt(m[i]);
			pkt_reset(out[got++]);
		}
	}
	return got;
}

static void dpdk_free_burst(struct pkt_pool *pool, struct pkt_buf **pkts, unsigned n)
{
	(void)pool;
	struct rte_mbuf *m[PKT_BURST];
	while (n) {
		unsigned k = n < PKT_BURST ? n : PKT_BURST;
		for (unsigned i = 0; i < k; i++)
			m[i] = pkts[i]->handle;
		rte_pktmbuf_free_bulk(m, k);
		pkts += k;
		n -= k;
	}
}

static const struct pkt_pool_ops dpdk_pool_ops = {
	.kind = "dpdk",
	.alloc_burst = dpdk_alloc_burst,
	.free_burst = dpdk_free_burst,
};

static void init_pkt(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	(void)mp;
	(void)idx;
	struct rte_mbuf *m = obj;
	struct pkt_buf *p = mbuf_pkt(m);
	memset(p, 0, sizeof(*p));
	p->buf = m->buf_addr;
	p->buf_len = m->buf_len;
	p->pool = arg;
	p->handle = m;
	pkt_reset(p);
}

/* rte_pktmbuf_pool_create(), but packed when nothing needs a buffer inside one page.
 * Without hugepages DPDK keeps every object within one 4 KiB page, so that it stays
 * physically contiguous for DMA: one 2.5 KiB buffer a page, all at the same offset in
 * their pages, so the first cache lines of a burst's 32 mbufs (and their private areas
 * and frames) all fall in the same few L1 sets and evict each other on every pass over
 * the burst. That halves l2fwd's rate here. When devices address memory by virtual
 * address (IOVA as VA: vdevs, VFIO) a buffer may cross a page, so the pool is packed. */
static struct rte_mempool *mbuf_pool_create(const char *name, uint32_t n)
{
	unsigned flags = 0;
	if (!rte_eal_has_hugepages() && rte_eal_iova_mode() == RTE_IOVA_VA)
		flags |= RTE_MEMPOOL_F_NO_IOVA_CONTIG;
	const unsigned elt = sizeof(struct rte_mbuf) + sizeof(struct pkt_buf) + PKT_HEADROOM + PKT_DATAROOM;
	struct rte_mempool *mp = rte_mempool_create_empty(name, n, elt, 256, sizeof(struct rte_pktmbuf_pool_private),
							  (int)rte_socket_id(), flags);
	if (!mp)
		return NULL;
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = PKT_HEADROOM + PKT_DATAROOM,
		.mbuf_priv_size = sizeof(struct pkt_buf),
	};
	int rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		rc = rte_mempool_populate_default(mp);
	}
	if (rc < 0) {
		rte_mempool_free(mp);
		rte_errno = -rc;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

struct pkt_pool *vnet_dpdk_pool_create(const char *name, uint32_t n, char *err, size_t errlen)
{
	struct pkt_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		snprintf(err, errlen, "dpdk: out of memory");
		return NULL;
	}
	struct rte_mempool *mp = mbuf_pool_create(name, n);
	if (!mp) {
		snprintf(err, errlen, "dpdk: pool '%s' of %u buffers: %s", name, n, rte_strerror(rte_errno));
		free(pool);
		return NULL;
	}
	pool->ops = &dpdk_pool_ops;
	pool->name = name;
	pool->size = n;
	pool->priv = mp;
	rte_mempool_obj_iter(mp, init_pkt, pool);
	return pool;
}

static void mark_line(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	(void)mp;
	(void)idx;
	uint64_t *lines = arg;
	*lines |= 1ull << (((uintptr_t)obj >> 6) & 63);
}

void vnet_dpdk_pool_describe(const struct pkt_pool *pool, char *out, size_t len)
{
	struct rte_mempool *mp = pool->priv;
	uint64_t lines = 0;
	rte_mempool_obj_iter(mp, mark_line, &lines);
	snprintf(out, len, "pool %s: %u buffers of %u bytes, %s, mbufs on %d of the 64 line offsets in a 4 KiB page",
		 pool->name, mp->size, mp->header_size + mp->elt_size + mp->trailer_size,
		 (mp->flags & RTE_MEMPOOL_F_NO_IOVA_CONTIG) ? "packed" : "each within one page",
		 __builtin_popcountll(lines));
}

void vnet_dpdk_pool_destroy(struct pkt_pool *pool)
{
	if (!pool)
		return;
	rte_mempool_free(pool->priv);
	free(pool);
}

/* ---- port ---- */

struct dpdk_port {
	struct vnet_port port;
	uint16_t port_id;
	bool rx_csum;          /* the device verifies checksums on receive (offloads on) */
	uint64_t rx_too_long;  /* multi-segment frames: longer than one pkt_buf holds */
	uint64_t tx_copies;    /* packets from a foreign pool, copied into an mbuf */
	uint64_t tx_nobuf;     /* foreign packets that found no mbuf to be copied into */
};

/* The device's receive checksum verdicts, as pkt_buf.ol_flags (only "good" counts: a
 * "bad" or unknown one is summed again in software, which has the last word). */
static inline uint16_t ol_flags(uint64_t ol)
{
	uint16_t f = 0;
	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		f |= PKT_OL_IP4_CSUM_GOOD;
	if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		f |= PKT_OL_L4_CSUM_GOOD;
	return f;
}

static uint16_t dpdk_rx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct dpdk_port *dp = (struct dpdk_port *)vp;
	struct rte_mbuf *m[PKT_BURST];
	if (n > PKT_BURST)
		n = PKT_BURST;
	uint16_t got = rte_eth_rx_burst(dp->port_id, 0, m, n);
	uint16_t out = 0;
	const uint16_t port = vp->id;
	const bool rx_csum = dp->rx_csum;
	for (uint16_t i = 0; i < got; i++) {
		struct rte_mbuf *mb = m[i];
		if (unlikely(mb->nb_segs != 1)) {
			/* scatter is never enabled, yet some PMDs chain a frame longer than an
			 * mbuf (net_tap): it is dropped, never delivered cut */
			dp->rx_too_long++;
			rte_pktmbuf_free(mb);
			continue;
		}
		struct pkt_buf *p = mbuf_pkt(mb);
		p->data = (uint8_t *)mb->buf_addr + mb->data_off;
		p->len = mb->data_len;
		p->port = port;
		p->verdict = 0;
		p->meta.flags = 0;
		p->ol_flags = rx_csum ? ol_flags(mb->ol_flags) : 0;
		pkts[out++] = p;
	}
	return out;
}

/* Makes an mbuf of a packet from another pool (the copy path), or NULL. */
static struct rte_mbuf *foreign_to_mbuf(struct dpdk_port *dp, struct pkt_buf *p)
{
	struct pkt_pool *pool = dp->port.pool;
	struct pkt_buf *q = pool->ops == &dpdk_pool_ops ? pkt_alloc(pool) : NULL;
	if (!q || pkt_tailroom(q) < p->len) {
		if (q)
			pkt_free(q);
		dp->tx_nobuf++;
		return NULL;
	}
	memcpy(q->data, p->data, p->len);
	q->len = p->len;
	dp->tx_copies++;
	struct rte_mbuf *mb = q->handle;
	mb->data_off = (uint16_t)(q->data - (uint8_t *)mb->buf_addr);
	mb->data_len = q->len;
	mb->pkt_len = q->len;
	return mb;
}

static uint16_t dpdk_tx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct dpdk_port *dp = (struct dpdk_port *)vp;
	struct rte_mbuf *m[2 * PKT_BURST];
	const struct pkt_pool *own = vp->pool;
	bool foreign = false;
	if (n > 2 * PKT_BURST)
		n = 2 * PKT_BURST;
	uint16_t k = 0;
	for (; k < n; k++) {
		struct pkt_buf *p = pkts[k];
		struct rte_mbuf *mb = p->handle;
		if (unlikely(p->pool != own) && p->pool->ops != &dpdk_pool_ops) {
			mb = foreign_to_mbuf(dp, p);
			if (!mb)
				break;
			foreign = true;
			m[k] = mb;
			continue;
		}
		mb->data_off = (uint16_t)(p->data - (uint8_t *)mb->buf_addr);
		mb->data_len = p->len;
		mb->pkt_len = p->len;
		m[k] = mb;
	}
	uint16_t sent = rte_eth_tx_burst(dp->port_id, 0, m, k);
	if (unlikely(foreign)) {
		/* copies that did not leave are ours to free; the originals of those that did
		 * are ours too, since the caller gave them away */
		for (uint16_t i = 0; i < k; i++) {
			if (pkts[i]->pool->ops == &dpdk_pool_ops)
				continue;
			if (i >= sent)
				rte_pktmbuf_free(m[i]);
			else
				pkt_free(pkts[i]);
		}
	}
	return sent;
}

static void dpdk_stats(struct vnet_port *vp, struct vnet_stats *out)
{
	struct dpdk_port *dp = (struct dpdk_port *)vp;
	struct rte_eth_stats s;
	memset(out, 0, sizeof(*out));
	if (rte_eth_stats_get(dp->port_id, &s) != 0)
		return;
	out->rx_pkts = s.ipackets;
	out->rx_bytes = s.ibytes;
	out->tx_pkts = s.opackets;
	out->tx_bytes = s.obytes;
	out->rx_nobuf = s.rx_nombuf + s.imissed;
	out->rx_errors = s.ierrors;
	out->rx_too_long = dp->rx_too_long;
	out->tx_errors = s.oerrors + dp->tx_nobuf;
}

static void dpdk_link(struct vnet_port *vp, struct vnet_link *out)
{
	struct dpdk_port *dp = (struct dpdk_port *)vp;
	struct rte_eth_link l;
	memset(out, 0, sizeof(*out));
	if (rte_eth_link_get_nowait(dp->port_id, &l) != 0)
		return;
	out->up = l.link_status == RTE_ETH_LINK_UP;
	out->speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
}

static void dpdk_close(struct vnet_port *vp)
{
	struct dpdk_port *dp = (struct dpdk_port *)vp;
	rte_eth_dev_stop(dp->port_id);
	rte_eth_dev_close(dp->port_id);
	free(dp);
}

static const struct vnet_ops dpdk_ops = {
	.kind = "dpdk",
	.stats = dpdk_stats,
	.link = dpdk_link,
	.close = dpdk_close,
};

static void dev_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");
	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = 0;
}

static bool is_vdev(const char *devargs)
{
	return !strncmp(devargs, "net_", 4) || !strncmp(devargs, "eth_", 4) ||
	       !strncmp(devargs, "virtio_user", 11);
}

static int setup_port(uint16_t pid, struct rte_mempool *mp, bool *rx_csum, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	const char *step = "rte_eth_dev_info_get";
	memset(&conf, 0, sizeof(conf));
	int rc = rte_eth_dev_info_get(pid, &info);
	if (rc == 0) {
		/* the receive checksum checks the device can do, so that the parser and
		 * conntrack need not (pkt_buf.ol_flags) */
		conf.rxmode.offloads = info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
							       RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
		*rx_csum = conf.rxmode.offloads != 0;
		step = "rte_eth_dev_configure";
		rc = rte_eth_dev_configure(pid, 1, 1, &conf);
	}
	uint16_t nb_rx = RX_DESC, nb_tx = TX_DESC;
	if (rc == 0) {
		step = "rte_eth_dev_adjust_nb_rx_tx_desc";
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rx, &nb_tx);
	}
	if (rc == 0) {
		step = "rte_eth_rx_queue_setup";
		rc = rte_eth_rx_queue_setup(pid, 0, nb_rx, (unsigned)rte_eth_dev_socket_id(pid), NULL, mp);
	}
	if (rc == 0) {
		step = "rte_eth_tx_queue_setup";
		rc = rte_eth_tx_queue_setup(pid, 0, nb_tx, (unsigned)rte_eth_dev_socket_id(pid), NULL);
	}
	if (rc == 0) {
		step = "rte_eth_dev_start";
		rc = rte_eth_dev_start(pid);
	}
	if (rc != 0) {
		snprintf(err, errlen, "dpdk: port %u: %s failed: %s", pid, step, rte_strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	rte_eth_promiscuous_enable(pid); /* not every PMD supports it; harmless when it fails */
	return 0;
}

struct vnet_port *vnet_dpdk_open(const char *devargs, struct pkt_pool *pool, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;
	if (!eal_up) {
		snprintf(err, errlen, "dpdk: '%s': EAL is not initialised", devargs);
		return NULL;
	}
	if (pool->ops != &dpdk_pool_ops) {
		snprintf(err, errlen, "dpdk: '%s': receive pool must be a DPDK pool", devargs);
		return NULL;
	}
	dev_name(devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		snprintf(err, errlen, "dpdk: '%s': no such device (EAL did not probe '%s')", devargs, name);
		return NULL;
	}
	struct rte_eth_dev_info info;
	if (rte_eth_dev_info_get(pid, &info) == 0 && info.driver_name && !strcmp(info.driver_name, "net_af_packet")) {
		/* Its socket joins a fanout group with the defrag flag: the kernel hands it IPv4
		 * datagrams reassembled from their fragments, which its ring slots cut short
		 * without a count, so large datagrams would vanish. */
		snprintf(err, errlen, "dpdk: '%s': DPDK's net_af_packet has the kernel reassemble IPv4 fragments into frames "
			 "its ring cuts short, uncounted; use afpacket:iface=NAME, Sluice's own AF_PACKET backend",
			 devargs);
		return NULL;
	}
	struct dpdk_port *dp = calloc(1, sizeof(*dp));
	if (!dp) {
		snprintf(err, errlen, "dpdk: out of memory");
		return NULL;
	}
	if (setup_port(pid, pool->priv, &dp->rx_csum, err, errlen) != 0) {
		free(dp);
		return NULL;
	}
	dp->port_id = pid;
	dp->port.ops = &dpdk_ops;
	dp->port.rx_burst = dpdk_rx_burst;
	dp->port.tx_burst = dpdk_tx_burst;
	dp->port.pool = pool;
	struct rte_ether_addr mac;
	if (rte_eth_macaddr_get(pid, &mac) == 0)
		memcpy(dp->port.mac, mac.addr_bytes, 6);
	return &dp->port;
}

int vnet_dpdk_init(const char *eal_args, const char *const *devargs, unsigned n_dev, char *err,
		   size_t errlen)
{
	char *argv[MAX_EAL_ARGS + 1];
	int argc = 0;
	char prefix[64];

	argv[argc++] = "sluice";
	if (eal_args) {
		free(eal_args_copy);
		eal_args_copy = strdup(eal_args);
		if (!eal_args_copy) {
			snprintf(err, errlen, "dpdk: out of memory");
			return -1;
		}
		char *save = NULL;
		for (char *a = strtok_r(eal_args_copy, " \t", &save); a; a = strtok_r(NULL, " \t", &save)) {
			if (argc >= MAX_EAL_ARGS - 2 * (int)n_dev) {
				snprintf(err, errlen, "dpdk: too many EAL arguments (at most %d)", MAX_EAL_ARGS);
				return -1;
			}
			argv[argc++] = a;
		}
	} else {
		snprintf(prefix, sizeof(prefix), "--file-prefix=sluice-%ld", (long)getpid());
		argv[argc++] = "--no-huge";
		argv[argc++] = "-m";
		argv[argc++] = "512";
		argv[argc++] = prefix;
		argv[argc++] = "--log-level=*:warning";
		argv[argc++] = "--no-telemetry";   /* nothing reads it; it only prints */
		bool pci = false;
		for (unsigned i = 0; i < n_dev; i++)
			pci |= !is_vdev(devargs[i]);
		if (!pci)
			argv[argc++] = "--no-pci";
	}
	if (argc + 2 * (int)n_dev > MAX_EAL_ARGS) {
		snprintf(err, errlen, "dpdk: too many devices");
		return -1;
	}
	for (unsigned i = 0; i < n_dev; i++) {
		argv[argc++] = is_vdev(devargs[i]) ? "--vdev" : "-a";
		argv[argc++] = (char *)devargs[i];
	}
	argv[argc] = NULL;
	int rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		snprintf(err, errlen, "dpdk: EAL initialisation failed: %s", rte_strerror(rte_errno));
		return -1;
	}
	eal_up = true;
	return 0;
}

void vnet_dpdk_fini(void)
{
	if (eal_up)
		rte_eal_cleanup();
	eal_up = false;
	free(eal_args_copy);
	eal_args_copy = NULL;
}
