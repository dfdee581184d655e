/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/st_nlb.h - stage sl_nlb: packets to the zone IP, local listeners and target replies.
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ST_NLB_H
#define SL_BPF_PROG_ST_NLB_H

/*
 * NLB: the entry's SL_NLB_* cases (s->nlb_mode). To the zone IP: nlb_to_zone_ip (listener,
 * session either way, a new one for a SYN or UDP, else tcp_unknown_flow); otherwise a target's
 * reply or an ICMP error about a session, or the packet goes on as it would have.
 */
SEC("xdp")
int sl_nlb(struct xdp_md *ctx)
{
	struct xdp_listener_key lk = {};
	struct nlb_listener *lp, *l;
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
		if (nc && nc->n_replies && !s->has_attach && (s->pi.flags & PKT_F_L4) &&
		    !(s->pi.flags & PKT_F_ICMP_ERR) &&
		    (s->pi.proto == IPPROTO_TCP_ || s->pi.proto == IPPROTO_UDP_))
			bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB_REPLY);
		if (!s->has_attach)
			return sl_drop(&e, SL_DROP_NO_ATTACHMENT);
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
		return sl_drop(&e, SL_DROP_NO_TARGET);
	}

	/*
	 * To the zone IP: TCP or UDP, or any packet after inspection (gwlb_return_verdict: what
	 * has no listener is dropped nlb_no_listener). A non-first fragment has the ports its
	 * first fragment recorded (core/frag.h), or no listener can be known: dropped frag_early.
	 */
	if ((s->pi.flags & PKT_F_FRAG) &&
	    sl_frag(s, &s->pi, e.st, FRAG_MODE_NLB, e.node->frag_timeout_ms) == FRAG_EARLY)
		return sl_drop(&e, SL_DROP_FRAG_EARLY);
	lk.proto = s->pi.proto;
	lk.port = s->pi.dport;
	lp = s->pi.flags & PKT_F_L4 ? bpf_map_lookup_elem(&sl_listeners, &lk) : NULL;
	if (!lp && (s->pi.flags & PKT_F_L4)) {
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
	if (l->inspect != NLB_NO_INSPECT && s->nlb_mode != SL_NLB_INSPECTED) {
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
	kind = (s->pi.family == 4 ? sl_addr_eq(s->pi.saddr, (const __u8 *)&e.node->zone_ip4, 4)
				  : sl_addr_eq(s->pi.saddr, e.node->zone_ip6, 16))
		       ? PKT_DST_OWN
		       : sl_dst_kind(s->pi.family, s->pi.saddr);
	ret = (int)nat_new_session_refusal(&s->pi, kind);
	if (s->pi.flags & PKT_F_FRAG_LATER) /* its first fragment made no session */
		ret = SL_DROP_FRAG_EARLY;
	if (ret != SL_DROP_MAX)
		return sl_ldrop(&e, l->index, (__u32)ret);
	verdict = nlb_client_verdict(s->pi.proto, s->pi.tcp_flags, !!(l->flags & NLB_LF_RESET));
	if (verdict == NLB_CLIENT_DROP_RST) /* a reset of nothing: nothing to do */
		return sl_drop(&e, SL_DROP_NLB_UNKNOWN_RESET);
	if (verdict == NLB_CLIENT_RESET)
		return sl_nlb_rst_answer(ctx, &e, l->index, SL_DROP_NLB_UNKNOWN_RESET);
	ret = sl_nlb_new(ctx, &e, l);
	if (ret < 0)
		return -ret - 1;
	if (verdict == NLB_CLIENT_ADOPT) /* another node's flow (or ours before a restart) */
		sl_event(&e, SL_EV_NLB_ADOPTED);
	/* the new session's touch (its clock is now): a FIN or RST shortens it at once */
	if (nlb_touch(s->now, s->now, s->sess[0].flags, s->pi.proto, s->pi.tcp_flags, &ret)) {
		x = bpf_map_lookup_elem(&sl_sess, &s->sk);
		if (x)
			x->flags |= NLB_SF_CLOSING;
	}
	return sl_nlb_translate_send(ctx, &e);
}

#endif /* SL_BPF_PROG_ST_NLB_H */
