/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_bench.c - ns per packet of sluice-xdp's XDP program through BPF_PROG_TEST_RUN, beside a
 * trivial XDP program (return XDP_PASS) measured the same way in the same run
 * (tests/bench/xdp.sh drives it; docs/benchmarks.md, "XDP path"; the harness is xbench.c).
 *
 *   xdp_bench [--config FILE --flows FLOWS.pcap] [--established N] [--passes P]
 *             [--nlb-dnat FILE] [--nlb-snat FILE] [--nlb-traffic EST.pcap --nlb-flows F]
 *             [--nlb-new-passes Q]
 *
 * Each config's program is loaded and its maps filled exactly as `sluice-xdp --replay` does
 * (xdp_node.replay = 1: the egress port is recorded in sl_out and the verdict is XDP_TX;
 * clock_us = 0: bpf_ktime_get_ns() as live), one config after the other in one process. Frames
 * arrive on loopback, mapped to the port of the case.
 *
 * Cases, in this order, on one CPU (the process pins itself):
 *   trivial       XDP_PASS program, the first N frames (of FLOWS, else of EST), P passes
 * With --config (GWLB, sluice-bench.yaml.in):
 *   encap-new     every frame of FLOWS.pcap once: each a new flow (flow table entry created)
 *   encap-est     the first N frames: one unmeasured pass, then P measured passes (known flows)
 *   return        the appliances' returns of those N flows (the program's own GENEVE output of
 *                 the encap-est warm pass, outer Ethernet/IPv4 addresses swapped): decapsulated
 *                 and forwarded, P passes
 * With --nlb-dnat / --nlb-snat (nlb.yaml.in, preserve_client_ip true / false), each on its own
 * load, on EST.pcap (nlb_gen.py established: F SYNs of F flows, then data packets of them):
 *   nlb-M-new     the F SYNs on outside, Q passes, the session map emptied before each (not
 *                 timed): every run creates a session
 *   nlb-M-est     the data packets, sessions known (the last new pass made them), P passes
 *   nlb-M-reply   the targets' replies (the program's own output of nlb-M-est's first pass,
 *                 Ethernet/IPv4 addresses and ports swapped) on servers: translated back, P
 *                 passes
 *   trivial-after as trivial, after everything
 *
 * Output: one line per case, "case NAME runs R ns_total T ns_min M verdict_ok K
 * events k=v ... drops=D", read by xdp_report.py. Exit 0, or 1 when the setup fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "tests/bench/xbench.h"

struct xdp_bench_opts {
	const char *config, *flows, *dnat, *snat, *nlb_traffic;
	unsigned long est, passes, nlb_flows, nlb_new_passes;
	unsigned int lo;
};

/*
 * One measured case: the counters before, passes over frames [from, from + n) (the first
 * pass's output into keep unless NULL), the counters after, its line printed. 0 or -errno.
 */
static int xdp_bench_case(struct xbench_dp *b, struct xbench_result *res,
			  const struct xbench_frames *fs, size_t from, size_t n,
			  unsigned long passes, struct xbench_frames *keep)
{
	int r = xbench_snap(b, &res->before);

	r = r ?: xbench_run(res, b->x.prog_fd, fs, from, n, (unsigned int)passes, XDP_TX, keep);
	r = r ?: xbench_snap(b, &res->after);
	if (!r)
		xbench_print(res);
	return r;
}

/*
 * The answers to what was sent (the appliances' returns, the targets' replies): back turned
 * around (l4: ports too) and received on config port `port`, passes times.
 */
static int xdp_bench_back(struct xbench_dp *b, const struct xdp_bench_opts *o, const char *port,
			  int l4, struct xbench_frames *back, struct xbench_result *res)
{
	int pi = config_port_index(b->x.cfg, port);
	int r;

	if (pi < 0)
		return xbench_port(b, o->lo, port); /* says why */
	xbench_turn(back, b->x.mac[pi], l4);
	r = xbench_port(b, o->lo, port);
	return r ?: xdp_bench_case(b, res, back, 0, back->n, o->passes, NULL);
}

