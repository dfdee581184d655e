/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn.c - sluicectl's connection to sluiced (sluicectl.h): connect to the API socket
 * (non-blocking, everything within --timeout), send one request line, read one reply line,
 * and turn what goes wrong into a message on stderr and an exit status.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctrl/sluicectl/sluicectl.h"

static double ctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left before deadline for poll(), 0 when it has passed. */
static int ctl_left_ms(double deadline)
{
	double left = deadline - ctl_now();

	if (left <= 0)
		return 0;
	return left > 1e6 ? 1000000000 : (int)ceil(left * 1000);
}

/* Wait for events on fd until deadline: 0, -ETIMEDOUT or -errno. */
static int ctl_wait(int fd, short events, double deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int ms, n;

	for (;;) {
		ms = ctl_left_ms(deadline);
		if (!ms)
			return -ETIMEDOUT;
		n = poll(&p, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int ctl_unreachable(const struct ctl *c, int err)
{
	ctl_err("cannot reach sluiced at %s: %s (is it running? --socket)", c->socket,
		strerror(err));
	return CTL_EXIT_UNREACHABLE;
}

/* Connect (non-blocking; a full backlog is retried until the deadline). fd or an exit status. */
static int ctl_connect(const struct ctl *c, double deadline, int *fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s, rc;

	if (strlen(c->socket) >= sizeof(sa.sun_path))
		return ctl_unreachable(c, ENAMETOOLONG);
	memcpy(sa.sun_path, c->socket, strlen(c->socket) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return ctl_unreachable(c, errno);
	while ((rc = connect(s, (struct sockaddr *)&sa, sizeof(sa))) < 0) {
		int e = errno;
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (e == EINTR)
			continue;
		if (e == EINPROGRESS) {
			socklen_t len = sizeof(e);

			rc = ctl_wait(s, POLLOUT, deadline);
			if (!rc && getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
			else if (rc)
				e = -rc;
			if (!e)
				break;
		} else if (e == EAGAIN && ctl_left_ms(deadline)) { /* backlog full */
			nanosleep(&ts, NULL);
			continue;
		}
		close(s);
		return ctl_unreachable(c, e == EAGAIN ? ETIMEDOUT : e);
	}
	*fd = s;
	return 0;
}

static int ctl_transport_err(const struct ctl *c, int err, const char *what)
{
	if (err == -ETIMEDOUT)
		ctl_err("no reply from sluiced at %s within %g s (--timeout)", c->socket,
			c->timeout);
	else
		ctl_err("%s sluiced at %s: %s", what, c->socket, strerror(-err));
	return CTL_EXIT_UNREACHABLE;
}

/* Send buf whole before deadline: 0 or an exit status. */
static int ctl_send(const struct ctl *c, int fd, const char *buf, size_t len, double deadline)
{
	size_t off = 0;
	int rc;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		rc = errno == EAGAIN ? ctl_wait(fd, POLLOUT, deadline) : -errno;
		if (rc)
			return ctl_transport_err(c, rc, "cannot send to");
	}
	return 0;
}

static int ctl_too_long(void)
{
	ctl_err("bad reply from sluiced: longer than %u bytes", CTL_REPLY_MAX);
	return CTL_EXIT_REFUSED;
}

/*
 * Read until the first newline before deadline: 0 with the line's length in *len (*buf is
 * malloc'd, the caller frees it either way), or an exit status.
 */
static int ctl_recv_line(const struct ctl *c, int fd, double deadline, char **buf, size_t *len)
{
	size_t used = 0, cap = 0;
	char *nl = NULL;
	int rc;

	while (!nl) {
		ssize_t n;

		if (used == cap) {
			char *b;

			if (cap > CTL_REPLY_MAX)
				return ctl_too_long();
			cap = cap ? cap * 2 : 65536;
			b = realloc(*buf, cap + 1);
			if (!b)
				ctl_oom();
			*buf = b;
		}
		n = recv(fd, *buf + used, cap - used, 0);
		if (n > 0) {
			nl = memchr(*buf + used, '\n', (size_t)n);
			used += (size_t)n;
			continue;
		}
		if (!n) {
			ctl_err("sluiced at %s closed the connection without a reply", c->socket);
			return CTL_EXIT_UNREACHABLE;
		}
		if (errno == EINTR)
			continue;
		rc = errno == EAGAIN ? ctl_wait(fd, POLLIN, deadline) : -errno;
		if (rc)
			return ctl_transport_err(c, rc, "cannot read from");
	}
	*len = (size_t)(nl - *buf);
	return *len > CTL_REPLY_MAX ? ctl_too_long() : 0;
}

/* The reply line: 0 and *reply (ok true, without "v" and "id"), or an exit status. */
static int ctl_decode(const char *line, size_t len, json_t **reply)
{
	json_error_t jerr;
	json_t *rep, *ok, *id, *e;
	const char *bad;

	rep = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!rep || !json_is_object(rep)) {
		ctl_err("bad reply from sluiced: %s", rep ? "not a JSON object" : jerr.text);
		json_decref(rep);
		return CTL_EXIT_REFUSED;
	}
	ok = json_object_get(rep, "ok");
	id = json_object_get(rep, "id");
	if (json_is_false(ok)) {
		e = json_object_get(rep, "error");
		ctl_err("%s", json_is_string(e) ? json_string_value(e) : "request refused");
		json_decref(rep);
		return CTL_EXIT_REFUSED;
	}
	if (!json_is_true(ok) || !json_is_integer(id) || json_integer_value(id) != 1) {
		bad = !json_is_true(ok) ? "no \"ok\" member" : "not the id of the request";
		ctl_err("bad reply from sluiced: %s", bad);
		json_decref(rep);
		return CTL_EXIT_REFUSED;
	}
	json_object_del(rep, "v");
	json_object_del(rep, "id");
	*reply = rep;
	return 0;
}

/*
 * Send req (steals it) and read one reply line. 0 and *reply (ok true), or an exit status after
 * printing the error.
 */
static int ctl_call(struct ctl *c, json_t *req, json_t **reply)
{
	double deadline = ctl_now() + c->timeout;
	char *line, *buf = NULL;
	size_t len;
	int fd = -1, rc;

	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		ctl_oom();
	len = strlen(line);
	line[len++] = '\n'; /* over the NUL: line is not a C string any more */
	rc = ctl_connect(c, deadline, &fd);
	if (!rc)
		rc = ctl_send(c, fd, line, len, deadline);
	if (!rc)
		rc = ctl_recv_line(c, fd, deadline, &buf, &len);
	if (!rc)
		rc = ctl_decode(buf, len, reply);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(line);
	return rc;
}

json_t *ctl_request(const char *op)
{
	json_t *req = json_pack("{s:i,s:i,s:s}", "v", 1, "id", 1, "op", op);

	if (!req)
		ctl_oom();
	return req;
}

void ctl_set_str(json_t *req, const char *key, const char *val)
{
	if (json_object_set_new(req, key, json_string(val)))
		ctl_oom();
}

void ctl_set_int(json_t *req, const char *key, long val)
{
	if (json_object_set_new(req, key, json_integer(val)))
		ctl_oom();
}

int ctl_run(struct ctl *c, json_t *req, ctl_show_fn show, const void *arg)
{
	json_t *reply;
	int rc = ctl_call(c, req, &reply);

	if (rc)
		return rc;
	if (c->json)
		ctl_print_json(reply);
	else
		show(reply, arg);
	json_decref(reply);
	if (fflush(stdout) || ferror(stdout)) {
		ctl_err("cannot write the output: %s", strerror(errno));
		return CTL_EXIT_REFUSED;
	}
	return CTL_EXIT_OK;
}
