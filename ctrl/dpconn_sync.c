/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn_sync.c - what sluiced asks of each dataplane and does with the answers
 * (dpconn_priv.h): hello; the target states read back from a dataplane programmed before; the
 * full sync and the incremental updates; the stats poll every 2 s and the liveness poll every
 * 100 ms (daemon.announce).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctrl/announce.h"
#include "ctrl/dpconn_priv.h"
#include "ctrl/targets.h"

/* Queue the full sync (targets_sync_json()): c is SYNCING, or disconnected on failure. */
static void dp_send_sync(struct dpconn *c)
{
	json_t *sync = targets_sync_json();
	int rc;

	if (!sync) {
		dp_disconnect(c, "cannot build the sync message");
		return;
	}
	rc = dp_send(c, sync, REQ_SYNC, NULL, NULL);
	json_decref(sync);
	if (rc < 0) {
		dp_disconnect(c, rc == -ENOBUFS ? "dataplane does not read its socket"
						: "cannot queue the sync message");
		return;
	}
	c->syncs_inflight++;
	c->state = DP_SYNCING;
	evtimer_del(c->resync_ev);
}

void dp_resync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == DP_REFUSED && c->syncs_inflight == 0)
		dp_send_sync(c);
}

void dp_stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn *c = arg;

	(void)fd;
	(void)what;
	if (!dp_usable(c) || c->stats_inflight)
		return;
	if (dp_send_op(c, "stats", REQ_STATS) == 0)
		c->stats_inflight = true;
}

void dp_liveness_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn *c = arg;

	(void)fd;
	(void)what;
	/* One at a time: a stopped or hung dataplane leaves it unanswered, and its last answer
	 * ages past liveness_timeout_ms (dpconn_node_reason). */
	if (c->state == DP_DOWN || c->live_inflight || !dp_liveness_on)
		return;
	if (dp_send_op(c, "liveness", REQ_LIVENESS) == 0)
		c->live_inflight = true;
}

void dp_on_liveness(struct dpconn *c, json_t *reply, bool ok)
{
	c->live_inflight = false;
	if (!ok) {
		dp_problem(c, LOG_LVL_ERROR, "liveness refused: %s (counts as not alive)",
			   dp_reply_error(reply));
		c->live_known = false;
	} else {
		bool alive = json_is_true(json_object_get(reply, "alive"));
		bool stopping = json_is_true(json_object_get(reply, "stopping"));

		if (c->live_known && alive != c->live_alive)
			log_msg(alive ? LOG_LVL_INFO : LOG_LVL_WARNING,
				"dataplane %s: %s (stalled %" JSON_INTEGER_FORMAT " ms)", c->socket,
				alive ? "alive again" : "not alive: its packet path is stalled",
				json_integer_value(json_object_get(reply, "stalled_ms")));
		if (stopping && !c->live_stopping)
			log_warn("dataplane %s: stopping (draining before it exits)", c->socket);
		c->live_known = true;
		c->live_alive = alive;
		c->live_stopping = stopping;
		clock_gettime(CLOCK_MONOTONIC, &c->live_at);
	}
	announce_kick();
}

const char *dp_reply_error(json_t *reply)
{
	const char *e = json_string_value(json_object_get(reply, "error"));

	return e ? e : "(no message)";
}

static void dp_note_generation(struct dpconn *c, json_t *reply)
{
	json_t *g = json_object_get(reply, "generation");

	if (json_is_integer(g))
		c->generation = json_integer_value(g);
}

static const char *str_or(json_t *s, const char *def)
{
	return json_is_string(s) ? json_string_value(s) : def;
}

void dp_on_hello(struct dpconn *c, json_t *reply, bool ok)
{
	static const struct timeval stats_period = {DPCONN_STATS_S, 0};
	json_t *proto = json_object_get(reply, "protocol");
	char why[600];

	why[0] = '\0';
	if (!ok)
		snprintf(why, sizeof(why), "hello refused: %s", dp_reply_error(reply));
	else if (!json_is_integer(proto))
		snprintf(why, sizeof(why), "hello reply without a protocol version");
	else if (json_integer_value(proto) != DPCONN_PROTOCOL)
		snprintf(why, sizeof(why),
			 "dataplane speaks protocol %" JSON_INTEGER_FORMAT
			 ", this daemon speaks %d",
			 json_integer_value(proto), DPCONN_PROTOCOL);
	if (why[0]) {
		dp_problem(c, LOG_LVL_ERROR, "%s", why);
		dp_disconnect(c, why);
		return;
	}
	json_decref(c->hello);
	c->hello = json_incref(reply);
	dp_note_generation(c, reply);
	dp_clear_problem(c);
	c->last_error[0] = '\0';
	log_info("dataplane %s: connected (%s %s, generation %" JSON_INTEGER_FORMAT
		 ", %s); syncing",
		 c->socket, str_or(json_object_get(reply, "dataplane"), "?"),
		 str_or(json_object_get(reply, "version"), "?"), c->generation,
		 json_is_true(json_object_get(reply, "synced")) ? "synced before" : "never synced");
	if (json_is_true(json_object_get(reply, "synced"))) {
		/*
		 * Programmed by a daemon before (this one restarted, or another connection):
		 * read its target states back before the sync, so that targets not checked yet
		 * keep them (a restart changes no forwarding decision). The sync follows the
		 * answer (dp_on_state).
		 */
		if (dp_send_op(c, "state", REQ_STATE) < 0) {
			dp_disconnect(c, "cannot queue the state request");
			return;
		}
	} else {
		dp_send_sync(c);
	}
	if (c->state == DP_DOWN)
		return;
	if (dp_liveness_on) {
		static const struct timeval live_period = {0, DPCONN_LIVENESS_MS * 1000};

		dp_liveness_cb(-1, 0, c);
		evtimer_add(c->live_ev, &live_period);
	}
	/* The first stats now, so that metrics and the API have counters at once. */
	dp_stats_cb(-1, 0, c);
	evtimer_add(c->stats_ev, &stats_period);
}

