/* Rejections, written in place (pkt_answer.h). */
#include "fw_reject.h"

#include "pkt_answer.h"
#include "pkt_parse.h"

bool fw_reject_build(struct pkt_buf *p, enum fw_reject with, uint8_t code, const uint8_t *icmp_src)
{
	if (!pkt_answer_ok(p))
		return false;
	const struct pkt_meta *m = &p->meta;
	bool v6 = m->l3 == PKT_L3_IPV6;
	bool l4 = m->flags & PKT_F_L4;
	bool tcp = l4 && m->l4proto == PKT_IPPROTO_TCP;
	if (with == FW_REJECT_TCP_RESET || (with == FW_REJECT_AUTO && tcp)) {
		if (tcp)
			return pkt_answer_reset(p);
		with = FW_REJECT_AUTO;          /* a reset for something that is not TCP */
	}
	if (with == FW_REJECT_AUTO || (with == FW_REJECT_ICMP) == v6)
		code = v6 ? 4 : 3;              /* port unreachable */
	return pkt_answer_icmp(p, v6 ? 1 : 3, code, 0, icmp_src);
}
