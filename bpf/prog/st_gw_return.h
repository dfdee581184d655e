/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/st_gw_return.h - stage sl_gw_return: a GENEVE return from an appliance.
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ST_GW_RETURN_H
#define SL_BPF_PROG_ST_GW_RETURN_H

/*
 * The steps of the return (its verdict: core/gwlb_table.h gwlb_return_verdict) are global
 * functions: the verifier checks each once, on its own; inlined into one program their paths
 * multiply past the 1M instruction limit.
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

/* The attachment of an endpoint ID (sl_endpoints, compiled by rt_model): its index, or -1. */
__noinline int sl_find_attach(__u64 endpoint)
{
	__u32 *a = bpf_map_lookup_elem(&sl_endpoints, &endpoint);

	return a ? (int)(*a & 0xffff) : -1;
}

/*
 * The chain position whose group has appliance addr in attachment ai << 8 | its slot (where
 * its returns count), or -1: the generation's return table (core/gwlb_table.h gwlb_ret_key).
 */
__noinline int sl_chain_pos_of(__u32 ai, __u32 addr)
{
	__u32 zero = 0, *v;
	__u64 key = gwlb_ret_key(ai, addr);
	void *inner = bpf_map_lookup_elem(&sl_appliances, &zero);

	if (!inner)
		return -1;
	v = bpf_map_lookup_elem(inner, &key);
	return v ? (int)gwlb_ret_val(gwlb_ret_pos(*v), gwlb_ret_slot(*v)) : -1;
}

/* A GENEVE return: a GENEVE packet to one of our addresses (scratch.pi, UDP to 6081). */
SEC("xdp")
int sl_gw_return(struct xdp_md *ctx)
{
	struct sl_env e;
	struct pkt_info *in;
	struct gwlb_attach *att = NULL;
	struct xdp_group *g;
	struct gwlb_meta meta;
	struct xdp_tstats *ts;
	__u32 udp_len, l4, l3_end, a, appliance, off, slot;
	__u16 hlen;
	__u8 *data, *end;
	int ret, pos, zone, to_zone;

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
	ret = sl_find_attach(meta.endpoint_id);
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
	to_zone = (in->family == 4 && e.node->zone_family == 4 &&
		   sl_addr_eq(in->daddr, (const __u8 *)&e.node->zone_ip4, 4)) ||
		  (in->family == 6 && e.node->zone_family == 6 &&
		   sl_addr_eq(in->daddr, e.node->zone_ip6, 16));
	ret = gwlb_return_verdict((__u32)pos, att->n_chain, in, to_zone,
				  to_zone ? PKT_DST_OWN : sl_dst_kind(in->family, in->daddr));
	if (ret == GWLB_RET_MARTIAN)
		return sl_drop(&e, SL_DROP_MARTIAN_DST);
	if (ret == GWLB_RET_FORWARD)
		return sl_forward(ctx, &e, in, SL_EV_FORWARD, 0);
	zone = ret == GWLB_RET_NLB;

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

#endif /* SL_BPF_PROG_ST_GW_RETURN_H */
