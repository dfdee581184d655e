/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe.c - one health check on libevent: TCP connect (bufferevent_socket_connect), HTTP GET
 * (evhttp client) or HTTPS GET (evhttp over bufferevent_openssl, no certificate verification).
 *
 * Contract: the verdict (pass, fail with a reason, timeout) is taken once; it is delivered from
 * an event of our own on the next loop turn, after the probe has been freed, so the callback
 * never runs inside libevent's own callbacks nor inside probe_start(), and it may start the next
 * probe. probe_cancel() before delivery frees everything and nothing is called.
 *
 * Why the diagnosis connect: evhttp 2.1 reports a refused or failed connect without its errno
 * (evhttp_connection_reset_ overwrites it), so when an HTTP(S) request fails before its
 * connection was up and TLS says nothing, a plain TCP connect to the same address, within the
 * same deadline, tells "connect: Connection refused" apart from a peer that accepted and closed.
 * A healthy target sees one connection per check.
 *
 * A probe that cannot even make its socket (EMFILE, ENFILE, ENOBUFS, ENOMEM) or allocate its
 * state never reached the target: its verdict is "local" (probe_result.local), which the
 * caller must not count against the target. An HTTP(S) request whose connect fails so is
 * recognised through the diagnosis connect, which fails the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <openssl/err.h>

#include "ctrl/probe.h"

#define PROBE_USER_AGENT "sluice-health/0.1"
#define PROBE_PATH_MAX	 256

struct probe {
	struct event_base *base;
	SSL_CTX *ssl;
	probe_cb cb;
	void *arg;

	enum cfg_hc_proto protocol;
	uint16_t port, matcher_lo, matcher_hi;
	uint32_t timeout_ms;
	struct sockaddr_storage sa;
	socklen_t salen;
	char host[INET6_ADDRSTRLEN];
	char path[PROBE_PATH_MAX];

	struct timespec start;
	struct event *timer; /* the deadline of the whole probe */
	struct event *deliver;
	struct bufferevent *tcp;	 /* TCP probe, or the diagnosis connect */
	struct evhttp_connection *evcon; /* owns http_bev */
	struct bufferevent *http_bev;
	int http_sent; /* the request reached the output buffer: connected (TLS done) */
	int http_err;  /* an evhttp_request_error seen, or -1 */
	int done;
	struct probe_result res;
};

static uint64_t probe_elapsed_us(const struct probe *p)
{
	struct timespec now;
	int64_t us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (int64_t)(now.tv_sec - p->start.tv_sec) * 1000000 +
	     (now.tv_nsec - p->start.tv_nsec) / 1000;
	return us > 0 ? (uint64_t)us : 0;
}

/* errno values that say this host ran out of something, not that the target failed */
static int probe_errno_local(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* Take the verdict (the first one wins) and schedule its delivery. */
static void probe_verdict(struct probe *p, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void probe_verdict(struct probe *p, int ok, const char *fmt, ...)
{
	va_list ap;

	if (p->done)
		return;
	p->done = 1;
	p->res.ok = ok;
	p->res.local = 0;
	p->res.latency_us = probe_elapsed_us(p);
	p->res.reason[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(p->res.reason, sizeof(p->res.reason), fmt, ap);
		va_end(ap);
	}
	evtimer_del(p->timer);
	event_active(p->deliver, EV_TIMEOUT, 1);
}

/* A local verdict: the check could not run here (see the top). */
static void probe_local(struct probe *p, int err)
{
	if (p->done)
		return;
	probe_verdict(p, 0, "not run: %s", strerror(err));
	p->res.local = 1;
}

static void probe_free(struct probe *p)
{
	if (p->evcon)
		evhttp_connection_free(p->evcon); /* frees http_bev and a pending request */
	if (p->tcp)
		bufferevent_free(p->tcp);
	if (p->deliver)
		event_free(p->deliver);
	if (p->timer)
		event_free(p->timer);
	free(p);
}

static void probe_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	struct probe_result res = p->res;
	probe_cb cb = p->cb;
	void *cb_arg = p->arg;

	(void)fd;
	(void)what;
	probe_free(p);
	cb(&res, cb_arg);
}

static void probe_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	(void)fd;
	(void)what;
	if (p->timeout_ms < 1000)
		probe_verdict(p, 0, "timeout after %u ms", p->timeout_ms);
	else if (p->timeout_ms % 1000)
		probe_verdict(p, 0, "timeout after %u.%03u s", p->timeout_ms / 1000,
			      p->timeout_ms % 1000);
	else
		probe_verdict(p, 0, "timeout after %u s", p->timeout_ms / 1000);
}

/* The connect's errno: the socket error libevent saw, else what the socket still holds. */
static int probe_connect_errno(struct bufferevent *bev)
{
	int err = EVUTIL_SOCKET_ERROR();
	socklen_t len = sizeof(int);
	int soerr = 0;
	evutil_socket_t fd;

	if (err && err != EINPROGRESS && err != EAGAIN && err != EINTR)
		return err;
	fd = bufferevent_getfd(bev);
	if (fd >= 0 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) && soerr)
		return soerr;
	return 0;
}

