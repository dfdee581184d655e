/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_stats.c - per-CPU counters summed into sluice-dp's JSON and summary.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xdp_nlb.h"
#include "bpf/xdp_stats.h"

/* sl_stats[0] summed over the CPUs, plus the replay's own counts. */
static int xdp_stats_sum(const struct xdp_dp *x, struct xdp_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	struct xdp_stats *v;
	uint32_t zero = 0;
	unsigned int i;

	if (ncpu < 0)
		return ncpu;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->maps.stats, &zero, v)) {
		free(v);
		return -errno;
	}
	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < ncpu; c++) {
		const uint64_t *a = (const uint64_t *)&v[c];
		uint64_t *s = (uint64_t *)sum;

		for (i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
			s[i] += a[i];
	}
	for (i = 0; i < SL_DROP_MAX; i++)
		sum->drops[i] += x->user_drops[i];
	for (i = 0; i < XDP_MAX_PORTS; i++) {
		sum->rx_pkts[i] += x->user_rx_pkts[i];
		sum->rx_bytes[i] += x->user_rx_bytes[i];
	}
	free(v);
	return 0;
}

/* sl_tstats[key] summed over the CPUs. */
static int xdp_tstats_sum(const struct xdp_dp *x, uint32_t key, struct xdp_tstats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	struct xdp_tstats *v;

	memset(sum, 0, sizeof(*sum));
	if (ncpu < 0)
		return ncpu;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->maps.tstats, &key, v)) {
		free(v);
		return -errno;
	}
	for (c = 0; c < ncpu; c++) {
		sum->pkts += v[c].pkts;
		sum->bytes += v[c].bytes;
		sum->flows += v[c].flows;
		sum->returns += v[c].returns;
	}
	free(v);
	return 0;
}

/* Entries in sl_flows (idle ones included until the LRU recycles them). */
static uint64_t xdp_flows_count(const struct xdp_dp *x)
{
	struct gwlb_pin_key k, next;
	uint64_t n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(x->maps.flows, prev, &next)) {
		n++;
		k = next;
		prev = &k;
	}
	return n;
}

static const char *xdp_state_name(uint8_t s)
{
	return config_state_name((enum cfg_target_state)s);
}

json_t *xdp_stats_json(const struct xdp_dp *x, int *err_out)
{
	const struct config *cfg = x->cfg;
	json_t *root = json_object(), *ports = json_object(), *drops = json_object();
	json_t *events = json_object(), *targets = json_object();
	struct xdp_stats st;
	unsigned int i, g, t;
	int ret = -ENOMEM;

	if (!root || !ports || !drops || !events || !targets)
		goto fail;
	ret = xdp_stats_sum(x, &st);
	if (ret)
		goto fail;
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "drops", drops);
	json_object_set_new(root, "events", events);
	json_object_set_new(root, "targets", targets);
	for (i = 0; i < cfg->n_ports && i < XDP_MAX_PORTS; i++)
		json_object_set_new(ports, cfg->ports[i].name,
				    json_pack("{s:I,s:I,s:I,s:I}", "rx_packets",
					      (json_int_t)st.rx_pkts[i], "rx_bytes",
					      (json_int_t)st.rx_bytes[i], "tx_packets",
					      (json_int_t)st.tx_pkts[i], "tx_bytes",
					      (json_int_t)st.tx_bytes[i]));
	for (i = 0; i < SL_DROP_MAX; i++)
		json_object_set_new(drops, stats_drop_name(i),
				    json_integer((json_int_t)st.drops[i]));
	for (i = 0; i < SL_EV_MAX; i++)
		json_object_set_new(events, stats_event_name(i),
				    json_integer((json_int_t)st.events[i]));
	json_object_set_new(root, "flows_active", json_integer((json_int_t)xdp_flows_count(x)));
	json_object_set_new(root, "workers",
			    json_integer(x->replay ? 1 : libbpf_num_possible_cpus()));
	if (x->run_stop_us > x->run_start_us) /* as sluice-dp: at exit, for benchmarks */
		json_object_set_new(root, "elapsed_s",
				    json_real((double)(x->run_stop_us - x->run_start_us) / 1e6));
	for (g = 0; x->state && g < x->state->n_groups; g++) {
		const struct rt_group *rg = &x->state->groups[g];
		json_t *jg = json_object();

		json_object_set_new(targets, rg->cfg->name, jg);
		for (t = 0; t < rg->n_targets; t++) {
			const struct rt_target *rt = &rg->targets[t];
			struct xdp_tstats ts;
			json_t *jt;

			if (!rt->present)
				continue;
			ret = xdp_tstats_sum(x, rt->gidx, &ts);
			if (ret)
				goto fail_root;
			jt = json_pack("{s:I,s:I,s:I,s:s}", "packets", (json_int_t)ts.pkts, "bytes",
				       (json_int_t)ts.bytes, "new_flows", (json_int_t)ts.flows,
				       "state", xdp_state_name(rt->state));
			if (rg->cfg->protocol == CFG_PROTO_GENEVE) /* as sluice-dp: returns */
				json_object_set_new(jt, "returns",
						    json_integer((json_int_t)ts.returns));
			json_object_set_new(jg, rt->id, jt);
		}
	}
	ret = xdp_nlb_stats_json(x, root); /* nlb_sessions, listeners{}, active_flows */
	if (ret)
		goto fail_root;
	return root;
