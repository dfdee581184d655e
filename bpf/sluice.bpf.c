/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice.bpf.c - the XDP dataplane: the inspection (GWLB) path of sluice-dp as XDP programs.
 *
 * sl_xdp (entry): parse, count, classify. Not sluice's (unknown interface, ARP, ND, ping and
 * anything else to our addresses that is not a GENEVE return) -> XDP_PASS: the kernel answers.
 * Transit traffic on a port with an attachment -> tail call sl_gw_encap; UDP 6081 to one of
 * our addresses -> tail call sl_gw_return. The stages are separate programs (sl_progs) so that
 * each stays under the verifier's limits; they hand the parsed packet over in sl_scratch.
 *
 * The decisions are dataplane/core's (parsers, flow keys, hash, cookie, GENEVE, verdicts);
 * this file only moves bytes, as dataplane/dpdk/gw.c and local.c do for DPDK (docs/dataplane.md).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dataplane/core/arp.h"
#include "dataplane/core/cookie.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/icmp.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/nd.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"
#include "bpf/sluice.bpf.h"

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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_MAX_ATTACH);
	__type(key, __u32);
	__type(value, struct xdp_attach);
} sl_attach SEC(".maps");

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
 * The inner map template. Sizes, not __type(): clang emits struct xdp_group, used only through
 * pointers, as a BTF forward declaration, which libbpf cannot size (and a key type without a
 * value type makes the kernel refuse the map's BTF).
 */
struct sl_groups {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_MAX_GROUPS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdp_group));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_groups);
} sl_state SEC(".maps");

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
	__uint(max_entries, (XDP_MAX_GROUPS * XDP_GROUP_TARGETS));
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

/* ---- helpers shared by the stages ---- */

/* Everything a stage needs from the maps; a miss means the loader has not set up yet. */
struct sl_env {
	struct xdp_node *node;
	struct xdp_stats *st;
	struct sl_scratch *s;
};

static __always_inline int sl_env_get(struct sl_env *e)
{
	__u32 zero = 0;

	e->node = bpf_map_lookup_elem(&sl_node, &zero);
	e->st = bpf_map_lookup_elem(&sl_stats, &zero);
	e->s = bpf_map_lookup_elem(&sl_scratch, &zero);
	return e->node && e->st && e->s ? 0 : -1;
}

static __always_inline int sl_drop(struct sl_env *e, __u32 why)
{
	/* clang drops the test when why comes from a constant table; the verifier needs it */
	asm volatile("" : "+r"(why));
	if (why < SL_DROP_MAX)
		e->st->drops[why]++;
	return XDP_DROP;
}

static __always_inline void sl_event(struct sl_env *e, __u32 ev)
{
	if (ev < SL_EV_MAX)
		e->st->events[ev]++;
}

/* To the kernel (XDP_PASS): counted kernel_in, as sluice-dp's hand-over to its TAP. */
static __always_inline int sl_pass(struct sl_env *e)
{
	e->st->events[SL_EV_KERNEL_IN]++;
	return XDP_PASS;
}

static __always_inline __u32 sl_frame_len(struct xdp_md *ctx)
{
	return (__u32)(ctx->data_end - ctx->data);
}

/*
 * Send the frame out of port index `port` (ifindex). A replay records the port in sl_out and
 * returns XDP_TX for the loader to read; live, XDP_TX back out of the ingress interface or a
 * redirect to another one.
 */
static __always_inline int sl_send(struct xdp_md *ctx, struct sl_env *e, __u32 port, __u32 ifindex)
{
	__u32 zero = 0, len = sl_frame_len(ctx);
	int act = ifindex == ctx->ingress_ifindex ? XDP_TX : XDP_REDIRECT;
	struct xdp_out *o;

	if (port < XDP_MAX_PORTS) {
		e->st->tx_pkts[port]++;
		e->st->tx_bytes[port] += len;
	}
	if (e->node->replay) {
		o = bpf_map_lookup_elem(&sl_out, &zero);
		if (o) {
			o->port = port;
			o->action = (__u32)act;
		}
		return XDP_TX;
	}
	if (act == XDP_TX)
		return XDP_TX;
	return (int)bpf_redirect(ifindex, 0);
}

static __always_inline int sl_addr_zero(const __u8 *a, __u32 n)
{
	__u8 any = 0;
	__u32 i;

	for (i = 0; i < 16; i++) {
		if (i >= n)
			break;
		any |= a[i];
	}
	return !any;
}

static __always_inline int sl_addr_eq(const __u8 *a, const __u8 *b, __u32 n)
{
	__u8 diff = 0;
	__u32 i;

	for (i = 0; i < 16; i++) {
		if (i >= n)
			break;
		diff |= a[i] ^ b[i];
	}
	return !diff;
}

/*
 * What sl_local says of daddr: PKT_DST_OWN (any port's address, docs/dataplane.md step 4),
 * PKT_DST_EDGE (a port subnet's network or broadcast address) or PKT_DST_OTHER.
 */
static __always_inline __u32 sl_dst_kind(__u8 family, const __u8 *daddr)
{
	struct xdp_local_key k = {.family = family};
	__u32 *v;

	if (family == 4)
		__builtin_memcpy(k.addr, daddr, 4);
	else
		__builtin_memcpy(k.addr, daddr, 16);
	v = bpf_map_lookup_elem(&sl_local, &k);
	if (!v)
		return PKT_DST_OTHER;
	return *v & XDP_LOCAL_EDGE ? PKT_DST_EDGE : PKT_DST_OWN;
}

/*
 * csum_ipv4_hdr_ok of the IPv4 header at off (RFC 1812 5.2.2), over a copy (one load without
 * options): a global function, checked once on its own. 1 right (or not all there: the parse
 * judged that), 0 wrong.
 */
__noinline int sl_ipv4_csum_ok(struct xdp_md *ctx, __u32 off)
{
	__u8 hdr[60];
	__u32 hlen;

	if (off > SL_MAX_L4_OFF || bpf_xdp_load_bytes(ctx, off, hdr, 20))
		return 1;
	hlen = (__u32)(hdr[0] & 0x0f) * 4;
	if (hlen < 20 || (hlen > 20 && bpf_xdp_load_bytes(ctx, off + 20, hdr + 20, hlen - 20)))
		return 1;
	return csum_ipv4_hdr_ok(hdr, hlen);
}

static __always_inline int sl_is_multicast(const struct pkt_info *pi)
{
	if (pi->family == 6)
		return pi->daddr[0] == 0xff;
	return (pi->daddr[0] & 0xf0) == 0xe0 || (pi->daddr[0] == 255 && pi->daddr[1] == 255 &&
						 pi->daddr[2] == 255 && pi->daddr[3] == 255);
}

/* Where a packet to `daddr` leaves: egress port, its MAC, the next hop's MAC. */
struct sl_hop {
	struct xdp_port *port;
	__u8 dmac[SL_ETH_ALEN];
};

/*
 * bpf_fib_lookup for live mode: 0, or a drop reason + 1. oif 0: route daddr as the kernel
 * would forward it from the ingress interface; else resolve daddr out of interface oif only
 * (an output lookup). Either way the kernel answers only where IPv4/IPv6 forwarding is
 * enabled on that interface (net.ipv4.conf.IF.forwarding): else BPF_FIB_LKUP_RET_FWD_DISABLED,
 * counted no_route / neigh_unresolved. A next hop without a neighbour entry is recorded in
 * sl_resolve for sluice-xdp to have the kernel resolve, one with an entry in sl_nh_used for
 * sluice-xdp to have the kernel re-validate (xdp_neigh.h).
 */
static __always_inline int sl_fib(struct xdp_md *ctx, struct sl_env *e, __u8 family,
				  const __u8 *daddr, struct sl_hop *h, __u32 oif)
{
	struct bpf_fib_lookup *fp = &e->s->fib; /* in scratch: the stack is short */
	struct xdp_nh_key *nk;
	__u64 now, *used;
	__u32 ifi;
	long rc;

	__builtin_memset(fp, 0, sizeof(*fp));
	fp->family = family == 4 ? SL_AF_INET : SL_AF_INET6;
	fp->ifindex = oif ? oif : ctx->ingress_ifindex;
	if (family == 4)
		__builtin_memcpy(&fp->ipv4_dst, daddr, 4);
	else
		__builtin_memcpy(fp->ipv6_dst, daddr, 16);
	rc = bpf_fib_lookup(ctx, fp, sizeof(*fp), oif ? BPF_FIB_LOOKUP_OUTPUT : 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return SL_DROP_NO_ROUTE + 1;
	/* the kernel filled in the egress ifindex and the next hop */
	nk = &e->s->nhk;
	__builtin_memset(nk, 0, sizeof(*nk));
	nk->ifindex = fp->ifindex;
	nk->family = family;
	if (family == 4)
		__builtin_memcpy(nk->addr, &fp->ipv4_dst, 4);
	else
		__builtin_memcpy(nk->addr, fp->ipv6_dst, 16);
	/* in scratch, not on the stack: a stage and its calls have 512 bytes */
	now = e->s->nh_now = bpf_ktime_get_ns();
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) { /* have it resolved */
		bpf_map_update_elem(&sl_resolve, nk, &e->s->nh_now, BPF_NOEXIST);
		return SL_DROP_NEIGH_UNRESOLVED + 1;
	}
	/*
	 * In use: the kernel never sees this traffic, so its entry would go STALE and stay so,
	 * with whatever MAC it had; sluice-xdp "uses" it for the kernel (one write a second).
	 */
	used = bpf_map_lookup_elem(&sl_nh_used, nk);
	if (!used)
		bpf_map_update_elem(&sl_nh_used, nk, &e->s->nh_now, BPF_NOEXIST);
	else if (now - *used > XDP_NH_USED_GRAIN_NS)
		*used = now;
	ifi = fp->ifindex;
	h->port = bpf_map_lookup_elem(&sl_ports, &ifi);
	if (!h->port)
		return SL_DROP_NO_ROUTE + 1; /* not one of sluice's interfaces */
	__builtin_memcpy(h->dmac, fp->dmac, SL_ETH_ALEN);
	return 0;
}

/*
 * Route daddr (connected subnets and routes, longest prefix: sl_routes4/6), then the next
 * hop's MAC from the static neighbours (sl_neigh/6). Live, a route miss asks the kernel's FIB
 * for daddr, and a neighbour miss asks it for the next hop on the route's interface: the
 * kernel learns by ARP/ND what sluice-dp learns itself (bpf_fib_lookup does not make it
 * resolve: sl_fib records the next hop for sluice-xdp, which asks the kernel to). A replay has
 * no kernel state to ask.
 * Returns 0 or a drop reason + 1.
 */
static __always_inline int sl_route(struct xdp_md *ctx, struct sl_env *e, __u8 family,
				    const __u8 *daddr, struct sl_hop *h)
{
	struct xdp_neigh *nb = NULL;
	__u8 nh_addr[16];
	__u32 ifi, pidx;

	if (family == 4) {
		struct xdp_route4_key k = {.prefixlen = 32};
		struct xdp_route *r;
		__u32 nh;

		__builtin_memcpy(&k.addr, daddr, 4);
		r = bpf_map_lookup_elem(&sl_routes4, &k);
		if (!r)
			return e->node->replay ? SL_DROP_NO_ROUTE + 1
					       : sl_fib(ctx, e, 4, daddr, h, 0);
		ifi = r->ifindex;
		pidx = r->port;
		nh = r->via ? r->via : k.addr;
		__builtin_memcpy(nh_addr, &nh, 4);
		nb = bpf_map_lookup_elem(&sl_neigh, &nh);
		/*
		 * Keeps clang from merging this lookup and sl_neigh6's into one call on a map
		 * pointer from either branch: the verifier inlines a lookup only when its call
		 * site sees one map, else it goes through the helper (an indirect call).
		 */
		asm volatile("" : "+r"(nb));
	} else {
		struct xdp_route6_key k = {.prefixlen = 128};
		struct sl_addr6 nh;
		struct xdp_route6 *r;

		__builtin_memcpy(k.addr, daddr, 16);
		r = bpf_map_lookup_elem(&sl_routes6, &k);
		if (!r)
			return e->node->replay ? SL_DROP_NO_ROUTE + 1
					       : sl_fib(ctx, e, 6, daddr, h, 0);
		ifi = r->ifindex;
		pidx = r->port;
		if (sl_addr_zero(r->via, 16))
			__builtin_memcpy(nh.a, daddr, 16);
		else
			__builtin_memcpy(nh.a, r->via, 16);
		__builtin_memcpy(nh_addr, nh.a, 16);
		nb = bpf_map_lookup_elem(&sl_neigh6, &nh);
	}
	h->port = bpf_map_lookup_elem(&sl_portv, &pidx);
	if (!h->port)
		return SL_DROP_NO_ROUTE + 1;
	if (!nb) {
		struct xdp_port *port = h->port;
		int ret;

		if (e->node->replay)
			return SL_DROP_NEIGH_UNRESOLVED + 1;
		/* The kernel's neighbour of our next hop: ask the FIB for the next hop itself. */
		ret = sl_fib(ctx, e, family, nh_addr, h, ifi);
		if (ret || h->port->ifindex != port->ifindex) {
			h->port = port;
			return SL_DROP_NEIGH_UNRESOLVED + 1;
		}
	}
	if (nb)
		__builtin_memcpy(h->dmac, nb->mac, SL_ETH_ALEN);
	return 0;
}

