/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_dpdk.c - sluice-dp's backend of the control protocol server: the current generation is
 * dp.state, published by RCU (rt_state_publish); the clock is the workers' TSC clock (--control
 * is refused with --pcap-clock); counters from stats.c; flows from the flow table and the NLB
 * session table. Main lcore only, like the server.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dataplane/dpdk/ctl_dpdk.h"
#include "dataplane/dpdk/flowtab.h"
#include "dataplane/dpdk/rt.h"
#include "dataplane/dpdk/sesstab.h"
#include "dataplane/dpdk/stats.h"

static const struct rt_state *ctl_dpdk_current(void)
{
	return dp.state;
}

static uint64_t ctl_dpdk_now(void)
{
	return dp_tsc_to_us(rte_get_tsc_cycles());
}

/* Reset the counters of fresh slots, publish n by RCU, log it. */
static int ctl_dpdk_publish(struct rt_state *n, char *err)
{
	uint64_t pub, syn;
	unsigned int g, t;

	(void)err;
	for (g = 0; g < n->n_groups; g++)
		for (t = 0; t < n->groups[g].n_targets; t++)
			if (n->groups[g].targets[t].fresh)
				stats_target_reset(n->groups[g].targets[t].gidx,
						   n->groups[g].targets[t].tag);
	rt_state_publish(n); /* returns once no worker uses the old generation */
	rt_publish_times(&pub, &syn);
	ctl_state_log_write(dp.state, pub, syn);
	return 0;
}

static void ctl_dpdk_flowtab(struct ctl_flows *f, const struct rt_state *s)
{
	struct gwlb_pin_key k;
	uint32_t iter = 0;
	uint64_t val;

	while (!flowtab_iterate(&iter, &k, &val))
		ctl_flows_add_pin(f, s, &k, val);
}

static void ctl_dpdk_sessions(struct ctl_flows *f, const struct rt_state *s)
{
	uint32_t iter = 0;
	struct sess ss;

	while (!sesstab_iterate(&iter, &ss)) {
		const struct nlb_sess_key *ck = &ss.key[NLB_DIR_CLIENT];
		const struct rt_group *g;
		const struct rt_target *t;
		struct ctl_session e;

		if (ss.group >= s->n_groups)
			continue;
		if (ck->family != 4 && ck->family != 6)
			continue;
		g = &s->groups[ss.group];
		t = rt_pin_target(g, ss.tag);
		if (!ctl_flows_take(f, ss.group, t))
			continue;
		e = (struct ctl_session){
			.listener = dp.cfg->listeners[ss.listener].name,
			.proto = ck->proto,
			.family = ck->family,
			.client = ck->saddr,
			.vip = ck->daddr,
			.target_address = ss.rw[NLB_DIR_CLIENT].daddr,
			.cport = ck->sport,
			.vport = ck->dport,
			.tport = ss.rw[NLB_DIR_CLIENT].dport,
			.last_seen = ss.last_seen,
		};
		ctl_flows_add_session(f, g, t, &e);
	}
}

static int ctl_dpdk_flows(struct ctl_flows *f, char *err)
{
	const struct rt_state *s = dp.state;

	(void)err;
	if (dp.flows)
		ctl_dpdk_flowtab(f, s);
	ctl_dpdk_sessions(f, s);
	return 0;
}

/* A worker whose heartbeat is older than this is stalled (docs/protocol.md "liveness"). */
#define CTL_DPDK_STALL_MS 500

/* Alive when every worker stamped its heartbeat within 500 ms; stalled_ms the oldest stamp. */
static void ctl_dpdk_liveness(struct ctl_liveness *l)
{
	uint64_t now = rte_get_tsc_cycles(), worst = 0, hb;
	unsigned int lc;

	RTE_LCORE_FOREACH_WORKER(lc)
	{
		hb = __atomic_load_n(&dp.stats[lc].heartbeat_tsc, __ATOMIC_RELAXED);
		if (hb < dp.run_start_tsc) /* not looped yet: count from the launch */
			hb = dp.run_start_tsc;
		if (now > hb && now - hb > worst)
			worst = now - hb;
	}
	l->stalled_ms = worst * 1000 / dp.tsc_hz;
	l->alive = l->stalled_ms < CTL_DPDK_STALL_MS;
	l->stopping = __atomic_load_n(&dp.stopping, __ATOMIC_RELAXED);
}

static struct ctl_backend ctl_dpdk_be = {
	.name = "sluice-dp",
	.current = ctl_dpdk_current,
	.now_us = ctl_dpdk_now,
	.publish = ctl_dpdk_publish,
	.stats = stats_json,
	.flows = ctl_dpdk_flows,
	.liveness = ctl_dpdk_liveness,
};

int ctl_dpdk_init(const char *path, char *err, size_t errlen)
{
	ctl_dpdk_be.cfg = dp.cfg;
	ctl_dpdk_be.maglev_size = dp.maglev_size;
	return ctl_server_init(&ctl_dpdk_be, path, err, errlen);
}
