/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * clients.h - the limits on sluiced's local clients (docs/daemon.md "Clients"). Each listener
 * (the API socket, the metrics endpoint) takes at most daemon.max_clients connections at once,
 * and never so many that the health checks and the dataplane connections could run out of file
 * descriptors: the limit of a listener is
 *
 *   min(daemon.max_clients, (RLIMIT_NOFILE - CLIENTS_FD_BASE - reserve()) / listeners)
 *
 * where reserve() is what the checks and dataplanes may hold at once (sluiced.c: two per
 * target, one per dataplane), and at least 1 (out of CLIENTS_FD_BASE's room) so that an operator
 * can still reach the API. A connection over the limit is closed at once and counted. An
 * accept error (EMFILE, ENFILE, ENOBUFS, ENOMEM) pauses the listener for CLIENTS_PAUSE_MS
 * instead of spinning on a socket that stays readable. Both are logged rate-limited
 * (ratelog.h) and counted for the metrics.
 */
#ifndef SL_CLIENTS_H
#define SL_CLIENTS_H

#include <stdint.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "ctrl/ratelog.h"

/* stdio, the event loop, the listeners, rtnetlink, a config file being read, and room */
#define CLIENTS_FD_BASE	 32
#define CLIENTS_PAUSE_MS 100
#define CLIENTS_MAX	 2 /* listeners */

struct clients {
	const char *name; /* the listener label: "api", "metrics" */
	struct evconnlistener *lis;
	unsigned int open;	/* connections now */
	uint64_t refused;	/* total closed at once for the limit */
	uint64_t accept_errors; /* total accept() failures */
	unsigned int holds;	/* the listener is enabled when 0 */
	struct event *resume;	/* the end of a pause after an accept error */
	struct ratelog refused_log, error_log;
};

/*
 * Settings for every listener (daemon.max_clients, daemon.client_timeout_ms) and the
 * descriptors to keep free for others (NULL: none). May be called again (reload): a lower limit
 * closes nobody, it refuses new clients until enough have gone.
 */
void clients_configure(unsigned int max_clients, unsigned int timeout_ms,
		       unsigned int (*reserve)(void));
/* daemon.client_timeout_ms as a timeval. */
struct timeval clients_timeout(void);
/*
 * Raise RLIMIT_NOFILE's soft limit to the hard one; the limit the caps are computed from is
 * read here (and in clients_init when never called). Returns the new soft limit, *old the
 * previous one.
 */
uint64_t clients_raise_nofile(uint64_t *old);

/* A listener's accounting, name a static string. 0 or -ENOMEM. */
int clients_init(struct clients *c, struct event_base *base, const char *name,
		 struct evconnlistener *lis);
void clients_free(struct clients *c);
/* The limit of c now (see the top). */
unsigned int clients_limit(const struct clients *c);
/*
 * A new connection: 1 when it may stay (open is counted), 0 when it must be closed at once
 * (counted and logged rate-limited).
 */
int clients_admit(struct clients *c);
/* An admitted connection closed. */
void clients_closed(struct clients *c);
/* Keep the listener disabled until as many clients_release(); for a step that must finish
 * before the next accept. */
void clients_hold(struct clients *c);
void clients_release(struct clients *c);
/* The listener's accept failed with err (its error callback): count, log, pause. */
void clients_accept_error(struct clients *c, int err);
/* The listeners set up now, for the metrics: i < CLIENTS_MAX, NULL past the last. */
const struct clients *clients_get(unsigned int i);

#endif /* SL_CLIENTS_H */
