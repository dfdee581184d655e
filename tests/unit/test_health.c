/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_health.c - the target state machine of sluiced (docs/daemon.md "Target states"), driven
 * by a fake clock: thresholds, streak resets, draining, deregistration delay, unused targets
 * and the reasons shown to the operator.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "ctrl/health.h"

#define S(x) ((uint64_t)(x)*1000000ull) /* seconds on the fake clock, in us */

static uint64_t now; /* the fake clock */

static struct cfg_health_check hc_of(uint32_t healthy, uint32_t unhealthy)
{
	struct cfg_health_check hc;

	memset(&hc, 0, sizeof(hc));
	hc.interval = 10;
	hc.timeout = 5;
	hc.healthy_threshold = healthy;
	hc.unhealthy_threshold = unhealthy;
	return hc;
}

/* One check result, interval later; returns health_result's return. */
static int pass(struct health *h, const struct cfg_health_check *hc)
{
	now += S(hc->interval);
	return health_result(h, hc, 1, NULL, 1500, now);
}

static int fail(struct health *h, const struct cfg_health_check *hc, const char *why)
{
	now += S(hc->interval);
	return health_result(h, hc, 0, why, 5000000, now);
}

/* A target in its zone, registered on the fake clock's at (now = at). */
static void start(struct health *h, uint64_t at)
{
	now = at;
	health_init(h, 1, now);
}

/* A pass (why NULL) or a failure (why its text) that must return ret and leave state st. */
static void check(struct health *h, const struct cfg_health_check *hc, const char *why, int ret,
		  enum target_state st)
{
	CU_ASSERT_EQUAL(why ? fail(h, hc, why) : pass(h, hc), ret);
	CU_ASSERT_EQUAL(h->state, st);
}

/* n results of one kind in a row (why as in check()), whatever they decide. */
static void results(struct health *h, const struct cfg_health_check *hc, const char *why,
		    unsigned int n)
{
	while (n--)
		if (why)
			fail(h, hc, why);
		else
			pass(h, hc);
}

/* A drain (admin) that takes: draining, with that admin state. */
static void drain(struct health *h, enum health_admin admin)
{
	CU_ASSERT_EQUAL(health_drain(h, admin, now), 1);
	CU_ASSERT_EQUAL(h->state, TS_DRAINING);
	CU_ASSERT_EQUAL(h->admin, admin);
}

/* An undrain that takes (ret 1) or not (0), leaving state st. */
static void undrain(struct health *h, int ret, enum target_state st)
{
	CU_ASSERT_EQUAL(health_undrain(h, now), ret);
	CU_ASSERT_EQUAL(h->state, st);
}

static void test_new_target_is_initial(void)
{
	struct health h;

	start(&h, S(1000));
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
	CU_ASSERT_EQUAL(h.admin, HEALTH_ADMIN_ACTIVE);
	CU_ASSERT_EQUAL(h.passes, 0);
	CU_ASSERT_EQUAL(h.failures, 0);
	CU_ASSERT_EQUAL(h.last_check, 0);
	CU_ASSERT_EQUAL(h.since, now);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "");
}

/*
 * initial -> to after exactly threshold results of one kind (why as in check(): NULL passes),
 * for every threshold 2..10; more of them change nothing.
 */
static void initial_after_threshold(const char *why, enum target_state to)
{
	uint32_t t, i;

	for (t = 2; t <= 10; t++) {
		struct cfg_health_check hc = why ? hc_of(2, t) : hc_of(t, 2);
		struct health h;

		start(&h, S(50));
		for (i = 1; i < t; i++) {
			check(&h, &hc, why, 0, TS_INITIAL);
			CU_ASSERT_EQUAL(why ? h.failures : h.passes, i);
		}
		check(&h, &hc, why, 1, to);
		CU_ASSERT_EQUAL(h.since, now);
		CU_ASSERT_EQUAL(why ? h.checks_failed : h.checks_passed, t);
		CU_ASSERT_EQUAL(why ? h.checks_passed : h.checks_failed, 0);
		check(&h, &hc, why, 0, to);
		CU_ASSERT_EQUAL(why ? h.failures : h.passes, t + 1);
	}
}

