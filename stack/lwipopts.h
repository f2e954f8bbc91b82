/* lwipopts.h - how Sluice builds lwIP 2.1.3 (the host stack, stack/stk.h).
 *
 * One thread, no OS (NO_SYS): the poll loop hands lwIP frames (stk_input) and time
 * (stk_poll); lwIP's raw API is the only API. IPv4 and IPv6 with ARP, ND, MLD, SLAAC and a
 * DHCPv4 client; TCP and UDP; no sockets, no netconn, no DNS, no raw pcbs, no IGMP, no
 * forwarding between interfaces (the appliance's dataplane forwards, never the stack).
 *
 * Memory is static and sized here, never malloc: the heap (MEM_SIZE) and the pools
 * (MEMP_NUM_*) are arrays in .bss. Received frames are not copied into lwIP's memory:
 * stk_input wraps each pkt_buf in a custom pbuf, so PBUF_POOL only backs the rare copy
 * (more frames held than STK_RX_SLOTS) and whatever lwIP builds in it.
 */
#ifndef SLUICE_LWIPOPTS_H
#define SLUICE_LWIPOPTS_H

#include <stdint.h>

/* ---- system ---------------------------------------------------------------------------- */
#define NO_SYS                          1
#define SYS_LIGHTWEIGHT_PROT            0   /* one thread, no interrupts */
#define LWIP_TIMERS                     1   /* sys_check_timeouts() from stk_poll() */
#define LWIP_SOCKET                     0
#define LWIP_NETCONN                    0
#define LWIP_NETIF_API                  0
#define LWIP_ALTCP                      0

/* Entropy for DHCP transaction IDs, MLD/RS delays and the first local ports: the platform's
 * (plat_random); TCP initial sequence numbers are RFC 6528's (LWIP_HOOK_TCP_ISN below). */
uint32_t stk_rand32(void);
#define LWIP_RAND()                     stk_rand32()
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
/* The Internet checksum eight bytes at a time (dataplane/pkt_csum.h) rather than lwIP's
 * two: every segment a server sends is summed whole (stk_port.c). */
unsigned short stk_chksum(const void *data, int len);
#define LWIP_CHKSUM                     stk_chksum

/* ---- memory ----------------------------------------------------------------------------- */
#define MEM_LIBC_MALLOC                 0
#define MEMP_MEM_MALLOC                 0
#define MEM_ALIGNMENT                   8   /* x86_64: the heap holds pointers */
/* Two sizes. An appliance whose stack only answers its management (fw, nat: /metrics,
 * the control socket, a few connections) keeps the small one. A server's (the httpd image,
 * and the hosted launcher, which runs every app: SLUICE_STK_SERVER) serves hundreds of
 * connections at once, sends files without copying them (tcp_write without
 * TCP_WRITE_FLAG_COPY: PBUF_ROM pbufs over the file's bytes, a small PBUF_RAM header each)
 * and keeps a larger send buffer per connection for large files. Every unit that includes
 * lwIP's headers must see the same size (meson: stack_cargs, and the image flavours). */
#ifdef SLUICE_STK_SERVER
/* The heap: fixed-size pools (lwippools.h: 8.6 MiB in all) for the TCP headers of no-copy
 * writes, copied writes (response heads, TLS records, /metrics), replies lwIP builds
 * (ICMP, RST, ND, DHCP) and DHCP's state. */
#define MEM_USE_POOLS                   1
#define MEMP_USE_CUSTOM_POOLS           1
#define MEM_USE_POOLS_TRY_BIGGER_POOL   1
#define MEM_SIZE                        (2 * 1024 * 1024)   /* unused with the pools */
#define MEMP_NUM_TCP_PCB                600 /* the server's 512 connections, TIME_WAIT, management */
#define MEMP_NUM_TCP_SEG                8192
#define MEMP_NUM_PBUF                   4096 /* PBUF_ROM headers of no-copy writes, fragments */
#else
/* The heap: TCP send data (tcp_write copies into PBUF_RAM: up to TCP_SND_BUF per
 * connection, so 64 KiB is about 5 connections sending a full buffer at once; the others
 * wait for ERR_MEM to clear), replies lwIP builds (ICMP, RST, ND, DHCP) and DHCP's state. */
