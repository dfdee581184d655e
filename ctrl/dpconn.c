/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn.c - the daemon's side of the dataplane control protocol (docs/protocol.md): the
 * connections (dpconn_priv.h lists the other parts).
 *
 * One struct dpconn per configured control socket, each a small state machine on the daemon's
 * event base:
 *
 *   DOWN --connect()--> HELLO --hello ok--> SYNCING --sync ok--> SYNCED
 *     ^                   |                   |   \--sync refused--> REFUSED (sync again in 30 s)
 *     +--- 1 s timer <----+---- EOF, error, timeout of a daemon request, bad reply ----+
 *
 * Requests are pipelined; the dataplane answers them in order, and every reply is matched to
 * its request by id. Every request has a 5 s timer. An API request that times out gets its
 * callback with an error; its late reply is then dropped when it comes. A daemon request
 * (hello, sync, update, stats) late by 5 s is warned about; unanswered after 30 s, the
 * dataplane counts as wedged: the connection is dropped and reconnected.
 *
 * Problems are logged when they change, not on every retry: a dataplane that is down logs one
 * line, not one a second.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "ctrl/announce.h"
#include "ctrl/dpconn_priv.h"
#include "ctrl/jsonl.h"

#ifndef SL_VERSION
#define SL_VERSION "0.1.0"
#endif
#define DPCONN_CLIENT "sluiced " SL_VERSION

static const char *const kind_names[] = {
	[REQ_API] = "request",	     [REQ_HELLO] = "hello", [REQ_SYNC] = "sync",
	[REQ_UPDATE] = "update",     [REQ_STATS] = "stats", [REQ_STATE] = "state",
	[REQ_LIVENESS] = "liveness",
};

struct event_base *dp_base;
struct dpconn *dp_conns;
unsigned int dp_n_conns;
bool dp_liveness_on;

/* What to do with the reply to each kind of daemon request. */
static void (*const dp_on_reply[])(struct dpconn *c, json_t *reply, bool ok) = {
	[REQ_HELLO] = dp_on_hello, [REQ_SYNC] = dp_on_sync,   [REQ_UPDATE] = dp_on_update,
	[REQ_STATS] = dp_on_stats, [REQ_STATE] = dp_on_state, [REQ_LIVENESS] = dp_on_liveness,
};

static void dp_connect(struct dpconn *c);

double dp_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) + (double)(now.tv_nsec - then->tv_nsec) / 1e9;
}

/*
 * Record a problem as last_error and log it, unless it is the problem logged last: a state
 * that persists is logged once. dp_clear_problem() re-arms logging after a success.
 */
