/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/st_nlb_reply.h - stage sl_nlb_reply: a target's reply adopted by its session.
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ST_NLB_REPLY_H
#define SL_BPF_PROG_ST_NLB_REPLY_H

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

#endif /* SL_BPF_PROG_ST_NLB_REPLY_H */
