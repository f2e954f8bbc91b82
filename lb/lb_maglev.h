/* lb_maglev.h - Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI'16, section 3.4), with weights.
 *
 * A lookup table of m entries (m prime; 65,537 by default) names a backend in each entry.
 * Every backend has a preference list, a permutation of 0..m-1 made from two hashes of its
 * key (offset and skip, skip coprime to m since m is prime); the backends take turns
 * claiming the next free entry of their list until the table is full. So:
 *
 *   - with equal weights every backend holds floor(m/n) or ceil(m/n) entries;
 *   - with weights, a backend takes its turn only while its share is below its weight's
 *     (Envoy's weighted Maglev), so shares follow the weights within a few entries;
 *   - adding or removing one of n backends changes close to 1/n of the entries (the
 *     paper's figure 11: a little more than 1/n), and the rest stay where they were.
 *
 * A backend's key is its stable identity (the load balancer hashes the service's and the
 * backend's names, never their positions): the same set of keys and weights gives the same
 * table whatever the order of the array.
 *
 * Building is off the packet path (it allocates its scratch, and divides); a lookup is one
 * multiply and one load, no division: the 32-bit flow hash scaled into 0..m-1
 * (Lemire's multiply-shift), which spreads as evenly as a modulo for m below 2^32.
 */
#ifndef SLUICE_LB_MAGLEV_H
#define SLUICE_LB_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

#define LBM_SIZE_DEFAULT 65537u          /* the paper's */
#define LBM_SIZE_MIN 7u
#define LBM_SIZE_MAX 1048573u            /* the largest prime below 2^20 */
#define LBM_MAX_BACKENDS 4096u           /* per table */
#define LBM_WEIGHT_MAX 65535u
#define LBM_EMPTY 0xffffu                /* an entry when no backend has weight */

struct lbm_backend {
	uint64_t key;                    /* stable identity (a hash of its names) */
	uint32_t weight;                 /* 0..LBM_WEIGHT_MAX; 0: holds no entry */
};

/* true when m is prime (trial division: for configs, not packets). */
bool lbm_is_prime(uint32_t m);

/* Fills table[0..m) with indices into b[0..n): Maglev's population, weighted. With no
 * backend of non-zero weight (n == 0 included) every entry is LBM_EMPTY. 0, or -1 when m
 * is not a prime in LBM_SIZE_MIN..LBM_SIZE_MAX, n > LBM_MAX_BACKENDS, a weight is above
 * LBM_WEIGHT_MAX, or there is no memory for the scratch (table then unchanged). */
int lbm_build(uint16_t *table, uint32_t m, const struct lbm_backend *b, uint32_t n);

/* The entry for a flow's 32-bit hash: the index of a backend, or LBM_EMPTY. */
static inline uint16_t lbm_lookup(const uint16_t *table, uint32_t m, uint32_t hash)
{
	return table[(uint32_t)(((uint64_t)hash * m) >> 32)];
}

#endif