/* The GWLB cases on frames fs. 0 or -errno (a message printed). */
static int xdp_bench_gwlb(const struct xdp_bench_opts *o, const struct xbench_frames *fs)
{
	struct xbench_result nw = {.name = "encap-new"}, est = {.name = "encap-est"},
			     ret = {.name = "return"}, warm = {.name = "encap-est-warm"};
	struct xbench_frames rets = {0};
	struct xbench_dp b;
	size_t n = o->est < fs->n ? o->est : fs->n;
	int r;

	r = xbench_load(&b, o->config);
	if (!r)
		r = xbench_port(&b, o->lo, "outside");
	if (r)
		goto out;
	/* encapsulation of new flows: every frame once */
	r = xdp_bench_case(&b, &nw, fs, 0, fs->n, 1, NULL);
	/* known flows: one warm pass (keeping the GENEVE output), then the measured passes */
	r = r ?: xdp_bench_case(&b, &warm, fs, 0, n, 1, &rets);
	r = r ?: xdp_bench_case(&b, &est, fs, 0, n, o->passes, NULL);
	/* the returns, on appliances */
	r = r ?: xdp_bench_back(&b, o, "appliances", 0, &rets, &ret);
out:
	json_decref(nw.before), json_decref(nw.after), json_decref(warm.before);
	json_decref(warm.after), json_decref(est.before), json_decref(est.after);
	json_decref(ret.before), json_decref(ret.after);
	xbench_frames_free(&rets);
	xbench_unload(&b);
	return r;
}

/* The NLB cases of config `config` (mode "dnat" / "snat") on EST frames fs. 0 or -errno. */
static int xdp_bench_nlb(const struct xdp_bench_opts *o, const char *config, const char *mode,
			 const struct xbench_frames *fs)
{
	char nn[32], ne[32], nr[32];
	struct xbench_result nw = {.name = nn}, est = {.name = ne}, rep = {.name = nr};
	struct xbench_frames reps = {0};
	struct xbench_dp b;
	size_t f = o->nlb_flows;
	unsigned long p;
	int r;

	snprintf(nn, sizeof(nn), "nlb-%s-new", mode);
	snprintf(ne, sizeof(ne), "nlb-%s-est", mode);
	snprintf(nr, sizeof(nr), "nlb-%s-reply", mode);
	r = xbench_load(&b, config);
	if (!r)
		r = xbench_port(&b, o->lo, "outside");
	if (r)
		goto out;
	/* new flows: the SYNs into an empty session map, Q times */
	r = xbench_snap(&b, &nw.before);
	for (p = 0; !r && p < o->nlb_new_passes; p++) {
		r = xbench_sessions_clear(&b);
		if (r)
			fprintf(stderr, "xdp_bench: emptying sl_sess: %s\n", strerror(-r));
		else
			r = xbench_run(&nw, b.x.prog_fd, fs, 0, f, 1, XDP_TX, NULL);
	}
	r = r ?: xbench_snap(&b, &nw.after);
	if (r)
		goto out;
	xbench_print(&nw);
	/* established: the data packets of those sessions; the first pass's output kept */
	r = xdp_bench_case(&b, &est, fs, f, fs->n - f, o->passes, &reps);
	/* the targets' replies, on servers */
	r = r ?: xdp_bench_back(&b, o, "servers", 1, &reps, &rep);
out:
	json_decref(nw.before), json_decref(nw.after), json_decref(est.before);
	json_decref(est.after), json_decref(rep.before), json_decref(rep.after);
	xbench_frames_free(&reps);
	xbench_unload(&b);
	return r;
}

static int xdp_bench_usage(void)
{
	fprintf(stderr, "usage: xdp_bench [--config FILE --flows PCAP] [--established N] "
			"[--passes P] [--nlb-dnat FILE] [--nlb-snat FILE] "
			"[--nlb-traffic PCAP --nlb-flows F] [--nlb-new-passes Q]\n");
	return 1;
}

