/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/st_gw_encap.h - stage sl_gw_encap: a packet to its chain group's appliance, in GENEVE.
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ST_GW_ENCAP_H
#define SL_BPF_PROG_ST_GW_ENCAP_H

/*
 * scratch.pi to group chain[pos] of attachment scratch.attach, encapsulated as core/gwlb_table.h
 * gwlb_encap_plan and gwlb_encap_write make it. The frame holds the packet at pi.l3_off (the
 * received frame, or a return's inner packet behind 14 bytes).
 */
SEC("xdp")
int sl_gw_encap(struct xdp_md *ctx)
{
	struct sl_env e;
	struct pkt_info *pi;
	struct gwlb_attach *att;
	struct xdp_group *g;
	const struct gwlb_target *t;
	struct xdp_tstats *ts;
	struct flow_key *fk;
	struct sl_hop h;
	__u8 *data, *end;
	__u32 gi, hash, ai;
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
	 * Steered as its datagram's first fragment decides (core/frag.h), the cookie
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

	gwlb_encap_plan(e.node->secret, att, t, &e.s->ck, hash, pi->family, h.port->geneve_src,
			e.node->ttl, &e.s->genc);

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
	gwlb_encap_write(data + ETH_HLEN_, &e.s->genc, pi->l3_len);
	sl_event(&e, SL_EV_ENCAP);
	ts = sl_tstat(gi, (__u32)slot);
	if (ts) {
		ts->pkts++;
		ts->bytes += pi->l3_len;
	}
	return sl_send(ctx, &e, h.port->index, h.port->ifindex);
}

#endif /* SL_BPF_PROG_ST_GW_ENCAP_H */
