/* fw_value.h - readers for the values inside a rule-language word: IPv4 and IPv6
 * addresses and prefixes, ports and port ranges, numbers. Each reads the whole word or
 * fails with a message naming the column of the first wrong character (the word's own
 * column plus the offset), as FILE:LINE:COL: expected ..., got '...'.
 */
#ifndef SLUICE_FW_VALUE_H
#define SLUICE_FW_VALUE_H

#include "fw_lex.h"

struct fw_prefix {
	uint8_t family;          /* 4 or 6 */
	uint8_t len;             /* prefix length: 0..32 or 0..128 (a plain address is /32 or /128) */
	uint8_t addr[16];        /* network order; host bits beyond len are zero */
};

struct fw_range {
	uint32_t lo, hi;         /* inclusive */
};

/* "10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1". Host bits set beyond the prefix
 * length are an error (as nft says: it would not mean what it seems to). */
int fw_read_prefix(const char *file, const struct fw_tok *t, struct fw_prefix *out, struct fw_err *err);
/* The same for an interface address, where host bits are the point ("192.0.2.1/24"). */
int fw_read_host_prefix(const char *file, const struct fw_tok *t, struct fw_prefix *out, struct fw_err *err);
/* "02:00:00:00:00:01": six hex pairs; a multicast address is refused. */
int fw_read_mac(const char *file, const struct fw_tok *t, uint8_t out[6], struct fw_err *err);
/* "80" or "8000-8080", each 0..max, lo <= hi. what names the value in messages ("port"). */
int fw_read_range(const char *file, const struct fw_tok *t, uint32_t max, const char *what, struct fw_range *out,
		  struct fw_err *err);

#endif
