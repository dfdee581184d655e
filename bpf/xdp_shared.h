/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_shared.h - every struct the XDP program and sluice-xdp share (map keys and values). Plain
 * fixed-size types only, sizes asserted, no pointers. Byte order is said per field. Included by
 * bpf/sluice.bpf.c (clang -target bpf) and by the loader (gcc).
 */
#ifndef SL_XDP_SHARED_H
#define SL_XDP_SHARED_H

#include "dataplane/core/compat.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/gwlb_table.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/nlb_listener.h"
#include "dataplane/core/nlb_rw.h"
#include "dataplane/core/stats.h"

#define XDP_MAX_PORTS	  16
#define XDP_GROUP_TARGETS GWLB_SLOTS	 /* = CFG_GROUP_TARGETS_MAX */
#define XDP_CHAIN_MAX	  GWLB_CHAIN_MAX /* = CFG_CHAIN_MAX */
#define XDP_PORT_ADDRS	  8
#define XDP_MAGLEV_EMPTY  GWLB_MAGLEV_EMPTY
/*
 * Groups, attachments and listeners have no limit of their own: the loader sizes their maps
 * from the config (xdp_maps_size). What bounds them is an index field of 16 bits (a listener's
 * group and attachment, NLB_NO_INSPECT, a session's listener): at most XDP_MAX_INDEX of each.
 */
#define XDP_MAX_INDEX 0xffff

/*
 * Tail-call stages (index into sl_progs); the programs in sluice.bpf.c are sl_gw_encap,
 * sl_gw_return, sl_nlb, sl_icmp, and the entry sl_xdp (not in sl_progs).
 */
enum xdp_stage {
	XDP_STAGE_GW_ENCAP = 0, /* choose the appliance, build GENEVE, send */
	XDP_STAGE_GW_RETURN,	/* validate a GENEVE return, next in chain or forward */
	XDP_STAGE_NLB,		/* listener traffic and target replies */
	XDP_STAGE_ICMP,		/* ICMP errors about a flow: follow the flow */
	XDP_STAGE_NLB_TERM,	/* connection termination: a RST each way (one via sl_rst) */
	XDP_STAGE_NLB_REPLY,	/* transit TCP/UDP of no session: a target's reply to adopt? */
	XDP_STAGE_TOO_BIG,	/* too big for its egress port: the ICMP error, NAT undone */
	XDP_STAGE_MAX,
};

/* sl_node[0]. */
struct xdp_node {
	uint8_t secret[16];   /* cookie SipHash key */
	uint32_t geneve_src;  /* IPv4, network order; 0 = the egress port's first IPv4 address */
	uint32_t zone_ip4;    /* this node's zone IP (listeners), network order; 0 if none */
	uint8_t zone_ip6[16]; /* or IPv6 */
	uint8_t zone_family;  /* 0, 4 or 6 */
	uint8_t ttl;	      /* outer TTL */
	uint8_t n_attach;
	uint8_t replay;		  /* 1: record egress in sl_out instead of redirecting */
	uint32_t frag_timeout_ms; /* node.fragment_timeout_ms (sl_frags, core/frag.h) */
	uint64_t clock_us;	  /* replay: the frame's timestamp; 0 = bpf_ktime_get_ns() / 1000 */
};
_Static_assert(sizeof(struct xdp_node) == 56, "xdp_node size");

/* sl_ports[ifindex]. */
struct xdp_port {
	uint32_t index;	  /* the config's port index (counters, replay output) */
	uint32_t ifindex; /* for bpf_redirect */
	uint8_t mac[6];
	uint16_t mtu;	/* L3 MTU */
	int32_t attach; /* inspection attachment whose `from` names this port, or -1 */
	uint32_t addr4[XDP_PORT_ADDRS]; /* network order, 0 = unused */
	uint8_t plen4[XDP_PORT_ADDRS];
	uint8_t addr6[XDP_PORT_ADDRS][16];
	uint8_t plen6[XDP_PORT_ADDRS];
	uint32_t geneve_src; /* GENEVE sent out of this port comes from here: node.geneve_address,
			      * else addr4[0] (network order; sluice-dp's wk_geneve_src) */
};
_Static_assert(sizeof(struct xdp_port) == 200, "xdp_port size");

