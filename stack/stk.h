/* stk.h - the appliance's own network stack: lwIP 2.1.3 on management interfaces.
 *
 * An appliance answers on its management addresses (ping, ARP and ND, the /metrics page
 * over TCP) with lwIP, built from Debian's source (subprojects/lwip-*) with this folder's
 * lwipopts.h: NO_SYS, the raw API only, IPv4 and IPv6 (ARP, ND, MLD, SLAAC, a DHCPv4
 * client), TCP and UDP, static memory, every checksum computed and checked in software.
 * The same code runs in the image (kernel/meson.build: img_stack_lib) and hosted.
 *
 * Frames come in without a copy: stk_input() wraps the pkt_buf in a custom pbuf
 * (PBUF_REF over its data) and the buffer goes back to its pool when lwIP frees the pbuf,
 * which may be much later (TCP data waiting for the application, out-of-order segments,
 * fragments waiting for the rest of their datagram). At most STK_RX_SLOTS frames are held
 * so; past that a frame is copied into lwIP's PBUF_POOL and its pkt_buf freed at once, so
 * lwIP never holds more than STK_RX_SLOTS buffers of the appliance's pool. Frames lwIP
 * sends are copied out of its pbufs into pkt_bufs from the pool given to stk_init() and
 * handed to the transmit hook.
 *
 * There is one lwIP per process, driven from the poll loop's thread only: stk_input() per
 * frame for the stack, stk_poll() about once a millisecond. lwIP's raw API (tcp_new(),
 * tcp_bind(), ...) may be used by the appliance between those calls; that code includes
 * lwIP's headers through stack_dep, which carries the include paths and lwipopts.h.
 *
 * Addresses: a management interface has IPv4 (static, or DHCP), IPv6 link-local always,
 * static IPv6 and/or SLAAC. lwIP 2.1 gives a static IPv6 address an implied /64 (on-link
 * determination and routing compare 64 bits), so the parser takes ip6=ADDR/64 only. lwIP
 * 2.1 has no setting for a static IPv6 gateway either: gw6= is served through lwIP's
 * LWIP_HOOK_ND6_GET_GW, which gives the next hop for destinations off the link; routers
 * learned from advertisements are used where no gw6 is set. The first interface added is
 * the default for both families.
 */
#ifndef SLUICE_STK_H
#define SLUICE_STK_H

#include "pkt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STK_MAX_IFS 2      /* management interfaces */
#define STK_RX_SLOTS 32    /* received frames lwIP may hold without a copy */

struct stk_if_conf {           /* one management interface's addresses */
	bool dhcp4;                /* IPv4 by DHCP (lwIP's client) */
	uint8_t ip4[4], prefix4;   /* a static IPv4 address/prefix (prefix4 == 0 and !dhcp4: no IPv4) */
	uint8_t gw4[4];            /* IPv4 default gateway (all zero: none; DHCP's router option when dhcp4) */
	uint8_t ip6[16], prefix6;  /* a static IPv6 address (prefix6 == 0: none; else 64) */
	uint8_t gw6[16];           /* IPv6 default gateway (all zero: none; a router advertisement's otherwise) */
	bool slaac;                /* IPv6 addresses from router advertisements */
	uint16_t mtu;              /* 0: 1500 */
};

/* Parses a management spec: comma-separated words
 *   dhcp | ip=A.B.C.D/N | gw=A.B.C.D | ip6=ADDR/64 | gw6=ADDR | slaac | mtu=N
 * e.g. "dhcp", "ip=10.0.0.2/24,gw=10.0.0.1,ip6=fd00::2/64". Returns 0, or -1 with the
 * column (1-based) of the word at fault and the reason in err:
 *   "column 1: 'ip=10.0.0.300/24': 300 is not a byte (0-255)".
 * Refused besides malformed words: a word given twice, no address at all (neither dhcp,
 * ip=, ip6= nor slaac), dhcp with ip= or gw=, gw= without ip= or outside its prefix, gw6=
 * neither link-local nor inside ip6='s /64 (nor without ip6= unless link-local), a prefix
 * of ip6= other than 64 (see above), mtu outside 1280 (IPv6's minimum) to
 * PKT_DATAROOM - 14. */
int stk_conf_parse(const char *spec, struct stk_if_conf *out, char *err, size_t errlen);
/* Formats the conf back (for logs): "ip=10.0.0.2/24,gw=10.0.0.1"; parses back to c. */
void stk_conf_format(const struct stk_if_conf *c, char *buf, size_t len);

/* Transmit hook: the stack made frame p for port. Returns true when it took p (the life
 * cycle queues it with pkt_txq_push()), false when the port has no room now: p stays the
 * stack's, which frees it and tells lwIP (ERR_MEM), so that TCP keeps the segment and
 * sends it again later (stk_tx_ready()) instead of losing it to a full queue and waiting
 * out a retransmission timeout. Counted as "frames_out_busy". */
