/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_node.c - the node state decision of sluiced (ctrl/node.h, docs/daemon.md "Node
 * states"), driven by a fake clock: serving only when every condition holds, a drain and a
 * stop go through draining for the drain time, failures withdraw at once, the start's hold
 * keeps what a previous daemon left, and the dataplanes' reasons combine.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "ctrl/node.h"

#define S(x)  ((uint64_t)(x)*1000000ull)
#define DRAIN S(5)

static const struct node_cond ok = {.configured = 1, .dp = NODE_R_NONE};

static struct node_status at(enum node_state st, enum node_reason r, uint64_t since)
{
	return (struct node_status){st, r, since};
}

#define R_ANY	  NODE_R_MAX /* decide(): the reason is not checked */
#define SINCE_ANY UINT64_MAX /* decide(): since is not checked */

/* node_decide() on *n at now: the status it gives, checked against (st, r, since), replaces *n. */
static void decide(struct node_status *n, const struct node_cond *c, uint64_t now, uint64_t drain,
		   enum node_state st, enum node_reason r, uint64_t since)
{
	*n = node_decide(n, c, now, drain);
	CU_ASSERT_EQUAL(n->state, st);
	if (r != R_ANY)
		CU_ASSERT_EQUAL(n->reason, r);
	if (since != SINCE_ANY)
		CU_ASSERT_EQUAL(n->since, since);
}

static void test_serving_when_every_condition_holds(void)
{
	struct node_status n = at(NODE_WITHDRAWN, NODE_R_STARTING, S(0));

	decide(&n, &ok, S(1), DRAIN, NODE_SERVING, NODE_R_NONE, S(1));
	decide(&n, &ok, S(9), DRAIN, NODE_SERVING, R_ANY, S(1)); /* unchanged: since stays */
}

static void test_each_failure_withdraws_at_once(void)
{
	static const enum node_reason dps[] = {NODE_R_DP_DOWN, NODE_R_DP_NOT_SYNCED,
					       NODE_R_DP_STALLED, NODE_R_DP_STOPPING};
	const struct node_status serving = at(NODE_SERVING, NODE_R_NONE, S(0));
	struct node_status n;
	struct node_cond c = ok;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		c = ok;
		c.dp = dps[i];
		n = serving;
		decide(&n, &c, S(10), DRAIN, NODE_WITHDRAWN, dps[i], S(10));
	}
	c = ok;
	c.groups_failed = 1;
	n = serving;
	decide(&n, &c, S(10), DRAIN, NODE_WITHDRAWN, NODE_R_GROUPS_FAILED, SINCE_ANY);
	/* a dataplane problem is named before the groups */
	c.dp = NODE_R_DP_DOWN;
	n = serving;
	decide(&n, &c, S(10), DRAIN, NODE_WITHDRAWN, NODE_R_DP_DOWN, SINCE_ANY);
	/* back as soon as it holds again */
	decide(&n, &ok, S(11), DRAIN, NODE_SERVING, R_ANY, S(11));
}

static void test_no_config_is_withdrawn(void)
{
	struct node_cond c = ok;
	struct node_status n = at(NODE_SERVING, NODE_R_NONE, S(0));

	c.configured = 0;
	c.hold = 1; /* even while holding: nothing to announce */
	decide(&n, &c, S(3), DRAIN, NODE_WITHDRAWN, NODE_R_NO_CONFIG, SINCE_ANY);
	CU_ASSERT_STRING_EQUAL(node_reason_name(n.reason), "no announce config");
}

static void test_drain_goes_through_draining(void)
{
	struct node_status n = at(NODE_SERVING, NODE_R_NONE, S(0));
	struct node_cond c = ok;

	c.drained = 1;
	decide(&n, &c, S(10), DRAIN, NODE_DRAINING, NODE_R_DRAINED, S(10));
	/* a dataplane failure during the drain does not cut it short (routes are out anyway) */
	c.dp = NODE_R_DP_DOWN;
	decide(&n, &c, S(12), DRAIN, NODE_DRAINING, R_ANY, S(10));
	CU_ASSERT(!node_drain_over(&n, S(14), DRAIN));
	decide(&n, &c, S(14), DRAIN, NODE_DRAINING, R_ANY, SINCE_ANY);
	CU_ASSERT(node_drain_over(&n, S(15), DRAIN));
	decide(&n, &c, S(15), DRAIN, NODE_WITHDRAWN, NODE_R_DRAINED, S(15));
	decide(&n, &c, S(99), DRAIN, NODE_WITHDRAWN, R_ANY, S(15));
	/* undrain: serving again at once */
	decide(&n, &ok, S(100), DRAIN, NODE_SERVING, R_ANY, SINCE_ANY);
}

static void test_drain_of_a_withdrawn_node_stays_withdrawn(void)
{
	struct node_status n = at(NODE_WITHDRAWN, NODE_R_DP_DOWN, S(0));
	struct node_cond c = ok;

	c.drained = 1;
	decide(&n, &c, S(3), DRAIN, NODE_WITHDRAWN, NODE_R_DRAINED, SINCE_ANY);
}

static void test_undrain_during_the_drain(void)
{
	struct node_status n = at(NODE_SERVING, NODE_R_NONE, S(0));
	struct node_cond c = ok;

	c.drained = 1;
	decide(&n, &c, S(1), DRAIN, NODE_DRAINING, R_ANY, SINCE_ANY);
	decide(&n, &ok, S(2), DRAIN, NODE_SERVING, R_ANY, S(2));
}

