/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_state.c - the ops that change the targets, sync and update (docs/protocol.md), and the
 * state log. A request is validated and applied on a copy of the current generation, which is
 * then finalized and published through the backend (ctl_server.h); a refused request frees the
 * copy and changes nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dataplane/lib/ctl_priv.h"

static FILE *ctl_log;

/* ---- state log ---- */

int ctl_state_log_open(const char *path, char *err, size_t errlen)
{
	ctl_log = fopen(path, "a");
	if (!ctl_log) {
		int e = errno;

		snprintf(err, errlen, "--state-log %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

uint64_t ctl_state_log_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int ctl_state_log_start(const char *path, const struct rt_state *s, char *err, size_t errlen)
{
	uint64_t now;
	int ret = ctl_state_log_open(path, err, errlen);

	if (ret)
		return ret;
	now = ctl_state_log_clock();
	ctl_state_log_write(s, now, now);
	return 0;
}

void ctl_state_log_close(void)
{
	if (ctl_log)
		fclose(ctl_log);
	ctl_log = NULL;
}

void ctl_state_log_write(const struct rt_state *s, uint64_t published_us, uint64_t synced_us)
{
	json_t *root, *groups;
	unsigned int g, t;
	char buf[INET6_ADDRSTRLEN];

	if (!ctl_log || !s)
		return;
	root = json_pack("{s:I,s:I,s:I}", "generation", (json_int_t)s->generation, "published_us",
			 (json_int_t)published_us, "synced_us", (json_int_t)synced_us);
	groups = json_object();
	if (!root || !groups)
		goto out;
	json_object_set_new(root, "groups", groups);
	for (g = 0; g < s->n_groups; g++) {
		const struct rt_group *rg = &s->groups[g];
		json_t *targets = json_object();

		json_object_set_new(
			groups, rg->cfg->name,
			json_pack("{s:s,s:o}", "mode", rt_mode_name(rg->mode), "targets", targets));
		for (t = 0; t < rg->n_targets; t++) {
			const struct rt_target *rt = &rg->targets[t];

			if (!rt->present)
				continue;
			json_object_set_new(
				targets, rt->id,
				json_pack("{s:s,s:I,s:b,s:s}", "state",
					  config_state_name((enum cfg_target_state)rt->state),
					  "weight", (json_int_t)rt->weight, "in_zone", rt->in_zone,
					  "address",
					  ctl_ip_str(rt->family, rt->addr16, buf, sizeof(buf))));
		}
	}
	if (json_dumpf(root, ctl_log, JSON_COMPACT) == 0)
		fputc('\n', ctl_log);
	fflush(ctl_log);
out:
	json_decref(root);
	if (!root)
		json_decref(groups);
}

/* ---- sync and update ---- */

/* Finalize n and publish it through the backend (which takes it). */
static int ctl_publish(struct ctl_req *r, struct rt_state *n, const struct ctl_summary *sum,
		       char *err)
{
	uint64_t gen = n->generation;
	char berr[CTL_ERR_MAX] = "";
	int ret;

	if (rt_state_finalize(n, ctl_be->maglev_size)) {
		ctl_errf(err, "%s: out of memory building the new generation", r->op);
		rt_state_free(n);
		return -ENOMEM;
	}
	ret = ctl_be->publish(n, berr); /* returns once nothing uses the old generation */
	if (ret) {
		ctl_errf(err, "%s: publishing generation %" PRIu64 ": %s", r->op, gen,
			 *berr ? berr : strerror(-ret));
		return ret;
	}
	ctl_info("%s: generation %" PRIu64 ": %u added, %u removed, %u changed", r->op, gen,
		 sum->added, sum->removed, sum->changed);
	json_object_set_new(r->reply, "generation", json_integer((json_int_t)gen));
	return 0;
}

/* Member key of object o, a string: it, or NULL with "WHERE.KEY: ..." in err. */
static const char *ctl_string(json_t *o, const char *key, const char *where, char *err)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	ctl_errf(err, "%s.%s: %s", where, key, v ? "not a string" : "missing");
	return NULL;
}

/* The group of an update item: member "group", a group of the config. */
static int ctl_item_group(json_t *o, const char *where, char *err)
{
	const char *name;
	int gi;

	if (!json_is_object(o)) {
		ctl_errf(err, "%s: not an object", where);
		return -1;
	}
	if (!(name = ctl_string(o, "group", where, err)))
		return -1;
	gi = config_group_index(ctl_be->cfg, name);
	if (gi < 0)
		ctl_errf(err, "%s: group \"%.64s\" is not in this dataplane's config", where, name);
	return gi;
}

/* The first of items[0..n) naming target id (of group `group`; NULL: any group), or n. */
static size_t ctl_item_find(json_t *items, size_t n, const char *group, const char *id)
{
	size_t m;

	for (m = 0; m < n; m++) {
		json_t *o = json_array_get(items, m);

		if ((!group || !strcmp(json_string_value(json_object_get(o, "group")), group)) &&
		    !strcmp(json_string_value(json_object_get(o, "id")), id))
			break;
	}
	return m;
}

/*
 * One entry jg of sync's groups (where: "sync: groups[i]"): validated whole, then the group's
 * targets in n become the listed ones. listed counts the entries of each group. 0, or a
 * negative errno with the message in err.
 */
static int ctl_sync_group(struct rt_state *n, json_t *jg, unsigned int *listed,
			  struct ctl_summary *sum, uint64_t now, const char *where, char *err)
{
	static const char *const members[] = {"name", "targets", NULL};
	unsigned char seen[RT_SLOTS];
	const struct cfg_group *cg;
	struct ctl_tspec ts;
	struct rt_group *g;
	json_t *targets, *jt;
	const char *name, *miss;
	char tw[200];
	size_t j, m;
	int gi, slot, ret;

	if (ctl_members(jg, members, NULL, where, err) ||
	    !(name = ctl_string(jg, "name", where, err)))
		return -EINVAL;
	gi = config_group_index(ctl_be->cfg, name);
	if (gi < 0) {
		ctl_errf(err, "%s.name: group \"%.64s\" is not in this dataplane's config", where,
			 name);
		return -EINVAL;
	}
	if (listed[gi]++) {
		ctl_errf(err, "%s.name: group \"%.64s\" listed twice", where, name);
		return -EINVAL;
	}
	cg = &ctl_be->cfg->groups[gi];
	targets = json_object_get(jg, "targets");
	if (!json_is_array(targets)) {
		ctl_errf(err, "%s.targets: %s", where, targets ? "not an array" : "missing");
		return -EINVAL;
	}
	if (json_array_size(targets) > RT_SLOTS) {
		ctl_errf(err, "%s.targets: %zu targets, group \"%s\" holds at most %d", where,
			 json_array_size(targets), cg->name, RT_SLOTS);
		return -EINVAL;
	}
	/* validate all, and find duplicates, before changing the group */
	json_array_foreach(targets, j, jt)
	{
		snprintf(tw, sizeof(tw), "%s.targets[%zu]", where, j);
		if (ctl_parse_target(jt, cg, NULL, &ts, tw, err))
			return -EINVAL;
		if ((miss = ctl_tspec_missing(&ts))) {
			ctl_errf(err, "%s.%s: missing", tw, miss);
			return -EINVAL;
		}
		if ((m = ctl_item_find(targets, j, NULL, ts.id)) < j) {
			ctl_errf(err, "%s.id: duplicate id \"%s\" (also targets[%zu])", tw, ts.id,
				 m);
			return -EINVAL;
		}
	}
	/* removals first: targets not listed leave the set */
	g = &n->groups[gi];
	memset(seen, 0, sizeof(seen));
	json_array_foreach(targets, j, jt)
	{
		slot = rt_group_find(g, json_string_value(json_object_get(jt, "id")));
		if (slot >= 0)
			seen[slot] = 1;
	}
	for (j = 0; j < g->n_targets; j++)
		if (g->targets[j].present && !seen[j]) {
			rt_group_remove(g, (unsigned int)j);
			sum->removed++;
		}
	json_array_foreach(targets, j, jt)
	{
		snprintf(tw, sizeof(tw), "%s.targets[%zu]", where, j);
		ctl_parse_target(jt, cg, NULL, &ts, tw, err);
		slot = rt_group_find(&n->groups[gi], ts.id);
		if (slot < 0)
			sum->added++;
		else
			sum->changed++;
		ret = ctl_apply(n, (unsigned int)gi, slot, &ts, 1, now, tw, err);
		if (ret)
			return ret;
	}
	return 0;
}

static int ctl_op_sync(struct ctl_req *r, char *err)
{
	static const char *const extra[] = {"groups", NULL};
	const struct config *cfg = ctl_be->cfg;
	struct ctl_summary sum = {0};
	struct rt_state *n = NULL;
	json_t *groups, *jg;
	uint64_t now = ctl_be->now_us();
	char where[160];
	size_t i;
	int gi, ret;
	unsigned int *listed = NULL;

	if (ctl_check_members(r->msg, "sync", extra, err))
		return -EINVAL;
	groups = json_object_get(r->msg, "groups");
	if (!json_is_array(groups)) {
		ctl_errf(err, "sync: groups: %s", groups ? "not an array" : "missing");
		return -EINVAL;
	}
	listed = calloc(cfg->n_groups + 1, sizeof(*listed));
	n = rt_state_clone(ctl_be->current(), now);
	if (!listed || !n) {
		ctl_errf(err, "sync: out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	json_array_foreach(groups, i, jg)
	{
		snprintf(where, sizeof(where), "sync: groups[%zu]", i);
		ret = ctl_sync_group(n, jg, listed, &sum, now, where, err);
		if (ret)
			goto fail;
	}
	for (gi = 0; gi < (int)cfg->n_groups; gi++)
		if (!listed[gi]) {
			ctl_errf(err,
				 "sync: groups: group \"%s\" missing (every group must be listed)",
				 cfg->groups[gi].name);
			ret = -EINVAL;
			goto fail;
		}
	free(listed);
	ret = ctl_publish(r, n, &sum, err);
	if (!ret)
		ctl_synced = 1;
	return ret;
fail:
	free(listed);
	rt_state_free(n);
	return ret;
}

/* Item i of update's remove (where: "update: remove[i]"): the target leaves n. 0 or -EINVAL. */
static int ctl_update_remove(struct rt_state *n, json_t *rem, size_t i, const char *where,
			     char *err)
{
	static const char *const members[] = {"group", "id", NULL};
	json_t *it = json_array_get(rem, i);
	const char *id, *group;
	size_t m;
	int gi, slot;

	if ((gi = ctl_item_group(it, where, err)) < 0 ||
	    ctl_members(it, members, NULL, where, err) || !(id = ctl_string(it, "id", where, err)))
		return -EINVAL;
	group = ctl_be->cfg->groups[gi].name;
	if ((m = ctl_item_find(rem, i, group, id)) < i) {
		ctl_errf(err, "%s: target \"%.64s\" of group \"%s\" also in remove[%zu]", where, id,
			 group, m);
		return -EINVAL;
	}
	slot = rt_group_find(&n->groups[gi], id);
	if (slot < 0) {
		ctl_errf(err, "%s: no target \"%.64s\" in group \"%s\"", where, id, group);
		return -EINVAL;
	}
	rt_group_remove(&n->groups[gi], (unsigned int)slot);
	return 0;
}

/*
 * Item i of update's set (where: "update: set[i]"), after every remove: the target is added to
 * n or changed. 0, or a negative errno with the message in err.
 */
static int ctl_update_set(struct rt_state *n, json_t *set, json_t *rem, size_t i,
			  struct ctl_summary *sum, uint64_t now, const char *where, char *err)
{
	static const char *const extra[] = {"group", NULL};
	json_t *it = json_array_get(set, i);
	struct ctl_tspec ts;
	const char *group, *miss;
	size_t m;
	int gi, slot;

	if ((gi = ctl_item_group(it, where, err)) < 0 ||
	    ctl_parse_target(it, &ctl_be->cfg->groups[gi], extra, &ts, where, err))
		return -EINVAL;
	group = ctl_be->cfg->groups[gi].name;
	if ((m = ctl_item_find(set, i, group, ts.id)) < i) {
		ctl_errf(err, "%s: target \"%s\" of group \"%s\" also in set[%zu]", where, ts.id,
			 group, m);
		return -EINVAL;
	}
	if ((m = ctl_item_find(rem, json_array_size(rem), group, ts.id)) < json_array_size(rem)) {
		ctl_errf(err, "%s: target \"%s\" of group \"%s\" also in remove[%zu]", where, ts.id,
			 group, m);
		return -EINVAL;
	}
	slot = rt_group_find(&n->groups[gi], ts.id);
	if (slot < 0 && (miss = ctl_tspec_missing(&ts))) {
		ctl_errf(err, "%s.%s: missing (target \"%s\" is new in group \"%s\")", where, miss,
			 ts.id, group);
		return -EINVAL;
	}
	if (slot < 0)
		sum->added++;
	else
		sum->changed++;
	return ctl_apply(n, (unsigned int)gi, slot, &ts, 0, now, where, err);
}

static int ctl_op_update(struct ctl_req *r, char *err)
{
	static const char *const extra[] = {"set", "remove", NULL};
	struct ctl_summary sum = {0};
	struct rt_state *n;
	json_t *set, *rem, *it;
	uint64_t now = ctl_be->now_us();
	char where[160];
	size_t i;
	int ret;

	if (ctl_check_members(r->msg, "update", extra, err))
		return -EINVAL;
	set = json_object_get(r->msg, "set");
	rem = json_object_get(r->msg, "remove");
	if (set && !json_is_array(set)) {
		ctl_errf(err, "update: set: not an array");
		return -EINVAL;
	}
	if (rem && !json_is_array(rem)) {
		ctl_errf(err, "update: remove: not an array");
		return -EINVAL;
	}
	n = rt_state_clone(ctl_be->current(), now);
	if (!n) {
		ctl_errf(err, "update: out of memory");
		return -ENOMEM;
	}
	/* remove[] first (checked for duplicates among themselves and with set[]) */
	json_array_foreach(rem, i, it)
	{
		snprintf(where, sizeof(where), "update: remove[%zu]", i);
		ret = ctl_update_remove(n, rem, i, where, err);
		if (ret)
			goto fail;
		sum.removed++;
	}
	json_array_foreach(set, i, it)
	{
		snprintf(where, sizeof(where), "update: set[%zu]", i);
		ret = ctl_update_set(n, set, rem, i, &sum, now, where, err);
		if (ret)
			goto fail;
	}
	return ctl_publish(r, n, &sum, err);
fail:
	rt_state_free(n);
	return ret;
}

const struct ctl_op ctl_write_ops[] = {
	{"sync", ctl_op_sync},
	{"update", ctl_op_update},
	{NULL, NULL},
};
