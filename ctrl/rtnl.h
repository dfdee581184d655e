/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnl.h - the few rtnetlink calls the announcer needs (announce.c): add, delete and list the
 * host routes sluiced owns in one kernel routing table. Routes are `blackhole` routes with
 * protocol RTNL_PROTO_SLUICE (250): the BGP daemon learns them from the table (BIRD 2's
 * `kernel` protocol with `learn`), and a restarted sluiced finds its own by that protocol. A
 * blackhole never forwards anything: the table is only read by the BGP daemon, no `ip rule`
 * points at it. Plain blocking netlink requests, each answered at once by the kernel.
 */
#ifndef SL_RTNL_H
#define SL_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/lib/config.h"

#define RTNL_PROTO_SLUICE 250

/* A NETLINK_ROUTE socket (close() it), or a negative errno. */
int rtnl_open(void);
/* Add (or replace) the blackhole route for prefix a in table. 0 or a negative errno. */
int rtnl_route_add(int fd, uint32_t table, const struct cfg_addr *a);
/* Delete it; -ESRCH when it is not there. */
int rtnl_route_del(int fd, uint32_t table, const struct cfg_addr *a);
/*
 * The routes of protocol RTNL_PROTO_SLUICE in table (IPv4 and IPv6), up to max of them into
 * out; *n gets how many (more are dropped). 0 or a negative errno.
 */
int rtnl_route_list(int fd, uint32_t table, struct cfg_addr *out, unsigned int max,
		    unsigned int *n);

#endif /* SL_RTNL_H */
