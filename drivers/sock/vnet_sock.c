/* Datagram-socket backend for vnet ports (Unix or UDP). */
#define _GNU_SOURCE
#include "vnet_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct sock_port {
	struct vnet_port port;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char bound_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vnet_stats st;
	struct pkt_buf *spare[PKT_BURST]; /* allocated, not yet filled */
	unsigned n_spare;
};

static uint16_t sock_rx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct sock_port *sp = (struct sock_port *)vp;
	if (sp->n_spare < n) {
		unsigned got = pkt_alloc_burst(vp->pool, sp->spare + sp->n_spare, n - sp->n_spare);
		sp->n_spare += got;
		if (!sp->n_spare) {
			sp->st.rx_nobuf++;
			return 0;
		}
	}
	unsigned m = sp->n_spare < n ? sp->n_spare : n;
	struct mmsghdr msg[PKT_BURST];
	struct iovec iov[PKT_BURST];
	for (unsigned i = 0; i < m; i++) {
		struct pkt_buf *p = sp->spare[sp->n_spare - 1 - i];
		iov[i].iov_base = p->data;
		iov[i].iov_len = PKT_DATAROOM;
		memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	int r = recvmmsg(sp->fd, msg, m, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return 0;
	uint16_t got = 0;
	unsigned top = sp->n_spare, n_reuse = 0;
	struct pkt_buf *reuse[PKT_BURST];
	for (int i = 0; i < r; i++) {
		struct pkt_buf *p = sp->spare[top - 1 - (unsigned)i];
		if (msg[i].msg_hdr.msg_flags & MSG_TRUNC || msg[i].msg_len == 0) {
			/* longer than a buffer, or empty: the buffer is reused */
			if (msg[i].msg_hdr.msg_flags & MSG_TRUNC)
				sp->st.rx_too_long++;
			else
				sp->st.rx_errors++;
			reuse[n_reuse++] = p;
			continue;
		}
		p->len = (uint16_t)msg[i].msg_len;
		p->port = vp->id;
		sp->st.rx_pkts++;
		sp->st.rx_bytes += p->len;
		pkts[got++] = p;
	}
	sp->n_spare = top - (unsigned)r;
	for (unsigned k = 0; k < n_reuse; k++)
		sp->spare[sp->n_spare++] = reuse[k];
	return got;
}

/* Sends pkts[0..n) from the first; stops at a full peer queue. A frame that cannot be sent
 * at all (an empty one: to QEMU's socket netdevs an empty datagram ends the connection; or
 * one the socket refuses: no peer yet, ENOENT or ECONNREFUSED) is taken, freed and counted
 * in tx_errors, and the burst goes on after it. */
static uint16_t sock_tx_burst(struct vnet_port *vp, struct pkt_buf **pkts, uint16_t n)
{
	struct sock_port *sp = (struct sock_port *)vp;
	struct mmsghdr msg[PKT_BURST];
	struct iovec iov[PKT_BURST];
	uint16_t done = 0;
	while (done < n) {          /* PKT_BURST datagrams a call: a queue may hold more */
		if (__builtin_expect(!pkts[done]->len, 0)) {
			sp->st.tx_errors++;
			pkt_free(pkts[done++]);
			continue;
		}
		uint16_t m = 0;
		while (done + m < n && m < PKT_BURST && pkts[done + m]->len) {
			struct pkt_buf *p = pkts[done + m];
			iov[m] = (struct iovec){ p->data, p->len };
			msg[m].msg_hdr = (struct msghdr){ .msg_name = &sp->peer, .msg_namelen = sp->peer_len,
							  .msg_iov = &iov[m], .msg_iovlen = 1 };
			m++;
		}
		int r = sendmmsg(sp->fd, msg, m, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			break; /* the peer's queue is full: the caller keeps the rest */
		if (r < 0) {
			sp->st.tx_errors++;
			pkt_free(pkts[done++]);
			continue;
		}
		for (int i = 0; i < r; i++)
			sp->st.tx_bytes += pkts[done + i]->len;
		sp->st.tx_pkts += (uint64_t)r;
		pkt_free_burst(pkts + done, (unsigned)r);
		done = (uint16_t)(done + r);
		if (r < m)
			break;
	}
	return done;
}

static void sock_stats(struct vnet_port *vp, struct vnet_stats *out) { *out = ((struct sock_port *)vp)->st; }

static void sock_link(struct vnet_port *vp, struct vnet_link *out)
{
	(void)vp;
	out->up = true;
	out->speed_mbps = 0;
}

static void sock_close(struct vnet_port *vp)
{
	struct sock_port *sp = (struct sock_port *)vp;
	if (sp->n_spare)
		pkt_free_burst(sp->spare, sp->n_spare);
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->bound_path[0])
		unlink(sp->bound_path);
	free(sp);
}

static const struct vnet_ops sock_ops = {
	.kind = "sock",
	.stats = sock_stats,
	.link = sock_link,
	.close = sock_close,
};

/* ADDR: a Unix path (has a '/') or HOST:PORT (IPv4). */
static int parse_addr(const char *key, const char *v, size_t len, struct sockaddr_storage *ss, socklen_t *sl,
		      char *err, size_t errlen)
{
	memset(ss, 0, sizeof(*ss));
	if (memchr(v, '/', len)) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		if (len >= sizeof(un->sun_path)) {
			snprintf(err, errlen, "sock: %s: a Unix socket path has at most %zu bytes", key,
				 sizeof(un->sun_path) - 1);
			return -1;
		}
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, v, len);
		*sl = (socklen_t)sizeof(*un);
		return 0;
	}
	char buf[64];
	const char *colon = memchr(v, ':', len);
	if (!colon || len >= sizeof(buf)) {
		snprintf(err, errlen, "sock: %s: expected a Unix socket path or HOST:PORT, got '%.*s'", key, (int)len, v);
		return -1;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	memcpy(buf, v, (size_t)(colon - v));
	buf[colon - v] = 0;
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, buf, &in->sin_addr) != 1 || end != v + len || end == colon + 1 || port > 65535) {
		snprintf(err, errlen, "sock: %s: expected an IPv4 HOST:PORT, got '%.*s'", key, (int)len, v);
		return -1;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	*sl = (socklen_t)sizeof(*in);
	return 0;
}

