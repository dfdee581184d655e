/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.h - the neighbour table: static entries from the config, configured next hops made at
 * start (`wanted`), and entries for the neighbours forwarding asked for, with the kernel-like
 * states and ageing of core/neigh.h. One lock-free rte_hash shared by all lcores (readers take
 * no lock; adding or deleting a key is the hash's multi-writer path, entries freed through the
 * RCU QSBR the workers report to). Per hash position one cache line of fields, each one word
 * stored atomically: readers never see a torn MAC; a race between two lcores on the other fields
 * costs at most an extra request. The table holds node.neighbor_table_size entries (static and
 * wanted ones included); docs/dataplane.md "Neighbours".
 */
#ifndef SL_NEIGH_H
#define SL_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>

int neigh_init(uint32_t capacity, uint64_t reachable_us);
void neigh_free(void);
int neigh_add_static(uint8_t family, const uint8_t *addr, const uint8_t mac[6]);
/* An entry for a configured next hop: learned from any ARP/ND, never evicted. 0 or -errno. */
int neigh_add_wanted(uint8_t family, const uint8_t *addr);
/* 0 and the MAC of an entry that has one (any state), or -ENOENT. Records no use. */
int neigh_lookup(uint8_t family, const uint8_t *addr, struct rte_ether_addr *mac);

/* neigh_resolve's answer */
#define NEIGH_RES_FORWARD 1 /* *mac is the next hop's */
#define NEIGH_RES_REQUEST 2 /* send a request for it now */
#define NEIGH_RES_FULL	  4 /* no entry and no room for one: neigh_table_full */
/*
 * Forwarding needs addr's MAC at now_us: NEIGH_RES_* flags. Makes an INCOMPLETE entry for an
 * unknown address (evicting a failed or unused one when the table is full), records the use,
 * and says when a request is due (core/neigh.h neigh_entry_use). *pos: the entry's position (for an
 * lcore's cache), -1 if none.
 */
int neigh_resolve(uint8_t family, const uint8_t *addr, uint64_t now_us, struct rte_ether_addr *mac,
		  int *pos);
/*
 * An ARP/ND message says addr is at mac; `confirm`: it answers us (core/neigh.h neigh_entry_learn).
 * Only an existing entry learns: 1 learned (the MAC or the state changed, or confirmed), 0 the
 * entry exists and nothing changed (static, or the same MAC unconfirmed), -ENOENT no entry (not
 * learned: the node has no use for addr).
 */
int neigh_learn(uint8_t family, const uint8_t *addr, const uint8_t mac[6], int confirm,
		uint64_t now_us);
/* Bumped whenever a MAC changes or goes: an lcore's cached MACs are then looked up again. */
uint32_t neigh_gen(void);
/* Main lcore: one step of the sweep (sweep.h) that deletes evictable entries idle past
 * NEIGH_GC_US. */
struct sweep;
void neigh_sweep(uint64_t now_us, struct sweep *sw);
/* Entries in the table now (static and wanted ones included). */
uint32_t neigh_count(void);

#endif /* SL_NEIGH_H */
