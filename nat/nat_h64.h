/* nat_h64.h - a fixed-capacity hash table from 64-bit keys to 32-bit values, the index
 * under every NAT table (mappings both ways, inside hosts, ADF remotes, outside addresses).
 *
 * Open addressing with linear probing; a deletion shifts the rest of its probe run back
 * (no tombstones), so lookups never slow down with churn. The capacity is fixed at create:
 * the smallest power of two that keeps the table at most three quarters full when it holds
 * its maximum (so between 37.5% and 75% full then), in one allocation of 12-byte slots.
 * A put beyond the maximum fails; nothing ever allocates after create. Keys are any 64-bit
 * values, mixed with a seed (keys an outsider chooses cannot pile up on one probe run
 * without knowing it) and murmur3's 64-bit finalizer. Values are anything but NAT_H64_NONE.
 *
 * A table belongs to one worker: no locks, no division, at most one probe run per call.
 */
#ifndef SLUICE_NAT_H64_H
#define SLUICE_NAT_H64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAT_H64_NONE UINT32_MAX         /* "absent" from nat_h64_get; not a storable value */
#define NAT_H64_MAX (1u << 30)          /* the largest maximum a table takes */

struct nat_h64;

/* murmur3's 64-bit finalizer (fmix64), the tables' mixer, for callers that spread by hash:
 * every key bit reaches every hash bit. */
static inline uint64_t nat_h64_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* A table for up to max entries (1 to NAT_H64_MAX). NULL: no memory, or max out of range. */
struct nat_h64 *nat_h64_create(uint32_t max, uint64_t seed);
void nat_h64_destroy(struct nat_h64 *h);

/* key's value, or NAT_H64_NONE. */
uint32_t nat_h64_get(const struct nat_h64 *h, uint64_t key);
/* key's value in place (to count up or down without a second lookup), or NULL. Valid until
 * the next put or del. */
uint32_t *nat_h64_find(struct nat_h64 *h, uint64_t key);
/* Sets key's value, adding the key when new. false, with nothing changed, when the key is
 * new and the table already holds its maximum. val must not be NAT_H64_NONE. */
bool nat_h64_put(struct nat_h64 *h, uint64_t key, uint32_t val);
/* Removes key. false: it was not there. */
bool nat_h64_del(struct nat_h64 *h, uint64_t key);

uint32_t nat_h64_count(const struct nat_h64 *h);
uint32_t nat_h64_max(const struct nat_h64 *h);
uint32_t nat_h64_capacity(const struct nat_h64 *h);        /* slots, a power of two */
size_t nat_h64_memory(const struct nat_h64 *h);            /* bytes held */

#endif
