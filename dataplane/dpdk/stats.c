/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>

#include "dataplane/core/gwlb.h"
#include "dataplane/dpdk/flowtab.h"
#include "dataplane/dpdk/sesstab.h"
#include "dataplane/dpdk/stats.h"

int stats_init(void)
{
	unsigned int l;
	size_t n = dp.n_targets_total ? dp.n_targets_total : 1;
	size_t nl = dp.cfg->n_listeners ? dp.cfg->n_listeners : 1;

	dp.stats = rte_zmalloc("sl_stats", sizeof(*dp.stats) * RTE_MAX_LCORE, RTE_CACHE_LINE_SIZE);
	dp.t_tag = rte_zmalloc("sl_t_tag", sizeof(*dp.t_tag) * n, RTE_CACHE_LINE_SIZE);
	dp.t_base = rte_zmalloc("sl_t_base", sizeof(*dp.t_base) * n, RTE_CACHE_LINE_SIZE);
	if (!dp.stats || !dp.t_tag || !dp.t_base)
		return -ENOMEM;
	for (l = 0; l < n; l++)
		dp.t_tag[l] = RT_TAG(0, l % RT_SLOTS); /* the config's targets: incarnation 0 */
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		struct dp_stats *st = &dp.stats[l];

		if (!rte_lcore_is_enabled(l))
			continue;
		st->t_pkts = rte_zmalloc(NULL, sizeof(uint64_t) * (n * 4 + nl * (4 + SL_DROP_MAX)),
					 RTE_CACHE_LINE_SIZE);
		if (!st->t_pkts)
			return -ENOMEM;
		st->t_bytes = st->t_pkts + n;
		st->t_flows = st->t_pkts + 2 * n;
		st->t_returns = st->t_pkts + 3 * n;
		st->l_pkts = st->t_pkts + 4 * n;
		st->l_bytes = st->l_pkts + nl;
		st->l_flows = st->l_pkts + 2 * nl;
		st->l_drops = st->l_pkts + 3 * nl;
		st->l_dreasons = st->l_pkts + 4 * nl;
	}
	return 0;
}

void stats_free(void)
{
	unsigned int l;

	rte_free(dp.t_tag);
	rte_free(dp.t_base);
	dp.t_tag = NULL;
	dp.t_base = NULL;
	if (!dp.stats)
		return;
	for (l = 0; l < RTE_MAX_LCORE; l++)
		rte_free(dp.stats[l].t_pkts);
	rte_free(dp.stats);
	dp.stats = NULL;
}

static uint64_t stats_sum(size_t off, unsigned int idx)
{
	uint64_t sum = 0;
	unsigned int l;

	RTE_LCORE_FOREACH(l)
	{
		const uint64_t *a = (const uint64_t *)((const char *)&dp.stats[l] + off);

		sum += a[idx];
	}
	return sum;
}

/* The same for a per-lcore array behind a pointer at off (t_*, l_*; NULL: none on that lcore). */
static uint64_t stats_sum_ptr(size_t off, unsigned int idx)
{
	const uint64_t *a;
	uint64_t sum = 0;
	unsigned int l;

	RTE_LCORE_FOREACH(l)
	{
		memcpy(&a, (const char *)&dp.stats[l] + off, sizeof(a));
		if (a)
			sum += a[idx];
	}
	return sum;
}

#define STATS_T_RETURNS 4 /* t_returns' index in t_base */

/* A target counter `which` of stats_sum_target (t_base[3], the closed sessions', is not here). */
static const size_t stats_t_off[] = {
	offsetof(struct dp_stats, t_pkts),
	offsetof(struct dp_stats, t_bytes),
	offsetof(struct dp_stats, t_flows),
	0, /* never asked: closed sessions are counted by sesstab */
	offsetof(struct dp_stats, t_returns),
};

/* A listener counter `which`: 0 packets, 1 bytes, 2 new flows, 3 drops. */
static const size_t stats_l_off[] = {
	offsetof(struct dp_stats, l_pkts),
	offsetof(struct dp_stats, l_bytes),
	offsetof(struct dp_stats, l_flows),
	offsetof(struct dp_stats, l_drops),
};

static uint64_t stats_raw_target(unsigned int which, uint32_t gidx)
{
	return stats_sum_ptr(stats_t_off[which], gidx);
}

/*
 * Counter `which` (0 packets, 1 bytes, 2 new flows, STATS_T_RETURNS returns; t_base[3] is
 * the closed sessions') of the slot's current target.
 */
static uint64_t stats_sum_target(unsigned int which, uint32_t gidx)
{
	uint64_t v = stats_raw_target(which, gidx), base = dp.t_base[gidx][which];

	return v > base ? v - base : 0;
}