/* lib/localtab.h: every port address, its IPv4 subnet's edges, the zone IP, other zones' IPs */
#define XDP_LOCAL_MAX	     (XDP_MAX_PORTS * XDP_PORT_ADDRS * 3 + 1 + 64)
#define XDP_LOCAL_KIND_SHIFT 24 /* an sl_local value: port index | SL_DST_* kind << 24 */

/*
 * sl_local key: an address lib/localtab.h lists (localtab_compile: the ports' addresses, this
 * node's zone IP, the ports' IPv4 subnets' network and broadcast addresses, the other zones'
 * IPs); value its port index | its kind (core/classify.h SL_DST_*) << XDP_LOCAL_KIND_SHIFT.
 */
struct xdp_local_key {
	uint8_t family; /* 4 or 6 */
	uint8_t pad[3];
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes, the rest 0 */
};
_Static_assert(sizeof(struct xdp_local_key) == 20, "xdp_local_key size");

/* sl_resolve key: a next hop the kernel has no neighbour entry for (xdp_neigh.h). */
#define XDP_RESOLVE_MAX 1024
/*
 * sl_nh_used: next hops in the kernel's table that forwarding used (xdp_neigh.h); the value is
 * the last use (ns, bpf_ktime_get_ns), rewritten at most every XDP_NH_USED_GRAIN_NS.
 */
#define XDP_NH_USED_MAX	     4096
#define XDP_NH_USED_GRAIN_NS 500000000ull
struct xdp_nh_key {
	uint32_t ifindex; /* where the kernel would resolve it */
	uint8_t family;	  /* 4 or 6 */
	uint8_t pad[3];
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct xdp_nh_key) == 24, "xdp_nh_key size");

/*
 * sl_attach[i]: core/gwlb_table.h struct gwlb_attach (rt_model's compiled attachments).
 * sl_endpoints: endpoint ID (u64) -> attachment index (u32). sl_appliances[0]: the published
 * generation's return table, a HASH gwlb_ret_key (u64) -> gwlb_ret_val (u32), swapped whole
 * at each publish (xdp_state_publish).
 */

/* sl_routes4: LPM key and value. */
struct xdp_route4_key {
	uint32_t prefixlen;
	uint32_t addr; /* network order */
};
struct xdp_route {
	uint32_t port;	  /* egress port index */
	uint32_t ifindex; /* egress ifindex */
	uint32_t via;	  /* next hop, network order; 0 = on-link (the destination itself) */
	uint32_t pad;
};
_Static_assert(sizeof(struct xdp_route) == 16, "xdp_route size");

/*
 * sl_routes6 (LPM_TRIE, added by the BPF side for IPv6 inner packets forwarded after a GENEVE
 * return): key and value. Like sl_routes4 it holds the connected subnets of every port (via
 * all zero) and the config's routes; a /0 is a plain prefixlen 0 entry (the LPM trie takes it).
 */
struct xdp_route6_key {
	uint32_t prefixlen;
	uint8_t addr[16];
};
struct xdp_route6 {
	uint32_t port;	  /* egress port index */
	uint32_t ifindex; /* egress ifindex */
	uint8_t via[16];  /* next hop; all zero = on-link (the destination itself) */
};
_Static_assert(sizeof(struct xdp_route6) == 24, "xdp_route6 size");

/* sl_neigh: IPv4 (network order) -> MAC; sl_neigh6: IPv6 (16 bytes) -> MAC (static ones). */
struct xdp_neigh {
	uint8_t mac[6];
	uint16_t pad;
};
_Static_assert(sizeof(struct xdp_neigh) == 8, "xdp_neigh size");

/* One target slot: core/gwlb_table.h's (the name the NLB stages use). */
#define xdp_target gwlb_target

/*
 * One group of one generation: inner map sl_state -> ARRAY[the config's groups] of this (an
 * inner map must have the template's max_entries and flags: no BPF_F_INNER_MAP; the loader
 * makes the template, xdp_maps_size). The head is core/gwlb_table.h's struct gwlb_group,
 * readable as `gw` or field by field; then the group's compiled slots, copied whole from
 * rt_model (xdp_group_from_rt), and where its Maglev table is in sl_maglev.
 */
