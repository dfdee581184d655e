/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.c - sluiced's API socket (docs/daemon.md "API"): a Unix stream socket, one JSON request
 * per line, one reply per request in request order. Requests are validated before anything is
 * done (unknown op, missing or unknown member, wrong type: an error naming it). flows and
 * counters go to a dataplane (dpconn_request()); a client's later replies wait for them.
 *
 * Clients are limited (clients.h): over the limit a client gets one error line and is closed at
 * once; a client that neither sends a complete request nor takes its replies for
 * daemon.client_timeout_ms, while no request of its waits on a dataplane, is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "ctrl/api_priv.h"
#include "ctrl/clients.h"
#include "ctrl/dpconn.h"
#include "ctrl/jsonl.h"
#include "ctrl/log.h"
#include "ctrl/targets.h"

/* A client that asks faster than it reads is not read from until its replies drain. */
#define API_OUT_MAX   (8u << 20)
#define API_QUEUE_MAX 256

struct api_client {
	struct api_client *next, *prev;
	struct bufferevent *bev;
	struct event *idle; /* daemon.client_timeout_ms without progress */
	struct api_req *head, *tail;
	unsigned int n_queued; /* requests not yet answered on the socket */
	int closing;	       /* read side done: close once every reply is written */
	int throttled;	       /* reading paused until the output drains */
};

static struct {
	struct event_base *base;
	struct evconnlistener *lis;
	api_reload_fn reload;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct api_client *clients;
	struct clients limits;
	struct api_req *orphans;
	time_t started;
} api;

time_t api_started(void)
{
	return api.started;
}

api_reload_fn api_reloader(void)
{
	return api.reload;
}

/* --- requests a dataplane answers --- */

static void client_flush(struct api_client *c);
static void req_free(struct api_req *r);

static void orphan_del(struct api_req *r)
{
	struct api_req **pp;

	for (pp = &api.orphans; *pp && *pp != r; pp = &(*pp)->next)
		;
	if (!*pp)
		log_fatal("request not among the orphans");
	*pp = r->next;
}

static void dp_reply(json_t *reply, const char *dataplane, const char *err, void *arg)
{
	struct api_req *r = arg;
	const char *key;
	json_t *v;

	if (!r->c) { /* the client went away */
		orphan_del(r);
		req_free(r);
		return;
	}
	if (!reply) {
		r->reply = jsonl_error(r->id, "%s: %s", r->op, err ? err : "no reply");
	} else if (!json_is_true(json_object_get(reply, "ok"))) {
		r->reply = jsonl_error(r->id, "%s: dataplane %s: %s", r->op,
				       dataplane ? dataplane : "?",
				       json_string_value(json_object_get(reply, "error"))
					       ? json_string_value(json_object_get(reply, "error"))
					       : "refused");
	} else {
		r->reply = jsonl_ok(r->id);
		json_object_foreach(reply, key, v)
		{
			if (strcmp(key, "v") && strcmp(key, "id") && strcmp(key, "ok"))
				json_object_set(r->reply, key, v);
		}
		api_with(r->reply, "dataplane", dataplane ? json_string(dataplane) : json_null());
	}
	if (!r->reply)
		log_fatal("out of memory");
	if (!r->in_call) /* else the reply was immediate: client_request() goes on */
		client_flush(r->c);
}

/* Send dreq (stolen) to the chosen dataplane; the reply comes to dp_reply(). */
json_t *api_proxy(struct api_req *r, json_t *req, json_t *dreq)
{
	int rc;

	if (!dreq)
		log_fatal("out of memory");
	r->in_call = 1;
	rc = dpconn_request(api_str_member(req, "dataplane"), dreq, dp_reply, r);
	r->in_call = 0;
	r->proxied = !rc;
	json_decref(dreq);
	if (rc)
		return jsonl_error(r->id, "%s: cannot reach a dataplane: %s", r->op, strerror(-rc));
	return NULL; /* in flight, or already answered */
}

/* --- clients --- */

static void req_free(struct api_req *r)
{
	json_decref(r->id);
	json_decref(r->reply);
	free(r);
}

static struct api_req *req_new(struct api_client *c, json_t *id)
{
	struct api_req *r = calloc(1, sizeof(*r));

	if (!r)
		log_fatal("out of memory");
	r->c = c;
	r->id = json_incref(id ? id : json_null());
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->n_queued++;
	return r;
}

