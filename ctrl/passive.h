/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * passive.h - the window of sluiced's passive data-path check (docs/daemon.md "Passive
 * data-path check"): the packets the dataplanes sent to one appliance and the GENEVE returns
 * they accepted from it, summed over the dataplanes, and the judgement "at least N packets sent
 * in the last window, none returned". Pure, explicit clock (microseconds, any epoch): the
 * caller feeds each dataplane's counters as they are polled and asks for the verdict.
 */
#ifndef SL_PASSIVE_H
#define SL_PASSIVE_H

#include <stdint.h>

#include "dataplane/lib/config.h"

/* Samples kept: one window needs at most PASSIVE_STEPS + 2 of them (see passive_judge). */
#define PASSIVE_STEPS	64
#define PASSIVE_SAMPLES (PASSIVE_STEPS + 8)

struct passive_dp {
	uint64_t sent, returned; /* the dataplane's counters at its last report */
	unsigned int epoch;	 /* its connection, when reported (a new one starts over) */
	int seen;
};

struct passive_sample {
	uint64_t t, sent, returned;
};

struct passive {
	uint64_t sent, returned; /* totals, summed over the dataplanes' increases */
	struct passive_dp dp[CFG_DATAPLANES_MAX];
	struct passive_sample s[PASSIVE_SAMPLES]; /* ring, oldest first from head */
	unsigned int head, n;
	/* the last judgement: judged once a whole window is covered */
	int judged;
	uint64_t win_sent, win_returned;
};

void passive_init(struct passive *p);
/*
 * Counters reported by dataplane dp (< CFG_DATAPLANES_MAX) on connection `epoch`: packets sent
 * to the target and returns accepted from it, since the target appeared there. Their increase
 * since that dataplane's last report joins the totals; a first report (or one on a new
 * connection) is only a baseline; counters that went down (the slot was reused, the dataplane
 * restarted) count from zero.
 */
void passive_feed(struct passive *p, unsigned int dp, unsigned int epoch, uint64_t sent,
		  uint64_t returned);
/* Forget the samples: the next window starts at now (the target's state or the settings changed).
 */
void passive_restart(struct passive *p, uint64_t now);
/* Returns accepted since the window started (passive_restart): any is proof of a live path. */
uint64_t passive_returns_since_restart(const struct passive *p);
/*
 * Take a sample of the totals at now and judge the last window_s seconds: 1 when at least
 * min_packets (> 0) were sent in them and nothing came back, else 0. Judged only once a whole
 * window is covered by samples (the window measured runs from the newest sample at least
 * window_s old: window_s plus at most the larger of window_s / PASSIVE_STEPS and the time
 * between two calls).
 * p->judged, win_sent and win_returned tell what was seen.
 */
int passive_judge(struct passive *p, uint64_t now, uint32_t window_s, uint32_t min_packets);

#endif /* SL_PASSIVE_H */
