/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * announce.c - the announcer (announce.h): gathers the node's conditions (dataplanes from
 * dpconn, groups from targets), lets node_decide() pick the state, and makes the routing table
 * match it: every wanted route while serving, none of ours otherwise.
 *
 * Restart without a flap: the routes a previous sluiced left (protocol 250 in the table) are
 * taken as installed and the state starts `serving`; for liveness_timeout_ms, or until a
 * dataplane is fully OK (connected, its target states read back and synced, alive), nothing is
 * changed. Then the normal decision applies: the routes stay if the node can serve, and the
 * ones it would not announce (stale) are removed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "ctrl/announce.h"
#include "ctrl/dpconn.h"
#include "ctrl/log.h"
#include "ctrl/node.h"
#include "ctrl/rtnl.h"
#include "ctrl/targets.h"

#define ANNOUNCE_TICK_MS  100
#define ANNOUNCE_WANT_MAX (2 + CFG_ANNOUNCE_PREFIXES_MAX)
#define ANNOUNCE_HAVE_MAX 64

static struct {
	struct event_base *base;
	struct event *tick;
	struct event *done_ev;
	void (*done)(void);
	struct cfg_announce cfg;
	struct cfg_addr want[ANNOUNCE_WANT_MAX]; /* what serving announces */
	unsigned int n_want;
	struct cfg_addr have[ANNOUNCE_HAVE_MAX]; /* ours in the table now */
	unsigned int n_have;
	int fd; /* netlink, -1 without daemon.announce */
	struct node_status st;
	uint64_t start;
	int held; /* the start's hold is over */
	int drained, stopping, done_called;
	uint64_t transitions;
	char logged[256]; /* the last route error logged (logged once) */
} an = {.fd = -1};

static uint64_t an_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static const char *an_prefix_str(const struct cfg_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, a->plen);
	return buf;
}

static int an_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
}

static int an_find(const struct cfg_addr *set, unsigned int n, const struct cfg_addr *a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (an_eq(&set[i], a))
			return (int)i;
	return -1;
}

/* The routes serving announces, from the config: zone IP, GENEVE address, prefixes. */
static void an_set_config(const struct config *cfg)
{
	const struct cfg_announce *a = &cfg->daemon.announce;
	unsigned int i;

	an.cfg = *a;
	an.n_want = 0;
	if (!a->enabled)
		return;
	if (a->zone_ip)
		for (i = 0; i < cfg->n_zones; i++)
			if (!strcmp(cfg->zones[i].name, cfg->node.zone)) {
				an.want[an.n_want] = cfg->zones[i].address;
				an.want[an.n_want++].plen =
					cfg->zones[i].address.family == 4 ? 32 : 128;
			}
	if (a->geneve_address && cfg->node.has_geneve_address) {
		an.want[an.n_want] = cfg->node.geneve_address;
		an.want[an.n_want++].plen = 32;
	}
	for (i = 0; i < a->n_prefixes && an.n_want < ANNOUNCE_WANT_MAX; i++)
		if (an_find(an.want, an.n_want, &a->prefixes[i]) < 0)
			an.want[an.n_want++] = a->prefixes[i];
}

static void __attribute__((format(printf, 1, 2))) an_problem(const char *fmt, ...)
{
	char msg[sizeof(an.logged)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strcmp(msg, an.logged)) {
		log_dbg("announce: %s", msg);
		return;
	}
	snprintf(an.logged, sizeof(an.logged), "%s", msg);
	log_err("announce: %s", msg);
}

/* Make our routes in the table the wanted ones (serving) or none. Failures retried next tick. */
static void an_apply(void)
{
	int serve = an.st.state == NODE_SERVING;
	char b[INET6_ADDRSTRLEN + 8];
	unsigned int i;
	int rc, ok = 1;

	if (an.fd < 0)
		return;
	for (i = 0; i < an.n_have;) {
		if (serve && an_find(an.want, an.n_want, &an.have[i]) >= 0) {
			i++;
			continue;
		}
		rc = rtnl_route_del(an.fd, an.cfg.table, &an.have[i]);
		if (rc && rc != -ESRCH) {
			an_problem("removing %s from table %" PRIu32 ": %s",
				   an_prefix_str(&an.have[i], b, sizeof(b)), an.cfg.table,
				   strerror(-rc));
			ok = 0;
			i++;
			continue;
		}
		log_info("announce: withdrew %s (table %" PRIu32 ")",
			 an_prefix_str(&an.have[i], b, sizeof(b)), an.cfg.table);
		an.have[i] = an.have[--an.n_have];
	}
	for (i = 0; serve && i < an.n_want; i++) {
		if (an_find(an.have, an.n_have, &an.want[i]) >= 0)
			continue;
		rc = rtnl_route_add(an.fd, an.cfg.table, &an.want[i]);
		if (rc) {
			an_problem("adding %s to table %" PRIu32 ": %s",
				   an_prefix_str(&an.want[i], b, sizeof(b)), an.cfg.table,
				   strerror(-rc));
			ok = 0;
			continue;
		}
		log_info("announce: announced %s (table %" PRIu32 ")",
			 an_prefix_str(&an.want[i], b, sizeof(b)), an.cfg.table);
		if (an.n_have < ANNOUNCE_HAVE_MAX)
			an.have[an.n_have++] = an.want[i];
	}
	if (ok)
		an.logged[0] = '\0';
}

