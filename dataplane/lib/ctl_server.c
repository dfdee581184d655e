/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_server.c - the control protocol server (docs/protocol.md), for any dataplane (see
 * ctl_server.h): the socket and its clients, the line framing, the request envelope (v, id, op)
 * and the dispatch to the op (ctl_priv.h lists the other parts). One thread only: every
 * function here runs between two poll() calls of the dataplane's control loop, so the runtime
 * state an op replaces is never changed by anyone else meanwhile.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "dataplane/lib/ctl_priv.h"

#define CTL_OUT_MAX	  (64u << 20) /* pending reply bytes before a client is dropped */
#define CTL_OUT_READ_STOP (1u << 20)  /* stop reading a client with this much unsent */

struct ctl_client {
	int fd;
	char *in; /* received bytes not yet a complete line */
	size_t in_len, in_cap;
	char *out; /* replies not yet written */
	size_t out_len, out_off, out_cap;
	int closing; /* close once out is written */
};

static int ctl_listen_fd = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct ctl_client ctl_clients[CTL_MAX_CLIENTS];
int ctl_synced;
const struct ctl_backend *ctl_be;

void ctl_info(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: info: ", ctl_be->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ctl_errf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CTL_ERR_MAX, fmt, ap);
	va_end(ap);
}

static int ctl_listed(const char *const *list, const char *k)
{
	for (; list && *list; list++)
		if (!strcmp(*list, k))
			return 1;
	return 0;
}

int ctl_members(json_t *o, const char *const *allowed, const char *const *more, const char *where,
		char *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o)) {
		ctl_errf(err, "%s: not an object", where);
		return -EINVAL;
	}
	json_object_foreach(o, k, v)
	{
		if (!ctl_listed(allowed, k) && !ctl_listed(more, k)) {
			ctl_errf(err, "%s: unknown member \"%.64s\"", where, k);
			return -EINVAL;
		}
	}
	return 0;
}

int ctl_check_members(json_t *msg, const char *op, const char *const *extra, char *err)
{
	static const char *const envelope[] = {"v", "id", "op", NULL};

	return ctl_members(msg, envelope, extra, op, err);
}

/* ---- transport ---- */

static void ctl_client_close(struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	ctl_info("control: client disconnected");
}

/* Queue text (len bytes) and a newline for c. 0 or -ENOMEM / -ENOBUFS (c must go). */
static int ctl_queue(struct ctl_client *c, const char *text, size_t len)
{
	size_t need = c->out_len - c->out_off + len + 1;

	if (need > CTL_OUT_MAX)
		return -ENOBUFS;
	if (c->out_off) { /* compact what was already written */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *o;

		while (cap < need)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o)
			return -ENOMEM;
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	return 0;
}

static void ctl_reply(struct ctl_client *c, json_t *reply)
{
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;

	if (!text || ctl_queue(c, text, strlen(text)))
		c->closing = 2; /* cannot answer: drop the client */
	free(text);
}

static void ctl_reply_error(struct ctl_client *c, json_t *id, const char *msg)
{
	json_t *r =
		json_pack("{s:i,s:O?,s:b,s:s}", "v", CTL_PROTOCOL, "id", id, "ok", 0, "error", msg);

	if (r && !id)
		json_object_set_new(r, "id", json_null());
	ctl_reply(c, r);
	json_decref(r);
}

/* The op named name, or NULL. */
static const struct ctl_op *ctl_find_op(const char *name)
{
	static const struct ctl_op *const tables[] = {ctl_read_ops, ctl_write_ops};
	const struct ctl_op *o;
	unsigned int t;

	for (t = 0; t < CTL_DIM(tables); t++)
		for (o = tables[t]; o->name; o++)
			if (!strcmp(o->name, name))
				return o;
	return NULL;
}

