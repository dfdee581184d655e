/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelog.h - a log line for a kind of event that can come in floods (refused clients, accept
 * errors, health checks not run for lack of descriptors): the first event of a quiet period is
 * logged at once, the following ones are counted and summed up in one line per interval
 * ("WHAT: N more in the last 10 s; the last: DETAIL") for as long as they go on. The log never
 * grows with the rate of the events.
 */
#ifndef SL_RATELOG_H
#define SL_RATELOG_H

#include <event2/event.h>

#include "ctrl/log.h"

#define RATELOG_INTERVAL_S 10

struct ratelog {
	enum log_level level;
	struct event *ev;    /* the end of the current interval */
	int running;	     /* an interval runs: events are counted, not logged */
	unsigned long count; /* events of this interval not logged */
	char what[64];
	char last[192]; /* the detail of the last event counted */
};

/* what: the summary's subject ("metrics: refused clients"). 0 or -ENOMEM. */
int ratelog_init(struct ratelog *rl, struct event_base *base, enum log_level level,
		 const char *what);
/* One event; the detail names it ("64 connected, at most 64 (daemon.max_clients)"). */
void ratelog_event(struct ratelog *rl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Log what is counted and not yet logged, stop the interval, free the timer. */
void ratelog_free(struct ratelog *rl);

#endif /* SL_RATELOG_H */
