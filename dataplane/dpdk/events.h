/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * events.h - scheduled target state changes for replays (--events FILE): lines of
 * `TIME GROUP TARGET STATE`. Every generation is built at startup, so applying an event in the
 * packet loop is one pointer swap, deterministic between two packets.
 */
#ifndef SL_EVENTS_H
#define SL_EVENTS_H

#include <stddef.h>

#include "dataplane/dpdk/dp.h"
#include "dataplane/lib/evfile.h"

/* Parse the file (evfile.h) and prebuild one state per event on top of dp.state. */
int events_load(const char *path, char *err, size_t errlen);
void events_free(void);
/* The state to use at `now`: publishes every due event's generation (single worker only). */
const struct rt_state *events_apply(uint64_t now, const struct rt_state *cur);

#endif /* SL_EVENTS_H */
