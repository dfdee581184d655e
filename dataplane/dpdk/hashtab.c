/* SPDX-License-Identifier: BSD-3-Clause */
/* hashtab.c - creating sluice-dp's lock-free, RCU-reclaimed rte_hash tables (hashtab.h). */
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/hashtab.h"

int hashtab_create(const char *name, uint32_t entries, uint32_t key_len,
		   rte_hash_free_key_data reclaim, struct rte_hash **h)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	struct rte_hash_rcu_config rcu = {
		.v = dp.qsbr,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.free_key_data_func = reclaim,
	};
	int ret;

	*h = rte_hash_create(&p);
	if (!*h)
		return -rte_errno;
	ret = rte_hash_rcu_qsbr_add(*h, &rcu);
	if (ret) {
		rte_hash_free(*h);
		*h = NULL;
	}
	return ret;
}
