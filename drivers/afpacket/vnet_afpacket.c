/* Linux AF_PACKET backend for vnet ports (TPACKET_V2 receive ring, sendmmsg). */
#define _GNU_SOURCE
#include "vnet_afpacket.h"
#include "pkt_csum.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAME_SIZE 2304u          /* a slot: tpacket header, vnet header, a whole buffer's frame */
#define FRAMES_PER_BLOCK 16u      /* 36 KiB blocks: nine pages, no slack */
#define DEFAULT_FRAMES 4096u
#define MAX_FRAMES (1u << 20)
#define VLAN_HLEN 4u

static_assert(FRAME_SIZE * FRAMES_PER_BLOCK % 4096 == 0, "a ring block is whole pages");
static_assert(FRAME_SIZE >= TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + sizeof(struct virtio_net_hdr) + PKT_DATAROOM,
	      "a ring slot holds a whole buffer's frame");

struct afp_port {
	struct vnet_port port;
	int fd;
	int ifindex;
	uint8_t *ring;
	size_t ring_len;
	unsigned frames, next;
	struct vnet_stats st;
	uint64_t csum_completed;      /* frames whose checksum the sender left to offload */
	uint64_t kernel_drops;        /* what PACKET_STATISTICS reported so far (it resets on read) */
	bool told_too_long;
	char iface[IFNAMSIZ];
};

static inline struct tpacket2_hdr *slot(struct afp_port *ap, unsigned i)
{
	return (struct tpacket2_hdr *)(ap->ring + (size_t)i * FRAME_SIZE);
}

/* The first frame too long for a buffer, once a port: why, and what to do. */
static void tell_too_long(struct afp_port *ap, const struct tpacket2_hdr *h, const struct virtio_net_hdr *vh)
{
	ap->told_too_long = true;
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		fprintf(stderr,
			"afpacket: %s: a %u-byte GSO/GRO super-packet does not fit a %u-byte buffer and is dropped "
			"(counted in rx_too_long): the peer sends with segmentation offload; turn it off on the peer "
			"(ethtool -K PEER tso off gso off) and GRO on %s (ethtool -K %s gro off)\n",
			ap->iface, h->tp_len, PKT_DATAROOM, ap->iface, ap->iface);
	else
		fprintf(stderr,
			"afpacket: %s: a %u-byte frame does not fit a %u-byte buffer and is dropped (counted in "
			"rx_too_long): keep the MTU of %s and its peer at or below %u\n",
			ap->iface, h->tp_len, PKT_DATAROOM, ap->iface, PKT_DATAROOM - 18);
}

/* Finishes a transport checksum the sender left to offload (VIRTIO_NET_HDR_F_NEEDS_CSUM):
 * the field holds the pseudo-header's sum; the rest is summed from csum_start to the end,
 * as skb_checksum_help() does. start is already shifted past a re-inserted VLAN tag. */
static bool complete_csum(uint8_t *f, unsigned len, unsigned start, unsigned off)
{
	if (start >= len || off + 2 > len - start)
		return false;
	uint16_t c = pkt_csum(f + start, len - start);
	if (!c)
		c = 0xffff;            /* a zero result goes out as -0 (UDP's zero means none) */
	f[start + off] = (uint8_t)(c >> 8);
	f[start + off + 1] = (uint8_t)c;
	return true;
}