static uint64_t stats_closed_target(uint32_t gidx)
{
	uint64_t v = sesstab_closed_target(gidx), base = dp.t_base[gidx][3];

	return v > base ? v - base : 0;
}

void stats_target_reset(uint32_t gidx, uint32_t tag)
{
	unsigned int i;

	__atomic_store_n(&dp.t_tag[gidx], tag, __ATOMIC_RELAXED);
	for (i = 0; i < 3; i++)
		dp.t_base[gidx][i] = stats_raw_target(i, gidx);
	dp.t_base[gidx][3] = sesstab_closed_target(gidx);
	dp.t_base[gidx][STATS_T_RETURNS] = stats_raw_target(STATS_T_RETURNS, gidx);
}

static uint64_t stats_sum_listener(unsigned int which, unsigned int li)
{
	return stats_sum_ptr(stats_l_off[which], li);
}

static uint64_t stats_active(uint64_t created, uint64_t closed)
{
	return created > closed ? created - closed : 0;
}

static const char *stats_state_name(uint8_t s)
{
	return config_state_name((enum cfg_target_state)s);
}

json_t *stats_json(void)
{
	const struct rt_state *s = __atomic_load_n(&dp.state, __ATOMIC_ACQUIRE);
	json_t *root = json_object(), *ports = json_object(), *drops = json_object();
	json_t *events = json_object(), *targets = json_object();
	unsigned int i, g, t;

	if (!root || !ports || !drops || !events || !targets)
		goto fail;
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "drops", drops);
	json_object_set_new(root, "events", events);
	json_object_set_new(root, "targets", targets);
	for (i = 0; i < dp.n_ports; i++) {
		json_t *p = json_pack(
			"{s:I,s:I,s:I,s:I}", "rx_packets",
			(json_int_t)stats_sum(offsetof(struct dp_stats, rx_pkts), i), "rx_bytes",
			(json_int_t)stats_sum(offsetof(struct dp_stats, rx_bytes), i), "tx_packets",
			(json_int_t)stats_sum(offsetof(struct dp_stats, tx_pkts), i), "tx_bytes",
			(json_int_t)stats_sum(offsetof(struct dp_stats, tx_bytes), i));

		json_object_set_new(ports, dp.ports[i].name, p);
	}
	for (i = 0; i < SL_DROP_MAX; i++)
		json_object_set_new(
			drops, stats_drop_name(i),
			json_integer((json_int_t)stats_sum(offsetof(struct dp_stats, drops), i)));
	for (i = 0; i < SL_EV_MAX; i++)
		json_object_set_new(
			events, stats_event_name(i),
			json_integer((json_int_t)stats_sum(offsetof(struct dp_stats, events), i)));
	json_object_set_new(root, "flows_active", json_integer(flowtab_count()));
	json_object_set_new(root, "nlb_sessions", json_integer(sesstab_count()));
	if (dp.cfg->n_listeners) {
		json_t *jl = json_object();

		json_object_set_new(root, "listeners", jl);
		for (i = 0; i < dp.cfg->n_listeners; i++) {
			uint64_t nf = stats_sum_listener(2, i);
			json_t *reasons = json_object();
			unsigned int r, l;

			json_object_set_new(
				jl, dp.cfg->listeners[i].name,
				json_pack("{s:I,s:I,s:I,s:I,s:I}", "packets",
					  (json_int_t)stats_sum_listener(0, i), "bytes",
					  (json_int_t)stats_sum_listener(1, i), "new_flows",
					  (json_int_t)nf, "active_flows",
					  (json_int_t)stats_active(nf, sesstab_closed_listener(i)),
					  "drops", (json_int_t)stats_sum_listener(3, i)));
			for (r = 0; r < SL_DROP_MAX; r++) { /* non-zero reasons only */
				uint64_t v = 0;

				RTE_LCORE_FOREACH(l)
				if (dp.stats[l].l_dreasons)
					v += dp.stats[l].l_dreasons[(size_t)i * SL_DROP_MAX + r];
				if (v)
					json_object_set_new(reasons, stats_drop_name(r),
							    json_integer((json_int_t)v));
			}
			json_object_set_new(json_object_get(jl, dp.cfg->listeners[i].name),
					    "drop_reasons", reasons);
		}
	}
	json_object_set_new(root, "workers", json_integer(dp.n_workers));
	if (dp.run_stop_tsc > dp.run_start_tsc) /* wall time the workers ran, for benchmarks */
		json_object_set_new(root, "elapsed_s",
				    json_real((double)(dp.run_stop_tsc - dp.run_start_tsc) /
					      (double)dp.tsc_hz));
	for (g = 0; s && g < s->n_groups; g++) {
		const struct rt_group *rg = &s->groups[g];
		json_t *jg = json_object();

		json_object_set_new(targets, rg->cfg->name, jg);
		for (t = 0; t < rg->n_targets; t++) {
			const struct rt_target *rt = &rg->targets[t];
			json_t *jt;

			if (!rt->present)
				continue;
			jt = json_pack("{s:I,s:I,s:I,s:s}", "packets",
				       (json_int_t)stats_sum_target(0, rt->gidx), "bytes",
				       (json_int_t)stats_sum_target(1, rt->gidx), "new_flows",
				       (json_int_t)stats_sum_target(2, rt->gidx), "state",
				       stats_state_name(rt->state));

			if (rg->cfg->protocol != CFG_PROTO_GENEVE) /* NLB sessions */
				json_object_set_new(jt, "active_flows",
						    json_integer((json_int_t)stats_active(
							    stats_sum_target(2, rt->gidx),
							    stats_closed_target(rt->gidx))));
			else /* what sluiced's passive health check weighs against packets */
				json_object_set_new(jt, "returns",
						    json_integer((json_int_t)stats_sum_target(
							    STATS_T_RETURNS, rt->gidx)));
			json_object_set_new(jg, rt->id, jt);
		}
	}
	return root;