/*
 * Keep only the IP packet [l3_off, l3_off + l3_len) of the frame (VLAN tags and Ethernet
 * padding go) with `room` bytes in front of it. 0 or -1.
 */
static __always_inline int sl_reframe(struct xdp_md *ctx, __u32 l3_off, __u32 l3_len, __u32 room)
{
	__u32 len = sl_frame_len(ctx), want = l3_off + l3_len;

	if (want > len)
		return -1;
	if (want < len && bpf_xdp_adjust_tail(ctx, (int)want - (int)len))
		return -1;
	if (bpf_xdp_adjust_head(ctx, (int)l3_off - (int)room))
		return -1;
	return 0;
}

static __always_inline int sl_eth_write(struct xdp_md *ctx, const __u8 *dst, const __u8 *src,
					__u16 type)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;

	if (data + ETH_HLEN_ > end)
		return -1;
	__builtin_memcpy(data, dst, SL_ETH_ALEN);
	__builtin_memcpy(data + 6, src, SL_ETH_ALEN);
	sl_put_be16(data + 12, type);
	return 0;
}

static __always_inline __u64 sl_now(const struct xdp_node *n)
{
	return n->clock_us ? n->clock_us : bpf_ktime_get_ns() / 1000;
}

/*
 * Too big for the egress port (pkt_egress_mtu's verdict v, port MTU mtu): IPv4 without DF is
 * dropped here; else the packet, alone behind 14 bytes (a GENEVE return's inner packet lies
 * deeper than sl_too_big reads), goes in scratch to sl_too_big_fwd, which answers its source
 * (routed) with the ICMP error. undo: pi was translated and s->rw[1] translates it back.
 */
static __always_inline int sl_forward_too_big(struct xdp_md *ctx, struct sl_env *e,
					      const struct pkt_info *pi, int v, __u32 mtu,
					      __u32 undo)
{
	struct sl_scratch *s = e->s;

	if (v == PKT_MTU_NO_DF)
		return sl_drop(e, SL_DROP_MTU_EXCEEDED_NO_DF);
	if (pi != &s->pi)
		__builtin_memcpy(&s->pi, pi, sizeof(*pi));
	if (s->pi.l3_off > SL_MAX_L3_OFF) {
		if (s->pi.l3_off > SL_MAX_L4_OFF ||
		    sl_reframe(ctx, s->pi.l3_off, s->pi.l3_len, ETH_HLEN_))
			return sl_drop(e, SL_DROP_MTU_EXCEEDED);
		s->pi.l4_off = (__u16)(s->pi.l4_off - s->pi.l3_off + ETH_HLEN_);
		s->pi.l3_off = ETH_HLEN_;
	}
	s->mtu = mtu;
	s->nat_undo = (__u8)undo;
	s->reply_port = -1;
	s->now = sl_now(e->node);
	bpf_tail_call(ctx, &sl_progs, XDP_STAGE_TOO_BIG);
	return sl_drop(e, SL_DROP_MTU_EXCEEDED);
}

/*
 * gw_forward: the IP packet of pi to its destination, with a new Ethernet header, if it fits
 * the egress port. undo: pi was translated (sl_nat_apply left the way back in s->rw[1]).
 */
static __always_inline int sl_forward(struct xdp_md *ctx, struct sl_env *e,
				      const struct pkt_info *pi, __u32 ev, __u32 undo)
{
	/*
	 * Zeroed: on a route miss h.port is never set, and clang may still copy it (undefined)
	 * between registers, which the verifier refuses (R4 !read_ok) once sl_nlb inlines this
	 * twice.
	 */
	struct sl_hop h = {};
	int ret;

	ret = sl_route(ctx, e, pi->family, pi->daddr, &h);
	if (ret)
		return sl_drop(e, (__u32)ret - 1);
	ret = pkt_egress_mtu(pi, 0, h.port->mtu);
	if (ret != PKT_MTU_FITS)
		return sl_forward_too_big(ctx, e, pi, ret, h.port->mtu, undo);
	if (sl_reframe(ctx, pi->l3_off, pi->l3_len, ETH_HLEN_) ||
	    sl_eth_write(ctx, h.dmac, h.port->mac,
			 pi->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6))
		return sl_drop(e, SL_DROP_NO_MBUF);
	sl_event(e, ev);
	return sl_send(ctx, e, h.port->index, h.port->ifindex);
}

/*
 * The flow key of pi (gwlb_flow_key: an ICMP error hashes on the packet it quotes). A global
 * function: the verifier checks it once, on its own, not inlined into every caller (parsing
 * the quoted packet on top of the outer parse exceeds the 1M instruction limit).
 */
__noinline int sl_flow_key(struct xdp_md *ctx, const struct pkt_info *pi, __u32 stick,
			   struct flow_key *k)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	struct pkt_info o;

	if (!pi || !k)
		return -1;
	__builtin_memcpy(&o, pi, sizeof(o));
	/* Offsets read from memory: bound them for the verifier (no real frame is refused). */
	if (o.l3_off > SL_MAX_L4_OFF || o.l4_off > SL_MAX_L4_OFF) {
		flow_key_make(&o, (enum flow_stick)stick, k);
		return 0;
	}
	gwlb_flow_key(data, end, &o, (enum flow_stick)stick, k);
	return 0;
}

/*
 * fragtab_apply (dataplane/dpdk/fragtab.c): core/frag.h's frag_decide for pi (in s) in `mode` at
 * s->now with sl_frags; counts frag_tracked / frag_table_full in st. Returns the verdict, pi
 * changed as frag_decide changes it. A new key with BPF_NOEXIST (no room: -E2BIG, full; a
 * key another CPU has just added: -EEXIST, its value stands); an entry found is replaced
 * (BPF_ANY: the kernel swaps the element whole). Global: checked once, not inlined.
 */
__noinline int sl_frag(struct sl_scratch *s, struct pkt_info *pi, struct xdp_stats *st, __u32 mode,
		       __u32 timeout_ms)
{
	__u64 *v, val = 0, write = 0;
	int verdict, ret;

	if (!s || !pi || !st)
		return FRAG_NONE;
	if (!frag_tracked(pi))
		return FRAG_NONE;
	frag_key_make(pi, &s->frk);
	v = bpf_map_lookup_elem(&sl_frags, &s->frk);
	if (v)
		val = *v;
	verdict = frag_decide(pi, v ? &val : NULL, s->now, (__u64)timeout_ms * 1000, (int)mode,
			      &write);
	if (verdict != FRAG_RECORD)
		return verdict;
	/* not *v = write: the sweeper may have deleted (and the map reused) that element */
	ret = (int)bpf_map_update_elem(&sl_frags, &s->frk, &write, v ? BPF_ANY : BPF_NOEXIST);
	if (!ret)
		st->events[SL_EV_FRAG_TRACKED]++;
	else if (ret != -17) /* -EEXIST */
		st->events[SL_EV_FRAG_TABLE_FULL]++;
	return verdict;
}

static __always_inline struct xdp_group *sl_group(__u32 gi)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&sl_state, &zero);

	if (!inner)
		return NULL;
	return bpf_map_lookup_elem(inner, &gi);
}

static __always_inline struct xdp_tstats *sl_tstat(__u32 gi, __u32 slot)
{
	__u32 k = gi * XDP_GROUP_TARGETS + slot;

	return bpf_map_lookup_elem(&sl_tstats, &k);
}

/* rt_group_pick: a slot, -(drop reason + 1), or SL_PICK_BYPASS. */
#define SL_PICK_BYPASS (-1000)

static __always_inline int sl_pick(struct sl_env *e, const struct xdp_group *g, __u32 hash)
{
	__u64 idx = hash % XDP_MAGLEV_SIZE; /* 64-bit: no zero-extension between check and use */
	__u32 slot;

	/*
	 * clang computes the modulo as hash - hash / M * M, which loses the verifier's bounds:
	 * hide idx from the optimiser and check it again.
	 */
	asm volatile("" : "+r"(idx));
	if (idx >= XDP_MAGLEV_SIZE)
		return -(SL_DROP_NO_TARGET + 1);
	switch (g->mode) {
	case SL_MODE_NO_TARGET:
		return -(SL_DROP_NO_TARGET + 1);
	case SL_MODE_DROP:
		return -(SL_DROP_ALL_UNHEALTHY_DROP + 1);
	case SL_MODE_BYPASS:
		return SL_PICK_BYPASS;
	case SL_MODE_FAIL_OPEN:
		sl_event(e, SL_EV_FAIL_OPEN);
		break;
	default:
		break;
	}
	slot = g->maglev[idx];
	if (slot == XDP_MAGLEV_EMPTY || slot >= g->n_targets || slot >= XDP_GROUP_TARGETS)
		return -(SL_DROP_NO_TARGET + 1);
	return (int)slot;
}

/* gw_choose: the flow table entry for (gi, key) if it may stay, else a new pick, pinned. */
static __always_inline int sl_choose(struct sl_env *e, __u32 gi, const struct xdp_group *g,
				     const struct flow_key *fk, __u32 hash, __u8 proto, __u64 now)
{
	struct gwlb_pin_key *k = &e->s->ftk; /* in scratch: the stack is short */
	struct xdp_tstats *ts;
	__u64 *v, val;
	int ret;

	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(&k->fk, fk, sizeof(k->fk));
	k->group = (__u16)gi;
	v = bpf_map_lookup_elem(&sl_flows, k);
	if (v) {
		__u32 tag, slot;
		__u64 idle = proto == IPPROTO_TCP_ ? g->idle_tcp_us : g->idle_other_us;
		__u64 seen;
		const struct xdp_target *t;
		int verdict;

		val = *v;
		tag = gwlb_pin_tag(val);
		slot = gwlb_tag_slot(tag);
		seen = gwlb_pin_seen_us(val);
		t = &g->targets[slot];
		if (!gwlb_pin_current(tag, g->n_targets, t->present, t->tag)) /* rt_pin_target */
			verdict = gwlb_flow_verdict(now, seen, idle, TS_DRAINING, 0, 0, 0);
		else
			verdict = gwlb_flow_verdict(now, seen, idle, t->state, t->drain_start,
						    g->dereg_delay_us, g->rebalance);
		if (verdict == GWLB_KEEP) {
			/* flowtab_touch: once a second; not over another CPU's new choice */
			if (gwlb_pin_touch_due(val, now))
				__sync_val_compare_and_swap(v, val, gwlb_pin_val(tag, now));
			return (int)slot;
		}
		sl_event(e, verdict == GWLB_EXPIRED ? SL_EV_FLOW_EXPIRED : SL_EV_FLOW_REBALANCED);
		/* An entry neither kept nor replaced goes: counted once, not per packet. */
		if (g->mode != SL_MODE_NORMAL && g->mode != SL_MODE_FAIL_OPEN)
			bpf_map_delete_elem(&sl_flows, k);
	}
	ret = sl_pick(e, g, hash);
	if (ret < 0)
		return ret;
	val = gwlb_pin_val(g->targets[ret & 0xff].tag, now);
	if (bpf_map_update_elem(&sl_flows, k, &val, BPF_ANY))
		sl_event(e, SL_EV_FLOW_UNPINNED);
	sl_event(e, SL_EV_FLOW_NEW);
	ts = sl_tstat(gi, (__u32)ret);
	if (ts)
		ts->flows++;
	return ret;
}

