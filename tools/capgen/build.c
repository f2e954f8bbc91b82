/* build.c - lays out a parsed line as an Ethernet frame.
 *
 * Three passes over the layers: sizes (and the 65535-byte limit), then every field front
 * to back (deriving EtherTypes and protocol numbers from the next layer), then lengths and
 * checksums back to front, so that a checksum covers inner layers that are already final
 * (an ICMP error quoting an IP packet, tunnels). Lengths run to the end of the enclosing
 * datagram: the end of the frame, or less where an outer ipv4 len=, ipv6 plen= or udp len=
 * was given. Explicit keys are written as given and never recomputed.
 */
#include "capgen.h"

#include <stdlib.h>
#include <string.h>

#include "pkt_csum.h"
#include "pkt_parse.h"

#define NUM(l, k, dflt) ((l)->v[k].set ? (l)->v[k].num : (uint64_t)(dflt))

static size_t pad_to(size_t n, size_t m) { return (n + m - 1) / m * m; }

static size_t layer_size(const struct layer *l)
{
	switch (l->kind) {
	case L_ETH: return 14;
	case L_VLAN: return 4;
	case L_ARP: return 28;
	case L_IPV4: return 20 + pad_to(l->v[IP4_OPTS].len, 4);
	case L_IPV6: return 40;
	case L_IP6EXT:
		if (l->v[EXT_TYPE].num == EXT_FRAG)
			return 8;
		if (l->v[EXT_DATA].set)
			return pad_to((l->v[EXT_TYPE].num == EXT_RT ? 4 : 2) + l->v[EXT_DATA].len, 8);
		return 8 * (1 + NUM(l, EXT_LEN, 0));
	case L_TCP: return 20 + pad_to(l->v[TCP_OPTS].len, 4);
	case L_UDP: case L_ICMP: case L_ICMP6: return 8;
	case L_PAYLOAD:
		return l->v[PL_LEN].set ? l->v[PL_LEN].num : l->v[PL_HEX].set ? l->v[PL_HEX].len : l->v[PL_TEXT].len;
	case L_RAW: return l->v[RAW_HEX].len;
	case L__COUNT: break;
	}
	return 0;
}

/* The EtherType that announces layer nx, or -1. */
static long ethertype_of(const struct layer *nx)
{
	switch (nx ? nx->kind : L__COUNT) {
	case L_VLAN: return (long)NUM(nx, VLAN_TPID, PKT_ETH_P_VLAN);
	case L_ARP: return PKT_ETH_P_ARP;
	case L_IPV4: return PKT_ETH_P_IPV4;
	case L_IPV6: return PKT_ETH_P_IPV6;
	default: return -1;
	}
}

/* The IP protocol (next header) number that announces layer nx, or -1. */
static long ipproto_of(const struct layer *nx)
{
	switch (nx ? nx->kind : L__COUNT) {
	case L_IPV4: return 4;
	case L_IPV6: return 41;
	case L_IP6EXT: return (long)nx->v[EXT_TYPE].num;
	case L_TCP: return PKT_IPPROTO_TCP;
	case L_UDP: return PKT_IPPROTO_UDP;
	case L_ICMP: return PKT_IPPROTO_ICMP;
	case L_ICMP6: return PKT_IPPROTO_ICMPV6;
	default: return -1;
	}
}

/* Layer i's type or protocol field: the explicit key, else derived from the next layer
 * (for IPv6 and its extension headers, 59 "no next header" at the end of the line). */
static bool next_field(const struct loc *at, const struct line *ln, size_t i, unsigned key, bool ether,
		       uint16_t *out)
{
	const struct layer *l = &ln->layers[i], *nx = i + 1 < ln->n_layers ? &ln->layers[i + 1] : NULL;
	if (l->v[key].set) {
		*out = (uint16_t)l->v[key].num;
		return true;
	}
	long v = ether ? ethertype_of(nx) : ipproto_of(nx);
	if (v < 0 && !nx && (l->kind == L_IPV6 || l->kind == L_IP6EXT))
		v = 59;
	if (v >= 0) {
		*out = (uint16_t)v;
		return true;
	}
	const char *name = layer_defs[l->kind].name, *kname = layer_defs[l->kind].keys[key].name;
	const char *which = ether ? "vlan, arp, ipv4, ipv6" : "ipv4, ipv6, ip6ext, tcp, udp, icmp, icmp6";
	if (nx)
		diag(at, nx->col, "expected a layer that sets the %s %s (%s) or %s %s=, got %s", name, kname, which,
		     name, kname, quoted(layer_defs[nx->kind].name, strlen(layer_defs[nx->kind].name)));
	else
		diag(at, ln->end_col, "expected a layer that sets the %s %s (%s) or %s %s=, got end of line", name,
		     kname, which, name, kname);
	return false;
}