static void test_initial_to_healthy_after_threshold_passes(void)
{
	initial_after_threshold(NULL, TS_HEALTHY);
}

static void test_initial_to_unhealthy_after_threshold_failures(void)
{
	initial_after_threshold("connect: Connection refused", TS_UNHEALTHY);
}

static void test_healthy_and_unhealthy_flip_by_thresholds(void)
{
	struct cfg_health_check hc = hc_of(3, 4);
	struct health h;
	int i;

	start(&h, S(10));
	results(&h, &hc, NULL, 3);
	CU_ASSERT_EQUAL_FATAL(h.state, TS_HEALTHY);

	/* healthy -> unhealthy after 4 failures in a row */
	for (i = 0; i < 3; i++)
		check(&h, &hc, "timeout after 5 s", 0, TS_HEALTHY);
	check(&h, &hc, "timeout after 5 s", 1, TS_UNHEALTHY);
	CU_ASSERT_EQUAL(h.since, now);

	/* unhealthy -> healthy after 3 passes in a row */
	for (i = 0; i < 2; i++)
		check(&h, &hc, NULL, 0, TS_UNHEALTHY);
	check(&h, &hc, NULL, 1, TS_HEALTHY);
	CU_ASSERT_EQUAL(h.checks_passed, 6);
	CU_ASSERT_EQUAL(h.checks_failed, 4);
}

/* A pass resets the failure streak, a failure the pass streak: only runs count. */
static void test_streaks_reset_each_other(void)
{
	struct cfg_health_check hc = hc_of(3, 3);
	struct health h;
	int i;

	start(&h, S(10));
	/* alternating results never decide: initial stays initial */
	for (i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(pass(&h, &hc), 0);
		CU_ASSERT_EQUAL(h.failures, 0);
		CU_ASSERT_EQUAL(pass(&h, &hc), 0);
		CU_ASSERT_EQUAL(h.passes, 2);
		CU_ASSERT_EQUAL(fail(&h, &hc, "x"), 0);
		CU_ASSERT_EQUAL(h.passes, 0);
		CU_ASSERT_EQUAL(fail(&h, &hc, "x"), 0);
		CU_ASSERT_EQUAL(h.failures, 2);
	}
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
	CU_ASSERT_EQUAL(h.checks_passed, 40);
	CU_ASSERT_EQUAL(h.checks_failed, 40);

	/* healthy: two failures, then a pass, then two failures: still healthy */
	results(&h, &hc, NULL, 3);
	CU_ASSERT_EQUAL_FATAL(h.state, TS_HEALTHY);
	results(&h, &hc, "x", 2);
	pass(&h, &hc);
	CU_ASSERT_EQUAL(h.failures, 0);
	results(&h, &hc, "x", 2);
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);
	check(&h, &hc, "x", 1, TS_UNHEALTHY);

	/* unhealthy: two passes, a failure, two passes: still unhealthy */
	results(&h, &hc, NULL, 2);
	fail(&h, &hc, "x");
	CU_ASSERT_EQUAL(h.passes, 0);
	results(&h, &hc, NULL, 2);
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	check(&h, &hc, NULL, 1, TS_HEALTHY);
}

/* The last failure's text is kept (also once the target is healthy again); latency and time of
 * the last result are recorded. */
