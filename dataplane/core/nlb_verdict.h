/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nlb_verdict.h - the load balancer's verdicts on packets of existing NAT sessions, made once
 * for both dataplanes (docs/nlb.md "Sessions", "Draining", "In a fleet"). Header-only,
 * BPF-includable.
 *
 * The two shells keep a session in different shapes (sluice-dp: one object reached by two keys,
 * dataplane/dpdk/sesstab.h; sluice-xdp: one sl_sess entry per key, the client entry holding the
 * clock and flags, bpf/xdp_shared.h): the verdicts read the fields both have, as arguments.
 *
 * SL_INLINE uint64_t nlb_idle(uint8_t sflags, uint8_t proto, uint64_t idle_tcp,
 *                             uint64_t idle_other);
 * SL_INLINE int nlb_session_verdict(uint64_t now, uint64_t last, uint64_t idle, int current,
 *                                   uint8_t state, uint64_t drain_start, uint64_t dereg_delay,
 *                                   int rebalance, uint8_t sflags, uint8_t proto,
 *                                   uint8_t tcp_flags);
 * SL_INLINE uint8_t nlb_touch(uint64_t now, uint64_t last, uint8_t sflags, uint8_t proto,
 *                             uint8_t tcp_flags, int *stamp);
 * SL_INLINE uint8_t nlb_session_flags(uint8_t lflags);
 * SL_INLINE int nlb_reply_target_ok(uint8_t present, const uint8_t *taddr, uint16_t tport,
 *                                   const uint8_t *saddr, uint16_t sport);
 * SL_INLINE int nlb_adopt_taken(int found, uint32_t have_tag, uint32_t tag);
 * SL_INLINE int nlb_join_verdict(int found, uint8_t have_dir, uint8_t key_dir, uint32_t have_tag,
 *                                uint16_t have_listener, uint8_t have_flags, uint32_t tag,
 *                                uint16_t listener, uint8_t flags);
 * SL_INLINE void nlb_icmp_plan(const struct nlb_sess_key *orig, struct nat_rewrite *outer,
 *                              struct nat_rewrite *inner);
 */
#ifndef SL_CORE_NLB_VERDICT_H
#define SL_CORE_NLB_VERDICT_H

#include "dataplane/core/compat.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/nlb_listener.h"

/*
 * A session's idle timeout: its group's for the session's protocol (TCP, or any other), at
 * most NLB_CLOSING_US once a FIN or RST was seen (NLB_SF_CLOSING in sflags). sluice-dp's
 * sweep reclaims by the same rule.
 */
SL_INLINE uint64_t nlb_idle(uint8_t sflags, uint8_t proto, uint64_t idle_tcp, uint64_t idle_other)
{
	uint64_t idle = proto == IPPROTO_TCP_ ? idle_tcp : idle_other;

	if ((sflags & NLB_SF_CLOSING) && idle > NLB_CLOSING_US)
		idle = NLB_CLOSING_US;
	return idle;
}

/* nlb_session_verdict's verdicts on a packet of a session. */
enum nlb_sess_verdict {
	NLB_SV_KEEP = 0,   /* translate it (nlb_touch first) */
	NLB_SV_EXPIRED,	   /* idle past its timeout: the session ends (flow_expired); the packet
			    * is not of it any more (a client packet may start a new one) */
	NLB_SV_REBALANCED, /* its target may no longer carry it (unhealthy with rebalance,
			    * unused): the session ends (flow_rebalanced), as EXPIRED */
	NLB_SV_DRAINED,	   /* its target drained past the deregistration delay, or gone: the
			    * session stays until idle, the packet is dropped nlb_drained */
	NLB_SV_TERMINATE,  /* as DRAINED with connection termination (NLB_SF_TERM), a TCP
			    * segment but a RST: a RST answers it to its sender (nat_tcp_rst),
			    * the segment goes on translated as a RST (nat_tcp_rst_fwd, the
			    * direction's rewrite); dropped nlb_terminated */
};

/*
 * The verdict on a packet (proto, tcp_flags) of a session last seen at `last` (us) with flags
 * sflags (NLB_SF_*) and idle timeout `idle` (nlb_idle). current: the session's tag is its
 * slot's current one (gwlb_pin_current); then state, drain_start are its target's and
 * dereg_delay, rebalance its group's. A session whose target is gone (not current: removed,
 * slot reused) is refused like a drained one: nothing of it goes to a removed target.
 */
SL_INLINE int nlb_session_verdict(uint64_t now, uint64_t last, uint64_t idle, int current,
				  uint8_t state, uint64_t drain_start, uint64_t dereg_delay,
				  int rebalance, uint8_t sflags, uint8_t proto, uint8_t tcp_flags)
{
	int v;

	if (!current)
		v = gwlb_flow_verdict(now, last, idle, TS_DRAINING, 0, 0, 0);
	else
		v = gwlb_flow_verdict(now, last, idle, state, drain_start, dereg_delay, rebalance);
	if (v == GWLB_KEEP)
		return NLB_SV_KEEP;
	if (v == GWLB_EXPIRED)
		return NLB_SV_EXPIRED;
	if (current && state != TS_DRAINING)
		return NLB_SV_REBALANCED;
	if ((sflags & NLB_SF_TERM) && proto == IPPROTO_TCP_ && !(tcp_flags & NLB_TCP_RST))
		return NLB_SV_TERMINATE;
	return NLB_SV_DRAINED;
}

