/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_stats.h - the XDP program's per-CPU counters (sl_stats, sl_tstats) summed on read and
 * reported with the names and the JSON shape of sluice-dp --stats-json: ports by name, drops,
 * events, flows_active, nlb_sessions, listeners{} (xdp_nlb.c), workers, elapsed_s (at exit),
 * targets{group: {id: {packets, bytes, new_flows, state[, active_flows]}}}.
 */
#ifndef SL_XDP_STATS_H
#define SL_XDP_STATS_H

#include <stdio.h>

#include <jansson.h>

#include "bpf/xdp_maps.h"

/* Every counter as a new JSON object, or NULL (-errno in *err_out when given). */
json_t *xdp_stats_json(const struct xdp_dp *x, int *err_out);
int xdp_stats_write_json(const struct xdp_dp *x, const char *path);
/* The non-zero counters and every target, as a table (sluice-dp's exit summary). */
void xdp_stats_print_summary(const struct xdp_dp *x, FILE *f);

#endif /* SL_XDP_STATS_H */
