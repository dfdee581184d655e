/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_bench.c - ns per packet of sluice-xdp's XDP program through BPF_PROG_TEST_RUN, beside a
 * trivial XDP program (return XDP_PASS) measured the same way in the same run
 * (tests/bench/xdp.sh drives it; docs/benchmarks.md, "XDP path").
 *
 *   xdp_bench --config FILE --flows FLOWS.pcap [--established N] [--passes P]
 *             [--outside NAME] [--appliances NAME] [--stats-json FILE]
 *
 * The program is loaded and its maps filled exactly as `sluice-xdp --replay` does (the same
 * skeleton, bpf/xdp_maps.c, xdp_node.replay = 1: the egress port is recorded in sl_out and the
 * verdict is XDP_TX; clock_us = 0: bpf_ktime_get_ns() as live). Frames arrive on loopback,
 * mapped to the port of the case.
 *
 * Every run is one BPF_PROG_TEST_RUN call with repeat = 1: with repeat > 1 the kernel runs the
 * program again on the buffer the previous run rewrote (an encapsulated frame encapsulated
 * again...), so each call gets a fresh frame and the kernel-reported durations are summed.
 * The duration the kernel reports for one call includes its own per-call work around the
 * program (timer, xdp_buff setup); the trivial program shows how much that is.
 *
 * Cases, in this order, on one CPU (the process pins itself):
 *   trivial     XDP_PASS program, the first N frames, P passes
 *   encap-new   every frame of FLOWS.pcap once: each a new flow (flow table entry created)
 *   encap-est   the first N frames: one unmeasured pass, then P measured passes (known flows)
 *   return      the appliances' returns of those N flows (the program's own GENEVE output of
 *               the encap-est warm pass, outer Ethernet/IPv4 addresses swapped): decapsulated
 *               and forwarded, P passes
 *
 * Output: one line per case, "case NAME runs R ns_total T ns_min M verdict_ok K
 * events k=v ...", read by xdp.sh. Exit 0, or 1 when the setup fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "sluice.skel.h"
#include "xdp_maps.h"
#include "xdp_nlb.h"
#include "xdp_replay.h"
#include "xdp_stats.h"

#define BENCH_OUT_MAX 4096

struct frame {
	uint32_t len;
	uint8_t *data;
};

struct frames {
	struct frame *f;
	size_t n, cap;
};

static int frames_add(struct frames *fs, const uint8_t *data, uint32_t len)
{
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 4096;
		void *a = realloc(fs->f, cap * sizeof(*fs->f));

		if (!a)
			return -ENOMEM;
		fs->f = a;
		fs->cap = cap;
	}
	fs->f[fs->n].data = malloc(len ? len : 1);
	if (!fs->f[fs->n].data)
		return -ENOMEM;
	memcpy(fs->f[fs->n].data, data, len);
	fs->f[fs->n++].len = len;
	return 0;
}

/* A classic little- or big-endian pcap of Ethernet frames (gen.py's output). */
static int pcap_read(const char *path, struct frames *fs)
{
	uint8_t hdr[24], rec[16], *buf = NULL;
	uint32_t magic, caplen;
	int swap, ret = 0;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	if (fread(hdr, 1, 24, f) != 24) {
		fclose(f);
		return -EINVAL;
	}
	memcpy(&magic, hdr, 4);
	if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D)
		swap = 0;
	else if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1)
		swap = 1;
	else {
		fclose(f);
		return -EINVAL;
	}
	buf = malloc(262144);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	while (fread(rec, 1, 16, f) == 16) {
		memcpy(&caplen, rec + 8, 4);
		if (swap)
			caplen = __builtin_bswap32(caplen);
		if (caplen > 262144 || fread(buf, 1, caplen, f) != caplen) {
			ret = -EINVAL;
			break;
		}
		ret = frames_add(fs, buf, caplen);
		if (ret)
			break;
	}
	free(buf);
	fclose(f);
	return ret;
}

/* --- the loader: sluice-xdp --replay's steps (bpf/xdp_main.c) ------------------------------ */