/* Fills an IPv6 options area with Pad1/PadN options. */
static void pad_options(uint8_t *p, size_t n)
{
	while (n > 0) {
		if (n == 1) {
			*p = 0; /* Pad1 */
			return;
		}
		size_t k = n > 257 ? 257 : n;
		if (n - k == 1)
			k--; /* leave room for a PadN rather than a lone byte */
		p[0] = 1;
		p[1] = (uint8_t)(k - 2);
		memset(p + 2, 0, k - 2);
		p += k;
		n -= k;
	}
}

/* Front to back: every field but derived lengths and checksums (left zero). */
static bool write_layer(const struct loc *at, const struct line *ln, size_t i, uint8_t *p, size_t size)
{
	const struct layer *l = &ln->layers[i];
	const struct value *v = l->v;
	uint16_t t;
	switch (l->kind) {
	case L_ETH:
		if (!next_field(at, ln, i, ETH_TYPE, true, &t))
			return false;
		memcpy(p, v[ETH_DST].addr, 6);
		memcpy(p + 6, v[ETH_SRC].addr, 6);
		pkt_wr16(p + 12, t);
		break;
	case L_VLAN:
		if (!next_field(at, ln, i, VLAN_TYPE, true, &t))
			return false;
		pkt_wr16(p, (uint16_t)(NUM(l, VLAN_PCP, 0) << 13 | NUM(l, VLAN_DEI, 0) << 12 | v[VLAN_ID].num));
		pkt_wr16(p + 2, t);
		break;
	case L_ARP:
		pkt_wr16(p, (uint16_t)NUM(l, ARP_HTYPE, 1));
		pkt_wr16(p + 2, (uint16_t)NUM(l, ARP_PTYPE, PKT_ETH_P_IPV4));
		p[4] = (uint8_t)NUM(l, ARP_HLEN, 6);
		p[5] = (uint8_t)NUM(l, ARP_PLEN, 4);
		pkt_wr16(p + 6, (uint16_t)v[ARP_OP].num);
		memcpy(p + 8, v[ARP_SHA].addr, 6);
		memcpy(p + 14, v[ARP_SPA].addr, 4);
		memcpy(p + 18, v[ARP_THA].addr, 6);
		memcpy(p + 24, v[ARP_TPA].addr, 4);
		break;
	case L_IPV4:
		if (!next_field(at, ln, i, IP4_PROTO, false, &t))
			return false;
		p[0] = (uint8_t)(NUM(l, IP4_VER, 4) << 4 | NUM(l, IP4_IHL, size / 4));
		p[1] = (uint8_t)NUM(l, IP4_TOS, 0);
		pkt_wr16(p + 2, (uint16_t)NUM(l, IP4_LEN, 0));
		pkt_wr16(p + 4, (uint16_t)NUM(l, IP4_ID, 1));
		pkt_wr16(p + 6, (uint16_t)(NUM(l, IP4_DF, 0) << 14 | NUM(l, IP4_MF, 0) << 13 | NUM(l, IP4_FRAG, 0) / 8));
		p[8] = (uint8_t)NUM(l, IP4_TTL, 64);
		p[9] = (uint8_t)t;
		pkt_wr16(p + 10, (uint16_t)NUM(l, IP4_CSUM, 0));
		memcpy(p + 12, v[IP4_SRC].addr, 4);
		memcpy(p + 16, v[IP4_DST].addr, 4);
		if (v[IP4_OPTS].len)
			memcpy(p + 20, v[IP4_OPTS].bytes, v[IP4_OPTS].len);
		break;
	case L_IPV6:
		if (!next_field(at, ln, i, IP6_NH, false, &t))
			return false;
		pkt_wr32(p, (uint32_t)(NUM(l, IP6_VER, 6) << 28 | NUM(l, IP6_TC, 0) << 20 | NUM(l, IP6_FLOW, 0)));
		pkt_wr16(p + 4, (uint16_t)NUM(l, IP6_PLEN, 0));
		p[6] = (uint8_t)t;
		p[7] = (uint8_t)NUM(l, IP6_HLIM, 64);
		memcpy(p + 8, v[IP6_SRC].addr, 16);
		memcpy(p + 24, v[IP6_DST].addr, 16);
		break;
	case L_IP6EXT: {
		if (!next_field(at, ln, i, EXT_NH, false, &t))
			return false;
		p[0] = (uint8_t)t;
		if (v[EXT_TYPE].num == EXT_FRAG) {
			pkt_wr16(p + 2, (uint16_t)(NUM(l, EXT_OFF, 0) | NUM(l, EXT_M, 0)));
			pkt_wr32(p + 4, (uint32_t)NUM(l, EXT_ID, 0));
			break;
		}
		p[1] = (uint8_t)NUM(l, EXT_LEN, size / 8 - 1);
		size_t hdr = 2;
		if (v[EXT_TYPE].num == EXT_RT) {
			p[2] = (uint8_t)NUM(l, EXT_RTYPE, 0);
			p[3] = (uint8_t)NUM(l, EXT_SEGS, 0);
			hdr = 4;
		}
		if (v[EXT_DATA].len)
			memcpy(p + hdr, v[EXT_DATA].bytes, v[EXT_DATA].len);
		if (v[EXT_TYPE].num != EXT_RT) /* options: pad the rest with Pad1/PadN */
			pad_options(p + hdr + v[EXT_DATA].len, size - hdr - v[EXT_DATA].len);
		break;
	}
	case L_TCP:
		pkt_wr16(p, (uint16_t)v[TCP_SPORT].num);
		pkt_wr16(p + 2, (uint16_t)v[TCP_DPORT].num);
		pkt_wr32(p + 4, (uint32_t)NUM(l, TCP_SEQ, 0));
		pkt_wr32(p + 8, (uint32_t)NUM(l, TCP_ACK, 0));
		p[12] = (uint8_t)(NUM(l, TCP_DOFF, size / 4) << 4);
		p[13] = (uint8_t)NUM(l, TCP_FLAGS, 0x02);
		pkt_wr16(p + 14, (uint16_t)NUM(l, TCP_WIN, 8192));
		pkt_wr16(p + 16, (uint16_t)NUM(l, TCP_CSUM, 0));
		pkt_wr16(p + 18, (uint16_t)NUM(l, TCP_URP, 0));
		if (v[TCP_OPTS].len)
			memcpy(p + 20, v[TCP_OPTS].bytes, v[TCP_OPTS].len);
		break;
	case L_UDP:
		pkt_wr16(p, (uint16_t)v[UDP_SPORT].num);
		pkt_wr16(p + 2, (uint16_t)v[UDP_DPORT].num);
		pkt_wr16(p + 4, (uint16_t)NUM(l, UDP_LEN, 0));
		pkt_wr16(p + 6, (uint16_t)NUM(l, UDP_CSUM, 0));
		break;
	case L_ICMP:
	case L_ICMP6:
		p[0] = (uint8_t)v[ICMP_TYPE].num;
		p[1] = (uint8_t)v[ICMP_CODE].num;
		pkt_wr16(p + 2, (uint16_t)NUM(l, ICMP_CSUM, 0));
		pkt_wr16(p + 4, (uint16_t)NUM(l, ICMP_ID, 0));
		pkt_wr16(p + 6, (uint16_t)NUM(l, ICMP_SEQ, 0));
		break;
	case L_PAYLOAD:
		if (v[PL_LEN].set)
			memset(p, (int)NUM(l, PL_FILL, 0), size);
		else if (size)
			memcpy(p, v[PL_HEX].set ? v[PL_HEX].bytes : v[PL_TEXT].bytes, size);
		break;
	case L_RAW:
		if (size)
			memcpy(p, v[RAW_HEX].bytes, size);
		break;
	case L__COUNT:
		break;
	}
	return true;
}

