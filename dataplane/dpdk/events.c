/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dpdk/events.h"
#include "dataplane/dpdk/rt.h"

int events_load(const char *path, char *err, size_t errlen)
{
	const struct rt_state *prev = dp.state;
	unsigned int i;
	int ret;

	ret = evfile_load(dp.cfg, path, &dp.events, &dp.n_events, err, errlen);
	if (ret)
		return ret;
	dp.event_states = calloc(dp.n_events ? dp.n_events : 1, sizeof(*dp.event_states));
	if (!dp.event_states) {
		snprintf(err, errlen, "%s: out of memory", path);
		events_free();
		return -ENOMEM;
	}
	for (i = 0; i < dp.n_events; i++) {
		const struct evfile_event *e = &dp.events[i];
		struct rt_state *s = rt_state_with_target(prev, e->group, e->target, e->state,
							  e->time, dp.maglev_size);

		if (!s) {
			snprintf(err, errlen, "%s: out of memory", path);
			events_free();
			return -ENOMEM;
		}
		dp.event_states[i] = s;
		prev = s;
	}
	return 0;
}

void events_free(void)
{
	unsigned int i;

	for (i = 0; dp.event_states && i < dp.n_events; i++)
		if (dp.event_states[i] && dp.event_states[i] != dp.state)
			rt_state_free(dp.event_states[i]);
	free(dp.events);
	free(dp.event_states);
	dp.events = NULL;
	dp.event_states = NULL;
	dp.n_events = 0;
}

const struct rt_state *events_apply(uint64_t now, const struct rt_state *cur)
{
	while (dp.next_event < dp.n_events && now >= dp.events[dp.next_event].time) {
		cur = dp.event_states[dp.next_event++];
		__atomic_store_n(&dp.state, (struct rt_state *)cur, __ATOMIC_RELEASE);
	}
	return cur;
}
