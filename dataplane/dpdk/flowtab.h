/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowtab.h - the flow table: (group, flow key) -> (target slot, last seen). One lock-free
 * rte_hash shared by every lcore (NIC RSS is not trusted to be symmetric, and appliance
 * returns arrive with other outer headers), values in a flat array indexed by the key's
 * position, each one 64-bit word so it is read and written whole. Each key also carries its
 * flow hash as the rte_hash key data: written once, with the key, before rte_hash publishes
 * it, so any lcore that finds the key finds its hash (no window, whatever the position held
 * before). Deleted key slots are reclaimed through RCU (QSBR) once every worker has passed a
 * quiescent point.
 */
#ifndef SL_FLOWTAB_H
#define SL_FLOWTAB_H

#include <stdint.h>

#include <rte_hash_crc.h>

#include "dataplane/core/flow.h"
#include "dataplane/core/gwlb.h"

/* the key: core/gwlb.h's struct gwlb_pin_key, shared with sluice-xdp's sl_flows */

/* value: core/gwlb.h's pin value, last seen (s) << 32 | the target's tag (incarnation, slot) */
#define FLOWTAB_VAL(tag, now_us) gwlb_pin_val((tag), (now_us))
#define FLOWTAB_TAG(v)		 gwlb_pin_tag(v)
#define FLOWTAB_SEEN_US(v)	 gwlb_pin_seen_us(v)

/*
 * The rte_hash signature of a key: CRC32 of the whole pin key (the CPU's crc32 instruction,
 * rte_hash_crc), so that finding a known flow needs no SipHash. Every add, lookup and delete
 * must pass it (the table's own hash function would pick another bucket). Only sluice-dp's
 * table is found by it: the flow hash (core/flow.h flow_key_hash) still picks targets and the
 * GENEVE source port, and each entry carries it (flowtab_lookup).
 */
static inline uint32_t flowtab_sig(const struct gwlb_pin_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0x736c6674u);
}

struct rte_hash;

/*
 * The kind of table the flow table is, for others too (fragtab.c): a hashtab.h table of
 * `entries` keys of key_len bytes and a zeroed array of 64-bit values indexed by key position
 * (*vals). 0 or a negative errno (nothing left allocated).
 */
int flowtab_hash_create(const char *name, uint32_t entries, uint32_t key_len, struct rte_hash **h,
			uint64_t **vals);
int flowtab_init(uint32_t entries);
void flowtab_free(void);
/*
 * Position (>= 0), value and flow hash (flow_key_hash(&k->fk), carried by the entry) of k, or
 * -ENOENT.
 */
int flowtab_lookup(const struct gwlb_pin_key *k, uint32_t sig, uint64_t *val, uint32_t *hash);
/*
 * Insert or overwrite; `hash` is flow_key_hash(&k->fk), kept with the key. Returns the position
 * or a negative errno (-ENOSPC: table full).
 */
int flowtab_set(const struct gwlb_pin_key *k, uint32_t sig, uint32_t hash, uint64_t val);
/* Delete k (an entry that was not kept and is not replaced); 0 or -ENOENT. */
int flowtab_del(const struct gwlb_pin_key *k, uint32_t sig);
/*
 * Refresh an entry found by flowtab_lookup with `val` to `nval` (core/gwlb_table.h
 * gwlb_choose's GWLB_PIN_TOUCH: once a second), unless another lcore changed it since.
 */
void flowtab_touch(int pos, uint64_t val, uint64_t nval);
/*
 * Main lcore: one step of the sweep (sweep.h) that deletes entries idle for longer than their
 * group's timeout (+ 1 s: last seen is kept in whole seconds).
 */
struct sweep;
void flowtab_sweep(uint64_t now_us, struct sweep *sw);
unsigned int flowtab_count(void);
/*
 * Control path (main lcore): the entry after *iter (start at 0), its key and value copied
 * while the workers run. Returns 0, or -ENOENT at the end.
 */
int flowtab_iterate(uint32_t *iter, struct gwlb_pin_key *k, uint64_t *val);

#endif /* SL_FLOWTAB_H */
