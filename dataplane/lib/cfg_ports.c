/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_ports.c - the ports:, routes: and neighbors: sections, and the lookups of
 * addresses on ports other sections use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

/* ---- ports ---- */

/* Index of the port holding address a (any plen), or -1; *ai gets the address index. */
int cfg_port_with_addr(const struct config *cfg, unsigned int n_ports, const struct cfg_addr *a,
		       unsigned int *ai)
{
	unsigned int i, j;

	for (i = 0; i < n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++)
			if (cfg_addr_eq(&cfg->ports[i].addrs[j], a)) {
				if (ai)
					*ai = j;
				return (int)i;
			}
	return -1;
}

/* a is inside a port's connected subnet. */
int cfg_addr_on_link(const struct config *cfg, const struct cfg_addr *a)
{
	unsigned int i, j;

	for (i = 0; i < cfg->n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++)
			if (cfg_addr_in(a, &cfg->ports[i].addrs[j], cfg->ports[i].addrs[j].plen))
				return 1;
	return 0;
}

/* Copy src to dst (CFG_DEVICE_MAX), every @DIR@ replaced by dir; -1 if too long. */
int cfg_subst_dir(const char *src, const char *dir, char *dst)
{
	size_t off = 0, tl = strlen(CFG_DIR_TOKEN), dl = strlen(dir);

	while (*src) {
		const char *piece = src;
		size_t len = 1;

		if (!strncmp(src, CFG_DIR_TOKEN, tl)) {
			piece = dir;
			len = dl;
			src += tl;
		} else {
			src++;
		}
		if (off + len >= CFG_DEVICE_MAX)
			return -1;
		memcpy(dst + off, piece, len);
		off += len;
	}
	dst[off] = '\0';
	return 0;
}

/*
 * A Linux interface name sluice-dp creates (kernel_interface): 1..CFG_IFNAME_MAX-1 characters
 * out of letters, digits and "-_." (the kernel refuses "/", ":" and whitespace; "." and ".."
 * name directories in /sys/class/net).
 */
static int parse_ifname(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst)
{
	int rc = cfg_parse_word(p, n, path, dst, CFG_IFNAME_MAX, "-_.", "interface name");

	if (!rc && (!strcmp(dst, ".") || !strcmp(dst, "..")))
		return cfg_fail(p, n, path, "\"%s\" is not a valid interface name", dst);
	return rc;
}

static int parse_device(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			const struct cfg_item *it)
{
	const struct cfg_port *ports = p->cfg->ports;
	struct cfg_port *port = it->obj;
	const char *s;
	unsigned int j;
	int rc = cfg_scalar(p, v, path, &s);

	if (rc)
		return rc;
	if (cfg_subst_dir(s, p->dir, port->device))
		return cfg_fail(p, v, path,
				"too long (at most %d characters after @DIR@ is replaced)",
				CFG_DEVICE_MAX - 1);
	for (j = 0; j < it->idx; j++)
		if (!strcmp(ports[j].device, port->device))
			return cfg_fail(p, v, path, "device \"%s\" is already used by port \"%s\"",
					port->device, ports[j].name);
	return 0;
}

/* A port's own address: unicast, once on the port, on no earlier port (ctx: the item). */
static int check_port_addr(struct cfg_parser *p, const yaml_node_t *e, const char *ip,
			   const struct cfg_addr *all, unsigned int i, const void *ctx)
{
	const struct cfg_item *it = ctx;
	char buf[INET6_ADDRSTRLEN];
	unsigned int k;
	int other;

	cfg_addr_str(&all[i], buf, sizeof(buf));
	if (!config_addr_is_unicast(&all[i]))
		return cfg_fail(p, e, ip, "%s is not a unicast address", buf);
	for (k = 0; k < i; k++)
		if (cfg_addr_eq(&all[k], &all[i]))
			return cfg_fail(p, e, ip, "%s is listed twice", buf);
	other = cfg_port_with_addr(p->cfg, it->idx, &all[i], NULL);
	if (other >= 0)
		return cfg_fail(p, e, ip, "%s is already configured on port \"%s\"", buf,
				p->cfg->ports[other].name);
	return 0;
}

