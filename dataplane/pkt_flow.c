/* Flow keys: ICMP query ports and reversal (the key and the hash are inline in pkt_flow.h). */
#include "pkt_flow.h"

#include <string.h>

bool pkt_flow_icmp_ports(uint8_t proto, uint8_t type, uint16_t id, uint16_t *sport, uint16_t *dport)
{
	/* the kind of query, 1..4, and whether this is the response */
	unsigned kind;
	bool response;
	if (proto == PKT_IPPROTO_ICMP) {
		switch (type) {
		case 8: case 0: kind = 1; response = type == 0; break;     /* echo */
		case 13: case 14: kind = 2; response = type == 14; break;  /* timestamp */
		case 15: case 16: kind = 3; response = type == 16; break;  /* information */
		case 17: case 18: kind = 4; response = type == 18; break;  /* address mask */
		default: return false;
		}
	} else if (proto == PKT_IPPROTO_ICMPV6 && (type == 128 || type == 129)) {
		kind = 1;
		response = type == 129;
	} else {
		return false;
	}
	*sport = response ? (uint16_t)kind : id;
	*dport = response ? id : (uint16_t)kind;
	return true;
}

void pkt_flow_key_reverse(const struct pkt_flow_key *k, struct pkt_flow_key *rev)
{
	*rev = *k;
	memcpy(rev->src, k->dst, 16);
	memcpy(rev->dst, k->src, 16);
	rev->sport = k->dport;
	rev->dport = k->sport;
}

