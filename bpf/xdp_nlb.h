/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_nlb.h - the load balancer's side of sluice-xdp: listeners (sl_listeners, sl_nlbcfg) from
 * the config, and listeners{} / targets' active_flows in the stats JSON (docs/nlb.md).
 */
#ifndef SL_XDP_NLB_H
#define SL_XDP_NLB_H

#include <stddef.h>

#include <jansson.h>

#include "xdp_maps.h"

/* After xdp_maps_fill(): the listener maps. 0, or -errno with a message in err. */
int xdp_nlb_init(struct xdp_dp *x, char *err, size_t errlen);
/* Add listeners{} and every target's active_flows to root (xdp_stats_json). 0 or -errno. */
int xdp_nlb_stats_json(const struct xdp_dp *x, json_t *root);

#endif /* SL_XDP_NLB_H */