static int parse_port_addrs(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			    const struct cfg_item *it)
{
	struct cfg_port *port = it->obj;

	return cfg_parse_addr_list(p, v, path, "addresses", CFG_PORT_ADDRS_MAX, port->addrs,
				   &port->n_addrs, check_port_addr, it);
}

static int check_mtu(struct cfg_parser *p, const yaml_node_t *v, const char *path,
		     const struct cfg_item *it)
{
	const struct cfg_port *port = it->obj;
	unsigned int j;

	for (j = 0; j < port->n_addrs; j++)
		if (port->addrs[j].family == 6 && port->mtu < CFG_MTU_IPV6_MIN)
			return cfg_fail(p, v, path,
					"%u is below the IPv6 minimum of %d (the port has an IPv6 "
					"address)",
					port->mtu, CFG_MTU_IPV6_MIN);
	return 0;
}

static int parse_port_mac(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			  const struct cfg_item *it)
{
	struct cfg_port *port = it->obj;
	int rc = cfg_parse_mac(p, v, path, port->mac);

	port->has_mac = !rc;
	return rc;
}

static int parse_kernel_interface(struct cfg_parser *p, const yaml_node_t *v, const char *path,
				  const struct cfg_item *it)
{
	const struct cfg_port *ports = p->cfg->ports;
	struct cfg_port *port = it->obj;
	unsigned int j;
	int rc = parse_ifname(p, v, path, port->kernel_interface);

	if (rc)
		return rc;
	for (j = 0; j < it->idx; j++)
		if (!strcmp(ports[j].kernel_interface, port->kernel_interface))
			return cfg_fail(p, v, path,
					"kernel interface \"%s\" is already port \"%s\"'s",
					port->kernel_interface, ports[j].name);
	return 0;
}

#define P struct cfg_port
#define R CFG_RELOAD_RESTART
/* A port's keys: the dataplanes open their ports at start. */
const struct cfg_key cfg_port_keys[] = {
	{K_NAME("name", P, name, R), .flags = CFG_K_REQUIRED | CFG_K_UNIQUE, .what = "port name"},
	{K_FUNC("device", P, device, parse_device, R), .flags = CFG_K_REQUIRED},
	{K_FUNC("addresses", P, addrs, parse_port_addrs, R)},
	{K_UINT("mtu", P, mtu, CFG_MTU_MIN, CFG_MTU_MAX, CFG_MTU_DEFAULT, R), .check = check_mtu},
	{K_FUNC("mac", P, mac, parse_port_mac, R)},
	{K_FUNC("kernel_interface", P, kernel_interface, parse_kernel_interface,
		CFG_RELOAD_UNCHECKED)},
	CFG_KEYS_END,
};
#undef R
#undef P

int cfg_parse_ports(struct cfg_parser *p, yaml_node_t *root)
{
	struct config *cfg = p->cfg;
	yaml_node_t *n;
	int rc = cfg_map_req(p, root, "", "ports", &n);

	if (!rc)
		rc = cfg_expect_seq(p, n, "ports");
	if (!rc && !cfg_seq_len(n))
		return cfg_fail(p, n, "ports", "at least one port is required");
	return rc ? rc
		  : cfg_parse_list(p, n, "ports", cfg_port_keys,
				   CFG_LIST(cfg->ports, cfg->n_ports, "ports", NULL, NULL));
}

/* ---- routes and neighbors ---- */

static int parse_route_prefix(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			      const struct cfg_item *it)
{
	const struct cfg_route *routes = p->cfg->routes;
	struct cfg_route *r = it->obj;
	char b[INET6_ADDRSTRLEN];
	unsigned int j;
	int rc = cfg_parse_addr(p, v, path, FAM_ANY, 1, &r->prefix);

	if (rc)
		return rc;
	cfg_addr_str(&r->prefix, b, sizeof(b));
	if (!cfg_addr_is_network(&r->prefix))
		return cfg_fail(p, v, path,
				"%s/%u has host bits set (the prefix must be a network address)", b,
				r->prefix.plen);
	for (j = 0; j < it->idx; j++)
		if (cfg_addr_eq(&routes[j].prefix, &r->prefix) &&
		    routes[j].prefix.plen == r->prefix.plen)
			return cfg_fail(p, v, path, "duplicate route for %s/%u (also routes[%u])",
					b, r->prefix.plen, j);
	return 0;
}