/*
 * local_too_big: the packet does not fit once encapsulated. The frame becomes the ICMP
 * fragmentation-needed / packet-too-big (built by core/icmp.h in the scratch buffer, from a
 * copy of the packet's head) and goes back to the sender; the packet counts mtu_exceeded.
 */
static __always_inline int sl_too_big(struct xdp_md *ctx, struct sl_env *e,
				      const struct pkt_info *pi, int verdict, __u16 mtu)
{
	struct sl_scratch *s = e->s;
	const __u32 hdr = ICMP6_ERR_HDR_LEN; /* the quote sits at buf + 48 */
	__u8 dmac[SL_ETH_ALEN], *data, *end;
	struct xdp_port *port;
	__u32 qlen, cur, want, ifi;
	__u8 *out;
	int len;

	if (verdict == PKT_MTU_NO_DF)
		return sl_drop(e, SL_DROP_MTU_EXCEEDED_NO_DF);
	if (s->reply_port >= 0) { /* straight back to the sender of the frame */
		data = (__u8 *)(long)ctx->data;
		end = (__u8 *)(long)ctx->data_end;
		if (data + ETH_HLEN_ > end)
			return sl_drop(e, SL_DROP_MTU_EXCEEDED);
		__builtin_memcpy(dmac, data + 6, SL_ETH_ALEN);
		ifi = s->ifindex;
		port = bpf_map_lookup_elem(&sl_ports, &ifi);
		if (!port)
			return sl_drop(e, SL_DROP_MTU_EXCEEDED);
	} else {
		struct sl_hop h;

		if (sl_route(ctx, e, pi->family, pi->saddr, &h))
			return sl_drop(e, SL_DROP_MTU_EXCEEDED);
		port = h.port;
		__builtin_memcpy(dmac, h.dmac, SL_ETH_ALEN);
	}
	if ((pi->family == 4 && !port->addr4[0]) ||
	    (pi->family == 6 && sl_addr_zero(port->addr6[0], 16)))
		return sl_drop(e, SL_DROP_MTU_EXCEEDED); /* no address to send the error from */
	if (!bucket_take(&s->icmp, s->now, BUCKET_ICMP_RATE, BUCKET_ICMP_BURST))
		return sl_drop(e, SL_DROP_ICMP_RATELIMIT);

	/* Only the quoted head is needed: the core functions cut the quote at these sizes. */
	qlen = pi->l3_len;
	if (pi->family == 4 && qlen > ICMP4_ERR_MAX_LEN - ICMP4_ERR_HDR_LEN)
		qlen = ICMP4_ERR_MAX_LEN - ICMP4_ERR_HDR_LEN;
	if (qlen > ICMP6_ERR_MAX_LEN - ICMP6_ERR_HDR_LEN)
		qlen = ICMP6_ERR_MAX_LEN - ICMP6_ERR_HDR_LEN;
	if (qlen < 1 || pi->l3_off > SL_MAX_L3_OFF ||
	    bpf_xdp_load_bytes(ctx, pi->l3_off, s->buf + hdr, qlen))
		return sl_drop(e, SL_DROP_MTU_EXCEEDED);
	if (pi->family == 4) {
		out = s->buf + hdr - ICMP4_ERR_HDR_LEN;
		len = icmp4_frag_needed(out, SL_BUF_SIZE - (hdr - ICMP4_ERR_HDR_LEN), s->buf + hdr,
					qlen, port->addr4[0], mtu);
	} else {
		out = s->buf;
		len = icmp6_too_big(out, SL_BUF_SIZE, s->buf + hdr, qlen, port->addr6[0], mtu);
	}
	if (len <= 0 || len > ICMP6_ERR_MAX_LEN) /* an error about an error: no reply */
		return sl_drop(e, SL_DROP_MTU_EXCEEDED);

	cur = sl_frame_len(ctx);
	want = ETH_HLEN_ + (__u32)len;
	if (want > cur ? bpf_xdp_adjust_head(ctx, (int)cur - (int)want)
		       : want < cur && bpf_xdp_adjust_tail(ctx, (int)want - (int)cur))
		return sl_drop(e, SL_DROP_MTU_EXCEEDED);
	if (bpf_xdp_store_bytes(ctx, ETH_HLEN_, out, (__u32)len) ||
	    sl_eth_write(ctx, dmac, port->mac, pi->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6))
		return sl_drop(e, SL_DROP_MTU_EXCEEDED);
	sl_event(e, pi->family == 4 ? SL_EV_ICMP_FRAG_NEEDED : SL_EV_ICMP6_TOO_BIG);
	sl_drop(e, SL_DROP_MTU_EXCEEDED);
	return sl_send(ctx, e, port->index, port->ifindex);
}

/*
 * nat_rewrite of s->pi with s->rw[1] (sl_nat_apply's way back), s->pi updated to read as the
 * packet now does: the packet as it arrived. A global function (see sl_nat_apply).
 */
__noinline int sl_nat_undo(struct xdp_md *ctx, struct sl_scratch *s)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	const struct nat_rewrite *rw;

	if (!s)
		return -1;
	rw = &s->rw[1];
	if (nat_rewrite(data, end, &s->pi, rw))
		return -1;
	if (rw->set_src) {
		__builtin_memcpy(s->pi.saddr, rw->saddr, 4);
		s->pi.sport = rw->sport;
	}
	if (rw->set_dst) {
		__builtin_memcpy(s->pi.daddr, rw->daddr, 4);
		s->pi.dport = rw->dport;
	}
	return 0;
}

/* ---- stages ---- */

/*
 * gw_encap: scratch.pi to group chain[pos] of attachment scratch.attach. The frame holds the
 * packet at pi.l3_off (the received frame, or a return's inner packet behind 14 bytes).
 */
SEC("xdp")
int sl_gw_encap(struct xdp_md *ctx)
{
	struct sl_env e;
	struct pkt_info *pi;
	struct xdp_attach *att;
	struct xdp_group *g;
	const struct xdp_target *t;
	struct xdp_tstats *ts;
	struct gwlb_meta meta;
	struct flow_key *fk;
	struct sl_hop h;
	__u8 *data, *end;
	__u32 gi, hash, src, ai;
	int slot, ret;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	pi = &e.s->pi; /* the packet and its key stay in scratch: the stack is short */
	fk = &e.s->fk;
	ai = e.s->attach;
	att = bpf_map_lookup_elem(&sl_attach, &ai);
	if (!att || e.s->pos >= att->n_chain || e.s->pos >= XDP_CHAIN_MAX)
		return sl_drop(&e, SL_DROP_NO_ATTACHMENT);
	gi = att->chain[e.s->pos & (XDP_CHAIN_MAX - 1)];
	g = sl_group(gi);
	if (!g)
		return sl_drop(&e, SL_DROP_NO_TARGET);

	/*
	 * gw_encap: steered as its datagram's first fragment decides (core/frag.h), the cookie
	 * made from what the packet itself reads (its return validates with no state).
	 */
	if (pi->flags & PKT_F_FRAG) {
		__builtin_memcpy(&e.s->fpi, pi, sizeof(*pi));
		sl_frag(e.s, &e.s->fpi, e.st, FRAG_MODE_STEER, e.node->frag_timeout_ms);
		sl_flow_key(ctx, &e.s->fpi, g->stickiness, fk);
		frag_own_view(pi, &e.s->fpi);
		sl_flow_key(ctx, &e.s->fpi, g->stickiness, &e.s->ck);
	} else {
		sl_flow_key(ctx, pi, g->stickiness, fk);
		__builtin_memcpy(&e.s->ck, fk, sizeof(*fk));
	}
	hash = flow_key_hash(fk);
	slot = sl_choose(&e, gi, g, fk, hash, pi->proto, e.s->now);
	if (slot == SL_PICK_BYPASS)
		return sl_forward(ctx, &e, pi, SL_EV_BYPASS, e.s->nat_undo);
	if (slot < 0)
		return sl_drop(&e, (__u32)(-slot - 1));
	t = &g->targets[slot & 0xff];
	ret = sl_route(ctx, &e, 4, (const __u8 *)&t->addr, &h);
	if (ret)
		return sl_drop(&e, (__u32)ret - 1);
	ret = pkt_egress_mtu(pi, GWLB_ENCAP_OVERHEAD, h.port->mtu);
	if (ret != PKT_MTU_FITS) {
		/*
		 * A translated reply (sl_nlb): the error quotes it as the target sent it, in
		 * sl_too_big_fwd (the undo's stack on top of this stage's passes the 512 bytes).
		 */
		if (ret == PKT_MTU_ICMP && e.s->nat_undo) {
			e.s->mtu = h.port->mtu - GWLB_ENCAP_OVERHEAD;
			bpf_tail_call(ctx, &sl_progs, XDP_STAGE_TOO_BIG);
			return sl_drop(&e, SL_DROP_MTU_EXCEEDED);
		}
		return sl_too_big(ctx, &e, pi, ret, h.port->mtu - GWLB_ENCAP_OVERHEAD);
	}

	src = h.port->geneve_src;
	meta.endpoint_id = att->endpoint_id;
	meta.attachment_id = att->attachment_id;
	meta.cookie = cookie_make(e.node->secret, &e.s->ck, t->addr, att->endpoint_id);
	meta.proto = pi->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;

	if (pi->l3_off > SL_MAX_L4_OFF ||
	    sl_reframe(ctx, pi->l3_off, pi->l3_len, ETH_HLEN_ + GWLB_ENCAP_OVERHEAD))
		return sl_drop(&e, SL_DROP_NO_MBUF);
	data = (__u8 *)(long)ctx->data;
	end = (__u8 *)(long)ctx->data_end;
	if (data + ETH_HLEN_ + GWLB_ENCAP_OVERHEAD > end)
		return sl_drop(&e, SL_DROP_NO_MBUF);
	__builtin_memcpy(data, h.dmac, SL_ETH_ALEN);
	__builtin_memcpy(data + 6, h.port->mac, SL_ETH_ALEN);
	sl_put_be16(data + 12, ETHERTYPE_IPV4);
	geneve_outer_write(data + ETH_HLEN_, src, t->addr, e.node->ttl, geneve_sport(hash),
			   (__u16)(GWLB_GENEVE_LEN + pi->l3_len));
	geneve_gwlb_write(data + ETH_HLEN_ + GWLB_OUTER_LEN, &meta);
	sl_event(&e, SL_EV_ENCAP);
	ts = sl_tstat(gi, (__u32)slot);
	if (ts) {
		ts->pkts++;
		ts->bytes += pi->l3_len;
	}
	return sl_send(ctx, &e, h.port->index, h.port->ifindex);
}

/*
 * The too-big answer of a packet that went through sl_forward_too_big, or of a translated
 * reply too big to encapsulate (sl_gw_encap): scratch.pi (at l3_off <= SL_MAX_L3_OFF) leaves
 * scratch.mtu bytes on its egress port; translated back first when scratch.nat_undo; the
 * error goes as scratch.reply_port says (-1 from both: routed to the source).
 */
SEC("xdp")
int sl_too_big_fwd(struct xdp_md *ctx)
{
	struct sl_env e;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	if (e.s->nat_undo && sl_nat_undo(ctx, e.s))
		return sl_drop(&e, SL_DROP_MTU_EXCEEDED);
	return sl_too_big(ctx, &e, &e.s->pi, PKT_MTU_ICMP, (__u16)e.s->mtu);
}

/*
 * gw_chain_pos: the chain position whose group has appliance addr (present or not) << 8 | its
 * slot (where its returns count), or -1. A present target with the address wins over a
 * removed one (as sluice-dp's gw_chain_pos).
 */
