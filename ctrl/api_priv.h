/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_priv.h - what api.c (the socket, its clients, dataplane proxying) and api_ops.c (the
 * operations) share. Not for other modules: they use api.h.
 */
#ifndef SL_API_PRIV_H
#define SL_API_PRIV_H

#include <time.h>

#include <jansson.h>

#include "ctrl/api.h"

struct api_client;

/* One request: its reply once done; a client's replies leave in queue order. */
struct api_req {
	struct api_req *next; /* in the client's queue, or the orphans */
	struct api_client *c; /* NULL: the client went away while a dataplane answers */
	json_t *id;
	json_t *reply; /* NULL while a dataplane request is in flight */
	int in_call;   /* inside dpconn_request(): do not flush yet */
	int proxied;   /* handed to a dataplane: its reply comes later */
	char op[16];
};

/* api.c */
time_t api_started(void);
api_reload_fn api_reloader(void);
/*
 * Send dreq (an object with "op", consumed) to the dataplane named by req's "dataplane" member
 * (or the first connected): NULL when it went (the reply follows), else the error reply.
 */
json_t *api_proxy(struct api_req *r, json_t *req, json_t *dreq);

/* api_ops.c */
/* Set key on reply (stealing value); fatal when out of memory. Returns reply. */
json_t *api_with(json_t *reply, const char *key, json_t *value);
/* A string member of req, NULL when absent. */
const char *api_str_member(json_t *req, const char *key);
/* Run req's op ("op" is a string) with its members checked: the reply, or NULL when a
 * dataplane answers. Sets r->op. */
json_t *api_ops_run(struct api_req *r, json_t *req);

#endif /* SL_API_PRIV_H */
