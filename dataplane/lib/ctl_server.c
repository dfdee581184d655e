/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_server.c - the control protocol server (docs/protocol.md), for any dataplane (see
 * ctl_server.h). One thread only: every function here runs between two poll() calls of the
 * dataplane's control loop, so the runtime state it replaces is never changed by anyone else
 * meanwhile. A request is validated and applied on a copy of the current generation; a refused
 * request frees the copy and changes nothing.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dataplane/core/gwlb.h"
#include "dataplane/lib/ctl_server.h"

#ifndef SL_VERSION
#define SL_VERSION "0.0.0"
#endif

#define CTL_OUT_MAX	  (64u << 20) /* pending reply bytes before a client is dropped */
#define CTL_OUT_READ_STOP (1u << 20)  /* stop reading a client with this much unsent */
#define CTL_FLOWS_DEFAULT 100
#define CTL_FLOWS_MAX	  10000
#define CTL_WEIGHT_MAX	  1000
#define CTL_DRAIN_MAX_S	  (86400.0 * 365)
#define CTL_DIM(a)	  (sizeof(a) / sizeof((a)[0]))

struct ctl_client {
	int fd;
	char *in; /* received bytes not yet a complete line */
	size_t in_len, in_cap;
	char *out; /* replies not yet written */
	size_t out_len, out_off, out_cap;
	int closing; /* close once out is written */
};

static int ctl_listen_fd = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct ctl_client ctl_clients[CTL_MAX_CLIENTS];
static int ctl_synced;
static const struct ctl_backend *ctl_be;
static FILE *ctl_log;

static void ctl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ctl_info(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: info: ", ctl_be->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void ctl_errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctl_errf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CTL_ERR_MAX, fmt, ap);
	va_end(ap);
}

/* ---- state log ---- */

static const char *ctl_addr_str(const struct rt_target *t, char *buf, size_t len)
{
	if (!inet_ntop(t->family == 6 ? AF_INET6 : AF_INET, t->addr16, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

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
					  "address", ctl_addr_str(rt, buf, sizeof(buf))));
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

/* ---- requests: validation ---- */

/* A parsed target object of sync or update `set`: the members given, validated. */
struct ctl_tspec {
	const char *id;
	unsigned int has_address : 1, has_port : 1, has_zone : 1, has_weight : 1, has_state : 1,
		has_drain : 1;
	uint8_t family;
	uint8_t addr16[16];
	uint16_t port;
	const char *zone;
	uint32_t weight;
	uint8_t state;
	double drain_s;
};

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
	uint8_t a[16] = {0};

	if (inet_pton(AF_INET, s, a) == 1) {
		if (fam == 6) {
			ctl_errf(err,
				 "%s.address: \"%s\" is IPv4, but the zone IP (and every target "
				 "of a listener group) is IPv6",
				 where, s);
			return -EINVAL;
		}
		struct cfg_addr ca = {.family = 4};

		memcpy(ca.addr, a, 4);
		if (!config_addr_is_unicast(&ca)) {
			ctl_errf(err, "%s.address: \"%s\" is not a unicast host address", where, s);
			return -EINVAL;
		}
		ts->family = 4;
	} else if (fam != 4 && inet_pton(AF_INET6, s, a) == 1) {
		struct cfg_addr ca = {.family = 6};

		memcpy(ca.addr, a, 16);
		if (!config_addr_is_unicast(&ca)) {
			ctl_errf(err, "%s.address: \"%s\" is not a unicast host address", where, s);
			return -EINVAL;
		}
		ts->family = 6;
	} else {
		ctl_errf(err, "%s.address: not an IPv%s address \"%s\"", where,
			 fam == 4 ? "4" : "4 or IPv6", s);
		return -EINVAL;
	}
	memcpy(ts->addr16, a, 16);
	ts->has_address = 1;
	return 0;
}

/*
 * Parse target object o for group cg. `extra` names one more allowed member (update: "group")
 * or is NULL. Presence of required members is checked by the caller.
 */
static int ctl_parse_target(json_t *o, const struct cfg_group *cg, const char *extra,
			    struct ctl_tspec *ts, const char *where, char *err)
{
	static const char *const allowed[] = {"id",	"address", "port",	     "zone",
					      "weight", "state",   "draining_for_s", NULL};
	const char *k;
	json_t *v;
	unsigned int i;