static __always_inline int sl_chain_pos(const struct xdp_attach *att, __u32 addr)
{
	__u32 p, t;

	for (p = 0; p < XDP_CHAIN_MAX; p++) {
		const struct xdp_group *g;

		if (p >= att->n_chain)
			break;
		g = sl_group(att->chain[p]);
		if (!g)
			continue;
		/*
		 * Two passes, nothing carried from one to the other: the second one reads
		 * n_targets again (volatile), so the bound the first one's exit taught the
		 * verifier is dead and the states after it prune (else it walks the second loop
		 * once per exit of the first: past the 1M instruction limit).
		 */
		for (t = 0; t < XDP_GROUP_TARGETS; t++) {
			if (t >= *(volatile __u16 *)&g->n_targets)
				break;
			if (g->targets[t].addr == addr && g->targets[t].present)
				return (int)(p << 8 | t);
		}
		for (t = 0; t < XDP_GROUP_TARGETS; t++) {
			if (t >= *(volatile __u16 *)&g->n_targets)
				break;
			if (g->targets[t].addr == addr)
				return (int)(p << 8 | t);
		}
	}
	return -1;
}

/*
 * The steps of gw_return are global functions: the verifier checks each once, on its own;
 * inlined into one program their paths multiply past the 1M instruction limit.
 */

/* The UDP segment copied to s->buf (len bytes): does its non-zero checksum verify? */
__noinline int sl_udp_csum_ok(struct sl_scratch *s, __u32 len)
{
	if (!s || len < 8 || len > SL_MAX_FRAME)
		return 0;
	/*
	 * A no-op (len <= SL_MAX_FRAME), hidden from clang so that it stays: the verifier keeps a
	 * mask's bound where clang's zero-extended copies lose the compare's.
	 */
	asm volatile("" : "+r"(len));
	len &= SL_FRAME_MASK;
	return csum_l4_ok(4, s->pi.saddr, s->pi.daddr, IPPROTO_UDP_, s->buf, len);
}

/* geneve_gwlb_parse over the UDP payload in s->buf: the inner offset in it, or -error. */
__noinline int sl_geneve_parse(struct sl_scratch *s, __u32 udp_len, struct gwlb_meta *m)
{
	__u16 hlen = 0;
	int ret;

	if (!s || !m || udp_len < 8 || udp_len > SL_MAX_FRAME)
		return -GENEVE_ERR_TRUNCATED;
	ret = geneve_gwlb_parse(s->buf + 8, s->buf + udp_len, m, &hlen);
	return ret ? ret : hlen;
}

/* pkt_parse_ip of the inner packet at off (bounded by the caller). 0 or -enum pkt_err. */
__noinline int sl_parse_inner(struct xdp_md *ctx, __u32 off, __u32 family, struct pkt_info *in)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;

	if (!in || off > SL_MAX_L4_OFF)
		return -PKT_ERR_L3;
	asm volatile("" : "+r"(off)); /* a no-op mask the verifier keeps (see sl_udp_csum_ok) */
	off &= 2 * SL_MAX_L4_OFF - 1;
	return pkt_parse_ip(data, (__u16)off, end, (__u8)family, in);
}

/* The attachment of an endpoint ID: its index, or -1. */
__noinline int sl_find_attach(__u64 endpoint, __u32 n_attach)
{
	__u32 a;

	for (a = 0; a < XDP_MAX_ATTACH; a++) {
		struct xdp_attach *x;
		__u32 k = a;

		if (a >= n_attach)
			break;
		x = bpf_map_lookup_elem(&sl_attach, &k);
		if (x && x->endpoint_id == endpoint)
			return (int)a;
	}
	return -1;
}

/* gw_chain_pos of attachment ai (see sl_chain_pos: position << 8 | slot). */
__noinline int sl_chain_pos_of(__u32 ai, __u32 addr)
{
	struct xdp_attach *att = bpf_map_lookup_elem(&sl_attach, &ai);

	if (!att)
		return -1;
	return sl_chain_pos(att, addr);
}

/* gw_return: a GENEVE packet to one of our addresses (scratch.pi, UDP to 6081). */
SEC("xdp")
int sl_gw_return(struct xdp_md *ctx)
{
	struct sl_env e;
	struct pkt_info *in;
	struct xdp_attach *att = NULL;
	struct xdp_group *g;
	struct gwlb_meta meta;
	struct xdp_tstats *ts;
	__u32 udp_len, l4, l3_end, a, appliance, off, slot;
	__u16 hlen;
	__u8 *data, *end;
	int ret, pos, last, zone, to_zone;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	in = &e.s->fpi; /* the inner packet, in the scratch area: the stack is at its limit */
	/* what it needs of the outer packet, not a copy of it: the stage's stack is at its limit */
	if (e.s->pi.family != 4)
		return sl_drop(&e, SL_DROP_LOCAL_UNHANDLED);
	l4 = e.s->pi.l4_off;
	l3_end = (__u32)e.s->pi.l3_off + e.s->pi.l3_len;
	__builtin_memcpy(&appliance, e.s->pi.saddr, 4);
	data = (__u8 *)(long)ctx->data;
	end = (__u8 *)(long)ctx->data_end;
	/* An outer IPv4 header ends by 22 + 60: the bound is for the verifier. */
	if (l4 > SL_MAX_L3_OFF + 60 || data + l4 + 8 > end)
		return sl_drop(&e, SL_DROP_GENEVE_TRUNCATED);
	udp_len = sl_get_be16(data + l4 + 4);
	if (udp_len < 8 || l4 + udp_len > l3_end || udp_len > SL_MAX_FRAME)
		return sl_drop(&e, SL_DROP_GENEVE_TRUNCATED);
	/* The UDP segment, copied: the checksum and the GENEVE parse run over the copy. */
	if (bpf_xdp_load_bytes(ctx, l4, e.s->buf, udp_len))
		return sl_drop(&e, SL_DROP_GENEVE_TRUNCATED);
	ret = sl_geneve_parse(e.s, udp_len, &meta);
	if (ret < 0) {
		return sl_drop(&e, gwlb_geneve_drop((__u32)-ret));
	}
	hlen = (__u16)ret;
	ret = sl_find_attach(meta.endpoint_id, e.node->n_attach);
	if (ret < 0)
		return sl_drop(&e, SL_DROP_GENEVE_UNKNOWN_ENDPOINT);
	a = (__u32)ret;
	att = bpf_map_lookup_elem(&sl_attach, &a);
	if (!att)
		return sl_drop(&e, SL_DROP_GENEVE_UNKNOWN_ENDPOINT);
	pos = sl_chain_pos_of(a, appliance);
	if (pos < 0)
		return sl_drop(&e, SL_DROP_GENEVE_UNKNOWN_APPLIANCE);
	slot = (__u32)pos & 0xff;
	pos >>= 8;
	g = sl_group(att->chain[pos & (XDP_CHAIN_MAX - 1)]);
	if (!g)
		return sl_drop(&e, SL_DROP_GENEVE_UNKNOWN_APPLIANCE);
	if (gwlb_udp_csum_verify(sl_get_be16(e.s->buf + 6), g->udp_csum) &&
	    !sl_udp_csum_ok(e.s, udp_len))
		return sl_drop(&e, SL_DROP_GENEVE_UDP_CHECKSUM);
	off = l4 + 8 + hlen;
	if (off > SL_MAX_L4_OFF)
		return sl_drop(&e, SL_DROP_GENEVE_BAD_INNER);
	/*
	 * The inner packet must end within the UDP payload: parsed against the frame's end (the
	 * verifier needs data_end), then held to the UDP end, which is what sluice-dp parses
	 * against (the parse limits every length to the bytes present, so this is the same test).
	 */
	if (sl_parse_inner(ctx, off, meta.proto == ETHERTYPE_IPV4 ? 4 : 6, in) ||
	    (__u32)in->l3_off + in->l3_len > l4 + udp_len)
		return sl_drop(&e, SL_DROP_GENEVE_BAD_INNER);
	/* the packet sluice forwards: its header checksum as the entry checks every frame's */
	if (in->family == 4 && !sl_ipv4_csum_ok(ctx, off))
		return sl_drop(&e, SL_DROP_IPV4_CHECKSUM);
	/* the key in the scratch area: on the stack it took this stage and sl_flow_key past 512 */
	sl_flow_key(ctx, in, g->stickiness, &e.s->fk);
	if (cookie_make(e.node->secret, &e.s->fk, appliance, meta.endpoint_id) != meta.cookie)
		return sl_drop(&e, SL_DROP_GENEVE_BAD_COOKIE);
	sl_event(&e, SL_EV_DECAP);
	ts = sl_tstat(att->chain[pos & (XDP_CHAIN_MAX - 1)], slot);
	if (ts)
		ts->returns++;
	last = (__u32)pos + 1 >= att->n_chain;
	to_zone = (in->family == 4 && e.node->zone_family == 4 &&
		   sl_addr_eq(in->daddr, (const __u8 *)&e.node->zone_ip4, 4)) ||
		  (in->family == 6 && e.node->zone_family == 6 &&
		   sl_addr_eq(in->daddr, e.node->zone_ip6, 16));
	/* inspected, now balance it: the last appliance returned a packet to the zone IP */
	zone = last && to_zone && in->family == 4 &&
	       (in->proto == IPPROTO_TCP_ || in->proto == IPPROTO_UDP_);
	/* the zone IP is ours: only the next group or the load balancer may have it */
	if (gwlb_inner_martian(in, to_zone ? PKT_DST_OWN : sl_dst_kind(in->family, in->daddr),
			       to_zone && (!last || zone)))
		return sl_drop(&e, SL_DROP_MARTIAN_DST);
	if (last && !zone)
		return sl_forward(ctx, &e, in, SL_EV_FORWARD, 0);

	/* Next group (or the NLB): the inner packet behind a 14-byte stand-in Ethernet header. */
	if (sl_reframe(ctx, off, in->l3_len, ETH_HLEN_))
		return sl_drop(&e, SL_DROP_NO_MBUF);
	in->l3_off = ETH_HLEN_;
	/* a non-first fragment has no L4 header: its l4_off stays 0 (nat_rewrite bounds it) */
	if (!(in->flags & PKT_F_FRAG_LATER))
		in->l4_off = (__u16)(in->l4_off - off + ETH_HLEN_);
	__builtin_memcpy(&e.s->pi, in, sizeof(*in));
	e.s->attach = a; /* where the endpoint lookup stopped */
	e.s->pos = (__u32)pos + 1;
	e.s->reply_port = -1;
	e.s->now = sl_now(e.node); /* the entry left it to the stages that use it */
	if (zone) {
		e.s->nlb_mode = SL_NLB_INSPECTED;
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB);
		return sl_drop(&e, SL_DROP_NLB_NO_LISTENER);
	}
	bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
	return sl_drop(&e, SL_DROP_NO_TARGET);
}

/* ---- NLB (docs/nlb.md): listeners, NAT sessions, IPv4 ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * XDP_MAX_LISTENERS);
	__type(key, struct xdp_listener_key);
	__type(value, struct xdp_listener);
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
	__type(key, struct xdp_sess_key);
	__type(value, struct xdp_sess);
} sl_sess SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_MAX_LISTENERS);
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
	__uint(max_entries, XDP_MAX_REPLIES);
	__type(key, struct xdp_reply_key);
	__type(value, struct xdp_reply);
} sl_replies SEC(".maps");

#define SL_NLB_CLOSING_US (10ull * 1000000)
#define SL_NPORT_FIRST	  1024
#define SL_NPORT_N	  (65535 - SL_NPORT_FIRST + 1)
#define SL_NPORT_TRIES	  32

/* nlb_drop: counted by reason globally and for listener li. */
static __always_inline int sl_ldrop(struct sl_env *e, __u32 li, __u32 why)
{
	struct xdp_lstats *ls = bpf_map_lookup_elem(&sl_lstats, &li);

	asm volatile("" : "+r"(why)); /* see sl_drop */
	if (ls && why < SL_DROP_MAX) {
		ls->drops++;
		ls->dreasons[why]++;
	}
	return sl_drop(e, why);
}

static __always_inline void sl_sess_key_of(const struct pkt_info *pi, struct xdp_sess_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(&k->saddr, pi->saddr, 4);
	__builtin_memcpy(&k->daddr, pi->daddr, 4);
	k->sport = pi->sport;
	k->dport = pi->dport;
	k->proto = pi->proto;
}

