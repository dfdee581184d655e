/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_nlb.c - listeners into sl_listeners / sl_nlbcfg; per-listener counters (sl_lstats) and
 * active flows (client entries of sl_sess) into the stats JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp_nlb.h"

#define XDP_NLB_TCP 6
#define XDP_NLB_UDP 17

static const char *const xdp_nlb_drop_names[] = {
#define SL_X(e, s) s,
	SL_DROP_REASONS(SL_X)
#undef SL_X
};

static int xdp_nlb_fd(const struct xdp_dp *x, const char *name)
{
	return bpf_object__find_map_fd_by_name(x->obj, name);
}

int xdp_nlb_init(struct xdp_dp *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	struct xdp_nlbcfg nc;
	struct cfg_addr zone = {0};
	int lfd = xdp_nlb_fd(x, "sl_listeners"), cfd = xdp_nlb_fd(x, "sl_nlbcfg");
	uint32_t zero = 0;
	unsigned int i, p;

	if (lfd < 0 || cfd < 0) {
		snprintf(err, errlen, "BPF object without sl_listeners / sl_nlbcfg");
		return -ENOENT;
	}
	memset(&nc, 0, sizeof(nc));
	for (i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, cfg->node.zone))
			zone = cfg->zones[i].address;
	if (cfg->n_listeners > XDP_MAX_LISTENERS) {
		snprintf(err, errlen, "more than %d listeners (the XDP path's limit)",
			 XDP_MAX_LISTENERS);
		return -EINVAL;
	}
	if (cfg->n_listeners && zone.family != 4) {
		snprintf(err, errlen, "listeners on the XDP path need an IPv4 zone IP");
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_zones; i++) {
		const struct cfg_addr *a = &cfg->zones[i].address;

		if (a->family != 4 || (zone.family == 4 && !memcmp(a->addr, zone.addr, 4)))
			continue;
		if (nc.n_other == XDP_MAX_ZONES) {
			snprintf(err, errlen, "more than %d other zones (the XDP path's limit)",
				 XDP_MAX_ZONES);
			return -EINVAL;
		}
		memcpy(&nc.other4[nc.n_other++], a->addr, 4);
	}
	for (i = 0; i < cfg->n_listeners; i++) {
		const struct cfg_listener *l = &cfg->listeners[i];
		const struct cfg_group *g = &cfg->groups[l->group];
		struct xdp_listener v = {
			.index = (uint16_t)i,
			.group = (uint16_t)l->group,
			.inspect = l->inspect < 0 ? XDP_NO_INSPECT : (uint16_t)l->inspect,
		};

		if (!g->preserve_client_ip)
			v.flags |= XDP_LF_SNAT;
		if (g->tcp_unknown_reset)
			v.flags |= XDP_LF_RESET;
		if (g->terminate_on_deregistration)
			v.flags |= XDP_LF_TERMINATE;
		for (p = 0; p < 2; p++) {
			struct xdp_listener_key k = {
				.proto = p ? XDP_NLB_UDP : XDP_NLB_TCP,
				.port = l->port,
			};

			if (!(l->protocol & (p ? CFG_LPROTO_UDP : CFG_LPROTO_TCP)))
				continue;
			if (bpf_map_update_elem(lfd, &k, &v, BPF_ANY)) {
				snprintf(err, errlen, "sl_listeners (%s): %s", l->name,
					 strerror(errno));
				return -errno;
			}
		}
	}
	nc.n_listeners = cfg->n_listeners;
	if (bpf_map_update_elem(cfd, &zero, &nc, BPF_ANY)) {
		snprintf(err, errlen, "sl_nlbcfg: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Client entries of sl_sess (idle ones included until found expired or recycled). */
static int xdp_nlb_active(const struct xdp_dp *x, uint64_t *by_listener, uint64_t *by_target)
{
	int fd = xdp_nlb_fd(x, "sl_sess");
	struct xdp_sess_key k, next;
	struct xdp_sess v;
	void *prev = NULL;

	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v) || v.dir != XDP_SESS_CLIENT)
			continue;
		if (v.listener < XDP_MAX_LISTENERS)
			by_listener[v.listener]++;
		if (v.group < XDP_MAX_GROUPS)
			by_target[v.group * XDP_GROUP_TARGETS + (v.tag & 0xff)]++;
	}
	return 0;
}

int xdp_nlb_stats_json(const struct xdp_dp *x, json_t *root)
{
	const struct config *cfg = x->cfg;
	int ncpu = libbpf_num_possible_cpus(), fd = xdp_nlb_fd(x, "sl_lstats"), ret = 0, c;
	uint64_t *by_l = calloc(XDP_MAX_LISTENERS, sizeof(uint64_t));
	uint64_t *by_t = calloc(XDP_MAX_GROUPS * XDP_GROUP_TARGETS, sizeof(uint64_t));
	struct xdp_lstats *v = NULL, sum;
	json_t *listeners, *targets;
	unsigned int i, r, g, t;

	if (ncpu < 0 || fd < 0) {
		ret = ncpu < 0 ? ncpu : fd;
		goto out;
	}
	v = calloc((size_t)ncpu, sizeof(*v));
	listeners = json_object();
	if (!v || !by_l || !by_t || !listeners) {
		json_decref(listeners);
		ret = -ENOMEM;
		goto out;
	}
	json_object_set_new(root, "listeners", listeners);
	xdp_nlb_active(x, by_l, by_t);
	for (i = 0; i < cfg->n_listeners && i < XDP_MAX_LISTENERS; i++) {
		json_t *reasons = json_object();

		if (bpf_map_lookup_elem(fd, &i, v)) {
			json_decref(reasons);
			ret = -errno;
			goto out;
		}
		memset(&sum, 0, sizeof(sum));
		for (c = 0; c < ncpu; c++) {
			sum.pkts += v[c].pkts;
			sum.bytes += v[c].bytes;
			sum.flows += v[c].flows;
			sum.drops += v[c].drops;
			for (r = 0; r < SL_DROP_MAX; r++)
				sum.dreasons[r] += v[c].dreasons[r];
		}
		for (r = 0; r < SL_DROP_MAX; r++)
			if (sum.dreasons[r])
				json_object_set_new(reasons, xdp_nlb_drop_names[r],
						    json_integer((json_int_t)sum.dreasons[r]));
		json_object_set_new(listeners, cfg->listeners[i].name,
				    json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "packets",
					      (json_int_t)sum.pkts, "bytes", (json_int_t)sum.bytes,
					      "new_flows", (json_int_t)sum.flows, "active_flows",
					      (json_int_t)by_l[i], "drops", (json_int_t)sum.drops,
					      "drop_reasons", reasons));
	}
	targets = json_object_get(root, "targets");
	for (g = 0; targets && g < cfg->n_groups && g < XDP_MAX_GROUPS; g++) {
		json_t *jg = json_object_get(targets, cfg->groups[g].name);

		for (t = 0; jg && t < cfg->groups[g].n_targets && t < XDP_GROUP_TARGETS; t++) {
			json_t *jt = json_object_get(jg, cfg->groups[g].targets[t].id);

			if (jt)
				json_object_set_new(
					jt, "active_flows",
					json_integer((json_int_t)by_t[g * XDP_GROUP_TARGETS + t]));
		}
	}
out:
	free(v);
	free(by_l);
	free(by_t);
	return ret;
}