void dp_problem(struct dpconn *c, enum log_level level, const char *fmt, ...)
{
	char msg[sizeof(c->last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
	if (strcmp(msg, c->logged) == 0) {
		log_dbg("dataplane %s: %s", c->socket, msg);
		return;
	}
	snprintf(c->logged, sizeof(c->logged), "%s", msg);
	log_msg(level, "dataplane %s: %s", c->socket, msg);
}

void dp_clear_problem(struct dpconn *c)
{
	c->logged[0] = '\0';
}

void dp_req_free(struct dpconn_req *r)
{
	if (r->timer)
		event_free(r->timer);
	free(r->err);
	free(r->socket);
	free(r);
}

/* Take r off its connection and run its callback (API requests not yet answered) with err. */
static void req_fail(struct dpconn *c, struct dpconn_req *r, const char *err)
{
	TAILQ_REMOVE(&c->pending, r, link);
	if (r->expired)
		c->n_expired--;
	if (r->kind == REQ_API && !r->expired && r->cb)
		r->cb(NULL, c->socket, err, r->arg);
	dp_req_free(r);
}

static void dp_schedule_retry(struct dpconn *c)
{
	struct timeval tv = {DPCONN_RETRY_S, 0};

	evtimer_add(c->retry_ev, &tv);
}

/*
 * Drop the connection (if any), fail every pending request with why, and retry in 1 s. The
 * dataplane keeps its last state meanwhile. Safe to call from any callback of c: callers that
 * go on touching c compare c->epoch.
 */
void dp_disconnect(struct dpconn *c, const char *why)
{
	char err[600];
	struct dpconn_req *r;

	if (c->state == DP_DOWN)
		return;
	c->epoch++;
	if (c->state != DP_HELLO)
		dp_problem(c, LOG_LVL_WARNING,
			   "connection lost (%s); the dataplane keeps its last state, reconnecting",
			   why);
	else
		dp_problem(c, LOG_LVL_WARNING, "%s", why);
	bufferevent_free(c->bev);
	c->bev = NULL;
	c->state = DP_DOWN;
	evtimer_del(c->stats_ev);
	evtimer_del(c->resync_ev);
	c->syncs_inflight = 0;
	c->stats_inflight = false;
	evtimer_del(c->live_ev);
	c->live_inflight = false;
	c->live_known = false;
	c->synced_conn = false;
	json_decref(c->last_stats);
	c->last_stats = NULL;
	snprintf(err, sizeof(err), "connection to dataplane %s lost: %s", c->socket, why);
	/* Callbacks may queue new requests: they fail at once (deferred), c is DOWN by now. */
	while ((r = TAILQ_FIRST(&c->pending)))
		req_fail(c, r, err);
	c->n_expired = 0;
	dp_schedule_retry(c);
	announce_kick(); /* a dataplane gone: withdraw now if it was the last one */
}

static void dp_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dp_connect(arg);
}

static void dp_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn_req *r = arg;
	struct dpconn *c = r->conn;
	char why[128];

	(void)fd;
	(void)what;
	if (r->kind != REQ_API && !r->late) {
		/*
		 * A sync or update is answered once every worker has left the old generation: on
		 * an overloaded host that can take a while. Wait longer before calling it wedged.
		 */
		struct timeval tv = {DPCONN_WEDGED_S - DPCONN_TIMEOUT_S, 0};

		r->late = true;
		log_msg(c->warned_late ? LOG_LVL_DEBUG : LOG_LVL_WARNING,
			"dataplane %s: no answer to %s for %d s; waiting up to %d s", c->socket,
			kind_names[r->kind], DPCONN_TIMEOUT_S, DPCONN_WEDGED_S);
		c->warned_late = true; /* once per connection */
		evtimer_add(r->timer, &tv);
		return;
	}
	if (r->kind != REQ_API) {
		snprintf(why, sizeof(why), "dataplane did not answer %s within %d s",
			 kind_names[r->kind], DPCONN_WEDGED_S);
		dp_disconnect(c, why);
		return;
	}
	/* Keep r in the list, so that its reply (if it ever comes) is recognised and dropped. */
	r->expired = true;
	c->n_expired++;
	if (r->cb)
		r->cb(NULL, c->socket, "dataplane did not answer within 5 s", r->arg);
	r->cb = NULL;
	if (c->n_expired > DPCONN_MAX_EXPIRED && c->state != DP_DOWN)
		dp_disconnect(c, "dataplane does not answer requests");
}

/* Queue msg (not stolen; "id" is set on it) on c. 0 or a negative errno. */
int dp_send(struct dpconn *c, json_t *msg, enum dpconn_kind kind, dpconn_cb cb, void *arg)
{
	struct timeval tv = {DPCONN_TIMEOUT_S, 0};
	struct evbuffer *out;
	struct dpconn_req *r;
	int rc;

	if (!c->bev)
		return -ENOTCONN;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) > DPCONN_MAX_OUTPUT)
		return -ENOBUFS;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->conn = c;
	r->id = c->next_id++;
	r->kind = kind;
	r->cb = cb;
	r->arg = arg;
	r->timer = evtimer_new(dp_base, dp_timeout_cb, r);
	if (!r->timer) {
		rc = -ENOMEM;
		goto err_free;
	}
	if (json_object_set_new(msg, "id", json_integer(r->id))) {
		rc = -ENOMEM;
		goto err_free;
	}
	rc = jsonl_write(out, msg);
	if (rc < 0)
		goto err_free;
	evtimer_add(r->timer, &tv);
	TAILQ_INSERT_TAIL(&c->pending, r, link);
	return 0;