/* RFC 8200 8.1: with a Routing header that still has segments left, the pseudo-header
 * holds the final destination: the last address of a type 0 or 2 header, the first
 * segment (the last to visit) of a Segment Routing header (type 4). NULL for none. */
static const uint8_t *final_dst(const struct line *ln, size_t from, size_t to, const uint8_t *buf,
				const size_t *start)
{
	for (size_t j = from; j < to; j++) {
		const uint8_t *p = buf + start[j];
		size_t size = start[j + 1] - start[j];
		if (ln->layers[j].kind != L_IP6EXT || ln->layers[j].v[EXT_TYPE].num != EXT_RT || p[3] == 0)
			continue;
		if ((p[2] == 0 || p[2] == 2) && size >= 24)
			return p + 8 + (size - 8) / 16 * 16 - 16;
		if (p[2] == 4 && size >= 24)
			return p + 8;
	}
	return NULL;
}

/* The pseudo-header sum for transport layer i of protocol proto and length len over the
 * nearest IP layer before it (ip: its index, or -1). */
static bool pseudo_sum(const struct loc *at, const struct line *ln, size_t i, long ip, uint8_t proto, size_t len,
		       const uint8_t *buf, const size_t *start, uint32_t *sum)
{
	const struct layer *l = &ln->layers[i], *ipl = ip >= 0 ? &ln->layers[ip] : NULL;
	bool v6only = l->kind == L_ICMP6;
	if (ipl && ipl->kind == L_IPV6) {
		const uint8_t *dst = final_dst(ln, (size_t)ip + 1, i, buf, start);
		*sum = pkt_csum_pseudo6(ipl->v[IP6_SRC].addr, dst ? dst : ipl->v[IP6_DST].addr, proto, (uint32_t)len);
		return true;
	}
	if (ipl && !v6only) {
		*sum = pkt_csum_pseudo4(ipl->v[IP4_SRC].addr, ipl->v[IP4_DST].addr, proto, (uint16_t)len);
		return true;
	}
	const char *name = layer_defs[l->kind].name;
	diag(at, l->col, "expected %s before %s (for its checksum) or %s csum=, got %s",
	     v6only ? "an ipv6 layer" : "an ipv4 or ipv6 layer", name, name, ipl ? "'ipv4'" : "none");
	return false;
}

