/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hashtab.h - the kind of rte_hash every shared table of sluice-dp is (flows, fragments,
 * neighbours, NLB sessions): lock-free, one for every lcore (any lcore adds: multi-writer),
 * deleted keys reclaimed through RCU (dp.qsbr) once every worker has passed a quiescent point.
 * Values live beside it, in an array indexed by the key's position (rte_hash_add_key's return).
 */
#ifndef SL_HASHTAB_H
#define SL_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

#include <rte_config.h>
#include <rte_hash.h>

/*
 * Create the table `name` of `entries` keys of key_len bytes, hashed with rte_jhash, its
 * deleted keys reclaimed through dp.qsbr (defer queue; reclaim, if not NULL, is then called
 * with each key's data). 0 and *h, or a negative errno (rte_hash_create's rte_errno, or
 * rte_hash_rcu_qsbr_add's) with nothing left allocated.
 */
int hashtab_create(const char *name, uint32_t entries, uint32_t key_len,
		   rte_hash_free_key_data reclaim, struct rte_hash **h);

/*
 * How many positions a table of `entries` keys may hand out: more than `entries`, by the
 * per-lcore free-slot caches of a multi-writer hash. The size of the value array.
 */
static inline size_t hashtab_positions(uint32_t entries)
{
	return (size_t)entries + RTE_MAX_LCORE * 64 + 1;
}

#endif /* SL_HASHTAB_H */