err_free:
	dp_req_free(r);
	return rc;
}

int dp_send_op(struct dpconn *c, const char *op, enum dpconn_kind kind)
{
	json_t *req = json_pack("{s:s}", "op", op);
	int rc = req ? dp_send(c, req, kind, NULL, NULL) : -ENOMEM;

	json_decref(req);
	return rc;
}

/* One message from the dataplane. May disconnect c. */
static void dp_on_message(struct dpconn *c, json_t *msg)
{
	json_t *id = json_object_get(msg, "id");
	struct dpconn_req *r, *head;
	bool ok = json_is_true(json_object_get(msg, "ok"));
	char why[600];

	if (!json_is_integer(id)) {
		/* A reply to no request: the dataplane refused our framing and closes. */
		snprintf(why, sizeof(why), "dataplane error: %s", dp_reply_error(msg));
		dp_disconnect(c, why);
		return;
	}
	TAILQ_FOREACH(r, &c->pending, link)
	{
		if (r->id == json_integer_value(id))
			break;
	}
	if (!r) {
		log_warn("dataplane %s: reply with unknown id %" JSON_INTEGER_FORMAT " dropped",
			 c->socket, json_integer_value(id));
		return;
	}
	/* Replies come in request order: anything before r was skipped and will not come. */
	while ((head = TAILQ_FIRST(&c->pending)) != r) {
		if (head->kind != REQ_API) {
			snprintf(why, sizeof(why), "dataplane skipped the reply to %s",
				 kind_names[head->kind]);
			dp_disconnect(c, why);
			return;
		}
		req_fail(c, head, "dataplane sent no reply");
	}
	TAILQ_REMOVE(&c->pending, r, link);
	if (r->expired)
		c->n_expired--;
	if (r->kind != REQ_API)
		dp_on_reply[r->kind](c, msg, ok);
	else if (!r->expired && r->cb)
		r->cb(msg, c->socket, NULL, r->arg);
	dp_req_free(r);
}

static void dp_read_cb(struct bufferevent *bev, void *arg)
{
	struct dpconn *c = arg;
	unsigned int epoch = c->epoch;
	struct evbuffer *in = bufferevent_get_input(bev);
	char err[256], why[300];
	json_t *msg;
	int rc;

	while (c->epoch == epoch) {
		rc = jsonl_read(in, &msg, err, sizeof(err));
		if (rc == 0)
			break;
		if (rc < 0) {
			snprintf(why, sizeof(why), "bad message from the dataplane: %s", err);
			dp_disconnect(c, why);
			break;
		}
		dp_on_message(c, msg);
		json_decref(msg);
	}
}

static void dp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct dpconn *c = arg;
	char why[300];
	int e = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), "dataplane closed the connection");
	else if (what & BEV_EVENT_ERROR)
		snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(e));
	else
		return;
	/* Replies that came with the EOF are still in the input buffer. */
	if (what & BEV_EVENT_EOF)
		dp_read_cb(c->bev, c);
	dp_disconnect(c, why);
}

