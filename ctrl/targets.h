/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * targets.h - sluiced's target registry: the groups of the config, their targets (config
 * targets and API registrations), each one's health (health.h) and its check schedule
 * (probe.h on the daemon's event base). Every state change is pushed to the dataplanes
 * (dpconn_push_update()).
 */
#ifndef SL_TARGETS_H
#define SL_TARGETS_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

#include "dataplane/lib/config.h"

/* Take over cfg (freed by targets_free or replaced by targets_reload) and start the checks. */
int targets_init(struct event_base *base, struct config *cfg, char *err, size_t errlen);
void targets_free(void);
const struct config *targets_config(void);

/*
 * Apply a newly loaded config (ownership passes on success only). Refused with a message in
 * err (nothing changed) when its structure differs (ports, groups, attachments, listeners, node).
 * On success *changes (if not NULL) gets {"added":[],"removed":[],"changed":[]} of "GROUP/ID".
 */
int targets_reload(struct config *cfg, json_t **changes, char *err, size_t errlen);

/* The API's operations. 0 and *target (the target object, docs/daemon.md), or a negative
 * errno and a message in err: -ENOENT unknown group or target, -EEXIST registered already,
 * -EINVAL a bad value, -ENOSPC group full (256). */
int targets_register(const char *group, const char *id, const char *address, const char *zone,
		     int port, int weight, json_t **target, char *err, size_t errlen);
int targets_deregister(const char *group, const char *id, json_t **target, char *err,
		       size_t errlen);
int targets_drain(const char *group, const char *id, json_t **target, char *err, size_t errlen);
int targets_undrain(const char *group, const char *id, json_t **target, char *err, size_t errlen);

/*
 * 1 when every group has fewer than min_healthy healthy targets (the node withdraws its
 * announcement); 0 with min_healthy 0 or no groups.
 */
int targets_all_groups_failed(uint32_t min_healthy);
/*
 * After a daemon restart: the target states a dataplane reports (its state op reply) for the
 * targets not checked yet, matched by group, id, address and port (health_seed()). Changes
 * are pushed like any other; the dataplane's own sync follows.
 */
void targets_seed(json_t *state, const char *dataplane);

/*
 * The passive data-path check (docs/daemon.md): dataplane dp (its index in daemon.dataplanes,
 * on connection `epoch`) reported `stats` (its stats op object); the packets sent to each
 * target of a geneve group and the returns accepted from it join the target's window, and
 * every target with passive_min_packets set is judged (marked unhealthy "no returns", or back
 * when returns are seen again). Changes are pushed like any other.
 */
void targets_passive(unsigned int dp, unsigned int epoch, json_t *stats);

/* The list of target objects (docs/daemon.md), of one group or all (group NULL); NULL and err
 * for an unknown group. */
json_t *targets_list_json(const char *group, char *err, size_t errlen);
/* The protocol's sync op body: {"op":"sync","groups":[...]} */
json_t *targets_sync_json(void);
/* Targets registered now, in every group and state (each may hold a check's descriptors). */
unsigned int targets_count(void);

#endif /* SL_TARGETS_H */
