/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * targets.c - sluiced's target registry: groups from the config, targets from the config and
 * the API, the API's operations on them and their JSON (the API's target objects and the
 * protocol's sync and update entries). Timers: targets_check.c; reload: targets_reload.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrl/dpconn.h"
#include "ctrl/log.h"
#include "ctrl/targets.h"
#include "ctrl/targets_priv.h"

struct treg treg;

static const char *const hc_proto_names[] = {"tcp", "http", "https"};

uint64_t targets_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

const struct config *targets_config(void)
{
	return treg.cfg;
}

struct tgroup *targets_group(const char *name)
{
	unsigned int i;

	for (i = 0; treg.cfg && i < treg.cfg->n_groups; i++)
		if (!strcmp(treg.groups[i].cfg->name, name))
			return &treg.groups[i];
	return NULL;
}

struct tgt *targets_find(struct tgroup *g, const char *id)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->t[i]->c.id, id))
			return g->t[i];
	return NULL;
}

int targets_in_zone(const struct tgroup *g, const char *zone)
{
	return g->cfg->cross_zone || !strcmp(zone, treg.cfg->node.zone);
}

void targets_addr_str(const struct cfg_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

struct tgt *targets_add(struct tgroup *g, const struct cfg_target *c, int api)
{
	struct tgt *t;

	if (g->n >= CFG_GROUP_TARGETS_MAX)
		log_fatal("group %s: no free slot", g->cfg->name);
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->g = g;
	t->c = *c;
	t->api = api;
	if (targets_check_init(t)) {
		free(t);
		return NULL;
	}
	health_init(&t->h, targets_in_zone(g, c->zone), targets_now());
	g->t[g->n++] = t;
	targets_check_start(t);
	return t;
}

void targets_drop(struct tgt *t)
{
	struct tgroup *g = t->g;
	unsigned int i;

	targets_timers_free(t);
	for (i = 0; i < g->n && g->t[i] != t; i++)
		;
	if (i == g->n)
		log_fatal("target %s/%s not in its group", g->cfg->name, t->c.id);
	memmove(&g->t[i], &g->t[i + 1], (g->n - i - 1) * sizeof(g->t[0]));
	g->n--;
	free(t);
}

json_t *targets_entry_json(const struct tgt *t, int with_group, uint64_t now)
{
	char addr[INET6_ADDRSTRLEN];
	json_t *o;

	targets_addr_str(&t->c.address, addr, sizeof(addr));
	o = json_pack("{s:s,s:s,s:i,s:s,s:i,s:s}", "id", t->c.id, "address", addr, "port",
		      (int)t->c.port, "zone", t->c.zone, "weight", (int)t->c.weight, "state",
		      config_state_name((enum cfg_target_state)t->h.state));
	if (!o)
		log_fatal("out of memory");
	if (with_group)
		json_object_set_new(o, "group", json_string(t->g->cfg->name));
	if (t->h.state == TS_DRAINING)
		json_object_set_new(o, "draining_for_s",
				    json_real(now > t->h.drain_start
						      ? (double)(now - t->h.drain_start) / 1e6
						      : 0.0));
	return o;
}

static json_t *check_json(const struct tgt *t, uint64_t now)
{
	const struct cfg_health_check *hc = &t->g->cfg->hc;
	const struct health *h = &t->h;
	int never = !h->last_check;
	uint16_t port = targets_check_port(t);
	json_t *o;

	o = json_pack(
		"{s:s,s:i,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I}", "protocol",
		hc_proto_names[hc->protocol], "port", (int)port, "path",
		hc->protocol == CFG_HC_TCP ? json_null() : json_string(hc->path), "last_result",
		never ? json_null() : json_string(h->last_ok ? "pass" : "fail"), "last_latency_ms",
		never ? json_null() : json_real((double)h->last_latency_us / 1000.0),
		"last_check_s",
		never ? json_null()
		      : json_real(now > h->last_check ? (double)(now - h->last_check) / 1e6 : 0.0),
		"passes", (json_int_t)h->passes, "failures", (json_int_t)h->failures,
		"checks_passed", (json_int_t)h->checks_passed, "checks_failed",
		(json_int_t)h->checks_failed, "local_errors", (json_int_t)h->checks_local);
	if (!o)
		log_fatal("out of memory");
	return o;
}

/* The passive check's settings and what its last window saw (docs/daemon.md). */
static json_t *passive_json(const struct tgt *t)
{
	const struct cfg_health_check *hc = &t->g->cfg->hc;
	int judged = hc->passive_min_packets && t->pv.judged && !t->h.passive;
	json_t *o;

	o = json_pack("{s:I,s:i,s:o,s:o,s:I}", "min_packets", (json_int_t)hc->passive_min_packets,
		      "window_s", (int)hc->passive_window, "sent",
		      judged ? json_integer((json_int_t)t->pv.win_sent) : json_null(), "returned",
		      judged ? json_integer((json_int_t)t->pv.win_returned) : json_null(),
		      "failures", (json_int_t)t->h.passive_failures);
	if (!o)
		log_fatal("out of memory");
	return o;
}

json_t *targets_object_json(const struct tgt *t, uint64_t now)
{
	char reason[HEALTH_REASON_MAX + CFG_NAME_MAX];
	json_t *o = targets_entry_json(t, 0, now);

	json_object_del(o, "draining_for_s");
	/* reason: why the target is in its state (none while healthy or initial) */
	if (t->h.state == TS_UNUSED)
		snprintf(reason, sizeof(reason), "zone %s not served", t->c.zone);
	else if (t->h.state == TS_HEALTHY || t->h.state == TS_INITIAL)
		reason[0] = '\0';
	else
		snprintf(reason, sizeof(reason), "%s", health_reason(&t->h));
	json_object_set_new(o, "group", json_string(t->g->cfg->name));
	json_object_set_new(o, "reason", json_string(reason));
	json_object_set_new(o, "last_failure", json_string(t->h.reason));
	json_object_set_new(o, "source", json_string(t->api ? "api" : "config"));
	json_object_set_new(o, "check", check_json(t, now));
	if (t->g->cfg->protocol == CFG_PROTO_GENEVE)
		json_object_set_new(o, "passive", passive_json(t));
	if (t->h.state == TS_DRAINING)
		json_object_set_new(o, "drain_remaining_s",
				    json_real(health_drain_remaining(
					    &t->h, t->g->cfg->deregistration_delay, now)));
	return o;
}

void targets_changed(struct tgt *t, uint8_t old)
{
	const char *why = NULL;
	json_t *set;

	if (t->h.state == TS_UNHEALTHY || t->h.state == TS_DRAINING || t->h.state == TS_UNUSED)
		why = health_reason(&t->h);
	if (old != t->h.state)
		log_info("target %s/%s: %s -> %s%s%s%s", t->g->cfg->name, t->c.id,
			 config_state_name((enum cfg_target_state)old),
			 config_state_name((enum cfg_target_state)t->h.state),
			 why && *why ? " (" : "", why && *why ? why : "", why && *why ? ")" : "");
	set = json_array();
	if (!set || json_array_append_new(set, targets_entry_json(t, 1, targets_now())))
		log_fatal("out of memory");
	dpconn_push_update(set, NULL);
	json_decref(set);
}

int targets_tomb_has(const char *group, const char *id)
{
	struct ttomb *b;

	for (b = treg.tombs; b; b = b->next)
		if (!strcmp(b->group, group) && !strcmp(b->id, id))
			return 1;
	return 0;
}

void targets_tomb_del(const char *group, const char *id)
{
	struct ttomb **pp = &treg.tombs, *b;

	while ((b = *pp)) {
		if (!strcmp(b->group, group) && !strcmp(b->id, id)) {
			*pp = b->next;
			free(b);
		} else {
			pp = &b->next;
		}
	}
}

static int tomb_add(const char *group, const char *id)
{
	struct ttomb *b;

	if (targets_tomb_has(group, id))
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	snprintf(b->group, sizeof(b->group), "%s", group);
	snprintf(b->id, sizeof(b->id), "%s", id);
	b->next = treg.tombs;
	treg.tombs = b;
	return 0;
}

static int groups_build(const struct config *cfg, char *err, size_t errlen)
{
	unsigned int gi, i;

	treg.groups = calloc(cfg->n_groups ? cfg->n_groups : 1, sizeof(*treg.groups));
	if (!treg.groups)
		return errf(err, errlen, -ENOMEM, "out of memory");
	for (gi = 0; gi < cfg->n_groups; gi++) {
		struct tgroup *g = &treg.groups[gi];

		g->cfg = &cfg->groups[gi];
		if (g->cfg->n_targets > CFG_GROUP_TARGETS_MAX)
			return errf(err, errlen, -ENOSPC, "group %s: more than %d targets",
				    g->cfg->name, CFG_GROUP_TARGETS_MAX);
		for (i = 0; i < g->cfg->n_targets; i++)
			if (!targets_add(g, &g->cfg->targets[i], 0))
				return errf(err, errlen, -ENOMEM, "out of memory");
	}
	return 0;
}

/* Everything but the config. */
static void registry_clear(void)
{
	unsigned int gi;

	if (treg.groups) {
		for (gi = 0; treg.cfg && gi < treg.cfg->n_groups; gi++)
			while (treg.groups[gi].n)
				targets_drop(treg.groups[gi].t[treg.groups[gi].n - 1]);
		free(treg.groups);
		treg.groups = NULL;
	}
	while (treg.tombs) {
		struct ttomb *b = treg.tombs;

		treg.tombs = b->next;
		free(b);
	}
	if (treg.ssl)
		SSL_CTX_free(treg.ssl);
	treg.ssl = NULL;
}

int targets_init(struct event_base *base, struct config *cfg, char *err, size_t errlen)
{
	int rc;

	if (treg.cfg)
		log_fatal("called twice");
	memset(&treg, 0, sizeof(treg));
	treg.base = base;
	treg.cfg = cfg;
	treg.ssl = probe_ssl_ctx_new();
	if (!treg.ssl) {
		rc = errf(err, errlen, -ENOMEM, "cannot create the TLS context for HTTPS checks");
		goto err;
	}
	if (ratelog_init(&treg.local_log, base, LOG_LVL_WARNING,
			 "health checks not run for a local reason (target states kept)")) {
		rc = errf(err, errlen, -ENOMEM, "out of memory");
		goto err;
	}
	rc = groups_build(cfg, err, errlen);
	if (rc)
		goto err;
	return 0;
err:
	registry_clear(); /* the caller keeps cfg on failure */
	ratelog_free(&treg.local_log);
	memset(&treg, 0, sizeof(treg));
	return rc;
}

void targets_free(void)
{
	registry_clear();
	ratelog_free(&treg.local_log);
	config_free(treg.cfg);
	memset(&treg, 0, sizeof(treg));
}

unsigned int targets_count(void)
{
	unsigned int i, n = 0;

	for (i = 0; treg.cfg && i < treg.cfg->n_groups; i++)
		n += treg.groups[i].n;
	return n;
}

/* --- the API's operations --- */

static int name_check(const char *what, const char *s, char *err, size_t errlen)
{
	const char *c;

	if (!*s || strlen(s) >= CFG_NAME_MAX)
		return errf(err, errlen, -EINVAL, "%s: \"%s\" must be 1 to %d characters", what, s,
			    CFG_NAME_MAX - 1);
	for (c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("-_.:", *c)))
			return errf(
				err, errlen, -EINVAL,
				"%s: invalid character in \"%s\" (letters, digits, - _ . : only)",
				what, s);
	return 0;
}