static void client_free(struct api_client *c)
{
	struct api_req *r, *next;

	for (r = c->head; r; r = next) {
		next = r->next;
		if (r->reply) {
			req_free(r);
		} else { /* a dataplane still answers: dp_reply frees it */
			r->c = NULL;
			r->next = api.orphans;
			api.orphans = r;
		}
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		api.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	clients_closed(&api.limits);
	event_free(c->idle);
	bufferevent_free(c->bev);
	free(c);
}

/* The client made progress (a complete request, or its replies drained): the timeout restarts. */
static void client_progress(struct api_client *c)
{
	struct timeval tv = clients_timeout();

	if (evtimer_add(c->idle, &tv))
		log_fatal("api: evtimer_add failed");
}

/*
 * No progress for daemon.client_timeout_ms: an idle client, one that never finishes its line,
 * or one that does not read its replies. A request a dataplane still answers keeps it (the
 * dataplane's own 5 s bound ends that wait).
 */
static void client_idle(evutil_socket_t fd, short what, void *arg)
{
	struct api_client *c = arg;
	struct api_req *r;

	(void)fd;
	(void)what;
	for (r = c->head; r; r = r->next) {
		if (!r->reply) {
			client_progress(c);
			return;
		}
	}
	log_dbg("api: closed a client without progress for daemon.client_timeout_ms");
	client_free(c);
}

/* Write the replies that are ready, in order; close a finished client. */
static void client_flush(struct api_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct api_req *r;

	while ((r = c->head) && r->reply) {
		if (jsonl_write(out, r->reply))
			log_warn("api: cannot write a reply");
		c->head = r->next;
		if (!c->head)
			c->tail = NULL;
		c->n_queued--;
		req_free(r);
	}
	if (c->closing && !c->head && !evbuffer_get_length(out))
		client_free(c);
}

static void client_request(struct api_client *c, json_t *req)
{
	json_t *id = json_object_get(req, "id"), *v = json_object_get(req, "v");
	struct api_req *r = req_new(c, id);
	json_t *reply;

	if (!id)
		reply = jsonl_error(NULL, "missing member \"id\"");
	else if (!v)
		reply = jsonl_error(id, "missing member \"v\"");
	else if (!json_is_integer(v))
		reply = jsonl_error(id, "v: expected an integer");
	else if (json_integer_value(v) != JSONL_VERSION)
		reply = jsonl_error(id,
				    "unsupported protocol version %" JSON_INTEGER_FORMAT
				    " (this daemon speaks %d)",
				    json_integer_value(v), JSONL_VERSION);
	else if (!json_object_get(req, "op"))
		reply = jsonl_error(id, "missing member \"op\"");
	else if (!json_is_string(json_object_get(req, "op")))
		reply = jsonl_error(id, "op: expected a string");
	else
		reply = api_ops_run(r, req);
	if (reply) /* else a dataplane answers (maybe already did) */
		r->reply = reply;
	if (!r->reply && !r->proxied)
		log_fatal("api: %s: no reply (out of memory)", r->op);
}

static void client_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct api_client *c = arg;
	json_t *req;
	char err[256];
	int rc;

	while (!c->closing && (rc = jsonl_read(in, &req, err, sizeof(err))) != 0) {
		if (rc < 0) { /* a broken line: answer, then close */
			struct api_req *r = req_new(c, NULL);

			r->reply = jsonl_error(NULL, "%s", err);
			c->closing = 1;
			bufferevent_disable(bev, EV_READ);
			break;
		}
		client_request(c, req);
		json_decref(req);
		client_progress(c);
		if (c->n_queued >= API_QUEUE_MAX ||
		    evbuffer_get_length(bufferevent_get_output(bev)) >= API_OUT_MAX) {
			c->throttled = 1;
			bufferevent_disable(bev, EV_READ);
			break;
		}
	}
	client_flush(c);
}

/* The output drained. */
static void client_write(struct bufferevent *bev, void *arg)
{
	struct api_client *c = arg;

	client_progress(c);
	if (c->throttled && !c->closing) {
		c->throttled = 0;
		bufferevent_enable(bev, EV_READ);
		client_read(bev, c); /* the lines already buffered */
		return;
	}
	client_flush(c);
}

