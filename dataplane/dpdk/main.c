/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - sluice-dp: the DPDK dataplane. Brings up EAL, the config's ports and tables, runs one
 * worker per lcore (every lcore but the main one), and on the main lcore watches for exit
 * (signal or --idle-exit) and reclaims idle flows.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/core/geneve.h"
#include "dataplane/core/pkt.h"
#include "dataplane/dpdk/ctl_dpdk.h"
#include "dataplane/dpdk/events.h"
#include "dataplane/dpdk/excp.h"
#include "dataplane/dpdk/flowtab.h"
#include "dataplane/dpdk/fragtab.h"
#include "dataplane/dpdk/neigh.h"
#include "dataplane/dpdk/nlb.h"
#include "dataplane/dpdk/port.h"
#include "dataplane/dpdk/route.h"
#include "dataplane/dpdk/rt.h"
#include "dataplane/dpdk/sesstab.h"
#include "dataplane/dpdk/stats.h"
#include "dataplane/dpdk/sweep.h"
#include "dataplane/dpdk/worker.h"
#include "dataplane/lib/cli.h"
#include "dataplane/lib/dpopts.h"

#define MAIN_POLL_US	    10000
#define MAIN_IDLE_SLEEP_MAX 100000 /* us: well below the 500 ms a stalled worker is given */

struct dp dp = {.ts_offset = -1};

struct main_opts {
	struct dpopts dp;    /* --config, --events, --stats-json, --control, --state-log, -q */
	long idle_exit_ms;   /* < 0: off */
	unsigned long mbufs; /* 0: sized from the ports and workers */
};

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-dp [EAL options] -- --config FILE [options]\n"
		"\n"
		"The sluice DPDK dataplane: GENEVE inspection gateway (GWLB-style) and load\n"
		"balancer (NLB-style), programmed by sluiced through --control.\n"
		"Every EAL lcore except the main one runs a worker (at least two lcores: -l 0,1).\n"
		"\n"
		"options:\n");
	dpopts_usage(
		f,
		"      --idle-exit MS     exit when no port has received a packet for MS ms\n"
		"      --pcap-clock       take the clock from RX timestamps (pcap replays)\n"
		"      --idle-sleep US    a worker whose whole poll round received nothing sleeps\n"
		"                         US microseconds (0..100000; default 0: busy polling);\n"
		"                         for labs running several dataplanes on a few CPUs\n"
		"      --mbufs N          mbuf pool size (default: from ports and workers; raise "
		"it\n"
		"                         for vdevs that preload, e.g. net_pcap infinite_rx=1)\n");
	fprintf(f,
		"\n"
		"--events is for replays and needs a single worker; --control is not for --events\n"
		"or --pcap-clock.\n"
		"Counters are readable while running: dpdk-telemetry.py, command /sluice/stats.\n");
}

/* sluice-dp's own options (dpopts_spec.own_opt). */
static int main_opt(int c, char *arg, void *ctx)
{
	struct main_opts *o = ctx;
	unsigned long u;

	switch (c) {
	case 'i':
		if (cli_ulong(arg, 0, LONG_MAX, &u)) {
			fprintf(stderr, "sluice-dp: --idle-exit: not a number of ms: %s\n", arg);
			return -EINVAL;
		}
		o->idle_exit_ms = (long)u;
		return 0;
	case 'p':
		dp.pcap_clock = 1;
		return 0;
	case 'm':
		if (cli_ulong(arg, 1024, 64u * 1024 * 1024, &o->mbufs)) {
			fprintf(stderr, "sluice-dp: --mbufs: 1024..67108864, not %s\n", arg);
			return -EINVAL;
		}
		return 0;
	default: /* 'S' */
		if (!*arg || arg[0] == '-' || cli_ulong(arg, 0, MAIN_IDLE_SLEEP_MAX, &u)) {
			fprintf(stderr, "sluice-dp: --idle-sleep: 0..%d us, not %s\n",
				MAIN_IDLE_SLEEP_MAX, arg);
			return -EINVAL;
		}
		dp.idle_sleep_us = (uint32_t)u;
		return 0;
	}
}

static const struct option main_long[] = {
	{"idle-exit", required_argument, NULL, 'i'},
	{"pcap-clock", no_argument, NULL, 'p'},
	{"mbufs", required_argument, NULL, 'm'},
	{"idle-sleep", required_argument, NULL, 'S'},
	{NULL, 0, NULL, 0},
};