static void test_last_failure_reason_is_kept(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	struct health h;

	start(&h, S(10));
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "");
	fail(&h, &hc, "connect: Connection refused");
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "connect: Connection refused");
	CU_ASSERT_EQUAL(h.last_ok, 0);
	CU_ASSERT_EQUAL(h.last_latency_us, 5000000);
	CU_ASSERT_EQUAL(h.last_check, now);
	fail(&h, &hc, "http: status 503 (expected 200-399)");
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "http: status 503 (expected 200-399)");
	pass(&h, &hc);
	CU_ASSERT_EQUAL(h.last_ok, 1);
	CU_ASSERT_EQUAL(h.last_latency_us, 1500);
	CU_ASSERT_EQUAL(h.last_check, now);
	pass(&h, &hc);
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);
	/* the reason of the last failure survives passes */
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "http: status 503 (expected 200-399)");
	/* a failure without a text still says something */
	fail(&h, &hc, NULL);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "check failed");
	fail(&h, &hc, "");
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "check failed");
}

static void test_long_reason_is_truncated(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	char big[HEALTH_REASON_MAX * 2];
	struct health h;

	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	start(&h, S(10));
	fail(&h, &hc, big);
	CU_ASSERT_EQUAL(strlen(health_reason(&h)), HEALTH_REASON_MAX - 1);
}

/* deregister with delay N: draining at once, results ignored, leaves after exactly N s */
static void test_deregister_drains_for_the_delay(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	uint64_t t0, next = 0;
	struct health h;

	start(&h, S(100));
	results(&h, &hc, NULL, 2);
	CU_ASSERT_EQUAL_FATAL(h.state, TS_HEALTHY);

	now += S(1);
	t0 = now;
	drain(&h, HEALTH_ADMIN_DEREGISTERED);
	CU_ASSERT_EQUAL(h.drain_start, t0);
	CU_ASSERT_EQUAL(h.since, t0);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "deregistered");

	/* a second deregister does not restart the delay */
	now += S(10);
	CU_ASSERT_EQUAL(health_drain(&h, HEALTH_ADMIN_DEREGISTERED, now), 0);
	CU_ASSERT_EQUAL(h.drain_start, t0);

	/* results while draining change nothing */
	CU_ASSERT_EQUAL(health_result(&h, &hc, 0, "x", 1, now), 0);
	CU_ASSERT_EQUAL(health_result(&h, &hc, 0, "x", 1, now), 0);
	CU_ASSERT_EQUAL(health_result(&h, &hc, 1, NULL, 1, now), 0);
	CU_ASSERT_EQUAL(h.state, TS_DRAINING);
	CU_ASSERT_EQUAL(h.checks_failed, 0);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "deregistered");

	/* delay 300: leaves at t0 + 300 s, not a microsecond earlier */
	CU_ASSERT_EQUAL(health_tick(&h, 300, t0 + S(300) - 1, &next), 0);
	CU_ASSERT_EQUAL(next, t0 + S(300));
	CU_ASSERT_EQUAL(health_tick(&h, 300, t0 + S(300), NULL), 1);
	CU_ASSERT_EQUAL(health_tick(&h, 300, t0 + S(1000), NULL), 1);
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 300, t0), 300.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 300, t0 + S(299) + 500000), 0.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 300, t0 + S(300)), 0.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 300, t0 + S(400)), 0.0, 1e-9);
	/* the group's delay may change meanwhile (reload): it applies at once */
	CU_ASSERT_EQUAL(health_tick(&h, 20, t0 + S(20), NULL), 1);
	CU_ASSERT_EQUAL(health_tick(&h, 3600, t0 + S(300), &next), 0);
	CU_ASSERT_EQUAL(next, t0 + S(3600));
}

static void test_deregister_with_delay_zero_leaves_at_once(void)
{
	struct health h;
	uint64_t next = 0;

	start(&h, S(5));
	drain(&h, HEALTH_ADMIN_DEREGISTERED);
	CU_ASSERT_EQUAL(health_tick(&h, 0, now, &next), 1);
	CU_ASSERT_EQUAL(next, now);
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 0, now), 0.0, 1e-9);
}

