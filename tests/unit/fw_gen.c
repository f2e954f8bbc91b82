/* fw_gen.c - random rulesets and packets for the firewall's randomized tests (fw_gen.h). */
#include "fw_gen.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t fw_gen_rng;

uint64_t fw_gen_rnd(void)
{
	fw_gen_rng ^= fw_gen_rng << 13;
	fw_gen_rng ^= fw_gen_rng >> 7;
	fw_gen_rng ^= fw_gen_rng << 17;
	return fw_gen_rng;
}

unsigned fw_gen_pick(unsigned n) { return (unsigned)(fw_gen_rnd() % n); }

void fw_gen_put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		if ((size_t)k < t->cap - t->n) {
			t->n += (size_t)k;
			return;
		}
		t->cap = t->cap * 2 + (size_t)k + 64;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
}

/* The universe packets and rules draw from, small enough that they meet often. */
static const char *const v4net[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "192.168.0.0/16",
				     "0.0.0.0/0", "10.1.2.128/25", "172.16.0.0/12", "255.255.255.255" };
static const char *const v6net[] = { "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1::1", "::/0", "fe80::/10",
				     "2001:db8:1::/127", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
static const uint8_t v4pkt[][4] = { {10, 1, 2, 3}, {10, 1, 2, 200}, {10, 1, 9, 9}, {10, 2, 0, 1}, {192, 168, 7, 7},
				    {172, 20, 1, 1}, {8, 8, 8, 8}, {255, 255, 255, 255}, {0, 0, 0, 0} };
static const uint8_t v6pkt[][16] = {
	{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1}, {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0},
	{0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 5}, {0xfe, 0x80, [15] = 1},
	{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	{0x30, 0x00, [15] = 9}, {[15] = 1} };
static const uint16_t ports[] = { 0, 22, 53, 80, 443, 1024, 8000, 8080, 65535 };
static const uint8_t icmp_types[] = { 0, 1, 3, 8, 128, 135 };
static const char *const flagnames[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr" };
static const char *const states[] = { "new", "established", "related", "invalid" };

static const char *neg(void) { return fw_gen_pick(4) ? "" : "!= "; }

static void port_value(struct text *t)
{
	unsigned k = fw_gen_pick(6);
	if (k < 3) {
		fw_gen_put(t, "%u", ports[fw_gen_pick(9)]);
	} else if (k < 5) {
		unsigned a = ports[fw_gen_pick(9)], b = ports[fw_gen_pick(9)];
		fw_gen_put(t, "%u-%u", a < b ? a : b, a < b ? b : a);
	} else {
		fw_gen_put(t, "{ %u, %u-%u }", ports[fw_gen_pick(9)], ports[fw_gen_pick(4)], ports[4 + fw_gen_pick(5)]);
	}
}

static void gen_match(struct text *t)
{
	switch (fw_gen_pick(14)) {
	case 0: fw_gen_put(t, "iif %s%s ", neg(), fw_gen_pick(2) ? "lan" : "wan"); break;
	case 1: fw_gen_put(t, "oif %s%s ", neg(), fw_gen_pick(2) ? "lan" : "wan"); break;
	case 2: fw_gen_put(t, "ether type %s%s ", neg(), fw_gen_pick(2) ? "ipv4" : fw_gen_pick(2) ? "ipv6" : "arp"); break;
	case 3: fw_gen_put(t, "vlan id %s%u-%u ", neg(), fw_gen_pick(3), 3 + fw_gen_pick(5)); break;
	case 4:
		fw_gen_put(t, "ip %s %s%s ", fw_gen_pick(2) ? "saddr" : "daddr", neg(), fw_gen_pick(4) ? v4net[fw_gen_pick(9)] : "@n4");
		break;
	case 5:
		fw_gen_put(t, "ip6 %s %s%s ", fw_gen_pick(2) ? "saddr" : "daddr", neg(), fw_gen_pick(4) ? v6net[fw_gen_pick(7)] : "@n6");
		break;
	case 6: fw_gen_put(t, "meta l4proto %s%s ", neg(), fw_gen_pick(2) ? "tcp" : fw_gen_pick(2) ? "udp" : fw_gen_pick(2) ? "icmp" : "icmpv6"); break;
	case 7:
	case 8:
		fw_gen_put(t, "%s %s %s", fw_gen_pick(2) ? "tcp" : "udp", fw_gen_pick(2) ? "sport" : "dport", neg());
		if (fw_gen_pick(5))
			port_value(t);
		else
			fw_gen_put(t, "@ps");
		fw_gen_put(t, " ");
		break;
	case 9: {
		unsigned n = 1 + fw_gen_pick(3);
		fw_gen_put(t, "tcp flags ");
		for (unsigned i = 0; i < n; i++)
			fw_gen_put(t, "%s%s%s", i ? "," : "", fw_gen_pick(3) ? "" : "!", flagnames[fw_gen_pick(8)]);
		fw_gen_put(t, " ");
		break;
	}
	case 10:
	case 11:
		/* the same numbers in both families, so a family mix-up shows */
		fw_gen_put(t, "%s type %u ", fw_gen_pick(2) ? "icmp" : "icmpv6", icmp_types[fw_gen_pick(6)]);
		if (fw_gen_pick(2))
			fw_gen_put(t, "code %u ", fw_gen_pick(4));
		break;
	case 12: {
		fw_gen_put(t, "ct state %s%s", neg(), states[fw_gen_pick(4)]);
		if (fw_gen_pick(2))
			fw_gen_put(t, ",%s", states[fw_gen_pick(4)]);
		fw_gen_put(t, " ");
		break;
	}
	case 13: fw_gen_put(t, "meta length %s%u-%u ", neg(), 60 + fw_gen_pick(100), 200 + fw_gen_pick(1400)); break;
	}
}

void fw_gen_ruleset(struct text *t, unsigned n_rules, bool statements)
{
	t->n = 0;
	fw_gen_put(t, "interface lan\ninterface wan\n");
	fw_gen_put(t, "set n4 ipv4 { %s, %s }\n", v4net[1 + fw_gen_pick(4)], v4net[6 + fw_gen_pick(3)]);
	fw_gen_put(t, "set n6 ipv6 { %s, %s }\n", v6net[fw_gen_pick(3)], v6net[4 + fw_gen_pick(3)]);
	fw_gen_put(t, "set ps port { %u, %u-%u }\n", ports[fw_gen_pick(9)], ports[1 + fw_gen_pick(3)], ports[5 + fw_gen_pick(4)]);
	fw_gen_put(t, "chain forward policy %s {\n", fw_gen_pick(2) ? "accept" : "drop");
	for (unsigned r = 0; r < n_rules; r++) {
		unsigned m = fw_gen_pick(5);
		for (unsigned i = 0; i < m; i++)
			gen_match(t);
		if (statements) {
			if (!fw_gen_pick(6))
				fw_gen_put(t, "limit rate %u/second burst %u ", 1 + fw_gen_pick(50), 1 + fw_gen_pick(5));
			if (!fw_gen_pick(5))
				fw_gen_put(t, "counter ");
			if (!fw_gen_pick(8))
				fw_gen_put(t, "log ");
		}
		unsigned v = fw_gen_pick(10);
		fw_gen_put(t, "%s\n", v < 4 ? "accept" : v < 8 ? "drop" : v < 9 ? "counter" : "reject");
	}
	fw_gen_put(t, "}\n");
}

void fw_gen_pkt(struct fw_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->iif = (int)fw_gen_pick(3) - 1;
	p->oif = (int)fw_gen_pick(3) - 1;
	p->has_vlan = fw_gen_pick(3) == 0;
	p->vlan_id = (uint16_t)fw_gen_pick(10);
	p->ct_state = (uint8_t)(1u << fw_gen_pick(4));
	p->length = (uint16_t)(60 + fw_gen_pick(1500));
	unsigned fam = fw_gen_pick(5);
	if (fam == 0) {
		p->ethertype = fw_gen_pick(2) ? 0x0806 : 0x88cc;
		return;
	}
	p->family = fam <= 2 ? 4 : 6;
	p->ethertype = p->family == 4 ? 0x0800 : 0x86dd;
	if (p->family == 4) {
		memcpy(p->saddr, v4pkt[fw_gen_pick(9)], 4);
		memcpy(p->daddr, v4pkt[fw_gen_pick(9)], 4);
	} else {
		memcpy(p->saddr, v6pkt[fw_gen_pick(7)], 16);
		memcpy(p->daddr, v6pkt[fw_gen_pick(7)], 16);
	}
	p->has_l4proto = fw_gen_pick(8) != 0;
	unsigned pr = fw_gen_pick(5);
	p->l4proto = pr == 0 ? 6 : pr == 1 ? 17 : pr == 2 ? (p->family == 4 ? 1 : 58) : pr == 3 ? 6 : 47;
	if (!p->has_l4proto)
		return;
	if (p->l4proto == 6 || p->l4proto == 17) {
		p->has_ports = fw_gen_pick(10) != 0;   /* a non-first fragment has no ports */
		p->sport = fw_gen_pick(3) ? ports[fw_gen_pick(9)] : (uint16_t)fw_gen_rnd();
		p->dport = fw_gen_pick(3) ? ports[fw_gen_pick(9)] : (uint16_t)fw_gen_rnd();
		p->tcp_flags = (uint8_t)fw_gen_rnd();
	} else if (p->l4proto == 1 || p->l4proto == 58) {
		p->has_icmp = fw_gen_pick(10) != 0;
		p->icmp_type = icmp_types[fw_gen_pick(6)];
		p->icmp_code = (uint8_t)fw_gen_pick(5);
	}
}

void fw_gen_describe(const struct fw_pkt *p, char *out, size_t n)
{
	snprintf(out, n,
		 "iif %d oif %d ether %04x vlan %d/%u fam %u s %u.%u.%u.%u/%02x..%02x d %u.%u.%u.%u/%02x..%02x "
		 "l4 %d/%u ports %d %u>%u flags %02x icmp %d %u/%u ct %u len %u",
		 p->iif, p->oif, p->ethertype, p->has_vlan, p->vlan_id, p->family, p->saddr[0], p->saddr[1], p->saddr[2],
		 p->saddr[3], p->saddr[0], p->saddr[15], p->daddr[0], p->daddr[1], p->daddr[2], p->daddr[3], p->daddr[0],
		 p->daddr[15], p->has_l4proto, p->l4proto, p->has_ports, p->sport, p->dport, p->tcp_flags, p->has_icmp,
		 p->icmp_type, p->icmp_code, p->ct_state, p->length);
}

