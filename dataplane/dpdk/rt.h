/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt.h - the runtime state of sluice-dp: publishing generations (struct rt_state, built with
 * rt_model.h) by RCU, and the per-packet reads of a generation (rt_group_pick, rt_pin_verdict,
 * inline).
 */
#ifndef SL_RT_H
#define SL_RT_H

#include "dataplane/core/gwlb.h"
#include "dataplane/core/maglev.h"
#include "dataplane/dpdk/dp.h"
#include "dataplane/lib/rt_model.h"

/* Publish s as the current state; wait for the workers to leave the old one, then free it. */
void rt_state_publish(struct rt_state *s);
/*
 * Wall clock (CLOCK_REALTIME, us) of the last rt_state_publish(): when the pointer was stored,
 * and when every worker had left the old generation. 0 before the first.
 */
void rt_publish_times(uint64_t *published_us, uint64_t *synced_us);

#define RT_PICK_BYPASS (-1000)

/*
 * The target slot group g gives a new flow of hash `hash` (Maglev over the eligible targets,
 * or the fail-open candidates), or -(drop reason + 1), or RT_PICK_BYPASS (policy bypass).
 */
static inline int rt_group_pick(const struct rt_group *g, uint32_t hash, struct dp_stats *st)
{
	uint32_t slot;

	switch (g->mode) {
	case RT_GROUP_NO_TARGET:
		return -(SL_DROP_NO_TARGET + 1);
	case RT_GROUP_DROP:
		return -(SL_DROP_ALL_UNHEALTHY_DROP + 1);
	case RT_GROUP_BYPASS:
		return RT_PICK_BYPASS;
	case RT_GROUP_FAIL_OPEN:
		st->events[SL_EV_FAIL_OPEN]++;
		break;
	default:
		break;
	}
	slot = maglev_lookup(g->maglev, dp.maglev_size, hash);
	if (slot == MAGLEV_EMPTY || slot >= g->n_targets)
		return -(SL_DROP_NO_TARGET + 1);
	return (int)slot;
}

/*
 * gwlb_flow_verdict for a pin: a gone target is a draining one whose delay has ended (its
 * flows move, NLB sessions are refused until idle).
 */
static inline int rt_pin_verdict(const struct rt_group *g, const struct rt_target *t, uint64_t now,
				 uint64_t last_seen, uint64_t idle)
{
	if (!t)
		return gwlb_flow_verdict(now, last_seen, idle, TS_DRAINING, 0, 0, 0);
	return gwlb_flow_verdict(now, last_seen, idle, t->state, t->drain_start, g->dereg_delay,
				 g->rebalance);
}

#endif /* SL_RT_H */
