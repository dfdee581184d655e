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
	struct nlb_sess_key *ck = &r->other; /* the client key (sl_nlb_build), in scratch */
	struct xdp_reply_key k = {};
	struct xdp_reply *ex, *an, *x;
	const struct xdp_sess *have;
	struct nlb_reply_owner o;
	const struct xdp_target *t;
	struct xdp_group *g;
	struct xdp_tstats *ts;
	struct xdp_lstats *ls;
	__u32 slot, li;
	int v;

	if (e->node->zone_family != s->pi.family)
		return -1;
	k.family = s->pi.family;
	__builtin_memcpy(k.addr, s->pi.saddr, 16);
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
	if (!nlb_reply_target_ok(t->present, t->addr16, t->port, s->pi.saddr, s->pi.sport))
		return -1;
	li = o.listener;
	/* the session of the client packet this reply answers (s->fpi), as sl_nlb_new makes it */
	nlb_reply_client(&s->pi,
			 s->pi.family == 4 ? (const __u8 *)&e->node->zone_ip4 : e->node->zone_ip6,
			 o.lport, &s->fpi);
	if (sl_nlb_build(s, &s->fpi, t, t->port ? t->port : o.lport, 1))
		return -1;
	c->last_seen = s->now;
	c->listener = r->listener = (__u16)li;
	c->group = r->group = o.group;
	c->tag = r->tag = t->tag;
	c->inspect = r->inspect = x->inspect;
	c->flags = r->flags = nlb_session_flags(x->lflags);
	/* the client's key another target's session's? (nlb_adopt_taken, RST or not) */
	have = bpf_map_lookup_elem(&sl_sess, ck);
	if (nlb_adopt_taken(have && have->dir == NLB_DIR_CLIENT, have ? have->tag : 0, t->tag) ==
	    NLB_TAKEN_OTHER)
		return sl_ldrop(e, li, SL_DROP_NLB_REPLY_OTHER_TARGET);
	sl_event(e, SL_EV_NLB_REPLY_ADOPTED);
	if (nlb_reply_keeps(s->pi.proto, s->pi.tcp_flags)) {
		c->flags |= nlb_touch(s->now, s->now, c->flags, s->pi.proto, s->pi.tcp_flags, &v);
		/* taken meanwhile (another CPU adopted it too): that session translates the same */
		if (!bpf_map_update_elem(&sl_sess, &s->sk, r, BPF_NOEXIST)) {
			if (bpf_map_update_elem(&sl_sess, ck, c, BPF_NOEXIST)) {
				/* the client's key taken meanwhile: whose? (nlb_adopt_taken) */
				have = bpf_map_lookup_elem(&sl_sess, ck);
				v = nlb_adopt_taken(have && have->dir == NLB_DIR_CLIENT,
						    have ? have->tag : 0, c->tag);
				if (v != NLB_TAKEN_SAME) {
					bpf_map_delete_elem(&sl_sess, &s->sk);
					return sl_ldrop(e, li,
							v == NLB_TAKEN_OTHER
								? SL_DROP_NLB_REPLY_OTHER_TARGET
								: SL_DROP_NLB_SESSIONS_FULL);
				}
				return sl_nlb_translate_send(ctx, e);
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