void dp_on_sync(struct dpconn *c, json_t *reply, bool ok)
{
	struct timeval tv = {DPCONN_RESYNC_S, 0};

	c->syncs_inflight--;
	if (ok) {
		dp_note_generation(c, reply);
		c->ever_synced = true;
		clock_gettime(CLOCK_MONOTONIC, &c->last_sync);
		if (c->syncs_inflight == 0) {
			log_info("dataplane %s: synced (generation %" JSON_INTEGER_FORMAT ")",
				 c->socket, c->generation);
			c->state = DP_SYNCED;
			c->synced_conn = true;
			c->last_error[0] = '\0';
			dp_clear_problem(c);
			announce_kick();
		}
		return;
	}
	/* Not re-armed per repeat: a config mismatch stays until the dataplane restarts. */
	dp_problem(c, LOG_LVL_ERROR, "sync refused: %s (retrying in %d s or on reconnect)",
		   dp_reply_error(reply), DPCONN_RESYNC_S);
	if (c->syncs_inflight == 0) {
		c->state = DP_REFUSED;
		evtimer_add(c->resync_ev, &tv);
	}
}

void dp_on_state(struct dpconn *c, json_t *reply, bool ok)
{
	if (ok)
		targets_seed(reply, c->socket);
	else
		log_warn("dataplane %s: state refused (%s): its target states are not read back",
			 c->socket, dp_reply_error(reply));
	if (c->state == DP_HELLO)
		dp_send_sync(c);
}

void dp_on_update(struct dpconn *c, json_t *reply, bool ok)
{
	if (ok) {
		dp_note_generation(c, reply);
		return;
	}
	log_err("dataplane %s: update refused: %s; sending a full sync", c->socket,
		dp_reply_error(reply));
	snprintf(c->last_error, sizeof(c->last_error), "update refused: %s", dp_reply_error(reply));
	/* A sync in flight was sent after this update and supersedes it; a refused one is retried.
	 */
	if (c->state == DP_SYNCED)
		dp_send_sync(c);
}

void dp_on_stats(struct dpconn *c, json_t *reply, bool ok)
{
	json_t *stats = json_object_get(reply, "stats");

	c->stats_inflight = false;
	if (!ok || !json_is_object(stats)) {
		log_dbg("dataplane %s: stats: %s", c->socket,
			ok ? "reply without a stats object" : dp_reply_error(reply));
		return;
	}
	json_decref(c->last_stats);
	c->last_stats = json_incref(stats);
	/* the passive data-path check weighs each appliance's returns against its packets */
	targets_passive((unsigned int)(c - dp_conns), c->epoch, stats);
}

void dpconn_push_update(json_t *set, json_t *remove)
{
	json_t *msg;
	unsigned int i;
	int rc;

	if (json_array_size(set) == 0 && json_array_size(remove) == 0)
		return;
	msg = json_object();
	if (!msg)
		goto oom;
	if ((json_array_size(set) && json_object_set(msg, "set", set)) ||
	    (json_array_size(remove) && json_object_set(msg, "remove", remove)))
		goto oom;
	if (json_object_set_new(msg, "op", json_string("update")))
		goto oom;
	for (i = 0; i < dp_n_conns; i++) {
		struct dpconn *c = &dp_conns[i];

		/* A sync in flight was built before this change: the update follows it in order. */
		if (c->state != DP_SYNCED && c->state != DP_SYNCING)
			continue;
		rc = dp_send(c, msg, REQ_UPDATE, NULL, NULL);
		if (rc < 0)
			dp_disconnect(c, "cannot queue an update");
	}
	json_decref(msg);
	return;

oom:
	json_decref(msg);
	/* The dataplanes would miss this change: resync them all instead. */
	log_err("dpconn: out of memory building an update; resyncing");
	dpconn_push_sync();
}

void dpconn_push_sync(void)
{
	unsigned int i;

	for (i = 0; i < dp_n_conns; i++) {
		/* A dataplane still in hello gets its sync when hello is answered. */
		if (dp_usable(&dp_conns[i]))
			dp_send_sync(&dp_conns[i]);
	}
}

void dpconn_liveness(int on)
{
	static const struct timeval live_period = {0, DPCONN_LIVENESS_MS * 1000};
	unsigned int i;

	dp_liveness_on = on;
	for (i = 0; i < dp_n_conns; i++) {
		if (!on || !dp_usable(&dp_conns[i]))
			continue;
		if (!evtimer_pending(dp_conns[i].live_ev, NULL))
			evtimer_add(dp_conns[i].live_ev, &live_period);
	}
}
