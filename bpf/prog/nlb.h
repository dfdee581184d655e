/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/nlb.h - the NLB's helpers: listeners, NAT sessions, ports, ICMP errors (docs/nlb.md).
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_NLB_H
#define SL_BPF_PROG_NLB_H

#include "dataplane/core/nlb_verdict.h"

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

/* Both entries of the session whose entry `x` was found: gone (sesstab_remove). */
static __always_inline void sl_sess_remove(const struct xdp_sess *x, const struct nlb_sess_key *k)
{
	bpf_map_delete_elem(&sl_sess, &x->other);
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
	nlb_rw_of(&x->other, x->rw_ends, rw);
	nat_undo_of(&s->pi, rw, &s->rw[1]); /* for sl_too_big_fwd */
	if (nat_rewrite(data, end, &s->pi, rw))
		return -1;
	nat_pi_apply(&s->pi, rw);
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
	return len == NAT_RST4_LEN || len == NAT_RST6_LEN ? len : -1;
}

/*
 * The frame becomes the IP packet of len bytes in s->buf (an RST: 40 bytes, IPv6 60, up to
 * XDP_RST_SEG_MAX with IPv4 options), sent to its destination. The packet it replaces is the
 * caller's to count.
 */
static __always_inline int sl_send_built(struct xdp_md *ctx, struct sl_env *e, __u32 len, __u32 ev)
{
	__u32 cur = sl_frame_len(ctx), want, v6 = (e->s->buf[0] >> 4) == 6;
	struct sl_hop h;
	int ret;

	if (len < NAT_RST4_LEN || len > XDP_RST_SEG_MAX)
		return sl_drop(e, SL_DROP_OWN_UNSENT);
	/* the verifier sees the store's size, 40 + 0..63, through a mask on that very register */
	len -= NAT_RST4_LEN;
	asm volatile("" : "+r"(len));
	len = NAT_RST4_LEN + (len & 0x3f);
	want = ETH_HLEN_ + len;
	ret = sl_route(ctx, e, v6 ? 6 : 4, e->s->buf + (v6 ? 24 : 16), &h);
	if (ret)
		return sl_drop(e, SL_DROP_OWN_UNSENT); /* the packet it replaces is counted */
	if (want > cur ? bpf_xdp_adjust_head(ctx, (int)cur - (int)want)
		       : want < cur && bpf_xdp_adjust_tail(ctx, (int)want - (int)cur))
		return sl_drop(e, SL_DROP_OWN_UNSENT);
	if (bpf_xdp_store_bytes(ctx, ETH_HLEN_, e->s->buf, len) ||
	    sl_eth_write(ctx, h.dmac, h.port->mac, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4))
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
 * core/nlb_verdict.h nlb_touch on the client entry c (last_seen, flags as read: last, flags):
 * the session's clock and closing flag for the packet s->pi.
 */
static __always_inline void sl_nlb_touch(struct sl_scratch *s, struct xdp_sess *c, __u64 last,
					 __u8 flags)
{
	int stamp;
	__u8 add = nlb_touch(s->now, last, flags, s->pi.proto, s->pi.tcp_flags, &stamp);

	if (add)
		c->flags = flags | add;
	if (stamp)
		c->last_seen = s->now;
}

/*
 * core/nlb_verdict.h nlb_session_verdict for the entry in s->sess[0] (found by key s->sk, at
 * `found` in sl_sess): 1 keep (touched), 0 gone (expired or moved: the packet is not of the
 * session any more), or -(XDP action + 1): refused (drained, terminated), the frame is dealt
 * with.
 */
static __always_inline int sl_nlb_session_ok(struct xdp_md *ctx, struct sl_env *e,
					     struct xdp_sess *found)
{
	struct sl_scratch *s = e->s;
	struct xdp_sess *x = &s->sess[0], *c;
	const struct xdp_target *t;
	struct xdp_group *g;
	__u64 last;
	__u32 slot, li;
	__u8 flags;
	int cur, verdict;

	g = sl_group(x->group);
	if (!g)
		return 0;
	/*
	 * The client entry holds the session's clock: a client packet's own entry (not looked
	 * up again), a reply's other one (its key in scratch: the stack is short).
	 */
	c = x->dir == NLB_DIR_CLIENT ? found : bpf_map_lookup_elem(&sl_sess, &x->other);
	if (!c) { /* half a session (LRU): gone */
		bpf_map_delete_elem(&sl_sess, &s->sk);
		return 0;
	}
	last = c->last_seen;
	flags = c->flags;
	slot = gwlb_tag_slot(x->tag);
	t = &g->targets[slot];
	cur = gwlb_pin_current(x->tag, g->n_targets, t->present, t->tag);
	verdict = nlb_session_verdict(
		s->now, last, nlb_idle(flags, x->other.proto, g->idle_tcp_us, g->idle_other_us),
		cur, t->state, t->drain_start, g->dereg_delay_us, g->rebalance, x->flags,
		s->pi.proto, s->pi.tcp_flags);
	if (verdict == NLB_SV_KEEP) {
		sl_nlb_touch(s, c, last, flags);
		return 1;
	}
	li = x->listener;
	if (verdict == NLB_SV_TERMINATE) {
		/* the session stays (until idle): every later packet is refused the same way */
		s->nlb_li = li; /* sl_nlb_term: a RST each way */
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB_TERM);
		return -(sl_ldrop(e, li, SL_DROP_NLB_TERMINATED) + 1);
	}
	if (verdict == NLB_SV_DRAINED)
		return -(sl_ldrop(e, li, SL_DROP_NLB_DRAINED) + 1);
	sl_sess_remove(x, &s->sk);
	sl_event(e, verdict == NLB_SV_EXPIRED ? SL_EV_FLOW_EXPIRED : SL_EV_FLOW_REBALANCED);
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
	if (dir == NLB_DIR_REPLY && s->sess[0].inspect != NLB_NO_INSPECT) {
		/* replies are inspected on the way out */
		s->attach = (__u32)s->sess[0].inspect;
		s->pos = 0;
		s->reply_port = -1;
		s->nat_undo = 1; /* sl_nat_apply left the way back in rw[1] */
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
		return sl_drop(e, SL_DROP_NO_TARGET);
	}
	return sl_forward(ctx, e, &s->pi,
			  dir == NLB_DIR_CLIENT ? SL_EV_NLB_FORWARD : SL_EV_NLB_REPLY, 1);
}

