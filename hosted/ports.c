/* Opening hosted ports from their specs. */
#include "ports.h"
#include "vnet_afpacket.h"
#include "vnet_dpdk.h"
#include "vnet_pcap.h"
#include "vnet_sock.h"

#include <stdio.h>
#include <string.h>

const char *hosted_port_spec_check(const char *spec)
{
	size_t k = !strncmp(spec, "afpacket:", 9) ? 9 : 5;
	if (k == 5 && strncmp(spec, "pcap:", 5) && strncmp(spec, "dpdk:", 5) && strncmp(spec, "sock:", 5))
		return "expected pcap:rx=FILE[,tx=FILE], pcap:tx=FILE, sock:bind=ADDR,peer=ADDR, afpacket:iface=NAME or "
		       "dpdk:DEVARGS, got";
	if (!spec[k])
		return "nothing after the backend name in";
	return NULL;
}

int hosted_ports_open(struct hosted_ports *hp, const char *const *specs, unsigned n, const char *eal,
		      uint32_t pool_size, char *err, size_t errlen)
{
	memset(hp, 0, sizeof(*hp));
	const char *dpdk_dev[PKT_MAX_PORTS];
	unsigned n_dpdk = 0;
	for (unsigned i = 0; i < n; i++)
		if (!strncmp(specs[i], "dpdk:", 5))
			dpdk_dev[n_dpdk++] = specs[i] + 5;
	if (n_dpdk) {
		if (vnet_dpdk_init(eal, dpdk_dev, n_dpdk, err, errlen) != 0)
			return -1;
		hp->dpdk = true;
		hp->pool = vnet_dpdk_pool_create("sluice_rx", pool_size, err, errlen);
	} else {
		hp->pool = pkt_pool_create("sluice_rx", pool_size);
		if (!hp->pool)
			snprintf(err, errlen, "cannot allocate %u packet buffers", pool_size);
	}
	if (!hp->pool) {
		hosted_ports_close(hp);
		return -1;
	}
	for (; hp->n < n; hp->n++) {
		const char *spec = specs[hp->n];
		char why[400];
		struct vnet_port *p = !strncmp(spec, "pcap:", 5)       ? vnet_pcap_open(spec + 5, hp->pool, why, sizeof(why))
				      : !strncmp(spec, "sock:", 5)     ? vnet_sock_open(spec + 5, hp->pool, why, sizeof(why))
				      : !strncmp(spec, "afpacket:", 9) ? vnet_afpacket_open(spec + 9, hp->pool, why, sizeof(why))
								       : vnet_dpdk_open(spec + 5, hp->pool, why, sizeof(why));
		if (!p) {
			snprintf(err, errlen, "port %u: %s", hp->n, why);
			hosted_ports_close(hp);
			return -1;
		}
		p->id = (uint16_t)hp->n;
		snprintf(p->name, sizeof(p->name), "port%u", hp->n);
		hp->port[hp->n] = p;
	}
	return 0;
}

void hosted_ports_describe_pool(const struct hosted_ports *hp, char *out, size_t len)
{
	if (hp->dpdk)
		vnet_dpdk_pool_describe(hp->pool, out, len);
	else
		snprintf(out, len, "pool %s: %u native buffers", hp->pool->name, hp->pool->size);
}

void hosted_ports_close(struct hosted_ports *hp)
{
	for (unsigned i = 0; i < hp->n; i++)
		vnet_close(hp->port[i]);
	hp->n = 0;
	if (hp->dpdk) {
		if (hp->pool)
			vnet_dpdk_pool_destroy(hp->pool);
		vnet_dpdk_fini();
	} else if (hp->pool) {
		pkt_pool_destroy(hp->pool);
	}
	hp->pool = NULL;
	hp->dpdk = false;
}
