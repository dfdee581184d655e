/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_passive.c - the passive data-path check's window (ctrl/passive.h): counters of several
 * dataplanes folded into totals, resets and reconnects, the window's baseline, and the verdict
 * "at least N sent, none returned", on a fake clock with a poll every 2 s.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "ctrl/passive.h"

#define S(x) ((uint64_t)(x)*1000000ull)

static uint64_t now;

/* One poll of dataplane 0 two seconds later with counters (sent, returned); the verdict. */
static int poll0(struct passive *p, uint64_t sent, uint64_t returned, uint32_t window, uint32_t min)
{
	now += S(2);
	passive_feed(p, 0, 1, sent, returned);
	return passive_judge(p, now, window, min);
}

/* A fresh window at S(100): dataplane 0 reported (0, 0) before (a baseline). */
static void start(struct passive *p)
{
	passive_init(p);
	now = S(100);
	passive_feed(p, 0, 1, 0, 0);
	passive_restart(p, now);
}

/* Nothing is judged before a whole window is covered; then no returns is a failure */
static void test_no_verdict_before_a_window(void)
{
	struct passive p;
	uint64_t sent = 1000;
	int i;

	passive_init(&p);
	now = S(100);
	passive_feed(&p, 0, 1, sent, 500); /* a baseline: counts from before are not ours */
	passive_restart(&p, now);
	for (i = 0; i < 4; i++) { /* 2, 4, 6, 8 s: under the 10 s window */
		sent += 50;
		CU_ASSERT_EQUAL(poll0(&p, sent, 500, 10, 100), 0);
		CU_ASSERT_EQUAL(p.judged, 0);
	}
	sent += 50;
	CU_ASSERT_EQUAL(poll0(&p, sent, 500, 10, 100), 1); /* 10 s: 250 sent, 0 returned */
	CU_ASSERT_EQUAL(p.judged, 1);
	CU_ASSERT_EQUAL(p.win_sent, 250);
	CU_ASSERT_EQUAL(p.win_returned, 0);
}

/* A return in the window, or fewer than min_packets sent, is no failure; 0 is off */
static void test_one_return_or_few_packets_pass(void)
{
	struct passive p;
	uint64_t sent = 0, ret = 0;
	int i, v = 0;

	start(&p);
	for (i = 0; i < 20; i++) /* 40 sent and 1 returned per poll: a healthy appliance */
		v |= poll0(&p, sent += 40, ++ret, 10, 100);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(p.win_returned, 5);
	/* the returns stop: the last one stays in the window for 8 more seconds */
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(poll0(&p, sent += 40, ret, 10, 100), 0);
	CU_ASSERT_EQUAL(p.win_returned, 1);
	CU_ASSERT_EQUAL(poll0(&p, sent += 40, ret, 10, 100), 1); /* 10 s without one */
	CU_ASSERT_EQUAL(p.win_sent, 200);

	v = 0;
	start(&p);
	for (i = 0, sent = 0; i < 10; i++) { /* 5 polls of 19 in every window: under 100 */
		sent += 19;
		v |= poll0(&p, sent, 0, 10, 100);
	}
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT(p.judged && p.win_sent == 95);
	CU_ASSERT_EQUAL(poll0(&p, sent + 1000, 0, 10, 0), 0); /* min_packets 0: off */
}

/* Two dataplanes: increases add up; a reconnect or a counter reset is no burst of packets */
static void test_dataplanes_add_up_and_restart(void)
{
	static const struct {
		unsigned int dp, epoch;
		uint64_t sent, returned;      /* the dataplane's counters */
		uint64_t want_sent, want_ret; /* the totals after it */
	} steps[] = {
		{0, 1, 100, 100, 0, 0}, /* baselines */
		{1, 7, 5000, 10, 0, 0},
		{0, 1, 130, 120, 30, 20},
		{1, 7, 5040, 10, 70, 20},
		{1, 8, 90000, 0, 70, 20}, /* dataplane 1 reconnected: a new baseline */
		{1, 8, 90005, 3, 75, 23},
		{0, 1, 4, 1, 79, 24}, /* its slot was reused (counters from 0): 4 new packets */
		{CFG_DATAPLANES_MAX, 1, 1u << 30, 0, 79, 24}, /* out of range: ignored */
	};
	struct passive p;
	size_t i;

	passive_init(&p);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		passive_feed(&p, steps[i].dp, steps[i].epoch, steps[i].sent, steps[i].returned);
		CU_ASSERT_EQUAL(p.sent, steps[i].want_sent);
		CU_ASSERT_EQUAL(p.returned, steps[i].want_ret);
	}
}

/* A restart (the state changed) starts a fresh window: old packets are not judged again */
static void test_restart_forgets_the_window(void)
{
	struct passive p;
	uint64_t sent = 0;
	int i;

	start(&p);
	for (i = 0; i < 5; i++)
		poll0(&p, sent += 100, 0, 10, 100);
	CU_ASSERT_EQUAL(p.judged, 1);
	passive_restart(&p, now);
	CU_ASSERT_EQUAL(p.judged, 0);
	CU_ASSERT_EQUAL(passive_returns_since_restart(&p), 0);
	passive_feed(&p, 0, 1, sent, 3); /* returns after the restart (a mark): counted */
	CU_ASSERT_EQUAL(passive_returns_since_restart(&p), 3);
	passive_restart(&p, now);
	CU_ASSERT_EQUAL(poll0(&p, sent, 0, 10, 100), 0); /* no traffic since: no verdict */
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(poll0(&p, sent, 0, 10, 100), 0);
	CU_ASSERT_EQUAL(p.judged, 1);
	CU_ASSERT_EQUAL(p.win_sent, 0);
}

/* A long window with polls every 2 s stays within its samples, exactly as wide as asked */
static void test_long_window_is_bounded(void)
{
	struct passive p;
	uint64_t sent = 0;
	int i;

	start(&p);
	for (i = 0; i < 2000; i++) { /* 4000 s of 10 packets per poll, window 3600 s */
		sent += 10;
		poll0(&p, sent, 0, 3600, 100);
		CU_ASSERT_FATAL(p.n <= PASSIVE_STEPS + 2);
	}
	CU_ASSERT_EQUAL(p.judged, 1);
	/* measured over 3600 s plus at most one step (3600 / 64 s) */
	CU_ASSERT(p.win_sent >= 3600 / 2 * 10 && p.win_sent <= (3600 + 3600 / 64 + 2) / 2 * 10);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"no verdict before a whole window", test_no_verdict_before_a_window},
		{"one return or few packets pass", test_one_return_or_few_packets_pass},
		{"dataplanes add up, reconnects restart", test_dataplanes_add_up_and_restart},
		{"restart forgets the window", test_restart_forgets_the_window},
		{"long window is bounded", test_long_window_is_bounded},
		CU_TEST_INFO_NULL,
	};

	return cu_run("passive", tests);
}
