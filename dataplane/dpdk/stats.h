/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.h - sluice-dp's counters: per-lcore arrays (dp.stats) summed on read, reported as JSON
 * (--stats-json, the /sluice/stats telemetry command) and as a summary at exit.
 */
#ifndef SL_DP_STATS_H
#define SL_DP_STATS_H

#include <stdio.h>

#include <jansson.h>

#include "dataplane/dpdk/dp.h"

#define DP_DROP(st, r)	((st)->drops[SL_DROP_##r]++)
#define DP_EVENT(st, e) ((st)->events[SL_EV_##e]++)

int stats_init(void);
void stats_free(void);
/* All counters, summed over lcores, as a new JSON object (NULL on allocation failure). */
json_t *stats_json(void);
int stats_write_json(const char *path);
void stats_print_summary(FILE *f);
int stats_telemetry_register(void);
/*
 * Control path: counter slot gidx now holds the target with `tag`; its counters read zero
 * from here on (a baseline is taken and subtracted on read).
 */
void stats_target_reset(uint32_t gidx, uint32_t tag);

#endif /* SL_DP_STATS_H */
