/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_ops.c - the ops of the control protocol that read (docs/protocol.md): hello, state,
 * stats, liveness and flows, with the entries of the flows listing the backends fill
 * (ctl_flows_*, ctl_server.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "dataplane/lib/ctl_priv.h"

#ifndef SL_VERSION
#define SL_VERSION "0.0.0"
#endif

#define CTL_FLOWS_DEFAULT 100
#define CTL_FLOWS_MAX	  10000

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
			      ctl_ip_str(t->family, t->addr16, buf, sizeof(buf)), "port", t->port,
			      "zone", t->zone, "weight", (json_int_t)t->weight, "state",
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
	uint64_t now = ctl_be->now_us();
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

/* ---- flows ---- */

const char *ctl_ip_str(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
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

void ctl_flows_add_pin(struct ctl_flows *f, const struct rt_state *s, const struct gwlb_pin_key *k,
		       uint64_t val)
{
	const struct rt_group *g;
	const struct rt_target *t;

	if (k->group >= s->n_groups || (k->fk.family != 4 && k->fk.family != 6))
		return;
	g = &s->groups[k->group];
	t = rt_pin_target(g, gwlb_pin_tag(val));
	if (ctl_flows_take(f, k->group, t))
		ctl_flows_add_flow(f, g, t, &k->fk, gwlb_pin_seen_us(val));
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
	f.now = ctl_be->now_us();
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

const struct ctl_op ctl_read_ops[] = {
	{"hello", ctl_op_hello},       {"state", ctl_op_state}, {"stats", ctl_op_stats},
	{"liveness", ctl_op_liveness}, {"flows", ctl_op_flows}, {NULL, NULL},
};
