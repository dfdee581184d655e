/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_groups.c - the target_groups: section: groups, their health checks and targets.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

#include "dataplane/core/gwlb.h"

/* Index = enum flow_stick, but for the last: "source_ip" is an alias of 2-tuple. */
static const char *const stick_names[] = {"5-tuple", "3-tuple", "2-tuple", "source_ip", NULL};
/* tcp_unknown_flow: index 0 adopt, 1 reset; "forward" (2) is adopt's older name */
static const char *const unknown_flow_names[] = {"adopt", "reset", "forward", NULL};
static const char *const failover_names[] = {"no_rebalance", "rebalance", NULL};
static const char *const unhealthy_names[] = {"all_targets", "drop", "bypass", NULL};
static const char *const hc_names[] = {"tcp", "http", "https", NULL};
static const char *const udp_csum_names[] = {"verify", "ignore", NULL};

_Static_assert(FLOW_STICK_5TUPLE == 0 && FLOW_STICK_3TUPLE == 1 && FLOW_STICK_2TUPLE == 2,
	       "stick_names follows enum flow_stick");
_Static_assert(CFG_FAILOVER_NO_REBALANCE == 0 && CFG_FAILOVER_REBALANCE == 1,
	       "failover_names follows enum cfg_failover");
_Static_assert(CFG_ALL_UNHEALTHY_ALL_TARGETS == 0 && CFG_ALL_UNHEALTHY_DROP == 1 &&
		       CFG_ALL_UNHEALTHY_BYPASS == 2,
	       "unhealthy_names follows enum cfg_unhealthy_policy");
_Static_assert(GWLB_UDP_CSUM_VERIFY == 0 && GWLB_UDP_CSUM_IGNORE == 1,
	       "udp_csum_names follows enum gwlb_udp_csum");
_Static_assert(CFG_HC_TCP == 0 && CFG_HC_HTTP == 1 && CFG_HC_HTTPS == 2,
	       "hc_names follows enum cfg_hc_proto");

/* ---- target groups ---- */

static int parse_matcher(struct cfg_parser *p, const yaml_node_t *n, const char *path,
			 struct cfg_health_check *hc)
{
	const char *s, *c;
	unsigned int v[2] = {0, 0}, k = 0, digits = 0;
	int rc = cfg_scalar(p, n, path, &s);

	if (rc)
		return rc;
	for (c = s; *c; c++) {
		if (*c >= '0' && *c <= '9' && digits < 3) {
			v[k] = v[k] * 10 + (unsigned int)(*c - '0');
			digits++;
		} else if (*c == '-' && k == 0 && digits) {
			k = 1;
			digits = 0;
		} else {
			goto bad;
		}
	}
	if (!digits)
		goto bad;
	if (k == 0)
		v[1] = v[0];
	if (v[0] < CFG_HC_MATCHER_MIN || v[1] > CFG_HC_MATCHER_MAX || v[0] > v[1])
		goto bad;
	hc->matcher_lo = (uint16_t)v[0];
	hc->matcher_hi = (uint16_t)v[1];
	return 0;
bad:
	return cfg_fail(p, n, path,
			"bad HTTP status matcher \"%s\" (expected CODE or LOW-HIGH within %d-%d)",
			s, CFG_HC_MATCHER_MIN, CFG_HC_MATCHER_MAX);
}

/* ---- scopes, defaults and checks of the rows below ---- */

static const struct cfg_group *item_group(const struct cfg_item *it)
{
	return it->ctx ? it->ctx : it->obj;
}

static int item_geneve(const struct cfg_item *it)
{
	return item_group(it)->protocol == CFG_PROTO_GENEVE;
}

/* Listener (NAT) behaviour: meaningless for appliances, which see packets unchanged. */
static const char *only_listener(const struct cfg_item *it)
{
	return item_geneve(it) ? "only for tcp, udp and tcp_udp groups (listener targets); a "
				 "geneve group's appliances get packets unchanged"
			       : NULL;
}

/* Appliances send GENEVE returns; listener targets never do. */
static const char *only_geneve_returns(const struct cfg_item *it)
{
	return item_geneve(it) ? NULL
			       : "only for geneve groups (whose appliances send GENEVE returns)";
}

/* Only GENEVE appliances return what they are sent; NLB targets answer clients. */
static const char *only_geneve_passive(const struct cfg_item *it)
{
	return item_geneve(it) ? NULL
			       : "only for geneve groups (the passive check counts GENEVE returns "
				 "from appliances)";
}