fail:
	json_decref(ports);
	json_decref(drops);
	json_decref(events);
	json_decref(targets);
fail_root:
	json_decref(root);
	if (err_out)
		*err_out = ret;
	return NULL;
}

int xdp_stats_write_json(const struct xdp_dp *x, const char *path)
{
	int ret = -ENOMEM;
	json_t *j = xdp_stats_json(x, &ret);

	if (!j)
		return ret;
	ret = json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS) ? -EIO : 0;
	json_decref(j);
	return ret;
}

/* The listeners and the table sizes, as sluice-dp's summary ends (from the JSON: one reading). */
static void xdp_stats_print_nlb(const struct xdp_dp *x, FILE *f)
{
	json_t *j = xdp_stats_json(x, NULL), *jl, *v;
	const char *name;

	if (!j) {
		fprintf(f, "sluice-xdp: cannot read sl_sess / sl_lstats\n");
		return;
	}
	jl = json_object_get(j, "listeners");
	if (jl)
		fprintf(f, "\n%-16s %10s %12s %10s %10s %10s\n", "listener", "packets", "bytes",
			"new flows", "active", "drops");
	json_object_foreach(jl, name, v)
	{
		fprintf(f,
			"%-16s %10" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT
			" %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
			" %10" JSON_INTEGER_FORMAT "\n",
			name, json_integer_value(json_object_get(v, "packets")),
			json_integer_value(json_object_get(v, "bytes")),
			json_integer_value(json_object_get(v, "new_flows")),
			json_integer_value(json_object_get(v, "active_flows")),
			json_integer_value(json_object_get(v, "drops")));
	}
	fprintf(f,
		"\nflows in table: %" JSON_INTEGER_FORMAT ", NAT sessions: %" JSON_INTEGER_FORMAT
		"\n",
		json_integer_value(json_object_get(j, "flows_active")),
		json_integer_value(json_object_get(j, "nlb_sessions")));
	json_decref(j);
}

void xdp_stats_print_summary(const struct xdp_dp *x, FILE *f)
{
	const struct config *cfg = x->cfg;
	struct xdp_stats st;
	unsigned int i, g, t;

	if (xdp_stats_sum(x, &st)) {
		fprintf(f, "sluice-xdp: cannot read sl_stats\n");
		return;
	}
	fprintf(f, "\n%-14s %12s %12s %12s %12s\n", "port", "rx packets", "rx bytes", "tx packets",
		"tx bytes");
	for (i = 0; i < cfg->n_ports && i < XDP_MAX_PORTS; i++)
		fprintf(f, "%-14s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
			cfg->ports[i].name, st.rx_pkts[i], st.rx_bytes[i], st.tx_pkts[i],
			st.tx_bytes[i]);
	fprintf(f, "\n%-28s %12s\n", "event", "count");
	for (i = 0; i < SL_EV_MAX; i++)
		if (st.events[i])
			fprintf(f, "%-28s %12" PRIu64 "\n", stats_event_name(i), st.events[i]);
	fprintf(f, "\n%-28s %12s\n", "drop reason", "count");
	for (i = 0; i < SL_DROP_MAX; i++)
		if (st.drops[i])
			fprintf(f, "%-28s %12" PRIu64 "\n", stats_drop_name(i), st.drops[i]);
	fprintf(f, "\n%-16s %-16s %-16s %-10s %10s %12s %10s\n", "group", "target", "address",
		"state", "packets", "bytes", "new flows");
	for (g = 0; x->state && g < x->state->n_groups; g++) {
		const struct rt_group *rg = &x->state->groups[g];

		for (t = 0; t < rg->n_targets; t++) {
			const struct rt_target *rt = &rg->targets[t];
			struct xdp_tstats ts;
			char addr[INET6_ADDRSTRLEN];

			if (!rt->present)
				continue;
			xdp_tstats_sum(x, rt->gidx, &ts);
			inet_ntop(rt->family == 6 ? AF_INET6 : AF_INET, rt->addr16, addr,
				  sizeof(addr));
			fprintf(f,
				"%-16s %-16s %-16s %-10s %10" PRIu64 " %12" PRIu64 " %10" PRIu64
				"\n",
				rg->cfg->name, rt->id, addr, xdp_state_name(rt->state), ts.pkts,
				ts.bytes, ts.flows);
		}
	}
	xdp_stats_print_nlb(x, f);
}
