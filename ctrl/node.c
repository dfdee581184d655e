/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * node.c - the node state decision (node.h). Pure: no I/O, the caller owns the clock.
 */
#include "ctrl/node.h"

static struct node_status node_status(const struct node_status *cur, enum node_state state,
				      enum node_reason reason, uint64_t now)
{
	struct node_status n = {state, reason, now};

	if (cur->state == state && cur->reason == reason)
		n.since = cur->since;
	return n;
}

int node_drain_over(const struct node_status *cur, uint64_t now, uint64_t drain_us)
{
	return cur->state == NODE_DRAINING && now - cur->since >= drain_us;
}

struct node_status node_decide(const struct node_status *cur, const struct node_cond *c,
			       uint64_t now, uint64_t drain_us)
{
	struct node_status n;

	if (!c->configured)
		return node_status(cur, NODE_WITHDRAWN, NODE_R_NO_CONFIG, now);
	if (c->hold)
		return *cur;
	if (c->daemon_stopping || c->drained) {
		enum node_reason why = c->daemon_stopping ? NODE_R_DAEMON_STOPPING : NODE_R_DRAINED;

		if (cur->state == NODE_SERVING)
			return (struct node_status){NODE_DRAINING, why, now};
		if (cur->state == NODE_DRAINING &&
		    (c->daemon_stopping || !node_drain_over(cur, now, drain_us))) {
			n = *cur; /* one drain period, whatever started it */
			n.reason = why;
			return n;
		}
		return node_status(cur, NODE_WITHDRAWN, why, now);
	}
	if (c->dp != NODE_R_NONE)
		return node_status(cur, NODE_WITHDRAWN, c->dp, now);
	if (c->groups_failed)
		return node_status(cur, NODE_WITHDRAWN, NODE_R_GROUPS_FAILED, now);
	return node_status(cur, NODE_SERVING, NODE_R_NONE, now);
}

enum node_reason node_dp_reason(const enum node_reason *each, unsigned int n)
{
	static const enum node_reason rank[] = {NODE_R_DP_DOWN, NODE_R_DP_NOT_SYNCED,
						NODE_R_DP_STALLED, NODE_R_DP_STOPPING};
	unsigned int i, r, best = 0;

	for (i = 0; i < n; i++) {
		if (each[i] == NODE_R_NONE)
			return NODE_R_NONE;
		for (r = 0; r < sizeof(rank) / sizeof(rank[0]); r++)
			if (rank[r] == each[i] && r > best)
				best = r;
	}
	return rank[best];
}

const char *node_state_name(enum node_state s)
{
	static const char *const names[NODE_STATE_MAX] = {
		[NODE_SERVING] = "serving",
		[NODE_DRAINING] = "draining",
		[NODE_WITHDRAWN] = "withdrawn",
	};

	return (unsigned int)s < NODE_STATE_MAX ? names[s] : "?";
}

const char *node_reason_name(enum node_reason r)
{
	static const char *const names[NODE_R_MAX] = {
		[NODE_R_NONE] = "",
		[NODE_R_NO_CONFIG] = "no announce config",
		[NODE_R_STARTING] = "starting",
		[NODE_R_DAEMON_STOPPING] = "daemon stopping",
		[NODE_R_DRAINED] = "drained",
		[NODE_R_DP_DOWN] = "dataplane down",
		[NODE_R_DP_NOT_SYNCED] = "not synced",
		[NODE_R_DP_STALLED] = "dataplane stalled",
		[NODE_R_DP_STOPPING] = "dataplane stopping",
		[NODE_R_GROUPS_FAILED] = "all groups failed",
	};

	return (unsigned int)r < NODE_R_MAX ? names[r] : "?";
}
