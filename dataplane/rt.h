/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt.h - building generations of the runtime state (struct rt_state, see dp.h) from the
 * config and from target state changes. Control path only: allocates, never runs per packet.
 */
#ifndef SL_RT_H
#define SL_RT_H

#include "core/maglev.h"
#include "dp.h"

/* Build the first generation from the config. Returns NULL with a message in err. */
struct rt_state *rt_state_build(const struct config *cfg, uint32_t maglev_size, char *err,
				size_t errlen);
/*
 * A new generation equal to s but with target t of group g in state `state` since `now` (us).
 * Returns NULL on allocation failure; s is untouched either way.
 */
struct rt_state *rt_state_with_target(const struct rt_state *s, unsigned int g, unsigned int t,
				      uint8_t state, uint64_t now, uint32_t maglev_size);
void rt_state_free(struct rt_state *s);

/* Publish s as the current state; wait for the workers to leave the old one, then free it. */
void rt_state_publish(struct rt_state *s);

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

#endif /* SL_RT_H */
