/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt.c - runtime state generations: target states, the group's mode and its Maglev table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

#include "core/gwlb.h"
#include "core/maglev.h"
#include "rt.h"

static void rt_group_free(struct rt_group *g)
{
	free(g->targets);
	free(g->maglev);
	g->targets = NULL;
	g->maglev = NULL;
}

void rt_state_free(struct rt_state *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < s->n_groups; i++)
		rt_group_free(&s->groups[i]);
	free(s->groups);
	free(s);
}

/* Decide the group's mode from its target states and build the matching Maglev table. */
static int rt_group_finalize(struct rt_group *g, uint32_t size)
{
	uint64_t *keys = NULL;
	uint32_t *weights = NULL;
	unsigned int i, n_elig = 0, n_open = 0;
	uint64_t sum = 0;
	int ret = -ENOMEM;

	free(g->maglev);
	g->maglev = NULL;
	for (i = 0; i < g->n_targets; i++) {
		const struct rt_target *t = &g->targets[i];

		if (!t->in_zone)
			continue;
		n_elig += gwlb_target_eligible(t->state, t->weight);
		n_open += gwlb_target_fail_open(t->state);
	}
	if (n_elig)
		g->mode = RT_GROUP_NORMAL;
	else if (!n_open)
		g->mode = RT_GROUP_NO_TARGET;
	else if (g->cfg->all_unhealthy == CFG_ALL_UNHEALTHY_DROP)
		g->mode = RT_GROUP_DROP;
	else if (g->cfg->all_unhealthy == CFG_ALL_UNHEALTHY_BYPASS)
		g->mode = RT_GROUP_BYPASS;
	else
		g->mode = RT_GROUP_FAIL_OPEN;
	if (g->mode != RT_GROUP_NORMAL && g->mode != RT_GROUP_FAIL_OPEN)
		return 0;

	keys = calloc(g->n_targets, sizeof(*keys));
	weights = calloc(g->n_targets, sizeof(*weights));
	g->maglev = malloc(sizeof(*g->maglev) * size);
	if (!keys || !weights || !g->maglev)
		goto out;
	for (i = 0; i < g->n_targets; i++) {
		const struct rt_target *t = &g->targets[i];
		int use;

		keys[i] = maglev_target_key(g->cfg->targets[i].id);
		if (g->mode == RT_GROUP_NORMAL)
			use = t->in_zone && gwlb_target_eligible(t->state, t->weight);
		else /* fail open: every candidate, by weight */
			use = t->in_zone && gwlb_target_fail_open(t->state);
		weights[i] = use ? t->weight : 0;
		sum += weights[i];
	}
	for (i = 0; !sum && i < g->n_targets; i++) /* fail open, all weights 0: evenly */
		weights[i] = g->targets[i].in_zone && gwlb_target_fail_open(g->targets[i].state);
	ret = maglev_build(g->maglev, size, keys, weights, g->n_targets);
out:
	if (ret) {
		free(g->maglev);
		g->maglev = NULL;
	}
	free(keys);
	free(weights);
	return ret;
}

struct rt_state *rt_state_build(const struct config *cfg, uint32_t maglev_size, char *err,
				size_t errlen)
{
	struct rt_state *s;
	unsigned int gi, ti, gidx = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->groups = calloc(cfg->n_groups ? cfg->n_groups : 1, sizeof(*s->groups));
	if (!s->groups)
		goto nomem;
	s->n_groups = cfg->n_groups;
	for (gi = 0; gi < cfg->n_groups; gi++) {
		const struct cfg_group *cg = &cfg->groups[gi];
		struct rt_group *g = &s->groups[gi];

		g->cfg = cg;
		g->n_targets = cg->n_targets;
		g->idle_tcp = (uint64_t)cg->tcp_idle_timeout * 1000000;
		g->idle_other = (uint64_t)cg->other_idle_timeout * 1000000;
		g->dereg_delay = (uint64_t)cg->deregistration_delay * 1000000;
		g->rebalance = cg->failover == CFG_FAILOVER_REBALANCE;
		g->targets = calloc(cg->n_targets ? cg->n_targets : 1, sizeof(*g->targets));
		if (!g->targets)
			goto nomem;
		for (ti = 0; ti < cg->n_targets; ti++) {
			const struct cfg_target *ct = &cg->targets[ti];
			struct rt_target *t = &g->targets[ti];

			memcpy(&t->addr, ct->address.addr, 4);
			t->weight = ct->weight;
			t->state = (uint8_t)ct->state;
			t->in_zone = cg->cross_zone || !strcmp(ct->zone, cfg->node.zone);
			t->gidx = gidx++;
		}
		if (rt_group_finalize(g, maglev_size))
			goto nomem;
	}
	return s;
nomem:
	snprintf(err, errlen, "out of memory building the runtime state");
	rt_state_free(s);
	return NULL;
}

struct rt_state *rt_state_with_target(const struct rt_state *s, unsigned int g, unsigned int t,
				      uint8_t state, uint64_t now, uint32_t maglev_size)
{
	struct rt_state *n;
	unsigned int gi;

	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->generation = s->generation + 1;
	n->n_groups = s->n_groups;
	n->groups = calloc(s->n_groups ? s->n_groups : 1, sizeof(*n->groups));
	if (!n->groups)
		goto fail;
	for (gi = 0; gi < s->n_groups; gi++) {
		const struct rt_group *og = &s->groups[gi];
		struct rt_group *ng = &n->groups[gi];
		size_t tsz = sizeof(*og->targets) * (og->n_targets ? og->n_targets : 1);

		*ng = *og;
		ng->maglev = NULL;
		ng->targets = malloc(tsz);
		if (!ng->targets)
			goto fail;
		memcpy(ng->targets, og->targets, tsz);
		if (gi == g && t < ng->n_targets && ng->targets[t].state != state) {
			ng->targets[t].state = state;
			if (state == TS_DRAINING)
				ng->targets[t].drain_start = now;
		}
		if (rt_group_finalize(ng, maglev_size))
			goto fail;
	}
	return n;
fail:
	rt_state_free(n);
	return NULL;
}

void rt_state_publish(struct rt_state *s)
{
	struct rt_state *old = dp.state;

	__atomic_store_n(&dp.state, s, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
	rt_state_free(old);
}
