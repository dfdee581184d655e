/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn.c - the daemon's side of the dataplane control protocol (docs/protocol.md).
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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "ctrl/announce.h"
#include "ctrl/dpconn.h"
#include "ctrl/jsonl.h"
#include "ctrl/log.h"
#include "ctrl/node.h"
#include "ctrl/targets.h"

#define DPCONN_RETRY_S	   1
#define DPCONN_STATS_S	   2
#define DPCONN_TIMEOUT_S   5
#define DPCONN_WEDGED_S	   30 /* a daemon request unanswered this long: reconnect */
#define DPCONN_RESYNC_S	   30
#define DPCONN_LIVENESS_MS 100	       /* liveness poll period (daemon.announce) */
#define DPCONN_MAX_EXPIRED 32	       /* API requests timed out, reply still owed */
#define DPCONN_MAX_OUTPUT  (64u << 20) /* unsent bytes before the dataplane counts as stuck */
#ifndef SL_VERSION
#define SL_VERSION "0.1.0"
#endif
#define DPCONN_CLIENT	"sluiced " SL_VERSION
#define DPCONN_PROTOCOL 1

enum dpconn_state {
	DP_DOWN,    /* not connected; the retry timer runs */
	DP_HELLO,   /* connected, hello sent */
	DP_SYNCING, /* hello answered, a sync is in flight */
	DP_SYNCED,  /* the last sync was applied */
	DP_REFUSED, /* the last sync was refused; retried in 30 s */
};

static const char *const state_names[] = {
	[DP_DOWN] = "disconnected", [DP_HELLO] = "hello",	   [DP_SYNCING] = "syncing",
	[DP_SYNCED] = "synced",	    [DP_REFUSED] = "sync_refused",
};

enum dpconn_kind {
	REQ_API,
	REQ_HELLO,
	REQ_SYNC,
	REQ_UPDATE,
	REQ_STATS,
	REQ_STATE,    /* after hello, before the first sync: the states to seed (restart) */
	REQ_LIVENESS, /* every 100 ms with daemon.announce */
};

static const char *const kind_names[] = {
	[REQ_API] = "request",	     [REQ_HELLO] = "hello", [REQ_SYNC] = "sync",
	[REQ_UPDATE] = "update",     [REQ_STATS] = "stats", [REQ_STATE] = "state",
	[REQ_LIVENESS] = "liveness",
};

struct dpconn;

struct dpconn_req {
	TAILQ_ENTRY(dpconn_req) link;
	struct dpconn *conn; /* NULL on the deferred list */
	json_int_t id;
	enum dpconn_kind kind;
	bool expired; /* timed out: the callback has run, the reply is dropped */
	bool late;    /* a daemon request unanswered for DPCONN_TIMEOUT_S, warned about */
	struct event *timer;
	dpconn_cb cb;
	void *arg;
	char *err;    /* deferred list: the error to report */
	char *socket; /* deferred list: the dataplane asked for */
};

TAILQ_HEAD(dpconn_req_list, dpconn_req);

struct dpconn {
	char *socket;
	enum dpconn_state state;
	struct bufferevent *bev;
	unsigned int epoch; /* bumped on every disconnect: stale callbacks see the change */
	struct event *retry_ev;
	struct event *stats_ev;
	struct event *resync_ev;
	struct dpconn_req_list pending; /* in the order sent = the order of the replies */
	unsigned int n_expired;
	unsigned int syncs_inflight;
	bool stats_inflight;
	bool warned_late;
	json_int_t next_id;
	json_t *last_stats;
	json_t *hello;	       /* the last hello reply */
	json_int_t generation; /* -1: not known */
	bool ever_synced;
	struct timespec last_sync; /* CLOCK_MONOTONIC, valid when ever_synced */
	/* liveness (daemon.announce): the last answer and when it came (CLOCK_MONOTONIC) */
	struct event *live_ev;
	bool live_inflight;
	bool live_known; /* an alive answer came on this connection */
	bool live_alive, live_stopping;
	bool synced_conn; /* a sync was applied on this connection (a resync keeps it synced) */
	struct timespec live_at;
	char last_error[512]; /* "" when none */
	char logged[512];     /* the last problem logged, so that repeats are not */
};

