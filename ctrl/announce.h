/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * announce.h - the node's announcement (docs/daemon.md "Node states", docs/scale-out.md
 * "Announcement"): sluiced writes host routes (the zone IP, node.geneve_address, the
 * configured prefixes) into the kernel routing table daemon.announce.table while the node can
 * serve, and removes them when it cannot; the host's BGP daemon (BIRD 2 by default) exports
 * that table. No BGP here. The state is decided by node.c every 100 ms and whenever a
 * dataplane connection changes (announce_kick()).
 */
#ifndef SL_ANNOUNCE_H
#define SL_ANNOUNCE_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

#include "dataplane/lib/config.h"

/*
 * Start with cfg (not kept: the announcer copies what it needs). With daemon.announce it opens
 * a netlink socket and reads the routes a previous sluiced left in the table (protocol 250):
 * they stay while the conditions hold. done() is called (from the event loop) once a stop
 * asked by announce_stop() may exit. 0 or a negative errno with a message in err.
 */
int announce_init(struct event_base *base, const struct config *cfg, void (*done)(void), char *err,
		  size_t errlen);
/* Remove every route of ours (when withdraw) and free everything. */
void announce_free(int withdraw);
/* Apply a new config after a good reload: the announce keys take effect at once. */
void announce_reload(const struct config *cfg);
/* Decide again now (a dataplane connected, synced, died, answered liveness). */
void announce_kick(void);
/*
 * SIGTERM: withdraw and keep running for drain_time (state draining), then done(). A node not
 * serving (or no daemon.announce) is done at once. Returns 1 when the daemon may exit now.
 */
int announce_stop(void);

/* The API's node ops: 0 and *node (the node object, docs/daemon.md), or -errno and err. */
json_t *announce_json(void);
int announce_drain(json_t **node, char *err, size_t errlen);
int announce_undrain(json_t **node, char *err, size_t errlen);
/* For the metrics: {"state": NAME, "announced_routes": N, "transitions": N}. */
json_t *announce_metrics_json(void);

#endif /* SL_ANNOUNCE_H */
