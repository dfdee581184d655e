/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.h - the Prometheus text endpoint (GET /metrics, docs/daemon.md "Metrics") on a
 * loopback address, served by libevent's evhttp. Renders targets_list_json() and the
 * dataplanes' last polled stats (dpconn_last_stats()) on each scrape.
 */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

/*
 * Listen on "127.0.0.1:9469" / "[::1]:9469" with the client limit and timeout of clients.h.
 * 0 or a negative errno with a message in err.
 */
int metrics_init(struct event_base *base, const char *address, char *err, size_t errlen);
/* Apply a changed daemon.client_timeout_ms (clients_configure()) to new connections. */
void metrics_reconfigure(void);
void metrics_free(void);
/* The page, for tests and for the API: caller frees. targets: targets_list_json(NULL). */
char *metrics_render(json_t *targets);

#endif /* SL_METRICS_H */