/*
 * What a packet of a kept (or new) session does to its clock and flags: returns the flags to
 * add (NLB_SF_CLOSING for the first TCP FIN or RST: a short life from now on, else 0); *stamp
 * = 1 when last_seen becomes now (later than it was, or the closing starts: its short life
 * counts from this packet). Exact idle timeouts: the caller owns the session's line anyway.
 */
SL_INLINE uint8_t nlb_touch(uint64_t now, uint64_t last, uint8_t sflags, uint8_t proto,
			    uint8_t tcp_flags, int *stamp)
{
	uint8_t add = proto == IPPROTO_TCP_ && (tcp_flags & (NLB_TCP_FIN | NLB_TCP_RST)) &&
				      !(sflags & NLB_SF_CLOSING)
			      ? NLB_SF_CLOSING
			      : 0;

	*stamp = now > last || add;
	return add;
}

/* A new session's flags (NLB_SF_*) from its listener's (nlb_listener.flags); SNAT is set when
 * a port is taken. */
SL_INLINE uint8_t nlb_session_flags(uint8_t lflags)
{
	return lflags & NLB_LF_TERMINATE ? NLB_SF_TERM : 0;
}

/*
 * Reply adoption (core/nlb.h nlb_reply_resolve): does the target the reply table names (its
 * slot present, address taddr, port tport or 0) send this reply (from saddr:sport)? A table
 * written apart from the generation it was built from (sluice-xdp writes sl_replies after the
 * generation's groups) may name a slot that holds another target by now: not adopted then.
 */
SL_INLINE int nlb_reply_target_ok(uint8_t present, const uint8_t *taddr, uint16_t tport,
				  const uint8_t *saddr, uint16_t sport)
{
	unsigned int i;

	if (!present || (tport && tport != sport))
		return 0;
	for (i = 0; i < 16; i++)
		if (taddr[i] != saddr[i])
			return 0;
	return 1;
}

/* nlb_adopt_taken's verdicts. */
enum nlb_adopt_taken {
	NLB_TAKEN_NONE = 0, /* no session holds it: the reply's session is made (publishing it may
			     * still fail: no room, nlb_sessions_full) */
	NLB_TAKEN_SAME,	    /* the same target's session: it translates the reply the same */
	NLB_TAKEN_OTHER,    /* another target's: dropped nlb_reply_other_target */
};

/*
 * Reply adoption (nlb_reply_adopt) of a reply from the target with `tag`: the client key of
 * the session it would make (nlb_reply_client) is looked up first, and again when publishing
 * fails (another CPU was quicker). found: a session's client direction holds that key,
 * have_tag its target's tag. A reply of a target that is not the session's target is not
 * translated as if it were, RST or not: the client would get a packet of a connection it never
 * made with that target, and a RST would end its connection with the session's (docs/nlb.md
 * "In a fleet": the reply of an old session, say, on a node where the client's new one went
 * to another target).
 */
SL_INLINE int nlb_adopt_taken(int found, uint32_t have_tag, uint32_t tag)
{
	if (!found)
		return NLB_TAKEN_NONE;
	return have_tag == tag ? NLB_TAKEN_SAME : NLB_TAKEN_OTHER;
}

/*
 * A new client session (nlb_new_session) whose key is taken when it is published: another CPU
 * made or adopted a session for it a moment ago (two CPUs racing on a flow's first packets,
 * docs/nlb.md "In a fleet"). Does the packet join that session (1), or is it dropped
 * nlb_sessions_full (0)? The session looked up by the new one's key of direction key_dir
 * (NLB_DIR_CLIENT: its client key; NLB_DIR_REPLY: its reply key) was found in direction
 * have_dir, with its target's tag have_tag, its listener have_listener and flags have_flags
 * (NLB_SF_*); tag, listener and flags are the new session's.
 *
 * Joined only when it is the session this packet would have made: its client key in the
 * client direction (or, for destination NAT, its reply key in the reply direction: that key
 * names the client and the target), the same target (Maglev picks the same one on every CPU
 * for the same flow), listener and kind (source NAT or not). A source-NAT reply key names the
 * node's port, not the client: taken, it is another client's session. A session of another
 * target, listener or kind (a reply adopted from another target, say) does not carry this
 * packet as if it were its own: the packet is dropped (its sender retries, and its next packet
 * finds that session, whose verdicts then apply as to any other packet of it).
 */
SL_INLINE int nlb_join_verdict(int found, uint8_t have_dir, uint8_t key_dir, uint32_t have_tag,
			       uint16_t have_listener, uint8_t have_flags, uint32_t tag,
			       uint16_t listener, uint8_t flags)
{
	if (!found || have_dir != key_dir)
		return 0;
	if (key_dir == NLB_DIR_REPLY && (flags & NLB_SF_SNAT))
		return 0;
	return have_tag == tag && have_listener == listener &&
	       !((have_flags ^ flags) & NLB_SF_SNAT);
}

/*
 * ICMP errors about a session (docs/nlb.md "ICMP errors"): an error quoting a packet of one
 * direction of a session (its key nlb_sess_key_quoted; the session's target current, else it
 * is not translated: nothing of it goes to a removed target) is rewritten so its quote reads
 * as the packet read before translation (orig: the session's other direction's key) and it
 * goes to that packet's source (orig->saddr): nat_icmp_error with outer and inner.
 */
SL_INLINE void nlb_icmp_plan(const struct nlb_sess_key *orig, struct nat_rewrite *outer,
			     struct nat_rewrite *inner)
{
	nat_icmp_rewrites(orig->family, orig->saddr, orig->daddr, orig->sport, orig->dport, outer,
			  inner);
}

#endif /* SL_CORE_NLB_VERDICT_H */
