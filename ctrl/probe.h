/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe.h - one health check of one target, asynchronously on a libevent base: TCP connect,
 * HTTP or HTTPS GET with a status matcher. Every probe ends exactly once in its callback
 * (pass, fail with a reason, or timeout), also when cancelled (not called then).
 */
#ifndef SL_PROBE_H
#define SL_PROBE_H

#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "dataplane/lib/config.h"

#define PROBE_REASON_MAX 160

struct probe_spec {
	enum cfg_hc_proto protocol;
	struct cfg_addr address; /* the target */
	uint16_t port;		 /* the port to check (the group's hc.port, or the target's) */
	const char *path;	 /* HTTP(S): request path, Host header = the address */
	uint16_t matcher_lo, matcher_hi;
	uint32_t timeout_ms;
};

struct probe_result {
	int ok;
	int local; /* not ok, and the target was never reached: the check failed here for lack
		    * of a resource (EMFILE, ENFILE, ENOBUFS, ENOMEM). Says nothing about the
		    * target: the caller keeps its state (docs/daemon.md "Health checks") */
	uint64_t latency_us;	       /* start to verdict */
	char reason[PROBE_REASON_MAX]; /* on failure: "connect: Connection refused",
					* "timeout after 5 s", "http: status 503 (expected
					* 200-399)", "tls: handshake failed: ..." */
};

struct probe;
typedef void (*probe_cb)(const struct probe_result *res, void *arg);

/* The TLS context HTTPS probes share (no certificate verification). NULL on failure. */
SSL_CTX *probe_ssl_ctx_new(void);
/*
 * Start a probe. Returns NULL (and calls nothing) on allocation failure. The callback runs from
 * the event loop, never inside probe_start(), after the probe has freed itself: forget the
 * pointer there (probe_cancel() is for a probe whose callback has not run). It may start the
 * next probe. spec (and spec->path) need not outlive probe_start().
 */
struct probe *probe_start(struct event_base *base, SSL_CTX *ssl, const struct probe_spec *spec,
			  probe_cb cb, void *arg);
/* Stop a running probe and free it; its callback is not called. */
void probe_cancel(struct probe *p);

#endif /* SL_PROBE_H */
