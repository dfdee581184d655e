/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "dp.h"
#include "neigh.h"

#define NEIGH_VALID  (1ull << 63)
#define NEIGH_STATIC (1ull << 62)
#define NEIGH_MAC    ((1ull << 48) - 1)

struct neigh_key {
	uint8_t family;
	uint8_t pad[3];
	uint8_t addr[16];
};

static void neigh_key_make(struct neigh_key *k, uint8_t family, const uint8_t *addr)
{
	memset(k, 0, sizeof(*k));
	k->family = family;
	memcpy(k->addr, addr, family == 4 ? 4 : 16);
}

static uint64_t neigh_pack(const uint8_t mac[6])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}

int neigh_init(uint32_t capacity)
{
	struct rte_hash_parameters p = {
		.name = "sl_neigh",
		.entries = capacity,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	size_t slots;

	dp.neigh = rte_hash_create(&p);
	if (!dp.neigh)
		return -rte_errno;
	/* positions can exceed `entries` by the per-lcore free-slot caches of a multi-writer hash
	 */
	slots = (size_t)capacity + RTE_MAX_LCORE * 64 + 1;
	dp.neigh_vals = rte_zmalloc("sl_neigh_vals", sizeof(uint64_t) * slots, 64);
	dp.neigh_req = rte_zmalloc("sl_neigh_req", sizeof(uint64_t) * slots, 64);
	if (!dp.neigh_vals || !dp.neigh_req) {
		neigh_free();
		return -ENOMEM;
	}
	return 0;
}

void neigh_free(void)
{
	rte_hash_free(dp.neigh);
	rte_free(dp.neigh_vals);
	rte_free(dp.neigh_req);
	dp.neigh = NULL;
	dp.neigh_vals = NULL;
	dp.neigh_req = NULL;
}

int neigh_add_static(uint8_t family, const uint8_t *addr, const uint8_t mac[6])
{
	struct neigh_key k;
	int pos;

	neigh_key_make(&k, family, addr);
	pos = rte_hash_add_key(dp.neigh, &k);
	if (pos < 0)
		return pos;
	__atomic_store_n(&dp.neigh_vals[pos], NEIGH_VALID | NEIGH_STATIC | neigh_pack(mac),
			 __ATOMIC_RELEASE);
	return 0;
}

int neigh_lookup(uint8_t family, const uint8_t *addr, struct rte_ether_addr *mac)
{
	struct neigh_key k;
	uint64_t v;
	int pos, i;

	neigh_key_make(&k, family, addr);
	pos = rte_hash_lookup(dp.neigh, &k);
	if (pos < 0)
		return -ENOENT;
	v = __atomic_load_n(&dp.neigh_vals[pos], __ATOMIC_ACQUIRE);
	if (!(v & NEIGH_VALID))
		return -ENOENT;
	for (i = 5; i >= 0; i--, v >>= 8)
		mac->addr_bytes[i] = (uint8_t)v;
	return 0;
}

int neigh_learn(uint8_t family, const uint8_t *addr, const uint8_t mac[6])
{
	struct neigh_key k;
	uint64_t old, v = NEIGH_VALID | neigh_pack(mac);
	int pos;

	neigh_key_make(&k, family, addr);
	pos = rte_hash_add_key(dp.neigh, &k);
	if (pos < 0)
		return 0;
	old = __atomic_load_n(&dp.neigh_vals[pos], __ATOMIC_ACQUIRE);
	if ((old & NEIGH_STATIC) || old == v)
		return 0;
	__atomic_store_n(&dp.neigh_vals[pos], v, __ATOMIC_RELEASE);
	__atomic_fetch_add(&dp.neigh_gen, 1, __ATOMIC_RELEASE); /* lcore caches go stale */
	return 1;
}

int neigh_should_request(uint8_t family, const uint8_t *addr, uint64_t now_us)
{
	struct neigh_key k;
	uint64_t last;
	int pos;

	neigh_key_make(&k, family, addr);
	pos = rte_hash_add_key(dp.neigh, &k);
	if (pos < 0)
		return 0;
	last = __atomic_load_n(&dp.neigh_req[pos], __ATOMIC_RELAXED);
	if (last && now_us < last + 1000000)
		return 0;
	return __atomic_compare_exchange_n(&dp.neigh_req[pos], &last, now_us ? now_us : 1, 0,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