/* Both entries of the session whose entry `x` was found: gone (sesstab_remove). */
static __always_inline void sl_sess_remove(const struct xdp_sess *x, const struct xdp_sess_key *k)
{
	struct xdp_sess_key o = x->other;

	bpf_map_delete_elem(&sl_sess, &o);
	bpf_map_delete_elem(&sl_sess, k);
}

/* nlb_count: listener and target packets/bytes of session entry x. */
static __always_inline void sl_nlb_count(const struct xdp_sess *x, __u32 bytes)
{
	__u32 li = x->listener;
	struct xdp_lstats *ls = bpf_map_lookup_elem(&sl_lstats, &li);
	struct xdp_tstats *ts = sl_tstat(x->group, gwlb_tag_slot(x->tag));

	if (ls) {
		ls->pkts++;
		ls->bytes += bytes;
	}
	if (ts) {
		ts->pkts++;
		ts->bytes += bytes;
	}
}

/* The nat_rewrite of session entry x's direction (IPv4: the XDP path's NLB). */
static __always_inline void sl_sess_rw(struct nat_rewrite *rw, const struct xdp_sess *x)
{
	__builtin_memset(rw, 0, sizeof(*rw));
	rw->family = 4;
	rw->set_src = x->set_src;
	rw->set_dst = x->set_dst;
	__builtin_memcpy(rw->saddr, &x->saddr, 4);
	__builtin_memcpy(rw->daddr, &x->daddr, 4);
	rw->sport = x->sport;
	rw->dport = x->dport;
}

/*
 * nat_rewrite of the packet s->pi with s->sess[0]'s rewrite, s->pi updated to read as the
 * packet now does. A global function: checked once, on its own (see sl_flow_key).
 */
__noinline int sl_nat_apply(struct xdp_md *ctx, struct sl_scratch *s)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	struct nat_rewrite *rw;
	const struct xdp_sess *x;

	if (!s)
		return -1;
	rw = &s->rw[0];
	x = &s->sess[0];
	sl_sess_rw(rw, x);
	nat_undo_of(&s->pi, rw, &s->rw[1]); /* for sl_too_big_fwd */
	if (nat_rewrite(data, end, &s->pi, rw))
		return -1;
	if (x->set_src) {
		__builtin_memcpy(s->pi.saddr, &x->saddr, 4);
		s->pi.sport = x->sport;
	}
	if (x->set_dst) {
		__builtin_memcpy(s->pi.daddr, &x->daddr, 4);
		s->pi.dport = x->dport;
	}
	return 0;
}

/*
 * nat_tcp_rst answering the segment s->pi, built in s->buf: its length, or -1. The caller
 * makes it the frame.
 */
__noinline int sl_nlb_rst(struct xdp_md *ctx, struct sl_scratch *s)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	int len;

	if (!s)
		return -1;
	len = nat_tcp_rst(s->buf, NAT_RST6_LEN, data, end, &s->pi, NULL, NULL);
	return len == NAT_RST4_LEN ? len : -1;
}

/*
 * The frame becomes the IPv4 packet of len bytes in s->buf (an RST: 40 bytes, up to
 * XDP_RST_SEG_MAX with IP options), sent to its destination. The packet it replaces is the
 * caller's to count.
 */
static __always_inline int sl_send_built(struct xdp_md *ctx, struct sl_env *e, __u32 len, __u32 ev)
{
	__u32 cur = sl_frame_len(ctx), want, daddr;
	struct sl_hop h;
	int ret;

	if (len < NAT_RST4_LEN || len > XDP_RST_SEG_MAX)
		return sl_drop(e, SL_DROP_OWN_UNSENT);
	/* the verifier sees the store's size, 40 + 0..63, through a mask on that very register */
	len -= NAT_RST4_LEN;
	asm volatile("" : "+r"(len));
	len = NAT_RST4_LEN + (len & 0x3f);
	want = ETH_HLEN_ + len;
	__builtin_memcpy(&daddr, e->s->buf + 16, 4);
	ret = sl_route(ctx, e, 4, (const __u8 *)&daddr, &h);
	if (ret)
		return sl_drop(e, SL_DROP_OWN_UNSENT); /* the packet it replaces is counted */
	if (want > cur ? bpf_xdp_adjust_head(ctx, (int)cur - (int)want)
		       : want < cur && bpf_xdp_adjust_tail(ctx, (int)want - (int)cur))
		return sl_drop(e, SL_DROP_OWN_UNSENT);
	if (bpf_xdp_store_bytes(ctx, ETH_HLEN_, e->s->buf, len) ||
	    sl_eth_write(ctx, h.dmac, h.port->mac, ETHERTYPE_IPV4))
		return sl_drop(e, SL_DROP_OWN_UNSENT);
	sl_event(e, ev);
	return sl_send(ctx, e, h.port->index, h.port->ifindex);
}

/*
 * The RST answering s->pi replaces the frame; the segment counts `why` for listener li. A
 * tail call to sl_icmp: nat_tcp_rst's 320 bytes of stack on top of sl_nlb's pass the 512.
 */
static __always_inline int sl_nlb_rst_answer(struct xdp_md *ctx, struct sl_env *e, __u32 li,
					     __u32 why)
{
	e->s->nlb_li = li;
	e->s->nlb_why = why;
	bpf_tail_call(ctx, &sl_progs, XDP_STAGE_ICMP);
	return sl_ldrop(e, li, why);
}

/*
 * nlb_session_ok for the entry in s->sess[0] (found by key s->sk, at `found` in sl_sess): 1
 * keep, 0 gone (expired or moved: the packet is not of the session any more), or -(XDP action
 * + 1): refused (drained, terminated), the frame is dealt with.
 */
static __always_inline int sl_nlb_session_ok(struct xdp_md *ctx, struct sl_env *e,
					     struct xdp_sess *found)
{
	struct sl_scratch *s = e->s;
	struct xdp_sess *x = &s->sess[0], *c;
	const struct xdp_target *t = NULL;
	struct xdp_group *g;
	__u64 idle, last;
	__u32 slot, li;
	__u8 flags;
	int verdict;

	g = sl_group(x->group);
	if (!g)
		return 0;
	/*
	 * The client entry holds the session's clock: a client packet's own entry (not looked
	 * up again), a reply's other one (its key in scratch: the stack is short).
	 */
	c = x->dir == XDP_SESS_CLIENT ? found : bpf_map_lookup_elem(&sl_sess, &x->other);
	if (!c) { /* half a session (LRU): gone */
		bpf_map_delete_elem(&sl_sess, &s->sk);
		return 0;
	}
	last = c->last_seen;
	flags = c->flags;
	idle = x->other.proto == IPPROTO_TCP_ || s->pi.proto == IPPROTO_TCP_ ? g->idle_tcp_us
									     : g->idle_other_us;
	if ((flags & XDP_SF_CLOSING) && idle > SL_NLB_CLOSING_US)
		idle = SL_NLB_CLOSING_US;
	slot = gwlb_tag_slot(x->tag);
	if (gwlb_pin_current(x->tag, g->n_targets, g->targets[slot].present, g->targets[slot].tag))
		t = &g->targets[slot];
	if (!t)
		verdict = gwlb_flow_verdict(s->now, last, idle, TS_DRAINING, 0, 0, 0);
	else
		verdict = gwlb_flow_verdict(s->now, last, idle, t->state, t->drain_start,
					    g->dereg_delay_us, g->rebalance);
	if (verdict == GWLB_KEEP) {
		/* nlb_touch, on the client entry */
		if (s->now > last)
			c->last_seen = s->now;
		if (s->pi.proto == IPPROTO_TCP_ &&
		    (s->pi.tcp_flags & (NAT_TCP_FIN | NAT_TCP_RST)) && !(flags & XDP_SF_CLOSING)) {
			c->flags = flags | XDP_SF_CLOSING;
			c->last_seen = s->now;
		}
		return 1;
	}
	if (verdict == GWLB_EXPIRED) {
		sl_event(e, SL_EV_FLOW_EXPIRED);
		sl_sess_remove(x, &s->sk);
		return 0;
	}
	li = x->listener;
	if (!t || t->state == TS_DRAINING) {
		/* the session stays (until idle): every later packet is refused the same way */
		if ((x->flags & XDP_SF_TERM) && s->pi.proto == IPPROTO_TCP_ &&
		    !(s->pi.tcp_flags & NAT_TCP_RST)) {
			s->nlb_li = li; /* sl_nlb_term: a RST each way */
			bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB_TERM);
			return -(sl_ldrop(e, li, SL_DROP_NLB_TERMINATED) + 1);
		}
		return -(sl_ldrop(e, li, SL_DROP_NLB_DRAINED) + 1);
	}
	sl_sess_remove(x, &s->sk);
	sl_event(e, SL_EV_FLOW_REBALANCED);
	return 0;
}

/* nlb_translate_send: the packet of s->pi in direction s->sess[0].dir, translated, on. */
static __always_inline int sl_nlb_translate_send(struct xdp_md *ctx, struct sl_env *e)
{
	struct sl_scratch *s = e->s;
	__u32 dir = s->sess[0].dir;

	sl_nlb_count(&s->sess[0], s->pi.l3_len);
	if (sl_nat_apply(ctx, s))
		return sl_drop(e, SL_DROP_PARSE_L4);
	if (dir == XDP_SESS_REPLY && s->sess[0].inspect != XDP_NO_INSPECT) {
		/* replies are inspected on the way out */
		s->attach = (__u32)s->sess[0].inspect;
		s->pos = 0;
		s->reply_port = -1;
		s->nat_undo = 1; /* sl_nat_apply left the way back in rw[1] */
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
		return sl_drop(e, SL_DROP_NO_TARGET);
	}
	return sl_forward(ctx, e, &s->pi,
			  dir == XDP_SESS_CLIENT ? SL_EV_NLB_FORWARD : SL_EV_NLB_REPLY, 1);
}

/*
 * The session entry of s->pi's key, copied to s->sess[0] (key in s->sk): the entry in sl_sess
 * (sl_nlb_session_ok touches it when it is the client's), or NULL: none.
 */
static __always_inline struct xdp_sess *sl_nlb_lookup(struct sl_scratch *s)
{
	struct xdp_sess *x;

	sl_sess_key_of(&s->pi, &s->sk);
	x = bpf_map_lookup_elem(&sl_sess, &s->sk);
	if (x)
		__builtin_memcpy(&s->sess[0], x, sizeof(*x));
	return x;
}

/*
 * A source-NAT port for the reply key rk (its dport is set to the port): the per-CPU
 * cursor over 1024-65535, skipping ports whose reply key is taken. 0: none.
 *
 * sesstab hands ports out of a FIFO ring per worker filled 1024, 1025, ...: a replay (one
 * CPU, cursor from 1024) allocates the same ports as long as fewer than 64,512 flows were
 * made (whichever CPU the replay runs on). Live, each CPU starts at its own offset; ports
 * are unique per (target, target port, node address), which is all the reply key needs, not
 * per node as in sluice-dp.
 */
__noinline int sl_nport_get(struct xdp_sess_key *rk, __u32 replay)
{
	__u32 zero = 0, i, cand;
	struct xdp_nport *c = bpf_map_lookup_elem(&sl_nport, &zero);

	if (!c || !rk)
		return 0;
	if (!c->next)
		c->next = SL_NPORT_FIRST +
			  (replay ? 0 : (bpf_get_smp_processor_id() * 4093) % SL_NPORT_N);
	for (i = 0; i < SL_NPORT_TRIES; i++) {
		cand = c->next;
		if (cand < SL_NPORT_FIRST || cand > 65535)
			cand = SL_NPORT_FIRST;
		c->next = cand == 65535 ? SL_NPORT_FIRST : cand + 1;
		rk->dport = (__u16)cand;
		if (!bpf_map_lookup_elem(&sl_sess, rk))
			return (int)cand;
	}
	return 0;
}

/*
 * nlb_new_session for the client packet s->pi of listener l: the session's two entries in
 * s->sess (client, reply), inserted; s->sess[0] is the client entry. 0, or -(XDP action + 1).
 */
