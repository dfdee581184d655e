/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbench.h - the harness of xdp_bench (tests/bench/xdp_bench.c): frames from a pcap, the XDP
 * program loaded as `sluice-xdp --replay` loads it, one BPF_PROG_TEST_RUN call (repeat = 1)
 * per frame with the kernel-reported durations summed, the program's counters before and after
 * a case, and the output line xdp_report.py reads.
 */
#ifndef SL_XBENCH_H
#define SL_XBENCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sluice.skel.h"
#include "bpf/xdp_maps.h"

struct xbench_frame {
	uint32_t len;
	uint8_t *data;
};

struct xbench_frames {
	struct xbench_frame *f;
	size_t n, cap;
};

/* Append a copy of data[0..len). 0 or -ENOMEM. */
int xbench_frames_add(struct xbench_frames *fs, const uint8_t *data, uint32_t len);
void xbench_frames_free(struct xbench_frames *fs);
/* Append the frames of a classic pcap of Ethernet frames (gen.py / nlb_gen.py). 0 or -errno. */
int xbench_pcap_read(const char *path, struct xbench_frames *fs);
/*
 * Turn each frame (Ethernet + IPv4 without options) around as its receiver would answer it:
 * Ethernet source = the old destination, destination = mac; IPv4 addresses swapped; with l4,
 * the TCP/UDP ports swapped too. Checksums stay valid (both sums are over the swapped pairs).
 * Frames too short for that are left as they are (the case's verdict check then fails).
 */
void xbench_turn(struct xbench_frames *fs, const uint8_t mac[6], int l4);

/* The program of one config, loaded and filled as sluice-xdp --replay does. */
struct xbench_dp {
	struct xdp_dp x;
	struct sluice_bpf *skel;
};

/* 0, or -errno with the reason on stderr (b half-loaded: xbench_unload() it). */
int xbench_load(struct xbench_dp *b, const char *config);
void xbench_unload(struct xbench_dp *b);
/* The loopback's test runs arrive on config port `port` (by name). 0 or -errno (message). */
int xbench_port(struct xbench_dp *b, unsigned int lo_ifindex, const char *port);
/* Empty the NLB session map sl_sess (not timed: between passes). 0 or -errno. */
int xbench_sessions_clear(struct xbench_dp *b);
/* The trivial program `r0 = XDP_PASS; exit`: its fd, or -errno. */
int xbench_trivial(void);

/* One case: its runs and the program's counters around them. */
struct xbench_result {
	const char *name;
	uint64_t runs, ns, ns_min, ok;
	json_t *before, *after; /* xdp_stats_json() around the case (NULL: trivial) */
};

/*
 * Run frames [from, from + n) of fs through prog, `passes` times, one call each, adding to r.
 * A run counts as ok when its verdict is `want`; with keep, the outputs of the first pass's
 * ok runs are appended to keep. 0 or -errno.
 */
int xbench_run(struct xbench_result *r, int prog, const struct xbench_frames *fs, size_t from,
	       size_t n, unsigned int passes, uint32_t want, struct xbench_frames *keep);
/* r->before / r->after = the counters of b now (before the first / after the last run). */
int xbench_snap(const struct xbench_dp *b, json_t **at);
/*
 * Print "case NAME runs R ns_total T ns_min M verdict_ok K[ events k=v ... drops=D]": every
 * event that moved between before and after, and the sum of all drop counters. Frees the
 * snapshots.
 */
void xbench_print(struct xbench_result *r);

#endif /* SL_XBENCH_H */