static void ctl_request(struct ctl_client *c, const char *line, size_t len)
{
	char err[CTL_ERR_MAX] = "";
	struct ctl_req r = {0};
	json_error_t jerr;
	json_t *msg, *id, *v, *op;
	const struct ctl_op *fn;

	msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!msg || !json_is_object(msg)) {
		if (!msg)
			snprintf(err, sizeof(err), "not JSON (%.200s at column %d): closing",
				 jerr.text, jerr.column);
		else
			snprintf(err, sizeof(err),
				 "a request must be a JSON object, not %s: closing",
				 json_is_array(msg)    ? "an array"
				 : json_is_string(msg) ? "a string"
						       : "a scalar");
		ctl_reply_error(c, NULL, err);
		c->closing = 1;
		json_decref(msg);
		return;
	}
	id = json_object_get(msg, "id");
	v = json_object_get(msg, "v");
	op = json_object_get(msg, "op");
	if (!v || !json_is_integer(v) || json_integer_value(v) != CTL_PROTOCOL) {
		if (json_is_integer(v))
			snprintf(err, sizeof(err),
				 "unsupported protocol version %" JSON_INTEGER_FORMAT
				 " (this dataplane speaks %d)",
				 json_integer_value(v), CTL_PROTOCOL);
		else
			snprintf(err, sizeof(err), "v: %s (this dataplane speaks protocol %d)",
				 v ? "not an integer" : "missing", CTL_PROTOCOL);
		goto refuse;
	}
	if (!id) {
		snprintf(err, sizeof(err), "id: missing");
		goto refuse;
	}
	if (!json_is_string(op)) {
		snprintf(err, sizeof(err), "op: %s", op ? "not a string" : "missing");
		goto refuse;
	}
	fn = ctl_find_op(json_string_value(op));
	if (!fn) {
		snprintf(err, sizeof(err),
			 "unknown op \"%.64s\" (expected hello, sync, update, state, stats, flows, "
			 "liveness)",
			 json_string_value(op));
		goto refuse;
	}
	r.msg = msg;
	r.op = fn->name;
	r.reply = json_pack("{s:i,s:O,s:b}", "v", CTL_PROTOCOL, "id", id, "ok", 1);
	if (!r.reply) {
		snprintf(err, sizeof(err), "%s: out of memory", r.op);
		goto refuse;
	}
	if (fn->fn(&r, err)) {
		json_decref(r.reply);
		if (!*err)
			snprintf(err, sizeof(err), "%s: failed", r.op);
		goto refuse;
	}
	ctl_reply(c, r.reply);
	json_decref(r.reply);
	json_decref(msg);
	return;
refuse:
	ctl_reply_error(c, id, err);
	json_decref(msg);
}

/* Write what is pending; 0, or -1 when the client is gone. */
static int ctl_flush(struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* Split c->in into lines and serve them; keep a partial last line. */
static void ctl_lines(struct ctl_client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->closing && start < c->in_len &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		size_t len = (size_t)(nl - (c->in + start));

		if (len > CTL_LINE_MAX) {
			ctl_reply_error(c, NULL, "request line longer than 4 MiB: closing");
			c->closing = 1;
			break;
		}
		if (len && c->in[start + len - 1] == '\r')
			len--;
		if (strspn(c->in + start, " \t") < len)
			ctl_request(c, c->in + start, len);
		start = (size_t)(nl - c->in) + 1;
	}
	if (!c->closing && c->in_len - start > CTL_LINE_MAX) {
		ctl_reply_error(c, NULL, "request line longer than 4 MiB: closing");
		c->closing = 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
}

static void ctl_read(struct ctl_client *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_cap - c->in_len < 65536) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 65536;
			char *p;

			if (cap > CTL_LINE_MAX + 131072)
				cap = CTL_LINE_MAX + 131072;
			if (cap <= c->in_len) { /* full: ctl_lines() refuses the line */
				ctl_lines(c);
				if (c->closing || c->in_cap - c->in_len == 0)
					return;
				continue;
			}
			p = realloc(c->in, cap);
			if (!p) {
				c->closing = 2;
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0) { /* peer done sending: answer what it sent, then close */
			if (!c->closing)
				c->closing = 1;
			return;
		}
		if (n < 0) {
			c->closing = 2;
			return;
		}
		c->in_len += (size_t)n;
		ctl_lines(c);
		if (c->closing || c->out_len - c->out_off >= CTL_OUT_READ_STOP)
			return;
	}
}

