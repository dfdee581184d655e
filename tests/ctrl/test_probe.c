/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_probe.c - health probes (ctrl/probe.c) against real servers on loopback, run on the same
 * event base in this process: TCP listeners, a closed port, evhttp servers (plain and TLS with a
 * self-signed certificate made at run time), a listener that never answers; and the Prometheus
 * page (ctrl/metrics.c) from hand-built targets and dataplane stats, also over a real GET.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ctrl/announce.h"
#include "ctrl/clients.h"
#include "tests/unit/cu.h"
#include "ctrl/dpconn.h"
#include "ctrl/metrics.h"
#include "ctrl/probe.h"
#include "ctrl/targets.h"

/* ---- the loop and its servers ---- */

static struct event_base *tbase;
static SSL_CTX *tclient_ctx;

struct tresult {
	int called;
	struct probe_result res;
};

static void test_probe_cb(const struct probe_result *res, void *arg)
{
	struct tresult *r = arg;

	r->called++;
	r->res = *res;
}

static void test_loop_for_ms(unsigned int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(tbase, &tv);
	event_base_dispatch(tbase);
}

/* Run the loop until r is called (or 10 s pass), then a little more to see a second call. */
static void test_wait(struct tresult *r)
{
	unsigned int i;

	for (i = 0; i < 1000 && !r->called; i++)
		test_loop_for_ms(10);
	test_loop_for_ms(20);
}

static struct cfg_addr test_addr(int family)
{
	struct cfg_addr a;

	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	if (family == 4) {
		a.plen = 32;
		inet_pton(AF_INET, "127.0.0.1", a.addr);
	} else {
		a.plen = 128;
		inet_pton(AF_INET6, "::1", a.addr);
	}
	return a;
}

static uint16_t test_fd_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A spec for proto to 127.0.0.1 or ::1 (family 4 or 6), status matcher 200-399. */
static struct probe_spec test_spec(enum cfg_hc_proto proto, int family, uint16_t port,
				   const char *path, uint32_t timeout_ms)
{
	struct probe_spec spec = {
		.protocol = proto,
		.address = test_addr(family),
		.port = port,
		.path = path,
		.matcher_lo = 200,
		.matcher_hi = 399,
		.timeout_ms = timeout_ms,
	};

	return spec;
}

/* One probe run to its verdict; the callback comes exactly once, never from probe_start. */
static struct probe_result test_run_spec(const struct probe_spec *spec)
{
	struct tresult r = {0};
	struct probe *p = probe_start(tbase, tclient_ctx, spec, test_probe_cb, &r);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(r.called, 0); /* never from inside probe_start */
	test_wait(&r);
	CU_ASSERT_EQUAL(r.called, 1);
	return r.res;
}

static struct probe_result test_run(enum cfg_hc_proto proto, int family, uint16_t port,
				    const char *path, uint32_t timeout_ms)
{
	struct probe_spec spec = test_spec(proto, family, port, path, timeout_ms);

	return test_run_spec(&spec);
}

/* test_run() whose verdict must be ok, and its reason reason (not checked when NULL). */
static struct probe_result test_expect(enum cfg_hc_proto proto, int family, uint16_t port,
				       const char *path, uint32_t timeout_ms, int ok,
				       const char *reason)
{
	struct probe_result r = test_run(proto, family, port, path, timeout_ms);

	CU_ASSERT_EQUAL(r.ok, ok);
	if (reason)
		CU_ASSERT_STRING_EQUAL(r.reason, reason);
	return r;
}

/* A TCP listener that accepts and keeps connections open, silent. */
#define TEST_SILENT_MAX 16
static evutil_socket_t silent_fds[TEST_SILENT_MAX];
static unsigned int n_silent;

static void test_silent_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			       int salen, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	if (n_silent < TEST_SILENT_MAX)
		silent_fds[n_silent++] = fd;
	else
		close(fd);
}

static void test_silent_close(void)
{
	while (n_silent)
		close(silent_fds[--n_silent]);
}

static struct evconnlistener *test_listener(int family, uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct evconnlistener *l;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6.sin6_addr = in6addr_loopback;
	if (family == 4)
		l = evconnlistener_new_bind(tbase, test_silent_accept, NULL,
					    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
					    (struct sockaddr *)&sin, sizeof(sin));
	else
		l = evconnlistener_new_bind(tbase, test_silent_accept, NULL,
					    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
					    (struct sockaddr *)&sin6, sizeof(sin6));
	*port = l ? test_fd_port(evconnlistener_get_fd(l)) : 0;
	return l;
}

/* A port nothing listens on: bound, then closed. */
static uint16_t test_closed_port(int family)
{
	int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	uint16_t port = 0;
	int r;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6.sin6_addr = in6addr_loopback;
	if (fd < 0)
		return 0;
	if (family == 4)
		r = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	else
		r = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	if (!r)
		port = test_fd_port(fd);
	close(fd);
	return port;
}

/* An evhttp server: /ok 200, /fail 503, /moved 302, anything else 404. Keeps the last request's
 * headers for the checks. */
static char last_ua[64], last_host[64], last_conn[32];

