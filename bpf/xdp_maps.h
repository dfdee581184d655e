/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_maps.h - sluice-xdp's state: the loaded BPF object and its maps (found by name), the
 * config written into them, and generations of the target state. A generation is one
 * struct xdp_group per target group; xdp_state_publish() writes it into a new inner map and
 * swaps that into sl_state[0] (atomic for the program; the old inner map is closed after the
 * update returns, i.e. after an RCU grace period).
 *
 * Target slots are the config's target indexes with incarnation 0 (tag = slot), exactly as
 * sluice-dp builds its first generation from a config (dataplane/rt.c), and the Maglev table
 * is core/maglev.h's, so both dataplanes pick the same target for the same flow.
 */
#ifndef SL_XDP_MAPS_H
#define SL_XDP_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "xdp_shared.h"

struct bpf_object;

/* The group modes: the values of enum rt_group_mode (dataplane/dp.h needs DPDK headers). */
enum xdp_group_mode {
	XDP_GROUP_NORMAL = 0, /* Maglev over the eligible targets */
	XDP_GROUP_FAIL_OPEN,  /* none eligible: Maglev over the fail-open candidates */
	XDP_GROUP_DROP,	      /* none eligible, policy drop */
	XDP_GROUP_BYPASS,     /* none eligible, policy bypass */
	XDP_GROUP_NO_TARGET,  /* no candidate at all */
};

/* Map fds of the loaded object; -1 for the optional ones (sl_routes6, sl_neigh6) when absent. */
struct xdp_maps {
	int node, ports, attach, routes4, routes6, neigh, neigh6, state, flows, progs, stats,
		tstats, out;
};

/* One generation of the target state, as the inner map holds it. */
struct xdp_gen {
	uint64_t generation;
	unsigned int n_groups;
	struct xdp_group *groups; /* [n_groups] */
};

/* Everything sluice-xdp owns. */
struct xdp_dp {
	struct config *cfg;
	struct bpf_object *obj;
	struct xdp_maps maps;
	int prog_fd;	    /* the entry program sl_xdp */
	uint32_t inner_max; /* sl_state's inner map template: max_entries, flags */
	uint32_t inner_flags;
	struct xdp_gen *gen; /* the published generation */
	int state_fd;	     /* its inner map, or -1 */
	int replay;	     /* set before xdp_maps_fill(): xdp_node.replay */
	struct xdp_node node;
	/* Per config port: its interface (live) or a stand-in ifindex (replay), MAC, map value. */
	uint32_t ifindex[XDP_MAX_PORTS];
	uint8_t mac[XDP_MAX_PORTS][6];
	struct xdp_port ports[XDP_MAX_PORTS];
	/* Replay: frames the kernel cannot run (shorter than an Ethernet header) count here. */
	uint64_t user_drops[SL_DROP_MAX];
	uint64_t user_rx_pkts[XDP_MAX_PORTS], user_rx_bytes[XDP_MAX_PORTS];
};

/* The entry program and the tail-call stages (index = enum xdp_stage), by name. */
#define XDP_PROG_ENTRY "sl_xdp"
extern const char *const xdp_stage_names[XDP_STAGE_MAX];

/* What the XDP path cannot take in a config (Maglev size, too many ports...): 0 or -EINVAL. */
int xdp_maps_check_config(const struct config *cfg, char *err, size_t errlen);
/*
 * Before load (x->obj opened, x->cfg set): size the maps the config sizes (sl_flows:
 * node.flow_table_size) and read sl_state's inner map template.
 */
int xdp_maps_size(struct xdp_dp *x, char *err, size_t errlen);
/* After load: x->maps and x->prog_fd, by name. */
int xdp_maps_find(struct xdp_dp *x, char *err, size_t errlen);
/*
 * Fill sl_node, sl_ports (x->ifindex / x->mac per port), sl_attach, sl_routes4/6,
 * sl_neigh/6 and sl_progs from x->cfg. 0 or -errno with a message.
 */
int xdp_maps_fill(struct xdp_dp *x, char *err, size_t errlen);
/* sl_node[0] = x->node (the replay updates clock_us per frame). */
int xdp_node_update(struct xdp_dp *x);
/* sl_ports[ifindex] = config port `port`'s entry (the replay maps loopback to its port). */
int xdp_port_map(struct xdp_dp *x, uint32_t ifindex, unsigned int port);

/*
 * XDP verdicts: enum xdp_action of <linux/bpf.h> (a header that cannot meet libpcap's
 * <pcap/bpf.h> in one file).
 */
enum xdp_verdict {
	XDP_V_ABORTED = 0,
	XDP_V_DROP,
	XDP_V_PASS,
	XDP_V_TX,
	XDP_V_REDIRECT,
};

/*
 * Run one frame through the entry program (BPF_PROG_TEST_RUN, the caller pinned to CPU `cpu`).
 * *out_len: in, the room at out; out, the frame the program left. *verdict: enum xdp_verdict;
 * *port: for TX and REDIRECT, the port the program recorded in sl_out, or UINT32_MAX.
 * 0 or -errno.
 */
int xdp_prog_run(struct xdp_dp *x, int cpu, const void *in, uint32_t len, void *out,
		 uint32_t *out_len, uint32_t *verdict, uint32_t *port);
/* The number of possible CPUs (per-CPU map values), or -errno. */
int xdp_ncpu(void);

/* Generation 1 from the config; NULL on allocation failure. */
struct xdp_gen *xdp_gen_build(const struct config *cfg);
/*
 * The next generation: g with target `target` of group `group` in `state` (enum target_state)
 * since now_us, every group's mode and Maglev table recomputed. NULL on allocation failure.
 */
struct xdp_gen *xdp_gen_with_target(const struct xdp_gen *g, const struct config *cfg,
				    unsigned int group, unsigned int target, uint8_t state,
				    uint64_t now_us);
void xdp_gen_free(struct xdp_gen *g);
/* A new inner map holding g: its fd, or -errno. */
int xdp_state_build(const struct xdp_dp *x, const struct xdp_gen *g);
/*
 * Publish g: build its inner map, swap it into sl_state[0], close the old one. x takes g
 * (freed now on failure, or later when replaced). 0 or -errno.
 */
int xdp_state_publish(struct xdp_dp *x, struct xdp_gen *g);
/* Close the current inner map and free the generation. */
void xdp_state_free(struct xdp_dp *x);

#endif /* SL_XDP_MAPS_H */
