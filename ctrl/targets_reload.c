/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * targets_reload.c - applying a re-read config (docs/daemon.md "Target set: config and API").
 * The structure the dataplanes were started with (node, zones, ports, routes, neighbors, the
 * groups' names and dataplane-side settings, attachments, listeners) must not change: such a
 * reload is refused. Otherwise the whole change is checked first (group capacity, duplicate
 * addresses), then applied at once: nothing is half-applied.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/dpconn.h"
#include "ctrl/log.h"
#include "ctrl/targets.h"
#include "ctrl/targets_priv.h"

#define RESTART ": a structural change, it needs a restart of the dataplanes and sluiced"

static int refuse(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (n < errlen)
		snprintf(err + n, errlen - n, "%s", RESTART);
	return -EINVAL;
}

static int addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && a->plen == b->plen && !memcmp(a->addr, b->addr, 16);
}

/*
 * Which keys a reload may change is the reload class in each key's row (dataplane/lib/cfg_*.c
 * key tables): a RESTART key that differs refuses the reload, by name.
 */
static const char *restart_key(enum cfg_section sec, const void *a, const void *b)
{
	return config_key_changed(sec, a, b, CFG_RELOAD_RESTART);
}

static int inspection_same(const struct config *ca, const struct cfg_inspection *a,
			   const struct config *cb, const struct cfg_inspection *b)
{
	unsigned int i;

	if (strcmp(a->name, b->name) || a->endpoint_id != b->endpoint_id ||
	    a->attachment_id != b->attachment_id || a->n_from != b->n_from ||
	    a->n_chain != b->n_chain)
		return 0;
	for (i = 0; i < a->n_from; i++)
		if (strcmp(ca->ports[a->from[i]].name, cb->ports[b->from[i]].name))
			return 0;
	for (i = 0; i < a->n_chain; i++)
		if (strcmp(ca->groups[a->chain[i]].name, cb->groups[b->chain[i]].name))
			return 0;
	return 1;
}

static int listener_same(const struct config *ca, const struct cfg_listener *a,
			 const struct config *cb, const struct cfg_listener *b)
{
	if (strcmp(a->name, b->name) || a->protocol != b->protocol || a->port != b->port ||
	    strcmp(ca->groups[a->group].name, cb->groups[b->group].name) ||
	    (a->inspect < 0) != (b->inspect < 0))
		return 0;
	return a->inspect < 0 ||
	       !strcmp(ca->inspections[a->inspect].name, cb->inspections[b->inspect].name);
}

static int structure_check(const struct config *o, const struct config *n, char *err, size_t errlen)
{
	const char *key;
	unsigned int i;
	int k;

	if ((key = restart_key(CFG_SEC_NODE, &o->node, &n->node)))
		return refuse(err, errlen, "node.%s changed", key);
	if (o->n_zones != n->n_zones)
		return refuse(err, errlen, "zones: the number of zones changed");
	for (i = 0; i < o->n_zones; i++)
		if (strcmp(o->zones[i].name, n->zones[i].name) ||
		    !addr_eq(&o->zones[i].address, &n->zones[i].address))
			return refuse(err, errlen, "zones: %s changed", o->zones[i].name);
	if (o->n_ports != n->n_ports)
		return refuse(err, errlen, "ports: the number of ports changed");
	for (i = 0; i < o->n_ports; i++)
		if (restart_key(CFG_SEC_PORT, &o->ports[i], &n->ports[i]))
			return refuse(err, errlen, "ports[%u] (%s) changed", i, o->ports[i].name);
	if (o->n_routes != n->n_routes ||
	    (o->n_routes && memcmp(o->routes, n->routes, o->n_routes * sizeof(*o->routes))))
		return refuse(err, errlen, "routes changed");
	if (o->n_neighbors != n->n_neighbors ||
	    (o->n_neighbors &&
	     memcmp(o->neighbors, n->neighbors, o->n_neighbors * sizeof(*o->neighbors))))
		return refuse(err, errlen, "neighbors changed");
	for (i = 0; i < n->n_groups; i++)
		if (config_group_index(o, n->groups[i].name) < 0)
			return refuse(err, errlen, "target_groups: group %s added",
				      n->groups[i].name);
	for (i = 0; i < o->n_groups; i++) {
		k = config_group_index(n, o->groups[i].name);
		if (k < 0)
			return refuse(err, errlen, "target_groups: group %s removed",
				      o->groups[i].name);
		if ((key = restart_key(CFG_SEC_GROUP, &o->groups[i], &n->groups[k])))
			return refuse(err, errlen, "target_groups: group %s: %s changed",
				      o->groups[i].name, key);
	}
	if (o->n_inspections != n->n_inspections)
		return refuse(err, errlen, "inspection: the number of attachments changed");
	for (i = 0; i < o->n_inspections; i++)
		if (!inspection_same(o, &o->inspections[i], n, &n->inspections[i]))
			return refuse(err, errlen, "inspection[%u] (%s) changed", i,
				      o->inspections[i].name);
	if (o->n_listeners != n->n_listeners)
		return refuse(err, errlen, "listeners: the number of listeners changed");
	for (i = 0; i < o->n_listeners; i++)
		if (!listener_same(o, &o->listeners[i], n, &n->listeners[i]))
			return refuse(err, errlen, "listeners[%u] (%s) changed", i,
				      o->listeners[i].name);
	return 0;
}