static __always_inline int sl_nlb_new(struct xdp_md *ctx, struct sl_env *e,
				      const struct xdp_listener *l)
{
	struct sl_scratch *s = e->s;
	struct xdp_sess *c = &s->sess[0], *r = &s->sess[1];
	const struct xdp_target *t;
	struct xdp_group *g;
	struct xdp_tstats *ts;
	struct xdp_lstats *ls;
	struct xdp_sess_key *rk = &c->other; /* the reply key, in scratch: the stack is short */
	__u32 li = l->index, zero_addr;
	__u16 tport;
	int slot;

	g = sl_group(l->group);
	if (!g)
		return -(sl_ldrop(e, li, SL_DROP_NO_TARGET) + 1);
	sl_flow_key(ctx, &s->pi, g->stickiness, &s->fk);
	slot = sl_pick(e, g, flow_key_hash(&s->fk));
	if (slot < 0)
		return -(sl_ldrop(e, li,
				  slot == SL_PICK_BYPASS ? SL_DROP_NO_TARGET : (__u32)(-slot - 1)) +
			 1);
	t = &g->targets[slot & 0xff];
	tport = t->port ? t->port : s->pi.dport;
	sl_sess_key_of(&s->pi, &s->sk);
	__builtin_memset(s->sess, 0, sizeof(s->sess));
	/* client -> target */
	c->dir = XDP_SESS_CLIENT;
	c->set_dst = 1;
	c->daddr = t->addr;
	c->dport = tport;
	c->last_seen = s->now;
	c->listener = l->index;
	c->group = l->group;
	c->tag = t->tag;
	c->inspect = l->inspect;
	c->flags = l->flags & XDP_LF_TERMINATE ? XDP_SF_TERM : 0;
	/* target -> client, back from the zone IP and listener port */
	r->dir = XDP_SESS_REPLY;
	r->set_src = 1;
	__builtin_memcpy(&r->saddr, s->pi.daddr, 4);
	r->sport = s->pi.dport;
	r->listener = l->index;
	r->group = l->group;
	r->tag = t->tag;
	r->inspect = l->inspect;
	r->flags = c->flags;
	r->other = s->sk;
	rk->saddr = t->addr;
	rk->sport = tport;
	__builtin_memcpy(&rk->daddr, s->pi.saddr, 4);
	rk->dport = s->pi.sport;
	rk->proto = s->pi.proto;
	if (l->flags & XDP_LF_SNAT) {
		struct sl_hop h;
		int nport;

		if (sl_route(ctx, e, 4, (const __u8 *)&t->addr, &h) || !h.port->addr4[0])
			return -(sl_drop(e, SL_DROP_NO_ROUTE) + 1);
		zero_addr = h.port->addr4[0];
		rk->daddr = zero_addr;
		nport = sl_nport_get(rk, e->node->replay);
		if (!nport)
			return -(sl_ldrop(e, li, SL_DROP_NLB_PORTS_EXHAUSTED) + 1);
		c->flags |= XDP_SF_SNAT;
		c->nport = (__u16)nport;
		c->set_src = 1;
		c->saddr = zero_addr;
		c->sport = (__u16)nport;
		r->set_dst = 1;
		__builtin_memcpy(&r->daddr, s->pi.saddr, 4);
		r->dport = s->pi.sport;
	}
	if (bpf_map_update_elem(&sl_sess, rk, r, BPF_NOEXIST)) {
		const struct xdp_sess *o = bpf_map_lookup_elem(&sl_sess, rk);

		/*
		 * Another CPU made this session a moment ago from the target's reply (sl_nlb_reply,
		 * docs/nlb.md "In a fleet": the two directions of a flow may arrive at once on a
		 * node that knew neither): same target, so this packet goes on with its own copy
		 * of the client entry (inserted unless that CPU's is there by now). SNAT sessions
		 * are never adopted from a reply: there it is a real collision.
		 */
		if (!o || o->dir != XDP_SESS_REPLY || o->tag != c->tag || (c->flags & XDP_SF_SNAT))
			return -(sl_ldrop(e, li, SL_DROP_NLB_SESSIONS_FULL) + 1);
		bpf_map_update_elem(&sl_sess, &s->sk, c, BPF_NOEXIST);
		return 0;
	}
	if (bpf_map_update_elem(&sl_sess, &s->sk, c, BPF_NOEXIST)) {
		bpf_map_delete_elem(&sl_sess, rk);
		return -(sl_ldrop(e, li, SL_DROP_NLB_SESSIONS_FULL) + 1);
	}
	sl_event(e, SL_EV_NLB_NEW_FLOW);
	ls = bpf_map_lookup_elem(&sl_lstats, &li);
	if (ls)
		ls->flows++;
	ts = sl_tstat(l->group, (__u32)slot);
	if (ts)
		ts->flows++;
	return 0;
}

/*
 * The session key of the packet an ICMP error (s->pi) quotes, the other way round (the quote
 * went one way, its session key is the other's), in s->sk: 0, or -1 (the quote does not
 * parse or has no ports). A global function: checked once, on its own (see sl_flow_key).
 */
__noinline int sl_nlb_icmp_key(struct xdp_md *ctx, struct sl_scratch *s)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	struct pkt_info o, q;

	if (!s)
		return -1;
	__builtin_memcpy(&o, &s->pi, sizeof(o));
	if (o.l3_off > SL_MAX_L3_OFF || o.l4_off > SL_MAX_L4_OFF) /* for the verifier */
		return -1;
	if (pkt_parse_embedded(data, end, &o, &q) || !(q.flags & PKT_F_L4))
		return -1;
	__builtin_memset(&s->sk, 0, sizeof(s->sk));
	__builtin_memcpy(&s->sk.saddr, q.daddr, 4);
	__builtin_memcpy(&s->sk.daddr, q.saddr, 4);
	s->sk.sport = q.dport;
	s->sk.dport = q.sport;
	s->sk.proto = q.proto;
	return 0;
}

/*
 * nat_icmp_error of the ICMP error s->pi about the session entry s->sess[0]: the quote reads
 * as the session's other direction did before translation (s->sess[0].other), the error goes
 * to that packet's source; s->pi updated to read as the packet now does. 0 or -1.
 */
__noinline int sl_nlb_icmp_xlate(struct xdp_md *ctx, struct sl_scratch *s)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	struct nat_rewrite *outer, *inner;
	const struct xdp_sess_key *orig;
	struct pkt_info o;

	if (!s)
		return -1;
	outer = &s->rw[0];
	inner = &s->rw[1];
	orig = &s->sess[0].other;
	nat_icmp_rewrites(4, (const __u8 *)&orig->saddr, (const __u8 *)&orig->daddr, orig->sport,
			  orig->dport, outer, inner);
	__builtin_memcpy(&o, &s->pi, sizeof(o));
	if (o.l3_off > SL_MAX_L3_OFF || o.l4_off > SL_MAX_L4_OFF) /* for the verifier */
		return -1;
	if (nat_icmp_error(data, end, &o, outer, inner))
		return -1;
	__builtin_memcpy(s->pi.daddr, &orig->saddr, 4);
	return 0;
}

/*
 * nlb_icmp: an ICMP error (s->pi) quoting a packet of a session: the quote and the
 * destination translated, on to the destination. -1: no session (the caller's to handle), or
 * one whose target is gone (nothing of it goes to a removed target's address any more).
 */
static __always_inline int sl_nlb_icmp(struct xdp_md *ctx, struct sl_env *e)
{
	struct sl_scratch *s = e->s;
	const struct xdp_group *g;
	struct xdp_sess *x;
	__u32 slot;

	if (sl_nlb_icmp_key(ctx, s))
		return -1;
	x = bpf_map_lookup_elem(&sl_sess, &s->sk);
	if (!x)
		return -1;
	g = sl_group(x->group);
	slot = gwlb_tag_slot(x->tag);
	if (!g || !gwlb_pin_current(x->tag, g->n_targets, g->targets[slot].present,
				    g->targets[slot].tag)) /* rt_pin_target */
		return -1;
	__builtin_memcpy(&s->sess[0], x, sizeof(*x));
	if (sl_nlb_icmp_xlate(ctx, s))
		return sl_drop(e, SL_DROP_PARSE_L4);
	return sl_forward(ctx, e, &s->pi, SL_EV_NLB_ICMP, 0);
}

/*
 * gwlb_icmp_is_geneve of the ICMP error s->pi to one of our addresses: about our own GENEVE
 * from `src`? A global function copying pi for the same reasons as sl_nlb_icmp_key.
 */
__noinline int sl_icmp_is_geneve(struct xdp_md *ctx, struct sl_scratch *s, __u32 src)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	struct pkt_info o;

	if (!s)
		return 0;
	__builtin_memcpy(&o, &s->pi, sizeof(o));
	if (o.l3_off > SL_MAX_L3_OFF || o.l4_off > SL_MAX_L4_OFF) /* for the verifier */
		return 0;
	return gwlb_icmp_is_geneve(data, end, &o, src);
}

/*
 * An ICMP error to us that no session claimed: geneve_icmp_error when it is about our GENEVE
 * (from the GENEVE source of the port the error arrived on, as sluice-dp's
 * local_icmp_is_geneve); else it may be about the host's own traffic (a PMTU error about an
 * SSH session, say), so it goes to the kernel, which drops what no socket of its own claims
 * (sluice-dp, owning the port, drops it nlb_icmp_unknown).
 */
static __always_inline int sl_icmp_unclaimed(struct xdp_md *ctx, struct sl_env *e)
{
	__u32 pidx = e->s->port;
	struct xdp_port *p = bpf_map_lookup_elem(&sl_portv, &pidx);

	if (p && sl_icmp_is_geneve(ctx, e->s, p->geneve_src))
		return sl_drop(e, SL_DROP_GENEVE_ICMP);
	return sl_pass(e);
}

/*
 * nlb_try_session: a reply (s->pi) of a session, or an ICMP error about one: the XDP action.
 * -1: neither; -2: the reply of a session that expired or moved.
 */
static __always_inline int sl_nlb_try_session(struct xdp_md *ctx, struct sl_env *e)
{
	struct sl_scratch *s = e->s;
	struct xdp_sess *x;
	int ok;

	if (s->pi.family != 4)
		return -1;
	if (s->pi.flags & PKT_F_ICMP_ERR)
		return sl_nlb_icmp(ctx, e);
	/*
	 * A reply's later fragments: its first's ports (core/frag.h), for the lookup only: a
	 * packet no session claims goes on as it came (sluice-dp looks up a copy).
	 */
	if (s->pi.flags & PKT_F_FRAG) {
		__builtin_memcpy(&s->fpi, &s->pi, sizeof(s->pi));
		if (s->pi.flags & PKT_F_FRAG_LATER)
			sl_frag(s, &s->pi, e->st, FRAG_MODE_REPLY, e->node->frag_timeout_ms);
	}
	ok = -1;
	if ((s->pi.flags & PKT_F_L4) &&
	    (s->pi.proto == IPPROTO_TCP_ || s->pi.proto == IPPROTO_UDP_)) {
		x = sl_nlb_lookup(s);
		if (x && s->sess[0].dir == XDP_SESS_REPLY) {
			/* a reply's first fragment records its ports (the rest: gw_encap's) */
			if ((s->pi.flags & (PKT_F_FRAG | PKT_F_FRAG_LATER)) == PKT_F_FRAG)
				sl_frag(s, &s->pi, e->st, FRAG_MODE_REPLY,
					e->node->frag_timeout_ms);
			ok = sl_nlb_session_ok(ctx, e, x);
			if (ok < 0)
				return -ok - 1;
			if (ok)
				return sl_nlb_translate_send(ctx, e);
			ok = -2; /* expired or moved: the packet is not a reply any more */
		}
	}
	if (s->pi.flags & PKT_F_FRAG)
		__builtin_memcpy(&s->pi, &s->fpi, sizeof(s->pi));
	return ok;
}

/*
 * NLB: the entry's SL_NLB_* cases (s->nlb_mode). To the zone IP: nlb_to_zone_ip (listener,
 * session either way, a new one for a SYN or UDP, else tcp_unknown_flow); otherwise a target's
 * reply or an ICMP error about a session, or the packet goes on as it would have.
 */