fail:
	json_decref(root);
	json_decref(ports);
	json_decref(drops);
	json_decref(events);
	json_decref(targets);
	return NULL;
}

int stats_write_json(const char *path)
{
	json_t *j = stats_json();
	int ret;

	if (!j)
		return -ENOMEM;
	ret = json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS) ? -EIO : 0;
	json_decref(j);
	return ret;
}

void stats_print_summary(FILE *f)
{
	const struct rt_state *s = __atomic_load_n(&dp.state, __ATOMIC_ACQUIRE);
	unsigned int i, g, t;
	uint64_t v;

	fprintf(f, "\n%-14s %12s %12s %12s %12s\n", "port", "rx packets", "rx bytes", "tx packets",
		"tx bytes");
	for (i = 0; i < dp.n_ports; i++)
		fprintf(f, "%-14s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
			dp.ports[i].name, stats_sum(offsetof(struct dp_stats, rx_pkts), i),
			stats_sum(offsetof(struct dp_stats, rx_bytes), i),
			stats_sum(offsetof(struct dp_stats, tx_pkts), i),
			stats_sum(offsetof(struct dp_stats, tx_bytes), i));
	fprintf(f, "\n%-28s %12s\n", "event", "count");
	for (i = 0; i < SL_EV_MAX; i++) {
		v = stats_sum(offsetof(struct dp_stats, events), i);
		if (v)
			fprintf(f, "%-28s %12" PRIu64 "\n", stats_event_name(i), v);
	}
	fprintf(f, "\n%-28s %12s\n", "drop reason", "count");
	for (i = 0; i < SL_DROP_MAX; i++) {
		v = stats_sum(offsetof(struct dp_stats, drops), i);
		if (v)
			fprintf(f, "%-28s %12" PRIu64 "\n", stats_drop_name(i), v);
	}
	fprintf(f, "\n%-16s %-16s %-16s %-10s %10s %12s %10s\n", "group", "target", "address",
		"state", "packets", "bytes", "new flows");
	for (g = 0; s && g < s->n_groups; g++) {
		const struct rt_group *rg = &s->groups[g];

		for (t = 0; t < rg->n_targets; t++) {
			const struct rt_target *rt = &rg->targets[t];
			char addr[64];

			if (!rt->present)
				continue;
			inet_ntop(rt->family == 4 ? AF_INET : AF_INET6, rt->addr16, addr,
				  sizeof(addr));
			fprintf(f,
				"%-16s %-16s %-16s %-10s %10" PRIu64 " %12" PRIu64 " %10" PRIu64
				"\n",
				rg->cfg->name, rt->id, addr, stats_state_name(rt->state),
				stats_sum_target(0, rt->gidx), stats_sum_target(1, rt->gidx),
				stats_sum_target(2, rt->gidx));
		}
	}
	if (dp.cfg->n_listeners)
		fprintf(f, "\n%-16s %10s %12s %10s %10s %10s\n", "listener", "packets", "bytes",
			"new flows", "active", "drops");
	for (i = 0; i < dp.cfg->n_listeners; i++)
		fprintf(f,
			"%-16s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			"\n",
			dp.cfg->listeners[i].name, stats_sum_listener(0, i),
			stats_sum_listener(1, i), stats_sum_listener(2, i),
			stats_active(stats_sum_listener(2, i), sesstab_closed_listener(i)),
			stats_sum_listener(3, i));
	fprintf(f, "\nflows in table: %u, NAT sessions: %u\n", flowtab_count(), sesstab_count());
}

