/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn_api.c - the dataplane connections as the rest of the daemon sees them
 * (dpconn_priv.h): API requests relayed to a dataplane (a failure reported from the event
 * loop, never from inside dpconn_request()), the status of the connections, and how far each
 * is from serving (the announcement's reasons).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/dpconn_priv.h"
#include "ctrl/node.h"

static const char *const state_names[] = {
	[DP_DOWN] = "disconnected", [DP_HELLO] = "hello",	   [DP_SYNCING] = "syncing",
	[DP_SYNCED] = "synced",	    [DP_REFUSED] = "sync_refused",
};

static struct event *defer_ev; /* runs the callbacks of requests that could not be sent */
static struct dpconn_req_list deferred = TAILQ_HEAD_INITIALIZER(deferred);

static void dp_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn_req_list list = TAILQ_HEAD_INITIALIZER(list);
	struct dpconn_req *r;

	(void)fd;
	(void)what;
	(void)arg;
	/* Callbacks may queue more: those run on the next activation. */
	TAILQ_CONCAT(&list, &deferred, link);
	while ((r = TAILQ_FIRST(&list))) {
		TAILQ_REMOVE(&list, r, link);
		r->cb(NULL, r->socket, r->err, r->arg);
		dp_req_free(r);
	}
}

void dp_defer_free(void)
{
	struct dpconn_req *r;

	while ((r = TAILQ_FIRST(&deferred))) {
		TAILQ_REMOVE(&deferred, r, link);
		dp_req_free(r);
	}
	if (defer_ev)
		event_free(defer_ev);
	defer_ev = NULL;
}

/* Report err to cb from the event loop, not from inside dpconn_request(). */
static int dp_defer_fail(const char *dataplane, const char *err, dpconn_cb cb, void *arg)
{
	struct dpconn_req *r;

	if (!defer_ev) {
		defer_ev = event_new(dp_base, -1, 0, dp_defer_cb, NULL);
		if (!defer_ev)
			return -ENOMEM;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct dpconn_req){.kind = REQ_API,
				 .cb = cb,
				 .arg = arg,
				 .err = strdup(err),
				 .socket = dataplane ? strdup(dataplane) : NULL};
	if (!r->err || (dataplane && !r->socket)) {
		dp_req_free(r);
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&deferred, r, link);
	event_active(defer_ev, 0, 0);
	return 0;
}

bool dp_usable(const struct dpconn *c)
{
	return c->state != DP_DOWN && c->state != DP_HELLO;
}

int dpconn_request(const char *dataplane, json_t *req, dpconn_cb cb, void *arg)
{
	struct dpconn *c = NULL;
	char err[600];
	json_t *msg;
	unsigned int i;
	int rc;

	if (!json_is_object(req) || !json_is_string(json_object_get(req, "op")) || !cb)
		return -EINVAL;
	if (!dp_base)
		return -ENOTCONN;
	for (i = 0; i < dp_n_conns; i++) {
		if (dataplane ? strcmp(dp_conns[i].socket, dataplane) == 0
			      : dp_usable(&dp_conns[i])) {
			c = &dp_conns[i];
			break;
		}
	}
	if (!c) {
		if (dataplane)
			snprintf(err, sizeof(err), "no dataplane %s in daemon.dataplanes",
				 dataplane);
		else
			snprintf(err, sizeof(err), "no dataplane connected");
		return dp_defer_fail(dataplane, err, cb, arg);
	}
	if (!dp_usable(c)) {
		snprintf(err, sizeof(err), "dataplane %s is not connected%s%s", c->socket,
			 c->last_error[0] ? ": " : "", c->last_error);
		return dp_defer_fail(c->socket, err, cb, arg);
	}
	msg = json_copy(req);
	if (!msg)
		return -ENOMEM;
	rc = dp_send(c, msg, REQ_API, cb, arg);
	json_decref(msg);
	if (rc == -ENOBUFS) {
		snprintf(err, sizeof(err), "dataplane %s does not read its socket", c->socket);
		return dp_defer_fail(c->socket, err, cb, arg);
	}
	return rc;
}

static json_t *copy_or_null(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

static json_t *dp_status_one(const struct dpconn *c)
{
	json_t *o, *hello = dp_usable(c) ? c->hello : NULL;
	int err = 0;

	o = json_pack("{s:s, s:b, s:s, s:b}", "socket", c->socket, "connected", dp_usable(c),
		      "state", state_names[c->state], "synced", c->state == DP_SYNCED);
	if (!o)
		return NULL;
	err |= json_object_set_new(o, "generation",
				   c->generation >= 0 && c->state != DP_DOWN
					   ? json_integer(c->generation)
					   : json_null());
	err |= json_object_set_new(o, "last_error",
				   c->last_error[0] ? json_string(c->last_error) : json_null());
	/* Seconds since the last applied sync, to 0.1 s; null: never synced. */
	err |= json_object_set_new(
		o, "last_sync",
		c->ever_synced ? json_real((double)(int64_t)(dp_since(&c->last_sync) * 10) / 10)
			       : json_null());
	err |= json_object_set_new(o, "dataplane",
				   copy_or_null(json_object_get(hello, "dataplane")));
	err |= json_object_set_new(o, "version", copy_or_null(json_object_get(hello, "version")));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *dpconn_status_json(void)
{
	json_t *list = json_array(), *o;
	unsigned int i;

	if (!list)
		return NULL;
	for (i = 0; i < dp_n_conns; i++) {
		o = dp_status_one(&dp_conns[i]);
		if (!o || json_array_append_new(list, o)) {
			json_decref(list);
			return NULL;
		}
	}
	return json_pack("{s:o}", "dataplanes", list);
}

unsigned int dpconn_count(void)
{
	return dp_n_conns;
}

const char *dpconn_socket(unsigned int i)
{
	return i < dp_n_conns ? dp_conns[i].socket : NULL;
}

int dpconn_connected(unsigned int i)
{
	return i < dp_n_conns && dp_usable(&dp_conns[i]);
}

json_t *dpconn_last_stats(unsigned int i)
{
	return i < dp_n_conns && dp_usable(&dp_conns[i]) ? dp_conns[i].last_stats : NULL;
}

int dpconn_node_reason(unsigned int i, uint32_t timeout_ms)
{
	const struct dpconn *c;
	bool synced;

	if (i >= dp_n_conns || dp_conns[i].state == DP_DOWN)
		return NODE_R_DP_DOWN;
	c = &dp_conns[i];
	/* A resync (reload, refused update) of a synced dataplane: it forwards with the
	 * previous generation meanwhile, so it still counts as synced (no flap on a reload). */
	synced = c->state == DP_SYNCED || (c->state == DP_SYNCING && c->synced_conn);
	if (c->live_known && c->live_stopping)
		return NODE_R_DP_STOPPING;
	if (!c->live_known || !c->live_alive || dp_since(&c->live_at) * 1000 > timeout_ms)
		return synced && c->live_known ? NODE_R_DP_STALLED : NODE_R_DP_NOT_SYNCED;
	if (!synced)
		return NODE_R_DP_NOT_SYNCED;
	return NODE_R_NONE;
}
