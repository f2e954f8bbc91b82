/* nat_det.h - deterministic address and port blocks (RFC 7422): each inside host of a
 * prefix owns one outside address and one block of its ports, a pure function of the
 * host's address, so "who had 192.0.2.7:40123?" is answered from the config alone, with
 * no log of mappings.
 *
 * The layout, which an operator's offline lookup (`sluice nat-lookup`) must match, with
 * H = 2^(32 - in_len) inside hosts, N = out_hi - out_lo + 1 outside addresses and
 * P = port_hi - port_lo + 1 ports per address:
 *
 *   hosts_per_addr = ceil(H / N)                 hosts spread evenly over the addresses,
 *                                                in runs of hosts_per_addr (RFC 7422 §2)
 *   block          = the given size, or (0) floor(P / hosts_per_addr)
 *   fits when        hosts_per_addr * block <= P   (H <= N * floor(P / block))
 *
 *   inside host in:  i   = in - in_base           (0 <= i < H)
 *                    out = out_lo + i / hosts_per_addr
 *                    j   = i % hosts_per_addr     (its block on that address)
 *                    ports port_lo + j * block .. port_lo + (j + 1) * block - 1
 *   outside out:port: a = out - out_lo, j = (port - port_lo) / block;
 *                    nobody when j >= hosts_per_addr (the ports left over above the
 *                    last block) or a * hosts_per_addr + j >= H (the blocks no host
 *                    needs); else in = in_base + a * hosts_per_addr + j.
 *
 * The divisions are done with multiply-shift reciprocals computed at init (struct
 * nat_recip: exact for every 32-bit dividend), so forward and reverse divide nothing.
 * ICMP query identifiers use the host's block as TCP and UDP ports do.
 *
 * Several instances over one pool: each serves a share of the inside hosts under the same
 * formula, so the blocks stay disjoint with no coordination and the offline lookup is the
 * same whatever the split. Give each instance the whole layout (the same nat_det_init)
 * and then its share: the inside addresses it owns (nat_det_share_range: disjoint
 * prefixes for separate boxes), or worker k of n (nat_det_share: host indices
 * floor(k * H / n) .. floor((k + 1) * H / n) - 1, contiguous runs). The engine must then
 * steer a host's packets to the instance owning it, outbound by the inside address and
 * inbound by nat_det_reverse on the unshared layout.
 *
 * A struct nat_det is plain data, read-only after init (and share): any number of threads
 * may read it.
 */
#ifndef SLUICE_NAT_DET_H
#define SLUICE_NAT_DET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n / d as (n * m) >> s, for every n < 2^32 and 1 <= d <= 2^32: s = 32 + ceil(log2 d) and
 * m = ceil(2^s / d). Then e = m * d - 2^s < d, and n / d's error n * e / (d * 2^s) stays
 * below 1/d because n * e < 2^32 * d <= 2^s, so the floor is exact. m < 2^33 + 1. */
struct nat_recip {
	uint64_t m;
	uint8_t s;
};

struct nat_det {
	uint32_t in_base;               /* inside prefix, host order, host bits zero */
	uint8_t in_len;
	uint16_t port_lo, port_hi;      /* the ports the blocks are cut from, inclusive */
	uint32_t out_lo, out_hi;        /* outside addresses, host order, inclusive */
	uint32_t block;                 /* ports per block, one block per inside host */
	uint32_t hosts_per_addr;        /* ceil(H / N) */
	uint32_t host_last;             /* H - 1 */
	uint32_t share_first, share_last; /* the host indices this instance serves (all after
	                                     init; first > last: none) */
	struct nat_recip div_hosts;     /* / hosts_per_addr */
	struct nat_recip div_block;     /* / block */
};

/* The reciprocal of d (1 to 2^32), and a division by it. */
struct nat_recip nat_recip_make(uint64_t d);
static inline uint32_t nat_recip_div(const struct nat_recip *r, uint32_t n)
{
	__extension__ typedef unsigned __int128 u128;
	return (uint32_t)(((u128)n * r->m) >> r->s);
}

/* Inside prefix in_base/in_len (host order), outside addresses out_lo..out_hi (host order,
 * inclusive), ports port_lo..port_hi, block: ports per inside host (0: as many as divide
 * evenly). 0, or -1 with a precise message in err (e.g. "10.0.0.0/16 needs 65536 blocks;
 * 4 addresses x 64512 ports hold 256 blocks of 1008") when it does not fit or an argument
 * is wrong (host bits set, a range reversed, a block larger than the port range). */
int nat_det_init(struct nat_det *d, uint32_t in_base, uint8_t in_len, uint32_t out_lo, uint32_t out_hi,
		 uint16_t port_lo, uint16_t port_hi, uint32_t block, char *err, size_t errlen);
/* Serve only the inside hosts in_first..in_last (inside the prefix, in_first <= in_last):
 * 0, or -1 with nothing changed. */
int nat_det_share_range(struct nat_det *d, uint32_t in_first, uint32_t in_last);
/* Serve only worker k of n's share (k < n; a share may be empty when n > H): 0, or -1. */
int nat_det_share(struct nat_det *d, uint32_t k, uint32_t n);

/* The outside address and port block of inside host in; false when in is outside the
 * prefix or the share. No division. */
bool nat_det_forward(const struct nat_det *d, uint32_t in, uint32_t *out, uint16_t *blk_lo, uint16_t *blk_hi);
/* The inside host that owns outside out:port; false: none (outside the addresses or the
 * ports, in the ports left over above the last block, in a block no host needs, or a host
 * outside the share). This is what `sluice nat-lookup` answers offline for abuse
 * requests. No division. */
bool nat_det_reverse(const struct nat_det *d, uint32_t out, uint16_t port, uint32_t *in);

#endif