/* drain: draining, never leaves the set, undrain puts it back to initial */
static void test_drained_target_stays_until_undrained(void)
{
	struct cfg_health_check hc = hc_of(2, 3);
	struct health h;
	uint64_t next = 0, t0;

	start(&h, S(100));
	results(&h, &hc, "connect: No route to host", 2);
	pass(&h, &hc);
	CU_ASSERT_EQUAL(h.passes, 1);

	t0 = now;
	drain(&h, HEALTH_ADMIN_DRAINED);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "drained");
	CU_ASSERT_EQUAL(health_drain(&h, HEALTH_ADMIN_DRAINED, now + S(1)), 0);
	CU_ASSERT_EQUAL(h.drain_start, t0);

	/* never leaves, whatever the delay */
	CU_ASSERT_EQUAL(health_tick(&h, 0, now, &next), 0);
	CU_ASSERT_EQUAL(next, UINT64_MAX);
	CU_ASSERT_EQUAL(health_tick(&h, 300, now + S(100000), NULL), 0);
	/* but the delay still runs out for its flows */
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 300, t0 + S(100)), 200.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 300, t0 + S(301)), 0.0, 1e-9);
	CU_ASSERT_EQUAL(health_result(&h, &hc, 1, NULL, 1, now), 0);
	CU_ASSERT_EQUAL(h.state, TS_DRAINING);

	/* undrain: initial, streaks restart, then the thresholds apply from zero */
	now += S(1000);
	undrain(&h, 1, TS_INITIAL);
	CU_ASSERT_EQUAL(h.admin, HEALTH_ADMIN_ACTIVE);
	CU_ASSERT_EQUAL(h.since, now);
	CU_ASSERT_EQUAL(h.passes, 0);
	CU_ASSERT_EQUAL(h.failures, 0);
	CU_ASSERT_DOUBLE_EQUAL(health_drain_remaining(&h, 300, now), 0.0, 1e-9);
	CU_ASSERT_EQUAL(health_tick(&h, 0, now, &next), 0);
	CU_ASSERT_EQUAL(next, UINT64_MAX);
	/* the last failure is still what the reason says */
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "connect: No route to host");
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	check(&h, &hc, NULL, 1, TS_HEALTHY);
	/* undrain of an active target: nothing */
	undrain(&h, 0, TS_HEALTHY);
}

/* drained then deregistered: one draining period, the delay counts from the drain */
static void test_drained_then_deregistered_keeps_the_start(void)
{
	struct health h;
	uint64_t t0;

	start(&h, S(100));
	t0 = now;
	drain(&h, HEALTH_ADMIN_DRAINED);
	now += S(50);
	drain(&h, HEALTH_ADMIN_DEREGISTERED);
	CU_ASSERT_EQUAL(h.drain_start, t0);
	CU_ASSERT_EQUAL(h.since, t0);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "deregistered");
	CU_ASSERT_EQUAL(health_tick(&h, 60, t0 + S(59), NULL), 0);
	CU_ASSERT_EQUAL(health_tick(&h, 60, t0 + S(60), NULL), 1);

	/* and back: deregistered -> drained stays (never leaves) */
	drain(&h, HEALTH_ADMIN_DRAINED);
	CU_ASSERT_EQUAL(health_tick(&h, 60, t0 + S(600), NULL), 0);
	CU_ASSERT_EQUAL(health_drain(&h, HEALTH_ADMIN_ACTIVE, now), -EINVAL);
	CU_ASSERT_EQUAL(health_drain(&h, (enum health_admin)7, now), -EINVAL);
	CU_ASSERT_EQUAL(h.admin, HEALTH_ADMIN_DRAINED);
}

/* re-registering a deregistered target (before it left) is an undrain: initial, fresh */
static void test_reregister_while_draining(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	struct health h;

	start(&h, S(100));
	results(&h, &hc, NULL, 2);
	drain(&h, HEALTH_ADMIN_DEREGISTERED);
	now += S(30);
	undrain(&h, 1, TS_INITIAL);
	CU_ASSERT_EQUAL(health_tick(&h, 0, now, NULL), 0);
	CU_ASSERT_EQUAL(fail(&h, &hc, "x"), 0);
	check(&h, &hc, "x", 1, TS_UNHEALTHY);
	/* draining again starts a new period */
	drain(&h, HEALTH_ADMIN_DEREGISTERED);
	CU_ASSERT_EQUAL(h.drain_start, now);
}

