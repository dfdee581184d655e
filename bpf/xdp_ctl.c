/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_ctl.c - sluice-xdp's control protocol backend: the current generation is x->state,
 * published by map-in-map swap (xdp_maps.c); the clock is CLOCK_MONOTONIC, the program's
 * bpf_ktime_get_ns(); counters from xdp_stats.c; flows from the sl_flows LRU map, NLB sessions
 * from sl_sess (xdp_nlb.c), as sluice-dp lists its flow table and its session table.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xdp_ctl.h"
#include "bpf/xdp_nlb.h"
#include "bpf/xdp_stats.h"

static struct xdp_dp *xdp_ctl_x;
static uint32_t xdp_ctl_prog_id;	/* sl_xdp's id: what must be attached on every port */
static uint64_t xdp_ctl_detached_since; /* us; 0 while attached everywhere */
static int xdp_ctl_stopping;

uint64_t xdp_ctl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static const struct rt_state *xdp_ctl_current(void)
{
	return xdp_ctl_x->state;
}

/* Zero the counters of fresh slots, swap the new inner map in (waits for RCU), log it. */
static int xdp_ctl_publish(struct rt_state *n, char *err)
{
	uint64_t pub = ctl_state_log_clock();
	int ret;

	ret = xdp_state_publish(xdp_ctl_x, n, err, CTL_ERR_MAX);
	if (ret)
		return ret;
	ctl_state_log_write(xdp_ctl_x->state, pub, ctl_state_log_clock());
	return 0;
}

static json_t *xdp_ctl_stats(void)
{
	return xdp_stats_json(xdp_ctl_x, NULL);
}

/*
 * sl_flows entries of the current generation, then the NLB sessions (flows first, as
 * sluice-dp: the limit counts both). The program inserts and the LRU evicts while
 * this walks: an entry whose lookup fails (ENOENT) went meanwhile and is skipped; a key that
 * vanished under bpf_map_get_next_key makes the kernel restart from the first key, so the walk
 * is bounded by the map's size.
 */
static int xdp_ctl_flows(struct ctl_flows *f, char *err)
{
	const struct rt_state *s = xdp_ctl_x->state;
	uint64_t max = xdp_ctl_x->cfg->node.flow_table_size, seen = 0;
	struct gwlb_pin_key k, next;
	void *prev = NULL;
	uint64_t val;

	if (!max)
		max = 1;
	while (seen++ <= max && !bpf_map_get_next_key(xdp_ctl_x->maps.flows, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(xdp_ctl_x->maps.flows, &k, &val)) {
			if (errno == ENOENT)
				continue;
			snprintf(err, CTL_ERR_MAX, "reading sl_flows: %s", strerror(errno));
			return -errno;
		}
		ctl_flows_add_pin(f, s, &k, val);
	}
	return xdp_nlb_flows(xdp_ctl_x, f, err, CTL_ERR_MAX);
}

void xdp_ctl_set_stopping(int stopping)
{
	xdp_ctl_stopping = stopping;
}

/*
 * Alive while sl_xdp is attached (any mode) on every port: the kernel runs the packet path, so
 * a program that is attached forwards. stalled_ms counts from the first check that found it
 * missing somewhere (someone detached it, or an interface went away).
 */
static void xdp_ctl_liveness(struct ctl_liveness *l)
{
	uint64_t now = xdp_ctl_now_us();
	unsigned int i;
	int alive = xdp_ctl_prog_id != 0;

	for (i = 0; alive && i < xdp_ctl_x->cfg->n_ports; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (bpf_xdp_query((int)xdp_ctl_x->ifindex[i], 0, &q) ||
		    (q.prog_id != xdp_ctl_prog_id && q.drv_prog_id != xdp_ctl_prog_id &&
		     q.skb_prog_id != xdp_ctl_prog_id && q.hw_prog_id != xdp_ctl_prog_id))
			alive = 0;
	}
	if (alive)
		xdp_ctl_detached_since = 0;
	else if (!xdp_ctl_detached_since)
		xdp_ctl_detached_since = now;
	l->alive = alive;
	l->stalled_ms = alive ? 0 : (now - xdp_ctl_detached_since) / 1000;
	l->stopping = xdp_ctl_stopping;
}

static struct ctl_backend xdp_ctl_be = {
	.name = "sluice-xdp",
	.current = xdp_ctl_current,
	.now_us = xdp_ctl_now_us,
	.publish = xdp_ctl_publish,
	.stats = xdp_ctl_stats,
	.flows = xdp_ctl_flows,
	.liveness = xdp_ctl_liveness,
};

int xdp_ctl_init(struct xdp_dp *x, const char *path, char *err, size_t errlen)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);

	xdp_ctl_x = x;
	if (!bpf_obj_get_info_by_fd(x->prog_fd, &info, &len))
		xdp_ctl_prog_id = info.id; /* 0 (never alive) if unknown */
	xdp_ctl_be.cfg = x->cfg;
	xdp_ctl_be.maglev_size = x->cfg->node.maglev_size;
	return ctl_server_init(&xdp_ctl_be, path, err, errlen);
}
