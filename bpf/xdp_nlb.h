/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_nlb.h - the load balancer's side of sluice-xdp: listeners (sl_listeners, sl_nlbcfg) from
 * the config; nlb_sessions, listeners{} and targets' active_flows in the stats JSON
 * (docs/nlb.md); the sessions in the protocol's flows reply (docs/protocol.md).
 */
#ifndef SL_XDP_NLB_H
#define SL_XDP_NLB_H

#include <stddef.h>

#include <jansson.h>

#include "dataplane/lib/ctl_server.h"
#include "bpf/xdp_maps.h"

/* After xdp_maps_fill(): the listener maps. 0, or -errno with a message in err. */
int xdp_nlb_init(struct xdp_dp *x, char *err, size_t errlen);
/*
 * sl_replies = the reply table of generation s (rt_model.h's rt_replies, IPv4 entries, with
 * each listener's attachment and flags): its entries written, then the keys it no longer has
 * deleted. Called by xdp_state_publish after the swap; the program checks an entry against
 * the generation it runs with (the slot must hold that target), so the moment between the
 * two does no harm. 0, or -errno with a message in err.
 */
int xdp_nlb_replies_sync(const struct xdp_dp *x, const struct rt_state *s, char *err,
			 size_t errlen);
/*
 * Add nlb_sessions, listeners{} (with listeners only) and the active_flows of every present
 * target of the NLB groups to root (xdp_stats_json, whose targets{} must be filled), as
 * sluice-dp's stats. Targets are the current generation's slots: a session counts for the
 * target its tag names now (none when that target left, or its slot went to another). 0 or
 * -errno.
 */
int xdp_nlb_stats_json(const struct xdp_dp *x, json_t *root);
/*
 * The protocol's flows: list the NLB sessions of the current generation matching f
 * (ctl_flows_take / ctl_flows_add_session, as sluice-dp). 0, or -errno with a message in err.
 */
int xdp_nlb_flows(const struct xdp_dp *x, struct ctl_flows *f, char *err, size_t errlen);

#endif /* SL_XDP_NLB_H */
