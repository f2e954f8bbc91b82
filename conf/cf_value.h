/* cf_value.h - readers for the values inside a rule-language word, shared by every
 * engine's statements (conf/): IPv4 and IPv6 addresses and prefixes, MAC addresses, ports
 * and port ranges, numbers. Each reads the whole word or fails with a message naming the
 * column of the first wrong character (the word's own column plus the offset), as
 * FILE:LINE:COL: expected ..., got '...'.
 */
#ifndef SLUICE_CF_VALUE_H
#define SLUICE_CF_VALUE_H

#include "cf_lex.h"

struct cf_prefix {
	uint8_t family;          /* 4 or 6 */
	uint8_t len;             /* prefix length: 0..32 or 0..128 (a plain address is /32 or /128) */
	uint8_t addr[16];        /* network order; host bits beyond len are zero */
};

struct cf_range {
	uint32_t lo, hi;         /* inclusive */
};

/* "10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1". Host bits set beyond the prefix
 * length are an error (as nft says: it would not mean what it seems to). */
int cf_read_prefix(const char *file, const struct cf_tok *t, struct cf_prefix *out, struct cf_err *err);
/* The same for an interface address, where host bits are the point ("192.0.2.1/24"). */
int cf_read_host_prefix(const char *file, const struct cf_tok *t, struct cf_prefix *out, struct cf_err *err);
/* "02:00:00:00:00:01": six hex pairs; a multicast address is refused. */
int cf_read_mac(const char *file, const struct cf_tok *t, uint8_t out[6], struct cf_err *err);
/* "80" or "8000-8080", each 0..max, lo <= hi. what names the value in messages ("port"). */
int cf_read_range(const char *file, const struct cf_tok *t, uint32_t max, const char *what, struct cf_range *out,
		  struct cf_err *err);

#endif
