/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route.c - connected subnets and static routes in rte_lpm (IPv4) and rte_lpm6 (IPv6).
 * The LPM next-hop value is an index into rt->hops. Neither LPM takes a /0 rule, so a default
 * route is stored as its two /1 halves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "dataplane/dpdk/route.h"

#define ROUTE_MAX_RULES 4096
#define ROUTE_TBL8S	256

struct route_table {
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	struct route_hop *hops;
	unsigned int n_hops;
};

static int route_prefix_contains(const struct cfg_addr *p, uint8_t family, const uint8_t *a)
{
	unsigned int full = p->plen / 8, rest = p->plen % 8;

	if (p->family != family)
		return 0;
	if (memcmp(p->addr, a, full))
		return 0;
	if (rest && ((p->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))))
		return 0;
	return 1;
}

/* The port whose connected subnet holds a (most specific one), or -1. */
static int route_connected_port(const struct config *cfg, uint8_t family, const uint8_t *a)
{
	unsigned int p, i;
	int best = -1, best_len = -1;

	for (p = 0; p < cfg->n_ports; p++)
		for (i = 0; i < cfg->ports[p].n_addrs; i++) {
			const struct cfg_addr *pa = &cfg->ports[p].addrs[i];

			if (route_prefix_contains(pa, family, a) && pa->plen > best_len) {
				best = (int)p;
				best_len = pa->plen;
			}
		}
	return best;
}

static void route_mask(uint8_t *a, uint8_t plen, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int bits = (int)plen - (int)i * 8;

		if (bits <= 0)
			a[i] = 0;
		else if (bits < 8)
			a[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

static int route_add(struct route_table *rt, uint8_t family, const uint8_t *addr, uint8_t plen,
		     uint32_t hop)
{
	uint8_t a[16] = {0};
	uint32_t v4;
	int ret;

	memcpy(a, addr, family == 4 ? 4 : 16);
	route_mask(a, plen, family == 4 ? 4 : 16);
	if (plen == 0) { /* the two halves */
		ret = route_add(rt, family, a, 1, hop);
		a[0] = 0x80;
		return ret ? ret : route_add(rt, family, a, 1, hop);
	}
	if (family == 4) {
		memcpy(&v4, a, 4);
		return rte_lpm_add(rt->lpm4, rte_be_to_cpu_32(v4), plen, hop);
	}
	return rte_lpm6_add(rt->lpm6, a, plen, hop);
}

void route_table_free(struct route_table *rt)
{
	if (!rt)
		return;
	rte_lpm_free(rt->lpm4);
	rte_lpm6_free(rt->lpm6);
	free(rt->hops);
	free(rt);
}

int route_table_build(const struct config *cfg, const struct dp_port *ports,
		      struct route_table **out, char *err, size_t errlen)
{
	struct rte_lpm_config c4 = {.max_rules = ROUTE_MAX_RULES, .number_tbl8s = ROUTE_TBL8S};
	struct rte_lpm6_config c6 = {.max_rules = ROUTE_MAX_RULES, .number_tbl8s = ROUTE_TBL8S};
	struct route_table *rt;
	unsigned int p, i, n = 0;
	int ret = -ENOMEM;

	(void)ports;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		goto fail;
	rt->hops = calloc(cfg->n_ports * CFG_PORT_ADDRS_MAX + cfg->n_routes + 1, sizeof(*rt->hops));
	rt->lpm4 = rte_lpm_create("sl_routes4", SOCKET_ID_ANY, &c4);
	rt->lpm6 = rte_lpm6_create("sl_routes6", SOCKET_ID_ANY, &c6);
	if (!rt->hops || !rt->lpm4 || !rt->lpm6)
		goto fail;
	for (p = 0; p < cfg->n_ports; p++)
		for (i = 0; i < cfg->ports[p].n_addrs; i++) {
			const struct cfg_addr *a = &cfg->ports[p].addrs[i];

			rt->hops[n].port = (uint16_t)p;
			rt->hops[n].connected = 1;
			ret = route_add(rt, a->family, a->addr, a->plen, n);
			if (ret)
				goto fail;
			n++;
		}
	for (i = 0; i < cfg->n_routes; i++) {
		const struct cfg_route *r = &cfg->routes[i];
		int port = route_connected_port(cfg, r->via.family, r->via.addr);

		if (port < 0) {
			snprintf(err, errlen, "%s: route %u: next hop is in no connected subnet",
				 cfg->path, i);
			ret = -EINVAL;
			goto fail_msg;
		}
		rt->hops[n].port = (uint16_t)port;
		memcpy(rt->hops[n].via, r->via.addr, 16);
		ret = route_add(rt, r->prefix.family, r->prefix.addr, r->prefix.plen, n);
		if (ret)
			goto fail;
		n++;
	}
	rt->n_hops = n;
	*out = rt;
	return 0;
fail:
	snprintf(err, errlen, "building the route table: %s", strerror(-ret));
fail_msg:
	route_table_free(rt);
	return ret;
}

int route_lookup(const struct route_table *rt, uint8_t family, const uint8_t *dst,
		 unsigned int *port, uint8_t nexthop[16])
{
	const struct route_hop *h;
	uint32_t hop, v4;

	if (family == 4) {
		memcpy(&v4, dst, 4);
		if (rte_lpm_lookup(rt->lpm4, rte_be_to_cpu_32(v4), &hop))
			return -ENOENT;
	} else if (rte_lpm6_lookup(rt->lpm6, dst, &hop)) {
		return -ENOENT;
	}
	h = &rt->hops[hop];
	*port = h->port;
	if (h->connected) {
		memset(nexthop, 0, 16);
		memcpy(nexthop, dst, family == 4 ? 4 : 16);
	} else {
		memcpy(nexthop, h->via, 16);
	}
	return 0;
}