SEC("xdp")
int sl_nlb(struct xdp_md *ctx)
{
	struct xdp_listener_key lk = {};
	struct xdp_listener *lp, *l;
	struct xdp_sess *x;
	struct sl_scratch *s;
	struct xdp_nlbcfg *nc;
	struct sl_env e;
	__u32 zero = 0, kind;
	int ret, verdict;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	s = e.s;
	if (s->nlb_mode == SL_NLB_TRANSIT || s->nlb_mode == SL_NLB_LOCAL) {
		ret = sl_nlb_try_session(ctx, &e);
		if (ret >= 0)
			return ret;
		if (s->nlb_mode == SL_NLB_LOCAL) {
			/*
			 * A source-NAT port whose session is gone is not the host's: dropped as
			 * sluice-dp does (local_unhandled), not handed to the kernel.
			 */
			if (ret == -2)
				return sl_drop(&e, SL_DROP_LOCAL_UNHANDLED);
			if (s->pi.flags & PKT_F_ICMP_ERR)
				return sl_icmp_unclaimed(ctx, &e);
			return sl_pass(&e); /* the host's own traffic */
		}
		/*
		 * No session: a target's reply for a session this node never saw? Not on a
		 * port with inspection: that traffic is inspected as before (core/nlb.h).
		 */
		nc = bpf_map_lookup_elem(&sl_nlbcfg, &zero);
		if (nc && nc->n_replies && !s->has_attach && s->pi.family == 4 &&
		    (s->pi.flags & PKT_F_L4) && !(s->pi.flags & PKT_F_ICMP_ERR) &&
		    (s->pi.proto == IPPROTO_TCP_ || s->pi.proto == IPPROTO_UDP_))
			bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB_REPLY);
		if (!s->has_attach)
			return sl_drop(&e, SL_DROP_NO_ATTACHMENT);
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
		return sl_drop(&e, SL_DROP_NO_TARGET);
	}

	/*
	 * To the zone IP (TCP or UDP). A non-first fragment has the ports its first fragment
	 * recorded (core/frag.h), or no listener can be known: dropped frag_early.
	 */
	if ((s->pi.flags & PKT_F_FRAG) &&
	    sl_frag(s, &s->pi, e.st, FRAG_MODE_NLB, e.node->frag_timeout_ms) == FRAG_EARLY)
		return sl_drop(&e, SL_DROP_FRAG_EARLY);
	lk.proto = s->pi.proto;
	lk.port = s->pi.dport;
	lp = s->pi.family == 4 && (s->pi.flags & PKT_F_L4) ? bpf_map_lookup_elem(&sl_listeners, &lk)
							   : NULL;
	if (!lp && s->pi.family == 4 && (s->pi.flags & PKT_F_L4)) {
		lk.port = 0;
		lp = bpf_map_lookup_elem(&sl_listeners, &lk);
	}
	if (!lp) {
		ret = sl_nlb_try_session(ctx, &e); /* a source-NAT reply to the zone IP */
		if (ret >= 0)
			return ret;
		return sl_drop(&e, SL_DROP_NLB_NO_LISTENER);
	}
	l = &s->lsn; /* a copy, in scratch: the stack is short */
	*l = *lp;
	if (l->inspect != XDP_NO_INSPECT && s->nlb_mode != SL_NLB_INSPECTED) {
		s->attach = (__u32)l->inspect;
		s->pos = 0;
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
		return sl_drop(&e, SL_DROP_NO_TARGET);
	}
	/* one lookup serves both directions (a source-NAT reply may come to the zone IP) */
	x = sl_nlb_lookup(s);
	if (x) {
		ret = sl_nlb_session_ok(ctx, &e, x);
		if (ret < 0)
			return -ret - 1;
		if (ret)
			return sl_nlb_translate_send(ctx, &e);
	}
	/* the zone IP is ours too (sluice-dp lists it with the ports' addresses) */
	kind = sl_addr_eq(s->pi.saddr, (const __u8 *)&e.node->zone_ip4, 4)
		       ? PKT_DST_OWN
		       : sl_dst_kind(s->pi.family, s->pi.saddr);
	ret = (int)nat_new_session_refusal(&s->pi, kind);
	if (s->pi.flags & PKT_F_FRAG_LATER) /* its first fragment made no session */
		ret = SL_DROP_FRAG_EARLY;
	if (ret != SL_DROP_MAX)
		return sl_ldrop(&e, l->index, (__u32)ret);
	verdict = nlb_client_verdict(s->pi.proto, s->pi.tcp_flags, !!(l->flags & XDP_LF_RESET));
	if (verdict == NLB_CLIENT_DROP_RST) /* a reset of nothing: nothing to do */
		return sl_drop(&e, SL_DROP_NLB_UNKNOWN_RESET);
	if (verdict == NLB_CLIENT_RESET)
		return sl_nlb_rst_answer(ctx, &e, l->index, SL_DROP_NLB_UNKNOWN_RESET);
	ret = sl_nlb_new(ctx, &e, l);
	if (ret < 0)
		return -ret - 1;
	if (verdict == NLB_CLIENT_ADOPT) /* another node's flow (or ours before a restart) */
		sl_event(&e, SL_EV_NLB_ADOPTED);
	/* the new session's touch: a FIN or RST shortens it at once (nlb_touch) */
	if (s->pi.proto == IPPROTO_TCP_ && (s->pi.tcp_flags & (NAT_TCP_FIN | NAT_TCP_RST))) {
		struct xdp_sess *c = bpf_map_lookup_elem(&sl_sess, &s->sk);

		if (c)
			c->flags |= XDP_SF_CLOSING;
	}
	return sl_nlb_translate_send(ctx, &e);
}

/*
 * The NLB's TCP answers (tcp_unknown_flow: reset, connection termination): the RST answering
 * scratch.pi replaces the frame, which counts scratch.nlb_why for listener scratch.nlb_li.
 * (ICMP errors follow their flow inside sl_gw_encap, sl_flow_key; the stage keeps its name.)
 */
SEC("xdp")
int sl_icmp(struct xdp_md *ctx)
{
	struct sl_env e;
	int len;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	len = sl_nlb_rst(ctx, e.s);
	sl_ldrop(&e, e.s->nlb_li, e.s->nlb_why);
	if (len < 0)
		return sl_drop(&e, SL_DROP_OWN_UNSENT);
	return sl_send_built(ctx, &e, (__u32)len, SL_EV_NLB_RST);
}

/*
 * nat_tcp_rst_fwd over the segment s->pi with the rewrite of its session entry s->sess[0],
 * built in s->buf: its length, or -1. The caller makes it the frame.
 */
__noinline int sl_nlb_rst_fwd(struct xdp_md *ctx, struct sl_scratch *s)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	struct nat_rewrite *rw;
	struct xdp_sess *x;
	int len;

	if (!s)
		return -1;
	rw = &s->rw[0];
	x = &s->sess[0];
	sl_sess_rw(rw, x);
	len = nat_tcp_rst_fwd(s->buf, XDP_RST_SEG_MAX, data, end, &s->pi, rw);
	return len >= NAT_RST4_LEN ? len : -1;
}

/*
 * The RST answering s->pi, to its sender, as a record in sl_rst for sluice-xdp to build and
 * send (struct xdp_rst_ev), routed here as sl_send_built would route it. Counted like a sent
 * frame (nlb_rst_sent, the egress port's tx), or by why it could not be recorded.
 */
static __always_inline void sl_nlb_rst_record(struct xdp_md *ctx, struct sl_env *e)
{
	struct sl_scratch *s = e->s;
	__u32 l3 = s->pi.l3_off, n = (__u32)s->pi.l4_off - s->pi.l3_off + 20, port;
	struct xdp_rst_ev *ev;
	struct sl_hop h;
	int ret;

	ret = sl_route(ctx, e, 4, s->pi.saddr, &h);
	if (ret) {
		sl_drop(e, SL_DROP_OWN_UNSENT);
		return;
	}
	if (l3 > SL_MAX_L3_OFF || n < NAT_RST4_LEN || n > XDP_RST_SEG_MAX) {
		sl_drop(e, SL_DROP_OWN_UNSENT);
		return;
	}
	ev = bpf_ringbuf_reserve(&sl_rst, sizeof(*ev), 0);
	if (!ev) {
		sl_drop(e, SL_DROP_NLB_RST_RING_FULL);
		return;
	}
	if (bpf_xdp_load_bytes(ctx, l3, ev->seg, n)) {
		bpf_ringbuf_discard(ev, 0);
		sl_drop(e, SL_DROP_OWN_UNSENT);
		return;
	}
	port = h.port->index;
	ev->l4_off = (__u16)(n - 20);
	ev->l3_len = s->pi.l3_len;
	__builtin_memcpy(ev->dmac, h.dmac, SL_ETH_ALEN);
	__builtin_memcpy(ev->smac, h.port->mac, SL_ETH_ALEN);
	ev->port = port;
	ev->ifindex = h.port->ifindex;
	bpf_ringbuf_submit(ev, 0);
	sl_event(e, SL_EV_NLB_RST);
	if (port < XDP_MAX_PORTS) {
		e->st->tx_pkts[port]++;
		e->st->tx_bytes[port] += ETH_HLEN_ + NAT_RST4_LEN;
	}
}

/*
 * Connection termination (sluice-dp's nlb_terminate), for the segment scratch.pi of session
 * entry scratch.sess[0], counted nlb_terminated for listener scratch.nlb_li: its sender gets a
 * RST answering it, the other end the segment itself, translated, turned into a RST. An XDP
 * program sends one frame per packet, so the frame becomes the second one, and the first goes
 * to sluice-xdp through sl_rst (recorded first: a replay writes it ahead of the frame, in
 * sluice-dp's order).
 */
SEC("xdp")
int sl_nlb_term(struct xdp_md *ctx)
{
	struct sl_env e;
	int len;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	sl_ldrop(&e, e.s->nlb_li, SL_DROP_NLB_TERMINATED);
	if (e.s->pi.family != 4)
		return XDP_DROP; /* no IPv4 session: cannot happen (the NLB is IPv4 only here) */
	sl_nlb_rst_record(ctx, &e);
	len = sl_nlb_rst_fwd(ctx, e.s);
	if (len < 0)
		return sl_drop(&e, SL_DROP_OWN_UNSENT);
	return sl_send_built(ctx, &e, (__u32)len, SL_EV_NLB_RST);
}

/*
 * nlb_reply_adopt (dataplane/dpdk/nlb.h): the transit TCP/UDP packet s->pi, of no session, as a
 * target's reply: the XDP action, or -1 when the reply table names no listener for it. The
 * session is made as sl_nlb_new would have made it for the client packet (none for a RST),
 * in s->sess: [0] the reply entry (what translates the packet), [1] the client entry.
 */
