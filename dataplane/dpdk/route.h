/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route.h - the forwarding table: the ports' connected subnets plus the config's static
 * routes, longest prefix first (rte_lpm / rte_lpm6). Built once; read-only afterwards.
 */
#ifndef SL_ROUTE_H
#define SL_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/dpdk/dp.h"

struct route_hop {
	uint16_t port;	   /* index into dp.ports */
	uint8_t connected; /* the destination itself is the next hop */
	uint8_t via[16];   /* next hop when not connected */
};

struct route_table;

int route_table_build(const struct config *cfg, const struct dp_port *ports,
		      struct route_table **out, char *err, size_t errlen);
void route_table_free(struct route_table *rt);

/*
 * Where dst (family 4 or 6, network order) goes: the egress port index and the next hop's
 * address (dst itself on a connected subnet). Returns 0, or -ENOENT when nothing matches.
 */
int route_lookup(const struct route_table *rt, uint8_t family, const uint8_t *dst,
		 unsigned int *port, uint8_t nexthop[16]);

#endif /* SL_ROUTE_H */
