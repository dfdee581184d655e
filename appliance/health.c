/* SPDX-License-Identifier: BSD-3-Clause */
/* health.c - /healthz and /stats over evhttp (see health.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "appliance/health.h"

static void health_reply(struct evhttp_request *req, int code, const char *reason, const char *type,
			 const char *body)
{
	struct evbuffer *b = evbuffer_new();

	if (!b) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void health_cb(struct evhttp_request *req, void *arg)
{
	struct appl *a = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	json_t *o;
	char *s;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		health_reply(req, 405, "Method Not Allowed", "text/plain", "method not allowed\n");
		return;
	}
	if (path && !strcmp(path, "/healthz")) {
		if (a->failed)
			health_reply(req, 503, "Service Unavailable", "text/plain", "failed\n");
		else
			health_reply(req, 200, "OK", "text/plain", "ok\n");
		return;
	}
	if (path && !strcmp(path, "/stats")) {
		o = counters_json(a);
		s = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
		json_decref(o);
		if (!s) {
			evhttp_send_error(req, 500, "out of memory");
			return;
		}
		health_reply(req, 200, "OK", "application/json", s);
		free(s);
		return;
	}
	health_reply(req, 404, "Not Found", "text/plain", "not found (/healthz, /stats)\n");
}

int health_start(struct event_base *base, struct appl *a, struct evhttp **out)
{
	char ip[INET_ADDRSTRLEN];
	struct evhttp *http;

	if (!inet_ntop(AF_INET, &a->addr, ip, sizeof(ip)))
		return -errno;
	http = evhttp_new(base);
	if (!http)
		return -ENOMEM;
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_max_headers_size(http, 8192);
	evhttp_set_max_body_size(http, 4096);
	evhttp_set_timeout(http, 10);
	evhttp_set_gencb(http, health_cb, a);
	errno = 0;
	if (!evhttp_bind_socket_with_handle(http, ip, a->health_port)) {
		int rc = errno ? -errno : -EADDRINUSE;

		evhttp_free(http);
		return rc;
	}
	*out = http;
	return 0;
}