/* Any state drains: initial, unhealthy, unused. */
static void test_every_state_can_drain(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	struct health h;

	start(&h, S(1));
	drain(&h, HEALTH_ADMIN_DRAINED);

	health_init(&h, 1, now);
	results(&h, &hc, "x", 2);
	CU_ASSERT_EQUAL_FATAL(h.state, TS_UNHEALTHY);
	drain(&h, HEALTH_ADMIN_DEREGISTERED);
	CU_ASSERT_EQUAL(h.failures, 0);

	health_init(&h, 0, now);
	drain(&h, HEALTH_ADMIN_DEREGISTERED);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "deregistered");
	CU_ASSERT_EQUAL(health_tick(&h, 0, now, NULL), 1);
	/* undrained out of zone: back to unused, not initial */
	undrain(&h, 1, TS_UNUSED);
}

/* unused: not checked (results ignored), back to initial when its zone is served */
static void test_unused_target_ignores_results(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	struct health h;

	now = S(10);
	health_init(&h, 0, now);
	CU_ASSERT_EQUAL(h.state, TS_UNUSED);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "zone not served by this node");
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	check(&h, &hc, "x", 0, TS_UNUSED);
	CU_ASSERT_EQUAL(h.checks_passed + h.checks_failed, 0);
	CU_ASSERT_EQUAL(h.last_check, 0);
	CU_ASSERT_EQUAL(health_tick(&h, 0, now, NULL), 0);

	CU_ASSERT_EQUAL(health_set_in_zone(&h, 0, now), 0);
	now += S(1);
	CU_ASSERT_EQUAL(health_set_in_zone(&h, 1, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
	CU_ASSERT_EQUAL(h.since, now);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "");
	CU_ASSERT_EQUAL(health_set_in_zone(&h, 1, now), 0);
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	check(&h, &hc, NULL, 1, TS_HEALTHY);

	/* healthy -> unused: streaks reset, then back to initial (not healthy) */
	CU_ASSERT_EQUAL(health_set_in_zone(&h, 0, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_UNUSED);
	CU_ASSERT_EQUAL(h.passes, 0);
	CU_ASSERT_EQUAL(health_set_in_zone(&h, 1, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
}

/* a zone change while draining does not end the drain; undrain picks the new zone's state */
static void test_zone_change_while_draining(void)
{
	struct health h;

	start(&h, S(10));
	drain(&h, HEALTH_ADMIN_DRAINED);
	CU_ASSERT_EQUAL(health_set_in_zone(&h, 0, now), 0);
	CU_ASSERT_EQUAL(h.state, TS_DRAINING);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "drained");
	undrain(&h, 1, TS_UNUSED);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "zone not served by this node");
}

/* thresholds out of the config's range do not stall the machine */
static void test_threshold_zero_acts_as_one(void)
{
	struct cfg_health_check hc = hc_of(0, 0);
	struct health h;

	start(&h, S(10));
	check(&h, &hc, NULL, 1, TS_HEALTHY);
	check(&h, &hc, "x", 1, TS_UNHEALTHY);
}

/* the state since-time moves only on a change */
static void test_since_moves_only_on_change(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	struct health h;
	uint64_t t;

	start(&h, S(10));
	pass(&h, &hc);
	CU_ASSERT_EQUAL(h.since, S(10));
	pass(&h, &hc);
	t = now;
	CU_ASSERT_EQUAL(h.since, t);
	pass(&h, &hc);
	fail(&h, &hc, "x");
	CU_ASSERT_EQUAL(h.since, t);
}

/* A state read back from a dataplane after a daemon restart, only for a fresh target. */
static void test_seed_only_a_fresh_target(void)
{
	struct cfg_health_check hc = hc_of(2, 2);
	struct health h;

	health_init(&h, 1, now);
	CU_ASSERT_EQUAL(health_seed(&h, TS_HEALTHY, 0, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);
	/* then the checks rule: unhealthy after the threshold, as for any healthy target */
	fail(&h, &hc, "down");
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);
	fail(&h, &hc, "down");
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);

	health_init(&h, 1, now);
	CU_ASSERT_EQUAL(health_seed(&h, TS_UNHEALTHY, 0, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "unhealthy before sluiced restarted");
	pass(&h, &hc);
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	pass(&h, &hc);
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);

	/* draining comes back drained, with its start */
	health_init(&h, 1, S(100));
	CU_ASSERT_EQUAL(health_seed(&h, TS_DRAINING, S(30), S(100)), 1);
	CU_ASSERT_EQUAL(h.state, TS_DRAINING);
	CU_ASSERT_EQUAL(h.admin, HEALTH_ADMIN_DRAINED);
	CU_ASSERT_EQUAL(h.drain_start, S(70));

	/* not fresh: checked already, unused, draining; nothing to take from initial/unused */
	health_init(&h, 1, now);
	pass(&h, &hc);
	CU_ASSERT_EQUAL(health_seed(&h, TS_HEALTHY, 0, now), 0);
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
	health_init(&h, 0, now);
	CU_ASSERT_EQUAL(health_seed(&h, TS_HEALTHY, 0, now), 0);
	CU_ASSERT_EQUAL(h.state, TS_UNUSED);
	health_init(&h, 1, now);
	CU_ASSERT_EQUAL(health_seed(&h, TS_INITIAL, 0, now), 0);
	CU_ASSERT_EQUAL(health_seed(&h, TS_UNUSED, 0, now), 0);
	health_drain(&h, HEALTH_ADMIN_DEREGISTERED, now);
	CU_ASSERT_EQUAL(health_seed(&h, TS_HEALTHY, 0, now), 0);
	CU_ASSERT_EQUAL(h.state, TS_DRAINING);
}

