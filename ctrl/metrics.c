/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.c - the Prometheus text page (format 0.0.4) and its loopback endpoint.
 *
 * What the page is made of (the members read; anything missing is skipped, never an error):
 *
 * - targets (targets_list_json(NULL), an array of target objects): "group", "id", "state"
 *   (initial | healthy | unhealthy | draining | unused), "check": {"last_latency_ms" (number or
 *   null when never checked), "checks_passed", "checks_failed" (integer totals)}, "passive"
 *   (geneve groups): {"failures"}.
 * - each dataplane i < dpconn_count() with dpconn_connected(i) and a dpconn_last_stats(i),
 *   labelled dataplane="dpconn_socket(i)"; its stats object (dataplane/dpdk/stats.c):
 *   "ports": {NAME: {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes"}},
 *   "drops": {REASON: n}, "events": {EVENT: n},
 *   "targets": {GROUP: {ID: {"packets", "bytes", "new_flows", "active_flows" (NLB groups),
 *   "returns" (geneve groups)}}},
 *   "listeners": {NAME: {"packets", "bytes", "new_flows", "drops", "active_flows"}},
 *   "flows_active", "nlb_sessions".
 *   A disconnected dataplane's last stats are stale: its series are left out, so they go stale
 *   in Prometheus instead of freezing.
 *
 * Each family is written once (# HELP, # TYPE, then all its samples, across dataplanes).
 *
 * The endpoint's clients are limited (clients.h). evhttp 2.1 has no connection limit and tells
 * nobody when a connection opens or closes, so the bufferevent callback (called for every
 * accepted connection) does the counting: it admits or refuses the connection at once, and
 * metrics_fixup, on the same loop turn, learns each connection's socket (fd and inode) once
 * evhttp has set it, and shuts a refused one down (evhttp reads the EOF and frees it). A
 * connection counts as open while its descriptor still names the same socket (metrics_sweep;
 * socket inodes are unique while open). A refusal holds the listener until metrics_fixup, so
 * one accept batch never takes more than the limit and one descriptor.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "ctrl/announce.h"
#include "ctrl/clients.h"
#include "ctrl/dpconn.h"
#include "ctrl/metrics.h"
#include "ctrl/targets.h"

enum metrics_family {
	MF_UP,
	MF_DP_CONNECTED,
	MF_NODE_STATE,
	MF_NODE_ROUTES,
	MF_NODE_TRANSITIONS,
	MF_CLIENTS_OPEN,
	MF_CLIENTS_LIMIT,
	MF_CLIENTS_REFUSED,
	MF_CLIENTS_ACCEPT_ERRORS,
	MF_TARGET_STATE,
	MF_TARGET_HEALTHY,
	MF_HC_TOTAL,
	MF_HC_DURATION,
	MF_HC_ERRORS,
	MF_PASSIVE_FAILURES,
	MF_T_PACKETS,
	MF_T_BYTES,
	MF_T_NEW_FLOWS,
	MF_T_RETURNS,
	MF_T_ACTIVE_FLOWS,
	MF_FLOWS_ACTIVE,
	MF_NLB_SESSIONS,
	MF_PORT_RX_PACKETS,
	MF_PORT_RX_BYTES,
	MF_PORT_TX_PACKETS,
	MF_PORT_TX_BYTES,
	MF_DROPS,
	MF_EVENTS,
	MF_L_PACKETS,
	MF_L_BYTES,
	MF_L_NEW_FLOWS,
	MF_L_DROPS,
	MF_L_ACTIVE_FLOWS,
	MF_MAX,
};

static const struct {
	const char *name, *type, *help;
} metrics_families[MF_MAX] = {
	[MF_UP] = {"sluice_up", "gauge", "1 while sluiced runs."},
	[MF_DP_CONNECTED] = {"sluice_dataplane_connected", "gauge",
			     "1 when the dataplane's control socket is connected."},
	[MF_NODE_STATE] = {"sluice_node_state", "gauge",
			   "1 for the node's current state (serving, draining, withdrawn)."},
	[MF_NODE_ROUTES] = {"sluice_node_announced_routes", "gauge",
			    "Routes sluiced has in the announce table now."},
	[MF_NODE_TRANSITIONS] = {"sluice_node_transitions_total", "counter",
				 "Changes of the node's state."},
	[MF_CLIENTS_OPEN] = {"sluice_clients_open", "gauge",
			     "Connections of the listener's clients now."},
	[MF_CLIENTS_LIMIT] = {"sluice_clients_limit", "gauge",
			      "Connections the listener takes at once (daemon.max_clients, or less "
			      "when the file descriptor limit is lower)."},
	[MF_CLIENTS_REFUSED] = {"sluice_clients_refused_total", "counter",
				"Clients closed at once because the listener was full."},
	[MF_CLIENTS_ACCEPT_ERRORS] = {"sluice_clients_accept_errors_total", "counter",
				      "accept() failures of the listener (EMFILE, ...)."},
	[MF_TARGET_STATE] = {"sluice_target_state", "gauge",
			     "1 for the target's current state, 0 for the others."},
	[MF_TARGET_HEALTHY] = {"sluice_target_healthy", "gauge", "1 when the target is healthy."},
	[MF_HC_TOTAL] = {"sluice_health_checks_total", "counter",
			 "Health checks of the target by result."},
	[MF_HC_DURATION] = {"sluice_health_check_duration_seconds", "gauge",
			    "Duration of the target's last health check."},
	[MF_HC_ERRORS] = {"sluice_health_check_errors_total", "counter",
			  "Health checks of the target not run for a local reason (no file "
			  "descriptor, no memory); the target's state was kept."},
	[MF_PASSIVE_FAILURES] =
		{"sluice_target_passive_failures_total", "counter",
		 "Times the passive check marked the target unhealthy (no returns)."},
	[MF_T_PACKETS] = {"sluice_target_packets_total", "counter",
			  "Packets the dataplane sent to the target."},
	[MF_T_BYTES] = {"sluice_target_bytes_total", "counter",
			"Bytes the dataplane sent to the target."},
	[MF_T_NEW_FLOWS] = {"sluice_target_new_flows_total", "counter",
			    "Flows the dataplane pinned to the target."},
	[MF_T_RETURNS] = {"sluice_target_returns_total", "counter",
			  "GENEVE returns the dataplane accepted from the appliance."},
	[MF_T_ACTIVE_FLOWS] = {"sluice_target_active_flows", "gauge",
			       "Open NLB sessions to the target."},
	[MF_FLOWS_ACTIVE] = {"sluice_flows_active", "gauge", "Entries in the flow table."},
	[MF_NLB_SESSIONS] = {"sluice_nlb_sessions", "gauge", "Entries in the NLB session table."},
	[MF_PORT_RX_PACKETS] = {"sluice_port_rx_packets_total", "counter",
				"Packets received on the port."},
	[MF_PORT_RX_BYTES] = {"sluice_port_rx_bytes_total", "counter",
			      "Bytes received on the port."},
	[MF_PORT_TX_PACKETS] = {"sluice_port_tx_packets_total", "counter",
				"Packets sent on the port."},
	[MF_PORT_TX_BYTES] = {"sluice_port_tx_bytes_total", "counter", "Bytes sent on the port."},
	[MF_DROPS] = {"sluice_drops_total", "counter", "Packets dropped, by reason."},
	[MF_EVENTS] = {"sluice_events_total", "counter", "Dataplane events, by kind."},
	[MF_L_PACKETS] = {"sluice_listener_packets_total", "counter",
			  "Packets the listener forwarded."},
	[MF_L_BYTES] = {"sluice_listener_bytes_total", "counter", "Bytes the listener forwarded."},
	[MF_L_NEW_FLOWS] = {"sluice_listener_new_flows_total", "counter",
			    "Flows the listener opened."},
	[MF_L_DROPS] = {"sluice_listener_drops_total", "counter",
			"Packets to the listener that were dropped."},
	[MF_L_ACTIVE_FLOWS] = {"sluice_listener_active_flows", "gauge",
			       "Open NLB sessions of the listener."},
};

static const char *const metrics_states[] = {"initial", "healthy", "unhealthy", "draining",
					     "unused"};

/* One memory stream per family, joined in family order at the end. */
struct metrics_page {
	FILE *f[MF_MAX];
	char *buf[MF_MAX];
	size_t len[MF_MAX];
	int failed;
};

static struct evhttp *metrics_http;

/* A connection of the endpoint (see the top): pending until metrics_fixup. */
struct metrics_conn {
	struct bufferevent *bev; /* pending: evhttp's, with a reference of ours */
	int refused;		 /* pending: to be shut down */
	evutil_socket_t fd;	 /* -1 while pending */
	dev_t dev;
	ino_t ino;
};

static struct {
	struct clients clients;
	struct event *fixup;
	struct metrics_conn *c;
	unsigned int n, cap;
} mconn;

/* Forget the connections whose socket is gone. */
static void metrics_sweep(void)
{
	struct metrics_conn *mc;
	struct stat st;
	unsigned int i = 0;

	while (i < mconn.n) {
		mc = &mconn.c[i];
		if (mc->fd < 0 || (!fstat(mc->fd, &st) && S_ISSOCK(st.st_mode) &&
				   st.st_ino == mc->ino && st.st_dev == mc->dev)) {
			i++;
			continue;
		}
		clients_closed(&mconn.clients);
		*mc = mconn.c[--mconn.n];
	}
}

/* The connections accepted on this loop turn: their sockets, and refused ones shut down. */
static void metrics_fixup(evutil_socket_t fd0, short what, void *arg)
{
	struct metrics_conn *mc;
	evutil_socket_t fd;
	struct stat st;
	unsigned int i = 0;

	(void)fd0;
	(void)what;
	(void)arg;
	while (i < mconn.n) {
		mc = &mconn.c[i];
		if (mc->fd >= 0) {
			i++;
			continue;
		}
		fd = bufferevent_getfd(mc->bev);
		if (mc->refused) {
			/* FIN now; evhttp reads the EOF on the next turn and frees it */
			if (fd >= 0)
				shutdown(fd, SHUT_RDWR);
			bufferevent_decref(mc->bev);
			clients_release(&mconn.clients);
		} else if (fd < 0 || fstat(fd, &st)) { /* already gone */
			bufferevent_decref(mc->bev);
			clients_closed(&mconn.clients);
		} else {
			mc->fd = fd;
			mc->dev = st.st_dev;
			mc->ino = st.st_ino;
			bufferevent_decref(mc->bev);
			mc->bev = NULL;
			i++;
			continue;
		}
		*mc = mconn.c[--mconn.n];
	}
}

/* evhttp's bufferevent for a connection it has just accepted (see the top). */
static struct bufferevent *metrics_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct metrics_conn *mc;
	unsigned int cap;

	(void)arg;
	if (!bev)
		return NULL; /* evhttp tries one of its own */
	if (mconn.n == mconn.cap) {
		cap = mconn.cap ? 2 * mconn.cap : 16;
		mc = realloc(mconn.c, cap * sizeof(*mc));
		if (!mc)
			return bev; /* out of memory: this one goes uncounted */
		mconn.c = mc;
		mconn.cap = cap;
	}
	metrics_sweep();
	mc = &mconn.c[mconn.n++];
	memset(mc, 0, sizeof(*mc));
	mc->bev = bev;
	mc->fd = -1;
	mc->refused = !clients_admit(&mconn.clients);
	if (mc->refused)
		clients_hold(&mconn.clients); /* the accept loop stops after this one */
	bufferevent_incref(bev);	      /* valid until metrics_fixup, whatever evhttp does */
	event_active(mconn.fixup, EV_TIMEOUT, 1);
	return bev;
}

/* accept() failed with more than EAGAIN/EINTR/ECONNABORTED (evhttp's listener). */
static void metrics_accept_error(struct evconnlistener *lis, void *arg)
{
	(void)lis;
	(void)arg;
	clients_accept_error(&mconn.clients, EVUTIL_SOCKET_ERROR());
}

/* A label value with \, " and newline escaped, as the text format wants. */
static void metrics_put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/*
 * One sample: name{k1="v1",...} value. The labels are given as NULL-terminated pairs of
 * strings; the value is a JSON number divided by div (integers exactly when div is 1).
 */
static void metrics_sample(struct metrics_page *pg, enum metrics_family fam, double div,
			   const json_t *value, ...)
{
	FILE *f = pg->f[fam];
	const char *k, *v;
	va_list ap;
	int first = 1;

	if (!json_is_number(value) || !f)
		return;
	fputs(metrics_families[fam].name, f);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		fprintf(f, "%s%s=\"", first ? "{" : ",", k);
		metrics_put_escaped(f, v ? v : "");
		fputc('"', f);
		first = 0;
	}
	va_end(ap);
	if (!first)
		fputc('}', f);
	/* non-integers: 9 significant digits, exact to the microsecond, no float noise */
	if (json_is_integer(value) && div == 1.0)
		fprintf(f, " %" JSON_INTEGER_FORMAT "\n", json_integer_value(value));
	else
		fprintf(f, " %.9g\n", json_number_value(value) / div);
}

static void metrics_int_sample(struct metrics_page *pg, enum metrics_family fam, json_int_t n,
			       const char *k1, const char *v1, const char *k2, const char *v2,
			       const char *k3, const char *v3)
{
	json_t *v = json_integer(n);

	if (!v) {
		pg->failed = 1;
		return;
	}
	metrics_sample(pg, fam, 1.0, v, k1, v1, k2, v2, k3, v3, NULL);
	json_decref(v);
}

static void metrics_targets(struct metrics_page *pg, json_t *targets)
{
	json_t *t, *check;
	const char *group, *id, *state;
	size_t i, s;

	json_array_foreach(targets, i, t)
	{
		group = json_string_value(json_object_get(t, "group"));
		id = json_string_value(json_object_get(t, "id"));
		state = json_string_value(json_object_get(t, "state"));
		if (!group || !id)
			continue;
		if (state) {
			for (s = 0; s < sizeof(metrics_states) / sizeof(metrics_states[0]); s++)
				metrics_int_sample(pg, MF_TARGET_STATE,
						   !strcmp(state, metrics_states[s]), "group",
						   group, "target", id, "state", metrics_states[s]);
			metrics_int_sample(pg, MF_TARGET_HEALTHY, !strcmp(state, "healthy"),
					   "group", group, "target", id, NULL, NULL);
		}
		metrics_sample(pg, MF_PASSIVE_FAILURES, 1.0,
			       json_object_get(json_object_get(t, "passive"), "failures"), "group",
			       group, "target", id, "reason", "no returns", NULL);
		check = json_object_get(t, "check");
		if (!json_is_object(check))
			continue;
		metrics_sample(pg, MF_HC_TOTAL, 1.0, json_object_get(check, "checks_passed"),
			       "group", group, "target", id, "result", "pass", NULL);
		metrics_sample(pg, MF_HC_TOTAL, 1.0, json_object_get(check, "checks_failed"),
			       "group", group, "target", id, "result", "fail", NULL);
		metrics_sample(pg, MF_HC_DURATION, 1000.0,
			       /* ms to s */ json_object_get(check, "last_latency_ms"), "group",
			       group, "target", id, NULL);
		metrics_sample(pg, MF_HC_ERRORS, 1.0, json_object_get(check, "local_errors"),
			       "group", group, "target", id, "reason", "local", NULL);
	}
}

static void metrics_dataplane(struct metrics_page *pg, const char *dp, json_t *st)
{
	json_t *o, *g, *t;
	const char *k, *gk;

	json_object_foreach(json_object_get(st, "ports"), k, o)
	{
		metrics_sample(pg, MF_PORT_RX_PACKETS, 1.0, json_object_get(o, "rx_packets"),
			       "dataplane", dp, "port", k, NULL);
		metrics_sample(pg, MF_PORT_RX_BYTES, 1.0, json_object_get(o, "rx_bytes"),
			       "dataplane", dp, "port", k, NULL);
		metrics_sample(pg, MF_PORT_TX_PACKETS, 1.0, json_object_get(o, "tx_packets"),
			       "dataplane", dp, "port", k, NULL);
		metrics_sample(pg, MF_PORT_TX_BYTES, 1.0, json_object_get(o, "tx_bytes"),
			       "dataplane", dp, "port", k, NULL);
	}
	json_object_foreach(json_object_get(st, "drops"), k, o)
		metrics_sample(pg, MF_DROPS, 1.0, o, "dataplane", dp, "reason", k, NULL);
	json_object_foreach(json_object_get(st, "events"), k, o)
		metrics_sample(pg, MF_EVENTS, 1.0, o, "dataplane", dp, "event", k, NULL);
	json_object_foreach(json_object_get(st, "targets"), gk, g)
	{
		json_object_foreach(g, k, t)
		{
			metrics_sample(pg, MF_T_PACKETS, 1.0, json_object_get(t, "packets"),
				       "dataplane", dp, "group", gk, "target", k, NULL);
			metrics_sample(pg, MF_T_BYTES, 1.0, json_object_get(t, "bytes"),
				       "dataplane", dp, "group", gk, "target", k, NULL);
			metrics_sample(pg, MF_T_NEW_FLOWS, 1.0, json_object_get(t, "new_flows"),
				       "dataplane", dp, "group", gk, "target", k, NULL);
			metrics_sample(pg, MF_T_RETURNS, 1.0, json_object_get(t, "returns"),
				       "dataplane", dp, "group", gk, "target", k, NULL);
			metrics_sample(pg, MF_T_ACTIVE_FLOWS, 1.0,
				       json_object_get(t, "active_flows"), "dataplane", dp, "group",
				       gk, "target", k, NULL);
		}
	}
	json_object_foreach(json_object_get(st, "listeners"), k, o)
	{
		metrics_sample(pg, MF_L_PACKETS, 1.0, json_object_get(o, "packets"), "dataplane",
			       dp, "listener", k, NULL);
		metrics_sample(pg, MF_L_BYTES, 1.0, json_object_get(o, "bytes"), "dataplane", dp,
			       "listener", k, NULL);
		metrics_sample(pg, MF_L_NEW_FLOWS, 1.0, json_object_get(o, "new_flows"),
			       "dataplane", dp, "listener", k, NULL);
		metrics_sample(pg, MF_L_DROPS, 1.0, json_object_get(o, "drops"), "dataplane", dp,
			       "listener", k, NULL);
		metrics_sample(pg, MF_L_ACTIVE_FLOWS, 1.0, json_object_get(o, "active_flows"),
			       "dataplane", dp, "listener", k, NULL);
	}
	metrics_sample(pg, MF_FLOWS_ACTIVE, 1.0, json_object_get(st, "flows_active"), "dataplane",
		       dp, NULL);
	metrics_sample(pg, MF_NLB_SESSIONS, 1.0, json_object_get(st, "nlb_sessions"), "dataplane",
		       dp, NULL);
}

/* The local listeners' clients (clients.h). */
static void metrics_clients(struct metrics_page *pg)
{
	const struct clients *c;
	unsigned int i;

	metrics_sweep();
	for (i = 0; (c = clients_get(i)); i++) {
		metrics_int_sample(pg, MF_CLIENTS_OPEN, c->open, "listener", c->name, NULL, NULL,
				   NULL, NULL);
		metrics_int_sample(pg, MF_CLIENTS_LIMIT, clients_limit(c), "listener", c->name,
				   NULL, NULL, NULL, NULL);
		metrics_int_sample(pg, MF_CLIENTS_REFUSED, (json_int_t)c->refused, "listener",
				   c->name, NULL, NULL, NULL, NULL);
		metrics_int_sample(pg, MF_CLIENTS_ACCEPT_ERRORS, (json_int_t)c->accept_errors,
				   "listener", c->name, NULL, NULL, NULL, NULL);
	}
}

/* announce_metrics_json(): {"state", "announced_routes", "transitions"}. */
static void metrics_node(struct metrics_page *pg)
{
	static const char *const states[] = {"serving", "draining", "withdrawn"};
	json_t *n = announce_metrics_json();
	const char *cur = json_string_value(json_object_get(n, "state"));
	unsigned int i;

	if (!cur) {
		json_decref(n);
		return;
	}
	for (i = 0; i < 3; i++)
		metrics_int_sample(pg, MF_NODE_STATE, !strcmp(cur, states[i]), "state", states[i],
				   NULL, NULL, NULL, NULL);
	metrics_int_sample(pg, MF_NODE_ROUTES,
			   json_integer_value(json_object_get(n, "announced_routes")), NULL, NULL,
			   NULL, NULL, NULL, NULL);
	metrics_int_sample(pg, MF_NODE_TRANSITIONS,
			   json_integer_value(json_object_get(n, "transitions")), NULL, NULL, NULL,
			   NULL, NULL, NULL);
	json_decref(n);
}

char *metrics_render(json_t *targets)
{
	struct metrics_page pg;
	unsigned int i, n = dpconn_count();
	const char *dp;
	json_t *st;
	FILE *out;
	char *page = NULL;
	size_t len = 0;
	int fam;

	memset(&pg, 0, sizeof(pg));
	for (fam = 0; fam < MF_MAX; fam++) {
		pg.f[fam] = open_memstream(&pg.buf[fam], &pg.len[fam]);
		if (!pg.f[fam])
			pg.failed = 1;
	}
	if (pg.failed)
		goto out;

	metrics_int_sample(&pg, MF_UP, 1, NULL, NULL, NULL, NULL, NULL, NULL);
	for (i = 0; i < n; i++) {
		dp = dpconn_socket(i);
		if (!dp)
			continue;
		metrics_int_sample(&pg, MF_DP_CONNECTED, !!dpconn_connected(i), "dataplane", dp,
				   NULL, NULL, NULL, NULL);
	}
	metrics_node(&pg);
	metrics_clients(&pg);
	if (json_is_array(targets))
		metrics_targets(&pg, targets);
	for (i = 0; i < n; i++) {
		dp = dpconn_socket(i);
		st = dpconn_connected(i) ? dpconn_last_stats(i) : NULL;
		if (dp && json_is_object(st))
			metrics_dataplane(&pg, dp, st);
	}

out:
	for (fam = 0; fam < MF_MAX; fam++)
		if (pg.f[fam] && fclose(pg.f[fam]))
			pg.failed = 1;
	out = pg.failed ? NULL : open_memstream(&page, &len);
	if (out) {
		for (fam = 0; fam < MF_MAX; fam++) {
			if (!pg.len[fam])
				continue;
			fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", metrics_families[fam].name,
				metrics_families[fam].help, metrics_families[fam].name,
				metrics_families[fam].type);
			fwrite(pg.buf[fam], 1, pg.len[fam], out);
		}
		if (fclose(out)) {
			free(page);
			page = NULL;
		}
	}
	for (fam = 0; fam < MF_MAX; fam++)
		free(pg.buf[fam]);
	return page;
}