static int zone_known(const char *zone)
{
	unsigned int i;

	if (!treg.cfg->n_zones)
		return 1;
	for (i = 0; i < treg.cfg->n_zones; i++)
		if (!strcmp(treg.cfg->zones[i].name, zone))
			return 1;
	return 0;
}

static int same_endpoint(const struct tgroup *g, const struct cfg_target *a,
			 const struct cfg_target *b)
{
	return !memcmp(&a->address, &b->address, sizeof(a->address)) &&
	       (g->cfg->protocol == CFG_PROTO_GENEVE || a->port == b->port);
}

/* An appliance address may be a target of only one group of an inspection chain. */
static const char *chain_conflict(const struct tgroup *g, const struct cfg_target *c)
{
	const struct config *cfg = treg.cfg;
	unsigned int gi = (unsigned int)(g - treg.groups), a, k, i;

	for (a = 0; a < cfg->n_inspections; a++) {
		const struct cfg_inspection *in = &cfg->inspections[a];

		for (k = 0; k < in->n_chain && in->chain[k] != gi; k++)
			;
		if (k == in->n_chain)
			continue;
		for (k = 0; k < in->n_chain; k++) {
			const struct tgroup *o = &treg.groups[in->chain[k]];

			if (o == g)
				continue;
			for (i = 0; i < o->n; i++)
				if (!memcmp(&o->t[i]->c.address, &c->address, sizeof(c->address)))
					return o->cfg->name;
		}
	}
	return NULL;
}

