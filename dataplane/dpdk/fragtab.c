/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "dataplane/core/flow.h"
#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/flowtab.h"
#include "dataplane/dpdk/fragtab.h"
#include "dataplane/dpdk/sweep.h"
#include "dataplane/dpdk/worker.h"

static struct rte_hash *fragtab;
static uint64_t *fragtab_vals; /* indexed by hash position */
static uint32_t fragtab_max;   /* node.fragment_table_size */
static uint64_t fragtab_timeout_us;

int fragtab_init(uint32_t entries, uint32_t timeout_ms)
{
	fragtab_max = entries;
	fragtab_timeout_us = (uint64_t)timeout_ms * 1000;
	/*
	 * Room above the limit: the limit is counted (rte_hash_count), so that a cuckoo table
	 * near full never refuses below it.
	 */
	return flowtab_hash_create("sl_frags", RTE_MAX(entries * 2, 64u), sizeof(struct frag_key),
				   &fragtab, &fragtab_vals);
}

void fragtab_free(void)
{
	rte_hash_free(fragtab);
	rte_free(fragtab_vals);
	fragtab = NULL;
	fragtab_vals = NULL;
}

static inline uint32_t fragtab_sig(const struct frag_key *k)
{
	return (uint32_t)sl_siphash24((const uint8_t *)FLOW_HASH_KEY, (const uint8_t *)k,
				      sizeof(*k));
}

int fragtab_apply(struct wctx *w, struct pkt_info *pi, int mode)
{
	struct frag_key k;
	uint64_t val = 0, write = 0;
	uint32_t sig;
	int pos, verdict;

	if (!frag_tracked(pi))
		return FRAG_NONE;
	frag_key_make(pi, &k);
	sig = fragtab_sig(&k);
	pos = rte_hash_lookup_with_hash(fragtab, &k, sig);
	if (pos >= 0)
		val = __atomic_load_n(&fragtab_vals[pos], __ATOMIC_ACQUIRE);
	verdict = frag_decide(pi, pos >= 0 ? &val : NULL, w->now, fragtab_timeout_us, mode, &write);
	if (verdict != FRAG_RECORD)
		return verdict;
	/* a new key only below the limit: an expired entry of another key is swept, not taken */
	if (pos < 0 && rte_hash_count(fragtab) >= (int32_t)fragtab_max) {
		DP_EVENT(w->st, FRAG_TABLE_FULL);
		return verdict;
	}
	if (pos < 0)
		pos = rte_hash_add_key_with_hash(fragtab, &k, sig);
	if (pos < 0) {
		DP_EVENT(w->st, FRAG_TABLE_FULL);
		return verdict;
	}
	__atomic_store_n(&fragtab_vals[pos], write, __ATOMIC_RELEASE);
	DP_EVENT(w->st, FRAG_TRACKED);
	return verdict;
}

void fragtab_sweep(uint64_t now_us, struct sweep *sw)
{
	const void *key;
	void *data;
	int32_t pos;

	if (!fragtab)
		return;
	while ((pos = sweep_next(fragtab, sw, &key, &data)) >= 0) {
		struct frag_key copy;
		uint64_t v;

		v = __atomic_load_n(&fragtab_vals[pos], __ATOMIC_ACQUIRE);
		if (frag_val_live(v, now_us, fragtab_timeout_us))
			continue;
		memcpy(&copy, key, sizeof(copy));
		if (rte_hash_del_key_with_hash(fragtab, &copy, fragtab_sig(&copy)) >= 0)
			sw->deleted++;
	}
}

unsigned int fragtab_count(void)
{
	int32_t c = fragtab ? rte_hash_count(fragtab) : 0;

	return c < 0 ? 0 : (unsigned int)c;
}
