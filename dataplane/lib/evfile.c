/* SPDX-License-Identifier: BSD-3-Clause */
/* evfile.c - the --events file parser shared by both dataplanes (evfile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/evfile.h"

static int evfile_find(const struct config *cfg, const char *group, const char *target,
		       struct evfile_event *e)
{
	int gi = config_group_index(cfg, group);
	unsigned int i;

	if (gi < 0)
		return -ENOENT;
	for (i = 0; i < cfg->groups[gi].n_targets; i++)
		if (!strcmp(cfg->groups[gi].targets[i].id, target)) {
			e->group = (unsigned int)gi;
			e->target = i;
			return 0;
		}
	return -ENOENT;
}

/* One non-blank line into e: 0, or -EINVAL with the problem in err. */
static int evfile_line(const struct config *cfg, const char *path, unsigned int lineno,
		       const char *line, struct evfile_event *e, char *err, size_t errlen)
{
	char group[128], target[128], state[32];
	enum cfg_target_state st;
	double when;

	if (sscanf(line, "%lf %127s %127s %31s", &when, group, target, state) != 4 ||
	    !(when >= 0 && when < 1e12)) { /* also NaN: converted to us below */
		snprintf(err, errlen, "%s:%u: expected TIME GROUP TARGET STATE", path, lineno);
		return -EINVAL;
	}
	if (config_state_parse(state, &st) || st == CFG_TS_UNUSED) {
		snprintf(err, errlen, "%s:%u: unknown state \"%s\"", path, lineno, state);
		return -EINVAL;
	}
	e->time = (uint64_t)(when * 1e6 + 0.5);
	e->state = (uint8_t)st;
	if (evfile_find(cfg, group, target, e)) {
		snprintf(err, errlen, "%s:%u: no target \"%s\" in group \"%s\"", path, lineno,
			 target, group);
		return -EINVAL;
	}
	return 0;
}

int evfile_load(const struct config *cfg, const char *path, struct evfile_event **out,
		unsigned int *n, char *err, size_t errlen)
{
	struct evfile_event *ev = NULL, e;
	unsigned int lineno = 0, cap = 0, cnt = 0;
	char line[512];
	FILE *f;
	int ret = 0;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		ret = evfile_line(cfg, path, lineno, line, &e, err, errlen);
		if (ret)
			break;
		if (cnt && e.time < ev[cnt - 1].time) {
			snprintf(err, errlen, "%s:%u: events must be in time order", path, lineno);
			ret = -EINVAL;
			break;
		}
		if (cnt == cap) {
			void *a;

			cap = cap ? cap * 2 : 16;
			a = realloc(ev, cap * sizeof(*ev));
			if (!a) {
				snprintf(err, errlen, "%s: out of memory", path);
				ret = -ENOMEM;
				break;
			}
			ev = a;
		}
		ev[cnt++] = e;
	}
	fclose(f);
	if (ret) {
		free(ev);
		return ret;
	}
	*out = ev;
	*n = cnt;
	return 0;
}