static int xdp_bench_args(int argc, char **argv, struct xdp_bench_opts *o)
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"flows", required_argument, NULL, 'f'},
		{"established", required_argument, NULL, 'n'},
		{"passes", required_argument, NULL, 'p'},
		{"nlb-dnat", required_argument, NULL, 'd'},
		{"nlb-snat", required_argument, NULL, 's'},
		{"nlb-traffic", required_argument, NULL, 't'},
		{"nlb-flows", required_argument, NULL, 'F'},
		{"nlb-new-passes", required_argument, NULL, 'Q'},
		{NULL, 0, NULL, 0},
	};
	char *end = NULL;
	unsigned long *num;
	int c, li = 0;

	while ((c = getopt_long(argc, argv, "", lo, &li)) != -1) {
		num = NULL;
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->flows = optarg;
			break;
		case 'd':
			o->dnat = optarg;
			break;
		case 's':
			o->snat = optarg;
			break;
		case 't':
			o->nlb_traffic = optarg;
			break;
		case 'n':
			num = &o->est;
			break;
		case 'p':
			num = &o->passes;
			break;
		case 'F':
			num = &o->nlb_flows;
			break;
		case 'Q':
			num = &o->nlb_new_passes;
			break;
		default:
			return xdp_bench_usage();
		}
		if (num) {
			errno = 0;
			*num = strtoul(optarg, &end, 0);
			if (errno || !*optarg || *end || !*num || *num > 1000000000ul) {
				fprintf(stderr, "xdp_bench: --%s wants a number in 1..10^9\n",
					lo[li].name);
				return 1;
			}
		}
	}
	if (optind != argc || !o->config != !o->flows ||
	    ((o->dnat || o->snat) && (!o->nlb_traffic || !o->nlb_flows)) ||
	    (!o->config && !o->dnat && !o->snat)) {
		fprintf(stderr, "xdp_bench: --config goes with --flows, --nlb-dnat / --nlb-snat "
				"with --nlb-traffic and --nlb-flows; at least one of them\n");
		return xdp_bench_usage();
	}
	return 0;
}

/* Read path into fs (at least min + 1 frames). 0 or 1 (message printed). */
static int xdp_bench_read(const char *path, struct xbench_frames *fs, size_t min)
{
	int ret = xbench_pcap_read(path, fs);

	if (ret || fs->n <= min) {
		fprintf(stderr, "xdp_bench: %s: %s\n", path,
			ret ? strerror(-ret) : "fewer frames than needed");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xdp_bench_opts o = {.est = 131072, .passes = 8, .nlb_new_passes = 32};
	struct xbench_result t1 = {.name = "trivial"}, t2 = {.name = "trivial-after"};
	struct xbench_frames fs = {0}, nlb = {0};
	const struct xbench_frames *tf;
	int ret = 1, cpu, trivial = -1;
	cpu_set_t set;
	size_t n;

	if (xdp_bench_args(argc, argv, &o))
		return 1;
	if (o.config && xdp_bench_read(o.flows, &fs, 0))
		goto out;
	if (o.nlb_traffic && xdp_bench_read(o.nlb_traffic, &nlb, o.nlb_flows))
		goto out;
	tf = o.config ? &fs : &nlb;
	n = o.est < tf->n ? o.est : tf->n;

	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (cpu < 0 || sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "xdp_bench: cannot pin to a CPU: %s\n", strerror(errno));
		goto out;
	}
	o.lo = if_nametoindex("lo");
	if (!o.lo) {
		fprintf(stderr, "xdp_bench: no loopback\n");
		goto out;
	}
	trivial = xbench_trivial();
	if (trivial < 0) {
		fprintf(stderr, "xdp_bench: loading the trivial program: %s\n", strerror(-trivial));
		goto out;
	}
	printf("cpu %d frames %zu established %zu passes %lu nlb_frames %zu nlb_flows %lu "
	       "nlb_new_passes %lu\n",
	       cpu, fs.n, n, o.passes, nlb.n, o.nlb_flows, o.nlb_new_passes);
	if (xbench_run(&t1, trivial, tf, 0, n, (unsigned int)o.passes, XDP_PASS, NULL))
		goto fail;
	xbench_print(&t1);
	if (o.config && xdp_bench_gwlb(&o, &fs))
		goto fail;
	if (o.dnat && xdp_bench_nlb(&o, o.dnat, "dnat", &nlb))
		goto fail;
	if (o.snat && xdp_bench_nlb(&o, o.snat, "snat", &nlb))
		goto fail;
	/* trivial again, after: the baseline both sides of the sluice runs */
	if (xbench_run(&t2, trivial, tf, 0, n, (unsigned int)o.passes, XDP_PASS, NULL))
		goto fail;
	xbench_print(&t2);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "xdp_bench: stopped (the reason is above)\n");
out:
	if (trivial >= 0)
		close(trivial);
	xbench_frames_free(&fs);
	xbench_frames_free(&nlb);
	return ret;
}
