/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * targets_check.c - the timers of a target: its health checks (the first at a random offset
 * within the interval so a fleet is not checked in lockstep, then one every interval, each a
 * probe bounded by the timeout) and the end of its deregistration delay.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/dpconn.h"
#include "ctrl/log.h"
#include "ctrl/targets.h"
#include "ctrl/targets_priv.h"

static void check_arm(struct tgt *t, uint64_t us)
{
	struct timeval tv = {.tv_sec = (time_t)(us / 1000000),
			     .tv_usec = (suseconds_t)(us % 1000000)};

	if (evtimer_add(t->check_ev, &tv))
		log_fatal("%s/%s: evtimer_add failed", t->g->cfg->name, t->c.id);
}

/*
 * The port a check goes to: the health check's own, else the target's traffic port, else (an
 * NLB target that keeps the packet's port) the port of the first listener of its group, else 80.
 */
uint16_t targets_check_port(const struct tgt *t)
{
	const struct config *cfg = treg.cfg;
	unsigned int gi = (unsigned int)(t->g - treg.groups), i;

	if (t->g->cfg->hc.port)
		return t->g->cfg->hc.port;
	if (t->c.port)
		return t->c.port;
	for (i = 0; i < cfg->n_listeners; i++)
		if (cfg->listeners[i].group == gi && cfg->listeners[i].port)
			return cfg->listeners[i].port;
	return 80;
}

/*
 * A check that could not run here (no descriptor, no memory) says nothing about the target:
 * its state stays, the check is counted (sluice_health_check_errors_total{reason="local"}) and
 * logged rate-limited, and the next interval tries again.
 */
static void check_local_error(struct tgt *t, const char *why)
{
	health_local_error(&t->h);
	ratelog_event(&treg.local_log, "%s/%s: %s", t->g->cfg->name, t->c.id, why);
}

static void check_done(const struct probe_result *res, void *arg)
{
	struct tgt *t = arg;
	uint8_t old = t->h.state;

	t->probe = NULL;
	if (res->local) {
		check_local_error(t, res->reason);
		return;
	}
	log_dbg("target %s/%s: check %s in %.1f ms%s%s", t->g->cfg->name, t->c.id,
		res->ok ? "passed" : "failed", (double)res->latency_us / 1000.0,
		res->ok ? "" : ": ", res->ok ? "" : res->reason);
	if (health_result(&t->h, &t->g->cfg->hc, res->ok, res->reason, res->latency_us,
			  targets_now()))
		targets_changed(t, old);
}

static void check_fire(evutil_socket_t fd, short what, void *arg)
{
	const struct cfg_health_check *hc;
	struct tgt *t = arg;
	struct probe_spec spec;

	(void)fd;
	(void)what;
	hc = &t->g->cfg->hc;
	check_arm(t, (uint64_t)hc->interval * 1000000);
	if (t->probe) { /* cannot happen with timeout < interval; do not stack them */
		probe_cancel(t->probe);
		t->probe = NULL;
	}
	memcpy(t->path, hc->path, sizeof(t->path));
	t->path[sizeof(t->path) - 1] = '\0';
	memset(&spec, 0, sizeof(spec));
	spec.protocol = hc->protocol;
	spec.address = t->c.address;
	spec.port = targets_check_port(t);
	spec.path = t->path[0] ? t->path : "/";
	spec.matcher_lo = hc->matcher_lo;
	spec.matcher_hi = hc->matcher_hi;
	spec.timeout_ms = hc->timeout * 1000;
	t->probe = probe_start(treg.base, treg.ssl, &spec, check_done, t);
	if (!t->probe)
		check_local_error(t, "not run: out of memory");
}

static void drain_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	targets_drain_timer(arg);
}

int targets_check_init(struct tgt *t)
{
	t->check_ev = evtimer_new(treg.base, check_fire, t);
	t->drain_ev = evtimer_new(treg.base, drain_fire, t);
	if (!t->check_ev || !t->drain_ev) {
		targets_timers_free(t);
		return -ENOMEM;
	}
	return 0;
}

void targets_check_start(struct tgt *t)
{
	uint64_t interval = (uint64_t)t->g->cfg->hc.interval * 1000000;

	targets_check_stop(t);
	if (!t->h.in_zone || t->h.state == TS_DRAINING || t->h.state == TS_UNUSED)
		return;
	check_arm(t, interval ? (uint64_t)random() % interval : 0);
}

void targets_check_stop(struct tgt *t)
{
	if (t->check_ev)
		evtimer_del(t->check_ev);
	if (t->probe) {
		probe_cancel(t->probe);
		t->probe = NULL;
	}
}