static const struct dpopts_spec main_spec = {
	.prog = "sluice-dp", .own = main_long, .own_opt = main_opt, .usage = main_usage};

static int main_parse(int argc, char **argv, struct main_opts *o)
{

	o->idle_exit_ms = -1;
	if (dpopts_parse(argc, argv, &main_spec, &o->dp, o))
		return -EINVAL;
	/* replays own the state (prebuilt generations, packet clock): no control path then */
	if (o->dp.control && (o->dp.events || dp.pcap_clock)) {
		fprintf(stderr, "sluice-dp: --control cannot be combined with %s\n",
			o->dp.events ? "--events" : "--pcap-clock");
		return -EINVAL;
	}
	return 0;
}

/*
 * SIGTERM with node.drain_time > 0: report stopping (liveness op) and keep forwarding for the
 * drain time (the main loop ends it), so that sluiced withdraws the routes first. A second
 * SIGTERM, or SIGINT, stops at once.
 */
static void main_signal(int sig)
{
	if (sig == SIGTERM && dp.cfg && dp.cfg->node.drain_time &&
	    !__atomic_load_n(&dp.stopping, __ATOMIC_RELAXED)) {
		__atomic_store_n(&dp.stopping, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&dp.stop, 1, __ATOMIC_RELAXED);
}

/*
 * The next hops the config names (routes' gateways, the next hop of every configured target)
 * get an entry now: learned from any ARP/ND, never evicted (neigh.h "wanted").
 */
static int main_neigh_wanted(const struct config *cfg)
{
	unsigned int i, j, port;
	uint8_t nh[16];
	int ret;

	for (i = 0; i < cfg->n_routes; i++) {
		const struct cfg_addr *via = &cfg->routes[i].via;

		if (route_lookup(dp.routes, via->family, via->addr, &port, nh))
			continue; /* refused by route_table_build already */
		ret = neigh_add_wanted(via->family, nh);
		if (ret)
			return ret;
	}
	for (i = 0; i < cfg->n_groups; i++)
		for (j = 0; j < cfg->groups[i].n_targets; j++) {
			const struct cfg_addr *a = &cfg->groups[i].targets[j].address;

			if (route_lookup(dp.routes, a->family, a->addr, &port, nh))
				continue;
			ret = neigh_add_wanted(a->family, nh);
			if (ret)
				return ret;
		}
	return 0;
}

/* dp.local: the node's addresses, zone IPs and subnet edges (lib/localtab.h), once at start. */
static int main_local_table(const struct config *cfg, char *err, size_t errlen)
{
	struct localtab_ent *e = calloc(LOCALTAB_MAX, sizeof(*e));
	int n;

	if (!e) {
		snprintf(err, errlen, "local addresses: out of memory");
		return -ENOMEM;
	}
	n = localtab_compile(cfg, e, err, errlen);
	if (n >= 0)
		localtab_build(&dp.local, e, (unsigned int)n);
	free(e);
	return n < 0 ? n : 0;
}

static int main_setup_tables(char *err, size_t errlen)
{
	const struct config *cfg = dp.cfg;
	unsigned int i, j;
	int ret;

	ret = main_local_table(cfg, err, errlen);
	if (ret)
		return ret;
	local_compile(cfg);
	for (i = 0; i < cfg->n_inspections; i++)
		for (j = 0; j < cfg->inspections[i].n_from; j++) {
			struct dp_port *p = &dp.ports[cfg->inspections[i].from[j]];

			if (p->attach >= 0) {
				snprintf(err, errlen,
					 "%.200s: port %.64s is in the `from` of two attachments "
					 "(%.64s, %.64s)",
					 cfg->path, p->name, cfg->inspections[p->attach].name,
					 cfg->inspections[i].name);
				return -EINVAL;
			}
			p->attach = (int)i;
		}
	ret = route_table_build(cfg, dp.ports, &dp.routes, err, errlen);
	if (ret)
		return ret;
	ret = neigh_init(cfg->node.neighbor_table_size,
			 (uint64_t)cfg->node.neighbor_reachable_ms * 1000);
	if (ret) {
		snprintf(err, errlen, "neighbour table: %s", rte_strerror(-ret));
		return ret;
	}
	for (i = 0; i < cfg->n_neighbors; i++) {
		ret = neigh_add_static(cfg->neighbors[i].address.family,
				       cfg->neighbors[i].address.addr, cfg->neighbors[i].mac);
		if (ret) {
			snprintf(err, errlen, "static neighbour %u: %s%s", i, rte_strerror(-ret),
				 ret == -ENOSPC ? " (more than node.neighbor_table_size)" : "");
			return ret;
		}
	}
	ret = main_neigh_wanted(cfg);
	if (ret) {
		snprintf(err, errlen,
			 "neighbour table: the configured next hops (routes, targets): %s%s",
			 rte_strerror(-ret),
			 ret == -ENOSPC ? " (more than node.neighbor_table_size)" : "");
		return ret;
	}
	ret = flowtab_init(cfg->node.flow_table_size);
	if (ret) {
		snprintf(err, errlen, "flow table of %u entries: %s", cfg->node.flow_table_size,
			 rte_strerror(-ret));
		return ret;
	}
	ret = fragtab_init(cfg->node.fragment_table_size, cfg->node.fragment_timeout_ms);
	if (ret) {
		snprintf(err, errlen, "fragment table of %u entries: %s",
			 cfg->node.fragment_table_size, rte_strerror(-ret));
		return ret;
	}
	dp.n_targets_total = cfg->n_groups * RT_SLOTS;
	ret = stats_init();
	if (ret) {
		snprintf(err, errlen, "counters: %s", strerror(-ret));
		return ret;
	}
	dp.state = rt_state_build(cfg, dp.maglev_size, err, errlen);
	if (!dp.state)
		return -ENOMEM;
	ret = nlb_init(err, errlen);
	if (ret)
		return ret;
	return 0;
}

static int main_setup(const struct main_opts *o, char *err, size_t errlen)
{
	struct config *cfg;
	unsigned int i, n_mbufs;
	size_t qsz;
	int ret;

	ret = config_load(o->dp.config, &cfg, err, errlen);
	if (ret)
		return ret;
	dp.cfg = cfg;
	memcpy(dp.secret, cfg->node.cookie_secret, sizeof(dp.secret));
	dp.maglev_size = cfg->node.maglev_size;
	dp.tsc_hz = rte_get_tsc_hz();
	dp.n_workers = rte_lcore_count() - 1;
	if (!dp.n_workers) {
		snprintf(err, errlen, "no worker lcore: give EAL at least two (e.g. -l 0,1)");
		return -EINVAL;
	}
	if (o->dp.events && dp.n_workers != 1) {
		snprintf(err, errlen, "--events needs exactly one worker lcore (-l 0,1)");
		return -EINVAL;
	}
	if (cfg->n_ports > DP_MAX_PORTS) {
		snprintf(err, errlen, "%u ports configured, at most %d supported", cfg->n_ports,
			 DP_MAX_PORTS);
		return -EINVAL;
	}
	qsz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	dp.qsbr = rte_zmalloc("sl_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (!dp.qsbr || rte_rcu_qsbr_init(dp.qsbr, RTE_MAX_LCORE)) {
		snprintf(err, errlen, "RCU: out of memory");
		return -ENOMEM;
	}
	/* RX rings + TX rings + per-lcore caches + what is in flight, per port */
	n_mbufs = RTE_MAX(8191u, cfg->n_ports * dp.n_workers * 2048u * 2 + 4096u);
	if (o->mbufs)
		n_mbufs = (unsigned int)o->mbufs;
	dp.pool = rte_pktmbuf_pool_create(
		"sl_mbufs", n_mbufs, 256, 0,
		(uint16_t)(RTE_PKTMBUF_HEADROOM +
			   RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_DATAROOM,
				   port_max_frame(cfg) + GWLB_ENCAP_OVERHEAD)),
		(int)rte_socket_id());
	if (!dp.pool) {
		snprintf(err, errlen, "mbuf pool of %u: %s (more memory: -m / hugepages)", n_mbufs,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < cfg->n_ports; i++) {
		ret = port_open(i, &cfg->ports[i], err, errlen);
		if (ret)
			return ret;
	}
	for (i = 0; i < cfg->n_ports; i++) { /* after the ports: a TAP takes its port's MAC */
		if (!cfg->ports[i].kernel_interface[0])
			continue;
		ret = excp_open(i, &cfg->ports[i], err, errlen);
		if (ret)
			return ret;
	}
	ret = main_setup_tables(err, errlen);
	if (ret)
		return ret;
	if (o->dp.events) {
		ret = events_load(o->dp.events, err, errlen);
		if (ret)
			return ret;
	}
	/* the state log starts with the generation built from the config */
	ret = o->dp.state_log ? ctl_state_log_start(o->dp.state_log, dp.state, err, errlen) : 0;
	if (!ret && o->dp.control)
		ret = ctl_dpdk_init(o->dp.control, err, errlen);
	if (ret)
		return ret;
	if (stats_telemetry_register())
		fprintf(stderr, "sluice-dp: telemetry command not registered (continuing)\n");
	return 0;
}

/* Worker w polls RX queue q of every port where q % n_workers == w. */
static void main_assign_queues(struct wctx *c, unsigned int w)
{
	unsigned int p, q;

	for (p = 0; p < dp.n_ports; p++)
		for (q = w; q < dp.ports[p].n_rxq && q < DP_MAX_RXQ; q += dp.n_workers) {
			c->poll[c->n_poll].port = (uint16_t)p;
			c->poll[c->n_poll++].queue = (uint16_t)q;
		}
}

static uint64_t main_rx_total(void)
{
	uint64_t sum = 0;
	unsigned int l, p;

	RTE_LCORE_FOREACH(l)
	for (p = 0; p < dp.n_ports; p++)
		sum += __atomic_load_n(&dp.stats[l].rx_pkts[p], __ATOMIC_RELAXED);
	return sum;
}

/*
 * Ageing (docs/dataplane.md "Ageing"). Every tick (MAIN_POLL_US, asleep in between) the main
 * lcore takes one step of each table's sweep (sweep.h), in this order: fragments, neighbours,
 * NAT sessions, flows. The pace: a step visits count x elapsed / pass entries (count: the live
 * entries when the pass began, or now if more; fractions carry over), so a pass takes `pass`, or
 * `fast` once the table is full or filling (3/4 of its size, or an eighth of its size added
 * since the pass began): an entry is deleted at most one pass after it expired (lookups
 * already treat it as expired, so this is about room, never about behaviour), and a table
 * short of room gets it back sooner. Only expired entries go: a live one is never evicted for
 * a new one. The bound: the four steps of a tick share MAIN_SWEEP_CPU_PERMILLE of the time
 * since the last tick in the main lcore's CPU time (its thread's clock: a preempted main lcore
 * keeps its share, and late ticks get a longer step), MAIN_SWEEP_SHORT_PERMILLE when a table
 * is short of room (that table's step may run on to it), and each visits up to
 * SWEEP_CLOCK_EVERY entries of its share before it reads the clock: ageing takes at most ~3 % of
 * the main lcore's core whatever the tables hold, ~10 % while one is short of room. A table too big
 * for its pace within that time, or a mass expiry (a deletion costs more than a visit: the writer
 * lock, the RCU defer queue), gets longer passes instead: at ~100 ns a visit, a pass of 10 s keeps
 * up with about 3 million live entries.
 */
#define MAIN_SWEEP_CPU_PERMILLE	  30	  /* a tick's steps: CPU time, of the time since the last */
#define MAIN_SWEEP_SHORT_PERMILLE 100	  /* the same when a table is short of room */
#define MAIN_SWEEP_GAP_US	  1000000 /* a longer gap between ticks counts as this */

struct main_sweeper {
	void (*step)(uint64_t now_us, struct sweep *sw);
	unsigned int (*count)(void); /* keys in the table now */
	uint32_t size;		     /* keys when full */
	uint64_t pass_us, fast_us;   /* a pass over the live entries, normally / full or filling */
	uint32_t pass_count;	     /* keys when the current pass began */
	uint64_t credit;	     /* visits x pass_us earned and not yet taken */
	struct sweep sw;
};

static unsigned int main_sess_keys(void)
{
	return sesstab_count() * 2; /* a session has two keys, and a sweep visits both */
}

/*
 * The tables' paces. Flows and sessions: idle timeouts of at least 60 s (CFG_IDLE_MIN), and
 * a closing NLB session's 10 s (NLB_CLOSING_US) holds a NAT port: passes of 10 s and 5 s,
 * 1 s when short of room. Neighbours: deleted after 60 s idle (NEIGH_GC_US): 10 s, 1 s.
 * Fragments: node.fragment_timeout_ms (100 ms .. 60 s) and refused when the table is full:
 * a pass within the timeout (at most 1 s), every tick when short of room.
 */
static void main_sweep_init(struct main_sweeper *t)
{
	const struct cfg_node *n = &dp.cfg->node;
	uint64_t frag_us = RTE_MIN((uint64_t)n->fragment_timeout_ms * 1000, 1000000ull);

	t[0] = (struct main_sweeper){fragtab_sweep, fragtab_count, n->fragment_table_size, frag_us,
				     MAIN_POLL_US};
	t[1] = (struct main_sweeper){neigh_sweep, neigh_count, n->neighbor_table_size, 10000000,
				     1000000};
	t[2] = (struct main_sweeper){nlb_sweep, main_sess_keys, sesstab_size() * 2, 5000000,
				     1000000};
	t[3] = (struct main_sweeper){flowtab_sweep, flowtab_count, n->flow_table_size, 10000000,
				     1000000};
}

/* 1 if t is full or filling: 3/4 of its size, or an eighth of its size added this pass. */
static int main_sweep_short(const struct main_sweeper *t, unsigned int count)
{
	return (uint64_t)count * 4 >= (uint64_t)t->size * 3 ||
	       (uint64_t)count >= (uint64_t)t->pass_count + t->size / 8;
}

/* One tick of ageing: `elapsed_us` since the last one. */
static void main_sweep(struct main_sweeper *t, unsigned int n_t, uint64_t now, uint64_t elapsed_us)
{
	uint64_t now_us = dp_tsc_to_us(now), pass, cpu = sweep_cpu_ns(), deadline, deadline_short;
	unsigned int i, count;
	int short_room;

	elapsed_us = RTE_MIN(elapsed_us, (uint64_t)MAIN_SWEEP_GAP_US);
	/* per mille of elapsed us = ns */
	deadline = cpu + elapsed_us * MAIN_SWEEP_CPU_PERMILLE;
	deadline_short = cpu + elapsed_us * MAIN_SWEEP_SHORT_PERMILLE;
	for (i = 0; i < n_t; i++) {
		struct sweep *sw = &t[i].sw;

		count = t[i].count();
		if (!sw->iter)
			t[i].pass_count = count;
		short_room = main_sweep_short(&t[i], count);
		pass = short_room ? t[i].fast_us : t[i].pass_us;
		/* the count when the pass began (or more): what it deletes must not slow it down;
		 * fractions carry over (a step of no visit costs nothing; one visit in a sparse
		 * table can scan much of it) */
		t[i].credit += (uint64_t)RTE_MAX(count, t[i].pass_count) * elapsed_us;
		sw->budget = (uint32_t)RTE_MIN(t[i].credit / pass, (uint64_t)UINT32_MAX);
		t[i].credit -= (uint64_t)sw->budget * pass;
		sw->deadline = short_room ? deadline_short : deadline;
		sw->visited = sw->deleted = sw->wrapped = 0;
		t[i].step(now_us, sw);
	}
}

/*
 * The main lcore: serves the control socket (if any) and, once per poll period, checks for
 * --idle-exit and reclaims idle flows. Waits in poll() (the control socket, or nothing) for at
 * most the poll period; it never touches the workers' queues.
 */
static void main_loop(const struct main_opts *o)
{
	uint64_t last_rx = 0, last_change = rte_get_tsc_cycles(), now, rx, last_tick = 0, gap_us;
	uint64_t period = dp.tsc_hz * MAIN_POLL_US / 1000000, drain_end = 0;
	struct main_sweeper sweep[4];
	struct pollfd pfd[CTL_MAX_FDS];
	unsigned int n;

	main_sweep_init(sweep);
	while (!__atomic_load_n(&dp.stop, __ATOMIC_RELAXED)) {
		n = ctl_server_pollfds(pfd, CTL_MAX_FDS);
		if (n) {
			if (poll(pfd, n, MAIN_POLL_US / 1000) > 0)
				ctl_server_serve(pfd, n);
		} else {
			rte_delay_us_sleep(MAIN_POLL_US);
		}
		now = rte_get_tsc_cycles();
		if (__atomic_load_n(&dp.stopping, __ATOMIC_RELAXED)) {
			if (!drain_end) {
				drain_end = now + dp.cfg->node.drain_time * dp.tsc_hz;
				fprintf(stderr,
					"sluice-dp: SIGTERM: stopping, forwarding for %u s more "
					"(node.drain_time)\n",
					dp.cfg->node.drain_time);
			} else if (now >= drain_end) {
				break;
			}
		}
		if (now - last_tick < period)
			continue; /* woken early by the control socket */
		gap_us = last_tick ? (now - last_tick) * 1000000 / dp.tsc_hz : 0;
		last_tick = now;
		rx = main_rx_total();
		if (rx != last_rx) {
			last_rx = rx;
			last_change = now;
		} else if (o->idle_exit_ms >= 0 &&
			   (now - last_change) * 1000 / dp.tsc_hz >= (uint64_t)o->idle_exit_ms) {
			break;
		}
		if (!dp.pcap_clock)
			main_sweep(sweep, RTE_DIM(sweep), now, gap_us);
	}
	__atomic_store_n(&dp.stop, 1, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
	struct rt_state *initial = NULL;
	struct main_opts o = {0};
	struct wctx *ctx[RTE_MAX_LCORE] = {0};
	char err[CFG_ERR_MAX + 128] = "";
	unsigned int l, w = 0;
	int ret, status = 1, closed = 0;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "sluice-dp: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (main_parse(argc, argv, &o))
		goto out;
	ret = main_setup(&o, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "sluice-dp: %s\n", err);
		goto out;
	}
	/* --events swaps among prebuilt generations and never frees the first; the control path
	 * publishes with rt_state_publish(), which frees every generation it replaces */
	initial = o.dp.control ? NULL : dp.state;
	signal(SIGINT, main_signal);
	signal(SIGTERM, main_signal);
	RTE_LCORE_FOREACH_WORKER(l)
	{
		ctx[l] = rte_zmalloc_socket("sl_wctx", sizeof(struct wctx), RTE_CACHE_LINE_SIZE,
					    (int)rte_lcore_to_socket_id(l));
		if (!ctx[l]) {
			fprintf(stderr, "sluice-dp: worker context: out of memory\n");
			goto out;
		}
		ctx[l]->lcore = l;
		ctx[l]->txq = (uint16_t)w;
		ctx[l]->st = &dp.stats[l];
		main_assign_queues(ctx[l], w++);
	}
	if (!o.dp.quiet)
		printf("sluice-dp: %u ports, %u workers, %u target groups, %u attachments: "
		       "running\n",
		       dp.n_ports, dp.n_workers, dp.cfg->n_groups, dp.cfg->n_inspections);
	fflush(stdout);
	dp.run_start_tsc = rte_get_tsc_cycles();
	RTE_LCORE_FOREACH_WORKER(l)
	rte_eal_remote_launch(worker_main, ctx[l], l);
	main_loop(&o);
	rte_eal_mp_wait_lcore();
	dp.run_stop_tsc = rte_get_tsc_cycles();
	excp_close_all();
	port_close_all();
	closed = 1;
	if (!o.dp.quiet)
		stats_print_summary(stdout);
	status = 0;
	if (o.dp.stats_json && stats_write_json(o.dp.stats_json)) {
		fprintf(stderr, "sluice-dp: writing %s failed\n", o.dp.stats_json);
		status = 1;
	}
out:
	if (!closed) { /* setup failed: remove the TAPs, stop the ports already started */
		excp_close_all();
		port_close_all();
	}
	for (l = 0; l < RTE_MAX_LCORE; l++)
		rte_free(ctx[l]);
	if (initial && initial != dp.state)
		rt_state_free(initial);
	ctl_server_fini();
	ctl_state_log_close();
	events_free();
	rt_state_free(dp.state);
	dp.state = NULL;
	stats_free();
	nlb_free();
	fragtab_free();
	flowtab_free();
	neigh_free();
	route_table_free(dp.routes);
	rte_mempool_free(dp.pool);
	rte_free(dp.qsbr);
	config_free(dp.cfg);
	rte_eal_cleanup();
	return status;
}