static int lookup(const char *group, const char *id, struct tgt **out, char *err, size_t errlen)
{
	struct tgroup *g = targets_group(group);

	if (!g)
		return errf(err, errlen, -ENOENT, "group: unknown group \"%s\"", group);
	*out = targets_find(g, id);
	if (!*out)
		return errf(err, errlen, -ENOENT, "target: no target \"%s\" in group %s", id,
			    group);
	return 0;
}

static int reply_target(struct tgt *t, json_t **target)
{
	if (target)
		*target = targets_object_json(t, targets_now());
	return 0;
}

/*
 * The family of the zone IP when a listener uses group g (NAT does not translate between IPv4
 * and IPv6), else 0: the rule config.c applies to config targets.
 */
static int listener_family(const struct tgroup *g)
{
	const struct config *cfg = treg.cfg;
	unsigned int gi = (unsigned int)(g - treg.groups), i;

	for (i = 0; i < cfg->n_listeners; i++)
		if (cfg->listeners[i].group == gi)
			break;
	if (i == cfg->n_listeners)
		return 0;
	for (i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, cfg->node.zone))
			return cfg->zones[i].address.family;
	return 0;
}

/* A unicast host address: IPv4 for geneve groups, either family (see above) for the others. */
static int address_parse(const struct tgroup *g, const char *s, struct cfg_addr *a, char *err,
			 size_t errlen)
{
	int geneve = g->cfg->protocol == CFG_PROTO_GENEVE, fam = listener_family(g);

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = 4;
		a->plen = 32;
	} else if (!geneve && inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = 6;
		a->plen = 128;
	} else {
		return errf(err, errlen, -EINVAL, "address: not an IPv4%s address \"%s\"",
			    geneve ? "" : " or IPv6", s);
	}
	if (!config_addr_is_unicast(a))
		return errf(err, errlen, -EINVAL, "address: %s is not a unicast address", s);
	if (fam && a->family != fam)
		return errf(
			err, errlen, -EINVAL,
			"address: %s is IPv%d but the zone IP is IPv%d (group %s has a listener; "
			"no translation between IPv4 and IPv6)",
			s, a->family, fam, g->cfg->name);
	return 0;
}