static __always_inline int sl_nlb_reply_adopt(struct xdp_md *ctx, struct sl_env *e)
{
	struct sl_scratch *s = e->s;
	struct xdp_sess *r = &s->sess[0], *c = &s->sess[1];
	struct xdp_sess_key *ck = &r->other; /* the client key, in scratch: the stack is short */
	struct xdp_reply_key k = {};
	struct xdp_reply *ex, *an, *x;
	struct nlb_reply_owner o;
	const struct xdp_target *t;
	struct xdp_group *g;
	struct xdp_tstats *ts;
	struct xdp_lstats *ls;
	__u32 slot, li;
	int v;

	if (e->node->zone_family != 4)
		return -1;
	__builtin_memcpy(&k.addr, s->pi.saddr, 4);
	k.port = s->pi.sport;
	k.proto = s->pi.proto;
	ex = bpf_map_lookup_elem(&sl_replies, &k);
	k.port = 0;
	an = bpf_map_lookup_elem(&sl_replies, &k);
	v = nlb_reply_resolve(ex ? &ex->own : NULL, an ? &an->own : NULL, s->pi.sport, &o);
	if (v == NLB_REPLY_NONE)
		return -1;
	if (v == NLB_REPLY_AMBIGUOUS)
		return sl_drop(e, SL_DROP_NLB_REPLY_AMBIGUOUS);
	x = ex && (ex->own.flags & NLB_RO_VALID) ? ex : an;
	g = sl_group(o.group);
	slot = o.slot & 0xff;
	if (!x || !g || slot >= g->n_targets)
		return -1;
	/* the table is written after the generation is swapped in: it must name its target */
	t = &g->targets[slot];
	if (!t->present || t->addr != k.addr || (t->port && t->port != s->pi.sport))
		return -1;
	li = o.listener;
	__builtin_memset(s->sess, 0, sizeof(s->sess));
	/* client -> zone IP:listener port, as the client sent it */
	__builtin_memcpy(&ck->saddr, s->pi.daddr, 4);
	ck->daddr = e->node->zone_ip4;
	ck->sport = s->pi.dport;
	ck->dport = o.lport;
	ck->proto = s->pi.proto;
	sl_sess_key_of(&s->pi, &s->sk); /* the reply key: the packet as it is */
	c->dir = XDP_SESS_CLIENT;
	c->set_dst = 1;
	c->daddr = t->addr;
	c->dport = s->pi.sport;
	c->last_seen = s->now;
	c->listener = (__u16)li;
	c->group = o.group;
	c->tag = t->tag;
	c->inspect = x->inspect;
	c->flags = x->lflags & XDP_LF_TERMINATE ? XDP_SF_TERM : 0;
	c->other = s->sk;
	r->dir = XDP_SESS_REPLY;
	r->set_src = 1;
	r->saddr = e->node->zone_ip4;
	r->sport = o.lport;
	r->listener = (__u16)li;
	r->group = o.group;
	r->tag = t->tag;
	r->inspect = x->inspect;
	r->flags = c->flags;
	sl_event(e, SL_EV_NLB_REPLY_ADOPTED);
	if (nlb_reply_keeps(s->pi.proto, s->pi.tcp_flags)) {
		if (s->pi.proto == IPPROTO_TCP_ && (s->pi.tcp_flags & NAT_TCP_FIN))
			c->flags |= XDP_SF_CLOSING; /* nlb_touch */
		/* taken meanwhile (another CPU adopted it too): that session translates the same */
		if (!bpf_map_update_elem(&sl_sess, &s->sk, r, BPF_NOEXIST)) {
			if (bpf_map_update_elem(&sl_sess, ck, c, BPF_NOEXIST)) {
				bpf_map_delete_elem(&sl_sess, &s->sk);
				return sl_ldrop(e, li, SL_DROP_NLB_SESSIONS_FULL);
			}
			sl_event(e, SL_EV_NLB_NEW_FLOW);
			ls = bpf_map_lookup_elem(&sl_lstats, &li);
			if (ls)
				ls->flows++;
			ts = sl_tstat(o.group, slot);
			if (ts)
				ts->flows++;
		}
	}
	return sl_nlb_translate_send(ctx, e);
}

/*
 * Transit TCP/UDP of no session (sl_nlb, SL_NLB_TRANSIT) on a port without an inspection
 * attachment: a target's reply to adopt, else dropped no_attachment as it would have been.
 */
SEC("xdp")
int sl_nlb_reply(struct xdp_md *ctx)
{
	struct sl_env e;
	int ret;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	ret = sl_nlb_reply_adopt(ctx, &e);
	if (ret >= 0)
		return ret;
	return sl_drop(&e, SL_DROP_NO_ATTACHMENT);
}

static const __u8 sl_parse_drop[] = {
	[PKT_ERR_L2] = SL_DROP_PARSE_L2,
	[PKT_ERR_L3] = SL_DROP_PARSE_L3,
	[PKT_ERR_L4] = SL_DROP_PARSE_L4,
	[PKT_ERR_ETHERTYPE] = SL_DROP_ETHERTYPE,
};

/*
 * ARP (at l3) or an IPv6 NS/NA (ICMPv6 at l4, the IPv6 payload ending at end_off) on its way
 * to the kernel: 1 when sluice-dp would refuse it for a sender MAC no neighbour can have
 * (arp_macs_learnable, nd_macs_learnable), which the kernel would learn. ARP is parsed as
 * sluice-dp parses it; ND only as far as its link-layer option (walked as nd_parse walks it,
 * the last one counts), without the checksum the verifier cannot follow over a copy: an ND
 * message with a bad checksum and a bad MAC is neigh_bad_mac here, nd_invalid on sluice-dp
 * (dropped either way). Anything that does not parse is the kernel's to judge.
 */
__noinline int sl_neigh_mac_refused(struct xdp_md *ctx, __u32 l3, __u32 l4, __u32 end_off,
				    __u32 type)
{
	__u8 eth_src[SL_ETH_ALEN], hdr[ARP_HDR_LEN], opt[8], ll[SL_ETH_ALEN];
	__u32 off = l4 + 24, i, olen, has_ll = 0;
	struct arp_info a;

	if (bpf_xdp_load_bytes(ctx, 6, eth_src, SL_ETH_ALEN))
		return 0;
	if (!type) {
		if (bpf_xdp_load_bytes(ctx, l3, hdr, ARP_HDR_LEN) ||
		    arp_parse(hdr, hdr + ARP_HDR_LEN, &a))
			return 0;
		return !arp_macs_learnable(&a, eth_src);
	}
	for (i = 0; i < 8 && off + 2 <= end_off; i++) {
		if (bpf_xdp_load_bytes(ctx, off, opt, 2))
			return 0;
		olen = (__u32)opt[1] * 8;
		if (!olen || off + olen > end_off)
			return 0;
		if (opt[0] == (type == ND_NS ? ND_OPT_SRC_LL : ND_OPT_TGT_LL)) {
			if (bpf_xdp_load_bytes(ctx, off, opt, 8))
				return 0;
			__builtin_memcpy(ll, opt + 2, SL_ETH_ALEN);
			has_ll = 1;
		}
		off += olen;
	}
	return !pkt_mac_learnable(eth_src) || (has_ll && !pkt_mac_learnable(ll));
}

/*
 * pkt_parse_eth as a global function: checked once on its own, its many paths do not
 * multiply with the classification after it (inlined, the entry took 700K instructions).
 */
__noinline int sl_parse_frame(struct xdp_md *ctx, struct pkt_info *pi)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;

	if (!pi)
		return -PKT_ERR_L2;
	return pkt_parse_eth(data, end, pi);
}

/* Entry: docs/dataplane.md "Per packet", with the kernel's duties left to the kernel. */
SEC("xdp")
int sl_xdp(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	__u32 ifi = ctx->ingress_ifindex, len = sl_frame_len(ctx);
	struct xdp_nlbcfg *nlb;
	struct xdp_port *p;
	struct pkt_info pi;
	struct sl_env e;
	__u32 zero = 0, kind;
	int ret, zone, local;

	p = bpf_map_lookup_elem(&sl_ports, &ifi);
	if (!p || sl_env_get(&e))
		return XDP_PASS; /* not one of sluice's interfaces */
	if (p->index < XDP_MAX_PORTS) {
		e.st->rx_pkts[p->index]++;
		e.st->rx_bytes[p->index] += len;
	}
	if (e.node->replay) { /* what the program sees linearly: sluice-xdp refuses a shorter view
			       */
		struct xdp_out *o = bpf_map_lookup_elem(&sl_out, &zero);

		if (o)
			o->seen = len;
	}
	if (pkt_rx_oversize(len, PKT_MAX_L2_LEN, p->mtu))
		return sl_drop(&e, SL_DROP_RX_OVERSIZE);
	ret = sl_parse_frame(ctx, &pi);
	if (ret) {
		__u32 err = (__u32)-ret;

		return sl_drop(&e, err && err < sizeof(sl_parse_drop) ? sl_parse_drop[err]
								      : SL_DROP_PARSE_L2);
	}
	if (pkt_rx_oversize(len, pi.l3_off, p->mtu))
		return sl_drop(&e, SL_DROP_RX_OVERSIZE);
	if (data + ETH_HLEN_ > end)
		return sl_drop(&e, SL_DROP_PARSE_L2); /* parsed already: for the verifier */
	if (!(data[0] & 1) && !sl_addr_eq(data, p->mac, SL_ETH_ALEN))
		return sl_drop(&e, SL_DROP_L2_OTHER_HOST);
	if (pi.flags & PKT_F_ARP) { /* the kernel answers and learns */
		if (sl_neigh_mac_refused(ctx, pi.l3_off, 0, 0, 0))
			return sl_drop(&e, SL_DROP_NEIGH_BAD_MAC);
		return sl_pass(&e);
	}
	if (pi.family == 4 && !sl_ipv4_csum_ok(ctx, pi.l3_off))
		return sl_drop(&e, SL_DROP_IPV4_CHECKSUM);

	__builtin_memcpy(&e.s->pi, &pi, sizeof(pi));
	e.s->port = p->index;
	e.s->ifindex = ifi;
	e.s->reply_port = (__s32)p->index;
	e.s->nat_undo = 0; /* until sl_nlb translates it */
	e.s->attach = p->attach < 0 ? 0 : (__u32)p->attach;
	e.s->pos = 0;

	e.s->has_attach = p->attach >= 0;
	nlb = bpf_map_lookup_elem(&sl_nlbcfg, &zero);
	if (nlb && !nlb->n_listeners)
		nlb = NULL;
	zone = (e.node->zone_family == 4 &&
		sl_addr_eq(pi.daddr, (const __u8 *)&e.node->zone_ip4, 4)) ||
	       (e.node->zone_family == 6 && sl_addr_eq(pi.daddr, e.node->zone_ip6, 16));
	kind = sl_dst_kind(pi.family, pi.daddr);
	local = zone || sl_is_multicast(&pi) || kind == PKT_DST_OWN;
	if (local && (pi.flags & PKT_F_L4) && pi.proto == IPPROTO_UDP_ &&
	    pi.dport == GENEVE_UDP_PORT) {
		/* no clock: sl_gw_return reads it only when it hands the packet on */
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_RETURN);
		return sl_drop(&e, SL_DROP_LOCAL_UNHANDLED);
	}
	e.s->now = sl_now(e.node); /* ~25 ns live (bpf_ktime_get_ns): once, where it is used */
	if (local) {
		/* local_ip: TCP/UDP to the zone IP is the load balancer's (nlb_to_zone_ip) */
		if (nlb && zone && (pi.proto == IPPROTO_TCP_ || pi.proto == IPPROTO_UDP_)) {
			e.s->nlb_mode = SL_NLB_ZONE;
			bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB);
			return sl_drop(&e, SL_DROP_NLB_NO_LISTENER);
		}
		/* source-NAT replies, ICMP errors about flows (nlb_try_session) */
		if (nlb && !sl_is_multicast(&pi) &&
		    (pi.proto == IPPROTO_TCP_ || pi.proto == IPPROTO_UDP_ ||
		     (pi.flags & PKT_F_ICMP_ERR))) {
			e.s->nlb_mode = SL_NLB_LOCAL;
			bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB);
		}
		/* no listeners: an ICMP error about our GENEVE is counted (e.s->pi is pi) */
		if (!nlb && (pi.flags & PKT_F_ICMP_ERR) && pi.family == 4)
			return sl_icmp_unclaimed(ctx, &e);
		/* ND, ping, the host's own traffic */
		if ((pi.flags & PKT_F_L4) && pi.proto == IPPROTO_ICMPV6_ &&
		    (pi.icmp_type == ND_NS || pi.icmp_type == ND_NA) &&
		    sl_neigh_mac_refused(ctx, pi.l3_off, pi.l4_off, (__u32)pi.l3_off + pi.l3_len,
					 pi.icmp_type))
			return sl_drop(&e, SL_DROP_NEIGH_BAD_MAC);
		return sl_pass(&e);
	}
	/* never forwarded, inspected or resolved: a subnet's broadcast, 0/8, loopback, ... */
	if (pkt_dst_martian(pi.family, pi.daddr, kind))
		return sl_drop(&e, SL_DROP_MARTIAN_DST);
	if (nlb && pi.family == 4) {
		__u32 i, d;

		__builtin_memcpy(&d, pi.daddr, 4);
		for (i = 0; i < XDP_MAX_ZONES; i++) {
			if (i >= nlb->n_other)
				break;
			if (nlb->other4[i] == d)
				return sl_drop(&e, SL_DROP_OTHER_ZONE_IP);
		}
		/* a target's reply, or an ICMP error about a flow; else on to inspection */
		e.s->nlb_mode = SL_NLB_TRANSIT;
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB);
	}
	if (p->attach < 0)
		return sl_drop(&e, SL_DROP_NO_ATTACHMENT);
	bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
	return sl_drop(&e, SL_DROP_NO_TARGET);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
