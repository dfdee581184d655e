/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/st_nlb_term.h - stage sl_nlb_term: connection termination.
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ST_NLB_TERM_H
#define SL_BPF_PROG_ST_NLB_TERM_H

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
	nlb_rw_of(&x->other, x->rw_ends, rw);
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

	ret = sl_route(ctx, e, s->pi.family, s->pi.saddr, &h);
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
		e->st->tx_bytes[port] +=
			ETH_HLEN_ + (s->pi.family == 4 ? NAT_RST4_LEN : NAT_RST6_LEN);
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
	sl_nlb_rst_record(ctx, &e);
	len = sl_nlb_rst_fwd(ctx, e.s);
	if (len < 0)
		return sl_drop(&e, SL_DROP_OWN_UNSENT);
	return sl_send_built(ctx, &e, (__u32)len, SL_EV_NLB_RST);
}

#endif /* SL_BPF_PROG_ST_NLB_TERM_H */
