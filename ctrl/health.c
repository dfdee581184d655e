/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.c - the target state machine (docs/daemon.md "Target states"). Pure: the caller owns
 * the clock (microseconds) and the checks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctrl/health.h"

#define HEALTH_US_PER_S 1000000ull

static void health_set_state(struct health *h, uint8_t state, uint64_t now)
{
	h->state = state;
	h->since = now;
}

/* The state of an active (not draining) target with fresh streaks. */
static uint8_t health_fresh_state(const struct health *h)
{
	return h->in_zone ? TS_INITIAL : TS_UNUSED;
}

static void health_reset_streaks(struct health *h)
{
	h->passes = 0;
	h->failures = 0;
}

static uint32_t health_threshold(uint32_t t)
{
	return t ? t : 1; /* config.c keeps them in 2..10; never let 0 mean "at once or never" */
}

void health_init(struct health *h, int in_zone, uint64_t now)
{
	memset(h, 0, sizeof(*h));
	h->admin = HEALTH_ADMIN_ACTIVE;
	h->in_zone = !!in_zone;
	health_set_state(h, health_fresh_state(h), now);
}

int health_result(struct health *h, const struct cfg_health_check *hc, int ok, const char *reason,
		  uint64_t latency_us, uint64_t now)
{
	if (h->admin != HEALTH_ADMIN_ACTIVE || !h->in_zone)
		return 0;

	h->last_check = now;
	h->last_latency_us = latency_us;
	h->last_ok = !!ok;
	if (ok) {
		h->checks_passed++;
		h->failures = 0;
		if (h->passes < UINT32_MAX)
			h->passes++;
		/* marked "no returns": passing checks count after a hold-down of one window */
		if (h->passive &&
		    now < h->passive_since + (uint64_t)hc->passive_window * HEALTH_US_PER_S)
			return 0;
		if (h->state != TS_HEALTHY &&
		    h->passes >= health_threshold(hc->healthy_threshold)) {
			h->passive = 0;
			health_set_state(h, TS_HEALTHY, now);
			return 1;
		}
		return 0;
	}

	h->checks_failed++;
	h->passes = 0;
	if (h->failures < UINT32_MAX)
		h->failures++;
	snprintf(h->reason, sizeof(h->reason), "%s", reason && *reason ? reason : "check failed");
	if (h->failures >= health_threshold(hc->unhealthy_threshold))
		h->passive = 0; /* unhealthy by the checks now: they alone bring it back */
	if (h->state != TS_UNHEALTHY && h->failures >= health_threshold(hc->unhealthy_threshold)) {
		health_set_state(h, TS_UNHEALTHY, now);
		return 1;
	}
	return 0;
}

void health_local_error(struct health *h)
{
	h->checks_local++;
}

int health_drain(struct health *h, enum health_admin why, uint64_t now)
{
	if (why != HEALTH_ADMIN_DEREGISTERED && why != HEALTH_ADMIN_DRAINED)
		return -EINVAL;
	if (h->admin == why)
		return 0;
	/* Drained <-> deregistered is one draining period: the delay keeps its start, as the
	 * dataplane's does (it counts from the drain_start it was told). */
	if (h->admin == HEALTH_ADMIN_ACTIVE) {
		h->passive = 0;
		h->drain_start = now;
		health_reset_streaks(h);
		health_set_state(h, TS_DRAINING, now);
	}
	h->admin = why;
	return 1;
}

int health_undrain(struct health *h, uint64_t now)
{
	if (h->admin == HEALTH_ADMIN_ACTIVE)
		return 0;
	h->admin = HEALTH_ADMIN_ACTIVE;
	h->drain_start = 0;
	h->passive = 0;
	health_reset_streaks(h);
	health_set_state(h, health_fresh_state(h), now);
	return 1;
}

int health_set_in_zone(struct health *h, int in_zone, uint64_t now)
{
	in_zone = !!in_zone;
	if (h->in_zone == in_zone)
		return 0;
	h->in_zone = in_zone;
	if (h->admin != HEALTH_ADMIN_ACTIVE)
		return 0; /* stays draining; undrain picks initial or unused */
	h->passive = 0;
	health_reset_streaks(h);
	health_set_state(h, health_fresh_state(h), now);
	return 1;
}

static uint64_t health_drain_end(const struct health *h, uint32_t delay_s)
{
	return h->drain_start + (uint64_t)delay_s * HEALTH_US_PER_S;
}

int health_tick(const struct health *h, uint32_t delay_s, uint64_t now, uint64_t *next_us)
{
	uint64_t end;

	if (h->admin != HEALTH_ADMIN_DEREGISTERED) {
		if (next_us)
			*next_us = UINT64_MAX;
		return 0;
	}
	end = health_drain_end(h, delay_s);
	if (next_us)
		*next_us = end;
	return now >= end;
}

double health_drain_remaining(const struct health *h, uint32_t delay_s, uint64_t now)
{
	uint64_t end;

	if (h->admin == HEALTH_ADMIN_ACTIVE)
		return 0;
	end = health_drain_end(h, delay_s);
	if (now >= end)
		return 0;
	return (double)(end - now) / (double)HEALTH_US_PER_S;
}

int health_passive_fail(struct health *h, uint64_t now)
{
	if (h->admin != HEALTH_ADMIN_ACTIVE || !h->in_zone || h->passive ||
	    (h->state != TS_HEALTHY && h->state != TS_INITIAL))
		return 0;
	h->passive = 1;
	h->passive_since = now;
	h->passive_prev = h->state;
	h->passive_failures++;
	h->passes = 0; /* the checks bring it back after the hold-down, from a fresh streak */
	snprintf(h->reason, sizeof(h->reason), "%s", HEALTH_NO_RETURNS);
	health_set_state(h, TS_UNHEALTHY, now);
	return 1;
}

int health_passive_returns(struct health *h, uint64_t now)
{
	if (!h->passive)
		return 0;
	h->passive = 0;
	health_set_state(h, h->passive_prev, now);
	return 1;
}

const char *health_reason(const struct health *h)
{
	switch (h->admin) {
	case HEALTH_ADMIN_DEREGISTERED:
		return "deregistered";
	case HEALTH_ADMIN_DRAINED:
		return "drained";
	case HEALTH_ADMIN_ACTIVE:
		break;
	}
	if (!h->in_zone)
		return "zone not served by this node";
	return h->reason;
}

int health_seed(struct health *h, uint8_t state, uint64_t draining_for_us, uint64_t now)
{
	if (h->admin != HEALTH_ADMIN_ACTIVE || !h->in_zone || h->state != TS_INITIAL ||
	    h->last_check)
		return 0;
	switch (state) {
	case TS_HEALTHY:
		health_set_state(h, TS_HEALTHY, now);
		return 1;
	case TS_UNHEALTHY:
		health_set_state(h, TS_UNHEALTHY, now);
		if (!h->reason[0])
			snprintf(h->reason, sizeof(h->reason),
				 "unhealthy before sluiced restarted");
		return 1;
	case TS_DRAINING:
		health_drain(h, HEALTH_ADMIN_DRAINED, now);
		h->drain_start = now > draining_for_us ? now - draining_for_us : 0;
		return 1;
	default:
		return 0;
	}
}
