/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nlb_rw.h - a session direction's rewrite, rebuilt from the other direction's key, for a
 * session table that keeps only which ends a direction rewrites (the XDP path's sl_sess: its
 * entries are smaller by a whole struct nat_rewrite, fewer cache lines a packet). Header-only,
 * BPF-includable.
 *
 * Why it holds (core/nlb.h nlb_sess_build, nlb_sess_snat): a translated packet reads as the
 * other direction's packets turned around. The client's packets are rewritten to the target
 * (rk.saddr:sport) and, with source NAT, from the node's address and port (rk.daddr:dport);
 * the target's replies from the zone IP and listener port (ck.daddr:dport) and, with source
 * NAT, to the client (ck.saddr:sport). So a direction's nat_rewrite is, field for field, the
 * other key's destination as its source and the other key's source as its destination, for the
 * ends it sets (tests/unit/test_nlb_rw.c checks it against nlb_sess_build / nlb_sess_snat).
 */
#ifndef SL_CORE_NLB_RW_H
#define SL_CORE_NLB_RW_H

#include "dataplane/core/compat.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/nlb.h"

#define NLB_RW_SRC 0x01 /* the direction rewrites the source (nat_rewrite.set_src) */
#define NLB_RW_DST 0x02 /* ... the destination (set_dst) */

/* Which ends rw rewrites, NLB_RW_*: what nlb_rw_of needs besides the other key. */
SL_INLINE uint8_t nlb_rw_ends(const struct nat_rewrite *rw)
{
	return (uint8_t)((rw->set_src ? NLB_RW_SRC : 0) | (rw->set_dst ? NLB_RW_DST : 0));
}

/*
 * The rewrite of the direction whose other direction's key is `other`, for the ends `ends`
 * (nlb_rw_ends of the rewrite nlb_sess_build / nlb_sess_snat made): the same bytes.
 */
SL_INLINE void nlb_rw_of(const struct nlb_sess_key *other, uint8_t ends, struct nat_rewrite *rw)
{
	sl_memset(rw, 0, sizeof(*rw));
	rw->family = other->family;
	if (ends & NLB_RW_SRC) {
		rw->set_src = 1;
		sl_memcpy(rw->saddr, other->daddr, 16);
		rw->sport = other->dport;
	}
	if (ends & NLB_RW_DST) {
		rw->set_dst = 1;
		sl_memcpy(rw->daddr, other->saddr, 16);
		rw->dport = other->sport;
	}
}

#endif /* SL_CORE_NLB_RW_H */
