/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.h - the neighbour table: static entries from the config and entries learned from ARP,
 * in one lock-free rte_hash shared by all lcores. A value is one 64-bit word (valid bit,
 * static bit, MAC) so readers never see a torn entry.
 */
#ifndef SL_NEIGH_H
#define SL_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>

int neigh_init(uint32_t capacity);
void neigh_free(void);
int neigh_add_static(uint8_t family, const uint8_t *addr, const uint8_t mac[6]);
/* 0 and the MAC, or -ENOENT. */
int neigh_lookup(uint8_t family, const uint8_t *addr, struct rte_ether_addr *mac);
/* Learn or refresh a dynamic entry; static entries win. Returns 1 if the entry changed. */
int neigh_learn(uint8_t family, const uint8_t *addr, const uint8_t mac[6]);
/* 1 if an unresolved address may be asked for now (at most once a second per address). */
int neigh_should_request(uint8_t family, const uint8_t *addr, uint64_t now_us);

#endif /* SL_NEIGH_H */