void targets_drain_timer(struct tgt *t)
{
	uint64_t now = targets_now(), next = 0;
	struct timeval tv;
	json_t *rm;

	evtimer_del(t->drain_ev);
	if (t->h.admin != HEALTH_ADMIN_DEREGISTERED)
		return;
	if (!health_tick(&t->h, t->g->cfg->deregistration_delay, now, &next)) {
		next = next > now ? next - now : 0;
		tv.tv_sec = (time_t)(next / 1000000);
		tv.tv_usec = (suseconds_t)(next % 1000000);
		if (evtimer_add(t->drain_ev, &tv))
			log_fatal("%s/%s: evtimer_add failed", t->g->cfg->name, t->c.id);
		return;
	}
	log_info("target %s/%s: deregistration delay ended, removed", t->g->cfg->name, t->c.id);
	rm = json_pack("[{s:s,s:s}]", "group", t->g->cfg->name, "id", t->c.id);
	if (!rm)
		log_fatal("out of memory");
	targets_drop(t);
	dpconn_push_update(NULL, rm);
	json_decref(rm);
}

void targets_timers_free(struct tgt *t)
{
	targets_check_stop(t);
	if (t->check_ev)
		event_free(t->check_ev);
	if (t->drain_ev)
		event_free(t->drain_ev);
	t->check_ev = t->drain_ev = NULL;
}

/* A state change of the passive check's own: the next window starts now. */
static void passive_changed(struct tgt *t, uint8_t old, uint64_t now)
{
	t->pv_state = t->h.state;
	passive_restart(&t->pv, now);
	targets_changed(t, old);
}

/* One target's verdict after a poll of the counters (the state machine: health.h). */
static void passive_eval(struct tgt *t, uint64_t now)
{
	const struct cfg_health_check *hc = &t->g->cfg->hc;
	uint8_t old = t->h.state;

	if (!hc->passive_min_packets) { /* off (or turned off by a reload) */
		t->pv_min = 0;
		if (health_passive_returns(&t->h, now)) {
			log_info("target %s/%s: passive check off, no longer held for no returns",
				 t->g->cfg->name, t->c.id);
			targets_changed(t, old);
		}
		return;
	}
	if (t->pv_min != hc->passive_min_packets || t->pv_window != hc->passive_window ||
	    t->pv_state != t->h.state) {
		t->pv_min = hc->passive_min_packets;
		t->pv_window = hc->passive_window;
		t->pv_state = t->h.state;
		passive_restart(&t->pv, now);
		return;
	}
	if (t->h.passive) {
		/* the mark restarted the window: a return since says the path works again */
		if (!passive_returns_since_restart(&t->pv))
			return;
		health_passive_returns(&t->h, now);
		log_info("target %s/%s: returns seen again", t->g->cfg->name, t->c.id);
		passive_changed(t, old, now);
		return;
	}
	if (t->h.state != TS_HEALTHY && t->h.state != TS_INITIAL)
		return; /* unhealthy by its checks, draining, unused: no verdict */
	if (!passive_judge(&t->pv, now, hc->passive_window, hc->passive_min_packets))
		return;
	log_warn("target %s/%s: %" PRIu64 " packets sent in the last %u s, none returned: "
		 "unhealthy (no returns) while its health check %s",
		 t->g->cfg->name, t->c.id, t->pv.win_sent, hc->passive_window,
		 t->h.last_check ? (t->h.last_ok ? "passes" : "fails") : "has not run");
	health_passive_fail(&t->h, now);
	passive_changed(t, old, now);
}

void targets_passive(unsigned int dp, unsigned int epoch, json_t *stats)
{
	json_t *all = json_object_get(stats, "targets"), *jg, *jt, *sent, *ret;
	uint64_t now = targets_now();
	unsigned int gi, i;

	for (gi = 0; treg.cfg && gi < treg.cfg->n_groups; gi++) {
		struct tgroup *g = &treg.groups[gi];

		if (g->cfg->protocol != CFG_PROTO_GENEVE)
			continue;
		jg = json_object_get(all, g->cfg->name);
		for (i = 0; i < g->n; i++) {
			struct tgt *t = g->t[i];

			jt = json_object_get(jg, t->c.id);
			sent = json_object_get(jt, "packets");
			ret = json_object_get(jt, "returns");
			if (json_is_integer(sent) && json_is_integer(ret) &&
			    json_integer_value(sent) >= 0 && json_integer_value(ret) >= 0)
				passive_feed(&t->pv, dp, epoch, (uint64_t)json_integer_value(sent),
					     (uint64_t)json_integer_value(ret));
		}
		/* targets_changed() may not remove a target, so g->t stays as it is */
		for (i = 0; i < g->n; i++)
			passive_eval(g->t[i], now);
	}
}
