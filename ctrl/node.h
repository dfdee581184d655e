/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * node.h - the node's own state (docs/daemon.md "Node states"): whether this node announces its
 * routes. A pure function of the conditions and an explicit clock (microseconds, any epoch),
 * so the tests drive it with a fake clock; announce.c gathers the conditions, keeps the state
 * and writes the routes.
 */
#ifndef SL_NODE_H
#define SL_NODE_H

#include <stdint.h>

enum node_state {
	NODE_SERVING = 0, /* routes announced */
	NODE_DRAINING,	  /* withdrawn by `node drain` or SIGTERM, for the drain time */
	NODE_WITHDRAWN,	  /* not announced, for node_status.reason */
	NODE_STATE_MAX,
};

/* Why the node is not serving; the order of the dataplane ones is how far a dataplane got. */
enum node_reason {
	NODE_R_NONE = 0,	/* serving */
	NODE_R_NO_CONFIG,	/* no daemon.announce */
	NODE_R_STARTING,	/* just started, no routes found in the table */
	NODE_R_DAEMON_STOPPING, /* sluiced got SIGTERM */
	NODE_R_DRAINED,		/* `sluicectl node drain` */
	NODE_R_DP_DOWN,		/* no dataplane connected */
	NODE_R_DP_NOT_SYNCED,	/* connected, not synced */
	NODE_R_DP_STALLED,	/* no proof of life within liveness_timeout_ms */
	NODE_R_DP_STOPPING,	/* the dataplane got SIGTERM and drains */
	NODE_R_GROUPS_FAILED,	/* every group has fewer than min_healthy_targets healthy */
	NODE_R_MAX,
};

struct node_cond {
	int configured;	     /* daemon.announce present */
	int hold;	     /* just started: keep the current state (the routes a previous
			      * sluiced left) until a dataplane is OK or the hold ends */
	int daemon_stopping; /* SIGTERM */
	int drained;	     /* by the operator */
	enum node_reason dp; /* NODE_R_NONE when a dataplane is fully OK (node_dp_reason) */
	int groups_failed;   /* every group failed (min_healthy_targets) */
};

struct node_status {
	enum node_state state;
	enum node_reason reason; /* NODE_R_NONE while serving */
	uint64_t since;		 /* when state or reason last changed */
};

/*
 * The next status from cur and the conditions at now. drain_us: the drain time. Serving only
 * when configured, not stopping, not drained, a dataplane OK and not every group failed.
 * Leaving `serving` because of a drain or SIGTERM goes through `draining` (since now) for
 * drain_us, then `withdrawn` (drained; a stopping daemon exits instead: node_drain_over);
 * any other failed condition withdraws at once. A drain that finds the node withdrawn
 * leaves it withdrawn (drained). While hold, cur is kept.
 */
struct node_status node_decide(const struct node_status *cur, const struct node_cond *c,
			       uint64_t now, uint64_t drain_us);
/* 1 when a draining status has drained for drain_us at now (SIGTERM: time to exit). */
int node_drain_over(const struct node_status *cur, uint64_t now, uint64_t drain_us);
/*
 * The dataplanes' condition from each one's own (NODE_R_NONE: connected, synced, alive, not
 * stopping): NODE_R_NONE when any is OK, else the reason of the one that got furthest
 * (stopping > stalled > not synced > down); NODE_R_DP_DOWN when there are none.
 */
enum node_reason node_dp_reason(const enum node_reason *each, unsigned int n);

const char *node_state_name(enum node_state s);
/* "dataplane down", "drained", ...; "" for NODE_R_NONE. */
const char *node_reason_name(enum node_reason r);

#endif /* SL_NODE_H */