static void an_done_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (an.done)
		an.done();
}

static void an_eval(void)
{
	enum node_reason each[CFG_DATAPLANES_MAX];
	struct node_cond c = {0};
	struct node_status n;
	uint64_t now = an_now(), drain_us = (uint64_t)an.cfg.drain_time * 1000000;
	unsigned int i, ndp = dpconn_count();

	if (ndp > CFG_DATAPLANES_MAX)
		ndp = CFG_DATAPLANES_MAX;
	for (i = 0; i < ndp; i++)
		each[i] = (enum node_reason)dpconn_node_reason(i, an.cfg.liveness_timeout_ms);
	c.configured = an.cfg.enabled;
	c.dp = node_dp_reason(each, ndp);
	/* The start's hold ends once a dataplane is OK, after liveness_timeout_ms, or on a stop
	 * (which drains what a previous sluiced left). */
	if (!an.held && (c.dp == NODE_R_NONE || an.stopping ||
			 now - an.start >= (uint64_t)an.cfg.liveness_timeout_ms * 1000))
		an.held = 1;
	c.hold = !an.held;
	c.daemon_stopping = an.stopping;
	c.drained = an.drained;
	c.groups_failed = targets_all_groups_failed(an.cfg.min_healthy_targets);
	n = node_decide(&an.st, &c, now, drain_us);
	if (n.state != an.st.state || n.reason != an.st.reason) {
		log_msg(n.state == NODE_SERVING || an.st.state != NODE_SERVING ? LOG_LVL_INFO
									       : LOG_LVL_WARNING,
			"node: %s%s%s%s -> %s%s%s%s", node_state_name(an.st.state),
			an.st.reason ? " (" : "", node_reason_name(an.st.reason),
			an.st.reason ? ")" : "", node_state_name(n.state), n.reason ? " (" : "",
			node_reason_name(n.reason), n.reason ? ")" : "");
		if (n.state != an.st.state)
			an.transitions++;
	}
	an.st = n;
	if (an.held)
		an_apply();
	if (an.stopping && !an.done_called &&
	    (an.st.state != NODE_DRAINING || node_drain_over(&an.st, now, drain_us))) {
		an.done_called = 1;
		event_active(an.done_ev, 0, 0);
	}
}

static void an_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	an_eval();
}

void announce_kick(void)
{
	if (an.base)
		an_eval();
}

/* Read the table: routes of protocol 250 a previous sluiced left are ours, installed. */
static void an_read_table(void)
{
	char b[INET6_ADDRSTRLEN + 8];
	unsigned int i;
	int rc;

	an.n_have = 0;
	rc = rtnl_route_list(an.fd, an.cfg.table, an.have, ANNOUNCE_HAVE_MAX, &an.n_have);
	if (rc)
		an_problem("reading table %" PRIu32 ": %s", an.cfg.table, strerror(-rc));
	for (i = 0; i < an.n_have; i++)
		log_info("announce: %s found in table %" PRIu32 " (left by a previous sluiced)%s",
			 an_prefix_str(&an.have[i], b, sizeof(b)), an.cfg.table,
			 an_find(an.want, an.n_want, &an.have[i]) < 0
				 ? "; not announced any more: removed once the state is known"
				 : "");
}

int announce_init(struct event_base *base, const struct config *cfg, void (*done)(void), char *err,
		  size_t errlen)
{
	an.base = base;
	an.done = done;
	an.start = an_now();
	an.tick = event_new(base, -1, EV_PERSIST, an_tick_cb, NULL);
	an.done_ev = event_new(base, -1, 0, an_done_cb, NULL);
	if (!an.tick || !an.done_ev) {
		snprintf(err, errlen, "announce: out of memory");
		announce_free(0);
		return -ENOMEM;
	}
	an_set_config(cfg);
	an.st = (struct node_status){NODE_WITHDRAWN, NODE_R_NO_CONFIG, an.start};
	if (an.cfg.enabled) {
		struct timeval tv = {0, ANNOUNCE_TICK_MS * 1000};

		an.fd = rtnl_open();
		if (an.fd < 0) {
			int rc = an.fd;

			snprintf(err, errlen, "announce: netlink socket: %s", strerror(-rc));
			announce_free(0);
			return rc;
		}
		an_read_table();
		an.st.reason = NODE_R_STARTING;
		if (an.n_have) /* a previous sluiced announced: keep it while we learn */
			an.st = (struct node_status){NODE_SERVING, NODE_R_NONE, an.start};
		dpconn_liveness(1);
		evtimer_add(an.tick, &tv);
	}
	return 0;
}

void announce_free(int withdraw)
{
	if (withdraw && an.fd >= 0) {
		an.st.state = NODE_WITHDRAWN;
		an_apply();
	}
	if (an.fd >= 0)
		close(an.fd);
	if (an.tick)
		event_free(an.tick);
	if (an.done_ev)
		event_free(an.done_ev);
	memset(&an, 0, sizeof(an));
	an.fd = -1;
}