static void probe_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct probe *p = arg;
	int err = probe_connect_errno(bev);

	bufferevent_disable(bev, EV_READ | EV_WRITE);
	if (p->protocol == CFG_HC_TCP) {
		if (what & BEV_EVENT_CONNECTED)
			probe_verdict(p, 1, NULL);
		else if (err)
			probe_verdict(p, 0, "connect: %s", strerror(err));
		else
			probe_verdict(p, 0, "connect: failed");
		return;
	}
	/* The diagnosis of an HTTP(S) request that failed before its connection was up. */
	if (!(what & BEV_EVENT_CONNECTED))
		probe_verdict(p, 0, "connect: %s", err ? strerror(err) : "failed");
	else if (p->protocol == CFG_HC_HTTPS)
		probe_verdict(p, 0, "tls: handshake failed: connection closed by peer");
	else
		probe_verdict(p, 0, "http: connection closed without a response");
}

/* A TCP connect to the target, its result in probe_tcp_event_cb. */
static void probe_tcp_start(struct probe *p)
{
	int err;

	p->tcp = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!p->tcp) {
		probe_local(p, ENOMEM);
		return;
	}
	bufferevent_setcb(p->tcp, NULL, NULL, probe_tcp_event_cb, p);
	errno = 0;
	/* With fd -1 it makes the socket and connects; failing so, it leaves no socket behind.
	 * EMFILE, ENFILE (socket()), ENOBUFS, ENOMEM (either): no SYN left this host. */
	if (bufferevent_socket_connect(p->tcp, (struct sockaddr *)&p->sa, (int)p->salen) < 0) {
		err = errno;
		if (bufferevent_getfd(p->tcp) < 0 && probe_errno_local(err))
			probe_local(p, err);
		else
			probe_verdict(p, 0, "connect: %s", err ? strerror(err) : "failed");
	}
}

static void probe_http_status(struct probe *p, int code)
{
	if (code >= p->matcher_lo && code <= p->matcher_hi)
		probe_verdict(p, 1, NULL);
	else if (p->matcher_lo == p->matcher_hi)
		probe_verdict(p, 0, "http: status %d (expected %u)", code, p->matcher_lo);
	else
		probe_verdict(p, 0, "http: status %d (expected %u-%u)", code, p->matcher_lo,
			      p->matcher_hi);
}

/* The request failed without a status: name the layer that failed. */
static void probe_http_failed(struct probe *p)
{
	unsigned long ossl = 0, e;
	const char *why;

	if (p->done)
		return;
	if (p->http_sent) {
		switch (p->http_err) {
		case EVREQ_HTTP_INVALID_HEADER:
			probe_verdict(p, 0, "http: invalid response");
			break;
		case EVREQ_HTTP_DATA_TOO_LONG:
			probe_verdict(p, 0, "http: response headers too long");
			break;
		case EVREQ_HTTP_TIMEOUT:
			probe_timeout_cb(-1, 0, p);
			break;
		default:
			probe_verdict(p, 0, "http: connection closed without a response");
			break;
		}
		return;
	}
	if (p->protocol == CFG_HC_HTTPS) {
		/* bufferevent_openssl queues SSL_get_error() codes (small numbers) and the
		 * library's packed errors; only the latter say what went wrong in TLS. */
		while ((e = bufferevent_get_openssl_error(p->http_bev)))
			if (!ossl && ERR_GET_LIB(e))
				ossl = e;
		if (ossl) {
			why = ERR_reason_error_string(ossl);
			if (why)
				probe_verdict(p, 0, "tls: handshake failed: %s", why);
			else
				probe_verdict(p, 0, "tls: handshake failed: error %08lx", ossl);
			return;
		}
	}
	if (!p->tcp)
		probe_tcp_start(p); /* diagnose: see the top of this file */
}

static void probe_http_error_cb(enum evhttp_request_error err, void *arg)
{
	struct probe *p = arg;

	if (p->http_err < 0)
		p->http_err = (int)err;
}

static int probe_http_header_cb(struct evhttp_request *req, void *arg)
{
	struct probe *p = arg;
	int code = evhttp_request_get_response_code(req);

	if (code > 0)
		probe_http_status(p, code);
	return 0; /* the body is not read: the probe is freed on delivery */
}

static void probe_http_done_cb(struct evhttp_request *req, void *arg)
{
	struct probe *p = arg;
	int code = req ? evhttp_request_get_response_code(req) : 0;

	if (code > 0)
		probe_http_status(p, code);
	else
		probe_http_failed(p);
}

/* The request written to the connection means evhttp saw it connected (and TLS completed). */
static void probe_http_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct probe *p = arg;

	(void)buf;
	if (info->n_added)
		p->http_sent = 1;
}