	memset(ts, 0, sizeof(*ts));
	if (!json_is_object(o)) {
		ctl_errf(err, "%s: not an object", where);
		return -EINVAL;
	}
	json_object_foreach(o, k, v)
	{
		for (i = 0; allowed[i] && strcmp(allowed[i], k); i++)
			;
		if (!allowed[i] && !(extra && !strcmp(extra, k))) {
			ctl_errf(err, "%s: unknown member \"%.64s\"", where, k);
			return -EINVAL;
		}
	}
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

/* Dataplane clock, us (the clock the packets are processed with). */
static uint64_t ctl_now(void)
{
	return ctl_be->now_us();
}

/*
 * Apply ts to slot `slot` of group gi of n (existing target, or -1: a new one). `full`: every
 * member not given takes its default (sync). Returns 0, or -ENOSPC (group full) / -ENOMEM.
 * The resulting state must be draining when draining_for_s is given (checked here).
 */
static int ctl_apply(struct rt_state *n, unsigned int gi, int slot, const struct ctl_tspec *ts,
		     int full, uint64_t now, const char *where, char *err)
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

struct ctl_summary {
	unsigned int added, removed, changed;
};

/* ---- ops ---- */

struct ctl_req {
	json_t *msg;
	const char *op;
	json_t *reply; /* the ok reply's extra members */
};

static int ctl_check_members(json_t *msg, const char *op, const char *const *extra, char *err)
{
	const char *k;
	json_t *v;
	unsigned int i;

	json_object_foreach(msg, k, v)
	{
		if (!strcmp(k, "v") || !strcmp(k, "id") || !strcmp(k, "op"))
			continue;
		for (i = 0; extra && extra[i] && strcmp(extra[i], k); i++)
			;
		if (!extra || !extra[i]) {
			ctl_errf(err, "%s: unknown member \"%.64s\"", op, k);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *ctl_proto_name(enum cfg_proto p)
{
	static const char *const names[] = {"geneve", "tcp", "udp", "tcp_udp"};

	return (unsigned int)p < 4 ? names[p] : "?";
}

static int ctl_op_hello(struct ctl_req *r, char *err)
{
	static const char *const extra[] = {"client", NULL};
	const struct config *cfg = ctl_be->cfg;
	json_t *groups, *v;
	unsigned int g;

	if (ctl_check_members(r->msg, "hello", extra, err))
		return -EINVAL;
	v = json_object_get(r->msg, "client");
	if (v && !json_is_string(v)) {
		ctl_errf(err, "hello: client: not a string");
		return -EINVAL;
	}
	if (v)
		ctl_info("control: hello from \"%.100s\"", json_string_value(v));
	groups = json_array();
	for (g = 0; g < cfg->n_groups; g++)
		json_array_append_new(groups,
				      json_pack("{s:s,s:s,s:i}", "name", cfg->groups[g].name,
						"protocol", ctl_proto_name(cfg->groups[g].protocol),
						"max_targets", RT_SLOTS));
	json_object_set_new(r->reply, "protocol", json_integer(CTL_PROTOCOL));
	json_object_set_new(r->reply, "dataplane", json_string(ctl_be->name));
	json_object_set_new(r->reply, "version", json_string(SL_VERSION));
	json_object_set_new(r->reply, "node", json_pack("{s:s}", "zone", cfg->node.zone));
	json_object_set_new(r->reply, "generation",
			    json_integer((json_int_t)ctl_be->current()->generation));
	json_object_set_new(r->reply, "synced", json_boolean(ctl_synced));
	json_object_set_new(r->reply, "groups", groups);
	return 0;
}

static json_t *ctl_target_json(const struct rt_target *t, uint64_t now)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *o = json_pack("{s:s,s:s,s:i,s:s,s:I,s:s,s:b}", "id", t->id, "address",
			      ctl_addr_str(t, buf, sizeof(buf)), "port", t->port, "zone", t->zone,
			      "weight", (json_int_t)t->weight, "state",
			      config_state_name((enum cfg_target_state)t->state), "in_zone",
			      t->in_zone);

	if (o && t->state == TS_DRAINING)
		json_object_set_new(o, "draining_for_s",
				    json_real(now > t->drain_start
						      ? (double)(now - t->drain_start) / 1e6
						      : 0.0));
	return o;
}

static int ctl_op_state(struct ctl_req *r, char *err)
{
	const struct rt_state *s = ctl_be->current();
	uint64_t now = ctl_now();
	json_t *groups;
	unsigned int g, t;

	if (ctl_check_members(r->msg, "state", NULL, err))
		return -EINVAL;
	groups = json_array();
	for (g = 0; g < s->n_groups; g++) {
		const struct rt_group *rg = &s->groups[g];
		json_t *targets = json_array();

		for (t = 0; t < rg->n_targets; t++)
			if (rg->targets[t].present)
				json_array_append_new(targets,
						      ctl_target_json(&rg->targets[t], now));
		json_array_append_new(
			groups, json_pack("{s:s,s:s,s:s,s:o}", "name", rg->cfg->name, "protocol",
					  ctl_proto_name(rg->cfg->protocol), "mode",
					  rt_mode_name(rg->mode), "targets", targets));
	}
	json_object_set_new(r->reply, "generation", json_integer((json_int_t)s->generation));
	json_object_set_new(r->reply, "groups", groups);
	return 0;
}

static int ctl_op_stats(struct ctl_req *r, char *err)
{
	json_t *j;

	if (ctl_check_members(r->msg, "stats", NULL, err))
		return -EINVAL;
	j = ctl_be->stats();
	if (!j) {
		ctl_errf(err, "stats: out of memory");
		return -ENOMEM;
	}
	json_object_set_new(r->reply, "stats", j);
	return 0;
}

static int ctl_op_liveness(struct ctl_req *r, char *err)
{
	struct ctl_liveness l = {0};

	if (ctl_check_members(r->msg, "liveness", NULL, err))
		return -EINVAL;
	ctl_be->liveness(&l);
	json_object_set_new(r->reply, "alive", json_boolean(l.alive));
	json_object_set_new(r->reply, "stalled_ms", json_integer((json_int_t)l.stalled_ms));
	json_object_set_new(r->reply, "stopping", json_boolean(l.stopping));
	return 0;
}

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

static int ctl_op_sync(struct ctl_req *r, char *err)
{
	static const char *const extra[] = {"groups", NULL};
	const struct config *cfg = ctl_be->cfg;
	struct ctl_summary sum = {0};
	unsigned char seen[RT_SLOTS];
	struct rt_state *n = NULL;
	json_t *groups, *jg, *targets, *jt, *v;
	uint64_t now = ctl_now();
	char where[160];
	size_t i, j;
	int gi, ret = -EINVAL;
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
		const char *k;
		struct rt_group *g;

		snprintf(where, sizeof(where), "sync: groups[%zu]", i);
		if (!json_is_object(jg)) {
			ctl_errf(err, "%s: not an object", where);
			goto fail;
		}
		json_object_foreach(jg, k, v)
		{
			if (strcmp(k, "name") && strcmp(k, "targets")) {
				ctl_errf(err, "%s: unknown member \"%.64s\"", where, k);
				goto fail;
			}
		}
		v = json_object_get(jg, "name");
		if (!json_is_string(v)) {
			ctl_errf(err, "%s.name: %s", where, v ? "not a string" : "missing");
			goto fail;
		}
		gi = config_group_index(ctl_be->cfg, json_string_value(v));
		if (gi < 0) {
			ctl_errf(err, "%s.name: group \"%.64s\" is not in this dataplane's config",
				 where, json_string_value(v));
			goto fail;
		}
		if (listed[gi]++) {
			ctl_errf(err, "%s.name: group \"%.64s\" listed twice", where,
				 json_string_value(v));
			goto fail;
		}
		targets = json_object_get(jg, "targets");
		if (!json_is_array(targets)) {
			ctl_errf(err, "%s.targets: %s", where,
				 targets ? "not an array" : "missing");
			goto fail;
		}
		if (json_array_size(targets) > RT_SLOTS) {
			ctl_errf(err, "%s.targets: %zu targets, group \"%s\" holds at most %d",
				 where, json_array_size(targets), ctl_be->cfg->groups[gi].name,
				 RT_SLOTS);
			goto fail;
		}
		/* validate all, and find duplicates, before changing the group */
		json_array_foreach(targets, j, jt)
		{
			struct ctl_tspec ts;
			char tw[200];
			size_t m;

			snprintf(tw, sizeof(tw), "%s.targets[%zu]", where, j);
			if (ctl_parse_target(jt, &ctl_be->cfg->groups[gi], NULL, &ts, tw, err))
				goto fail;
			if (!ts.has_address || !ts.has_zone || !ts.has_state) {
				ctl_errf(err, "%s.%s: missing", tw,
					 !ts.has_address ? "address"
					 : !ts.has_zone	 ? "zone"
							 : "state");
				goto fail;
			}
			for (m = 0; m < j; m++)
				if (!strcmp(json_string_value(json_object_get(
						    json_array_get(targets, m), "id")),
					    ts.id)) {
					ctl_errf(err,
						 "%s.id: duplicate id \"%s\" (also targets[%zu])",
						 tw, ts.id, m);
					goto fail;
				}
		}
		/* removals first: targets not listed leave the set */
		g = &n->groups[gi];
		memset(seen, 0, sizeof(seen));
		json_array_foreach(targets, j, jt)
		{
			int slot = rt_group_find(g, json_string_value(json_object_get(jt, "id")));

			if (slot >= 0)
				seen[slot] = 1;
		}
		for (j = 0; j < g->n_targets; j++)
			if (g->targets[j].present && !seen[j]) {
				rt_group_remove(g, (unsigned int)j);
				sum.removed++;
			}
		json_array_foreach(targets, j, jt)
		{
			struct ctl_tspec ts;
			char tw[200];
			int slot;

			snprintf(tw, sizeof(tw), "%s.targets[%zu]", where, j);
			ctl_parse_target(jt, &ctl_be->cfg->groups[gi], NULL, &ts, tw, err);
			slot = rt_group_find(&n->groups[gi], ts.id);
			if (slot < 0)
				sum.added++;
			else
				sum.changed++;
			ret = ctl_apply(n, (unsigned int)gi, slot, &ts, 1, now, tw, err);
			if (ret)
				goto fail;
			ret = -EINVAL;
		}
	}
	for (gi = 0; gi < (int)cfg->n_groups; gi++)
		if (!listed[gi]) {
			ctl_errf(err,
				 "sync: groups: group \"%s\" missing (every group must be listed)",
				 ctl_be->cfg->groups[gi].name);
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

/* The group of an update item: member "group", a group of the config. */
static int ctl_item_group(json_t *o, const char *where, char *err)
{
	json_t *v = json_is_object(o) ? json_object_get(o, "group") : NULL;
	int gi;

	if (!json_is_object(o)) {
		ctl_errf(err, "%s: not an object", where);
		return -1;
	}
	if (!json_is_string(v)) {
		ctl_errf(err, "%s.group: %s", where, v ? "not a string" : "missing");
		return -1;
	}
	gi = config_group_index(ctl_be->cfg, json_string_value(v));
	if (gi < 0)
		ctl_errf(err, "%s: group \"%.64s\" is not in this dataplane's config", where,
			 json_string_value(v));
	return gi;
}

static int ctl_op_update(struct ctl_req *r, char *err)
{
	static const char *const extra[] = {"set", "remove", NULL};
	struct ctl_summary sum = {0};
	struct rt_state *n = NULL;
	json_t *set, *rem, *it;
	uint64_t now = ctl_now();
	char where[160];
	size_t i, m;
	int gi, slot, ret = -EINVAL;

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
	/* remove[] first (checked for duplicates among themselves and with set[] below) */
	json_array_foreach(rem, i, it)
	{
		const char *k, *id;
		json_t *v;

		snprintf(where, sizeof(where), "update: remove[%zu]", i);
		gi = ctl_item_group(it, where, err);
		if (gi < 0)
			goto fail;
		json_object_foreach(it, k, v)
		{
			if (strcmp(k, "group") && strcmp(k, "id")) {
				ctl_errf(err, "%s: unknown member \"%.64s\"", where, k);
				goto fail;
			}
		}
		v = json_object_get(it, "id");
		if (!json_is_string(v)) {
			ctl_errf(err, "%s.id: %s", where, v ? "not a string" : "missing");
			goto fail;
		}
		id = json_string_value(v);
		for (m = 0; m < i; m++) {
			json_t *o = json_array_get(rem, m);

			if (!strcmp(json_string_value(json_object_get(o, "group")),
				    ctl_be->cfg->groups[gi].name) &&
			    !strcmp(json_string_value(json_object_get(o, "id")), id)) {
				ctl_errf(err,
					 "%s: target \"%.64s\" of group \"%s\" also in remove[%zu]",
					 where, id, ctl_be->cfg->groups[gi].name, m);
				goto fail;
			}
		}
		slot = rt_group_find(&n->groups[gi], id);
		if (slot < 0) {
			ctl_errf(err, "%s: no target \"%.64s\" in group \"%s\"", where, id,
				 ctl_be->cfg->groups[gi].name);
			goto fail;
		}
		rt_group_remove(&n->groups[gi], (unsigned int)slot);
		sum.removed++;
	}
	json_array_foreach(set, i, it)
	{
		struct ctl_tspec ts;

		snprintf(where, sizeof(where), "update: set[%zu]", i);
		gi = ctl_item_group(it, where, err);
		if (gi < 0)
			goto fail;
		if (ctl_parse_target(it, &ctl_be->cfg->groups[gi], "group", &ts, where, err))
			goto fail;
		for (m = 0; m < i; m++) {
			json_t *o = json_array_get(set, m);

			if (!strcmp(json_string_value(json_object_get(o, "group")),
				    ctl_be->cfg->groups[gi].name) &&
			    !strcmp(json_string_value(json_object_get(o, "id")), ts.id)) {
				ctl_errf(err, "%s: target \"%s\" of group \"%s\" also in set[%zu]",
					 where, ts.id, ctl_be->cfg->groups[gi].name, m);
				goto fail;
			}
		}
		for (m = 0; m < json_array_size(rem); m++) {
			json_t *o = json_array_get(rem, m);

			if (!strcmp(json_string_value(json_object_get(o, "group")),
				    ctl_be->cfg->groups[gi].name) &&
			    !strcmp(json_string_value(json_object_get(o, "id")), ts.id)) {
				ctl_errf(err,
					 "%s: target \"%s\" of group \"%s\" also in remove[%zu]",
					 where, ts.id, ctl_be->cfg->groups[gi].name, m);
				goto fail;
			}
		}
		slot = rt_group_find(&n->groups[gi], ts.id);
		if (slot < 0 && (!ts.has_address || !ts.has_zone || !ts.has_state)) {
			ctl_errf(err, "%s.%s: missing (target \"%s\" is new in group \"%s\")",
				 where,
				 !ts.has_address ? "address"
				 : !ts.has_zone	 ? "zone"
						 : "state",
				 ts.id, ctl_be->cfg->groups[gi].name);
			goto fail;
		}
		if (slot < 0)
			sum.added++;
		else
			sum.changed++;
		ret = ctl_apply(n, (unsigned int)gi, slot, &ts, 0, now, where, err);
		if (ret)
			goto fail;
		ret = -EINVAL;
	}
	return ctl_publish(r, n, &sum, err);
fail:
	rt_state_free(n);
	return ret;
}

static const char *ctl_l4_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 0:
		return "any";
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

static const char *ctl_ip_str(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int ctl_flows_take(struct ctl_flows *f, unsigned int group, const struct rt_target *t)
{
	if (f->group >= 0 && group != (unsigned int)f->group)
		return 0;
	if (f->target && (!t || strcmp(t->id, f->target)))
		return 0;
	f->total++;
	if ((int64_t)f->listed >= f->limit)
		return 0;
	f->listed++;
	return 1;
}

void ctl_flows_add_flow(struct ctl_flows *f, const struct rt_group *g, const struct rt_target *t,
			const struct flow_key *fk, uint64_t last_seen)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pb[8];
	uint64_t now = f->now;

	json_array_append_new(f->flows,
			      json_pack("{s:s,s:o,s:s,s:s,s:i,s:s,s:i,s:f}", "group", g->cfg->name,
					"target", t ? json_string(t->id) : json_null(), "proto",
					ctl_l4_name(fk->proto, pb, sizeof(pb)), "src",
					ctl_ip_str(fk->family, fk->a, a, sizeof(a)), "sport",
					fk->pa, "dst", ctl_ip_str(fk->family, fk->b, b, sizeof(b)),
					"dport", fk->pb, "idle_s",
					now > last_seen ? (double)(now - last_seen) / 1e6 : 0.0));
}

void ctl_flows_add_session(struct ctl_flows *f, const struct rt_group *g, const struct rt_target *t,
			   const struct ctl_session *s)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], pb[8];
	uint64_t now = f->now, seen = s->last_seen;

	json_array_append_new(
		f->sessions,
		json_pack("{s:s,s:s,s:o,s:s,s:s,s:i,s:s,s:i,s:s,s:i,s:f}", "listener", s->listener,
			  "group", g->cfg->name, "target", t ? json_string(t->id) : json_null(),
			  "proto", ctl_l4_name(s->proto, pb, sizeof(pb)), "client",
			  ctl_ip_str(s->family, s->client, a, sizeof(a)), "cport", s->cport, "vip",
			  ctl_ip_str(s->family, s->vip, b, sizeof(b)), "vport", s->vport,
			  "target_address", ctl_ip_str(s->family, s->target_address, c, sizeof(c)),
			  "tport", s->tport, "idle_s",
			  now > seen ? (double)(now - seen) / 1e6 : 0.0));
}

static int ctl_op_flows(struct ctl_req *r, char *err)
{
	static const char *const extra[] = {"limit", "group", "target", NULL};
	struct ctl_flows f = {.limit = CTL_FLOWS_DEFAULT, .group = -1};
	json_t *v;
	int ret;

	if (ctl_check_members(r->msg, "flows", extra, err))
		return -EINVAL;
	f.now = ctl_now();
	if ((v = json_object_get(r->msg, "limit"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > CTL_FLOWS_MAX) {
			ctl_errf(err, "flows: limit: not an integer 0-%d", CTL_FLOWS_MAX);
			return -EINVAL;
		}
		f.limit = json_integer_value(v);
	}
	if ((v = json_object_get(r->msg, "group"))) {
		if (!json_is_string(v)) {
			ctl_errf(err, "flows: group: not a string");
			return -EINVAL;
		}
		f.group = config_group_index(ctl_be->cfg, json_string_value(v));
		if (f.group < 0) {
			ctl_errf(err,
				 "flows: group: group \"%.64s\" is not in this dataplane's config",
				 json_string_value(v));
			return -EINVAL;
		}
	}
	if ((v = json_object_get(r->msg, "target"))) {
		if (!json_is_string(v)) {
			ctl_errf(err, "flows: target: not a string");
			return -EINVAL;
		}
		f.target = json_string_value(v);
	}
	f.flows = json_array();
	f.sessions = json_array();
	json_object_set_new(r->reply, "flows", f.flows);
	json_object_set_new(r->reply, "sessions", f.sessions);
	ret = ctl_be->flows(&f, err);
	if (ret)
		return ret;
	json_object_set_new(r->reply, "total", json_integer((json_int_t)f.total));
	json_object_set_new(r->reply, "truncated", json_boolean(f.total > f.listed));
	return 0;
}
/* ---- transport ---- */

static void ctl_client_close(struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	ctl_info("control: client disconnected");
}

/* Queue text (len bytes) and a newline for c. 0 or -ENOMEM / -ENOBUFS (c must go). */
static int ctl_queue(struct ctl_client *c, const char *text, size_t len)
{
	size_t need = c->out_len - c->out_off + len + 1;

	if (need > CTL_OUT_MAX)
		return -ENOBUFS;
	if (c->out_off) { /* compact what was already written */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *o;

		while (cap < need)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o)
			return -ENOMEM;
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	return 0;
}

static void ctl_reply(struct ctl_client *c, json_t *reply)
{
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;

	if (!text || ctl_queue(c, text, strlen(text)))
		c->closing = 2; /* cannot answer: drop the client */
	free(text);
}

static void ctl_reply_error(struct ctl_client *c, json_t *id, const char *msg)
{
	json_t *r =
		json_pack("{s:i,s:O?,s:b,s:s}", "v", CTL_PROTOCOL, "id", id, "ok", 0, "error", msg);

	if (r && !id)
		json_object_set_new(r, "id", json_null());
	ctl_reply(c, r);
	json_decref(r);
}

static void ctl_request(struct ctl_client *c, const char *line, size_t len)
{
	static const struct {
		const char *name;
		int (*fn)(struct ctl_req *r, char *err);
	} ops[] = {
		{"hello", ctl_op_hello},       {"sync", ctl_op_sync},	{"update", ctl_op_update},
		{"state", ctl_op_state},       {"stats", ctl_op_stats}, {"flows", ctl_op_flows},
		{"liveness", ctl_op_liveness},
	};
	char err[CTL_ERR_MAX] = "";
	struct ctl_req r = {0};
	json_error_t jerr;
	json_t *msg, *id, *v, *op;
	unsigned int i;

	msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!msg || !json_is_object(msg)) {
		if (!msg)
			snprintf(err, sizeof(err), "not JSON (%.200s at column %d): closing",
				 jerr.text, jerr.column);
		else
			snprintf(err, sizeof(err),
				 "a request must be a JSON object, not %s: closing",
				 json_is_array(msg)    ? "an array"
				 : json_is_string(msg) ? "a string"
						       : "a scalar");
		ctl_reply_error(c, NULL, err);
		c->closing = 1;
		json_decref(msg);
		return;
	}
	id = json_object_get(msg, "id");
	v = json_object_get(msg, "v");
	op = json_object_get(msg, "op");
	if (!v || !json_is_integer(v) || json_integer_value(v) != CTL_PROTOCOL) {
		if (json_is_integer(v))
			snprintf(err, sizeof(err),
				 "unsupported protocol version %" JSON_INTEGER_FORMAT
				 " (this dataplane speaks %d)",
				 json_integer_value(v), CTL_PROTOCOL);
		else
			snprintf(err, sizeof(err), "v: %s (this dataplane speaks protocol %d)",
				 v ? "not an integer" : "missing", CTL_PROTOCOL);
		goto refuse;
	}
	if (!id) {
		snprintf(err, sizeof(err), "id: missing");
		goto refuse;
	}
	if (!json_is_string(op)) {
		snprintf(err, sizeof(err), "op: %s", op ? "not a string" : "missing");
		goto refuse;
	}
	for (i = 0; i < CTL_DIM(ops) && strcmp(ops[i].name, json_string_value(op)); i++)
		;
	if (i == CTL_DIM(ops)) {
		snprintf(err, sizeof(err),
			 "unknown op \"%.64s\" (expected hello, sync, update, state, stats, flows, "
			 "liveness)",
			 json_string_value(op));
		goto refuse;
	}
	r.msg = msg;
	r.op = ops[i].name;
	r.reply = json_pack("{s:i,s:O,s:b}", "v", CTL_PROTOCOL, "id", id, "ok", 1);
	if (!r.reply) {
		snprintf(err, sizeof(err), "%s: out of memory", r.op);
		goto refuse;
	}
	if (ops[i].fn(&r, err)) {
		json_decref(r.reply);
		if (!*err)
			snprintf(err, sizeof(err), "%s: failed", r.op);
		goto refuse;
	}
	ctl_reply(c, r.reply);
	json_decref(r.reply);
	json_decref(msg);
	return;
refuse:
	ctl_reply_error(c, id, err);
	json_decref(msg);
}

/* Write what is pending; 0, or -1 when the client is gone. */
static int ctl_flush(struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* Split c->in into lines and serve them; keep a partial last line. */
static void ctl_lines(struct ctl_client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->closing && start < c->in_len &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		size_t len = (size_t)(nl - (c->in + start));

		if (len > CTL_LINE_MAX) {
			ctl_reply_error(c, NULL, "request line longer than 4 MiB: closing");
			c->closing = 1;
			break;
		}
		if (len && c->in[start + len - 1] == '\r')
			len--;
		if (strspn(c->in + start, " \t") < len)
			ctl_request(c, c->in + start, len);
		start = (size_t)(nl - c->in) + 1;
	}
	if (!c->closing && c->in_len - start > CTL_LINE_MAX) {
		ctl_reply_error(c, NULL, "request line longer than 4 MiB: closing");
		c->closing = 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
}

static void ctl_read(struct ctl_client *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_cap - c->in_len < 65536) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 65536;
			char *p;

			if (cap > CTL_LINE_MAX + 131072)
				cap = CTL_LINE_MAX + 131072;
			if (cap <= c->in_len) { /* full: ctl_lines() refuses the line */
				ctl_lines(c);
				if (c->closing || c->in_cap - c->in_len == 0)
					return;
				continue;
			}
			p = realloc(c->in, cap);
			if (!p) {
				c->closing = 2;
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0) { /* peer done sending: answer what it sent, then close */
			if (!c->closing)
				c->closing = 1;
			return;
		}
		if (n < 0) {
			c->closing = 2;
			return;
		}
		c->in_len += (size_t)n;
		ctl_lines(c);
		if (c->closing || c->out_len - c->out_off >= CTL_OUT_READ_STOP)
			return;
	}
}

static void ctl_accept(void)
{
	unsigned int i;
	int fd;

	for (;;) {
		fd = accept4(ctl_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < CTL_MAX_CLIENTS && ctl_clients[i].fd >= 0; i++)
			;
		if (i == CTL_MAX_CLIENTS) {
			static const char msg[] = "{\"v\":1,\"id\":null,\"ok\":false,\"error\":"
						  "\"too many clients (at "
						  "most 8): closing\"}\n";

			if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0;
			close(fd);
			ctl_info("control: client refused (already %d)", CTL_MAX_CLIENTS);
			continue;
		}
		memset(&ctl_clients[i], 0, sizeof(ctl_clients[i]));
		ctl_clients[i].fd = fd;
		ctl_info("control: client connected");
	}
}

unsigned int ctl_server_pollfds(struct pollfd *pfd, unsigned int max)
{
	unsigned int n = 0, i;

	if (ctl_listen_fd < 0 || !max)
		return 0;
	pfd[n].fd = ctl_listen_fd;
	pfd[n].events = POLLIN;
	pfd[n++].revents = 0;
	for (i = 0; i < CTL_MAX_CLIENTS && n < max; i++) {
		struct ctl_client *c = &ctl_clients[i];

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = 0;
		if (!c->closing && c->out_len - c->out_off < CTL_OUT_READ_STOP)
			pfd[n].events |= POLLIN;
		if (c->out_len > c->out_off)
			pfd[n].events |= POLLOUT;
		pfd[n++].revents = 0;
	}
	return n;
}

void ctl_server_serve(const struct pollfd *pfd, unsigned int n)
{
	unsigned int i, k;

	for (k = 0; k < n; k++) {
		struct ctl_client *c = NULL;

		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == ctl_listen_fd) {
			ctl_accept();
			continue;
		}
		for (i = 0; i < CTL_MAX_CLIENTS; i++)
			if (ctl_clients[i].fd == pfd[k].fd)
				c = &ctl_clients[i];
		if (!c)
			continue;
		if (pfd[k].revents & POLLIN)
			ctl_read(c);
		else if (pfd[k].revents & (POLLHUP | POLLERR | POLLNVAL))
			c->closing = 2;
		if (c->closing != 2 && ctl_flush(c))
			c->closing = 2;
		if (c->closing == 2 || (c->closing && c->out_off >= c->out_len))
			ctl_client_close(c);
	}
}

int ctl_server_init(const struct ctl_backend *be, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	unsigned int i;
	int fd, ret;

	ctl_be = be;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_clients[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--control %s: path longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--control %s: exists and is not a socket", path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			snprintf(err, errlen,
				 "--control %s: another process is serving this socket", path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		if (unlink(path) && errno != ENOENT) { /* stale: nobody listens */
			ret = -errno;
			snprintf(err, errlen, "--control %s: removing the stale socket: %s", path,
				 strerror(-ret));
			return ret;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "--control %s: socket: %s", path, strerror(-ret));
		return ret;
	}
	old = umask(0177); /* the socket is born 0600: no window with wider access */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || chmod(path, 0600) || listen(fd, CTL_MAX_CLIENTS)) {
		ret = -errno;
		snprintf(err, errlen, "--control %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	ctl_listen_fd = fd;
	ctl_info("control: listening on %s", path);
	return 0;
}

void ctl_server_fini(void)
{
	unsigned int i;

	if (ctl_listen_fd < 0)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (ctl_clients[i].fd >= 0)
			ctl_flush(&ctl_clients[i]);
		ctl_client_close(&ctl_clients[i]);
	}
	close(ctl_listen_fd);
	ctl_listen_fd = -1;
	unlink(ctl_path);
}