static struct event_base *dp_base;
static struct dpconn *conns;
static unsigned int n_conns;
static struct event *defer_ev; /* runs the callbacks of requests that could not be sent */
static struct dpconn_req_list deferred = TAILQ_HEAD_INITIALIZER(deferred);
static bool dp_liveness_on;

static void dp_connect(struct dpconn *c);
static void dp_disconnect(struct dpconn *c, const char *why);
static int dp_send(struct dpconn *c, json_t *msg, enum dpconn_kind kind, dpconn_cb cb, void *arg);
static void dp_send_sync(struct dpconn *c);
static const char *reply_error(json_t *reply);

static double ts_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) + (double)(now.tv_nsec - then->tv_nsec) / 1e9;
}

/*
 * Record a problem as last_error and log it, unless it is the problem logged last: a state
 * that persists is logged once. dp_clear_problem() re-arms logging after a success.
 */
static void __attribute__((format(printf, 3, 4)))
dp_problem(struct dpconn *c, enum log_level level, const char *fmt, ...)
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

static void dp_clear_problem(struct dpconn *c)
{
	c->logged[0] = '\0';
}

static void req_free(struct dpconn_req *r)
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
	req_free(r);
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
static void dp_disconnect(struct dpconn *c, const char *why)
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

static void dp_resync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == DP_REFUSED && c->syncs_inflight == 0)
		dp_send_sync(c);
}

static void dp_stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn *c = arg;
	json_t *req;

	(void)fd;
	(void)what;
	if (c->state == DP_DOWN || c->state == DP_HELLO || c->stats_inflight)
		return;
	req = json_pack("{s:s}", "op", "stats");
	if (!req)
		return;
	if (dp_send(c, req, REQ_STATS, NULL, NULL) == 0)
		c->stats_inflight = true;
	json_decref(req);
}

static void dp_liveness_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dpconn *c = arg;
	json_t *req;

	(void)fd;
	(void)what;
	/* One at a time: a stopped or hung dataplane leaves it unanswered, and its last answer
	 * ages past liveness_timeout_ms (dpconn_node_reason). */
	if (c->state == DP_DOWN || c->live_inflight || !dp_liveness_on)
		return;
	req = json_pack("{s:s}", "op", "liveness");
	if (req && dp_send(c, req, REQ_LIVENESS, NULL, NULL) == 0)
		c->live_inflight = true;
	json_decref(req);
}

