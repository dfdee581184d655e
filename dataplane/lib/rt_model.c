/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt_model.c - runtime state generations: target slots and states, the group's mode and its
 * Maglev table. DPDK-free (see rt_model.h); publishing is the dataplane's (rt.c for sluice-dp).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/gwlb.h"
#include "dataplane/core/maglev.h"
#include "dataplane/lib/rt_model.h"

static uint64_t rt_freed_seq; /* control path: orders freed slots for reuse */

static void rt_group_free(struct rt_group *g)
{
	free(g->targets);
	free(g->maglev);
	free(g->tgt);
	g->targets = NULL;
	g->maglev = NULL;
	g->tgt = NULL;
}

static void rt_map_free(struct rt_map *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

void rt_state_free(struct rt_state *s)
{
	unsigned int i;

	if (!s)
		return;
	free(s->replies.e);
	free(s->attach);
	rt_map_free(&s->by_endpoint);
	rt_map_free(&s->by_appliance);
	for (i = 0; i < s->n_groups; i++)
		rt_group_free(&s->groups[i]);
	free(s->groups);
	free(s);
}

void rt_listener_compile(const struct config *cfg, unsigned int li, struct nlb_listener *out)
{
	const struct cfg_listener *l = &cfg->listeners[li];
	const struct cfg_group *g = &cfg->groups[l->group];

	memset(out, 0, sizeof(*out));
	out->index = (uint16_t)li;
	out->group = (uint16_t)l->group;
	out->inspect = l->inspect < 0 ? NLB_NO_INSPECT : (uint16_t)l->inspect;
	if (!g->preserve_client_ip)
		out->flags |= NLB_LF_SNAT;
	if (g->tcp_unknown_reset)
		out->flags |= NLB_LF_RESET;
	if (g->terminate_on_deregistration)
		out->flags |= NLB_LF_TERMINATE;
}

const char *rt_mode_name(enum gwlb_mode m)
{
	switch (m) {
	case GWLB_MODE_NORMAL:
		return "normal";
	case GWLB_MODE_FAIL_OPEN:
		return "fail_open";
	case GWLB_MODE_DROP:
		return "drop";
	case GWLB_MODE_BYPASS:
		return "bypass";
	default:
		return "no_target";
	}
}

int rt_in_zone(const struct config *cfg, const struct cfg_group *cg, const char *zone)
{
	return cg->cross_zone || !strcmp(zone, cfg->node.zone);
}

/* A candidate of the group: present and in this node's zone (or cross-zone). */
static int rt_candidate(const struct rt_target *t)
{
	return t->present && t->in_zone;
}

/*
 * The per-packet records of g (core/gwlb_table.h): its mode and options, and its slots.
 * 0 or -ENOMEM.
 */
static int rt_group_compile(struct rt_group *g)
{
	const struct cfg_group *cg = g->cfg;
	unsigned int i;

	free(g->tgt);
	g->tgt = calloc(g->n_targets ? g->n_targets : 1, sizeof(*g->tgt));
	if (!g->tgt)
		return -ENOMEM;
	for (i = 0; i < g->n_targets; i++) {
		const struct rt_target *t = &g->targets[i];
		struct gwlb_target *o = &g->tgt[i];

		o->addr = t->addr;
		o->tag = t->tag;
		o->weight = t->weight;
		o->port = t->port;
		o->state = t->state;
		o->in_zone = t->in_zone;
		o->present = t->present;
		o->family = t->family;
		o->drain_start = t->drain_start;
		memcpy(o->addr16, t->addr16, sizeof(o->addr16));
	}
	memset(&g->gw, 0, sizeof(g->gw));
	g->gw.mode = (uint8_t)g->mode;
	g->gw.protocol = (uint8_t)cg->protocol;
	g->gw.stickiness = (uint8_t)cg->stickiness;
	g->gw.rebalance = (uint8_t) !!g->rebalance;
	g->gw.n_targets = (uint16_t)g->n_targets;
	g->gw.udp_csum = cg->geneve_udp_checksum;
	g->gw.idle_tcp_us = g->idle_tcp;
	g->gw.idle_other_us = g->idle_other;
	g->gw.dereg_delay_us = g->dereg_delay;
	return 0;
}

/*
 * Decide the group's mode from its target states, build the matching Maglev table (slots,
 * GWLB_MAGLEV_EMPTY where maglev_build has none) and compile the group (rt_group_compile).
 */
static int rt_group_finalize(struct rt_group *g, uint32_t size)
{
	uint64_t *keys = NULL;
	uint32_t *weights = NULL, *table = NULL;
	unsigned int i, n_elig = 0, n_open = 0;
	uint64_t sum = 0;
	int ret = -ENOMEM;

	free(g->maglev);
	g->maglev = NULL;
	for (i = 0; i < g->n_targets; i++) {
		const struct rt_target *t = &g->targets[i];

		if (!rt_candidate(t))
			continue;
		n_elig += gwlb_target_eligible(t->state, t->weight);
		n_open += gwlb_target_fail_open(t->state);
	}
	if (n_elig)
		g->mode = GWLB_MODE_NORMAL;
	else if (!n_open)
		g->mode = GWLB_MODE_NO_TARGET;
	else if (g->cfg->all_unhealthy == CFG_ALL_UNHEALTHY_DROP)
		g->mode = GWLB_MODE_DROP;
	else if (g->cfg->all_unhealthy == CFG_ALL_UNHEALTHY_BYPASS)
		g->mode = GWLB_MODE_BYPASS;
	else
		g->mode = GWLB_MODE_FAIL_OPEN;
	if (g->mode != GWLB_MODE_NORMAL && g->mode != GWLB_MODE_FAIL_OPEN)
		return rt_group_compile(g);

	keys = calloc(g->n_targets, sizeof(*keys));
	weights = calloc(g->n_targets, sizeof(*weights));
	table = malloc(sizeof(*table) * size);
	g->maglev = malloc(sizeof(*g->maglev) * size);
	if (!keys || !weights || !table || !g->maglev)
		goto out;
	for (i = 0; i < g->n_targets; i++) {
		const struct rt_target *t = &g->targets[i];
		int use;

		if (!t->present)
			continue; /* weight 0: no entry */
		keys[i] = maglev_target_key(t->id);
		if (g->mode == GWLB_MODE_NORMAL)
			use = t->in_zone && gwlb_target_eligible(t->state, t->weight);
		else /* fail open: every candidate, by weight */
			use = t->in_zone && gwlb_target_fail_open(t->state);
		weights[i] = use ? t->weight : 0;
		sum += weights[i];
	}
	for (i = 0; !sum && i < g->n_targets; i++) /* fail open, all weights 0: evenly */
		weights[i] =
			rt_candidate(&g->targets[i]) && gwlb_target_fail_open(g->targets[i].state);
	ret = maglev_build(table, size, keys, weights, g->n_targets);
	for (i = 0; !ret && i < size; i++)
		g->maglev[i] = table[i] < GWLB_SLOTS ? (uint16_t)table[i] : GWLB_MAGLEV_EMPTY;
	if (!ret)
		ret = rt_group_compile(g);
out:
	if (ret) {
		free(g->maglev);
		g->maglev = NULL;
	}
	free(keys);
	free(weights);
	free(table);
	return ret;
}

/* A (listener, target) pair's entry under key k: new, or merged into the key's entry. */
static void rt_reply_add(struct rt_replies *r, const struct rt_reply_key *k,
			 const struct nlb_reply_owner *o)
{
	uint32_t i;

	for (i = rt_reply_hash(k) & r->mask;; i = (i + 1) & r->mask) {
		struct rt_reply *e = &r->e[i];

		if (!e->own.flags) {
			e->key = *k;
			e->own = *o;
			r->n++;
			return;
		}
		if (!memcmp(&e->key, k, sizeof(*k))) {
			nlb_reply_merge(&e->own, o);
			return;
		}
	}
}

/*
 * Every (destination-NAT listener, protocol, candidate target) of s, added to r (NULL: only
 * counted); returns how many there are. The candidates are the targets sessions can have:
 * present, in this node's zone (or cross-zone).
 */
static unsigned int rt_reply_pairs(const struct rt_state *s, struct rt_replies *r)
{
	const struct config *cfg = s->cfg;
	unsigned int li, ti, p, n = 0;

	for (li = 0; cfg && li < cfg->n_listeners; li++) {
		const struct cfg_listener *l = &cfg->listeners[li];
		const struct rt_group *g;

		if (l->group >= s->n_groups || !cfg->groups[l->group].preserve_client_ip)
			continue; /* source NAT: replies come to the node's address, sessions only
				   */
		g = &s->groups[l->group];
		for (p = 0; p < 2; p++) {
			if (!(l->protocol & (p ? CFG_LPROTO_UDP : CFG_LPROTO_TCP)))
				continue;
			for (ti = 0; ti < g->n_targets; ti++) {
				const struct rt_target *t = &g->targets[ti];
				struct nlb_reply_owner o = {
					.listener = (uint16_t)li,
					.group = (uint16_t)l->group,
					.slot = (uint16_t)ti,
				};
				struct rt_reply_key k;

				if (!rt_candidate(t))
					continue;
				n++;
				if (!r)
					continue;
				memset(&k, 0, sizeof(k));
				k.family = t->family;
				k.proto = p ? IPPROTO_UDP_ : IPPROTO_TCP_;
				memcpy(k.addr, t->addr16, 16);
				k.port = (uint16_t)nlb_reply_key(t->port, l->port, &o);
				rt_reply_add(r, &k, &o);
			}
		}
	}
	return n;
}

/* The generation's reply table (rt_replies), rebuilt from its listeners and targets. */
static int rt_replies_build(struct rt_state *s)
{
	unsigned int n = rt_reply_pairs(s, NULL);
	uint32_t size = 16;

	free(s->replies.e);
	memset(&s->replies, 0, sizeof(s->replies));
	if (!n)
		return 0;
	while (size < 2 * n) /* at most half full: short probes, and always an empty slot */
		size *= 2;
	s->replies.e = calloc(size, sizeof(*s->replies.e));
	if (!s->replies.e)
		return -ENOMEM;
	s->replies.mask = size - 1;
	rt_reply_pairs(s, &s->replies);
	return 0;
}

/* An empty map for up to n keys (at most half full: short probes, always an empty slot). */
static int rt_map_init(struct rt_map *m, unsigned int n)
{
	uint32_t size = 16;

	rt_map_free(m);
	while (size < 2 * n)
		size *= 2;
	m->e = calloc(size, sizeof(*m->e));
	if (!m->e)
		return -ENOMEM;
	m->mask = size - 1;
	return 0;
}

/* The entry of key in m, new (used, val 0) if absent. m has room (rt_map_init). */
static struct rt_map_ent *rt_map_slot(struct rt_map *m, uint64_t key, int *fresh)
{
	uint32_t i;

	for (i = rt_map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
		struct rt_map_ent *e = &m->e[i];

		*fresh = !e->used;
		if (e->used && e->key != key)
			continue;
		if (*fresh) {
			e->used = 1;
			e->key = key;
			m->n++;
		}
		return e;
	}
}

/*
 * The return table of attachment a (core/gwlb_table.h gwlb_ret_key): over its chain in order,
 * the first position with an appliance's address wins; within it a present target wins over a
 * removed one, else the lowest slot.
 */
static void rt_appliances_add(struct rt_state *s, uint32_t a)
{
	const struct gwlb_attach *att = &s->attach[a];
	unsigned int p, t;

	for (p = 0; p < att->n_chain; p++) {
		const struct rt_group *g = &s->groups[att->chain[p]];

		for (t = 0; t < g->n_targets; t++) {
			const struct rt_target *rt = &g->targets[t];
			int fresh;
			struct rt_map_ent *e =
				rt_map_slot(&s->by_appliance, gwlb_ret_key(a, rt->addr), &fresh);

			if (fresh)
				e->val = gwlb_ret_val(p, t) | (uint32_t)rt->present << 16;
			else if (gwlb_ret_pos(e->val) == p && !(e->val >> 16) && rt->present)
				e->val = gwlb_ret_val(p, t) | 1u << 16;
		}
	}
}

/*
 * The generation's inspection tables (core/gwlb_table.h): the attachments, endpoint ID ->
 * attachment, (attachment, appliance) -> chain position and slot, the node's GENEVE source
 * and TTL, and the generation in each group. 0 or -ENOMEM.
 */
static int rt_gwlb_compile(struct rt_state *s)
{
	const struct config *cfg = s->cfg;
	unsigned int a, p, n = 0;
	int fresh;

	for (a = 0; a < s->n_groups; a++)
		s->groups[a].gw.generation = s->generation;
	free(s->attach);
	s->attach = NULL;
	s->n_attach = 0;
	rt_map_free(&s->by_endpoint);
	rt_map_free(&s->by_appliance);
	if (!cfg)
		return 0;
	s->ttl = cfg->node.ttl;
	s->geneve_src = 0;
	if (cfg->node.has_geneve_address)
		memcpy(&s->geneve_src, cfg->node.geneve_address.addr, 4);
	s->attach = calloc(cfg->n_inspections ? cfg->n_inspections : 1, sizeof(*s->attach));
	if (!s->attach || rt_map_init(&s->by_endpoint, cfg->n_inspections))
		return -ENOMEM;
	s->n_attach = cfg->n_inspections;
	for (a = 0; a < cfg->n_inspections; a++) {
		const struct cfg_inspection *ci = &cfg->inspections[a];
		struct gwlb_attach *o = &s->attach[a];
		struct rt_map_ent *e;

		o->endpoint_id = ci->endpoint_id;
		o->attachment_id = ci->attachment_id;
		/* the config refuses longer chains; the bound is for the compiler */
		for (p = 0; p < ci->n_chain && p < GWLB_CHAIN_MAX; p++) {
			o->chain[p] = (uint16_t)ci->chain[p];
			if (o->chain[p] < s->n_groups)
				n += s->groups[o->chain[p]].n_targets;
		}
		o->n_chain = (uint8_t)p;
		/* the first attachment with an endpoint ID has it (as the scan it replaces) */
		e = rt_map_slot(&s->by_endpoint, ci->endpoint_id, &fresh);

		if (fresh)
			e->val = a;
	}
	if (rt_map_init(&s->by_appliance, n))
		return -ENOMEM;
	for (a = 0; a < s->n_attach; a++)
		rt_appliances_add(s, a);
	for (a = 0; a <= s->by_appliance.mask; a++) /* the present flag was the build's */
		s->by_appliance.e[a].val &= 0xffffu;
	return 0;
}

int rt_state_finalize(struct rt_state *s, uint32_t maglev_size)
{
	unsigned int gi;

	for (gi = 0; gi < s->n_groups; gi++)
		if (rt_group_finalize(&s->groups[gi], maglev_size))
			return -ENOMEM;
	if (rt_gwlb_compile(s))
		return -ENOMEM;
	return rt_replies_build(s);
}

struct rt_state *rt_state_build(const struct config *cfg, uint32_t maglev_size, char *err,
				size_t errlen)
{
	struct rt_state *s;
	unsigned int gi, ti;

	for (gi = 0; gi < cfg->n_groups; gi++)
		if (cfg->groups[gi].n_targets > RT_SLOTS) {
			snprintf(err, errlen,
				 "%.200s: target group %.64s has %u targets, at most %d", cfg->path,
				 cfg->groups[gi].name, cfg->groups[gi].n_targets, RT_SLOTS);
			return NULL;
		}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->groups = calloc(cfg->n_groups ? cfg->n_groups : 1, sizeof(*s->groups));
	if (!s->groups)
		goto nomem;
	s->generation = 1;
	s->n_groups = cfg->n_groups;
	s->cfg = cfg;
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

			if (ct->address.family == 4)
				memcpy(&t->addr, ct->address.addr, 4);
			memcpy(t->addr16, ct->address.addr, 16);
			t->family = ct->address.family;
			t->port = ct->port;
			t->weight = ct->weight;
			t->state = (uint8_t)ct->state;
			t->in_zone = cg->cross_zone || !strcmp(ct->zone, cfg->node.zone);
			t->present = 1;
			t->tag = RT_TAG(0, ti);
			t->gidx = RT_GIDX(gi, ti);
			snprintf(t->id, sizeof(t->id), "%s", ct->id);
			snprintf(t->zone, sizeof(t->zone), "%s", ct->zone);
		}
		if (rt_group_finalize(g, maglev_size))
			goto nomem;
	}
	if (rt_gwlb_compile(s) || rt_replies_build(s))
		goto nomem;
	return s;
