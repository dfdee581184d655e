/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_target.c - a target object of sync or update `set` (docs/protocol.md): its members
 * parsed and validated against the group (ctl_priv.h), then applied to the target's slot in the
 * new generation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "dataplane/lib/ctl_priv.h"

#define CTL_WEIGHT_MAX	1000
#define CTL_DRAIN_MAX_S (86400.0 * 365)

static const char *const ctl_state_names = "healthy, unhealthy, initial, draining, unused";

static int ctl_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n >= CFG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			return 0;
	}
	return 1;
}

/* The family of this node's zone IP (what NLB targets must be), or 0 when there is none. */
static uint8_t ctl_zone_family(void)
{
	const struct config *cfg = ctl_be->cfg;
	unsigned int i;

	for (i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, cfg->node.zone))
			return cfg->zones[i].address.family;
	return 0;
}

static int ctl_parse_address(const char *s, const struct cfg_group *cg, struct ctl_tspec *ts,
			     const char *where, char *err)
{
	uint8_t fam = cg->protocol == CFG_PROTO_GENEVE ? 4 : ctl_zone_family();
	struct cfg_addr ca = {0};
	uint8_t a[16] = {0};

	if (inet_pton(AF_INET, s, a) == 1) {
		if (fam == 6) {
			ctl_errf(err,
				 "%s.address: \"%s\" is IPv4, but the zone IP (and every target "
				 "of a listener group) is IPv6",
				 where, s);
			return -EINVAL;
		}
		ca.family = 4;
	} else if (fam != 4 && inet_pton(AF_INET6, s, a) == 1) {
		ca.family = 6;
	} else {
		ctl_errf(err, "%s.address: not an IPv%s address \"%s\"", where,
			 fam == 4 ? "4" : "4 or IPv6", s);
		return -EINVAL;
	}
	memcpy(ca.addr, a, ca.family == 4 ? 4 : 16);
	if (!config_addr_is_unicast(&ca)) {
		ctl_errf(err, "%s.address: \"%s\" is not a unicast host address", where, s);
		return -EINVAL;
	}
	ts->family = ca.family;
	memcpy(ts->addr16, a, 16);
	ts->has_address = 1;
	return 0;
}

int ctl_parse_target(json_t *o, const struct cfg_group *cg, const char *const *extra,
		     struct ctl_tspec *ts, const char *where, char *err)
{
	static const char *const allowed[] = {"id",	"address", "port",	     "zone",
					      "weight", "state",   "draining_for_s", NULL};
	json_t *v;

	memset(ts, 0, sizeof(*ts));
	if (ctl_members(o, allowed, extra, where, err))
		return -EINVAL;
	v = json_object_get(o, "id");
	if (!v) {
		ctl_errf(err, "%s.id: missing", where);
		return -EINVAL;
	}
	if (!json_is_string(v) || !ctl_name_ok(json_string_value(v))) {
		ctl_errf(err, "%s.id: not a target id (a string of 1-63 of A-Za-z0-9-_.:)", where);
		return -EINVAL;
	}
	ts->id = json_string_value(v);
	if ((v = json_object_get(o, "address"))) {
		if (!json_is_string(v)) {
			ctl_errf(err, "%s.address: not a string", where);
			return -EINVAL;
		}
		if (ctl_parse_address(json_string_value(v), cg, ts, where, err))
			return -EINVAL;
	}
	if ((v = json_object_get(o, "port"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 65535) {
			ctl_errf(err, "%s.port: not a port number (0-65535)", where);
			return -EINVAL;
		}
		if (cg->protocol == CFG_PROTO_GENEVE && json_integer_value(v)) {
			ctl_errf(err, "%s.port: must be 0 in geneve group \"%s\"", where, cg->name);
			return -EINVAL;
		}
		ts->port = (uint16_t)json_integer_value(v);
		ts->has_port = 1;
	}
	if ((v = json_object_get(o, "zone"))) {
		if (!json_is_string(v) || !ctl_name_ok(json_string_value(v))) {
			ctl_errf(err,
				 "%s.zone: not a zone name (a string of 1-63 of A-Za-z0-9-_.:)",
				 where);
			return -EINVAL;
		}
		ts->zone = json_string_value(v);
		ts->has_zone = 1;
	}
	if ((v = json_object_get(o, "weight"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > CTL_WEIGHT_MAX) {
			ctl_errf(err, "%s.weight: not an integer 0-%d", where, CTL_WEIGHT_MAX);
			return -EINVAL;
		}
		ts->weight = (uint32_t)json_integer_value(v);
		ts->has_weight = 1;
	}
	if ((v = json_object_get(o, "state"))) {
		enum cfg_target_state st;

		if (!json_is_string(v) || config_state_parse(json_string_value(v), &st)) {
			if (json_is_string(v))
				ctl_errf(err, "%s.state: unknown state \"%.64s\" (expected %s)",
					 where, json_string_value(v), ctl_state_names);
			else
				ctl_errf(err, "%s.state: not a string (expected %s)", where,
					 ctl_state_names);
			return -EINVAL;
		}
		ts->state = (uint8_t)st;
		ts->has_state = 1;
	}
	if ((v = json_object_get(o, "draining_for_s"))) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
		    json_number_value(v) > CTL_DRAIN_MAX_S) {
			ctl_errf(err, "%s.draining_for_s: not a number of seconds >= 0", where);
			return -EINVAL;
		}
		ts->drain_s = json_number_value(v);
		ts->has_drain = 1;
	}
	return 0;
}

