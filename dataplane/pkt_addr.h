/* pkt_addr.h - addresses as text, both ways: IPv4 dotted quads (no leading zeros, as
 * inet_pton), IPv6 as RFC 4291 writes it (one "::", a dotted quad at the end) and as RFC
 * 5952 formats it (lower case, the longest run of two or more zero groups as "::"). No
 * printf and no libc beyond string.h: the image's host stack and its apps use it. */
#ifndef SLUICE_PKT_ADDR_H
#define SLUICE_PKT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Text forms, appended at buf[*at] (NUL-terminated, cut at len). */
void pkt_addr_put(char *buf, size_t len, size_t *at, const char *s);
void pkt_addr_put_ip4(char *buf, size_t len, size_t *at, const uint8_t a[4]);
void pkt_addr_put_ip6(char *buf, size_t len, size_t *at, const uint8_t a[16]);
void pkt_addr_put_uint(char *buf, size_t len, size_t *at, unsigned v);
/* Parsers of s[0..n): a decimal of at most 5 digits without a leading zero, at most max;
 * addresses, with why (a phrase after the word quoted) when they fail. */
bool pkt_addr_parse_dec(const char *s, size_t n, unsigned max, unsigned *out);
bool pkt_addr_parse_ip4(const char *s, size_t n, uint8_t out[4], const char **why);
bool pkt_addr_parse_ip6(const char *s, size_t n, uint8_t out[16], const char **why);

#endif
