/* RFC 7422 blocks: the layout is nat_det.h's; init does every division once. */
#include "nat_det.h"

#include <stdio.h>

struct nat_recip nat_recip_make(uint64_t d)
{
	uint8_t log = 0;
	while (((uint64_t)1 << log) < d)
		log++;
	struct nat_recip r = { .s = (uint8_t)(32 + log) };
	/* ceil(2^s / d) = floor((2^s - 1) / d) + 1, in 64 bits (s <= 64): no 128-bit
	 * division, which the image (no libgcc) cannot do */
	uint64_t top = r.s >= 64 ? UINT64_MAX : ((uint64_t)1 << r.s) - 1;
	r.m = top / d + 1;
	return r;
}

/* a.b.c.d of a host-order address, into one of two buffers (two in one message) */
static const char *ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

int nat_det_init(struct nat_det *d, uint32_t in_base, uint8_t in_len, uint32_t out_lo, uint32_t out_hi,
		 uint16_t port_lo, uint16_t port_hi, uint32_t block, char *err, size_t errlen)
{
	char b1[16], b2[16];
	if (in_len > 32) {
		snprintf(err, errlen, "inside prefix length %u is more than 32", in_len);
		return -1;
	}
	uint64_t hosts = (uint64_t)1 << (32 - in_len);
	uint32_t mask = in_len ? ~(uint32_t)0 << (32 - in_len) : 0;
	if (in_base & ~mask) {
		snprintf(err, errlen, "%s/%u has host bits set (the prefix is %s/%u)", ip_str(in_base, b1), in_len,
			 ip_str(in_base & mask, b2), in_len);
		return -1;
	}
	if (out_lo > out_hi) {
		snprintf(err, errlen, "outside addresses %s-%s are reversed", ip_str(out_lo, b1), ip_str(out_hi, b2));
		return -1;
	}
	if (port_lo > port_hi) {
		snprintf(err, errlen, "ports %u-%u are reversed", port_lo, port_hi);
		return -1;
	}
	uint64_t addrs = (uint64_t)out_hi - out_lo + 1;
	uint32_t ports = (uint32_t)port_hi - port_lo + 1;
	if (block > ports) {
		snprintf(err, errlen, "a block of %u ports is more than the %u of ports %u-%u", block, ports, port_lo,
			 port_hi);
		return -1;
	}
	uint64_t per_addr = (hosts + addrs - 1) / addrs;
	uint32_t size = block;
	if (size == 0)
		size = per_addr > ports ? 1 : (uint32_t)(ports / per_addr);
	if (per_addr * size > ports) {
		snprintf(err, errlen, "%s/%u needs %llu blocks; %llu address%s x %u ports hold %llu blocks of %u",
			 ip_str(in_base, b1), in_len, (unsigned long long)hosts, (unsigned long long)addrs,
			 addrs == 1 ? "" : "es", ports, (unsigned long long)(addrs * (ports / size)), size);
		return -1;
	}
	*d = (struct nat_det){
		.in_base = in_base,
		.in_len = in_len,
		.port_lo = port_lo,
		.port_hi = port_hi,
		.out_lo = out_lo,
		.out_hi = out_hi,
		.block = size,
		.hosts_per_addr = (uint32_t)per_addr,
		.host_last = (uint32_t)(hosts - 1),
		.share_first = 0,
		.share_last = (uint32_t)(hosts - 1),
		.div_hosts = nat_recip_make(per_addr),
		.div_block = nat_recip_make(size),
	};
	return 0;
}

int nat_det_share_range(struct nat_det *d, uint32_t in_first, uint32_t in_last)
{
	uint32_t first = in_first - d->in_base, last = in_last - d->in_base;
	if (first > d->host_last || last > d->host_last || first > last)
		return -1;
	d->share_first = first;
	d->share_last = last;
	return 0;
}

int nat_det_share(struct nat_det *d, uint32_t k, uint32_t n)
{
	if (n == 0 || k >= n)
		return -1;
	uint64_t hosts = (uint64_t)d->host_last + 1;
	uint64_t first = hosts * k / n, end = hosts * (k + 1) / n;
	if (first == end) {                 /* more workers than hosts: nothing for this one */
		d->share_first = 1;
		d->share_last = 0;
		return 0;
	}
	d->share_first = (uint32_t)first;
	d->share_last = (uint32_t)(end - 1);
	return 0;
}

bool nat_det_forward(const struct nat_det *d, uint32_t in, uint32_t *out, uint16_t *blk_lo, uint16_t *blk_hi)
{
	uint32_t i = in - d->in_base;       /* in_base is aligned: i <= host_last iff in is inside */
	if (i > d->host_last || i < d->share_first || i > d->share_last)
		return false;
	uint32_t a = nat_recip_div(&d->div_hosts, i);
	uint32_t j = i - a * d->hosts_per_addr;
	uint32_t lo = d->port_lo + j * d->block;    /* j * block + block <= P: no overflow */
	*out = d->out_lo + a;
	*blk_lo = (uint16_t)lo;
	*blk_hi = (uint16_t)(lo + d->block - 1);
	return true;
}

bool nat_det_reverse(const struct nat_det *d, uint32_t out, uint16_t port, uint32_t *in)
{
	if (out < d->out_lo || out > d->out_hi || port < d->port_lo || port > d->port_hi)
		return false;
	uint32_t j = nat_recip_div(&d->div_block, (uint32_t)port - d->port_lo);
	if (j >= d->hosts_per_addr)
		return false;
	uint64_t i = (uint64_t)(out - d->out_lo) * d->hosts_per_addr + j;
	if (i > d->host_last || i < d->share_first || i > d->share_last)
		return false;
	*in = d->in_base + (uint32_t)i;
	return true;
}