static void ctl_accept(void)
{
	unsigned int i;
	int fd;

	for (;;) {
		fd = accept4(ctl_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < CTL_MAX_CLIENTS && ctl_clients[i].fd >= 0; i++)
			;
		if (i == CTL_MAX_CLIENTS) {
			static const char msg[] = "{\"v\":1,\"id\":null,\"ok\":false,\"error\":"
						  "\"too many clients (at "
						  "most 8): closing\"}\n";

			if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0;
			close(fd);
			ctl_info("control: client refused (already %d)", CTL_MAX_CLIENTS);
			continue;
		}
		memset(&ctl_clients[i], 0, sizeof(ctl_clients[i]));
		ctl_clients[i].fd = fd;
		ctl_info("control: client connected");
	}
}

unsigned int ctl_server_pollfds(struct pollfd *pfd, unsigned int max)
{
	unsigned int n = 0, i;

	if (ctl_listen_fd < 0 || !max)
		return 0;
	pfd[n].fd = ctl_listen_fd;
	pfd[n].events = POLLIN;
	pfd[n++].revents = 0;
	for (i = 0; i < CTL_MAX_CLIENTS && n < max; i++) {
		struct ctl_client *c = &ctl_clients[i];

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = 0;
		if (!c->closing && c->out_len - c->out_off < CTL_OUT_READ_STOP)
			pfd[n].events |= POLLIN;
		if (c->out_len > c->out_off)
			pfd[n].events |= POLLOUT;
		pfd[n++].revents = 0;
	}
	return n;
}

void ctl_server_serve(const struct pollfd *pfd, unsigned int n)
{
	unsigned int i, k;

	for (k = 0; k < n; k++) {
		struct ctl_client *c = NULL;

		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == ctl_listen_fd) {
			ctl_accept();
			continue;
		}
		for (i = 0; i < CTL_MAX_CLIENTS; i++)
			if (ctl_clients[i].fd == pfd[k].fd)
				c = &ctl_clients[i];
		if (!c)
			continue;
		if (pfd[k].revents & POLLIN)
			ctl_read(c);
		else if (pfd[k].revents & (POLLHUP | POLLERR | POLLNVAL))
			c->closing = 2;
		if (c->closing != 2 && ctl_flush(c))
			c->closing = 2;
		if (c->closing == 2 || (c->closing && c->out_off >= c->out_len))
			ctl_client_close(c);
	}
}

int ctl_server_init(const struct ctl_backend *be, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	unsigned int i;
	int fd, ret;

	ctl_be = be;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_clients[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--control %s: path longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--control %s: exists and is not a socket", path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			snprintf(err, errlen,
				 "--control %s: another process is serving this socket", path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		if (unlink(path) && errno != ENOENT) { /* stale: nobody listens */
			ret = -errno;
			snprintf(err, errlen, "--control %s: removing the stale socket: %s", path,
				 strerror(-ret));
			return ret;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "--control %s: socket: %s", path, strerror(-ret));
		return ret;
	}
	old = umask(0177); /* the socket is born 0600: no window with wider access */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || chmod(path, 0600) || listen(fd, CTL_MAX_CLIENTS)) {
		ret = -errno;
		snprintf(err, errlen, "--control %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	ctl_listen_fd = fd;
	ctl_info("control: listening on %s", path);
	return 0;
}

void ctl_server_fini(void)
{
	unsigned int i;

	if (ctl_listen_fd < 0)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (ctl_clients[i].fd >= 0)
			ctl_flush(&ctl_clients[i]);
		ctl_client_close(&ctl_clients[i]);
	}
	close(ctl_listen_fd);
	ctl_listen_fd = -1;
	unlink(ctl_path);
}