static int probe_http_start(struct probe *p)
{
	struct evhttp_request *req = NULL;
	struct evkeyvalq *hdr;
	char hostport[INET6_ADDRSTRLEN + 8];
	uint16_t defport = p->protocol == CFG_HC_HTTPS ? 443 : 80;
	SSL *ssl = NULL;

	if (p->protocol == CFG_HC_HTTPS) {
		ssl = SSL_new(p->ssl);
		if (!ssl)
			goto fail;
		p->http_bev = bufferevent_openssl_socket_new(
			p->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (!p->http_bev) {
			SSL_free(ssl);
			goto fail;
		}
		/* Servers that close without close_notify are common and harmless here. */
		bufferevent_openssl_set_allow_dirty_shutdown(p->http_bev, 1);
	} else {
		p->http_bev = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
		if (!p->http_bev)
			goto fail;
	}
	p->evcon = evhttp_connection_base_bufferevent_new(p->base, NULL, p->http_bev, p->host,
							  p->port);
	if (!p->evcon) {
		bufferevent_free(p->http_bev);
		p->http_bev = NULL;
		goto fail;
	}
	evhttp_connection_set_family(p->evcon, p->sa.ss_family);
	evhttp_connection_set_retries(p->evcon, 0);
	/* Our own timer is the deadline; evhttp's must not fire first. */
	evhttp_connection_set_timeout(p->evcon, (int)(p->timeout_ms / 1000 + 2));
	if (!evbuffer_add_cb(bufferevent_get_output(p->http_bev), probe_http_out_cb, p))
		goto fail;

	req = evhttp_request_new(probe_http_done_cb, p);
	if (!req)
		goto fail;
	evhttp_request_set_header_cb(req, probe_http_header_cb);
	evhttp_request_set_error_cb(req, probe_http_error_cb);
	hdr = evhttp_request_get_output_headers(req);
	if (p->sa.ss_family == AF_INET6)
		snprintf(hostport, sizeof(hostport), "[%s]", p->host);
	else
		snprintf(hostport, sizeof(hostport), "%s", p->host);
	if (p->port != defport)
		snprintf(hostport + strlen(hostport), sizeof(hostport) - strlen(hostport), ":%u",
			 p->port);
	if (evhttp_add_header(hdr, "Host", hostport) ||
	    evhttp_add_header(hdr, "User-Agent", PROBE_USER_AGENT) ||
	    evhttp_add_header(hdr, "Accept", "*/*") ||
	    evhttp_add_header(hdr, "Connection", "close"))
		goto fail_req;
	/* On failure evhttp_make_request frees req. */
	if (evhttp_make_request(p->evcon, req, EVHTTP_REQ_GET, p->path))
		goto fail;
	return 0;

fail_req:
	evhttp_request_free(req);
fail:
	return -ENOMEM;
}

SSL_CTX *probe_ssl_ctx_new(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	/* As the managed load balancers: no certificate check, but a complete handshake. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

static int probe_sockaddr(struct probe *p, const struct cfg_addr *a, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&p->sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->sa;
	const void *addr;
	int af;

	memset(&p->sa, 0, sizeof(p->sa));
	if (a->family == 4) {
		af = sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		addr = memcpy(&sin->sin_addr, a->addr, 4);
		p->salen = sizeof(*sin);
	} else if (a->family == 6) {
		af = sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		addr = memcpy(&sin6->sin6_addr, a->addr, 16);
		p->salen = sizeof(*sin6);
	} else {
		return -EAFNOSUPPORT;
	}
	inet_ntop(af, addr, p->host, sizeof(p->host));
	return 0;
}

struct probe *probe_start(struct event_base *base, SSL_CTX *ssl, const struct probe_spec *spec,
			  probe_cb cb, void *arg)
{
	struct probe *p = calloc(1, sizeof(*p));
	struct timeval tv;

	if (!p)
		return NULL;
	p->base = base;
	p->ssl = ssl;
	p->cb = cb;
	p->arg = arg;
	p->protocol = spec->protocol;
	p->port = spec->port;
	p->matcher_lo = spec->matcher_lo;
	p->matcher_hi = spec->matcher_hi;
	p->timeout_ms = spec->timeout_ms ? spec->timeout_ms : 1;
	p->http_err = -1;
	snprintf(p->path, sizeof(p->path), "%s", spec->path && spec->path[0] ? spec->path : "/");
	clock_gettime(CLOCK_MONOTONIC, &p->start);

	p->timer = evtimer_new(base, probe_timeout_cb, p);
	p->deliver = event_new(base, -1, 0, probe_deliver_cb, p);
	if (!p->timer || !p->deliver)
		goto fail;
	tv.tv_sec = p->timeout_ms / 1000;
	tv.tv_usec = (p->timeout_ms % 1000) * 1000;
	if (evtimer_add(p->timer, &tv))
		goto fail;

	/* From here on every failure is a verdict, delivered on the next loop turn. */
	if (probe_sockaddr(p, &spec->address, spec->port))
		probe_verdict(p, 0, "connect: %s", strerror(EAFNOSUPPORT));
	else if (p->protocol == CFG_HC_HTTPS && !p->ssl)
		probe_verdict(p, 0, "tls: no TLS context");
	else if (p->protocol == CFG_HC_TCP)
		probe_tcp_start(p);
	else if (probe_http_start(p))
		probe_local(p, ENOMEM);
	return p;

fail:
	probe_free(p);
	return NULL;
}

void probe_cancel(struct probe *p)
{
	if (p)
		probe_free(p);
}
