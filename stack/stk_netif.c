/* The glue between pkt_bufs and lwIP's netif: frames in as custom pbufs over the
 * pkt_buf's own data (no copy; the buffer goes back to its pool when lwIP frees the
 * pbuf), frames out copied from lwIP's pbuf chains into pkt_bufs for the transmit hook,
 * and the per-packet test of which frames on a shared port are the stack's. */
#include "stk_internal.h"
#include "pkt_parse.h"

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/stats.h"
#include "netif/ethernet.h"

#include <string.h>

#define ETH_MIN_FRAME 60   /* without FCS: shorter frames leave padded with zeros */

/* ---- receive ----------------------------------------------------------------------------- */

void stk_rx_reset(void)
{
	stk.rx_free = NULL;
	for (unsigned i = STK_RX_SLOTS; i-- > 0;) {
		struct stk_rx *r = &stk.rx[i];
		if (!r->pkt) {
			r->next_free = stk.rx_free;
			stk.rx_free = r;
		}
	}
}

/* lwIP freed the last reference to a received frame: its pkt_buf goes home. */
static void rx_pbuf_free(struct pbuf *q)
{
	struct stk_rx *r = (struct stk_rx *)(void *)q;
	pkt_free(r->pkt);
	r->pkt = NULL;
	r->next_free = stk.rx_free;
	stk.rx_free = r;
	stk.rx_held--;
}

void stk_input(struct stk_if *ifc, struct pkt_buf *p)
{
	stk.cnt.frames_in++;
	LINK_STATS_INC(link.recv);
	if (!ifc || !ifc->used || !stk.up) {
		stk.cnt.frames_in_dropped++;
		LINK_STATS_INC(link.drop);
		pkt_free(p);
		return;
	}
	struct pbuf *q;
	struct stk_rx *r = stk.rx_free;
	if (r) {
		/* PBUF_REF: lwIP only moves the payload pointer within the frame, and copies
		 * the frame wherever it would need room in front of it (an echo reply). */
		r->pc.custom_free_function = rx_pbuf_free;
		q = pbuf_alloced_custom(PBUF_RAW, p->len, PBUF_REF, &r->pc, p->data, p->len);
		if (!q) { /* cannot be: the frame is exactly the memory given */
			stk.cnt.frames_in_dropped++;
			LINK_STATS_INC(link.drop);
			pkt_free(p);
			return;
		}
		stk.rx_free = r->next_free;
		r->next_free = NULL;
		r->pkt = p;
		stk.rx_held++;
	} else {
		/* lwIP holds STK_RX_SLOTS frames already: a copy in its own pool, so that it never
		 * holds more of the appliance's buffers (and may free its own under pressure). */
		q = pbuf_alloc(PBUF_RAW, p->len, PBUF_POOL);
		if (!q) {
			stk.cnt.frames_in_dropped++;
			LINK_STATS_INC(link.memerr);
			LINK_STATS_INC(link.drop);
			pkt_free(p);
			return;
		}
		pbuf_take(q, p->data, p->len);
		pkt_free(p);
		stk.cnt.frames_in_copied++;
	}
	if (ifc->netif.input(q, &ifc->netif) != ERR_OK) {
		stk.cnt.frames_in_dropped++;
		LINK_STATS_INC(link.drop);
		pbuf_free(q);
	}
}

/* ---- transmit ---------------------------------------------------------------------------- */

static err_t linkoutput(struct netif *netif, struct pbuf *q)
{
	const struct stk_if *ifc = netif->state;
	uint16_t len = q->tot_len;
	if (stk.tx_blocked) {     /* refused this round already: no copy made to be thrown away */
		stk.cnt.frames_out_busy++;
		LINK_STATS_INC(link.drop);
		return ERR_MEM;
	}
	if (len > PKT_DATAROOM) {
		stk.cnt.frames_out_too_long++;
		LINK_STATS_INC(link.lenerr);
		LINK_STATS_INC(link.drop);
		return ERR_IF;
	}
	struct pkt_buf *p = pkt_alloc(stk.pool);
	if (!p) {
		stk.cnt.frames_out_nobuf++;
		LINK_STATS_INC(link.memerr);
		LINK_STATS_INC(link.drop);
		return ERR_MEM;
	}
	uint16_t flen = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
	uint8_t *d = pkt_append(p, flen);
	if (!d) { /* a pool of smaller buffers than PKT_DATAROOM */
		pkt_free(p);
		stk.cnt.frames_out_too_long++;
		LINK_STATS_INC(link.lenerr);
		LINK_STATS_INC(link.drop);
		return ERR_IF;
	}
	pbuf_copy_partial(q, d, len, 0);
	if (flen > len)
		memset(d + len, 0, flen - len);
	p->port = ifc->port;
	if (!stk.tx(stk.tx_arg, ifc->port, p)) {
		pkt_free(p);
		stk.tx_blocked = true;
		stk.cnt.frames_out_busy++;
		LINK_STATS_INC(link.drop);
		return ERR_MEM;
	}
	stk.cnt.frames_out++;
	LINK_STATS_INC(link.xmit);
	return ERR_OK;
}