#define MEM_SIZE                        (64 * 1024)
/* Pools. */
#define MEMP_NUM_TCP_PCB                32  /* the connection limit; lwIP kills the lowest
                                               priority / oldest (tcp_kill_prio, TIME_WAIT
                                               first) to make room for a new one */
#define MEMP_NUM_TCP_SEG                128 /* queued segments, sent and out of order */
#define MEMP_NUM_PBUF                   32  /* PBUF_REF/ROM headers (no-copy TCP writes, fragments) */
#endif
#define MEMP_NUM_TCP_PCB_LISTEN         6   /* metrics, control, http, https */
#define MEMP_NUM_UDP_PCB                4   /* DHCP's, and a few for the appliance */
#define PBUF_POOL_SIZE                  16  /* see above: received frames are our pkt_bufs */
#define MEMP_NUM_REASSDATA              4   /* datagrams being reassembled at once */
#define IP_REASS_MAX_PBUFS              16  /* fragments (pkt_bufs) reassembly may hold */
#define MEMP_NUM_FRAG_PBUF              16
#define MEMP_NUM_ARP_QUEUE              8
#define MEMP_NUM_ND6_QUEUE              8
#define MEMP_NUM_MLD6_GROUP             6   /* all-nodes + solicited-node per address, 2 ifs */

/* ---- link layer ------------------------------------------------------------------------- */
#define LWIP_ETHERNET                   1
#define LWIP_ARP                        1
#define ETH_PAD_SIZE                    0
#define ARP_TABLE_SIZE                  16
#define ARP_QUEUEING                    1
#define ETHARP_SUPPORT_VLAN             0   /* management is untagged */
#define LWIP_NETIF_STATUS_CALLBACK      1   /* an address came or went: one log line */
#define LWIP_NETIF_LINK_CALLBACK        0
#define LWIP_NETIF_HOSTNAME             0
#define LWIP_NETIF_LOOPBACK             0
#define LWIP_HAVE_LOOPIF                0
#define LWIP_SINGLE_NETIF               0
#define LWIP_NUM_NETIF_CLIENT_DATA      0

/* ---- IPv4 ------------------------------------------------------------------------------- */
#define LWIP_IPV4                       1
#define IP_FORWARD                      0
#define IP_REASSEMBLY                   1
#define IP_FRAG                         1
#define LWIP_ICMP                       1
#define LWIP_BROADCAST_PING             0
#define LWIP_MULTICAST_PING             0
#define LWIP_RAW                        0
#define LWIP_IGMP                       0
#define LWIP_AUTOIP                     0
#define LWIP_DHCP                       1
#define DHCP_DOES_ARP_CHECK             1   /* probe an offered address before taking it */
#define LWIP_DHCP_GET_NTP_SRV           0
#define LWIP_DNS                        0

/* ---- IPv6 ------------------------------------------------------------------------------- */
#define LWIP_IPV6                       1
#define LWIP_IPV6_FORWARD               0
#define LWIP_IPV6_NUM_ADDRESSES         3   /* link-local, static, one from SLAAC */
#define LWIP_IPV6_AUTOCONFIG            1
#define LWIP_IPV6_ADDRESS_LIFETIMES     1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT   1
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS   1
#define LWIP_IPV6_MLD                   1   /* ND's solicited-node groups */
#define LWIP_ICMP6                      1
#define LWIP_IPV6_REASS                 1
#define LWIP_IPV6_FRAG                  1
#define IPV6_FRAG_COPYHEADER            1   /* required where pointers are 8 bytes */
#define LWIP_IPV6_DHCP6                 0
#define LWIP_ND6_ALLOW_RA_UPDATES       1
#define LWIP_ND6_RDNSS_MAX_DNS_SERVERS  0
#define LWIP_ND6_NUM_NEIGHBORS          16
#define LWIP_ND6_NUM_DESTINATIONS       16
#define LWIP_ND6_NUM_PREFIXES           5
#define LWIP_ND6_NUM_ROUTERS            3

