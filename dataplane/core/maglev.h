/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * maglev.h - weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016).
 * The build runs in user space (maglev.c); the lookup is header-only for the BPF program.
 *
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
 *
 * The algorithm is normative: other implementations (the Python reference used by the tests,
 * any future dataplane) must produce the same table bit for bit. With M = size:
 *
 *   key_i    = maglev_target_key(id_i)
 *            = sl_siphash24("sluice-maglev-v1" (16 bytes, no NUL), id_i, strlen(id_i))
 *   offset_i = (uint32_t)key_i % M
 *   skip_i   = (uint32_t)(key_i >> 32) % (M - 1) + 1
 *
 *   Processing order: targets sorted by (key ascending, then index ascending). Entries hold
 *   the original index i (the position in keys/weights), not the sorted position.
 *
 *   W = the largest weight; next_i = 0, credit_i = 0 (64-bit), filled = 0; every entry EMPTY.
 *   repeat until filled == M:
 *     for each target i, in processing order, with weight_i > 0:
 *       credit_i += weight_i
 *       while credit_i >= W and filled < M:
 *         c = (offset_i + (uint64_t)next_i * skip_i) % M
 *         while table[c] != MAGLEV_EMPTY: next_i++, recompute c
 *         table[c] = i; next_i++; filled++; credit_i -= W
 *
 * With equal weights this is the paper's round-robin population. Weights only change how many
 * turns a target takes per round, so a target's preference list (its permutation) is the same
 * whatever the other targets, which is what keeps disruption minimal when the set changes.
 */
#ifndef SL_CORE_MAGLEV_H
#define SL_CORE_MAGLEV_H

#include "dataplane/core/compat.h"

#define MAGLEV_DEFAULT_SIZE 65537 /* prime */
#define MAGLEV_EMPTY	    0xFFFFFFFFu

#ifndef __bpf__
int maglev_build(uint32_t *table, uint32_t size, const uint64_t *keys, const uint32_t *weights,
		 uint32_t n);
uint64_t maglev_target_key(const char *id);
int maglev_is_prime(uint32_t n);
#endif

/* size must be the table's (non-zero) size; returns a target index or MAGLEV_EMPTY. */
SL_INLINE uint32_t maglev_lookup(const uint32_t *table, uint32_t size, uint32_t hash)
{
	return table[hash % size];
}

#endif /* SL_CORE_MAGLEV_H */
