/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt.h - building generations of the runtime state (struct rt_state, see dp.h) from the
 * config, from target state changes and from the control protocol. Control path only:
 * allocates, never runs per packet (except rt_group_pick and rt_pin_target, inline).
 */
#ifndef SL_RT_H
#define SL_RT_H

#include "core/gwlb.h"
#include "core/maglev.h"
#include "dp.h"

/* Build the first generation from the config. Returns NULL with a message in err. */
struct rt_state *rt_state_build(const struct config *cfg, uint32_t maglev_size, char *err,
				size_t errlen);
/*
 * A new generation equal to s but with target slot t of group g in state `state` since `now`
 * (us). Returns NULL on allocation failure; s is untouched either way.
 */
struct rt_state *rt_state_with_target(const struct rt_state *s, unsigned int g, unsigned int t,
				      uint8_t state, uint64_t now, uint32_t maglev_size);
/*
 * A deep copy of s as the next generation (generation + 1, no slot `fresh`), to be changed
 * with rt_group_* and completed with rt_state_finalize(). NULL on allocation failure.
 */
struct rt_state *rt_state_clone(const struct rt_state *s);
/* Recompute every group's mode and Maglev table. 0 or -ENOMEM (s is then only fit to free). */
int rt_state_finalize(struct rt_state *s, uint32_t maglev_size);
void rt_state_free(struct rt_state *s);

/* Publish s as the current state; wait for the workers to leave the old one, then free it. */
void rt_state_publish(struct rt_state *s);
/*
 * Wall clock (CLOCK_REALTIME, us) of the last rt_state_publish(): when the pointer was stored,
 * and when every worker had left the old generation. 0 before the first.
 */
void rt_publish_times(uint64_t *published_us, uint64_t *synced_us);

/* The slot of the present target `id` of g, or -1. */
int rt_group_find(const struct rt_group *g, const char *id);
/*
 * Give the new target `id` a slot of group gi of s: a never used slot first, else the one
 * freed longest ago, with the next incarnation. The slot is present and fresh, its other
 * members zero. Returns the slot or -ENOSPC (RT_SLOTS present) / -ENOMEM.
 */
int rt_group_add(struct rt_state *s, unsigned int gi, const char *id);
/* Take the target in `slot` out of the set: its pins are gone from the next generation. */
void rt_group_remove(struct rt_group *g, unsigned int slot);
/* Does a target of zone `zone` take traffic on this node (its zone, or cross-zone)? */
int rt_in_zone(const struct cfg_group *cg, const char *zone);

const char *rt_mode_name(enum rt_group_mode m);

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
 * The target a pin (flow-table value or NLB session) with `tag` refers to, or NULL when that
 * target is gone (removed, or its slot now holds another target).
 */
static inline const struct rt_target *rt_pin_target(const struct rt_group *g, uint16_t tag)
{
	unsigned int slot = RT_TAG_SLOT(tag);

	if (slot >= g->n_targets || !g->targets[slot].present || g->targets[slot].tag != tag)
		return NULL;
	return &g->targets[slot];
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