static const struct cfg_target *cfg_find(const struct cfg_group *cg, const char *id)
{
	unsigned int i;

	for (i = 0; i < cg->n_targets; i++)
		if (!strcmp(cg->targets[i].id, id))
			return &cg->targets[i];
	return NULL;
}

static int values_same(const struct cfg_target *a, const struct cfg_target *b)
{
	return addr_eq(&a->address, &b->address) && a->port == b->port &&
	       !strcmp(a->zone, b->zone) && a->weight == b->weight;
}

/*
 * The target set group g will have: its present targets with their new values, plus new config
 * targets. Fails when it is over capacity or two targets share an address (and port).
 */
static int group_check(const struct tgroup *g, const struct cfg_group *ng, char *err, size_t errlen)
{
	static struct cfg_target set[CFG_GROUP_TARGETS_MAX];
	const struct cfg_target *c;
	unsigned int n = 0, i, j;

	for (i = 0; i < g->n; i++) {
		c = g->t[i]->api_deregistered ? NULL : cfg_find(ng, g->t[i]->c.id);
		set[n++] = c ? *c : g->t[i]->c;
	}
	for (i = 0; i < ng->n_targets; i++) {
		if (targets_find((struct tgroup *)g, ng->targets[i].id) ||
		    targets_tomb_has(ng->name, ng->targets[i].id))
			continue;
		if (n == CFG_GROUP_TARGETS_MAX) {
			snprintf(err, errlen,
				 "target_groups: group %s: more than %d targets with the ones "
				 "registered through the API or still draining",
				 ng->name, CFG_GROUP_TARGETS_MAX);
			return -ENOSPC;
		}
		set[n++] = ng->targets[i];
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (addr_eq(&set[i].address, &set[j].address) &&
			    (ng->protocol == CFG_PROTO_GENEVE || set[i].port == set[j].port)) {
				snprintf(err, errlen,
					 "target_groups: group %s: targets %s and %s would have "
					 "the same address%s (a target still draining or "
					 "registered through the API counts)",
					 ng->name, set[i].id, set[j].id,
					 ng->protocol == CFG_PROTO_GENEVE ? "" : " and port");
				return -EEXIST;
			}
	return 0;
}

static void change(json_t *list, const struct tgroup *g, const char *id)
{
	json_array_append_new(list, json_sprintf("%s/%s", g->cfg->name, id));
}

/* Apply the new config group ng to g (already pointing at ng). */
static void group_apply(struct tgroup *g, const struct cfg_group *og, json_t *added,
			json_t *removed, json_t *changed)
{
	const struct cfg_group *ng = g->cfg;
	/* a health check key of class RECHECK changed: the checks restart */
	int hc_changed = config_key_changed(CFG_SEC_GROUP, og, ng, CFG_RELOAD_RECHECK) != NULL;
	uint64_t now = targets_now();
	const struct cfg_target *c;
	unsigned int i, n = g->n;
	struct tgt *t;
	uint8_t old;

	for (i = 0; i < n; i++) {
		t = g->t[i];
		old = t->h.state;
		c = t->api_deregistered ? NULL : cfg_find(ng, t->c.id);
		if (!c) {
			if (!t->api && t->h.admin != HEALTH_ADMIN_DEREGISTERED) {
				targets_check_stop(t);
				health_drain(&t->h, HEALTH_ADMIN_DEREGISTERED, now);
				log_info("target %s/%s: no longer in the config, deregistered",
					 ng->name, t->c.id);
				change(removed, g, t->c.id);
			} else if (hc_changed) {
				targets_check_start(t);
			}
			continue;
		}
		if (t->h.admin == HEALTH_ADMIN_DEREGISTERED) { /* back in the config */
			t->c = *c;
			t->api = 0;
			health_undrain(&t->h, now);
			health_set_in_zone(&t->h, targets_in_zone(g, c->zone), now);
			targets_check_start(t);
			log_info("target %s/%s: back in the config, %s", ng->name, t->c.id,
				 config_state_name((enum cfg_target_state)t->h.state));
			change(added, g, t->c.id);
			continue;
		}
		if (!values_same(&t->c, c) || t->api) {
			int moved = !addr_eq(&t->c.address, &c->address) || t->c.port != c->port;

			t->c = *c;
			t->api = 0;
			if (moved && t->h.admin == HEALTH_ADMIN_ACTIVE)
				health_init(&t->h, targets_in_zone(g, c->zone), now);
			else
				health_set_in_zone(&t->h, targets_in_zone(g, c->zone), now);
			targets_check_start(t);
			change(changed, g, t->c.id);
			if (t->h.state != old)
				log_info("target %s/%s: %s -> %s (config changed)", ng->name,
					 t->c.id, config_state_name((enum cfg_target_state)old),
					 config_state_name((enum cfg_target_state)t->h.state));
			continue;
		}
		if (hc_changed)
			targets_check_start(t);
	}
	for (i = 0; i < ng->n_targets; i++) {
		c = &ng->targets[i];
		if (targets_find(g, c->id) || targets_tomb_has(ng->name, c->id))
			continue;
		t = targets_add(g, c, 0);
		if (!t)
			log_fatal("out of memory");
		log_info("target %s/%s: added by the config, %s", ng->name, c->id,
			 config_state_name((enum cfg_target_state)t->h.state));
		change(added, g, c->id);
	}
}

/* Tombstones of targets the new config does not list are no longer needed. */
static void tombs_prune(const struct config *n)
{
	struct ttomb *b = treg.tombs, *next;
	int gi;

	for (; b; b = next) {
		next = b->next;
		gi = config_group_index(n, b->group);
		if (gi < 0 || !cfg_find(&n->groups[gi], b->id)) {
			char group[CFG_NAME_MAX], id[CFG_NAME_MAX];

			/* targets_tomb_del frees b: compare against copies */
			snprintf(group, sizeof(group), "%s", b->group);
			snprintf(id, sizeof(id), "%s", b->id);
			targets_tomb_del(group, id);
		}
	}
}

int targets_reload(struct config *cfg, json_t **changes, char *err, size_t errlen)
{
	json_t *added = json_array(), *removed = json_array(), *changed = json_array();
	struct tgroup *groups = NULL;
	struct config *old = treg.cfg;
	unsigned int gi, i;
	int rc, k;

	if (!added || !removed || !changed) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = structure_check(old, cfg, err, errlen);
	if (rc)
		goto out;
	for (gi = 0; gi < cfg->n_groups; gi++) {
		k = config_group_index(old, cfg->groups[gi].name);
		rc = group_check(&treg.groups[k], &cfg->groups[gi], err, errlen);
		if (rc)
			goto out;
	}
	groups = calloc(cfg->n_groups ? cfg->n_groups : 1, sizeof(*groups));
	if (!groups) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* From here on nothing fails. Groups move to the new config's order. */
	for (gi = 0; gi < cfg->n_groups; gi++) {
		k = config_group_index(old, cfg->groups[gi].name);
		groups[gi] = treg.groups[k];
		groups[gi].cfg = &cfg->groups[gi];
		for (i = 0; i < groups[gi].n; i++)
			groups[gi].t[i]->g = &groups[gi];
	}
	free(treg.groups);
	treg.groups = groups;
	treg.cfg = cfg;
	for (gi = 0; gi < cfg->n_groups; gi++) {
		k = config_group_index(old, cfg->groups[gi].name);
		group_apply(&groups[gi], &old->groups[k], added, removed, changed);
	}
	tombs_prune(cfg);
	config_free(old);
	log_info("config reloaded: %zu added, %zu removed, %zu changed", json_array_size(added),
		 json_array_size(removed), json_array_size(changed));
	dpconn_push_sync();
	/* Delays may have changed: re-arm every deregistered target (may remove some now). */
	for (gi = 0; gi < cfg->n_groups; gi++)
		for (i = groups[gi].n; i-- > 0;)
			if (groups[gi].t[i]->h.admin == HEALTH_ADMIN_DEREGISTERED)
				targets_drain_timer(groups[gi].t[i]);
	if (changes) {
		*changes = json_pack("{s:O,s:O,s:O}", "added", added, "removed", removed, "changed",
				     changed);
		if (!*changes)
			log_fatal("out of memory");
	}
out:
	json_decref(added);
	json_decref(removed);
	json_decref(changed);
	return rc;
}