void announce_reload(const struct config *cfg)
{
	const struct cfg_announce *a = &cfg->daemon.announce;
	struct timeval tv = {0, ANNOUNCE_TICK_MS * 1000};
	char err[128];

	if (!an.base)
		return;
	if (an.fd >= 0 && (!a->enabled || a->table != an.cfg.table)) {
		/* Leaving the table (or announcing no more): take ours out of it first. */
		struct node_status keep = an.st;

		an.st.state = NODE_WITHDRAWN;
		an_apply();
		an.st = keep;
		if (!a->enabled) {
			close(an.fd);
			an.fd = -1;
		}
	}
	an_set_config(cfg);
	if (an.cfg.enabled && an.fd < 0) {
		an.fd = rtnl_open();
		if (an.fd < 0) {
			snprintf(err, sizeof(err), "%s", strerror(-an.fd));
			an_problem("netlink socket: %s (nothing is announced)", err);
		}
	}
	if (an.fd >= 0 && an.n_have == 0) /* a new table: what is ours there already */
		an_read_table();
	dpconn_liveness(an.cfg.enabled);
	if (an.cfg.enabled && !evtimer_pending(an.tick, NULL))
		evtimer_add(an.tick, &tv);
	else if (!an.cfg.enabled)
		evtimer_del(an.tick);
	an_eval();
}

int announce_stop(void)
{
	if (!an.base)
		return 1;
	an.stopping = 1;
	an_eval();
	return an.done_called && an.st.state != NODE_DRAINING;
}

static json_t *an_list(const struct cfg_addr *set, unsigned int n)
{
	char b[INET6_ADDRSTRLEN + 8];
	json_t *l = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_array_append_new(l, json_string(an_prefix_str(&set[i], b, sizeof(b))));
	return l;
}

json_t *announce_json(void)
{
	uint64_t now = an_now();
	json_t *o, *dps = json_array(), *cond;
	unsigned int i;

	for (i = 0; i < dpconn_count(); i++) {
		enum node_reason r = (enum node_reason)dpconn_node_reason(
			i, an.cfg.enabled ? an.cfg.liveness_timeout_ms : 1000);

		json_array_append_new(dps,
				      json_pack("{s:s,s:b,s:s}", "socket", dpconn_socket(i), "ok",
						r == NODE_R_NONE, "reason", node_reason_name(r)));
	}
	cond = json_pack("{s:b,s:o,s:b,s:i,s:b,s:b}", "announce_configured", an.cfg.enabled,
			 "dataplanes", dps, "groups_failed",
			 an.base ? targets_all_groups_failed(an.cfg.min_healthy_targets) : 0,
			 "min_healthy_targets", (int)an.cfg.min_healthy_targets, "drained",
			 an.drained, "stopping", an.stopping);
	o = json_pack("{s:s,s:s,s:f,s:o,s:o,s:I,s:o}", "state", node_state_name(an.st.state),
		      "reason", node_reason_name(an.st.reason), "since_s",
		      (double)(int64_t)((now - an.st.since) / 100000) / 10, "announced",
		      an_list(an.have, an.n_have), "routes", an_list(an.want, an.n_want),
		      "transitions", (json_int_t)an.transitions, "conditions", cond);
	if (!o)
		log_fatal("%s: out of memory", __func__);
	json_object_set_new(o, "table", an.cfg.enabled ? json_integer(an.cfg.table) : json_null());
	if (an.st.state == NODE_DRAINING) {
		uint64_t d = (uint64_t)an.cfg.drain_time * 1000000, el = now - an.st.since;

		json_object_set_new(o, "drain_remaining_s",
				    json_real(el < d ? (double)(d - el) / 1e6 : 0.0));
	}
	return o;
}

int announce_drain(json_t **node, char *err, size_t errlen)
{
	if (!an.cfg.enabled) {
		snprintf(err, errlen, "no daemon.announce in the config: nothing is announced");
		return -ENOENT;
	}
	if (!an.drained)
		log_info("node: drain requested");
	an.drained = 1;
	an_eval();
	*node = announce_json();
	return 0;
}

int announce_undrain(json_t **node, char *err, size_t errlen)
{
	if (!an.cfg.enabled) {
		snprintf(err, errlen, "no daemon.announce in the config: nothing is announced");
		return -ENOENT;
	}
	if (!an.drained) {
		snprintf(err, errlen, "the node is not drained (%s%s%s%s)",
			 node_state_name(an.st.state), an.st.reason ? ": " : "",
			 node_reason_name(an.st.reason), "");
		return -EINVAL;
	}
	log_info("node: undrain requested");
	an.drained = 0;
	an_eval();
	*node = announce_json();
	return 0;
}

json_t *announce_metrics_json(void)
{
	return json_pack("{s:s,s:i,s:I}", "state", node_state_name(an.st.state), "announced_routes",
			 (int)an.n_have, "transitions", (json_int_t)an.transitions);
}
