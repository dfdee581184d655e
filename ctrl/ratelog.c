/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelog.c - rate-limited log lines (ratelog.h): one at once, then one summary per interval.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctrl/ratelog.h"

static void ratelog_summary(struct ratelog *rl)
{
	log_msg(rl->level, "%s: %lu more in the last %u s; the last: %s", rl->what, rl->count,
		RATELOG_INTERVAL_S, rl->last);
	rl->count = 0;
}

static void ratelog_arm(struct ratelog *rl)
{
	struct timeval tv = {RATELOG_INTERVAL_S, 0};

	rl->running = !evtimer_add(rl->ev, &tv);
}

/* The interval ended: sum it up and run another while events go on, else go quiet. */
static void ratelog_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ratelog *rl = arg;

	(void)fd;
	(void)what;
	rl->running = 0;
	if (!rl->count)
		return;
	ratelog_summary(rl);
	ratelog_arm(rl);
}

int ratelog_init(struct ratelog *rl, struct event_base *base, enum log_level level,
		 const char *what)
{
	memset(rl, 0, sizeof(*rl));
	rl->level = level;
	snprintf(rl->what, sizeof(rl->what), "%s", what);
	rl->ev = evtimer_new(base, ratelog_tick, rl);
	return rl->ev ? 0 : -ENOMEM;
}

void ratelog_event(struct ratelog *rl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rl->last, sizeof(rl->last), fmt, ap);
	va_end(ap);
	if (rl->running || !rl->ev) {
		rl->count++;
		return;
	}
	log_msg(rl->level, "%s: %s (more are summed up every %u s)", rl->what, rl->last,
		RATELOG_INTERVAL_S);
	ratelog_arm(rl);
}

void ratelog_free(struct ratelog *rl)
{
	if (rl->count)
		ratelog_summary(rl);
	if (rl->ev)
		event_free(rl->ev);
	rl->ev = NULL;
	rl->running = 0;
}