err_t stk_netif_init(struct netif *netif)
{
	const struct stk_if *ifc = netif->state;
	netif->name[0] = 'm';
	netif->name[1] = (char)('0' + (ifc - stk.ifs));
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, ifc->mac, ETH_HWADDR_LEN);
	netif->mtu = ifc->conf.mtu ? ifc->conf.mtu : 1500;
	netif->mtu6 = netif->mtu;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = linkoutput;
	return ERR_OK;
}

/* ---- which frames are the stack's ------------------------------------------------------- */

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static bool is_our_ip4(const struct stk_if *ifc, const uint8_t *a)
{
	uint32_t v, ours = ip4_addr_get_u32(netif_ip4_addr(&ifc->netif));
	memcpy(&v, a, 4);
	return ours && v == ours;
}

static bool wants_ip6(const struct stk_if *ifc, const uint8_t *dst, bool to_our_mac)
{
	const struct netif *n = &ifc->netif;
	if (dst[0] == 0xff) {
		/* ff02::1 all nodes, ff02::1:ffXX:XXXX solicited-node */
		static const uint8_t ll_prefix[11] = { 0xff, 0x02 };
		if (memcmp(dst, ll_prefix, 11))
			return false;
		if (dst[11] == 0 && dst[12] == 0 && dst[13] == 0 && dst[14] == 0 && dst[15] == 1)
			return true;
		if (dst[11] != 1 || dst[12] != 0xff)
			return false;
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
			const uint8_t *a = (const uint8_t *)netif_ip6_addr(n, i)->addr;
			if (!ip6_addr_isinvalid(netif_ip6_addr_state(n, i)) && !memcmp(a + 13, dst + 13, 3))
				return true;
		}
		return false;
	}
	if (!to_our_mac)
		return false;
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		if (!ip6_addr_isinvalid(netif_ip6_addr_state(n, i)) && !memcmp(netif_ip6_addr(n, i)->addr, dst, 16))
			return true;
	return false;
}

bool stk_may_want(const struct stk_if *ifc, const struct pkt_buf *p)
{
	const uint8_t *d = p->data;
	if (p->len < 34 || d[12] != 0x08 || d[13] != 0x00)
		return true;                    /* not untagged IPv4: the parse decides */
	if (ifc->conf.dhcp4 && !dhcp_supplied_address(&ifc->netif))
		return true;                    /* an offer may come to the address offered */
	uint32_t v, ours = ip4_addr_get_u32(netif_ip4_addr(&ifc->netif));
	memcpy(&v, d + 30, 4);              /* the IPv4 destination, whatever the options */
	return (ours && v == ours) || (ifc->conf.dhcp4 && v == 0xffffffffu);
}

bool stk_wants(const struct stk_if *ifc, const struct pkt_buf *p)
{
	const struct pkt_meta *m = &p->meta;
	if (!(m->flags & PKT_F_PARSED) || m->n_vlan)
		return false;
	const uint8_t *d = p->data, *l3 = d + m->l3_off;
	bool to_us = pkt_mac_eq(d, ifc->mac);
	switch (m->l3) {
	case PKT_L3_ARP:
		/* Ethernet/IPv4 ARP whose target is our address (requests, replies, probes) */
		return p->len >= m->l3_off + 28 && pkt_rd16(l3) == 1 && pkt_rd16(l3 + 2) == 0x0800 && l3[4] == 6 &&
		       l3[5] == 4 && (to_us || pkt_mac_eq(d, bcast_mac)) && is_our_ip4(ifc, l3 + 24);
	case PKT_L3_IPV4:
		if (to_us && is_our_ip4(ifc, l3 + 16))
			return true;
		/* DHCP's offers and acks: to our MAC or broadcast, before we have the address */
		return ifc->conf.dhcp4 && (to_us || pkt_mac_eq(d, bcast_mac)) && m->l4proto == 17 &&
		       (m->flags & PKT_F_L4) && !(m->flags & PKT_F_FRAG) && pkt_rd16(d + m->l4_off + 2) == 68;
	case PKT_L3_IPV6:
		return wants_ip6(ifc, l3 + 24, to_us);
	default:
		return false;
	}
}