static uint16_t afp_rx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct afp_port *ap = (struct afp_port *)vp;
	uint16_t got = 0;
	unsigned i = ap->next;
	while (got < n) {
		struct tpacket2_hdr *h = slot(ap, i);
		uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (!(status & TP_STATUS_USER))
			break;
		const uint8_t *frame = (const uint8_t *)h + h->tp_mac;
		const struct virtio_net_hdr *vh = (const void *)(frame - sizeof(*vh));
		const struct sockaddr_ll *sll = (const void *)((const uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
		bool vlan = status & TP_STATUS_VLAN_VALID;
		unsigned len = h->tp_len + (vlan ? VLAN_HLEN : 0);
		if (sll->sll_pkttype == PACKET_OUTGOING) {
			/* the host's own frames on this interface are not for the app */
		} else if (len > PKT_DATAROOM || h->tp_snaplen < h->tp_len) {
			ap->st.rx_too_long++;
			if (!ap->told_too_long)
				tell_too_long(ap, h, vh);
		} else {
			struct pkt_buf *p = pkt_alloc(vp->pool);
			if (!p) {
				ap->st.rx_nobuf++;
				break;         /* the frame waits in the ring for a buffer */
			}
			uint8_t *d = p->data;
			unsigned shift = 0;
			if (vlan && h->tp_snaplen >= 12) {
				uint16_t tpid = (status & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid : ETHERTYPE_VLAN;
				memcpy(d, frame, 12);
				d[12] = (uint8_t)(tpid >> 8);
				d[13] = (uint8_t)tpid;
				d[14] = (uint8_t)(h->tp_vlan_tci >> 8);
				d[15] = (uint8_t)h->tp_vlan_tci;
				memcpy(d + 16, frame + 12, h->tp_snaplen - 12);
				shift = VLAN_HLEN;
			} else {
				memcpy(d, frame, h->tp_snaplen);
				len = h->tp_snaplen;
			}
			p->len = (uint16_t)len;
			p->port = vp->id;
			if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
				if (complete_csum(d, len, vh->csum_start + shift, vh->csum_offset)) {
					p->ol_flags = PKT_OL_L4_CSUM_GOOD;
					ap->csum_completed++;
				}
			} else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
				p->ol_flags = PKT_OL_L4_CSUM_GOOD;
			}
			ap->st.rx_pkts++;
			ap->st.rx_bytes += len;
			pkts[got++] = p;
		}
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		if (++i == ap->frames)
			i = 0;
	}
	ap->next = i;
	return got;
}

/* Sends pkts[0..n) from the first (n may be over PKT_BURST: a worker's queue holds
 * twice as many), each behind an empty virtio-net header (no offload asked); stops when
 * the device's queue is full. A frame the kernel refuses outright
 * (longer than the MTU, the link down) is taken, freed and counted in tx_errors. */
static uint16_t afp_tx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct afp_port *ap = (struct afp_port *)vp;
	static const struct virtio_net_hdr none;
	struct mmsghdr msg[PKT_BURST];
	struct iovec iov[PKT_BURST][2];
	uint16_t done = 0;
	while (done < n) {             /* PKT_BURST frames a call: a queue may hold more */
		unsigned m = (unsigned)(n - done) < PKT_BURST ? (unsigned)(n - done) : PKT_BURST;
		for (unsigned k = 0; k < m; k++) {
			struct pkt_buf *p = pkts[done + k];
			iov[k][0] = (struct iovec){ (void *)&none, sizeof(none) };
			iov[k][1] = (struct iovec){ p->data, p->len };
			msg[k].msg_hdr = (struct msghdr){ .msg_iov = iov[k], .msg_iovlen = 2 };
		}
		int r = sendmmsg(ap->fd, msg, m, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			break;                 /* the device's queue is full: the caller keeps the rest */
		if (r < 0) {
			ap->st.tx_errors++;
			pkt_free(pkts[done++]);
			continue;
		}
		for (int k = 0; k < r; k++)
			ap->st.tx_bytes += pkts[done + k]->len;
		ap->st.tx_pkts += (uint64_t)r;
		pkt_free_burst(pkts + done, (unsigned)r);
		done = (uint16_t)(done + r);
		/* short of m: the next call reports what stopped the one after */
	}
	return done;
}

