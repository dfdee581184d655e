/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowtab.h - the flow table: (group, flow key) -> (target slot, last seen). One lock-free
 * rte_hash shared by every lcore (NIC RSS is not trusted to be symmetric, and appliance
 * returns arrive with other outer headers), values in a flat array indexed by the key's
 * position, each one 64-bit word so it is read and written whole. Deleted key slots are
 * reclaimed through RCU (QSBR) once every worker has passed a quiescent point.
 */
#ifndef SL_FLOWTAB_H
#define SL_FLOWTAB_H

#include <stdint.h>

#include "core/flow.h"

struct flowtab_key {
	struct flow_key fk;
	uint16_t group;
	uint8_t pad[6];
};
_Static_assert(sizeof(struct flowtab_key) == 48, "flowtab_key is the rte_hash key");

/* value: last seen (ms) << 16 | the target's slot tag (RT_TAG in rt_model.h: incarnation, slot) */
#define FLOWTAB_VAL(slot, now_us) ((((now_us) / 1000) << 16) | (uint16_t)(slot))
#define FLOWTAB_SLOT(v)		  ((uint16_t)(v))
#define FLOWTAB_SEEN_US(v)	  (((v) >> 16) * 1000)

/*
 * The rte_hash signature of a key: its flow hash, spread per group. Every add, lookup and
 * delete must pass it (the table's own hash function would pick another bucket).
 */
static inline uint32_t flowtab_sig(uint32_t flow_hash, unsigned int group)
{
	return flow_hash ^ (group * 0x9e3779b9u);
}

struct rte_hash;

/*
 * The kind of table the flow table is, for others too (fragtab.c): a lock-free rte_hash of
 * `entries` keys of key_len bytes shared by every lcore (multi-writer), deleted keys reclaimed
 * through dp.qsbr, and a zeroed array of 64-bit values indexed by key position (*vals). 0 or a
 * negative errno (nothing left allocated).
 */
int flowtab_hash_create(const char *name, uint32_t entries, uint32_t key_len, struct rte_hash **h,
			uint64_t **vals);
int flowtab_init(uint32_t entries);
void flowtab_free(void);
/* Position (>= 0) and value of k, or -ENOENT. */
int flowtab_lookup(const struct flowtab_key *k, uint32_t sig, uint64_t *val);
/* Insert or overwrite; returns the position or a negative errno (-ENOSPC: table full). */
int flowtab_set(const struct flowtab_key *k, uint32_t sig, uint64_t val);
/* Delete k (an entry that was not kept and is not replaced); 0 or -ENOENT. */
int flowtab_del(const struct flowtab_key *k, uint32_t sig);
/*
 * Refresh last-seen of an entry found by flowtab_lookup (skipped within the same second, and
 * when another lcore changed the entry since `val` was read).
 */
void flowtab_touch(int pos, uint64_t val, uint64_t now_us);
/* Delete entries idle for longer than their group's timeouts; returns how many. */
unsigned int flowtab_sweep(uint64_t now_us, unsigned int budget);
unsigned int flowtab_count(void);
/*
 * Control path (main lcore): the entry after *iter (start at 0), its key and value copied
 * while the workers run. Returns 0, or -ENOENT at the end.
 */
int flowtab_iterate(uint32_t *iter, struct flowtab_key *k, uint64_t *val);

#endif /* SL_FLOWTAB_H */
