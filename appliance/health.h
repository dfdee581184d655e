/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.h - the appliance's HTTP side (libevent evhttp), what sluiced's health checks probe:
 * GET /healthz -> 200 "ok" while healthy, 503 "failed" after SIGUSR2; GET /stats -> the
 * counters as JSON; anything else 404, methods other than GET/HEAD 405.
 */
#ifndef SL_APPLIANCE_HEALTH_H
#define SL_APPLIANCE_HEALTH_H

#include <event2/event.h>
#include <event2/http.h>

#include "appliance/appliance.h"

/* Binds a->addr:a->health_port. 0 and *out (free with evhttp_free), or -errno. */
int health_start(struct event_base *base, struct appl *a, struct evhttp **out);

#endif /* SL_APPLIANCE_HEALTH_H */
