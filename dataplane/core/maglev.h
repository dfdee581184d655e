/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * maglev.h - weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016).
 * The build runs in user space (maglev.c); the lookup is header-only for the BPF program.
 */
#ifndef SL_CORE_MAGLEV_H
#define SL_CORE_MAGLEV_H

#include "compat.h"

#define MAGLEV_DEFAULT_SIZE 65537 /* prime */
#define MAGLEV_EMPTY	    0xFFFFFFFFu

/*
 * int maglev_build(uint32_t *table, uint32_t size, const uint64_t *keys, const uint32_t *weights,
 *                  uint32_t n);
 *      Fills table[0..size) with indexes 0..n-1 into keys/weights. size must be prime (-EINVAL
 *      otherwise). Targets with weight 0 get no entry; each target's share of entries is
 *      proportional to its weight. Offset/skip come from the target's key (see
 *      maglev_target_key), never from its index, so every node builds the same table from the
 *      same targets whatever their order. No eligible target: every entry MAGLEV_EMPTY, returns 0.
 *      Returns 0 or -EINVAL / -ENOMEM.
 * uint64_t maglev_target_key(const char *id);   stable 64-bit hash of a target's id string
 * int maglev_is_prime(uint32_t n);
 *
 * SL_INLINE uint32_t maglev_lookup(const uint32_t *table, uint32_t size, uint32_t hash);
 *      table[hash % size]
 */

#endif /* SL_CORE_MAGLEV_H */