static void client_event(struct bufferevent *bev, short what, void *arg)
{
	struct api_client *c = arg;

	if (what & BEV_EVENT_EOF) { /* half-close: answer what was asked, then close */
		c->closing = 1;
		bufferevent_disable(bev, EV_READ);
		client_flush(c);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		client_free(c);
}

static void api_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
		       int salen, void *arg)
{
	char full[128];
	struct api_client *c;
	int n;

	(void)lis;
	(void)sa;
	(void)salen;
	(void)arg;
	if (!clients_admit(&api.limits)) { /* counted and logged there */
		n = snprintf(full, sizeof(full),
			     "{\"v\":1,\"id\":null,\"ok\":false,\"error\":\"too many clients "
			     "(at most %u)\"}\n",
			     clients_limit(&api.limits));
		if (write(fd, full, (size_t)n) < 0) { /* best effort: the socket is non-blocking */
		}
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->idle = evtimer_new(api.base, client_idle, c);
	c->bev = c->idle ? bufferevent_socket_new(api.base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
	if (!c->bev) {
		if (c->idle)
			event_free(c->idle);
		free(c);
		goto fail;
	}
	bufferevent_setcb(c->bev, client_read, client_write, client_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, JSONL_MAX + 1);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE)) {
		bufferevent_free(c->bev);
		event_free(c->idle);
		free(c);
		clients_closed(&api.limits);
		return;
	}
	c->next = api.clients;
	if (c->next)
		c->next->prev = c;
	api.clients = c;
	client_progress(c);
	return;
fail:
	clients_closed(&api.limits);
	log_warn("api: out of memory, client refused");
	close(fd);
}

/* accept() failed with more than EAGAIN/EINTR/ECONNABORTED: EMFILE and the like. */
static void api_accept_error(struct evconnlistener *lis, void *arg)
{
	(void)lis;
	(void)arg;
	clients_accept_error(&api.limits, EVUTIL_SOCKET_ERROR());
}

/* --- the socket --- */

/* A socket file at the path: 0 when none is left (a stale one was removed), else an error. */
static int stale_remove(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st))
		return errno == ENOENT ? 0
				       : errf(err, errlen, -errno, "%s: %s", sun->sun_path,
					      strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return errf(err, errlen, -EEXIST, "%s exists and is not a socket", sun->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errf(err, errlen, -errno, "socket: %s", strerror(errno));
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (!rc)
		return errf(err, errlen, -EADDRINUSE, "another sluiced is listening on %s",
			    sun->sun_path);
	if (unlink(sun->sun_path) && errno != ENOENT)
		return errf(err, errlen, -errno, "cannot remove the stale socket %s: %s",
			    sun->sun_path, strerror(errno));
	return 0;
}

int api_init(struct event_base *base, const char *path, mode_t mode, api_reload_fn reload,
	     char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	mode_t old_mask;
	int fd, rc;

	if (api.base)
		log_fatal("called twice");
	if (strlen(path) >= sizeof(sun.sun_path) || !*path)
		return errf(err, errlen, -ENAMETOOLONG, "api socket path \"%s\": empty or too long",
			    path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	rc = stale_remove(&sun, err, errlen);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errf(err, errlen, -errno, "socket: %s", strerror(errno));
	old_mask = umask(0177); /* never wider than 0600 until chmod */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (rc) {
		rc = errf(err, errlen, -errno, "bind %s: %s", path, strerror(errno));
		goto err_close;
	}
	if (chmod(path, mode)) {
		rc = errf(err, errlen, -errno, "chmod %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	api.lis = evconnlistener_new(base, api_accept, NULL,
				     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (!api.lis) {
		rc = errf(err, errlen, -errno ? -errno : -ENOMEM, "listen %s: %s", path,
			  strerror(errno ? errno : ENOMEM));
		goto err_unlink;
	}
	evconnlistener_set_error_cb(api.lis, api_accept_error);
	if (clients_init(&api.limits, base, "api", api.lis)) {
		evconnlistener_free(api.lis); /* closes fd */
		api.lis = NULL;
		unlink(path);
		return errf(err, errlen, -ENOMEM, "out of memory");
	}
	api.base = base;
	api.reload = reload;
	api.started = time(NULL);
	memcpy(api.path, path, strlen(path) + 1);
	return 0;
err_unlink:
	unlink(path);
err_close:
	close(fd);
	return rc;
}

void api_free(void)
{
	struct api_req *r;

	if (!api.base)
		return;
	while (api.clients)
		client_free(api.clients);
	while ((r = api.orphans)) { /* dpconn_free() ran first: no callback comes any more */
		api.orphans = r->next;
		req_free(r);
	}
	evconnlistener_free(api.lis);
	clients_free(&api.limits);
	unlink(api.path);
	memset(&api, 0, sizeof(api));
}