nomem:
	snprintf(err, errlen, "out of memory building the runtime state");
	rt_state_free(s);
	return NULL;
}

struct rt_state *rt_state_clone(const struct rt_state *s, uint64_t now)
{
	struct rt_state *n;
	unsigned int gi, ti;

	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->generation = s->generation + 1;
	n->n_groups = s->n_groups;
	n->cfg = s->cfg; /* the reply table is rt_state_finalize's */
	n->groups = calloc(s->n_groups ? s->n_groups : 1, sizeof(*n->groups));
	if (!n->groups)
		goto fail;
	for (gi = 0; gi < s->n_groups; gi++) {
		const struct rt_group *og = &s->groups[gi];
		struct rt_group *ng = &n->groups[gi];
		size_t tsz = sizeof(*og->targets) * (og->n_targets ? og->n_targets : 1);

		*ng = *og;
		ng->maglev = NULL;
		ng->tgt = NULL; /* compiled again by rt_state_finalize */
		ng->targets = malloc(tsz);
		if (!ng->targets)
			goto fail;
		memcpy(ng->targets, og->targets, tsz);
		for (ti = 0; ti < ng->n_targets; ti++) {
			struct rt_target *t = &ng->targets[ti];

			t->fresh = 0;
			/* s is in use alone: no pin of the last target is refreshed any more */
			if (!t->present && t->freed_us == RT_FREED_PENDING)
				t->freed_us = now;
		}
	}
	return n;
fail:
	rt_state_free(n);
	return NULL;
}

