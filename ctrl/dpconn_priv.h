/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpconn_priv.h - the parts of sluiced's connections to its dataplanes (dpconn.h), private to
 * them. All on the daemon's event base; no threads.
 *
 *   dpconn.c       a connection: connect, requests sent and matched to their replies by id,
 *                  timeouts, disconnect and reconnect
 *   dpconn_sync.c  what the daemon asks of a dataplane and does with the answers: hello, the
 *                  states read back, sync, update, stats and liveness polling
 *   dpconn_api.c   requests relayed for the API, the connections' status, the node reasons
 */
#ifndef SL_DPCONN_PRIV_H
#define SL_DPCONN_PRIV_H

#include <stdbool.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "ctrl/dpconn.h"
#include "ctrl/log.h"

#define DPCONN_RETRY_S	   1
#define DPCONN_STATS_S	   2
#define DPCONN_TIMEOUT_S   5
#define DPCONN_WEDGED_S	   30 /* a daemon request unanswered this long: reconnect */
#define DPCONN_RESYNC_S	   30
#define DPCONN_LIVENESS_MS 100	       /* liveness poll period (daemon.announce) */
#define DPCONN_MAX_EXPIRED 32	       /* API requests timed out, reply still owed */
#define DPCONN_MAX_OUTPUT  (64u << 20) /* unsent bytes before the dataplane counts as stuck */
#define DPCONN_PROTOCOL	   1

enum dpconn_state {
	DP_DOWN,    /* not connected; the retry timer runs */
	DP_HELLO,   /* connected, hello sent */
	DP_SYNCING, /* hello answered, a sync is in flight */
	DP_SYNCED,  /* the last sync was applied */
	DP_REFUSED, /* the last sync was refused; retried in 30 s */
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

/* dpconn.c */
extern struct event_base *dp_base;
extern struct dpconn *dp_conns; /* one per configured control socket */
extern unsigned int dp_n_conns;
extern bool dp_liveness_on;
/* Seconds since then (CLOCK_MONOTONIC). */
double dp_since(const struct timespec *then);
/*
 * Record a problem as last_error and log it, unless it is the problem logged last: a state
 * that persists is logged once. dp_clear_problem() re-arms logging after a success.
 */
void dp_problem(struct dpconn *c, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dp_clear_problem(struct dpconn *c);
/*
 * Drop the connection (if any), fail every pending request with why, and retry in 1 s. The
 * dataplane keeps its last state meanwhile. Safe to call from any callback of c: callers that
 * go on touching c compare c->epoch.
 */
void dp_disconnect(struct dpconn *c, const char *why);
/* Queue msg (not stolen; "id" is set on it) on c. 0 or a negative errno. */
int dp_send(struct dpconn *c, json_t *msg, enum dpconn_kind kind, dpconn_cb cb, void *arg);
/* Queue {"op": op} on c. 0 or a negative errno. */
int dp_send_op(struct dpconn *c, const char *op, enum dpconn_kind kind);
void dp_req_free(struct dpconn_req *r);

/* dpconn_sync.c: the timers' callbacks (arg: the struct dpconn), and the replies' handlers. */
void dp_resync_cb(evutil_socket_t fd, short what, void *arg);
void dp_stats_cb(evutil_socket_t fd, short what, void *arg);
void dp_liveness_cb(evutil_socket_t fd, short what, void *arg);
void dp_on_hello(struct dpconn *c, json_t *reply, bool ok);
void dp_on_sync(struct dpconn *c, json_t *reply, bool ok);
void dp_on_state(struct dpconn *c, json_t *reply, bool ok);
void dp_on_update(struct dpconn *c, json_t *reply, bool ok);
void dp_on_stats(struct dpconn *c, json_t *reply, bool ok);
void dp_on_liveness(struct dpconn *c, json_t *reply, bool ok);
/* The "error" of a refused reply, for messages. */
const char *dp_reply_error(json_t *reply);

/* dpconn_api.c */
/* Hello answered: requests may be relayed. */
bool dp_usable(const struct dpconn *c);
/* Drop the requests whose failure was not reported yet (dpconn_free). */
void dp_defer_free(void);

#endif /* SL_DPCONN_PRIV_H */