static const char *only_http(const struct cfg_item *it)
{
	return item_group(it)->hc.protocol == CFG_HC_TCP ? "only for http and https health checks"
							 : NULL;
}

static const char *geneve_no_port(const struct cfg_item *it)
{
	return item_geneve(it) ? "geneve targets have no port (GENEVE goes to UDP 6081); remove it"
			       : NULL;
}

/*
 * tcp_unknown_flow: adopt for destination NAT (any node can carry a flow); reset for source
 * NAT, whose adopted flow would reach the target from a new source port (docs/nlb.md).
 */
static uint64_t unknown_flow_default(const struct cfg_item *it)
{
	return !item_group(it)->preserve_client_ip;
}

static uint64_t hc_port_default(const struct cfg_item *it)
{
	return item_geneve(it) ? CFG_HC_GENEVE_PORT : 0;
}

static uint64_t hc_interval_default(const struct cfg_item *it)
{
	return item_geneve(it) ? 10 : 30;
}

static uint64_t hc_timeout_default(const struct cfg_item *it)
{
	if (item_geneve(it))
		return 5;
	return item_group(it)->hc.protocol == CFG_HC_TCP ? 10 : 6;
}

static int check_bypass(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			const struct cfg_item *it)
{
	const struct cfg_group *g = it->obj;

	if (g->all_unhealthy == CFG_ALL_UNHEALTHY_BYPASS && g->protocol != CFG_PROTO_GENEVE)
		return cfg_fail(p, v, path, "bypass is only possible for geneve groups");
	return 0;
}

static int check_hc_port(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			 const struct cfg_item *it)
{
	if (item_geneve(it) && !item_group(it)->hc.port)
		return cfg_fail(
			p, v, path,
			"0 (the traffic port) is not possible in a geneve group: give a port");
	return 0;
}