struct rt_state *rt_state_with_target(const struct rt_state *s, unsigned int g, unsigned int t,
				      uint8_t state, uint64_t now, uint32_t maglev_size)
{
	struct rt_state *n = rt_state_clone(s, now);

	if (!n)
		return NULL;
	if (g < n->n_groups && t < n->groups[g].n_targets &&
	    n->groups[g].targets[t].state != state) {
		struct rt_target *nt = &n->groups[g].targets[t];

		nt->state = state;
		if (state == TS_DRAINING)
			nt->drain_start = now;
	}
	if (rt_state_finalize(n, maglev_size)) {
		rt_state_free(n);
		return NULL;
	}
	return n;
}

int rt_group_find(const struct rt_group *g, const char *id)
{
	unsigned int i;

	for (i = 0; i < g->n_targets; i++)
		if (g->targets[i].present && !strcmp(g->targets[i].id, id))
			return (int)i;
	return -1;
}

uint64_t rt_group_pin_life(const struct rt_group *g)
{
	return (g->idle_tcp > g->idle_other ? g->idle_tcp : g->idle_other) + RT_PIN_MARGIN_US;
}

/*
 * May free slot t take its next incarnation at `now`? Always, unless the incarnation wraps:
 * then the values of the slot's earlier targets come back, and every one of those targets
 * left no later than the last one (a slot's targets follow each other). That one left at
 * freed_us (no pin of it refreshed since, rt_state_clone); a pin not refreshed for longer than
 * the group's idle timeout is expired on every lookup (gwlb_flow_verdict checks idleness
 * first), so once rt_group_pin_life has passed no pin carrying an old value is alive.
 */
