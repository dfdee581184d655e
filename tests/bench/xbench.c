/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbench.c - the harness of xdp_bench (xbench.h).
 *
 * Every run is one BPF_PROG_TEST_RUN call with repeat = 1: with repeat > 1 the kernel runs the
 * program again on the buffer the previous run rewrote (an encapsulated frame encapsulated
 * again, a translated packet translated again...), so each call gets a fresh frame and the
 * kernel-reported durations are summed. The duration the kernel reports for one call includes
 * its own per-call work around the program (timer, xdp_buff setup); the trivial program shows
 * how much that is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "tests/bench/xbench.h"
#include "bpf/xdp_nlb.h"
#include "bpf/xdp_replay.h"
#include "bpf/xdp_stats.h"

#define XBENCH_OUT_MAX	 4096
#define XBENCH_SNAP_MAX	 262144
#define XBENCH_CLEAR_MAX 8192

int xbench_frames_add(struct xbench_frames *fs, const uint8_t *data, uint32_t len)
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

void xbench_frames_free(struct xbench_frames *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		free(fs->f[i].data);
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

int xbench_pcap_read(const char *path, struct xbench_frames *fs)
{
	uint8_t hdr[24], rec[16], *buf = NULL;
	uint32_t magic, caplen;
	int swap, ret = 0;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	if (fread(hdr, 1, 24, f) != 24) {
		ret = -EINVAL;
		goto out;
	}
	memcpy(&magic, hdr, 4);
	if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) {
		swap = 0;
	} else if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) {
		swap = 1;
	} else {
		ret = -EINVAL;
		goto out;
	}
	buf = malloc(XBENCH_SNAP_MAX);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (fread(rec, 1, 16, f) == 16) {
		memcpy(&caplen, rec + 8, 4);
		if (swap)
			caplen = __builtin_bswap32(caplen);
		if (caplen > XBENCH_SNAP_MAX || fread(buf, 1, caplen, f) != caplen) {
			ret = -EINVAL;
			break;
		}
		ret = xbench_frames_add(fs, buf, caplen);
		if (ret)
			break;
	}
out:
	free(buf);
	fclose(f);
	return ret;
}

/* Swap n bytes at a and b. */
static void xbench_swap(uint8_t *a, uint8_t *b, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		uint8_t t = a[k];

		a[k] = b[k];
		b[k] = t;
	}
}

void xbench_turn(struct xbench_frames *fs, const uint8_t mac[6], int l4)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		uint8_t *d = fs->f[i].data;

		/* Ethernet 14, IPv4 20 (IHL 5), ports 4 */
		if (fs->f[i].len < 38 || d[12] != 0x08 || d[13] != 0x00 || d[14] != 0x45)
			continue;
		/* byte loops: gcc's -Warray-bounds (with sanitizers) sees no size for d */
		for (size_t k = 0; k < 6; k++) {
			d[6 + k] = d[k];
			d[k] = mac[k];
		}
		xbench_swap(d + 26, d + 30, 4);
		if (l4)
			xbench_swap(d + 34, d + 36, 2);
	}
}

/* --- the loader: sluice-xdp --replay's steps (bpf/xdp_main.c) ------------------------------ */

int xbench_load(struct xbench_dp *b, const char *config)
{
	struct xdp_dp *x = &b->x;
	char err[1024] = "";
	unsigned int i;
	int ret;

	memset(b, 0, sizeof(*b));
	x->state_fd = -1;
	x->prog_fd = -1;
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
	b->skel = sluice_bpf__open();
	if (!b->skel) {
		ret = -errno;
		snprintf(err, sizeof(err), "opening the BPF object: %s", strerror(errno));
		goto fail;
	}
	x->obj = b->skel->obj;
	ret = xdp_maps_size(x, err, sizeof(err));
	if (ret)
		goto fail;
	ret = sluice_bpf__load(b->skel);
	if (ret) {
		snprintf(err, sizeof(err), "loading the BPF program: %s", strerror(-ret));
		goto fail;
	}
	ret = xdp_maps_find(x, err, sizeof(err));
	if (!ret)
		ret = xdp_maps_fill(x, err, sizeof(err));
	if (!ret)
		ret = xdp_nlb_init(x, err, sizeof(err));
	if (!ret)
		ret = xdp_state_init(x, err, sizeof(err)); /* generation 1, as sluice-dp's */
	if (ret)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "xdp_bench: %s: %s\n", config, err[0] ? err : strerror(-ret));
	return ret ? ret : -EINVAL;
}

void xbench_unload(struct xbench_dp *b)
{
	xdp_state_free(&b->x);
	xdp_maps_unmap(&b->x);
	sluice_bpf__destroy(b->skel);
	config_free(b->x.cfg);
	memset(b, 0, sizeof(*b));
}