struct vnet_port *vnet_sock_open(const char *args, struct pkt_pool *pool, char *err, size_t errlen)
{
	struct sockaddr_storage local;
	socklen_t local_len = 0;
	struct sock_port *sp = calloc(1, sizeof(*sp));
	if (!sp) {
		snprintf(err, errlen, "sock: out of memory");
		return NULL;
	}
	sp->fd = -1;
	for (const char *p = args; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (!strncmp(p, "bind=", 5)) {
			if (parse_addr("bind", p + 5, len - 5, &local, &local_len, err, errlen))
				goto fail;
		} else if (!strncmp(p, "peer=", 5)) {
			if (parse_addr("peer", p + 5, len - 5, &sp->peer, &sp->peer_len, err, errlen))
				goto fail;
		} else {
			snprintf(err, errlen, "sock: unknown argument '%.*s' (expected bind=ADDR,peer=ADDR)", (int)len, p);
			goto fail;
		}
		p += len + (end ? 1 : 0);
	}
	if (!local_len || !sp->peer_len) {
		snprintf(err, errlen, "sock: expected bind=ADDR,peer=ADDR, got '%s'", args);
		goto fail;
	}
	if (local.ss_family != sp->peer.ss_family) {
		snprintf(err, errlen, "sock: bind and peer must both be Unix paths or both HOST:PORT");
		goto fail;
	}
	sp->fd = socket(local.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sp->fd < 0) {
		snprintf(err, errlen, "sock: socket: %s", strerror(errno));
		goto fail;
	}
	if (local.ss_family == AF_UNIX) {
		const char *path = ((struct sockaddr_un *)&local)->sun_path;
		struct stat stt;
		if (lstat(path, &stt) == 0 && S_ISSOCK(stt.st_mode))
			unlink(path); /* a stale socket from an earlier run */
	}
	if (bind(sp->fd, (struct sockaddr *)&local, local_len) != 0) {
		snprintf(err, errlen, "sock: bind: %s", strerror(errno));
		goto fail;
	}
	if (local.ss_family == AF_UNIX)
		memcpy(sp->bound_path, ((struct sockaddr_un *)&local)->sun_path, sizeof(sp->bound_path));
	int buf = 4 << 20;
	setsockopt(sp->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(sp->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	sp->port.rx_burst = sock_rx_burst;
	sp->port.tx_burst = sock_tx_burst;
	sp->port.ops = &sock_ops;
	sp->port.pool = pool;
	memcpy(sp->port.mac, (const uint8_t[6]){ 0x02, 0x53, 0x4c, 0x53, 0, 0 }, 6);
	return &sp->port;
fail:
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp);
	return NULL;
}