static void afp_stats(struct vnet_port *vp, struct vnet_stats *out)
{
	struct afp_port *ap = (struct afp_port *)vp;
	struct tpacket_stats ks;
	socklen_t len = sizeof(ks);
	if (getsockopt(ap->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
		ap->kernel_drops += ks.tp_drops;   /* frames the kernel found no ring slot for */
	*out = ap->st;
	out->rx_nobuf += ap->kernel_drops;
}

static void afp_link(struct vnet_port *vp, struct vnet_link *out)
{
	struct afp_port *ap = (struct afp_port *)vp;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ap->iface, sizeof(ifr.ifr_name));
	out->up = ioctl(ap->fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
	out->speed_mbps = 0;
}

static void afp_close(struct vnet_port *vp)
{
	struct afp_port *ap = (struct afp_port *)vp;
	if (ap->csum_completed)
		fprintf(stderr, "afpacket: %s: %llu frames had the checksum their sender left to offload completed\n",
			ap->iface, (unsigned long long)ap->csum_completed);
	if (ap->ring)
		munmap(ap->ring, ap->ring_len);
	if (ap->fd >= 0)
		close(ap->fd);
	free(ap);
}

static const struct vnet_ops afp_ops = {
	.kind = "afpacket",
	.stats = afp_stats,
	.link = afp_link,
	.close = afp_close,
};

static int parse_args(struct afp_port *ap, const char *args, int *bypass, char *err, size_t errlen)
{
	ap->frames = DEFAULT_FRAMES;
	*bypass = 1;
	if (*args && !strchr(args, '=') && !strchr(args, ',')) {
		if (strlen(args) >= IFNAMSIZ) {
			snprintf(err, errlen, "afpacket: interface name '%s' is longer than %d bytes", args, IFNAMSIZ - 1);
			return -1;
		}
		strcpy(ap->iface, args);
		return 0;
	}
	for (const char *p = args; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *stop;
		if (!strncmp(p, "iface=", 6)) {
			if (len - 6 == 0 || len - 6 >= IFNAMSIZ) {
				snprintf(err, errlen, "afpacket: iface: expected an interface name of 1 to %d bytes, got '%.*s'",
					 IFNAMSIZ - 1, (int)(len - 6), p + 6);
				return -1;
			}
			memcpy(ap->iface, p + 6, len - 6);
			ap->iface[len - 6] = 0;
		} else if (!strncmp(p, "frames=", 7)) {
			unsigned long v = strtoul(p + 7, &stop, 10);
			if (stop != p + len || len == 7 || v < FRAMES_PER_BLOCK || v > MAX_FRAMES) {
				snprintf(err, errlen, "afpacket: frames: expected %u to %u, got '%.*s'", FRAMES_PER_BLOCK,
					 MAX_FRAMES, (int)(len - 7), p + 7);
				return -1;
			}
			ap->frames = ((unsigned)v + FRAMES_PER_BLOCK - 1) / FRAMES_PER_BLOCK * FRAMES_PER_BLOCK;
		} else if (!strncmp(p, "qdisc_bypass=", 13)) {
			if (len != 14 || (p[13] != '0' && p[13] != '1')) {
				snprintf(err, errlen, "afpacket: qdisc_bypass: expected 0 or 1, got '%.*s'", (int)(len - 13),
					 p + 13);
				return -1;
			}
			*bypass = p[13] - '0';
		} else {
			snprintf(err, errlen, "afpacket: unknown argument '%.*s' (expected iface=NAME[,frames=N][,qdisc_bypass=0|1])",
				 (int)len, p);
			return -1;
		}
		p += len + (end ? 1 : 0);
	}
	if (!ap->iface[0]) {
		snprintf(err, errlen, "afpacket: which interface? (expected iface=NAME, got '%s')", args);
		return -1;
	}
	return 0;
}

/* setsockopt(SOL_PACKET, ...), or -1 with the step named in err. */
static int packet_opt(struct afp_port *ap, int opt, const void *v, socklen_t len, const char *what, char *err,
		      size_t errlen)
{
	if (setsockopt(ap->fd, SOL_PACKET, opt, v, len) == 0)
		return 0;
	snprintf(err, errlen, "afpacket: %s: %s: %s", ap->iface, what, strerror(errno));
	return -1;
}

struct vnet_port *vnet_afpacket_open(const char *args, struct pkt_pool *pool, char *err, size_t errlen)
{
	struct afp_port *ap = calloc(1, sizeof(*ap));
	if (!ap) {
		snprintf(err, errlen, "afpacket: out of memory");
		return NULL;
	}
	ap->fd = -1;
	int bypass, one = 1, version = TPACKET_V2;
	if (parse_args(ap, args, &bypass, err, errlen))
		goto fail;
	ap->ifindex = (int)if_nametoindex(ap->iface);
	if (!ap->ifindex) {
		snprintf(err, errlen, "afpacket: no interface named '%s'", ap->iface);
		goto fail;
	}
	/* protocol 0: nothing is queued before the ring is there and the socket bound */
	ap->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (ap->fd < 0) {
		snprintf(err, errlen, "afpacket: socket: %s%s", strerror(errno),
			 errno == EPERM ? " (AF_PACKET needs CAP_NET_RAW: run as root)" : "");
		goto fail;
	}
	struct tpacket_req req = {
		.tp_block_size = FRAME_SIZE * FRAMES_PER_BLOCK,
		.tp_block_nr = ap->frames / FRAMES_PER_BLOCK,
		.tp_frame_size = FRAME_SIZE,
		.tp_frame_nr = ap->frames,
	};
	struct packet_mreq mr = { .mr_ifindex = ap->ifindex, .mr_type = PACKET_MR_PROMISC };
	if (packet_opt(ap, PACKET_VERSION, &version, sizeof(version), "TPACKET_V2", err, errlen) ||
	    packet_opt(ap, PACKET_VNET_HDR, &one, sizeof(one), "PACKET_VNET_HDR", err, errlen) ||
	    packet_opt(ap, PACKET_RX_RING, &req, sizeof(req), "receive ring", err, errlen) ||
	    packet_opt(ap, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr), "promiscuous mode", err, errlen))
		goto fail;
	/* best effort: the host's own frames are skipped by their packet type anyway, and a
	 * kernel without the bypass goes through the qdisc */
	setsockopt(ap->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (bypass)
		setsockopt(ap->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	/* 4 MiB of frames in flight to the kernel: past net.core.wmem_max with the privilege
	 * (SO_SNDBUFFORCE), else up to it. A full buffer is a tx_full drop (the host stack
	 * holds back instead), which the default 208 KiB, about 90 frames, gives at once
	 * under a burst of full-sized ones. */
	int sndbuf = 4 << 20;
	if (setsockopt(ap->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) != 0)
		setsockopt(ap->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	ap->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	ap->ring = mmap(NULL, ap->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ap->fd, 0);
	if (ap->ring == MAP_FAILED) {
		ap->ring = NULL;
		snprintf(err, errlen, "afpacket: %s: mapping a %zu-byte ring: %s", ap->iface, ap->ring_len, strerror(errno));
		goto fail;
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ap->ifindex };
	if (bind(ap->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		snprintf(err, errlen, "afpacket: %s: bind: %s", ap->iface, strerror(errno));
		goto fail;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ap->iface, sizeof(ifr.ifr_name));
	if (ioctl(ap->fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(ap->port.mac, ifr.ifr_hwaddr.sa_data, 6);
	ap->port.rx_burst = afp_rx_burst;
	ap->port.tx_burst = afp_tx_burst;
	ap->port.ops = &afp_ops;
	ap->port.pool = pool;
	return &ap->port;
fail:
	if (ap->ring)
		munmap(ap->ring, ap->ring_len);
	if (ap->fd >= 0)
		close(ap->fd);
	free(ap);
	return NULL;
}