/*
 * A check that could not run here (EMFILE, ...: probe_result.local) is no result: however many
 * come, a healthy target stays healthy with its streak, an unhealthy one unhealthy with its
 * reason, and a streak in progress goes on where it was.
 */
static void test_local_errors_change_nothing(void)
{
	struct cfg_health_check hc = hc_of(3, 2);
	struct health h, before;
	unsigned int i;

	start(&h, S(1000));
	results(&h, &hc, NULL, 3);
	CU_ASSERT_EQUAL_FATAL(h.state, TS_HEALTHY);
	fail(&h, &hc, "connect: Connection refused"); /* one failure of two in a row */
	before = h;
	for (i = 0; i < 100; i++) {
		now += S(hc.interval);
		health_local_error(&h);
	}
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);
	CU_ASSERT_EQUAL(h.since, before.since);
	CU_ASSERT_EQUAL(h.failures, 1);
	CU_ASSERT_EQUAL(h.passes, 0);
	CU_ASSERT_EQUAL(h.checks_failed, before.checks_failed);
	CU_ASSERT_EQUAL(h.checks_passed, before.checks_passed);
	CU_ASSERT_EQUAL(h.last_check, before.last_check);
	CU_ASSERT_EQUAL(h.last_ok, 0);
	CU_ASSERT_EQUAL(h.checks_local, 100);
	/* the streak goes on: the next real failure is the second in a row */
	check(&h, &hc, "connect: Connection refused", 1, TS_UNHEALTHY);
	health_local_error(&h);
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "connect: Connection refused");

	/* a fresh target stays initial and never checked (health_seed still applies) */
	health_init(&h, 1, now);
	health_local_error(&h);
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
	CU_ASSERT_EQUAL(h.last_check, 0);
	CU_ASSERT_EQUAL(health_seed(&h, TS_HEALTHY, 0, now), 1);
}