static void test_http_cb(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evbuffer_new();
	const char *v;

	(void)arg;
	v = evhttp_find_header(in, "User-Agent");
	snprintf(last_ua, sizeof(last_ua), "%s", v ? v : "");
	v = evhttp_find_header(in, "Host");
	snprintf(last_host, sizeof(last_host), "%s", v ? v : "");
	v = evhttp_find_header(in, "Connection");
	snprintf(last_conn, sizeof(last_conn), "%s", v ? v : "");
	evbuffer_add_printf(body, "hello\n");
	if (!strcmp(uri, "/ok")) {
		evhttp_send_reply(req, 200, "OK", body);
	} else if (!strcmp(uri, "/fail")) {
		evhttp_send_reply(req, 503, "Service Unavailable", body);
	} else if (!strcmp(uri, "/moved")) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/ok");
		evhttp_send_reply(req, 302, "Found", body);
	} else {
		evhttp_send_reply(req, 404, "Not Found", body);
	}
	evbuffer_free(body);
}

static SSL_CTX *tserver_ctx;

static struct bufferevent *test_https_bevcb(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	if (!ssl)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

static struct evhttp *test_http_server(const char *ip, int tls, uint16_t *port)
{
	struct evhttp *http = evhttp_new(tbase);
	struct evhttp_bound_socket *h;

	if (!http)
		return NULL;
	evhttp_set_gencb(http, test_http_cb, NULL);
	if (tls)
		evhttp_set_bevcb(http, test_https_bevcb, tserver_ctx);
	h = evhttp_bind_socket_with_handle(http, ip, 0);
	if (!h) {
		evhttp_free(http);
		return NULL;
	}
	*port = test_fd_port(evhttp_bound_socket_get_fd(h));
	return http;
}

/* A self-signed P-256 certificate, made with the OpenSSL 3 API. */
static SSL_CTX *test_server_ctx_new(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	SSL_CTX *ctx = NULL;

	if (!key || !x)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"sluice-test",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, key, EVP_sha256()))
		goto out;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		goto out;
	if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static int test_init(void)
{
	tbase = event_base_new();
	tclient_ctx = probe_ssl_ctx_new();
	tserver_ctx = test_server_ctx_new();
	return tbase && tclient_ctx && tserver_ctx ? 0 : -1;
}

static void test_fini(void)
{
	test_silent_close();
	SSL_CTX_free(tserver_ctx);
	SSL_CTX_free(tclient_ctx);
	event_base_free(tbase);
}

/* ---- probes ---- */

static void test_tcp_connect_passes(void)
{
	uint16_t port;
	struct evconnlistener *l = test_listener(4, &port);
	struct probe_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	r = test_expect(CFG_HC_TCP, 4, port, NULL, 2000, 1, "");
	CU_ASSERT(r.latency_us > 0 && r.latency_us < 2000000);
	evconnlistener_free(l);
	test_silent_close();
}

static void test_tcp_connect_ipv6_passes(void)
{
	uint16_t port;
	struct evconnlistener *l = test_listener(6, &port);

	if (!l) { /* no ::1 in this sandbox */
		fprintf(stderr, "(no IPv6 loopback: skipped) ");
		return;
	}
	test_expect(CFG_HC_TCP, 6, port, NULL, 2000, 1, NULL);
	evconnlistener_free(l);
	test_silent_close();
}

static void test_tcp_closed_port_is_refused(void)
{
	uint16_t port = test_closed_port(4);

	CU_ASSERT_NOT_EQUAL_FATAL(port, 0);
	test_expect(CFG_HC_TCP, 4, port, NULL, 2000, 0, "connect: Connection refused");
}

static void test_http_closed_port_is_refused(void)
{
	uint16_t port = test_closed_port(4);

	test_expect(CFG_HC_HTTP, 4, port, "/ok", 2000, 0, "connect: Connection refused");
	test_expect(CFG_HC_HTTPS, 4, port, "/ok", 2000, 0, "connect: Connection refused");
}

static void test_http_silent_server_times_out(void)
{
	uint16_t port;
	struct evconnlistener *l = test_listener(4, &port);
	struct probe_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	r = test_expect(CFG_HC_HTTP, 4, port, "/ok", 300, 0, "timeout after 300 ms");
	CU_ASSERT(r.latency_us >= 290000 && r.latency_us < 2000000);
	/* TLS that never gets its ServerHello: the same single deadline */
	r = test_expect(CFG_HC_HTTPS, 4, port, "/ok", 1000, 0, "timeout after 1 s");
	evconnlistener_free(l);
	test_silent_close();
}