typedef bool (*stk_tx_fn)(void *arg, uint16_t port, struct pkt_buf *p);

/* Brings lwIP up (once per process; a second call without stk_shutdown() fails). Frames
 * the stack sends are allocated from pool. */
int stk_init(struct pkt_pool *pool, stk_tx_fn tx, void *tx_arg, char *err, size_t errlen);

struct stk_if;
/* Adds a management interface on port, with the port's MAC, and brings it up: a static
 * IPv4 address is announced (gratuitous ARP), IPv6 addresses start duplicate address
 * detection, DHCP sends its DISCOVER, all through the transmit hook before this returns.
 * At most STK_MAX_IFS, one per port. NULL with the reason in err. */
struct stk_if *stk_if_add(uint16_t port, const uint8_t mac[6], const struct stk_if_conf *c, char *err,
			  size_t errlen);
/* The interface on port, or NULL. */
struct stk_if *stk_if_of_port(uint16_t port);

/* Hands p to lwIP without copying (see above); when lwIP frees the pbuf, p goes back to
 * its pool. Takes ownership in every case (a frame lwIP refuses is freed and counted). */
void stk_input(struct stk_if *ifc, struct pkt_buf *p);

/* On a port shared with transit traffic: is p (parsed by pkt_parse, p->meta valid) for
 * the stack? Untagged frames only: ARP whose target is one of its IPv4 addresses; IPv4
 * to its MAC and one of its addresses, or DHCP replies (UDP to port 68, to its MAC or
 * broadcast) while it runs DHCP; IPv6 to its MAC and one of its addresses, or to the
 * all-nodes group or the solicited-node group of one of its addresses (neighbour
 * solicitations, router advertisements, MLD queries). Cheap: a few compares. */
bool stk_wants(const struct stk_if *ifc, const struct pkt_buf *p);
/* Before any parse, from the frame's bytes: false only when p is certainly not for the
 * stack (untagged IPv4 to another address, outside DHCP's search for one), so that transit
 * IPv4 on an in-band port skips the parse and stk_wants(). */
bool stk_may_want(const struct stk_if *ifc, const struct pkt_buf *p);

/* lwIP's timers (sys_check_timeouts) with the clock in ms, which must not go back; call
 * about every ms from the poll loop. */
void stk_poll(uint64_t now_ms);
/* The ports have room again after the transmit hook refused a frame: TCP connections
 * that could not send try again now (lwIP's tcp_txnow). Cheap when none is waiting. */
void stk_tx_ready(void);

/* Its addresses now, for a log line: "10.0.2.15/24 gw 10.0.2.2 (dhcp), fe80::1/64,
 * fd00::2/64 (tentative)". Returns true once the interface has an IPv4 address (or a
 * static IPv6 one past duplicate address detection). */
bool stk_if_describe(const struct stk_if *ifc, char *buf, size_t len);
/* How many times the interface's addresses settled on something new (a lease, the end of
 * duplicate address detection, SLAAC): cheap to poll, to know when to describe again. */
unsigned stk_if_changes(const struct stk_if *ifc);

/* Counters for the metrics page, one emit(arg, proto, name, value) each: lwIP's own
 * (lwip_stats) for proto "link", "etharp", "ip", "ipfrag", "icmp", "udp", "tcp", "ip6",
 * "ip6frag", "icmp6", "nd6" (names "xmit", "recv", "fw", "drop", "chkerr", "lenerr",
 * "memerr", "rterr", "proterr", "opterr", "err", "cachehit"), "mem" ("avail", "used",
 * "max", "err", "illegal": bytes of the heap) and "memp" (per pool: "tcp_pcb_used",
 * "tcp_pcb_max", "tcp_pcb_err", ...); and the stack's own, proto "stk": "frames_in",
 * "frames_in_copied" (over STK_RX_SLOTS), "frames_in_dropped" (no slot and no pool pbuf,
 * or refused), "frames_out", "frames_out_nobuf" (no pkt_buf in the pool),
 * "frames_out_busy" (the transmit hook had no room),
 * "frames_out_too_long" (over PKT_DATAROOM), "pbufs_held" (pkt_bufs lwIP holds now),
 * "lwip_asserts", "lwip_errors". Names and protos are valid during the call only. */
void stk_counters(void (*emit)(void *arg, const char *proto, const char *name, uint64_t value), void *arg);

/* Takes every interface down (a DHCP lease is released, through the transmit hook),
 * closes every TCP pcb (tcp_abort; listeners tcp_close) and UDP pcb, drops fragments
 * waiting for reassembly, and returns how many pkt_bufs lwIP still holds: 0 when clean.
 * After it, stk_init may be called again (tests); lwIP itself stays initialised. */
unsigned stk_shutdown(void);

/* What a failed lwIP assertion does after its log line and count: nothing (NULL, the
 * default: lwIP carries on) or hook (tests: abort()). */
void stk_set_assert_hook(void (*hook)(const char *msg, const char *file, int line));

#endif