/* Back to front: lengths, then checksums. start/lim: where each layer starts and where its
 * enclosing datagram ends; ip: the nearest ipv4/ipv6 layer before each, or -1. */
static bool finish_layer(const struct loc *at, const struct line *ln, size_t i, uint8_t *buf, size_t end,
			 const size_t *start, const size_t *lim, const long *ip)
{
	const struct layer *l = &ln->layers[i];
	const struct value *v = l->v;
	uint8_t *p = buf + start[i];
	size_t hdr = start[i + 1] - start[i];
	/* bytes from here to the end of the enclosing datagram, at least this header */
	size_t dlen = lim[i] > start[i + 1] ? lim[i] - start[i] : hdr;
	uint32_t sum;
	switch (l->kind) {
	case L_IPV4:
		if (!v[IP4_LEN].set)
			pkt_wr16(p + 2, (uint16_t)dlen);
		if (!v[IP4_CSUM].set) {
			size_t clen = (size_t)(p[0] & 0x0f) * 4;
			clen = clen < 20 ? 20 : clen > end - start[i] ? end - start[i] : clen;
			pkt_wr16(p + 10, pkt_csum(p, clen));
		}
		break;
	case L_IPV6:
		if (!v[IP6_PLEN].set)
			pkt_wr16(p + 4, (uint16_t)(dlen - 40));
		break;
	case L_UDP: {
		size_t ulen = v[UDP_LEN].set ? v[UDP_LEN].num : dlen;
		if (!v[UDP_LEN].set)
			pkt_wr16(p + 4, (uint16_t)ulen);
		if (v[UDP_CSUM].set)
			break;
		/* the checksum covers what the length field says, as far as there are bytes */
		ulen = ulen < 8 ? 8 : ulen > dlen ? dlen : ulen;
		if (!pseudo_sum(at, ln, i, ip[i], PKT_IPPROTO_UDP, ulen, buf, start, &sum))
			return false;
		uint16_t c = pkt_csum_fold(pkt_csum_add(sum, p, ulen));
		pkt_wr16(p + 6, c ? c : 0xffff); /* RFC 768: a computed 0 is sent as all ones */
		break;
	}
	case L_TCP:
		if (v[TCP_CSUM].set)
			break;
		if (!pseudo_sum(at, ln, i, ip[i], PKT_IPPROTO_TCP, dlen, buf, start, &sum))
			return false;
		pkt_wr16(p + 16, pkt_csum_fold(pkt_csum_add(sum, p, dlen)));
		break;
	case L_ICMP:
		if (!v[ICMP_CSUM].set)
			pkt_wr16(p + 2, pkt_csum(p, dlen));
		break;
	case L_ICMP6:
		if (v[ICMP_CSUM].set)
			break;
		if (!pseudo_sum(at, ln, i, ip[i], PKT_IPPROTO_ICMPV6, dlen, buf, start, &sum))
			return false;
		pkt_wr16(p + 2, pkt_csum_fold(pkt_csum_add(sum, p, dlen)));
		break;
	default:
		break;
	}
	return true;
}

