/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/route.h - egress: route (bpf_fib_lookup, the node's static routes), neighbour, MTU, the
 * Ethernet header. Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a
 * library).
 */
#ifndef SL_BPF_PROG_ROUTE_H
#define SL_BPF_PROG_ROUTE_H

/* Where a packet to `daddr` leaves: egress port, its MAC, the next hop's MAC. */
struct sl_hop {
	struct xdp_port *port;
	__u8 dmac[SL_ETH_ALEN];
};

/* What sl_fib and sl_route return for a lookup that found no way out: the drop reason + 1. */
static __always_inline int sl_no_way(unsigned int hop)
{
	return egress_hop_drop(hop, 0) + 1; /* core/egress.h, as sluice-dp's egress.c */
}

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
		return sl_no_way(EGRESS_NO_ROUTE);
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
		return sl_no_way(EGRESS_NEIGH_UNRESOLVED);
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
		return sl_no_way(EGRESS_NO_ROUTE); /* not one of sluice's interfaces */
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
			return e->node->replay ? sl_no_way(EGRESS_NO_ROUTE)
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
			return e->node->replay ? sl_no_way(EGRESS_NO_ROUTE)
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
		return sl_no_way(EGRESS_NO_ROUTE);
	if (!nb) {
		struct xdp_port *port = h->port;
		int ret;

		if (e->node->replay)
			return sl_no_way(EGRESS_NEIGH_UNRESOLVED);
		/* The kernel's neighbour of our next hop: ask the FIB for the next hop itself. */
		ret = sl_fib(ctx, e, family, nh_addr, h, ifi);
		if (ret || h->port->ifindex != port->ifindex) {
			h->port = port;
			return sl_no_way(EGRESS_NEIGH_UNRESOLVED);
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
	__u32 why = egress_too_big_first(v);

	if (why)
		return sl_drop(e, why);
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
 * eg_forward: the IP packet of pi to its destination, with a new Ethernet header, if it fits
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

#endif /* SL_BPF_PROG_ROUTE_H */