/* Telemetry names take letters, digits, '_', '.' and '/': anything else becomes '_'. */
static void stats_tel_name(char *name)
{
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && *name != '_' && *name != '.' && *name != '/')
			*name = '_';
}

/* A telemetry dict of u64s named PREFIX_KEY from a JSON object of integers (one level). */
static struct rte_tel_data *stats_tel_dict(json_t *obj, const char *prefix)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	const char *k, *f;
	json_t *v, *fv;

	if (!c)
		return NULL;
	rte_tel_data_start_dict(c);
	json_object_foreach(obj, k, v)
	{
		char name[RTE_TEL_MAX_STRING_LEN];

		if (json_is_integer(v)) {
			snprintf(name, sizeof(name), "%s%s", prefix, k);
			stats_tel_name(name);
			rte_tel_data_add_dict_u64(c, name, (uint64_t)json_integer_value(v));
			continue;
		}
		json_object_foreach(v, f, fv)
		{
			if (!json_is_integer(fv))
				continue;
			snprintf(name, sizeof(name), "%s%s_%s", prefix, k, f);
			stats_tel_name(name);
			rte_tel_data_add_dict_u64(c, name, (uint64_t)json_integer_value(fv));
		}
	}
	return c;
}

/*
 * /sluice/stats: drops (drop_REASON) and events at the top level, plus "ports"
 * (NAME_rx_packets, ...) and "targets" (GROUP/TARGET_packets, ...) dicts.
 */
/*
 * Telemetry callbacks run on DPDK's telemetry threads, which read dp.state while the control
 * path may replace it: they are an RCU reader of their own (one QSBR thread id that no lcore
 * uses, serialised by a mutex), online only while they read. -1: no free id, then not
 * protected (every lcore id is in use: a configuration without a control path in practice).
 */
static int stats_tel_rcu_id = -1;
static pthread_mutex_t stats_tel_lock = PTHREAD_MUTEX_INITIALIZER;

static json_t *stats_tel_json(void)
{
	json_t *j;

	pthread_mutex_lock(&stats_tel_lock);
	if (stats_tel_rcu_id >= 0)
		rte_rcu_qsbr_thread_online(dp.qsbr, (unsigned int)stats_tel_rcu_id);
	j = stats_json();
	if (stats_tel_rcu_id >= 0)
		rte_rcu_qsbr_thread_offline(dp.qsbr, (unsigned int)stats_tel_rcu_id);
	pthread_mutex_unlock(&stats_tel_lock);
	return j;
}

static int stats_telemetry_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *j = stats_tel_json(), *sect, *v;
	struct rte_tel_data *c;
	const char *k;

	(void)cmd;
	(void)params;
	if (!j)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	sect = json_object_get(j, "drops");
	json_object_foreach(sect, k, v)
	{
		char name[RTE_TEL_MAX_STRING_LEN];

		snprintf(name, sizeof(name), "drop_%s", k);
		rte_tel_data_add_dict_u64(d, name, (uint64_t)json_integer_value(v));
	}
	sect = json_object_get(j, "events");
	json_object_foreach(sect, k, v)
		rte_tel_data_add_dict_u64(d, k, (uint64_t)json_integer_value(v));
	rte_tel_data_add_dict_u64(d, "flows_active", flowtab_count());
	rte_tel_data_add_dict_u64(d, "workers", dp.n_workers);
	c = stats_tel_dict(json_object_get(j, "ports"), "");
	if (c && rte_tel_data_add_dict_container(d, "ports", c, 0))
		rte_tel_data_free(c);
	sect = json_object_get(j, "targets");
	json_object_foreach(sect, k, v)
	{
		char prefix[RTE_TEL_MAX_STRING_LEN];

		snprintf(prefix, sizeof(prefix), "targets_%s", k);
		stats_tel_name(prefix);
		c = stats_tel_dict(v, "");
		if (c && rte_tel_data_add_dict_container(d, prefix, c, 0))
			rte_tel_data_free(c);
	}
	json_decref(j);
	return 0;
}

int stats_telemetry_register(void)
{
	int id;

	for (id = RTE_MAX_LCORE - 1; id >= 0 && stats_tel_rcu_id < 0; id--)
		if (!rte_lcore_is_enabled((unsigned int)id) &&
		    !rte_rcu_qsbr_thread_register(dp.qsbr, (unsigned int)id))
			stats_tel_rcu_id = id;
	return rte_telemetry_register_cmd("/sluice/stats", stats_telemetry_cb,
					  "sluice-dp counters: drops, events, ports, targets");
}