struct xdp_group {
	union {
		struct gwlb_group gw;
		struct {
			GWLB_GROUP_FIELDS;
		};
	};
	struct gwlb_target targets[XDP_GROUP_TARGETS];
	uint32_t maglev_row;  /* the table's first row in sl_maglev */
	uint32_t maglev_size; /* its entries: node.maglev_size (M) */
};
_Static_assert(__builtin_offsetof(struct xdp_group, targets) == sizeof(struct gwlb_group),
	       "xdp_group: the compiled group, then its slots");
_Static_assert(sizeof(struct xdp_group) == 40 + 48 * XDP_GROUP_TARGETS + 8, "xdp_group size");

/*
 * sl_maglev (ARRAY, mmapable): the Maglev tables of rt_model, byte for byte (the uint16_t
 * table sluice-dp reads, entry i of group g at row g.maglev_row + i / XDP_MAGLEV_ROW, lane
 * i % XDP_MAGLEV_ROW). An array element is 8 bytes at least: 4 entries a row waste nothing.
 * Two halves of groups x ceil(M / 4) rows each: a generation is written into the half the
 * published one does not use, then its groups (which name that half) are swapped in; the
 * swap's RCU wait (xdp_state_publish) frees the other half for the next generation.
 */
#define XDP_MAGLEV_ROW 4
struct xdp_maglev_row {
	uint16_t e[XDP_MAGLEV_ROW]; /* target slot, or XDP_MAGLEV_EMPTY */
};
_Static_assert(sizeof(struct xdp_maglev_row) == 8, "xdp_maglev_row size");

/* sl_stats[0] (per CPU). */
struct xdp_stats {
	uint64_t drops[SL_DROP_MAX];
	uint64_t events[SL_EV_MAX];
	uint64_t rx_pkts[XDP_MAX_PORTS], rx_bytes[XDP_MAX_PORTS];
	uint64_t tx_pkts[XDP_MAX_PORTS], tx_bytes[XDP_MAX_PORTS];
};

/* sl_tstats[group * XDP_GROUP_TARGETS + slot] (per CPU). */
struct xdp_tstats {
	uint64_t pkts, bytes, flows;
	uint64_t returns; /* GENEVE returns accepted from the appliance (sluice-dp's t_returns) */
};
_Static_assert(sizeof(struct xdp_tstats) == 32, "xdp_tstats size");

/* sl_out[0] (per CPU, replay): where the last frame went. */
struct xdp_out {
	uint32_t port; /* egress port index */
	uint32_t action;
	uint32_t seen; /* the frame's length as the entry program saw it (linear part) */
	uint32_t pad;  /* per-CPU values are copied in multiples of 8 bytes */
};
_Static_assert(sizeof(struct xdp_out) == 16, "xdp_out size");

/*
 * sl_rst (BPF ring buffer) record: connection termination's RST to the segment's sender. An
 * XDP program sends one frame per packet, and the frame becomes the RST to the other end; this
 * one is built by sluice-xdp with core/nat.h nat_tcp_rst over `seg` (the segment as received:
 * the RST's addresses, ports and seq/ack all come from it) and sent on `ifindex` (live:
 * AF_PACKET) or written to port `port`'s pcap (replay). Counted by the program when recorded
 * (nlb_rst_sent, the port's tx); a full ring counts nlb_rst_ring_full instead. IPv4 or IPv6 (the
 * IP version is the segment's first nibble).
 */
#define XDP_RST_SEG_MAX	  80 /* an IPv4 header with options (60) or IPv6's (40) + 20 TCP bytes */
#define XDP_RST_RING_SIZE (256 * 1024) /* bytes: ~2400 records; a power of 2, pages */
struct xdp_rst_ev {
	uint8_t seg[XDP_RST_SEG_MAX]; /* IP header + 20 TCP bytes; the rest is not written */
	uint16_t l4_off;	      /* TCP header offset in seg: the IP header length */
	uint16_t l3_len;	      /* the segment's IP length (its payload counts in the ack) */
	uint8_t dmac[6], smac[6];     /* the RST's Ethernet header */
	uint32_t port;		      /* egress port index */
	uint32_t ifindex;	      /* egress interface (live) */
};
_Static_assert(sizeof(struct xdp_rst_ev) == 104, "xdp_rst_ev size");