static void test_stop_drains_then_is_over(void)
{
	struct node_status n = at(NODE_SERVING, NODE_R_NONE, S(0));
	struct node_cond c = ok;

	c.daemon_stopping = 1;
	decide(&n, &c, S(20), DRAIN, NODE_DRAINING, NODE_R_DAEMON_STOPPING, SINCE_ANY);
	/* stays draining: the daemon exits instead */
	decide(&n, &c, S(30), DRAIN, NODE_DRAINING, R_ANY, SINCE_ANY);
	CU_ASSERT(node_drain_over(&n, S(25), DRAIN));
	CU_ASSERT(!node_drain_over(&n, S(24), DRAIN));
	/* a stop during an operator's drain keeps its start: one drain period */
	n = at(NODE_SERVING, NODE_R_NONE, S(0));
	c = ok;
	c.drained = 1;
	n = node_decide(&n, &c, S(40), DRAIN);
	c.daemon_stopping = 1;
	decide(&n, &c, S(43), DRAIN, NODE_DRAINING, NODE_R_DAEMON_STOPPING, S(40));
	CU_ASSERT(node_drain_over(&n, S(45), DRAIN));
	/* a stop of a node not serving: withdrawn, nothing to drain */
	n = at(NODE_WITHDRAWN, NODE_R_DP_DOWN, S(0));
	decide(&n, &c, S(50), DRAIN, NODE_WITHDRAWN, NODE_R_DAEMON_STOPPING, SINCE_ANY);
	CU_ASSERT(!node_drain_over(&n, S(99), DRAIN));
}

static void test_drain_time_zero(void)
{
	struct node_status n = at(NODE_SERVING, NODE_R_NONE, S(0));
	struct node_cond c = ok;

	c.drained = 1;
	decide(&n, &c, S(1), 0, NODE_DRAINING, R_ANY, SINCE_ANY);
	CU_ASSERT(node_drain_over(&n, S(1), 0));
	decide(&n, &c, S(1), 0, NODE_WITHDRAWN, R_ANY, SINCE_ANY);
}

static void test_hold_keeps_the_previous_routes(void)
{
	/* a restarted daemon found routes: serving, whatever it does not know yet */
	struct node_status n = at(NODE_SERVING, NODE_R_NONE, S(0));
	struct node_cond c = ok;

	c.hold = 1;
	c.dp = NODE_R_DP_NOT_SYNCED;
	c.groups_failed = 1;
	decide(&n, &c, S(0) + 500000, DRAIN, NODE_SERVING, R_ANY, S(0));
	/* hold over, still not synced: withdrawn */
	c.hold = 0;
	decide(&n, &c, S(1), DRAIN, NODE_WITHDRAWN, NODE_R_DP_NOT_SYNCED, SINCE_ANY);
	/* found nothing: starting until the hold ends */
	n = at(NODE_WITHDRAWN, NODE_R_STARTING, S(0));
	c = ok;
	c.hold = 1;
	n = node_decide(&n, &c, S(0) + 100000, DRAIN);
	CU_ASSERT_EQUAL(n.reason, NODE_R_STARTING);
}

static void test_dataplane_reasons_combine(void)
{
	enum node_reason a[] = {NODE_R_DP_DOWN, NODE_R_NONE, NODE_R_DP_STALLED};
	enum node_reason b[] = {NODE_R_DP_DOWN, NODE_R_DP_STALLED, NODE_R_DP_NOT_SYNCED};
	enum node_reason c[] = {NODE_R_DP_STOPPING, NODE_R_DP_DOWN};

	CU_ASSERT_EQUAL(node_dp_reason(a, 3), NODE_R_NONE); /* one fully OK is enough */
	CU_ASSERT_EQUAL(node_dp_reason(b, 3), NODE_R_DP_STALLED);
	CU_ASSERT_EQUAL(node_dp_reason(c, 2), NODE_R_DP_STOPPING);
	CU_ASSERT_EQUAL(node_dp_reason(a, 1), NODE_R_DP_DOWN);
	CU_ASSERT_EQUAL(node_dp_reason(NULL, 0), NODE_R_DP_DOWN); /* none configured */
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(node_state_name(NODE_SERVING), "serving");
	CU_ASSERT_STRING_EQUAL(node_state_name(NODE_DRAINING), "draining");
	CU_ASSERT_STRING_EQUAL(node_state_name(NODE_WITHDRAWN), "withdrawn");
	CU_ASSERT_STRING_EQUAL(node_state_name(NODE_STATE_MAX), "?");
	CU_ASSERT_STRING_EQUAL(node_reason_name(NODE_R_NONE), "");
	CU_ASSERT_STRING_EQUAL(node_reason_name(NODE_R_DP_STALLED), "dataplane stalled");
	CU_ASSERT_STRING_EQUAL(node_reason_name(NODE_R_GROUPS_FAILED), "all groups failed");
	CU_ASSERT_STRING_EQUAL(node_reason_name(NODE_R_MAX), "?");
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"serving when every condition holds", test_serving_when_every_condition_holds},
		{"each failure withdraws at once", test_each_failure_withdraws_at_once},
		{"no announce config is withdrawn", test_no_config_is_withdrawn},
		{"drain goes through draining", test_drain_goes_through_draining},
		{"drain of a withdrawn node stays withdrawn",
		 test_drain_of_a_withdrawn_node_stays_withdrawn},
		{"undrain during the drain", test_undrain_during_the_drain},
		{"stop drains, then is over", test_stop_drains_then_is_over},
		{"drain time 0", test_drain_time_zero},
		{"the start's hold keeps the previous routes", test_hold_keeps_the_previous_routes},
		{"dataplane reasons combine", test_dataplane_reasons_combine},
		{"names", test_names},
		CU_TEST_INFO_NULL,
	};

	return cu_run("node", tests);
}