bool build_line(const struct loc *at, const struct line *ln, uint8_t *buf, size_t *len, uint32_t *count)
{
	size_t n = ln->n_layers;
	size_t *start = calloc(2 * n + 1, sizeof *start);
	long *ip = calloc(n, sizeof *ip);
	bool ok = false;
	if (!start || !ip) {
		diag(at, 1, "expected memory for %zu layers, got none", n);
		goto out;
	}
	size_t *lim = start + n + 1;

	/* sizes */
	size_t end = 0;
	for (size_t i = 0; i < n; i++) {
		start[i] = end;
		end += layer_size(&ln->layers[i]);
		if (end > PKTGEN_MAX_FRAME) {
			diag(at, ln->layers[i].col, "expected a frame of at most %u bytes, got %zu bytes up to this %s",
			     PKTGEN_MAX_FRAME, end, layer_defs[ln->layers[i].kind].name);
			goto out;
		}
	}
	start[n] = end;

	/* fields, front to back; the enclosing datagram's end and IP layer of each */
	memset(buf, 0, end);
	size_t cur = end;
	long last_ip = -1;
	for (size_t i = 0; i < n; i++) {
		const struct layer *l = &ln->layers[i];
		lim[i] = cur;
		ip[i] = last_ip;
		if (!write_layer(at, ln, i, buf + start[i], start[i + 1] - start[i]))
			goto out;
		size_t given = l->kind == L_IPV4 && l->v[IP4_LEN].set   ? start[i] + l->v[IP4_LEN].num
			       : l->kind == L_IPV6 && l->v[IP6_PLEN].set ? start[i] + 40 + l->v[IP6_PLEN].num
			       : l->kind == L_UDP && l->v[UDP_LEN].set   ? start[i] + l->v[UDP_LEN].num
									 : cur;
		cur = given < cur ? given : cur;
		if (l->kind == L_IPV4 || l->kind == L_IPV6)
			last_ip = (long)i;
	}

	/* lengths and checksums, back to front */
	for (size_t i = n; i-- > 0;)
		if (!finish_layer(at, ln, i, buf, end, start, lim, ip))
			goto out;

	/* modifiers, in the order written */
	*count = 1;
	for (unsigned m = 0; m < ln->n_mods; m++) {
		const struct mod *md = &ln->mods[m];
		if (md->kind == M_REPEAT) {
			*count = md->n;
		} else if (md->kind == M_TRUNC && end > md->n) {
			end = md->n;
		} else if (md->kind == M_PAD && end < md->n) {
			memset(buf + end, 0, md->n - end);
			end = md->n;
		}
	}
	*len = end;
	ok = true;
out:
	free(start);
	free(ip);
	return ok;
}
