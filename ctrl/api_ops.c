/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_ops.c - the operations of sluiced's API (docs/daemon.md "API"): each op's members
 * (unknown, missing or mistyped ones are refused by name before anything is done) and its
 * reply. flows and counters are proxied to a dataplane through api.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctrl/announce.h"
#include "ctrl/api_priv.h"
#include "ctrl/dpconn.h"
#include "ctrl/jsonl.h"
#include "ctrl/log.h"
#include "ctrl/targets.h"

#ifndef SL_VERSION
#define SL_VERSION "0.1.0"
#endif

/* --- request validation --- */

enum api_type { T_STR, T_INT };

struct api_member {
	const char *name;
	enum api_type type;
	int required;
};

typedef json_t *(*api_op_fn)(struct api_req *r, json_t *req);

struct api_op {
	const char *name;
	api_op_fn fn;
	struct api_member m[6];
};

static json_t *op_status(struct api_req *r, json_t *req);
static json_t *op_targets(struct api_req *r, json_t *req);
static json_t *op_register(struct api_req *r, json_t *req);
static json_t *op_admin(struct api_req *r, json_t *req);
static json_t *op_reload(struct api_req *r, json_t *req);
static json_t *op_flows(struct api_req *r, json_t *req);
static json_t *op_counters(struct api_req *r, json_t *req);
static json_t *op_listeners(struct api_req *r, json_t *req);
static json_t *op_attachments(struct api_req *r, json_t *req);
static json_t *op_dataplanes(struct api_req *r, json_t *req);
static json_t *op_node(struct api_req *r, json_t *req);

static const struct api_op api_ops[] = {
	{"status", op_status, {{NULL}}},
	{"targets", op_targets, {{"group", T_STR, 0}}},
	{"register",
	 op_register,
	 {{"group", T_STR, 1},
	  {"target", T_STR, 1},
	  {"address", T_STR, 1},
	  {"zone", T_STR, 0},
	  {"port", T_INT, 0},
	  {"weight", T_INT, 0}}},
	{"deregister", op_admin, {{"group", T_STR, 1}, {"target", T_STR, 1}}},
	{"drain", op_admin, {{"group", T_STR, 1}, {"target", T_STR, 1}}},
	{"undrain", op_admin, {{"group", T_STR, 1}, {"target", T_STR, 1}}},
	{"reload", op_reload, {{NULL}}},
	{"flows",
	 op_flows,
	 {{"limit", T_INT, 0}, {"group", T_STR, 0}, {"target", T_STR, 0}, {"dataplane", T_STR, 0}}},
	{"counters", op_counters, {{"dataplane", T_STR, 0}}},
	{"listeners", op_listeners, {{NULL}}},
	{"attachments", op_attachments, {{NULL}}},
	{"dataplanes", op_dataplanes, {{NULL}}},
	{"node", op_node, {{NULL}}},
	{"node_drain", op_node, {{NULL}}},
	{"node_undrain", op_node, {{NULL}}},
};

static const struct api_member *member_find(const struct api_op *op, const char *key)
{
	unsigned int i;

	for (i = 0; i < sizeof(op->m) / sizeof(op->m[0]) && op->m[i].name; i++)
		if (!strcmp(op->m[i].name, key))
			return &op->m[i];
	return NULL;
}

/* NULL when req fits op's members, else the error reply. */
static json_t *members_check(const struct api_op *op, json_t *req, json_t *id)
{
	const struct api_member *m;
	const char *key;
	unsigned int i;
	json_t *v;

	json_object_foreach(req, key, v)
	{
		if (!strcmp(key, "v") || !strcmp(key, "id") || !strcmp(key, "op"))
			continue;
		m = member_find(op, key);
		if (!m)
			return jsonl_error(id, "%s: unknown member \"%s\"", op->name, key);
		if (m->type == T_STR && !json_is_string(v))
			return jsonl_error(id, "%s: %s: expected a string", op->name, key);
		if (m->type == T_INT && !json_is_integer(v))
			return jsonl_error(id, "%s: %s: expected an integer", op->name, key);
	}
	for (i = 0; i < sizeof(op->m) / sizeof(op->m[0]) && op->m[i].name; i++)
		if (op->m[i].required && !json_object_get(req, op->m[i].name))
			return jsonl_error(id, "%s: missing member \"%s\"", op->name,
					   op->m[i].name);
	return NULL;
}

const char *api_str_member(json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key)); /* NULL when absent */
}

/* --- the operations (members already checked) --- */

json_t *api_with(json_t *reply, const char *key, json_t *value)
{
	if (!reply || !value || json_object_set_new(reply, key, value))
		log_fatal("out of memory");
	return reply;
}