static void metrics_reply_text(struct evhttp_request *req, int code, const char *reason,
			       const char *text)
{
	struct evbuffer *body = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	if (body)
		evbuffer_add(body, text, strlen(text));
	evhttp_send_reply(req, code, reason, body);
	if (body)
		evbuffer_free(body);
}

static void metrics_http_cb(struct evhttp_request *req, void *arg)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *body;
	char err[256];
	json_t *targets;
	char *page;

	(void)arg;
	if (!path || strcmp(path, "/metrics")) {
		metrics_reply_text(req, HTTP_NOTFOUND, "Not Found", "not found: try /metrics\n");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(hdr, "Allow", "GET, HEAD");
		metrics_reply_text(req, 405, "Method Not Allowed", "method not allowed\n");
		return;
	}
	targets = targets_list_json(NULL, err, sizeof(err));
	page = metrics_render(targets);
	json_decref(targets);
	body = evbuffer_new();
	if (!page || !body) {
		free(page);
		if (body)
			evbuffer_free(body);
		metrics_reply_text(req, HTTP_INTERNAL, "Internal Server Error", "out of memory\n");
		return;
	}
	evhttp_add_header(hdr, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	/* evbuffer_add_reference would avoid the copy; the page is small, keep it simple. */
	evbuffer_add(body, page, strlen(page));
	free(page);
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* "127.0.0.1:9469" or "[::1]:9469" -> host and port; loopback only. */
static int metrics_parse_address(const char *address, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *h = address;
	size_t hl;
	char *end;
	unsigned long p;
	unsigned char a[16];

	if (address[0] == '[') {
		colon = strstr(address, "]:");
		if (!colon)
			return -EINVAL;
		h = address + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(address, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - address);
	}
	if (hl == 0 || hl >= hostlen)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p == 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	if (address[0] == '[') {
		if (inet_pton(AF_INET6, host, a) != 1 || memcmp(a, &in6addr_loopback, 16))
			return -EINVAL;
	} else if (inet_pton(AF_INET, host, a) != 1 || a[0] != 127) {
		return -EINVAL;
	}
	return 0;
}

void metrics_reconfigure(void)
{
	struct timeval tv = clients_timeout();

	if (metrics_http)
		evhttp_set_timeout_tv(metrics_http, &tv);
}

int metrics_init(struct event_base *base, const char *address, char *err, size_t errlen)
{
	struct evhttp_bound_socket *bound;
	struct evconnlistener *lis;
	char host[INET6_ADDRSTRLEN];
	uint16_t port;
	int rc;

	if (!address || !address[0] || !strcmp(address, "off"))
		return 0; /* the endpoint is disabled */
	if (metrics_http)
		return -EALREADY;
	rc = metrics_parse_address(address, host, sizeof(host), &port);
	if (rc) {
		snprintf(err, errlen,
			 "metrics address %s: want a loopback address and port "
			 "(127.0.0.1:9469 or [::1]:9469)",
			 address);
		return rc;
	}
	metrics_http = evhttp_new(base);
	if (!metrics_http) {
		snprintf(err, errlen, "metrics: out of memory");
		return -ENOMEM;
	}
	/* Every method reaches metrics_http_cb, which answers 405 itself (evhttp says 501). */
	evhttp_set_allowed_methods(
		metrics_http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
				      EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
				      EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	/* daemon.client_timeout_ms: evhttp closes a connection that sends nothing that long
	 * (idle between requests, or a request never finished) or does not read its reply */
	metrics_reconfigure();
	evhttp_set_max_headers_size(metrics_http, 16384);
	evhttp_set_max_body_size(metrics_http, 4096);
	evhttp_set_gencb(metrics_http, metrics_http_cb, NULL);
	evhttp_set_bevcb(metrics_http, metrics_bevcb, NULL);
	errno = 0;
	bound = evhttp_bind_socket_with_handle(metrics_http, host, port);
	if (!bound) {
		rc = errno ? -errno : -EADDRINUSE;
		snprintf(err, errlen, "metrics: cannot listen on %s: %s", address, strerror(-rc));
		goto fail_http;
	}
	lis = evhttp_bound_socket_get_listener(bound);
	evconnlistener_set_error_cb(lis, metrics_accept_error);
	mconn.fixup = event_new(base, -1, 0, metrics_fixup, NULL);
	if (!mconn.fixup || clients_init(&mconn.clients, base, "metrics", lis)) {
		rc = -ENOMEM;
		snprintf(err, errlen, "metrics: out of memory");
		goto fail_fixup;
	}
	return 0;

fail_fixup:
	if (mconn.fixup)
		event_free(mconn.fixup);
	mconn.fixup = NULL;
fail_http:
	evhttp_free(metrics_http);
	metrics_http = NULL;
	return rc;
}

void metrics_free(void)
{
	unsigned int i;

	if (!metrics_http)
		return;
	evhttp_free(metrics_http); /* closes every connection */
	metrics_http = NULL;
	for (i = 0; i < mconn.n; i++)
		if (mconn.c[i].fd < 0)
			bufferevent_decref(mconn.c[i].bev);
	event_free(mconn.fixup);
	clients_free(&mconn.clients);
	free(mconn.c);
	memset(&mconn, 0, sizeof(mconn));
}