/* A next hop or a neighbour: a unicast host; *own_port names the port when it is ours. */
static int parse_peer_host(struct cfg_parser *p, const yaml_node_t *v, const char *path, int fams,
			   struct cfg_addr *a, const char **own_port)
{
	int rc = cfg_parse_host(p, v, path, fams, a), port;

	if (rc)
		return rc;
	port = cfg_port_with_addr(p->cfg, p->cfg->n_ports, a, NULL);
	*own_port = port >= 0 ? p->cfg->ports[port].name : NULL;
	return 0;
}

static int parse_route_via(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			   const struct cfg_item *it)
{
	struct cfg_route *r = it->obj;
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	const char *own;
	int rc = parse_peer_host(p, v, path, r->prefix.family == 4 ? FAM4 : FAM6, &r->via, &own);

	if (rc)
		return rc;
	cfg_addr_str(&r->via, b1, sizeof(b1));
	if (own)
		return cfg_fail(p, v, path, "%s is this node's own address (port \"%s\")", b1, own);
	if (!cfg_addr_on_link(p->cfg, &r->via))
		return cfg_fail(
			p, v, path,
			"route %s/%u: next hop %s is not inside any port's connected subnet",
			cfg_addr_str(&r->prefix, b2, sizeof(b2)), r->prefix.plen, b1);
	return 0;
}

static int parse_neighbor_address(struct cfg_parser *p, const yaml_node_t *v, const char *path,
				  const struct cfg_item *it)
{
	const struct cfg_neighbor *neighbors = p->cfg->neighbors;
	struct cfg_neighbor *nb = it->obj;
	char buf[INET6_ADDRSTRLEN];
	const char *own;
	unsigned int j;
	int rc = parse_peer_host(p, v, path, FAM_ANY, &nb->address, &own);

	if (rc)
		return rc;
	cfg_addr_str(&nb->address, buf, sizeof(buf));
	if (own)
		return cfg_fail(p, v, path, "%s is this node's own address", buf);
	if (!cfg_addr_on_link(p->cfg, &nb->address))
		return cfg_fail(p, v, path, "%s is not inside any port's connected subnet", buf);
	for (j = 0; j < it->idx; j++)
		if (cfg_addr_eq(&neighbors[j].address, &nb->address))
			return cfg_fail(p, v, path, "duplicate neighbor %s (also neighbors[%u])",
					buf, j);
	return 0;
}

static int parse_neighbor_mac(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			      const struct cfg_item *it)
{
	return cfg_parse_mac(p, v, path, ((struct cfg_neighbor *)it->obj)->mac);
}

/* Routes and neighbours: a reload compares them whole (ctrl/targets_reload.c). */
static const struct cfg_key route_keys[] = {
	{K_FUNC("prefix", struct cfg_route, prefix, parse_route_prefix, CFG_RELOAD_RESTART),
	 .flags = CFG_K_REQUIRED},
	{K_FUNC("via", struct cfg_route, via, parse_route_via, CFG_RELOAD_RESTART),
	 .flags = CFG_K_REQUIRED},
	CFG_KEYS_END,
};

static const struct cfg_key neighbor_keys[] = {
	{K_FUNC("address", struct cfg_neighbor, address, parse_neighbor_address,
		CFG_RELOAD_RESTART),
	 .flags = CFG_K_REQUIRED},
	{K_FUNC("mac", struct cfg_neighbor, mac, parse_neighbor_mac, CFG_RELOAD_RESTART),
	 .flags = CFG_K_REQUIRED},
	CFG_KEYS_END,
};

int cfg_parse_routes(struct cfg_parser *p, yaml_node_t *n)
{
	return cfg_parse_list(p, n, "routes", route_keys,
			      CFG_LIST(p->cfg->routes, p->cfg->n_routes, "routes", NULL, NULL));
}

int cfg_parse_neighbors(struct cfg_parser *p, yaml_node_t *n)
{
	return cfg_parse_list(
		p, n, "neighbors", neighbor_keys,
		CFG_LIST(p->cfg->neighbors, p->cfg->n_neighbors, "neighbors", NULL, NULL));
}
