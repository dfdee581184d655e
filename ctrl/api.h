/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.h - sluiced's API (docs/daemon.md "API") on a Unix stream socket, jsonl framing.
 * Requests are handled on the daemon's event base; flows and counters are proxied to a
 * dataplane asynchronously (dpconn_request()), replies keep request order per client.
 */
#ifndef SL_API_H
#define SL_API_H

#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

/* Re-read the config file: 0 and *changes, or a negative errno and err. sluiced.c owns it. */
typedef int (*api_reload_fn)(json_t **changes, char *err, size_t errlen);

/*
 * Listen on path with mode (a stale socket file is replaced, a live one is an error: another
 * daemon). 0 or a negative errno with a message in err.
 */
int api_init(struct event_base *base, const char *path, mode_t mode, api_reload_fn reload,
	     char *err, size_t errlen);
void api_free(void);

#endif /* SL_API_H */
