/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_listeners.c - the listeners: section: NLB listeners on this node's zone IP.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

/* ---- listeners ---- */

/* "tcp port 443", "udp (all ports)": one protocol of a claim, for messages. */
static const char *claim_str(unsigned int proto_bit, uint16_t port, char *buf, size_t len)
{
	const char *proto = proto_bit == CFG_LPROTO_TCP ? "tcp" : "udp";

	if (port)
		snprintf(buf, len, "%s port %u", proto, port);
	else
		snprintf(buf, len, "%s (all ports)", proto);
	return buf;
}

/* 1..65535, or "all" (every port) -> 0. */
static int parse_listener_port(struct cfg_parser *p, const yaml_node_t *n, const char *path,
			       uint16_t *out)
{
	const char *s;
	uint64_t u;
	int rc = cfg_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (!strcmp(s, "all")) {
		*out = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return cfg_fail(p, n, path, "expected a port (1..65535) or all, got \"%s\"", s);
	rc = cfg_parse_u64(p, n, path, &u);
	if (rc)
		return rc;
	if (u < 1 || u > 65535)
		return cfg_fail(p, n, path,
				"%" PRIu64 " is out of range (1..65535; every port: all)", u);
	*out = (uint16_t)u;
	return 0;
}

/*
 * The listeners serve this node's zone IP: zones: must be given (node.zone is then one of its
 * keys), and the address must be a port's own or inside a port's connected subnet.
 */
static int check_listener_zone(struct cfg_parser *p, yaml_node_t *root, yaml_node_t *lkey)
{
	struct config *cfg = p->cfg;
	char kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	const struct cfg_zone *z;
	int zi;

	if (!cfg->n_zones)
		return cfg_fail(p, lkey, "listeners",
				"listeners need zones: (they serve this node's zone IP); give "
				"zones with the address of node.zone \"%s\"",
				cfg->node.zone);
	zi = cfg_name_index(CFG_REF(cfg->zones, cfg->n_zones), cfg->node.zone);
	if (zi < 0) /* cfg_check_zone refused it already */
		return cfg_fail(p, lkey, "listeners", "node.zone \"%s\" is not in zones",
				cfg->node.zone);
	z = &cfg->zones[zi];
	if (cfg_port_with_addr(cfg, cfg->n_ports, &z->address, NULL) >= 0 ||
	    cfg_addr_on_link(cfg, &z->address))
		return 0;
	cfg_path_key(kp, "zones", z->name);
	return cfg_fail(p, cfg_map_get(p, cfg_map_get(p, root, "zones"), z->name), kp,
			"%s is this node's zone IP, which the listeners serve: it must be an "
			"address of a port or inside a port's connected subnet",
			cfg_addr_str(&z->address, buf, sizeof(buf)));
}

/*
 * The listener's group: tcp, udp or tcp_udp, covering the listener's protocol, and (NAT does
 * not translate between IPv4 and IPv6) with targets of the zone IP's family only.
 */
static int check_listener_group(struct cfg_parser *p, const yaml_node_t *n, const char *path,
				const struct cfg_listener *l)
{
	const struct config *cfg = p->cfg;
	const struct cfg_group *g = &cfg->groups[l->group];
	const struct cfg_addr *zip =
		&cfg->zones[cfg_name_index(CFG_REF(cfg->zones, cfg->n_zones), cfg->node.zone)]
			 .address;
	char buf[INET6_ADDRSTRLEN], zbuf[INET6_ADDRSTRLEN];
	unsigned int i;

	if (g->protocol == CFG_PROTO_GENEVE)
		return cfg_fail(p, n, path,
				"target group \"%s\" is a geneve group (appliances, for "
				"inspection); a listener needs a tcp, udp or tcp_udp group",
				g->name);
	if (((unsigned int)g->protocol & l->protocol) != l->protocol)
		return cfg_fail(p, n, path, "a %s listener needs a %s group; \"%s\" is a %s group",
				cfg_lproto_names[l->protocol - 1],
				l->protocol == CFG_LPROTO_TCP	? "tcp or tcp_udp"
				: l->protocol == CFG_LPROTO_UDP ? "udp or tcp_udp"
								: "tcp_udp",
				g->name, cfg_proto_names[g->protocol]);
	for (i = 0; i < g->n_targets; i++)
		if (g->targets[i].address.family != zip->family)
			return cfg_fail(p, n, path,
					"target \"%s\" of group \"%s\" (%s) is not of the "
					"family of the zone IP %s (no translation between IPv4 "
					"and IPv6)",
					g->targets[i].id, g->name,
					cfg_addr_str(&g->targets[i].address, buf, sizeof(buf)),
					cfg_addr_str(zip, zbuf, sizeof(zbuf)));
	return 0;
}

/* The port, and no earlier listener claims one of its protocols on it. */
static int parse_port_claim(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			    const struct cfg_item *it)
{
	const struct cfg_listener *ls = p->cfg->listeners;
	struct cfg_listener *l = it->obj;
	char b1[64];
	unsigned int j, bit;
	int rc = parse_listener_port(p, v, path, &l->port);

	if (rc)
		return rc;
	for (j = 0; j < it->idx; j++) {
		bit = (unsigned int)(ls[j].protocol & l->protocol);
		if (!bit || ls[j].port != l->port)
			continue;
		bit = bit & CFG_LPROTO_TCP ? CFG_LPROTO_TCP : CFG_LPROTO_UDP;
		return cfg_fail(p, v, path, "%s is already taken by listener \"%s\" (%s)",
				claim_str(bit, l->port, b1, sizeof(b1)), ls[j].name,
				cfg_lproto_names[ls[j].protocol - 1]);
	}
	return 0;
}

static int parse_target_group(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			      const struct cfg_item *it)
{
	struct cfg_listener *l = it->obj;
	int i, rc = cfg_parse_ref(p, v, path, CFG_REF(p->cfg->groups, p->cfg->n_groups),
				  "target group", &i);

	if (rc)
		return rc;
	l->group = (unsigned int)i;
	return check_listener_group(p, v, path, l);
}

static int parse_inspect(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			 const struct cfg_item *it)
{
	return cfg_parse_ref(p, v, path, CFG_REF(p->cfg->inspections, p->cfg->n_inspections),
			     "inspection attachment", &((struct cfg_listener *)it->obj)->inspect);
}

static const int lproto_values[] = {CFG_LPROTO_TCP, CFG_LPROTO_UDP, CFG_LPROTO_TCP_UDP};

/* A listener's keys: a reload compares them whole (ctrl/targets_reload.c). */
#define L struct cfg_listener
#define R CFG_RELOAD_RESTART
static const struct cfg_key listener_keys[] = {
	{K_NAME("name", L, name, R), .flags = CFG_K_REQUIRED | CFG_K_UNIQUE,
	 .what = "listener name"},
	{K_ENUM("protocol", L, protocol, cfg_lproto_names, 0, R), .flags = CFG_K_REQUIRED,
	 .values = lproto_values},
	{K_FUNC("port", L, port, parse_port_claim, R), .flags = CFG_K_REQUIRED},
	{K_FUNC("target_group", L, group, parse_target_group, R), .flags = CFG_K_REQUIRED},
	/* absent: -1, not inspected */
	{K_FUNC("inspect", L, inspect, parse_inspect, R), .flags = CFG_K_DEFAULT,
	 .def = (uint64_t)-1},
	CFG_KEYS_END,
};
#undef R
#undef L

int cfg_parse_listeners(struct cfg_parser *p, yaml_node_t *root)
{
	struct config *cfg = p->cfg;
	yaml_node_t *n = cfg_map_get(p, root, "listeners"), *lkey = NULL;
	yaml_node_pair_t *pair;
	int rc;

	if (!n)
		return 0;
	rc = cfg_expect_seq(p, n, "listeners");
	if (rc || !cfg_seq_len(n))
		return rc;
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++)
		if (!strcmp(cfg_pair_key(p, pair), "listeners"))
			lkey = cfg_get_node(p, pair->key);
	rc = check_listener_zone(p, root, lkey);
	return rc ? rc
		  : cfg_parse_list(
			    p, n, "listeners", listener_keys,
			    CFG_LIST(cfg->listeners, cfg->n_listeners, "listeners", NULL, NULL));
}
