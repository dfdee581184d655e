/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "rt.h"

static int events_find(const char *group, const char *target, unsigned int *g, unsigned int *t)
{
	int gi = config_group_index(dp.cfg, group);
	unsigned int i;

	if (gi < 0)
		return -ENOENT;
	for (i = 0; i < dp.cfg->groups[gi].n_targets; i++)
		if (!strcmp(dp.cfg->groups[gi].targets[i].id, target)) {
			*g = (unsigned int)gi;
			*t = i;
			return 0;
		}
	return -ENOENT;
}

int events_load(const char *path, char *err, size_t errlen)
{
	char line[512], group[128], target[128], state[32];
	const struct rt_state *prev = dp.state;
	unsigned int lineno = 0, cap = 0;
	double when;
	FILE *f;
	int ret = 0;

	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		enum cfg_target_state st;
		struct dp_event *e;
		struct rt_state *s;
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (sscanf(line, "%lf %127s %127s %31s", &when, group, target, state) != 4 ||
		    !(when >= 0 && when < 1e12)) { /* also NaN: converted to us below */
			snprintf(err, errlen, "%s:%u: expected TIME GROUP TARGET STATE", path,
				 lineno);
			ret = -EINVAL;
			break;
		}
		if (config_state_parse(state, &st) || st == CFG_TS_UNUSED) {
			snprintf(err, errlen, "%s:%u: unknown state \"%s\"", path, lineno, state);
			ret = -EINVAL;
			break;
		}
		if (dp.n_events == cap) {
			void *a, *b;

			cap = cap ? cap * 2 : 16;
			a = realloc(dp.events, cap * sizeof(*dp.events));
			if (a)
				dp.events = a;
			b = realloc(dp.event_states, cap * sizeof(*dp.event_states));
			if (b)
				dp.event_states = b;
			if (!a || !b) {
				ret = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				break;
			}
		}
		e = &dp.events[dp.n_events];
		e->time = (uint64_t)(when * 1e6 + 0.5);
		e->state = (uint8_t)st;
		if (events_find(group, target, &e->group, &e->target)) {
			snprintf(err, errlen, "%s:%u: no target \"%s\" in group \"%s\"", path,
				 lineno, target, group);
			ret = -EINVAL;
			break;
		}
		if (dp.n_events && e->time < dp.events[dp.n_events - 1].time) {
			snprintf(err, errlen, "%s:%u: events must be in time order", path, lineno);
			ret = -EINVAL;
			break;
		}
		s = rt_state_with_target(prev, e->group, e->target, e->state, e->time,
					 dp.maglev_size);
		if (!s) {
			snprintf(err, errlen, "%s: out of memory", path);
			ret = -ENOMEM;
			break;
		}
		dp.event_states[dp.n_events++] = s;
		prev = s;
	}
	fclose(f);
	if (ret)
		events_free();
	return ret;
}

void events_free(void)
{
	unsigned int i;

	for (i = 0; i < dp.n_events; i++)
		if (dp.event_states[i] != dp.state)
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
