/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/too_big.h - ICMP too-big / fragmentation-needed answers and the NAT undo of a translated
 * packet. Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_TOO_BIG_H
#define SL_BPF_PROG_TOO_BIG_H

/*
 * eg_too_big: the packet does not fit once encapsulated. The frame becomes the ICMP
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
	__u32 qlen, cur, want, ifi, why;
	__u8 *out;
	int len;

	why = egress_too_big_first(verdict);
	if (why)
		return sl_drop(e, why);
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
	why = egress_too_big_answer(
		pi->family, pi->family == 4 ? (const __u8 *)&port->addr4[0] : port->addr6[0],
		&s->icmp, s->now);
	if (why)
		return sl_drop(e, why);

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
	nat_pi_apply(&s->pi, rw); /* all 16 address bytes: IPv6 NLB sessions too */
	return 0;
}

#endif /* SL_BPF_PROG_TOO_BIG_H */
