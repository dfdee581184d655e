/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.h - the target state machine of sluiced: check results, registration, draining and
 * the deregistration delay turned into enum target_state (core/gwlb.h). Pure logic with an
 * explicit clock (microseconds, any epoch): no I/O, no timers, so the tests drive it with a
 * fake clock. The caller runs the checks and calls health_result(); it calls health_tick() to
 * learn when a deregistered target must leave the set.
 */
#ifndef SL_HEALTH_H
#define SL_HEALTH_H

#include <stdint.h>

#include "dataplane/lib/config.h"
#include "dataplane/core/gwlb.h"

#define HEALTH_REASON_MAX 160

enum health_admin {
	HEALTH_ADMIN_ACTIVE = 0,   /* registered, checked */
	HEALTH_ADMIN_DEREGISTERED, /* draining; leaves the set when the delay ends */
	HEALTH_ADMIN_DRAINED,	   /* draining; stays until undrained or deregistered */
};

struct health {
	uint8_t state; /* enum target_state */
	enum health_admin admin;
	int in_zone;			       /* 0: state is TS_UNUSED, no checks */
	uint32_t passes;		       /* consecutive passed checks */
	uint32_t failures;		       /* consecutive failed checks */
	uint64_t checks_passed, checks_failed; /* totals */
	uint64_t checks_local;		       /* checks not run for a local reason (total) */
	uint64_t last_check;		       /* time of the last result, 0 = never */
	uint64_t last_latency_us;
	int last_ok;
	uint64_t drain_start;		/* time the target started draining */
	uint64_t since;			/* time of the last state change */
	char reason[HEALTH_REASON_MAX]; /* last failure ("" before any); kept across passes,
					 * drains and undrains. health_reason() says the
					 * admin reason instead while draining or unused */
	/* The passive check's verdict (health_passive_fail): unhealthy for "no returns". */
	int passive;
	uint64_t passive_since;	   /* when it was marked */
	uint8_t passive_prev;	   /* the state before (healthy or initial) */
	uint64_t passive_failures; /* times marked, in total */
};

#define HEALTH_NO_RETURNS "no returns"

/* A newly registered target: initial (in_zone) or unused. */
void health_init(struct health *h, int in_zone, uint64_t now);
/*
 * A check result. ok: passed; reason: why it failed (ignored when ok); latency in us.
 * Returns 1 if the state changed, else 0. Ignored (returns 0) while draining or unused.
 */
int health_result(struct health *h, const struct cfg_health_check *hc, int ok, const char *reason,
		  uint64_t latency_us, uint64_t now);
/*
 * A check that failed here, before it reached the target (no file descriptor, no memory:
 * probe_result.local): counted in checks_local, and nothing else changes: not the state, not
 * the streaks, not the last result. The next interval checks again.
 */
void health_local_error(struct health *h);
/*
 * Deregister (admin DEREGISTERED) or drain (admin DRAINED): state draining since now, streaks
 * reset. Between DRAINED and DEREGISTERED the drain keeps its start (one draining period, as
 * the dataplane counts it). Returns 1 if admin changed, 0 if it was why already, -EINVAL for
 * another why.
 */
int health_drain(struct health *h, enum health_admin why, uint64_t now);
/* Back from DRAINED (or DEREGISTERED, on re-register) to initial (unused when !in_zone);
 * streaks restart. Returns 1, or 0 when not draining. */
int health_undrain(struct health *h, uint64_t now);
/* The zone of the target became (un)served: unused <-> initial (streaks reset). Returns 1 on
 * a state change; a draining target only remembers it for undrain. */
int health_set_in_zone(struct health *h, int in_zone, uint64_t now);
/*
 * 1 when a DEREGISTERED target's delay (seconds) has ended at now (delay 0: at once): remove
 * it from the set. *next_us (if not NULL) gets the time it ends, for a timer; UINT64_MAX when
 * the target is not deregistered (never; drained targets never leave).
 */
int health_tick(const struct health *h, uint32_t delay_s, uint64_t now, uint64_t *next_us);
/* Seconds of the delay left while draining, drained or deregistered (0 when ended or not
 * draining). */
double health_drain_remaining(const struct health *h, uint32_t delay_s, uint64_t now);
/*
 * A state read back from a dataplane after a daemon restart, for a target the daemon has not
 * checked yet (initial, active, no result): healthy or unhealthy as it was (streaks fresh), or
 * draining as drained (kept until undrain) since draining_for_us ago. Returns 1 when the state
 * was taken, 0 when h is not fresh or state is another one (initial, unused).
 */
int health_seed(struct health *h, uint8_t state, uint64_t draining_for_us, uint64_t now);
/*
 * The passive data-path check found no returns (docs/daemon.md "Passive data-path check"): an
 * active healthy or initial target becomes unhealthy with the reason "no returns". It leaves
 * that state by health_passive_returns() (returns seen again: back to the state before), or by
 * passing checks: healthy_threshold passes in a row, the last one at least hold_s seconds after
 * it was marked (health_result() with hc->passive_window), or as any unhealthy target once
 * unhealthy_threshold checks in a row failed. Returns 1 if the state changed.
 */
int health_passive_fail(struct health *h, uint64_t now);
/* Returns seen again while marked: the state before the mark. Returns 1 if it changed. */
int health_passive_returns(struct health *h, uint64_t now);
/* The human reason for the current state: "deregistered", "drained", "zone not served by this
 * node", else the last failure ("" before any). */
const char *health_reason(const struct health *h);

#endif /* SL_HEALTH_H */
