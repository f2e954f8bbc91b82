/* capgen.h - the pcap generator's shared types: the language (lang.c), one parsed input
 * line (parse.c), frame building (build.c) and the pcap writer (pcap.c).
 *
 * An input line is a list of layers ("eth src=... / ipv4 ... / udp ...") and modifiers
 * ("repeat N", "trunc N", "pad N"). parse_line() turns it into a struct line whose values
 * are checked against the key tables; build_line() lays the layers out, derives what was
 * not given (types, protocols, lengths, checksums) and applies the modifiers. Every error
 * is reported once, as "FILE:LINE:COL: expected ..., got ...", by the stage that finds it.
 * See docs/CAPGEN.md for the language.
 */
#ifndef SLUICE_CAPGEN_H
#define SLUICE_CAPGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PKTGEN_MAX_FRAME 65535u /* largest frame, and the pcap snaplen */
#define PKTGEN_MAX_KEYS 16      /* keys of the largest layer (ipv4) fit */
#define PKTGEN_MAX_REPEAT 1000000u

/* Where a diagnostic points: a file and a line in it (columns are 1-based bytes). */
struct loc {
	const char *file;
	unsigned long line;
};

/* Prints "FILE:LINE:COL: " and the message to stderr. */
void diag(const struct loc *at, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* s[0..n) in single quotes, non-printable bytes escaped, long text shortened; the result
 * lives until the fourth call after this one. */
const char *quoted(const char *s, size_t n);

/* ---- the language (lang.c) ---- */

enum layer_kind { L_ETH, L_VLAN, L_ARP, L_IPV4, L_IPV6, L_IP6EXT, L_TCP, L_UDP, L_ICMP, L_ICMP6,
		  L_PAYLOAD, L_RAW, L__COUNT };

/* Value syntaxes. */
enum vtype {
	V_NUM,     /* decimal or 0x-hex, 0..max */
	V_FRAG8,   /* a fragment offset in bytes: a multiple of 8, 0..65528 */
	V_MAC,     /* aa:bb:cc:dd:ee:ff */
	V_IP4,     /* dotted quad */
	V_IP6,     /* any inet_pton() form */
	V_HEX,     /* pairs of hex digits, optionally after 0x; at most max bytes */
	V_TEXT,    /* "quoted with \\ \" \n \r \t \0 \xHH escapes", or a bare word */
	V_FLAGS,   /* TCP flag letters FSRPAUEC, or a number 0..255 */
	V_ARPOP,   /* request, reply or a number 0..65535 */
	V_EXTTYPE, /* hbh, rt, dst, frag: stored as the IPv6 next-header number */
};

struct key_def {
	const char *name;
	enum vtype type;
	uint32_t max; /* V_NUM: largest value; V_HEX, V_TEXT: most bytes */
	bool required;
};

struct layer_def {
	const char *name;
	const struct key_def *keys;
	unsigned n_keys;
};

extern const struct layer_def layer_defs[L__COUNT];

/* Key indexes of each layer, in the order of its key table. */
enum { ETH_SRC, ETH_DST, ETH_TYPE };
enum { VLAN_ID, VLAN_PCP, VLAN_DEI, VLAN_TPID, VLAN_TYPE };
enum { ARP_OP, ARP_SHA, ARP_SPA, ARP_THA, ARP_TPA, ARP_HTYPE, ARP_PTYPE, ARP_HLEN, ARP_PLEN };
enum { IP4_SRC, IP4_DST, IP4_TTL, IP4_ID, IP4_TOS, IP4_DF, IP4_MF, IP4_FRAG, IP4_PROTO, IP4_IHL,
       IP4_LEN, IP4_CSUM, IP4_OPTS, IP4_VER };
enum { IP6_SRC, IP6_DST, IP6_HLIM, IP6_FLOW, IP6_TC, IP6_NH, IP6_PLEN, IP6_VER };
enum { EXT_TYPE, EXT_LEN, EXT_OFF, EXT_M, EXT_ID, EXT_NH, EXT_DATA, EXT_RTYPE, EXT_SEGS };
enum { TCP_SPORT, TCP_DPORT, TCP_SEQ, TCP_ACK, TCP_FLAGS, TCP_WIN, TCP_DOFF, TCP_OPTS, TCP_CSUM,
       TCP_URP };
enum { UDP_SPORT, UDP_DPORT, UDP_LEN, UDP_CSUM };
enum { ICMP_TYPE, ICMP_CODE, ICMP_ID, ICMP_SEQ, ICMP_CSUM }; /* icmp and icmp6 */
enum { PL_LEN, PL_FILL, PL_HEX, PL_TEXT };
enum { RAW_HEX };

/* IPv6 next-header numbers of the extension headers (the values of ip6ext type=). */
#define EXT_HBH 0u
#define EXT_RT 43u
#define EXT_FRAG 44u
#define EXT_DST 60u

/* One key's value: numbers and enums in num, addresses in addr, byte strings in bytes. */
struct value {
	bool set;
	size_t col;      /* column of the key */
	uint64_t num;
	uint8_t addr[16];
	uint8_t *bytes;  /* malloc'd, V_HEX and V_TEXT */
	size_t len;
};

/* Parses s[0..n), the value of key k, which starts at column col; on error reports it and
 * returns false. Fills v->num/addr/bytes/len (not set or col). */
bool parse_value(const struct loc *at, size_t col, const struct key_def *k, const char *s, size_t n,
		 struct value *v);

/* A number, decimal or 0x-hex, of at most max; false if s is not one. */
bool parse_num(const char *s, size_t n, uint64_t max, uint64_t *out);

/* The placeholder in "expected KEY=WHAT" for a key's syntax ("N", "MAC", ...). */
const char *vtype_placeholder(enum vtype t);

/* ---- one parsed line (parse.c) ---- */

enum mod_kind { M_REPEAT, M_TRUNC, M_PAD, M_AT, M__COUNT };

struct layer {
	enum layer_kind kind;
	size_t col;     /* column of the layer name */
	size_t end_col; /* column just after its last word */
	struct value v[PKTGEN_MAX_KEYS];
};

struct mod {
	enum mod_kind kind;
	size_t col;
	uint32_t n;
};

struct line {
	struct layer *layers;
	size_t n_layers, cap;
	struct mod mods[M__COUNT]; /* in the order written; each kind at most once */
	unsigned n_mods;
	size_t end_col;            /* column just after the last word of the line */
};

/* Parses one line (without its newline) into ln, which it resets first. Returns 1 for a
 * line with layers, 0 for a blank or comment line, -1 after reporting an error. */
int parse_line(const struct loc *at, const char *s, size_t n, struct line *ln);

/* Frees what a line holds; the line can be parsed into again. */
void line_clear(struct line *ln);

/* ---- frames (build.c) ---- */

/* Builds the frame of a parsed line into buf (PKTGEN_MAX_FRAME bytes): *len is its length
 * after the modifiers, *count how many copies to emit. Returns false after reporting. */
bool build_line(const struct loc *at, const struct line *ln, uint8_t *buf, size_t *len,
		uint32_t *count);

/* ---- pcap output (pcap.c) ---- */

/* The classic pcap file header: native byte order, v2.4, snaplen 65535, Ethernet. */
bool pcap_write_header(FILE *f);

/* Packet number index (from 0) of the file, stamped 1700000000 s + index ms. */
bool pcap_write_packet(FILE *f, uint64_t index, const uint8_t *data, size_t len);

#endif