static int bench_load(struct xdp_dp *x, struct sluice_bpf **skelp, const char *config)
{
	char err[1024] = "";
	struct sluice_bpf *skel;
	unsigned int i;
	int ret;

	ret = config_load(config, &x->cfg, err, sizeof(err));
	if (!ret)
		ret = xdp_maps_check_config(x->cfg, err, sizeof(err));
	if (ret)
		goto fail;
	x->replay = 1;
	for (i = 0; i < x->cfg->n_ports; i++) {
		x->ifindex[i] = XDP_REPLAY_IFINDEX(i);
		if (x->cfg->ports[i].has_mac)
			memcpy(x->mac[i], x->cfg->ports[i].mac, 6);
	}
	skel = sluice_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, sizeof(err), "opening the BPF object: %s", strerror(errno));
		goto fail;
	}
	*skelp = skel;
	x->obj = skel->obj;
	ret = xdp_maps_size(x, err, sizeof(err));
	if (ret)
		goto fail;
	ret = sluice_bpf__load(skel);
	if (ret) {
		snprintf(err, sizeof(err), "loading the BPF program: %s", strerror(-ret));
		goto fail;
	}
	ret = xdp_maps_find(x, err, sizeof(err));
	if (!ret)
		ret = xdp_maps_fill(x, err, sizeof(err));
	if (ret)
		goto fail;
	ret = xdp_nlb_init(x, err, sizeof(err));
	if (ret)
		goto fail;
	ret = xdp_state_init(x, err, sizeof(err)); /* generation 1, as sluice-dp's */
	if (ret)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "xdp_bench: %s\n", err[0] ? err : strerror(-ret));
	return ret ? ret : -EINVAL;
}

/* r0 = XDP_PASS; exit */
static int bench_trivial(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "sl_trivial", "GPL", insns, 2, NULL);
}

/* --- measuring ---------------------------------------------------------------------------- */

struct result {
	const char *name;
	uint64_t runs, ns, ns_min, ok;
	json_t *before, *after;
};

/* One test run of one frame (repeat = 1): its kernel-reported duration, its verdict. */
static int bench_one(int prog, const struct frame *f, uint8_t *out, uint32_t *out_len, uint32_t *ns,
		     uint32_t *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f->data, .data_size_in = f->len,
		    .data_out = out, .data_size_out = BENCH_OUT_MAX, .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &t))
		return -errno;
	*ns = t.duration;
	*verdict = t.retval;
	if (out_len)
		*out_len = t.data_size_out;
	return 0;
}

static int bench_case(struct result *r, int prog, const struct frames *fs, size_t n,
		      unsigned int passes, uint32_t want, struct frames *keep)
{
	uint8_t out[BENCH_OUT_MAX];
	uint32_t ns = 0, verdict = 0, out_len = 0;
	unsigned int p;
	size_t i;
	int ret;

	r->ns_min = UINT64_MAX;
	for (p = 0; p < passes; p++)
		for (i = 0; i < n; i++) {
			ret = bench_one(prog, &fs->f[i], out, &out_len, &ns, &verdict);
			if (ret)
				return ret;
			r->runs++;
			r->ns += ns;
			if (ns < r->ns_min)
				r->ns_min = ns;
			if (verdict == want)
				r->ok++;
			if (keep && p == 0 && verdict == want) {
				ret = frames_add(keep, out, out_len);
				if (ret)
					return ret;
			}
		}
	return 0;
}

static json_t *bench_events(const struct xdp_dp *x)
{
	json_t *j = xdp_stats_json(x, NULL);

	return j;
}

static void bench_print(const struct result *r)
{
	static const char *const evs[] = {"geneve_encap", "geneve_decap", "forwarded", "flow_new"};
	json_t *eb, *ea, *db, *da, *v;
	const char *k;
	uint64_t drops = 0;
	unsigned int i;

	printf("case %s runs %" PRIu64 " ns_total %" PRIu64 " ns_min %" PRIu64
	       " verdict_ok %" PRIu64 " events",
	       r->name, r->runs, r->ns, r->runs ? r->ns_min : 0, r->ok);
	if (r->before && r->after) {
		eb = json_object_get(r->before, "events");
		ea = json_object_get(r->after, "events");
		for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
			printf(" %s=%" PRId64, evs[i],
			       (int64_t)(json_integer_value(json_object_get(ea, evs[i])) -
					 json_integer_value(json_object_get(eb, evs[i]))));
		db = json_object_get(r->before, "drops");
		da = json_object_get(r->after, "drops");
		json_object_foreach(da, k, v)
		{
			drops += (uint64_t)(json_integer_value(v) -
					    json_integer_value(json_object_get(db, k)));
		}
		printf(" drops=%" PRIu64, drops);
	}
	printf("\n");
	fflush(stdout);
}