const char *ctl_tspec_missing(const struct ctl_tspec *ts)
{
	return !ts->has_address ? "address"
	       : !ts->has_zone	? "zone"
	       : !ts->has_state ? "state"
				: NULL;
}

int ctl_apply(struct rt_state *n, unsigned int gi, int slot, const struct ctl_tspec *ts, int full,
	      uint64_t now, const char *where, char *err)
{
	struct rt_group *g = &n->groups[gi];
	struct rt_target *t;
	uint8_t old_state;
	int was_draining;

	if (slot < 0) {
		slot = rt_group_add(n, gi, ts->id, now);
		if (slot == -ENOSPC) {
			ctl_errf(err, "%s: group \"%s\" is full (%d targets)", where, g->cfg->name,
				 RT_SLOTS);
			return slot;
		}
		if (slot == -EBUSY) {
			ctl_errf(err,
				 "%s: group \"%s\": every free slot has had 2^24 targets and waits "
				 "until its last one's flows can no longer be alive (%" PRIu64
				 " s)",
				 where, g->cfg->name, rt_group_pin_life(g) / 1000000);
			return slot;
		}
		if (slot < 0) {
			ctl_errf(err, "%s: out of memory", where);
			return slot;
		}
		g = &n->groups[gi]; /* rt_group_add may move the targets */
	}
	t = &g->targets[slot];
	old_state = t->state;
	was_draining = !t->fresh && old_state == TS_DRAINING;
	if (ts->has_address) {
		memcpy(t->addr16, ts->addr16, 16);
		t->family = ts->family;
		t->addr = 0;
		if (ts->family == 4)
			memcpy(&t->addr, ts->addr16, 4);
	}
	if (ts->has_port || full)
		t->port = ts->port;
	if (ts->has_zone) {
		snprintf(t->zone, sizeof(t->zone), "%s", ts->zone);
		t->in_zone = (uint8_t)rt_in_zone(ctl_be->cfg, g->cfg, t->zone);
	}
	if (ts->has_weight || full || t->fresh)
		t->weight = ts->has_weight ? ts->weight : 1;
	if (ts->has_state)
		t->state = ts->state;
	if (ts->has_drain && t->state != TS_DRAINING) {
		ctl_errf(err, "%s.draining_for_s: only with state draining (the target is %s)",
			 where, config_state_name((enum cfg_target_state)t->state));
		return -EINVAL;
	}
	if (t->state == TS_DRAINING) {
		uint64_t back = (uint64_t)(ts->drain_s * 1e6);

		if (ts->has_drain)
			t->drain_start = now > back ? now - back : 0;
		else if (!was_draining)
			t->drain_start = now;
	}
	return 0;
}