static int rt_slot_reusable(const struct rt_group *g, const struct rt_target *t, uint64_t now)
{
	if (((gwlb_tag_inc(t->tag) + 1) & GWLB_TAG_INC_MASK) != 0)
		return 1;
	return t->freed_us != RT_FREED_PENDING && now >= t->freed_us &&
	       now - t->freed_us >= rt_group_pin_life(g);
}

int rt_group_add(struct rt_state *s, unsigned int gi, const char *id, uint64_t now)
{
	struct rt_group *g = &s->groups[gi];
	struct rt_target *t;
	unsigned int i, slot = RT_SLOTS, inc = 0, n_free = 0;

	if (g->n_targets < RT_SLOTS) { /* a never used slot */
		struct rt_target *a = realloc(g->targets, sizeof(*a) * (g->n_targets + 1));

		if (!a)
			return -ENOMEM;
		g->targets = a;
		slot = g->n_targets++;
		memset(&g->targets[slot], 0, sizeof(g->targets[slot]));
	} else {
		for (i = 0; i < g->n_targets; i++) {
			if (g->targets[i].present)
				continue;
			n_free++;
			if (rt_slot_reusable(g, &g->targets[i], now) &&
			    (slot == RT_SLOTS ||
			     g->targets[i].freed_seq < g->targets[slot].freed_seq))
				slot = i;
		}
		if (slot == RT_SLOTS)
			return n_free ? -EBUSY : -ENOSPC;
		inc = gwlb_tag_inc(g->targets[slot].tag) + 1u;
	}
	t = &g->targets[slot];
	memset(t, 0, sizeof(*t));
	t->present = 1;
	t->fresh = 1;
	t->tag = RT_TAG(inc, slot);
	t->gidx = RT_GIDX(gi, slot);
	snprintf(t->id, sizeof(t->id), "%s", id);
	return (int)slot;
}

void rt_group_remove(struct rt_group *g, unsigned int slot)
{
	struct rt_target *t = &g->targets[slot];

	/* the address stays: GENEVE returns in flight from it still validate until reuse */
	t->present = 0;
	t->fresh = 0;
	t->state = TS_UNUSED;
	t->weight = 0;
	t->in_zone = 0;
	t->freed_seq = ++rt_freed_seq;
	/* workers may refresh its pins until this generation is the only one in use */
	t->freed_us = RT_FREED_PENDING;
}
