/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/maps.h - the program's maps (the loader sizes and fills them: bpf/xdp_maps.c,
 * xdp_nlb.c). A max_entries of 1 here is a placeholder: xdp_maps_size sets the map's size
 * from the config before the program loads. Part of the XDP program: included once, in order, by
 * bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_MAPS_H
#define SL_BPF_PROG_MAPS_H

struct bpf_map;

#define SL_AF_INET  2
#define SL_AF_INET6 10

_Static_assert(XDP_RST_SEG_MAX - NAT_RST4_LEN <= 0x3f, "sl_send_built masks lengths");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_node);
} sl_node SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct xdp_port);
} sl_ports SEC(".maps");

/*
 * The same ports by config index (sl_portv[i] = sl_ports[ifindex of port i]): a route names
 * its egress port by index, and an ARRAY lookup is inlined to a bounds check and an add where
 * the hash lookup by ifindex costs a hash and a bucket walk per routed packet.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xdp_port);
} sl_portv SEC(".maps");

/*
 * The node's own addresses: one hash lookup per packet (walking sl_ports for them took a
 * third of the program's time).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_LOCAL_MAX);
	__type(key, struct xdp_local_key);
	__type(value, __u32);
} sl_local SEC(".maps");

/* Next hops bpf_fib_lookup found no neighbour for, for sluice-xdp to resolve (xdp_neigh.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_RESOLVE_MAX);
	__type(key, struct xdp_nh_key);
	__type(value, __u64);
} sl_resolve SEC(".maps");

/*
 * Next hops of the kernel's neighbour table that forwarding used, and when (ns, the clock of
 * bpf_ktime_get_ns): sluice-xdp has the kernel re-validate them (xdp_neigh.h "refresh").
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_NH_USED_MAX);
	__type(key, struct xdp_nh_key);
	__type(value, __u64);
} sl_nh_used SEC(".maps");

/*
 * The inspection attachments and their return tables (bpf/xdp_shared.h, core/gwlb_table.h):
 * sized to the config's attachments.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gwlb_attach);
} sl_attach SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
} sl_endpoints SEC(".maps");

/*
 * The inner map template: the loader creates one per generation, sized to its entries (a
 * HASH inner map's size need not be the template's).
 */
struct sl_appliance_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_appliance_map);
} sl_appliances SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdp_route4_key);
	__type(value, struct xdp_route);
} sl_routes4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdp_route6_key);
	__type(value, struct xdp_route6);
} sl_routes6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct xdp_neigh);
} sl_neigh SEC(".maps");

struct sl_addr6 {
	__u8 a[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sl_addr6);
	__type(value, struct xdp_neigh);
} sl_neigh6 SEC(".maps");

/*
 * The inner map template (the loader replaces it by one of the config's groups before the
 * load: xdp_maps_size). Sizes, not __type(): clang emits struct xdp_group, used only through
 * pointers, as a BTF forward declaration, which libbpf cannot size (and a key type without a
 * value type makes the kernel refuse the map's BTF).
 */
struct sl_groups {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdp_group));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_groups);
} sl_state SEC(".maps");

/*
 * The groups' Maglev tables, two halves of (groups x ceil(node.maglev_size / 4)) rows
 * (struct xdp_maglev_row, bpf/xdp_shared.h). Mmapable: the loader writes a generation's tables
 * with memcpy, not a syscall per row.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdp_maglev_row);
} sl_maglev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct gwlb_pin_key);
	__type(value, __u64);
} sl_flows SEC(".maps");

/*
 * The fragment table (core/frag.h): one map for every CPU, since RSS may hand the fragments
 * of one datagram to different CPUs. HASH, not LRU: a live entry is never evicted for a new
 * datagram (that one goes untracked, frag_table_full). sluice-xdp sizes it
 * node.fragment_table_size and deletes expired entries (xdp_maps_frag_sweep).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct frag_key);
	__type(value, __u64);
} sl_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, XDP_STAGE_MAX);
	__type(key, __u32);
	__type(value, __u32);
} sl_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_scratch);
} sl_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_stats);
} sl_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_GROUP_TARGETS); /* groups x XDP_GROUP_TARGETS */
	__type(key, __u32);
	__type(value, struct xdp_tstats);
} sl_tstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_out);
} sl_out SEC(".maps");

/* Connection termination's RST to the sender, for sluice-xdp to send (struct xdp_rst_ev). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XDP_RST_RING_SIZE);
} sl_rst SEC(".maps");

/* ---- NLB (docs/nlb.md): listeners, NAT sessions (IPv4 and IPv6) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2); /* 2 x listeners */
	__type(key, struct xdp_listener_key);
	__type(value, struct nlb_listener);
} sl_listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_nlbcfg);
} sl_nlbcfg SEC(".maps");

/*
 * Two entries per session (one per direction). The loader sizes it as sluice-dp sizes its
 * session table: max(flow_table_size / 4, 4096) sessions (xdp_maps_size).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct nlb_sess_key);
	__type(value, struct xdp_sess);
} sl_sess SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_lstats);
} sl_lstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_nport);
} sl_nport SEC(".maps");

/* The reply table of the published generation (struct xdp_reply_key, xdp_shared.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_LISTENER_REPLIES); /* listeners x XDP_LISTENER_REPLIES */
	__type(key, struct xdp_reply_key);
	__type(value, struct xdp_reply);
} sl_replies SEC(".maps");

#define SL_NPORT_FIRST 1024
#define SL_NPORT_N     (65535 - SL_NPORT_FIRST + 1)
#define SL_NPORT_TRIES 32

#endif /* SL_BPF_PROG_MAPS_H */