/* ---- NLB (docs/nlb.md): listeners, sessions, counters; IPv4 and IPv6 ---- */

/*
 * sl_listeners key: a tcp_udp listener has one entry per protocol; port 0 = `port: all`. The
 * value: core/nlb_listener.h's struct nlb_listener (dataplane/lib/rt_model.c compiles it).
 */
struct xdp_listener_key {
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t pad;
	uint16_t port; /* host order, 0 = all */
};
_Static_assert(sizeof(struct xdp_listener_key) == 4, "xdp_listener_key size");

/*
 * sl_nlbcfg[0]: whether NLB runs at all. (The other zones' IPs are in sl_local, kind
 * SL_DST_OTHER_ZONE: lib/localtab.h.)
 */
struct xdp_nlbcfg {
	uint32_t n_listeners;
	uint32_t n_replies; /* entries in sl_replies (0: no transit packet is looked up there) */
};
_Static_assert(sizeof(struct xdp_nlbcfg) == 8, "xdp_nlbcfg size");

/* sl_sess (LRU_HASH) key: one direction of a session, core/nlb.h's struct nlb_sess_key. */

/*
 * Directions NLB_DIR_* (the client entry is the primary one: last_seen, flags) and flags
 * NLB_SF_* (core/nlb.h).
 */

/*
 * sl_sess value. A session is two entries, one per direction, each with the other direction's
 * key and which ends this direction rewrites (its rewrite is core/nlb_rw.h nlb_rw_of of the
 * two): a reply finds the client entry (which holds the session's clock and flags) through
 * `other`; an ICMP error's quote is rewritten to `other`. 64 bytes, a cache line: the element
 * (the kernel's header, key, value) is 152 bytes, not 192 with a whole struct nat_rewrite.
 */
struct xdp_sess {
	struct nlb_sess_key other; /* the other direction's key */
	uint64_t last_seen;	   /* us; client entry only */
	uint32_t tag;		   /* the target's tag when the session began: a mismatch = gone */
	uint16_t listener, group;
	uint16_t nport;	  /* source-NAT port, with NLB_SF_SNAT */
	uint16_t inspect; /* the listener's attachment (replies go through it), or NLB_NO_INSPECT */
	uint8_t dir;	  /* NLB_DIR_* */
	uint8_t flags;	  /* NLB_SF_*; client entry only */
	uint8_t rw_ends;  /* NLB_RW_*: the ends this direction's rewrite sets (core/nlb_rw.h) */
	uint8_t pad;
};
_Static_assert(sizeof(struct xdp_sess) == 64, "xdp_sess size");

/*
 * sl_replies (HASH): dataplane/lib/rt_model.h's reply table of the published generation,
 * written by sluice-xdp at each publish (xdp_nlb_replies_sync). A reply
 * of no session looks up its source address and port, then port 0 (core/nlb.h).
 */
/* sl_replies entries a listener can make, at most (sized: listeners x this) */
#define XDP_LISTENER_REPLIES (2 * XDP_GROUP_TARGETS)

struct xdp_reply_key {
	uint8_t family;	  /* 4 or 6 */
	uint8_t proto;	  /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port;	  /* the reply's source port (host order), 0 = any */
	uint8_t addr[16]; /* the target, network order; IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct xdp_reply_key) == 20, "xdp_reply_key size");

struct xdp_reply {
	struct nlb_reply_owner own;
	uint16_t inspect; /* the listener's attachment, or NLB_NO_INSPECT */
	uint8_t lflags;	  /* the listener's NLB_LF_* */
	uint8_t pad;
};
_Static_assert(sizeof(struct xdp_reply) == 16, "xdp_reply size");

/* sl_lstats[listener] (per CPU). */
struct xdp_lstats {
	uint64_t pkts, bytes, flows, drops;
	uint64_t dreasons[SL_DROP_MAX];
};
_Static_assert(sizeof(struct xdp_lstats) == 8 * (4 + SL_DROP_MAX), "xdp_lstats size");

/* sl_nport[0] (per CPU): the source-NAT port cursor; 0 = not started. */
struct xdp_nport {
	uint32_t next;
	uint32_t pad;
};
_Static_assert(sizeof(struct xdp_nport) == 8, "xdp_nport size");

#endif /* SL_XDP_SHARED_H */