/*
 * The session entry of s->pi's key, copied to s->sess[0] (key in s->sk): the entry in sl_sess
 * (sl_nlb_session_ok touches it when it is the client's), or NULL: none.
 */
static __always_inline struct xdp_sess *sl_nlb_lookup(struct sl_scratch *s)
{
	struct xdp_sess *x;

	nlb_sess_key_of(&s->pi, &s->sk);
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
__noinline int sl_nport_get(struct nlb_sess_key *rk, __u32 replay)
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
 * core/nlb.h nlb_sess_build for the client packet pi to target t port tport, in scratch:
 * s->sess[first] the client entry, the other the reply entry (both zeroed first, direction and
 * rewrite's ends set, each entry's `other` the other's key; the caller sets the rest), s->sk the
 * key of entry s->sess[0]; the rewrites themselves in s->rw (by entry), for sl_nlb_snat. A
 * global function: the 16-byte addresses' copies, inlined, spilled sl_nlb's registers past its
 * 512 bytes of stack.
 */
__noinline int sl_nlb_build(struct sl_scratch *s, const struct pkt_info *pi,
			    const struct xdp_target *t, __u32 tport, __u32 first)
{
	struct xdp_sess *c, *r;

	if (!s || !pi || !t)
		return -1;
	c = &s->sess[first & 1];
	r = &s->sess[(first & 1) ^ 1];
	__builtin_memset(s->sess, 0, sizeof(s->sess));
	nlb_sess_build(pi, t->addr16, (__u16)tport, &r->other, &c->other, &s->rw[first & 1],
		       &s->rw[(first & 1) ^ 1]);
	c->rw_ends = nlb_rw_ends(&s->rw[first & 1]);
	r->rw_ends = nlb_rw_ends(&s->rw[(first & 1) ^ 1]);
	c->dir = NLB_DIR_CLIENT;
	r->dir = NLB_DIR_REPLY;
	s->sk = s->sess[1].other;
	return 0;
}

/* core/nlb.h nlb_sess_snat on sl_nlb_build's s->sess (first 0): from c->other.daddr:nport. */
__noinline int sl_nlb_snat(struct sl_scratch *s, __u32 nport)
{
	struct xdp_sess *c, *r;

	if (!s)
		return -1;
	c = &s->sess[0];
	r = &s->sess[1];
	nlb_sess_snat(&s->pi, c->other.daddr, (__u16)nport, &c->other, &s->rw[0], &s->rw[1]);
	c->rw_ends = nlb_rw_ends(&s->rw[0]);
	r->rw_ends = nlb_rw_ends(&s->rw[1]);
	return 0;
}

/*
 * nlb_new_session for the client packet s->pi of listener l: the session's two entries in
 * s->sess (client, reply), inserted; s->sess[0] is the client entry. 0, or -(XDP action + 1).
 */
static __always_inline int sl_nlb_new(struct xdp_md *ctx, struct sl_env *e,
				      const struct nlb_listener *l)
{
	struct sl_scratch *s = e->s;
	struct xdp_sess *c = &s->sess[0], *r = &s->sess[1];
	const struct xdp_target *t;
	struct xdp_group *g;
	struct xdp_tstats *ts;
	struct xdp_lstats *ls;
	struct nlb_sess_key *rk = &c->other; /* the reply key, in scratch: the stack is short */
	__u32 li = l->index;
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
	if (sl_nlb_build(s, &s->pi, t, t->port ? t->port : s->pi.dport, 0))
		return -(sl_ldrop(e, li, SL_DROP_NO_TARGET) + 1);
	c->last_seen = s->now;
	c->listener = r->listener = l->index;
	c->group = r->group = l->group;
	c->tag = r->tag = t->tag;
	c->inspect = r->inspect = l->inspect;
	c->flags = r->flags = nlb_session_flags(l->flags);
	if (l->flags & NLB_LF_SNAT) {
		struct sl_hop h;
		int nport;

		/* the egress port's first address of the family (sluice-dp's dp_port addr4/addr6)
		 */
		if (sl_route(ctx, e, s->pi.family, t->addr16, &h))
			return -(sl_drop(e, SL_DROP_NO_ROUTE) + 1);
		if (s->pi.family == 4) {
			if (!h.port->addr4[0])
				return -(sl_drop(e, SL_DROP_NO_ROUTE) + 1);
			__builtin_memcpy(rk->daddr, &h.port->addr4[0], 4);
		} else {
			if (!h.port->plen6[0])
				return -(sl_drop(e, SL_DROP_NO_ROUTE) + 1);
			__builtin_memcpy(rk->daddr, h.port->addr6[0], 16);
		}
		nport = sl_nport_get(rk, e->node->replay);
		if (!nport)
			return -(sl_ldrop(e, li, SL_DROP_NLB_PORTS_EXHAUSTED) + 1);
		c->flags |= NLB_SF_SNAT;
		c->nport = (__u16)nport;
		sl_nlb_snat(s, (__u32)nport);
	}
	if (bpf_map_update_elem(&sl_sess, rk, r, BPF_NOEXIST)) {
		const struct xdp_sess *o = bpf_map_lookup_elem(&sl_sess, rk);

		/*
		 * Another CPU made this session a moment ago (from the flow's first packets or the
		 * target's reply, sl_nlb_reply: docs/nlb.md "In a fleet"): core/nlb_verdict.h
		 * nlb_join_verdict on the reply key's holder (a reply entry: no NLB_SF_SNAT, as a
		 * destination-NAT session's, the only kind joined by that key). Joined, this packet
		 * goes on with its own copy of the client entry (inserted unless that CPU's is
		 * there by now).
		 */
		if (!nlb_join_verdict(o != NULL, o ? o->dir : 0, NLB_DIR_REPLY, o ? o->tag : 0,
				      o ? o->listener : 0, o ? o->flags : 0, c->tag, c->listener,
				      c->flags))
			return -(sl_ldrop(e, li, SL_DROP_NLB_SESSIONS_FULL) + 1);
		bpf_map_update_elem(&sl_sess, &s->sk, c, BPF_NOEXIST);
		return 0;
	}
	if (bpf_map_update_elem(&sl_sess, &s->sk, c, BPF_NOEXIST)) {
		const struct xdp_sess *o = bpf_map_lookup_elem(&sl_sess, &s->sk);
		int join = nlb_join_verdict(o != NULL, o ? o->dir : 0, NLB_DIR_CLIENT,
					    o ? o->tag : 0, o ? o->listener : 0, o ? o->flags : 0,
					    c->tag, c->listener, c->flags);

		/*
		 * The client key taken meanwhile (another CPU's session of this flow with its own
		 * source-NAT port, say): joined (nlb_join_verdict), this packet goes on with that
		 * session's client entry, as sluice-dp's nlb_publish; ours goes (the port it took
		 * is only the cursor's).
		 */
		bpf_map_delete_elem(&sl_sess, rk);
		if (!join || !o)
			return -(sl_ldrop(e, li, SL_DROP_NLB_SESSIONS_FULL) + 1);
		__builtin_memcpy(c, o, sizeof(*c));
		return 0;
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
	nlb_sess_key_quoted(&q, &s->sk);
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
	const struct nlb_sess_key *orig;
	struct pkt_info o;

	if (!s)
		return -1;
	outer = &s->rw[0];
	inner = &s->rw[1];
	orig = &s->sess[0].other;
	nlb_icmp_plan(orig, outer, inner);
	__builtin_memcpy(&o, &s->pi, sizeof(o));
	if (o.l3_off > SL_MAX_L3_OFF || o.l4_off > SL_MAX_L4_OFF) /* for the verifier */
		return -1;
	if (nat_icmp_error(data, end, &o, outer, inner))
		return -1;
	__builtin_memcpy(s->pi.daddr, orig->saddr, 16);
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
 * (core/gwlb.h gwlb_icmp_is_geneve, from the GENEVE source of the port the error arrived on);
 * else it may be about the host's own traffic (a PMTU error about an SSH session, say), so it
 * goes to the kernel, which drops what no socket of its own claims (sluice-dp, owning the
 * port, drops it nlb_icmp_unknown).
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
		if (x && s->sess[0].dir == NLB_DIR_REPLY) {
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

#endif /* SL_BPF_PROG_NLB_H */