static void test_http_status_matcher(void)
{
	uint16_t port;
	struct evhttp *http = test_http_server("127.0.0.1", 0, &port);
	char host[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(http);
	test_expect(CFG_HC_HTTP, 4, port, "/ok", 2000, 1, "");
	CU_ASSERT_STRING_EQUAL(last_ua, "sluice-health/0.1");
	snprintf(host, sizeof(host), "127.0.0.1:%u", port);
	CU_ASSERT_STRING_EQUAL(last_host, host);
	CU_ASSERT_STRING_EQUAL(last_conn, "close");

	test_expect(CFG_HC_HTTP, 4, port, "/fail", 2000, 0, "http: status 503 (expected 200-399)");

	test_expect(CFG_HC_HTTP, 4, port, "/moved", 2000, 1, NULL); /* 302 within 200-399 */
	test_expect(CFG_HC_HTTP, 4, port, "/nope", 2000, 0, "http: status 404 (expected 200-399)");
	evhttp_free(http);
}

static void test_http_matcher_exact(void)
{
	uint16_t port;
	struct evhttp *http = test_http_server("127.0.0.1", 0, &port);
	struct probe_spec spec = test_spec(CFG_HC_HTTP, 4, port, "/moved", 2000);
	struct probe_result r;

	spec.matcher_hi = 200;
	CU_ASSERT_PTR_NOT_NULL_FATAL(http);
	r = test_run_spec(&spec);
	CU_ASSERT_EQUAL(r.ok, 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "http: status 302 (expected 200)");
	spec.matcher_lo = 300;
	spec.matcher_hi = 302;
	CU_ASSERT_EQUAL(test_run_spec(&spec).ok, 1);
	evhttp_free(http);
}

static void test_http_ipv6(void)
{
	uint16_t port;
	struct evhttp *http = test_http_server("::1", 0, &port);
	char host[48];

	if (!http) {
		fprintf(stderr, "(no IPv6 loopback: skipped) ");
		return;
	}
	test_expect(CFG_HC_HTTP, 6, port, "/ok", 2000, 1, NULL);
	snprintf(host, sizeof(host), "[::1]:%u", port);
	CU_ASSERT_STRING_EQUAL(last_host, host);
	evhttp_free(http);
}

static void test_https_self_signed_passes(void)
{
	uint16_t port;
	struct evhttp *http = test_http_server("127.0.0.1", 1, &port);

	CU_ASSERT_PTR_NOT_NULL_FATAL(http);
	last_ua[0] = '\0';
	test_expect(CFG_HC_HTTPS, 4, port, "/ok", 3000, 1, "");
	CU_ASSERT_STRING_EQUAL(last_ua, "sluice-health/0.1");
	test_expect(CFG_HC_HTTPS, 4, port, "/fail", 3000, 0, "http: status 503 (expected 200-399)");
	evhttp_free(http);
}

static void test_https_to_plain_http_fails_tls(void)
{
	uint16_t port;
	struct evhttp *http = test_http_server("127.0.0.1", 0, &port);
	struct probe_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(http);
	r = test_expect(CFG_HC_HTTPS, 4, port, "/ok", 2000, 0, NULL);
	CU_ASSERT_NSTRING_EQUAL(r.reason, "tls: handshake failed: ", 23);
	fprintf(stderr, "(%s) ", r.reason);
	evhttp_free(http);
}

static void test_http_to_silent_closer(void)
{
	/* A peer that accepts and closes at once: no response. */
	uint16_t port;
	struct evconnlistener *l = test_listener(4, &port);

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	test_silent_close();
	n_silent = TEST_SILENT_MAX; /* the accept callback closes every connection */
	test_expect(CFG_HC_HTTP, 4, port, "/ok", 2000, 0,
		    "http: connection closed without a response");
	n_silent = 0;
	evconnlistener_free(l);
}

static struct probe *cancel_b;
static struct tresult cancel_a;

static void test_cancel_other_cb(const struct probe_result *res, void *arg)
{
	test_probe_cb(res, arg);
	probe_cancel(cancel_b);
	cancel_b = NULL;
}

static void test_cancel_midway_calls_nothing(void)
{
	uint16_t port;
	struct evconnlistener *l = test_listener(4, &port);
	struct evhttp *https = test_http_server("127.0.0.1", 1, &port);
	uint16_t silent_port = l ? test_fd_port(evconnlistener_get_fd(l)) : 0;
	struct probe_spec spec = test_spec(CFG_HC_HTTP, 4, silent_port, "/ok", 200);
	struct tresult r = {0};
	struct probe *p;
	enum cfg_hc_proto protos[] = {CFG_HC_TCP, CFG_HC_HTTP, CFG_HC_HTTPS};
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(https);
	/* cancelled while waiting for the response, then past its deadline */
	p = probe_start(tbase, tclient_ctx, &spec, test_probe_cb, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	test_loop_for_ms(50);
	probe_cancel(p);
	test_loop_for_ms(300);
	CU_ASSERT_EQUAL(r.called, 0);
	/* cancelled right after start, before anything ran, on each protocol */
	spec.port = port;
	for (i = 0; i < 3; i++) {
		spec.protocol = protos[i];
		p = probe_start(tbase, tclient_ctx, &spec, test_probe_cb, &r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		probe_cancel(p);
	}
	/* cancelled from another probe's callback, its own verdict possibly taken already */
	spec.port = test_closed_port(4);
	spec.protocol = CFG_HC_TCP;
	memset(&cancel_a, 0, sizeof(cancel_a));
	memset(&r, 0, sizeof(r));
	CU_ASSERT_PTR_NOT_NULL_FATAL(
		probe_start(tbase, tclient_ctx, &spec, test_cancel_other_cb, &cancel_a));
	cancel_b = probe_start(tbase, tclient_ctx, &spec, test_probe_cb, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cancel_b);
	test_loop_for_ms(300);
	CU_ASSERT_EQUAL(cancel_a.called, 1);
	CU_ASSERT_EQUAL(r.called, 0);
	evhttp_free(https);
	evconnlistener_free(l);
	test_silent_close();
}

/* The callback may start the next probe (as the daemon does). */
static int chain_left;
static struct tresult chain_r;

static void test_chain_cb(const struct probe_result *res, void *arg)
{
	const struct probe_spec *spec = arg;

	chain_r.called++;
	chain_r.res = *res;
	if (--chain_left > 0)
		CU_ASSERT_PTR_NOT_NULL(probe_start(tbase, tclient_ctx, spec, test_chain_cb, arg));
}

static void test_callback_starts_next_probe(void)
{
	uint16_t port;
	struct evhttp *http = test_http_server("127.0.0.1", 0, &port);
	struct probe_spec spec = test_spec(CFG_HC_HTTP, 4, port, "/ok", 2000);
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(http);
	chain_left = 5;
	memset(&chain_r, 0, sizeof(chain_r));
	CU_ASSERT_PTR_NOT_NULL_FATAL(probe_start(tbase, tclient_ctx, &spec, test_chain_cb, &spec));
	for (i = 0; i < 500 && chain_left > 0; i++)
		test_loop_for_ms(10);
	test_loop_for_ms(20);
	CU_ASSERT_EQUAL(chain_r.called, 5);
	CU_ASSERT_EQUAL(chain_r.res.ok, 1);
	evhttp_free(http);
}

/* ---- local resource failures ---- */

#define TEST_FILL_LIMIT 256
static int fill_fds[TEST_FILL_LIMIT];
static unsigned int n_fill;
static struct rlimit fill_saved;

/* Lower RLIMIT_NOFILE and take every descriptor left (dups of /dev/null): socket() fails. */
static int test_fds_fill(void)
{
	struct rlimit rl;
	int fd;

	if (getrlimit(RLIMIT_NOFILE, &fill_saved))
		return -1;
	rl = fill_saved;
	if (rl.rlim_cur > TEST_FILL_LIMIT)
		rl.rlim_cur = TEST_FILL_LIMIT;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	fill_fds[n_fill++] = fd;
	while (n_fill < TEST_FILL_LIMIT && (fd = dup(fill_fds[0])) >= 0)
		fill_fds[n_fill++] = fd;
	return errno == EMFILE ? 0 : -1;
}

static void test_fds_release(void)
{
	while (n_fill)
		close(fill_fds[--n_fill]);
	setrlimit(RLIMIT_NOFILE, &fill_saved);
}

/*
 * With no descriptor left a probe of any protocol fails "local" (never reached the target,
 * which the daemon then does not count against it), and passes again once descriptors are back.
 */
static void test_no_descriptor_is_local(void)
{
	uint16_t tport, hport, sport;
	struct evconnlistener *l = test_listener(4, &tport);
	struct evhttp *http = test_http_server("127.0.0.1", 0, &hport);
	struct evhttp *https = test_http_server("127.0.0.1", 1, &sport);
	struct probe_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(http);
	CU_ASSERT_PTR_NOT_NULL_FATAL(https);
	CU_ASSERT_EQUAL_FATAL(test_fds_fill(), 0);
	r = test_run(CFG_HC_TCP, 4, tport, NULL, 2000);
	CU_ASSERT(!r.ok && r.local);
	CU_ASSERT_STRING_EQUAL(r.reason, "not run: Too many open files");
	r = test_run(CFG_HC_HTTP, 4, hport, "/ok", 2000);
	CU_ASSERT(!r.ok && r.local);
	CU_ASSERT(strstr(r.reason, "Too many open files") != NULL);
	r = test_run(CFG_HC_HTTPS, 4, sport, "/ok", 2000);
	CU_ASSERT(!r.ok && r.local);
	CU_ASSERT(strstr(r.reason, "Too many open files") != NULL);
	test_fds_release();

	r = test_run(CFG_HC_TCP, 4, tport, NULL, 2000);
	CU_ASSERT(r.ok && !r.local);
	r = test_run(CFG_HC_HTTP, 4, hport, "/ok", 2000);
	CU_ASSERT(r.ok && !r.local);
	/* a refused connect is the target's failure, not a local one */
	r = test_run(CFG_HC_TCP, 4, test_closed_port(4), NULL, 2000);
	CU_ASSERT(!r.ok && !r.local);
	evhttp_free(https);
	evhttp_free(http);
	evconnlistener_free(l);
	test_silent_close();
}

/* ---- metrics: dpconn is another module; these stubs give metrics.c fake dataplanes ---- */

static json_t *fake_stats[2];
static const char *const fake_sockets[2] = {"/run/sluice/dp.sock", "/run/sluice/dp\"2.sock"};

unsigned int dpconn_count(void)
{
	return 2;
}

const char *dpconn_socket(unsigned int i)
{
	return i < 2 ? fake_sockets[i] : NULL;
}

int dpconn_connected(unsigned int i)
{
	return i == 0;
}

json_t *dpconn_last_stats(unsigned int i)
{
	return i < 2 ? fake_stats[i] : NULL;
}

static json_t *fake_targets;

/* The announcer's numbers (announce.c): a draining node. */
json_t *announce_metrics_json(void)
{
	return json_pack("{s:s,s:i,s:i}", "state", "draining", "announced_routes", 0, "transitions",
			 3);
}

json_t *targets_list_json(const char *group, char *err, size_t errlen)
{
	(void)group;
	(void)err;
	(void)errlen;
	return json_incref(fake_targets);
}

static void test_metrics_fixtures(void)
{
	json_error_t e;

	fake_targets = json_loads(
		"[{\"group\":\"firewalls\",\"id\":\"fw-a\",\"state\":\"healthy\","
		"  \"check\":{\"last_latency_ms\":1.5,\"passes\":5,\"failures\":0,"
		"             \"checks_passed\":12,\"checks_failed\":3},"
		"  \"passive\":{\"min_packets\":100,\"window_s\":10,\"sent\":null,"
		"             \"returned\":null,\"failures\":2}},"
		" {\"group\":\"firewalls\",\"id\":\"fw-\\\"b\\\\\\n\",\"state\":\"unhealthy\","
		"  \"check\":{\"last_latency_ms\":null,\"checks_passed\":0,\"checks_failed\":2}},"
		" {\"group\":\"web\",\"id\":\"w1\",\"state\":\"unused\"}]",
		0, &e);
	fake_stats[0] = json_loads(
		"{\"ports\":{\"outside\":{\"rx_packets\":10,\"rx_bytes\":1000,\"tx_packets\":9,"
		"  \"tx_bytes\":900}},"
		" \"drops\":{\"bad_cookie\":4,\"no_route\":0},\"events\":{\"arp_reply\":2},"
		" \"targets\":{\"firewalls\":{\"fw-a\":{\"packets\":7,\"bytes\":700,\"new_flows\":"
		"3,\"returns\":6,"
		"    \"state\":\"healthy\"}},"
		"   "
		"\"web\":{\"w1\":{\"packets\":5,\"bytes\":500,\"new_flows\":2,\"state\":\"unused\","
		"    \"active_flows\":1}}},"
		" \"listeners\":{\"https\":{\"packets\":5,\"bytes\":500,\"new_flows\":2,"
		"   \"active_flows\":1,\"drops\":6,\"drop_reasons\":{\"no_target\":6}}},"
		" \"flows_active\":3,\"nlb_sessions\":1,\"workers\":1}",
		0, &e);
	fake_stats[1] = json_loads("{\"flows_active\":99}", 0, &e); /* disconnected: left out */
}

static void test_metrics_fixtures_free(void)
{
	json_decref(fake_targets);
	json_decref(fake_stats[0]);
	json_decref(fake_stats[1]);
	fake_targets = fake_stats[0] = fake_stats[1] = NULL;
}

static int test_has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static unsigned int test_count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static void test_metrics_render_page(void)
{
	char *page;
	const char *line;

	test_metrics_fixtures();
	CU_ASSERT_PTR_NOT_NULL_FATAL(fake_targets);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fake_stats[0]);
	page = metrics_render(fake_targets);
	CU_ASSERT_PTR_NOT_NULL_FATAL(page);

	CU_ASSERT(test_has(page, "# HELP sluice_up "));
	CU_ASSERT(test_has(page, "# TYPE sluice_up gauge\nsluice_up 1\n"));
	CU_ASSERT(test_has(page,
			   "sluice_dataplane_connected{dataplane=\"/run/sluice/dp.sock\"} 1\n"));
	CU_ASSERT(test_has(
		page, "sluice_dataplane_connected{dataplane=\"/run/sluice/dp\\\"2.sock\"} 0\n"));
	CU_ASSERT(test_has(page, "sluice_target_state{group=\"firewalls\",target=\"fw-a\","
				 "state=\"healthy\"} 1\n"));
	CU_ASSERT(test_has(page, "sluice_target_state{group=\"firewalls\",target=\"fw-a\","
				 "state=\"initial\"} 0\n"));
	/* label values escaped: fw-"b\<newline> */
	CU_ASSERT(test_has(page,
			   "sluice_target_healthy{group=\"firewalls\",target=\"fw-\\\"b\\\\\\n\"} "
			   "0\n"));
	CU_ASSERT(test_has(page, "sluice_target_healthy{group=\"web\",target=\"w1\"} 0\n"));
	CU_ASSERT(test_has(page, "sluice_health_checks_total{group=\"firewalls\",target=\"fw-a\","
				 "result=\"pass\"} 12\n"));
	CU_ASSERT(test_has(page, "sluice_health_checks_total{group=\"firewalls\",target=\"fw-a\","
				 "result=\"fail\"} 3\n"));
	CU_ASSERT(test_has(page, "sluice_health_check_duration_seconds{group=\"firewalls\","
				 "target=\"fw-a\"} 0.0015"));
	CU_ASSERT(test_count(page, "sluice_health_check_duration_seconds{") == 1); /* null: none */
	CU_ASSERT(test_has(page, "sluice_target_packets_total{dataplane=\"/run/sluice/dp.sock\","
				 "group=\"firewalls\",target=\"fw-a\"} 7\n"));
	CU_ASSERT(test_has(page, "sluice_target_bytes_total{dataplane=\"/run/sluice/dp.sock\","
				 "group=\"web\",target=\"w1\"} 500\n"));
	CU_ASSERT(test_has(page, "sluice_target_new_flows_total{dataplane=\"/run/sluice/dp.sock\","
				 "group=\"firewalls\",target=\"fw-a\"} 3\n"));
	CU_ASSERT(test_has(page, "sluice_target_returns_total{dataplane=\"/run/sluice/dp.sock\","
				 "group=\"firewalls\",target=\"fw-a\"} 6\n"));
	CU_ASSERT(test_count(page, "sluice_target_returns_total{") == 1); /* geneve groups only */
	CU_ASSERT(test_has(page, "sluice_target_passive_failures_total{group=\"firewalls\","
				 "target=\"fw-a\",reason=\"no returns\"} 2\n"));
	CU_ASSERT(test_count(page, "sluice_target_passive_failures_total{") == 1);
	CU_ASSERT(test_has(page, "sluice_target_active_flows{dataplane=\"/run/sluice/dp.sock\","
				 "group=\"web\",target=\"w1\"} 1\n"));
	CU_ASSERT(test_count(page, "sluice_target_active_flows{") == 1); /* NLB groups only */
	CU_ASSERT(test_has(page, "sluice_flows_active{dataplane=\"/run/sluice/dp.sock\"} 3\n"));
	CU_ASSERT(test_has(page, "sluice_nlb_sessions{dataplane=\"/run/sluice/dp.sock\"} 1\n"));
	CU_ASSERT(test_has(page, "sluice_port_rx_packets_total{dataplane=\"/run/sluice/dp.sock\","
				 "port=\"outside\"} 10\n"));
	CU_ASSERT(test_has(page, "sluice_port_tx_bytes_total{dataplane=\"/run/sluice/dp.sock\","
				 "port=\"outside\"} 900\n"));
	CU_ASSERT(test_has(page, "sluice_drops_total{dataplane=\"/run/sluice/dp.sock\","
				 "reason=\"bad_cookie\"} 4\n"));
	CU_ASSERT(test_has(page, "sluice_drops_total{dataplane=\"/run/sluice/dp.sock\","
				 "reason=\"no_route\"} 0\n"));
	CU_ASSERT(test_has(page, "sluice_events_total{dataplane=\"/run/sluice/dp.sock\","
				 "event=\"arp_reply\"} 2\n"));
	CU_ASSERT(test_has(page, "sluice_listener_packets_total{dataplane=\"/run/sluice/dp.sock\","
				 "listener=\"https\"} 5\n"));
	CU_ASSERT(test_has(page, "sluice_listener_drops_total{dataplane=\"/run/sluice/dp.sock\","
				 "listener=\"https\"} 6\n"));
	CU_ASSERT(test_has(page, "sluice_listener_active_flows{dataplane=\"/run/sluice/dp.sock\","
				 "listener=\"https\"} 1\n"));
	CU_ASSERT(test_has(page, "# TYPE sluice_listener_active_flows gauge\n"));
	CU_ASSERT(test_has(page, "# TYPE sluice_listener_bytes_total counter\n"));
	CU_ASSERT(test_has(page, "# TYPE sluice_node_state gauge\n"
				 "sluice_node_state{state=\"serving\"} 0\n"
				 "sluice_node_state{state=\"draining\"} 1\n"
				 "sluice_node_state{state=\"withdrawn\"} 0\n"));
	CU_ASSERT(test_has(page, "sluice_node_announced_routes 0\n"));
	CU_ASSERT(test_has(page, "# TYPE sluice_node_transitions_total counter\n"
				 "sluice_node_transitions_total 3\n"));
	CU_ASSERT(!test_has(page, " 99\n")); /* the disconnected dataplane */
	CU_ASSERT(!test_has(page, "workers"));

	/* Each family once, its samples right after its # TYPE line. */
	CU_ASSERT_EQUAL(test_count(page, "# TYPE sluice_target_state "), 1);
	CU_ASSERT_EQUAL(test_count(page, "# HELP sluice_target_state "), 1);
	CU_ASSERT_EQUAL(test_count(page, "# TYPE "), test_count(page, "# HELP "));
	for (line = page; *line; line = strchr(line, '\n') + 1) {
		const char *nl = strchr(line, '\n');

		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		if (line[0] != '#') /* name{labels} value: no raw newline or tab inside */
			CU_ASSERT(memchr(line, '\t', (size_t)(nl - line)) == NULL);
	}
	free(page);

	/* No targets, no dataplane stats: still a valid page. */
	page = metrics_render(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(page);
	CU_ASSERT(test_has(page, "sluice_up 1\n"));
	free(page);
	test_metrics_fixtures_free();
}

/* A real GET against the endpoint on this loop. */
struct test_get {
	int done, code;
	char ctype[96];
	char *body;
};

static void test_get_cb(struct evhttp_request *req, void *arg)
{
	struct test_get *g = arg;
	const char *ct;
	struct evbuffer *in;
	size_t n;

	g->done = 1;
	if (!req)
		return;
	g->code = evhttp_request_get_response_code(req);
	ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	snprintf(g->ctype, sizeof(g->ctype), "%s", ct ? ct : "");
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	g->body = calloc(1, n + 1);
	if (g->body)
		evbuffer_remove(in, g->body, n);
}

static void test_get(uint16_t port, enum evhttp_cmd_type cmd, const char *path, struct test_get *g)
{
	struct evhttp_connection *c = evhttp_connection_base_new(tbase, NULL, "127.0.0.1", port);
	struct evhttp_request *req = evhttp_request_new(test_get_cb, g);
	unsigned int i;

	memset(g, 0, sizeof(*g));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "127.0.0.1");
	CU_ASSERT_EQUAL(evhttp_make_request(c, req, cmd, path), 0);
	for (i = 0; i < 300 && !g->done; i++)
		test_loop_for_ms(10);
	CU_ASSERT_EQUAL(g->done, 1);
	evhttp_connection_free(c);
}

static void test_metrics_endpoint(void)
{
	static const struct {
		enum evhttp_cmd_type cmd;
		const char *path;
		int code;
	} codes[] = {
		{EVHTTP_REQ_GET, "/metrics?x=1", 200}, {EVHTTP_REQ_GET, "/", 404},
		{EVHTTP_REQ_GET, "/metricsx", 404},    {EVHTTP_REQ_POST, "/metrics", 405},
		{EVHTTP_REQ_DELETE, "/metrics", 405},
	};
	char err[256], addr[32];
	uint16_t port = test_closed_port(4);
	struct test_get g;
	size_t i;

	err[0] = '\0';
	CU_ASSERT_EQUAL(metrics_init(tbase, "10.0.0.1:9469", err, sizeof(err)), -EINVAL);
	CU_ASSERT(test_has(err, "loopback"));
	CU_ASSERT_EQUAL(metrics_init(tbase, "127.0.0.1", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(metrics_init(tbase, "127.0.0.1:0", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(metrics_init(tbase, "127.0.0.1:70000", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(metrics_init(tbase, "[::2]:9469", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(metrics_init(tbase, "[::1:9469", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(metrics_init(tbase, "", err, sizeof(err)), 0); /* off */
	CU_ASSERT_EQUAL(metrics_init(tbase, "off", err, sizeof(err)), 0);

	test_metrics_fixtures();
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	CU_ASSERT_EQUAL_FATAL(metrics_init(tbase, addr, err, sizeof(err)), 0);

	test_get(port, EVHTTP_REQ_GET, "/metrics", &g);
	CU_ASSERT_EQUAL(g.code, 200);
	CU_ASSERT_STRING_EQUAL(g.ctype, "text/plain; version=0.0.4; charset=utf-8");
	CU_ASSERT(g.body && test_has(g.body, "sluice_up 1\n"));
	CU_ASSERT(g.body && test_has(g.body, "sluice_target_healthy{group=\"firewalls\","
					     "target=\"fw-a\"} 1\n"));
	free(g.body);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		test_get(port, codes[i].cmd, codes[i].path, &g);
		CU_ASSERT_EQUAL(g.code, codes[i].code);
		free(g.body);
	}

	/* The address is taken while it runs; free releases it. */
	CU_ASSERT_EQUAL(metrics_init(tbase, addr, err, sizeof(err)), -EALREADY);
	metrics_free();
	CU_ASSERT_EQUAL(metrics_init(tbase, addr, err, sizeof(err)), 0);
	metrics_free();
	metrics_free(); /* idempotent */
	test_metrics_fixtures_free();
}

/* A raw client of the endpoint: connected, sends nothing. */
static int test_raw_connect(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when the daemon closed fd (EOF or reset), 0 when it is still open with nothing to read. */
static int test_raw_closed(int fd)
{
	char b[64];
	ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int test_page_has(const char *needle)
{
	char *page = metrics_render(NULL);
	int has = test_has(page, needle);

	if (!has)
		fprintf(stderr, "\n(no \"%s\" in the page)\n", needle);
	free(page);
	return has;
}

/*
 * The endpoint's client limit (clients.h): max_clients 2 takes two idle clients, closes a third
 * at once (counted), counts a client gone once it closed, and closes idle ones after the
 * timeout; a scrape works again afterwards.
 */
static void test_metrics_endpoint_limits(void)
{
	char err[256], addr[32];
	uint16_t port = test_closed_port(4);
	int a, b, c;
	struct test_get g;

	clients_configure(2, 500, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	CU_ASSERT_EQUAL_FATAL(metrics_init(tbase, addr, err, sizeof(err)), 0);
	a = test_raw_connect(port);
	b = test_raw_connect(port);
	CU_ASSERT_FATAL(a >= 0 && b >= 0);
	test_loop_for_ms(50);
	CU_ASSERT(test_page_has("sluice_clients_open{listener=\"metrics\"} 2\n"));
	CU_ASSERT(test_page_has("sluice_clients_limit{listener=\"metrics\"} 2\n"));
	c = test_raw_connect(port);
	CU_ASSERT_FATAL(c >= 0);
	test_loop_for_ms(50);
	CU_ASSERT(test_raw_closed(c)); /* at once, not after the timeout */
	CU_ASSERT(!test_raw_closed(a));
	CU_ASSERT(!test_raw_closed(b));
	CU_ASSERT(test_page_has("sluice_clients_refused_total{listener=\"metrics\"} 1\n"));
	CU_ASSERT(test_page_has("sluice_clients_open{listener=\"metrics\"} 2\n"));
	close(c);
	close(b);
	test_loop_for_ms(50);
	CU_ASSERT(test_page_has("sluice_clients_open{listener=\"metrics\"} 1\n"));
	test_loop_for_ms(700); /* client_timeout_ms 500 */
	CU_ASSERT(test_raw_closed(a));
	CU_ASSERT(test_page_has("sluice_clients_open{listener=\"metrics\"} 0\n"));
	close(a);
	test_metrics_fixtures();
	test_get(port, EVHTTP_REQ_GET, "/metrics", &g);
	CU_ASSERT_EQUAL(g.code, 200);
	CU_ASSERT(g.body && test_has(g.body, "sluice_clients_open{listener=\"metrics\"} 1\n"));
	free(g.body);
	metrics_free();
	test_metrics_fixtures_free();
	clients_configure(64, 10000, NULL);
}

/* The count N in `NAME{listener="metrics"} N` of the page, or -1. */
static long test_page_value(const char *name)
{
	char *page = metrics_render(NULL), key[128];
	const char *at;
	long v = -1;

	snprintf(key, sizeof(key), "%s{listener=\"metrics\"} ", name);
	at = page ? strstr(page, key) : NULL;
	if (at)
		v = strtol(at + strlen(key), NULL, 10);
	free(page);
	return v;
}

/*
 * accept() failing with EMFILE (a connection waits, no descriptor left) pauses the listener
 * 100 ms at a time instead of spinning on a socket that stays readable (main logged 918,000
 * errors): a handful of errors in 600 ms, and the connection is taken once descriptors are back.
 */
static void test_metrics_accept_error_pauses(void)
{
	char err[256], addr[32];
	uint16_t port = test_closed_port(4);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	long errors;
	int a;

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	CU_ASSERT_EQUAL_FATAL(metrics_init(tbase, addr, err, sizeof(err)), 0);
	test_loop_for_ms(50); /* the earlier tests' sockets closed */
	a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(a >= 0);
	CU_ASSERT_EQUAL_FATAL(test_fds_fill(), 0);
	CU_ASSERT_EQUAL_FATAL(connect(a, (struct sockaddr *)&sin, sizeof(sin)), 0);
	test_loop_for_ms(600); /* the kernel completed it; accept() has no descriptor */
	test_fds_release();
	errors = test_page_value("sluice_clients_accept_errors_total");
	CU_ASSERT(errors >= 2 && errors <= 10);
	if (errors < 2 || errors > 10)
		fprintf(stderr, "\n(%ld accept errors in 600 ms)\n", errors);
	test_loop_for_ms(300);
	CU_ASSERT_EQUAL(test_page_value("sluice_clients_open"), 1);
	CU_ASSERT(!test_raw_closed(a));
	close(a);
	metrics_free();
}

static CU_TestInfo test_probe_tests[] = {
	{"tcp connect passes", test_tcp_connect_passes},
	{"tcp connect over ipv6 passes", test_tcp_connect_ipv6_passes},
	{"tcp to a closed port is refused", test_tcp_closed_port_is_refused},
	{"http(s) to a closed port is refused", test_http_closed_port_is_refused},
	{"http to a silent server times out", test_http_silent_server_times_out},
	{"http status matcher 200/503/302/404", test_http_status_matcher},
	{"http matcher exact and custom range", test_http_matcher_exact},
	{"http over ipv6", test_http_ipv6},
	{"https with a self-signed certificate passes", test_https_self_signed_passes},
	{"https to a plain http server fails tls", test_https_to_plain_http_fails_tls},
	{"http to a peer that closes at once", test_http_to_silent_closer},
	{"cancel midway calls nothing", test_cancel_midway_calls_nothing},
	{"the callback may start the next probe", test_callback_starts_next_probe},
	{"no descriptor left: a local failure, not the target's", test_no_descriptor_is_local},
	{"metrics page from targets and stats", test_metrics_render_page},
	{"metrics endpoint: GET, 404, 405, address checks", test_metrics_endpoint},
	{"metrics endpoint: client limit, refusal, timeout", test_metrics_endpoint_limits},
	{"metrics endpoint: accept errors pause, no spin", test_metrics_accept_error_pauses},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	int rc;

	if (test_init()) {
		fprintf(stderr, "test_probe: cannot set up the event base or TLS\n");
		return 2;
	}
	rc = cu_run("probe", test_probe_tests);
	test_fini();
	return rc;
}