/* ---- transport -------------------------------------------------------------------------- */
#define LWIP_UDP                        1
#define LWIP_TCP                        1
#define TCP_MSS                         1460
#define TCP_WND                         (8 * TCP_MSS)
#ifdef SLUICE_STK_SERVER
#define TCP_SND_BUF                     (32 * TCP_MSS) /* 46 KiB in flight: large files at speed */
#else
#define TCP_SND_BUF                     (8 * TCP_MSS)
#endif
#define TCP_SND_QUEUELEN                (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ                 1
#define TCP_OOSEQ_MAX_PBUFS             4   /* out-of-order frames one connection may hold */
#define TCP_OOSEQ_MAX_BYTES             (4 * TCP_MSS)
#define LWIP_TCP_KEEPALIVE              1
#define LWIP_TCP_TIMESTAMPS             0
#define LWIP_WND_SCALE                  0
/* SYN floods: a listener holds at most its backlog of connections not yet accepted
 * (SYN_RCVD included); past it, SYNs are dropped. No SYN cookies in lwIP. */
#define TCP_LISTEN_BACKLOG              1
#define TCP_DEFAULT_LISTEN_BACKLOG      8
#define LWIP_CALLBACK_API               1
#define LWIP_EVENT_API                  0
#define SO_REUSE                        0

/* ---- checksums: all in software, all checked -------------------------------------------- */
#define CHECKSUM_GEN_IP                 1
#define CHECKSUM_GEN_UDP                1
#define CHECKSUM_GEN_TCP                1
#define CHECKSUM_GEN_ICMP               1
#define CHECKSUM_GEN_ICMP6              1
#define CHECKSUM_CHECK_IP               1
#define CHECKSUM_CHECK_UDP              1
#define CHECKSUM_CHECK_TCP              1
#define CHECKSUM_CHECK_ICMP             1
#define CHECKSUM_CHECK_ICMP6            1
#define LWIP_CHECKSUM_CTRL_PER_NETIF    0

/* ---- pbufs -------------------------------------------------------------------------------- */
#define LWIP_SUPPORT_CUSTOM_PBUF        1

/* ---- statistics (stk_counters) ------------------------------------------------------------ */
#define LWIP_STATS                      1
#define LWIP_STATS_LARGE                1   /* 32-bit counters */
#define LWIP_STATS_DISPLAY              0
#define LINK_STATS                      1
#define ETHARP_STATS                    1
#define IP_STATS                        1
#define IPFRAG_STATS                    1
#define ICMP_STATS                      1
#define UDP_STATS                       1
#define TCP_STATS                       1
#define MEM_STATS                       1
#define MEMP_STATS                      1
#define SYS_STATS                       0
#define IP6_STATS                       1
#define ICMP6_STATS                     1
#define IP6_FRAG_STATS                  1
#define MLD6_STATS                      0
#define ND6_STATS                       1
#define IGMP_STATS                      0
#define MIB2_STATS                      0

/* ---- hooks (stack/stk_hooks.h) ------------------------------------------------------------ */
#define LWIP_HOOK_FILENAME              "stk_hooks.h"
/* RFC 6528 initial sequence numbers: lwIP's own are a counter anyone can predict. */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
	stk_tcp_isn(local_ip, local_port, remote_ip, remote_port)
/* A static IPv6 default gateway (gw6=): the next hop for destinations off the link when
 * the interface has one; else the routers learned from advertisements. */
#define LWIP_HOOK_ND6_GET_GW(netif, dest) stk_nd6_gateway(netif, dest)

/* Debugging output is off (LWIP_DEBUG undefined); assertions stay on: arch/cc.h logs and
 * counts them (stk_counters: stk lwip_asserts). */

#endif
