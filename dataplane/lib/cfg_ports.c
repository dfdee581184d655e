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

static int parse_port_addrs(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			    const struct cfg_item *it)
{
	struct cfg_port *port = it->obj;
	char ip[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	unsigned int j, k;
	int rc = cfg_expect_seq(p, v, path), other;

	if (rc)
		return rc;
	if (cfg_seq_len(v) > CFG_PORT_ADDRS_MAX)
		return cfg_fail(p, v, path, "too many addresses (%zu, at most %d)", cfg_seq_len(v),
				CFG_PORT_ADDRS_MAX);
	for (j = 0; j < cfg_seq_len(v); j++) {
		yaml_node_t *a = cfg_seq_item(p, v, j);
		struct cfg_addr *addr = &port->addrs[j];

		cfg_path_idx(ip, path, j);
		rc = cfg_parse_addr(p, a, ip, FAM_ANY, 1, addr);
		if (rc)
			return rc;
		cfg_addr_str(addr, buf, sizeof(buf));
		if (!config_addr_is_unicast(addr))
			return cfg_fail(p, a, ip, "%s is not a unicast address", buf);
		for (k = 0; k < j; k++)
			if (cfg_addr_eq(&port->addrs[k], addr))
				return cfg_fail(p, a, ip, "%s is listed twice", buf);
		other = cfg_port_with_addr(p->cfg, it->idx, addr, NULL);
		if (other >= 0)
			return cfg_fail(p, a, ip, "%s is already configured on port \"%s\"", buf,
					p->cfg->ports[other].name);
		port->n_addrs++;
	}
	return 0;
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
	char ip[CFG_PATH_MAX];
	yaml_node_t *n;
	size_t i;
	int rc = cfg_map_req(p, root, "", "ports", &n);

	if (!rc)
		rc = cfg_expect_seq(p, n, "ports");
	if (rc)
		return rc;
	if (!cfg_seq_len(n))
		return cfg_fail(p, n, "ports", "at least one port is required");
	cfg->ports = calloc(cfg_seq_len(n), sizeof(*cfg->ports));
	if (!cfg->ports)
		return -ENOMEM;
	for (i = 0; i < cfg_seq_len(n); i++) {
		struct cfg_item it = {&cfg->ports[i], NULL, "ports", (unsigned int)i,
				      sizeof(*cfg->ports)};

		cfg_path_idx(ip, "ports", i);
		rc = cfg_keys_parse(p, cfg_seq_item(p, n, i), ip, cfg_port_keys, &it);
		if (rc)
			return rc;
		cfg->n_ports++;
	}
	return 0;
}

/* ---- routes and neighbors ---- */

int cfg_parse_routes(struct cfg_parser *p, yaml_node_t *n)
{
	static const char *const keys[] = {"prefix", "via", NULL};
	struct config *cfg = p->cfg;
	char ip[CFG_PATH_MAX], kp[CFG_PATH_MAX], b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	size_t i;
	int rc = cfg_expect_seq(p, n, "routes");

	if (rc)
		return rc;
	if (!cfg_seq_len(n))
		return 0;
	cfg->routes = calloc(cfg_seq_len(n), sizeof(*cfg->routes));
	if (!cfg->routes)
		return -ENOMEM;
	for (i = 0; i < cfg_seq_len(n); i++) {
		struct cfg_route *r = &cfg->routes[i];
		yaml_node_t *m = cfg_seq_item(p, n, i), *v;
		unsigned int j;
		int port;

		cfg_path_idx(ip, "routes", i);
		rc = cfg_map_check(p, m, ip, keys);
		if (rc)
			return rc;
		cfg_path_key(kp, ip, "prefix");
		rc = cfg_map_req(p, m, ip, "prefix", &v);
		if (!rc)
			rc = cfg_parse_addr(p, v, kp, FAM_ANY, 1, &r->prefix);
		if (rc)
			return rc;
		if (!cfg_addr_is_network(&r->prefix))
			return cfg_fail(p, v, kp,
					"%s/%u has host bits set (the prefix must be a network "
					"address)",
					cfg_addr_str(&r->prefix, b1, sizeof(b1)), r->prefix.plen);
		for (j = 0; j < i; j++)
			if (cfg_addr_eq(&cfg->routes[j].prefix, &r->prefix) &&
			    cfg->routes[j].prefix.plen == r->prefix.plen)
				return cfg_fail(p, v, kp,
						"duplicate route for %s/%u (also routes[%u])",
						cfg_addr_str(&r->prefix, b1, sizeof(b1)),
						r->prefix.plen, j);

		cfg_path_key(kp, ip, "via");
		rc = cfg_map_req(p, m, ip, "via", &v);
		if (!rc)
			rc = cfg_parse_host(p, v, kp, r->prefix.family == 4 ? FAM4 : FAM6, &r->via);
		if (rc)
			return rc;
		port = cfg_port_with_addr(cfg, cfg->n_ports, &r->via, NULL);
		if (port >= 0)
			return cfg_fail(p, v, kp, "%s is this node's own address (port \"%s\")",
					cfg_addr_str(&r->via, b1, sizeof(b1)),
					cfg->ports[port].name);
		if (!cfg_addr_on_link(cfg, &r->via))
			return cfg_fail(p, v, kp,
					"route %s/%u: next hop %s is not inside any port's "
					"connected subnet",
					cfg_addr_str(&r->prefix, b2, sizeof(b2)), r->prefix.plen,
					cfg_addr_str(&r->via, b1, sizeof(b1)));
		cfg->n_routes++;
	}
	return 0;
}

int cfg_parse_neighbors(struct cfg_parser *p, yaml_node_t *n)
{
	static const char *const keys[] = {"address", "mac", NULL};
	struct config *cfg = p->cfg;
	char ip[CFG_PATH_MAX], kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	size_t i;
	int rc = cfg_expect_seq(p, n, "neighbors");

	if (rc)
		return rc;
	if (!cfg_seq_len(n))
		return 0;
	cfg->neighbors = calloc(cfg_seq_len(n), sizeof(*cfg->neighbors));
	if (!cfg->neighbors)
		return -ENOMEM;
	for (i = 0; i < cfg_seq_len(n); i++) {
		struct cfg_neighbor *nb = &cfg->neighbors[i];
		yaml_node_t *m = cfg_seq_item(p, n, i), *v;
		unsigned int j;

		cfg_path_idx(ip, "neighbors", i);
		rc = cfg_map_check(p, m, ip, keys);
		if (rc)
			return rc;
		cfg_path_key(kp, ip, "address");
		rc = cfg_map_req(p, m, ip, "address", &v);
		if (!rc)
			rc = cfg_parse_host(p, v, kp, FAM_ANY, &nb->address);
		if (rc)
			return rc;
		cfg_addr_str(&nb->address, buf, sizeof(buf));
		if (cfg_port_with_addr(cfg, cfg->n_ports, &nb->address, NULL) >= 0)
			return cfg_fail(p, v, kp, "%s is this node's own address", buf);
		if (!cfg_addr_on_link(cfg, &nb->address))
			return cfg_fail(p, v, kp, "%s is not inside any port's connected subnet",
					buf);
		for (j = 0; j < i; j++)
			if (cfg_addr_eq(&cfg->neighbors[j].address, &nb->address))
				return cfg_fail(p, v, kp,
						"duplicate neighbor %s (also neighbors[%u])", buf,
						j);
		cfg_path_key(kp, ip, "mac");
		rc = cfg_map_req(p, m, ip, "mac", &v);
		if (!rc)
			rc = cfg_parse_mac(p, v, kp, nb->mac);
		if (rc)
			return rc;
		cfg->n_neighbors++;
	}
	return 0;
}