static int register_check(struct tgroup *g, const struct tgt *self, struct cfg_target *c,
			  const char *address, const char *zone, int port, int weight, char *err,
			  size_t errlen)
{
	const char *other;
	unsigned int i;
	int rc;

	rc = address_parse(g, address, &c->address, err, errlen);
	if (rc)
		return rc;
	if (port < 0 || port > 65535)
		return errf(err, errlen, -EINVAL, "port: %d out of range (0-65535)", port);
	if (port && g->cfg->protocol == CFG_PROTO_GENEVE)
		return errf(err, errlen, -EINVAL,
			    "port: must be 0 for a geneve group (GENEVE goes to UDP 6081)");
	if (weight < 0 || weight > 1000)
		return errf(err, errlen, -EINVAL, "weight: %d out of range (0-1000)", weight);
	c->port = (uint16_t)port;
	c->weight = (uint32_t)weight;
	rc = name_check("zone", zone, err, errlen);
	if (rc)
		return rc;
	if (!zone_known(zone))
		return errf(err, errlen, -EINVAL, "zone: unknown zone \"%s\"", zone);
	snprintf(c->zone, sizeof(c->zone), "%s", zone);
	for (i = 0; i < g->n; i++) {
		if (g->t[i] == self || !same_endpoint(g, &g->t[i]->c, c))
			continue;
		if (g->cfg->protocol == CFG_PROTO_GENEVE)
			return errf(err, errlen, -EEXIST,
				    "address: %s is already target %s of group %s", address,
				    g->t[i]->c.id, g->cfg->name);
		return errf(err, errlen, -EEXIST,
			    "address: %s port %d is already target %s of group %s", address, port,
			    g->t[i]->c.id, g->cfg->name);
	}
	if (g->cfg->protocol == CFG_PROTO_GENEVE && (other = chain_conflict(g, c)))
		return errf(err, errlen, -EEXIST,
			    "address: %s is a target of group %s, in the same inspection chain",
			    address, other);
	return 0;
}

