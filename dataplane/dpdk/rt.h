/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt.h - the runtime state of sluice-dp: publishing generations (struct rt_state, built with
 * rt_model.h) by RCU, and the per-packet reads of a generation (rt_group_pick, rt_pin_verdict,
 * inline).
 */
#ifndef SL_RT_H
#define SL_RT_H

#include "dataplane/core/gwlb.h"
#include "dataplane/core/gwlb_table.h"
#include "dataplane/dpdk/dp.h"
#include "dataplane/lib/rt_model.h"

/* Publish s as the current state; wait for the workers to leave the old one, then free it. */
void rt_state_publish(struct rt_state *s);
/*
 * Wall clock (CLOCK_REALTIME, us) of the last rt_state_publish(): when the pointer was stored,
 * and when every worker had left the old generation. 0 before the first.
 */
void rt_publish_times(uint64_t *published_us, uint64_t *synced_us);

#define RT_PICK_BYPASS GWLB_PICK_BYPASS

/*
 * The target slot group g gives a new flow of hash `hash` (core/gwlb_table.h gwlb_pick over
 * the generation's compiled group and Maglev table), or -(drop reason + 1), or RT_PICK_BYPASS
 * (policy bypass); counts fail_open.
 */
static inline int rt_group_pick(const struct rt_group *g, uint32_t hash, struct dp_stats *st)
{
	uint8_t ev = 0;
	int ret = gwlb_pick(&g->gw, g->maglev, dp.maglev_size, hash, &ev);

	if (ev)
		st->events[SL_EV_FAIL_OPEN]++;
	return ret;
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