/* The passive check's verdict ("no returns") over a healthy target whose checks pass. */
static void healthy_target(struct health *h, struct cfg_health_check *hc)
{
	*hc = hc_of(3, 2);
	hc->passive_min_packets = 100;
	hc->passive_window = 35; /* the hold-down: longer than 3 intervals */
	start(h, S(1000));
	results(h, hc, NULL, 3);
	CU_ASSERT_EQUAL_FATAL(h->state, TS_HEALTHY);
}

/* healthy -> unhealthy "no returns" while the checks pass; only the first mark counts */
static void test_passive_marks_a_passing_target(void)
{
	struct cfg_health_check hc;
	struct health h;

	healthy_target(&h, &hc);
	CU_ASSERT_EQUAL(health_passive_fail(&h, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	CU_ASSERT_EQUAL(h.since, now);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "no returns");
	CU_ASSERT_STRING_EQUAL(h.reason, "no returns"); /* last_failure too */
	CU_ASSERT_EQUAL(h.passive_failures, 1);
	CU_ASSERT_EQUAL(health_passive_fail(&h, now), 0);
	CU_ASSERT_EQUAL(h.passive_failures, 1);
}

/* Passing checks bring it back only after the hold-down (one window), healthy_threshold of them */
static void test_passive_hold_down_then_checks(void)
{
	struct cfg_health_check hc;
	struct health h;
	uint64_t marked;

	healthy_target(&h, &hc);
	health_passive_fail(&h, now);
	marked = now;
	/* 3 passes (the threshold) within the 35 s hold-down: still unhealthy */
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	CU_ASSERT(now < marked + S(35));
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	CU_ASSERT_EQUAL(h.passes, 3);
	/* the first pass at or after the end of the hold-down, with the streak complete */
	CU_ASSERT_EQUAL(pass(&h, &hc), 1);
	CU_ASSERT_EQUAL(now, marked + S(40));
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);
	CU_ASSERT_EQUAL(h.passive, 0);
	CU_ASSERT_STRING_EQUAL(h.reason, "no returns"); /* kept as the last failure */
}

/* After the hold-down the streak still has to be complete: a failure restarts it */
static void test_passive_hold_down_needs_a_full_streak(void)
{
	struct cfg_health_check hc;
	struct health h;

	healthy_target(&h, &hc);
	health_passive_fail(&h, now);
	now += S(60); /* the hold-down is long over, no check ran meanwhile */
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	CU_ASSERT_EQUAL(fail(&h, &hc, "timeout after 5 s"), 0);
	CU_ASSERT_EQUAL(pass(&h, &hc), 0);
	check(&h, &hc, NULL, 0, TS_UNHEALTHY);
	check(&h, &hc, NULL, 1, TS_HEALTHY);
}

/* Returns seen again: back to the state before the mark at once, healthy or initial */
static void test_passive_returns_restore_the_state(void)
{
	struct cfg_health_check hc;
	struct health h;

	healthy_target(&h, &hc);
	CU_ASSERT_EQUAL(health_passive_returns(&h, now), 0); /* not marked: nothing */
	health_passive_fail(&h, now);
	now += S(1);
	CU_ASSERT_EQUAL(health_passive_returns(&h, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_HEALTHY);
	CU_ASSERT_EQUAL(h.since, now);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "no returns"); /* last failure, not shown */

	/* an initial target that takes traffic (the group fails open) goes back to initial */
	health_init(&h, 1, now);
	pass(&h, &hc);
	CU_ASSERT_EQUAL(health_passive_fail(&h, now), 1);
	CU_ASSERT_EQUAL(health_passive_returns(&h, now), 1);
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
}