int targets_register(const char *group, const char *id, const char *address, const char *zone,
		     int port, int weight, json_t **target, char *err, size_t errlen)
{
	struct tgroup *g = targets_group(group);
	struct cfg_target c;
	struct tgt *t;
	uint8_t old;
	int rc;

	if (!g)
		return errf(err, errlen, -ENOENT, "group: unknown group \"%s\"", group);
	rc = name_check("target", id, err, errlen);
	if (rc)
		return rc;
	t = targets_find(g, id);
	if (t && t->h.state != TS_DRAINING)
		return errf(err, errlen, -EEXIST, "target %s/%s is already registered (%s)", group,
			    id, config_state_name((enum cfg_target_state)t->h.state));
	if (!t && g->n >= CFG_GROUP_TARGETS_MAX)
		return errf(err, errlen, -ENOSPC, "group %s is full (%d targets)", group,
			    CFG_GROUP_TARGETS_MAX);
	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", id);
	c.state = CFG_TS_INITIAL;
	rc = register_check(g, t, &c, address, zone ? zone : treg.cfg->node.zone, port, weight, err,
			    errlen);
	if (rc)
		return rc;
	targets_tomb_del(group, id);
	if (t) { /* draining: back with the new values */
		old = t->h.state;
		evtimer_del(t->drain_ev);
		t->c = c;
		t->api_deregistered = 0;
		health_undrain(&t->h, targets_now());
		health_set_in_zone(&t->h, targets_in_zone(g, c.zone), targets_now());
		targets_check_start(t);
		log_info("target %s/%s: registered again (api)", group, id);
		targets_changed(t, old);
		return reply_target(t, target);
	}
	t = targets_add(g, &c, 1);
	if (!t)
		return errf(err, errlen, -ENOMEM, "out of memory");
	log_info("target %s/%s: registered (api), %s", group, id,
		 config_state_name((enum cfg_target_state)t->h.state));
	targets_changed(t, t->h.state);
	return reply_target(t, target);
}

/* An operator's operation on one target, after the lookup (targets_op). */
typedef int (*targets_op_fn)(struct tgt *t, const char *group, const char *id, json_t **target,
			     char *err, size_t errlen);

/* Looks the target up, then runs op on it: the API's deregister, drain and undrain. */
static int targets_op(const char *group, const char *id, targets_op_fn op, json_t **target,
		      char *err, size_t errlen)
{
	struct tgt *t;
	int rc = lookup(group, id, &t, err, errlen);

	return rc ? rc : op(t, group, id, target, err, errlen);
}

static int op_deregister(struct tgt *t, const char *group, const char *id, json_t **target,
			 char *err, size_t errlen)
{
	uint8_t old = t->h.state;

	if (t->h.admin == HEALTH_ADMIN_DEREGISTERED) { /* again (or by a reload): keep it out */
		if (!t->api_deregistered) {
			if (tomb_add(group, id))
				return errf(err, errlen, -ENOMEM, "out of memory");
			t->api_deregistered = 1;
		}
		return reply_target(t, target);
	}
	if (tomb_add(group, id))
		return errf(err, errlen, -ENOMEM, "out of memory");
	targets_check_stop(t);
	health_drain(&t->h, HEALTH_ADMIN_DEREGISTERED, targets_now());
	t->api_deregistered = 1;
	if (target)
		*target = targets_object_json(t, targets_now());
	targets_changed(t, old);
	targets_drain_timer(t); /* with delay 0: removed at once */
	return 0;
}

int targets_deregister(const char *group, const char *id, json_t **target, char *err, size_t errlen)
{
	return targets_op(group, id, op_deregister, target, err, errlen);
}

static int op_drain(struct tgt *t, const char *group, const char *id, json_t **target, char *err,
		    size_t errlen)
{
	uint8_t old = t->h.state;

	if (t->h.admin == HEALTH_ADMIN_DEREGISTERED)
		return errf(err, errlen, -EINVAL,
			    "target %s/%s is deregistered (register it again to keep it)", group,
			    id);
	if (t->h.admin == HEALTH_ADMIN_DRAINED)
		return reply_target(t, target);
	targets_check_stop(t);
	health_drain(&t->h, HEALTH_ADMIN_DRAINED, targets_now());
	targets_changed(t, old);
	return reply_target(t, target);
}

int targets_drain(const char *group, const char *id, json_t **target, char *err, size_t errlen)
{
	return targets_op(group, id, op_drain, target, err, errlen);
}

static int op_undrain(struct tgt *t, const char *group, const char *id, json_t **target, char *err,
		      size_t errlen)
{
	uint8_t old = t->h.state;

	if (t->h.admin != HEALTH_ADMIN_DRAINED)
		return errf(err, errlen, -EINVAL, "target %s/%s is not drained (%s)", group, id,
			    t->h.admin == HEALTH_ADMIN_DEREGISTERED
				    ? "deregistered: register it again"
				    : config_state_name((enum cfg_target_state)t->h.state));
	health_undrain(&t->h, targets_now());
	health_set_in_zone(&t->h, targets_in_zone(t->g, t->c.zone), targets_now());
	targets_check_start(t);
	targets_changed(t, old);
	return reply_target(t, target);
}

