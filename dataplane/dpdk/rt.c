/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt.c - publishing runtime state generations (built with rt_model.c) to the workers by RCU.
 */
#include <rte_rcu_qsbr.h>

#include "dataplane/dpdk/rt.h"
#include "dataplane/lib/ctl_server.h"

static uint64_t rt_published_us, rt_synced_us; /* the last rt_state_publish(), state log clock */

void rt_state_publish(struct rt_state *s)
{
	struct rt_state *old = dp.state;

	/* read before the store: no worker can see s before published_us (the churn test's
	 * eligibility windows rely on it) */
	rt_published_us = ctl_state_log_clock();
	__atomic_store_n(&dp.state, s, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
	rt_synced_us = ctl_state_log_clock();
	rt_state_free(old);
}

void rt_publish_times(uint64_t *published_us, uint64_t *synced_us)
{
	*published_us = rt_published_us;
	*synced_us = rt_synced_us;
}
