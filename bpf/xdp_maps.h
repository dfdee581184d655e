/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_maps.h - sluice-xdp's state: the loaded BPF object and its maps (found by name), the
 * config written into them, and the published generation of the target state.
 *
 * Generations are dataplane/lib/rt_model.h's struct rt_state, built exactly as sluice-dp builds
 * them (rt_state_build from the config, rt_state_with_target for --events, the control server
 * for sync / update): target slots, tags, modes and Maglev tables are the same by
 * construction. xdp_state_publish() converts one into a new inner map (one struct xdp_group
 * per group) and swaps that into sl_state[0]: atomic for the program, and the old inner map is
 * closed after the update returns, i.e. after an RCU grace period.
 */
#ifndef SL_XDP_MAPS_H
#define SL_XDP_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/lib/config.h"
#include "dataplane/lib/rt_model.h"
#include "bpf/xdp_shared.h"

struct bpf_object;

/* Map fds of the loaded object; -1 for the optional ones (sl_routes6, sl_neigh6) when absent. */
struct xdp_maps {
	int node, ports, portv, attach, routes4, routes6, neigh, neigh6, state, flows, progs, stats,
		tstats, out, local, resolve, frags, nh_used, endpoints, appliances, maglev;
};

/* Everything sluice-xdp owns. */
struct xdp_dp {
	struct config *cfg;
	struct bpf_object *obj;
	struct xdp_maps maps;
	int prog_fd;	    /* the entry program sl_xdp */
	uint32_t inner_max; /* sl_state's inner maps: max_entries (the config's groups), flags */
	uint32_t inner_flags;
	int inner_tmpl_fd; /* until the load: sl_state's inner map template, or -1 */
	void *maglev;	   /* sl_maglev, mapped (xdp_maps_find), maglev_len bytes */
	size_t maglev_len;
	uint32_t maglev_rows;	  /* sl_maglev rows of one group's table: ceil(maglev_size / 4) */
	unsigned int maglev_half; /* the half of sl_maglev the published generation reads */
	struct rt_state *state;	  /* the published generation (rt_model.h) */
	int state_fd;		  /* its inner map, or -1 */
	int replay;		  /* set before xdp_maps_fill(): xdp_node.replay */
	struct xdp_node node;
	/* Per config port: its interface (live) or a stand-in ifindex (replay), MAC, map value. */
	uint32_t ifindex[XDP_MAX_PORTS];
	uint8_t mac[XDP_MAX_PORTS][6];
	struct xdp_port ports[XDP_MAX_PORTS];
	/* Replay: frames the kernel cannot run (shorter than an Ethernet header) count here. */
	uint64_t user_drops[SL_DROP_MAX];
	uint64_t user_rx_pkts[XDP_MAX_PORTS], user_rx_bytes[XDP_MAX_PORTS];
	/* CLOCK_MONOTONIC us around the run (live: attached; replay: the frames): elapsed_s */
	uint64_t run_start_us, run_stop_us;
};

/* The entry program and the tail-call stages (index = enum xdp_stage), by name. */
#define XDP_PROG_ENTRY "sl_xdp"
extern const char *const xdp_stage_names[XDP_STAGE_MAX];

/* What the XDP path cannot take in a config (Maglev size, too many ports...): 0 or -EINVAL. */
int xdp_maps_check_config(const struct config *cfg, char *err, size_t errlen);
/*
 * Before load (x->obj opened, x->cfg set): size the maps the config sizes (sl_flows:
 * node.flow_table_size; sl_maglev, sl_tstats and sl_state's inner maps: the groups and
 * node.maglev_size; sl_attach, sl_endpoints: the attachments; sl_listeners, sl_lstats,
 * sl_replies: the listeners). The config cannot grow them later: a reload that adds a group,
 * an attachment or a listener, or changes node.maglev_size, needs a restart (sluiced refuses
 * it, ctrl/targets_reload.c).
 */
int xdp_maps_size(struct xdp_dp *x, char *err, size_t errlen);
/* After load: x->maps and x->prog_fd, by name; sl_maglev mapped (x->maglev). */
int xdp_maps_find(struct xdp_dp *x, char *err, size_t errlen);
/* Unmap sl_maglev (at exit). */
void xdp_maps_unmap(struct xdp_dp *x);
/*
 * Fill sl_node, sl_ports and sl_portv (x->ifindex / x->mac per port), sl_attach, sl_routes4/6,
 * sl_neigh/6 and sl_progs from x->cfg. 0 or -errno with a message.
 */
int xdp_maps_fill(struct xdp_dp *x, char *err, size_t errlen);
/*
 * Delete sl_frags entries past node.fragment_timeout_ms (core/frag.h; now_us on the program's
 * clock, CLOCK_MONOTONIC), looking at most `budget` entries from where the last call stopped.
 * Live only: a replay's clock is its frames'. Returns how many were deleted.
 */
unsigned int xdp_maps_frag_sweep(struct xdp_dp *x, uint64_t now_us, unsigned int budget);
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
 * *seen: the frame length the entry program saw (its linear part: a test run puts what does
 * not fit one page into fragments the program does not read), or UINT32_MAX if it did not say.
 * 0 or -errno.
 */
int xdp_prog_run(struct xdp_dp *x, int cpu, const void *in, uint32_t len, void *out,
		 uint32_t *out_len, uint32_t *verdict, uint32_t *port, uint32_t *seen);
/* The number of possible CPUs (per-CPU map values), or -errno. */
int xdp_ncpu(void);

/*
 * Group g of generation s (rt_model.h) as the inner map's value: its compiled records
 * (core/gwlb_table.h: the group, its slots), copied whole; maglev_row and maglev_size are the
 * caller's (xdp_state_build). 0, or -EINVAL with a message in err (what the XDP path cannot
 * hold: an IPv6 target, more slots than XDP_GROUP_TARGETS).
 */
int xdp_group_from_rt(const struct rt_state *s, unsigned int g, struct xdp_group *out, char *err,
		      size_t errlen);
/*
 * Group g's Maglev table (m entries: s must have been finalized with maglev_size m, the
 * node's) as n_rows rows of sl_maglev at `rows`: rt_model's uint16_t table byte for byte, the
 * last row's tail (and a group without a table) XDP_MAGLEV_EMPTY.
 */
void xdp_maglev_write(uint16_t *rows, const struct rt_group *g, uint32_t m, uint32_t n_rows);
/*
 * A new inner map holding s, its Maglev tables written into sl_maglev's half `half` (one the
 * program does not read): its fd, or -errno with a message in err.
 */
int xdp_state_build(const struct xdp_dp *x, const struct rt_state *s, unsigned int half, char *err,
		    size_t errlen);
/*
 * Publish s: build its inner map, zero the per-target counters (sl_tstats) of the slots that
 * are fresh in s, swap the map into sl_state[0] (returns after an RCU grace period: no packet
 * uses the old generation any more), close the old inner map and free the old generation.
 * x takes s (freed now on failure, the current generation staying). 0 or -errno with a message
 * in err.
 */
int xdp_state_publish(struct xdp_dp *x, struct rt_state *s, char *err, size_t errlen);
/*
 * Generation 1: rt_state_build() from x->cfg (slots = the config's target indexes, as
 * sluice-dp), published. 0 or -errno with a message in err.
 */
int xdp_state_init(struct xdp_dp *x, char *err, size_t errlen);
/* Close the current inner map and free the generation. */
void xdp_state_free(struct xdp_dp *x);

#endif /* SL_XDP_MAPS_H */