int targets_undrain(const char *group, const char *id, json_t **target, char *err, size_t errlen)
{
	return targets_op(group, id, op_undrain, target, err, errlen);
}

json_t *targets_list_json(const char *group, char *err, size_t errlen)
{
	uint64_t now = targets_now();
	unsigned int gi, i;
	json_t *list;

	if (group && !targets_group(group)) {
		errf(err, errlen, -ENOENT, "group: unknown group \"%s\"", group);
		return NULL;
	}
	list = json_array();
	if (!list)
		log_fatal("out of memory");
	for (gi = 0; treg.cfg && gi < treg.cfg->n_groups; gi++) {
		struct tgroup *g = &treg.groups[gi];

		if (group && strcmp(group, g->cfg->name))
			continue;
		for (i = 0; i < g->n; i++)
			json_array_append_new(list, targets_object_json(g->t[i], now));
	}
	return list;
}

json_t *targets_sync_json(void)
{
	uint64_t now = targets_now();
	json_t *groups = json_array(), *o;
	unsigned int gi, i;

	if (!groups)
		log_fatal("out of memory");
	for (gi = 0; treg.cfg && gi < treg.cfg->n_groups; gi++) {
		struct tgroup *g = &treg.groups[gi];
		json_t *list = json_array();

		if (!list)
			log_fatal("out of memory");
		for (i = 0; i < g->n; i++)
			json_array_append_new(list, targets_entry_json(g->t[i], 0, now));
		json_array_append_new(
			groups, json_pack("{s:s,s:o}", "name", g->cfg->name, "targets", list));
	}
	o = json_pack("{s:s,s:o}", "op", "sync", "groups", groups);
	if (!o)
		log_fatal("out of memory");
	return o;
}

int targets_all_groups_failed(uint32_t min_healthy)
{
	unsigned int gi, i, healthy;

	if (!min_healthy || !treg.cfg || !treg.cfg->n_groups)
		return 0;
	for (gi = 0; gi < treg.cfg->n_groups; gi++) {
		const struct tgroup *g = &treg.groups[gi];

		for (i = 0, healthy = 0; i < g->n; i++)
			healthy += g->t[i]->h.state == TS_HEALTHY;
		if (healthy >= min_healthy)
			return 0;
	}
	return 1;
}

/* One target entry of a state reply: seed the matching target (same id, address and port). */
static void seed_one(struct tgroup *g, json_t *e, const char *dataplane, uint64_t now)
{
	const char *id = json_string_value(json_object_get(e, "id"));
	const char *addr = json_string_value(json_object_get(e, "address"));
	const char *st = json_string_value(json_object_get(e, "state"));
	json_t *port = json_object_get(e, "port"), *df = json_object_get(e, "draining_for_s");
	enum cfg_target_state state;
	char mine[64];
	struct tgt *t;
	uint8_t old;

	if (!id || !addr || !st || !json_is_integer(port) || config_state_parse(st, &state))
		return;
	t = targets_find(g, id);
	if (!t)
		return;
	targets_addr_str(&t->c.address, mine, sizeof(mine));
	if (strcmp(mine, addr) || json_integer_value(port) != t->c.port)
		return;
	old = t->h.state;
	if (!health_seed(&t->h, (uint8_t)state,
			 json_is_number(df) && json_number_value(df) > 0
				 ? (uint64_t)(json_number_value(df) * 1e6)
				 : 0,
			 now))
		return;
	if (t->h.state == TS_DRAINING)
		targets_check_stop(t);
	log_info("target %s/%s: %s as before the restart (read back from dataplane %s)",
		 g->cfg->name, id, config_state_name((enum cfg_target_state)t->h.state), dataplane);
	targets_changed(t, old);
}

void targets_seed(json_t *state, const char *dataplane)
{
	uint64_t now = targets_now();
	size_t gi, ti;
	json_t *ge, *te;

	json_array_foreach(json_object_get(state, "groups"), gi, ge)
	{
		struct tgroup *g =
			targets_group(json_string_value(json_object_get(ge, "name")) ?: "");

		if (!g)
			continue;
		json_array_foreach(json_object_get(ge, "targets"), ti, te)
			seed_one(g, te, dataplane, now);
	}
}