int xbench_port(struct xbench_dp *b, unsigned int lo_ifindex, const char *port)
{
	int p = config_port_index(b->x.cfg, port);
	int ret;

	if (p < 0) {
		fprintf(stderr, "xdp_bench: the config has no port %s\n", port);
		return -ENOENT;
	}
	ret = xdp_port_map(&b->x, lo_ifindex, (unsigned int)p);
	if (ret)
		fprintf(stderr, "xdp_bench: mapping loopback to port %s: %s\n", port,
			strerror(-ret));
	return ret;
}

int xbench_sessions_clear(struct xbench_dp *b)
{
	static struct nlb_sess_key keys[XBENCH_CLEAR_MAX];
	static struct xdp_sess vals[XBENCH_CLEAR_MAX];
	int fd = bpf_map__fd(b->skel->maps.sl_sess), ret;
	struct nlb_sess_key k;
	uint32_t batch, count;
	void *in = NULL;

	do {
		count = XBENCH_CLEAR_MAX;
		ret = bpf_map_lookup_and_delete_batch(fd, in, &batch, keys, vals, &count, NULL);
		in = &batch;
	} while (!ret);
	if (ret != -ENOENT)
		return ret;
	/* empty now: nothing else runs the program */
	if (!bpf_map_get_next_key(fd, NULL, &k))
		return -ENOTEMPTY;
	return 0;
}

/* r0 = XDP_PASS; exit */
int xbench_trivial(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "sl_trivial", "GPL", insns, 2, NULL);

	return fd < 0 ? -errno : fd;
}

/* --- measuring ---------------------------------------------------------------------------- */

int xbench_run(struct xbench_result *r, int prog, const struct xbench_frames *fs, size_t from,
	       size_t n, unsigned int passes, uint32_t want, struct xbench_frames *keep)
{
	uint8_t out[XBENCH_OUT_MAX];
	unsigned int p;
	size_t i;
	int ret;

	if (!r->runs)
		r->ns_min = UINT64_MAX;
	if (from > fs->n || n > fs->n - from) {
		fprintf(stderr, "xdp_bench: case %s: frames %zu..%zu of %zu\n", r->name, from,
			from + n, fs->n);
		return -EINVAL;
	}
	for (p = 0; p < passes; p++) {
		for (i = from; i < from + n; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = fs->f[i].data,
				    .data_size_in = fs->f[i].len, .data_out = out,
				    .data_size_out = sizeof(out), .repeat = 1);

			if (bpf_prog_test_run_opts(prog, &t)) {
				ret = -errno;
				fprintf(stderr, "xdp_bench: case %s: test run: %s\n", r->name,
					strerror(-ret));
				return ret;
			}
			r->runs++;
			r->ns += t.duration;
			if (t.duration < r->ns_min)
				r->ns_min = t.duration;
			if (t.retval != want)
				continue;
			r->ok++;
			if (keep && p == 0) {
				ret = xbench_frames_add(keep, out, t.data_size_out);
				if (ret) {
					fprintf(stderr, "xdp_bench: out of memory\n");
					return ret;
				}
			}
		}
	}
	return 0;
}

int xbench_snap(const struct xbench_dp *b, json_t **at)
{
	int err = 0;

	json_decref(*at);
	*at = xdp_stats_json(&b->x, &err);
	if (*at)
		return 0;
	err = err ? err : -ENOMEM;
	fprintf(stderr, "xdp_bench: reading the counters: %s\n", strerror(-err));
	return err;
}

/* Counter `key` of group `group` after minus before. */
static int64_t xbench_delta(const struct xbench_result *r, const char *group, const char *key)
{
	json_t *b = json_object_get(json_object_get(r->before, group), key);
	json_t *a = json_object_get(json_object_get(r->after, group), key);

	return (int64_t)(json_integer_value(a) - json_integer_value(b));
}

void xbench_print(struct xbench_result *r)
{
	json_t *v;
	const char *k;
	int64_t d, drops = 0;

	printf("case %s runs %" PRIu64 " ns_total %" PRIu64 " ns_min %" PRIu64
	       " verdict_ok %" PRIu64,
	       r->name, r->runs, r->ns, r->runs ? r->ns_min : 0, r->ok);
	if (r->before && r->after) {
		printf(" events");
		json_object_foreach(json_object_get(r->after, "events"), k, v)
		{
			d = xbench_delta(r, "events", k);
			if (d)
				printf(" %s=%" PRId64, k, d);
		}
		json_object_foreach(json_object_get(r->after, "drops"), k, v) drops +=
			xbench_delta(r, "drops", k);
		printf(" drops=%" PRId64, drops);
	}
	printf("\n");
	fflush(stdout);
	json_decref(r->before);
	json_decref(r->after);
	r->before = r->after = NULL;
}