static int parse_hc_path(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			 const struct cfg_item *it)
{
	struct cfg_health_check *hc = &((struct cfg_group *)it->obj)->hc;
	const char *s, *c;
	int rc = cfg_scalar(p, v, path, &s);

	if (rc)
		return rc;
	if (s[0] != '/')
		return cfg_fail(p, v, path, "must start with \"/\"");
	if (strlen(s) >= sizeof(hc->path))
		return cfg_fail(p, v, path, "too long (at most %zu characters)",
				sizeof(hc->path) - 1);
	for (c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return cfg_fail(p, v, path,
					"spaces and non-ASCII characters are not allowed "
					"(percent-encode them)");
	snprintf(hc->path, sizeof(hc->path), "%s", s);
	return 0;
}

static int parse_hc_matcher(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			    const struct cfg_item *it)
{
	return parse_matcher(p, v, path, &((struct cfg_group *)it->obj)->hc);
}

static int parse_target_address(struct cfg_parser *p, const yaml_node_t *v, const char *path,
				const struct cfg_item *it)
{
	return cfg_parse_host(p, v, path, item_geneve(it) ? FAM4 : FAM_ANY,
			      &((struct cfg_target *)it->obj)->address);
}

static int check_target_zone(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			     const struct cfg_item *it)
{
	return cfg_check_zone(p, v, path, ((const struct cfg_target *)it->obj)->zone);
}

/* ---- the key tables ---- */

/* stickiness: "source_ip" is an alias of 2-tuple */
static const int stick_values[] = {FLOW_STICK_5TUPLE, FLOW_STICK_3TUPLE, FLOW_STICK_2TUPLE,
				   FLOW_STICK_2TUPLE};
/* tcp_unknown_flow -> cfg_group.tcp_unknown_reset; "forward" is adopt's older name */
static const int unknown_flow_values[] = {0, 1, 0};

#define G struct cfg_group
#define R CFG_RELOAD_RESTART
/*
 * A group's keys. The dataplanes read the RESTART ones from their own config (a reload may not
 * change them); the health check and the deregistration delay are the daemon's.
 */
const struct cfg_key cfg_group_keys[] = {
	{K_NAME("name", G, name, R), .flags = CFG_K_REQUIRED | CFG_K_UNIQUE,
	 .what = "target group name"},
	{K_ENUM("protocol", G, protocol, cfg_proto_names, 0, R), .flags = CFG_K_REQUIRED},
	{K_ENUM("stickiness", G, stickiness, stick_names, FLOW_STICK_5TUPLE, R),
	 .values = stick_values},
	{K_BOOL("cross_zone", G, cross_zone, 0, R)},
	{K_ENUM("target_failover", G, failover, failover_names, CFG_FAILOVER_NO_REBALANCE, R)},
	{K_UINT("deregistration_delay", G, deregistration_delay, 0, CFG_DEREG_MAX,
		CFG_DEREG_DEFAULT, CFG_RELOAD_LIVE)},
	{K_BOOL("connection_termination", G, terminate_on_deregistration, 0, R)},
	{K_ENUM("all_unhealthy", G, all_unhealthy, unhealthy_names, CFG_ALL_UNHEALTHY_ALL_TARGETS,
		R),
	 .check = check_bypass},
	{K_UINT("tcp_idle_timeout", G, tcp_idle_timeout, CFG_IDLE_MIN, CFG_IDLE_MAX,
		CFG_TCP_IDLE_DEFAULT, R)},
	{K_UINT("other_idle_timeout", G, other_idle_timeout, CFG_IDLE_MIN, CFG_IDLE_MAX,
		CFG_OTHER_IDLE_DEFAULT, R)},
	{K_CODE("health_check", CFG_RELOAD_RECHECK)}, /* cfg_hc_keys */
	{K_CODE("targets", CFG_RELOAD_LIVE)},	      /* cfg_target_keys */
	{K_BOOL("preserve_client_ip", G, preserve_client_ip, 1, R), .scope = only_listener},
	{K_ENUM("tcp_unknown_flow", G, tcp_unknown_reset, unknown_flow_names, 0, R),
	 .values = unknown_flow_values, .def_fn = unknown_flow_default, .scope = only_listener},
	{K_ENUM("geneve_udp_checksum", G, geneve_udp_checksum, udp_csum_names, GWLB_UDP_CSUM_VERIFY,
		R),
	 .scope = only_geneve_returns},
	CFG_KEYS_END,
};

/* health_check: offsets in struct cfg_group; a change restarts the target's checks */
#define C CFG_RELOAD_RECHECK
const struct cfg_key cfg_hc_keys[] = {
	{K_ENUM("protocol", G, hc.protocol, hc_names, CFG_HC_TCP, C)},
	{K_UINT("port", G, hc.port, 0, 65535, 0, C), .def_fn = hc_port_default,
	 .check = check_hc_port},
	{K_FUNC("path", G, hc.path, parse_hc_path, C), .scope = only_http},
	{K_UINT("interval", G, hc.interval, CFG_HC_INTERVAL_MIN, CFG_HC_INTERVAL_MAX, 0, C),
	 .def_fn = hc_interval_default},
	{K_UINT("timeout", G, hc.timeout, CFG_HC_TIMEOUT_MIN, CFG_HC_TIMEOUT_MAX, 0, C),
	 .def_fn = hc_timeout_default},
	{K_UINT("healthy_threshold", G, hc.healthy_threshold, CFG_HC_THRESHOLD_MIN,
		CFG_HC_THRESHOLD_MAX, 5, C)},
	{K_UINT("unhealthy_threshold", G, hc.unhealthy_threshold, CFG_HC_THRESHOLD_MIN,
		CFG_HC_THRESHOLD_MAX, 2, C)},
	/* matcher_lo and matcher_hi, side by side */
	{.name = "matcher",
	 .type = CK_FUNC,
	 .reload = C,
	 .off = offsetof(G, hc.matcher_lo),
	 .size = 2 * sizeof(uint16_t),
	 .parse = parse_hc_matcher,
	 .scope = only_http},
	/* read by sluiced at each poll: applied without restarting the checks */
	{K_UINT("passive_min_packets", G, hc.passive_min_packets, 0, CFG_HC_PASSIVE_PACKETS_MAX, 0,
		CFG_RELOAD_LIVE),
	 .scope = only_geneve_passive},
	{K_UINT("passive_window", G, hc.passive_window, CFG_HC_PASSIVE_WINDOW_MIN,
		CFG_HC_PASSIVE_WINDOW_MAX, CFG_HC_PASSIVE_WINDOW_DEF, CFG_RELOAD_LIVE),
	 .scope = only_geneve_passive},
	CFG_KEYS_END,
};
#undef C
#undef G

/* A target's keys (ctx: its group); the daemon applies changes (ctrl/targets_reload.c). */
#define T struct cfg_target
#define L CFG_RELOAD_LIVE
static const struct cfg_key cfg_target_keys[] = {
	{K_NAME("id", T, id, L), .flags = CFG_K_REQUIRED | CFG_K_UNIQUE, .what = "target id"},
	{K_FUNC("address", T, address, parse_target_address, L), .flags = CFG_K_REQUIRED},
	/* absent or 0: the packet's destination port */
	{K_UINT("port", T, port, 0, 65535, 0, L), .scope = geneve_no_port},
	{K_NAME("zone", T, zone, L), .flags = CFG_K_REQUIRED, .check = check_target_zone},
	{K_UINT("weight", T, weight, 0, CFG_WEIGHT_MAX, 1, L)},
	{K_ENUM("state", T, state, cfg_state_names, CFG_TS_HEALTHY, L)},
	CFG_KEYS_END,
};
#undef L
#undef T
#undef R

/* ---- groups and targets ---- */

/* The timeout of a health check is shorter than its interval. */
static int check_hc_timing(struct cfg_parser *p, yaml_node_t *m, const char *path,
			   const struct cfg_health_check *hc)
{
	char kp[CFG_PATH_MAX];
	yaml_node_t *tv = m ? cfg_map_get(p, m, "timeout") : NULL;

	if (hc->timeout < hc->interval)
		return 0;
	if (tv)
		return cfg_fail(p, tv, cfg_path_key(kp, path, "timeout"),
				"%u must be less than the interval (%u)", hc->timeout,
				hc->interval);
	return cfg_fail(p, cfg_map_get(p, m, "interval"), cfg_path_key(kp, path, "interval"),
			"%u must be greater than the timeout (%u by default; set timeout)",
			hc->interval, hc->timeout);
}

/* After a target's keys: no two targets of a group share an address (geneve) or an address
 * and port. */
static int check_target_unique(struct cfg_parser *p, yaml_node_t *m, const char *path,
			       const struct cfg_item *it)
{
	const struct cfg_group *g = it->ctx;
	const struct cfg_target *t = it->obj;
	yaml_node_t *addr_node = cfg_map_get(p, m, "address"), *v = cfg_map_get(p, m, "port");
	char kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	unsigned int j;

	for (j = 0; j < it->idx; j++) {
		if (!cfg_addr_eq(&g->targets[j].address, &t->address) ||
		    g->targets[j].port != t->port)
			continue;
		cfg_addr_str(&t->address, buf, sizeof(buf));
		if (g->protocol == CFG_PROTO_GENEVE)
			return cfg_fail(p, addr_node, cfg_path_key(kp, path, "address"),
					"%s is already target \"%s\"", buf, g->targets[j].id);
		if (!t->port)
			return cfg_fail(p, v ? v : addr_node,
					cfg_path_key(kp, path, v ? "port" : "address"),
					"%s without a port (0) is already target \"%s\"", buf,
					g->targets[j].id);
		return cfg_fail(p, v, cfg_path_key(kp, path, "port"),
				"%s port %u is already target \"%s\"", buf, t->port,
				g->targets[j].id);
	}
	return 0;
}

static int parse_targets(struct cfg_parser *p, yaml_node_t *v, const char *path,
			 struct cfg_group *g)
{
	int rc = cfg_expect_seq(p, v, path);

	if (!rc && cfg_seq_len(v) > CFG_GROUP_TARGETS_MAX)
		return cfg_fail(p, v, path, "too many targets (%zu, at most %d per group)",
				cfg_seq_len(v), CFG_GROUP_TARGETS_MAX);
	return rc ? rc
		  : cfg_parse_list(
			    p, v, path, cfg_target_keys,
			    CFG_LIST(g->targets, g->n_targets, "targets", g, check_target_unique));
}

/* After a group's keys: its health check and its targets. */
static int parse_group_rest(struct cfg_parser *p, yaml_node_t *m, const char *path,
			    const struct cfg_item *it)
{
	struct cfg_group *g = it->obj;
	char kp[CFG_PATH_MAX];
	yaml_node_t *hm, *v;
	int rc;

	snprintf(g->hc.path, sizeof(g->hc.path), "/");
	g->hc.matcher_lo = 200;
	g->hc.matcher_hi = 399;
	hm = cfg_map_get(p, m, "health_check");
	cfg_path_key(kp, path, "health_check");
	rc = cfg_keys_parse(p, hm, kp, cfg_hc_keys, it);
	if (!rc)
		rc = check_hc_timing(p, hm, kp, &g->hc);
	if (rc)
		return rc;
	v = cfg_map_get(p, m, "targets");
	return v ? parse_targets(p, v, cfg_path_key(kp, path, "targets"), g) : 0;
}

int cfg_parse_groups(struct cfg_parser *p, yaml_node_t *n)
{
	return cfg_parse_list(p, n, "target_groups", cfg_group_keys,
			      CFG_LIST(p->cfg->groups, p->cfg->n_groups, "target_groups", NULL,
				       parse_group_rest));
}