/* Each return: outer Ethernet and IPv4 addresses swapped, Ethernet destination = pmac. */
static void bench_turn(struct frames *fs, const uint8_t pmac[6])
{
	uint8_t tmp[6], ip[4];
	size_t i;

	for (i = 0; i < fs->n; i++) {
		uint8_t *d = fs->f[i].data;

		if (fs->f[i].len < 50)
			continue;
		memcpy(tmp, d, 6);
		memcpy(d + 6, tmp, 6);
		memcpy(d, pmac, 6);
		memcpy(ip, d + 26, 4);
		memcpy(d + 26, d + 30, 4);
		memcpy(d + 30, ip, 4);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"flows", required_argument, NULL, 'f'},
		{"established", required_argument, NULL, 'n'},
		{"passes", required_argument, NULL, 'p'},
		{"outside", required_argument, NULL, 'o'},
		{"appliances", required_argument, NULL, 'a'},
		{"stats-json", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *flows = NULL, *outside = "outside", *appl = "appliances",
		   *stats = NULL;
	struct xdp_dp x = {.state_fd = -1, .prog_fd = -1};
	struct sluice_bpf *skel = NULL;
	struct frames fs = {0}, rets = {0};
	struct result res[4] = {{.name = "trivial"},
				{.name = "encap-new"},
				{.name = "encap-est"},
				{.name = "return"}};
	struct result warm = {.name = "encap-est-warm"};
	unsigned long est = 131072, passes = 8;
	int c, ret, cpu, trivial, po, pa;
	unsigned int lo_if;
	cpu_set_t set;
	size_t n;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			flows = optarg;
			break;
		case 'n':
			est = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			passes = strtoul(optarg, NULL, 0);
			break;
		case 'o':
			outside = optarg;
			break;
		case 'a':
			appl = optarg;
			break;
		case 's':
			stats = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: xdp_bench --config FILE --flows PCAP [--established N] "
				"[--passes P] [--outside NAME] [--appliances NAME] "
				"[--stats-json FILE]\n");
			return 1;
		}
	}
	if (!config || !flows || !est || !passes) {
		fprintf(stderr, "xdp_bench: --config and --flows are required\n");
		return 1;
	}
	ret = pcap_read(flows, &fs);
	if (ret || !fs.n) {
		fprintf(stderr, "xdp_bench: %s: %s\n", flows, ret ? strerror(-ret) : "no frames");
		return 1;
	}
	n = est < fs.n ? est : fs.n;

	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (cpu < 0 || sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "xdp_bench: cannot pin to a CPU: %s\n", strerror(errno));
		return 1;
	}
	if (bench_load(&x, &skel, config))
		return 1;
	lo_if = if_nametoindex("lo");
	po = config_port_index(x.cfg, outside);
	pa = config_port_index(x.cfg, appl);
	if (!lo_if || po < 0 || pa < 0) {
		fprintf(stderr, "xdp_bench: no loopback, or no port %s / %s in %s\n", outside, appl,
			config);
		ret = 1;
		goto out;
	}
	trivial = bench_trivial();
	if (trivial < 0) {
		fprintf(stderr, "xdp_bench: loading the trivial program: %s\n", strerror(errno));
		ret = 1;
		goto out;
	}
	printf("cpu %d frames %zu established %zu passes %lu\n", cpu, fs.n, n, passes);

	ret = xdp_port_map(&x, lo_if, (unsigned int)po);
	if (ret)
		goto fail;
	/* trivial */
	ret = bench_case(&res[0], trivial, &fs, n, (unsigned int)passes, XDP_PASS, NULL);
	if (ret)
		goto fail;
	bench_print(&res[0]);
	/* encapsulation of new flows: every frame once */
	res[1].before = bench_events(&x);
	ret = bench_case(&res[1], x.prog_fd, &fs, fs.n, 1, XDP_TX, NULL);
	if (ret)
		goto fail;
	res[1].after = bench_events(&x);
	bench_print(&res[1]);
	/* known flows: one warm pass (keeping the GENEVE output), then the measured passes */
	warm.before = bench_events(&x);
	ret = bench_case(&warm, x.prog_fd, &fs, n, 1, XDP_TX, &rets);
	if (ret)
		goto fail;
	warm.after = bench_events(&x);
	bench_print(&warm);
	res[2].before = bench_events(&x);
	ret = bench_case(&res[2], x.prog_fd, &fs, n, (unsigned int)passes, XDP_TX, NULL);
	if (ret)
		goto fail;
	res[2].after = bench_events(&x);
	bench_print(&res[2]);
	/* the returns */
	bench_turn(&rets, x.mac[pa]);
	ret = xdp_port_map(&x, lo_if, (unsigned int)pa);
	if (ret)
		goto fail;
	res[3].before = bench_events(&x);
	ret = bench_case(&res[3], x.prog_fd, &rets, rets.n, (unsigned int)passes, XDP_TX, NULL);
	if (ret)
		goto fail;
	res[3].after = bench_events(&x);
	bench_print(&res[3]);
	/* trivial again, after: the baseline both sides of the sluice runs */
	{
		struct result t2 = {.name = "trivial-after"};

		ret = bench_case(&t2, trivial, &fs, n, (unsigned int)passes, XDP_PASS, NULL);
		if (ret)
			goto fail;
		bench_print(&t2);
	}
	if (stats && xdp_stats_write_json(&x, stats))
		fprintf(stderr, "xdp_bench: %s: cannot write\n", stats);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "xdp_bench: test run: %s\n", strerror(-ret));
	ret = 1;
out:
	xdp_state_free(&x);
	sluice_bpf__destroy(skel);
	config_free(x.cfg);
	return ret ? 1 : 0;
}
