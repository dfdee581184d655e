/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt.h - building generations of the runtime state (struct rt_state, see dp.h) from the
 * config and from target state changes. Control path only: allocates, never runs per packet.
 */
#ifndef SL_RT_H
#define SL_RT_H

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

#endif /* SL_RT_H */
