/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/flowtab.h"
#include "dataplane/dpdk/hashtab.h"
#include "dataplane/dpdk/sweep.h"

int flowtab_hash_create(const char *name, uint32_t entries, uint32_t key_len, struct rte_hash **h,
			uint64_t **vals)
{
	int ret = hashtab_create(name, entries, key_len, NULL, h);

	if (ret)
		return ret;
	*vals = rte_zmalloc(name, sizeof(uint64_t) * hashtab_positions(entries), 64);
	if (!*vals) {
		rte_hash_free(*h);
		*h = NULL;
		return -ENOMEM;
	}
	return 0;
}

int flowtab_init(uint32_t entries)
{
	return flowtab_hash_create("sl_flows", entries, sizeof(struct gwlb_pin_key), &dp.flows,
				   &dp.flow_vals);
}

void flowtab_free(void)
{
	rte_hash_free(dp.flows);
	rte_free(dp.flow_vals);
	dp.flows = NULL;
	dp.flow_vals = NULL;
}

int flowtab_lookup(const struct gwlb_pin_key *k, uint32_t sig, uint64_t *val, uint32_t *hash)
{
	void *data;
	int pos = rte_hash_lookup_with_hash_data(dp.flows, k, sig, &data);

	if (pos < 0)
		return -ENOENT;
	*val = __atomic_load_n(&dp.flow_vals[pos], __ATOMIC_ACQUIRE);
	*hash = (uint32_t)(uintptr_t)data;
	return pos;
}

int flowtab_set(const struct gwlb_pin_key *k, uint32_t sig, uint32_t hash, uint64_t val)
{
	/*
	 * rte_hash stores the data with the key before it publishes the key (or, for a key already
	 * there, in one store), but its data variant of add does not return the position: the
	 * lookup that follows finds the bucket just touched.
	 */
	int pos = rte_hash_add_key_with_hash_data(dp.flows, k, sig, (void *)(uintptr_t)hash);

	if (pos < 0)
		return pos;
	/* deleted in between by another lcore: not pinned, as if the table were full */
	pos = rte_hash_lookup_with_hash(dp.flows, k, sig);
	if (pos < 0)
		return pos;
	__atomic_store_n(&dp.flow_vals[pos], val, __ATOMIC_RELEASE);
	return pos;
}

int flowtab_del(const struct gwlb_pin_key *k, uint32_t sig)
{
	return rte_hash_del_key_with_hash(dp.flows, k, sig) < 0 ? -ENOENT : 0;
}

void flowtab_touch(int pos, uint64_t val, uint64_t nval)
{
	/* not a plain store: it would undo another lcore's new choice for the flow */
	__atomic_compare_exchange_n(&dp.flow_vals[pos], &val, nval, 0, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
}

void flowtab_sweep(uint64_t now_us, struct sweep *sw)
{
	const struct rt_state *s = __atomic_load_n(&dp.state, __ATOMIC_ACQUIRE);
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = sweep_next(dp.flows, sw, &key, &data)) >= 0) {
		const struct gwlb_pin_key *k = key;
		const struct rt_group *g;
		uint64_t v, idle;

		if (k->group >= s->n_groups)
			continue;
		g = &s->groups[k->group];
		if (k->fk.proto == 6)
			idle = g->idle_tcp;
		else if (k->fk.proto == 0) /* 2-tuple: TCP and others share the entry */
			idle = RTE_MAX(g->idle_tcp, g->idle_other);
		else
			idle = g->idle_other;
		v = __atomic_load_n(&dp.flow_vals[pos], __ATOMIC_ACQUIRE);
		if (now_us > FLOWTAB_SEEN_US(v) + idle + 1000000) {
			struct gwlb_pin_key copy = *k;

			if (!flowtab_del(&copy, flowtab_sig(&copy)))
				sw->deleted++;
		}
	}
}

int flowtab_iterate(uint32_t *iter, struct gwlb_pin_key *k, uint64_t *val)
{
	const void *key;
	void *data;
	int32_t pos;

	pos = rte_hash_iterate(dp.flows, &key, &data, iter);
	if (pos < 0)
		return -ENOENT;
	memcpy(k, key, sizeof(*k));
	*val = __atomic_load_n(&dp.flow_vals[pos], __ATOMIC_ACQUIRE);
	return 0;
}

unsigned int flowtab_count(void)
{
	int32_t c = rte_hash_count(dp.flows);

	return c < 0 ? 0 : (unsigned int)c;
}