static void dp_on_liveness(struct dpconn *c, json_t *reply, bool ok)
{
	c->live_inflight = false;
	if (!ok) {
		dp_problem(c, LOG_LVL_ERROR, "liveness refused: %s (counts as not alive)",
			   reply_error(reply));
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
static int dp_send(struct dpconn *c, json_t *msg, enum dpconn_kind kind, dpconn_cb cb, void *arg)
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
	req_free(r);
	return rc;
}

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

static const char *reply_error(json_t *reply)
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

static void dp_on_hello(struct dpconn *c, json_t *reply, bool ok)
{
	static const struct timeval stats_period = {DPCONN_STATS_S, 0};
	json_t *proto = json_object_get(reply, "protocol");
	char why[600];

	if (!ok) {
		snprintf(why, sizeof(why), "hello refused: %s", reply_error(reply));
		dp_problem(c, LOG_LVL_ERROR, "%s", why);
		dp_disconnect(c, why);
		return;
	}
	if (!json_is_integer(proto) || json_integer_value(proto) != DPCONN_PROTOCOL) {
		if (json_is_integer(proto))
			snprintf(why, sizeof(why),
				 "dataplane speaks protocol %" JSON_INTEGER_FORMAT
				 ", this daemon speaks %d",
				 json_integer_value(proto), DPCONN_PROTOCOL);
		else
			snprintf(why, sizeof(why), "hello reply without a protocol version");
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
		json_t *req = json_pack("{s:s}", "op", "state");

		if (!req || dp_send(c, req, REQ_STATE, NULL, NULL) < 0) {
			json_decref(req);
			dp_disconnect(c, "cannot queue the state request");
			return;
		}
		json_decref(req);
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

static void dp_on_sync(struct dpconn *c, json_t *reply, bool ok)
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
		   reply_error(reply), DPCONN_RESYNC_S);
	if (c->syncs_inflight == 0) {
		c->state = DP_REFUSED;
		evtimer_add(c->resync_ev, &tv);
	}
}

static void dp_on_state(struct dpconn *c, json_t *reply, bool ok)
{
	if (ok)
		targets_seed(reply, c->socket);
	else
		log_warn("dataplane %s: state refused (%s): its target states are not read back",
			 c->socket, reply_error(reply));
	if (c->state == DP_HELLO)
		dp_send_sync(c);
}

static void dp_on_update(struct dpconn *c, json_t *reply, bool ok)
{
	if (ok) {
		dp_note_generation(c, reply);
		return;
	}
	log_err("dataplane %s: update refused: %s; sending a full sync", c->socket,
		reply_error(reply));
	snprintf(c->last_error, sizeof(c->last_error), "update refused: %s", reply_error(reply));
	/* A sync in flight was sent after this update and supersedes it; a refused one is retried.
	 */
	if (c->state == DP_SYNCED)
		dp_send_sync(c);
}

static void dp_on_stats(struct dpconn *c, json_t *reply, bool ok)
{
	json_t *stats = json_object_get(reply, "stats");

	c->stats_inflight = false;
	if (!ok || !json_is_object(stats)) {
		log_dbg("dataplane %s: stats: %s", c->socket,
			ok ? "reply without a stats object" : reply_error(reply));
		return;
	}
	json_decref(c->last_stats);
	c->last_stats = json_incref(stats);
	/* the passive data-path check weighs each appliance's returns against its packets */
	targets_passive((unsigned int)(c - conns), c->epoch, stats);
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
		snprintf(why, sizeof(why), "dataplane error: %s", reply_error(msg));
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
	switch (r->kind) {
	case REQ_HELLO:
		dp_on_hello(c, msg, ok);
		break;
	case REQ_SYNC:
		dp_on_sync(c, msg, ok);
		break;
	case REQ_UPDATE:
		dp_on_update(c, msg, ok);
		break;
	case REQ_STATS:
		dp_on_stats(c, msg, ok);
		break;
	case REQ_STATE:
		dp_on_state(c, msg, ok);
		break;
	case REQ_LIVENESS:
		dp_on_liveness(c, msg, ok);
		break;
	case REQ_API:
		if (!r->expired && r->cb)
			r->cb(msg, c->socket, NULL, r->arg);
		break;
	}
	req_free(r);
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

int dpconn_init(struct event_base *base, const char *const *sockets, unsigned int n)
{
	unsigned int i;
	int rc;

	if (conns)
		log_fatal("dpconn_init called twice");
	/* A dataplane that goes away must not kill the daemon with SIGPIPE on the next write. */
	signal(SIGPIPE, SIG_IGN);
	dp_base = base;
	if (n == 0)
		return 0;
	conns = calloc(n, sizeof(*conns));
	if (!conns)
		return -ENOMEM;
	n_conns = n;
	for (i = 0; i < n; i++) {
		struct dpconn *c = &conns[i];

		TAILQ_INIT(&c->pending);
		c->next_id = 1;
		c->generation = -1;
		c->state = DP_DOWN;
		c->socket = strdup(sockets[i]);
		c->retry_ev = evtimer_new(base, dp_retry_cb, c);
		c->stats_ev = event_new(base, -1, EV_PERSIST, dp_stats_cb, c);
		c->resync_ev = evtimer_new(base, dp_resync_cb, c);
		c->live_ev = event_new(base, -1, EV_PERSIST, dp_liveness_cb, c);
		if (!c->socket || !c->retry_ev || !c->stats_ev || !c->resync_ev || !c->live_ev) {
			rc = -ENOMEM;
			goto err_free;
		}
	}
	for (i = 0; i < n; i++)
		dp_connect(&conns[i]);
	return 0;

err_free:
	dpconn_free();
	return rc;
}

/* Pending requests are dropped without their callbacks: their owners are going away too. */
void dpconn_free(void)
{
	struct dpconn_req *r;
	unsigned int i;

	for (i = 0; i < n_conns; i++) {
		struct dpconn *c = &conns[i];

		while ((r = TAILQ_FIRST(&c->pending))) {
			TAILQ_REMOVE(&c->pending, r, link);
			req_free(r);
		}
		if (c->bev)
			bufferevent_free(c->bev);
		if (c->retry_ev)
			event_free(c->retry_ev);
		if (c->stats_ev)
			event_free(c->stats_ev);
		if (c->resync_ev)
			event_free(c->resync_ev);
		if (c->live_ev)
			event_free(c->live_ev);
		json_decref(c->last_stats);
		json_decref(c->hello);
		free(c->socket);
	}
	free(conns);
	conns = NULL;
	n_conns = 0;
	while ((r = TAILQ_FIRST(&deferred))) {
		TAILQ_REMOVE(&deferred, r, link);
		req_free(r);
	}
	if (defer_ev)
		event_free(defer_ev);
	defer_ev = NULL;
	dp_base = NULL;
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
	for (i = 0; i < n_conns; i++) {
		struct dpconn *c = &conns[i];

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

	for (i = 0; i < n_conns; i++) {
		/* A dataplane still in hello gets its sync when hello is answered. */
		if (conns[i].state != DP_DOWN && conns[i].state != DP_HELLO)
			dp_send_sync(&conns[i]);
	}
}

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
		req_free(r);
	}
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
	r->kind = REQ_API;
	r->cb = cb;
	r->arg = arg;
	r->err = strdup(err);
	r->socket = dataplane ? strdup(dataplane) : NULL;
	if (!r->err || (dataplane && !r->socket)) {
		req_free(r);
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&deferred, r, link);
	event_active(defer_ev, 0, 0);
	return 0;
}

static bool dp_usable(const struct dpconn *c)
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
	for (i = 0; i < n_conns; i++) {
		if (dataplane ? strcmp(conns[i].socket, dataplane) == 0 : dp_usable(&conns[i])) {
			c = &conns[i];
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
		c->ever_synced ? json_real((double)(int64_t)(ts_since(&c->last_sync) * 10) / 10)
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
	for (i = 0; i < n_conns; i++) {
		o = dp_status_one(&conns[i]);
		if (!o || json_array_append_new(list, o)) {
			json_decref(list);
			return NULL;
		}
	}
	return json_pack("{s:o}", "dataplanes", list);
}

unsigned int dpconn_count(void)
{
	return n_conns;
}

const char *dpconn_socket(unsigned int i)
{
	return i < n_conns ? conns[i].socket : NULL;
}

int dpconn_connected(unsigned int i)
{
	return i < n_conns && dp_usable(&conns[i]);
}

json_t *dpconn_last_stats(unsigned int i)
{
	return i < n_conns && dp_usable(&conns[i]) ? conns[i].last_stats : NULL;
}

void dpconn_liveness(int on)
{
	static const struct timeval live_period = {0, DPCONN_LIVENESS_MS * 1000};
	unsigned int i;

	dp_liveness_on = on;
	for (i = 0; i < n_conns; i++) {
		if (!on || conns[i].state == DP_DOWN || conns[i].state == DP_HELLO)
			continue;
		if (!evtimer_pending(conns[i].live_ev, NULL))
			evtimer_add(conns[i].live_ev, &live_period);
	}
}

int dpconn_node_reason(unsigned int i, uint32_t timeout_ms)
{
	const struct dpconn *c;
	bool synced;

	if (i >= n_conns || conns[i].state == DP_DOWN)
		return NODE_R_DP_DOWN;
	c = &conns[i];
	/* A resync (reload, refused update) of a synced dataplane: it forwards with the
	 * previous generation meanwhile, so it still counts as synced (no flap on a reload). */
	synced = c->state == DP_SYNCED || (c->state == DP_SYNCING && c->synced_conn);
	if (c->live_known && c->live_stopping)
		return NODE_R_DP_STOPPING;
	if (!c->live_known || !c->live_alive || ts_since(&c->live_at) * 1000 > timeout_ms)
		return synced && c->live_known ? NODE_R_DP_STALLED : NODE_R_DP_NOT_SYNCED;
	if (!synced)
		return NODE_R_DP_NOT_SYNCED;
	return NODE_R_NONE;
}