static json_t *op_status(struct api_req *r, json_t *req)
{
	const struct config *cfg = targets_config();
	json_t *reply = jsonl_ok(r->id), *dps = dpconn_status_json();

	(void)req;
	api_with(reply, "version", json_string(SL_VERSION));
	api_with(reply, "config", json_string(cfg->path));
	api_with(reply, "uptime_s", json_integer((json_int_t)(time(NULL) - api_started())));
	api_with(reply, "zone", json_string(cfg->node.zone));
	api_with(reply, "dataplanes", json_incref(json_object_get(dps, "dataplanes")));
	json_decref(dps);
	return reply;
}

static json_t *op_targets(struct api_req *r, json_t *req)
{
	char err[256];
	json_t *list = targets_list_json(api_str_member(req, "group"), err, sizeof(err));

	if (!list)
		return jsonl_error(r->id, "targets: %s", err);
	return api_with(jsonl_ok(r->id), "targets", list);
}

/* An integer member within [lo, hi], or def when absent. 0, or -ERANGE with the reply set. */
static int int_member(struct api_req *r, json_t *req, const char *key, json_int_t lo, json_int_t hi,
		      int def, int *out, json_t **reply)
{
	json_t *v = json_object_get(req, key);

	*out = def;
	if (!v)
		return 0;
	if (json_integer_value(v) < lo || json_integer_value(v) > hi) {
		*reply = jsonl_error(r->id,
				     "%s: %s: %" JSON_INTEGER_FORMAT
				     " out of range (%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT
				     ")",
				     r->op, key, json_integer_value(v), lo, hi);
		return -ERANGE;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static json_t *op_register(struct api_req *r, json_t *req)
{
	json_t *target = NULL, *reply = NULL;
	int port, weight;
	char err[256];

	if (int_member(r, req, "port", 0, 65535, 0, &port, &reply) ||
	    int_member(r, req, "weight", 0, 1000, 1, &weight, &reply))
		return reply;
	if (targets_register(api_str_member(req, "group"), api_str_member(req, "target"),
			     api_str_member(req, "address"), api_str_member(req, "zone"), port,
			     weight, &target, err, sizeof(err)))
		return jsonl_error(r->id, "register: %s", err);
	return api_with(jsonl_ok(r->id), "target", target);
}

static json_t *op_admin(struct api_req *r, json_t *req)
{
	const char *group = api_str_member(req, "group"), *id = api_str_member(req, "target");
	json_t *target = NULL;
	char err[256];
	int rc;

	if (!strcmp(r->op, "deregister"))
		rc = targets_deregister(group, id, &target, err, sizeof(err));
	else if (!strcmp(r->op, "drain"))
		rc = targets_drain(group, id, &target, err, sizeof(err));
	else
		rc = targets_undrain(group, id, &target, err, sizeof(err));
	if (rc)
		return jsonl_error(r->id, "%s: %s", r->op, err);
	return api_with(jsonl_ok(r->id), "target", target);
}

static json_t *op_reload(struct api_req *r, json_t *req)
{
	json_t *changes = NULL, *reply;
	char err[1024];

	(void)req;
	if (api_reloader()(&changes, err, sizeof(err)))
		return jsonl_error(r->id, "reload: %s", err);
	reply = jsonl_ok(r->id);
	if (!reply || json_object_update(reply, changes))
		log_fatal("out of memory");
	json_decref(changes);
	return reply;
}

static json_t *op_dataplanes(struct api_req *r, json_t *req)
{
	json_t *reply = jsonl_ok(r->id), *dps = dpconn_status_json();

	(void)req;
	api_with(reply, "dataplanes", json_incref(json_object_get(dps, "dataplanes")));
	json_decref(dps);
	return reply;
}

/* node, node_drain, node_undrain: the node object (docs/daemon.md "Node states"). */
static json_t *op_node(struct api_req *r, json_t *req)
{
	json_t *node = NULL;
	char err[256];
	int rc = 0;

	(void)req;
	if (!strcmp(r->op, "node_drain"))
		rc = announce_drain(&node, err, sizeof(err));
	else if (!strcmp(r->op, "node_undrain"))
		rc = announce_undrain(&node, err, sizeof(err));
	else
		node = announce_json();
	if (rc)
		return jsonl_error(r->id, "%s: %s", r->op, err);
	return api_with(jsonl_ok(r->id), "node", node);
}

/* The first connected dataplane with polled stats: its index, or -1. */
static int stats_source(void)
{
	unsigned int i;

	for (i = 0; i < dpconn_count(); i++)
		if (dpconn_connected(i) && dpconn_last_stats(i))
			return (int)i;
	return -1;
}

static json_t *counters_of(json_t *stats, const char *section, const char *name)
{
	json_t *v = json_object_get(json_object_get(stats, section), name);

	return v ? json_deep_copy(v) : json_null();
}

static json_t *op_listeners(struct api_req *r, json_t *req)
{
	const struct config *cfg = targets_config();
	int src = stats_source();
	json_t *stats = src < 0 ? NULL : dpconn_last_stats((unsigned int)src);
	json_t *list = json_array(), *reply = jsonl_ok(r->id);
	static const char *const lproto[] = {"", "tcp", "udp", "tcp_udp"};
	unsigned int i;

	(void)req;
	if (!list)
		log_fatal("out of memory");
	for (i = 0; i < cfg->n_listeners; i++) {
		const struct cfg_listener *l = &cfg->listeners[i];

		json_array_append_new(
			list,
			json_pack("{s:s,s:s,s:i,s:s,s:o,s:o}", "name", l->name, "protocol",
				  lproto[l->protocol & 3], "port", (int)l->port, "group",
				  cfg->groups[l->group].name, "inspect",
				  l->inspect < 0 ? json_null()
						 : json_string(cfg->inspections[l->inspect].name),
				  "counters", counters_of(stats, "listeners", l->name)));
	}
	api_with(reply, "listeners", list);
	return api_with(reply, "dataplane",
			src < 0 ? json_null() : json_string(dpconn_socket((unsigned int)src)));
}

/* An attachment's counters: per group of its chain, the sums over the group's targets. */
static json_t *chain_counters(json_t *stats, const struct config *cfg,
			      const struct cfg_inspection *in)
{
	static const char *const keys[] = {"packets", "bytes", "new_flows"};
	json_t *out, *g, *t, *sum;
	const char *name;
	unsigned int k, i;

	if (!stats)
		return json_null();
	out = json_object();
	for (k = 0; out && k < in->n_chain; k++) {
		g = json_object_get(json_object_get(stats, "targets"),
				    cfg->groups[in->chain[k]].name);
		sum = json_pack("{s:I,s:I,s:I}", keys[0], (json_int_t)0, keys[1], (json_int_t)0,
				keys[2], (json_int_t)0);
		json_object_foreach(g, name, t)
		{
			for (i = 0; i < 3; i++)
				json_object_set_new(
					sum, keys[i],
					json_integer(
						json_integer_value(json_object_get(sum, keys[i])) +
						json_integer_value(json_object_get(t, keys[i]))));
		}
		json_object_set_new(out, cfg->groups[in->chain[k]].name, sum);
	}
	return out;
}

static json_t *op_attachments(struct api_req *r, json_t *req)
{
	const struct config *cfg = targets_config();
	int src = stats_source();
	json_t *stats = src < 0 ? NULL : dpconn_last_stats((unsigned int)src);
	json_t *list = json_array(), *reply = jsonl_ok(r->id), *from, *chain;
	unsigned int i, k;

	(void)req;
	if (!list)
		log_fatal("out of memory");
	for (i = 0; i < cfg->n_inspections; i++) {
		const struct cfg_inspection *in = &cfg->inspections[i];

		from = json_array();
		chain = json_array();
		for (k = 0; k < in->n_from; k++)
			json_array_append_new(from, json_string(cfg->ports[in->from[k]].name));
		for (k = 0; k < in->n_chain; k++)
			json_array_append_new(chain, json_string(cfg->groups[in->chain[k]].name));
		/* 64-bit IDs as hex strings: JSON readers lose precision above 2^53 */
		json_array_append_new(
			list,
			json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "name", in->name, "endpoint_id",
				  json_sprintf("0x%016" PRIx64, in->endpoint_id), "attachment_id",
				  json_sprintf("0x%016" PRIx64, in->attachment_id), "from", from,
				  "chain", chain, "counters", chain_counters(stats, cfg, in)));
	}
	api_with(reply, "attachments", list);
	return api_with(reply, "dataplane",
			src < 0 ? json_null() : json_string(dpconn_socket((unsigned int)src)));
}

/* --- proxied operations --- */

static json_t *op_flows(struct api_req *r, json_t *req)
{
	json_t *dreq = json_pack("{s:s}", "op", "flows"), *reply = NULL;
	const char *s;
	int limit;

	if (int_member(r, req, "limit", 1, 10000, 100, &limit, &reply)) {
		json_decref(dreq);
		return reply;
	}
	api_with(dreq, "limit", json_integer(limit));
	if ((s = api_str_member(req, "group")))
		api_with(dreq, "group", json_string(s));
	if ((s = api_str_member(req, "target")))
		api_with(dreq, "target", json_string(s));
	return api_proxy(r, req, dreq);
}

static json_t *op_counters(struct api_req *r, json_t *req)
{
	return api_proxy(r, req, json_pack("{s:s}", "op", "stats"));
}

json_t *api_ops_run(struct api_req *r, json_t *req)
{
	const char *opname = json_string_value(json_object_get(req, "op"));
	const struct api_op *op = NULL;
	json_t *reply;
	unsigned int i;

	for (i = 0; i < sizeof(api_ops) / sizeof(api_ops[0]); i++)
		if (!strcmp(api_ops[i].name, opname))
			op = &api_ops[i];
	if (!op)
		return jsonl_error(r->id, "unknown op \"%s\"", opname);
	snprintf(r->op, sizeof(r->op), "%s", op->name);
	reply = members_check(op, req, r->id);
	if (reply)
		return reply;
	log_dbg("api: %s", op->name);
	return op->fn(r, req);
}