/* Try to connect now; on failure, again in 1 s. connect() on a Unix socket does not block. */
static void dp_connect(struct dpconn *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	json_t *hello;
	int fd, rc;

	if (c->state != DP_DOWN)
		return;
	if (strlen(c->socket) >= sizeof(sa.sun_path)) {
		dp_problem(c, LOG_LVL_ERROR, "socket path too long");
		return;
	}
	memcpy(sa.sun_path, c->socket, strlen(c->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dp_problem(c, LOG_LVL_ERROR, "socket: %s", strerror(errno));
		goto retry;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		/* EAGAIN: the dataplane's backlog is full; like any failure, try again later. */
		dp_problem(c, LOG_LVL_INFO, "connect: %s (retrying every %d s)", strerror(errno),
			   DPCONN_RETRY_S);
		close(fd);
		goto retry;
	}
	c->bev = bufferevent_socket_new(dp_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		dp_problem(c, LOG_LVL_ERROR, "out of memory");
		goto retry;
	}
	bufferevent_setcb(c->bev, dp_read_cb, NULL, dp_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->state = DP_HELLO;
	c->generation = -1;
	c->warned_late = false;
	log_dbg("dataplane %s: connected, sending hello", c->socket);
	hello = json_pack("{s:s, s:s}", "op", "hello", "client", DPCONN_CLIENT);
	rc = hello ? dp_send(c, hello, REQ_HELLO, NULL, NULL) : -ENOMEM;
	json_decref(hello);
	if (rc < 0)
		dp_disconnect(c, "cannot queue hello");
	return;

retry:
	dp_schedule_retry(c);
}

/* The timers of a connection: where each is kept, its flags and callback. */
static const struct {
	size_t off;
	short what;
	event_callback_fn cb;
} dp_timers[] = {
	{offsetof(struct dpconn, retry_ev), 0, dp_retry_cb},
	{offsetof(struct dpconn, stats_ev), EV_PERSIST, dp_stats_cb},
	{offsetof(struct dpconn, resync_ev), 0, dp_resync_cb},
	{offsetof(struct dpconn, live_ev), EV_PERSIST, dp_liveness_cb},
};

int dpconn_init(struct event_base *base, const char *const *sockets, unsigned int n)
{
	unsigned int i, k;

	if (dp_conns)
		log_fatal("dpconn_init called twice");
	/* A dataplane that goes away must not kill the daemon with SIGPIPE on the next write. */
	signal(SIGPIPE, SIG_IGN);
	dp_base = base;
	if (n == 0)
		return 0;
	dp_conns = calloc(n, sizeof(*dp_conns));
	if (!dp_conns)
		return -ENOMEM;
	dp_n_conns = n;
	for (i = 0; i < n; i++) {
		struct dpconn *c = &dp_conns[i];

		TAILQ_INIT(&c->pending);
		c->next_id = 1;
		c->generation = -1;
		c->state = DP_DOWN;
		c->socket = strdup(sockets[i]);
		if (!c->socket)
			goto err_free;
		for (k = 0; k < sizeof(dp_timers) / sizeof(dp_timers[0]); k++) {
			struct event **ev = (struct event **)((char *)c + dp_timers[k].off);

			*ev = event_new(base, -1, dp_timers[k].what, dp_timers[k].cb, c);
			if (!*ev)
				goto err_free;
		}
	}
	for (i = 0; i < n; i++)
		dp_connect(&dp_conns[i]);
	return 0;

err_free:
	dpconn_free();
	return -ENOMEM;
}

/* Pending requests are dropped without their callbacks: their owners are going away too. */
void dpconn_free(void)
{
	struct dpconn_req *r;
	unsigned int i, k;

	for (i = 0; i < dp_n_conns; i++) {
		struct dpconn *c = &dp_conns[i];

		while ((r = TAILQ_FIRST(&c->pending))) {
			TAILQ_REMOVE(&c->pending, r, link);
			dp_req_free(r);
		}
		if (c->bev)
			bufferevent_free(c->bev);
		for (k = 0; k < sizeof(dp_timers) / sizeof(dp_timers[0]); k++) {
			struct event *ev = *(struct event **)((char *)c + dp_timers[k].off);

			if (ev)
				event_free(ev);
		}
		json_decref(c->last_stats);
		json_decref(c->hello);
		free(c->socket);
	}
	free(dp_conns);
	dp_conns = NULL;
	dp_n_conns = 0;
	dp_defer_free();
	dp_base = NULL;
}
