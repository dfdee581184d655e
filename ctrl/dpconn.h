/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn.h - sluiced's connections to its dataplanes (docs/protocol.md). Each configured
 * control socket is tried every second until it accepts; on connect the daemon sends hello and
 * a full sync (targets_sync_json()), then incremental updates as states change, and polls stats
 * every 2 s. A lost connection is retried; the dataplane keeps its last state meanwhile.
 * All on the daemon's event base; no threads.
 */
#ifndef SL_DPCONN_H
#define SL_DPCONN_H

#include <event2/event.h>
#include <jansson.h>

/* Start connecting to every socket of cfg->daemon.dataplanes. 0 or a negative errno. */
int dpconn_init(struct event_base *base, const char *const *sockets, unsigned int n);
void dpconn_free(void);

/*
 * An incremental update for every connected, synced dataplane: "set" and "remove" lists as in
 * the protocol's update op (either may be NULL). Steals neither. A dataplane that refuses it
 * gets a full sync instead; one not connected gets the full sync when it connects.
 */
void dpconn_push_update(json_t *set, json_t *remove);
/* Resend the full sync to every connected dataplane (after a reload). */
void dpconn_push_sync(void);

/*
 * Send req (an object with "op" and its members; "v" and "id" are added) to the dataplane
 * whose socket is `dataplane`, or the first connected one when NULL. cb gets the reply (or
 * NULL and an error message if none is connected, the connection dropped, or no reply came
 * within 5 s) and must not keep it. 0, or a negative errno when the request could not be
 * queued (cb is then not called). req is not stolen (a copy is sent, with its own "id"). cb
 * always runs from the event loop, never from inside dpconn_request(); an error reply of the
 * dataplane ("ok": false) comes as the reply, err NULL. dpconn_free() drops pending requests
 * without calling their cb.
 */
typedef void (*dpconn_cb)(json_t *reply, const char *dataplane, const char *err, void *arg);
int dpconn_request(const char *dataplane, json_t *req, dpconn_cb cb, void *arg);

/*
 * {"dataplanes":[{"socket","connected","generation","last_error","last_sync","synced","state",
 * "dataplane","version"}]}: connected = hello answered; generation null when not connected;
 * last_error the last problem (null once synced); last_sync seconds since the last applied sync
 * (null: never); state disconnected|hello|syncing|synced|sync_refused; dataplane and version
 * from its hello reply.
 */
json_t *dpconn_status_json(void);
/* The last polled stats object of each connected dataplane: borrowed, NULL if none yet. */
unsigned int dpconn_count(void);
const char *dpconn_socket(unsigned int i);
int dpconn_connected(unsigned int i);
json_t *dpconn_last_stats(unsigned int i);

/*
 * Liveness polling (daemon.announce): every 100 ms, one request at a time, on each connected
 * dataplane. Off by default.
 */
void dpconn_liveness(int on);
/*
 * How far dataplane i is from fully OK for the announcement (enum node_reason, node.h):
 * NODE_R_NONE when connected, synced (a resync of a synced connection counts), its last
 * liveness answer is younger than timeout_ms and
 * says alive and not stopping; else NODE_R_DP_DOWN, _DP_STOPPING, _DP_STALLED (a liveness
 * answer came, but none alive within timeout_ms) or _DP_NOT_SYNCED (no answer yet, or not
 * synced).
 */
int dpconn_node_reason(unsigned int i, uint32_t timeout_ms);

#endif /* SL_DPCONN_H */