/* Failing checks take over: unhealthy by the checks, and only they bring it back */
static void test_passive_then_failing_checks(void)
{
	struct cfg_health_check hc;
	struct health h;

	healthy_target(&h, &hc);
	health_passive_fail(&h, now);
	fail(&h, &hc, "connect: Connection refused");
	CU_ASSERT_EQUAL(h.passive, 1); /* one failure: still held for no returns */
	fail(&h, &hc, "connect: Connection refused");
	CU_ASSERT_EQUAL(h.passive, 0);
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	CU_ASSERT_STRING_EQUAL(health_reason(&h), "connect: Connection refused");
	CU_ASSERT_EQUAL(health_passive_returns(&h, now), 0);
	/* no hold-down any more: three passes */
	results(&h, &hc, NULL, 2);
	check(&h, &hc, NULL, 1, TS_HEALTHY);
}

/* Only targets that take traffic by their state are judged; a drain ends the mark */
static void test_passive_only_healthy_or_initial(void)
{
	struct cfg_health_check hc;
	struct health h;

	healthy_target(&h, &hc);
	results(&h, &hc, "timeout after 5 s", 2);
	CU_ASSERT_EQUAL(h.state, TS_UNHEALTHY);
	CU_ASSERT_EQUAL(health_passive_fail(&h, now), 0);
	CU_ASSERT_STRING_EQUAL(h.reason, "timeout after 5 s");

	health_init(&h, 0, now); /* unused */
	CU_ASSERT_EQUAL(health_passive_fail(&h, now), 0);

	healthy_target(&h, &hc);
	health_passive_fail(&h, now);
	health_drain(&h, HEALTH_ADMIN_DRAINED, now);
	CU_ASSERT_EQUAL(h.passive, 0);
	CU_ASSERT_EQUAL(health_passive_fail(&h, now), 0);
	CU_ASSERT_EQUAL(h.state, TS_DRAINING);
	health_undrain(&h, now);
	CU_ASSERT_EQUAL(h.state, TS_INITIAL);
	CU_ASSERT_EQUAL(h.passive, 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"new target is initial", test_new_target_is_initial},
		{"initial -> healthy after healthy_threshold passes (2..10)",
		 test_initial_to_healthy_after_threshold_passes},
		{"initial -> unhealthy after unhealthy_threshold failures (2..10)",
		 test_initial_to_unhealthy_after_threshold_failures},
		{"healthy <-> unhealthy by thresholds",
		 test_healthy_and_unhealthy_flip_by_thresholds},
		{"streaks reset each other", test_streaks_reset_each_other},
		{"last failure reason is kept", test_last_failure_reason_is_kept},
		{"long reason is truncated", test_long_reason_is_truncated},
		{"deregister drains for the delay", test_deregister_drains_for_the_delay},
		{"deregister with delay 0 leaves at once",
		 test_deregister_with_delay_zero_leaves_at_once},
		{"drained target stays until undrained", test_drained_target_stays_until_undrained},
		{"drained then deregistered keeps the drain start",
		 test_drained_then_deregistered_keeps_the_start},
		{"re-register while draining", test_reregister_while_draining},
		{"every state can drain", test_every_state_can_drain},
		{"unused target ignores results", test_unused_target_ignores_results},
		{"zone change while draining", test_zone_change_while_draining},
		{"threshold 0 acts as 1", test_threshold_zero_acts_as_one},
		{"since moves only on a change", test_since_moves_only_on_change},
		{"seed only a fresh target", test_seed_only_a_fresh_target},
		{"local errors change nothing", test_local_errors_change_nothing},
		{"passive: marks a target whose checks pass", test_passive_marks_a_passing_target},
		{"passive: checks bring it back after the hold-down",
		 test_passive_hold_down_then_checks},
		{"passive: after the hold-down a full streak",
		 test_passive_hold_down_needs_a_full_streak},
		{"passive: returns restore the state before",
		 test_passive_returns_restore_the_state},
		{"passive: failing checks take over", test_passive_then_failing_checks},
		{"passive: only healthy or initial targets", test_passive_only_healthy_or_initial},
		CU_TEST_INFO_NULL,
	};

	return cu_run("health", tests);
}
