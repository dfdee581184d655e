/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_replay.h - sluice-xdp --replay: run captured frames through the XDP program with
 * BPF_PROG_TEST_RUN, no interface needed. The inputs (one pcap per port) are merged by
 * timestamp (ties: in the order given); each frame runs with xdp_node.replay = 1, clock_us =
 * its timestamp and the namespace's loopback ifindex mapped to its port in sl_ports. What the
 * program transmits (XDP_TX, XDP_REDIRECT: the port it recorded in sl_out) is written to that
 * port's pcap with the input frame's timestamp; XDP_PASS frames to --pass-out if given;
 * XDP_DROP and XDP_ABORTED are counted. --events FILE (lines `TIME GROUP TARGET STATE`, as
 * sluice-dp) publishes a new generation before the first frame at or after each TIME.
 */
#ifndef SL_XDP_REPLAY_H
#define SL_XDP_REPLAY_H

#include <stddef.h>

#include "bpf/xdp_maps.h"

struct xdp_replay_file {
	const char *port; /* config port name */
	const char *path;
};

struct xdp_replay_opts {
	struct xdp_replay_file *in; /* --replay FILE --port NAME */
	unsigned int n_in;
	struct xdp_replay_file *out; /* --out-port NAME=FILE */
	unsigned int n_out;
	const char *out_all;  /* --out FILE: every port without an --out-port of its own */
	const char *pass_out; /* --pass-out FILE: XDP_PASS frames */
	const char *events;   /* --events FILE */
	int quiet;
};

/* The stand-in ifindex of config port i in a replay (no such interface exists). */
#define XDP_REPLAY_IFINDEX(i) (0x7fff0000u + (unsigned int)(i))

/* Check the options against x->cfg (ports exist, events parse). 0 or -errno with a message. */
int xdp_replay_check(const struct xdp_dp *x, const struct xdp_replay_opts *o, char *err,
		     size_t errlen);
/* Run the replay on a loaded and filled x. 0 or -errno with a message. */
int xdp_replay_run(struct xdp_dp *x, const struct xdp_replay_opts *o, char *err, size_t errlen);

#endif /* SL_XDP_REPLAY_H */
